"""Write a snapshot archive (``index.json`` + one file per capture) that a remote backfill reads.

Two sources, both keeping each capture's own time (never the export time):

* :func:`export_from_archive`: the local raw archive (``raw_payload`` rows of Unabated's
  ``cdn_v2`` surface), e.g. to publish a team's shared store;
* :func:`export_from_replay`: a replay directory (the sample world's ``replay/``, or a
  ``--record`` capture): every 200 response of ``…/league/6/propodds.json`` at its
  ``captured_at``.

Files go to ``OUT/<slate date>/<YYYYMMDDTHHMMSSZ>-<sha256[:12]>.json`` (temp file + rename);
``index.json`` is written last, merged with an existing one, so an interrupted export leaves
the previous index valid and a repeated export is a no-op. Serve ``OUT`` with any static HTTP
server (``python -m http.server -d OUT``) and point ``PROPLEDGER_UNABATED_ARCHIVE_URL`` at it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from propledger.clock import ensure_utc, slate_date
from propledger.errors import InputError
from propledger.evidence.warehouse import Warehouse
from propledger.files import atomic_write
from propledger.jobs.backfill_index import (
    INDEX_NAME,
    IndexEntry,
    index_document,
    parse_index,
)
from propledger.odds.reparse import archived_payloads
from propledger.replay import load_manifest

#: the URL path of Unabated's NHL props file (any host: live, recorded, or the sample world)
PROPODDS_PATH = "/league/6/propodds.json"


@dataclass(frozen=True)
class ExportSummary:
    """``written``: captures added to the index by this export; ``total``: in the index now."""

    out_dir: Path
    written: int
    total: int
    bytes: int
    first: dt.datetime | None
    last: dt.datetime | None

    def line(self) -> str:
        span = f"{self.first:%Y-%m-%d %H:%M}Z..{self.last:%Y-%m-%d %H:%M}Z" if self.first else "-"
        return (
            f"snapshot archive {self.out_dir}: {self.written} captures added "
            f"({self.bytes} bytes), {self.total} in index.json, {span}"
        )


@dataclass(frozen=True)
class SnapshotCapture:
    """One capture to export: its own capture instant (UTC), body, and Last-Modified then."""

    captured_at: dt.datetime
    content: bytes
    last_modified: str | None


def write_snapshot_archive(out_dir: Path, captures: Iterable[SnapshotCapture]) -> ExportSummary:
    """Add ``captures`` to the archive at ``out_dir`` (created if needed)."""
    out = Path(out_dir)
    index_path = out / INDEX_NAME
    existing: dict[tuple[dt.datetime, str], IndexEntry] = {}
    if index_path.exists():
        for entry in parse_index(index_path.read_bytes(), url=str(index_path)).entries:
            existing[(entry.capture_ts_utc, entry.sha256)] = entry
    elif out.exists() and any(out.iterdir()):
        raise InputError(
            f"{out} is not empty and has no {INDEX_NAME}; export into an empty directory or an "
            "existing snapshot archive"
        )
    written = size = 0
    for capture in captures:
        when = ensure_utc(capture.captured_at)
        digest = hashlib.sha256(capture.content).hexdigest()
        if (when, digest) in existing:
            continue
        path = f"{slate_date(when)}/{when:%Y%m%dT%H%M%SZ}-{digest[:12]}.json"
        atomic_write(out / path, capture.content)
        existing[(when, digest)] = IndexEntry(
            when, path, digest, len(capture.content), capture.last_modified
        )
        written += 1
        size += len(capture.content)
    document = json.dumps(index_document(existing.values()), indent=1, sort_keys=True)
    atomic_write(index_path, (document + "\n").encode())
    times = sorted(k[0] for k in existing)
    return ExportSummary(
        out, written, len(existing), size, times[0] if times else None, times[-1] if times else None
    )


def export_from_archive(
    wh: Warehouse, raw_dir: Path, out_dir: Path, start: dt.date, end: dt.date
) -> ExportSummary:
    """Export the archived Unabated snapshots of slates [start, end) at their archived times."""
    items = archived_payloads(wh, start, end, vendors=["unabated"])
    modified = dict(
        wh.rows(
            "SELECT payload_hash, last_modified FROM raw_payload "
            "WHERE payload_hash IN (SELECT unnest(?))",
            [[i.payload_hash for i in items]],
        )
    )

    def captures() -> Iterable[SnapshotCapture]:
        for item in items:
            try:
                content = (Path(raw_dir) / item.path).read_bytes()
            except OSError as exc:
                raise InputError(
                    f"archived payload {item.path} cannot be read ({exc.strerror or exc}); "
                    "restore the raw archive"
                ) from None
            yield SnapshotCapture(item.capture_ts_utc, content, modified.get(item.payload_hash))

    return write_snapshot_archive(out_dir, captures())


def export_from_replay(
    replay_dir: Path, out_dir: Path, start: dt.date | None = None, end: dt.date | None = None
) -> ExportSummary:
    """Export a replay directory's Unabated props captures (slates [start, end) if given)."""
    chosen = [
        c
        for c in load_manifest(Path(replay_dir))
        if c.status == 200
        and urllib.parse.urlsplit(c.url).path.endswith(PROPODDS_PATH)
        and (start is None or slate_date(c.captured_at) >= start)
        and (end is None or slate_date(c.captured_at) < end)
    ]
    captures = (
        SnapshotCapture(
            c.captured_at,
            (Path(replay_dir) / c.body).read_bytes(),
            c.headers.get("last-modified"),
        )
        for c in sorted(chosen, key=lambda c: c.captured_at)
    )
    return write_snapshot_archive(out_dir, captures)


__all__ = [
    "PROPODDS_PATH",
    "ExportSummary",
    "SnapshotCapture",
    "export_from_archive",
    "export_from_replay",
    "write_snapshot_archive",
]
