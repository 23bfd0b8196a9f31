"""Run one ``archiver`` command in this process, for profilers.

``pyinstrument`` or ``py-spy`` wrap this script; the CPU seconds of the
command are printed on stderr at the end: the parent's, and the worker
processes' (which a profiler of the parent does not see; ``py-spy record
--subprocesses`` does).

    pyinstrument -o prof.txt bench/profile_cycle.py -- run --allow-private \\
        --sources /tmp/archiver-farm/sources-1000.yaml --archive /tmp/a --format json
    python bench/profile_cycle.py --memory 15 -- run ...
    python bench/profile_cycle.py --in-flight -- run ...

With ``--in-flight``, also how the cycle used its request slots: the
requests it made, the seconds before the first and after the last, the mean
number in flight between them, and the time they held a slot on average.
With *d* seconds added to every answer, ``requests x d / concurrency`` is
the cycle's network floor: no client that keeps at most that many requests
in flight can make them faster.

The proposals this script once swapped in to measure them (``--what-if``:
fold, mentions, drift, squash) are all in the modules now.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--code", type=Path, default=REPO,
                    help="Import archiver from this folder (default: the checkout).")
    ap.add_argument("--memory", type=int, default=0, metavar="N",
                    help="Trace allocations; print the N biggest live sites at the end.")
    ap.add_argument("--in-flight", action="store_true",
                    help="Print how the cycle used its request slots (see above).")
    ap.add_argument("args", nargs=argparse.REMAINDER, help="-- then the archiver arguments")
    ns = ap.parse_args()
    args = ns.args[1:] if ns.args[:1] == ["--"] else ns.args
    sys.path.insert(0, str(ns.code.resolve()))
    from archiver.cli import cli

    slots = count_slots() if ns.in_flight else None
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
        if slots is not None:
            print(slots(t0), file=sys.stderr)
    return code


def count_slots() -> Callable[[float], str]:
    """Record when :class:`archiver.politeness.Politeness` gives a request slot
    and takes it back; the function returned describes them, from *t0*
    (``time.perf_counter()`` at the command's start) to now."""
    from archiver import politeness

    events: list[tuple[float, int]] = []
    acquire, release = politeness.Politeness._acquire, politeness.Politeness._release
    concurrency: list[int] = []

    async def counted_acquire(self: Any, *args: Any, **kwargs: Any) -> Any:
        state = await acquire(self, *args, **kwargs)
        events.append((time.perf_counter(), 1))
        concurrency[:] = [self.concurrency]
        return state

    def counted_release(self: Any, state: Any) -> None:
        events.append((time.perf_counter(), -1))
        release(self, state)

    politeness.Politeness._acquire = counted_acquire  # type: ignore[method-assign]
    politeness.Politeness._release = counted_release  # type: ignore[method-assign]

    def describe(t0: float) -> str:
        end = time.perf_counter()
        if not events:
            return "requests=0"
        events.sort()
        held = 0.0
        in_flight, last = 0, events[0][0]
        for at, step in events:
            held += in_flight * (at - last)
            in_flight, last = in_flight + step, at
        busy = events[-1][0] - events[0][0]
        requests = sum(1 for _, step in events if step > 0)
        return (f"requests={requests} concurrency={concurrency[0]} "
                f"before_first={events[0][0] - t0:.2f}s between={busy:.2f}s "
                f"after_last={end - events[-1][0]:.2f}s "
                f"mean_in_flight={held / busy if busy else 0:.1f} "
                f"slot_held={1000 * held / requests:.1f}ms")

    return describe


if __name__ == "__main__":
    raise SystemExit(main())
