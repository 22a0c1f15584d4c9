"""Issue 5 item 6 through the real ingestion: ``propledger odds ingest`` (cli.main, live source)
against the loopback fault server, one vendor faulty, the two others served correct payloads.

Every (vendor, fault) pair of the issue, plus PlayNow's props request (``events-by-ids``) faulty
behind a healthy event list. For each: exit 0, the other vendors' rows identical to a clean
run's, the faulty vendor's status / requests / attempts / HTTP status / error type / archived
payloads / stored rows exactly as expected, the waits it asked for, and wall time within the
configured bounds. Settings: ``fast_http_env`` (3 attempts, read timeout 0.3 s, backoff ≤ 0.02 s,
Retry-After cap 5 s) with a 6 s vendor deadline so PlayNow's two ``Retry-After: 2`` waits fit.
Waits are recorded, not slept (``harness.record_sleeps``), except in
``test_retry_after_2_really_waits``; stalls are real read timeouts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from faults.harness import (
    NOW,
    Sleeps,
    install_warehouse,
    quote_rows,
    raw_payloads_by_vendor,
    record_sleeps,
    seeded_template,
    set_env,
    spy_ingestion,
)
from faults.server import FaultServer, fast_http_env, fault
from faults.vendors import CLEAN_ROWS, FAULT_NAMES, VENDORS, serve_vendors
from propledger.cli import main
from propledger.evidence.warehouse import Warehouse
from propledger.http import CallStatus
from propledger.odds.ingest import IngestStatus, OddsIngestResult

READ_TIMEOUT = 0.3
ATTEMPTS = 3
BACKOFF_MAX = 0.02
DEADLINE = 6.0
ENV = fast_http_env(read_timeout=READ_TIMEOUT, max_attempts=ATTEMPTS, vendor_deadline=DEADLINE)
#: wall seconds a CLI ingest may take on top of what the fault itself needs (a clean run of the
#: three vendors takes ~1 s on the shared 2-core box; an unbounded wait would blow this at once)
SLACK = 6.0


@dataclass(frozen=True)
class Expected:
    """What the faulty vendor's ingestion must look like (requests = HTTP requests sent)."""

    ingest: IngestStatus
    call: CallStatus
    requests: int
    attempts: int
    http: int | None
    error: str | None
    payloads_new: int
    rows: int
    parse: str = ""
    backoffs: int = 0  # jittered waits (each ≤ backoff_max)
    retry_after: tuple[float, ...] = ()  # exact server-requested waits
    stall: float = 0.0  # real seconds the fault needs (read timeouts)


FAIL, OK, DEG = IngestStatus.FAILED, IngestStatus.OK, IngestStatus.DEGRADED


def _single_request(rows: int) -> dict[str, Expected]:
    """Unabated and OddsShark: one GET per run; ``rows`` = the clean payload's quotes."""
    return {
        "refused": Expected(
            FAIL, CallStatus.FAILED, 3, 3, None, "TransportError", 0, 0, backoffs=2
        ),
        "stall": Expected(
            FAIL,
            CallStatus.FAILED,
            3,
            3,
            None,
            "TransportError",
            0,
            0,
            backoffs=2,
            stall=ATTEMPTS * READ_TIMEOUT,
        ),
        "500_then_200": Expected(OK, CallStatus.OK, 2, 2, 200, None, 1, rows, "ok", backoffs=1),
        "503_forever": Expected(
            FAIL, CallStatus.FAILED, 3, 3, 503, "HttpStatusError", 0, 0, backoffs=2
        ),
        "429_retry_after_2": Expected(
            OK, CallStatus.OK, 2, 2, 200, None, 1, rows, "ok", retry_after=(2.0,)
        ),
        "429_retry_after_3600": Expected(
            FAIL, CallStatus.RATE_LIMITED, 1, 1, 429, "RateLimitedError", 0, 0
        ),
        "403": Expected(FAIL, CallStatus.FAILED, 1, 1, 403, "HttpStatusError", 0, 0),
        # the client sees fewer bytes than Content-Length: nothing reaches the archive
        "truncated": Expected(FAIL, CallStatus.FAILED, 1, 1, 200, "PayloadError", 0, 0),
        # a complete response with an unusable body: archived (for reparse), then the parse fails
        "malformed": Expected(FAIL, CallStatus.FAILED, 1, 1, 200, "PayloadError", 1, 0, "error"),
        "html_error": Expected(FAIL, CallStatus.FAILED, 1, 1, 200, "PayloadError", 1, 0, "error"),
        # no games posted: a valid answer, not a failure
        "empty_payload": Expected(OK, CallStatus.OK, 1, 1, 200, None, 1, 0, "empty"),
        "schema_drift": Expected(DEG, CallStatus.OK, 1, 1, 200, None, 1, 0, "no_match"),
    }


