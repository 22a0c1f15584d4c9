"""The one HTTP layer every external call goes through (DESIGN section 8; docs/http.md).

``make_client(vendor, settings, transport=None, health=…)`` returns a :class:`VendorClient` over
httpx. Sources call ``client.get(url, params=…, expect="json")`` and receive a frozen
:class:`Fetched`; failures raise :class:`~propledger.errors.SourceError` subclasses::

    TransportError        no HTTP answer (timeout, refused, reset); retried
    HttpStatusError       non-2xx; retried only for 408/425/429/500/502/503/504
    RateLimitedError      Retry-After above retry_after_max: vendor out of the run, no retry
    PayloadError          truncated body, HTML page or invalid JSON where JSON was expected
    CircuitOpenError      breaker_threshold consecutive failed requests: vendor out of the run
    BudgetExhaustedError  the vendor's request budget or deadline for the run is spent

Attempts are bounded (max_attempts) with full-jitter exponential backoff, or the server's
``Retry-After`` when it is within the cap. Breaker, rate-limit mark, budget and deadline live in a
per-run :class:`~propledger.http_health.HealthRegistry` shared by every client of a vendor.
Credentials (PlayNow cookie, Unabated API key) are added here from ``settings.secrets``;
URLs are sanitised and secrets redacted before anything is logged, stored or raised.
"""

from __future__ import annotations

import functools
import logging
import random
import ssl
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from propledger.clock import Clock, SystemClock
from propledger.errors import (
    BudgetExhaustedError,
    RateLimitedError,
    SourceError,
)
from propledger.http_attempt import Attempt, AttemptRunner
from propledger.http_health import (
    CallStatus,
    HealthRegistry,
    Tally,
    VendorCallResult,
    VendorHealth,
)
from propledger.http_payload import Expect, Fetched, decode_json
from propledger.http_retry import (
    RetryPolicy,
)
from propledger.http_secrets import credential_headers, redact, sanitize_url, url_secrets
from propledger.settings import Settings

log = logging.getLogger(__name__)


