"""Simulate a season at the level of shot attempts, vectorised with numpy.

For every game the strength timeline is drawn first (seconds at 5on5, each side's power play,
other strengths; overtime is 3-on-3 time under ``other``). Each dressed skater gets an
inclusion probability per situation (his share of the team's skater slots, proportional to
his deployment weight), hence his ice time. Attempts per team and situation are Poisson with
rate Σ on-ice shares × individual rates × team/opponent factors. Each attempt then gets
concrete on-ice sets for both teams (random-order systematic sampling, so inclusion is exactly
the player's share), a shooter, an outcome (on goal / missed / blocked by an opponent on ice),
an xG value, a goal draw against the opposing starter, and up to two assisters among the
shooter's teammates on the ice. Tied games go to sudden-death overtime and then a shootout
(shootout goals count in the score only, as in the NHL). Everything MoneyPuck and the box
score report is aggregated from these events, so totals agree by construction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from propledger.sample.lineups import N_FWD, N_SLOTS, Lineups
from propledger.sample.rates import (
    ON_ICE_D,
    ON_ICE_F,
    SITUATION_ATTEMPTS,
    SITUATION_XG,
    SeasonRates,
)
from propledger.sample.schedule import Schedule

MIRROR = np.array([0, 2, 1, 3])  # a situation seen from the other bench
ASSIST_P = np.array([0.07, 0.25, 0.68])  # P(0, 1, 2 assists) on a goal
OT_SECONDS = 300
DANGER_EDGES = (0.08, 0.2)  # xG thresholds between low, medium and high danger


@dataclass(frozen=True)
class Events:
    """One row per shot attempt."""

    game: np.ndarray
    side: np.ndarray
    sit: np.ndarray
    shooter: np.ndarray  # slot
    own_on: np.ndarray  # bool [E, 18]
    opp_on: np.ndarray  # bool [E, 18]
    outcome: np.ndarray  # 0 on goal, 1 missed, 2 blocked
    blocker: np.ndarray  # opponent slot, -1 unless blocked
    xg: np.ndarray  # 0 for blocked attempts (MoneyPuck scores unblocked attempts only)
    x_on_goal: np.ndarray  # P(on goal | unblocked), 0 for blocked
    goal: np.ndarray  # bool
    assist1: np.ndarray  # slot or -1
    assist2: np.ndarray


@dataclass(frozen=True)
class SeasonSim:
    lineups: Lineups
    seconds: np.ndarray  # int [G, 2, 4] situation seconds from each side's view, OT included
    share: np.ndarray  # float [G, 2, 18, 4] inclusion probability (share of the situation)
    events: Events
    score: np.ndarray  # int [G, 2] final score, shootout winner included
    last_period: np.ndarray  # str [G] REG / OT / SO
    expected_attempts: np.ndarray  # float [G, 2, 18, 4] pre-dice expectation (the truth)
    expected_xg: np.ndarray  # float [G, 2, 18, 4]


def _strengths(rng: np.random.Generator, sched: Schedule, rates: SeasonRates) -> np.ndarray:
    """Regulation seconds ``[G, 2, 4]`` (5on5, own PP, own PK, other) from each side's view."""
    n = len(sched)
    pen_against = np.stack([rates.team_pen[sched.away], rates.team_pen[sched.home]], axis=1)
    n_pp = rng.poisson(3.0 * pen_against)  # power plays of (home, away)
    pp = np.minimum(rng.gamma(np.maximum(4.0 * n_pp, 1e-9), 24.0) * (n_pp > 0), 700.0)
    other = np.minimum(rng.gamma(2.0, 40.0, n), 400.0)
    pp, other = np.round(pp).astype(np.int64), np.round(other).astype(np.int64)
    even = 3600 - pp.sum(axis=1) - other
    home = np.stack([even, pp[:, 0], pp[:, 1], other], axis=1)
    return np.stack([home, home[:, MIRROR]], axis=1)


