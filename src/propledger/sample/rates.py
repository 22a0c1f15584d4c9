"""Latent per-season rates of players, goalies and teams (the generator's ground truth).

Every rate is a deterministic function of (seed, season, base talent): a player's talents
drift a little from season to season. Units:

- ``ev_w``, ``pp_w``, ``pk_w``, ``ot_w``: relative deployment weights at 5on5, own power play
  (5on4), own penalty kill (4on5) and other strengths; a dressed player's share of his
  team's skater seconds in a situation is proportional to his weight (capped, see simulate).
- ``att60``: individual shot attempts (Corsi) per 60 minutes at 5on5; other situations
  multiply it by :data:`SITUATION_ATTEMPTS`.
- ``through``: probability that an attempt is on goal (SOG / attempts).
- ``block_share``: probability that an attempt that is not on goal was blocked (else missed).
- ``xg_att``: expected goals per shot attempt at 5on5 (all attempts, blocked included).
- ``ast_w``: relative weight of being credited an assist on a teammate's goal while on ice.
- ``blk_w``: relative weight of being the blocker of an opponent attempt while on ice.
- ``hits60``, ``give60``, ``take60``, ``pen60``, ``drawn60``: per 60 minutes, all situations.
- ``fo_win``: faceoff win probability (centres take faceoffs).
- goalie ``save_mult``: multiplies every goal probability he faces (< 1 = better than xG).
- team ``off``, ``def_``: multiply the team's attempt rate for / against; ``pen``: its
  penalties drawn by the opponent (power-play opportunities against).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from propledger.sample.players import N_D, N_F, SeasonRoster, Universe
from propledger.sample.teams import TEAMS

SITUATIONS = ("5on5", "5on4", "4on5", "other")
#: attempt-rate multipliers by situation (power play shoots far more, penalty kill far less)
SITUATION_ATTEMPTS = np.array([1.0, 2.0, 0.35, 1.15])
#: expected-goal multipliers per attempt by situation
SITUATION_XG = np.array([1.0, 1.35, 0.9, 1.15])
#: skaters on ice (forwards, defense) by situation, from the team's own perspective
ON_ICE_F = np.array([3, 4, 2, 2])
ON_ICE_D = np.array([2, 1, 2, 2])

_F_LINE_W = np.array([1.3] * 3 + [1.12] * 3 + [0.95] * 3 + [0.78] * 3 + [0.7])
_D_PAIR_W = np.array([1.25, 1.25, 1.0, 1.0, 0.82, 0.82, 0.7])


@dataclass(frozen=True)
class SeasonRates:
    """Arrays indexed by universe player index (rates of non-members are unused)."""

    season: int
    skater: dict[str, np.ndarray]  # name → float64 [n_players]
    goalie_save_mult: np.ndarray  # float64 [n_players]
    team_off: np.ndarray  # float64 [T] in roster.teams order
    team_def: np.ndarray
    team_pen: np.ndarray


def _rank_weights(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Assign ``weights`` (best first) along rows of ``values`` by descending value."""
    order = np.argsort(-values, axis=1, kind="stable")
    out = np.empty_like(values)
    np.put_along_axis(out, order, np.broadcast_to(weights, values.shape), axis=1)
    return out


def season_rates(universe: Universe, roster: SeasonRoster, seed: int) -> SeasonRates:
    """Latent rates of ``roster.season``; deployment follows the opening-night depth chart."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(3, roster.season)))
    n = len(universe.players)
    tal = universe.talent + rng.normal(0.0, 0.25, universe.talent.shape)  # season drift
    off, dfn, sho, fin, pla, phy, gk = (tal[:, k] for k in range(7))
    is_d = np.array([p.position == "D" for p in universe.players])
    is_c = np.array([p.position == "C" for p in universe.players])
    r: dict[str, np.ndarray] = {}
    r["att60"] = np.where(is_d, 8.5, 12.5) * np.exp(0.18 * sho + 0.1 * off)
    r["through"] = np.clip(np.where(is_d, 0.43, 0.52) + 0.03 * rng.standard_normal(n), 0.3, 0.68)
    r["block_share"] = np.where(is_d, 0.6, 0.45)
    r["xg_att"] = np.where(is_d, 0.024, 0.053) * np.exp(0.15 * fin + 0.06 * off)
    r["ast_w"] = np.where(is_d, 0.8, 1.0) * np.exp(0.35 * pla + 0.2 * off)
    r["blk_w"] = np.where(is_d, 2.6, 0.9) * np.exp(0.2 * dfn)
    r["hits60"] = np.where(is_d, 4.5, 5.5) * np.exp(0.45 * phy)
    r["give60"] = 1.8 * np.exp(0.2 * rng.standard_normal(n))
    r["take60"] = 1.5 * np.exp(0.2 * off)
    r["pen60"] = 0.65 * np.exp(0.3 * phy)
    r["drawn60"] = 0.65 * np.exp(0.2 * off)
    r["fo_win"] = np.where(is_c, np.clip(0.5 + 0.035 * rng.standard_normal(n), 0.38, 0.62), 0.4)
    dep_noise = np.exp(rng.normal(0, 0.05, n))
    league = np.exp(rng.normal(0, 1, (3, len(TEAMS))) * np.array([[0.06], [0.06], [0.1]]))
    for name in ("ev_w", "pp_w", "pk_w", "ot_w"):
        r[name] = np.zeros(n)
    # deployment from the depth chart: lines by overall quality, units by offence / defence
    overall = off + 0.4 * dfn
    for group, line_w, pp_w, pk_w in (
        (
            roster.forwards,
            _F_LINE_W,
            np.array([2.2] * 4 + [1.0] * 4 + [0.05] * (N_F - 8)),
            np.array([1.6] * 4 + [0.6] * 2 + [0.1] * (N_F - 6)),
        ),
        (
            roster.defense,
            _D_PAIR_W,
            np.array([2.2, 1.0] + [0.05] * (N_D - 2)),
            np.array([1.4] * 4 + [0.25] * (N_D - 4)),
        ),
    ):
        ev = _rank_weights(overall[group], line_w) * dep_noise[group]
        r["ev_w"][group] = ev
        r["pp_w"][group] = _rank_weights(off[group], pp_w)
        r["pk_w"][group] = _rank_weights(dfn[group], pk_w)
        r["ot_w"][group] = ev**1.5
    # team factors are drawn for the whole league, then selected, so subsets agree with it
    sel = np.array([[t.abbrev for t in TEAMS].index(a) for a in roster.teams])
    league = league[:, sel]
    return SeasonRates(
        season=roster.season,
        skater=r,
        goalie_save_mult=np.clip(np.exp(-0.06 * gk), 0.85, 1.15),
        team_off=league[0],
        team_def=league[1],
        team_pen=league[2],
    )


__all__ = [
    "ON_ICE_D",
    "ON_ICE_F",
    "SITUATIONS",
    "SITUATION_ATTEMPTS",
    "SITUATION_XG",
    "SeasonRates",
    "season_rates",
]
