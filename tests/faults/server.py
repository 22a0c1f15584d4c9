"""A scripted loopback HTTP server for fault-injection tests (real sockets, real timeouts).

Any test can request the ``fault_server`` fixture (tests/faults/plugin.py, registered in
tests/conftest.py) and mount scripted replies under a path prefix::

    def test_unabated_recovers(fault_server):
        fault_server.mount("/unabated", fault("500_then_200", ok_body=PAYLOAD))
        env = {**fast_http_env(), **fault_server.base_url_env("unabated", "/unabated")}
        # Settings.from_env(env) now sends Unabated to the faulty route

A route is a list of :class:`Reply`; each request takes the next one and the last repeats
forever (``[500, 200]`` = "500 then 200"). The longest matching prefix wins; an unknown path
is a 404. Every request is recorded (:meth:`FaultServer.hits`). ``refused_url()`` gives a URL on
a closed port (connection refused). Names in :data:`FAULTS` cover issue 5's fault list.
"""

from __future__ import annotations

import socket
import threading
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

JSON = "application/json"
HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class Reply:
    """One scripted answer.

    ``stall``: seconds to wait before answering (a read timeout for any client with a shorter
    read timeout; cut short when the server stops). ``declared_length``: the Content-Length to
    announce; larger than the body = a truncated body (the connection closes early).
    ``hang_up``: close the connection without any answer.
    """

    status: int = 200
    body: bytes = b"{}"
    content_type: str = JSON
    headers: tuple[tuple[str, str], ...] = ()
    declared_length: int | None = None
    stall: float = 0.0
    hang_up: bool = False


def ok(body: bytes | str = b"{}", content_type: str = JSON) -> Reply:
    return Reply(200, body.encode() if isinstance(body, str) else body, content_type)


def status(code: int, body: bytes = b'{"error": "scripted"}', **headers: str) -> Reply:
    """A non-2xx (or any) status; keyword headers use ``_`` for ``-`` (``Retry_After="2"``)."""
    return Reply(code, body, JSON, tuple((k.replace("_", "-"), v) for k, v in headers.items()))


HTML_ERROR_PAGE = (
    b"<!DOCTYPE html><html><head><title>Attention Required!</title></head>"
    b"<body><h1>Sorry, you have been blocked</h1></body></html>"
)


