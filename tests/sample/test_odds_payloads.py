"""Sample-world vendor odds payloads (sample/odds_*.py): real formats, quirks, prices, replay
URLs, determinism, the --odds-days option, and mapping quality after a history import."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from propledger.cli import main
from propledger.clock import ET, FrozenClock
from propledger.context import Context
from propledger.evidence.warehouse import Warehouse
from propledger.history.refresh import refresh_history
from propledger.odds.ingest import IngestStatus, ingest_odds
from propledger.odds.mapping_stats import mapping_quality
from propledger.odds.parse import parse_payload
from propledger.odds.quote import ParseResult
from propledger.replay import ReplayWriter
from propledger.sample import odds_kambi, odds_oddsshark, odds_playnow, odds_unabated
from propledger.sample.odds_board import (
    CAPTURE_TIMES_ET,
    UNKNOWN_PLAYERS,
    board,
    odds_payload_writers,
    odds_slates,
    p_over,
)
from propledger.sample.odds_pricing import ALPHA
from propledger.sample.world import World, build_world
from propledger.sample.writer import write_world
from propledger.settings import Settings

WRITERS = (odds_kambi, odds_oddsshark, odds_playnow, odds_unabated)


def _replay(world: World, directory: Path, days: int) -> Path:
    writer = ReplayWriter(directory)
    for module in WRITERS:
        module.write_payloads(world, writer, days=days)
    writer.write_manifest()
    return directory


def _digest(directory: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        h.update(path.relative_to(directory).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def small_world() -> World:
    """The small preset's shape (6 teams × 24 games, 2025-26), built here so that this file
    does not depend on another test package's seed."""
    return build_world(11, (2025,), teams=6, games_per_team=24)


@pytest.fixture(scope="module")
def day(small_world: World) -> dt.date:
    return odds_slates(small_world, 2)[-1]


@pytest.fixture(scope="module")
def parsed(small_world: World, day: dt.date) -> dict[str, list[ParseResult]]:
    """Every vendor payload of one slate, parsed at its capture time."""
    b = board(small_world, day)
    out: dict[str, list[ParseResult]] = {
        "playnow": [],
        "unabated": [],
        "oddsshark": [],
        "kambi": [],
    }
    un = odds_unabated._Slate(small_world, b)
    os_ = odds_oddsshark._Slate(small_world, b)
    rng = np.random.default_rng(0)
    for c, at in enumerate(b.captures):
        flags = rng.random(len(b))
        out["unabated"].append(
            parse_payload("cdn_v2", odds_unabated.payload(small_world, b, c, un), at)
        )
        out["oddsshark"].append(parse_payload("props_html", odds_oddsshark.page(b, c, os_), at))
        body = odds_playnow.events_by_ids(b, c, np.ones(len(b)), flags)
        out["playnow"].append(parse_payload("openbet_events_by_ids", body, at))
        for k in range(len(b.games)):
            kambi = odds_kambi.betoffers(b, k, c, np.ones(len(b)), flags)
            out["kambi"].append(parse_payload("kambi_betoffer_event", kambi, at))
    return out


def test_slates_and_capture_times(small_world: World) -> None:
    slates = odds_slates(small_world)
    schedule = sorted(set(small_world.seasons[-1].schedule.date.astype("datetime64[D]").tolist()))
    assert slates == tuple(schedule[-30:])
    b = board(small_world, slates[-1])
    assert [c.astimezone(ET).time() for c in b.captures] == list(CAPTURE_TIMES_ET)
    assert all(c.astimezone(ET).date() == slates[-1] for c in b.captures)


def test_same_seed_same_bytes_other_seed_other_bytes(small_world: World, tmp_path: Path) -> None:
    a = _digest(_replay(small_world, tmp_path / "a", 2))
    b = _digest(_replay(build_world(11, (2025,), teams=6, games_per_team=24), tmp_path / "b", 2))
    c = _digest(_replay(build_world(12, (2025,), teams=6, games_per_team=24), tmp_path / "c", 2))
    assert a == b != c


def test_every_payload_parses(parsed: dict[str, list[ParseResult]]) -> None:
    for vendor, results in parsed.items():
        assert results, vendor
        assert all(
            r.status == "ok" and not any("drift" in w for w in r.warnings) for r in results
        ), vendor


def test_unabated_quirks(parsed: dict[str, list[ParseResult]]) -> None:
    results = parsed["unabated"]
    skipped: Counter[str] = Counter()
    for r in results:
        skipped.update(r.skipped)
    for reason in (
        "blurred",
        "line_off_board",
        "bet_sub_type",
        "unknown_bet_type",
        "null_alternate",
        "unknown_market_source",
    ):
        assert skipped[reason] > 0, reason
    assert any("unknown betTypeId 131" in w for r in results for w in r.warnings)
    quotes = [q for r in results for q in r.quotes]
    books = {q.book_name_raw for q in quotes}
    assert {"DraftKings", "FanDuel", "Pinnacle", "Novig", "PrizePicks", "Underdog Fantasy"} <= books
    assert len(books) >= 8
    assert {q.book_name_raw for q in quotes if q.book_type == "DFS_FIXED_PAYOUT"} == {
        "PrizePicks",
        "Underdog Fantasy",
    }
    assert {q.odds_american for q in quotes if q.book_type == "DFS_FIXED_PAYOUT"} == {-119, -122}
    assert any(q.is_alternate for q in quotes)
    goals = Counter(q.side for q in quotes if q.market_type == "GOALS")
    assert goals["OVER"] > 3 * goals["UNDER"] > 0  # anytime goals: mostly one-sided
    assert all(q.player_id_vendor and q.home_team and q.away_team for q in quotes)
    assert any(q.player_team is None for q in quotes) and any(q.player_team for q in quotes)


