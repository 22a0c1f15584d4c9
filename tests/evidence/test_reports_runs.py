"""A daily report rebuilt later reads like the one written on the day: which run it describes,
which settled slate it reads, how its vendor health reads."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa

from propledger.clock import UTC
from propledger.evidence.facts import ALL_BOOKS, Fact, append_version
from propledger.evidence.registry import RegistryEvent, RunStatus, record
from propledger.evidence.reports.daily import write_daily_report
from propledger.evidence.reports.runinfo import RunInfo, VendorHealth
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


def _ev_summary(wh: Warehouse, day: dt.date, settled_bets: int, roi: float) -> None:
    counts = dict.fromkeys(("quotes", "candidates", "joined", "fresh", "ev_pos", "ev_ge_2pct",
                            "selected", "best_bets", "flagged", "obs_settlement_rows"), 10)  # fmt: skip
    row = {"slate_date": day, "market": "GOALS", "vendor": ALL_BOOKS, "book_name_raw": ALL_BOOKS,
           "snapshot_ts": FULL_AT, "as_of_utc": FULL_AT, **counts, "mean_ev": 0.01,
           "obs_settled_bets": settled_bets, "obs_roi": roi}  # fmt: skip
    append_version(wh, Fact.EV_SUMMARY, day, pa.Table.from_pylist([row]), run_id=f"run-{day}",
                   computed_utc=FULL_AT + dt.timedelta(days=2))  # fmt: skip


def _accuracy(wh: Warehouse, day: dt.date) -> None:
    row = {"slate_date": day, "market": "GOALS", "line": 0.5, "prob_source": "Raw",
           "is_primary_line": True, "settlement_rows": 10, "n": 10, "log_loss": 0.4,
           "base_rate": 0.2}  # fmt: skip
    append_version(wh, Fact.FORECAST_ACCURACY, day, pa.Table.from_pylist([row]),
                   run_id=f"run-{day}", computed_utc=FULL_AT + dt.timedelta(days=2))  # fmt: skip


def test_a_rebuilt_report_reads_the_settled_slate_before_it_in_accuracy_and_observational(
    wh: Warehouse, settings: Settings
) -> None:
    """Written on the day, slate D is not settled yet: both sections read slate D − 1. Rebuilt
    after D settled, both must still read D − 1 (the observational table once read D alone)."""
    before = SLATE - dt.timedelta(days=1)
    for day, roi in ((before - dt.timedelta(days=1), 0.3), (before, -0.2), (SLATE, 0.5)):
        _ev_summary(wh, day, settled_bets=10, roi=roi)  # every slate settled since
        _accuracy(wh, day)
    text = write_daily_report(wh, SLATE, settings.output_dir / "monitoring").text
    assert f"Slate {before.isoformat()} (settled rows only" in text
    observational = text.split("## Observational", 1)[1].split("\n## ", 1)[0]
    slates = [ln.split("|")[1].strip() for ln in observational.splitlines() if ln.startswith("| 2")]
    assert slates == [before.isoformat(), SLATE.isoformat()]
    assert "| 2026-04-09 | GOALS |" in observational and "| -0.200 |" in observational


def _vendor_rows(text: str) -> dict[str, str]:
    part = text.split("## Vendor health", 1)[1].split("\n## ", 1)[0]
    return {
        ln.split("|")[1].strip(): ln
        for ln in part.splitlines()
        if ln.startswith("| ") and "---" not in ln
    }


def test_vendor_health_says_an_unchanged_payload_was_not_parsed_again(
    wh: Warehouse, settings: Settings
) -> None:
    """A vendor that answered 200 with the payload of an earlier capture parses 0 quotes (the
    archive skips duplicates): the row must not read as if the vendor returned nothing."""
    details = {"call_status": "ok", "payloads_new": 0, "payloads_duplicate": 1}
    _run(wh, FULL, FULL_AT, ("odds", "diagnostics"), rows_in=0, rows_out=0, details=details)
    text = write_daily_report(wh, SLATE, settings.output_dir / "monitoring").text
    assert _vendor_rows(text)["ODDSSHARK"] == (
        "| ODDSSHARK | SUCCESS | ok | 1 | 1 | 200 | 0 | 0 | – "
        "| payload unchanged (already ingested, not parsed again) |"
    )
    run = RunInfo.latest_for_slate(wh, SLATE)
    assert run is not None and (run.vendors[0].payloads_new, run.vendors[0].payloads_duplicate) == (
        0,
        1,
    )


def test_vendor_health_note_counts_unchanged_payloads_and_keeps_the_vendor_message() -> None:
    def note(message: str = "", new: int | None = None, dup: int | None = None) -> str:
        return VendorHealth("PLAYNOW", "SUCCESS", message=message, payloads_new=new,
                            payloads_duplicate=dup).note  # fmt: skip

    assert note() == note(new=2, dup=0) == ""  # nothing archived before (or an old registry row)
    assert note(new=0, dup=2) == "all 2 payloads unchanged (already ingested, not parsed again)"
    assert note(new=1, dup=1) == "1 of 2 payloads unchanged (already ingested, not parsed again)"
    assert note("HTTP 503 after 4 attempts", new=0, dup=1) == (
        "HTTP 503 after 4 attempts; payload unchanged (already ingested, not parsed again)"
    )
