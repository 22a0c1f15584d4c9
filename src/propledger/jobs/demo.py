"""``propledger demo`` (``make demo``): the daily driver over three weeks of the sample season,
offline, so the monitoring reports hold real evidence.

1. **World**: ``<data_dir>/sample`` is reused when its ``world.json`` matches the demo's build
   request (seed, seasons, teams, games per team); otherwise it is (re)built with the sample
   builder (``--force`` semantics: only a previous sample world is ever replaced).
2. **Slates**: the last ``slates`` slate dates (America/New_York) with odds captures in the
   world's replay, oldest first (the sample odds board covers the season's last game dates).
3. **Bootstrap** (skipped when the warehouse already has history through the day before the
   first slate and active calibrators): history through that day (MoneyPuck, schedule, box
   scores), then the ASSISTS/POINTS calibrators fitted on it (validation: the latest season).
4. **Runs**: for each slate in order, a frozen clock at 18:00 ET (the day's 18:00 captures are
   in, earlier slates' box scores are out) and ``run_daily`` with every step in replay mode,
   then an odds-only run at 19:05 ET (``CLOSE_TIME_ET``, the world's last capture of the day):
   the closing lines that the next slate's settlement measures CLV against, as a cron entry
   shortly before the late games would collect them.
   The demo pins ``HISTORY_MAX_AGE_HOURS`` (the default, 12 h) so that a user's own setting
   cannot change its evidence: each slate's snapshot is priced with the previous night's games.
   Every run writes its daily report (and reliability PNG); the rolling report, which covers
   the whole warehouse through its slate, is drawn once, by the last run.

A re-run reuses the world and the warehouse: every run then adds 0 rows.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from propledger.clock import FrozenClock, et_to_utc
from propledger.clock import slate_date as et_date
from propledger.context import Context
from propledger.errors import InputError
from propledger.evidence.registry import RunStatus
from propledger.jobs.daily import DailyResult, run_daily
from propledger.jobs.lock import RunLock
from propledger.jobs.plan import PlanRequest, Step, resolve_plan
from propledger.replay import Capture, load_manifest
from propledger.settings import ODDS_VENDORS, Settings

#: the clock of each slate's run (ET) and of the bootstrap (ET, on the first slate's date; after
#: the world's 08:00 schedule capture, so the schedule probe of that day finds it, as live would)
RUN_TIME_ET = dt.time(18, 0)
CLOSE_TIME_ET = dt.time(19, 5)
BOOTSTRAP_TIME_ET = dt.time(9, 0)
HISTORY_MAX_AGE_HOURS = 12.0

Echo = Callable[[str], None]


@dataclass(frozen=True)
class DemoRequest:
    """The demo's sample world and how many of its last slates to run."""

    seed: int = 42
    slates: int = 21
    seasons: str = "2024,2025"
    #: the whole league (the sample world of issue 2); ``--teams 12`` is a smaller, faster world
    teams: str | None = "32"
    games_per_team: int = 82


