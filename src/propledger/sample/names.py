"""Fictional player names by nationality, with the quirks name mapping must survive.

Names are drawn from per-nationality pools (accents kept in NFC: Lévesque, Kovář, Ångström),
so a world has plenty of diacritics, hyphenated first names and apostrophes. Planted on purpose
(see :mod:`propledger.sample.players`): duplicate full names on different teams and suffixes
("Jr.", "II"). Box scores abbreviate a name to "E. Marchetti" (:func:`box_name`).
"""

from __future__ import annotations

import unicodedata

import numpy as np

# (nationality, share, first names, last names); shares are of the whole league
POOLS: tuple[tuple[str, float, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "CAN",
        0.30,
        (
            "Evan",
            "Connor",
            "Brayden",
            "Tyler",
            "Ryan",
            "Logan",
            "Cole",
            "Owen",
            "Carter",
            "Liam",
            "Noah",
            "Mason",
            "Dylan",
            "Jordan",
            "Nathan",
            "Riley",
            "Brett",
            "Travis",
            "Kyle",
            "Shane",
            "Mitchell",
            "Cody",
            "Jake",
            "Quinn",
            "Wyatt",
            "Bowen",
            "Jarrett",
            "Kirby",
            "Dawson",
            "Reid",
        ),
        (
            "Marchetti",
            "MacLeod",
            "Hartley",
            "Brennan",
            "Kowalchuk",
            "Sutherland",
            "McAvoy",
            "Doyle",
            "Fraser",
            "Harrington",
            "Lindsay",
            "O'Connell",
            "Pruden",
            "Stanfield",
            "Whitlock",
            "Gallant",
            "McTavish",
            "Dunlop",
            "Rourke",
            "Kerrigan",
            "Halloran",
            "Boychuk",
            "Wasylyk",
            "Penner",
            "Thorburn",
            "Crawley",
            "MacInnes",
            "Ferland",
            "O'Dwyer",
            "Kimball",
            "Ashworth",
            "Bellamy",
        ),
    ),
    (
        "CAN",
        0.10,
        (
            "Jean-Luc",
            "Émile",
            "Jérôme",
            "Mathieu",
            "Olivier",
            "Félix",
            "Samuel",
            "Antoine",
            "Xavier",
            "Gabriel",
            "Alexis",
            "Maxime",
            "Benoît",
            "Frédéric",
            "Zachary",
            "Raphaël",
            "Étienne",
        ),
        (
            "Lévesque",
            "Côté",
            "Bélanger",
            "Gélinas",
            "Tremblay",
            "Gagnon",
            "Bouchard",
            "Pelletier",
            "Lefebvre",
            "Béliveau",
            "Desrosiers",
            "Thériault",
            "Giroux-Ménard",
            "Lapointe",
            "Ouellet",
            "Brassard",
            "Dufresne",
            "St-Pierre",
            "Laflamme",
            "Poirier",
        ),
    ),
    (
        "USA",
        0.27,
        (
            "Jack",
            "Matt",
            "Trevor",
            "Brock",
            "Chase",
            "Tanner",
            "Hunter",
            "Zach",
            "Nick",
            "Drew",
            "Brady",
            "Cutter",
            "Garrett",
            "Jimmy",
            "Kevin",
            "Luke",
            "Max",
            "Sean",
            "Brendan",
            "Casey",
            "Declan",
            "Griffin",
            "Jackson",
            "Patrick",
            "Cam",
            "Ty",
        ),
        (
            "Castillo",
            "Whitman",
            "Kessler",
            "Brandt",
            "Callahan",
            "Donnelly",
            "Fitzgerald",
            "Grady",
            "Hendricks",
            "Jankowski",
            "Keller",
            "Lombardi",
            "Mahoney",
            "Novak",
            "Pacioretti",
            "Quigley",
            "Rasmussen",
            "Sullivan",
            "Tkachenko",
            "Vanek",
            "Walsh",
            "Yates",
            "Zeller",
            "Kuczynski",
            "DeLuca",
            "Brown",
            "Miller",
            "Johnson",
            "Anderson",
            "Carlson",
        ),
    ),
    (
        "SWE",
        0.09,
        (
            "Nils",
            "Oskar",
            "Elias",
            "Viktor",
            "Linus",
            "Hampus",
            "Jesper",
            "Rasmus",
            "Gustav",
            "Måns",
            "Anton",
            "Filip",
            "Isak",
            "Ludvig",
        ),
        (
            "Lindgren",
            "Ångström",
            "Bergström",
            "Söderberg",
            "Hägg",
            "Nyqvist",
            "Öberg",
            "Sjöberg",
            "Wallin",
            "Ekholm",
            "Löfgren",
            "Åberg",
            "Forsberg",
            "Strömwall",
            "Dahlén",
        ),
    ),
    (
        "FIN",
        0.05,
        (
            "Mikko",
            "Aleksi",
            "Eetu",
            "Joonas",
            "Kasperi",
            "Otto",
            "Sami",
            "Teuvo",
            "Urho",
            "Väinö",
        ),
        (
            "Aaltonen",
            "Hämäläinen",
            "Jääskeläinen",
            "Kärppä",
            "Lehtonen",
            "Määttä",
            "Niemelä",
            "Räty",
            "Virtanen",
            "Ylönen",
        ),
    ),
    (
        "CZE",
        0.05,
        (
            "Tomáš",
            "Jiří",
            "Ondřej",
            "Jakub",
            "Lukáš",
            "Matěj",
            "Radim",
            "Vojtěch",
            "David",
            "Filip",
        ),
        (
            "Kovář",
            "Dvořák",
            "Šimek",
            "Černý",
            "Procházka",
            "Růžička",
            "Krejčí",
            "Hájek",
            "Novotný",
            "Zábranský",
        ),
    ),
    (
        "SVK",
        0.02,
        ("Matúš", "Marián", "Šimon", "Ľubomír", "Adam", "Martin"),
        (
            "Hrivnák",
            "Kollár",
            "Bednár",
            "Poláček",
            "Mikuš",
            "Ďurčo",
        ),
    ),
    (
        "RUS",
        0.06,
        (
            "Artyom",
            "Dmitri",
            "Ilya",
            "Kirill",
            "Nikita",
            "Pavel",
            "Sergei",
            "Yegor",
            "Vadim",
            "Arseni",
        ),
        (
            "Voronin",
            "Orlov",
            "Zaitsev",
            "Kuznetsov",
            "Malkov",
            "Sorokin",
            "Belov",
            "Grigorenko",
            "Yakupov",
            "Tarasenko-Lebed",
        ),
    ),
    (
        "DEU",
        0.02,
        ("Lukas", "Moritz", "Tobias", "Leon", "Dominik"),
        (
            "Müller",
            "Schäfer",
            "Größl",
            "Krüger",
            "Weiß",
        ),
    ),
    (
        "CHE",
        0.02,
        ("Nico", "Timo", "Janis", "Roman", "Damien"),
        (
            "Bärtschi",
            "Zürcher",
            "Niederreiter-Kälin",
            "Rüegg",
            "Moser",
        ),
    ),
    ("DNK", 0.01, ("Mads", "Frederik", "Jonas", "Søren"), ("Ødegaard", "Nørgaard", "Bjørnholt")),
    ("NOR", 0.005, ("Andreas", "Mathias", "Jørgen"), ("Haugen", "Østby", "Ruud")),
    ("LVA", 0.005, ("Rūdolfs", "Kārlis", "Artūrs"), ("Bērziņš", "Kalniņš", "Ozoliņš")),
)

