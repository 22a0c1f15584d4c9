"""``propledger history refresh``: import MoneyPuck history, the NHL schedule and box scores."""

from __future__ import annotations

import sys
from pathlib import Path
from types import TracebackType

import typer
from rich.console import Console
from rich.progress import Progress, TaskID

from propledger.clock import parse_date
from propledger.commands.common import (
    NowOption,
    RecordOption,
    SourceOption,
    VerboseOption,
    clock_from,
    make_context,
)
from propledger.history import ProgressEvent, parse_seasons, refresh_history


class _Progress:
    """Rich bars per source on a terminal; one plain line per finished source otherwise."""

    def __init__(self) -> None:
        console = Console(stderr=True)
        self.bars = Progress(console=console, transient=True) if console.is_terminal else None
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, event: ProgressEvent) -> None:
        if self.bars is None:
            if event.done == event.total:
                print(f"{event.source}: {event.done}/{event.total}", file=sys.stderr)
            return
        if event.source not in self.tasks:
            self.tasks[event.source] = self.bars.add_task(event.source, total=event.total)
        self.bars.update(self.tasks[event.source], completed=event.done, total=event.total)

    def __enter__(self) -> _Progress:
        if self.bars is not None:
            self.bars.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.bars is not None:
            self.bars.stop()


def register(app: typer.Typer) -> None:
    history = typer.Typer(
        help="History and outcomes: MoneyPuck, NHL schedule, box scores.", no_args_is_help=True
    )

    @history.command("refresh")
    def refresh(
        through: str = typer.Option(
            ..., "--through", help="last game date to import (YYYY-MM-DD, ET); live: yesterday"
        ),
        source: str = SourceOption,
        seasons: str | None = typer.Option(
            None,
            "--seasons",
            help="season start years, e.g. 2024,2025 (default: through's season and the one before)",
        ),
        lookback: int = typer.Option(
            14, "--lookback-days", min=0, help="box scores of the last N days before --through"
        ),
        record: Path | None = RecordOption,
        now: str | None = NowOption,
        verbose: int = VerboseOption,
    ) -> None:
        """Append new games (history, schedule, outcomes); a second identical run adds nothing."""
        day = parse_date(through, what="--through")
        chosen = parse_seasons(seasons) if seasons else None
        ctx = make_context(source, verbose=verbose, clock=clock_from(now), record=record)
        try:
            with _Progress() as progress:
                result = refresh_history(
                    ctx, day, seasons=chosen, boxscore_lookback_days=lookback, progress=progress
                )
        finally:
            ctx.close()
        print("\n".join(result.table_lines()))
        for problem in result.problems:
            print(f"problem: {problem}")
        for note in result.notes if verbose else ():
            print(f"note: {note}")
        print(result.summary())

    app.add_typer(history, name="history")
