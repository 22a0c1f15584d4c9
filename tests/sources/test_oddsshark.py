"""OddsShark props HTML: every "a parser must get this right" item of vendors/oddsshark.md."""

from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path

import httpx
import pytest

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
from propledger.sources.oddsshark import fetch_props_page, parse_props_page, synthetic_event_id

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EST_AFTERNOON = dt.datetime(2026, 1, 14, 17, 0, tzinfo=UTC)  # 12:00 EST, Jan 14


def _example() -> bytes:
    return (FIXTURES / "oddsshark_player_props.html").read_bytes()


def _edge() -> bytes:
    return (FIXTURES / "odds" / "oddsshark_player_props_edge.html").read_bytes()


def _rows(quotes: tuple[Quote, ...]) -> set[tuple[str, str, str, float, str, int, str]]:
    return {
        (
            q.player_name_raw,
            q.book_name_raw,
            str(q.market_type),
            q.line,
            str(q.side),
            q.odds_american,
            q.odds_quoted_raw,
        )
        for q in quotes
    }


def test_example_page() -> None:
    result = parse_props_page(_example(), EST_AFTERNOON)
    assert result.status is ParseStatus.OK
    assert dict(result.skipped) == {"empty_odds": 1}  # Pinnacle's empty over for Okafor
    assert _rows(result.quotes) == {
        # POINTS container: books BET99, Sports Interaction, Pinnacle ("Best Odds" cell skipped)
        ("Evan Marchetti", "BET99", "POINTS", 0.5, "OVER", -160, "-160"),
        ("Evan Marchetti", "BET99", "POINTS", 0.5, "UNDER", 125, "+125"),
        ("Evan Marchetti", "Sports Interaction", "POINTS", 0.5, "OVER", -155, "-155"),
        ("Evan Marchetti", "Sports Interaction", "POINTS", 0.5, "UNDER", 120, "+120"),
        ("Evan Marchetti", "Pinnacle", "POINTS", 0.5, "OVER", -150, "-150"),
        ("Evan Marchetti", "Pinnacle", "POINTS", 0.5, "UNDER", 130, "+130"),
        ("Liam Okafor", "BET99", "POINTS", 0.5, "OVER", -105, "-105"),
        ("Liam Okafor", "BET99", "POINTS", 0.5, "UNDER", -125, "-125"),
        ("Liam Okafor", "Sports Interaction", "POINTS", 0.5, "OVER", 100, "EV"),
        ("Liam Okafor", "Sports Interaction", "POINTS", 0.5, "UNDER", -130, "-130"),
        ("Liam Okafor", "Pinnacle", "POINTS", 0.5, "UNDER", -115, "-115"),
        # SOG container has its own header order: Pinnacle, BET99, Betway ("Betway Logo")
        ("Evan Marchetti", "Pinnacle", "SOG", 2.5, "OVER", -112, "-112"),
        ("Evan Marchetti", "Pinnacle", "SOG", 2.5, "UNDER", -108, "-108"),
        ("Evan Marchetti", "BET99", "SOG", 2.5, "OVER", -110, "-110"),
        ("Evan Marchetti", "BET99", "SOG", 2.5, "UNDER", -120, "-120"),
        ("Evan Marchetti", "Betway", "SOG", 2.5, "OVER", -125, "-125"),
        ("Evan Marchetti", "Betway", "SOG", 2.5, "UNDER", -105, "-105"),
    }


def test_example_event_ids_and_times() -> None:
    quotes = parse_props_page(_example(), EST_AFTERNOON).quotes
    games = {
        (q.event_id_vendor, q.away_team, q.home_team, q.event_start_time_utc, q.event_ref_vendor)
        for q in quotes
    }
    assert games == {
        (
            "ODDSSHARK_20260114_TOR_MTL",
            "TOR",
            "MTL",
            dt.datetime(2026, 1, 15, 0, 0, tzinfo=UTC),
            "4410021",
        ),
        # 10:00 PM ET on the 14th is 03:00Z on the 15th, but the id keeps the ET date
        (
            "ODDSSHARK_20260114_CGY_VAN",
            "CGY",
            "VAN",
            dt.datetime(2026, 1, 15, 3, 0, tzinfo=UTC),
            "4410025",
        ),
    }
    q = quotes[0]
    assert (q.vendor, q.platform, q.book_type) == (
        Vendor.ODDSSHARK,
        Platform.PROPS_HTML,
        BookType.SPORTSBOOK,
    )
    assert q.odds_quoted_format is OddsFormat.AMERICAN
    assert {q.slate_date for q in quotes} == {dt.date(2026, 1, 14)}
    even = next(q for q in quotes if q.odds_quoted_raw == "EV")
    assert (even.odds_decimal, even.odds_american) == (2.0, 100)


