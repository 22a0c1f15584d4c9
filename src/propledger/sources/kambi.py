"""PlayNow on Kambi's offering API (the alternative platform; quotes are vendor PLAYNOW).

Flow (``fetch_kambi``): ``listView/ice_hockey/nhl/all/all/matches.json`` for the event ids,
then ``betoffer/event/{id}.json`` per not-yet-started event (all markets, props included);
brand from ``settings.kambi_brand``, ``lang=en_US``, ``market=CA``.

Payload facts (``/work/shared/vendors/playnow.md`` section B): ``outcomes[].odds`` is decimal
× 1000 and ``line`` is × 1000 (both divided exactly); the side is ``outcome.type``
(``OT_OVER``/``OT_UNDER``), never the localised label; the player is ``participant`` (Kambi's
id in ``participantId``); an offer may be ``suspended`` and an outcome must be ``OPEN``.
Ladder rungs come as ``OT_YES`` outcomes labelled ``"3+"``: kept only as OVER k − 0.5 with
``is_ladder`` (k from the label), never mixed into the O/U. Markets come from
``criterion.englishLabel`` by an exact table (``"Points by the player - Inc. OT"`` → POINTS).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from propledger.clock import parse_utc, slate_date
from propledger.errors import CircuitOpenError, HttpStatusError, SourceError
from propledger.http import VendorClient
from propledger.odds.collect import QuoteCollector, as_id, load_json
from propledger.odds.formats import OddsFormat, Price
from propledger.odds.normalize import (
    canonical_market,
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
_PARAMS = {
    "lang": "en_US",
    "market": "CA",
    "client_id": "2",
    "channel_id": "1",
    "useCombined": "true",
}
#: full game incl. overtime; a missing lifetime is read as full game
_FULL_GAME = frozenset({"FULL_TIME_OVERTIME", "FULL_TIME"})

_BY_PLAYER = re.compile(r"^(?P<stat>.+?) by the player$")
_AT_LEAST = re.compile(r"^to score at least (?P<k>\d+) (?P<stat>points?|goals?|assists?)$")
_ANYTIME = frozenset(
    {"goal scorer", "anytime goal scorer", "anytime goalscorer", "goalscorer", "to score"}
)
#: (folded) label suffixes that name the lifetime or the sport, not the stat
_SUFFIX = re.compile(
    r"\s+(inc ot|incl ot|including ot|including overtime|incl overtime|ice hockey)$"
)


# ---- fetch ----------------------------------------------------------------------------------


def fetch_kambi(client: VendorClient, settings: Settings) -> FetchBundle:
    """GET the NHL list view, then each not-started event's bet offers.

    One event answering 4xx/5xx is recorded and skipped (the vendor is degraded); an open
    breaker or a spent budget stops the loop."""
    base = f"{settings.base_url('kambi')}/{settings.kambi_brand}"
    listing = client.get(f"{base}/listView/ice_hockey/nhl/all/all/matches.json", params=_PARAMS)
    payloads = [
        FetchedPayload(
            listing, Vendor.PLAYNOW, Platform.KAMBI, Surface.KAMBI_LIST_VIEW, parse=False
        )
    ]
    errors: list[SourceError] = []
    for event_id in kambi_event_ids(listing.content):
        try:
            fetched = client.get(f"{base}/betoffer/event/{event_id}.json", params=_PARAMS)
        except CircuitOpenError:
            raise
        except HttpStatusError as exc:
            errors.append(exc)
            continue
        payloads.append(
            FetchedPayload(fetched, Vendor.PLAYNOW, Platform.KAMBI, Surface.KAMBI_BETOFFERS)
        )
    return FetchBundle(tuple(payloads), tuple(errors))


def kambi_event_ids(payload: bytes | str | Mapping[str, Any]) -> tuple[str, ...]:
    """Ids of not-started events in a list view (``events[].event``) or betoffer payload."""
    data = load_json(payload, vendor=Vendor.PLAYNOW)
    ids: list[str] = []
    for item in data.get("events") or ():
        if not isinstance(item, Mapping):
            continue
        event = _mapping(item.get("event")) or item
        state = str(event.get("state") or "NOT_STARTED").upper()
        event_id = as_id(event.get("id"))
        if event_id and state == "NOT_STARTED" and event_id not in ids:
            ids.append(event_id)
    return tuple(ids)


# ---- parse ----------------------------------------------------------------------------------


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _milli(value: object) -> Fraction | None:
    """Kambi milli-units (1870 → 1.87) as an exact fraction."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return Fraction(Decimal(str(value))) / 1000
    except (InvalidOperation, ValueError):
        return None


