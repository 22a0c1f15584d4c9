"""Accuracy-only metrics, the Phase 10 gate (DESIGN section 5, frozen definitions).

Input: settled rows (pushes and voids already excluded) with ``slate_date``, ``market``,
``line``, ``prob_source``, ``p_over`` (probability of OVER, 0–1) and ``outcome_over`` (1 when
the count went over the line, else 0). Output: one row per market × line × prob_source.

Definitions (p = p_over, y = outcome_over, N rows, logs natural):

* log_loss = mean −[y·ln p + (1−y)·ln(1−p)], p clipped to [1e-15, 1 − 1e-15];
* brier = mean (p − y)²;
* base_rate r = mean y; baseline_log_loss = log loss of the constant forecast r (clipped the
  same way); log_loss_improvement = baseline − log_loss (> 0 beats the baseline) and
  log_loss_skill = improvement / baseline; baseline_brier = r(1 − r);
* ece: 10 equal-width bins [0, 0.1), …, [0.9, 1.0]; Σ_b (n_b/N)·|mean y_b − mean p_b|;
* roc_auc: Mann–Whitney with average ranks for ties (= sklearn's roc_auc_score); null when
  the rows hold one class only;
* topK_hit_rate (K = 5, 10, 20): per slate, the share of over outcomes among the K rows with
  the highest p; rows tied with the K-th value share the remaining places in proportion (the
  expected rate under a random tie-break, so the result never depends on row order); slates
  with fewer than K rows are skipped; the mean over the remaining slates (null if none);
* low_p_logloss_share: Σ log loss of rows with p < 0.01 / Σ log loss of all rows.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from scipy import stats

from propledger.errors import InputError
from propledger.files import atomic_write, write_csv
from propledger.model.constants import LOGLOSS_EPS, MARKETS, PRIMARY_LINES, Market

FloatArray = npt.NDArray[np.float64]
REQUIRED_COLUMNS: tuple[str, ...] = (
    "slate_date",
    "market",
    "line",
    "prob_source",
    "p_over",
    "outcome_over",
)
TOP_K: tuple[int, ...] = (5, 10, 20)
ECE_BINS = 10
LOW_P = 0.01


def log_loss(p: npt.ArrayLike, y: npt.ArrayLike, eps: float = LOGLOSS_EPS) -> float:
    """Mean binary log loss (nats) with p clipped to [eps, 1 − eps]."""
    return float(np.mean(_row_log_loss(np.asarray(p, np.float64), np.asarray(y, np.float64), eps)))


def _row_log_loss(p: FloatArray, y: FloatArray, eps: float) -> FloatArray:
    q = np.clip(p, eps, 1.0 - eps)
    out: FloatArray = -(y * np.log(q) + (1.0 - y) * np.log1p(-q))
    return out


def brier(p: npt.ArrayLike, y: npt.ArrayLike) -> float:
    diff = np.asarray(p, np.float64) - np.asarray(y, np.float64)
    return float(np.mean(diff * diff))


def ece(p: npt.ArrayLike, y: npt.ArrayLike, bins: int = ECE_BINS) -> float:
    """Expected calibration error over equal-width bins, weighted by bin counts."""
    pa_ = np.asarray(p, np.float64)
    ya = np.asarray(y, np.float64)
    idx = np.minimum((pa_ * bins).astype(np.int64), bins - 1)
    gap = np.bincount(idx, weights=ya, minlength=bins) - np.bincount(
        idx, weights=pa_, minlength=bins
    )
    return float(np.abs(gap).sum() / len(pa_))


def roc_auc(p: npt.ArrayLike, y: npt.ArrayLike) -> float | None:
    """Area under the ROC curve (ties count one half); None with a single class."""
    ya = np.asarray(y, np.float64)
    n_pos = float(ya.sum())
    n_neg = float(len(ya) - n_pos)
    if n_pos == 0 or n_neg == 0:
        return None
    ranks = stats.rankdata(np.asarray(p, np.float64))
    return float((ranks[ya == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def top_k_hit_rate(
    slate: npt.ArrayLike, p: npt.ArrayLike, y: npt.ArrayLike, k: int
) -> float | None:
    """Mean over slates (with ≥ k rows) of the over-rate among each slate's top-k p (ties shared)."""
    _, code = np.unique(np.asarray(slate), return_inverse=True)
    n_slates = int(code.max()) + 1 if len(code) else 0
    pa_, ya = np.asarray(p, np.float64), np.asarray(y, np.float64)
    return _top_k_rates(code.reshape(-1), n_slates, pa_, ya, (k,))[k]


