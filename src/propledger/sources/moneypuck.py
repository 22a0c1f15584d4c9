"""MoneyPuck game-by-game CSVs: per-team skater and goalie files, the directory index, the
players lookup (vendor doc: ``vendors/moneypuck.md``).

``fetch_*`` do the I/O through a :class:`~propledger.http.VendorClient`; ``parse_*`` are pure and
return Arrow tables whose columns are those of ``player_game_situation`` / ``goalie_game`` /
``dim_player``. Columns are read **by header name** (their order differs between files); a
missing required column is a one-line :class:`~propledger.errors.PayloadError` naming the file
and the column. Units: ``icetime`` is **seconds** (float), ``game_date`` is MoneyPuck's
``gameDate`` (the local calendar date of the game), ``season`` is the **start year**
(2025 = 2025-26). Counts written as floats (``2.0``) are cast to integers with a tolerance; a
missing value stays NULL (unknown), never 0.
"""

from __future__ import annotations

import csv
import enum
import io
import re
from collections.abc import Iterable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from propledger.errors import PayloadError
from propledger.http import Fetched, VendorClient

VENDOR = "moneypuck"

#: MoneyPuck's dotted team codes (older files) → the NHL codes used everywhere else.
DOTTED_TEAM_CODES: dict[str, str] = {"L.A": "LAK", "N.J": "NJD", "S.J": "SJS", "T.B": "TBL"}
#: situations of a player-game; ``all`` is the total over every strength
SITUATIONS: tuple[str, ...] = ("all", "5on5", "5on4", "4on5", "other")
#: a float count further than this from an integer is an error, not a rounding artefact
INT_TOLERANCE = 1e-6

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


# ---- CSV machinery ---------------------------------------------------------------------------
class _Col(enum.Enum):
    INT = "int"
    FLOAT = "float"
    STR = "str"
    DATE = "date"


# (target column, source header, kind, required)
_Spec = tuple[str, str, _Col, bool]

_IDENTITY: tuple[_Spec, ...] = (
    ("player_id", "playerId", _Col.INT, True),
    ("game_id", "gameId", _Col.INT, True),
    ("situation", "situation", _Col.STR, True),
    ("season", "season", _Col.INT, False),
    ("game_date", "gameDate", _Col.DATE, True),
    ("player_name", "name", _Col.STR, False),
    ("team", "playerTeam", _Col.STR, True),
    ("opp_team", "opposingTeam", _Col.STR, False),
    ("home_or_away", "home_or_away", _Col.STR, False),
)

SKATER_SPEC: tuple[_Spec, ...] = (
    *_IDENTITY,
    ("position", "position", _Col.STR, False),
    ("icetime", "icetime", _Col.FLOAT, True),
    ("shifts", "shifts", _Col.INT, False),
    ("goals", "I_F_goals", _Col.INT, True),
    ("primary_assists", "I_F_primaryAssists", _Col.INT, True),
    ("secondary_assists", "I_F_secondaryAssists", _Col.INT, True),
    ("points", "I_F_points", _Col.INT, False),
    ("sog", "I_F_shotsOnGoal", _Col.INT, True),
    ("missed_shots", "I_F_missedShots", _Col.INT, False),
    ("blocked_attempts", "I_F_blockedShotAttempts", _Col.INT, False),
    ("shot_attempts", "I_F_shotAttempts", _Col.INT, True),
    ("xgoals", "I_F_xGoals", _Col.FLOAT, True),
    ("x_on_goal", "I_F_xOnGoal", _Col.FLOAT, False),
    # BLOCKS = shots this player blocked; I_F_blockedShotAttempts are his own blocked attempts
    ("blocks", "shotsBlockedByPlayer", _Col.INT, True),
    ("hits", "I_F_hits", _Col.INT, False),
    ("onice_xgoals", "OnIce_F_xGoals", _Col.FLOAT, True),
    ("onice_goals", "OnIce_F_goals", _Col.INT, False),
    ("onice_xga", "OnIce_A_xGoals", _Col.FLOAT, False),
    ("onice_ga", "OnIce_A_goals", _Col.INT, False),
)

GOALIE_SPEC: tuple[_Spec, ...] = (
    *_IDENTITY,
    ("icetime", "icetime", _Col.FLOAT, True),
    ("xgoals_against", "xGoals", _Col.FLOAT, True),
    # a goalie's `goals` are goals AGAINST and `ongoal` shots on goal against
    ("goals_against", "goals", _Col.INT, True),
    ("shots_against", "ongoal", _Col.INT, True),
)

