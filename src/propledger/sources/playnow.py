"""PlayNow on OpenBet's content-service (primary platform; Kambi is in ``kambi.py``).

Flow (``fetch_openbet``): ``event-list`` for NHL (``drilldownTagIds=220``), keep the events with
``marketCount > 5`` (most carry no props), then ONE batched ``events-by-ids`` call. Only the
``events-by-ids`` payload holds the props; ``parse_openbet_events`` reads it.

Payload facts (``/work/shared/vendors/playnow.md``): the line is ``market.handicapValue`` (plain
units), the price is ``outcome.prices[0].decimal`` (decimal odds, kept verbatim as the quoted
value; American is derived), ``startTime`` is UTC, ``event.name`` is ``"Away @ Home"``; there is
no player id (the player is the text before ``" Total "`` in the market name) and no American
price. ``"Player 1+ Goals"`` is GOALS OVER 0.5 with the player in the outcome name; outcomes
``"k+"`` are ladder rungs, OVER k − 0.5, flagged ``is_ladder``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

from propledger.clock import parse_utc, slate_date
from propledger.errors import InputError, PayloadError
from propledger.http import VendorClient
from propledger.odds.collect import QuoteCollector, as_id, cached_price, load_json, number_text
from propledger.odds.formats import OddsFormat, Price
from propledger.odds.normalize import (
    canonical_market,
    canonical_side,
    display_name,
    fold,
    ladder_k,
    ladder_line,
    normalize_line,
    team_abbrev,
)
from propledger.odds.quote import (
    BookType,
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

BOOK_NAME = "PlayNow"
#: events with more markets than this carry player props (DESIGN / vendor doc)
MIN_PROP_MARKETS = 5
NHL_DRILLDOWN_TAG = "220"
_COMMON_PARAMS = {"includeChildMarkets": "true", "lang": "en-US", "channel": "I"}

_PLAYER_TOTAL = re.compile(r"^\s*(?P<player>.+?)\s+total\s+(?P<stat>.+?)\s*$", re.IGNORECASE)
_PLAYER_K_PLUS = re.compile(r"^\s*player\s+(?P<k>\d{1,2})\s*\+\s*(?P<stat>.+?)\s*$", re.IGNORECASE)
_ANYTIME_NAMES = frozenset({"anytime goalscorer", "anytime goal scorer", "anytime scorer"})
_SIDE_WORD = re.compile(r"^\s*(over|under)\b", re.IGNORECASE)
_OPEN = "ACTIVE"


# ---- fetch ----------------------------------------------------------------------------------


def _headers(settings: Settings) -> dict[str, str]:
    headers = {"accept": "application/json"}
    if settings.secrets.playnow_cookie:
        # sent, never logged or archived: VendorClient logs sanitised URLs only
        headers["Cookie"] = settings.secrets.playnow_cookie
    return headers


def fetch_openbet(client: VendorClient, settings: Settings) -> FetchBundle:
    """GET the NHL event list, then one ``events-by-ids`` for the events with props."""
    base = settings.base_url("playnow")
    headers = _headers(settings)
    listing = client.get(
        f"{base}/event-list",
        params={
            "drilldownTagIds": NHL_DRILLDOWN_TAG,
            "eventSortsIncluded": "MTCH,TNMT",
            **_COMMON_PARAMS,
        },
        headers=headers,
    )
    payloads = [
        FetchedPayload(
            listing, Vendor.PLAYNOW, Platform.OPENBET, Surface.OPENBET_EVENT_LIST, parse=False
        )
    ]
    try:
        ids = openbet_event_ids_with_props(listing.content)
    except PayloadError as exc:
        # the GET succeeded but its body is unusable: the client must count it (docs/http.md)
        error = PayloadError(
            f"playnow: event list: {exc}", vendor="playnow", url=listing.url, status=listing.status
        )
        client.record_error(error)
        raise error from None
    if ids:
        events = client.get(
            f"{base}/events-by-ids",
            params={"eventIds": ",".join(ids), **_COMMON_PARAMS},
            headers=headers,
        )
        payloads.append(
            FetchedPayload(events, Vendor.PLAYNOW, Platform.OPENBET, Surface.OPENBET_EVENTS)
        )
    return FetchBundle(tuple(payloads))


def fetch_playnow(client: VendorClient, settings: Settings) -> FetchBundle:
    """PlayNow on the configured platform (``PROPLEDGER_PLAYNOW_PLATFORM`` openbet|kambi).

    Pass the ``playnow`` client for both: Kambi payloads are PlayNow's (vendor PLAYNOW)."""
    if settings.playnow_platform == "kambi":
        from propledger.sources.kambi import fetch_kambi

        return fetch_kambi(client, settings)
    return fetch_openbet(client, settings)


