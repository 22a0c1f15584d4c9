"""Run every benchmark (``make bench`` or ``python -m benchmarks [name …]``).

Benchmarks measure; they never assert timings (tests don't time anything). Each
``bench_<name>.py`` module has ``main(argv) -> int`` and prints its own numbers.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    wanted = set(sys.argv[1:] if argv is None else argv)
    here = Path(__file__).parent
    sys.path.insert(0, str(here))
    names = sorted(i.name for i in pkgutil.iter_modules([str(here)]) if i.name.startswith("bench_"))
    failures = 0
    for name in names:
        short = name.removeprefix("bench_")
        if wanted and short not in wanted and name not in wanted:
            continue
        print(f"== {short}", flush=True)
        started = time.perf_counter()
        code = importlib.import_module(name).main([])
        print(f"== {short}: exit {code} in {time.perf_counter() - started:.1f}s\n", flush=True)
        failures += int(code != 0)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
