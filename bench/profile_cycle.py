"""Run one ``archiver`` command in this process, for profilers.

``pyinstrument`` or ``py-spy`` wrap this script; the CPU seconds of the
command are printed on stderr at the end: the parent's, and the worker
processes' (which a profiler of the parent does not see; ``py-spy record
--subprocesses`` does).

    pyinstrument -o prof.txt bench/profile_cycle.py -- run --allow-private \\
        --sources /tmp/archiver-farm/sources-1000.yaml --archive /tmp/a --format json
    python bench/profile_cycle.py --memory 15 -- run ...

The proposals this script once swapped in to measure them (``--what-if``:
fold, mentions, drift, squash) are all in the modules now.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--code", type=Path, default=REPO,
                    help="Import archiver from this folder (default: the checkout).")
    ap.add_argument("--memory", type=int, default=0, metavar="N",
                    help="Trace allocations; print the N biggest live sites at the end.")
    ap.add_argument("args", nargs=argparse.REMAINDER, help="-- then the archiver arguments")
    ns = ap.parse_args()
    args = ns.args[1:] if ns.args[:1] == ["--"] else ns.args
    sys.path.insert(0, str(ns.code.resolve()))
    from archiver.cli import cli

    if ns.memory:
        tracemalloc.start(1)
    t0 = time.perf_counter()
    code = 0
    try:
        cli.main(args=args, prog_name="archiver", standalone_mode=False)
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        if ns.memory:
            current, peak = tracemalloc.get_traced_memory()
            print(f"traced: {current / 2**20:.1f} MB live, {peak / 2**20:.1f} MB peak",
                  file=sys.stderr)
            for stat in tracemalloc.take_snapshot().statistics("lineno")[:ns.memory]:
                print(f"  {stat}", file=sys.stderr)
        ru = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        print(f"wall={time.perf_counter() - t0:.2f}s cpu={ru.ru_utime + ru.ru_stime:.2f}s "
              f"workers_cpu={kids.ru_utime + kids.ru_stime:.2f}s "
              f"maxrss={ru.ru_maxrss / 1024:.0f}MB", file=sys.stderr)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
