"""``fact_mapping_quality_daily``: how well each vendor's quotes of a slate mapped, per vendor.

The statistics are the ingest's own (:func:`propledger.odds.mapping_stats.mapping_stats`) over
the slate's ``fact_prop_odds`` rows captured at or before ``as_of`` (same slate rule as the
coverage fact), so the evidence layer and the ingest summary never disagree. Rates are shares
of quote rows in [0, 1] and NULL for a vendor with no rows; every expected vendor gets a row,
with ``rows = 0`` when it delivered nothing for the slate (the "vendor at zero" anomaly reads it).
``by_reason``/``by_method`` are JSON objects (reason → rows), ``top_unmapped`` a JSON list of
``{name, reason, rows}`` (the 10 names losing most rows; ``AWAY @ HOME`` for ``no_game``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

import pyarrow as pa

from propledger.clock import ensure_utc
from propledger.evidence.facts_coverage import SLATE_OF_QUOTE
from propledger.evidence.warehouse import Warehouse
from propledger.odds.mapping import MapReason
from propledger.odds.mapping_stats import COLUMNS, MappingStats, mapping_stats

TOP_UNMAPPED = 10
_REASONS: tuple[str, ...] = (
    MapReason.NO_GAME.value,
    MapReason.NO_PLAYER.value,
    MapReason.AMBIGUOUS.value,
    MapReason.UNKNOWN_MARKET.value,
)

SCHEMA = pa.schema(
    [
        ("slate_date", pa.date32()),
        ("vendor", pa.string()),
        ("rows", pa.int64()),
        ("rows_mapped", pa.int64()),
        ("rows_event_mapped", pa.int64()),
        ("rows_player_mapped", pa.int64()),
        ("rows_market_mapped", pa.int64()),
        ("pct_mapped", pa.float64()),
        ("pct_events_mapped", pa.float64()),
        ("pct_players_mapped", pa.float64()),
        ("pct_markets_mapped", pa.float64()),
        ("events", pa.int32()),
        ("events_mapped", pa.int32()),
        ("players", pa.int32()),
        ("players_mapped", pa.int32()),
        *[(f"n_{r}", pa.int64()) for r in _REASONS],
        ("n_other_reason", pa.int64()),
        ("by_reason", pa.string()),
        ("by_method", pa.string()),
        ("top_unmapped", pa.string()),
    ]
)


def _row(stats: MappingStats, slate_date: dt.date) -> dict[str, Any]:
    reasons = dict(stats.by_reason)
    has_rows = stats.rows > 0
    return {
        "slate_date": slate_date,
        "vendor": stats.vendor,
        "rows": stats.rows,
        "rows_mapped": stats.rows_mapped,
        "rows_event_mapped": stats.rows_event_mapped,
        "rows_player_mapped": stats.rows_player_mapped,
        "rows_market_mapped": stats.rows_market_mapped,
        "pct_mapped": stats.pct_mapped if has_rows else None,
        "pct_events_mapped": stats.pct_events if has_rows else None,
        "pct_players_mapped": stats.pct_players if has_rows else None,
        "pct_markets_mapped": stats.pct_markets if has_rows else None,
        "events": stats.events,
        "events_mapped": stats.events_mapped,
        "players": stats.players,
        "players_mapped": stats.players_mapped,
        **{f"n_{r}": reasons.get(r, 0) for r in _REASONS},
        "n_other_reason": sum(v for k, v in reasons.items() if k not in _REASONS),
        "by_reason": json.dumps(reasons, sort_keys=True),
        "by_method": json.dumps(dict(stats.by_method), sort_keys=True),
        "top_unmapped": json.dumps(
            [{"name": u.name, "reason": u.reason, "rows": u.rows} for u in stats.top_unmapped]
        ),
    }


def mapping_rows(
    wh: Warehouse,
    slate_date: dt.date,
    as_of: dt.datetime,
    *,
    vendors: Iterable[str] = (),
) -> pa.Table:
    """One row per vendor with quotes on the slate, plus a ``rows = 0`` row for each of
    ``vendors`` (case-insensitive) without any."""
    cols = ", ".join(f"o.{c}" for c in COLUMNS)
    quotes = wh.arrow(
        f"SELECT {cols} FROM fact_prop_odds o LEFT JOIN v_game g ON g.game_id = o.game_id "
        f"WHERE o.capture_ts_utc <= ? AND {SLATE_OF_QUOTE} = ?",
        [ensure_utc(as_of), slate_date],
    )
    stats = dict(mapping_stats(quotes, top=TOP_UNMAPPED))
    for vendor in vendors:
        stats.setdefault(vendor.upper(), MappingStats(vendor=vendor.upper()))
    rows = [_row(stats[v], slate_date) for v in sorted(stats)]
    return pa.Table.from_pylist(rows, schema=SCHEMA)


__all__ = ["SCHEMA", "TOP_UNMAPPED", "mapping_rows"]
