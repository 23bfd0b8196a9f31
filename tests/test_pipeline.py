"""The capture spine end to end: loopback site → fetch → WARC → extract → store."""

from __future__ import annotations

import asyncio
import datetime as dt
import gzip
import io
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfWriter
from warcio.archiveiterator import ArchiveIterator

from archiver.pipeline import run_cycle
from archiver.sources import load_sources
from archiver.storeopen import open_store

from .lab import Route, Site, news_page
from .sourcesfile import lab_settings, write_sources

BIG5_HEADLINE = "台灣抗議馬來西亞遣返詐騙嫌犯至中國"


def make_pdf(title: str, created: str) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": title, "/CreationDate": created})
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


@pytest.fixture
def news_site() -> Site:
    site = Site().start()
    article = news_page("Taiwan slams Malaysia over deportations",
                        "Taiwan protested on Tuesday after Malaysia deported 32 Taiwanese"
                        " to China.\n\nThe suspects were accused of telecom fraud.",
                        published="2016-05-03")
    site.page("/2016/05/03/taiwan-slams-malaysia/", article, gzip=True, chunked=True)
    site.redirect("/old-link", "/moved-once", status=301)
    site.redirect("/moved-once", "/2016/05/03/taiwan-slams-malaysia/", status=302)
    big5 = (f'<html><head><meta charset="big5"><title>{BIG5_HEADLINE} - 台灣新聞</title>'
            f'</head><body><h1>{BIG5_HEADLINE}</h1><p>2016年12月1日 馬來西亞將21名台灣人遣返中國。'
            '</p></body></html>')
    site.page("/big5", big5.encode("big5"), content_type="text/html")
    site.page("/doc.pdf", make_pdf("Deportation of nationals to the PRC", "D:20161129120000Z"),
              content_type="application/pdf")
    yield site
    site.stop()


def test_capture_cycle_end_to_end(news_site: Site, tmp_path: Path) -> None:
    urls = [news_site.url(p) for p in
            ("/2016/05/03/taiwan-slams-malaysia/", "/old-link", "/big5", "/doc.pdf", "/gone")]
    src = write_sources(tmp_path / "sources.yaml", [
        {"id": "2016-05-01-malaysia", "date": "2016-05-01", "country": "Malaysia",
         "sources": urls[:2]},
        {"id": "2016-11-29-malaysia", "date": "2016-11-29", "country": "Malaysia",
         "sources": urls[2:]},
    ])
    archive = tmp_path / "archive"
    summary = asyncio.run(run_cycle(load_sources(src), archive=archive, settings=lab_settings()))
    assert summary.fetched == 5
    assert summary.checked == 5 and summary.counts["dead"] == 1
    assert summary.changed == 5  # a first check: every status is new
    checks = open_store(archive)
    statuses = {o["url"]: o["status"] for o in checks.checks_of_cycle(summary.cycle_id)}
    checks.close()
    assert statuses[urls[4]] == "dead"
    assert statuses[urls[0]] == "alive"
    assert statuses[urls[2]] == "alive"

    warcs = sorted((archive / "warc").glob("*.warc.gz"))
    assert warcs and not list((archive / "warc").glob("*.open"))
    if shutil.which("warcio"):
        for w in warcs:
            subprocess.run(["warcio", "check", str(w)], check=True, capture_output=True)

    store = open_store(archive)
    try:
        rows = {(r["url"], r["record_type"]): r for r in store.all_captures()}
        # every hop of the redirect chain is its own record
        assert (urls[1], "response") in rows
        assert (news_site.url("/moved-once"), "response") in rows
        art = rows[(urls[0], "response")]
        # the payload in the WARC is exactly what the server sent (gzip stays gzip)
        sent = news_site.routes["/2016/05/03/taiwan-slams-malaysia/"].body
        with open(archive / "warc" / art["warc_file"], "rb") as fh:
            fh.seek(art["warc_offset"])
            record = next(iter(ArchiveIterator(fh)))
            assert record.rec_type == "response"
            assert record.rec_headers.get_header("WARC-Target-URI") == urls[0]
            assert record.rec_headers.get_header("WARC-IP-Address") == "127.0.0.1"
            got = record.raw_stream.read()
        assert got == sent
        assert gzip.decompress(got).startswith(b"<!DOCTYPE html>")
        assert art["headline"] == "Taiwan slams Malaysia over deportations"
        assert art["published"] == "2016-05-03"
        assert rows[(urls[2], "response")]["headline"] == BIG5_HEADLINE
        pdf = rows[(urls[3], "response")]
        assert pdf["headline"] == "Deportation of nationals to the PRC"
        assert pdf["published"] == "2016-11-29"
        # failed and successful fetches are rows; the 404 is a capture too
        assert rows[(urls[4], "response")]["http_status"] == 404
        assert store.integrity() == "ok"
        assert store.baseline(urls[0]) is not None
        assert store.baseline(urls[4]) is None
    finally:
        store.close()


