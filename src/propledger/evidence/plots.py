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

from propledger.files import atomic_write

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
#: panel titles at an explicit height: matplotlib otherwise measures every tick label of the
#: axes to lift a title over top tick labels, and no panel here has any
_TITLE: dict[str, Any] = {"fontsize": 10, "loc": "left", "y": 1.0}
#: probability axes (fixed, so no tick locator runs per panel)
_UNIT_TICKS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


def _layout(
    fig: Figure,
    *,
    left: float = 0.8,
    right: float = 0.2,
    top: float = 0.45,
    bottom: float = 0.6,
    hspace: float = 0.5,
    wspace: float = 0.25,
) -> None:
    """Fixed margins in inches (tight_layout costs a full extra draw, and a second per plot)."""
    width, height = fig.get_size_inches()
    fig.subplots_adjust(left=left / width, right=1 - right / width, top=1 - top / height,
                        bottom=bottom / height, hspace=hspace, wspace=wspace)  # fmt: skip


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


def _legend(ax: Axes) -> None:
    """The legend in one row above the panel's top right corner, level with its left-aligned
    title: inside the axes it covered data points (``loc="best"`` finds no empty corner in a
    dense daily series), and a fixed place also skips best's search over every point."""
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles, labels, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=len(labels),
              fontsize=8, frameon=False, borderaxespad=0.1, handlelength=1.8)  # fmt: skip


def _empty(ax: Axes, text: str = "no data yet") -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="#666666")
    ax.set_xticks([])
    ax.set_yticks([])


#: Per-label line styles (labels not listed get the default colour cycle).
STYLES: dict[str, dict[str, Any]] = {
    "model": {"color": "#d95f02", "linewidth": 2.0, "marker": "o", "markersize": 4},
    "baseline": {
        "color": "#666666",
        "linewidth": 1.2,
        "linestyle": "--",
        "marker": "o",
        "markersize": 2,
    },
}


def _lines(ax: Axes, series: Series, *, ylabel: str, percent: bool = False) -> None:
    seen: list[dt.date] = []
    for label in sorted(series, key=lambda k: (k not in STYLES, k)):
        days, values = series[label]
        points = [(d, v) for d, v in zip(days, values, strict=True) if v is not None]
        if not points:
            continue
        xs, ys = zip(*sorted(points), strict=True)
        style = STYLES.get(label.split(" ")[0], {"marker": "o", "markersize": 3})
        ax.plot(xs, [100 * y for y in ys] if percent else ys, label=label, **style)
        seen += xs
    if not seen:
        _empty(ax)
        return
    ax.set_ylabel(ylabel)
    _dates(ax, seen)
    _legend(ax)


def accuracy_over_time(
    per_market: Mapping[str, Mapping[str, tuple[Sequence[dt.date], Sequence[float | None]]]],
    path: Path,
) -> Path:
    """One panel per market (in the given order): log loss of the model and of the constant
    base-rate baseline per slate. ``per_market["GOALS 0.5"] = {"model": (days, values),
    "baseline …": (days, values)}``; labels starting with ``model``/``baseline`` get fixed styles."""
    markets = list(per_market) or ["(none)"]
    fig = Figure(figsize=(10, max(3.5, 2.2 * len(markets) + 0.6)))
    axes = fig.subplots(len(markets), 1, sharex=True, squeeze=False)[:, 0]
    for ax, market in zip(axes, markets, strict=True):
        ax.set_title(f"{market}: log loss per settled slate (lower is better)", **_TITLE)
        _lines(ax, per_market.get(market, {}), ylabel="log loss (nats)")
    _layout(fig)
    return _save(fig, path)


def reliability_diagram(bins: Mapping[str, Mapping[str, Any]], path: Path, title: str) -> Path:
    """One small panel per label (market, in the given order): observed over-rate vs mean
    forecast per probability bin from ``{"n": [...], "sum_p": [...], "sum_y": [...]}``, with the
    diagonal of perfect calibration; marker area grows with the bin's count."""
    labels = list(bins) or ["(no settled rows yet)"]
    cols = min(3, len(labels))
    rows = (len(labels) + cols - 1) // cols
    fig = Figure(figsize=(3.4 * cols + 0.4, 3.4 * rows + 0.7))
    grid = fig.add_gridspec(rows, cols)
    fig.suptitle(title, fontsize=11)
    for i, label in enumerate(labels):
        # only the panels drawn are created (an axes costs tens of ms to build and draw)
        ax = fig.add_subplot(grid[i // cols, i % cols])
        b = bins.get(label)
        pts = [] if b is None else [
            (sp / n, sy / n, n) for n, sp, sy in zip(b["n"], b["sum_p"], b["sum_y"], strict=True) if n > 0
        ]  # fmt: skip
        ax.plot([0, 1], [0, 1], linestyle="--", color="#888888", linewidth=1)
        total = sum(n for _, _, n in pts)
        if pts:
            xs, ys, ns = zip(*pts, strict=True)
            ax.plot(xs, ys, color="#1b9e77", linewidth=1.2)
            ax.scatter(
                xs, ys, s=[10 + 150 * n / total for n in ns], color="#1b9e77", alpha=0.8, zorder=3
            )
        else:
            ax.text(0.5, 0.55, "no settled rows", ha="center", color="#666666")
        ax.set_title(f"{label} (n={total:,})", fontsize=9, y=1.0)  # y: see _TITLE
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_xticks(_UNIT_TICKS)
        ax.set_yticks(_UNIT_TICKS)
        ax.set_aspect("equal")
        ax.grid(True, alpha=0.3)
        ax.tick_params(labelsize=8)
        if i % cols == 0:
            ax.set_ylabel("observed over rate", fontsize=8)
        if i >= len(labels) - cols:
            ax.set_xlabel("mean forecast P(over)", fontsize=8)
    _layout(fig, left=0.7, top=0.75, bottom=0.55, hspace=0.35, wspace=0.3)
    return _save(fig, path)


def coverage_over_time(quotes: Series, games_share: Series, path: Path) -> Path:
    """Two panels: quote rows per vendor per slate, and the share of scheduled games quoted."""
    fig = Figure(figsize=(10, 6.4))
    top, bottom = fig.subplots(2, 1, sharex=True)
    top.set_title("Quote rows per slate (every capture)", **_TITLE)
    _lines(top, quotes, ylabel="rows")
    bottom.set_title("Scheduled games with odds", **_TITLE)
    _lines(bottom, games_share, ylabel="% of games", percent=True)
    _layout(fig)
    return _save(fig, path)


def mapping_over_time(mapped: Series, path: Path) -> Path:
    """Share of each vendor's quote rows mapped to an NHL game and player, per slate."""
    fig = Figure(figsize=(10, 3.8))
    ax = fig.subplots()
    ax.set_title("Quote rows mapped (game and player)", **_TITLE)
    _lines(ax, mapped, ylabel="% mapped", percent=True)
    _layout(fig)
    return _save(fig, path)


def run_outcomes(days: Sequence[dt.date], counts: Mapping[str, Sequence[int]], path: Path) -> Path:
    """Stacked bars: runs per slate by final status (SUCCESS, DEGRADED, FAILED, ABANDONED)."""
    fig = Figure(figsize=(10, 3.6))
    ax = fig.subplots()
    ax.set_title("Runs per slate by status", **_TITLE)
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
        _legend(ax)
    _layout(fig)
    return _save(fig, path)


__all__ = [
    "STATUS_COLORS",
    "accuracy_over_time",
    "coverage_over_time",
    "mapping_over_time",
    "reliability_diagram",
    "run_outcomes",
]
