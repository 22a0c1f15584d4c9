"""Vendor vocabulary → canonical values: teams, markets, sides, lines, book types, names.

* :func:`team_abbrev` maps any vendor spelling of a team (full name, accents, "St Louis",
  "Utah Hockey Club", Unabated's "Maple Leafs Toronto TOR", short codes "LA"/"NJ", dotted
  "L.A") to its NHL abbreviation, or ``None`` when unknown or ambiguous ("New York").
* :func:`canonical_market` maps a stat label to a :class:`Market` by an exact table, never by
  substring, so "Power Play Points" is not POINTS.
* :func:`display_name` is what we store (NFC, entities decoded, whitespace collapsed; accents
  kept); :func:`player_match_key` is only for matching (accents folded, punctuation and
  suffixes such as Jr./III dropped) and is never stored as the player's name.
"""

from __future__ import annotations

import functools
import html
import math
import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType

from propledger.odds.quote import BookType, Market, Side

# ---- text folding -------------------------------------------------------------------------

#: letters NFKD does not decompose into ASCII + combining marks
_SPECIAL = str.maketrans(
    {
        "ø": "o",
        "Ø": "o",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ß": "ss",
        "đ": "d",
        "Đ": "d",
        "ł": "l",
        "Ł": "l",
        "ı": "i",
        "þ": "th",
        "ð": "d",
    }
)
_DROP = re.compile(r"[.'’`´]")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """Lower-case ASCII words separated by one space: accents folded, ``.``/``'`` dropped,
    other punctuation a separator. ``"Montréal"`` → ``"montreal"``, ``"St. Louis"`` →
    ``"st louis"``, ``"L.A Kings"`` → ``"la kings"``."""
    text = unicodedata.normalize("NFKD", html.unescape(text).translate(_SPECIAL))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = _DROP.sub("", text)
    return _NON_ALNUM.sub(" ", text).strip()


def display_name(text: str) -> str:
    """The stored form of a vendor's name: entities decoded, whitespace collapsed, NFC.

    Accents and punctuation are kept exactly (never ASCII-folded)."""
    return unicodedata.normalize("NFC", " ".join(html.unescape(str(text)).split()))


_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "v"})


def player_match_key(name: str) -> str:
    """A matching key for player names (mapping only; never stored as a name).

    Folds accents, drops punctuation and generational suffixes, and turns Kambi-style
    ``"Last, First"`` into ``"first last"``: ``"Pierre-Luc Dubois"`` → ``"pierre luc dubois"``,
    ``"Dubois, Pierre-Luc"`` → ``"pierre luc dubois"``, ``"Martin St. Louis Jr."`` →
    ``"martin st louis"``."""
    text = html.unescape(name)
    if text.count(",") == 1:
        last, first = (part.strip() for part in text.split(","))
        if first and last and fold(first) not in _SUFFIXES:
            text = f"{first} {last}"
    words = fold(text).split()
    while len(words) > 1 and words[-1] in _SUFFIXES:
        words.pop()
    return " ".join(words)


# ---- teams --------------------------------------------------------------------------------

