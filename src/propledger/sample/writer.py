"""Write a world to disk: ``truth.csv``, ``replay/`` (bodies + manifest) and ``world.json``.

``world.json`` is written last (temp file + rename): a directory without it is an interrupted
or foreign build, and :func:`read_world_info` refuses it. Output bytes depend only on the
world (no timestamps, no absolute paths), so the same seed gives byte-identical files.

Capture contract (the URLs and capture times the history importer relies on):

- MoneyPuck (``https://moneypuck.com/moneypuck/playerData``): full-season team files
  ``/teamPlayerGameByGame/{season}/regular/{skaters|goalies}/{TEAM}.csv``, the directory indexes
  ``/…/{skaters|goalies}/`` and ``/playerBios/allPlayersLookup.csv`` are captured once per
  season at 06:00 ET on the season's first game day (they contain the whole season: importers
  bound what they take with ``--through``).
- NHL API (``https://api-web.nhle.com/v1``): ``/schedule/{date}`` for every date from 7 days
  before a season's first game to 1 day after its last, captured at 08:00 ET on that date
  (games ``FUT``) and at 06:00 ET eight days later (games ``OFF`` with scores);
  ``/gamecenter/{gameId}/boxscore`` captured at scheduled start + 3 h 30 min (``OFF``).
- Vendor odds: every module ``propledger.sample.odds_*`` defining
  ``write_payloads(world, replay) -> int`` is called in name order and adds its captures to
  the same :class:`~propledger.replay.ReplayWriter` before the manifest is written.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import json
import logging
import pkgutil
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pyarrow.csv as pacsv

from propledger.clock import et_to_utc
from propledger.errors import ConfigError, InputError
from propledger.files import atomic_write
from propledger.replay import MANIFEST, ReplayWriter
from propledger.sample import moneypuck_files as mp
from propledger.sample.nhl_files import boxscore_payloads, schedule_payloads
from propledger.sample.world import GENERATOR_VERSION, World

log = logging.getLogger(__name__)

WORLD_FILE = "world.json"
TRUTH_FILE = "truth.csv"
REPLAY_DIR = "replay"
OUTPUTS = (WORLD_FILE, TRUTH_FILE, REPLAY_DIR)
MONEYPUCK_BASE = "https://moneypuck.com/moneypuck/playerData"
NHL_BASE = "https://api-web.nhle.com/v1"
MONEYPUCK_CAPTURE = dt.time(6, 0)  # ET, on the season's first game day
SCHEDULE_BEFORE = dt.time(8, 0)  # ET, on the requested date
SCHEDULE_AFTER = (dt.timedelta(days=8), dt.time(6, 0))  # ET, eight days after the date
BOXSCORE_DELAY = dt.timedelta(hours=3, minutes=30)


class PayloadWriter(Protocol):
    """Adds captures for one vendor to the world's replay; returns how many it added."""

    def __call__(self, world: World, replay: ReplayWriter) -> int: ...


@dataclass(frozen=True)
class BuildSummary:
    out_dir: Path
    info: dict[str, Any]
    files: int
    bytes: int
    captures_by_source: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        c = self.info["counts"]
        return [
            f"sample world in {self.out_dir}: seed {self.info['seed']}, seasons "
            f"{','.join(str(s) for s in self.info['seasons'])}",
            f"  teams {c['teams']}, players {c['players']}, games {c['games']}, trades {c['trades']}, "
            f"legacy box scores {c['legacy_boxscores']}",
            "  captures " + ", ".join(f"{k} {v}" for k, v in self.captures_by_source.items()),
            f"  {self.files} files, {self.bytes / 1e6:.1f} MB",
        ]


def discover_payload_writers() -> list[tuple[str, PayloadWriter]]:
    """``write_payloads`` of every ``propledger.sample.odds_*`` module, in name order."""
    import propledger.sample as pkg

    found: list[tuple[str, PayloadWriter]] = []
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        if info.name.startswith("odds_"):
            module = importlib.import_module(f"{pkg.__name__}.{info.name}")
            writer = getattr(module, "write_payloads", None)
            if callable(writer):
                found.append((info.name, writer))
    return found


