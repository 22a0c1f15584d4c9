"""The ingestion job: fetch → archive → parse → map → append, per-vendor isolation (odds/ingest.py,
jobs/odds.py, ``propledger odds ingest``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from odds.odds_world import CAPTURE, FIXTURES, SLATE, make_context, seed_world, write_fixture_replay
from propledger.cli import main
from propledger.clock import FrozenClock
from propledger.evidence.registry import record
from propledger.evidence.warehouse import Warehouse
from propledger.jobs.odds import (
    ingest_exit_code,
    ingest_table,
    odds_registry_events,
    run_odds_ingestion,
)
from propledger.odds.ingest import IngestStatus, OddsIngestResult
from propledger.odds.parse import parse_payload
from propledger.settings import Settings

#: quotes the committed examples hold (odds parse on each file)
EXPECTED = {"playnow": 12, "unabated": 10, "oddsshark": 17}


@pytest.fixture
def world(wh: Warehouse) -> Warehouse:
    seed_world(wh)
    return wh


def _ingest(
    tmp_path: Path,
    wh: Warehouse,
    *,
    name: str = "replay",
    when: dt.datetime = CAPTURE,
    env: dict[str, str] | None = None,
    vendors: tuple[str, ...] | None = None,
    **replay: object,
) -> OddsIngestResult:
    directory = tmp_path / name
    if not directory.exists():
        write_fixture_replay(directory, **replay)  # type: ignore[arg-type]
    settings = Settings.from_env({"PROPLEDGER_DATA_DIR": str(tmp_path / "data"), **(env or {})})
    ctx = make_context(directory, settings, FrozenClock(when), wh)
    return run_odds_ingestion(ctx, vendors)


def _rows(wh: Warehouse) -> dict[str, int]:
    return dict(wh.rows("SELECT lower(vendor), count(*) FROM fact_prop_odds GROUP BY 1"))


def test_all_vendors_land_archived_mapped_and_stamped(tmp_path: Path, world: Warehouse) -> None:
    result = _ingest(tmp_path, world)
    assert result.status is IngestStatus.OK and ingest_exit_code(result) == 0
    assert {v.vendor: v.rows_inserted for v in result.vendors} == EXPECTED
    assert _rows(world) == EXPECTED
    playnow = result.vendor("playnow")
    assert (playnow.call.requests, playnow.payloads_new, playnow.payloads_duplicate) == (2, 2, 0)
    assert playnow.platform == "openbet" and playnow.parse_status == "ok"
    for v in result.vendors:
        assert v.mapping is not None and v.mapping.pct_mapped == 1.0
    # every row: the payload's capture time, its archived payload, this run
    bad = world.scalar(
        "SELECT count(*) FROM fact_prop_odds f LEFT JOIN raw_payload r "
        "ON r.payload_hash = f.raw_payload_hash "
        "WHERE r.payload_hash IS NULL OR f.capture_ts_utc <> ? OR f.run_id <> r.run_id "
        "OR f.capture_ts_utc <> r.capture_ts_utc",
        [CAPTURE],
    )
    assert bad == 0
    surfaces = world.rows("SELECT surface, slate_date FROM raw_payload ORDER BY surface")
    assert surfaces == [
        ("cdn_v2", SLATE),
        ("openbet_event_list", SLATE),
        ("openbet_events_by_ids", SLATE),
        ("props_html", SLATE),
    ]
    files = sorted(
        p.relative_to(tmp_path / "data" / "raw").parts[0]
        for p in (tmp_path / "data" / "raw").rglob("*.*")
    )
    assert files == ["oddsshark", "playnow", "playnow", "unabated"]
    # the OddsShark row of a 10 PM ET game carries the ET date in its synthetic id
    assert (
        world.scalar(
            "SELECT count(*) FROM fact_prop_odds WHERE event_id_vendor = 'ODDSSHARK_20260114_CGY_VAN' "
            "AND game_id = 2025020701"
        )
        == 5
    )


def test_reingesting_the_same_payloads_inserts_nothing(tmp_path: Path, world: Warehouse) -> None:
    _ingest(tmp_path, world)
    before = world.count("fact_prop_odds"), world.count("raw_payload")
    again = _ingest(tmp_path, world, when=CAPTURE + dt.timedelta(hours=2))
    assert (world.count("fact_prop_odds"), world.count("raw_payload")) == before
    assert again.rows_inserted == 0 and again.rows_parsed == 0  # seen payloads are not parsed
    assert [(v.payloads_new, v.payloads_duplicate) for v in again.vendors] == [
        (0, 2),
        (0, 1),
        (0, 1),
    ]
    assert again.status is IngestStatus.OK


def test_a_changed_payload_appends_a_new_capture(tmp_path: Path, world: Warehouse) -> None:
    _ingest(tmp_path, world)
    body = (FIXTURES / "unabated_propodds.json").read_bytes() + b"\n"
    later = CAPTURE + dt.timedelta(hours=4)
    result = _ingest(tmp_path, world, name="r2", when=later, overrides={"unabated": body})
    assert result.vendor("unabated").rows_inserted == EXPECTED["unabated"]
    # Unabated player ids learned from the first capture now map by id
    assert dict(result.vendor("unabated").mapping.by_method) == {"vendor_id": 10}  # type: ignore[union-attr]
    assert (
        world.scalar(
            "SELECT count(DISTINCT capture_ts_utc) FROM fact_prop_odds WHERE vendor = 'UNABATED'"
        )
        == 2
    )


def test_a_parse_error_in_one_vendor_leaves_the_others_rows_intact(
    tmp_path: Path, world: Warehouse
) -> None:
    result = _ingest(
        tmp_path, world, overrides={"unabated": b'{"odds": {"lg6:pt1:pregame": [{"eventId": 1,'}
    )
    unabated = result.vendor("unabated")
    assert unabated.status is IngestStatus.FAILED and unabated.parse_status == "error"
    assert unabated.payloads_failed == 1 and "truncated JSON" in unabated.message
    assert unabated.call.status == "failed" and unabated.call.error_type == "PayloadError"
    assert _rows(world) == {"playnow": 12, "oddsshark": 17}
    assert result.status is IngestStatus.DEGRADED and ingest_exit_code(result) == 0
    # the bad payload stays archived (reparse can fix it) and is not parsed again
    assert world.scalar("SELECT count(*) FROM raw_payload WHERE vendor = 'UNABATED'") == 1
    assert _ingest(tmp_path, world).vendor("unabated").payloads_duplicate == 1


def test_a_parser_crash_is_contained(
    tmp_path: Path, world: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    import propledger.odds.parse as parse_module

    real = parse_module._parsers

    def broken() -> object:
        table = dict(real())
        table[next(k for k in table if k.value == "props_html")] = lambda *_: {}["boom"]
        return table

    monkeypatch.setattr(parse_module, "_parsers", broken)
    result = _ingest(tmp_path, world)
    oddsshark = result.vendor("oddsshark")
    assert oddsshark.status is IngestStatus.FAILED and "KeyError" in oddsshark.message
    assert _rows(world) == {"playnow": 12, "unabated": 10}


def test_a_fetch_error_fails_that_vendor_only(tmp_path: Path, world: Warehouse) -> None:
    result = _ingest(tmp_path, world, skip=("oddsshark",))  # not recorded: the replay answers 404
    oddsshark = result.vendor("oddsshark")
    assert oddsshark.status is IngestStatus.FAILED and oddsshark.call.last_http_status == 404
    assert oddsshark.call.error_type == "HttpStatusError" and oddsshark.payloads_new == 0
    assert _rows(world) == {"playnow": 12, "unabated": 10}
    assert result.status is IngestStatus.DEGRADED


def test_forced_outage_of_every_vendor_fails_the_step(tmp_path: Path, world: Warehouse) -> None:
    result = _ingest(tmp_path, world, env={"FORCE_VENDOR_FAILURE": "ALL"})
    assert result.status is IngestStatus.FAILED and ingest_exit_code(result) == 1
    assert all(v.call.requests >= 1 and v.status is IngestStatus.FAILED for v in result.vendors)
    assert world.count("fact_prop_odds") == 0


def test_schema_drift_degrades_and_is_visible(tmp_path: Path, world: Warehouse) -> None:
    page = b"<html><body><div class='new-layout'>redesigned</div></body></html>"
    result = _ingest(tmp_path, world, overrides={"oddsshark": page})
    oddsshark = result.vendor("oddsshark")
    assert oddsshark.status is IngestStatus.DEGRADED and oddsshark.parse_status == "no_match"
    assert any("matched nothing" in w for w in oddsshark.warnings)
    assert oddsshark.rows_inserted == 0 and oddsshark.payloads_new == 1


def test_playnow_on_kambi(tmp_path: Path, world: Warehouse) -> None:
    result = _ingest(
        tmp_path, world, env={"PROPLEDGER_PLAYNOW_PLATFORM": "kambi"}, vendors=("playnow",)
    )
    playnow = result.vendor("playnow")
    expected = len(
        parse_payload(
            "kambi_betoffer_event", (FIXTURES / "kambi_betoffers.json").read_bytes(), CAPTURE
        ).quotes
    )
    assert playnow.platform == "kambi" and playnow.rows_inserted == expected > 0
    assert world.rows("SELECT DISTINCT vendor, platform FROM fact_prop_odds") == [
        ("PLAYNOW", "kambi")
    ]


def test_unmapped_rows_are_stored_with_their_reason(tmp_path: Path, world: Warehouse) -> None:
    world.execute("CREATE TEMP TABLE keep AS SELECT 1")  # nothing: the world lacks CGY @ VAN below
    body = (FIXTURES / "unabated_propodds.json").read_text().replace('"Liam"', '"Liamm Q."')
    result = _ingest(tmp_path, world, overrides={"unabated": body.encode()})
    stats = result.vendor("unabated").mapping
    assert stats is not None and dict(stats.by_reason) == {"no_player": 1}
    assert world.rows(
        "SELECT player_name_raw, game_id, map_status, map_reason FROM fact_prop_odds "
        "WHERE map_status = 'unmapped'"
    ) == [("Liamm Q. Okafor", 2025020701, "unmapped", "no_player")]


def test_registry_events_and_table(tmp_path: Path, world: Warehouse) -> None:
    result = _ingest(tmp_path, world, skip=("oddsshark",))
    events = odds_registry_events(result, slate_date=SLATE, started_utc=CAPTURE, ended_utc=CAPTURE)
    assert [(e.vendor, e.status, e.rows_out) for e in events] == [
        ("playnow", "SUCCESS", 12),
        ("unabated", "SUCCESS", 10),
        ("oddsshark", "FAILED", 0),
    ]
    assert record(world, *events) == 3
    assert events[0].details["mapping"]["pct_players_mapped"] == 1.0
    text = ingest_table(result)
    assert text.splitlines()[0].split()[:3] == ["vendor", "status", "requests"]
    assert "oddsshark  failed" in text and "100.0%" in text and "degraded" in text.splitlines()[-1]


# ---- the command ------------------------------------------------------------------------------


def _seeded_warehouse(tmp_path: Path) -> None:
    with Warehouse.open(tmp_path / "data" / "warehouse.duckdb") as wh:
        seed_world(wh)


def test_cli_ingest_prints_the_table_and_exits_0_when_degraded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _seeded_warehouse(tmp_path)
    write_fixture_replay(tmp_path / "replay", skip=("oddsshark",))
    code = main(
        [
            "odds",
            "ingest",
            "--source",
            f"replay:{tmp_path / 'replay'}",
            "--now",
            "2026-01-14T17:00:00Z",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    lines = out.splitlines()
    assert lines[1].split()[:6] == ["playnow", "ok", "2", "2/0", "12", "12"]
    assert lines[3].split()[:2] == ["oddsshark", "failed"]
    with Warehouse.open(tmp_path / "data" / "warehouse.duckdb") as wh:
        assert wh.count("fact_prop_odds") == 22


def test_cli_ingest_exits_1_when_nothing_was_produced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_fixture_replay(tmp_path / "replay", skip=("playnow", "kambi", "unabated", "oddsshark"))
    code = main(
        [
            "odds",
            "ingest",
            "--vendors",
            "unabated,oddsshark",
            "--source",
            f"replay:{tmp_path / 'replay'}",
            "--now",
            "2026-01-14T17:00:00Z",
        ]
    )
    assert code == 1
    assert "odds ingest failed" in capsys.readouterr().out


def test_cli_ingest_rejects_an_unknown_vendor(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["odds", "ingest", "--vendors", "draftkings"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --vendors='draftkings': unknown vendor draftkings")
    assert len(err.strip().splitlines()) == 1
