"""Unabated's CDN v2 ``propodds.json`` (league 6 = NHL): ~20 books and DFS apps in one file.

Fetch (``fetch_propodds``): ``{base}/league/6/propodds.json?t=<epoch s>`` with
``Cache-Control: no-cache`` (a bare URL has been served hours stale); the response's
``Last-Modified`` is kept on the payload (``FetchedPayload.last_modified``) for the archive.
There is no history endpoint: backfill re-parses archived snapshots, never re-stamps.

Payload facts (``/work/shared/vendors/unabated.md``): only ``odds["lg6:pt1:pregame"]`` is
read; ``eventTeams["0"]`` is away and ``["1"]`` home; side keys ``si0:pid…`` are OVER and
``si1:pid…`` UNDER (by key prefix, never by position); books ``ms{id}`` resolve against this
payload's own ``marketSources`` (never hard-coded; never filtered on their ``statusId``);
``americanPrice`` is the quoted price (American); ``eventStart`` without ``Z`` is UTC.
Skipped and counted: ``betSubType`` variants, unknown ``betTypeId``, blurred lines, lines
whose own ``statusId`` ≠ 1, null alternates, unknown ``ms`` ids. Alternates become their own
quotes (``is_alternate``); a main line wins over an alternate with the same book/side/line.
DFS apps are kept and flagged ``DFS_FIXED_PAYOUT``. One-sided anytime goals are kept.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any

from propledger.clock import parse_utc, slate_date
from propledger.errors import InputError
from propledger.http import VendorClient
from propledger.odds.collect import QuoteCollector, as_id, load_json, number_text
from propledger.odds.formats import OddsFormat, Price, american_to_decimal
from propledger.odds.normalize import book_type_for, display_name, normalize_line, team_abbrev
from propledger.odds.quote import (
    FetchBundle,
    FetchedPayload,
    Market,
    ParseResult,
    Platform,
    Side,
    Surface,
    Vendor,
    build_quote,
)
from propledger.settings import Settings

NHL_LEAGUE_ID = 6
#: full game (pt1), pre-match: the only odds key we read
PREGAME_KEY = "lg6:pt1:pregame"

#: betTypeId → market, UI-verified (phase12 branch). The ONE place this map lives; the
#: 2024 partner-API doc swaps 70/73 and is wrong. tests/sources/test_unabated.py pins it.
BET_TYPE_MARKETS: Mapping[int, Market] = MappingProxyType(
    {
        70: Market.POINTS,
        73: Market.ASSISTS,
        86: Market.SOG,
        88: Market.BLOCKS,
        129: Market.GOALS,  # anytime goal; often only the si0 (OVER 0.5) side
    }
)

#: side index from the key prefix: si0 = OVER, si1 = UNDER (props only; game lines differ)
SIDE_BY_INDEX: Mapping[str, Side] = MappingProxyType({"0": Side.OVER, "1": Side.UNDER})

_SIDE_KEY = re.compile(r"^si(?P<index>\d+)(?::pid(?P<pid>\d+))?$")
_MS_KEY = re.compile(r"^ms(?P<id>\d+)$")


# ---- fetch ----------------------------------------------------------------------------------


def propodds_url(settings: Settings) -> str:
    return f"{settings.base_url('unabated')}/league/{NHL_LEAGUE_ID}/propodds.json"


def fetch_propodds(client: VendorClient, settings: Settings) -> FetchBundle:
    """GET the cache-busted props file (``t`` = epoch seconds from the client's clock)."""
    epoch = int(client.clock.now().timestamp())
    fetched = client.get(
        propodds_url(settings),
        params={"t": str(epoch)},
        headers={"Cache-Control": "no-cache", "Pragma": "no-cache", "accept": "application/json"},
    )
    return FetchBundle(
        (FetchedPayload(fetched, Vendor.UNABATED, Platform.CDN_V2, Surface.UNABATED_CDN_V2),)
    )


# ---- parse ----------------------------------------------------------------------------------


def _market_sources(data: Mapping[str, Any]) -> dict[str, str]:
    """``marketSources`` id → name, whatever their statusId (2/3 carry fresh lines too)."""
    raw = data.get("marketSources")
    items = raw.values() if isinstance(raw, Mapping) else raw if isinstance(raw, list) else ()
    out: dict[str, str] = {}
    for item in items:
        if isinstance(item, Mapping) and as_id(item.get("id")) and item.get("name"):
            out[str(as_id(item.get("id")))] = display_name(str(item["name"]))
    return out


def _lookup(table: object, key: object) -> Mapping[str, Any]:
    if not isinstance(table, Mapping) or key is None:
        return {}
    found = table.get(str(as_id(key)))
    return found if isinstance(found, Mapping) else {}


def _team(teams: object, team_id: object) -> str | None:
    team = _lookup(teams, team_id)
    return team_abbrev(str(team.get("abbreviation") or "")) or team_abbrev(
        str(team.get("name") or "")
    )


def _american(value: object) -> Price | None:
    """``americanPrice`` as quoted (``str`` of the JSON number); None when missing/invalid."""
    if value is None or isinstance(value, bool):
        return None
    return _american_text(number_text(value))


@functools.lru_cache(maxsize=4096)
def _american_text(text: str) -> Price | None:
    try:
        number = Decimal(text)
        if not number.is_finite() or number != number.to_integral_value():
            return None
        return Price(american_to_decimal(int(number)), text, OddsFormat.AMERICAN)
    except (InvalidOperation, InputError, ValueError):
        return None


def parse_propodds(
    payload: bytes | str | Mapping[str, Any], captured_at: dt.datetime
) -> ParseResult:
    """Quotes from a CDN v2 ``propodds.json`` captured at ``captured_at`` (UTC). Pure."""
    data = load_json(payload, vendor=Vendor.UNABATED)
    out = QuoteCollector(Vendor.UNABATED, Platform.CDN_V2, captured_at)
    odds = data.get("odds")
    if not isinstance(odds, Mapping) or not isinstance(odds.get(PREGAME_KEY), list):
        out.warn(f"unabated: no odds[{PREGAME_KEY!r}] list in the payload (schema drift?)")
        return out.finish(structure_found=False)
    for key, props in odds.items():
        if key != PREGAME_KEY and isinstance(props, list):
            out.skip("not_pregame_full_game", len(props))
    if odds[PREGAME_KEY] and not isinstance(data.get("people"), Mapping):
        # every player name comes from ``people``: without it nothing can be quoted, and an
        # "empty" result would hide the drift (all props skipped as unknown_person)
        out.warn(
            "unabated: no people table in the payload (schema drift?); players cannot be named"
        )
        return out.finish(structure_found=False)
    books = _market_sources(data)
    unknown_types: dict[str, int] = {}
    for prop in odds[PREGAME_KEY]:
        if not isinstance(prop, Mapping):
            out.skip("malformed_prop")
            continue
        market = BET_TYPE_MARKETS.get(_int(prop.get("betTypeId")) or -1)
        if prop.get("betSubType") is not None:
            out.skip("bet_sub_type")
            continue
        if market is None:
            out.skip("unknown_bet_type")
            tid = str(prop.get("betTypeId"))
            unknown_types[tid] = unknown_types.get(tid, 0) + 1
            continue
        _parse_prop(prop, market, data, books, out)
    for tid, n in sorted(unknown_types.items()):
        out.warn(
            f"unabated: unknown betTypeId {tid} ({n} props skipped); check it in the Unabated UI "
            "and pin it in sources/unabated.py BET_TYPE_MARKETS"
        )
    return out.finish()


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


def _parse_prop(
    prop: Mapping[str, Any],
    market: Market,
    data: Mapping[str, Any],
    books: Mapping[str, str],
    out: QuoteCollector,
) -> None:
    event_id = as_id(prop.get("eventId"))
    if event_id is None:
        out.skip("no_event_id")
        return
    teams = data.get("teams")
    sides_of_event = prop.get("eventTeams") if isinstance(prop.get("eventTeams"), Mapping) else {}
    away = _team(teams, _lookup(sides_of_event, "0").get("id"))
    home = _team(teams, _lookup(sides_of_event, "1").get("id"))
    name = display_name(prop.get("eventName") or "")
    if not (away and home) and " @ " in name:  # "Maple Leafs Toronto TOR @ Canadiens Montreal MTL"
        left, right = name.split(" @ ", 1)
        away, home = away or team_abbrev(left), home or team_abbrev(right)
    start: dt.datetime | None = None
    if prop.get("eventStart"):
        try:
            start = parse_utc(str(prop["eventStart"]))  # no offset = UTC, never local time
        except ValueError:
            out.warn(
                f"unabated: event {event_id} eventStart {prop['eventStart']!r} is not ISO-8601"
            )
    common: dict[str, Any] = {
        "vendor": Vendor.UNABATED,
        "platform": Platform.CDN_V2,
        "capture_ts_utc": out.captured_at,
        "slate_date": slate_date(start) if start else None,
        "event_id_vendor": event_id,
        "event_name_raw": name or None,
        "event_start_time_utc": start,
        "home_team": home,
        "away_team": away,
        "player_team": _team(teams, prop.get("teamId")),
        "market_type": market,
        "bet_type_id": as_id(prop.get("betTypeId")),
    }
    sides = prop.get("sides")
    if not isinstance(sides, Mapping):
        out.skip("no_sides")
        return
    for side_key, by_book in sides.items():
        match = _SIDE_KEY.match(str(side_key))
        side = SIDE_BY_INDEX.get(match.group("index")) if match else None
        if match is None or side is None or not isinstance(by_book, dict):
            out.skip("unknown_side")
            continue
        pid = match.group("pid") or as_id(prop.get("personId"))
        person = _lookup(data.get("people"), pid)
        player = display_name(
            f"{person.get('firstName') or ''} {person.get('lastName') or ''}"
            if person.get("firstName") or person.get("lastName")
            else str(person.get("fullName") or person.get("name") or "")
        )
        if not player:
            out.skip("unknown_person", len(by_book))
            continue
        who = {
            **common,
            "player_id_vendor": pid,
            "player_name_raw": player,
            "side": side,
            "outcome_key": str(side_key),
        }
        for ms_key, line in by_book.items():
            ms = _MS_KEY.match(str(ms_key))
            _parse_line(ms.group("id") if ms else None, line, who, books, out)


def _parse_line(
    ms_id: str | None,
    line: object,
    who: Mapping[str, Any],
    books: Mapping[str, str],
    out: QuoteCollector,
) -> None:
    if not isinstance(line, dict):
        out.skip("null_line")
        return
    # an unusable main line is counted; its alternates are still judged on their own fields
    _quote(ms_id, line, who, books, out, alternate=False, blurred=False)
    alternates = line.get("alternateLines")
    if not isinstance(alternates, list):
        return
    for alt in alternates:
        if not isinstance(alt, dict):
            out.skip("null_alternate")
            continue
        # an alternate may name its own book; otherwise it is the parent line's
        alt_ms = as_id(alt.get("marketSourceId")) or ms_id
        _quote(alt_ms, alt, who, books, out, alternate=True, blurred=bool(line.get("isBlurred")))


def _quote(
    ms_id: str | None,
    line: Mapping[str, Any],
    who: Mapping[str, Any],
    books: Mapping[str, str],
    out: QuoteCollector,
    *,
    alternate: bool,
    blurred: bool,
) -> bool:
    """Add one quote; False (and a counted reason) when the line is unusable."""
    prefix = "alternate_" if alternate else ""
    book = books.get(ms_id or "")
    if book is None:
        out.skip(f"{prefix}unknown_market_source")
        return False
    if line.get("isBlurred", blurred) is True:
        out.skip(f"{prefix}blurred")
        return False
    status = line.get("statusId", 1)
    if _int(status) != 1:
        out.skip(f"{prefix}line_off_board")
        return False
    points = line.get("points")
    if points is None:
        out.skip(f"{prefix}no_line")
        return False
    value = normalize_line(points)
    if value is None:
        out.skip(f"{prefix}bad_line")
        return False
    price = _american(line.get("americanPrice"))
    if price is None:
        out.skip(f"{prefix}no_price" if line.get("americanPrice") is None else f"{prefix}bad_price")
        return False
    sequence = line.get("sequenceNumber")
    out.add(
        build_quote(
            price,
            **who,
            line=value,
            book_id_vendor=ms_id,
            market_source_id=ms_id,
            book_name_raw=book,
            book_type=book_type_for(book),
            is_alternate=alternate,
            market_id_vendor=as_id(line.get("marketLineId")),
            sequence_number=_int(sequence) if sequence is not None else None,
        )
    )
    return True


__all__ = [
    "BET_TYPE_MARKETS",
    "PREGAME_KEY",
    "SIDE_BY_INDEX",
    "fetch_propodds",
    "parse_propodds",
    "propodds_url",
]