def prepare_out_dir(out_dir: Path, *, force: bool) -> None:
    """Refuse a non-empty directory unless ``force``; with ``force`` remove the previous
    world (``world.json`` first, so a crash midway never leaves a "complete" marker)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise ConfigError(f"--out {out_dir} is a file; give a directory")
    if out_dir.is_dir() and any(out_dir.iterdir()):
        if not force:
            raise ConfigError(
                f"--out {out_dir} is not empty; pass --force to replace the sample world in it"
            )
        foreign = sorted(
            p.name
            for p in out_dir.iterdir()
            if p.name not in OUTPUTS and not p.name.startswith(".")
        )
        if foreign:
            raise ConfigError(
                f"--out {out_dir} holds files that are not a sample world ({', '.join(foreign[:3])}); "
                "choose an empty or sample-world directory"
            )
        (out_dir / WORLD_FILE).unlink(missing_ok=True)
        (out_dir / TRUTH_FILE).unlink(missing_ok=True)
        shutil.rmtree(out_dir / REPLAY_DIR, ignore_errors=True)
    out_dir.mkdir(parents=True, exist_ok=True)


def _add_moneypuck(world: World, replay: ReplayWriter) -> int:
    n = 0
    for s in world.seasons:
        at = et_to_utc(s.schedule.first_date, MONEYPUCK_CAPTURE)
        base = f"{MONEYPUCK_BASE}/teamPlayerGameByGame/{s.season}/regular"
        for kind, files in (
            ("skaters", mp.skater_files(world, s)),
            ("goalies", mp.goalie_files(world, s)),
        ):
            for team, body in files:
                replay.add(f"{base}/{kind}/{team}.csv", at, body, content_type="text/csv")
                n += 1
            replay.add(
                f"{base}/{kind}/",
                at,
                mp.directory_index(s.season, kind, s.schedule.teams),
                content_type="text/html",
            )
            n += 1
        replay.add(
            f"{MONEYPUCK_BASE}/playerBios/allPlayersLookup.csv",
            at,
            mp.players_lookup(world, s.season),
            content_type="text/csv",
        )
        n += 1
    return n


def _add_nhl(world: World, replay: ReplayWriter) -> int:
    n = 0
    for day, before, after in schedule_payloads(world):
        url = f"{NHL_BASE}/schedule/{day.isoformat()}"
        replay.add(url, et_to_utc(day, SCHEDULE_BEFORE), before)
        replay.add(url, et_to_utc(day + SCHEDULE_AFTER[0], SCHEDULE_AFTER[1]), after)
        n += 2
    for s in world.seasons:
        for game_id, start, body in boxscore_payloads(world, s):
            replay.add(f"{NHL_BASE}/gamecenter/{game_id}/boxscore", start + BOXSCORE_DELAY, body)
            n += 1
    return n


def world_info(world: World, captures: dict[str, int]) -> dict[str, Any]:
    """The content of ``world.json`` (deterministic: no clock, no paths)."""
    games = {str(s.season): len(s.schedule) for s in world.seasons}
    return {
        "generator": "propledger.sample",
        "generator_version": GENERATOR_VERSION,
        "seed": world.seed,
        "seasons": list(world.season_years),
        "teams": list(world.team_abbrevs),
        "games_per_team": world.games_per_team,
        "counts": {
            "teams": len(world.team_abbrevs),
            "players": len(world.player_indices()),
            "games": sum(games.values()),
            "games_by_season": games,
            "trades": sum(len(s.roster.trades) for s in world.seasons),
            "legacy_boxscores": int(sum(s.legacy_boxscore.sum() for s in world.seasons)),
            "captures": sum(captures.values()),
            "captures_by_source": captures,
        },
        "files": {
            "truth": TRUTH_FILE,
            "replay": REPLAY_DIR,
            "manifest": f"{REPLAY_DIR}/{MANIFEST}",
        },
    }


def write_world(
    world: World,
    out_dir: Path,
    *,
    force: bool = False,
    payload_writers: Sequence[tuple[str, PayloadWriter]] | None = None,
    progress: Callable[[str], None] | None = None,
) -> BuildSummary:
    """Write ``world`` under ``out_dir``; ``payload_writers`` default to the discovered
    ``sample/odds_*`` modules. Raises ConfigError for a non-empty dir without ``force``."""
    out_dir = Path(out_dir)
    say = progress or (lambda message: log.info("%s", message))
    prepare_out_dir(out_dir, force=force)
    buf = io.BytesIO()
    pacsv.write_csv(world.truth(), buf, pacsv.WriteOptions(quoting_style="needed"))
    atomic_write(out_dir / TRUTH_FILE, buf.getvalue())
    replay = ReplayWriter(out_dir / REPLAY_DIR)
    captures = {"moneypuck": _add_moneypuck(world, replay)}
    say(f"moneypuck: {captures['moneypuck']} captures")
    captures["nhl_api"] = _add_nhl(world, replay)
    say(f"nhl_api: {captures['nhl_api']} captures")
    for name, writer in discover_payload_writers() if payload_writers is None else payload_writers:
        captures[name] = int(writer(world, replay))
        say(f"{name}: {captures[name]} captures")
    replay.write_manifest()
    info = world_info(world, captures)
    atomic_write(out_dir / WORLD_FILE, (json.dumps(info, indent=2, sort_keys=True) + "\n").encode())
    files = [p for p in out_dir.rglob("*") if p.is_file()]
    return BuildSummary(out_dir, info, len(files), sum(p.stat().st_size for p in files), captures)


def read_world_info(out_dir: Path) -> dict[str, Any]:
    """``world.json`` of a complete build; InputError naming the fix otherwise."""
    path = Path(out_dir) / WORLD_FILE
    if not path.is_file():
        raise InputError(
            f"{out_dir} has no {WORLD_FILE}: the sample build is missing or was interrupted; "
            f"run `propledger sample build --out {out_dir} --force`"
        )
    try:
        info: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path} is unreadable ({exc}); rebuild with --force") from None
    return info


__all__ = [
    "BOXSCORE_DELAY",
    "MONEYPUCK_BASE",
    "NHL_BASE",
    "TRUTH_FILE",
    "WORLD_FILE",
    "BuildSummary",
    "PayloadWriter",
    "discover_payload_writers",
    "prepare_out_dir",
    "read_world_info",
    "world_info",
    "write_world",
]
