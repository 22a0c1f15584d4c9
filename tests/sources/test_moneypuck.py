"""MoneyPuck parsers on the committed fixtures and hand-made drift variants; fetchers through
an in-process transport."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
from pathlib import Path

import httpx
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from propledger.errors import PayloadError
from propledger.http import make_client
from propledger.settings import Settings
from propledger.sources import moneypuck as mp
from propledger.sources.moneypuck_csv import normalize_team_codes

FIXTURES = Path(__file__).parents[1] / "fixtures"
SKATERS = (FIXTURES / "moneypuck_skater_gamebygame.csv").read_bytes()
GOALIES = (FIXTURES / "moneypuck_goalie_gamebygame.csv").read_bytes()


def rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode())))


def write(rows_: list[dict[str, str]], header: list[str] | None = None) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(
        out, header or list(rows_[0]), lineterminator="\n", extrasaction="ignore"
    )
    writer.writeheader()
    writer.writerows(rows_)
    return out.getvalue().encode()


def edit(content: bytes, **changes: str) -> bytes:
    """Set columns on every row (``column=value``)."""
    return write([r | changes for r in rows(content)])


def one(table: pa.Table, player_id: int, situation: str = "all") -> dict[str, object]:
    found = [
        r for r in table.to_pylist() if r["player_id"] == player_id and r["situation"] == situation
    ]
    assert len(found) == 1
    return found[0]


# ---- skaters ---------------------------------------------------------------------------------
def test_skater_fixture_hand_checked() -> None:
    table = mp.parse_skaters(SKATERS)
    assert table.num_rows == 10
    assert table.column_names == list(mp.SKATER_COLUMNS)
    lindgren = one(table, 8482002)
    assert lindgren == {
        "player_id": 8482002,
        "game_id": 2025020701,
        "situation": "all",
        "season": 2025,
        "game_date": dt.date(2026, 1, 14),
        "player_name": "Noah Lindgren",
        "team": "TOR",
        "opp_team": "MTL",
        "home_or_away": "AWAY",
        "position": "D",
        "icetime": 1398.0,
        "shifts": 26,
        "goals": 0,
        "primary_assists": 0,
        "secondary_assists": 1,
        "assists": 1,
        "points": 1,
        "sog": 1,
        "missed_shots": 1,
        "blocked_attempts": 2,
        "shot_attempts": 4,
        "xgoals": 0.08,
        "x_on_goal": 0.92,
        # BLOCKS is shotsBlockedByPlayer (3), not his own blocked attempts (2)
        "blocks": 3,
        "hits": 3,
        "onice_xgoals": 1.07,
        "onice_goals": 1,
        "onice_xga": 1.21,
        "onice_ga": 1,
    }


def test_situations_add_up_to_all_in_the_fixture() -> None:
    table = mp.parse_skaters(SKATERS).to_pylist()
    for pid in (8481001, 8482002):
        parts = [r for r in table if r["player_id"] == pid and r["situation"] != "all"]
        total = next(r for r in table if r["player_id"] == pid and r["situation"] == "all")
        assert {r["situation"] for r in parts} == {"5on5", "5on4", "4on5", "other"}
        for column in ("icetime", "goals", "sog", "assists", "points"):
            assert sum(r[column] for r in parts) == total[column], column


def test_columns_are_read_by_name_not_position() -> None:
    original = rows(SKATERS)
    header = list(reversed(list(original[0])))
    assert mp.parse_skaters(write(original, header)).equals(mp.parse_skaters(SKATERS))


def test_float_counts_are_cast_with_tolerance() -> None:
    floats = write(
        [
            r
            | {
                "I_F_goals": f"{r['I_F_goals']}.0",
                "playerId": f"{r['playerId']}.0",
                "gameDate": f"{r['gameDate']}.0",
                "season": "2025.0000001",
            }
            for r in rows(SKATERS)
        ]
    )
    assert mp.parse_skaters(floats).equals(mp.parse_skaters(SKATERS))


def test_fractional_count_is_an_error_naming_the_column() -> None:
    bad = edit(SKATERS, I_F_shotsOnGoal="2.5")
    with pytest.raises(
        PayloadError, match=r"^TOR\.csv: column I_F_shotsOnGoal has non-integer value 2\.5"
    ):
        mp.parse_skaters(bad, name="TOR.csv")


def test_non_numeric_value_names_the_column() -> None:
    with pytest.raises(PayloadError, match=r"TOR\.csv: column icetime: .*'abc'"):
        mp.parse_skaters(edit(SKATERS, icetime="abc"), name="TOR.csv")


def test_missing_required_column_fails_loudly() -> None:
    data = rows(SKATERS)
    header = [h for h in data[0] if h != "shotsBlockedByPlayer"]
    with pytest.raises(
        PayloadError, match=r"^TOR\.csv: required column shotsBlockedByPlayer is missing"
    ):
        mp.parse_skaters(write(data, header), name="TOR.csv")


def test_missing_optional_columns_are_null_and_season_comes_from_game_id() -> None:
    data = rows(SKATERS)
    header = [h for h in data[0] if h not in ("I_F_hits", "season", "I_F_points")]
    table = mp.parse_skaters(write(data, header))
    assert table["hits"].null_count == table.num_rows  # unknown, never 0
    assert table["hits"].type == pa.int32()
    assert set(table["season"].to_pylist()) == {2025}
    marchetti = one(table, 8481001)
    assert marchetti["points"] == 2  # goals + assists when I_F_points is absent


def test_empty_optional_value_is_null_not_zero() -> None:
    table = mp.parse_skaters(edit(SKATERS, I_F_hits=""))
    assert table["hits"].null_count == table.num_rows


def test_empty_required_value_is_an_error() -> None:
    with pytest.raises(PayloadError, match="column I_F_goals is empty in 10 row"):
        mp.parse_skaters(edit(SKATERS, I_F_goals=""))


def test_season_must_agree_with_game_id() -> None:
    with pytest.raises(PayloadError, match="season=2024 disagrees with gameId 2025020701"):
        mp.parse_skaters(edit(SKATERS, season="2024"))


@pytest.mark.parametrize("value", ["2026011", "20261341", "Jan14"])
def test_bad_game_date_names_the_column(value: str) -> None:
    with pytest.raises(PayloadError, match=f"column gameDate has value '{value}'"):
        mp.parse_skaters(edit(SKATERS, gameDate=value))


def test_iso_game_date_is_accepted() -> None:
    assert set(mp.parse_skaters(edit(SKATERS, gameDate="2026-01-14"))["game_date"].to_pylist()) == {
        dt.date(2026, 1, 14)
    }


def test_dotted_team_codes_are_normalised() -> None:
    table = mp.parse_skaters(edit(SKATERS, playerTeam="L.A", opposingTeam=" S.J"))
    assert set(table["team"].to_pylist()) == {"LAK"}
    assert set(table["opp_team"].to_pylist()) == {"SJS"}
    assert normalize_team_codes(pa.array(["N.J", "T.B", "TOR", None])).to_pylist() == [
        "NJD",
        "TBL",
        "TOR",
        None,
    ]


def test_empty_file_is_an_error() -> None:
    with pytest.raises(PayloadError, match="empty file"):
        mp.parse_skaters(b"\n", name="X.csv")


# ---- goalies ---------------------------------------------------------------------------------
def test_goalie_fixture_goals_are_against_and_saves_derived() -> None:
    table = mp.parse_goalies(GOALIES)
    assert table.column_names == list(mp.GOALIE_COLUMNS)
    assert one(table, 8479901) == {
        "player_id": 8479901,
        "game_id": 2025020701,
        "situation": "all",
        "season": 2025,
        "game_date": dt.date(2026, 1, 14),
        "player_name": "Jonas Halvorsen",
        "team": "MTL",
        "opp_team": "TOR",
        "home_or_away": "HOME",
        "icetime": 3600.0,
        "xgoals_against": 2.84,
        "goals_against": 3,
        "shots_against": 31,
        "saves": 28,
    }
    assert sum(r["shots_against"] for r in table.to_pylist() if r["situation"] != "all") == 31


def test_goalie_missing_ongoal_fails_loudly() -> None:
    data = rows(GOALIES)
    with pytest.raises(PayloadError, match="required column ongoal is missing"):
        mp.parse_goalies(write(data, [h for h in data[0] if h != "ongoal"]))


# ---- traded players, lookup, index -------------------------------------------------------------
def test_traded_player_rows_are_deduplicated() -> None:
    tor = mp.parse_skaters(SKATERS)
    other = mp.parse_skaters(edit(SKATERS, playerTeam="BOS"))
    both = pa.concat_tables([other, tor])
    deduped = mp.dedupe_player_games(both)
    assert deduped.num_rows == 10
    assert set(deduped["team"].to_pylist()) == {"BOS"}  # deterministic: lowest team code wins


@given(
    st.lists(
        st.tuples(
            st.integers(1, 4),
            st.integers(1, 3),
            st.sampled_from(["all", "5on5"]),
            st.sampled_from(["TOR", "MTL"]),
        ),
        max_size=40,
    )
)
def test_first_per_key_keeps_exactly_one_row_per_key(
    items: list[tuple[int, int, str, str]],
) -> None:
    table = pa.table(
        {
            "player_id": [i[0] for i in items],
            "game_id": [i[1] for i in items],
            "situation": [i[2] for i in items],
            "team": [i[3] for i in items],
        }
    )
    out = mp.dedupe_player_games(table).to_pylist()
    keys = [(r["player_id"], r["game_id"], r["situation"]) for r in out]
    assert len(keys) == len(set(keys))
    assert set(keys) == {i[:3] for i in items}
    for r in out:  # the kept row has the smallest team among its duplicates
        assert r["team"] == min(
            i[3] for i in items if i[:3] == (r["player_id"], r["game_id"], r["situation"])
        )


def test_players_lookup() -> None:
    content = (
        b"playerId,name,position,team,birthDate,weight,height,nationality,shootsCatches,primaryNumber,primaryPosition\n"
        b'8481001,Evan Marchetti,C,TOR,1999-02-03,190,"6\' 1""",CAN,L,19,C\n'
        b"8482002,Noah Lindgren,D,L.A,03/04/2000,200,,SWE,R,44,D\n"
        b"8479901,Jonas Halvorsen,G,,1996-07-08 00:00:00,185,,NOR,L,30,G\n"
        b"8481001,Evan Marchetti,C,MTL,1999-02-03,190,,CAN,L,19,C\n"
    )
    table = mp.parse_players_lookup(content)
    by_id = {r["player_id"]: r for r in table.to_pylist()}
    assert len(by_id) == table.num_rows == 3
    assert by_id[8481001] == {
        "player_id": 8481001,
        "full_name": "Evan Marchetti",
        "position": "C",
        "team_abbrev": "TOR",
        "birth_date": dt.date(1999, 2, 3),
        "shoots_catches": "L",
    }
    assert by_id[8482002]["team_abbrev"] == "LAK"
    assert by_id[8482002]["birth_date"] is None  # undocumented format: unknown, not guessed
    assert by_id[8479901]["team_abbrev"] is None
    assert by_id[8479901]["birth_date"] == dt.date(1996, 7, 8)


