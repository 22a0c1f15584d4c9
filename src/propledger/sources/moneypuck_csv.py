"""MoneyPuck CSV → Arrow: the column specs of the skater, goalie and players-lookup files and
the typed reading behind ``moneypuck.parse_*`` (vendor doc: ``vendors/moneypuck.md``).

Columns are read **by header name** (their order differs between files); a missing required
column, an empty required value, a fractional count or a malformed ``gameDate`` is a one-line
:class:`~propledger.errors.PayloadError` naming the file and the column. Counts written as floats
(``2.0``) are cast to integers with a tolerance; a missing value stays NULL (unknown), never 0.
"""

from __future__ import annotations

import csv
import enum
import io
import re
from collections.abc import Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from propledger.errors import PayloadError

VENDOR = "moneypuck"

#: MoneyPuck's dotted team codes (older files) → the NHL codes used everywhere else.
DOTTED_TEAM_CODES: dict[str, str] = {"L.A": "LAK", "N.J": "NJD", "S.J": "SJS", "T.B": "TBL"}
#: a float count further than this from an integer is an error, not a rounding artefact
INT_TOLERANCE = 1e-6


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


def read_columns(content: bytes, spec: tuple[_Spec, ...], name: str) -> pa.Table:
    """The ``spec`` columns of a MoneyPuck CSV named ``name``, typed: counts → int32 (ids int64),
    ``gameDate`` → date32, floats and strings as read; an absent optional column is all NULL."""
    raw, _ = _read(content, spec, name)
    return _convert(raw, spec, name)


def finish_identity(table: pa.Table, name: str) -> pa.Table:
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


__all__ = [
    "DOTTED_TEAM_CODES",
    "GOALIE_SPEC",
    "INT_TOLERANCE",
    "LOOKUP_SPEC",
    "SKATER_SPEC",
    "VENDOR",
    "finish_identity",
    "normalize_team_codes",
    "read_columns",
]