GOALIE_POOLS_BOOST = ("FIN", "SWE", "RUS", "CZE")
HEIGHTS_IN = np.arange(68, 80)  # 5' 8" … 6' 7"


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def draw_names(
    rng: np.random.Generator, count: int, *, goalies: bool = False
) -> list[tuple[str, str, str]]:
    """``count`` distinct (first, last, nationality) triples, deterministic for ``rng``."""
    shares = np.array([p[1] for p in POOLS], dtype=float)
    if goalies:
        shares = shares * np.array([2.0 if p[0] in GOALIE_POOLS_BOOST else 1.0 for p in POOLS])
    shares /= shares.sum()
    out: list[tuple[str, str, str]] = []
    seen: set[tuple[str, str]] = set()
    while len(out) < count:
        pool = POOLS[int(rng.choice(len(POOLS), p=shares))]
        first = pool[2][int(rng.integers(len(pool[2])))]
        last = pool[3][int(rng.integers(len(pool[3])))]
        if (first, last) in seen:
            continue
        seen.add((first, last))
        out.append((nfc(first), nfc(last), pool[0]))
    return out


def full_name(first: str, last: str, suffix: str = "") -> str:
    """MoneyPuck-style full name: "Evan Marchetti", "Ryan Doyle Jr."."""
    return f"{first} {last} {suffix}".strip()


def box_name(first: str, last: str, suffix: str = "") -> str:
    """NHL box-score abbreviation: "E. Marchetti", "J. Lévesque" (for "Jean-Luc")."""
    return f"{first[0]}. {last} {suffix}".strip()


def height_text(inches: int) -> str:
    """MoneyPuck lookup height: ``6' 3"``."""
    return f"{inches // 12}' {inches % 12}\""


__all__ = ["POOLS", "box_name", "draw_names", "full_name", "height_text", "nfc"]
