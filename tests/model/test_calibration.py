"""Calibrator artifacts: apply, JSON with sha256, loading errors, warehouse rows."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from scipy.special import logit
from sklearn.linear_model import LogisticRegression

from model.calibration_rows import settled
from propledger.clock import FrozenClock
from propledger.errors import ModelError
from propledger.evidence.warehouse import Warehouse
from propledger.model.calibration import (
    CalibrationMethod,
    apply,
    load_active_calibrators,
    load_artifact,
    record_artifacts,
    save_artifact,
)
from propledger.model.calibration_fit import fit_calibrators
from propledger.model.constants import P_MAX, P_MIN, Market


@pytest.fixture(scope="module")
def table() -> pa.Table:
    return settled()


@pytest.fixture
def fitted(table: pa.Table, clock: FrozenClock) -> list:
    return fit_calibrators(table, clock=clock, run_id="run-1")


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