@dataclass(frozen=True)
class DemoResult:
    world_dir: Path
    world_built: bool
    bootstrapped: bool
    runs: tuple[DailyResult, ...]  # the 18:00 ET runs with every step, one per slate
    elapsed: float  # wall seconds, everything included
    timings: dict[str, float] = field(default_factory=dict)  # wall seconds per phase
    totals: dict[str, int] = field(default_factory=dict)
    output_dir: Path = Path("outputs")
    closing: tuple[DailyResult, ...] = ()  # the 19:05 ET odds-only runs, one per slate

    @property
    def exit_code(self) -> int:
        """1 when a run failed outright, else 0 (degraded runs are reported, not fatal)."""
        return 1 if any(r.status is RunStatus.FAILED for r in self.runs + self.closing) else 0

    def summary_lines(self) -> list[str]:
        """Exactly ten lines: what ran, what it produced, where the reports are."""
        runs = self.runs
        by_status = {s: sum(r.status is s for r in runs + self.closing) for s in RunStatus}
        n_runs = len(runs) + len(self.closing)
        first, last = runs[0].plan.slate_date, runs[-1].plan.slate_date
        t = self.totals
        monitoring = self.output_dir / "monitoring"
        world = "built" if self.world_built else "reused"
        boot = "bootstrapped" if self.bootstrapped else "reused"
        return [
            f"demo: {len(runs)} daily runs, slates {first} … {last}, in {self.elapsed:.0f} s "
            f"(world {world} {self.timings.get('world', 0):.0f} s, history {boot} "
            f"{self.timings.get('bootstrap', 0):.0f} s, runs {self.timings.get('runs', 0):.0f} s)",
            f"runs: {by_status[RunStatus.SUCCESS]} SUCCESS, {by_status[RunStatus.DEGRADED]} "
            f"DEGRADED, {by_status[RunStatus.FAILED]} FAILED, closing-line odds runs included "
            f"(propledger runs --last {n_runs})",
            f"odds: {t.get('quotes', 0):,} quote rows from {t.get('vendors', 0)} vendors; "
            f"mapped to a game and player: {t.get('pct_mapped', 0):.1f} %",
            f"snapshots: {t.get('snapshot_rows', 0):,} lines priced; EV: "
            f"{t.get('ev_rows', 0):,} priced quotes, {t.get('best_bets', 0):,} best bets",
            f"settled: {t.get('settled_snapshots', 0):,} snapshot rows, "
            f"{t.get('settled_candidates', 0):,} priced quotes; accuracy facts for "
            f"{t.get('accuracy_slates', 0)} slates",
            f"rows added by this demo: {t.get('rows_added', 0):,} (a re-run adds 0: idempotent)",
            f"daily report:   {monitoring / f'daily_report_{last}.md'}",
            f"rolling report: {monitoring / 'rolling_report.md'}",
            f"plots:          {monitoring}/*.png ({t.get('plots', 0)} files)",
            f"warehouse:      {t.get('warehouse', '')}",
        ]


# ---- world ------------------------------------------------------------------------------------
def _build_request(request: DemoRequest) -> Any:
    from propledger.sample.build import BuildRequest

    return BuildRequest.resolve(
        seed=request.seed,
        seasons=request.seasons,
        teams=request.teams,
        games_per_team=request.games_per_team,
        odds_days=request.slates,  # vendor odds only where the demo runs
    ).validate()


def world_matches(world_dir: Path, build: Any) -> bool:
    """True when ``world_dir`` holds a complete world of exactly this build request."""
    from propledger.sample.writer import read_world_info

    try:
        info = read_world_info(world_dir)
    except InputError:
        return False
    return (
        info.get("seed") == build.seed
        and tuple(info.get("seasons", ())) == tuple(build.seasons)
        and tuple(info.get("teams", ())) == select_teams_of(build)
        and info.get("games_per_team") == build.games_per_team
    )


def ensure_world(world_dir: Path, request: DemoRequest, settings: Settings, echo: Echo) -> bool:
    """Reuse the sample world when it matches and has odds for enough slates, else build it;
    True when it was built."""
    from propledger.sample.build import build_sample

    build = _build_request(request)
    if world_matches(world_dir, build):
        found = len(demo_slates(world_dir / "replay", settings, request.slates, required=False))
        if found >= request.slates:
            echo(f"sample world: reusing {world_dir} (seed {request.seed})")
            return False
    teams = len(select_teams_of(build))
    echo(
        f"sample world: building {world_dir} (seed {request.seed}, {teams} teams, seasons "
        f"{', '.join(map(str, build.seasons))}, odds for the last {request.slates} slates) …"
    )
    build_sample(world_dir, build, force=True)
    return True


def select_teams_of(build: Any) -> tuple[str, ...]:
    from propledger.sample.teams import select_teams

    return select_teams(build.teams)


def demo_slates(
    replay_dir: Path,
    settings: Settings,
    count: int,
    *,
    required: bool = True,
    captures: Sequence[Capture] | None = None,
) -> tuple[dt.date, ...]:
    """The last ``count`` ET dates with odds captures in the replay, oldest first."""
    prefixes = tuple(settings.base_url(v) for v in ODDS_VENDORS)
    found = captures if captures is not None else load_manifest(replay_dir)
    days = sorted({et_date(c.captured_at) for c in found if c.url.startswith(prefixes)})
    if not days and required:
        raise InputError(
            f"{replay_dir} has no odds captures; rebuild the sample world "
            "(propledger sample build --force) with the odds writers installed"
        )
    return tuple(days[-count:])


