"""What a successful call returns: :class:`Fetched`, and the body checks behind ``expect``."""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from propledger.errors import PayloadError


class Expect(enum.StrEnum):
    """What a caller needs from a 2xx body; anything else is a non-retried PayloadError."""

    BYTES = "bytes"  # anything, even empty (the historical default)
    TEXT = "text"  # a non-empty body (HTML pages, CSV)
    JSON = "json"  # valid JSON, not an HTML page; decoded once, kept in Fetched.parsed


NOT_PARSED: Any = object()


def decode_json(content: bytes, *, vendor: str, url: str, status: int) -> Any:
    """Decode a JSON body; an HTML page, empty or truncated JSON is a PayloadError."""
    if content.lstrip()[:1] == b"<":
        raise PayloadError(
            f"{vendor}: expected JSON from {url}, got an HTML page",
            vendor=vendor,
            url=url,
            status=status,
        )
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PayloadError(
            f"{vendor}: invalid or truncated JSON from {url}: {exc}",
            vendor=vendor,
            url=url,
            status=status,
        ) from None


@dataclass(frozen=True)
class Fetched:
    """One usable response. ``captured_at`` is UTC, from the injected clock.

    ``url`` is sanitised; ``headers`` are lower-case, without ``set-cookie``; ``elapsed`` is the
    seconds the whole call took (all attempts and waits); ``attempts`` counts this call's tries.
    """

    vendor: str
    url: str
    status: int
    content: bytes
    headers: Mapping[str, str]
    elapsed: float
    attempts: int
    captured_at: dt.datetime
    parsed: Any = field(default=NOT_PARSED, repr=False, compare=False)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """Decode JSON; an HTML page or a truncated body is a typed, non-retried PayloadError."""
        if self.parsed is not NOT_PARSED:
            return self.parsed
        return decode_json(self.content, vendor=self.vendor, url=self.url, status=self.status)


def check_body(content: bytes, expect: Expect, *, vendor: str, url: str, status: int) -> Any:
    """Check a 2xx body against ``expect``; return the decoded JSON (or NOT_PARSED)."""
    if expect is Expect.JSON:
        return decode_json(content, vendor=vendor, url=url, status=status)
    if expect is Expect.TEXT and not content.strip():
        raise PayloadError(
            f"{vendor}: empty body from {url}", vendor=vendor, url=url, status=status
        )
    return NOT_PARSED


__all__ = ["NOT_PARSED", "Expect", "Fetched", "check_body", "decode_json"]
