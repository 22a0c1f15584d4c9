"""The EV report of a slate: ``outputs/ev/ev_report_<date>.csv`` and ``.md``.

The CSV holds every priced row of the canonical join (best bets first in rank order, then the
rest by EV descending), full precision, times as ISO-8601 UTC (``…Z``). The Markdown holds the
headline counts, the best-bets table, a "why" line per top pick (μ and its multipliers, the
distribution, raw vs calibrated probability), the audit-flagged rows and the join's reason
counts. Both are written atomically (temp file in the same folder + rename) and contain no run
id or wall-clock time, so the same inputs give byte-identical files. Prices are decimal odds
(American in brackets), EV is per unit stake; everything is observational.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from propledger.clock import iso_z
from propledger.ev.join import JOINED, JoinReason, JoinResult
from propledger.ev.select import LONGSHOT_DECIMAL
from propledger.files import atomic_write, write_csv
from propledger.odds.formats import decimal_to_american

#: Columns of the CSV, in order.
CSV_COLUMNS: tuple[str, ...] = (
    "rank", "slate_date", "game_id", "away_team", "home_team", "start_time_utc", "player_id",
    "player_name", "team", "market", "line", "side", "vendor", "book_name_raw", "book_type",
    "capture_ts_utc", "freshness_minutes", "odds_quoted_raw", "odds_decimal", "odds_american",
    "pair_decimal", "p_model", "p_over", "p_under", "p_push", "prob_source", "mu",
    "distribution", "ev", "implied_prob", "fair_decimal", "kelly", "devig_status", "margin",
    "p_fair", "p_fair_power", "p_fair_shin", "n_sharp_books", "p_fair_consensus", "edge",
    "edge_consensus", "is_candidate", "is_best_bet", "audit_flag", "snapshot_ts",
    "model_version", "calibrator_version",
)  # fmt: skip

#: Multipliers shown in the "why" line when they differ from 1.
_MULTIPLIERS: tuple[tuple[str, str], ...] = (
    ("mult_opp_sog", "opp SA"),
    ("mult_opp_g", "opp xGA"),
    ("mult_goalie", "goalie"),
    ("mult_itt", "team total"),
    ("mult_b2b", "b2b"),
)

_DIST_NAMES = {"poisson": "Poisson", "nb2": "NB2"}


@dataclass(frozen=True)
class ReportPaths:
    csv: Path
    md: Path


def report_paths(output_dir: Path, slate_date: dt.date) -> ReportPaths:
    folder = output_dir / "ev"
    stem = f"ev_report_{slate_date.isoformat()}"
    return ReportPaths(csv=folder / f"{stem}.csv", md=folder / f"{stem}.md")


def report_order(priced: pa.Table) -> pa.Table:
    """Best bets by rank, then every other row by EV descending (ties: game, player, …)."""
    n = priced.num_rows
    rank = pc.fill_null(priced["rank"], n + 1)
    keys = pa.table(
        {
            "r": rank,
            "neg_ev": pc.negate(pc.fill_null(priced["ev"], -math.inf)),
            "row": pa.array(range(n), pa.int64()),
        }
    )
    order = pc.sort_indices(
        keys, sort_keys=[("r", "ascending"), ("neg_ev", "ascending"), ("row", "ascending")]
    )
    return priced.take(order)


def csv_table(priced: pa.Table) -> pa.Table:
    """The CSV's table: :data:`CSV_COLUMNS`, report order, timestamps as ISO-8601 ``…Z``."""
    ordered = report_order(priced).select(list(CSV_COLUMNS))
    for name in ("start_time_utc", "capture_ts_utc", "snapshot_ts"):
        index = ordered.schema.get_field_index(name)
        ordered = ordered.set_column(index, name, _iso(ordered[name]))
    return ordered


