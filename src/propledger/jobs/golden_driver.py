"""The golden run of the whole daily driver: stage ``driver`` of :mod:`propledger.jobs.golden`.

On the golden world (after the model stage's history and calibrators; the stage runs them
itself when it runs alone) the driver runs every step in replay, frozen clock at 18:00 ET:

1. the golden slate D (run ``golden-daily-1``) and the next slate with odds D' (run
   ``golden-daily-2``, which settles D's snapshot and EV candidates and scores D's accuracy);
2. both again: every table's row count must stay the same (0 new rows);
3. D once more on a copy of the bootstrapped warehouse with ``FORCE_UNABATED_FAILURE=1``: the
   run is DEGRADED, Unabated's failure is in the registry, the other vendors' rows are there.

Compared with ``tests/golden/driver_*.csv`` (floats at the golden tolerance, text exactly):
the snapshot and EV candidates (the published columns), every row of the four daily facts and
of the settlements (minus run ids and load/compute times), the registry events of the runs
(minus times, durations, code version and config hash, which name temporary paths), the daily
reports line by line, and ``driver_checks`` (the re-run and forced-failure invariants).

History is refreshed by the outcomes step here (``PROPLEDGER_HISTORY_MAX_AGE_HOURS=48`` keeps
the production step from refreshing it): the golden world has one season, and a refresh of the
missing earlier season would only add 404s.
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
from pathlib import Path
from typing import Any

from propledger.clock import FrozenClock, et_to_utc
from propledger.context import Context
from propledger.evidence.warehouse import Warehouse
from propledger.jobs.daily import DailyResult, run_daily
from propledger.jobs.golden import GoldenEnv, Mismatch, model_stage
from propledger.jobs.plan import PlanRequest, resolve_plan
from propledger.settings import Settings

RUN_TIME_ET = dt.time(18, 0)
FORCED_VENDOR = "unabated"
#: every table's rows carry this synthetic key (the tables have different natural keys)
DRIVER_KEY: tuple[str, ...] = ("_key",)
#: columns holding floats, filled by the stage from the rows it returns (compared at tolerance)
DRIVER_FLOATS: list[str] = []
#: lineage and clock columns never compared
SKIP = frozenset(
    {"run_id", "loaded_at", "computed_utc", "fingerprint", "slate_fingerprint", "row_hash"}
)

SNAPSHOT_COLUMNS = (
    "slate_date", "game_id", "player_id", "market", "line", "mu", "p_over", "p_under",
    "p_push", "prob_source", "calibrator_version",
)  # fmt: skip
EV_KEY = ("slate_date", "game_id", "player_id", "market", "line", "side", "vendor",
          "book_name_raw", "capture_ts_utc")  # fmt: skip
EV_COLUMNS = (
    *EV_KEY, "odds_decimal", "odds_american", "p_model", "prob_source", "ev", "fair_decimal",
    "kelly", "devig_status", "p_fair", "p_fair_consensus", "edge", "edge_consensus",
    "is_candidate", "is_best_bet", "audit_flag",
)  # fmt: skip
#: (table, natural key) of the facts compared row by row with every content column
FACTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("fact_odds_coverage_daily", ("slate_date", "vendor", "book_name_raw", "market", "version")),
    ("fact_mapping_quality_daily", ("slate_date", "vendor", "version")),
    ("fact_ev_summary_daily", ("slate_date", "market", "vendor", "book_name_raw", "version")),
    ("fact_forecast_accuracy_daily", ("slate_date", "market", "line", "prob_source", "version")),
    ("fact_settlement", ("slate_date", "game_id", "player_id", "market", "line")),
    ("fact_ev_settlement", EV_KEY),
)
REGISTRY_COLUMNS = (
    "slate_date", "step", "vendor", "event", "status", "requests", "attempts", "http_status",
    "error_type", "message", "rows_in", "rows_out",
)  # fmt: skip
#: tables whose row counts must not change when the slates are run again
COUNTED = (
    "fact_prop_odds", "raw_payload", "fact_probability_snapshot", "fact_ev_candidate",
    "fact_settlement", "fact_ev_settlement", "player_game_situation", "goalie_game",
    "fact_outcome", "dim_game", "dim_player", *(t for t, _ in FACTS[:4]),
)  # fmt: skip


def _plain(v: Any) -> Any:
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%dT%H:%M:%S.%fZ").replace(".000000Z", "Z")
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def _keyed(rows: list[dict[str, Any]], key: tuple[str, ...]) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        clean = {k: _plain(v) for k, v in r.items() if k not in SKIP}
        out.append({"_key": "/".join(str(clean[k]) for k in key), **clean})
    return out


def _settings(data_dir: Path, output_dir: Path, **extra: str) -> Settings:
    return Settings.from_env(
        {
            "PROPLEDGER_DATA_DIR": str(data_dir),
            "PROPLEDGER_OUTPUT_DIR": str(output_dir),
            "PROPLEDGER_HISTORY_MAX_AGE_HOURS": "48",
            **extra,
        }
    )


def _run(env: GoldenEnv, settings: Settings, day: dt.date, run_id: str) -> DailyResult:
    clock = FrozenClock(et_to_utc(day, RUN_TIME_ET))
    source = f"replay:{env.world_dir / 'replay'}"
    plan = resolve_plan(PlanRequest(all_steps=True, date=day, source=source), settings, clock)
    ctx = Context.create(settings, clock, source=source, run_id=run_id)
    try:
        return run_daily(ctx, plan)
    finally:
        ctx.close()


def next_slate(env: GoldenEnv, day: dt.date) -> dt.date:
    """The first date after ``day`` with odds captures in the golden world."""
    from propledger.jobs.demo import demo_slates

    later = [d for d in demo_slates(env.world_dir / "replay", env.ctx.settings, 10_000) if d > day]
    if not later:
        raise AssertionError(f"the golden world has no odds slate after {day}")
    return later[0]


def _counts(wh: Warehouse) -> dict[str, int]:
    return {t: wh.count(t) for t in COUNTED}


def _report(result: DailyResult) -> list[dict[str, Any]]:
    if result.daily_report is None:
        return []
    day = result.plan.slate_date.isoformat()
    text = result.daily_report.read_text(encoding="utf-8")
    return [{"_key": f"{day}/{i:04d}", "text": line} for i, line in enumerate(text.splitlines(), 1)]


def _check(name: str, value: Any) -> dict[str, Any]:
    return {"_key": name, "value": str(value)}


def driver_stage(env: GoldenEnv) -> dict[str, list[dict[str, Any]]]:
    """Run the driver as described in the module doc; return the tables to compare."""
    from propledger.model.calibration import ACTIVE_FILE

    base = env.ctx.settings
    if not (base.models_dir / "calibrators" / ACTIVE_FILE).is_file():
        model_stage(env)  # history and calibrators, when this stage runs on its own
    env.ctx.close()  # the driver opens the warehouse itself; env.ctx reopens it lazily
    day1 = env.config.slate_date
    day2 = next_slate(env, day1)
    forced_data = env.work_dir / "forced" / "data"
    shutil.copytree(base.data_dir, forced_data)

    settings = _settings(base.data_dir, base.output_dir)
    runs = {"run1": _run(env, settings, day1, "golden-daily-1")}
    reports = _report(runs["run1"])
    runs["run2"] = _run(env, settings, day2, "golden-daily-2")
    reports += _report(runs["run2"])
    with Warehouse.open(base.warehouse_path) as wh:
        before = _counts(wh)
    again = [
        _run(env, settings, day1, "golden-daily-1-again"),
        _run(env, settings, day2, "golden-daily-2-again"),
    ]
    forced_settings = _settings(
        forced_data, env.work_dir / "forced" / "outputs", FORCE_UNABATED_FAILURE="1"
    )
    runs["forced"] = _run(env, forced_settings, day1, "golden-daily-forced")

    tables: dict[str, list[dict[str, Any]]] = {}
    with Warehouse.open(base.warehouse_path) as wh:
        after = _counts(wh)
        days = [day1, day2]
        # the driver's own snapshots (the model stage's, taken earlier on D, are its golden)
        clocks = [et_to_utc(d, RUN_TIME_ET) for d in days]
        snap = wh.arrow(
            f"SELECT {', '.join(SNAPSHOT_COLUMNS)} FROM fact_probability_snapshot "
            "WHERE snapshot_ts IN (?, ?) ORDER BY ALL",
            clocks,
        ).to_pylist()
        tables["driver_snapshot"] = _keyed(snap, SNAPSHOT_COLUMNS[:5])
        ev = wh.arrow(
            f"SELECT {', '.join(EV_COLUMNS)} FROM fact_ev_candidate "
            "WHERE slate_date IN (?, ?) ORDER BY ALL",
            days,
        ).to_pylist()
        tables["driver_ev_candidates"] = _keyed(ev, EV_KEY)
        for table, key in FACTS:
            where = "WHERE snapshot_ts IN (?, ?)" if "settlement" in table else ""
            params = clocks if where else None
            rows = wh.arrow(f"SELECT * FROM {table} {where} ORDER BY ALL", params).to_pylist()
            tables[f"driver_{table}"] = _keyed(rows, key)
        tables["driver_registry"] = _registry(
            wh, {k: v.run_id for k, v in runs.items() if k != "forced"}
        )
    with Warehouse.open(forced_settings.warehouse_path) as wh:
        tables["driver_registry"] += _registry(wh, {"forced": runs["forced"].run_id})
        by_vendor = dict(
            wh.rows(
                "SELECT vendor, count(*) FROM fact_prop_odds WHERE slate_date = ? GROUP BY vendor",
                [day1],
            )
        )
    tables["driver_daily_report"] = reports
    forced = next(
        (r for r in tables["driver_registry"] if r["_key"] == f"forced/odds/{FORCED_VENDOR}/end"),
        {},
    )
    tables["driver_checks"] = [
        _check("slates", f"{day1} {day2}"),
        *[_check(f"{k}_status", r.status) for k, r in runs.items()],
        _check("rerun_status", " ".join(str(r.status) for r in again)),
        _check("rerun_new_rows", sum(after[t] - before[t] for t in COUNTED)),
        _check("rerun_rows_out", sum(o.rows_out or 0 for r in again for o in r.steps)),
        _check(
            "forced_vendor",
            " ".join(str(forced.get(c)) for c in ("status", "error_type", "requests", "attempts")),
        ),
        _check(
            "forced_rows_by_vendor",
            ", ".join(f"{v} {by_vendor.get(v, 0)}" for v in ("ODDSSHARK", "PLAYNOW", "UNABATED")),
        ),
    ]
    DRIVER_FLOATS[:] = sorted(
        {k for rows in tables.values() for r in rows for k, v in r.items() if isinstance(v, float)}
    )
    env.summary["driver"] = {
        "slates": [day1.isoformat(), day2.isoformat()],
        "runs": {k: str(r.status) for k, r in runs.items()},
    }
    return tables


def _registry(wh: Warehouse, runs: dict[str, str]) -> list[dict[str, Any]]:
    out = []
    for label, run_id in runs.items():
        rows = wh.arrow(
            f"SELECT {', '.join(REGISTRY_COLUMNS)} FROM fact_run_registry WHERE run_id = ? "
            "ORDER BY recorded_utc, event_id",
            [run_id],
        ).to_pylist()
        for r in rows:
            key = f"{label}/{r['step']}/{r['vendor'] or '-'}/{r['event']}"
            out.append({"_key": key, **{k: _plain(v) for k, v in r.items()}})
    return out


def check_driver(rows: Any) -> list[Mismatch]:
    """No invariants beyond the comparison itself (the checks are rows of ``driver_checks``)."""
    return []


def register(stages: dict[str, Any]) -> dict[str, Any]:
    """Add the ``driver`` stage after the model stage (``scripts/golden_run_validate.py``)."""
    stages.setdefault("driver", (driver_stage, DRIVER_KEY, DRIVER_FLOATS, check_driver))
    return stages


__all__ = [
    "DRIVER_FLOATS",
    "DRIVER_KEY",
    "FORCED_VENDOR",
    "RUN_TIME_ET",
    "check_driver",
    "driver_stage",
    "next_slate",
    "register",
]
