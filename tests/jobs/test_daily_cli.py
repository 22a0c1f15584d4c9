"""``propledger daily`` / ``pipelines/ops/run_daily.py`` / ``propledger runs`` at the edge: no
flags means no side effects, dry run, usage errors (exit 2), lock held (exit 4)."""

from __future__ import annotations

import hashlib
import importlib.util
import os
from pathlib import Path
from types import ModuleType

import pytest

from propledger.cli import main
from propledger.jobs.lock import RunLock
from propledger.settings import Settings

ENTRY = Path(__file__).resolve().parents[2] / "pipelines" / "ops" / "run_daily.py"


def _entrypoint() -> ModuleType:
    spec = importlib.util.spec_from_file_location("run_daily", ENTRY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tree(root: Path) -> dict[str, tuple[str, int]]:
    """Every path under root with its content hash and mtime (ns)."""
    out = {}
    for path in sorted(root.rglob("*")):
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
        out[str(path.relative_to(root))] = (digest, path.stat().st_mtime_ns)
    return out


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path]:
    """The data and output dirs of the environment, with something already in them."""
    data, outputs = tmp_path / "data", tmp_path / "outputs"
    (data / "raw").mkdir(parents=True)
    (data / "raw" / "keep.json").write_text("{}")
    (outputs / "monitoring").mkdir(parents=True)
    (outputs / "monitoring" / "daily_report_2026-01-13.md").write_text("# old report\n")
    return data, outputs


def test_no_flags_prints_the_plan_and_touches_nothing(
    tmp_path: Path, dirs: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    before = _tree(tmp_path)
    assert main(["daily"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("daily plan for slate ")
    assert "nothing selected, so nothing runs and nothing is written" in out
    # the spec entrypoint with no arguments at all behaves the same (not --help)
    assert _entrypoint().main([]) == 0
    assert "nothing selected" in capsys.readouterr().out
    # every RUN_* variable off is the same as none
    for name in (
        "RUN_ODDS_INGESTION",
        "RUN_PRODUCTION",
        "RUN_EV",
        "RUN_OUTCOMES",
        "RUN_DIAGNOSTICS",
    ):
        os.environ[name] = "0"
    assert main(["daily", "--date", "2026-01-14", "--strict", "--vendors", "unabated"]) == 0
    # byte-identical: no warehouse, no lock file, no new directory, nothing rewritten
    assert _tree(tmp_path) == before
    assert not Path(Settings.from_env(os.environ).warehouse_path).exists()


def test_dry_run_prints_plan_and_public_config_and_touches_nothing(
    tmp_path: Path, dirs: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("UNABATED_API_KEY", "sekret-key-123")
    monkeypatch.setenv("RUN_EV", "1")
    before = _tree(tmp_path)
    assert (
        main(["daily", "--all", "--no-run-odds-ingestion", "--dry-run", "--date", "2026-01-14"])
        == 0
    )
    out = capsys.readouterr().out
    assert "1 odds ingestion       off  (--no-run-odds-ingestion)" in out
    assert "3 EV reporting         run  (--all)" in out
    assert '"unabated_api_key": "set"' in out and "sekret" not in out
    assert "config hash: " in out and "dry run: nothing was run, opened or written" in out
    assert _tree(tmp_path) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--minimal", "--all"], "--minimal and --all contradict each other"),
        (["--all", "--date", "14/01/2026"], "--date"),
        (["--all", "--vendors", "draftkings"], "unknown vendor draftkings"),
        (["--all", "--now", "yesterday"], "--now 'yesterday' is not an ISO-8601 instant"),
        (["--all", "--source", "replay:/no/such/dir"], "is not a directory"),
        (["--all", "--run-everything"], "No such option"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    tmp_path: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["daily", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not (tmp_path / "data").exists()


def test_bad_environment_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RUN_PRODUCTION", "sometimes")
    assert main(["daily"]) == 2
    assert "RUN_PRODUCTION='sometimes' is not a boolean" in capsys.readouterr().err
    monkeypatch.delenv("RUN_PRODUCTION")
    monkeypatch.setenv("PROPLEDGER_CRASH_AT", "ev:maybe")
    assert main(["daily"]) == 2
    assert "PROPLEDGER_CRASH_AT='ev:maybe' is not <step>:<when>" in capsys.readouterr().err


def test_lock_held_exits_4_with_a_clear_message(capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings.from_env(os.environ)
    held = RunLock.beside(settings.warehouse_path, label="daily")
    held.acquire("2026-01-14 other")
    try:
        assert main(["daily", "--run-ev", "--date", "2026-01-14"]) == 4
    finally:
        held.release()
    err = capsys.readouterr().err
    assert err.startswith("error: another propledger run holds ")
    assert "wait for it to finish" in err
    assert not Path(settings.warehouse_path).exists()  # refused before opening anything


def test_runs_on_a_fresh_install_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["runs"]) == 0
    assert "no runs recorded yet" in capsys.readouterr().out
    assert not (tmp_path / "data").exists()
    assert main(["runs", "--last", "0"]) == 2


def test_a_run_then_runs_lists_it(capsys: pytest.CaptureFixture[str]) -> None:
    # EV alone on an empty warehouse: skipped (no snapshot), so nothing produced: exit 1
    code = main(["daily", "--run-ev", "--date", "2026-01-14", "--now", "2026-01-14T23:00:00Z"])
    captured = capsys.readouterr()
    assert code == 1
    assert "step 3/5 EV reporting: SKIPPED" in captured.err  # plain progress lines off a TTY
    assert "slate 2026-01-14: FAILED" in captured.out
    assert main(["runs", "--last", "5"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:4] == ["run", "id", "kind", "slate"]
    assert len(lines) == 2
    cells = lines[1].split()
    assert cells[0].startswith("20260114T230000Z-") and cells[1:4] == [
        "daily",
        "2026-01-14",
        "FAILED",
    ]
    assert lines[1].endswith("ev:SKIPPED")
