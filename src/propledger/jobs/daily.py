"""The daily driver (DESIGN section 3): the selected steps of a plan, in the safe order, under
an exclusive lock, every step and vendor recorded in ``fact_run_registry``.

A run:

1. takes the lock beside the warehouse without waiting (``LockHeldError``, exit 4, when held);
2. closes every earlier run that started and never finished as ``ABANDONED`` and records its
   own ``run``/``start`` event (flags, resolved plan, code version, config hash), one commit;
3. runs each selected step in order. A step's writes and its registry events (per vendor too,
   in step 1) commit in **one transaction**: a step that raises is rolled back completely and
   recorded as ``FAILED``; later steps still run (see ``jobs/steps.py`` for dependencies);
4. records the ``run``/``end`` event with the run's status and CHECKPOINTs the warehouse.

Run status: ``SUCCESS`` when every step succeeded; ``FAILED`` when no step produced anything;
otherwise ``DEGRADED``. Exit codes: 0 success or degraded (3 with ``--strict`` when degraded),
1 failed, 2 usage/config, 4 lock held.

Crash points for tests: ``PROPLEDGER_CRASH_AT=<step>:<before|during|after>`` SIGKILLs the
process just before a step starts, after its writes but before their commit, or just after the
commit (``run:…`` around the run's own start and end events).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from propledger.context import Context
from propledger.evidence.registry import RegistryEvent, RunStatus, mark_abandoned, record
from propledger.jobs.lock import RunLock
from propledger.jobs.plan import Plan, Step
from propledger.jobs.steps import RUNNERS, Runner, RunSoFar, StepOutcome, StepStatus

log = logging.getLogger(__name__)

KIND = "daily"
_TICK = dt.timedelta(microseconds=1)


class DailyProgress(Protocol):
    """What the driver tells a progress display (rich on a terminal, plain lines otherwise)."""

    def step_started(self, step: Step) -> None: ...

    def step_finished(self, outcome: StepOutcome) -> None: ...


@dataclass(frozen=True)
class DailyResult:
    """One finished run. Times are the run clock's (UTC); ``duration_s`` is wall seconds."""

    run_id: str
    plan: Plan
    status: RunStatus
    steps: tuple[StepOutcome, ...]
    started_utc: dt.datetime
    ended_utc: dt.datetime
    duration_s: float
    abandoned: tuple[str, ...] = ()
    daily_report: Path | None = None
    rolling_report: Path | None = None

    def exit_code(self, strict: bool | None = None) -> int:
        """0 success or degraded (3 when strict and degraded), 1 failed."""
        strict = self.plan.strict if strict is None else strict
        if self.status is RunStatus.FAILED:
            return 1
        return 3 if strict and self.status is RunStatus.DEGRADED else 0

    def step(self, step: Step) -> StepOutcome | None:
        return next((o for o in self.steps if o.step is step), None)

    def lines(self) -> list[str]:
        """A short summary for a person: the run, then one line per step."""
        out = [
            f"run {self.run_id} slate {self.plan.slate_date}: {self.status} "
            f"in {self.duration_s:.1f} s"
        ]
        out += [f"  abandoned earlier run {r} (started, never finished)" for r in self.abandoned]
        width = max(len(s.label) for s in Step)
        for o in self.steps:
            out.append(f"  {o.step.number} {o.step.label:<{width}}  {o.status:<8}  {o.message}")
        for label, path in (
            ("daily report", self.daily_report),
            ("rolling report", self.rolling_report),
        ):
            if path is not None:
                out.append(f"{label}: {path}")
        return out


def run_status(outcomes: tuple[StepOutcome, ...]) -> RunStatus:
    """SUCCESS when every step succeeded, FAILED when none produced anything, else DEGRADED."""
    if not outcomes or not any(o.produced for o in outcomes):
        return RunStatus.FAILED
    if all(o.status is StepStatus.SUCCESS for o in outcomes):
        return RunStatus.SUCCESS
    return RunStatus.DEGRADED


