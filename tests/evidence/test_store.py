from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from propledger.errors import StorageError
from propledger.evidence.migrations import discover
from propledger.evidence.warehouse import Warehouse


def _game(state: str, game_id: int = 1) -> dict[str, object]:
    return {
        "game_id": game_id,
        "season": 2025,
        "slate_date": dt.date(2026, 1, 14),
        "home_team": "MTL",
        "away_team": "TOR",
        "game_state": state,
    }


def test_migrations_are_recorded_in_order(wh: Warehouse) -> None:
    versions = [r[0] for r in wh.rows("SELECT version FROM schema_migrations ORDER BY version")]
    assert versions == [m.version for m in discover()]
    assert versions[0] == 1


def test_reopening_a_file_applies_nothing_twice(tmp_path) -> None:
    path = tmp_path / "w.duckdb"
    with Warehouse.open(path) as first:
        n = first.count("schema_migrations")
        first.append("dim_team", [{"team_abbrev": "TOR"}], run_id="r1")
    with Warehouse.open(path) as second:
        assert second.count("schema_migrations") == n
        assert second.count("dim_team") == 1


def test_hash_mode_dedupes_batch_and_table(wh: Warehouse) -> None:
    assert wh.append("dim_game", [_game("FUT"), _game("FUT")], run_id="r1") == 1
    assert wh.append("dim_game", [_game("FUT")], run_id="r2") == 0
    assert wh.append("dim_game", [_game("OFF")], run_id="r2") == 1
    latest = wh.rows("SELECT game_state, run_id FROM v_game")
    assert latest == [("OFF", "r2")]
    assert wh.count("dim_game") == 2


def test_hash_ignores_lineage_but_sees_every_content_column(wh: Warehouse) -> None:
    wh.append("dim_game", [_game("FUT")], run_id="a")
    changed = _game("FUT") | {"home_score": 0}
    assert wh.append("dim_game", [changed], run_id="b") == 1


def test_key_mode_insert_or_ignore_keeps_first(wh: Warehouse) -> None:
    rows = [
        {"team_abbrev": "TOR", "full_name": "first"},
        {"team_abbrev": "TOR", "full_name": "second"},
    ]
    assert wh.append("dim_team", rows, run_id="r") == 1
    assert wh.append("dim_team", rows, run_id="r") == 0
    assert wh.rows("SELECT full_name FROM dim_team") == [("first",)]


def test_unknown_column_is_a_clear_error(wh: Warehouse) -> None:
    with pytest.raises(StorageError, match="unknown column"):
        wh.append("dim_team", [{"team_abbrev": "TOR", "colour": "blue"}], run_id="r")


def test_failed_transaction_writes_nothing(wh: Warehouse) -> None:
    with pytest.raises(RuntimeError), wh.transaction():
        wh.append("dim_team", [{"team_abbrev": "TOR"}], run_id="r")
        raise RuntimeError("boom")
    assert wh.count("dim_team") == 0


def test_nested_transactions_commit_once(wh: Warehouse) -> None:
    with wh.transaction():
        with wh.transaction():
            wh.append("dim_team", [{"team_abbrev": "TOR"}], run_id="r")
        wh.append("dim_team", [{"team_abbrev": "MTL"}], run_id="r")
    assert wh.count("dim_team") == 2


def test_arrow_batches_are_accepted(wh: Warehouse) -> None:
    table = pa.table({"team_abbrev": ["TOR", "MTL"], "nhl_team_id": [10, 8]})
    assert wh.append("dim_team", table, run_id="r") == 2


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(["FUT", "PRE", "LIVE", "OFF"]), min_size=1, max_size=12))
def test_reinsert_is_a_noop(states: list[str]) -> None:
    with Warehouse.open(":memory:") as wh:
        rows = [_game(s, game_id=i % 3) for i, s in enumerate(states)]
        first = wh.append("dim_game", rows, run_id="r1")
        assert first == len({(r["game_id"], r["game_state"]) for r in rows})
        assert wh.append("dim_game", rows, run_id="r2") == 0


def test_a_warehouse_held_by_another_process_is_a_lock_error_not_corruption(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """DuckDB lets one process write a file: `propledger runs` during a run must say a run holds
    it (exit 4, like the run lock), never suggest moving a healthy file aside."""
    import subprocess
    import sys

    from propledger.cli import main
    from propledger.errors import LockHeldError

    path = tmp_path / "w.duckdb"
    Warehouse.open(path).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb,sys; c = duckdb.connect({str(path)!r}); "
         "print('held', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(LockHeldError, match=rf"in use by process {holder.pid}"):
            Warehouse.open(path)
        monkeypatch.setenv("PROPLEDGER_WAREHOUSE", str(path))
        assert main(["runs"]) == 4
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "wait for it to finish" in err[0] and "corrupt" not in err[0]
    finally:
        holder.communicate("")
    Warehouse.open(path).close()  # released with the process: opens again
