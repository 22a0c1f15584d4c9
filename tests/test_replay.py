from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
import pytest

from propledger.clock import UTC, FrozenClock
from propledger.errors import ConfigError
from propledger.replay import (
    RecordingTransport,
    ReplayTransport,
    ReplayWriter,
    normalize_url,
    resolve_source,
)


def _t(hour: int) -> dt.datetime:
    return dt.datetime(2026, 1, 14, hour, tzinfo=UTC)


def _world(tmp_path: Path) -> Path:
    writer = ReplayWriter(tmp_path / "replay")
    url = "https://content.unabated.com/markets/v2/league/6/propodds.json"
    writer.add(url, _t(12), b'{"v": 1}')
    writer.add(url, _t(16), b'{"v": 2}')
    writer.write_manifest()
    return tmp_path / "replay"


def test_serves_latest_capture_at_or_before_now_ignoring_cache_busters(tmp_path: Path) -> None:
    clock = FrozenClock(_t(13))
    client = httpx.Client(transport=ReplayTransport(_world(tmp_path), clock))
    url = "https://content.unabated.com/markets/v2/league/6/propodds.json?t=1768416000"
    assert client.get(url).json() == {"v": 1}
    clock.set(_t(16))
    assert client.get(url).json() == {"v": 2}
    clock.set(_t(11))
    assert client.get(url).status_code == 404


def test_unknown_url_is_404(tmp_path: Path) -> None:
    client = httpx.Client(transport=ReplayTransport(_world(tmp_path), FrozenClock(_t(20))))
    assert client.get("https://example.com/nothing").status_code == 404


def test_manifest_is_deterministic(tmp_path: Path) -> None:
    a = (_world(tmp_path / "a") / "manifest.jsonl").read_bytes()
    b = (_world(tmp_path / "b") / "manifest.jsonl").read_bytes()
    assert a == b


def test_normalize_drops_noise_and_secrets() -> None:
    assert normalize_url("https://h/p?b=2&t=5&a=1&api_key=XYZ") == "https://h/p?a=1&b=2"


def test_recording_strips_secrets_and_replays(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"ok": True}, headers={"set-cookie": "s=1"})

    clock = FrozenClock(_t(12))
    rec = RecordingTransport(httpx.MockTransport(handler), tmp_path / "rec", clock, ("SECRET123",))
    httpx.Client(transport=rec).get("https://h/x?key=SECRET123&q=SECRET123")
    manifest = (tmp_path / "rec" / "manifest.jsonl").read_text()
    assert "SECRET123" not in manifest and "set-cookie" not in manifest
    replay = httpx.Client(transport=ReplayTransport(tmp_path / "rec", clock))
    assert replay.get("https://h/x?q=***").json() == {"ok": True}


def test_resolve_source_errors(tmp_path: Path) -> None:
    clock = FrozenClock(_t(12))
    assert resolve_source("live", clock) is None
    with pytest.raises(ConfigError, match="not a directory"):
        resolve_source(f"replay:{tmp_path / 'missing'}", clock)
    with pytest.raises(ConfigError, match="not understood"):
        resolve_source("ftp:x", clock)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match=r"no manifest\.jsonl"):
        resolve_source(f"replay:{tmp_path / 'empty'}", clock)
