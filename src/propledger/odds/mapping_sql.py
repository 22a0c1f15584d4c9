"""The SQL of odds entity mapping (``odds/mapping.py``), kept apart so the logic stays short.

Relations registered by ``map_quotes``: ``q`` (the payload's quote key columns + ``_row``),
``ev_map`` (the events query's result), ``mapped_games`` (game_id, home_team, away_team,
game_date) and ``pl_map`` (one row per distinct (event, player) with its match). Parameters:
``EVENTS_SQL`` the window in seconds; ``ROSTER_SQL`` the roster lookback in days (4×);
``JOIN_SQL`` the list of known markets (2×).
"""

EVENTS_SQL = """
WITH ev AS (
    SELECT DISTINCT vendor, event_id_vendor, event_start_time_utc, home_team, away_team,
        coalesce(CAST(timezone('America/New_York', event_start_time_utc) AS DATE), slate_date,
                 CASE WHEN regexp_matches(event_id_vendor, '^ODDSSHARK_[0-9]{8}_')
                      THEN strptime(substr(event_id_vendor, 11, 8), '%Y%m%d')::DATE END,
                 CAST(timezone('America/New_York', capture_ts_utc) AS DATE)) AS ev_date
    FROM q
),
games AS (
    SELECT game_id, home_team, away_team, start_time_utc, slate_date FROM (
        SELECT *, row_number() OVER (PARTITION BY game_id ORDER BY ingest_seq DESC) AS rn
        FROM dim_game
        WHERE slate_date BETWEEN (SELECT min(ev_date) FROM ev) - 2 AND (SELECT max(ev_date) FROM ev) + 2
    ) WHERE rn = 1
),
cand AS (
    SELECT ev.vendor, ev.event_id_vendor, ev.event_start_time_utc, ev.home_team, ev.away_team,
           g.game_id, g.slate_date AS game_date,
           CASE WHEN ev.event_start_time_utc IS NOT NULL AND g.start_time_utc IS NOT NULL
                THEN abs(epoch(g.start_time_utc) - epoch(ev.event_start_time_utc))
                ELSE abs(date_diff('day', ev.ev_date, g.slate_date)) * 86400.0 END AS gap
    FROM ev JOIN games g ON g.home_team = ev.home_team AND g.away_team = ev.away_team
),
ranked AS (
    SELECT *, row_number() OVER w AS rn, count(*) OVER (PARTITION BY vendor, event_id_vendor,
           event_start_time_utc, home_team, away_team, gap) AS ties
    FROM cand WHERE gap <= ?
    WINDOW w AS (PARTITION BY vendor, event_id_vendor, event_start_time_utc, home_team, away_team
                 ORDER BY gap, game_id)
)
SELECT ev.vendor, ev.event_id_vendor, ev.event_start_time_utc, ev.home_team, ev.away_team,
       CASE WHEN r.ties = 1 THEN r.game_id END AS game_id,
       r.game_date,
       CASE WHEN r.game_id IS NULL THEN 'no_game' WHEN r.ties > 1 THEN 'ambiguous' END AS ev_reason
FROM ev LEFT JOIN ranked r
  ON r.rn = 1 AND r.vendor = ev.vendor AND r.event_id_vendor = ev.event_id_vendor
 AND r.event_start_time_utc IS NOT DISTINCT FROM ev.event_start_time_utc
 AND r.home_team IS NOT DISTINCT FROM ev.home_team AND r.away_team IS NOT DISTINCT FROM ev.away_team
"""

