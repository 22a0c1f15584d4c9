"""Poisson/NB2 line probabilities: hand-checked values, clipping, μ ≤ 0, invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from propledger.errors import InputError
from propledger.model.constants import P_MAX, P_MIN, Market
from propledger.model.distributions import ProbabilityGrid, line_probabilities


def nb2_pmf(x: int, mu: float, alpha: float) -> float:
    """Independent NB2 pmf: Γ(x+n)/(Γ(n)·x!)·pⁿ·(1−p)ˣ with n = 1/α, p = 1/(1+αμ)."""
    n, p = 1 / alpha, 1 / (1 + alpha * mu)
    return math.exp(math.lgamma(x + n) - math.lgamma(n) - math.lgamma(x + 1)) * p**n * (1 - p) ** x


def poisson_pmf(x: int, mu: float) -> float:
    return math.exp(-mu) * mu**x / math.factorial(x)


# ---- hand-checked values --------------------------------------------------------------------
def test_poisson_half_line_goals() -> None:
    p = line_probabilities(Market.GOALS, 0.5, 0.5)
    assert float(p.over) == pytest.approx(1 - math.exp(-0.5), abs=1e-15)  # 0.393469340287…
    assert float(p.over) == pytest.approx(0.3934693402873666, abs=1e-15)
    assert float(p.under) == pytest.approx(math.exp(-0.5), abs=1e-15)
    assert float(p.push) == 0.0


def test_poisson_integer_line_has_push() -> None:
    p = line_probabilities(Market.POINTS, 2.6, 3)
    assert float(p.push) == pytest.approx(0.21757206844918872, abs=1e-14)  # e^-2.6·2.6³/3!
    assert float(p.over) == pytest.approx(0.2639983556147608, abs=1e-14)  # 1 − P(X ≤ 3)
    under = sum(poisson_pmf(k, 2.6) for k in range(3))
    assert float(p.under) == pytest.approx(under, abs=1e-14)


def test_nb2_sog_half_and_integer_lines() -> None:
    # SOG α = 0.35, μ = 2.6: p = 1/1.91, n = 1/0.35
    p = line_probabilities(Market.SOG, 2.6, [2.5, 3.0])
    below3 = sum(nb2_pmf(k, 2.6, 0.35) for k in range(3))
    assert p.over[0] == pytest.approx(0.43140815123097476, abs=1e-13)
    assert p.over[0] == pytest.approx(1 - below3, abs=1e-13)
    assert p.under[0] == pytest.approx(below3, abs=1e-13)
    assert p.push[0] == 0.0
    assert p.push[1] == pytest.approx(0.15187941084770948, abs=1e-13)  # P(X = 3)
    assert p.over[1] == pytest.approx(1 - below3 - nb2_pmf(3, 2.6, 0.35), abs=1e-13)
    assert p.under[1] == pytest.approx(below3, abs=1e-13)


def test_nb2_blocks_alpha_060() -> None:
    p = line_probabilities(Market.BLOCKS, 1.2, [1.5, 1.0])
    assert p.over[0] == pytest.approx(0.3124457150198379, abs=1e-13)
    assert p.push[1] == pytest.approx(0.2825565554712996, abs=1e-13)
    assert p.under[1] == pytest.approx(0.4049977295088624, abs=1e-13)  # P(X = 0) = pⁿ


def test_nb2_variance_is_mu_plus_alpha_mu_squared() -> None:
    grid = ProbabilityGrid.build(Market.SOG, [2.6, 0.0, -1.0])
    np.testing.assert_allclose(grid.variance, [2.6 + 0.35 * 2.6**2, 0.0, 0.0], rtol=0, atol=1e-12)
    k = np.arange(200)
    pmf = ProbabilityGrid.build(Market.SOG, [2.6]).pmf(k[None, :])[0]
    mean = float((k * pmf).sum())
    assert mean == pytest.approx(2.6, abs=1e-9)
    assert float(((k - mean) ** 2 * pmf).sum()) == pytest.approx(4.966, abs=1e-9)
    assert grid.alpha == 0.35
    assert ProbabilityGrid.build(Market.GOALS, 1.0).alpha is None


def test_grid_answers_like_penaltyblog_and_broadcasts() -> None:
    mu = np.array([0.3, 0.8, 1.6])
    grid = ProbabilityGrid.build(Market.ASSISTS, mu[:, None])
    lines = np.array([0.5, 1.0, 1.5])
    over, under, push = grid.over(lines), grid.under(lines), grid.push(lines)
    assert over.shape == (3, 3)
    for i, m in enumerate(mu):
        assert over[i, 0] == pytest.approx(1 - math.exp(-m), abs=1e-14)
        assert push[i, 1] == pytest.approx(m * math.exp(-m), abs=1e-14)
        assert under[i, 1] == pytest.approx(math.exp(-m), abs=1e-14)
        assert over[i, 1] == pytest.approx(1 - math.exp(-m) * (1 + m), abs=1e-14)  # X ≥ 2
    with pytest.raises(ValueError):
        grid.mu[0] = 1.0  # frozen arrays


def test_over_half_line_equals_over_next_integer_line_minus_nothing() -> None:
    # over 1.5 and over 1 are the same event X ≥ 2
    p = line_probabilities(Market.GOALS, 1.3, [1.0, 1.5])
    assert p.over[0] == p.over[1]


# ---- clipping and degenerate μ --------------------------------------------------------------
def test_tiny_and_huge_mu_are_clipped() -> None:
    p = line_probabilities(Market.GOALS, [1e-9, 200.0], 2.5)
    assert p.over[0] == P_MIN and p.under[0] == P_MAX
    assert p.over[1] == P_MAX and p.under[1] == pytest.approx(P_MIN, abs=1e-15)


def test_integer_line_clipping_keeps_sum_within_1e6() -> None:
    p = line_probabilities(Market.GOALS, 50.0, 2.0)  # over ≈ 1, push ≈ 3e-19, under ≈ 1e-20
    assert p.over == P_MAX and p.push == P_MIN and p.under == P_MIN
    assert float(p.over + p.under + p.push) == pytest.approx(1 + 1e-6, abs=1e-15)


@pytest.mark.parametrize("mu", [0.0, -0.7])
def test_mu_not_positive_is_a_point_mass_at_zero(mu: float) -> None:
    for market in Market:
        half = line_probabilities(market, mu, 0.5)
        assert (half.over, half.under, half.push) == (P_MIN, P_MAX, 0.0)
        whole = line_probabilities(market, mu, 1.0)
        assert whole.over == P_MIN and whole.push == P_MIN
        assert float(whole.under) == pytest.approx(1 - 2e-6, abs=1e-15)
    assert ProbabilityGrid.build(Market.SOG, mu).pmf([0, 1]).tolist() == [1.0, 0.0]


def test_nan_mu_gives_nan_and_infinite_mu_is_rejected() -> None:
    p = line_probabilities(Market.SOG, [np.nan, 2.0], 2.5)
    assert np.isnan(p.over[0]) and np.isnan(p.under[0]) and np.isnan(p.push[0])
    assert np.isfinite(p.over[1])
    with pytest.raises(InputError, match="infinite"):
        line_probabilities(Market.SOG, np.inf, 2.5)


@pytest.mark.parametrize("bad", [0.0, 2.25, -1.5, np.nan, np.inf])
def test_bad_lines_are_input_errors(bad: float) -> None:
    with pytest.raises(InputError, match=r"multiple of 0\.5"):
        line_probabilities(Market.GOALS, 1.0, [0.5, bad])


def test_one_scipy_call_prices_a_slate_of_any_shape() -> None:
    rng = np.random.default_rng(7)
    mu = rng.uniform(0, 5, 600)
    lines = np.arange(6) + 0.5
    p = line_probabilities(Market.SOG, mu[:, None], lines[None, :])
    assert p.over.shape == (600, 6)
    i = 123
    expected = 1 - sum(nb2_pmf(k, mu[i], 0.35) for k in range(3))
    assert p.over[i, 2] == pytest.approx(max(P_MIN, expected), abs=1e-12)


# ---- invariants -----------------------------------------------------------------------------
mus = st.floats(min_value=-1.0, max_value=60.0, allow_nan=False)
line_values = st.integers(min_value=1, max_value=40).map(lambda k: k / 2)
markets = st.sampled_from(list(Market))


@settings(max_examples=150, deadline=None)
@given(market=markets, mu=mus, line=line_values)
def test_probabilities_sum_to_one_and_stay_in_bounds(
    market: Market, mu: float, line: float
) -> None:
    p = line_probabilities(market, mu, line)
    total = float(p.over + p.under + p.push)
    if line != math.floor(line):
        assert abs(total - 1.0) <= 1e-15 and p.push == 0.0
    else:
        assert 1.0 - 1e-15 <= total <= 1.0 + 1e-6 + 1e-15
        assert P_MIN <= p.push <= P_MAX
    for value in (p.over, p.under):
        assert P_MIN <= value <= P_MAX


@settings(max_examples=100, deadline=None)
@given(market=markets, mu=mus)
def test_p_over_is_non_increasing_in_line(market: Market, mu: float) -> None:
    lines = np.arange(1, 41) / 2
    over = line_probabilities(market, mu, lines).over
    assert np.all(np.diff(over) <= 0)


@settings(max_examples=100, deadline=None)
@given(market=markets, line=line_values, mu=mus, step=st.floats(min_value=0.0, max_value=5.0))
def test_p_over_is_non_decreasing_in_mu(
    market: Market, line: float, mu: float, step: float
) -> None:
    p = line_probabilities(market, [mu, mu + step], line).over
    assert p[1] >= p[0] - 1e-15
