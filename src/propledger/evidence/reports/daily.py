"""``outputs/monitoring/daily_report_<date>.md``: one slate's evidence, for a person.

Read from the warehouse only (latest fact version per slate, the EV step's stored rows,
the run registry or the driver's :class:`RunInfo`), so ``propledger report daily --date D``
rewrites it without the network. Sections: run and steps, vendor health, anomalies
(:mod:`.anomalies`), odds coverage, mapping quality, EV summary with top lines and audit flags
(:mod:`.daily_ev`),
accuracy of the latest settled slate vs its baseline (+ a reliability diagram PNG next to the
report), then the one observational section (edge, ROI, CLV) and the data credits. The text
holds no wall-clock time: the same warehouse gives the same file.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from propledger.evidence import plots
from propledger.evidence.facts import ALL_BOOKS, Fact, latest_rows
from propledger.evidence.reports.anomalies import (
    Anomaly,
    detect_anomalies,
    latest_settled_slate,
    scheduled_games,
)
from propledger.evidence.reports.daily_ev import ev_section, market_key
from propledger.evidence.reports.markdown import (
    CREDIT,
    cell,
    minutes,
    num,
    pct,
    signed,
    table,
    ts,
)
from propledger.evidence.reports.runinfo import RunInfo
from propledger.evidence.warehouse import Warehouse
from propledger.files import atomic_write

OBSERVATIONAL_TITLE = "## Observational: edge, ROI and CLV (measured, never used to select or gate)"


@dataclass(frozen=True)
class DailyReport:
    path: Path
    text: str
    plots: tuple[Path, ...]
    anomalies: tuple[Anomaly, ...]


def daily_report_path(out_dir: Path, slate_date: dt.date) -> Path:
    return out_dir / f"daily_report_{slate_date.isoformat()}.md"


# ---- sections ---------------------------------------------------------------------------------
def _run_section(run: RunInfo | None) -> list[str]:
    out = ["## Run", ""]
    if run is None:
        return [*out, "No run of this slate is recorded in the registry.", ""]
    out.append(
        f"Run `{run.run_id}` ({run.kind}): **{run.status}**; started {ts(run.started_utc)}"
        + (f", ended {ts(run.ended_utc)}" if run.ended_utc else "")
        + (f". {run.message}" if run.message else "")
    )
    out.append("")
    if run.steps:
        rows = [[s.step, s.status, num(s.rows_out), cell(s.message)] for s in run.steps]
        out += [table(["step", "status", "rows written", "message"], rows, "llrl"), ""]
    else:
        out += ["No step has finished yet.", ""]
    return out


def _vendor_section(run: RunInfo | None) -> list[str]:
    out = ["## Vendor health", ""]
    if run is None or not run.vendors:
        return [*out, "Odds ingestion (step 1) did not run in this run.", ""]
    rows = [
        [v.vendor, v.status, cell(v.call_status), num(v.requests), num(v.attempts),
         num(v.http_status), num(v.rows_in), num(v.rows_out), cell(v.error_type), cell(v.note)]
        for v in run.vendors
    ]  # fmt: skip
    head = [
        "vendor",
        "status",
        "call status",
        "requests",
        "max attempts",
        "HTTP",
        "quotes parsed",
        "new rows",
        "error",
        "message",
    ]
    # status: the run registry's step status; call status: the HTTP layer's (docs/evidence.md)
    return [*out, table(head, rows, "lllrrrrrll"), ""]


def _anomaly_section(found: list[Anomaly]) -> list[str]:
    out = ["## Anomalies", ""]
    out += [f"- **{a.rule}** {cell(a.message)}" for a in found] or [
        "None: every watched metric is within its rule."
    ]
    out += ["", "_Rules: each metric vs the median of the 7 days before (≥ 3 earlier slates); "
            "see docs/evidence.md, \"Anomaly rules\"._", ""]  # fmt: skip
    return out


def _coverage_section(wh: Warehouse, day: dt.date) -> list[str]:
    out = ["## Odds coverage", ""]
    rows = wh.arrow(
        f"""SELECT vendor, count(DISTINCT book_name_raw) AS books, count(DISTINCT market) AS markets,
               max(games_with_odds) AS games, max(games_scheduled) AS scheduled,
               max(players_with_odds) AS players, sum(quotes) AS quotes,
               sum(two_sided_pairs) AS pairs, max(latest_capture_utc) AS latest,
               min(freshness_minutes) AS fresh_best, max(freshness_minutes) AS fresh_worst
        FROM {Fact.ODDS_COVERAGE.latest_view} WHERE slate_date = ? GROUP BY vendor ORDER BY vendor""",
        [day],
    ).to_pylist()
    if not rows:
        games = scheduled_games(wh, day)
        why = "no games are scheduled" if games == 0 else f"{games} games are scheduled"
        return [*out, f"No odds captured for this slate ({why}).", ""]
    body = [
        [r["vendor"], num(r["books"]), num(r["markets"]), f"{r['games']}/{r['scheduled']}",
         num(r["players"]), num(r["quotes"]), num(r["pairs"]), ts(r["latest"]),
         f"{minutes(r['fresh_best'])} / {minutes(r['fresh_worst'])}"]
        for r in rows
    ]  # fmt: skip
    head = [
        "vendor",
        "books",
        "markets",
        "games quoted",
        "players (max/book)",
        "quotes",
        "two-sided pairs",
        "latest capture",
        "freshness best / worst",
    ]
    out += [table(head, body), ""]
    detail = wh.arrow(
        f"""SELECT vendor, market, count(DISTINCT book_name_raw) AS books, sum(quotes) AS quotes,
               sum(offers) AS offers, sum(two_sided_pairs) AS pairs, max(games_with_odds) AS games
        FROM {Fact.ODDS_COVERAGE.latest_view} WHERE slate_date = ? GROUP BY ALL""",
        [day],
    ).to_pylist()
    detail.sort(key=lambda r: (r["vendor"], market_key(r["market"]), r["market"]))
    body = [[r["vendor"], r["market"], num(r["books"]), num(r["games"]), num(r["quotes"]),
             num(r["offers"]), num(r["pairs"])] for r in detail]  # fmt: skip
    out += [
        "By vendor and market:",
        "",
        table(
            ["vendor", "market", "books", "games", "quotes", "offers", "two-sided pairs"],
            body,
            "llrrrrr",
        ),
    ]
    out += ["", "_Freshness: minutes from the latest capture to the run, or to the first puck drop once "
            "the slate has started (best = freshest book)._", ""]  # fmt: skip
    return out


def _mapping_section(wh: Warehouse, day: dt.date) -> list[str]:
    out = ["## Mapping quality", ""]
    rows = latest_rows(wh, Fact.MAPPING_QUALITY, day, day).to_pylist()
    if not rows:
        return [*out, "No mapping statistics for this slate.", ""]
    body = []
    for r in rows:
        top = json.loads(r["top_unmapped"] or "[]")[:3]
        names = ", ".join(f"{t['name']} ({t['reason']}, {t['rows']})" for t in top)
        body.append(
            [r["vendor"], num(r["rows"]), pct(r["pct_mapped"]), pct(r["pct_events_mapped"]),
             pct(r["pct_players_mapped"]), pct(r["pct_markets_mapped"]), num(r["n_no_game"]),
             num(r["n_no_player"]), num(r["n_ambiguous"]), num(r["n_unknown_market"]), cell(names)]
        )  # fmt: skip
    head = [
        "vendor",
        "rows",
        "mapped",
        "events",
        "players",
        "markets",
        "no_game",
        "no_player",
        "ambiguous",
        "unknown_market",
        "top unmapped (reason, rows)",
    ]
    return [*out, table(head, body, "lrrrrrrrrrl"), ""]


def _accuracy_section(wh: Warehouse, day: dt.date, out_dir: Path) -> tuple[list[str], list[Path]]:
    out = ["## Accuracy of the latest settled slate vs baseline", ""]
    settled = latest_settled_slate(wh, day)
    if settled is None:
        return [*out, "No settled slate yet.", ""], []
    rows = latest_rows(wh, Fact.FORECAST_ACCURACY, settled, settled).to_pylist()
    rows.sort(key=lambda r: (market_key(r["market"]), r["line"], r["prob_source"]))
    out += [f"Slate {settled.isoformat()} (settled rows only, pushes and voids excluded; log loss in "
            "nats; improvement = baseline − model, > 0 beats the slate's own base rate; `*` primary line).", ""]  # fmt: skip
    body = [
        [r["market"], f"{r['line']:g}" + ("*" if r["is_primary_line"] else ""), r["prob_source"],
         num(r["n"]), num(r["base_rate"]), num(r["log_loss"], 4), num(r["baseline_log_loss"], 4),
         signed(r["log_loss_improvement"], 4), num(r["brier"], 4), num(r["ece"], 4), num(r["roc_auc"])]
        for r in rows
    ]  # fmt: skip
    head = [
        "market",
        "line",
        "source",
        "n",
        "base rate",
        "log loss",
        "baseline",
        "improvement",
        "Brier",
        "ECE",
        "AUC",
    ]
    out += [table(head, body, "lllrrrrrrrr"), ""]
    bins = {
        f"{r['market']} {r['line']:g}": json.loads(r["reliability"])
        for r in rows
        if r["is_primary_line"] and r["reliability"]
    }
    png = plots.reliability_diagram(
        bins, out_dir / f"daily_report_{day.isoformat()}_reliability.png",
        f"Reliability, slate {settled.isoformat()} (primary lines)",
    )  # fmt: skip
    out += [f"![Reliability diagram, slate {settled.isoformat()}]({png.name})", ""]
    return out, [png]


def _observational_section(wh: Warehouse, day: dt.date) -> list[str]:
    out = [OBSERVATIONAL_TITLE, "",
           "These numbers describe what happened to priced lines. They never feed selection, "
           "calibration or the accuracy gate; ROI over a few slates is mostly noise.", ""]  # fmt: skip
    # the latest slate with settled bets BEFORE the report's (as the accuracy section): slate D
    # is never settled when its own report is written, so a rebuilt report reads the same
    latest = wh.scalar(
        f"SELECT max(slate_date) FROM {Fact.EV_SUMMARY.latest_view} "
        "WHERE slate_date < ? AND vendor = ? AND obs_settled_bets > 0",
        [day, ALL_BOOKS],
    )
    days = sorted({day, latest} - {None})
    rows = wh.arrow(
        f"SELECT * FROM {Fact.EV_SUMMARY.latest_view} WHERE vendor = ? AND slate_date IN (SELECT unnest(?))",
        [ALL_BOOKS, days],
    ).to_pylist()
    rows.sort(key=lambda r: (r["slate_date"], market_key(r["market"])))
    if not rows:
        return [*out, "Nothing priced yet.", ""]
    body = [
        [r["slate_date"].isoformat(), r["market"], signed(r["obs_mean_edge"]), signed(r["obs_mean_edge_consensus"]),
         num(r["obs_settled_bets"]), signed(r["obs_roi"]), signed(r["obs_clv_price"]), signed(r["obs_clv_consensus"])]
        for r in rows
    ]  # fmt: skip
    head = [
        "slate",
        "market",
        "mean edge vs book de-vig",
        "vs sharp consensus",
        "settled bets",
        "ROI / unit",
        "CLV (price)",
        "CLV (consensus)",
    ]
    return [*out, table(head, body, "llrrrrrr"), "",
            "_Bets = selected lines (EV ≥ min EV), flat 1-unit stakes; voids excluded. "
            "CLV (price): the taken price against the same book's last pre-game capture (0 when no later capture was taken, as with one run a day); CLV (consensus): against the de-vigged sharp closing consensus._", ""]  # fmt: skip


# ---- the report -------------------------------------------------------------------------------
def write_daily_report(
    wh: Warehouse, slate_date: dt.date, out_dir: Path, *, run: RunInfo | None = None
) -> DailyReport:
    """Render and write the daily report of ``slate_date`` (and its PNG) into ``out_dir``."""
    run = run if run is not None else RunInfo.latest_for_slate(wh, slate_date)
    found = detect_anomalies(wh, slate_date, run)
    computed = wh.scalar(
        "SELECT max(computed_utc) FROM (" + " UNION ALL ".join(
            f"SELECT computed_utc FROM {f.latest_view} WHERE slate_date = $1" for f in Fact
        ) + ")",
        [slate_date],
    )  # fmt: skip
    accuracy, pngs = _accuracy_section(wh, slate_date, out_dir)
    lines = [
        f"# Daily report, slate {slate_date.isoformat()}",
        "",
        f"Slate = America/New_York date of the games. Facts computed {ts(computed)} (UTC); "
        "each table reads the latest version of the slate's facts.",
        "",
        *_run_section(run),
        *_vendor_section(run),
        *_anomaly_section(found),
        *_coverage_section(wh, slate_date),
        *_mapping_section(wh, slate_date),
        *ev_section(wh, slate_date),
        *accuracy,
        *_observational_section(wh, slate_date),
        "## Data",
        "",
        CREDIT,
    ]
    text = "\n".join(lines) + "\n"
    path = atomic_write(daily_report_path(out_dir, slate_date), text.encode("utf-8"))
    return DailyReport(path, text, tuple(pngs), tuple(found))


__all__ = ["OBSERVATIONAL_TITLE", "DailyReport", "daily_report_path", "write_daily_report"]
