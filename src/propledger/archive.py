"""The raw payload archive: verbatim bodies, content-addressed by sha256, under ``data/raw/``.

Every payload a source returns is archived before it is parsed, so parsers can be re-run over
the archive after a fix (``odds reparse``, backfill). Files are written atomically (temp file
and rename) and registered in ``raw_payload``; a payload already archived is not written or
registered twice. Names are hashes, so no URL (and no secret) ever reaches a file name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from propledger.evidence.warehouse import Warehouse
from propledger.files import atomic_write
from propledger.http import Fetched

_EXT = {"application/json": "json", "text/csv": "csv", "text/html": "html"}


@dataclass(frozen=True)
class Archived:
    payload_hash: str
    path: Path
    is_new: bool


class RawArchive:
    def __init__(self, root: Path, warehouse: Warehouse) -> None:
        self.root = Path(root)
        self.wh = warehouse

    def path_for(self, vendor: str, payload_hash: str, content_type: str) -> Path:
        ext = _EXT.get(content_type.split(";")[0].strip(), "bin")
        return self.root / vendor.lower() / payload_hash[:2] / f"{payload_hash}.{ext}"

    def seen(self, payload_hash: str) -> bool:
        return bool(
            self.wh.scalar(
                "SELECT count(*) FROM raw_payload WHERE payload_hash = ?", [payload_hash]
            )
        )

    def store(
        self,
        fetched: Fetched,
        *,
        surface: str,
        run_id: str,
        slate_date: dt.date | None = None,
        capture_ts: dt.datetime | None = None,
    ) -> Archived:
        """Write the body (if new) and register it; call inside the step's transaction."""
        payload_hash = hashlib.sha256(fetched.content).hexdigest()
        path = self.path_for(fetched.vendor, payload_hash, fetched.content_type)
        if self.seen(payload_hash):
            return Archived(payload_hash, path, False)
        if not path.exists():
            atomic_write(path, fetched.content)
        self.wh.append(
            "raw_payload",
            [
                {
                    "payload_hash": payload_hash,
                    "vendor": fetched.vendor.upper(),
                    "surface": surface,
                    "url": fetched.url,
                    "capture_ts_utc": capture_ts or fetched.captured_at,
                    "slate_date": slate_date,
                    "path": str(path.relative_to(self.root)),
                    "bytes": len(fetched.content),
                    "content_type": fetched.content_type.split(";")[0],
                    "http_status": fetched.status,
                    "last_modified": fetched.headers.get("last-modified"),
                }
            ],
            run_id=run_id,
            loaded_at=fetched.captured_at,
        )
        return Archived(payload_hash, path, True)

    def read(self, relative_path: str) -> bytes:
        return (self.root / relative_path).read_bytes()
