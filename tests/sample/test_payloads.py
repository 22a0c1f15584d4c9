"""The written world: MoneyPuck CSVs and NHL JSON served by the replay at the contracted times."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest

from propledger.clock import UTC, FrozenClock, et_to_utc
from propledger.replay import ReplayTransport
from propledger.sample.world import World
from propledger.sample.writer import read_world_info

FIXTURES = Path(__file__).parents[1] / "fixtures"
MP = "https://moneypuck.com/moneypuck/playerData"
NHL = "https://api-web.nhle.com/v1"
COUNTS = (
    "icetime",
    "I_F_goals",
    "I_F_shotsOnGoal",
    "I_F_shotAttempts",
    "I_F_primaryAssists",
    "shotsBlockedByPlayer",
    "OnIce_F_goals",
    "I_F_hits",
    "faceoffsWon",
    "shifts",
)


class Replay:
    def __init__(self, directory: Path) -> None:
        self.clock = FrozenClock()
        self.transport = ReplayTransport(directory / "replay", self.clock)

    def get(self, url: str, at: dt.datetime) -> httpx.Response:
        self.clock.set(at)
        response = self.transport.handle_request(httpx.Request("GET", url))
        response.read()
        return response

    def csv(self, url: str, at: dt.datetime) -> pa.Table:
        response = self.get(url, at)
        assert response.status_code == 200, url
        return pacsv.read_csv(io.BytesIO(response.content))

    def json(self, url: str, at: dt.datetime) -> Any:
        response = self.get(url, at)
        assert response.status_code == 200, url
        return json.loads(response.content)


@pytest.fixture(scope="module")
def replay(written: Path) -> Replay:
    return Replay(written)


def _season_start(world: World, season: int) -> dt.datetime:
    return et_to_utc(world.season(season).schedule.first_date, dt.time(6, 0))


def _skaters(replay: Replay, world: World, season: int) -> Iterator[tuple[str, pa.Table]]:
    for team in world.team_abbrevs:
        url = f"{MP}/teamPlayerGameByGame/{season}/regular/skaters/{team}.csv"
        yield team, replay.csv(url, _season_start(world, season))


def test_world_json_counts(written: Path, two_seasons: World) -> None:
    info = read_world_info(written)
    assert info["seed"] == two_seasons.seed and info["seasons"] == [2024, 2025]
    assert info["counts"]["games"] == 48 and info["counts"]["teams"] == 4
    assert info["counts"]["trades"] == 1 and info["counts"]["legacy_boxscores"] == 1
    assert str(written) not in (written / "world.json").read_text()
    assert sorted(p.name for p in written.iterdir()) == ["replay", "truth.csv", "world.json"]


def test_moneypuck_captured_at_season_start_only(replay: Replay, two_seasons: World) -> None:
    url = f"{MP}/teamPlayerGameByGame/2025/regular/skaters/TOR.csv"
    start = _season_start(two_seasons, 2025)
    assert replay.get(url, start - dt.timedelta(seconds=1)).status_code == 404
    assert replay.get(url, start).status_code == 200
    assert start == dt.datetime(2025, 10, 7, 10, 0, tzinfo=UTC)  # 06:00 EDT


def test_skater_csv_columns_and_situations(replay: Replay, two_seasons: World) -> None:
    fixture_cols = set(pacsv.read_csv(FIXTURES / "moneypuck_skater_gamebygame.csv").column_names)
    for season in (2024, 2025):
        for team, t in _skaters(replay, two_seasons, season):
            assert fixture_cols <= set(t.column_names)
            assert set(pc.unique(t["playerTeam"]).to_pylist()) == {team}
            assert set(pc.unique(t["season"]).to_pylist()) == {season}
            assert pc.all(pc.equal(pc.divide(t["gameId"], 1_000_000), season)).as_py()
            rows = t.to_pydict()
            assert rows["situation"][:5] == ["all", "5on5", "5on4", "4on5", "other"]
            for start in range(0, t.num_rows, 5):
                assert len(set(rows["playerId"][start : start + 5])) == 1
                for col in COUNTS:
                    assert rows[col][start] == sum(rows[col][start + 1 : start + 5]), col
                assert rows["I_F_xGoals"][start] == pytest.approx(
                    sum(rows["I_F_xGoals"][start + 1 : start + 5]), abs=1e-9
                )
            assert all(
                g <= s <= a
                for g, s, a in zip(
                    rows["I_F_goals"],
                    rows["I_F_shotsOnGoal"],
                    rows["I_F_shotAttempts"],
                    strict=True,
                )
            )


def test_game_dates_are_yyyymmdd_of_the_et_date(replay: Replay, two_seasons: World) -> None:
    games = {g["game_id"]: g for g in two_seasons.games().to_pylist()}
    _, t = next(_skaters(replay, two_seasons, 2025))
    assert t.schema.field("gameDate").type == pa.int64()
    for game_id, day in zip(t["gameId"].to_pylist(), t["gameDate"].to_pylist(), strict=True):
        assert day == int(games[game_id]["game_date"].strftime("%Y%m%d"))


def test_traded_player_appears_in_both_team_files(replay: Replay, two_seasons: World) -> None:
    trade = two_seasons.season(2025).roster.trades[0]
    players = two_seasons.universe.players
    files = dict(_skaters(replay, two_seasons, 2025))
    for moved, old, new in (
        (trade.player_a, trade.team_a, trade.team_b),
        (trade.player_b, trade.team_b, trade.team_a),
    ):
        pid = players[moved].player_id
        before = files[old].filter(pc.equal(files[old]["playerId"], pid))["gameDate"].to_pylist()
        after = files[new].filter(pc.equal(files[new]["playerId"], pid))["gameDate"].to_pylist()
        cut = int(trade.date.strftime("%Y%m%d"))
        assert before and after
        assert max(before) <= cut < min(after)


def test_goalie_csv_matches_opposing_skaters(replay: Replay, two_seasons: World) -> None:
    fixture_cols = set(pacsv.read_csv(FIXTURES / "moneypuck_goalie_gamebygame.csv").column_names)
    start = _season_start(two_seasons, 2025)
    skaters = pa.concat_tables(t for _, t in _skaters(replay, two_seasons, 2025))
    sk_all = skaters.filter(pc.equal(skaters["situation"], "all"))
    for team in two_seasons.team_abbrevs:
        g = replay.csv(f"{MP}/teamPlayerGameByGame/2025/regular/goalies/{team}.csv", start)
        assert fixture_cols <= set(g.column_names)
        assert set(pc.unique(g["position"]).to_pylist()) == {"G"}
        for row in g.filter(pc.equal(g["situation"], "all")).to_pylist():
            shooters = sk_all.filter(
                pc.and_(
                    pc.equal(sk_all["gameId"], row["gameId"]),
                    pc.equal(sk_all["playerTeam"], row["opposingTeam"]),
                )
            )
            assert row["ongoal"] == pc.sum(shooters["I_F_shotsOnGoal"]).as_py()
            assert row["goals"] == pc.sum(shooters["I_F_goals"]).as_py()  # goals AGAINST
            assert row["icetime"] >= 3600


def test_directory_indexes_and_lookup(replay: Replay, two_seasons: World) -> None:
    start = _season_start(two_seasons, 2025)
    for kind in ("skaters", "goalies"):
        html = replay.get(f"{MP}/teamPlayerGameByGame/2025/regular/{kind}/", start).text
        assert {f'href="{t}.csv"' for t in two_seasons.team_abbrevs} <= set(
            html.replace(">", " ").split()
        )
    lookup_url = f"{MP}/playerBios/allPlayersLookup.csv"
    rows = list(csv.DictReader(io.StringIO(replay.get(lookup_url, start).text)))
    assert list(rows[0]) == [
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
    ]
    assert all(r["height"][0] in "56" and r["height"].endswith('"') for r in rows)
    names = [r["name"] for r in rows]
    assert len(set(names)) < len(names)  # duplicate full names, different ids
    assert len({r["playerId"] for r in rows}) == len(rows)
    early = replay.get(lookup_url, _season_start(two_seasons, 2024)).text
    assert len(early.splitlines()) <= len(rows) + 1


def test_schedule_before_and_after_the_week(replay: Replay, two_seasons: World) -> None:
    s = two_seasons.season(2025)
    day = s.schedule.first_date
    url = f"{NHL}/schedule/{day.isoformat()}"
    assert replay.get(url, et_to_utc(day, dt.time(7, 59))).status_code == 404
    before = replay.json(url, et_to_utc(day, dt.time(8, 0)))
    after = replay.json(url, et_to_utc(day + dt.timedelta(days=8), dt.time(6, 0)))
    for body in (before, after):
        assert [w["date"] for w in body["gameWeek"]] == [
            (day + dt.timedelta(days=k)).isoformat() for k in range(7)
        ]
        assert body["regularSeasonStartDate"] == day.isoformat()
        assert body["regularSeasonEndDate"] == s.schedule.last_date.isoformat()
        assert body["nextStartDate"] == (day + dt.timedelta(days=7)).isoformat()
    fut = [g for w in before["gameWeek"] for g in w["games"]]
    off = [g for w in after["gameWeek"] for g in w["games"]]
    assert (
        fut
        and {g["gameState"] for g in fut} == {"FUT"}
        and all("score" not in g["homeTeam"] for g in fut)
    )
    assert {g["gameState"] for g in off} == {"OFF"}
    games = {g["game_id"]: g for g in two_seasons.games().to_pylist()}
    for g in off:
        truth = games[g["id"]]
        assert (g["homeTeam"]["abbrev"], g["awayTeam"]["abbrev"]) == (
            truth["home_team"],
            truth["away_team"],
        )
        assert (g["homeTeam"]["score"], g["awayTeam"]["score"]) == (
            truth["home_score"],
            truth["away_score"],
        )
        assert (
            g["gameOutcome"]["lastPeriodType"]
            == truth["last_period_type"]
            == g["periodDescriptor"]["periodType"]
        )
        assert g["season"] == 20252026 and g["gameType"] == 2 and g["gameScheduleState"] == "OK"
        assert g["startTimeUTC"] == truth["start_time_utc"].strftime("%Y-%m-%dT%H:%M:%SZ")
        assert g["easternUTCOffset"] in ("-04:00", "-05:00")
    uta = [
        g["homeTeam"] if g["homeTeam"]["abbrev"] == "UTA" else g["awayTeam"]
        for g in off
        if "UTA" in (g["homeTeam"]["abbrev"], g["awayTeam"]["abbrev"])
    ]
    assert all(t["id"] == 68 and t["commonName"]["default"] == "Mammoth" for t in uta)


def test_schedule_dates_cover_the_season(replay: Replay, two_seasons: World) -> None:
    s = two_seasons.season(2024)
    first, last = s.schedule.first_date, s.schedule.last_date
    late = et_to_utc(last + dt.timedelta(days=30), dt.time(12, 0))
    for day, ok in (
        (first - dt.timedelta(days=7), True),
        (first - dt.timedelta(days=8), False),
        (last + dt.timedelta(days=1), True),
        (last + dt.timedelta(days=2), False),
    ):
        assert (replay.get(f"{NHL}/schedule/{day.isoformat()}", late).status_code == 200) is ok
    body = replay.json(f"{NHL}/schedule/{(first - dt.timedelta(days=7)).isoformat()}", late)
    utah = [
        g["homeTeam"]
        for w in body["gameWeek"]
        for g in w["games"]
        if g["homeTeam"]["abbrev"] == "UTA"
    ]
    assert all(t["id"] == 59 and t["commonName"]["default"] == "Utah Hockey Club" for t in utah)


def _box(replay: Replay, game: dict[str, Any]) -> dict[str, Any]:
    url = f"{NHL}/gamecenter/{game['game_id']}/boxscore"
    at = game["start_time_utc"] + dt.timedelta(hours=3, minutes=30)
    assert replay.get(url, at - dt.timedelta(seconds=1)).status_code == 404
    return dict(replay.json(url, at))


def test_boxscores_agree_with_moneypuck(replay: Replay, two_seasons: World) -> None:
    skaters = pa.concat_tables(t for _, t in _skaters(replay, two_seasons, 2025))
    sk_all = {
        (r["gameId"], r["playerId"]): r
        for r in skaters.filter(pc.equal(skaters["situation"], "all")).to_pylist()
    }
    for game in (
        two_seasons.games().filter(pc.equal(two_seasons.games()["season"], 2025)).to_pylist()
    ):
        box = _box(replay, game)
        assert box["gameState"] == "OFF" and box["id"] == game["game_id"]
        assert (box["homeTeam"]["score"], box["awayTeam"]["score"]) == (
            game["home_score"],
            game["away_score"],
        )
        for side in ("homeTeam", "awayTeam"):
            team = box["playerByGameStats"][side]
            assert (
                len(team["forwards"]) == 12
                and len(team["defense"]) == 6
                and len(team["goalies"]) == 2
            )
            shots = 0
            for p in team["forwards"] + team["defense"]:
                mp = sk_all.pop((game["game_id"], p["playerId"]))
                assert p["goals"] == mp["I_F_goals"] and p["sog"] == mp["I_F_shotsOnGoal"]
                assert p["assists"] == mp["I_F_primaryAssists"] + mp["I_F_secondaryAssists"]
                assert p["points"] == p["goals"] + p["assists"] == mp["I_F_points"]
                assert p["blockedShots"] == mp["shotsBlockedByPlayer"]
                minutes, seconds = p["toi"].split(":")
                assert int(minutes) * 60 + int(seconds) == mp["icetime"]
                assert (
                    p["name"]["default"].split(" ", 1)[1] in mp["name"]
                    and p["name"]["default"][1] == "."
                )
                shots += p["sog"]
            assert box[side]["sog"] == shots
            starter, backup = team["goalies"]
            assert starter["starter"] and not backup["starter"] and backup["toi"] == "00:00"
            assert starter["saves"] == starter["shotsAgainst"] - starter["goalsAgainst"]
            assert starter["saveShotsAgainst"] == f"{starter['saves']}/{starter['shotsAgainst']}"
            assert starter["decision"] in ("W", "L", "O") and "decision" not in backup
    assert not sk_all  # every MoneyPuck player-game is in a box score (scratches in neither)


def test_legacy_boxscore_form(replay: Replay, two_seasons: World) -> None:
    games = two_seasons.games()
    legacy = games.filter(games["legacy_boxscore"]).to_pylist()
    assert len(legacy) == 1 and legacy[0]["season"] == 2024
    box = _box(replay, legacy[0])
    assert "playerByGameStats" not in box
    team = box["boxscore"]["playerByGameStats"]["homeTeam"]
    assert all("shots" in p and "sog" not in p for p in team["forwards"] + team["defense"])
    starter = team["goalies"][0]
    assert "saves" not in starter and "shotsAgainst" not in starter
    saves, shots = map(int, starter["saveShotsAgainst"].split("/"))
    assert shots - saves == starter["goalsAgainst"]
    modern = games.filter(pc.invert(games["legacy_boxscore"])).to_pylist()[0]
    assert "playerByGameStats" in _box(replay, modern)
