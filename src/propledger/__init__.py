"""propledger: NHL player-prop odds, a frozen count model, EV, and a DuckDB evidence layer."""

__version__ = "0.1.0"
