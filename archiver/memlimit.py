"""A ceiling on the memory one piece of work may take in this process.

Some inputs cost a parser far more than their size: 56 KB of ``<p><b
class=n>x`` repeated (bold left open in every paragraph, each with other
attributes) makes an HTML5 tree builder rebuild every open ``<b>`` in every
paragraph, as the standard says it must: millions of elements, 4 GB and 10
seconds in Lexbor. :func:`ceiling` bounds such work: inside it, the process
may map at most *extra* bytes more of data memory (``RLIMIT_DATA``, which on
Linux counts the heap and private mappings), so the allocation that would
cross the line fails, the parser gives up, and its memory is freed. The
limit in force before is put back on leaving, whatever happens inside.

Linux only (the size in use is read from ``/proc/self/statm``); elsewhere
:func:`ceiling` changes nothing.

Example::

    with ceiling(128 * 1024 * 1024):
        tree = LexborHTMLParser(data)  # raises instead of taking the machine
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

try:
    import resource
except ImportError:  # pragma: no cover - not Unix
    resource = None  # type: ignore[assignment]

_LINUX = sys.platform.startswith("linux")
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def data_in_use() -> int | None:
    """Bytes of data memory (heap, private mappings and stack) this process
    has mapped; None when unknown."""
    if not _LINUX:
        return None
    for _ in range(2):
        fd = _statm()
        if fd is None:
            return None
        try:
            return int(os.pread(fd, 256, 0).split()[5]) * _PAGE
        except (OSError, IndexError, ValueError):
            _STATM.clear()  # closed under us (a forked worker closes what it inherits)
    return None


#: The open ``/proc/<pid>/statm`` of this process, by pid: read again from its
#: start, it tells the size in use at that moment (opening it each time costs
#: four times as much). A forked child opens its own.
_STATM: dict[int, int] = {}


def _statm() -> int | None:
    pid = os.getpid()
    fd = _STATM.get(pid)
    if fd is None:
        _STATM.clear()  # a parent's descriptor: not ours to close, it may be reused
        try:
            fd = os.open(f"/proc/{pid}/statm", os.O_RDONLY)
        except OSError:
            return None
        _STATM[pid] = fd
    return fd


#: The limit is the process's: one thread at a time sets it and puts it back
#: (two interleaved could put back each other's ceiling for good).
_LOCK = threading.RLock()


@contextmanager
def ceiling(extra: int) -> Iterator[None]:
    """Within the block, at most *extra* more bytes of data memory can be mapped:
    an allocation past that fails (``MemoryError`` in Python code).

    A lower ceiling already in force stays. Nothing changes where the limit
    cannot be read or set. Blocks in other threads wait for this one to end.
    """
    if resource is None or not _LINUX:
        yield
        return
    with _LOCK:
        restore = _lower(extra)
        try:
            yield
        finally:
            if restore is not None:
                resource.setrlimit(resource.RLIMIT_DATA, restore)


def _lower(extra: int) -> tuple[int, int] | None:
    """Set the soft limit to the size in use plus *extra*; the limits to put
    back, or None when nothing was changed."""
    used = data_in_use()
    if used is None:
        return None
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    except (OSError, ValueError):  # pragma: no cover - Linux always has it
        return None
    limit = used + extra  # below *soft*, so below *hard* too
    if soft != resource.RLIM_INFINITY and soft <= limit:
        return None  # a ceiling as low is already there
    try:
        resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
    except (OSError, ValueError):  # pragma: no cover - lowering a soft limit is allowed
        return None
    return soft, hard
