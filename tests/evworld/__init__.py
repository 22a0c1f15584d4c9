"""A tiny hand-built world for the EV join, report and settlement tests.

Rows go into the real tables through ``wh.append`` (the same path production uses). Defaults:
slate 2026-01-14, game 1 TOR@BOS starting 2026-01-15T00:00Z (19:00 ET), a snapshot at
16:00Z, odds captured at 16:30Z, the run clock at 17:00Z.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from propledger.clock import UTC
from propledger.evidence.warehouse import Warehouse
from propledger.odds.formats import decimal_to_american

SLATE = dt.date(2026, 1, 14)
START = dt.datetime(2026, 1, 15, 0, 0, tzinfo=UTC)
SNAP_TS = dt.datetime(2026, 1, 14, 16, 0, tzinfo=UTC)
CAPTURE = dt.datetime(2026, 1, 14, 16, 30, tzinfo=UTC)
AS_OF = dt.datetime(2026, 1, 14, 17, 0, tzinfo=UTC)
GAME = 2025020700
MATTHEWS = 8479318
RUN = "test-run"


def game_row(
    game_id: int = GAME,
    *,
    slate: dt.date = SLATE,
    start: dt.datetime | None = START,
    home: str = "BOS",
    away: str = "TOR",
    game_state: str = "FUT",
    schedule_state: str = "OK",
) -> dict[str, Any]:
    return {
        "game_id": game_id,
        "season": 20252026,
        "game_type": 2,
        "slate_date": slate,
        "start_time_utc": start,
        "home_team": home,
        "away_team": away,
        "game_state": game_state,
        "schedule_state": schedule_state,
    }


def odds_row(side: str = "OVER", decimal: float = 2.0, **kw: Any) -> dict[str, Any]:
    """One fact_prop_odds quote; ``player_id``/``game_id`` default to the mapped Matthews row."""
    player_id = kw.pop("player_id", MATTHEWS)
    row: dict[str, Any] = {
        "vendor": "UNABATED",
        "platform": "cdn_v2",
        "capture_ts_utc": CAPTURE,
        "slate_date": SLATE,
        "event_id_vendor": "E1",
        "event_name_raw": "Toronto Maple Leafs @ Boston Bruins",
        "event_start_time_utc": START,
        "home_team": "BOS",
        "away_team": "TOR",
        "player_key": f"id:{player_id}",
        "player_id_vendor": str(player_id),
        "player_name_raw": "Auston Matthews",
        "player_team": "TOR",
        "market_type": "GOALS",
        "line": 0.5,
        "side": side,
        "book_id_vendor": "1",
        "book_name_raw": "FanDuel",
        "book_type": "SPORTSBOOK",
        "odds_quoted_raw": repr(decimal),
        "odds_quoted_format": "decimal",
        "odds_decimal": decimal,
        "odds_american": decimal_to_american(repr(decimal)),
        "is_live": False,
        "is_ladder": False,
        "is_alternate": False,
        "game_id": GAME,
        "player_id": player_id,
        "map_status": "mapped",
        "map_method": "vendor_id",
        "map_score": 1.0,
    }
    row.update(kw)
    if row["player_id"] is None and "map_status" not in kw:
        row["map_status"] = "unmapped"
    return row


def snapshot_row(
    p_over: float,
    p_under: float | None = None,
    p_push: float = 0.0,
    **kw: Any,
) -> dict[str, Any]:
    """One fact_probability_snapshot row (Raw policy unless overridden)."""
    under = 1.0 - p_over - p_push if p_under is None else p_under
    row: dict[str, Any] = {
        "slate_date": SLATE,
        "snapshot_ts": SNAP_TS,
        "game_id": GAME,
        "player_id": MATTHEWS,
        "market": "GOALS",
        "line": 0.5,
        "player_name": "Auston Matthews",
        "team": "TOR",
        "opponent": "BOS",
        "line_source": "standard",
        "mu": 0.51,
        "mu_base": 0.5,
        "mult_opp_sog": 1.0,
        "mult_opp_g": 1.02,
        "mult_goalie": 1.0,
        "mult_itt": 1.0,
        "mult_b2b": 1.0,
        "branch": "xg",
        "distribution": "poisson",
        "alpha": None,
        "p_over_raw": p_over,
        "p_under_raw": under,
        "p_push_raw": p_push,
        "p_over_cal": None,
        "p_over": p_over,
        "p_under": under,
        "p_push": p_push,
        "prob_source": "Raw",
        "model_version": "phase10-1",
        "calibrator_version": None,
    }
    row.update(kw)
    return row


def outcome_row(player_id: int, game_id: int = GAME, **kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "game_id": game_id,
        "player_id": player_id,
        "team": "TOR",
        "position": "C",
        "is_goalie": False,
        "game_state": "OFF",
        "goals": 0,
        "assists": 0,
        "points": 0,
        "sog": 0,
        "blocks": 0,
        "toi_seconds": 1200,
    }
    row.update(kw)
    return row


def add(wh: Warehouse, table: str, rows: list[dict[str, Any]]) -> int:
    return wh.append(table, rows, run_id=RUN)


def add_games(wh: Warehouse, *rows: dict[str, Any]) -> int:
    return add(wh, "dim_game", list(rows or [game_row()]))


def add_odds(wh: Warehouse, *rows: dict[str, Any]) -> int:
    return add(wh, "fact_prop_odds", list(rows))


def add_snapshot(wh: Warehouse, *rows: dict[str, Any]) -> int:
    return add(wh, "fact_probability_snapshot", list(rows))


def add_outcomes(wh: Warehouse, *rows: dict[str, Any]) -> int:
    return add(wh, "fact_outcome", list(rows))
