"""NHL public API (``api-web.nhle.com/v1``): weekly schedules and box scores
(vendor doc: ``vendors/nhl_api.md``).

``fetch_*`` do the I/O through a :class:`~propledger.http.VendorClient`; ``parse_*`` are pure and
return frozen records. Times: ``start_time_utc`` is timezone-aware UTC; ``slate_date`` is the
America/New_York date of the start (never the UTC date); ``game_date`` is the NHL's local
calendar date (``gameWeek[].date`` / box-score ``gameDate``). ``season`` is the **start year**
(``20252026`` → 2025, as MoneyPuck). TOI is in **seconds**. A stat missing from a payload is
``None`` (unknown), never 0; outcomes exist only for games in ``FINAL``/``OFF``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import pyarrow as pa

from propledger.clock import parse_utc, slate_date
from propledger.errors import PayloadError
from propledger.http import Fetched, VendorClient

VENDOR = "nhl_api"
#: the only states in which a game's stats are settled
FINAL_STATES = frozenset({"FINAL", "OFF"})
#: schedule states that void a game's props (kept in dim_game, dropped from slates)
VOID_SCHEDULE_STATES = frozenset({"PPD", "CNCL"})
#: how far a game has progressed, to pick the most advanced of two captures of the same game
STATE_RANK: Mapping[str, int] = {"FUT": 0, "PRE": 1, "LIVE": 2, "CRIT": 3, "FINAL": 4, "OFF": 5}


# ---- records -------------------------------------------------------------------------------
@dataclass(frozen=True)
class GameRecord:
    """One game as the schedule or a box score describes it (a ``dim_game`` version)."""

    game_id: int
    season: int
    game_type: int | None
    slate_date: dt.date
    start_time_utc: dt.datetime | None
    home_team: str
    away_team: str
    home_team_id: int | None = None
    away_team_id: int | None = None
    home_team_name: str | None = None
    away_team_name: str | None = None
    game_state: str | None = None
    schedule_state: str | None = None
    home_score: int | None = None
    away_score: int | None = None
    last_period_type: str | None = None
    game_date: dt.date | None = None

    @property
    def is_final(self) -> bool:
        return self.game_state in FINAL_STATES

    @property
    def is_void(self) -> bool:
        return self.schedule_state in VOID_SCHEDULE_STATES

    def dim_game_row(self) -> dict[str, Any]:
        """The ``dim_game`` content columns."""
        return {k: getattr(self, k) for k in GAME_SCHEMA.names}


@dataclass(frozen=True)
class ScheduleWeek:
    """A ``schedule/{date}`` answer: up to 7 days of games plus the season's bounds."""

    days: tuple[dt.date, ...]
    games: tuple[GameRecord, ...]
    regular_season_start: dt.date | None
    regular_season_end: dt.date | None
    next_start_date: dt.date | None
    previous_start_date: dt.date | None


@dataclass(frozen=True)
class OutcomeRow:
    """One player's box-score line in a finished game (a ``fact_outcome`` row).

    Skaters: goals, assists, points, sog, blocks, toi_seconds. Goalies: saves, shots_against,
    goals_against, toi_seconds (skater stats only when the payload has them). Shootout
    attempts and goals are not included (NHL box-score semantics).
    """

    game_id: int
    player_id: int
    team: str
    position: str | None
    is_goalie: bool
    game_state: str
    goals: int | None = None
    assists: int | None = None
    points: int | None = None
    sog: int | None = None
    blocks: int | None = None
    toi_seconds: int | None = None
    saves: int | None = None
    shots_against: int | None = None
    goals_against: int | None = None


GAME_SCHEMA = pa.schema(
    [
        ("game_id", pa.int64()),
        ("season", pa.int32()),
        ("game_type", pa.int32()),
        ("slate_date", pa.date32()),
        ("start_time_utc", pa.timestamp("us", tz="UTC")),
        ("home_team", pa.string()),
        ("away_team", pa.string()),
        ("game_state", pa.string()),
        ("schedule_state", pa.string()),
        ("home_score", pa.int32()),
        ("away_score", pa.int32()),
        ("last_period_type", pa.string()),
    ]
)
OUTCOME_SCHEMA = pa.schema(
    [
        ("game_id", pa.int64()),
        ("player_id", pa.int64()),
        ("team", pa.string()),
        ("position", pa.string()),
        ("is_goalie", pa.bool_()),
        ("game_state", pa.string()),
        ("goals", pa.int32()),
        ("assists", pa.int32()),
        ("points", pa.int32()),
        ("sog", pa.int32()),
        ("blocks", pa.int32()),
        ("toi_seconds", pa.int32()),
        ("saves", pa.int32()),
        ("shots_against", pa.int32()),
        ("goals_against", pa.int32()),
    ]
)
TEAM_SCHEMA = pa.schema(
    [("team_abbrev", pa.string()), ("nhl_team_id", pa.int32()), ("full_name", pa.string())]
)


def games_table(games: Iterable[GameRecord]) -> pa.Table:
    """``dim_game`` rows (content columns) for a batch of games."""
    return pa.Table.from_pylist([g.dim_game_row() for g in games], schema=GAME_SCHEMA)


def outcomes_table(rows: Iterable[OutcomeRow]) -> pa.Table:
    """``fact_outcome`` rows (content columns)."""
    return pa.Table.from_pylist([asdict(r) for r in rows], schema=OUTCOME_SCHEMA)


def teams_table(games: Iterable[GameRecord]) -> pa.Table:
    """``dim_team`` rows: one per abbreviation (the first game naming it wins)."""
    seen: dict[str, dict[str, Any]] = {}
    for g in games:
        for abbrev, team_id, name in (
            (g.home_team, g.home_team_id, g.home_team_name),
            (g.away_team, g.away_team_id, g.away_team_name),
        ):
            seen.setdefault(
                abbrev, {"team_abbrev": abbrev, "nhl_team_id": team_id, "full_name": name}
            )
    return pa.Table.from_pylist(list(seen.values()), schema=TEAM_SCHEMA)


def slate_games(games: Iterable[GameRecord], day: dt.date) -> list[GameRecord]:
    """The games of a slate: NHL calendar day ``day``, postponed/cancelled games dropped."""
    return [g for g in games if (g.game_date or g.slate_date) == day and not g.is_void]


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
    "FINAL_STATES",
    "GAME_SCHEMA",
    "OUTCOME_SCHEMA",
    "STATE_RANK",
    "TEAM_SCHEMA",
    "VENDOR",
    "VOID_SCHEDULE_STATES",
    "GameRecord",
    "OutcomeRow",
    "ScheduleWeek",
    "boxscore_url",
    "fetch_boxscore",
    "fetch_schedule",
    "games_table",
    "outcomes_table",
    "parse_boxscore",
    "parse_schedule",
    "parse_schedule_week",
    "parse_toi",
    "schedule_url",
    "slate_games",
    "teams_table",
]
