"""What happened to a priced line: the ONE definition of settlement (DESIGN sections 5 and 7).

Every path that asks "did this line go over?" uses this module: the recorded settlement of the
daily runs (:mod:`propledger.ev.settle` → ``fact_settlement`` / ``fact_ev_settlement``, read by
``model evaluate``, the EV summary and the accuracy facts) and the on-the-fly resolution of
as-of history (calibration, ``model evaluate --asof``: :func:`resolve`). It lives in the model
layer because calibration needs it and the model must not import ``ev``.

**Count.** A row (slate_date, game_id, player_id, market, line) settles on the player's count of
:data:`MARKET_STAT` in that game, read from one :class:`CountSource`:

* ``BOXSCORE``: the NHL box score (``v_outcome``); the game's outcome is known once a row of it
  is FINAL/OFF. The daily runs record this (same night).
* ``MONEYPUCK``: the player's MoneyPuck ``all`` row (``v_player_game_situation``); the game's
  outcome is known once MoneyPuck has any row of it (~1 day later). As-of history only.

**Void policy** (first match wins; :class:`VoidReason`): ``postponed`` / ``cancelled``
(``v_game.schedule_state`` PPD / CNCL), ``rescheduled`` (the game's ``v_game.slate_date`` is no
longer the row's slate), then — only once the outcome is known — ``not_in_box_score`` (the
player has no row in the source: scratched), ``no_toi`` (TOI NULL or ≤ 0), ``missing_stat``
(the market's count is NULL). Anything else is **pending**: ``result`` NULL.

**Outcome** (:class:`Outcome`, column ``result``): OVER (count > line), UNDER (count < line),
PUSH (count = line: integer lines), VOID. ``outcome_over`` is 1/0 for OVER/UNDER and NULL
otherwise; only OVER/UNDER rows count for accuracy (:func:`accuracy_rows`). The values equal
the bet sides (``odds.quote.Side``), so a bet on side S wins when ``result = S``.

**Pre-game** (:func:`pregame_sql`): strictly before the game's start (``ts < start``; a
snapshot or capture taken at the puck drop is not pre-game), a game without a known start
counting as not started. The canonical join uses the same strict rule for odds.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from propledger.evidence.warehouse import Warehouse
from propledger.model.constants import Market


class Outcome(enum.StrEnum):
    """What happened to a line (``result``); a pending line has none (NULL)."""

    OVER = "OVER"
    UNDER = "UNDER"
    PUSH = "PUSH"
    VOID = "VOID"


#: The outcomes that count for accuracy (``outcome_over`` 1 / 0).
ACCURACY_OUTCOMES: tuple[Outcome, ...] = (Outcome.OVER, Outcome.UNDER)


class VoidReason(enum.StrEnum):
    """Why a line is void, in precedence order (first match wins)."""

    POSTPONED = "postponed"
    CANCELLED = "cancelled"
    RESCHEDULED = "rescheduled"
    NOT_IN_BOX_SCORE = "not_in_box_score"
    NO_TOI = "no_toi"
    MISSING_STAT = "missing_stat"


class CountSource(enum.StrEnum):
    """Where the player's count comes from (see the module doc)."""

    BOXSCORE = "boxscore"
    MONEYPUCK = "moneypuck"


#: The count each market settles on (a column of both ``v_outcome`` and
#: ``v_player_game_situation``): ASSISTS = primary + secondary, POINTS = goals + assists,
#: SOG = shots on goal, BLOCKS = shots blocked by the player; overtime included.
MARKET_STAT: Mapping[Market, str] = MappingProxyType(
    {
        Market.GOALS: "goals",
        Market.ASSISTS: "assists",
        Market.POINTS: "points",
        Market.SOG: "sog",
        Market.BLOCKS: "blocks",
    }
)

#: Columns :func:`resolve_ctes` adds to the rows (``result`` NULL = pending).
RESOLVED_COLUMNS: tuple[str, ...] = (
    "toi_seconds", "game_state", "void_reason", "settleable", "actual", "result", "outcome_over",
)  # fmt: skip

# (counts, finals) per source over the games of {todo}: counts has one row per (game, player)
# (both views keep the latest version of a row); finals one row per game whose outcome is known
_SOURCES: Mapping[CountSource, tuple[str, str]] = MappingProxyType(
    {
        CountSource.BOXSCORE: (
            "SELECT game_id, player_id, goals, assists, points, sog, blocks, toi_seconds "
            "FROM v_outcome WHERE game_id IN (SELECT game_id FROM {todo})",
            "SELECT game_id, max(game_state) AS game_state FROM v_outcome "
            "WHERE game_state IN ('FINAL', 'OFF') AND game_id IN (SELECT game_id FROM {todo}) "
            "GROUP BY game_id",
        ),
        CountSource.MONEYPUCK: (
            "SELECT game_id, player_id, goals, assists, points, sog, blocks, "
            "icetime AS toi_seconds FROM v_player_game_situation "
            "WHERE situation = 'all' AND game_id IN (SELECT game_id FROM {todo})",
            # MoneyPuck publishes a game once it is over; it has no game state
            "SELECT game_id, CAST(NULL AS VARCHAR) AS game_state FROM _counts GROUP BY game_id",
        ),
    }
)


