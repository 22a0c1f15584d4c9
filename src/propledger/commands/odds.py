"""``propledger odds …``: odds debugging and ingestion commands (a typer sub-app).

``odds parse --vendor V FILE`` prints a saved payload's normalised quotes as CSV. Other odds
commands (``ingest``, ``reparse``) register on :data:`odds_app` in this module too.

The CSV is a function of the file and the capture instant only; the instant matters only for
OddsShark, whose page gives game times without a date (the capture's ET date dates them). Its
default, the file's modification time, is not reproducible across copies of a file, so that
case says so on stderr. (A fixed default would date real captures wrongly: no clean option.)
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated

import typer

from propledger.clock import UTC, iso_z, parse_utc, slate_date
from propledger.commands.common import RECORD_HELP, SOURCE_HELP
from propledger.errors import ConfigError, InputError, PayloadError
from propledger.odds.parse import CLI_VENDORS, parse_payload, quotes_csv
from propledger.odds.quote import ParseStatus

odds_app = typer.Typer(
    help="Odds: parse saved vendor payloads (debug), ingest, reparse.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(odds_app, name="odds")


def _captured_at(text: str | None, file: Path) -> dt.datetime | None:
    """The ``--captured-at`` instant (UTC); None when not given."""
    if not text:
        return None
    try:
        return parse_utc(text)
    except ValueError:
        raise ConfigError(
            f"--captured-at {text!r} is not an ISO-8601 instant; use e.g. 2026-01-14T17:00:00Z"
        ) from None


@odds_app.command("parse")
def parse_command(
    file: Annotated[Path, typer.Argument(help="a saved payload (JSON, or HTML for oddsshark)")],
    vendor: Annotated[
        str, typer.Option("--vendor", help="playnow (OpenBet), kambi, unabated or oddsshark")
    ],
    captured_at: Annotated[
        str | None,
        typer.Option(
            "--captured-at",
            help="capture instant, ISO-8601 (no offset = UTC); default: the file's "
            "modification time. It dates OddsShark's games (event ids, start times): pass it "
            "for a reproducible oddsshark CSV; the JSON vendors' CSV does not depend on it",
        ),
    ] = None,
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="print skip counts to stderr")
    ] = 0,
) -> None:
    """Print FILE's normalised quotes as CSV on stdout, sorted.

    The same file and --captured-at always print the same CSV. Without --captured-at,
    OddsShark's game dates, event ids and start times come from the file's modification time
    (said on stderr); the playnow, kambi and unabated CSVs do not depend on it."""
    surface = CLI_VENDORS.get(vendor.strip().lower())
    if surface is None:
        raise ConfigError(f"--vendor {vendor!r} is unknown; use one of {', '.join(CLI_VENDORS)}")
    try:
        content = file.read_bytes()
    except OSError as exc:
        raise InputError(
            f"cannot read {file}: {exc.strerror or exc}; give a saved payload file"
        ) from None
    when = _captured_at(captured_at, file)
    if when is None:
        when = dt.datetime.fromtimestamp(file.stat().st_mtime, UTC)
        if surface is CLI_VENDORS["oddsshark"]:
            print(
                f"note: no --captured-at: OddsShark games are dated by {file}'s modification time "
                f"{iso_z(when)} (ET date {slate_date(when)}); pass --captured-at to reproduce",
                file=sys.stderr,
            )
    fix = f"is this a {vendor} payload? check --vendor"
    try:
        result = parse_payload(surface, content, when)
    except PayloadError as exc:
        raise InputError(f"{file}: {exc}; {fix}") from None
    if result.status is ParseStatus.NO_MATCH and not result.quotes:
        # the parser's own signal that its container/key is absent: another vendor's file (or
        # a block page), unlike a valid payload with no props yet (status empty, exit 0)
        why = result.warnings[0] if result.warnings else "its expected structure is absent"
        raise InputError(f"{file}: not in the {vendor} format ({why}); {fix}")
    sys.stdout.write(quotes_csv(result.quotes))
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if verbose:
        print(f"{vendor}: {result.summary()}", file=sys.stderr)


# ---- ingest / reparse (thin shells over jobs/odds.py) ----------------------------------------


def _vendor_list(text: str | None) -> tuple[str, ...] | None:
    from propledger.settings import parse_vendors

    return parse_vendors(text) if text else None


@odds_app.command("ingest")
def ingest_command(
    vendors: Annotated[
        str | None,
        typer.Option(
            "--vendors", help="comma list of playnow, unabated, oddsshark (default: enabled)"
        ),
    ] = None,
    source: Annotated[str, typer.Option("--source", help=SOURCE_HELP)] = "live",
    record: Annotated[
        Path | None, typer.Option("--record", help=RECORD_HELP, metavar="DIR")
    ] = None,
    now: Annotated[
        str | None, typer.Option("--now", help="pretend the current UTC time is this ISO instant")
    ] = None,
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="-v info, -vv debug")
    ] = 0,
) -> None:
    """Fetch, archive, parse, map and append each vendor's odds; print a per-vendor table.

    Exit 0 when any vendor produced something (degraded included), 1 when none did."""
    from propledger.commands.common import clock_from, make_context
    from propledger.jobs.odds import ingest_exit_code, ingest_table, run_odds_ingestion

    names = _vendor_list(vendors)
    ctx = make_context(source, verbose=verbose, clock=clock_from(now), record=record)
    try:
        result = run_odds_ingestion(ctx, names)
    finally:
        ctx.close()
    sys.stdout.write(ingest_table(result))
    raise typer.Exit(ingest_exit_code(result))


@odds_app.command("reparse")
def reparse_command(
    date_from: Annotated[str, typer.Option("--from", help="first slate date, YYYY-MM-DD")],
    date_to: Annotated[str, typer.Option("--to", help="end slate date (excluded), YYYY-MM-DD")],
    vendors: Annotated[
        str | None,
        typer.Option("--vendors", help="comma list of playnow, unabated, oddsshark (default: all)"),
    ] = None,
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="-v info, -vv debug")
    ] = 0,
) -> None:
    """Re-run the parsers over archived payloads of slates [--from, --to) at their own capture
    times; inserts idempotently and reports rows new/duplicate per vendor."""
    from propledger.clock import parse_date
    from propledger.commands.common import make_context
    from propledger.jobs.odds import reparse_table, run_reparse

    start = parse_date(date_from, what="--from")
    end = parse_date(date_to, what="--to")
    names = _vendor_list(vendors)
    ctx = make_context("live", verbose=verbose)
    try:
        result = run_reparse(ctx, start, end, vendors=names)
    finally:
        ctx.close()
    sys.stdout.write(reparse_table(result))