def _shares(rng: np.random.Generator, lu: Lineups, rates: SeasonRates) -> np.ndarray:
    """Inclusion probability ``[G, 2, 18, 4]``: forwards sum to ON_ICE_F, defence to ON_ICE_D."""
    w = np.stack([rates.skater[k][lu.skaters] for k in ("ev_w", "pp_w", "pk_w", "ot_w")], axis=-1)
    w = w * np.exp(rng.normal(0.0, 0.1, w.shape))
    out = np.empty_like(w)
    for sl, k in ((slice(0, N_FWD), ON_ICE_F), (slice(N_FWD, N_SLOTS), ON_ICE_D)):
        p = w[:, :, sl, :]
        for _ in range(8):  # cap at 0.97 and hand the excess to the others
            p = k * p / p.sum(axis=2, keepdims=True)
            capped = p >= 0.97
            if not capped.any():
                break
            free = np.where(capped, 0.0, p)
            excess = k - 0.97 * capped.sum(axis=2, keepdims=True)
            p = np.where(capped, 0.97, free * excess / free.sum(axis=2, keepdims=True))
        out[:, :, sl, :] = k * p / p.sum(axis=2, keepdims=True)
    return out


def _on_ice(rng: np.random.Generator, p: np.ndarray) -> np.ndarray:
    """Random-order systematic sampling: row ``e`` includes slot ``i`` w.p. ``p[e, i]``."""
    e, n = p.shape
    perm = np.argsort(rng.random((e, n)), axis=1)
    cum = np.cumsum(np.take_along_axis(p, perm, axis=1), axis=1)
    u = rng.random((e, 1))
    prev = np.concatenate([np.zeros((e, 1)), cum[:, :-1]], axis=1)
    hit = (np.floor(cum - u) - np.floor(prev - u)) > 0.5
    out = np.zeros_like(hit)
    np.put_along_axis(out, perm, hit, axis=1)
    return out


