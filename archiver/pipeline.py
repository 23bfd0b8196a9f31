"""One cycle over the sources: fetch → WARC → extract → classify → store.

Both the CLI (``run``, ``check``, ``worker --once``) and the scheduler call
:func:`run_cycle`. For every distinct URL of the sources file (as requested:
``http://HOST/a#main`` and ``http://host/a`` are one URL):

1. fetch it hop by hop (``fetch.Fetcher``), bodies streamed to temp files;
2. write every hop to the WARC (``capture.CaptureWriter``): a full ``response``
   when the payload is new, a ``revisit`` when its digest equals the last
   capture of that URL;
3. extract headline, date and main text from the final 2xx body;
4. probe a random sibling URL of the origin once per run (soft-404 test);
5. classify each citation of the URL against its first snapshot and event;
6. store the rows — only after the WARC records they point at are synced.

Failures that say nothing about the link when the machine itself is offline
(name resolution, refused connections, timeouts) are classified at the end of
the cycle, once it is known whether any host resolved at all.

A cycle interrupted by a crash or a stop is resumed by the next one: the
citations it already checked are not fetched again.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import json
import logging
import os
import random
import sqlite3
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import SOFTWARE
from .capture import Archiving, CaptureWriter, fetch_specs
from .classify import http_status_of
from .cpupool import MIN_URLS, PagePool, extract_body, worker_count
from .exceptions import StorageError
from .fetch import Fetcher, discard, make_client
from .judgement import CITED_PAGE_STATUSES, Judgement, analyse, assess
from .models import (
    CheckOutcome,
    Citation,
    CycleSummary,
    Event,
    FailureHistory,
    FetchResult,
    Hop,
    PageInfo,
    Probe,
    Sources,
    Verdict,
)
from .politeness import Stopped
from .settings import Settings
from .store import Store, StoredBaseline, iso, now_utc
from .storeopen import open_store
from .urlsigns import probe_url
from .warc import (
    Record,
    WarcWriter,
)
from .warcparts import payload_digest_of
from .warcread import archive_paths, prepare_archive, record_closed_files, vouch_for
from .workerproc import JobTimedOut
from .worklist import Cited, Subjects, Worklist

LOGGER = logging.getLogger(__name__)

#: Errors that, when the whole machine is offline, say nothing about the link.
OFFLINE_SENSITIVE = frozenset({"dns", "refused", "connect", "timeout", "tls"})
#: URLs between two WARC syncs and commits, at most (each costs some 3 ms: an
#: fsync and a commit), and seconds.
FLUSH_EVERY = 64
FLUSH_SECONDS = 2.0


ProgressFn = Callable[[str, CheckOutcome | None, int | None], None]


def _origin(url: str) -> str:
    p = urllib.parse.urlsplit(url)
    return f"{p.scheme}://{p.netloc}".lower()


def _body(hop: Hop | None, settings: Settings) -> tuple[Any, ...] | None:
    """The arguments of :func:`extract_body` for *hop*'s body; None when it has no page.

    Error answers are extracted too: a bot wall or challenge page often comes
    with a 403 or 503 status, and only its wording tells it from an outage.
    """
    if hop is None or hop.status is None or hop.is_redirect or hop.body_size == 0:
        return None
    return (hop.body, hop.codings(), hop.header("content-type"),
            hop.url, settings.fetch.max_decoded_bytes)


def _left_unread(url: str, seconds: float) -> None:
    LOGGER.warning("%s: page left unread: its extraction ran past %g s", url, seconds)


def _as_first_captured(result: FetchResult, baseline: StoredBaseline | None) -> bool:
    """True when the final answer is, byte for byte, the first snapshot's.

    Extraction is pure, so the same bytes from the same URL give the same
    page: an unchanged page (the common case of a re-check) is not parsed again.
    """
    final = result.final
    return baseline is not None and bool(baseline.payload_digest) and final is not None \
        and final.status is not None and 200 <= final.status < 300 \
        and not final.truncated and result.final_url == baseline.final_url \
        and final.payload_digest == baseline.payload_digest


class Cycle:
    """The state of one running cycle."""

    def __init__(self, *, settings: Settings, store: Store,
                 fetcher: Fetcher, writer: WarcWriter, cycle_id: int,
                 progress: ProgressFn | None, pool: PagePool | None = None) -> None:
        self.settings = settings
        self.pool = pool or PagePool(0)
        self.store = store
        self.fetcher = fetcher
        self.writer = writer
        self.captures = CaptureWriter(store, writer, settings)
        self.cycle_id = cycle_id
        self.progress = progress
        self.summary = CycleSummary(cycle_id=cycle_id, started=now_utc())
        self._pending: list[Callable[[], None]] = []
        self._pending_urls = 0  # URLs whose rows are in _pending
        self._shown: list[CheckOutcome] = []  # results told once their rows are committed
        self._last_flush = time.monotonic()
        self._probes: dict[str, asyncio.Future[Probe | None]] = {}
        self._deferred: list[tuple[FetchResult, Cited, dict[str, int | None]]] = []
        # the URLs in hand whose citations have (or will have) a check: only the
        # URL in hand is asked about (record_failure), and a URL is let go when
        # done (done_with), so the set holds no more than the URLs in flight
        self._judged: set[str] = set()
        # a defect met on a URL (record_failure) may leave records written whose
        # rows are not: its fetch's, or a batch rolled back by a failed flush
        self.rows_unsure = False
        self._rng = random.Random()

    # -- storing ------------------------------------------------------------
    def _queue(self, op: Callable[[], None]) -> None:
        self._pending.append(op)

    def flush(self, force: bool = False) -> None:
        """Sync the WARC, then commit every queued row (the order crash safety needs),
        then tell the progress the results committed: a result shown is kept, even
        if the process is killed the next moment."""
        if not self._pending:
            return
        if not force and self._pending_urls < FLUSH_EVERY and \
                time.monotonic() - self._last_flush < FLUSH_SECONDS:
            return
        self.writer.sync()
        ops, self._pending, self._pending_urls = self._pending, [], 0
        shown, self._shown = self._shown, []
        with self.store.transaction():
            for op in ops:
                op()
        self._last_flush = time.monotonic()
        if self.progress:
            for outcome in shown:
                self.progress("result", outcome, None)

    # -- probes -------------------------------------------------------------
    def _stopping(self) -> bool:
        stop = self.fetcher.politeness.stop
        return stop is not None and stop.is_set()

    async def _probe(self, url: str) -> Probe | None:
        p = urllib.parse.urlsplit(url)
        path = p.path or "/"
        segments = path.strip("/").split("/")
        # one probe a site's section: its years ("/2016/05/...", "/2018/12/...")
        # are one (a dated URL's section is its site's dated articles); the
        # pages at its root ("/a.html", "/article-17") are one too, their
        # probes all a random name at the root, and so are its folders there
        # ("/kenya-deports-45/"), probed by a random folder at the root
        first = segments[0] if len(segments) > 1 else "/" if path.endswith("/") else ""
        key = f"{_origin(url)}/{'#' if first.isdigit() else first}"
        fut = self._probes.get(key)
        if fut is None and self._stopping():  # no new request once stopping: no evidence
            return None
        if fut is None:
            fut = asyncio.get_running_loop().create_future()
            self._probes[key] = fut
            try:
                purl = probe_url(url, self._rng)
                res = await self.fetcher.fetch_probe(purl)  # one try: only evidence
                try:
                    final = res.final
                    status = final.status if final else None
                    # only the page of a probe answered 2xx is compared with the
                    # cited page (classify._soft_404): a site's 404 page is not read
                    page = await self._extract(final) \
                        if status is not None and 200 <= status < 300 else None
                    fut.set_result(Probe(url=purl, final_url=res.final_url, status=status,
                                         page=page))
                finally:
                    discard(res)
            except Exception:  # a failed probe only means: no probe evidence
                LOGGER.debug("probe failed for %s", url, exc_info=True)
                fut.set_result(None)
        return await fut

    # -- one URL ------------------------------------------------------------
    async def process(self, url: str, cited: Cited) -> None:
        started = time.monotonic()
        result = await self.fetcher.fetch(url)
        try:
            final = result.final
            for h in result.hops:
                if h.status is not None and h.body is not None:
                    h.payload_digest = payload_digest_of(h.body)
            stored = self.store.baseline_stored(url)
            same = _as_first_captured(result, stored)
            probe = None
            unprobed = False  # a probe wanted, and none made: the cycle is stopping
            # A page that answers with the very bytes of its first snapshot, at
            # the same final URL, is that page: a random sibling URL cannot make
            # it an error page (classify keeps a page "as before" whatever the
            # probe says). Nor, redirected as then, a site's catch-all: the
            # snapshot was kept because the probe of its first capture did not
            # land where it did, and no site sends every unknown URL to one
            # article whose bytes never change (a moved citation is re-checked
            # with no probe each cycle, as an unmoved one is).
            if final is not None and final.status is not None and 200 <= final.status < 300 \
                    and not same:
                probe = await self._probe(url)
                unprobed = probe is None and self._stopping()
            hops = [h for h in result.hops if h.status is not None]
            plans = [self.captures.plan(h, h.payload_digest) for h in hops]
            judged: Judgement | None = None
            records: list[tuple[Record | None, Record]] | None = None
            if result.error in OFFLINE_SENSITIVE:  # judged at the end of the cycle
                page = stored.load().page if same and stored is not None \
                    else await self._extract(final)
            else:
                page, judged, records = await self._analyse(
                    result, same, probe, cited, stored=stored,
                    archiving=self.captures.archiving(hops, plans))
            rows, meta = self.captures.write(
                records if records is not None
                else fetch_specs(result, plans, page, self.settings.fetch.user_agent),
                hops, plans)
        finally:
            discard(result)
        if not unprobed:
            self.summary.fetched += 1
        status, elapsed = http_status_of(result), time.monotonic() - started
        if LOGGER.isEnabledFor(logging.INFO):
            size = sum(h.body_size for h in result.hops)
            LOGGER.info("fetch %s status=%s bytes=%s time=%.3fs error=%s", url, status, size,
                        elapsed, result.error or "-",
                        extra={"url": url, "http_status": status, "bytes": size,
                               "seconds": round(elapsed, 3), "error": result.error})
        fetch_row = {
            "cycle_id": self.cycle_id, "url": url,
            "started": iso(result.hops[0].started) if result.hops else iso(now_utc()),
            "error": result.error, "error_detail": result.error_detail,
            "attempts": result.attempts, "http_status": status,
            "final_url": result.final_url, "hops": len(result.hops),
            "elapsed": round(elapsed, 4),
        }
        ids: dict[str, int | None] = {"fetch": None, "capture": None}

        def store_fetch() -> None:
            ids["fetch"] = self.store.insert_fetch(fetch_row)
            for i, row in enumerate(rows):
                row = dict(row, fetch_id=ids["fetch"], hop=i, final_url=result.final_url)
                if i == len(rows) - 1:
                    row.update(headline=page.headline if page else None,
                               published=page.published.isoformat()
                               if page and page.published else None)
                    if meta is not None:
                        row.update(meta_file=meta.filename, meta_offset=meta.offset,
                                   meta_length=meta.length, meta_record_id=meta.record_id,
                                   meta_block_digest=meta.block_digest)
                ids["capture"] = self.store.insert_capture(row)

        self._queue(store_fetch)
        self._pending_urls += 1
        if unprobed:
            # archived, but not judged: without the answer to a random sibling URL, a
            # site's error page served with 200 to every path would pass for the page
            # (and, on a first capture, be kept as its first snapshot); the next run,
            # which goes on from there, checks it
            LOGGER.info("%s: captured, not checked: the cycle stopped before its probe", url)
            self.flush()
            return
        self._judged.add(url)
        if judged is None:
            self._deferred.append((result, cited, ids))
        else:
            self._apply(judged, result, page, ids)
        self.flush()

    def record_failure(self, url: str, cited: Cited, exc: Exception) -> None:
        """Log a defect met on *url* (called while handling it): its citations are
        ``unreachable`` by the rule ``internal-error``, not counted towards dead."""
        LOGGER.exception("unexpected error while processing %s", url)
        self.rows_unsure = True
        if url not in self._judged:
            self._judged.add(url)
            reason = (f"archiver failed on this URL ({type(exc).__name__}: {exc}); not "
                      "counted as a failure of the link; the log has the details.")
            for c, event, history in zip(*self._inputs(cited), strict=True):
                verdict = Verdict("unreachable", "internal-error", reason,
                                  history.consecutive_failures, history.first_failure_at)
                self._record(c, event, FetchResult(url), None, verdict, [], dict.fromkeys(
                    ("fetch", "capture")))
            self.flush()

    def done_with(self, url: str) -> None:
        """Forget *url*, handled (its rows queued, or its failure recorded)."""
        self._judged.discard(url)

    async def _extract(self, hop: Hop | None) -> PageInfo | None:
        """Extraction of *hop*'s body, in a worker process when the cycle has them
        (None when there is no body, or its extraction ran past the pool's limit)."""
        body = _body(hop, self.settings)
        if hop is None or body is None:
            return None
        try:
            return await self.pool.call(extract_body, *body)
        except JobTimedOut:
            _left_unread(hop.url, self.pool.job_seconds)
            return None

    def _judge(self, result: FetchResult, page: PageInfo | None, probe: Probe | None,
               cited: Cited, *, network_down: bool, ids: dict[str, int | None]) -> None:
        """Classify and record the citations of one fetched URL, in this process."""
        citations, events, histories = self._inputs(cited)
        verdicts, blob = assess(result, page, self.store.baseline(result.url), probe, events,
                                histories, network_down, now_utc(), self.settings.check)
        self._apply(Judgement(citations, events, verdicts, None, blob), result, page, ids)

    async def _analyse(self, result: FetchResult, same: bool, probe: Probe | None,
                       cited: Cited, *, stored: StoredBaseline | None,
                       archiving: Archiving | None,
                       ) -> tuple[PageInfo | None, Judgement,
                                  list[tuple[Record | None, Record]] | None]:
        """Extraction of the final page (the first snapshot's when *same*), the
        verdicts of the URL's citations and the records of *archiving*, in one
        trip to a worker process.

        The page comes back without its main text (:func:`analyse`): from
        here on, only its headline and date are used. When that trip runs past
        the pool's time limit, the URL is judged and archived here without
        its page's extraction.
        """
        citations, events, histories = self._inputs(cited)
        body = None if same else _body(result.final, self.settings)
        try:
            page, verdicts, blob, records = await self.pool.call(
                analyse, body, stored, same, result, probe, events, histories, now_utc(),
                self.settings.check, archiving)
        except JobTimedOut:
            _left_unread(result.final_url or result.url, self.pool.job_seconds)
            page, verdicts, blob, records = analyse(
                None, stored, False, result, probe, events, histories, now_utc(),
                self.settings.check, archiving)
            note = f"; the page was left unread (reading it ran past {self.pool.job_seconds:g} s)"
            verdicts = [(dataclasses.replace(v, reason=v.reason.rstrip(".") + note + "."), flags)
                        for v, flags in verdicts]
        final_digest = result.final.payload_digest if result.final is not None else None
        return page, Judgement(citations, events, verdicts, final_digest, blob), records

    def _inputs(self, cited: Cited) -> tuple[list[Citation], list[Event], list[FailureHistory]]:
        """The citations of a URL, their events and their histories of failures."""
        citations = list(cited.citations)
        histories = [self.store.failure_history(c.event_id, c.url) for c in citations]
        return citations, list(cited.events), histories

    def _apply(self, judged: Judgement, result: FetchResult, page: PageInfo | None,
               ids: dict[str, int | None]) -> None:
        """Queue the check rows of *judged*, and the first snapshot if :func:`assess`
        made one (its stored form, *judged.blob*)."""
        for c, event, (verdict, flags) in zip(judged.citations, judged.events, judged.verdicts,
                                              strict=True):
            self._record(c, event, result, page, verdict, flags, ids)
        blob = judged.blob
        if blob is not None and page is not None:
            url, final = result.url, result.final
            captured_at = final.started if final else now_utc()

            def store_baseline() -> None:
                self.store.set_baseline(url, ids["capture"], captured_at, result.final_url,
                                        judged.final_digest, page, blob)

            self._queue(store_baseline)

    def _record(self, c: Citation, event: Event, result: FetchResult, page: PageInfo | None,
                verdict: Verdict, flags: list[str], ids: dict[str, int | None]) -> None:
        checked_at = iso(now_utc())
        outcome = CheckOutcome(c.event_id, c.url, verdict.status, verdict.reason,
                               http_status_of(result), None)
        # the headline and date of the cited page: not those of an error page,
        # a challenge, a home page or a parked domain answering in its place
        shown = page if verdict.status in CITED_PAGE_STATUSES else None

        def store_check() -> None:
            row = {
                "cycle_id": self.cycle_id, "event_id": c.event_id, "url": c.url,
                "checked_at": checked_at, "status": verdict.status, "rule": verdict.rule,
                "reason": verdict.reason, "http_status": http_status_of(result),
                "final_url": result.final_url,
                "headline": shown.headline if shown else None,
                "published": shown.published.isoformat() if shown and shown.published else None,
                "flags": json.dumps(list(flags)), "fetch_id": ids["fetch"],
                "capture_id": ids["capture"],
                "consecutive_failures": verdict.consecutive_failures,
                "first_failure_at": iso(verdict.first_failure_at),
            }
            outcome.previous_status = self.store.record_check(row)
            if outcome.previous_status != outcome.status:
                self.summary.changed += 1

        self._queue(store_check)
        counts = self.summary.counts
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
        if self.progress:
            self._shown.append(outcome)  # told when committed (see flush)

    def network_down(self) -> bool:
        """True when the failures say nothing about the links (see ``FetchStats.offline``)."""
        return bool(self.fetcher.stats.offline)

    def judge_deferred(self) -> None:
        down = self.network_down()
        self.summary.network_down = down
        for result, cited, ids in self._deferred:
            self._judge(result, None, None, cited, network_down=down, ids=ids)
        self._deferred.clear()


def resumable_cycle(store: Store, sources: Sources
                    ) -> tuple[int, set[tuple[str, str]]] | None:
    """The cycle a stop or a crash left with citations of *sources* still to
    check (not one of another sources file: ``Store.unfinished_cycle``), and
    the citations (event, URL) it checked; None when there is none. One left
    with none to check (stopped, or killed, after its last check) is closed
    here: the next cycle is a new one."""
    cycle_id = store.unfinished_cycle(sources.path)
    if cycle_id is None:
        return None
    done = {(c["event_id"], c["url"]) for c in store.checks_of_cycle(cycle_id)}
    if any((c.event_id, c.url) not in done for c in sources.citations):
        return cycle_id, done
    store.finish_cycle(cycle_id)
    return None


async def run_cycle(sources: Sources, *, archive: Path, settings: Settings,
                    progress: ProgressFn | None = None, stop: asyncio.Event | None = None,
                    store: Store | None = None) -> CycleSummary:
    """Run (or resume) one cycle over *sources*. The caller holds the archive lock."""
    own_store = store is None
    store = store or open_store(archive)
    paths = archive_paths(archive)
    thresholds = gc.get_threshold()
    try:
        for message in prepare_archive(archive, store):
            LOGGER.warning("%s", message)
        # the files a crashed cycle left, closed now: vouched for at once, not
        # at the end of this cycle (which may not come)
        record_closed_files(store, paths["warc"])
        store.sync_sources(sources)
        resumed = resumable_cycle(store, sources)
        skipped, checked_in = 0, None
        if resumed is not None:
            cycle_id, skipped = resumed[0], len(resumed[1])
            checked_in = cycle_id
            LOGGER.info("resuming cycle %s (%d citations already checked)", cycle_id, skipped)
        else:
            cycle_id = store.start_cycle(sources.path, os.getpid())
        del resumed  # (the citations checked: checked_in says them again)
        # from here on the citations are read from the database (worklist):
        # the sources are let go (a caller that hands them over, as the CLI
        # does, holds no more than a few URLs' citations through the cycle)
        work = Worklist(store, Subjects(sources), checked_in=checked_in)
        sources_path = sources.path
        del sources
        # workers fork before the client exists: they inherit no connection
        pool = PagePool(worker_count(settings.check.processes) if len(work) >= MIN_URLS else 0)
        _space_collections(thresholds)  # before the fork: the workers inherit it
        pool.start()
        try:
            async with make_client(settings.fetch) as client:
                fetcher = Fetcher(client, settings.fetch, paths["tmp"], stop=stop)
                writer = WarcWriter(paths["warc"], settings.warc, SOFTWARE,
                                    {"operator": "archiver", "sources": str(sources_path)},
                                    on_open=store.note_warc_file,
                                    on_close=lambda name: vouch_for(store, paths["warc"] / name))
                cycle = Cycle(settings=settings, store=store, fetcher=fetcher, writer=writer,
                              cycle_id=cycle_id, progress=progress, pool=pool)
                cycle.summary.urls = len(work)
                cycle.summary.skipped = skipped
                if progress:
                    progress("start", None, work.citations)
                try:
                    # twice the URLs of the requests let in flight (the fetcher holds
                    # those to fetch.concurrency): while a URL's page is analysed,
                    # written, or waits for its probe, another URL's request is out
                    try:
                        await _drive(cycle, work, 2 * settings.fetch.concurrency, stop)
                    except StorageError:
                        # the records written are whole (a failed write is cut
                        # back): their rows are kept if the database can take them
                        with contextlib.suppress(StorageError, sqlite3.Error, OSError):
                            cycle.flush(force=True)
                        raise
                    cycle.judge_deferred()
                    cycle.flush(force=True)
                finally:
                    writer.close()
                    record_closed_files(store, paths["warc"])
        finally:
            pool.close()
        # every row of every record written is committed: verify may name a
        # record of these files that no row names (not of a file a crash left)
        if not cycle.rows_unsure:
            store.mark_rows_complete(writer.closed_files)
        cycle.summary.stopped = stop is not None and stop.is_set()
        store.finish_cycle(cycle_id, "interrupted" if cycle.summary.interrupted else "finished")
        cycle.summary.finished = now_utc()
        return cycle.summary
    finally:
        gc.set_threshold(*thresholds)
        if own_store:
            store.close()


#: Net allocations of container objects between two collections of Python's
#: youngest generation during a cycle (the default, 700, is set again after).
#: The cycle's objects are short-lived and free each other without the cyclic
#: collector; at 700, a 10,000-URL capture in one process ran 740 youngest,
#: 68 middle and 6 full collections, 0.48 s of its 25 s of CPU; at 10,000,
#: 9, 1 and none, 0.02 s. Cyclic garbage waits longer: some 10,000 objects.
GC_YOUNGEST = 10_000


def _space_collections(thresholds: tuple[int, int, int]) -> None:
    """Space the collections of the youngest generation out, for a cycle."""
    gc.set_threshold(max(thresholds[0], GC_YOUNGEST), *thresholds[1:])


async def _drive(cycle: Cycle, work: Worklist, concurrency: int,
                 stop: asyncio.Event | None) -> None:
    """Process URLs, at most *concurrency* at once; stop taking new ones on *stop*."""
    items = iter(work)  # work does not change while the workers run

    async def worker() -> None:
        for url, cited in items:
            if stop is not None and stop.is_set():
                return
            try:
                await cycle.process(url, cited)
            except Stopped:  # its request was not made: the resumed cycle checks it
                return
            except StorageError:
                raise
            except Exception as exc:  # one bad page must not stop the cycle
                cycle.record_failure(url, cited, exc)
            finally:
                cycle.done_with(url)

    tasks = [asyncio.create_task(worker()) for _ in range(max(1, min(concurrency, len(work))))]
    try:
        await asyncio.gather(*tasks)
    finally:  # after a failure (a full disk) the others stop too, before the WARC closes
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
