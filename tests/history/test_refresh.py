"""refresh_history end to end on a tiny replay world (see conftest.py): 4 teams, every team
plays every day from 2026-01-05, 3 skaters + 1 goalie dress per team."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest

from propledger.clock import FrozenClock
from propledger.context import Context
from propledger.errors import PayloadError
from propledger.evidence.warehouse import Warehouse
from propledger.history import HistoryRefreshResult, ProgressEvent, refresh_history
from propledger.history.common import ImportRun
from propledger.history.moneypuck_import import import_kind
from propledger.http import make_client
from propledger.settings import Settings
from propledger.sources.moneypuck import PlayerKind

START = dt.date(2026, 1, 5)
D1 = dt.date(2026, 1, 10)
D2 = dt.date(2026, 1, 13)
GAMES_PER_DAY = 2
SKATERS_PER_GAME = 6
SITUATIONS = 5


def refresh(
    settings: Settings, world: Any, through: dt.date, now: dt.datetime, **kwargs: Any
) -> HistoryRefreshResult:
    ctx = Context.create(settings, FrozenClock(now), source=f"replay:{world.root}")
    try:
        return refresh_history(ctx, through, seasons=kwargs.pop("seasons", (2025,)), **kwargs)
    finally:
        ctx.close()


def days(first: dt.date, last: dt.date) -> int:
    return (last - first).days + 1


def next_noon(world: Any, day: dt.date) -> dt.datetime:
    return world.noon_utc(day + dt.timedelta(days=1))


@pytest.fixture
def world(mini_world: Callable[[], Any]) -> Any:
    w = mini_world()
    w.build()
    return w


@pytest.fixture
def open_wh(settings: Settings) -> Callable[[], Warehouse]:
    return lambda: Warehouse.open(settings.warehouse_path)


def test_first_refresh_imports_history_schedule_and_outcomes(settings, world, open_wh) -> None:
    result = refresh(settings, world, D1, next_noon(world, D1))

    n_games = days(START, D1) * GAMES_PER_DAY  # 12 played games up to D1
    assert result.problems == ()
    assert (
        result.rows_added["player_game_situation"] == n_games * SKATERS_PER_GAME * SITUATIONS == 360
    )
    assert result.rows_added["goalie_game"] == n_games * 2 * SITUATIONS == 120
    assert result.rows_added["fact_outcome"] == n_games * 8 == 96
    assert result.rows_added["dim_team"] == 4
    assert result.rows_added["dim_player"] == 16
    # 26 games of Jan 5-17 as scheduled (FUT) + an OFF version for each of the 12 played
    assert result.rows_added["dim_game"] == 26 + 12
    assert result.games_settled == n_games
    assert result.latest_game_date == D1
    # 2 indexes + 8 team files + lookup + 2 schedule weeks + 12 box scores; the two index
    # pages have identical bytes, so the content-addressed archive keeps one
    assert result.requests == 25
    assert result.rows_added["raw_payload"] == 24
    with open_wh() as wh:
        states = dict(
            wh.rows("SELECT slate_date, list(DISTINCT game_state) FROM v_game GROUP BY 1")
        )
        assert min(states) == START
        assert max(states) == D1 + dt.timedelta(days=7)  # the coming week is known, as FUT
        assert all(states[d] == ["OFF"] for d in states if d <= D1)
        assert all(states[d] == ["FUT"] for d in states if d > D1)
        assert wh.scalar("SELECT max(game_date) FROM player_game_situation") == D1
        assert wh.scalar("SELECT count(DISTINCT run_id) FROM player_game_situation") == 1
        assert wh.scalar("SELECT count(*) FROM goalie_game WHERE loaded_at IS NULL") == 0


def test_same_inputs_twice_add_nothing(settings, world, open_wh) -> None:
    first = refresh(settings, world, D1, next_noon(world, D1))
    second = refresh(settings, world, D1, next_noon(world, D1))
    assert first.total_added > 0
    assert second.total_added == 0, second.rows_added
    assert second.problems == ()
    assert second.boxscores_fetched == 0  # settled games are not fetched again


def test_later_through_adds_exactly_the_new_games(settings, world, open_wh) -> None:
    refresh(settings, world, D1, next_noon(world, D1))
    with open_wh() as wh:
        before = {t: wh.count(t) for t in ("player_game_situation", "goalie_game", "fact_outcome")}
    second = refresh(settings, world, D2, next_noon(world, D2))

    new_games = days(D1 + dt.timedelta(days=1), D2) * GAMES_PER_DAY  # 6
    assert second.rows_added["player_game_situation"] == new_games * SKATERS_PER_GAME * SITUATIONS
    assert second.rows_added["goalie_game"] == new_games * 2 * SITUATIONS
    assert second.rows_added["fact_outcome"] == new_games * 8
    assert second.games_settled == new_games
    with open_wh() as wh:
        assert wh.count("player_game_situation") == before["player_game_situation"] + 180
        expected_ids = {g.game_id for g in world.games_between(START, D2)}
        assert {
            r[0] for r in wh.rows("SELECT DISTINCT game_id FROM player_game_situation")
        } == expected_ids
        assert {r[0] for r in wh.rows("SELECT DISTINCT game_id FROM fact_outcome")} == expected_ids
        # the week of Jan 12 was captured as FUT; played games must stay OFF in v_game
        assert (
            wh.scalar(
                "SELECT count(*) FROM v_game WHERE slate_date <= ? AND game_state <> 'OFF'", [D2]
            )
            == 0
        )
        assert wh.scalar("SELECT max(slate_date) FROM v_game") == D2 + dt.timedelta(days=7)
    third = refresh(settings, world, D2, next_noon(world, D2))
    assert third.total_added == 0, third.rows_added


def test_stats_are_consistent_between_sources(settings, world, open_wh) -> None:
    refresh(settings, world, D1, next_noon(world, D1))
    with open_wh() as wh:
        assert (
            wh.scalar("SELECT count(*) FROM player_game_situation WHERE points <> goals + assists")
            == 0
        )
        assert (
            wh.scalar(
                "SELECT count(*) FROM fact_outcome WHERE NOT is_goalie AND points <> goals + assists"
            )
            == 0
        )
        assert (
            wh.scalar(
                "SELECT count(*) FROM goalie_game WHERE saves <> shots_against - goals_against"
            )
            == 0
        )
        mismatch = wh.scalar("""
            SELECT count(*) FROM player_game_situation p JOIN fact_outcome o USING (game_id, player_id)
            WHERE p.situation = 'all' AND (p.goals, p.assists, p.sog, p.blocks, CAST(p.icetime AS INT))
                IS DISTINCT FROM (o.goals, o.assists, o.sog, o.blocks, o.toi_seconds)""")
        assert mismatch == 0
        # situations add up to `all`
        assert (
            wh.scalar("""
            SELECT count(*) FROM (SELECT player_id, game_id,
                sum(goals) FILTER (situation <> 'all') AS parts, sum(goals) FILTER (situation = 'all') AS total
                FROM player_game_situation GROUP BY ALL) WHERE parts <> total""")
            == 0
        )
        # hand-checked: one skater line of the first game
        game = world.games[0]
        pid = world.player_ids(game.home)[0]
        line = world.skater_line(game, pid)
        row = wh.rows(
            "SELECT goals, assists, points, sog, blocks FROM fact_outcome WHERE game_id = ? AND player_id = ?",
            [game.game_id, pid],
        )
        assert row == [
            (
                line["goals"],
                line["a1"] + line["a2"],
                line["goals"] + line["a1"] + line["a2"],
                line["sog"],
                line["blocks"],
            )
        ]


def test_moneypuck_rows_never_reach_today(settings, world, open_wh) -> None:
    result = refresh(settings, world, D2, world.noon_utc(D2))  # run on D2 itself
    assert result.latest_game_date == D2 - dt.timedelta(days=1)
    assert any("bounded by" in n for n in result.notes)


def test_missing_or_forbidden_files_degrade(settings, mini_world, open_wh) -> None:
    world = mini_world()
    world.build(skip=("BOS",), status={"skaters/NYR": 403})
    result = refresh(settings, world, D1, next_noon(world, D1))
    assert result.degraded and result.status == "DEGRADED"
    assert (
        "moneypuck 2025 skaters: 2 of 4 team files not imported: BOS.csv (HTTP 404), NYR.csv (HTTP 403)"
        in result.problems
    )
    assert (
        "moneypuck 2025 goalies: 1 of 4 team files not imported: BOS.csv (HTTP 404)"
        in result.problems
    )
    assert len(result.problems) == 2
    with open_wh() as wh:
        teams = {r[0] for r in wh.rows("SELECT DISTINCT team FROM player_game_situation")}
        assert teams == {"TOR", "MTL"}
        assert {r[0] for r in wh.rows("SELECT DISTINCT team FROM goalie_game")} == {
            "TOR",
            "MTL",
            "NYR",
        }
    assert result.rows_added["fact_outcome"] == 96  # the NHL API side is unaffected


def test_bad_csv_is_one_error_naming_file_and_column(settings, mini_world, open_wh) -> None:
    world = mini_world()
    good = world.skater_csv("TOR").decode()
    broken = good.replace("I_F_goals", "I_F_goalz", 1).encode()
    world.build(bodies={"skaters/TOR": broken})
    with pytest.raises(
        PayloadError, match=r"2025/skaters/TOR\.csv: required column I_F_goals is missing"
    ):
        refresh(settings, world, D1, next_noon(world, D1))
    with open_wh() as wh:
        assert wh.count("player_game_situation") == 0  # nothing half-written
        assert wh.scalar("SELECT count(*) FROM raw_payload WHERE url LIKE '%skaters/TOR.csv'") == 1


def test_float_counts_and_old_boxscores_import_the_same(settings, mini_world, open_wh) -> None:
    world = mini_world()
    teams = list(world.teams)
    floats = {f"skaters/{t}": world.skater_csv(t, float_counts=True) for t in teams}
    old = tuple(g.game_id for g in world.games[:4])
    world.add_moneypuck(bodies=floats)
    world.add_nhl(old_form=old)
    world.writer.write_manifest()
    result = refresh(settings, world, D1, next_noon(world, D1))
    assert result.problems == ()
    with open_wh() as wh:
        assert (
            wh.scalar("SELECT count(*) FROM fact_outcome WHERE sog IS NULL AND NOT is_goalie") == 0
        )
        assert wh.scalar("SELECT count(*) FROM fact_outcome WHERE is_goalie AND saves IS NULL") == 0
        assert wh.scalar("SELECT sum(shifts) FROM player_game_situation") == 20 * 360


def test_no_directory_index_uses_the_fixed_team_list(settings, mini_world, open_wh) -> None:
    world = mini_world()
    world.build(index=False)
    result = refresh(settings, world, D1, next_noon(world, D1))
    assert result.problems == ()
    assert any("fixed team list" in n for n in result.notes)
    assert result.rows_added["player_game_situation"] == 360


def test_progress_reports_every_source(settings, world) -> None:
    events: list[ProgressEvent] = []
    refresh(settings, world, D1, next_noon(world, D1), progress=events.append)
    finished = {e.source for e in events if e.done == e.total}
    assert {
        "moneypuck players",
        "moneypuck 2025 skaters",
        "moneypuck 2025 goalies",
        "nhl schedule 2025",
        "nhl boxscores",
    } <= finished


def test_summary_and_table(settings, world) -> None:
    result = refresh(settings, world, D1, next_noon(world, D1))
    assert result.summary().startswith(
        "history through 2026-01-10 (seasons 2025): SUCCESS, 658 rows added, 26 games seen, 12 games settled, 25 requests"
    )
    as_dict = result.as_dict()
    assert json.loads(json.dumps(as_dict)) == as_dict
    assert as_dict["status"] == "SUCCESS" and as_dict["rows_added"]["fact_outcome"] == 96
    assert [v["vendor"] for v in as_dict["vendors"]] == ["moneypuck", "nhl_api"]
    lines = result.table_lines()
    assert lines[0].split() == ["table", "rows", "added"]
    assert "player_game_situation" in lines[4] and lines[4].split()[1] == "360"


def test_live_runs_pause_between_moneypuck_files(settings, world) -> None:
    waits: list[float] = []
    ctx = Context.create(settings, FrozenClock(next_noon(world, D1)), source=f"replay:{world.root}")
    client = make_client("moneypuck", settings, ctx.transport, clock=ctx.clock, sleep=waits.append)
    run = ImportRun(ctx, moneypuck_pause=1.0)
    import_kind(run, client, settings.base_url("moneypuck"), 2025, PlayerKind.SKATERS, D1)
    ctx.close()
    assert waits == [1.0, 1.0, 1.0]  # between the 4 team files, not before the first
