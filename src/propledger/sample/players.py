"""The player universe, season rosters and mid-season trades.

The universe (every player that can ever appear, with a stable 84xxxxx NHL id, bio and base
talents) depends on the seed only: all 32 teams are always generated, so a 4-team test world
has exactly the same players as the full one. A season roster is the base roster with a few
season-keyed replacements from a free-agent pool (so a season never depends on which other
seasons were built). Trades move one skater each way between two teams on a date; from the
next day on, the player dresses for his new team (he then appears in two MoneyPuck team files).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from propledger.sample.names import box_name, draw_names, full_name, nfc
from propledger.sample.teams import TEAMS

N_F, N_D, N_G = 13, 7, 3  # roster slots per team (goalie slot 3 may be empty: -1)
F_POSITIONS = ("C",) * 5 + ("L",) * 4 + ("R",) * 4
FA_SKATERS, FA_GOALIES = 200, 24

#: planted quirks: (team, role index in the team's skater list) pairs share a full name
DUPLICATE_NAMES = (("TOR", 3, "VAN", 5), ("MTL", 14, "UTA", 15), ("BOS", 7, "NYR", 8))
SUFFIXES = (("TOR", 9, "Jr."), ("MTL", 2, "Jr."), ("SEA", 4, "Jr."), ("DAL", 15, "II"))
ACCENTED = (
    ("MTL", 0, "Mathieu", "Lévesque", "CAN"),
    ("TOR", 13, "Tomáš", "Kovář", "CZE"),
    ("VAN", 1, "Nils", "Ångström", "SWE"),
    ("UTA", 6, "Émile", "Côté", "CAN"),
)


@dataclass(frozen=True)
class Player:
    """A fictional player. ``position`` is C, L, R, D or G; heights in inches, weight in lb."""

    player_id: int
    first_name: str
    last_name: str
    suffix: str
    position: str
    nationality: str
    birth_date: dt.date
    shoots: str
    height_in: int
    weight_lb: int

    @property
    def full_name(self) -> str:
        return full_name(self.first_name, self.last_name, self.suffix)

    @property
    def box_name(self) -> str:
        return box_name(self.first_name, self.last_name, self.suffix)


@dataclass(frozen=True)
class Universe:
    """Every player; ``talent[i]`` = (offense, defense, shooting, finishing, playmaking,
    physical, goaltending) standard-normal base talents of player index ``i``."""

    players: tuple[Player, ...]
    talent: np.ndarray  # float64 [n_players, 7]
    base_f: np.ndarray  # int [32, N_F] player index per team (TEAMS order)
    base_d: np.ndarray  # int [32, N_D]
    base_g: np.ndarray  # int [32, N_G], -1 = no third goalie
    fa_skaters: np.ndarray  # int [FA_SKATERS]
    fa_goalies: np.ndarray  # int [FA_GOALIES]
    index: dict[int, int] = field(repr=False, compare=False, default_factory=dict)

    def by_id(self, player_id: int) -> Player:
        return self.players[self.index[player_id]]


@dataclass(frozen=True)
class Trade:
    """``player_a`` (of ``team_a``) and ``player_b`` (of ``team_b``) swap after ``date``."""

    date: dt.date  # last ET date the players dress for their old teams
    team_a: str
    player_a: int  # universe index
    team_b: str
    player_b: int


@dataclass(frozen=True)
class SeasonRoster:
    """Opening-night rosters of the selected teams (``teams`` order) plus the season's trades."""

    season: int
    teams: tuple[str, ...]
    forwards: np.ndarray  # int [T, N_F]
    defense: np.ndarray  # int [T, N_D]
    goalies: np.ndarray  # int [T, N_G], -1 = empty slot
    trades: tuple[Trade, ...]
    numbers: dict[tuple[int, str], int]  # (universe index, team) → sweater number


