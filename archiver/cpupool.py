"""Page extraction in worker processes, so that a cycle uses every core.

A cycle's event loop fetches, writes the WARC and stores rows; reading a
fetched body back, undoing its Content-Encoding and extracting headline, date
and main text (:func:`extract_body`) is pure CPU work on a file, and runs in
a pool of worker processes beside the loop. One Python process is bound to
one core; on a machine with two, the loop and one worker each take one.

The workers are forked when the pool starts, before the cycle opens its HTTP
client, and so share the modules the parent already imported. They ignore
Ctrl-C and SIGTERM's handler of the parent (the parent decides when a cycle
stops), and on Linux they are killed with the parent (``PR_SET_PDEATHSIG``):
a cycle killed with ``kill -9`` leaves no process behind holding its files.

If a worker dies, the pool is given up and the rest of the cycle extracts in
the parent: same results, one core.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import logging
import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from .content import decode_content
from .extract import extract
from .models import PageInfo

LOGGER = logging.getLogger(__name__)

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


def extract_body(path: Path | None, content_encoding: str | None, content_type: str | None,
                 url: str, limit: int) -> PageInfo | None:
    """Extraction of the body in *path* (raw, as received), inflated up to *limit* bytes."""
    raw = b""
    if path is not None:
        try:
            with path.open("rb") as fh:
                # extraction never looks past *limit*, so neither does the read
                raw = fh.read(limit)
        except OSError:
            raw = b""
    body, _ = decode_content(raw, content_encoding, limit)
    return extract(body, url=url, content_type=content_type)


def _die_with_parent(parent: int) -> None:
    """Worker start: signals of its own, and death when the parent dies."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        signal.set_wakeup_fd(-1)  # the parent's event loop owns the wake-up pipe
    except ValueError:  # pragma: no cover - not the main thread
        pass
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _ready() -> int:
    return os.getpid()


class PagePool:
    """Worker processes running :func:`extract_body`; inline when there are none."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self._executor: ProcessPoolExecutor | None = None

    @property
    def active(self) -> bool:
        return self._executor is not None

    def start(self) -> None:
        """Fork the workers now (call before the HTTP client opens connections)."""
        if self.processes <= 0 or self._executor is not None:
            return
        try:
            context = multiprocessing.get_context("fork")
        except ValueError:  # pragma: no cover - no fork on this platform
            return
        executor = ProcessPoolExecutor(self.processes, mp_context=context,
                                       initializer=_die_with_parent,
                                       initargs=(os.getpid(),))
        try:
            # with fork, the first submit starts every worker at once
            executor.submit(_ready).result(timeout=30)
        except Exception as exc:  # noqa: BLE001 - no pool is a slower cycle, not a failure
            LOGGER.warning("extraction stays in this process: cannot start workers (%s)", exc)
            executor.shutdown(wait=False, cancel_futures=True)
            return
        self._executor = executor

    async def page(self, path: Path | None, content_encoding: str | None,
                   content_type: str | None, url: str, limit: int) -> PageInfo | None:
        """:func:`extract_body` in a worker, or here when the pool is off or broken."""
        executor = self._executor
        if executor is not None:
            loop = asyncio.get_running_loop()
            try:
                return await loop.run_in_executor(executor, extract_body, path,
                                                  content_encoding, content_type, url, limit)
            except BrokenProcessPool:
                LOGGER.warning("an extraction worker died; extracting in this process")
                self._executor = None
                executor.shutdown(wait=False, cancel_futures=True)
        return extract_body(path, content_encoding, content_type, url, limit)

    def close(self) -> None:
        """Stop the workers and wait for them (their CPU time is then the parent's to see)."""
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
