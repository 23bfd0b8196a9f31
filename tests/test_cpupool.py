"""Extraction in worker processes: same pages as in-process, and no orphan workers."""

from __future__ import annotations

import asyncio
import gzip
import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from archiver import eventloop
from archiver.cpupool import (
    IN_FLIGHT,
    MIN_URLS,
    SHARE_AT,
    PagePool,
    extract_body,
    worker_count,
)
from archiver.lock import ArchiveLock
from archiver.pipeline import run_cycle
from archiver.settings import Settings
from archiver.storeopen import open_store
from archiver.workerproc import JobTimedOut
from tests.lab import Site, news_page
from tests.sourcesfile import lab_settings, one_event_per_url, write_sources

BODY = ("Police in Kuala Lumpur detained 40 foreign nationals on Tuesday.\n\n"
        "The detainees were taken to an immigration depot, officials said.")


def _page_file(tmp_path: Path, name: str, headline: str, published: str) -> Path:
    path = tmp_path / name
    path.write_bytes(gzip.compress(news_page(headline, BODY, published=published).encode()))
    return path


def test_worker_count_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert worker_count(0) == 0
    assert worker_count(3) == 3
    for cores, auto in ((1, 0), (2, 1), (3, 2), (16, 4)):  # one core left to the loop, at most 4
        monkeypatch.setattr("archiver.cpupool.cores", lambda n=cores: n)
        assert worker_count(-1) == auto


def _pid() -> int:
    return os.getpid()


def _fail(message: str) -> None:
    raise ValueError(message)


def test_pool_extracts_in_another_process_with_the_same_result(tmp_path: Path) -> None:
    path = _page_file(tmp_path, "a.body", "Malaysia detains 40 foreign nationals", "2016-05-03")
    inline = extract_body(path, "gzip", "text/html", "http://127.0.0.1/a", 1 << 20)
    assert inline is not None and inline.headline == "Malaysia detains 40 foreign nationals"
    # the body as bytes (a page the fetch kept in memory) gives the same page
    assert extract_body(path.read_bytes(), "gzip", "text/html", "http://127.0.0.1/a",
                        1 << 20) == inline

    async def main() -> tuple[object, set[int], list[int]]:
        pool = PagePool(2)
        pool.start()
        try:
            assert pool.active
            pids = pool.worker_pids()
            pages = await asyncio.gather(*(
                pool.call(extract_body, path, "gzip", "text/html", "http://127.0.0.1/a", 1 << 20)
                for _ in range(10)))
            assert all(p == pages[0] for p in pages)
            # no more at once than the workers take before the parent shares the work
            ran_in = set(await asyncio.gather(*(pool.call(_pid) for _ in range(SHARE_AT))))
            with pytest.raises(ValueError, match="raised in a worker"):
                await pool.call(_fail, "raised in a worker")
            assert pool.active  # an exception of the job is the job's, not the pool's
            return pages[0], ran_in, pids
        finally:
            pool.close()
            assert not pool.active

    page, ran_in, pids = asyncio.run(main())
    assert page == inline
    assert os.getpid() not in ran_in and ran_in <= set(pids)
    for pid in pids:  # joined: no zombie, no orphan
        assert not Path(f"/proc/{pid}").exists()


def _slow_pid(seconds: float, i: int) -> tuple[int, int]:
    time.sleep(seconds)
    return i, os.getpid()


def _jobs_and_pids(count: int, seconds: float, run: Callable[[Any], Any] = asyncio.run,
                   job: Callable[[float, int], Any] = _slow_pid) -> tuple[list[Any], list[int]]:
    """*count* jobs of *seconds* given at once to a pool of one worker, on a
    loop of *run*: the answer of each (by default (job, pid that ran it)),
    and the worker's pid."""
    async def main() -> tuple[list[Any], list[int]]:
        pool = PagePool(1)
        pool.start()
        try:
            pids = pool.worker_pids()
            answers = await asyncio.gather(*(pool.call(job, seconds, i) for i in range(count)))
            return list(answers), pids
        finally:
            pool.close()

    result: tuple[list[Any], list[int]] = run(main())
    return result