# ---- bootstrap --------------------------------------------------------------------------------
def _has_history(ctx: Context, through: dt.date) -> bool:
    from propledger.history import history_freshness
    from propledger.model.calibration import ACTIVE_FILE

    latest = history_freshness(ctx.warehouse)
    active = ctx.settings.models_dir / "calibrators" / ACTIVE_FILE
    return latest is not None and latest >= through and active.is_file()


def bootstrap(ctx: Context, through: dt.date, echo: Echo) -> bool:
    """History through ``through`` and calibrators fitted on it, unless already there."""
    from propledger.history import refresh_history
    from propledger.jobs.snapshot import run_fit_calibrators
    from propledger.model.calibration_fit import ChronoSplit

    if _has_history(ctx, through):
        echo(f"history: reusing the warehouse's history through {through} and its calibrators")
        return False
    echo(f"history: importing MoneyPuck, schedule and box scores through {through} …")
    history = refresh_history(ctx, through)
    echo(f"  {history.summary()}")
    echo("calibrators: fitting ASSISTS and POINTS on the settled history …")
    fit = run_fit_calibrators(ctx, None, through, ChronoSplit())
    chosen = ", ".join(f"{a.market.value} {a.method.value}" for a in fit.artifacts)
    echo(f"  {fit.rows:,} calibration rows; chose {chosen}")
    return True


# ---- the runs ---------------------------------------------------------------------------------
def _run_slate(
    settings: Settings,
    replay: Path,
    day: dt.date,
    captures: Sequence[Capture],
    *,
    rolling: bool = True,
    closing: bool = False,
) -> DailyResult:
    """One daily run on ``day`` (the manifest is read once): every step at 18:00 ET, or with
    ``closing`` the odds step alone at 19:05 ET.

    ``rolling=False`` skips the rolling report and its plots (1-2.5 s of matplotlib per
    run on the full league): it reads the whole warehouse through the slate, so drawing it once
    after the last slate gives exactly the report every run would have overwritten."""
    from propledger.context import new_run_id
    from propledger.jobs.steps import RUNNERS, run_diagnostics_step
    from propledger.replay import ReplayTransport

    clock = FrozenClock(et_to_utc(day, CLOSE_TIME_ET if closing else RUN_TIME_ET))
    source = f"replay:{replay}"
    request = (
        PlanRequest(steps={step: step is Step.ODDS for step in Step}, date=day, source=source)
        if closing
        else PlanRequest(all_steps=True, date=day, source=source)
    )
    plan = resolve_plan(request, settings, clock)
    transport = ReplayTransport(replay, clock, captures)
    ctx = Context(settings, clock, new_run_id(clock), transport, source)
    runners = RUNNERS
    if not rolling:
        runners = {**RUNNERS, Step.DIAGNOSTICS: partial(run_diagnostics_step, rolling=False)}
    try:
        return run_daily(ctx, plan, runners=runners)
    finally:
        ctx.close()


def _rows(r: DailyResult, step: Step) -> int:
    o = r.step(step)
    return (o.rows_out or 0) if o is not None else 0


def _run_line(i: int, n: int, r: DailyResult, close: DailyResult, seconds: float) -> str:
    not_ok = [f"{o.step} {o.status}" for o in r.steps if o.status != "SUCCESS"]
    not_ok += [f"closing {o.step} {o.status}" for o in close.steps if o.status != "SUCCESS"]
    return (
        f"[{i:>2}/{n}] {r.plan.slate_date} {r.status:<8} {seconds:5.1f} s  new rows: odds "
        f"{_rows(r, Step.ODDS):,}, snapshot {_rows(r, Step.PRODUCTION):,}, EV {_rows(r, Step.EV):,}, "
        f"outcomes {_rows(r, Step.OUTCOMES):,}, facts {_rows(r, Step.DIAGNOSTICS):,}; "
        f"closing odds {_rows(close, Step.ODDS):,}" + (f"  ({', '.join(not_ok)})" if not_ok else "")
    )


