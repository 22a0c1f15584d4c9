"""Bounded backfill of Unabated snapshots (DESIGN section 10; docs/backfill.md).

    python pipelines/odds/backfill_unabated_snapshots.py --start 2026-01-05 --end 2026-01-12 \\
        --max-requests 200 --max-seconds 600 [--source archive|remote] [--dry-run] \\
        [--no-resume] [--reparse] [--on-error stop|continue] [--now ISO] [-v]

The same command as ``propledger backfill unabated``: this entrypoint hands its arguments to
the CLI, which validates them (one-line error, exit 2), builds Settings from the environment,
configures logging and calls :func:`propledger.jobs.backfill.run_backfill`.

Exit codes: 0 completed or stopped cleanly at a bound (rerun to resume), 1 stopped by an
error, 2 bad arguments or configuration, 4 another run holds the lock, 130 interrupted.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from propledger.cli import main as cli_main


def main(argv: Sequence[str] | None = None) -> int:
    """Run the backfill with ``argv`` (default: this process's arguments); return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        args = ["--help"]
    return cli_main(["backfill", "unabated", *args])


if __name__ == "__main__":
    raise SystemExit(main())
