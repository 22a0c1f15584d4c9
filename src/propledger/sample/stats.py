"""Aggregate simulated attempts into MoneyPuck-style stat arrays and per-game expectations.

Skater arrays are ``[G, 2, 18, 4]`` (game, side 0 home / 1 away, dressed slot, situation
5on5/5on4/4on5/other), goalie arrays ``[G, 2, 4]`` (the starter; situations from his team's
view). Keys are MoneyPuck column names; every array is additive over situations, so the
``all`` row is their sum. Counts are int64, xG-like values float64 rounded to 4 decimals.
Counting stats that the events do not determine (hits, faceoffs, penalties, shifts, zone
starts, rebounds) are drawn per player-game-situation from the latent per-60 rates.
"""

from __future__ import annotations

import numpy as np

from propledger.sample.lineups import N_SLOTS
from propledger.sample.players import Universe
from propledger.sample.rates import ON_ICE_D, ON_ICE_F, SeasonRates
from propledger.sample.simulate import DANGER_EDGES, MIRROR, SeasonSim

DANGER = ("low", "medium", "high")
SHIFT_SECONDS = np.array([46.0, 60.0, 42.0, 40.0])
ZONE_START_P = [0.13, 0.13, 0.12, 0.62]  # oZone, dZone, neutralZone, fly
GOALIE_OUTCOME_P = [0.07, 0.21, 0.06, 0.36, 0.30]
GOALIE_OUTCOMES = (
    "rebounds",
    "freeze",
    "playStopped",
    "playContinuedInZone",
    "playContinuedOutsideZone",
)
ASSISTS_PER_GOAL = 1.61  # E[number of assists], see simulate.ASSIST_P


def _bins(keys: np.ndarray, size: int, weights: np.ndarray | None = None) -> np.ndarray:
    out = np.bincount(keys, weights=weights, minlength=size)
    return out if weights is not None else out.astype(np.int64)


