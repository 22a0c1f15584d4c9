"""Entity mapping: events to dim_game, players to dim_player, statistics (odds/mapping.py)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odds.odds_world import (
    CAPTURE,
    CGY_VAN,
    SLATE,
    START_CGY_VAN,
    TOR_MTL,
    quote,
    seed_world,
)
from propledger.evidence.warehouse import Warehouse
from propledger.odds.mapping import MappingConfig, map_quotes, name_score
from propledger.odds.mapping_stats import mapping_quality
from propledger.odds.quote import Platform, Quote, Vendor, quotes_to_arrow

CGY_VAN_EVENT: dict[str, Any] = {
    "event_id_vendor": "210002",
    "event_start_time_utc": START_CGY_VAN,
    "home_team": "VAN",
    "away_team": "CGY",
}


@pytest.fixture
def world(wh: Warehouse) -> Warehouse:
    seed_world(wh)
    return wh


def _map(wh: Warehouse, *quotes: Quote, **config: Any) -> list[dict[str, Any]]:
    result = map_quotes(wh, quotes_to_arrow(quotes), config=MappingConfig(**config))
    return result.table.select(
        [
            "player_name_raw",
            "game_id",
            "player_id",
            "map_status",
            "map_method",
            "map_score",
            "map_reason",
        ]
    ).to_pylist()


def _one(wh: Warehouse, q: Quote) -> dict[str, Any]:
    (row,) = _map(wh, q)
    return row


# ---- events -----------------------------------------------------------------------------------


def test_events_map_by_teams_and_start(world: Warehouse) -> None:
    rows = _map(world, quote(), quote(player_name_raw="Oskar Brandt", **CGY_VAN_EVENT))
    assert [r["game_id"] for r in rows] == [TOR_MTL, CGY_VAN]


def test_start_within_one_day_maps_beyond_does_not(world: Warehouse) -> None:
    start = dt.datetime(2026, 1, 15, 0, 0, tzinfo=dt.UTC)
    near = quote(event_start_time_utc=start + dt.timedelta(hours=23, minutes=59))
    edge = quote(event_start_time_utc=start - dt.timedelta(days=1))
    far = quote(event_start_time_utc=start + dt.timedelta(days=1, seconds=1))
    rows = _map(world, near, edge, far)
    assert [r["game_id"] for r in rows] == [TOR_MTL, TOR_MTL, None]
    assert rows[2]["map_reason"] == "no_game" and rows[2]["map_status"] == "unmapped"


def test_swapped_home_and_away_is_no_game(world: Warehouse) -> None:
    row = _one(world, quote(home_team="TOR", away_team="MTL"))
    assert (row["game_id"], row["map_reason"]) == (None, "no_game")


def test_unknown_teams_are_no_game(world: Warehouse) -> None:
    row = _one(world, quote(home_team=None, away_team=None))
    assert (row["game_id"], row["player_id"], row["map_reason"]) == (None, None, "no_game")


def test_oddsshark_without_time_maps_by_the_synthetic_ids_et_date(world: Warehouse) -> None:
    q = quote(
        vendor=Vendor.ODDSSHARK,
        platform=Platform.PROPS_HTML,
        event_id_vendor="ODDSSHARK_20260114_CGY_VAN",
        event_start_time_utc=None,
        slate_date=None,
        home_team="VAN",
        away_team="CGY",
        player_name_raw="Oskar Brandt",
    )
    assert _one(world, q)["game_id"] == CGY_VAN
    # the return game (VAN @ CGY, 2026-01-16) is two days away from a 20260114 id
    back = quote(
        vendor=Vendor.ODDSSHARK,
        platform=Platform.PROPS_HTML,
        event_id_vendor="ODDSSHARK_20260114_VAN_CGY",
        event_start_time_utc=None,
        slate_date=None,
        home_team="CGY",
        away_team="VAN",
    )
    assert _one(world, back)["map_reason"] == "no_game"


def test_two_equally_close_games_are_ambiguous(world: Warehouse) -> None:
    # a second TOR @ MTL one day either side of a vendor start that sits exactly between them
    world.append(
        "dim_game",
        [
            {
                "game_id": 1,
                "season": 2025,
                "slate_date": dt.date(2026, 1, 20),
                "home_team": "MTL",
                "away_team": "TOR",
                "start_time_utc": dt.datetime(2026, 1, 21, 0, 0, tzinfo=dt.UTC),
            },
            {
                "game_id": 2,
                "season": 2025,
                "slate_date": dt.date(2026, 1, 22),
                "home_team": "MTL",
                "away_team": "TOR",
                "start_time_utc": dt.datetime(2026, 1, 23, 0, 0, tzinfo=dt.UTC),
            },
        ],
        run_id="t",
    )
    row = _one(world, quote(event_start_time_utc=dt.datetime(2026, 1, 22, 0, 0, tzinfo=dt.UTC)))
    assert (row["game_id"], row["map_reason"]) == (None, "ambiguous")


def test_latest_game_version_is_used(world: Warehouse) -> None:
    # a rescheduled game: the newer dim_game version moves the start by two days
    world.append(
        "dim_game",
        [
            {
                "game_id": TOR_MTL,
                "season": 2025,
                "slate_date": dt.date(2026, 1, 16),
                "home_team": "MTL",
                "away_team": "TOR",
                "start_time_utc": dt.datetime(2026, 1, 17, 0, 0, tzinfo=dt.UTC),
                "schedule_state": "OK",
            }
        ],
        run_id="t",
    )
    assert _one(world, quote())["map_reason"] == "no_game"


# ---- players ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "player_id", "method"),
    [
        ("Evan Marchetti", 8400001, "exact"),
        ("EVAN  MARCHETTI", 8400001, "exact"),
        ("Jose Levesque", 8400003, "exact"),  # accents dropped and "Jr." omitted by the vendor
        ("José Lévesque Jr.", 8400003, "exact"),
        ("Levesque, Jose", 8400003, "exact"),  # Kambi "Last, First"
        ("Ethan Marchetti", 8400012, "exact"),
        ("Mitch Stone", 8400002, "fuzzy"),  # first-name prefix, same surname
        ("Evan Marchettti", 8400001, "fuzzy"),  # a typo
    ],
)
def test_player_name_variants(world: Warehouse, name: str, player_id: int, method: str) -> None:
    row = _one(world, quote(player_name_raw=name))
    assert (row["player_id"], row["map_method"], row["map_status"]) == (player_id, method, "mapped")
    assert row["map_reason"] is None
    assert 0.9 <= row["map_score"] <= 1.0


def test_unknown_player_is_no_player_and_never_a_similar_teammate(world: Warehouse) -> None:
    # "Evan Marchetti" is on TOR; in CGY @ VAN nobody is close enough
    row = _one(world, quote(player_name_raw="Evan Marchetti", **CGY_VAN_EVENT))
    assert (row["player_id"], row["map_reason"], row["game_id"]) == (None, "no_player", CGY_VAN)
    # "Ivan Marchetti" is 89.7 from Ethan and 92.9 from Evan: different first names never map
    assert name_score("ivan marchetti", "evan marchetti") < 95


def test_player_of_another_game_does_not_map(world: Warehouse) -> None:
    row = _one(world, quote(player_name_raw="Samuel Roy", **CGY_VAN_EVENT))
    assert row["map_reason"] == "no_player"


def test_duplicate_name_in_one_game_is_ambiguous_unless_the_vendor_gives_the_team(
    world: Warehouse,
) -> None:
    rows = _map(
        world,
        quote(player_name_raw="Sebastian Aho", **CGY_VAN_EVENT),
        quote(
            player_name_raw="Sebastian Aho", player_team="VAN", book_name_raw="B", **CGY_VAN_EVENT
        ),
        quote(
            player_name_raw="Sebastian Aho", player_team="CGY", book_name_raw="C", **CGY_VAN_EVENT
        ),
    )
    assert [(r["player_id"], r["map_reason"]) for r in rows] == [
        (None, "ambiguous"),
        (8400032, None),
        (8400022, None),
    ]


def test_close_fuzzy_candidates_are_ambiguous(world: Warehouse) -> None:
    # "E Marchetti" is an initial of both Evan and Ethan? Only in MTL @ TOR's roster both exist
    row = _one(world, quote(player_name_raw="E. Marchetti"))
    assert (row["player_id"], row["map_reason"]) == (None, "ambiguous")


def test_traded_player_belongs_to_his_team_as_of_the_game_date(world: Warehouse) -> None:
    # Nils Berg: CGY until 2026-01-08, VAN from 2026-01-12. On 2026-01-14 he is VAN's only.
    row = _one(world, quote(player_name_raw="Nils Berg", **CGY_VAN_EVENT))
    assert row["player_id"] == 8400040
    # a game on 2026-01-09 between CGY and TOR: he was still a Flame
    world.append(
        "dim_game",
        [
            {
                "game_id": 3,
                "season": 2025,
                "slate_date": dt.date(2026, 1, 9),
                "home_team": "TOR",
                "away_team": "CGY",
                "start_time_utc": dt.datetime(2026, 1, 10, 0, 0, tzinfo=dt.UTC),
            }
        ],
        run_id="t",
    )
    old = dict(
        event_id_vendor="old",
        event_start_time_utc=dt.datetime(2026, 1, 10, 0, 0, tzinfo=dt.UTC),
        home_team="TOR",
        away_team="CGY",
    )
    assert _one(world, quote(player_name_raw="Nils Berg", **old))["player_id"] == 8400040
    # …and on 2026-01-14 he is not a TOR/MTL candidate
    assert _one(world, quote(player_name_raw="Nils Berg"))["map_reason"] == "no_player"


def test_call_up_without_games_maps_through_dim_player(world: Warehouse) -> None:
    row = _one(world, quote(player_name_raw="Kai Lind", **CGY_VAN_EVENT))
    assert (row["player_id"], row["map_method"]) == (8400060, "exact")


def test_player_beyond_the_roster_lookback_is_not_a_candidate(world: Warehouse) -> None:
    row = _one(world, quote(player_name_raw="Old Timer"))
    assert row["map_reason"] == "no_player"
    assert _one_with(world, "Old Timer", roster_lookback_days=800)["player_id"] == 8400050


def _one_with(wh: Warehouse, name: str, **config: Any) -> dict[str, Any]:
    (row,) = _map(wh, quote(player_name_raw=name), **config)
    return row


def test_box_score_appearances_count_for_the_roster(world: Warehouse) -> None:
    # a player known only from a box score of the 2026-01-10 game (MoneyPuck not yet published)
    world.append(
        "dim_player",
        [{"player_id": 8400070, "full_name": "Box Only", "team_abbrev": "BOS"}],
        run_id="t",
    )
    world.append(
        "fact_outcome",
        [
            {
                "game_id": 2025020650,
                "player_id": 8400070,
                "team": "TOR",
                "is_goalie": False,
                "game_state": "OFF",
            }
        ],
        run_id="t",
    )
    assert _one(world, quote(player_name_raw="Box Only"))["player_id"] == 8400070


def test_confirmed_vendor_id_maps_first_and_a_conflict_unconfirms_it(world: Warehouse) -> None:
    q = quote(player_id_vendor="61001", player_name_raw="E. M.")
    assert _one(world, q)["map_reason"] == "no_player"
    row = {
        "vendor": "UNABATED",
        "platform": "cdn_v2",
        "player_id_vendor": "61001",
        "method": "manual",
    }
    world.append("map_vendor_player", [{**row, "player_id": 8400001}], run_id="t")
    hit = _one(world, q)
    assert (hit["player_id"], hit["map_method"], hit["map_score"]) == (8400001, "vendor_id", 1.0)
    world.append("map_vendor_player", [{**row, "player_id": 8400012}], run_id="t")
    assert _one(world, q)["map_reason"] == "no_player"


def test_exact_matches_with_vendor_ids_are_learned(world: Warehouse) -> None:
    result = map_quotes(
        world,
        quotes_to_arrow(
            [
                quote(player_id_vendor="61001"),
                quote(player_name_raw="Mitch Stone", player_id_vendor="61002"),
            ]
        ),
    )
    assert [(r["player_id_vendor"], r["player_id"], r["method"]) for r in result.learned] == [
        ("61001", 8400001, "exact")
    ]  # fuzzy matches are never learned


def test_unknown_market_is_explained(world: Warehouse) -> None:
    table = quotes_to_arrow([quote()])
    table = table.set_column(
        table.schema.get_field_index("market_type"), "market_type", pa.array(["HITS"])
    )
    row = map_quotes(world, table).table.to_pylist()[0]
    assert (row["map_status"], row["map_reason"], row["player_id"]) == (
        "unmapped",
        "unknown_market",
        8400001,
    )


def test_empty_input(world: Warehouse) -> None:
    result = map_quotes(world, quotes_to_arrow([]))
    assert result.table.num_rows == 0 and dict(result.stats) == {}
    assert {"game_id", "player_id", "map_status", "map_reason"} <= set(result.table.column_names)


# ---- statistics -------------------------------------------------------------------------------


def test_statistics_by_vendor(world: Warehouse) -> None:
    quotes = [
        quote(),
        quote(side="UNDER"),
        quote(player_name_raw="Mitch Stone"),
        quote(player_name_raw="Nobody Known"),
        quote(player_name_raw="Nobody Known", side="UNDER"),
        quote(home_team="BOS", away_team="NYR", event_id_vendor="9"),
        quote(vendor=Vendor.PLAYNOW, platform=Platform.OPENBET, event_id_vendor="x"),
    ]
    stats = map_quotes(world, quotes_to_arrow(quotes)).stats
    un = stats["UNABATED"]
    assert (un.rows, un.rows_event_mapped, un.rows_player_mapped, un.rows_mapped) == (6, 5, 3, 3)
    assert (un.events, un.events_mapped, un.players, un.players_mapped) == (2, 1, 4, 2)
    assert dict(un.by_reason) == {"no_game": 1, "no_player": 2}
    assert dict(un.by_method) == {"exact": 2, "fuzzy": 1}
    assert un.pct_events == pytest.approx(5 / 6) and un.pct_players == pytest.approx(0.5)
    assert un.explained
    assert [(u.name, u.reason, u.rows) for u in un.top_unmapped] == [
        ("Nobody Known", "no_player", 2),
        ("NYR @ BOS", "no_game", 1),
    ]
    assert stats["PLAYNOW"].pct_mapped == 1.0
    merged = un.merge(stats["PLAYNOW"])
    assert (merged.rows, merged.rows_mapped) == (7, 4)
    assert merged.as_row()["by_reason"] == {"no_game": 1, "no_player": 2}


def test_mapping_quality_reads_the_fact_table_per_slate(world: Warehouse) -> None:
    table = map_quotes(world, quotes_to_arrow([quote(), quote(player_name_raw="Nobody")])).table
    world.append("fact_prop_odds", table, run_id="t")
    (stats,) = mapping_quality(world, SLATE, SLATE + dt.timedelta(days=1))
    assert (stats.slate_date, stats.vendor, stats.rows, stats.rows_mapped) == (
        SLATE,
        "UNABATED",
        2,
        1,
    )
    assert mapping_quality(world, SLATE + dt.timedelta(days=1), SLATE + dt.timedelta(days=2)) == []


# ---- invariants and scale ---------------------------------------------------------------------

_NAMES = [
    "Evan Marchetti",
    "Jose Levesque",
    "Sebastian Aho",
    "Nobody",
    "Mitch Stone",
    "Oskar Brandt",
]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    picks=st.lists(
        st.tuples(
            st.sampled_from(_NAMES), st.booleans(), st.sampled_from(["MTL", "VAN", "BOS", None])
        ),
        min_size=1,
        max_size=12,
    )
)
def test_every_row_is_mapped_or_explained_and_order_is_kept(
    world: Warehouse, picks: list[tuple[str, bool, str | None]]
) -> None:
    quotes = [
        quote(
            player_name_raw=name,
            book_name_raw=f"book{i}",
            **(CGY_VAN_EVENT if cgy else {}),
            home_team=home,
        )
        if home is not None and not cgy
        else quote(player_name_raw=name, book_name_raw=f"book{i}", **(CGY_VAN_EVENT if cgy else {}))
        for i, (name, cgy, home) in enumerate(picks)
    ]
    table = map_quotes(world, quotes_to_arrow(quotes)).table
    assert table.column("book_name_raw").to_pylist() == [f"book{i}" for i in range(len(quotes))]
    for row in table.to_pylist():
        if row["map_status"] == "mapped":
            assert row["game_id"] is not None and row["player_id"] is not None
            assert row["map_reason"] is None and row["map_method"] in {
                "exact",
                "fuzzy",
                "vendor_id",
            }
        else:
            assert row["map_status"] == "unmapped"
            assert row["map_reason"] in {"no_game", "no_player", "ambiguous", "unknown_market"}
            assert (row["game_id"] is None) == (row["map_reason"] == "no_game")


def test_tens_of_thousands_of_quotes_map_in_well_under_a_second(world: Warehouse) -> None:
    names = [
        "Evan Marchetti",
        "Samuel Roy",
        "Mitch Stone",
        "Jose Levesque",
        "Nobody",
        "Ethan Marchetti",
    ]
    base = quote()
    quotes = [
        Quote(
            **{
                **base.__dict__,
                "player_name_raw": names[i % 6],
                "book_name_raw": f"b{i // 6 % 25}",
                "line": 0.5 + i // 150,
                "capture_ts_utc": CAPTURE,
            }
        )
        for i in range(30_000)
    ]
    table = quotes_to_arrow(quotes)
    map_quotes(world, table.slice(0, 10))  # warm-up (first query of a connection)
    began = time.perf_counter()
    result = map_quotes(world, table)
    elapsed = time.perf_counter() - began
    assert result.table.num_rows == 30_000
    assert result.stats["UNABATED"].rows_player_mapped == 25_000
    assert elapsed < 1.0, f"mapping 30k quotes took {elapsed:.2f}s"
