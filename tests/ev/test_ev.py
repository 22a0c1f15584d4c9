"""EV, implied probability, fair price and Kelly: hand-computed values and invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from propledger.errors import InputError
from propledger.ev.ev import (
    evaluate,
    evaluate_arrays,
    evaluate_side,
    expected_value,
    fair_decimal,
    implied_probability,
    kelly_fraction,
    p_win_for_side,
)
from propledger.odds.quote import Side


# ---- hand-computed values -----------------------------------------------------------------------
def test_half_line_ev_by_hand() -> None:
    # p = 0.55 at 1.91: 0.55 × 1.91 = 1.0505 → EV +0.0505; Kelly = 0.0505 / 0.91
    r = evaluate(0.55, 1.91)
    assert r.ev == pytest.approx(0.0505, abs=1e-12)
    assert r.implied_probability == pytest.approx(1 / 1.91, abs=1e-15)
    assert r.fair_decimal == pytest.approx(1 / 0.55, abs=1e-12)
    assert r.kelly == pytest.approx(0.0505 / 0.91, abs=1e-12)
    assert r.p_loss == pytest.approx(0.45, abs=1e-15)
    assert r.fair_american == -122  # 1.8181… → −100/0.8181… = −122.2 → −122


def test_push_returns_the_stake() -> None:
    # Integer line 2: p_over = 0.40, p_push = 0.25, p_under = 0.35, OVER at 2.20.
    # EV = 0.40 × 2.20 + 0.25 − 1 = 0.13 (ignoring the push would give 0.88 − 1 = −0.12)
    r = evaluate(0.40, 2.20, 0.25)
    assert r.ev == pytest.approx(0.13, abs=1e-12)
    assert r.fair_decimal == pytest.approx(0.75 / 0.40, abs=1e-12)  # 1.875
    # f* = EV / ((d − 1)(1 − p_push)) = 0.13 / (1.2 × 0.75) = 0.1444…
    assert r.kelly == pytest.approx(0.13 / 0.9, abs=1e-12)
    assert r.p_loss == pytest.approx(0.35, abs=1e-12)


def test_under_side_with_push() -> None:
    # The same line, UNDER at 1.80: EV = 0.35 × 1.8 + 0.25 − 1 = −0.12 → Kelly 0
    r = evaluate_side(Side.UNDER, p_over=0.40, p_under=0.35, decimal=1.80, p_push=0.25)
    assert r.ev == pytest.approx(-0.12, abs=1e-12)
    assert r.kelly == 0.0
    over = evaluate_side("over", p_over=0.40, p_under=0.35, decimal=2.20, p_push=0.25)
    assert over.ev == pytest.approx(0.13, abs=1e-12)


def test_half_line_formula_is_the_push_formula_with_zero_push() -> None:
    p = np.array([0.1, 0.33, 0.5, 0.72])
    d = np.array([9.5, 3.1, 1.95, 1.40])
    np.testing.assert_allclose(expected_value(p, d), p * d - 1, rtol=0, atol=1e-15)
    np.testing.assert_allclose(expected_value(p, d, 0.0), p * d - 1, rtol=0, atol=1e-15)


def test_kelly_matches_penaltyblog_reference() -> None:
    # martineastwood/penaltyblog test/test_kelly_criterion.py: odds 3.5, p 0.3 → stake 0.02;
    # odds 1.8, p 0.4 → 0 (no bet). Hand check: (0.3 × 2.5 − 0.7) / 2.5 = 0.02.
    assert evaluate(0.3, 3.5).kelly == pytest.approx(0.02, abs=1e-12)
    assert evaluate(0.4, 1.8).kelly == 0.0


def test_fair_price_edges() -> None:
    assert math.isinf(float(fair_decimal(0.0)))
    assert evaluate(0.0, 3.0).fair_american is None
    # no loss possible: fair price 1.0 has no American form; Kelly stakes everything
    r = evaluate(0.7, 1.5, 0.3)
    assert r.fair_decimal == pytest.approx(1.0)
    assert r.fair_american is None
    assert r.kelly == pytest.approx(1.0)
    # a certain push has no edge
    assert float(kelly_fraction(0.0, 2.0, 1.0)) == 0.0


def test_vectorised_equals_scalar() -> None:
    p = np.array([0.2, 0.45, 0.6, 0.05])
    push = np.array([0.0, 0.1, 0.2, 0.0])
    d = np.array([5.5, 2.3, 1.6, 30.0])
    arrays = evaluate_arrays(p, d, push)
    for i in range(p.size):
        one = evaluate(float(p[i]), float(d[i]), float(push[i]))
        assert arrays.ev[i] == pytest.approx(one.ev, abs=1e-15)
        assert arrays.kelly[i] == pytest.approx(one.kelly, abs=1e-15)
        assert arrays.fair_decimal[i] == pytest.approx(one.fair_decimal, abs=1e-12)
        assert arrays.implied_probability[i] == pytest.approx(1 / d[i], abs=1e-15)


def test_nan_propagates_without_error() -> None:
    out = evaluate_arrays([0.5, np.nan], [2.1, 2.1])
    assert out.ev[0] == pytest.approx(0.05)
    assert np.isnan(out.ev[1]) and np.isnan(out.kelly[1]) and np.isnan(out.fair_decimal[1])


def test_p_win_for_side_picks_the_policy_probability() -> None:
    got = p_win_for_side(["OVER", "under", "Over"], [0.3, 0.3, 0.6], [0.7, 0.65, 0.4])
    np.testing.assert_array_equal(got, [0.3, 0.65, 0.6])
    with pytest.raises(InputError, match="not OVER or UNDER"):
        p_win_for_side(["YES"], [0.3], [0.7])


@pytest.mark.parametrize(
    ("p_win", "decimal", "p_push", "message"),
    [
        (0.5, 1.0, 0.0, "greater than 1"),
        (0.5, 0.8, 0.0, "greater than 1"),
        (1.2, 2.0, 0.0, "p_win must be within"),
        (-0.1, 2.0, 0.0, "p_win must be within"),
        (0.5, 2.0, -0.2, "p_push must be within"),
        (0.7, 2.0, 0.4, "must not exceed 1"),
    ],
)
def test_bad_inputs_raise_one_line_errors(
    p_win: float, decimal: float, p_push: float, message: str
) -> None:
    with pytest.raises(InputError, match=message) as info:
        evaluate(p_win, decimal, p_push)
    assert "\n" not in str(info.value)


def test_array_error_names_the_row() -> None:
    with pytest.raises(InputError, match=r"row 2, 1 rows"):
        expected_value([0.5, 0.5, 0.5], [2.0, 2.1, 1.0])
    with pytest.raises(InputError, match="incompatible shapes"):
        expected_value([0.5, 0.5], [2.0, 2.1, 2.2])
    with pytest.raises(InputError, match="greater than 1"):
        implied_probability([1.5, 0.9])


# ---- invariants -----------------------------------------------------------------------------------
probability = st.floats(min_value=0.001, max_value=0.999)
price = st.floats(min_value=1.01, max_value=60.0)


@given(probability, st.floats(min_value=0.0, max_value=0.5), price)
def test_ev_is_the_conditional_bet_scaled_by_no_push(p: float, push_share: float, d: float) -> None:
    # A push removes itself from the bet: EV = (1 − p_push)·(p'·d − 1), p' = p_win / (1 − p_push)
    p_push = push_share * (1 - p)
    r = evaluate(p, d, p_push)
    conditional = p / (1 - p_push)
    assert r.ev == pytest.approx((1 - p_push) * (conditional * d - 1), abs=1e-12)


@given(probability, st.floats(min_value=0.0, max_value=0.5))
def test_ev_is_zero_at_the_fair_price(p: float, push_share: float) -> None:
    p_push = push_share * (1 - p)
    fair = float(fair_decimal(p, p_push))
    if fair > 1.0 + 1e-9:
        assert float(expected_value(p, fair, p_push)) == pytest.approx(0.0, abs=1e-9)


@given(probability, st.floats(min_value=0.0, max_value=0.6), price)
def test_kelly_maximises_log_growth_with_push(p: float, push_share: float, d: float) -> None:
    p_push = push_share * (1 - p)
    p_loss = 1 - p - p_push
    f = float(kelly_fraction(p, d, p_push))
    assert 0.0 <= f <= 1.0

    def growth(x: float) -> float:
        loss_term = p_loss * math.log(1 - x) if p_loss > 0 else 0.0
        return p * math.log1p(x * (d - 1)) + loss_term

    if f >= 1.0 - 1e-9:
        return
    for step in (1e-4, 1e-2):
        assert growth(f) >= growth(min(f + step, 1 - 1e-12)) - 1e-12
        if f > 0:
            assert growth(f) >= growth(max(f - step, 0.0)) - 1e-12
    if f == 0.0:
        # no edge: the growth slope at 0 is EV ≤ 0, so any positive stake shrinks the bankroll
        assert float(expected_value(p, d, p_push)) <= 1e-12


def test_side_has_one_definition_shared_with_ingestion_and_settlement() -> None:
    import propledger.ev.ev as ev_module
    from propledger.model.outcomes import Outcome

    assert ev_module.Side is Side  # imported from odds.quote, not redefined
    # a bet wins when the line's outcome is its side: the values must match
    assert {s.value for s in Side} == {Outcome.OVER.value, Outcome.UNDER.value}