def _playnow() -> dict[str, Expected]:
    """PlayNow: event list, then ONE events-by-ids; the fault hits both routes."""
    base = _single_request(CLEAN_ROWS["playnow"])
    # the event list is not a quote payload: a bad one ends the vendor, archived all the same (the
    # archive is the record of what the vendor returned; event lists are never parsed)
    listing_bad = Expected(FAIL, CallStatus.FAILED, 1, 1, 200, "PayloadError", 1, 0)
    return {
        **base,
        "500_then_200": replace(base["500_then_200"], requests=4, payloads_new=2, backoffs=2),
        "429_retry_after_2": replace(
            base["429_retry_after_2"], requests=4, payloads_new=2, retry_after=(2.0, 2.0)
        ),
        "malformed": listing_bad,
        "html_error": listing_bad,
        "schema_drift": listing_bad,  # no data.events in the list: drift, not "no games"
        # an empty event list = no games: ok, nothing to ask events-by-ids for
        "empty_payload": Expected(OK, CallStatus.OK, 1, 1, 200, None, 1, 0, ""),
    }


def _playnow_events() -> dict[str, Expected]:
    """PlayNow with a healthy event list and a faulty events-by-ids (the props payload). The
    event list is archived even when the props request fails; a truncated body never is."""
    return {
        "503_forever": Expected(
            FAIL, CallStatus.DEGRADED, 4, 3, 503, "HttpStatusError", 1, 0, backoffs=2
        ),
        "truncated": Expected(FAIL, CallStatus.DEGRADED, 2, 1, 200, "PayloadError", 1, 0),
        "malformed": Expected(FAIL, CallStatus.DEGRADED, 2, 1, 200, "PayloadError", 2, 0, "error"),
        "html_error": Expected(FAIL, CallStatus.DEGRADED, 2, 1, 200, "PayloadError", 2, 0, "error"),
        "empty_payload": Expected(OK, CallStatus.OK, 2, 1, 200, None, 2, 0, "empty"),
        "schema_drift": Expected(DEG, CallStatus.OK, 2, 1, 200, None, 2, 0, "no_match"),
    }


def _oddsshark() -> dict[str, Expected]:
    base = _single_request(CLEAN_ROWS["oddsshark"])
    page = Expected(DEG, CallStatus.OK, 1, 1, 200, None, 1, 0, "no_match")
    return {
        **base,
        # HTML is parsed leniently: a page broken mid-row keeps the rows before the break (the
        # first row's 6 quotes, hand-checked in faults/vendors.py) and warns about the lost tab
        "malformed": Expected(OK, CallStatus.OK, 1, 1, 200, None, 1, 6, "ok"),
        # an error page, an empty page and a redesign all lack the props containers
        "html_error": page,
        "empty_payload": page,
        "schema_drift": page,
    }


EXPECTED: dict[tuple[str, str, str], Expected] = {
    **{("playnow", f, "all"): e for f, e in _playnow().items()},
    **{("playnow", f, "events"): e for f, e in _playnow_events().items()},
    **{("unabated", f, "all"): e for f, e in _single_request(CLEAN_ROWS["unabated"]).items()},
    **{("oddsshark", f, "all"): e for f, e in _oddsshark().items()},
}


def test_every_vendor_meets_every_fault() -> None:
    for vendor in VENDORS:
        assert {f for v, f, t in EXPECTED if v == vendor and t == "all"} == set(FAULT_NAMES)


# ---- running the command -------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    result: OddsIngestResult
    sleeps: Sleeps
    wall: float
    rows: dict[str, list[tuple[Any, ...]]]
    raw: dict[str, int]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path: Path = seeded_template(tmp_path_factory.mktemp("faults_ingest"))
    return path


def run_ingest(
    tmp_path: Path,
    template: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
    *,
    real_sleep: bool = False,
) -> Run:
    warehouse = install_warehouse(template, tmp_path / "data")
    set_env(monkeypatch, env)
    sleeps = Sleeps() if real_sleep else record_sleeps(monkeypatch)
    results = spy_ingestion(monkeypatch)
    started = time.monotonic()
    code = main(["odds", "ingest", "--now", NOW])
    wall = time.monotonic() - started
    out = capsys.readouterr().out
    assert len(results) == 1
    with Warehouse.open(warehouse) as wh:
        rows, raw = quote_rows(wh), raw_payloads_by_vendor(wh)
    return Run(code, out, results[0], sleeps, wall, rows, raw)


_CLEAN: dict[str, list[tuple[Any, ...]]] = {}