def openbet_event_ids_with_props(
    payload: bytes | str | Mapping[str, Any], *, min_markets: int = MIN_PROP_MARKETS
) -> tuple[str, ...]:
    """Ids (str) of events whose ``marketCount`` (or number of markets) exceeds ``min_markets``.

    A list without ``data.events`` (schema drift, an error body) is a :class:`PayloadError`, not
    "no games": an empty ``events`` list is the only way to say there are none."""
    data = load_json(payload, vendor=Vendor.PLAYNOW)
    events = _events(data)
    if events is None:
        raise PayloadError(
            "playnow/openbet: no data.events in the event list (schema drift or an error body)",
            vendor="playnow",
        )
    ids: list[str] = []
    for event in events:
        if not isinstance(event, Mapping):
            continue
        count = event.get("marketCount")
        if count is None:
            count = len(event.get("markets") or ())
        event_id = as_id(event.get("id"))
        try:
            many = int(count) > min_markets
        except (TypeError, ValueError):
            many = False
        if event_id and many and event_id not in ids:
            ids.append(event_id)
    return tuple(ids)


# ---- parse ----------------------------------------------------------------------------------


def _events(data: Mapping[str, Any]) -> Sequence[Any] | None:
    inner = data.get("data")
    for holder in (inner if isinstance(inner, Mapping) else {}, data):
        events = holder.get("events")
        if isinstance(events, list):
            return events
    return None


def _teams(event: Mapping[str, Any], name: str) -> tuple[str | None, str | None]:
    """(away, home) abbreviations: from ``"Away @ Home"``, else from ``teams[]`` side/role."""
    away = home = None
    if " @ " in name:
        left, right = name.split(" @ ", 1)
        away, home = team_abbrev(left), team_abbrev(right)
    if away and home:
        return away, home
    for team in event.get("teams") or ():
        if not isinstance(team, Mapping):
            continue
        side = str(team.get("side") or team.get("role") or "").upper()
        code = team_abbrev(str(team.get("name") or ""))
        if side.startswith("HOME"):
            home = home or code
        elif side.startswith("AWAY"):
            away = away or code
    return away, home


def _is_open(item: Mapping[str, Any]) -> bool:
    status = item.get("status")
    if status is not None and str(status).upper() != _OPEN:
        return False
    return item.get("active") is not False and item.get("displayed") is not False


def _price(outcome: Mapping[str, Any]) -> Price | None:
    """``prices[0].decimal`` verbatim; the fractional pair only when the decimal is absent."""
    prices = outcome.get("prices")
    if not isinstance(prices, list) or not prices or not isinstance(prices[0], Mapping):
        return None
    first = prices[0]
    if first.get("decimal") is not None:
        return cached_price(number_text(first["decimal"]), OddsFormat.DECIMAL)
    num, den = first.get("numerator"), first.get("denominator")
    if num is not None and den is not None:
        return cached_price(f"{number_text(num)}/{number_text(den)}", OddsFormat.FRACTIONAL)
    return None


def parse_openbet_events(
    payload: bytes | str | Mapping[str, Any], captured_at: dt.datetime
) -> ParseResult:
    """Quotes from an OpenBet ``events-by-ids`` (or ``event-list``) payload captured at
    ``captured_at`` (UTC). Pure: no I/O. Unusable JSON raises :class:`PayloadError`."""
    data = load_json(payload, vendor=Vendor.PLAYNOW)
    out = QuoteCollector(Vendor.PLAYNOW, Platform.OPENBET, captured_at)
    if "betOffers" in data:
        # a Kambi offering also has a top-level events list; its quotes are in betOffers
        out.warn("playnow/openbet: a Kambi betOffers payload, not OpenBet (parse it as kambi)")
        return out.finish(structure_found=False)
    events = _events(data)
    if events is None:
        out.warn("playnow/openbet: no data.events in the payload (schema drift or an error body)")
        return out.finish(structure_found=False)
    for event in events:
        if not isinstance(event, Mapping):
            out.skip("malformed_event")
            continue
        _parse_event(event, out)
    return out.finish()


