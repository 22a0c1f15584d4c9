"""Market fair probabilities: de-vig a book's prices, sharp consensus, edge (observational).

Input prices are **decimal** odds of one book's mutually exclusive, exhaustive outcomes at the
same line and capture (a two-way OVER/UNDER pair, or n-way). With ``π_i = 1/d_i`` (implied
probabilities) and booksum ``S = Σ π_i``, the margin is ``S − 1`` (overround; negative for an
under-round book). Each method returns fair probabilities ``p_i`` summing to 1:

- multiplicative (default): ``p_i = π_i / S``; no fitted parameter.
- additive: ``p_i = π_i − s`` with shift ``s = (S − 1)/n``; refuses books where some
  ``p_i ≤ 0`` (a long shot in an overround book).
- power: ``p_i = π_i ** k`` with the exponent ``k`` solving ``Σ π_i ** k = 1`` (k > 1 when
  overround, k < 1 when under-round).
- Shin: ``p_i = (sqrt(z² + 4(1 − z) π_i² / S) − z) / (2(1 − z))`` with the insider share
  ``z ∈ [0, 1)`` solving ``Σ p_i = 1``; refuses under-round books (they would need z < 0, which
  has no meaning in Shin's model). With two outcomes Shin equals additive (Clarke et al. 2017).

Every result is renormalised to sum exactly to 1 (the root-finders leave ~1e-16 residue).
The array path (:func:`devig_array`, :func:`devig_pairs`) de-vigs thousands of books at once
with vectorised bisection; :func:`devig` is the scalar form used by the calculator.
Equations and references: ``docs/ev.md``.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import ArrayLike, NDArray

from propledger.errors import InputError
from propledger.odds.formats import decimal_to_american

FloatArray = NDArray[np.float64]

_BISECTION_STEPS = 200  # halves the bracket to float64 resolution for any realistic price


class DevigMethod(enum.StrEnum):
    MULTIPLICATIVE = "multiplicative"
    ADDITIVE = "additive"
    POWER = "power"
    SHIN = "shin"


#: Name of each method's fitted parameter (None: the method has none).
PARAMETER_NAMES: dict[DevigMethod, str | None] = {
    DevigMethod.MULTIPLICATIVE: None,
    DevigMethod.ADDITIVE: "shift",
    DevigMethod.POWER: "k",
    DevigMethod.SHIN: "z",
}


class InvalidReason(enum.StrEnum):
    """Why a row of the array path has no fair probabilities ('' means it has)."""

    ONE_SIDED = "one_sided"  # fewer than two finite prices
    DEGENERATE = "degenerate"  # a price ≤ 1 (implied probability ≥ 1)
    UNDER_ROUND = "under_round"  # booksum < 1, refused by Shin
    NON_POSITIVE = "non_positive"  # additive would give a probability ≤ 0


_REASON_TEXT: dict[InvalidReason, str] = {
    InvalidReason.ONE_SIDED: "needs at least two prices of the same market (got a one-sided quote); "
    "give both sides, e.g. OVER and UNDER",
    InvalidReason.DEGENERATE: "has a price ≤ 1.0 (decimal) which implies a probability ≥ 1; "
    "check the odds format (American like -110, decimal like 1.91)",
    InvalidReason.UNDER_ROUND: "is under-round (implied probabilities sum below 1), which Shin's "
    "model cannot represent; use --method multiplicative or power",
    InvalidReason.NON_POSITIVE: "gives a fair probability ≤ 0 with the additive method (a long "
    "shot in an overround book); use --method multiplicative, power or shin",
}


@dataclass(frozen=True)
class Devig:
    """One book's de-vigged market. Prices are decimal odds; probabilities sum to 1."""

    method: DevigMethod
    decimals: tuple[float, ...]
    probabilities: tuple[float, ...]
    margin: float
    parameter: float | None

    @property
    def parameter_name(self) -> str | None:
        return PARAMETER_NAMES[self.method]

    @property
    def implied(self) -> tuple[float, ...]:
        """The book's implied probabilities ``1/d`` (vig included)."""
        return tuple(1.0 / d for d in self.decimals)

    @property
    def booksum(self) -> float:
        return 1.0 + self.margin

    @property
    def fair_decimals(self) -> tuple[float, ...]:
        return tuple(1.0 / p for p in self.probabilities)

    @property
    def fair_americans(self) -> tuple[int | None, ...]:
        """Fair prices in American odds (rounded half away from zero); None for p = 1."""
        return tuple(
            decimal_to_american(repr(d)) if math.isfinite(d) and d > 1.0 else None
            for d in self.fair_decimals
        )


