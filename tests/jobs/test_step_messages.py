"""The EV and outcomes steps' registry messages say what their counts are (no bare "candidates":
``fact_ev_candidate`` holds every priced row, ``is_candidate`` only those at EV ≥ min EV)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from types import SimpleNamespace

from evworld import (
    AS_OF,
    MATTHEWS,
    SLATE,
    add_games,
    add_odds,
    add_outcomes,
    add_snapshot,
    game_row,
    odds_row,
    outcome_row,
    snapshot_row,
)
from propledger.clock import FrozenClock
from propledger.context import Context
from propledger.evidence.warehouse import Warehouse
from propledger.jobs.plan import PlanRequest, Step, resolve_plan
from propledger.jobs.steps import RunSoFar, StepOutcome, StepStatus, run_ev, run_outcomes
from propledger.settings import Settings


def _ctx(wh: Warehouse, settings: Settings) -> Context:
    add_games(wh)
    add_odds(
        wh,
        odds_row("OVER", 2.0, map_reason=None),  # p 0.6: EV +0.20
        odds_row("UNDER", 1.8, map_reason=None),  # p 0.4: EV −0.28
        odds_row("OVER", 1.7, book_name_raw="DraftKings", map_reason=None),  # EV +0.02
    )
    add_snapshot(wh, snapshot_row(0.6))
    return Context(settings, FrozenClock(AS_OF), "run-messages", _warehouse=wh)


def _ev_message(wh: Warehouse, settings: Settings) -> str:
    ctx = _ctx(wh, settings)
    plan = resolve_plan(PlanRequest(steps={Step.EV: True}), settings, ctx.clock)
    outcome = run_ev(ctx, plan, RunSoFar(ctx.run_id, AS_OF))
    assert outcome.status is StepStatus.SUCCESS, outcome.message
    return outcome.message


def test_the_ev_step_message_names_the_min_ev_its_count_is_at(
    wh: Warehouse, settings: Settings
) -> None:
    assert _ev_message(wh, settings) == (
        "3 odds rows, 3 joined, 2 at EV ≥ 0.02, 2 best bets, 0 audit flags"
    )


def test_the_ev_step_message_follows_the_configured_min_ev(
    wh: Warehouse, settings: Settings
) -> None:
    stricter = replace(settings, ev=replace(settings.ev, min_ev=0.05))  # as EV_MIN=0.05
    assert "3 joined, 1 at EV ≥ 0.05, " in _ev_message(wh, stricter)


def test_the_outcomes_step_message_calls_settled_ev_rows_priced_quotes(
    wh: Warehouse, settings: Settings
) -> None:
    ctx = _ctx(wh, settings)
    run_ev(ctx, resolve_plan(PlanRequest(steps={Step.EV: True}), settings, ctx.clock),
           RunSoFar(ctx.run_id, AS_OF))  # fmt: skip
    add_games(wh, game_row(game_state="OFF"))  # the game is over: its three priced rows settle
    add_outcomes(wh, outcome_row(MATTHEWS, goals=1))
    next_day = SLATE + dt.timedelta(days=1)
    plan = resolve_plan(
        PlanRequest(steps={Step.OUTCOMES: True}, date=next_day), settings, ctx.clock
    )
    # this run's production step refreshed history already: the step only settles (offline)
    production = StepOutcome(
        Step.PRODUCTION,
        StepStatus.SUCCESS,
        result=SimpleNamespace(history_refreshed=True, notes=()),
    )
    outcome = run_outcomes(ctx, plan, RunSoFar(ctx.run_id, AS_OF, {Step.PRODUCTION: production}))
    assert outcome.message == (
        f"history through {SLATE} already refreshed by the production step; "
        "settled 1 snapshot rows (0 pending), 3 priced quotes (0 pending)"
    )