def test_unresolvable_hosts_finish_fast_and_say_why(tmp_path: Path) -> None:
    """No internet (or names that do not exist): every URL fails with a clear reason, fast."""
    urls = [f"https://host{i}.invalid/article" for i in range(4)]
    src = write_sources(tmp_path / "s.yaml", [
        {"id": "e", "date": "2016-05-01", "country": "Kenya", "sources": urls}])
    archive = tmp_path / "archive"
    t0 = dt.datetime.now()
    proc = subprocess.run([sys.executable, "-m", "archiver.cli", "run", "--sources", str(src),
                           "--archive", str(archive), "--format", "json"],
                          capture_output=True, text=True, timeout=60)
    elapsed = (dt.datetime.now() - t0).total_seconds()
    assert elapsed < 30
    assert "Traceback" not in proc.stderr
    report = json.loads(proc.stdout)
    assert len(report["results"]) == 4
    for r in report["results"]:
        assert r["status"] == "unreachable"
        assert "network" in r["reason"].lower() or "resol" in r["reason"].lower()
        assert r["consecutive_failures"] == 0  # not counted towards dead
    assert proc.returncode == 0


def _capture_of(site: Site, tmp_path: Path, paths: list[str]) -> tuple[dict[str, int], list[str]]:
    """A first capture of *paths* of *site*: its counts, and the paths the site
    was asked for that no citation names (the probes)."""
    sources = load_sources(write_sources(tmp_path / "sources.yaml", [
        {"id": "e1", "date": "2016-05-01", "country": "Malaysia",
         "sources": [site.url(p) for p in paths]}]))
    summary = asyncio.run(run_cycle(sources, archive=tmp_path / "archive",
                                    settings=lab_settings()))
    return summary.counts, [h.path for h in site.hits if h.path not in paths]


def _first_capture_probes(tmp_path: Path, paths: list[str]) -> tuple[dict[str, int], list[str]]:
    """:func:`_capture_of` a site of articles at *paths*."""
    with Site() as site:
        for i, path in enumerate(paths):
            site.page(path, news_page(f"Malaysia detains {40 + i}", "Police detained them.\n\n"
                                      "They were deported on Friday."))
        return _capture_of(site, tmp_path, paths)


