"""Bounded backfill (jobs/backfill.py): ingestion at archived times, bounds, resume, registry."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest

from faults.server import FaultServer, Reply, ok, status
from jobs.test_backfill_world import (
    CAPTURES,
    END,
    NOW,
    QUOTES_PER_CAPTURE,
    START,
    captures,
    context,
    env,
    fact_rows,
    file_prefix,
    payload,
    query,
    register_only,
    seeded,
    serve,
    write_archive,
)
from propledger.clock import UTC
from propledger.errors import LockHeldError, StorageError
from propledger.jobs.backfill import run_backfill
from propledger.jobs.backfill_args import BackfillRequest, BackfillSource, OnError
from propledger.jobs.backfill_index import index_document, parse_index
from propledger.jobs.backfill_result import StopReason, UnitOutcome, UnitStatus
from propledger.jobs.lock import RunLock
from propledger.settings import Settings

ALL = len(CAPTURES)


def _request(**overrides: object) -> BackfillRequest:
    values: dict[str, object] = {
        "start": START,
        "end": END,
        "max_requests": 100,
        "max_seconds": 120.0,
        "source": BackfillSource.REMOTE,
    }
    values.update(overrides)
    return BackfillRequest(**values)  # type: ignore[arg-type]


@pytest.fixture
def remote(tmp_path: Path, fault_server: FaultServer) -> Settings:
    url = serve(fault_server, write_archive(tmp_path / "archive"))
    return seeded(Settings.from_env(env(tmp_path, url)))


def _run(settings: Settings, request: BackfillRequest, **kw: object):  # type: ignore[no-untyped-def]
    ctx = context(settings, **kw)  # type: ignore[arg-type]
    try:
        return run_backfill(ctx, request)
    finally:
        ctx.close()


def test_remote_backfill_ingests_every_capture_at_its_own_archived_time(
    remote: Settings, fault_server: FaultServer
) -> None:
    result = _run(remote, _request())
    assert result.stop_reason is StopReason.COMPLETED and result.exit_code == 0
    assert result.counts() == {"total": 5, "done": 5, "skipped": 0, "failed": 0, "remaining": 0}
    assert result.rows_inserted == ALL * QUOTES_PER_CAPTURE == 50
    # one request for index.json and one per capture; the server saw exactly those
    assert result.requests == 1 + ALL == len(fault_server.hits())
    stamps = query(remote, "SELECT DISTINCT capture_ts_utc FROM fact_prop_odds ORDER BY 1")
    assert [s for (s,) in stamps] == list(CAPTURES)  # never the run's clock (NOW)
    raw = query(
        remote, "SELECT capture_ts_utc, slate_date, last_modified FROM raw_payload ORDER BY 1"
    )
    assert raw[-1] == (CAPTURES[-1], dt.date(2026, 1, 14), "Thu, 15 Jan 2026 03:30:00 GMT")
    mapped = query(remote, "SELECT count(*) FROM fact_prop_odds WHERE game_id IS NOT NULL")
    assert mapped == [(50,)]


def test_second_run_adds_no_rows_and_skips_every_unit(remote: Settings) -> None:
    first = _run(remote, _request())
    rows = fact_rows(remote)
    again = _run(remote, _request(), now=NOW + dt.timedelta(hours=1))
    assert again.counts() == {"total": 5, "done": 0, "skipped": 5, "failed": 0, "remaining": 0}
    assert again.rows_inserted == 0 and again.requests == 1  # the index only
    assert fact_rows(remote) == rows and len(rows) == first.rows_inserted
    redo = _run(remote, _request(resume=False), now=NOW + dt.timedelta(hours=2))
    assert redo.done == 5 and redo.rows_parsed == 50 and redo.rows_inserted == 0
    assert redo.requests == 1  # archived units are re-parsed from the local copy, not fetched
    assert fact_rows(remote) == rows


def test_request_bound_counts_every_retry_and_is_never_overshot(
    tmp_path: Path, fault_server: FaultServer
) -> None:
    directory = write_archive(tmp_path / "archive")
    flaky = [status(500), None]  # every file: a 500, then the body
    url = serve(fault_server, directory, {k: flaky for k in range(ALL)})  # type: ignore[misc]
    settings = seeded(Settings.from_env(env(tmp_path, url)))
    result = _run(settings, _request(max_requests=6))
    # index 1 + (500, 200) + (500, 200) = 5; the third file's first attempt is the 6th
    # request, its retry would be the 7th: refused before it is sent
    assert result.requests == 6 == len(fault_server.hits())
    assert result.stop_reason is StopReason.MAX_REQUESTS and result.exit_code == 0
    assert result.counts() == {"total": 5, "done": 2, "skipped": 0, "failed": 0, "remaining": 3}
    assert len(fact_rows(settings)) == 2 * QUOTES_PER_CAPTURE
    event = query(
        settings,
        "SELECT status, requests, rows_out, details FROM fact_run_registry "
        "WHERE step = 'backfill' AND event = 'end'",
    )
    assert event[0][:3] == ("DEGRADED", 6, 20)
    details = json.loads(event[0][3])
    assert details["stop_reason"] == "max_requests" and details["units"]["remaining"] == 3
    # the next run resumes: the two done units are skipped, the rest fetched
    later = _run(settings, _request(max_requests=100), now=NOW + dt.timedelta(hours=1))
    assert (later.done, later.skipped, later.remaining) == (3, 2, 0)
    assert len(fact_rows(settings)) == 50


def test_a_bound_of_one_request_reads_the_index_and_stops_before_the_first_fetch(
    remote: Settings, fault_server: FaultServer
) -> None:
    result = _run(remote, _request(max_requests=1))
    assert result.requests == 1 == len(fault_server.hits())
    assert result.stop_reason is StopReason.MAX_REQUESTS and result.remaining == 5
    assert "1 of 1 requests sent" in result.summary()


class _Ticks:
    """An injected monotonic clock; units advance it as if they took ``per_unit`` seconds."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_seconds_bound_stops_before_a_unit_that_would_not_fit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = seeded(Settings.from_env(env(tmp_path)))
    register_only(settings, captures())
    ticks = _Ticks()
    import propledger.jobs.backfill as backfill

    real = backfill.reparse_payload

    def slow(*args, **kwargs):  # type: ignore[no-untyped-def]
        ticks.now += 10.0  # every unit takes 10 s
        return real(*args, **kwargs)

    monkeypatch.setattr(backfill, "reparse_payload", slow)
    ctx = context(settings)
    try:
        result = run_backfill(
            ctx, _request(source=BackfillSource.ARCHIVE, max_seconds=25), monotonic=ticks
        )
    finally:
        ctx.close()
    # 0 → 10 → 20 s; a third 10 s unit would end at 30 s > 25 s: not started
    assert result.stop_reason is StopReason.MAX_SECONDS
    assert (result.done, result.remaining) == (2, 3)
    assert result.elapsed == 20.0 <= 25
    assert len(fact_rows(settings)) == 20


