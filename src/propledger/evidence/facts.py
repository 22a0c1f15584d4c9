"""The four daily evidence facts: names, keys and the versioned, fingerprinted append.

A fact is computed for a whole slate and stored as a **version of the slate**
(:func:`append_version`): each row gets a ``fingerprint`` (sha256 of the canonical JSON of its
content columns, computed by DuckDB like ``store.append``), the slate gets a
``slate_fingerprint`` (sha256 of the sorted row fingerprints). When the slate fingerprint equals
the one of the slate's latest stored version nothing is written (an identical re-run adds 0
rows); otherwise all rows are appended as ``version = latest + 1`` with ``computed_utc`` (the
run clock, UTC) and ``run_id``. Readers use the ``v_*_latest`` views (latest version per slate).

Fingerprints exclude lineage (``version``, ``fingerprint``, ``slate_fingerprint``,
``computed_utc``, ``run_id``, ``loaded_at``) and ``as_of_utc`` (the instant the EV summary was
priced as of, which a later refresh reuses). DOUBLE columns are rounded to 9 decimals before
they are fingerprinted and stored, and a rounded -0.0 becomes 0.0 (the JSON the fingerprint
hashes spells them differently), so float noise from parallel aggregation — including the
sign of a value that is zero up to noise — cannot create a new version. The computations live in ``facts_coverage``, ``facts_mapping``, ``facts_ev`` and
``facts_accuracy``.
"""

from __future__ import annotations

import datetime as dt
import enum
import itertools

import pyarrow as pa

from propledger.clock import ensure_utc
from propledger.errors import StorageError
from propledger.evidence.warehouse import Warehouse

#: Columns that are lineage, never content (not fingerprinted).
LINEAGE: tuple[str, ...] = (
    "version",
    "fingerprint",
    "slate_fingerprint",
    "computed_utc",
    "run_id",
    "loaded_at",
)
#: Content columns left out of the fingerprint (bookkeeping a refresh reuses).
UNFINGERPRINTED: tuple[str, ...] = ("as_of_utc",)
#: Decimal places DOUBLE values are rounded to before fingerprinting and storing.
FLOAT_DIGITS = 9


class Fact(enum.StrEnum):
    """The four daily facts (table names)."""

    ODDS_COVERAGE = "fact_odds_coverage_daily"
    MAPPING_QUALITY = "fact_mapping_quality_daily"
    EV_SUMMARY = "fact_ev_summary_daily"
    FORECAST_ACCURACY = "fact_forecast_accuracy_daily"

    @property
    def latest_view(self) -> str:
        """``v_<name without fact_>_latest``: the latest version of each slate."""
        return f"v_{self.value.removeprefix('fact_')}_latest"

    @property
    def key(self) -> tuple[str, ...]:
        """The natural key within a version (slate first)."""
        return FACT_KEYS[self]


FACT_KEYS: dict[Fact, tuple[str, ...]] = {
    Fact.ODDS_COVERAGE: ("slate_date", "vendor", "book_name_raw", "market"),
    Fact.MAPPING_QUALITY: ("slate_date", "vendor"),
    Fact.EV_SUMMARY: ("slate_date", "market", "book_name_raw", "vendor"),
    Fact.FORECAST_ACCURACY: ("slate_date", "market", "line", "prob_source"),
}

#: ``vendor``/``book_name_raw`` of an EV-summary row that totals a market over every book.
ALL_BOOKS = "*"

_counter = itertools.count()


def latest_version(wh: Warehouse, fact: Fact, slate_date: dt.date) -> tuple[int, str] | None:
    """(version, slate_fingerprint) of the slate's latest stored version, or None."""
    rows = wh.rows(
        f"SELECT version, any_value(slate_fingerprint) FROM {fact.value} "
        "WHERE slate_date = ? GROUP BY version ORDER BY version DESC LIMIT 1",
        [slate_date],
    )
    return (int(rows[0][0]), str(rows[0][1])) if rows else None


