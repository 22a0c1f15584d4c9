"""Sample-world Unabated payloads: CDN v2 ``propodds.json`` (league 6), one per capture.

Served at ``https://content.unabated.com/markets/v2/league/6/propodds.json`` (the replay
ignores the ``t`` cache-buster ``fetch_propodds`` adds). The real shape
(``/work/shared/vendors/unabated.md``) with the quirks a parser must survive:

* nine market sources incl. two DFS apps (PrizePicks, Underdog Fantasy: fixed −119/−122 on
  both sides) and the sharp books Pinnacle (``statusId`` 3) and Novig (``statusId`` 2) —
  never filtered on that status; books from the payload's own ``marketSources``;
* ``si0`` = OVER, ``si1`` = UNDER keys; anytime goals (129) mostly one-sided; ``eventStart``
  without ``Z``; ``eventTeams`` "0" away, "1" home; ``teamId`` missing on some props;
* alternate lines (with ``null`` entries, and one repeating the main line), blurred Pinnacle
  lines, off-board lines (line ``statusId`` 2), an unknown ``ms`` id, ``betSubType``
  milestone variants, an unknown ``betTypeId`` (131), started games moved to the live key
  (except within the feed's ``LAG`` after puck drop).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from typing import Any

import numpy as np

from propledger.replay import ReplayWriter
from propledger.sample.odds_board import (
    DEFAULT_ODDS_DAYS,
    STREAM_UNABATED,
    Board,
    american,
    board,
    book_error,
    book_mean,
    implied,
    odds_slates,
    p_over,
    rng_for,
)
from propledger.sample.world import World

URL = "https://content.unabated.com/markets/v2/league/6/propodds.json"
LAG = dt.timedelta(minutes=20)
MAX_RANK = 5  # the best five skaters per team get props here
BET_TYPES = {"POINTS": 70, "ASSISTS": 73, "SOG": 86, "BLOCKS": 88, "GOALS": 129}
UNKNOWN_BET_TYPE = 131
UNKNOWN_MS = 999

#: (ms id, name, marketSources statusId, margin, coverage, DFS fixed price or 0)
BOOKS: tuple[tuple[int, str, int, float, float, int], ...] = (
    (1, "DraftKings", 1, 0.07, 0.8, 0),
    (2, "FanDuel", 1, 0.075, 0.8, 0),
    (3, "BetMGM", 1, 0.08, 0.5, 0),
    (5, "Caesars", 1, 0.07, 0.45, 0),
    (7, "bet365", 1, 0.065, 0.4, 0),
    (11, "Pinnacle", 3, 0.045, 0.55, 0),
    (89, "Novig", 2, 0.04, 0.45, 0),
    (72, "PrizePicks", 1, 0.0, 0.5, -119),
    (73, "Underdog Fantasy", 1, 0.0, 0.45, -122),
)
#: team abbreviations as Unabated writes a few of them
_ABBREV = {"LAK": "LA", "NJD": "NJ", "SJS": "SJ", "TBL": "TB"}


@functools.cache
def _team_id(abbrev: str) -> int:
    return 800 + int(sum(ord(c) * pow(31, i) for i, c in enumerate(abbrev))) % 997


def _person_id(player_id: int, name: str) -> int:
    """Unabated's own person id (never the NHL id); unknown players get one too."""
    if player_id > 0:
        return 60000 + player_id % 100000
    return 990000 + sum(ord(c) for c in name)


class _Slate:
    """Everything one slate's payloads share: coverage, book errors, line shifts, quirks."""

    def __init__(self, world: World, b: Board) -> None:
        self.b = b
        rng = rng_for(world, STREAM_UNABATED, b.date)
        n = len(b)
        self.cover: dict[int, np.ndarray] = {}
        self.error: dict[int, np.ndarray] = {}
        self.line: dict[int, np.ndarray] = {}
        for ms, _name, _status, _margin, coverage, fixed in BOOKS:
            covered = rng.random(n) < coverage
            if fixed:
                covered &= b.market != "GOALS"  # the DFS apps list no anytime goals here
            self.cover[ms] = covered
            self.error[ms] = book_error(b, rng)
            moves = (rng.random(n) < 0.1) & np.isin(b.market, ["SOG", "BLOCKS"])
            shift = np.where(moves, np.where(rng.random(n) < 0.5, -1.0, 1.0), 0.0)
            self.line[ms] = np.maximum(0.5, b.line + shift)
        self.blurred = rng.random(n) < 0.4  # Pinnacle, for non-subscribers
        self.under_goals = rng.random(n) < 0.3  # a few books also quote "no goal"
        shown = b.rank < MAX_RANK
        self.sub_type = (rng.random(n) < 0.05) & (b.market == "SOG") & shown
        self.unknown_type = (rng.random(n) < 0.02) & (b.market == "POINTS") & shown
        for flags, market in ((self.sub_type, "SOG"), (self.unknown_type, "POINTS")):
            first = np.flatnonzero((b.market == market) & shown)
            if len(first):  # at least one per slate, so every payload shows the quirk
                flags[first[0]] = True
        self.no_team = rng.random(n) < 0.1
        self.off_board = rng.random((len(b.captures), len(BOOKS), n))
        base = 400000 + b.date.toordinal() % 10000 * 20
        self.event_id = [base + k for k in range(len(b.games))]
        self.person = [
            _person_id(int(p), str(nm)) for p, nm in zip(b.player_id, b.name, strict=True)
        ]


