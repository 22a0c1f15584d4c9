"""``map_vendor_player``: learned vendor player id → NHL player id (odds mapping, DESIGN section 6).

Vendors with their own player ids (Unabated ``personId``, Kambi ``participantId``) are matched
by name the first time; every unambiguous exact name match (team-aware) is recorded here, and
later quotes with that vendor id map by id (``map_method = vendor_id``) even after a trade or a
spelling change. Rows are append-only evidence (key = vendor, platform, vendor id, NHL id):
a vendor id is *confirmed* only while every recorded match agrees on one NHL id
(``v_map_vendor_player``); a conflicting match un-confirms it and mapping falls back to names.
``method`` is ``exact`` (learned at ingest) or ``manual`` (an operator's confirmation).
"""

VERSION = 7
NAME = "mapping"

STATEMENTS = [
    """CREATE TABLE map_vendor_player (
        vendor VARCHAR NOT NULL,
        platform VARCHAR NOT NULL,
        player_id_vendor VARCHAR NOT NULL,
        player_id BIGINT NOT NULL,
        method VARCHAR NOT NULL,
        player_name_raw VARCHAR,
        player_team VARCHAR,
        game_id BIGINT,
        first_seen_utc TIMESTAMPTZ,
        run_id VARCHAR NOT NULL,
        loaded_at TIMESTAMPTZ,
        PRIMARY KEY (vendor, platform, player_id_vendor, player_id))""",
    # confirmed = every recorded match of the vendor id names the same NHL player
    """CREATE VIEW v_map_vendor_player AS
        SELECT vendor, platform, player_id_vendor, min(player_id) AS player_id,
               count(*) AS n_records, min(first_seen_utc) AS first_seen_utc
        FROM map_vendor_player
        GROUP BY vendor, platform, player_id_vendor
        HAVING count(DISTINCT player_id) = 1""",
]
