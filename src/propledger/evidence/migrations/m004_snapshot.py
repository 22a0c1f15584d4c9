"""``fact_probability_snapshot``: the model's prices for a slate (DESIGN sections 4-5).

One row per snapshot × game × player × market × line. ``snapshot_ts`` is the run clock's UTC
instant; ``slate_date`` the America/New_York date of the game. The natural key is the PRIMARY
KEY, written with ``INSERT OR IGNORE``, so re-running a snapshot with a frozen clock adds no
rows, while a later run (a new ``snapshot_ts``) appends a new version.

Units: ``mu`` and ``mu_base`` are expected counts per game; multipliers are dimensionless;
``proj_*`` are minutes; probabilities are 0-1 (``p_over`` etc. are what MARKET_POLICY
publishes, ``*_raw`` the distribution's, ``p_over_cal`` the calibrator's, NULL when the market
is not calibrated or calibration is disabled). ``features`` is a JSON object of the feature
values behind μ (NULL = missing) plus context (games in the windows, the opposing goalie).
``line_source``: ``standard`` (the market's ladder), ``offered`` (a book offered it) or
``standard+offered``. ``v_probability_latest`` holds the latest snapshot of each key.
"""

VERSION = 4
NAME = "snapshot"

STATEMENTS = [
    """CREATE TABLE fact_probability_snapshot (
        slate_date DATE NOT NULL,
        snapshot_ts TIMESTAMPTZ NOT NULL,
        game_id BIGINT NOT NULL,
        player_id BIGINT NOT NULL,
        market VARCHAR NOT NULL,
        line DOUBLE NOT NULL,
        player_name VARCHAR,
        team VARCHAR NOT NULL,
        opponent VARCHAR NOT NULL,
        line_source VARCHAR NOT NULL,
        mu DOUBLE NOT NULL,
        mu_base DOUBLE NOT NULL,
        mult_opp_sog DOUBLE NOT NULL,
        mult_opp_g DOUBLE NOT NULL,
        mult_goalie DOUBLE NOT NULL,
        mult_itt DOUBLE NOT NULL,
        mult_b2b DOUBLE NOT NULL,
        branch VARCHAR NOT NULL,
        proj_toi DOUBLE,
        proj_ev DOUBLE,
        proj_pp DOUBLE,
        distribution VARCHAR NOT NULL,
        alpha DOUBLE,
        p_over_raw DOUBLE NOT NULL,
        p_under_raw DOUBLE NOT NULL,
        p_push_raw DOUBLE NOT NULL,
        p_over_cal DOUBLE,
        p_over DOUBLE NOT NULL,
        p_under DOUBLE NOT NULL,
        p_push DOUBLE NOT NULL,
        prob_source VARCHAR NOT NULL CHECK (prob_source IN ('Calibrated', 'Raw')),
        model_version VARCHAR NOT NULL,
        calibrator_version VARCHAR,
        features JSON,
        run_id VARCHAR NOT NULL,
        loaded_at TIMESTAMPTZ,
        PRIMARY KEY (slate_date, snapshot_ts, game_id, player_id, market, line))""",
    """CREATE VIEW v_probability_latest AS SELECT * EXCLUDE (_rn) FROM (
        SELECT *, row_number() OVER (
            PARTITION BY slate_date, game_id, player_id, market, line
            ORDER BY snapshot_ts DESC) AS _rn
        FROM fact_probability_snapshot) WHERE _rn = 1""",
]
