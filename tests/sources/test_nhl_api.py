"""NHL API parsers on the committed fixtures and drift variants; fetchers through a replay dir."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from propledger.clock import UTC, FrozenClock
from propledger.errors import PayloadError
from propledger.http import make_client
from propledger.replay import ReplayTransport, ReplayWriter
from propledger.settings import Settings
from propledger.sources import nhl_api as nhl
from propledger.sources.nhl_records import (
    OUTCOME_SCHEMA,
    GameRecord,
    OutcomeRow,
    outcomes_table,
    slate_games,
)

FIXTURES = Path(__file__).parents[1] / "fixtures"
SCHEDULE = json.loads((FIXTURES / "nhl_schedule.json").read_text())
BOXSCORE = json.loads((FIXTURES / "nhl_boxscore.json").read_text())


def box() -> dict[str, Any]:
    return copy.deepcopy(BOXSCORE)


def outcomes(payload: dict[str, Any]) -> dict[int, OutcomeRow]:
    _, rows = nhl.parse_boxscore(payload)
    return {r.player_id: r for r in rows}


# ---- schedule --------------------------------------------------------------------------------
def test_schedule_week_fixture() -> None:
    week = nhl.parse_schedule_week(SCHEDULE)
    assert week.regular_season_start == dt.date(2025, 10, 7)
    assert week.regular_season_end == dt.date(2026, 4, 16)
    assert week.next_start_date == dt.date(2026, 1, 21)
    assert len(week.days) == 7 and week.days[0] == dt.date(2026, 1, 14)
    assert [g.game_id for g in week.games] == [2025020701, 2025020705, 2025020712, 2025020713]
    mtl = week.games[0]
    assert mtl == GameRecord(
        game_id=2025020701,
        season=2025,
        game_type=2,
        slate_date=dt.date(2026, 1, 14),
        start_time_utc=dt.datetime(2026, 1, 15, 0, 0, tzinfo=UTC),
        home_team="MTL",
        away_team="TOR",
        home_team_id=8,
        away_team_id=10,
        home_team_name="Montréal Canadiens",
        away_team_name="Toronto Maple Leafs",
        game_state="OFF",
        schedule_state="OK",
        home_score=2,
        away_score=3,
        last_period_type="REG",
        game_date=dt.date(2026, 1, 14),
    )


def test_slate_date_is_the_eastern_date_not_the_utc_date() -> None:
    van = nhl.parse_schedule_week(SCHEDULE).games[1]
    assert van.start_time_utc == dt.datetime(2026, 1, 15, 3, 0, tzinfo=UTC)  # 22:00 ET on the 14th
    assert van.slate_date == dt.date(2026, 1, 14)
    assert van.last_period_type == "SO"


def test_games_are_kept_by_week_date_and_postponed_games_recorded_but_not_slated() -> None:
    on_15 = nhl.parse_schedule(SCHEDULE, on=dt.date(2026, 1, 15))
    assert [g.game_id for g in on_15] == [2025020712, 2025020713]
    assert on_15[1].schedule_state == "PPD" and on_15[1].is_void
    assert [g.game_id for g in slate_games(on_15, dt.date(2026, 1, 15))] == [2025020712]
    assert nhl.parse_schedule(SCHEDULE, on=dt.date(2026, 1, 16)) == []
    future = on_15[0]
    assert (future.game_state, future.home_score, future.last_period_type) == ("FUT", None, None)


def test_schedule_without_game_week_is_a_payload_error() -> None:
    with pytest.raises(PayloadError, match="gameWeek is missing"):
        nhl.parse_schedule_week({"games": []})


def test_schedule_game_without_team_abbrev_names_the_field() -> None:
    payload = copy.deepcopy(SCHEDULE)
    del payload["gameWeek"][0]["games"][0]["homeTeam"]["abbrev"]
    with pytest.raises(PayloadError, match=r"game 2025020701: field homeTeam\.abbrev is missing"):
        nhl.parse_schedule_week(payload)


# ---- box score -------------------------------------------------------------------------------
def test_boxscore_fixture_hand_checked() -> None:
    game, rows = nhl.parse_boxscore(box())
    assert (game.game_id, game.game_state, game.home_score, game.away_score) == (
        2025020701,
        "OFF",
        2,
        3,
    )
    assert game.slate_date == dt.date(2026, 1, 14) and game.game_date == dt.date(2026, 1, 14)
    assert len(rows) == 9
    by_id = {r.player_id: r for r in rows}
    assert by_id[8481001] == OutcomeRow(
        game_id=2025020701,
        player_id=8481001,
        team="TOR",
        position="C",
        is_goalie=False,
        game_state="OFF",
        goals=1,
        assists=1,
        points=2,
        sog=4,
        blocks=1,
        toi_seconds=19 * 60 + 36,
    )
    assert by_id[8480455].blocks == 4 and by_id[8480455].team == "MTL"
    aaltonen = by_id[8478802]
    assert (
        aaltonen.saves,
        aaltonen.shots_against,
        aaltonen.goals_against,
        aaltonen.toi_seconds,
    ) == (25, 27, 2, 3600)
    assert aaltonen.goals is None and aaltonen.sog is None  # not in the payload: unknown
    backup = by_id[8481705]
    assert (backup.saves, backup.shots_against, backup.toi_seconds) == (0, 0, 0)
    table = outcomes_table(rows)
    assert table.schema == OUTCOME_SCHEMA and table.num_rows == 9


def test_older_boxscore_form_gives_the_same_outcomes() -> None:
    old = box()
    stats = old.pop("playerByGameStats")
    for side in stats.values():
        for group in ("forwards", "defense"):
            for row in side[group]:
                row["shots"] = row.pop("sog")
        for goalie in side["goalies"]:
            for key in ("saves", "shotsAgainst", "goalsAgainst"):
                goalie.pop(key)
    old["boxscore"] = {"playerByGameStats": stats}
    assert outcomes(old) == outcomes(box())


def test_missing_keys_are_null_never_zero() -> None:
    payload = box()
    skater = payload["playerByGameStats"]["awayTeam"]["forwards"][0]
    for key in ("blockedShots", "toi", "sog", "points"):
        skater.pop(key)
    goalie = payload["playerByGameStats"]["homeTeam"]["goalies"][0]
    for key in ("saves", "shotsAgainst", "saveShotsAgainst"):
        goalie.pop(key)
    rows = outcomes(payload)
    marchetti = rows[8481001]
    assert (marchetti.blocks, marchetti.toi_seconds, marchetti.sog) == (None, None, None)
    assert marchetti.points == 2  # derived: goals + assists are both known
    halvorsen = rows[8479901]
    assert (halvorsen.saves, halvorsen.shots_against, halvorsen.goals_against) == (None, None, 3)


def test_unfinished_game_has_no_outcomes() -> None:
    payload = box() | {"gameState": "LIVE"}
    game, rows = nhl.parse_boxscore(payload)
    assert game.game_state == "LIVE" and not game.is_final and rows == ()


def test_final_game_without_player_stats_is_a_payload_error() -> None:
    payload = box()
    payload.pop("playerByGameStats")
    with pytest.raises(PayloadError, match="game 2025020701: field playerByGameStats is missing"):
        nhl.parse_boxscore(payload)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("toi", "19:75", "toi = '19:75' is not MM:SS"),
        ("goals", "one", "goals = 'one' is not an integer"),
        ("goals", True, "goals is a boolean"),
    ],
)
def test_malformed_skater_fields_name_game_player_and_field(
    field: str, value: object, message: str
) -> None:
    payload = box()
    payload["playerByGameStats"]["awayTeam"]["forwards"][0][field] = value
    with pytest.raises(PayloadError, match=f"game 2025020701 player 8481001: field {message}"):
        nhl.parse_boxscore(payload)


def test_malformed_save_shots_string() -> None:
    payload = box()
    goalie = payload["playerByGameStats"]["homeTeam"]["goalies"][0]
    goalie.pop("saves")
    goalie["saveShotsAgainst"] = "28 of 31"
    with pytest.raises(PayloadError, match="goalie 8479901: field saveShotsAgainst"):
        nhl.parse_boxscore(payload)


def test_float_and_string_integers_are_accepted() -> None:
    payload = box()
    payload["playerByGameStats"]["awayTeam"]["forwards"][0] |= {"goals": 1.0, "sog": "4"}
    assert outcomes(payload) == outcomes(box())


@pytest.mark.parametrize(
    ("text", "seconds"), [("19:36", 1176), ("65:12", 3912), ("00:00", 0), (None, None)]
)
def test_parse_toi(text: str | None, seconds: int | None) -> None:
    assert nhl.parse_toi(text) == seconds


@given(st.integers(0, 200), st.integers(0, 59))
def test_toi_round_trip(minutes: int, seconds: int) -> None:
    assert nhl.parse_toi(f"{minutes:02d}:{seconds:02d}") == minutes * 60 + seconds


# ---- fetching through a replay directory -----------------------------------------------------
def test_fetchers_through_replay(tmp_path: Path) -> None:
    base = Settings().base_url("nhl_api")
    writer = ReplayWriter(tmp_path)
    at = dt.datetime(2026, 1, 15, 11, tzinfo=UTC)
    writer.add(f"{base}/schedule/2026-01-14", at, json.dumps(SCHEDULE).encode())
    writer.add(f"{base}/gamecenter/2025020701/boxscore", at, json.dumps(BOXSCORE).encode())
    writer.write_manifest()
    transport = ReplayTransport(tmp_path, FrozenClock(at))
    client = make_client("nhl_api", Settings(), transport)
    week = nhl.parse_schedule_week(nhl.fetch_schedule(client, base, dt.date(2026, 1, 14)).json())
    assert len(week.games) == 4
    game, rows = nhl.parse_boxscore(nhl.fetch_boxscore(client, base, 2025020701).json())
    assert game.game_id == 2025020701 and len(rows) == 9
    assert (
        nhl.schedule_url(base, dt.date(2026, 1, 14))
        == "https://api-web.nhle.com/v1/schedule/2026-01-14"
    )
    assert (
        nhl.boxscore_url(base, 2025020701)
        == "https://api-web.nhle.com/v1/gamecenter/2025020701/boxscore"
    )


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 100)
    | st.floats(allow_nan=False)
    | st.text(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
SKATER_KEYS = [
    "playerId",
    "goals",
    "assists",
    "points",
    "sog",
    "shots",
    "blockedShots",
    "toi",
    "position",
]
GOALIE_KEYS = ["playerId", "saves", "shotsAgainst", "goalsAgainst", "saveShotsAgainst", "toi"]
GAME_KEYS = [
    "id",
    "season",
    "gameType",
    "startTimeUTC",
    "gameDate",
    "gameState",
    "homeTeam",
    "awayTeam",
    "gameOutcome",
    "playerByGameStats",
]


@given(
    st.sampled_from(SKATER_KEYS),
    st.sampled_from(GOALIE_KEYS),
    st.sampled_from(GAME_KEYS),
    JSON,
    JSON,
    JSON,
)
def test_any_drifted_boxscore_parses_or_raises_payload_error(
    skater_key: str, goalie_key: str, game_key: str, a: object, b: object, c: object
) -> None:
    """Drift never surfaces as a TypeError/AttributeError: it parses, or it is a PayloadError."""
    payload = box()
    payload["playerByGameStats"]["awayTeam"]["forwards"][0][skater_key] = a
    payload["playerByGameStats"]["homeTeam"]["goalies"][0][goalie_key] = b
    payload[game_key] = c
    with contextlib.suppress(PayloadError):
        nhl.parse_boxscore(payload)


@given(JSON, st.sampled_from(["gameWeek", "games", "date", "game"]))
def test_any_drifted_schedule_parses_or_raises_payload_error(value: object, where: str) -> None:
    payload = copy.deepcopy(SCHEDULE)
    if where == "gameWeek":
        payload["gameWeek"] = value
    elif where == "games":
        payload["gameWeek"][0]["games"] = value
    elif where == "date":
        payload["gameWeek"][0]["date"] = value
    else:
        payload["gameWeek"][0]["games"][0] = value
    with contextlib.suppress(PayloadError):
        nhl.parse_schedule_week(payload)
