"""The normalised quote: one vendor price for one player line, before entity mapping.

A :class:`Quote` holds the ``fact_prop_odds`` columns before mapping (``game_id``,
``player_id`` and ``map_*`` are added at ingest, which also fills ``raw_payload_hash``).
Units: ``odds_decimal`` is decimal odds per unit stake (2.0 = even money), ``odds_american`` is
the American price derived exactly from it, ``odds_quoted_raw`` + ``odds_quoted_format`` are the
price as the vendor wrote it. Times are timezone-aware UTC; ``slate_date`` is the
America/New_York date of the game. ``line`` is in stat units, rounded to 1 decimal place.

Parsers return a frozen :class:`ParseResult` (quotes, skip counts by reason, warnings, status)
so that ingestion can report "selector matched nothing", unknown ids or blurred lines.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import pyarrow as pa

from propledger.errors import SourceError
from propledger.http import Fetched
from propledger.odds.formats import OddsFormat, Price


class Vendor(enum.StrEnum):
    """Who sold us the quote (Kambi payloads are PLAYNOW on platform ``kambi``)."""

    PLAYNOW = "PLAYNOW"
    UNABATED = "UNABATED"
    ODDSSHARK = "ODDSSHARK"


class Platform(enum.StrEnum):
    """The vendor surface whose format the payload has."""

    OPENBET = "openbet"
    KAMBI = "kambi"
    CDN_V2 = "cdn_v2"
    PROPS_HTML = "props_html"


class Surface(enum.StrEnum):
    """One kind of archived payload (``raw_payload.surface``); tells reparse which parser reads it."""

    OPENBET_EVENT_LIST = "openbet_event_list"
    OPENBET_EVENTS = "openbet_events_by_ids"
    KAMBI_LIST_VIEW = "kambi_list_view"
    KAMBI_BETOFFERS = "kambi_betoffer_event"
    UNABATED_CDN_V2 = "cdn_v2"
    ODDSSHARK_PROPS = "props_html"


class Market(enum.StrEnum):
    """The five modelled markets (full game incl. overtime)."""

    GOALS = "GOALS"
    ASSISTS = "ASSISTS"
    POINTS = "POINTS"
    SOG = "SOG"
    BLOCKS = "BLOCKS"


class Side(enum.StrEnum):
    """The side of an over/under prop (the one definition: ingestion, EV and settlement use it;
    its values equal ``model.outcomes.Outcome.OVER``/``UNDER``, so a bet wins when the line's
    outcome is its side)."""

    OVER = "OVER"
    UNDER = "UNDER"


class BookType(enum.StrEnum):
    """DFS apps pay fixed multiples, not sportsbook odds; EV excludes them by default."""

    SPORTSBOOK = "SPORTSBOOK"
    DFS_FIXED_PAYOUT = "DFS_FIXED_PAYOUT"


class ParseStatus(enum.StrEnum):
    """``ok``: quotes found; ``empty``: the structure was there but held no usable quote (normal
    before props are posted); ``no_match``: the expected structure was absent (a selector or key
    matched nothing: schema drift or a block page)."""

    OK = "ok"
    EMPTY = "empty"
    NO_MATCH = "no_match"


@dataclass(frozen=True)
class Quote:
    """One captured price. See the module docstring for units; ``None`` means not given."""

    vendor: Vendor
    platform: Platform
    capture_ts_utc: dt.datetime
    event_id_vendor: str
    player_name_raw: str
    market_type: Market
    line: float
    side: Side
    book_name_raw: str
    book_type: BookType
    odds_quoted_raw: str
    odds_quoted_format: OddsFormat
    odds_decimal: float
    odds_american: int
    slate_date: dt.date | None = None
    event_ref_vendor: str | None = None
    event_name_raw: str | None = None
    event_start_time_utc: dt.datetime | None = None
    home_team: str | None = None
    away_team: str | None = None
    player_id_vendor: str | None = None
    player_team: str | None = None
    book_id_vendor: str | None = None
    is_live: bool = False
    is_ladder: bool = False
    is_alternate: bool = False
    bet_type_id: str | None = None
    market_id_vendor: str | None = None
    market_source_id: str | None = None
    outcome_key: str | None = None
    sequence_number: int | None = None
    raw_payload_hash: str | None = None  # filled by ingest: sha256 of the archived payload

    @property
    def player_key(self) -> str:
        """The player part of the natural key: the vendor's id when it has one, else the name."""
        if self.player_id_vendor:
            return f"id:{self.player_id_vendor}"
        return f"name:{self.player_name_raw}"

    @property
    def key(self) -> tuple[str, ...]:
        """The natural key within one capture (``fact_prop_odds`` primary key minus vendor/time)."""
        return (
            self.event_id_vendor,
            self.player_key,
            str(self.market_type),
            f"{self.line:.1f}",
            str(self.side),
            self.book_name_raw,
            "ladder" if self.is_ladder else "line",
        )

    def as_row(self) -> dict[str, Any]:
        row = {name: getattr(self, name) for name in _FIELDS}
        row["player_key"] = self.player_key
        for name in _ENUM_FIELDS:
            row[name] = str(row[name])
        return row


