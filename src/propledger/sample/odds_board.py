"""The sample world's odds board: which player lines are offered on a slate, and their prices.

Shared by the vendor payload writers (``odds_playnow``, ``odds_unabated``, ``odds_oddsshark``);
this module itself writes nothing (it has no ``write_payloads``).

* **Slates**: the last ``DEFAULT_ODDS_DAYS`` game dates (ET) of the world's last season.
* **Captures** per slate: 10:00, 14:00 and 18:00 ET, and a late one at 19:05 ET, after the
  7:00 PM games started (so the EV join sees quotes captured after puck drop). A game is
  listed until ``LISTED_AFTER_START`` past its start; each vendor decides what it shows of a
  started game (PlayNow flags it live, Unabated's pregame feed lags a few minutes, OddsShark
  keeps the pre-game prices on its page).
* **Offers**: the ``MAX_RANK`` best skaters per team-game by expected points; the best
  ``FULL_MARKETS_RANK`` get all five markets, the others points, SOG and goals.
  The consensus mean is the latent truth (``World.player_games()`` ``exp_*``, expected counts
  per game) × a market error (lognormal, sd ``MARKET_SD``), moved a little between captures
  (``DRIFT_SD``); each book adds its own error (``BOOK_SD``). Main lines: 0.5 for goals,
  assists and points; for shots on goal and blocks the x.5 line whose over is nearest 50 %.
* **Prices**: p_over from Poisson (goals, assists, points) or NB2 (SOG α 0.35, blocks α 0.6)
  at the book's mean; two-way implied probabilities p × (1 + margin) with a per-book margin of
  4–8 % (one-sided anytime goals 12 %); clipped to [0.02, 0.97]. DFS apps pay fixed prices.

Random streams: ``SeedSequence(world.seed, spawn_key=(100 + k, season, date ordinal))`` — a
slate's payloads do not depend on how many slates are built. No wall clock anywhere.
"""

from __future__ import annotations

import datetime as dt
import functools
import unicodedata
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from propledger.clock import ET, et_to_utc
from propledger.sample.odds_pricing import (
    ALPHA,
    american,
    decimal,
    fraction_of,
    implied,
    main_line,
    p_over,
)
from propledger.sample.teams import team_for_season
from propledger.sample.world import World

DEFAULT_ODDS_DAYS = 30
CAPTURE_TIMES_ET: tuple[dt.time, ...] = (
    dt.time(10, 0),
    dt.time(14, 0),
    dt.time(18, 0),
    dt.time(19, 5),
)
LISTED_AFTER_START = dt.timedelta(hours=2, minutes=30)
MAX_RANK = 8
#: below this rank a player gets every market; deeper skaters only points, SOG, goals
FULL_MARKETS_RANK = 4
_DEPTH_MARKETS = ("POINTS", "SOG", "GOALS")
MARKET_SD = 0.10
DRIFT_SD = 0.02
BOOK_SD = 0.04
MARKETS: tuple[str, ...] = ("GOALS", "ASSISTS", "POINTS", "SOG", "BLOCKS")
_EXP = {
    "GOALS": "exp_goals",
    "ASSISTS": "exp_assists",
    "POINTS": "exp_points",
    "SOG": "exp_sog",
    "BLOCKS": "exp_blocks",
}
#: spawn-key offsets of the random streams (100 + k)
STREAM_BOARD, STREAM_PLAYNOW, STREAM_UNABATED, STREAM_ODDSSHARK, STREAM_KAMBI = (
    100,
    101,
    102,
    103,
    104,
)

#: prefix nicknames one vendor prints (mapping reaches them through fuzzy matching)
NICKNAMES = {
    "Mitchell": "Mitch",
    "Patrick": "Pat",
    "Matthew": "Matt",
    "Alexander": "Alex",
    "Christopher": "Chris",
    "Zachary": "Zach",
    "Samuel": "Sam",
    "Benjamin": "Ben",
    "Daniel": "Dan",
    "Joshua": "Josh",
    "Jonathan": "Jon",
    "Nicholas": "Nic",
}
#: players no roster knows (one on every third slate): their props must stay unmapped, no_player
UNKNOWN_PLAYERS = ("Brody Vantassel", "Marek Ostrowsky", "Teddy Quartermain", "Lucien Ferrand")


@dataclass(frozen=True)
class Game:
    game_id: int
    start: dt.datetime  # UTC
    home: str
    away: str
    home_full: str
    away_full: str
    home_id: int
    away_id: int