def test_seconds_bound_caps_a_stalled_request(tmp_path: Path, fault_server: FaultServer) -> None:
    directory = write_archive(tmp_path / "archive")
    url = serve(fault_server, directory, {1: [Reply(stall=30.0)]})
    settings = seeded(Settings.from_env(env(tmp_path, url, PROPLEDGER_HTTP_READ_TIMEOUT="30")))
    result = _run(settings, _request(max_seconds=3.0))
    # the stalled file's read timeout is cut to the seconds left; it is left for a later run
    assert result.stop_reason is StopReason.MAX_SECONDS
    assert result.done == 1 and result.failed == 0 and result.remaining == 4
    assert result.elapsed < 3.0 + 0.5  # not the 30 s read timeout, nor the 30 s stall


def test_on_error_stop_records_the_failure_and_stops(
    tmp_path: Path, fault_server: FaultServer
) -> None:
    directory = write_archive(tmp_path / "archive")
    url = serve(fault_server, directory, {2: [status(404)]})
    settings = seeded(Settings.from_env(env(tmp_path, url)))
    result = _run(settings, _request(on_error=OnError.STOP))
    assert result.stop_reason is StopReason.ERROR and result.exit_code == 1
    assert result.counts() == {"total": 5, "done": 2, "skipped": 0, "failed": 1, "remaining": 2}
    step = query(
        settings,
        "SELECT status, error_type, message FROM fact_run_registry WHERE step = 'backfill'",
    )
    assert step[0][0] == "DEGRADED" and step[0][1] == "HttpStatusError"
    assert "404" in step[0][2] and "stop reason error" in step[0][2]
    assert fault_server.hits(file_prefix(directory, 3)) == []  # nothing after the failure