def _pick(rng: np.random.Generator, weights: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    keys = np.where(
        allowed, np.log(np.maximum(weights, 1e-12)) + rng.gumbel(size=weights.shape), -np.inf
    )
    best: np.ndarray = np.argmax(keys, axis=1)
    return best


def _attempts(
    rng: np.random.Generator,
    game: np.ndarray,
    side: np.ndarray,
    sit: np.ndarray,
    share: np.ndarray,
    slot_rates: dict[str, np.ndarray],
    save_mult: np.ndarray,
) -> Events:
    """Resolve one attempt per (game, side, situation) row."""
    e = len(game)
    own_p, opp_p = share[game, side, :, sit], share[game, 1 - side, :, MIRROR[sit]]
    own_on = np.concatenate(
        [_on_ice(rng, own_p[:, :N_FWD]), _on_ice(rng, own_p[:, N_FWD:])], axis=1
    )
    opp_on = np.concatenate(
        [_on_ice(rng, opp_p[:, :N_FWD]), _on_ice(rng, opp_p[:, N_FWD:])], axis=1
    )
    shooter = _pick(rng, slot_rates["att60"][game, side], own_on)
    through = slot_rates["through"][game, side, shooter]
    blocked_p = (1 - through) * slot_rates["block_share"][game, side, shooter]
    u = rng.random(e)
    outcome = np.where(u < through, 0, np.where(u < through + blocked_p, 2, 1))
    blocker = np.where(outcome == 2, _pick(rng, slot_rates["blk_w"][game, 1 - side], opp_on), -1)
    on_goal_given_unblocked = through / (1 - blocked_p)
    mean_x = slot_rates["xg_att"][game, side, shooter] * SITUATION_XG[sit] / (1 - blocked_p)
    xg = np.clip(mean_x * rng.gamma(1.5, 1 / 1.5, e), 0.003, 0.75).round(4)
    xg = np.where(outcome == 2, 0.0, xg)
    x_on_goal = np.where(outcome == 2, 0.0, on_goal_given_unblocked)
    p_goal = np.minimum(xg / on_goal_given_unblocked * save_mult[game, 1 - side], 0.95)
    goal = (outcome == 0) & (rng.random(e) < p_goal)
    mates = own_on.copy()
    mates[np.arange(e), shooter] = False
    n_ast = np.where(goal, rng.choice(3, size=e, p=ASSIST_P), 0)
    keys = np.where(
        mates, np.log(slot_rates["ast_w"][game, side]) + rng.gumbel(size=mates.shape), -np.inf
    )
    a1 = np.argmax(keys, axis=1)
    keys[np.arange(e), a1] = -np.inf
    a2 = np.argmax(keys, axis=1)
    return Events(
        game,
        side,
        sit,
        shooter,
        own_on,
        opp_on,
        outcome,
        blocker,
        xg,
        x_on_goal,
        goal,
        np.where(n_ast >= 1, a1, -1),
        np.where(n_ast >= 2, a2, -1),
    )


def _concat(parts: list[Events]) -> Events:
    return Events(
        *(np.concatenate([getattr(p, f) for p in parts]) for f in Events.__dataclass_fields__)
    )


def _subset(ev: Events, keep: np.ndarray) -> Events:
    return Events(*(getattr(ev, f)[keep] for f in Events.__dataclass_fields__))


def simulate_season(
    rng: np.random.Generator, sched: Schedule, lu: Lineups, rates: SeasonRates
) -> SeasonSim:
    """All events of a season plus the strength timeline, scores and expectations."""
    n = len(sched)
    seconds = _strengths(rng, sched, rates)
    share = _shares(rng, lu, rates)
    slot_rates = {
        k: rates.skater[k][lu.skaters]
        for k in ("att60", "through", "block_share", "xg_att", "ast_w", "blk_w")
    }
    save_mult = rates.goalie_save_mult[lu.starter]
    team_factor = rates.team_off[lu.team] * rates.team_def[lu.team[:, ::-1]]  # [G, 2]
    per_sec = share * slot_rates["att60"][..., None] * SITUATION_ATTEMPTS / 3600.0
    per_sec = per_sec * team_factor[..., None, None]  # attempts per second of situation
    lam = per_sec.sum(axis=2) * seconds  # [G, 2, 4]
    counts = rng.poisson(lam).ravel()
    cells = np.repeat(np.arange(n * 8), counts)
    reg = _attempts(rng, cells // 8, (cells // 4) % 2, cells % 4, share, slot_rates, save_mult)
    goals = np.bincount(reg.game * 2 + reg.side, weights=reg.goal, minlength=2 * n).reshape(n, 2)
    tied = np.flatnonzero(goals[:, 0] == goals[:, 1])
    # sudden-death 3-on-3: a livelier "other" strength for up to five minutes
    ot_counts = rng.poisson(
        1.4 * lam[tied, :, 3] / np.maximum(seconds[tied, :, 3], 1) * OT_SECONDS
    ).ravel()
    ot_cells = np.repeat(np.arange(len(tied) * 2), ot_counts)
    ot = _attempts(
        rng,
        tied[ot_cells // 2],
        ot_cells % 2,
        np.full(len(ot_cells), 3),
        share,
        slot_rates,
        save_mult,
    )
    when = rng.uniform(0, OT_SECONDS, len(ot.game))
    first_goal = np.full(n, float(OT_SECONDS))
    np.minimum.at(first_goal, ot.game[ot.goal], when[ot.goal])
    ot = _subset(ot, when <= first_goal[ot.game])
    ot_len = np.zeros(n, dtype=np.int64)
    ot_len[tied] = np.ceil(first_goal[tied]).astype(np.int64)
    seconds = seconds.copy()
    seconds[:, :, 3] += ot_len[:, None]
    events = _concat([reg, ot])
    score = np.bincount(events.game * 2 + events.side, weights=events.goal, minlength=2 * n)
    score = score.reshape(n, 2).astype(np.int64)
    last = np.full(n, "REG", dtype="<U3")
    ot_goal_games = np.unique(ot.game[ot.goal])
    last[ot_goal_games] = "OT"
    shootout = np.setdiff1d(tied, ot_goal_games)
    last[shootout] = "SO"
    score[shootout, rng.integers(0, 2, len(shootout))] += 1
    attempts_exp = per_sec * seconds[:, :, None, :]
    xg_exp = attempts_exp * slot_rates["xg_att"][..., None] * SITUATION_XG
    return SeasonSim(lu, seconds, share, events, score, last, attempts_exp, xg_exp)


__all__ = ["DANGER_EDGES", "MIRROR", "Events", "SeasonSim", "simulate_season"]
