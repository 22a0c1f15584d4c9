"""Benchmark: Phase 10 pure math for a full slate (no warehouse, no features SQL).

600 players × 5 markets × 6 lines (half and whole lines): μ with every multiplier
(``compute_mu``), line probabilities (one scipy call per market and quantity), the
calibrators of ASSISTS and POINTS (one isotonic, one Platt) and MARKET_POLICY. Reports the
best and median of ``--repeat`` timed runs after one warm-up run. Target: well under 2 s.

    .venv/bin/python benchmarks/bench_model.py [--players 600] [--repeat 20]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from propledger.clock import UTC
from propledger.model.calibration import CalibrationMethod, CalibratorArtifact, FitWindow, apply
from propledger.model.constants import FEATURE_COLUMNS, MARKETS, Market
from propledger.model.distributions import line_probabilities
from propledger.model.mu import compute_mu
from propledger.model.policy import apply_policy

LINES = np.array([0.5, 1.0, 1.5, 2.0, 2.5, 3.5])


def features(n: int, seed: int = 0) -> pa.Table:
    """Plausible per-player features with ~5 % missing values and ~15 % back-to-backs."""
    rng = np.random.default_rng(seed)
    scale = {"toi_L10": 17.0, "ev_toi_L20": 13.0, "pp_toi_L20": 2.0, "corsi60_L20": 14.0,
             "opp_sa60": 30.0, "opp_xga60": 2.8, "goalie_xga60": 2.7, "implied_team_total": 3.0}  # fmt: skip
    cols: dict[str, pa.Array] = {"player_id": pa.array(np.arange(n, dtype=np.int64) + 8_470_000)}
    for name in FEATURE_COLUMNS:
        value = rng.gamma(4.0, scale.get(name, 0.5) / 4.0, n)
        if name == "goalie_gsax60":
            value = rng.normal(0.0, 0.4, n)
        if name == "is_b2b":
            value = (rng.uniform(size=n) < 0.15).astype(float)
        cols[name] = pa.array(value, mask=rng.uniform(size=n) < 0.05)
    return pa.table(cols)


def calibrators() -> dict[Market, CalibratorArtifact]:
    window = FitWindow("season=2025", *[dt.date(2025, 10, 7)] * 4, (2024,), (2025,))
    created = dt.datetime(2026, 1, 14, 17, 0, tzinfo=UTC)
    grid = np.linspace(0.0, 1.0, 200)
    iso = {"x": grid.tolist(), "y": np.sqrt(grid).tolist()}
    platt = {"coef": 1.1, "intercept": -0.05}
    return {
        Market.ASSISTS: CalibratorArtifact(
            Market.ASSISTS, CalibrationMethod.ISOTONIC, iso, window, 1000, 300, {}, created
        ),
        Market.POINTS: CalibratorArtifact(
            Market.POINTS, CalibrationMethod.PLATT, platt, window, 1000, 300, {}, created
        ),
    }


def price_slate(table: pa.Table, cals: dict[Market, CalibratorArtifact]) -> int:
    """μ → probabilities → calibration → policy; returns the number of priced rows."""
    mu_table = compute_mu(table)
    mu_all = mu_table.column("mu").to_numpy()
    n = table.num_rows
    priced = 0
    for i, market in enumerate(MARKETS):
        mu = mu_all[i * n : (i + 1) * n]
        probs = line_probabilities(market, mu[:, None], LINES[None, :])
        cal = apply(cals[market], probs.over) if market in cals else None
        result = apply_policy(market, probs.over, probs.under, probs.push, cal)
        priced += result.p_over.size
    return priced


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--players", type=int, default=600)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    table, cals = features(args.players), calibrators()
    rows = price_slate(table, cals)  # warm-up: imports, scipy dispatch
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        price_slate(table, cals)
        times.append(time.perf_counter() - start)
    mu_times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        compute_mu(table)
        mu_times.append(time.perf_counter() - start)
    print(
        f"{args.players} players × {len(MARKETS)} markets × {len(LINES)} lines = {rows} priced rows"
    )
    print(
        f"full slate: best {min(times) * 1e3:.1f} ms, median {statistics.median(times) * 1e3:.1f} ms"
    )
    print(
        f"  of which μ: best {min(mu_times) * 1e3:.1f} ms, median {statistics.median(mu_times) * 1e3:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
