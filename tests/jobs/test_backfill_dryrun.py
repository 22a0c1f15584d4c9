"""``--dry-run`` prints the plan and writes nothing; the command's output without a terminal."""

from __future__ import annotations

from pathlib import Path

import pytest

from faults.server import FaultServer
from jobs.test_backfill_world import (
    CAPTURES,
    NOW,
    captures,
    env,
    file_hashes,
    register_only,
    seeded,
    serve,
    write_archive,
)
from propledger.cli import main
from propledger.clock import iso_z
from propledger.settings import Settings

RANGE = ["--start", "2026-01-12", "--end", "2026-01-15", "--now", NOW.isoformat()]


@pytest.fixture
def partial(tmp_path: Path, fault_server: FaultServer, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Captures 0-1 ingested by a bounded run, 4 archived but never parsed, 2-3 nowhere."""
    url = serve(fault_server, write_archive(tmp_path / "archive"))
    values = env(tmp_path, url)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    settings = seeded(Settings.from_env(values))
    register_only(settings, captures()[4:])
    code = main(["backfill", "unabated", *RANGE, "--source", "remote",
                 "--max-requests", "3", "--max-seconds", "60"])  # fmt: skip
    assert code == 0
    return settings


def test_remote_dry_run_prints_every_unit_and_changes_no_byte(
    partial: Settings, fault_server: FaultServer, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    data = partial.data_dir
    before = file_hashes(data)
    assert "warehouse.duckdb" in before and any(k.startswith("raw/") for k in before)
    hits = len(fault_server.hits())
    code = main(["backfill", "unabated", *RANGE, "--source", "remote", "--dry-run",
                 "--max-requests", "2", "--max-seconds", "60"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert file_hashes(data) == before  # the warehouse file and the archive, byte for byte
    assert len(fault_server.hits()) == hits + 1  # the index, nothing else
    lines = out.splitlines()
    units = {line.split()[1]: line for line in lines if line[:4] == "2026"}
    assert [iso_z(c) for c in CAPTURES] == list(units)
    assert units[iso_z(CAPTURES[0])].split()[2:5] == ["skip", "0", "already"]
    assert units[iso_z(CAPTURES[2])].split()[2:4] == ["fetch", "1"]
    assert "beyond --max-requests" not in units[iso_z(CAPTURES[2])]
    assert "(beyond --max-requests: left for a later run)" in units[iso_z(CAPTURES[3])]
    assert units[iso_z(CAPTURES[4])].split()[2:4] == ["reparse", "0"]
    assert "archived, no rows yet" in units[iso_z(CAPTURES[4])]
    assert units[iso_z(CAPTURES[4])].startswith("2026-01-14")  # 03:30Z is the 14th in ET
    assert "plan: 2 fetch, 1 reparse, 2 skip" in out
    assert "--max-requests 2 allows 1 of 2 fetches: 1 would remain for a later run" in out
    assert lines[-1] == "dry run: nothing was written"


def test_archive_dry_run_changes_no_byte(
    partial: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    before = file_hashes(partial.data_dir)
    code = main(["backfill", "unabated", *RANGE, "--dry-run", "--reparse",
                 "--max-requests", "1", "--max-seconds", "1"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0 and file_hashes(partial.data_dir) == before
    assert "plan: 0 fetch, 3 reparse, 0 skip" in out
    assert out.count("--reparse: parse the archived payload again") == 3


def test_dry_run_without_a_warehouse_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["backfill", "unabated", *RANGE, "--dry-run",
                 "--max-requests", "1", "--max-seconds", "1"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0 and "plan: 0 fetch, 0 reparse, 0 skip" in out
    assert "no Unabated snapshot of slates 2026-01-12..2026-01-15 in the local raw archive" in out
    assert not (tmp_path / "data").exists()


def test_without_a_terminal_each_unit_prints_one_line_then_the_summary(
    partial: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    code = main(["backfill", "unabated", *RANGE, "--source", "remote",
                 "--max-requests", "50", "--max-seconds", "60"])  # fmt: skip
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert [line[:6] for line in out[:5]] == ["[1/5] ", "[2/5] ", "[3/5] ", "[4/5] ", "[5/5] "]
    assert "skipped: already ingested (10 rows)" in out[0]
    assert "fetch   ok: 10 rows, 10 new, 1 request" in out[2]
    assert "reparse ok: 10 rows, 10 new, 0 requests" in out[4]
    assert out[6] == "units: 5 total, 3 done, 2 skipped, 0 failed, 0 remaining"
    assert out[7] == "rows: 30 parsed, 30 new"
    assert out[8].startswith("requests: 3 of 50 (every attempt counted); elapsed ")
    assert out[9:] == ["stop reason: completed", "status SUCCESS"]


def test_on_a_terminal_a_progress_bar_replaces_the_unit_lines(
    partial: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from rich.console import Console

    import propledger.commands.backfill as command

    screen = io.StringIO()
    monkeypatch.setattr(
        command, "Console", lambda **_: Console(file=screen, force_terminal=True, width=120)
    )
    capsys.readouterr()
    code = main(["backfill", "unabated", *RANGE, "--source", "remote",
                 "--max-requests", "50", "--max-seconds", "60"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0 and "[1/5]" not in out and out.startswith("backfill unabated")
    assert "backfill" in screen.getvalue() and "5/5" in screen.getvalue()
