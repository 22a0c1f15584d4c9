"""The golden run (DESIGN section 9): a small fixed world, frozen clock, replay transport,
temporary warehouse, no sockets; every published number compared with ``tests/golden/``.

Structure (so later stages, e.g. the whole daily run, plug in the same way):

* :class:`GoldenConfig` is read from ``<golden_dir>/golden.json`` (seed, preset, slate, clock,
  calibration split, tolerance); :func:`prepare` builds the world and the context once.
* each *stage* is a function ``(GoldenEnv) -> dict[str, list[dict]]`` returning named tables
  of actual rows; :data:`STAGES` lists them in order. The model stage refreshes history, fits
  the calibrators, runs the production snapshot twice (the second must add 0 rows).
* every named table is compared with ``<golden_dir>/<name>.csv`` by :func:`compare_rows`
  (floats at the tolerance, everything else exactly), plus the stage's own invariants
  (MARKET_POLICY on every row for the model stage). ``update=True`` rewrites the files.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from propledger.clock import FrozenClock, parse_utc
from propledger.context import Context
from propledger.errors import ConfigError, InputError
from propledger.model.constants import Market
from propledger.model.policy import MARKET_POLICY
from propledger.settings import Settings

#: Columns of the model golden (key first). Floats compare at the tolerance.
MODEL_KEY: tuple[str, ...] = ("game_id", "player_id", "market", "line")
MODEL_FLOATS: tuple[str, ...] = (
    "mu", "mu_base", "mult_opp_sog", "mult_opp_g", "mult_goalie", "mult_itt", "mult_b2b",
    "proj_toi", "proj_ev", "proj_pp", "alpha", "p_over_raw", "p_under_raw", "p_push_raw",
    "p_over_cal", "p_over", "p_under", "p_push",
)  # fmt: skip
MODEL_TEXT: tuple[str, ...] = (
    "slate_date", "player_name", "team", "opponent", "line_source", "branch", "distribution",
    "prob_source", "model_version", "calibrator_version",
)  # fmt: skip


@dataclass(frozen=True)
class GoldenConfig:
    seed: int
    preset: str
    slate_date: dt.date  # ET
    now: dt.datetime  # UTC, the frozen clock
    validation_start: dt.date  # calibration split (the small world has one season)
    tolerance: float = 1e-9

    @classmethod
    def load(cls, golden_dir: Path) -> GoldenConfig:
        path = golden_dir / "golden.json"
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))["config"]
            return cls(
                seed=int(raw["seed"]),
                preset=str(raw["preset"]),
                slate_date=dt.date.fromisoformat(raw["slate_date"]),
                now=parse_utc(raw["now"]),
                validation_start=dt.date.fromisoformat(raw["validation_start"]),
                tolerance=float(raw.get("tolerance", 1e-9)),
            )
        except (OSError, KeyError, ValueError, TypeError) as exc:
            raise InputError(
                f"golden config {path} is unreadable ({exc}); restore it from git"
            ) from None

    def to_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed, "preset": self.preset, "slate_date": self.slate_date.isoformat(),
            "now": self.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "validation_start": self.validation_start.isoformat(), "tolerance": self.tolerance,
        }  # fmt: skip


@dataclass
class GoldenEnv:
    """What stages share: config, the built world, a context on a temporary warehouse."""

    config: GoldenConfig
    work_dir: Path
    world_dir: Path
    ctx: Context
    seasons: tuple[int, ...]
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Mismatch:
    table: str
    key: str
    column: str
    expected: Any
    actual: Any

    def __str__(self) -> str:
        return f"{self.table} [{self.key}] {self.column}: expected {self.expected!r}, got {self.actual!r}"


@dataclass(frozen=True)
class GoldenResult:
    ok: bool
    mismatches: tuple[Mismatch, ...]
    tables: dict[str, int]  # rows compared per table
    elapsed: float
    updated: bool = False


def prepare(config: GoldenConfig, work_dir: Path) -> GoldenEnv:
    """Build the world (deterministic from the seed) and a context that replays it offline."""
    from propledger.sample.build import BuildRequest, build_sample
    from propledger.sample.presets import Preset

    world_dir = work_dir / "world"
    request = BuildRequest.resolve(seed=config.seed, preset=Preset(config.preset))
    build_sample(world_dir, request, force=True)
    settings = Settings.from_env(
        {
            "PROPLEDGER_DATA_DIR": str(work_dir / "data"),
            "PROPLEDGER_OUTPUT_DIR": str(work_dir / "outputs"),
        }
    )
    ctx = Context.create(
        settings, FrozenClock(config.now), source=f"replay:{world_dir / 'replay'}",
        run_id=f"golden-{config.now.strftime('%Y%m%dT%H%M%SZ')}",
    )  # fmt: skip
    return GoldenEnv(config, work_dir, world_dir, ctx, request.seasons)


def _value(v: Any) -> Any:
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%dT%H:%M:%SZ")
    return v.isoformat() if isinstance(v, dt.date) else v


def model_stage(env: GoldenEnv) -> dict[str, list[dict[str, Any]]]:
    """History → calibrators → production snapshot (twice); the persisted rows of the slate."""
    from propledger.history import refresh_history
    from propledger.jobs.snapshot import run_fit_calibrators, run_snapshot
    from propledger.model.calibration_fit import ChronoSplit

    cfg, ctx = env.config, env.ctx
    day_before = cfg.slate_date - dt.timedelta(days=1)
    refresh_history(ctx, day_before, seasons=env.seasons)
    fit = run_fit_calibrators(
        ctx, None, day_before, ChronoSplit(validation_start=cfg.validation_start)
    )
    first = run_snapshot(ctx, cfg.slate_date)
    again = run_snapshot(ctx, cfg.slate_date)
    if again.rows_new != 0:
        raise AssertionError(f"re-running the snapshot added {again.rows_new} rows; it must add 0")
    env.summary["model"] = {
        "rows": first.rows, "players": first.players, "games": first.games,
        "calibrators": {a.market.value: a.method.value for a in fit.artifacts},
        "calibration_rows": fit.rows,
    }  # fmt: skip
    cols = ", ".join([*MODEL_KEY, *MODEL_TEXT, *MODEL_FLOATS])
    table = ctx.warehouse.arrow(
        f"SELECT {cols} FROM fact_probability_snapshot WHERE slate_date = ? AND snapshot_ts = ? "
        "ORDER BY game_id, player_id, market, line",
        [cfg.slate_date, cfg.now],
    )
    rows = [{k: _value(v) for k, v in r.items()} for r in table.to_pylist()]
    return {"model_snapshot": rows}


def check_model_policy(rows: Iterable[dict[str, Any]]) -> list[Mismatch]:
    """MARKET_POLICY on every row: source by market, p_over from that source, versions."""
    out = []
    for r in rows:
        key = f"{r['game_id']}/{r['player_id']}/{r['market']}/{r['line']}"
        want = MARKET_POLICY[Market(r["market"])].value
        source_p = r["p_over_cal"] if want == "Calibrated" else r["p_over_raw"]
        checks = [
            ("prob_source", want, r["prob_source"]),
            ("p_over", source_p, r["p_over"]),
            ("calibrator_version", want == "Calibrated", bool(r["calibrator_version"])),
        ]
        out += [Mismatch("policy", key, c, e, a) for c, e, a in checks if e != a]
    return out


#: Stages in run order: name → (function, key columns, float columns, extra checks).
STAGES: dict[str, tuple[Callable[[GoldenEnv], dict[str, list[dict[str, Any]]]], Sequence[str],
                        Sequence[str], Callable[[Iterable[dict[str, Any]]], list[Mismatch]]]] = {
    "model": (model_stage, MODEL_KEY, MODEL_FLOATS, check_model_policy),
}  # fmt: skip


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        raise InputError(f"golden file {path} is missing; create it with --update")
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _write_csv(path: Path, rows: list[dict[str, Any]], columns: Sequence[str]) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({c: "" if r.get(c) is None else (repr(r[c]) if isinstance(r[c], float) else r[c])
                         for c in columns})  # fmt: skip
    path.write_text(buf.getvalue(), encoding="utf-8")


def compare_rows(
    name: str, expected: list[dict[str, str]], actual: list[dict[str, Any]],
    key: Sequence[str], floats: Sequence[str], tolerance: float,
) -> list[Mismatch]:  # fmt: skip
    """Every column of every row: floats within ``tolerance`` (relative above 1), the rest
    exactly as text; missing and extra rows are mismatches too."""

    def k(r: dict[str, Any]) -> str:
        return "/".join(str(_as_text(r[c])) for c in key)

    want = {k(r): r for r in expected}
    got = {k(r): r for r in actual}
    out = [Mismatch(name, x, "(row)", "present", "missing") for x in want if x not in got]
    out += [Mismatch(name, x, "(row)", "absent", "extra") for x in got if x not in want]
    for x in sorted(set(want) & set(got)):
        e, a = want[x], got[x]
        for col in e:
            ev, av = e[col], a.get(col)
            if col in floats:
                if ev == "" or av is None:
                    if (ev == "") != (av is None):
                        out.append(Mismatch(name, x, col, ev or None, av))
                elif abs(float(ev) - float(av)) > tolerance * max(1.0, abs(float(ev))):
                    out.append(Mismatch(name, x, col, float(ev), av))
            elif ev != _as_text(av):
                out.append(Mismatch(name, x, col, ev, _as_text(av)))
    return out


def _as_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v)
    return str(v)


def run_golden(
    golden_dir: Path, *, update: bool = False, work_dir: Path | None = None,
    stages: Sequence[str] | None = None,
) -> GoldenResult:  # fmt: skip
    """Run the stages in a temporary directory and compare (or, with ``update``, rewrite)."""
    started = time.perf_counter()
    config = GoldenConfig.load(golden_dir)
    chosen = list(stages or STAGES)
    unknown = [s for s in chosen if s not in STAGES]
    if unknown:
        raise ConfigError(f"unknown golden stage(s) {', '.join(unknown)}; use {', '.join(STAGES)}")
    with tempfile.TemporaryDirectory(prefix="golden-", dir=work_dir) as tmp:
        env = prepare(config, Path(tmp))
        try:
            mismatches: list[Mismatch] = []
            counts: dict[str, int] = {}
            for stage in chosen:
                fn, key, floats, extra = STAGES[stage]
                for name, rows in fn(env).items():
                    counts[name] = len(rows)
                    mismatches += extra(rows)
                    columns = list(rows[0]) if rows else list(key)
                    path = golden_dir / f"{name}.csv"
                    if update:
                        _write_csv(path, rows, columns)
                    else:
                        expected = _read_csv(path)
                        mismatches += compare_rows(
                            name, expected, rows, key, floats, config.tolerance
                        )
        finally:
            env.ctx.close()
    if update:
        summary = {"config": config.to_dict(), "summary": env.summary, "rows": counts}
        (golden_dir / "golden.json").write_text(
            json.dumps(summary, indent=2, sort_keys=True) + "\n"
        )
    return GoldenResult(not mismatches, tuple(mismatches), counts,
                        time.perf_counter() - started, update)  # fmt: skip


__all__ = [
    "MODEL_FLOATS",
    "MODEL_KEY",
    "MODEL_TEXT",
    "STAGES",
    "GoldenConfig",
    "GoldenEnv",
    "GoldenResult",
    "Mismatch",
    "check_model_policy",
    "compare_rows",
    "model_stage",
    "prepare",
    "run_golden",
]
