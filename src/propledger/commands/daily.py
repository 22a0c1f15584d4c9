"""``propledger daily`` (the daily driver), ``propledger runs`` (the run registry) and
``propledger demo`` (the driver over three weeks of the offline sample world)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.status import Status

from propledger.clock import Clock, parse_date
from propledger.commands.common import (
    NowOption,
    RecordOption,
    SourceOption,
    VerboseOption,
    clock_from,
)
from propledger.jobs.plan import Plan, Step
from propledger.jobs.steps import StepOutcome, StepStatus
from propledger.settings import Settings

_STYLE = {
    StepStatus.SUCCESS: "green",
    StepStatus.DEGRADED: "yellow",
    StepStatus.FAILED: "red",
    StepStatus.SKIPPED: "yellow",
}


class StepProgress:
    """A spinner per step on a terminal; one plain line per step event otherwise (stderr)."""

    def __init__(self) -> None:
        self.console = Console(stderr=True)
        self.rich = self.console.is_terminal
        self._status: Status | None = None

    def step_started(self, step: Step) -> None:
        text = f"step {step.number}/5 {step.label}"
        if self.rich:
            self._status = self.console.status(f"{text} …")
            self._status.start()
        else:
            print(f"{text}: started", file=sys.stderr, flush=True)

    def step_finished(self, outcome: StepOutcome) -> None:
        step = outcome.step
        text = (
            f"step {step.number}/5 {step.label}: {outcome.status} in {outcome.duration_s:.1f} s"
            + (f" ({outcome.message})" if outcome.message else "")
        )
        if self._status is not None:
            self._status.stop()
            self._status = None
        if self.rich:
            style = _STYLE[outcome.status]
            self.console.print(f"[{style}]{outcome.status}[/] {text}", highlight=False, markup=True)
        else:
            print(text, file=sys.stderr, flush=True)


def _step_option(step: Step) -> Any:
    off = "--no-" + step.flag[2:]
    return typer.Option(
        f"{step.flag}/{off}",
        help=f"step {step.number}, {step.label} (env {step.env}; {off} overrides the env)",
        show_default=False,
    )


def register(app: typer.Typer) -> None:
    @app.command("daily")
    def daily(
        run_odds_ingestion: Annotated[bool | None, _step_option(Step.ODDS)] = None,
        run_production: Annotated[bool | None, _step_option(Step.PRODUCTION)] = None,
        run_ev: Annotated[bool | None, _step_option(Step.EV)] = None,
        run_outcomes: Annotated[bool | None, _step_option(Step.OUTCOMES)] = None,
        run_diagnostics: Annotated[bool | None, _step_option(Step.DIAGNOSTICS)] = None,
        minimal: bool = typer.Option(
            False, "--minimal", help="steps 2 and 5 (production snapshot, diagnostics)"
        ),
        all_steps: bool = typer.Option(False, "--all", help="every step"),
        date: str | None = typer.Option(
            None, "--date", help="slate date YYYY-MM-DD (America/New_York); default today's"
        ),
        dry_run: bool = typer.Option(
            False, "--dry-run", help="print the resolved plan and config, touch nothing"
        ),
        strict: bool = typer.Option(False, "--strict", help="exit 3 when the run is degraded"),
        vendors: str | None = typer.Option(
            None, "--vendors", help="odds vendors, e.g. playnow,unabated (default: all enabled)"
        ),
        source: str = SourceOption,
        record: Path | None = RecordOption,
        now: str | None = NowOption,
        verbose: int = VerboseOption,
    ) -> None:
        """Run the selected steps in order: odds → snapshot → EV → outcomes → diagnostics.

        With no step selected (no flag, no RUN_* variable) the plan is printed and nothing is
        touched. Exit 0 success/degraded, 1 failed, 2 usage, 3 degraded with --strict, 4 locked.
        """
        from propledger.jobs.plan import PlanRequest, resolve_plan

        flags = {
            Step.ODDS: run_odds_ingestion, Step.PRODUCTION: run_production, Step.EV: run_ev,
            Step.OUTCOMES: run_outcomes, Step.DIAGNOSTICS: run_diagnostics,
        }  # fmt: skip
        request = PlanRequest(
            steps={s: v for s, v in flags.items() if v is not None},
            minimal=minimal,
            all_steps=all_steps,
            date=parse_date(date, what="--date") if date else None,
            vendors=vendors,
            source=source,
            strict=strict,
            dry_run=dry_run,
        )
        settings = Settings.from_env(os.environ)
        clock = clock_from(now)
        plan = resolve_plan(request, settings, clock)
        typer.echo("\n".join(plan.lines()))
        if plan.empty:
            return
        if dry_run:
            _print_dry_run(settings, plan.source, clock, record)
            return
        raise typer.Exit(_run(settings, plan, clock, verbose, record))

    @app.command("runs")
    def runs(
        last: Annotated[int, typer.Option("--last", min=1, help="how many runs")] = 10,
    ) -> None:
        """Recent runs from the registry: id, slate, status, duration, degraded steps."""
        settings = Settings.from_env(os.environ)
        path = settings.warehouse_path
        if path != ":memory:" and not Path(path).exists():
            typer.echo(f"no runs recorded yet ({path} does not exist)")
            return
        from propledger.evidence.registry import recent_runs
        from propledger.evidence.warehouse import Warehouse

        with Warehouse.open(path) as wh:
            found = recent_runs(wh, last)
        typer.echo("\n".join(runs_table(found)))

    @app.command("demo")
    def demo(
        seed: Annotated[int, typer.Option("--seed", help="sample world seed")] = 42,
        slates: Annotated[
            int, typer.Option("--slates", min=1, help="how many of the season's last slates")
        ] = 21,
        teams: Annotated[
            str, typer.Option("--teams", help="sample world teams: a count (32 = all) or TOR,MTL,…")
        ] = "32",
        verbose: int = VerboseOption,
    ) -> None:
        """Offline demo: sample world → history → calibrators → the daily driver with every
        step over the season's last slates (replay, a simulated clock per slate)."""
        from propledger.jobs.demo import DemoRequest, run_demo
        from propledger.logs import setup_logging

        settings = Settings.from_env(os.environ)
        setup_logging(verbose, settings.secrets.values())
        result = run_demo(settings, DemoRequest(seed=seed, slates=slates, teams=teams), echo=_echo)
        typer.echo("\n".join(result.summary_lines()))
        raise typer.Exit(result.exit_code)


