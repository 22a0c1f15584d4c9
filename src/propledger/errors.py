"""The propledger exception tree.

Every error we raise on purpose derives from :class:`PropledgerError`. The ``transient`` flag
says whether retrying the same thing later could succeed (a timeout, a 503) or not (a 404, a
malformed payload, a bad argument). ``exit_code`` is what an entrypoint returns for it.

    PropledgerError
    ├── ConfigError            bad setting or argument (exit 2)
    ├── InputError             a file or value we were given is unusable (exit 2)
    ├── LockHeldError          another run holds the warehouse lock (exit 4)
    ├── StorageError           warehouse problems: migrations, constraint violations
    ├── SourceError            anything from an external source (vendor, step, url are context)
    │   ├── TransportError     connect/read timeouts, refused connections   (transient)
    │   ├── HttpStatusError    a non-2xx answer; transient for 408/425/429/5xx
    │   │   └── RateLimitedError   429 with a Retry-After beyond our cap
    │   ├── PayloadError       truncated body, invalid JSON/HTML, schema drift (never retried)
    │   ├── CircuitOpenError   the vendor's breaker is open for this run
    │   └── BudgetExhaustedError   the vendor's request budget or deadline is spent
    ├── ModelError             features, calibrators (missing or corrupt artifacts)
    └── PipelineError          a step could not produce anything

Messages never contain secrets: URLs are sanitised before they are put into an error.
"""

from __future__ import annotations

from typing import Any


class PropledgerError(Exception):
    """Base of every error propledger raises deliberately."""

    exit_code: int = 1
    default_transient: bool = False

    def __init__(self, message: str, *, transient: bool | None = None, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.transient = self.default_transient if transient is None else transient
        self.context = context

    def __str__(self) -> str:
        return self.message


class ConfigError(PropledgerError):
    """A setting or command-line argument is invalid; the message names it and the fix."""

    exit_code = 2


class InputError(PropledgerError):
    """An input file or value is unusable (missing column, bad date, unreadable file)."""

    exit_code = 2


class LockHeldError(PropledgerError):
    """Another run holds the exclusive warehouse lock."""

    exit_code = 4


class StorageError(PropledgerError):
    """The warehouse refused an operation (migration, constraint, corrupt file)."""


class SourceError(PropledgerError):
    """A failure talking to, or reading from, an external source."""

    def __init__(
        self,
        message: str,
        *,
        vendor: str = "",
        url: str = "",
        status: int | None = None,
        transient: bool | None = None,
        **context: Any,
    ) -> None:
        super().__init__(message, transient=transient, **context)
        self.vendor = vendor
        self.url = url
        self.status = status


class TransportError(SourceError):
    """The request never got an HTTP answer (timeout, refused, reset)."""

    default_transient = True


class HttpStatusError(SourceError):
    """The server answered with a non-success status."""


class RateLimitedError(HttpStatusError):
    """429 with a Retry-After longer than we are allowed to wait in this run."""

    default_transient = True


class PayloadError(SourceError):
    """The body is not what the parser needs: truncated, invalid, or missing fields."""


class CircuitOpenError(SourceError):
    """The vendor failed too many times in a row; it is skipped for the rest of the run."""


class BudgetExhaustedError(SourceError):
    """The vendor's request budget or deadline for this run is spent."""


class ModelError(PropledgerError):
    """The model cannot produce a number (missing calibrator, corrupt artifact, no features)."""


class PipelineError(PropledgerError):
    """A pipeline step could not produce anything."""


__all__ = [
    "BudgetExhaustedError",
    "CircuitOpenError",
    "ConfigError",
    "HttpStatusError",
    "InputError",
    "LockHeldError",
    "ModelError",
    "PayloadError",
    "PipelineError",
    "PropledgerError",
    "RateLimitedError",
    "SourceError",
    "StorageError",
    "TransportError",
]
