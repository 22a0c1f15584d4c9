"""``propledger snapshot`` and ``propledger model fit-calibrators|evaluate``: thin shells over
``jobs/snapshot.py``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from propledger.clock import parse_date, slate_date
from propledger.commands.common import (
    NowOption,
    RecordOption,
    SourceOption,
    VerboseOption,
    clock_from,
    make_context,
)
from propledger.errors import ConfigError
from propledger.model.calibration_fit import ChronoSplit


def _date(text: str | None, what: str) -> dt.date | None:
    return None if text is None else parse_date(text, what=what)


def _window(start: str | None, end: str | None) -> tuple[dt.date | None, dt.date | None]:
    """``--from``/``--to`` as dates of an inclusive range (ET); ConfigError when it is empty.

    Checked before anything is opened, so a reversed range writes nothing. Equal dates are one
    slate (the range is inclusive), unlike the half-open ranges of backfill and odds reparse,
    where equal dates are empty and rejected too."""
    lo, hi = _date(start, "--from"), _date(end, "--to")
    if lo is not None and hi is not None and lo > hi:
        raise ConfigError(
            f"--from {lo} is after --to {hi}: the range is empty; swap them (both dates are "
            "included: one slate is --from D --to D)"
        )
    return lo, hi


def register(app: typer.Typer) -> None:
    @app.command("snapshot")
    def snapshot(
        date: str | None = typer.Option(
            None, "--date", "-d", help="slate date YYYY-MM-DD (ET); default: today in New York"
        ),
        source: str = SourceOption,
        record: Path | None = RecordOption,
        now: str | None = NowOption,
        refresh: bool = typer.Option(
            True, "--refresh/--no-refresh", help="refresh history first when it is stale"
        ),
        verbose: int = VerboseOption,
    ) -> None:
        """Price every skater on a slate (μ, probabilities, policy); persist + write the CSV."""
        from propledger.jobs.snapshot import run_snapshot

        clock = clock_from(now)
        day = _date(date, "--date") or slate_date(clock.now())
        ctx = make_context(source, verbose=verbose, clock=clock, record=record)
        try:
            result = run_snapshot(ctx, day, refresh=refresh)
        finally:
            ctx.close()
        for note in result.notes:
            print(f"note: {note}")
        if result.calibrator_versions:
            print(f"calibrators: {', '.join(result.calibrator_versions)}")
        print(result.summary())

    model = typer.Typer(
        help="Calibrators and accuracy of the Phase 10 model.", no_args_is_help=True
    )
    app.add_typer(model, name="model")

    @model.command("fit-calibrators")
    def fit_calibrators(
        start: str | None = typer.Option(
            None, "--from", help="first slate date (default: history start)"
        ),
        end: str | None = typer.Option(None, "--to", help="last slate date (default: history end)"),
        validation_season: int | None = typer.Option(
            None,
            "--validation-season",
            help="season start year held out (default: the most recent)",
        ),
        validation_start: str | None = typer.Option(
            None, "--validation-start", help="hold out every slate from this date on instead"
        ),
        now: str | None = NowOption,
        verbose: int = VerboseOption,
    ) -> None:
        """Fit ASSISTS/POINTS calibrators on as-of snapshots; save and activate the winners."""
        from propledger.jobs.snapshot import run_fit_calibrators

        lo, hi = _window(start, end)
        split = ChronoSplit(validation_season, _date(validation_start, "--validation-start"))
        ctx = make_context("live", verbose=verbose, clock=clock_from(now))
        try:
            result = run_fit_calibrators(ctx, lo, hi, split)
        finally:
            ctx.close()
        print(result.summary())
        print(
            f"saved under {ctx.settings.models_dir} (active), {result.recorded} new calibrator row(s)"
        )

    @model.command("evaluate")
    def evaluate(
        start: str | None = typer.Option(None, "--from", help="first slate date YYYY-MM-DD (ET)"),
        end: str | None = typer.Option(
            None, "--to", help="last slate date YYYY-MM-DD (ET), included; not before --from"
        ),
        asof: bool = typer.Option(
            False, "--asof", help="evaluate historical as-of rows instead of stored snapshots"
        ),
        now: str | None = NowOption,
        verbose: int = VerboseOption,
    ) -> None:
        """Accuracy (log loss, Brier, baseline, ECE, AUC, top-K) per market × line × source."""
        from propledger.jobs.snapshot import run_evaluate

        lo, hi = _window(start, end)
        ctx = make_context("live", verbose=verbose, clock=clock_from(now))
        try:
            result = run_evaluate(ctx, lo, hi, asof=asof)
        finally:
            ctx.close()
        for r in result.metrics.to_pylist():
            if r["is_primary_line"]:
                print(
                    f"{r['market']:<8} {r['line']:>4g} {r['prob_source']:<10} n={r['n']:<6} "
                    f"log loss {r['log_loss']:.4f} vs baseline {r['baseline_log_loss']:.4f} "
                    f"(improvement {r['log_loss_improvement']:+.4f}), Brier {r['brier']:.4f}"
                )
        print(result.summary())
        print(f"csv: {result.csv}")
