"""``archiver serve``: the dashboard in-process (httpx.WSGITransport), the replay through pywb.

The archive is made the real way: two pipeline cycles over a loopback site
(the second after one page changed), so the pages show real checks, captures,
revisits and a real text diff read back from the WARC files.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from archiver.pipeline import run_cycle
from archiver.report import STATUS_ORDER, build_report, counts
from archiver.report_html import group_by_event
from archiver.settings import Settings
from archiver.sources import load_sources
from archiver.store import Store
from archiver.storeopen import open_store
from archiver.web.app import CSP, make_app, missing_warc_files
from archiver.web.replay import ReplayServer

from .lab import Handler, Route, Site, answer_until, news_page
from .test_retrieval_damage import captures

SCRIPT = "<script>document.title='pwned'</script>"
HEADLINE_1 = f"Taiwan slams Malaysia {SCRIPT} over deportations"
PAGE_1 = news_page(HEADLINE_1, "Thirty-two Taiwanese were deported to China.\n\n"
                   "Officials in Taipei protested the move.")
PAGE_2_BEFORE = news_page("Kenya deports 45 to China",
                          "Forty-five people were deported from Kenya to China.\n\n"
                          "Taiwan protested the decision.")
PAGE_2_AFTER = news_page("Kenya deports 45 to China",
                         "Forty-five people were deported from Kenya to China.\n\n"
                         "Taiwan protested the decision.\n\n"
                         "A correction was appended on Friday.")
REPLAY_BASE = "http://replay.test:8081"


@dataclass
class Lab:
    """A loopback site and the archive two cycles made of it."""

    site: Site
    archive: Path
    sources: Path
    urls: dict[str, str] = field(default_factory=dict)

    def cycle(self) -> None:
        settings = Settings()
        settings.fetch.allow_private = True
        settings.fetch.per_host_delay = 0.0
        settings.fetch.retries = 1
        settings.fetch.timeout = 5.0
        asyncio.run(run_cycle(load_sources(self.sources), archive=self.archive,
                              settings=settings))

    @classmethod
    def first_cycle(cls, root: Path, site: Site) -> Lab:
        """The lab of *site*'s /news/1, /news/2 and /gone, after a first cycle."""
        lab = cls(site, root / "archive", root / "sources.yaml",
                  {"one": site.url("/news/1"), "two": site.url("/news/2"),
                   "gone": site.url("/gone")})
        lab.write_sources()
        lab.cycle()
        return lab

    def write_sources(self, extra: list[str] | None = None) -> None:
        lines = [
            "events:",
            "  - id: 2016-05-01-malaysia", "    date: 2016-05-01", "    country: Malaysia",
            "    count: 32", "    mechanism: deportation", "    sources:",
            f"      - {self.urls['one']}", f"      - {self.urls['gone']}",
            "  - id: 2016-04-08-kenya", "    date: 2016-04-08", "    country: Kenya",
            "    count: 45", "    sources:", f"      - {self.urls['two']}",
            *(f"      - {u}" for u in extra or []),
        ]
        self.sources.write_text("\n".join(lines) + "\n", encoding="utf-8")


def build_archive(root: Path, site: Site) -> Lab:
    """Two cycles over *site*: the second sees /news/2 changed."""
    site.page("/news/1", PAGE_1, gzip=True)
    site.page("/news/2", PAGE_2_BEFORE)
    lab = Lab.first_cycle(root, site)
    site.page("/news/2", PAGE_2_AFTER)
    # replay URLs name a capture to the second: keep the two captures a second apart
    time.sleep(1.1)
    lab.cycle()
    return lab


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with Site() as site:
        yield build_archive(tmp_path_factory.mktemp("web"), site)


@pytest.fixture
def client(lab: Lab) -> Iterator[httpx.Client]:
    app = make_app(lab.archive, replay_base=REPLAY_BASE)
    with httpx.Client(transport=httpx.WSGITransport(app=app),
                      base_url="http://dashboard.test") as c:
        yield c


def citation_ids(lab: Lab) -> dict[str, int]:
    store = open_store(lab.archive, readonly=True)
    try:
        return {c["url"]: int(c["id"]) for c in store.citations()}
    finally:
        store.close()


def test_index_and_its_json_twin(client: httpx.Client, lab: Lab) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    data = client.get("/index.json").json()
    assert data["total"] == 3
    assert data["counts"]["dead"] == 1 and sum(data["counts"].values()) == 3
    events = [g["event"] for g in data["events"]]
    assert events[0] == "2016-05-01-malaysia"  # holds the dead citation: listed first
    first = data["events"][0]
    assert first["country"] == "Malaysia" and first["count"] == 32
    assert first["results"][0]["url"] == lab.urls["gone"]
    assert first["results"][0]["status"] == "dead"
    ids = citation_ids(lab)
    for group in data["events"]:
        for r in group["results"]:
            assert r["href"] == f"/citation/{ids[r['url']]}"
            assert f'href="/citation/{ids[r["url"]]}"' in page.text
    assert 'href="/index.json"' in page.text
    assert '<link rel="stylesheet" href="/static/style.css">' in page.text


def test_the_index_lists_only_the_statuses_and_the_event_asked_for(
        client: httpx.Client, lab: Lab) -> None:
    whole = client.get("/index.json").json()
    dead = client.get("/index.json?status=dead").json()
    assert dead["shown"] == 1 and dead["filter"] == {"status": ["dead"], "event": None}
    assert [r["url"] for g in dead["events"] for r in g["results"]] == [lab.urls["gone"]]
    # the counts and the total stay the whole archive's
    assert dead["counts"] == whole["counts"] and dead["total"] == whole["total"] == 3
    assert dead["unchecked"] == []
    others = sorted(s for s in whole["counts"] if s != "dead")
    listed = {r["url"] for g in client.get(f"/index.json?status={','.join(others)}").json()[
        "events"] for r in g["results"]}
    assert listed == {lab.urls["one"], lab.urls["two"]}
    repeated = client.get("/index.json", params=[("status", s) for s in others]).json()
    assert {r["url"] for g in repeated["events"] for r in g["results"]} == listed
    kenya = client.get("/index.json?event=2016-04-08-kenya").json()
    assert [g["event"] for g in kenya["events"]] == ["2016-04-08-kenya"]
    assert [r["url"] for r in kenya["events"][0]["results"]] == [lab.urls["two"]]
    assert client.get("/index.json?event=2016-04-08-kenya&status=dead").json()["events"] == []

    page = client.get("/?status=dead")
    assert page.status_code == 200
    assert "Showing 1 of 3" in page.text and 'href="/">show all</a>' in page.text
    assert lab.urls["gone"] in page.text and lab.urls["one"] not in page.text
    assert 'href="/index.json?status=dead"' in page.text  # its JSON twin, filtered alike
    assert 'href="/?status=dead"' in client.get("/").text  # each count links to its list
    assert 'href="/?event=2016-04-08-kenya"' in client.get("/").text
    assert "No citation matches." in client.get("/?status=dead&event=2016-04-08-kenya").text


