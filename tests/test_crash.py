"""Crash safety: a worker killed with SIGKILL at random moments loses nothing and corrupts nothing.

A loopback world of two sites and 300 articles; ``archiver worker --once`` is
started, killed with ``kill -9`` at a random moment (mostly mid-cycle, after a
random number of pages; sometimes at a random time, start-up and recovery
included), restarted, again and again, then run once more to the end. Then:

* every WARC file passes ``warcio check`` and no ``.open`` file is left;
* ``PRAGMA integrity_check`` is ``ok``;
* every capture row's (file, offset, length) of its request, response/revisit
  and metadata records lies inside an existing WARC file and reads as a valid
  record of the right type and target URI;
* every citation has exactly one check in the last cycle, and no citation has
  two checks in any cycle.

``ARCHIVER_CRASH_KILLS`` sets the number of kills (default 5; 20 or more for a
longer soak) and ``ARCHIVER_CRASH_SEED`` the random seed (printed, to replay a
failure).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from .lab import Site
from .sourcesfile import one_event_per_url, write_sources
from .test_schedule import (
    news_site,
    open_warcs,
    query,
    start_worker,
    wait_for,
    worker_once,
    write_settings,
)

KILLS = int(os.environ.get("ARCHIVER_CRASH_KILLS", "5"))
SEED = int(os.environ.get("ARCHIVER_CRASH_SEED", str(random.randrange(1 << 30))))
PAGES_PER_SITE = 150


def warcio_cmd() -> list[str]:
    beside = Path(sys.executable).parent / "warcio"
    return [str(beside) if beside.exists() else (shutil.which("warcio") or "warcio")]


def check_record(fh: object, name: str, offset: int, length: int, size: int,
                 rec_type: str, uri: str) -> None:
    assert offset >= 0 and length > 0 and offset + length <= size, (name, offset, length)
    fh.seek(offset)  # type: ignore[attr-defined]
    record = next(iter(ArchiveIterator(fh)))
    assert record.rec_type == rec_type, (name, offset)
    assert record.rec_headers.get_header("WARC-Target-URI") == uri, (name, offset)
    record.content_stream().read()  # the whole member decompresses


def wait_pages(proc: subprocess.Popen[str], served: Callable[[], int], total: int) -> None:
    """Until the sites have served *total* requests or *proc* ended (bounded: 60 s)."""
    wait_for(lambda: served() >= total or proc.poll() is not None, 60, interval=0.01)


@pytest.mark.slow
def test_kill_9_at_random_moments(tmp_path: Path) -> None:
    print(f"\nARCHIVER_CRASH_SEED={SEED} ARCHIVER_CRASH_KILLS={KILLS}")
    rng = random.Random(SEED)
    archive = tmp_path / "archive"
    log = tmp_path / "worker.log"
    with Site() as one, Site() as two:
        urls = news_site(one, PAGES_PER_SITE, prefix="/world/") + \
            news_site(two, PAGES_PER_SITE, prefix="/asia/")
        sources = write_sources(tmp_path / "sources.yaml", one_event_per_url(urls))
        write_settings(sources, "[fetch]\nper_host_concurrency = 4\n")

        def served() -> int:
            return len(one.hits) + len(two.hits)

        kills = finished = tries = 0
        started = time.monotonic()
        while kills < KILLS and tries < 3 * KILLS:
            tries += 1
            before = served()
            proc = start_worker(sources, archive, log, "--once")
            try:
                if rng.random() < 0.25:  # any moment, start-up and recovery included
                    time.sleep(rng.uniform(0.05, 1.5))
                else:  # mid-cycle, after a random number of pages
                    wait_pages(proc, served, before + rng.randint(1, 2 * PAGES_PER_SITE // 3))
                if proc.poll() is None:
                    proc.send_signal(signal.SIGKILL)
                    proc.wait(timeout=10)
                    kills += 1
                else:
                    assert proc.returncode == 0, log.read_text()[-3000:]
                    finished += 1
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        assert kills >= KILLS
        final = worker_once(sources, archive)
        assert final.returncode == 0, final.stderr[-3000:]
        print(f"{kills} kills survived ({finished} cycles ran to the end between them) "
              f"in {time.monotonic() - started:.1f}s")

    # files
    warc_dir = archive / "warc"
    assert not open_warcs(archive)
    warcs = sorted(warc_dir.glob("*.warc.gz"))
    assert warcs
    check = subprocess.run([*warcio_cmd(), "check", *map(str, warcs)],
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
    broken = sorted(p.name for p in warc_dir.glob("*.broken"))
    print(f"{len(warcs)} WARC files, {len(broken)} set aside as .broken, log: "
          f"{log.read_text().count('closed as')} files recovered after a kill")

    # database
    conn = sqlite3.connect(archive / "archiver.db")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()

    # every capture row points at a valid record of the right type and URI
    sizes = {p.name: p.stat().st_size for p in warcs}
    rows = query(archive, "SELECT url, record_type, warc_file, warc_offset, warc_length,"
                          " request_file, request_offset, request_length,"
                          " meta_file, meta_offset, meta_length, record_id FROM captures")
    assert len(rows) >= len(urls)
    handles = {name: (warc_dir / name).open("rb") for name in sizes}
    try:
        for (url, rtype, wf, wo, wl, qf, qo, ql, mf, mo, ml, rid) in rows:
            assert wf in sizes, f"{wf} is not a closed WARC file"
            check_record(handles[wf], wf, wo, wl, sizes[wf], rtype, url)
            if qf is not None:
                assert qf in sizes
                check_record(handles[qf], qf, qo, ql, sizes[qf], "request", url)
            if mf is not None:
                assert mf in sizes
                check_record(handles[mf], mf, mo, ml, sizes[mf], "metadata",
                             f"urn:archiver:capture:{rid.strip('<>')}")
    finally:
        for fh in handles.values():
            fh.close()

    # checks: all citations in the last cycle, never two in one cycle
    last = query(archive, "SELECT id, state FROM cycles ORDER BY id DESC LIMIT 1")[0]
    assert last[1] == "finished"
    checked = query(archive, "SELECT event_id, url FROM checks WHERE cycle_id = ?", (last[0],))
    cited = query(archive, "SELECT event_id, url FROM citations WHERE active = 1")
    assert sorted(checked) == sorted(cited) and len(cited) == len(urls)
    assert query(archive, "SELECT cycle_id, event_id, url, count(*) FROM checks"
                          " GROUP BY cycle_id, event_id, url HAVING count(*) > 1") == []
    assert query(archive, "SELECT count(*) FROM cycles WHERE state IN ('running',"
                          " 'interrupted')") == [(0,)]
