"""``propledger ev`` and ``propledger settle`` over a warehouse file (no network)."""

from __future__ import annotations

from pathlib import Path

import pytest

from evworld import (
    MATTHEWS,
    add_games,
    add_odds,
    add_outcomes,
    add_snapshot,
    game_row,
    odds_row,
    outcome_row,
    snapshot_row,
)
from propledger.cli import main
from propledger.evidence.warehouse import Warehouse

NOW = "2026-01-14T17:00:00Z"


@pytest.fixture
def warehouse_file(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "warehouse.duckdb"  # PROPLEDGER_DATA_DIR points there (conftest)
    with Warehouse.open(path) as wh:
        add_games(wh)
        add_snapshot(wh, snapshot_row(0.40))
        add_odds(wh, odds_row("OVER", 2.8), odds_row("UNDER", 1.45), odds_row(player_id=None))
    return path


def test_ev_command_joins_prices_and_writes_the_report(
    warehouse_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ev", "--date", "2026-01-14", "--now", NOW]) == 0
    out = capsys.readouterr().out
    assert "slate 2026-01-14: snapshot 2026-01-14T16:00:00Z, 3 odds rows, 2 joined" in out
    assert "2 joined, 1 at EV ≥ 0.02, 1 best bets, 0 audit flags, 2 new rows" in out
    assert "not joined: unmapped 1" in out
    report = tmp_path / "outputs" / "ev" / "ev_report_2026-01-14.md"
    assert report.exists() and (report.with_suffix(".csv")).exists()
    # the same command again adds nothing
    assert main(["ev", "--date", "2026-01-14", "--now", NOW]) == 0
    assert "0 new rows" in capsys.readouterr().out


def test_ev_command_defaults_to_the_slate_of_now(
    warehouse_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 03:00Z on the 15th is still the 14th in New York
    assert main(["ev", "--now", "2026-01-15T03:00:00Z"]) == 0
    assert "slate 2026-01-14:" in capsys.readouterr().out


def test_ev_command_without_snapshot_exits_1_with_one_line(
    warehouse_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ev", "--date", "2026-01-13", "--now", NOW]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(
        "error: no probability snapshot for slate 2026-01-13"
    )


def test_ev_command_rejects_a_bad_date(
    warehouse_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ev", "--date", "14/01/2026", "--now", NOW]) == 2
    assert "error: --date '14/01/2026' is not a date; use YYYY-MM-DD" in capsys.readouterr().err


def test_settle_command_settles_once(
    warehouse_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ev", "--date", "2026-01-14", "--now", NOW]) == 0
    with Warehouse.open(warehouse_file) as wh:
        add_games(wh, game_row(game_state="OFF"))
        add_outcomes(wh, outcome_row(MATTHEWS, goals=2))
    capsys.readouterr()
    assert main(["settle", "--date", "2026-01-14", "--now", "2026-01-15T05:00:00Z"]) == 0
    out = capsys.readouterr().out
    assert "settled through 2026-01-14 (observational): 1 snapshot rows (OVER 1" in out
    assert "2 EV rows (WIN 1, LOSE 1, PUSH 0, VOID 0; 0 pending)" in out
    assert main(["settle", "--date", "2026-01-14", "--now", "2026-01-15T06:00:00Z"]) == 0
    assert ": 0 snapshot rows" in capsys.readouterr().out