class _DropHttpxRequestLines(logging.Filter):
    """httpx logs each request at INFO with its full URL, signed parameters included; our own
    sanitised line per attempt replaces it (and keeps "one line per attempt" true)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.INFO


logging.getLogger("httpx").addFilter(_DropHttpxRequestLines())

USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Safari/537.36 propledger/0.1"
)


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    # building one costs ~50 ms (certifi bundle); contexts are safe to share between clients
    return httpx.create_ssl_context()


class VendorClient:
    """An httpx client bound to one vendor, its settings, and the run's vendor health."""

    def __init__(
        self,
        vendor: str,
        settings: Settings,
        transport: httpx.BaseTransport | None = None,
        *,
        clock: Clock | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        health: HealthRegistry | VendorHealth | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.vendor = vendor
        self.settings = settings
        self.http = settings.http_for(vendor)
        self.policy = RetryPolicy.from_settings(self.http)
        self.clock = clock or SystemClock()
        self.sleep = sleep
        self.monotonic = monotonic
        self.rng = rng or random.Random()
        if isinstance(health, HealthRegistry):
            health = health.vendor(vendor, self.http)
        # without a shared registry the client gets private state (one client = one run)
        self.health = health or VendorHealth(vendor, self.http)
        self.secrets = settings.secrets.values()
        self.tally = Tally()
        self._client = httpx.Client(
            transport=transport,
            verify=_ssl_context() if transport is None else True,
            timeout=self._timeout(float("inf")),
            headers={
                "User-Agent": USER_AGENT,
                "Accept": "application/json, text/html;q=0.9, */*;q=0.8",
            },
            follow_redirects=True,
        )
        self._runner = AttemptRunner(vendor, self._client, self.clock, monotonic)

    # ---- public --------------------------------------------------------------------------
    def get(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        expect: Expect | str = Expect.BYTES,
        credentials: bool | None = None,
    ) -> Fetched:
        """GET ``url``; raise a SourceError subclass when no usable response came back.

        ``expect`` checks the 2xx body (``"json"`` is what JSON sources should pass).
        ``credentials``: None sends the vendor's secret header where it belongs (PlayNow cookie;
        Unabated key to its data/partner API hosts only), True forces it, False never sends it.
        """
        expect = Expect(expect)
        try:
            raw_url = str(self._client.build_request("GET", url, params=params).url)
        except (httpx.InvalidURL, TypeError, ValueError) as exc:
            err = SourceError(
                f"{self.vendor}: invalid URL ({type(exc).__name__})", vendor=self.vendor
            )
            self._bump(calls=1)
            self._fail(err)
            raise err from None
        secrets = (*self.secrets, *url_secrets(raw_url))
        safe_url = sanitize_url(raw_url, secrets)
        send_headers = {
            **(headers or {}),
            **credential_headers(
                self.vendor, self.settings.secrets, httpx.URL(raw_url).host, credentials
            ),
        }
        forced = self.settings.is_forced_failure(self.vendor)
        self._bump(calls=1)
        total = self.policy.max_attempts
        spent_before = self.tally.elapsed
        last: SourceError | None = None
        for attempt in range(1, total + 1):
            try:
                left = self.health.admit(safe_url)
            except SourceError as refused:
                err = refused if last is None else self._gave_up(refused, last, attempt - 1)
                self._bump(failures=1)
                self._fail(err, attempts=attempt - 1)
                raise err from None
            self.tally.requests += 1
            timeout = self._timeout(left)
            done = self._runner.run(
                raw_url, send_headers, timeout, left, forced, safe_url, secrets, expect
            )
            self._settle(done)
            if done.error is None:
                self.health.record_success()
                self._bump(successes=1)
                self._log(logging.INFO, safe_url, done, attempt, "")
                self._note_attempts(attempt)
                return Fetched(
                    vendor=self.vendor,
                    url=safe_url,
                    status=done.status or 200,
                    content=done.content,
                    headers=done.headers,
                    elapsed=self.tally.elapsed - spent_before,
                    attempts=attempt,
                    captured_at=self.clock.now(),
                    parsed=done.parsed,
                )
            error, last = done.error, done.error
            self._bump(failures=1)
            final = self._final_error(done, attempt, total)
            if final is None:
                wait = self.policy.wait(attempt, done.retry_after, self.rng)
                if wait >= self.health.remaining():
                    final = BudgetExhaustedError(
                        f"{self.vendor}: gave up after attempt {attempt}/{total}: a {wait:.2f}s wait "
                        f"would pass the {self.http.vendor_deadline:g}s vendor deadline; last: {error}",
                        vendor=self.vendor,
                        url=safe_url,
                        status=error.status,
                    )
            if final is not None:
                why = "" if final is error else f", {type(final).__name__}"
                self._log(logging.WARNING, safe_url, done, attempt, why)
                self._fail(final, attempts=attempt)
                raise final from None
            self._log(logging.WARNING, safe_url, done, attempt, f", retry in {wait:.2f}s")
            self._wait(wait, forced)
        raise AssertionError("unreachable: the last attempt always returns or raises")

    def record_error(self, error: SourceError) -> None:
        """Count a failure found after the response (a parse error): that response is unusable."""
        self._bump(unusable=1, failures=1)
        self._fail(error)

    def result(self) -> VendorCallResult:
        """This client's call chain; ``health.result()`` is the vendor's whole run."""
        return self.tally.result(self.vendor)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> VendorClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- decisions and bookkeeping ---------------------------------------------------------
    def _final_error(self, done: Attempt, attempt: int, total: int) -> SourceError | None:
        """The error that ends this call now, or None when a retry is allowed."""
        error = done.error
        assert error is not None
        if self.policy.exceeds_cap(done.retry_after):
            limited = RateLimitedError(
                f"{self.vendor}: HTTP {done.status} asks to wait {done.retry_after:.0f}s, more than "
                f"retry_after_max={self.policy.retry_after_max:g}s; vendor rate-limited for this run "
                f"({error.url})",
                vendor=self.vendor,
                url=error.url,
                status=done.status,
                transient=False,
            )
            self.health.mark_rate_limited(limited)
            return limited
        if done.outage:
            opened = self.health.record_outage(error)
            if opened is not None:
                return opened
        if not error.transient or attempt >= total:
            return error
        return None

    def _gave_up(self, refused: SourceError, last: SourceError, attempts: int) -> SourceError:
        kind = type(refused)
        return kind(
            f"{self.vendor}: gave up after {attempts} attempts ({refused}); last: {last}",
            vendor=self.vendor,
            url=refused.url,
            status=last.status,
            transient=False,
        )

    def _settle(self, done: Attempt) -> None:
        self.health.spend(done.elapsed)

        def add(t: Tally) -> None:
            t.elapsed += done.elapsed
            t.bytes += len(done.content)
            if done.status is not None:
                t.last_status = done.status

        self._count(add)

    def _wait(self, seconds: float, forced: bool) -> None:
        # a simulated outage must not slow a run or a test: its waits are spent, not slept
        if not forced and seconds > 0:
            self.sleep(seconds)
        self.health.spend(seconds)
        self._bump(elapsed=seconds)

    def _note_attempts(self, attempts: int) -> None:
        self._count(lambda t: setattr(t, "max_attempts", max(t.max_attempts, attempts)))

    def _bump(self, **deltas: float) -> None:
        """Add ``deltas`` to this client's tally and to the vendor's run tally."""

        def add(t: Tally) -> None:
            for name, delta in deltas.items():
                setattr(t, name, getattr(t, name) + delta)

        self._count(add)

    def _count(self, change: Callable[[Tally], None]) -> None:
        with self.health.lock:
            change(self.tally)
            change(self.health.tally)

    def _fail(self, error: SourceError, attempts: int = 0) -> None:
        if attempts:
            self._note_attempts(attempts)
        self._count(lambda t: t.note_error(error))

    def _log(self, level: int, url: str, done: Attempt, attempt: int, suffix: str) -> None:
        outcome: object = done.status if done.status is not None else done.cause
        if done.status is not None and done.error is not None and 200 <= done.status < 300:
            outcome = f"{done.status} {type(done.error).__name__}"
        log.log(
            level,
            "%s GET %s -> %s in %.3fs (attempt %d/%d%s)",
            self.vendor,
            url,
            outcome,
            done.elapsed,
            attempt,
            self.policy.max_attempts,
            suffix,
        )

    def _timeout(self, left: float) -> httpx.Timeout:
        """The configured timeouts, each capped by the seconds left of the vendor deadline."""
        return httpx.Timeout(
            connect=min(self.http.connect_timeout, left),
            read=min(self.http.read_timeout, left),
            write=min(self.http.write_timeout, left),
            pool=min(self.http.pool_timeout, left),
        )


def make_client(
    vendor: str,
    settings: Settings,
    transport: httpx.BaseTransport | None = None,
    *,
    clock: Clock | None = None,
    sleep: Callable[[float], None] = time.sleep,
    health: HealthRegistry | VendorHealth | None = None,
    rng: random.Random | None = None,
    monotonic: Callable[[], float] = time.monotonic,
) -> VendorClient:
    """The client for ``vendor`` with the settings' defaults and per-vendor overrides.

    Pass the run's ``health`` registry (``Context.health``) so breaker, rate-limit mark, budget
    and deadline are shared by every client of the vendor in the run; ``sleep``, ``rng`` and
    ``monotonic`` are injectable so tests never wait.
    """
    return VendorClient(
        vendor,
        settings,
        transport,
        clock=clock,
        sleep=sleep,
        health=health,
        rng=rng,
        monotonic=monotonic,
    )


__all__ = [
    "CallStatus",
    "Expect",
    "Fetched",
    "HealthRegistry",
    "VendorCallResult",
    "VendorClient",
    "VendorHealth",
    "decode_json",
    "make_client",
    "redact",
    "sanitize_url",
]
