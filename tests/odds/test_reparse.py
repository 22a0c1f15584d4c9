"""Re-running parsers over the raw archive (odds/reparse.py, ``propledger odds reparse``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odds.odds_world import CAPTURE, SLATE, make_context, seed_world, write_fixture_replay
from propledger.archive import RawArchive
from propledger.cli import main
from propledger.clock import UTC, FrozenClock
from propledger.errors import ConfigError
from propledger.evidence.warehouse import Warehouse
from propledger.jobs.odds import reparse_table, run_odds_ingestion, run_reparse
from propledger.odds.quote import ParseResult
from propledger.odds.reparse import archived_payloads, reparse_archive, reparse_payload
from propledger.settings import Settings

DAY = dt.timedelta(days=1)


@pytest.fixture
def world(wh: Warehouse) -> Warehouse:
    seed_world(wh)
    return wh


def _context(tmp_path: Path, wh: Warehouse, when: dt.datetime):  # type: ignore[no-untyped-def]
    directory = tmp_path / "replay"
    if not directory.exists():
        write_fixture_replay(directory)
    settings = Settings.from_env({"PROPLEDGER_DATA_DIR": str(tmp_path / "data")})
    return make_context(directory, settings, FrozenClock(when), wh)


def _without_goals(real):  # type: ignore[no-untyped-def]
    """A 'buggy' parser table: every parser drops its GOALS quotes."""

    def table():  # type: ignore[no-untyped-def]
        out = {}
        for surface, parse in real().items():

            def wrapped(content, captured_at, _parse=parse):  # type: ignore[no-untyped-def]
                result: ParseResult = _parse(content, captured_at)
                kept = tuple(q for q in result.quotes if q.market_type != "GOALS")
                return ParseResult(result.vendor, result.platform, result.captured_at, kept)

            out[surface] = wrapped
        return out

    return table


def test_reparse_after_a_parser_fix_adds_only_the_missing_rows_at_archived_times(
    tmp_path: Path, world: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    import propledger.odds.parse as parse_module

    real = parse_module._parsers
    monkeypatch.setattr(parse_module, "_parsers", _without_goals(real))
    first = run_odds_ingestion(_context(tmp_path, world, CAPTURE))
    monkeypatch.setattr(parse_module, "_parsers", real)
    goals = world.scalar("SELECT count(*) FROM fact_prop_odds WHERE market_type = 'GOALS'")
    assert goals == 0 and first.rows_inserted > 0
    later = CAPTURE + dt.timedelta(days=3)
    ctx = _context(tmp_path, world, later)
    result = run_reparse(ctx, SLATE, SLATE + DAY)
    assert result.payloads == 3 and result.payloads_failed == 0  # event lists are not reparsed
    added = world.scalar("SELECT count(*) FROM fact_prop_odds WHERE market_type = 'GOALS'")
    assert added > 0
    assert result.rows_new == added
    assert result.rows_duplicate == first.rows_inserted
    # new rows carry the archived capture time, never the reparse time; lineage is the reparse run
    assert world.rows(
        "SELECT DISTINCT capture_ts_utc, run_id, loaded_at FROM fact_prop_odds WHERE market_type = 'GOALS'"
    ) == [(CAPTURE, ctx.run_id, later)]
    by_vendor = {v.vendor: (v.rows_new, v.rows_duplicate) for v in result.vendors}
    assert set(by_vendor) == {"PLAYNOW", "UNABATED", "ODDSSHARK"}
    assert sum(n for n, _ in by_vendor.values()) == added
    # a second reparse is a no-op
    again = run_reparse(_context(tmp_path, world, later), SLATE, SLATE + DAY)
    assert again.rows_new == 0 and again.rows_duplicate == result.rows_new + result.rows_duplicate


def test_reparse_recovers_a_payload_whose_parse_failed_at_ingest(
    tmp_path: Path, world: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    import propledger.odds.parse as parse_module

    real = parse_module._parsers

    def broken():  # type: ignore[no-untyped-def]
        table = dict(real())
        table[next(k for k in table if k.value == "cdn_v2")] = lambda *_: 1 / 0
        return table

    monkeypatch.setattr(parse_module, "_parsers", broken)
    ingest = run_odds_ingestion(_context(tmp_path, world, CAPTURE))
    assert ingest.vendor("unabated").rows_inserted == 0
    monkeypatch.setattr(parse_module, "_parsers", real)
    result = run_reparse(
        _context(tmp_path, world, CAPTURE + DAY), SLATE, SLATE + DAY, vendors=["unabated"]
    )
    assert [(v.vendor, v.payloads, v.rows_new) for v in result.vendors] == [("UNABATED", 1, 10)]


def test_range_is_half_open_and_vendors_filter(tmp_path: Path, world: Warehouse) -> None:
    run_odds_ingestion(_context(tmp_path, world, CAPTURE))
    assert archived_payloads(world, SLATE + DAY, SLATE + 2 * DAY) == []
    assert archived_payloads(world, SLATE - DAY, SLATE) == []
    assert len(archived_payloads(world, SLATE, SLATE + DAY)) == 3
    only = archived_payloads(world, SLATE, SLATE + DAY, vendors=["oddsshark"])
    assert [(p.vendor, p.surface, p.capture_ts_utc) for p in only] == [
        ("ODDSSHARK", "props_html", CAPTURE)
    ]
    with pytest.raises(ConfigError, match="half-open"):
        archived_payloads(world, SLATE, SLATE)


def test_a_missing_archive_file_is_counted_not_fatal(tmp_path: Path, world: Warehouse) -> None:
    run_odds_ingestion(_context(tmp_path, world, CAPTURE))
    (item,) = archived_payloads(world, SLATE, SLATE + DAY, vendors=["unabated"])
    (tmp_path / "data" / "raw" / item.path).unlink()
    result = reparse_archive(
        world, tmp_path / "data" / "raw", SLATE, SLATE + DAY, run_id="r", loaded_at=CAPTURE
    )
    unabated = next(v for v in result.vendors if v.vendor == "UNABATED")
    assert unabated.payloads_failed == 1 and "cannot be read" in unabated.errors[0]
    assert result.payloads == 3 and result.payloads_failed == 1


def test_reparse_payload_is_reusable_per_payload(tmp_path: Path, world: Warehouse) -> None:
    run_odds_ingestion(_context(tmp_path, world, CAPTURE))
    (item,) = archived_payloads(world, SLATE, SLATE + DAY, vendors=["oddsshark"])
    archive = RawArchive(tmp_path / "data" / "raw", world)
    load = reparse_payload(world, archive, item, run_id="backfill", loaded_at=CAPTURE)
    assert (load.rows_parsed, load.rows_inserted, load.rows_duplicate) == (17, 0, 17)
    assert load.captured_at == CAPTURE and load.payload_hash == item.payload_hash


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    days=st.lists(st.integers(0, 9), min_size=1, max_size=8),
    lo=st.integers(0, 10),
    span=st.integers(1, 5),
)
def test_selection_matches_the_half_open_range(
    wh: Warehouse, days: list[int], lo: int, span: int
) -> None:
    wh.execute("DELETE FROM raw_payload")  # a scratch table per example (test-only)
    base = dt.date(2026, 1, 1)
    rows = [
        {
            "payload_hash": f"h{i}",
            "vendor": "UNABATED",
            "surface": "cdn_v2",
            "url": "u",
            # late evening ET is already the next UTC day: selection uses the ET date
            "capture_ts_utc": dt.datetime.combine(base + dt.timedelta(days=d), dt.time(3, 30), UTC),
            "slate_date": None,
            "path": f"p{i}",
            "bytes": 1,
        }
        for i, d in enumerate(days)
    ]
    wh.append("raw_payload", rows, run_id="t")
    start, end = base + dt.timedelta(days=lo), base + dt.timedelta(days=lo + span)
    got = sorted(p.payload_hash for p in archived_payloads(wh, start, end))
    want = sorted(f"h{i}" for i, d in enumerate(days) if lo <= d - 1 < lo + span)
    assert got == want


# ---- the command ------------------------------------------------------------------------------


def test_cli_reparse(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    with Warehouse.open(warehouse) as wh:
        seed_world(wh)
        settings = Settings.from_env({"PROPLEDGER_DATA_DIR": str(tmp_path / "data")})
        write_fixture_replay(tmp_path / "replay")
        run_odds_ingestion(make_context(tmp_path / "replay", settings, FrozenClock(CAPTURE), wh))
    code = main(
        [
            "odds",
            "reparse",
            "--from",
            "2026-01-14",
            "--to",
            "2026-01-15",
            "--vendors",
            "unabated,oddsshark",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert [line.split()[:6] for line in out.splitlines()[1:3]] == [
        ["ODDSSHARK", "1", "0", "17", "0", "17"],
        ["UNABATED", "1", "0", "10", "0", "10"],
    ]
    assert "2 payloads, 0 rows new, 27 duplicate" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-13-01", "--to", "2026-01-15"], "--from '2026-13-01' is not a date"),
        (["--from", "2026-01-15", "--to", "2026-01-15"], "--to must be after --from"),
    ],
)
def test_cli_reparse_bad_dates(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["odds", "reparse", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_reparse_table_text() -> None:
    from propledger.odds.reparse import ReparseResult, VendorReparse

    text = reparse_table(
        ReparseResult(SLATE, SLATE + DAY, (VendorReparse("UNABATED", 2, 0, 20, 5),), 0.5)
    )
    assert text.splitlines()[1].split() == ["UNABATED", "2", "0", "20", "5", "15"]
