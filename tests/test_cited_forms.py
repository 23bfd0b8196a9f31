"""Citations written otherwise than as they are requested: characters outside
ASCII (an IRI: ``/naïve/日本.html``, requested as ``/na%C3%AFve/...``) and a
``#fragment`` (never sent). The same page, whatever the form: its status, its
captures in the WACZ and in ``get``, and the WARC-Target-URI of its records."""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archiver.urlsigns import same_url, url_key

from .lab import Site, news_page
from .sourcesfile import write_sources

IRI_PATH = "/naïve/日本.html"
IRI_SENT = "/na%C3%AFve/%E6%97%A5%E6%9C%AC.html"  # what the server is asked for
SLASHED = "/ü"  # sent on to "/%C3%BC/" (a final slash added): no move
FRAGMENT_PATH = "/q.html?a=1"
#: The Diplomat's URLs give a month only (/2016/05/<slug>/); the page no date
MONTH_PATH = "/2016/05/taiwan-slams-malaysias-kowtow-to-china-on-deportations/"


def archiver(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "archiver", *args], capture_output=True,
                          timeout=120)


class Cited:
    def __init__(self, tmp: Path) -> None:
        self.site = Site().start()
        self.site.page(IRI_SENT, news_page("Deportees arrive in Taipei",
                                           "Forty-five people were flown to Taipei."))
        self.site.redirect("/%C3%BC", "/%C3%BC/")
        self.site.page("/%C3%BC/", news_page("Court rules on extradition",
                                              "The court ruled on the extradition."))
        self.site.page("/q.html", news_page("Ministry answers questions",
                                            "The ministry answered the questions."))
        self.site.page(MONTH_PATH, news_page("Taiwan slams Malaysia's kowtow to China",
                                             "Malaysia deported 32 Taiwanese to China.",
                                             published=None))
        self.month = self.site.url(MONTH_PATH)
        self.iri = self.site.url(IRI_PATH)
        self.slashed = self.site.url(SLASHED)
        self.fragment = self.site.url(FRAGMENT_PATH) + "#frag"
        self.sources = write_sources(tmp / "sources.yaml", [
            {"id": "e1", "date": "2016-05-03", "country": "Taiwan",
             "sources": [self.iri, self.slashed]},
            {"id": "e2", "date": "2016-05-03", "country": "Taiwan", "sources": [self.fragment]},
            {"id": "e3", "date": "2016-05-01", "country": "Malaysia", "sources": [self.month]},
        ])
        self.archive = tmp / "archive"

    def run(self) -> subprocess.CompletedProcess[bytes]:
        return archiver("run", "--sources", str(self.sources), "--archive", str(self.archive),
                        "--allow-private", "--per-host-delay", "0", "--format", "json")


@pytest.fixture(scope="module")
def cited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cited]:
    c = Cited(tmp_path_factory.mktemp("cited"))
    for _ in range(2):  # a capture, then a re-check (the reason there once told a redirect)
        proc = c.run()
        assert proc.returncode == 0, proc.stderr.decode()
    c.report = json.loads(proc.stdout)  # type: ignore[attr-defined]
    yield c
    c.site.stop()


def test_an_iri_is_the_url_its_escapes_write() -> None:
    assert url_key("http://h/ü") == url_key("http://h/%C3%BC/") == "h/%C3%BC"
    assert same_url("http://h/naïve/日本.html?q=é", "http://h/na%c3%afve/%E6%97%A5%E6%9C%AC.html"
                    "?q=%C3%A9")
    assert same_url("http://Bücher.example/a", "http://xn--bcher-kva.example/a")
    assert not same_url("http://h/ü", "http://h/u")


def test_an_iri_citation_is_alive_without_a_redirect_told(cited: Cited) -> None:
    results = {r["url"]: r for r in cited.report["results"]}  # type: ignore[attr-defined]
    iri, slashed = results[cited.iri], results[cited.slashed]
    assert iri["status"] == "alive", iri
    assert "redirect" not in iri["reason"], iri["reason"]
    assert iri["headline"] == "Deportees arrive in Taipei"
    # "/ü" sent on to "/%C3%BC/" adds a final slash only, as "/u" to "/u/" would
    assert slashed["status"] == "alive", slashed
    assert results[cited.fragment]["status"] == "alive"
    assert [h.path for h in cited.site.hits_for(IRI_SENT)]  # requested, escaped


