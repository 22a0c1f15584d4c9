"""Documentation unit test: every core (m001) table and column is described in docs/warehouse.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from propledger.evidence.warehouse import Warehouse

DOC = (Path(__file__).parents[2] / "docs" / "warehouse.md").read_text(encoding="utf-8")
CORE = (
    "schema_migrations",
    "dim_team",
    "dim_player",
    "dim_game",
    "player_game_situation",
    "goalie_game",
    "fact_outcome",
    "raw_payload",
)


@pytest.mark.parametrize("table", CORE)
def test_core_table_and_columns_are_documented(wh: Warehouse, table: str) -> None:
    assert f"### `{table}`" in DOC
    missing = [name for name, _ in wh.columns(table) if f"`{name}`" not in DOC]
    assert missing == [], f"{table}: document {missing} in docs/warehouse.md"


@pytest.mark.parametrize(
    "view", ["v_game", "v_player_game_situation", "v_goalie_game", "v_outcome"]
)
def test_latest_views_are_documented(view: str) -> None:
    assert f"`{view}`" in DOC
