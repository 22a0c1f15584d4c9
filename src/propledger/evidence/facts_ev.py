"""``fact_ev_summary_daily``: the EV funnel and EV statistics of a slate, per market × book.

Computed from the canonical join (:func:`propledger.ev.join.canonical_join`, the only place odds
meet probabilities) as of ``as_of`` and the same pricing the EV step stores
(:func:`propledger.ev.pricing.price`), in one DuckDB query over the slate. Rows per
(market, vendor, book_name_raw) plus one total per market with ``vendor = book_name_raw = '*'``.

Funnel (counts of the slate's odds rows, each classified once by the join):

* ``quotes``: latest capture of each quote identity (superseded captures left out);
* ``candidates``: quotes the join considers (not a DFS book type, excluded market or ladder);
* ``joined``: candidates that met the snapshot (mapped, pre-game, not live, with a snapshot row),
  fresh or stale; ``fresh``: joined within the freshness window = the priced rows;
* among the priced rows: ``ev_pos`` (EV > 0), ``ev_ge_2pct`` (EV ≥ 0.02), ``selected``
  (``is_candidate``: EV ≥ ``settings.ev.min_ev``), ``best_bets``, ``flagged`` (audit flag,
  EV > ``settings.ev.audit_ev``, 0.25 by default); ``mean_ev``/``median_ev``/``max_ev``.

Observational (``obs_*``, never used to select or gate): the mean edge of the selected rows
over the same book's de-vigged pair (``obs_mean_edge``; over *all* priced rows it would be 0
by construction, both sides of a pair cancelling) and over the sharp consensus; once
``fact_ev_settlement`` holds results for the priced rows: ``obs_settlement_rows`` (priced rows
settled, voids included; when several stored versions of a priced row were settled, the
first settlement recorded counts, so the choice never depends on scan order),
``obs_settled_bets`` (selected rows won, lost or pushed),
``obs_roi`` (their mean return per unit stake), ``obs_clv_price`` and ``obs_clv_consensus``
(their mean CLV). EV, ROI and CLV are per unit stake.

A slate priced earlier is re-summarised *as of its stored* ``as_of_utc`` when settlement rows
arrived after its latest version (:func:`refresh_candidates`), so the funnel is reproduced and
only the observational columns change.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pyarrow as pa

from propledger.clock import ensure_utc
from propledger.errors import PipelineError
from propledger.ev.join import canonical_join, latest_snapshot_ts
from propledger.ev.pricing import price
from propledger.evidence.facts import ALL_BOOKS, Fact
from propledger.evidence.warehouse import Warehouse
from propledger.settings import EvSettings

#: settlement rows are matched to priced rows on this key (the candidate's natural key)
SETTLE_KEY: tuple[str, ...] = (
    "slate_date", "snapshot_ts", "game_id", "player_id", "market", "line", "side", "vendor",
    "book_name_raw", "capture_ts_utc",
)  # fmt: skip
_PRICED = (*SETTLE_KEY, "ev", "edge", "edge_consensus", "is_candidate", "is_best_bet", "audit_flag")
_LEVELS = "GROUPING SETS ((market, vendor, book_name_raw), (market))"
_counter = itertools.count()

_SQL = """
WITH c AS (
    SELECT market, coalesce(vendor, '{all}') AS vendor, coalesce(book_name_raw, '{all}') AS book_name_raw,
        coalesce(sum(n) FILTER (WHERE status <> 'superseded'), 0) AS quotes,
        coalesce(sum(n) FILTER (WHERE status NOT IN ('superseded', 'dfs', 'excluded_market', 'ladder')), 0)
            AS candidates,
        coalesce(sum(n) FILTER (WHERE status IN ('joined', 'stale')), 0) AS joined,
        coalesce(sum(n) FILTER (WHERE status = 'joined'), 0) AS fresh
    FROM {counts} GROUP BY {levels}),
s AS (
    SELECT {key}, result, return_units, clv_price, clv_consensus
    FROM fact_ev_settlement WHERE slate_date = $slate
    QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY settled_ts, candidate_hash) = 1),
p AS (
    SELECT p.*, s.result, s.return_units, s.clv_price, s.clv_consensus,
           p.is_candidate AND s.result IN ('WIN', 'LOSE', 'PUSH') AS bet
    FROM {priced} p LEFT JOIN s USING ({key})),
