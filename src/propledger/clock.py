"""Injectable clocks and slate-date helpers.

Library code never calls ``datetime.now()``: it receives a :class:`Clock`. The slate date of a
game or a run is the America/New_York calendar date, never the UTC date (a 10 PM ET puck drop
is already tomorrow in UTC).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol
from zoneinfo import ZoneInfo

ET = ZoneInfo("America/New_York")
UTC = dt.UTC


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The wall clock. Only entrypoints construct it."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(UTC)


@dataclass
class FrozenClock:
    """A clock that stands still (golden runs) unless moved explicitly (simulated days)."""

    instant: dt.datetime = field(
        default_factory=lambda: dt.datetime(2026, 1, 14, 17, 0, tzinfo=UTC)
    )

    def __post_init__(self) -> None:
        self.instant = ensure_utc(self.instant)

    def now(self) -> dt.datetime:
        return self.instant

    def set(self, instant: dt.datetime) -> None:
        self.instant = ensure_utc(instant)

    def advance(self, delta: dt.timedelta) -> None:
        self.instant = self.instant + delta


def ensure_utc(value: dt.datetime) -> dt.datetime:
    """Return ``value`` in UTC; a naive datetime is rejected (we never guess a timezone)."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value.isoformat()} has no timezone; pass an aware one")
    return value.astimezone(UTC)


def slate_date(instant: dt.datetime) -> dt.date:
    """The America/New_York calendar date of an instant."""
    return ensure_utc(instant).astimezone(ET).date()


def et_to_utc(day: dt.date, local_time: dt.time) -> dt.datetime:
    """Combine an ET calendar date and wall time into a UTC instant (DST-aware)."""
    return dt.datetime.combine(day, local_time, tzinfo=ET).astimezone(UTC)


def parse_utc(text: str) -> dt.datetime:
    """Parse ISO-8601; a value without offset is UTC (Unabated's ``eventStart`` has none)."""
    value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def iso_z(instant: dt.datetime) -> str:
    """Format as ``YYYY-MM-DDTHH:MM:SSZ`` (UTC, whole seconds)."""
    return ensure_utc(instant).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_date(text: str, *, what: str = "date") -> dt.date:
    """Parse ``YYYY-MM-DD`` or raise a one-line :class:`ConfigError` naming the argument."""
    from propledger.errors import ConfigError

    try:
        return dt.date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise ConfigError(f"{what} {text!r} is not a date; use YYYY-MM-DD") from None


__all__ = [
    "ET",
    "UTC",
    "Clock",
    "FrozenClock",
    "SystemClock",
    "ensure_utc",
    "et_to_utc",
    "iso_z",
    "parse_date",
    "parse_utc",
    "slate_date",
]
