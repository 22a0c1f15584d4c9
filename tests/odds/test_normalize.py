"""Team, market, side, line, book-type and player-name normalisation."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from propledger.odds.normalize import (
    NHL_TEAMS,
    book_type_for,
    canonical_market,
    canonical_side,
    display_name,
    fold,
    ladder_k,
    normalize_line,
    player_match_key,
    strip_logo,
    team_abbrev,
)
from propledger.odds.quote import BookType, Market, Side

FULL_NAMES = {
    "Anaheim Ducks": "ANA",
    "Boston Bruins": "BOS",
    "Buffalo Sabres": "BUF",
    "Calgary Flames": "CGY",
    "Carolina Hurricanes": "CAR",
    "Chicago Blackhawks": "CHI",
    "Colorado Avalanche": "COL",
    "Columbus Blue Jackets": "CBJ",
    "Dallas Stars": "DAL",
    "Detroit Red Wings": "DET",
    "Edmonton Oilers": "EDM",
    "Florida Panthers": "FLA",
    "Los Angeles Kings": "LAK",
    "Minnesota Wild": "MIN",
    "Montreal Canadiens": "MTL",
    "Nashville Predators": "NSH",
    "New Jersey Devils": "NJD",
    "New York Islanders": "NYI",
    "New York Rangers": "NYR",
    "Ottawa Senators": "OTT",
    "Philadelphia Flyers": "PHI",
    "Pittsburgh Penguins": "PIT",
    "San Jose Sharks": "SJS",
    "Seattle Kraken": "SEA",
    "St. Louis Blues": "STL",
    "Tampa Bay Lightning": "TBL",
    "Toronto Maple Leafs": "TOR",
    "Utah Mammoth": "UTA",
    "Vancouver Canucks": "VAN",
    "Vegas Golden Knights": "VGK",
    "Washington Capitals": "WSH",
    "Winnipeg Jets": "WPG",
}


def test_all_32_teams_by_full_name_and_code() -> None:
    assert len(NHL_TEAMS) == 32
    assert set(FULL_NAMES.values()) == NHL_TEAMS
    for name, code in FULL_NAMES.items():
        assert team_abbrev(name) == code, name
        assert team_abbrev(code) == code
        assert team_abbrev(code.lower()) == code
        assert team_abbrev(name.upper()) == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Montréal Canadiens", "MTL"),
        ("MONTRÉAL CANADIENS", "MTL"),
        ("Canadiens de Montréal", "MTL"),
        ("St Louis Blues", "STL"),
        ("St. Louis Blues", "STL"),
        ("Saint Louis Blues", "STL"),
        ("Utah Hockey Club", "UTA"),
        ("Utah Mammoth", "UTA"),
        ("Utah", "UTA"),
        ("Maple Leafs Toronto TOR", "TOR"),  # Unabated's eventName halves
        ("Canadiens Montreal MTL", "MTL"),
        ("Hockey Club Utah UTA", "UTA"),
        ("Kings Los Angeles LA", "LAK"),
        ("Lightning Tampa Bay TB", "TBL"),
        ("LA", "LAK"),
        ("L.A", "LAK"),
        ("L.A. Kings", "LAK"),
        ("NJ", "NJD"),
        ("N.J.", "NJD"),
        ("SJ", "SJS"),
        ("TB", "TBL"),
        ("T.B", "TBL"),
        ("Maple Leafs", "TOR"),
        ("Golden Knights", "VGK"),
        ("Vegas", "VGK"),
        ("  Toronto   Maple  Leafs ", "TOR"),
        ("Toronto Maple Leafs (TOR)", "TOR"),
        ("WAS", "WSH"),
    ],
)
def test_team_variants(text: str, code: str) -> None:
    assert team_abbrev(text) == code


@pytest.mark.parametrize("text", ["New York", "", "   ", None, "Hamilton Tigers", "XYZ"])
def test_unknown_or_ambiguous_teams_are_none(text: str | None) -> None:
    assert team_abbrev(text) is None


@pytest.mark.parametrize(
    ("label", "market"),
    [
        ("Shots on Goal", Market.SOG),
        ("Shots On Goal", Market.SOG),
        ("SHOTS ON GOAL", Market.SOG),
        ("Points", Market.POINTS),
        ("POINTS", Market.POINTS),
        ("Assists", Market.ASSISTS),
        ("Goals", Market.GOALS),
        ("Blocks", Market.BLOCKS),
        ("Blocked Shots", Market.BLOCKS),
        ("BLOCKED SHOTS", Market.BLOCKS),
        ("Powerplay Points", None),
        ("POWER PLAY POINTS", None),
        ("Power-Play Points", None),
        ("Saves", None),
        ("Hits", None),
        ("", None),
    ],
)
def test_markets_are_exact_never_substring(label: str, market: Market | None) -> None:
    assert canonical_market(label) is market


def test_sides_lines_ladders() -> None:
    assert canonical_side("Over") is Side.OVER and canonical_side("U") is Side.UNDER
    assert canonical_side("OT_OVER") is Side.OVER and canonical_side("OT_UNDER") is Side.UNDER
    assert canonical_side("Yes") is None and canonical_side(None) is None
    assert normalize_line(2.5) == 2.5 and normalize_line("0.5") == 0.5 and normalize_line(3) == 3.0
    assert normalize_line(2.4999999999) == 2.5  # float noise is rounded …
    assert normalize_line(2.25) is None  # … a real quarter line is not silently changed
    assert normalize_line(None) is None and normalize_line(-1.5) is None
    assert normalize_line(float("nan")) is None and normalize_line("x") is None
    assert normalize_line(True) is None
    assert ladder_k("3+") == 3 and ladder_k(" 10 + ") == 10
    assert ladder_k("0+") is None and ladder_k("Over") is None and ladder_k("3") is None


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("PrizePicks", BookType.DFS_FIXED_PAYOUT),
        ("Prize Picks", BookType.DFS_FIXED_PAYOUT),
        ("Underdog Fantasy", BookType.DFS_FIXED_PAYOUT),
        ("DraftKings Pick6", BookType.DFS_FIXED_PAYOUT),
        ("DraftKings Pick 6", BookType.DFS_FIXED_PAYOUT),
        ("Sleeper", BookType.DFS_FIXED_PAYOUT),
        ("Parlay-Play", BookType.DFS_FIXED_PAYOUT),
        ("Chalkboard", BookType.DFS_FIXED_PAYOUT),
        ("Boom Fantasy", BookType.DFS_FIXED_PAYOUT),
        ("DraftKings", BookType.SPORTSBOOK),
        ("FanDuel", BookType.SPORTSBOOK),
        ("Pinnacle", BookType.SPORTSBOOK),
        ("Novig", BookType.SPORTSBOOK),
    ],
)
def test_book_types_by_keyword(name: str, kind: BookType) -> None:
    assert book_type_for(name) is kind


def test_strip_logo() -> None:
    assert strip_logo("Betway Logo") == "Betway"
    assert strip_logo("pinnacle logo") == "pinnacle"
    assert strip_logo("  BET99 ") == "BET99"
    assert strip_logo("Logotype Sports") == "Logotype Sports"


def test_display_name_keeps_accents_and_is_nfc() -> None:
    assert display_name("Juraj Slafkovsk&yacute;") == "Juraj Slafkovský"
    assert display_name("  Jean-Gabriel \n Pageau ") == "Jean-Gabriel Pageau"
    decomposed = "Nils A\u030aberg"
    assert display_name(decomposed) == "Nils Åberg" and display_name(decomposed) != decomposed


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Juraj Slafkovský", "juraj slafkovsky"),
        ("Pierre-Luc Dubois", "pierre luc dubois"),
        ("Dubois, Pierre-Luc", "pierre luc dubois"),
        ("Ryan O'Reilly", "ryan oreilly"),
        ("Ryan O’Reilly", "ryan oreilly"),
        ("Martin St. Louis Jr.", "martin st louis"),
        ("Jesper Bratt III", "jesper bratt"),
        ("Kirill Kaprizov Jr", "kirill kaprizov"),
        ("Oliver Ekman-Larsson", "oliver ekman larsson"),
        ("Mats Zuccarello Sr.", "mats zuccarello"),
        ("Jonas Røndbjerg", "jonas rondbjerg"),
        ("Tim Stützle", "tim stutzle"),
        ("Alexis Lafrenière", "alexis lafreniere"),
    ],
)
def test_player_match_key(name: str, key: str) -> None:
    assert player_match_key(name) == key


@given(st.text(max_size=40))
def test_fold_is_idempotent_ascii_and_trimmed(text: str) -> None:
    once = fold(text)
    assert fold(once) == once
    assert once == once.strip() and "  " not in once
    assert all(ch.isascii() for ch in once)


@given(st.text(max_size=40))
def test_match_key_is_idempotent(text: str) -> None:
    key = player_match_key(text)
    assert player_match_key(key) == key
    assert all(ch.isascii() for ch in key)


@given(st.text(max_size=40))
def test_display_name_is_idempotent_nfc(text: str) -> None:
    shown = display_name(text)
    assert unicodedata.is_normalized("NFC", shown)
    assert shown == shown.strip()


@given(
    st.sampled_from(sorted(FULL_NAMES.items())),
    st.sampled_from(["upper", "lower", "dots", "spaces"]),
)
def test_team_names_survive_case_and_punctuation_noise(item: tuple[str, str], noise: str) -> None:
    name, code = item
    variants = {
        "upper": name.upper(),
        "lower": name.lower(),
        "dots": name.replace(" ", ". ", 1),
        "spaces": f"  {name.replace(' ', '   ')}  ",
    }
    assert team_abbrev(variants[noise]) == code


@given(st.integers(min_value=0, max_value=200))
def test_half_lines_round_trip(tenths: int) -> None:
    value = tenths / 10
    assert normalize_line(value) == round(value, 1)
    assert normalize_line(str(value)) == round(value, 1)