@dataclass(frozen=True)
class DevigArrays:
    """Vectorised :class:`Devig` over ``m`` books of ``n`` outcomes each.

    ``probabilities`` is (m, n); ``margin``, ``parameter`` (NaN for multiplicative) and
    ``valid`` are (m,); ``reason`` holds an :class:`InvalidReason` value or '' per row.
    Invalid rows have NaN probabilities (their margin is kept when it can be computed).
    """

    method: DevigMethod
    probabilities: FloatArray
    margin: FloatArray
    parameter: FloatArray
    valid: NDArray[np.bool_]
    reason: NDArray[np.str_]


# ---- the methods on a clean (m, n) matrix of implied probabilities ---------------------------
def _bisect(func: Callable[[FloatArray], FloatArray], lo: FloatArray, hi: FloatArray) -> FloatArray:
    """Vectorised bisection for a decreasing ``func(x) → Σp − 1`` with f(lo) ≥ 0 ≥ f(hi)."""
    for _ in range(_BISECTION_STEPS):
        mid = 0.5 * (lo + hi)
        positive = func(mid) > 0.0
        lo = np.where(positive, mid, lo)
        hi = np.where(positive, hi, mid)
    return 0.5 * (lo + hi)


def _power(pi: FloatArray) -> tuple[FloatArray, FloatArray]:
    log_pi = np.log(pi)

    def excess(k: FloatArray) -> FloatArray:
        total: FloatArray = np.exp(k[:, None] * log_pi).sum(axis=1) - 1.0
        return total

    n = pi.shape[1]
    # Σ π^k ≤ n·max(π)^k ≤ 1 once k ≥ ln n / −ln max(π): a bracket with f(hi) ≤ 0 ≤ f(0) = n − 1
    hi = np.maximum(1.0, math.log(n) / -np.log(pi.max(axis=1)))
    k = _bisect(excess, np.zeros(pi.shape[0]), hi)
    return np.exp(k[:, None] * log_pi), k


def _shin_probs(z: FloatArray, pi: FloatArray, booksum: FloatArray) -> FloatArray:
    zz = z[:, None]
    root = np.sqrt(zz**2 + 4.0 * (1.0 - zz) * pi**2 / booksum[:, None])
    result: FloatArray = (root - zz) / (2.0 * (1.0 - zz))
    return result


def _shin(pi: FloatArray, booksum: FloatArray) -> tuple[FloatArray, FloatArray]:
    if pi.shape[1] == 2:
        # Closed form for two outcomes (Štrumbelj 2014; the same value the `shin` package uses)
        diff2 = (pi[:, 0] - pi[:, 1]) ** 2
        z = (booksum - 1.0) * (diff2 - booksum) / (booksum * (diff2 - 1.0))
    else:
        # f(0) = √S − 1 ≥ 0 and f(1⁻) = Σπ²/S − 1 < 0: z ∈ [0, 1) always brackets the root
        def excess(zv: FloatArray) -> FloatArray:
            total: FloatArray = _shin_probs(zv, pi, booksum).sum(axis=1) - 1.0
            return total

        m = pi.shape[0]
        z = _bisect(excess, np.zeros(m), np.full(m, 1.0 - 1e-12))
    return _shin_probs(z, pi, booksum), z


