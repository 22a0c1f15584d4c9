"""Options and helpers shared by command modules."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from propledger.clock import Clock, SystemClock
from propledger.context import Context
from propledger.logs import setup_logging
from propledger.settings import Settings

SOURCE_HELP = "live (real endpoints) or replay:DIR (recorded payloads, offline)"
SourceOption = typer.Option("live", "--source", help=SOURCE_HELP)
RECORD_HELP = (
    "live only: also save every response under DIR as a replay directory (secrets stripped); "
    "run it again offline with --source replay:DIR"
)
RecordOption = typer.Option(None, "--record", help=RECORD_HELP, metavar="DIR")
VerboseOption = typer.Option(0, "--verbose", "-v", count=True, help="-v info, -vv debug logs")


def make_context(
    source: str = "live",
    *,
    verbose: int = 0,
    clock: Clock | None = None,
    record: Path | None = None,
    settings: Settings | None = None,
) -> Context:
    """Settings from the process environment (once, here at the edge), logging, transport."""
    settings = settings or Settings.from_env(os.environ)
    setup_logging(verbose, settings.secrets.values())
    return Context.create(settings, clock or SystemClock(), source=source, record=record)


NowOption = typer.Option(
    None, "--now", help="pretend the current UTC time is this ISO instant (replay runs, tests)"
)


def clock_from(now: str | None) -> Clock:
    """The system clock, or a frozen one when ``--now`` is given."""
    if not now:
        return SystemClock()
    from propledger.clock import FrozenClock, parse_utc
    from propledger.errors import ConfigError

    try:
        return FrozenClock(parse_utc(now))
    except ValueError:
        raise ConfigError(
            f"--now {now!r} is not an ISO-8601 instant; use e.g. 2026-01-14T17:00:00Z"
        ) from None
