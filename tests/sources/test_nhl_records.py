"""NHL API records → ``dim_game`` / ``dim_team`` tables, on the committed schedule fixture."""

from __future__ import annotations

import json
from pathlib import Path

from propledger.sources import nhl_api as nhl
from propledger.sources.nhl_records import GAME_SCHEMA, games_table, teams_table

FIXTURES = Path(__file__).parents[1] / "fixtures"
SCHEDULE = json.loads((FIXTURES / "nhl_schedule.json").read_text())


def test_tables_have_the_warehouse_columns() -> None:
    games = nhl.parse_schedule(SCHEDULE)
    table = games_table(games)
    assert table.num_rows == 4 and table.schema == GAME_SCHEMA
    teams = {r["team_abbrev"]: r for r in teams_table(games).to_pylist()}
    assert len(teams) == 8
    assert teams["LAK"] == {
        "team_abbrev": "LAK",
        "nhl_team_id": 26,
        "full_name": "Los Angeles Kings",
    }
