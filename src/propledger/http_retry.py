"""Pure retry policy of the HTTP layer: what is retried, how long to wait, Retry-After parsing.

No I/O and no clock reads here: the client passes ``now`` (from its injected clock) and an RNG,
so every decision is a deterministic function that tests check without sleeping.

Waits are in seconds. Attempts are numbered from 1 (the first request); the wait *after*
attempt ``n`` is drawn for retry number ``n``.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import math
import random
from dataclasses import dataclass

from propledger.settings import HttpSettings

#: statuses that may succeed if asked again (DESIGN section 8); everything else is final
RETRYABLE_STATUSES: frozenset[int] = frozenset({408, 425, 429, 500, 502, 503, 504})
#: final answers that say "this resource does not exist", not "this vendor is down": they
#: neither count towards nor reset the circuit breaker
NEUTRAL_STATUSES: frozenset[int] = frozenset({404, 410})


def is_retryable_status(status: int) -> bool:
    return status in RETRYABLE_STATUSES


def counts_as_outage(status: int) -> bool:
    """Whether a non-2xx answer counts as a failed request for the circuit breaker."""
    return status >= 400 and status not in NEUTRAL_STATUSES


def full_jitter(retry: int, base: float, cap: float, rng: random.Random) -> float:
    """Seconds to wait before retry number ``retry`` (1-based): uniform in [0, min(cap, base·2^(retry-1))].

    "Full jitter" (AWS architecture blog, 2015): spreading every wait over the whole window keeps
    many clients from retrying in lock-step, and the cap bounds the worst single wait.
    """
    if retry < 1:
        raise ValueError(f"retry number must be ≥ 1, got {retry}")
    # 2**retry overflows a float past ~1024; the cap is reached long before that
    ceiling = min(cap, base * math.pow(2.0, min(retry - 1, 1000)))
    return rng.uniform(0.0, max(0.0, ceiling))


def parse_retry_after(value: str | None, now: dt.datetime) -> float | None:
    """Seconds a ``Retry-After`` header asks us to wait, or None when it gives no usable hint.

    Accepts delay-seconds (``"2"``, also ``"2.5"``) or an HTTP-date (``"Wed, 14 Jan 2026
    17:00:05 GMT"``, compared with ``now``, an aware UTC instant). Zero, negative, past dates
    and garbage are "no hint": the caller falls back to its own backoff.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    seconds: float | None
    try:
        seconds = float(text)
    except ValueError:
        seconds = _seconds_until_http_date(text, now)
    if seconds is None or not math.isfinite(seconds) or seconds <= 0:
        return None
    return seconds


def _seconds_until_http_date(text: str, now: dt.datetime) -> float | None:
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are always GMT
        when = when.replace(tzinfo=dt.UTC)
    return (when - now).total_seconds()


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts and waits for one vendor. Times in seconds."""

    max_attempts: int = 4
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    retry_after_max: float = 60.0

    @classmethod
    def from_settings(cls, http: HttpSettings) -> RetryPolicy:
        return cls(
            max_attempts=max(1, http.max_attempts),
            backoff_base=http.backoff_base,
            backoff_max=http.backoff_max,
            retry_after_max=http.retry_after_max,
        )

    def backoff(self, retry: int, rng: random.Random) -> float:
        return full_jitter(retry, self.backoff_base, self.backoff_max, rng)

    def wait(self, retry: int, retry_after: float | None, rng: random.Random) -> float:
        """The wait before retry ``retry``: the server's hint when it gave one, else backoff.

        The caller checks :meth:`exceeds_cap` first; a hint above the cap is never waited for.
        """
        if retry_after is not None:
            return retry_after
        return self.backoff(retry, rng)

    def exceeds_cap(self, retry_after: float | None) -> bool:
        """A hint longer than ``retry_after_max``: the vendor is rate-limited for this run."""
        return retry_after is not None and retry_after > self.retry_after_max


__all__ = [
    "NEUTRAL_STATUSES",
    "RETRYABLE_STATUSES",
    "RetryPolicy",
    "counts_as_outage",
    "full_jitter",
    "is_retryable_status",
    "parse_retry_after",
]
