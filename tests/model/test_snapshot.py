"""Production snapshot: pricing, policy, offered lines, persistence, CSV, the CLI (settlement:
tests/model/test_outcomes.py and tests/ev/test_settle.py)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from scipy import stats

from propledger.cli import main
from propledger.clock import UTC, FrozenClock
from propledger.errors import ModelError
from propledger.evidence.warehouse import Warehouse
from propledger.model.calibration import (
    CalibrationMethod,
    CalibratorArtifact,
    FitWindow,
    save_artifact,
)
from propledger.model.constants import MODEL_VERSION, STANDARD_LINES, Market
from propledger.model.features import slate_features
from propledger.model.snapshot import (
    Calibration,
    build_snapshot,
    offered_lines,
    persist_snapshot,
    price,
    write_probabilities_csv,
)
from propledger.settings import Settings

D = dt.date(2026, 1, 14)
NOW = dt.datetime(2026, 1, 14, 17, 0, tzinfo=UTC)
STAT_KEYS = ("icetime", "xgoals", "sog", "shot_attempts", "blocks", "assists", "points",
             "goals", "onice_xgoals")  # fmt: skip


def _artifact(market: Market, intercept: float) -> CalibratorArtifact:
    window = FitWindow("season=2024", dt.date(2024, 10, 8), dt.date(2025, 4, 15),
                       dt.date(2025, 10, 7), dt.date(2026, 1, 10), (2024,), (2025,))  # fmt: skip
    return CalibratorArtifact(
        market, CalibrationMethod.PLATT, {"coef": 1.0, "intercept": intercept}, window,
        100, 30, {}, NOW,
    )  # fmt: skip


CALIBRATED = Calibration({Market.ASSISTS: _artifact(Market.ASSISTS, 0.1),
                          Market.POINTS: _artifact(Market.POINTS, -0.2)})  # fmt: skip


def _game(gid: int, day: dt.date, home: str, away: str, state: str = "OFF") -> dict[str, Any]:
    start = dt.datetime.combine(day, dt.time(0, 0), tzinfo=UTC) + dt.timedelta(hours=24)
    return {"game_id": gid, "season": 2025, "slate_date": day, "home_team": home,
            "away_team": away, "start_time_utc": start, "game_state": state}  # fmt: skip


def _skater(pid: int, gid: int, day: dt.date, team: str, opp: str, **kw: float) -> dict[str, Any]:
    return {"player_id": pid, "game_id": gid, "situation": "all", "season": 2025,
            "game_date": day, "player_name": f"Player {pid}", "team": team, "opp_team": opp,
            "position": "C", **dict.fromkeys(STAT_KEYS), **kw}  # fmt: skip


@pytest.fixture
def world(wh: Warehouse) -> Warehouse:
    """TOR at MTL on D. Player 1 (TOR): one game (xG 0.4, 2 SOG of 4 attempts, 1 block);
    player 2 (MTL): one game; player 3 (TOR) has not played for 40 days (off the slate)."""
    d1 = D - dt.timedelta(days=3)
    games = [_game(1, d1, "TOR", "BOS"), _game(2, d1, "MTL", "NYR"),
             _game(3, D - dt.timedelta(days=40), "TOR", "NYR"), _game(9, D, "MTL", "TOR", "FUT")]  # fmt: skip
    line = {"icetime": 1200.0, "xgoals": 0.4, "sog": 2, "shot_attempts": 4, "blocks": 1,
            "assists": 1, "points": 1, "goals": 0}  # fmt: skip
    rows = [_skater(1, 1, d1, "TOR", "BOS", **line), _skater(2, 2, d1, "MTL", "NYR", **line),
            _skater(3, 3, D - dt.timedelta(days=40), "TOR", "NYR", **line)]  # fmt: skip
    wh.append("dim_game", games, run_id="t")
    wh.append("player_game_situation", rows, run_id="t")
    return wh


# ---- pricing --------------------------------------------------------------------------------------
def test_every_market_and_line_is_priced_by_the_model(world: Warehouse) -> None:
    t = build_snapshot(world, D, calibration=CALIBRATED, as_of=NOW)
    assert set(t.column("player_id").to_pylist()) == {1, 2}
    n_lines = sum(len(v) for v in STANDARD_LINES.values())
    assert t.num_rows == 2 * n_lines
    rows = [r for r in t.to_pylist() if r["player_id"] == 1]
    by = {(r["market"], r["line"]): r for r in rows}
    # GOALS: μ = xg_pg_L10 = 0.4 (no opponent data: multipliers 1); P(X ≥ 1) = 1 − e^−0.4
    goals = by[("GOALS", 0.5)]
    assert goals["mu"] == pytest.approx(0.4) and goals["branch"] == "xg_pg"
    assert goals["p_over"] == pytest.approx(1 - math.exp(-0.4), rel=1e-12)
    assert goals["prob_source"] == "Raw" and goals["p_over_cal"] is None
    assert goals["distribution"] == "poisson" and goals["alpha"] is None
    # SOG: corsi60 = 4 / 20 × 60 = 12, thru = 0.5 → μ = 12 × 0.5 × 20/60 = 2; NB2 α = 0.35
    sog = by[("SOG", 2.5)]
    assert sog["mu"] == pytest.approx(2.0) and sog["branch"] == "corsi_thru"
    nb = stats.nbinom(1 / 0.35, 1 / (1 + 0.35 * 2.0))
    assert sog["p_over"] == pytest.approx(nb.sf(2), rel=1e-12)
    assert sog["p_under"] == pytest.approx(nb.cdf(2), rel=1e-12) and sog["p_push"] == 0.0
    # ASSISTS: no split data → ast_pg_L10 = 1; calibrated with Platt(1, +0.1)
    ast = by[("ASSISTS", 0.5)]
    raw = 1 - math.exp(-1.0)
    expected = 1 / (1 + math.exp(-(math.log(raw / (1 - raw)) + 0.1)))
    assert ast["p_over_raw"] == pytest.approx(raw) and ast["p_over"] == pytest.approx(expected)
    assert ast["prob_source"] == "Calibrated" and ast["calibrator_version"].startswith(
        "assists-platt-"
    )
    assert {r["model_version"] for r in rows} == {MODEL_VERSION}
    for r in rows:
        assert r["p_over"] + r["p_under"] + r["p_push"] == pytest.approx(1.0, abs=2e-6)
        assert (r["prob_source"] == "Calibrated") == (r["market"] in ("ASSISTS", "POINTS"))
        assert (r["calibrator_version"] is not None) == (r["prob_source"] == "Calibrated")
    why = json.loads(goals["features"])
    assert (
        why["xg_pg_L10"] == pytest.approx(0.4) and why["opp_sa60"] is None and why["games_L10"] == 1
    )


def test_disable_calibration_is_raw_everywhere(world: Warehouse) -> None:
    t = build_snapshot(world, D, calibration=Calibration.raw(), as_of=NOW)
    assert set(t.column("prob_source").to_pylist()) == {"Raw"}
    assert t.column("p_over_cal").null_count == t.num_rows
    assert t.column("p_over").to_pylist() == t.column("p_over_raw").to_pylist()


def test_missing_calibrator_is_an_error_unless_disabled(settings: Settings) -> None:
    with pytest.raises(ModelError, match="fit-calibrators"):
        Calibration.load(settings)
    assert Calibration.load(settings.replace(disable_calibration=True)).disabled
    save_artifact(CALIBRATED.calibrators[Market.ASSISTS], settings.models_dir)
    with pytest.raises(ModelError, match="no active POINTS calibrator"):
        Calibration.load(settings)
    save_artifact(CALIBRATED.calibrators[Market.POINTS], settings.models_dir)
    loaded = Calibration.load(settings).calibrators
    assert {m: a.version for m, a in loaded.items()} == {
        m: a.version for m, a in CALIBRATED.calibrators.items()
    }
    # only a calibrated market needs an artifact
    assert Calibration.load(settings, [Market.SOG]).calibrators == {}


def test_offered_lines_are_added_per_player_with_pushes(world: Warehouse) -> None:
    offered = pa.table({"game_id": [9, 9, 9], "player_id": [1, 1, 2],
                        "market": ["SOG", "SOG", "GOALS"], "line": [3.0, 2.5, 4.5]})  # fmt: skip
    t = price(slate_features(world, D), calibration=CALIBRATED, offered=offered)
    rows = {(r["player_id"], r["market"], r["line"]): r for r in t.to_pylist()}
    push_row = rows[(1, "SOG", 3.0)]
    nb = stats.nbinom(1 / 0.35, 1 / (1 + 0.35 * 2.0))
    assert push_row["line_source"] == "offered"
    assert push_row["p_push"] == pytest.approx(nb.pmf(3), rel=1e-12)
    assert push_row["p_under"] == pytest.approx(nb.cdf(2), rel=1e-9)
    assert rows[(1, "SOG", 2.5)]["line_source"] == "standard+offered"
    assert rows[(2, "GOALS", 4.5)]["line_source"] == "offered"
    assert (1, "GOALS", 4.5) not in rows and (2, "SOG", 3.0) not in rows
    n_std = sum(len(v) for v in STANDARD_LINES.values())
    assert t.num_rows == 2 * n_std + 2


def test_offered_lines_from_the_odds_table_respect_the_clock(world: Warehouse) -> None:
    if not world.table_exists("fact_prop_odds"):
        assert offered_lines(world, D, NOW).num_rows == 0
        return
    cols = [c for c, _ in world.columns("fact_prop_odds")]
    base = dict.fromkeys(c for c in cols if c not in ("run_id", "loaded_at"))
    quote = base | {"vendor": "unabated", "platform": "cdn", "event_id_vendor": "e1", "player_key": "id:7",
                    "player_name_raw": "Player 1", "market_type": "SOG", "side": "OVER",
                    "book_name_raw": "Book", "book_type": "SPORTSBOOK", "odds_quoted_raw": "-110",
                    "odds_quoted_format": "american", "odds_decimal": 1.909, "odds_american": -110,
                    "is_live": False, "is_ladder": False, "is_alternate": False, "game_id": 9,
                    "player_id": 1}  # fmt: skip
    early = quote | {"capture_ts_utc": NOW - dt.timedelta(hours=1), "line": 3.0}
    late = quote | {"capture_ts_utc": NOW + dt.timedelta(hours=1), "line": 4.0}
    world.append("fact_prop_odds", [early, late], run_id="t")
    got = offered_lines(world, D, NOW).to_pylist()
    assert got == [{"game_id": 9, "player_id": 1, "market": "SOG", "line": 3.0}]


def test_rows_without_mu_are_not_priced() -> None:
    features = {name: np.array([np.nan]) for name in ("toi_L10",)}
    from propledger.model.features import FEATURE_COLUMNS

    table = pa.table(
        {
            "slate_date": [D],
            "game_id": [1],
            "player_id": [5],
            "player_name": ["x"],
            "team": ["TOR"],
            "opponent": ["MTL"],
        }
        | {c: features.get(c, np.array([np.nan])) for c in FEATURE_COLUMNS}
    )
    assert price(table, calibration=CALIBRATED).num_rows == 0


# ---- persistence, CSV ---------------------------------------------------------------------------------
def test_persist_is_idempotent_per_snapshot_instant(world: Warehouse, tmp_path: Path) -> None:
    t = build_snapshot(world, D, calibration=CALIBRATED, as_of=NOW)
    assert persist_snapshot(world, t, snapshot_ts=NOW, run_id="r1") == t.num_rows
    assert persist_snapshot(world, t, snapshot_ts=NOW, run_id="r2") == 0
    later = NOW + dt.timedelta(hours=2)
    assert persist_snapshot(world, t, snapshot_ts=later, run_id="r3") == t.num_rows
    assert world.count("fact_probability_snapshot") == 2 * t.num_rows
    assert world.scalar("SELECT count(*) FROM v_probability_latest") == t.num_rows
    assert world.scalar("SELECT min(snapshot_ts) FROM v_probability_latest") == later
    path = write_probabilities_csv(t, tmp_path / "p" / "probabilities_2026-01-14.csv")
    with path.open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == t.num_rows and rows[0]["slate_date"] == "2026-01-14"
    assert "features" not in rows[0] and float(rows[0]["p_over"]) > 0
    assert not list(path.parent.glob(".*.tmp"))


# ---- the command -------------------------------------------------------------------------------------------
def test_snapshot_command_persists_and_writes_the_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings.from_env({"PROPLEDGER_DATA_DIR": str(tmp_path / "data")})
    with Warehouse.open(settings.warehouse_path) as wh:
        d1 = D - dt.timedelta(days=1)
        wh.append(
            "dim_game", [_game(1, d1, "TOR", "BOS"), _game(9, D, "MTL", "TOR", "FUT")], run_id="t"
        )
        wh.append("player_game_situation", [_skater(1, 1, d1, "TOR", "BOS", icetime=1000.0, xgoals=0.2,
                                                    sog=1, shot_attempts=2, blocks=0, assists=0, points=0)], run_id="t")  # fmt: skip
    monkeypatch.setenv("DISABLE_CALIBRATION", "1")
    argv = ["snapshot", "--date", "2026-01-14", "--now", "2026-01-14T17:00:00Z", "--no-refresh"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "snapshot 2026-01-14: 1 games, 1 players" in out and "(20 new; Raw 20)" in out
    csv_path = tmp_path / "outputs" / "projections" / "probabilities_2026-01-14.csv"
    assert csv_path.exists()
    assert main(argv) == 0  # a frozen clock re-run adds nothing
    assert "(0 new;" in capsys.readouterr().out
    monkeypatch.delenv("DISABLE_CALIBRATION")
    assert main(argv) == 1
    assert "calibrator" in capsys.readouterr().err


def test_frozen_clock_fixture_matches(clock: FrozenClock) -> None:
    assert clock.now() == NOW