def _echo(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _print_dry_run(settings: Settings, source: str, clock: Clock, record: Path | None) -> None:
    from propledger.replay import resolve_source

    if record is not None and source != "live":
        resolve_source(source, clock, record=record)  # the one-line error, nothing created
    resolve_source(source, clock)  # validates replay:DIR (reads its manifest only)
    typer.echo("config (secrets shown only as set/unset):")
    typer.echo(json.dumps(settings.public_dict(), indent=2, sort_keys=True))
    typer.echo(f"config hash: {settings.config_hash()}")
    typer.echo(f"lock: {Path(settings.warehouse_path + '.lock')}")
    typer.echo("dry run: nothing was run, opened or written")


def _run(settings: Settings, plan: Plan, clock: Clock, verbose: int, record: Path | None) -> int:
    from propledger.context import Context
    from propledger.jobs.daily import run_daily
    from propledger.jobs.plan import settings_for
    from propledger.logs import setup_logging

    run_settings = settings_for(plan, settings)
    setup_logging(verbose, run_settings.secrets.values())
    ctx = Context.create(run_settings, clock, source=plan.source, record=record)
    try:
        result = run_daily(ctx, plan, progress=StepProgress())
    finally:
        ctx.close()
    typer.echo("\n".join(result.lines()))
    return result.exit_code()


def runs_table(runs: list[dict[str, Any]]) -> list[str]:
    """Fixed-width lines: run id, kind, slate, status, started (UTC), duration, degraded steps."""
    if not runs:
        return ["no runs recorded yet"]
    head = ("run id", "kind", "slate", "status", "started (UTC)", "duration", "not ok")
    rows = [head]
    for r in runs:
        started: Any = r.get("started_utc")
        duration = r.get("duration_s")
        rows.append(
            (
                str(r["run_id"]),
                str(r.get("kind") or ""),
                str(r.get("slate_date") or "-"),
                str(r["status"]),
                started.strftime("%Y-%m-%d %H:%M:%S") if hasattr(started, "strftime") else "-",
                f"{duration:.1f} s" if isinstance(duration, float) else "-",
                ", ".join(str(s) for s in r.get("degraded_steps") or []) or "-",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    return [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
