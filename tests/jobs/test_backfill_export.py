"""The snapshot archive: index format checks, export from a replay / the raw archive / the sample world."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from jobs.test_backfill_world import (
    CAPTURES,
    LIVE_URL,
    captures,
    env,
    file_hashes,
    register_only,
    seeded,
)
from propledger.cli import main
from propledger.clock import UTC
from propledger.errors import InputError, PayloadError
from propledger.evidence.warehouse import Warehouse
from propledger.jobs.backfill_export import export_from_archive, export_from_replay
from propledger.jobs.backfill_index import (
    archive_base_url,
    check_capture_time,
    parse_index,
)
from propledger.replay import ReplayWriter
from propledger.settings import Settings

SHA = "ab" * 32


def _doc(**capture: Any) -> bytes:
    entry = {"capture_ts_utc": "2026-01-14T15:00:00Z", "path": "2026-01-14/a.json", "sha256": SHA}
    entry.update(capture)
    return json.dumps(
        {"format": "propledger.snapshot-archive", "version": 1, "vendor": "UNABATED",
         "surface": "cdn_v2", "captures": [{k: v for k, v in entry.items() if v is not None}]}
    ).encode()  # fmt: skip


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<html>", "is not JSON"),
        (b"[]", "is not a JSON object"),
        (b'{"format": "other", "version": 1}', "is not 'propledger.snapshot-archive' version 1"),
        (_doc(path="../etc/passwd"), "must be relative"),
        (_doc(path="/abs.json"), "must be relative"),
        (_doc(path="http://evil/x.json"), "must be relative"),
        (_doc(sha256="xyz"), "is not 64 hex digits"),
        (_doc(capture_ts_utc="yesterday"), "is not an ISO instant"),
        (_doc(sha256=None), "has no 'sha256'"),
        (_doc(bytes=-1), "is not a non-negative integer"),
    ],
)
def test_a_malformed_index_is_refused_naming_the_problem(content: bytes, message: str) -> None:
    with pytest.raises(PayloadError) as info:
        parse_index(content, url="http://a/index.json")
    assert message in str(info.value) and "\n" not in str(info.value)


def test_a_good_index_reads_as_utc_entries_dated_by_their_et_slate() -> None:
    index = parse_index(_doc(capture_ts_utc="2026-01-15T03:30:00"), url="i")
    (entry,) = index.entries
    assert entry.capture_ts_utc == dt.datetime(2026, 1, 15, 3, 30, tzinfo=UTC)  # no offset = UTC
    assert entry.slate_date == dt.date(2026, 1, 14)
    assert index.in_range(dt.date(2026, 1, 14), dt.date(2026, 1, 15)) == (entry,)
    assert index.in_range(dt.date(2026, 1, 15), dt.date(2026, 1, 16)) == ()


def test_archive_url_forms() -> None:
    def base(url: str) -> str:
        return archive_base_url(Settings.from_env({"PROPLEDGER_UNABATED_ARCHIVE_URL": url}))

    assert base("http://127.0.0.1:8000/") == "http://127.0.0.1:8000"
    assert base("https://store.example/nhl/index.json") == "https://store.example/nhl"


def test_capture_time_checks() -> None:
    at = CAPTURES[0]
    body = captures()[0][1]
    check_capture_time(body, at, at + dt.timedelta(days=1))  # honest: passes
    with pytest.raises(PayloadError, match="after now"):
        check_capture_time(body, at, at - dt.timedelta(seconds=1))
    with pytest.raises(PayloadError, match="refusing to stamp newer data with a past date"):
        check_capture_time(body, at - dt.timedelta(hours=1), at + dt.timedelta(days=1))
    check_capture_time(b"{}", at, at)  # no line times: nothing to contradict


def _replay(directory: Path) -> Path:
    writer = ReplayWriter(directory)
    for at, body in captures()[:3]:
        writer.add(LIVE_URL, at, body, headers={"last-modified": "Mon, 12 Jan 2026 15:59:47 GMT"})
    writer.add(LIVE_URL, CAPTURES[3], b'{"error": 1}', status=503)  # not a capture
    writer.add("https://api-web.nhle.com/v1/schedule/2026-01-12", CAPTURES[0], b"{}")
    writer.write_manifest()
    return directory


def test_export_from_a_replay_keeps_capture_times_and_is_idempotent(tmp_path: Path) -> None:
    out = tmp_path / "archive"
    summary = export_from_replay(_replay(tmp_path / "replay"), out)
    assert (summary.written, summary.total) == (3, 3)
    index = parse_index((out / "index.json").read_bytes(), url="i")
    assert [e.capture_ts_utc for e in index.entries] == list(CAPTURES[:3])
    for entry, (_, body) in zip(index.entries, captures(), strict=False):
        assert hashlib.sha256((out / entry.path).read_bytes()).hexdigest() == entry.sha256
        assert entry.sha256 == hashlib.sha256(body).hexdigest() and entry.bytes == len(body)
        assert entry.last_modified == "Mon, 12 Jan 2026 15:59:47 GMT"
    assert (
        index.entries[0].path
        == "2026-01-12/20260112T160000Z-" + index.entries[0].sha256[:12] + ".json"
    )
    before = file_hashes(out)
    again = export_from_replay(tmp_path / "replay", out)
    assert (again.written, again.total) == (0, 3) and file_hashes(out) == before
    only = export_from_replay(tmp_path / "replay", tmp_path / "one", dt.date(2026, 1, 13))
    assert only.total == 2  # slates from the 13th


def test_export_refuses_a_non_empty_directory_that_is_not_an_archive(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match=r"is not empty and has no index\.json"):
        export_from_replay(_replay(tmp_path / "replay"), tmp_path / "out")


def test_export_from_the_raw_archive_uses_the_archived_records(tmp_path: Path) -> None:
    settings = seeded(Settings.from_env(env(tmp_path)))
    register_only(settings, captures())
    wh = Warehouse.open(settings.warehouse_path, read_only=True)
    try:
        summary = export_from_archive(
            wh, settings.raw_dir, tmp_path / "out", dt.date(2026, 1, 13), dt.date(2026, 1, 15)
        )
    finally:
        wh.close()
    index = parse_index((tmp_path / "out" / "index.json").read_bytes(), url="i")
    assert summary.total == 4 and [e.capture_ts_utc for e in index.entries] == list(CAPTURES[1:])


def test_the_sample_world_exports_an_honest_snapshot_archive(tmp_path: Path) -> None:
    from propledger.sample import odds_unabated
    from propledger.sample.world import build_world

    world = build_world(5, (2025,), teams=2, games_per_team=4)
    writer = ReplayWriter(tmp_path / "replay")
    written = odds_unabated.write_payloads(world, writer, days=2)
    writer.write_manifest()
    summary = export_from_replay(tmp_path / "replay", tmp_path / "archive")
    assert summary.total == written == 8  # 2 slates × 4 captures
    index = parse_index((tmp_path / "archive" / "index.json").read_bytes(), url="i")
    for entry in index.entries:
        body = (tmp_path / "archive" / entry.path).read_bytes()
        check_capture_time(body, entry.capture_ts_utc, entry.capture_ts_utc)


def test_export_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    replay = _replay(tmp_path / "replay")
    code = main(["backfill", "export", "--replay", str(replay), "--out", str(tmp_path / "a")])
    assert code == 0
    assert "3 captures added" in capsys.readouterr().out
    assert main(["backfill", "export", "--out", str(tmp_path / "b")]) == 2
    assert "needs --start and --end" in capsys.readouterr().err