def build_quote(price: Price, **fields: Any) -> Quote:
    """A Quote whose four odds columns come from ``price`` (exact conversions of formats.py)."""
    raw, quoted_format, decimal, american = _odds_columns(price)
    return Quote(
        odds_quoted_raw=raw,
        odds_quoted_format=quoted_format,
        odds_decimal=decimal,
        odds_american=american,
        **fields,
    )


@functools.lru_cache(maxsize=16384)
def _odds_columns(price: Price) -> tuple[str, OddsFormat, float, int]:
    # a payload repeats a few hundred distinct prices tens of thousands of times; Price is
    # immutable, so its exact (Fraction) derivations are computed once per distinct price
    return price.quoted_raw, price.quoted_format, price.decimal, price.american


_FIELDS = tuple(Quote.__dataclass_fields__)
_ENUM_FIELDS = ("vendor", "platform", "market_type", "side", "book_type", "odds_quoted_format")

_TS = pa.timestamp("us", tz="UTC")
#: Arrow schema of parsed quotes = the parser-filled columns of ``fact_prop_odds``.
QUOTE_SCHEMA = pa.schema(
    [
        ("vendor", pa.string()),
        ("platform", pa.string()),
        ("capture_ts_utc", _TS),
        ("slate_date", pa.date32()),
        ("event_id_vendor", pa.string()),
        ("event_ref_vendor", pa.string()),
        ("event_name_raw", pa.string()),
        ("event_start_time_utc", _TS),
        ("home_team", pa.string()),
        ("away_team", pa.string()),
        ("player_key", pa.string()),
        ("player_id_vendor", pa.string()),
        ("player_name_raw", pa.string()),
        ("player_team", pa.string()),
        ("market_type", pa.string()),
        ("line", pa.float64()),
        ("side", pa.string()),
        ("book_id_vendor", pa.string()),
        ("book_name_raw", pa.string()),
        ("book_type", pa.string()),
        ("odds_quoted_raw", pa.string()),
        ("odds_quoted_format", pa.string()),
        ("odds_decimal", pa.float64()),
        ("odds_american", pa.int32()),
        ("is_live", pa.bool_()),
        ("is_ladder", pa.bool_()),
        ("is_alternate", pa.bool_()),
        ("bet_type_id", pa.string()),
        ("market_id_vendor", pa.string()),
        ("market_source_id", pa.string()),
        ("outcome_key", pa.string()),
        ("sequence_number", pa.int64()),
        ("raw_payload_hash", pa.string()),
    ]
)