m AS (
    SELECT market, coalesce(vendor, '{all}') AS vendor, coalesce(book_name_raw, '{all}') AS book_name_raw,
        count(*) FILTER (WHERE ev > 0) AS ev_pos,
        count(*) FILTER (WHERE ev >= 0.02 - 1e-12) AS ev_ge_2pct,
        count(*) FILTER (WHERE is_candidate) AS selected,
        count(*) FILTER (WHERE is_best_bet) AS best_bets,
        count(*) FILTER (WHERE audit_flag) AS flagged,
        avg(ev) AS mean_ev, median(ev) AS median_ev, max(ev) AS max_ev,
        avg(edge) FILTER (WHERE is_candidate) AS obs_mean_edge,
        avg(edge_consensus) FILTER (WHERE is_candidate) AS obs_mean_edge_consensus,
        count(result) AS obs_settlement_rows,
        count(*) FILTER (WHERE bet) AS obs_settled_bets,
        avg(return_units) FILTER (WHERE bet) AS obs_roi,
        avg(clv_price) FILTER (WHERE bet) AS obs_clv_price,
        avg(clv_consensus) FILTER (WHERE bet) AS obs_clv_consensus
    FROM p GROUP BY {levels})
SELECT CAST($slate AS DATE) AS slate_date, c.market, c.book_name_raw, c.vendor,
       CAST($snapshot_ts AS TIMESTAMPTZ) AS snapshot_ts, CAST($as_of AS TIMESTAMPTZ) AS as_of_utc,
       c.quotes, c.candidates, c.joined, c.fresh,
       coalesce(m.ev_pos, 0) AS ev_pos, coalesce(m.ev_ge_2pct, 0) AS ev_ge_2pct,
       coalesce(m.selected, 0) AS selected, coalesce(m.best_bets, 0) AS best_bets,
       coalesce(m.flagged, 0) AS flagged, m.mean_ev, m.median_ev, m.max_ev,
       m.obs_mean_edge, m.obs_mean_edge_consensus,
       coalesce(m.obs_settlement_rows, 0) AS obs_settlement_rows,
       coalesce(m.obs_settled_bets, 0) AS obs_settled_bets,
       m.obs_roi, m.obs_clv_price, m.obs_clv_consensus
FROM c LEFT JOIN m USING (market, vendor, book_name_raw)
ORDER BY c.market, c.vendor = '{all}' DESC, c.vendor, c.book_name_raw
"""


def ev_summary_rows(
    wh: Warehouse, slate_date: dt.date, as_of: dt.datetime, settings: EvSettings | None = None
) -> pa.Table | None:
    """The EV summary of one slate as of ``as_of`` (UTC); None when the slate has no snapshot
    at or before ``as_of`` (nothing was priced)."""
    as_of = ensure_utc(as_of)
    if latest_snapshot_ts(wh, slate_date, as_of) is None:
        return None
    settings = settings or EvSettings()
    try:
        join = canonical_join(wh, slate_date, as_of, settings)
    except PipelineError:
        return None
    priced = price(join.rows, settings).select(list(_PRICED))
    n = next(_counter)
    counts, rows = f"_ev_counts_{n}", f"_ev_priced_{n}"
    sql = _SQL.format(
        all=ALL_BOOKS, counts=counts, priced=rows, levels=_LEVELS, key=", ".join(SETTLE_KEY)
    )
    wh.con.register(counts, join.counts)
    wh.con.register(rows, priced)
    try:
        params = {"slate": slate_date, "snapshot_ts": join.snapshot_ts, "as_of": as_of}
        table = wh.con.sql(sql, params=params).to_arrow_table()
    finally:
        wh.con.unregister(counts)
        wh.con.unregister(rows)
    return table


def refresh_candidates(
    wh: Warehouse, before: dt.date, *, lookback_days: int = 28
) -> list[tuple[dt.date, dt.datetime]]:
    """(slate, stored as_of) of summarised slates in [before − lookback, before) that have
    settlement rows settled after their latest version was computed."""
    rows = wh.rows(
        f"""WITH latest AS (
            SELECT slate_date, max(computed_utc) AS computed, max(as_of_utc) AS as_of
            FROM {Fact.EV_SUMMARY.latest_view}
            WHERE slate_date < ? AND slate_date >= ? GROUP BY slate_date)
        SELECT l.slate_date, l.as_of FROM latest l
        WHERE EXISTS (SELECT 1 FROM fact_ev_settlement f
                      WHERE f.slate_date = l.slate_date AND f.settled_ts > l.computed)
        ORDER BY l.slate_date""",
        [before, before - dt.timedelta(days=lookback_days)],
    )
    return [(r[0], ensure_utc(r[1])) for r in rows]


__all__ = ["SETTLE_KEY", "ev_summary_rows", "refresh_candidates"]
