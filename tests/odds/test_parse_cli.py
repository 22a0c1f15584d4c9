"""``propledger odds parse``: exact CSV for every fixture (expected text written by hand).

Decimal odds are 4 places; American is derived (decimal quotes: round half away from zero;
American quotes: as given). Rows sort by game start, event, player, market, line, side, book.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from propledger.cli import main
from propledger.odds.parse import CSV_COLUMNS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
HEADER = (
    "vendor,book,event_id_vendor,event_start_time_utc,home_team,away_team,player_name_raw,"
    "market_type,line,side,odds_decimal,odds_american,odds_quoted_raw,book_type\n"
)

PLAYNOW = (
    HEADER
    + """\
PLAYNOW,PlayNow,12004411,2026-01-15T00:00:00Z,MTL,TOR,Evan Marchetti,GOALS,0.5,OVER,3.1000,210,3.1,SPORTSBOOK
PLAYNOW,PlayNow,12004411,2026-01-15T00:00:00Z,MTL,TOR,Evan Marchetti,POINTS,0.5,OVER,1.6100,-164,1.61,SPORTSBOOK
PLAYNOW,PlayNow,12004411,2026-01-15T00:00:00Z,MTL,TOR,Evan Marchetti,POINTS,0.5,UNDER,2.3000,130,2.3,SPORTSBOOK
PLAYNOW,PlayNow,12004411,2026-01-15T00:00:00Z,MTL,TOR,Evan Marchetti,SOG,2.5,OVER,1.8700,-115,1.87,SPORTSBOOK
PLAYNOW,PlayNow,12004411,2026-01-15T00:00:00Z,MTL,TOR,Evan Marchetti,SOG,2.5,UNDER,1.9500,-105,1.95,SPORTSBOOK
PLAYNOW,PlayNow,12004411,2026-01-15T00:00:00Z,MTL,TOR,Samuel Roy,GOALS,0.5,OVER,4.0000,300,4.0,SPORTSBOOK
PLAYNOW,PlayNow,12004411,2026-01-15T00:00:00Z,MTL,TOR,Samuel Roy,SOG,1.5,OVER,1.4500,-222,1.45,SPORTSBOOK
PLAYNOW,PlayNow,12004411,2026-01-15T00:00:00Z,MTL,TOR,Samuel Roy,SOG,2.5,OVER,2.6000,160,2.6,SPORTSBOOK
PLAYNOW,PlayNow,12004415,2026-01-15T03:00:00Z,VAN,CGY,Liam Okafor,ASSISTS,0.5,OVER,2.4000,140,2.4,SPORTSBOOK
PLAYNOW,PlayNow,12004415,2026-01-15T03:00:00Z,VAN,CGY,Liam Okafor,ASSISTS,0.5,UNDER,1.5500,-182,1.55,SPORTSBOOK
PLAYNOW,PlayNow,12004415,2026-01-15T03:00:00Z,VAN,CGY,Oskar Brandt,BLOCKS,1.5,OVER,2.0500,105,2.05,SPORTSBOOK
PLAYNOW,PlayNow,12004415,2026-01-15T03:00:00Z,VAN,CGY,Oskar Brandt,BLOCKS,1.5,UNDER,1.7400,-135,1.74,SPORTSBOOK
"""
)

KAMBI = (
    HEADER
    + """\
