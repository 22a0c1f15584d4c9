"""Entity mapping: vendor events → ``dim_game``, vendor players → ``dim_player`` (DESIGN §6).

:func:`map_quotes` takes parsed quotes (an Arrow table with :data:`~propledger.odds.quote.QUOTE_SCHEMA`
columns) and returns them with ``game_id``, ``player_id``, ``map_status``, ``map_method``,
``map_score`` and ``map_reason`` appended, plus per-vendor :class:`MappingStats`.

* **Events** (in DuckDB SQL over the distinct events): same home and away NHL abbreviations
  as a ``v_game`` row and a start within ±``event_window`` (vendor start vs
  ``start_time_utc``; without a vendor start, the ET date — OddsShark's synthetic id carries
  it — vs the game's ``slate_date``). The closest start wins; two equally close games are
  ``ambiguous``.
* **Players** (per distinct (event, player), never per quote): a confirmed vendor-id mapping
  (``v_map_vendor_player``) first; else :func:`~propledger.odds.normalize.player_match_key`
  equality against the *roster of the mapped game's two teams as of the game date*; else
  rapidfuzz fuzzy matching above ``fuzzy_threshold`` with a clear ``fuzzy_margin`` over the
  next different player. Several candidates are never guessed between (``ambiguous``), except
  that the vendor's own ``player_team`` may break an exact tie.
* **Roster as of a date**: a player belongs to team T on date D when his latest appearance on
  or before D (MoneyPuck ``player_game_situation`` or box-score ``fact_outcome``, within
  ``roster_lookback_days``) was for T — so a traded player counts for his old team before the
  trade and his new one after; and also for ``dim_player.team_abbrev`` when he has never
  played, or when the date is after his last appearance and that is within the lookback (a
  trade not yet played, a call-up; a long-retired player is nobody's candidate).

``map_status`` is ``mapped`` (game and player found) or ``unmapped``; ``map_method`` is
``vendor_id``/``exact``/``fuzzy`` for a found player; ``map_score`` is in [0, 1] (1 for
vendor id and exact, the fuzzy similarity / 100 otherwise, the best rejected score for
``ambiguous``/``no_player`` when there was one); ``map_reason`` (unmapped rows only), by
precedence: ``unknown_market`` → ``no_game`` → ``ambiguous`` (event) → ``ambiguous`` /
``no_player`` (player). ``game_id`` is kept on rows whose player did not map.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import fuzz

from propledger.evidence.warehouse import Warehouse
from propledger.odds.mapping_sql import EVENTS_SQL, JOIN_SQL, PLAYERS_SQL, ROSTER_SQL
from propledger.odds.mapping_stats import MappingStats, mapping_stats
from propledger.odds.normalize import player_match_key
from propledger.odds.quote import Market


class MapStatus(enum.StrEnum):
    MAPPED = "mapped"
    UNMAPPED = "unmapped"


class MapMethod(enum.StrEnum):
    VENDOR_ID = "vendor_id"
    EXACT = "exact"
    FUZZY = "fuzzy"


class MapReason(enum.StrEnum):
    """Why a row is unmapped (the first failing step, see the module docstring)."""

    UNKNOWN_MARKET = "unknown_market"
    NO_GAME = "no_game"
    AMBIGUOUS = "ambiguous"
    NO_PLAYER = "no_player"


@dataclass(frozen=True)
class MappingConfig:
    """Mapping knobs. Scores are rapidfuzz similarities in [0, 100]."""

    event_window: dt.timedelta = dt.timedelta(days=1)
    fuzzy_threshold: float = 90.0
    fuzzy_margin: float = 5.0
    roster_lookback_days: int = 400
    top_unmapped: int = 10


#: the columns :func:`map_quotes` appends, with their Arrow types
MAPPING_FIELDS: tuple[pa.Field, ...] = (
    pa.field("game_id", pa.int64()),
    pa.field("player_id", pa.int64()),
    pa.field("map_status", pa.string()),
    pa.field("map_method", pa.string()),
    pa.field("map_score", pa.float64()),
    pa.field("map_reason", pa.string()),
)

_MARKETS = tuple(m.value for m in Market)
#: the quote columns mapping reads
_KEY_COLUMNS = (
    "vendor",
    "platform",
    "capture_ts_utc",
    "slate_date",
    "event_id_vendor",
    "event_start_time_utc",
    "home_team",
    "away_team",
    "player_key",
    "player_id_vendor",
    "player_name_raw",
    "player_team",
    "market_type",
)


@dataclass(frozen=True)
class MappingResult:
    """Mapped quotes (input columns + :data:`MAPPING_FIELDS`), per-vendor statistics, and the
    vendor-id matches learned from exact name matches (rows for ``map_vendor_player``)."""

    table: pa.Table
    stats: Mapping[str, MappingStats]
    learned: tuple[dict[str, Any], ...] = field(default=())


# ---- rosters --------------------------------------------------------------------------------


@dataclass
class _Roster:
    """One game's candidates: match key → player ids, player id → teams, keys for fuzzy."""

    exact: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    teams: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    keys: list[tuple[str, int]] = field(default_factory=list)


