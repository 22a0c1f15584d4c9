"""Count distributions and line probabilities (DESIGN section 5, frozen).

GOALS, ASSISTS and POINTS are Poisson(μ); SOG and BLOCKS are NB2 with variance μ + αμ²,
i.e. ``scipy.stats.nbinom(n=1/α, p=1/(1+αμ))`` (α = 0.35 SOG, 0.60 BLOCKS).

For a line L (a positive multiple of 0.5) and k = floor(L):

* p_over = P(X ≥ k + 1), for half and integer lines alike (``sf(k)``);
* half line: p_push = 0 and p_under = 1 − p_over;
* integer line: p_push = P(X = L) and p_under = P(X ≤ L − 1).

Clipping. Every probability is clipped to [1e-6, 1 − 1e-6]; p_over is the authoritative number
(calibration, accuracy, EV all start from it) and is exactly ``clip(sf(k))``. To keep
p_over + p_under + p_push = 1 the other two are derived from it:

* half line: p_under = 1 − p_over (already inside the bounds), p_push = 0 (not clipped: a
  half line cannot push). The sum is 1 to rounding.
* integer line: p_push = clip(pmf(L)), p_under = clip(1 − p_over − p_push) — the residual,
  equal to P(X ≤ L − 1) up to rounding whenever no clip binds. The sum is exactly 1 unless the
  lower clip of p_under binds (true P(X ≤ L − 1) below about 1e-6, a huge μ against a low
  line); then the sum exceeds 1 by at most 1e-6. Honouring both the bounds and the exact sum is
  impossible there (p_over = 1 − 1e-6 leaves 1e-6 for two probabilities each ≥ 1e-6).

μ ≤ 0 is a point mass at 0: p_over = 1e-6; half line p_under = 1 − 1e-6; integer line
(L ≥ 1) p_push = 1e-6 and p_under = 1 − 2e-6. μ = NaN (missing features) gives NaN
probabilities; μ = ±∞ and lines that are not positive multiples of 0.5 raise InputError.

Everything is vectorised: one ``sf`` and one ``pmf`` call per market over the broadcast of μ
and the lines (e.g. ``mu[:, None]`` against ``lines[None, :]`` prices a whole slate).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import stats

from propledger.errors import InputError
from propledger.model.constants import (
    MARKET_DISTRIBUTION,
    NB2_ALPHA,
    P_MAX,
    P_MIN,
    Distribution,
    Market,
)

FloatArray = npt.NDArray[np.float64]
ArrayLike = npt.ArrayLike


def _frozen(values: ArrayLike) -> FloatArray:
    out = np.array(values, dtype=np.float64)
    out.setflags(write=False)
    return out


def as_lines(lines: ArrayLike) -> FloatArray:
    """Validate lines: finite, ≥ 0.5 and a multiple of 0.5 (InputError names the bad one)."""
    arr = np.asarray(lines, dtype=np.float64)
    doubled = arr * 2.0
    bad = ~np.isfinite(arr) | (arr < 0.5) | (doubled != np.round(doubled))
    if np.any(bad):
        first = arr[bad].flat[0]
        raise InputError(
            f"line {first:g} is not a positive multiple of 0.5; use a half line (2.5) or a whole one (3)"
        )
    return arr


def as_mu(mu: ArrayLike) -> FloatArray:
    """μ as float64; NaN (missing) is allowed, ±∞ is an InputError."""
    arr = np.asarray(mu, dtype=np.float64)
    if np.any(np.isinf(arr)):
        raise InputError("μ is infinite; μ must be a finite number (NaN = missing features)")
    return arr


def _frozen_dist(market: Market, mu_pos: FloatArray) -> Any:
    """The scipy frozen distribution for strictly positive μ (any shape)."""
    if MARKET_DISTRIBUTION[market] is Distribution.POISSON:
        return stats.poisson(mu_pos)
    alpha = NB2_ALPHA[market]
    return stats.nbinom(1.0 / alpha, 1.0 / (1.0 + alpha * mu_pos))


@dataclass(frozen=True, eq=False)
class LineProbabilities:
    """Clipped probabilities of a line for each μ; arrays share the broadcast shape."""

    line: FloatArray
    over: FloatArray
    under: FloatArray
    push: FloatArray


def line_probabilities(market: Market, mu: ArrayLike, lines: ArrayLike) -> LineProbabilities:
    """p_over, p_under, p_push for ``mu`` broadcast against ``lines`` (see module docstring)."""
    mu_arr = as_mu(mu)
    line_arr = as_lines(lines)
    mu_b, line_b = np.broadcast_arrays(mu_arr, line_arr)
    k = np.floor(line_b)
    is_integer = line_b == k
    missing = np.isnan(mu_b)
    positive = mu_b > 0
    # scipy only sees μ > 0; μ ≤ 0 and NaN are handled explicitly below
    dist = _frozen_dist(market, np.where(positive, mu_b, 1.0))
    sf = np.where(positive, dist.sf(k), 0.0)  # μ ≤ 0: X = 0, so P(X ≥ k+1) = 0 for k ≥ 0
    pmf = np.where(positive, dist.pmf(k), 0.0)  # integer L ≥ 1: P(X = L) = 0 when X = 0
    over = np.clip(sf, P_MIN, P_MAX)
    push = np.where(is_integer, np.clip(pmf, P_MIN, P_MAX), 0.0)
    under = np.where(is_integer, np.clip(1.0 - over - push, P_MIN, P_MAX), 1.0 - over)
    nan = np.float64("nan")
    return LineProbabilities(
        line=_frozen(line_b),
        over=_frozen(np.where(missing, nan, over)),
        under=_frozen(np.where(missing, nan, under)),
        push=_frozen(np.where(missing, nan, push)),
    )


@dataclass(frozen=True, eq=False)
class ProbabilityGrid:
    """One market's distribution for an array of μ; answers line questions like penaltyblog.

    ``grid.over(2.5)`` gives P(over 2.5) for every μ; lines broadcast against μ by numpy rules,
    so ``ProbabilityGrid.build(Market.SOG, mu[:, None]).over([0.5, 1.5, 2.5])`` is a
    players × lines matrix. Probabilities are clipped as the module docstring states.
    """

    market: Market
    mu: FloatArray

    @classmethod
    def build(cls, market: Market, mu: ArrayLike) -> ProbabilityGrid:
        return cls(Market(market), _frozen(as_mu(mu)))

    @property
    def distribution(self) -> Distribution:
        return MARKET_DISTRIBUTION[self.market]

    @property
    def alpha(self) -> float | None:
        """NB2 over-dispersion α, or None for Poisson markets."""
        return NB2_ALPHA.get(self.market)

    @property
    def variance(self) -> FloatArray:
        """μ for Poisson, μ + αμ² for NB2 (μ ≤ 0 → 0)."""
        mu = np.maximum(self.mu, 0.0)
        alpha = self.alpha or 0.0
        return _frozen(mu + alpha * mu * mu)

    def probabilities(self, line: ArrayLike) -> LineProbabilities:
        return line_probabilities(self.market, self.mu, line)

    def over(self, line: ArrayLike) -> FloatArray:
        return self.probabilities(line).over

    def under(self, line: ArrayLike) -> FloatArray:
        return self.probabilities(line).under

    def push(self, line: ArrayLike) -> FloatArray:
        return self.probabilities(line).push

    def pmf(self, k: ArrayLike) -> FloatArray:
        """Unclipped P(X = k) for integer k ≥ 0 (for explanations, not for pricing)."""
        k_arr = np.asarray(k, dtype=np.float64)
        mu_b, k_b = np.broadcast_arrays(self.mu, k_arr)
        positive = mu_b > 0
        dist = _frozen_dist(self.market, np.where(positive, mu_b, 1.0))
        out = np.where(positive, dist.pmf(k_b), (k_b == 0).astype(np.float64))
        return _frozen(np.where(np.isnan(mu_b), np.float64("nan"), out))


__all__ = ["LineProbabilities", "ProbabilityGrid", "as_lines", "as_mu", "line_probabilities"]
