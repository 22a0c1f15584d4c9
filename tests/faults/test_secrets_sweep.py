"""Planted secrets never leak (issue 5 item 4, "Checked by"): grep every artifact of real runs.

Unique markers are planted where credentials live: ``PLAYNOW_COOKIE``, ``UNABATED_API_KEY``,
a signed-URL parameter in a configured base URL (``X-Amz-Signature``), credentials in a base
URL's userinfo (``http://svc:…@host``, sent by httpx as Basic auth), a signed
``PROPLEDGER_UNABATED_ARCHIVE_URL``, and a session cookie the PlayNow server sets. Then real
commands run (cli.main, live source, loopback servers only) and every artifact is searched:
stdout and stderr of each command, every log record (before the stderr redactor), every file
under the data, output and record directories (names and bytes: the DuckDB file, the raw
archive, calibrators, reports, CSVs, PNGs), and every row of every warehouse table.

Each test first checks that the credentials did reach the servers where they belong (so a
client that silently dropped them could not pass), and that the scanners do find strings known
to be stored (so a scanner that reads nothing could not pass).
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from faults.harness import (
    NOW,
    LogCollector,
    collect_logs,
    install_warehouse,
    record_sleeps,
    run_cli,
    seeded_template,
    set_env,
)
from faults.replay_server import ReplayServer
from faults.server import FaultServer, fast_http_env, ok, status
from faults.sweep import find_in_files, find_in_tables, sweep
from faults.vendors import serve_vendors, vendor_routes
from propledger.clock import FrozenClock, et_to_utc, iso_z
from propledger.context import Context
from propledger.evidence.warehouse import Warehouse
from propledger.jobs.odds import run_odds_ingestion
from propledger.settings import Settings

COOKIE = "pn-cookie-PLANTED-4b1d"
API_KEY = "ub-key-PLANTED-9e2c"
SIGNATURE = "sig-PLANTED-77aa"
ARCHIVE_SIGNATURE = "archive-sig-PLANTED-51f0"
USERINFO = "proxy-pass-PLANTED-c3d8"
SESSION = "server-session-PLANTED-0a6e"
BASIC = base64.b64encode(f"svc:{USERINFO}".encode()).decode()  # the Authorization value
MARKERS = (COOKIE, API_KEY, SIGNATURE, ARCHIVE_SIGNATURE, USERINFO, SESSION, BASIC)

ARCHIVE_URL = (
    "https://snapshots.example.com/unabated/index.json"
    f"?X-Amz-Credential=AKIAEXAMPLE&X-Amz-Signature={ARCHIVE_SIGNATURE}"
)


@pytest.fixture
def logs(monkeypatch: pytest.MonkeyPatch) -> Iterator[LogCollector]:
    yield from collect_logs(monkeypatch)


def _secrets_env() -> dict[str, str]:
    return {
        "PLAYNOW_COOKIE": COOKIE,
        "UNABATED_API_KEY": API_KEY,
        "PROPLEDGER_UNABATED_ARCHIVE_URL": ARCHIVE_URL,
    }


def _assert_clean(found: dict[str, list[str]]) -> None:
    assert not found, "planted secrets found:\n" + "\n".join(
        f"  {needle!r} in {place}" for needle, places in found.items() for place in places
    )


# ---- the odds ingestion, with a signed base URL and a recording transport ----------------------


def test_odds_ingest_and_record_leak_nothing(
    tmp_path: Path,
    fault_server: FaultServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    logs: LogCollector,
) -> None:
    data, outputs, record = tmp_path / "data", tmp_path / "outputs", tmp_path / "record"
    install_warehouse(seeded_template(tmp_path), data)
    env = {**fast_http_env(), **serve_vendors(fault_server), **_secrets_env()}
    # a signed parameter in OddsShark's base URL (the source appends its path after it)
    env["PROPLEDGER_ODDSSHARK_BASE_URL"] += f"?X-Amz-Signature={SIGNATURE}"
    set_env(monkeypatch, {**env, "PROPLEDGER_OUTPUT_DIR": str(outputs)})
    record_sleeps(monkeypatch)
    # PlayNow answers 503 once: the failed attempt's log line and error path are swept too
    fault_server.mount("/playnow/event-list", [status(503), ok(vendor_routes("playnow")[0].body)])

    runs = [
        run_cli(capsys, ["odds", "ingest", "-vv", "--now", NOW]),
        run_cli(capsys, ["config"]),
    ]
    assert runs[0].code == 0, runs[0].out + runs[0].err
    assert "odds ingest ok: 39 rows inserted" in runs[0].out
    # the same ingestion once more through a recording transport (live responses → a replay dir)
    settings = Settings.from_env({**env, "PROPLEDGER_DATA_DIR": str(data)})
    clock = FrozenClock(dt.datetime(2026, 1, 14, 18, 0, tzinfo=dt.UTC))
    ctx = Context.create(settings, clock, record=record)
    try:
        again = run_odds_ingestion(ctx)
    finally:
        ctx.close()
    # same bodies: archived once, so nothing new; the record dir holds the four responses
    assert [v.payloads_duplicate for v in again.vendors] == [2, 1, 1]
    assert len((record / "manifest.jsonl").read_text().splitlines()) == 4

    # credentials reached the server where they belong, and only there
    playnow = fault_server.hits("/playnow/event-list") + fault_server.hits("/playnow/events-by-ids")
    assert len(playnow) == 5 and {h.headers.get("cookie") for h in playnow} == {COOKIE}
    oddsshark = fault_server.hits("/oddsshark")
    assert len(oddsshark) == 2
    assert all(h.query["X-Amz-Signature"].startswith(SIGNATURE) for h in oddsshark)
    assert all("cookie" not in h.headers for h in oddsshark + fault_server.hits("/unabated"))
    # the public CDN never gets the API key (it goes to Unabated's keyed hosts only)
    assert all("x-api-key" not in h.headers for h in fault_server.hits("/unabated"))

    texts = {f"{' '.join(r.args)} {k}": getattr(r, k) for r in runs for k in ("out", "err")}
    texts["logs"] = logs.text
    # positive controls: the scanners read what is there
    assert "playnow GET http://127.0.0.1" in logs.text and "-> 503 in" in logs.text
    # the signed URL, sanitised: the secret parameter goes, and with it what the source appended
    signed = fault_server.url("/oddsshark")
    assert f"oddsshark GET {signed} -> 200 in " in logs.text
    assert find_in_files([record], ["events-by-ids", "Evan Marchetti"]).keys() == {
        "events-by-ids",
        "Evan Marchetti",
    }
    with Warehouse.open(data / "warehouse.duckdb") as wh:
        assert wh.scalar("SELECT url FROM raw_payload WHERE vendor = 'ODDSSHARK'") == signed
        assert find_in_tables(wh, ["/playnow/events-by-ids"]) == {
            "/playnow/events-by-ids": ["raw_payload"]
        }
    _assert_clean(
        sweep(
            MARKERS,
            texts=texts,
            directories=[data, outputs, record],
            warehouse=data / "warehouse.duckdb",
        )
    )


# ---- the daily driver, every step, over a sample world served on loopback ----------------------

SEED = 20260114  # the golden run's small world: calibrators fit on it (validation from Nov 1)
SLATE = dt.date(2025, 11, 15)
RUN_AT = et_to_utc(SLATE, dt.time(18, 0))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from propledger.sample.build import BuildRequest, build_sample
    from propledger.sample.presets import Preset

    directory = tmp_path_factory.mktemp("sweep_world") / "world"
    build_sample(directory, BuildRequest.resolve(seed=SEED, preset=Preset("small")), force=True)
    return directory


def _bootstrap(world: Path, data: Path) -> None:
    """History through the day before the slate and calibrators (setup, straight from replay)."""
    from propledger.history import refresh_history
    from propledger.jobs.snapshot import run_fit_calibrators
    from propledger.model.calibration_fit import ChronoSplit

    settings = Settings.from_env({"PROPLEDGER_DATA_DIR": str(data)})
    clock = FrozenClock(et_to_utc(SLATE, dt.time(6, 0)))
    ctx = Context.create(settings, clock, source=f"replay:{world / 'replay'}")
    try:
        through = SLATE - dt.timedelta(days=1)
        refresh_history(ctx, through, seasons=(2025,))
        split = ChronoSplit(validation_start=dt.date(2025, 11, 1))
        assert run_fit_calibrators(ctx, None, through, split).artifacts
    finally:
        ctx.close()


def test_daily_driver_with_every_step_leaks_nothing(
    tmp_path: Path,
    world: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    logs: LogCollector,
) -> None:
    data, outputs = tmp_path / "data", tmp_path / "outputs"
    _bootstrap(world, data)
    session = [("Set-Cookie", f"session={SESSION}; Path=/; HttpOnly")]
    with ReplayServer(world / "replay", FrozenClock(RUN_AT), {"playnow": session}) as server:
        env = {**server.base_url_env(), **_secrets_env()}
        env["PROPLEDGER_NHL_API_BASE_URL"] = env["PROPLEDGER_NHL_API_BASE_URL"].replace(
            "http://", f"http://svc:{USERINFO}@"
        )
        set_env(monkeypatch, {**env, "PROPLEDGER_OUTPUT_DIR": str(outputs)})
        record_sleeps(monkeypatch)  # MoneyPuck's 1 s pause between files, recorded not slept
        now = iso_z(RUN_AT)
        daily = ["daily", "--date", SLATE.isoformat(), "--now", now]
        runs = [
            run_cli(capsys, ["odds", "ingest", "-vv", "--now", now]),
            run_cli(capsys, [*daily, "--all", "-vv"]),
            run_cli(capsys, [*daily, "--all", "--dry-run"]),
            run_cli(capsys, ["runs"]),
            run_cli(capsys, ["report", "daily", "--date", SLATE.isoformat()]),
            run_cli(capsys, ["config"]),
        ]
        hits = {s: server.hits(s) for s in ("playnow", "unabated", "nhl_api", "moneypuck")}
    for run in runs:
        assert run.code == 0, (run.args, run.out, run.err)
    assert "odds ingest ok" in runs[0].out
    assert f"slate {SLATE}: SUCCESS" in runs[1].out, runs[1].out

    # every step talked to its source over the loopback, credentials where they belong
    assert hits["playnow"] and {h.headers.get("cookie") for h in hits["playnow"]} == {COOKIE}
    assert hits["unabated"] and all("x-api-key" not in h.headers for h in hits["unabated"])
    assert hits["nhl_api"] and hits["moneypuck"]
    assert {h.headers.get("authorization") for h in hits["nhl_api"]} == {f"Basic {BASIC}"}
    assert all("authorization" not in h.headers for h in hits["moneypuck"])

    texts = {f"{' '.join(r.args)} {k}": getattr(r, k) for r in runs for k in ("out", "err")}
    texts["logs"] = logs.text
    reports = sorted((outputs / "monitoring").glob("daily_report_*.md"))
    # positive controls: the scans see the run's content
    assert "nhl_api GET http://127.0.0.1" in logs.text and "/nhl_api/" in logs.text
    assert reports and "## Vendor health" in reports[0].read_text()
    run_id = next(ln.split()[1] for ln in runs[1].out.splitlines() if ln.startswith("run "))
    with Warehouse.open(data / "warehouse.duckdb") as wh:
        found = find_in_tables(wh, [run_id, "/playnow/events-by-ids"])
    assert {"fact_run_registry", "fact_probability_snapshot"} <= set(found[run_id])
    assert found["/playnow/events-by-ids"] == ["raw_payload"]
    _assert_clean(
        sweep(
            MARKERS, texts=texts, directories=[data, outputs], warehouse=data / "warehouse.duckdb"
        )
    )


def test_the_sweep_finds_a_marker_wherever_it_is(tmp_path: Path) -> None:
    """Negative control for the sweep itself: a marker in a text, a file name, file bytes, a
    text column and a JSON column of a warehouse table is found in each place."""
    from propledger.evidence.registry import RegistryEvent, record

    marker = "zz-MARKER-zz"
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / f"name-{marker}.txt").write_text("nothing")
    (tmp_path / "files" / "body.bin").write_bytes(b"\x00" + marker.encode() + b"\xff")
    path = tmp_path / "wh.duckdb"
    with Warehouse.open(path) as wh:
        when = dt.datetime(2026, 1, 14, 17, tzinfo=dt.UTC)
        record(wh, RegistryEvent("r1", "odds", "end", "FAILED", when, message=f"x {marker} y"))
        record(wh, RegistryEvent("r2", "odds", "end", "FAILED", when, details={"k": [marker]}))
    found = sweep(
        [marker, "absent-MARKER"],
        texts={"stderr": f"... {marker} ...", "stdout": "clean"},
        directories=[tmp_path / "files"],
        warehouse=path,
    )
    assert set(found) == {marker}
    assert found[marker][0] == "text:stderr"
    assert sorted(p.rsplit("/", 1)[-1] for p in found[marker] if p.startswith("file:")) == [
        "body.bin",
        f"name-{marker}.txt",
    ]
    assert [p for p in found[marker] if p.startswith("table:")] == ["table:fact_run_registry"]
    with Warehouse.open(path) as wh:
        rows = wh.rows(
            "SELECT run_id FROM fact_run_registry WHERE strpos(CAST(fact_run_registry AS VARCHAR), ?) > 0 ORDER BY 1",
            [marker],
        )
    assert rows == [("r1",), ("r2",)]  # the text column and the JSON column
