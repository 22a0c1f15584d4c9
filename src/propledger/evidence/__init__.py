"""Storage core (warehouse, migrations, append-only writes) and the evidence layer."""

from propledger.evidence.warehouse import Warehouse

__all__ = ["Warehouse"]
