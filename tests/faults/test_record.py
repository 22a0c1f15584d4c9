"""``--record DIR``: a live run through the loopback vendors saves every response as a replay
directory (secrets stripped), and ``--source replay:DIR`` later reproduces the same rows offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from faults.harness import NOW, install_warehouse, quote_rows, seeded_template, set_env
from faults.server import FaultServer, fast_http_env
from faults.vendors import VENDORS, serve_vendors
from propledger.cli import main
from propledger.evidence.warehouse import Warehouse

COOKIE = "pn-cookie-RECORDED-77aa"
API_KEY = "ub-key-RECORDED-31fe"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path: Path = seeded_template(tmp_path_factory.mktemp("record"))
    return path


def _ingest(
    data_dir: Path, template: Path, monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[int, dict[str, list[tuple[object, ...]]]]:
    warehouse = install_warehouse(template, data_dir)
    monkeypatch.setenv("PROPLEDGER_DATA_DIR", str(data_dir))
    code = main(["odds", "ingest", "--now", NOW, *args])
    with Warehouse.open(warehouse) as wh:
        return code, quote_rows(wh)


def test_a_recorded_live_run_replays_to_the_same_rows_without_its_secrets(
    tmp_path: Path, template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = tmp_path / "recorded"
    with FaultServer() as server:
        env = {**fast_http_env(), **serve_vendors(server)}
        set_env(monkeypatch, {**env, "PLAYNOW_COOKIE": COOKIE, "UNABATED_API_KEY": API_KEY})
        code, live = _ingest(tmp_path / "live", template, monkeypatch, "--record", str(record))
        assert code == 0 and all(live[v] for v in VENDORS)
        sent = {h.headers.get("cookie") for h in server.hits() if h.headers.get("cookie")}
        assert sent == {COOKIE}  # the secret really went out, so its absence below means something
    # the server is gone: only the recording can answer now
    manifest = (record / "manifest.jsonl").read_text(encoding="utf-8")
    assert len(manifest.splitlines()) == len(server.hits())
    for path in record.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert COOKIE.encode() not in data and API_KEY.encode() not in data, path
    code, replayed = _ingest(
        tmp_path / "replayed", template, monkeypatch, "--source", f"replay:{record}"
    )
    assert code == 0
    assert replayed == live


def test_record_with_a_replay_source_is_a_one_line_error_that_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    replay = tmp_path / "replay"
    replay.mkdir()
    (replay / "manifest.jsonl").write_text("", encoding="utf-8")
    record = tmp_path / "rec"
    for argv in (
        ["odds", "ingest", "--source", f"replay:{replay}", "--record", str(record)],
        ["daily", "--all", "--source", f"replay:{replay}", "--record", str(record)],
        ["daily", "--all", "--dry-run", "--source", f"replay:{replay}", "--record", str(record)],
    ):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "--record" in err[0] and "--source live" in err[0], err
    assert not record.exists()
    assert not (tmp_path / "data" / "warehouse.duckdb").exists()