PLAYNOW,PlayNow,1023456789,2026-01-15T03:00:00Z,VAN,CGY,Liam Okafor,POINTS,0.5,OVER,1.6200,-161,1.62,SPORTSBOOK
PLAYNOW,PlayNow,1023456789,2026-01-15T03:00:00Z,VAN,CGY,Liam Okafor,POINTS,0.5,UNDER,2.2000,120,2.2,SPORTSBOOK
PLAYNOW,PlayNow,1023456789,2026-01-15T03:00:00Z,VAN,CGY,Liam Okafor,SOG,2.5,OVER,1.9000,-111,1.9,SPORTSBOOK
PLAYNOW,PlayNow,1023456789,2026-01-15T03:00:00Z,VAN,CGY,Liam Okafor,SOG,2.5,OVER,2.7500,175,2.75,SPORTSBOOK
PLAYNOW,PlayNow,1023456789,2026-01-15T03:00:00Z,VAN,CGY,Liam Okafor,SOG,2.5,UNDER,1.8700,-115,1.87,SPORTSBOOK
PLAYNOW,PlayNow,1023456789,2026-01-15T03:00:00Z,VAN,CGY,Liam Okafor,SOG,3.5,OVER,5.5000,450,5.5,SPORTSBOOK
"""
)

UNABATED = (
    HEADER
    + """\
UNABATED,DraftKings,210001,2026-01-15T00:00:00Z,MTL,TOR,Evan Marchetti,SOG,2.5,OVER,1.8475,-118,-118,SPORTSBOOK
UNABATED,Underdog Fantasy,210001,2026-01-15T00:00:00Z,MTL,TOR,Evan Marchetti,SOG,2.5,OVER,1.8197,-122,-122,DFS_FIXED_PAYOUT
UNABATED,DraftKings,210001,2026-01-15T00:00:00Z,MTL,TOR,Evan Marchetti,SOG,2.5,UNDER,1.9615,-104,-104,SPORTSBOOK
UNABATED,DraftKings,210001,2026-01-15T00:00:00Z,MTL,TOR,Evan Marchetti,SOG,3.5,OVER,3.0500,205,205,SPORTSBOOK
UNABATED,DraftKings,210001,2026-01-15T00:00:00Z,MTL,TOR,Evan Marchetti,SOG,3.5,UNDER,1.3448,-290,-290,SPORTSBOOK
UNABATED,FanDuel,210001,2026-01-15T00:00:00Z,MTL,TOR,Samuel Roy,POINTS,0.5,OVER,1.7407,-135,-135,SPORTSBOOK
UNABATED,FanDuel,210001,2026-01-15T00:00:00Z,MTL,TOR,Samuel Roy,POINTS,0.5,UNDER,2.1000,110,110,SPORTSBOOK
UNABATED,FanDuel,210002,2026-01-15T03:00:00Z,VAN,CGY,Liam Okafor,GOALS,0.5,OVER,3.4000,240,240,SPORTSBOOK
UNABATED,DraftKings,210002,2026-01-15T03:00:00Z,VAN,CGY,Oskar Brandt,BLOCKS,1.5,OVER,2.0000,100,100,SPORTSBOOK
UNABATED,DraftKings,210002,2026-01-15T03:00:00Z,VAN,CGY,Oskar Brandt,BLOCKS,1.5,UNDER,1.7692,-130,-130,SPORTSBOOK
"""
)

ODDSSHARK = (
    HEADER
    + """\
