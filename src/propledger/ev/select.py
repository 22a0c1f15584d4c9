"""Selection of EV candidates and best bets (the Phase 10 selection policy).

Input: an Arrow table of priced rows (one row per quote × side, e.g. the canonical join's
output) with at least these columns:

=================  ========  ===================================================================
column             type      meaning
=================  ========  ===================================================================
``market_type``    string    GOALS, ASSISTS, POINTS, SOG, BLOCKS, … (case-insensitive; a
                             column named ``market`` is accepted instead)
``ev``             float64   EV per unit stake (:func:`propledger.ev.ev.expected_value`); null/NaN
                             rows are never selected
``p_model``        float64   the policy probability of the side (OVER: p_over, UNDER: p_under)
``odds_decimal``   float64   the quoted decimal price
=================  ========  ===================================================================

Policy (thresholds inclusive as written; a 1e-12 slack absorbs float rounding at the edges):

- ``is_candidate``: ``ev ≥ settings.min_ev`` (default 0.02).
- ``is_best_bet``: a candidate with ``ev ≥ 0.02``, ``p_model ≥ 0.05`` and, for long shots
  (``odds_decimal > 15``), ``ev ≥ 0.10``.
- ``audit_flag``: ``ev > settings.audit_ev`` (default 0.25). Flagged rows are never dropped:
  they keep their candidate/best-bet status so a human can look at them.
- ``rank``: 1, 2, … over best bets (null otherwise) by market priority GOALS > ASSISTS >
  POINTS > every other market, then EV descending, then the tie-break columns present
  (``game_id, player_id, line, side, vendor, book_id_vendor, book_name_raw`` ascending), then
  input order: the same table always ranks the same way.

The table comes back in its input order with the four columns appended.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from propledger.errors import InputError
from propledger.settings import EvSettings

#: Best-bet thresholds of the Phase 10 policy (frozen with the EV formula).
BEST_BET_MIN_EV = 0.02
BEST_BET_MIN_P = 0.05
LONGSHOT_DECIMAL = 15.0
LONGSHOT_MIN_EV = 0.10

#: Lower sorts first; every market not listed shares the last place.
MARKET_PRIORITY: dict[str, int] = {"GOALS": 0, "ASSISTS": 1, "POINTS": 2}
OTHER_PRIORITY = len(MARKET_PRIORITY)

TIE_BREAK_COLUMNS: tuple[str, ...] = (
    "game_id",
    "player_id",
    "line",
    "side",
    "vendor",
    "book_id_vendor",
    "book_name_raw",
)
REQUIRED_COLUMNS: tuple[str, ...] = ("market_type", "ev", "p_model", "odds_decimal")
#: The market column may also be called ``market`` (the snapshot's name).
MARKET_COLUMNS: tuple[str, ...] = ("market_type", "market")
OUTPUT_COLUMNS: tuple[str, ...] = ("is_candidate", "is_best_bet", "audit_flag", "rank")

_EPS = 1e-12


def _floats(table: pa.Table, name: str) -> NDArray[np.float64]:
    column = pc.fill_null(table[name].cast(pa.float64()), np.nan)
    values: NDArray[np.float64] = column.to_numpy(zero_copy_only=False).astype(np.float64)
    return values


def select(table: pa.Table, settings: EvSettings | None = None) -> pa.Table:
    """Append ``is_candidate``, ``is_best_bet``, ``audit_flag`` and ``rank`` (see module doc)."""
    settings = settings or EvSettings()
    market_column = next((c for c in MARKET_COLUMNS if c in table.column_names), "market_type")
    missing = [c for c in (market_column, *REQUIRED_COLUMNS[1:]) if c not in table.column_names]
    if missing:
        raise InputError(
            f"selection input lacks column(s) {', '.join(missing)}; "
            f"it needs {', '.join(REQUIRED_COLUMNS)}"
        )
    clash = [c for c in OUTPUT_COLUMNS if c in table.column_names]
    if clash:
        raise InputError(
            f"selection input already has column(s) {', '.join(clash)}; drop them first"
        )

    ev = _floats(table, "ev")
    p_model = _floats(table, "p_model")
    decimal = _floats(table, "odds_decimal")
    known = np.isfinite(ev)

    # NaN compares False everywhere, so rows without EV are never selected or flagged
    is_candidate = known & (ev >= settings.min_ev - _EPS)
    longshot_ok = ~(decimal > LONGSHOT_DECIMAL + _EPS) | (ev >= LONGSHOT_MIN_EV - _EPS)
    is_best = (
        is_candidate
        & (ev >= BEST_BET_MIN_EV - _EPS)
        & (p_model >= BEST_BET_MIN_P - _EPS)
        & longshot_ok
    )
    audit = known & (ev > settings.audit_ev + _EPS)

    rank = _rank(table, market_column, ev, is_best)
    return (
        table.append_column("is_candidate", pa.array(is_candidate, pa.bool_()))
        .append_column("is_best_bet", pa.array(is_best, pa.bool_()))
        .append_column("audit_flag", pa.array(audit, pa.bool_()))
        .append_column("rank", rank)
    )


def market_priority(markets: pa.Array | pa.ChunkedArray) -> NDArray[np.int64]:
    """GOALS → 0, ASSISTS → 1, POINTS → 2, anything else (or null) → 3."""
    upper = pc.utf8_upper(pc.utf8_trim_whitespace(markets.cast(pa.string())))
    names = pa.array(list(MARKET_PRIORITY), pa.string())
    index = pc.fill_null(pc.index_in(upper, value_set=names), OTHER_PRIORITY)
    priorities = np.array([*MARKET_PRIORITY.values(), OTHER_PRIORITY], dtype=np.int64)
    result: NDArray[np.int64] = priorities[index.to_numpy(zero_copy_only=False).astype(np.int64)]
    return result


def _rank(
    table: pa.Table, market_column: str, ev: NDArray[np.float64], is_best: NDArray[np.bool_]
) -> pa.Array:
    n = table.num_rows
    keys = pa.table(
        {
            "__priority": market_priority(table[market_column]),
            "__neg_ev": -np.where(np.isfinite(ev), ev, 0.0),
        }
    )
    sort_keys: list[tuple[str, str]] = [("__priority", "ascending"), ("__neg_ev", "ascending")]
    for name in _tie_breaks(table, TIE_BREAK_COLUMNS):
        keys = keys.append_column(f"__tb_{name}", table[name])
        sort_keys.append((f"__tb_{name}", "ascending"))
    keys = keys.append_column("__row", pa.array(np.arange(n, dtype=np.int64)))
    sort_keys.append(("__row", "ascending"))
    best_rows = np.flatnonzero(is_best)
    order = pc.sort_indices(keys.take(pa.array(best_rows, pa.int64())), sort_keys=sort_keys)
    ranks = np.full(n, -1, dtype=np.int64)
    ranks[best_rows[order.to_numpy()]] = np.arange(1, best_rows.size + 1)
    return pa.array(ranks, pa.int64(), mask=ranks < 0)


def _tie_breaks(table: pa.Table, names: Sequence[str]) -> list[str]:
    return [name for name in names if name in table.column_names]


def best_bets(selected: pa.Table) -> pa.Table:
    """Only the best bets of a :func:`select` result, in rank order."""
    if "rank" not in selected.column_names:
        raise InputError("best_bets needs the output of select() (no 'rank' column)")
    chosen = selected.filter(pc.fill_null(selected["is_best_bet"], False))
    return chosen.sort_by([("rank", "ascending")])


__all__ = [
    "BEST_BET_MIN_EV",
    "BEST_BET_MIN_P",
    "LONGSHOT_DECIMAL",
    "LONGSHOT_MIN_EV",
    "MARKET_PRIORITY",
    "OUTPUT_COLUMNS",
    "REQUIRED_COLUMNS",
    "TIE_BREAK_COLUMNS",
    "best_bets",
    "market_priority",
    "select",
]
