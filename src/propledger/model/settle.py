"""Settling probability rows against what happened (accuracy only; EV settlement is elsewhere).

A row (game_id, player_id, market, line) settles on the player's count in that game:

* from the NHL box score (``v_outcome``, games FINAL/OFF) when the player has TOI > 0 there;
* else from the player's own MoneyPuck ``all`` row (``v_player_game_situation``) with TOI > 0;
* else VOID when the game is over (final in the schedule, or any box score / MoneyPuck row
  exists for it) — a scratched or injured player, the bet is void — and PENDING otherwise.

``outcome``: OVER (count > line), UNDER (count < line), PUSH (count = line, integer lines),
VOID, PENDING. ``outcome_over`` is 1/0 for OVER/UNDER and NULL otherwise, so accuracy rows are
``outcome IN ('OVER', 'UNDER')``. Counts: GOALS goals, ASSISTS primary + secondary assists,
POINTS goals + assists, SOG shots on goal, BLOCKS shots blocked by the player.
"""

from __future__ import annotations

import datetime as dt
import enum
import itertools

import pyarrow as pa

from propledger.evidence.warehouse import Warehouse


class Outcome(enum.StrEnum):
    OVER = "OVER"
    UNDER = "UNDER"
    PUSH = "PUSH"
    VOID = "VOID"
    PENDING = "PENDING"


class SettleSource(enum.StrEnum):
    BOXSCORE = "boxscore"
    MONEYPUCK = "moneypuck"


#: The count each market settles on (columns of both v_outcome and v_player_game_situation).
STAT_COLUMN = {"GOALS": "goals", "ASSISTS": "assists", "POINTS": "points", "SOG": "sog",
               "BLOCKS": "blocks"}  # fmt: skip
_counter = itertools.count()


def _stat(alias: str) -> str:
    whens = " ".join(f"WHEN '{m}' THEN {alias}.{c}" for m, c in STAT_COLUMN.items())
    return f"CASE r.market {whens} END"


def _settle_sql(rows: str, sources: tuple[SettleSource, ...]) -> str:
    use_box = SettleSource.BOXSCORE in sources
    use_mp = SettleSource.MONEYPUCK in sources
    box_ok = "(bx_toi > 0 AND bx_stat IS NOT NULL)" if use_box else "FALSE"
    mp_ok = "(mp_toi > 0 AND mp_stat IS NOT NULL)" if use_mp else "FALSE"
    return f"""
WITH bx AS (
    SELECT game_id, player_id, goals, assists, points, sog, blocks, toi_seconds AS toi_s
    FROM v_outcome WHERE NOT is_goalie AND game_state IN ('FINAL', 'OFF')),
mp AS (
    SELECT game_id, player_id, goals, assists, points, sog, blocks, icetime AS toi_s
    FROM v_player_game_situation WHERE situation = 'all'),
done AS (
    SELECT game_id FROM v_game WHERE game_state IN ('FINAL', 'OFF')
    UNION SELECT game_id FROM bx UNION SELECT game_id FROM mp),
joined AS (
    SELECT r.*, {_stat("bx")} AS bx_stat, {_stat("mp")} AS mp_stat,
        bx.toi_s AS bx_toi, mp.toi_s AS mp_toi, d.game_id IS NOT NULL AS game_done
    FROM {rows} r
    LEFT JOIN bx ON bx.game_id = r.game_id AND bx.player_id = r.player_id
    LEFT JOIN mp ON mp.game_id = r.game_id AND mp.player_id = r.player_id
    LEFT JOIN done d ON d.game_id = r.game_id),
picked AS (
    SELECT * EXCLUDE (bx_stat, mp_stat, bx_toi, mp_toi, game_done),
        CASE WHEN {box_ok} THEN bx_stat WHEN {mp_ok} THEN mp_stat END AS actual,
        CASE WHEN {box_ok} THEN '{SettleSource.BOXSCORE}'
             WHEN {mp_ok} THEN '{SettleSource.MONEYPUCK}' END AS settle_source,
        game_done
    FROM joined)
SELECT * EXCLUDE (game_done),
    CASE WHEN actual IS NULL THEN (CASE WHEN game_done THEN 'VOID' ELSE 'PENDING' END)
         WHEN actual > line THEN 'OVER' WHEN actual < line THEN 'UNDER' ELSE 'PUSH' END
        AS outcome,
    CASE WHEN actual IS NULL OR actual = line THEN NULL
         WHEN actual > line THEN 1 ELSE 0 END::TINYINT AS outcome_over
FROM picked"""


def settle(
    wh: Warehouse,
    rows: pa.Table,
    *,
    sources: tuple[SettleSource, ...] = (SettleSource.BOXSCORE, SettleSource.MONEYPUCK),
) -> pa.Table:
    """``rows`` (needs game_id, player_id, market, line) plus actual, settle_source, outcome,
    outcome_over. ``sources`` in order of preference (as-of calibration rows use MoneyPuck)."""
    name = f"_settle_{next(_counter)}"
    wh.con.register(name, rows)
    try:
        return wh.arrow(_settle_sql(name, sources))
    finally:
        wh.con.unregister(name)


_LATEST_PREGAME = """
(SELECT * EXCLUDE (_rn, _start) FROM (
    SELECT s.* EXCLUDE (features), g.start_time_utc AS _start,
        row_number() OVER (PARTITION BY s.slate_date, s.game_id, s.player_id, s.market, s.line
                           ORDER BY s.snapshot_ts DESC) AS _rn
    FROM fact_probability_snapshot s LEFT JOIN v_game g ON g.game_id = s.game_id
    WHERE s.slate_date BETWEEN {start} AND {end}
        AND (g.start_time_utc IS NULL OR s.snapshot_ts <= g.start_time_utc))
 WHERE _rn = 1)"""


def settled_snapshot_rows(wh: Warehouse, start: dt.date, end: dt.date) -> pa.Table:
    """The latest pre-game snapshot of each (slate, game, player, market, line) with slate
    date in [start, end] (ET dates, inclusive), settled. Every outcome is returned (filter
    ``outcome IN ('OVER', 'UNDER')`` for accuracy). Used by ``model evaluate`` and the daily
    evidence layer."""
    source = _LATEST_PREGAME.format(
        start=f"DATE '{start.isoformat()}'", end=f"DATE '{end.isoformat()}'"
    )
    return wh.arrow(_settle_sql(source, (SettleSource.BOXSCORE, SettleSource.MONEYPUCK)))


def accuracy_rows(settled: pa.Table) -> pa.Table:
    """Only the rows that count for accuracy: OVER or UNDER (pushes, voids, pending out)."""
    import pyarrow.compute as pc

    keep = pc.is_in(settled.column("outcome"), value_set=pa.array(["OVER", "UNDER"]))
    return settled.filter(keep)


__all__ = [
    "STAT_COLUMN",
    "Outcome",
    "SettleSource",
    "accuracy_rows",
    "settle",
    "settled_snapshot_rows",
]
