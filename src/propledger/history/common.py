"""Bookkeeping shared by the history importers of one refresh: archive-then-parse, bulk
appends with the run's lineage, counters, problems (degradations) and progress events."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from propledger.archive import RawArchive
from propledger.context import Context
from propledger.errors import BudgetExhaustedError, CircuitOpenError, SourceError
from propledger.evidence.warehouse import Warehouse
from propledger.http import Fetched, VendorClient

log = logging.getLogger(__name__)

#: tables a refresh writes, in the order they are reported
TABLES: tuple[str, ...] = (
    "dim_team",
    "dim_player",
    "dim_game",
    "player_game_situation",
    "goalie_game",
    "fact_outcome",
    "raw_payload",
)


@dataclass(frozen=True)
class ProgressEvent:
    """``done`` of ``total`` units of one source (e.g. ``moneypuck 2025 skaters``: team files)."""

    source: str
    done: int
    total: int
    detail: str = ""


ProgressFn = Callable[[ProgressEvent], None]


@dataclass
class ImportRun:
    """Mutable state of one refresh; importers call its helpers, never the warehouse directly."""

    ctx: Context
    progress: ProgressFn | None = None
    #: seconds to wait between two MoneyPuck files (live only: real clients pause 1-1.5 s)
    moneypuck_pause: float = 0.0
    added: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 0))
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    games_seen: set[int] = field(default_factory=set)
    boxscores_fetched: int = 0
    games_settled: int = 0
    _down: dict[str, str] = field(default_factory=dict)
    _pending: list[tuple[Fetched, str, dt.date | None]] | None = None

    def __post_init__(self) -> None:
        self.wh: Warehouse = self.ctx.warehouse
        self.archive = RawArchive(self.ctx.settings.raw_dir, self.wh)
        #: every row of this refresh carries the same load time (the clock at the start)
        self.loaded_at: dt.datetime = self.ctx.clock.now()

    # ---- fetch, archive ----------------------------------------------------------------------
    def fetch(
        self,
        client: VendorClient,
        fetch: Callable[..., Fetched],
        *args: Any,
        surface: str,
        label: str,
        slate_date: dt.date | None = None,
        quiet: bool = False,
        failures: list[str] | None = None,
    ) -> Fetched | None:
        """Fetch and archive one payload. A source failure returns None and becomes a problem,
        a note when ``quiet``, or a short entry in ``failures`` for the caller to summarise.
        Once a vendor's breaker or budget stops it, later calls are skipped."""
        if client.vendor in self._down:
            return None
        try:
            fetched = fetch(client, *args)
        except (CircuitOpenError, BudgetExhaustedError) as exc:
            self._down[client.vendor] = str(exc)
            self.problem(f"{client.vendor}: stopped, remaining requests skipped: {exc}")
            return None
        except SourceError as exc:
            if failures is not None:
                log.warning("history: %s: %s", label, exc)
                failures.append(f"HTTP {exc.status}" if exc.status else type(exc).__name__)
            else:
                (self.note if quiet else self.problem)(f"{label}: {exc}")
            return None
        self.store(fetched, surface=surface, slate_date=slate_date)
        return fetched

    def store(self, fetched: Fetched, *, surface: str, slate_date: dt.date | None = None) -> None:
        """Archive verbatim before parsing (the file is written at once, the register row
        commits with the batch)."""
        archived = self.archive.store(
            fetched, surface=surface, run_id=self.ctx.run_id, slate_date=slate_date
        )
        self.added["raw_payload"] += int(archived.is_new)
        if self._pending is not None:
            self._pending.append((fetched, surface, slate_date))

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """One transaction per source batch: its payload registrations and rows commit together
        (one commit, not one per payload). When the batch fails, the payloads it archived are
        registered again on their own, so the evidence of a bad payload survives the rollback."""
        pending: list[tuple[Fetched, str, dt.date | None]] = []
        self._pending = pending
        try:
            with self.wh.transaction():
                yield
        except Exception:
            self._pending = None
            for fetched, surface, day in pending:
                self.archive.store(fetched, surface=surface, run_id=self.ctx.run_id, slate_date=day)
            raise
        finally:
            self._pending = None

    def vendor_down(self, vendor: str) -> bool:
        return vendor in self._down

    # ---- writes ------------------------------------------------------------------------------
    def append(self, table: str, data: pa.Table) -> int:
        """Bulk, idempotent append with this run's id and load time; counts the new rows."""
        added = self.wh.append(table, data, run_id=self.ctx.run_id, loaded_at=self.loaded_at)
        self.added[table] = self.added.get(table, 0) + added
        return added

    # ---- reporting ---------------------------------------------------------------------------
    def problem(self, message: str) -> None:
        """Something the refresh could not import (the result is DEGRADED)."""
        log.warning("history: %s", message)
        self.problems.append(message)

    def note(self, message: str) -> None:
        """Worth knowing, but nothing is missing because of it."""
        log.info("history: %s", message)
        self.notes.append(message)

    def tick(self, source: str, done: int, total: int, detail: str = "") -> None:
        if self.progress is not None:
            self.progress(ProgressEvent(source, done, total, detail))


def unseen_rows(wh: Warehouse, table: str, batch: pa.Table, keys: tuple[str, ...]) -> pa.Table:
    """The rows of ``batch`` that ``table`` does not already hold with identical content.

    Same outcome as the warehouse's row-hash de-duplication, but a vectorised anti-join on the
    natural key plus every content column is far cheaper than hashing canonical JSON of every
    row, so re-importing a whole season to pick up one new night costs little.
    """
    if batch.num_rows == 0:
        return batch
    unregister = register_arrow(wh, "_unseen_batch", batch)
    match = " AND ".join(
        [f't."{k}" = i."{k}"' for k in keys]
        + [f't."{c}" IS NOT DISTINCT FROM i."{c}"' for c in batch.column_names if c not in keys]
    )
    try:
        return wh.arrow(
            f'SELECT i.* FROM _unseen_batch i WHERE NOT EXISTS (SELECT 1 FROM "{table}" t WHERE {match})'
        )
    finally:
        unregister()


def register_arrow(wh: Warehouse, name: str, table: pa.Table) -> Callable[[], None]:
    """Expose an Arrow table to SQL under ``name``; returns the unregister callback."""
    wh.con.register(name, table)

    def unregister() -> None:
        wh.con.unregister(name)

    return unregister


__all__ = ["TABLES", "ImportRun", "ProgressEvent", "ProgressFn", "register_arrow", "unseen_rows"]
