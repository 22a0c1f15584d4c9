"""Synthetic settled snapshot rows for the calibration tests (shared by the fit and store tests)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pyarrow as pa
from scipy.special import expit, logit

Truth = Callable[[np.ndarray], np.ndarray]


def logistic_truth(p: np.ndarray) -> np.ndarray:
    return expit(1.4 * logit(p) - 0.3)


def step_truth(p: np.ndarray) -> np.ndarray:
    return np.where(p < 0.35, 0.05, 0.8)


def settled(n_per_day: int = 40, truth: Truth = logistic_truth, seed: int = 1) -> pa.Table:
    """Two seasons of ASSISTS and POINTS rows: 2024-25 (Oct–Mar) and 2025-26 (Oct–Dec)."""
    rng = np.random.default_rng(seed)
    days = [dt.date(2024, 10, 10) + dt.timedelta(days=3 * i) for i in range(55)]
    days += [dt.date(2025, 10, 8) + dt.timedelta(days=3 * i) for i in range(25)]
    parts = []
    for market in ("ASSISTS", "POINTS", "GOALS"):
        for line in (0.5, 1.5):
            n = len(days) * n_per_day
            p = rng.uniform(0.05, 0.9, n)
            y = (rng.uniform(size=n) < truth(p)).astype(float)
            y[rng.uniform(size=n) < 0.02] = np.nan  # unsettled rows are ignored
            parts.append(
                pa.table(
                    {
                        "slate_date": pa.array(np.repeat(days, n_per_day), pa.date32()),
                        "market": [market] * n,
                        "line": [line] * n,
                        "p_over_raw": p,
                        "outcome_over": pa.array(y, from_pandas=True),
                    }
                )
            )
    return pa.concat_tables(parts)