def test_a_page_dated_only_by_its_urls_month_is_archived(cited: Cited) -> None:
    """The month of a /2016/05/ URL is no day (README): published stays empty and the
    page is flagged no-date, but archived like any other (keeping its first snapshot
    once failed on the month, a date the JSON of the stored page could not hold)."""
    (month,) = [r for r in cited.report["results"]  # type: ignore[attr-defined]
                if r["url"] == cited.month]
    assert month["status"] == "alive", month["reason"]
    assert month["published"] is None and month["flags"] == ["no-date"]
    assert month["first_captured"] is not None
    proc = archiver("get", cited.month, "--archive", str(cited.archive))
    assert proc.returncode == 0 and b"kowtow" in proc.stdout


def test_no_fragment_is_recorded_and_get_finds_the_page_either_way(cited: Cited) -> None:
    targets = set()
    for path in (cited.archive / "warc").glob("*.warc.gz"):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                uri = record.rec_headers.get_header("WARC-Target-URI")
                if uri and uri.startswith("http"):
                    targets.add(uri)
    assert cited.site.url(FRAGMENT_PATH) in targets
    assert not any("#" in t for t in targets), targets
    assert cited.site.url(IRI_SENT) in targets
    sent = cited.site.routes["/q.html"].body
    for asked in (cited.fragment, cited.site.url(FRAGMENT_PATH), cited.iri):
        proc = archiver("get", asked, "--archive", str(cited.archive))
        assert proc.returncode == 0, (asked, proc.stderr)
        if "q.html" in asked:
            assert proc.stdout == sent


def test_the_wacz_holds_every_cited_page_whatever_its_form(cited: Cited,
                                                          tmp_path: Path) -> None:
    out = tmp_path / "all.wacz"
    proc = archiver("export", "--archive", str(cited.archive), "--wacz", str(out))
    assert proc.returncode == 0, proc.stderr
    pages = _pages_that_open(out)
    # each page under the URL its records hold, which the replay looks it up by;
    # the sources file's form beside it when it is another
    assert {p.get("cited", p["url"]) for p in pages} == \
        {cited.iri, cited.slashed, cited.fragment, cited.month}
    assert {p["url"] for p in pages} == {cited.site.url(IRI_SENT), cited.site.url("/%C3%BC"),
                                         cited.site.url(FRAGMENT_PATH), cited.month}
    assert {p["title"] for p in pages} >= {"Deportees arrive in Taipei",
                                           "Court rules on extradition"}
    one = tmp_path / "e1.wacz"
    proc = archiver("export", "--archive", str(cited.archive), "--wacz", str(one),
                    "--event", "e1")
    assert proc.returncode == 0, proc.stderr
    assert {p["url"] for p in _pages_that_open(one)} == \
        {cited.site.url(IRI_SENT), cited.site.url("/%C3%BC")}
    with zipfile.ZipFile(one) as z:
        warc = z.read("archive/event-e1.warc.gz")
    uris = {r.rec_headers.get_header("WARC-Target-URI")
            for r in ArchiveIterator(io.BytesIO(warc))
            if r.rec_type in ("response", "revisit")}
    assert cited.site.url(IRI_SENT) in uris
    assert cited.site.url("/%C3%BC/") in uris  # the page the citation is sent on to
    assert gzip.decompress(warc)  # whole gzip members


def _pages_that_open(wacz: Path) -> list[dict[str, str]]:
    """The pages of *wacz*, each checked to be in its index as a replay looks it
    up (ReplayWeb.page, py-wacz): the URL of a record, at the second of its ts."""
    with zipfile.ZipFile(wacz) as z:
        pages = [json.loads(line) for line in
                 z.read("pages/pages.jsonl").decode().splitlines()[1:]]
        index = gzip.decompress(z.read("indexes/index.cdx.gz")).decode().splitlines()
    indexed = set()
    for line in index:
        _, stamp, fields = line.split(" ", 2)
        indexed.add((json.loads(fields)["url"], stamp))
    for page in pages:
        stamp = "".join(c for c in page["ts"] if c.isdigit())[:14]
        assert (page["url"], stamp) in indexed, (page, sorted(indexed))
    return pages
