"""The hardened client against a real loopback server: every fault of issue 5, real sockets.

Timeouts are real but small (read 0.3 s); backoff and Retry-After waits go through a recording
sleep, so the only real waiting is the stalls the read timeouts need.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from faults.server import FAULTS, FaultServer, fast_http_env, fault, ok, refused_url, status
from propledger.clock import FrozenClock
from propledger.errors import (
    BudgetExhaustedError,
    HttpStatusError,
    PayloadError,
    RateLimitedError,
    SourceError,
    TransportError,
)
from propledger.http import CallStatus, Expect, HealthRegistry, VendorClient, make_client
from propledger.settings import Settings

PAYLOAD = b'{"odds": {"lg6:pt1:pregame": []}, "people": {}}'
READ_TIMEOUT = 0.3


class Sleeps(list[float]):
    """A sleep that records instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def fast_settings(**overrides: float) -> Settings:
    return Settings.from_env(fast_http_env(read_timeout=READ_TIMEOUT, **overrides))


def client(
    settings: Settings,
    clock: FrozenClock,
    sleeps: Callable[[float], None],
    vendor: str = "unabated",
    health: HealthRegistry | None = None,
) -> VendorClient:
    return make_client(vendor, settings, clock=clock, sleep=sleeps, health=health)


@dataclass(frozen=True)
class Expected:
    error: type[SourceError] | None
    status: CallStatus
    requests: int
    last_http_status: int | None
    sleeps: tuple[float, ...] | None = None  # exact waits, when they are not jittered
    min_elapsed: float = 0.0


# max_attempts = 3 (fast_http_env)
EXPECTED: dict[str, Expected] = {
    "refused": Expected(TransportError, CallStatus.FAILED, 3, None),
    "stall": Expected(TransportError, CallStatus.FAILED, 3, None, min_elapsed=3 * READ_TIMEOUT),
    "500_then_200": Expected(None, CallStatus.OK, 2, 200),
    "503_forever": Expected(HttpStatusError, CallStatus.FAILED, 3, 503),
    "429_retry_after_2": Expected(None, CallStatus.OK, 2, 200, sleeps=(2.0,)),
    "429_retry_after_3600": Expected(RateLimitedError, CallStatus.RATE_LIMITED, 1, 429, sleeps=()),
    "403": Expected(HttpStatusError, CallStatus.FAILED, 1, 403, sleeps=()),
    "truncated": Expected(PayloadError, CallStatus.FAILED, 1, 200, sleeps=()),
    "malformed_json": Expected(PayloadError, CallStatus.FAILED, 1, 200, sleeps=()),
    "html_error": Expected(PayloadError, CallStatus.FAILED, 1, 200, sleeps=()),
    "empty_payload": Expected(None, CallStatus.OK, 1, 200, sleeps=()),
    "hang_up": Expected(TransportError, CallStatus.FAILED, 3, None),
}


