"""Step 1 of the daily run (odds ingestion) and the archive reparse, as jobs.

The daily driver calls :func:`run_odds_ingestion` and records :func:`odds_registry_events`
(one ``end`` event per vendor, step ``odds``) with its own run events. Commands print
:func:`ingest_table` / :func:`reparse_table`. Exit policy: :func:`ingest_exit_code` is 0 when
any vendor produced something (degraded included), 1 only when nothing at all could be.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from propledger.context import Context
from propledger.evidence.registry import RegistryEvent
from propledger.odds.ingest import IngestStatus, OddsIngestResult, ProgressFn, ingest_odds
from propledger.odds.mapping import MappingConfig, MappingStats
from propledger.odds.reparse import ArchivedPayload, ReparseResult, reparse_archive

STEP = "odds"


def run_odds_ingestion(
    ctx: Context,
    vendors: Sequence[str] | None = None,
    *,
    progress: ProgressFn | None = None,
    config: MappingConfig | None = None,
) -> OddsIngestResult:
    """Fetch, archive, parse, map and append the odds of ``vendors`` (default: enabled ones)."""
    return ingest_odds(ctx, vendors, progress=progress, config=config)


def ingest_exit_code(result: OddsIngestResult) -> int:
    """0 for ok or degraded, 1 when no vendor produced anything."""
    return 1 if result.status is IngestStatus.FAILED else 0


def odds_registry_events(
    result: OddsIngestResult,
    *,
    slate_date: dt.date | None,
    started_utc: dt.datetime,
    ended_utc: dt.datetime,
    kind: str = "daily",
    code_version: str | None = None,
    config_hash: str | None = None,
) -> tuple[RegistryEvent, ...]:
    """One ``end`` event per vendor for ``fact_run_registry``: status in the registry's words
    (``IngestStatus.step_status``), the HTTP layer's call status in ``details.call_status``,
    error type and one-line message from the vendor's result (a vendor degraded by its parse
    says ``ParseNoMatch`` and why), rows_in = quotes parsed, rows_out = rows inserted; mapping
    rates, payload counts, parse status and skip counts in ``details``."""
    events = []
    for v in result.vendors:
        details: dict[str, object] = {
            "platform": v.platform,
            "call_status": str(v.call.status),
            "payloads_new": v.payloads_new,
            "payloads_duplicate": v.payloads_duplicate,
            "payloads_failed": v.payloads_failed,
            "rows_duplicate": v.rows_duplicate,
            "parse_status": v.parse_status,
            "skipped": dict(v.skipped),
            "bytes": v.call.bytes,
        }
        if v.mapping is not None:
            details["mapping"] = v.mapping.as_row()
        events.append(
            RegistryEvent(
                run_id=result.run_id,
                step=STEP,
                event="end",
                status=v.status.step_status,
                recorded_utc=ended_utc,
                kind=kind,
                slate_date=slate_date,
                vendor=v.vendor,
                started_utc=started_utc,
                ended_utc=ended_utc,
                duration_s=round(v.elapsed, 3),
                requests=v.call.requests,
                attempts=v.call.attempts,
                http_status=v.call.last_http_status,
                error_type=v.error_type or None,
                message=v.message or None,
                rows_in=v.rows_parsed,
                rows_out=v.rows_inserted,
                code_version=code_version,
                config_hash=config_hash,
                details=details,
            )
        )
    return tuple(events)


def _unmapped_note(vendor: str, stats: MappingStats) -> str:
    """``unabated: 8 unmapped rows (no_player=8); top: Teddy Quartermain (no_player, 8)``."""
    reasons = ", ".join(f"{k}={n}" for k, n in sorted(stats.by_reason.items()))
    top = ", ".join(f"{u.name} ({u.reason}, {u.rows})" for u in stats.top_unmapped[:3])
    return f"{vendor}: {stats.rows_unmapped} unmapped rows ({reasons}); top: {top}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def ingest_table(result: OddsIngestResult) -> str:
    """A fixed-width per-vendor table (plain text: logs and CI stay readable)."""
    header = (
        "vendor",
        "status",
        "requests",
        "payloads new/dup",
        "rows parsed",
        "rows inserted",
        "events mapped",
        "players mapped",
    )
    lines: list[tuple[str, ...]] = [header]
    for v in result.vendors:
        m = v.mapping
        lines.append(
            (
                v.vendor,
                str(v.status),
                str(v.call.requests),
                f"{v.payloads_new}/{v.payloads_duplicate}",
                str(v.rows_parsed),
                str(v.rows_inserted),
                _pct(m.pct_events if m else None),
                _pct(m.pct_players if m else None),
            )
        )
    text = _grid(lines)
    notes = [f"{v.vendor}: {v.message}" for v in result.vendors if v.message]
    notes += [
        _unmapped_note(v.vendor, v.mapping)
        for v in result.vendors
        if v.mapping is not None and v.mapping.rows_unmapped
    ]
    footer = f"odds ingest {result.status}: {result.rows_inserted} rows inserted in {result.elapsed:.2f}s"
    return "\n".join([text, *notes, footer]) + "\n"


def run_reparse(
    ctx: Context,
    start: dt.date,
    end: dt.date,
    *,
    vendors: Sequence[str] | None = None,
    progress: Callable[[int, int, ArchivedPayload], None] | None = None,
    config: MappingConfig | None = None,
) -> ReparseResult:
    """Reparse the archive for slates [start, end) with each payload's archived capture time."""
    return reparse_archive(
        ctx.warehouse,
        ctx.settings.raw_dir,
        start,
        end,
        run_id=ctx.run_id,
        loaded_at=ctx.clock.now(),
        vendors=vendors,
        config=config,
        progress=progress,
    )


def reparse_table(result: ReparseResult) -> str:
    lines: list[tuple[str, ...]] = [
        ("vendor", "payloads", "failed", "rows parsed", "rows new", "rows duplicate")
    ]
    for v in result.vendors:
        lines.append(
            (
                v.vendor,
                str(v.payloads),
                str(v.payloads_failed),
                str(v.rows_parsed),
                str(v.rows_new),
                str(v.rows_duplicate),
            )
        )
    notes = [f"{v.vendor}: {e}" for v in result.vendors for e in v.errors[:3]]
    footer = (
        f"odds reparse {result.start}..{result.end} (half-open): {result.payloads} payloads, "
        f"{result.rows_new} rows new, {result.rows_duplicate} duplicate in {result.elapsed:.2f}s"
    )
    return "\n".join([_grid(lines), *notes, footer]) + "\n"


def _grid(lines: Sequence[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in lines) for i in range(len(lines[0]))]
    return "\n".join(
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in lines
    )


__all__ = [
    "STEP",
    "ingest_exit_code",
    "ingest_table",
    "odds_registry_events",
    "reparse_table",
    "run_odds_ingestion",
    "run_reparse",
]
