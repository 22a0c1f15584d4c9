"""Anomaly rules of the daily report: today's value of a metric vs its 7-day median.

Every rule compares the slate's value with the **median of the same metric over the slates
of the 7 calendar days before** (latest fact version per slate; at least 3 earlier slates,
otherwise the rule stays silent). Accuracy rules compare the latest settled slate with the
settled slates of the 7 days before it. Counts are normalised per scheduled game so a
2-game slate is not "down" against a 12-game one. The rules (:data:`RULES`):

==================  =========================  ===============================================
rule                metric (per)               fires when
==================  =========================  ===============================================
vendor_zero         quote rows (vendor)        0 rows today (a slate with games) while any of
                                               the 7 days had rows, or the vendor FAILED in
                                               this run's step 1 (or its HTTP calls ended
                                               circuit_open or rate_limited)
mapping_rate_down   share of rows mapped       < median − 0.05 (5 percentage points)
quotes_down         quotes per game (vendor)   < 0.5 × median
books_down          books quoting (vendor)     < 0.75 × median
games_down          share of games quoted      < median − 0.25
stale_odds          freshness, freshest book   > median + 60 minutes
fresh_down          priced rows per game       < 0.5 × median (market, all books)
mean_ev_shift       mean EV of priced rows     |value − median| > 0.03 (market)
flagged_up          share of priced rows       > median + 0.02 (market; audit flag EV > 0.25)
                    flagged
log_loss_up         log loss, primary line     > 1.15 × median (market, latest settled slate)
==================  =========================  ===============================================

ROI and CLV are observational and never raise an anomaly.
"""

from __future__ import annotations

import datetime as dt
import enum
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from propledger.evidence.facts import ALL_BOOKS, Fact
from propledger.evidence.reports.runinfo import RunInfo
from propledger.evidence.warehouse import Warehouse

WINDOW_DAYS = 7
MIN_HISTORY = 3
#: the HTTP layer's call statuses that count as a vendor failure even when the step says
#: DEGRADED (responses before the breaker opened or the rate limit hit were still stored)
_FAILED_CALLS = frozenset({"circuit_open", "rate_limited"})


class Kind(enum.StrEnum):
    DROP_RATIO = "drop_ratio"  # value < threshold × median
    DROP_ABS = "drop_abs"  # value < median − threshold
    RISE_ABS = "rise_abs"  # value > median + threshold
    RISE_RATIO = "rise_ratio"  # value > threshold × median
    SHIFT_ABS = "shift_abs"  # |value − median| > threshold


@dataclass(frozen=True)
class Rule:
    """``unit``: how values print — ``share`` (percent), ``count``, ``minutes``, ``ev``, ``nats``."""

    name: str
    metric: str
    kind: Kind
    threshold: float
    what: str
    unit: str

    def show(self, value: float) -> str:
        if self.unit == "share":
            return f"{100 * value:.1f}%"
        if self.unit == "minutes":
            return f"{value:.0f} min"
        if self.unit == "count":
            return f"{value:.1f}"
        return f"{value:+.3f}" if self.unit == "ev" else f"{value:.3f}"

    def describe(self) -> str:
        """The firing condition in words, e.g. ``below median − 5.0 points``."""
        t = self.threshold
        step = f"{100 * t:.1f} points" if self.unit == "share" else self.show(t).lstrip("+")
        return {
            Kind.DROP_RATIO: f"below {t:g} × median",
            Kind.DROP_ABS: f"below median − {step}",
            Kind.RISE_ABS: f"above median + {step}",
            Kind.RISE_RATIO: f"above {t:g} × median",
            Kind.SHIFT_ABS: f"more than {step} from the median",
        }[self.kind]