def build_universe(seed: int) -> Universe:
    """All players of the seed's league (32 teams + a free-agent pool)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1,)))
    n_teams = len(TEAMS)
    n_sk = n_teams * (N_F + N_D) + FA_SKATERS
    n_g = n_teams * N_G + FA_GOALIES
    reserved = {(nfc(a[2]), nfc(a[3])) for a in ACCENTED}
    names = draw_names(rng, n_sk + n_g + len(reserved), goalies=False)
    names = [n for n in names if (n[0], n[1]) not in reserved][:n_sk]
    goalie_names = draw_names(rng, n_g + 200, goalies=True)
    taken = {(n[0], n[1]) for n in names} | reserved
    goalie_names = [n for n in goalie_names if (n[0], n[1]) not in taken][:n_g]
    first = [n[0] for n in names + goalie_names]
    last = [n[1] for n in names + goalie_names]
    nation = [n[2] for n in names + goalie_names]
    suffix = [""] * len(first)

    # team skater i of team t is universe index t*(N_F+N_D)+i (F first, then D)
    def sk(team: str, i: int) -> int:
        return [t.abbrev for t in TEAMS].index(team) * (N_F + N_D) + i

    for team, i, fname, lname, nat in ACCENTED:
        first[sk(team, i)], last[sk(team, i)], nation[sk(team, i)] = nfc(fname), nfc(lname), nat
    for team_a, i, team_b, j in DUPLICATE_NAMES:
        first[sk(team_b, j)], last[sk(team_b, j)] = first[sk(team_a, i)], last[sk(team_a, i)]
        nation[sk(team_b, j)] = nation[sk(team_a, i)]
    for team, i, sfx in SUFFIXES:
        suffix[sk(team, i)] = sfx

    n = len(first)
    positions = [
        F_POSITIONS[i % (N_F + N_D)] if i % (N_F + N_D) < N_F else "D"
        for i in range(n_teams * (N_F + N_D))
    ]
    positions += [
        F_POSITIONS[int(k)] if k < N_F else "D" for k in rng.integers(0, N_F + N_D, FA_SKATERS)
    ]
    positions += ["G"] * n_g
    ages = np.clip(np.round(rng.triangular(19, 26, 38, n)), 19, 38).astype(int)
    ages[n_sk - FA_SKATERS : n_sk] = np.clip(ages[n_sk - FA_SKATERS : n_sk] - 4, 19, 34)
    day_of_year = rng.integers(0, 365, n)
    births = [
        dt.date(2024 - int(a), 1, 1) + dt.timedelta(days=int(d))
        for a, d in zip(ages, day_of_year, strict=True)
    ]
    heights = (
        rng.integers(69, 78, n) + (np.array(positions) == "D") + 2 * (np.array(positions) == "G")
    )
    weights = np.round(heights * 2.7 + rng.normal(0, 8, n)).astype(int)
    shoots = np.where(rng.random(n) < 0.62, "L", "R")
    # older players debuted earlier and hold lower ids, as in the NHL
    ids = np.sort(rng.choice(np.arange(8_400_000, 8_500_000), size=n, replace=False))
    order = sorted(range(n), key=lambda i: (births[i], i))
    player_id = np.empty(n, dtype=np.int64)
    player_id[order] = ids
    players = tuple(
        Player(
            int(player_id[i]),
            first[i],
            last[i],
            suffix[i],
            positions[i],
            nation[i],
            births[i],
            str(shoots[i]),
            int(heights[i]),
            int(weights[i]),
        )
        for i in range(n)
    )
    team_block = np.arange(n_teams)[:, None] * (N_F + N_D)
    base_g = n_sk + np.arange(n_teams)[:, None] * N_G + np.arange(N_G)[None, :]
    base_g[rng.random(n_teams) < 0.6, 2] = -1  # most teams carry two goalies
    return Universe(
        players=players,
        talent=rng.standard_normal((n, 7)),
        base_f=team_block + np.arange(N_F)[None, :],
        base_d=team_block + N_F + np.arange(N_D)[None, :],
        base_g=base_g,
        fa_skaters=np.arange(n_sk - FA_SKATERS, n_sk),
        fa_goalies=np.arange(n_sk + n_teams * N_G, n),
        index={p.player_id: i for i, p in enumerate(players)},
    )


def season_roster(
    universe: Universe,
    seed: int,
    season: int,
    teams: tuple[str, ...],
    season_dates: tuple[dt.date, dt.date],
    *,
    with_trades: bool,
) -> SeasonRoster:
    """Opening-night rosters for ``season`` and, if ``with_trades``, a few mid-season trades."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2, season)))
    all_abbrevs = [t.abbrev for t in TEAMS]
    fwd, dfn, gol = universe.base_f.copy(), universe.base_d.copy(), universe.base_g.copy()
    # two depth skaters per team are replaced by free agents (keyed by season, league-wide);
    # the players carrying planted name quirks always stay
    planted = {(t, i) for t, i, *_ in (*ACCENTED, *SUFFIXES)}
    planted |= {(d[0], d[1]) for d in DUPLICATE_NAMES} | {(d[2], d[3]) for d in DUPLICATE_NAMES}
    free = [int(i) for i in rng.permutation(universe.fa_skaters)]
    for t, team in enumerate(all_abbrevs):
        slots = [s for s in range(6, N_F + N_D) if (team, s) not in planted]
        for slot in rng.choice(slots, size=2, replace=False):
            current = int(fwd[t, slot]) if slot < N_F else int(dfn[t, slot - N_F])
            want = universe.players[current].position
            pick = next(k for k, i in enumerate(free) if universe.players[i].position == want)
            if slot < N_F:
                fwd[t, slot] = free.pop(pick)
            else:
                dfn[t, slot - N_F] = free.pop(pick)
    # one team in four swaps its backup goalie
    for team_no, goalie in zip(
        np.flatnonzero(rng.random(len(TEAMS)) < 0.25),
        rng.permutation(universe.fa_goalies),
        strict=False,
    ):
        gol[team_no, 1] = goalie
    numbers: dict[tuple[int, str], int] = {}
    for t, team in enumerate(all_abbrevs):  # the whole league, so subsets agree with it
        members = [*fwd[t], *dfn[t], *(g for g in gol[t] if g >= 0)]
        picks = rng.choice(np.arange(2, 99), len(members), replace=False)
        numbers.update({(int(i), team): int(num) for i, num in zip(members, picks, strict=True)})
    sel = np.array([all_abbrevs.index(a) for a in teams])
    fwd, dfn, gol = fwd[sel], dfn[sel], gol[sel]
    numbers = {k: v for k, v in numbers.items() if k[1] in teams}
    trades: list[Trade] = []
    if with_trades and len(teams) >= 2:
        start, end = season_dates
        span = (end - start).days
        order = rng.permutation(len(teams))
        n_trades = max(1, len(teams) // 5)
        for k in range(min(n_trades, len(teams) // 2)):
            a, b = int(order[2 * k]), int(order[2 * k + 1])
            group = fwd if k % 2 == 0 else dfn
            lo, hi = (3, 11) if group is fwd else (2, 6)
            ia, ib = int(rng.integers(lo, hi)), int(rng.integers(lo, hi))
            day = start + dt.timedelta(days=int(span * rng.uniform(0.35, 0.65)))
            trades.append(Trade(day, teams[a], int(group[a, ia]), teams[b], int(group[b, ib])))
            for player, new_team in ((int(group[a, ia]), teams[b]), (int(group[b, ib]), teams[a])):
                taken = {num for (_, tm), num in numbers.items() if tm == new_team}
                wish = numbers[(player, teams[a] if new_team == teams[b] else teams[b])]
                numbers[(player, new_team)] = (
                    wish if wish not in taken else min(set(range(2, 99)) - taken)
                )
    return SeasonRoster(season, teams, fwd, dfn, gol, tuple(trades), numbers)


__all__ = [
    "N_D",
    "N_F",
    "N_G",
    "Player",
    "SeasonRoster",
    "Trade",
    "Universe",
    "build_universe",
    "season_roster",
]
