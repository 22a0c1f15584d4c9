"""Simulated games are consistent within themselves (checked on the raw arrays)."""

from __future__ import annotations

import numpy as np
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from propledger.sample.players import build_universe
from propledger.sample.rates import ON_ICE_D, ON_ICE_F
from propledger.sample.simulate import MIRROR, _on_ice
from propledger.sample.world import World, build_world


def test_counts_nest_goals_sog_attempts(small_world: World) -> None:
    sk = small_world.seasons[0].skater
    assert np.all(sk["I_F_goals"] <= sk["I_F_shotsOnGoal"])
    assert np.all(sk["I_F_shotsOnGoal"] <= sk["I_F_shotAttempts"])
    assert np.array_equal(
        sk["I_F_shotAttempts"],
        sk["I_F_shotsOnGoal"] + sk["I_F_missedShots"] + sk["I_F_blockedShotAttempts"],
    )
    assert np.array_equal(
        sk["I_F_points"], sk["I_F_goals"] + sk["I_F_primaryAssists"] + sk["I_F_secondaryAssists"]
    )
    assert np.array_equal(
        sk["I_F_unblockedShotAttempts"],
        sum(sk[f"I_F_{b}DangerShots"] for b in ("low", "medium", "high")),
    )


def test_ice_time_splits_and_goalie_time(small_world: World) -> None:
    s = small_world.seasons[0]
    seconds = s.sim.seconds.sum(axis=-1)  # [G, 2] game length incl. overtime
    assert np.array_equal(seconds[:, 0], seconds[:, 1])
    assert np.all((seconds >= 3600) & (seconds <= 3900))
    assert np.array_equal(s.goalie["icetime"].sum(-1), seconds)
    ot = s.sim.last_period != "REG"
    assert np.all(seconds[ot, 0] > 3600) and np.all(seconds[~ot, 0] == 3600)
    # skater-seconds per situation ≈ skaters on ice × situation length (rounding per player)
    on_ice = (ON_ICE_F + ON_ICE_D)[None, None, :] * s.sim.seconds
    assert np.all(np.abs(s.skater["icetime"].sum(axis=2) - on_ice) <= 18)


def test_goalies_face_what_the_other_team_shot(small_world: World) -> None:
    s = small_world.seasons[0]
    sk, gk = s.skater, s.goalie
    shots_for = sk["I_F_shotsOnGoal"].sum(axis=2)  # [G, 2, 4] by the shooter's situation
    goals_for = sk["I_F_goals"].sum(axis=2)
    assert np.array_equal(gk["ongoal"], shots_for[:, ::-1][:, :, MIRROR])
    assert np.array_equal(gk["goals"], goals_for[:, ::-1][:, :, MIRROR])
    assert np.all(gk["goals"] <= gk["ongoal"])
    xg_for = sk["I_F_xGoals"].sum(axis=2)[:, ::-1][:, :, MIRROR]
    assert np.allclose(gk["xGoals"], xg_for, atol=1e-6)


def test_score_is_goals_plus_shootout(small_world: World) -> None:
    s = small_world.seasons[0]
    goals = s.skater["I_F_goals"].sum(axis=(2, 3))
    diff = s.sim.score - goals
    so = s.sim.last_period == "SO"
    assert np.all(diff[~so] == 0)
    assert np.all(diff[so].sum(axis=1) == 1) and np.all(goals[so, 0] == goals[so, 1])
    assert np.all(s.sim.score[:, 0] != s.sim.score[:, 1])
    ot = s.sim.last_period == "OT"
    assert np.all(np.abs(goals[ot, 0] - goals[ot, 1]) == 1)


def test_on_ice_counts_match_team_events(small_world: World) -> None:
    s = small_world.seasons[0]
    sk = s.skater
    team_goals = sk["I_F_goals"].sum(axis=2)  # [G, 2, 4]
    skaters = (ON_ICE_F + ON_ICE_D)[None, None, :]
    assert np.array_equal(sk["OnIce_F_goals"].sum(axis=2), skaters * team_goals)
    assert np.array_equal(
        sk["OnIce_A_goals"].sum(axis=2), skaters * team_goals[:, ::-1][:, :, MIRROR]
    )
    assert np.all(sk["I_F_goals"] <= sk["OnIce_F_goals"])
    assert np.all(sk["I_F_points"] <= sk["OnIce_F_goals"])  # a point needs the player on the ice
    team_xg = sk["I_F_xGoals"].sum(axis=2, keepdims=True)
    assert np.allclose(sk["OnIce_F_xGoals"] + sk["OffIce_F_xGoals"], team_xg, atol=1e-6)


