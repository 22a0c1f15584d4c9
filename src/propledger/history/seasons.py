"""Season arithmetic. A season is named by its **start year** (2025 = 2025-26), as MoneyPuck
does; NHL seasons start in September/October, so July is taken as the turn of the year."""

from __future__ import annotations

import datetime as dt

from propledger.errors import ConfigError

#: MoneyPuck's game-by-game data starts with 2008-09
FIRST_SEASON = 2008


def season_of(day: dt.date) -> int:
    """The season a date belongs to: its year from July on, else the year before."""
    return day.year if day.month >= 7 else day.year - 1


def default_seasons(through: dt.date) -> tuple[int, ...]:
    """The season containing ``through`` and the one before (the model's windows reach back)."""
    current = season_of(through)
    return (current - 1, current)


def parse_seasons(text: str, *, what: str = "--seasons") -> tuple[int, ...]:
    """``"2024,2025"`` → ``(2024, 2025)`` (sorted, unique); a bad item is a ConfigError."""
    seasons: set[int] = set()
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        if not item.isdigit() or not FIRST_SEASON <= int(item) <= 2100:
            raise ConfigError(
                f"{what} {text!r}: {item!r} is not a season start year; use e.g. 2024,2025 "
                f"(2024 = 2024-25, data from {FIRST_SEASON})"
            )
        seasons.add(int(item))
    if not seasons:
        raise ConfigError(f"{what} {text!r} names no season; use e.g. 2024,2025")
    return tuple(sorted(seasons))


__all__ = ["FIRST_SEASON", "default_seasons", "parse_seasons", "season_of"]