@pytest.fixture
def clean_rows(
    tmp_path: Path,
    template: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of a clean run through the same command (run once: the inputs never change),
    on a server and a data directory of its own."""
    if not _CLEAN:
        with monkeypatch.context() as patch, FaultServer() as server:
            patch.setenv("PROPLEDGER_DATA_DIR", str(tmp_path / "clean" / "data"))
            env = {**ENV, **serve_vendors(server)}
            run = run_ingest(tmp_path / "clean", template, patch, capsys, env)
        assert run.code == 0 and run.result.status is IngestStatus.OK
        assert {v: len(r) for v, r in run.rows.items()} == CLEAN_ROWS
        assert all(
            v.call.requests == (2 if v.vendor == "playnow" else 1) for v in run.result.vendors
        )
        _CLEAN.update(run.rows)
    return _CLEAN


def _hits(server: FaultServer, vendor: str) -> int:
    prefixes = (
        ("/playnow/event-list", "/playnow/events-by-ids")
        if vendor == "playnow"
        else (f"/{vendor}",)
    )
    return sum(len(server.hits(p)) for p in prefixes)


@pytest.mark.parametrize(
    ("vendor", "fault_name", "target"),
    sorted(EXPECTED),
    ids=[f"{v}-{f}" + ("-events" if t == "events" else "") for v, f, t in sorted(EXPECTED)],
)
def test_fault(
    vendor: str,
    fault_name: str,
    target: str,
    tmp_path: Path,
    template: Path,
    fault_server: FaultServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    clean_rows: dict[str, list[tuple[Any, ...]]],
) -> None:
    expected = EXPECTED[(vendor, fault_name, target)]
    env = {**ENV, **serve_vendors(fault_server, vendor, fault_name, target=target)}
    run = run_ingest(tmp_path, template, monkeypatch, capsys, env)

    # the run finishes and the other vendors are untouched: every row, byte for byte
    assert run.code == 0, run.out
    for other in VENDORS:
        if other != vendor:
            assert run.rows[other] == clean_rows[other], other
            assert run.result.vendor(other).status is IngestStatus.OK
    # the faulty vendor
    got = run.result.vendor(vendor)
    call = got.call
    summary = (
        got.status,
        call.status,
        call.requests,
        call.attempts,
        call.last_http_status,
        call.error_type or None,
        got.payloads_new,
        len(run.rows[vendor]),
        got.parse_status,
    )
    assert summary == (
        expected.ingest,
        expected.call,
        expected.requests,
        expected.attempts,
        expected.http,
        expected.error,
        expected.payloads_new,
        expected.rows,
        expected.parse,
    ), got
    assert run.raw[vendor] == expected.payloads_new  # every usable response archived, once
    assert _hits(fault_server, vendor) == (0 if fault_name == "refused" else expected.requests)
    if expected.rows == CLEAN_ROWS[vendor]:
        assert run.rows[vendor] == clean_rows[vendor]  # a recovery stores exactly the clean rows
    elif expected.rows:
        # partial, never invented (the broken payload has its own hash: compare the rest)
        assert {r[:-1] for r in run.rows[vendor]} < {r[:-1] for r in clean_rows[vendor]}
    if expected.ingest is not IngestStatus.OK:
        assert got.message or got.warnings, "a degraded or failed vendor must say why"
    # the table the command prints
    line = next(ln.split() for ln in run.out.splitlines() if ln.startswith(vendor))
    assert line[1:3] == [str(expected.ingest), str(expected.requests)]
    overall = IngestStatus.OK if expected.ingest is IngestStatus.OK else IngestStatus.DEGRADED
    assert run.out.splitlines()[-1].startswith(f"odds ingest {overall}:")
    # waits: the jittered backoffs and the server's Retry-After, nothing else
    assert sorted(s for s in run.sleeps if s > BACKOFF_MAX) == sorted(expected.retry_after)
    assert len([s for s in run.sleeps if s <= BACKOFF_MAX]) == expected.backoffs
    # time: the vendor's clock (requests + planned waits) and the wall clock of the command
    planned = sum(expected.retry_after)
    assert expected.stall - 0.05 <= call.elapsed <= expected.stall + planned + 0.5, call.elapsed
    assert call.elapsed <= DEADLINE
    assert expected.stall <= run.wall <= expected.stall + SLACK, run.wall


def test_oddsshark_broken_page_warns_about_what_it_lost(
    tmp_path: Path,
    template: Path,
    fault_server: FaultServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env = {**ENV, **serve_vendors(fault_server, "oddsshark", "malformed")}
    run = run_ingest(tmp_path, template, monkeypatch, capsys, env)
    oddsshark = run.result.vendor("oddsshark")
    assert any("2 tabs but 1 containers" in w for w in oddsshark.warnings)
    assert {(r[3], r[4], str(r[5]), r[7], r[9]) for r in run.rows["oddsshark"]} == {
        ("name:Evan Marchetti", "POINTS", "0.5", "BET99", "-160"),
        ("name:Evan Marchetti", "POINTS", "0.5", "BET99", "+125"),
        ("name:Evan Marchetti", "POINTS", "0.5", "Sports Interaction", "-155"),
        ("name:Evan Marchetti", "POINTS", "0.5", "Sports Interaction", "+120"),
        ("name:Evan Marchetti", "POINTS", "0.5", "Pinnacle", "-150"),
        ("name:Evan Marchetti", "POINTS", "0.5", "Pinnacle", "+130"),
    }


def test_retry_after_2_really_waits(
    tmp_path: Path,
    template: Path,
    fault_server: FaultServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The one real wait of the matrix: the CLI's own sleep honours ``Retry-After: 2``."""
    env = {**ENV, **serve_vendors(fault_server, "unabated", "429_retry_after_2")}
    run = run_ingest(tmp_path, template, monkeypatch, capsys, env, real_sleep=True)
    unabated = run.result.vendor("unabated")
    assert run.code == 0 and unabated.status is IngestStatus.OK
    assert len(run.rows["unabated"]) == CLEAN_ROWS["unabated"]
    assert 2.0 <= unabated.call.elapsed < 2.5
    assert 2.0 <= run.wall <= 2.0 + SLACK


def test_every_vendor_dead_exits_1_within_the_deadlines(
    tmp_path: Path,
    template: Path,
    fault_server: FaultServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """All three stall: nothing produced (exit 1), and each vendor cost about its attempts'
    read timeouts (2 × 0.3 s), so the run is bounded by the sum of the vendors' bounds."""
    env = {**ENV, **serve_vendors(fault_server), "PROPLEDGER_HTTP_MAX_ATTEMPTS": "2"}
    for prefix in ("/playnow/event-list", "/playnow/events-by-ids", "/unabated", "/oddsshark"):
        fault_server.mount(prefix, fault("stall"))
    run = run_ingest(tmp_path, template, monkeypatch, capsys, env)
    assert run.code == 1 and run.result.status is IngestStatus.FAILED
    assert run.out.splitlines()[-1].startswith("odds ingest failed: 0 rows inserted")
    for v in run.result.vendors:
        assert (v.call.requests, v.call.error_type) == (2, "TransportError")
        assert 2 * READ_TIMEOUT - 0.05 <= v.call.elapsed <= 2 * READ_TIMEOUT + 0.5
    assert 3 * 2 * READ_TIMEOUT <= run.wall <= 3 * 2 * READ_TIMEOUT + SLACK
    assert all(not rows for rows in run.rows.values())


def test_stall_with_the_defaults_scaled_down_is_cut_by_the_deadline(
    tmp_path: Path,
    template: Path,
    fault_server: FaultServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """docs/http.md's default column for ``stall``, at 1/60 scale (read 0.5 s, deadline 1 s,
    4 attempts, backoff 0.5/60 s): two read timeouts spend the deadline, the third attempt is
    never started (``BudgetExhaustedError``), and the vendor costs one deadline."""
    scaled = fast_http_env(
        read_timeout=0.5,
        connect_timeout=5 / 60,
        max_attempts=4,
        backoff_base=0.5 / 60,
        backoff_max=0.5,
        retry_after_max=1.0,
        vendor_deadline=1.0,
    )
    env = {**scaled, **serve_vendors(fault_server, "unabated", "stall")}
    run = run_ingest(tmp_path, template, monkeypatch, capsys, env)
    unabated = run.result.vendor("unabated").call
    assert run.code == 0 and len(run.rows["playnow"]) == CLEAN_ROWS["playnow"]
    assert (unabated.requests, unabated.error_type) == (2, "BudgetExhaustedError")
    assert 0.9 <= unabated.elapsed <= 1.3  # one deadline (slack: a loaded 2-core box)
    assert len(fault_server.hits("/unabated")) == 2
    assert 0.9 <= run.wall <= 1.0 + SLACK  # the 2nd read is capped by what is left (≈ 0.49 s)


def test_the_fault_matrix_is_documented() -> None:
    """docs/http.md's "Fault matrix" table has a row for every fault the matrix runs."""
    doc = (Path(__file__).parents[2] / "docs" / "http.md").read_text(encoding="utf-8")
    section = doc.split("## Fault matrix\n", 1)[1]
    rows = {ln.split("`")[1] for ln in section.splitlines() if ln.startswith("| `")}
    assert rows == set(FAULT_NAMES)
