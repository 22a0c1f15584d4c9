"""Calibrator fitting: chronological split, candidates, selection, fit errors."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest
from scipy.special import expit, logit
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

from model.calibration_rows import settled, step_truth
from propledger.clock import FrozenClock
from propledger.errors import ConfigError, InputError, ModelError
from propledger.model.calibration import CalibrationMethod, apply
from propledger.model.calibration_fit import ChronoSplit, fit_calibrators, season_of
from propledger.model.constants import P_MAX, P_MIN, Market


@pytest.fixture(scope="module")
def table() -> pa.Table:
    return settled()


@pytest.fixture
def fitted(table: pa.Table, clock: FrozenClock) -> list:
    return fit_calibrators(table, clock=clock, run_id="run-1")


def test_season_of_uses_start_years() -> None:
    days = np.array(["2024-10-01", "2025-06-30", "2025-07-01", "2026-01-14"], dtype="datetime64[D]")
    assert season_of(days).tolist() == [2024, 2024, 2025, 2025]


def test_chronological_split_and_window(fitted: list, table: pa.Table) -> None:
    assert [a.market for a in fitted] == [Market.ASSISTS, Market.POINTS]
    art = fitted[0]
    w = art.window
    assert w.split == "season=2025"
    assert (w.train_start, w.train_end) == (
        dt.date(2024, 10, 10),
        dt.date(2024, 10, 10) + dt.timedelta(days=162),
    )
    assert (w.valid_start, w.valid_end) == (
        dt.date(2025, 10, 8),
        dt.date(2025, 10, 8) + dt.timedelta(days=72),
    )
    assert (w.train_seasons, w.valid_seasons) == ((2024,), (2025,))
    rows = table.filter(
        (pa.compute.field("market") == "ASSISTS")
        & (pa.compute.field("line") == 0.5)
        & pa.compute.field("outcome_over").is_valid()
    )
    valid = rows.filter(pa.compute.field("slate_date") >= pa.scalar(dt.date(2025, 7, 1)))
    assert art.n_valid == valid.num_rows and art.n_train == rows.num_rows - valid.num_rows
    assert art.created_at == dt.datetime(2026, 1, 14, 17, 0, tzinfo=dt.UTC)
    assert art.run_id == "run-1" and art.line == 0.5


def test_candidates_match_sklearn_and_the_lower_validation_loss_wins(
    fitted: list, table: pa.Table
) -> None:
    art = fitted[1]  # POINTS
    m = art.metrics
    iso, platt = m["valid"]["isotonic"]["log_loss"], m["valid"]["platt"]["log_loss"]
    assert m["chosen"] == art.method.value == ("isotonic" if iso < platt else "platt")
    # recompute both candidates independently on the same training rows
    t = table.filter((pa.compute.field("market") == "POINTS") & (pa.compute.field("line") == 0.5))
    t = t.filter(pa.compute.field("outcome_over").is_valid())
    day = t.column("slate_date").to_numpy()
    train = day < np.datetime64("2025-07-01")
    p, y = t.column("p_over_raw").to_numpy(), t.column("outcome_over").to_numpy()
    z = logit(p).reshape(-1, 1)
    ref = LogisticRegression(C=np.inf, solver="lbfgs", tol=1e-12, max_iter=10_000).fit(
        z[train], y[train]
    )
    platt_valid = np.clip(ref.predict_proba(z[~train])[:, 1], P_MIN, P_MAX)
    ll = -np.mean(y[~train] * np.log(platt_valid) + (1 - y[~train]) * np.log(1 - platt_valid))
    assert platt == pytest.approx(ll, abs=1e-7)
    iso_ref = IsotonicRegression(out_of_bounds="clip").fit(p[train], y[train])
    iso_valid = np.clip(iso_ref.predict(p[~train]), P_MIN, P_MAX)
    ll_iso = -np.mean(y[~train] * np.log(iso_valid) + (1 - y[~train]) * np.log(1 - iso_valid))
    assert iso == pytest.approx(ll_iso, abs=1e-12)
    assert m["valid"]["raw"]["log_loss"] > min(iso, platt)  # miscalibrated raw p is worse


def test_platt_is_the_unpenalised_mle(clock: FrozenClock, table: pa.Table) -> None:
    art = fit_calibrators(table, clock=clock, markets=[Market.ASSISTS])[0]
    t = table.filter(
        (pa.compute.field("market") == "ASSISTS")
        & (pa.compute.field("line") == 0.5)
        & pa.compute.field("outcome_over").is_valid()
        & (pa.compute.field("slate_date") < pa.scalar(dt.date(2025, 7, 1)))
    )
    p, y = t.column("p_over_raw").to_numpy(), t.column("outcome_over").to_numpy()
    assert art.metrics["train"]["platt"]["n"] == len(y)
    # the chosen artifact may be isotonic; fit the Platt candidate the same way to inspect it
    from propledger.model.calibration_fit import _fit_platt

    params = _fit_platt(p, y)
    fitted = expit(params["coef"] * logit(p) + params["intercept"])
    # score equations of the MLE: Σ(y − p̂) = 0 and Σ(y − p̂)·z = 0
    assert abs(np.sum(y - fitted)) < 1e-8
    assert abs(np.sum((y - fitted) * logit(p))) < 1e-8
    assert params["coef"] == pytest.approx(1.4, abs=0.1) and params["intercept"] == pytest.approx(
        -0.3, abs=0.1
    )


def test_isotonic_wins_on_a_step_truth_and_apply_matches_sklearn(clock: FrozenClock) -> None:
    table = settled(truth=step_truth, seed=5)
    art = fit_calibrators(table, clock=clock, markets=[Market.POINTS])[0]
    assert art.method is CalibrationMethod.ISOTONIC
    t = table.filter(
        (pa.compute.field("market") == "POINTS")
        & (pa.compute.field("line") == 0.5)
        & pa.compute.field("outcome_over").is_valid()
        & (pa.compute.field("slate_date") < pa.scalar(dt.date(2025, 7, 1)))
    )
    ref = IsotonicRegression(out_of_bounds="clip").fit(
        t.column("p_over_raw").to_numpy(), t.column("outcome_over").to_numpy()
    )
    probe = np.linspace(0.0, 1.0, 1001)  # includes points outside the training range
    np.testing.assert_allclose(
        apply(art, probe), np.clip(ref.predict(probe), P_MIN, P_MAX), rtol=0, atol=1e-15
    )
    assert np.isnan(apply(art, [np.nan]))[0]


def test_split_is_configurable(table: pa.Table, clock: FrozenClock) -> None:
    arts = fit_calibrators(
        table, clock=clock, split=ChronoSplit(validation_start=dt.date(2025, 2, 1))
    )
    w = arts[0].window
    assert w.split == "from=2025-02-01" and w.train_end < dt.date(2025, 2, 1) <= w.valid_start
    assert w.valid_end == dt.date(2025, 12, 19) and w.valid_seasons == (2024, 2025)
    with pytest.raises(ConfigError):
        ChronoSplit(validation_season=2025, validation_start=dt.date(2025, 1, 1))
    with pytest.raises(ModelError, match="training"):
        fit_calibrators(table, clock=clock, split=ChronoSplit(validation_season=2024))


def test_fit_errors_are_one_line_model_errors(table: pa.Table, clock: FrozenClock) -> None:
    with pytest.raises(InputError, match="p_over_raw"):
        fit_calibrators(table.drop_columns(["p_over_raw"]), clock=clock)
    goals_only = table.filter(pa.compute.field("market") == "GOALS")
    with pytest.raises(ModelError, match=r"no settled line-0\.5 rows"):
        fit_calibrators(goals_only, clock=clock)
    one_class = table.set_column(4, "outcome_over", pa.array(np.zeros(table.num_rows)))
    with pytest.raises(ModelError, match="single outcome class"):
        fit_calibrators(one_class, clock=clock)
    with pytest.raises(ModelError, match="≥ 100000 training"):
        fit_calibrators(table, clock=clock, min_train=100_000)
