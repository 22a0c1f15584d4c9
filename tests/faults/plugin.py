"""pytest plugin: ``fault_server`` (a started :class:`FaultServer`) and ``http_log``.

Registered in tests/conftest.py (``pytest_plugins``), so every test under tests/ can use them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from faults.server import FaultServer


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    """A fresh loopback fault server for one test; stalled handlers end at teardown."""
    with FaultServer() as server:
        yield server


@pytest.fixture
def http_log(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> Iterator[pytest.LogCaptureFixture]:
    """caplog holding every ``propledger`` record at DEBUG, exactly once.

    Entry points call ``setup_logging()``, which stops ``propledger`` propagating to the root
    logger; a CLI test earlier in the session would otherwise leave caplog blind. The handler is
    attached to ``propledger`` itself, with propagation off for the test, so nothing is doubled.
    Records of other loggers (httpx, httpcore) still reach caplog through the root logger.
    """
    logger = logging.getLogger("propledger")
    monkeypatch.setattr(logger, "propagate", False)
    monkeypatch.setattr(logger, "level", logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    logger.addHandler(caplog.handler)
    yield caplog
    logger.removeHandler(caplog.handler)
