"""One run at a time: an exclusive, non-blocking lock file beside the warehouse.

``flock`` is released by the kernel when the holder dies, so a SIGKILLed run never leaves a
stale lock behind; the file's content (pid, start time, command) is only for the message.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from propledger.errors import LockHeldError


class RunLock:
    def __init__(self, path: Path, *, label: str = "run") -> None:
        self.path = Path(path)
        self.label = label
        self._fd: int | None = None

    @classmethod
    def beside(cls, warehouse_path: str, *, label: str = "run") -> RunLock:
        base = Path(warehouse_path) if warehouse_path != ":memory:" else Path("memory.duckdb")
        return cls(base.with_name(base.name + ".lock"), label=label)

    def acquire(self, note: str = "") -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = ""
            try:
                holder = os.read(fd, 200).decode(errors="replace").strip()
            finally:
                os.close(fd)
            raise LockHeldError(
                f"another propledger run holds {self.path} ({holder or 'unknown holder'}); "
                "wait for it to finish, it is released automatically when that process ends"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} {self.label} {note}".strip().encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
