"""``fact_odds_coverage_daily``: what the vendors offered for a slate, per vendor × book × market.

One DuckDB query over the slate's ``fact_prop_odds`` rows captured at or before ``as_of`` (the
run clock). A quote belongs to the slate by the canonical join's rule: its mapped game's
``v_game.slate_date``, else the vendor's ``slate_date``, else the America/New_York date of the
vendor's event start.

Columns (per slate × vendor × book_name_raw × market, market upper case):

* ``games_scheduled``: games of the slate in ``v_game`` (postponed/cancelled left out), the same
  on every row of the slate; ``games_with_odds``: distinct mapped games quoted;
  ``events_with_odds``: distinct vendor events (mapped or not);
* ``players_with_odds``: distinct (vendor event, player key); ``players_mapped``: distinct NHL
  players among them;
* ``quotes``: captured rows (every capture counts), ``live_quotes`` those flagged live,
  ``captures``: distinct capture instants, ``offers``: distinct quote identities (event, player,
  line, side, ladder flag);
* ``two_sided_pairs``: non-ladder (event, player, line) whose latest OVER and latest UNDER come
  from the same capture (what de-vig can pair);
* ``first_puck_utc``: the earliest start among the games this row quotes (else the slate's
  first start); ``freshness_ref_utc`` = min(``as_of``, ``first_puck_utc``) and
  ``freshness_minutes`` = minutes from the latest capture at or before that reference to it.
  Before the first puck drop it is the age of the odds at the run; once the slate has started
  it is how long before the puck drop the last capture was, so it no longer moves with the clock.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from propledger.clock import ensure_utc
from propledger.evidence.warehouse import Warehouse

#: The slate of an odds row (the canonical join's rule); needs ``o`` = fact_prop_odds, ``g`` = v_game.
SLATE_OF_QUOTE = (
    "coalesce(g.slate_date, o.slate_date, "
    "CAST(timezone('America/New_York', o.event_start_time_utc) AS DATE))"
)

_SQL = f"""
WITH slate_games AS (
    SELECT count(*) AS n, min(start_time_utc) AS first_start FROM v_game
    WHERE slate_date = $slate AND coalesce(schedule_state, 'OK') NOT IN ('PPD', 'CNCL')),
q AS (
    SELECT o.vendor, o.book_name_raw, upper(o.market_type) AS market, o.book_type,
           o.event_id_vendor, o.player_key, o.game_id, o.player_id, o.line, o.side,
           o.is_ladder, o.is_live, o.capture_ts_utc, g.start_time_utc
    FROM fact_prop_odds o LEFT JOIN v_game g ON g.game_id = o.game_id
    WHERE o.capture_ts_utc <= $as_of AND {SLATE_OF_QUOTE} = $slate),
qr AS (
    SELECT q.*,
        least($as_of, coalesce(min(start_time_utc) OVER w,
                               (SELECT first_start FROM slate_games), $as_of)) AS ref,
        coalesce(min(start_time_utc) OVER w, (SELECT first_start FROM slate_games)) AS first_puck
    FROM q WINDOW w AS (PARTITION BY vendor, book_name_raw, market)),
latest AS (
    SELECT vendor, book_name_raw, market, event_id_vendor, player_key, line, side,
           capture_ts_utc
    FROM q WHERE NOT is_ladder
    QUALIFY row_number() OVER (
        PARTITION BY vendor, book_name_raw, market, event_id_vendor, player_key, line, side
        ORDER BY capture_ts_utc DESC) = 1),
pairs AS (
    SELECT vendor, book_name_raw, market, count(*) AS n FROM (
        SELECT vendor, book_name_raw, market, event_id_vendor, player_key, line
        FROM latest GROUP BY ALL
        HAVING count(DISTINCT side) = 2 AND count(DISTINCT capture_ts_utc) = 1)
    GROUP BY ALL)
SELECT CAST($slate AS DATE) AS slate_date, a.vendor, a.book_name_raw, a.market,
       a.book_type, CAST((SELECT n FROM slate_games) AS INTEGER) AS games_scheduled,
       a.games_with_odds, a.events_with_odds, a.players_with_odds, a.players_mapped,
       a.quotes, a.live_quotes, a.captures, a.offers,
       CAST(coalesce(p.n, 0) AS INTEGER) AS two_sided_pairs,
       a.first_capture_utc, a.latest_capture_utc, a.first_puck_utc, a.freshness_ref_utc,
       epoch(a.freshness_ref_utc - a.latest_before_ref) / 60.0 AS freshness_minutes
FROM (
    SELECT vendor, book_name_raw, market, min(book_type) AS book_type,
           CAST(count(DISTINCT game_id) AS INTEGER) AS games_with_odds,
           CAST(count(DISTINCT event_id_vendor) AS INTEGER) AS events_with_odds,
           CAST(count(DISTINCT event_id_vendor || chr(31) || player_key) AS INTEGER)
               AS players_with_odds,
           CAST(count(DISTINCT player_id) AS INTEGER) AS players_mapped,
           count(*) AS quotes,
           count(*) FILTER (WHERE is_live) AS live_quotes,
           CAST(count(DISTINCT capture_ts_utc) AS INTEGER) AS captures,
           CAST(count(DISTINCT (event_id_vendor, player_key, line, side, is_ladder)) AS INTEGER)
               AS offers,
           min(capture_ts_utc) AS first_capture_utc,
           max(capture_ts_utc) AS latest_capture_utc,
           any_value(first_puck) AS first_puck_utc,
           any_value(ref) AS freshness_ref_utc,
           max(capture_ts_utc) FILTER (WHERE capture_ts_utc <= ref) AS latest_before_ref
    FROM qr GROUP BY vendor, book_name_raw, market) a
LEFT JOIN pairs p USING (vendor, book_name_raw, market)
ORDER BY a.vendor, a.book_name_raw, a.market
"""


def coverage_rows(wh: Warehouse, slate_date: dt.date, as_of: dt.datetime) -> pa.Table:
    """The coverage rows of one slate as of ``as_of`` (UTC); empty when nothing was quoted."""
    rel = wh.con.sql(_SQL, params={"slate": slate_date, "as_of": ensure_utc(as_of)})
    return rel.to_arrow_table()


__all__ = ["SLATE_OF_QUOTE", "coverage_rows"]
