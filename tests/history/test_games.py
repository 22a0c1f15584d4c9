"""Schedule walking and box-score candidate selection, on an in-memory warehouse."""

from __future__ import annotations

import dataclasses
import datetime as dt

from propledger.clock import UTC, FrozenClock
from propledger.context import Context
from propledger.evidence.warehouse import Warehouse
from propledger.history.common import ImportRun
from propledger.history.outcomes import boxscore_candidates
from propledger.history.schedule_import import (
    append_games,
    best_per_game,
    probe_days,
    week_starts,
    without_regressions,
)
from propledger.settings import Settings
from propledger.sources.nhl_records import GameRecord, ScheduleWeek, games_table

DAY = dt.date(2026, 1, 14)
NOW = dt.datetime(2026, 1, 15, 4, 0, tzinfo=UTC)  # 23:00 ET on the 14th


def game(
    game_id: int,
    *,
    state: str = "FUT",
    start_hour: int = 0,
    schedule: str = "OK",
    day: dt.date = DAY,
) -> GameRecord:
    start = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(start_hour), tzinfo=UTC)
    return GameRecord(
        game_id=game_id,
        season=2025,
        game_type=2,
        slate_date=day,
        start_time_utc=start,
        home_team="MTL",
        away_team="TOR",
        game_state=state,
        schedule_state=schedule,
    )


def make_run(wh: Warehouse, settings: Settings, now: dt.datetime = NOW) -> ImportRun:
    ctx = Context(settings, FrozenClock(now), "run-1", _warehouse=wh)
    return ImportRun(ctx)


def test_week_starts_and_probe_days() -> None:
    start = dt.date(2025, 10, 7)
    assert week_starts(start, dt.date(2025, 10, 20)) == [start, dt.date(2025, 10, 14)]
    assert week_starts(start, dt.date(2025, 10, 21)) == [
        start,
        dt.date(2025, 10, 14),
        dt.date(2025, 10, 21),
    ]
    assert week_starts(start, dt.date(2025, 10, 1)) == []
    assert probe_days(2025, DAY) == [dt.date(2026, 1, 15), DAY]
    assert probe_days(2024, DAY) == [dt.date(2025, 1, 15)]


def test_best_per_game_prefers_the_most_advanced_state() -> None:
    fut, off = game(1, state="FUT"), game(1, state="OFF")
    week = lambda *g: ScheduleWeek((), g, None, None, None, None)  # noqa: E731
    assert best_per_game([week(off), week(fut)]) == [off]
    assert best_per_game([week(fut), week(off)]) == [off]
    moved = dataclasses.replace(fut, start_time_utc=fut.start_time_utc + dt.timedelta(hours=1))
    assert best_per_game([week(fut), week(moved)]) == [moved]  # same state: the later fetch wins


def test_final_games_never_get_a_non_final_version(wh: Warehouse, settings: Settings) -> None:
    run = make_run(wh, settings)
    append_games(run, [game(1, state="OFF"), game(2, state="FUT")])
    incoming = games_table([game(1, state="FUT"), game(2, state="LIVE"), game(3)])
    kept = without_regressions(run, incoming)
    assert sorted(
        zip(kept["game_id"].to_pylist(), kept["game_state"].to_pylist(), strict=True)
    ) == [(2, "LIVE"), (3, "FUT")]


def test_boxscore_candidates(wh: Warehouse, settings: Settings) -> None:
    run = make_run(wh, settings)
    append_games(
        run,
        [
            game(1, start_hour=0),  # started 04:00 ago → candidate
            game(2, start_hour=1, schedule="PPD"),  # postponed → never
            game(3, start_hour=2),  # started 2 h ago → not yet
            game(4, start_hour=0),  # settled below → not again
            game(5, start_hour=0, day=DAY - dt.timedelta(days=20)),  # outside the lookback
            game(6, start_hour=3, state="OFF"),  # already final per the schedule → candidate
        ],
    )
    wh.append(
        "fact_outcome",
        [{"game_id": 4, "player_id": 1, "team": "MTL", "is_goalie": False, "game_state": "OFF"}],
        run_id="r",
    )
    assert [g for g, _ in boxscore_candidates(run, DAY, 14)] == [1, 6]
    assert boxscore_candidates(run, DAY - dt.timedelta(days=1), 14) == []