def _milli_text(value: Fraction) -> str:
    """1.87 → ``"1.87"``, 10 → ``"10"``: the quoted milli-decimal rescaled without loss."""
    text = format(Decimal(value.numerator) / Decimal(value.denominator), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _criterion(offer: Mapping[str, Any]) -> tuple[Market | None, int | None, bool]:
    """(market, fixed k for "at least k" criteria, is anytime-goalscorer) from the label."""
    criterion = _mapping(offer.get("criterion"))
    label = str(criterion.get("englishLabel") or criterion.get("label") or "")
    base = _SUFFIX.sub("", fold(label))
    if base in _ANYTIME:
        return Market.GOALS, 1, True
    match = _AT_LEAST.match(base)
    if match:
        return canonical_market(match.group("stat")), int(match.group("k")), False
    match = _BY_PLAYER.match(base)
    if match:
        return canonical_market(match.group("stat")), None, False
    return None, None, False


def _event_info(event: Mapping[str, Any]) -> dict[str, Any]:
    name = display_name(event.get("englishName") or event.get("name") or "")
    home = team_abbrev(str(event.get("homeName") or ""))
    away = team_abbrev(str(event.get("awayName") or ""))
    if not (home and away) and " - " in name:  # Kambi writes "Home - Away"
        left, right = name.split(" - ", 1)
        home, away = home or team_abbrev(left), away or team_abbrev(right)
    start: dt.datetime | None = None
    try:
        start = parse_utc(str(event["start"])) if event.get("start") else None
    except ValueError:
        start = None
    return {
        "event_name_raw": name or None,
        "home_team": home,
        "away_team": away,
        "event_start_time_utc": start,
        "slate_date": slate_date(start) if start else None,
        "is_live": str(event.get("state") or "").upper() == "STARTED",
    }


def parse_kambi_betoffers(
    payload: bytes | str | Mapping[str, Any], captured_at: dt.datetime
) -> ParseResult:
    """Quotes from a Kambi ``betoffer/event/{id}.json`` payload captured at ``captured_at`` (UTC).

    A ``listView`` payload (``events[] = {event, betOffers}``) is read the same way."""
    data = load_json(payload, vendor=Vendor.PLAYNOW)
    out = QuoteCollector(Vendor.PLAYNOW, Platform.KAMBI, captured_at)
    offers = data.get("betOffers")
    listed = data.get("events")
    raw_events: list[Any] = listed if isinstance(listed, list) else []
    if not isinstance(offers, list) and any(
        isinstance(item, Mapping) and isinstance(item.get("event"), Mapping) for item in raw_events
    ):
        items = [item for item in raw_events if isinstance(item, Mapping)]
        offers = [offer for item in items for offer in (item.get("betOffers") or ())]
        raw_events = [item["event"] for item in items if isinstance(item.get("event"), Mapping)]
    if not isinstance(offers, list):
        out.warn("playnow/kambi: no betOffers in the payload (schema drift or an error body)")
        return out.finish(structure_found=False)
    events: dict[str, dict[str, Any]] = {}
    for event in raw_events:
        if isinstance(event, Mapping) and as_id(event.get("id")):
            events[str(as_id(event.get("id")))] = _event_info(event)
    main_lines = _players_with_main_line(offers)
    for offer in offers:
        if not isinstance(offer, Mapping):
            out.skip("malformed_offer")
            continue
        _parse_offer(offer, events, main_lines, out)
    return out.finish()


def _players_with_main_line(offers: list[Any]) -> set[tuple[str, str, str]]:
    """(event, criterion, participant) groups that have an offer tagged MAIN_LINE."""
    found: set[tuple[str, str, str]] = set()
    for offer in offers:
        if isinstance(offer, Mapping) and "MAIN_LINE" in (offer.get("tags") or ()):
            for outcome in offer.get("outcomes") or ():
                if isinstance(outcome, Mapping):
                    found.add(_group(offer, outcome))
    return found


def _group(offer: Mapping[str, Any], outcome: Mapping[str, Any]) -> tuple[str, str, str]:
    criterion = _mapping(offer.get("criterion"))
    who = as_id(outcome.get("participantId")) or str(outcome.get("participant") or "")
    return (str(as_id(offer.get("eventId"))), str(as_id(criterion.get("id"))), who)


def _parse_offer(
    offer: Mapping[str, Any],
    events: Mapping[str, Mapping[str, Any]],
    main_lines: set[tuple[str, str, str]],
    out: QuoteCollector,
) -> None:
    criterion = _mapping(offer.get("criterion"))
    lifetime = criterion.get("lifetime")
    if lifetime is not None and str(lifetime).upper() not in _FULL_GAME:
        out.skip("not_full_game")  # a period market, whatever its stat
        return
    market, fixed_k, anytime = _criterion(offer)
    if market is None:
        out.skip("unsupported_market")
        return
    if offer.get("suspended") is True:
        out.skip("offer_suspended")
        return
    event_id = as_id(offer.get("eventId"))
    if event_id is None:
        out.skip("no_event_id")
        return
    event = events.get(event_id, {})
    if not event:
        out.warn(
            f"playnow/kambi: bet offer {as_id(offer.get('id'))} names event {event_id} not in the payload"
        )
    is_main = "MAIN_LINE" in (offer.get("tags") or ())
    for outcome in offer.get("outcomes") or ():
        if not isinstance(outcome, Mapping):
            out.skip("malformed_outcome")
            continue
        kind = str(outcome.get("type") or "").upper()
        label = str(outcome.get("englishLabel") or outcome.get("label") or "")
        ladder = False
        line: float | None
        if kind in ("OT_OVER", "OT_UNDER") and fixed_k is None:
            side = Side.OVER if kind == "OT_OVER" else Side.UNDER
            raw_line = _milli(outcome.get("line"))
            if raw_line is None:
                out.skip("no_line")
                continue
            line = normalize_line(float(raw_line))
            if line is None:
                out.skip("bad_line")
                continue
        elif fixed_k is not None and (kind in ("OT_YES", "OT_NO") or (anytime and kind != "OT_NO")):
            side = Side.UNDER if kind == "OT_NO" else Side.OVER
            line = ladder_line(fixed_k)
        elif kind == "OT_YES" and ladder_k(label) is not None:
            line, side, ladder = ladder_line(ladder_k(label) or 0), Side.OVER, True
        else:
            out.skip("unsupported_outcome")
            continue
        player = display_name(outcome.get("participant") or "")
        if not player and anytime:  # goalscorer outcomes may carry the player only as the label
            player = display_name(label)
        if not player:
            out.skip("no_player")
            continue
        status = outcome.get("status")
        if status is not None and str(status).upper() != "OPEN":
            out.skip("outcome_suspended")
            continue
        odds = _milli(outcome.get("odds"))
        if odds is None:
            out.skip("no_price")
            continue
        if odds <= 1:
            out.skip("bad_price")
            continue
        alternate = (
            not ladder and fixed_k is None and not is_main and _group(offer, outcome) in main_lines
        )
        out.add(
            build_quote(
                Price(odds, _milli_text(odds), OddsFormat.DECIMAL),
                vendor=Vendor.PLAYNOW,
                platform=Platform.KAMBI,
                capture_ts_utc=out.captured_at,
                event_id_vendor=event_id,
                **event,
                player_id_vendor=as_id(outcome.get("participantId")),
                player_name_raw=player,
                market_type=market,
                line=line,
                side=side,
                book_name_raw=BOOK_NAME,
                book_type=BookType.SPORTSBOOK,
                is_ladder=ladder,
                is_alternate=alternate,
                bet_type_id=as_id(criterion.get("id")),
                market_id_vendor=as_id(offer.get("id")),
                outcome_key=as_id(outcome.get("id")),
            )
        )


__all__ = ["BOOK_NAME", "fetch_kambi", "kambi_event_ids", "parse_kambi_betoffers"]
