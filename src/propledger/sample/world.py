"""The in-memory sample world: :func:`build_world` and the :class:`World` it returns.

``World`` is what every payload writer renders (MoneyPuck CSVs, NHL API JSON and, later, the
``sample/odds_*.py`` vendor payloads). Bulk views are Arrow tables:

- :meth:`World.games`: one row per game (ids, ET date, UTC start, teams, final score).
- :meth:`World.player_games`: one row per dressed player per game, box-score totals plus the
  pre-dice expectations ``exp_*`` (the truth a model's μ estimates for that game).
- :meth:`World.stints`: which team a player dressed for between which ET dates (trades).
- :meth:`World.truth`: latent rates and mean expectations per player-season (``truth.csv``).

Random streams come from ``SeedSequence(seed, spawn_key=(purpose, season))``, the keys that
``SeedSequence.spawn`` would produce, so a season's data do not depend on which other seasons
are built, and a subset of teams shares players and rates with the full league.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from propledger.errors import ConfigError
from propledger.sample.lineups import build_lineups
from propledger.sample.players import SeasonRoster, Universe, build_universe, season_roster
from propledger.sample.rates import SeasonRates, season_rates
from propledger.sample.schedule import Schedule, build_schedule, season_window
from propledger.sample.simulate import MIRROR, SeasonSim, simulate_season
from propledger.sample.stats import expectations, goalie_stats, skater_stats
from propledger.sample.teams import Team, select_teams, team_for_season, validate_seasons

GENERATOR_VERSION = "1"
LEGACY_BOXSCORE_SHARE = 0.02  # of the first season's box scores, in the older payload form


@dataclass(frozen=True)
class SeasonWorld:
    """One simulated season. Arrays are indexed ``[game, side (0 home, 1 away), slot, sit]``."""

    season: int
    teams: tuple[Team, ...]  # as named that season, in ``schedule.teams`` order
    schedule: Schedule
    roster: SeasonRoster
    rates: SeasonRates
    sim: SeasonSim
    skater: dict[str, np.ndarray]  # MoneyPuck skater columns, [G, 2, 18, 4]
    goalie: dict[str, np.ndarray]  # MoneyPuck goalie columns of the starters, [G, 2, 4]
    expected: dict[str, np.ndarray]  # exp_* per dressed skater, [G, 2, 18]
    legacy_boxscore: np.ndarray  # bool [G]: box score served in the older form

    def team_abbrev(self) -> np.ndarray:
        """``[G, 2]`` abbreviations of (home, away)."""
        abbrevs: np.ndarray = np.array(self.schedule.teams)[self.sim.lineups.team]
        return abbrevs


@dataclass(frozen=True)
class World:
    seed: int
    games_per_team: int
    universe: Universe
    seasons: tuple[SeasonWorld, ...]

    @property
    def season_years(self) -> tuple[int, ...]:
        return tuple(s.season for s in self.seasons)

    @property
    def team_abbrevs(self) -> tuple[str, ...]:
        return self.seasons[0].schedule.teams

    def season(self, season: int) -> SeasonWorld:
        for s in self.seasons:
            if s.season == season:
                return s
        raise KeyError(season)

    def player_indices(self) -> np.ndarray:
        """Universe indices of every player on a roster of some season, sorted by player id."""
        idx: set[int] = set()
        for s in self.seasons:
            r = s.roster
            idx.update(
                int(i)
                for i in (*r.forwards.ravel(), *r.defense.ravel(), *r.goalies.ravel())
                if i >= 0
            )
        return np.array(
            sorted(idx, key=lambda i: self.universe.players[i].player_id), dtype=np.int64
        )

    def games(self) -> pa.Table:
        from propledger.sample.tables import games_table

        return games_table(self)

    def player_games(self) -> pa.Table:
        from propledger.sample.tables import player_games_table

        return player_games_table(self)

    def stints(self) -> pa.Table:
        from propledger.sample.tables import stints_table

        return stints_table(self)

    def truth(self) -> pa.Table:
        from propledger.sample.tables import truth_table

        return truth_table(self)


def _rng(seed: int, purpose: int, season: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(purpose, season)))


def build_season(
    universe: Universe,
    seed: int,
    season: int,
    teams: tuple[str, ...],
    games_per_team: int,
    *,
    with_trades: bool,
    legacy_share: float,
) -> SeasonWorld:
    sched = build_schedule(seed, season, teams, games_per_team)
    window = season_window(season, games_per_team)
    roster = season_roster(universe, seed, season, teams, window, with_trades=with_trades)
    rates = season_rates(universe, roster, seed)
    rng = _rng(seed, 5, season)
    lineups = build_lineups(rng, sched, roster, rates)
    sim = simulate_season(rng, sched, lineups, rates)
    skater = skater_stats(sim, rates, universe, _rng(seed, 6, season))
    goalie = goalie_stats(sim, _rng(seed, 7, season))
    legacy = np.zeros(len(sched), dtype=bool)
    if legacy_share > 0:
        n_legacy = max(1, round(legacy_share * len(sched)))
        legacy[_rng(seed, 8, season).choice(len(sched), n_legacy, replace=False)] = True
    return SeasonWorld(
        season=season,
        teams=tuple(team_for_season(a, season) for a in teams),
        schedule=sched,
        roster=roster,
        rates=rates,
        sim=sim,
        skater=skater,
        goalie=goalie,
        expected=expectations(sim, rates),
        legacy_boxscore=legacy,
    )


def build_world(
    seed: int,
    seasons: tuple[int, ...] | list[int],
    *,
    teams: int | tuple[str, ...] | None = None,
    games_per_team: int = 82,
) -> World:
    """Build a deterministic world: same arguments → identical arrays.

    ``seasons`` are MoneyPuck start years (2024 = 2024-25). ``teams`` is None (all 32), a
    count (the first N of :data:`~propledger.sample.teams.PRESET_ORDER`) or abbreviations.
    Mid-season trades happen in the last season; about 2 % of the first season's box scores
    (at least one) use the older NHL payload form.
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError(f"--seed {seed!r}: use a non-negative integer")
    years = validate_seasons(tuple(int(s) for s in seasons))
    abbrevs = select_teams(teams)
    universe = build_universe(seed)
    built = tuple(
        build_season(
            universe,
            seed,
            year,
            abbrevs,
            games_per_team,
            with_trades=year == years[-1],
            legacy_share=LEGACY_BOXSCORE_SHARE if year == years[0] else 0.0,
        )
        for year in years
    )
    return World(seed, games_per_team, universe, built)


def decision(score: np.ndarray, last_period: np.ndarray) -> np.ndarray:
    """``[G, 2]`` starter decisions: W, L, or O for an overtime/shootout loss."""
    won = score > score[:, ::-1]
    lost_late = (~won) & (last_period[:, None] != "REG")
    return np.where(won, "W", np.where(lost_late, "O", "L"))


def season_dates(world: World) -> dict[int, tuple[dt.date, dt.date]]:
    """First and last game day (ET) of each season."""
    return {s.season: (s.schedule.first_date, s.schedule.last_date) for s in world.seasons}


__all__ = [
    "GENERATOR_VERSION",
    "MIRROR",
    "SeasonWorld",
    "World",
    "build_world",
    "decision",
    "season_dates",
]
