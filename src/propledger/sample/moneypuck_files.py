"""Render MoneyPuck payloads: per-team game-by-game CSVs, directory indexes, players lookup.

Files follow ``shared/vendors/moneypuck.md``: one row per player × game × situation (``all``,
``5on5``, ``5on4``, ``4on5``, ``other``; ``all`` is the sum of the other four for every count
and xG column), ``gameDate`` as a YYYYMMDD integer, ``icetime`` in seconds, ``season`` the start
year, goalie ``goals`` = goals against and ``ongoal`` = shots on goal against. Columns are a
superset of the committed fixtures, in MoneyPuck's order with a few extra families mixed in
(readers must select by name). Only goalies who played have goalie rows. A traded player has
rows in both team files. Values are unquoted, as in the real files.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from propledger.sample.names import height_text
from propledger.sample.world import SeasonWorld, World

SITUATION_ROWS = ("all", "5on5", "5on4", "4on5", "other")
IDENTITY = (
    "playerId",
    "season",
    "name",
    "gameId",
    "playerTeam",
    "opposingTeam",
    "home_or_away",
    "gameDate",
    "position",
    "situation",
)
SKATER_STATS = (
    "icetime",
    "shifts",
    "gameScore",
    "onIce_xGoalsPercentage",
    "offIce_xGoalsPercentage",
    "onIce_corsiPercentage",
    "offIce_corsiPercentage",
    "I_F_xOnGoal",
    "I_F_xGoals",
    "I_F_xRebounds",
    "I_F_primaryAssists",
    "I_F_secondaryAssists",
    "I_F_shotsOnGoal",
    "I_F_missedShots",
    "I_F_blockedShotAttempts",
    "I_F_shotAttempts",
    "I_F_points",
    "I_F_goals",
    "I_F_rebounds",
    "I_F_reboundGoals",
    "I_F_penalityMinutes",
    "I_F_faceOffsWon",
    "I_F_hits",
    "I_F_takeaways",
    "I_F_giveaways",
    "I_F_lowDangerShots",
    "I_F_mediumDangerShots",
    "I_F_highDangerShots",
    "I_F_lowDangerxGoals",
    "I_F_mediumDangerxGoals",
    "I_F_highDangerxGoals",
    "I_F_lowDangerGoals",
    "I_F_mediumDangerGoals",
    "I_F_highDangerGoals",
    "I_F_unblockedShotAttempts",
    "I_F_dZoneGiveaways",
    "I_F_oZoneShiftStarts",
    "I_F_dZoneShiftStarts",
    "I_F_neutralZoneShiftStarts",
    "I_F_flyShiftStarts",
    "faceoffsWon",
    "faceoffsLost",
    "penalties",
    "penalityMinutes",
    "penalityMinutesDrawn",
    "penaltiesDrawn",
    "shotsBlockedByPlayer",
    "OnIce_F_xGoals",
    "OnIce_F_shotsOnGoal",
    "OnIce_F_missedShots",
    "OnIce_F_blockedShotAttempts",
    "OnIce_F_shotAttempts",
    "OnIce_F_unblockedShotAttempts",
    "OnIce_F_goals",
    "OnIce_A_xGoals",
    "OnIce_A_shotsOnGoal",
    "OnIce_A_missedShots",
    "OnIce_A_blockedShotAttempts",
    "OnIce_A_shotAttempts",
    "OnIce_A_unblockedShotAttempts",
    "OnIce_A_goals",
    "OffIce_F_xGoals",
    "OffIce_A_xGoals",
    "OffIce_F_shotAttempts",
    "OffIce_A_shotAttempts",
)
GOALIE_STATS = (
    "icetime",
    "xGoals",
    "goals",
    "unblocked_shot_attempts",
    "xRebounds",
    "rebounds",
    "xFreeze",
    "freeze",
    "xOnGoal",
    "ongoal",
    "xPlayStopped",
    "playStopped",
    "xPlayContinuedInZone",
    "playContinuedInZone",
    "xPlayContinuedOutsideZone",
    "playContinuedOutsideZone",
    "flurryAdjustedxGoals",
    "lowDangerShots",
    "mediumDangerShots",
    "highDangerShots",
    "lowDangerxGoals",
    "mediumDangerxGoals",
    "highDangerxGoals",
    "lowDangerGoals",
    "mediumDangerGoals",
    "highDangerGoals",
    "blocked_shot_attempts",
    "penalityMinutes",
    "penalties",
)
LOOKUP_COLUMNS = (
    "playerId",
    "name",
    "position",
    "team",
    "birthDate",
    "weight",
    "height",
    "nationality",
    "shootsCatches",
    "primaryNumber",
    "primaryPosition",
)


def _with_all(a: np.ndarray) -> np.ndarray:
    """``[..., 4]`` situations → ``[..., 5]`` with ``all`` first (the sum)."""
    total = a.sum(axis=-1, keepdims=True)
    out = np.concatenate([total, a], axis=-1)
    return out.round(4) if out.dtype.kind == "f" else out


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), 0.0).round(4)


def _derived(c: dict[str, np.ndarray]) -> None:
    """Ratios and game score, computed per row (``all`` from its own sums)."""
    for name, f, a in (("xGoals", "xGoals", "xGoals"), ("corsi", "shotAttempts", "shotAttempts")):
        c[f"onIce_{name}Percentage"] = _ratio(
            c[f"OnIce_F_{f}"], c[f"OnIce_F_{f}"] + c[f"OnIce_A_{a}"]
        )
        c[f"offIce_{name}Percentage"] = _ratio(
            c[f"OffIce_F_{f}"], c[f"OffIce_F_{f}"] + c[f"OffIce_A_{a}"]
        )
    c["gameScore"] = (
        0.75 * c["I_F_goals"]
        + 0.7 * c["I_F_primaryAssists"]
        + 0.55 * c["I_F_secondaryAssists"]
        + 0.075 * c["I_F_shotsOnGoal"]
        + 0.05 * c["shotsBlockedByPlayer"]
        + 0.15 * c["penaltiesDrawn"]
        - 0.15 * c["penalties"]
        + 0.01 * c["faceoffsWon"]
        - 0.01 * c["faceoffsLost"]
        + 0.05 * c["OnIce_F_shotAttempts"]
        - 0.05 * c["OnIce_A_shotAttempts"]
        + 0.15 * c["OnIce_F_goals"]
        - 0.15 * c["OnIce_A_goals"]
    ).round(2)


def _identity(
    world: World, s: SeasonWorld, players: np.ndarray, shape: tuple[int, ...]
) -> dict[str, np.ndarray]:
    """Identity columns for rows laid out as ``shape`` = [G, 2, k, 5]."""
    uni = world.universe.players
    ids = np.array([p.player_id for p in uni], dtype=np.int64)
    names = np.array([p.full_name for p in uni], dtype=object)
    pos = np.array([p.position for p in uni], dtype=object)
    abbrev = s.team_abbrev().astype(object)
    day = np.array([int(str(d).replace("-", "")) for d in s.schedule.date], dtype=np.int64)
    where = np.array(["HOME", "AWAY"], dtype=object)

    def b(a: np.ndarray) -> np.ndarray:
        return np.broadcast_to(a, shape).ravel()

    return {
        "playerId": b(ids[players][..., None]),
        "season": np.full(int(np.prod(shape)), s.season, dtype=np.int64),
        "name": b(names[players][..., None]),
        "gameId": b(s.schedule.game_id[:, None, None, None]),
        "playerTeam": b(abbrev[:, :, None, None]),
        "opposingTeam": b(abbrev[:, ::-1, None, None]),
        "home_or_away": b(where[None, :, None, None]),
        "gameDate": b(day[:, None, None, None]),
        "position": b(pos[players][..., None]),
        "situation": b(np.array(SITUATION_ROWS, dtype=object)),
    }


def _team_csvs(
    cols: dict[str, np.ndarray], team: np.ndarray, abbrevs: tuple[str, ...]
) -> Iterator[tuple[str, bytes]]:
    """Split rows by team (stable: chronological, players in lineup order) into CSV bytes."""
    header = (",".join(cols) + "\n").encode()
    order = np.argsort(team, kind="stable")
    table = pa.table({k: v[order] for k, v in cols.items()})
    bounds = np.searchsorted(team[order], np.arange(len(abbrevs) + 1))
    options = pacsv.WriteOptions(include_header=False, quoting_style="none")
    for t, abbrev in enumerate(abbrevs):
        buf = io.BytesIO()
        pacsv.write_csv(table.slice(int(bounds[t]), int(bounds[t + 1] - bounds[t])), buf, options)
        yield abbrev, header + buf.getvalue()


def skater_files(world: World, s: SeasonWorld) -> Iterator[tuple[str, bytes]]:
    """(team, CSV bytes) for ``/teamPlayerGameByGame/{season}/regular/skaters/{TEAM}.csv``."""
    lu = s.sim.lineups
    shape = (*lu.skaters.shape, 5)
    stats = {k: _with_all(v) for k, v in s.skater.items()}
    _derived(stats)
    cols = _identity(world, s, lu.skaters, shape) | {k: stats[k].ravel() for k in SKATER_STATS}
    team = np.broadcast_to(lu.team[:, :, None, None], shape).ravel()
    yield from _team_csvs(cols, team, s.schedule.teams)


def goalie_files(world: World, s: SeasonWorld) -> Iterator[tuple[str, bytes]]:
    """(team, CSV bytes) for ``/…/goalies/{TEAM}.csv`` (the starter of each game)."""
    lu = s.sim.lineups
    shape = (*lu.starter.shape, 1, 5)
    stats = {k: _with_all(v)[:, :, None, :] for k, v in s.goalie.items()}
    cols = _identity(world, s, lu.starter[..., None], shape) | {
        k: stats[k].ravel() for k in GOALIE_STATS
    }
    team = np.broadcast_to(lu.team[:, :, None, None], shape).ravel()
    yield from _team_csvs(cols, team, s.schedule.teams)


def directory_index(season: int, kind: str, teams: tuple[str, ...]) -> bytes:
    """The HTML index of a season's team files (``href="TOR.csv"`` links)."""
    path = f"/moneypuck/playerData/teamPlayerGameByGame/{season}/regular/{kind}/"
    links = "\n".join(f'<li><a href="{t}.csv">{t}.csv</a></li>' for t in sorted(teams))
    return (
        f"<html><head><title>Index of {path}</title></head><body><h1>Index of {path}</h1>\n"
        f'<ul>\n<li><a href="../">Parent Directory</a></li>\n{links}\n</ul>\n</body></html>\n'
    ).encode()