@functools.cache
def code_version() -> str:
    """The package version, plus ``+g<sha>`` when a git checkout says which commit it is."""
    from importlib import metadata

    try:
        version = metadata.version("propledger")
    except metadata.PackageNotFoundError:
        version = "unknown"
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        sha = ""
    return f"{version}+g{sha}" if sha else version


def crash_point(ctx: Context, step: str, when: str) -> None:
    """SIGKILL this process when ``PROPLEDGER_CRASH_AT`` names this point (crash tests)."""
    if ctx.settings.crash_at == f"{step}:{when}":
        log.warning("PROPLEDGER_CRASH_AT=%s: killing the run now", ctx.settings.crash_at)
        sys.stdout.flush()
        sys.stderr.flush()
        os.kill(os.getpid(), signal.SIGKILL)


@dataclass
class _Run:
    """What every registry event of the run shares."""

    ctx: Context
    plan: Plan
    started_utc: dt.datetime
    code_version: str
    config_hash: str
    _last: dt.datetime | None = None

    def tick(self) -> dt.datetime:
        """The run clock, strictly increasing from event to event: under a frozen clock (replay,
        tests) the registry still orders a run's events as they happened."""
        now = self.ctx.clock.now()
        if self._last is not None and now <= self._last:
            now = self._last + _TICK
        self._last = now
        return now

    def event(self, step: str, event: str, status: str, **kw: Any) -> RegistryEvent:
        now = self.tick()
        values: dict[str, Any] = {
            "run_id": self.ctx.run_id, "kind": KIND, "slate_date": self.plan.slate_date,
            "step": step, "event": event, "status": status, "recorded_utc": now,
            "code_version": self.code_version, "config_hash": self.config_hash,
            "flags": self.plan.as_dict(),
        }  # fmt: skip
        values.update(kw)
        return RegistryEvent(**values)

    def step_events(self, o: StepOutcome) -> tuple[RegistryEvent, ...]:
        events = [
            self.event(
                str(o.step), "end", str(o.status), started_utc=o.started_utc,
                ended_utc=o.ended_utc, duration_s=round(o.duration_s, 3), rows_in=o.rows_in,
                rows_out=o.rows_out, error_type=o.error_type, message=o.message or None,
                details=dict(o.details),
            )
        ]  # fmt: skip
        if o.step is Step.ODDS and o.result is not None:
            from propledger.jobs.odds import odds_registry_events

            events += [
                replace(e, flags=self.plan.as_dict())
                for e in odds_registry_events(
                    o.result,
                    slate_date=self.plan.slate_date,
                    started_utc=o.started_utc or self.started_utc,
                    ended_utc=o.ended_utc or self.started_utc,
                    kind=KIND,
                    code_version=self.code_version,
                    config_hash=self.config_hash,
                )
            ]
        return tuple(events)


def _execute(
    run: _Run,
    step: Step,
    runner: Runner,
    earlier: dict[Step, StepOutcome],
    progress: DailyProgress | None,
) -> StepOutcome:
    ctx, wh = run.ctx, run.ctx.warehouse
    if progress is not None:
        progress.step_started(step)
    crash_point(ctx, step, "before")
    started, t0 = ctx.clock.now(), time.perf_counter()
    try:
        with wh.transaction():
            so_far = RunSoFar(ctx.run_id, run.started_utc, dict(earlier))
            outcome = runner(ctx, run.plan, so_far)
            outcome = replace(
                outcome, started_utc=started, ended_utc=ctx.clock.now(),
                duration_s=time.perf_counter() - t0,
            )  # fmt: skip
            crash_point(ctx, step, "during")
            record(wh, *run.step_events(outcome))
    except Exception as exc:  # a failing step is recorded; later independent steps still run
        log.error("step %s failed: %s", step, exc, exc_info=log.isEnabledFor(logging.DEBUG))
        outcome = StepOutcome(
            step, StepStatus.FAILED, f"{type(exc).__name__}: {exc}".splitlines()[0][:500],
            error_type=type(exc).__name__, started_utc=started, ended_utc=ctx.clock.now(),
            duration_s=time.perf_counter() - t0,
        )  # fmt: skip
        with wh.transaction():
            record(wh, *run.step_events(outcome))
    crash_point(ctx, step, "after")
    log.info("step %s: %s %s", step, outcome.status, outcome.message)
    if progress is not None:
        progress.step_finished(outcome)
    return outcome


