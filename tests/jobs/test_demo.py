"""``propledger demo``: world reuse rules, the whole flow on a tiny world, an idempotent re-run."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from propledger.cli import main
from propledger.evidence.registry import RunStatus
from propledger.evidence.warehouse import Warehouse
from propledger.jobs.demo import DemoRequest, _build_request, run_demo, world_matches
from propledger.settings import Settings

TINY = DemoRequest(seed=7, slates=2, teams="4", games_per_team=20)


def _world_json(directory: Path, **changes: object) -> None:
    info = {"seed": 7, "seasons": [2024, 2025], "teams": ["MTL", "TOR", "UTA", "VAN"],
            "games_per_team": 20} | changes  # fmt: skip
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "world.json").write_text(json.dumps(info))


def test_a_world_is_reused_only_when_it_is_exactly_the_requested_one(tmp_path: Path) -> None:
    build = _build_request(TINY)
    assert not world_matches(tmp_path / "none", build)  # no world.json: an interrupted build
    _world_json(tmp_path / "w")
    assert world_matches(tmp_path / "w", build)
    for change in ({"seed": 8}, {"seasons": [2025]}, {"games_per_team": 82},
                   {"teams": ["BOS", "MTL", "TOR", "VAN"]}):  # fmt: skip
        _world_json(tmp_path / "w", **change)
        assert not world_matches(tmp_path / "w", build), change


def test_bad_demo_arguments_exit_2_and_create_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--slates", "0"]) == 2
    assert main(["demo", "--teams", "1"]) == 2
    assert "choose between 2 and 32 teams" in capsys.readouterr().err
    assert not (tmp_path / "data").exists()


@pytest.mark.slow
def test_demo_builds_bootstraps_runs_and_a_rerun_adds_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings.from_env(os.environ)
    lines: list[str] = []
    caplog.set_level(logging.WARNING, logger="propledger")
    first = run_demo(settings, TINY, echo=lines.append)
    # the bootstrap's probe of the first slate's schedule week finds its capture (no 404 warning;
    # the tiny world's past season ends before the mid-January probe, so that one may warn)
    first_slate = first.runs[0].plan.slate_date
    warned = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert not [m for m in warned if f"schedule/{first_slate}" in m], warned
    assert first.world_built and first.bootstrapped and first.exit_code == 0
    assert len(first.runs) == 2 and all(r.status is not RunStatus.FAILED for r in first.runs)
    assert [r.plan.slate_date for r in first.runs] == sorted(r.plan.slate_date for r in first.runs)
    # every step ran in every run, at 18:00 ET on the slate's date
    for run in first.runs:
        assert [str(o.step) for o in run.steps] == [
            "odds",
            "production",
            "ev",
            "outcomes",
            "diagnostics",
        ]
        assert run.started_utc.hour == 23  # 18:00 EST
    # after each, an odds-only run at 19:05 EST collects the closing lines
    assert len(first.closing) == 2
    for run, close in zip(first.runs, first.closing, strict=True):
        assert close.plan.slate_date == run.plan.slate_date
        assert [str(o.step) for o in close.steps] == ["odds"]
        assert (close.started_utc.hour, close.started_utc.minute) == (0, 5)  # 19:05 EST, UTC
    # the rolling report (whole warehouse through its slate) is drawn once, by the last run
    assert [r.rolling_report is not None for r in first.runs] == [False, True]
    # the second slate's run settled the first slate
    assert first.totals["settled_snapshots"] > 0 and first.totals["accuracy_slates"] == 1
    summary = first.summary_lines()
    assert len(summary) == 10
    # fact_ev_candidate holds every priced quote: the summary says so, not "candidates"
    assert any(line.startswith("snapshots: ") and "; EV: " in line for line in summary), summary
    assert not [line for line in summary if "candidates" in line]
    monitoring = tmp_path / "outputs" / "monitoring"
    last = first.runs[-1].plan.slate_date
    assert f"daily report:   {monitoring / f'daily_report_{last}.md'}" in summary
    assert (monitoring / f"daily_report_{last}.md").exists() and (
        monitoring / "rolling_report.md"
    ).exists()
    assert any(line.startswith("[ 2/2] ") and "closing odds" in line for line in lines)
    # the closing captures give the first slate's settled bets a close later than their price
    with Warehouse.open(settings.warehouse_path) as wh:
        later, moved = wh.rows(
            "SELECT count(*) FILTER (WHERE close_capture_ts > capture_ts_utc), "
            "count(*) FILTER (WHERE clv_price <> 0) FROM fact_ev_settlement"
        )[0]
    assert later > 0 and moved > 0, (later, moved)

    again = run_demo(settings, TINY, echo=lines.append)
    assert not again.world_built and not again.bootstrapped
    assert again.totals["rows_added"] == 0
    assert "rows added by this demo: 0 " in "\n".join(again.summary_lines())
    assert again.totals["snapshot_rows"] == first.totals["snapshot_rows"]
