"""Quote records, the collector's de-duplication, the Arrow schema and fact_prop_odds (m002)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest

from propledger.clock import UTC
from propledger.errors import ConfigError
from propledger.evidence.warehouse import Warehouse
from propledger.odds.collect import QuoteCollector, as_id, load_json, number_text
from propledger.odds.formats import price_from_american, price_from_decimal
from propledger.odds.parse import CLI_VENDORS, parse_payload
from propledger.odds.quote import (
    QUOTE_SCHEMA,
    BookType,
    Market,
    ParseResult,
    ParseStatus,
    Platform,
    Quote,
    Side,
    Surface,
    Vendor,
    build_quote,
    quotes_to_arrow,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CAPTURED = dt.datetime(2026, 1, 14, 17, 0, tzinfo=UTC)
ALL_FIXTURES = [
    (Surface.OPENBET_EVENTS, "playnow_openbet_events.json", 12),
    (Surface.KAMBI_BETOFFERS, "kambi_betoffers.json", 6),
    (Surface.UNABATED_CDN_V2, "unabated_propodds.json", 10),
    (Surface.ODDSSHARK_PROPS, "oddsshark_player_props.html", 17),
    (Surface.OPENBET_EVENTS, "odds/playnow_openbet_edge.json", 9),
    (Surface.KAMBI_BETOFFERS, "odds/kambi_betoffers_edge.json", 8),
    (Surface.UNABATED_CDN_V2, "odds/unabated_propodds_edge.json", 11),
    (Surface.ODDSSHARK_PROPS, "odds/oddsshark_player_props_edge.html", 10),
]


def _quote(**changes: object) -> Quote:
    base = build_quote(
        price_from_american(-110),
        vendor=Vendor.UNABATED,
        platform=Platform.CDN_V2,
        capture_ts_utc=CAPTURED,
        event_id_vendor="1",
        player_name_raw="A Player",
        market_type=Market.SOG,
        line=2.5,
        side=Side.OVER,
        book_name_raw="DraftKings",
        book_type=BookType.SPORTSBOOK,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_build_quote_takes_all_four_odds_columns_from_the_price() -> None:
    q = build_quote(
        price_from_decimal("1.87"),
        **{
            k: v
            for k, v in dataclasses.asdict(_quote()).items()
            if k not in ("odds_quoted_raw", "odds_quoted_format", "odds_decimal", "odds_american")
        },
    )
    assert (q.odds_quoted_raw, str(q.odds_quoted_format), q.odds_decimal, q.odds_american) == (
        "1.87",
        "decimal",
        1.87,
        -115,
    )


def test_player_key_prefers_the_vendor_id() -> None:
    assert _quote().player_key == "name:A Player"
    assert _quote(player_id_vendor="61001").player_key == "id:61001"


def test_collector_main_line_beats_alternate_whatever_the_order() -> None:
    for first_alt in (True, False):
        out = QuoteCollector(Vendor.UNABATED, Platform.CDN_V2, CAPTURED)
        alt = _quote(is_alternate=True, odds_american=-125)
        main = _quote(is_alternate=False, odds_american=-120)
        for q in (alt, main) if first_alt else (main, alt):
            out.add(q)
        result = out.finish()
        assert [q.odds_american for q in result.quotes] == [-120]
        assert result.skipped == {"duplicate_key": 1}


def test_collector_keeps_ladder_and_line_at_the_same_threshold() -> None:
    out = QuoteCollector(Vendor.PLAYNOW, Platform.KAMBI, CAPTURED)
    out.add(_quote())
    out.add(_quote(is_ladder=True, odds_american=175))
    assert len(out.finish().quotes) == 2


def test_collector_statuses_and_naive_capture_rejected() -> None:
    assert (
        QuoteCollector(Vendor.ODDSSHARK, Platform.PROPS_HTML, CAPTURED).finish().status
        is ParseStatus.EMPTY
    )
    assert (
        QuoteCollector(Vendor.ODDSSHARK, Platform.PROPS_HTML, CAPTURED)
        .finish(structure_found=False)
        .status
        is ParseStatus.NO_MATCH
    )
    with pytest.raises(ValueError, match="naive"):
        QuoteCollector(Vendor.ODDSSHARK, Platform.PROPS_HTML, dt.datetime(2026, 1, 14, 17))


def test_json_helpers_keep_number_text_and_ids_as_strings() -> None:
    data = load_json(b'{"a": 1.870, "b": 12004411, "c": 4.0}', vendor=Vendor.PLAYNOW)
    assert number_text(data["a"]) == "1.870" and number_text(data["c"]) == "4.0"
    assert as_id(data["b"]) == "12004411" and as_id("12004411") == "12004411"
    assert as_id(None) is None and as_id(True) is None and as_id(" ") is None


def test_arrow_schema_matches_fact_prop_odds(wh: Warehouse) -> None:
    table_columns = dict(wh.columns("fact_prop_odds"))
    assert set(QUOTE_SCHEMA.names) <= set(table_columns)
    mapping = {
        "game_id",
        "player_id",
        "map_status",
        "map_method",
        "map_score",
        "map_reason",
    }
    assert "raw_payload_hash" in QUOTE_SCHEMA.names  # filled via to_arrow(raw_payload_hash=…)
    lineage = {"run_id", "loaded_at"}
    assert set(table_columns) == set(QUOTE_SCHEMA.names) | mapping | lineage
    assert table_columns["line"] == "DECIMAL(6,1)"
    assert quotes_to_arrow([]).schema == QUOTE_SCHEMA


def test_every_fixture_appends_once_and_re_append_adds_nothing(wh: Warehouse) -> None:
    total = 0
    for surface, name, expected in ALL_FIXTURES:
        result = parse_payload(surface, (FIXTURES / name).read_bytes(), CAPTURED)
        assert len(result.quotes) == expected, name
        table = result.to_arrow()
        assert isinstance(table, pa.Table) and table.schema == QUOTE_SCHEMA
        with wh.transaction():
            assert (
                wh.append("fact_prop_odds", table, run_id="run-1", loaded_at=CAPTURED) == expected
            )
        total += expected
        assert wh.append("fact_prop_odds", table, run_id="run-2", loaded_at=CAPTURED) == 0
    assert wh.count("fact_prop_odds") == total
    assert wh.scalar("SELECT count(DISTINCT run_id) FROM fact_prop_odds") == 1
    # a later capture of the same quotes is new rows (a time series); the latest view sees one each
    later = parse_payload(
        Surface.UNABATED_CDN_V2,
        (FIXTURES / "unabated_propodds.json").read_bytes(),
        CAPTURED + dt.timedelta(minutes=30),
    )
    assert wh.append("fact_prop_odds", later.to_arrow(), run_id="run-3") == 10
    assert wh.scalar("SELECT count(*) FROM v_prop_odds_latest") == total
    assert (
        wh.scalar(
            "SELECT count(*) FROM v_prop_odds_latest WHERE vendor = 'UNABATED' AND capture_ts_utc > ?",
            [CAPTURED],
        )
        == 10
    )


def test_raw_payload_hash_fills_every_row() -> None:
    result = parse_payload(
        Surface.UNABATED_CDN_V2, (FIXTURES / "unabated_propodds.json").read_bytes(), CAPTURED
    )
    assert set(result.to_arrow().column("raw_payload_hash").to_pylist()) == {None}
    filled = result.to_arrow(raw_payload_hash="ab" * 32).column("raw_payload_hash").to_pylist()
    assert filled == ["ab" * 32] * 10


def test_stored_values_round_trip(wh: Warehouse) -> None:
    result = parse_payload(
        Surface.OPENBET_EVENTS, (FIXTURES / "odds/playnow_openbet_edge.json").read_bytes(), CAPTURED
    )
    wh.append("fact_prop_odds", result.to_arrow(), run_id="r")
    row = wh.rows(
        "SELECT player_name_raw, line::VARCHAR, odds_quoted_raw, odds_american, player_key, is_ladder "
        "FROM fact_prop_odds WHERE market_type = 'SOG' AND line = 0.5"
    )
    assert row == [("Nils Åberg", "0.5", "1.2", -500, "name:Nils Åberg", True)]


def test_parse_payload_dispatch_and_errors() -> None:
    assert set(CLI_VENDORS) == {"playnow", "kambi", "unabated", "oddsshark"}
    with pytest.raises(ConfigError, match="unknown payload surface"):
        parse_payload("nope", b"{}", CAPTURED)
    with pytest.raises(ConfigError, match="holds no quotes"):
        parse_payload(Surface.OPENBET_EVENT_LIST, b"{}", CAPTURED)
    result = parse_payload("cdn_v2", (FIXTURES / "unabated_propodds.json").read_bytes(), CAPTURED)
    assert isinstance(result, ParseResult) and result.vendor is Vendor.UNABATED
    assert result.summary() == "10 quotes (ok); skipped 3: blurred=2, null_alternate=1"


def test_docs_name_every_fact_prop_odds_column(wh: Warehouse) -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "odds.md").read_text(encoding="utf-8")
    missing = [name for name, _ in wh.columns("fact_prop_odds") if f"`{name}`" not in docs]
    assert not missing, f"docs/odds.md does not document {missing}"
    assert "propledger odds parse" in docs


def test_arrow_accepts_plain_strings_for_enum_fields() -> None:
    # other modules (mapping tests, the sample world) may build Quotes with plain strings
    quote = _quote(market_type="SOG", side="UNDER", vendor="UNABATED")
    row = quotes_to_arrow([quote]).to_pylist()[0]
    assert (row["market_type"], row["side"], row["vendor"], row["book_type"]) == (
        "SOG",
        "UNDER",
        "UNABATED",
        "SPORTSBOOK",
    )