RULES: tuple[Rule, ...] = (
    Rule("mapping_rate_down", "pct_mapped", Kind.DROP_ABS, 0.05, "quote rows mapped", "share"),
    Rule(
        "quotes_down", "quotes_per_game", Kind.DROP_RATIO, 0.5, "quotes per scheduled game", "count"
    ),
    Rule("books_down", "books", Kind.DROP_RATIO, 0.75, "books quoting", "count"),
    Rule("games_down", "games_share", Kind.DROP_ABS, 0.25, "scheduled games quoted", "share"),
    Rule(
        "stale_odds",
        "freshness_minutes",
        Kind.RISE_ABS,
        60.0,
        "freshness of the freshest book",
        "minutes",
    ),
    Rule(
        "fresh_down",
        "fresh_per_game",
        Kind.DROP_RATIO,
        0.5,
        "priced rows per scheduled game",
        "count",
    ),
    Rule("mean_ev_shift", "mean_ev", Kind.SHIFT_ABS, 0.03, "mean EV of priced rows", "ev"),
    Rule(
        "flagged_up",
        "flagged_share",
        Kind.RISE_ABS,
        0.02,
        "priced rows flagged (EV > 0.25)",
        "share",
    ),
    Rule(
        "log_loss_up",
        "log_loss",
        Kind.RISE_RATIO,
        1.15,
        "log loss at the primary line (nats)",
        "nats",
    ),
)
_BY_METRIC = {r.metric: r for r in RULES}


@dataclass(frozen=True)
class Anomaly:
    """One fired rule: ``subject`` is a vendor or a market; ``median`` over the 7 days before."""

    rule: str
    subject: str
    metric: str
    value: float | None
    median: float | None
    message: str


def _fires(rule: Rule, value: float, median: float) -> bool:
    t = rule.threshold
    return {
        Kind.DROP_RATIO: value < t * median,
        Kind.DROP_ABS: value < median - t,
        Kind.RISE_ABS: value > median + t,
        Kind.RISE_RATIO: value > t * median,
        Kind.SHIFT_ABS: abs(value - median) > t,
    }[rule.kind]


def _series(
    rows: Iterable[dict[str, Any]], subject: str, metrics: Iterable[str]
) -> dict[tuple[str, str], dict[dt.date, float]]:
    out: dict[tuple[str, str], dict[dt.date, float]] = {}
    names = list(metrics)
    for r in rows:
        for m in names:
            if r.get(m) is not None:
                out.setdefault((str(r[subject]), m), {})[r["slate_date"]] = float(r[m])
    return out


def _judge(series: dict[tuple[str, str], dict[dt.date, float]], day: dt.date) -> list[Anomaly]:
    found = []
    for (subject, metric), values in sorted(series.items()):
        rule = _BY_METRIC[metric]
        if day not in values:
            continue
        prior = [v for d, v in values.items() if day - dt.timedelta(days=WINDOW_DAYS) <= d < day]
        if len(prior) < MIN_HISTORY:
            continue
        median = statistics.median(prior)
        value = values[day]
        if _fires(rule, value, median):
            found.append(
                Anomaly(rule.name, subject, metric, value, median,
                        f"{subject}: {rule.what} {rule.show(value)} vs 7-day median "
                        f"{rule.show(median)} (fires {rule.describe()})")
            )  # fmt: skip
    return found


