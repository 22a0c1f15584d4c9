"""A regular-season schedule: matchups, dates, ET start times, chronological game ids.

Matchups are circulant: with teams in division order, offset ``k`` makes every team host the
team ``k`` places after it, so each offset gives every team one home and one away game. The
first ``games_per_team / 2`` offsets of 1, 2, …, n−1, 1, 2, … therefore give exactly
``games_per_team`` games per team, half at home, and (for 32 teams and 82 games) every pair
twice plus ten extra regional games per team: 1312 games.

Dates are assigned greedily day by day from early October (Tuesday, Thursday and Saturday
nights are busiest, Dec 24–26 are off, nobody plays three days running, back-to-backs happen),
favouring the teams with the most games left per day left. Start times are the usual local
evening slots expressed in ET (7:00 or 7:30 PM in the East, 8:00 PM Central, 9:00 PM Mountain,
10:00 PM Pacific) plus weekend matinees; they are stored in UTC.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from propledger.clock import et_to_utc
from propledger.errors import ConfigError
from propledger.sample.teams import BY_ABBREV

#: relative number of games by weekday (Mon … Sun), after the real league's pattern
WEEKDAY_LOAD = np.array([0.55, 1.35, 0.8, 1.35, 0.75, 1.6, 0.9])
FULL_SEASON_DAYS = 191  # first game day → nominal last game day (mid-April)
BREAK_DAYS = ((12, 24), (12, 25), (12, 26))

_EVENING = {  # venue tz → (ET start times, probabilities)
    "East": ((dt.time(19, 0), dt.time(19, 30)), (0.6, 0.4)),
    "Central": ((dt.time(20, 0), dt.time(20, 30)), (0.85, 0.15)),
    "Mountain": ((dt.time(21, 0), dt.time(21, 30)), (0.85, 0.15)),
    "Pacific": ((dt.time(22, 0), dt.time(22, 30)), (0.85, 0.15)),
}
_MATINEE = {
    "East": ((dt.time(12, 30), dt.time(13, 0), dt.time(15, 0)), (0.2, 0.5, 0.3)),
    "Central": ((dt.time(13, 0), dt.time(15, 0)), (0.5, 0.5)),
    "Mountain": ((dt.time(15, 0),), (1.0,)),
    "Pacific": ((dt.time(16, 0),), (1.0,)),
}
_REGION = {
    "America/New_York": "East",
    "America/Toronto": "East",
    "America/Detroit": "East",
    "America/Montreal": "East",
    "America/Chicago": "Central",
    "America/Winnipeg": "Central",
    "America/Denver": "Mountain",
    "America/Edmonton": "Mountain",
    "America/Los_Angeles": "Pacific",
    "America/Vancouver": "Pacific",
}


@dataclass(frozen=True)
class Schedule:
    """One season's games sorted by start; ``home``/``away`` index into ``teams``."""

    season: int
    teams: tuple[str, ...]
    game_id: np.ndarray  # int64 [G], {season}02{NNNN}
    date: np.ndarray  # datetime64[D] [G], America/New_York calendar date (= venue date)
    start_utc: np.ndarray  # datetime64[s] [G], scheduled puck drop in UTC
    home: np.ndarray  # int64 [G]
    away: np.ndarray  # int64 [G]

    @property
    def first_date(self) -> dt.date:
        return _to_date(self.date[0])

    @property
    def last_date(self) -> dt.date:
        return _to_date(self.date[-1])

    def __len__(self) -> int:
        return len(self.game_id)


def _to_date(value: np.datetime64) -> dt.date:
    return dt.date.fromisoformat(str(value.astype("datetime64[D]")))


def season_start(season: int) -> dt.date:
    """Opening night: the first Tuesday on or after October 7 (2024 → Oct 8, 2025 → Oct 7)."""
    day = dt.date(season, 10, 7)
    return day + dt.timedelta(days=(1 - day.weekday()) % 7)


def season_window(season: int, games_per_team: int) -> tuple[dt.date, dt.date]:
    """Nominal first and last game day; shorter seasons get a proportionally shorter window."""
    start = season_start(season)
    days = max(math.ceil(games_per_team * 2.2), round(FULL_SEASON_DAYS * games_per_team / 82))
    return start, start + dt.timedelta(days=days)


def check_games_per_team(games_per_team: int) -> int:
    if games_per_team < 2 or games_per_team % 2 or games_per_team > 200:
        raise ConfigError(
            f"--games-per-team {games_per_team}: use an even number from 2 to 200 (82 in the NHL)"
        )
    return games_per_team


