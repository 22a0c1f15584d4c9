"""``propledger sample build|info``: the deterministic offline sample world."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from propledger.commands.common import VerboseOption
from propledger.logs import setup_logging
from propledger.sample.presets import Preset
from propledger.settings import Settings

OutOption = Annotated[
    Path | None,
    typer.Option("--out", help="sample world directory (default: PROPLEDGER_DATA_DIR/sample)"),
]
SeedOption = Annotated[int, typer.Option("--seed", help="same seed → byte-identical files")]
SeasonsOption = Annotated[
    str | None,
    typer.Option("--seasons", help="MoneyPuck start years, e.g. 2024,2025 (2024 = 2024-25)"),
]
PresetOption = Annotated[
    Preset,
    typer.Option("--preset", help="full: 32 teams × 82 games, 2024+2025; small: 6 × 24, 2025"),
]
TeamsOption = Annotated[
    str | None, typer.Option("--teams", help="a count (the first N preset teams) or TOR,MTL,…")
]
GamesOption = Annotated[
    int | None, typer.Option("--games-per-team", help="an even number (82 in the NHL)")
]
OddsDaysOption = Annotated[
    int | None,
    typer.Option(
        "--odds-days", help="vendor odds payloads for the last N slates (default 30; 0: none)"
    ),
]
ForceOption = Annotated[
    bool, typer.Option("--force", help="replace a previous sample world in --out")
]


def register(app: typer.Typer) -> None:
    sample = typer.Typer(
        help="Deterministic sample NHL world: history, box scores, replay payloads.",
        no_args_is_help=True,
    )

    @sample.command("build")
    def build(
        out: OutOption = None,
        seed: SeedOption = 42,
        seasons: SeasonsOption = None,
        preset: PresetOption = Preset.FULL,
        teams: TeamsOption = None,
        games_per_team: GamesOption = None,
        force: ForceOption = False,
        odds_days: OddsDaysOption = None,
        verbose: int = VerboseOption,
    ) -> None:
        """Generate the world and write truth.csv, replay/ and (last) world.json."""
        from propledger.sample.build import BuildRequest, build_sample

        settings = Settings.from_env(os.environ)
        setup_logging(verbose, settings.secrets.values())
        request = BuildRequest.resolve(
            seed=seed,
            preset=preset,
            seasons=seasons,
            teams=teams,
            games_per_team=games_per_team,
            odds_days=odds_days,
        )
        started = time.perf_counter()
        progress = (lambda m: print(m, file=sys.stderr)) if sys.stderr.isatty() else None
        summary = build_sample(out or settings.sample_dir, request, force=force, progress=progress)
        for line in summary.lines():
            print(line)
        print(f"  built in {time.perf_counter() - started:.1f} s")

    @sample.command("info")
    def info(out: OutOption = None) -> None:
        """Print world.json of a complete build (exit 2 if missing or interrupted)."""
        from propledger.sample.writer import read_world_info

        directory = out or Settings.from_env(os.environ).sample_dir
        print(json.dumps(read_world_info(directory), indent=2, sort_keys=True))

    app.add_typer(sample, name="sample")