def fault(name: str, ok_body: bytes | str = b"{}", content_type: str = JSON) -> list[Reply]:
    """The script of a named fault from :data:`FAULTS`; ``ok_body`` is served on recovery."""
    good = ok(ok_body, content_type)
    body = good.body
    scripts: dict[str, list[Reply]] = {
        "ok": [good],
        "stall": [Reply(stall=30.0)],
        "500_then_200": [status(500), good],
        "503_forever": [status(503)],
        "429_retry_after_2": [status(429, Retry_After="2"), good],
        "429_retry_after_3600": [status(429, Retry_After="3600")],
        "403": [status(403, HTML_ERROR_PAGE)],
        "truncated": [
            Reply(200, body[: max(1, len(body) // 2)], content_type, declared_length=len(body) + 1)
        ],
        "malformed_json": [ok(b'{"odds": {"lg6:pt1:pregame": [{"broken": tr', JSON)],
        "html_error": [ok(HTML_ERROR_PAGE, HTML)],
        "empty_payload": [ok(b"{}", JSON)],
        "hang_up": [Reply(hang_up=True)],
    }
    if name not in scripts:
        raise KeyError(f"unknown fault {name!r}; use one of {', '.join(FAULTS)} (or refused_url())")
    return scripts[name]


#: every scripted fault (``refused`` is a closed port: use ``refused_url()``)
FAULTS: tuple[str, ...] = (
    "stall",
    "500_then_200",
    "503_forever",
    "429_retry_after_2",
    "429_retry_after_3600",
    "403",
    "truncated",
    "malformed_json",
    "html_error",
    "empty_payload",
    "hang_up",
)


@dataclass(frozen=True)
class Hit:
    """One request the server received."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]  # lower-case names


@dataclass
class _Route:
    replies: list[Reply]
    served: int = 0

    def next(self) -> Reply:
        reply = self.replies[min(self.served, len(self.replies) - 1)]
        self.served += 1
        return reply


@dataclass
class _State:
    routes: dict[str, _Route] = field(default_factory=dict)
    hits: list[tuple[str, Hit]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        state = self.server.state
        parts = urllib.parse.urlsplit(self.path)
        hit = Hit(
            "GET",
            parts.path,
            dict(urllib.parse.parse_qsl(parts.query)),
            {k.lower(): v for k, v in self.headers.items()},
        )
        with state.lock:
            prefix = max(
                (p for p in state.routes if parts.path.startswith(p)), key=len, default=None
            )
            state.hits.append((prefix or "", hit))
            reply = state.routes[prefix].next() if prefix is not None else status(404)
        if reply.stall:
            state.stop.wait(reply.stall)
        if reply.hang_up or state.stop.is_set():
            self.close_connection = True
            return
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            length = reply.declared_length if reply.declared_length is not None else len(reply.body)
            self.send_header("Content-Length", str(length))
            for name, value in reply.headers:
                self.send_header(name, value)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(reply.body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up first (read timeout): that is the point of a stall
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    state: _State


class FaultServer:
    """A threaded HTTP/1.1 server on 127.0.0.1 with scripted routes. Use as a context manager."""

    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.state = _State()
        self._thread = threading.Thread(
            target=self._server.serve_forever, daemon=True, kwargs={"poll_interval": 0.05}
        )

    # ---- lifecycle -------------------------------------------------------------------------
    def start(self) -> FaultServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.state.stop.set()  # ends stalls at once
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- scripting -------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base + (path if path.startswith("/") else "/" + path)

    def mount(self, prefix: str, replies: Reply | Sequence[Reply]) -> str:
        """Serve ``replies`` (in order, the last repeating) under ``prefix``; return its URL."""
        script = [replies] if isinstance(replies, Reply) else list(replies)
        if not script:
            raise ValueError("a route needs at least one Reply")
        with self._server.state.lock:
            self._server.state.routes[prefix] = _Route(script)
        return self.url(prefix)

    def hits(self, prefix: str | None = None) -> list[Hit]:
        """Requests received, all or those routed to ``prefix``."""
        with self._server.state.lock:
            return [h for p, h in self._server.state.hits if prefix is None or p == prefix]

    def base_url_env(self, source: str, prefix: str) -> dict[str, str]:
        """``PROPLEDGER_<SOURCE>_BASE_URL`` pointing ``source`` at the route ``prefix``."""
        return {f"PROPLEDGER_{source.upper()}_BASE_URL": self.url(prefix)}


def refused_url(path: str = "/") -> str:
    """A loopback URL where nothing listens: connecting is refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{path if path.startswith('/') else '/' + path}"


def fast_http_env(**overrides: float) -> dict[str, str]:
    """``PROPLEDGER_HTTP_*`` values small enough for tests (seconds); override any field.

    Waits for Retry-After up to ``retry_after_max`` are real sleeps when the code under test
    uses the default sleep (the CLI does): keep ``retry_after_max`` below 2 to turn
    "429 + Retry-After: 2" into ``rate_limited`` instead of a 2 s wait.
    """
    values: dict[str, float] = {
        "connect_timeout": 0.5,
        "read_timeout": 0.3,
        "write_timeout": 0.5,
        "pool_timeout": 0.5,
        "max_attempts": 3,
        "backoff_base": 0.01,
        "backoff_max": 0.02,
        "retry_after_max": 5.0,
        "breaker_threshold": 5,
        "vendor_deadline": 3.0,
        "request_budget": 50,
    }
    unknown = set(overrides) - set(values)
    if unknown:
        raise KeyError(f"unknown HTTP setting(s): {', '.join(sorted(unknown))}")
    values.update(overrides)
    return {f"PROPLEDGER_HTTP_{k.upper()}": f"{v:g}" for k, v in values.items()}


def mount_all(server: FaultServer, routes: Iterable[tuple[str, Sequence[Reply]]]) -> None:
    for prefix, replies in routes:
        server.mount(prefix, replies)


__all__ = [
    "FAULTS",
    "HTML",
    "HTML_ERROR_PAGE",
    "JSON",
    "FaultServer",
    "Hit",
    "Reply",
    "fast_http_env",
    "fault",
    "mount_all",
    "ok",
    "refused_url",
    "status",
]
