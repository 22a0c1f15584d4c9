"""The canonical odds↔probability join: THE ONLY place odds meet model probabilities.

``fact_prop_odds`` ↔ ``fact_probability_snapshot`` on (game_id, player_id, market, line) —
never on names — for one slate, as of one instant (the run's clock). The EV report, the
evidence layer and settlement all read its output; nothing else joins the two tables.

Rules (docs/ev.md, "Join"):

* **Slate rows**: odds rows captured at or before ``as_of`` whose game is on the slate (the
  mapped game's ``v_game.slate_date``; for rows without a known game the vendor's
  ``slate_date``, else the America/New_York date of the vendor's event start). Captures after
  ``as_of`` do not exist for this run.
* **Snapshot**: the latest ``snapshot_ts`` of the slate at or before ``as_of`` — one model run,
  so every joined row is priced by the same probabilities. No such snapshot is an error.
* **Latest capture** per quote identity (vendor, book, game, player, market, line, side,
  ladder flag; for unmapped rows the vendor's event id and player key stand in for the game and
  player). Older captures are ``superseded``: the join answers "what is on offer now".
* **Eligibility**, checked on the latest capture in this precedence order (the first failing
  rule is the row's single reason): ``dfs`` (book type in ``exclude_book_types``),
  ``excluded_market``, ``ladder`` (ladder rungs are excluded unless ``include_ladders``: they
  are one-sided offers, cannot be de-vigged and would double count the O/U at the same line),
  ``unmapped``, ``live``, ``no_start_time`` (mapped game without a start in ``v_game``),
  ``started`` (``capture_ts ≥ start``: pre-game means strictly before the puck drop),
  ``no_snapshot`` (the snapshot has no row for the key), ``stale``.
* **Freshness** is the half-open window ``snapshot_ts − W ≤ capture_ts < snapshot_ts + W``
  with ``W = odds_freshness_minutes``: a capture exactly W before the snapshot is fresh, one
  exactly W after is stale (windows tile without overlap, like every ``[start, end)`` here).

Everything runs as one DuckDB query over the whole slate; no per-row Python.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import pyarrow as pa
import pyarrow.compute as pc

from propledger.clock import ensure_utc
from propledger.errors import PipelineError
from propledger.evidence.warehouse import Warehouse
from propledger.settings import EvSettings


class JoinReason(enum.StrEnum):
    """Why an odds row of the slate did not join, in precedence order (first match wins)."""

    SUPERSEDED = "superseded"
    DFS = "dfs"
    EXCLUDED_MARKET = "excluded_market"
    LADDER = "ladder"
    UNMAPPED = "unmapped"
    LIVE = "live"
    NO_START_TIME = "no_start_time"
    STARTED = "started"
    NO_SNAPSHOT = "no_snapshot"
    STALE = "stale"


#: The status of a row that joined (not a reason; counted next to them).
JOINED = "joined"

#: Columns of :attr:`JoinResult.rows`, in order (odds, game, snapshot).
JOINED_COLUMNS: tuple[str, ...] = (
    "slate_date", "snapshot_ts", "game_id", "player_id", "market", "line", "side",
    "vendor", "platform", "book_name_raw", "book_id_vendor", "book_type", "event_id_vendor",
    "player_key", "player_name_raw", "is_ladder", "capture_ts_utc", "freshness_minutes",
    "start_time_utc", "home_team", "away_team", "odds_quoted_raw", "odds_decimal",
    "odds_american", "raw_payload_hash", "player_name", "team", "opponent", "mu", "mu_base",
    "mult_opp_sog", "mult_opp_g", "mult_goalie", "mult_itt", "mult_b2b", "branch",
    "distribution", "alpha", "p_over_raw", "p_under_raw", "p_over_cal", "p_over", "p_under", "p_push",
    "prob_source", "model_version", "calibrator_version",
)  # fmt: skip

#: Grouping of :attr:`JoinResult.counts`.
COUNT_KEYS: tuple[str, ...] = ("vendor", "book_name_raw", "market", "status")


@dataclass(frozen=True)
class JoinResult:
    """The join of one slate as of one instant (all times UTC).

    ``rows``: the joined rows (:data:`JOINED_COLUMNS`), sorted by game, player, market, line,
    side, vendor, book. ``reason_counts``: every :class:`JoinReason` (zeros included) →
    number of slate odds rows with that reason; ``n_odds_rows = n_joined + Σ reason_counts``.
    ``counts``: the same split by (vendor, book_name_raw, market, status) where status is a
    reason or ``joined`` (the evidence layer's per-book view).
    """

    slate_date: dt.date
    as_of: dt.datetime
    snapshot_ts: dt.datetime
    freshness_minutes: float
    rows: pa.Table = field(repr=False)
    counts: pa.Table = field(repr=False)
    n_odds_rows: int
    reason_counts: Mapping[str, int]

    @property
    def n_joined(self) -> int:
        return int(self.rows.num_rows)


def latest_snapshot_ts(
    wh: Warehouse, slate_date: dt.date, as_of: dt.datetime
) -> dt.datetime | None:
    """The newest ``snapshot_ts`` of the slate at or before ``as_of`` (UTC), or None."""
    value = wh.scalar(
        "SELECT max(snapshot_ts) FROM fact_probability_snapshot "
        "WHERE slate_date = ? AND snapshot_ts <= ?",
        [slate_date, ensure_utc(as_of)],
    )
    return None if value is None else ensure_utc(value)


_SQL = """
WITH g AS (
    SELECT game_id, slate_date AS game_slate, start_time_utc,
           home_team AS g_home, away_team AS g_away
    FROM v_game),
visible AS (
    SELECT o.*, g.start_time_utc, g.g_home, g.g_away, upper(o.market_type) AS market,
           coalesce(g.game_slate, o.slate_date,
                    CAST(timezone('America/New_York', o.event_start_time_utc) AS DATE)) AS eff_slate
    FROM fact_prop_odds o LEFT JOIN g ON g.game_id = o.game_id
    WHERE o.capture_ts_utc <= $as_of),
ranked AS (
    SELECT *, row_number() OVER (
        PARTITION BY vendor, book_name_raw,
                     coalesce(CAST(game_id AS VARCHAR), 'event:' || event_id_vendor),
                     coalesce(CAST(player_id AS VARCHAR), 'key:' || player_key),
                     market, line, side, is_ladder
        ORDER BY capture_ts_utc DESC, event_id_vendor, player_key) AS capture_rank
    FROM visible WHERE eff_slate = $slate),
snap AS (
    SELECT * FROM fact_probability_snapshot
    WHERE slate_date = $slate AND snapshot_ts = $snapshot_ts),
classified AS (
    SELECT r.*, s.snapshot_ts, s.player_name, s.team, s.opponent, s.mu, s.mu_base,
           s.mult_opp_sog, s.mult_opp_g, s.mult_goalie, s.mult_itt, s.mult_b2b, s.branch,
           s.distribution, s.alpha, s.p_over_raw, s.p_under_raw, s.p_over_cal, s.p_over, s.p_under, s.p_push,
           s.prob_source, s.model_version, s.calibrator_version,
           CASE
               WHEN r.capture_rank > 1 THEN 'superseded'
               WHEN list_contains($book_types, r.book_type) THEN 'dfs'
               WHEN list_contains($markets, r.market) THEN 'excluded_market'
               WHEN r.is_ladder AND NOT $ladders THEN 'ladder'
               WHEN r.game_id IS NULL OR r.player_id IS NULL
                    OR coalesce(r.map_status, '') <> 'mapped' THEN 'unmapped'
               WHEN r.is_live THEN 'live'
               WHEN r.start_time_utc IS NULL THEN 'no_start_time'
               WHEN r.capture_ts_utc >= r.start_time_utc THEN 'started'
               WHEN s.player_id IS NULL THEN 'no_snapshot'
               WHEN NOT (r.capture_ts_utc >= $fresh_lo AND r.capture_ts_utc < $fresh_hi)
                    THEN 'stale'
               ELSE 'joined'
           END AS status
    FROM ranked r
    LEFT JOIN snap s
      ON s.game_id = r.game_id AND s.player_id = r.player_id AND s.market = r.market
     AND CAST(s.line AS DECIMAL(6, 1)) = r.line)
"""

_ROWS = """
SELECT CAST($slate AS DATE) AS slate_date, snapshot_ts, game_id, player_id, market,
       CAST(line AS DOUBLE) AS line, side, vendor, platform, book_name_raw, book_id_vendor,
       book_type, event_id_vendor, player_key, player_name_raw, is_ladder, capture_ts_utc,
       epoch(capture_ts_utc - snapshot_ts) / 60.0 AS freshness_minutes,
       start_time_utc, g_home AS home_team, g_away AS away_team, odds_quoted_raw,
       odds_decimal, odds_american, raw_payload_hash, player_name, team, opponent, mu,
       mu_base, mult_opp_sog, mult_opp_g, mult_goalie, mult_itt, mult_b2b, branch,
       distribution, alpha, p_over_raw, p_under_raw, p_over_cal, p_over, p_under, p_push, prob_source,
       model_version, calibrator_version, status
FROM classified
ORDER BY status <> 'joined', game_id, player_id, market, line, side, vendor, book_name_raw,
         event_id_vendor, player_key, is_ladder, capture_ts_utc
"""


def canonical_join(
    wh: Warehouse,
    slate_date: dt.date,
    as_of: dt.datetime,
    settings: EvSettings | None = None,
    *,
    include_ladders: bool = False,
) -> JoinResult:
    """Join the slate's odds to its latest snapshot as of ``as_of`` (see the module doc).

    Raises :class:`PipelineError` when the slate has no snapshot at or before ``as_of``.
    """
    settings = settings or EvSettings()
    as_of = ensure_utc(as_of)
    snapshot_ts = latest_snapshot_ts(wh, slate_date, as_of)
    if snapshot_ts is None:
        raise PipelineError(
            f"no probability snapshot for slate {slate_date} at or before {as_of:%Y-%m-%dT%H:%M:%SZ}; "
            "run the production snapshot first (propledger snapshot --date, or --run-production)"
        )
    window = dt.timedelta(minutes=settings.odds_freshness_minutes)
    params = {
        "as_of": as_of,
        "slate": slate_date,
        "snapshot_ts": snapshot_ts,
        "book_types": list(settings.exclude_book_types),
        "markets": [m.upper() for m in settings.exclude_markets],
        "ladders": include_ladders,
        "fresh_lo": snapshot_ts - window,
        "fresh_hi": snapshot_ts + window,
    }
    # one query classifies every slate row; the joined rows and the counts are cut from it
    classified = _query(wh, _SQL + _ROWS, params)
    status = classified["status"]
    rows = classified.filter(pc.equal(status, JOINED)).drop_columns(["status"])
    counts = (
        classified.group_by(list(COUNT_KEYS), use_threads=False)
        .aggregate([([], "count_all")])
        .rename_columns({"count_all": "n"})
        .select([*COUNT_KEYS, "n"])
        .sort_by([(k, "ascending") for k in COUNT_KEYS])
    )
    by_status = counts.group_by("status", use_threads=False).aggregate([("n", "sum")])
    totals = dict(zip(by_status["status"].to_pylist(), by_status["n_sum"].to_pylist(), strict=True))
    reason_counts = {r.value: int(totals.get(r.value, 0)) for r in JoinReason}
    n_odds = int(pc.sum(counts["n"]).as_py() or 0)
    return JoinResult(
        slate_date=slate_date,
        as_of=as_of,
        snapshot_ts=snapshot_ts,
        freshness_minutes=settings.odds_freshness_minutes,
        rows=rows,
        counts=counts,
        n_odds_rows=n_odds,
        reason_counts=MappingProxyType(reason_counts),
    )


def _query(wh: Warehouse, sql: str, params: dict[str, object]) -> pa.Table:
    # named parameters: DuckDB binds only those the statement uses, so pass just those
    used = {k: v for k, v in params.items() if f"${k}" in sql}
    rel = wh.con.sql(sql, params=used)
    return rel.to_arrow_table()


__all__ = [
    "COUNT_KEYS",
    "JOINED",
    "JOINED_COLUMNS",
    "JoinReason",
    "JoinResult",
    "canonical_join",
    "latest_snapshot_ts",
]
