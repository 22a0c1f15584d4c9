"""A small, hand-checkable backfill world (helpers for the test_backfill*.py files) + its checks.

Five Unabated captures over slates 2026-01-12..2026-01-14 (ET), built from the committed
example ``tests/fixtures/unabated_propodds.json`` (10 quotes each): capture ``k`` shifts every
American price by ``k`` cents away from even and rewrites every ``sequenceNumber`` to just before
its capture (so the body is honestly dated). The last capture, 2026-01-15T03:30Z, is 22:30 ET on
the 14th: its slate is 2026-01-14, not the UTC date. The NHL side (games, players) is the odds
test world (``odds/odds_world.py``), so the quotes map.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path
from typing import Any

import httpx

from faults.server import FaultServer, Reply, ok
from odds.odds_world import seed_world
from propledger.archive import RawArchive
from propledger.clock import UTC, FrozenClock, slate_date
from propledger.context import Context
from propledger.evidence.warehouse import Warehouse
from propledger.http import Fetched
from propledger.jobs.backfill_export import SnapshotCapture, write_snapshot_archive
from propledger.jobs.backfill_index import parse_index
from propledger.settings import Settings

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "unabated_propodds.json"
LIVE_URL = "https://content.unabated.com/markets/v2/league/6/propodds.json"
START, END = dt.date(2026, 1, 12), dt.date(2026, 1, 15)
NOW = dt.datetime(2026, 1, 16, 12, 0, tzinfo=UTC)
CAPTURES: tuple[dt.datetime, ...] = (
    dt.datetime(2026, 1, 12, 16, 0, tzinfo=UTC),
    dt.datetime(2026, 1, 13, 16, 0, tzinfo=UTC),
    dt.datetime(2026, 1, 13, 22, 0, tzinfo=UTC),
    dt.datetime(2026, 1, 14, 16, 0, tzinfo=UTC),
    dt.datetime(2026, 1, 15, 3, 30, tzinfo=UTC),  # 22:30 ET on the 14th
)
QUOTES_PER_CAPTURE = 10
PREFIX = "/archive"
#: fact_prop_odds columns that describe the quote (not which run wrote it, nor when)
CONTENT = (
    "vendor, capture_ts_utc, event_id_vendor, player_id_vendor, player_name_raw, market_type, "
    "line, side, book_name_raw, odds_quoted_raw, odds_decimal, raw_payload_hash, game_id, "
    "player_id, map_status"
)

_PRICE = re.compile(rb'("americanPrice":\s*)(-?\d+)')
_SEQ = re.compile(rb'("sequenceNumber":\s*)(\d+)')


def payload(k: int, at: dt.datetime, *, sequence_at: dt.datetime | None = None) -> bytes:
    """Capture ``k`` of the example: prices moved by ``k``, line times just before ``at``
    (or just before ``sequence_at``, to fake current data wearing a past date)."""
    base = FIXTURE.read_bytes()

    def price(m: re.Match[bytes]) -> bytes:
        value = int(m.group(2))
        return m.group(1) + str(value + k if value > 0 else value - k).encode()

    stamp = int((sequence_at or at).timestamp() * 1000)
    counter = iter(range(1, 10_000))

    def seq(m: re.Match[bytes]) -> bytes:
        return m.group(1) + str(stamp - 1000 * next(counter)).encode()

    return _SEQ.sub(seq, _PRICE.sub(price, base))


def captures() -> list[tuple[dt.datetime, bytes]]:
    return [(at, payload(k, at)) for k, at in enumerate(CAPTURES)]


def write_archive(directory: Path) -> Path:
    """The five captures as a snapshot archive directory (index.json + files)."""
    write_snapshot_archive(
        directory,
        (SnapshotCapture(at, body, f"{at:%a, %d %b %Y %H:%M:%S} GMT") for at, body in captures()),
    )
    return directory


def serve(
    server: FaultServer, directory: Path, replies: dict[int, list[Reply]] | None = None
) -> str:
    """Mount the archive under ``/archive``; ``replies`` scripts capture ``k``'s file instead."""
    index = parse_index((directory / "index.json").read_bytes(), url="index.json")
    server.mount(f"{PREFIX}/index.json", ok((directory / "index.json").read_bytes()))
    for k, entry in enumerate(index.entries):
        body = (directory / entry.path).read_bytes()
        script = (replies or {}).get(k, [ok(body)])
        server.mount(f"{PREFIX}/{entry.path}", [ok(body) if r is None else r for r in script])
    return server.url(PREFIX)


