"""The daily run's plan: which steps run and why, for which slate (DESIGN section 3).

Each of the five steps is opt-in. Its choice is resolved once, in this precedence:

1. an explicit step flag: ``--run-ev`` turns a step on, ``--no-run-ev`` off;
2. a preset given on the command line: ``--all`` (every step) or ``--minimal`` (production
   snapshot and diagnostics: nothing beyond cached data is needed);
3. the environment: ``RUN_ODDS_INGESTION``, ``RUN_PRODUCTION``, ``RUN_EV``, ``RUN_OUTCOMES``,
   ``RUN_DIAGNOSTICS`` (``1``/``0``, ``true``/``false`` …; parsed into ``Settings.step_env``);
4. the default: off.

So the command line beats the environment and the environment beats the default. A plan that
selects nothing runs nothing: the driver prints it and stops without touching anything.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from propledger.clock import Clock, iso_z, slate_date
from propledger.errors import ConfigError
from propledger.settings import STEP_ENV, Settings, parse_vendors


class Step(enum.StrEnum):
    """The five steps, in the only order they ever run."""

    ODDS = "odds"
    PRODUCTION = "production"
    EV = "ev"
    OUTCOMES = "outcomes"
    DIAGNOSTICS = "diagnostics"

    @property
    def number(self) -> int:
        return list(Step).index(self) + 1

    @property
    def label(self) -> str:
        return _TITLES[self]

    @property
    def flag(self) -> str:
        """The command-line switch (``--no-`` + the rest turns it off)."""
        return _FLAGS[self]

    @property
    def env(self) -> str:
        return STEP_ENV[self.value]


_TITLES = {
    Step.ODDS: "odds ingestion",
    Step.PRODUCTION: "production snapshot",
    Step.EV: "EV reporting",
    Step.OUTCOMES: "outcomes refresh",
    Step.DIAGNOSTICS: "diagnostics",
}
_FLAGS = {
    Step.ODDS: "--run-odds-ingestion",
    Step.PRODUCTION: "--run-production",
    Step.EV: "--run-ev",
    Step.OUTCOMES: "--run-outcomes",
    Step.DIAGNOSTICS: "--run-diagnostics",
}
#: ``--minimal``: the safe default configuration that still produces artifacts
MINIMAL_STEPS: tuple[Step, ...] = (Step.PRODUCTION, Step.DIAGNOSTICS)


class Origin(enum.StrEnum):
    """Where a step's choice came from (highest precedence first)."""

    FLAG = "flag"
    PRESET = "preset"
    ENV = "env"
    DEFAULT = "default"


@dataclass(frozen=True)
class StepChoice:
    step: Step
    enabled: bool
    origin: Origin
    because: str  # e.g. "--no-run-ev", "--minimal", "RUN_EV=1", "default"


@dataclass(frozen=True)
class PlanRequest:
    """What the command line asked for, before the environment and defaults are applied.

    ``steps`` holds only the steps given explicitly (True for ``--run-x``, False for
    ``--no-run-x``); ``date`` is a slate date (America/New_York) or None for today's.
    """

    steps: Mapping[Step, bool] = field(default_factory=lambda: MappingProxyType({}))
    minimal: bool = False
    all_steps: bool = False
    date: dt.date | None = None
    vendors: str | None = None
    source: str = "live"
    strict: bool = False
    dry_run: bool = False

    @property
    def empty(self) -> bool:
        """No step flag and no preset on the command line."""
        return not self.steps and not self.minimal and not self.all_steps


@dataclass(frozen=True)
class Plan:
    """A resolved run: the slate (ET date), every step's choice, vendors, source, modes."""

    slate_date: dt.date
    planned_utc: dt.datetime
    choices: tuple[StepChoice, ...]
    vendors: tuple[str, ...]
    source: str = "live"
    strict: bool = False
    dry_run: bool = False
    minimal: bool = False
    all_steps: bool = False

    @property
    def steps(self) -> tuple[Step, ...]:
        """The selected steps, in run order."""
        return tuple(c.step for c in self.choices if c.enabled)

    @property
    def empty(self) -> bool:
        return not self.steps

    def selects(self, step: Step) -> bool:
        return step in self.steps

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready; recorded as the ``flags`` of the run's registry events."""
        return {
            "slate_date": self.slate_date.isoformat(),
            "planned_utc": iso_z(self.planned_utc),
            "steps": [str(s) for s in self.steps],
            "choices": {str(c.step): {"enabled": c.enabled, "origin": str(c.origin),
                                      "because": c.because} for c in self.choices},
            "vendors": list(self.vendors),
            "source": self.source,
            "strict": self.strict,
            "dry_run": self.dry_run,
            "minimal": self.minimal,
            "all": self.all_steps,
        }  # fmt: skip

    def lines(self) -> list[str]:
        """The plan for a person: one line per step with its state and why."""
        out = [
            f"daily plan for slate {self.slate_date} (America/New_York), source {self.source}"
            + (", strict" if self.strict else "")
        ]
        width = max(len(s.label) for s in Step)
        for c in self.choices:
            state = "run" if c.enabled else "off"
            out.append(f"  {c.step.number} {c.step.label:<{width}}  {state:<3}  ({c.because})")
        if self.selects(Step.ODDS):
            out.append(f"  vendors: {', '.join(self.vendors)}")
        if self.empty:
            out.append(
                "nothing selected, so nothing runs and nothing is written. Choose steps with "
                + " ".join(s.flag for s in Step)
                + ", --minimal or --all (or RUN_ODDS_INGESTION=1 … in the environment)."
            )
        return out


def _choice(step: Step, request: PlanRequest, settings: Settings) -> StepChoice:
    if step in request.steps:
        on = request.steps[step]
        return StepChoice(step, on, Origin.FLAG, step.flag if on else "--no-" + step.flag[2:])
    if request.all_steps:
        return StepChoice(step, True, Origin.PRESET, "--all")
    if request.minimal:
        return StepChoice(step, step in MINIMAL_STEPS, Origin.PRESET, "--minimal")
    if step.value in settings.step_env:
        on = settings.step_env[step.value]
        return StepChoice(step, on, Origin.ENV, f"{step.env}={int(on)}")
    return StepChoice(step, False, Origin.DEFAULT, "default")


def resolve_plan(request: PlanRequest, settings: Settings, clock: Clock) -> Plan:
    """Apply flag > preset > environment > default to every step; ConfigError on a conflict."""
    if request.minimal and request.all_steps:
        raise ConfigError("--minimal and --all contradict each other; give one of them")
    vendors = parse_vendors(request.vendors, "--vendors") if request.vendors else settings.vendors
    now = clock.now()
    return Plan(
        slate_date=request.date or slate_date(now),
        planned_utc=now,
        choices=tuple(_choice(step, request, settings) for step in Step),
        vendors=vendors,
        source=request.source,
        strict=request.strict,
        dry_run=request.dry_run,
        minimal=request.minimal,
        all_steps=request.all_steps,
    )


def settings_for(plan: Plan, settings: Settings) -> Settings:
    """The run's settings: ``--vendors`` replaces the enabled vendors everywhere."""
    if plan.vendors == settings.vendors:
        return settings
    return dataclasses.replace(settings, vendors=plan.vendors)


__all__ = [
    "MINIMAL_STEPS",
    "Origin",
    "Plan",
    "PlanRequest",
    "Step",
    "StepChoice",
    "resolve_plan",
    "settings_for",
]
