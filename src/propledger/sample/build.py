"""``propledger sample build``: presets, argument parsing and the build itself."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from propledger.errors import ConfigError
from propledger.sample.presets import PRESETS, Preset, parse_seasons, parse_teams
from propledger.sample.schedule import check_games_per_team
from propledger.sample.teams import select_teams, validate_seasons
from propledger.sample.world import World, build_world
from propledger.sample.writer import BuildSummary, write_world


@dataclass(frozen=True)
class BuildRequest:
    """A resolved build: explicit options override the preset's."""

    seed: int
    seasons: tuple[int, ...]
    teams: int | tuple[str, ...] | None
    games_per_team: int
    odds_days: int | None = None  # vendor odds slates (None: the writers' default, 30)

    @classmethod
    def resolve(
        cls,
        *,
        seed: int,
        preset: Preset = Preset.FULL,
        seasons: str | None = None,
        teams: str | None = None,
        games_per_team: int | None = None,
        odds_days: int | None = None,
    ) -> BuildRequest:
        spec = PRESETS[preset]
        return cls(
            seed=seed,
            seasons=parse_seasons(seasons) if seasons else spec.seasons,
            teams=parse_teams(teams) if teams else spec.teams,
            games_per_team=games_per_team if games_per_team is not None else spec.games_per_team,
            odds_days=odds_days,
        )

    def validate(self) -> BuildRequest:
        """Raise ConfigError for a bad seed, season, team or game count (before any I/O)."""
        if self.seed < 0:
            raise ConfigError(f"--seed {self.seed}: use a non-negative integer")
        validate_seasons(self.seasons)
        select_teams(self.teams)
        check_games_per_team(self.games_per_team)
        if self.odds_days is not None and self.odds_days < 0:
            raise ConfigError(f"--odds-days {self.odds_days}: use a number of slates ≥ 0")
        return self

    def world(self) -> World:
        return build_world(
            self.seed, self.seasons, teams=self.teams, games_per_team=self.games_per_team
        )


def build_sample(
    out_dir: Path,
    request: BuildRequest,
    *,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> BuildSummary:
    """Build the world and write it under ``out_dir`` (``world.json`` last)."""
    from propledger.sample.writer import prepare_out_dir

    request.validate()
    prepare_out_dir(Path(out_dir), force=force)  # fail fast, before the heavy work
    world = request.world()
    if progress:
        progress(f"simulated {sum(len(s.schedule) for s in world.seasons)} games")
    writers = None
    if request.odds_days is not None:
        from propledger.sample.odds_board import odds_payload_writers

        writers = odds_payload_writers(request.odds_days)
    return write_world(world, Path(out_dir), force=True, progress=progress, payload_writers=writers)


__all__ = ["BuildRequest", "build_sample"]
