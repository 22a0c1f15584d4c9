"""The 32 real teams, their NHL ids and names; team and season selection."""

from __future__ import annotations

import pytest

from propledger.errors import ConfigError
from propledger.sample.teams import TEAMS, select_teams, team_for_season, validate_seasons

# from the issue, checked against the NHL API
NHL_IDS = {
    "ANA": 24,
    "BOS": 6,
    "BUF": 7,
    "CAR": 12,
    "CBJ": 29,
    "CGY": 20,
    "CHI": 16,
    "COL": 21,
    "DAL": 25,
    "DET": 17,
    "EDM": 22,
    "FLA": 13,
    "LAK": 26,
    "MIN": 30,
    "MTL": 8,
    "NJD": 1,
    "NSH": 18,
    "NYI": 2,
    "NYR": 3,
    "OTT": 9,
    "PHI": 4,
    "PIT": 5,
    "SEA": 55,
    "SJS": 28,
    "STL": 19,
    "TBL": 14,
    "TOR": 10,
    "UTA": 68,
    "VAN": 23,
    "VGK": 54,
    "WPG": 52,
    "WSH": 15,
}


def test_thirty_two_real_teams_with_real_ids() -> None:
    assert {t.abbrev: t.nhl_id for t in TEAMS} == NHL_IDS
    assert len({t.division for t in TEAMS}) == 4
    assert all(sum(t.division == d for t in TEAMS) == 8 for d in {t.division for t in TEAMS})


def test_full_names_keep_accents_and_punctuation() -> None:
    names = {t.abbrev: t.full_name for t in TEAMS}
    assert names["MTL"] == "Montréal Canadiens"
    assert names["STL"] == "St. Louis Blues"
    assert names["TOR"] == "Toronto Maple Leafs"
    assert names["VGK"] == "Vegas Golden Knights"


def test_utah_is_renamed_between_seasons() -> None:
    hc, mammoth = team_for_season("UTA", 2024), team_for_season("UTA", 2025)
    assert (hc.nhl_id, hc.full_name) == (59, "Utah Hockey Club")
    assert (mammoth.nhl_id, mammoth.full_name, mammoth.common_name) == (
        68,
        "Utah Mammoth",
        "Mammoth",
    )
    assert team_for_season("TOR", 2024) == team_for_season("TOR", 2025)


def test_select_teams_by_count_or_list() -> None:
    assert len(select_teams(None)) == 32
    assert select_teams(4) == (
        "MTL",
        "TOR",
        "UTA",
        "VAN",
    )  # preset order, returned in division order
    assert select_teams(("VAN", "TOR")) == ("TOR", "VAN")
    with pytest.raises(ConfigError, match="unknown team 'XXX'"):
        select_teams(("TOR", "XXX"))
    with pytest.raises(ConfigError, match="between 2 and 32"):
        select_teams(1)


def test_seasons_are_start_years_from_2024() -> None:
    assert validate_seasons((2025, 2024, 2025)) == (2024, 2025)
    with pytest.raises(ConfigError, match="start years ≥ 2024"):
        validate_seasons((2023,))
    with pytest.raises(ConfigError, match="empty"):
        validate_seasons(())
