"""The golden run, driver part: the committed goldens state the invariants, the stage is
registered by the script, and its comparison bites. (The full run, model and driver stages,
is ``test_golden_run.py::test_golden_run_passes``, through the script.)"""

from __future__ import annotations

import csv
from pathlib import Path

from propledger.jobs.golden import STAGES, compare_rows
from propledger.jobs.golden_driver import DRIVER_FLOATS, DRIVER_KEY, _keyed, register

GOLDEN = Path(__file__).parent


def _csv(name: str) -> list[dict[str, str]]:
    with (GOLDEN / f"{name}.csv").open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_committed_checks_hold_the_invariants() -> None:
    checks = {r["_key"]: r["value"] for r in _csv("driver_checks")}
    assert checks["run1_status"] == checks["run2_status"] == "SUCCESS"
    # re-running both slates adds nothing anywhere
    assert checks["rerun_new_rows"] == "0" and checks["rerun_rows_out"] == "0"
    # a forced Unabated outage degrades the run; the failure is recorded, the others' rows are in
    assert checks["forced_status"] == "DEGRADED"
    status, error, requests, attempts = checks["forced_vendor"].split()
    assert (status, error, attempts) == ("FAILED", "TransportError", "4") and int(requests) >= 4
    rows = dict(part.rsplit(" ", 1) for part in checks["forced_rows_by_vendor"].split(", "))
    assert int(rows["PLAYNOW"]) > 0 and int(rows["ODDSSHARK"]) > 0 and rows["UNABATED"] == "0"


def test_committed_goldens_cover_every_step_and_fact() -> None:
    registry = _csv("driver_registry")
    steps = {(r["_key"].split("/")[0], r["step"]) for r in registry if r["event"] == "end"}
    for run in ("run1", "run2", "forced"):
        assert {s for r, s in steps if r == run} == {
            "run", "odds", "production", "ev", "outcomes", "diagnostics",
        }  # fmt: skip
    # the second slate's outcomes step settled the first slate and scored its accuracy
    assert {r["slate_date"] for r in _csv("driver_fact_settlement")} == {"2025-11-15"}
    assert {r["slate_date"] for r in _csv("driver_fact_forecast_accuracy_daily")} == {"2025-11-15"}
    report = [r["text"] for r in _csv("driver_daily_report")]
    assert report[0] == "# Daily report, slate 2025-11-15"
    assert "Run `golden-daily-2` (daily): **SUCCESS**; started 2025-11-16 23:00Z" in report


def test_the_script_registers_the_driver_stage_after_the_model() -> None:
    stages = register({"model": STAGES["model"]})
    assert list(stages) == ["model", "driver"]
    assert register(stages)["driver"] is stages["driver"]  # idempotent


def test_driver_comparison_bites() -> None:
    rows = _keyed(
        [{"slate_date": "2025-11-15", "market": "SOG", "line": 2.5, "ev": 0.125, "run_id": "x"}],
        ("slate_date", "market", "line"),
    )
    assert rows == [{"_key": "2025-11-15/SOG/2.5", "slate_date": "2025-11-15", "market": "SOG",
                     "line": 2.5, "ev": 0.125}]  # fmt: skip
    expected = [{k: str(v) for k, v in rows[0].items()}]
    floats = [*DRIVER_FLOATS, "ev", "line"]
    assert compare_rows("t", expected, rows, DRIVER_KEY, floats, 1e-9) == []
    moved = [rows[0] | {"ev": 0.125 + 1e-6}]
    assert [m.column for m in compare_rows("t", expected, moved, DRIVER_KEY, floats, 1e-9)] == [
        "ev"
    ]
    renamed = [rows[0] | {"market": "BLOCKS"}]
    found = {m.actual for m in compare_rows("t", expected, renamed, DRIVER_KEY, floats, 1e-9)}
    assert found == {"BLOCKS"}
