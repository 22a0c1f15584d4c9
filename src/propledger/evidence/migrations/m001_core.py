"""Core tables: teams, players, games, MoneyPuck history, box-score outcomes, raw payloads.

Versioned tables (``row_hash`` + ``ingest_seq``) keep every distinct version of a row; the
``v_*`` views return the latest version per natural key. Times are UTC (TIMESTAMPTZ); a
``slate_date`` is the America/New_York date of the game.
"""

VERSION = 1
NAME = "core"

_LINEAGE = "row_hash VARCHAR PRIMARY KEY, ingest_seq BIGINT DEFAULT nextval('ingest_seq'), run_id VARCHAR NOT NULL, loaded_at TIMESTAMPTZ"


def _latest(view: str, table: str, key: str) -> str:
    return (
        f"CREATE VIEW {view} AS SELECT * EXCLUDE (_rn) FROM ("
        f"SELECT *, row_number() OVER (PARTITION BY {key} ORDER BY ingest_seq DESC) AS _rn FROM {table}"
        ") WHERE _rn = 1"
    )


STATEMENTS = [
    "CREATE SEQUENCE IF NOT EXISTS ingest_seq",
    """CREATE TABLE dim_team (
        team_abbrev VARCHAR PRIMARY KEY,
        nhl_team_id INTEGER,
        full_name VARCHAR,
        run_id VARCHAR NOT NULL,
        loaded_at TIMESTAMPTZ)""",
    """CREATE TABLE dim_player (
        player_id BIGINT PRIMARY KEY,
        full_name VARCHAR NOT NULL,
        position VARCHAR,
        team_abbrev VARCHAR,
        birth_date DATE,
        shoots_catches VARCHAR,
        run_id VARCHAR NOT NULL,
        loaded_at TIMESTAMPTZ)""",
    f"""CREATE TABLE dim_game (
        game_id BIGINT NOT NULL,
        season INTEGER NOT NULL,
        game_type INTEGER,
        slate_date DATE NOT NULL,
        start_time_utc TIMESTAMPTZ,
        home_team VARCHAR NOT NULL,
        away_team VARCHAR NOT NULL,
        game_state VARCHAR,
        schedule_state VARCHAR,
        home_score INTEGER,
        away_score INTEGER,
        last_period_type VARCHAR,
        {_LINEAGE})""",
    _latest("v_game", "dim_game", "game_id"),
    f"""CREATE TABLE player_game_situation (
        player_id BIGINT NOT NULL,
        game_id BIGINT NOT NULL,
        situation VARCHAR NOT NULL,
        season INTEGER NOT NULL,
        game_date DATE NOT NULL,
        player_name VARCHAR,
        team VARCHAR NOT NULL,
        opp_team VARCHAR,
        home_or_away VARCHAR,
        position VARCHAR,
        icetime DOUBLE,
        shifts INTEGER,
        goals INTEGER,
        primary_assists INTEGER,
        secondary_assists INTEGER,
        assists INTEGER,
        points INTEGER,
        sog INTEGER,
        missed_shots INTEGER,
        blocked_attempts INTEGER,
        shot_attempts INTEGER,
        xgoals DOUBLE,
        x_on_goal DOUBLE,
        blocks INTEGER,
        hits INTEGER,
        onice_xgoals DOUBLE,
        onice_goals INTEGER,
        onice_xga DOUBLE,
        onice_ga INTEGER,
        {_LINEAGE})""",
    _latest("v_player_game_situation", "player_game_situation", "player_id, game_id, situation"),
    f"""CREATE TABLE goalie_game (
        player_id BIGINT NOT NULL,
        game_id BIGINT NOT NULL,
        situation VARCHAR NOT NULL,
        season INTEGER NOT NULL,
        game_date DATE NOT NULL,
        player_name VARCHAR,
        team VARCHAR NOT NULL,
        opp_team VARCHAR,
        home_or_away VARCHAR,
        icetime DOUBLE,
        xgoals_against DOUBLE,
        goals_against INTEGER,
        shots_against INTEGER,
        saves INTEGER,
        {_LINEAGE})""",
    _latest("v_goalie_game", "goalie_game", "player_id, game_id, situation"),
    f"""CREATE TABLE fact_outcome (
        game_id BIGINT NOT NULL,
        player_id BIGINT NOT NULL,
        team VARCHAR NOT NULL,
        position VARCHAR,
        is_goalie BOOLEAN NOT NULL,
        game_state VARCHAR NOT NULL,
        goals INTEGER,
        assists INTEGER,
        points INTEGER,
        sog INTEGER,
        blocks INTEGER,
        toi_seconds INTEGER,
        saves INTEGER,
        shots_against INTEGER,
        goals_against INTEGER,
        {_LINEAGE})""",
    _latest("v_outcome", "fact_outcome", "game_id, player_id"),
    """CREATE TABLE raw_payload (
        payload_hash VARCHAR PRIMARY KEY,
        vendor VARCHAR NOT NULL,
        surface VARCHAR NOT NULL,
        url VARCHAR NOT NULL,
        capture_ts_utc TIMESTAMPTZ NOT NULL,
        slate_date DATE,
        path VARCHAR NOT NULL,
        bytes BIGINT NOT NULL,
        content_type VARCHAR,
        http_status INTEGER,
        last_modified VARCHAR,
        run_id VARCHAR NOT NULL,
        loaded_at TIMESTAMPTZ)""",
]
