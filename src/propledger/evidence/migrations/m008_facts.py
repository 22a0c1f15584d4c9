"""The four daily evidence facts (DESIGN section 7) and their ``v_*_latest`` views.

Every fact is computed per slate (the America/New_York date of the games) and stored as a
**version of the whole slate**: the rows of one computation share ``version`` (1, 2, …) and
``slate_fingerprint`` (sha256 over the sorted per-row ``fingerprint``\\s, each the sha256 of the
row's canonical JSON content). A run whose rows have the same slate fingerprint as the slate's
latest version appends nothing; a different one appends every row of the slate as
``version + 1`` (so rows that disappeared are gone from the latest version, and a return to an
earlier state is a new version too). The PRIMARY KEY is the natural key plus ``version``
(``INSERT OR IGNORE``). ``computed_utc`` is the run clock, ``run_id`` the run: both lineage,
neither is fingerprinted. The views return the rows of the latest version of each slate.

Units: times UTC; minutes are minutes; rates are shares in [0, 1]; EV, ROI and CLV per unit
stake; log loss in nats. ``obs_*`` columns are observational (never used to gate or select).
See docs/evidence.md for every column.
"""

VERSION = 8
NAME = "facts"

_LINEAGE = """
        version INTEGER NOT NULL,
        fingerprint VARCHAR NOT NULL,
        slate_fingerprint VARCHAR NOT NULL,
        computed_utc TIMESTAMPTZ NOT NULL,
        run_id VARCHAR NOT NULL,
        loaded_at TIMESTAMPTZ"""


def _latest(view: str, table: str) -> str:
    return (
        f"CREATE VIEW {view} AS SELECT * EXCLUDE (_latest) FROM ("
        f"SELECT *, max(version) OVER (PARTITION BY slate_date) AS _latest FROM {table}"
        ") WHERE version = _latest"
    )


STATEMENTS = [
    f"""CREATE TABLE fact_odds_coverage_daily (
        slate_date DATE NOT NULL,
        vendor VARCHAR NOT NULL,
        book_name_raw VARCHAR NOT NULL,
        market VARCHAR NOT NULL,
        book_type VARCHAR,
        games_scheduled INTEGER NOT NULL,
        games_with_odds INTEGER NOT NULL,
        events_with_odds INTEGER NOT NULL,
        players_with_odds INTEGER NOT NULL,
        players_mapped INTEGER NOT NULL,
        quotes BIGINT NOT NULL,
        live_quotes BIGINT NOT NULL,
        captures INTEGER NOT NULL,
        offers INTEGER NOT NULL,
        two_sided_pairs INTEGER NOT NULL,
        first_capture_utc TIMESTAMPTZ,
        latest_capture_utc TIMESTAMPTZ,
        first_puck_utc TIMESTAMPTZ,
        freshness_ref_utc TIMESTAMPTZ,
        freshness_minutes DOUBLE,{_LINEAGE},
        PRIMARY KEY (slate_date, vendor, book_name_raw, market, version))""",
    _latest("v_odds_coverage_daily_latest", "fact_odds_coverage_daily"),
    f"""CREATE TABLE fact_mapping_quality_daily (
        slate_date DATE NOT NULL,
        vendor VARCHAR NOT NULL,
        rows BIGINT NOT NULL,
        rows_mapped BIGINT NOT NULL,
        rows_event_mapped BIGINT NOT NULL,
        rows_player_mapped BIGINT NOT NULL,
        rows_market_mapped BIGINT NOT NULL,
        pct_mapped DOUBLE,
        pct_events_mapped DOUBLE,
        pct_players_mapped DOUBLE,
        pct_markets_mapped DOUBLE,
        events INTEGER NOT NULL,
        events_mapped INTEGER NOT NULL,
        players INTEGER NOT NULL,
        players_mapped INTEGER NOT NULL,
        n_no_game BIGINT NOT NULL,
        n_no_player BIGINT NOT NULL,
        n_ambiguous BIGINT NOT NULL,
        n_unknown_market BIGINT NOT NULL,
        n_other_reason BIGINT NOT NULL,
        by_reason JSON,
        by_method JSON,
        top_unmapped JSON,{_LINEAGE},
        PRIMARY KEY (slate_date, vendor, version))""",
    _latest("v_mapping_quality_daily_latest", "fact_mapping_quality_daily"),
    f"""CREATE TABLE fact_ev_summary_daily (
        slate_date DATE NOT NULL,
        market VARCHAR NOT NULL,
        book_name_raw VARCHAR NOT NULL,
        vendor VARCHAR NOT NULL,
        snapshot_ts TIMESTAMPTZ NOT NULL,
        as_of_utc TIMESTAMPTZ NOT NULL,
        quotes BIGINT NOT NULL,
        candidates BIGINT NOT NULL,
        joined BIGINT NOT NULL,
        fresh BIGINT NOT NULL,
        ev_pos BIGINT NOT NULL,
        ev_ge_2pct BIGINT NOT NULL,
        selected BIGINT NOT NULL,
        best_bets BIGINT NOT NULL,
        flagged BIGINT NOT NULL,
        mean_ev DOUBLE,
        median_ev DOUBLE,
        max_ev DOUBLE,
        obs_mean_edge DOUBLE,
        obs_mean_edge_consensus DOUBLE,
        obs_settlement_rows BIGINT NOT NULL,
        obs_settled_bets BIGINT NOT NULL,
        obs_roi DOUBLE,
        obs_clv_price DOUBLE,
        obs_clv_consensus DOUBLE,{_LINEAGE},
        PRIMARY KEY (slate_date, market, book_name_raw, vendor, version))""",
    _latest("v_ev_summary_daily_latest", "fact_ev_summary_daily"),
    f"""CREATE TABLE fact_forecast_accuracy_daily (
        slate_date DATE NOT NULL,
        market VARCHAR NOT NULL,
        line DOUBLE NOT NULL,
        prob_source VARCHAR NOT NULL,
        is_primary_line BOOLEAN NOT NULL,
        settlement_rows BIGINT NOT NULL,
        n BIGINT NOT NULL,
        base_rate DOUBLE,
        mean_p DOUBLE,
        log_loss DOUBLE,
        baseline_log_loss DOUBLE,
        log_loss_improvement DOUBLE,
        log_loss_skill DOUBLE,
        brier DOUBLE,
        baseline_brier DOUBLE,
        ece DOUBLE,
        roc_auc DOUBLE,
        top5_hit_rate DOUBLE,
        top10_hit_rate DOUBLE,
        top20_hit_rate DOUBLE,
        low_p_logloss_share DOUBLE,
        reliability JSON,{_LINEAGE},
        PRIMARY KEY (slate_date, market, line, prob_source, version))""",
    _latest("v_forecast_accuracy_daily_latest", "fact_forecast_accuracy_daily"),
]
