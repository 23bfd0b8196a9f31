"""One writer per archive: a second process is refused at once; a dead holder is taken over."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from archiver.exceptions import ArchiveLockedError
from archiver.lock import LOCK_FILENAME, ArchiveLock, read_holder

from .lab import Site
from .sourcesfile import one_event_per_url, write_sources
from .test_schedule import (
    common_args,
    news_site,
    run_archiver,
    running_worker,
    wait_for,
    worker_once,
    write_settings,
)


def test_a_second_lock_in_the_same_process_is_refused(tmp_path: Path) -> None:
    with ArchiveLock(tmp_path, "run"):
        with pytest.raises(ArchiveLockedError) as info:
            ArchiveLock(tmp_path, "check").acquire()
    assert f"pid {os.getpid()}" in str(info.value) and "(run)" in str(info.value)
    assert info.value.holder["pid"] == os.getpid()
    assert read_holder(tmp_path / LOCK_FILENAME) == {}  # released: emptied
    with ArchiveLock(tmp_path, "check") as again:  # and free again
        assert again.took_over is None


def test_a_fifo_where_the_lock_file_goes_is_not_waited_on(tmp_path: Path) -> None:
    """The holder named in the lock file was read as it is: a FIFO in its place
    made run, check and worker wait for a writer for ever."""
    fifo = tmp_path / LOCK_FILENAME
    os.mkfifo(fifo)
    took: list[object] = []

    def take() -> None:
        with ArchiveLock(tmp_path, "run") as lock:
            took.append(lock.took_over)

    thread = threading.Thread(target=take, daemon=True)
    thread.start()
    thread.join(10)
    waited = thread.is_alive()
    if waited:  # the reader let go: a writer comes and goes
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(10)
    assert not waited and took == [None]
    assert not fifo.exists()  # a lock file was renamed over it, then removed


def test_second_process_is_refused_then_takes_over_after_kill_9(tmp_path: Path,
                                                                 site: Site) -> None:
    sources = write_sources(tmp_path / "sources.yaml", one_event_per_url(news_site(site, 2)))
    write_settings(sources, '[schedule]\ncron = "0 3 1 1 *"\njitter = 0\n')
    archive = tmp_path / "archive"
    log = tmp_path / "holder.log"
    # the holder idles between cycles, holding the lock
    with running_worker(sources, archive, log) as holder:
        assert wait_for(lambda: read_holder(archive / LOCK_FILENAME).get("pid") == holder.pid,
                        30), log.read_text()
        started = read_holder(archive / LOCK_FILENAME)["started"]
        assert wait_for(lambda: "next cycle at" in log.read_text(), 30), log.read_text()
        hits = len(site.hits)
        for command in (["run"], ["worker", "--once"], ["check"]):
            t0 = time.monotonic()
            proc = run_archiver(*command, *common_args(sources, archive), timeout=60)
            assert proc.returncode == 2, proc.stderr
            assert f"pid {holder.pid}" in proc.stderr and started in proc.stderr
            assert time.monotonic() - t0 < 20  # refused at once, not after waiting
        assert len(site.hits) == hits  # the refused processes fetched nothing
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
    assert read_holder(archive / LOCK_FILENAME)["pid"] == holder.pid  # stale file left
    proc = worker_once(sources, archive)
    assert proc.returncode == 0, proc.stderr
    assert f"took the archive over from pid {holder.pid}" in proc.stderr
    assert read_holder(archive / LOCK_FILENAME) == {}
