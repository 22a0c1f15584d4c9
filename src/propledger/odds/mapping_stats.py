"""Mapping quality per vendor (and slate): what ``fact_mapping_quality_daily`` stores.

One Arrow computation serves both uses: :func:`mapping_stats` over an in-memory table (one
ingest's mapped quotes), :func:`mapping_quality` over ``fact_prop_odds`` rows of a slate range,
per slate × vendor (the evidence layer). Rates
are shares of quote rows (0–1); ``events``/``players`` count distinct vendor events and
distinct (event, player) pairs within the relation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    from propledger.evidence.warehouse import Warehouse


@dataclass(frozen=True)
class UnmappedName:
    """A name that did not map: the player (or ``"AWAY @ HOME"`` for ``no_game``), why, rows."""

    name: str
    reason: str
    rows: int


@dataclass(frozen=True)
class MappingStats:
    """Mapping statistics of one vendor (optionally one slate). Counts are quote rows unless
    named ``events``/``players``; ``pct_*`` are shares in [0, 1] (1.0 for zero rows)."""

    vendor: str
    rows: int = 0
    rows_event_mapped: int = 0
    rows_player_mapped: int = 0
    rows_market_mapped: int = 0
    rows_mapped: int = 0
    events: int = 0
    events_mapped: int = 0
    players: int = 0
    players_mapped: int = 0
    by_reason: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    by_method: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    top_unmapped: tuple[UnmappedName, ...] = ()
    slate_date: dt.date | None = None

    def _share(self, part: int) -> float:
        return part / self.rows if self.rows else 1.0

    @property
    def pct_events(self) -> float:
        return self._share(self.rows_event_mapped)

    @property
    def pct_players(self) -> float:
        return self._share(self.rows_player_mapped)

    @property
    def pct_markets(self) -> float:
        return self._share(self.rows_market_mapped)

    @property
    def pct_mapped(self) -> float:
        return self._share(self.rows_mapped)

    @property
    def rows_unmapped(self) -> int:
        return self.rows - self.rows_mapped

    @property
    def explained(self) -> bool:
        """Every unmapped row carries a reason."""
        return sum(self.by_reason.values()) == self.rows_unmapped

    def merge(self, other: MappingStats, *, top: int = 10) -> MappingStats:
        """Sum two statistics of one vendor (e.g. the payloads of a reparse). Row counts add
        exactly; ``events``/``players`` add per part (distinct within each part)."""
        reasons = _add(self.by_reason, other.by_reason)
        methods = _add(self.by_method, other.by_method)
        names: dict[tuple[str, str], int] = {}
        for item in (*self.top_unmapped, *other.top_unmapped):
            names[(item.name, item.reason)] = names.get((item.name, item.reason), 0) + item.rows
        ranked = sorted(names.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
        return replace(
            self,
            rows=self.rows + other.rows,
            rows_event_mapped=self.rows_event_mapped + other.rows_event_mapped,
            rows_player_mapped=self.rows_player_mapped + other.rows_player_mapped,
            rows_market_mapped=self.rows_market_mapped + other.rows_market_mapped,
            rows_mapped=self.rows_mapped + other.rows_mapped,
            events=self.events + other.events,
            events_mapped=self.events_mapped + other.events_mapped,
            players=self.players + other.players,
            players_mapped=self.players_mapped + other.players_mapped,
            by_reason=reasons,
            by_method=methods,
            top_unmapped=tuple(UnmappedName(n, r, c) for (n, r), c in ranked),
        )

    def as_row(self) -> dict[str, Any]:
        """JSON-ready row for ``fact_mapping_quality_daily`` (rates rounded to 6 places)."""
        return {
            "slate_date": self.slate_date,
            "vendor": self.vendor,
            "rows": self.rows,
            "rows_mapped": self.rows_mapped,
            "pct_events_mapped": round(self.pct_events, 6),
            "pct_players_mapped": round(self.pct_players, 6),
            "pct_markets_mapped": round(self.pct_markets, 6),
            "pct_mapped": round(self.pct_mapped, 6),
            "events": self.events,
            "events_mapped": self.events_mapped,
            "players": self.players,
            "players_mapped": self.players_mapped,
            "by_reason": dict(sorted(self.by_reason.items())),
            "by_method": dict(sorted(self.by_method.items())),
            "top_unmapped": [
                {"name": u.name, "reason": u.reason, "rows": u.rows} for u in self.top_unmapped
            ],
        }

    def summary(self) -> str:
        """``events 99.1% players 98.0% (12 unmapped: no_player=10, ambiguous=2)``."""
        text = f"events {self.pct_events:.1%} players {self.pct_players:.1%}"
        if self.rows_unmapped:
            parts = ", ".join(f"{k}={v}" for k, v in sorted(self.by_reason.items()))
            text += f" ({self.rows_unmapped} unmapped: {parts})"
        return text


def _add(a: Mapping[str, int], b: Mapping[str, int]) -> Mapping[str, int]:
    out = dict(a)
    for k, v in b.items():
        out[k] = out.get(k, 0) + v
    return MappingProxyType(dict(sorted(out.items())))


_COUNT_FIELDS = (
    "rows",
    "rows_event_mapped",
    "rows_player_mapped",
    "rows_market_mapped",
    "rows_mapped",
    "events",
    "events_mapped",
    "players",
    "players_mapped",
)
#: the columns the statistics read
COLUMNS: tuple[str, ...] = (
    "vendor",
    "event_id_vendor",
    "event_name_raw",
    "home_team",
    "away_team",
    "player_key",
    "player_name_raw",
    "game_id",
    "player_id",
    "map_status",
    "map_method",
    "map_reason",
)


_GROUP_KEYS = [c for c in COLUMNS if c not in ("game_id", "player_id")] + ["has_game", "has_player"]


def _groups(table: pa.Table, extra: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """One Arrow group-by to (at most) one row per distinct event × player × outcome."""
    if table.num_rows == 0:
        return []
    narrow = table.select([*extra, *COLUMNS[:-5], "map_status", "map_method", "map_reason"])
    narrow = narrow.append_column("has_game", pc.is_valid(table["game_id"]))
    narrow = narrow.append_column("has_player", pc.is_valid(table["player_id"]))
    keys = [*extra, *_GROUP_KEYS]
    grouped: list[dict[str, Any]] = narrow.group_by(keys).aggregate([([], "count_all")]).to_pylist()
    for row in grouped:
        row["n"] = int(row.pop("count_all"))
    return grouped


def _name(row: Mapping[str, Any]) -> str:
    if row["map_reason"] == "no_game":
        if row["away_team"] and row["home_team"]:
            return f"{row['away_team']} @ {row['home_team']}"
        return str(row["event_name_raw"] or row["event_id_vendor"])
    return str(row["player_name_raw"])


def _one(groups: list[dict[str, Any]], vendor: str, top: int, day: dt.date | None) -> MappingStats:
    counts = dict.fromkeys(_COUNT_FIELDS, 0)
    events: set[str] = set()
    events_mapped: set[str] = set()
    players: set[tuple[str, str]] = set()
    players_mapped: set[tuple[str, str]] = set()
    reasons: dict[str, int] = {}
    methods: dict[str, int] = {}
    lost: dict[tuple[str, str], int] = {}
    for g in groups:
        n = g["n"]
        counts["rows"] += n
        counts["rows_event_mapped"] += n if g["has_game"] else 0
        counts["rows_player_mapped"] += n if g["has_player"] else 0
        counts["rows_market_mapped"] += 0 if g["map_reason"] == "unknown_market" else n
        counts["rows_mapped"] += n if g["map_status"] == "mapped" else 0
        events.add(g["event_id_vendor"])
        players.add((g["event_id_vendor"], g["player_key"]))
        if g["has_game"]:
            events_mapped.add(g["event_id_vendor"])
        if g["has_player"]:
            players_mapped.add((g["event_id_vendor"], g["player_key"]))
        if g["map_reason"] is not None:
            reasons[g["map_reason"]] = reasons.get(g["map_reason"], 0) + n
        if g["map_method"] is not None:
            methods[g["map_method"]] = methods.get(g["map_method"], 0) + n
        if g["map_status"] != "mapped":
            key = (_name(g), g["map_reason"] or "(none)")
            lost[key] = lost.get(key, 0) + n
    counts.update(
        events=len(events),
        events_mapped=len(events_mapped),
        players=len(players),
        players_mapped=len(players_mapped),
    )
    ranked = sorted(lost.items(), key=lambda kv: (-kv[1], kv[0]))[: max(top, 0)]
    return MappingStats(
        vendor=vendor,
        slate_date=day,
        **counts,
        by_reason=MappingProxyType(dict(sorted(reasons.items()))),
        by_method=MappingProxyType(dict(sorted(methods.items()))),
        top_unmapped=tuple(UnmappedName(name, reason, n) for (name, reason), n in ranked),
    )


def mapping_stats(table: pa.Table, *, top: int = 10) -> Mapping[str, MappingStats]:
    """Per-vendor statistics of mapped quotes (``map_quotes`` output or fact rows)."""
    by_vendor: dict[str, list[dict[str, Any]]] = {}
    for g in _groups(table):
        by_vendor.setdefault(str(g["vendor"]), []).append(g)
    return MappingProxyType({v: _one(gs, v, top, None) for v, gs in sorted(by_vendor.items())})


def mapping_quality(
    wh: Warehouse,
    start: dt.date,
    end: dt.date,
    *,
    vendors: Iterable[str] | None = None,
    top: int = 10,
) -> list[MappingStats]:
    """Per slate × vendor statistics from ``fact_prop_odds`` for slates in [start, end)."""
    sql = f"SELECT slate_date, {', '.join(COLUMNS)} FROM fact_prop_odds WHERE slate_date >= ? AND slate_date < ?"
    params: list[Any] = [start, end]
    if vendors is not None:
        sql += " AND vendor IN (SELECT unnest(?))"
        params.append([v.upper() for v in vendors])
    table = wh.arrow(sql, params)
    parts: dict[tuple[dt.date, str], list[dict[str, Any]]] = {}
    for g in _groups(table, ("slate_date",)):
        parts.setdefault((g["slate_date"], str(g["vendor"])), []).append(g)
    return [_one(gs, vendor, top, day) for (day, vendor), gs in sorted(parts.items())]


__all__ = ["MappingStats", "UnmappedName", "mapping_quality", "mapping_stats"]
