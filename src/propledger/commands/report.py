"""``propledger report daily --date D`` and ``propledger report rolling``: rewrite the monitoring
reports from the warehouse (no network, no new facts)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from propledger.clock import parse_date
from propledger.errors import InputError
from propledger.evidence.reports.daily import write_daily_report
from propledger.evidence.reports.rolling import latest_fact_slate, write_rolling_report
from propledger.evidence.warehouse import Warehouse
from propledger.jobs.diagnostics import monitoring_dir
from propledger.logs import setup_logging
from propledger.settings import Settings

_SLATE_KNOWN = """SELECT EXISTS (SELECT 1 FROM v_run WHERE slate_date = $1)
    OR EXISTS (SELECT 1 FROM fact_odds_coverage_daily WHERE slate_date = $1)
    OR EXISTS (SELECT 1 FROM fact_mapping_quality_daily WHERE slate_date = $1)
    OR EXISTS (SELECT 1 FROM fact_ev_summary_daily WHERE slate_date = $1)
    OR EXISTS (SELECT 1 FROM fact_forecast_accuracy_daily WHERE slate_date = $1)"""


def _open() -> tuple[Settings, Warehouse]:
    settings = Settings.from_env(os.environ)
    setup_logging(0, settings.secrets.values())
    path = settings.warehouse_path
    if path != ":memory:" and not Path(path).exists():
        # a report is rebuilt from the warehouse; never create an empty one just to say so
        raise InputError(
            f"no warehouse at {path}; run the daily driver first (or `propledger demo`), or "
            "point PROPLEDGER_DATA_DIR / PROPLEDGER_WAREHOUSE at yours"
        )
    return settings, Warehouse.open(path)


def register(app: typer.Typer) -> None:
    report = typer.Typer(
        help="Rewrite the monitoring reports from the warehouse.", no_args_is_help=True
    )

    @report.command("daily")
    def daily(
        date: Annotated[
            str, typer.Option("--date", help="slate date YYYY-MM-DD (America/New_York)")
        ],
    ) -> None:
        """outputs/monitoring/daily_report_<date>.md (+ its reliability PNG)."""
        day = parse_date(date, what="--date")
        settings, wh = _open()
        try:
            if not wh.scalar(_SLATE_KNOWN, [day]):
                raise InputError(
                    f"the warehouse has no run and no daily facts for slate {day}; run "
                    f"`propledger daily --all --date {day}` (or --run-diagnostics) first"
                )
            result = write_daily_report(wh, day, monitoring_dir(settings.output_dir))
        finally:
            wh.close()
        typer.echo(f"daily report: {result.path}")
        for png in result.plots:
            typer.echo(f"plot: {png}")
        typer.echo(f"anomalies: {len(result.anomalies)}")

    @report.command("rolling")
    def rolling(
        through: Annotated[
            str | None,
            typer.Option(
                "--through", help="last slate YYYY-MM-DD; default: the latest slate with facts"
            ),
        ] = None,
    ) -> None:
        """outputs/monitoring/rolling_report.md (+ rolling_*.png) over 7/28 days and the season."""
        settings, wh = _open()
        try:
            day = parse_date(through, what="--through") if through else latest_fact_slate(wh)
            if day is None:
                raise InputError(
                    "the warehouse has no daily facts yet; run the daily driver with "
                    "--run-diagnostics first (or `propledger demo`)"
                )
            result = write_rolling_report(wh, monitoring_dir(settings.output_dir), through=day)
        finally:
            wh.close()
        typer.echo(f"rolling report through {day}: {result.path}")
        for png in result.plots:
            typer.echo(f"plot: {png}")

    app.add_typer(report, name="report")
