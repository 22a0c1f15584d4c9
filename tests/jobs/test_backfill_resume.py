"""A backfill SIGKILLed mid-range resumes: the rerun ends with exactly an uninterrupted run's rows."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from faults.server import FaultServer, Reply
from jobs.test_backfill_world import (
    END,
    NOW,
    START,
    context,
    env,
    fact_rows,
    file_prefix,
    query,
    seeded,
    serve,
    write_archive,
)
from propledger.jobs.backfill import run_backfill
from propledger.jobs.backfill_args import BackfillRequest, BackfillSource
from propledger.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
PIPELINE = ROOT / "pipelines" / "odds" / "backfill_unabated_snapshots.py"
RAW = "SELECT payload_hash, vendor, surface, url, capture_ts_utc, slate_date, path FROM raw_payload ORDER BY ALL"


def _wait_for(condition, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_killed_backfill_resumes_to_exactly_the_rows_of_an_uninterrupted_run(
    tmp_path: Path, fault_server: FaultServer
) -> None:
    directory = write_archive(tmp_path / "archive")
    stalled = file_prefix(directory, 2)
    # the third file hangs, so the process is surely mid-range (two units committed) when killed
    url = serve(fault_server, directory, {2: [Reply(stall=30.0)]})
    values = env(tmp_path / "killed", url, PROPLEDGER_HTTP_READ_TIMEOUT="25")
    killed = seeded(Settings.from_env(values))
    args = ["--start", str(START), "--end", str(END), "--source", "remote",
            "--max-requests", "50", "--max-seconds", "120", "--now", NOW.isoformat()]  # fmt: skip
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("PROPLEDGER_")}
    proc = subprocess.Popen(
        [sys.executable, str(PIPELINE), *args],
        env={**child_env, **values},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        seen = [proc.stdout.readline() for _ in range(2)]
        assert seen[0].startswith("[1/5]") and seen[1].startswith("[2/5]"), seen
        _wait_for(lambda: bool(fault_server.hits(stalled)))
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
        if proc.stdout is not None:
            proc.stdout.close()
        if proc.stderr is not None:
            proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    assert len(fact_rows(killed)) == 20  # two units committed, nothing half-written
    assert query(killed, "SELECT status FROM v_run") == [("RUNNING",)]

    serve(fault_server, directory)  # the archive answers again
    request = BackfillRequest(START, END, 50, 120.0, BackfillSource.REMOTE)
    ctx = context(killed, run_id="rerun")  # same frozen clock: ABANDONED still lands last
    try:
        rerun = run_backfill(ctx, request)
    finally:
        ctx.close()
    assert (rerun.done, rerun.skipped, rerun.remaining, rerun.requests) == (3, 2, 0, 4)

    clean = seeded(Settings.from_env(env(tmp_path / "clean", url)))
    ctx = context(clean, run_id="clean")
    try:
        run_backfill(ctx, request)
    finally:
        ctx.close()
    assert fact_rows(killed) == fact_rows(clean) and len(fact_rows(clean)) == 50
    assert query(killed, RAW) == query(clean, RAW)
    # the killed run is closed as ABANDONED by the rerun
    statuses = sorted(s for (s,) in query(killed, "SELECT status FROM v_run"))
    assert statuses == ["ABANDONED", "SUCCESS"]
