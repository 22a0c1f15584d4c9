from __future__ import annotations

import datetime as dt

import pytest

from propledger.clock import UTC, FrozenClock, et_to_utc, parse_date, parse_utc, slate_date
from propledger.errors import ConfigError


def test_slate_date_is_eastern_not_utc() -> None:
    # 10 PM ET on Jan 14 is 03:00 UTC on Jan 15
    assert slate_date(dt.datetime(2026, 1, 15, 3, 0, tzinfo=UTC)) == dt.date(2026, 1, 14)
    assert slate_date(dt.datetime(2026, 1, 15, 5, 0, tzinfo=UTC)) == dt.date(2026, 1, 15)


def test_et_to_utc_handles_dst() -> None:
    assert et_to_utc(dt.date(2026, 1, 14), dt.time(19, 0)) == dt.datetime(
        2026, 1, 15, 0, 0, tzinfo=UTC
    )
    assert et_to_utc(dt.date(2026, 4, 10), dt.time(19, 0)) == dt.datetime(
        2026, 4, 10, 23, 0, tzinfo=UTC
    )


def test_parse_utc_without_z_is_utc() -> None:
    assert parse_utc("2026-01-15T00:00:00") == dt.datetime(2026, 1, 15, tzinfo=UTC)
    assert parse_utc("2026-01-15T00:00:00Z") == dt.datetime(2026, 1, 15, tzinfo=UTC)


def test_frozen_clock_rejects_naive() -> None:
    with pytest.raises(ValueError, match="naive"):
        FrozenClock(dt.datetime(2026, 1, 1))


def test_parse_date_error_names_argument() -> None:
    with pytest.raises(ConfigError, match="--start '2026-13-01' is not a date"):
        parse_date("2026-13-01", what="--start")
