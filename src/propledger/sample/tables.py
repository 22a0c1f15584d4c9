"""Arrow views of a :class:`~propledger.sample.world.World` (games, player-games, stints, truth).

Units: times are UTC (``start_time_utc``) or America/New_York dates (``game_date``, stint
dates); ice time in seconds (``*_s``) or minutes (``*_min``); ``exp_*`` are expected counts
per game; per-60 rates are per 60 minutes of the player's ice time.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

if TYPE_CHECKING:
    from propledger.sample.world import SeasonWorld, World

_TS = pa.timestamp("s", tz="UTC")
TRUTH_RATES = (
    "ev_w",
    "pp_w",
    "pk_w",
    "att60",
    "through",
    "block_share",
    "xg_att",
    "ast_w",
    "blk_w",
    "hits60",
    "fo_win",
)
TRUTH_EXPECTED = ("attempts", "sog", "xg", "goals", "assists", "points", "blocks")


def _ids(world: World, idx: np.ndarray) -> np.ndarray:
    pid = np.array([p.player_id for p in world.universe.players], dtype=np.int64)
    return np.where(idx >= 0, pid[np.maximum(idx, 0)], -1)


def games_table(world: World) -> pa.Table:
    parts = []
    for s in world.seasons:
        from propledger.sample.world import decision

        sc, lu, abbrev = s.schedule, s.sim.lineups, s.team_abbrev()
        ids = np.array([t.nhl_id for t in s.teams])[lu.team]
        starters = _ids(world, lu.starter)
        dec = decision(s.sim.score, s.sim.last_period)
        parts.append(
            pa.table(
                {
                    "game_id": sc.game_id,
                    "season": np.full(len(sc), s.season, dtype=np.int32),
                    "game_date": pa.array(sc.date, pa.date32()),
                    "start_time_utc": pa.array(sc.start_utc.astype("datetime64[s]"), _TS),
                    "home_team": abbrev[:, 0],
                    "away_team": abbrev[:, 1],
                    "home_team_id": ids[:, 0],
                    "away_team_id": ids[:, 1],
                    "home_score": s.sim.score[:, 0],
                    "away_score": s.sim.score[:, 1],
                    "last_period_type": s.sim.last_period.astype(str),
                    "home_starter_id": starters[:, 0],
                    "away_starter_id": starters[:, 1],
                    "home_decision": dec[:, 0],
                    "away_decision": dec[:, 1],
                    "home_back_to_back": lu.back_to_back[:, 0],
                    "away_back_to_back": lu.back_to_back[:, 1],
                    "legacy_boxscore": s.legacy_boxscore,
                }
            )
        )
    return pa.concat_tables(parts)


def _game_columns(s: SeasonWorld, shape: tuple[int, ...]) -> dict[str, object]:
    sc, lu = s.schedule, s.sim.lineups
    abbrev = s.team_abbrev()
    expand = (slice(None), slice(None)) + (None,) * (len(shape) - 2)
    side = np.broadcast_to(np.arange(2)[None, :], lu.team.shape)[expand]
    return {
        "game_id": np.broadcast_to(sc.game_id[:, None, None], shape).ravel(),
        "season": np.full(int(np.prod(shape)), s.season, dtype=np.int32),
        "game_date": pa.array(np.broadcast_to(sc.date[:, None, None], shape).ravel(), pa.date32()),
        "start_time_utc": pa.array(
            np.broadcast_to(sc.start_utc[:, None, None], shape).ravel(), _TS
        ),
        "team": np.broadcast_to(abbrev[expand], shape).ravel(),
        "opp_team": np.broadcast_to(abbrev[:, ::-1][expand], shape).ravel(),
        "is_home": np.broadcast_to(side == 0, shape).ravel(),
    }


def player_games_table(world: World) -> pa.Table:
    """One row per dressed player per game; goalie-only and skater-only columns are null
    for the other kind. The dressed backup goalie has a row with ``toi_s`` 0."""
    positions = np.array([p.position for p in world.universe.players])
    parts = []
    for s in world.seasons:
        lu, st = s.sim.lineups, s.skater
        shape = lu.skaters.shape
        total = {k: v.sum(axis=-1).ravel() for k, v in st.items()}
        sk = (
            _game_columns(s, shape)
            | {
                "player_id": _ids(world, lu.skaters).ravel(),
                "position": positions[lu.skaters].ravel(),
                "is_goalie": np.zeros(lu.skaters.size, dtype=bool),
                "toi_s": total["icetime"],
                "ev_toi_s": st["icetime"][..., 0].ravel(),
                "pp_toi_s": st["icetime"][..., 1].ravel(),
                "pk_toi_s": st["icetime"][..., 2].ravel(),
                "goals": total["I_F_goals"],
                "assists": total["I_F_primaryAssists"] + total["I_F_secondaryAssists"],
                "points": total["I_F_points"],
                "sog": total["I_F_shotsOnGoal"],
                "shot_attempts": total["I_F_shotAttempts"],
                "blocks": total["shotsBlockedByPlayer"],
                "xgoals": total["I_F_xGoals"].round(4),
                "onice_xgoals": total["OnIce_F_xGoals"].round(4),
                "onice_goals": total["OnIce_F_goals"],
            }
            | {k: v.ravel() for k, v in s.expected.items()}
        )
        gshape = (shape[0], 2, 2)  # starter, backup
        goalies = np.stack([lu.starter, lu.backup], axis=-1)
        started = np.broadcast_to(np.array([True, False]), gshape)
        g = s.goalie
        toi = np.stack([g["icetime"].sum(-1), np.zeros(lu.starter.shape, dtype=np.int64)], -1)
        sa = np.stack([g["ongoal"].sum(-1), np.zeros(lu.starter.shape, dtype=np.int64)], -1)
        ga = np.stack([g["goals"].sum(-1), np.zeros(lu.starter.shape, dtype=np.int64)], -1)
        gt = _game_columns(s, gshape) | {
            "player_id": _ids(world, goalies).ravel(),
            "position": np.full(goalies.size, "G"),
            "is_goalie": np.ones(goalies.size, dtype=bool),
            "starter": started.ravel(),
            "toi_s": toi.ravel(),
            "shots_against": sa.ravel(),
            "goals_against": ga.ravel(),
            "saves": (sa - ga).ravel(),
        }
        parts += [pa.table(sk), pa.table(gt)]
    table = pa.concat_tables(parts, promote_options="default")
    return table.sort_by(
        [("game_id", "ascending"), ("is_home", "descending"), ("player_id", "ascending")]
    )


def stints_table(world: World) -> pa.Table:
    """Which team each rostered player belonged to, between which ET dates (inclusive)."""
    rows: dict[str, list[object]] = {
        k: [] for k in ("player_id", "season", "team", "from_date", "to_date", "sweater_number")
    }

    def add(idx: int, season: int, team: str, lo: dt.date, hi: dt.date, number: int) -> None:
        for k, v in zip(
            rows, (world.universe.players[idx].player_id, season, team, lo, hi, number), strict=True
        ):
            rows[k].append(v)

    for s in world.seasons:
        r = s.roster
        first, last = s.schedule.first_date, s.schedule.last_date
        moved = {t.player_a: t for t in r.trades} | {t.player_b: t for t in r.trades}
        for t, team in enumerate(r.teams):
            for idx in (*r.forwards[t], *r.defense[t], *r.goalies[t]):
                if idx < 0:
                    continue
                trade = moved.get(int(idx))
                if trade is None:
                    add(int(idx), s.season, team, first, last, r.numbers[(int(idx), team)])
                    continue
                new = trade.team_b if team == trade.team_a else trade.team_a
                add(int(idx), s.season, team, first, trade.date, r.numbers[(int(idx), team)])
                add(
                    int(idx),
                    s.season,
                    new,
                    trade.date + dt.timedelta(days=1),
                    last,
                    r.numbers[(int(idx), new)],
                )
    table = pa.table(
        {
            "player_id": pa.array(rows["player_id"], pa.int64()),
            "season": pa.array(rows["season"], pa.int32()),
            "team": pa.array(rows["team"], pa.string()),
            "from_date": pa.array(rows["from_date"], pa.date32()),
            "to_date": pa.array(rows["to_date"], pa.date32()),
            "sweater_number": pa.array(rows["sweater_number"], pa.int32()),
        }
    )
    return table.sort_by(
        [("season", "ascending"), ("player_id", "ascending"), ("from_date", "ascending")]
    )


def truth_table(world: World) -> pa.Table:
    """Latent rates and mean pre-dice expectations per player-season (``truth.csv``)."""
    players = world.universe.players
    stints = stints_table(world).to_pydict()
    parts = []
    for s in world.seasons:
        n = len(players)
        lu = s.sim.lineups
        flat = lu.skaters.ravel()
        games = np.bincount(flat, minlength=n)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = {
                k: np.bincount(flat, weights=s.expected[k].ravel(), minlength=n) / games
                for k in ("exp_toi_s", *(f"exp_{e}" for e in TRUTH_EXPECTED))
            }
            ev = (
                np.bincount(
                    flat,
                    weights=(s.sim.share[..., 0] * s.sim.seconds[:, :, None, 0]).ravel(),
                    minlength=n,
                )
                / games
            )
            pp = (
                np.bincount(
                    flat,
                    weights=(s.sim.share[..., 1] * s.sim.seconds[:, :, None, 1]).ravel(),
                    minlength=n,
                )
                / games
            )
        starts = np.bincount(lu.starter.ravel(), minlength=n)
        first_team: dict[int, str] = {}
        last_team: dict[int, str] = {}
        for pid, season, team in zip(
            stints["player_id"], stints["season"], stints["team"], strict=True
        ):
            if season == s.season:
                first_team.setdefault(pid, team)
                last_team[pid] = team
        idx = np.array(
            sorted(
                {world.universe.index[p] for p in first_team}, key=lambda i: players[i].player_id
            )
        )
        goalie = np.array([players[i].position == "G" for i in idx])

        def skater_only(
            a: np.ndarray, idx: np.ndarray = idx, goalie: np.ndarray = goalie
        ) -> pa.Array:
            return pa.array(np.where(goalie, np.nan, a[idx]).round(6), mask=goalie)

        cols: dict[str, object] = {
            "player_id": np.array([players[i].player_id for i in idx], dtype=np.int64),
            "season": np.full(len(idx), s.season, dtype=np.int32),
            "name": [players[i].full_name for i in idx],
            "position": [players[i].position for i in idx],
            "team": [first_team[players[i].player_id] for i in idx],
            "team_end": [last_team[players[i].player_id] for i in idx],
            "games": np.where(goalie, starts[idx], games[idx]).astype(np.int32),
            "toi_min": skater_only(mean["exp_toi_s"] / 60),
            "ev_toi_min": skater_only(ev / 60),
            "pp_toi_min": skater_only(pp / 60),
        }
        cols |= {name: skater_only(s.rates.skater[name]) for name in TRUTH_RATES}
        cols |= {f"exp_{e}_pg": skater_only(mean[f"exp_{e}"]) for e in TRUTH_EXPECTED}
        cols["save_mult"] = pa.array(
            np.where(goalie, s.rates.goalie_save_mult[idx], np.nan).round(6), mask=~goalie
        )
        parts.append(pa.table(cols))
    return pa.concat_tables(parts)


__all__ = [
    "TRUTH_EXPECTED",
    "TRUTH_RATES",
    "games_table",
    "player_games_table",
    "stints_table",
    "truth_table",
]
