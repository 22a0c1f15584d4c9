"""A tiny hand-checkable NHL world in a warehouse, for mapping, ingest and reparse tests.

Slate 2026-01-14 (ET) holds the two games of the committed vendor examples (TOR @ MTL at
2026-01-15T00:00Z, CGY @ VAN at 03:00Z); VAN @ CGY on 2026-01-16 is the return game (same
teams, swapped sides). History: one MoneyPuck ``all`` row per player on earlier dates.

Quirks on purpose: accents and a suffix (José Lévesque Jr.), a near-namesake teammate
(Ethan Marchetti on MTL vs Evan Marchetti on TOR), two Sebastian Ahos in the same game
(CGY and VAN), a player traded CGY → VAN on 2026-01-12 (Nils Berg), a call-up with no games
(Kai Lind, dim_player only, VAN).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from propledger.clock import UTC, FrozenClock
from propledger.context import Context
from propledger.evidence.warehouse import Warehouse
from propledger.odds.formats import price_from_decimal
from propledger.odds.quote import (
    BookType,
    Market,
    Platform,
    Quote,
    Side,
    Vendor,
    build_quote,
)
from propledger.replay import ReplayWriter
from propledger.settings import Settings

SLATE = dt.date(2026, 1, 14)
CAPTURE = dt.datetime(2026, 1, 14, 17, 0, tzinfo=UTC)
TOR_MTL = 2025020700
CGY_VAN = 2025020701
VAN_CGY = 2025020730
START_TOR_MTL = dt.datetime(2026, 1, 15, 0, 0, tzinfo=UTC)
START_CGY_VAN = dt.datetime(2026, 1, 15, 3, 0, tzinfo=UTC)

#: player id, name, team (dim_player), [(game_date, team)] history
PLAYERS: tuple[tuple[int, str, str, tuple[tuple[dt.date, str], ...]], ...] = (
    (8400001, "Evan Marchetti", "TOR", ((dt.date(2026, 1, 10), "TOR"),)),
    (8400002, "Mitchell Stone", "TOR", ((dt.date(2026, 1, 10), "TOR"),)),
    (8400003, "José Lévesque Jr.", "TOR", ((dt.date(2026, 1, 10), "TOR"),)),
    (8400011, "Samuel Roy", "MTL", ((dt.date(2026, 1, 10), "MTL"),)),
    (8400012, "Ethan Marchetti", "MTL", ((dt.date(2026, 1, 10), "MTL"),)),
    (8400021, "Liam Okafor", "CGY", ((dt.date(2026, 1, 11), "CGY"),)),
    (8400022, "Sebastian Aho", "CGY", ((dt.date(2026, 1, 11), "CGY"),)),
    (8400031, "Oskar Brandt", "VAN", ((dt.date(2026, 1, 11), "VAN"),)),
    (8400032, "Sebastian Aho", "VAN", ((dt.date(2026, 1, 11), "VAN"),)),
    # traded: CGY until 2026-01-09, VAN from 2026-01-12 (dim_player says VAN)
    (8400040, "Nils Berg", "VAN", ((dt.date(2026, 1, 8), "CGY"), (dt.date(2026, 1, 12), "VAN"))),
    # a long-gone player whose last game is beyond the roster lookback
    (8400050, "Old Timer", "TOR", ((dt.date(2024, 10, 10), "TOR"),)),
    # a call-up without games: only dim_player knows his team
    (8400060, "Kai Lind", "VAN", ()),
)


def _game(gid: int, day: dt.date, start: dt.datetime, away: str, home: str) -> dict[str, Any]:
    return {
        "game_id": gid,
        "season": 2025,
        "game_type": 2,
        "slate_date": day,
        "start_time_utc": start,
        "home_team": home,
        "away_team": away,
        "game_state": "FUT",
        "schedule_state": "OK",
    }


GAMES = (
    _game(TOR_MTL, SLATE, START_TOR_MTL, "TOR", "MTL"),
    _game(CGY_VAN, SLATE, START_CGY_VAN, "CGY", "VAN"),
    _game(VAN_CGY, dt.date(2026, 1, 16), dt.datetime(2026, 1, 17, 2, 0, tzinfo=UTC), "VAN", "CGY"),
    _game(
        2025020650, dt.date(2026, 1, 10), dt.datetime(2026, 1, 11, 0, 0, tzinfo=UTC), "MTL", "TOR"
    ),
)


def seed_world(wh: Warehouse, *, run_id: str = "seed") -> None:
    """Write the world's dim_game, dim_player and player_game_situation rows."""
    situations = []
    for pid, name, _team, history in PLAYERS:
        for n, (day, team) in enumerate(history):
            situations.append(
                {
                    "player_id": pid,
                    "game_id": 2025029000 + pid % 1000 * 10 + n,
                    "situation": "all",
                    "season": 2025 if day.year == 2026 else 2024,
                    "game_date": day,
                    "player_name": name,
                    "team": team,
                }
            )
    with wh.transaction():
        wh.append("dim_game", list(GAMES), run_id=run_id)
        wh.append(
            "dim_player",
            [{"player_id": p, "full_name": n, "team_abbrev": t} for p, n, t, _ in PLAYERS],
            run_id=run_id,
        )
        wh.append("player_game_situation", situations, run_id=run_id)


