"""The full two-season world, built once (≈15–30 s): league-level counts and realism."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pytest

from propledger.sample.world import World, build_world
from propledger.sample.writer import read_world_info, write_world

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> tuple[World, Path, float]:
    started = time.perf_counter()
    world = build_world(2024, (2024, 2025))
    out = tmp_path_factory.mktemp("full") / "sample"
    write_world(world, out, payload_writers=())
    return world, out, time.perf_counter() - started


def test_counts(full: tuple[World, Path, float]) -> None:
    world, out, elapsed = full
    info = read_world_info(out)
    assert info["counts"]["games_by_season"] == {"2024": 1312, "2025": 1312}
    assert info["counts"]["teams"] == 32 and 700 <= info["counts"]["players"] <= 900
    assert info["counts"]["trades"] == 6 and info["counts"]["legacy_boxscores"] == 26
    assert elapsed < 600  # the benchmark tracks the real number (< 60 s on an idle 2-core box)
    for s in world.seasons:
        per_team = np.bincount(s.sim.lineups.team.ravel())
        assert per_team.tolist() == [82] * 32


def test_player_ids_stable_across_seasons(full: tuple[World, Path, float]) -> None:
    world, _, _ = full
    truth = world.truth()
    ids = {
        season: set(truth.filter(pc.equal(truth["season"], season))["player_id"].to_pylist())
        for season in (2024, 2025)
    }
    assert len(ids[2024] & ids[2025]) >= 0.85 * len(ids[2024])
    assert all(8_400_000 <= i < 8_500_000 for i in ids[2024] | ids[2025])
    names = Counter(p.full_name for p in world.universe.players)
    assert 2 <= sum(1 for c in names.values() if c > 1) <= 6


def test_league_looks_like_the_nhl(full: tuple[World, Path, float]) -> None:
    world, _, _ = full
    for s in world.seasons:
        sk, g = s.skater, s.goalie
        n = len(s.schedule)
        goals = sk["I_F_goals"].sum() / n
        sog = sk["I_F_shotsOnGoal"].sum() / n / 2
        assert 5.4 <= goals <= 6.8 and 27 <= sog <= 33
        assert 0.89 <= 1 - g["goals"].sum() / g["ongoal"].sum() <= 0.915
        assert (
            0.15 <= sk["I_F_goals"][..., 1].sum() / sk["I_F_goals"].sum() <= 0.28
        )  # power-play share
        assert 0.12 <= np.mean(s.sim.last_period != "REG") <= 0.3
        pg = world.player_games().filter(pc.equal(world.player_games()["season"], s.season))
        skaters = pg.filter(pc.invert(pg["is_goalie"]))
        by_player = skaters.group_by("player_id").aggregate(
            [("goals", "sum"), ("points", "sum"), ("toi_s", "mean")]
        )
        top_goals = pc.max(by_player["goals_sum"]).as_py()
        top_points = pc.max(by_player["points_sum"]).as_py()
        assert 35 <= top_goals <= 75 and 80 <= top_points <= 140
        toi = by_player["toi_s_mean"].to_numpy() / 60
        assert np.percentile(toi, 2) >= 8 and np.percentile(toi, 98) <= 28
