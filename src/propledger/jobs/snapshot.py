"""Jobs of the Phase 10 model: the production snapshot, calibrator fitting, evaluation.

Each job takes a :class:`~propledger.context.Context` (settings, clock, run id, transport,
warehouse) and returns a frozen result the CLI prints and the daily driver records.
"""

from __future__ import annotations

import collections
import datetime as dt
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from propledger.context import Context
from propledger.errors import ModelError, SourceError
from propledger.ev.settle import pregame_settlements
from propledger.evidence.warehouse import Warehouse
from propledger.model.accuracy import accuracy_metrics, write_accuracy_report
from propledger.model.calibration import CalibratorArtifact, record_artifacts, save_artifact
from propledger.model.calibration_fit import ChronoSplit
from propledger.model.history_asof import asof_snapshot, fit_from_history, resolve_window
from propledger.model.outcomes import CountSource, accuracy_rows, resolve
from propledger.model.snapshot import (
    Calibration,
    build_snapshot,
    persist_snapshot,
    probabilities_csv_path,
    write_probabilities_csv,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SnapshotResult:
    """One production snapshot. ``rows`` priced (``rows_new`` of them new in the warehouse)."""

    slate_date: dt.date
    run_id: str
    snapshot_ts: dt.datetime  # UTC
    rows: int
    rows_new: int
    players: int
    games: int
    elapsed: float  # seconds
    csv_path: Path
    prob_sources: dict[str, int] = field(default_factory=dict)
    calibrator_versions: tuple[str, ...] = ()
    history_refreshed: bool = False
    notes: tuple[str, ...] = ()
    #: the schedule in the warehouse reaches the slate and has no game on it (an off day:
    #: nothing to price is the right answer, not a degraded run)
    off_day: bool = False

    def summary(self) -> str:
        sources = ", ".join(f"{k} {v}" for k, v in sorted(self.prob_sources.items())) or "none"
        return (
            f"snapshot {self.slate_date}: {self.games} games, {self.players} players, "
            f"{self.rows} rows ({self.rows_new} new; {sources}) in {self.elapsed:.2f} s "
            f"→ {self.csv_path}"
        )


def refresh_if_stale(ctx: Context, slate_date: dt.date) -> tuple[bool, tuple[str, ...]]:
    """Refresh history through the day before the slate when it is stale (B's rule)."""
    from propledger.history import is_stale, refresh_history

    wh = ctx.warehouse
    if not is_stale(wh, slate_date, ctx.clock, ctx.settings.history_max_age_hours):
        return False, ()
    try:
        result = refresh_history(ctx, slate_date - dt.timedelta(days=1))
    except SourceError as exc:  # the snapshot still prices from the history it has
        logger.warning("history refresh failed: %s", exc)
        return False, (f"history refresh failed ({exc}); priced from existing history",)
    return True, tuple(result.problems)


_SCHEDULED = """SELECT
    count(*) FILTER (WHERE slate_date = $1 AND coalesce(schedule_state, '') NOT IN ('PPD', 'CNCL')),
    count(*) FILTER (WHERE slate_date >= $1)
    FROM v_game"""


def is_off_day(wh: Warehouse, slate_date: dt.date) -> bool:
    """True when the warehouse's schedule reaches ``slate_date`` (a game on or after it is
    known) and no game is played on it (postponed and cancelled games do not count)."""
    on_day, on_or_after = wh.rows(_SCHEDULED, [slate_date])[0]
    return bool(on_or_after) and not on_day


def run_snapshot(ctx: Context, slate_date: dt.date, *, refresh: bool = True) -> SnapshotResult:
    """Refresh history if stale, price D's slate, persist it, write the probabilities CSV."""
    started = time.perf_counter()
    refreshed, notes = refresh_if_stale(ctx, slate_date) if refresh else (False, ())
    wh = ctx.warehouse
    calibration = Calibration.load(ctx.settings)
    now = ctx.clock.now()
    priced = build_snapshot(wh, slate_date, calibration=calibration, as_of=now)
    with wh.transaction():
        new = persist_snapshot(wh, priced, snapshot_ts=now, run_id=ctx.run_id)
    csv_path = write_probabilities_csv(priced, probabilities_csv_path(ctx.settings, slate_date))
    off_day = priced.num_rows == 0 and is_off_day(wh, slate_date)
    if priced.num_rows == 0 and not off_day:
        notes = (*notes, f"no skaters on the {slate_date} slate (no games, or no recent history)")
    sources = collections.Counter(priced.column("prob_source").to_pylist())
    versions = sorted({v for v in priced.column("calibrator_version").to_pylist() if v})
    return SnapshotResult(
        slate_date=slate_date,
        run_id=ctx.run_id,
        snapshot_ts=now,
        rows=priced.num_rows,
        rows_new=new,
        players=len(set(priced.column("player_id").to_pylist())),
        games=len(set(priced.column("game_id").to_pylist())),
        elapsed=time.perf_counter() - started,
        csv_path=csv_path,
        prob_sources=dict(sources),
        calibrator_versions=tuple(versions),
        history_refreshed=refreshed,
        notes=notes,
        off_day=off_day,
    )


@dataclass(frozen=True)
class FitResult:
    start: dt.date
    end: dt.date
    rows: int
    artifacts: tuple[CalibratorArtifact, ...]
    recorded: int
    elapsed: float

    def summary(self) -> str:
        out = [f"calibration rows (settled, line 0.5): {self.rows} over {self.start} … {self.end}"]
        for art in self.artifacts:
            valid = art.metrics.get("valid", {})

            def ll(method: str, valid: dict[str, dict[str, float]] = valid) -> str:
                return f"{valid.get(method, {}).get('log_loss', float('nan')):.5f}"

            out.append(
                f"{art.market.value}: chose {art.method.value} ({art.window.split}; "
                f"n train {art.n_train}, valid {art.n_valid}); valid log loss isotonic "
                f"{ll('isotonic')}, platt {ll('platt')}, raw {ll('raw')} → {art.version}"
            )
        return "\n".join(out)


def run_fit_calibrators(
    ctx: Context, start: dt.date | None, end: dt.date | None, split: ChronoSplit
) -> FitResult:
    """As-of snapshots over the window → fit → save artifacts → record them (one transaction)."""
    started = time.perf_counter()
    wh = ctx.warehouse
    lo, hi = resolve_window(wh, start, end)
    fit = fit_from_history(wh, lo, hi, clock=ctx.clock, split=split, run_id=ctx.run_id)
    saved = [save_artifact(a, ctx.settings.models_dir) for a in fit.artifacts]
    with wh.transaction():
        recorded = record_artifacts(wh, saved, run_id=ctx.run_id, loaded_at=ctx.clock.now())
    return FitResult(lo, hi, fit.rows, tuple(saved), recorded, time.perf_counter() - started)


@dataclass(frozen=True)
class EvaluateResult:
    """Accuracy over ``start … end`` (ET). ``rows``: settled over/under rows scored;
    ``unsettled``: latest pre-game snapshot rows without a recorded settlement (snapshots only)."""

    start: dt.date
    end: dt.date
    source: str  # "snapshots" | "asof"
    rows: int
    metrics: pa.Table
    markdown: Path
    csv: Path
    unsettled: int = 0

    def summary(self) -> str:
        text = (
            f"evaluated {self.rows} settled rows ({self.source}) over {self.start} … {self.end}: "
            f"{self.metrics.num_rows} market × line × source groups → {self.markdown}"
        )
        if self.unsettled:
            text += (
                f"\nnote: {self.unsettled} latest pre-game snapshot rows have no recorded "
                f"settlement yet (not scored); once their games are final run "
                f"`propledger settle --date {self.end}` and evaluate again"
            )
        return text


def run_evaluate(
    ctx: Context, start: dt.date | None, end: dt.date | None, *, asof: bool = False
) -> EvaluateResult:
    """Accuracy metrics over settled rows. Stored snapshots (the default) are scored on their
    *recorded* settlement (``ev.settle.pregame_settlements``: the latest pre-game snapshot of
    each line; nothing is settled here, unsettled rows are counted and left out); ``asof``
    scores historical as-of rows resolved on the fly on MoneyPuck (``model.outcomes``)."""
    wh = ctx.warehouse
    unsettled = 0
    if asof:
        lo, hi = resolve_window(wh, start, end)
        calibration = Calibration.load(ctx.settings)
        priced = asof_snapshot(wh, lo, hi, calibration=calibration)
        rows = accuracy_rows(resolve(wh, priced, source=CountSource.MONEYPUCK))
    else:
        if start is None or end is None:
            raise ModelError("give --from and --to (ET dates) to evaluate stored snapshots")
        lo, hi = start, end
        settled = pregame_settlements(wh, lo, hi)
        unsettled = settled["result"].null_count
        rows = accuracy_rows(settled)
    metrics = accuracy_metrics(rows)
    source = "asof" if asof else "snapshots"
    title = (
        f"Model accuracy {lo} … {hi} ({'historical as-of rows' if asof else 'settled snapshots'})"
    )
    report = write_accuracy_report(
        metrics, ctx.settings.output_dir / "model", title, stem=f"accuracy_{source}_{lo}_{hi}"
    )
    return EvaluateResult(
        lo, hi, source, rows.num_rows, metrics, report.markdown, report.csv, unsettled
    )


__all__ = [
    "EvaluateResult",
    "FitResult",
    "SnapshotResult",
    "refresh_if_stale",
    "run_evaluate",
    "run_fit_calibrators",
    "run_snapshot",
]