@dataclass(frozen=True)
class Board:
    """One slate's offers (parallel arrays, one entry per game × player × market)."""

    date: dt.date
    season: int
    games: tuple[Game, ...]
    captures: tuple[dt.datetime, ...]  # UTC
    game: np.ndarray  # int index into games
    player_id: np.ndarray  # int64; negative = an unknown (fake) player
    name: np.ndarray  # str: the player's full name as the league writes it
    team: np.ndarray  # str abbreviation
    rank: np.ndarray  # int, 0 = the team's best skater that game
    market: np.ndarray  # str
    mu: np.ndarray  # float: consensus mean count per game (before drift)
    line: np.ndarray  # float: the consensus main line
    drift: np.ndarray  # float [captures, offers]: multiplicative mean drift

    def __len__(self) -> int:
        return len(self.player_id)

    def listed(self, capture: int) -> np.ndarray:
        """bool per game: shown at this capture (not yet ``LISTED_AFTER_START`` past start)."""
        at = self.captures[capture]
        return np.array([at < g.start + LISTED_AFTER_START for g in self.games])

    def started(self, capture: int) -> np.ndarray:
        at = self.captures[capture]
        return np.array([at >= g.start for g in self.games])


def rng_for(world: World, stream: int, day: dt.date) -> np.random.Generator:
    season = world.seasons[-1].season
    return np.random.default_rng(
        np.random.SeedSequence(world.seed, spawn_key=(stream, season, day.toordinal()))
    )


def odds_slates(world: World, days: int = DEFAULT_ODDS_DAYS) -> tuple[dt.date, ...]:
    """The last ``days`` game dates (ET) of the world's last season, oldest first."""
    dates = sorted({d for d in world.seasons[-1].schedule.date.astype("datetime64[D]").tolist()})
    return tuple(dates[-days:]) if days > 0 else ()


# ---- vendor name quirks ---------------------------------------------------------------------


def ascii_name(name: str) -> str:
    """Accents dropped (one vendor prints "Levesque" for "Lévesque")."""
    table = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ß": "ss", "ł": "l", "Ł": "L"})
    text = unicodedata.normalize("NFKD", name.translate(table))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def without_suffix(name: str) -> str:
    """ "Ryan Doyle Jr." → "Ryan Doyle" (one vendor omits generational suffixes)."""
    words = name.split()
    while len(words) > 2 and words[-1].rstrip(".").lower() in ("jr", "sr", "ii", "iii", "iv"):
        words.pop()
    return " ".join(words)


def nickname(name: str) -> str:
    first, _, rest = name.partition(" ")
    return f"{NICKNAMES[first]} {rest}" if first in NICKNAMES and rest else name


# ---- the board ------------------------------------------------------------------------------

_CACHE: dict[tuple[int, int, dt.date], tuple[World, Board]] = {}


def board(world: World, day: dt.date) -> Board:
    """The slate's board (memoised for the world object being written)."""
    key = (id(world), world.seed, day)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is world:
        return hit[1]
    if len(_CACHE) > 64 or any(w is not world for w, _ in _CACHE.values()):
        _CACHE.clear()
    made = _build(world, day)
    _CACHE[key] = (world, made)
    return made


_PG_CACHE: dict[int, tuple[World, pa.Table, pa.Table]] = {}


def _tables(world: World) -> tuple[pa.Table, pa.Table]:
    hit = _PG_CACHE.get(id(world))
    if hit is not None and hit[0] is world:
        return hit[1], hit[2]
    _PG_CACHE.clear()
    season = world.seasons[-1].season
    games = world.games().filter(pc.equal(pc.field("season"), season))
    pg = world.player_games()
    pg = pg.filter(pc.and_(pc.equal(pg["season"], season), pc.invert(pg["is_goalie"])))
    _PG_CACHE[id(world)] = (world, games, pg)
    return games, pg