def pregame_sql(ts: str, start: str) -> str:
    """SQL predicate: ``ts`` (TIMESTAMPTZ) is pre-game for a game starting at ``start``.

    Strictly before the puck drop; a NULL start (not known) counts as not started.
    """
    return f"({start} IS NULL OR {ts} < {start})"


def _count_sql(alias: str) -> str:
    whens = " ".join(f"WHEN '{m}' THEN {alias}.{c}" for m, c in MARKET_STAT.items())
    return f"CASE t.market {whens} END"


def resolve_ctes(todo: str, source: CountSource) -> str:
    """Common table expressions that settle the rows of relation ``todo``.

    ``todo`` needs slate_date (ET), game_id, player_id, market, line and none of
    :data:`RESOLVED_COLUMNS`. The text defines ``_counts``, ``_finals``, ``_raw`` and
    ``resolved`` (= ``todo``'s columns + :data:`RESOLVED_COLUMNS`): put it after ``WITH``
    (or after ``WITH todo AS (…),``) and select from ``resolved``. ``settleable`` is true when
    the row has an outcome (``result`` not NULL); ``actual`` is the count unless void;
    ``toi_seconds`` is the source's TOI (seconds) and ``game_state`` the box score's state.
    """
    counts, finals = (s.format(todo=todo) for s in _SOURCES[source])
    count = _count_sql("c")
    moved = "coalesce(g.slate_date <> t.slate_date, FALSE)"
    return f"""
_counts AS ({counts}),
_finals AS ({finals}),
_raw AS (
    SELECT t.*, CAST({count} AS INTEGER) AS _count, c.toi_seconds, f.game_state,
        CASE
            WHEN g.schedule_state = 'PPD' THEN '{VoidReason.POSTPONED}'
            WHEN g.schedule_state = 'CNCL' THEN '{VoidReason.CANCELLED}'
            WHEN {moved} THEN '{VoidReason.RESCHEDULED}'
            WHEN f.game_id IS NULL THEN NULL
            WHEN c.player_id IS NULL THEN '{VoidReason.NOT_IN_BOX_SCORE}'
            WHEN coalesce(c.toi_seconds, 0) <= 0 THEN '{VoidReason.NO_TOI}'
            WHEN {count} IS NULL THEN '{VoidReason.MISSING_STAT}'
        END AS void_reason,
        f.game_id IS NOT NULL OR coalesce(g.schedule_state, '') IN ('PPD', 'CNCL') OR {moved}
            AS settleable
    FROM {todo} t
    LEFT JOIN v_game g ON g.game_id = t.game_id
    LEFT JOIN _finals f ON f.game_id = t.game_id
    LEFT JOIN _counts c ON c.game_id = t.game_id AND c.player_id = t.player_id),
resolved AS (
    SELECT * EXCLUDE (_count),
        CASE WHEN settleable AND void_reason IS NULL THEN _count END AS actual,
        CASE WHEN NOT settleable THEN NULL
             WHEN void_reason IS NOT NULL THEN '{Outcome.VOID}'
             WHEN _count > line THEN '{Outcome.OVER}'
             WHEN _count < line THEN '{Outcome.UNDER}'
             ELSE '{Outcome.PUSH}' END AS result,
        CAST(CASE WHEN settleable AND void_reason IS NULL AND _count <> line
                  THEN CAST(_count > line AS INTEGER) END AS SMALLINT) AS outcome_over
    FROM _raw)
"""


_counter = itertools.count()


def resolve(wh: Warehouse, rows: pa.Table, *, source: CountSource) -> pa.Table:
    """Settle ``rows`` on the fly (nothing is recorded): ``rows`` + :data:`RESOLVED_COLUMNS`
    minus ``settleable`` (``result`` NULL = pending), in the input order.

    For as-of history (``source=MONEYPUCK``); the daily runs' rows are settled once and
    recorded by :mod:`propledger.ev.settle` instead.
    """
    name = f"_resolve_{next(_counter)}"
    # the input order is kept (calibration fits must not depend on join scheduling)
    indexed = rows.append_column("_row", pa.array(np.arange(rows.num_rows), pa.int64()))
    wh.con.register(name, indexed)
    try:
        return wh.arrow(
            f"WITH {resolve_ctes(name, source)} "
            "SELECT * EXCLUDE (settleable, _row) FROM resolved ORDER BY _row"
        )
    finally:
        wh.con.unregister(name)


def accuracy_rows(settled: pa.Table) -> pa.Table:
    """Only the rows that count for accuracy: ``result`` OVER or UNDER (pushes, voids and
    pending rows out), so ``outcome_over`` is 1 or 0."""
    keep = pc.is_in(settled["result"], value_set=pa.array([o.value for o in ACCURACY_OUTCOMES]))
    return settled.filter(pc.fill_null(keep, False))


__all__ = [
    "ACCURACY_OUTCOMES",
    "MARKET_STAT",
    "RESOLVED_COLUMNS",
    "CountSource",
    "Outcome",
    "VoidReason",
    "accuracy_rows",
    "pregame_sql",
    "resolve",
    "resolve_ctes",
]
