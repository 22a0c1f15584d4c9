"""Render NHL API payloads (``api-web.nhle.com/v1``): weekly schedules and box scores.

Shapes follow ``shared/vendors/nhl_api.md`` and the committed fixtures. ``schedule/{date}``
answers a ``gameWeek`` of seven days starting at ``date``; it is rendered twice per date: as
seen before the games (every game ``FUT``, no scores) and after the week (every game ``OFF``
with scores, ``periodDescriptor`` and ``gameOutcome``). Box scores are ``OFF``; scratched
players are absent; the backup goalie is listed with ``toi`` "00:00". A box score flagged
``legacy`` uses the older form: players under ``boxscore.playerByGameStats``, ``shots``
instead of ``sog``, goalies without the ``saves``/``shotsAgainst``/``savePctg`` fields (only
``saveShotsAgainst`` "saves/shots" and ``goalsAgainst``).

Goalie strength splits are from the goalie's view: ``powerPlay*`` = while the opponent had
the power play (his team's 4on5), ``shorthanded*`` = while his own team had it (5on4).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from propledger.clock import ET, UTC
from propledger.sample.lineups import N_FWD
from propledger.sample.teams import Team
from propledger.sample.world import SeasonWorld, World, decision

PERIOD_NUMBER = {"REG": 3, "OT": 4, "SO": 5}
DAY_ABBREV = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


def dumps(obj: object) -> bytes:
    """Compact UTF-8 JSON, as the API sends it."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


