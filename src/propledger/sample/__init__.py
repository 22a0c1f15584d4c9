"""The deterministic sample NHL world (DESIGN section 9); see docs/sample_world.md.

Public API (imported lazily, so ``import propledger.sample.presets`` stays light)::

    world = build_world(seed, seasons, teams=None, games_per_team=82)   # in memory
    summary = write_world(world, out_dir, force=False)                  # files, world.json last
    info = read_world_info(out_dir)                                     # InputError if incomplete

Vendor odds writers live in ``sample/odds_*.py`` and expose
``write_payloads(world, replay) -> int``; :func:`write_world` discovers and calls them.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "World": "propledger.sample.world",
    "SeasonWorld": "propledger.sample.world",
    "build_world": "propledger.sample.world",
    "write_world": "propledger.sample.writer",
    "read_world_info": "propledger.sample.writer",
    "BuildSummary": "propledger.sample.writer",
    "PayloadWriter": "propledger.sample.writer",
    "BuildRequest": "propledger.sample.build",
    "build_sample": "propledger.sample.build",
    "Preset": "propledger.sample.presets",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'propledger.sample' has no attribute {name!r}")


__all__ = sorted(_EXPORTS)
