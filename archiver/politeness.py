"""Politeness: per-origin delay and per-origin concurrency for the fetcher.

:class:`Politeness` decides when a request may start (the fetcher of
``fetch.py`` holds a :meth:`Politeness.slot` around each hop of each try):

* at most ``concurrency`` requests in flight (``settings.concurrency``);
* at most ``per_origin`` of them per origin, an origin being (scheme, host,
  port) (``settings.per_host_concurrency``);
* ``delay`` seconds between the starts of two requests to one origin
  (``settings.per_host_delay``); every try and every redirect hop counts.

Waiting: a request waits for its origin's turn, which goes to one waiter at a
time, first come first served, while the origin has fewer than ``per_origin``
requests in flight; an *urgent* request (``slot(..., urgent=True)``: a
soft-404 probe, which pages of its site already answered wait for) is served
before the others queued. With the turn, a request waits out the delay since
the origin's last start; if an urgent request came meanwhile (and it is not
one), it gives the turn over and waits again, first of the others; then it
takes a global slot, and the next start of the origin is set from then.
Waiting for a politeness slot does not count against the fetcher's
``settings.timeout``.

Per-origin state lives only while an origin is in use or its delay has not
yet passed: idle entries are pruned, so memory does not grow with the number
of hosts fetched over a run. Runs on asyncio (the loop of ``asyncio.run``);
one instance serves one event loop.

Once the stop event (*stop*) is set, a stoppable slot still waiting raises
:class:`Stopped` as soon as it is its turn, without waiting for the delay: a
stopping cycle ends its requests in flight, not the ones queued behind them.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque


class _OriginState:
    __slots__ = ("in_flight", "turn", "urgent", "normal", "next_start", "users")

    def __init__(self) -> None:
        self.in_flight = 0  # requests started and not yet ended
        self.turn = False  # a waiter holds the turn (see the module)
        self.urgent: deque[asyncio.Future[None]] = deque()  # waiting for the turn
        self.normal: deque[asyncio.Future[None]] = deque()
        self.next_start = 0.0
        self.users = 0


class Stopped(Exception):
    """The cycle is stopping: a request that had not started is not made."""


class _Slot:
    """The ``async with`` of :meth:`Politeness.slot`."""

    __slots__ = ("_gate", "_origin", "_state", "_stoppable", "_urgent")

    def __init__(self, gate: Politeness, origin: tuple[str, str, int], stoppable: bool,
                 urgent: bool) -> None:
        self._gate = gate
        self._origin = origin
        self._stoppable = stoppable
        self._urgent = urgent
        self._state: _OriginState | None = None

    async def __aenter__(self) -> None:
        self._state = await self._gate._acquire(self._origin, self._stoppable, self._urgent)

    async def __aexit__(self, *exc: object) -> None:
        state, self._state = self._state, None
        if state is not None:
            self._gate._release(state)


class Politeness:
    """Global and per-origin concurrency, and a delay between starts per origin
    (state, pruning and stopping: see the module)."""

    def __init__(self, concurrency: int, per_origin: int, delay: float,
                 prune_at: int = 256, stop: asyncio.Event | None = None) -> None:
        self.concurrency = concurrency
        self.per_origin = per_origin
        self.delay = delay
        self.stop = stop
        self._global: asyncio.Semaphore | None = None
        self._origins: dict[tuple[str, str, int], _OriginState] = {}
        self._prune_floor = prune_at
        self._prune_at = prune_at

    def __len__(self) -> int:
        return len(self._origins)

    def slot(self, origin: tuple[str, str, int], *, stoppable: bool = False,
             urgent: bool = False) -> _Slot:
        """Hold one request slot for *origin*; waits for the delay and the limits
        (or, *stoppable*, raises :class:`Stopped` once the stop event is set);
        *urgent*, ahead of the requests to *origin* that are not."""
        return _Slot(self, origin, stoppable, urgent)

    def check_stop(self, stoppable: bool = True) -> None:
        """Raise :class:`Stopped` when *stoppable* and the stop event is set."""
        if stoppable and self.stop is not None and self.stop.is_set():
            raise Stopped()

    async def pause(self, seconds: float, stoppable: bool = True) -> None:
        """Sleep *seconds* (a delay between requests, a retry's backoff); when
        *stoppable*, a stop ends the sleep at once with :class:`Stopped` (a stop
        sat out a delay of up to a day)."""
        if not stoppable or self.stop is None:
            await asyncio.sleep(seconds)
            return
        self.check_stop()
        try:
            await asyncio.wait_for(self.stop.wait(), seconds)
        except TimeoutError:
            return
        raise Stopped()

    async def _acquire(self, origin: tuple[str, str, int], stoppable: bool = False,
                       urgent: bool = False) -> _OriginState:
        if self._global is None:
            self._global = asyncio.Semaphore(self.concurrency)
        state = self._origins.get(origin)
        if state is None:
            state = self._origins[origin] = _OriginState()
        state.users += 1
        try:
            await self._turn(state, urgent)
            holding = True
            try:
                while True:
                    self.check_stop(stoppable)  # before waiting out the delay
                    wait = state.next_start - time.monotonic()
                    if wait > 0:
                        await self.pause(wait, stoppable)
                    if urgent or not state.urgent:
                        break
                    # an urgent request came while this one waited: it goes first
                    holding = False
                    self._pass_turn(state)
                    await self._turn(state, urgent, first=True)
                    holding = True
                await self._global.acquire()
                try:
                    self.check_stop(stoppable)  # set while it waited
                except Stopped:
                    self._global.release()
                    raise
                state.next_start = time.monotonic() + self.delay
                state.in_flight += 1
            finally:
                if holding:
                    self._pass_turn(state)
        except BaseException:
            self._done(state)
            raise
        return state

    async def _turn(self, state: _OriginState, urgent: bool, first: bool = False) -> None:
        """Wait for *state*'s turn, behind the waiters of its kind (before them: *first*)."""
        waiter = asyncio.get_running_loop().create_future()
        queue = state.urgent if urgent else state.normal
        if first:
            queue.appendleft(waiter)
        else:
            queue.append(waiter)
        self._serve(state)
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():  # given the turn, and cancelled
                self._pass_turn(state)
            elif waiter in queue:
                queue.remove(waiter)
            raise

    def _pass_turn(self, state: _OriginState) -> None:
        """The turn holder lets go of it: the next waiter, if any may start, has it."""
        state.turn = False
        self._serve(state)

    def _serve(self, state: _OriginState) -> None:
        """Give the free turn to the first waiter, the urgent ones first, while
        the origin has room for one more request."""
        if state.turn or state.in_flight >= self.per_origin:
            return
        for queue in (state.urgent, state.normal):
            while queue:
                waiter = queue.popleft()
                if not waiter.done():
                    state.turn = True
                    waiter.set_result(None)
                    return

    def _release(self, state: _OriginState) -> None:
        assert self._global is not None
        self._global.release()
        state.in_flight -= 1
        self._serve(state)
        self._done(state)

    def _done(self, state: _OriginState) -> None:
        state.users -= 1
        if len(self._origins) >= self._prune_at:
            self._prune()

    def _prune(self) -> None:
        now = time.monotonic()
        for key in [k for k, s in self._origins.items() if not s.users and s.next_start <= now]:
            del self._origins[key]
        self._prune_at = max(self._prune_floor, 2 * len(self._origins))
