"""Jobs of the daily driver: step 3 (EV reporting) and the settlement half of step 4.

Both are orchestration only: the join, pricing, report and settlement live in ``ev/``. Each
job writes its rows in one ``wh.transaction()``; the transaction is re-entrant, so the
driver can wrap a job call and its registry event in one outer transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import pyarrow as pa
import pyarrow.compute as pc

from propledger.context import Context
from propledger.ev.join import canonical_join
from propledger.ev.pricing import price
from propledger.ev.report import write_report
from propledger.ev.settle import BetResult, Outcome, settle_candidates, settle_snapshots

log = logging.getLogger(__name__)

#: What ``fact_ev_candidate`` stores of a priced row (``rank`` and the model's internals stay
#: in the report: they depend on the whole slate or are in the snapshot already).
CANDIDATE_COLUMNS: tuple[str, ...] = (
    "slate_date", "snapshot_ts", "game_id", "player_id", "market", "line", "side", "vendor",
    "platform", "book_name_raw", "book_id_vendor", "book_type", "event_id_vendor", "player_key",
    "player_name_raw", "is_ladder", "capture_ts_utc", "freshness_minutes", "start_time_utc",
    "home_team", "away_team", "player_name", "team", "opponent", "odds_quoted_raw",
    "odds_decimal", "odds_american", "raw_payload_hash", "mu", "distribution", "prob_source",
    "model_version", "calibrator_version", "p_over", "p_under", "p_push", "p_model", "ev",
    "implied_prob", "fair_decimal", "kelly", "pair_decimal", "devig_status", "margin", "p_fair",
    "p_fair_power", "p_fair_shin", "n_sharp_books", "p_fair_consensus", "edge",
    "edge_consensus", "is_candidate", "is_best_bet", "audit_flag",
)  # fmt: skip


@dataclass(frozen=True)
class EvStepResult:
    """Step 3 of one slate. Times UTC; ``reason_counts`` maps every join reason to its rows.

    ``candidates`` counts the priced rows at EV ≥ ``min_ev`` (``is_candidate``; EV per unit
    stake), not the rows of ``fact_ev_candidate`` (every joined row): people read it as
    :attr:`selected_text` (``1947 at EV ≥ 0.02``)."""

    slate_date: dt.date
    as_of: dt.datetime
    snapshot_ts: dt.datetime
    odds_rows: int
    rows_joined: int
    candidates: int
    min_ev: float
    best_bets: int
    audit_flags: int
    rows_written: int
    reason_counts: Mapping[str, int]
    csv_path: Path
    md_path: Path
    #: per (vendor, book_name_raw, market, status) row counts, status = a reason or 'joined'
    join_counts: pa.Table = field(repr=False)

    @property
    def selected_text(self) -> str:
        """``1947 at EV ≥ 0.02``: the selected rows in words no one mistakes for every priced
        row (the table ``fact_ev_candidate`` holds those)."""
        return f"{self.candidates} at EV ≥ {self.min_ev:g}"


@dataclass(frozen=True)
class SettleResult:
    """Settlement through one slate date (inclusive). Counts are of rows settled by this run."""

    through_date: dt.date
    snapshots_settled: int
    snapshots_pending: int
    snapshot_results: Mapping[str, int]
    candidates_settled: int
    candidates_pending: int
    candidate_results: Mapping[str, int]

    @property
    def rows_written(self) -> int:
        return self.snapshots_settled + self.candidates_settled


def _true_count(table: pa.Table, name: str) -> int:
    return int(pc.sum(pc.fill_null(table[name], False).cast(pa.int64())).as_py() or 0)


def run_ev_step(
    ctx: Context, slate_date: dt.date, *, include_ladders: bool = False
) -> EvStepResult:
    """Join the slate's odds to its latest snapshot as of the run clock, price, store, report.

    Raises :class:`~propledger.errors.PipelineError` when the slate has no snapshot yet.
    """
    wh = ctx.warehouse
    as_of = ctx.clock.now()
    join = canonical_join(wh, slate_date, as_of, ctx.settings.ev, include_ladders=include_ladders)
    priced = price(join.rows, ctx.settings.ev)
    with wh.transaction():
        written = wh.append(
            "fact_ev_candidate", priced.select(list(CANDIDATE_COLUMNS)), run_id=ctx.run_id,
            loaded_at=as_of,
        )  # fmt: skip
    paths = write_report(priced, join, ctx.settings.output_dir)
    result = EvStepResult(
        slate_date=slate_date,
        as_of=as_of,
        snapshot_ts=join.snapshot_ts,
        odds_rows=join.n_odds_rows,
        rows_joined=join.n_joined,
        candidates=_true_count(priced, "is_candidate"),
        min_ev=ctx.settings.ev.min_ev,
        best_bets=_true_count(priced, "is_best_bet"),
        audit_flags=_true_count(priced, "audit_flag"),
        rows_written=written,
        reason_counts=join.reason_counts,
        csv_path=paths.csv,
        md_path=paths.md,
        join_counts=join.counts,
    )
    log.info(
        "ev %s: %d odds rows, %d joined, %s, %d best bets, %d new rows",
        slate_date, result.odds_rows, result.rows_joined, result.selected_text, result.best_bets,
        written,
    )  # fmt: skip
    return result


def _result_counts(table: pa.Table, values: type[Outcome] | type[BetResult]) -> Mapping[str, int]:
    found = table["result"].to_pylist()
    return MappingProxyType({v.value: found.count(v.value) for v in values})


def run_settlement(ctx: Context, through_date: dt.date) -> SettleResult:
    """Settle every unsettled snapshot row and EV candidate of slates ≤ ``through_date`` whose
    game has an outcome (or is void); pending rows wait for a later run. Observational."""
    wh = ctx.warehouse
    now = ctx.clock.now()
    snapshots, snapshots_pending = settle_snapshots(wh, through_date, now)
    candidates, candidates_pending = settle_candidates(
        wh, through_date, now, ctx.settings.ev.sharp_books
    )
    with wh.transaction():
        n_snap = wh.append("fact_settlement", snapshots, run_id=ctx.run_id, loaded_at=now)
        n_cand = wh.append("fact_ev_settlement", candidates, run_id=ctx.run_id, loaded_at=now)
    result = SettleResult(
        through_date=through_date,
        snapshots_settled=n_snap,
        snapshots_pending=snapshots_pending,
        snapshot_results=_result_counts(snapshots, Outcome),
        candidates_settled=n_cand,
        candidates_pending=candidates_pending,
        candidate_results=_result_counts(candidates, BetResult),
    )
    log.info(
        "settle through %s: %d snapshot rows (%d pending), %d candidates (%d pending)",
        through_date, n_snap, snapshots_pending, n_cand, candidates_pending,
    )  # fmt: skip
    return result


__all__ = ["CANDIDATE_COLUMNS", "EvStepResult", "SettleResult", "run_ev_step", "run_settlement"]
