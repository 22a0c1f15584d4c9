"""The four daily facts on a small hand-built warehouse: every number checked by hand.

World (evworld defaults): slate 2026-01-14, TOR@BOS starts 2026-01-15T00:00Z (a second game
MTL@NYR at 00:30Z has no odds), snapshot 16:00Z, captures 16:30Z, the run clock 17:00Z.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import pyarrow as pa
import pytest

from evworld import (
    AS_OF,
    CAPTURE,
    GAME,
    MATTHEWS,
    SLATE,
    SNAP_TS,
    START,
    add,
    add_games,
    add_odds,
    add_outcomes,
    add_snapshot,
    game_row,
    odds_row,
    outcome_row,
    snapshot_row,
)
from propledger.clock import FrozenClock
from propledger.context import Context
from propledger.evidence.facts import ALL_BOOKS, Fact, latest_rows
from propledger.evidence.facts_accuracy import accuracy_fact_rows, slates_to_score
from propledger.evidence.facts_coverage import coverage_rows
from propledger.evidence.facts_ev import ev_summary_rows
from propledger.evidence.facts_mapping import mapping_rows
from propledger.evidence.warehouse import Warehouse
from propledger.jobs.diagnostics import record_facts
from propledger.jobs.ev import run_ev_step, run_settlement
from propledger.settings import Settings

H = dt.timedelta(hours=1)
OTHER = 2025020701
MYSTERY = {
    "player_id": None,
    "player_key": "name:Mystery Man",
    "player_id_vendor": None,
    "player_name_raw": "Mystery Man",
    "map_status": "unmapped",
    "map_method": None,
    "map_reason": "no_player",
}


def _odds(side: str, decimal: float, **kw: Any) -> dict[str, Any]:
    kw.setdefault("map_reason", None)  # every row carries the column (Arrow infers from row 1)
    return odds_row(side, decimal, **kw)


def _world(wh: Warehouse) -> None:
    add_games(wh, game_row(), game_row(OTHER, home="NYR", away="MTL", start=START + H / 2))
    add_odds(
        wh,
        _odds("OVER", 2.0),  # FanDuel pair at 16:30
        _odds("UNDER", 1.8),
        _odds("OVER", 2.1, capture_ts_utc=CAPTURE - H),  # superseded by the 16:30 capture
        _odds("OVER", 2.5, book_name_raw="DraftKings", book_id_vendor="2"),  # EV 0.5: flagged
        _odds("OVER", 2.2, book_name_raw="Caesars", book_id_vendor="3", capture_ts_utc=SNAP_TS - 2 * H),  # stale
        _odds("OVER", 3.0, **MYSTERY),  # FanDuel, unmapped player
        _odds("OVER", 1.9, market_type="SOG", line=2.5),  # no snapshot row for SOG
        _odds("OVER", 2.0, vendor="ODDSSHARK", platform="html", event_id_vendor="ODDSSHARK_20260114_TOR_BOS",
              player_key="name:Auston Matthews", player_id_vendor=None, book_name_raw="BetMGM",
              game_id=None, player_id=None, map_status="unmapped", map_method=None, map_reason="no_game"),
    )  # fmt: skip
    add_snapshot(wh, snapshot_row(0.6))


def _ctx(wh: Warehouse, settings: Settings, at: dt.datetime = AS_OF, run: str = "run-1") -> Context:
    return Context(settings, FrozenClock(at), run, _warehouse=wh)


def _by(table: pa.Table, *keys: str) -> dict[Any, dict[str, Any]]:
    return {
        tuple(r[k] for k in keys) if len(keys) > 1 else r[keys[0]]: r for r in table.to_pylist()
    }


# ---- coverage -------------------------------------------------------------------------------
def test_coverage_counts_by_vendor_book_market(wh: Warehouse) -> None:
    _world(wh)
    rows = _by(coverage_rows(wh, SLATE, AS_OF), "vendor", "book_name_raw", "market")
    assert set(rows) == {
        ("UNABATED", "FanDuel", "GOALS"), ("UNABATED", "FanDuel", "SOG"),
        ("UNABATED", "DraftKings", "GOALS"), ("UNABATED", "Caesars", "GOALS"),
        ("ODDSSHARK", "BetMGM", "GOALS"),
    }  # fmt: skip
    fd = rows[("UNABATED", "FanDuel", "GOALS")]
    assert fd["games_scheduled"] == 2 and fd["games_with_odds"] == 1 and fd["events_with_odds"] == 1
    assert (fd["players_with_odds"], fd["players_mapped"]) == (2, 1)  # Matthews + Mystery Man
    assert (fd["quotes"], fd["captures"], fd["offers"], fd["two_sided_pairs"]) == (4, 2, 3, 1)
    assert fd["first_capture_utc"] == CAPTURE - H and fd["latest_capture_utc"] == CAPTURE
    # before the puck drop: freshness = run clock − latest capture
    assert fd["first_puck_utc"] == START and fd["freshness_ref_utc"] == AS_OF
    assert fd["freshness_minutes"] == pytest.approx(30.0)
    assert rows[("UNABATED", "Caesars", "GOALS")]["freshness_minutes"] == pytest.approx(180.0)
    # OddsShark's unmapped event: no game, so the slate's first start is the reference
    shark = rows[("ODDSSHARK", "BetMGM", "GOALS")]
    assert (shark["games_with_odds"], shark["players_mapped"], shark["two_sided_pairs"]) == (
        0,
        0,
        0,
    )
    assert shark["first_puck_utc"] == START


def test_coverage_freshness_stops_at_the_puck_drop_and_ignores_later_captures(
    wh: Warehouse,
) -> None:
    _world(wh)
    later = AS_OF + 12 * H  # after the start
    add_odds(wh, _odds("OVER", 1.5, capture_ts_utc=START + H, is_live=True))
    fd = _by(coverage_rows(wh, SLATE, later), "vendor", "book_name_raw", "market")[
        ("UNABATED", "FanDuel", "GOALS")
    ]
    assert fd["freshness_ref_utc"] == START
    assert fd["freshness_minutes"] == pytest.approx(450.0)  # 16:30Z → 00:00Z
    assert (fd["quotes"], fd["live_quotes"], fd["latest_capture_utc"]) == (5, 1, START + H)
    # as of the original clock the live capture does not exist yet
    assert (
        _by(coverage_rows(wh, SLATE, AS_OF), "vendor", "book_name_raw", "market")[
            ("UNABATED", "FanDuel", "GOALS")
        ]["quotes"]
        == 4
    )


# ---- mapping --------------------------------------------------------------------------------
def test_mapping_quality_per_vendor_with_reasons_and_zero_rows(wh: Warehouse) -> None:
    _world(wh)
    rows = _by(
        mapping_rows(wh, SLATE, AS_OF, vendors=("playnow", "unabated", "oddsshark")), "vendor"
    )
    assert list(rows) == ["ODDSSHARK", "PLAYNOW", "UNABATED"]
    un = rows["UNABATED"]
    assert (un["rows"], un["rows_mapped"], un["n_no_player"], un["n_no_game"]) == (7, 6, 1, 0)
    assert un["pct_mapped"] == pytest.approx(6 / 7) and un["pct_events_mapped"] == 1.0
    assert (un["events"], un["players"], un["players_mapped"]) == (1, 2, 1)
    assert json.loads(un["top_unmapped"]) == [
        {"name": "Mystery Man", "reason": "no_player", "rows": 1}
    ]
    assert json.loads(un["by_reason"]) == {"no_player": 1}
    shark = rows["ODDSSHARK"]
    assert (shark["rows"], shark["n_no_game"], shark["pct_mapped"]) == (1, 1, 0.0)
    assert json.loads(shark["top_unmapped"])[0] == {
        "name": "TOR @ BOS",
        "reason": "no_game",
        "rows": 1,
    }
    # a vendor with nothing for the slate: a row of zeros, rates unknown (not 100 %)
    pn = rows["PLAYNOW"]
    assert (pn["rows"], pn["pct_mapped"], pn["top_unmapped"]) == (0, None, "[]")


# ---- EV summary -----------------------------------------------------------------------------
def test_ev_summary_funnel_and_statistics(wh: Warehouse) -> None:
    _world(wh)
    table = ev_summary_rows(wh, SLATE, AS_OF)
    assert table is not None
    rows = _by(table, "market", "vendor", "book_name_raw")
    total = rows[("GOALS", ALL_BOOKS, ALL_BOOKS)]
    # quotes: FD over, FD under, FD mystery, DK, Caesars, OddsShark (the 15:30 FD is superseded)
    assert (total["quotes"], total["candidates"], total["joined"], total["fresh"]) == (6, 6, 4, 3)
    # priced: FD over 0.6·2.0−1 = +0.2, FD under 0.4·1.8−1 = −0.28, DK over 0.6·2.5−1 = +0.5
    assert (
        total["ev_pos"],
        total["ev_ge_2pct"],
        total["selected"],
        total["best_bets"],
        total["flagged"],
    ) == (2, 2, 2, 2, 1)
    assert total["mean_ev"] == pytest.approx((0.2 - 0.28 + 0.5) / 3)
    assert (total["median_ev"], total["max_ev"]) == (pytest.approx(0.2), pytest.approx(0.5))
    # FanDuel's pair de-vigs to 0.4737/0.5263: the selected over's edge is 0.6 − 0.4737
    # (DraftKings has no pair, the under is not selected)
    assert total["obs_mean_edge"] == pytest.approx(0.6 - (1 / 2.0) / (1 / 2.0 + 1 / 1.8))
    fd = rows[("GOALS", "UNABATED", "FanDuel")]
    assert (fd["quotes"], fd["joined"], fd["fresh"], fd["mean_ev"]) == (
        3,
        2,
        2,
        pytest.approx(-0.04),
    )
    assert rows[("GOALS", "UNABATED", "Caesars")]["fresh"] == 0  # stale: joined, not fresh
    sog = rows[("SOG", ALL_BOOKS, ALL_BOOKS)]
    assert (sog["quotes"], sog["joined"], sog["mean_ev"]) == (1, 0, None)
    assert (total["obs_settled_bets"], total["obs_roi"]) == (0, None)


def test_ev_summary_is_absent_without_a_snapshot(wh: Warehouse) -> None:
    add_games(wh)
    add_odds(wh, _odds("OVER", 2.0))
    assert ev_summary_rows(wh, SLATE, AS_OF) is None


def test_settled_slate_is_refreshed_with_observational_roi(
    wh: Warehouse, settings: Settings
) -> None:
    _world(wh)
    run_ev_step(_ctx(wh, settings), SLATE)
    record_facts(_ctx(wh, settings), SLATE)
    # next day: the game is over, Matthews scored once; settle, then the next slate's diagnostics
    add_outcomes(wh, outcome_row(MATTHEWS, goals=1))
    next_day = AS_OF + 24 * H
    run_settlement(_ctx(wh, settings, next_day, "run-2"), SLATE)
    result = record_facts(_ctx(wh, settings, next_day, "run-2"), SLATE + dt.timedelta(days=1))
    assert result.ev_refreshed == (SLATE,)
    rows = _by(latest_rows(wh, Fact.EV_SUMMARY, SLATE, SLATE), "market", "vendor", "book_name_raw")
    total = rows[("GOALS", ALL_BOOKS, ALL_BOOKS)]
    assert total["version"] == 2
    # same funnel as of the stored as_of; bets = FD over (+1.0) and DK over (+1.5)
    assert (total["fresh"], total["as_of_utc"]) == (3, AS_OF)
    assert (total["obs_settlement_rows"], total["obs_settled_bets"]) == (3, 2)
    assert total["obs_roi"] == pytest.approx(1.25)
    assert total["obs_clv_price"] == pytest.approx(0.0)  # taken at the closing capture


# ---- accuracy -------------------------------------------------------------------------------
def _settled_world(wh: Warehouse) -> list[tuple[float, int]]:
    """Four GOALS 0.5 rows (p, outcome) settled through fact_settlement, plus a push and a void."""
    add_games(wh, game_row(game_state="OFF"))
    cases = [(0.6, 1), (0.3, 0), (0.2, 1), (0.5, 0)]
    ids = [MATTHEWS, 2, 3, 4]
    add_snapshot(wh, *[snapshot_row(p, player_id=i) for (p, _), i in zip(cases, ids, strict=True)],
                 snapshot_row(0.4, 0.35, 0.25, market="SOG", line=3.0), snapshot_row(0.5, player_id=5))  # fmt: skip
    settle = [
        {"player_id": i, "market": "GOALS", "line": 0.5, "actual": y, "result": "OVER" if y else "UNDER", "outcome_over": y}
        for (_, y), i in zip(cases, ids, strict=True)
    ] + [
        {"player_id": MATTHEWS, "market": "SOG", "line": 3.0, "actual": 3, "result": "PUSH", "outcome_over": None},
        {"player_id": 5, "market": "GOALS", "line": 0.5, "actual": None, "result": "VOID", "outcome_over": None},
    ]  # fmt: skip
    base = {
        "slate_date": SLATE,
        "snapshot_ts": SNAP_TS,
        "game_id": GAME,
        "settled_ts": AS_OF + 12 * H,
    }
    add(wh, "fact_settlement", [base | s for s in settle])
    return cases


def test_accuracy_fact_on_really_settled_rows(wh: Warehouse) -> None:
    cases = _settled_world(wh)
    rows = accuracy_fact_rows(wh, SLATE).to_pylist()
    assert len(rows) == 1  # the push and the void do not count
    r = rows[0]
    assert (r["market"], r["line"], r["prob_source"], r["is_primary_line"]) == (
        "GOALS",
        0.5,
        "Raw",
        True,
    )
    assert (r["n"], r["settlement_rows"], r["base_rate"]) == (4, 6, 0.5)
    expected = -sum(math.log(p if y else 1 - p) for p, y in cases) / 4
    assert r["log_loss"] == pytest.approx(expected)  # (−ln .6 − ln .7 − ln .2 − ln .5)/4
    assert r["baseline_log_loss"] == pytest.approx(math.log(2))
    assert r["brier"] == pytest.approx(((0.4) ** 2 + 0.3**2 + 0.8**2 + 0.5**2) / 4)
    bins = json.loads(r["reliability"])
    assert bins["n"] == [0, 0, 1, 1, 0, 1, 1, 0, 0, 0]
    assert bins["sum_y"][2] == 1 and bins["sum_p"][6] == pytest.approx(0.6)
    assert r["roc_auc"] == pytest.approx(0.5)  # over p 0.6, 0.2 vs under 0.3, 0.5: 2 of 4 pairs


def test_accuracy_is_scored_once_per_new_settlement(wh: Warehouse, settings: Settings) -> None:
    _settled_world(wh)
    assert slates_to_score(wh, SLATE) == [SLATE]
    later = AS_OF + 13 * H
    record_facts(_ctx(wh, settings, later), SLATE + dt.timedelta(days=1))
    assert slates_to_score(wh, SLATE) == []
    assert wh.count("fact_forecast_accuracy_daily") == 1


def test_several_settlements_of_one_priced_row_count_the_first_recorded(wh: Warehouse) -> None:
    # two stored versions of the FanDuel over (other row_hash, same natural key) settled by two
    # runs with different closes: the first settlement counts, whatever the scan order
    _world(wh)
    key = {"slate_date": SLATE, "snapshot_ts": SNAP_TS, "game_id": GAME, "player_id": MATTHEWS,
           "market": "GOALS", "line": 0.5, "side": "OVER", "vendor": "UNABATED",
           "book_name_raw": "FanDuel", "capture_ts_utc": CAPTURE, "odds_decimal": 2.0,
           "actual": 1, "result": "WIN", "return_units": 1.0}  # fmt: skip
    later, first = (
        key | {"candidate_hash": "a-later", "clv_price": 0.25, "settled_ts": AS_OF + 30 * H},
        key | {"candidate_hash": "z-first", "clv_price": 0.05, "settled_ts": AS_OF + 12 * H},
    )
    add(wh, "fact_ev_settlement", [later, first])
    table = ev_summary_rows(wh, SLATE, AS_OF)
    assert table is not None
    fd = _by(table, "market", "vendor", "book_name_raw")[("GOALS", "UNABATED", "FanDuel")]
    assert (fd["obs_settlement_rows"], fd["obs_settled_bets"]) == (1, 1)
    assert fd["obs_clv_price"] == pytest.approx(0.05)
