"""Benchmark: build and write the sample world (default: the full two seasons, 32 teams).

Times (1) ``build_world`` (universe, schedules, simulation, aggregation) and (2)
``write_world`` (truth.csv, MoneyPuck CSVs, NHL JSON, replay manifest, world.json), in wall
and CPU seconds, and reports the output size. The issue's bar: under 60 s for two seasons on
the 2-core box. Also checks that a second build of the same seed is byte-identical when
``--check-identical`` is given (doubles the run time).

    .venv/bin/python benchmarks/bench_sample.py [--seed 42] [--seasons 2024,2025]
        [--teams N] [--games-per-team 82] [--out DIR] [--check-identical]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from pathlib import Path

from propledger.sample.presets import parse_seasons, parse_teams
from propledger.sample.world import build_world
from propledger.sample.writer import write_world


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        h.update(
            str(path.relative_to(root)).encode()
            + b"\0"
            + hashlib.sha256(path.read_bytes()).digest()
        )
    return h.hexdigest()


def run_once(
    out: Path, seed: int, seasons: tuple[int, ...], teams: int | tuple[str, ...] | None, games: int
) -> dict[str, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    world = build_world(seed, seasons, teams=teams, games_per_team=games)
    built_wall, built_cpu = time.perf_counter(), time.process_time()
    summary = write_world(world, out, force=True, payload_writers=())
    done_wall, done_cpu = time.perf_counter(), time.process_time()
    return {
        "build_wall": built_wall - wall,
        "build_cpu": built_cpu - cpu,
        "write_wall": done_wall - built_wall,
        "write_cpu": done_cpu - built_cpu,
        "total_wall": done_wall - wall,
        "total_cpu": done_cpu - cpu,
        "files": summary.files,
        "mb": summary.bytes / 1e6,
        "games": summary.info["counts"]["games"],
        "captures": summary.info["counts"]["captures"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--seasons", default="2024,2025")
    parser.add_argument("--teams", default=None)
    parser.add_argument("--games-per-team", type=int, default=82)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--check-identical", action="store_true")
    args = parser.parse_args(argv)
    seasons = parse_seasons(args.seasons)
    teams = parse_teams(args.teams) if args.teams else None
    with tempfile.TemporaryDirectory(prefix="bench_sample_") as tmp:
        out = args.out or Path(tmp) / "a"
        r = run_once(out, args.seed, seasons, teams, args.games_per_team)
        print(
            f"games {r['games']:.0f}, captures {r['captures']:.0f}, files {r['files']:.0f}, {r['mb']:.1f} MB"
        )
        for step in ("build", "write", "total"):
            print(f"{step:>6}: {r[f'{step}_wall']:6.1f} s wall, {r[f'{step}_cpu']:6.1f} s CPU")
        verdict = "OK" if r["total_wall"] < 60 else "SLOW (bar: 60 s)"
        print(f"two-season bar: {verdict}")
        if args.check_identical:
            second = Path(tmp) / "b"
            run_once(second, args.seed, seasons, teams, args.games_per_team)
            same = _digest(out) == _digest(second)
            print(f"second build byte-identical: {same}")
            if not same:
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
