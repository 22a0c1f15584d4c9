"""``propledger prob``: the line calculator."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
from pathlib import Path

import pytest

from propledger.cli import main
from propledger.clock import UTC
from propledger.model.calibration import (
    CalibrationMethod,
    CalibratorArtifact,
    FitWindow,
    save_artifact,
)
from propledger.model.constants import Market
from propledger.settings import Settings


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["prob", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_sog_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--market", "SOG", "--mu", "2.6", "--line", "2.5", "--line", "3")
    assert code == 0
    assert "NB2 (α = 0.35; variance = μ + αμ² = 4.966)" in out
    assert "P(X = k): 0: 0.1574  1: 0.2143  2: 0.1969  3: 0.1519" in out
    rows = [line.split() for line in out.splitlines() if line.strip().startswith(("2.5", "3 "))]
    assert rows[0][:4] == ["2.5", "0.431408", "0.568592", "0.000000"]
    assert rows[0][4:] == ["2.318", "(+132)", "1.759", "(-132)"]  # 1/0.431408, 1/0.568592
    assert rows[1][:4] == ["3", "0.279529", "0.568592", "0.151879"]
    assert float(rows[1][4]) == pytest.approx((1 - 0.151879) / 0.279529, abs=1e-3)


def test_default_lines_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "-m", "goals", "--mu", "0.5", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["market"] == "GOALS" and data["distribution"] == "poisson" and data["alpha"] is None
    assert [r["line"] for r in data["lines"]] == [0.5, 1.5, 2.5]
    assert data["lines"][0]["p_over_raw"] == pytest.approx(1 - math.exp(-0.5), abs=1e-15)
    assert data["lines"][0]["fair_over"] == pytest.approx(1 / (1 - math.exp(-0.5)), abs=1e-12)
    assert "prob_source" not in data["lines"][0]
    assert data["pmf"][0] == pytest.approx(math.exp(-0.5), abs=1e-15)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--market", "HITS", "--mu", "1"], "unknown market 'HITS'"),
        (
            ["--market", "SOG", "--mu", "1", "--line", "2.25"],
            "line 2.25 is not a positive multiple of 0.5",
        ),
        (["--market", "SOG"], "--mu is required"),
        (["--market", "SOG", "--mu", "nan"], "must be a finite number"),
    ],
)
def test_bad_input_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _, err = run(capsys, *args)
    assert code == 2
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_calibrated_needs_an_active_calibrator(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--market", "POINTS", "--mu", "0.9", "--calibrated")
    assert code == 1 and "no calibrators" in err and "DISABLE_CALIBRATION=1" in err


def test_calibrated_output_uses_the_active_calibrator(capsys: pytest.CaptureFixture[str]) -> None:
    window = FitWindow("season=2025", *[dt.date(2025, 1, 1)] * 4, (2024,), (2025,))
    art = CalibratorArtifact(
        Market.POINTS, CalibrationMethod.PLATT, {"coef": 1.0, "intercept": 0.5}, window, 500, 100, {},
        dt.datetime(2026, 1, 14, 17, 0, tzinfo=UTC),
    )  # fmt: skip
    models = Settings.from_env(os.environ).models_dir
    save_artifact(art, Path(models))
    code, out, _ = run(
        capsys, "--market", "POINTS", "--mu", "0.9", "--line", "0.5", "--calibrated", "--json"
    )
    assert code == 0
    row = json.loads(out)["lines"][0]
    odds = (1 - math.exp(-0.9)) / math.exp(-0.9) * math.exp(0.5)  # logit shifted by +0.5
    assert row["prob_source"] == "Calibrated" and row["calibrator_version"] == art.version
    assert row["p_over"] == pytest.approx(odds / (1 + odds), abs=1e-12)
    assert row["p_under"] == pytest.approx(1 / (1 + odds), abs=1e-12)
    code, out, _ = run(capsys, "--market", "GOALS", "--mu", "0.9", "--line", "1", "--calibrated")
    assert code == 0 and "Raw" in out


def test_disable_calibration_shows_raw(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISABLE_CALIBRATION", "1")
    code, out, _ = run(capsys, "--market", "POINTS", "--mu", "0.9", "--line", "1", "--calibrated")
    assert code == 0
    row = next(line.split() for line in out.splitlines() if line.strip().startswith("1 "))
    assert row[4] == "Raw" and row[5] == row[1]  # policy p_over = raw p_over
    assert "note:" not in out  # nothing calibrated: no calibrator note


def _platt_points() -> CalibratorArtifact:
    """A POINTS Platt calibrator that shifts the logit by +0.5, saved and active."""
    window = FitWindow("season=2025", *[dt.date(2025, 1, 1)] * 4, (2024,), (2025,))
    art = CalibratorArtifact(
        Market.POINTS, CalibrationMethod.PLATT, {"coef": 1.0, "intercept": 0.5}, window, 500, 100, {},
        dt.datetime(2026, 1, 14, 17, 0, tzinfo=UTC),
    )  # fmt: skip
    save_artifact(art, Path(Settings.from_env(os.environ).models_dir))
    return art


def test_calibrated_fair_prices_come_from_the_policy_probability(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _platt_points()
    args = ["--market", "POINTS", "--mu", "0.9", "--line", "0.5", "--line", "1", "--calibrated"]
    code, out, _ = run(capsys, *args, "--json")
    assert code == 0
    half, one = json.loads(out)["lines"]
    raw_over = 1 - math.exp(-0.9)
    odds = raw_over / math.exp(-0.9) * math.exp(0.5)
    cal = odds / (1 + odds)  # 0.7064 vs raw 0.5934
    assert half["p_over"] == pytest.approx(cal, abs=1e-12)
    assert half["fair_over"] == pytest.approx(1 / cal, abs=1e-12)  # 1.416, not raw 1.685
    assert half["fair_under"] == pytest.approx(1 / (1 - cal), abs=1e-12)
    assert half["fair_over_raw"] == pytest.approx(1 / raw_over, abs=1e-12)
    # integer line: the policy push is priced too, (1 − p_push)/p_side
    assert one["p_push"] > 0
    assert one["fair_over"] == pytest.approx((1 - one["p_push"]) / one["p_over"], abs=1e-12)
    assert one["fair_under"] == pytest.approx((1 - one["p_push"]) / one["p_under"], abs=1e-12)
    assert one["fair_over"] != pytest.approx(one["fair_over_raw"], abs=1e-3)

    code, out, _ = run(capsys, *args)
    assert code == 0
    lines = out.splitlines()
    head = next(line for line in lines if line.strip().startswith("line"))
    assert head.split()[:4] == ["line", "raw", "over", "raw"]
    assert head.rstrip().endswith("fair over        fair under")
    row = next(line.split() for line in lines if line.strip().startswith("0.5 "))
    assert row[4] == "Calibrated" and float(row[5]) == pytest.approx(cal, abs=1e-6)
    assert row[8:] == [f"{1 / cal:.3f}", "(-241)", f"{1 / (1 - cal):.3f}", "(+241)"]
    notes = [line for line in lines if line.startswith("note:")]
    assert notes == [
        "note: the POINTS calibrator was fitted on line 0.5 and is applied to every line of the "
        "market (a known limitation, docs/model.md section 5), so calibrated p_over can repeat "
        "across lines"
    ]
    assert "fair price = (1 − push)/p of the policy columns" in out


def test_a_raw_market_with_calibrated_has_no_note(capsys: pytest.CaptureFixture[str]) -> None:
    _platt_points()
    code, out, _ = run(capsys, "--market", "GOALS", "--mu", "0.9", "--line", "0.5", "--calibrated")
    assert code == 0 and "note:" not in out
    row = next(line.split() for line in out.splitlines() if line.strip().startswith("0.5 "))
    assert row[4] == "Raw" and float(row[8]) == pytest.approx(1 / (1 - math.exp(-0.9)), abs=1e-3)
