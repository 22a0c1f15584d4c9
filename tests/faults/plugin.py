"""pytest plugin: the ``fault_server`` fixture (a started :class:`FaultServer`, stopped after).

Registered in tests/conftest.py (``pytest_plugins``), so every test under tests/ can use it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from faults.server import FaultServer


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    """A fresh loopback fault server for one test; stalled handlers end at teardown."""
    with FaultServer() as server:
        yield server