@functools.lru_cache(maxsize=65536)
def _key(name: str) -> str:
    return player_match_key(name)


def _rosters(wh: Warehouse, games: pa.Table, lookback: int) -> dict[int, _Roster]:
    if games.num_rows == 0:
        return {}
    wh.con.register("mapped_games", games)
    try:
        rows = wh.arrow(ROSTER_SQL, [lookback] * 4).to_pydict()
    finally:
        wh.con.unregister("mapped_games")
    out: dict[int, _Roster] = defaultdict(_Roster)
    seen: set[tuple[int, str, int]] = set()
    for game_id, player_id, team, name in zip(
        rows["game_id"], rows["player_id"], rows["team"], rows["name"], strict=True
    ):
        roster = out[game_id]
        roster.teams[player_id].add(team)
        key = _key(name)
        if key and (game_id, key, player_id) not in seen:
            seen.add((game_id, key, player_id))
            roster.exact[key].add(player_id)
            roster.keys.append((key, player_id))
    return out


class RosterCache:
    """Game rosters already read in this run, keyed by (game, home, away, date, lookback).

    Odds ingestion and reparse never write the tables a roster is read from, so within one run
    a game's roster cannot change: share one cache across the run's payloads (never across
    runs: a history refresh in between would make it stale)."""

    def __init__(self) -> None:
        self._rosters: dict[tuple[Any, ...], _Roster] = {}

    def get(self, wh: Warehouse, games: pa.Table, lookback: int) -> dict[int, _Roster]:
        wanted = {
            (r["game_id"], r["home_team"], r["away_team"], r["game_date"], lookback): r
            for r in games.to_pylist()
        }
        missing = [r for k, r in wanted.items() if k not in self._rosters]
        if missing:
            found = _rosters(wh, pa.Table.from_pylist(missing, schema=games.schema), lookback)
            for r in missing:
                key = (r["game_id"], r["home_team"], r["away_team"], r["game_date"], lookback)
                self._rosters[key] = found.get(r["game_id"], _Roster())
        return {k[0]: self._rosters[k] for k in wanted}


# ---- players --------------------------------------------------------------------------------


def name_score(a: str, b: str) -> float:
    """Similarity of two match keys in [0, 100]: rapidfuzz ``token_sort_ratio``, raised to 95
    when the surnames are equal and one first name is a prefix of the other ("mitch marner" /
    "mitchell marner", "alex" / "alexander", an initial)."""
    score = float(fuzz.token_sort_ratio(a, b))
    wa, wb = a.split(), b.split()
    if (
        len(wa) >= 2
        and len(wb) >= 2
        and wa[1:] == wb[1:]
        and (wa[0].startswith(wb[0]) or wb[0].startswith(wa[0]))
    ):
        score = max(score, 95.0)
    return score


@dataclass(frozen=True)
class _Match:
    player_id: int | None
    method: str | None
    score: float | None
    reason: str | None


def _match_player(
    name: str, team: str | None, roster: _Roster | None, config: MappingConfig
) -> _Match:
    key = _key(name)
    if roster is None or not key:
        return _Match(None, None, None, MapReason.NO_PLAYER)
    ids = roster.exact.get(key, set())
    if len(ids) > 1 and team:
        ids = {pid for pid in ids if team in roster.teams[pid]}  # the vendor's team breaks a tie
        if not ids:
            ids = roster.exact[key]
    if len(ids) == 1:
        return _Match(next(iter(ids)), MapMethod.EXACT, 1.0, None)
    if len(ids) > 1:
        return _Match(None, None, 1.0, MapReason.AMBIGUOUS)
    best: dict[int, float] = {}
    for other, pid in roster.keys:
        score = name_score(key, other)
        if score > best.get(pid, -1.0):
            best[pid] = score
    if not best:
        return _Match(None, None, None, MapReason.NO_PLAYER)
    ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))
    top_id, top = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    if top < config.fuzzy_threshold:
        return _Match(None, None, top / 100.0, MapReason.NO_PLAYER)
    if top - second < config.fuzzy_margin:
        return _Match(None, None, top / 100.0, MapReason.AMBIGUOUS)
    return _Match(top_id, MapMethod.FUZZY, top / 100.0, None)