def _index_made_whole(store: Store, statuses: frozenset[str], event: str | None
                      ) -> dict[str, Any]:
    """``/index.json``'s model as it was made before it was written as read: the
    whole report built, then grouped (what the streamed index must equal)."""
    report = build_report(store)
    citations = store.citations()
    ids = {(c["event_id"], c["url"]): c["id"] for c in citations}
    total, tally = len(report["results"]), counts(report)
    report["results"] = [r for r in report["results"]
                         if (not statuses or r["status"] in statuses)
                         and (event is None or r["event"] == event)]
    for r in report["results"]:
        r["id"] = ids[(r["event"], r["url"])]
        r["href"] = f"/citation/{r['id']}"
    return {
        "checked_at": report["checked_at"], "counts": tally, "total": total,
        "shown": len(report["results"]),
        "filter": {"status": sorted(statuses, key=lambda s: STATUS_ORDER[s]), "event": event},
        "events": group_by_event(report),
        "unchecked": [{"id": c["id"], "event": c["event_id"], "url": c["url"],
                       "href": f"/citation/{c['id']}"} for c in citations
                      if not c["status"] and not statuses
                      and (event is None or c["event_id"] == event)],
        "replay_base": REPLAY_BASE, "collection": "archive",
    }


@pytest.mark.parametrize(("statuses", "event"), [
    ((), None), (("dead",), None), (("alive", "drifted"), None), ((), "2016-04-08-kenya"),
    (("alive",), "2016-05-01-malaysia"), (("blocked",), None)])