def _offset(instant: dt.datetime, tz: str) -> str:
    off = instant.astimezone(ZoneInfo(tz)).utcoffset() or dt.timedelta(0)
    minutes = int(off.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _place(team: Team) -> dict[str, str]:
    return (
        {"default": team.place_name, "fr": team.place_name}
        if team.abbrev == "MTL"
        else {"default": team.place_name}
    )


def _mmss(seconds: int) -> str:
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def game_times(s: SeasonWorld, g: int) -> tuple[dt.datetime, str, str, str]:
    """(start UTC, startTimeUTC text, easternUTCOffset, venueUTCOffset) of game ``g``."""
    start = dt.datetime.fromisoformat(str(s.schedule.start_utc[g])).replace(tzinfo=UTC)
    home = s.teams[int(s.schedule.home[g])]
    return (
        start,
        start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        _offset(start, str(ET)),
        _offset(start, home.venue_tz),
    )


def schedule_game(s: SeasonWorld, g: int, *, final: bool) -> dict[str, Any]:
    sc = s.schedule
    home, away = s.teams[int(sc.home[g])], s.teams[int(sc.away[g])]
    _, start_text, eastern, venue = game_times(s, g)
    out: dict[str, Any] = {
        "id": int(sc.game_id[g]),
        "season": s.season * 10000 + s.season + 1,
        "gameType": 2,
        "venue": {"default": home.venue},
        "neutralSite": False,
        "startTimeUTC": start_text,
        "easternUTCOffset": eastern,
        "venueUTCOffset": venue,
        "venueTimezone": home.venue_tz,
        "gameState": "OFF" if final else "FUT",
        "gameScheduleState": "OK",
    }
    for key, team, side in (("awayTeam", away, 1), ("homeTeam", home, 0)):
        out[key] = {
            "id": team.nhl_id,
            "commonName": {"default": team.common_name},
            "placeName": _place(team),
            "abbrev": team.abbrev,
        }
        if final:
            out[key]["score"] = int(s.sim.score[g, side])
    last = str(s.sim.last_period[g])
    if final:
        out["periodDescriptor"] = {
            "number": PERIOD_NUMBER[last],
            "periodType": last,
            "maxRegulationPeriods": 3,
        }
        out["gameOutcome"] = {"lastPeriodType": last}
    else:
        out["periodDescriptor"] = {"maxRegulationPeriods": 3}
    day = str(sc.date[g]).replace("-", "/")
    out["gameCenterLink"] = (
        f"/gamecenter/{away.abbrev.lower()}-vs-{home.abbrev.lower()}/{day}/{int(sc.game_id[g])}"
    )
    return out


def schedule_payloads(world: World) -> Iterator[tuple[dt.date, bytes, bytes]]:
    """(date, before-the-week JSON, after-the-week JSON) for every date from 7 days before
    each season's first game to 1 day after its last."""
    by_day: dict[dt.date, list[tuple[SeasonWorld, int]]] = {}
    for s in world.seasons:
        for g, day in enumerate(s.schedule.date):
            by_day.setdefault(dt.date.fromisoformat(str(day)), []).append((s, g))
    # each game is encoded once per state and spliced into the weeks (keys keep API order)
    encoded = {
        (s.season, g, final): dumps(schedule_game(s, g, final=final)).decode()
        for games in by_day.values()
        for s, g in games
        for final in (False, True)
    }
    for s in world.seasons:
        first, last = s.schedule.first_date, s.schedule.last_date
        day = first - dt.timedelta(days=7)
        while day <= last + dt.timedelta(days=1):
            bodies = []
            for final in (False, True):
                week, total = [], 0
                for k in range(7):
                    d = day + dt.timedelta(days=k)
                    games = [encoded[(gs.season, g, final)] for gs, g in by_day.get(d, [])]
                    total += len(games)
                    week.append(
                        f'{{"date":"{d.isoformat()}","dayAbbrev":"{DAY_ABBREV[d.weekday()]}",'
                        f'"numberOfGames":{len(games)},"games":[{",".join(games)}]}}'
                    )
                head = dumps(
                    {
                        "nextStartDate": (day + dt.timedelta(days=7)).isoformat(),
                        "previousStartDate": (day - dt.timedelta(days=7)).isoformat(),
                    }
                ).decode()
                tail = dumps(
                    {
                        "preSeasonStartDate": (first - dt.timedelta(days=18)).isoformat(),
                        "regularSeasonStartDate": first.isoformat(),
                        "regularSeasonEndDate": last.isoformat(),
                        "playoffEndDate": dt.date(s.season + 1, 6, 20).isoformat(),
                        "numberOfGames": total,
                    }
                ).decode()
                bodies.append(f'{head[:-1]},"gameWeek":[{",".join(week)}],{tail[1:]}'.encode())
            yield day, bodies[0], bodies[1]
            day += dt.timedelta(days=1)


def _box_arrays(world: World, s: SeasonWorld) -> dict[str, list[Any]]:
    """Per-slot box-score values ``[G][2][18]`` as nested lists (fast to index)."""
    st, lu = s.skater, s.sim.lineups
    tot = {k: v.sum(axis=-1) for k, v in st.items()}
    players = world.universe.players
    numbers = np.zeros((len(players), len(s.schedule.teams)), dtype=np.int64)
    for (idx, team), num in s.roster.numbers.items():
        numbers[idx, s.schedule.teams.index(team)] = num
    won, lost = tot["faceoffsWon"], tot["faceoffsLost"]
    with np.errstate(invalid="ignore", divide="ignore"):
        fo = np.where(won + lost > 0, won / np.maximum(won + lost, 1), 0.0).round(6)
    plus = st["OnIce_F_goals"][..., [0, 2, 3]].sum(-1) - st["OnIce_A_goals"][..., [0, 1, 3]].sum(-1)
    names = np.array([p.box_name for p in players], dtype=object)
    ids = np.array([p.player_id for p in players], dtype=np.int64)
    pos = np.array([p.position for p in players], dtype=object)
    sweater = numbers[lu.skaters, lu.team[..., None]]
    arrays = {
        "playerId": ids[lu.skaters],
        "sweaterNumber": sweater,
        "name": names[lu.skaters],
        "position": pos[lu.skaters],
        "goals": tot["I_F_goals"],
        "assists": tot["I_F_primaryAssists"] + tot["I_F_secondaryAssists"],
        "points": tot["I_F_points"],
        "plusMinus": plus,
        "pim": tot["penalityMinutes"],
        "hits": tot["I_F_hits"],
        "powerPlayGoals": st["I_F_goals"][..., 1],
        "sog": tot["I_F_shotsOnGoal"],
        "faceoffWinningPctg": fo,
        "toi": tot["icetime"],
        "blockedShots": tot["shotsBlockedByPlayer"],
        "shifts": tot["shifts"],
        "giveaways": tot["I_F_giveaways"],
        "takeaways": tot["I_F_takeaways"],
    }
    out = {k: v.tolist() for k, v in arrays.items()}
    out["name"] = [[[{"default": n} for n in side] for side in game] for game in out["name"]]
    out["toi"] = [[[_mmss(t) for t in side] for side in game] for game in out["toi"]]
    out["goalie_number"] = numbers[
        np.stack([lu.starter, lu.backup], -1), lu.team[..., None]
    ].tolist()
    return out


_SPLITS = ((0, 3), (2,), (1,), (0, 1, 2, 3))  # even strength, opp. power play, shorthanded, all


def _goalie_arrays(s: SeasonWorld) -> dict[str, list[Any]]:
    """Starter shots/goals against per split ``[G][2][4]``, PIM and TOI, as nested lists."""
    g = s.goalie
    shots = np.stack([g["ongoal"][..., list(k)].sum(-1) for k in _SPLITS], -1)
    goals = np.stack([g["goals"][..., list(k)].sum(-1) for k in _SPLITS], -1)
    return {
        "shots": shots.tolist(),
        "goals": goals.tolist(),
        "pim": g["penalityMinutes"].sum(-1).tolist(),
        "toi": g["icetime"].sum(-1).tolist(),
    }


def _goalie(
    world: World,
    s: SeasonWorld,
    ga: dict[str, list[Any]],
    g: int,
    side: int,
    number: int,
    *,
    started: bool,
    dec: str,
    legacy: bool,
) -> dict[str, Any]:
    lu = s.sim.lineups
    p = world.universe.players[int(lu.starter[g, side] if started else lu.backup[g, side])]
    shots = ga["shots"][g][side] if started else [0, 0, 0, 0]
    goals = ga["goals"][g][side] if started else [0, 0, 0, 0]
    saves = [a - b for a, b in zip(shots, goals, strict=True)]
    out: dict[str, Any] = {
        "playerId": p.player_id,
        "sweaterNumber": number,
        "name": {"default": p.box_name},
        "position": "G",
        "evenStrengthShotsAgainst": f"{saves[0]}/{shots[0]}",
        "powerPlayShotsAgainst": f"{saves[1]}/{shots[1]}",
        "shorthandedShotsAgainst": f"{saves[2]}/{shots[2]}",
        "saveShotsAgainst": f"{saves[3]}/{shots[3]}",
    }
    if shots[3] > 0 and not legacy:
        out["savePctg"] = round(saves[3] / shots[3], 6)
    out |= {
        "evenStrengthGoalsAgainst": goals[0],
        "powerPlayGoalsAgainst": goals[1],
        "shorthandedGoalsAgainst": goals[2],
        "pim": ga["pim"][g][side] if started else 0,
        "goalsAgainst": goals[3],
        "toi": _mmss(ga["toi"][g][side] if started else 0),
        "starter": started,
    }
    if started:
        out["decision"] = dec
    if not legacy:
        out |= {"shotsAgainst": shots[3], "saves": saves[3]}
    return out


def boxscore_payloads(world: World, s: SeasonWorld) -> Iterator[tuple[int, dt.datetime, bytes]]:
    """(game id, scheduled start UTC, box-score JSON) for every game of the season."""
    arr = _box_arrays(world, s)
    ga = _goalie_arrays(s)
    keys = [k for k in arr if k != "goalie_number"]
    legacy_keys = ["shots" if k == "sog" else k for k in keys]  # the older payload form
    dec = decision(s.sim.score, s.sim.last_period)
    sog_team = s.skater["I_F_shotsOnGoal"].sum(axis=(2, 3))
    for g in range(len(s.schedule)):
        legacy = bool(s.legacy_boxscore[g])
        start, start_text, eastern, venue = game_times(s, g)
        sc = s.schedule
        home, away = s.teams[int(sc.home[g])], s.teams[int(sc.away[g])]
        stats: dict[str, Any] = {}
        for key, side in (("awayTeam", 1), ("homeTeam", 0)):
            names = legacy_keys if legacy else keys
            rows = [
                dict(zip(names, values, strict=True))
                for values in zip(*(arr[k][g][side] for k in keys), strict=True)
            ]
            numbers = arr["goalie_number"][g][side]
            goalies = [
                _goalie(
                    world,
                    s,
                    ga,
                    g,
                    side,
                    numbers[0],
                    started=True,
                    dec=str(dec[g, side]),
                    legacy=legacy,
                ),
                _goalie(world, s, ga, g, side, numbers[1], started=False, dec="", legacy=legacy),
            ]
            stats[key] = {"forwards": rows[:N_FWD], "defense": rows[N_FWD:], "goalies": goalies}
        last = str(s.sim.last_period[g])
        teams = {
            key: {
                "id": team.nhl_id,
                "commonName": {"default": team.common_name},
                "abbrev": team.abbrev,
                "score": int(s.sim.score[g, side]),
                "sog": int(sog_team[g, side]),
                "placeName": _place(team),
            }
            for key, team, side in (("awayTeam", away, 1), ("homeTeam", home, 0))
        }
        body: dict[str, Any] = {
            "id": int(sc.game_id[g]),
            "season": s.season * 10000 + s.season + 1,
            "gameType": 2,
            "limitedScoring": False,
            "gameDate": str(sc.date[g]),
            "venue": {"default": home.venue},
            "venueLocation": {"default": home.place_name},
            "startTimeUTC": start_text,
            "easternUTCOffset": eastern,
            "venueUTCOffset": venue,
            "gameState": "OFF",
            "gameScheduleState": "OK",
            "periodDescriptor": {
                "number": PERIOD_NUMBER[last],
                "periodType": last,
                "maxRegulationPeriods": 3,
            },
            "regPeriods": 3,
            **teams,
            "clock": {
                "timeRemaining": "00:00",
                "secondsRemaining": 0,
                "running": False,
                "inIntermission": False,
            },
        }
        if legacy:
            body["boxscore"] = {"playerByGameStats": stats}
        else:
            body["playerByGameStats"] = stats
        body["gameOutcome"] = {"lastPeriodType": last}
        yield int(sc.game_id[g]), start, dumps(body)


__all__ = ["boxscore_payloads", "dumps", "schedule_game", "schedule_payloads"]