LOOKUP_SPEC: tuple[_Spec, ...] = (
    ("player_id", "playerId", _Col.INT, True),
    ("full_name", "name", _Col.STR, True),
    ("position", "position", _Col.STR, False),
    ("team_abbrev", "team", _Col.STR, False),
    ("birth_date", "birthDate", _Col.STR, False),
    ("shoots_catches", "shootsCatches", _Col.STR, False),
)

_ARROW = {
    _Col.INT: pa.float64(),
    _Col.FLOAT: pa.float64(),
    _Col.STR: pa.string(),
    _Col.DATE: pa.string(),
}
_TARGET = {_Col.FLOAT: pa.float64(), _Col.STR: pa.string(), _Col.DATE: pa.date32()}
_INT64 = {"player_id", "game_id"}


def _header(content: bytes, name: str) -> list[str]:
    first = content.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace").strip("\r")
    try:
        header = [h.strip() for h in next(csv.reader([first]), [])]
    except csv.Error as exc:
        raise PayloadError(f"{name}: unreadable header row ({exc})", vendor=VENDOR) from None
    if not any(header):
        raise PayloadError(
            f"{name}: empty file or header row; expected a MoneyPuck CSV with a header row",
            vendor=VENDOR,
        )
    return header


def _read(content: bytes, spec: Iterable[_Spec], name: str) -> tuple[pa.Table, list[str]]:
    header = _header(content, name)
    spec = tuple(spec)
    missing = [src for _, src, _, required in spec if required and src not in header]
    if missing:
        raise PayloadError(
            f"{name}: required column {', '.join(missing)} is missing "
            f"(MoneyPuck renamed or dropped it?); columns are read by header name",
            vendor=VENDOR,
        )
    present = [src for _, src, _, _ in spec if src in header]
    try:
        table = pacsv.read_csv(
            io.BytesIO(content),
            read_options=pacsv.ReadOptions(use_threads=True),
            convert_options=pacsv.ConvertOptions(
                include_columns=present,
                column_types={src: _ARROW[kind] for _, src, kind, _ in spec if src in header},
                strings_can_be_null=True,
            ),
        )
    except pa.ArrowException as exc:
        message = (str(exc).splitlines() or [type(exc).__name__])[0]
        found = re.search(r"CSV column #(\d+)", message)
        if found and int(found.group(1)) < len(header):
            message = f"column {header[int(found.group(1))]}: {message.split(': ', 1)[-1]}"
        raise PayloadError(f"{name}: {message}", vendor=VENDOR) from None
    return table, header


def _to_int(values: pa.ChunkedArray, column: str, name: str, width: pa.DataType) -> pa.Array:
    """Float-typed counts → integers; ``2.0`` is fine, ``2.4`` is an error naming the column."""
    x = values.to_numpy(zero_copy_only=False).astype(np.float64, copy=False)
    nan = np.isnan(x)
    finite = np.isfinite(x)  # "INF" in a cell is not a count (and must not warn in numpy)
    rounded = np.round(np.where(finite, x, 0.0))
    bad = ~nan & (~finite | (np.abs(np.where(finite, x, 0.0) - rounded) > INT_TOLERANCE))
    if bad.any():
        raise PayloadError(
            f"{name}: column {column} has non-integer value {float(x[bad][0])!r}; expected a count",
            vendor=VENDOR,
        )
    return pa.array(rounded.astype(np.int64), mask=nan).cast(width)


def _to_date(values: pa.ChunkedArray, column: str, name: str) -> pa.Array:
    """``gameDate`` YYYYMMDD (int, or ``20260114.0``, or ISO with dashes) → date32."""
    text = pc.replace_substring_regex(pc.utf8_trim_whitespace(values), r"(\.0+$)|-", "")
    # strptime alone would accept 7 digits ("2026011"), so the shape is checked first
    shaped = pc.fill_null(pc.match_substring_regex(text, r"^\d{8}$"), True)
    stamps = pc.strptime(text, format="%Y%m%d", unit="s", error_is_null=True)
    bad = pc.or_(pc.invert(shaped), pc.and_(pc.is_valid(text), pc.is_null(stamps)))
    if pc.any(bad).as_py():
        sample = values[pc.index(bad, True).as_py()].as_py()
        raise PayloadError(
            f"{name}: column {column} has value {sample!r}; expected a YYYYMMDD date", vendor=VENDOR
        )
    return pc.cast(stamps, pa.date32()).combine_chunks()


