"""Append-only, idempotent bulk writes through Arrow.

Two modes, chosen by the target table's shape:

* **hash mode** (the table has a ``row_hash`` column): each row's hash is the sha256 of its
  canonical JSON (the content columns, sorted by name, after casting to the table's types;
  lineage columns ``run_id``, ``loaded_at``, ``ingest_seq``, ``row_hash`` excluded). The batch
  is de-duplicated on the hash, then anti-joined against the table. Used for versioned rows
  (history, outcomes, schedule states) and large tables.
* **key mode** (otherwise): the batch is de-duplicated on the table's primary key (first row
  wins) and inserted with ``INSERT OR IGNORE``.

Nothing is ever updated or deleted. The hash is computed by DuckDB's ``sha256`` over
``to_json(struct_pack(...))`` (vectorised, multi-threaded), never by ``hash()``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from propledger.errors import StorageError

if TYPE_CHECKING:
    from propledger.evidence.warehouse import Warehouse

LINEAGE = ("run_id", "loaded_at", "ingest_seq", "row_hash")
_counter = itertools.count()


def _to_arrow(data: pa.Table | Sequence[dict[str, Any]]) -> pa.Table:
    if isinstance(data, pa.Table):
        return data
    return pa.Table.from_pylist(list(data))


def append(
    wh: Warehouse,
    table: str,
    data: pa.Table | Sequence[dict[str, Any]],
    *,
    run_id: str,
    loaded_at: dt.datetime | None = None,
) -> int:
    """Insert the new rows of ``data`` into ``table``; return how many were new."""
    batch = _to_arrow(data)
    if batch.num_rows == 0:
        return 0
    columns, key = wh.table_schema(table)
    if not columns:
        raise StorageError(f"table {table} does not exist; run the migrations (open the warehouse)")
    types = dict(columns)
    unknown = [c for c in batch.column_names if c not in types]
    if unknown:
        raise StorageError(f"{table}: unknown column(s) {', '.join(unknown)} in the batch")
    content = [c for c in batch.column_names if c not in LINEAGE]
    hashed = "row_hash" in types

    name = f"_incoming_{next(_counter)}"
    wh.con.register(name, batch)
    try:
        select = [f'CAST("{c}" AS {types[c]}) AS "{c}"' for c in content]
        select.append("?::VARCHAR AS run_id")
        params: list[Any] = [run_id]
        target_cols = [*content, "run_id"]
        if "loaded_at" in types:
            select.append("?::TIMESTAMPTZ AS loaded_at")
            params.append(loaded_at)
            target_cols.append("loaded_at")
        staged = f"SELECT {', '.join(select)} FROM {name}"
        if hashed:
            pack = ", ".join(f'"{c}" := s."{c}"' for c in sorted(content))
            staged = (
                f"SELECT s.*, sha256(to_json(struct_pack({pack}))) AS row_hash FROM ({staged}) s"
            )
            target_cols.append("row_hash")
            dedup = (
                f"SELECT * FROM ({staged}) QUALIFY row_number() OVER (PARTITION BY row_hash) = 1"
            )
            sql = (
                f'INSERT INTO "{table}" ({", ".join(f"{chr(34)}{c}{chr(34)}" for c in target_cols)}) '
                f"SELECT {', '.join(f'{chr(34)}{c}{chr(34)}' for c in target_cols)} FROM ({dedup}) d "
                f'WHERE NOT EXISTS (SELECT 1 FROM "{table}" t WHERE t.row_hash = d.row_hash)'
            )
        else:
            if not key:
                raise StorageError(
                    f"{table} has neither row_hash nor a primary key; cannot append idempotently"
                )
            missing = [k for k in key if k not in target_cols]
            if missing:
                raise StorageError(f"{table}: batch lacks key column(s) {', '.join(missing)}")
            part = ", ".join(f'"{k}"' for k in key)
            dedup = f"SELECT * FROM ({staged}) QUALIFY row_number() OVER (PARTITION BY {part}) = 1"
            cols = ", ".join(f'"{c}"' for c in target_cols)
            sql = f'INSERT OR IGNORE INTO "{table}" ({cols}) SELECT {cols} FROM ({dedup}) d'
        try:
            row = wh.con.execute(sql, params).fetchone()
        except Exception as exc:  # duckdb raises several unrelated classes
            first = str(exc).splitlines()[0]
            raise StorageError(f"append to {table} failed: {first}") from exc
        return int(row[0]) if row else 0
    finally:
        wh.con.unregister(name)