def _apply(
    method: DevigMethod, pi: FloatArray, booksum: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Fair probabilities (unnormalised) and the fitted parameter, row by row of ``pi``."""
    n = pi.shape[1]
    if method is DevigMethod.MULTIPLICATIVE:
        return pi / booksum[:, None], np.full(pi.shape[0], np.nan)
    if method is DevigMethod.ADDITIVE:
        shift = (booksum - 1.0) / n
        return pi - shift[:, None], shift
    if method is DevigMethod.POWER:
        return _power(pi)
    return _shin(pi, booksum)


# ---- public API --------------------------------------------------------------------------------
def devig_array(
    decimals: ArrayLike,
    method: DevigMethod | str = DevigMethod.MULTIPLICATIVE,
    *,
    strict: bool = True,
) -> DevigArrays:
    """De-vig ``m`` books at once: ``decimals`` is (m, n) decimal prices, one book per row.

    NaN marks a missing outcome; a row with fewer than two prices is one-sided. With
    ``strict=True`` the first invalid row raises :class:`InputError`; with ``strict=False``
    invalid rows come back NaN with a ``reason`` (what the EV step wants: one bad book must not
    stop thousands of good ones).
    """
    method = _method(method)
    try:
        d = np.asarray(decimals, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"prices must be numeric decimal odds; got {decimals!r}") from None
    if d.ndim == 1:
        d = d[None, :]
    if d.ndim != 2:
        raise InputError(f"prices must be a (books × outcomes) matrix; got shape {d.shape}")
    m, n = d.shape

    reason = np.full(m, "", dtype=object)
    finite = np.isfinite(d)
    # an outcome missing from a row makes it one-sided: fair probabilities need the full market
    one_sided = ~finite.all(axis=1) | (n < 2)
    reason[one_sided] = InvalidReason.ONE_SIDED.value
    degenerate = ~one_sided & np.any(d <= 1.0, axis=1)
    reason[degenerate] = InvalidReason.DEGENERATE.value

    ok = reason == ""
    probs = np.full((m, n), np.nan)
    margin = np.full(m, np.nan)
    parameter = np.full(m, np.nan)
    if n >= 2 and ok.any():
        pi = 1.0 / d[ok]
        booksum = pi.sum(axis=1)
        margin[ok] = booksum - 1.0
        refused = np.zeros(pi.shape[0], dtype=bool)
        if method is DevigMethod.SHIN:
            refused = booksum < 1.0
            _mark(reason, ok, refused, InvalidReason.UNDER_ROUND)
        keep = ~refused
        if keep.any():
            fair, param = _apply(method, pi[keep], booksum[keep])
            nonpositive = np.any(fair <= 0.0, axis=1)
            fair = fair / fair.sum(axis=1, keepdims=True)
            fair[nonpositive] = np.nan
            param[nonpositive] = np.nan
            rows = np.flatnonzero(ok)[keep]
            probs[rows] = fair
            parameter[rows] = param
            sub = np.zeros(m, dtype=bool)
            sub[rows[nonpositive]] = True
            reason[sub] = InvalidReason.NON_POSITIVE.value

    valid = reason == ""
    if strict and not valid.all():
        first = int(np.flatnonzero(~valid)[0])
        text = _REASON_TEXT[InvalidReason(reason[first])]
        where = f" (row {first})" if m > 1 else ""
        raise InputError(f"this book{where} {text}")
    return DevigArrays(
        method=method,
        probabilities=probs,
        margin=margin,
        parameter=parameter,
        valid=valid,
        reason=reason.astype(str),
    )


def devig_pairs(
    over: ArrayLike,
    under: ArrayLike,
    method: DevigMethod | str = DevigMethod.MULTIPLICATIVE,
    *,
    strict: bool = True,
) -> DevigArrays:
    """Two-way books: ``over[i]``/``under[i]`` are one book's decimal prices at one line and
    capture. Column 0 of ``probabilities`` is the fair OVER probability, column 1 the UNDER."""
    o = np.asarray(over, dtype=np.float64).ravel()
    u = np.asarray(under, dtype=np.float64).ravel()
    if o.shape != u.shape:
        raise InputError(f"over and under price arrays differ in length ({o.size} vs {u.size})")
    return devig_array(np.column_stack([o, u]), method, strict=strict)


def devig(prices: Sequence[float], method: DevigMethod | str = DevigMethod.MULTIPLICATIVE) -> Devig:
    """De-vig one book's decimal prices (two-way or n-way); raises InputError when it can't."""
    values = tuple(float(p) for p in prices)
    if len(values) < 2:
        raise InputError(f"this book {_REASON_TEXT[InvalidReason.ONE_SIDED]}")
    arrays = devig_array([values], method, strict=True)
    param = float(arrays.parameter[0])
    return Devig(
        method=arrays.method,
        decimals=values,
        probabilities=tuple(float(p) for p in arrays.probabilities[0]),
        margin=float(arrays.margin[0]),
        parameter=None if math.isnan(param) else param,
    )


# ---- sharp consensus and edge --------------------------------------------------------------------
#: Default grouping of :func:`sharp_consensus_table`: one market side of one player in one game.
CONSENSUS_KEYS: tuple[str, ...] = ("game_id", "player_id", "market_type", "line", "side")


def _normalise_book(name: str) -> str:
    return name.strip().casefold()


def sharp_consensus(fair_by_book: Mapping[str, float], sharp_books: Sequence[str]) -> float | None:
    """Mean fair probability over the sharp books quoting this side; None unless ≥ 2 do.

    Book names match case-insensitively (``pinnacle`` = ``Pinnacle``); books appearing under
    two spellings count once (their values are averaged first).
    """
    sharp = {_normalise_book(b) for b in sharp_books}
    per_book: dict[str, list[float]] = {}
    for book, p in fair_by_book.items():
        key = _normalise_book(book)
        if key in sharp and p is not None and math.isfinite(p):
            per_book.setdefault(key, []).append(float(p))
    if len(per_book) < 2:
        return None
    return sum(sum(v) / len(v) for v in per_book.values()) / len(per_book)


def sharp_consensus_table(
    table: pa.Table,
    sharp_books: Sequence[str],
    *,
    keys: Sequence[str] = CONSENSUS_KEYS,
    book_column: str = "book_name_raw",
    prob_column: str = "p_fair",
) -> pa.Table:
    """Sharp consensus for every key group of ``table`` (long format: one row per book quote).

    Returns one row per distinct ``keys`` value with ``n_sharp_books`` (distinct sharp books
    with a finite fair probability) and ``p_fair_consensus`` (their mean, each book first
    averaged over its own rows; null unless ≥ 2 sharp books quote).
    """
    missing = [c for c in (*keys, book_column, prob_column) if c not in table.column_names]
    if missing:
        raise InputError(
            f"consensus input lacks column(s) {', '.join(missing)}; "
            f"it needs {', '.join((*keys, book_column, prob_column))}"
        )
    keys = list(keys)
    sharp = pa.array(sorted({_normalise_book(b) for b in sharp_books}), pa.string())
    books = pc.utf8_lower(pc.utf8_trim_whitespace(table[book_column].cast(pa.string())))
    prob = table[prob_column].cast(pa.float64())
    usable = pc.and_(pc.is_in(books, value_set=sharp), pc.is_finite(prob))
    usable = pc.fill_null(usable, False)
    base = table.select(keys).append_column("__book", books).append_column("__p", prob)
    all_keys = base.select(keys).group_by(keys, use_threads=False).aggregate([])
    per_book = (
        base.filter(usable)
        .group_by([*keys, "__book"], use_threads=False)
        .aggregate([("__p", "mean")])
    )
    per_key = per_book.group_by(keys, use_threads=False).aggregate(
        [("__p_mean", "mean"), ("__book", "count")]
    )
    joined = all_keys.join(per_key, keys=keys, join_type="left outer")
    count = pc.fill_null(joined["__book_count"], 0).cast(pa.int64())
    consensus = pc.if_else(pc.greater_equal(count, 2), joined["__p_mean_mean"], None)
    out = joined.select(keys).append_column("n_sharp_books", count)
    out = out.append_column("p_fair_consensus", consensus.cast(pa.float64()))
    return out.sort_by([(k, "ascending") for k in keys])


def edge(p_model: ArrayLike, p_fair: ArrayLike) -> FloatArray:
    """Edge of the model over the market: ``p_model − p_fair`` (NaN where either is missing)."""
    a = np.asarray(p_model, dtype=np.float64)
    b = np.asarray(p_fair, dtype=np.float64)
    result: FloatArray = a - b
    return result


# ---- helpers ---------------------------------------------------------------------------------------
def _method(method: DevigMethod | str) -> DevigMethod:
    try:
        return DevigMethod(str(method).strip().lower())
    except ValueError:
        names = ", ".join(m.value for m in DevigMethod)
        raise InputError(f"unknown de-vig method {method!r}; use one of {names}") from None


def _mark(
    reason: NDArray[np.object_], ok: NDArray[np.bool_], sub: NDArray[np.bool_], why: InvalidReason
) -> None:
    rows = np.flatnonzero(ok)[sub]
    reason[rows] = why.value


__all__ = [
    "CONSENSUS_KEYS",
    "PARAMETER_NAMES",
    "Devig",
    "DevigArrays",
    "DevigMethod",
    "InvalidReason",
    "devig",
    "devig_array",
    "devig_pairs",
    "edge",
    "sharp_consensus",
    "sharp_consensus_table",
]
