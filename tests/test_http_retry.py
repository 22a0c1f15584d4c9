"""The pure retry policy: retryable statuses, full-jitter backoff, Retry-After parsing."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from propledger.http_retry import (
    RETRYABLE_STATUSES,
    RetryPolicy,
    counts_as_outage,
    full_jitter,
    is_retryable_status,
    parse_retry_after,
)
from propledger.settings import HttpSettings

NOW = dt.datetime(2026, 1, 14, 17, 0, tzinfo=dt.UTC)


def test_retryable_statuses_are_exactly_the_design_list() -> None:
    assert frozenset({408, 425, 429, 500, 502, 503, 504}) == RETRYABLE_STATUSES
    for code in (400, 401, 403, 404, 409, 410, 422, 501, 505):
        assert not is_retryable_status(code), code


def test_outage_counting_ignores_missing_resources_only() -> None:
    assert counts_as_outage(503) and counts_as_outage(403) and counts_as_outage(400)
    assert not counts_as_outage(404) and not counts_as_outage(410)
    assert not counts_as_outage(200)


@given(
    retry=st.integers(min_value=1, max_value=2000),
    base=st.floats(min_value=0.0, max_value=10.0),
    cap=st.floats(min_value=0.0, max_value=120.0),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_full_jitter_stays_inside_its_window(
    retry: int, base: float, cap: float, seed: int
) -> None:
    wait = full_jitter(retry, base, cap, random.Random(seed))
    assert 0.0 <= wait <= min(cap, base * 2.0 ** min(retry - 1, 1000)) + 1e-12


def test_full_jitter_window_doubles_then_caps() -> None:
    class Top(random.Random):
        def uniform(self, a: float, b: float) -> float:  # always the top of the window
            return b

    top = Top()
    assert [full_jitter(n, 0.5, 30.0, top) for n in range(1, 9)] == [
        0.5,
        1.0,
        2.0,
        4.0,
        8.0,
        16.0,
        30.0,
        30.0,
    ]
    with pytest.raises(ValueError, match="≥ 1"):
        full_jitter(0, 0.5, 30.0, top)


def test_full_jitter_really_jitters() -> None:
    rng = random.Random(7)
    waits = {round(full_jitter(3, 0.5, 30.0, rng), 6) for _ in range(50)}
    assert len(waits) > 40 and max(waits) <= 2.0


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("2", 2.0),
        (" 3600 ", 3600.0),
        ("2.5", 2.5),
        ("Wed, 14 Jan 2026 17:00:05 GMT", 5.0),
        ("Wed, 14 Jan 2026 18:00:00 GMT", 3600.0),
        # no hint: missing, zero, negative, past date, garbage
        (None, None),
        ("", None),
        ("0", None),
        ("-5", None),
        ("Wed, 14 Jan 2026 16:59:00 GMT", None),
        ("Wed, 14 Jan 2026 17:00:00 GMT", None),
        ("soon", None),
        ("nan", None),
        ("inf", None),
    ],
)
def test_parse_retry_after(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header, NOW) == seconds


@given(st.integers(min_value=1, max_value=10**6))
def test_retry_after_http_date_round_trips(delta: int) -> None:
    when = NOW + dt.timedelta(seconds=delta)
    header = when.strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert parse_retry_after(header, NOW) == pytest.approx(delta, abs=1e-9)


@given(st.text(max_size=40))
def test_retry_after_never_raises(text: str) -> None:
    value = parse_retry_after(text, NOW)
    assert value is None or value > 0


def test_policy_prefers_the_server_hint_and_flags_hints_above_the_cap() -> None:
    policy = RetryPolicy.from_settings(HttpSettings(retry_after_max=60.0, backoff_base=1.0))
    rng = random.Random(1)
    assert policy.wait(1, 2.0, rng) == 2.0
    assert 0.0 <= policy.wait(1, None, rng) <= 1.0
    assert not policy.exceeds_cap(None)
    assert not policy.exceeds_cap(60.0)
    assert policy.exceeds_cap(60.5)
    assert RetryPolicy.from_settings(HttpSettings(max_attempts=0)).max_attempts == 1
