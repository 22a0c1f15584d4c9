"""``refresh_history``: MoneyPuck history, the NHL schedule and box-score outcomes, in one call.

Order: MoneyPuck (players lookup, skaters, goalies per season) → NHL schedule (dim_team,
dim_game incl. the coming week) → box scores of finished games (fact_outcome). Every payload is
archived before it is parsed; each source batch is appended in one transaction with the run's
``run_id`` and ``loaded_at = clock.now()``. Re-running with the same inputs adds 0 rows; a later
``through`` adds exactly the new games. A source failure degrades the result; a malformed
MoneyPuck CSV raises a one-line :class:`~propledger.errors.PayloadError` naming file and column.
"""

from __future__ import annotations

import datetime as dt
import enum
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from propledger.clock import slate_date
from propledger.context import Context
from propledger.errors import ConfigError
from propledger.history.common import TABLES, ImportRun, ProgressFn
from propledger.history.freshness import history_freshness
from propledger.history.moneypuck_import import import_moneypuck
from propledger.history.outcomes import import_outcomes
from propledger.history.schedule_import import import_schedule
from propledger.history.seasons import default_seasons
from propledger.http import VendorCallResult

#: seconds between two MoneyPuck file downloads in live runs (vendor doc: real clients pause 1-1.5 s)
LIVE_PAUSE = 1.0


class RefreshStatus(enum.StrEnum):
    SUCCESS = "SUCCESS"
    DEGRADED = "DEGRADED"  # finished, but a file, a week or a box score could not be imported


@dataclass(frozen=True)
class HistoryRefreshResult:
    """What one refresh did. ``elapsed`` is wall seconds; dates are ET slate dates."""

    run_id: str
    through: dt.date
    seasons: tuple[int, ...]
    rows_added: Mapping[str, int]
    games_seen: int
    boxscores_fetched: int
    games_settled: int
    requests: int
    elapsed: float
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    vendors: tuple[VendorCallResult, ...] = ()
    latest_game_date: dt.date | None = None

    @property
    def total_added(self) -> int:
        return sum(self.rows_added.values())

    @property
    def degraded(self) -> bool:
        """Something could not be imported (a file, a week, a box score)."""
        return bool(self.problems)

    @property
    def status(self) -> RefreshStatus:
        return RefreshStatus.DEGRADED if self.degraded else RefreshStatus.SUCCESS

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (for the run registry and ``--json`` style outputs)."""
        return {
            "run_id": self.run_id,
            "through": self.through.isoformat(),
            "seasons": list(self.seasons),
            "status": str(self.status),
            "rows_added": dict(self.rows_added),
            "games_seen": self.games_seen,
            "boxscores_fetched": self.boxscores_fetched,
            "games_settled": self.games_settled,
            "requests": self.requests,
            "elapsed": round(self.elapsed, 3),
            "problems": list(self.problems),
            "notes": list(self.notes),
            "vendors": [v.as_dict() for v in self.vendors],
            "latest_game_date": self.latest_game_date.isoformat()
            if self.latest_game_date
            else None,
        }

    def summary(self) -> str:
        """One line: what was added, from how much traffic, and whether anything was missing."""
        seasons = ", ".join(str(s) for s in self.seasons)
        latest = self.latest_game_date.isoformat() if self.latest_game_date else "none"
        problems = f", {len(self.problems)} problem(s)" if self.problems else ""
        return (
            f"history through {self.through} (seasons {seasons}): {self.status}, "
            f"{self.total_added:,} rows added, {self.games_seen:,} games seen, "
            f"{self.games_settled:,} games settled, {self.requests:,} requests, "
            f"latest MoneyPuck game {latest}{problems}, {self.elapsed:.1f} s"
        )

    def table_lines(self) -> list[str]:
        """``table  rows added`` lines, in a fixed order."""
        width = max(len(t) for t in self.rows_added) if self.rows_added else 5
        lines = [f"{'table':<{width}}  {'rows added':>10}"]
        lines += [f"{t:<{width}}  {n:>10,}" for t, n in self.rows_added.items()]
        return lines


def _moneypuck_through(through: dt.date, now: dt.datetime) -> dt.date:
    # MoneyPuck publishes a game about a day after it is played: a row dated today (ET) or
    # later cannot be real history, so it is never imported, whatever --through says.
    return min(through, slate_date(now) - dt.timedelta(days=1))


def refresh_history(
    ctx: Context,
    through: dt.date,
    *,
    seasons: Iterable[int] | None = None,
    boxscore_lookback_days: int = 14,
    progress: ProgressFn | None = None,
    moneypuck_pause: float | None = None,
) -> HistoryRefreshResult:
    """Import history up to ``through`` (an ET date; in live use, yesterday).

    ``seasons`` are start years (default: the season containing ``through`` and the one
    before). MoneyPuck rows are bounded by ``game_date ≤ through``; the schedule reaches
    ``through + 7`` days; box scores cover ``[through − boxscore_lookback_days, through]``.
    ``moneypuck_pause``: seconds between two MoneyPuck files (default 1 s live, 0 in replay).
    """
    if boxscore_lookback_days < 0:
        raise ConfigError(
            f"boxscore lookback {boxscore_lookback_days} is negative; use 0 or more days"
        )
    started = time.perf_counter()
    chosen = tuple(sorted(set(seasons))) if seasons else default_seasons(through)
    pause = (
        moneypuck_pause
        if moneypuck_pause is not None
        else (LIVE_PAUSE if ctx.source == "live" else 0.0)
    )
    run = ImportRun(ctx, progress, moneypuck_pause=pause)
    mp_through = _moneypuck_through(through, run.loaded_at)
    if mp_through < through:
        run.note(f"moneypuck rows bounded by {mp_through} (MoneyPuck publishes games a day later)")
    settings = ctx.settings
    moneypuck, nhl = ctx.client("moneypuck"), ctx.client("nhl_api")
    try:
        import_moneypuck(run, moneypuck, settings.base_url("moneypuck"), chosen, mp_through)
        # one transaction each: payload registrations and rows commit together
        with run.batch():
            import_schedule(run, nhl, settings.base_url("nhl_api"), chosen, through)
        with run.batch():
            import_outcomes(run, nhl, settings.base_url("nhl_api"), through, boxscore_lookback_days)
    finally:
        moneypuck.close()
        nhl.close()
    vendors = (moneypuck.result(), nhl.result())
    return HistoryRefreshResult(
        run_id=ctx.run_id,
        through=through,
        seasons=chosen,
        rows_added=MappingProxyType({t: run.added.get(t, 0) for t in TABLES}),
        games_seen=len(run.games_seen),
        boxscores_fetched=run.boxscores_fetched,
        games_settled=run.games_settled,
        requests=sum(v.requests for v in vendors),
        elapsed=time.perf_counter() - started,
        problems=tuple(run.problems),
        notes=tuple(run.notes),
        vendors=vendors,
        latest_game_date=history_freshness(run.wh),
    )


__all__ = ["LIVE_PAUSE", "HistoryRefreshResult", "RefreshStatus", "refresh_history"]
