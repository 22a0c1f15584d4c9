"""Grep every artifact of a run for planted secrets (issue 5 item 4's "Checked by").

:func:`sweep` looks for each marker in: texts (captured stdout/stderr, log lines), every file
under the given directories (names and bytes: warehouse file, raw archive, models, outputs,
record dirs) and every row of every table of the DuckDB warehouse (each row cast to text, so
text, JSON and nested columns are all covered; a plain byte grep of the file could miss a
compressed string). It returns where each marker was found; tests assert that is empty.

:func:`find_in_tables` is also the positive control: the same scan must find strings that are
known to be stored (a URL path, a run id), or a scanner that reads nothing would pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from propledger.evidence.warehouse import Warehouse


def base_tables(wh: Warehouse) -> list[str]:
    return [
        str(name)
        for (name,) in wh.rows(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' ORDER BY table_name"
        )
    ]


def find_in_tables(wh: Warehouse, needles: Iterable[str]) -> dict[str, list[str]]:
    """needle → the tables holding a row whose text contains it."""
    found: dict[str, list[str]] = {}
    needles = list(needles)
    for table in base_tables(wh):
        # the row as a struct, cast to text: every column of every type in one string
        hits = wh.rows(
            f"SELECT {', '.join('bool_or(strpos(CAST(t AS VARCHAR), ?) > 0)' for _ in needles)} "
            f'FROM "{table}" AS t',
            needles,
        )[0]
        for needle, hit in zip(needles, hits, strict=True):
            if hit:
                found.setdefault(needle, []).append(table)
    return found


def find_in_files(directories: Iterable[Path], needles: Iterable[str]) -> dict[str, list[str]]:
    """needle → the files whose path or bytes contain it."""
    found: dict[str, list[str]] = {}
    encoded = [(n, n.encode()) for n in needles]
    for directory in directories:
        if not directory.exists():
            continue
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            data = path.read_bytes()
            for needle, raw in encoded:
                if needle in str(path) or raw in data:
                    found.setdefault(needle, []).append(str(path))
    return found


def find_in_texts(texts: Mapping[str, str], needles: Iterable[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for needle in needles:
        for where, text in texts.items():
            if needle in text:
                found.setdefault(needle, []).append(where)
    return found


def sweep(
    needles: Iterable[str],
    *,
    texts: Mapping[str, str],
    directories: Iterable[Path],
    warehouse: Path,
) -> dict[str, list[str]]:
    """Every place any needle appears: ``text:<name>``, ``file:<path>``, ``table:<name>``."""
    needles = list(needles)
    out: dict[str, list[str]] = {}
    for needle, places in find_in_texts(texts, needles).items():
        out.setdefault(needle, []).extend(f"text:{p}" for p in places)
    for needle, places in find_in_files(directories, needles).items():
        out.setdefault(needle, []).extend(f"file:{p}" for p in places)
    with Warehouse.open(warehouse) as wh:
        for needle, places in find_in_tables(wh, needles).items():
            out.setdefault(needle, []).extend(f"table:{p}" for p in places)
    return out


__all__ = ["base_tables", "find_in_files", "find_in_tables", "find_in_texts", "sweep"]