def quotes_to_arrow(quotes: Iterable[Quote], *, raw_payload_hash: str | None = None) -> pa.Table:
    """Quotes as an Arrow table with :data:`QUOTE_SCHEMA` (ready for ``wh.append`` after mapping).

    ``raw_payload_hash`` (the archive's sha256 of the payload) fills that column on every row.
    Built column by column (one pass per field, no per-row dicts)."""
    items = list(quotes)
    columns: dict[str, list[Any]] = {}
    for name in QUOTE_SCHEMA.names:
        if name == "player_key":
            columns[name] = [q.player_key for q in items]
        elif name == "raw_payload_hash" and raw_payload_hash is not None:
            columns[name] = [raw_payload_hash] * len(items)
        elif name in _ENUM_FIELDS:
            columns[name] = [str(getattr(q, name)) for q in items]
        else:
            columns[name] = [getattr(q, name) for q in items]
    return pa.Table.from_pydict(columns, schema=QUOTE_SCHEMA)


@dataclass(frozen=True)
class ParseResult:
    """What one payload yielded. ``skipped`` counts dropped candidates by reason (see docs/odds.md)."""

    vendor: Vendor
    platform: Platform
    captured_at: dt.datetime
    quotes: tuple[Quote, ...]
    skipped: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    warnings: tuple[str, ...] = ()
    status: ParseStatus = ParseStatus.OK

    @property
    def n_skipped(self) -> int:
        return sum(self.skipped.values())

    def to_arrow(self, *, raw_payload_hash: str | None = None) -> pa.Table:
        return quotes_to_arrow(self.quotes, raw_payload_hash=raw_payload_hash)

    def summary(self) -> str:
        """One line: ``12 quotes (ok); skipped 3: no_line=1, unknown_market=2``."""
        text = f"{len(self.quotes)} quotes ({self.status})"
        if self.skipped:
            parts = ", ".join(f"{k}={v}" for k, v in sorted(self.skipped.items()))
            text += f"; skipped {self.n_skipped}: {parts}"
        return text

    @classmethod
    def combine(cls, results: Iterable[ParseResult]) -> ParseResult:
        """Merge results of one vendor/platform (e.g. one Kambi payload per event)."""
        items = list(results)
        if not items:
            raise ValueError("combine() needs at least one ParseResult")
        skipped: dict[str, int] = {}
        for r in items:
            for reason, n in r.skipped.items():
                skipped[reason] = skipped.get(reason, 0) + n
        quotes = tuple(q for r in items for q in r.quotes)
        statuses = {r.status for r in items}
        status = (
            ParseStatus.OK
            if quotes
            else ParseStatus.EMPTY
            if ParseStatus.EMPTY in statuses
            else ParseStatus.NO_MATCH
        )
        return cls(
            vendor=items[0].vendor,
            platform=items[0].platform,
            captured_at=max(r.captured_at for r in items),
            quotes=quotes,
            skipped=MappingProxyType(skipped),
            warnings=tuple(w for r in items for w in r.warnings),
            status=status,
        )


@dataclass(frozen=True)
class FetchedPayload:
    """One response a ``fetch_*`` function got, with the surface that says how to parse it.

    ``parse`` is False for payloads kept only as provenance (event lists used to pick ids)."""

    fetched: Fetched
    vendor: Vendor
    platform: Platform
    surface: Surface
    parse: bool = True

    @property
    def last_modified(self) -> str | None:
        return self.fetched.headers.get("last-modified")


@dataclass(frozen=True)
class FetchBundle:
    """Everything one vendor fetch produced, in request order. ``errors`` are per-item failures
    that did not stop the fetch (e.g. one Kambi event 404): the vendor is degraded, not failed."""

    payloads: tuple[FetchedPayload, ...]
    errors: tuple[SourceError, ...] = ()

    @property
    def to_parse(self) -> tuple[FetchedPayload, ...]:
        return tuple(p for p in self.payloads if p.parse)


__all__ = [
    "QUOTE_SCHEMA",
    "BookType",
    "FetchBundle",
    "FetchedPayload",
    "Market",
    "ParseResult",
    "ParseStatus",
    "Platform",
    "Quote",
    "Side",
    "Surface",
    "Vendor",
    "build_quote",
    "quotes_to_arrow",
]
