"""Sample-world PlayNow payloads on OpenBet's content-service (the primary platform).

Per capture, at exactly the URLs ``sources.playnow.fetch_openbet`` requests:

* ``{base}/event-list?drilldownTagIds=220&eventSortsIncluded=MTCH,TNMT&…``: every listed game
  (``marketCount`` > 5 once its props are posted: late games get theirs from the 14:00 capture
  on; a started game is ``liveNow``) plus a futures event with one market;
* ``{base}/events-by-ids?eventIds=<the ids with props, in list order>&…``: the props.

Markets (``/work/shared/vendors/playnow.md``): ``"<Player> Total Shots on Goal"`` (or
``"Shots On Goal"``), ``Total Points``, ``Total Assists``, ``Total Blocks`` (or ``Total
Blocked Shots``) with ``handicapValue`` and Over/Under; one ``"Player 1+ Goals"`` market per
game (the player in the outcome name); SOG ladders ``"2+"``, ``"3+"``, ``"4+"`` with a null
handicap; ``Total Powerplay Points`` (not modelled); a few suspended markets. Prices are
decimal (2 places) with their fractional form; names omit "Jr."/"II" and Montréal/St. Louis
are written without accents/dots ("Montreal Canadiens", "St Louis Blues").
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from propledger.replay import ReplayWriter
from propledger.sample.odds_board import (
    DEFAULT_ODDS_DAYS,
    STREAM_PLAYNOW,
    Board,
    Game,
    board,
    book_error,
    book_mean,
    decimal,
    fraction_of,
    implied,
    odds_slates,
    p_over,
    rng_for,
    without_suffix,
)
from propledger.sample.world import World

BASE = "https://content.sb.playnow.com/content-service/api/v1/q"
_COMMON = "includeChildMarkets=true&lang=en-US&channel=I"
LIST_URL = f"{BASE}/event-list?drilldownTagIds=220&eventSortsIncluded=MTCH,TNMT&{_COMMON}"
MARGIN = 0.07
ONE_SIDED_MARGIN = 0.12
MAX_RANK = 8
LATE_POSTING_ET_HOUR = 21  # games starting at or after 9 PM ET get props from 14:00 on
_TEAM_NAMES = {"MTL": "Montreal Canadiens", "STL": "St Louis Blues"}
_STAT = {
    "POINTS": ("Total Points",),
    "ASSISTS": ("Total Assists",),
    "SOG": ("Total Shots on Goal", "Total Shots On Goal"),
    "BLOCKS": ("Total Blocks", "Total Blocked Shots"),
}


def event_id(game: Game) -> str:
    return str(12000000 + game.game_id % 100000)


def _team(abbrev: str, full: str) -> str:
    return _TEAM_NAMES.get(abbrev, full)


def _price(d: float) -> list[dict[str, Any]]:
    num, den = fraction_of(d)
    return [
        {"decimal": d, "numerator": num, "denominator": den, "priceType": "LP", "displayOrder": 1}
    ]


def _props_posted(b: Board, capture: int) -> np.ndarray:
    from propledger.clock import ET

    late = np.array([g.start.astimezone(ET).hour >= LATE_POSTING_ET_HOUR for g in b.games])
    return ~late | (capture >= 1)


def event_list(b: Board, capture: int) -> bytes:
    listed, started, posted = b.listed(capture), b.started(capture), _props_posted(b, capture)
    events = [
        {
            "id": event_id(g),
            "name": f"{_team(g.away, g.away_full)} @ {_team(g.home, g.home_full)}",
            "startTime": g.start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "marketCount": 64 if posted[k] else 3,
            "liveNow": bool(started[k]),
            "active": True,
            "displayed": True,
            "type": {"id": "220", "name": "NHL"},
        }
        for k, g in enumerate(b.games)
        if listed[k]
    ]
    events.append(
        {
            "id": str(11000000 + b.season),
            "name": f"NHL {b.season}/{(b.season + 1) % 100:02d} - Stanley Cup Winner",
            "startTime": f"{b.season + 1}-06-01T00:00:00Z",
            "marketCount": 1,
            "liveNow": False,
            "active": True,
            "displayed": True,
            "type": {"id": "220", "name": "NHL"},
        }
    )
    return json.dumps({"data": {"events": events}}, separators=(",", ":")).encode()


def events_by_ids(b: Board, capture: int, error: np.ndarray, flags: np.ndarray) -> bytes:
    """The events-by-ids body: props of the listed games whose props are posted."""
    listed, started, posted = b.listed(capture), b.started(capture), _props_posted(b, capture)
    mean = book_mean(b, capture, error)
    po = p_over(b.market, mean, b.line)
    over = decimal(implied(po, np.where(b.market == "GOALS", ONE_SIDED_MARGIN, MARGIN))).tolist()
    under = decimal(implied(1.0 - po, MARGIN)).tolist()
    ladder = {
        k: decimal(implied(p_over(b.market, mean, np.full(len(b), k - 0.5)), 0.1)).tolist()
        for k in (2, 3, 4)
    }
    markets = b.market.tolist()
    events = []
    for k, g in enumerate(b.games):
        if not (listed[k] and posted[k]):
            continue
        eid = event_id(g)
        out: list[dict[str, Any]] = []
        goals: list[dict[str, Any]] = []
        rows = np.flatnonzero((b.game == k) & (b.rank < MAX_RANK)).tolist()
        for i in rows:
            who = without_suffix(str(b.name[i]))
            mid = f"{eid}{i:04d}"
            if markets[i] == "GOALS":
                goals.append(
                    {
                        "id": f"8{mid}",
                        "name": who,
                        "displayOrder": len(goals) + 1,
                        "status": "ACTIVE",
                        "prices": _price(over[i]),
                    }
                )
                continue
            names = _STAT[markets[i]]
            label = names[k % len(names)]
            status = "SUSPENDED" if flags[i] < 0.02 else "ACTIVE"
            out.append(
                {
                    "id": f"3{mid}",
                    "eventId": eid,
                    "name": f"{who} {label}",
                    "groupCode": f"PLAYER_{markets[i]}_OU",
                    "templateMarketId": f"9{len(label)}",
                    "handicapValue": float(b.line[i]),
                    "status": status,
                    "active": True,
                    "displayed": True,
                    "outcomes": [
                        {
                            "id": f"8{mid}1",
                            "name": "Over",
                            "displayOrder": 1,
                            "status": "ACTIVE",
                            "prices": _price(over[i]),
                        },
                        {
                            "id": f"8{mid}2",
                            "name": "Under",
                            "displayOrder": 2,
                            "status": "ACTIVE",
                            "prices": _price(under[i]),
                        },
                    ],
                }
            )
            if markets[i] == "SOG" and b.rank[i] < 2:
                out.append(
                    {
                        "id": f"4{mid}",
                        "eventId": eid,
                        "name": f"{who} Total Shots On Goal",
                        "groupCode": "PLAYER_SOG_LADDER",
                        "templateMarketId": "95",
                        "handicapValue": None,
                        "status": "ACTIVE",
                        "active": True,
                        "displayed": True,
                        "outcomes": [
                            {
                                "id": f"9{mid}{n}",
                                "name": f"{n}+",
                                "displayOrder": n,
                                "status": "ACTIVE",
                                "prices": _price(ladder[n][i]),
                            }
                            for n in (2, 3, 4)
                        ],
                    }
                )
            if markets[i] == "POINTS" and b.rank[i] < 3:
                out.append(
                    {
                        "id": f"5{mid}",
                        "eventId": eid,
                        "name": f"{who} Total Powerplay Points",
                        "groupCode": "PLAYER_PPP_OU",
                        "templateMarketId": "96",
                        "handicapValue": 0.5,
                        "status": "ACTIVE",
                        "active": True,
                        "displayed": True,
                        "outcomes": [
                            {
                                "id": f"7{mid}1",
                                "name": "Over",
                                "displayOrder": 1,
                                "status": "ACTIVE",
                                "prices": _price(3.1),
                            },
                            {
                                "id": f"7{mid}2",
                                "name": "Under",
                                "displayOrder": 2,
                                "status": "ACTIVE",
                                "prices": _price(1.33),
                            },
                        ],
                    }
                )
        out.insert(
            0,
            {
                "id": f"2{eid}",
                "eventId": eid,
                "name": "Player 1+ Goals",
                "groupCode": "ANYTIME_SCORER",
                "templateMarketId": "90",
                "handicapValue": None,
                "status": "ACTIVE",
                "active": True,
                "displayed": True,
                "outcomes": goals,
            },
        )
        events.append(
            {
                "id": eid,
                "name": f"{_team(g.away, g.away_full)} @ {_team(g.home, g.home_full)}",
                "startTime": g.start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "active": True,
                "displayed": True,
                "liveNow": bool(started[k]),
                "teams": [
                    {"name": _team(g.away, g.away_full), "side": "AWAY"},
                    {"name": _team(g.home, g.home_full), "side": "HOME"},
                ],
                "type": {"id": "220", "name": "NHL"},
                "markets": out,
            }
        )
    return json.dumps(
        {"data": {"events": events}}, ensure_ascii=False, separators=(",", ":")
    ).encode()


def by_ids_url(list_body: bytes) -> str | None:
    """The events-by-ids URL ``fetch_openbet`` derives from this event list (None: no props)."""
    from propledger.sources.playnow import openbet_event_ids_with_props

    ids = openbet_event_ids_with_props(list_body)
    return f"{BASE}/events-by-ids?eventIds={','.join(ids)}&{_COMMON}" if ids else None


def write_payloads(world: World, replay: ReplayWriter, *, days: int | None = None) -> int:
    """Add the event list and events-by-ids of every capture; return the number of captures."""
    n = 0
    for day in odds_slates(world, DEFAULT_ODDS_DAYS if days is None else days):
        b = board(world, day)
        rng = rng_for(world, STREAM_PLAYNOW, day)
        error = book_error(b, rng)
        flags = rng.random(len(b))
        for k in range(len(b.games)):  # one suspended market per game at least
            rows = np.flatnonzero((b.game == k) & (b.market == "POINTS") & (b.rank < MAX_RANK))
            if len(rows):
                flags[rows[-1]] = 0.0
        for capture, at in enumerate(b.captures):
            listing = event_list(b, capture)
            replay.add(LIST_URL, at, listing)
            n += 1
            url = by_ids_url(listing)
            if url is not None:
                replay.add(url, at, events_by_ids(b, capture, error, flags))
                n += 1
    return n


__all__ = ["BASE", "LIST_URL", "by_ids_url", "event_list", "events_by_ids", "write_payloads"]
