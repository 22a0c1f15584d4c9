"""Re-run the odds parsers over the raw archive (``propledger odds reparse``; backfill, issue 8).

:func:`archived_payloads` lists ``raw_payload`` rows of the odds surfaces whose slate date
(else the America/New_York date of the capture) lies in the half-open range [start, end).
:func:`reparse_payload` reads one archived body and loads it with :func:`~propledger.odds.load.
load_payload` using the payload's *own archived* ``capture_ts_utc`` (never the current time),
so re-parsing stamps nothing with today's date; inserts are idempotent, so a reparse after a
parser fix adds only the rows the old parser missed. :func:`reparse_archive` does both for a
range and returns per-vendor counts; a missing file or an unreadable payload is counted and
skipped, never fatal.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from propledger.archive import RawArchive
from propledger.clock import ensure_utc
from propledger.errors import ConfigError, PayloadError
from propledger.evidence.warehouse import Warehouse
from propledger.odds.load import PayloadLoad, load_payload
from propledger.odds.mapping import MappingConfig, MappingStats, RosterCache
from propledger.odds.parse import PROVENANCE_SURFACES
from propledger.odds.quote import Surface

#: surfaces that hold quotes (event lists are provenance only)
QUOTE_SURFACES: tuple[str, ...] = tuple(s.value for s in Surface if s not in PROVENANCE_SURFACES)


@dataclass(frozen=True)
class ArchivedPayload:
    """One ``raw_payload`` row of an odds surface. ``path`` is relative to the raw dir."""

    payload_hash: str
    vendor: str
    surface: str
    capture_ts_utc: dt.datetime
    slate_date: dt.date | None
    path: str


def archived_payloads(
    wh: Warehouse,
    start: dt.date,
    end: dt.date,
    *,
    vendors: Iterable[str] | None = None,
) -> list[ArchivedPayload]:
    """Archived odds payloads with slate (or ET capture) date in [start, end), oldest first."""
    if end <= start:
        raise ConfigError(
            f"empty range {start}..{end}: --to must be after --from (the range is half-open)"
        )
    sql = (
        "SELECT payload_hash, vendor, surface, capture_ts_utc, slate_date, path FROM raw_payload "
        "WHERE surface IN (SELECT unnest(?)) "
        "AND coalesce(slate_date, CAST(timezone('America/New_York', capture_ts_utc) AS DATE)) "
        "    >= ? "
        "AND coalesce(slate_date, CAST(timezone('America/New_York', capture_ts_utc) AS DATE)) "
        "    < ? "
    )
    params: list[Any] = [list(QUOTE_SURFACES), start, end]
    if vendors is not None:
        sql += "AND vendor IN (SELECT unnest(?)) "
        params.append([v.upper() for v in vendors])
    sql += "ORDER BY capture_ts_utc, vendor, payload_hash"
    return [ArchivedPayload(**row) for row in wh.arrow(sql, params).to_pylist()]


def reparse_payload(
    wh: Warehouse,
    archive: RawArchive,
    payload: ArchivedPayload,
    *,
    run_id: str,
    loaded_at: dt.datetime,
    config: MappingConfig | None = None,
    cache: RosterCache | None = None,
) -> PayloadLoad:
    """Parse one archived payload at its archived capture time and append idempotently.

    Raises PayloadError when the file is missing or unreadable (the caller counts it)."""
    try:
        content = archive.read(payload.path)
    except OSError as exc:
        raise PayloadError(
            f"archived payload {payload.payload_hash[:12]} ({payload.path}) cannot be read: "
            f"{exc.strerror or exc}; restore the raw archive or skip it",
            vendor=payload.vendor,
        ) from None
    return load_payload(
        wh,
        payload.surface,
        content,
        ensure_utc(payload.capture_ts_utc),
        payload_hash=payload.payload_hash,
        run_id=run_id,
        loaded_at=loaded_at,
        config=config,
        cache=cache,
    )


@dataclass(frozen=True)
class VendorReparse:
    """One vendor's reparse: payloads read/failed, rows parsed/new/duplicate, mapping."""

    vendor: str
    payloads: int = 0
    payloads_failed: int = 0
    rows_parsed: int = 0
    rows_new: int = 0
    errors: tuple[str, ...] = ()
    mapping: MappingStats | None = None

    @property
    def rows_duplicate(self) -> int:
        return self.rows_parsed - self.rows_new


@dataclass(frozen=True)
class ReparseResult:
    start: dt.date
    end: dt.date
    vendors: tuple[VendorReparse, ...] = ()
    elapsed: float = 0.0

    @property
    def payloads(self) -> int:
        return sum(v.payloads for v in self.vendors)

    @property
    def rows_new(self) -> int:
        return sum(v.rows_new for v in self.vendors)

    @property
    def rows_duplicate(self) -> int:
        return sum(v.rows_duplicate for v in self.vendors)

    @property
    def payloads_failed(self) -> int:
        return sum(v.payloads_failed for v in self.vendors)


@dataclass
class _Tally:
    payloads: int = 0
    failed: int = 0
    parsed: int = 0
    new: int = 0
    errors: list[str] = field(default_factory=list)
    mapping: MappingStats | None = None


def reparse_archive(
    wh: Warehouse,
    raw_dir: Path,
    start: dt.date,
    end: dt.date,
    *,
    run_id: str,
    loaded_at: dt.datetime,
    vendors: Iterable[str] | None = None,
    config: MappingConfig | None = None,
    progress: Callable[[int, int, ArchivedPayload], None] | None = None,
) -> ReparseResult:
    """Reparse every archived odds payload of [start, end) (see the module docstring)."""
    began = time.monotonic()
    items = archived_payloads(wh, start, end, vendors=vendors)
    archive = RawArchive(raw_dir, wh)
    cache = RosterCache()
    tallies: dict[str, _Tally] = {}
    for number, item in enumerate(items, 1):
        tally = tallies.setdefault(item.vendor, _Tally())
        tally.payloads += 1
        if progress is not None:
            progress(number, len(items), item)
        try:
            load = reparse_payload(
                wh, archive, item, run_id=run_id, loaded_at=loaded_at, config=config, cache=cache
            )
        except PayloadError as exc:
            tally.failed += 1
            tally.errors.append(f"{item.payload_hash[:12]}: {exc}")
            continue
        tally.parsed += load.rows_parsed
        tally.new += load.rows_inserted
        for stats in load.stats.values():
            tally.mapping = stats if tally.mapping is None else tally.mapping.merge(stats)
    results = tuple(
        VendorReparse(
            vendor=vendor,
            payloads=t.payloads,
            payloads_failed=t.failed,
            rows_parsed=t.parsed,
            rows_new=t.new,
            errors=tuple(t.errors),
            mapping=t.mapping,
        )
        for vendor, t in sorted(tallies.items())
    )
    return ReparseResult(start, end, results, time.monotonic() - began)


__all__ = [
    "QUOTE_SURFACES",
    "ArchivedPayload",
    "ReparseResult",
    "VendorReparse",
    "archived_payloads",
    "reparse_archive",
    "reparse_payload",
]
