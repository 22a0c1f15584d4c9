"""The snapshot archive a remote backfill reads: an HTTP directory with an ``index.json``.

Unabated has no history endpoint, so a remote backfill can only copy captures somebody took
at the time (a team's shared store, or an export of our own archive or of the sample world:
``propledger backfill export``). The archive is any static HTTP directory::

    {base}/index.json
    {base}/2026-01-14/20260114T150000Z-3fa2c1d0b9e8.json     (one file per capture)

``index.json`` (UTF-8 JSON; ``format`` and ``version`` are checked)::

    {"format": "propledger.snapshot-archive", "version": 1,
     "vendor": "UNABATED", "surface": "cdn_v2",
     "captures": [
       {"capture_ts_utc": "2026-01-14T15:00:00Z",          # when it was captured (UTC)
        "path": "2026-01-14/20260114T150000Z-3fa2c1d0b9e8.json",   # relative to {base}
        "sha256": "3fa2…",                                 # of the file's bytes (64 hex)
        "bytes": 180217,                                   # optional
        "last_modified": "Wed, 14 Jan 2026 14:59:47 GMT"}  # optional: the feed's header then
     ]}

A capture's slate date is the America/New_York date of ``capture_ts_utc`` (as in ingestion).
Trust is limited on purpose: paths must be relative (no ``..``, no scheme or query), every
body must hash to its ``sha256``, a capture may not lie in the future, and a body whose own
line timestamps (``sequenceNumber``, epoch ms) are later than its claimed capture time by more
than :data:`SEQUENCE_TOLERANCE` is refused: that is current data wearing a past date.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from propledger.clock import UTC, iso_z, parse_utc, slate_date
from propledger.errors import ConfigError, PayloadError
from propledger.settings import Settings

INDEX_NAME = "index.json"
INDEX_FORMAT = "propledger.snapshot-archive"
INDEX_VERSION = 1
VENDOR = "UNABATED"
SURFACE = "cdn_v2"
#: how much later than the claimed capture time a line's own timestamp may be (clock skew)
SEQUENCE_TOLERANCE = dt.timedelta(minutes=15)
#: hosts of the live Unabated feeds: never a snapshot archive
LIVE_HOSTS = frozenset({"content.unabated.com", "data.unabated.com", "partner-api.unabated.com"})

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_SAFE_PATH = re.compile(r"^[A-Za-z0-9._\-]+(/[A-Za-z0-9._\-]+)*$")
_SEQUENCE = re.compile(rb'"sequenceNumber"\s*:\s*(\d{1,16})')


@dataclass(frozen=True)
class IndexEntry:
    """One archived capture. ``capture_ts_utc`` is aware UTC; ``path`` is relative."""

    capture_ts_utc: dt.datetime
    path: str
    sha256: str
    bytes: int | None = None
    last_modified: str | None = None

    @property
    def slate_date(self) -> dt.date:
        """The America/New_York date of the capture (what ingestion would have recorded)."""
        return slate_date(self.capture_ts_utc)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "capture_ts_utc": iso_z(self.capture_ts_utc),
            "path": self.path,
            "sha256": self.sha256,
        }
        if self.bytes is not None:
            out["bytes"] = self.bytes
        if self.last_modified:
            out["last_modified"] = self.last_modified
        return out


@dataclass(frozen=True)
class SnapshotIndex:
    entries: tuple[IndexEntry, ...]

    def in_range(self, start: dt.date, end: dt.date) -> tuple[IndexEntry, ...]:
        """Entries whose slate date lies in [start, end), oldest first."""
        return tuple(e for e in self.entries if start <= e.slate_date < end)


def archive_base_url(settings: Settings) -> str:
    """The configured archive URL without a trailing ``/`` or ``/index.json``; ConfigError when
    unset, not http(s), or pointing at a live Unabated feed."""
    raw = settings.unabated_archive_url.strip()
    if not raw:
        raise ConfigError(
            "--source remote needs PROPLEDGER_UNABATED_ARCHIVE_URL: the base URL of a snapshot "
            "archive with an index.json (docs/backfill.md; `propledger backfill export` makes one)"
        )
    parts = urllib.parse.urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"PROPLEDGER_UNABATED_ARCHIVE_URL={raw!r} must be an http:// or https:// URL"
        )
    if (parts.hostname or "").lower() in LIVE_HOSTS:
        raise ConfigError(
            f"PROPLEDGER_UNABATED_ARCHIVE_URL points at the live Unabated feed ({parts.hostname}); "
            "a backfill reads an archive of past captures and never stamps current data with a "
            "past date"
        )
    base = raw.rstrip("/")
    if base.endswith("/" + INDEX_NAME):
        base = base[: -len(INDEX_NAME) - 1]
    return base


def index_url(base: str) -> str:
    return f"{base}/{INDEX_NAME}"


def entry_url(base: str, entry: IndexEntry) -> str:
    return f"{base}/{urllib.parse.quote(entry.path)}"


def parse_index(content: bytes, *, url: str) -> SnapshotIndex:
    """Read and check ``index.json``; anything malformed is a PayloadError naming the entry."""
    try:
        data = json.loads(content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PayloadError(f"snapshot archive index {url} is not JSON ({exc})") from None
    if not isinstance(data, Mapping):
        raise PayloadError(f"snapshot archive index {url} is not a JSON object")
    fmt, version = data.get("format"), data.get("version")
    if fmt != INDEX_FORMAT or version != INDEX_VERSION:
        raise PayloadError(
            f"{url}: format {fmt!r} version {version!r} is not {INDEX_FORMAT!r} version "
            f"{INDEX_VERSION}; is this a propledger snapshot archive?"
        )
    if data.get("vendor") != VENDOR or data.get("surface") != SURFACE:
        raise PayloadError(
            f"{url}: holds {data.get('vendor')!r}/{data.get('surface')!r} captures; the Unabated "
            f"backfill reads {VENDOR}/{SURFACE}"
        )
    captures = data.get("captures")
    if not isinstance(captures, list):
        raise PayloadError(f"{url}: 'captures' must be a list")
    entries = [_entry(item, number, url) for number, item in enumerate(captures)]
    entries.sort(key=lambda e: (e.capture_ts_utc, e.sha256))
    return SnapshotIndex(tuple(entries))


def _entry(item: object, number: int, url: str) -> IndexEntry:
    where = f"{url}: captures[{number}]"
    if not isinstance(item, Mapping):
        raise PayloadError(f"{where} is not an object")
    try:
        when = parse_utc(str(item["capture_ts_utc"]))
        path = str(item["path"])
        digest = str(item["sha256"]).lower()
    except KeyError as exc:
        raise PayloadError(f"{where} has no {exc.args[0]!r}") from None
    except ValueError:
        raise PayloadError(
            f"{where}: capture_ts_utc {item.get('capture_ts_utc')!r} is not an ISO instant"
        ) from None
    if not _SAFE_PATH.match(path) or ".." in path.split("/"):
        raise PayloadError(
            f"{where}: path {path!r} must be relative (letters, digits, . _ - and /; no ..)"
        )
    if not _SHA256.match(digest):
        raise PayloadError(f"{where}: sha256 {item['sha256']!r} is not 64 hex digits")
    size = item.get("bytes")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
        raise PayloadError(f"{where}: bytes {size!r} is not a non-negative integer")
    modified = item.get("last_modified")
    return IndexEntry(when, path, digest, size, str(modified) if modified else None)


def index_document(entries: Iterable[IndexEntry]) -> dict[str, Any]:
    """The JSON document of an index (entries sorted by capture time, then hash)."""
    ordered = sorted(entries, key=lambda e: (e.capture_ts_utc, e.sha256))
    return {
        "format": INDEX_FORMAT,
        "version": INDEX_VERSION,
        "vendor": VENDOR,
        "surface": SURFACE,
        "captures": [e.as_json() for e in ordered],
    }


def latest_sequence(content: bytes) -> dt.datetime | None:
    """The latest ``sequenceNumber`` (epoch ms) in an Unabated body, as UTC; None if absent."""
    numbers = [int(m) for m in _SEQUENCE.findall(content)]
    if not numbers:
        return None
    return dt.datetime.fromtimestamp(max(numbers) / 1000, UTC)


def check_capture_time(content: bytes, capture_ts: dt.datetime, now: dt.datetime) -> None:
    """Refuse a capture time in the future, or older than the body's own newest line."""
    if capture_ts > now:
        raise PayloadError(
            f"index says captured at {iso_z(capture_ts)}, after now ({iso_z(now)}); "
            "fix the archive index"
        )
    newest = latest_sequence(content)
    if newest is not None and newest > capture_ts + SEQUENCE_TOLERANCE:
        raise PayloadError(
            f"body holds lines modified at {iso_z(newest)}, after its claimed capture time "
            f"{iso_z(capture_ts)}: refusing to stamp newer data with a past date; fix the "
            "archive index"
        )


__all__ = [
    "INDEX_FORMAT",
    "INDEX_NAME",
    "INDEX_VERSION",
    "SEQUENCE_TOLERANCE",
    "IndexEntry",
    "SnapshotIndex",
    "archive_base_url",
    "check_capture_time",
    "entry_url",
    "index_document",
    "index_url",
    "latest_sequence",
    "parse_index",
]
