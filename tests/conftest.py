"""Shared fixtures: no internet, a clean environment, a tmp warehouse, a frozen clock."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from propledger.clock import UTC, FrozenClock
from propledger.evidence.warehouse import Warehouse
from propledger.settings import Settings

# the loopback fault server (tests/faults/) as a plugin: any test can request `fault_server`
pytest_plugins = ["faults.plugin"]

_real_connect = socket.socket.connect
_LOOPBACK = ("127.0.0.1", "::1", "localhost")


def _guarded_connect(self: socket.socket, address: object) -> None:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and (host in _LOOPBACK or host.startswith("127.")):
        return _real_connect(self, address)  # type: ignore[arg-type]
    if self.family == socket.AF_UNIX:
        return _real_connect(self, address)  # type: ignore[arg-type]
    raise RuntimeError(f"tests must not touch the network (tried {address!r})")


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No PROPLEDGER_/RUN_/FORCE_/EV_ variables leak in from the developer's shell."""
    import os

    for name in list(os.environ):
        if name.startswith(("PROPLEDGER_", "RUN_", "FORCE_", "EV_")) or name in (
            "PLAYNOW_COOKIE",
            "UNABATED_API_KEY",
            "DISABLE_CALIBRATION",
        ):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PROPLEDGER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PROPLEDGER_OUTPUT_DIR", str(tmp_path / "outputs"))
    monkeypatch.setenv("MPLBACKEND", "Agg")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(dt.datetime(2026, 1, 14, 17, 0, tzinfo=UTC))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.from_env(
        {
            "PROPLEDGER_DATA_DIR": str(tmp_path / "data"),
            "PROPLEDGER_OUTPUT_DIR": str(tmp_path / "outputs"),
        }
    )


@pytest.fixture
def wh() -> Iterator[Warehouse]:
    warehouse = Warehouse.open(":memory:")
    yield warehouse
    warehouse.close()


EXAMPLES = Path(__file__).parent / "fixtures"