ROSTER_SQL = """
WITH g AS (SELECT DISTINCT game_id, home_team, away_team, game_date FROM mapped_games),
apps AS (
    SELECT player_id, team, game_date AS d FROM player_game_situation
    WHERE situation = 'all' AND game_date BETWEEN (SELECT min(game_date) FROM g) - ?
                                              AND (SELECT max(game_date) FROM g)
    UNION ALL
    SELECT o.player_id, o.team, dg.slate_date FROM fact_outcome o
    JOIN (SELECT DISTINCT game_id, slate_date FROM dim_game) dg USING (game_id)
    WHERE NOT o.is_goalie AND dg.slate_date BETWEEN (SELECT min(game_date) FROM g) - ?
                                                AND (SELECT max(game_date) FROM g)
),
days AS (SELECT player_id, d, max(team) AS team FROM apps GROUP BY player_id, d),
marked AS (
    SELECT *, CASE WHEN team IS DISTINCT FROM lag(team) OVER w THEN 1 ELSE 0 END AS brk
    FROM days WINDOW w AS (PARTITION BY player_id ORDER BY d)
),
grouped AS (
    SELECT *, sum(brk) OVER (PARTITION BY player_id ORDER BY d ROWS UNBOUNDED PRECEDING) AS stint
    FROM marked
),
stints AS (
    SELECT player_id, team, min(d) AS start_d, max(d) AS last_d FROM grouped
    GROUP BY player_id, team, stint
),
spans AS (
    SELECT *, lead(start_d) OVER (PARTITION BY player_id ORDER BY start_d) AS next_d,
           max(last_d) OVER (PARTITION BY player_id) AS final_d
    FROM stints
),
by_history AS (
    SELECT g.game_id, s.player_id, s.team FROM g JOIN spans s
      ON s.team IN (g.home_team, g.away_team) AND s.start_d <= g.game_date
     AND (s.next_d IS NULL OR g.game_date < s.next_d) AND s.last_d >= g.game_date - ?
),
dim AS (
    SELECT player_id, team_abbrev FROM dim_player
    WHERE team_abbrev IN (SELECT home_team FROM g UNION SELECT away_team FROM g)
),
last_seen AS (  -- over all history: a long-retired player is not a call-up
    SELECT player_id, max(d) AS final_d FROM (
        SELECT player_id, game_date AS d FROM player_game_situation
        WHERE situation = 'all' AND player_id IN (SELECT player_id FROM dim)
        UNION ALL
        SELECT o.player_id, dg.slate_date FROM fact_outcome o
        JOIN (SELECT DISTINCT game_id, slate_date FROM dim_game) dg USING (game_id)
        WHERE o.player_id IN (SELECT player_id FROM dim)
    ) GROUP BY player_id
),
by_dim AS (  -- after his last game (or without any): the team dim_player names
    SELECT g.game_id, p.player_id, p.team_abbrev AS team FROM g JOIN dim p
      ON p.team_abbrev IN (g.home_team, g.away_team)
    LEFT JOIN last_seen l ON l.player_id = p.player_id
    WHERE l.final_d IS NULL OR (g.game_date > l.final_d AND l.final_d >= g.game_date - ?)
),
cands AS (SELECT * FROM by_history UNION SELECT * FROM by_dim),
names AS (
    SELECT player_id, full_name AS name FROM dim_player
    WHERE player_id IN (SELECT player_id FROM cands)
    UNION
    SELECT DISTINCT player_id, player_name FROM player_game_situation
    WHERE situation = 'all' AND player_name IS NOT NULL
      AND player_id IN (SELECT player_id FROM cands)
)
SELECT c.game_id, c.player_id, c.team, n.name FROM cands c JOIN names n USING (player_id)
ORDER BY c.game_id, c.player_id, n.name
"""

PLAYERS_SQL = """
SELECT DISTINCT q.vendor, q.platform, q.event_id_vendor, q.event_start_time_utc, q.home_team,
       q.away_team, q.player_key, q.player_id_vendor, q.player_name_raw, q.player_team,
       e.game_id, v.player_id AS vendor_player_id
FROM q JOIN ev_map e
  ON e.vendor = q.vendor AND e.event_id_vendor = q.event_id_vendor
 AND e.event_start_time_utc IS NOT DISTINCT FROM q.event_start_time_utc
 AND e.home_team IS NOT DISTINCT FROM q.home_team AND e.away_team IS NOT DISTINCT FROM q.away_team
LEFT JOIN v_map_vendor_player v
  ON v.vendor = q.vendor AND v.platform = q.platform AND v.player_id_vendor = q.player_id_vendor
WHERE e.game_id IS NOT NULL
"""

JOIN_SQL = """
SELECT e.game_id,
       p.player_id,
       CASE WHEN q.market_type IN (SELECT unnest(?)) AND e.game_id IS NOT NULL
                 AND p.player_id IS NOT NULL THEN 'mapped' ELSE 'unmapped' END AS map_status,
       CASE WHEN p.player_id IS NOT NULL THEN p.method END AS map_method,
       p.score AS map_score,
       CASE WHEN q.market_type NOT IN (SELECT unnest(?)) THEN 'unknown_market'
            ELSE coalesce(e.ev_reason, p.reason) END AS map_reason
FROM q LEFT JOIN ev_map e
  ON e.vendor = q.vendor AND e.event_id_vendor = q.event_id_vendor
 AND e.event_start_time_utc IS NOT DISTINCT FROM q.event_start_time_utc
 AND e.home_team IS NOT DISTINCT FROM q.home_team AND e.away_team IS NOT DISTINCT FROM q.away_team
LEFT JOIN pl_map p
  ON p.vendor = q.vendor AND p.platform = q.platform AND p.event_id_vendor = q.event_id_vendor
 AND p.event_start_time_utc IS NOT DISTINCT FROM q.event_start_time_utc
 AND p.home_team IS NOT DISTINCT FROM q.home_team AND p.away_team IS NOT DISTINCT FROM q.away_team
 AND p.player_key = q.player_key AND p.player_name_raw = q.player_name_raw
 AND p.player_team IS NOT DISTINCT FROM q.player_team
ORDER BY q._row
"""

__all__ = ["EVENTS_SQL", "JOIN_SQL", "PLAYERS_SQL", "ROSTER_SQL"]