def _build(world: World, day: dt.date) -> Board:
    season = world.seasons[-1].season
    games_t, pg = _tables(world)
    today = games_t.filter(pc.equal(games_t["game_date"], pa.scalar(day, pa.date32())))
    rows = today.sort_by([("start_time_utc", "ascending"), ("game_id", "ascending")]).to_pylist()
    games = tuple(
        Game(
            game_id=int(r["game_id"]),
            start=r["start_time_utc"],
            home=r["home_team"],
            away=r["away_team"],
            home_full=team_for_season(r["home_team"], season).full_name,
            away_full=team_for_season(r["away_team"], season).full_name,
            home_id=int(r["home_team_id"]),
            away_id=int(r["away_team_id"]),
        )
        for r in rows
    )
    index = {g.game_id: i for i, g in enumerate(games)}
    part = pg.filter(pc.is_in(pg["game_id"], pa.array(list(index), pa.int64())))
    cols = part.select(["game_id", "team", "player_id", *_EXP.values()]).to_pydict()
    n = len(cols["game_id"])
    gidx = np.array([index[g] for g in cols["game_id"]], dtype=np.int64)
    team = np.array(cols["team"], dtype=object)
    pid = np.array(cols["player_id"], dtype=np.int64)
    pts = np.array(cols["exp_points"], dtype=float)
    # rank within team-game by expected points (best first), ties by player id
    order = np.lexsort((pid, -pts, team, gidx))
    rank = np.empty(n, dtype=np.int64)
    prev: tuple[int, str] | None = None
    r = 0
    for i in order:
        key = (int(gidx[i]), str(team[i]))
        r = r + 1 if key == prev else 0
        prev = key
        rank[i] = r
    rng = rng_for(world, STREAM_BOARD, day)
    names = {p.player_id: p.full_name for p in world.universe.players}
    parts: dict[str, list[np.ndarray]] = {
        k: [] for k in ("game", "pid", "team", "rank", "market", "mu")
    }
    for label, column in _EXP.items():
        keep = np.flatnonzero(
            (rank < MAX_RANK) & ((rank < FULL_MARKETS_RANK) | (label in _DEPTH_MARKETS))
        )
        truth = np.array(cols[column], dtype=float)[keep]
        parts["game"].append(gidx[keep])
        parts["pid"].append(pid[keep])
        parts["team"].append(team[keep])
        parts["rank"].append(rank[keep])
        parts["market"].append(np.full(len(keep), label, dtype=object))
        parts["mu"].append(truth * np.exp(rng.normal(0.0, MARKET_SD, len(keep))))
    fake = _unknown_offers(world, rng, games)
    game = np.concatenate([*parts["game"], fake.game])
    player = np.concatenate([*parts["pid"], fake.pid])
    market = np.concatenate([*parts["market"], fake.market])
    mu = np.concatenate([*parts["mu"], fake.mu])
    known = [names.get(int(p), "") for p in np.concatenate(parts["pid"])]
    name = np.array(known + list(fake.names), dtype=object)
    captures = tuple(et_to_utc(day, t) for t in CAPTURE_TIMES_ET)
    steps = rng.normal(0.0, DRIFT_SD, (len(captures), len(mu)))
    steps[0] = 0.0
    return Board(
        date=day,
        season=season,
        games=games,
        captures=captures,
        game=game,
        player_id=player,
        name=name,
        team=np.concatenate([*parts["team"], fake.team]),
        rank=np.concatenate([*parts["rank"], fake.rank]),
        market=market,
        mu=mu,
        line=main_line(market, mu),
        drift=np.exp(np.cumsum(steps, axis=0)),
    )


@dataclass(frozen=True)
class _Extra:
    """Offers for players no roster knows (parallel arrays, like :class:`Board`'s)."""

    game: np.ndarray
    pid: np.ndarray
    team: np.ndarray
    rank: np.ndarray
    market: np.ndarray
    mu: np.ndarray
    names: tuple[str, ...]


def _unknown_offers(world: World, rng: np.random.Generator, games: tuple[Game, ...]) -> _Extra:
    """On every third slate, one player nobody knows, with a points prop in one game."""
    known = {p.full_name for p in world.universe.players}
    candidates = [n for n in UNKNOWN_PLAYERS if n not in known]
    day = games[0].start.astimezone(ET).date() if games else None
    if not games or not candidates or day is None or day.toordinal() % 3:
        empty = np.zeros(0, np.int64)
        return _Extra(
            empty, empty, np.zeros(0, object), empty, np.zeros(0, object), np.zeros(0), ()
        )
    g = int(rng.integers(len(games)))
    who = candidates[int(rng.integers(len(candidates)))]
    team = games[g].home if rng.random() < 0.5 else games[g].away
    return _Extra(
        game=np.full(1, g, np.int64),
        pid=np.full(1, -1, np.int64),
        team=np.full(1, team, dtype=object),
        rank=np.full(1, 2, np.int64),  # listed by every vendor
        market=np.array(["POINTS"], dtype=object),
        mu=np.array([0.35]),
        names=(who,),
    )


def book_error(b: Board, rng: np.random.Generator) -> np.ndarray:
    """A book's own multiplicative error per offer (drawn once per slate, kept all day)."""
    return np.exp(rng.normal(0.0, BOOK_SD, len(b)))


def book_mean(b: Board, capture: int, error: np.ndarray) -> np.ndarray:
    """A book's mean per offer at a capture: consensus × drift × the book's own error."""
    mean: np.ndarray = b.mu * b.drift[capture] * error
    return mean


def odds_payload_writers(days: int | None = None) -> list[tuple[str, Any]]:
    """The discovered ``sample/odds_*`` writers, each bound to ``days`` slates (None: default).

    ``propledger sample build --odds-days N`` passes these to ``write_world``; 0 writes none."""
    from propledger.sample.writer import discover_payload_writers

    found = discover_payload_writers()
    if days is None:
        return list(found)
    if days < 0:
        from propledger.errors import ConfigError

        raise ConfigError(f"--odds-days {days}: use a number of slates ≥ 0 (0 = no odds payloads)")
    return [(name, functools.partial(cast(Any, writer), days=days)) for name, writer in found]


__all__ = [
    "ALPHA",
    "CAPTURE_TIMES_ET",
    "DEFAULT_ODDS_DAYS",
    "MARKETS",
    "Board",
    "Game",
    "american",
    "ascii_name",
    "board",
    "book_error",
    "book_mean",
    "decimal",
    "fraction_of",
    "implied",
    "main_line",
    "nickname",
    "odds_payload_writers",
    "odds_slates",
    "p_over",
    "rng_for",
    "without_suffix",
]
