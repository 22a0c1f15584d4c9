"""The run registry: append-only events in ``fact_run_registry``.

Writers call :func:`record` with a :class:`RegistryEvent`; readers use the ``v_run`` view (a
run's state is its latest ``run`` event). :func:`mark_abandoned` is called at the start of every
run: each earlier run with a start and no end gets an ``end`` event with status ABANDONED.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from propledger.evidence.warehouse import Warehouse

REGISTRY = "fact_run_registry"


class RunStatus(enum.StrEnum):
    RUNNING = "RUNNING"
    SUCCESS = "SUCCESS"
    DEGRADED = "DEGRADED"
    FAILED = "FAILED"
    ABANDONED = "ABANDONED"


@dataclass(frozen=True)
class RegistryEvent:
    """One registry row. Times are UTC; ``flags`` and ``details`` are JSON-serialisable."""

    run_id: str
    step: str
    event: str
    status: str
    recorded_utc: dt.datetime
    kind: str = "daily"
    slate_date: dt.date | None = None
    vendor: str | None = None
    started_utc: dt.datetime | None = None
    ended_utc: dt.datetime | None = None
    duration_s: float | None = None
    requests: int | None = None
    attempts: int | None = None
    http_status: int | None = None
    error_type: str | None = None
    message: str | None = None
    rows_in: int | None = None
    rows_out: int | None = None
    code_version: str | None = None
    config_hash: str | None = None
    flags: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def event_id(self) -> str:
        vendor = self.vendor or "-"
        return f"{self.run_id}:{self.step}:{vendor}:{self.event}"

    def row(self) -> dict[str, Any]:
        out = asdict(self)
        out["event_id"] = self.event_id
        out["flags"] = json.dumps(self.flags, sort_keys=True, default=str)
        out["details"] = json.dumps(self.details, sort_keys=True, default=str)
        return out


def record(wh: Warehouse, *events: RegistryEvent) -> int:
    """Append events (idempotent on event_id); call inside the step's transaction."""
    if not events:
        return 0
    added = 0
    # run_id is lineage for append(); registry rows may describe another run (ABANDONED)
    for run_id in dict.fromkeys(e.run_id for e in events):
        rows = [e.row() for e in events if e.run_id == run_id]
        added += wh.append(REGISTRY, rows, run_id=run_id, loaded_at=events[0].recorded_utc)
    return added


def mark_abandoned(wh: Warehouse, *, current_run_id: str, now: dt.datetime) -> list[str]:
    """Close every other started-but-unfinished run as ABANDONED; return their run ids."""
    rows = wh.rows(
        "SELECT run_id, kind, slate_date, started_utc FROM v_run WHERE status = 'RUNNING' AND run_id <> ?",
        [current_run_id],
    )
    events = [
        RegistryEvent(
            run_id=run_id,
            kind=kind,
            slate_date=slate,
            step="run",
            event="end",
            status=RunStatus.ABANDONED,
            recorded_utc=now,
            started_utc=started,
            ended_utc=None,
            message=f"started {started:%Y-%m-%d %H:%M}Z and never finished; found by run {current_run_id}",
        )
        for run_id, kind, slate, started in rows
    ]
    record(wh, *events)
    return [e.run_id for e in events]


def recent_runs(wh: Warehouse, last: int = 10) -> list[dict[str, Any]]:
    """The latest ``last`` runs (newest first) with status, duration and non-ok steps."""
    runs: list[dict[str, Any]] = wh.arrow(
        "SELECT run_id, kind, slate_date, started_utc, ended_utc, status, duration_s, message "
        "FROM v_run ORDER BY started_utc DESC, run_id DESC LIMIT ?",
        [last],
    ).to_pylist()
    if not runs:
        return []
    ids = [r["run_id"] for r in runs]
    steps = wh.rows(
        "SELECT run_id, step, vendor, status FROM fact_run_registry "
        "WHERE run_id IN (SELECT unnest(?)) AND step <> 'run' AND event = 'end' "
        "AND status NOT IN ('ok', 'OK', 'SUCCESS') ORDER BY run_id, step, vendor",
        [ids],
    )
    degraded: dict[str, list[str]] = {}
    for run_id, step, vendor, status in steps:
        label = f"{step}/{vendor}" if vendor else step
        degraded.setdefault(run_id, []).append(f"{label}:{status}")
    for r in runs:
        r["degraded_steps"] = degraded.get(r["run_id"], [])
    return runs