def _top_k_rates(
    code: npt.NDArray[np.int64], n_slates: int, p: FloatArray, y: FloatArray, ks: Sequence[int]
) -> dict[int, float | None]:
    """top-K hit rates for several K from slate codes 0 … n_slates − 1 (one sort for all K)."""
    counts = np.bincount(code, minlength=n_slates)
    order = np.lexsort((-p, code))
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    out: dict[int, float | None] = {}
    for k in ks:
        ok = counts >= k
        if not np.any(ok):
            out[k] = None
            continue
        kth = np.full(n_slates, np.inf)
        kth[ok] = p[order[starts[ok] + k - 1]]
        cut = kth[code]
        above, tied = p > cut, p == cut
        n_above = np.bincount(code, weights=above, minlength=n_slates)
        hit_above = np.bincount(code, weights=above * y, minlength=n_slates)
        n_tied = np.bincount(code, weights=tied, minlength=n_slates)
        hit_tied = np.bincount(code, weights=tied * y, minlength=n_slates)
        share = np.divide(hit_tied, n_tied, out=np.zeros(n_slates), where=n_tied > 0)
        rate = (hit_above + (k - n_above) * share) / k
        out[k] = float(rate[ok].mean())
    return out


def low_p_logloss_share(
    p: npt.ArrayLike, y: npt.ArrayLike, threshold: float = LOW_P
) -> float | None:
    pa_ = np.asarray(p, np.float64)
    rows = _row_log_loss(pa_, np.asarray(y, np.float64), LOGLOSS_EPS)
    total = float(rows.sum())
    return None if total == 0 else float(rows[pa_ < threshold].sum() / total)


def _schema(top_k: Sequence[int]) -> pa.Schema:
    fields = [
        ("market", pa.string()), ("line", pa.float64()), ("prob_source", pa.string()),
        ("is_primary_line", pa.bool_()), ("n", pa.int64()), ("n_slates", pa.int64()),
        ("first_slate", pa.date32()), ("last_slate", pa.date32()), ("base_rate", pa.float64()),
        ("mean_p", pa.float64()), ("log_loss", pa.float64()), ("baseline_log_loss", pa.float64()),
        ("log_loss_improvement", pa.float64()), ("log_loss_skill", pa.float64()),
        ("brier", pa.float64()), ("baseline_brier", pa.float64()), ("ece", pa.float64()),
        ("roc_auc", pa.float64()),
        *[(f"top{k}_hit_rate", pa.float64()) for k in top_k],
        ("low_p_logloss_share", pa.float64()),
    ]  # fmt: skip
    return pa.schema(fields)


def _codes(column: pa.ChunkedArray) -> tuple[npt.NDArray[np.int64], list[Any]]:
    """Integer codes and their values (dictionary encoding: fast on millions of strings)."""
    encoded = pc.dictionary_encode(column).combine_chunks()
    return np.asarray(encoded.indices.to_numpy(), np.int64), encoded.dictionary.to_pylist()


def _settled_arrays(rows: pa.Table) -> dict[str, Any]:
    missing = [c for c in REQUIRED_COLUMNS if c not in rows.column_names]
    if missing:
        raise InputError(
            f"settled rows lack column(s) {', '.join(missing)}; need {', '.join(REQUIRED_COLUMNS)}"
        )
    for name in REQUIRED_COLUMNS:
        if rows.column(name).null_count:
            raise InputError(
                f"settled rows have nulls in {name}; drop pushes, voids and unsettled rows first"
            )
    slate = rows.column("slate_date")
    if not pa.types.is_date32(slate.type):
        try:
            slate = pc.cast(slate, pa.date32())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            raise InputError(
                f"slate_date of type {slate.type} is not a date; use YYYY-MM-DD dates"
            ) from None
    p = np.asarray(pc.cast(rows.column("p_over"), pa.float64()).to_numpy(), np.float64)
    y = np.asarray(pc.cast(rows.column("outcome_over"), pa.float64()).to_numpy(), np.float64)
    if np.any(~np.isfinite(p) | (p < 0) | (p > 1)):
        raise InputError("p_over must be a probability in [0, 1] on every settled row")
    if np.any((y != 0) & (y != 1)):
        raise InputError("outcome_over must be 0 or 1 (pushes and voids excluded)")
    days = np.asarray(pc.cast(slate, pa.int32()).to_numpy(), np.int64)  # days since 1970-01-01
    slate_values, slate_code = np.unique(days, return_inverse=True)
    market_code, markets = _codes(rows.column("market"))
    source_code, sources = _codes(rows.column("prob_source"))
    line = np.asarray(pc.cast(rows.column("line"), pa.float64()).to_numpy(), np.float64)
    return {
        "slate_code": slate_code.reshape(-1),
        "slate_days": slate_values,
        "market_code": market_code,
        "markets": [str(m) for m in markets],
        "source_code": source_code,
        "sources": [str(v) for v in sources],
        "line": line,
        "p": p,
        "y": y,
    }


