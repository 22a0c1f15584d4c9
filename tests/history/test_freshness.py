from __future__ import annotations

import datetime as dt

import pytest

from propledger.clock import UTC, FrozenClock
from propledger.errors import ConfigError
from propledger.evidence.warehouse import Warehouse
from propledger.history import (
    default_seasons,
    history_freshness,
    is_stale,
    parse_seasons,
    season_of,
)

SLATE = dt.date(2026, 1, 14)
NOW = dt.datetime(2026, 1, 14, 17, tzinfo=UTC)


def add_history(wh: Warehouse, day: dt.date, loaded_at: dt.datetime) -> None:
    wh.append(
        "player_game_situation",
        [
            {
                "player_id": 8481001,
                "game_id": 2025020000 + day.day,
                "situation": "all",
                "season": 2025,
                "game_date": day,
                "team": "TOR",
            }
        ],
        run_id="r",
        loaded_at=loaded_at,
    )


def add_game(
    wh: Warehouse, day: dt.date, game_id: int, *, game_type: int = 2, state: str = "OK"
) -> None:
    wh.append(
        "dim_game",
        [
            {
                "game_id": game_id,
                "season": 2025,
                "game_type": game_type,
                "slate_date": day,
                "home_team": "MTL",
                "away_team": "TOR",
                "game_state": "OFF",
                "schedule_state": state,
            }
        ],
        run_id="r",
    )


def test_no_history_is_stale(wh: Warehouse) -> None:
    assert history_freshness(wh) is None
    assert is_stale(wh, SLATE, FrozenClock(NOW), 24)


def test_history_up_to_the_last_game_day_is_fresh_however_old(wh: Warehouse) -> None:
    add_history(wh, dt.date(2026, 1, 12), NOW - dt.timedelta(days=5))
    add_game(wh, dt.date(2026, 1, 12), 1)
    add_game(
        wh, dt.date(2026, 1, 13), 2, game_type=1
    )  # preseason: not in MoneyPuck's regular files
    add_game(wh, dt.date(2026, 1, 13), 3, state="PPD")  # postponed: never played
    add_game(wh, SLATE, 4)  # the slate itself
    assert history_freshness(wh) == dt.date(2026, 1, 12)
    assert not is_stale(wh, SLATE, FrozenClock(NOW), 24)


def test_missing_games_are_stale_unless_a_load_was_recent(wh: Warehouse) -> None:
    add_history(wh, dt.date(2026, 1, 12), NOW - dt.timedelta(hours=30))
    add_game(wh, dt.date(2026, 1, 13), 1)
    assert is_stale(wh, SLATE, FrozenClock(NOW), 24)
    assert not is_stale(wh, SLATE, FrozenClock(NOW), 36)  # MoneyPuck may simply not have published


def test_without_schedule_yesterday_is_expected(wh: Warehouse) -> None:
    add_history(wh, SLATE - dt.timedelta(days=1), NOW - dt.timedelta(days=3))
    assert not is_stale(wh, SLATE, FrozenClock(NOW), 24)
    assert is_stale(wh, SLATE + dt.timedelta(days=2), FrozenClock(NOW), 24)


@pytest.mark.parametrize(
    ("day", "season"),
    [("2025-10-01", 2025), ("2026-01-14", 2025), ("2026-06-30", 2025), ("2026-07-01", 2026)],
)
def test_season_of(day: str, season: int) -> None:
    assert season_of(dt.date.fromisoformat(day)) == season


def test_default_and_parsed_seasons() -> None:
    assert default_seasons(SLATE) == (2024, 2025)
    assert parse_seasons(" 2025, 2024,2025,") == (2024, 2025)
    for bad in ("25", "2025,x", "2007", ","):
        with pytest.raises(ConfigError, match="--seasons"):
            parse_seasons(bad)
