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
#: The step that writes the daily report: the report of a slate describes a run that ran it.
REPORT_STEP = "diagnostics"

#: A run's state comes from the registry view ``v_run`` (migration m009): its latest ``run``
#: event, an end beating a start recorded at the same instant (a frozen clock), else RUNNING.
_RUN_COLUMNS = "run_id, kind, slate_date, started_utc, ended_utc, status, message"


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
    """One vendor in step 1, in the run registry's words whatever the source: ``status`` is the
    step status (``SUCCESS``/``DEGRADED``/``FAILED``), ``call_status`` the HTTP layer's
    (``ok``/``degraded``/``failed``/``circuit_open``/``rate_limited``/``skipped``; the registry
    keeps it in ``details.call_status``). Then HTTP requests and the most attempts one call
    needed, the last HTTP status, the error type and sanitised message, quote rows parsed and
    new, and the payloads answered that were new or already archived (``details``)."""

    vendor: str
    status: str
    requests: int | None = None
    attempts: int | None = None
    http_status: int | None = None
    error_type: str = ""
    message: str = ""
    rows_in: int | None = None
    rows_out: int | None = None
    call_status: str = ""
    payloads_new: int | None = None
    payloads_duplicate: int | None = None

    @property
    def note(self) -> str:
        """The report's message: the vendor's own, then, when payloads it answered were already
        archived, that they were not parsed again (so 0 quotes parsed is not an empty answer)."""
        dup, new = self.payloads_duplicate or 0, self.payloads_new or 0
        if not dup:
            return self.message
        if new:
            same = f"{dup} of {dup + new} payloads unchanged"
        else:
            same = "payload unchanged" if dup == 1 else f"all {dup} payloads unchanged"
        return "; ".join(
            m for m in (self.message, f"{same} (already ingested, not parsed again)") if m
        )

    @classmethod
    def from_ingest(cls, result: VendorIngestResult) -> VendorHealth:
        """From step 1's per-vendor result (``propledger.odds.ingest``): the same values as the
        vendor's registry event (``jobs.odds.odds_registry_events``)."""
        call = result.call
        return cls(
            vendor=result.vendor.upper(),
            status=str(result.status.step_status),
            requests=call.requests,
            attempts=call.attempts,
            http_status=call.last_http_status,
            error_type=result.error_type,
            message=result.message,
            rows_in=result.rows_parsed,
            rows_out=result.rows_inserted,
            call_status=str(call.status),
            payloads_new=result.payloads_new,
            payloads_duplicate=result.payloads_duplicate,
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
        runs = wh.arrow(f"SELECT {_RUN_COLUMNS} FROM v_run WHERE run_id = ?", [run_id]).to_pylist()
        if not runs:
            return None
        run = runs[0]
        events = wh.arrow(
            "SELECT step, vendor, status, message, rows_in, rows_out, requests, attempts, "
            "http_status, error_type, json_extract_string(details, '$.call_status') AS call_status, "
            "TRY_CAST(json_extract(details, '$.payloads_new') AS BIGINT) AS payloads_new, "
            "TRY_CAST(json_extract(details, '$.payloads_duplicate') AS BIGINT) AS payloads_duplicate "
            "FROM fact_run_registry "
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
        """The run the slate's daily report describes (``v_run``), or None: the most recently
        started run that ran the diagnostics step (the run that writes the report), else the
        most recently started run. A later odds-only run (the demo's 19:05 ET closing-line run)
        writes no report, so a rebuilt report still reads like the one written on the day."""
        run_id = wh.scalar(
            "SELECT run_id FROM v_run r WHERE slate_date = ? "
            "ORDER BY EXISTS (SELECT 1 FROM fact_run_registry e "
            "WHERE e.run_id = r.run_id AND e.step = ?) DESC, started_utc DESC, run_id DESC "
            "LIMIT 1",
            [slate_date, REPORT_STEP],
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
        call_status=e["call_status"] or "",
        payloads_new=e["payloads_new"],
        payloads_duplicate=e["payloads_duplicate"],
    )


__all__ = ["REPORT_STEP", "STEP_ORDER", "RunInfo", "StepInfo", "VendorHealth"]
