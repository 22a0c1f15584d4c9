"""The one HTTP layer every external call goes through (DESIGN section 8).

``make_client(vendor, settings, transport=None)`` returns a :class:`VendorClient` over httpx with
explicit timeouts. Sources call ``client.get(url, params=…, headers=…)`` and receive a frozen
:class:`Fetched`; failures raise :class:`~propledger.errors.SourceError` subclasses. The client
keeps per-vendor counters so that ``client.result()`` summarises the whole call chain for the
run registry. URLs are sanitised (secrets and credentials removed) before they are logged,
stored or put into an error.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import logging
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from propledger.clock import Clock, SystemClock
from propledger.errors import (
    HttpStatusError,
    PayloadError,
    SourceError,
    TransportError,
)
from propledger.settings import Settings

log = logging.getLogger(__name__)

USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Safari/537.36 propledger/0.1"
)
#: query parameters whose values are credentials; removed from every URL we log or store
SECRET_PARAMS = frozenset(
    {"key", "apikey", "api_key", "x-api-key", "token", "access_token", "sig", "signature",
     "x-amz-signature", "x-amz-credential", "x-amz-security-token", "auth", "password", "cookie"}
)


def sanitize_url(url: str, secrets: tuple[str, ...] = ()) -> str:
    """Drop credentials: userinfo, secret-named query parameters, and any secret value."""
    parts = urllib.parse.urlsplit(str(url))
    netloc = parts.hostname or ""
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    query = [
        (k, v)
        for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in SECRET_PARAMS
    ]
    clean = urllib.parse.urlunsplit(
        (parts.scheme, netloc, parts.path, urllib.parse.urlencode(query), "")
    )
    return redact(clean, secrets)


def redact(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


class CallStatus(enum.StrEnum):
    OK = "ok"
    DEGRADED = "degraded"
    FAILED = "failed"
    CIRCUIT_OPEN = "circuit_open"
    RATE_LIMITED = "rate_limited"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Fetched:
    """One successful response. ``captured_at`` is UTC, from the injected clock."""

    vendor: str
    url: str
    status: int
    content: bytes
    headers: Mapping[str, str]
    elapsed: float
    attempts: int
    captured_at: dt.datetime

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """Decode JSON; an HTML page or a truncated body is a typed, non-retried PayloadError."""
        head = self.content.lstrip()[:1]
        if head == b"<":
            raise PayloadError(
                f"{self.vendor}: expected JSON from {self.url}, got an HTML page",
                vendor=self.vendor, url=self.url, status=self.status,
            )
        try:
            return json.loads(self.content)
        except (ValueError, UnicodeDecodeError) as exc:
            raise PayloadError(
                f"{self.vendor}: invalid or truncated JSON from {self.url}: {exc}",
                vendor=self.vendor, url=self.url, status=self.status,
            ) from None


@dataclass(frozen=True)
class VendorCallResult:
    """The outcome of a vendor's whole call chain in one run (feeds ``fact_run_registry``)."""

    vendor: str
    status: CallStatus
    requests: int = 0
    attempts: int = 0
    last_http_status: int | None = None
    error_type: str = ""
    message: str = ""
    elapsed: float = 0.0
    bytes: int = 0

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
        }


@dataclass
class _Counters:
    requests: int = 0
    attempts: int = 0
    last_status: int | None = None
    error: SourceError | None = None
    elapsed: float = 0.0
    bytes: int = 0
    successes: int = 0
    failures: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


