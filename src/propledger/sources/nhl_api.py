"""NHL public API (``api-web.nhle.com/v1``): weekly schedules and box scores
(vendor doc: ``vendors/nhl_api.md``).

``fetch_*`` do the I/O through a :class:`~propledger.http.VendorClient`; ``parse_*`` are pure and
return frozen records (:mod:`propledger.sources.nhl_records`). Times: ``start_time_utc`` is
timezone-aware UTC; ``slate_date`` is the America/New_York date of the start (never the UTC
date); ``game_date`` is the NHL's local calendar date (``gameWeek[].date`` / box-score
``gameDate``). ``season`` is the **start year** (``20252026`` → 2025, as MoneyPuck). TOI is in
**seconds**. A stat missing from a payload is ``None`` (unknown), never 0; outcomes exist only
for games in ``FINAL``/``OFF``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from propledger.clock import parse_utc, slate_date
from propledger.errors import PayloadError
from propledger.http import Fetched, VendorClient
from propledger.sources.nhl_records import GameRecord, OutcomeRow, ScheduleWeek

VENDOR = "nhl_api"


# ---- fetching --------------------------------------------------------------------------------
def schedule_url(base: str, day: dt.date) -> str:
    return f"{base.rstrip('/')}/schedule/{day.isoformat()}"


def boxscore_url(base: str, game_id: int) -> str:
    return f"{base.rstrip('/')}/gamecenter/{game_id}/boxscore"


def fetch_schedule(client: VendorClient, base: str, day: dt.date) -> Fetched:
    """The week starting at ``day`` (always pass an explicit date: ``now`` flips at noon ET)."""
    return client.get(schedule_url(base, day))


def fetch_boxscore(client: VendorClient, base: str, game_id: int) -> Fetched:
    return client.get(boxscore_url(base, game_id))


# ---- field helpers ---------------------------------------------------------------------------
def _where(game_id: object) -> str:
    return f"nhl_api game {game_id}"


def _int(value: Any, field: str, where: str) -> int | None:
    """An integer stat: None when missing; ``2.0`` and ``"2"`` accepted; anything else is drift."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise PayloadError(
            f"{where}: field {field} is a boolean, expected an integer", vendor=VENDOR
        )
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise PayloadError(f"{where}: field {field} = {value!r} is not an integer", vendor=VENDOR)


def _text(value: Any) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("default")
    return value.strip() if isinstance(value, str) and value.strip() else None


