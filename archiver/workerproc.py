"""Worker processes: their start, their loop of jobs, and one job run apart.

A worker of :class:`~archiver.cpupool.PagePool` (:class:`Worker`: the process
and the parent's ends of its two pipes) answers ``(fn, args)`` jobs in order,
each answer pickled for the parent, which raises a job's exception again
(:class:`WorkerDied` when the worker ends before answering). It is forked, and
so shares the modules the parent already imported; it closes every descriptor
it inherited but its own pipes.

Workers ignore Ctrl-C, SIGTERM and SIGHUP, which a terminal or a service
manager (``systemctl stop``) sends to the whole process group: the parent
decides when a cycle stops, and its workers answer the jobs in hand until
then. On Linux they are killed with the parent (``PR_SET_PDEATHSIG``): a
cycle killed with ``kill -9`` leaves no process behind holding its files; a
parent that exits without closing its pool kills them first.

Page work in a thread other than the main one, which no timer can stop, goes
to a process forked for it (:func:`run_apart`), killed past its time.

Example::

    page = run_apart(extract_body, (raw, "gzip", "text/html", url, limit), 60.0)
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ctypes
import fcntl
import multiprocessing.util
import os
import pickle
import signal
import sys
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as wait_readable
from typing import Any, TypeVar

T = TypeVar("T")

_PR_SET_PDEATHSIG = 1
_F_SETPIPE_SZ = 1031  # Linux: room in a pipe, so that sending a job does not block


class WorkerDied(RuntimeError):
    """A worker process ended before answering."""


class JobTimedOut(RuntimeError):
    """A job ran past the pool's time limit: in a worker, which was killed; or
    in this process, where it was stopped."""


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
        data = dumps(answer)
        if not answer[0]:
            pickle.loads(data)  # rebuilt here, or it would fail in the parent
        return data
    except Exception as exc:  # noqa: BLE001 - the job's failure, not the worker's
        if not answer[0]:
            return dumps((False, RuntimeError(repr(answer[1]))))
        return dumps((False, RuntimeError(f"unpicklable answer: {exc}")))


def dumps(obj: Any) -> bytes:
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
Job = tuple[Callable[..., Any], tuple[Any, ...], "asyncio.Future[Any]"]


class Worker:
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
        self.waiting: collections.deque[Job] = collections.deque()
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
