"""PNG plots: deterministic bytes, one panel per label, pixel sizes from the layout, legends
clear of the data."""

from __future__ import annotations

import datetime as dt
import struct
from pathlib import Path

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from propledger.evidence import plots

MARKETS = ("GOALS 0.5", "ASSISTS 0.5", "POINTS 0.5", "SOG 2.5", "BLOCKS 1.5")


def _bins(k: int) -> dict[str, dict[str, list[float]]]:
    return {
        m: {
            "n": [0, 10 + i, 20, 5],
            "sum_p": [0.0, 0.1 * (10 + i), 8.0, 3.5],
            "sum_y": [0.0, 1.0, 9.0, 3.0],
        }
        for i, m in enumerate(MARKETS[:k])
    }


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_reliability_diagram_is_deterministic_and_sized_by_its_panels(tmp_path: Path) -> None:
    a = plots.reliability_diagram(_bins(5), tmp_path / "a.png", "Reliability, slate 2026-04-15")
    b = plots.reliability_diagram(_bins(5), tmp_path / "b.png", "Reliability, slate 2026-04-15")
    assert a.read_bytes() == b.read_bytes()
    # 5 panels: 3 columns x 2 rows of 3.4 in + margins, at 100 dpi
    assert _png_size(a) == (1060, 750)
    two = plots.reliability_diagram(_bins(2), tmp_path / "two.png", "t")
    assert _png_size(two) == (720, 410)  # 2 columns x 1 row
    empty = plots.reliability_diagram({}, tmp_path / "empty.png", "t")
    assert _png_size(empty) == (380, 410)  # one "(no settled rows yet)" panel
    other = plots.reliability_diagram(_bins(4), tmp_path / "four.png", "t")
    assert other.read_bytes() != a.read_bytes()
    assert "Software" not in str(a.read_bytes()[:200])  # no software tag in the header


def test_time_series_plots_are_deterministic(tmp_path: Path) -> None:
    days = [dt.date(2026, 3, 27) + dt.timedelta(days=i) for i in range(5)]
    series = {"model": (days, [0.6, 0.5, None, 0.55, 0.52]), "baseline": (days, [0.6] * 5)}
    for name in ("x", "y"):
        plots.accuracy_over_time({"GOALS 0.5": series}, tmp_path / f"acc_{name}.png")
        plots.run_outcomes(days, {"SUCCESS": [1, 1, 0, 1, 1], "DEGRADED": [0, 0, 1, 0, 0]},
                           tmp_path / f"runs_{name}.png")  # fmt: skip
    for stem in ("acc", "runs"):
        assert (tmp_path / f"{stem}_x.png").read_bytes() == (
            tmp_path / f"{stem}_y.png"
        ).read_bytes()
    assert _png_size(tmp_path / "acc_x.png") == (1000, 350)


def test_legends_sit_above_the_panels_and_cover_no_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A legend inside the axes hid points of dense daily series (rolling_accuracy.png): every
    legend is drawn above its panel, beside the title, clear of the plotting area."""
    figures: list[Figure] = []
    real_save = plots._save

    def keep(fig: Figure, path: Path) -> Path:
        figures.append(fig)
        return real_save(fig, path)

    monkeypatch.setattr(plots, "_save", keep)
    days = [dt.date(2026, 3, 27) + dt.timedelta(days=i) for i in range(21)]
    wiggle = [0.4 + 0.1 * (i % 3) for i in range(21)]  # points in every corner of the panel
    series = {"model": (days, wiggle), "baseline (slate base rate)": (days, wiggle[::-1])}
    vendors = {v: (days, [1000.0 * (1 + i % 4) for i in range(21)]) for v in ("A", "B", "C")}
    plots.accuracy_over_time({m: series for m in MARKETS}, tmp_path / "acc.png")
    plots.coverage_over_time(vendors, vendors, tmp_path / "cov.png")
    plots.mapping_over_time(vendors, tmp_path / "map.png")
    plots.run_outcomes(days, {"SUCCESS": [2] * 21, "FAILED": [1] * 21}, tmp_path / "runs.png")
    legends = 0
    for fig in figures:
        renderer = FigureCanvasAgg(fig).get_renderer()
        for ax in fig.axes:
            legend = ax.get_legend()
            assert legend is not None
            box, area = legend.get_window_extent(renderer), ax.get_window_extent(renderer)
            name = ax.get_title(loc="left")
            assert box.y0 >= area.y1 - 1, (name, box, area)  # above the panel
            assert area.x0 <= box.x0 and box.x1 <= area.x1 + 1  # within its width
            title = ax._left_title.get_window_extent(renderer)  # the panels' titles are left
            assert name and title.x1 < box.x0, name  # beside the title, not over it
            legends += 1
    assert legends == 5 + 2 + 1 + 1