def test_a_probe_answered_404_is_not_extracted(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Only a probe answered 2xx is compared with the cited page: a site's 404
    page (here a full template) is fetched, archived as evidence, never read."""
    import archiver.pipeline as pipeline

    extracted: list[str] = []
    extract = pipeline.Cycle._extract

    async def recording(self: pipeline.Cycle, hop: Any) -> Any:
        extracted.append(hop.url if hop is not None else "")
        return await extract(self, hop)

    monkeypatch.setattr(pipeline.Cycle, "_extract", recording)
    with Site() as site:
        site.page("/news/a.html", news_page("Malaysia detains 40", "Police detained 40.\n\n"
                                            "They were deported on Friday."))
        site.fallback = Route(404, [("Content-Type", "text/html")],
                              news_page("Page not found", "Try the search. " * 500).encode())
        counts, probes = _capture_of(site, tmp_path, ["/news/a.html"])
    assert counts == {"alive": 1}
    assert len(probes) == 1  # the probe was sent and answered 404 ...
    assert not any(url.endswith(probes[0]) for url in extracted)  # ... and not read


def test_one_probe_serves_a_sections_urls_and_a_sites_years(tmp_path: Path) -> None:
    """The soft-404 probe is made once for each section of a site: for the
    citations under /news/, and once for its dated URLs of every year
    ("/2016/05/...", "/2018/12/...", as WordPress writes them), not once a year."""
    counts, probes = _first_capture_probes(tmp_path, [
        "/news/a.html", "/news/b.html", "/2016/05/c.html", "/2018/12/d.html", "/2021/01/e.html"])
    assert counts == {"alive": 5}
    assert len(probes) == 2, probes
    assert sum(p.startswith("/news/") for p in probes) == 1


def test_one_probe_serves_the_pages_at_a_sites_root(tmp_path: Path) -> None:
    """Articles at the root of a site ("/a.html", "/article-17") share one probe:
    each one's would be a random name at the root. Folders at the root
    ("/kenya-deports-45/", as WordPress writes its posts' addresses) share
    another: a random folder beside them, not a name below each."""
    counts, probes = _first_capture_probes(tmp_path, [
        "/a.html", "/b.html", "/article-17", "/kenya-deports-45/", "/malaysia-detains-40/"])
    assert counts == {"alive": 5}
    assert len(probes) == 2, probes
    assert sorted(p.count("/") for p in probes) == [1, 2], probes  # "/x" and "/y/"
    assert not any(p.startswith(("/kenya", "/malaysia")) for p in probes)


def test_a_post_whose_folder_answers_any_name_below_it_is_no_soft_404(tmp_path: Path) -> None:
    """A site that answers any name below a post's folder with the post (as some
    CMSs read past what follows an address they know) is not taken for one that
    answers every URL with the same page: the probe is a folder beside the post."""
    page = news_page("Kenya deports 45 to China", "Forty-five were deported.\n\n"
                     "Taiwan protested the decision.")
    with Site() as site:
        site.page("/kenya-deports-45/", page)
        site.below["/kenya-deports-45/"] = site.routes["/kenya-deports-45/"]
        counts, probes = _capture_of(site, tmp_path, ["/kenya-deports-45/"])
    assert counts == {"alive": 1}, counts
    assert len(probes) == 1 and not probes[0].startswith("/kenya-deports-45/")


def test_the_soft_404_probe_is_sent_only_when_the_page_is_not_as_first_captured(
        tmp_path: Path) -> None:
    """An unchanged page needs no random-sibling probe; a changed one gets it again."""
    body = "Police detained 40 foreign nationals.\n\nThey were deported on Friday."
    with Site() as site:
        site.page("/news/a.html", news_page("Malaysia detains 40", body))
        sources = load_sources(write_sources(tmp_path / "sources.yaml", [
            {"id": "e1", "date": "2016-05-01", "country": "Malaysia",
             "sources": [site.url("/news/a.html")]}]))
        archive, settings = tmp_path / "archive", lab_settings()

        def probes() -> int:
            return sum(1 for h in site.hits if h.path.startswith("/news/")
                       and h.path != "/news/a.html")

        asyncio.run(run_cycle(sources, archive=archive, settings=settings))
        assert probes() == 1
        asyncio.run(run_cycle(sources, archive=archive, settings=settings))
        assert probes() == 1  # same bytes as the first snapshot: no probe
        site.page("/news/a.html", news_page("Malaysia detains 40", body + "\n\nUpdated."))
        summary = asyncio.run(run_cycle(sources, archive=archive, settings=settings))
        assert probes() == 2  # changed: the probe decides whether it is an error page
        assert summary.counts == {"alive": 1} and summary.changed == 0
        assert len(site.hits_for("/news/a.html")) == 3


def test_a_moved_page_as_first_captured_is_re_checked_with_no_probe(tmp_path: Path) -> None:
    """A citation redirected to a page whose bytes are its first snapshot's needs
    no probe either; once the page changes, or the redirect leads elsewhere, the
    probe is sent again."""
    body = "Police detained 40 foreign nationals.\n\nThey were deported on Friday."
    with Site() as site:
        site.page("/news/a.html", news_page("Malaysia detains 40", body))
        site.redirect("/old/a.html", "/news/a.html", 301)
        sources = load_sources(write_sources(tmp_path / "sources.yaml", [
            {"id": "e1", "date": "2016-05-01", "country": "Malaysia",
             "sources": [site.url("/old/a.html")]}]))
        archive, settings = tmp_path / "archive", lab_settings()
        cited = {"/old/a.html", "/news/a.html", "/news/b.html"}

        def probes() -> int:
            return sum(1 for h in site.hits if h.path.startswith("/old/")
                       and h.path not in cited)

        assert asyncio.run(run_cycle(sources, archive=archive,
                                     settings=settings)).counts == {"moved": 1}
        assert probes() == 1
        assert asyncio.run(run_cycle(sources, archive=archive,
                                     settings=settings)).counts == {"moved": 1}
        assert probes() == 1  # redirected to the first snapshot's bytes: no probe
        site.page("/news/a.html", news_page("Malaysia detains 40", body + "\n\nUpdated."))
        assert asyncio.run(run_cycle(sources, archive=archive,
                                     settings=settings)).counts == {"moved": 1}
        assert probes() == 2  # changed: probed again
        site.page("/news/b.html", news_page("Malaysia detains 40", body))
        site.redirect("/old/a.html", "/news/b.html", 301)
        asyncio.run(run_cycle(sources, archive=archive, settings=settings))
        assert probes() == 3  # the same bytes, but somewhere else: probed again
        assert len(site.hits_for("/old/a.html")) == 4


def test_a_url_whose_processing_fails_is_still_reported(news_site: Site, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        caplog: pytest.LogCaptureFixture,
                                                        ) -> None:
    """A defect met on one URL (here, made to happen in the fetch) leaves its
    citations in the report, unreachable by the rule internal-error and not
    counted towards dead, and the other URLs are checked as usual."""
    from archiver.fetch import Fetcher

    good, bad = news_site.url("/big5"), news_site.url("/doc.pdf")
    fetch = Fetcher.fetch

    async def failing(self: Fetcher, url: str, *args: Any, **kwargs: Any) -> Any:
        if url == bad:
            raise RuntimeError("a defect met on this page")
        return await fetch(self, url, *args, **kwargs)

    monkeypatch.setattr(Fetcher, "fetch", failing)
    src = write_sources(tmp_path / "sources.yaml", [
        {"id": "a", "date": "2016-11-29", "country": "Malaysia", "sources": [good, bad]},
        {"id": "b", "date": "2016-11-29", "country": "Malaysia", "sources": [bad]}])
    archive = tmp_path / "archive"
    for _ in range(2):
        summary = asyncio.run(run_cycle(load_sources(src), archive=archive,
                                        settings=lab_settings()))
        assert summary.checked == 3
    from archiver.report import build_report

    store = open_store(archive)
    try:
        results = build_report(store)["results"]
    finally:
        store.close()
    by_key = {(r["event"], r["url"]): r for r in results}
    assert len(results) == 3
    assert by_key[("a", good)]["status"] == "alive"
    for key in (("a", bad), ("b", bad)):
        row = by_key[key]
        assert (row["status"], row["rule"], row["consecutive_failures"]) == \
            ("unreachable", "internal-error", 0)
        assert "RuntimeError: a defect met on this page" in row["reason"]
    assert "unexpected error while processing" in caplog.text


def _send_page(handler: Any, page: str) -> None:
    """Answer a raw handler's request with *page*, 200, its length given."""
    body = page.encode()
    handler.send_response_only(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def test_no_probe_is_sent_once_the_cycle_is_stopping(tmp_path: Path) -> None:
    """A page whose answer came in after the stop was asked for still had its
    soft-404 probe sent (at a per-host delay of 30 s, 27 s after the signal):
    a request made after the stop. Without its probe the page is archived but
    not judged: a site that answers every path with the same page (its error
    page, served with 200) would have its page judged alive, and kept as the
    first snapshot, for good. The next run, which goes on from there, checks it."""
    from .lab import Handler

    async def go(site: Site, url: str) -> Any:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()

        def answer(handler: Handler) -> None:  # the stop comes while the page is fetched
            loop.call_soon_threadsafe(stop.set)
            _send_page(handler, news_page("Malaysia detains 40", "Police detained 40."))

        site.raw("/news/a.html", answer)
        sources = load_sources(write_sources(tmp_path / "sources.yaml", [
            {"id": "e1", "date": "2016-05-01", "country": "Malaysia", "sources": [url]}]))
        return await run_cycle(sources, archive=tmp_path / "archive", settings=lab_settings(),
                               stop=stop)

    with Site() as site:
        url = site.url("/news/a.html")
        summary = asyncio.run(go(site, url))
        paths = [h.path for h in site.hits]
        assert paths == ["/news/a.html"], paths  # no random sibling asked for
        assert summary.checked == 0 and summary.interrupted
        store = open_store(tmp_path / "archive")
        try:
            assert [c["url"] for c in store.captures_of(url)] == [url]  # archived
            assert store.baseline_stored(url) is None  # no first snapshot unjudged
        finally:
            store.close()
        site.page("/news/a.html", news_page("Malaysia detains 40", "Police detained 40."))
        resumed = asyncio.run(run_cycle(
            load_sources(tmp_path / "sources.yaml"), archive=tmp_path / "archive",
            settings=lab_settings()))
        assert resumed.checked == 1
        assert len(site.hits) == 3  # the page again, and a random sibling at last
        assert site.hits[1].path == "/news/a.html" and site.hits[2].path != "/news/a.html"


def test_a_page_answered_after_the_stop_is_judged_by_the_probe_already_made(
        tmp_path: Path) -> None:
    """The probe of a page's site and first path segment, once made, serves every
    page of that segment: a page whose answer comes in after the stop is judged by
    it (no new request), not left unjudged for the next run."""
    from archiver.report import build_report

    from .lab import Handler

    own = ("/news/a.html", "/news/b.html")
    stopped: list[bool] = []

    async def go(site: Site, urls: list[str]) -> Any:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()

        def late(handler: Handler) -> None:  # answers once the probe was made
            deadline = time.monotonic() + 10
            while not any(h.path not in own for h in list(site.hits)) \
                    and time.monotonic() < deadline:
                time.sleep(0.01)
            loop.call_soon_threadsafe(stop.set)
            time.sleep(0.2)
            stopped.append(True)
            _send_page(handler, news_page("Malaysia detains 41", "Police detained 41."))

        site.raw("/news/b.html", late)
        sources = load_sources(write_sources(tmp_path / "sources.yaml", [
            {"id": "e1", "date": "2016-05-01", "country": "Malaysia", "sources": urls}]))
        return await run_cycle(sources, archive=tmp_path / "archive", settings=lab_settings(),
                               stop=stop)

    with Site() as site:
        site.page("/news/a.html", news_page("Malaysia detains 40", "Police detained 40."))
        urls = [site.url(p) for p in own]
        summary = asyncio.run(go(site, urls))
        probes = [h.path for h in site.hits if h.path not in own]
    assert len(probes) == 1  # one probe, before the stop
    assert stopped and summary.checked == 2 and not summary.interrupted
    store = open_store(tmp_path / "archive")
    try:
        assert {r["url"]: r["status"] for r in build_report(store)["results"]} == \
            dict.fromkeys(urls, "alive")
    finally:
        store.close()


def test_the_probe_goes_before_the_pages_of_its_site_still_queued(tmp_path: Path) -> None:
    """Ten pages of one site, one request at a time, 0.3 s apart: the soft-404
    probe waited behind every page queued, and the pages that had answered
    waited for it, so nothing of the site was committed (nor told) until its
    last page was asked for. Now the probe is the second request, and a page
    told is committed while the others are still to be asked for."""
    from .lab import Handler

    cited = [f"/news/{i}.html" for i in range(10)]
    timeline: list[tuple[str, str]] = []  # requests at the server, results told

    def page(handler: Handler) -> None:
        timeline.append(("request", handler.path))
        _send_page(handler, news_page(f"Malaysia detains {handler.path}",
                                      "Police detained 40.\n\nThey were deported."))

    def told(kind: str, outcome: Any, total: int | None) -> None:
        if kind == "result":
            timeline.append(("told", outcome.url))

    settings = lab_settings()
    settings.fetch.per_host_concurrency = 1
    settings.fetch.per_host_delay = 0.3
    with Site() as site:  # any other path, the probe's, is answered 404
        for path in cited:
            site.raw(path, page)
        sources = load_sources(write_sources(tmp_path / "sources.yaml", [
            {"id": "e1", "date": "2016-05-01", "country": "Malaysia",
             "sources": [site.url(p) for p in cited]}]))
        summary = asyncio.run(run_cycle(sources, archive=tmp_path / "archive",
                                        settings=settings, progress=told))
        paths = [h.path for h in site.hits]
        first = site.url(paths[0])
    assert summary.counts == {"alive": len(cited)}
    assert len(paths) == len(cited) + 1 and paths[1] not in cited, paths  # the probe, second
    last = ("request", [p for p in paths if p in cited][-1])
    assert ("told", first) in timeline[:timeline.index(last)], timeline  # committed by then


def test_a_cycle_killed_after_its_last_check_is_closed_and_a_new_one_runs(
        news_site: Site, tmp_path: Path) -> None:
    """A cycle killed between its last check and its end was "resumed" by the next
    run, which found nothing left to check: a daily run checked nothing that day
    and reported the day before's results."""
    import sqlite3

    url = news_site.url("/2016/05/03/taiwan-slams-malaysia/")
    src = write_sources(tmp_path / "sources.yaml", [
        {"id": "e-1", "date": "2016-05-01", "country": "Malaysia", "sources": [url]}])
    archive = tmp_path / "archive"
    first = asyncio.run(run_cycle(load_sources(src), archive=archive, settings=lab_settings()))
    with sqlite3.connect(archive / "archiver.db") as db:  # as a kill -9 before its end leaves it
        db.execute("UPDATE cycles SET state = 'running', finished = NULL WHERE id = ?",
                   (first.cycle_id,))
    hits = len(news_site.hits_for("/2016/05/03/taiwan-slams-malaysia/"))
    second = asyncio.run(run_cycle(load_sources(src), archive=archive, settings=lab_settings()))
    assert second.cycle_id != first.cycle_id and (second.checked, second.skipped) == (1, 0)
    assert len(news_site.hits_for("/2016/05/03/taiwan-slams-malaysia/")) == hits + 1
    with sqlite3.connect(archive / "archiver.db") as db:
        states = db.execute("SELECT state FROM cycles ORDER BY id").fetchall()
    assert states == [("finished",), ("finished",)]


def _blank_pdf(pages: int) -> bytes:
    """A PDF of *pages* pages with no text and no title: a scanned document's
    pages are images, which give neither."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def _png(shade: int) -> bytes:
    """A 2 x 2 grey PNG of *shade* (a photograph's place in a test)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack("!I", len(data)) + kind + data \
            + struct.pack("!I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes([shade, shade]) for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack("!IIBBBBB", 2, 2, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def test_a_document_with_no_text_whose_bytes_change_has_drifted(tmp_path: Path) -> None:
    """A scanned PDF (pages with no text, no title) or an image has only its
    bytes to be compared by: other bytes at its URL have drifted from it (rule
    bytes-changed), the same bytes are alive. An HTML page drawn by its
    scripts, whose bytes change with each release of its code, is not judged
    by them."""
    from archiver.report import build_report

    shell = ('<html><head><script src="/static/app.{v}.js"></script></head>'
             '<body><div id="root"></div></body></html>')
    with Site() as site:
        site.page("/files/scan.pdf", _blank_pdf(1), content_type="application/pdf")
        site.page("/media/photo.png", _png(40), content_type="image/png")
        site.page("/app/case", shell.format(v="1a2b"))
        site.page("/media/same.png", _png(90), content_type="image/png")
        urls = [site.url(p) for p in ("/files/scan.pdf", "/media/photo.png", "/app/case",
                                      "/media/same.png")]
        sources = load_sources(write_sources(tmp_path / "sources.yaml", [
            {"id": "e1", "date": "2016-05-01", "country": "Malaysia", "sources": urls}]))
        archive, settings = tmp_path / "archive", lab_settings()

        def verdicts() -> dict[str, tuple[str, str]]:
            store = open_store(archive)
            try:
                return {r["url"]: (r["status"], r["rule"])
                        for r in build_report(store)["results"]}
            finally:
                store.close()

        asyncio.run(run_cycle(sources, archive=archive, settings=settings))
        first = verdicts()
        assert first[urls[0]][0] == first[urls[1]][0] == first[urls[3]][0] == "alive", first
        site.page("/files/scan.pdf", _blank_pdf(2), content_type="application/pdf")
        site.page("/media/photo.png", _png(200), content_type="image/png")
        site.page("/app/case", shell.format(v="9f8e"))
        asyncio.run(run_cycle(sources, archive=archive, settings=settings))
        now = verdicts()
    assert now[urls[0]] == ("drifted", "bytes-changed")
    assert now[urls[1]] == ("drifted", "bytes-changed")
    assert now[urls[2]] == first[urls[2]] and now[urls[2]][1] != "bytes-changed"
    assert now[urls[3]] == ("alive", "alive")
