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

Limits nest: inside one, a shorter one applies to its own block, and the
enclosing one is set again, for the time it has left, when that block ends;
a longer one changes nothing (the enclosing one ends the work first, raising
its own exception). A caller that handles its own limit's end and lets any
other go on passes its own subclass of :class:`TimeLimitExceeded` as *error*
and catches that one only: an enclosing limit that ends inside the block is
then not taken for its own.

Example::

    class PdfTooSlow(TimeLimitExceeded):  # reading one PDF ran past its seconds
        pass

    try:
        with time_limit(20, PdfTooSlow):
            reader = PdfReader(stream)
            ...
    except PdfTooSlow:
        ...  # left unread; a job's own limit, ending here, goes on up
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class TimeLimitExceeded(BaseException):
    """The work under :func:`time_limit` ran past its seconds."""


def _usable() -> bool:
    return hasattr(signal, "setitimer") and \
        threading.current_thread() is threading.main_thread()


#: Marks the SIGALRM handlers this module sets (an enclosing limit is one).
_MARK = "_archiver_time_limit"


@contextmanager
def time_limit(seconds: float, error: type[TimeLimitExceeded] = TimeLimitExceeded
               ) -> Iterator[None]:
    """Raise *error* (``error(seconds)``) in the body if it runs past *seconds*."""
    if not _usable():
        yield
        return
    current = signal.getsignal(signal.SIGALRM)
    left = signal.getitimer(signal.ITIMER_REAL)[0]
    enclosing = left > 0 and getattr(current, _MARK, False)
    if current is None or (left > 0 and not enclosing) or (enclosing and left <= seconds):
        # a handler set outside Python (which could not be put back), a timer
        # of someone else's, or an enclosing limit that ends first: left alone
        yield
        return
    armed = True

    def on_alarm(signum: int, frame: FrameType | None) -> None:
        if armed:  # not once the body is over
            raise error(seconds)

    setattr(on_alarm, _MARK, True)
    started = time.monotonic()
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
            if enclosing:  # its time goes on from where it was
                spent = time.monotonic() - started
                signal.setitimer(signal.ITIMER_REAL, max(left - spent, 1e-6))