def _parse_event(event: Mapping[str, Any], out: QuoteCollector) -> None:
    event_id = as_id(event.get("id"))
    if event_id is None:
        out.skip("no_event_id")
        return
    if event.get("active") is False or event.get("displayed") is False:
        out.skip("event_inactive")
        return
    name = display_name(event.get("name") or "")
    away, home = _teams(event, name)
    if not (away and home):
        out.warn(
            f"playnow/openbet: unknown team in event {event_id} {name!r}; add it to odds/normalize.py"
        )
    start: dt.datetime | None = None
    if event.get("startTime"):
        try:
            start = parse_utc(str(event["startTime"]))
        except ValueError:
            out.warn(
                f"playnow/openbet: event {event_id} startTime {event['startTime']!r} is not ISO-8601"
            )
    common: dict[str, Any] = {
        "vendor": Vendor.PLAYNOW,
        "platform": Platform.OPENBET,
        "capture_ts_utc": out.captured_at,
        "slate_date": slate_date(start) if start else None,
        "event_id_vendor": event_id,
        "event_name_raw": name or None,
        "event_start_time_utc": start,
        "home_team": home,
        "away_team": away,
        "book_name_raw": BOOK_NAME,
        "book_type": BookType.SPORTSBOOK,
        "is_live": bool(event.get("liveNow") or event.get("isLive")),
    }
    for market in event.get("markets") or ():
        if not isinstance(market, Mapping):
            out.skip("malformed_market")
            continue
        _parse_market(market, common, out)


def _market_kind(name: str) -> tuple[Market | None, str, int | None]:
    """(market, player named by the market or "" when the outcomes name players, fixed k)."""
    match = _PLAYER_K_PLUS.match(name)
    if match:  # "Player 1+ Goals": one outcome per player, OVER k − 0.5
        k = int(match.group("k"))
        return (canonical_market(match.group("stat")) if k >= 1 else None), "", k
    if fold(name) in _ANYTIME_NAMES:
        return Market.GOALS, "", 1
    match = _PLAYER_TOTAL.match(name)
    if match:  # exact stat table: "Powerplay Points" is not POINTS
        player = display_name(match.group("player")).rstrip(" -–:")
        return canonical_market(match.group("stat")), player, None
    return None, "", None


def _outcome_side(label: str) -> Side | None:
    """``Over``/``Under`` (also ``"Over 2.5"``: the line is still the market's handicap)."""
    match = _SIDE_WORD.match(label)
    return canonical_side(match.group(1)) if match else None


def _parse_market(
    market: Mapping[str, Any], common: Mapping[str, Any], out: QuoteCollector
) -> None:
    kind, player, fixed_k = _market_kind(str(market.get("name") or ""))
    if kind is None:
        out.skip("unsupported_market")
        return
    if not _is_open(market):
        out.skip("market_suspended")
        return
    handicap = market.get("handicapValue")
    keys = {
        "market_type": kind,
        "bet_type_id": as_id(market.get("templateMarketId")),
        "market_id_vendor": as_id(market.get("id")),
    }
    for outcome in market.get("outcomes") or ():
        if not isinstance(outcome, Mapping):
            out.skip("malformed_outcome")
            continue
        label = display_name(outcome.get("name") or "")
        line: float | None
        side: Side | None
        if fixed_k is not None:
            # the player is the outcome; "1+" is the plain OVER 0.5, "2+" and up are rungs
            who, line, side, ladder = label, ladder_line(fixed_k), Side.OVER, fixed_k >= 2
        else:
            who, ladder = player, False
            side, k = _outcome_side(label), ladder_k(label)
            if side is not None:
                if handicap is None:
                    out.skip("no_line")
                    continue
                line = normalize_line(handicap)
            elif k is not None:
                line, side, ladder = ladder_line(k), Side.OVER, True
            else:
                out.skip("unknown_outcome")
                continue
        if line is None or side is None:
            out.skip("bad_line")
            continue
        if not who:
            out.skip("no_player")
            continue
        if not _is_open(outcome):
            out.skip("outcome_suspended")
            continue
        try:
            price = _price(outcome)
        except InputError:
            out.skip("bad_price")
            continue
        if price is None:
            out.skip("no_price")
            continue
        out.add(
            build_quote(
                price,
                **common,
                **keys,
                player_name_raw=who,
                line=line,
                side=side,
                is_ladder=ladder,
                outcome_key=as_id(outcome.get("id")),
            )
        )


__all__ = [
    "BOOK_NAME",
    "fetch_openbet",
    "fetch_playnow",
    "openbet_event_ids_with_props",
    "parse_openbet_events",
]
