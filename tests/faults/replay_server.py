"""A recorded world served over real loopback sockets: ``/<source>/…`` → the replay capture.

The daily driver with every step talks to six sources. To run it over real sockets (so a test
can see the headers the app sends, e.g. the PlayNow cookie) while serving a sample world's
recorded payloads, :class:`ReplayServer` maps ``http://127.0.0.1:PORT/<source>/<rest>?<query>``
to ``DEFAULT_BASE_URLS[<source>]/<rest>?<query>`` and answers with what
:class:`~propledger.replay.ReplayTransport` (same directory, same clock) would return: the
latest capture at or before the clock, 404 otherwise. Every request is recorded as a
:class:`~faults.server.Hit`. ``extra_headers`` adds response headers per source (e.g. a
``Set-Cookie`` session the client must never store anywhere).

    with ReplayServer(world / "replay", clock) as server:
        env = server.base_url_env()          # all six PROPLEDGER_<SOURCE>_BASE_URL
"""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from faults.server import Hit
from propledger.clock import Clock
from propledger.replay import ReplayTransport
from propledger.settings import DEFAULT_BASE_URLS, SOURCES


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        parts = urllib.parse.urlsplit(self.path)
        source, _, rest = parts.path.lstrip("/").partition("/")
        hit = Hit(
            "GET",
            parts.path,
            dict(urllib.parse.parse_qsl(parts.query)),
            {k.lower(): v for k, v in self.headers.items()},
        )
        with self.server.lock:
            self.server.hits.append((source, hit))
        if source in DEFAULT_BASE_URLS:
            url = f"{DEFAULT_BASE_URLS[source]}/{rest}" + (f"?{parts.query}" if parts.query else "")
            response = self.server.transport.handle_request(httpx.Request("GET", url))
            status, body = response.status_code, response.content
            content_type = response.headers.get("content-type", "application/octet-stream")
            extra = self.server.extra_headers.get(source, ())
        else:
            status, body, content_type, extra = 404, b'{"error": "unknown source"}', "json", ()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra:
            self.send_header(name, value)
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    transport: ReplayTransport
    extra_headers: Mapping[str, Sequence[tuple[str, str]]]
    hits: list[tuple[str, Hit]]
    lock: threading.Lock


class ReplayServer:
    """Serve ``directory`` (a replay dir) as every source would, at ``clock.now()``."""

    def __init__(
        self,
        directory: Path,
        clock: Clock,
        extra_headers: Mapping[str, Sequence[tuple[str, str]]] | None = None,
    ) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.transport = ReplayTransport(directory, clock)
        self._server.extra_headers = dict(extra_headers or {})
        self._server.hits = []
        self._server.lock = threading.Lock()
        self._thread = threading.Thread(
            target=self._server.serve_forever, daemon=True, kwargs={"poll_interval": 0.05}
        )

    def __enter__(self) -> ReplayServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def base_url(self, source: str) -> str:
        return f"{self.base}/{source}"

    def base_url_env(self, sources: Sequence[str] = SOURCES) -> dict[str, str]:
        return {f"PROPLEDGER_{s.upper()}_BASE_URL": self.base_url(s) for s in sources}

    def hits(self, source: str | None = None) -> list[Hit]:
        with self._server.lock:
            return [h for s, h in self._server.hits if source is None or s == source]


__all__ = ["ReplayServer"]
