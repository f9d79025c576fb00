"""Run every `bench/bench_*.py` module (or those named on the command line)."""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path


def main(names: list[str]) -> int:
    """Import each benchmark module and call its `main()`."""
    here = Path(__file__).parent
    modules = names or sorted(p.stem for p in here.glob("bench_*.py"))
    if not modules:
        sys.stdout.write("no benchmarks found\n")
        return 1
    for name in modules:
        started = time.perf_counter()
        sys.stdout.write(f"\n## {name}\n")
        importlib.import_module(f"bench.{name}").main()
        sys.stdout.write(f"({time.perf_counter() - started:.1f} s)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
