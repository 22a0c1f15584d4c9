"""``propledger backfill unabated|export``: bounded backfill of Unabated snapshots (issue 8).

Thin shells over :mod:`propledger.jobs.backfill` and :mod:`propledger.jobs.backfill_export`;
every argument is validated by :meth:`BackfillRequest.from_args` (one-line error, exit 2).
"""

from __future__ import annotations

import os
import sys
from types import TracebackType

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from propledger.commands.common import NowOption, VerboseOption, clock_from, make_context
from propledger.jobs.backfill_result import StopReason, UnitOutcome

backfill_app = typer.Typer(
    help="Bounded backfill of Unabated snapshots from the raw archive or a snapshot archive.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(backfill_app, name="backfill")


class _Progress:
    """A rich bar on a terminal; one line per unit on stdout otherwise (logs, cron, CI)."""

    def __init__(self) -> None:
        console = Console(stderr=True)
        self.bar = (
            Progress(
                TextColumn("backfill"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            )
            if console.is_terminal
            else None
        )
        self.task = self.bar.add_task("", total=None) if self.bar is not None else None

    def __call__(self, outcome: UnitOutcome, done: int, total: int) -> None:
        if self.bar is None or self.task is None:
            print(outcome.line(done, total), flush=True)
            return
        self.bar.update(self.task, completed=done, total=total, description=outcome.unit.label)

    def __enter__(self) -> _Progress:
        if self.bar is not None:
            self.bar.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.bar is not None:
            self.bar.stop()


@backfill_app.command("unabated")
def unabated(
    start: str | None = typer.Option(None, "--start", help="first slate date, YYYY-MM-DD (ET)"),
    end: str | None = typer.Option(
        None, "--end", help="slate date after the last one (excluded), YYYY-MM-DD"
    ),
    max_requests: str | None = typer.Option(
        None,
        "--max-requests",
        help="mandatory: most HTTP requests, every retry counted (1..10000)",
    ),
    max_seconds: str | None = typer.Option(
        None, "--max-seconds", help="mandatory: most wall-clock seconds (0 < S <= 21600)"
    ),
    source: str = typer.Option(
        "archive",
        "--source",
        help="archive (local raw archive) or remote (PROPLEDGER_UNABATED_ARCHIVE_URL)",
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="print the plan per unit and write nothing"
    ),
    resume: bool = typer.Option(
        True, "--resume/--no-resume", help="skip units already ingested (default on)"
    ),
    reparse: bool = typer.Option(
        False,
        "--reparse",
        help="parse every archived payload again (after a parser fix); never fetches",
    ),
    on_error: str = typer.Option("stop", "--on-error", help="stop or continue after a unit fails"),
    now: str | None = NowOption,
    verbose: int = VerboseOption,
) -> None:
    """Re-ingest Unabated snapshots of slates [--start, --end) within hard bounds.

    Exit 0: completed or stopped cleanly at a bound (rerun to resume); 1: stopped by an error; 2: bad arguments; 4: another run holds the lock; 130: interrupted. See docs/backfill.md.
    """
    from propledger.clock import slate_date
    from propledger.jobs.backfill import run_backfill
    from propledger.jobs.backfill_args import BackfillRequest
    from propledger.jobs.backfill_plan import plan_text
    from propledger.settings import Settings

    clock = clock_from(now)
    settings = Settings.from_env(os.environ)
    request = BackfillRequest.from_args(
        start=start,
        end=end,
        max_requests=max_requests,
        max_seconds=max_seconds,
        settings=settings,
        today=slate_date(clock.now()),
        source=source,
        on_error=on_error,
        dry_run=dry_run,
        resume=resume,
        reparse=reparse,
    )
    ctx = make_context("live", verbose=verbose, clock=clock, settings=settings)
    try:
        with _Progress() as progress:
            result = run_backfill(ctx, request, progress=progress)
    finally:
        ctx.close()
    if request.dry_run:
        sys.stdout.write(plan_text(result.plan))
        if result.stop_reason is not StopReason.DRY_RUN:
            print(f"stopped while planning: {result.stop_reason} ({result.message})")
        print("dry run: nothing was written")
        raise typer.Exit(result.exit_code)
    sys.stdout.write(result.summary())
    raise typer.Exit(result.exit_code)


@backfill_app.command("export")
def export(
    out: str = typer.Option(..., "--out", help="directory of the snapshot archive to write"),
    replay: str | None = typer.Option(
        None, "--replay", help="export a replay directory (e.g. data/sample/replay) instead"
    ),
    start: str | None = typer.Option(None, "--start", help="first slate date, YYYY-MM-DD"),
    end: str | None = typer.Option(None, "--end", help="end slate date (excluded), YYYY-MM-DD"),
    verbose: int = VerboseOption,
) -> None:
    """Write index.json + one file per Unabated capture, at each capture's own time.

    Without --replay it exports the local raw archive (then --start and --end are required)."""
    from pathlib import Path

    from propledger.clock import parse_date
    from propledger.errors import ConfigError
    from propledger.jobs.backfill_export import export_from_archive, export_from_replay

    first = parse_date(start, what="--start") if start else None
    last = parse_date(end, what="--end") if end else None
    if first is not None and last is not None and first >= last:
        raise ConfigError(f"--start {first} must be before --end {last} (half-open range)")
    if replay:
        summary = export_from_replay(Path(replay), Path(out), first, last)
    else:
        if first is None or last is None:
            raise ConfigError("exporting the raw archive needs --start and --end (YYYY-MM-DD)")
        ctx = make_context("live", verbose=verbose)
        try:
            summary = export_from_archive(
                ctx.warehouse, ctx.settings.raw_dir, Path(out), first, last
            )
        finally:
            ctx.close()
    print(summary.line())
