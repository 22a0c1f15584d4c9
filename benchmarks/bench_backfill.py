"""Benchmark: re-ingesting a month of archived sample-world Unabated snapshots (issue 8).

Builds the sample world with ``--odds-days`` slates of Unabated captures (4 per slate), imports
its history through the last slate (so mapping sees real ``dim_game``/``dim_player`` rows),
archives every capture at its own capture time without parsing it (as if the parse had been
deferred), then times ``run_backfill`` phases, each on the same warehouse file:

* ``archive``: ``--source archive`` over the month: every unit re-parsed and inserted;
* ``resume``: the same command again: every unit skipped (0 rows);
* ``reparse``: ``--reparse``: every payload parsed again, 0 new rows (the parser-fix path);
* ``remote``: a fresh copy of the pre-archive warehouse, ``--source remote`` against an
  export of the same captures served by a loopback ``http.server``: fetch, verify, archive,
  parse, insert.

Prints rows and units per second per phase (wall time of ``run_backfill`` alone).

    .venv/bin/python benchmarks/bench_backfill.py [--seed 42] [--preset full|small]
        [--odds-days 30] [--out DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import http.server
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

from propledger.archive import RawArchive
from propledger.clock import FrozenClock, slate_date
from propledger.context import Context
from propledger.evidence.warehouse import Warehouse
from propledger.history.refresh import refresh_history
from propledger.http import Fetched
from propledger.jobs.backfill import run_backfill
from propledger.jobs.backfill_args import (
    MAX_SECONDS_LIMIT,
    BackfillRequest,
    BackfillSource,
    OnError,
)
from propledger.jobs.backfill_export import export_from_replay
from propledger.jobs.backfill_result import BackfillResult
from propledger.replay import load_manifest
from propledger.sample import odds_unabated
from propledger.sample.build import BuildRequest
from propledger.sample.presets import Preset
from propledger.sample.writer import write_world
from propledger.settings import Settings


def _archive_without_parsing(settings: Settings, replay: Path) -> list[dt.datetime]:
    """Register every Unabated capture of the replay in the raw archive at its capture time."""
    wh = Warehouse.open(settings.warehouse_path)
    archive = RawArchive(settings.raw_dir, wh)
    times = []
    with wh.transaction():
        for capture in load_manifest(replay):
            if not capture.url.endswith("/league/6/propodds.json"):
                continue
            fetched = Fetched(
                vendor="unabated",
                url=capture.url,
                status=200,
                content=(replay / capture.body).read_bytes(),
                headers={"content-type": "application/json", **capture.headers},
                elapsed=0.0,
                attempts=1,
                captured_at=capture.captured_at,
            )
            archive.store(
                fetched,
                surface="cdn_v2",
                run_id="bench-archive",
                slate_date=slate_date(capture.captured_at),
                capture_ts=capture.captured_at,
            )
            times.append(capture.captured_at)
    wh.checkpoint()
    wh.close()
    return sorted(times)


def _phase(
    name: str, settings: Settings, request: BackfillRequest, now: dt.datetime
) -> tuple[str, BackfillResult, float]:
    ctx = Context(settings, FrozenClock(now), f"bench-{name}")
    began = time.perf_counter()
    try:
        result = run_backfill(ctx, request)
    finally:
        ctx.close()
    return name, result, time.perf_counter() - began


def _serve(directory: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def run(out: Path, *, seed: int, preset: Preset, odds_days: int) -> int:
    began = time.perf_counter()
    world = BuildRequest.resolve(seed=seed, preset=preset).validate().world()
    writer = functools.partial(odds_unabated.write_payloads, days=odds_days)
    write_world(world, out / "sample", force=True, payload_writers=[("odds_unabated", writer)])
    replay = out / "sample" / "replay"
    print(f"world + payloads: {time.perf_counter() - began:.1f}s", file=sys.stderr)

    settings = Settings.from_env({"PROPLEDGER_DATA_DIR": str(out / "data")})
    manifest = [c for c in load_manifest(replay) if c.url.endswith("/league/6/propodds.json")]
    first, last = min(c.captured_at for c in manifest), max(c.captured_at for c in manifest)
    start, end = slate_date(first), slate_date(last) + dt.timedelta(days=1)
    now = last + dt.timedelta(days=1)
    began = time.perf_counter()
    ctx = Context.create(settings, FrozenClock(now), source=f"replay:{replay}", run_id="bench-h")
    try:
        refresh_history(ctx, end - dt.timedelta(days=1), seasons=world.season_years)
    finally:
        ctx.close()
    print(f"history import: {time.perf_counter() - began:.1f}s", file=sys.stderr)
    pristine = out / "pristine.duckdb"
    shutil.copyfile(settings.warehouse_path, pristine)

    began = time.perf_counter()
    times = _archive_without_parsing(settings, replay)
    print(
        f"archived {len(times)} captures ({start}..{end}) in {time.perf_counter() - began:.1f}s",
        file=sys.stderr,
    )
    archive = BackfillRequest(
        start, end, 1, MAX_SECONDS_LIMIT, BackfillSource.ARCHIVE, on_error=OnError.CONTINUE
    )
    phases = [
        _phase("archive", settings, archive, now),
        _phase("resume", settings, archive, now + dt.timedelta(minutes=1)),
        _phase(
            "reparse",
            settings,
            BackfillRequest(start, end, 1, MAX_SECONDS_LIMIT, BackfillSource.ARCHIVE, reparse=True),
            now + dt.timedelta(minutes=2),
        ),
    ]
    export_from_replay(replay, out / "export")
    server, url = _serve(out / "export")
    try:
        remote_dir = out / "remote"
        remote_dir.mkdir()
        shutil.copyfile(pristine, remote_dir / "warehouse.duckdb")
        remote = Settings.from_env(
            {"PROPLEDGER_DATA_DIR": str(remote_dir), "PROPLEDGER_UNABATED_ARCHIVE_URL": url}
        )
        request = BackfillRequest(
            start, end, len(times) + 1, MAX_SECONDS_LIMIT, BackfillSource.REMOTE
        )
        phases.append(_phase("remote", remote, request, now))
    finally:
        server.shutdown()
        server.server_close()

    print(f"{'phase':8} {'units':>6} {'done':>6} {'rows parsed':>12} {'rows new':>10} "
          f"{'requests':>9} {'seconds':>8} {'rows/s':>9} {'units/s':>8}")  # fmt: skip
    for name, result, seconds in phases:
        units = result.done + result.skipped
        print(
            f"{name:8} {len(result.plan.units):>6} {result.done:>6} {result.rows_parsed:>12} "
            f"{result.rows_inserted:>10} {result.requests:>9} {seconds:>8.2f} "
            f"{result.rows_parsed / seconds:>9.0f} {units / seconds:>8.1f}"
        )
    bad = [n for n, r, _ in phases if r.failed or r.remaining]
    if bad:
        print(f"phases with failed or remaining units: {', '.join(bad)}", file=sys.stderr)
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--preset", type=Preset, default=Preset.SMALL, choices=list(Preset))
    parser.add_argument("--odds-days", type=int, default=30, help="slates of captures (a month)")
    parser.add_argument("--out", type=Path, default=None, help="work dir (default: a temp dir)")
    args = parser.parse_args(argv)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        return run(args.out, seed=args.seed, preset=args.preset, odds_days=args.odds_days)
    with tempfile.TemporaryDirectory() as tmp:
        return run(Path(tmp), seed=args.seed, preset=args.preset, odds_days=args.odds_days)


if __name__ == "__main__":
    raise SystemExit(main())
