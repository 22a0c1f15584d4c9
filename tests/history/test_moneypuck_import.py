"""MoneyPuck import watermark (``moneypuck_watermark``): a team file whose bytes cannot add
anything up to the bound is not parsed again, a partly imported one is compared only from its
next game on, a changed file is imported whole, and every sequence of refreshes ends with
exactly the rows of one import through the last bound. World: tests/history/conftest.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from propledger.clock import FrozenClock, et_to_utc
from propledger.context import Context
from propledger.errors import PayloadError
from propledger.evidence.warehouse import Warehouse
from propledger.history import moneypuck_import as mpi
from propledger.history.common import ImportRun
from propledger.replay import ReplayTransport
from propledger.settings import Settings
from propledger.sources.moneypuck import PlayerKind

START = dt.date(2026, 1, 5)
D1 = dt.date(2026, 1, 10)
D2 = dt.date(2026, 1, 13)
#: BOS and NYR have no game from D1 + 1 through GAP_END (a break in their schedule)
GAP_END = dt.date(2026, 1, 12)
NOW = et_to_utc(dt.date(2026, 1, 27), dt.time(12, 0))
CONTENT = "* EXCLUDE (row_hash, ingest_seq, run_id, loaded_at)"
TARGETS = ("player_game_situation", "goalie_game")


@pytest.fixture
def gap_world(mini_world: Callable[[], Any]) -> Any:
    world = mini_world()
    world.games = [
        g for g in world.games if not ({g.home, g.away} == {"BOS", "NYR"} and D1 < g.day <= GAP_END)
    ]
    world.build()
    return world


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files parsed, in order."""
    seen: list[str] = []
    for kind, (target, parse) in list(mpi._PARSERS.items()):

        def counting(content: bytes, *, name: str, _parse: Any = parse) -> pa.Table:
            seen.append(name)
            return _parse(content, name=name)

        monkeypatch.setitem(mpi._PARSERS, kind, (target, counting))
    return seen


def _import(settings: Settings, world: Any, wh: Warehouse, through: dt.date) -> dict[str, int]:
    """Both file families of season 2025 through ``through``; new rows per table."""
    clock = FrozenClock(NOW)
    ctx = Context(settings, clock, "run-test", ReplayTransport(world.root, clock), "replay")
    ctx._warehouse = wh
    run = ImportRun(ctx)
    client = ctx.client("moneypuck")
    for kind in PlayerKind:
        mpi.import_kind(run, client, settings.base_url("moneypuck"), 2025, kind, through)
    client.close()
    return {t: run.added.get(t, 0) for t in (*TARGETS, mpi.WATERMARK)}


def _content(wh: Warehouse, table: str) -> list[tuple[Any, ...]]:
    return sorted(wh.rows(f"SELECT {CONTENT} FROM {table}"), key=repr)


@pytest.fixture
def memory_wh() -> Iterator[Warehouse]:
    with Warehouse.open(":memory:") as wh:
        yield wh


def test_same_bound_again_parses_nothing_and_adds_nothing(settings, gap_world, memory_wh, parses):
    first = _import(settings, gap_world, memory_wh, D1)
    assert len(parses) == 8  # 4 teams x skaters, goalies
    assert first["player_game_situation"] == 12 * 6 * 5  # 12 games, 6 skaters, 5 situations
    assert first[mpi.WATERMARK] == 8
    parses.clear()
    again = _import(settings, gap_world, memory_wh, D1)
    assert parses == []
    assert again == dict.fromkeys(again, 0)


def test_a_team_without_a_game_since_is_skipped_and_the_rest_compared_from_their_next_game(
    settings, gap_world, memory_wh, parses, monkeypatch
):
    _import(settings, gap_world, memory_wh, D1)
    parses.clear()
    compared: list[int] = []
    real = mpi.unseen_rows
    monkeypatch.setattr(
        mpi, "unseen_rows", lambda wh, t, b, k: compared.append(b.num_rows) or real(wh, t, b, k)
    )

    # bound inside BOS/NYR's break: their files cannot add a row
    added = _import(settings, gap_world, memory_wh, GAP_END)
    assert sorted(p.rsplit("/", 1)[1] for p in parses) == [
        "MTL.csv",
        "MTL.csv",
        "TOR.csv",
        "TOR.csv",
    ]
    # 2 days x 1 game (TOR-MTL): only those rows are compared, not the season so far
    assert compared == [2 * 6 * 5, 2 * 2 * 5]
    assert added["player_game_situation"] == 2 * 6 * 5 and added["goalie_game"] == 2 * 2 * 5
    rows = memory_wh.rows(
        "SELECT team, bound, rows_in_bound, max_game_date, next_game_date FROM moneypuck_watermark "
        "WHERE target = 'player_game_situation' ORDER BY team, bound"
    )
    first_game_after_break = GAP_END + dt.timedelta(days=1)
    assert rows == [
        ("BOS", D1, 6 * 3 * 5, D1, first_game_after_break),
        ("MTL", D1, 6 * 3 * 5, D1, D1 + dt.timedelta(days=1)),
        ("MTL", GAP_END, 8 * 3 * 5, GAP_END, GAP_END + dt.timedelta(days=1)),
        ("NYR", D1, 6 * 3 * 5, D1, first_game_after_break),
        ("TOR", D1, 6 * 3 * 5, D1, D1 + dt.timedelta(days=1)),
        ("TOR", GAP_END, 8 * 3 * 5, GAP_END, GAP_END + dt.timedelta(days=1)),
    ]
    parses.clear()
    _import(settings, gap_world, memory_wh, D2)  # the break is over: every file has a new game
    assert len(parses) == 8


