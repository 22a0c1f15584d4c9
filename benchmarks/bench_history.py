"""Benchmark: importing MoneyPuck team files (two seasons, 32 teams) into the warehouse.

Generates realistic-size game-by-game CSVs (~150 columns like the real skater files, 18
skaters + 1 goalie dressed per team-game, 5 situations), serves them through the replay
transport, and times (1) the pure parsers over every file, (2) the whole MoneyPuck import of
``refresh_history`` (fetch through the client, archive, parse, bound, dedupe, bulk append into
a DuckDB file), (3) a second import with the same inputs (must add 0 rows).

    .venv/bin/python benchmarks/bench_history.py [--seasons 2] [--teams 32] [--games 82]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from propledger.clock import UTC, FrozenClock
from propledger.context import Context
from propledger.history.common import ImportRun
from propledger.history.moneypuck_import import import_moneypuck
from propledger.replay import ReplayWriter
from propledger.settings import Settings
from propledger.sources import moneypuck as mp

SITUATIONS = np.array(["all", "5on5", "5on4", "4on5", "other"])
SKATER_COUNTS = [
    "I_F_goals",
    "I_F_primaryAssists",
    "I_F_secondaryAssists",
    "I_F_shotsOnGoal",
    "I_F_missedShots",
    "I_F_blockedShotAttempts",
    "I_F_hits",
    "shotsBlockedByPlayer",
    "OnIce_F_goals",
    "OnIce_A_goals",
    "shifts",
]
SKATER_FLOATS = ["I_F_xGoals", "I_F_xOnGoal", "OnIce_F_xGoals", "OnIce_A_xGoals"]
PADDING = 120  # other real columns the importer does not read (danger bins, zone starts, ...)


def _ids(
    team: int, season: int, games: int, per_game: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(player_id, game_id, game_date as YYYYMMDD) for one team file, 5 rows per player-game."""
    game_no = np.repeat(np.arange(games), per_game * 5)
    game_id = season * 1_000_000 + 20_000 + team * 100 + game_no  # unique per team file
    day = np.datetime64(f"{season}-10-07") + game_no * 2
    ymd = day.astype("datetime64[D]").astype(str)
    game_date = np.char.replace(ymd, "-", "").astype(np.int64)
    player = 8_400_000 + team * 100 + np.tile(np.repeat(np.arange(per_game), 5), games)
    return player, game_id, game_date


