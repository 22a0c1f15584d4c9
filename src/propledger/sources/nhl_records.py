"""NHL API records (what ``nhl_api.parse_*`` return) and their warehouse tables.

Frozen dataclasses for a game (a ``dim_game`` version), a schedule week and a player's box-score
line (a ``fact_outcome`` row); the Arrow schemas of ``dim_game``, ``fact_outcome`` and
``dim_team`` content columns and the ``*_table`` builders. Times: ``start_time_utc`` is
timezone-aware UTC; ``slate_date`` is the America/New_York date of the start; ``game_date`` is the
NHL's local calendar date. ``season`` is the **start year**; TOI is in **seconds**; a stat the
payload lacks is ``None`` (unknown), never 0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import pyarrow as pa

#: the only states in which a game's stats are settled
FINAL_STATES = frozenset({"FINAL", "OFF"})
#: schedule states that void a game's props (kept in dim_game, dropped from slates)
VOID_SCHEDULE_STATES = frozenset({"PPD", "CNCL"})
#: how far a game has progressed, to pick the most advanced of two captures of the same game
STATE_RANK: Mapping[str, int] = {"FUT": 0, "PRE": 1, "LIVE": 2, "CRIT": 3, "FINAL": 4, "OFF": 5}


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


__all__ = [
    "FINAL_STATES",
    "GAME_SCHEMA",
    "OUTCOME_SCHEMA",
    "STATE_RANK",
    "TEAM_SCHEMA",
    "VOID_SCHEDULE_STATES",
    "GameRecord",
    "OutcomeRow",
    "ScheduleWeek",
    "games_table",
    "outcomes_table",
    "slate_games",
    "teams_table",
]
