"""``propledger ev --date D`` (step 3 over the warehouse) and ``propledger settle --date D``."""

from __future__ import annotations

from typing import Annotated

import typer

from propledger.clock import iso_z, parse_date, slate_date
from propledger.commands.common import NowOption, VerboseOption, clock_from, make_context
from propledger.jobs.ev import run_ev_step, run_settlement

DateOption = Annotated[
    str | None,
    typer.Option("--date", help="slate date YYYY-MM-DD (America/New_York); default: today's slate"),
]


def register(app: typer.Typer) -> None:
    app.command("ev")(ev_command)
    app.command("settle")(settle_command)


def ev_command(
    date: DateOption = None,
    now: str | None = NowOption,
    ladders: Annotated[
        bool, typer.Option("--include-ladders", help="also price ladder rungs (3+, 4+ …)")
    ] = False,
    verbose: int = VerboseOption,
) -> None:
    """Join the slate's odds to its latest snapshot, price EV, store the priced rows, write the report."""
    ctx = make_context(verbose=verbose, clock=clock_from(now))
    try:
        day = parse_date(date, what="--date") if date else slate_date(ctx.clock.now())
        result = run_ev_step(ctx, day, include_ladders=ladders)
    finally:
        ctx.close()
    reasons = ", ".join(f"{k} {v}" for k, v in result.reason_counts.items() if v)
    typer.echo(
        f"slate {day}: snapshot {iso_z(result.snapshot_ts)}, {result.odds_rows} odds rows, "
        f"{result.rows_joined} joined, {result.selected_text}, {result.best_bets} best bets, "
        f"{result.audit_flags} audit flags, {result.rows_written} new rows"
    )
    typer.echo(f"not joined: {reasons or 'none'}")
    typer.echo(f"report: {result.md_path}  {result.csv_path}")


def settle_command(
    date: DateOption = None,
    now: str | None = NowOption,
    verbose: int = VerboseOption,
) -> None:
    """Settle snapshots and priced EV quotes of slates up to --date against box scores."""
    ctx = make_context(verbose=verbose, clock=clock_from(now))
    try:
        day = parse_date(date, what="--date") if date else slate_date(ctx.clock.now())
        result = run_settlement(ctx, day)
    finally:
        ctx.close()

    def fmt(counts: dict[str, int]) -> str:
        return ", ".join(f"{k} {v}" for k, v in counts.items())

    typer.echo(
        f"settled through {day} (observational): {result.snapshots_settled} snapshot rows "
        f"({fmt(dict(result.snapshot_results))}; {result.snapshots_pending} pending), "
        f"{result.candidates_settled} EV rows ({fmt(dict(result.candidate_results))}; "
        f"{result.candidates_pending} pending)"
    )
