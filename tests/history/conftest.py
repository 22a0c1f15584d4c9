"""A tiny, hand-checkable NHL world written as a replay directory (same URL / capture-time
contract as the sample world): 4 teams, 3 skaters + 1 goalie each, two games a day.

Capture times follow the contract: MoneyPuck full-season files at 06:00 ET on the first game
day; ``schedule/{date}`` at 08:00 ET on that date (all FUT) and 06:00 ET eight days later (OFF
with scores); box scores at start + 3 h 30 min.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from propledger.clock import UTC, et_to_utc
from propledger.replay import ReplayWriter
from propledger.sources.moneypuck import default_teams

MP = "https://moneypuck.com/moneypuck/playerData"
NHL = "https://api-web.nhle.com/v1"
TEAMS = {
    "TOR": (10, "Toronto", "Maple Leafs"),
    "MTL": (8, "Montréal", "Canadiens"),
    "BOS": (6, "Boston", "Bruins"),
    "NYR": (3, "New York", "Rangers"),
}
SEASON_START = dt.date(2026, 1, 5)
SEASON_END = dt.date(2026, 1, 24)
SKATER_HEADER = [
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
    "icetime",
    "shifts",
    "I_F_xOnGoal",
    "I_F_xGoals",
    "I_F_primaryAssists",
    "I_F_secondaryAssists",
    "I_F_shotsOnGoal",
    "I_F_missedShots",
    "I_F_blockedShotAttempts",
    "I_F_shotAttempts",
    "I_F_points",
    "I_F_goals",
    "I_F_hits",
    "shotsBlockedByPlayer",
    "OnIce_F_xGoals",
    "OnIce_F_goals",
    "OnIce_A_xGoals",
    "OnIce_A_goals",
]
GOALIE_HEADER = [
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
    "icetime",
    "xGoals",
    "goals",
    "ongoal",
]
SITUATION_TOI = {"5on5": 0.8, "5on4": 0.1, "4on5": 0.05, "other": 0.05}


def player_ids(team: str) -> list[int]:
    """Three skaters (C, L, D) and a goalie per team; stable 7-digit ids."""
    base = 8_400_000 + TEAMS[team][0] * 10
    return [base + k for k in range(4)]


@dataclass(frozen=True)
class Game:
    game_id: int
    day: dt.date
    home: str
    away: str

    @property
    def start(self) -> dt.datetime:
        return et_to_utc(self.day, dt.time(19, 0))


def schedule() -> list[Game]:
    games, number = [], 1
    day = SEASON_START
    while day <= SEASON_END:
        flip = (day - SEASON_START).days % 2
        pairs = [("MTL", "TOR"), ("BOS", "NYR")] if not flip else [("TOR", "MTL"), ("NYR", "BOS")]
        for home, away in pairs:
            games.append(Game(2025020000 + number, day, home, away))
            number += 1
        day += dt.timedelta(days=1)
    return games


def skater_line(game: Game, player_id: int) -> dict[str, int]:
    """Deterministic counts, consistent: goals ≤ sog ≤ attempts, points = goals + assists."""
    seed = (game.game_id * 7 + player_id * 3) % 11
    goals = seed % 3 // 2
    a1, a2 = seed % 2, (seed // 5) % 2
    sog = goals + seed % 4
    return {
        "goals": goals,
        "a1": a1,
        "a2": a2,
        "sog": sog,
        "missed": seed % 3,
        "blocked_att": seed % 2,
        "blocks": seed % 4,
        "hits": seed % 5,
        "toi": 900 + 30 * seed,
    }


@dataclass
class MiniWorld:
    """Tests reach the helpers through this object (conftest modules are not importable)."""

    root: Path
    games: list[Game] = field(default_factory=schedule)
    writer: ReplayWriter = field(init=False)
    teams = TEAMS
    player_ids = staticmethod(player_ids)
    skater_line = staticmethod(skater_line)

    def __post_init__(self) -> None:
        self.writer = ReplayWriter(self.root)

    # ---- MoneyPuck ---------------------------------------------------------------------------
    def skater_csv(self, team: str, *, float_counts: bool = False) -> bytes:
        out = io.StringIO()
        w = csv.DictWriter(out, SKATER_HEADER, lineterminator="\n")
        w.writeheader()
        fmt = (lambda v: f"{v}.0") if float_counts else str
        for game in self.games:
            if team not in (game.home, game.away):
                continue
            opp = game.away if team == game.home else game.home
            for k, pid in enumerate(player_ids(team)[:3]):
                line = skater_line(game, pid)
                for situation in ("all", *SITUATION_TOI):
                    share = 1.0 if situation == "all" else SITUATION_TOI[situation]
                    counts = line if situation in ("all", "5on5") else dict.fromkeys(line, 0)
                    pts = counts["goals"] + counts["a1"] + counts["a2"]
                    att = counts["sog"] + counts["missed"] + counts["blocked_att"]
                    w.writerow(
                        {
                            "playerId": pid,
                            "season": 2025,
                            "name": f"Player {pid}",
                            "gameId": game.game_id,
                            "playerTeam": team,
                            "opposingTeam": opp,
                            "home_or_away": "HOME" if team == game.home else "AWAY",
                            "gameDate": game.day.strftime("%Y%m%d"),
                            "position": "CLD"[k],
                            "situation": situation,
                            "icetime": round(line["toi"] * share),
                            "shifts": fmt(20),
                            "I_F_xOnGoal": 1.5,
                            "I_F_xGoals": 0.25,
                            "I_F_primaryAssists": fmt(counts["a1"]),
                            "I_F_secondaryAssists": fmt(counts["a2"]),
                            "I_F_shotsOnGoal": fmt(counts["sog"]),
                            "I_F_missedShots": fmt(counts["missed"]),
                            "I_F_blockedShotAttempts": fmt(counts["blocked_att"]),
                            "I_F_shotAttempts": fmt(att),
                            "I_F_points": fmt(pts),
                            "I_F_goals": fmt(counts["goals"]),
                            "I_F_hits": fmt(counts["hits"]),
                            "shotsBlockedByPlayer": fmt(counts["blocks"]),
                            "OnIce_F_xGoals": 0.9,
                            "OnIce_F_goals": fmt(1),
                            "OnIce_A_xGoals": 0.8,
                            "OnIce_A_goals": fmt(1),
                        }
                    )
        return out.getvalue().encode()

    def goalie_csv(self, team: str) -> bytes:
        out = io.StringIO()
        w = csv.DictWriter(out, GOALIE_HEADER, lineterminator="\n")
        w.writeheader()
        for game in self.games:
            if team not in (game.home, game.away):
                continue
            opp = game.away if team == game.home else game.home
            shots, against = self.goalie_line(game, team)
            for situation in ("all", *SITUATION_TOI):
                share = 1.0 if situation == "all" else SITUATION_TOI[situation]
                main = situation in ("all", "5on5")
                w.writerow(
                    {
                        "playerId": player_ids(team)[3],
                        "season": 2025,
                        "name": f"Goalie {team}",
                        "gameId": game.game_id,
                        "playerTeam": team,
                        "opposingTeam": opp,
                        "home_or_away": "HOME" if team == game.home else "AWAY",
                        "gameDate": game.day.strftime("%Y%m%d"),
                        "position": "G",
                        "situation": situation,
                        "icetime": round(3600 * share),
                        "xGoals": 2.5 if main else 0.0,
                        "goals": against if main else 0,
                        "ongoal": shots if main else 0,
                    }
                )
        return out.getvalue().encode()

    def goalie_line(self, game: Game, team: str) -> tuple[int, int]:
        """(shots against, goals against) = the opponents' skater totals."""
        opp = game.away if team == game.home else game.home
        lines = [skater_line(game, pid) for pid in player_ids(opp)[:3]]
        return sum(x["sog"] for x in lines), sum(x["goals"] for x in lines)

    def lookup_csv(self) -> bytes:
        rows = [
            "playerId,name,position,team,birthDate,weight,height,nationality,shootsCatches,primaryNumber,primaryPosition"
        ]
        for team in TEAMS:
            for k, pid in enumerate(player_ids(team)):
                pos = "CLDG"[k]
                rows.append(
                    f'{pid},Player {pid},{pos},{team},1998-03-0{k + 1},190,"6\' 1""",CAN,L,{k + 10},{pos}'
                )
        return ("\n".join(rows) + "\n").encode()

    def add_moneypuck(
        self,
        *,
        skip: tuple[str, ...] = (),
        status: dict[str, int] | None = None,
        index: bool = True,
        bodies: dict[str, bytes] | None = None,
    ) -> None:
        at = et_to_utc(SEASON_START, dt.time(6, 0))
        base = f"{MP}/teamPlayerGameByGame/2025/regular"
        for kind in ("skaters", "goalies"):
            if index:
                links = "".join(f'<a href="{t}.csv">{t}.csv</a>\n' for t in TEAMS)
                self.writer.add(
                    f"{base}/{kind}/",
                    at,
                    f"<html><body>{links}</body></html>".encode(),
                    content_type="text/html",
                )
            if not index:
                # no index: the importer falls back to the fixed 32-team list, so every other
                # team gets a header-only file (a real season has all 32)
                empty = ",".join(SKATER_HEADER if kind == "skaters" else GOALIE_HEADER) + "\n"
                for team in default_teams(2025):
                    if team not in TEAMS:
                        self.writer.add(
                            f"{base}/{kind}/{team}.csv", at, empty.encode(), content_type="text/csv"
                        )
            for team in TEAMS:
                key = f"{kind}/{team}"
                if team in skip:
                    continue
                body = (bodies or {}).get(key) or (
                    self.skater_csv(team) if kind == "skaters" else self.goalie_csv(team)
                )
                code = (status or {}).get(key, 200)
                self.writer.add(
                    f"{base}/{kind}/{team}.csv",
                    at,
                    body if code == 200 else b"denied",
                    content_type="text/csv" if code == 200 else "text/plain",
                    status=code,
                )
        self.writer.add(
            f"{MP}/playerBios/allPlayersLookup.csv", at, self.lookup_csv(), content_type="text/csv"
        )

    # ---- NHL API -----------------------------------------------------------------------------
    def team_json(self, team: str, score: int | None) -> dict[str, object]:
        team_id, place, common = TEAMS[team]
        out: dict[str, object] = {
            "id": team_id,
            "abbrev": team,
            "placeName": {"default": place},
            "commonName": {"default": common},
        }
        if score is not None:
            out["score"] = score
        return out

    def score(self, game: Game, team: str) -> int:
        return self.goalie_line(game, game.away if team == game.home else game.home)[1]

    def game_json(self, game: Game, final: bool) -> dict[str, object]:
        out: dict[str, object] = {
            "id": game.game_id,
            "season": 20252026,
            "gameType": 2,
            "startTimeUTC": game.start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "gameState": "OFF" if final else "FUT",
            "gameScheduleState": "OK",
            "homeTeam": self.team_json(game.home, self.score(game, game.home) if final else None),
            "awayTeam": self.team_json(game.away, self.score(game, game.away) if final else None),
        }
        if final:
            out["gameOutcome"] = {"lastPeriodType": "REG"}
        return out

    def schedule_json(self, day: dt.date, final: bool) -> bytes:
        week = []
        for i in range(7):
            d = day + dt.timedelta(days=i)
            games = [self.game_json(g, final) for g in self.games if g.day == d]
            week.append({"date": d.isoformat(), "numberOfGames": len(games), "games": games})
        return json.dumps(
            {
                "gameWeek": week,
                "regularSeasonStartDate": SEASON_START.isoformat(),
                "regularSeasonEndDate": SEASON_END.isoformat(),
            }
        ).encode()

    def boxscore_json(self, game: Game, *, old_form: bool = False) -> bytes:
        stats: dict[str, object] = {}
        for side, team in (("homeTeam", game.home), ("awayTeam", game.away)):
            skaters = []
            for k, pid in enumerate(player_ids(team)[:3]):
                x = skater_line(game, pid)
                row = {
                    "playerId": pid,
                    "name": {"default": f"P. {pid}"},
                    "position": "CLD"[k],
                    "goals": x["goals"],
                    "assists": x["a1"] + x["a2"],
                    "points": x["goals"] + x["a1"] + x["a2"],
                    "blockedShots": x["blocks"],
                    "toi": f"{x['toi'] // 60:02d}:{x['toi'] % 60:02d}",
                }
                row["shots" if old_form else "sog"] = x["sog"]
                skaters.append(row)
            shots, against = self.goalie_line(game, team)
            goalie: dict[str, object] = {
                "playerId": player_ids(team)[3],
                "position": "G",
                "toi": "60:00",
                "saveShotsAgainst": f"{shots - against}/{shots}",
            }
            if not old_form:
                goalie |= {"saves": shots - against, "shotsAgainst": shots, "goalsAgainst": against}
            stats[side] = {"forwards": skaters[:2], "defense": skaters[2:], "goalies": [goalie]}
        body: dict[str, object] = self.game_json(game, True) | {"gameDate": game.day.isoformat()}
        body |= (
            {"boxscore": {"playerByGameStats": stats}} if old_form else {"playerByGameStats": stats}
        )
        return json.dumps(body).encode()

    def add_nhl(self, *, old_form: tuple[int, ...] = ()) -> None:
        day = SEASON_START - dt.timedelta(days=7)
        while day <= SEASON_END + dt.timedelta(days=1):
            url = f"{NHL}/schedule/{day.isoformat()}"
            self.writer.add(url, et_to_utc(day, dt.time(8, 0)), self.schedule_json(day, False))
            self.writer.add(
                url,
                et_to_utc(day + dt.timedelta(days=8), dt.time(6, 0)),
                self.schedule_json(day, True),
            )
            day += dt.timedelta(days=1)
        for game in self.games:
            self.writer.add(
                f"{NHL}/gamecenter/{game.game_id}/boxscore",
                game.start + dt.timedelta(hours=3, minutes=30),
                self.boxscore_json(game, old_form=game.game_id in old_form),
            )

    @staticmethod
    def noon_utc(day: dt.date) -> dt.datetime:
        """17:00 UTC (noon ET in winter) on ``day``: the morning run of that slate."""
        return dt.datetime.combine(day, dt.time(17, 0), tzinfo=UTC)

    def games_between(self, first: dt.date, last: dt.date) -> list[Game]:
        return [g for g in self.games if first <= g.day <= last]

    def build(self, **moneypuck: object) -> Path:
        self.add_moneypuck(**moneypuck)  # type: ignore[arg-type]
        self.add_nhl()
        self.writer.write_manifest()
        return self.root


@pytest.fixture
def mini_world(tmp_path: Path) -> Callable[..., MiniWorld]:
    counter = iter(range(100))

    def make() -> MiniWorld:
        return MiniWorld(tmp_path / f"world{next(counter)}")

    return make
