"""Atomic writes: whole new content or the old one, never half a file, never a stray temp file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pyarrow as pa
import pytest

from propledger import files


def test_atomic_write_creates_the_folder_and_a_readable_file(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "report.md"
    assert files.atomic_write(target, b"hello\n") == target
    assert target.read_bytes() == b"hello\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644  # not mkstemp's 0600
    assert [p.name for p in target.parent.iterdir()] == ["report.md"]


def test_a_failed_replace_keeps_the_old_content_and_removes_the_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.md"
    target.write_bytes(b"old")

    def disk_full(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(OSError, match="No space left"):
        files.atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]


def test_write_csv_writes_header_and_rows(tmp_path: Path) -> None:
    table = pa.table({"player": ["Émile Gagnon", 'A "quoted" name'], "p": [0.25, 0.5]})
    path = files.write_csv(tmp_path / "out.csv", table)
    assert path.read_text(encoding="utf-8").splitlines() == [
        '"player","p"',
        '"Émile Gagnon",0.25',
        '"A ""quoted"" name",0.5',
    ]
