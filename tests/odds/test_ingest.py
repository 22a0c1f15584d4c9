"""The ingestion job: fetch → archive → parse → map → append, per-vendor isolation (odds/ingest.py,
jobs/odds.py, ``propledger odds ingest``)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from odds.odds_world import (
    CAPTURE,
    EVENT_LIST,
    FIXTURES,
    SLATE,
    make_context,
    seed_world,
    write_fixture_replay,
)
from propledger.cli import main
from propledger.clock import FrozenClock
from propledger.context import Context
from propledger.evidence.registry import RegistryEvent, RunStatus, record
from propledger.evidence.reports.runinfo import RunInfo, VendorHealth
from propledger.evidence.warehouse import Warehouse
from propledger.http import CallStatus, VendorCallResult, make_client
from propledger.jobs.odds import (
    ingest_exit_code,
    ingest_table,
    odds_registry_events,
    run_odds_ingestion,
)
from propledger.odds.ingest import MESSAGE_CHARS, IngestStatus, OddsIngestResult, VendorIngestResult
from propledger.odds.kept import kept_payloads, kept_surface
from propledger.odds.parse import parse_payload
from propledger.settings import Settings
from propledger.sources.oddsshark import fetch_props_page
from propledger.sources.playnow import fetch_playnow
from propledger.sources.unabated import fetch_propodds

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


def test_a_vendor_degraded_by_its_parse_says_why(tmp_path: Path, world: Warehouse) -> None:
    """Schema drift (Unabated without its odds list) leaves no error and no HTTP message: the
    registry event and the report still name the problem (ParseNoMatch + the warning), in the
    same words whether the report reads the registry or the ingest result."""
    result = _ingest(tmp_path, world, skip=("oddsshark",), overrides={"unabated": b'{"odds": {}}'})
    unabated = result.vendor("unabated")
    assert (unabated.status, unabated.parse_status, unabated.call.error_type) == (
        IngestStatus.DEGRADED, "no_match", "",
    )  # fmt: skip
    events = {e.vendor: e for e in odds_registry_events(
        result, slate_date=SLATE, started_utc=CAPTURE, ended_utc=CAPTURE)}  # fmt: skip
    event = events["unabated"]
    assert (event.status, event.error_type) == ("DEGRADED", "ParseNoMatch")
    assert event.message == (
        "unabated: parse no_match: unabated: no odds['lg6:pt1:pregame'] list in the payload "
        "(schema drift?)"
    )
    assert (events["playnow"].status, events["playnow"].message, events["playnow"].error_type) == (
        "SUCCESS", None, None,
    )  # fmt: skip
    assert (events["oddsshark"].status, events["oddsshark"].error_type) == (
        "FAILED",
        "HttpStatusError",
    )
    # one vocabulary: the registry's step status, the HTTP layer's call status beside it
    start = RegistryEvent(run_id=result.run_id, step="run", event="start", status=RunStatus.RUNNING,
                          recorded_utc=CAPTURE, started_utc=CAPTURE, slate_date=SLATE)  # fmt: skip
    record(world, start, *events.values())
    from_registry = RunInfo.from_registry(world, result.run_id)
    assert from_registry is not None
    from_ingest = tuple(
        sorted(map(VendorHealth.from_ingest, result.vendors), key=lambda v: v.vendor)
    )
    assert from_registry.vendors == from_ingest
    assert [(v.vendor, v.status, v.call_status, v.error_type) for v in from_ingest] == [
        ("ODDSSHARK", "FAILED", "failed", "HttpStatusError"),
        ("PLAYNOW", "SUCCESS", "ok", ""),
        ("UNABATED", "DEGRADED", "ok", "ParseNoMatch"),
    ]


def _call(vendor: str = "unabated") -> VendorCallResult:
    return VendorCallResult(vendor, CallStatus.OK, requests=1, attempts=1, last_http_status=200)


def test_the_parse_reason_is_one_line_with_the_skip_counts() -> None:
    degraded = VendorIngestResult(
        "oddsshark", IngestStatus.DEGRADED, _call("oddsshark"), parse_status="no_match",
        warnings=("selector .props-container matched nothing", "a second warning"),
        skipped={"unsupported_tab": 1, "empty_cell": 2, "blurred": 2},
    )  # fmt: skip
    assert degraded.error_type == "ParseNoMatch"
    assert degraded.message == (
        "oddsshark: parse no_match: selector .props-container matched nothing; "
        "skipped 5: blurred=2, empty_cell=2, unsupported_tab=1"
    )
    long = VendorIngestResult(
        "unabated", IngestStatus.DEGRADED, _call(), parse_status="no_match",
        warnings=("first line\n  second line " + "x" * 400,),
    )  # fmt: skip
    assert long.message.startswith("unabated: parse no_match: first line second line xxx")
    assert len(long.message) == MESSAGE_CHARS and long.message.endswith("…")
    assert "\n" not in long.message
    # an ok vendor has nothing to say, even with skips and warnings
    ok = VendorIngestResult(
        "unabated", IngestStatus.OK, _call(), parse_status="ok", warnings=("unknown betTypeId 999",),
        skipped={"blurred": 2},
    )  # fmt: skip
    assert (ok.message, ok.error_type) == ("", "")


# ---- a fetch that fails after some responses --------------------------------------------------

Handler = Callable[[httpx.Request], httpx.Response]
LIST_BODY = json.dumps(EVENT_LIST).encode()
EVENTS_BODY = (FIXTURES / "playnow_openbet_events.json").read_bytes()
KAMBI_LIST_BODY = json.dumps(
    {"events": [{"event": {"id": 1023456789, "state": "NOT_STARTED"}},
                {"event": {"id": 1023456790, "state": "NOT_STARTED"}}]}
).encode()  # fmt: skip
KAMBI_EVENT_BODY = (FIXTURES / "kambi_betoffers.json").read_bytes()


def _vendor_server(events: httpx.Response | None = None) -> Handler:
    """Every vendor's answers from the committed examples; ``events`` replaces PlayNow's
    ``events-by-ids`` answer."""

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/event-list"):
            return httpx.Response(200, content=LIST_BODY)
        if path.endswith("/events-by-ids"):
            return events if events is not None else httpx.Response(200, content=EVENTS_BODY)
        if "/listView/" in path:
            return httpx.Response(200, content=KAMBI_LIST_BODY)
        if path.endswith("/betoffer/event/1023456789.json"):
            return httpx.Response(200, content=KAMBI_EVENT_BODY)
        if path.endswith("propodds.json"):
            return httpx.Response(200, content=(FIXTURES / "unabated_propodds.json").read_bytes())
        if "player-props" in path:
            body = (FIXTURES / "oddsshark_player_props.html").read_bytes()
            return httpx.Response(200, content=body, headers={"content-type": "text/html"})
        return httpx.Response(404)

    return handler


def _ingest_mock(
    tmp_path: Path,
    wh: Warehouse,
    handler: Handler,
    when: dt.datetime,
    vendors: tuple[str, ...] = ("playnow",),
    env: dict[str, str] | None = None,
) -> OddsIngestResult:
    settings = Settings.from_env({"PROPLEDGER_DATA_DIR": str(tmp_path / "data"), **(env or {})})
    ctx = Context(settings, FrozenClock(when), f"run-{when:%H%M}", httpx.MockTransport(handler),
                  _warehouse=wh)  # fmt: skip
    return run_odds_ingestion(ctx, vendors)


def _archived(wh: Warehouse) -> list[tuple[str, str]]:
    return wh.rows("SELECT surface, payload_hash FROM raw_payload ORDER BY capture_ts_utc, surface")


def test_playnow_event_list_is_archived_when_events_by_ids_fails(
    tmp_path: Path, world: Warehouse
) -> None:
    refused = _vendor_server(httpx.Response(403, content=b"forbidden"))
    first = _ingest_mock(tmp_path, world, refused, CAPTURE).vendor("playnow")
    assert (first.status, first.call.status, first.error_type) == (
        IngestStatus.FAILED, CallStatus.DEGRADED, "HttpStatusError",
    )  # fmt: skip
    assert (first.call.requests, first.payloads_new, first.rows_inserted) == (2, 1, 0)
    assert first.platform == "openbet" and first.message.startswith("playnow: HTTP 403")
    # the event list is the vendor's answer, stored verbatim; the refusal stored nothing
    list_hash = hashlib.sha256(LIST_BODY).hexdigest()
    assert _archived(world) == [("openbet_event_list", list_hash)]
    (path,) = (tmp_path / "data" / "raw").rglob(f"{list_hash}*")
    assert path.read_bytes() == LIST_BODY
    # the same list again (archived already) with an unparseable props payload: still FAILED,
    # an event list holds no quotes
    broken = _vendor_server(httpx.Response(200, content=b'{"data": {"events": ['))
    second = _ingest_mock(tmp_path, world, broken, CAPTURE + dt.timedelta(hours=1)).vendor(
        "playnow"
    )
    assert (second.status, second.payloads_new, second.payloads_duplicate) == (
        IngestStatus.FAILED,
        1,
        1,
    )
    # a good run later: the archived list does not stand in the way of the props payload
    third = _ingest_mock(tmp_path, world, _vendor_server(), CAPTURE + dt.timedelta(hours=2))
    playnow = third.vendor("playnow")
    assert (playnow.status, playnow.payloads_new, playnow.payloads_duplicate) == (
        IngestStatus.OK,
        1,
        1,
    )
    assert playnow.rows_inserted == EXPECTED["playnow"] == _rows(world)["playnow"]


def test_kambi_events_fetched_before_the_budget_ran_out_are_stored(
    tmp_path: Path, world: Warehouse
) -> None:
    """The list view and the first event's bet offers come back; the request budget (2) refuses
    the second event: what came back is archived and parsed, the vendor is degraded."""
    env = {"PROPLEDGER_PLAYNOW_PLATFORM": "kambi", "PROPLEDGER_PLAYNOW_HTTP_REQUEST_BUDGET": "2"}
    result = _ingest_mock(tmp_path, world, _vendor_server(), CAPTURE, env=env)
    playnow = result.vendor("playnow")
    expected = len(parse_payload("kambi_betoffer_event", KAMBI_EVENT_BODY, CAPTURE).quotes)
    assert (playnow.status, playnow.error_type, playnow.call.requests) == (
        IngestStatus.DEGRADED, "BudgetExhaustedError", 2,
    )  # fmt: skip
    assert (playnow.platform, playnow.payloads_new, playnow.rows_inserted) == ("kambi", 2, expected)
    assert expected > 0 and _rows(world) == {"playnow": expected}
    assert [s for s, _ in _archived(world)] == ["kambi_betoffer_event", "kambi_list_view"]
    assert (
        world.scalar(
            "SELECT count(*) FROM fact_prop_odds f JOIN raw_payload r ON r.payload_hash = f.raw_payload_hash "
            "WHERE r.surface = 'kambi_betoffer_event'"
        )
        == expected
    )


@pytest.mark.parametrize(
    ("vendor", "env"),
    [("playnow", {}), ("playnow", {"PROPLEDGER_PLAYNOW_PLATFORM": "kambi"}), ("unabated", {}),
     ("oddsshark", {})],
    ids=["openbet", "kambi", "unabated", "oddsshark"],
)  # fmt: skip
def test_kept_surfaces_match_what_the_fetchers_say(vendor: str, env: dict[str, str]) -> None:
    """The URL → surface table of odds/kept.py against every response the real fetchers make."""
    settings = Settings.from_env(env)
    fetch = {"playnow": fetch_playnow, "unabated": fetch_propodds, "oddsshark": fetch_props_page}
    transport = httpx.MockTransport(_vendor_server())
    with make_client(vendor, settings, transport, clock=FrozenClock(CAPTURE)) as client:
        bundle = fetch[vendor](client, settings)
    assert len(bundle.payloads) == (2 if vendor == "playnow" else 1)
    for payload in bundle.payloads:
        assert kept_surface(payload.platform, payload.fetched.url) == payload.surface
    assert kept_payloads(vendor, settings, [p.fetched for p in bundle.payloads]) == bundle.payloads


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
