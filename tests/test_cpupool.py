"""Extraction in worker processes: same pages as in-process, and no orphan workers."""

from __future__ import annotations

import asyncio
import gzip
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from archiver.cpupool import MIN_URLS, PagePool, _ready, extract_body, worker_count
from archiver.pipeline import run_cycle
from archiver.settings import Settings
from archiver.store import open_store
from tests.lab import Site, news_page
from tests.sourcesfile import lab_settings, one_event_per_url, write_sources

BODY = ("Police in Kuala Lumpur detained 40 foreign nationals on Tuesday.\n\n"
        "The detainees were taken to an immigration depot, officials said.")


def _page_file(tmp_path: Path, name: str, headline: str, published: str) -> Path:
    path = tmp_path / name
    path.write_bytes(gzip.compress(news_page(headline, BODY, published=published).encode()))
    return path


def test_worker_count_setting() -> None:
    assert worker_count(0) == 0
    assert worker_count(3) == 3
    auto = worker_count(-1)
    assert 0 <= auto <= 4
    assert auto == max(0, min(4, len(os.sched_getaffinity(0)) - 1))


def test_pool_extracts_in_another_process_with_the_same_result(tmp_path: Path) -> None:
    path = _page_file(tmp_path, "a.body", "Malaysia detains 40 foreign nationals", "2016-05-03")
    inline = extract_body(path, "gzip", "text/html", "http://127.0.0.1/a", 1 << 20)
    assert inline is not None and inline.headline == "Malaysia detains 40 foreign nationals"

    pool = PagePool(1)
    pool.start()
    try:
        assert pool.active
        executor = pool._executor
        assert executor is not None
        assert executor.submit(_ready).result(timeout=10) != os.getpid()
        page = asyncio.run(pool.page(path, "gzip", "text/html", "http://127.0.0.1/a", 1 << 20))
    finally:
        pool.close()
    assert page == inline
    assert not pool.active


def test_a_dead_worker_means_extraction_in_this_process(tmp_path: Path) -> None:
    path = _page_file(tmp_path, "b.body", "Workers may die", "2017-01-02")
    pool = PagePool(1)
    pool.start()
    try:
        executor = pool._executor
        assert executor is not None
        worker_pid = executor.submit(_ready).result(timeout=10)
        os.kill(worker_pid, signal.SIGKILL)
        time.sleep(0.3)
        page = asyncio.run(pool.page(path, "gzip", "text/html", "http://127.0.0.1/b", 1 << 20))
    finally:
        pool.close()
    assert page is not None and page.headline == "Workers may die"
    assert not pool.active  # given up: the rest of the cycle runs here


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux")
def test_workers_die_with_a_killed_parent(tmp_path: Path) -> None:
    script = textwrap.dedent("""
        import os, signal, sys
        from archiver.cpupool import PagePool, _ready
        pool = PagePool(2)
        pool.start()
        pids = {pool._executor.submit(_ready).result(timeout=10) for _ in range(20)}
        print(" ".join(map(str, pids)), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == -signal.SIGKILL, done.stderr
    pids = [int(p) for p in done.stdout.split()]
    assert pids
    deadline = time.monotonic() + 10
    alive = pids
    while alive and time.monotonic() < deadline:
        alive = [p for p in pids if Path(f"/proc/{p}").exists()
                 and "Z" not in Path(f"/proc/{p}/stat").read_text().split(")")[-1][:3]]
        time.sleep(0.1)
    assert alive == []


def _cycle(tmp_path: Path, name: str, urls: list[str],
           processes: int) -> dict[str, tuple[object, ...]]:
    settings: Settings = lab_settings()
    settings.check.processes = processes
    sources_path = write_sources(tmp_path / name / "sources.yaml", one_event_per_url(urls))
    from archiver.sources import load_sources

    archive = tmp_path / name / "archive"
    asyncio.run(run_cycle(load_sources(sources_path), archive=archive, settings=settings))
    store = open_store(archive)
    try:
        rows = store.db.execute(
            "select url, status, headline, published, flags from checks").fetchall()
    finally:
        store.close()
    return {r[0]: tuple(r[1:]) for r in rows}


def test_a_cycle_with_workers_stores_what_a_cycle_without_them_stores(tmp_path: Path) -> None:
    with Site() as site:
        urls = []
        for i in range(MIN_URLS + 4):
            path = f"/news/{i}.html"
            if i % 5 == 4:
                urls.append(site.url(f"/gone/{i}.html"))  # 404
                continue
            site.page(path, news_page(f"Malaysia detains {i} foreign nationals", BODY,
                                      published=f"2016-05-{1 + i % 28:02d}"))
            urls.append(site.url(path))
        without = _cycle(tmp_path, "p0", urls, 0)
        with_workers = _cycle(tmp_path, "p2", urls, 2)
    assert len(without) == len(urls)
    assert with_workers == without
    statuses = {v[0] for v in without.values()}
    assert statuses == {"alive", "dead"}
    headlines = {v[1] for v in without.values() if v[0] == "alive"}
    assert len(headlines) == MIN_URLS
    assert all(str(h).startswith("Malaysia detains") for h in headlines)
