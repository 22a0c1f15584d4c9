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
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from scipy import stats

from propledger.errors import InputError
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
    pa_ = np.asarray(p, np.float64)
    ya = np.asarray(y, np.float64)
    n_slates = int(code.max()) + 1 if len(code) else 0
    counts = np.bincount(code, minlength=n_slates)
    order = np.lexsort((-pa_, code))
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    ok = counts >= k
    if not np.any(ok):
        return None
    kth = np.full(n_slates, np.inf)
    kth[ok] = pa_[order[starts[ok] + k - 1]]
    cut = kth[code]
    above = pa_ > cut
    tied = pa_ == cut
    n_above = np.bincount(code, weights=above, minlength=n_slates)
    hit_above = np.bincount(code, weights=above * ya, minlength=n_slates)
    n_tied = np.bincount(code, weights=tied, minlength=n_slates)
    hit_tied = np.bincount(code, weights=tied * ya, minlength=n_slates)
    share = np.divide(hit_tied, n_tied, out=np.zeros(n_slates), where=n_tied > 0)
    rate = (hit_above + (k - n_above) * share) / k
    return float(rate[ok].mean())


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
    return {
        "slate": np.asarray(slate.to_numpy(), dtype="datetime64[D]"),
        "market": np.asarray(rows.column("market").to_numpy(zero_copy_only=False), dtype=str),
        "line": np.asarray(pc.cast(rows.column("line"), pa.float64()).to_numpy(), np.float64),
        "source": np.asarray(rows.column("prob_source").to_numpy(zero_copy_only=False), dtype=str),
        "p": p,
        "y": y,
    }


def _group_metrics(
    slate: Any, p: FloatArray, y: FloatArray, top_k: Sequence[int]
) -> dict[str, Any]:
    n = len(p)
    rate = float(y.mean())
    ll = log_loss(p, y)
    base_ll = log_loss(np.full(n, rate), y)
    out: dict[str, Any] = {
        "n": n,
        "n_slates": len(np.unique(slate)),
        "first_slate": dt.date.fromisoformat(str(slate.min())),
        "last_slate": dt.date.fromisoformat(str(slate.max())),
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
    for k in top_k:
        out[f"top{k}_hit_rate"] = top_k_hit_rate(slate, p, y, k)
    return out


def accuracy_metrics(rows: pa.Table, *, top_k: Sequence[int] = TOP_K) -> pa.Table:
    """The section 5 metrics per market × line × prob_source (see the module docstring)."""
    schema = _schema(top_k)
    if rows.num_rows == 0:
        return schema.empty_table()
    a = _settled_arrays(rows)
    rank = {m.value: i for i, m in enumerate(MARKETS)}
    keys = sorted(
        set(zip(a["market"].tolist(), a["line"].tolist(), a["source"].tolist(), strict=True)),
        key=lambda t: (rank.get(t[0], len(rank)), t[0], t[1], t[2]),
    )
    _, market_code = np.unique(a["market"], return_inverse=True)
    _, line_code = np.unique(a["line"], return_inverse=True)
    _, source_code = np.unique(a["source"], return_inverse=True)
    combined = (market_code * (line_code.max() + 1) + line_code) * (
        source_code.max() + 1
    ) + source_code
    order = np.argsort(combined, kind="stable")
    bounds = np.flatnonzero(np.diff(combined[order])) + 1
    groups = {}
    for idx in np.split(order, bounds):
        first = idx[0]
        groups[(str(a["market"][first]), float(a["line"][first]), str(a["source"][first]))] = idx
    records = []
    for market, line, source in keys:
        idx = groups[(market, line, source)]
        metrics = _group_metrics(a["slate"][idx], a["p"][idx], a["y"][idx], top_k)
        primary = PRIMARY_LINES.get(Market(market)) if market in rank else None
        records.append(
            {
                "market": market,
                "line": line,
                "prob_source": source,
                "is_primary_line": primary == line,
            }
            | metrics
        )
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


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
    _atomic_write(md_path, render_accuracy_markdown(metrics, title).encode("utf-8"))
    sink = pa.BufferOutputStream()
    pacsv.write_csv(metrics, sink)
    _atomic_write(csv_path, sink.getvalue().to_pybytes())
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
