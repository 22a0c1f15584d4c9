"""Per-vendor, per-run health: circuit breaker, rate-limit mark, request budget, deadline.

One :class:`HealthRegistry` belongs to one run (the :class:`~propledger.context.Context` holds
it). It hands out one :class:`VendorHealth` per vendor, shared by every
:class:`~propledger.http.VendorClient` made for that vendor in the run, so a breaker opened
while fetching odds still holds when a later step asks the same vendor again, and the budget
and deadline are spent once per run, not once per client object.

The deadline is a time budget: the seconds a run may spend on one vendor, counting the time
inside requests and the backoff waits (as planned, so an injected no-op sleep still spends it).
It also caps each request's timeouts and each wait: see docs/http.md for the worst case.

:class:`VendorCallResult` summarises a call chain (one client's, or a vendor's whole run) for
the run registry; its ``status`` is a :class:`CallStatus`.
"""

from __future__ import annotations

import enum
import threading
from dataclasses import dataclass
from typing import Any

from propledger.errors import (
    BudgetExhaustedError,
    CircuitOpenError,
    RateLimitedError,
    SourceError,
)
from propledger.settings import HttpSettings

#: below this many seconds of deadline a request could not complete: treat it as spent
_MIN_LEFT = 0.001


class CallStatus(enum.StrEnum):
    """How a vendor's call chain ended.

    ``ok``: no failure. ``degraded``: some usable responses and some failures. ``failed``: no
    usable response. ``circuit_open``: the breaker opened; the vendor is skipped for the rest of
    the run. ``rate_limited``: the vendor asked us to wait longer than ``retry_after_max``; it
    is not called again in this run. ``skipped``: the vendor was not run (e.g. not enabled).
    """

    OK = "ok"
    DEGRADED = "degraded"
    FAILED = "failed"
    CIRCUIT_OPEN = "circuit_open"
    RATE_LIMITED = "rate_limited"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class VendorCallResult:
    """The outcome of a vendor's call chain in one run (feeds ``fact_run_registry``).

    ``requests``: HTTP requests sent, every attempt counted (simulated outages included).
    ``attempts``: the most attempts any single call needed (1 = never retried).
    ``calls``: logical ``get`` calls; ``successes``: usable responses; ``failures``: failed
    attempts plus errors reported through ``record_error``. ``elapsed``: seconds spent on the
    vendor (requests + backoff waits). ``bytes``: response body bytes received.
    ``message`` is sanitised (no secrets, no signed URLs).
    """

    vendor: str
    status: CallStatus
    requests: int = 0
    attempts: int = 0
    last_http_status: int | None = None
    error_type: str = ""
    message: str = ""
    elapsed: float = 0.0
    bytes: int = 0
    calls: int = 0
    successes: int = 0
    failures: int = 0

    @classmethod
    def skipped(cls, vendor: str, reason: str = "not enabled") -> VendorCallResult:
        """The result of a vendor that was not run at all (``reason`` goes into ``message``)."""
        return cls(vendor=vendor, status=CallStatus.SKIPPED, message=reason)

    def as_dict(self) -> dict[str, Any]:
        return {
            "vendor": self.vendor,
            "status": str(self.status),
            "requests": self.requests,
            "attempts": self.attempts,
            "last_http_status": self.last_http_status,
            "error_type": self.error_type,
            "message": self.message,
            "elapsed": round(self.elapsed, 3),
            "bytes": self.bytes,
            "calls": self.calls,
            "successes": self.successes,
            "failures": self.failures,
        }


@dataclass
class Tally:
    """Mutable counters behind a VendorCallResult (one per client, one per vendor per run)."""

    calls: int = 0
    requests: int = 0
    max_attempts: int = 0
    successes: int = 0
    unusable: int = 0  # responses later reported unusable through record_error
    failures: int = 0
    bytes: int = 0
    elapsed: float = 0.0
    last_status: int | None = None
    error: SourceError | None = None
    circuit_open: bool = False
    rate_limited: bool = False

    def note_error(self, error: SourceError) -> None:
        self.error = error
        if isinstance(error, RateLimitedError):
            self.rate_limited = True
        elif isinstance(error, CircuitOpenError):
            self.circuit_open = True

    def status(self) -> CallStatus:
        if self.rate_limited:
            return CallStatus.RATE_LIMITED
        if self.circuit_open:
            return CallStatus.CIRCUIT_OPEN
        if self.error is None:
            return CallStatus.OK
        return CallStatus.DEGRADED if self.successes > self.unusable else CallStatus.FAILED

    def result(self, vendor: str) -> VendorCallResult:
        return VendorCallResult(
            vendor=vendor,
            status=self.status(),
            requests=self.requests,
            attempts=self.max_attempts,
            last_http_status=self.last_status,
            error_type=type(self.error).__name__ if self.error else "",
            message=str(self.error) if self.error else "",
            elapsed=self.elapsed,
            bytes=self.bytes,
            calls=self.calls,
            successes=self.successes,
            failures=self.failures,
        )


