"""Build presets and option parsing for ``propledger sample build`` (no heavy imports)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from propledger.errors import ConfigError


class Preset(enum.StrEnum):
    FULL = "full"  # 32 teams, 82 games, seasons 2024 and 2025
    SMALL = "small"  # 6 teams, 24 games, one season: fast tests and the golden run


@dataclass(frozen=True)
class PresetSpec:
    seasons: tuple[int, ...]
    teams: int | None
    games_per_team: int


PRESETS: dict[Preset, PresetSpec] = {
    Preset.FULL: PresetSpec((2024, 2025), None, 82),
    Preset.SMALL: PresetSpec((2025,), 6, 24),
}


def parse_seasons(text: str) -> tuple[int, ...]:
    """``"2024,2025"`` → (2024, 2025); ConfigError naming the bad part."""
    out = []
    for part in (p.strip() for p in text.split(",")):
        if not part.isdigit() or len(part) != 4:
            raise ConfigError(
                f"--seasons {text!r}: {part!r} is not a start year; use e.g. 2024,2025"
            )
        out.append(int(part))
    return tuple(out)


def parse_teams(text: str) -> int | tuple[str, ...]:
    """``"4"`` → 4 (the first four preset teams); ``"tor,mtl"`` → ("TOR", "MTL")."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    return tuple(p.strip().upper() for p in text.split(",") if p.strip())


__all__ = ["PRESETS", "Preset", "PresetSpec", "parse_seasons", "parse_teams"]