def file_prefix(directory: Path, k: int) -> str:
    index = parse_index((directory / "index.json").read_bytes(), url="index.json")
    return f"{PREFIX}/{index.entries[k].path}"


def env(tmp_path: Path, archive_url: str = "", **extra: str) -> dict[str, str]:
    values = {
        "PROPLEDGER_DATA_DIR": str(tmp_path / "data"),
        "PROPLEDGER_OUTPUT_DIR": str(tmp_path / "outputs"),
        "PROPLEDGER_HTTP_BACKOFF_BASE": "0.001",
        "PROPLEDGER_HTTP_BACKOFF_MAX": "0.002",
        "PROPLEDGER_HTTP_CONNECT_TIMEOUT": "2",
        "PROPLEDGER_HTTP_READ_TIMEOUT": "5",
    }
    if archive_url:
        values["PROPLEDGER_UNABATED_ARCHIVE_URL"] = archive_url
    values.update(extra)
    return values


def context(
    settings: Settings,
    *,
    now: dt.datetime = NOW,
    transport: httpx.BaseTransport | None = None,
    run_id: str | None = None,
) -> Context:
    clock = FrozenClock(now)
    return Context(
        settings,
        clock,
        run_id or f"bf-{hashlib.sha256(str(now).encode()).hexdigest()[:6]}",
        transport,
    )


def seeded(settings: Settings) -> Settings:
    """Create the warehouse file with the odds test world's games and players."""
    wh = Warehouse.open(settings.warehouse_path)
    seed_world(wh)
    wh.checkpoint()
    wh.close()
    return settings


def register_only(settings: Settings, items: list[tuple[dt.datetime, bytes]]) -> None:
    """Archive payloads as ingestion would, without parsing them (rows come from a backfill)."""
    wh = Warehouse.open(settings.warehouse_path)
    archive = RawArchive(settings.raw_dir, wh)
    for at, body in items:
        fetched = Fetched(
            vendor="unabated",
            url=LIVE_URL,
            status=200,
            content=body,
            headers={"content-type": "application/json"},
            elapsed=0.0,
            attempts=1,
            captured_at=at,
        )
        with wh.transaction():
            archive.store(
                fetched, surface="cdn_v2", run_id="seed", slate_date=slate_date(at), capture_ts=at
            )
    wh.checkpoint()
    wh.close()


def fact_rows(settings: Settings) -> list[tuple[Any, ...]]:
    wh = Warehouse.open(settings.warehouse_path, read_only=True)
    try:
        return wh.rows(f"SELECT {CONTENT} FROM fact_prop_odds ORDER BY ALL")
    finally:
        wh.close()


def query(settings: Settings, sql: str) -> list[tuple[Any, ...]]:
    wh = Warehouse.open(settings.warehouse_path, read_only=True)
    try:
        return wh.rows(sql)
    finally:
        wh.close()


def file_hashes(root: Path) -> dict[str, str]:
    """Every file under ``root`` (relative path → sha256): the byte-identity check."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


# ---- the world itself --------------------------------------------------------------------------


def test_captures_are_distinct_honestly_dated_and_span_three_et_slates(tmp_path: Path) -> None:
    bodies = [body for _, body in captures()]
    assert len({hashlib.sha256(b).hexdigest() for b in bodies}) == len(CAPTURES)
    assert sorted({slate_date(at) for at in CAPTURES}) == [
        dt.date(2026, 1, 12),
        dt.date(2026, 1, 13),
        dt.date(2026, 1, 14),
    ]
    from propledger.jobs.backfill_index import latest_sequence

    for at, body in captures():
        newest = latest_sequence(body)
        assert newest is not None and newest < at
    index = parse_index((write_archive(tmp_path / "a") / "index.json").read_bytes(), url="x")
    assert [e.capture_ts_utc for e in index.entries] == list(CAPTURES)
    assert index.entries[-1].path.startswith("2026-01-14/20260115T033000Z-")