def _totals(
    settings: Settings, runs: tuple[DailyResult, ...], closing: tuple[DailyResult, ...]
) -> dict[str, Any]:
    from propledger.evidence.warehouse import Warehouse

    first, last = runs[0].plan.slate_date, runs[-1].plan.slate_date
    window = [first, last]
    with Warehouse.open(settings.warehouse_path) as wh:

        def one(sql: str) -> Any:
            return wh.scalar(sql, window) or 0

        totals: dict[str, Any] = {
            "quotes": one("SELECT count(*) FROM fact_prop_odds WHERE slate_date BETWEEN ? AND ?"),
            "vendors": one(
                "SELECT count(DISTINCT vendor) FROM fact_prop_odds WHERE slate_date BETWEEN ? AND ?"
            ),
            "pct_mapped": 100.0
            * float(
                one(
                    "SELECT avg(CASE WHEN game_id IS NOT NULL AND player_id IS NOT NULL "
                    "THEN 1.0 ELSE 0.0 END) FROM fact_prop_odds WHERE slate_date BETWEEN ? AND ?"
                )
            ),
            "snapshot_rows": one(
                "SELECT count(*) FROM fact_probability_snapshot WHERE slate_date BETWEEN ? AND ?"
            ),
            "ev_rows": one(
                "SELECT count(*) FROM fact_ev_candidate WHERE slate_date BETWEEN ? AND ?"
            ),
            "best_bets": one(
                "SELECT count(*) FROM fact_ev_candidate WHERE is_best_bet AND slate_date BETWEEN ? AND ?"
            ),
            "settled_snapshots": one(
                "SELECT count(*) FROM fact_settlement WHERE slate_date BETWEEN ? AND ?"
            ),
            "settled_candidates": one(
                "SELECT count(*) FROM fact_ev_settlement WHERE slate_date BETWEEN ? AND ?"
            ),
            "accuracy_slates": one(
                "SELECT count(DISTINCT slate_date) FROM fact_forecast_accuracy_daily "
                "WHERE slate_date BETWEEN ? AND ?"
            ),
        }
    totals["rows_added"] = sum(o.rows_out or 0 for r in runs + closing for o in r.steps)
    totals["plots"] = len(list((settings.output_dir / "monitoring").glob("*.png")))
    totals["warehouse"] = settings.warehouse_path
    return totals


def run_demo(settings: Settings, request: DemoRequest, *, echo: Echo = print) -> DemoResult:
    """World → slates → bootstrap → one daily run per slate; see the module doc."""
    started = time.perf_counter()
    timings: dict[str, float] = {}
    settings = settings.replace(history_max_age_hours=HISTORY_MAX_AGE_HOURS)
    world_dir = settings.sample_dir
    built = ensure_world(world_dir, request, settings, echo)
    timings["world"] = time.perf_counter() - started
    replay = world_dir / "replay"
    captures = load_manifest(replay)
    slates = demo_slates(replay, settings, request.slates, captures=captures)
    echo(
        f"slates: {len(slates)} from {slates[0]} to {slates[-1]} (each: every step at 18:00 ET, "
        "closing odds at 19:05 ET)"
    )

    t0 = time.perf_counter()
    boot_clock = FrozenClock(et_to_utc(slates[0], BOOTSTRAP_TIME_ET))
    ctx = Context.create(settings, boot_clock, source=f"replay:{replay}")
    lock = RunLock.beside(settings.warehouse_path, label="demo bootstrap")
    lock.acquire(note=ctx.run_id)
    try:
        bootstrapped = bootstrap(ctx, slates[0] - dt.timedelta(days=1), echo)
    finally:
        ctx.close()
        lock.release()
    timings["bootstrap"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    runs, closes = [], []
    for i, day in enumerate(slates, 1):
        t1 = time.perf_counter()
        result = _run_slate(settings, replay, day, captures, rolling=i == len(slates))
        close = _run_slate(settings, replay, day, captures, closing=True)
        runs.append(result)
        closes.append(close)
        echo(_run_line(i, len(slates), result, close, time.perf_counter() - t1))
    timings["runs"] = time.perf_counter() - t0
    done, closing = tuple(runs), tuple(closes)
    return DemoResult(
        world_dir=world_dir,
        world_built=built,
        bootstrapped=bootstrapped,
        runs=done,
        elapsed=time.perf_counter() - started,
        timings=timings,
        totals=_totals(settings, done, closing),
        output_dir=settings.output_dir,
        closing=closing,
    )


__all__ = [
    "BOOTSTRAP_TIME_ET",
    "CLOSE_TIME_ET",
    "HISTORY_MAX_AGE_HOURS",
    "RUN_TIME_ET",
    "DemoRequest",
    "DemoResult",
    "bootstrap",
    "demo_slates",
    "ensure_world",
    "run_demo",
    "world_matches",
]
