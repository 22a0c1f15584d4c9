"""``propledger sample build|info`` through the CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from propledger.cli import main


def test_build_small_then_refuse_then_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sample"
    assert main(["sample", "build", "--out", str(out), "--preset", "small", "--seed", "9"]) == 0
    printed = capsys.readouterr().out
    assert "teams 6, players" in printed and "games 72" in printed and "built in" in printed
    assert main(["sample", "build", "--out", str(out), "--preset", "small", "--seed", "9"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: --out") and "--force" in err and len(err.splitlines()) == 1
    args = [
        "sample",
        "build",
        "--out",
        str(out),
        "--seed",
        "9",
        "--teams",
        "TOR,MTL",
        "--games-per-team",
        "4",
        "--seasons",
        "2024",
        "--force",
    ]
    assert main(args) == 0
    capsys.readouterr()
    assert main(["sample", "info", "--out", str(out)]) == 0
    info = json.loads(capsys.readouterr().out)
    assert (
        info["teams"] == ["MTL", "TOR"]
        and info["seasons"] == [2024]
        and info["counts"]["games"] == 4
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--seasons", "2024,abc"], "'abc' is not a start year"),
        (["--seasons", "2019"], "start years ≥ 2024"),
        (["--teams", "TOR,XYZ"], "unknown team 'XYZ'"),
        (["--games-per-team", "7"], "even number"),
        (["--seed", "-1"], "non-negative integer"),
    ],
)
def test_bad_options_are_one_line_errors(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sample", "build", "--out", str(tmp_path / "w"), "--preset", "small", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "w").exists()  # validated before touching the disk


def test_info_on_missing_world(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sample", "info", "--out", str(tmp_path)]) == 2
    assert "no world.json" in capsys.readouterr().err
