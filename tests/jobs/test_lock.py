from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from propledger.errors import LockHeldError
from propledger.jobs.lock import RunLock


def test_second_holder_is_refused_with_exit_code_4(tmp_path: Path) -> None:
    first = RunLock.beside(str(tmp_path / "w.duckdb"))
    first.acquire("daily 2026-01-14")
    with pytest.raises(LockHeldError, match="another propledger run holds") as info:
        RunLock.beside(str(tmp_path / "w.duckdb")).acquire()
    assert info.value.exit_code == 4
    assert "daily 2026-01-14" in str(info.value)
    first.release()
    with RunLock.beside(str(tmp_path / "w.duckdb")):
        pass


def test_lock_of_a_killed_process_is_free(tmp_path: Path) -> None:
    lock = tmp_path / "w.duckdb.lock"
    code = (
        "import os, fcntl, signal;"
        f"fd=os.open({str(lock)!r}, os.O_RDWR|os.O_CREAT);"
        "fcntl.flock(fd, fcntl.LOCK_EX);"
        "os.kill(os.getpid(), signal.SIGKILL)"
    )
    subprocess.run([sys.executable, "-c", code], check=False)
    with RunLock(lock):
        pass
