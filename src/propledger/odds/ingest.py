"""Odds ingestion (DESIGN §3 step 1, §6): fetch → archive → parse → map → append, per vendor.

:func:`ingest_odds` runs each vendor in turn with its own client (``ctx.client(vendor)``):

1. ``fetch_*`` returns a bundle of payloads (PlayNow's platform from
   ``settings.playnow_platform``); a fetch error ends that vendor only. The responses the
   vendor gave before the error (PlayNow's event list when ``events-by-ids`` fails, Kambi
   events fetched before the breaker opened) are archived and parsed all the same: the archive
   is the record of what the vendor returned. The vendor is ``failed`` unless they held quotes.
2. Every payload is archived with :class:`~propledger.archive.RawArchive` *before* it is
   parsed, in one transaction with its fact rows: the raw registration and the rows commit
   together. An already-archived payload (same sha256) is neither stored nor parsed again.
3. A parse error (or a parser crash) is contained: the payload stays archived for
   ``odds reparse``, the error is recorded on the vendor's client, the vendor is degraded
   (failed when nothing of it parsed) and the other vendors carry on.
4. Rows carry the payload's capture time (the clock's, when fetched), ``raw_payload_hash``,
   ``ctx.run_id`` and ``loaded_at``; inserts are idempotent (re-ingesting adds 0 rows).

The result is a frozen :class:`OddsIngestResult` with one :class:`VendorIngestResult` per
vendor (HTTP call summary, payloads new/duplicate, rows parsed/inserted/duplicate, parse
status and skip counts, mapping statistics).
"""

from __future__ import annotations

import enum
import hashlib
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import pyarrow as pa

from propledger.archive import RawArchive
from propledger.clock import slate_date
from propledger.context import Context
from propledger.errors import ConfigError, PayloadError
from propledger.evidence.registry import RunStatus
from propledger.http import VendorCallResult, VendorClient
from propledger.odds.kept import fetch_keeping
from propledger.odds.load import PayloadLoad, prepare_payload, write_prepared
from propledger.odds.mapping import MappingConfig, MappingStats, RosterCache
from propledger.odds.mapping_stats import mapping_stats
from propledger.odds.quote import FetchBundle, FetchedPayload, ParseStatus
from propledger.settings import ODDS_VENDORS, Settings

log = logging.getLogger(__name__)

#: (vendor, message) → None; called as each vendor starts and finishes each stage
ProgressFn = Callable[[str, str], None]


class IngestStatus(enum.StrEnum):
    """``ok``: every payload fetched and parsed; ``degraded``: something failed or a selector
    matched nothing, but the vendor produced payloads; ``failed``: nothing usable."""

    OK = "ok"
    DEGRADED = "degraded"
    FAILED = "failed"

    @property
    def step_status(self) -> RunStatus:
        """The run registry's word (``SUCCESS``/``DEGRADED``/``FAILED``): what the vendor's
        ``fact_run_registry`` event and the daily report's vendor health say."""
        return _STEP_STATUS[self]


_STEP_STATUS = {
    IngestStatus.OK: RunStatus.SUCCESS,
    IngestStatus.DEGRADED: RunStatus.DEGRADED,
    IngestStatus.FAILED: RunStatus.FAILED,
}
#: longest reason kept in a message (the registry's and the report's one-line ``message``)
MESSAGE_CHARS = 300


def _fetcher(vendor: str) -> Callable[[VendorClient, Settings], FetchBundle]:
    # imported lazily: sources import odds/, never the other way round at module load
    if vendor == "playnow":
        from propledger.sources.playnow import fetch_playnow

        return fetch_playnow
    if vendor == "unabated":
        from propledger.sources.unabated import fetch_propodds

        return fetch_propodds
    if vendor == "oddsshark":
        from propledger.sources.oddsshark import fetch_props_page

        return fetch_props_page
    raise ConfigError(f"vendor {vendor!r} is unknown; use one of {', '.join(ODDS_VENDORS)}")


