"""The run context handed from entrypoints to jobs: settings, clock, run id, transport."""

from __future__ import annotations

import secrets as _secrets
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from propledger.clock import Clock
from propledger.evidence.warehouse import Warehouse
from propledger.http import VendorClient, make_client
from propledger.http_health import HealthRegistry
from propledger.replay import resolve_source
from propledger.settings import Settings


def new_run_id(clock: Clock) -> str:
    """``YYYYMMDDTHHMMSSZ-xxxxxxxx``: sortable by start time, unique across machines."""
    return f"{clock.now().strftime('%Y%m%dT%H%M%SZ')}-{_secrets.token_hex(4)}"


@dataclass
class Context:
    settings: Settings
    clock: Clock
    run_id: str
    transport: httpx.BaseTransport | None = None
    source: str = "live"
    _warehouse: Warehouse | None = field(default=None, repr=False)
    #: per-vendor breaker, rate-limit mark, budget and deadline, shared by the run's clients
    health: HealthRegistry = field(default_factory=HealthRegistry, repr=False)

    @classmethod
    def create(
        cls,
        settings: Settings,
        clock: Clock,
        *,
        source: str = "live",
        record: Path | None = None,
        run_id: str | None = None,
    ) -> Context:
        transport = resolve_source(source, clock, record=record, secrets=settings.secrets.values())
        return cls(settings, clock, run_id or new_run_id(clock), transport, source)

    def client(self, vendor: str) -> VendorClient:
        return make_client(
            vendor, self.settings, self.transport, clock=self.clock, health=self.health
        )

    @property
    def warehouse(self) -> Warehouse:
        if self._warehouse is None:
            self._warehouse = Warehouse.open(self.settings.warehouse_path)
        return self._warehouse

    def close(self) -> None:
        if self._warehouse is not None:
            self._warehouse.checkpoint()
            self._warehouse.close()
            self._warehouse = None