ODDSSHARK,BET99,ODDSSHARK_20260114_TOR_MTL,2026-01-15T00:00:00Z,MTL,TOR,Evan Marchetti,POINTS,0.5,OVER,1.6250,-160,-160,SPORTSBOOK
ODDSSHARK,Pinnacle,ODDSSHARK_20260114_TOR_MTL,2026-01-15T00:00:00Z,MTL,TOR,Evan Marchetti,POINTS,0.5,OVER,1.6667,-150,-150,SPORTSBOOK
ODDSSHARK,Sports Interaction,ODDSSHARK_20260114_TOR_MTL,2026-01-15T00:00:00Z,MTL,TOR,Evan Marchetti,POINTS,0.5,OVER,1.6452,-155,-155,SPORTSBOOK
ODDSSHARK,BET99,ODDSSHARK_20260114_TOR_MTL,2026-01-15T00:00:00Z,MTL,TOR,Evan Marchetti,POINTS,0.5,UNDER,2.2500,125,+125,SPORTSBOOK
ODDSSHARK,Pinnacle,ODDSSHARK_20260114_TOR_MTL,2026-01-15T00:00:00Z,MTL,TOR,Evan Marchetti,POINTS,0.5,UNDER,2.3000,130,+130,SPORTSBOOK
ODDSSHARK,Sports Interaction,ODDSSHARK_20260114_TOR_MTL,2026-01-15T00:00:00Z,MTL,TOR,Evan Marchetti,POINTS,0.5,UNDER,2.2000,120,+120,SPORTSBOOK
ODDSSHARK,BET99,ODDSSHARK_20260114_TOR_MTL,2026-01-15T00:00:00Z,MTL,TOR,Evan Marchetti,SOG,2.5,OVER,1.9091,-110,-110,SPORTSBOOK
ODDSSHARK,Betway,ODDSSHARK_20260114_TOR_MTL,2026-01-15T00:00:00Z,MTL,TOR,Evan Marchetti,SOG,2.5,OVER,1.8000,-125,-125,SPORTSBOOK
ODDSSHARK,Pinnacle,ODDSSHARK_20260114_TOR_MTL,2026-01-15T00:00:00Z,MTL,TOR,Evan Marchetti,SOG,2.5,OVER,1.8929,-112,-112,SPORTSBOOK
ODDSSHARK,BET99,ODDSSHARK_20260114_TOR_MTL,2026-01-15T00:00:00Z,MTL,TOR,Evan Marchetti,SOG,2.5,UNDER,1.8333,-120,-120,SPORTSBOOK
ODDSSHARK,Betway,ODDSSHARK_20260114_TOR_MTL,2026-01-15T00:00:00Z,MTL,TOR,Evan Marchetti,SOG,2.5,UNDER,1.9524,-105,-105,SPORTSBOOK
ODDSSHARK,Pinnacle,ODDSSHARK_20260114_TOR_MTL,2026-01-15T00:00:00Z,MTL,TOR,Evan Marchetti,SOG,2.5,UNDER,1.9259,-108,-108,SPORTSBOOK
ODDSSHARK,BET99,ODDSSHARK_20260114_CGY_VAN,2026-01-15T03:00:00Z,VAN,CGY,Liam Okafor,POINTS,0.5,OVER,1.9524,-105,-105,SPORTSBOOK
ODDSSHARK,Sports Interaction,ODDSSHARK_20260114_CGY_VAN,2026-01-15T03:00:00Z,VAN,CGY,Liam Okafor,POINTS,0.5,OVER,2.0000,100,EV,SPORTSBOOK
ODDSSHARK,BET99,ODDSSHARK_20260114_CGY_VAN,2026-01-15T03:00:00Z,VAN,CGY,Liam Okafor,POINTS,0.5,UNDER,1.8000,-125,-125,SPORTSBOOK
ODDSSHARK,Pinnacle,ODDSSHARK_20260114_CGY_VAN,2026-01-15T03:00:00Z,VAN,CGY,Liam Okafor,POINTS,0.5,UNDER,1.8696,-115,-115,SPORTSBOOK
ODDSSHARK,Sports Interaction,ODDSSHARK_20260114_CGY_VAN,2026-01-15T03:00:00Z,VAN,CGY,Liam Okafor,POINTS,0.5,UNDER,1.7692,-130,-130,SPORTSBOOK
"""
)

PLAYNOW_EDGE = (
    HEADER
    + """\