def test_playnow_and_kambi_quirks(parsed: dict[str, list[ParseResult]], small_world: World) -> None:
    playnow = parsed["playnow"]
    skipped: Counter[str] = Counter()
    for r in playnow:
        skipped.update(r.skipped)
    assert skipped["unsupported_market"] > 0 and skipped["market_suspended"] > 0  # PPP, suspended
    quotes = [q for r in playnow for q in r.quotes]
    assert any(q.is_ladder for q in quotes) and any(q.market_type == "GOALS" for q in quotes)
    assert {q.book_name_raw for q in quotes} == {"PlayNow"}
    assert not any(q.player_name_raw.endswith((" Jr.", " II")) for q in quotes)
    kambi = [q for r in parsed["kambi"] for q in r.quotes]
    assert kambi and all(", " in q.player_name_raw for q in kambi)  # "Last, First"
    assert sum(r.skipped.get("not_full_game", 0) for r in parsed["kambi"]) > 0


def test_oddsshark_quirks(
    parsed: dict[str, list[ParseResult]], small_world: World, day: dt.date
) -> None:
    results = parsed["oddsshark"]
    skipped: Counter[str] = Counter()
    for r in results:
        skipped.update(r.skipped)
    assert (
        skipped["unsupported_tab"] > 0 and skipped["empty_odds"] > 0 and skipped["empty_cell"] > 0
    )
    quotes = [q for r in results for q in r.quotes]
    raw = {q.odds_quoted_raw for q in quotes}
    assert {"EV", "Even"} <= raw and any(q.odds_quoted_raw.startswith("+") for q in quotes)
    # header alt texts "Betway Logo" / "pinnacle logo": the suffix stripped, the case kept
    assert {q.book_name_raw for q in quotes} == {
        "BET99",
        "Sports Interaction",
        "Betway",
        "pinnacle",
    }
    assert all(q.player_name_raw.isascii() for q in quotes)
    assert all(q.event_id_vendor.startswith(f"ODDSSHARK_{day:%Y%m%d}_") for q in quotes)
    page = odds_oddsshark.page(
        board(small_world, day), 0, odds_oddsshark._Slate(small_world, board(small_world, day))
    )
    assert b"&#43;" in page


def _pairs(quotes: list, key: tuple[str, ...]) -> dict[tuple, dict[str, float]]:  # type: ignore[type-arg]
    out: dict[tuple, dict[str, float]] = {}  # type: ignore[type-arg]
    for q in quotes:
        if q.is_ladder or q.is_alternate:
            continue
        k = tuple(getattr(q, name) for name in key)
        out.setdefault(k, {})[str(q.side)] = q.odds_decimal
    return out


@pytest.mark.parametrize("vendor", ["unabated", "playnow", "oddsshark"])
def test_two_way_margins_are_realistic(parsed: dict[str, list[ParseResult]], vendor: str) -> None:
    quotes = [q for r in parsed[vendor] for q in r.quotes if q.book_type == "SPORTSBOOK"]
    key = (
        "event_id_vendor",
        "player_name_raw",
        "market_type",
        "line",
        "book_name_raw",
        "capture_ts_utc",
    )
    overround = [
        1 / p["OVER"] + 1 / p["UNDER"] - 1
        for p in _pairs(quotes, key).values()
        if len(p) == 2 and max(p.values()) < 8  # clipped long shots aside
    ]
    assert len(overround) > 20
    median = float(np.median(overround))
    assert 0.035 <= median <= 0.085, median
    assert min(overround) > 0.0


def test_prices_follow_the_truth(small_world: World, day: dt.date) -> None:
    b = board(small_world, day)
    sog = b.market == "SOG"
    p = p_over(b.market[sog], b.mu[sog], b.line[sog])
    assert np.all(np.abs(p - 0.5) < 0.3)  # SOG main lines sit near the median
    assert np.all(b.line[b.market == "POINTS"] == 0.5)


@settings(max_examples=60, deadline=None)
@given(
    mu=st.floats(0.01, 8.0),
    k=st.integers(0, 9),
    market=st.sampled_from(["GOALS", "ASSISTS", "POINTS", "SOG", "BLOCKS"]),
)
def test_p_over_is_the_poisson_or_nb2_tail(mu: float, k: int, market: str) -> None:
    expected = (
        stats.nbinom.sf(k, 1 / ALPHA[market], 1 / (1 + ALPHA[market] * mu))
        if market in ALPHA
        else stats.poisson.sf(k, mu)
    )
    got = p_over(np.array([market], dtype=object), np.array([mu]), np.array([k + 0.5]))[0]
    assert got == pytest.approx(min(max(expected, 1e-4), 1 - 1e-4), abs=1e-12)


