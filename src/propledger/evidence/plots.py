"""PNG plots of the monitoring reports (matplotlib's Agg canvas, no pyplot global state).

Every function takes plain series (already aggregated from the facts), writes one PNG
atomically and returns its path. No timestamps or software tags go into the files, and the
inputs are sorted, so the same data draws the same picture. Dates are slate dates
(America/New_York); probabilities and rates are 0–1.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from propledger.evidence.reports.markdown import atomic_write

DPI = 100
#: Status colours of run outcomes (colour-blind friendly).
STATUS_COLORS: dict[str, str] = {
    "SUCCESS": "#1b9e77",
    "DEGRADED": "#e6ab02",
    "FAILED": "#d95f02",
    "ABANDONED": "#7570b3",
    "RUNNING": "#999999",
}
Series = Mapping[str, tuple[Sequence[dt.date], Sequence[float | None]]]


def _save(fig: Figure, path: Path) -> Path:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return atomic_write(path, buf.getvalue())


def _dates(ax: Axes, days: Sequence[dt.date]) -> None:
    # pad by a day: one slate alone would make the date locator tick every few minutes
    ax.set_xlim(min(days) - dt.timedelta(days=1), max(days) + dt.timedelta(days=1))  # type: ignore[arg-type]
    locator = AutoDateLocator(minticks=3, maxticks=8)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    ax.grid(True, alpha=0.3)


def _empty(ax: Axes, text: str = "no data yet") -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="#666666")
    ax.set_xticks([])
    ax.set_yticks([])


def _lines(ax: Axes, series: Series, *, ylabel: str, percent: bool = False) -> None:
    seen: list[dt.date] = []
    for label in sorted(series):
        days, values = series[label]
        points = [(d, v) for d, v in zip(days, values, strict=True) if v is not None]
        if not points:
            continue
        xs, ys = zip(*sorted(points), strict=True)
        ax.plot(xs, [100 * y for y in ys] if percent else ys, marker="o", markersize=3, label=label)
        seen += xs
    if not seen:
        _empty(ax)
        return
    ax.set_ylabel(ylabel)
    _dates(ax, seen)
    ax.legend(fontsize=8, loc="best")


def accuracy_over_time(
    per_market: Mapping[str, Mapping[str, tuple[Sequence[dt.date], Sequence[float | None]]]],
    path: Path,
) -> Path:
    """One panel per market: log loss of the model and of the constant base-rate baseline per
    slate (primary line). ``per_market[market] = {"model": (days, values), "baseline": …}``."""
    markets = list(per_market) or ["(none)"]
    fig = Figure(figsize=(10, max(3.5, 2.2 * len(markets) + 0.6)))
    axes = fig.subplots(len(markets), 1, sharex=True, squeeze=False)[:, 0]
    for ax, market in zip(axes, markets, strict=True):
        ax.set_title(
            f"{market}: log loss per settled slate (lower is better)", fontsize=10, loc="left"
        )
        _lines(ax, per_market.get(market, {}), ylabel="log loss (nats)")
    fig.tight_layout()
    return _save(fig, path)


def reliability_diagram(bins: Mapping[str, Mapping[str, Any]], path: Path, title: str) -> Path:
    """Observed over-rate vs mean forecast per probability bin, one line per label (market),
    from ``{"n": [...], "sum_p": [...], "sum_y": [...]}``; point size grows with the count."""
    fig = Figure(figsize=(6.5, 6.2))
    ax = fig.subplots()
    ax.plot(
        [0, 1], [0, 1], linestyle="--", color="#888888", linewidth=1, label="perfect calibration"
    )
    drawn = False
    for label in sorted(bins):
        b = bins[label]
        pts = [
            (sp / n, sy / n, n)
            for n, sp, sy in zip(b["n"], b["sum_p"], b["sum_y"], strict=True)
            if n > 0
        ]
        if not pts:
            continue
        xs, ys, ns = zip(*pts, strict=True)
        total = sum(ns)
        ax.plot(xs, ys, marker="o", markersize=0, linewidth=1.2, label=f"{label} (n={total:,})")
        ax.scatter(xs, ys, s=[12 + 120 * n / total for n in ns], alpha=0.7)
        drawn = True
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    ax.set_xlabel("mean forecast P(over) in bin")
    ax.set_ylabel("observed over rate")
    ax.set_title(title, fontsize=10)
    ax.grid(True, alpha=0.3)
    if not drawn:
        ax.text(0.5, 0.55, "no settled rows yet", ha="center", color="#666666")
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return _save(fig, path)


def coverage_over_time(quotes: Series, games_share: Series, path: Path) -> Path:
    """Two panels: quote rows per vendor per slate, and the share of scheduled games quoted."""
    fig = Figure(figsize=(10, 6.4))
    top, bottom = fig.subplots(2, 1, sharex=True)
    top.set_title("Quote rows per slate (every capture)", fontsize=10, loc="left")
    _lines(top, quotes, ylabel="rows")
    bottom.set_title("Scheduled games with odds", fontsize=10, loc="left")
    _lines(bottom, games_share, ylabel="% of games", percent=True)
    fig.tight_layout()
    return _save(fig, path)


def mapping_over_time(mapped: Series, path: Path) -> Path:
    """Share of each vendor's quote rows mapped to an NHL game and player, per slate."""
    fig = Figure(figsize=(10, 3.8))
    ax = fig.subplots()
    ax.set_title("Quote rows mapped (game and player)", fontsize=10, loc="left")
    _lines(ax, mapped, ylabel="% mapped", percent=True)
    fig.tight_layout()
    return _save(fig, path)


def run_outcomes(days: Sequence[dt.date], counts: Mapping[str, Sequence[int]], path: Path) -> Path:
    """Stacked bars: runs per slate by final status (SUCCESS, DEGRADED, FAILED, ABANDONED)."""
    fig = Figure(figsize=(10, 3.6))
    ax = fig.subplots()
    ax.set_title("Runs per slate by status", fontsize=10, loc="left")
    if not days:
        _empty(ax)
    else:
        xs: Any = list(days)  # matplotlib plots dates; its stubs only know numbers
        bottom = [0] * len(days)
        for status in [s for s in STATUS_COLORS if s in counts] + sorted(
            set(counts) - set(STATUS_COLORS)
        ):
            values = list(counts[status])
            if not any(values):
                continue
            ax.bar(
                xs,
                values,
                bottom=bottom,
                color=STATUS_COLORS.get(status, "#444444"),
                label=status,
                width=0.8,
            )
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        ax.set_ylabel("runs")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        _dates(ax, days)
        ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return _save(fig, path)


__all__ = [
    "STATUS_COLORS",
    "accuracy_over_time",
    "coverage_over_time",
    "mapping_over_time",
    "reliability_diagram",
    "run_outcomes",
]
