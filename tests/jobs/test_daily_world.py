"""The driver on a real (small) sample world through the CLI: the spec's verification list.

Minimal mode produces artifacts without the network; every step, then an identical re-run
adds 0 rows; a forced vendor outage degrades the run (exit 3 with --strict) with the failure
recorded and the other vendors' rows present; nothing produced at all is exit 1.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jobs.daily_world import ALL_TABLES, NOW, SLATE, counts, fresh_data, source
from propledger.cli import main
from propledger.evidence.warehouse import Warehouse

pytestmark = pytest.mark.slow
DAY = SLATE.isoformat()


@pytest.fixture
def data(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    """A private bootstrapped data dir (PROPLEDGER_DATA_DIR points at it: see conftest)."""
    return fresh_data(tmp_path_factory, tmp_path / "data")


@pytest.fixture
def replay(tmp_path_factory: pytest.TempPathFactory) -> str:
    return source(tmp_path_factory)


def _registry(data: Path, run_id: str | None = None) -> list[dict[str, object]]:
    with Warehouse.open(data / "warehouse.duckdb") as wh:
        sql = "SELECT * FROM fact_run_registry"
        if run_id:
            sql += " WHERE run_id = ?"
        return wh.arrow(sql + " ORDER BY recorded_utc", [run_id] if run_id else None).to_pylist()


def test_minimal_mode_produces_artifacts_without_the_network(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # --source live: any request would hit the test's socket guard and fail the step
    assert main(["daily", "--minimal", "--date", DAY, "--now", NOW]) == 0
    out = capsys.readouterr().out
    assert f"slate {DAY}: SUCCESS" in out
    outputs = tmp_path / "outputs"
    assert (outputs / "projections" / f"probabilities_{DAY}.csv").stat().st_size > 0
    daily = outputs / "monitoring" / f"daily_report_{DAY}.md"
    assert (
        "**SUCCESS**" in daily.read_text()
        and (outputs / "monitoring" / "rolling_report.md").exists()
    )
    assert list((outputs / "monitoring").glob("*.png"))
    steps = {(e["step"], e["status"]) for e in _registry(data) if e["event"] == "end"}
    assert steps == {("production", "SUCCESS"), ("diagnostics", "SUCCESS"), ("run", "SUCCESS")}


def test_all_steps_then_an_identical_rerun_adds_no_rows(
    data: Path, replay: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["daily", "--all", "--date", DAY, "--now", NOW, "--source", replay]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert f"slate {DAY}: SUCCESS" in first
    with Warehouse.open(data / "warehouse.duckdb") as wh:
        before = counts(wh, ALL_TABLES)
    assert all(
        before[t] > 0 for t in ("fact_prop_odds", "fact_ev_candidate", "fact_ev_summary_daily")
    )
    assert main(args) == 0
    with Warehouse.open(data / "warehouse.duckdb") as wh:
        after = counts(wh, ALL_TABLES)
        runs = wh.rows("SELECT status FROM v_run ORDER BY started_utc, run_id")
    assert after == before
    assert runs == [("SUCCESS",), ("SUCCESS",)]
    rerun = capsys.readouterr().out
    assert "new quote rows: playnow 0, unabated 0, oddsshark 0" in rerun
    assert "0 new fact rows" in rerun


def test_a_forced_vendor_outage_degrades_the_run_and_strict_exits_3(
    data: Path, replay: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FORCE_UNABATED_FAILURE", "1")
    args = ["daily", "--all", "--strict", "--date", DAY, "--now", NOW, "--source", replay]
    assert main(args) == 3
    assert f"slate {DAY}: DEGRADED" in capsys.readouterr().out
    events = _registry(data)
    unabated = next(e for e in events if e["step"] == "odds" and e["vendor"] == "unabated")
    assert unabated["status"] == "FAILED" and unabated["error_type"] == "TransportError"
    assert unabated["attempts"] == 4 and "simulated outage" in str(unabated["message"])
    # every later step still ran and produced
    ends = {e["step"]: e["status"] for e in events if e["event"] == "end" and e["vendor"] is None}
    assert ends == {"odds": "DEGRADED", "production": "SUCCESS", "ev": "SUCCESS",
                    "outcomes": "SUCCESS", "diagnostics": "SUCCESS", "run": "DEGRADED"}  # fmt: skip
    assert json.loads(str(events[0]["flags"]))["strict"] is True
    with Warehouse.open(data / "warehouse.duckdb") as wh:
        vendors = dict(wh.rows("SELECT vendor, count(*) FROM fact_prop_odds GROUP BY vendor"))
    assert set(vendors) == {"PLAYNOW", "ODDSSHARK"} and min(vendors.values()) > 0
    report = (data.parent / "outputs" / "monitoring" / f"daily_report_{DAY}.md").read_text()
    assert "| UNABATED | FAILED | failed |" in report and "TransportError" in report


def test_every_vendor_down_and_nothing_else_selected_is_failed(
    data: Path, replay: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FORCE_VENDOR_FAILURE", "ALL")
    args = ["daily", "--run-odds-ingestion", "--date", DAY, "--now", NOW, "--source", replay]
    assert main(args) == 1
    assert f"slate {DAY}: FAILED" in capsys.readouterr().out


def test_an_off_day_is_a_success_with_nothing_to_price(
    data: Path, replay: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A slate with no game (the schedule goes on after it) is not degraded: a cron running
    `--all --strict` every day must not alarm on the All-Star break. (History is kept as
    bootstrapped: this one-season world has no previous season for a refresh to import.)"""
    import datetime as dt

    monkeypatch.setenv("PROPLEDGER_HISTORY_MAX_AGE_HOURS", "100000")

    from propledger.clock import et_to_utc, iso_z

    with Warehouse.open(data / "warehouse.duckdb") as wh:
        off = wh.scalar(
            "SELECT min(d) FROM (SELECT unnest(range(?::DATE, max(slate_date), INTERVAL 1 DAY))"
            "::DATE AS d FROM v_game) WHERE d NOT IN (SELECT slate_date FROM v_game)",
            [SLATE],
        )
    assert isinstance(off, dt.date) and off > SLATE
    now = iso_z(et_to_utc(off, dt.time(18, 0)))
    args = ["daily", "--run-production", "--run-ev", "--run-diagnostics", "--strict"]
    assert main([*args, "--date", off.isoformat(), "--now", now, "--source", replay]) == 0
    out = capsys.readouterr().out
    assert f"slate {off}: SUCCESS" in out
    ends = {
        e["step"]: (e["status"], e["message"])
        for e in _registry(data)
        if e["event"] == "end" and e["vendor"] is None
    }
    nothing = f"no games scheduled on {off}: nothing to price"
    assert ends["production"] == ("SUCCESS", nothing)
    assert ends["ev"] == ("SUCCESS", nothing)
    assert ends["run"][0] == "SUCCESS"
