"""Which run a rebuilt daily report describes, and how its vendor health reads (registry only)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from propledger.clock import UTC
from propledger.evidence.registry import RegistryEvent, RunStatus, record
from propledger.evidence.reports.daily import write_daily_report
from propledger.evidence.reports.runinfo import RunInfo
from propledger.evidence.warehouse import Warehouse
from propledger.settings import Settings

SLATE = dt.date(2026, 4, 10)
FULL_AT = dt.datetime(2026, 4, 10, 22, 0, tzinfo=UTC)  # 18:00 ET: every step
CLOSE_AT = dt.datetime(2026, 4, 10, 23, 5, tzinfo=UTC)  # 19:05 ET: odds only
FULL, CLOSING = "20260410T220000Z-full0001", "20260410T230500Z-close001"


def _run(
    wh: Warehouse, run_id: str, at: dt.datetime, steps: tuple[str, ...], **vendor: Any
) -> None:
    """A finished run of SLATE: start, one end event per step, one odds vendor event, end."""
    tick = dt.timedelta(seconds=1)
    ev = {"run_id": run_id, "slate_date": SLATE}
    events = [RegistryEvent(step="run", event="start", status=RunStatus.RUNNING, recorded_utc=at,
                            started_utc=at, **ev)]  # fmt: skip
    events += [
        RegistryEvent(step=s, event="end", status="SUCCESS", recorded_utc=at + i * tick,
                      message=f"{s} of {run_id}", **ev)
        for i, s in enumerate(steps, 1)
    ]  # fmt: skip
    events.append(RegistryEvent(step="odds", vendor="oddsshark", event="end", status="SUCCESS",
                                recorded_utc=at + tick, requests=1, attempts=1, http_status=200,
                                **ev, **vendor))  # fmt: skip
    end = at + (len(steps) + 1) * tick
    events.append(RegistryEvent(step="run", event="end", status=RunStatus.SUCCESS,
                                recorded_utc=end, ended_utc=end, **ev))  # fmt: skip
    record(wh, *events)


def test_a_rebuilt_report_describes_the_run_that_ran_diagnostics_not_a_later_odds_only_run(
    wh: Warehouse, settings: Settings
) -> None:
    """The demo runs every step at 18:00 ET, then an odds-only closing run at 19:05 ET: the
    slate's report (written by the 18:00 run's diagnostics) must still describe the 18:00 run."""
    steps = ("odds", "production", "ev", "outcomes", "diagnostics")
    _run(wh, FULL, FULL_AT, steps, rows_in=776, rows_out=776)
    _run(wh, CLOSING, CLOSE_AT, ("odds",), rows_in=5, rows_out=5)
    run = RunInfo.latest_for_slate(wh, SLATE)
    assert run is not None and run.run_id == FULL
    assert [s.step for s in run.steps] == list(steps)
    assert [(v.vendor, v.rows_in) for v in run.vendors] == [("ODDSSHARK", 776)]
    text = write_daily_report(wh, SLATE, settings.output_dir / "monitoring").text
    assert f"Run `{FULL}` (daily): **SUCCESS**" in text and CLOSING not in text
    assert "| ODDSSHARK | SUCCESS | – | 1 | 1 | 200 | 776 | 776 |" in text


def test_without_a_diagnostics_run_the_report_falls_back_to_the_latest_run(
    wh: Warehouse,
) -> None:
    _run(wh, FULL, FULL_AT, ("odds", "ev"), rows_in=776, rows_out=776)
    _run(wh, CLOSING, CLOSE_AT, ("odds",), rows_in=5, rows_out=5)
    run = RunInfo.latest_for_slate(wh, SLATE)
    assert run is not None and run.run_id == CLOSING
    assert RunInfo.latest_for_slate(wh, SLATE + dt.timedelta(days=1)) is None