PLAYNOW,PlayNow,12009001,2026-03-10T00:30:00Z,STL,MTL,Nils Åberg,GOALS,0.5,OVER,3.5000,250,5/2,SPORTSBOOK
PLAYNOW,PlayNow,12009001,2026-03-10T00:30:00Z,STL,MTL,Nils Åberg,SOG,0.5,OVER,1.2000,-500,1.2,SPORTSBOOK
PLAYNOW,PlayNow,12009001,2026-03-10T00:30:00Z,STL,MTL,Nils Åberg,SOG,2.5,OVER,2.9000,190,2.9,SPORTSBOOK
PLAYNOW,PlayNow,12009001,2026-03-10T00:30:00Z,STL,MTL,Zoë Ölund,GOALS,0.5,OVER,2.7500,175,2.75,SPORTSBOOK
PLAYNOW,PlayNow,12009001,2026-03-10T00:30:00Z,STL,MTL,Zoë Ölund,POINTS,0.5,OVER,2.1000,110,2.1,SPORTSBOOK
PLAYNOW,PlayNow,12009001,2026-03-10T00:30:00Z,STL,MTL,Zoë Ölund,POINTS,0.5,UNDER,1.7000,-143,1.7,SPORTSBOOK
PLAYNOW,PlayNow,12009001,2026-03-10T00:30:00Z,STL,MTL,Zoë Ölund,SOG,3.5,OVER,1.8700,-115,1.870,SPORTSBOOK
PLAYNOW,PlayNow,12009002,2026-03-10T02:30:00Z,LAK,UTA,Dylan Guenther,SOG,2.5,OVER,1.9100,-110,1.91,SPORTSBOOK
PLAYNOW,PlayNow,12009002,2026-03-10T02:30:00Z,LAK,UTA,Dylan Guenther,SOG,2.5,UNDER,1.9100,-110,1.91,SPORTSBOOK
"""
)

KAMBI_EDGE = (
    HEADER
    + """\
PLAYNOW,PlayNow,1023999001,2026-03-10T23:00:00Z,MTL,TBL,Cole Caufield,GOALS,1.5,OVER,6.5000,550,6.5,SPORTSBOOK
PLAYNOW,PlayNow,1023999001,2026-03-10T23:00:00Z,MTL,TBL,Cole Caufield,POINTS,0.5,OVER,1.5000,-200,1.5,SPORTSBOOK
PLAYNOW,PlayNow,1023999001,2026-03-10T23:00:00Z,MTL,TBL,Cole Caufield,POINTS,0.5,UNDER,2.5000,150,2.5,SPORTSBOOK
PLAYNOW,PlayNow,1023999001,2026-03-10T23:00:00Z,MTL,TBL,"Kucherov, Nikita",POINTS,0.5,UNDER,2.0500,105,2.05,SPORTSBOOK
PLAYNOW,PlayNow,1023999001,2026-03-10T23:00:00Z,MTL,TBL,"Kucherov, Nikita",SOG,2.5,OVER,1.9100,-110,1.91,SPORTSBOOK
PLAYNOW,PlayNow,1023999001,2026-03-10T23:00:00Z,MTL,TBL,"Kucherov, Nikita",SOG,2.5,UNDER,1.9100,-110,1.91,SPORTSBOOK
PLAYNOW,PlayNow,1023999001,2026-03-10T23:00:00Z,MTL,TBL,"Kucherov, Nikita",SOG,3.5,OVER,2.6000,160,2.6,SPORTSBOOK
PLAYNOW,PlayNow,1023999001,2026-03-10T23:00:00Z,MTL,TBL,"Kucherov, Nikita",SOG,3.5,UNDER,1.5000,-200,1.5,SPORTSBOOK
"""
)

UNABATED_EDGE = (
    HEADER
    + """\
