"""Recorded settlement of what the daily runs priced: snapshots and EV candidates (observational).

Nothing here feeds selection or gating: results, returns and CLV are measured, never used.

**What happened to a line** is defined once, in :mod:`propledger.model.outcomes` (stat per
market, :class:`Outcome`, :class:`VoidReason`, the void policy and the strict pre-game rule);
this module applies it with the box score as the count source (``CountSource.BOXSCORE``) and
records it. A row of slate D for game G settles when G's outcome is known: void
``postponed`` / ``cancelled`` / ``rescheduled`` from the schedule, else once ``v_outcome``
holds G's box score FINAL/OFF (void ``not_in_box_score``, ``no_toi``, ``missing_stat``, or the
count decides). Anything else is pending and is looked at again by the next run. Each row
settles **once** (``fact_settlement`` keyed by the snapshot's natural key,
``fact_ev_settlement`` by the candidate's ``row_hash``, both ``INSERT OR IGNORE``): a later
box-score correction does not re-settle it.

**Results.** Snapshots: the :class:`Outcome` (``OVER``, ``UNDER``, ``PUSH``, ``VOID``) and
``outcome_over`` (1/0, NULL for push and void). Candidates: :class:`BetResult` from the same
outcome and the side (the side's value equals the outcome's): ``WIN`` when the outcome is the
side, ``LOSE`` when it is the other side, ``PUSH`` and ``VOID`` as they are; ``return_units``
is the profit per unit stake at the quoted decimal price: d − 1 on a win, −1 on a loss, 0 on
a push or void.

**CLV** (candidates): ``clv_price = d_taken / d_close − 1`` against the same quote identity's
(vendor, book, event, player, market, line, side, ladder flag) last pre-game, not-live
capture; ``clv_consensus = d_taken · p_close_consensus − 1`` where ``p_close_consensus`` is
the mean multiplicative-de-vigged fair probability of the side over the sharp books
(≥ 2 books; each book's last pre-game two-way pair of the line, ladders excluded) — i.e. the
return of the bet if the closing fair price were the truth (conditional on no push).

**Reading the record.** :func:`pregame_settlements` is the latest pre-game snapshot of each
player line with its recorded result (NULL = not settled yet); :func:`settled_accuracy_rows`
keeps its OVER/UNDER rows. ``model evaluate``, the accuracy facts and the reports read these;
nothing else settles the daily runs' rows.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from propledger.ev.devig import DevigMethod, devig_pairs, sharp_consensus_table
from propledger.evidence.warehouse import Warehouse
from propledger.model.outcomes import (
    CountSource,
    Outcome,
    VoidReason,
    accuracy_rows,
    pregame_sql,
    resolve_ctes,
)


class BetResult(enum.StrEnum):
    """The result of a bet on one side, derived from the line's :class:`Outcome`."""

    WIN = "WIN"
    LOSE = "LOSE"
    PUSH = "PUSH"
    VOID = "VOID"


_RESOLVE = resolve_ctes("todo", CountSource.BOXSCORE)

_SNAPSHOTS = f"""
WITH todo AS (
    SELECT s.slate_date, s.snapshot_ts, s.game_id, s.player_id, s.market, s.line
    FROM fact_probability_snapshot s
    WHERE s.slate_date <= $through AND NOT EXISTS (
        SELECT 1 FROM fact_settlement f
        WHERE f.slate_date = s.slate_date AND f.snapshot_ts = s.snapshot_ts
          AND f.game_id = s.game_id AND f.player_id = s.player_id
          AND f.market = s.market AND f.line = s.line)),
{_RESOLVE}
SELECT slate_date, snapshot_ts, game_id, player_id, market, line, actual, result, void_reason,
       outcome_over, toi_seconds, game_state, settleable
FROM resolved ORDER BY ALL
"""

_PREGAME_CLOSE = pregame_sql("o.capture_ts_utc", "g.start_time_utc")

