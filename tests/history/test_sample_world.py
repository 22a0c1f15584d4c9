"""The importer against the real sample-world generator (small preset): the URL / capture-time
contract holds, stats agree across sources, and a second refresh adds nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from propledger.cli import main
from propledger.evidence.warehouse import Warehouse
from propledger.settings import Settings


@pytest.mark.slow
def test_refresh_on_the_small_sample_world(
    tmp_path: Path, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sample"
    assert main(["sample", "build", "--out", str(out), "--preset", "small", "--seed", "3"]) == 0
    world = json.loads((out / "world.json").read_text())
    season = world["seasons"][-1]
    through, now = f"{season}-11-10", f"{season}-11-11T17:00:00Z"
    args = [
        "history",
        "refresh",
        "--through",
        through,
        "--source",
        f"replay:{out / 'replay'}",
        "--seasons",
        str(season),
        "--now",
        now,
    ]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert "SUCCESS" in first.splitlines()[-1], first
    assert main(args) == 0
    assert ": SUCCESS, 0 rows added" in capsys.readouterr().out.splitlines()[-1]

    with Warehouse.open(settings.warehouse_path) as wh:
        assert wh.scalar("SELECT count(DISTINCT team) FROM player_game_situation") == len(
            world["teams"]
        )
        assert str(wh.scalar("SELECT max(game_date) FROM player_game_situation")) <= through
        assert (
            wh.scalar(
                "SELECT count(*) FROM v_player_game_situation WHERE points <> goals + assists"
            )
            == 0
        )
        assert (
            wh.scalar(
                "SELECT count(*) FROM v_goalie_game WHERE saves <> shots_against - goals_against"
            )
            == 0
        )
        joined, disagree = wh.rows("""
            SELECT count(*), count(*) FILTER (p.goals <> o.goals OR p.assists <> o.assists
                   OR p.sog <> o.sog OR p.blocks <> o.blocks)
            FROM v_player_game_situation p JOIN v_outcome o USING (game_id, player_id)
            WHERE p.situation = 'all'""")[0]
        assert joined > 0 and disagree == 0
        # one row per player, game and situation even with traded players in two team files
        assert (
            wh.scalar("""SELECT count(*) FROM (SELECT player_id, game_id, situation FROM
            v_player_game_situation GROUP BY ALL HAVING count(*) > 1)""")
            == 0
        )
        assert (
            wh.scalar(
                "SELECT count(*) FROM v_game WHERE game_state = 'FUT' AND slate_date <= ?",
                [through],
            )
            == 0
        )
