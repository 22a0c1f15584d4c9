"""The daily plan: step flag > --all/--minimal > RUN_* environment > off, slate date in ET."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from propledger.clock import UTC, FrozenClock
from propledger.errors import ConfigError
from propledger.jobs.plan import (
    MINIMAL_STEPS,
    Origin,
    PlanRequest,
    Step,
    resolve_plan,
    settings_for,
)
from propledger.settings import STEP_ENV, Settings

# 2026-01-15T03:00Z is 22:00 on the 14th in New York: the slate is the 14th, not the UTC date
CLOCK = FrozenClock(dt.datetime(2026, 1, 15, 3, 0, tzinfo=UTC))


def _plan(env: dict[str, str] | None = None, **kw: object):
    settings = Settings.from_env(env or {})
    return resolve_plan(PlanRequest(**kw), settings, CLOCK)  # type: ignore[arg-type]


def test_no_flags_no_env_selects_nothing_and_says_how_to_choose() -> None:
    plan = _plan()
    assert plan.empty and plan.steps == ()
    assert all(c.origin is Origin.DEFAULT and not c.enabled for c in plan.choices)
    text = "\n".join(plan.lines())
    assert "nothing selected" in text and "--minimal or --all" in text


def test_slate_date_is_the_new_york_date_of_the_clock() -> None:
    assert _plan().slate_date == dt.date(2026, 1, 14)
    assert _plan(date=dt.date(2026, 1, 3)).slate_date == dt.date(2026, 1, 3)


def test_presets() -> None:
    assert _plan(all_steps=True).steps == tuple(Step)
    assert _plan(minimal=True).steps == (Step.PRODUCTION, Step.DIAGNOSTICS) == MINIMAL_STEPS
    with pytest.raises(ConfigError, match="--minimal and --all"):
        _plan(minimal=True, all_steps=True)


def test_environment_turns_steps_on_and_the_command_line_wins() -> None:
    env = {"RUN_ODDS_INGESTION": "1", "RUN_EV": "true", "RUN_OUTCOMES": "0"}
    assert _plan(env).steps == (Step.ODDS, Step.EV)
    # --no-run-ev switches an environment default off; --run-outcomes beats RUN_OUTCOMES=0
    plan = _plan(env, steps={Step.EV: False, Step.OUTCOMES: True})
    assert plan.steps == (Step.ODDS, Step.OUTCOMES)
    because = {c.step: c.because for c in plan.choices}
    assert because == {
        Step.ODDS: "RUN_ODDS_INGESTION=1",
        Step.PRODUCTION: "default",
        Step.EV: "--no-run-ev",
        Step.OUTCOMES: "--run-outcomes",
        Step.DIAGNOSTICS: "default",
    }
    # a preset is a command-line choice too: it beats the environment
    assert _plan(env, minimal=True).steps == MINIMAL_STEPS
    assert _plan({"RUN_EV": "0"}, all_steps=True).steps == tuple(Step)
    assert _plan(all_steps=True, steps={Step.ODDS: False}).steps == tuple(Step)[1:]
    assert _plan(minimal=True, steps={Step.EV: True}).steps == (
        Step.PRODUCTION,
        Step.EV,
        Step.DIAGNOSTICS,
    )


def test_bad_environment_value_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="RUN_EV='maybe' is not a boolean"):
        Settings.from_env({"RUN_EV": "maybe"})


_TRI = st.sampled_from([None, True, False])


@given(
    flags=st.fixed_dictionaries({s: _TRI for s in Step}),
    env=st.fixed_dictionaries({s: _TRI for s in Step}),
    preset=st.sampled_from([None, "all", "minimal"]),
)
def test_precedence_flag_then_preset_then_env_then_off(
    flags: dict[Step, bool | None], env: dict[Step, bool | None], preset: str | None
) -> None:
    environ = {STEP_ENV[s.value]: "1" if v else "0" for s, v in env.items() if v is not None}
    plan = _plan(
        environ,
        steps={s: v for s, v in flags.items() if v is not None},
        all_steps=preset == "all",
        minimal=preset == "minimal",
    )
    for c in plan.choices:
        flag, from_env = flags[c.step], env[c.step]
        if flag is not None:
            assert (c.enabled, c.origin) == (flag, Origin.FLAG)
        elif preset == "all":
            assert (c.enabled, c.origin) == (True, Origin.PRESET)
        elif preset == "minimal":
            assert (c.enabled, c.origin) == (c.step in MINIMAL_STEPS, Origin.PRESET)
        elif from_env is not None:
            assert (c.enabled, c.origin) == (from_env, Origin.ENV)
        else:
            assert (c.enabled, c.origin) == (False, Origin.DEFAULT)
    # the selected steps always come out in the safe order
    order = list(Step)
    assert [order.index(s) for s in plan.steps] == sorted(order.index(s) for s in plan.steps)


def test_vendors_replace_the_enabled_vendors() -> None:
    settings = Settings.from_env({})
    plan = resolve_plan(PlanRequest(vendors="Unabated, playnow"), settings, CLOCK)
    assert plan.vendors == ("unabated", "playnow")
    assert settings_for(plan, settings).vendors == ("unabated", "playnow")
    assert settings_for(_plan(), settings) is settings
    with pytest.raises(ConfigError, match="unknown vendor draftkings"):
        resolve_plan(PlanRequest(vendors="draftkings"), settings, CLOCK)


def test_plan_is_recorded_as_json() -> None:
    plan = _plan({"RUN_EV": "1"}, steps={Step.ODDS: True}, strict=True, source="replay:/w")
    flags = json.loads(json.dumps(plan.as_dict()))
    assert flags["steps"] == ["odds", "ev"]
    assert flags["choices"]["ev"] == {"enabled": True, "origin": "env", "because": "RUN_EV=1"}
    assert flags["slate_date"] == "2026-01-14" and flags["planned_utc"] == "2026-01-15T03:00:00Z"
    assert flags["strict"] is True and flags["source"] == "replay:/w"
    lines = plan.lines()
    assert (
        lines[0] == "daily plan for slate 2026-01-14 (America/New_York), source replay:/w, strict"
    )
    assert lines[1].split() == ["1", "odds", "ingestion", "run", "(--run-odds-ingestion)"]
    assert "vendors: playnow, unabated, oddsshark" in lines[-1]
