"""A limit on the time one piece of pure-Python work may take in this process.

Reading a PDF is pure Python (pypdf), and PDF readers have met files that
send them round a loop for ever (cross-reference tables and object streams
that point back at themselves). :func:`time_limit` bounds such work: past
*seconds*, :class:`TimeLimitExceeded` is raised in it, at the next Python
instruction. It derives from ``BaseException``, so that the ``except
Exception`` of the code under the limit does not swallow it: the caller
catches it by name.

Only in the main thread of a Unix process (``SIGALRM``), and only when no
other real-time timer is running there; elsewhere :func:`time_limit` changes
nothing (worker processes have their own limit, see :mod:`archiver.cpupool`).
Work inside a C function is interrupted when the function returns.

Example::

    try:
        with time_limit(20):
            reader = PdfReader(stream)
            ...
    except TimeLimitExceeded:
        ...  # left unread
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class TimeLimitExceeded(BaseException):
    """The work under :func:`time_limit` ran past its seconds."""


def _usable() -> bool:
    return hasattr(signal, "setitimer") and \
        threading.current_thread() is threading.main_thread()


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`TimeLimitExceeded` in the body if it runs past *seconds*."""
    if not _usable() or signal.getitimer(signal.ITIMER_REAL)[0] > 0 \
            or signal.getsignal(signal.SIGALRM) is None:
        # not the main thread, a timer of someone else's, or a handler set
        # outside Python (which could not be put back): left alone
        yield
        return
    armed = True

    def on_alarm(signum: int, frame: FrameType | None) -> None:
        if armed:  # not once the body is over
            raise TimeLimitExceeded(seconds)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds)
        yield
    finally:
        try:
            armed = False  # an alarm before this line still raises: the rest runs anyway
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
