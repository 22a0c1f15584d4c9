"""Calibrator fitting, selection, JSON artifacts with sha256, loading errors, warehouse rows."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from scipy.special import expit, logit
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

from propledger.clock import FrozenClock
from propledger.errors import ConfigError, InputError, ModelError
from propledger.evidence.warehouse import Warehouse
from propledger.model.calibration import (
    CalibrationMethod,
    ChronoSplit,
    apply,
    fit_calibrators,
    load_active_calibrators,
    load_artifact,
    record_artifacts,
    save_artifact,
    season_of,
)
from propledger.model.constants import P_MAX, P_MIN, Market

Truth = Callable[[np.ndarray], np.ndarray]


def logistic_truth(p: np.ndarray) -> np.ndarray:
    return expit(1.4 * logit(p) - 0.3)


def step_truth(p: np.ndarray) -> np.ndarray:
    return np.where(p < 0.35, 0.05, 0.8)


def settled(n_per_day: int = 40, truth: Truth = logistic_truth, seed: int = 1) -> pa.Table:
    """Two seasons of ASSISTS and POINTS rows: 2024-25 (Oct–Mar) and 2025-26 (Oct–Dec)."""
    rng = np.random.default_rng(seed)
    days = [dt.date(2024, 10, 10) + dt.timedelta(days=3 * i) for i in range(55)]
    days += [dt.date(2025, 10, 8) + dt.timedelta(days=3 * i) for i in range(25)]
    parts = []
    for market in ("ASSISTS", "POINTS", "GOALS"):
        for line in (0.5, 1.5):
            n = len(days) * n_per_day
            p = rng.uniform(0.05, 0.9, n)
            y = (rng.uniform(size=n) < truth(p)).astype(float)
            y[rng.uniform(size=n) < 0.02] = np.nan  # unsettled rows are ignored
            parts.append(
                pa.table(
                    {
                        "slate_date": pa.array(np.repeat(days, n_per_day), pa.date32()),
                        "market": [market] * n,
                        "line": [line] * n,
                        "p_over_raw": p,
                        "outcome_over": pa.array(y, from_pandas=True),
                    }
                )
            )
    return pa.concat_tables(parts)


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
    from propledger.model.calibration import _fit_platt

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


def test_platt_apply_matches_predict_proba(fitted: list) -> None:
    a, b = 1.37, -0.21
    art = replace(fitted[0], method=CalibrationMethod.PLATT, params={"coef": a, "intercept": b})
    ref = LogisticRegression()
    ref.classes_ = np.array([0.0, 1.0])
    ref.coef_, ref.intercept_ = np.array([[a]]), np.array([b])
    probe = np.array([1e-12, 1e-6, 0.1, 0.5, 0.93, 1 - 1e-6])
    expected = ref.predict_proba(logit(np.clip(probe, 1e-10, 1 - 1e-10)).reshape(-1, 1))[:, 1]
    np.testing.assert_allclose(
        apply(art, probe), np.clip(expected, P_MIN, P_MAX), rtol=1e-13, atol=0
    )


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


# ---- artifacts --------------------------------------------------------------------------------
def test_save_and_load_round_trip(fitted: list, tmp_path: Path) -> None:
    models = tmp_path / "models"
    saved = [save_artifact(a, models) for a in fitted]
    for art in saved:
        data = art.path.read_bytes()
        assert hashlib.sha256(data).hexdigest() == art.sha256  # the plain file hash
        body = json.loads(data)
        assert body["version"] == art.version and body["method"] == art.method.value
        assert body["created_at"] == "2026-01-14T17:00:00Z"
        assert art.version.startswith(
            f"{art.market.value.lower()}-{art.method.value}-20260114T170000Z-"
        )
    active = json.loads((models / "calibrators" / "active.json").read_text())
    assert active["POINTS"]["sha256"] == saved[1].sha256
    loaded = load_active_calibrators(models)
    probe = np.linspace(0.01, 0.99, 50)
    for art in saved:
        again = loaded[art.market]
        assert again.version == art.version and again.sha256 == art.sha256
        np.testing.assert_array_equal(again.predict(probe), art.predict(probe))
    assert load_artifact(saved[0].path).window == saved[0].window


def test_missing_and_corrupt_artifacts_raise(fitted: list, tmp_path: Path) -> None:
    models = tmp_path / "models"
    with pytest.raises(ModelError, match="no calibrators"):
        load_active_calibrators(models)
    saved = save_artifact(fitted[0], models)  # only ASSISTS is active
    with pytest.raises(ModelError, match="no active POINTS calibrator"):
        load_active_calibrators(models, [Market.POINTS])
    assert (
        load_active_calibrators(models, [Market.ASSISTS])[Market.ASSISTS].version == saved.version
    )
    assert load_active_calibrators(models, []) == {}
    # flip one digit: the recorded sha256 no longer matches
    text = saved.path.read_text()
    saved.path.write_text(text.replace('"n_train": ', '"n_train": 1', 1))
    with pytest.raises(ModelError, match="corrupt: sha256"):
        load_active_calibrators(models, [Market.ASSISTS])
    # without a recorded hash, the content check still catches the edit
    with pytest.raises(ModelError, match="corrupt"):
        load_artifact(saved.path)
    saved.path.write_text(text[:50])
    with pytest.raises(ModelError, match="corrupt"):
        load_artifact(saved.path)
    saved.path.unlink()
    with pytest.raises(ModelError, match="missing"):
        load_active_calibrators(models, [Market.ASSISTS])
    (models / "calibrators" / "active.json").write_text("{not json")
    with pytest.raises(ModelError, match="unreadable"):
        load_active_calibrators(models, [Market.ASSISTS])


def test_record_artifacts_in_the_warehouse(fitted: list, wh: Warehouse, tmp_path: Path) -> None:
    saved = [save_artifact(a, tmp_path / "models") for a in fitted]
    assert record_artifacts(wh, saved, run_id="run-1") == 2
    assert record_artifacts(wh, saved, run_id="run-2") == 0  # idempotent on version
    rows = wh.arrow("SELECT * FROM calibrator ORDER BY market").to_pylist()
    assert [r["market"] for r in rows] == ["ASSISTS", "POINTS"]
    r = rows[1]
    assert r["sha256"] == saved[1].sha256 and r["path"] == str(saved[1].path)
    assert r["method"] == saved[1].method.value and r["n_train"] == saved[1].n_train
    assert r["train_seasons"] == "2024" and r["valid_start"] == dt.date(2025, 10, 8)
    assert json.loads(r["metrics"])["chosen"] == saved[1].method.value
    assert r["valid_log_loss"] == saved[1].metrics["valid"][saved[1].method.value]["log_loss"]
    assert r["run_id"] == "run-1"