@pytest.mark.parametrize(
    ("captured", "date", "seven_pm_utc"),
    [
        # after 00:00 UTC but still the evening before in ET (EST): the ET date, not the UTC date
        (
            dt.datetime(2026, 1, 15, 1, 30, tzinfo=UTC),
            "20260114",
            dt.datetime(2026, 1, 15, 0, 0, tzinfo=UTC),
        ),
        # EDT (UTC−4): 7 PM ET is 23:00Z the same day; a fixed +5 h would say 00:00Z
        (
            dt.datetime(2026, 4, 10, 16, 0, tzinfo=UTC),
            "20260410",
            dt.datetime(2026, 4, 10, 23, 0, tzinfo=UTC),
        ),
        (
            dt.datetime(2026, 4, 11, 2, 0, tzinfo=UTC),
            "20260410",
            dt.datetime(2026, 4, 10, 23, 0, tzinfo=UTC),
        ),
    ],
)
def test_et_date_of_capture_dates_the_games(
    captured: dt.datetime, date: str, seven_pm_utc: dt.datetime
) -> None:
    quotes = parse_props_page(_example(), captured).quotes
    tor = {q.event_start_time_utc for q in quotes if q.away_team == "TOR"}
    assert tor == {seven_pm_utc}
    assert {q.event_id_vendor for q in quotes} == {
        f"ODDSSHARK_{date}_TOR_MTL",
        f"ODDSSHARK_{date}_CGY_VAN",
    }


def test_synthetic_id_is_stable_across_captures_of_one_day() -> None:
    ids = [
        {q.event_id_vendor for q in parse_props_page(_example(), at).quotes}
        for at in (
            dt.datetime(2026, 1, 14, 14, 0, tzinfo=UTC),
            dt.datetime(2026, 1, 14, 23, 59, tzinfo=UTC),
            dt.datetime(2026, 1, 15, 4, 30, tzinfo=UTC),  # 23:30 EST
        )
    ]
    assert ids[0] == ids[1] == ids[2]
    assert synthetic_event_id(dt.date(2026, 1, 14), "CGY", "VAN") == "ODDSSHARK_20260114_CGY_VAN"


def test_edge_page() -> None:
    captured = dt.datetime(2026, 3, 4, 1, 30, tzinfo=UTC)  # 20:30 EST on March 3
    result = parse_props_page(_edge(), captured)
    assert dict(result.skipped) == {
        "cell_without_book": 1,  # a cell beyond the container's header
        "empty_cell": 1,  # a book cell without entries
        "empty_odds": 1,  # whitespace odds: skip that side only
        "unsupported_tab": 1,  # POWER PLAY POINTS is not POINTS
    }
    assert _rows(result.quotes) == {
        (
            "Adrian Kempe",
            "bet365",
            "GOALS",
            0.5,
            "OVER",
            135,
            "+135",
        ),  # &#43; decoded, "logo" stripped
        ("Adrian Kempe", "Pinnacle", "GOALS", 0.5, "OVER", 100, "Even"),
        ("Adrian Kempe", "Pinnacle", "GOALS", 0.5, "UNDER", -130, "-130"),
        ("Juraj Slafkovský", "Betway", "BLOCKS", 1.5, "OVER", -110, "-110"),
        ("Juraj Slafkovský", "Betway", "BLOCKS", 1.5, "UNDER", -120, "-120"),
        # each cell carries its own line
        ("Juraj Slafkovský", "BET99", "BLOCKS", 2.5, "OVER", 180, "+180"),
        ("Juraj Slafkovský", "BET99", "BLOCKS", 2.5, "UNDER", -250, "-250"),
        ("Jean-Gabriel Pageau", "BET99", "BLOCKS", 1.5, "OVER", 100, "ev"),
        # a Unicode minus is read as "-"; the book name keeps its case ("pinnacle logo")
        ("Clayton Keller", "pinnacle", "SOG", 3.5, "OVER", -105, "-105"),
        ("Clayton Keller", "pinnacle", "SOG", 3.5, "UNDER", -125, "-125"),
    }
    assert not any(q.market_type is Market.POINTS for q in result.quotes)
    ids = {q.event_id_vendor for q in result.quotes}
    # short codes LA/NJ/TB normalised; the id uses the ET date (March 3), not the UTC date
    assert ids == {
        "ODDSSHARK_20260303_LAK_NJD",
        "ODDSSHARK_20260303_TBL_MTL",
        "ODDSSHARK_20260303_UTA_VGK",
    }
    kempe = next(q for q in result.quotes if q.player_name_raw == "Adrian Kempe")
    assert kempe.event_start_time_utc == dt.datetime(2026, 3, 4, 2, 30, tzinfo=UTC)  # 9:30 PM EST


