"""Benchmark: ingest one slate of sample-world odds for every vendor, and measure mapping quality.

Builds a sample world with odds payloads (``--odds-days``); for each of the last ``--slates``
slates imports its history through the day before the slate (``refresh_history`` over the replay, so ``dim_game``/``dim_player``/
``player_game_situation`` are what a real run would have), then runs ``ingest_odds`` at each
capture time of the slate (10:00, 14:00, 18:00, 19:05 ET); then reports: quotes parsed and
inserted, wall seconds and rows/s for the ingestion alone, and per vendor the share of rows
whose event and player mapped, with the unmapped rows by reason (every one must have one).

    .venv/bin/python benchmarks/bench_ingest.py [--seed 42] [--preset full|small]
        [--odds-days 3] [--slates 1] [--out DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

from propledger.clock import FrozenClock
from propledger.context import Context
from propledger.evidence.warehouse import Warehouse
from propledger.history.refresh import refresh_history
from propledger.odds.ingest import OddsIngestResult, ingest_odds
from propledger.odds.mapping_stats import MappingStats, mapping_quality
from propledger.sample.build import BuildRequest
from propledger.sample.odds_board import board, odds_payload_writers, odds_slates
from propledger.sample.presets import Preset
from propledger.sample.writer import write_world
from propledger.settings import Settings


def run(
    out: Path, *, seed: int, preset: Preset, odds_days: int, slates: int
) -> tuple[list[OddsIngestResult], list[MappingStats], dict[str, float]]:
    timings: dict[str, float] = {}
    began = time.perf_counter()
    world = BuildRequest.resolve(seed=seed, preset=preset).validate().world()
    timings["build_world"] = time.perf_counter() - began
    began = time.perf_counter()
    write_world(world, out / "sample", force=True, payload_writers=odds_payload_writers(odds_days))
    timings["write_world"] = time.perf_counter() - began
    days = odds_slates(world, odds_days)[-slates:]
    settings = Settings.from_env({"PROPLEDGER_DATA_DIR": str(out / "data")})
    wh = Warehouse.open(settings.warehouse_path)
    replay = f"replay:{out / 'sample' / 'replay'}"
    results = []
    timings["history"] = timings["ingest"] = 0.0
    for day in days:
        captures = board(world, day).captures
        clock = FrozenClock(captures[0] - dt.timedelta(hours=2))
        ctx = Context.create(settings, clock, source=replay)
        ctx._warehouse = wh
        began = time.perf_counter()
        history = refresh_history(ctx, day - dt.timedelta(days=1), seasons=world.season_years)
        timings["history"] += time.perf_counter() - began
        print(history.summary(), file=sys.stderr)
        for at in captures:
            clock.set(at)
            ctx = Context.create(settings, clock, source=replay)
            ctx._warehouse = wh
            began = time.perf_counter()
            results.append(ingest_odds(ctx))
            timings["ingest"] += time.perf_counter() - began
    day = days[0]
    stats = mapping_quality(wh, day, days[-1] + dt.timedelta(days=1))
    wh.close()
    return results, stats, timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--preset", type=Preset, default=Preset.FULL, choices=list(Preset))
    parser.add_argument("--odds-days", type=int, default=3)
    parser.add_argument("--slates", type=int, default=1, help="ingest the last N odds slates")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        results, stats, timings = run(
            out, seed=args.seed, preset=args.preset, odds_days=args.odds_days, slates=args.slates
        )
    parsed = sum(r.rows_parsed for r in results)
    inserted = sum(r.rows_inserted for r in results)
    print(
        f"seed {args.seed}, preset {args.preset}: "
        + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items())
    )
    for r in results:
        row = "  ".join(f"{v.vendor} {v.status} {v.rows_inserted}" for v in r.vendors)
        print(f"  capture: {row}")
    rate = inserted / timings["ingest"] if timings["ingest"] else 0.0
    print(
        f"ingest: {parsed} quotes parsed, {inserted} inserted in {timings['ingest']:.2f} s ({rate:,.0f} rows/s)"
    )
    ok = True
    for s in stats:
        print(
            f"  {s.slate_date} {s.vendor:<9} rows {s.rows:>6}  events {s.pct_events:.2%}  "
            f"players {s.pct_players:.2%}  unmapped {dict(s.by_reason)}  methods {dict(s.by_method)}"
        )
        for u in s.top_unmapped[:5]:
            print(f"      {u.reason:<10} {u.rows:>4}  {u.name}")
        ok &= s.explained
    total = sum(s.rows for s in stats)
    events = sum(s.rows_event_mapped for s in stats) / total if total else 1.0
    players = sum(s.rows_player_mapped for s in stats) / total if total else 1.0
    print(f"all vendors: rows {total}, events {events:.2%}, players {players:.2%}, explained {ok}")
    return 0 if ok and events >= 0.98 and players >= 0.97 else 1


if __name__ == "__main__":
    raise SystemExit(main())