def players_lookup(world: World, through_season: int) -> bytes:
    """``allPlayersLookup.csv`` as published at the start of ``through_season``: every player
    rostered in a built season up to it; ``team`` is his opening-night team of the latest one
    (stale after a trade, as in the real file)."""
    stints = world.stints().to_pydict()
    best: dict[int, tuple[int, str, int]] = {}  # stints are sorted by season, then date
    for pid, season, tm, num in zip(
        stints["player_id"], stints["season"], stints["team"], stints["sweater_number"], strict=True
    ):
        if season <= through_season and (pid not in best or season > best[pid][0]):
            best[pid] = (season, tm, num)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(LOOKUP_COLUMNS)
    for pid in sorted(best):
        p, (_, team, number) = world.universe.by_id(pid), best[pid]
        writer.writerow(
            [
                pid,
                p.full_name,
                p.position,
                team,
                p.birth_date.isoformat(),
                p.weight_lb,
                height_text(p.height_in),
                p.nationality,
                p.shoots,
                number,
                p.position,
            ]
        )
    return buf.getvalue().encode()


__all__ = [
    "GOALIE_STATS",
    "IDENTITY",
    "LOOKUP_COLUMNS",
    "SITUATION_ROWS",
    "SKATER_STATS",
    "directory_index",
    "goalie_files",
    "players_lookup",
    "skater_files",
]