_CANDIDATES = f"""
WITH todo AS (
    SELECT c.* FROM fact_ev_candidate c
    WHERE c.slate_date <= $through AND NOT EXISTS (
        SELECT 1 FROM fact_ev_settlement f WHERE f.candidate_hash = c.row_hash)),
{_RESOLVE},
pre AS (
    SELECT o.vendor, o.book_name_raw, o.event_id_vendor, o.player_key, upper(o.market_type) AS market,
           CAST(o.line AS DOUBLE) AS line, o.side, o.is_ladder, o.capture_ts_utc, o.odds_decimal
    FROM fact_prop_odds o JOIN v_game g ON g.game_id = o.game_id
    WHERE o.game_id IN (SELECT game_id FROM todo) AND NOT o.is_live AND {_PREGAME_CLOSE}),
close AS (
    SELECT * FROM pre QUALIFY row_number() OVER (
        PARTITION BY vendor, book_name_raw, event_id_vendor, player_key, market, line, side,
                     is_ladder
        ORDER BY capture_ts_utc DESC) = 1)
SELECT r.row_hash AS candidate_hash, r.slate_date, r.snapshot_ts, r.game_id, r.player_id,
       r.market, r.line, r.side, r.vendor, r.book_name_raw, r.capture_ts_utc, r.odds_decimal,
       r.actual,
       CASE WHEN r.result IS NULL OR r.result IN ('{Outcome.VOID}', '{Outcome.PUSH}') THEN r.result
            WHEN r.result = r.side THEN '{BetResult.WIN}' ELSE '{BetResult.LOSE}' END AS result,
       r.void_reason,
       c.capture_ts_utc AS close_capture_ts, c.odds_decimal AS close_decimal,
       r.odds_decimal / c.odds_decimal - 1.0 AS clv_price, r.settleable
FROM resolved r
LEFT JOIN close c
  ON c.vendor = r.vendor AND c.book_name_raw = r.book_name_raw
 AND c.event_id_vendor = r.event_id_vendor AND c.player_key = r.player_key
 AND c.market = r.market AND c.line = r.line AND c.side = r.side AND c.is_ladder = r.is_ladder
ORDER BY candidate_hash
"""

# each sharp book's last pre-game two-way pair per line (same capture for both sides)
_CLOSING_PAIRS = f"""
WITH games AS (
    SELECT DISTINCT game_id FROM fact_ev_candidate c
    WHERE c.slate_date <= $through AND NOT EXISTS (
        SELECT 1 FROM fact_ev_settlement f WHERE f.candidate_hash = c.row_hash)),
pre AS (
    SELECT o.* FROM fact_prop_odds o JOIN v_game g ON g.game_id = o.game_id
    WHERE o.game_id IN (SELECT game_id FROM games) AND o.player_id IS NOT NULL
      AND NOT o.is_live AND NOT o.is_ladder AND {_PREGAME_CLOSE}
      AND list_contains($sharp, lower(trim(o.book_name_raw))))
SELECT a.vendor, a.book_name_raw, a.game_id, a.player_id, upper(a.market_type) AS market,
       CAST(a.line AS DOUBLE) AS line, a.odds_decimal AS over_decimal,
       b.odds_decimal AS under_decimal
FROM pre a JOIN pre b
  ON a.vendor = b.vendor AND a.book_name_raw = b.book_name_raw
 AND a.event_id_vendor = b.event_id_vendor AND a.player_key = b.player_key
 AND a.market_type = b.market_type AND a.line = b.line AND a.capture_ts_utc = b.capture_ts_utc
WHERE a.side = 'OVER' AND b.side = 'UNDER'
QUALIFY row_number() OVER (
    PARTITION BY a.vendor, a.book_name_raw, a.event_id_vendor, a.player_key, a.market_type, a.line
    ORDER BY a.capture_ts_utc DESC) = 1
ORDER BY ALL
"""


def _sql(wh: Warehouse, sql: str, **params: object) -> pa.Table:
    return wh.con.sql(sql, params=params).to_arrow_table()


def settle_snapshots(
    wh: Warehouse, through: dt.date, settled_ts: dt.datetime
) -> tuple[pa.Table, int]:
    """Unsettled snapshot rows of slates ≤ ``through`` whose outcome is known.

    Returns the ``fact_settlement`` rows to append and the number still pending.
    """
    resolved = _sql(wh, _SNAPSHOTS, through=through)
    return _split(resolved, settled_ts)


def settle_candidates(
    wh: Warehouse, through: dt.date, settled_ts: dt.datetime, sharp_books: Sequence[str]
) -> tuple[pa.Table, int]:
    """Unsettled ``fact_ev_candidate`` rows of slates ≤ ``through`` whose outcome is known,
    with return and CLV. Returns the ``fact_ev_settlement`` rows and the number pending."""
    resolved = _sql(wh, _CANDIDATES, through=through)
    ready, pending = _split(resolved, settled_ts)
    d = _floats(ready, "odds_decimal")
    result = np.asarray(ready["result"].to_pylist(), dtype=object)
    ret = np.where(result == BetResult.WIN.value, d - 1.0, 0.0)
    ret = np.where(result == BetResult.LOSE.value, -1.0, ret)
    ready = ready.append_column("return_units", pa.array(ret, pa.float64()))
    return _with_closing_consensus(wh, ready, through, sharp_books), pending


def _split(resolved: pa.Table, settled_ts: dt.datetime) -> tuple[pa.Table, int]:
    ready_mask = pc.fill_null(resolved["settleable"], False)
    pending = resolved.num_rows - int(pc.sum(ready_mask.cast(pa.int64())).as_py() or 0)
    ready = resolved.filter(ready_mask).drop_columns(["settleable"])
    stamp = pa.array([settled_ts] * ready.num_rows, pa.timestamp("us", tz="UTC"))
    return ready.append_column("settled_ts", stamp), pending


