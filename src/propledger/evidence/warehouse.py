"""The DuckDB warehouse: connection, migrations on open, transactions, Arrow queries.

One file (``data/warehouse.duckdb`` by default) or ``:memory:`` in tests. Every write goes
through :meth:`Warehouse.append` (see ``store.py``): bulk, Arrow-based, append-only, idempotent.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from propledger.errors import LockHeldError, StorageError


class Warehouse:
    """A migrated DuckDB connection with re-entrant transactions."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: str) -> None:
        self.con = con
        self.path = path
        self._depth = 0
        # (columns, primary key) per table; the schema changes only through migrations on open
        self._schema: dict[str, tuple[list[tuple[str, str]], list[str]]] = {}

    @classmethod
    def open(cls, path: str | Path, *, migrate: bool = True, read_only: bool = False) -> Warehouse:
        """Open (creating parent folders) and bring the schema up to date."""
        target = str(path)
        if target != ":memory:":
            Path(target).parent.mkdir(parents=True, exist_ok=True)
        try:
            con = duckdb.connect(target, read_only=read_only)
        except duckdb.Error as exc:
            first = str(exc).splitlines()[0]
            if "Conflicting lock" in first:
                # DuckDB allows one writing process per file: a healthy file held by a run
                pid = re.search(r"\(PID (\d+)\)", first)
                held_by = f"process {pid.group(1)}" if pid else "another process"
                raise LockHeldError(
                    f"the warehouse {target} is in use by {held_by}, most likely a propledger "
                    f"run (see {target}.lock): wait for it to finish and try again"
                ) from exc
            raise StorageError(
                f"cannot open warehouse {target}: {first}; check the path, or move a corrupt file aside"
            ) from exc
        con.execute("SET TimeZone = 'UTC'")
        wh = cls(con, target)
        if migrate and not read_only:
            from propledger.evidence.migrations import apply_migrations

            apply_migrations(wh)
            wh._schema.clear()
        return wh

    # ---- transactions ----------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[Warehouse]:
        """Commit everything inside at once, or nothing. Nested uses join the outer one."""
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        self.con.begin()
        self._depth = 1
        try:
            yield self
        except BaseException:
            self._depth = 0
            self.con.rollback()
            raise
        self._depth = 0
        self.con.commit()

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0

    # ---- reads -----------------------------------------------------------------------------
    def arrow(self, sql: str, params: Sequence[Any] | None = None) -> pa.Table:
        """Run a query and return an Arrow table (no extra copy of the rows)."""
        rel = self.con.sql(sql, params=list(params) if params is not None else None)
        if rel is None:
            return pa.table({})
        return rel.to_arrow_table()

    def rows(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        return self.con.execute(sql, list(params) if params is not None else []).fetchall()

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        # fetchall, not fetchone: DuckDB 2.0 keeps a half-read result open and the next
        # con.sql() (wh.arrow) then fails with "connection has an unfinished result"
        rows = self.con.execute(sql, list(params) if params is not None else []).fetchall()
        return rows[0][0] if rows else None

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        self.con.execute(sql, list(params) if params is not None else [])

    def table_exists(self, name: str) -> bool:
        return bool(
            self.scalar(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
            )
        )

    def columns(self, table: str) -> list[tuple[str, str]]:
        """(name, type) of a table's columns, in order."""
        return [
            (r[0], r[1])
            for r in self.rows(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = ? ORDER BY ordinal_position",
                [table],
            )
        ]

    def table_schema(self, table: str) -> tuple[list[tuple[str, str]], list[str]]:
        """Cached (columns, primary-key columns) of a table, for the append path."""
        cached = self._schema.get(table)
        if cached is None:
            columns = self.columns(table)
            pk = self.rows(
                "SELECT constraint_column_names FROM duckdb_constraints() "
                "WHERE table_name = ? AND constraint_type = 'PRIMARY KEY'",
                [table],
            )
            cached = (columns, list(pk[0][0]) if pk else [])
            if columns:
                self._schema[table] = cached
        return cached

    def count(self, table: str) -> int:
        return int(self.scalar(f'SELECT count(*) FROM "{table}"'))

    # ---- writes ----------------------------------------------------------------------------
    def append(
        self,
        table: str,
        data: pa.Table | Sequence[dict[str, Any]],
        *,
        run_id: str,
        loaded_at: dt.datetime | None = None,
    ) -> int:
        """Append rows idempotently; returns how many rows were new. See ``store.append``."""
        from propledger.evidence.store import append

        return append(self, table, data, run_id=run_id, loaded_at=loaded_at)

    def checkpoint(self) -> None:
        if self.path != ":memory:":
            self.con.execute("CHECKPOINT")

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
