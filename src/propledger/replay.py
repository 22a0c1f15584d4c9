"""Replay and record: httpx transports over a directory of captured responses.

A replay directory holds ``manifest.jsonl`` (one JSON object per captured response) and the
bodies under ``bodies/`` named by their sha256::

    {"url": "https://api-web.nhle.com/v1/schedule/2026-01-14",
     "captured_at": "2026-01-14T14:00:00Z", "status": 200,
     "content_type": "application/json", "headers": {"last-modified": "…"},
     "body": "bodies/3f/3fa2….json"}

:class:`ReplayTransport` answers a request with the latest capture of its URL taken at or
before the injected clock's ``now()`` (so a simulated day sees that day's odds), ignoring
cache-busting query parameters; anything else is a 404. :class:`RecordingTransport` wraps a
live transport and appends what it receives to such a directory, secrets stripped. The same
source code runs live and in replay: only the transport differs.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import json
import threading
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from propledger.clock import Clock, iso_z, parse_utc
from propledger.errors import ConfigError
from propledger.http import sanitize_url

MANIFEST = "manifest.jsonl"
#: query parameters that only bust caches; they never select a different resource
NOISE_PARAMS = frozenset({"t", "v", "ncid", "_", "cb", "cachebust"})
_EXT = {"application/json": "json", "text/csv": "csv", "text/html": "html"}


def normalize_url(url: str) -> str:
    """The lookup key of a URL: no credentials, no cache-busters, sorted query."""
    parts = urllib.parse.urlsplit(sanitize_url(url))
    query = sorted(
        (k, v)
        for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        if k not in NOISE_PARAMS
    )
    return urllib.parse.urlunsplit(
        (
            parts.scheme,
            parts.netloc,
            parts.path.rstrip("/") or "/",
            urllib.parse.urlencode(query),
            "",
        )
    )


@dataclass(frozen=True)
class Capture:
    url: str
    captured_at: dt.datetime
    status: int
    content_type: str
    body: str
    headers: Mapping[str, str]

    def as_json(self) -> str:
        return json.dumps(
            {
                "url": self.url,
                "captured_at": iso_z(self.captured_at),
                "status": self.status,
                "content_type": self.content_type,
                "headers": dict(sorted(self.headers.items())),
                "body": self.body,
            },
            sort_keys=True,
            ensure_ascii=False,
        )


def _body_name(content: bytes, content_type: str) -> str:
    digest = hashlib.sha256(content).hexdigest()
    ext = _EXT.get(content_type.split(";")[0].strip(), "bin")
    return f"bodies/{digest[:2]}/{digest}.{ext}"


class ReplayWriter:
    """Builds a replay directory deterministically (sample world, recorder)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.captures: list[Capture] = []

    def add(
        self,
        url: str,
        captured_at: dt.datetime,
        content: bytes,
        *,
        content_type: str = "application/json",
        status: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> Capture:
        body = _body_name(content, content_type)
        path = self.directory / body
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(path.suffix + ".tmp")
            tmp.write_bytes(content)
            tmp.replace(path)
        capture = Capture(
            normalize_url(url), captured_at, status, content_type, body, dict(headers or {})
        )
        self.captures.append(capture)
        return capture

    def write_manifest(self, *, append: bool = False) -> Path:
        """Write (or extend) ``manifest.jsonl``, sorted by URL then capture time."""
        path = self.directory / MANIFEST
        existing: list[str] = []
        if append and path.exists():
            existing = [line for line in path.read_text(encoding="utf-8").splitlines() if line]
        lines = sorted(
            set(existing) | {c.as_json() for c in self.captures},
            key=lambda line: (json.loads(line)["url"], json.loads(line)["captured_at"], line),
        )
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        tmp.replace(path)
        return path


def load_manifest(directory: Path) -> list[Capture]:
    path = Path(directory) / MANIFEST
    if not path.is_file():
        raise ConfigError(
            f"replay directory {directory} has no {MANIFEST}; build one with `propledger sample build`"
        )
    out: list[Capture] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            out.append(
                Capture(
                    url=normalize_url(raw["url"]),
                    captured_at=parse_utc(raw["captured_at"]),
                    status=int(raw.get("status", 200)),
                    content_type=str(raw.get("content_type", "application/octet-stream")),
                    body=str(raw["body"]),
                    headers=dict(raw.get("headers") or {}),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(
                f"{path}:{number}: bad manifest line ({exc}); rebuild the replay directory"
            ) from None
    return out


class ReplayTransport(httpx.BaseTransport):
    """Serve captured responses by URL and capture time (latest capture ≤ clock.now())."""

    def __init__(
        self, directory: Path, clock: Clock, captures: Iterable[Capture] | None = None
    ) -> None:
        self.directory = Path(directory)
        self.clock = clock
        index: dict[str, list[Capture]] = {}
        for capture in captures if captures is not None else load_manifest(self.directory):
            index.setdefault(capture.url, []).append(capture)
        for items in index.values():
            items.sort(key=lambda c: c.captured_at)
        self._index = index
        self._times = {url: [c.captured_at for c in items] for url, items in index.items()}
        self.served = 0

    def lookup(self, url: str, at: dt.datetime) -> Capture | None:
        key = normalize_url(url)
        times = self._times.get(key)
        if not times:
            return None
        pos = bisect.bisect_right(times, at)
        return self._index[key][pos - 1] if pos else None

    def captures_for(self, url: str) -> list[Capture]:
        return list(self._index.get(normalize_url(url), []))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        capture = self.lookup(str(request.url), self.clock.now())
        if capture is None:
            return httpx.Response(
                404,
                headers={"content-type": "application/json"},
                content=b'{"error": "not recorded at this time"}',
                request=request,
            )
        self.served += 1
        content = (self.directory / capture.body).read_bytes()
        headers = {
            **capture.headers,
            "content-type": capture.content_type,
            "x-replay-captured-at": iso_z(capture.captured_at),
        }
        return httpx.Response(capture.status, headers=headers, content=content, request=request)


class RecordingTransport(httpx.BaseTransport):
    """Pass requests to ``inner`` and append each response to a replay directory."""

    KEEP_HEADERS = ("last-modified", "retry-after")

    def __init__(
        self,
        inner: httpx.BaseTransport,
        directory: Path,
        clock: Clock,
        secrets: tuple[str, ...] = (),
    ) -> None:
        self.inner = inner
        self.writer = ReplayWriter(Path(directory))
        self.clock = clock
        self.secrets = secrets
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        content = response.read()
        content_type = response.headers.get("content-type", "application/octet-stream").split(";")[
            0
        ]
        with self._lock:
            self.writer.add(
                sanitize_url(str(request.url), self.secrets),
                self.clock.now(),
                content,
                content_type=content_type,
                status=response.status_code,
                headers={
                    k: v for k, v in response.headers.items() if k.lower() in self.KEEP_HEADERS
                },
            )
            self.writer.write_manifest(append=True)
            self.writer.captures.clear()
        return httpx.Response(
            response.status_code, headers=response.headers, content=content, request=request
        )


def resolve_source(
    spec: str, clock: Clock, *, record: Path | None = None, secrets: tuple[str, ...] = ()
) -> httpx.BaseTransport | None:
    """``live`` → None (real network); ``replay:DIR`` → a ReplayTransport over DIR."""
    spec = (spec or "live").strip()
    if spec == "live":
        if record is not None:
            return RecordingTransport(httpx.HTTPTransport(), record, clock, secrets)
        return None
    if spec.startswith("replay:"):
        if record is not None:
            raise ConfigError(
                f"--record {record} records live responses; drop it or use --source live"
            )
        directory = Path(spec.split(":", 1)[1])
        if not directory.is_dir():
            raise ConfigError(
                f"--source {spec}: {directory} is not a directory; build it with `propledger sample build`"
            )
        return ReplayTransport(directory, clock)
    raise ConfigError(f"--source {spec!r} is not understood; use live or replay:DIR")


__all__ = [
    "MANIFEST",
    "Capture",
    "RecordingTransport",
    "ReplayTransport",
    "ReplayWriter",
    "load_manifest",
    "normalize_url",
    "resolve_source",
]