def test_unknown_players_are_not_in_the_world(small_world: World) -> None:
    names = {p.full_name for p in small_world.universe.players}
    assert not names & set(UNKNOWN_PLAYERS)


# ---- through the replay: URLs, ingest, mapping quality ----------------------------------------


@pytest.fixture(scope="module")
def imported(
    small_world: World, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Warehouse, dt.date]:
    """A written small world with two odds slates, its history imported up to the day before."""
    out = tmp_path_factory.mktemp("odds") / "sample"
    write_world(small_world, out, payload_writers=odds_payload_writers(2))
    day = odds_slates(small_world, 2)[-1]
    settings = Settings.from_env({"PROPLEDGER_DATA_DIR": str(out.parent / "data")})
    wh = Warehouse.open(":memory:")
    clock = FrozenClock(board(small_world, day).captures[0] - dt.timedelta(hours=3))
    ctx = Context.create(settings, clock, source=f"replay:{out / 'replay'}")
    ctx._warehouse = wh
    refresh_history(ctx, day - dt.timedelta(days=1), seasons=small_world.season_years)
    return out, wh, day


@pytest.mark.slow
def test_ingest_every_capture_and_mapping_quality(
    small_world: World, imported: tuple[Path, Warehouse, dt.date]
) -> None:
    out, wh, day = imported
    settings = Settings.from_env({"PROPLEDGER_DATA_DIR": str(out.parent / "data")})
    b = board(small_world, day)
    statuses = []
    for at in b.captures:
        ctx = Context.create(settings, FrozenClock(at), source=f"replay:{out / 'replay'}")
        ctx._warehouse = wh
        result = ingest_odds(ctx)
        statuses.append([v.status for v in result.vendors])
    assert all(s is IngestStatus.OK for row in statuses for s in row)
    stats = {s.vendor: s for s in mapping_quality(wh, day, day + dt.timedelta(days=1))}
    assert set(stats) == {"PLAYNOW", "UNABATED", "ODDSSHARK"}
    rows = sum(s.rows for s in stats.values())
    events = sum(s.rows_event_mapped for s in stats.values()) / rows
    players = sum(s.rows_player_mapped for s in stats.values()) / rows
    assert events >= 0.98 and players >= 0.97, (events, players)
    assert all(s.explained for s in stats.values())
    reasons = Counter(r for s in stats.values() for r, n in s.by_reason.items() for _ in range(n))
    assert reasons["no_player"] > 0  # the unknown player, explained
    unknown = {u.name for s in stats.values() for u in s.top_unmapped if u.reason == "no_player"}
    assert unknown & set(UNKNOWN_PLAYERS)
    assert stats["ODDSSHARK"].by_method.get("fuzzy", 0) > 0  # nicknames and the misspelling
    assert stats["UNABATED"].by_method.get("vendor_id", 0) > 0  # ids learned from exact matches
    # the late capture holds quotes taken after puck drop (PlayNow flags them live)
    late = b.captures[-1]
    assert (
        wh.scalar(
            "SELECT count(*) FROM fact_prop_odds WHERE capture_ts_utc = ? AND event_start_time_utc <= ?",
            [late, late],
        )
        > 0
        or not b.started(len(b.captures) - 1).any()
    )


def test_kambi_platform_serves_through_the_replay(
    small_world: World, imported: tuple[Path, Warehouse, dt.date]
) -> None:
    out, wh, day = imported
    settings = Settings.from_env(
        {"PROPLEDGER_DATA_DIR": str(out.parent / "data"), "PROPLEDGER_PLAYNOW_PLATFORM": "kambi"}
    )
    at = board(small_world, day).captures[1]  # 14:00: served the 10:00 Kambi capture
    ctx = Context.create(settings, FrozenClock(at), source=f"replay:{out / 'replay'}")
    ctx._warehouse = wh
    playnow = ingest_odds(ctx, ["playnow"]).vendor("playnow")
    assert playnow.status is IngestStatus.OK and playnow.platform == "kambi"
    assert playnow.rows_inserted > 0


def test_odds_days_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "w"
    args = ["sample", "build", "--out", str(out), "--preset", "small", "--seed", "4"]
    assert main([*args, "--odds-days", "1"]) == 0
    info = json.loads((out / "world.json").read_text())["counts"]["captures_by_source"]
    assert info["odds_unabated"] == 4 and info["odds_oddsshark"] == 2
    assert 4 <= info["odds_playnow"] <= 8 and info["odds_kambi"] >= 2
    manifest = (out / "replay" / "manifest.jsonl").read_text()
    assert manifest.count("propodds.json") == 4
    capsys.readouterr()
    assert main([*args, "--force", "--odds-days", "-1"]) == 2
    assert "--odds-days -1" in capsys.readouterr().err
    assert main([*args, "--force", "--odds-days", "0"]) == 0
    assert "propodds" not in (out / "replay" / "manifest.jsonl").read_text()
