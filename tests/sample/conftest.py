"""Sample worlds shared by the tests of this package (built once per session: ~1 s each)."""

from __future__ import annotations

from pathlib import Path

import pytest

from propledger.sample.world import World, build_world
from propledger.sample.writer import write_world

SEED = 11


@pytest.fixture(scope="session")
def small_world() -> World:
    """The small preset's shape: 6 teams, 24 games each, one season (2025-26)."""
    return build_world(SEED, (2025,), teams=6, games_per_team=24)


@pytest.fixture(scope="session")
def two_seasons() -> World:
    """Four teams over two short seasons: legacy box scores in 2024, trades in 2025."""
    return build_world(SEED, (2024, 2025), teams=4, games_per_team=12)


@pytest.fixture(scope="session")
def written(two_seasons: World, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world") / "sample"
    write_world(two_seasons, out, payload_writers=())
    return out
