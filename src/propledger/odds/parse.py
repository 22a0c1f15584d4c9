"""One entry point for every odds parser, keyed by payload surface; and the debug CSV.

Ingestion and reparse call :func:`parse_payload` with ``raw_payload.surface``, the archived
bytes and the capture time; ``propledger odds parse`` resolves its ``--vendor`` through
:data:`CLI_VENDORS`. :func:`quotes_csv` renders the fixed debug columns (decimal odds to 4
places, times ISO-8601 UTC with ``Z``, empty when unknown), sorted deterministically.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any

from propledger.clock import iso_z
from propledger.errors import ConfigError
from propledger.odds.quote import FetchedPayload, ParseResult, Quote, Surface

Parser = Callable[[Any, dt.datetime], ParseResult]


def _parsers() -> Mapping[Surface, Parser]:
    # imported here: sources import odds/, so odds/ must not import sources at module load
    from propledger.sources.kambi import parse_kambi_betoffers
    from propledger.sources.oddsshark import parse_props_page
    from propledger.sources.playnow import parse_openbet_events
    from propledger.sources.unabated import parse_propodds

    return MappingProxyType(
        {
            Surface.OPENBET_EVENTS: parse_openbet_events,
            Surface.KAMBI_BETOFFERS: parse_kambi_betoffers,
            Surface.UNABATED_CDN_V2: parse_propodds,
            Surface.ODDSSHARK_PROPS: parse_props_page,
        }
    )


#: surfaces kept only as provenance (lists used to pick event ids): no quotes in them
PROVENANCE_SURFACES: frozenset[Surface] = frozenset(
    {Surface.OPENBET_EVENT_LIST, Surface.KAMBI_LIST_VIEW}
)

#: ``odds parse --vendor`` names → the surface of the file they take
CLI_VENDORS: Mapping[str, Surface] = MappingProxyType(
    {
        "playnow": Surface.OPENBET_EVENTS,
        "kambi": Surface.KAMBI_BETOFFERS,
        "unabated": Surface.UNABATED_CDN_V2,
        "oddsshark": Surface.ODDSSHARK_PROPS,
    }
)


def parse_payload(
    surface: Surface | str, content: bytes | str, captured_at: dt.datetime
) -> ParseResult:
    """Parse one payload of ``surface`` captured at ``captured_at`` (UTC).

    Raises :class:`ConfigError` for a surface without a parser and
    :class:`~propledger.errors.PayloadError` for an unreadable payload."""
    try:
        key = Surface(str(surface))
    except ValueError:
        known = ", ".join(s.value for s in Surface)
        raise ConfigError(f"unknown payload surface {surface!r}; use one of {known}") from None
    parser = _parsers().get(key)
    if parser is None:
        raise ConfigError(f"surface {key.value} holds no quotes (an event list); nothing to parse")
    return parser(content, captured_at)


def parse_fetched(payload: FetchedPayload) -> ParseResult | None:
    """Parse a fetched payload with its capture time; None for provenance-only payloads."""
    if not payload.parse or payload.surface in PROVENANCE_SURFACES:
        return None
    return parse_payload(payload.surface, payload.fetched.content, payload.fetched.captured_at)


#: the exact columns of ``propledger odds parse``
CSV_COLUMNS: tuple[str, ...] = (
    "vendor",
    "book",
    "event_id_vendor",
    "event_start_time_utc",
    "home_team",
    "away_team",
    "player_name_raw",
    "market_type",
    "line",
    "side",
    "odds_decimal",
    "odds_american",
    "odds_quoted_raw",
    "book_type",
)


def _sort_key(q: Quote) -> tuple[Any, ...]:
    start = iso_z(q.event_start_time_utc) if q.event_start_time_utc else ""
    return (
        start,
        q.event_id_vendor,
        q.player_name_raw,
        str(q.market_type),
        q.line,
        str(q.side),
        q.book_name_raw.casefold(),
        q.book_name_raw,
        q.is_ladder,
        q.odds_decimal,
    )


def csv_row(q: Quote) -> tuple[str, ...]:
    return (
        str(q.vendor),
        q.book_name_raw,
        q.event_id_vendor,
        iso_z(q.event_start_time_utc) if q.event_start_time_utc else "",
        q.home_team or "",
        q.away_team or "",
        q.player_name_raw,
        str(q.market_type),
        f"{q.line:.1f}",
        str(q.side),
        f"{q.odds_decimal:.4f}",
        str(q.odds_american),
        q.odds_quoted_raw,
        str(q.book_type),
    )


def quotes_csv(quotes: Iterable[Quote]) -> str:
    """CSV text (header + one line per quote, ``\\n`` endings), sorted by game start, event,
    player, market, line, side, book."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_row(q) for q in sorted(quotes, key=_sort_key))
    return buffer.getvalue()


__all__ = [
    "CLI_VENDORS",
    "CSV_COLUMNS",
    "PROVENANCE_SURFACES",
    "csv_row",
    "parse_fetched",
    "parse_payload",
    "quotes_csv",
]
