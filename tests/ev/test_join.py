"""The canonical odds↔probability join and pricing through it (hand-computed values)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from evworld import (
    AS_OF,
    CAPTURE,
    MATTHEWS,
    SLATE,
    SNAP_TS,
    START,
    add_games,
    add_odds,
    add_snapshot,
    game_row,
    odds_row,
    snapshot_row,
)
from propledger.errors import PipelineError
from propledger.ev.join import JOINED_COLUMNS, JoinReason, canonical_join, latest_snapshot_ts
from propledger.ev.pricing import PRICED_COLUMNS, price
from propledger.evidence.warehouse import Warehouse
from propledger.settings import EvSettings

MIN = dt.timedelta(minutes=1)
US = dt.timedelta(microseconds=1)


def _priced(wh: Warehouse, as_of: dt.datetime = AS_OF, **kw: Any) -> list[dict[str, Any]]:
    ev = kw.pop("ev_settings", None)
    join = canonical_join(wh, SLATE, as_of, ev, **kw)
    return price(join.rows, ev).to_pylist()


def _by(rows: list[dict[str, Any]], **match: Any) -> dict[str, Any]:
    found = [r for r in rows if all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, f"{len(found)} rows match {match}"
    return found[0]


# ---- EV, fair prices and Kelly through the join -------------------------------------------------
def test_half_line_ev_fair_price_kelly_and_devig_by_hand(wh: Warehouse) -> None:
    add_games(wh)
    add_snapshot(wh, snapshot_row(0.40))
    add_odds(wh, odds_row("OVER", 2.8), odds_row("UNDER", 1.45))
    rows = _priced(wh)
    assert [r["side"] for r in rows] == ["OVER", "UNDER"]
    over, under = rows
    # OVER 0.5 at 2.80 with p_over 0.40: EV 0.4·2.8 − 1, fair 1/0.4, Kelly 0.12/1.8
    assert over["p_model"] == pytest.approx(0.40, abs=1e-12)
    assert over["ev"] == pytest.approx(0.12, abs=1e-12)
    assert over["implied_prob"] == pytest.approx(1 / 2.8, abs=1e-12)
    assert over["fair_decimal"] == pytest.approx(2.5, abs=1e-12)
    assert over["kelly"] == pytest.approx(0.12 / 1.8, abs=1e-12)
    assert under["ev"] == pytest.approx(0.6 * 1.45 - 1, abs=1e-12)
    assert under["kelly"] == 0.0
    # pair: π = 5/14 and 20/29, booksum 425/406 → fair 29/85 and 56/85
    assert over["pair_decimal"] == 1.45 and under["pair_decimal"] == 2.8
    assert over["devig_status"] == "ok"
    assert over["margin"] == pytest.approx(425 / 406 - 1, abs=1e-12)
    assert over["p_fair"] == pytest.approx(29 / 85, abs=1e-12)
    assert under["p_fair"] == pytest.approx(56 / 85, abs=1e-12)
    # additive = Shin for two outcomes: π − (S − 1)/2
    assert over["p_fair_shin"] == pytest.approx(5 / 14 - (425 / 406 - 1) / 2, abs=1e-9)
    assert over["p_fair_power"] + under["p_fair_power"] == pytest.approx(1.0, abs=1e-12)
    assert over["edge"] == pytest.approx(0.40 - 29 / 85, abs=1e-12)
    assert over["freshness_minutes"] == 30.0
    # selection: OVER is a candidate and the only best bet
    assert (over["is_candidate"], over["is_best_bet"], over["rank"]) == (True, True, 1)
    assert (under["is_candidate"], under["is_best_bet"], under["rank"]) == (False, False, None)


def test_integer_line_push_ev_fair_price_kelly_by_hand(wh: Warehouse) -> None:
    add_games(wh)
    add_snapshot(wh, snapshot_row(0.40, 0.35, 0.25, market="SOG", line=3.0, distribution="nb2"))
    add_odds(
        wh,
        odds_row("OVER", 2.2, market_type="SOG", line=3.0),
        odds_row("UNDER", 2.5, market_type="SOG", line=3.0),
    )
    over, under = _priced(wh)
    # the push returns the stake: EV = p_win·d + p_push − 1
    assert over["ev"] == pytest.approx(0.4 * 2.2 + 0.25 - 1, abs=1e-12)  # +0.13, not −0.12
    assert under["ev"] == pytest.approx(0.35 * 2.5 + 0.25 - 1, abs=1e-12)
    assert over["fair_decimal"] == pytest.approx(0.75 / 0.40, abs=1e-12)
    assert over["kelly"] == pytest.approx(0.13 / (1.2 * 0.75), abs=1e-12)
    # edge compares the no-push conditional probability with the de-vigged pair
    fair_over = (1 / 2.2) / (1 / 2.2 + 1 / 2.5)
    assert over["p_fair"] == pytest.approx(fair_over, abs=1e-12)
    assert over["edge"] == pytest.approx(0.40 / 0.75 - fair_over, abs=1e-12)


def test_half_line_never_pushes_even_if_the_snapshot_holds_push_mass(wh: Warehouse) -> None:
    add_games(wh)
    add_snapshot(wh, snapshot_row(0.40, 0.599999, 1e-6))
    add_odds(wh, odds_row("OVER", 2.8))
    (over,) = _priced(wh)
    assert over["ev"] == pytest.approx(0.4 * 2.8 - 1, abs=1e-15)
    assert over["devig_status"] == "one_sided" and over["p_fair"] is None


def test_sharp_consensus_needs_two_sharp_books(wh: Warehouse) -> None:
    add_games(wh)
    add_snapshot(wh, snapshot_row(0.45))
    add_odds(
        wh,
        *(odds_row(s, d, book_name_raw="Pinnacle") for s, d in (("OVER", 2.0), ("UNDER", 1.8))),
        *(odds_row(s, d, book_name_raw="novig") for s, d in (("OVER", 2.1), ("UNDER", 1.75))),
        *(odds_row(s, d, book_name_raw="FanDuel") for s, d in (("OVER", 2.3), ("UNDER", 1.6))),
    )
    rows = _priced(wh)
    pin = (1 / 2.0) / (1 / 2.0 + 1 / 1.8)
    nov = (1 / 2.1) / (1 / 2.1 + 1 / 1.75)
    fanduel = _by(rows, book_name_raw="FanDuel", side="OVER")
    assert fanduel["n_sharp_books"] == 2
    assert fanduel["p_fair_consensus"] == pytest.approx((pin + nov) / 2, abs=1e-12)
    assert fanduel["edge_consensus"] == pytest.approx(0.45 - (pin + nov) / 2, abs=1e-12)
    under = _by(rows, book_name_raw="FanDuel", side="UNDER")
    assert under["p_fair_consensus"] == pytest.approx(1 - (pin + nov) / 2, abs=1e-12)

    one_sharp = EvSettings(sharp_books=("Pinnacle", "Circa"))
    rows = _priced(wh, ev_settings=one_sharp)
    fanduel = _by(rows, book_name_raw="FanDuel", side="OVER")
    assert fanduel["n_sharp_books"] == 1 and fanduel["p_fair_consensus"] is None


# ---- window edges, start, duplicates ------------------------------------------------------------
def test_freshness_window_is_closed_before_and_open_after_the_snapshot(wh: Warehouse) -> None:
    add_games(wh)
    add_snapshot(wh, snapshot_row(0.40))
    w = dt.timedelta(minutes=90)
    cases = {
        "at -W": SNAP_TS - w,  # fresh: the early edge is closed
        "before -W": SNAP_TS - w - US,  # stale
        "just before +W": SNAP_TS + w - US,  # fresh
        "at +W": SNAP_TS + w,  # stale: the late edge is open
    }
    add_odds(wh, *(odds_row(book_name_raw=b, capture_ts_utc=t) for b, t in cases.items()))
    as_of = SNAP_TS + 2 * w
    join = canonical_join(wh, SLATE, as_of)
    assert sorted(join.rows["book_name_raw"].to_pylist()) == ["at -W", "just before +W"]
    assert join.reason_counts["stale"] == 2 and join.n_odds_rows == 4
    statuses = {(r["book_name_raw"], r["status"]) for r in join.counts.to_pylist()}
    assert ("before -W", "stale") in statuses and ("at +W", "stale") in statuses
    assert sorted(join.rows["freshness_minutes"].to_pylist()) == pytest.approx(
        [-90.0, 90.0 - 1e-6 / 60], abs=1e-12
    )


def test_freshness_window_follows_the_setting(wh: Warehouse) -> None:
    add_games(wh)
    add_snapshot(wh, snapshot_row(0.40))
    add_odds(
        wh,
        odds_row(book_name_raw="a", capture_ts_utc=SNAP_TS - 30 * MIN),
        odds_row(book_name_raw="b", capture_ts_utc=SNAP_TS + 30 * MIN),
    )
    join = canonical_join(wh, SLATE, AS_OF, EvSettings(odds_freshness_minutes=30))
    assert join.rows["book_name_raw"].to_pylist() == ["a"]
    assert join.reason_counts["stale"] == 1


def test_capture_exactly_at_start_has_started(wh: Warehouse) -> None:
    add_games(wh)
    add_snapshot(wh, snapshot_row(0.40, snapshot_ts=START - 30 * MIN))
    add_odds(
        wh,
        odds_row(book_name_raw="just before", capture_ts_utc=START - US),
        odds_row(book_name_raw="at start", capture_ts_utc=START),
    )
    join = canonical_join(wh, SLATE, START + 10 * MIN)
    assert join.rows["book_name_raw"].to_pylist() == ["just before"]
    assert join.reason_counts["started"] == 1


def test_duplicate_captures_latest_wins(wh: Warehouse) -> None:
    add_games(wh)
    add_snapshot(wh, snapshot_row(0.40))
    add_odds(
        wh,
        odds_row("OVER", 2.5, capture_ts_utc=CAPTURE - 20 * MIN),
        odds_row("OVER", 2.8, capture_ts_utc=CAPTURE),
        odds_row("OVER", 3.0, capture_ts_utc=CAPTURE - 10 * MIN),
        # another vendor's quote of the same book is its own identity
        odds_row("OVER", 2.7, vendor="ODDSSHARK", capture_ts_utc=CAPTURE - 20 * MIN),
        # captured after the run's clock: does not exist for this run
        odds_row("OVER", 9.0, capture_ts_utc=AS_OF + MIN),
    )
    join = canonical_join(wh, SLATE, AS_OF)
    prices = {(r["vendor"], r["odds_decimal"]) for r in join.rows.to_pylist()}
    assert prices == {("UNABATED", 2.8), ("ODDSSHARK", 2.7)}
    assert join.reason_counts["superseded"] == 2 and join.n_odds_rows == 4


def test_latest_snapshot_at_or_before_the_run_is_used(wh: Warehouse) -> None:
    add_games(wh)
    add_snapshot(
        wh,
        snapshot_row(0.30, snapshot_ts=SNAP_TS - 60 * MIN),
        snapshot_row(0.40, snapshot_ts=SNAP_TS),
        snapshot_row(0.90, snapshot_ts=AS_OF + MIN),  # after the run: invisible
    )
    add_odds(wh, odds_row("OVER", 2.8))
    assert latest_snapshot_ts(wh, SLATE, AS_OF) == SNAP_TS
    join = canonical_join(wh, SLATE, AS_OF)
    assert join.snapshot_ts == SNAP_TS
    assert join.rows["p_over"].to_pylist() == [0.40]


def test_no_snapshot_for_the_slate_is_a_clear_error(wh: Warehouse) -> None:
    add_games(wh)
    add_odds(wh, odds_row())
    add_snapshot(wh, snapshot_row(0.4, snapshot_ts=AS_OF + MIN))
    with pytest.raises(
        PipelineError, match=r"no probability snapshot for slate 2026-01-14 .*snapshot"
    ):
        canonical_join(wh, SLATE, AS_OF)


# ---- every reason, precedence -------------------------------------------------------------------
def test_every_reason_once_with_its_precedence(wh: Warehouse) -> None:
    early = 2025020701  # started at 16:45Z, before the run
    nostart = 2025020702
    add_games(
        wh,
        game_row(),
        game_row(early, start=SNAP_TS + 45 * MIN, home="NYR", away="NJD"),
        game_row(nostart, start=None, home="CHI", away="DAL"),
    )
    add_snapshot(
        wh,
        snapshot_row(0.4),
        snapshot_row(0.4, market="BLOCKS", line=1.5),
        snapshot_row(0.4, game_id=early),
        snapshot_row(0.4, game_id=nostart),
    )
    late = SNAP_TS + 50 * MIN  # after the early game's start, before the run
    rows = [
        odds_row(book_name_raw="joined"),
        *(
            odds_row(book_name_raw="superseded", capture_ts_utc=CAPTURE - m * MIN)
            for m in (2, 1, 0)
        ),
        odds_row(book_name_raw="dfs", book_type="DFS_FIXED_PAYOUT", is_live=True, player_id=None),
        odds_row(book_name_raw="excluded_market", market_type="BLOCKS", line=1.5, is_ladder=True),
        odds_row(book_name_raw="ladder", is_ladder=True, player_id=None),
        odds_row(book_name_raw="unmapped", player_id=None, is_live=True),
        # an id without a 'mapped' status is not trusted either
        odds_row(book_name_raw="unmapped", player_key="name:x", map_status="unmapped"),
        odds_row(book_name_raw="live", is_live=True, game_id=early, capture_ts_utc=late),
        odds_row(book_name_raw="no_start_time", game_id=nostart),
        odds_row(book_name_raw="started", game_id=early, capture_ts_utc=SNAP_TS + 45 * MIN),
        odds_row(
            book_name_raw="no_snapshot", market_type="ASSISTS", capture_ts_utc=SNAP_TS - 300 * MIN
        ),
        odds_row(book_name_raw="stale", capture_ts_utc=SNAP_TS - 180 * MIN),
        # another slate's row (unmapped, dated by the vendor) is not counted
        odds_row(
            book_name_raw="other",
            slate_date=SLATE + dt.timedelta(days=1),
            player_id=None,
            game_id=None,
        ),
    ]
    add_odds(wh, *rows)
    join = canonical_join(wh, SLATE, AS_OF, EvSettings(exclude_markets=("BLOCKS",)))
    expected = {r.value: 1 for r in JoinReason}
    expected["superseded"] = 2
    expected["unmapped"] = 2
    assert dict(join.reason_counts) == expected
    assert join.n_joined == 2  # "joined" and the latest "superseded" UNDER
    assert join.n_odds_rows == len(rows) - 1
    for r in join.counts.to_pylist():
        if r["book_name_raw"] != "superseded":
            assert r["status"] == r["book_name_raw"], r
    assert set(join.rows.column_names) == set(JOINED_COLUMNS)
    assert join.rows.column_names == list(JOINED_COLUMNS)


def test_unmapped_row_without_vendor_slate_is_dated_by_its_event_start(wh: Warehouse) -> None:
    add_games(wh)
    add_snapshot(wh, snapshot_row(0.4))
    add_odds(wh, odds_row(player_id=None, game_id=None, slate_date=None))  # 19:00 ET on the 14th
    assert dict(canonical_join(wh, SLATE, AS_OF).reason_counts)["unmapped"] == 1


def test_two_players_with_one_name_price_by_id_never_by_name(wh: Warehouse) -> None:
    car, nyi = 8478427, 8480222  # the two Sebastian Ahos, both in one game
    game = 2025020710
    add_games(wh, game_row(game, home="NYI", away="CAR"))
    add_snapshot(
        wh,
        snapshot_row(
            0.30,
            game_id=game,
            player_id=car,
            player_name="Sebastian Aho",
            team="CAR",
            opponent="NYI",
        ),
        snapshot_row(
            0.05,
            game_id=game,
            player_id=nyi,
            player_name="Sebastian Aho",
            team="NYI",
            opponent="CAR",
        ),
    )
    common = {"game_id": game, "event_id_vendor": "E9", "player_name_raw": "Sebastian Aho"}
    add_odds(
        wh,
        odds_row("OVER", 4.0, player_id=car, player_team="CAR", **common),
        odds_row("OVER", 12.0, player_id=nyi, player_team="NYI", **common),
        # a row carrying only the name (no mapped id) must not borrow either Aho's probability
        odds_row("OVER", 4.0, player_id=None, player_key="name:Sebastian Aho", **common),
    )
    join = canonical_join(wh, SLATE, AS_OF)
    assert join.reason_counts["unmapped"] == 1
    rows = price(join.rows).to_pylist()
    assert {(r["player_id"], r["team"], r["p_model"]) for r in rows} == {
        (car, "CAR", 0.30),
        (nyi, "NYI", 0.05),
    }
    assert _by(rows, player_id=car)["ev"] == pytest.approx(0.30 * 4.0 - 1, abs=1e-12)
    assert _by(rows, player_id=nyi)["ev"] == pytest.approx(0.05 * 12.0 - 1, abs=1e-12)


def test_empty_slate_prices_to_an_empty_table(wh: Warehouse) -> None:
    add_games(wh)
    add_snapshot(wh, snapshot_row(0.4))
    join = canonical_join(wh, SLATE, AS_OF)
    assert join.n_odds_rows == 0 and join.n_joined == 0
    priced = price(join.rows)
    assert priced.num_rows == 0
    assert priced.column_names[-len(PRICED_COLUMNS) :] == list(PRICED_COLUMNS)


# ---- every odds row gets exactly one status: an independent oracle ---------------------------
_world = itertools.count()
W = 90
OFFSETS = [-200, -91, -90, -30, 0, 30, 89, 90, 119, 120, 150, 400]  # minutes from the snapshot


@dataclasses.dataclass(frozen=True)
class Q:
    book: str  # "D" is a DFS book
    mapped: bool
    market: str
    side: str
    ladder: bool
    live: bool
    offset: int


def _oracle(quotes: list[Q], as_of_offset: int, start_offset: int) -> dict[str, int]:
    visible = [q for q in quotes if q.offset <= as_of_offset]
    latest: dict[tuple[Any, ...], Q] = {}
    for q in visible:
        key = (q.book, q.mapped, q.market, q.side, q.ladder)
        if key not in latest or q.offset > latest[key].offset:
            latest[key] = q
    counts = {r.value: 0 for r in JoinReason} | {"joined": 0}
    for q in visible:
        key = (q.book, q.mapped, q.market, q.side, q.ladder)
        if latest[key] is not q:
            status = "superseded"
        elif q.book == "D":
            status = "dfs"
        elif q.market == "BLOCKS":
            status = "excluded_market"
        elif q.ladder:
            status = "ladder"
        elif not q.mapped:
            status = "unmapped"
        elif q.live:
            status = "live"
        elif q.offset >= start_offset:
            status = "started"
        elif q.market == "ASSISTS":
            status = "no_snapshot"
        elif not (-W <= q.offset < W):
            status = "stale"
        else:
            status = "joined"
        counts[status] += 1
    return counts


_quote = st.builds(
    Q,
    book=st.sampled_from(["A", "B", "D"]),
    mapped=st.booleans(),
    market=st.sampled_from(["GOALS", "ASSISTS", "BLOCKS"]),
    side=st.sampled_from(["OVER", "UNDER"]),
    ladder=st.booleans(),
    live=st.booleans(),
    offset=st.sampled_from(OFFSETS),
)
_PK = lambda q: (q.book, q.mapped, q.market, q.side, q.ladder, q.offset)  # noqa: E731


@pytest.fixture(scope="module")
def shared_wh() -> Any:
    warehouse = Warehouse.open(":memory:")
    yield warehouse
    warehouse.close()


@hsettings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    quotes=st.lists(_quote, max_size=25, unique_by=_PK),
    as_of_offset=st.sampled_from([60, 130, 500]),
    start_offset=st.sampled_from([100, 120, 1000]),
)
def test_each_row_gets_exactly_one_status_matching_an_oracle(
    shared_wh: Warehouse, quotes: list[Q], as_of_offset: int, start_offset: int
) -> None:
    n = next(_world)  # a fresh slate and game per example in one warehouse
    slate = SLATE + dt.timedelta(days=n)
    game = 3_000_000 + n
    snap = SNAP_TS + dt.timedelta(days=n)
    add_games(shared_wh, game_row(game, slate=slate, start=snap + start_offset * MIN))
    add_snapshot(
        shared_wh,
        snapshot_row(0.4, slate_date=slate, snapshot_ts=snap, game_id=game),
        snapshot_row(0.4, slate_date=slate, snapshot_ts=snap, game_id=game, market="BLOCKS"),
    )
    rows = [
        odds_row(
            q.side,
            2.0,
            slate_date=slate,
            game_id=game,
            book_name_raw=q.book,
            book_type="DFS_FIXED_PAYOUT" if q.book == "D" else "SPORTSBOOK",
            player_id=MATTHEWS if q.mapped else None,
            player_key="id:1" if q.mapped else "name:x",
            market_type=q.market,
            is_ladder=q.ladder,
            is_live=q.live,
            capture_ts_utc=snap + q.offset * MIN,
        )
        for q in quotes
    ]
    if rows:
        assert add_odds(shared_wh, *rows) == len(rows)
    join = canonical_join(
        shared_wh, slate, snap + as_of_offset * MIN, EvSettings(exclude_markets=("BLOCKS",))
    )
    expected = _oracle(quotes, as_of_offset, start_offset)
    assert join.n_joined == expected.pop("joined")
    assert dict(join.reason_counts) == expected
    assert join.n_odds_rows == join.n_joined + sum(expected.values())
    assert isinstance(join.rows, pa.Table)