def _line(points: float, price: int, seq: int, status: int, blurred: bool, alts: str = "") -> str:
    """One book's line object as JSON text (string-built: this is the bulk of the payload);
    ``alternateLines`` only when there are alternates (the key is optional in the feed)."""
    more = f',"alternateLines":{alts}' if alts else ""
    return (
        f'{{"marketLineId":{seq % 100000000},"points":{points!r},"americanPrice":{price},'
        f'"statusId":{status},"isBlurred":{"true" if blurred else "false"},'
        f'"sequenceNumber":{seq}{more}}}'
    )


def _prices(
    b: Board, capture: int, slate: _Slate, ms: int, margin: float, shift: float = 0.0
) -> tuple[list[int], list[int]]:
    """(over, under) American prices of every offer at this book and capture (vectorised)."""
    mean = book_mean(b, capture, slate.error[ms])
    line = np.maximum(0.5, slate.line[ms] + shift)
    po = p_over(b.market, mean, line)
    goals = b.market == "GOALS"
    over = american(implied(po, np.where(goals, 0.12, margin)))
    under = american(implied(1.0 - po, np.where(goals, 0.12, margin)))
    return over.tolist(), under.tolist()


def _alternates(
    i: int, line: float, main_over: int, prices: tuple[tuple[list[int], list[int]], ...]
) -> tuple[str, str]:
    """Main − 1 and main + 1 as alternates (JSON text for OVER, UNDER); some lists repeat the
    main line (the main line wins) or hold a null entry."""
    over: list[dict[str, Any] | None] = []
    under: list[dict[str, Any] | None] = []
    for alt, (po, pu) in ((line - 1.0, prices[0]), (line + 1.0, prices[1])):
        if alt < 0.5:
            continue
        common = {
            "points": alt,
            "marketLineId": None,
            "statusId": 1,
            "modifiedOn": "0001-01-01T00:00:00",
        }
        over.append({**common, "americanPrice": po[i]})
        under.append({**common, "americanPrice": pu[i]})
    if i % 5 == 0:
        over.append(
            {"points": line, "americanPrice": main_over, "marketLineId": None, "statusId": 1}
        )
    if i % 7 == 0:
        under.append(None)
    return json.dumps(over, separators=(",", ":")), json.dumps(under, separators=(",", ":"))


