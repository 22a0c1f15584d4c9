"""Files written whole or not at all: a temp file in the target's folder, then a rename.

Readers (and a run killed mid-write) never see half a report, CSV, artifact or payload: the
target either keeps its old content or gets the new one. The temp file is removed on failure.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv


def atomic_write(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (creating its folder); returns ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; our files are for people and other tools
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def csv_bytes(table: pa.Table) -> bytes:
    """``table`` as CSV (header + rows, pyarrow's quoting)."""
    sink = pa.BufferOutputStream()
    pacsv.write_csv(table, sink)
    data: bytes = sink.getvalue().to_pybytes()
    return data


def write_csv(path: Path, table: pa.Table) -> Path:
    """``table`` as a CSV file at ``path``, atomically."""
    return atomic_write(path, csv_bytes(table))


__all__ = ["atomic_write", "csv_bytes", "write_csv"]