def test_incremental_refreshes_store_exactly_one_import_through_the_last_bound(
    settings, gap_world, memory_wh
):
    for bound in (D1, GAP_END, D1, D2):
        _import(settings, gap_world, memory_wh, bound)
    with Warehouse.open(":memory:") as once:
        _import(settings, gap_world, once, D2)
        for table in TARGETS:
            assert _content(memory_wh, table) == _content(once, table), table


def test_a_changed_file_is_imported_whole(settings, mini_world, memory_wh, parses):
    world = mini_world()
    world.build()
    _import(settings, world, memory_wh, D1)
    original = world.skater_csv("MTL").decode().splitlines()
    header = original[0].split(",")
    row = original[1].split(",")
    row[header.index("I_F_hits")] = "9"
    revised = "\n".join([original[0], ",".join(row), *original[2:]]) + "\n"
    url = "https://moneypuck.com/moneypuck/playerData/teamPlayerGameByGame/2025/regular/skaters/MTL.csv"
    world.writer.add(url, NOW - dt.timedelta(hours=1), revised.encode(), content_type="text/csv")
    world.writer.write_manifest()

    parses.clear()
    added = _import(settings, world, memory_wh, D1)
    assert [p.rsplit("/", 1)[1] for p in parses] == ["MTL.csv"]  # new bytes; the rest unchanged
    # the revised row is appended as a new version, although long before the watermark
    assert added["player_game_situation"] == 1
    key = [
        int(row[header.index("gameId")]),
        int(row[header.index("playerId")]),
        row[header.index("situation")],
    ]
    assert (
        memory_wh.scalar(
            "SELECT hits FROM v_player_game_situation WHERE game_id = ? AND player_id = ? AND situation = ?",
            key,
        )
        == 9
    )


def test_a_malformed_file_leaves_no_watermark_for_its_batch(settings, mini_world, memory_wh):
    world = mini_world()
    broken = world.goalie_csv("TOR").decode().replace("xGoals", "xGoalz", 1).encode()
    world.build(bodies={"goalies/TOR": broken})
    with pytest.raises(PayloadError, match=r"TOR\.csv: required column xGoals"):
        _import(settings, world, memory_wh, D1)
    # the skater batch committed before the goalie files were read; the goalie batch did not
    targets = {r[0] for r in memory_wh.rows("SELECT DISTINCT target FROM moneypuck_watermark")}
    assert targets == {"player_game_situation"}
    assert memory_wh.count("goalie_game") == 0


def test_watermark_and_rows_to_import_by_hand() -> None:
    dates = [dt.date(2026, 1, d) for d in (5, 7, 7, 9, 12)]
    parsed = pa.table({"game_date": pa.array(dates, pa.date32()), "x": list(range(5))})
    mark = mpi.watermark("h", "goalie_game", 2025, "TOR", dt.date(2026, 1, 8), parsed)
    assert mark == {
        "payload_hash": "h", "target": "goalie_game", "season": 2025, "team": "TOR",
        "bound": dt.date(2026, 1, 8), "rows_in_bound": 3,
        "max_game_date": dt.date(2026, 1, 7), "next_game_date": dt.date(2026, 1, 9),
    }  # fmt: skip
    whole = mpi.watermark("h", "goalie_game", 2025, "TOR", dt.date(2026, 1, 31), parsed)
    assert whole["next_game_date"] is None and whole["rows_in_bound"] == 5
    none = mpi.watermark("h", "goalie_game", 2025, "TOR", dt.date(2026, 1, 1), parsed)
    assert none["max_game_date"] is None and none["rows_in_bound"] == 0
    assert mpi.rows_to_import(parsed, dt.date(2026, 1, 9), None)["x"].to_pylist() == [0, 1, 2, 3]
    assert mpi.rows_to_import(parsed, dt.date(2026, 1, 9), dt.date(2026, 1, 7))[
        "x"
    ].to_pylist() == [1, 2, 3]


@hsettings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    first=st.dates(min_value=dt.date(2026, 1, 3), max_value=dt.date(2026, 1, 20)),
    moves=st.lists(st.integers(min_value=-2, max_value=3), min_size=0, max_size=3),
)
def test_any_sequence_of_bounds_equals_one_import_through_the_latest(
    settings, gap_world, first: dt.date, moves: list[int]
) -> None:
    # bounds a few days apart, forward and back (consecutive days are the edge that matters)
    bounds = [first]
    for days in moves:
        bounds.append(bounds[-1] + dt.timedelta(days=days))
    # gap_world is built once for all examples (function-scoped fixture, only read)
    with Warehouse.open(":memory:") as steps, Warehouse.open(":memory:") as once:
        for bound in bounds:
            _import(settings, gap_world, steps, bound)
        _import(settings, gap_world, once, max(bounds))
        for table in TARGETS:
            assert _content(steps, table) == _content(once, table), (table, bounds)
