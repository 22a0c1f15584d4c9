"""VendorClient over httpx.MockTransport: retries, waits, breaker, budget, deadline, results.

Time is fake: ``FakeTime.sleep`` records the wait and moves ``FakeTime.monotonic``; nothing here
sleeps for real.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

import httpx
import pytest

from propledger.clock import FrozenClock
from propledger.context import Context
from propledger.errors import (
    BudgetExhaustedError,
    CircuitOpenError,
    HttpStatusError,
    PayloadError,
    RateLimitedError,
    SourceError,
    TransportError,
)
from propledger.http import (
    CallStatus,
    Expect,
    HealthRegistry,
    VendorCallResult,
    VendorClient,
    make_client,
)
from propledger.settings import Settings

URL = "https://content.unabated.com/markets/v2/league/6/propodds.json"
Handler = Callable[[httpx.Request], httpx.Response]


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def monotonic(self) -> float:
        return self.now


def settings_for(**env: str) -> Settings:
    return Settings.from_env({f"PROPLEDGER_HTTP_{k.upper()}": v for k, v in env.items()})


def script(*responses: httpx.Response | Exception) -> tuple[Handler, list[httpx.Request]]:
    """A handler answering in order (the last repeats) and the list of requests it saw."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        item = responses[min(len(seen) - 1, len(responses) - 1)]
        if isinstance(item, Exception):
            raise item
        return item

    return handler, seen


def client_for(
    handler: Handler,
    ft: FakeTime,
    clock: FrozenClock,
    settings: Settings | None = None,
    vendor: str = "unabated",
    health: HealthRegistry | None = None,
) -> VendorClient:
    return make_client(
        vendor,
        settings or settings_for(),
        httpx.MockTransport(handler),
        clock=clock,
        sleep=ft.sleep,
        monotonic=ft.monotonic,
        rng=random.Random(42),
        health=health,
    )


@pytest.fixture
def ft() -> Iterator[FakeTime]:
    yield FakeTime()


def ok_json(body: bytes = b'{"odds": {}}') -> httpx.Response:
    return httpx.Response(200, content=body, headers={"content-type": "application/json"})


# ---- retry decisions ---------------------------------------------------------------------------
@pytest.mark.parametrize("code", [408, 425, 429, 500, 502, 503, 504])
def test_retryable_status_then_success(code: int, ft: FakeTime, clock: FrozenClock) -> None:
    handler, seen = script(httpx.Response(code), ok_json())
    client = client_for(handler, ft, clock)
    fetched = client.get(URL, expect="json")
    assert (fetched.status, fetched.attempts, len(seen)) == (200, 2, 2)
    assert fetched.json() == {"odds": {}}
    result = client.result()
    assert (result.status, result.requests, result.attempts, result.failures) == (
        CallStatus.OK,
        2,
        2,
        1,
    )
    assert len(ft.sleeps) == 1 and 0.0 <= ft.sleeps[0] <= 0.5  # first window: base 0.5 s


@pytest.mark.parametrize("code", [400, 401, 403, 404, 410, 422])
def test_other_4xx_are_never_retried(code: int, ft: FakeTime, clock: FrozenClock) -> None:
    handler, seen = script(httpx.Response(code), ok_json())
    client = client_for(handler, ft, clock)
    with pytest.raises(HttpStatusError) as info:
        client.get(URL)
    assert info.value.status == code and not info.value.transient
    assert len(seen) == 1 and ft.sleeps == []
    result = client.result()
    assert (result.status, result.last_http_status, result.error_type) == (
        CallStatus.FAILED,
        code,
        "HttpStatusError",
    )


