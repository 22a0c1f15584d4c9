"""What the daily report says about a run: its status, its steps and the vendors' health.

The daily driver hands :func:`propledger.jobs.diagnostics.run_diagnostics` a :class:`RunInfo`
built from its step results (``RunInfo(run_id=…, steps=…, vendors=…)``,
:meth:`VendorHealth.from_ingest` for step 1); ``propledger report daily`` rebuilds the same
information from ``fact_run_registry`` (:meth:`RunInfo.from_registry`). Times are UTC.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from propledger.evidence.warehouse import Warehouse

if TYPE_CHECKING:
    from propledger.odds.ingest import VendorIngestResult


#: The daily steps in run order (the report lists steps in this order, others after).
STEP_ORDER: tuple[str, ...] = ("odds", "production", "ev", "outcomes", "diagnostics")

#: One row per run: id, kind, slate, start, end, status, message. A run's status is its
#: latest ``run`` end event (an end beats a start recorded at the same instant, which a frozen
#: clock produces), else RUNNING.
RUN_STATES_SQL = """
WITH r AS (SELECT * FROM fact_run_registry WHERE step = 'run'),
starts AS (
    SELECT run_id, any_value(kind) AS kind, any_value(slate_date) AS slate_date,
           min(started_utc) AS started_utc
    FROM r WHERE event = 'start' GROUP BY run_id),
ends AS (
    SELECT run_id, status, ended_utc, message, slate_date FROM r WHERE event = 'end'
    QUALIFY row_number() OVER (PARTITION BY run_id ORDER BY recorded_utc DESC, event_id DESC) = 1)
SELECT s.run_id, s.kind, coalesce(s.slate_date, e.slate_date) AS slate_date, s.started_utc,
       e.ended_utc, coalesce(e.status, 'RUNNING') AS status, e.message
FROM starts s LEFT JOIN ends e USING (run_id)
"""


@dataclass(frozen=True)
class StepInfo:
    """One step of a run: name (``odds``, ``production``, ``ev``, ``outcomes``, …), status
    (``SUCCESS``/``DEGRADED``/``FAILED``/``SKIPPED`` or the step's own word), rows written."""

    step: str
    status: str
    message: str = ""
    rows_out: int | None = None


@dataclass(frozen=True)
class VendorHealth:
    """One vendor in step 1: its status, HTTP requests and the most attempts one call needed,
    the last HTTP status, the error type and sanitised message, quote rows parsed and new."""

    vendor: str
    status: str
    requests: int | None = None
    attempts: int | None = None
    http_status: int | None = None
    error_type: str = ""
    message: str = ""
    rows_in: int | None = None
    rows_out: int | None = None

    @classmethod
    def from_ingest(cls, result: VendorIngestResult) -> VendorHealth:
        """From step 1's per-vendor result (``propledger.odds.ingest``)."""
        call = result.call
        return cls(
            vendor=result.vendor.upper(),
            status=str(result.status),
            requests=call.requests,
            attempts=call.attempts,
            http_status=call.last_http_status,
            error_type=call.error_type or ("PayloadError" if result.payloads_failed else ""),
            message=result.message,
            rows_in=result.rows_parsed,
            rows_out=result.rows_inserted,
        )


@dataclass(frozen=True)
class RunInfo:
    """A run as the daily report shows it. ``status`` is the run's state when the report was
    written (``RUNNING`` while the driver is still in diagnostics)."""

    run_id: str
    status: str = "RUNNING"
    kind: str = "daily"
    started_utc: dt.datetime | None = None
    ended_utc: dt.datetime | None = None
    steps: tuple[StepInfo, ...] = ()
    vendors: tuple[VendorHealth, ...] = ()
    message: str = ""

    @classmethod
    def from_registry(cls, wh: Warehouse, run_id: str) -> RunInfo | None:
        """The run's state, step events and per-vendor events from ``fact_run_registry``."""
        runs = wh.arrow(f"SELECT * FROM ({RUN_STATES_SQL}) WHERE run_id = ?", [run_id]).to_pylist()
        if not runs:
            return None
        run = runs[0]
        events = wh.arrow(
            "SELECT step, vendor, status, message, rows_in, rows_out, requests, attempts, "
            "http_status, error_type FROM fact_run_registry "
            "WHERE run_id = ? AND step <> 'run' AND event = 'end' "
            "ORDER BY recorded_utc, event_id",
            [run_id],
        ).to_pylist()
        steps = sorted(
            (
                StepInfo(e["step"], e["status"], e["message"] or "", e["rows_out"])
                for e in events
                if e["vendor"] is None
            ),
            key=lambda s: STEP_ORDER.index(s.step) if s.step in STEP_ORDER else len(STEP_ORDER),
        )
        vendors = tuple(
            _vendor(e) for e in events if e["vendor"] is not None and e["step"] == "odds"
        )
        return cls(
            run_id=run_id,
            status=str(run["status"]),
            kind=str(run["kind"]),
            started_utc=run["started_utc"],
            ended_utc=run["ended_utc"],
            steps=tuple(steps),
            vendors=tuple(sorted(vendors, key=lambda v: v.vendor)),
            message=run["message"] or "",
        )

    @classmethod
    def latest_for_slate(cls, wh: Warehouse, slate_date: dt.date) -> RunInfo | None:
        """The most recently started run of the slate (by its ``run`` start event), or None."""
        run_id = wh.scalar(
            "SELECT run_id FROM fact_run_registry "
            "WHERE slate_date = ? AND step = 'run' AND event = 'start' "
            "ORDER BY started_utc DESC, run_id DESC LIMIT 1",
            [slate_date],
        )
        return None if run_id is None else cls.from_registry(wh, str(run_id))


def _vendor(e: dict[str, Any]) -> VendorHealth:
    return VendorHealth(
        vendor=str(e["vendor"]).upper(),
        status=str(e["status"]),
        requests=e["requests"],
        attempts=e["attempts"],
        http_status=e["http_status"],
        error_type=e["error_type"] or "",
        message=e["message"] or "",
        rows_in=e["rows_in"],
        rows_out=e["rows_out"],
    )


__all__ = ["RUN_STATES_SQL", "STEP_ORDER", "RunInfo", "StepInfo", "VendorHealth"]
