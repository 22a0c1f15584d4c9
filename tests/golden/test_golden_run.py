"""The golden run (model part): the committed goldens reproduce, and the comparison bites."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from propledger.jobs.golden import (
    MODEL_FLOATS,
    MODEL_KEY,
    GoldenConfig,
    check_model_policy,
    compare_rows,
)

GOLDEN = Path(__file__).parent
SCRIPT = GOLDEN.parent.parent / "scripts" / "golden_run_validate.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("golden_run_validate", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_golden_run_passes(capsys: pytest.CaptureFixture[str]) -> None:
    code = _script().main([])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "golden run passed: model_snapshot 1600 rows" in out


def _row(**kw: object) -> dict[str, object]:
    base: dict[str, object] = {"game_id": 1, "player_id": 2, "market": "ASSISTS", "line": 0.5,
                               "mu": 0.25, "p_over_raw": 0.2, "p_over_cal": 0.3, "p_over": 0.3,
                               "prob_source": "Calibrated", "calibrator_version": "v1",
                               "branch": "split_ast60"}  # fmt: skip
    return base | kw


def _expected(**kw: object) -> dict[str, str]:
    return {k: ("" if v is None else repr(v) if isinstance(v, float) else str(v))
            for k, v in _row(**kw).items()}  # fmt: skip


def test_floats_compare_at_the_tolerance_and_text_exactly() -> None:
    def diff(**kw: object) -> list[str]:
        found = compare_rows("t", [_expected()], [_row(**kw)], MODEL_KEY, MODEL_FLOATS, 1e-9)
        return [m.column for m in found]

    assert diff() == []
    assert diff(mu=0.25 + 5e-10) == []
    assert diff(mu=0.25 + 2e-9) == ["mu"]
    assert diff(p_over_cal=None) == ["p_over_cal"]
    assert diff(branch="ast_pg") == ["branch"]
    missing = compare_rows("t", [_expected()], [], MODEL_KEY, MODEL_FLOATS, 1e-9)
    extra = compare_rows("t", [], [_row()], MODEL_KEY, MODEL_FLOATS, 1e-9)
    assert [str(m) for m in missing] == [
        "t [1/2/ASSISTS/0.5] (row): expected 'present', got 'missing'"
    ]
    assert extra[0].actual == "extra"


def test_market_policy_is_checked_on_every_row() -> None:
    assert check_model_policy([_row(), _row(market="SOG", prob_source="Raw", p_over=0.2,
                                            calibrator_version=None)]) == []  # fmt: skip
    bad = check_model_policy([_row(market="GOALS"), _row(p_over=0.2)])
    assert {(m.key, m.column) for m in bad} == {
        ("1/2/GOALS/0.5", "prob_source"), ("1/2/GOALS/0.5", "p_over"),
        ("1/2/GOALS/0.5", "calibrator_version"), ("1/2/ASSISTS/0.5", "p_over"),
    }  # fmt: skip


def test_the_script_reports_a_broken_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "golden.json").write_text("{}")
    assert _script().main(["--golden-dir", str(tmp_path)]) == 2
    assert "golden config" in capsys.readouterr().err
    assert GoldenConfig.load(GOLDEN).tolerance == 1e-9
