"""Versioned, fingerprinted appends: an identical re-run adds 0 rows, a change appends a new
version of the slate, readers (``v_*_latest``) see only the latest, nothing is updated."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evworld import AS_OF, CAPTURE, SLATE, add_games, add_odds, add_snapshot, odds_row, snapshot_row
from propledger.clock import UTC, FrozenClock
from propledger.context import Context
from propledger.errors import StorageError
from propledger.evidence.facts import Fact, append_version, latest_rows, latest_version
from propledger.evidence.warehouse import Warehouse
from propledger.jobs.diagnostics import record_facts
from propledger.settings import Settings

T = dt.datetime(2026, 1, 14, 17, tzinfo=UTC)


def _mapping(vendor: str, rows: int, pct: float | None) -> dict[str, Any]:
    zero = {k: 0 for k in ("rows_mapped", "rows_event_mapped", "rows_player_mapped", "rows_market_mapped",
                           "events", "events_mapped", "players", "players_mapped", "n_no_game",
                           "n_no_player", "n_ambiguous", "n_unknown_market", "n_other_reason")}  # fmt: skip
    return {"slate_date": SLATE, "vendor": vendor, "rows": rows, "pct_mapped": pct, **zero}


def _append(wh: Warehouse, rows: list[dict[str, Any]], run: str = "r", at: dt.datetime = T) -> int:
    return append_version(
        wh, Fact.MAPPING_QUALITY, SLATE, pa.Table.from_pylist(rows), run_id=run, computed_utc=at
    )


def test_same_content_adds_nothing_whatever_the_run_or_clock(wh: Warehouse) -> None:
    a = [_mapping("UNABATED", 10, 0.9), _mapping("PLAYNOW", 5, 1.0)]
    assert _append(wh, a) == 2
    assert _append(wh, list(reversed(a)), run="r2", at=T + dt.timedelta(hours=3)) == 0
    assert latest_version(wh, Fact.MAPPING_QUALITY, SLATE)[0] == 1  # type: ignore[index]


def test_a_change_appends_the_whole_slate_and_a_return_is_a_version_too(wh: Warehouse) -> None:
    a = [_mapping("UNABATED", 10, 0.9), _mapping("PLAYNOW", 5, 1.0)]
    b = [_mapping("UNABATED", 12, 0.75)]  # PLAYNOW gone from the latest computation
    assert (_append(wh, a), _append(wh, b, run="r2"), _append(wh, a, run="r3")) == (2, 1, 2)
    versions = wh.rows(
        "SELECT version, vendor, rows, run_id FROM fact_mapping_quality_daily ORDER BY version, vendor"
    )
    assert versions == [
        (1, "PLAYNOW", 5, "r"), (1, "UNABATED", 10, "r"),
        (2, "UNABATED", 12, "r2"),
        (3, "PLAYNOW", 5, "r3"), (3, "UNABATED", 10, "r3"),
    ]  # fmt: skip
    _append(wh, b, run="r4")
    latest = latest_rows(wh, Fact.MAPPING_QUALITY).to_pylist()
    assert [(r["version"], r["vendor"], r["rows"]) for r in latest] == [(4, "UNABATED", 12)]


def test_float_noise_below_the_rounding_is_not_a_change(wh: Warehouse) -> None:
    assert _append(wh, [_mapping("UNABATED", 10, 0.9)]) == 1
    assert _append(wh, [_mapping("UNABATED", 10, 0.9 + 1e-13)]) == 0
    assert _append(wh, [_mapping("UNABATED", 10, 0.9 + 1e-6)]) == 1


@pytest.mark.parametrize("noise", [-0.0, -1e-17, -4e-10, 1e-17])
def test_the_sign_of_a_zero_is_not_a_change(wh: Warehouse, noise: float) -> None:
    # a mean that is 0 up to float noise (e.g. both sides of a de-vigged pair) comes out as
    # ±1e-17 depending on summation order; rounded it was -0.0 or 0.0, and the fingerprint's
    # JSON spells those differently ("-0.0"), so an identical re-run appended a version
    assert _append(wh, [_mapping("UNABATED", 10, 0.0)]) == 1
    assert _append(wh, [_mapping("UNABATED", 10, noise)], run="r2") == 0
    assert _append(wh, [_mapping("UNABATED", 10, 0.0)], run="r3") == 0
    stored = wh.rows("SELECT CAST(pct_mapped AS VARCHAR) FROM fact_mapping_quality_daily")
    assert stored == [("0.0",)]


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.floats(-4.9e-10, 4.9e-10))
def test_anything_that_rounds_to_zero_is_the_same_version(wh: Warehouse, noise: float) -> None:
    _append(wh, [_mapping("UNABATED", 10, 0.0)])
    assert _append(wh, [_mapping("UNABATED", 10, noise)], run="r2") == 0


def test_a_negative_zero_first_is_stored_as_zero(wh: Warehouse) -> None:
    assert _append(wh, [_mapping("UNABATED", 10, -1e-17)]) == 1
    assert wh.scalar("SELECT CAST(pct_mapped AS VARCHAR) FROM fact_mapping_quality_daily") == "0.0"
    assert _append(wh, [_mapping("UNABATED", 10, 1e-17)], run="r2") == 0
    # a real value below zero is still a value (only the sign of a rounded zero is dropped)
    assert _append(wh, [_mapping("UNABATED", 10, -6e-10)], run="r3") == 1
    assert wh.scalar("SELECT max(version) FROM fact_mapping_quality_daily") == 2


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([_mapping("UNABATED", 1, 1.0) | {"run_id": "x"}], "lineage"),
        ([_mapping("UNABATED", 1, 1.0), _mapping("UNABATED", 2, 1.0)], "duplicate natural keys"),
        ([_mapping("UNABATED", 1, 1.0) | {"slate_date": dt.date(2026, 1, 15)}], "one slate"),
        ([_mapping("UNABATED", 1, 1.0) | {"bogus": 1}], "unknown column"),
    ],
)
def test_bad_batches_are_refused(wh: Warehouse, rows: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(StorageError, match=message):
        _append(wh, rows)
    assert wh.count("fact_mapping_quality_daily") == 0


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.dictionaries(
        st.sampled_from(["PLAYNOW", "UNABATED", "ODDSSHARK", "KAMBI"]),
        st.tuples(st.integers(0, 10**6), st.one_of(st.none(), st.floats(0, 1))),
        min_size=1,
    )
)
def test_reinsert_is_a_noop_and_readers_see_exactly_the_last_batch(
    wh: Warehouse, content: dict[str, tuple[int, float | None]]
) -> None:
    rows = [_mapping(v, n, p) for v, (n, p) in content.items()]
    _append(wh, rows)
    before = wh.count("fact_mapping_quality_daily")
    assert _append(wh, rows[::-1]) == 0
    assert wh.count("fact_mapping_quality_daily") == before
    latest = {r["vendor"]: r["rows"] for r in latest_rows(wh, Fact.MAPPING_QUALITY).to_pylist()}
    assert latest == {v: n for v, (n, _) in content.items()}


# ---- the whole step -------------------------------------------------------------------------
def _world(wh: Warehouse) -> None:
    add_games(wh)
    add_odds(wh, odds_row("OVER", 2.0, map_reason=None), odds_row("UNDER", 1.8, map_reason=None))
    add_snapshot(wh, snapshot_row(0.6))


def _run(
    wh: Warehouse, settings: Settings, at: dt.datetime = AS_OF, run: str = "run-1"
) -> dict[str, int]:
    result = record_facts(Context(settings, FrozenClock(at), run, _warehouse=wh), SLATE)
    return dict(result.rows_written)


def test_diagnostics_rerun_adds_nothing_and_new_odds_add_a_version(
    wh: Warehouse, settings: Settings
) -> None:
    _world(wh)
    first = _run(wh, settings)
    assert first == {"fact_odds_coverage_daily": 1, "fact_mapping_quality_daily": 3,
                     "fact_ev_summary_daily": 2, "fact_forecast_accuracy_daily": 0}  # fmt: skip
    assert set(_run(wh, settings, run="run-2").values()) == {0}  # identical re-run
    # a new capture: coverage, mapping and EV (the newer price) change; accuracy does not
    add_odds(
        wh,
        odds_row("OVER", 2.2, capture_ts_utc=CAPTURE + dt.timedelta(minutes=15), map_reason=None),
    )
    second = _run(wh, settings, AS_OF + dt.timedelta(minutes=5), run="run-3")
    assert second == {"fact_odds_coverage_daily": 1, "fact_mapping_quality_daily": 3,
                      "fact_ev_summary_daily": 2, "fact_forecast_accuracy_daily": 0}  # fmt: skip
    cov = latest_rows(wh, Fact.ODDS_COVERAGE).to_pylist()
    assert [(r["version"], r["quotes"], r["run_id"]) for r in cov] == [(2, 3, "run-3")]
    assert wh.count("fact_odds_coverage_daily") == 2  # version 1 is still there
    ev = {r["book_name_raw"]: r["max_ev"] for r in latest_rows(wh, Fact.EV_SUMMARY).to_pylist()}
    assert ev["FanDuel"] == pytest.approx(0.6 * 2.2 - 1)
