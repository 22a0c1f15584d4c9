"""One payload → ``fact_prop_odds`` rows: parse, map, append (shared by ingest, reparse, backfill).

:func:`prepare_payload` is read-only (parse with the payload's own capture time, then map
against the warehouse) and raises :class:`~propledger.errors.PayloadError` for an unreadable
payload — a parser crash is turned into one too, so one vendor's bad payload can never take
down the others. :func:`write_prepared` appends the mapped rows (bulk Arrow, idempotent on the
``fact_prop_odds`` primary key) with ``raw_payload_hash``, ``run_id`` and ``loaded_at``, and
records the vendor-id matches learned from exact name matches in ``map_vendor_player``.
:func:`load_payload` does both in one transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import pyarrow as pa

from propledger.clock import ensure_utc
from propledger.errors import PayloadError, PropledgerError
from propledger.evidence.warehouse import Warehouse
from propledger.odds.mapping import MappingConfig, MappingStats, RosterCache, map_quotes
from propledger.odds.parse import parse_payload
from propledger.odds.quote import ParseResult, ParseStatus, Surface

log = logging.getLogger(__name__)

FACT = "fact_prop_odds"
VENDOR_MAP = "map_vendor_player"


@dataclass(frozen=True)
class PreparedPayload:
    """A parsed and mapped payload, not yet written. ``table`` has the fact columns."""

    surface: Surface
    captured_at: dt.datetime
    parse: ParseResult
    table: pa.Table
    stats: Mapping[str, MappingStats]
    learned: tuple[dict[str, object], ...]

    @property
    def rows(self) -> int:
        return int(self.table.num_rows)


@dataclass(frozen=True)
class PayloadLoad:
    """What loading one payload did. ``rows_duplicate`` = parsed rows already in the table."""

    payload_hash: str
    surface: str
    captured_at: dt.datetime
    parse_status: ParseStatus
    rows_parsed: int
    rows_inserted: int
    skipped: Mapping[str, int]
    warnings: tuple[str, ...]
    stats: Mapping[str, MappingStats]

    @property
    def rows_duplicate(self) -> int:
        return self.rows_parsed - self.rows_inserted


def prepare_payload(
    wh: Warehouse,
    surface: Surface | str,
    content: bytes,
    captured_at: dt.datetime,
    *,
    config: MappingConfig | None = None,
    cache: RosterCache | None = None,
) -> PreparedPayload:
    """Parse ``content`` (captured at ``captured_at``, UTC) and map its quotes; writes nothing.

    Raises PayloadError when the payload cannot be read (or the parser fails on it)."""
    kind = Surface(str(surface))
    when = ensure_utc(captured_at)
    try:
        result = parse_payload(kind, content, when)
    except PropledgerError:
        raise
    except Exception as exc:  # a parser bug on odd input must stay within this vendor
        log.exception("parser for %s failed", kind.value)
        raise PayloadError(
            f"{kind.value}: the parser failed ({type(exc).__name__}: {exc}); the payload is "
            "archived, fix the parser and run `propledger odds reparse`"
        ) from exc
    mapped = map_quotes(wh, result.to_arrow(), config=config, cache=cache)
    return PreparedPayload(kind, when, result, mapped.table, mapped.stats, mapped.learned)


def write_prepared(
    wh: Warehouse,
    prepared: PreparedPayload,
    *,
    payload_hash: str,
    run_id: str,
    loaded_at: dt.datetime,
) -> PayloadLoad:
    """Append the prepared rows and learned vendor ids (call inside a transaction)."""
    hashes = pa.array([payload_hash] * prepared.rows, pa.string())
    column = pa.field("raw_payload_hash", pa.string())
    index = prepared.table.schema.get_field_index(column.name)
    table = (
        prepared.table.append_column(column, hashes)
        if index < 0
        else prepared.table.set_column(index, column, hashes)
    )
    inserted = wh.append(FACT, table, run_id=run_id, loaded_at=loaded_at)
    if prepared.learned:
        rows = [{**row, "first_seen_utc": prepared.captured_at} for row in prepared.learned]
        wh.append(VENDOR_MAP, rows, run_id=run_id, loaded_at=loaded_at)
    result = prepared.parse
    return PayloadLoad(
        payload_hash=payload_hash,
        surface=prepared.surface.value,
        captured_at=prepared.captured_at,
        parse_status=result.status,
        rows_parsed=prepared.rows,
        rows_inserted=inserted,
        skipped=MappingProxyType(dict(result.skipped)),
        warnings=result.warnings,
        stats=prepared.stats,
    )


def load_payload(
    wh: Warehouse,
    surface: Surface | str,
    content: bytes,
    captured_at: dt.datetime,
    *,
    payload_hash: str,
    run_id: str,
    loaded_at: dt.datetime,
    config: MappingConfig | None = None,
    cache: RosterCache | None = None,
) -> PayloadLoad:
    """Parse, map and append one payload in one transaction (reparse and backfill use this).

    ``captured_at`` must be the payload's own capture time (never the current time)."""
    prepared = prepare_payload(wh, surface, content, captured_at, config=config, cache=cache)
    with wh.transaction():
        return write_prepared(
            wh, prepared, payload_hash=payload_hash, run_id=run_id, loaded_at=loaded_at
        )


__all__ = [
    "FACT",
    "VENDOR_MAP",
    "PayloadLoad",
    "PreparedPayload",
    "load_payload",
    "prepare_payload",
    "write_prepared",
]
