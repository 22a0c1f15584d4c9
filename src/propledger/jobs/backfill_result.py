"""A backfill's outcome: per-unit results, why it stopped, its registry events and summary."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Any

from propledger.clock import iso_z
from propledger.evidence.registry import RegistryEvent, RunStatus
from propledger.http_health import VendorCallResult
from propledger.jobs.backfill_args import BackfillRequest
from propledger.jobs.backfill_plan import Action, Plan, Unit, empty_hint

STEP = "backfill"
KIND = "backfill"
VENDOR = "unabated"


class StopReason(enum.StrEnum):
    """Why the run ended. Only ``completed`` means every unit of the range was attempted."""

    COMPLETED = "completed"
    MAX_REQUESTS = "max_requests"  # the next request would pass --max-requests
    MAX_SECONDS = "max_seconds"  # --max-seconds is spent, or the next unit would not fit
    ERROR = "error"  # a unit failed and --on-error is stop
    VENDOR_UNAVAILABLE = "vendor_unavailable"  # breaker open or rate-limited: no request can go
    INTERRUPTED = "interrupted"  # Ctrl-C: units done so far are committed
    DRY_RUN = "dry_run"  # nothing was run


class UnitStatus(enum.StrEnum):
    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"


@dataclass(frozen=True)
class UnitOutcome:
    """What running one unit did. ``seconds`` is wall time; ``requests`` counts retries."""

    unit: Unit
    status: UnitStatus
    rows_parsed: int = 0
    rows_inserted: int = 0
    requests: int = 0
    seconds: float = 0.0
    error: str = ""
    error_type: str = ""

    def line(self, number: int, total: int) -> str:
        """The one line printed per unit when stdout is not a terminal."""
        width = len(str(total))
        head = f"[{number:>{width}}/{total}] {self.unit.label} {self.unit.action!s:<7}"
        if self.status is UnitStatus.SKIPPED:
            return f"{head} skipped: {self.unit.reason}"
        if self.status is UnitStatus.FAILED:
            return f"{head} FAILED ({_plural(self.requests, 'request')}): {self.error}"
        return (
            f"{head} ok: {self.rows_parsed} rows, {self.rows_inserted} new, "
            f"{_plural(self.requests, 'request')}, {self.seconds:.2f}s"
        )


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


@dataclass(frozen=True)
class BackfillResult:
    """The whole run. ``requests`` counts every HTTP request sent (retries included);
    ``elapsed`` is wall-clock seconds from start to stop."""

    run_id: str
    request: BackfillRequest
    plan: Plan
    outcomes: tuple[UnitOutcome, ...]
    stop_reason: StopReason
    requests: int
    elapsed: float
    started_utc: dt.datetime
    ended_utc: dt.datetime
    call: VendorCallResult | None = None
    message: str = ""

    def _count(self, status: UnitStatus) -> int:
        return sum(1 for o in self.outcomes if o.status is status)

    @property
    def done(self) -> int:
        return self._count(UnitStatus.DONE)

    @property
    def failed(self) -> int:
        return self._count(UnitStatus.FAILED)

    @property
    def skipped(self) -> int:
        """Units that needed nothing (planned ``skip``), wherever the run stopped."""
        return self.plan.count(Action.SKIP)

    @property
    def remaining(self) -> int:
        """Units with work left that this run did not attempt (a failed unit is not counted)."""
        return len(self.plan.units) - self.skipped - self.done - self.failed

    @property
    def rows_parsed(self) -> int:
        return sum(o.rows_parsed for o in self.outcomes)

    @property
    def rows_inserted(self) -> int:
        return sum(o.rows_inserted for o in self.outcomes)

    @property
    def status(self) -> RunStatus:
        """SUCCESS: completed without failures; FAILED: something was due, nothing got done
        and the run failed or stopped on an error; DEGRADED otherwise (a bound, failures)."""
        if self.stop_reason in (StopReason.COMPLETED, StopReason.DRY_RUN) and not self.failed:
            return RunStatus.SUCCESS
        halted = self.stop_reason in (StopReason.ERROR, StopReason.VENDOR_UNAVAILABLE)
        if not self.done and (self.failed or halted):
            return RunStatus.FAILED
        return RunStatus.DEGRADED

    @property
    def exit_code(self) -> int:
        """0 completed or stopped cleanly at a bound; 1 stopped by an error (or every unit
        due failed); 130 interrupted."""
        if self.stop_reason is StopReason.INTERRUPTED:
            return 130
        if self.status is RunStatus.FAILED or self.stop_reason in (
            StopReason.ERROR,
            StopReason.VENDOR_UNAVAILABLE,
        ):
            return 1
        return 0

    def counts(self) -> dict[str, int]:
        return {
            "total": len(self.plan.units),
            "done": self.done,
            "skipped": self.skipped,
            "failed": self.failed,
            "remaining": self.remaining,
        }

    def summary(self) -> str:
        """The closing lines: units, rows, requests, elapsed, stop reason (and how to resume)."""
        r = self.request
        c = self.counts()
        source = str(r.source) + (f" {self.plan.source_url}" if self.plan.source_url else "")
        lines = [
            f"backfill unabated {r.start}..{r.end} (half-open), source {source}, run {self.run_id}",
            f"units: {c['total']} total, {c['done']} done, {c['skipped']} skipped, "
            f"{c['failed']} failed, {c['remaining']} remaining",
            f"rows: {self.rows_parsed} parsed, {self.rows_inserted} new",
            f"requests: {self.requests} of {r.max_requests} (every attempt counted); "
            f"elapsed {self.elapsed:.1f}s of {r.max_seconds:g}s",
            f"stop reason: {self.stop_reason}" + (f" ({self.message})" if self.message else ""),
        ]
        if not self.plan.units and self.stop_reason is StopReason.COMPLETED:
            lines.append(empty_hint(self.plan))
        if self.remaining or self.failed:
            lines.append(
                f"status {self.status}: run the same command again to resume "
                f"({self.remaining + self.failed} units left)"
            )
        else:
            lines.append(f"status {self.status}")
        return "\n".join(lines) + "\n"

    def details(self) -> dict[str, Any]:
        failures = [
            {"capture_ts_utc": iso_z(o.unit.capture_ts_utc), "error": o.error}
            for o in self.outcomes
            if o.status is UnitStatus.FAILED
        ]
        return {
            **self.request.as_flags(),
            "source_url": self.plan.source_url,
            "stop_reason": str(self.stop_reason),
            "units": self.counts(),
            "elapsed_s": round(self.elapsed, 3),
            "planned": {str(a): self.plan.count(a) for a in Action},
            "failures": failures[:20],
            "call": self.call.as_dict() if self.call else None,
        }

    def registry_events(
        self, *, config_hash: str | None = None, code_version: str | None = None
    ) -> tuple[RegistryEvent, ...]:
        """The ``backfill`` step's end event (vendor ``unabated``) and the run's end event."""
        last = next((o for o in reversed(self.outcomes) if o.status is UnitStatus.FAILED), None)
        common: dict[str, Any] = {
            "run_id": self.run_id,
            "event": "end",
            "status": self.status,
            "recorded_utc": self.ended_utc,
            "kind": KIND,
            "started_utc": self.started_utc,
            "ended_utc": self.ended_utc,
            "duration_s": round(self.elapsed, 3),
            "requests": self.requests,
            "rows_in": self.rows_parsed,
            "rows_out": self.rows_inserted,
            "code_version": code_version,
            "config_hash": config_hash,
            "flags": self.request.as_flags(),
        }
        message = f"stop reason {self.stop_reason}: " + ", ".join(
            f"{k} {v}" for k, v in self.counts().items()
        )
        step = RegistryEvent(
            step=STEP,
            vendor=VENDOR,
            attempts=self.call.attempts if self.call else None,
            http_status=self.call.last_http_status if self.call else None,
            error_type=(last.error_type if last else None) or None,
            message=message + (f"; last error: {last.error}" if last else ""),
            details=self.details(),
            **common,
        )
        run = RegistryEvent(step="run", message=message, **common)
        return step, run


def start_event(
    run_id: str,
    request: BackfillRequest,
    now: dt.datetime,
    *,
    config_hash: str | None = None,
    code_version: str | None = None,
) -> RegistryEvent:
    return RegistryEvent(
        run_id=run_id,
        step="run",
        event="start",
        status=RunStatus.RUNNING,
        recorded_utc=now,
        kind=KIND,
        started_utc=now,
        code_version=code_version,
        config_hash=config_hash,
        flags=request.as_flags(),
    )


__all__ = [
    "KIND",
    "STEP",
    "BackfillResult",
    "StopReason",
    "UnitOutcome",
    "UnitStatus",
    "start_event",
]
