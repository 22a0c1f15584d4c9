"""Unabated CDN v2 propodds.json: every "a parser must get this right" item of vendors/unabated.md."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import httpx

from propledger.clock import UTC, FrozenClock
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
from propledger.sources.unabated import (
    BET_TYPE_MARKETS,
    PREGAME_KEY,
    fetch_propodds,
    parse_propodds,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CAPTURED = dt.datetime(2026, 1, 14, 17, 0, tzinfo=UTC)


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


def _rows(quotes: tuple[Quote, ...]) -> set[tuple[str, str, str, float, str, int, bool]]:
    return {
        (
            q.player_name_raw,
            q.book_name_raw,
            str(q.market_type),
            q.line,
            str(q.side),
            q.odds_american,
            q.is_alternate,
        )
        for q in quotes
    }


# ---- the tripwire -------------------------------------------------------------------------


def test_bet_type_map_is_pinned() -> None:
    """Changing this map changes every Unabated row: 70 = POINTS, 73 = ASSISTS (not reversed)."""
    assert dict(BET_TYPE_MARKETS) == {
        70: Market.POINTS,
        73: Market.ASSISTS,
        86: Market.SOG,
        88: Market.BLOCKS,
        129: Market.GOALS,
    }


def test_tripwire_every_bet_type_in_committed_payloads_is_known() -> None:
    """Fails loudly when a committed payload carries a betTypeId we have not pinned.

    The edge fixture's 999 is the deliberate exception that proves unknown ids are skipped."""
    paths = [
        FIXTURES / "unabated_propodds.json",
        *sorted((FIXTURES / "odds").glob("unabated*.json")),
    ]
    for path in paths:
        data = json.loads(path.read_text(encoding="utf-8"))
        ids = {p["betTypeId"] for p in data["odds"][PREGAME_KEY]} - {999}
        unknown = ids - set(BET_TYPE_MARKETS)
        assert not unknown, (
            f"{path.name}: unknown betTypeId {sorted(unknown)}; pin it in BET_TYPE_MARKETS"
        )


def test_unknown_bet_type_is_skipped_counted_and_named() -> None:
    result = parse_propodds(_load("odds/unabated_propodds_edge.json"), CAPTURED)
    assert result.skipped["unknown_bet_type"] == 1
    assert any("unknown betTypeId 999" in w for w in result.warnings)
    assert all(q.bet_type_id != "999" for q in result.quotes)


# ---- the example payload ------------------------------------------------------------------


def test_example_payload() -> None:
    result = parse_propodds(_load("unabated_propodds.json"), CAPTURED)
    assert result.status is ParseStatus.OK
    assert dict(result.skipped) == {"blurred": 2, "null_alternate": 1}
    assert _rows(result.quotes) == {
        ("Evan Marchetti", "DraftKings", "SOG", 2.5, "OVER", -118, False),
        ("Evan Marchetti", "DraftKings", "SOG", 3.5, "OVER", 205, True),
        ("Evan Marchetti", "Underdog Fantasy", "SOG", 2.5, "OVER", -122, False),
        ("Evan Marchetti", "DraftKings", "SOG", 2.5, "UNDER", -104, False),
        ("Evan Marchetti", "DraftKings", "SOG", 3.5, "UNDER", -290, True),
        ("Samuel Roy", "FanDuel", "POINTS", 0.5, "OVER", -135, False),
        ("Samuel Roy", "FanDuel", "POINTS", 0.5, "UNDER", 110, False),
        ("Oskar Brandt", "DraftKings", "BLOCKS", 1.5, "OVER", 100, False),
        ("Oskar Brandt", "DraftKings", "BLOCKS", 1.5, "UNDER", -130, False),
        # one-sided anytime goal: kept as GOALS OVER 0.5
        ("Liam Okafor", "FanDuel", "GOALS", 0.5, "OVER", 240, False),
    }