@pytest.mark.parametrize(
    "exc",
    [
        httpx.ConnectError("refused"),
        httpx.ConnectTimeout("slow"),
        httpx.ReadTimeout("stall"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
    ],
)
def test_transport_failures_are_retried_up_to_max_attempts(
    exc: Exception, ft: FakeTime, clock: FrozenClock
) -> None:
    handler, seen = script(exc)
    client = client_for(handler, ft, clock, settings_for(max_attempts="4"))
    with pytest.raises(TransportError) as info:
        client.get(URL)
    assert type(exc).__name__ in str(info.value)
    assert len(seen) == 4 and len(ft.sleeps) == 3
    # full jitter inside doubling windows 0.5, 1, 2
    assert all(0 <= w <= cap for w, cap in zip(ft.sleeps, (0.5, 1.0, 2.0), strict=True))
    result = client.result()
    assert (result.status, result.requests, result.attempts, result.failures) == (
        CallStatus.FAILED,
        4,
        4,
        4,
    )


def test_backoff_is_capped_by_backoff_max(ft: FakeTime, clock: FrozenClock) -> None:
    handler, _ = script(httpx.Response(503))
    settings = settings_for(
        max_attempts="8",
        backoff_base="10",
        backoff_max="3",
        breaker_threshold="100",
        vendor_deadline="1000",
    )
    with pytest.raises(HttpStatusError):
        client_for(handler, ft, clock, settings).get(URL)
    assert len(ft.sleeps) == 7 and max(ft.sleeps) <= 3.0


def test_retry_after_seconds_and_http_date_are_honoured(ft: FakeTime, clock: FrozenClock) -> None:
    handler, _ = script(
        httpx.Response(429, headers={"Retry-After": "2"}),
        httpx.Response(503, headers={"Retry-After": "Wed, 14 Jan 2026 17:00:07 GMT"}),
        httpx.Response(503, headers={"Retry-After": "0"}),  # no hint: backoff instead
        ok_json(),
    )
    fetched = client_for(handler, ft, clock).get(URL)
    assert fetched.attempts == 4
    assert ft.sleeps[:2] == [2.0, 7.0]  # the frozen clock is 17:00:00Z
    assert 0.0 <= ft.sleeps[2] <= 2.0


def test_retry_after_above_cap_marks_the_vendor_rate_limited(
    ft: FakeTime, clock: FrozenClock
) -> None:
    handler, seen = script(httpx.Response(429, headers={"Retry-After": "3600"}), ok_json())
    registry = HealthRegistry()
    client = client_for(handler, ft, clock, health=registry)
    with pytest.raises(RateLimitedError) as info:
        client.get(URL)
    assert "3600s" in str(info.value) and info.value.status == 429
    assert len(seen) == 1 and ft.sleeps == []
    # later calls, from any client of the vendor in this run, fail fast without a request
    other = client_for(handler, ft, clock, health=registry)
    with pytest.raises(RateLimitedError):
        other.get(URL + "?page=2")
    assert len(seen) == 1
    assert client.result().status is CallStatus.RATE_LIMITED
    assert other.result().status is CallStatus.RATE_LIMITED
    assert other.result().requests == 0
    assert registry.result("unabated").status is CallStatus.RATE_LIMITED
    # another vendor in the same run is untouched
    fine = client_for(script(ok_json())[0], ft, clock, vendor="playnow", health=registry)
    assert fine.get("https://content.sb.playnow.com/x").status == 200


# ---- circuit breaker, budget, deadline -------------------------------------------------------
def test_breaker_opens_after_threshold_failed_requests_across_clients(
    ft: FakeTime, clock: FrozenClock
) -> None:
    handler, seen = script(httpx.Response(503))
    settings = settings_for(max_attempts="2", breaker_threshold="3")
    registry = HealthRegistry()
    first = client_for(handler, ft, clock, settings, health=registry)
    with pytest.raises(HttpStatusError):
        first.get(URL)  # attempts 1, 2 (2 consecutive failures)
    second = client_for(handler, ft, clock, settings, health=registry)
    with pytest.raises(CircuitOpenError) as info:
        second.get(URL)  # attempt 3 opens the breaker: no retry
    assert "3 consecutive" in str(info.value) and info.value.status == 503
    assert len(seen) == 3
    with pytest.raises(CircuitOpenError):
        second.get(URL)  # skipped, no request
    assert len(seen) == 3
    assert first.result().status is CallStatus.FAILED
    run = registry.result("unabated")
    assert (run.status, run.requests, run.calls) == (CallStatus.CIRCUIT_OPEN, 3, 3)
    assert second.result().status is CallStatus.CIRCUIT_OPEN


def test_success_resets_the_breaker_and_404_is_neutral(ft: FakeTime, clock: FrozenClock) -> None:
    handler, seen = script(
        httpx.Response(503),
        ok_json(),
        httpx.Response(503),
        httpx.Response(404),
        httpx.Response(503),
        ok_json(),
    )
    settings = settings_for(max_attempts="2", breaker_threshold="3")
    client = client_for(handler, ft, clock, settings)
    client.get(URL)  # 503, 200 → reset
    with pytest.raises(HttpStatusError):
        client.get(URL)  # 503 (1), 404 final (neutral)
    client.get(URL)  # 503 (2), 200 → reset; breaker never opened
    assert len(seen) == 6
    result = client.result()
    assert (result.status, result.successes, result.calls) == (CallStatus.DEGRADED, 2, 3)


def test_request_budget_counts_every_attempt(ft: FakeTime, clock: FrozenClock) -> None:
    handler, seen = script(httpx.Response(500), ok_json())
    client = client_for(handler, ft, clock, settings_for(request_budget="3"))
    client.get(URL)  # 2 requests
    client.get(URL)  # 1 request: budget now spent
    with pytest.raises(BudgetExhaustedError, match="budget of 3 requests"):
        client.get(URL)
    assert len(seen) == 3
    result = client.result()
    assert (result.requests, result.status, result.error_type) == (
        3,
        CallStatus.DEGRADED,
        "BudgetExhaustedError",
    )


def test_deadline_caps_timeouts_and_stops_waits_that_would_pass_it(
    ft: FakeTime, clock: FrozenClock
) -> None:
    timeouts: list[dict[str, float]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        timeouts.append(dict(request.extensions["timeout"]))
        # each attempt "takes" 4 s, or until its (capped) read timeout fires
        read = request.extensions["timeout"]["read"]
        ft.now += min(4.0, read)
        if read < 4.0:
            raise httpx.ReadTimeout("stalled", request=request)
        return httpx.Response(503)

    settings = settings_for(
        vendor_deadline="10",
        backoff_base="1",
        backoff_max="1",
        max_attempts="10",
        breaker_threshold="100",
    )
    client = client_for(handler, ft, clock, settings)
    with pytest.raises(BudgetExhaustedError, match="vendor deadline") as info:
        client.get(URL)
    assert "ReadTimeout" in str(info.value) and len(timeouts) == 3
    assert timeouts[0] == {"connect": 5.0, "read": 10.0, "write": 10.0, "pool": 5.0}
    # second attempt starts with 10 - 4 - wait(≤1) s left: every timeout is capped by it
    left = 10.0 - 4.0 - ft.sleeps[0]
    assert timeouts[1]["read"] == pytest.approx(left) and timeouts[1]["connect"] == 5.0
    assert timeouts[2]["read"] == pytest.approx(left - 4.0 - ft.sleeps[1])
    assert client.health.spent == pytest.approx(10.0)  # the last attempt used what was left
    assert client.result().elapsed == pytest.approx(10.0)
    with pytest.raises(BudgetExhaustedError, match="deadline of 10s"):
        client.get(URL)  # the next call is refused without a request
    assert len(timeouts) == 3


def test_deadline_refuses_calls_once_spent(ft: FakeTime, clock: FrozenClock) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        ft.now += 3.0
        return ok_json()

    client = client_for(handler, ft, clock, settings_for(vendor_deadline="5"))
    client.get(URL)
    client.get(URL)  # admitted with 2 s left; takes 3 s
    with pytest.raises(BudgetExhaustedError, match="deadline of 5s"):
        client.get(URL)


# ---- forced failures ---------------------------------------------------------------------------
def test_forced_failure_is_a_connection_error_without_sleeping(clock: FrozenClock) -> None:
    ft = FakeTime()
    handler, seen = script(ok_json())
    settings = Settings.from_env({"FORCE_UNABATED_FAILURE": "1"})
    registry = HealthRegistry()
    client = client_for(handler, ft, clock, settings, health=registry)
    with pytest.raises(TransportError, match=r"ConnectError.*simulated outage"):
        client.get(URL)
    assert seen == [] and ft.sleeps == []  # nothing sent, nothing slept
    result = client.result()
    assert (result.status, result.requests, result.attempts) == (CallStatus.FAILED, 4, 4)
    with pytest.raises(CircuitOpenError):
        client.get(URL)  # 5th consecutive failure opens the breaker (default threshold 5)
    assert registry.result("unabated").status is CallStatus.CIRCUIT_OPEN
    assert registry.result("unabated").requests == 5
    # FORCE_VENDOR_FAILURE=ALL hits every vendor; naming one spares the others
    other = Settings.from_env({"FORCE_VENDOR_FAILURE": "PLAYNOW"})
    assert client_for(handler, ft, clock, other).get(URL).status == 200
    every = Settings.from_env({"FORCE_VENDOR_FAILURE": "ALL"})
    with pytest.raises(TransportError):
        client_for(handler, ft, clock, every, vendor="nhl_api").get("https://api-web.nhle.com/v1/x")


# ---- payloads ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "content_type", "match"),
    [
        (b"<!DOCTYPE html><html><body>blocked</body></html>", "text/html", "HTML page"),
        (b'{"odds": [1, 2', "application/json", "invalid or truncated JSON"),
        (b"", "application/json", "invalid or truncated JSON"),
    ],
)
def test_bad_json_is_a_non_retried_payload_error(
    body: bytes, content_type: str, match: str, ft: FakeTime, clock: FrozenClock
) -> None:
    handler, seen = script(
        httpx.Response(200, content=body, headers={"content-type": content_type})
    )
    client = client_for(handler, ft, clock)
    with pytest.raises(PayloadError, match=match):
        client.get(URL, expect=Expect.JSON)
    assert len(seen) == 1 and ft.sleeps == []
    assert client.result().status is CallStatus.FAILED
    assert client.result().last_http_status == 200


def test_expect_bytes_keeps_the_lazy_json_check(ft: FakeTime, clock: FrozenClock) -> None:
    handler, _ = script(httpx.Response(200, content=b"<html></html>"))
    fetched = client_for(handler, ft, clock).get(URL)
    with pytest.raises(PayloadError, match="HTML page"):
        fetched.json()
    with pytest.raises(PayloadError, match="empty body"):
        client_for(script(httpx.Response(200))[0], ft, clock).get(URL, expect="text")


def test_empty_valid_payload_is_ok(ft: FakeTime, clock: FrozenClock) -> None:
    fetched = client_for(script(ok_json(b"{}"))[0], ft, clock).get(URL, expect="json")
    assert fetched.json() == {} and fetched.parsed == {}


def test_fetched_fields(ft: FakeTime, clock: FrozenClock) -> None:
    response = httpx.Response(
        200,
        content=b"[1]",
        headers={"Content-Type": "application/json", "Set-Cookie": "s=1", "Last-Modified": "x"},
    )
    fetched = client_for(script(response)[0], ft, clock).get(URL, params={"t": 5})
    assert fetched.url == URL + "?t=5" and fetched.vendor == "unabated"
    assert fetched.captured_at == clock.now()
    assert fetched.headers["last-modified"] == "x" and "set-cookie" not in fetched.headers
    assert fetched.content_type == "application/json" and fetched.json() == [1]


# ---- results -------------------------------------------------------------------------------------
def test_record_error_makes_a_single_fetch_failed_and_a_partial_chain_degraded(
    ft: FakeTime, clock: FrozenClock
) -> None:
    client = client_for(script(ok_json())[0], ft, clock)
    client.get(URL)
    assert client.result().status is CallStatus.OK
    client.record_error(PayloadError("unabated: schema drift: 'odds' missing", vendor="unabated"))
    assert client.result().status is CallStatus.FAILED
    client.get(URL)
    result = client.result()
    assert (result.status, result.error_type, result.successes, result.failures) == (
        CallStatus.DEGRADED,
        "PayloadError",
        2,
        1,
    )


def test_skipped_result_and_as_dict() -> None:
    skipped = VendorCallResult.skipped("oddsshark")
    assert skipped.status is CallStatus.SKIPPED and skipped.message == "not enabled"
    assert skipped.as_dict()["status"] == "skipped" and skipped.as_dict()["requests"] == 0
    assert HealthRegistry().result("playnow").status is CallStatus.SKIPPED


def test_context_clients_share_one_registry(clock: FrozenClock) -> None:
    handler, seen = script(httpx.Response(503))
    settings = Settings.from_env({"PROPLEDGER_HTTP_BREAKER_THRESHOLD": "1"})
    ctx = Context(settings, clock, "run-1", httpx.MockTransport(handler))
    with pytest.raises(CircuitOpenError):
        ctx.client("moneypuck").get("https://moneypuck.com/x")
    with pytest.raises(CircuitOpenError):
        ctx.client("moneypuck").get("https://moneypuck.com/y")
    assert len(seen) == 1
    assert [r.vendor for r in ctx.health.results()] == ["moneypuck"]
    assert Context(settings, clock, "run-2").health is not ctx.health


def test_invalid_url_is_a_typed_error(ft: FakeTime, clock: FrozenClock) -> None:
    client = client_for(script(ok_json())[0], ft, clock)
    with pytest.raises(SourceError, match="invalid URL"):
        client.get("http://[::1")
    assert client.result().status is CallStatus.FAILED


def test_per_vendor_settings_override_the_defaults(ft: FakeTime, clock: FrozenClock) -> None:
    handler, seen = script(httpx.Response(503))
    settings = Settings.from_env(
        {"PROPLEDGER_HTTP_MAX_ATTEMPTS": "3", "PROPLEDGER_NHL_API_HTTP_MAX_ATTEMPTS": "1"}
    )
    with pytest.raises(HttpStatusError):
        client_for(handler, ft, clock, settings, vendor="nhl_api").get(
            "https://api-web.nhle.com/v1/x"
        )
    assert len(seen) == 1
    with pytest.raises(HttpStatusError):
        client_for(handler, ft, clock, settings, vendor="moneypuck").get("https://moneypuck.com/x")
    assert len(seen) == 4


def test_an_api_key_is_never_forwarded_through_a_redirect(ft: FakeTime, clock: FrozenClock) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "data.unabated.com" or request.url.path == "/r":
            return httpx.Response(302, headers={"Location": "https://elsewhere.example/x"})
        return ok_json()

    settings = Settings.from_env({"UNABATED_API_KEY": "k-123456", "PLAYNOW_COOKIE": "c-123456"})
    seen: list[httpx.Request] = []

    def spy(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    keyed = client_for(spy, ft, clock, settings)
    with pytest.raises(HttpStatusError) as info:
        keyed.get("https://data.unabated.com/market/6/props/odds")
    assert info.value.status == 302 and [r.url.host for r in seen] == ["data.unabated.com"]
    assert seen[0].headers["x-api-key"] == "k-123456"
    # without a key, redirects are followed as before (and the CDN never gets the key)
    fetched = keyed.get("https://content.unabated.com/r", credentials=False)
    assert fetched.status == 200 and seen[-1].url.host == "elsewhere.example"
    assert "x-api-key" not in seen[-1].headers
    playnow = client_for(spy, ft, clock, settings, vendor="playnow")
    assert playnow.get("https://content.sb.playnow.com/q").status == 200
    assert seen[-1].headers["cookie"] == "c-123456"


def test_forced_failure_log_lines_name_the_connection_error(
    ft: FakeTime, clock: FrozenClock, http_log: pytest.LogCaptureFixture
) -> None:
    caplog = http_log
    settings = Settings.from_env(
        {"FORCE_VENDOR_FAILURE": "ALL", "PROPLEDGER_HTTP_MAX_ATTEMPTS": "2"}
    )
    with pytest.raises(TransportError):
        client_for(script(ok_json())[0], ft, clock, settings, vendor="oddsshark").get(
            "https://www.oddsshark.com/nhl/player-props"
        )
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2
    assert " -> ConnectError in " in lines[0] and "(attempt 1/2, retry in " in lines[0]
    assert lines[1].endswith("(attempt 2/2)")