def skater_file(team: str, t: int, season: int, games: int, rng: np.random.Generator) -> bytes:
    player, game_id, game_date = _ids(t, season, games, 18)
    n = len(player)
    counts = {c: rng.integers(0, 3, n).astype(float) for c in SKATER_COUNTS}
    cols: dict[str, object] = {
        "playerId": player,
        "season": np.full(n, season),
        "name": np.char.add("Player ", player.astype(str)),
        "gameId": game_id,
        "playerTeam": np.full(n, team),
        "opposingTeam": np.full(n, "OPP"),
        "home_or_away": np.full(n, "HOME"),
        "gameDate": game_date,
        "position": np.full(n, "C"),
        "situation": np.tile(SITUATIONS, n // 5),
        "icetime": rng.uniform(0, 1300, n).round(),
        **counts,
        "I_F_points": counts["I_F_goals"]
        + counts["I_F_primaryAssists"]
        + counts["I_F_secondaryAssists"],
        "I_F_shotAttempts": counts["I_F_shotsOnGoal"]
        + counts["I_F_missedShots"]
        + counts["I_F_blockedShotAttempts"],
        **{c: rng.uniform(0, 1, n).round(3) for c in SKATER_FLOATS},
        **{f"pad_{i}": rng.uniform(0, 5, n).round(2) for i in range(PADDING)},
    }
    out = io.BytesIO()
    pacsv.write_csv(pa.table(cols), out)
    return out.getvalue()


def goalie_file(team: str, t: int, season: int, games: int, rng: np.random.Generator) -> bytes:
    player, game_id, game_date = _ids(t, season, games, 1)
    n = len(player)
    goals = rng.integers(0, 5, n)
    cols: dict[str, object] = {
        "playerId": player + 90,
        "season": np.full(n, season),
        "name": np.full(n, "Goalie"),
        "gameId": game_id,
        "playerTeam": np.full(n, team),
        "opposingTeam": np.full(n, "OPP"),
        "home_or_away": np.full(n, "AWAY"),
        "gameDate": game_date,
        "position": np.full(n, "G"),
        "situation": np.tile(SITUATIONS, n // 5),
        "icetime": np.full(n, 3600.0),
        "xGoals": rng.uniform(0, 4, n).round(2),
        "goals": goals,
        "ongoal": goals + rng.integers(15, 35, n),
        **{f"pad_{i}": rng.uniform(0, 5, n).round(2) for i in range(30)},
    }
    out = io.BytesIO()
    pacsv.write_csv(pa.table(cols), out)
    return out.getvalue()


def build(
    root: Path, seasons: list[int], teams: list[str], games: int
) -> tuple[ReplayWriter, int, list[bytes]]:
    rng = np.random.default_rng(20260114)
    writer = ReplayWriter(root)
    base = Settings().base_url("moneypuck")
    skater_bodies: list[bytes] = []
    size = 0
    for season in seasons:
        at = dt.datetime(season, 10, 7, 10, tzinfo=UTC)
        for t, team in enumerate(teams):
            for kind, body in (
                ("skaters", skater_file(team, t, season, games, rng)),
                ("goalies", goalie_file(team, t, season, games, rng)),
            ):
                writer.add(
                    mp.team_file_url(base, season, mp.PlayerKind(kind), team),
                    at,
                    body,
                    content_type="text/csv",
                )
                size += len(body)
                if kind == "skaters":
                    skater_bodies.append(body)
        for kind in mp.PlayerKind:
            links = "".join(f'<a href="{t}.csv">{t}</a>' for t in teams)
            writer.add(
                mp.team_index_url(base, season, kind), at, links.encode(), content_type="text/html"
            )
    lookup = "playerId,name,position,team\n8400000,Player 8400000,C,ANA\n"
    writer.add(mp.players_lookup_url(base), at, lookup.encode(), content_type="text/csv")
    writer.write_manifest()
    return writer, size, skater_bodies


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seasons", type=int, default=2)
    parser.add_argument("--teams", type=int, default=32)
    parser.add_argument("--games", type=int, default=82)
    args = parser.parse_args(argv)
    seasons = list(range(2025 - args.seasons + 1, 2026))
    teams = list(mp.default_teams(2025))[: args.teams]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        _, size, skater_bodies = build(root / "replay", seasons, teams, args.games)
        print(
            f"generated {len(seasons)} season(s) x {len(teams)} teams: {size / 1e6:.0f} MB of CSV "
            f"in {time.perf_counter() - t0:.1f} s"
        )

        t0, c0 = time.perf_counter(), time.process_time()
        parsed = sum(mp.parse_skaters(body).num_rows for body in skater_bodies)
        print(
            f"parse_skaters: {parsed:,} rows in {time.perf_counter() - t0:.2f} s "
            f"(cpu {time.process_time() - c0:.2f} s)"
        )

        settings = Settings(data_dir=root / "data")
        now = dt.datetime(2026, 7, 1, tzinfo=UTC)
        for attempt in ("first import", "same inputs again"):
            ctx = Context.create(settings, FrozenClock(now), source=f"replay:{root / 'replay'}")
            run = ImportRun(ctx)
            client = ctx.client("moneypuck")
            t0, c0 = time.perf_counter(), time.process_time()
            import_moneypuck(
                run, client, settings.base_url("moneypuck"), tuple(seasons), dt.date(2026, 6, 30)
            )
            elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
            added = {k: v for k, v in run.added.items() if v}
            print(
                f"{attempt}: {elapsed:.1f} s wall (cpu {cpu:.1f} s, all threads), "
                f"{client.result().requests} requests, rows added {added}, problems {len(run.problems)}"
            )
            ctx.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
