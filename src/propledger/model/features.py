"""Phase 10 features (DESIGN section 5), computed in DuckDB over the warehouse.

One SQL path serves both uses:

* the **production slate** (:func:`slate_features`): one virtual row per player on slate D;
* **historical as-of rows** (:func:`history_features`): one row per skater-game already played,
  featurised as if it were tomorrow's slate (for calibration and evaluation).

How "strictly before the slate date" is guaranteed: every history row carries rolling
aggregates over the player's (team's, goalie's) last N games *including* that game; a target
(player, slate date D) is joined with ``ASOF … ON target.slate_date > history.day`` to the
latest game dated strictly before D, whose inclusive window is exactly "the last N games
before D" ("up to N": fewer games still give a value). No row dated on or after D can reach
a feature for D (the leakage test mutates those rows and asserts identical features).

Units: TOI features are minutes per game; ``*60`` features are per 60 minutes of the named
situation; ``*_pg_*`` are per game. Situations: ``all``; EV = ``5on5``; PP = ``5on4``. A
player-game is defined by its ``all`` row; a missing ``5on5``/``5on4`` row counts as zero
time and zero events in that situation (MoneyPuck omits no rows in practice). Missing
features are NaN (never 0): no prior game, zero denominators, no goalie found.

Dates: a game's day is its America/New_York slate date from ``v_game`` (MoneyPuck's
``game_date`` when the schedule lacks the game).
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.compute as pc

from propledger.evidence.warehouse import Warehouse
from propledger.model.constants import FEATURE_COLUMNS

#: Identity of a feature row (slate_date is the America/New_York date of the game).
KEY_COLUMNS: tuple[str, ...] = (
    "slate_date",
    "game_id",
    "player_id",
    "player_name",
    "position",
    "team",
    "opponent",
)

#: Context for the "why" explanation; not model inputs.
CONTEXT_COLUMNS: tuple[str, ...] = (
    "games_L10",
    "games_L40",
    "last_game_day",
    "opp_goalie_id",
    "opp_goalie_name",
    "opp_goalie_backup",
)

#: Slate membership: a skater's latest game must be at most this many days before D.
SLATE_RECENCY_DAYS = 30
#: Opposing-goalie candidates: goalies who played for the team within this many days before D.
GOALIE_RECENCY_DAYS = 14
#: Schedule states of games that are not played on their date.
NOT_PLAYED_STATES: tuple[str, ...] = ("PPD", "CNCL", "SUSP")

_NOT_PLAYED = ", ".join(f"'{s}'" for s in NOT_PLAYED_STATES)


def _lit(day: dt.date) -> str:
    """A DATE literal (dates are typed values, so this cannot inject SQL)."""
    return f"DATE '{dt.date.fromordinal(day.toordinal()).isoformat()}'"


_GAMES_CTE = """
games AS MATERIALIZED (
    SELECT game_id, slate_date, home_team, away_team, schedule_state FROM v_game
)"""


# The shared history CTEs. ``{upto}`` bounds the scanned history (exclusive): it never changes
# a feature (the ASOF join is strict) and only saves work; so does ``{only}``, which limits
# the player windows to the target players on the production path. ``pg`` is read by several
# CTEs: MATERIALIZED keeps DuckDB from pivoting the history once per reader.
def _pivot_columns() -> str:
    """One row per player-game from the situation rows: the latest version (``ingest_seq``)
    of each value, ``all`` stats, and 5on5/5on4 stats (a missing situation row = 0)."""
    out = []
    for column, name in _ALL_COLUMNS:
        out.append(
            f"arg_max_null(p.{column}, p.ingest_seq) FILTER (WHERE p.situation = 'all') AS {name}"
        )
    for situation, prefix in (("5on5", "ev"), ("5on4", "pp")):
        for column, name in _SPLIT_COLUMNS:
            out.append(
                f"coalesce(arg_max_null(p.{column}, p.ingest_seq) FILTER "
                f"(WHERE p.situation = '{situation}'), 0) AS {prefix}_{name}"
            )
    return ",\n        ".join(out)


_ALL_COLUMNS = (("team", "team"), ("opp_team", "opp_team"), ("player_name", "player_name"),
                ("position", "position"), ("game_date", "game_date"), ("icetime", "toi_s"),
                ("xgoals", "xg"), ("sog", "sog"), ("shot_attempts", "att"), ("blocks", "blk"),
                ("assists", "ast"), ("points", "pts"))  # fmt: skip
_SPLIT_COLUMNS = (
    ("icetime", "toi_s"),
    ("assists", "ast"),
    ("points", "pts"),
    ("onice_xgoals", "oxg"),
)

# The shared history CTEs. ``{upto}`` bounds the scanned history (exclusive): it never changes
# a feature (the ASOF join is strict) and only saves work; so does ``{only}``, which limits
# the player windows to the target players on the production path. The pivot reads the base
# table and keeps each key's latest version itself (what ``v_player_game_situation`` does,
# without a window over the whole table). ``pg`` is read by several CTEs: MATERIALIZED keeps
# DuckDB from pivoting the history once per reader.
_HISTORY_CTES = (
    """