#: code, city, nickname, extra aliases (other codes, alternative names)
_TEAM_TABLE: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("ANA", "Anaheim", "Ducks", ("ANH",)),
    ("BOS", "Boston", "Bruins", ()),
    ("BUF", "Buffalo", "Sabres", ()),
    ("CGY", "Calgary", "Flames", ("CAL",)),
    ("CAR", "Carolina", "Hurricanes", ("Canes",)),
    ("CHI", "Chicago", "Blackhawks", ("Black Hawks",)),
    ("COL", "Colorado", "Avalanche", ("Avs",)),
    ("CBJ", "Columbus", "Blue Jackets", ("CLB", "CLS")),
    ("DAL", "Dallas", "Stars", ()),
    ("DET", "Detroit", "Red Wings", ()),
    ("EDM", "Edmonton", "Oilers", ()),
    ("FLA", "Florida", "Panthers", ("FLO",)),
    ("LAK", "Los Angeles", "Kings", ("LA", "LA Kings", "Los Angeles LA")),
    ("MIN", "Minnesota", "Wild", ()),
    ("MTL", "Montréal", "Canadiens", ("MON", "Habs", "Canadiens de Montréal")),
    ("NSH", "Nashville", "Predators", ("NAS", "Preds")),
    ("NJD", "New Jersey", "Devils", ("NJ", "NJ Devils")),
    ("NYI", "New York", "Islanders", ("NY Islanders", "NYIslanders")),
    ("NYR", "New York", "Rangers", ("NY Rangers", "NYRangers")),
    ("OTT", "Ottawa", "Senators", ("Sens",)),
    ("PHI", "Philadelphia", "Flyers", ()),
    ("PIT", "Pittsburgh", "Penguins", ()),
    ("SJS", "San Jose", "Sharks", ("SJ", "SJ Sharks")),
    ("SEA", "Seattle", "Kraken", ()),
    ("STL", "St. Louis", "Blues", ("Saint Louis", "Saint Louis Blues", "St-Louis")),
    ("TBL", "Tampa Bay", "Lightning", ("TB", "TBay", "TB Lightning", "TAM")),
    ("TOR", "Toronto", "Maple Leafs", ("Leafs",)),
    ("UTA", "Utah", "Mammoth", ("Utah Hockey Club", "Hockey Club", "Utah HC", "UHC", "UTAH")),
    ("VAN", "Vancouver", "Canucks", ()),
    ("VGK", "Vegas", "Golden Knights", ("VEG", "LV", "Las Vegas", "Las Vegas Golden Knights")),
    ("WSH", "Washington", "Capitals", ("WAS", "Caps")),
    ("WPG", "Winnipeg", "Jets", ("WIN",)),
)

#: the 32 NHL abbreviations
NHL_TEAMS: frozenset[str] = frozenset(row[0] for row in _TEAM_TABLE)


def _build_aliases() -> tuple[Mapping[str, str], Mapping[str, str], Mapping[str, str]]:
    aliases: dict[str, str] = {}
    codes: dict[str, str] = {}
    nicknames: dict[str, str] = {}
    city_count: dict[str, int] = {}
    for _, city, _, _ in _TEAM_TABLE:
        city_count[fold(city)] = city_count.get(fold(city), 0) + 1
    for code, city, nick, extra in _TEAM_TABLE:
        c, n, k = fold(city), fold(nick), fold(code)
        codes[k] = code
        nicknames[n] = code
        for alias in (k, f"{c} {n}", f"{n} {c}", f"{n} {c} {k}", f"{c} {n} {k}", n):
            aliases[alias] = code
        if city_count[c] == 1:  # "New York" alone names two teams
            aliases[c] = code
        for alias in extra:
            aliases[fold(alias)] = code
            if len(alias) <= 4 and alias.isupper():
                codes[fold(alias)] = code
    return MappingProxyType(aliases), MappingProxyType(codes), MappingProxyType(nicknames)


_ALIASES, _CODES, _NICKNAMES = _build_aliases()


def team_abbrev(name: str | None) -> str | None:
    """NHL abbreviation for a vendor's team text, or ``None`` when unknown or ambiguous.

    Tries, in order: the whole text as a known alias; a trailing team code (Unabated's
    ``"Maple Leafs Toronto TOR"``, ``"Hockey Club Utah UTA"``); a single nickname contained in
    the text (``"Canadiens de Montréal"``)."""
    if not name:
        return None
    key = fold(name)
    if not key:
        return None
    if key in _ALIASES:
        return _ALIASES[key]
    words = key.split()
    if len(words) > 1 and words[-1] in _CODES:
        return _CODES[words[-1]]
    padded = f" {key} "
    found = {code for nick, code in _NICKNAMES.items() if f" {nick} " in padded}
    return found.pop() if len(found) == 1 else None


# ---- markets, sides, lines ----------------------------------------------------------------

