"""MoneyPuck game-by-game CSVs: per-team skater and goalie files, the directory index, the
players lookup (vendor doc: ``vendors/moneypuck.md``).

``fetch_*`` do the I/O through a :class:`~propledger.http.VendorClient`; ``parse_*`` are pure and
return Arrow tables whose columns are those of ``player_game_situation`` / ``goalie_game`` /
``dim_player``. Columns are read **by header name** (their order differs between files); a
missing required column is a one-line :class:`~propledger.errors.PayloadError` naming the file
and the column. Units: ``icetime`` is **seconds** (float), ``game_date`` is MoneyPuck's
``gameDate`` (the local calendar date of the game), ``season`` is the **start year**
(2025 = 2025-26). Counts written as floats (``2.0``) are cast to integers with a tolerance; a
missing value stays NULL (unknown), never 0. The column specs and the typed CSV reading are in
:mod:`propledger.sources.moneypuck_csv`.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from propledger.errors import PayloadError
from propledger.http import Fetched, VendorClient
from propledger.sources.moneypuck_csv import (
    GOALIE_SPEC,
    LOOKUP_SPEC,
    SKATER_SPEC,
    VENDOR,
    finish_identity,
    normalize_team_codes,
    read_columns,
)

#: situations of a player-game; ``all`` is the total over every strength
SITUATIONS: tuple[str, ...] = ("all", "5on5", "5on4", "4on5", "other")

_BASE_TEAMS = (
    "ANA",
    "BOS",
    "BUF",
    "CAR",
    "CBJ",
    "CGY",
    "CHI",
    "COL",
    "DAL",
    "DET",
    "EDM",
    "FLA",
    "LAK",
    "MIN",
    "MTL",
    "NJD",
    "NSH",
    "NYI",
    "NYR",
    "OTT",
    "PHI",
    "PIT",
    "SJS",
    "STL",
    "TBL",
    "TOR",
    "VAN",
    "WSH",
)


class PlayerKind(enum.StrEnum):
    """The two per-team file families (their URL path segment)."""

    SKATERS = "skaters"
    GOALIES = "goalies"


def default_teams(season: int) -> tuple[str, ...]:
    """The NHL teams of a season (start year), used when the directory index is unavailable.

    History is never remapped: Arizona is ``ARI`` before 2024-25 and Utah ``UTA`` from then on.
    """
    teams = list(_BASE_TEAMS)
    teams.append("WPG" if season >= 2011 else "ATL")
    if season >= 2017:
        teams.append("VGK")
    if season >= 2021:
        teams.append("SEA")
    teams.append("UTA" if season >= 2024 else "ARI")
    return tuple(sorted(teams))


# ---- URLs and fetching ---------------------------------------------------------------------
def team_index_url(base: str, season: int, kind: PlayerKind = PlayerKind.SKATERS) -> str:
    return f"{base.rstrip('/')}/teamPlayerGameByGame/{season}/regular/{kind.value}/"


def team_file_url(base: str, season: int, kind: PlayerKind, team: str) -> str:
    return f"{base.rstrip('/')}/teamPlayerGameByGame/{season}/regular/{kind.value}/{team}.csv"


def players_lookup_url(base: str) -> str:
    return f"{base.rstrip('/')}/playerBios/allPlayersLookup.csv"


def _expect_csv(fetched: Fetched) -> Fetched:
    # A WAF answers some clients with an HTML page and status 200: that is a block, not data.
    if fetched.content.lstrip()[:1] == b"<":
        raise PayloadError(
            f"moneypuck: expected CSV from {fetched.url}, got an HTML page (blocked?)",
            vendor=VENDOR,
            url=fetched.url,
            status=fetched.status,
        )
    return fetched


def fetch_team_index(
    client: VendorClient, base: str, season: int, kind: PlayerKind = PlayerKind.SKATERS
) -> Fetched:
    """The HTML directory listing of a season's team files."""
    return client.get(team_index_url(base, season, kind))


def fetch_team_file(
    client: VendorClient, base: str, season: int, kind: PlayerKind, team: str
) -> Fetched:
    """One team's game-by-game CSV for a regular season (every player × game × situation)."""
    return _expect_csv(client.get(team_file_url(base, season, kind, team)))


def fetch_players_lookup(client: VendorClient, base: str) -> Fetched:
    """``allPlayersLookup.csv``: every player since 2008 (bios)."""
    return _expect_csv(client.get(players_lookup_url(base)))


_HREF = re.compile(r"""href\s*=\s*["']?(?:[^"'\s>]*/)?([A-Za-z.]{2,4})\.csv["'\s>]""", re.I)


def parse_team_index(html: str | bytes) -> list[str]:
    """Team file stems linked from a directory index (``href="TOR.csv"`` → ``TOR``), sorted.

    Stems are returned as listed (a dotted ``L.A`` stays ``L.A``) because they name the files
    to fetch; the rows inside are normalised by the parsers.
    """
    text = html.decode("utf-8", errors="replace") if isinstance(html, bytes) else html
    return sorted({m.group(1).upper() for m in _HREF.finditer(text)})


