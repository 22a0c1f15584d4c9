"""Schedule: 82 games per team, balanced, realistic dates and start times, chronological ids."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from propledger.clock import ET
from propledger.errors import ConfigError
from propledger.sample.schedule import Schedule, build_schedule, matchups, season_start
from propledger.sample.teams import BY_ABBREV, TEAMS

ALL = tuple(t.abbrev for t in TEAMS)


@pytest.fixture(scope="module")
def full() -> Schedule:
    return build_schedule(5, 2025, ALL, 82)


def _team_days(s: Schedule, t: int) -> np.ndarray:
    return np.sort(s.date[(s.home == t) | (s.away == t)].astype(np.int64))


def test_full_season_counts(full: Schedule) -> None:
    assert len(full) == 1312
    assert np.bincount(np.r_[full.home, full.away]).tolist() == [82] * 32
    assert np.bincount(full.home).tolist() == [41] * 32
    assert not np.any(full.home == full.away)


def test_every_pair_meets_home_and_away(full: Schedule) -> None:
    pairs = Counter(zip(full.home.tolist(), full.away.tolist(), strict=True))
    assert all(pairs[(a, b)] >= 1 for a in range(32) for b in range(32) if a != b)


def test_dates_october_to_mid_april(full: Schedule) -> None:
    assert full.first_date == dt.date(2025, 10, 7) == season_start(2025)
    assert dt.date(2026, 4, 10) <= full.last_date <= dt.date(2026, 4, 20)
    days = {dt.date.fromisoformat(str(d)) for d in full.date}
    assert not days & {dt.date(2025, 12, 24), dt.date(2025, 12, 25), dt.date(2025, 12, 26)}


def test_no_double_headers_no_three_in_a_row_and_back_to_backs(full: Schedule) -> None:
    b2b = []
    for t in range(32):
        days = _team_days(full, t)
        assert len(np.unique(days)) == len(days)
        assert not np.any(days[2:] - days[:-2] == 2)
        b2b.append(int(np.sum(np.diff(days) == 1)))
    assert min(b2b) >= 3 and 8 <= float(np.mean(b2b)) <= 22


def test_game_ids_chronological(full: Schedule) -> None:
    assert full.game_id[0] == 2025020001 and full.game_id[-1] == 2025021312
    assert np.all(np.diff(full.game_id) == 1)
    assert np.all(np.diff(full.start_utc.astype(np.int64)) >= 0)


def test_start_times_in_et_slots_stored_utc(full: Schedule) -> None:
    local = [
        dt.datetime.fromisoformat(str(s)).replace(tzinfo=dt.UTC).astimezone(ET)
        for s in full.start_utc
    ]
    slots = Counter(t.strftime("%H:%M") for t in local)
    assert {"19:00", "19:30", "20:00", "22:00"} <= set(slots)
    assert set(slots) <= {
        "12:30",
        "13:00",
        "15:00",
        "16:00",
        "19:00",
        "19:30",
        "20:00",
        "20:30",
        "21:00",
        "21:30",
        "22:00",
        "22:30",
    }
    assert all(
        t.date() == dt.date.fromisoformat(str(d)) for t, d in zip(local, full.date, strict=True)
    )
    matinees = [t for t in local if t.hour < 17]
    assert matinees and all(t.weekday() >= 5 for t in matinees)
    # Pacific home games start at 10 PM ET or later in the evening: the next day in UTC
    pacific = [
        i
        for i, h in enumerate(full.home)
        if BY_ABBREV[ALL[h]].venue_tz == "America/Los_Angeles" and local[i].hour >= 22
    ]
    assert pacific and all(str(full.start_utc[i])[:10] > str(full.date[i]) for i in pacific)


def test_deterministic_and_seed_dependent() -> None:
    a, b, c = (build_schedule(seed, 2024, ALL[:8], 20) for seed in (1, 1, 2))
    assert np.array_equal(a.date, b.date) and np.array_equal(a.home, b.home)
    assert not (np.array_equal(a.date, c.date) and np.array_equal(a.home, c.home))


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 32), half=st.integers(1, 45))
def test_matchups_balanced(n: int, half: int) -> None:
    pairs = matchups(n, 2 * half)
    assert len(pairs) == n * half
    assert np.bincount(pairs[:, 0], minlength=n).tolist() == [half] * n
    assert np.bincount(pairs[:, 1], minlength=n).tolist() == [half] * n
    assert not np.any(pairs[:, 0] == pairs[:, 1])


def test_odd_games_per_team_is_refused() -> None:
    with pytest.raises(ConfigError, match="even number"):
        matchups(4, 11)