def _iso(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """ISO-8601 UTC text; whole seconds unless some value has a fraction (then microseconds)."""
    # a safe cast refuses to drop a fraction, so whole-second columns print without one
    with contextlib.suppress(pa.ArrowInvalid):
        column = column.cast(pa.timestamp("s", tz="UTC"))
    return pc.strftime(column, format="%Y-%m-%dT%H:%M:%SZ")


def write_report(
    priced: pa.Table, join: JoinResult, output_dir: Path, *, top: int = 10
) -> ReportPaths:
    """Write the CSV and Markdown reports atomically; return their paths."""
    paths = report_paths(output_dir, join.slate_date)
    write_csv(paths.csv, csv_table(priced))
    atomic_write(paths.md, render_markdown(priced, join, top=top).encode("utf-8"))
    return paths


# ---- Markdown ---------------------------------------------------------------------------------
def render_markdown(priced: pa.Table, join: JoinResult, *, top: int = 10) -> str:
    """The Markdown report (see the module doc)."""
    rows = report_order(priced).to_pylist()
    best = [r for r in rows if r["is_best_bet"]]
    audit = [r for r in rows if r["audit_flag"]]
    candidates = sum(1 for r in rows if r["is_candidate"])
    picks = distinct_selections(best)[:top]
    models = sorted({str(r["model_version"]) for r in rows if r["model_version"]})
    lines = [
        f"# EV report, slate {join.slate_date.isoformat()}",
        "",
        "Observational: EV per unit stake at the quoted price with the frozen Phase 10 model's "
        "policy probability; fair prices, de-vig, consensus and Kelly are measurements only.",
        "",
        f"- as of {iso_z(join.as_of)}; snapshot {iso_z(join.snapshot_ts)}"
        + (f" (model {', '.join(models)})" if models else "")
        + f"; odds fresh within ±{_num(join.freshness_minutes)} min of the snapshot",
        f"- odds rows on the slate: {join.n_odds_rows}; joined: {join.n_joined}; "
        f"candidates (EV ≥ min): {candidates}; best bets: {len(best)}; audit flags: {len(audit)}",
        "",
        "## Best bets",
        "",
        *_table(best),
        "",
        f"## Why (top {min(top, len(picks))} bets, each at its best price)",
        "",
    ]
    lines += [f"{i}. {_why(r)}" for i, r in enumerate(picks, 1)] or ["(no best bets)"]
    lines += ["", "## Audit flags (EV above the audit threshold: check before trusting)", ""]
    lines += _table(audit)
    lines += ["", "## Join", "", "| status | rows |", "|---|---:|"]
    lines.append(f"| {JOINED} | {join.n_joined} |")
    lines += [f"| {r.value} | {join.reason_counts[r.value]} |" for r in JoinReason]
    lines.append(f"| total | {join.n_odds_rows} |")
    return "\n".join(lines) + "\n"


_HEADER = (
    "| # | player | game | market | line | side | book | price | p_model | source "
    "| fair p | consensus | EV | flags |"
)


def _table(rows: Sequence[dict[str, Any]]) -> list[str]:
    if not rows:
        return ["(none)"]
    out = [_HEADER, "|" + "---|" * 14]
    for r in rows:
        cells = [
            str(r["rank"]) if r["rank"] is not None else "",
            _player(r),
            f"{r['away_team']}@{r['home_team']}",
            str(r["market"]),
            _num(r["line"]),
            str(r["side"]),
            f"{r['book_name_raw']} ({r['vendor']})",
            _price(r["odds_decimal"]),
            _prob(r["p_model"]),
            str(r["prob_source"]),
            _prob(r["p_fair"]),
            _prob(r["p_fair_consensus"]),
            f"{r['ev']:+.3f}",
            _flags(r),
        ]
        out.append("| " + " | ".join(cells) + " |")
    return out


def distinct_selections(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The first row of each bet (game, player, market, line, side), in the given order: the
    best-ranked book's quote, so a top list names different bets, not one bet at every book."""
    seen: set[tuple[Any, ...]] = set()
    out = []
    for r in rows:
        key = (r["game_id"], r["player_id"], r["market"], r["line"], r["side"])
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


def _why(r: dict[str, Any]) -> str:
    mults = [
        f"{label} {r[col]:.3f}"
        for col, label in _MULTIPLIERS
        if r.get(col) is not None and abs(r[col] - 1.0) > 1e-12
    ]
    mu = f"μ = {r['mu']:.3f}"
    if r.get("mu_base") is not None:
        mu += f" (base {r['mu_base']:.3f}" + "".join(f" × {m}" for m in mults) + ")"
    dist = _DIST_NAMES.get(str(r["distribution"]), str(r["distribution"]))
    if r.get("alpha") is not None:
        dist += f" α = {_num(r['alpha'])}"
    side = str(r["side"]).lower()
    raw = r["p_over_raw"] if side == "over" else r["p_under_raw"]
    if r["prob_source"] == "Calibrated":
        calib = (
            f"p_{side} raw {raw:.4f} → calibrated {r['p_model']:.4f} "
            f"(calibrator {r['calibrator_version']})"
        )
    else:
        calib = f"p_{side} {r['p_model']:.4f} raw (not calibrated for {r['market']})"
    return (
        f"**{_player(r)}** {r['side']} {_num(r['line'])} {r['market']} @ {_price(r['odds_decimal'])} "
        f"{r['book_name_raw']}: {mu}, {dist}; {calib}; model fair {_decimal(r['fair_decimal'])}, "
        f"EV {r['ev']:+.3f}"
    )


def _player(r: dict[str, Any]) -> str:
    name = r.get("player_name") or r.get("player_name_raw") or str(r["player_id"])
    return f"{name} ({r['team']})" if r.get("team") else str(name)


def _flags(r: dict[str, Any]) -> str:
    flags = []
    if r["audit_flag"]:
        flags.append("AUDIT")
    if r["odds_decimal"] > LONGSHOT_DECIMAL:
        flags.append("longshot")
    if float(r["line"]) % 1.0 == 0.0:
        flags.append("push line")
    if r["p_fair"] is None:
        flags.append("no pair")
    return ", ".join(flags)


def _price(decimal: float) -> str:
    return f"{decimal_to_american(repr(float(decimal))):+d} ({decimal:.2f})"


def _decimal(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value:.2f}"


def _prob(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def _num(value: float) -> str:
    return f"{float(value):g}"


__all__ = [
    "CSV_COLUMNS",
    "ReportPaths",
    "csv_table",
    "render_markdown",
    "report_order",
    "report_paths",
    "write_report",
]
