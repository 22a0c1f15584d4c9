"""``moneypuck_watermark``: how far each MoneyPuck team file has been imported.

A team file holds a whole season (the sample world) or the season so far (live, growing
nightly); an import takes its rows with ``game_date <= bound``. One row per payload (sha256 of
the body), table and bound records the file's first game after that bound: every row of that
payload dated before ``next_game_date`` (all of them when it is NULL) is already stored, so a
later refresh with a bound before ``next_game_date`` cannot add anything from those bytes and
skips parsing them. Written in the same transaction as the rows it describes; append-only.
"""

VERSION = 10
NAME = "moneypuck_watermark"

STATEMENTS = [
    """CREATE TABLE moneypuck_watermark (
        payload_hash VARCHAR NOT NULL,
        target VARCHAR NOT NULL,
        season INTEGER NOT NULL,
        team VARCHAR NOT NULL,
        bound DATE NOT NULL,
        rows_in_bound BIGINT NOT NULL,
        max_game_date DATE,
        next_game_date DATE,
        run_id VARCHAR NOT NULL,
        loaded_at TIMESTAMPTZ,
        PRIMARY KEY (payload_hash, target, bound))""",
]
