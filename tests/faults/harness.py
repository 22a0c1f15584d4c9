"""Running ``propledger …`` (cli.main) against the loopback vendors, and reading what it left.

Shared by the ingestion fault matrix, the daily-driver fault tests and the secret sweep:

- :class:`Sleeps` replaces the HTTP client's sleep (``propledger.context.make_client`` is
  wrapped), so backoff and ``Retry-After`` waits are recorded, not slept; the deadline still
  counts them (docs/http.md), so ``VendorCallResult.elapsed`` includes them.
- :func:`spy_ingestion` keeps the :class:`OddsIngestResult` the command computed (the CLI prints
  only a table), without changing what runs.
- :func:`quote_rows` / :func:`rows_by_vendor` read ``fact_prop_odds`` for exact comparisons with
  a clean run (everything but ``run_id`` and ``loaded_at``).
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import propledger.commands.common
import propledger.context
import propledger.jobs.odds
import propledger.logs
from faults.vendors import VENDORS
from odds.odds_world import seed_world
from propledger.cli import main
from propledger.evidence.warehouse import Warehouse
from propledger.http import VendorClient
from propledger.http import make_client as real_make_client
from propledger.odds.ingest import OddsIngestResult

#: the instant the runs pretend it is (the committed examples' slate, 2026-01-14 ET)
NOW = "2026-01-14T17:00:00Z"

#: the content of a quote row (run lineage left out: it differs between runs by design)
QUOTE_COLUMNS = (
    "lower(vendor)",
    "capture_ts_utc",
    "event_id_vendor",
    "player_key",
    "market_type",
    "line",
    "side",
    "book_name_raw",
    "is_ladder",
    "odds_quoted_raw",
    "odds_decimal",
    "game_id",
    "player_id",
    "map_status",
    "raw_payload_hash",
)


class Sleeps(list[float]):
    """A sleep that records instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def record_sleeps(monkeypatch: pytest.MonkeyPatch) -> Sleeps:
    """Every client a Context makes sleeps into the returned list."""
    sleeps = Sleeps()

    def make_client(*args: Any, **kwargs: Any) -> VendorClient:
        return real_make_client(*args, sleep=sleeps, **kwargs)

    monkeypatch.setattr(propledger.context, "make_client", make_client)
    return sleeps


def spy_ingestion(monkeypatch: pytest.MonkeyPatch) -> list[OddsIngestResult]:
    """The results of every ``run_odds_ingestion`` call the command makes, in order."""
    results: list[OddsIngestResult] = []
    real: Callable[..., OddsIngestResult] = propledger.jobs.odds.run_odds_ingestion

    def spy(*args: Any, **kwargs: Any) -> OddsIngestResult:
        result = real(*args, **kwargs)
        results.append(result)
        return result

    monkeypatch.setattr(propledger.jobs.odds, "run_odds_ingestion", spy)
    return results


def seeded_template(directory: Path) -> Path:
    """A warehouse file holding the tiny world of ``odds.odds_world`` (copied per test)."""
    path = directory / "template.duckdb"
    if not path.exists():
        with Warehouse.open(path) as wh:
            seed_world(wh)
    return path


def install_warehouse(template: Path, data_dir: Path) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    target = data_dir / "warehouse.duckdb"
    shutil.copyfile(template, target)
    return target


def set_env(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def quote_rows(wh: Warehouse) -> dict[str, list[tuple[Any, ...]]]:
    """``fact_prop_odds`` content by lower-case vendor, sorted."""
    rows = wh.rows(f"SELECT {', '.join(QUOTE_COLUMNS)} FROM fact_prop_odds ORDER BY ALL")
    out: dict[str, list[tuple[Any, ...]]] = {v: [] for v in VENDORS}
    for row in rows:
        out[row[0]].append(tuple(row))
    return out


def raw_payloads_by_vendor(wh: Warehouse) -> dict[str, int]:
    found = dict(wh.rows("SELECT lower(vendor), count(*) FROM raw_payload GROUP BY 1"))
    return {v: int(found.get(v, 0)) for v in VENDORS}


class LogCollector(logging.Handler):
    """What the app's logging can emit, formatted with exception text and before the stderr
    handler's redacting filter: every ``propledger`` record (entry points send that logger to
    stderr, DEBUG with ``-vv``), plus WARNING and above of other loggers (httpx, httpcore),
    which is all Python's last-resort handler prints: the app configures no root handler, so
    third-party DEBUG records (httpcore traces, response headers included) go nowhere."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def filter(self, record: logging.LogRecord) -> bool:
        ours = record.name == "propledger" or record.name.startswith("propledger.")
        return (ours or record.levelno >= logging.WARNING) and super().filter(record)

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def collect_logs(monkeypatch: pytest.MonkeyPatch) -> Iterator[LogCollector]:
    """Attach a :class:`LogCollector` to ``propledger`` and the root logger, re-attached after
    every ``setup_logging`` (entry points replace the ``propledger`` handlers)."""
    collector = LogCollector()
    real = propledger.logs.setup_logging

    def setup_logging(verbose: int = 0, secrets: tuple[str, ...] = ()) -> None:
        real(verbose, secrets)
        logging.getLogger("propledger").addHandler(collector)

    monkeypatch.setattr(propledger.logs, "setup_logging", setup_logging)
    monkeypatch.setattr(propledger.commands.common, "setup_logging", setup_logging)
    root, ours = logging.getLogger(), logging.getLogger("propledger")
    saved = (ours.level, ours.propagate, list(ours.handlers))
    ours.propagate = False  # as after setup_logging: each record reaches the collector once
    root.addHandler(collector)
    ours.addHandler(collector)
    try:
        yield collector
    finally:
        # setup_logging left a handler on the test's (now closed) stderr: put things back
        root.removeHandler(collector)
        ours.setLevel(saved[0])
        ours.propagate = saved[1]
        ours.handlers[:] = saved[2]


@dataclass(frozen=True)
class CliRun:
    """One ``propledger …`` invocation: exit code, captured stdout/stderr, wall seconds."""

    args: tuple[str, ...]
    code: int
    out: str
    err: str
    wall: float


def run_cli(
    capsys: pytest.CaptureFixture[str],
    args: Sequence[str],
    entry: Callable[[list[str]], int] = main,
) -> CliRun:
    """``entry(args)``: ``propledger.cli.main`` by default, or a spec entrypoint's ``main``."""
    capsys.readouterr()
    started = time.monotonic()
    code = entry(list(args))
    wall = time.monotonic() - started
    captured = capsys.readouterr()
    return CliRun(tuple(args), code, captured.out, captured.err, wall)


__all__ = [
    "NOW",
    "QUOTE_COLUMNS",
    "CliRun",
    "LogCollector",
    "Sleeps",
    "collect_logs",
    "install_warehouse",
    "quote_rows",
    "raw_payloads_by_vendor",
    "record_sleeps",
    "run_cli",
    "seeded_template",
    "set_env",
    "spy_ingestion",
]