pg AS MATERIALIZED (
    SELECT r.* EXCLUDE (game_date), coalesce(g.slate_date, r.game_date) AS day
    FROM (
        SELECT p.player_id, p.game_id,
        """
    + _pivot_columns()
    + """
        FROM player_game_situation p
        WHERE p.situation IN ('all', '5on5', '5on4') AND p.game_date < {upto} + 2 {only}
        GROUP BY p.player_id, p.game_id
        HAVING count(*) FILTER (WHERE p.situation = 'all') > 0
    ) r LEFT JOIN games g USING (game_id)
    WHERE coalesce(r.position, '') <> 'G' AND coalesce(g.slate_date, r.game_date) < {upto}
),
"""
)
_HISTORY_CTES += """player_roll AS (
    SELECT player_id, day,
        count(*) OVER w10 AS games_L10,
        count(*) OVER w40 AS games_L40,
        avg(toi_s) OVER w10 / 60.0 AS toi_L10,
        avg(xg) OVER w10 AS xg_pg_L10,
        avg(sog) OVER w10 AS sog_pg_L10,
        avg(blk) OVER w10 AS blk_pg_L10,
        avg(ast) OVER w10 AS ast_pg_L10,
        avg(pts) OVER w10 AS pts_pg_L10,
        avg(att) OVER w20 AS att_pg_L20,
        avg(sog) OVER w40 / nullif(avg(att) OVER w40, 0) AS thru_L40,
        avg(ev_toi_s) OVER w20 / 60.0 AS ev_toi_L20,
        avg(pp_toi_s) OVER w20 / 60.0 AS pp_toi_L20,
        avg(ev_ast) OVER w40 / nullif(avg(ev_toi_s) OVER w40 / 60.0, 0) * 60.0 AS ev_ast60,
        avg(pp_ast) OVER w20 / nullif(avg(pp_toi_s) OVER w20 / 60.0, 0) * 60.0 AS pp_ast60,
        avg(ev_pts) OVER w40 / nullif(avg(ev_toi_s) OVER w40 / 60.0, 0) * 60.0 AS ev_pts60,
        avg(pp_pts) OVER w20 / nullif(avg(pp_toi_s) OVER w20 / 60.0, 0) * 60.0 AS pp_pts60,
        avg(ev_oxg) OVER w40 / nullif(avg(ev_toi_s) OVER w40 / 60.0, 0) * 60.0 AS ev_on_ice_xg60,
        avg(pp_oxg) OVER w20 / nullif(avg(pp_toi_s) OVER w20 / 60.0, 0) * 60.0 AS pp_on_ice_xg60,
        -- least() ignores NULLs, so the 0/0 case is kept missing explicitly
        CASE WHEN sum(ev_oxg) OVER w40 > 0
             THEN least(2.0, sum(ev_pts) OVER w40 / sum(ev_oxg) OVER w40) END AS ev_ipp_x,
        CASE WHEN sum(pp_oxg) OVER w20 > 0
             THEN least(2.0, sum(pp_pts) OVER w20 / sum(pp_oxg) OVER w20) END AS pp_ipp_x
    FROM pg
    WINDOW
        w10 AS (PARTITION BY player_id ORDER BY day, game_id ROWS BETWEEN 9 PRECEDING AND CURRENT ROW),
        w20 AS (PARTITION BY player_id ORDER BY day, game_id ROWS BETWEEN 19 PRECEDING AND CURRENT ROW),
        w40 AS (PARTITION BY player_id ORDER BY day, game_id ROWS BETWEEN 39 PRECEDING AND CURRENT ROW)
),
gg AS (
    SELECT q.player_id, q.game_id, q.team, q.player_name,
        coalesce(g.slate_date, q.game_date) AS day,
        q.icetime AS toi_s, q.xgoals_against AS xga, q.goals_against AS ga, q.shots_against AS sa
    FROM v_goalie_game q LEFT JOIN games g USING (game_id)
    WHERE q.situation = 'all' AND q.game_date < {upto} + 2
        AND coalesce(g.slate_date, q.game_date) < {upto}
),
team_roll AS (
    SELECT team, day,
        sum(sa) OVER w / nullif(sum(toi_s) OVER w / 3600.0, 0) AS opp_sa60,
        sum(xga) OVER w / nullif(sum(toi_s) OVER w / 3600.0, 0) AS opp_xga60
    FROM (SELECT team, game_id, any_value(day) AS day, sum(sa) AS sa, sum(xga) AS xga,
                 sum(toi_s) AS toi_s
          FROM gg GROUP BY team, game_id)
    WINDOW w AS (PARTITION BY team ORDER BY day, game_id ROWS BETWEEN 9 PRECEDING AND CURRENT ROW)
),
goalie_roll AS (
    SELECT player_id, day,
        sum(toi_s) OVER w AS toi_s_L10,
        (sum(xga) OVER w - sum(ga) OVER w) / nullif(sum(toi_s) OVER w / 3600.0, 0) AS gsax60,
        sum(xga) OVER w / nullif(sum(toi_s) OVER w / 3600.0, 0) AS xga60
    FROM gg
    WINDOW w AS (PARTITION BY player_id ORDER BY day, game_id ROWS BETWEEN 9 PRECEDING AND CURRENT ROW)
),
team_days AS (
    SELECT home_team AS team, slate_date AS day FROM games
        WHERE coalesce(schedule_state, 'OK') NOT IN ({not_played})
    UNION SELECT away_team, slate_date FROM games
        WHERE coalesce(schedule_state, 'OK') NOT IN ({not_played})
    UNION SELECT team, day FROM pg
)"""

# Targets → features. ``targets`` has (slate_date, game_id, player_id, team, opponent).
_FEATURES_SQL = """
slots AS (SELECT DISTINCT opponent AS team, slate_date FROM targets),
candidates AS (
    SELECT s.team, s.slate_date, gg.player_id, max(gg.day) AS last_day,
        arg_max(gg.player_name, gg.day) AS player_name
    FROM slots s JOIN gg ON gg.team = s.team
        AND gg.day >= s.slate_date - {goalie_days} AND gg.day < s.slate_date
    GROUP BY s.team, s.slate_date, gg.player_id
),
ranked AS (
    SELECT c.*, r.toi_s_L10, r.gsax60, r.xga60,
        row_number() OVER (PARTITION BY c.team, c.slate_date
                           ORDER BY r.toi_s_L10 DESC NULLS LAST, c.player_id) AS rnk
    FROM candidates c ASOF LEFT JOIN goalie_roll r
        ON r.player_id = c.player_id AND c.slate_date > r.day
),
slot_rule AS (
    SELECT k.team, k.slate_date,
        CASE WHEN k.rank1_yesterday AND k.n >= 2 AND d.team IS NOT NULL THEN 2 ELSE 1 END AS pick
    FROM (SELECT team, slate_date, max(rnk) AS n,
                 bool_or(rnk = 1 AND last_day = slate_date - 1) AS rank1_yesterday
          FROM ranked GROUP BY team, slate_date) k
    LEFT JOIN team_days d ON d.team = k.team AND d.day = k.slate_date - 1
),
starter AS (
    -- rank 1 starts unless the team is on a back-to-back and rank 1 played yesterday
    SELECT r.team, r.slate_date, r.player_id, r.player_name, r.gsax60, r.xga60, r.rnk = 2 AS backup
    FROM ranked r JOIN slot_rule s ON s.team = r.team AND s.slate_date = r.slate_date AND s.pick = r.rnk
),
named AS (
    SELECT player_id, arg_max(player_name, (day, game_id)) AS player_name,
        arg_max(position, (day, game_id)) AS position
    FROM pg GROUP BY player_id
)
SELECT t.slate_date, t.game_id, t.player_id, n.player_name, n.position, t.team, t.opponent,
    pr.toi_L10, pr.xg_pg_L10, pr.sog_pg_L10, pr.blk_pg_L10, pr.ast_pg_L10, pr.pts_pg_L10,
    pr.att_pg_L20 / nullif(pr.toi_L10, 0) * 60.0 AS corsi60_L20,
    pr.thru_L40, pr.ev_toi_L20, pr.pp_toi_L20, pr.ev_ast60, pr.pp_ast60, pr.ev_pts60,
    pr.pp_pts60, pr.ev_on_ice_xg60, pr.pp_on_ice_xg60, pr.ev_ipp_x, pr.pp_ipp_x,
    tr.opp_sa60, tr.opp_xga60,
    st.gsax60 AS goalie_gsax60, st.xga60 AS goalie_xga60,
    NULL::DOUBLE AS implied_team_total,
    CASE WHEN yd.team IS NULL THEN 0.0 ELSE 1.0 END AS is_b2b,
    coalesce(pr.games_L10, 0) AS games_L10, coalesce(pr.games_L40, 0) AS games_L40,
    pr.day AS last_game_day,
    st.player_id AS opp_goalie_id, st.player_name AS opp_goalie_name,
    st.backup AS opp_goalie_backup
