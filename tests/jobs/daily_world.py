"""A sample world for the daily-driver tests, built once per test session.

The golden world (small preset: 6 teams, one season, odds for its last 30 slates) is built
under the session's base temp dir, and a *template* data dir is bootstrapped once: history
through the day before ``SLATE`` and calibrators fitted on it, as the golden model stage does.
Each test copies the template (:func:`fresh_data`) so runs never see each other's rows.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest

from propledger.clock import FrozenClock, et_to_utc
from propledger.context import Context
from propledger.evidence.warehouse import Warehouse
from propledger.settings import Settings

SEED = 20260114
SLATE = dt.date(2025, 11, 15)
NOW = "2025-11-15T23:00:00Z"  # 18:00 ET: the day's 18:00 captures are in
VALIDATION_START = dt.date(2025, 11, 1)

#: tables a step writes (rows carry the writing run's id)
STEP_TABLES: dict[str, tuple[str, ...]] = {
    "odds": ("fact_prop_odds",),
    "production": ("fact_probability_snapshot",),
    "ev": ("fact_ev_candidate",),
    "outcomes": ("fact_settlement", "fact_ev_settlement"),
    "diagnostics": (
        "fact_odds_coverage_daily",
        "fact_mapping_quality_daily",
        "fact_ev_summary_daily",
        "fact_forecast_accuracy_daily",
    ),
}
LINEAGE = {"run_id", "loaded_at", "ingest_seq"}


def world(factory: pytest.TempPathFactory) -> Path:
    """The golden sample world (``world.json`` written last, so a complete dir is reusable)."""
    from propledger.sample.build import BuildRequest, build_sample
    from propledger.sample.presets import Preset

    out = factory.getbasetemp() / "daily-world"
    if not (out / "world.json").is_file():
        build_sample(out, BuildRequest.resolve(seed=SEED, preset=Preset.SMALL), force=True)
    return out


def template(factory: pytest.TempPathFactory) -> Path:
    """A data dir with history through ``SLATE - 1`` and fitted calibrators (built once)."""
    from propledger.history import refresh_history
    from propledger.jobs.snapshot import run_fit_calibrators
    from propledger.model.calibration_fit import ChronoSplit

    replay = world(factory) / "replay"
    data = factory.getbasetemp() / "daily-template" / "data"
    done = data / "bootstrapped"
    if done.is_file():
        return data
    settings = settings_for(data, data.parent / "outputs")
    clock = FrozenClock(et_to_utc(SLATE, dt.time(6, 0)))
    ctx = Context.create(settings, clock, source=f"replay:{replay}", run_id="bootstrap")
    try:
        day_before = SLATE - dt.timedelta(days=1)
        refresh_history(ctx, day_before, seasons=(2025,))
        run_fit_calibrators(ctx, None, day_before, ChronoSplit(validation_start=VALIDATION_START))
    finally:
        ctx.close()
    done.write_text("ok")
    return data


def settings_for(data: Path, outputs: Path, **env: str) -> Settings:
    return Settings.from_env(
        {"PROPLEDGER_DATA_DIR": str(data), "PROPLEDGER_OUTPUT_DIR": str(outputs), **env}
    )


def fresh_data(factory: pytest.TempPathFactory, target: Path) -> Path:
    """A private copy of the bootstrapped data dir at ``target``."""
    shutil.copytree(template(factory), target)
    (target / "bootstrapped").unlink()
    return target


def source(factory: pytest.TempPathFactory) -> str:
    return f"replay:{world(factory) / 'replay'}"


def content(wh: Warehouse, table: str) -> list[tuple[Any, ...]]:
    """Every row of ``table`` without lineage columns, sorted (for equality of contents)."""
    cols = [c for c, _ in wh.columns(table) if c not in LINEAGE]
    quoted = ", ".join(f'"{c}"' for c in cols)
    return [tuple(r) for r in wh.rows(f'SELECT {quoted} FROM "{table}" ORDER BY ALL')]


def counts(wh: Warehouse, tables: tuple[str, ...]) -> dict[str, int]:
    return {t: wh.count(t) for t in tables}


ALL_TABLES: tuple[str, ...] = (
    "raw_payload", "dim_game", "dim_player", "player_game_situation", "goalie_game",
    "fact_outcome", *(t for ts in STEP_TABLES.values() for t in ts),
)  # fmt: skip
