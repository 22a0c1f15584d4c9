"""MoneyPuck → ``player_game_situation``, ``goalie_game`` and ``dim_player``.

Per season and file family (skaters, goalies): discover the team files from the directory
index (the fixed team list when it is unavailable), fetch and archive each file, parse, bound
the rows by ``game_date ≤ through`` (full-season files may hold games not yet played, e.g. in
the sample world), de-duplicate traded players on (player, game, situation), and append the
whole batch in one transaction. Appends are hash-idempotent, so a refresh adds exactly the rows
(new games, revised rows) that are not stored yet.

Parsing and comparing a whole season again is most of a refresh's time, so the work is bounded
by what the file's bytes can still add: ``moneypuck_watermark`` (migration m010) records, per
payload hash and bound, the file's first game after that bound; every row of those bytes dated
before it is stored. A later refresh whose bound is still before that game (the team has not
played since) skips the file unparsed; otherwise only its rows from that game on are compared
and appended. A changed file (live MoneyPuck grows nightly, or revises a row) has a new hash
and is imported whole. This assumes a player-game row that appears in two team files (a traded
player) is identical in both, as the de-duplication below already does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

from propledger.history.common import ImportRun, unseen_rows
from propledger.http import VendorClient
from propledger.sources import moneypuck as mp

log = logging.getLogger(__name__)

_PARSERS: dict[mp.PlayerKind, tuple[str, Callable[..., pa.Table]]] = {
    mp.PlayerKind.SKATERS: ("player_game_situation", mp.parse_skaters),
    mp.PlayerKind.GOALIES: ("goalie_game", mp.parse_goalies),
}


def discover_teams(
    run: ImportRun, client: VendorClient, base: str, season: int, kind: mp.PlayerKind
) -> list[str]:
    """Team file stems from the directory index; the fixed list of the season otherwise."""
    fetched = run.fetch(
        client,
        mp.fetch_team_index,
        base,
        season,
        kind,
        surface=f"moneypuck_index_{kind.value}",
        label=f"moneypuck {season} {kind.value} index",
        quiet=True,
    )
    teams = mp.parse_team_index(fetched.content) if fetched is not None else []
    if not teams:
        run.note(f"moneypuck {season} {kind.value}: no directory index, using the fixed team list")
        return list(mp.default_teams(season))
    return teams


WATERMARK = "moneypuck_watermark"

_STORED = f"""
SELECT payload_hash, bool_or(next_game_date IS NULL), max(next_game_date) FROM {WATERMARK}
WHERE target = ? AND season = ? GROUP BY payload_hash
"""


def bound_rows(table: pa.Table, through: dt.date) -> pa.Table:
    """Rows with ``game_date ≤ through`` only."""
    return table.filter(pc.less_equal(table["game_date"], pa.scalar(through, pa.date32())))


def stored_before(run: ImportRun, target: str, season: int) -> dict[str, dt.date | None]:
    """Per payload hash already imported into ``target``: every row of those bytes dated before
    the returned day is stored (None: every row of the file)."""
    return {
        str(h): None if complete else day
        for h, complete, day in run.wh.rows(_STORED, [target, season])
    }


def rows_to_import(parsed: pa.Table, through: dt.date, since: dt.date | None) -> pa.Table:
    """Rows with ``since ≤ game_date ≤ through`` (``since`` None: no lower bound)."""
    rows = bound_rows(parsed, through)
    if since is None:
        return rows
    return rows.filter(pc.greater_equal(rows["game_date"], pa.scalar(since, pa.date32())))


def watermark(
    payload_hash: str, target: str, season: int, team: str, through: dt.date, parsed: pa.Table
) -> dict[str, object]:
    """The ``moneypuck_watermark`` row of one parsed file imported up to ``through``."""
    dates = parsed["game_date"]
    after = pc.greater(dates, pa.scalar(through, pa.date32()))
    within = dates.filter(pc.invert(after))
    return {
        "payload_hash": payload_hash,
        "target": target,
        "season": season,
        "team": team,
        "bound": through,
        "rows_in_bound": len(within),
        "max_game_date": pc.max(within).as_py(),
        "next_game_date": pc.min(dates.filter(after)).as_py(),
    }


def import_kind(
    run: ImportRun,
    client: VendorClient,
    base: str,
    season: int,
    kind: mp.PlayerKind,
    through: dt.date,
) -> pa.Table | None:
    """One season's skater (or goalie) files → one appended batch; returns the batch (None when
    no file was parsed). Files whose watermark covers ``through`` are fetched (and archived)
    but not parsed: see the module doc."""
    target, parse = _PARSERS[kind]
    source = f"moneypuck {season} {kind.value}"
    with run.batch():
        teams = discover_teams(run, client, base, season, kind)
        stored = stored_before(run, target, season)
        tables: list[pa.Table] = []
        marks: list[dict[str, object]] = []
        failed: list[str] = []
        unchanged = 0
        for done, team in enumerate(teams, 1):
            if run.moneypuck_pause and done > 1:
                client.sleep(run.moneypuck_pause)  # be polite to a free, static-file site
            reasons: list[str] = []
            fetched = run.fetch(
                client,
                mp.fetch_team_file,
                base,
                season,
                kind,
                team,
                surface=f"moneypuck_{kind.value}",
                label=f"{source} {team}.csv",
                failures=reasons,
            )
            if reasons:
                failed.append(f"{team}.csv ({reasons[0]})")
            if fetched is not None:
                digest = hashlib.sha256(fetched.content).hexdigest()
                seen = digest in stored
                since = stored.get(digest)
                if seen and (since is None or since > through):
                    unchanged += 1  # nothing of these bytes up to `through` is missing
                else:
                    # a malformed file is an error naming the file and column (raised, not degraded)
                    name = f"moneypuck {season}/{kind.value}/{team}.csv"
                    parsed = parse(fetched.content, name=name)
                    marks.append(watermark(digest, target, season, team, through, parsed))
                    tables.append(rows_to_import(parsed, through, since))
            run.tick(source, done, len(teams), team)
        if failed:
            # one line per file family, not one per file (a missing season is 32 of them)
            run.problem(
                f"{source}: {len(failed)} of {len(teams)} team files not imported: {', '.join(failed)}"
            )
        if unchanged:
            log.debug("%s: %d team file(s) already imported through %s", source, unchanged, through)
        if not tables:
            return None
        batch = mp.dedupe_player_games(pa.concat_tables(tables))
        fresh = unseen_rows(run.wh, target, batch, ("player_id", "game_id", "situation"))
        run.append(target, fresh)
        run.append(WATERMARK, pa.Table.from_pylist(marks))
    return batch


def players_from_rows(batches: list[pa.Table]) -> pa.Table:
    """``dim_player`` rows from history: each player's latest ``all`` row (name, team, position)."""
    frames = []
    for batch in batches:
        rows = batch.filter(pc.equal(batch["situation"], "all"))
        position = (
            rows["position"] if "position" in rows.column_names else pa.repeat("G", rows.num_rows)
        )
        frames.append(
            pa.table(
                {
                    "player_id": rows["player_id"],
                    "full_name": rows["player_name"],
                    "position": position,
                    "team_abbrev": rows["team"],
                    "game_date": rows["game_date"],
                }
            )
        )
    if not frames:
        return pa.table({"player_id": pa.array([], pa.int64())})
    table = pa.concat_tables(frames)
    table = table.filter(pc.is_valid(table["full_name"]))
    latest = mp.first_per_key(table, ["player_id"], [("game_date", "descending")])
    return latest.drop_columns(["game_date"])