def _rows(wh: Warehouse, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = wh.arrow(sql, params).to_pylist()
    return rows


def _vendor_rows(wh: Warehouse, lo: dt.date, day: dt.date) -> list[dict[str, Any]]:
    return _rows(
        wh,
        f"""WITH c AS (
            SELECT slate_date, vendor, count(DISTINCT book_name_raw) AS books,
                   max(games_with_odds) AS games, max(games_scheduled) AS scheduled,
                   min(freshness_minutes) AS freshness_minutes
            FROM {Fact.ODDS_COVERAGE.latest_view} WHERE slate_date BETWEEN ? AND ? GROUP BY ALL)
        SELECT m.slate_date, m.vendor, m.rows, m.pct_mapped,
               m.rows / nullif(c.scheduled, 0) AS quotes_per_game, c.books,
               c.games / nullif(c.scheduled, 0) AS games_share, c.freshness_minutes
        FROM {Fact.MAPPING_QUALITY.latest_view} m LEFT JOIN c USING (slate_date, vendor)
        WHERE m.slate_date BETWEEN ? AND ?""",
        [lo, day, lo, day],
    )


def scheduled_games(wh: Warehouse, day: dt.date) -> int:
    """Games of the slate in ``v_game`` (postponed and cancelled left out)."""
    return int(
        wh.scalar(
            "SELECT count(*) FROM v_game WHERE slate_date = ? "
            "AND coalesce(schedule_state, 'OK') NOT IN ('PPD', 'CNCL')",
            [day],
        )
    )


def _vendor_zero(
    rows: list[dict[str, Any]], day: dt.date, run: RunInfo | None, games: int
) -> list[Anomaly]:
    today = {r["vendor"]: r["rows"] for r in rows if r["slate_date"] == day}
    before = {r["vendor"] for r in rows if r["slate_date"] < day and (r["rows"] or 0) > 0}
    found = []
    failed = {
        v.vendor.upper(): v
        for v in (run.vendors if run else ())
        if v.status == "FAILED" or v.call_status in _FAILED_CALLS
    }
    for vendor in sorted(before | set(failed)):
        if vendor in failed:
            v = failed[vendor]
            detail = (
                f"{v.error_type or 'error'}: {v.message}"
                if v.message
                else v.error_type or v.call_status or v.status
            )
            found.append(Anomaly("vendor_zero", vendor, "rows", float(today.get(vendor) or 0), None,
                                 f"{vendor}: failed in this run ({detail})"))  # fmt: skip
        elif not today.get(vendor) and games > 0:  # a slate without games has no quotes
            found.append(Anomaly("vendor_zero", vendor, "rows", 0.0, None,
                                 f"{vendor}: no quotes for the slate, though it had quotes in the 7 days before"))  # fmt: skip
    return found


def _market_rows(wh: Warehouse, lo: dt.date, day: dt.date) -> list[dict[str, Any]]:
    return _rows(
        wh,
        f"""WITH g AS (
            SELECT slate_date, max(games_scheduled) AS scheduled
            FROM {Fact.ODDS_COVERAGE.latest_view} WHERE slate_date BETWEEN ? AND ? GROUP BY ALL)
        SELECT e.slate_date, e.market, e.fresh / nullif(g.scheduled, 0) AS fresh_per_game,
               e.mean_ev, e.flagged / nullif(e.fresh, 0) AS flagged_share
        FROM {Fact.EV_SUMMARY.latest_view} e LEFT JOIN g USING (slate_date)
        WHERE e.vendor = ? AND e.slate_date BETWEEN ? AND ?""",
        [lo, day, ALL_BOOKS, lo, day],
    )


def latest_settled_slate(wh: Warehouse, before: dt.date) -> dt.date | None:
    """The most recent slate before ``before`` with accuracy rows."""
    value = wh.scalar(
        f"SELECT max(slate_date) FROM {Fact.FORECAST_ACCURACY.latest_view} WHERE slate_date < ?",
        [before],
    )
    return value if isinstance(value, dt.date) else None


def _accuracy_rows(wh: Warehouse, lo: dt.date, day: dt.date) -> list[dict[str, Any]]:
    # the policy's probability source per market is whichever the slate used; one per market
    return _rows(
        wh,
        f"""SELECT slate_date, market, sum(log_loss * n) / sum(n) AS log_loss
        FROM {Fact.FORECAST_ACCURACY.latest_view}
        WHERE is_primary_line AND slate_date BETWEEN ? AND ? GROUP BY ALL""",
        [lo, day],
    )


def detect_anomalies(
    wh: Warehouse, slate_date: dt.date, run: RunInfo | None = None
) -> list[Anomaly]:
    """Every fired rule for the slate (vendor rules, market rules, then accuracy rules)."""
    lo = slate_date - dt.timedelta(days=WINDOW_DAYS)
    vendors = _vendor_rows(wh, lo, slate_date)
    found = _vendor_zero(vendors, slate_date, run, scheduled_games(wh, slate_date))
    vendor_metrics = ("pct_mapped", "quotes_per_game", "books", "games_share", "freshness_minutes")
    found += _judge(_series(vendors, "vendor", vendor_metrics), slate_date)
    markets = _market_rows(wh, lo, slate_date)
    found += _judge(
        _series(markets, "market", ("fresh_per_game", "mean_ev", "flagged_share")), slate_date
    )
    settled = latest_settled_slate(wh, slate_date)
    if settled is not None:
        acc = _accuracy_rows(wh, settled - dt.timedelta(days=WINDOW_DAYS), settled)
        found += _judge(_series(acc, "market", ("log_loss",)), settled)
    return found


__all__ = [
    "RULES",
    "Anomaly",
    "Kind",
    "Rule",
    "detect_anomalies",
    "latest_settled_slate",
    "scheduled_games",
]