UNABATED,FanDuel,310001,2026-03-10T23:00:00Z,MTL,TBL,Cole Caufield,ASSISTS,0.5,OVER,2.5000,150,150,SPORTSBOOK
UNABATED,FanDuel,310001,2026-03-10T23:00:00Z,MTL,TBL,Cole Caufield,ASSISTS,0.5,UNDER,1.5263,-190,-190,SPORTSBOOK
UNABATED,FanDuel,310001,2026-03-10T23:00:00Z,MTL,TBL,Juraj Slafkovský,GOALS,0.5,OVER,2.6000,160,160,SPORTSBOOK
UNABATED,PrizePicks,310001,2026-03-10T23:00:00Z,MTL,TBL,Juraj Slafkovský,GOALS,0.5,OVER,1.7299,-137,-137,DFS_FIXED_PAYOUT
UNABATED,DraftKings,310001,2026-03-10T23:00:00Z,MTL,TBL,Nikita Kucherov,SOG,3.5,OVER,1.8333,-120,-120,SPORTSBOOK
UNABATED,DraftKings Pick6,310001,2026-03-10T23:00:00Z,MTL,TBL,Nikita Kucherov,SOG,3.5,OVER,1.8403,-119,-119,DFS_FIXED_PAYOUT
UNABATED,Novig,310001,2026-03-10T23:00:00Z,MTL,TBL,Nikita Kucherov,SOG,3.5,OVER,2.0800,108,108,SPORTSBOOK
UNABATED,Novig,310001,2026-03-10T23:00:00Z,MTL,TBL,Nikita Kucherov,SOG,3.5,UNDER,1.7092,-141,-141,SPORTSBOOK
UNABATED,FanDuel,310001,2026-03-10T23:00:00Z,MTL,TBL,Nikita Kucherov,SOG,4.5,OVER,2.7000,170,170,SPORTSBOOK
UNABATED,DraftKings,310002,2026-03-11T02:30:00Z,LAK,UTA,Clayton Keller,POINTS,0.5,OVER,1.6250,-160,-160,SPORTSBOOK
UNABATED,DraftKings,310002,2026-03-11T02:30:00Z,LAK,UTA,Clayton Keller,POINTS,0.5,UNDER,2.3000,130,130,SPORTSBOOK
"""
)

ODDSSHARK_EDGE = (
    HEADER
    + """\
