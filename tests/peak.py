"""Peak memory of this process, for the probes the tests run in child processes."""

from __future__ import annotations


def peak_kb() -> int:
    """This process's own peak RSS in KB (``VmHWM``).

    Not ``ru_maxrss``: Linux carries it across ``exec`` from the parent, so a
    child started from a big test process would count only growth above the
    parent's peak.
    """
    with open("/proc/self/status", encoding="ascii") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