class VendorClient:
    """An httpx client bound to one vendor, its settings and the run's counters."""

    def __init__(
        self,
        vendor: str,
        settings: Settings,
        transport: httpx.BaseTransport | None = None,
        *,
        clock: Clock | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.vendor = vendor
        self.settings = settings
        self.http = settings.http_for(vendor)
        self.clock = clock or SystemClock()
        self.sleep = sleep
        self.monotonic = monotonic
        self.secrets = settings.secrets.values()
        self.counters = _Counters()
        timeout = httpx.Timeout(
            connect=self.http.connect_timeout,
            read=self.http.read_timeout,
            write=self.http.write_timeout,
            pool=self.http.pool_timeout,
        )
        self._client = httpx.Client(
            transport=transport,
            timeout=timeout,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json, text/html;q=0.9, */*;q=0.8"},
            follow_redirects=True,
        )

    # ---- public --------------------------------------------------------------------------
    def get(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Fetched:
        """GET ``url``; raise a SourceError subclass when no usable response came back."""
        request = self._client.build_request("GET", url, params=params, headers=headers)
        safe_url = sanitize_url(str(request.url), self.secrets)
        if self.settings.is_forced_failure(self.vendor):
            self.counters.requests += 1
            self.counters.attempts += 1
            err = TransportError(
                f"{self.vendor}: simulated outage (FORCE_*_FAILURE) for {safe_url}",
                vendor=self.vendor, url=safe_url,
            )
            self._fail(err)
            raise err
        started = self.monotonic()
        self.counters.requests += 1
        self.counters.attempts += 1
        try:
            response = self._client.send(request)
            content = response.read()
        except httpx.TimeoutException as exc:
            err = TransportError(
                f"{self.vendor}: {type(exc).__name__} for {safe_url}", vendor=self.vendor, url=safe_url
            )
            self._fail(err, started)
            raise err from None
        except httpx.TransportError as exc:
            err = TransportError(
                f"{self.vendor}: {type(exc).__name__} for {safe_url}: {redact(str(exc), self.secrets)}",
                vendor=self.vendor, url=safe_url,
            )
            self._fail(err, started)
            raise err from None
        elapsed = self.monotonic() - started
        self.counters.elapsed += elapsed
        self.counters.last_status = response.status_code
        self.counters.bytes += len(content)
        log.info("GET %s -> %s in %.3fs (attempt 1)", safe_url, response.status_code, elapsed)
        if response.status_code >= 400:
            err = HttpStatusError(
                f"{self.vendor}: HTTP {response.status_code} for {safe_url}",
                vendor=self.vendor, url=safe_url, status=response.status_code,
                transient=response.status_code in (408, 425, 429, 500, 502, 503, 504),
            )
            self._fail(err)
            raise err
        self.counters.successes += 1
        return Fetched(
            vendor=self.vendor,
            url=safe_url,
            status=response.status_code,
            content=content,
            headers={k.lower(): v for k, v in response.headers.items() if k.lower() != "set-cookie"},
            elapsed=elapsed,
            attempts=1,
            captured_at=self.clock.now(),
        )

    def record_error(self, error: SourceError) -> None:
        """Count a failure found after the response (a parse error) against this vendor."""
        self._fail(error)

    def result(self) -> VendorCallResult:
        c = self.counters
        if c.error is None:
            status = CallStatus.OK
        elif c.successes:
            status = CallStatus.DEGRADED
        else:
            status = CallStatus.FAILED
        return VendorCallResult(
            vendor=self.vendor,
            status=status,
            requests=c.requests,
            attempts=c.attempts,
            last_http_status=c.last_status,
            error_type=type(c.error).__name__ if c.error else "",
            message=str(c.error) if c.error else "",
            elapsed=c.elapsed,
            bytes=c.bytes,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> VendorClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- internals -------------------------------------------------------------------------
    def _fail(self, error: SourceError, started: float | None = None) -> None:
        if started is not None:
            self.counters.elapsed += self.monotonic() - started
        self.counters.failures += 1
        self.counters.error = error
        log.warning("%s", error)


def make_client(
    vendor: str,
    settings: Settings,
    transport: httpx.BaseTransport | None = None,
    *,
    clock: Clock | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> VendorClient:
    """The client for ``vendor`` with the settings' defaults and per-vendor overrides."""
    return VendorClient(vendor, settings, transport, clock=clock, sleep=sleep)


__all__ = [
    "CallStatus",
    "Fetched",
    "VendorCallResult",
    "VendorClient",
    "make_client",
    "redact",
    "sanitize_url",
]