def _date(value: Any, field: str, where: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise PayloadError(
            f"{where}: field {field} = {value!r} is not a YYYY-MM-DD date", vendor=VENDOR
        ) from None


def parse_toi(value: Any, where: str = "nhl_api") -> int | None:
    """``"MM:SS"`` → seconds (minutes may be ≥ 60; ``"00:00"`` is 0); missing → None."""
    if value is None or value == "":
        return None
    parts = str(value).strip().split(":")
    if len(parts) == 2 and all(p.isdigit() for p in parts) and int(parts[1]) < 60:
        return int(parts[0]) * 60 + int(parts[1])
    raise PayloadError(f"{where}: field toi = {value!r} is not MM:SS", vendor=VENDOR)


def _saves_shots(value: Any, where: str) -> tuple[int | None, int | None]:
    """``"28/31"`` → (28, 31)."""
    if value is None or value == "":
        return None, None
    parts = str(value).split("/")
    if len(parts) == 2 and all(p.strip().isdigit() for p in parts):
        return int(parts[0]), int(parts[1])
    raise PayloadError(
        f"{where}: field saveShotsAgainst = {value!r} is not saves/shots", vendor=VENDOR
    )


def _list(value: Any, field: str, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadError(f"{where}: field {field} is not a list", vendor=VENDOR)
    return value


def _game(raw: Any, where: str, game_date: dt.date | None = None) -> GameRecord:
    if not isinstance(raw, Mapping):
        raise PayloadError(f"{where}: a game is not a JSON object", vendor=VENDOR)
    game_id = _int(raw.get("id"), "id", where)
    if game_id is None:
        raise PayloadError(f"{where}: a game has no id", vendor=VENDOR)
    where = _where(game_id)
    season8 = _int(raw.get("season"), "season", where)
    season = season8 // 10_000 if season8 is not None else game_id // 1_000_000
    game_type = _int(raw.get("gameType"), "gameType", where)
    if game_type is None:
        game_type = (game_id // 10_000) % 100
    start_raw = raw.get("startTimeUTC")
    try:
        start = parse_utc(start_raw) if isinstance(start_raw, str) and start_raw else None
    except ValueError:
        raise PayloadError(
            f"{where}: field startTimeUTC = {start_raw!r} is not ISO-8601", vendor=VENDOR
        ) from None
    game_date = game_date or _date(raw.get("gameDate"), "gameDate", where)
    day = slate_date(start) if start is not None else game_date
    if day is None:
        raise PayloadError(f"{where}: neither startTimeUTC nor a game date is given", vendor=VENDOR)
    teams: dict[str, dict[str, Any]] = {}
    for side in ("homeTeam", "awayTeam"):
        team = raw.get(side)
        abbrev = _text(team.get("abbrev")) if isinstance(team, Mapping) else None
        if not isinstance(team, Mapping) or abbrev is None:
            raise PayloadError(f"{where}: field {side}.abbrev is missing", vendor=VENDOR)
        place, common = (
            _text(team.get("placeName")),
            _text(team.get("commonName") or team.get("name")),
        )
        teams[side] = {
            "abbrev": abbrev.upper(),
            "id": _int(team.get("id"), f"{side}.id", where),
            "name": " ".join(p for p in (place, common) if p) or None,
            "score": _int(team.get("score"), f"{side}.score", where),
        }
    outcome = raw.get("gameOutcome")
    return GameRecord(
        game_id=game_id,
        season=season,
        game_type=game_type,
        slate_date=day,
        start_time_utc=start,
        home_team=teams["homeTeam"]["abbrev"],
        away_team=teams["awayTeam"]["abbrev"],
        home_team_id=teams["homeTeam"]["id"],
        away_team_id=teams["awayTeam"]["id"],
        home_team_name=teams["homeTeam"]["name"],
        away_team_name=teams["awayTeam"]["name"],
        game_state=_text(raw.get("gameState")),
        schedule_state=_text(raw.get("gameScheduleState")),
        home_score=teams["homeTeam"]["score"],
        away_score=teams["awayTeam"]["score"],
        last_period_type=_text(outcome.get("lastPeriodType"))
        if isinstance(outcome, Mapping)
        else None,
        game_date=game_date,
    )


# ---- schedule --------------------------------------------------------------------------------
def parse_schedule_week(payload: Any) -> ScheduleWeek:
    """Every game of a ``schedule/{date}`` answer, PPD/CNCL included (they are recorded)."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get("gameWeek"), list):
        raise PayloadError(
            "nhl_api schedule: field gameWeek is missing; not a schedule payload", vendor=VENDOR
        )
    days: list[dt.date] = []
    games: list[GameRecord] = []
    for entry in payload["gameWeek"]:
        if not isinstance(entry, Mapping):
            raise PayloadError("nhl_api schedule: a gameWeek entry is not an object", vendor=VENDOR)
        day = _date(entry.get("date"), "gameWeek[].date", "nhl_api schedule")
        if day is None:
            raise PayloadError("nhl_api schedule: a gameWeek entry has no date", vendor=VENDOR)
        days.append(day)
        for raw in _list(entry.get("games"), "gameWeek[].games", "nhl_api schedule"):
            games.append(_game(raw, "nhl_api schedule", game_date=day))
    where = "nhl_api schedule"
    return ScheduleWeek(
        days=tuple(days),
        games=tuple(games),
        regular_season_start=_date(
            payload.get("regularSeasonStartDate"), "regularSeasonStartDate", where
        ),
        regular_season_end=_date(
            payload.get("regularSeasonEndDate"), "regularSeasonEndDate", where
        ),
        next_start_date=_date(payload.get("nextStartDate"), "nextStartDate", where),
        previous_start_date=_date(payload.get("previousStartDate"), "previousStartDate", where),
    )


def parse_schedule(payload: Any, *, on: dt.date | None = None) -> list[GameRecord]:
    """The games of a schedule week (all 7 days, or only ``gameWeek[].date == on``).

    Postponed/cancelled games are included so they are recorded; use :func:`slate_games` for
    the playable slate.
    """
    games = parse_schedule_week(payload).games
    return [g for g in games if on is None or g.game_date == on]


# ---- box score -------------------------------------------------------------------------------
def _player_stats(payload: Mapping[str, Any]) -> Mapping[str, Any] | None:
    # newer payloads: top level; older ones: under "boxscore"
    stats = payload.get("playerByGameStats")
    if stats is None and isinstance(payload.get("boxscore"), Mapping):
        stats = payload["boxscore"].get("playerByGameStats")
    return stats if isinstance(stats, Mapping) else None


def _skater(raw: Mapping[str, Any], game: GameRecord, team: str, where: str) -> OutcomeRow:
    player_id = _int(raw.get("playerId"), "playerId", where)
    if player_id is None:
        raise PayloadError(f"{where}: a player row has no playerId", vendor=VENDOR)
    where = f"{where} player {player_id}"
    goals = _int(raw.get("goals"), "goals", where)
    assists = _int(raw.get("assists"), "assists", where)
    points = _int(raw.get("points"), "points", where)
    if points is None and goals is not None and assists is not None:
        points = goals + assists
    sog = _int(raw["sog"] if "sog" in raw else raw.get("shots"), "sog", where)
    return OutcomeRow(
        game_id=game.game_id,
        player_id=player_id,
        team=team,
        position=_text(raw.get("position")),
        is_goalie=False,
        game_state=str(game.game_state),
        goals=goals,
        assists=assists,
        points=points,
        sog=sog,
        blocks=_int(raw.get("blockedShots"), "blockedShots", where),
        toi_seconds=parse_toi(raw.get("toi"), where),
    )


def _goalie(raw: Mapping[str, Any], game: GameRecord, team: str, where: str) -> OutcomeRow:
    player_id = _int(raw.get("playerId"), "playerId", where)
    if player_id is None:
        raise PayloadError(f"{where}: a goalie row has no playerId", vendor=VENDOR)
    where = f"{where} goalie {player_id}"
    saves = _int(raw.get("saves"), "saves", where)
    shots = _int(raw.get("shotsAgainst"), "shotsAgainst", where)
    if saves is None or shots is None:
        # older payloads carry only "saves/shots"
        s_saves, s_shots = _saves_shots(raw.get("saveShotsAgainst"), where)
        saves = saves if saves is not None else s_saves
        shots = shots if shots is not None else s_shots
    goals_against = _int(raw.get("goalsAgainst"), "goalsAgainst", where)
    if goals_against is None and saves is not None and shots is not None:
        goals_against = shots - saves
    return OutcomeRow(
        game_id=game.game_id,
        player_id=player_id,
        team=team,
        position="G",
        is_goalie=True,
        game_state=str(game.game_state),
        goals=_int(raw.get("goals"), "goals", where),
        assists=_int(raw.get("assists"), "assists", where),
        points=_int(raw.get("points"), "points", where),
        toi_seconds=parse_toi(raw.get("toi"), where),
        saves=saves,
        shots_against=shots,
        goals_against=goals_against,
    )


def parse_boxscore(payload: Any) -> tuple[GameRecord, tuple[OutcomeRow, ...]]:
    """The game (a ``dim_game`` version) and, when it is ``FINAL``/``OFF``, one outcome row per
    player who appears in the box score (scratched players are absent: no row, never zeros)."""
    if not isinstance(payload, Mapping):
        raise PayloadError("nhl_api boxscore: the payload is not a JSON object", vendor=VENDOR)
    game = _game(payload, "nhl_api boxscore")
    if not game.is_final:
        return game, ()
    where = _where(game.game_id)
    stats = _player_stats(payload)
    if stats is None:
        raise PayloadError(
            f"{where}: field playerByGameStats is missing (top level and under boxscore)",
            vendor=VENDOR,
        )
    rows: dict[int, OutcomeRow] = {}
    for side, team in (("awayTeam", game.away_team), ("homeTeam", game.home_team)):
        groups = stats.get(side)
        if not isinstance(groups, Mapping):
            raise PayloadError(f"{where}: field playerByGameStats.{side} is missing", vendor=VENDOR)
        for group in ("forwards", "defense", "goalies"):
            for raw in _list(groups.get(group), f"playerByGameStats.{side}.{group}", where):
                if not isinstance(raw, Mapping):
                    raise PayloadError(f"{where}: a {group} entry is not an object", vendor=VENDOR)
                row = (
                    _goalie(raw, game, team, where)
                    if group == "goalies"
                    else _skater(raw, game, team, where)
                )
                rows.setdefault(row.player_id, row)
    return game, tuple(rows.values())


__all__ = [
    "VENDOR",
    "boxscore_url",
    "fetch_boxscore",
    "fetch_schedule",
    "parse_boxscore",
    "parse_schedule",
    "parse_schedule_week",
    "parse_toi",
    "schedule_url",
]
