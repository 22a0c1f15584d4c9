"""``propledger model fit-calibrators`` / ``model evaluate`` / ``snapshot`` on a two-season
synthetic warehouse (4 teams, 6 skaters each, latent per-player rates)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from propledger.cli import main
from propledger.evidence.warehouse import Warehouse
from propledger.model.history_asof import calibration_rows
from propledger.settings import Settings

TEAMS = ("TOR", "MTL", "BOS", "NYR")
SKATERS = 6
SEASONS = {2024: (dt.date(2025, 3, 1), 30), 2025: (dt.date(2026, 1, 1), 20)}  # start, game days
SLATE = dt.date(2026, 1, 21)
#: Names that exercise the walkthrough's lookup (TOR: 0-5, MTL: 6-11, BOS: 12-17, NYR: 18-23).
NAMES = {0: "Émile Lévesque", 1: "Sebastian Aho", 7: "Sebastian Aho", 13: "Bo Stone"}


def _world(wh: Warehouse, seed: int = 3) -> int:
    """Two games a day (every team plays), one goalie per team; returns player-games."""
    rng = np.random.default_rng(seed)
    n_players = len(TEAMS) * SKATERS
    assist_rate = rng.uniform(0.1, 1.2, n_players)  # per game: the signal calibration sees
    shot_rate = rng.uniform(1.0, 4.0, n_players)
    games, skaters, goalies = [], [], []
    gid = 2024020000
    for season, (first, n_days) in SEASONS.items():
        for d in range(n_days):
            day = first + dt.timedelta(days=d)
            order = rng.permutation(len(TEAMS))
            for home, away in ((order[0], order[1]), (order[2], order[3])):
                gid += 1
                games.append({"game_id": gid, "season": season, "slate_date": day,
                              "home_team": TEAMS[home], "away_team": TEAMS[away],
                              "game_state": "OFF"})  # fmt: skip
                for team, opp in ((home, away), (away, home)):
                    pids = np.arange(team * SKATERS, (team + 1) * SKATERS)
                    ast = rng.poisson(assist_rate[pids])
                    goals = rng.poisson(0.3, SKATERS)
                    att = rng.poisson(shot_rate[pids] * 2)
                    sog = rng.binomial(att, 0.5)
                    for situation, share in (("all", 1.0), ("5on5", 0.8), ("5on4", 0.1)):
                        skaters.append(pa.table({
                            "player_id": 8400000 + pids, "game_id": np.full(SKATERS, gid),
                            "situation": [situation] * SKATERS, "season": np.full(SKATERS, season),
                            "game_date": [day] * SKATERS, "team": [TEAMS[team]] * SKATERS,
                            "opp_team": [TEAMS[opp]] * SKATERS, "position": ["C"] * SKATERS,
                            "player_name": [NAMES.get(int(p), f"Skater {p}") for p in pids],
                            "icetime": np.full(SKATERS, 1080.0 * share),
                            "goals": np.rint(goals * share), "assists": np.rint(ast * share),
                            "points": np.rint((goals + ast) * share), "sog": np.rint(sog * share),
                            "shot_attempts": np.rint(att * share), "xgoals": 0.1 * att * share,
                            "blocks": rng.poisson(1.0, SKATERS), "onice_xgoals": np.full(SKATERS, 2.5 * share),
                        }))  # fmt: skip
                    goalies.append({"player_id": 8470000 + team, "game_id": gid, "situation": "all",
                                    "season": season, "game_date": day, "team": TEAMS[team],
                                    "opp_team": TEAMS[opp], "icetime": 3600.0,
                                    "xgoals_against": 2.8, "goals_against": int(rng.poisson(2.8)),
                                    "shots_against": int(rng.poisson(30))})  # fmt: skip
    games.append({"game_id": gid + 1, "season": 2025, "slate_date": SLATE, "home_team": "TOR",
                  "away_team": "MTL", "game_state": "FUT"})  # fmt: skip
    wh.append("dim_game", games, run_id="seed")
    wh.append("player_game_situation", pa.concat_tables(skaters), run_id="seed")
    wh.append("goalie_game", goalies, run_id="seed")
    return sum(n for _, n in SEASONS.values()) * len(TEAMS) * SKATERS


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    settings = Settings.from_env({"PROPLEDGER_DATA_DIR": str(tmp_path / "data")})
    with Warehouse.open(settings.warehouse_path) as wh:
        _world(wh)
    return tmp_path


NOW = ["--now", "2026-01-21T15:00:00Z"]


def test_calibration_rows_are_every_settled_player_game_with_history() -> None:
    with Warehouse.open(":memory:") as wh:
        player_games = _world(wh)
        rows = calibration_rows(wh, dt.date(2025, 1, 1), dt.date(2026, 1, 31))
        players = len(TEAMS) * SKATERS
        # each player's first game has no history (no μ); every later game settles (TOI > 0)
        assert rows.num_rows == 2 * (player_games - players)
        assert set(rows.column("line").to_pylist()) == {0.5}
        assert set(rows.column("outcome_over").to_pylist()) == {0, 1}


def test_fit_then_snapshot_then_evaluate(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["model", "fit-calibrators", *NOW]) == 0
    out = capsys.readouterr().out
    for market in ("ASSISTS", "POINTS"):
        assert f"{market}: chose " in out
    assert (
        "season=2025" in out
        and "valid log loss isotonic" in out
        and "2 new calibrator row(s)" in out
    )
    active = json.loads((data_dir / "data" / "models" / "calibrators" / "active.json").read_text())
    assert set(active) == {"ASSISTS", "POINTS"}
    with Warehouse.open(data_dir / "data" / "warehouse.duckdb") as wh:
        assert wh.count("calibrator") == 2

    assert main(["snapshot", "--date", SLATE.isoformat(), "--no-refresh", *NOW]) == 0
    out = capsys.readouterr().out
    assert f"snapshot {SLATE}: 1 games, 12 players" in out and "Calibrated" in out
    with (data_dir / "outputs" / "projections" / f"probabilities_{SLATE}.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    policy = {(r["market"], r["prob_source"]) for r in rows}
    assert policy == {("GOALS", "Raw"), ("ASSISTS", "Calibrated"), ("POINTS", "Calibrated"),
                      ("SOG", "Raw"), ("BLOCKS", "Raw")}  # fmt: skip
    assert {r["calibrator_version"] != "" for r in rows if r["prob_source"] == "Calibrated"} == {
        True
    }

    assert (
        main(["model", "evaluate", "--asof", "--from", "2026-01-01", "--to", "2026-01-20", *NOW])
        == 0
    )
    out = capsys.readouterr().out
    assert "ASSISTS" in out and "0.5" in out and "improvement" in out
    report = data_dir / "outputs" / "model" / "accuracy_asof_2026-01-01_2026-01-20.md"
    assert "| ASSISTS | 0.5* | Calibrated |" in report.read_text()
    # stored snapshots of a slate that is not settled yet: nothing to score, still a report
    assert main(["model", "evaluate", "--from", str(SLATE), "--to", str(SLATE), *NOW]) == 0
    assert "evaluated 0 settled rows (snapshots)" in capsys.readouterr().out


def test_a_split_without_training_rows_is_a_clear_error(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["model", "fit-calibrators", "--validation-season", "2024", *NOW]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ASSISTS calibrator needs") and "training" in err
    assert main(["model", "fit-calibrators", "--validation-start", "2026-01-10", *NOW]) == 0
    assert "from=2026-01-10" in capsys.readouterr().out


def test_walkthrough_lookup_errors(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["prob", "--market", "SOG", "--date", str(SLATE), *NOW]
    assert main([*base, "--player", "Sebastian Aho"]) == 2
    err = capsys.readouterr().err
    assert "matches 2 players" in err and "Sebastian Aho (TOR, id 8400001)" in err
    assert "Sebastian Aho (MTL, id 8400007)" in err and "--player-id" in err
    assert main([*base, "--player-id", "8400007"]) == 0  # SOG is Raw: no calibrator needed
    assert "Sebastian Aho (MTL, id 8400007) vs TOR" in capsys.readouterr().out
    assert main([*base, "--player", "EMILE LEVESQUE"]) == 0  # case and accents folded
    assert "Émile Lévesque (TOR, id 8400000) vs MTL" in capsys.readouterr().out
    assert main([*base, "--player", "Bo Stone"]) == 2  # BOS does not play on the slate
    assert "no skater matching 'Bo Stone' on the 2026-01-21 slate" in capsys.readouterr().err
    assert main([*base, "--player", "Sebastian Aho", "--date", "2026-13-01"]) == 2
    assert (
        main(["prob", "--market", "POINTS", "--player-id", "8400007", "--date", str(SLATE), *NOW])
        == 1
    )
    assert "calibrator" in capsys.readouterr().err  # POINTS is Calibrated: explicit error


def test_no_history_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["model", "fit-calibrators", *NOW]) == 1
    assert "no skater history" in capsys.readouterr().err
    assert (
        main(["model", "evaluate", "--from", "2026-01-01", "--to", "2026-01-02", "--asof", *NOW])
        == 1
    )


@pytest.mark.parametrize(
    "args",
    [
        ["model", "evaluate", "--from", "2026-04-15", "--to", "2026-03-27"],
        ["model", "evaluate", "--from", "2026-04-15", "--to", "2026-03-27", "--asof"],
        ["model", "fit-calibrators", "--from", "2026-04-15", "--to", "2026-03-27"],
    ],
)
def test_a_reversed_range_is_one_line_exit_2_and_writes_nothing(
    args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*args, *NOW]) == 2
    out = capsys.readouterr()
    assert out.out == "" and out.err == (
        "error: --from 2026-04-15 is after --to 2026-03-27: the range is empty; swap them "
        "(both dates are included: one slate is --from D --to D)\n"
    )
    assert list(tmp_path.iterdir()) == []  # no warehouse, no report
