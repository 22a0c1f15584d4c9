"""Sample-world PlayNow payloads on Kambi's offering API (the alternative platform).

Served at the URLs ``sources.kambi.fetch_kambi`` requests under brand ``playnow``
(``PROPLEDGER_PLAYNOW_PLATFORM=kambi``): ``listView/ice_hockey/nhl/all/all/matches.json`` per
capture, and ``betoffer/event/{id}.json`` for each not-yet-started event. Kambi's format
(``/work/shared/vendors/playnow.md`` section B): odds and lines in milli-units, the side in
``outcome.type`` (``OT_OVER``/``OT_UNDER``), the player as ``"Last, First"`` in
``participant`` with Kambi's own ``participantId``, criteria labelled ``"… by the player -
Inc. OT"``, anytime goals as ``"To score at least 1 goal - Inc. OT"`` (``OT_YES``), a
first-period market (skipped), ``MAIN_LINE`` tags, a suspended offer now and then. Smaller
than the OpenBet board (the top ``MAX_RANK`` skaters per team, captured at 10:00 and 18:00 ET
only: a fetch in between gets the earlier capture) to keep the world light.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from propledger.replay import ReplayWriter
from propledger.sample.odds_board import (
    DEFAULT_ODDS_DAYS,
    STREAM_KAMBI,
    Board,
    Game,
    american,
    board,
    book_error,
    book_mean,
    decimal,
    implied,
    odds_slates,
    p_over,
    rng_for,
)
from propledger.sample.world import World

BASE = "https://eu-offering-api.kambicdn.com/offering/v2018/playnow"
QUERY = "lang=en_US&market=CA&client_id=2&channel_id=1&useCombined=true"
LIST_URL = f"{BASE}/listView/ice_hockey/nhl/all/all/matches.json?{QUERY}"
MAX_RANK = 4
MARGIN = 0.07
#: Kambi payloads are written at these captures only (the replay serves the latest one)
CAPTURED_AT = (0, 2)
_CRITERIA = {
    "POINTS": (1001000021, "Points by the player - Inc. OT"),
    "ASSISTS": (1001000031, "Assists by the player - Inc. OT"),
    "SOG": (1001000011, "Shots on goal by the player - Inc. OT"),
    "BLOCKS": (1001000041, "Blocked shots by the player - Inc. OT"),
    "GOALS": (1001000051, "To score at least 1 goal - Inc. OT"),
}


def kambi_event_id(game: Game) -> int:
    return 1020000000 + game.game_id % 1000000


def _event(g: Game, started: bool) -> dict[str, Any]:
    name = f"{g.home_full} - {g.away_full}"
    return {
        "id": kambi_event_id(g),
        "name": name,
        "englishName": name,
        "homeName": g.home_full,
        "awayName": g.away_full,
        "start": g.start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "group": "NHL",
        "sport": "ICE_HOCKEY",
        "state": "STARTED" if started else "NOT_STARTED",
    }


def _milli(value: float) -> int:
    """Kambi's milli-units: 1.87 → 1870."""
    return int(np.rint(value * 1000))


def _participant(name: str) -> str:
    first, _, last = name.partition(" ")
    return f"{last}, {first}" if last else name


def list_view(b: Board, capture: int) -> bytes:
    listed, started = b.listed(capture), b.started(capture)
    events = [
        {"event": _event(g, bool(started[k])), "betOffers": []}
        for k, g in enumerate(b.games)
        if listed[k]
    ]
    return json.dumps({"events": events}, ensure_ascii=False, separators=(",", ":")).encode()


def betoffers(b: Board, k: int, capture: int, error: np.ndarray, flags: np.ndarray) -> bytes:
    """``betoffer/event/{id}.json`` of game ``k`` at one capture."""
    g = b.games[k]
    eid = kambi_event_id(g)
    mean = book_mean(b, capture, error)
    po = p_over(b.market, mean, b.line)
    offers: list[dict[str, Any]] = []
    for i in np.flatnonzero((b.game == k) & (b.rank < MAX_RANK)).tolist():
        market = str(b.market[i])
        cid, label = _CRITERIA[market]
        who = _participant(str(b.name[i]))
        pid = 2000000 + int(b.player_id[i]) % 1000000 if b.player_id[i] > 0 else 2999999
        common = {"participant": who, "participantId": pid, "status": "OPEN"}
        if market == "GOALS":
            odds = decimal(implied(po[i : i + 1], 0.12))
            outcomes = [
                {
                    "id": 30000000 + i * 10,
                    "label": "Yes",
                    "englishLabel": "Yes",
                    "odds": _milli(odds[0]),
                    "type": "OT_YES",
                    "oddsAmerican": str(american(implied(po[i : i + 1], 0.12))[0]),
                    **common,
                }
            ]
        else:
            pair = implied(np.array([po[i], 1 - po[i]]), MARGIN)
            line = _milli(float(b.line[i]))
            outcomes = [
                {
                    "id": 30000000 + i * 10 + n,
                    "label": side.title(),
                    "englishLabel": side.title(),
                    "odds": _milli(decimal(pair[n : n + 1])[0]),
                    "line": line,
                    "type": f"OT_{side}",
                    "oddsAmerican": str(american(pair[n : n + 1])[0]),
                    **common,
                }
                for n, side in enumerate(("OVER", "UNDER"))
            ]
        offer: dict[str, Any] = {
            "id": 2450000000 + i,
            "eventId": eid,
            "criterion": {
                "id": cid,
                "label": label,
                "englishLabel": label,
                "lifetime": "FULL_TIME_OVERTIME",
            },
            "betOfferType": {
                "id": 127,
                "name": "Player Occurrence Line",
                "englishName": "Player Occurrence Line",
            },
            "tags": ["OFFERED_PREMATCH", "MAIN_LINE"],
            "outcomes": outcomes,
        }
        if flags[i] < 0.02:
            offer["suspended"] = True
        offers.append(offer)
        if market == "SOG" and b.rank[i] == 0:  # a first-period market: not full game
            offers.append(
                {
                    **offer,
                    "id": 2460000000 + i,
                    "criterion": {
                        "id": 1001000019,
                        "label": "Shots on goal by the player - Period 1",
                        "englishLabel": "Shots on goal by the player - Period 1",
                        "lifetime": "PERIOD_1",
                    },
                }
            )
    body = {"events": [_event(g, False)], "betOffers": offers}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def write_payloads(world: World, replay: ReplayWriter, *, days: int | None = None) -> int:
    """Add the list view and each open event's bet offers per capture; return the count."""
    n = 0
    for day in odds_slates(world, DEFAULT_ODDS_DAYS if days is None else days):
        b = board(world, day)
        rng = rng_for(world, STREAM_KAMBI, day)
        error = book_error(b, rng)
        flags = rng.random(len(b))
        for capture in CAPTURED_AT:
            at = b.captures[capture]
            replay.add(LIST_URL, at, list_view(b, capture))
            n += 1
            listed, started = b.listed(capture), b.started(capture)
            for k, g in enumerate(b.games):
                if listed[k] and not started[k]:
                    url = f"{BASE}/betoffer/event/{kambi_event_id(g)}.json?{QUERY}"
                    replay.add(url, at, betoffers(b, k, capture, error, flags))
                    n += 1
    return n


__all__ = ["BASE", "LIST_URL", "betoffers", "list_view", "write_payloads"]
