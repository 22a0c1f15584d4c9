"""Ordered schema migrations, recorded in ``schema_migrations``.

Each migration is a module ``mNNN_<name>.py`` in this package with ``VERSION`` (int, equal to
NNN), ``NAME`` and ``STATEMENTS`` (a list of SQL strings). They are applied in version order,
each in its own transaction, and recorded; an applied migration is never edited: change the
schema by adding a new module (columns are only appended).
"""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
from dataclasses import dataclass
from typing import TYPE_CHECKING

from propledger.errors import StorageError

if TYPE_CHECKING:
    from propledger.evidence.warehouse import Warehouse


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


def discover() -> list[Migration]:
    found: list[Migration] = []
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("m") or not info.name[1:4].isdigit():
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        version = int(module.VERSION)
        if version != int(info.name[1:4]):
            raise StorageError(
                f"migration {info.name} declares VERSION={version}; it must match its file name"
            )
        found.append(Migration(version, str(module.NAME), tuple(module.STATEMENTS)))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise StorageError(f"duplicate migration versions: {versions}")
    return found


def apply_migrations(wh: Warehouse) -> list[int]:
    """Apply every migration not yet recorded; return the versions applied now."""
    wh.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )
    done = {int(r[0]) for r in wh.rows("SELECT version FROM schema_migrations")}
    applied: list[int] = []
    for migration in discover():
        if migration.version in done:
            continue
        try:
            with wh.transaction():
                for statement in migration.statements:
                    wh.execute(statement)
                wh.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                    # the applied time is bookkeeping only; it never enters a fact or a hash
                    [migration.version, migration.name, dt.datetime.now(dt.UTC)],
                )
        except StorageError:
            raise
        except Exception as exc:
            first = str(exc).splitlines()[0]
            raise StorageError(
                f"migration {migration.version} ({migration.name}) failed: {first}"
            ) from exc
        applied.append(migration.version)
    return applied