def _floats(table: pa.Table, name: str) -> NDArray[np.float64]:
    return np.asarray(
        pc.fill_null(table[name].cast(pa.float64()), np.nan).to_numpy(zero_copy_only=False),
        dtype=np.float64,
    )


def _with_closing_consensus(
    wh: Warehouse, ready: pa.Table, through: dt.date, sharp_books: Sequence[str]
) -> pa.Table:
    keys = ["game_id", "player_id", "market", "line", "side"]
    sharp = sorted({b.strip().casefold() for b in sharp_books})
    pairs = _sql(wh, _CLOSING_PAIRS, through=through, sharp=sharp)
    fair = devig_pairs(
        _floats(pairs, "over_decimal"), _floats(pairs, "under_decimal"),
        DevigMethod.MULTIPLICATIVE, strict=False,
    )  # fmt: skip
    base = pairs.select(["game_id", "player_id", "market", "line", "book_name_raw"])
    long = pa.concat_tables(
        [
            base.append_column(
                "side", pa.array(["OVER"] * base.num_rows, pa.string())
            ).append_column("p_fair", pa.array(fair.probabilities[:, 0], pa.float64())),
            base.append_column(
                "side", pa.array(["UNDER"] * base.num_rows, pa.string())
            ).append_column("p_fair", pa.array(fair.probabilities[:, 1], pa.float64())),
        ]
    )
    consensus = sharp_consensus_table(long, sharp_books, keys=keys)
    n = ready.num_rows
    indexed = ready.select(keys).append_column("__row", pa.array(np.arange(n), pa.int64()))
    back = indexed.join(consensus, keys=keys, join_type="left outer", use_threads=False)
    back = back.sort_by([("__row", "ascending")])
    p_close = _floats(back, "p_fair_consensus")
    clv = _floats(ready, "odds_decimal") * p_close - 1.0
    count = pc.fill_null(back["n_sharp_books"], 0).cast(pa.int32())
    return (
        ready.append_column("n_close_sharp_books", count)
        .append_column("p_close_consensus", pa.array(p_close, pa.float64(), mask=np.isnan(p_close)))
        .append_column("clv_consensus", pa.array(clv, pa.float64(), mask=np.isnan(clv)))
    )


#: Columns of :func:`settled_accuracy_rows`.
ACCURACY_COLUMNS: tuple[str, ...] = (
    "slate_date", "snapshot_ts", "game_id", "player_id", "market", "line", "prob_source",
    "p_over", "outcome_over",
)  # fmt: skip

_PREGAME_SETTLEMENTS = f"""
WITH latest AS (
    SELECT s.slate_date, s.snapshot_ts, s.game_id, s.player_id, s.market, s.line,
           s.prob_source, s.p_over
    FROM fact_probability_snapshot s LEFT JOIN v_game g ON g.game_id = s.game_id
    WHERE s.slate_date >= $start AND s.slate_date <= $end
      AND {pregame_sql("s.snapshot_ts", "g.start_time_utc")}
    QUALIFY row_number() OVER (
        PARTITION BY s.slate_date, s.game_id, s.player_id, s.market, s.line
        ORDER BY s.snapshot_ts DESC) = 1)
SELECT l.*, f.result, f.void_reason, f.outcome_over
FROM latest l
LEFT JOIN fact_settlement f USING (slate_date, snapshot_ts, game_id, player_id, market, line)
ORDER BY slate_date, market, line, game_id, player_id
"""


def pregame_settlements(wh: Warehouse, start: dt.date, end: dt.date) -> pa.Table:
    """The latest pre-game snapshot row of each (slate, game, player, market, line) of slates
    ``start … end`` (ET, inclusive) — the prices a bettor could have used — with its recorded
    settlement: ``result`` (:class:`Outcome`; NULL = not settled yet), ``void_reason``,
    ``outcome_over``. Columns: :data:`ACCURACY_COLUMNS` plus ``result`` and ``void_reason``."""
    return _sql(wh, _PREGAME_SETTLEMENTS, start=start, end=end)


def settled_accuracy_rows(wh: Warehouse, start: dt.date, end: dt.date) -> pa.Table:
    """The OVER/UNDER rows of :func:`pregame_settlements` (pushes, voids and unsettled rows
    out), so ``outcome_over`` is 1 or 0. Columns: :data:`ACCURACY_COLUMNS`, ordered by slate,
    market, line, game, player."""
    return accuracy_rows(pregame_settlements(wh, start, end)).select(list(ACCURACY_COLUMNS))


__all__ = [
    "ACCURACY_COLUMNS",
    "BetResult",
    "Outcome",
    "VoidReason",
    "pregame_settlements",
    "settle_candidates",
    "settle_snapshots",
    "settled_accuracy_rows",
]
