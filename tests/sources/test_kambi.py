"""Kambi offering API (PlayNow's alternative platform): milli-units, OT types, ladders, status."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import httpx

from propledger.clock import UTC, FrozenClock
from propledger.http import make_client
from propledger.odds.formats import OddsFormat
from propledger.odds.quote import Market, ParseStatus, Platform, Quote, Side, Surface, Vendor
from propledger.settings import Settings
from propledger.sources.kambi import fetch_kambi, kambi_event_ids, parse_kambi_betoffers

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CAPTURED = dt.datetime(2026, 1, 14, 17, 0, tzinfo=UTC)


def _example() -> bytes:
    return (FIXTURES / "kambi_betoffers.json").read_bytes()


def _edge() -> bytes:
    return (FIXTURES / "odds" / "kambi_betoffers_edge.json").read_bytes()


def _rows(quotes: tuple[Quote, ...]) -> set[tuple[str, str, float, str, float, int, bool, bool]]:
    return {
        (
            q.player_name_raw,
            str(q.market_type),
            q.line,
            str(q.side),
            q.odds_decimal,
            q.odds_american,
            q.is_ladder,
            q.is_alternate,
        )
        for q in quotes
    }


def test_example_milli_units_sides_and_suspension() -> None:
    result = parse_kambi_betoffers(_example(), CAPTURED)
    assert result.status is ParseStatus.OK
    assert dict(result.skipped) == {"offer_suspended": 1}  # Brandt's assists offer
    assert _rows(result.quotes) == {
        ("Liam Okafor", "SOG", 2.5, "OVER", 1.9, -111, False, False),
        ("Liam Okafor", "SOG", 2.5, "UNDER", 1.87, -115, False, False),
        ("Liam Okafor", "POINTS", 0.5, "OVER", 1.62, -161, False, False),
        ("Liam Okafor", "POINTS", 0.5, "UNDER", 2.2, 120, False, False),
        # OT_YES ladder rungs: OVER k − 0.5 from the label, flagged, never mixed into the O/U
        ("Liam Okafor", "SOG", 2.5, "OVER", 2.75, 175, True, False),
        ("Liam Okafor", "SOG", 3.5, "OVER", 5.5, 450, True, False),
    }
    q = next(q for q in result.quotes if q.odds_decimal == 1.9)
    assert (q.vendor, q.platform, q.book_name_raw) == (Vendor.PLAYNOW, Platform.KAMBI, "PlayNow")
    assert (q.event_id_vendor, q.home_team, q.away_team) == ("1023456789", "VAN", "CGY")
    assert q.event_start_time_utc == dt.datetime(2026, 1, 15, 3, 0, tzinfo=UTC)
    assert q.slate_date == dt.date(2026, 1, 14)  # 10 PM ET
    assert (q.player_id_vendor, q.player_key) == ("1009990001", "id:1009990001")
    assert (q.odds_quoted_raw, q.odds_quoted_format) == ("1.9", OddsFormat.DECIMAL)
    assert (q.market_id_vendor, q.outcome_key, q.bet_type_id) == (
        "2450000101",
        "3990000201",
        "1001000011",
    )


def test_american_derivation_agrees_with_kambis_own_american() -> None:
    data = json.loads(_example())
    given = {
        str(o["id"]): int(o["oddsAmerican"])
        for offer in data["betOffers"]
        for o in offer["outcomes"]
        if not offer.get("suspended")
    }
    for q in parse_kambi_betoffers(_example(), CAPTURED).quotes:
        assert q.outcome_key is not None
        assert q.odds_american == given[q.outcome_key]


def test_edge_payload() -> None:
    result = parse_kambi_betoffers(_edge(), CAPTURED)
    assert dict(result.skipped) == {
        "no_player": 2,  # assists offer without participant
        "not_full_game": 1,  # first-period blocks
        "outcome_suspended": 1,  # status SUSPENDED
        "unsupported_market": 2,  # powerplay points, first goal scorer
    }
    assert _rows(result.quotes) == {
        ("Kucherov, Nikita", "SOG", 2.5, "OVER", 1.91, -110, False, False),
        ("Kucherov, Nikita", "SOG", 2.5, "UNDER", 1.91, -110, False, False),
        # a second line without MAIN_LINE while another offer has it: an alternate
        ("Kucherov, Nikita", "SOG", 3.5, "OVER", 2.6, 160, False, True),
        ("Kucherov, Nikita", "SOG", 3.5, "UNDER", 1.5, -200, False, True),
        ("Kucherov, Nikita", "POINTS", 0.5, "UNDER", 2.05, 105, False, False),
        # "To score at least 1 point": OT_YES/OT_NO at a fixed line, not a ladder
        ("Cole Caufield", "POINTS", 0.5, "OVER", 1.5, -200, False, False),
        ("Cole Caufield", "POINTS", 0.5, "UNDER", 2.5, 150, False, False),
        ("Cole Caufield", "GOALS", 1.5, "OVER", 6.5, 550, True, False),
    }
    # the side comes from outcome.type, never the localised label ("Plus de")
    alt = next(q for q in result.quotes if q.outcome_key == "21")
    assert alt.side is Side.OVER
    assert {q.home_team for q in result.quotes} == {"MTL"}  # "Montréal Canadiens"
    assert {q.away_team for q in result.quotes} == {"TBL"}


def test_started_event_is_flagged_live_and_missing_offers_is_no_match() -> None:
    data = json.loads(_example())
    data["events"][0]["state"] = "STARTED"
    assert all(q.is_live for q in parse_kambi_betoffers(data, CAPTURED).quotes)
    assert parse_kambi_betoffers(b'{"error": "x"}', CAPTURED).status is ParseStatus.NO_MATCH


def test_event_ids_only_not_started() -> None:
    listing = {
        "events": [
            {"event": {"id": 1, "state": "NOT_STARTED"}, "betOffers": []},
            {"event": {"id": 2, "state": "STARTED"}, "betOffers": []},
            {"event": {"id": 3, "state": "FINISHED"}},
            {"event": {"id": 4}},
        ]
    }
    assert kambi_event_ids(listing) == ("1", "4")
    assert kambi_event_ids(_example()) == ("1023456789",)


def test_fetch_kambi_list_then_each_event_and_a_404_only_degrades(clock: FrozenClock) -> None:
    settings = Settings.from_env({"PROPLEDGER_KAMBI_BRAND": "pnbc"})
    listing = {
        "events": [
            {"event": {"id": 11, "state": "NOT_STARTED"}},
            {"event": {"id": 12, "state": "NOT_STARTED"}},
        ]
    }
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("matches.json"):
            return httpx.Response(200, json=listing)
        if request.url.path.endswith("/12.json"):
            return httpx.Response(404, json={"error": "gone"})
        return httpx.Response(200, content=_example(), headers={"content-type": "application/json"})

    with make_client("playnow", settings, httpx.MockTransport(handler), clock=clock) as client:
        bundle = fetch_kambi(client, settings)
        status = client.result().status
    assert [r.url.path for r in seen] == [
        "/offering/v2018/pnbc/listView/ice_hockey/nhl/all/all/matches.json",
        "/offering/v2018/pnbc/betoffer/event/11.json",
        "/offering/v2018/pnbc/betoffer/event/12.json",
    ]
    assert all(r.url.params["lang"] == "en_US" and r.url.params["market"] == "CA" for r in seen)
    assert [p.surface for p in bundle.payloads] == [
        Surface.KAMBI_LIST_VIEW,
        Surface.KAMBI_BETOFFERS,
    ]
    assert len(bundle.errors) == 1 and bundle.errors[0].status == 404
    assert str(status) == "degraded"
    assert all(p.vendor is Vendor.PLAYNOW for p in bundle.payloads)
    assert bundle.to_parse[0].fetched.vendor == "playnow"  # archived as PlayNow's payload


def test_combined_results_per_event() -> None:
    from propledger.odds.quote import ParseResult

    merged = ParseResult.combine(
        [parse_kambi_betoffers(_example(), CAPTURED), parse_kambi_betoffers(_edge(), CAPTURED)]
    )
    assert len(merged.quotes) == 14
    assert merged.skipped["unsupported_market"] == 2 and merged.skipped["offer_suspended"] == 1
    assert merged.status is ParseStatus.OK
    assert {q.market_type for q in merged.quotes} == {Market.SOG, Market.POINTS, Market.GOALS}


def test_list_view_payload_and_anytime_scorer_by_label() -> None:
    event = {
        "id": 77,
        "homeName": "Seattle Kraken",
        "awayName": "Vegas Golden Knights",
        "start": "2026-01-15T03:00:00Z",
        "state": "NOT_STARTED",
    }
    offer = {
        "id": 5,
        "eventId": 77,
        "criterion": {
            "id": 9,
            "englishLabel": "Goal Scorer - Inc. OT",
            "lifetime": "FULL_TIME_OVERTIME",
        },
        "outcomes": [
            {
                "id": 1,
                "type": "OT_UNTYPED",
                "englishLabel": "Jared McCann",
                "odds": 2950,
                "status": "OPEN",
            }
        ],
    }
    result = parse_kambi_betoffers({"events": [{"event": event, "betOffers": [offer]}]}, CAPTURED)
    (q,) = result.quotes
    assert (q.player_name_raw, q.market_type, q.line, q.side, q.odds_american) == (
        "Jared McCann",
        Market.GOALS,
        0.5,
        Side.OVER,
        195,
    )
    assert (q.home_team, q.away_team, q.event_id_vendor) == ("SEA", "VGK", "77")