def _group_metrics(
    slate_code: npt.NDArray[np.int64], slate_days: npt.NDArray[np.int64], p: FloatArray,
    y: FloatArray, top_k: Sequence[int],
) -> dict[str, Any]:  # fmt: skip
    n = len(p)
    rate = float(y.mean())
    ll = log_loss(p, y)
    base_ll = log_loss(np.full(n, rate), y)
    present = np.flatnonzero(np.bincount(slate_code, minlength=len(slate_days)))
    epoch = dt.date(1970, 1, 1)
    out: dict[str, Any] = {
        "n": n,
        "n_slates": len(present),
        "first_slate": epoch + dt.timedelta(days=int(slate_days[present[0]])),
        "last_slate": epoch + dt.timedelta(days=int(slate_days[present[-1]])),
        "base_rate": rate,
        "mean_p": float(p.mean()),
        "log_loss": ll,
        "baseline_log_loss": base_ll,
        "log_loss_improvement": base_ll - ll,
        "log_loss_skill": (base_ll - ll) / base_ll if base_ll > 0 else None,
        "brier": brier(p, y),
        "baseline_brier": rate * (1.0 - rate),
        "ece": ece(p, y),
        "roc_auc": roc_auc(p, y),
        "low_p_logloss_share": low_p_logloss_share(p, y),
    }
    for k, value in _top_k_rates(slate_code, len(slate_days), p, y, top_k).items():
        out[f"top{k}_hit_rate"] = value
    return out


def accuracy_metrics(rows: pa.Table, *, top_k: Sequence[int] = TOP_K) -> pa.Table:
    """The section 5 metrics per market × line × prob_source (see the module docstring)."""
    schema = _schema(top_k)
    if rows.num_rows == 0:
        return schema.empty_table()
    a = _settled_arrays(rows)
    line_values, line_code = np.unique(a["line"], return_inverse=True)
    n_lines, n_sources = len(line_values), len(a["sources"])
    combined = (a["market_code"] * n_lines + line_code.reshape(-1)) * n_sources + a["source_code"]
    order = np.argsort(combined, kind="stable")
    bounds = np.flatnonzero(np.diff(combined[order])) + 1
    groups: dict[tuple[str, float, str], npt.NDArray[np.int64]] = {}
    for idx in np.split(order, bounds):
        key = combined[idx[0]]
        market = a["markets"][key // (n_lines * n_sources)]
        line = float(line_values[(key // n_sources) % n_lines])
        groups[(market, line, a["sources"][key % n_sources])] = idx
    rank = {m.value: i for i, m in enumerate(MARKETS)}
    records = []
    for market, line, source in sorted(groups, key=lambda t: (rank.get(t[0], len(rank)), *t)):
        idx = groups[(market, line, source)]
        metrics = _group_metrics(
            a["slate_code"][idx], a["slate_days"], a["p"][idx], a["y"][idx], top_k
        )
        primary = PRIMARY_LINES.get(Market(market)) if market in rank else None
        head = {
            "market": market,
            "line": line,
            "prob_source": source,
            "is_primary_line": primary == line,
        }
        records.append(head | metrics)
    return pa.Table.from_pylist(records, schema=schema)


@dataclass(frozen=True)
class AccuracyReport:
    markdown: Path
    csv: Path


def _fmt(value: Any, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def render_accuracy_markdown(metrics: pa.Table, title: str) -> str:
    """A markdown table of the metrics (primary lines marked ``*``)."""
    ks = [
        int(c[3:-9])
        for c in metrics.column_names
        if c.startswith("top") and c.endswith("_hit_rate")
    ]
    head = ["market", "line", "source", "n", "rate", "log loss", "baseline", "improvement",
            "Brier", "ECE", "AUC", *[f"top-{k}" for k in ks], "LL share p<0.01"]  # fmt: skip
    lines = [
        f"# {title}",
        "",
        "Settled rows only (pushes and voids excluded); log loss in nats with p clipped to "
        "1e-15; improvement = baseline − model (> 0 beats the constant base rate); "
        "top-K = over-rate among each slate's K highest p, averaged over slates; "
        "`*` marks the primary line. Accuracy only: ROI never gates the model.",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for r in metrics.to_pylist():
        line = f"{r['line']:g}" + ("*" if r["is_primary_line"] else "")
        cells = [r["market"], line, r["prob_source"], str(r["n"]), _fmt(r["base_rate"], 3),
                 _fmt(r["log_loss"]), _fmt(r["baseline_log_loss"]), _fmt(r["log_loss_improvement"]),
                 _fmt(r["brier"]), _fmt(r["ece"]), _fmt(r["roc_auc"], 3),
                 *[_fmt(r[f"top{k}_hit_rate"], 3) for k in ks], _fmt(r["low_p_logloss_share"], 3)]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    if metrics.num_rows == 0:
        lines.append("")
        lines.append("No settled rows in this window.")
    return "\n".join(lines) + "\n"


def write_accuracy_report(
    metrics: pa.Table, out_dir: Path | str, title: str, *, stem: str = "accuracy"
) -> AccuracyReport:
    """Write ``<stem>.md`` and ``<stem>.csv`` into ``out_dir`` (atomically); return the paths."""
    out = Path(out_dir)
    md_path, csv_path = out / f"{stem}.md", out / f"{stem}.csv"
    atomic_write(md_path, render_accuracy_markdown(metrics, title).encode("utf-8"))
    write_csv(csv_path, metrics)
    return AccuracyReport(md_path, csv_path)


__all__ = [
    "REQUIRED_COLUMNS",
    "TOP_K",
    "AccuracyReport",
    "accuracy_metrics",
    "brier",
    "ece",
    "log_loss",
    "low_p_logloss_share",
    "render_accuracy_markdown",
    "roc_auc",
    "top_k_hit_rate",
    "write_accuracy_report",
]
