from __future__ import annotations

import datetime as dt

from propledger.clock import UTC
from propledger.evidence.registry import (
    RegistryEvent,
    RunStatus,
    mark_abandoned,
    recent_runs,
    record,
)
from propledger.evidence.warehouse import Warehouse

T0 = dt.datetime(2026, 1, 14, 15, tzinfo=UTC)


def _start(run_id: str, at: dt.datetime) -> RegistryEvent:
    return RegistryEvent(
        run_id=run_id,
        step="run",
        event="start",
        status=RunStatus.RUNNING,
        recorded_utc=at,
        started_utc=at,
        slate_date=at.date(),
    )


def test_state_is_latest_event_and_unfinished_runs_are_abandoned(wh: Warehouse) -> None:
    record(wh, _start("r1", T0))
    record(wh, _start("r2", T0 + dt.timedelta(hours=1)))
    record(
        wh,
        RegistryEvent(
            run_id="r2",
            step="odds",
            vendor="unabated",
            event="end",
            status="failed",
            recorded_utc=T0 + dt.timedelta(hours=1, minutes=1),
            error_type="TransportError",
        ),
        RegistryEvent(
            run_id="r2",
            step="run",
            event="end",
            status=RunStatus.DEGRADED,
            recorded_utc=T0 + dt.timedelta(hours=1, minutes=2),
            ended_utc=T0 + dt.timedelta(hours=1, minutes=2),
        ),
    )
    assert dict(wh.rows("SELECT run_id, status FROM v_run")) == {"r1": "RUNNING", "r2": "DEGRADED"}
    assert mark_abandoned(wh, current_run_id="r3", now=T0 + dt.timedelta(hours=2)) == ["r1"]
    assert dict(wh.rows("SELECT run_id, status FROM v_run")) == {
        "r1": "ABANDONED",
        "r2": "DEGRADED",
    }
    # idempotent: a second detection adds nothing
    assert mark_abandoned(wh, current_run_id="r3", now=T0 + dt.timedelta(hours=3)) == []
    runs = recent_runs(wh, last=5)
    assert [r["run_id"] for r in runs] == ["r2", "r1"]
    assert runs[0]["degraded_steps"] == ["odds/unabated:failed"]


def test_events_are_append_only_and_idempotent(wh: Warehouse) -> None:
    event = _start("r1", T0)
    assert record(wh, event) == 1
    assert record(wh, event) == 0


def test_end_recorded_at_the_same_instant_as_start_wins(wh: Warehouse) -> None:
    # a frozen clock stamps start and end with one instant; the run must read as finished
    record(wh, _start("r1", T0))
    record(
        wh,
        RegistryEvent(
            run_id="r1",
            step="run",
            event="end",
            status=RunStatus.SUCCESS,
            recorded_utc=T0,
            ended_utc=T0,
        ),
    )
    assert wh.rows("SELECT status FROM v_run") == [("SUCCESS",)]
    assert mark_abandoned(wh, current_run_id="r2", now=T0) == []
