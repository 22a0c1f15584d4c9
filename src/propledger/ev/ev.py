"""Expected value, fair price and Kelly fraction of a prop bet (the frozen EV formula).

Everything is **per unit stake** and prices are **decimal** odds ``d`` (total return per unit
staked, stake included: 2.0 is even money). Probabilities are the model's *policy* probabilities
(DESIGN section 5, MARKET_POLICY) of the side that was bet:

- ``p_win``: probability the side wins (OVER: ``p_over``; UNDER: ``p_under``);
- ``p_push``: probability of a push, which returns the stake (integer lines only; 0 on half
  lines);
- ``p_loss = 1 − p_win − p_push``.

Formulas (derivations in ``docs/ev.md``)::

    EV            = p_win · d + p_push − 1          (= p_win · d − 1 on half lines)
    implied       = 1 / d
    fair decimal  = (1 − p_push) / p_win            (the price at which EV = 0)
    Kelly f*      = EV / ((d − 1) · (1 − p_push)), clipped to [0, 1]

The Kelly fraction is observational: nothing sizes bets with it. The array functions are the
workhorse (the EV step prices thousands of rows at once); :func:`evaluate` is the scalar
convenience used by calculators and tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from propledger.errors import InputError
from propledger.odds.formats import decimal_to_american
from propledger.odds.quote import Side

FloatArray = NDArray[np.float64]

#: Slack for probability sums: the model clips each probability to [1e-6, 1 − 1e-6], so
#: p_win + p_push may exceed 1 by a few 1e-6 without anything being wrong.
PROBABILITY_SLACK = 1e-5


@dataclass(frozen=True)
class EvResult:
    """EV figures of one bet, per unit stake. ``decimal`` and ``fair_decimal`` are decimal odds."""

    p_win: float
    p_push: float
    decimal: float
    ev: float
    implied_probability: float
    fair_decimal: float
    kelly: float

    @property
    def p_loss(self) -> float:
        return max(0.0, 1.0 - self.p_win - self.p_push)

    @property
    def fair_american(self) -> int | None:
        """The fair price in American odds; None when it has none (fair decimal ≤ 1 or ∞)."""
        return _american_or_none(self.fair_decimal)


@dataclass(frozen=True)
class EvArrays:
    """Vectorised :class:`EvResult`: one element per row, all float64, same shape."""

    ev: FloatArray
    implied_probability: FloatArray
    fair_decimal: FloatArray
    kelly: FloatArray


def _as_float_array(name: str, value: ArrayLike) -> FloatArray:
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be numeric; got {value!r}") from None


def _check_inputs(p_win: FloatArray, decimal: FloatArray, p_push: FloatArray) -> None:
    """Raise one InputError naming the first bad value; NaN is allowed and propagates."""
    checks: list[tuple[str, NDArray[np.bool_]]] = [
        (
            "decimal odds must be greater than 1 (a price of 1.0 returns only the stake)",
            decimal <= 1.0,
        ),
        ("p_win must be within [0, 1]", (p_win < 0.0) | (p_win > 1.0)),
        ("p_push must be within [0, 1]", (p_push < 0.0) | (p_push > 1.0)),
        ("p_win + p_push must not exceed 1", p_win + p_push > 1.0 + PROBABILITY_SLACK),
    ]
    for message, bad in checks:
        if np.any(bad):
            index = np.argwhere(np.atleast_1d(bad))[0]
            where = "" if bad.ndim == 0 else f" (row {int(index[0])}, {int(np.sum(bad))} rows)"
            raise InputError(f"{message}{where}; check the price and the model probabilities")


def _broadcast(
    p_win: ArrayLike, decimal: ArrayLike, p_push: ArrayLike | None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    pw = _as_float_array("p_win", p_win)
    d = _as_float_array("decimal", decimal)
    pp = _as_float_array("p_push", 0.0 if p_push is None else p_push)
    try:
        pw, d, pp = np.broadcast_arrays(pw, d, pp)
    except ValueError:
        raise InputError(
            f"p_win, decimal and p_push have incompatible shapes {pw.shape}, {d.shape}, {pp.shape}"
        ) from None
    _check_inputs(pw, d, pp)
    return pw, d, pp


def expected_value(
    p_win: ArrayLike, decimal: ArrayLike, p_push: ArrayLike | None = None
) -> FloatArray:
    """EV per unit stake: ``p_win · d + p_push − 1`` (the push returns the stake)."""
    pw, d, pp = _broadcast(p_win, decimal, p_push)
    return pw * d + pp - 1.0


def implied_probability(decimal: ArrayLike) -> FloatArray:
    """The book's implied probability ``1 / d`` (vig included)."""
    d = _as_float_array("decimal", decimal)
    _check_inputs(np.zeros_like(d), d, np.zeros_like(d))
    return 1.0 / d