def test_on_error_continue_records_the_failure_and_finishes(
    tmp_path: Path, fault_server: FaultServer
) -> None:
    directory = write_archive(tmp_path / "archive")
    url = serve(fault_server, directory, {2: [status(404)]})
    settings = seeded(Settings.from_env(env(tmp_path, url)))
    lines: list[str] = []

    def progress(outcome: UnitOutcome, done: int, total: int) -> None:
        lines.append(outcome.line(done, total))

    ctx = context(settings)
    try:
        result = run_backfill(ctx, _request(on_error=OnError.CONTINUE), progress=progress)
    finally:
        ctx.close()
    assert result.stop_reason is StopReason.COMPLETED and result.exit_code == 0
    assert (result.done, result.failed, str(result.status)) == (4, 1, "DEGRADED")
    assert len(lines) == 5 and "FAILED" in lines[2] and "404" in lines[2]
    assert lines[0].startswith("[1/5] 2026-01-12 2026-01-12T16:00:00Z fetch")
    # the failed unit is retried by the next run, the others are skipped
    serve(fault_server, directory)
    again = _run(settings, _request(), now=NOW + dt.timedelta(hours=1))
    assert (again.done, again.skipped, again.requests) == (1, 4, 2)


def test_a_vendor_outage_opens_the_breaker_and_stops_even_with_continue(
    tmp_path: Path, fault_server: FaultServer
) -> None:
    directory = write_archive(tmp_path / "archive")
    url = serve(fault_server, directory, {k: [status(503)] for k in range(1, ALL)})
    extra = {"PROPLEDGER_HTTP_MAX_ATTEMPTS": "2", "PROPLEDGER_HTTP_BREAKER_THRESHOLD": "3"}
    settings = seeded(Settings.from_env(env(tmp_path, url, **extra)))
    result = _run(settings, _request(on_error=OnError.CONTINUE))
    assert result.stop_reason is StopReason.VENDOR_UNAVAILABLE and result.exit_code == 1
    # file 1: 503, 503 (failed); file 2: 503 opens the breaker (3 consecutive failures)
    assert result.requests == 1 + 1 + 2 + 1 == len(fault_server.hits())
    assert (result.done, result.failed, result.remaining) == (1, 2, 2)
    assert "circuit open" in result.message


def test_mismatched_bytes_and_newer_data_under_a_past_date_are_refused(
    tmp_path: Path, fault_server: FaultServer
) -> None:
    directory = write_archive(tmp_path / "archive")
    url = serve(fault_server, directory, {0: [ok(b'{"odds": {}}')]})  # not the indexed bytes
    # capture 1 replaced (index included) by a body whose lines are a day newer than its date
    entries = list(parse_index((directory / "index.json").read_bytes(), url="i").entries)
    relabelled = payload(1, CAPTURES[1], sequence_at=CAPTURES[1] + dt.timedelta(days=1))
    entries[1] = dataclasses.replace(entries[1], sha256=hashlib.sha256(relabelled).hexdigest())
    fault_server.mount(f"/archive/{entries[1].path}", ok(relabelled))
    fault_server.mount("/archive/index.json", ok(json.dumps(index_document(entries)).encode()))
    settings = seeded(Settings.from_env(env(tmp_path, url)))
    result = _run(settings, _request(on_error=OnError.CONTINUE))
    failed = [o for o in result.outcomes if o.status is UnitStatus.FAILED]
    assert [o.unit.capture_ts_utc for o in failed] == list(CAPTURES[:2])
    assert "differs from the index" in failed[0].error
    assert "refusing to stamp newer data with a past date" in failed[1].error
    archived = query(settings, "SELECT capture_ts_utc FROM raw_payload ORDER BY 1")
    assert [a for (a,) in archived] == list(CAPTURES[2:])  # neither was archived


