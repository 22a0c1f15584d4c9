"""The 32 real NHL teams of 2024-25 onward: abbreviations, NHL team ids, names, venues.

Everything here is public fact, not generated. Utah is the one team whose identity depends on
the season: 2024-25 "Utah Hockey Club" (NHL id 59), from 2025-26 "Utah Mammoth" (id 68).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from propledger.errors import ConfigError

#: the first season (MoneyPuck start year) whose 32-team league these facts describe
FIRST_SEASON = 2024


@dataclass(frozen=True)
class Team:
    """One NHL team as the NHL API names it (``placeName`` + ``commonName``)."""

    abbrev: str
    nhl_id: int
    place_name: str
    common_name: str
    full_name: str
    venue: str
    venue_tz: str  # IANA zone of the home arena (start times and venueUTCOffset)
    division: str


def _t(
    abbrev: str, nhl_id: int, place: str, common: str, venue: str, tz: str, div: str, full: str = ""
) -> Team:
    return Team(abbrev, nhl_id, place, common, full or f"{place} {common}", venue, tz, div)


_NY, _TO, _CH, _DE = "America/New_York", "America/Toronto", "America/Chicago", "America/Denver"
_LA, _ED = "America/Los_Angeles", "America/Edmonton"

#: Ordered by division so that circulant schedule offsets favour regional rivals.
TEAMS: tuple[Team, ...] = (
    _t("BOS", 6, "Boston", "Bruins", "TD Garden", _NY, "Atlantic"),
    _t("BUF", 7, "Buffalo", "Sabres", "KeyBank Center", _NY, "Atlantic"),
    _t("DET", 17, "Detroit", "Red Wings", "Little Caesars Arena", "America/Detroit", "Atlantic"),
    _t("FLA", 13, "Florida", "Panthers", "Amerant Bank Arena", _NY, "Atlantic"),
    _t("MTL", 8, "Montréal", "Canadiens", "Centre Bell", "America/Montreal", "Atlantic"),
    _t("OTT", 9, "Ottawa", "Senators", "Canadian Tire Centre", _TO, "Atlantic"),
    _t("TBL", 14, "Tampa Bay", "Lightning", "Amalie Arena", _NY, "Atlantic"),
    _t("TOR", 10, "Toronto", "Maple Leafs", "Scotiabank Arena", _TO, "Atlantic"),
    _t("CAR", 12, "Carolina", "Hurricanes", "Lenovo Center", _NY, "Metropolitan"),
    _t("CBJ", 29, "Columbus", "Blue Jackets", "Nationwide Arena", _NY, "Metropolitan"),
    _t("NJD", 1, "New Jersey", "Devils", "Prudential Center", _NY, "Metropolitan"),
    _t("NYI", 2, "New York", "Islanders", "UBS Arena", _NY, "Metropolitan"),
    _t("NYR", 3, "New York", "Rangers", "Madison Square Garden", _NY, "Metropolitan"),
    _t("PHI", 4, "Philadelphia", "Flyers", "Wells Fargo Center", _NY, "Metropolitan"),
    _t("PIT", 5, "Pittsburgh", "Penguins", "PPG Paints Arena", _NY, "Metropolitan"),
    _t("WSH", 15, "Washington", "Capitals", "Capital One Arena", _NY, "Metropolitan"),
    _t("CHI", 16, "Chicago", "Blackhawks", "United Center", _CH, "Central"),
    _t("COL", 21, "Colorado", "Avalanche", "Ball Arena", _DE, "Central"),
    _t("DAL", 25, "Dallas", "Stars", "American Airlines Center", _CH, "Central"),
    _t("MIN", 30, "Minnesota", "Wild", "Xcel Energy Center", _CH, "Central"),
    _t("NSH", 18, "Nashville", "Predators", "Bridgestone Arena", _CH, "Central"),
    _t("STL", 19, "St. Louis", "Blues", "Enterprise Center", _CH, "Central"),
    _t("UTA", 68, "Utah", "Mammoth", "Delta Center", _DE, "Central"),
    _t("WPG", 52, "Winnipeg", "Jets", "Canada Life Centre", "America/Winnipeg", "Central"),
    _t("ANA", 24, "Anaheim", "Ducks", "Honda Center", _LA, "Pacific"),
    _t("CGY", 20, "Calgary", "Flames", "Scotiabank Saddledome", _ED, "Pacific"),
    _t("EDM", 22, "Edmonton", "Oilers", "Rogers Place", _ED, "Pacific"),
    _t("LAK", 26, "Los Angeles", "Kings", "Crypto.com Arena", _LA, "Pacific"),
    _t("SJS", 28, "San Jose", "Sharks", "SAP Center at San Jose", _LA, "Pacific"),
    _t("SEA", 55, "Seattle", "Kraken", "Climate Pledge Arena", _LA, "Pacific"),
    _t("VAN", 23, "Vancouver", "Canucks", "Rogers Arena", "America/Vancouver", "Pacific"),
    _t("VGK", 54, "Vegas", "Golden Knights", "T-Mobile Arena", _LA, "Pacific"),
)

BY_ABBREV: dict[str, Team] = {team.abbrev: team for team in TEAMS}

#: The default order of ``--teams N``: the first teams carry the planted quirks (duplicate
#: names across TOR/VAN and MTL/UTA, a 10 PM ET Pacific home team, Utah's renaming, accents).
PRESET_ORDER: tuple[str, ...] = (
    "TOR",
    "MTL",
    "VAN",
    "UTA",
    "BOS",
    "NYR",
    "EDM",
    "DAL",
    *(
        t.abbrev
        for t in TEAMS
        if t.abbrev not in {"TOR", "MTL", "VAN", "UTA", "BOS", "NYR", "EDM", "DAL"}
    ),
)


def team_for_season(abbrev: str, season: int) -> Team:
    """The team as it was named in ``season`` (MoneyPuck start year)."""
    team = BY_ABBREV[abbrev]
    if abbrev == "UTA" and season == 2024:
        return replace(
            team, nhl_id=59, common_name="Utah Hockey Club", full_name="Utah Hockey Club"
        )
    return team


def select_teams(teams: int | tuple[str, ...] | None) -> tuple[str, ...]:
    """Team abbreviations in canonical (division) order: all, the first N of the preset order,
    or an explicit list. Raises ConfigError naming the bad value."""
    if teams is None:
        return tuple(t.abbrev for t in TEAMS)
    if isinstance(teams, int):
        if not 2 <= teams <= len(TEAMS):
            raise ConfigError(f"--teams {teams}: choose between 2 and {len(TEAMS)} teams")
        chosen = set(PRESET_ORDER[:teams])
    else:
        unknown = [a for a in teams if a not in BY_ABBREV]
        if unknown:
            raise ConfigError(
                f"--teams: unknown team {unknown[0]!r}; use NHL abbreviations like TOR,MTL"
            )
        chosen = set(teams)
        if len(chosen) < 2:
            raise ConfigError("--teams: choose at least two different teams")
    return tuple(t.abbrev for t in TEAMS if t.abbrev in chosen)


def validate_seasons(seasons: tuple[int, ...]) -> tuple[int, ...]:
    """Sorted, de-duplicated seasons; each a start year ≥ 2024 (the 32-team league with UTA)."""
    if not seasons:
        raise ConfigError("--seasons is empty; give start years like 2024,2025")
    bad = [s for s in seasons if not FIRST_SEASON <= s <= 2099]
    if bad:
        raise ConfigError(
            f"--seasons {bad[0]}: the sample world models the league of 2024-25 onward; "
            "use MoneyPuck start years ≥ 2024 (2024 = 2024-25)"
        )
    return tuple(sorted(set(seasons)))


__all__ = [
    "BY_ABBREV",
    "FIRST_SEASON",
    "PRESET_ORDER",
    "TEAMS",
    "Team",
    "select_teams",
    "team_for_season",
    "validate_seasons",
]
