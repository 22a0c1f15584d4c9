"""Settlement of snapshots and EV candidates: results, voids, returns, CLV, idempotency."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest

from evworld import (
    AS_OF,
    GAME,
    MATTHEWS,
    SLATE,
    SNAP_TS,
    START,
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
from propledger.ev.settle import pregame_settlements, settled_accuracy_rows
from propledger.evidence.warehouse import Warehouse
from propledger.jobs.ev import run_ev_step, run_settlement
from propledger.jobs.snapshot import run_evaluate
from propledger.settings import Settings

MIN = dt.timedelta(minutes=1)
AFTER = START + dt.timedelta(hours=4)
MARNER, NYLANDER, TAVARES, KNIES = 8478483, 8477939, 8475166, 8482720
OTHER = 2025020701  # a second game on the slate


def _ctx(wh: Warehouse, settings: Settings, at: dt.datetime) -> Context:
    return Context(settings, FrozenClock(at), "run-settle", _warehouse=wh)


def _settle(wh: Warehouse, settings: Settings, at: dt.datetime = AFTER) -> Any:
    return run_settlement(_ctx(wh, settings, at), SLATE)


def _snap_results(wh: Warehouse) -> dict[tuple[int, str, float], tuple[Any, ...]]:
    rows = wh.rows(
        "SELECT player_id, market, line, actual, result, void_reason, outcome_over "
        "FROM fact_settlement"
    )
    return {(r[0], r[1], r[2]): r[3:] for r in rows}


def test_snapshot_results_and_every_void(wh: Warehouse, settings: Settings) -> None:
    add_games(wh, game_row(game_state="OFF"), game_row(OTHER, home="NYR", away="NJD"))
    add_snapshot(
        wh,
        snapshot_row(0.4),  # GOALS 0.5
        snapshot_row(0.4, 0.35, 0.25, market="SOG", line=3.0),
        snapshot_row(0.4, market="SOG", line=2.5),
        snapshot_row(0.4, market="ASSISTS", line=0.5),
        snapshot_row(0.4, player_id=MARNER),  # scratched: not in the box score
        snapshot_row(0.4, player_id=NYLANDER),  # dressed, no TOI
        snapshot_row(0.4, player_id=TAVARES, market="BLOCKS", line=0.5),  # stat missing
        snapshot_row(0.4, player_id=KNIES, game_id=OTHER),  # game not final: pending
    )
    add_outcomes(
        wh,
        outcome_row(MATTHEWS, goals=1, assists=0, sog=3),
        outcome_row(NYLANDER, toi_seconds=0),
        outcome_row(TAVARES, blocks=None),
    )
    result = _settle(wh, settings)
    assert _snap_results(wh) == {
        (MATTHEWS, "GOALS", 0.5): (1, "OVER", None, 1),
        (MATTHEWS, "SOG", 3.0): (3, "PUSH", None, None),
        (MATTHEWS, "SOG", 2.5): (3, "OVER", None, 1),
        (MATTHEWS, "ASSISTS", 0.5): (0, "UNDER", None, 0),
        (MARNER, "GOALS", 0.5): (None, "VOID", "not_in_box_score", None),
        (NYLANDER, "GOALS", 0.5): (None, "VOID", "no_toi", None),
        (TAVARES, "BLOCKS", 0.5): (None, "VOID", "missing_stat", None),
    }
    assert result.snapshots_settled == 7 and result.snapshots_pending == 1
    assert dict(result.snapshot_results) == {"OVER": 2, "UNDER": 1, "PUSH": 1, "VOID": 3}

    # the pending game finishes later: only its row is added; the rest is settled once
    add_games(wh, game_row(OTHER, home="NYR", away="NJD", game_state="FINAL"))
    add_outcomes(wh, outcome_row(KNIES, game_id=OTHER, goals=2))
    again = _settle(wh, settings)
    assert again.snapshots_settled == 1 and again.snapshots_pending == 0
    assert _snap_results(wh)[(KNIES, "GOALS", 0.5)] == (2, "OVER", None, 1)
    assert _settle(wh, settings).rows_written == 0


def test_postponed_cancelled_and_rescheduled_games_void_without_a_box_score(
    wh: Warehouse, settings: Settings
) -> None:
    g_ppd, g_cncl, g_moved = 2025020801, 2025020802, 2025020803
    add_games(
        wh,
        game_row(g_ppd, schedule_state="PPD"),
        game_row(g_cncl, schedule_state="CNCL"),
        # moved to the next day: the slate's prices no longer describe it
        game_row(g_moved, slate=SLATE + dt.timedelta(days=1)),
    )
    add_snapshot(wh, *(snapshot_row(0.4, game_id=g) for g in (g_ppd, g_cncl, g_moved)))
    _settle(wh, settings)
    reasons = dict(wh.rows("SELECT game_id, void_reason FROM fact_settlement"))
    assert reasons == {g_ppd: "postponed", g_cncl: "cancelled", g_moved: "rescheduled"}


def test_settled_once_even_when_the_box_score_is_corrected(
    wh: Warehouse, settings: Settings
) -> None:
    add_games(wh, game_row(game_state="OFF"))
    add_snapshot(wh, snapshot_row(0.4))
    add_outcomes(wh, outcome_row(MATTHEWS, goals=0))
    assert _settle(wh, settings).snapshots_settled == 1
    add_outcomes(wh, outcome_row(MATTHEWS, goals=1))  # a later correction (new version)
    assert _settle(wh, settings).rows_written == 0
    assert _snap_results(wh)[(MATTHEWS, "GOALS", 0.5)] == (0, "UNDER", None, 0)


def test_settled_rows_for_accuracy_skip_push_void_and_post_start_snapshots(
    wh: Warehouse, settings: Settings
) -> None:
    add_games(wh, game_row(game_state="OFF"))
    add_snapshot(
        wh,
        snapshot_row(0.30, snapshot_ts=SNAP_TS - 60 * MIN),
        snapshot_row(0.40),  # the latest pre-game snapshot: the one scored
        snapshot_row(0.90, snapshot_ts=START + MIN),  # taken after the puck drop
        snapshot_row(0.80, snapshot_ts=START),  # at the puck drop: not pre-game either
        snapshot_row(0.4, 0.35, 0.25, market="SOG", line=3.0),  # push
        snapshot_row(0.4, player_id=MARNER),  # void
    )
    add_outcomes(wh, outcome_row(MATTHEWS, goals=1, sog=3))
    _settle(wh, settings)
    rows = settled_accuracy_rows(wh, SLATE, SLATE).to_pylist()
    assert rows == [
        {
            "slate_date": SLATE,
            "snapshot_ts": SNAP_TS,
            "game_id": GAME,
            "player_id": MATTHEWS,
            "market": "GOALS",
            "line": 0.5,
            "prob_source": "Raw",
            "p_over": 0.40,
            "outcome_over": 1,
        }
    ]
    assert (
        settled_accuracy_rows(
            wh, SLATE + dt.timedelta(days=1), SLATE + dt.timedelta(days=9)
        ).num_rows
        == 0
    )


# ---- EV candidates -----------------------------------------------------------------------------
def _candidate_world(wh: Warehouse, settings: Settings) -> None:
    add_games(wh)
    add_snapshot(
        wh,
        snapshot_row(0.45),
        snapshot_row(0.4, 0.35, 0.25, market="SOG", line=3.0),
        snapshot_row(0.4, player_id=MARNER),
    )
    add_odds(
        wh,
        odds_row("OVER", 2.3, book_name_raw="FanDuel"),
        odds_row("UNDER", 1.6, book_name_raw="FanDuel"),
        odds_row("OVER", 2.2, market_type="SOG", line=3.0),
        odds_row("OVER", 2.4, player_id=MARNER, player_key="id:marner"),
    )
    run_ev_step(_ctx(wh, settings, AS_OF), SLATE)
    close = START - 10 * MIN
    add_odds(
        wh,
        # FanDuel's last pre-game capture moved to 2.0; later captures do not count
        odds_row("OVER", 2.0, book_name_raw="FanDuel", capture_ts_utc=close),
        odds_row("OVER", 1.5, book_name_raw="FanDuel", capture_ts_utc=START),
        odds_row("OVER", 1.4, book_name_raw="FanDuel", capture_ts_utc=close + MIN, is_live=True),
        # sharp books' closing pairs → the de-vigged closing consensus
        odds_row("OVER", 2.0, book_name_raw="Pinnacle", capture_ts_utc=close),
        odds_row("UNDER", 1.8, book_name_raw="Pinnacle", capture_ts_utc=close),
        odds_row("OVER", 2.1, book_name_raw="Novig", capture_ts_utc=close - MIN),
        odds_row("UNDER", 1.75, book_name_raw="Novig", capture_ts_utc=close - MIN),
        # an older Novig pair is not the close
        odds_row("OVER", 3.0, book_name_raw="Novig", capture_ts_utc=close - 60 * MIN),
        odds_row("UNDER", 1.3, book_name_raw="Novig", capture_ts_utc=close - 60 * MIN),
    )


def _ev_results(wh: Warehouse) -> dict[tuple[str, int, str, str], dict[str, Any]]:
    rows = wh.arrow("SELECT * FROM fact_ev_settlement").to_pylist()
    return {(r["market"], r["player_id"], r["side"], r["book_name_raw"]): r for r in rows}


def test_candidates_win_lose_push_void_returns_and_clv(wh: Warehouse, settings: Settings) -> None:
    _candidate_world(wh, settings)
    add_games(wh, game_row(game_state="FINAL"))
    add_outcomes(wh, outcome_row(MATTHEWS, goals=1, sog=3))  # Marner absent: void
    result = _settle(wh, settings)
    assert result.candidates_settled == 4 and result.candidates_pending == 0
    assert dict(result.candidate_results) == {"WIN": 1, "LOSE": 1, "PUSH": 1, "VOID": 1}
    got = _ev_results(wh)

    over = got[("GOALS", MATTHEWS, "OVER", "FanDuel")]
    assert (over["actual"], over["result"]) == (1, "WIN")
    assert over["return_units"] == pytest.approx(1.3, abs=1e-12)
    assert over["close_decimal"] == 2.0 and over["close_capture_ts"] == START - 10 * MIN
    assert over["clv_price"] == pytest.approx(2.3 / 2.0 - 1, abs=1e-12)
    pin = (1 / 2.0) / (1 / 2.0 + 1 / 1.8)
    nov = (1 / 2.1) / (1 / 2.1 + 1 / 1.75)
    assert over["n_close_sharp_books"] == 2
    assert over["p_close_consensus"] == pytest.approx((pin + nov) / 2, abs=1e-12)
    assert over["clv_consensus"] == pytest.approx(2.3 * (pin + nov) / 2 - 1, abs=1e-12)

    under = got[("GOALS", MATTHEWS, "UNDER", "FanDuel")]
    assert (under["result"], under["return_units"]) == ("LOSE", -1.0)
    assert under["close_decimal"] == 1.6 and under["clv_price"] == pytest.approx(0.0, abs=1e-12)
    assert under["p_close_consensus"] == pytest.approx(1 - (pin + nov) / 2, abs=1e-12)

    push = got[("SOG", MATTHEWS, "OVER", "FanDuel")]
    assert (push["actual"], push["result"], push["return_units"]) == (3, "PUSH", 0.0)
    assert push["p_close_consensus"] is None and push["n_close_sharp_books"] == 0

    void = got[("GOALS", MARNER, "OVER", "FanDuel")]
    assert (void["result"], void["void_reason"], void["return_units"]) == (
        "VOID",
        "not_in_box_score",
        0.0,
    )


def test_candidates_wait_for_a_final_box_score_and_settle_once(
    wh: Warehouse, settings: Settings
) -> None:
    _candidate_world(wh, settings)
    first = _settle(wh, settings, START + dt.timedelta(hours=1))
    assert first.candidates_settled == 0 and first.candidates_pending == 4
    add_games(wh, game_row(game_state="OFF"))
    add_outcomes(wh, outcome_row(MATTHEWS, goals=0, sog=5), outcome_row(MARNER, toi_seconds=None))
    second = _settle(wh, settings)
    assert second.candidates_settled == 4
    results = {k: v["result"] for k, v in _ev_results(wh).items()}
    assert results == {
        ("GOALS", MATTHEWS, "OVER", "FanDuel"): "LOSE",
        ("GOALS", MATTHEWS, "UNDER", "FanDuel"): "WIN",
        ("SOG", MATTHEWS, "OVER", "FanDuel"): "WIN",
        ("GOALS", MARNER, "OVER", "FanDuel"): "VOID",
    }
    assert _ev_results(wh)[("GOALS", MATTHEWS, "UNDER", "FanDuel")]["return_units"] == (
        pytest.approx(0.6, abs=1e-12)
    )
    # idempotent: nothing new on a re-run
    assert _settle(wh, settings).rows_written == 0
    assert wh.count("fact_ev_settlement") == 4


# ---- reading the record ---------------------------------------------------------------------------
def test_pregame_settlements_is_the_latest_pregame_row_settled_or_not(
    wh: Warehouse, settings: Settings
) -> None:
    add_games(wh, game_row(game_state="OFF"))
    add_snapshot(wh, snapshot_row(0.40))
    add_outcomes(wh, outcome_row(MATTHEWS, goals=0))
    _settle(wh, settings)
    # a later pre-game snapshot recorded after that settlement: it is the row that counts, and
    # it is unsettled (NULL) until the next settlement — never the older snapshot's result
    later = SNAP_TS + 60 * MIN
    add_snapshot(wh, snapshot_row(0.45, snapshot_ts=later))
    (row,) = pregame_settlements(wh, SLATE, SLATE).to_pylist()
    assert (row["snapshot_ts"], row["p_over"], row["result"]) == (later, 0.45, None)
    assert settled_accuracy_rows(wh, SLATE, SLATE).num_rows == 0
    _settle(wh, settings)
    (row,) = pregame_settlements(wh, SLATE, SLATE).to_pylist()
    assert (row["result"], row["void_reason"], row["outcome_over"]) == ("UNDER", None, 0)


def test_model_evaluate_scores_the_recorded_settlement_and_counts_the_unsettled(
    wh: Warehouse, settings: Settings
) -> None:
    add_games(wh, game_row(game_state="OFF"))
    add_snapshot(
        wh,
        snapshot_row(0.40),
        snapshot_row(0.30, player_id=MARNER),  # scratched: void, not scored
        snapshot_row(0.4, 0.35, 0.25, market="SOG", line=3.0),  # push, not scored
    )
    add_outcomes(wh, outcome_row(MATTHEWS, goals=1, sog=3))
    before = run_evaluate(_ctx(wh, settings, AFTER), SLATE, SLATE)
    assert (before.rows, before.unsettled) == (0, 3)
    assert "3 latest pre-game snapshot rows have no recorded settlement" in before.summary()
    assert f"propledger settle --date {SLATE}" in before.summary()
    assert wh.count("fact_settlement") == 0  # evaluating never settles

    _settle(wh, settings)
    after = run_evaluate(_ctx(wh, settings, AFTER), SLATE, SLATE)
    assert (after.rows, after.unsettled) == (1, 0)
    (m,) = after.metrics.to_pylist()
    assert (m["market"], m["line"], m["n"]) == ("GOALS", 0.5, 1)
    assert m["log_loss"] == pytest.approx(-math.log(0.40))
    assert "note:" not in after.summary()
