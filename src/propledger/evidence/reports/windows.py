"""Windows of the rolling report and the arithmetic that aggregates daily facts over them.

Windows end on the report's slate T (inclusive): ``7d`` = [T − 6, T], ``28d`` = [T − 27, T],
``season`` = [1 July of T's season, T]; ``7d`` and ``28d`` have a previous window of the same
length just before (the delta). A slate counts once, with the latest version of its facts.

Accuracy over a window is exact where the daily facts allow it: n-weighted log loss, Brier and
base rate; the baseline is the log loss of the window's own base rate (binary entropy); ECE
and the reliability diagram from the summed bins. AUC is the n-weighted mean of the slates'
AUCs (AUC does not add up). A trend is the least-squares slope of the per-slate values,
expressed per 7 days (at least 3 slates).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from propledger.history.seasons import season_of
from propledger.model.constants import LOGLOSS_EPS


@dataclass(frozen=True)
class Window:
    label: str
    start: dt.date
    end: dt.date

    def holds(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def windows(through: dt.date) -> tuple[tuple[Window, Window | None], ...]:
    """(window, previous window or None) for 7 days, 28 days and the season."""
    out: list[tuple[Window, Window | None]] = []
    for days in (7, 28):
        cur = Window(f"{days} days", through - dt.timedelta(days=days - 1), through)
        prev = Window(
            f"previous {days}",
            cur.start - dt.timedelta(days=days),
            cur.start - dt.timedelta(days=1),
        )
        out.append((cur, prev))
    out.append((Window("season", dt.date(season_of(through), 7, 1), through), None))
    return tuple(out)


def binary_entropy(rate: float) -> float:
    """Log loss (nats) of the constant forecast ``rate`` on rows whose over-rate is ``rate``."""
    r = min(max(rate, LOGLOSS_EPS), 1 - LOGLOSS_EPS)
    return -(rate * math.log(r) + (1 - rate) * math.log1p(-r))


def sum_bins(items: Iterable[str | Mapping[str, Any] | None]) -> dict[str, Any] | None:
    """Add reliability bins (JSON text or dicts) element-wise; None when there are none."""
    total: dict[str, Any] | None = None
    for item in items:
        if item is None:
            continue
        b = json.loads(item) if isinstance(item, str) else dict(item)
        if total is None:
            total = {
                "bins": b["bins"],
                "n": list(b["n"]),
                "sum_p": list(b["sum_p"]),
                "sum_y": list(b["sum_y"]),
            }
            continue
        for k in ("n", "sum_p", "sum_y"):
            total[k] = [a + c for a, c in zip(total[k], b[k], strict=True)]
    return total


def accuracy_window(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Aggregate daily accuracy rows (one market, one line) of a window (see the module doc)."""
    rows = [r for r in rows if r["n"]]
    n = sum(int(r["n"]) for r in rows)
    if n == 0:
        return {"slates": 0, "n": 0}

    def wmean(key: str) -> float | None:
        pairs = [(int(r["n"]), float(r[key])) for r in rows if r[key] is not None]
        weight = sum(w for w, _ in pairs)
        return sum(w * v for w, v in pairs) / weight if weight else None

    rate = wmean("base_rate") or 0.0
    ll = wmean("log_loss")
    base = binary_entropy(rate)
    bins = sum_bins(r.get("reliability") for r in rows)
    ece = (
        (sum(abs(y - p) for p, y in zip(bins["sum_p"], bins["sum_y"], strict=True)) / n)
        if bins
        else None
    )
    return {
        "slates": len({r["slate_date"] for r in rows}),
        "n": n,
        "base_rate": rate,
        "log_loss": ll,
        "baseline_log_loss": base,
        "log_loss_improvement": None if ll is None else base - ll,
        "brier": wmean("brier"),
        "ece": ece,
        "roc_auc": wmean("roc_auc"),
        "bins": bins,
    }


def slope_per_week(points: Iterable[tuple[dt.date, float | None]]) -> float | None:
    """Least-squares slope of value vs date, per 7 days; None with fewer than 3 points."""
    pts = sorted((d, v) for d, v in points if v is not None and math.isfinite(v))
    if len(pts) < 3 or pts[0][0] == pts[-1][0]:
        return None
    x = np.array([(d - pts[0][0]).days for d, _ in pts], np.float64)
    y = np.array([v for _, v in pts], np.float64)
    return float(np.polyfit(x, y, 1)[0] * 7.0)


def mean_of(rows: Sequence[Mapping[str, Any]], key: str) -> float | None:
    """Mean of a per-slate value over the window's slates (missing values skipped)."""
    values = [float(r[key]) for r in rows if r.get(key) is not None]
    return sum(values) / len(values) if values else None


def weighted(rows: Sequence[Mapping[str, Any]], key: str, weight: str) -> float | None:
    """Σ weight·value / Σ weight over rows with both present and weight > 0."""
    pairs = [
        (float(r[weight]), float(r[key])) for r in rows if r.get(key) is not None and r.get(weight)
    ]
    total = sum(w for w, _ in pairs)
    return sum(w * v for w, v in pairs) / total if total else None


def delta(current: float | None, previous: float | None) -> float | None:
    return None if current is None or previous is None else current - previous


__all__ = [
    "Window",
    "accuracy_window",
    "binary_entropy",
    "delta",
    "mean_of",
    "slope_per_week",
    "sum_bins",
    "weighted",
    "windows",
]