def matchups(n_teams: int, games_per_team: int) -> np.ndarray:
    """``[n_teams * games_per_team / 2, 2]`` (home, away) team indices, circulant offsets."""
    check_games_per_team(games_per_team)
    offsets = [1 + (k % (n_teams - 1)) for k in range(games_per_team // 2)]
    teams = np.arange(n_teams)
    return np.concatenate([np.stack([teams, (teams + k) % n_teams], axis=1) for k in offsets])


def _assign_dates(
    rng: np.random.Generator, pairs: np.ndarray, n_teams: int, start: dt.date, end: dt.date
) -> np.ndarray:
    """Day number (0 = ``start``) of each game; greedy, extended past ``end`` if needed."""
    n_games = len(pairs)
    day_of = np.full(n_games, -1)
    remaining = np.bincount(pairs.ravel(), minlength=n_teams).astype(float)
    last_played = np.full(n_teams, -10)
    prev_played = np.full(n_teams, -10)
    jitter = rng.random(n_games)
    open_games = np.arange(n_games)
    total_days = (end - start).days + 1
    day = 0
    while len(open_games):
        date = start + dt.timedelta(days=day)
        if (date.month, date.day) in BREAK_DAYS:
            day += 1
            continue
        days_left = max(1, total_days - day)
        future = [start + dt.timedelta(days=d) for d in range(day, day + days_left)]
        load = np.array(
            [0.0 if (d.month, d.day) in BREAK_DAYS else WEEKDAY_LOAD[d.weekday()] for d in future]
        )
        expect = len(open_games) * load[0] / max(load.sum(), 1e-9)
        target = min(n_teams // 2, int(expect) + int(rng.random() < expect - int(expect)))
        if day == 0:
            target = max(1, min(target, max(2, n_teams // 8)))  # a light opening night
        urgency = remaining / days_left
        h, a = pairs[open_games, 0], pairs[open_games, 1]
        # urgency alone yields ~15 back-to-backs per team, as in the real league
        priority = urgency[h] + urgency[a] + 0.25 * jitter[open_games]
        busy = np.zeros(n_teams, dtype=bool)
        busy |= (last_played == day - 1) & (prev_played == day - 2)  # never three in a row
        chosen: list[int] = []
        for pos in np.argsort(-priority, kind="stable"):
            if len(chosen) >= target:
                break
            hh, aa = int(h[pos]), int(a[pos])
            if busy[hh] or busy[aa]:
                continue
            busy[hh] = busy[aa] = True
            chosen.append(int(pos))
        for pos in chosen:
            g = int(open_games[pos])
            day_of[g] = day
            for team in pairs[g]:
                prev_played[team], last_played[team] = last_played[team], day
                remaining[team] -= 1
        open_games = np.delete(open_games, chosen)
        day += 1
    return day_of


def _start_time(rng: np.random.Generator, date: dt.date, home: str) -> dt.time:
    region = _REGION[BY_ABBREV[home].venue_tz]
    if date.weekday() >= 5 and rng.random() < 0.22:
        times, probs = _MATINEE[region]
    else:
        times, probs = _EVENING[region]
    return times[int(rng.choice(len(times), p=probs))]


def build_schedule(seed: int, season: int, teams: tuple[str, ...], games_per_team: int) -> Schedule:
    """The season's games; deterministic for (seed, season, teams, games_per_team)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(4, season)))
    pairs = matchups(len(teams), games_per_team)
    pairs = pairs[rng.permutation(len(pairs))]
    start, end = season_window(season, games_per_team)
    day_of = _assign_dates(rng, pairs, len(teams), start, end)
    dates = [start + dt.timedelta(days=int(d)) for d in day_of]
    starts = [
        et_to_utc(d, _start_time(rng, d, teams[int(h)]))
        for d, h in zip(dates, pairs[:, 0], strict=True)
    ]
    start_utc = np.array([s.replace(tzinfo=None) for s in starts], dtype="datetime64[s]")
    home_ids = np.array([BY_ABBREV[teams[int(h)]].nhl_id for h in pairs[:, 0]])
    order = np.lexsort((home_ids, start_utc))
    n = len(pairs)
    return Schedule(
        season=season,
        teams=teams,
        game_id=season * 1_000_000 + 20_000 + np.arange(1, n + 1, dtype=np.int64),
        date=np.array(dates, dtype="datetime64[D]")[order],
        start_utc=start_utc[order],
        home=pairs[order, 0].astype(np.int64),
        away=pairs[order, 1].astype(np.int64),
    )


__all__ = [
    "Schedule",
    "build_schedule",
    "check_games_per_team",
    "matchups",
    "season_start",
    "season_window",
]
