"""Who dresses: per game and side, 12 forwards + 6 defence + a starting and a backup goalie.

Arrays are ``[G, 2, …]`` with side 0 = home, 1 = away. Trades apply from the day after the
trade date. One forward and one defenceman per team-game are scratched, usually the weakest
(by deployment weight), sometimes anyone (a "maintenance day"). The number-one goalie starts
about two games in three, the backup most second halves of back-to-backs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from propledger.sample.players import N_D, N_F, SeasonRoster
from propledger.sample.rates import SeasonRates
from propledger.sample.schedule import Schedule

N_SLOTS = (N_F - 1) + (N_D - 1)  # 18 dressed skaters
N_FWD = N_F - 1


@dataclass(frozen=True)
class Lineups:
    team: np.ndarray  # int [G, 2] index into schedule.teams
    skaters: np.ndarray  # int [G, 2, 18] universe index; slots 0–11 forwards, 12–17 defence
    starter: np.ndarray  # int [G, 2] universe index of the starting goalie
    backup: np.ndarray  # int [G, 2] the dressed backup (listed with 00:00 in box scores)
    back_to_back: np.ndarray  # bool [G, 2] the team also played the previous ET day


def _gumbel_argmax(rng: np.random.Generator, log_w: np.ndarray) -> np.ndarray:
    best: np.ndarray = np.argmax(log_w + rng.gumbel(size=log_w.shape), axis=-1)
    return best


def _scratch(rng: np.random.Generator, roster: np.ndarray, ev_w: np.ndarray) -> np.ndarray:
    """Drop one player per row of ``roster [G, 2, n]``, weakest most often."""
    w = ev_w[roster]
    odds = (w.mean(axis=-1, keepdims=True) / w) ** 4 + 0.15
    out = _gumbel_argmax(rng, np.log(odds))
    keep = np.ones(roster.shape, dtype=bool)
    np.put_along_axis(keep, out[..., None], False, axis=-1)
    return roster[keep].reshape(*roster.shape[:-1], roster.shape[-1] - 1)


def back_to_back(sched: Schedule) -> np.ndarray:
    """``[G, 2]`` True where the side's team played on the previous ET date."""
    n = len(sched)
    team = np.stack([sched.home, sched.away], axis=1).ravel()
    day = np.repeat(sched.date.astype(np.int64), 2)
    order = np.lexsort((day, team))
    prev_same = np.r_[False, team[order][1:] == team[order][:-1]]
    gap = np.r_[0, np.diff(day[order])]
    flag = np.zeros(2 * n, dtype=bool)
    flag[order] = prev_same & (gap == 1)
    return flag.reshape(n, 2)


def build_lineups(
    rng: np.random.Generator, sched: Schedule, roster: SeasonRoster, rates: SeasonRates
) -> Lineups:
    team = np.stack([sched.home, sched.away], axis=1)
    fwd, dfn, gol = roster.forwards[team], roster.defense[team], roster.goalies[team]
    days = sched.date[:, None]
    for trade in roster.trades:
        after = days > np.datetime64(trade.date)
        a = roster.teams.index(trade.team_a)
        b = roster.teams.index(trade.team_b)
        for arr in (fwd, dfn):
            moved_a = (team == a)[..., None] & after[..., None] & (arr == trade.player_a)
            moved_b = (team == b)[..., None] & after[..., None] & (arr == trade.player_b)
            arr[moved_a] = trade.player_b
            arr[moved_b] = trade.player_a
    ev_w = rates.skater["ev_w"]
    skaters = np.concatenate([_scratch(rng, fwd, ev_w), _scratch(rng, dfn, ev_w)], axis=-1)
    b2b = back_to_back(sched)
    has_third = gol[..., 2] >= 0
    p = np.where(b2b[..., None], [0.2, 0.75, 0.05], [0.66, 0.31, 0.03])
    p = np.where(has_third[..., None], p, p * [1.0, 1.0, 0.0])
    slot = _gumbel_argmax(rng, np.log(np.maximum(p, 1e-300)))
    starter = np.take_along_axis(gol, slot[..., None], axis=-1)[..., 0]
    backup = np.where(slot == 0, gol[..., 1], gol[..., 0])
    return Lineups(team, skaters, starter, backup, b2b)


__all__ = ["N_FWD", "N_SLOTS", "Lineups", "back_to_back", "build_lineups"]