def payload(world: World, b: Board, capture: int, slate: _Slate) -> bytes:
    """The propodds.json body of one capture (compact JSON, deterministic)."""
    at = b.captures[capture]
    seq0 = int(at.timestamp() * 1000)
    live_game = [at >= g.start + LAG for g in b.games]
    listed = b.listed(capture)
    prices = {ms: _prices(b, capture, slate, ms, m) for ms, _n, _s, m, _c, f in BOOKS if not f}
    alts = {
        ms: (
            _prices(b, capture, slate, ms, m + 0.01, -1.0),
            _prices(b, capture, slate, ms, m + 0.01, 1.0),
        )
        for ms, _n, _s, m, _c, _f in BOOKS[:1]
    }
    head = [
        f'"eventId":{slate.event_id[k]},"eventStart":"{g.start:%Y-%m-%dT%H:%M:%S}",'
        f'"eventName":{_text(f"{g.away_full} {g.away} @ {g.home_full} {g.home}")},'
        for k, g in enumerate(b.games)
    ]
    tail = [
        f'"eventTeams":{{"0":{{"id":{_team_id(g.away)}}},"1":{{"id":{_team_id(g.home)}}}}},'
        for g in b.games
    ]
    teams: dict[int, dict[str, Any]] = {}
    for g in b.games:
        for abbrev, name in ((g.home, g.home_full), (g.away, g.away_full)):
            tid = _team_id(abbrev)
            teams[tid] = {"id": tid, "abbreviation": _ABBREV.get(abbrev, abbrev), "name": name}
    people: dict[int, dict[str, Any]] = {}
    pregame: list[str] = []
    live: list[str] = []
    markets = b.market.tolist()
    for i in np.flatnonzero(listed[b.game] & (b.rank < MAX_RANK)).tolist():
        k = int(b.game[i])
        pid = slate.person[i]
        first, _, last = str(b.name[i]).partition(" ")
        people[pid] = {"id": pid, "firstName": first, "lastName": last}
        over: list[str] = []
        under: list[str] = []
        for n, (ms, _name, _status, _margin, _cov, fixed) in enumerate(BOOKS):
            if not slate.cover[ms][i]:
                continue
            line = float(slate.line[ms][i])
            seq = seq0 - 1000 * n - 2 * i
            status = 2 if slate.off_board[capture, n, i] < 0.03 * capture else 1
            blurred = bool(ms == 11 and slate.blurred[i])
            if fixed:
                over.append(f'"ms{ms}":{_line(line, fixed, seq, status, False)}')
                under.append(f'"ms{ms}":{_line(line, fixed, seq + 1, status, False)}')
                continue
            po, pu = prices[ms][0][i], prices[ms][1][i]
            alt_over = alt_under = ""
            if ms in alts and markets[i] == "SOG":
                alt_over, alt_under = _alternates(i, line, po, alts[ms])
            over.append(f'"ms{ms}":{_line(line, po, seq, status, blurred, alt_over)}')
            if markets[i] != "GOALS" or (slate.under_goals[i] and ms in (2, 11)):
                under.append(f'"ms{ms}":{_line(line, pu, seq + 1, status, blurred, alt_under)}')
        if i % 97 == 0 and over:  # a line from a source missing from marketSources
            over.append(f'"ms{UNKNOWN_MS}":{_line(float(b.line[i]), -110, seq0, 1, False)}')
        sides = ",".join(
            f'"si{n}:pid{pid}":{{{",".join(lines)}}}'
            for n, lines in enumerate((over, under))
            if lines
        )
        if not sides:
            continue
        team = "" if slate.no_team[i] else f'"teamId":{_team_id(str(b.team[i]))},'
        prop = (
            f'{{{head[k]}"betTypeId":{BET_TYPES[markets[i]]},"betSubType":null,"statusId":1,'
            f'"personId":{pid},{team}{tail[k]}"sides":{{{sides}}}}}'
        )
        target = live if live_game[k] else pregame
        target.append(prop)
        if slate.sub_type[i]:
            target.append(prop.replace('"betSubType":null', '"betSubType":2', 1))
        if slate.unknown_type[i]:
            target.append(prop.replace('"betTypeId":70,', f'"betTypeId":{UNKNOWN_BET_TYPE},', 1))
    rest = {
        "people": {str(k): v for k, v in sorted(people.items())},
        "teams": {str(k): v for k, v in sorted(teams.items())},
        "marketSources": [
            {
                "id": ms,
                "name": name,
                "statusId": status,
                "isActive": True,
                "isEnabledForGameOdds": not fixed,
                "hasLiquidity": ms == 89,
            }
            for ms, name, status, _m, _c, fixed in BOOKS
        ],
    }
    text = (
        f'{{"odds":{{"lg6:pt1:pregame":[{",".join(pregame)}],'
        f'"lg6:pt1:live":[{",".join(live)}]}},{_text(rest)[1:]}'
    )
    return text.encode("utf-8")


def _text(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def write_payloads(world: World, replay: ReplayWriter, *, days: int | None = None) -> int:
    """Add one ``propodds.json`` capture per slate capture; return the number of captures."""
    n = 0
    for day in odds_slates(world, DEFAULT_ODDS_DAYS if days is None else days):
        b = board(world, day)
        slate = _Slate(world, b)
        for capture, at in enumerate(b.captures):
            last_modified = (at - dt.timedelta(seconds=13)).strftime("%a, %d %b %Y %H:%M:%S GMT")
            replay.add(
                URL,
                at,
                payload(world, b, capture, slate),
                headers={"last-modified": last_modified},
            )
            n += 1
    return n


__all__ = ["BOOKS", "URL", "payload", "write_payloads"]
