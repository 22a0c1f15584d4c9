"""Step 5 of the daily run (diagnostics): the four daily facts, then the daily and rolling reports.

:func:`run_diagnostics` computes, as of the run clock:

* for the slate: ``fact_odds_coverage_daily``, ``fact_mapping_quality_daily`` (a row for every
  enabled vendor) and ``fact_ev_summary_daily`` (skipped when the slate has no snapshot yet);
* for earlier slates whose EV candidates were settled since their summary (28-day lookback):
  the EV summary again, as of its stored ``as_of_utc``, now with the observational ROI/CLV;
* for every slate with settlements recorded since its last accuracy version (or none yet):
  ``fact_forecast_accuracy_daily``.

All reads happen first; the appends (new versions only, see ``evidence/facts.py``) then commit
in one transaction, which joins the caller's when there is one. Then
``<output_dir>/monitoring/daily_report_<slate>.md`` and ``rolling_report.md`` (+ PNGs) are
written. ``run_info`` is what the driver knows of this run (steps so far, step 1's vendors);
without it the registry's events of ``ctx.run_id`` are used.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import pyarrow as pa

from propledger.context import Context
from propledger.evidence.facts import Fact, append_version
from propledger.evidence.facts_accuracy import accuracy_fact_rows, slates_to_score
from propledger.evidence.facts_coverage import coverage_rows
from propledger.evidence.facts_ev import ev_summary_rows, refresh_candidates
from propledger.evidence.facts_mapping import mapping_rows
from propledger.evidence.reports.anomalies import Anomaly
from propledger.evidence.reports.daily import write_daily_report
from propledger.evidence.reports.rolling import write_rolling_report
from propledger.evidence.reports.runinfo import RunInfo, StepInfo, VendorHealth
from propledger.evidence.warehouse import Warehouse

log = logging.getLogger(__name__)

STEP = "diagnostics"
#: how far back an earlier slate's EV summary is refreshed when its candidates settle
EV_REFRESH_DAYS = 28


def monitoring_dir(output_dir: Path) -> Path:
    """Where the monitoring reports and plots go: ``<output_dir>/monitoring``."""
    return output_dir / "monitoring"


@dataclass(frozen=True)
class Reports:
    daily: Path
    rolling: Path | None
    plots: tuple[Path, ...]
    anomalies: tuple[Anomaly, ...]


@dataclass(frozen=True)
class DiagnosticsResult:
    """Step 5 of one slate. ``rows_written``: new rows per fact table (0 = unchanged);
    ``ev_refreshed``/``accuracy_slates``: the earlier slates (re)summarised."""

    slate_date: dt.date
    rows_written: Mapping[str, int]
    ev_refreshed: tuple[dt.date, ...]
    accuracy_slates: tuple[dt.date, ...]
    daily_report: Path
    rolling_report: Path | None
    plots: tuple[Path, ...]
    anomalies: tuple[Anomaly, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def rows_total(self) -> int:
        return sum(self.rows_written.values())

    def summary(self) -> str:
        parts = ", ".join(
            f"{k.removeprefix('fact_').removesuffix('_daily')} {v}"
            for k, v in self.rows_written.items()
        )
        return (
            f"diagnostics {self.slate_date}: new fact rows {parts}; {len(self.anomalies)} anomalies; "
            f"reports {self.daily_report.name}"
            + (f", {self.rolling_report.name}" if self.rolling_report else "")
        )


@dataclass(frozen=True)
class _Batch:
    fact: Fact
    slate_date: dt.date
    rows: pa.Table


def _compute(
    ctx: Context, slate_date: dt.date, now: dt.datetime
) -> tuple[list[_Batch], list[dt.date], list[dt.date], list[str]]:
    wh, settings = ctx.warehouse, ctx.settings
    notes: list[str] = []
    batches = [
        _Batch(Fact.ODDS_COVERAGE, slate_date, coverage_rows(wh, slate_date, now)),
        _Batch(
            Fact.MAPPING_QUALITY,
            slate_date,
            mapping_rows(wh, slate_date, now, vendors=settings.vendors),
        ),
    ]
    ev = ev_summary_rows(wh, slate_date, now, settings.ev)
    if ev is None:
        notes.append(f"no probability snapshot for {slate_date} yet: no EV summary")
    else:
        batches.append(_Batch(Fact.EV_SUMMARY, slate_date, ev))
    refreshed = []
    for day, as_of in refresh_candidates(wh, slate_date, lookback_days=EV_REFRESH_DAYS):
        rows = ev_summary_rows(wh, day, as_of, settings.ev)
        if rows is not None:
            batches.append(_Batch(Fact.EV_SUMMARY, day, rows))
            refreshed.append(day)
    scored = slates_to_score(wh, slate_date)
    batches += [_Batch(Fact.FORECAST_ACCURACY, d, accuracy_fact_rows(wh, d)) for d in scored]
    return batches, refreshed, scored, notes


def write_reports(
    wh: Warehouse,
    slate_date: dt.date,
    output_dir: Path,
    *,
    run: RunInfo | None = None,
    rolling: bool = True,
) -> Reports:
    """(Re)write the daily report of ``slate_date`` and (``rolling``) the rolling report through
    it, from the warehouse alone (``run`` None: the slate's latest run in the registry)."""
    out = monitoring_dir(output_dir)
    daily = write_daily_report(wh, slate_date, out, run=run)
    if not rolling:
        return Reports(daily.path, None, daily.plots, daily.anomalies)
    current = run.run_id if run is not None else None
    report = write_rolling_report(wh, out, through=slate_date, current_run=current)
    return Reports(daily.path, report.path, daily.plots + report.plots, daily.anomalies)


@dataclass(frozen=True)
class FactsResult:
    """The fact half of step 5: new rows per fact table and the earlier slates (re)computed."""

    slate_date: dt.date
    rows_written: Mapping[str, int]
    ev_refreshed: tuple[dt.date, ...]
    accuracy_slates: tuple[dt.date, ...]
    notes: tuple[str, ...] = ()


def record_facts(ctx: Context, slate_date: dt.date) -> FactsResult:
    """Compute the daily facts as of the run clock and append the changed slates (one
    transaction, joining the caller's); no reports."""
    wh = ctx.warehouse
    now = ctx.clock.now()
    batches, refreshed, scored, notes = _compute(ctx, slate_date, now)
    written = dict.fromkeys((f.value for f in Fact), 0)
    with wh.transaction():
        for b in batches:
            written[b.fact.value] += append_version(
                wh, b.fact, b.slate_date, b.rows, run_id=ctx.run_id, computed_utc=now
            )
    return FactsResult(
        slate_date, MappingProxyType(written), tuple(refreshed), tuple(scored), tuple(notes)
    )


def run_diagnostics(
    ctx: Context, slate_date: dt.date, run_info: RunInfo | None = None, *, rolling: bool = True
) -> DiagnosticsResult:
    """Step 5: :func:`record_facts`, then the daily report and (``rolling``, the default) the
    rolling report with its plots. A driver replaying many slates in a row may pass
    ``rolling=False`` for all but the last (the plots take a second or two)."""
    facts = record_facts(ctx, slate_date)
    wh = ctx.warehouse
    info = run_info if run_info is not None else RunInfo.from_registry(wh, ctx.run_id)
    reports = write_reports(wh, slate_date, ctx.settings.output_dir, run=info, rolling=rolling)
    result = DiagnosticsResult(
        slate_date=slate_date,
        rows_written=facts.rows_written,
        ev_refreshed=facts.ev_refreshed,
        accuracy_slates=facts.accuracy_slates,
        daily_report=reports.daily,
        rolling_report=reports.rolling,
        plots=reports.plots,
        anomalies=reports.anomalies,
        notes=facts.notes,
    )
    log.info("%s", result.summary())
    return result


__all__ = [
    "STEP",
    "DiagnosticsResult",
    "FactsResult",
    "Reports",
    "RunInfo",
    "StepInfo",
    "VendorHealth",
    "monitoring_dir",
    "record_facts",
    "run_diagnostics",
    "write_reports",
]
