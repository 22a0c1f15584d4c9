"""The arguments of a bounded backfill (issue 8), validated once at the edge.

:meth:`BackfillRequest.from_args` turns the raw command-line strings into a frozen request or
raises a one-line :class:`~propledger.errors.ConfigError` (exit 2) naming the argument and the
fix. Dates are America/New_York slate dates, half-open ``[start, end)``. Both bounds are
mandatory and capped by hard limits that no argument or setting can lift:

* ``--max-requests``: 1 … :data:`MAX_REQUESTS_LIMIT` HTTP requests, every attempt (retries
  included) counted; one request per fetched snapshot plus one for the archive's index.
* ``--max-seconds``: 0 < S ≤ :data:`MAX_SECONDS_LIMIT` wall-clock seconds for the whole run.
* the span ``end − start`` is at most ``settings.backfill_max_span_days`` days
  (``PROPLEDGER_BACKFILL_MAX_SPAN_DAYS``, default 92), itself capped at :data:`MAX_SPAN_LIMIT`.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import re
from dataclasses import dataclass
from typing import Any, TypeVar

from propledger.errors import ConfigError
from propledger.settings import Settings

#: hard upper limit of --max-requests (a season of hourly captures is ~4 000 snapshots)
MAX_REQUESTS_LIMIT = 10_000
#: hard upper limit of --max-seconds (6 hours: a backfill is a batch job, never open-ended)
MAX_SECONDS_LIMIT = 21_600.0
#: hard upper limit of the configured span (one year of slates)
MAX_SPAN_LIMIT = 366

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_E = TypeVar("_E", bound=enum.StrEnum)


class BackfillSource(enum.StrEnum):
    """``archive``: payloads already in the local raw archive (``raw_payload``), no requests.
    ``remote``: the snapshot archive at ``PROPLEDGER_UNABATED_ARCHIVE_URL`` (docs/backfill.md)."""

    ARCHIVE = "archive"
    REMOTE = "remote"


class OnError(enum.StrEnum):
    """What a failed unit (fetch error, unreadable or unparseable payload) does to the run."""

    STOP = "stop"
    CONTINUE = "continue"


@dataclass(frozen=True)
class BackfillRequest:
    """A validated backfill. ``max_seconds`` is wall-clock seconds for the whole run.

    ``resume`` (default) skips units already ingested; ``reparse`` re-parses every archived
    payload of the range (ingested or not) and fetches nothing."""

    start: dt.date
    end: dt.date
    max_requests: int
    max_seconds: float
    source: BackfillSource = BackfillSource.ARCHIVE
    dry_run: bool = False
    resume: bool = True
    reparse: bool = False
    on_error: OnError = OnError.STOP

    @property
    def span_days(self) -> int:
        return (self.end - self.start).days

    def as_flags(self) -> dict[str, Any]:
        """JSON-ready arguments for the run registry."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "max_requests": self.max_requests,
            "max_seconds": self.max_seconds,
            "source": str(self.source),
            "dry_run": self.dry_run,
            "resume": self.resume,
            "reparse": self.reparse,
            "on_error": str(self.on_error),
        }

    @classmethod
    def from_args(
        cls,
        *,
        start: str | None,
        end: str | None,
        max_requests: str | None,
        max_seconds: str | None,
        settings: Settings,
        today: dt.date,
        source: str = "archive",
        on_error: str = "stop",
        dry_run: bool = False,
        resume: bool = True,
        reparse: bool = False,
    ) -> BackfillRequest:
        """Validate raw arguments; ``today`` is the current slate date (ET) from the run clock."""
        first = _date(start, "--start", "the first slate date")
        last = _date(end, "--end", "the slate date after the last one (excluded)")
        if first >= last:
            raise ConfigError(
                f"--start {first} must be before --end {last} (the range is half-open: "
                f"--end is excluded, so one day is --start {first} --end {first + dt.timedelta(days=1)})"
            )
        limit = min(settings.backfill_max_span_days, MAX_SPAN_LIMIT)
        span = (last - first).days
        if span > limit:
            raise ConfigError(
                f"--start {first} --end {last} spans {span} days, more than the maximum of {limit} "
                "(PROPLEDGER_BACKFILL_MAX_SPAN_DAYS); split it into smaller ranges"
            )
        if first > today:
            raise ConfigError(
                f"--start {first} is after today's slate date {today}: nothing can have been "
                "captured yet (a backfill never stamps current data with a past date)"
            )
        requests = _bound(max_requests, "--max-requests", MAX_REQUESTS_LIMIT, integer=True)
        seconds = _bound(max_seconds, "--max-seconds", MAX_SECONDS_LIMIT, integer=False)
        return cls(
            start=first,
            end=last,
            max_requests=int(requests),
            max_seconds=seconds,
            source=_choice(BackfillSource, source, "--source"),
            dry_run=dry_run,
            resume=resume,
            reparse=reparse,
            on_error=_choice(OnError, on_error, "--on-error"),
        )


def _date(text: str | None, name: str, meaning: str) -> dt.date:
    if text is None or not text.strip():
        raise ConfigError(f"{name} is required: {meaning}, YYYY-MM-DD")
    value = text.strip()
    if not _DATE.match(value):
        raise ConfigError(f"{name} {text!r} is not a date; use YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{name} {text!r} is not a date; use YYYY-MM-DD") from None


def _bound(text: str | None, name: str, limit: float, *, integer: bool) -> float:
    kind = "a whole number" if integer else "a number of seconds"
    allowed = f"{kind} from {'1' if integer else 'above 0'} to {limit:g}"
    if text is None or not str(text).strip():
        what = "HTTP requests (retries included)" if integer else "wall-clock seconds"
        raise ConfigError(f"{name} is mandatory: the most {what} this backfill may use, {allowed}")
    raw = str(text).strip()
    try:
        value = int(raw) if integer else float(raw)
    except ValueError:
        raise ConfigError(f"{name} {text!r} is not {kind}; give {allowed}") from None
    if not math.isfinite(value) or value <= 0:
        raise ConfigError(f"{name} {text!r} must be positive; give {allowed}")
    if value > limit:
        raise ConfigError(
            f"{name} {text!r} is above the hard limit of {limit:g}; split the backfill into "
            "smaller runs (each resumes where the last stopped)"
        )
    return float(value)


def _choice(kind: type[_E], text: str, name: str) -> _E:
    try:
        return kind(text.strip().lower())
    except ValueError:
        options = " or ".join(e.value for e in kind)
        raise ConfigError(f"{name} {text!r} is unknown; use {options}") from None


__all__ = [
    "MAX_REQUESTS_LIMIT",
    "MAX_SECONDS_LIMIT",
    "MAX_SPAN_LIMIT",
    "BackfillRequest",
    "BackfillSource",
    "OnError",
]
