"""MARKET_POLICY, DISABLE_CALIBRATION, and calibrated push/under derivation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from propledger.errors import InputError, ModelError
from propledger.model.constants import P_MAX, P_MIN, Market
from propledger.model.distributions import line_probabilities
from propledger.model.policy import (
    MARKET_POLICY,
    ProbSource,
    apply_policy,
    needs_calibrator,
    prob_source_for,
)


def test_policy_table_is_the_design() -> None:
    assert {m: s.value for m, s in MARKET_POLICY.items()} == {
        Market.GOALS: "Raw",
        Market.ASSISTS: "Calibrated",
        Market.POINTS: "Calibrated",
        Market.SOG: "Raw",
        Market.BLOCKS: "Raw",
    }
    assert prob_source_for("POINTS") is ProbSource.CALIBRATED
    assert prob_source_for("POINTS", disable_calibration=True) is ProbSource.RAW
    assert needs_calibrator(["SOG", "POINTS", "ASSISTS", "POINTS"]) == [
        Market.ASSISTS,
        Market.POINTS,
    ]
    assert needs_calibrator(["POINTS"], disable_calibration=True) == []


def test_mixed_markets_vectorised() -> None:
    markets = np.array(["GOALS", "ASSISTS", "SOG", "POINTS"])
    raw_over = np.array([0.30, 0.40, 0.55, 0.60])
    cal = np.array([np.nan, 0.35, np.nan, 0.58])
    res = apply_policy(markets, raw_over, 1 - raw_over, np.zeros(4), cal)
    assert res.prob_source.tolist() == ["Raw", "Calibrated", "Raw", "Calibrated"]
    np.testing.assert_allclose(res.p_over, [0.30, 0.35, 0.55, 0.58], rtol=0, atol=0)
    np.testing.assert_allclose(res.p_under, [0.70, 0.65, 0.45, 0.42], rtol=0, atol=1e-15)
    assert res.p_push.tolist() == [0.0, 0.0, 0.0, 0.0]


def test_disable_calibration_forces_raw_and_needs_no_calibrator() -> None:
    res = apply_policy("ASSISTS", [0.4], [0.6], [0.0], None, disable_calibration=True)
    assert res.prob_source.tolist() == ["Raw"] and res.p_over.tolist() == [0.4]


def test_missing_calibrated_probability_is_an_error_not_a_fallback() -> None:
    with pytest.raises(ModelError, match="ASSISTS") as err:
        apply_policy(["ASSISTS", "GOALS"], [0.4, 0.3], [0.6, 0.7], [0.0, 0.0], [np.nan, np.nan])
    assert "DISABLE_CALIBRATION" in str(err.value)
    with pytest.raises(ModelError):
        apply_policy("POINTS", [0.4], [0.6], [0.0])
    # a row without μ (NaN raw) needs nothing
    res = apply_policy("POINTS", [np.nan], [np.nan], [np.nan], [np.nan])
    assert np.isnan(res.p_over[0])


def test_unknown_market_is_an_input_error() -> None:
    with pytest.raises(InputError, match="HITS"):
        apply_policy("HITS", [0.4], [0.6], [0.0])


def test_calibrated_integer_line_keeps_the_raw_push_share() -> None:
    # raw POINTS μ = 1.0, line 1: over = 1 − 2/e, push = 1/e, under = 1/e → push share 1/2
    raw = line_probabilities(Market.POINTS, 1.0, 1.0)
    res = apply_policy("POINTS", raw.over, raw.under, raw.push, [0.30])
    assert res.p_over[0] == 0.30
    assert res.p_push[0] == pytest.approx(0.35, abs=1e-15)
    assert res.p_under[0] == pytest.approx(0.35, abs=1e-15)
    # μ = 2: push share = P(X=1)/P(X≤1) = 2e^-2/(3e^-2) = 2/3
    raw = line_probabilities(Market.ASSISTS, 2.0, 1.0)
    res = apply_policy("ASSISTS", raw.over, raw.under, raw.push, [0.55])
    assert res.p_push[0] == pytest.approx(0.45 * 2 / 3, abs=1e-15)
    assert res.p_under[0] == pytest.approx(0.45 / 3, abs=1e-15)


def test_calibrated_extremes_stay_clipped() -> None:
    raw = line_probabilities(Market.POINTS, 1.0, 1.0)
    res = apply_policy("POINTS", raw.over, raw.under, raw.push, [P_MAX])
    assert res.p_push[0] == P_MIN and res.p_under[0] == P_MIN  # sum 1 + 1e-6 at the bound


@settings(max_examples=200, deadline=None)
@given(
    mu=st.floats(min_value=0.01, max_value=8.0),
    line=st.integers(min_value=1, max_value=12).map(lambda k: k / 2),
    cal=st.floats(min_value=P_MIN, max_value=P_MAX),
)
def test_calibrated_rows_sum_to_one(mu: float, line: float, cal: float) -> None:
    raw = line_probabilities(Market.POINTS, mu, line)
    res = apply_policy("POINTS", raw.over, raw.under, raw.push, [cal])
    total = float(res.p_over[0] + res.p_under[0] + res.p_push[0])
    assert 1 - 1e-15 <= total <= 1 + 1e-6 + 1e-15
    if line % 1:
        assert res.p_push[0] == 0.0
    for v in (res.p_under[0], res.p_over[0]):
        assert P_MIN <= v <= P_MAX