def test_assists_go_to_teammates_on_ice(small_world: World) -> None:
    ev = small_world.seasons[0].sim.events
    goals = np.flatnonzero(ev.goal)
    for col in (ev.assist1, ev.assist2):
        has = goals[col[goals] >= 0]
        assert np.all(ev.own_on[has, col[has]])
        assert np.all(col[has] != ev.shooter[has])
    both = goals[ev.assist2[goals] >= 0]
    assert np.all(ev.assist1[both] != ev.assist2[both]) and np.all(ev.assist1[both] >= 0)
    assert np.all(ev.assist1[~ev.goal] == -1)
    share = np.mean(ev.assist1[goals] >= 0)
    assert 0.85 < share < 0.99  # ~7 % of goals are unassisted


def test_blocks_are_made_by_opponents_on_ice(small_world: World) -> None:
    ev = small_world.seasons[0].sim.events
    blocked = np.flatnonzero(ev.outcome == 2)
    assert np.all(ev.opp_on[blocked, ev.blocker[blocked]])
    assert np.all(ev.blocker[ev.outcome != 2] == -1)
    assert np.all(ev.xg[blocked] == 0)


def test_scratches_and_dressing(small_world: World) -> None:
    s = small_world.seasons[0]
    lu = s.sim.lineups
    assert lu.skaters.shape[2] == 18
    for g in range(len(s.schedule)):
        dressed = np.r_[lu.skaters[g].ravel(), lu.starter[g], lu.backup[g]]
        assert len(np.unique(dressed)) == 40
    positions = np.array([p.position for p in small_world.universe.players])[lu.skaters]
    assert np.all(positions[:, :, 12:] == "D") and np.all(positions[:, :, :12] != "D")
    # 13 forwards and 7 defence per roster: each team-game scratches exactly one of each
    players = set(lu.skaters.ravel().tolist())
    rostered = set(s.roster.forwards.ravel().tolist()) | set(s.roster.defense.ravel().tolist())
    assert players <= rostered | {t.player_a for t in s.roster.trades} | {
        t.player_b for t in s.roster.trades
    }
    games_played = np.bincount(lu.skaters.ravel())
    assert np.any((games_played > 0) & (games_played < 24))  # somebody sat out


def test_expectations_track_outcomes(small_world: World) -> None:
    pg = small_world.player_games()
    sk = pg.filter(pc.invert(pg["is_goalie"]))
    for actual, expected, tol in (
        ("goals", "exp_goals", 0.15),
        ("sog", "exp_sog", 0.05),
        ("assists", "exp_assists", 0.15),
        ("blocks", "exp_blocks", 0.1),
        ("shot_attempts", "exp_attempts", 0.05),
    ):
        a, e = pc.sum(sk[actual]).as_py(), pc.sum(sk[expected]).as_py()
        assert abs(a - e) <= tol * e, (actual, a, e)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0.02, 0.95), min_size=4, max_size=12), st.integers(0, 2**32 - 1))
def test_systematic_sampling_includes_exactly_k(weights: list[float], seed: int) -> None:
    p = np.array(weights)
    k = max(1, int(p.sum()))
    p = p * k / p.sum()
    if p.max() >= 1:
        return
    rows = np.tile(p, (200, 1))
    inc = _on_ice(np.random.default_rng(seed), rows)
    assert np.all(inc.sum(axis=1) == k)


def test_subset_of_teams_shares_players_with_full_league() -> None:
    full = build_universe(3)
    world = build_world(3, (2025,), teams=("TOR", "VAN"), games_per_team=4)
    assert world.universe.players == full.players
    # duplicate full names planted across TOR and VAN, a "Jr." and accents on TOR
    names = [world.universe.players[i].full_name for i in world.player_indices()]
    assert len(names) - len(set(names)) >= 1
    assert any(n.endswith(" Jr.") for n in names)
    assert any("Kovář" in n for n in names) and any("Ångström" in n for n in names)
