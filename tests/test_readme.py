"""Documentation unit tests: the README names every setting and the commands it shows exist."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from propledger.cli import build_app
from propledger.settings import SOURCES, HttpSettings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CODE = "\n".join(re.findall(r"```[a-z]*\n(.*?)```", README, re.S))
SETTINGS_SRC = (ROOT / "src" / "propledger" / "settings.py").read_text(encoding="utf-8")


def test_every_literal_environment_name_is_in_the_readme() -> None:
    names = set(re.findall(r'"((?:PROPLEDGER|RUN|FORCE|EV)_[A-Z_]+[A-Z])"', SETTINGS_SRC))
    names |= {"PLAYNOW_COOKIE", "UNABATED_API_KEY", "DISABLE_CALIBRATION"}
    missing = sorted(n for n in names if n not in README)
    assert not missing, f"README lacks {missing}"


def test_http_fields_and_sources_are_in_the_readme() -> None:
    for f in dataclasses.fields(HttpSettings):
        assert f.name.upper() in README, f"README lacks PROPLEDGER_HTTP_{f.name.upper()}"
    for source in SOURCES:
        assert f"`{source.upper()}`" in README


def test_quick_start_is_exactly_two_make_commands() -> None:
    quick = README.split("## Quick start", 1)[1].split("##", 1)[0]
    block = quick.split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["make demo", "make test"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci


@pytest.mark.parametrize(
    "words",
    sorted(
        {
            tuple(w for w in m.group(1).split() if not w.startswith("-"))[:2]
            for m in re.finditer(r"^propledger ((?:[a-z][a-z-]* ?){1,2})", CODE, re.M)
        }
    ),
)
def test_commands_shown_in_the_readme_exist(words: tuple[str, ...]) -> None:
    import typer.main

    group = typer.main.get_command(build_app())
    ctx = group.make_context("propledger", [], resilient_parsing=True)
    command = group.get_command(ctx, words[0])  # type: ignore[attr-defined]
    assert command is not None, f"README shows `propledger {words[0]}`, which does not exist"
    if len(words) > 1 and hasattr(command, "get_command"):
        sub = command.get_command(ctx, words[1])
        if sub is None:  # a positional argument (e.g. a file), not a sub-command
            assert not getattr(command, "commands", {}), (
                f"`propledger {' '.join(words)}` does not exist"
            )
