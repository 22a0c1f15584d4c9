"""Logging setup, called by entrypoints only (library modules just use named loggers)."""

from __future__ import annotations

import logging
import sys


class _Redactor(logging.Filter):
    def __init__(self, secrets: tuple[str, ...]) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            for secret in self.secrets:
                message = message.replace(secret, "***")
            record.msg, record.args = message, None
        return True


def setup_logging(verbose: int = 0, secrets: tuple[str, ...] = ()) -> None:
    """WARNING by default, INFO with -v, DEBUG with -vv; to stderr; secrets redacted."""
    level = logging.WARNING if verbose <= 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_Redactor(secrets))
    root = logging.getLogger("propledger")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
