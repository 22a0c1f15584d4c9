"""Prices of the sample world's odds board: count probabilities, margins, odds formats.

``p_over`` is P(X > line) for half lines under Poisson (goals, assists, points) or NB2 with
variance μ + αμ² (SOG α 0.35, blocks α 0.60), the forms the model uses; ``implied`` applies a
bookmaker margin; ``american``/``decimal``/``fraction_of`` render a price the way vendors
quote it (integer American, 2-place decimal, OpenBet's fraction). All vectorised (numpy).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

#: NB2 over-dispersion (variance μ + αμ²); markets not listed are Poisson
ALPHA = {"SOG": 0.35, "BLOCKS": 0.60}


def p_over(market: np.ndarray, mu: np.ndarray, line: np.ndarray) -> np.ndarray:
    """P(X > line) = 1 − P(X ≤ floor(line)) for half lines, vectorised over offers.

    Poisson, or NB2 (variance μ + αμ²) for the markets in :data:`ALPHA`; the pmf is built by
    its recursion in numpy (scipy's per-call overhead dominated the payload writers)."""
    mu = np.maximum(np.asarray(mu, dtype=float), 1e-9)
    k = np.floor(np.asarray(line, dtype=float)).astype(np.int64)
    alpha = np.zeros(len(mu))
    for name, a in ALPHA.items():
        alpha[market == name] = a
    nb = alpha > 0
    r = np.where(nb, 1.0 / np.where(nb, alpha, 1.0), 0.0)
    q = np.where(nb, alpha * mu / (1.0 + alpha * mu), 0.0)
    pmf = np.where(nb, np.power(1.0 - q, r), np.exp(-mu))
    cdf = pmf.copy()
    for j in range(int(k.max(initial=0))):
        step = np.where(nb, (j + r) / (j + 1) * q, mu / (j + 1))
        pmf = pmf * step
        cdf = cdf + np.where(j + 1 <= k, pmf, 0.0)
    out: np.ndarray = np.clip(1.0 - cdf, 1e-4, 1 - 1e-4)
    return out


def main_line(market: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """0.5 for goals/assists/points; for SOG and blocks the x.5 with P(over) nearest 0.5."""
    line = np.full(len(mu), 0.5)
    for name, top in (("SOG", 8), ("BLOCKS", 4)):
        sel = market == name
        if not sel.any():
            continue
        ks = np.arange(top)[None, :] + 0.5
        grid = np.stack(
            [p_over(np.full(sel.sum(), name), mu[sel], np.full(sel.sum(), k)) for k in ks[0]], 1
        )
        line[sel] = ks[0][np.argmin(np.abs(grid - 0.5), axis=1)]
    return line


def implied(p: np.ndarray, margin: float | np.ndarray) -> np.ndarray:
    """Bookmaker implied probability: fair p × (1 + margin), clipped to [0.02, 0.97]."""
    return np.clip(p * (1.0 + margin), 0.02, 0.97)


def american(imp: np.ndarray) -> np.ndarray:
    """Integer American odds of implied probabilities (|odds| > 300 rounded to 5)."""
    fav = imp >= 0.5
    raw = np.where(fav, -100.0 * imp / (1.0 - imp), 100.0 * (1.0 - imp) / imp)
    out = np.round(raw).astype(np.int64)
    big = np.abs(out) > 300
    out[big] = (np.round(raw[big] / 5.0) * 5).astype(np.int64)
    out[(out > -100) & (out < 100)] = 100
    return out


def decimal(imp: np.ndarray) -> np.ndarray:
    """Decimal odds to 2 places (at least 1.01)."""
    return np.maximum(np.round(1.0 / imp, 2), 1.01)


def fraction_of(decimal_odds: float) -> tuple[int, int]:
    """The fractional (numerator, denominator) OpenBet shows for a decimal price."""
    frac = Fraction(str(round(decimal_odds - 1.0, 2))).limit_denominator(100)
    return frac.numerator, frac.denominator


__all__ = ["ALPHA", "american", "decimal", "fraction_of", "implied", "main_line", "p_over"]