@dataclass(frozen=True)
class VendorIngestResult:
    """One vendor's ingestion. ``call`` is its HTTP summary (requests, attempts, last status,
    error type/message, elapsed seconds, bytes); ``parse_status`` is the worst payload status
    (``error`` when a payload could not be parsed, empty when nothing was parsed)."""

    vendor: str
    status: IngestStatus
    call: VendorCallResult
    platform: str = ""
    payloads_new: int = 0
    payloads_duplicate: int = 0
    payloads_failed: int = 0
    rows_parsed: int = 0
    rows_inserted: int = 0
    parse_status: str = ""
    skipped: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    warnings: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    mapping: MappingStats | None = None
    elapsed: float = 0.0

    @property
    def rows_duplicate(self) -> int:
        return self.rows_parsed - self.rows_inserted

    @property
    def produced(self) -> bool:
        """The vendor answered with at least one usable payload (new or already archived)."""
        return self.status is not IngestStatus.FAILED

    @property
    def error_type(self) -> str:
        """What kind of problem made the vendor degraded or failed (empty when ok): the HTTP
        layer's error class (``HttpStatusError``, ``CircuitOpenError``…), else ``PayloadError``
        for a payload that could not be parsed, else ``ParseNoMatch`` for a payload whose
        expected structure was absent (schema drift, a redesigned page)."""
        if self.call.error_type:
            return self.call.error_type
        if self.payloads_failed:
            return "PayloadError"
        if self.parse_status == ParseStatus.NO_MATCH:
            return "ParseNoMatch"
        return ""

    @property
    def message(self) -> str:
        """The first problem on one line (empty when ok): an error (fetch or payload), else the
        HTTP layer's message, else for a vendor degraded by its parse the parse status, the first
        warning and the skip counts (``oddsshark: parse no_match: selector … matched nothing``).
        Errors and call messages carry sanitised URLs only; the text is cut at
        :data:`MESSAGE_CHARS`."""
        if self.errors:
            text = self.errors[0]
        elif self.call.message:
            text = self.call.message
        elif self.status is not IngestStatus.OK:
            text = self.parse_reason
        else:
            return ""
        return _one_line(text)

    @property
    def parse_reason(self) -> str:
        """``<vendor>: parse <status>[: <first warning>][; skipped <n>: reason=count, …]``."""
        text = f"{self.vendor}: parse {self.parse_status or 'nothing'}"
        if self.warnings:
            text += f": {self.warnings[0]}"
        if self.skipped:
            counts = sorted(self.skipped.items(), key=lambda kv: (-kv[1], kv[0]))
            listed = ", ".join(f"{reason}={n}" for reason, n in counts)
            text += f"; skipped {sum(self.skipped.values())}: {listed}"
        return text


@dataclass(frozen=True)
class OddsIngestResult:
    """Step 1's result: per-vendor results in the order run; ``elapsed`` in wall seconds."""

    run_id: str
    vendors: tuple[VendorIngestResult, ...]
    elapsed: float = 0.0

    @property
    def status(self) -> IngestStatus:
        if not self.vendors or all(v.status is IngestStatus.FAILED for v in self.vendors):
            return IngestStatus.FAILED
        if all(v.status is IngestStatus.OK for v in self.vendors):
            return IngestStatus.OK
        return IngestStatus.DEGRADED

    @property
    def rows_inserted(self) -> int:
        return sum(v.rows_inserted for v in self.vendors)

    @property
    def rows_parsed(self) -> int:
        return sum(v.rows_parsed for v in self.vendors)

    def vendor(self, name: str) -> VendorIngestResult:
        for v in self.vendors:
            if v.vendor == name:
                return v
        raise KeyError(name)


def _one_line(text: str) -> str:
    """Whitespace (newlines included) collapsed, cut at MESSAGE_CHARS with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= MESSAGE_CHARS else flat[: MESSAGE_CHARS - 1] + "…"


@dataclass
class _VendorRun:
    """Mutable tally of one vendor's ingestion."""

    vendor: str
    platform: str = ""
    new: int = 0
    duplicate: int = 0
    duplicate_quotes: int = 0  # already-archived payloads that hold quotes (parsed back then)
    failed_payloads: int = 0
    parsed: int = 0
    inserted: int = 0
    statuses: list[ParseStatus] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    tables: list[pa.Table] = field(default_factory=list)

    def add_load(self, load: PayloadLoad, table: pa.Table) -> None:
        self.parsed += load.rows_parsed
        self.inserted += load.rows_inserted
        self.statuses.append(load.parse_status)
        for reason, n in load.skipped.items():
            self.skipped[reason] = self.skipped.get(reason, 0) + n
        self.warnings.extend(w for w in load.warnings if w not in self.warnings)
        self.tables.append(table)


def ingest_odds(
    ctx: Context,
    vendors: Sequence[str] | None = None,
    *,
    progress: ProgressFn | None = None,
    config: MappingConfig | None = None,
) -> OddsIngestResult:
    """Fetch, archive, parse, map and append each vendor's odds (``vendors`` defaults to
    ``settings.vendors``). Never raises for a vendor problem; StorageError propagates."""
    started = time.monotonic()
    names = tuple(vendors) if vendors is not None else ctx.settings.vendors
    for name in names:
        _fetcher(name)  # unknown names fail before anything is fetched
    archive = RawArchive(ctx.settings.raw_dir, ctx.warehouse)
    cache = RosterCache()  # the vendors of one run map against the same rosters
    results = tuple(_ingest_vendor(ctx, name, archive, progress, config, cache) for name in names)
    return OddsIngestResult(ctx.run_id, results, time.monotonic() - started)


