"""Issue 5's faults through the daily driver: ``propledger daily --run-odds-ingestion
--run-diagnostics`` (cli.main, live source) against the loopback fault server.

A representative subset, each fault on a different vendor: connection refused (PlayNow's whole
base URL), 503 forever (OddsShark), 429 with ``Retry-After: 3600`` (Unabated) and malformed
JSON in PlayNow's props payload (behind a healthy event list). For each: run status DEGRADED
with exit 0 (3 with ``--strict``), the vendor's failure in ``fact_run_registry`` (status,
requests, attempts, HTTP status, error type, sanitised message, call status), the same in the
daily report's vendor-health section (in the registry's words: step status FAILED, the HTTP
layer's call status in its own column) and its anomalies, and the other vendors' rows identical
to a clean run's. The world is the tiny hand-checked one of ``odds.odds_world`` (two games on
2026-01-14), so the clean run is SUCCESS and any degradation is the fault's.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from faults.harness import (
    NOW,
    CliRun,
    LogCollector,
    collect_logs,
    install_warehouse,
    quote_rows,
    record_sleeps,
    run_cli,
    seeded_template,
    set_env,
)
from faults.server import FaultServer, fast_http_env
from faults.vendors import VENDORS, serve_vendors
from propledger.evidence.warehouse import Warehouse

SLATE = "2026-01-14"
DEADLINE = 6.0
ENV = fast_http_env(vendor_deadline=DEADLINE)  # 3 attempts, read timeout 0.3 s, backoff ≤ 0.02 s
DAILY = ("daily", "--run-odds-ingestion", "--run-diagnostics", "--date", SLATE, "--now", NOW)


@dataclass(frozen=True)
class Failure:
    """The faulty vendor's registry event (and report row); ``call`` = the HTTP call status."""

    requests: int
    attempts: int
    http: int | None
    error: str
    call: str
    message: str  # how the sanitised message starts
    failed_attempts: int  # WARNING lines of propledger.http (one per failed attempt)
    target: str = "all"


CASES: dict[tuple[str, str], Failure] = {
    ("playnow", "refused"): Failure(
        3, 3, None, "TransportError", "failed", "playnow: ConnectError for http://127.0.0.1:", 3
    ),
    ("oddsshark", "503_forever"): Failure(
        3, 3, 503, "HttpStatusError", "failed", "oddsshark: HTTP 503 for http://127.0.0.1:", 3
    ),
    ("unabated", "429_retry_after_3600"): Failure(
        1,
        1,
        429,
        "RateLimitedError",
        "rate_limited",
        "unabated: HTTP 429 asks to wait 3600s, more than retry_after_max=5s",
        1,
    ),
    ("playnow", "malformed"): Failure(
        2,
        1,
        200,
        "PayloadError",
        "degraded",  # the event list was usable, the props payload not
        "playnow: PLAYNOW: invalid or truncated JSON",
        0,  # both GETs answered 200; the parser found the body unusable
        target="events",
    ),
}


@pytest.fixture
def logs(monkeypatch: pytest.MonkeyPatch) -> Iterator[LogCollector]:
    yield from collect_logs(monkeypatch)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path: Path = seeded_template(tmp_path_factory.mktemp("faults_driver"))
    return path


@dataclass(frozen=True)
class DriverRun:
    cli: CliRun
    registry: list[dict[str, Any]]
    rows: dict[str, list[tuple[Any, ...]]]
    report: str


def run_daily_cli(
    tmp_path: Path,
    template: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
    *extra: str,
    entry: Callable[[list[str]], int] | None = None,
) -> DriverRun:
    """``propledger daily`` + DAILY + extra, or ``entry(extra)`` (the spec entrypoint)."""
    warehouse = install_warehouse(template, tmp_path / "data")
    set_env(monkeypatch, {**env, "PROPLEDGER_OUTPUT_DIR": str(tmp_path / "outputs")})
    record_sleeps(monkeypatch)
    cli = run_cli(capsys, [*DAILY, *extra]) if entry is None else run_cli(capsys, extra, entry)
    with Warehouse.open(warehouse) as wh:
        registry = wh.arrow(
            "SELECT * FROM fact_run_registry ORDER BY recorded_utc, step, vendor"
        ).to_pylist()
        rows = quote_rows(wh)
    report = (tmp_path / "outputs" / "monitoring" / f"daily_report_{SLATE}.md").read_text()
    return DriverRun(cli, registry, rows, report)


