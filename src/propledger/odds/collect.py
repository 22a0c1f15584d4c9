"""Helpers shared by the pure ``parse_*`` functions: payload decoding and result building.

:func:`load_json` keeps every JSON number's text (floats become :class:`decimal.Decimal`), so a
quoted ``1.870`` is stored as written. :class:`QuoteCollector` gathers quotes and skip reasons
while a parser walks a payload, then :meth:`QuoteCollector.finish` de-duplicates on the natural
key (a main line beats an alternate) and returns the frozen :class:`ParseResult`.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections import Counter
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from propledger.clock import ensure_utc
from propledger.errors import PayloadError
from propledger.odds.formats import OddsFormat, Price, parse_price
from propledger.odds.quote import ParseResult, ParseStatus, Platform, Quote, Vendor


def load_json(payload: bytes | str | Mapping[str, Any], *, vendor: Vendor) -> Mapping[str, Any]:
    """Decode a JSON object; floats as Decimal (exact text). Already-decoded mappings pass
    through. Anything else (HTML, truncated JSON, a list) is a :class:`PayloadError`."""
    if isinstance(payload, Mapping):
        return payload
    if isinstance(payload, bytes):
        text = payload.decode("utf-8-sig", errors="replace")
    else:
        text = payload.lstrip("\ufeff")
    head = text.lstrip()[:1]
    if head == "<":
        raise PayloadError(f"{vendor}: expected JSON, got an HTML page", vendor=str(vendor))
    try:
        data = json.loads(text, parse_float=Decimal)
    except ValueError as exc:
        raise PayloadError(
            f"{vendor}: invalid or truncated JSON: {exc}", vendor=str(vendor)
        ) from None
    if not isinstance(data, Mapping):
        raise PayloadError(
            f"{vendor}: expected a JSON object at the top level, got {type(data).__name__}",
            vendor=str(vendor),
        )
    return data


def as_id(value: object) -> str | None:
    """Vendor ids arrive as strings or ints (``"12004411"`` / ``12004411``); store ``str``."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal | float):
        try:
            if value == int(value):
                value = int(value)
        except (ValueError, OverflowError):
            return None
    text = str(value).strip()
    return text or None


@functools.lru_cache(maxsize=16384)
def cached_price(text: str, hint: OddsFormat | None = None) -> Price:
    """:func:`~propledger.odds.formats.parse_price`, memoised: prices repeat across a payload
    and :class:`Price` is immutable. Raises :class:`InputError` like ``parse_price``."""
    return parse_price(text, hint=hint)


def number_text(value: object) -> str:
    """A JSON number exactly as written (Decimal keeps ``1.870``; ints have no point)."""
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value).strip()


class QuoteCollector:
    """Mutable builder for one payload's :class:`ParseResult`."""

    def __init__(self, vendor: Vendor, platform: Platform, captured_at: dt.datetime) -> None:
        self.vendor = vendor
        self.platform = platform
        self.captured_at = ensure_utc(captured_at)
        self.quotes: list[Quote] = []
        self.skipped: Counter[str] = Counter()
        self.warnings: list[str] = []

    def add(self, quote: Quote) -> None:
        self.quotes.append(quote)

    def skip(self, reason: str, n: int = 1) -> None:
        if n:
            self.skipped[reason] += n

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def finish(self, *, structure_found: bool = True) -> ParseResult:
        """De-duplicate on :attr:`Quote.key` (non-alternate first, then payload order).

        ``structure_found=False`` marks a payload whose expected container was absent."""
        best: dict[tuple[str, ...], int] = {}
        for index, quote in enumerate(self.quotes):
            key = quote.key
            current = best.get(key)
            if current is None or (self.quotes[current].is_alternate and not quote.is_alternate):
                best[key] = index
        kept = sorted(best.values())
        self.skip("duplicate_key", len(self.quotes) - len(kept))
        quotes = tuple(self.quotes[i] for i in kept)
        if quotes:
            status = ParseStatus.OK
        elif structure_found:
            status = ParseStatus.EMPTY
        else:
            status = ParseStatus.NO_MATCH
        return ParseResult(
            vendor=self.vendor,
            platform=self.platform,
            captured_at=self.captured_at,
            quotes=quotes,
            skipped=MappingProxyType(dict(sorted(self.skipped.items()))),
            warnings=tuple(self.warnings),
            status=status,
        )


__all__ = ["QuoteCollector", "as_id", "cached_price", "load_json", "number_text"]
