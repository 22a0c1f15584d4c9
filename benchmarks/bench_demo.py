"""Benchmark: ``propledger demo`` end to end (world build, history + calibrators, the daily runs).

Runs the demo in a fresh data/output directory (so the world is built and history
bootstrapped), then prints the wall time of each phase, the process CPU time, and per step of
the daily run the mean / min / max wall seconds over the runs (from ``fact_run_registry``).
``--rerun`` runs the demo a second time on the same directories (world and warehouse reused:
every run adds 0 rows). ``--world DIR`` reuses an already built sample world (linked, so only
history, calibrators and the runs are timed).

    .venv/bin/python benchmarks/bench_demo.py [--teams 32] [--slates 21] [--seed 42]
        [--out DIR] [--world DIR] [--rerun]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from propledger.evidence.warehouse import Warehouse
from propledger.jobs.demo import DemoRequest, DemoResult, run_demo
from propledger.settings import Settings

_STEPS = """
SELECT step, count(*) AS runs, avg(duration_s) AS mean, min(duration_s) AS lo,
       max(duration_s) AS hi, sum(duration_s) AS total
FROM fact_run_registry
WHERE event = 'end' AND vendor IS NULL AND run_id IN (SELECT unnest(?))
GROUP BY step ORDER BY total DESC
"""


def _cpu() -> float:
    """CPU seconds of this process (user + system, every thread)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _report(label: str, result: DemoResult, wall: float, cpu: float, settings: Settings) -> None:
    t = result.timings
    print(
        f"{label}: {wall:.1f} s wall, {cpu:.1f} s CPU; world {t.get('world', 0):.1f} s "
        f"({'built' if result.world_built else 'reused'}), history + calibrators "
        f"{t.get('bootstrap', 0):.1f} s ({'bootstrapped' if result.bootstrapped else 'reused'}), "
        f"{len(result.runs)} runs {t.get('runs', 0):.1f} s "
        f"({t.get('runs', 0) / max(1, len(result.runs)):.2f} s a run); "
        f"rows added {result.totals.get('rows_added', 0):,}"
    )
    with Warehouse.open(settings.warehouse_path) as wh:
        rows = wh.rows(_STEPS, [[r.run_id for r in result.runs]])
    print(f"  {'step':<12} {'runs':>4} {'mean s':>7} {'min s':>6} {'max s':>6} {'total s':>8}")
    for step, n, mean, lo, hi, total in rows:
        print(f"  {step:<12} {n:>4} {mean:>7.2f} {lo:>6.2f} {hi:>6.2f} {total:>8.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", default="32")
    parser.add_argument("--slates", type=int, default=21)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, default=None, help="directory (default: a temp dir)")
    parser.add_argument("--world", type=Path, default=None, help="reuse this built sample world")
    parser.add_argument("--rerun", action="store_true", help="run the demo a second time")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = args.out or Path(tmp)
        settings = Settings.from_env(
            {
                "PROPLEDGER_DATA_DIR": str(root / "data"),
                "PROPLEDGER_OUTPUT_DIR": str(root / "outputs"),
            }
        )
        if args.world is not None:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            if not settings.sample_dir.exists():
                os.symlink(args.world.resolve(), settings.sample_dir)
        request = DemoRequest(seed=args.seed, slates=args.slates, teams=args.teams)
        print(f"demo: {args.teams} teams, {args.slates} slates, seed {args.seed}, under {root}")
        for label in ("first run", "re-run")[: 2 if args.rerun else 1]:
            t0, c0 = time.perf_counter(), _cpu()
            result = run_demo(settings, request, echo=lambda text: print(text, file=sys.stderr))
            _report(label, result, time.perf_counter() - t0, _cpu() - c0, settings)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
