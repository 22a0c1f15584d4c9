"""One HTTP attempt: send, read the body within the deadline, classify the outcome.

:class:`AttemptRunner` never raises a SourceError: it returns an :class:`Attempt` whose ``error``
is set (typed, sanitised) or whose body passed the ``expect`` check. Retrying, waiting and
bookkeeping are the caller's (:class:`~propledger.http.VendorClient`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from propledger.clock import Clock
from propledger.errors import HttpStatusError, PayloadError, SourceError, TransportError
from propledger.http_payload import NOT_PARSED, Expect, check_body
from propledger.http_retry import counts_as_outage, is_retryable_status, parse_retry_after
from propledger.http_secrets import redact


@dataclass
class Attempt:
    """What one attempt produced: a response (maybe unusable) or an error."""

    elapsed: float
    status: int | None = None
    content: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    parsed: Any = NOT_PARSED
    error: SourceError | None = None
    retry_after: float | None = None
    outage: bool = False  # counts towards the circuit breaker
    cause: str = ""  # the httpx exception behind a transport error, for the log line


class DeadlinePassed(Exception):
    """The vendor deadline passed while a body was still arriving."""


class AttemptRunner:
    """Runs single attempts for one vendor over one httpx client."""

    def __init__(
        self, vendor: str, client: httpx.Client, clock: Clock, monotonic: Callable[[], float]
    ) -> None:
        self.vendor = vendor
        self.client = client
        self.clock = clock
        self.monotonic = monotonic

    def run(
        self,
        url: str,
        headers: Mapping[str, str],
        timeout: httpx.Timeout,
        left: float,
        forced: bool,
        safe_url: str,
        secrets: tuple[str, ...],
        expect: Expect,
    ) -> Attempt:
        """Send one GET and classify what came back; never raises a SourceError."""
        started = self.monotonic()
        hard_stop = started + left
        request = self.client.build_request("GET", url, headers=headers, timeout=timeout)

        def failed(error: SourceError, **extra: Any) -> Attempt:
            return Attempt(elapsed=self.monotonic() - started, error=error, **extra)

        def transport_error(exc: Exception, what: str, transient: bool = True) -> Attempt:
            detail = redact(str(exc), secrets)
            message = f"{self.vendor}: {type(exc).__name__}{what} for {safe_url}"
            err = TransportError(
                message + (f": {detail}" if detail else ""),
                vendor=self.vendor,
                url=safe_url,
                transient=transient,
            )
            return failed(err, outage=True, cause=type(exc).__name__)

        try:
            if forced:  # a simulated outage takes the same path as a refused connection
                raise httpx.ConnectError("simulated outage (FORCE_*_FAILURE)", request=request)
            # httpx drops a Cookie on redirect but would forward an API key to another host
            follow = "X-Api-Key" not in headers
            response = self.client.send(request, stream=True, follow_redirects=follow)
        except httpx.UnsupportedProtocol as exc:
            return transport_error(exc, "", transient=False)
        except httpx.TransportError as exc:
            return transport_error(exc, "")
        except httpx.HTTPError as exc:  # too many redirects and the like: asking again won't help
            return transport_error(exc, "", transient=False)
        try:
            content = self._read(response, hard_stop)
        except DeadlinePassed:
            return transport_error(
                TimeoutError("vendor deadline passed"), " while reading the body"
            )
        except httpx.TimeoutException as exc:
            return transport_error(exc, " while reading the body")
        except (httpx.RemoteProtocolError, httpx.DecodingError) as exc:
            err = PayloadError(
                f"{self.vendor}: truncated or undecodable body from {safe_url} "
                f"(HTTP {response.status_code}, {type(exc).__name__})",
                vendor=self.vendor,
                url=safe_url,
                status=response.status_code,
            )
            return failed(err, status=response.status_code, outage=True)
        except httpx.TransportError as exc:
            return transport_error(exc, " while reading the body")
        finally:
            response.close()
        kept = {k.lower(): v for k, v in response.headers.items() if k.lower() != "set-cookie"}
        done = Attempt(self.monotonic() - started, response.status_code, content, kept)
        return self._judge(done, expect, safe_url)

    def _judge(self, done: Attempt, expect: Expect, safe_url: str) -> Attempt:
        """Turn a received response into success or a typed error (status, truncation, body)."""
        status, content, kept = done.status or 0, done.content, done.headers
        if not 200 <= status < 300:
            retryable = is_retryable_status(status)
            if retryable:
                done.retry_after = parse_retry_after(kept.get("retry-after"), self.clock.now())
            message = f"{self.vendor}: HTTP {status} for {safe_url}"
            done.error = HttpStatusError(
                message, vendor=self.vendor, url=safe_url, status=status, transient=retryable
            )
            done.outage = counts_as_outage(status)
            return done
        declared = kept.get("content-length", "")
        if declared.isdigit() and "content-encoding" not in kept and int(declared) != len(content):
            message = (
                f"{self.vendor}: truncated body from {safe_url}: {len(content)} of {declared} bytes"
            )
            done.error = PayloadError(message, vendor=self.vendor, url=safe_url, status=status)
            done.outage = True
            return done
        try:
            done.parsed = check_body(
                content, expect, vendor=self.vendor, url=safe_url, status=status
            )
        except PayloadError as err:
            done.error, done.outage = err, True
        return done

    def _read(self, response: httpx.Response, hard_stop: float) -> bytes:
        declared = response.headers.get("content-length", "")
        expected = int(declared) if declared.isdigit() else None  # raw (encoded) bytes
        plain = "content-encoding" not in response.headers
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            got = max(response.num_bytes_downloaded, size if plain else 0)
            # a trickling server must not outlive the deadline; a complete body is kept
            complete = expected is not None and got >= expected
            if not complete and self.monotonic() > hard_stop:
                raise DeadlinePassed
        return b"".join(chunks)


__all__ = ["Attempt", "AttemptRunner", "DeadlinePassed"]
