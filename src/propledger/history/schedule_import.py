"""NHL schedule → ``dim_team`` and ``dim_game`` (past, current and the coming week's games).

For each season: one probe request finds the season's ``regularSeasonStartDate`` (the current
season is probed at ``through + 1``, which also brings the coming week; a past season in
mid-January), then the schedule is walked week by week from the season start up to
``min(through, regularSeasonEndDate)``. Each game keeps the most advanced state seen in this
refresh; a game already final in the warehouse never gets a non-final version appended (a
capture taken earlier in the day must not make a played game look unplayed).
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from propledger.errors import PayloadError
from propledger.history.common import ImportRun, register_arrow
from propledger.history.seasons import season_of
from propledger.http import VendorClient
from propledger.sources import nhl_api as nhl
from propledger.sources.nhl_records import (
    STATE_RANK,
    GameRecord,
    ScheduleWeek,
    games_table,
    teams_table,
)

WEEK = dt.timedelta(days=7)


def _week(
    run: ImportRun,
    client: VendorClient,
    base: str,
    day: dt.date,
    label: str,
    *,
    quiet: bool = False,
) -> ScheduleWeek | None:
    fetched = run.fetch(
        client,
        nhl.fetch_schedule,
        base,
        day,
        surface="nhl_schedule",
        label=f"{label} {day}",
        slate_date=day,
        quiet=quiet,
    )
    if fetched is None:
        return None
    try:
        return nhl.parse_schedule_week(fetched.json())
    except PayloadError as exc:
        client.record_error(exc)
        run.problem(f"{label} {day}: {exc}")
        return None


def probe_days(season: int, through: dt.date) -> list[dt.date]:
    """Where to ask for a season's bounds: after ``through`` for the current season (falling
    back to ``through`` itself), mid-January (always in-season) for a past one."""
    if season == season_of(through):
        return [through + dt.timedelta(days=1), through]
    return [dt.date(season + 1, 1, 15)]


def week_starts(start: dt.date, last: dt.date) -> list[dt.date]:
    """``start, start + 7, …`` up to and including ``last``."""
    count = (last - start).days // 7 + 1 if last >= start else 0
    return [start + i * WEEK for i in range(count)]


def best_per_game(weeks: list[ScheduleWeek]) -> list[GameRecord]:
    """One record per game: the most advanced state; among equals, the later fetch wins."""
    best: dict[int, tuple[tuple[int, int], GameRecord]] = {}
    for order, week in enumerate(weeks):
        for game in week.games:
            rank = (STATE_RANK.get(game.game_state or "", -1), order)
            if game.game_id not in best or rank >= best[game.game_id][0]:
                best[game.game_id] = (rank, game)
    return [record for _, record in sorted(best.values(), key=lambda item: item[1].game_id)]


def without_regressions(run: ImportRun, games: pa.Table) -> pa.Table:
    """Drop non-final versions of games the warehouse already has as final."""
    if games.num_rows == 0:
        return games
    unregister = register_arrow(run.wh, "_incoming_games", games)
    try:
        return run.wh.arrow(
            "SELECT i.* FROM _incoming_games i LEFT JOIN v_game g USING (game_id) "
            "WHERE NOT (coalesce(g.game_state IN ('FINAL', 'OFF'), false) "
            "AND coalesce(i.game_state NOT IN ('FINAL', 'OFF'), true))"
        )
    finally:
        unregister()


def append_games(run: ImportRun, records: list[GameRecord]) -> None:
    """Teams and game versions of one batch, in one transaction."""
    if not records:
        return
    with run.wh.transaction():
        run.append("dim_team", teams_table(records))
        run.append("dim_game", without_regressions(run, games_table(records)))


def import_schedule(
    run: ImportRun, client: VendorClient, base: str, seasons: tuple[int, ...], through: dt.date
) -> list[GameRecord]:
    """Walk every season's schedule; returns the game records appended (latest per game)."""
    current = season_of(through)
    weeks: list[ScheduleWeek] = []
    for season in seasons:
        label = f"nhl_api schedule {season}"
        if season > current:
            run.problem(f"{label}: the season starts after --through {through}; skipped")
            continue
        probe: ScheduleWeek | None = None
        fetched_days: set[dt.date] = set()
        candidates = probe_days(season, through)
        for day in candidates:
            # only the last candidate's failure is a problem; earlier ones have a fallback
            probe = _week(run, client, base, day, label, quiet=day != candidates[-1])
            fetched_days.add(day)
            if probe is not None:
                break
        start = probe.regular_season_start if probe is not None else None
        if probe is None or start is None or season_of(start) != season:
            if probe is not None:
                run.problem(f"{label}: no regularSeasonStartDate for this season in the schedule")
            continue
        weeks.append(probe)
        last = min(through, probe.regular_season_end or through)
        days = [d for d in week_starts(start, last) if d not in fetched_days]
        for done, day in enumerate(days, 1):
            week = _week(run, client, base, day, label)
            if week is not None:
                weeks.append(week)
            run.tick(f"nhl schedule {season}", done, len(days), day.isoformat())
    records = best_per_game(weeks)
    run.games_seen.update(g.game_id for g in records)
    append_games(run, records)
    return records


__all__ = [
    "append_games",
    "best_per_game",
    "import_schedule",
    "probe_days",
    "week_starts",
    "without_regressions",
]