def _abandon_time(run: _Run) -> dt.datetime:
    """When ABANDONED is recorded: after every registry event so far, so it is each abandoned
    run's latest event even when the clock is frozen or earlier than that run's (replays)."""
    latest = run.ctx.warehouse.scalar("SELECT max(recorded_utc) FROM fact_run_registry")
    now = run.ctx.clock.now()
    if isinstance(latest, dt.datetime) and latest >= now:
        return latest + _TICK
    return now


def _end_message(outcomes: tuple[StepOutcome, ...]) -> str:
    ok = sum(o.status is StepStatus.SUCCESS for o in outcomes)
    rest = [f"{o.step} {o.status}" for o in outcomes if o.status is not StepStatus.SUCCESS]
    return f"{ok} of {len(outcomes)} steps succeeded" + (f"; {', '.join(rest)}" if rest else "")


def run_daily(
    ctx: Context,
    plan: Plan,
    *,
    progress: DailyProgress | None = None,
    runners: Mapping[Step, Runner] = RUNNERS,
) -> DailyResult:
    """Run ``plan`` (which must select at least one step) and return what happened.

    ``runners`` maps each step to its function (tests swap in fakes)."""
    if plan.empty:
        raise ValueError("run_daily needs a plan with at least one step; print an empty one")
    lock = RunLock.beside(ctx.settings.warehouse_path, label=f"daily {plan.slate_date}")
    lock.acquire(note=ctx.run_id)
    try:
        return _run_locked(ctx, plan, progress, runners)
    finally:
        lock.release()


def _run_locked(
    ctx: Context, plan: Plan, progress: DailyProgress | None, runners: Mapping[Step, Runner]
) -> DailyResult:
    wh = ctx.warehouse
    t0 = time.perf_counter()
    run = _Run(ctx, plan, ctx.clock.now(), code_version(), ctx.settings.config_hash())
    log.info("daily run %s: %s", ctx.run_id, " | ".join(plan.lines()))
    crash_point(ctx, "run", "before")
    with wh.transaction():
        abandoned = mark_abandoned(wh, current_run_id=ctx.run_id, now=_abandon_time(run))
        record(
            wh,
            run.event(
                "run", "start", RunStatus.RUNNING, started_utc=run.started_utc,
                message="steps: " + ", ".join(str(s) for s in plan.steps),
                details={"abandoned": abandoned, "vendors": list(plan.vendors)},
            ),
        )  # fmt: skip
        crash_point(ctx, "run", "during")
    crash_point(ctx, "run", "after")
    earlier: dict[Step, StepOutcome] = {}
    for step in plan.steps:
        earlier[step] = _execute(run, step, runners[step], earlier, progress)
    outcomes = tuple(earlier.values())
    status = run_status(outcomes)
    duration = time.perf_counter() - t0
    with wh.transaction():
        record(
            wh,
            run.event(
                "run", "end", status, started_utc=run.started_utc, ended_utc=ctx.clock.now(),
                duration_s=round(duration, 3), message=_end_message(outcomes),
                rows_out=sum(o.rows_out or 0 for o in outcomes),
                details={"steps": {str(o.step): str(o.status) for o in outcomes}},
            ),
        )  # fmt: skip
    diagnostics = earlier.get(Step.DIAGNOSTICS)
    reports = diagnostics.result if diagnostics is not None else None
    wh.checkpoint()
    return DailyResult(
        run_id=ctx.run_id, plan=plan, status=status, steps=outcomes,
        started_utc=run.started_utc, ended_utc=ctx.clock.now(), duration_s=duration,
        abandoned=tuple(abandoned),
        daily_report=reports.daily_report if reports is not None else None,
        rolling_report=reports.rolling_report if reports is not None else None,
    )  # fmt: skip


__all__ = [
    "KIND",
    "DailyProgress",
    "DailyResult",
    "code_version",
    "crash_point",
    "run_daily",
    "run_status",
]
