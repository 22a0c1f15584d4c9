"""PlayNow / OpenBet: every "a parser must get this right" item of vendors/playnow.md."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from pathlib import Path

import httpx
import pytest

from propledger.clock import UTC, FrozenClock
from propledger.errors import PayloadError
from propledger.http import make_client
from propledger.odds.formats import OddsFormat
from propledger.odds.quote import (
    BookType,
    Market,
    ParseStatus,
    Platform,
    Quote,
    Side,
    Surface,
    Vendor,
)
from propledger.settings import Settings
from propledger.sources.playnow import (
    fetch_openbet,
    fetch_playnow,
    openbet_event_ids_with_props,
    parse_openbet_events,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CAPTURED = dt.datetime(2026, 1, 14, 17, 0, tzinfo=UTC)


def _example() -> bytes:
    return (FIXTURES / "playnow_openbet_events.json").read_bytes()


def _edge() -> bytes:
    return (FIXTURES / "odds" / "playnow_openbet_edge.json").read_bytes()


def _find(quotes: tuple[Quote, ...], player: str, market: Market, line: float, side: Side) -> Quote:
    found = [
        q
        for q in quotes
        if q.player_name_raw == player
        and q.market_type is market
        and q.line == line
        and q.side is side
    ]
    assert len(found) == 1, f"{player} {market} {line} {side}: {found}"
    return found[0]


def test_example_payload_quotes() -> None:
    result = parse_openbet_events(_example(), CAPTURED)
    assert result.status is ParseStatus.OK
    assert len(result.quotes) == 12
    assert dict(result.skipped) == {"unsupported_market": 1}  # the Money Line
    q = _find(result.quotes, "Evan Marchetti", Market.SOG, 2.5, Side.OVER)
    assert (q.vendor, q.platform, q.book_name_raw, q.book_type) == (
        Vendor.PLAYNOW,
        Platform.OPENBET,
        "PlayNow",
        BookType.SPORTSBOOK,
    )
    assert (q.event_id_vendor, q.away_team, q.home_team) == ("12004411", "TOR", "MTL")
    assert q.event_start_time_utc == dt.datetime(2026, 1, 15, 0, 0, tzinfo=UTC)
    assert q.slate_date == dt.date(2026, 1, 14)  # 7 PM ET on the 14th
    assert (q.odds_quoted_raw, q.odds_quoted_format) == ("1.87", OddsFormat.DECIMAL)
    assert q.odds_decimal == 1.87
    assert q.odds_american == -115  # −100/0.87 = −114.94
    assert q.capture_ts_utc == CAPTURED
    assert q.player_id_vendor is None  # OpenBet has no player id
    assert (q.market_id_vendor, q.outcome_key, q.bet_type_id) == ("301000101", "801000201", "90001")
    # every derived American price, hand-checked
    under = _find(result.quotes, "Evan Marchetti", Market.SOG, 2.5, Side.UNDER)
    assert under.odds_american == -105
    assert (
        _find(result.quotes, "Evan Marchetti", Market.POINTS, 0.5, Side.OVER).odds_american == -164
    )
    assert (
        _find(result.quotes, "Evan Marchetti", Market.POINTS, 0.5, Side.UNDER).odds_american == 130
    )
    assert (
        _find(result.quotes, "Oskar Brandt", Market.BLOCKS, 1.5, Side.UNDER).odds_american == -135
    )
    assert (
        _find(result.quotes, "Liam Okafor", Market.ASSISTS, 0.5, Side.UNDER).odds_american == -182
    )


def test_player_1plus_goals_is_goals_over_half_with_player_from_outcome() -> None:
    quotes = parse_openbet_events(_example(), CAPTURED).quotes
    goals = [q for q in quotes if q.market_type is Market.GOALS]
    assert {(q.player_name_raw, q.line, q.side, q.odds_decimal, q.is_ladder) for q in goals} == {
        ("Evan Marchetti", 0.5, Side.OVER, 3.1, False),
        ("Samuel Roy", 0.5, Side.OVER, 4.0, False),
    }
    roy = next(q for q in goals if q.player_name_raw == "Samuel Roy")
    assert (roy.odds_quoted_raw, roy.odds_american) == ("4.0", 300)  # quoted as written


def test_ladder_outcomes_are_over_k_minus_half_and_flagged() -> None:
    quotes = parse_openbet_events(_example(), CAPTURED).quotes
    ladder = sorted(
        (q.line, q.side, q.odds_decimal, q.odds_american) for q in quotes if q.is_ladder
    )
    assert ladder == [(1.5, Side.OVER, 1.45, -222), (2.5, Side.OVER, 2.6, 160)]
    assert all(
        q.player_name_raw == "Samuel Roy" and q.market_type is Market.SOG
        for q in quotes
        if q.is_ladder
    )


def test_edge_payload_skips_and_quirks() -> None:
    result = parse_openbet_events(_edge(), CAPTURED)
    assert dict(result.skipped) == {
        "event_inactive": 1,  # active: false event
        "market_suspended": 2,  # status SUSPENDED, displayed false
        "no_line": 2,  # Over/Under with handicapValue null
        "no_price": 1,  # prices: []
        "outcome_suspended": 1,  # ladder rung "4+" SUSPENDED
        "unknown_outcome": 1,  # "Exactly 1"
        "unsupported_market": 1,  # Total Powerplay Points is not POINTS
    }
    assert len(result.quotes) == 9
    assert not any(
        q.market_type is Market.POINTS and q.player_name_raw == "Nils Åberg" for q in result.quotes
    )
    # ids given as ints are stored as strings; the accent and "St Louis" map to codes
    first = _find(result.quotes, "Zoë Ölund", Market.SOG, 3.5, Side.OVER)
    assert (first.event_id_vendor, first.away_team, first.home_team) == ("12009001", "MTL", "STL")
    assert first.odds_quoted_raw == "1.870"  # the JSON text, trailing zero kept
    assert first.odds_american == -115
    utah = _find(result.quotes, "Dylan Guenther", Market.SOG, 2.5, Side.OVER)
    assert (utah.away_team, utah.home_team) == (
        "UTA",
        "LAK",
    )  # "Utah Hockey Club" @ "Los Angeles Kings"


def test_edge_names_are_nfc_and_never_ascii_folded() -> None:
    quotes = parse_openbet_events(_edge(), CAPTURED).quotes
    names = {q.player_name_raw for q in quotes}
    assert "Nils Åberg" in names and "Zoë Ölund" in names
    assert all(unicodedata.is_normalized("NFC", n) for n in names)
    # the outcome spelled with a combining ring (NFD) is the same NFC name as the market's
    aberg_goal = _find(quotes, "Nils Åberg", Market.GOALS, 0.5, Side.OVER)
    assert (aberg_goal.odds_quoted_raw, aberg_goal.odds_quoted_format) == (
        "5/2",
        OddsFormat.FRACTIONAL,
    )
    assert (aberg_goal.odds_decimal, aberg_goal.odds_american) == (3.5, 250)
    rung = _find(quotes, "Nils Åberg", Market.SOG, 0.5, Side.OVER)
    assert rung.is_ladder and rung.odds_american == -500


def test_shots_on_goal_spellings_are_one_market() -> None:
    quotes = (
        parse_openbet_events(_example(), CAPTURED).quotes
        + parse_openbet_events(_edge(), CAPTURED).quotes
    )
    sog_names = {q.player_name_raw for q in quotes if q.market_type is Market.SOG}
    # "Total Shots on Goal" (Marchetti, Åberg) and "Total Shots On Goal" (Roy, Ölund)
    assert {"Evan Marchetti", "Samuel Roy", "Zoë Ölund", "Nils Åberg"} <= sog_names


def test_dict_payload_and_top_level_events_are_accepted() -> None:
    data = json.loads(_example())
    assert len(parse_openbet_events(data, CAPTURED).quotes) == 12
    assert len(parse_openbet_events({"events": data["data"]["events"]}, CAPTURED).quotes) == 12


def test_missing_structure_is_no_match_and_html_is_a_payload_error() -> None:
    result = parse_openbet_events(b'{"errors": [{"code": "403"}]}', CAPTURED)
    assert result.status is ParseStatus.NO_MATCH and result.quotes == ()
    assert "no data.events" in result.warnings[0]
    assert parse_openbet_events(b'{"data": {"events": []}}', CAPTURED).status is ParseStatus.EMPTY
    with pytest.raises(PayloadError, match="HTML"):
        parse_openbet_events(b"<html>Access denied</html>", CAPTURED)
    with pytest.raises(PayloadError, match="truncated"):
        parse_openbet_events(b'{"data": {"events": [', CAPTURED)


def test_event_ids_with_props_uses_market_count() -> None:
    listing = {
        "data": {
            "events": [
                {"id": 1, "marketCount": 6},
                {"id": "2", "marketCount": 5},
                {"id": "3", "marketCount": 40},
                {"id": "4", "markets": [{}] * 7},
            ]
        }
    }
    assert openbet_event_ids_with_props(listing) == ("1", "3", "4")


def _listing() -> bytes:
    return json.dumps(
        {
            "data": {
                "events": [
                    {"id": "12004411", "marketCount": 80},
                    {"id": "999", "marketCount": 2},
                    {"id": 12004415, "marketCount": 31},
                ]
            }
        }
    ).encode()


def test_fetch_openbet_lists_then_one_batched_events_by_ids(
    settings: Settings, clock: FrozenClock
) -> None:
    settings = Settings.from_env({"PLAYNOW_COOKIE": "sekret-cookie"})
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/event-list"):
            return httpx.Response(
                200, content=_listing(), headers={"content-type": "application/json"}
            )
        return httpx.Response(200, content=_example(), headers={"content-type": "application/json"})

    with make_client("playnow", settings, httpx.MockTransport(handler), clock=clock) as client:
        bundle = fetch_openbet(client, settings)
    assert [r.url.path for r in seen] == [
        "/content-service/api/v1/q/event-list",
        "/content-service/api/v1/q/events-by-ids",
    ]
    listing, events = seen
    assert listing.url.params["drilldownTagIds"] == "220"
    assert listing.url.params["lang"] == "en-US" and listing.url.params["channel"] == "I"
    assert events.url.params["eventIds"] == "12004411,12004415"  # marketCount > 5 only
    assert events.url.params["includeChildMarkets"] == "true"
    assert events.headers["cookie"] == "sekret-cookie"  # sent …
    assert [p.surface for p in bundle.payloads] == [
        Surface.OPENBET_EVENT_LIST,
        Surface.OPENBET_EVENTS,
    ]
    assert [p.parse for p in bundle.payloads] == [False, True]
    assert all("sekret" not in p.fetched.url for p in bundle.payloads)  # … never stored
    assert bundle.to_parse[0].fetched.captured_at == clock.now()
    assert len(parse_openbet_events(bundle.to_parse[0].fetched.content, clock.now()).quotes) == 12


def test_fetch_openbet_without_prop_events_makes_one_request(
    settings: Settings, clock: FrozenClock
) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return httpx.Response(200, json={"data": {"events": [{"id": "1", "marketCount": 3}]}})

    with make_client("playnow", settings, httpx.MockTransport(handler), clock=clock) as client:
        bundle = fetch_playnow(client, settings)
    assert len(calls) == 1 and bundle.to_parse == ()


def test_fetch_playnow_switches_to_kambi_by_setting(clock: FrozenClock) -> None:
    settings = Settings.from_env(
        {"PROPLEDGER_PLAYNOW_PLATFORM": "kambi", "PROPLEDGER_KAMBI_BRAND": "pnbc"}
    )
    hosts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hosts.append(f"{request.url.host}{request.url.path}")
        return httpx.Response(200, json={"events": []})

    with make_client("playnow", settings, httpx.MockTransport(handler), clock=clock) as client:
        bundle = fetch_playnow(client, settings)
    assert hosts == [
        "eu-offering-api.kambicdn.com/offering/v2018/pnbc/listView/ice_hockey/nhl/all/all/matches.json"
    ]
    assert bundle.payloads[0].platform is Platform.KAMBI


def _one_market(
    name: str, outcomes: list[dict[str, object]], handicap: object = None
) -> dict[str, object]:
    market = {
        "id": "m",
        "name": name,
        "handicapValue": handicap,
        "status": "ACTIVE",
        "outcomes": outcomes,
    }
    event = {
        "id": "1",
        "name": "Boston Bruins @ Buffalo Sabres",
        "startTime": "2026-01-15T00:00:00Z",
    }
    return {"data": {"events": [{**event, "markets": [market]}]}}


def test_player_k_plus_markets_and_anytime_names() -> None:
    twos = _one_market(
        "Player 2+ Points", [{"id": "a", "name": "David Pastrňák", "prices": [{"decimal": 3.4}]}]
    )
    (q,) = parse_openbet_events(twos, CAPTURED).quotes
    assert (q.player_name_raw, q.market_type, q.line, q.side, q.is_ladder) == (
        "David Pastrňák",
        Market.POINTS,
        1.5,
        Side.OVER,
        True,
    )
    ones = _one_market(
        "Player 1+ Assists", [{"id": "b", "name": "Tage Thompson", "prices": [{"decimal": 2.2}]}]
    )
    (q,) = parse_openbet_events(ones, CAPTURED).quotes
    assert (q.market_type, q.line, q.is_ladder) == (Market.ASSISTS, 0.5, False)
    anytime = _one_market(
        "Anytime Goalscorer", [{"id": "c", "name": "Tage Thompson", "prices": [{"decimal": 2.9}]}]
    )
    (q,) = parse_openbet_events(anytime, CAPTURED).quotes
    assert (q.market_type, q.line, q.side, q.is_ladder) == (Market.GOALS, 0.5, Side.OVER, False)
    powerplay = _one_market(
        "Player 1+ Powerplay Points", [{"id": "d", "name": "X Y", "prices": [{"decimal": 2}]}]
    )
    assert parse_openbet_events(powerplay, CAPTURED).skipped == {"unsupported_market": 1}


def test_outcome_named_with_its_line_still_uses_the_handicap() -> None:
    payload = _one_market(
        "Brad Marchand - Total Shots on Goal",
        [
            {"id": "o", "name": "Over 2.5", "prices": [{"decimal": "1.80"}]},
            {"id": "u", "name": "Under 2.5", "prices": [{"decimal": "2.00"}]},
        ],
        handicap="2.5",
    )
    quotes = parse_openbet_events(payload, CAPTURED).quotes
    assert {(q.player_name_raw, q.line, q.side, q.odds_quoted_raw) for q in quotes} == {
        ("Brad Marchand", 2.5, Side.OVER, "1.80"),
        ("Brad Marchand", 2.5, Side.UNDER, "2.00"),
    }
    assert {(q.away_team, q.home_team) for q in quotes} == {("BOS", "BUF")}