def test_names_decoded_collapsed_nfc() -> None:
    names = {q.player_name_raw for q in parse_props_page(_edge(), EST_AFTERNOON).quotes}
    assert "Juraj Slafkovský" in names  # &yacute;
    assert "Jean-Gabriel Pageau" in names  # inner whitespace and newline collapsed
    assert all(unicodedata.is_normalized("NFC", n) for n in names)


def test_zero_rows_is_a_status_not_a_crash() -> None:
    blocked = parse_props_page(
        "<html><body><h1>Attention Required!</h1></body></html>", EST_AFTERNOON
    )
    assert blocked.status is ParseStatus.NO_MATCH and blocked.quotes == ()
    assert any("matched nothing" in w for w in blocked.warnings)
    assert parse_props_page("", EST_AFTERNOON).status is ParseStatus.NO_MATCH
    empty = parse_props_page(
        '<div class="tab-group foil"><button class="button--tab-primary">GOALS</button></div>'
        '<div class="player-props--container tab"><div class="player-props--header"></div></div>',
        EST_AFTERNOON,
    )
    assert empty.status is ParseStatus.EMPTY and empty.warnings == ()


def test_more_containers_than_tabs_pairs_by_position_and_warns() -> None:
    html = (
        _example()
        .decode()
        .replace(
            '<button class="button button--tab-primary" type="button">SHOTS ON GOAL</button>', ""
        )
    )
    result = parse_props_page(html, EST_AFTERNOON)
    assert result.skipped["container_without_tab"] == 1
    assert {q.market_type for q in result.quotes} == {Market.POINTS}
    assert any("1 tabs but 2 containers" in w for w in result.warnings)


def test_fetch_props_page(settings: Settings, clock: FrozenClock) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200, content=_example(), headers={"content-type": "text/html; charset=utf-8"}
        )

    with make_client("oddsshark", settings, httpx.MockTransport(handler), clock=clock) as client:
        bundle = fetch_props_page(client, settings)
    assert str(seen[0].url) == "https://www.oddsshark.com/nhl/odds/player-props"
    assert "Mozilla" in seen[0].headers["user-agent"]
    (payload,) = bundle.payloads
    assert payload.surface is Surface.ODDSSHARK_PROPS
    result = parse_props_page(payload.fetched.content, payload.fetched.captured_at)
    assert len(result.quotes) == 17 and {q.side for q in result.quotes} == {Side.OVER, Side.UNDER}


def test_24_hour_times_and_tab_counts() -> None:
    html = (
        _example().decode().replace("7:00 PM ET", "19:30 ET").replace(">POINTS<", ">POINTS (12)<")
    )
    quotes = parse_props_page(html, EST_AFTERNOON).quotes
    assert {q.event_start_time_utc for q in quotes if q.away_team == "TOR"} == {
        dt.datetime(2026, 1, 15, 0, 30, tzinfo=UTC)
    }
    assert {q.market_type for q in quotes} == {Market.POINTS, Market.SOG}
