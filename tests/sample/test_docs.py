"""Documentation unit tests: every build option and truth column is in docs/sample_world.md."""

from __future__ import annotations

from pathlib import Path

import typer.main

from propledger.cli import build_app
from propledger.sample.world import World

DOC = (Path(__file__).parents[2] / "docs" / "sample_world.md").read_text(encoding="utf-8")


def test_every_build_option_is_documented() -> None:
    group = typer.main.get_command(build_app())
    sample = group.commands["sample"]  # type: ignore[attr-defined]
    options = {
        opt for p in sample.commands["build"].params for opt in p.opts if opt.startswith("--")
    }
    assert options >= {"--out", "--seed", "--seasons", "--preset", "--force"}
    missing = sorted(o for o in options - {"--verbose"} if f"`{o}" not in DOC)
    assert not missing, f"document {missing} in docs/sample_world.md"


def test_every_truth_column_is_documented(small_world: World) -> None:
    undocumented = [c for c in small_world.truth().column_names if f"`{c}`" not in DOC]
    assert not undocumented, f"document {undocumented} in docs/sample_world.md"