def quote(**overrides: Any) -> Quote:
    """An Unabated-like quote for Evan Marchetti SOG 2.5 OVER at DraftKings; override anything."""
    fields: dict[str, Any] = {
        "vendor": Vendor.UNABATED,
        "platform": Platform.CDN_V2,
        "capture_ts_utc": CAPTURE,
        "slate_date": SLATE,
        "event_id_vendor": "210001",
        "event_start_time_utc": START_TOR_MTL,
        "home_team": "MTL",
        "away_team": "TOR",
        "player_name_raw": "Evan Marchetti",
        "market_type": Market.SOG,
        "line": 2.5,
        "side": Side.OVER,
        "book_name_raw": "DraftKings",
        "book_type": BookType.SPORTSBOOK,
    }
    fields.update(overrides)
    return build_quote(price_from_decimal(str(fields.pop("decimal", "1.87"))), **fields)


# ---- a replay directory of the committed vendor examples --------------------------------------

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PLAYNOW = "https://content.sb.playnow.com/content-service/api/v1/q"
KAMBI = "https://eu-offering-api.kambicdn.com/offering/v2018/playnow"
UNABATED = "https://content.unabated.com/markets/v2/league/6/propodds.json"
ODDSSHARK = "https://www.oddsshark.com/nhl/odds/player-props"
_OB = "includeChildMarkets=true&lang=en-US&channel=I"
_KB = "lang=en_US&market=CA&client_id=2&channel_id=1&useCombined=true"

EVENT_LIST = {
    "data": {
        "events": [
            {
                "id": "12004411",
                "name": "Toronto Maple Leafs @ Montreal Canadiens",
                "marketCount": 14,
            },
            {"id": "12004415", "name": "Calgary Flames @ Vancouver Canucks", "marketCount": 9},
            {"id": "12004499", "name": "Boston Bruins @ New York Rangers", "marketCount": 3},
        ]
    }
}
KAMBI_LIST = {"events": [{"event": {"id": 1023456789, "state": "NOT_STARTED"}}]}


def write_fixture_replay(
    directory: Path,
    captured_at: dt.datetime = CAPTURE - dt.timedelta(minutes=5),
    *,
    overrides: dict[str, bytes] | None = None,
    skip: tuple[str, ...] = (),
) -> Path:
    """A replay dir answering every vendor's fetch with the committed examples.

    ``overrides`` replaces a body by vendor key (``playnow``, ``kambi``, ``unabated``,
    ``oddsshark``); ``skip`` leaves a vendor unrecorded (its fetch gets a 404)."""
    bodies: dict[str, list[tuple[str, bytes, str]]] = {
        "playnow": [
            (
                f"{PLAYNOW}/event-list?drilldownTagIds=220&eventSortsIncluded=MTCH,TNMT&{_OB}",
                json.dumps(EVENT_LIST).encode(),
                "application/json",
            ),
            (
                f"{PLAYNOW}/events-by-ids?eventIds=12004411,12004415&{_OB}",
                (FIXTURES / "playnow_openbet_events.json").read_bytes(),
                "application/json",
            ),
        ],
        "kambi": [
            (
                f"{KAMBI}/listView/ice_hockey/nhl/all/all/matches.json?{_KB}",
                json.dumps(KAMBI_LIST).encode(),
                "application/json",
            ),
            (
                f"{KAMBI}/betoffer/event/1023456789.json?{_KB}",
                (FIXTURES / "kambi_betoffers.json").read_bytes(),
                "application/json",
            ),
        ],
        "unabated": [
            (UNABATED, (FIXTURES / "unabated_propodds.json").read_bytes(), "application/json")
        ],
        "oddsshark": [
            (ODDSSHARK, (FIXTURES / "oddsshark_player_props.html").read_bytes(), "text/html")
        ],
    }
    writer = ReplayWriter(directory)
    for vendor, items in bodies.items():
        if vendor in skip:
            continue
        for number, (url, body, content_type) in enumerate(items):
            last = number == len(items) - 1
            if overrides and vendor in overrides and last:
                body = overrides[vendor]
            writer.add(url, captured_at, body, content_type=content_type)
    writer.write_manifest()
    return directory


def make_context(directory: Path, settings: Settings, clock: FrozenClock, wh: Warehouse) -> Context:
    """A replay Context over ``directory`` that uses the test's warehouse."""
    ctx = Context.create(settings, clock, source=f"replay:{directory}")
    ctx._warehouse = wh
    return ctx
