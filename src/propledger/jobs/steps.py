"""The five steps of the daily run as thin adapters over their jobs (DESIGN section 3).

Each runner calls one job and turns its result into a :class:`StepOutcome`: a status, a short
deterministic message (no paths, no timings: it is shown in the daily report), rows in/out and
JSON-ready details for ``fact_run_registry``. Runners raise on errors; the driver catches,
rolls the step's transaction back and records the failure.

Dependencies between steps:

* **Production** refreshes history through the day before the slate when it is stale (the
  history module's rule), importing the current season and the previous one unless the
  warehouse already holds it through its last scheduled game; then prices the slate.
* **EV** needs a probability snapshot of the slate taken at or before the run's clock: this
  run's production step, or an earlier run's. Without one the step is ``SKIPPED`` (the run is
  then degraded); when this run's production step failed, an earlier snapshot is used and the
  message says so.
* **Outcomes** refreshes history through the day before the slate (the current season's
  MoneyPuck files, the schedule, box scores of the last ``OUTCOMES_LOOKBACK_DAYS``) and
  settles snapshots and EV candidates through that day. When this run's production step has
  already refreshed history through the same day (history was stale), that refresh is not
  repeated: it would fetch the same payloads within the same per-vendor request budget.
* **Diagnostics** always runs when selected; it gets what the run knows so far.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from propledger.context import Context
from propledger.jobs.plan import Plan, Step

#: box scores of finished games are looked for this many days before the slate
OUTCOMES_LOOKBACK_DAYS = 14


class StepStatus(enum.StrEnum):
    SUCCESS = "SUCCESS"  # did everything it should
    DEGRADED = "DEGRADED"  # produced something, but something failed or was missing
    FAILED = "FAILED"  # produced nothing (an error, or every vendor failed)
    SKIPPED = "SKIPPED"  # selected, but a step it needs gave it nothing to work on


@dataclass(frozen=True)
class StepOutcome:
    """One step of one run. Times are UTC (the run's clock); ``duration_s`` is wall seconds."""

    step: Step
    status: StepStatus
    message: str = ""
    rows_in: int | None = None
    rows_out: int | None = None
    error_type: str | None = None
    details: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    result: Any = field(default=None, repr=False, compare=False)
    started_utc: dt.datetime | None = None
    ended_utc: dt.datetime | None = None
    duration_s: float = 0.0

    @property
    def produced(self) -> bool:
        """The step wrote or published something (success or degraded)."""
        return self.status in (StepStatus.SUCCESS, StepStatus.DEGRADED)


@dataclass(frozen=True)
class RunSoFar:
    """What a step knows of its run: when it started (UTC) and the earlier steps' outcomes."""

    run_id: str
    started_utc: dt.datetime
    steps: Mapping[Step, StepOutcome] = field(default_factory=lambda: MappingProxyType({}))

    def get(self, step: Step) -> StepOutcome | None:
        return self.steps.get(step)


Runner = Callable[[Context, Plan, RunSoFar], StepOutcome]


def _join(parts: list[str]) -> str:
    return "; ".join(p for p in parts if p)


# ---- step 1 -----------------------------------------------------------------------------------
def run_odds(ctx: Context, plan: Plan, earlier: RunSoFar) -> StepOutcome:
    """Fetch, archive, parse, map and append every enabled vendor's odds."""
    from propledger.jobs.odds import run_odds_ingestion
    from propledger.odds.ingest import IngestStatus

    result = run_odds_ingestion(ctx, plan.vendors)
    # one vocabulary with the registry's vendor rows and the report (IngestStatus.step_status)
    status = StepStatus(str(result.status.step_status))
    problems = [
        f"{v.vendor} {v.status.step_status}: {v.message}".rstrip(": ")
        for v in result.vendors
        if v.status is not IngestStatus.OK
    ]
    counts = ", ".join(f"{v.vendor} {v.rows_inserted}" for v in result.vendors)
    error_types = sorted({v.error_type for v in result.vendors if v.error_type})
    return StepOutcome(
        Step.ODDS,
        status,
        _join([f"new quote rows: {counts}", *problems]),
        rows_in=result.rows_parsed,
        rows_out=result.rows_inserted,
        error_type=",".join(error_types) or None,
        details={"vendors": {v.vendor: str(v.status.step_status) for v in result.vendors}},
        result=result,
    )


# ---- step 2 -----------------------------------------------------------------------------------
_PREVIOUS_COMPLETE = """
SELECT (SELECT max(game_date) FROM player_game_situation WHERE season = $prev)
    >= (SELECT max(slate_date) FROM v_game WHERE season = $prev AND coalesce(game_type, 2) = 2
        AND coalesce(schedule_state, 'OK') NOT IN ('PPD', 'CNCL'))
"""


def history_seasons(ctx: Context, through: dt.date) -> tuple[int, ...]:
    """Seasons (start years) a refresh through ``through`` imports: the current one, and the one
    before unless the warehouse already holds it through its last scheduled game (a finished
    season's files cannot add anything, and parsing them is most of a refresh's time)."""
    from propledger.history import season_of

    current = season_of(through)
    complete = ctx.warehouse.con.execute(_PREVIOUS_COMPLETE, {"prev": current - 1}).fetchall()
    return (current,) if complete and complete[0][0] else (current - 1, current)


def refresh_when_stale(ctx: Context, slate_date: dt.date) -> tuple[bool, tuple[str, ...]]:
    """The production step's history refresh: through the day before the slate when the
    history is stale (``history.is_stale``, ``PROPLEDGER_HISTORY_MAX_AGE_HOURS``); a source
    failure leaves the snapshot priced from the history there is (the step is degraded)."""
    from propledger.errors import SourceError
    from propledger.history import is_stale, refresh_history

    settings = ctx.settings
    if not is_stale(ctx.warehouse, slate_date, ctx.clock, settings.history_max_age_hours):
        return False, ()
    through = slate_date - dt.timedelta(days=1)
    try:
        result = refresh_history(ctx, through, seasons=history_seasons(ctx, through))
    except SourceError as exc:
        return False, (f"history refresh failed ({exc}); priced from existing history",)
    return True, tuple(result.problems)


def run_production(ctx: Context, plan: Plan, earlier: RunSoFar) -> StepOutcome:
    """Refresh history when stale, then price the slate and persist the snapshot."""
    from propledger.jobs.snapshot import run_snapshot

    refreshed, problems = refresh_when_stale(ctx, plan.slate_date)
    r = run_snapshot(ctx, plan.slate_date, refresh=False)
    r = replace(r, history_refreshed=refreshed, notes=(*problems, *r.notes))
    sources = ", ".join(f"{k} {v}" for k, v in sorted(r.prob_sources.items()))
    text = f"{r.games} games, {r.players} players, {r.rows} lines priced" + (
        f" ({sources})" if sources else ""
    )
    if r.off_day:
        text = f"no games scheduled on {plan.slate_date}: nothing to price"
    return StepOutcome(
        Step.PRODUCTION,
        StepStatus.DEGRADED if r.notes or (r.rows == 0 and not r.off_day) else StepStatus.SUCCESS,
        _join([text, "history refreshed" if r.history_refreshed else "", *r.notes]),
        rows_in=r.rows,
        rows_out=r.rows_new,
        details={
            "games": r.games,
            "players": r.players,
            "rows": r.rows,
            "prob_sources": dict(r.prob_sources),
            "calibrator_versions": list(r.calibrator_versions),
            "history_refreshed": r.history_refreshed,
            "notes": list(r.notes),
        },
        result=r,
    )


# ---- step 3 -----------------------------------------------------------------------------------
def run_ev(ctx: Context, plan: Plan, earlier: RunSoFar) -> StepOutcome:
    """Join the slate's fresh odds to its latest snapshot, price, store and report."""
    from propledger.ev.join import latest_snapshot_ts
    from propledger.jobs.ev import run_ev_step
    from propledger.jobs.snapshot import is_off_day

    now = ctx.clock.now()
    snapshot_ts = latest_snapshot_ts(ctx.warehouse, plan.slate_date, now)
    if snapshot_ts is None and is_off_day(ctx.warehouse, plan.slate_date):
        return StepOutcome(
            Step.EV,
            StepStatus.SUCCESS,
            f"no games scheduled on {plan.slate_date}: nothing to price",
        )
    if snapshot_ts is None:
        return StepOutcome(
            Step.EV,
            StepStatus.SKIPPED,
            f"no probability snapshot of {plan.slate_date} at or before {now:%Y-%m-%dT%H:%MZ}; "
            "run the production step first (--run-production)",
        )
    production = earlier.get(Step.PRODUCTION)
    reused = (
        f"this run's production step failed: priced against the snapshot of "
        f"{snapshot_ts:%Y-%m-%dT%H:%MZ}"
        if production is not None and not production.produced
        else ""
    )
    r = run_ev_step(ctx, plan.slate_date)
    text = (
        f"{r.odds_rows} odds rows, {r.rows_joined} joined, {r.selected_text}, "
        f"{r.best_bets} best bets, {r.audit_flags} audit flags"
    )
    degraded = r.odds_rows == 0 or bool(reused)
    return StepOutcome(
        Step.EV,
        StepStatus.DEGRADED if degraded else StepStatus.SUCCESS,
        _join([text, "no odds rows for the slate" if r.odds_rows == 0 else "", reused]),
        rows_in=r.odds_rows,
        rows_out=r.rows_written,
        details={
            "snapshot_ts": r.snapshot_ts.isoformat(),
            "rows_joined": r.rows_joined,
            "candidates": r.candidates,
            "best_bets": r.best_bets,
            "audit_flags": r.audit_flags,
            "reasons": dict(r.reason_counts),
        },
        result=r,
    )


# ---- step 4 -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class OutcomesResult:
    """Step 4: the history refresh (None when step 2 already did it) and the settlement."""

    through: dt.date
    history: Any  # HistoryRefreshResult | None
    settlement: Any  # SettleResult


def _production_refreshed(earlier: RunSoFar) -> bool:
    production = earlier.get(Step.PRODUCTION)
    r = production.result if production is not None else None
    return bool(r is not None and r.history_refreshed and not r.notes)


def run_outcomes(ctx: Context, plan: Plan, earlier: RunSoFar) -> StepOutcome:
    """Box scores and MoneyPuck through the day before the slate, then settlement."""
    from propledger.history import refresh_history, season_of
    from propledger.jobs.ev import run_settlement

    through = plan.slate_date - dt.timedelta(days=1)
    history = None
    if not _production_refreshed(earlier):
        history = refresh_history(
            ctx,
            through,
            seasons=(season_of(through),),
            boxscore_lookback_days=OUTCOMES_LOOKBACK_DAYS,
        )
    settle = run_settlement(ctx, through)
    if history is None:
        hist_text = f"history through {through} already refreshed by the production step"
        added: Mapping[str, int] = {}
    else:
        added = history.rows_added
        hist_text = (
            f"history through {through}: {history.games_settled} games settled, "
            f"{added.get('player_game_situation', 0)} MoneyPuck rows added"
        )
    settle_text = (
        f"settled {settle.snapshots_settled} snapshot rows ({settle.snapshots_pending} pending), "
        f"{settle.candidates_settled} priced quotes ({settle.candidates_pending} pending)"
    )
    problems = list(history.problems) if history is not None else []
    return StepOutcome(
        Step.OUTCOMES,
        StepStatus.DEGRADED if problems else StepStatus.SUCCESS,
        _join([hist_text, settle_text, *problems]),
        rows_out=sum(added.values()) + settle.rows_written,
        details={
            "through": through.isoformat(),
            "history_rows_added": dict(added),
            "history_refreshed": history is not None,
            "snapshots_settled": settle.snapshots_settled,
            "snapshots_pending": settle.snapshots_pending,
            "candidates_settled": settle.candidates_settled,
            "candidates_pending": settle.candidates_pending,
            "problems": problems,
        },
        result=OutcomesResult(through, history, settle),
    )


# ---- step 5 -----------------------------------------------------------------------------------
def run_info_so_far(ctx: Context, earlier: RunSoFar) -> Any:
    """What the daily report shows of the run: the steps so far and step 1's vendors. Its
    status is the one the run ends with once diagnostics (the last step, which writes the
    report) succeeds: SUCCESS when every earlier step succeeded, else DEGRADED. The registry
    holds the final word (``propledger report daily`` rewrites the report from it)."""
    from propledger.jobs.diagnostics import RunInfo, StepInfo, VendorHealth

    vendors: tuple[Any, ...] = ()
    odds = earlier.get(Step.ODDS)
    if odds is not None and odds.result is not None:
        vendors = tuple(
            sorted(
                (VendorHealth.from_ingest(v) for v in odds.result.vendors), key=lambda v: v.vendor
            )
        )
    ok = all(o.status is StepStatus.SUCCESS for o in earlier.steps.values())
    return RunInfo(
        run_id=earlier.run_id,
        status="SUCCESS" if ok else "DEGRADED",
        started_utc=earlier.started_utc,
        steps=tuple(
            StepInfo(str(o.step), str(o.status), o.message, o.rows_out)
            for o in earlier.steps.values()
        ),
        vendors=vendors,
    )


def run_diagnostics_step(
    ctx: Context, plan: Plan, earlier: RunSoFar, *, rolling: bool = True
) -> StepOutcome:
    """The daily facts, then the daily and (``rolling``) the rolling report. A driver replaying
    many slates in a row (the demo) binds ``rolling=False`` for all but its last run."""
    from propledger.jobs.diagnostics import run_diagnostics

    r = run_diagnostics(ctx, plan.slate_date, run_info_so_far(ctx, earlier), rolling=rolling)
    return StepOutcome(
        Step.DIAGNOSTICS,
        StepStatus.SUCCESS,
        _join([f"{r.rows_total} new fact rows, {len(r.anomalies)} anomalies", *r.notes]),
        rows_out=r.rows_total,
        details={
            "rows_written": dict(r.rows_written),
            "ev_refreshed": [d.isoformat() for d in r.ev_refreshed],
            "accuracy_slates": [d.isoformat() for d in r.accuracy_slates],
            "anomalies": len(r.anomalies),
        },
        result=r,
    )


#: the step functions the driver calls, in run order
RUNNERS: Mapping[Step, Runner] = MappingProxyType(
    {
        Step.ODDS: run_odds,
        Step.PRODUCTION: run_production,
        Step.EV: run_ev,
        Step.OUTCOMES: run_outcomes,
        Step.DIAGNOSTICS: run_diagnostics_step,
    }
)

__all__ = [
    "OUTCOMES_LOOKBACK_DAYS",
    "RUNNERS",
    "OutcomesResult",
    "RunSoFar",
    "Runner",
    "StepOutcome",
    "StepStatus",
    "run_diagnostics_step",
    "run_ev",
    "run_info_so_far",
    "run_odds",
    "run_outcomes",
    "run_production",
]
