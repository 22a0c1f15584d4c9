"""The driver's mechanics with fake steps: order, one transaction per step, failure isolation,
statuses and exit codes, the registry events, ABANDONED detection, progress callbacks."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from propledger.clock import UTC, FrozenClock
from propledger.context import Context
from propledger.errors import LockHeldError, ModelError
from propledger.evidence.registry import RegistryEvent, RunStatus, record
from propledger.jobs.daily import DailyResult, code_version, run_daily, run_status
from propledger.jobs.lock import RunLock
from propledger.jobs.plan import PlanRequest, Step, resolve_plan
from propledger.jobs.steps import RunSoFar, StepOutcome, StepStatus
from propledger.settings import Settings

NOW = dt.datetime(2026, 1, 15, 0, 30, tzinfo=UTC)  # 19:30 ET on the 14th


def _fake(step: Step, *, fail: bool = False, seen: list[Any] | None = None) -> Any:
    """A step that writes one row (so a rollback is visible), then returns or raises."""

    def run(ctx: Context, plan: Any, so_far: RunSoFar) -> StepOutcome:
        if seen is not None:
            seen.append((step, tuple(so_far.steps)))
        ctx.warehouse.execute("INSERT INTO fake_rows VALUES (?, ?)", [ctx.run_id, str(step)])
        if fail:
            raise ModelError(f"{step} broke\nsecond line")
        return StepOutcome(step, StepStatus.SUCCESS, f"{step} did it", rows_in=2, rows_out=1)

    return run


def _runners(
    *, fail: tuple[Step, ...] = (), seen: list[Any] | None = None, **special: Any
) -> dict[Step, Any]:
    return {s: special.get(s.value) or _fake(s, fail=s in fail, seen=seen) for s in Step}


@pytest.fixture
def ctx(settings: Settings) -> Context:
    c = Context.create(settings, FrozenClock(NOW), run_id="run-b")
    c.warehouse.execute("CREATE TABLE fake_rows (run_id VARCHAR, step VARCHAR)")
    yield c
    c.close()


def _run(ctx: Context, runners: Mapping[Step, Any], **request: Any) -> DailyResult:
    plan = resolve_plan(PlanRequest(**({"all_steps": True} | request)), ctx.settings, ctx.clock)
    return run_daily(ctx, plan, runners=runners)


def _events(ctx: Context) -> list[dict[str, Any]]:
    return ctx.warehouse.arrow(
        "SELECT * FROM fact_run_registry WHERE run_id = ? ORDER BY recorded_utc", [ctx.run_id]
    ).to_pylist()


def test_every_step_succeeds_and_is_recorded_in_order(ctx: Context) -> None:
    seen: list[Any] = []
    result = _run(ctx, _runners(seen=seen))
    assert result.status is RunStatus.SUCCESS and result.exit_code() == 0
    assert [o.step for o in result.steps] == list(Step)
    # each step sees the earlier steps' outcomes, in order
    assert seen[2] == (Step.EV, (Step.ODDS, Step.PRODUCTION))
    events = _events(ctx)
    assert [(e["step"], e["event"], e["status"]) for e in events] == [
        ("run", "start", "RUNNING"),
        *[(str(s), "end", "SUCCESS") for s in Step],
        ("run", "end", "SUCCESS"),
    ]
    start, end = events[0], events[-1]
    assert start["slate_date"] == dt.date(2026, 1, 14)  # the ET date, not the UTC one
    assert json.loads(start["flags"])["steps"] == [str(s) for s in Step]
    assert start["code_version"] == code_version() and code_version().startswith("0.1.0")
    assert start["config_hash"] == ctx.settings.config_hash()
    assert end["rows_out"] == 5 and end["message"] == "5 of 5 steps succeeded"
    # under a frozen clock the events are still strictly ordered
    times = [e["recorded_utc"] for e in events]
    assert times == sorted(set(times))
    assert ctx.warehouse.scalar("SELECT status FROM v_run WHERE run_id = 'run-b'") == "SUCCESS"
    assert ctx.warehouse.count("fake_rows") == 5


def test_a_failing_step_is_rolled_back_recorded_and_later_steps_still_run(ctx: Context) -> None:
    result = _run(ctx, _runners(fail=(Step.PRODUCTION,)))
    assert result.status is RunStatus.DEGRADED
    assert result.exit_code() == 0 and result.exit_code(strict=True) == 3
    failed = result.step(Step.PRODUCTION)
    assert failed is not None and failed.status is StepStatus.FAILED
    assert failed.message == "ModelError: production broke" and failed.error_type == "ModelError"
    # the failed step's write was rolled back; every other step's committed
    steps = [r[0] for r in ctx.warehouse.rows("SELECT step FROM fake_rows ORDER BY rowid")]
    assert steps == ["odds", "ev", "outcomes", "diagnostics"]
    row = next(e for e in _events(ctx) if e["step"] == "production")
    assert (row["status"], row["error_type"]) == ("FAILED", "ModelError")
    assert "DEGRADED" in result.lines()[0]


def test_nothing_produced_is_failed_exit_1(ctx: Context) -> None:
    result = _run(ctx, _runners(fail=tuple(Step)))
    assert result.status is RunStatus.FAILED and result.exit_code() == 1
    assert ctx.warehouse.count("fake_rows") == 0
    assert ctx.warehouse.scalar("SELECT status FROM v_run WHERE run_id = 'run-b'") == "FAILED"


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ((StepStatus.SUCCESS,), RunStatus.SUCCESS),
        ((StepStatus.SUCCESS, StepStatus.DEGRADED), RunStatus.DEGRADED),
        ((StepStatus.SKIPPED, StepStatus.SUCCESS), RunStatus.DEGRADED),
        ((StepStatus.FAILED, StepStatus.DEGRADED), RunStatus.DEGRADED),
        ((StepStatus.FAILED, StepStatus.SKIPPED), RunStatus.FAILED),
        ((), RunStatus.FAILED),
    ],
)
def test_run_status(statuses: tuple[StepStatus, ...], expected: RunStatus) -> None:
    outcomes = tuple(StepOutcome(Step.ODDS, s) for s in statuses)
    assert run_status(outcomes) is expected


def test_only_selected_steps_run(ctx: Context) -> None:
    result = _run(ctx, _runners(), all_steps=False, minimal=True)
    assert [o.step for o in result.steps] == [Step.PRODUCTION, Step.DIAGNOSTICS]
    with pytest.raises(ValueError, match="at least one step"):
        _run(ctx, _runners(), all_steps=False)


def test_a_run_that_never_finished_is_marked_abandoned(ctx: Context) -> None:
    # an earlier run at the same frozen instant that started and died (no end event)
    record(
        ctx.warehouse,
        RegistryEvent(run_id="run-a", step="run", event="start", status="RUNNING",
                      recorded_utc=NOW, started_utc=NOW, slate_date=dt.date(2026, 1, 14)),
    )  # fmt: skip
    result = _run(ctx, _runners())
    assert result.abandoned == ("run-a",)
    assert "abandoned earlier run run-a" in "\n".join(result.lines())
    states = dict(ctx.warehouse.rows("SELECT run_id, status FROM v_run"))
    assert states == {"run-a": "ABANDONED", "run-b": "SUCCESS"}


def test_the_lock_is_held_during_the_run_and_refused_to_a_second(ctx: Context) -> None:
    held = RunLock.beside(ctx.settings.warehouse_path)
    held.acquire("other run")
    try:
        with pytest.raises(LockHeldError) as info:
            _run(ctx, _runners())
        assert info.value.exit_code == 4
    finally:
        held.release()
    assert not ctx.warehouse.table_exists("fact_run_registry") or _events(ctx) == []

    def probe(c: Context, plan: Any, so_far: RunSoFar) -> StepOutcome:
        with pytest.raises(LockHeldError):
            RunLock.beside(c.settings.warehouse_path).acquire()
        return StepOutcome(Step.ODDS, StepStatus.SUCCESS)

    assert (
        _run(ctx, _runners(odds=probe), all_steps=False, steps={Step.ODDS: True}).status
        == "SUCCESS"
    )


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def step_started(self, step: Step) -> None:
        self.calls.append(f"start {step}")

    def step_finished(self, outcome: StepOutcome) -> None:
        self.calls.append(f"end {outcome.step} {outcome.status}")


def test_progress_hears_every_step(ctx: Context) -> None:
    recorder = _Recorder()
    plan = resolve_plan(PlanRequest(minimal=True), ctx.settings, ctx.clock)
    run_daily(ctx, plan, progress=recorder, runners=_runners(fail=(Step.DIAGNOSTICS,)))
    assert recorder.calls == [
        "start production",
        "end production SUCCESS",
        "start diagnostics",
        "end diagnostics FAILED",
    ]


def test_ev_without_a_snapshot_is_skipped_and_nothing_is_produced(settings: Settings) -> None:
    ctx = Context.create(settings, FrozenClock(NOW), run_id="run-ev")
    try:
        plan = resolve_plan(PlanRequest(steps={Step.EV: True}), settings, ctx.clock)
        result = run_daily(ctx, plan)
    finally:
        ctx.close()
    ev = result.step(Step.EV)
    assert ev is not None and ev.status is StepStatus.SKIPPED
    assert (
        "no probability snapshot of 2026-01-14" in ev.message and "--run-production" in ev.message
    )
    assert result.status is RunStatus.FAILED and result.exit_code() == 1
    assert Path(settings.warehouse_path + ".lock").exists()  # beside the warehouse