ODDSSHARK,BET99,ODDSSHARK_20260303_TBL_MTL,2026-03-04T00:00:00Z,MTL,TBL,Jean-Gabriel Pageau,BLOCKS,1.5,OVER,2.0000,100,ev,SPORTSBOOK
ODDSSHARK,Betway,ODDSSHARK_20260303_TBL_MTL,2026-03-04T00:00:00Z,MTL,TBL,Juraj Slafkovský,BLOCKS,1.5,OVER,1.9091,-110,-110,SPORTSBOOK
ODDSSHARK,Betway,ODDSSHARK_20260303_TBL_MTL,2026-03-04T00:00:00Z,MTL,TBL,Juraj Slafkovský,BLOCKS,1.5,UNDER,1.8333,-120,-120,SPORTSBOOK
ODDSSHARK,BET99,ODDSSHARK_20260303_TBL_MTL,2026-03-04T00:00:00Z,MTL,TBL,Juraj Slafkovský,BLOCKS,2.5,OVER,2.8000,180,+180,SPORTSBOOK
ODDSSHARK,BET99,ODDSSHARK_20260303_TBL_MTL,2026-03-04T00:00:00Z,MTL,TBL,Juraj Slafkovský,BLOCKS,2.5,UNDER,1.4000,-250,-250,SPORTSBOOK
ODDSSHARK,bet365,ODDSSHARK_20260303_LAK_NJD,2026-03-04T02:30:00Z,NJD,LAK,Adrian Kempe,GOALS,0.5,OVER,2.3500,135,+135,SPORTSBOOK
ODDSSHARK,Pinnacle,ODDSSHARK_20260303_LAK_NJD,2026-03-04T02:30:00Z,NJD,LAK,Adrian Kempe,GOALS,0.5,OVER,2.0000,100,Even,SPORTSBOOK
ODDSSHARK,Pinnacle,ODDSSHARK_20260303_LAK_NJD,2026-03-04T02:30:00Z,NJD,LAK,Adrian Kempe,GOALS,0.5,UNDER,1.7692,-130,-130,SPORTSBOOK
ODDSSHARK,pinnacle,ODDSSHARK_20260303_UTA_VGK,2026-03-04T03:00:00Z,VGK,UTA,Clayton Keller,SOG,3.5,OVER,1.9524,-105,-105,SPORTSBOOK
ODDSSHARK,pinnacle,ODDSSHARK_20260303_UTA_VGK,2026-03-04T03:00:00Z,VGK,UTA,Clayton Keller,SOG,3.5,UNDER,1.8000,-125,-125,SPORTSBOOK
"""
)

JAN14 = "2026-01-14T17:00:00Z"
MAR3_EVENING = "2026-03-04T01:30:00Z"  # 20:30 EST on March 3


@pytest.mark.parametrize(
    ("vendor", "name", "captured", "expected"),
    [
        ("playnow", "playnow_openbet_events.json", JAN14, PLAYNOW),
        ("kambi", "kambi_betoffers.json", JAN14, KAMBI),
        ("unabated", "unabated_propodds.json", JAN14, UNABATED),
        ("oddsshark", "oddsshark_player_props.html", JAN14, ODDSSHARK),
        ("playnow", "odds/playnow_openbet_edge.json", JAN14, PLAYNOW_EDGE),
        ("kambi", "odds/kambi_betoffers_edge.json", JAN14, KAMBI_EDGE),
        ("unabated", "odds/unabated_propodds_edge.json", JAN14, UNABATED_EDGE),
        ("oddsshark", "odds/oddsshark_player_props_edge.html", MAR3_EVENING, ODDSSHARK_EDGE),
    ],
)
def test_parse_prints_exact_csv(
    vendor: str, name: str, captured: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["odds", "parse", "--vendor", vendor, str(FIXTURES / name), "--captured-at", captured]
    )
    out = capsys.readouterr()
    assert code == 0, out.err
    assert out.out == expected


def test_header_is_exactly_the_specified_columns() -> None:
    assert HEADER.strip().split(",") == list(CSV_COLUMNS)


def test_output_is_deterministic(capsys: pytest.CaptureFixture[str]) -> None:
    args = [
        "odds",
        "parse",
        "--vendor",
        "unabated",
        str(FIXTURES / "odds/unabated_propodds_edge.json"),
        "--captured-at",
        JAN14,
    ]
    main(args)
    first = capsys.readouterr().out
    main(args)
    assert capsys.readouterr().out == first


def test_captured_at_defaults_to_file_mtime(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "props.html"
    page.write_bytes((FIXTURES / "oddsshark_player_props.html").read_bytes())
    evening = dt.datetime(2026, 2, 3, 2, 0, tzinfo=dt.UTC).timestamp()  # 21:00 EST on Feb 2
    os.utime(page, (evening, evening))
    assert main(["odds", "parse", "--vendor", "oddsshark", str(page)]) == 0
    out = capsys.readouterr()
    assert "ODDSSHARK_20260202_TOR_MTL,2026-02-03T00:00:00Z" in out.out
    assert out.err == (
        f"note: no --captured-at: OddsShark games are dated by {page}'s modification time "
        "2026-02-03T02:00:00Z (ET date 2026-02-02); pass --captured-at to reproduce\n"
    )


@pytest.mark.parametrize(
    ("vendor", "name"),
    [
        ("playnow", "odds/playnow_openbet_edge.json"),
        ("kambi", "odds/kambi_betoffers_edge.json"),
        ("unabated", "odds/unabated_propodds_edge.json"),
    ],
)
def test_json_vendors_do_not_depend_on_the_capture_instant(
    vendor: str, name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / Path(name).name
    path.write_bytes((FIXTURES / name).read_bytes())
    outputs = []
    for stamp in (dt.datetime(2020, 1, 1, tzinfo=dt.UTC), dt.datetime(2027, 6, 1, tzinfo=dt.UTC)):
        os.utime(path, (stamp.timestamp(), stamp.timestamp()))
        assert main(["odds", "parse", "--vendor", vendor, str(path)]) == 0
        out = capsys.readouterr()
        assert "note:" not in out.err  # nothing depends on the mtime: no note
        outputs.append(out.out)
    assert outputs[0] == outputs[1] and outputs[0].count("\n") > 5


def test_naive_captured_at_is_utc(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(FIXTURES / "oddsshark_player_props.html")
    assert (
        main(
            ["odds", "parse", "--vendor", "oddsshark", path, "--captured-at", "2026-01-15T01:30:00"]
        )
        == 0
    )
    assert "ODDSSHARK_20260114_TOR_MTL" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--vendor", "draftkings", "x.json"], "--vendor 'draftkings' is unknown"),
        (["--vendor", "playnow", "/no/such/file.json"], "cannot read /no/such/file.json"),
        (["--vendor", "playnow", str(FIXTURES / "oddsshark_player_props.html")], "expected JSON"),
        (
            [
                "--vendor",
                "unabated",
                str(FIXTURES / "unabated_propodds.json"),
                "--captured-at",
                "noon",
            ],
            "--captured-at 'noon' is not an ISO-8601 instant",
        ),
    ],
)
def test_bad_input_is_one_line_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["odds", "parse", *args]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    lines = out.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]


def test_directory_is_unreadable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["odds", "parse", "--vendor", "kambi", str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith("error: cannot read")


#: a props page whose structure is there but holds no props yet (before books post them)
EMPTY_PAGE = """<html><body>
<div class="tab-group foil"><button class="button button--tab-primary">POINTS</button></div>
<div class="player-props--container tab is-active">
  <div class="player-props--header"><div class="player-props--item">Best Odds</div></div>
