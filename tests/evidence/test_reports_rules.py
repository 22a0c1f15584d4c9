"""Anomaly rules (vs the 7-day median) and the rolling report's window arithmetic."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evworld import add, game_row
from propledger.clock import UTC
from propledger.evidence.facts import ALL_BOOKS, Fact, append_version
from propledger.evidence.facts_accuracy import reliability_bins
from propledger.evidence.registry import RegistryEvent, record
from propledger.evidence.reports.anomalies import detect_anomalies
from propledger.evidence.reports.markdown import num, signed
from propledger.evidence.reports.rolling import write_rolling_report
from propledger.evidence.reports.runinfo import RunInfo, VendorHealth
from propledger.evidence.reports.windows import (
    accuracy_window,
    binary_entropy,
    slope_per_week,
    windows,
)
from propledger.evidence.warehouse import Warehouse
from propledger.model.accuracy import accuracy_metrics

D = dt.date(2026, 1, 20)
T = dt.datetime(2026, 1, 21, 3, tzinfo=UTC)


def _day(n: int) -> dt.date:
    return D - dt.timedelta(days=n)


def _put(wh: Warehouse, fact: Fact, day: dt.date, rows: list[dict[str, Any]]) -> None:
    batch = pa.Table.from_pylist([{"slate_date": day, **r} for r in rows])
    append_version(wh, fact, day, batch, run_id=f"run-{day}", computed_utc=T)


def _mapping(vendor: str, rows: int, pct: float | None) -> dict[str, Any]:
    zero = dict.fromkeys(("rows_mapped", "rows_event_mapped", "rows_player_mapped", "rows_market_mapped",
                          "events", "events_mapped", "players", "players_mapped", "n_no_game",
                          "n_no_player", "n_ambiguous", "n_unknown_market", "n_other_reason"), 0)  # fmt: skip
    return {"vendor": vendor, "rows": rows, "pct_mapped": pct, **zero}


def _ev(market: str, mean_ev: float, fresh: int = 100, flagged: int = 0) -> dict[str, Any]:
    counts = dict.fromkeys(("quotes", "candidates", "joined", "ev_pos", "ev_ge_2pct", "selected", "best_bets",
                            "obs_settlement_rows", "obs_settled_bets"), 0)  # fmt: skip
    return {"market": market, "vendor": ALL_BOOKS, "book_name_raw": ALL_BOOKS, "snapshot_ts": T, "as_of_utc": T,
            **counts, "fresh": fresh, "flagged": flagged, "mean_ev": mean_ev}  # fmt: skip


def _accuracy(
    market: str, n: int, log_loss: float, base_rate: float = 0.3, **kw: Any
) -> dict[str, Any]:
    return {"market": market, "line": 0.5, "prob_source": "Raw", "is_primary_line": True, "settlement_rows": n,
            "n": n, "log_loss": log_loss, "base_rate": base_rate, **kw}  # fmt: skip


def _rules(found: list[Any]) -> set[tuple[str, str]]:
    return {(a.rule, a.subject) for a in found}


def test_vendor_and_mapping_rules_against_the_7_day_median(wh: Warehouse) -> None:
    add(wh, "dim_game", [game_row(slate=D)])  # a slate with a game: zero quotes is news
    for n in range(1, 6):
        _put(wh, Fact.MAPPING_QUALITY, _day(n), [
            _mapping("UNABATED", 1000, 0.95), _mapping("PLAYNOW", 50, 1.0), _mapping("ODDSSHARK", 80, 0.95),
        ])  # fmt: skip
    _put(wh, Fact.MAPPING_QUALITY, _day(9), [_mapping("KAMBI", 10, 1.0)])  # outside the 7 days
    _put(wh, Fact.MAPPING_QUALITY, D, [
        _mapping("UNABATED", 1000, 0.85),  # 10 points down: fires
        _mapping("PLAYNOW", 0, None),  # at zero: fires
        _mapping("ODDSSHARK", 80, 0.91),  # 4 points down: within the rule
        _mapping("KAMBI", 0, None),  # no quotes in the 7 days before either: silent
    ])  # fmt: skip
    found = detect_anomalies(wh, D)
    assert _rules(found) == {("mapping_rate_down", "UNABATED"), ("vendor_zero", "PLAYNOW")}
    down = next(a for a in found if a.rule == "mapping_rate_down")
    assert (down.value, down.median) == (pytest.approx(0.85), pytest.approx(0.95))
    # step 1 says a vendor failed this run: reported even with rows from earlier captures, and
    # for a vendor whose breaker opened after some responses (DEGRADED, call status circuit_open)
    for status, call in (("FAILED", "failed"), ("DEGRADED", "circuit_open")):
        health = VendorHealth(
            "ODDSSHARK",
            status,
            error_type="CircuitOpenError",
            message="5 failures",
            call_status=call,
        )
        assert ("vendor_zero", "ODDSSHARK") in _rules(
            detect_anomalies(wh, D, RunInfo("r", vendors=(health,)))
        )
    # a vendor degraded by its parse alone is not at zero (its rows are judged by the other rules)
    parse = VendorHealth("ODDSSHARK", "DEGRADED", error_type="ParseNoMatch", call_status="ok")
    assert ("vendor_zero", "ODDSSHARK") not in _rules(
        detect_anomalies(wh, D, RunInfo("r", vendors=(parse,)))
    )


def test_a_slate_without_games_has_no_vendor_at_zero(wh: Warehouse) -> None:
    for n in range(1, 6):
        _put(wh, Fact.MAPPING_QUALITY, _day(n), [_mapping("UNABATED", 1000, 0.95)])
    _put(wh, Fact.MAPPING_QUALITY, D, [_mapping("UNABATED", 0, None)])
    assert detect_anomalies(wh, D) == []
    add(wh, "dim_game", [game_row(slate=D)])
    assert _rules(detect_anomalies(wh, D)) == {("vendor_zero", "UNABATED")}


def test_rules_stay_silent_with_fewer_than_three_earlier_slates(wh: Warehouse) -> None:
    for n in (1, 2):
        _put(wh, Fact.MAPPING_QUALITY, _day(n), [_mapping("UNABATED", 1000, 0.99)])
    _put(wh, Fact.MAPPING_QUALITY, D, [_mapping("UNABATED", 1000, 0.5)])
    assert detect_anomalies(wh, D) == []


def test_ev_and_accuracy_rules(wh: Warehouse) -> None:
    for n in range(1, 5):
        _put(
            wh,
            Fact.EV_SUMMARY,
            _day(n),
            [_ev("GOALS", 0.010 + n / 1000), _ev("SOG", -0.02, flagged=1)],
        )
    _put(wh, Fact.EV_SUMMARY, D, [_ev("GOALS", 0.06), _ev("SOG", -0.03, flagged=5)])
    # accuracy: the latest settled slate (yesterday) vs the settled slates of the 7 days before it
    for n in range(2, 6):
        _put(
            wh,
            Fact.FORECAST_ACCURACY,
            _day(n),
            [_accuracy("GOALS", 400, 0.50), _accuracy("SOG", 400, 0.60)],
        )
    _put(
        wh,
        Fact.FORECAST_ACCURACY,
        _day(1),
        [_accuracy("GOALS", 400, 0.62), _accuracy("SOG", 400, 0.66)],
    )
    found = _rules(detect_anomalies(wh, D))
    # GOALS mean EV 0.06 vs median 0.0125; SOG flagged share 5 % vs 1 %; GOALS log loss 0.62 > 1.15 × 0.5
    assert found == {("mean_ev_shift", "GOALS"), ("flagged_up", "SOG"), ("log_loss_up", "GOALS")}


# ---- windows ----------------------------------------------------------------------------------
def test_window_bounds() -> None:
    (w7, p7), (w28, p28), (season, none) = windows(D)
    assert (w7.start, w7.end, p7.start, p7.end) == (_day(6), D, _day(13), _day(7))  # type: ignore[union-attr]
    assert (w28.start, p28.end) == (_day(27), _day(28))  # type: ignore[union-attr]
    assert (season.start, none) == (dt.date(2025, 7, 1), None)


def test_slope_per_week() -> None:
    assert slope_per_week([(_day(2), 1.0), (_day(1), 2.0), (D, 3.0)]) == pytest.approx(7.0)
    assert slope_per_week([(_day(1), 1.0), (D, 3.0)]) is None


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(5, 60), min_size=1, max_size=4), st.integers(0, 2**31 - 1))
def test_window_accuracy_equals_the_pooled_metrics(sizes: list[int], seed: int) -> None:
    rng = np.random.default_rng(seed)
    slates, daily = [], []
    for i, n in enumerate(sizes):
        p = rng.uniform(0.01, 0.99, n)
        y = (rng.uniform(size=n) < p).astype(np.int64)
        day = _day(i)
        table = pa.table({"slate_date": [day] * n, "market": ["GOALS"] * n, "line": [0.5] * n,
                          "prob_source": ["Raw"] * n, "p_over": p, "outcome_over": y})  # fmt: skip
        slates.append(table)
        row = accuracy_metrics(table).to_pylist()[0]
        daily.append(
            row
            | {"slate_date": day, "reliability": json.dumps(reliability_bins(p, y.astype(float)))}
        )
    pooled = accuracy_metrics(pa.concat_tables(slates)).to_pylist()[0]
    window = accuracy_window(daily)
    assert window["n"] == pooled["n"]
    # stored bin sums are rounded to 9 decimals, hence the absolute tolerance
    for key in ("log_loss", "brier", "base_rate", "baseline_log_loss", "ece"):
        assert window[key] == pytest.approx(pooled[key], rel=1e-9, abs=1e-8), key


def test_binary_entropy_is_the_constant_forecast_log_loss() -> None:
    assert binary_entropy(0.5) == pytest.approx(math.log(2))
    assert binary_entropy(0.0) == pytest.approx(0.0, abs=1e-12)


# ---- the rolling report -----------------------------------------------------------------------
def _row(text: str, *cells: str) -> list[str]:
    prefix = "| " + " | ".join(cells) + " |"
    lines = [line for line in text.splitlines() if line.startswith(prefix)]
    assert len(lines) == 1, (prefix, lines)
    return [c.strip() for c in lines[0].strip("|").split("|")]


def test_rolling_report_numbers(wh: Warehouse, tmp_path: Any) -> None:
    # 7 days: n 100 at 0.5 and n 300 at 0.7 → 0.65; base rates 0.2 and 0.4 → 0.35
    _put(
        wh,
        Fact.FORECAST_ACCURACY,
        _day(1),
        [_accuracy("GOALS", 100, 0.5, base_rate=0.2, brier=0.1)],
    )
    _put(wh, Fact.FORECAST_ACCURACY, D, [_accuracy("GOALS", 300, 0.7, base_rate=0.4, brier=0.2)])
    _put(
        wh,
        Fact.FORECAST_ACCURACY,
        _day(10),
        [  # priced Raw and Calibrated (calibration switched off part of the day): pooled
            _accuracy("GOALS", 200, 0.6, base_rate=0.5, brier=0.25),
            _accuracy("GOALS", 100, 0.6, base_rate=0.5, brier=0.25) | {"prob_source": "Calibrated"},
        ],
    )
    # runs: a failed then a successful run of yesterday, a degraded one today, one abandoned
    runs = [
        ("a", _day(1), "FAILED", 0),
        ("b", _day(1), "SUCCESS", 1),
        ("c", D, "DEGRADED", 2),
        ("d", _day(3), "ABANDONED", 3),
    ]
    for run_id, day, status, hour in runs:
        at = T + dt.timedelta(hours=hour)
        record(wh, RegistryEvent(run_id=run_id, step="run", event="start", status="RUNNING", recorded_utc=at,
                                 started_utc=at, slate_date=day),
               RegistryEvent(run_id=run_id, step="run", event="end", status=status,
                             recorded_utc=at + dt.timedelta(minutes=5), slate_date=day))  # fmt: skip
    text = write_rolling_report(wh, tmp_path, through=D).text
    cells = _row(text, "GOALS", "7 days")
    base = binary_entropy(0.35)
    assert cells[2:8] == ["2", "400", "0.6500", f"{base:.4f}", f"{base - 0.65:+.4f}",
                          f"{base - 0.65 - (binary_entropy(0.5) - 0.6):+.4f}"]  # fmt: skip
    assert cells[9] == f"{(100 * 0.1 + 300 * 0.2) / 400:.4f}"
    assert _row(text, "GOALS", "28 days")[2:4] == ["3", "700"]
    # runs: all / latest per slate
    assert _row(text, "7 days")[1:8] == ["4", "3", "1 / 1", "1 / 1", "1 / 0", "1 / 1", "0 / 0"]


def test_rolling_report_counts_read_like_the_other_tables(wh: Warehouse, tmp_path: Any) -> None:
    """Means of counts print with thousands separators, as counts do elsewhere (1,210 not 1210)."""
    for n, rows in ((1, 1200), (0, 1220)):  # the 7 days average 1,210 quote rows a slate
        add(wh, "dim_game", [game_row(game_id=n + 1, slate=_day(n))])
        _put(wh, Fact.MAPPING_QUALITY, _day(n), [_mapping("UNABATED", rows, 0.95)])
        _put(wh, Fact.EV_SUMMARY, _day(n), [_ev("GOALS", 0.01, fresh=1210) | {"quotes": 2500}])
    _put(wh, Fact.MAPPING_QUALITY, _day(8), [_mapping("UNABATED", 10, 0.95)])  # the window before
    add(wh, "dim_game", [game_row(game_id=9, slate=_day(8))])
    text = write_rolling_report(wh, tmp_path, through=D).text
    assert _row(text, "UNABATED", "7 days")[2:5] == ["2", "1,210", "+1,200"]
    assert _row(text, "GOALS", "7 days")[2:5] == ["2", "2,500", "1,210"]


def test_number_formats() -> None:
    assert [num(1210), num(1210.0, 0), num(1234.5678), num(0.5), num(None)] == [
        "1,210", "1,210", "1,234.568", "0.500", "–",
    ]  # fmt: skip
    assert [signed(1200.0, 0), signed(-0.0004), signed(-1234.5, 1)] == [
        "+1,200",
        "+0.000",
        "-1,234.5",
    ]
