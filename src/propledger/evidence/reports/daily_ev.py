"""The daily report's EV section: the funnel per market, the top lines and the audit flags.

Read from the latest ``fact_ev_summary_daily`` version and ``v_ev_candidate_latest`` (the EV
step's stored rows). EV is per unit stake; prices are decimal with American in brackets.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from propledger.ev.select import LONGSHOT_DECIMAL
from propledger.evidence.facts import ALL_BOOKS, Fact
from propledger.evidence.reports.markdown import cell, num, signed, table, ts
from propledger.evidence.warehouse import Warehouse
from propledger.model.constants import MARKETS

TOP_LINES = 10
_MARKET_ORDER = {m.value: i for i, m in enumerate(MARKETS)}


def market_key(market: str) -> int:
    """Sort key of a market: the model's market order, unknown markets last."""
    return _MARKET_ORDER.get(market, len(_MARKET_ORDER))


def ev_section(wh: Warehouse, day: dt.date) -> list[str]:
    """``## EV summary``: the slate's funnel and EV per market (all books), then the top lines
    (best bets) and the audit flags, one row per bet at its best price."""
    out = ["## EV summary", ""]
    rows = wh.arrow(
        f"SELECT * FROM {Fact.EV_SUMMARY.latest_view} WHERE slate_date = ? AND vendor = ?",
        [day, ALL_BOOKS],
    ).to_pylist()
    if not rows:
        return [*out, "Nothing priced for this slate (no probability snapshot, or no odds).", ""]
    rows.sort(key=lambda r: market_key(r["market"]))
    first = rows[0]
    out += [
        f"Snapshot {ts(first['snapshot_ts'])}, odds as of {ts(first['as_of_utc'])}. EV per unit stake.",
        "",
    ]
    body = [
        [r["market"], num(r["quotes"]), num(r["candidates"]), num(r["joined"]), num(r["fresh"]),
         num(r["ev_pos"]), num(r["ev_ge_2pct"]), num(r["best_bets"]), num(r["flagged"]),
         signed(r["mean_ev"]), signed(r["median_ev"]), signed(r["max_ev"])]
        for r in rows
    ]  # fmt: skip
    head = [
        "market",
        "quotes",
        "eligible",
        "joined",
        "fresh",
        "EV > 0",
        "EV ≥ 0.02",
        "best bets",
        "flagged > 0.25",
        "mean EV",
        "median EV",
        "max EV",
    ]
    out += [table(head, body), "",
            "_quotes: latest captures; eligible: not excluded (DFS book, excluded market, ladder "
            "rung); joined: met the snapshot; fresh: within the freshness window (priced)._", ""]  # fmt: skip
    out += [f"### Top lines (best bets, top {TOP_LINES})", "", *_lines(wh, day, "is_best_bet"),
            "", "_One row per bet (player, market, line, side) at its best price, ordered by market "
            "priority (GOALS, ASSISTS, POINTS, then the others) and then by EV; quotes: how many "
            "vendor × book quotes of that bet qualify; flags as in the EV report: AUDIT = EV above "
            "the audit threshold (listed again below), longshot = decimal price above "
            f"{LONGSHOT_DECIMAL:g}, push line = integer line, no pair = no de-vigged fair p._", ""]  # fmt: skip
    out += [
        "### Audit flags (EV above the audit threshold: check before trusting)",
        "",
        *_lines(wh, day, "audit_flag"),
        "",
        "_Ordered by EV alone, every market together; columns as in the top lines._",
        "",
    ]
    return out


def _flags(r: dict[str, Any]) -> str:
    """The EV report's flags of a row (``propledger.ev.report``), in the same words."""
    flags = [
        name
        for name, on in (
            ("AUDIT", r["audit_flag"]),
            ("longshot", r["odds_decimal"] > LONGSHOT_DECIMAL),
            ("push line", float(r["line"]) % 1.0 == 0.0),
            ("no pair", r["p_fair"] is None),
        )
        if on
    ]
    return ", ".join(flags)


def _lines(wh: Warehouse, day: dt.date, flag: str) -> list[str]:
    order = "CASE market WHEN 'GOALS' THEN 0 WHEN 'ASSISTS' THEN 1 WHEN 'POINTS' THEN 2 ELSE 3 END"
    # one row per selection (player, market, line, side): its best quote, and how many quotes
    # (vendor × book) carry it, so ten rows are ten different bets, not one bet at ten books
    rows = wh.arrow(
        f"""SELECT player_name, player_name_raw, team, away_team, home_team, market, line, side,
               book_name_raw, vendor, odds_decimal, odds_american, p_model, prob_source, p_fair, ev,
               audit_flag, count(*) OVER w AS quotes
        FROM v_ev_candidate_latest WHERE slate_date = ? AND {flag}
        WINDOW w AS (PARTITION BY game_id, player_id, market, line, side)
        QUALIFY row_number() OVER (w ORDER BY ev DESC, vendor, book_name_raw) = 1
        ORDER BY {"" if flag == "audit_flag" else order + ","} ev DESC, game_id, player_id, line, side, vendor, book_name_raw
        LIMIT {TOP_LINES}""",
        [day],
    ).to_pylist()
    if not rows:
        return ["(none)"]
    body = [
        [str(i), cell(r["player_name"] or r["player_name_raw"]), cell(r["team"]),
         f"{r['away_team']}@{r['home_team']}", r["market"], f"{r['line']:g}", r["side"],
         f"{r['book_name_raw']} ({r['vendor']})",
         f"{r['odds_decimal']:.2f} ({r['odds_american']:+d})" if r["odds_american"] is not None else f"{r['odds_decimal']:.2f}",
         num(r["p_model"]), r["prob_source"], num(r["p_fair"]), signed(r["ev"]), num(r["quotes"]),
         cell(_flags(r))]
        for i, r in enumerate(rows, 1)
    ]  # fmt: skip
    head = [
        "#",
        "player",
        "team",
        "game",
        "market",
        "line",
        "side",
        "book",
        "price",
        "p model",
        "source",
        "fair p (book)",
        "EV",
        "quotes",
        "flags",
    ]
    return [table(head, body, "rlllllllrrlrrrl")]


__all__ = ["TOP_LINES", "ev_section", "market_key"]