</div>
</body></html>"""


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("empty.json", '{"odds": {"lg6:pt1:pregame": []}}'),  # no props posted yet
        ("empty.json", '{"data": {"events": []}}'),  # no events listed
        ("empty.json", '{"betOffers": [], "events": []}'),
        ("empty.html", EMPTY_PAGE),
    ],
    ids=["unabated", "playnow", "kambi", "oddsshark"],
)
def test_a_valid_payload_without_props_is_an_empty_csv_exit_0(
    name: str, content: str, request: pytest.FixtureRequest, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    vendor = request.node.callspec.id
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    assert main(["odds", "parse", "--vendor", vendor, str(path), "--captured-at", JAN14, "-v"]) == 0
    out = capsys.readouterr()
    assert out.out == HEADER
    assert f"{vendor}: 0 quotes (empty)" in out.err and "error" not in out.err


@pytest.mark.parametrize(
    ("vendor", "content", "why"),
    [
        # the reviewer's four pairs
        (
            "oddsshark",
            "unabated_propodds.json",
            "selector .player-props--container.tab matched nothing",
        ),
        ("playnow", "unabated_propodds.json", "no data.events in the payload"),
        ("kambi", "playnow_openbet_events.json", "no betOffers in the payload"),
        ("unabated", "{}", "no odds['lg6:pt1:pregame'] list in the payload"),
        # and the other fixtures in a foreign format
        ("unabated", "kambi_betoffers.json", "no odds['lg6:pt1:pregame'] list"),
        ("unabated", "playnow_openbet_events.json", "no odds['lg6:pt1:pregame'] list"),
        ("kambi", "unabated_propodds.json", "no betOffers in the payload"),
        ("oddsshark", "kambi_betoffers.json", "matched nothing"),
        ("oddsshark", "playnow_openbet_events.json", "matched nothing"),
        ("playnow", "kambi_betoffers.json", "a Kambi betOffers payload, not OpenBet"),
        # a block page is not a props page either
        ("oddsshark", "<html><body>Just a moment...</body></html>", "matched nothing"),
    ],
)
def test_another_vendors_format_is_one_line_exit_2(
    vendor: str, content: str, why: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if content.endswith((".json", ".html")):
        path = FIXTURES / content
    else:
        path = tmp_path / "payload.txt"
        path.write_text(content, encoding="utf-8")
    assert main(["odds", "parse", "--vendor", vendor, str(path), "--captured-at", JAN14]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    lines = out.err.strip().splitlines()
    assert len(lines) == 1, out.err
    assert lines[0].startswith(f"error: {path}: not in the {vendor} format (")
    assert why in lines[0]
    assert lines[0].endswith(f"is this a {vendor} payload? check --vendor")
