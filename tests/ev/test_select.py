"""Selection policy: thresholds at their edges, audit flags, deterministic ranking."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from propledger.errors import InputError
from propledger.ev.ev import expected_value
from propledger.ev.select import best_bets, market_priority, select
from propledger.settings import EvSettings, Settings


def _table(rows: list[dict[str, object]]) -> pa.Table:
    defaults: dict[str, object] = {"market_type": "SOG", "p_model": 0.5, "odds_decimal": 2.1}
    return pa.Table.from_pylist([defaults | r for r in rows])


def _flags(table: pa.Table) -> list[tuple[bool, bool, bool, int | None]]:
    out = select(table)
    return list(
        zip(
            out["is_candidate"].to_pylist(),
            out["is_best_bet"].to_pylist(),
            out["audit_flag"].to_pylist(),
            out["rank"].to_pylist(),
            strict=True,
        )
    )


def test_min_ev_edge_is_inclusive() -> None:
    # EV computed the way the pipeline does: 0.51 × 2.0 − 1 = 0.02000000000000002 and
    # 0.34 × 3.0 − 1 = 0.020000000000000018; exactly 0.02 must be kept, 0.0199 dropped
    ev = expected_value([0.51, 0.34], [2.0, 3.0]).tolist()
    table = _table([{"ev": ev[0]}, {"ev": ev[1]}, {"ev": 0.02}, {"ev": 0.0199}, {"ev": -0.3}])
    flags = _flags(table)
    assert [f[0] for f in flags] == [True, True, True, False, False]
    assert [f[1] for f in flags] == [True, True, True, False, False]


def test_best_bet_probability_floor() -> None:
    table = _table([{"ev": 0.08, "p_model": 0.05}, {"ev": 0.08, "p_model": 0.0499}])
    assert [f[:2] for f in _flags(table)] == [(True, True), (True, False)]


def test_long_shots_need_ten_percent() -> None:
    table = _table(
        [
            {"ev": 0.09, "odds_decimal": 15.0, "p_model": 0.07},  # not a long shot (> 15 only)
            {"ev": 0.09, "odds_decimal": 15.5, "p_model": 0.07},  # long shot under 10 %
            {"ev": 0.10, "odds_decimal": 15.5, "p_model": 0.071},  # exactly 10 %: kept
            {"ev": 0.30, "odds_decimal": 26.0, "p_model": 0.05},
        ]
    )
    flags = _flags(table)
    assert [f[1] for f in flags] == [True, False, True, True]
    assert [f[0] for f in flags] == [True, True, True, True]  # all still candidates


def test_audit_flag_never_drops_a_row() -> None:
    table = _table([{"ev": 0.25}, {"ev": 0.2500001}, {"ev": 0.9, "market_type": "GOALS"}])
    out = select(table)
    assert out.num_rows == 3
    assert out["audit_flag"].to_pylist() == [False, True, True]
    assert out["is_best_bet"].to_pylist() == [True, True, True]
    assert out["rank"].to_pylist() == [3, 2, 1]


def test_missing_ev_is_never_selected() -> None:
    table = _table([{"ev": None}, {"ev": float("nan")}, {"ev": 0.05}])
    assert _flags(table) == [(False, False, False, None), (False, False, False, None),
                             (True, True, False, 1)]  # fmt: skip


def test_settings_move_candidate_and_audit_thresholds() -> None:
    settings = Settings.from_env({"EV_MIN": "0.05", "EV_AUDIT_THRESHOLD": "0.10"}).ev
    out = select(_table([{"ev": 0.03}, {"ev": 0.06}, {"ev": 0.11}]), settings)
    assert out["is_candidate"].to_pylist() == [False, True, True]
    # a best bet is always a candidate, even when EV_MIN is raised above 2 %
    assert out["is_best_bet"].to_pylist() == [False, True, True]
    assert out["audit_flag"].to_pylist() == [False, False, True]
    assert select(_table([{"ev": 0.011}]), EvSettings(min_ev=0.01))["is_best_bet"].to_pylist() == [
        False
    ]


def test_rank_by_market_priority_then_ev() -> None:
    table = _table(
        [
            {"market_type": "SOG", "ev": 0.40},
            {"market_type": "points", "ev": 0.03},
            {"market_type": "GOALS", "ev": 0.05},
            {"market_type": "ASSISTS", "ev": 0.20},
            {"market_type": "GOALS", "ev": 0.07},
            {"market_type": "BLOCKS", "ev": 0.41},
            {"market_type": "ASSISTS", "ev": 0.01},  # not a candidate: no rank
        ]
    )
    out = select(table)
    assert out["rank"].to_pylist() == [6, 4, 2, 3, 1, 5, None]
    assert best_bets(out)["ev"].to_pylist() == [0.07, 0.05, 0.20, 0.03, 0.41, 0.40]


def test_market_priority_values() -> None:
    got = market_priority(pa.array(["GOALS", "assists", " Points ", "SOG", None, "BLOCKS"]))
    assert got.tolist() == [0, 1, 2, 3, 3, 3]


def test_market_column_alias_and_clear_errors() -> None:
    table = pa.table({"market": ["GOALS"], "ev": [0.05], "p_model": [0.3], "odds_decimal": [3.5]})
    assert select(table)["rank"].to_pylist() == [1]
    with pytest.raises(InputError, match=r"lacks column.*odds_decimal"):
        select(table.drop_columns(["odds_decimal"]))
    with pytest.raises(InputError, match="already has column"):
        select(select(table))


@given(st.randoms(use_true_random=False))
def test_ranking_is_deterministic_under_shuffles(rnd: object) -> None:
    # ties on market and EV are broken by game, player, line, side, book: never by input order
    rows = [
        {"market_type": m, "ev": ev, "game_id": g, "player_id": p, "line": 0.5, "side": "OVER",
         "book_name_raw": b}
        for m in ("GOALS", "SOG")
        for ev in (0.05, 0.12)
        for g in (2, 1)
        for p in (8478402, 8471214)
        for b in ("Pinnacle", "DraftKings")
    ]  # fmt: skip
    shuffled = list(rows)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]

    def ranking(source: list[dict[str, object]]) -> list[tuple[object, ...]]:
        ranked = best_bets(select(_table(source)))
        cols = ["market_type", "ev", "game_id", "player_id", "book_name_raw", "rank"]
        return list(zip(*(ranked[c].to_pylist() for c in cols), strict=True))

    expected = ranking(rows)
    assert ranking(shuffled) == expected
    assert [r[-1] for r in expected] == list(range(1, len(rows) + 1))
    assert expected[0] == ("GOALS", 0.12, 1, 8471214, "DraftKings", 1)


def test_input_order_and_columns_are_kept() -> None:
    table = _table([{"ev": 0.03, "player_id": 2}, {"ev": 0.06, "player_id": 1}])
    out = select(table)
    assert out.column_names == [*table.column_names, "is_candidate", "is_best_bet",
                                "audit_flag", "rank"]  # fmt: skip
    assert out["player_id"].to_pylist() == [2, 1]
    assert out.schema.field("rank").type == pa.int64()


def test_large_table_is_vectorised() -> None:
    rng = np.random.default_rng(3)
    n = 200_000
    table = pa.table(
        {
            "market_type": rng.choice(["GOALS", "ASSISTS", "POINTS", "SOG", "BLOCKS"], n),
            "ev": rng.normal(0.0, 0.08, n),
            "p_model": rng.uniform(0.01, 0.9, n),
            "odds_decimal": rng.uniform(1.2, 30.0, n),
        }
    )
    out = select(table)
    best = out.filter(out["is_best_bet"])
    assert best.num_rows > 0
    assert sorted(best["rank"].to_pylist()) == list(range(1, best.num_rows + 1))
