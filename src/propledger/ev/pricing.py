"""Price the canonical join's rows: EV, fair prices, de-vig, sharp consensus, edge, selection.

Input: :attr:`propledger.ev.join.JoinResult.rows` (one row per latest fresh quote × side).
Output: the same rows in the same order with these columns appended (per unit stake, prices
decimal odds, probabilities 0-1):

============================  ==================================================================
``p_model``                   the policy probability of the side (OVER: p_over, UNDER: p_under)
``ev``                        ``p_model · d + p_push − 1`` (F's frozen formula; ``p_push`` is used
                              on integer lines only, 0 on half lines whatever the snapshot holds)
``implied_prob``              ``1/d`` (vig included)
``fair_decimal``              the model's break-even price ``(1 − p_push)/p_model``
``kelly``                     Kelly fraction with push (observational)
``pair_decimal``              the same book's other side at the same line and capture (null if none)
``devig_status``              ``ok`` or why the pair has no fair price (one_sided, degenerate, …)
``margin``                    the pair's booksum − 1
``p_fair``                    multiplicative de-vig of the pair, this side (the default method)
``p_fair_power``/``_shin``    the power and Shin methods (additive equals Shin for two outcomes)
``n_sharp_books``             sharp books (settings.sharp_books) with a fair price for this side
``p_fair_consensus``          their mean fair probability, null unless ≥ 2 quote it
``edge``/``edge_consensus``   ``p_model/(1 − p_push) − p_fair`` (resp. consensus): the model's
                              probability conditional on no push, since a two-way pair de-vigs
                              to probabilities that exclude the push (identical on half lines)
``is_candidate`` …            F's :func:`propledger.ev.select.select` (candidate, best bet,
                              audit flag, rank)
============================  ==================================================================

All of it is vectorised (numpy and Arrow joins); everything except EV/selection is
observational.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from propledger.ev.devig import DevigMethod, devig_pairs, edge, sharp_consensus_table
from propledger.ev.ev import evaluate_arrays, p_win_for_side
from propledger.ev.select import select
from propledger.settings import EvSettings

FloatArray = NDArray[np.float64]

#: One book's two-way market at one capture: the OVER and UNDER rows sharing these match.
PAIR_KEYS: tuple[str, ...] = (
    "vendor", "book_name_raw", "game_id", "player_id", "market", "line", "is_ladder",
    "capture_ts_utc",
)  # fmt: skip
#: One side of one player line, across books (the sharp consensus groups by these).
SIDE_KEYS: tuple[str, ...] = ("game_id", "player_id", "market", "line", "side")

PRICED_COLUMNS: tuple[str, ...] = (
    "p_model", "ev", "implied_prob", "fair_decimal", "kelly", "pair_decimal", "devig_status",
    "margin", "p_fair", "p_fair_power", "p_fair_shin", "n_sharp_books", "p_fair_consensus",
    "edge", "edge_consensus", "is_candidate", "is_best_bet", "audit_flag", "rank",
)  # fmt: skip


def _floats(table: pa.Table, name: str) -> FloatArray:
    column = pc.fill_null(table[name].cast(pa.float64()), np.nan)
    values: FloatArray = column.to_numpy(zero_copy_only=False).astype(np.float64)
    return values


def _nullable(values: FloatArray) -> pa.Array:
    """float64 Arrow array with NaN stored as null (NaN is not a value in the warehouse)."""
    return pa.array(values, pa.float64(), mask=np.isnan(values))


def price(rows: pa.Table, settings: EvSettings | None = None) -> pa.Table:
    """Append :data:`PRICED_COLUMNS` to the joined rows (see the module doc)."""
    settings = settings or EvSettings()
    side = np.asarray(rows["side"].to_pylist(), dtype=str)
    line = _floats(rows, "line")
    p_model = p_win_for_side(side, _floats(rows, "p_over"), _floats(rows, "p_under"))
    # half lines cannot push, whatever the snapshot stored (clipping may leave 1e-6 there)
    p_push = np.where(np.mod(line, 1.0) == 0.0, _floats(rows, "p_push"), 0.0)
    decimal = _floats(rows, "odds_decimal")
    arrays = evaluate_arrays(p_model, decimal, p_push)

    out = rows
    for name, values in (
        ("p_model", p_model),
        ("ev", arrays.ev),
        ("implied_prob", arrays.implied_probability),
        ("fair_decimal", arrays.fair_decimal),
        ("kelly", arrays.kelly),
    ):
        out = out.append_column(name, _nullable(values))
    out = _with_devig(out)
    out = _with_consensus(out, settings)

    p_cond = np.divide(p_model, 1.0 - p_push, out=np.full_like(p_model, np.nan), where=p_push < 1.0)
    out = out.append_column("edge", _nullable(edge(p_cond, _floats(out, "p_fair"))))
    out = out.append_column(
        "edge_consensus", _nullable(edge(p_cond, _floats(out, "p_fair_consensus")))
    )
    return select(out, settings)


def _with_devig(table: pa.Table) -> pa.Table:
    """Pair each row with its book's other side at the same capture and de-vig the pair."""
    keys = list(PAIR_KEYS)
    n = table.num_rows
    indexed = table.select(keys).append_column("__row", pa.array(np.arange(n), pa.int64()))
    indexed = indexed.append_column("__side", table["side"]).append_column(
        "__d", table["odds_decimal"]
    )
    over = indexed.filter(pc.equal(indexed["__side"], "OVER")).select([*keys, "__d"])
    under = indexed.filter(pc.equal(indexed["__side"], "UNDER")).select([*keys, "__d"])
    pairs = over.rename_columns([*keys, "__over"]).join(
        under.rename_columns([*keys, "__under"]), keys=keys, join_type="inner", use_threads=False
    )
    o, u = _floats(pairs, "__over"), _floats(pairs, "__under")
    mult = devig_pairs(o, u, DevigMethod.MULTIPLICATIVE, strict=False)
    power = devig_pairs(o, u, DevigMethod.POWER, strict=False)
    shin = devig_pairs(o, u, DevigMethod.SHIN, strict=False)
    status = np.where(mult.valid, "ok", mult.reason)
    fair = pairs.select(keys)
    for name, values in (
        ("__over", o),
        ("__under", u),
        ("__margin", mult.margin),
        ("__mult_o", mult.probabilities[:, 0]),
        ("__mult_u", mult.probabilities[:, 1]),
        ("__pow_o", power.probabilities[:, 0]),
        ("__pow_u", power.probabilities[:, 1]),
        ("__shin_o", shin.probabilities[:, 0]),
        ("__shin_u", shin.probabilities[:, 1]),
    ):
        fair = fair.append_column(name, pa.array(values, pa.float64()))
    fair = fair.append_column("__status", pa.array(status.astype(str), pa.string()))

    back = indexed.join(fair, keys=keys, join_type="left outer", use_threads=False)
    back = back.sort_by([("__row", "ascending")])
    is_over = np.asarray(pc.equal(back["__side"], "OVER").to_numpy(zero_copy_only=False))

    def pick(over_col: str, under_col: str) -> FloatArray:
        picked: FloatArray = np.where(is_over, _floats(back, under_col), _floats(back, over_col))
        return picked

    def by_side(over_col: str, under_col: str) -> FloatArray:
        chosen: FloatArray = np.where(is_over, _floats(back, over_col), _floats(back, under_col))
        return chosen

    paired = pc.is_valid(back["__status"])
    status_col = pc.if_else(paired, back["__status"], pa.scalar("one_sided"))
    return (
        table.append_column("pair_decimal", _nullable(pick("__over", "__under")))
        .append_column("devig_status", status_col.cast(pa.string()))
        .append_column("margin", _nullable(_floats(back, "__margin")))
        .append_column("p_fair", _nullable(by_side("__mult_o", "__mult_u")))
        .append_column("p_fair_power", _nullable(by_side("__pow_o", "__pow_u")))
        .append_column("p_fair_shin", _nullable(by_side("__shin_o", "__shin_u")))
    )


def _with_consensus(table: pa.Table, settings: EvSettings) -> pa.Table:
    keys = list(SIDE_KEYS)
    n = table.num_rows
    consensus = sharp_consensus_table(
        table, settings.sharp_books, keys=keys, book_column="book_name_raw", prob_column="p_fair"
    )
    indexed = table.select(keys).append_column("__row", pa.array(np.arange(n), pa.int64()))
    back = indexed.join(consensus, keys=keys, join_type="left outer", use_threads=False)
    back = back.sort_by([("__row", "ascending")])
    count = pc.fill_null(back["n_sharp_books"], 0).cast(pa.int32())
    return table.append_column("n_sharp_books", count).append_column(
        "p_fair_consensus", _nullable(_floats(back, "p_fair_consensus"))
    )


__all__ = ["PAIR_KEYS", "PRICED_COLUMNS", "SIDE_KEYS", "price"]