def normalize_team_codes(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """``L.A``/``N.J``/``S.J``/``T.B`` → ``LAK``/``NJD``/``SJS``/``TBL``; trims whitespace."""
    out = pc.utf8_trim_whitespace(values)
    for dotted, code in DOTTED_TEAM_CODES.items():
        out = pc.if_else(pc.equal(out, dotted), code, out)
    return out


def _convert(raw: pa.Table, spec: tuple[_Spec, ...], name: str) -> pa.Table:
    columns: dict[str, pa.Array | pa.ChunkedArray] = {}
    n = raw.num_rows
    for target, src, kind, required in spec:
        width = pa.int64() if target in _INT64 else pa.int32()
        if src not in raw.column_names:
            # an optional column a file lacks is unknown for every row: typed nulls, never 0
            columns[target] = pa.nulls(n, width if kind is _Col.INT else _TARGET[kind])
            continue
        values = raw[src]
        if required and values.null_count:
            raise PayloadError(
                f"{name}: column {src} is empty in {values.null_count} row(s); it is required",
                vendor=VENDOR,
            )
        if kind is _Col.INT:
            columns[target] = _to_int(values, src, name, width)
        elif kind is _Col.DATE:
            columns[target] = _to_date(values, src, name)
        else:
            columns[target] = values
    return pa.table(columns)


def _finish_identity(table: pa.Table, name: str) -> pa.Table:
    """Normalise team codes and check ``season`` against ``gameId // 1_000_000``."""
    from_game = pc.cast(pc.divide(table["game_id"], pa.scalar(1_000_000, pa.int64())), pa.int32())
    season = table["season"]
    if season.null_count < len(season):
        disagree = pc.fill_null(pc.not_equal(pc.cast(season, pa.int32()), from_game), False)
        if pc.any(disagree).as_py():
            row = pc.index(disagree, True).as_py()
            raise PayloadError(
                f"{name}: column season={season[row].as_py()} disagrees with gameId "
                f"{table['game_id'][row].as_py()} (season is the start year = gameId // 1000000)",
                vendor=VENDOR,
            )
    table = table.set_column(
        table.schema.get_field_index("season"),
        "season",
        pc.coalesce(pc.cast(season, pa.int32()), from_game),
    )
    for column in ("team", "opp_team"):
        idx = table.schema.get_field_index(column)
        table = table.set_column(idx, column, normalize_team_codes(table[column]))
    return table


def parse_skaters(content: bytes, *, name: str = "skaters CSV") -> pa.Table:
    """Rows of ``player_game_situation`` from a skaters game-by-game CSV.

    ``assists`` = primary + secondary; ``points`` = ``I_F_points`` (goals + assists when the
    column is absent); ``blocks`` = ``shotsBlockedByPlayer``; ``icetime`` in seconds.
    """
    raw, _ = _read(content, SKATER_SPEC, name)
    table = _finish_identity(_convert(raw, SKATER_SPEC, name), name)
    assists = pc.add(table["primary_assists"], table["secondary_assists"])
    points = pc.coalesce(table["points"], pc.add(table["goals"], assists))
    table = table.set_column(table.schema.get_field_index("points"), "points", points)
    return table.append_column("assists", assists).select(list(SKATER_COLUMNS))


def parse_goalies(content: bytes, *, name: str = "goalies CSV") -> pa.Table:
    """Rows of ``goalie_game``: goals/shots/xG **against**; saves = shots on goal − goals."""
    raw, _ = _read(content, GOALIE_SPEC, name)
    table = _finish_identity(_convert(raw, GOALIE_SPEC, name), name)
    saves = pc.subtract(table["shots_against"], table["goals_against"])
    return table.append_column("saves", saves).select(list(GOALIE_COLUMNS))


def parse_players_lookup(content: bytes, *, name: str = "allPlayersLookup.csv") -> pa.Table:
    """Rows of ``dim_player`` (player_id, full_name, position, team_abbrev, birth_date,
    shoots_catches). A birth date that is not ISO ``YYYY-MM-DD`` becomes NULL (the format is
    not documented); one row per ``playerId`` (first wins)."""
    raw, _ = _read(content, LOOKUP_SPEC, name)
    table = _convert(raw, LOOKUP_SPEC, name)
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
    "DOTTED_TEAM_CODES",
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
    "normalize_team_codes",
    "parse_goalies",
    "parse_players_lookup",
    "parse_skaters",
    "parse_team_index",
    "players_lookup_url",
    "team_file_url",
    "team_index_url",
]