def skater_stats(
    sim: SeasonSim, rates: SeasonRates, universe: Universe, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """MoneyPuck skater columns (additive ones) as ``[G, 2, 18, 4]`` arrays."""
    ev = sim.events
    g_n = sim.seconds.shape[0]
    shape = (g_n, 2, N_SLOTS, 4)
    size = int(np.prod(shape))

    def key(game: np.ndarray, side: np.ndarray, slot: np.ndarray, sit: np.ndarray) -> np.ndarray:
        flat: np.ndarray = ((game * 2 + side) * N_SLOTS + slot) * 4 + sit
        return flat

    def count(k: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
        return _bins(k, size, w).reshape(shape)

    shot_key = key(ev.game, ev.side, ev.shooter, ev.sit)
    unblocked = ev.outcome != 2
    s: dict[str, np.ndarray] = {}
    s["icetime"] = np.round(sim.share * sim.seconds[:, :, None, :]).astype(np.int64)
    s["I_F_shotAttempts"] = count(shot_key)
    s["I_F_shotsOnGoal"] = count(shot_key[ev.outcome == 0])
    s["I_F_missedShots"] = count(shot_key[ev.outcome == 1])
    s["I_F_blockedShotAttempts"] = count(shot_key[ev.outcome == 2])
    s["I_F_unblockedShotAttempts"] = count(shot_key[unblocked])
    s["I_F_goals"] = count(shot_key[ev.goal])
    s["I_F_xGoals"] = count(shot_key, ev.xg).round(4)
    s["I_F_xOnGoal"] = count(shot_key, ev.x_on_goal).round(4)
    s["I_F_xRebounds"] = count(shot_key, 0.068 * unblocked).round(4)
    band = np.digitize(ev.xg, DANGER_EDGES)
    for b, name in enumerate(DANGER):
        sel = unblocked & (band == b)
        s[f"I_F_{name}DangerShots"] = count(shot_key[sel])
        s[f"I_F_{name}DangerxGoals"] = count(shot_key[sel], ev.xg[sel]).round(4)
        s[f"I_F_{name}DangerGoals"] = count(shot_key[sel & ev.goal])
    for col, slot in (("I_F_primaryAssists", ev.assist1), ("I_F_secondaryAssists", ev.assist2)):
        has = slot >= 0
        s[col] = count(key(ev.game[has], ev.side[has], slot[has], ev.sit[has]))
    s["I_F_points"] = s["I_F_goals"] + s["I_F_primaryAssists"] + s["I_F_secondaryAssists"]
    blk = ev.outcome == 2
    s["shotsBlockedByPlayer"] = count(
        key(ev.game[blk], 1 - ev.side[blk], ev.blocker[blk], MIRROR[ev.sit[blk]])
    )
    for prefix, on, side, sit in (
        ("OnIce_F_", ev.own_on, ev.side, ev.sit),
        ("OnIce_A_", ev.opp_on, 1 - ev.side, MIRROR[ev.sit]),
    ):
        rows, slots = np.nonzero(on)
        k = key(ev.game[rows], side[rows], slots, sit[rows])
        s[prefix + "shotAttempts"] = count(k)
        s[prefix + "unblockedShotAttempts"] = count(k, unblocked[rows]).astype(np.int64)
        s[prefix + "shotsOnGoal"] = count(k, ev.outcome[rows] == 0).astype(np.int64)
        s[prefix + "missedShots"] = count(k, ev.outcome[rows] == 1).astype(np.int64)
        s[prefix + "blockedShotAttempts"] = count(k, ev.outcome[rows] == 2).astype(np.int64)
        s[prefix + "goals"] = count(k, ev.goal[rows]).astype(np.int64)
        s[prefix + "xGoals"] = count(k, ev.xg[rows]).round(4)
    # team totals per (game, side, situation) give the off-ice columns
    team_key = (ev.game * 2 + ev.side) * 4 + ev.sit
    opp_key = (ev.game * 2 + 1 - ev.side) * 4 + MIRROR[ev.sit]
    for col, w in (("xGoals", ev.xg), ("shotAttempts", None)):
        for off, onice, cell in (
            ("OffIce_F_", "OnIce_F_", team_key),
            ("OffIce_A_", "OnIce_A_", opp_key),
        ):
            diff = _bins(cell, g_n * 8, w).reshape(g_n, 2, 1, 4) - s[onice + col]
            s[off + col] = diff.round(4) if w is not None else diff
    _filler(s, sim, rates, universe, rng)
    return s


def _filler(
    s: dict[str, np.ndarray],
    sim: SeasonSim,
    rates: SeasonRates,
    universe: Universe,
    rng: np.random.Generator,
) -> None:
    """Counting stats not driven by attempts, drawn from per-60 rates × ice time."""
    players = sim.lineups.skaters[..., None]
    hours = s["icetime"] / 3600.0
    r = rates.skater
    s["shifts"] = np.ceil(s["icetime"] / SHIFT_SECONDS).astype(np.int64)
    s["I_F_hits"] = rng.poisson(r["hits60"][players] * hours)
    s["I_F_takeaways"] = rng.poisson(r["take60"][players] * hours)
    s["I_F_giveaways"] = rng.poisson(r["give60"][players] * hours)
    s["I_F_dZoneGiveaways"] = rng.binomial(s["I_F_giveaways"], 0.35)
    centre = np.array([p.position == "C" for p in universe.players])[players]
    faceoffs = rng.poisson(np.where(centre, 57.0, 2.4) * hours)
    s["faceoffsWon"] = rng.binomial(faceoffs, r["fo_win"][players])
    s["faceoffsLost"] = faceoffs - s["faceoffsWon"]
    s["I_F_faceOffsWon"] = s["faceoffsWon"].copy()
    s["penalties"] = rng.poisson(r["pen60"][players] * hours)
    s["penalityMinutes"] = 2 * s["penalties"]
    s["I_F_penalityMinutes"] = s["penalityMinutes"].copy()
    s["penaltiesDrawn"] = rng.poisson(r["drawn60"][players] * hours)
    s["penalityMinutesDrawn"] = 2 * s["penaltiesDrawn"]
    zones = rng.multinomial(s["shifts"], ZONE_START_P)
    for i, name in enumerate(("oZone", "dZone", "neutralZone", "fly")):
        s[f"I_F_{name}ShiftStarts"] = zones[..., i]
    s["I_F_rebounds"] = rng.binomial(s["I_F_unblockedShotAttempts"], 0.07)
    s["I_F_reboundGoals"] = rng.binomial(np.minimum(s["I_F_goals"], s["I_F_rebounds"]), 0.4)


def goalie_stats(sim: SeasonSim, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """MoneyPuck goalie columns (additive ones) for each side's starter, ``[G, 2, 4]``."""
    ev = sim.events
    g_n = sim.seconds.shape[0]
    k = (ev.game * 2 + 1 - ev.side) * 4 + MIRROR[ev.sit]  # the goalie facing the attempt
    size = g_n * 8

    def count(sel: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
        return _bins(k[sel], size, None if w is None else w[sel]).reshape(g_n, 2, 4)

    unblocked = ev.outcome != 2
    every = np.ones(len(k), dtype=bool)
    s: dict[str, np.ndarray] = {"icetime": sim.seconds.astype(np.int64)}
    s["xGoals"] = count(every, ev.xg).round(4)
    s["flurryAdjustedxGoals"] = count(every, np.round(ev.xg * 0.97, 4)).round(4)
    s["goals"] = count(ev.goal)
    s["ongoal"] = count(ev.outcome == 0)
    s["xOnGoal"] = count(every, ev.x_on_goal).round(4)
    s["unblocked_shot_attempts"] = count(unblocked)
    s["blocked_shot_attempts"] = count(~unblocked)
    band = np.digitize(ev.xg, DANGER_EDGES)
    for b, name in enumerate(DANGER):
        sel = unblocked & (band == b)
        s[f"{name}DangerShots"] = count(sel)
        s[f"{name}DangerxGoals"] = count(sel, ev.xg).round(4)
        s[f"{name}DangerGoals"] = count(sel & ev.goal)
    outcomes = rng.multinomial(s["unblocked_shot_attempts"] - s["goals"], GOALIE_OUTCOME_P)
    expected = (s["unblocked_shot_attempts"][..., None] * np.array(GOALIE_OUTCOME_P) * 0.97).round(
        4
    )
    for i, name in enumerate(GOALIE_OUTCOMES):
        s[name] = outcomes[..., i]
        s["x" + name[0].upper() + name[1:]] = expected[..., i]
    s["penalties"] = rng.poisson(0.02 * s["icetime"] / 3600.0)
    s["penalityMinutes"] = 2 * s["penalties"]
    return s


def expectations(sim: SeasonSim, rates: SeasonRates) -> dict[str, np.ndarray]:
    """Pre-dice expected counts per player-game ``[G, 2, 18]`` given that game's lineup,
    ice time and opposing starter: the truth a model's μ estimates (approximate for assists
    and blocks, which depend on who else is on the ice)."""
    lu = sim.lineups
    r = rates.skater
    att = sim.expected_attempts  # [G, 2, 18, 4]
    players = lu.skaters[..., None]
    save = rates.goalie_save_mult[lu.starter][:, ::-1, None, None]  # the opposing starter
    goals = sim.expected_xg * save
    k = (ON_ICE_F + ON_ICE_D).astype(float)
    share = sim.share
    ast_w = r["ast_w"][players]
    mean_c = (share * ast_w).sum(axis=2, keepdims=True) / k
    team_goals = goals.sum(axis=2, keepdims=True)
    assists = (team_goals - goals) * share * ASSISTS_PER_GOAL * ast_w / ((k - share) * mean_c)
    miss = att * (1 - r["through"][players])
    opp_blocked = (miss * r["block_share"][players]).sum(axis=2)[:, ::-1][:, :, MIRROR]  # [G, 2, 4]
    blk = share * r["blk_w"][players]
    blocks = opp_blocked[:, :, None, :] * blk / blk.sum(axis=2, keepdims=True)
    return {
        "exp_toi_s": (share * sim.seconds[:, :, None, :]).sum(axis=-1),
        "exp_attempts": att.sum(axis=-1),
        "exp_sog": (att * r["through"][players]).sum(axis=-1),
        "exp_xg": sim.expected_xg.sum(axis=-1),
        "exp_goals": goals.sum(axis=-1),
        "exp_assists": assists.sum(axis=-1),
        "exp_points": (goals + assists).sum(axis=-1),
        "exp_blocks": blocks.sum(axis=-1),
    }


__all__ = ["DANGER", "expectations", "goalie_stats", "skater_stats"]
