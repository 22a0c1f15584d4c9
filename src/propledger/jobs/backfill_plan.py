"""What a backfill will do, unit by unit, decided from the warehouse alone (read-only).

A **unit** is one captured Unabated snapshot: its slate date (America/New_York date of the
capture), its capture instant (UTC, from the payload's own archive record: ``raw_payload`` or
the remote index), its sha256, and an :class:`Action`:

* ``fetch``: not in the local raw archive; download it from the snapshot archive (1 request,
  more if retried), archive it, parse it at its archived capture time;
* ``reparse``: in the local raw archive; parse it again at its archived capture time (no request);
* ``skip``: nothing to do, with the reason (already ingested, same bytes as another capture, …).

Planning only reads: :func:`plan_from_archive` and :func:`plan_from_index` run the same three
vectorised queries (archived payloads, rows per payload, captures at the same instants) and
never write, so ``--dry-run`` can print :func:`plan_text` and leave every file untouched.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from propledger.clock import ensure_utc, iso_z, slate_date
from propledger.evidence.warehouse import Warehouse
from propledger.jobs.backfill_args import BackfillRequest
from propledger.jobs.backfill_index import SURFACE, VENDOR, IndexEntry, SnapshotIndex
from propledger.odds.reparse import ArchivedPayload, archived_payloads


class Action(enum.StrEnum):
    FETCH = "fetch"
    REPARSE = "reparse"
    SKIP = "skip"


@dataclass(frozen=True)
class Unit:
    """One snapshot of the range. ``archived`` is its local ``raw_payload`` record (reparse
    reads it); ``entry`` its remote index record (fetch reads it); ``rows`` the fact rows it
    already has."""

    slate_date: dt.date
    capture_ts_utc: dt.datetime
    payload_hash: str
    action: Action
    reason: str
    archived: ArchivedPayload | None = None
    entry: IndexEntry | None = None
    rows: int = 0

    @property
    def requests(self) -> int:
        """Requests this unit needs when nothing is retried."""
        return 1 if self.action is Action.FETCH else 0

    @property
    def label(self) -> str:
        return f"{self.slate_date} {iso_z(self.capture_ts_utc)}"


@dataclass(frozen=True)
class Plan:
    """Units oldest first. ``planning_requests``: requests spent to plan (the index)."""

    request: BackfillRequest
    units: tuple[Unit, ...]
    source_url: str | None = None
    planning_requests: int = 0

    def count(self, action: Action) -> int:
        return sum(1 for u in self.units if u.action is action)

    @property
    def fetches_allowed(self) -> int:
        """Fetches that fit in ``--max-requests`` after planning, if none is retried."""
        return max(0, self.request.max_requests - self.planning_requests)


# ---- local state (one query each) -----------------------------------------------------------


def _rows_per_payload(wh: Warehouse | None, hashes: Sequence[str]) -> dict[str, int]:
    if wh is None or not hashes or not wh.table_exists("fact_prop_odds"):
        return {}
    return dict(
        wh.rows(
            "SELECT raw_payload_hash, count(*) FROM fact_prop_odds "
            "WHERE raw_payload_hash IN (SELECT unnest(?)) GROUP BY 1",
            [list(hashes)],
        )
    )


def _registered(wh: Warehouse | None, hashes: Sequence[str]) -> dict[str, ArchivedPayload]:
    if wh is None or not hashes or not wh.table_exists("raw_payload"):
        return {}
    table = wh.arrow(
        "SELECT payload_hash, vendor, surface, capture_ts_utc, slate_date, path FROM raw_payload "
        "WHERE payload_hash IN (SELECT unnest(?))",
        [list(hashes)],
    )
    return {row["payload_hash"]: ArchivedPayload(**row) for row in table.to_pylist()}


def _instants(wh: Warehouse | None, instants: Sequence[dt.datetime]) -> dict[dt.datetime, str]:
    """Registered Unabated payloads captured at exactly these instants → their hash."""
    if wh is None or not instants or not wh.table_exists("raw_payload"):
        return {}
    rows = wh.rows(
        "SELECT capture_ts_utc, payload_hash FROM raw_payload WHERE vendor = ? AND surface = ? "
        "AND capture_ts_utc IN (SELECT unnest(?))",
        [VENDOR, SURFACE, list(instants)],
    )
    return {ensure_utc(ts): digest for ts, digest in rows}


def _done_action(request: BackfillRequest, rows: int) -> tuple[Action, str]:
    """The action for a unit whose payload is in the local archive."""
    if request.reparse:
        return Action.REPARSE, f"--reparse: parse the archived payload again ({rows} rows so far)"
    if rows and request.resume:
        return Action.SKIP, f"already ingested ({rows} rows)"
    if rows:
        return Action.REPARSE, f"--no-resume: parse again although ingested ({rows} rows)"
    return Action.REPARSE, "archived, no rows yet (never parsed, or its parse failed)"


# ---- planners -------------------------------------------------------------------------------


def plan_from_archive(wh: Warehouse | None, request: BackfillRequest, raw_dir: Path) -> Plan:
    """Units from the local raw archive (``raw_payload``): reparse or skip, never fetch."""
    archived: list[ArchivedPayload] = []
    if wh is not None and wh.table_exists("raw_payload"):
        archived = archived_payloads(wh, request.start, request.end, vendors=["unabated"])
    rows = _rows_per_payload(wh, [a.payload_hash for a in archived])
    units = []
    for item in archived:
        count = rows.get(item.payload_hash, 0)
        action, reason = _done_action(request, count)
        if action is Action.REPARSE and not (raw_dir / item.path).is_file():
            reason += f"; file {item.path} is missing from the raw archive: this unit will fail"
        units.append(_unit(item, action, reason, count))
    return Plan(request, tuple(units))


def _unit(item: ArchivedPayload, action: Action, reason: str, rows: int) -> Unit:
    when = ensure_utc(item.capture_ts_utc)
    return Unit(
        slate_date=item.slate_date or slate_date(when),
        capture_ts_utc=when,
        payload_hash=item.payload_hash,
        action=action,
        reason=reason,
        archived=item,
        rows=rows,
    )


def plan_from_index(
    wh: Warehouse | None,
    request: BackfillRequest,
    index: SnapshotIndex,
    *,
    now: dt.datetime,
    source_url: str,
    planning_requests: int = 1,
) -> Plan:
    """Units from a remote index: skip what is ingested, reparse what is archived locally,
    fetch the rest (``--reparse`` fetches nothing)."""
    entries = index.in_range(request.start, request.end)
    hashes = [e.sha256 for e in entries]
    local = _registered(wh, hashes)
    rows = _rows_per_payload(wh, hashes)
    taken = _instants(wh, [e.capture_ts_utc for e in entries])
    seen: dict[str, dt.datetime] = {}
    units = []
    for entry in entries:
        action, reason = _remote_action(request, entry, local, rows, taken, seen, now)
        seen.setdefault(entry.sha256, entry.capture_ts_utc)
        units.append(
            Unit(
                slate_date=entry.slate_date,
                capture_ts_utc=entry.capture_ts_utc,
                payload_hash=entry.sha256,
                action=action,
                reason=reason,
                archived=local.get(entry.sha256),
                entry=entry,
                rows=rows.get(entry.sha256, 0),
            )
        )
    return Plan(request, tuple(units), source_url, planning_requests)


def _remote_action(
    request: BackfillRequest,
    entry: IndexEntry,
    local: dict[str, ArchivedPayload],
    rows: dict[str, int],
    taken: dict[dt.datetime, str],
    seen: dict[str, dt.datetime],
    now: dt.datetime,
) -> tuple[Action, str]:
    digest = entry.sha256
    if digest in seen:
        return Action.SKIP, (
            f"same bytes as the capture at {iso_z(seen[digest])}: a payload is archived once"
        )
    if digest in local:
        archived_at = ensure_utc(local[digest].capture_ts_utc)
        if archived_at != entry.capture_ts_utc:
            return Action.SKIP, (
                f"same bytes already archived as the capture at {iso_z(archived_at)}"
            )
        return _done_action(request, rows.get(digest, 0))
    if entry.capture_ts_utc > now:
        return Action.SKIP, "the index dates it after now: not fetched (fix the index)"
    other = taken.get(entry.capture_ts_utc)
    if other is not None:
        return Action.SKIP, (
            f"another payload ({other[:12]}) is archived for this exact instant: not fetched"
        )
    if request.reparse:
        return Action.SKIP, "not in the local archive; --reparse never fetches"
    return Action.FETCH, "not in the local archive"


# ---- text -----------------------------------------------------------------------------------


def plan_text(plan: Plan) -> str:
    """The dry-run listing: one line per unit, then totals and what the bound allows."""
    request = plan.request
    source = str(request.source) + (f" {plan.source_url}" if plan.source_url else "")
    lines = [
        f"backfill unabated {request.start}..{request.end} (half-open), source {source}: "
        f"{len(plan.units)} units",
    ]
    rows: list[tuple[str, ...]] = [("date", "capture (UTC)", "action", "requests", "why")]
    allowed = plan.fetches_allowed
    fetches = 0
    for unit in plan.units:
        why = unit.reason
        if unit.action is Action.FETCH:
            fetches += 1
            if fetches > allowed:
                why += " (beyond --max-requests: left for a later run)"
        rows.append(
            (
                str(unit.slate_date),
                iso_z(unit.capture_ts_utc),
                str(unit.action),
                str(unit.requests),
                why,
            )
        )
    lines.append(_grid(rows) if plan.units else empty_hint(plan))
    fetch = plan.count(Action.FETCH)
    lines.append(
        f"plan: {fetch} fetch, {plan.count(Action.REPARSE)} reparse, {plan.count(Action.SKIP)} skip"
    )
    lines.append(
        f"requests: {plan.planning_requests} used to plan, {fetch} planned (one per fetch, "
        f"more if retried); --max-requests {request.max_requests} allows "
        f"{min(fetch, allowed)} of {fetch} fetches"
        + (f": {fetch - allowed} would remain for a later run" if fetch > allowed else "")
    )
    return "\n".join(lines) + "\n"


def empty_hint(plan: Plan) -> str:
    """What to do when a range holds no snapshot at all."""
    request = plan.request
    where = (
        "the snapshot archive's index"
        if plan.source_url
        else "the local raw archive (raw_payload); `propledger odds ingest` fills it, or try "
        "--source remote"
    )
    return f"no Unabated snapshot of slates {request.start}..{request.end} in {where}"


def _grid(rows: Sequence[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join(
        "  ".join([*(c.ljust(w) for c, w in zip(r[:-1], widths, strict=True)), r[-1]]).rstrip()
        for r in rows
    )


def plan_dict(plan: Plan) -> list[dict[str, Any]]:
    """The plan as JSON-ready rows (tests, ``--json`` consumers)."""
    return [
        {
            "slate_date": u.slate_date.isoformat(),
            "capture_ts_utc": iso_z(u.capture_ts_utc),
            "payload_hash": u.payload_hash,
            "action": str(u.action),
            "requests": u.requests,
            "reason": u.reason,
        }
        for u in plan.units
    ]


__all__ = [
    "Action",
    "Plan",
    "Unit",
    "empty_hint",
    "plan_dict",
    "plan_from_archive",
    "plan_from_index",
    "plan_text",
]