_MARKET_LABELS: Mapping[str, Market] = MappingProxyType(
    {
        **dict.fromkeys(
            ("goals", "goal", "total goals", "player goals", "goals scored"), Market.GOALS
        ),
        **dict.fromkeys(("assists", "assist", "total assists", "player assists"), Market.ASSISTS),
        **dict.fromkeys(("points", "point", "total points", "player points"), Market.POINTS),
        **dict.fromkeys(
            (
                "shots on goal",
                "shot on goal",
                "shots",
                "sog",
                "total shots on goal",
                "player shots on goal",
                "shots on target",
            ),
            Market.SOG,
        ),
        **dict.fromkeys(
            (
                "blocks",
                "block",
                "blocked shots",
                "blocked shot",
                "total blocks",
                "total blocked shots",
                "player blocks",
                "shots blocked",
            ),
            Market.BLOCKS,
        ),
    }
)


def canonical_market(label: str | None) -> Market | None:
    """Exact (folded) label → Market; ``None`` for anything else (incl. "Powerplay Points")."""
    if not label:
        return None
    return _MARKET_LABELS.get(fold(label))


_SIDES: Mapping[str, Side] = MappingProxyType(
    {
        "over": Side.OVER,
        "o": Side.OVER,
        "ot over": Side.OVER,
        "under": Side.UNDER,
        "u": Side.UNDER,
        "ot under": Side.UNDER,
    }
)


def canonical_side(text: str | None) -> Side | None:
    """``Over``/``O``/``OT_OVER`` → OVER, ``Under``/``U``/``OT_UNDER`` → UNDER, else ``None``."""
    if not text:
        return None
    return _SIDES.get(fold(text))


def normalize_line(value: object) -> float | None:
    """A line in stat units rounded to one decimal place; ``None`` when missing, negative,
    not finite or not on the 0.1 grid (we never silently round 2.25 to 2.2)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str | int | float | Decimal):
        return _line_from_text(str(value))
    return None


@functools.lru_cache(maxsize=1024)
def _line_from_text(text: str) -> float | None:
    try:
        number = float(text.strip())
    except ValueError:
        return None
    if not math.isfinite(number) or number < 0:
        return None
    rounded = round(number, 1)
    if abs(rounded - number) > 1e-6:
        return None
    return rounded + 0.0  # -0.0 → 0.0


def ladder_line(k: int) -> float:
    """A ladder outcome ``"k+"`` (at least k) is OVER k − 0.5."""
    return float(k) - 0.5


_LADDER = re.compile(r"^\s*(\d{1,2})\s*\+\s*$")


def ladder_k(label: str | None) -> int | None:
    """``"3+"`` → 3; anything else → ``None``."""
    match = _LADDER.match(label or "")
    if not match:
        return None
    k = int(match.group(1))
    return k if k >= 1 else None


# ---- books --------------------------------------------------------------------------------

#: DFS apps, matched case-insensitively with spaces and hyphens ignored
DFS_KEYWORDS: tuple[str, ...] = (
    "prizepicks",
    "underdog",
    "pick6",
    "sleeper",
    "parlayplay",
    "chalkboard",
    "boom",
)


@functools.lru_cache(maxsize=1024)
def book_type_for(name: str) -> BookType:
    """DFS_FIXED_PAYOUT when the book name contains a DFS keyword, else SPORTSBOOK."""
    squashed = re.sub(r"[\s\-_]+", "", name).lower()
    if any(word in squashed for word in DFS_KEYWORDS):
        return BookType.DFS_FIXED_PAYOUT
    return BookType.SPORTSBOOK


_LOGO = re.compile(r"\s*\blogo\s*$", re.IGNORECASE)


def strip_logo(alt: str) -> str:
    """``"Betway Logo"`` → ``"Betway"``; the rest of the text is kept as given."""
    return _LOGO.sub("", display_name(alt)).strip()


__all__ = [
    "DFS_KEYWORDS",
    "NHL_TEAMS",
    "book_type_for",
    "canonical_market",
    "canonical_side",
    "display_name",
    "fold",
    "ladder_k",
    "ladder_line",
    "normalize_line",
    "player_match_key",
    "strip_logo",
    "team_abbrev",
]