def test_the_parent_shares_the_work_of_workers_that_fall_behind() -> None:
    answers, pids = _jobs_and_pids(60, 0.01)
    assert [i for i, _ in answers] == list(range(60))  # every job answered, its own answer
    here = [i for i, pid in answers if pid == os.getpid()]
    there = [i for i, pid in answers if pid in pids]
    assert len(here) + len(there) == 60
    # jobs beyond the workers' queue ran here, with pauses between them
    assert here and min(here) >= SHARE_AT
    assert len(there) > len(here)


def test_a_loop_with_nothing_to_do_runs_the_jobs_no_worker_has_yet() -> None:
    """Fewer jobs than SHARE_AT: none is shared when given. The worker takes
    IN_FLIGHT of them; the loop, waiting for its answers, runs the others."""
    count = IN_FLIGHT + 4
    assert count < SHARE_AT
    answers, pids = _jobs_and_pids(count, 0.05, eventloop.run)
    assert [i for i, _ in answers] == list(range(count))  # every job its own answer
    here = [i for i, pid in answers if pid == os.getpid()]
    there = [i for i, pid in answers if pid in pids]
    assert sorted(here + there) == list(range(count))
    assert here and min(here) >= IN_FLIGHT  # only jobs the worker did not have
    assert there[:IN_FLIGHT] == list(range(IN_FLIGHT))


def _timed_pid(seconds: float, i: int) -> tuple[int, int, float]:
    started = time.monotonic()
    time.sleep(seconds)
    return i, os.getpid(), started


def test_that_loop_takes_the_oldest_jobs_only_when_it_waits() -> None:
    """Many jobs at once: the loop does not run the job it is given when the
    workers' queue is long (it would then take jobs while busy); it takes the
    oldest queued job each time it waits, so the jobs it runs start in order."""
    answers, _ = _jobs_and_pids(2 * SHARE_AT, 0.05, eventloop.run, _timed_pid)
    assert [i for i, _, _ in answers] == list(range(2 * SHARE_AT))
    here = [(started, i) for i, pid, started in answers if pid == os.getpid()]
    assert here and min(i for _, i in here) == IN_FLIGHT  # the oldest the worker had not
    assert [i for _, i in sorted(here)] == sorted(i for _, i in here)  # started oldest first


def test_on_a_plain_asyncio_loop_those_jobs_wait_for_the_worker() -> None:
    answers, pids = _jobs_and_pids(IN_FLIGHT + 4, 0.05, asyncio.run)
    assert {pid for _, pid in answers} == set(pids)


def _fail_after(seconds: float) -> None:
    time.sleep(seconds)
    raise ValueError(f"no page here (process {os.getpid()})")


def _spin() -> None:
    while True:
        pass


def test_a_job_run_by_a_waiting_loop_answers_its_caller_as_a_worker_would() -> None:
    """Its exception, and past the pool's time limit JobTimedOut, reach its
    caller; the pool goes on, with the same worker (the job stopped was the
    parent's: a worker's would have been killed and replaced)."""
    async def main() -> tuple[list[object], list[int], list[int]]:
        pool = PagePool(1, job_seconds=0.5)
        pool.start()
        try:
            pids = pool.worker_pids()
            calls = [pool.call(_slow_pid, 0.1, i) for i in range(IN_FLIGHT)]
            calls += [pool.call(_fail_after, 0.01), pool.call(_spin)]
            answers = await asyncio.gather(*calls, return_exceptions=True)
            await pool.call(_pid)
            return list(answers), pids, pool.worker_pids()
        finally:
            pool.close()

    started = time.monotonic()
    answers, pids, pids_after = eventloop.run(main())
    assert time.monotonic() - started < 20
    assert [a for a, _ in answers[:IN_FLIGHT]] == list(range(IN_FLIGHT))  # type: ignore[misc]
    failed = answers[IN_FLIGHT]
    assert isinstance(failed, ValueError) and f"(process {os.getpid()})" in str(failed)
    assert isinstance(answers[IN_FLIGHT + 1], JobTimedOut)
    assert pids_after == pids