FROM targets t
ASOF LEFT JOIN player_roll pr ON pr.player_id = t.player_id AND t.slate_date > pr.day
ASOF LEFT JOIN team_roll tr ON tr.team = t.opponent AND t.slate_date > tr.day
LEFT JOIN starter st ON st.team = t.opponent AND st.slate_date = t.slate_date
LEFT JOIN named n ON n.player_id = t.player_id
LEFT JOIN team_days yd ON yd.team = t.team AND yd.day = t.slate_date - 1
ORDER BY t.slate_date, t.game_id, t.team, t.player_id
"""

_SLATE_TARGETS = """
slate_games AS (
    SELECT game_id, home_team, away_team FROM games
    WHERE slate_date = {day} AND coalesce(schedule_state, 'OK') NOT IN ({not_played})
),
latest AS (
    -- the team of the latest version of the player's latest game in the recency window
    SELECT p.player_id,
        arg_max(p.team, (coalesce(g.slate_date, p.game_date), p.game_id, p.ingest_seq)) AS team
    FROM player_game_situation p LEFT JOIN games g USING (game_id)
    WHERE p.situation = 'all' AND coalesce(p.position, '') <> 'G'
        AND p.game_date >= {day} - ({recency} + 2) AND p.game_date < {day} + 2
        AND coalesce(g.slate_date, p.game_date) >= {day} - {recency}
        AND coalesce(g.slate_date, p.game_date) < {day}
    GROUP BY p.player_id
),
targets AS (
    SELECT {day} AS slate_date, sg.game_id, l.player_id, l.team,
        CASE WHEN sg.home_team = l.team THEN sg.away_team ELSE sg.home_team END AS opponent
    FROM latest l JOIN slate_games sg ON l.team IN (sg.home_team, sg.away_team)
)"""

_HISTORY_TARGETS = """
targets AS (
    SELECT day AS slate_date, game_id, player_id, team, opp_team AS opponent
    FROM pg WHERE day >= {start} AND day <= {end}
)"""


def _run(wh: Warehouse, upto: dt.date, targets: str, *, slate: bool) -> pa.Table:
    only = "AND p.player_id IN (SELECT player_id FROM targets)" if slate else ""
    history = _HISTORY_CTES.format(upto=_lit(upto), not_played=_NOT_PLAYED, only=only)
    tail = _FEATURES_SQL.format(goalie_days=GOALIE_RECENCY_DAYS)
    ctes = [_GAMES_CTE, targets, history] if slate else [_GAMES_CTE, history, targets]
    table = wh.arrow("WITH " + ",\n".join(ctes) + ",\n" + tail)
    return _nan_features(table)


def _nan_features(table: pa.Table) -> pa.Table:
    """Features as float64 with NaN for missing (the contract of ``mu.py``)."""
    for name in FEATURE_COLUMNS:
        i = table.schema.get_field_index(name)
        column = pc.cast(table.column(i), pa.float64())
        table = table.set_column(i, name, pc.fill_null(column, float("nan")))
    return table


def slate_features(wh: Warehouse, slate_date: dt.date) -> pa.Table:
    """Feature rows for every skater on ``slate_date``'s slate (ET date), one per player.

    Slate membership: games on D in ``v_game`` that are not postponed/cancelled; a skater is on
    the slate when their latest game before D, within the last ``SLATE_RECENCY_DAYS`` days, was
    for one of D's teams (a trade after that game is not seen until the next game is imported).
    Columns: ``KEY_COLUMNS`` + ``FEATURE_COLUMNS`` + ``CONTEXT_COLUMNS``.
    """
    targets = _SLATE_TARGETS.format(
        day=_lit(slate_date), recency=SLATE_RECENCY_DAYS, not_played=_NOT_PLAYED
    )
    return _run(wh, slate_date, targets, slate=True)


def history_features(wh: Warehouse, start: dt.date, end: dt.date) -> pa.Table:
    """As-of feature rows for every skater-game played with day in [start, end] (inclusive).

    Each row is featurised exactly like a production slate row for that day: only games
    strictly before the game's day are used. ``game_id``/``team``/``opponent`` are the real
    game's. Same columns as :func:`slate_features`.
    """
    targets = _HISTORY_TARGETS.format(start=_lit(start), end=_lit(end))
    return _run(wh, end + dt.timedelta(days=1), targets, slate=False)


__all__ = [
    "CONTEXT_COLUMNS",
    "FEATURE_COLUMNS",
    "GOALIE_RECENCY_DAYS",
    "KEY_COLUMNS",
    "NOT_PLAYED_STATES",
    "SLATE_RECENCY_DAYS",
    "history_features",
    "slate_features",
]
