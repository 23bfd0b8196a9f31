"""Page work in worker processes, so that a cycle uses every core.

A cycle's event loop fetches, writes the WARC and stores rows; reading a
fetched body back, undoing its Content-Encoding and extracting headline, date
and main text (:func:`extract_body`), and comparing the texts that classify a
citation (``judgement.assess``), are pure CPU work and run in a pool of worker
processes beside the loop. One Python process is bound to
one core; on a machine with two, the loop and one worker each take one.

The workers are forked when the pool starts, before the cycle opens its HTTP
client. When the pool closes, a worker ends at the end of its jobs pipe, or
is killed (at once when it still has jobs, whose answers nobody would read;
else after 10 s). The worker processes themselves (what they inherit, the
signals they ignore, their death with the parent) and the jobs' exceptions
are in :mod:`archiver.workerproc`.

The parent runs a queued job itself when it would otherwise wait, on a loop
made by :mod:`archiver.eventloop` (as a cycle's is): the oldest job no worker
has yet. In a capture the workers are the busier side, and the loop often
waits so, every fetch it started waiting for the network or for a job; in a
re-check the loop is the busier side, and the workers' queue stays short.
A job gives the same answer wherever it runs.

On any other loop, which cannot say when it waits, the parent shares by
the queue instead: when the workers fall behind (:data:`SHARE_AT` jobs
queued for them and no answer waiting to be read: answers not read yet
mean that the loop is the one behind), it runs the job it is given itself,
then leaves the jobs to the workers for :data:`SHARE_PAUSE` times as long as
that job took (its own work, and the workers' answers, wait while it runs
a job). On a loop of :func:`~archiver.eventloop.event_loop` it does not, so that the loop
takes jobs only when it has nothing else to do. (Measured, that makes no
difference beyond the machine's noise: a capture of 1,000 citations at
50 ms per response, alternated ten times with sharing by the queue kept,
2.44 against 2.48 s, median.)

If a worker dies (killed, or crashed by a page), it is dropped from the pool:
the job it had in hand runs again in the parent (same result), the jobs
queued behind it go to the other workers, and the answers of those are kept.
No worker is started in its place; with none left, the rest of the cycle
runs in the parent: same results, one core. A job's exception that cannot
be rebuilt in the parent (pickled, its class takes other arguments than it
keeps) reaches its caller as a :class:`RuntimeError` naming it; an answer
the parent cannot read fails its own job alone.

A job still running in a worker after :data:`JOB_SECONDS` (every page
known to cost more than its size is bounded far below that, but a parser
may meet a page nobody foresaw) is given up: the worker is killed and
another started, the job's caller gets :class:`JobTimedOut` (it goes on
without the page's extraction: the job is not run again anywhere), and the
jobs queued behind it go to the workers again. A job the parent runs itself
(its share, or with no workers) has the same limit, kept by a timer
(:mod:`archiver.timelimit`, main thread only): it is stopped at the next
Python instruction past the limit, and its caller gets :class:`JobTimedOut`
too. Page work in a thread other than the main one, which no timer can
stop, goes to a process forked for it
(:func:`~archiver.workerproc.run_apart`).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import multiprocessing
import os
import pickle
import select
import struct
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from .codings import decode_content
from .content import is_pdf
from .eventloop import IDLE_SELECTORS, IdleSelector
from .extract import extract
from .models import PageInfo
from .timelimit import TimeLimitExceeded, time_limit
from .workerproc import Job, JobTimedOut, Worker, WorkerDied, dumps

LOGGER = logging.getLogger(__name__)
T = TypeVar("T")

#: The most worker processes "auto" starts, whatever the number of cores.
MAX_AUTO = 4
#: Fewer URLs than this in a cycle are extracted in the parent: forking
#: would cost more than it saves.
MIN_URLS = 16


def cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def worker_count(setting: int) -> int:
    """Worker processes for the ``check.processes`` setting (-1: one core per worker,
    leaving one to the event loop, at most :data:`MAX_AUTO`)."""
    if setting >= 0:
        return setting
    return max(0, min(MAX_AUTO, cores() - 1))


def extract_body(body: bytes | Path | None, content_encoding: str | None,
                 content_type: str | None, url: str, limit: int) -> PageInfo | None:
    """Extraction of *body* (raw, as received: its bytes or the file holding
    them), inflated up to *limit* bytes.

    A PDF sent as it is (no Content-Encoding) is read whole, whatever *limit*
    (the fetch's ``max_bytes`` bounds it): its cross-reference table is at its
    end, and a PDF cut short cannot be read."""
    raw = b""
    whole = all(c.strip().lower() in ("", "identity", "none")
                for c in (content_encoding or "").split(","))
    if isinstance(body, bytes):
        raw = body if whole and is_pdf(body[:1024], content_type) else body[:limit]
    elif body is not None:
        try:
            with body.open("rb") as fh:
                # extraction never looks past *limit*, so neither does the read
                raw = fh.read(limit)
                if whole and len(raw) == limit and is_pdf(raw[:1024], content_type):
                    raw += fh.read()
        except OSError:
            raw = b""
    decoded, _ = decode_content(raw, content_encoding, max(limit, len(raw)) if whole else limit)
    return extract(decoded, url=url, content_type=content_type)


#: Seconds a job may run in a worker before the worker is killed and replaced.
#: A page's work takes milliseconds; the costliest pages built to exhaust it,
#: now bounded, take about 2 s.
JOB_SECONDS = 60.0
#: How often the pool looks for a job past its time (seconds, at most).
_WATCH_EVERY = 5.0


#: Jobs sent to one worker ahead of its answers: the event loop reads answers
#: and sends jobs only between two of its callbacks, so the worker needs a
#: few in its pipe not to wait for it. (On the 1,000-page farm with 50 ms per
#: response: 2 ahead, 6.5 s per cycle; 8 ahead, 5.0 s; 16 ahead, 4.6 s.)
#: A job is some 15-25 KB (a gzip page and what judging it needs): 8 fit in
#: a 1 MB pipe (what does not waits in the parent until the pipe has room).
IN_FLIGHT = 8
#: Jobs queued for the workers (sent and not answered, or waiting to be sent)
#: from which the parent runs the next job itself ...
SHARE_AT = 2 * IN_FLIGHT
#: ... and after which it runs none for this many times the job's duration.
SHARE_PAUSE = 2.0


def _answered(workers: list[Worker]) -> bool:
    """True when one of *workers* has an answer waiting to be read. (One
    ``poll`` call for all: ``Connection.poll`` sets up a selector each time,
    some 10 us, and a cycle asks before most jobs.)"""
    if not hasattr(select, "poll"):  # pragma: no cover - not on every platform
        return any(w.answers.poll() for w in workers)
    poller = select.poll()
    for worker in workers:
        poller.register(worker.answers.fileno(), select.POLLIN)
    return bool(poller.poll(0))


class PagePool:
    """Worker processes driven from the event loop (no threads in this process).

    Jobs are ``(module-level function, picklable arguments)``; each worker
    answers its jobs in order. With no workers, :meth:`call` runs the
    function here.
    """

    def __init__(self, processes: int, job_seconds: float | None = None) -> None:
        self.processes = processes
        self.job_seconds = JOB_SECONDS if job_seconds is None else job_seconds
        self._workers: list[Worker] = []
        self._backlog: collections.deque[Job] = collections.deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._context: Any = None
        self._watch_handle: asyncio.TimerHandle | None = None
        self._share_after = 0.0  # see _here
        self._idle_selector: IdleSelector | None = None

    @property
    def active(self) -> bool:
        return bool(self._workers)

    def worker_pids(self) -> list[int]:
        return [w.process.pid for w in self._workers]

    def start(self) -> None:
        """Fork the workers now, from the event loop's thread, before the cycle
        opens its HTTP client (so they inherit no connection)."""
        if self.processes <= 0 or self._workers:
            return
        try:
            context = multiprocessing.get_context("fork")
        except ValueError:  # pragma: no cover - no fork on this platform
            return
        self._loop = asyncio.get_running_loop()
        self._context = context
        try:
            for _ in range(self.processes):
                self._add_worker()
        except OSError as exc:
            LOGGER.warning("page work stays in this process: cannot start workers (%s)", exc)
            self.close()
            return
        self._watch_handle = self._loop.call_later(self._watch_every(), self._watch)
        selector = IDLE_SELECTORS.get(self._loop)
        if selector is not None and selector.pool is None:
            selector.pool = self
            self._idle_selector = selector

    def _add_worker(self) -> None:
        assert self._loop is not None
        worker = Worker(self._context)
        self._workers.append(worker)
        self._loop.add_reader(worker.answers.fileno(), self._on_answer, worker)

    def _watch_every(self) -> float:
        return min(_WATCH_EVERY, max(0.05, self.job_seconds / 4))

    def _watch(self) -> None:
        """Give up the jobs running past :attr:`job_seconds` (see the module)."""
        now = time.monotonic()
        for worker in list(self._workers):
            # an answer not read yet: the worker is not stuck, the loop was busy
            if worker.waiting and now - worker.head_since > self.job_seconds \
                    and not _answered([worker]):
                self._give_up(worker)
        if self._workers and self._loop is not None:
            self._watch_handle = self._loop.call_later(self._watch_every(), self._watch)

    def _give_up(self, worker: Worker) -> None:
        """Kill *worker*, stuck on its oldest job; that job fails with
        :class:`JobTimedOut`, the ones behind it go to the workers again."""
        LOGGER.warning("a page's extraction ran past %g s in worker %s: the worker was "
                       "stopped and replaced, the page is left unread",
                       self.job_seconds, worker.process.pid)
        self._drop(worker, JobTimedOut())
        try:
            self._add_worker()
        except OSError as exc:
            LOGGER.warning("cannot start a worker in its place (%s)", exc)
        if self._workers:
            self._dispatch()
        else:  # its callers run them in this process
            self._fail_all([])

    def _died(self, worker: Worker) -> None:
        """*worker* ended (its answers pipe at its end, or its jobs pipe broken):
        out of the pool, the other workers go on (see the module)."""
        self._drop(worker, WorkerDied())
        if self._workers:
            LOGGER.warning("worker process %s died (%s); its queued jobs go to the other "
                           "workers (%d left)",
                           worker.process.pid, worker.ending(), len(self._workers))
        else:  # its callers run them in this process
            LOGGER.warning("worker process %s died (%s); the rest of the cycle runs "
                           "in this process", worker.process.pid, worker.ending())
            self._fail_all([])

    def _drop(self, worker: Worker, error: Exception) -> None:
        """Take *worker* out of the pool and end its process (killed, if it
        has not ended): the job in its hands fails with *error*, the jobs
        queued behind it go to the other workers, first in line."""
        self._workers.remove(worker)
        worker.end_jobs(self._loop)
        worker.reap(0)  # dead, or stuck: killed at once
        if worker.waiting:
            _, _, head = worker.waiting.popleft()
            self._backlog.extendleft(reversed(worker.waiting))
            worker.waiting.clear()
            if not head.done():
                head.set_exception(error)

    @property
    def queued(self) -> int:
        """Jobs given to the workers and not answered yet."""
        return len(self._backlog) + sum(len(w.waiting) for w in self._workers)

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in a worker, or here when the pool is off, the worker
        running it died, no worker is left, or (on a loop not made by
        :func:`~archiver.eventloop.event_loop`) the workers have :data:`SHARE_AT`
        jobs queued already."""
        if self._workers and self._loop is not None:
            if self._idle_selector is None and self.queued >= SHARE_AT \
                    and time.monotonic() >= self._share_after and not _answered(self._workers):
                return self._here(fn, args)
            future: asyncio.Future[T] = self._loop.create_future()
            self._backlog.append((fn, args, future))
            self._dispatch()
            try:
                return await future
            except WorkerDied:
                pass  # run here
        return self._limited(fn, args)

    def _limited(self, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
        """``fn(*args)`` in this process, stopped past :attr:`job_seconds`."""
        try:
            with time_limit(self.job_seconds):
                return fn(*args)
        except TimeLimitExceeded:
            raise JobTimedOut() from None

    def _here(self, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
        """``fn(*args)`` in this process, a share of the workers' work (see the module)."""
        started = time.monotonic()
        try:
            return self._limited(fn, args)
        finally:
            now = time.monotonic()
            self._share_after = now + SHARE_PAUSE * (now - started)

    def has_waiting(self) -> bool:
        """Whether a job waits that no worker has yet (one :meth:`run_waiting` may run)."""
        return bool(self._backlog) and bool(self._workers)

    def run_waiting(self) -> bool:
        """Run here the oldest job no worker has yet (the loop has nothing else
        to do); False when there is none."""
        while self._backlog and self._workers:
            fn, args, future = self._backlog.popleft()
            if future.done():  # its caller gave up
                continue
            try:
                value = self._limited(fn, args)
            except Exception as exc:  # noqa: BLE001 - its caller's, as from a worker
                future.set_exception(exc)
            else:
                future.set_result(value)
            return True
        return False

    def _dispatch(self) -> None:
        while self._backlog and self._workers:
            worker = min(self._workers, key=lambda w: len(w.waiting))
            if len(worker.waiting) >= IN_FLIGHT:
                return
            job = self._backlog.popleft()
            fn, args, future = job
            if future.cancelled():
                continue
            try:
                data = dumps((fn, args))
            except Exception as exc:  # noqa: BLE001 - an unpicklable job fails alone
                future.set_exception(exc)
                continue
            try:
                self._send(worker, struct.pack("!i", len(data)) + data)
            except OSError:  # its jobs pipe is broken: the worker is gone
                self._backlog.appendleft(job)
                self._died(worker)
                continue
            if not worker.waiting:
                worker.head_since = time.monotonic()
            worker.waiting.append(job)

    def _send(self, worker: Worker, frame: bytes) -> None:
        """Write one job (framed as ``Connection.recv`` reads it), never blocking."""
        if worker.outbox:
            worker.outbox += frame
            return
        try:
            written = os.write(worker.jobs_fd, frame)
        except BlockingIOError:
            written = 0
        if written < len(frame):
            worker.outbox += frame[written:]
            assert self._loop is not None
            self._loop.add_writer(worker.jobs_fd, self._flush, worker)

    def _flush(self, worker: Worker) -> None:
        assert self._loop is not None
        try:
            written = os.write(worker.jobs_fd, worker.outbox)
        except BlockingIOError:
            return
        except OSError:  # its jobs pipe is broken: the worker is gone
            self._died(worker)
            self._dispatch()
            return
        del worker.outbox[:written]
        if not worker.outbox:
            self._loop.remove_writer(worker.jobs_fd)

    def _on_answer(self, worker: Worker) -> None:
        if worker not in self._workers:  # dropped since the loop saw its pipe ready
            return
        try:
            data = worker.answers.recv_bytes()
        except (EOFError, OSError):  # the process ended
            self._died(worker)
            self._dispatch()
            return
        try:
            ok, value = pickle.loads(data)
        except Exception as exc:  # noqa: BLE001 - an answer unread is its job's failure
            ok, value = False, exc
        _, _, future = worker.waiting.popleft()
        worker.head_since = time.monotonic()  # the next job, already sent, starts now
        if not future.done():
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
        self._dispatch()

    def _fail_all(self, workers: list[Worker]) -> None:
        """Every job sent to *workers* or waiting to be sent ends with
        :class:`WorkerDied`."""
        futures = [f for w in workers for _, _, f in w.waiting]
        futures += [f for _, _, f in self._backlog]
        self._backlog.clear()
        for w in workers:
            w.waiting.clear()
        for f in futures:
            if not f.done():
                f.set_exception(WorkerDied())

    def close(self) -> None:
        """Stop the workers and wait for them (their CPU time is then the parent's
        to see): an idle worker ends at the end of its jobs pipe, one with jobs
        (whose answers nobody would read) is killed at once; at most 10 s in all."""
        workers, self._workers = self._workers, []
        if self._idle_selector is not None:
            self._idle_selector.pool = None
            self._idle_selector = None
        if self._watch_handle is not None:
            self._watch_handle.cancel()
            self._watch_handle = None
        for w in workers:
            w.end_jobs(self._loop)
            if w.waiting:
                with contextlib.suppress(OSError, ValueError):
                    w.process.kill()
        deadline = time.monotonic() + 10
        for w in workers:
            w.reap(max(0.0, deadline - time.monotonic()))
        self._fail_all(workers)