def import_moneypuck(
    run: ImportRun, client: VendorClient, base: str, seasons: tuple[int, ...], through: dt.date
) -> None:
    """Players lookup + every season's skater and goalie files, bounded by ``through``."""
    lookup: pa.Table | None = None
    fetched = run.fetch(
        client,
        mp.fetch_players_lookup,
        base,
        surface="moneypuck_players",
        label="moneypuck players lookup",
    )
    if fetched is not None:
        lookup = mp.parse_players_lookup(fetched.content)
    run.tick("moneypuck players", 1, 1)
    batches: list[pa.Table] = []
    for season in seasons:
        for kind in mp.PlayerKind:
            batch = import_kind(run, client, base, season, kind, through)
            if batch is not None:
                batches.append(batch)
    # The lookup comes first so it wins over names derived from history (dim_player keeps the
    # first row per player); derived rows cover players the lookup does not list yet.
    players = [t for t in (lookup, players_from_rows(batches)) if t is not None and t.num_rows]
    if players:
        with run.wh.transaction():
            for table in players:
                run.append("dim_player", table)


__all__ = [
    "WATERMARK",
    "bound_rows",
    "discover_teams",
    "import_kind",
    "import_moneypuck",
    "players_from_rows",
    "rows_to_import",
    "stored_before",
    "watermark",
]
