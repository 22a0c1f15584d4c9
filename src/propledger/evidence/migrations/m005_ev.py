"""EV step and settlement facts: ``fact_ev_candidate``, ``fact_settlement``, ``fact_ev_settlement``.

``fact_ev_candidate``: every row of the canonical odds↔probability join (``ev/join.py``) with
its EV, fair prices, de-vig, consensus and selection flags. Versioned by content
(``row_hash``): an identical re-run adds no rows; a changed input (a newer capture, a new
snapshot, other selection thresholds, a moved consensus) appends a new version. The natural
key of a priced quote is (slate_date, snapshot_ts, vendor, book_name_raw, event_id_vendor,
player_key, market, line, side, is_ladder, capture_ts_utc); ``v_ev_candidate_latest`` keeps,
per slate, the rows of the latest snapshot, the latest capture of each quote identity and the
latest version of it. The best-bet ``rank`` is not stored (it depends on the whole slate; the
report shows it).

``fact_settlement``: one row per settled ``fact_probability_snapshot`` row (same natural
key, PRIMARY KEY, ``INSERT OR IGNORE``): settled once, the first settlement stands.
``fact_ev_settlement``: one row per settled ``fact_ev_candidate`` row, keyed by the
candidate's ``row_hash``. Both are observational: nothing reads them for selection or gating.

Units: prices decimal odds per unit stake; probabilities 0-1; EV, ``return_units`` and CLV per
unit stake; times UTC; ``slate_date`` the America/New_York date of the game; ``actual`` the
player's count in the market's stat.
"""

VERSION = 5
NAME = "ev"

STATEMENTS = [
    """CREATE TABLE fact_ev_candidate (
        slate_date DATE NOT NULL,
        snapshot_ts TIMESTAMPTZ NOT NULL,
        game_id BIGINT NOT NULL,
        player_id BIGINT NOT NULL,
        market VARCHAR NOT NULL,
        line DOUBLE NOT NULL,
        side VARCHAR NOT NULL,
        vendor VARCHAR NOT NULL,
        platform VARCHAR,
        book_name_raw VARCHAR NOT NULL,
        book_id_vendor VARCHAR,
        book_type VARCHAR NOT NULL,
        event_id_vendor VARCHAR NOT NULL,
        player_key VARCHAR NOT NULL,
        player_name_raw VARCHAR,
        is_ladder BOOLEAN NOT NULL,
        capture_ts_utc TIMESTAMPTZ NOT NULL,
        freshness_minutes DOUBLE NOT NULL,
        start_time_utc TIMESTAMPTZ,
        home_team VARCHAR,
        away_team VARCHAR,
        player_name VARCHAR,
        team VARCHAR,
        opponent VARCHAR,
        odds_quoted_raw VARCHAR,
        odds_decimal DOUBLE NOT NULL,
        odds_american INTEGER,
        raw_payload_hash VARCHAR,
        mu DOUBLE,
        distribution VARCHAR,
        prob_source VARCHAR NOT NULL,
        model_version VARCHAR,
        calibrator_version VARCHAR,
        p_over DOUBLE NOT NULL,
        p_under DOUBLE NOT NULL,
        p_push DOUBLE NOT NULL,
        p_model DOUBLE NOT NULL,
        ev DOUBLE NOT NULL,
        implied_prob DOUBLE NOT NULL,
        fair_decimal DOUBLE,
        kelly DOUBLE,
        pair_decimal DOUBLE,
        devig_status VARCHAR,
        margin DOUBLE,
        p_fair DOUBLE,
        p_fair_power DOUBLE,
        p_fair_shin DOUBLE,
        n_sharp_books INTEGER,
        p_fair_consensus DOUBLE,
        edge DOUBLE,
        edge_consensus DOUBLE,
        is_candidate BOOLEAN NOT NULL,
        is_best_bet BOOLEAN NOT NULL,
        audit_flag BOOLEAN NOT NULL,
        row_hash VARCHAR PRIMARY KEY,
        ingest_seq BIGINT DEFAULT nextval('ingest_seq'),
        run_id VARCHAR NOT NULL,
        loaded_at TIMESTAMPTZ)""",
    """CREATE VIEW v_ev_candidate_latest AS
        WITH latest AS (
            SELECT slate_date, max(snapshot_ts) AS snapshot_ts
            FROM fact_ev_candidate GROUP BY slate_date)
        SELECT * EXCLUDE (_rn) FROM (
            SELECT c.*, row_number() OVER (
                PARTITION BY c.slate_date, c.vendor, c.book_name_raw, c.event_id_vendor,
                             c.player_key, c.market, c.line, c.side, c.is_ladder
                ORDER BY c.capture_ts_utc DESC, c.ingest_seq DESC) AS _rn
            FROM fact_ev_candidate c JOIN latest l USING (slate_date, snapshot_ts))
        WHERE _rn = 1""",
    """CREATE TABLE fact_settlement (
        slate_date DATE NOT NULL,
        snapshot_ts TIMESTAMPTZ NOT NULL,
        game_id BIGINT NOT NULL,
        player_id BIGINT NOT NULL,
        market VARCHAR NOT NULL,
        line DOUBLE NOT NULL,
        actual INTEGER,
        result VARCHAR NOT NULL CHECK (result IN ('OVER', 'UNDER', 'PUSH', 'VOID')),
        void_reason VARCHAR,
        outcome_over SMALLINT,
        toi_seconds INTEGER,
        game_state VARCHAR,
        settled_ts TIMESTAMPTZ NOT NULL,
        run_id VARCHAR NOT NULL,
        loaded_at TIMESTAMPTZ,
        PRIMARY KEY (slate_date, snapshot_ts, game_id, player_id, market, line))""",
    """CREATE TABLE fact_ev_settlement (
        candidate_hash VARCHAR PRIMARY KEY,
        slate_date DATE NOT NULL,
        snapshot_ts TIMESTAMPTZ NOT NULL,
        game_id BIGINT NOT NULL,
        player_id BIGINT NOT NULL,
        market VARCHAR NOT NULL,
        line DOUBLE NOT NULL,
        side VARCHAR NOT NULL,
        vendor VARCHAR NOT NULL,
        book_name_raw VARCHAR NOT NULL,
        capture_ts_utc TIMESTAMPTZ NOT NULL,
        odds_decimal DOUBLE NOT NULL,
        actual INTEGER,
        result VARCHAR NOT NULL CHECK (result IN ('WIN', 'LOSE', 'PUSH', 'VOID')),
        void_reason VARCHAR,
        return_units DOUBLE NOT NULL,
        close_capture_ts TIMESTAMPTZ,
        close_decimal DOUBLE,
        clv_price DOUBLE,
        n_close_sharp_books INTEGER,
        p_close_consensus DOUBLE,
        clv_consensus DOUBLE,
        settled_ts TIMESTAMPTZ NOT NULL,
        run_id VARCHAR NOT NULL,
        loaded_at TIMESTAMPTZ)""",
]