# ---- parsers ---------------------------------------------------------------------------------
def parse_skaters(content: bytes, *, name: str = "skaters CSV") -> pa.Table:
    """Rows of ``player_game_situation`` from a skaters game-by-game CSV.

    ``assists`` = primary + secondary; ``points`` = ``I_F_points`` (goals + assists when the
    column is absent); ``blocks`` = ``shotsBlockedByPlayer``; ``icetime`` in seconds.
    """
    table = finish_identity(read_columns(content, SKATER_SPEC, name), name)
    assists = pc.add(table["primary_assists"], table["secondary_assists"])
    points = pc.coalesce(table["points"], pc.add(table["goals"], assists))
    table = table.set_column(table.schema.get_field_index("points"), "points", points)
    return table.append_column("assists", assists).select(list(SKATER_COLUMNS))


def parse_goalies(content: bytes, *, name: str = "goalies CSV") -> pa.Table:
    """Rows of ``goalie_game``: goals/shots/xG **against**; saves = shots on goal − goals."""
    table = finish_identity(read_columns(content, GOALIE_SPEC, name), name)
    saves = pc.subtract(table["shots_against"], table["goals_against"])
    return table.append_column("saves", saves).select(list(GOALIE_COLUMNS))


def parse_players_lookup(content: bytes, *, name: str = "allPlayersLookup.csv") -> pa.Table:
    """Rows of ``dim_player`` (player_id, full_name, position, team_abbrev, birth_date,
    shoots_catches). A birth date that is not ISO ``YYYY-MM-DD`` becomes NULL (the format is
    not documented); one row per ``playerId`` (first wins)."""
    table = read_columns(content, LOOKUP_SPEC, name)
    birth = pc.utf8_slice_codeunits(pc.utf8_trim_whitespace(table["birth_date"]), 0, 10)
    iso = pc.match_substring_regex(birth, r"^\d{4}-\d{2}-\d{2}$")
    birth_date = pc.cast(
        pc.strptime(
            pc.if_else(iso, birth, pa.scalar(None, pa.string())),
            format="%Y-%m-%d",
            unit="s",
            error_is_null=True,
        ),
        pa.date32(),
    )
    table = table.set_column(table.schema.get_field_index("birth_date"), "birth_date", birth_date)
    team = normalize_team_codes(table["team_abbrev"])
    team = pc.if_else(pc.equal(team, ""), pa.scalar(None, pa.string()), team)
    table = table.set_column(table.schema.get_field_index("team_abbrev"), "team_abbrev", team)
    return first_per_key(table, ["player_id"])


SKATER_COLUMNS: tuple[str, ...] = (
    "player_id",
    "game_id",
    "situation",
    "season",
    "game_date",
    "player_name",
    "team",
    "opp_team",
    "home_or_away",
    "position",
    "icetime",
    "shifts",
    "goals",
    "primary_assists",
    "secondary_assists",
    "assists",
    "points",
    "sog",
    "missed_shots",
    "blocked_attempts",
    "shot_attempts",
    "xgoals",
    "x_on_goal",
    "blocks",
    "hits",
    "onice_xgoals",
    "onice_goals",
    "onice_xga",
    "onice_ga",
)
GOALIE_COLUMNS: tuple[str, ...] = (
    "player_id",
    "game_id",
    "situation",
    "season",
    "game_date",
    "player_name",
    "team",
    "opp_team",
    "home_or_away",
    "icetime",
    "xgoals_against",
    "goals_against",
    "shots_against",
    "saves",
)


def first_per_key(
    table: pa.Table, keys: list[str], order: Sequence[tuple[str, str]] = ()
) -> pa.Table:
    """One row per key: the first after a stable sort on ``keys`` then ``order``
    (``(column, "ascending"|"descending")`` tie-breakers). Vectorised, no Python row loop."""
    if table.num_rows == 0:
        return table
    sort = [*((k, "ascending") for k in keys), *order]
    # sort and compare the key columns only, then gather the wide table once
    order_idx = pc.sort_indices(table.select([c for c, _ in sort]), sort_keys=sort)
    # a row is a repeat when every key column equals its predecessor's (sorted, so adjacent)
    repeat = np.ones(table.num_rows - 1, dtype=bool)
    for key in keys:
        col = table[key].take(order_idx).combine_chunks()
        same = pc.fill_null(pc.equal(col.slice(1), col.slice(0, len(col) - 1)), False)
        repeat &= same.to_numpy(zero_copy_only=False)
    first = np.concatenate([[True], ~repeat])
    return table.take(order_idx.filter(pa.array(first)))


def dedupe_player_games(table: pa.Table) -> pa.Table:
    """One row per (player_id, game_id, situation): a traded player appears in two team files.

    Ties are broken deterministically by team code (the rows of one game are identical in
    both files in practice).
    """
    return first_per_key(table, ["player_id", "game_id", "situation"], [("team", "ascending")])


__all__ = [
    "GOALIE_COLUMNS",
    "SITUATIONS",
    "SKATER_COLUMNS",
    "VENDOR",
    "PlayerKind",
    "dedupe_player_games",
    "default_teams",
    "fetch_players_lookup",
    "fetch_team_file",
    "fetch_team_index",
    "first_per_key",
    "parse_goalies",
    "parse_players_lookup",
    "parse_skaters",
    "parse_team_index",
    "players_lookup_url",
    "team_file_url",
    "team_index_url",
]
