"""Bounded backfill of Unabated snapshots (DESIGN section 10, issue 8; docs/backfill.md).

Unabated has no history endpoint, so a backfill only re-ingests snapshots that exist: the
local raw archive (``--source archive``) or a snapshot archive over HTTP (``--source remote``,
``PROPLEDGER_UNABATED_ARCHIVE_URL``, format in :mod:`propledger.jobs.backfill_index`).
:func:`run_backfill`:

1. takes the run lock (not for ``--dry-run``), closes earlier unfinished runs as ABANDONED and
   records the run's start in ``fact_run_registry`` (kind and step ``backfill``);
2. plans the units of ``[start, end)`` (:mod:`~propledger.jobs.backfill_plan`; remote: one
   request for ``index.json``); ``--dry-run`` stops here with the warehouse opened read-only;
3. runs them oldest first, each in its own transaction, so a kill loses at most the unit in
   flight and a rerun resumes: ``reparse`` through :func:`~propledger.odds.reparse.
   reparse_payload` (the archived capture time), ``fetch`` = GET + sha256 check + capture-time
   check + archive + parse at the index's capture time, in one transaction;
4. checks the bounds before every unit and, through the vendor health's budget and deadline,
   before every request (retries included): it never sends request ``max_requests + 1`` and
   does not start a unit unless the longest unit so far still fits in ``max_seconds``;
5. records the ``backfill`` step and the run's end (stop reason, units, requests, rows).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb

from propledger.archive import RawArchive
from propledger.context import Context
from propledger.errors import BudgetExhaustedError, PayloadError, SourceError, StorageError
from propledger.evidence.registry import mark_abandoned, record
from propledger.evidence.warehouse import Warehouse
from propledger.http import Fetched, VendorClient, make_client
from propledger.http_health import VendorHealth
from propledger.jobs.backfill_args import BackfillRequest, BackfillSource, OnError
from propledger.jobs.backfill_index import (
    SURFACE,
    archive_base_url,
    check_capture_time,
    entry_url,
    index_url,
    parse_index,
)
from propledger.jobs.backfill_plan import Action, Plan, Unit, plan_from_archive, plan_from_index
from propledger.jobs.backfill_result import (
    VENDOR,
    BackfillResult,
    StopReason,
    UnitOutcome,
    UnitStatus,
    start_event,
)
from propledger.jobs.lock import RunLock
from propledger.odds.load import PreparedPayload, prepare_payload, write_prepared
from propledger.odds.mapping import RosterCache
from propledger.odds.reparse import reparse_payload

#: (outcome, units finished so far, units in the plan) → None; called once per unit
ProgressFn = Callable[[UnitOutcome, int, int], None]
Monotonic = Callable[[], float]


class _Stop(Exception):
    """Ends the unit loop: a bound, an error under --on-error stop, the vendor out of the run."""

    def __init__(self, reason: StopReason, message: str = "") -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def run_backfill(
    ctx: Context,
    request: BackfillRequest,
    *,
    progress: ProgressFn | None = None,
    monotonic: Monotonic = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> BackfillResult:
    """Run (or with ``request.dry_run`` only plan) the backfill; see the module docstring.

    Raises ConfigError for a remote source without a usable archive URL, LockHeldError when
    another run holds the lock; a unit's failure never raises (see ``request.on_error``)."""
    runner = _Runner(ctx, request, monotonic, sleep)
    if request.dry_run:
        return runner.dry_run()
    lock = RunLock.beside(ctx.settings.warehouse_path, label="backfill")
    lock.acquire(f"{request.start}..{request.end}")
    try:
        return runner.run(progress)
    finally:
        lock.release()