def fair_decimal(p_win: ArrayLike, p_push: ArrayLike | None = None) -> FloatArray:
    """The model's fair decimal price ``(1 − p_push) / p_win``; +∞ where ``p_win`` is 0."""
    pw, _, pp = _broadcast(p_win, 2.0, p_push)
    out = np.full(pw.shape, np.inf)
    np.divide(1.0 - pp, pw, out=out, where=pw > 0)
    return np.where(np.isnan(pw) | np.isnan(pp), np.nan, out)


def kelly_fraction(
    p_win: ArrayLike, decimal: ArrayLike, p_push: ArrayLike | None = None
) -> FloatArray:
    """Growth-optimal stake as a fraction of bankroll, with push; 0 when EV ≤ 0.

    ``f* = EV / ((d − 1) · (1 − p_push))`` clipped to [0, 1] (see docs/ev.md for the
    derivation). A certain push (``p_push = 1``) has no edge and gives 0. Observational only.
    """
    pw, d, pp = _broadcast(p_win, decimal, p_push)
    ev = pw * d + pp - 1.0
    denom = (d - 1.0) * (1.0 - pp)
    raw = np.zeros(pw.shape)
    np.divide(ev, denom, out=raw, where=denom > 0)
    out = np.clip(raw, 0.0, 1.0)
    return np.where(np.isnan(ev), np.nan, out)


def evaluate_arrays(
    p_win: ArrayLike, decimal: ArrayLike, p_push: ArrayLike | None = None
) -> EvArrays:
    """EV, implied probability, fair decimal price and Kelly fraction for every row at once."""
    pw, d, pp = _broadcast(p_win, decimal, p_push)
    return EvArrays(
        ev=expected_value(pw, d, pp),
        implied_probability=1.0 / d,
        fair_decimal=fair_decimal(pw, pp),
        kelly=kelly_fraction(pw, d, pp),
    )


def p_win_for_side(side: ArrayLike, p_over: ArrayLike, p_under: ArrayLike) -> FloatArray:
    """Pick the policy probability of the bet side: OVER → ``p_over``, UNDER → ``p_under``.

    ``side`` holds ``OVER``/``UNDER`` strings (case-insensitive); anything else is an error.
    """
    sides = np.char.upper(np.asarray(side, dtype=str))
    over = _as_float_array("p_over", p_over)
    under = _as_float_array("p_under", p_under)
    unknown = ~np.isin(sides, [Side.OVER.value, Side.UNDER.value])
    if np.any(unknown):
        bad = sides[unknown].ravel()[0] if sides.ndim else str(sides)
        raise InputError(f"side {bad!r} is not OVER or UNDER; normalise sides before pricing")
    result: FloatArray = np.where(sides == Side.OVER.value, over, under).astype(np.float64)
    return result


def evaluate(p_win: float, decimal: float, p_push: float = 0.0) -> EvResult:
    """Scalar convenience over the array functions (same formulas, same checks)."""
    arrays = evaluate_arrays(p_win, decimal, p_push)
    return EvResult(
        p_win=float(p_win),
        p_push=float(p_push),
        decimal=float(decimal),
        ev=float(arrays.ev),
        implied_probability=float(arrays.implied_probability),
        fair_decimal=float(arrays.fair_decimal),
        kelly=float(arrays.kelly),
    )


def evaluate_side(
    side: Side | str, p_over: float, p_under: float, decimal: float, p_push: float = 0.0
) -> EvResult:
    """Scalar EV of one side given the three line probabilities (``p_push`` = 0 on half lines)."""
    p_win = float(p_win_for_side(str(side), p_over, p_under))
    return evaluate(p_win, decimal, p_push)


def _american_or_none(decimal: Any) -> int | None:
    d = float(decimal)
    if not np.isfinite(d) or d <= 1.0:
        return None
    return decimal_to_american(repr(d))


__all__ = [
    "PROBABILITY_SLACK",
    "EvArrays",
    "EvResult",
    "evaluate",
    "evaluate_arrays",
    "evaluate_side",
    "expected_value",
    "fair_decimal",
    "implied_probability",
    "kelly_fraction",
    "p_win_for_side",
]