def test_big_jobs_and_answers_through_small_pipes_do_not_wait_forever() -> None:
    """A parent that blocked on a full jobs pipe while its worker blocked on a full
    answers pipe would hang: jobs are written without blocking. (In a child
    process, so that a hang fails the test instead of stopping the suite.)"""
    script = textwrap.dedent("""
        import asyncio, os

        from archiver import cpupool, workerproc

        def echo(data):
            return data

        workerproc._pipe = os.pipe  # 64 KB pipes, not 1 MB
        payloads = [bytes([i]) * (300_000 + i) for i in range(24)]  # both ways, > 64 KB

        async def main():
            pool = cpupool.PagePool(1)
            pool.start()
            try:
                assert pool.active
                return list(await asyncio.gather(*(pool.call(echo, p) for p in payloads)))
            finally:
                pool.close()

        assert asyncio.run(main()) == payloads
        print("ok")
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_a_dead_worker_means_the_work_is_done_in_this_process(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = _page_file(tmp_path, "b.body", "Workers may die", "2017-01-02")

    async def main() -> tuple[list[Any], bool]:
        pool = PagePool(1)
        pool.start()
        try:
            os.kill(pool.worker_pids()[0], signal.SIGKILL)
            await asyncio.sleep(0.3)
            pages = await asyncio.gather(*(
                pool.call(extract_body, path, "gzip", "text/html", "http://127.0.0.1/b", 1 << 20)
                for _ in range(5)))
            return pages, pool.active
        finally:
            pool.close()

    with caplog.at_level(logging.WARNING, logger="archiver.cpupool"):
        pages, active = asyncio.run(main())
    assert all(p is not None and p.headline == "Workers may die" for p in pages)
    assert not active  # its only worker dead: the rest of the cycle runs here
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 1 and said[0].endswith(
        "died (killed by SIGKILL); the rest of the cycle runs in this process"), said


def test_a_job_past_its_time_is_given_up_and_its_worker_replaced(
        caplog: pytest.LogCaptureFixture) -> None:
    """A job stuck in a worker (a sleep stands for a parser that never ends):
    its caller hears JobTimedOut in about the time limit, the worker is killed
    and another takes its place, and the jobs queued behind it are answered."""

    async def main() -> tuple[Any, list[int], int, int, list[int], float]:
        pool = PagePool(1, job_seconds=0.5)
        pool.start()
        try:
            first = pool.worker_pids()[0]
            started = time.monotonic()
            stuck, *behind = await asyncio.gather(
                pool.call(time.sleep, 30), *(pool.call(os.getpid) for _ in range(4)),
                return_exceptions=True)
            waited = time.monotonic() - started
            after = await pool.call(os.getpid)
            return stuck, behind, first, after, pool.worker_pids(), waited
        finally:
            pool.close()

    with caplog.at_level(logging.WARNING, logger="archiver.cpupool"):
        stuck, behind, first, after, pids, waited = asyncio.run(main())
    assert isinstance(stuck, JobTimedOut)
    assert waited < 10, waited  # not the 30 s the job would have taken
    assert len(pids) == 1 and pids[0] != first  # a new worker
    assert behind == [pids[0]] * 4 and after == pids[0]  # answered by it, not here
    with pytest.raises(ProcessLookupError):
        os.kill(first, 0)  # the stuck one is gone
    assert any("extraction ran past 0.5 s" in r.getMessage() for r in caplog.records), \
        [r.getMessage() for r in caplog.records]


def _fd_targets(pid: str) -> list[str]:
    """What the open descriptors of process *pid* above stderr point at."""
    out = []
    for name in os.listdir(f"/proc/{pid}/fd"):
        try:
            if int(name) > 2:
                out.append(os.readlink(f"/proc/{pid}/fd/{name}"))
        except OSError:  # the listing's own descriptor, closed by now
            pass
    return sorted(out)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="reads /proc/PID/fd (Linux)")
def test_workers_hold_no_descriptor_of_the_parent(tmp_path: Path) -> None:
    """Above all not the archive's lock: a flock lasts while any copy of its
    descriptor is open, so a worker outliving a killed parent for a moment
    would keep the next run out of the archive."""
    archive = tmp_path / "archive"
    archive.mkdir()

    async def main() -> list[list[str]]:
        pool = PagePool(1)
        pool.start()
        try:
            assert await pool.call(os.getpid) in pool.worker_pids()  # it is serving
            return [_fd_targets(str(pid)) for pid in pool.worker_pids()]
        finally:
            pool.close()

    with ArchiveLock(archive, "test"):
        held = _fd_targets("self")
        assert str(archive) in held
        workers = asyncio.run(main())
    for fds in workers:
        assert str(archive) not in fds
        assert len(fds) == 2 and all(f.startswith("pipe:") for f in fds)  # its own two


def _parent_of_two_workers(last_line: str) -> tuple[subprocess.CompletedProcess[str],
                                                      list[int]]:
    """A process that starts a pool of two workers, prints their pids, then
    runs *last_line* (in its ``main``): the process and the pids printed."""
    script = textwrap.dedent("""
        import asyncio, os, signal
        from archiver.cpupool import PagePool

        async def main():
            pool = PagePool(2)
            pool.start()
            assert await pool.call(os.getpid) in pool.worker_pids()
            print(" ".join(map(str, pool.worker_pids())), flush=True)
            LAST

        asyncio.run(main())
    """).replace("LAST", last_line)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, cwd=Path(__file__).resolve().parent.parent)
    return done, [int(p) for p in done.stdout.split()]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux")
def test_workers_die_with_a_killed_parent(tmp_path: Path) -> None:
    done, pids = _parent_of_two_workers("os.kill(os.getpid(), signal.SIGKILL)")
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert len(pids) == 2
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


def _records(archive: Path) -> list[tuple[str | None, ...]]:
    """What the WARC files of *archive* hold, without what differs between runs
    (record ids, dates, the server's Date header, metadata text)."""
    from warcio.archiveiterator import ArchiveIterator

    out = []
    for path in sorted((archive / "warc").glob("*.warc.gz")):
        with path.open("rb") as fh:
            for rec in ArchiveIterator(fh):
                h = rec.rec_headers.get_header
                payload = rec.content_stream().read()
                keep = rec.rec_type in ("response", "revisit", "request")
                out.append((rec.rec_type, h("WARC-Target-URI")[:22] if rec.rec_type == "metadata"
                            else h("WARC-Target-URI"), h("WARC-Payload-Digest"),
                            h("WARC-Refers-To-Target-URI"), h("WARC-Truncated"),
                            str(len(payload)) if keep else None))
    return sorted(out, key=lambda r: tuple(x or "" for x in r))


def test_a_cycle_with_workers_writes_the_records_of_one_without(tmp_path: Path) -> None:
    # a capture and a re-check (revisits, which a worker builds), with pages
    # gzip-encoded or not, a redirect, a 404 and a body too big for memory
    # (kept in a file): the same records with or without worker processes,
    # and warcio checks them
    from archiver.fetch import SPILL_BYTES
    from tests.test_warc import warcio_check

    with Site() as site:
        urls = []
        for i in range(MIN_URLS + 2):
            site.page(f"/news/{i}.html", news_page(f"Malaysia detains {i}", BODY), gzip=i % 2 == 0)
            urls.append(site.url(f"/news/{i}.html"))
        site.redirect("/old/1.html", "/news/1.html")
        site.page("/big.html", news_page("A very long page", BODY * (SPILL_BYTES // len(BODY) + 1)))
        big = site.url("/big.html")
        urls += [site.url("/old/1.html"), big, site.url("/gone.html")]
        archives = {}
        for name, processes in (("p0", 0), ("p2", 2)):
            _cycle(tmp_path, name, urls, processes)  # capture
            _cycle(tmp_path, name, urls, processes)  # re-check: revisits
            archives[name] = tmp_path / name / "archive"
    here, there = _records(archives["p0"]), _records(archives["p2"])
    assert here == there
    types = [r[0] for r in there]
    # the re-check: a revisit for each answer (the pages, the redirect and its
    # target, the big page, the 404); the capture: one metadata record a URL
    assert types.count("revisit") == (MIN_URLS + 2) + 2 + 1 + 1
    assert types.count("metadata") == len(urls)
    # a metadata record names its capture by a URI: the record id, no "<" or ">"
    assert {r[1] for r in there if r[0] == "metadata"} == {"urn:archiver:capture:u"}
    assert ("response", big) in {r[:2] for r in there}
    for name in archives:
        files = sorted((archives[name] / "warc").glob("*.warc.gz"))
        assert warcio_check(*files).returncode == 0


@pytest.mark.parametrize("where", ["worker", "share", "here"])
def test_a_page_whose_extraction_never_ends_is_archived_and_judged_unread(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        where: str) -> None:
    """One page's extraction never returns (a sleep stands for a parser stuck
    on it): past the pool's limit the job is given up, the page is archived
    and its citation judged without a headline, and the other pages are read
    as usual. In a worker (which is replaced), in the fetching process as its
    share of the work, or in a cycle without workers (stopped by a timer)."""
    from archiver import cpupool, judgement, pipeline

    real = pipeline.extract_body

    def endless(body: Any, encoding: Any, content_type: Any, url: str, limit: int) -> Any:
        if url.endswith("/endless.html"):
            time.sleep(120)
        return real(body, encoding, content_type, url, limit)

    # the workers are forked from this process: they run the patched modules
    monkeypatch.setattr(judgement, "extract_body", endless)
    monkeypatch.setattr(pipeline, "extract_body", endless)
    monkeypatch.setattr(cpupool, "JOB_SECONDS", 1.0)
    # every job to the workers; or, for "share", every job the parent may take
    monkeypatch.setattr(cpupool, "SHARE_AT", 0 if where == "share" else 10**6)
    monkeypatch.setattr(cpupool, "SHARE_PAUSE", 0)
    with Site() as site:
        urls = []
        for i in range(MIN_URLS + 2):
            site.page(f"/news/{i}.html", news_page(f"Malaysia detains {i}", BODY))
            urls.append(site.url(f"/news/{i}.html"))
        site.page("/endless.html", news_page("A page nobody can read", BODY))
        endless_url = site.url("/endless.html")
        urls.insert(3, endless_url)
        started = time.monotonic()
        with caplog.at_level(logging.WARNING):
            rows = _cycle(tmp_path, "p1", urls, 0 if where == "here" else 1)
        elapsed = time.monotonic() - started
    assert elapsed < 30, elapsed  # not the 120 s the stuck job would take
    assert len(rows) == len(urls)
    stuck = rows.pop(endless_url)
    assert stuck[0] == "alive" and stuck[1] is None, stuck  # judged, no headline read
    assert all(str(v[1]).startswith("Malaysia detains") for v in rows.values()), rows
    said = [r.getMessage() for r in caplog.records]
    assert f"{endless_url}: page left unread: its extraction ran past 1 s" in said
    archived = {r[1] for r in _records(tmp_path / "p1" / "archive") if r[0] == "response"}
    assert endless_url in archived and set(urls) <= archived
    store = open_store(tmp_path / "p1" / "archive")
    try:
        (reason,), = store.db.execute("select reason from checks where url = ?", [endless_url])
    finally:
        store.close()
    assert reason.endswith("; the page was left unread (reading it ran past 1 s)."), reason


def test_when_no_worker_can_replace_a_stuck_one_the_jobs_behind_it_run_here(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """The stuck job still ends with JobTimedOut; the jobs queued behind it are
    answered in this process, not lost (no fork is possible any more)."""
    from archiver import cpupool

    async def main() -> tuple[Any, list[Any], bool]:
        pool = PagePool(1, job_seconds=0.5)
        pool.start()

        def no_fork(context: Any) -> Any:
            raise OSError("fork refused")

        monkeypatch.setattr(cpupool, "Worker", no_fork)
        try:
            stuck, *behind = await asyncio.gather(
                pool.call(time.sleep, 30), *(pool.call(os.getpid) for _ in range(3)),
                return_exceptions=True)
            return stuck, behind, pool.active
        finally:
            pool.close()

    with caplog.at_level(logging.WARNING, logger="archiver.cpupool"):
        stuck, behind, active = asyncio.run(main())
    assert isinstance(stuck, JobTimedOut)
    assert behind == [os.getpid()] * 3  # run here
    assert not active
    assert "cannot start a worker in its place (fork refused)" in caplog.text


@pytest.mark.parametrize("processes", [0, 1])
def test_a_cycle_spaces_out_collections_in_every_process_then_puts_them_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, processes: int) -> None:
    """The youngest generation's threshold is raised for the cycle, in the
    workers too (set before they fork), and put back after it."""
    import dataclasses
    import gc

    from archiver import cpupool, judgement, pipeline

    real = pipeline.extract_body

    def telling(*args: Any) -> Any:
        page = real(*args)
        return dataclasses.replace(page, headline=f"{os.getpid()} {gc.get_threshold()[0]}")

    monkeypatch.setattr(judgement, "extract_body", telling)
    monkeypatch.setattr(pipeline, "extract_body", telling)
    monkeypatch.setattr(cpupool, "SHARE_AT", 10**6)  # every job to the worker
    before = gc.get_threshold()
    with Site() as site:
        urls = []
        for i in range(MIN_URLS + 2):
            site.page(f"/news/{i}.html", news_page(f"Malaysia detains {i}", BODY))
            urls.append(site.url(f"/news/{i}.html"))
        rows = _cycle(tmp_path, "gc", urls, processes)
    assert gc.get_threshold() == before
    told = {str(row[1]).split()[0]: int(str(row[1]).split()[1]) for row in rows.values()}
    assert set(told.values()) == {max(before[0], pipeline.GC_YOUNGEST)}
    assert (str(os.getpid()) in told) is (processes == 0)  # with a worker, read there


def test_an_answer_waiting_in_any_pipe_is_seen() -> None:
    from multiprocessing.connection import Connection
    from types import SimpleNamespace

    from archiver.cpupool import _answered

    pipes = [os.pipe() for _ in range(3)]
    workers: Any = [SimpleNamespace(answers=Connection(r, writable=False)) for r, _ in pipes]
    try:
        assert not _answered(workers)
        os.write(pipes[2][1], b"\0\0\0\1x")
        assert _answered(workers) and not _answered(workers[:2])
    finally:
        for worker, (_, w) in zip(workers, pipes, strict=True):
            worker.answers.close()
            os.close(w)


def _children() -> set[int]:
    """This process's child processes (zombies included)."""
    found = set()
    for task in os.listdir(f"/proc/{os.getpid()}/task"):
        with open(f"/proc/{os.getpid()}/task/{task}/children") as fh:
            found.update(int(pid) for pid in fh.read().split())
    return found


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="lists children from /proc")
def test_work_run_apart_answers_raises_and_is_killed_past_its_time() -> None:
    """From a thread as from the main one: the answer of another process, its
    exception, or JobTimedOut in about the limit, with no process left behind."""
    import threading

    from archiver.workerproc import run_apart

    before = _children()
    seen: dict[str, Any] = {}

    def work() -> None:
        seen["pid"] = run_apart(os.getpid, (), 10)
        seen["page"] = run_apart(extract_body, (news_page("Kenya deports 45", BODY).encode(),
                                                None, "text/html", "http://127.0.0.1/a",
                                                1 << 20), 10)
        try:
            run_apart(int, ("not a number",), 10)
        except ValueError as exc:
            seen["error"] = str(exc)
        started = time.monotonic()
        try:
            run_apart(time.sleep, (30,), 0.5)
        except JobTimedOut:
            seen["stopped_after"] = time.monotonic() - started

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=60)
    assert seen["pid"] not in (os.getpid(), None)
    assert seen["page"] is not None and seen["page"].headline == "Kenya deports 45"
    assert "not a number" in seen["error"]
    assert seen["stopped_after"] < 5
    assert _children() == before  # every child reaped, the stuck one killed


def test_a_pdf_sent_as_it_is_is_read_whole_past_the_inflation_limit(tmp_path: Path) -> None:
    """The limit bounds what a compressed body is inflated to; a PDF sent as it is
    was cut there, and its cross-reference table (at its end) with it: a 21 MB
    annual report had no headline nor date, though `archiver extract` read it."""
    import os

    from .pdfs import make_pdf

    pdf = make_pdf({"/Title": "Annual Report 2016", "/CreationDate": "D:20160620120000Z"},
                   "Annual Report 2016", drawing=b"%" + os.urandom(600_000).hex().encode()
                   + b"\n")
    limit = 256 * 1024
    assert len(pdf) > 2 * limit
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    for body in (path, pdf):
        page = extract_body(body, None, "application/pdf", "http://127.0.0.1/r.pdf", limit)
        assert page is not None and page.kind == "pdf"
        assert (page.headline, str(page.published)) == ("Annual Report 2016", "2016-06-20")
    # an HTML page is still read up to the limit only
    big = b"<html><body><h1>Title</h1>" + b"<p>x</p>" * (limit // 4) + b"</body></html>"
    page = extract_body(big, None, "text/html", "http://127.0.0.1/p", limit)
    assert page is not None and page.headline == "Title"


def _ran(log: Path, tag: str, seconds: float = 0.0) -> tuple[str, int]:
    """A job that says in *log* where it ran, then takes *seconds*."""
    with log.open("a") as fh:
        fh.write(f"{tag} {os.getpid()}\n")
    time.sleep(seconds)
    return tag, os.getpid()


def _killed_in_a_worker(parent: int) -> int:
    """A job that kills the worker running it (as a crash would); in *parent*, its pid."""
    if os.getpid() != parent:
        os.kill(os.getpid(), signal.SIGKILL)
    return os.getpid()


def test_a_worker_killed_while_the_pool_waits_costs_the_parent_no_cpu(
        caplog: pytest.LogCaptureFixture) -> None:
    """The dead worker's pipe stays at its end of file: watched still, the loop
    would read it on every pass (all of a core while the cycle waits for the
    network). It is dropped; the other worker goes on."""
    async def main() -> tuple[float, int, list[int], int]:
        pool = PagePool(2)
        pool.start()
        try:
            await asyncio.gather(*(pool.call(os.getpid) for _ in range(4)))
            alive, killed = pool.worker_pids()
            os.kill(killed, signal.SIGKILL)
            cpu = time.process_time()
            await asyncio.sleep(1.0)  # what is measured: the parent waiting
            cpu = time.process_time() - cpu
            return cpu, alive, pool.worker_pids(), await pool.call(os.getpid)
        finally:
            pool.close()

    with caplog.at_level(logging.WARNING, logger="archiver.cpupool"):
        cpu, alive, pids, answered_by = eventloop.run(main())
    assert cpu < 0.2, cpu
    assert pids == [alive] and answered_by == alive
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 1 and said[0].endswith(
        "died (killed by SIGKILL); its queued jobs go to the other workers (1 left)"), said


def test_when_a_worker_dies_the_other_workers_jobs_run_once(tmp_path: Path) -> None:
    """A worker killed by its job: that job runs again here (its caller gets its
    answer), the jobs queued behind it go to the other worker, and the jobs of
    that worker, answered by it, are neither given up nor run again."""
    log = tmp_path / "runs"

    async def main() -> tuple[list[Any], list[int], list[int], float]:
        pool = PagePool(2)
        pool.start()
        try:
            pids = pool.worker_pids()
            started = time.monotonic()
            # given in turn to the first worker and the second
            answers = await asyncio.gather(
                pool.call(_ran, log, "long", 1.0), pool.call(_killed_in_a_worker, os.getpid()),
                pool.call(_ran, log, "a1"), pool.call(_ran, log, "b1"),
                pool.call(_ran, log, "a2"), pool.call(_ran, log, "b2"))
            return list(answers), pids, pool.worker_pids(), time.monotonic() - started
        finally:
            pool.close()

    answers, (first, second), left, took = asyncio.run(main())
    assert answers[0] == ("long", first)
    assert answers[1] == os.getpid()  # the job in the dead worker's hands, run here
    assert answers[2:] == [("a1", first), ("b1", first), ("a2", first), ("b2", first)]
    runs = log.read_text().split("\n")[:-1]
    assert sorted(runs) == sorted(f"{tag} {first}" for tag in ("long", "a1", "b1", "a2", "b2"))
    assert left == [first] and took < 1.9, took


class _TwoArguments(Exception):
    """An exception pickle cannot rebuild: its ``args`` are one string."""

    def __init__(self, a: str, b: str) -> None:
        super().__init__(f"{a}/{b}")


def _raise_two_arguments(tag: str) -> str:
    if tag == "bad":
        raise _TwoArguments("x", "y")
    return f"result of {tag}"


def _unreadable_here(parent: int) -> None:
    """Unpickled in *parent*: it fails there."""
    if os.getpid() == parent:
        raise ValueError("cannot be read in the parent")


class _Unreadable:
    def __reduce__(self) -> tuple[Any, ...]:
        return _unreadable_here, (os.getppid(),)


def _answer_unreadable(tag: str) -> object:
    return _Unreadable() if tag == "bad" else f"result of {tag}"


@pytest.mark.parametrize("job", [_raise_two_arguments, _answer_unreadable])
def test_an_answer_the_parent_cannot_rebuild_fails_its_own_job_alone(
        job: Callable[[str], Any]) -> None:
    """Read past, it would leave its job first in line: every later answer of
    the worker would go to the job before its own."""
    tags = ["bad", "A", "B", "C"]

    async def main() -> list[Any]:
        pool = PagePool(1, job_seconds=2.0)
        pool.start()
        try:
            return list(await asyncio.gather(*(pool.call(job, t) for t in tags),
                                             return_exceptions=True))
        finally:
            pool.close()

    bad, *good = asyncio.run(main())
    assert good == ["result of A", "result of B", "result of C"]
    if job is _raise_two_arguments:  # sent as a RuntimeError naming it
        assert isinstance(bad, RuntimeError) and "_TwoArguments('x/y')" in str(bad), repr(bad)
    else:
        assert isinstance(bad, ValueError) and str(bad) == "cannot be read in the parent"


def test_workers_ignore_stop_signals_sent_to_the_process_group(
        caplog: pytest.LogCaptureFixture) -> None:
    """Ctrl-C, a closed terminal or systemctl stop signal every process of the
    group: the parent stops the cycle, its workers answer until it closes them."""
    async def main() -> tuple[list[int], list[int]]:
        pool = PagePool(1)
        pool.start()
        try:
            pids = pool.worker_pids()
            assert await pool.call(os.getpid) == pids[0]  # serving, its signals set
            for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
                os.kill(pids[0], sig)
            return pids, list(await asyncio.gather(*(pool.call(os.getpid) for _ in range(3))))
        finally:
            pool.close()

    with caplog.at_level(logging.WARNING, logger="archiver.cpupool"):
        pids, answered_by = asyncio.run(main())
    assert answered_by == pids * 3
    assert caplog.records == []
    assert not Path(f"/proc/{pids[0]}").exists()  # closed: ended and reaped


def test_closing_a_pool_kills_at_once_the_workers_that_have_jobs(tmp_path: Path) -> None:
    """Their answers would be thrown away: a worker is not left to run the jobs
    queued in its pipe (seconds each) before it sees the pipe closed."""
    log = tmp_path / "runs"

    async def main() -> tuple[list[int], float]:
        pool = PagePool(1)
        pool.start()
        pids = pool.worker_pids()
        calls = [asyncio.ensure_future(pool.call(_ran, log, f"job{i}", 2.0)) for i in range(4)]
        deadline = time.monotonic() + 10
        while not log.exists() and time.monotonic() < deadline:  # the first in hand
            await asyncio.sleep(0.01)
        for call in calls:
            call.cancel()
        await asyncio.gather(*calls, return_exceptions=True)
        started = time.monotonic()
        pool.close()
        return pids, time.monotonic() - started

    pids, took = asyncio.run(main())
    assert took < 1.5, took
    assert not Path(f"/proc/{pids[0]}").exists()
    assert log.read_text() == f"job0 {pids[0]}\n"  # none of those queued behind it


def test_a_parent_that_exits_without_closing_its_pool_ends_its_workers() -> None:
    """Workers ignore SIGTERM, with which multiprocessing ends its children at
    exit before it waits for them: the pool's own exit handler kills them."""
    done, pids = _parent_of_two_workers("pass  # the pool is never closed")
    assert done.returncode == 0, done.stderr
    assert len(pids) == 2
    for pid in pids:  # reaped by the parent before it exited
        assert not Path(f"/proc/{pid}").exists()