def _staged_sql(wh: Warehouse, fact: Fact, name: str, columns: list[str]) -> str:
    types = dict(wh.columns(fact.value))
    unknown = [c for c in columns if c not in types]
    if unknown:
        raise StorageError(f"{fact.value}: unknown column(s) {', '.join(unknown)}")
    select = []
    for c in columns:
        cast = f'CAST("{c}" AS {types[c]})'
        if types[c] == "DOUBLE":
            # -0.0 (float noise around a zero, its sign set by summation order) would
            # fingerprint differently from 0.0 ('{"x":-0.0}'): store and hash a plain 0.0
            rounded = f"round({cast}, {FLOAT_DIGITS})"
            cast = f"CASE WHEN {rounded} = 0 THEN CAST(0 AS DOUBLE) ELSE {rounded} END"
        select.append(f'{cast} AS "{c}"')
    hashed = sorted(c for c in columns if c not in UNFINGERPRINTED)
    pack = ", ".join(f'"{c}" := s."{c}"' for c in hashed)
    return (
        f"SELECT s.*, sha256(to_json(struct_pack({pack}))) AS fingerprint "
        f"FROM (SELECT {', '.join(select)} FROM {name}) s"
    )


def append_version(
    wh: Warehouse,
    fact: Fact,
    slate_date: dt.date,
    rows: pa.Table,
    *,
    run_id: str,
    computed_utc: dt.datetime,
) -> int:
    """Store ``rows`` (content columns of one slate) as a new version when they differ from
    the slate's latest version; return the number of rows written (0 when unchanged/empty)."""
    if rows.num_rows == 0:
        return 0
    lineage = [c for c in rows.column_names if c in LINEAGE]
    if lineage:
        raise StorageError(f"{fact.value}: the batch must not carry lineage column(s) {lineage}")
    name = f"_fact_{next(_counter)}"
    wh.con.register(name, rows)
    try:
        staged = wh.arrow(_staged_sql(wh, fact, name, list(rows.column_names)))
    finally:
        wh.con.unregister(name)
    days = set(staged.column("slate_date").to_pylist())
    if days != {slate_date}:
        raise StorageError(
            f"{fact.value}: a version holds one slate ({slate_date}); got {sorted(days)}"
        )
    keys = list(fact.key)
    distinct = staged.group_by(keys, use_threads=False).aggregate([]).num_rows
    if distinct != staged.num_rows:
        raise StorageError(
            f"{fact.value}: duplicate natural keys ({', '.join(keys)}) in one version"
        )
    fingerprints = sorted(str(f) for f in staged.column("fingerprint").to_pylist())
    slate_fp = wh.scalar("SELECT sha256(?)", [",".join(fingerprints)])
    latest = latest_version(wh, fact, slate_date)
    if latest is not None and latest[1] == slate_fp:
        return 0
    version = 1 if latest is None else latest[0] + 1
    n = staged.num_rows
    batch = (
        staged.append_column("version", pa.array([version] * n, pa.int32()))
        .append_column("slate_fingerprint", pa.array([slate_fp] * n, pa.string()))
        .append_column(
            "computed_utc", pa.array([ensure_utc(computed_utc)] * n, pa.timestamp("us", tz="UTC"))
        )
    )
    return wh.append(fact.value, batch, run_id=run_id, loaded_at=computed_utc)


def latest_rows(
    wh: Warehouse, fact: Fact, start: dt.date | None = None, end: dt.date | None = None
) -> pa.Table:
    """Rows of the latest version of each slate in [start, end] (inclusive; None = open)."""
    where, params = [], []
    if start is not None:
        where.append("slate_date >= ?")
        params.append(start)
    if end is not None:
        where.append("slate_date <= ?")
        params.append(end)
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    order = ", ".join(fact.key)
    return wh.arrow(f"SELECT * FROM {fact.latest_view}{clause} ORDER BY {order}", params)


__all__ = [
    "ALL_BOOKS",
    "FACT_KEYS",
    "FLOAT_DIGITS",
    "LINEAGE",
    "UNFINGERPRINTED",
    "Fact",
    "append_version",
    "latest_rows",
    "latest_version",
]