_PL_SCHEMA = pa.schema(
    [
        ("vendor", pa.string()),
        ("platform", pa.string()),
        ("event_id_vendor", pa.string()),
        ("event_start_time_utc", pa.timestamp("us", tz="UTC")),
        ("home_team", pa.string()),
        ("away_team", pa.string()),
        ("player_key", pa.string()),
        ("player_name_raw", pa.string()),
        ("player_team", pa.string()),
        ("player_id", pa.int64()),
        ("method", pa.string()),
        ("score", pa.float64()),
        ("reason", pa.string()),
    ]
)


def map_quotes(
    wh: Warehouse,
    quotes: pa.Table,
    *,
    config: MappingConfig | None = None,
    cache: RosterCache | None = None,
) -> MappingResult:
    """Map every quote (see the module docstring); reads ``dim_game``, ``dim_player``,
    ``player_game_situation``, ``fact_outcome`` and ``v_map_vendor_player``; writes nothing.

    Pass one :class:`RosterCache` for all payloads of a run to read each roster once."""
    config = config or MappingConfig()
    cache = cache or RosterCache()
    keys = [c for c in _KEY_COLUMNS if c in quotes.column_names]
    q = quotes.select(keys).append_column("_row", pa.array(range(quotes.num_rows), pa.int64()))
    wh.con.register("q", q)
    try:
        ev_map = wh.arrow(EVENTS_SQL, [config.event_window.total_seconds()])
        wh.con.register("ev_map", ev_map)
        try:
            players = wh.arrow(PLAYERS_SQL).to_pylist()
            games = ev_map.filter(pc.is_valid(ev_map["game_id"])).select(
                ["game_id", "home_team", "away_team", "game_date"]
            )
            rosters = cache.get(wh, games, config.roster_lookback_days)
            matched, learned = _match_all(players, rosters, config)
            wh.con.register("pl_map", pa.Table.from_pylist(matched, schema=_PL_SCHEMA))
            try:
                mapping = wh.arrow(JOIN_SQL, [list(_MARKETS), list(_MARKETS)])
            finally:
                wh.con.unregister("pl_map")
        finally:
            wh.con.unregister("ev_map")
    finally:
        wh.con.unregister("q")
    table = quotes
    for wanted in MAPPING_FIELDS:  # pinned types: DuckDB may null-type an all-NULL column
        table = table.append_column(wanted, mapping.column(wanted.name).cast(wanted.type))
    return MappingResult(table, mapping_stats(table, top=config.top_unmapped), tuple(learned))


def _match_all(
    players: Iterable[dict[str, Any]], rosters: Mapping[int, _Roster], config: MappingConfig
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    matched: list[dict[str, Any]] = []
    learned: list[dict[str, Any]] = []
    for row in players:
        if row["vendor_player_id"] is not None:
            found = _Match(int(row["vendor_player_id"]), MapMethod.VENDOR_ID, 1.0, None)
        else:
            found = _match_player(
                row["player_name_raw"], row["player_team"], rosters.get(row["game_id"]), config
            )
        matched.append(
            {
                **{k: row[k] for k in _PL_SCHEMA.names if k in row},
                "player_id": found.player_id,
                "method": None if found.method is None else str(found.method),
                "score": found.score,
                "reason": None if found.reason is None else str(found.reason),
            }
        )
        if found.method == MapMethod.EXACT and row["player_id_vendor"]:
            learned.append(
                {
                    "vendor": row["vendor"],
                    "platform": row["platform"],
                    "player_id_vendor": row["player_id_vendor"],
                    "player_id": found.player_id,
                    "method": str(MapMethod.EXACT),
                    "player_name_raw": row["player_name_raw"],
                    "player_team": row["player_team"],
                    "game_id": row["game_id"],
                }
            )
    return matched, learned


def unmapped_table(quotes: pa.Table) -> pa.Table:
    """``quotes`` with empty mapping columns (no warehouse needed; e.g. a parse-only preview)."""
    n = quotes.num_rows
    for wanted in MAPPING_FIELDS:
        quotes = quotes.append_column(wanted, pa.nulls(n, wanted.type))
    return quotes


__all__ = [
    "MAPPING_FIELDS",
    "MapMethod",
    "MapReason",
    "MapStatus",
    "MappingConfig",
    "MappingResult",
    "MappingStats",
    "RosterCache",
    "map_quotes",
    "name_score",
    "unmapped_table",
]