_CLEAN: dict[str, list[tuple[Any, ...]]] = {}


@pytest.fixture
def clean_rows(
    tmp_path: Path,
    template: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> dict[str, list[tuple[Any, ...]]]:
    """A clean ``--strict`` run (once): SUCCESS and exit 0; its quote rows."""
    if not _CLEAN:
        with monkeypatch.context() as patch, FaultServer() as server:
            patch.setenv("PROPLEDGER_DATA_DIR", str(tmp_path / "clean" / "data"))
            env = {**ENV, **serve_vendors(server)}
            run = run_daily_cli(tmp_path / "clean", template, patch, capsys, env, "--strict")
        assert run.cli.code == 0, run.cli.out
        assert _run_end(run)["status"] == "SUCCESS"
        assert [e["status"] for e in _vendor_events(run).values()] == ["SUCCESS"] * 3
        _CLEAN.update(run.rows)
    return _CLEAN


def _run_end(run: DriverRun) -> dict[str, Any]:
    (end,) = [e for e in run.registry if e["step"] == "run" and e["event"] == "end"]
    return end


def _vendor_events(run: DriverRun) -> dict[str, dict[str, Any]]:
    return {e["vendor"]: e for e in run.registry if e["step"] == "odds" and e["vendor"]}


def _cells(line: str) -> list[str]:
    return [c.strip().replace("\\|", "|") for c in line.strip().strip("|").split(" | ")]


def _report_header(report: str, section: str) -> list[str]:
    body = report.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    return _cells(next(line for line in body.splitlines() if line.startswith("| vendor")))


def _report_rows(report: str, section: str) -> dict[str, list[str]]:
    """Table rows of one ``## section`` by their first cell (pipes inside cells are escaped)."""
    body = report.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in body.splitlines():
        if line.startswith("| ") and not line.startswith(("| vendor", "| :---")):
            cells = _cells(line)
            rows[cells[0]] = cells
    return rows


@pytest.mark.parametrize(
    ("vendor", "fault_name"), sorted(CASES), ids=[f"{v}-{f}" for v, f in sorted(CASES)]
)
def test_vendor_fault_degrades_the_run(
    vendor: str,
    fault_name: str,
    tmp_path: Path,
    template: Path,
    fault_server: FaultServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    logs: LogCollector,
    clean_rows: dict[str, list[tuple[Any, ...]]],
) -> None:
    expected = CASES[(vendor, fault_name)]
    env = {**ENV, **serve_vendors(fault_server, vendor, fault_name, target=expected.target)}
    run = run_daily_cli(tmp_path, template, monkeypatch, capsys, env)

    # the run finishes degraded: exit 0 without --strict
    assert run.cli.code == 0, run.cli.out + run.cli.err
    assert f"slate {SLATE}: DEGRADED" in run.cli.out
    assert _run_end(run)["status"] == "DEGRADED"
    steps = {
        e["step"]: e["status"] for e in run.registry if e["event"] == "end" and not e["vendor"]
    }
    assert steps == {"odds": "DEGRADED", "diagnostics": "SUCCESS", "run": "DEGRADED"}

    # the registry: the failing vendor, exactly; the others succeeded
    events = _vendor_events(run)
    assert {v: e["status"] for v, e in events.items() if v != vendor} == {
        v: "SUCCESS" for v in VENDORS if v != vendor
    }
    event = events[vendor]
    got = (event["status"], event["requests"], event["attempts"], event["http_status"])
    assert got == ("FAILED", expected.requests, expected.attempts, expected.http)
    assert event["error_type"] == expected.error
    assert json.loads(event["details"])["call_status"] == expected.call
    message = event["message"]
    assert message.startswith(expected.message), message
    assert event["rows_out"] == 0 and 0 <= event["duration_s"] <= DEADLINE
    # sanitised: the URL in the message carries no query but the cache-buster
    for url in (w.rstrip(":)") for w in message.split() if w.startswith(("http", "(http"))):
        assert set(url.partition("?")[2].split("&")) <= {"", *_allowed_query(vendor)}, url

    # the daily report shows it in vendor health (one vocabulary: the registry's step status,
    # the HTTP layer's call status beside it, exactly as the registry event) and as an anomaly
    assert _report_header(run.report, "Vendor health")[:3] == ["vendor", "status", "call status"]
    health = _report_rows(run.report, "Vendor health")
    row = health[vendor.upper()]
    http = "–" if expected.http is None else str(expected.http)
    assert row[1:7] == [
        "FAILED",
        expected.call,
        str(expected.requests),
        str(expected.attempts),
        http,
        "0",
    ]
    assert {v: tuple(r[1:3]) for v, r in health.items() if v != vendor.upper()} == {
        v.upper(): ("SUCCESS", "ok") for v in VENDORS if v != vendor
    }
    assert row[8:] == [expected.error, message]
    anomalies = run.report.split("## Anomalies\n", 1)[1].split("\n## ", 1)[0]
    assert f"**vendor_zero** {vendor.upper()}: failed in this run ({expected.error}" in anomalies

    # nothing lost elsewhere: the other vendors' rows are the clean run's, byte for byte
    for other in VENDORS:
        if other != vendor:
            assert run.rows[other] == clean_rows[other], other
    assert run.rows[vendor] == []
    # one WARNING line per failed attempt, from the HTTP layer, each naming the vendor
    http_lines = [ln for ln in logs.lines if ln.startswith("WARNING propledger.http:")]
    assert len(http_lines) == expected.failed_attempts, http_lines
    assert all(ln.split(": ", 1)[1].startswith(f"{vendor} GET ") for ln in http_lines)


def _allowed_query(vendor: str) -> set[str]:
    """Query parameters the vendor's own requests carry (PlayNow's filters, Unabated's t)."""
    if vendor == "unabated":
        return {"t=1768410000"}
    if vendor == "playnow":
        return {
            "drilldownTagIds=220",
            "eventSortsIncluded=MTCH%2CTNMT",
            "includeChildMarkets=true",
            "lang=en-US",
            "channel=I",
            "eventIds=12004411%2C12004415",
        }
    return set()


def _entrypoint() -> Callable[[list[str]], int]:
    path = Path(__file__).resolve().parents[2] / "pipelines" / "ops" / "run_daily.py"
    spec = importlib.util.spec_from_file_location("faults_run_daily", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    entry: Callable[[list[str]], int] = module.main
    return entry


def test_strict_turns_a_degraded_run_into_exit_3(
    tmp_path: Path,
    template: Path,
    fault_server: FaultServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    clean_rows: dict[str, list[tuple[Any, ...]]],
) -> None:
    """Through the spec entrypoint ``pipelines/ops/run_daily.py``, steps chosen by RUN_*."""
    env = {
        **ENV,
        **serve_vendors(fault_server, "oddsshark", "503_forever"),
        "RUN_ODDS_INGESTION": "1",
        "RUN_DIAGNOSTICS": "1",
    }
    args = ("--strict", "--date", SLATE, "--now", NOW)
    run = run_daily_cli(tmp_path, template, monkeypatch, capsys, env, *args, entry=_entrypoint())
    assert run.cli.code == 3
    assert "(RUN_ODDS_INGESTION=1)" in run.cli.out
    assert _run_end(run)["status"] == "DEGRADED"
    assert json.loads(_run_end(run)["flags"])["strict"] is True
    assert _vendor_events(run)["oddsshark"]["status"] == "FAILED"
    assert run.rows["playnow"] == clean_rows["playnow"]
    assert run.rows["unabated"] == clean_rows["unabated"]
