"""The daily driver (DESIGN section 3; docs/daily.md).

    python pipelines/ops/run_daily.py                       # prints the plan, touches nothing
    python pipelines/ops/run_daily.py --minimal             # production snapshot + diagnostics
    python pipelines/ops/run_daily.py --all --date 2026-01-14 [--strict] [--vendors playnow,unabated]
    RUN_ODDS_INGESTION=1 RUN_EV=1 python pipelines/ops/run_daily.py --no-run-ev   # CLI beats env
    python pipelines/ops/run_daily.py --all --dry-run       # resolved plan and config, no writes
    python pipelines/ops/run_daily.py --all --source replay:data/sample/replay --now 2026-04-01T22:00:00Z

The same command as ``propledger daily``: this entrypoint hands its arguments to the CLI, which
validates them (one-line error, exit 2), builds Settings from the environment once, configures
logging and calls :func:`propledger.jobs.daily.run_daily`.

Steps (each opt-in, always in this order): ``--run-odds-ingestion``, ``--run-production``,
``--run-ev``, ``--run-outcomes``, ``--run-diagnostics`` (``--no-…`` switches an environment
default off); ``--minimal`` = steps 2 and 5, ``--all`` = every step. Precedence: step flag >
``--all``/``--minimal`` > ``RUN_*`` environment > off.

Exit codes: 0 success or degraded, 1 failed (nothing produced), 2 bad arguments or
configuration, 3 degraded with ``--strict``, 4 another run holds the lock.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from propledger.cli import main as cli_main


def main(argv: Sequence[str] | None = None) -> int:
    """Run the driver with ``argv`` (default: this process's arguments); return the exit code.

    No arguments at all is valid: the plan is printed and nothing else happens."""
    args = list(sys.argv[1:] if argv is None else argv)
    return cli_main(["daily", *args])


if __name__ == "__main__":
    raise SystemExit(main())
