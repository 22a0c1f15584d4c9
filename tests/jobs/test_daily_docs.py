"""docs/daily.md keeps up with the code: every flag, variable, status, exit code and crash
point of the driver is documented; the progress display works on a terminal too."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from rich.console import Console

from propledger.cli import main
from propledger.evidence.registry import RunStatus
from propledger.jobs.plan import Step
from propledger.jobs.steps import StepOutcome, StepStatus
from propledger.settings import CRASH_STEPS, CRASH_WHEN, STEP_ENV

DOC = (Path(__file__).resolve().parents[2] / "docs" / "daily.md").read_text(encoding="utf-8")


def test_every_option_of_the_command_is_documented() -> None:
    import typer

    from propledger.cli import build_app

    group = typer.main.get_command(build_app())
    daily = group.commands["daily"]  # type: ignore[attr-defined]
    options = {o for p in daily.params for o in (*p.opts, *p.secondary_opts) if o.startswith("--")}
    assert {"--run-ev", "--no-run-ev", "--minimal", "--all", "--strict"} <= options
    missing = sorted(o for o in options - {"--help"} if f"`{o}" not in DOC)
    assert missing == [], f"undocumented in docs/daily.md: {missing}"
    assert main(["daily", "--help"]) == 0


def test_steps_variables_statuses_exit_codes_and_crash_points_are_documented() -> None:
    for step in Step:
        assert f"| {step.number} | {step.label} | `{step.flag}` | `{step.env}` |" in DOC
    assert set(STEP_ENV.values()) <= set(re.findall(r"RUN_[A-Z_]+", DOC))
    for status in [*StepStatus, *RunStatus]:
        assert f"| `{status}` |" in DOC, status
    for code in range(5):
        assert f"\n| {code} | " in DOC, code
    assert "PROPLEDGER_CRASH_AT=<step>:<when>" in DOC
    assert all(f"`{s}`" in DOC or f"{s}," in DOC or f" {s}`" in DOC for s in CRASH_STEPS)
    assert all(f"`{w}`" in DOC for w in CRASH_WHEN)


def test_progress_on_a_terminal_is_a_spinner_then_a_colored_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from propledger.commands.daily import StepProgress

    buffer = io.StringIO()
    progress = StepProgress()
    progress.console = Console(file=buffer, force_terminal=True, width=200)
    progress.rich = True
    progress.step_started(Step.EV)
    assert progress._status is not None
    progress.step_finished(StepOutcome(Step.EV, StepStatus.SKIPPED, "no snapshot", duration_s=0.25))
    assert progress._status is None
    text = buffer.getvalue()
    assert "step 3/5 EV reporting: SKIPPED in 0.2 s (no snapshot)" in text
    assert "\x1b[" in text  # colored