def _ingest_vendor(
    ctx: Context,
    vendor: str,
    archive: RawArchive,
    progress: ProgressFn | None,
    config: MappingConfig | None,
    cache: RosterCache,
) -> VendorIngestResult:
    started = time.monotonic()
    note = progress or (lambda _v, _m: None)
    note(vendor, "fetching")
    client = ctx.client(vendor)
    run = _VendorRun(vendor)
    try:
        # on a fetch error, the bundle holds the responses received before it
        bundle, failure = fetch_keeping(_fetcher(vendor), client, ctx.settings)
        if failure is not None:
            log.warning("%s: fetch failed: %s", vendor, failure)
            run.errors.append(str(failure))
        run.errors.extend(str(e) for e in bundle.errors)
        for payload in bundle.payloads:
            run.platform = payload.platform.value
            _ingest_payload(ctx, client, archive, payload, run, config, cache)
    finally:
        client.close()
    result = _finish(run, client.result(), started, fetched=failure is None)
    if failure is not None:
        note(vendor, f"failed: {failure}")
    else:
        note(vendor, f"{result.status}: {result.rows_inserted} rows inserted")
    return result


def _ingest_payload(
    ctx: Context,
    client: VendorClient,
    archive: RawArchive,
    payload: FetchedPayload,
    run: _VendorRun,
    config: MappingConfig | None,
    cache: RosterCache,
) -> None:
    fetched = payload.fetched
    wh = ctx.warehouse
    payload_hash = hashlib.sha256(fetched.content).hexdigest()
    with wh.transaction():
        stored = archive.store(
            fetched,
            surface=payload.surface.value,
            run_id=ctx.run_id,
            slate_date=slate_date(fetched.captured_at),
            capture_ts=fetched.captured_at,
        )
        if not stored.is_new:
            run.duplicate += 1
            run.duplicate_quotes += int(payload.parse)
            return
        run.new += 1
        if not payload.parse:
            return
        try:
            prepared = prepare_payload(
                wh,
                payload.surface,
                fetched.content,
                fetched.captured_at,
                config=config,
                cache=cache,
            )
        except PayloadError as exc:
            # the raw payload stays registered (this transaction commits) for a later reparse
            error = PayloadError(
                f"{run.vendor}: {exc}", vendor=run.vendor, url=fetched.url, status=fetched.status
            )
            client.record_error(error)
            run.errors.append(str(error))
            run.failed_payloads += 1
            return
        load = write_prepared(
            wh,
            prepared,
            payload_hash=payload_hash,
            run_id=ctx.run_id,
            loaded_at=ctx.clock.now(),
        )
    run.add_load(load, prepared.table)


def _finish(
    run: _VendorRun, call: VendorCallResult, started: float, *, fetched: bool
) -> VendorIngestResult:
    # quotes in hand: a payload parsed now, or one parsed when it was first archived (event
    # lists do not count: they hold no quotes)
    usable = bool(run.statuses) or run.duplicate_quotes > 0
    if not usable and (not fetched or run.failed_payloads):
        status = IngestStatus.FAILED
    elif (
        not fetched
        or run.failed_payloads
        or run.errors
        or ParseStatus.NO_MATCH in run.statuses
        or str(call.status) not in ("ok", "skipped")
    ):
        status = IngestStatus.DEGRADED
    else:
        status = IngestStatus.OK
    if run.failed_payloads:
        parse_status = "error"
    elif ParseStatus.NO_MATCH in run.statuses:
        parse_status = ParseStatus.NO_MATCH.value
    elif ParseStatus.OK in run.statuses:
        parse_status = ParseStatus.OK.value
    elif run.statuses:
        parse_status = ParseStatus.EMPTY.value
    else:
        parse_status = ""
    stats = None
    if run.tables:
        merged = mapping_stats(pa.concat_tables(run.tables, promote_options="default"))
        stats = next(iter(merged.values()), None)
    return VendorIngestResult(
        vendor=run.vendor,
        status=status,
        call=call,
        platform=run.platform,
        payloads_new=run.new,
        payloads_duplicate=run.duplicate,
        payloads_failed=run.failed_payloads,
        rows_parsed=run.parsed,
        rows_inserted=run.inserted,
        parse_status=parse_status,
        skipped=MappingProxyType(dict(sorted(run.skipped.items()))),
        warnings=tuple(run.warnings),
        errors=tuple(run.errors),
        mapping=stats,
        elapsed=time.monotonic() - started,
    )


__all__ = [
    "MESSAGE_CHARS",
    "IngestStatus",
    "OddsIngestResult",
    "ProgressFn",
    "VendorIngestResult",
    "ingest_odds",
]
