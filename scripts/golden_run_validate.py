"""Golden run: rebuild the small sample world offline and compare every published number.

    python scripts/golden_run_validate.py            # exit 0 pass, 1 mismatch, 2 usage
    python scripts/golden_run_validate.py --update   # rewrite tests/golden/ on purpose

Compares μ and probabilities at 1e-9 and MARKET_POLICY on every row (DESIGN section 9);
see ``propledger.jobs.golden`` for the stages and how to add one. Stage ``driver``
(``propledger.jobs.golden_driver``) then runs the whole daily driver on the golden slate and
the next one: snapshot, EV candidates, every daily fact and settlement row, the registry
events and the daily report text; a re-run adds 0 rows; a forced Unabated outage is DEGRADED.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

GOLDEN_DIR = Path(__file__).resolve().parent.parent / "tests" / "golden"
SHOWN = 20


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="rewrite the golden files")
    parser.add_argument("--golden-dir", type=Path, default=GOLDEN_DIR)
    parser.add_argument("--stage", action="append", help="run only this stage (repeatable)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    from propledger.errors import PropledgerError
    from propledger.jobs.golden import STAGES, run_golden
    from propledger.jobs.golden_driver import register

    register(STAGES)  # the whole daily driver runs after the model stage

    try:
        result = run_golden(args.golden_dir, update=args.update, stages=args.stage)
    except PropledgerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    counts = ", ".join(f"{name} {n} rows" for name, n in result.tables.items())
    if result.updated:
        print(f"golden files rewritten in {args.golden_dir} ({counts}); review the diff")
    if result.ok:
        print(f"golden run passed: {counts} in {result.elapsed:.1f} s")
        return 0
    print(f"golden run FAILED: {len(result.mismatches)} difference(s); first {SHOWN}:")
    for m in result.mismatches[:SHOWN]:
        print(f"  {m}")
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