class VendorHealth:
    """Breaker, rate-limit mark, budget and deadline of one vendor in one run (thread-safe)."""

    def __init__(self, vendor: str, http: HttpSettings) -> None:
        self.vendor = vendor
        self.http = http
        self.tally = Tally()
        self.lock = threading.RLock()
        self.consecutive_failures = 0
        self.spent = 0.0
        self._blocked: SourceError | None = None

    # ---- queries -------------------------------------------------------------------------
    @property
    def blocked(self) -> SourceError | None:
        """The CircuitOpenError or RateLimitedError that took the vendor out of the run."""
        return self._blocked

    def remaining(self) -> float:
        """Seconds of the vendor deadline not yet spent (≤ 0 when exhausted)."""
        with self.lock:
            return self.http.vendor_deadline - self.spent

    def result(self) -> VendorCallResult:
        with self.lock:
            return self.tally.result(self.vendor)

    # ---- transitions ---------------------------------------------------------------------
    def admit(self, url: str) -> float:
        """Reserve one request; return the seconds left of the deadline.

        Raises (without sending anything) CircuitOpenError / RateLimitedError when the vendor is
        out of the run, BudgetExhaustedError when its request budget or deadline is spent.
        """
        with self.lock:
            if self._blocked is not None:
                kind = type(self._blocked)
                raise kind(
                    f"{self.vendor}: skipped for the rest of the run ({self._blocked}); not calling {url}",
                    vendor=self.vendor,
                    url=url,
                    status=self._blocked.status,
                    transient=False,
                )
            budget = self.http.request_budget
            if self.tally.requests >= budget:
                raise BudgetExhaustedError(
                    f"{self.vendor}: request budget of {budget} requests for this run is spent; "
                    f"not calling {url} (raise PROPLEDGER_HTTP_REQUEST_BUDGET if this is expected)",
                    vendor=self.vendor,
                    url=url,
                    status=self.tally.last_status,
                )
            left = self.http.vendor_deadline - self.spent
            if left < _MIN_LEFT:
                raise BudgetExhaustedError(
                    f"{self.vendor}: deadline of {self.http.vendor_deadline:g}s for this run is "
                    f"spent; not calling {url}",
                    vendor=self.vendor,
                    url=url,
                    status=self.tally.last_status,
                )
            self.tally.requests += 1
            return left

    def spend(self, seconds: float) -> None:
        with self.lock:
            self.spent += max(0.0, seconds)

    def record_success(self) -> None:
        with self.lock:
            self.consecutive_failures = 0

    def record_outage(self, error: SourceError) -> CircuitOpenError | None:
        """Count one failed request; return the breaker's error when this one opened it."""
        with self.lock:
            self.consecutive_failures += 1
            threshold = self.http.breaker_threshold
            if self._blocked is None and self.consecutive_failures >= threshold:
                opened = CircuitOpenError(
                    f"{self.vendor}: circuit open after {self.consecutive_failures} consecutive "
                    f"failed requests; last: {error}",
                    vendor=self.vendor,
                    url=error.url,
                    status=error.status,
                    transient=False,
                )
                self._blocked = opened
                return opened
            return None

    def mark_rate_limited(self, error: RateLimitedError) -> None:
        with self.lock:
            if self._blocked is None:
                self._blocked = error


class HealthRegistry:
    """Every vendor's :class:`VendorHealth` for one run; create one per run, share it."""

    def __init__(self) -> None:
        self._vendors: dict[str, VendorHealth] = {}
        self._lock = threading.Lock()

    def vendor(self, vendor: str, http: HttpSettings) -> VendorHealth:
        """The vendor's health, created on first use with ``http`` (later calls reuse it)."""
        with self._lock:
            health = self._vendors.get(vendor)
            if health is None:
                health = self._vendors[vendor] = VendorHealth(vendor, http)
            return health

    def get(self, vendor: str) -> VendorHealth | None:
        with self._lock:
            return self._vendors.get(vendor)

    def result(self, vendor: str) -> VendorCallResult:
        """The vendor's run-wide result; ``skipped`` when no client ever used it."""
        health = self.get(vendor)
        if health is None:
            return VendorCallResult.skipped(vendor, "not called in this run")
        return health.result()

    def results(self) -> tuple[VendorCallResult, ...]:
        with self._lock:
            vendors = sorted(self._vendors)
        return tuple(self.result(v) for v in vendors)


__all__ = [
    "CallStatus",
    "HealthRegistry",
    "Tally",
    "VendorCallResult",
    "VendorHealth",
]