def test_an_unparseable_payload_is_archived_and_recovered_by_the_next_run(
    tmp_path: Path, fault_server: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import propledger.odds.parse as parse_module
    from propledger.errors import PayloadError

    url = serve(fault_server, write_archive(tmp_path / "archive"))
    settings = seeded(Settings.from_env(env(tmp_path, url)))
    real = parse_module._parsers

    def broken():  # type: ignore[no-untyped-def]
        def fail(content, captured_at):  # type: ignore[no-untyped-def]
            raise PayloadError("cdn_v2: drifted shape")

        return {**real(), "cdn_v2": fail}

    monkeypatch.setattr(parse_module, "_parsers", broken)
    first = _run(settings, _request(on_error=OnError.CONTINUE))
    assert (first.done, first.failed) == (0, 5) and str(first.status) == "FAILED"
    assert first.exit_code == 1
    assert query(settings, "SELECT count(*) FROM raw_payload") == [(5,)]
    monkeypatch.setattr(parse_module, "_parsers", real)
    fixed = _run(settings, _request(), now=NOW + dt.timedelta(hours=1))
    assert fixed.done == 5 and fixed.requests == 1  # re-parsed from the archive: no fetch
    assert fixed.plan.units[0].reason.startswith("archived, no rows yet")
    assert len(fact_rows(settings)) == 50


def test_archive_source_gives_the_same_rows_as_the_remote_source(
    tmp_path: Path, remote: Settings
) -> None:
    _run(remote, _request())
    local = seeded(Settings.from_env(env(tmp_path / "other")))
    register_only(local, captures())
    result = _run(local, _request(source=BackfillSource.ARCHIVE, max_requests=1))
    assert result.requests == 0 and result.done == 5
    assert fact_rows(local) == fact_rows(remote)


def test_reparse_after_a_parser_fix_adds_only_the_missing_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import propledger.odds.parse as parse_module
    from propledger.odds.quote import ParseResult

    settings = seeded(Settings.from_env(env(tmp_path)))
    register_only(settings, captures())
    real = parse_module._parsers

    def without_goals():  # type: ignore[no-untyped-def]
        def parse(content, captured_at):  # type: ignore[no-untyped-def]
            result: ParseResult = real()["cdn_v2"](content, captured_at)
            kept = tuple(q for q in result.quotes if q.market_type != "GOALS")
            return ParseResult(result.vendor, result.platform, result.captured_at, kept)

        return {**real(), "cdn_v2": parse}

    monkeypatch.setattr(parse_module, "_parsers", without_goals)
    archive = _request(source=BackfillSource.ARCHIVE)
    buggy = _run(settings, archive)
    monkeypatch.setattr(parse_module, "_parsers", real)
    resumed = _run(settings, archive, now=NOW + dt.timedelta(hours=1))
    assert resumed.skipped == 5 and resumed.rows_inserted == 0  # resume alone cannot see it
    later = NOW + dt.timedelta(days=2)
    fixed = _run(settings, _request(source=BackfillSource.ARCHIVE, reparse=True), now=later)
    goals = query(
        settings,
        "SELECT count(*), min(capture_ts_utc), max(loaded_at) FROM fact_prop_odds "
        "WHERE market_type = 'GOALS'",
    )
    assert fixed.rows_inserted == goals[0][0] > 0
    assert fixed.rows_parsed == buggy.rows_parsed + fixed.rows_inserted
    assert goals[0][1] == CAPTURES[0] and goals[0][2] == later  # archived time, reparse lineage


def test_the_run_lock_is_taken(remote: Settings) -> None:
    lock = RunLock.beside(remote.warehouse_path)
    lock.acquire("daily")
    try:
        with pytest.raises(LockHeldError, match="another propledger run holds"):
            _run(remote, _request())
    finally:
        lock.release()


def test_registry_holds_the_run_start_end_and_the_backfill_step(remote: Settings) -> None:
    result = _run(remote, _request(max_requests=4))
    events = query(
        remote,
        "SELECT step, vendor, event, status, kind, requests FROM fact_run_registry "
        "ORDER BY recorded_utc, step, event DESC",
    )
    assert events == [
        ("run", None, "start", "RUNNING", "backfill", None),
        ("backfill", "unabated", "end", "DEGRADED", "backfill", 4),
        ("run", None, "end", "DEGRADED", "backfill", 4),
    ]
    assert query(remote, "SELECT run_id, status FROM v_run") == [(result.run_id, "DEGRADED")]
    started = query(remote, "SELECT started_utc, ended_utc FROM v_run")[0]
    assert started[0] == NOW.astimezone(UTC) < started[1]


@pytest.mark.parametrize(
    ("error", "reason", "code"),
    [
        (KeyboardInterrupt(), StopReason.INTERRUPTED, 130),
        (StorageError("append to fact_prop_odds failed: disk full"), StopReason.ERROR, 1),
    ],
)
def test_an_interrupt_or_a_storage_failure_keeps_done_units_and_records_the_stop(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    error: BaseException,
    reason: StopReason,
    code: int,
) -> None:
    import propledger.jobs.backfill as backfill

    settings = seeded(Settings.from_env(env(tmp_path)))
    register_only(settings, captures())
    real, calls = backfill.reparse_payload, []

    def third_fails(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 3:
            raise error
        return real(*args, **kwargs)

    monkeypatch.setattr(backfill, "reparse_payload", third_fails)
    result = _run(settings, _request(source=BackfillSource.ARCHIVE))
    assert (result.stop_reason, result.exit_code) == (reason, code)
    assert (result.done, result.remaining) == (2, 3) and len(fact_rows(settings)) == 20
    step = query(settings, "SELECT message FROM fact_run_registry WHERE step = 'backfill'")
    assert f"stop reason {reason}" in step[0][0]