class _Runner:
    def __init__(
        self,
        ctx: Context,
        request: BackfillRequest,
        monotonic: Monotonic,
        sleep: Callable[[float], None],
    ) -> None:
        self.ctx = ctx
        self.request = request
        self.monotonic = monotonic
        self.t0 = monotonic()
        self.started = ctx.clock.now()
        self.base = (
            archive_base_url(ctx.settings) if request.source is BackfillSource.REMOTE else None
        )
        # the backfill's own budget and deadline: exactly --max-requests and --max-seconds
        http = dataclasses.replace(
            ctx.settings.http_for(VENDOR),
            request_budget=request.max_requests,
            vendor_deadline=request.max_seconds,
        )
        self.health = VendorHealth(VENDOR, http)
        self.sleep = sleep
        self._client: VendorClient | None = None
        self.longest = 0.0
        # one run never writes the tables rosters come from: read each game's roster once
        self.rosters = RosterCache()

    # ---- entry points ----------------------------------------------------------------------
    def dry_run(self) -> BackfillResult:
        with _read_only(self.ctx) as wh:
            try:
                plan = self._plan(wh)
            except _Stop as stop:
                return self._result(Plan(self.request, ()), (), stop.reason, stop.message)
        return self._result(plan, (), StopReason.DRY_RUN)

    def run(self, progress: ProgressFn | None) -> BackfillResult:
        from propledger.jobs.daily import code_version

        wh = self.ctx.warehouse
        stamp = {"config_hash": self.ctx.settings.config_hash(), "code_version": code_version()}
        with wh.transaction():
            mark_abandoned(wh, current_run_id=self.ctx.run_id, now=_abandon_time(wh, self.started))
            record(wh, start_event(self.ctx.run_id, self.request, self.started, **stamp))
        outcomes: list[UnitOutcome] = []
        plan = Plan(self.request, ())
        reason, message = StopReason.COMPLETED, ""
        try:
            plan = self._plan(wh)
            self._run_units(wh, plan, outcomes, progress)
        except _Stop as stop:
            reason, message = stop.reason, stop.message
        except (KeyboardInterrupt, duckdb.InterruptException):
            reason, message = StopReason.INTERRUPTED, "interrupted; units done so far are kept"
        except StorageError as exc:
            # the unit in flight was rolled back; record why the run stopped, then report it
            if isinstance(exc.__cause__, duckdb.InterruptException):
                reason, message = StopReason.INTERRUPTED, "interrupted; units done so far are kept"
            else:
                reason, message = StopReason.ERROR, str(exc)
        finally:
            if self._client is not None:
                self._client.close()
        result = self._result(plan, tuple(outcomes), reason, message)
        with wh.transaction():
            record(wh, *result.registry_events(**stamp))
        return result

    # ---- planning --------------------------------------------------------------------------
    def _plan(self, wh: Warehouse | None) -> Plan:
        if self.base is None:
            return plan_from_archive(wh, self.request, self.ctx.settings.raw_dir)
        url = index_url(self.base)
        try:
            fetched = self._get(url)
        except SourceError as exc:
            reason = StopReason.VENDOR_UNAVAILABLE if self.health.blocked else StopReason.ERROR
            raise _Stop(reason, f"cannot read the archive index: {exc}") from None
        try:
            index = parse_index(fetched.content, url=fetched.url)
        except PayloadError as exc:
            self.client.record_error(exc)
            raise _Stop(StopReason.ERROR, str(exc)) from None
        return plan_from_index(
            wh,
            self.request,
            index,
            now=self.ctx.clock.now(),
            source_url=self.base,
            planning_requests=self.health.tally.requests,
        )

    # ---- units -----------------------------------------------------------------------------
    def _run_units(
        self, wh: Warehouse, plan: Plan, outcomes: list[UnitOutcome], progress: ProgressFn | None
    ) -> None:
        archive = RawArchive(self.ctx.settings.raw_dir, wh)
        total = len(plan.units)
        for unit in plan.units:
            if unit.action is Action.SKIP:
                outcome = UnitOutcome(unit, UnitStatus.SKIPPED)
            else:
                self._check_bounds(unit)
                outcome = self._attempt(wh, archive, unit)
                self.longest = max(self.longest, outcome.seconds)
            outcomes.append(outcome)
            if progress is not None:
                progress(outcome, len(outcomes), total)
            if outcome.status is UnitStatus.FAILED:
                self._after_failure(outcome)

    def _check_bounds(self, unit: Unit) -> None:
        elapsed = self.elapsed()
        limit = self.request.max_seconds
        if elapsed >= limit or elapsed + self.longest > limit:
            raise _Stop(
                StopReason.MAX_SECONDS,
                f"{elapsed:.1f}s used; the next unit could take {self.longest:.1f}s",
            )
        used = self.health.tally.requests
        if unit.action is Action.FETCH and used + 1 > self.request.max_requests:
            raise _Stop(
                StopReason.MAX_REQUESTS, f"{used} of {self.request.max_requests} requests sent"
            )

    def _attempt(self, wh: Warehouse, archive: RawArchive, unit: Unit) -> UnitOutcome:
        began, sent = self.monotonic(), self.health.tally.requests
        try:
            if unit.action is Action.FETCH:
                parsed, inserted = self._fetch(wh, archive, unit)
            else:
                parsed, inserted = self._reparse(wh, archive, unit)
        except _Stop:
            raise
        except SourceError as exc:
            return UnitOutcome(
                unit,
                UnitStatus.FAILED,
                requests=self.health.tally.requests - sent,
                seconds=self.monotonic() - began,
                error=str(exc),
                error_type=type(exc).__name__,
            )
        return UnitOutcome(
            unit,
            UnitStatus.DONE,
            rows_parsed=parsed,
            rows_inserted=inserted,
            requests=self.health.tally.requests - sent,
            seconds=self.monotonic() - began,
        )

    def _after_failure(self, outcome: UnitOutcome) -> None:
        blocked = self.health.blocked
        if blocked is not None:
            raise _Stop(StopReason.VENDOR_UNAVAILABLE, str(blocked))
        if self.request.on_error is OnError.STOP:
            raise _Stop(StopReason.ERROR, f"{outcome.unit.label}: {outcome.error}")

    def _reparse(self, wh: Warehouse, archive: RawArchive, unit: Unit) -> tuple[int, int]:
        assert unit.archived is not None
        load = reparse_payload(
            wh,
            archive,
            unit.archived,
            run_id=self.ctx.run_id,
            loaded_at=self.ctx.clock.now(),
            cache=self.rosters,
        )
        return load.rows_parsed, load.rows_inserted

    def _fetch(self, wh: Warehouse, archive: RawArchive, unit: Unit) -> tuple[int, int]:
        entry = unit.entry
        assert entry is not None and self.base is not None
        fetched = self._get(entry_url(self.base, entry))
        content = fetched.content
        try:
            digest = hashlib.sha256(content).hexdigest()
            if digest != entry.sha256:
                raise PayloadError(
                    f"{fetched.url}: sha256 {digest[:12]}… differs from the index's "
                    f"{entry.sha256[:12]}…; the archive is inconsistent",
                    vendor=VENDOR,
                    url=fetched.url,
                )
            check_capture_time(content, entry.capture_ts_utc, self.ctx.clock.now())
        except PayloadError as exc:
            self.client.record_error(exc)
            raise
        # the archive server's own headers say nothing about the capture: keep the feed's
        headers = {"content-type": "application/json"}
        if entry.last_modified:
            headers["last-modified"] = entry.last_modified
        fetched = dataclasses.replace(fetched, headers=headers)
        failure: PayloadError | None = None
        try:
            prepared: PreparedPayload | None = prepare_payload(
                wh, SURFACE, content, entry.capture_ts_utc, cache=self.rosters
            )
        except PayloadError as exc:
            prepared, failure = None, exc
        with wh.transaction():
            # archived even when unparseable (as ingestion does): a parser fix + --reparse
            archive.store(
                fetched,
                surface=SURFACE,
                run_id=self.ctx.run_id,
                slate_date=entry.slate_date,
                capture_ts=entry.capture_ts_utc,
            )
            load = (
                None
                if prepared is None
                else write_prepared(
                    wh,
                    prepared,
                    payload_hash=digest,
                    run_id=self.ctx.run_id,
                    loaded_at=self.ctx.clock.now(),
                )
            )
        if load is None:
            assert failure is not None
            self.client.record_error(failure)
            raise PayloadError(f"{failure} (archived; fix the parser and run --reparse)")
        return load.rows_parsed, load.rows_inserted

    # ---- HTTP within the bounds ------------------------------------------------------------
    @property
    def client(self) -> VendorClient:
        if self._client is None:
            self._client = make_client(
                VENDOR,
                self.ctx.settings,
                self.ctx.transport,
                clock=self.ctx.clock,
                sleep=self.sleep,
                health=self.health,
                monotonic=self.monotonic,
            )
        return self._client

    def _get(self, url: str) -> Fetched:
        # the health's deadline counts request and wait time; add the rest (parsing, writing)
        # so its "seconds left" is exactly --max-seconds minus the wall time used so far
        self.health.spend(self.elapsed() - self.health.spent)
        try:
            return self.client.get(
                url, expect="json", credentials=False, headers={"Cache-Control": "no-cache"}
            )
        except BudgetExhaustedError as exc:
            # our own bounds: the unit is left for a later run, it did not fail
            if self.health.tally.requests >= self.request.max_requests:
                raise _Stop(StopReason.MAX_REQUESTS, str(exc)) from None
            raise _Stop(StopReason.MAX_SECONDS, str(exc)) from None

    # ---- helpers ---------------------------------------------------------------------------
    def elapsed(self) -> float:
        return self.monotonic() - self.t0

    def _result(
        self,
        plan: Plan,
        outcomes: tuple[UnitOutcome, ...],
        reason: StopReason,
        message: str = "",
    ) -> BackfillResult:
        elapsed = self.elapsed()
        # the end is recorded after the start even under a frozen clock (--now, tests)
        ended = max(self.ctx.clock.now(), self.started + dt.timedelta(seconds=max(elapsed, 1e-6)))
        return BackfillResult(
            run_id=self.ctx.run_id,
            request=self.request,
            plan=plan,
            outcomes=outcomes,
            stop_reason=reason,
            requests=self.health.tally.requests,
            elapsed=elapsed,
            started_utc=self.started,
            ended_utc=ended,
            call=self.health.result() if self._client is not None else None,
            message=message,
        )


def _abandon_time(wh: Warehouse, now: dt.datetime) -> dt.datetime:
    """After every registry event so far (as the daily driver does), so that ABANDONED is each
    abandoned run's latest event even under a frozen or replayed clock."""
    latest = wh.scalar("SELECT max(recorded_utc) FROM fact_run_registry")
    if isinstance(latest, dt.datetime) and latest >= now:
        return latest + dt.timedelta(microseconds=1)
    return now


@contextlib.contextmanager
def _read_only(ctx: Context) -> Iterator[Warehouse | None]:
    """The warehouse for a dry run, opened read-only (never migrated, never created)."""
    path = ctx.settings.warehouse_path
    if path == ":memory:":
        yield ctx.warehouse
        return
    if not Path(path).is_file():
        yield None
        return
    wh = Warehouse.open(path, read_only=True)
    try:
        yield wh
    finally:
        wh.close()


__all__ = ["ProgressFn", "run_backfill"]