def test_the_index_is_read_once_and_written_as_the_model_made_whole(
        lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        statuses: tuple[str, ...], event: str | None) -> None:
    """The citations are read once, each event's block filed by its worst status
    (here every block goes to disk), and the index written out from the files is,
    byte for byte, the JSON of the model made whole; the HTML lists the same."""
    archive = Path(shutil.copytree(lab.archive, tmp_path / "archive"))
    copy = Lab(lab.site, archive, tmp_path / "sources.yaml", dict(lab.urls))
    copy.write_sources([lab.site.url("/not-checked-yet")])
    store = open_store(archive)
    try:
        store.sync_sources(load_sources(copy.sources))
    finally:
        store.close()
    monkeypatch.setattr("archiver.report_html.SPOOLED", 1)
    passes: list[int] = []
    iter_citations = Store.iter_citations

    def counted(self: Store, *args: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
        passes.append(1)
        return iter_citations(self, *args, **kwargs)

    query = "&".join([*(f"status={s}" for s in statuses), *([f"event={event}"] if event else [])])
    app = make_app(archive, replay_base=REPLAY_BASE)
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://d") as c:
        monkeypatch.setattr(Store, "iter_citations", counted)
        body = c.get("/index.json" + (f"?{query}" if query else "")).text
        assert len(passes) == 1
        page = c.get("/" + (f"?{query}" if query else "")).text
        monkeypatch.setattr(Store, "iter_citations", iter_citations)
    store = open_store(archive, readonly=True)
    try:
        whole = _index_made_whole(store, frozenset(statuses), event)
    finally:
        store.close()
    assert body == json.dumps(whole, ensure_ascii=False, indent=2, default=str) + "\n"
    listed = [r["href"] for g in whole["events"] for r in g["results"]]
    assert re.findall(r'<h3>.*?href="(/citation/\d+)"', page, re.S) == listed
    assert ("Not checked yet" in page) == bool(whole["unchecked"]) == (not statuses)


def test_an_unknown_status_or_event_in_the_index_query_is_named(client: httpx.Client) -> None:
    page = client.get("/?status=dead,bogus")
    assert page.status_code == 400 and "Unknown status &#39;bogus&#39;" in page.text
    data = client.get("/index.json?status=bogus")
    assert data.status_code == 400 and "'bogus'" in data.json()["message"]
    missing = client.get("/?event=2099-01-01-nowhere")
    assert missing.status_code == 404 and "2099-01-01-nowhere" in missing.text
    assert client.get("/index.json?event=nowhere").status_code == 404


def test_citation_page_and_its_json_twin(client: httpx.Client, lab: Lab) -> None:
    cid = citation_ids(lab)[lab.urls["two"]]
    data = client.get(f"/citation/{cid}.json").json()
    assert data["citation"]["url"] == lab.urls["two"]
    assert data["event"]["id"] == "2016-04-08-kenya"
    assert len(data["checks"]) == 2
    assert [c["record_type"] for c in data["captures"]] == ["response", "response"]
    for cap in data["captures"]:
        ts = cap["fetched_at"][:19].replace("-", "").replace(":", "").replace("T", "")
        assert cap["replay"] == f"{REPLAY_BASE}/archive/{ts}/{lab.urls['two']}"
    diff = data["diff"]
    assert diff["available"] and not diff["identical"]
    added = [line["text"] for line in diff["lines"] if line["kind"] == "add"]
    assert any("A correction was appended on Friday." in t for t in added)
    assert not [line for line in diff["lines"] if line["kind"] == "del"]
    page = client.get(f"/citation/{cid}")
    assert page.status_code == 200
    assert '<span class="add">+A correction was appended on Friday.</span>' in page.text
    assert f'href="{data["captures"][0]["replay"]}"' in page.text
    assert f'href="/citation/{cid}.json"' in page.text


def test_unchanged_page_has_an_identical_diff_and_a_revisit(client: httpx.Client,
                                                            lab: Lab) -> None:
    cid = citation_ids(lab)[lab.urls["one"]]
    data = client.get(f"/citation/{cid}.json").json()
    assert [c["record_type"] for c in data["captures"]] == ["response", "revisit"]
    assert data["diff"]["available"] and data["diff"]["identical"]  # read through the revisit
    assert "The main text is unchanged" in client.get(f"/citation/{cid}").text


def test_a_capture_whose_reading_never_ends_leaves_the_diff_out_in_time(
        client: httpx.Client, lab: Lab, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """The latest capture is read again in a process of its own: past the
    limit (a sleep stands for a parser stuck on the page) it is killed and the
    page shows no diff, instead of holding the request for ever."""
    from archiver import cpupool

    def endless(*args: object, **kwargs: object) -> None:
        time.sleep(120)

    monkeypatch.setattr(cpupool, "extract", endless)  # what cpupool.extract_body reads with
    monkeypatch.setattr(cpupool, "JOB_SECONDS", 1.0)
    cid = citation_ids(lab)[lab.urls["two"]]
    started = time.monotonic()
    data = client.get(f"/citation/{cid}.json").json()
    assert time.monotonic() - started < 20
    assert not data["diff"]["available"]
    assert data["diff"]["note"] == "the latest capture could not be read back"
    assert "page left unread: its extraction ran past 1 s" in caplog.text


def test_page_data_is_escaped(client: httpx.Client, lab: Lab) -> None:
    cid = citation_ids(lab)[lab.urls["one"]]
    for path in ("/", f"/citation/{cid}"):
        text = client.get(path).text
        assert "<script" not in text.lower()
        assert "Taiwan slams Malaysia &lt;script&gt;document.title=&#39;pwned&#39;" in text
    data = client.get(f"/citation/{cid}.json").json()
    assert data["citation"]["headline"] == HEADLINE_1  # the JSON keeps the exact value


def test_security_headers_on_every_response(client: httpx.Client, lab: Lab) -> None:
    cid = citation_ids(lab)[lab.urls["gone"]]
    for path in ("/", "/index.json", f"/citation/{cid}", f"/citation/{cid}.json",
                 "/static/style.css", "/nowhere", "/citation/999999.json"):
        r = client.get(path)
        assert r.headers["content-security-policy"] == CSP, path
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
    assert "script-src" not in CSP and "default-src 'none'" in CSP
    assert "frame-ancestors 'none'" in CSP
    css = client.get("/static/style.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


def test_only_get_and_head(client: httpx.Client, lab: Lab) -> None:
    cid = citation_ids(lab)[lab.urls["one"]]
    for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
        for path in ("/", f"/citation/{cid}", "/index.json"):
            r = client.request(method, path, content=b"x=1")
            assert r.status_code == 405, (method, path)
            assert r.headers["allow"] == "GET, HEAD"
    head = client.head("/")
    assert head.status_code == 200 and head.content == b""


def test_not_found(client: httpx.Client) -> None:
    assert client.get("/citation/999999").status_code == 404
    # past what SQLite holds: no citation's either (it was a 500 and a traceback)
    for big in ("9223372036854775808", "99999999999999999999999"):
        assert client.get(f"/citation/{big}").status_code == 404
        assert client.get(f"/citation/{big}.json").status_code == 404
    assert client.get("/citation/9223372036854775807").status_code == 404
    r = client.get("/citation/999999.json")
    assert r.status_code == 404 and r.json()["error"] == "Not Found"
    assert client.get("/static/../archiver.db").status_code == 404
    assert client.get("/static/evil.js").status_code == 404


def test_report_links_are_sent_to_the_replay_origin(client: httpx.Client) -> None:
    r = client.get("/archive/20261125135958/https://news.example/a?id=1&b=2")
    assert r.status_code == 302
    assert r.headers["location"] == (
        f"{REPLAY_BASE}/archive/20261125135958/https://news.example/a?id=1&b=2")
    assert client.get("/archive/notatime/https://news.example/a").status_code == 404
    # an encoded CR or LF in the URL cannot reach the Location header
    for cut in ("%0d", "%0D%0A", "%0a"):
        r = client.get(f"/archive/20261125135958/https://news.example/a{cut}Set-Cookie:a=b")
        assert r.status_code == 404 and "set-cookie" not in r.headers
        assert r.headers["content-security-policy"] == CSP


def test_a_failing_page_is_a_500_page_with_the_security_headers(
        client: httpx.Client, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("a defect")

    monkeypatch.setattr("archiver.web.app.index_model", broken)
    r = client.get("/index.json")
    assert r.status_code == 500 and r.json()["error"] == "Internal Server Error"
    assert r.headers["content-security-policy"] == CSP
    assert "GET /index.json failed" in caplog.text and "a defect" in caplog.text


def test_requests_never_change_the_archive(lab: Lab) -> None:
    db = lab.archive / "archiver.db"
    before = (hashlib.sha256(db.read_bytes()).hexdigest(), db.stat().st_mtime_ns)
    warcs = {p.name: p.stat().st_mtime_ns for p in (lab.archive / "warc").iterdir()}
    app = make_app(lab.archive, replay_base=REPLAY_BASE)
    ids = citation_ids(lab).values()
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://d") as c:
        for _ in range(3):
            for path in ["/", "/index.json", *(f"/citation/{i}" for i in ids),
                         *(f"/citation/{i}.json" for i in ids)]:
                assert c.get(path).status_code == 200
                c.post(path, content=b"status=alive")
                c.delete(path)
    assert (hashlib.sha256(db.read_bytes()).hexdigest(), db.stat().st_mtime_ns) == before
    assert {p.name: p.stat().st_mtime_ns for p in (lab.archive / "warc").iterdir()} == warcs


def test_missing_archive_is_a_clear_error(tmp_path: Path) -> None:
    app = make_app(tmp_path / "nothing", replay_base=REPLAY_BASE)
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://d") as c:
        r = c.get("/index.json")
    assert r.status_code == 503 and r.json()["error"] == "Archive unavailable"
    assert not (tmp_path / "nothing").exists()


def _raw_get(url: str, headers: dict[str, str] | None = None,
             follow: bool = False) -> tuple[int, dict[str, str], bytes]:
    with httpx.Client(trust_env=False, timeout=20, follow_redirects=follow) as c, \
            c.stream("GET", url, headers=headers or {}) as r:
        return r.status_code, dict(r.headers), b"".join(r.iter_raw())


@pytest.mark.slow
def test_replay_serves_exact_payloads_and_picks_up_new_warcs(lab: Lab) -> None:
    store = open_store(lab.archive, readonly=True)
    try:
        caps: dict[str, dict[str, object]] = {}
        for c in store.all_captures():  # the first full response of each URL
            if c["record_type"] == "response":
                caps.setdefault(c["url"], c)
    finally:
        store.close()

    def ts(url: str) -> str:
        return str(caps[url]["fetched_at"])[:19].replace("-", "").replace(":", "") \
            .replace("T", "")

    with ReplayServer(lab.archive) as replay:
        # identity mode: the payload exactly as captured
        status, headers, body = _raw_get(
            f"{replay.url}/archive/{ts(lab.urls['two'])}id_/{lab.urls['two']}",
            {"Accept-Encoding": "identity"})
        assert status == 200 and body == PAGE_2_BEFORE.encode()
        status, headers, body = _raw_get(
            f"{replay.url}/archive/{ts(lab.urls['one'])}id_/{lab.urls['one']}",
            {"Accept-Encoding": "gzip"})
        assert status == 200 and headers.get("content-encoding") == "gzip"
        assert body == lab.site.routes["/news/1"].body  # the stored gzip bytes
        # the framed replay: pywb's frame around the archived page
        status, headers, body = _raw_get(
            f"{replay.url}/archive/{ts(lab.urls['two'])}/{lab.urls['two']}")
        assert status == 200 and b"wb_frame" in body
        assert headers.get("referrer-policy") == "no-referrer"
        with httpx.Client(trust_env=False) as c:
            assert c.post(f"{replay.url}/archive/{ts(lab.urls['two'])}/"
                          f"{lab.urls['two']}").status_code == 405
        # a page captured after the replay started is found once its WARC appears
        lab.site.page("/news/3", news_page("Late story", "Captured later."))
        new = lab.site.url("/news/3")
        lab.write_sources([new])
        lab.cycle()
        deadline = time.monotonic() + 20
        status = 0
        while time.monotonic() < deadline:
            status, _, body = _raw_get(f"{replay.url}/archive/2030id_/{new}", follow=True)
            if status == 200:
                break
            time.sleep(0.5)
        assert status == 200 and b"Late story" in body


@pytest.mark.parametrize("instead", ["nothing", "a FIFO"])
def test_serve_names_a_recorded_warc_file_that_is_missing(lab: Lab, tmp_path: Path,
                                                          instead: str) -> None:
    """A FIFO in the file's place was opened to be indexed by the replay, which
    waited on it for ever: serve never started."""
    copy = tmp_path / "archive"
    shutil.copytree(lab.archive, copy)
    gone = sorted((copy / "warc").glob("*.warc.gz"))[0]
    gone.unlink()
    if instead == "a FIFO":
        os.mkfifo(gone)
    assert missing_warc_files(copy) == [gone.name]
    err = tmp_path / "serve.err"
    with open(err, "wb") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "archiver", "serve", "--archive",
                                 str(copy), "--port", "0", "--replay-port", "0"],
                                stdout=subprocess.PIPE, stderr=fh)
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 60
        started = b""
        while b"archiver dashboard:" not in started and time.monotonic() < deadline:
            started += proc.stdout.readline()
        assert b"archiver dashboard:" in started, err.read_text()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    text = err.read_text()
    assert f"{gone.name} is recorded in the archive but missing" in text
    assert "Traceback" not in text


def _empty_blocks(fixed: int) -> bytes:
    """Deflate blocks that hold nothing: *fixed* empty fixed-Huffman blocks (10 bits
    each), then an empty stored block, which ends on a byte boundary. Not final."""
    bits = [0, 1, 0, 0, 0, 0, 0, 0, 0, 0] * fixed + [0, 0, 0]
    bits += [0] * (-len(bits) % 8)
    packed = bytes(sum(bit << i for i, bit in enumerate(bits[at:at + 8]))
                   for at in range(0, len(bits), 8))
    return packed + b"\x00\x00\xff\xff"


def _forge_in_place(archive: Path, capture: dict[str, object], old: bytes, new: bytes) -> None:
    """Rewrite one response record of *archive* the way a forger would: the
    record edited (*old* -> *new*, same length) and deflated again into a valid
    gzip member with the writer's own header and the very same length (padded
    with empty deflate blocks), so that every offset in the database still holds
    and gzip itself finds nothing wrong: only the digests tell."""
    path = archive / "warc" / str(capture["warc_file"])
    offset, length = int(str(capture["warc_offset"])), int(str(capture["warc_length"]))
    data = path.read_bytes()
    record = zlib.decompress(data[offset:offset + length], 31)
    assert record.count(old) == 1 and len(old) == len(new)
    forged = record.replace(old, new)
    trailer = struct.pack("<II", zlib.crc32(forged), len(forged))
    one = [_empty_blocks(n) for n in range(40)]
    paddings = {len(a + b): a + b for a in [b"", *one] for b in [b"", *one]}  # all but 1-4, 8
    # deflate it all, or (as the writer does with a compressed payload) the heads
    # alone and the payload in stored blocks; the padding goes first, so that the
    # deflate ends with its own final block, as the writer's does
    heads = forged.index(b"\r\n\r\n", forged.index(b"\r\n\r\n") + 4) + 4
    for split in (len(forged), heads, *range(heads + 61, len(forged), 61)):
        rest = forged[split:]
        stored = b"".join(struct.pack("<BHH", 0, len(piece), len(piece) ^ 0xFFFF) + piece
                          for piece in (rest[i:i + 0xFFFF] for i in range(0, len(rest), 0xFFFF)))
        for level, strategy, window in itertools.product(range(9, 0, -1), range(5), (15, 12, 10)):
            squeeze = zlib.compressobj(level, zlib.DEFLATED, -window, 9, strategy)
            deflated = squeeze.compress(forged[:split])
            if rest:
                deflated += squeeze.flush(zlib.Z_SYNC_FLUSH) + stored + b"\x01\x00\x00\xff\xff"
            else:
                deflated += squeeze.flush(zlib.Z_FINISH)
            spare = length - (10 + len(deflated) + len(trailer))
            if spare not in paddings:
                continue
            member = (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + paddings[spare]
                      + deflated + trailer)
            assert len(member) == length and zlib.decompress(member, 31) == forged
            path.write_bytes(data[:offset] + member + data[offset + length:])
            return
    raise AssertionError("no deflated form of the forged record has the record's length")


@pytest.mark.parametrize(("old", "new"), [
    (b"Forty-five people", b"Forty-nine people"),  # the payload: its digests tell
    # a WARC header no digest covers: the record's SHA-256 tells (the page offered
    # its replay, as verify, get and export refused it)
    (b"WARC-IP-Address: 127.0.0.1", b"WARC-IP-Address: 127.0.0.9"),
], ids=["payload", "warc-header"])
def test_an_altered_copy_is_named_and_never_replayed(lab: Lab, tmp_path: Path, old: bytes,
                                                     new: bytes) -> None:
    """A record rewritten as valid gzip: the citation page names it with its
    file and offset instead of offering its replay, and the report's link to it
    answers 409 instead of sending on to the replay."""
    copy = tmp_path / "archive"
    shutil.copytree(lab.archive, copy)
    url = lab.urls["two"]
    first = captures(copy, url)[0]  # the first snapshot, before the correction
    _forge_in_place(copy, first, old, new)
    app = make_app(copy, replay_base=REPLAY_BASE)
    cid = citation_ids(lab)[url]
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://d") as c:
        data = c.get(f"/citation/{cid}.json").json()
        altered, intact = data["captures"][0], data["captures"][-1]
        assert [cap["digest_problem"] is None for cap in data["captures"][1:]] == \
            [True] * (len(data["captures"]) - 1)
        where = f"{first['warc_file']}@{first['warc_offset']}"
        assert altered["digest_problem"].startswith(where + ": ")
        assert altered["replay"] is None and data["first_replay"] is None
        assert data["first_problem"] == altered["digest_problem"]
        assert intact["digest_problem"] is None and intact["replay"]
        assert data["diff"]["available"]  # the latest capture is intact
        page = c.get(f"/citation/{cid}").text
        assert f"altered: {where}" in page
        assert "the archived copy does not match its recorded digests" in page
        link = f"/archive/{{}}/{url}"
        ts = [cap["fetched_at"][:19].replace("-", "").replace(":", "").replace("T", "")
              for cap in (altered, intact)]
        refused = c.get(link.format(ts[0]))
        assert refused.status_code == 409 and where in refused.text
        assert c.get(link.format(ts[1])).status_code == 302
        other = c.get(f"/citation/{citation_ids(lab)[lab.urls['one']]}.json").json()
        assert {cap["digest_problem"] for cap in other["captures"]} == {None}


def test_a_revisit_of_an_altered_original_is_named_too(lab: Lab, tmp_path: Path) -> None:
    copy = tmp_path / "archive"
    shutil.copytree(lab.archive, copy)
    url = lab.urls["one"]
    original, *revisits = captures(copy, url)
    assert revisits and {r["record_type"] for r in revisits} == {"revisit"}
    record = zlib.decompress((copy / "warc" / str(original["warc_file"])).read_bytes()[
        int(str(original["warc_offset"])):][:int(str(original["warc_length"]))], 31)
    assert b"Content-Encoding: gzip" in record  # the payload is gzip: forge a header
    _forge_in_place(copy, original, b"Content-Type: text/html",
                    b"Content-Type: text/xml ")
    app = make_app(copy, replay_base=REPLAY_BASE)
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://d") as c:
        data = c.get(f"/citation/{citation_ids(lab)[url]}.json").json()
    where = f"{original['warc_file']}@{original['warc_offset']}: "
    assert {cap["digest_problem"][:len(where)] for cap in data["captures"]} == {where}
    assert not data["diff"]["available"]
    assert "does not match what was recorded" in data["diff"]["note"]


def test_a_page_now_gone_is_not_diffed_against_itself(tmp_path: Path) -> None:
    """Alive at the first check, 404 at the next: the latest capture is the 404,
    so there is no text to compare (before, the first snapshot was compared
    with itself and said unchanged)."""
    with Site() as site:
        site.page("/news/1", PAGE_2_BEFORE)
        lab = Lab.first_cycle(tmp_path, site)
        site.remove("/news/1")
        time.sleep(1.1)
        lab.cycle()
    app = make_app(lab.archive, replay_base=REPLAY_BASE)
    cid = citation_ids(lab)[lab.urls["one"]]
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://d") as c:
        data = c.get(f"/citation/{cid}.json").json()
        page = c.get(f"/citation/{cid}").text
    assert [cap["http_status"] for cap in data["captures"]] == [200, 404]
    diff = data["diff"]
    assert not diff["available"] and not diff["identical"]
    assert diff["note"] == "the latest capture is HTTP 404, not a page"
    assert "The main text is unchanged" not in page and "HTTP 404, not a page" in page


def test_ports_that_cannot_be_listened_on_are_a_message(lab: Lab) -> None:
    """A dashboard or replay port already taken: exit 2 and one line saying so
    (werkzeug's exit 1, and the replay child's traceback in the message, before);
    --port 65535 leaves the replay any free port, not 65536."""
    import socket

    from archiver.web.app import DashboardServer

    assert DashboardServer(lab.archive, port=65535).replay_port == 0
    assert DashboardServer(lab.archive, port=8080).replay_port == 8081
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for option in ("--port", "--replay-port"):
            proc = subprocess.run([sys.executable, "-m", "archiver", "serve", "--archive",
                                   str(lab.archive), option, str(port)],
                                  capture_output=True, timeout=60)
            assert proc.returncode == 2, (option, proc.stderr)
            assert b"Traceback" not in proc.stderr, proc.stderr
            assert b"already in use" in proc.stderr.lower() or b"in use" in proc.stderr


@pytest.mark.slow
def _archived(tmp_path: Path, urls: list[str]) -> Path:
    """The archive of one `archiver run` over *urls* (one event), with the settings
    file already in *tmp_path*, if any."""
    sources = tmp_path / "sources.yaml"
    sources.write_text("events:\n  - id: e\n    date: 2016-05-01\n    country: Kenya\n"
                       f"    sources: {json.dumps(urls)}\n", encoding="utf-8")
    archive = tmp_path / "archive"
    proc = subprocess.run([sys.executable, "-m", "archiver", "run", "--sources", str(sources),
                           "--archive", str(archive), "--allow-private"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return archive


def test_a_capture_cut_at_the_size_cap_replays_to_its_end(tmp_path: Path) -> None:
    """The server announced the whole length; the capture holds what fetch.max_bytes
    let in: replayed with that length, a client waited for bytes that never came
    (30 s and more); the replay now ends with the capture."""
    import os

    annex = b"%PDF-1.4\n" + os.urandom(300_000)
    with Site() as site:
        site.page("/annex.pdf", annex, content_type="application/pdf")
        url = site.url("/annex.pdf")
        (tmp_path / "archiver.toml").write_text("[fetch]\nmax_bytes = 100000\n",
                                                encoding="utf-8")
        archive = _archived(tmp_path, [url])
    store = open_store(archive, readonly=True)
    try:
        (cap,) = [c for c in store.all_captures() if c["record_type"] == "response"]
    finally:
        store.close()
    assert cap["truncated"] == "length"
    when = str(cap["fetched_at"])[:19].replace("-", "").replace(":", "").replace("T", "")
    with ReplayServer(archive) as replay:
        started = time.monotonic()
        status, headers, body = _raw_get(f"{replay.url}/archive/{when}id_/{url}",
                                         {"Accept-Encoding": "identity"})
        assert status == 200 and time.monotonic() - started < 15
        assert 0 < len(body) < len(annex) and annex.startswith(body)
        assert int(headers.get("content-length", len(body))) == len(body)


def test_header_values_in_utf_8_are_replayed_as_captured(tmp_path: Path) -> None:
    """A header value sent as UTF-8 bytes (a Location to "/台灣", a filename) is
    stored byte for byte; the replay dropped it without a word (a WSGI header is
    latin-1 text), and a redirect replayed with no Location."""
    value = "inline; filename=\"台灣.html\""

    def utf8_headers(handler: Handler) -> None:
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                            b"Content-Disposition: " + value.encode() + b"\r\n"
                            b"X-Latin: caf\xe9\r\nContent-Length: 5\r\n\r\nhello")
        handler.wfile.flush()

    def moved(handler: Handler) -> None:
        handler.wfile.write(b"HTTP/1.1 301 Moved Permanently\r\nLocation: /t/\xe5\x8f\xb0\r\n"
                            b"Content-Length: 0\r\n\r\n")
        handler.wfile.flush()

    with Site() as site:
        site.raw("/file", utf8_headers)
        site.raw("/moved", moved)
        site.page("/t/%E5%8F%B0", "<p>here</p>")
        urls = [site.url("/file"), site.url("/moved")]
        archive = _archived(tmp_path, urls)
    store = open_store(archive, readonly=True)
    try:
        when = {c["url"]: str(c["fetched_at"])[:19].replace("-", "").replace(":", "")
                .replace("T", "") for c in store.all_captures()}
    finally:
        store.close()
    with ReplayServer(archive) as replay:
        with httpx.Client(trust_env=False, timeout=20) as c:
            got = c.get(f"{replay.url}/archive/{when[urls[0]]}id_/{urls[0]}")
            assert got.status_code == 200 and got.content == b"hello"
            raw = dict(got.headers.raw)
            assert raw[b"Content-Disposition"] == value.encode()
            assert raw[b"X-Latin"] == b"caf\xe9"
            moved_to = c.get(f"{replay.url}/archive/{when[urls[1]]}id_/{urls[1]}")
            assert moved_to.status_code == 301
            assert dict(moved_to.headers.raw)[b"Location"].endswith(b"/t/\xe5\x8f\xb0")


def test_a_capture_of_an_earlier_version_is_vouched_for_by_its_file(
        lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A capture an earlier version wrote has no record SHA-256: only its file's
    covers its WARC headers. A WARC header rewritten in place (the file's
    size, inode and mtime kept) was offered for replay as authentic, where `get`
    refused it. Each file is hashed once while it stays as it is (not at every
    request), and again once it was written to; the replay leaves the record
    out of the altered file's index."""
    import os

    from archiver import evidence
    from archiver.collection import build_collection

    from .test_retrieval_damage import _sql, index_entries

    copy = tmp_path / "archive"
    shutil.copytree(lab.archive, copy)
    _sql(copy, "UPDATE capture_rows SET record_sha256 = NULL")  # as an earlier version wrote
    url = lab.urls["two"]
    first = captures(copy, url)[0]
    path = copy / "warc" / str(first["warc_file"])
    hashed: list[str] = []
    sha256_of = evidence.file_sha256

    def counted(p: Path) -> str:
        hashed.append(p.name)
        return sha256_of(p)

    monkeypatch.setattr(evidence, "file_sha256", counted)
    app = make_app(copy, replay_base=REPLAY_BASE)
    cid = citation_ids(lab)[url]
    link = "/archive/{}/" + url
    stamp = "".join(ch for ch in str(first["fetched_at"])[:19] if ch.isdigit())
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://d") as c:
        data = c.get(f"/citation/{cid}.json").json()
        assert {cap["digest_problem"] for cap in data["captures"]} == {None}, data["captures"]
        files = {str(cap["warc_file"]) for cap in data["captures"]}
        assert sorted(hashed) == sorted(files)  # each file once
        assert c.get(link.format(stamp)).status_code == 302
        c.get(f"/citation/{cid}.json")
        assert sorted(hashed) == sorted(files)  # nothing hashed again

        before = path.stat()
        # a WARC header that neither a digest nor the capture's row covers (a
        # WARC-IP-Address rewritten is told by the row's ip first)
        _forge_in_place(copy, first, b"Content-Type: application/http;",
                        b"Content-Type: application/json;")
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        assert (path.stat().st_size, path.stat().st_ino) == (before.st_size, before.st_ino)
        data = c.get(f"/citation/{cid}.json").json()
        altered = data["captures"][0]
        where = f"{first['warc_file']}@{first['warc_offset']}: "
        assert altered["digest_problem"].startswith(where), altered
        assert "SHA-256" in altered["digest_problem"] and altered["replay"] is None
        assert [cap["digest_problem"] for cap in data["captures"][1:]] == \
            [None] * (len(data["captures"]) - 1)
        refused = c.get(link.format(stamp))
        assert refused.status_code == 409 and where.rstrip(": ") in refused.text
    # the replay: no response or revisit of the altered file is vouched for (only
    # the file's SHA-256 covered their WARC headers), those of the other file are
    coll = build_collection(copy / "warc", tmp_path / "pywb")
    kept = {(e["filename"], int(e["offset"])) for e in index_entries(coll)}
    assert (first["warc_file"], first["warc_offset"]) not in kept
    others = {(str(cap["warc_file"]), int(cap["warc_offset"])) for cap in data["captures"]
              if cap["warc_file"] != first["warc_file"]}
    assert others and others <= kept


def _capture_stamps(archive: Path) -> dict[str, str]:
    """The replay timestamp of each URL's capture in *archive*."""
    store = open_store(archive, readonly=True)
    try:
        return {c["url"]: str(c["fetched_at"])[:19].replace("-", "").replace(":", "")
                .replace("T", "") for c in store.all_captures()}
    finally:
        store.close()


def _status_line(url: str) -> bytes:
    """The status line of the answer to GET *url* (an http://127.0.0.1 URL), as
    sent, CRLF included."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    target = url[len(f"{parts.scheme}://{parts.netloc}"):]
    with socket.create_connection((parts.hostname, parts.port), timeout=20) as sock:
        sock.sendall(b"GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n"
                     % (target.encode(), parts.netloc.encode()))
        got = b""
        for _ in range(1000):  # until the end of the status line, or the connection
            if b"\r\n" in got:
                break
            data = sock.recv(4096)
            if not data:
                break
            got += data
    return got[:got.find(b"\r\n") + 2]


@pytest.mark.slow
def test_a_status_line_with_no_reason_is_replayed_without_one(tmp_path: Path) -> None:
    """'HTTP/1.1 200' (no reason phrase, as the server sent it, and as warcio
    writes it) was replayed as 'HTTP/1.1 200 None': pywb makes up a reason for
    WSGI, and wrote one no server sent."""
    page = b"<html><head><title>No reason</title></head><body><p>hello</p></body></html>"

    def answer(status: bytes) -> Callable[[Handler], None]:
        def send(handler: Handler) -> None:
            handler.wfile.write(status + b"\r\nContent-Type: text/html\r\n"
                                b"Content-Length: %d\r\n\r\n" % len(page) + page)
            handler.wfile.flush()
        return send

    with Site() as site:
        site.raw("/none", answer(b"HTTP/1.1 200"))
        site.raw("/said", answer(b"HTTP/1.1 200 None"))  # a reason that reads "None"
        site.raw("/fine", answer(b"HTTP/1.1 200 Fine"))
        urls = {path: site.url(path) for path in ("/none", "/said", "/fine")}
        archive = _archived(tmp_path, list(urls.values()))
    when = _capture_stamps(archive)
    with ReplayServer(archive) as replay:
        for mode in ("id_", "mp_"):
            lines = {path: _status_line(f"{replay.url}/archive/{when[url]}{mode}/{url}")
                     for path, url in urls.items()}
            assert lines == {"/none": b"HTTP/1.1 200\r\n", "/said": b"HTTP/1.1 200 None\r\n",
                             "/fine": b"HTTP/1.1 200 Fine\r\n"}, mode


@pytest.mark.slow
def test_a_body_with_two_codings_is_replayed_decoded(tmp_path: Path) -> None:
    """A body coded twice (Content-Encoding: gzip, br; on two lines; gzip as a
    transfer coding beside chunked) was replayed as it was stored without its
    Content-Encoding header (pywb undoes one coding at most), and the frame
    showed brotli bytes as text. It is replayed decoded, in the frame and as the
    page itself, the codings undone named in X-Archive-Orig-Content-Encoding;
    `archiver get` still gives the bytes as sent."""
    import gzip

    import brotli

    html = news_page("Coded twice over", "A body the server coded twice.\n\n"
                     "Browsers undo both codings.").encode()
    coded = brotli.compress(gzip.compress(html, mtime=0))

    def answer(head: bytes, body: bytes) -> Callable[[Handler], None]:
        def send(handler: Handler) -> None:
            handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                                + head + body)
            handler.wfile.flush()
        return send

    zipped = gzip.compress(html, mtime=0)
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(zipped), zipped)
    with Site() as site:
        site.raw("/listed", answer(b"Content-Encoding: gzip, br\r\n"
                                   b"Content-Length: %d\r\n\r\n" % len(coded), coded))
        site.raw("/lines", answer(b"Content-Encoding: gzip\r\nContent-Encoding: br\r\n"
                                  b"Content-Length: %d\r\n\r\n" % len(coded), coded))
        site.raw("/transfer", answer(b"Transfer-Encoding: gzip, chunked\r\n\r\n", chunked))
        urls = {path: site.url(path) for path in ("/listed", "/lines", "/transfer")}
        archive = _archived(tmp_path, list(urls.values()))
    when = _capture_stamps(archive)
    stored = {"/listed": coded, "/lines": coded, "/transfer": zipped}
    for path, url in urls.items():
        got = subprocess.run([sys.executable, "-m", "archiver", "get", url, "--archive",
                              str(archive)], capture_output=True, timeout=60)
        assert got.returncode == 0 and got.stdout == stored[path], path
    browser = {"Accept-Encoding": "gzip, deflate, br"}
    with ReplayServer(archive) as replay, \
            httpx.Client(trust_env=False, timeout=20, headers=browser) as client:
        for path, url in urls.items():
            page = client.get(f"{replay.url}/archive/{when[url]}id_/{url}")
            assert page.status_code == 200 and page.content == html, path
            assert "content-encoding" not in page.headers, path
            sent = page.headers.get_list("x-archive-orig-content-encoding")
            assert sent == {"/listed": ["gzip, br"], "/lines": ["gzip", "br"],
                            "/transfer": []}[path], (path, sent)
            framed = client.get(f"{replay.url}/archive/{when[url]}mp_/{url}")
            assert framed.status_code == 200, path
            assert "content-encoding" not in framed.headers, path
            assert "Browsers undo both codings." in framed.text, path
            assert "<title>Coded twice over" in framed.text, path


def _gzip_bomb(head: bytes, megabytes: int) -> bytes:
    """*head*, then *megabytes* MB of spaces, as one gzip body: some 1 KB a MB."""
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 31)
    spaces = b" " * (1 << 20)
    return squeeze.compress(head) + b"".join(
        squeeze.compress(spaces) for _ in range(megabytes)) + squeeze.flush()


def test_a_latest_capture_that_inflates_to_gigabytes_is_inflated_no_further_than_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A 64 KB gzip body that inflates to 64 MB, captured last: the citation page
    inflated it whole into memory (400 MB took the dashboard to 1.28 GB), and cut
    it to MAX_PAYLOAD_BYTES only afterwards; it now inflates no further than that."""
    import tracemalloc

    from archiver.web import model

    article = news_page("Kenya deports 45 to China",
                        "Forty-five people were deported from Kenya to China.")
    with Site() as site:
        site.page("/news/1", article)
        lab = Lab.first_cycle(tmp_path, site)
        bomb = _gzip_bomb(article.split("</body>")[0].encode(), 64)
        assert len(bomb) < 100_000
        site.route("/news/1", Route(200, [("Content-Type", "text/html; charset=utf-8"),
                                          ("Content-Encoding", "gzip")], bomb))
        time.sleep(1.1)  # replay URLs name a capture to the second
        lab.cycle()
    monkeypatch.setattr(model, "MAX_PAYLOAD_BYTES", 1 << 20)
    # the page is read here, not in a process forked for it: its memory is measured
    monkeypatch.setattr(model, "run_apart", lambda fn, args, seconds: fn(*args))
    latest = captures(lab.archive, lab.urls["one"])[-1]
    assert latest["http_status"] == 200 and latest["body_size"] == len(bomb)
    store = open_store(lab.archive, readonly=True)
    tracemalloc.start()
    try:
        text = model.capture_text(store, lab.archive / "warc", latest)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        store.close()
    assert text is not None and "Forty-five people were deported" in text
    assert peak < 8 * 2**20, f"{peak / 2**20:.0f} MB at most in memory"
    app = make_app(lab.archive, replay_base=REPLAY_BASE)
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://d") as c:
        diff = c.get(f"/citation/{citation_ids(lab)[lab.urls['one']]}.json").json()["diff"]
    assert diff["available"] and diff["identical"], diff


def _first_snapshot_links(page: str) -> dict[str, str]:
    """The "our archived copy" link of each citation card on the index, by cited URL."""
    import re

    found = {}
    for card in page.split('<article class="citation')[1:]:
        cited = re.search(r'<h3>.*?<a href="[^"]*">([^<]*)</a>', card, re.S)
        ours = re.search(r'<a href="([^"]*)" rel="noreferrer noopener">our archived copy', card)
        if cited and ours:
            found[cited.group(1)] = ours.group(1).replace("&amp;", "&")
    return found


def test_the_index_offers_a_first_snapshot_through_the_check_of_its_digests(
        lab: Lab, tmp_path: Path) -> None:
    """The index's "our archived copy (first snapshot)" linked straight to the
    replay origin, which served an altered first snapshot's closest capture (the
    changed page) under that label; it now goes through the dashboard's
    /archive/<ts>/<url>, which answers 409 for a copy that fails its digests."""
    copy = tmp_path / "archive"
    shutil.copytree(lab.archive, copy)
    _forge_in_place(copy, captures(copy, lab.urls["two"])[0], b"Forty-five people",
                    b"Forty-nine people")
    app = make_app(copy, replay_base=REPLAY_BASE)
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://d") as c:
        links = _first_snapshot_links(c.get("/").text)
        # (/gone was never alive; a page another test added may be there too)
        assert {lab.urls["one"], lab.urls["two"]} <= set(links)
        assert lab.urls["gone"] not in links
        for url, link in links.items():
            assert link.startswith("/archive/") and link.endswith("/" + url), link
        refused = c.get(links[lab.urls["two"]])
        assert refused.status_code == 409 and "Forty" not in refused.text
        sent = c.get(links[lab.urls["one"]])
        assert sent.status_code == 302
        assert sent.headers["location"] == REPLAY_BASE + links[lab.urls["one"]]


def test_a_report_link_to_an_altered_copy_answers_409_however_the_url_is_written(
        lab: Lab, tmp_path: Path) -> None:
    """The report links to a capture with the URL as cited (``HTTP://HOST:PORT/...``,
    ``/./``), the store keeps it under the form it was requested in: the check
    looked the URL up as written, found nothing, and sent an altered first
    snapshot on to the replay (302)."""
    copy = tmp_path / "archive"
    shutil.copytree(lab.archive, copy)
    first = captures(copy, lab.urls["two"])[0]
    _forge_in_place(copy, first, b"Forty-five people", b"Forty-nine people")
    stamp = "".join(ch for ch in str(first["fetched_at"])[:19] if ch.isdigit())
    where = f"{first['warc_file']}@{first['warc_offset']}"
    rest = lab.urls["two"].split("://", 1)[1]
    host, path = rest.split("/", 1)
    app = make_app(copy, replay_base=REPLAY_BASE)
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://d") as c:
        for cited in (lab.urls["two"], f"HTTP://{host}/{path}", f"http://{host}/./{path}"):
            refused = c.get(f"/archive/{stamp}/{cited}")
            assert refused.status_code == 409, cited
            assert where in refused.text


MALFORMED_HOSTS = ("http://[::1", "http://[zz]/", "https://[1.2.3.4]/a", "http://[::1]:x/")


def test_a_url_whose_host_cannot_be_read_is_a_400(lab: Lab, client: httpx.Client) -> None:
    """A bracketed host that is no IPv6 address, or is cut short: pywb's
    urlsplit raised at it (500, "Internal Error: Invalid IPv6 URL"), on the
    replay origin and behind the dashboard's redirect; both answer 400."""
    for url in MALFORMED_HOSTS:
        r = client.get(f"/archive/20261125135958/{url}")
        assert r.status_code == 400 and "location" not in r.headers, url
        assert r.headers["content-security-policy"] == CSP
    with ReplayServer(lab.archive) as replay, \
            httpx.Client(trust_env=False, timeout=20) as c:
        for url in MALFORMED_HOSTS:
            for path in (f"/archive/2026mp_/{url}", f"/archive/2026/{url}", f"/archive/{url}"):
                r = c.get(replay.url + path)
                assert r.status_code == 400, (path, r.status_code)
                assert r.headers["content-type"].startswith("text/plain")
        # what pywb reads still reaches it
        r = c.get(f"{replay.url}/archive/2030id_/{lab.urls['two']}", follow_redirects=True)
        assert r.status_code == 200 and b"Forty-five people" in r.content


def test_a_record_that_cannot_be_read_is_named_once(lab: Lab, tmp_path: Path) -> None:
    """Its message names file and offset already: the page said them twice
    ("x.warc.gz@2586: x.warc.gz@2586: the gzip header ...")."""
    copy = tmp_path / "archive"
    shutil.copytree(lab.archive, copy)
    first = captures(copy, lab.urls["two"])[0]
    path = copy / "warc" / str(first["warc_file"])
    data = bytearray(path.read_bytes())
    data[int(str(first["warc_offset"]))] ^= 0xFF  # its gzip member's magic number
    path.write_bytes(bytes(data))
    app = make_app(copy, replay_base=REPLAY_BASE)
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://d") as c:
        problem = c.get(f"/citation/{citation_ids(lab)[lab.urls['two']]}.json").json()[
            "captures"][0]["digest_problem"]
    where = f"{first['warc_file']}@{first['warc_offset']}"
    assert problem.startswith(where + ": ") and problem.count(str(first["warc_file"])) == 1, \
        problem


def test_a_connection_left_idle_is_closed(lab: Lab) -> None:
    """Requests sent in part and never finished held a thread each, for ever
    (300 of them, 300 threads); each is now closed once idle past the timeout."""
    import socket

    from archiver.web.app import DashboardServer

    with DashboardServer(lab.archive, port=0, replay_port=0, idle_seconds=0.5) as server:
        port = int(server.url.rsplit(":", 1)[1])
        idle = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(3)]
        try:
            for sock in idle:
                sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and no more
            started = time.monotonic()
            for sock in idle:
                assert sock.recv(1024) == b""  # closed by the server (a timeout raises)
            assert time.monotonic() - started < 5
        finally:
            for sock in idle:
                sock.close()
        with httpx.Client(trust_env=False, timeout=10) as c:
            assert c.get(server.url + "/index.json").status_code == 200


def test_citation_pages_past_the_busy_limit_are_a_503(
        lab: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages that read WARC files are made a few at a time: one that finds no
    turn in time is answered 503 with Retry-After, not queued without end."""
    import threading

    from archiver.web import app as web_app

    started, release = threading.Event(), threading.Event()
    model_of = web_app.citation_model

    def held(*args: object) -> object:
        started.set()
        assert release.wait(10)
        return model_of(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(web_app, "citation_model", held)
    monkeypatch.setattr(web_app, "BUSY_PAGES", 1)
    app = make_app(lab.archive, replay_base=REPLAY_BASE)
    app.wait_seconds = 0.2
    cid = citation_ids(lab)[lab.urls["two"]]
    answers: list[int] = []
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://d") as c:
        first = threading.Thread(target=lambda: answers.append(
            c.get(f"/citation/{cid}.json").status_code))
        first.start()
        try:
            assert started.wait(10)
            busy = c.get(f"/citation/{cid}.json")
            assert busy.status_code == 503 and busy.headers["retry-after"] == "2"
            assert busy.json()["error"] == "Busy"
            link = f"/archive/20261125135958/{lab.urls['two']}"
            assert c.get(link).status_code == 503
            assert c.get("/index.json").status_code == 200  # no WARC file read: no turn
        finally:
            release.set()
            first.join(10)
        assert answers == [200]
        assert c.get(f"/citation/{cid}.json").status_code == 200


def test_connections_past_the_cap_are_answered_503_and_closed(lab: Lab) -> None:
    """Each connection took a thread of its own, as many as clients opened; past
    the cap one is answered 503 at once, and a freed slot serves again."""
    import socket

    from archiver.web.app import DashboardServer

    with DashboardServer(lab.archive, port=0, replay_port=0, connections=3) as server:
        port = int(server.url.rsplit(":", 1)[1])
        held = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(3)]
        try:
            answer = answer_until(server.url, 503)  # the server takes the three held ones first
            assert answer.status_code == 503
            assert answer.headers["retry-after"] == "5"
            assert answer.text == "Too many connections; try again later."
            held.pop().close()
            # once the server has seen it closed
            assert answer_until(server.url, 200).status_code == 200
        finally:
            for sock in held:
                sock.close()
