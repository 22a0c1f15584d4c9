"""`propledger history refresh` through the CLI entrypoint, offline on a tiny replay world."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from propledger.cli import main

NOW = "2026-01-11T17:00:00Z"


def run(world: Any, *extra: str, through: str = "2026-01-10") -> int:
    return main(
        [
            "history",
            "refresh",
            "--through",
            through,
            "--source",
            f"replay:{world.root}",
            "--seasons",
            "2025",
            "--now",
            NOW,
            *extra,
        ]
    )


def test_refresh_prints_rows_added_and_summary(
    mini_world: Callable[[], Any], capsys: pytest.CaptureFixture[str]
) -> None:
    world = mini_world()
    world.build()
    assert run(world) == 0
    out, err = capsys.readouterr()
    table = {line.split()[0]: line.split()[1] for line in out.splitlines()[1:8]}
    assert table["player_game_situation"] == "360" and table["fact_outcome"] == "96"
    assert out.splitlines()[-1].startswith(
        "history through 2026-01-10 (seasons 2025): SUCCESS, 658 rows added"
    )
    assert "moneypuck 2025 skaters: 4/4" in err  # plain progress lines off a terminal

    assert run(world) == 0  # the second identical refresh adds nothing
    out, _ = capsys.readouterr()
    assert ": SUCCESS, 0 rows added" in out.splitlines()[-1]


def test_degraded_refresh_lists_problems_and_exits_0(
    mini_world: Callable[[], Any], capsys: pytest.CaptureFixture[str]
) -> None:
    world = mini_world()
    world.build(status={"goalies/BOS": 403})
    assert run(world) == 0
    out, _ = capsys.readouterr()
    assert (
        "problem: moneypuck 2025 goalies: 1 of 4 team files not imported: BOS.csv (HTTP 403)"
        in out.splitlines()
    )
    assert "DEGRADED" in out.splitlines()[-1]


def test_bad_csv_is_one_error_line_and_exit_1(
    mini_world: Callable[[], Any], capsys: pytest.CaptureFixture[str]
) -> None:
    world = mini_world()
    broken = world.goalie_csv("MTL").replace(b"ongoal", b"onGoal", 1)
    world.build(bodies={"goalies/MTL": broken})
    assert run(world) == 1
    _, err = capsys.readouterr()
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert errors == [
        "error: moneypuck 2025/goalies/MTL.csv: required column ongoal is missing "
        "(MoneyPuck renamed or dropped it?); columns are read by header name"
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--through", "2026-13-01"], "--through '2026-13-01' is not a date"),
        (["--through", "2026-01-10", "--seasons", "25"], "'25' is not a season start year"),
        (["--through", "2026-01-10", "--source", "replay:/nonexistent/dir"], "is not a directory"),
        (
            ["--through", "2026-01-10", "--now", "yesterday"],
            "--now 'yesterday' is not an ISO-8601 instant",
        ),
    ],
)
def test_bad_arguments_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["history", "refresh", *args]) == 2
    assert message in capsys.readouterr().err


def test_verbose_prints_notes(
    mini_world: Callable[[], Any], capsys: pytest.CaptureFixture[str]
) -> None:
    world = mini_world()
    world.build(index=False)
    assert run(world, "-v") == 0
    out, _ = capsys.readouterr()
    assert (
        "note: moneypuck 2025 skaters: no directory index, using the fixed team list"
        in out.splitlines()
    )