def test_example_fields_units_and_ids() -> None:
    quotes = parse_propodds(_load("unabated_propodds.json"), CAPTURED).quotes
    q = next(
        q
        for q in quotes
        if q.book_name_raw == "DraftKings" and q.line == 2.5 and q.side is Side.OVER
    )
    assert (q.vendor, q.platform) == (Vendor.UNABATED, Platform.CDN_V2)
    assert (q.event_id_vendor, q.away_team, q.home_team, q.player_team) == (
        "210001",
        "TOR",
        "MTL",
        "TOR",
    )
    # "2026-01-15T00:00:00" has no Z: it is UTC, never local time
    assert q.event_start_time_utc == dt.datetime(2026, 1, 15, 0, 0, tzinfo=UTC)
    assert (q.odds_quoted_raw, q.odds_quoted_format) == ("-118", OddsFormat.AMERICAN)
    assert round(q.odds_decimal, 10) == round(1 + 100 / 118, 10)
    assert (q.player_id_vendor, q.book_id_vendor, q.market_source_id) == ("61001", "1", "1")
    assert (q.outcome_key, q.bet_type_id, q.market_id_vendor) == ("si0:pid61001", "86", "55000101")
    assert q.sequence_number == 1768416000123
    dfs = next(q for q in quotes if q.book_name_raw == "Underdog Fantasy")
    assert dfs.book_type is BookType.DFS_FIXED_PAYOUT
    assert {q.book_type for q in quotes if q.book_name_raw != "Underdog Fantasy"} == {
        BookType.SPORTSBOOK
    }


def test_sides_come_from_the_key_prefix_not_the_position() -> None:
    data = _load("unabated_propodds.json")
    prop = data["odds"][PREGAME_KEY][2]  # Brandt blocks: si0 +100, si1 −130
    prop["sides"] = dict(reversed(list(prop["sides"].items())))
    quotes = parse_propodds(data, CAPTURED).quotes
    brandt = {(q.side, q.odds_american) for q in quotes if q.player_name_raw == "Oskar Brandt"}
    assert brandt == {(Side.OVER, 100), (Side.UNDER, -130)}


def test_event_teams_zero_is_away_one_is_home() -> None:
    data = _load("unabated_propodds.json")
    for prop in data["odds"][PREGAME_KEY]:
        prop["eventTeams"] = {"0": prop["eventTeams"]["1"], "1": prop["eventTeams"]["0"]}
    quotes = parse_propodds(data, CAPTURED).quotes
    assert {(q.away_team, q.home_team) for q in quotes} == {("MTL", "TOR"), ("VAN", "CGY")}


# ---- the edge payload ---------------------------------------------------------------------


def test_edge_payload_skips() -> None:
    result = parse_propodds(_load("odds/unabated_propodds_edge.json"), CAPTURED)
    assert dict(result.skipped) == {
        "alternate_blurred": 1,
        "bet_sub_type": 1,
        "duplicate_key": 1,  # the DraftKings 3.5 alternate equal to the main line
        "line_off_board": 1,  # line statusId 2
        "no_price": 1,
        "not_pregame_full_game": 1,  # the lg6:pt1:live prop
        "null_alternate": 1,
        "unknown_bet_type": 1,
        "unknown_market_source": 1,  # ms999 is not in marketSources
    }
    assert len(result.quotes) == 11


def test_edge_payload_books_alternates_and_dfs() -> None:
    quotes = parse_propodds(_load("odds/unabated_propodds_edge.json"), CAPTURED).quotes
    kucherov = {q for q in quotes if q.player_name_raw == "Nikita Kucherov"}
    assert _rows(tuple(kucherov)) == {
        # Novig's marketSources statusId is 3: it is still a live book
        ("Nikita Kucherov", "Novig", "SOG", 3.5, "UNDER", -141, False),
        ("Nikita Kucherov", "Novig", "SOG", 3.5, "OVER", 108, False),
        # the main line (−120) wins over the alternate with the same book/side/line (−125)
        ("Nikita Kucherov", "DraftKings", "SOG", 3.5, "OVER", -120, False),
        # an alternate naming its own marketSourceId belongs to that book
        ("Nikita Kucherov", "FanDuel", "SOG", 4.5, "OVER", 170, True),
        ("Nikita Kucherov", "DraftKings Pick6", "SOG", 3.5, "OVER", -119, False),
    }
    assert {q.player_team for q in kucherov} == {"TBL"}  # teams[].abbreviation "TB"
    assert {(q.away_team, q.home_team) for q in kucherov} == {("TBL", "MTL")}
    types = {q.book_name_raw: q.book_type for q in quotes}
    assert types["DraftKings Pick6"] is BookType.DFS_FIXED_PAYOUT
    assert types["PrizePicks"] is BookType.DFS_FIXED_PAYOUT
    assert types["DraftKings"] is BookType.SPORTSBOOK


