"""Crash safety: a run SIGKILLed at a named point (``PROPLEDGER_CRASH_AT``, in a subprocess)
leaves no partial step; the next run marks it ABANDONED and the warehouse ends with exactly
the facts of an uninterrupted run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from jobs.daily_world import ALL_TABLES, NOW, SLATE, STEP_TABLES, content, fresh_data, source
from propledger.cli import main
from propledger.evidence.warehouse import Warehouse

pytestmark = pytest.mark.slow
ENTRY = Path(__file__).resolve().parents[2] / "pipelines" / "ops" / "run_daily.py"
STEPS = tuple(STEP_TABLES)


def _args(replay: str) -> list[str]:
    return ["--all", "--date", SLATE.isoformat(), "--now", NOW, "--source", replay]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple[object, ...]]]:
    """The contents of every table after one uninterrupted run."""
    root = tmp_path_factory.mktemp("reference")
    data = fresh_data(tmp_path_factory, root / "data")
    env = {"PROPLEDGER_DATA_DIR": str(data), "PROPLEDGER_OUTPUT_DIR": str(root / "outputs")}
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        assert main(["daily", *_args(source(tmp_path_factory))]) == 0
    with Warehouse.open(data / "warehouse.duckdb") as wh:
        return {t: content(wh, t) for t in ALL_TABLES}


@pytest.mark.parametrize(
    "point",
    ["run:after", "odds:during", "production:after", "outcomes:during", "diagnostics:during"],
)
def test_a_killed_run_is_abandoned_and_the_next_run_completes_the_same_facts(
    point: str,
    tmp_path_factory: pytest.TempPathFactory,
    tmp_path: Path,
    reference: dict[str, list[tuple[object, ...]]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = fresh_data(tmp_path_factory, tmp_path / "data")
    replay = source(tmp_path_factory)
    env = {**os.environ, "PROPLEDGER_CRASH_AT": point, "PROPLEDGER_DATA_DIR": str(data)}
    killed = subprocess.run(
        [sys.executable, str(ENTRY), *_args(replay)], env=env, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]

    # consistent after the kill: the dead run's rows belong only to steps it finished
    with Warehouse.open(data / "warehouse.duckdb") as wh:
        dead = wh.scalar("SELECT run_id FROM v_run WHERE status = 'RUNNING'")
        assert dead is not None
        ended = {r[0] for r in wh.rows(
            "SELECT step FROM fact_run_registry WHERE run_id = ? AND event = 'end' AND vendor IS NULL",
            [dead],
        )}  # fmt: skip
        step, when = point.split(":")
        finished = set(STEPS[: STEPS.index(step) + (when == "after")]) if step != "run" else set()
        assert ended == finished
        for s, tables in STEP_TABLES.items():
            written = sum(
                wh.scalar(f"SELECT count(*) FROM {t} WHERE run_id = ?", [dead]) for t in tables
            )
            if s not in finished:
                assert written == 0, f"{s} left rows behind after a kill at {point}"

    # the next run closes the dead one and produces exactly the uninterrupted run's facts
    assert main(["daily", *_args(replay)]) == 0
    assert "abandoned earlier run " + str(dead) in capsys.readouterr().out
    with Warehouse.open(data / "warehouse.duckdb") as wh:
        states = dict(wh.rows("SELECT run_id, status FROM v_run"))
        assert states.pop(dead) == "ABANDONED"
        assert list(states.values()) == ["SUCCESS"]
        for table in ALL_TABLES:
            assert content(wh, table) == reference[table], (
                f"{table} differs after a kill at {point}"
            )
