"""The one definition of what happened to a line (``model.outcomes``): counts per market, the
void policy, push and pending, both count sources, and the recorded settlement agreeing with it."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evworld import (
    GAME,
    MATTHEWS,
    SLATE,
    START,
    add,
    add_games,
    add_outcomes,
    game_row,
    outcome_row,
)
from propledger.evidence.warehouse import Warehouse
from propledger.model.constants import MARKETS
from propledger.model.outcomes import (
    MARKET_STAT,
    CountSource,
    Outcome,
    VoidReason,
    accuracy_rows,
    pregame_sql,
    resolve,
)

BOX, MP = CountSource.BOXSCORE, CountSource.MONEYPUCK
SCRATCHED, NO_TOI, NO_STAT = 8478483, 8477939, 8475166
_GAMES = itertools.count(100)


def _rows(*specs: tuple[int, str, float], game_id: int = GAME, slate: dt.date = SLATE) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {"slate_date": slate, "game_id": game_id, "player_id": p, "market": m, "line": line}
            for p, m, line in specs
        ]
    )


def _mp_row(player_id: int, game_id: int = GAME, **kw: Any) -> dict[str, Any]:
    row = {"player_id": player_id, "game_id": game_id, "situation": "all", "season": 2025,
           "game_date": SLATE, "team": "TOR", "icetime": 1100.0, "goals": 0, "assists": 0,
           "points": 0, "sog": 0, "blocks": 0}  # fmt: skip
    return row | kw


def _got(table: pa.Table) -> dict[tuple[int, str, float], tuple[Any, ...]]:
    return {
        (r["player_id"], r["market"], r["line"]): (
            r["actual"], r["result"], r["void_reason"], r["outcome_over"]
        )
        for r in table.to_pylist()
    }  # fmt: skip


def test_one_stat_per_market() -> None:
    assert set(MARKET_STAT) == set(MARKETS)
    assert dict(MARKET_STAT) == {"GOALS": "goals", "ASSISTS": "assists", "POINTS": "points",
                                 "SOG": "sog", "BLOCKS": "blocks"}  # fmt: skip


def test_box_score_counts_push_and_every_void(wh: Warehouse) -> None:
    add_games(wh, game_row(game_state="OFF"))
    add_outcomes(
        wh,
        outcome_row(MATTHEWS, goals=1, assists=2, points=3, sog=3, blocks=0),
        outcome_row(NO_TOI, toi_seconds=0),
        outcome_row(NO_STAT, blocks=None),
    )
    rows = _rows(
        (MATTHEWS, "GOALS", 0.5), (MATTHEWS, "ASSISTS", 1.5), (MATTHEWS, "POINTS", 3.5),
        (MATTHEWS, "SOG", 3.0), (MATTHEWS, "BLOCKS", 0.5), (SCRATCHED, "GOALS", 0.5),
        (NO_TOI, "SOG", 1.5), (NO_STAT, "BLOCKS", 0.5),
    )  # fmt: skip
    got = resolve(wh, rows, source=BOX)
    assert _got(got) == {
        (MATTHEWS, "GOALS", 0.5): (1, "OVER", None, 1),
        (MATTHEWS, "ASSISTS", 1.5): (2, "OVER", None, 1),
        (MATTHEWS, "POINTS", 3.5): (3, "UNDER", None, 0),
        (MATTHEWS, "SOG", 3.0): (3, "PUSH", None, None),
        (MATTHEWS, "BLOCKS", 0.5): (0, "UNDER", None, 0),
        (SCRATCHED, "GOALS", 0.5): (None, "VOID", "not_in_box_score", None),
        (NO_TOI, "SOG", 1.5): (None, "VOID", "no_toi", None),
        (NO_STAT, "BLOCKS", 0.5): (None, "VOID", "missing_stat", None),
    }
    assert got["game_state"].to_pylist() == ["OFF"] * 8
    kept = accuracy_rows(got)
    assert sorted(kept["result"].to_pylist()) == ["OVER", "OVER", "UNDER", "UNDER"]


def test_schedule_voids_come_first_and_unfinished_games_are_pending(wh: Warehouse) -> None:
    g_ppd, g_cncl, g_moved, g_live = GAME + 1, GAME + 2, GAME + 3, GAME + 4
    add_games(
        wh,
        game_row(g_ppd, schedule_state="PPD"),
        game_row(g_cncl, schedule_state="CNCL"),
        game_row(g_moved, slate=SLATE + dt.timedelta(days=1)),
        game_row(g_live, game_state="LIVE"),
    )
    # the postponed game even has a (stale) box score row: the schedule still decides
    add_outcomes(wh, outcome_row(MATTHEWS, game_id=g_ppd, goals=2))
    add_outcomes(wh, outcome_row(MATTHEWS, game_id=g_live, game_state="LIVE", goals=1))
    rows = pa.concat_tables(
        [_rows((MATTHEWS, "GOALS", 0.5), game_id=g) for g in (g_ppd, g_cncl, g_moved, g_live)]
    )
    for source in (BOX, MP):
        got = {
            r["game_id"]: (r["result"], r["void_reason"])
            for r in resolve(wh, rows, source=source).to_pylist()
        }
        assert got == {
            g_ppd: ("VOID", "postponed"),
            g_cncl: ("VOID", "cancelled"),
            g_moved: ("VOID", "rescheduled"),
            g_live: (None, None),  # pending: no FINAL/OFF box score, no MoneyPuck row
        }, source  # fmt: skip
    assert accuracy_rows(resolve(wh, rows, source=BOX)).num_rows == 0


def test_moneypuck_source_settles_on_the_players_all_row(wh: Warehouse) -> None:
    # MoneyPuck is out for the game (so it is over); no box score was ever imported
    add_games(wh, game_row(game_state="OFF"))
    add(wh, "player_game_situation", [
        _mp_row(MATTHEWS, goals=1, assists=1, points=2, sog=4, blocks=2),
        _mp_row(MATTHEWS, situation="5on5", goals=0, sog=1),  # not the 'all' row: ignored
        _mp_row(NO_TOI, icetime=0.0, goals=1),
    ])  # fmt: skip
    rows = _rows(
        (MATTHEWS, "POINTS", 1.5), (MATTHEWS, "SOG", 4.0), (MATTHEWS, "BLOCKS", 2.5),
        (SCRATCHED, "GOALS", 0.5), (NO_TOI, "GOALS", 0.5),
    )  # fmt: skip
    assert _got(resolve(wh, rows, source=MP)) == {
        (MATTHEWS, "POINTS", 1.5): (2, "OVER", None, 1),
        (MATTHEWS, "SOG", 4.0): (4, "PUSH", None, None),
        (MATTHEWS, "BLOCKS", 2.5): (2, "UNDER", None, 0),
        (SCRATCHED, "GOALS", 0.5): (None, "VOID", "not_in_box_score", None),
        (NO_TOI, "GOALS", 0.5): (None, "VOID", "no_toi", None),
    }
    # with the box score as the source the same game is still pending: nothing in v_outcome
    assert set(resolve(wh, rows, source=BOX)["result"].to_pylist()) == {None}


def test_a_final_schedule_without_moneypuck_is_pending_not_void(wh: Warehouse) -> None:
    # MoneyPuck publishes about a day after the game: until then nobody is "not in the box score"
    add_games(wh, game_row(game_state="OFF"))
    got = resolve(wh, _rows((MATTHEWS, "GOALS", 0.5)), source=MP).to_pylist()
    assert (got[0]["result"], got[0]["void_reason"]) == (None, None)


def test_recorded_settlement_and_on_the_fly_resolution_agree(wh: Warehouse) -> None:
    from evworld import add_snapshot, snapshot_row
    from propledger.ev.settle import settle_snapshots

    add_games(wh, game_row(game_state="OFF"))
    add_outcomes(wh, outcome_row(MATTHEWS, goals=1, sog=2), outcome_row(NO_TOI, toi_seconds=None))
    specs = [(MATTHEWS, "GOALS", 0.5), (MATTHEWS, "SOG", 2.0), (MATTHEWS, "SOG", 2.5),
             (SCRATCHED, "GOALS", 0.5), (NO_TOI, "GOALS", 0.5)]  # fmt: skip
    add_snapshot(wh, *(snapshot_row(0.4, player_id=p, market=m, line=x) for p, m, x in specs))
    recorded, pending = settle_snapshots(wh, SLATE, START + dt.timedelta(hours=6))
    assert pending == 0
    assert _got(recorded) == _got(resolve(wh, _rows(*specs), source=BOX))


def test_resolve_keeps_the_input_order(wh: Warehouse) -> None:
    add_games(wh, game_row(game_state="OFF"))
    add_outcomes(wh, *(outcome_row(p, goals=p % 3) for p in range(1, 40)))
    players = [37, 2, 19, 5, 1, 33, 8]
    rows = _rows(*((p, "GOALS", 0.5) for p in players))
    got = resolve(wh, rows, source=BOX)
    assert got["player_id"].to_pylist() == players
    assert got.column_names[:5] == rows.column_names


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(count=st.integers(0, 9), half=st.integers(0, 9), integer=st.booleans())
def test_result_is_the_count_against_the_line(
    wh: Warehouse, count: int, half: int, integer: bool
) -> None:
    game = GAME + next(_GAMES)  # a fresh game per example (re-adding a row is a no-op)
    add_games(wh, game_row(game, game_state="OFF"))
    add_outcomes(wh, outcome_row(MATTHEWS, game, sog=count))
    line = float(half) if integer else half + 0.5
    (row,) = resolve(wh, _rows((MATTHEWS, "SOG", line), game_id=game), source=BOX).to_pylist()
    want = Outcome.OVER if count > line else Outcome.UNDER if count < line else Outcome.PUSH
    assert (row["actual"], row["result"]) == (count, want)
    assert row["outcome_over"] == {Outcome.OVER: 1, Outcome.UNDER: 0, Outcome.PUSH: None}[want]


@pytest.mark.parametrize(
    ("ts_minutes", "start", "pregame"),
    [(-1, START, True), (0, START, False), (1, START, False), (5, None, True)],
)
def test_pregame_is_strictly_before_the_puck_drop(
    wh: Warehouse, ts_minutes: int, start: dt.datetime | None, pregame: bool
) -> None:
    ts = START + dt.timedelta(minutes=ts_minutes)
    sql = f"SELECT {pregame_sql('CAST($ts AS TIMESTAMPTZ)', 'CAST($start AS TIMESTAMPTZ)')}"
    got = wh.con.sql(sql, params={"ts": ts, "start": start}).fetchall()
    assert got == [(pregame,)]


def test_void_reasons_are_the_documented_ones() -> None:
    assert [v.value for v in VoidReason] == ["postponed", "cancelled", "rescheduled",
                                             "not_in_box_score", "no_toi", "missing_stat"]  # fmt: skip


def test_the_definition_is_documented_once_in_model_md() -> None:
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "model.md").read_text(encoding="utf-8")
    section = doc.split("**Settlement: one definition**", 1)[1].split("**Calibration", 1)[0]
    for name in [*VoidReason, *Outcome, *MARKET_STAT.values()]:
        assert f"`{name}`" in section, name
    for source in CountSource:
        assert f"`{source.name}`" in section, source
    assert "`snapshot_ts < start`" in section