def test_edge_event_name_fallback_and_naive_start_is_utc() -> None:
    quotes = parse_propodds(_load("odds/unabated_propodds_edge.json"), CAPTURED).quotes
    keller = [q for q in quotes if q.player_name_raw == "Clayton Keller"]
    assert len(keller) == 2
    # no eventTeams: "Mammoth Utah UTA @ Kings Los Angeles LA"
    assert {(q.away_team, q.home_team, q.player_team) for q in keller} == {("UTA", "LAK", None)}
    assert {q.event_start_time_utc for q in keller} == {dt.datetime(2026, 3, 11, 2, 30, tzinfo=UTC)}
    assert {q.slate_date for q in keller} == {dt.date(2026, 3, 10)}  # 10:30 PM EDT on the 10th
    slaf = [q for q in quotes if q.market_type is Market.GOALS]
    assert {q.player_name_raw for q in slaf} == {"Juraj Slafkovský"}


def test_missing_pregame_key_is_no_match() -> None:
    result = parse_propodds({"odds": {"lg6:pt1:live": []}, "marketSources": []}, CAPTURED)
    assert result.status is ParseStatus.NO_MATCH
    empty = parse_propodds({"odds": {PREGAME_KEY: []}}, CAPTURED)
    assert empty.status is ParseStatus.EMPTY


# ---- fetch --------------------------------------------------------------------------------


def test_fetch_is_cache_busted_and_keeps_last_modified(
    settings: Settings, clock: FrozenClock
) -> None:
    seen: list[httpx.Request] = []
    body = (FIXTURES / "unabated_propodds.json").read_bytes()

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200,
            content=body,
            headers={
                "content-type": "application/json",
                "Last-Modified": "Wed, 14 Jan 2026 16:59:33 GMT",
            },
        )

    with make_client("unabated", settings, httpx.MockTransport(handler), clock=clock) as client:
        bundle = fetch_propodds(client, settings)
    (request,) = seen
    assert str(request.url).startswith(
        "https://content.unabated.com/markets/v2/league/6/propodds.json?"
    )
    assert request.url.params["t"] == str(int(clock.now().timestamp()))  # epoch seconds
    assert request.headers["cache-control"] == "no-cache"
    (payload,) = bundle.payloads
    assert payload.surface is Surface.UNABATED_CDN_V2 and payload.parse
    assert payload.last_modified == "Wed, 14 Jan 2026 16:59:33 GMT"
    assert len(parse_propodds(payload.fetched.content, payload.fetched.captured_at).quotes) == 10


def test_side_key_without_pid_and_full_name_person() -> None:
    data = {
        "odds": {
            PREGAME_KEY: [
                {
                    "eventId": 1,
                    "eventStart": "2026-01-15T00:00:00",
                    "betTypeId": 88,
                    "betSubType": None,
                    "personId": 5,
                    "eventTeams": {"0": {"id": 1}, "1": {"id": 2}},
                    "sides": {
                        "si1": {"ms7": {"points": "1.5", "americanPrice": "+120", "statusId": 1}}
                    },
                }
            ]
        },
        "people": {"5": {"fullName": "Moritz Seider"}},
        "teams": {"1": {"abbreviation": "DET"}, "2": {"name": "Maple Leafs"}},
        "marketSources": {"7": {"id": "7", "name": "Caesars", "statusId": 2}},
    }
    (q,) = parse_propodds(data, CAPTURED).quotes
    assert (q.player_name_raw, q.player_id_vendor, q.side, q.line) == (
        "Moritz Seider",
        "5",
        Side.UNDER,
        1.5,
    )
    assert (q.odds_quoted_raw, q.odds_american, q.odds_decimal) == ("+120", 120, 2.2)
    assert (q.away_team, q.home_team, q.book_name_raw) == ("DET", "TOR", "Caesars")
