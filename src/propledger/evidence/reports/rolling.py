"""``outputs/monitoring/rolling_report.md``: 7-day, 28-day and season evidence with deltas,
trends and PNG plots next to it (``rolling_*.png``, linked from the report).

Everything is computed over **distinct slates**: each slate contributes the latest version of
its facts (the ``v_*_latest`` views), i.e. its latest run, however often it was re-run; run
outcomes count every run and the latest run per slate. Window arithmetic: :mod:`.windows`.
ROI and CLV appear only in the observational section. Deterministic given the warehouse.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from propledger.evidence import plots
from propledger.evidence.facts import ALL_BOOKS, Fact
from propledger.evidence.reports.markdown import CREDIT, num, pct, signed, table
from propledger.evidence.reports.windows import (
    Window,
    accuracy_window,
    delta,
    mean_of,
    slope_per_week,
    sum_bins,
    weighted,
    windows,
)
from propledger.evidence.warehouse import Warehouse
from propledger.files import atomic_write
from propledger.model.constants import MARKETS

REPORT_NAME = "rolling_report.md"
OBSERVATIONAL_TITLE = "## Observational: ROI and CLV (measured, never used to select or gate)"
_ORDER = {m.value: i for i, m in enumerate(MARKETS)}


@dataclass(frozen=True)
class RollingReport:
    path: Path
    text: str
    plots: tuple[Path, ...]
    through: dt.date | None


def latest_fact_slate(wh: Warehouse) -> dt.date | None:
    """The most recent slate with any daily fact."""
    union = " UNION ALL ".join(f"SELECT max(slate_date) AS d FROM {f.value}" for f in Fact)
    value = wh.scalar(f"SELECT max(d) FROM ({union})")
    return value if isinstance(value, dt.date) else None


def _fetch(wh: Warehouse, sql: str, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = wh.arrow(sql, [start, end]).to_pylist()
    return rows


def _by(rows: Sequence[dict[str, Any]], key: str) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(str(r[key]), []).append(r)
    return out


def _in(rows: Sequence[dict[str, Any]], w: Window | None) -> list[dict[str, Any]]:
    return [] if w is None else [r for r in rows if w.holds(r["slate_date"])]


def _market_sort(names: Mapping[str, Any]) -> list[str]:
    return sorted(names, key=lambda m: (_ORDER.get(m, len(_ORDER)), m))


# ---- sections -------------------------------------------------------------------------------
def _accuracy(rows: list[dict[str, Any]], through: dt.date) -> list[str]:
    out = ["## Accuracy per market (primary line)", ""]
    if not rows:
        return [*out, "No settled slates yet.", ""]
    body = []
    for market, mrows in ((m, _by(rows, "market")[m]) for m in _market_sort(_by(rows, "market"))):
        for cur, prev in windows(through):
            a, b = accuracy_window(_in(mrows, cur)), accuracy_window(_in(mrows, prev))
            if not a["n"]:
                continue
            trend = slope_per_week(
                (r["slate_date"], r["log_loss_improvement"]) for r in _in(mrows, cur)
            )
            body.append([
                market, cur.label, num(a["slates"]), num(a["n"]), num(a["log_loss"], 4),
                num(a["baseline_log_loss"], 4), signed(a["log_loss_improvement"], 4),
                signed(delta(a["log_loss_improvement"], b.get("log_loss_improvement")), 4),
                signed(trend, 4), num(a["brier"], 4), num(a["ece"], 4), num(a["roc_auc"]),
            ])  # fmt: skip
    head = [
        "market",
        "window",
        "slates",
        "n",
        "log loss",
        "baseline",
        "improvement",
        "Δ vs previous",
        "trend / week",
        "Brier",
        "ECE",
        "mean AUC",
    ]
    out += [table(head, body, "llrrrrrrrrrr"), "",
            "_Improvement = baseline − model log loss (nats; > 0 beats the window's constant base "
            "rate). Δ: this window minus the previous window of the same length. Trend: slope of "
            "the per-slate improvement._", ""]  # fmt: skip
    return out


def _coverage(cov: list[dict[str, Any]], maps: list[dict[str, Any]], through: dt.date) -> list[str]:
    out = ["## Coverage and mapping per vendor", ""]
    if not maps:
        return [*out, "No odds facts yet.", ""]
    cov_by, body = _by(cov, "vendor"), []
    for vendor, mrows in sorted(_by(maps, "vendor").items()):
        crows = cov_by.get(vendor, [])
        for cur, prev in windows(through):
            m_cur, m_prev, c_cur = _in(mrows, cur), _in(mrows, prev), _in(crows, cur)
            if not m_cur:
                continue
            quotes, quotes_prev = mean_of(m_cur, "rows"), mean_of(m_prev, "rows")
            mapped = weighted(m_cur, "pct_mapped", "rows")
            moved = delta(mapped, weighted(m_prev, "pct_mapped", "rows"))
            body.append([
                vendor, cur.label, num(len(m_cur)), num(quotes, 0), signed(delta(quotes, quotes_prev), 0),
                num(mean_of(c_cur, "books"), 1), pct(mean_of(c_cur, "games_share")), pct(mapped),
                signed(None if moved is None else 100 * moved, 1),
                num(sum(1 for r in m_cur if not r["rows"])),
            ])  # fmt: skip
    head = [
        "vendor",
        "window",
        "slates",
        "quotes / slate",
        "Δ",
        "books / slate",
        "games quoted",
        "rows mapped",
        "Δ (points)",
        "slates at zero",
    ]
    out += [table(head, body, "llrrrrrrrr"), "", "![Coverage over time](rolling_coverage.png)", "",
            "![Mapping over time](rolling_mapping.png)", ""]  # fmt: skip
    return out


def _ev(rows: list[dict[str, Any]], through: dt.date) -> list[str]:
    out = ["## EV funnel per market (all books)", ""]
    if not rows:
        return [*out, "Nothing priced yet.", ""]
    body = []
    for market in _market_sort(_by(rows, "market")):
        mrows = _by(rows, "market")[market]
        for cur, prev in windows(through):
            a, b = _in(mrows, cur), _in(mrows, prev)
            if not a:
                continue
            ev, ev_prev = weighted(a, "mean_ev", "fresh"), weighted(b, "mean_ev", "fresh")
            body.append([
                market, cur.label, num(len(a)), num(mean_of(a, "quotes"), 0), num(mean_of(a, "fresh"), 0),
                num(mean_of(a, "selected"), 1), num(mean_of(a, "best_bets"), 1), num(mean_of(a, "flagged"), 1),
                signed(ev), signed(delta(ev, ev_prev)),
            ])  # fmt: skip
    head = [
        "market",
        "window",
        "slates",
        "quotes / slate",
        "fresh / slate",
        "EV ≥ min / slate",
        "best bets / slate",
        "flagged / slate",
        "mean EV",
        "Δ mean EV",
    ]
    return [*out, table(head, body, "llrrrrrrrr"), ""]


def _runs(runs: list[dict[str, Any]], through: dt.date, current_run: str | None) -> list[str]:
    out = ["## Run outcomes", ""]
    if not runs:
        return [*out, "No runs recorded.", ""]
    statuses = ("SUCCESS", "DEGRADED", "FAILED", "ABANDONED", "RUNNING")
    body = []
    for cur, _ in windows(through):
        inside = _in(runs, cur)
        latest: dict[dt.date, dict[str, Any]] = {}
        for r in sorted(inside, key=lambda r: (r["started_utc"], r["run_id"])):
            latest[r["slate_date"]] = r
        counts = [
            f"{sum(1 for r in inside if r['status'] == s)} / {sum(1 for r in latest.values() if r['status'] == s)}"
            for s in statuses
        ]
        body.append([cur.label, num(len(inside)), num(len(latest)), *counts])
    head = ["window", "runs", "slates run", *[f"{s.lower()} (all / latest)" for s in statuses]]
    out += [table(head, body), ""]
    if any(r["run_id"] == current_run and r["status"] == "RUNNING" for r in runs):
        out += [f"_Running includes this report's own run `{current_run}`: it writes the report "
                "from its diagnostics step, before it ends._", ""]  # fmt: skip
    return [*out, "![Run outcomes](rolling_runs.png)", ""]


def _observational(rows: list[dict[str, Any]], through: dt.date) -> list[str]:
    out = [OBSERVATIONAL_TITLE, "",
           "What happened to the selected lines (EV ≥ min EV, flat 1-unit stakes, voids excluded). "
           "Observational only: ROI never gates the model, selects lines or tunes anything.", ""]  # fmt: skip
    body = []
    for market in _market_sort(_by(rows, "market")):
        mrows = _by(rows, "market")[market]
        for cur, _ in windows(through):
            a = [r for r in _in(mrows, cur) if r["obs_settled_bets"]]
            if a:
                body.append([market, cur.label, num(len(a)), num(sum(r["obs_settled_bets"] for r in a)),
                             signed(weighted(a, "obs_roi", "obs_settled_bets")),
                             signed(weighted(a, "obs_clv_price", "obs_settled_bets")),
                             signed(weighted(a, "obs_clv_consensus", "obs_settled_bets"))])  # fmt: skip
    if not body:
        return [*out, "No settled bets yet.", ""]
    head = [
        "market",
        "window",
        "slates",
        "settled bets",
        "ROI / unit",
        "CLV (price)",
        "CLV (consensus)",
    ]
    return [
        *out,
        table(head, body, "llrrrrr"),
        "",
        "_CLV (price): the taken price against the same book's last pre-game capture (0 when no later capture was taken, as with one run a day); CLV (consensus): against the de-vigged sharp closing consensus._",
        "",
    ]


# ---- data and plots ---------------------------------------------------------------------------
_SQL_ACCURACY = f"SELECT * FROM {Fact.FORECAST_ACCURACY.latest_view} WHERE is_primary_line AND slate_date BETWEEN ? AND ?"
# slates without scheduled games (their odds belong to other slates) are left out
_SQL_MAPPING = f"""SELECT slate_date, vendor, rows, pct_mapped FROM {Fact.MAPPING_QUALITY.latest_view} m
    WHERE slate_date BETWEEN ? AND ? AND EXISTS (
        SELECT 1 FROM v_game g WHERE g.slate_date = m.slate_date
        AND coalesce(g.schedule_state, 'OK') NOT IN ('PPD', 'CNCL'))"""
_SQL_COVERAGE = f"""SELECT slate_date, vendor, count(DISTINCT book_name_raw) AS books, sum(quotes) AS quotes,
    max(games_with_odds) / nullif(max(games_scheduled), 0) AS games_share
    FROM {Fact.ODDS_COVERAGE.latest_view} WHERE slate_date BETWEEN ? AND ? GROUP BY ALL"""
_SQL_EV = f"SELECT * FROM {Fact.EV_SUMMARY.latest_view} WHERE vendor = '{ALL_BOOKS}' AND slate_date BETWEEN ? AND ?"
# a run's state is the registry's own (v_run: latest run event, an end winning a tie)
_SQL_RUNS = (
    "SELECT run_id, slate_date, started_utc, status FROM v_run WHERE slate_date BETWEEN ? AND ?"
)


def _one_row_per_slate(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pool the prob_sources of a slate × market (a slate priced Raw and Calibrated, e.g. with
    calibration switched off part of the day) into one row, exactly as a window would."""
    groups: dict[tuple[dt.date, str], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault((r["slate_date"], r["market"]), []).append(r)
    out = []
    for _, part in sorted(groups.items(), key=lambda kv: kv[0]):
        if len(part) == 1:
            out.append(part[0])
            continue
        a = accuracy_window(part)
        out.append({**part[0], **{k: a.get(k) for k in ("n", "log_loss", "baseline_log_loss",
                    "log_loss_improvement", "brier", "base_rate", "roc_auc")},
                    "ece": a.get("ece"), "reliability": a.get("bins"), "prob_source": "pooled"})  # fmt: skip
    return out


def _series(
    rows: list[dict[str, Any]], key: str, value: Callable[[dict[str, Any]], float | None]
) -> dict[str, tuple[list[dt.date], list[float | None]]]:
    out: dict[str, tuple[list[dt.date], list[float | None]]] = {}
    for name, part in _by(rows, key).items():
        part = sorted(part, key=lambda r: r["slate_date"])
        out[name] = ([r["slate_date"] for r in part], [value(r) for r in part])
    return out


def _plots(data: dict[str, list[dict[str, Any]]], out_dir: Path, through: dt.date) -> list[Path]:
    acc = data["accuracy"]
    by_market = _by(acc, "market")
    order = _market_sort(by_market)
    label = {m: f"{m} {by_market[m][0]['line']:g}" for m in order}
    per_market = {}
    for m in order:
        rs = sorted(by_market[m], key=lambda r: r["slate_date"])
        days = [r["slate_date"] for r in rs]
        per_market[label[m]] = {
            "model": (days, [r["log_loss"] for r in rs]),
            "baseline (slate base rate)": (days, [r["baseline_log_loss"] for r in rs]),
        }
    last28 = windows(through)[1][0]
    bins = {label[m]: sum_bins(r["reliability"] for r in _in(by_market[m], last28)) for m in order}
    runs = data["runs"]
    days = sorted({r["slate_date"] for r in runs})
    statuses = sorted({r["status"] for r in runs})
    counts = {
        s: [sum(1 for r in runs if r["slate_date"] == d and r["status"] == s) for d in days]
        for s in statuses
    }
    return [
        plots.accuracy_over_time(per_market, out_dir / "rolling_accuracy.png"),
        plots.reliability_diagram({m: b for m, b in bins.items() if b}, out_dir / "rolling_reliability.png",
                                  f"Reliability over {last28.start} to {last28.end} (primary lines, settled rows)"),
        plots.coverage_over_time(_series(data["coverage"], "vendor", lambda r: r["quotes"]),
                                 _series(data["coverage"], "vendor", lambda r: r["games_share"]),
                                 out_dir / "rolling_coverage.png"),
        plots.mapping_over_time(_series(data["mapping"], "vendor", lambda r: r["pct_mapped"]), out_dir / "rolling_mapping.png"),
        plots.run_outcomes(days, counts, out_dir / "rolling_runs.png"),
    ]  # fmt: skip


def write_rolling_report(
    wh: Warehouse,
    out_dir: Path,
    *,
    through: dt.date | None = None,
    current_run: str | None = None,
) -> RollingReport:
    """Render and write the rolling report (and its PNGs) through slate ``through`` (default:
    the latest slate with facts); ``current_run`` is the run writing it, if any (still RUNNING
    in the registry, which the report says)."""
    through = through or latest_fact_slate(wh)
    path = out_dir / REPORT_NAME
    if through is None:
        text = (
            "# Rolling evidence report\n\nNo daily facts yet: run the daily driver with diagnostics.\n\n## Data\n\n"
            + CREDIT
            + "\n"
        )
        return RollingReport(atomic_write(path, text.encode("utf-8")), text, (), None)
    start = min(w.start for pair in windows(through) for w in pair if w is not None)
    data = {
        name: _fetch(wh, sql, start, through)
        for name, sql in (("accuracy", _SQL_ACCURACY), ("mapping", _SQL_MAPPING), ("coverage", _SQL_COVERAGE),
                          ("ev", _SQL_EV), ("runs", _SQL_RUNS))
    }  # fmt: skip
    data["accuracy"] = _one_row_per_slate(data["accuracy"])
    pngs = _plots(data, out_dir, through)
    win = ", ".join(f"{w.label} {w.start}..{w.end}" for w, _ in windows(through))
    lines = [
        f"# Rolling evidence report, through slate {through.isoformat()}",
        "",
        f"Windows (slate dates, America/New_York, inclusive): {win}. Each slate counts once, with "
        "the latest version of its facts (its latest run). Δ compares a window with the previous "
        "window of the same length.",
        "",
        *_accuracy(data["accuracy"], through),
        "![Accuracy over time](rolling_accuracy.png)",
        "",
        "![Reliability diagram](rolling_reliability.png)",
        "",
        *_coverage(data["coverage"], data["mapping"], through),
        *_ev(data["ev"], through),
        *_runs(data["runs"], through, current_run),
        *_observational(data["ev"], through),
        "## Data",
        "",
        CREDIT,
    ]
    text = "\n".join(lines) + "\n"
    return RollingReport(atomic_write(path, text.encode("utf-8")), text, tuple(pngs), through)


__all__ = [
    "OBSERVATIONAL_TITLE",
    "REPORT_NAME",
    "RollingReport",
    "latest_fact_slate",
    "write_rolling_report",
]