def test_lookup_without_name_column_fails() -> None:
    with pytest.raises(PayloadError, match="required column name is missing"):
        mp.parse_players_lookup(b"playerId,position\n1,C\n")


def test_team_index() -> None:
    html = (
        b"<html><a href=\"TOR.csv\">TOR.csv</a> <a href='/moneypuck/playerData/x/L.A.csv'>L.A</a>"
        b'<a href="../">up</a><a href="notes.txt">n</a><a href=MTL.csv>MTL</a><a href="TOR.csv">dup</a>'
    )
    assert mp.parse_team_index(html) == ["L.A", "MTL", "TOR"]
    assert mp.parse_team_index("<html>nothing here</html>") == []


def test_default_teams_never_remap_history() -> None:
    assert len(mp.default_teams(2025)) == 32 and "UTA" in mp.default_teams(2024)
    assert "ARI" in mp.default_teams(2023) and "UTA" not in mp.default_teams(2023)
    assert len(mp.default_teams(2016)) == 30 and "VGK" not in mp.default_teams(2016)
    assert "ATL" in mp.default_teams(2010) and "WPG" not in mp.default_teams(2010)


# ---- fetching --------------------------------------------------------------------------------
def test_fetchers_request_the_documented_urls() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if request.url.path.endswith("/"):
            return httpx.Response(
                200, text='<a href="TOR.csv">', headers={"content-type": "text/html"}
            )
        return httpx.Response(200, content=SKATERS, headers={"content-type": "text/csv"})

    client = make_client("moneypuck", Settings(), httpx.MockTransport(handler))
    base = Settings().base_url("moneypuck")
    index = mp.fetch_team_index(client, base, 2025, mp.PlayerKind.GOALIES)
    assert mp.parse_team_index(index.content) == ["TOR"]
    table = mp.parse_skaters(
        mp.fetch_team_file(client, base, 2025, mp.PlayerKind.SKATERS, "TOR").content
    )
    assert table.num_rows == 10
    mp.fetch_players_lookup(client, base)
    assert seen == [
        "https://moneypuck.com/moneypuck/playerData/teamPlayerGameByGame/2025/regular/goalies/",
        "https://moneypuck.com/moneypuck/playerData/teamPlayerGameByGame/2025/regular/skaters/TOR.csv",
        "https://moneypuck.com/moneypuck/playerData/playerBios/allPlayersLookup.csv",
    ]


def test_an_html_page_instead_of_csv_is_a_payload_error() -> None:
    transport = httpx.MockTransport(
        lambda r: httpx.Response(200, text="<html>Access denied</html>")
    )
    client = make_client("moneypuck", Settings(), transport)
    with pytest.raises(PayloadError, match="got an HTML page"):
        mp.fetch_team_file(client, "https://mp.test/playerData", 2025, mp.PlayerKind.SKATERS, "TOR")


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(list(rows(SKATERS)[0])),
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"),
        max_size=8,
    ),
)
def test_any_drifted_cell_parses_or_raises_payload_error(column: str, value: str) -> None:
    """A bad cell is never an Arrow exception escaping the parser: a table or a PayloadError."""
    with contextlib.suppress(PayloadError):
        mp.parse_skaters(edit(SKATERS, **{column: value}))


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_never_crash_the_parser(content: bytes) -> None:
    with contextlib.suppress(PayloadError):
        mp.parse_skaters(content)
