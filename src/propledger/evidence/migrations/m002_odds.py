"""``fact_prop_odds``: one row per captured quote (DESIGN section 6), append-only time series.

Idempotency uses a PRIMARY KEY on the quote's natural key, written with ``INSERT OR IGNORE``
(``store.append`` key mode), not a content ``row_hash``: the mapping columns are filled at
ingest and may improve later, and a hash over them would store the same quote twice. The key
is (vendor, capture_ts_utc, event_id_vendor, player_key, market_type, line, side,
book_name_raw, is_ladder):

* ``player_key`` = ``id:<player_id_vendor>`` when the vendor has a player id (Unabated, Kambi),
  else ``name:<player_name_raw>`` (OpenBet, OddsShark): two players with one name (there are
  two Sebastian Ahos) stay apart wherever the vendor can tell them apart.
* ``is_ladder``: a ladder rung "3+" (OVER 2.5) and the O/U over 2.5 at the same book are two
  different offers at different prices; both are kept. Cross-book comparisons use
  ``NOT is_ladder``. Alternates with the same key as a main line are dropped by the parser.

Units: ``odds_decimal`` decimal odds per unit stake; ``odds_american`` derived exactly;
``odds_quoted_raw``/``odds_quoted_format`` as the vendor wrote it; ``line`` in stat units
(DECIMAL(6,1)); times UTC; ``slate_date`` the America/New_York date of the game.
"""

VERSION = 2
NAME = "odds"

STATEMENTS = [
    """CREATE TABLE fact_prop_odds (
        vendor VARCHAR NOT NULL,
        platform VARCHAR NOT NULL,
        capture_ts_utc TIMESTAMPTZ NOT NULL,
        slate_date DATE,
        event_id_vendor VARCHAR NOT NULL,
        event_ref_vendor VARCHAR,
        event_name_raw VARCHAR,
        event_start_time_utc TIMESTAMPTZ,
        home_team VARCHAR,
        away_team VARCHAR,
        player_key VARCHAR NOT NULL,
        player_id_vendor VARCHAR,
        player_name_raw VARCHAR NOT NULL,
        player_team VARCHAR,
        market_type VARCHAR NOT NULL,
        line DECIMAL(6,1) NOT NULL,
        side VARCHAR NOT NULL CHECK (side IN ('OVER', 'UNDER')),
        book_id_vendor VARCHAR,
        book_name_raw VARCHAR NOT NULL,
        book_type VARCHAR NOT NULL CHECK (book_type IN ('SPORTSBOOK', 'DFS_FIXED_PAYOUT')),
        odds_quoted_raw VARCHAR NOT NULL,
        odds_quoted_format VARCHAR NOT NULL,
        odds_decimal DOUBLE NOT NULL CHECK (odds_decimal > 1),
        odds_american INTEGER NOT NULL,
        is_live BOOLEAN NOT NULL,
        is_ladder BOOLEAN NOT NULL,
        is_alternate BOOLEAN NOT NULL,
        bet_type_id VARCHAR,
        market_id_vendor VARCHAR,
        market_source_id VARCHAR,
        outcome_key VARCHAR,
        sequence_number BIGINT,
        raw_payload_hash VARCHAR,
        game_id BIGINT,
        player_id BIGINT,
        map_status VARCHAR,
        map_method VARCHAR,
        map_score DOUBLE,
        map_reason VARCHAR,
        run_id VARCHAR NOT NULL,
        loaded_at TIMESTAMPTZ,
        PRIMARY KEY (vendor, capture_ts_utc, event_id_vendor, player_key, market_type, line,
                     side, book_name_raw, is_ladder))""",
    # the latest capture of each quote identity (what the EV join and coverage read)
    """CREATE VIEW v_prop_odds_latest AS SELECT * EXCLUDE (_rn) FROM (
        SELECT *, row_number() OVER (
            PARTITION BY vendor, event_id_vendor, player_key, market_type, line, side,
                         book_name_raw, is_ladder
            ORDER BY capture_ts_utc DESC) AS _rn
        FROM fact_prop_odds) WHERE _rn = 1""",
]
