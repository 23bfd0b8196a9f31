"""XML feeds and JSON documents: read as their words, not their markup, so that
a feed whose story is replaced drifts (archiver.datadocs, content.data_kind)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from pathlib import Path

import pytest

from archiver.extract import extract
from archiver.likeness import drift
from archiver.pipeline import run_cycle
from archiver.settings import CheckSettings
from archiver.sources import load_sources
from archiver.storeopen import open_store

from .lab import Site
from .sourcesfile import lab_settings, one_event_per_url, write_sources

DEPORTED = ("<item><title>Malaysia deports 32 Taiwanese nationals to China</title>"
            "<pubDate>Tue, 03 May 2016 10:00:00 +0800</pubDate><description>The Ministry "
            "strongly protests the deportation from Malaysia.</description></item>")
#: another story, published the same day (a press office's second release)
PARAGUAY = ("<item><title>Minister meets delegation from Paraguay</title>"
            "<pubDate>Tue, 03 May 2016 16:00:00 +0800</pubDate><description>Agricultural "
            "cooperation was discussed.</description></item>")


def rss(*items: str) -> bytes:
    return ("<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
            f"<title>MOFA press releases</title>{''.join(items)}</channel></rss>").encode()


def read(body: bytes, content_type: str | None) -> object:
    return extract(body, url="http://127.0.0.1:1/feed", content_type=content_type)


XML_TYPES = ["application/rss+xml", "text/xml", "application/xml; charset=utf-8", None]


@pytest.mark.parametrize("content_type", ["application/rss+xml", None])  # text/xml: below
def test_a_feed_whose_item_is_replaced_drifts_and_one_that_gains_an_item_does_not(
        content_type: str | None) -> None:
    """Its tags were kept as text: a feed whose only story was replaced still
    had 58 % of its "text" and stayed alive. (Served as XML, see the end-to-end
    test.)"""
    first = extract(rss(DEPORTED), url="http://127.0.0.1:1/feed", content_type=content_type)
    replaced = extract(rss(PARAGUAY), url="http://127.0.0.1:1/feed", content_type=content_type)
    grown = extract(rss(PARAGUAY, DEPORTED), url="http://127.0.0.1:1/feed",
                    content_type=content_type)
    found = drift(replaced, first, CheckSettings())
    assert found is not None and found[0] == "text-replaced"
    assert drift(grown, first, CheckSettings()) is None


@pytest.mark.parametrize("content_type", XML_TYPES)
def test_the_text_of_a_feed_is_its_words_apart(content_type: str | None) -> None:
    """Served as text/xml it was read as HTML, its words run together
    ("releasesMalaysia"); otherwise its markup was its text."""
    page = extract(rss(DEPORTED), url="http://127.0.0.1:1/feed", content_type=content_type)
    assert page.kind == "other"
    assert page.text == ("MOFA press releases Malaysia deports 32 Taiwanese nationals to China"
                         " Tue, 03 May 2016 10:00:00 +0800 The Ministry strongly protests the"
                         " deportation from Malaysia.")
    assert (page.headline, page.published) == ("MOFA press releases", dt.date(2016, 5, 3))


def test_an_xhtml_page_served_as_xml_is_still_html_and_a_feed_beside_it_is_not() -> None:
    xhtml = (b'<?xml version="1.0" encoding="utf-8"?><!DOCTYPE html PUBLIC "-//W3C//DTD XHTML'
             b' 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">'
             b'<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Court frees activists'
             b'</title></head><body><h1>Court frees activists</h1><p>The court ruled.</p>'
             b'</body></html>')
    for content_type in ("text/xml", "application/xml"):
        page = extract(xhtml, url="http://127.0.0.1:1/a", content_type=content_type)
        assert (page.kind, page.headline) == ("html", "Court frees activists")
        assert page.text == "Court frees activists The court ruled."
        assert extract(rss(DEPORTED), url="http://127.0.0.1:1/a", content_type=content_type
                       ).text.startswith("MOFA press releases Malaysia deports")


def test_atom_and_rss_1_feeds_give_their_title_and_the_day_of_their_earliest_item() -> None:
    atom = (b"<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
            b"<title>Statements</title><updated>2026-01-01T00:00:00Z</updated>"
            b"<entry><title>Minister meets delegation</title><updated>2016-06-10T10:00:00Z"
            b"</updated></entry><entry><title>Malaysia deports 32 Taiwanese</title>"
            b"<published>2016-05-03T10:00:00+08:00</published><updated>2016-05-09T10:00:00Z"
            b"</updated><summary type='html'>&lt;p&gt;The Ministry &lt;b&gt;protests"
            b"&lt;/b&gt;.&lt;/p&gt;</summary></entry></feed>")
    page = extract(atom, url="http://127.0.0.1:1/atom", content_type="application/atom+xml")
    assert (page.headline, page.published) == ("Statements", dt.date(2016, 5, 3))
    assert "The Ministry protests ." in page.text and "<" not in page.text
    rdf = (b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax'
           b'-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
           b'<channel><title>Press releases</title></channel><item><title>Malaysia deports'
           b'</title><dc:date>2016-05-03</dc:date></item></rdf:RDF>')
    page = extract(rdf, url="http://127.0.0.1:1/rdf", content_type="application/rdf+xml")
    assert (page.headline, page.published) == ("Press releases", dt.date(2016, 5, 3))
    assert page.text == "Press releases Malaysia deports 2016-05-03"


def test_a_malformed_feed_is_read_for_its_words() -> None:
    """A bare "&", HTML's "&nbsp;" and escaped HTML, as real feeds have them; a
    feed cut short gives what it has."""
    body = (b"<?xml version='1.0'?><rss><channel><title>News &amp; views</title><item>"
            b"<title>AT&T&nbsp;fined</title><description>&lt;p&gt;Caf&amp;eacute; "
            b"owners&lt;/p&gt;</description><description><![CDATA[<p>Hello <b>world</b>"
            b"</p>]]></description></item></channel></rss>")
    page = extract(body, url="http://127.0.0.1:1/f", content_type="application/rss+xml")
    assert page.text == "News & views AT&T fined Café owners Hello world"
    cut = extract(body[:120], url="http://127.0.0.1:1/f", content_type="application/rss+xml")
    assert cut.headline == "News & views" and cut.text.startswith("News & views AT&T")


def test_json_is_its_string_values_and_a_replaced_record_drifts() -> None:
    record = {"title": "Malaysia deports 32 Taiwanese nationals to China", "id": 112,
              "date": "2016-05-03", "public": True,
              "body": {"rendered": "<p>The Ministry strongly protests the deportation.</p>"}}
    other = dict(record, title="Minister meets delegation from Paraguay",
                 body={"rendered": "<p>Agricultural cooperation was discussed.</p>"})
    first = extract(json.dumps(record).encode(), url="http://127.0.0.1:1/api/112",
                    content_type="application/json")
    assert first.text == ("Malaysia deports 32 Taiwanese nationals to China 2016-05-03"
                          " The Ministry strongly protests the deportation.")
    assert first.headline is None and first.published is None
    now = extract(json.dumps(other).encode(), url="http://127.0.0.1:1/api/112",
                  content_type="application/json")
    found = drift(now, first, CheckSettings())
    assert found is not None and found[0] == "text-replaced"
    # sniffed when the type says nothing; text that only starts like JSON stays text
    assert extract(b' [{"a": "x", "b": ["y"]}]', url="http://127.0.0.1:1/j",
                   content_type="text/plain").text == "x y"
    assert extract(b"[1] A footnote.", url="http://127.0.0.1:1/j",
                   content_type="text/plain").text == "[1] A footnote."


def test_hostile_xml_expands_no_entity_and_fetches_nothing() -> None:
    """No DTD loaded, no external entity read (the server sees no request), and
    an entity that would expand a billion times is not expanded."""
    with Site() as site:
        site.page("/x.dtd", '<!ENTITY x "FROM-THE-DTD">', content_type="application/xml-dtd")
        site.page("/e", "FROM-THE-ENTITY", content_type="text/plain")
        body = (f'<?xml version="1.0"?><!DOCTYPE r SYSTEM "{site.url("/x.dtd")}" ['
                f'<!ENTITY e SYSTEM "{site.url("/e")}"><!ENTITY f SYSTEM "file:///etc/hostname">'
                f']><r>Hello &e;&f;&x; world</r>').encode()
        page = extract(body, url=site.url("/feed"), content_type="text/xml")
        assert page.text == "Hello world"
        assert site.hits == []
    laughs = b"".join(b'<!ENTITY l%d "%s">' % (i, b"&l%d;" % (i - 1) * 10) for i in range(1, 10))
    body = (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY l0 "lol">' + laughs +
            b"]><rss><channel><title>&l9;</title></channel></rss>")
    started = time.monotonic()
    page = extract(body, url="http://127.0.0.1:1/f", content_type="application/rss+xml")
    assert time.monotonic() - started < 5
    assert page.kind == "other" and "lollol" not in page.text and "ENTITY" not in page.text


def test_a_cited_feed_end_to_end(tmp_path: Path) -> None:
    """Two cycles over loopback: the feed whose item is replaced is drifted, the
    one that only gains an item alive; both as RSS and as text/xml."""
    with Site() as site:
        paths = ["/replaced.rss", "/replaced.xml", "/grown.rss", "/grown.xml"]
        for path in paths:
            kind = "application/rss+xml" if path.endswith(".rss") else "text/xml"
            site.page(path, rss(DEPORTED), content_type=kind)
        urls = [site.url(p) for p in paths]
        src = write_sources(tmp_path / "sources.yaml", one_event_per_url(urls))
        archive = tmp_path / "archive"
        first = asyncio.run(run_cycle(load_sources(src), archive=archive,
                                      settings=lab_settings()))
        for path in paths:
            kind = "application/rss+xml" if path.endswith(".rss") else "text/xml"
            site.page(path, rss(PARAGUAY) if path.startswith("/replaced")
                      else rss(PARAGUAY, DEPORTED), content_type=kind)
        second = asyncio.run(run_cycle(load_sources(src), archive=archive,
                                       settings=lab_settings()))
    store = open_store(archive)
    try:
        before = {c["url"]: c["status"] for c in store.checks_of_cycle(first.cycle_id)}
        after = {c["url"]: (c["status"], c["reason"])
                 for c in store.checks_of_cycle(second.cycle_id)}
    finally:
        store.close()
    assert set(before.values()) == {"alive"}
    for url in urls[:2]:
        assert after[url][0] == "drifted", after[url]
        assert "of the first snapshot's main text is still there" in after[url][1]
    for url in urls[2:]:
        assert after[url][0] == "alive", after[url]


def test_a_first_snapshot_kept_as_markup_is_read_as_words_when_compared() -> None:
    """A feed's first snapshot kept by an earlier version holds its markup as its
    text (squashed, as that version kept it): compared with the words read now,
    the tags counted as text lost (or kept). It is read as words first."""
    from archiver.models import PageInfo
    from archiver.textnorm import squash

    items = [f"<item><title>Release {n} on deportations</title><link>http://127.0.0.1:1/"
             f"r/{n}</link><guid>r-{n}</guid><category>news</category><pubDate>Tue, 03 May "
             f"2016 10:00:00 +0800</pubDate></item>" for n in range(12)]
    from .test_classify import fetched, hop, run, snapshot

    old = snapshot(PageInfo(kind="other", text=squash(rss(*items).decode())))
    same = read(rss(*items), "application/rss+xml")
    assert run(fetched(hop()), same, baseline=old).status == "alive"
    replaced = read(rss(PARAGUAY), "application/rss+xml")
    v = run(fetched(hop()), replaced, baseline=old)
    assert (v.status, v.rule) == ("drifted", "text-replaced")