def test_every_fault_has_an_expectation() -> None:
    assert set(EXPECTED) == {*FAULTS, "refused"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fault(name: str, fault_server: FaultServer, clock: FrozenClock) -> None:
    expected = EXPECTED[name]
    if name == "refused":
        url = refused_url("/unabated/propodds.json")
    else:
        url = fault_server.mount("/unabated", fault(name, ok_body=PAYLOAD)) + "/propodds.json"
    sleeps = Sleeps()
    vendor = client(fast_settings(), clock, sleeps)
    started = time.monotonic()
    if expected.error is None:
        fetched = vendor.get(url, params={"t": 1}, expect=Expect.JSON)
        assert fetched.json() in ({}, {"odds": {"lg6:pt1:pregame": []}, "people": {}})
        assert fetched.attempts == expected.requests
    else:
        with pytest.raises(expected.error) as info:
            vendor.get(url, params={"t": 1}, expect=Expect.JSON)
        assert "/unabated/propodds.json" in str(info.value)
    elapsed = time.monotonic() - started
    result = vendor.result()
    assert result.status is expected.status
    assert (result.requests, result.attempts) == (expected.requests, expected.requests)
    assert result.last_http_status == expected.last_http_status
    if expected.error is not None:
        assert result.error_type == expected.error.__name__
    if name != "refused":
        assert len(fault_server.hits("/unabated")) == expected.requests
    if expected.sleeps is not None:
        assert tuple(sleeps) == expected.sleeps
    else:
        assert len(sleeps) == expected.requests - 1
        assert all(0.0 <= s <= 0.02 for s in sleeps)  # backoff_max of fast_http_env
    # bounded: the stalls need their read timeouts, nothing else waits for real
    assert expected.min_elapsed <= elapsed < expected.min_elapsed + 1.0
    assert result.elapsed >= expected.min_elapsed - 0.05


def test_other_vendors_are_untouched_by_a_failing_one(
    fault_server: FaultServer, clock: FrozenClock
) -> None:
    registry = HealthRegistry()
    settings = fast_settings(breaker_threshold=2)
    fault_server.mount("/playnow", ok(PAYLOAD))
    fault_server.mount("/oddsshark", ok("<html><body>props</body></html>", "text/html"))
    bad = fault_server.mount("/unabated", fault("503_forever"))
    sleeps = Sleeps()
    for _ in range(3):
        with pytest.raises((HttpStatusError, SourceError)):
            client(settings, clock, sleeps, "unabated", registry).get(bad)
        assert (
            client(settings, clock, sleeps, "playnow", registry)
            .get(fault_server.url("/playnow/events"), expect="json")
            .json()["people"]
            == {}
        )
        client(settings, clock, sleeps, "oddsshark", registry).get(
            fault_server.url("/oddsshark/nhl/player-props"), expect="text"
        )
    results = {r.vendor: r for r in registry.results()}
    assert results["unabated"].status is CallStatus.CIRCUIT_OPEN
    assert results["unabated"].requests == 2  # breaker_threshold 2: the later calls sent nothing
    assert len(fault_server.hits("/unabated")) == 2
    assert results["playnow"].status is CallStatus.OK and results["playnow"].requests == 3
    assert results["oddsshark"].status is CallStatus.OK and results["oddsshark"].calls == 3


def test_worst_case_time_of_a_dead_vendor_is_bounded(
    fault_server: FaultServer, clock: FrozenClock
) -> None:
    """Scaled-down docs/http.md bound: a dead vendor costs ≤ vendor_deadline + connect timeout.

    Real sleeps and real timeouts: deadline 0.8 s, read 0.5 s, connect 0.2 s, 10 attempts per
    call, breaker out of reach. A source that keeps calling (many pages) must not get past it.
    """
    deadline, connect = 0.8, 0.2
    settings = Settings.from_env(
        fast_http_env(
            vendor_deadline=deadline,
            connect_timeout=connect,
            read_timeout=0.5,
            max_attempts=10,
            backoff_base=0.05,
            backoff_max=0.1,
            breaker_threshold=100,
        )
    )
    stalled = fault_server.mount("/unabated", fault("stall"))
    vendor = make_client("unabated", settings, clock=clock)  # real time.sleep
    started = time.monotonic()
    errors: list[type[SourceError]] = []
    for page in range(20):
        try:
            vendor.get(stalled, params={"page": page})
        except SourceError as exc:
            errors.append(type(exc))
    elapsed = time.monotonic() - started
    assert elapsed <= deadline + connect + 0.3, elapsed
    assert errors[-1] is BudgetExhaustedError and len(errors) == 20
    result = vendor.result()
    assert result.status is CallStatus.FAILED and result.elapsed <= deadline + 0.05
    assert result.requests == len(fault_server.hits("/unabated")) >= 2


def test_refused_vendor_is_cut_by_the_breaker_quickly(clock: FrozenClock) -> None:
    settings = fast_settings()  # max_attempts 3, breaker 5
    vendor = client(settings, clock, Sleeps())
    url = refused_url("/dead")
    kinds = []
    for _ in range(4):
        with pytest.raises(SourceError) as info:
            vendor.get(url)
        kinds.append(type(info.value).__name__)
    assert kinds == ["TransportError", "CircuitOpenError", "CircuitOpenError", "CircuitOpenError"]
    assert vendor.result().requests == 5 and vendor.result().status is CallStatus.CIRCUIT_OPEN


def test_one_log_line_per_attempt(
    fault_server: FaultServer, clock: FrozenClock, http_log: pytest.LogCaptureFixture
) -> None:
    caplog = http_log
    url = fault_server.mount("/nhl", [status(500), status(502), ok(PAYLOAD)])
    client(fast_settings(), clock, Sleeps(), "nhl_api").get(url + "/schedule/2026-01-14")
    lines = [r.getMessage() for r in caplog.records if r.name == "propledger.http"]
    assert len(lines) == 3, lines
    assert lines[0].startswith(f"nhl_api GET {url}/schedule/2026-01-14 -> 500 in ")
    assert "(attempt 1/3, retry in " in lines[0] and "(attempt 2/3, retry in " in lines[1]
    assert " -> 200 in " in lines[2] and lines[2].endswith("(attempt 3/3)")
    assert [r.levelno for r in caplog.records if r.name == "propledger.http"] == [
        logging.WARNING,
        logging.WARNING,
        logging.INFO,
    ]
    assert not [r for r in caplog.records if r.name == "httpx"]  # no unsanitised duplicates


def test_planted_secrets_never_leak(
    fault_server: FaultServer, clock: FrozenClock, http_log: pytest.LogCaptureFixture
) -> None:
    caplog = http_log
    cookie, key, signature = "pn-COOKIE-s3cr3t-111", "ub-KEY-s3cr3t-222", "SIG-s3cr3t-333"
    planted = (cookie, key, signature)
    settings = Settings.from_env(
        {
            **fast_http_env(read_timeout=READ_TIMEOUT),
            "PLAYNOW_COOKIE": cookie,
            "UNABATED_API_KEY": key,
        }
    )
    fault_server.mount("/playnow", [status(503), ok(PAYLOAD)])
    fault_server.mount("/data", [status(500), ok(PAYLOAD)])
    fault_server.mount("/cdn", fault("html_error"))
    registry = HealthRegistry()
    seen: list[str] = []
    playnow = client(settings, clock, Sleeps(), "playnow", registry)
    unabated = client(settings, clock, Sleeps(), "unabated", registry)
    fetched = [
        playnow.get(fault_server.url("/playnow/events"), params={"sig": signature}),
        unabated.get(
            fault_server.url("/data/market/6/props/odds"),
            credentials=True,
            params={"X-Amz-Signature": signature, "t": 9},
        ),
    ]
    for call in (
        lambda: unabated.get(
            fault_server.url("/cdn/propodds.json"), params={"token": signature}, expect="json"
        ),
        lambda: unabated.get(refused_url(f"/x?api_key={signature}")),
        lambda: playnow.get(f"http://user:{signature}@127.0.0.1:1/nothing"),
    ):
        with pytest.raises(SourceError) as info:
            call()
        seen += [str(info.value), info.value.url, repr(info.value.context)]
    # credentials went where they belong, and only there
    assert {h.headers.get("cookie") for h in fault_server.hits("/playnow")} == {cookie}
    assert {h.headers.get("x-api-key") for h in fault_server.hits("/data")} == {key}
    assert all("x-api-key" not in h.headers for h in fault_server.hits("/cdn"))
    assert all("cookie" not in h.headers for h in fault_server.hits("/data"))
    seen += [f.url for f in fetched] + [repr(f) for f in fetched]
    seen += [str(r.as_dict()) for r in (*registry.results(), playnow.result(), unabated.result())]
    http_lines = [r for r in caplog.records if r.name == "propledger.http"]
    assert len(http_lines) >= 7  # 2 + 2 attempts that succeed, 1 + 3 + 3 that fail
    seen += [r.getMessage() for r in caplog.records] + [caplog.text]
    seen += [repr(settings), str(settings.public_dict())]
    assert fetched[1].url == fault_server.url("/data/market/6/props/odds") + "?t=9"
    for text in seen:
        for secret in planted:
            assert secret not in text, (secret, text)
