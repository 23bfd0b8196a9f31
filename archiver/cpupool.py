"""Page work in worker processes, so that a cycle uses every core.

A cycle's event loop fetches, writes the WARC and stores rows; reading a
fetched body back, undoing its Content-Encoding and extracting headline, date
and main text (:func:`extract_body`), and comparing the texts that classify a
citation (``judgement.assess``), are pure CPU work and run in a pool of worker
processes beside the loop. One Python process is bound to
one core; on a machine with two, the loop and one worker each take one.

The workers are forked when the pool starts, before the cycle opens its HTTP
client, and so share the modules the parent already imported. They ignore
Ctrl-C, SIGTERM and SIGHUP, which a terminal or a service manager
(``systemctl stop``) sends to the whole process group: the parent decides
when a cycle stops, and its workers answer the jobs in hand until then. When
the pool closes, a worker ends at the end of its jobs pipe, or is killed
(at once when it still has jobs, whose answers nobody would read; else
after 10 s). On Linux they are killed with the parent
(``PR_SET_PDEATHSIG``): a cycle killed with ``kill -9`` leaves no process
behind holding its files; a parent that exits without closing its pool
kills them first.

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
stop, goes to a process forked for it (:func:`run_apart`).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ctypes
import fcntl
import logging
import multiprocessing
import multiprocessing.util
import os
import pickle
import select
import signal
import struct
import sys
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as wait_readable
from pathlib import Path
from typing import Any, TypeVar

from .codings import decode_content
from .content import is_pdf
from .eventloop import IDLE_SELECTORS, IdleSelector
from .extract import extract
from .models import PageInfo
from .timelimit import TimeLimitExceeded, time_limit

LOGGER = logging.getLogger(__name__)
T = TypeVar("T")

#: The most worker processes "auto" starts, whatever the number of cores.
MAX_AUTO = 4
#: Fewer URLs than this in a cycle are extracted in the parent: forking
#: would cost more than it saves.
MIN_URLS = 16
_PR_SET_PDEATHSIG = 1


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


class WorkerDied(RuntimeError):
    """A worker process ended before answering."""


class JobTimedOut(RuntimeError):
    """A job ran past the pool's time limit: in a worker, which was killed; or
    in this process, where it was stopped."""


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
_F_SETPIPE_SZ = 1031  # Linux: room in a pipe, so that sending a job does not block


#: The worker processes started and not yet reaped (see :func:`_end_left_workers`).
_STARTED: set[Any] = set()


def _end_left_workers() -> None:
    """At the parent's exit: kill the workers of a pool never closed, which
    would otherwise outlive it (``multiprocessing`` ends its children at exit
    with SIGTERM, which the workers ignore, then waits for them)."""
    for process in list(_STARTED):
        with contextlib.suppress(OSError, ValueError, AssertionError):
            process.kill()
            process.join(5)
        _STARTED.discard(process)


# run by multiprocessing's exit handler, before it ends its children
multiprocessing.util.Finalize(None, _end_left_workers, exitpriority=100)


def _serve(jobs_fd: int, answers_fd: int, parent: int) -> None:
    """A worker: answer ``(fn, args)`` jobs in order until the parent closes the pipe."""
    _keep_only(0, 1, 2, jobs_fd, answers_fd)
    _die_with_parent(parent)
    jobs = Connection(jobs_fd, writable=False)
    answers = Connection(answers_fd, readable=False)
    while True:
        try:
            fn, args = jobs.recv()
        except (EOFError, OSError):
            return
        answers.send_bytes(_answer(fn, args))


def _answer(fn: Callable[..., Any], args: tuple[Any, ...]) -> bytes:
    """``(True, fn(*args))``, or ``(False, the exception it raised)``, pickled
    for the parent, which raises it again. An exception that pickle cannot
    rebuild (its ``__init__`` takes other arguments than its ``args``) is
    sent as a :class:`RuntimeError` naming it."""
    try:
        answer: tuple[bool, Any] = (True, fn(*args))
    except Exception as exc:  # noqa: BLE001 - raised again in the parent
        answer = (False, exc)
    try:
        data = _dumps(answer)
        if not answer[0]:
            pickle.loads(data)  # rebuilt here, or it would fail in the parent
        return data
    except Exception as exc:  # noqa: BLE001 - the job's failure, not the worker's
        if not answer[0]:
            return _dumps((False, RuntimeError(repr(answer[1]))))
        return _dumps((False, RuntimeError(f"unpicklable answer: {exc}")))


def _answered(workers: list[_Worker]) -> bool:
    """True when one of *workers* has an answer waiting to be read. (One
    ``poll`` call for all: ``Connection.poll`` sets up a selector each time,
    some 10 us, and a cycle asks before most jobs.)"""
    if not hasattr(select, "poll"):  # pragma: no cover - not on every platform
        return any(w.answers.poll() for w in workers)
    poller = select.poll()
    for worker in workers:
        poller.register(worker.answers.fileno(), select.POLLIN)
    return bool(poller.poll(0))


def _dumps(obj: Any) -> bytes:
    """*obj* pickled for the other end of a pipe. (``Connection.send`` builds a
    ``ForkingPickler``, which copies the reducer table on each call: 2 us, a
    tenth of pickling a job. Jobs and answers carry no descriptor or
    connection, which is all its reducers are for.)"""
    return pickle.dumps(obj, pickle.HIGHEST_PROTOCOL)


def run_apart(fn: Callable[..., T], args: tuple[Any, ...], seconds: float) -> T:
    """``fn(*args)`` in a process forked for it, killed past *seconds*
    (:class:`JobTimedOut`); its exception, if it raises one.

    For page work in a thread, where :mod:`archiver.timelimit` cannot stop it
    (the dashboard reads captures in its request threads). A fork costs a
    few milliseconds. Linux and macOS only (``os.fork``).
    """
    parent = os.getpid()
    answers_r, answers_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: one answer, then out without the parent's exit handlers
        code = 1
        try:
            os.close(answers_r)
            _die_with_parent(parent)
            data = _answer(fn, args)
            with open(answers_w, "wb") as out:
                out.write(data)
            code = 0
        finally:
            os._exit(code)
    os.close(answers_w)
    deadline = time.monotonic() + seconds
    chunks: list[bytes] = []
    answered = False
    try:
        with open(answers_r, "rb", buffering=0) as answers:
            while True:
                left = deadline - time.monotonic()
                if left <= 0 or not wait_readable([answers_r], left):
                    raise JobTimedOut()
                chunk = answers.read(1 << 20)
                if not chunk:  # the child is done
                    break
                chunks.append(chunk)
        answered = True
    finally:
        if not answered:  # still at work past its time (or this thread was interrupted)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    if not chunks:  # it died without an answer
        raise WorkerDied()
    ok, value = pickle.loads(b"".join(chunks))
    if ok:
        return value  # type: ignore[no-any-return]
    raise value


def _keep_only(*fds: int) -> None:
    """Close every inherited descriptor but *fds*: the archive's lock (a ``flock``
    is held while any copy of its descriptor is open), the parent's sockets,
    database and event loop, and the other workers' pipe ends (whose end of
    file must not wait on this worker)."""
    try:
        open_fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:  # pragma: no cover - no /proc: every possible descriptor
        open_fds = list(range(3, 4096))
    for fd in open_fds:
        if fd not in fds:
            try:
                os.close(fd)
            except OSError:  # the listing's own descriptor, already closed
                pass


def _die_with_parent(parent: int) -> None:
    """Worker start: signals of its own, and death when the parent dies."""
    # sent to the whole process group (Ctrl-C, a closed terminal, systemctl
    # stop): the parent stops the cycle, and ends the workers when it is done
    for sig in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    try:
        signal.set_wakeup_fd(-1)  # the parent's event loop owns the wake-up pipe
    except ValueError:  # pragma: no cover - not the main thread
        pass
    if sys.platform.startswith("linux"):
        # the process's own symbols, libc's among them (find_library("c")
        # would run ldconfig in a subprocess at every worker start)
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _pipe() -> tuple[int, int]:
    r, w = os.pipe()
    if sys.platform.startswith("linux"):
        try:
            fcntl.fcntl(w, _F_SETPIPE_SZ, 1 << 20)
        except OSError:  # a smaller pipe only means a send may wait
            pass
    return r, w


#: A job: the function, its arguments and the future of its answer.
_Job = tuple[Callable[..., Any], tuple[Any, ...], "asyncio.Future[Any]"]


class _Worker:
    """One worker process and the parent's ends of its two pipes."""

    def __init__(self, context: Any) -> None:
        jobs_r, jobs_w = _pipe()
        answers_r, answers_w = _pipe()
        self.process = context.Process(
            target=_serve, args=(jobs_r, answers_w, os.getpid()),
            daemon=True, name="archiver-worker")
        try:
            self.process.start()
        finally:
            os.close(jobs_r)
            os.close(answers_w)
        _STARTED.add(self.process)
        # jobs are written without blocking (what does not fit waits in
        # outbox for the loop to flush): a parent blocked on a full pipe while
        # the worker waits for it to read an answer would wait forever
        os.set_blocking(jobs_w, False)
        self.jobs_fd = jobs_w
        self.outbox = bytearray()
        self.answers = Connection(answers_r, writable=False)
        #: jobs sent and not answered, oldest (the one running) first
        self.waiting: collections.deque[_Job] = collections.deque()
        #: when the oldest of them started running, as far as the parent knows
        self.head_since = 0.0

    def end_jobs(self, loop: asyncio.AbstractEventLoop | None) -> None:
        """No more jobs: the loop stops watching the pipes, and the jobs pipe is
        closed (at its end of file, the worker returns)."""
        if loop is not None and not loop.is_closed():
            loop.remove_reader(self.answers.fileno())
            loop.remove_writer(self.jobs_fd)
        os.close(self.jobs_fd)

    def reap(self, wait: float) -> None:
        """Wait up to *wait* seconds for the process to end, kill it if it has
        not, and close the answers pipe."""
        self.process.join(timeout=wait)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)
        if not self.process.is_alive():
            _STARTED.discard(self.process)
        self.answers.close()

    def ending(self) -> str:
        """How the (reaped) process ended, for a log line."""
        code = self.process.exitcode
        if code is None:
            return "still running"
        if code < 0:
            with contextlib.suppress(ValueError):
                return f"killed by {signal.Signals(-code).name}"
            return f"killed by signal {-code}"
        return f"exit code {code}"


class PagePool:
    """Worker processes driven from the event loop (no threads in this process).

    Jobs are ``(module-level function, picklable arguments)``; each worker
    answers its jobs in order. With no workers, :meth:`call` runs the
    function here.
    """

    def __init__(self, processes: int, job_seconds: float | None = None) -> None:
        self.processes = processes
        self.job_seconds = JOB_SECONDS if job_seconds is None else job_seconds
        self._workers: list[_Worker] = []
        self._backlog: collections.deque[_Job] = collections.deque()
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
        worker = _Worker(self._context)
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

    def _give_up(self, worker: _Worker) -> None:
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

    def _died(self, worker: _Worker) -> None:
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

    def _drop(self, worker: _Worker, error: Exception) -> None:
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
                data = _dumps((fn, args))
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

    def _send(self, worker: _Worker, frame: bytes) -> None:
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

    def _flush(self, worker: _Worker) -> None:
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

    def _on_answer(self, worker: _Worker) -> None:
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

    def _fail_all(self, workers: list[_Worker]) -> None:
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
