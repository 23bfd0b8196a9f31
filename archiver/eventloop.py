"""The event loop of a cycle: it runs a queued page job when it would otherwise wait.

A loop made by :func:`event_loop` (:func:`run` makes one, as a cycle's does)
has a selector (:class:`IdleSelector`) that a started
:class:`~archiver.cpupool.PagePool` hooks itself into: before the loop blocks
in ``select``, and when nothing is ready (no answer, no response, no timer
due), the pool runs the oldest job no worker has yet, in this process (see
:mod:`archiver.cpupool`). With no pool, or no job waiting, it is asyncio's
own selector loop.

Example::

    from archiver import eventloop
    summary = eventloop.run(run_cycle(sources, archive=archive, settings=settings))
"""

from __future__ import annotations

import asyncio
import selectors
import signal
import weakref
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from .cpupool import PagePool

T = TypeVar("T")


def stop_signals() -> tuple[signal.Signals, ...]:
    """The signals that stop a cycle: Ctrl-C, SIGTERM, and SIGHUP (a closed
    terminal) unless it is ignored (``nohup``: started to outlive its terminal)."""
    return tuple(sig for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
                 if not (sig == signal.SIGHUP and signal.getsignal(sig) == signal.SIG_IGN))


def restore_signals(previous: dict[signal.Signals, Any]) -> None:
    """Set again the handlers in *previous* (``signal.getsignal``'s, by signal);
    one Python did not set (None) becomes the default."""
    for sig, handler in previous.items():
        signal.signal(sig, handler if handler is not None else signal.SIG_DFL)


class IdleSelector(selectors.DefaultSelector):
    """The loop's selector, which runs a job of :attr:`pool` before it would
    block: when one ran, the loop goes round again (the job's caller is now
    ready) instead of waiting. With no job waiting it blocks at once."""

    pool: PagePool | None = None

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        pool = self.pool
        if pool is not None and (timeout is None or timeout > 0) and pool.has_waiting():
            ready = super().select(0)  # ready I/O first: a job only when there is none
            if ready:
                return ready
            if pool.run_waiting():
                return super().select(0)
        return super().select(timeout)


#: The selectors of the loops made by event_loop(), by loop.
IDLE_SELECTORS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, IdleSelector] = \
    weakref.WeakKeyDictionary()


def event_loop() -> asyncio.AbstractEventLoop:
    """A new event loop in which a pool started runs its queued jobs itself
    whenever the loop would otherwise wait (see the module)."""
    selector = IdleSelector()
    loop = asyncio.SelectorEventLoop(selector)
    IDLE_SELECTORS[loop] = selector
    return loop


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)`` on a loop made by :func:`event_loop`."""
    with asyncio.Runner(loop_factory=event_loop) as runner:
        return runner.run(main)
