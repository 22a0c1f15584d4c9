"""The fault server itself, checked with a bare httpx client (no propledger retry logic)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from faults.server import (
    FAULTS,
    FaultServer,
    Reply,
    fast_http_env,
    fault,
    ok,
    refused_url,
    status,
)
from propledger.settings import Settings


@pytest.fixture
def raw() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=httpx.Timeout(0.3)) as client:
        yield client


def test_scripts_run_in_order_and_the_last_repeats(
    fault_server: FaultServer, raw: httpx.Client
) -> None:
    url = fault_server.mount("/v", [status(500), ok(b"[1]")])
    assert [raw.get(url).status_code for _ in range(3)] == [500, 200, 200]
    assert raw.get(fault_server.url("/elsewhere")).status_code == 404
    assert len(fault_server.hits("/v")) == 3 and len(fault_server.hits()) == 4


def test_longest_prefix_wins_and_requests_are_recorded(
    fault_server: FaultServer, raw: httpx.Client
) -> None:
    fault_server.mount("/api", ok(b"short"))
    fault_server.mount("/api/v2", ok(b"long"))
    assert (
        raw.get(
            fault_server.url("/api/v2/x"), params={"t": "1"}, headers={"X-Probe": "yes"}
        ).content
        == b"long"
    )
    assert raw.get(fault_server.url("/api/v1")).content == b"short"
    hit = fault_server.hits("/api/v2")[0]
    assert (hit.path, hit.query, hit.headers["x-probe"]) == ("/api/v2/x", {"t": "1"}, "yes")


def test_named_faults_misbehave_as_advertised(fault_server: FaultServer, raw: httpx.Client) -> None:
    def get(name: str) -> httpx.Response:
        return raw.get(fault_server.mount(f"/{name}", fault(name, ok_body=b'{"a": 1}')))

    assert get("429_retry_after_2").headers["retry-after"] == "2"
    assert get("429_retry_after_3600").headers["retry-after"] == "3600"
    assert get("403").status_code == 403
    assert get("503_forever").status_code == 503
    assert get("html_error").text.startswith("<!DOCTYPE html>")
    assert get("empty_payload").json() == {}
    with pytest.raises(ValueError):
        get("malformed_json").json()
    with pytest.raises(httpx.RemoteProtocolError):
        get("truncated")  # fewer bytes than Content-Length, then the connection closes
    with pytest.raises(httpx.RemoteProtocolError):
        get("hang_up")
    with pytest.raises(httpx.ReadTimeout):
        get("stall")
    with pytest.raises(httpx.ConnectError):
        raw.get(refused_url())
    with pytest.raises(KeyError, match="unknown fault"):
        fault("teapot")
    assert len(FAULTS) == 11


def test_stop_ends_stalls_at_once() -> None:
    import time

    server = FaultServer().start()
    url = server.mount("/slow", Reply(stall=30.0))
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(url, timeout=0.1)
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 2.0


def test_env_helpers_feed_settings(fault_server: FaultServer) -> None:
    env = {**fast_http_env(max_attempts=2), **fault_server.base_url_env("unabated", "/u")}
    settings = Settings.from_env(env)
    assert settings.base_url("unabated") == fault_server.url("/u")
    assert settings.http.max_attempts == 2 and settings.http.read_timeout == 0.3
    with pytest.raises(KeyError, match="unknown HTTP setting"):
        fast_http_env(retries=3)
