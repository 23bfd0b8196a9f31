"""Headline, date, text and PDF extraction (archiver.extract, archiver.textnorm,
archiver.textdates)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archiver import textdates
from archiver import textnorm as tn
from archiver.extract import extract
from archiver.models import PageInfo

from .pdfs import make_pdf

PAGES = Path(__file__).parent / "pages"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "extraction-dev"


def page(name: str, url: str = "https://example.com/news/story") -> PageInfo:
    return extract((PAGES / name).read_bytes(), url=url, content_type="text/html")


def html(head: str = "", body: str = "", url: str = "https://example.com/a/b") -> PageInfo:
    doc = f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>"
    return extract(doc.encode(), url=url, content_type="text/html")


# ---------------------------------------------------------------- model pages

def test_wordpress_yoast_graph():
    info = page("wordpress-yoast.html", "https://thediplomat.com/2016/05/taiwan-slams/")
    assert info.kind == "html"
    assert info.headline == "Taiwan Slams Malaysia\u2019s Kowtow to China on Deportations"
    # the article's own day at +08:00, not the UTC day of the WebPage node
    assert info.published == dt.date(2016, 5, 3)
    assert info.title == (
        "Taiwan Slams Malaysia\u2019s Kowtow to China on Deportations | The Diplomat")
    assert info.h1 == info.headline  # the logo <h1> in the site header is skipped
    assert info.canonical == (
        "https://thediplomat.com/2016/05/taiwan-slams-malaysias-kowtow-to-china-on-deportations/")
    assert info.lang == "en-US" and info.og_type == "article" and info.charset == "utf-8"
    assert "32 Taiwanese suspects" in info.text and "wishes of the suspects" in info.text
    for boilerplate in ("Regions", "Most Read", "unrelated popular", "First! Great article",
                        "All rights reserved", "Share this", "dataLayer", "color:red"):
        assert boilerplate not in info.text


def test_arc_xp_page():
    info = page("arc-xp.html", "https://www.dailyledger.example/world/2019/08/14/police/")
    assert info.headline == "Police detain activists at border crossing"
    # 22:30 UTC is the evening of the 14th in New York: both give the 14th here
    assert info.published == dt.date(2019, 8, 14)
    assert "six activists" in info.text
    assert "Advertisement" not in info.text and "Another story" not in info.text
    assert "Politics" not in info.text


def test_big5_taiwanese_page():
    info = page("big5-taiwan.html")
    assert info.charset == "cp950"
    assert info.headline == "馬國遣送台灣人至中國 外交部抗議"
    assert info.published == dt.date(2016, 5, 3)
    assert "外交部今天表示" in info.text and "碁銹" in info.text
    assert "體育" not in info.text  # the menu cell


def test_page_with_wrong_declared_charset():
    info = page("wrong-charset-big5.html")
    assert info.charset != "utf-8"
    assert info.headline == "立法院通過引渡條例修正案"
    assert info.published == dt.date(2017, 7, 28)
    assert "立法院今天三讀通過" in info.text


def test_indonesian_month_names_in_byline():
    info = page("indonesian-news.html")
    assert info.headline == "32 WNI Taiwan Dideportasi ke China"
    assert info.published == dt.date(2016, 5, 3)
    assert info.lang == "id"
    assert "Terpopuler" not in info.text


def test_chinese_date_in_source_line():
    info = page("chinese-date.html")
    assert info.headline == "外交部回应引渡问题"
    assert info.published == dt.date(2017, 7, 28)
    assert "版权所有" not in info.text and "首页" not in info.text


# ---------------------------------------------------------------- headlines

@pytest.mark.parametrize(("body", "h1"), [
    # the page header's h1 (a logo) and one in a link named so are passed over
    ("<header><h1>Site</h1></header><div><h1>Lead story</h1></div>", "Lead story"),
    ('<div><a class="brand"><h1>Site</h1></a></div><h1>Lead story</h1>', "Lead story"),
    # an article's own header is not the page's
    ("<h1>Section</h1><article><header><h1>Lead story</h1></header></article>",
     "Lead story"),
    ("<main><h1>Lead story</h1></main><h1>Other</h1>", "Lead story"),
    # none qualifies: the first h1 of the page
    ("<header><h1>Site</h1></header>", "Site"),
])
def test_the_article_h1_is_found_from_one_walk_up(body: str, h1: str) -> None:
    assert html("", body).h1 == h1


def test_title_site_suffix_and_prefix_removed():
    og = '<meta property="og:site_name" content="Reuters">'
    assert html(og + "<title>Ministry denies report | Reuters</title>").headline == \
        "Ministry denies report"
    assert html(og + "<title>Reuters - Ministry denies report</title>").headline == \
        "Ministry denies report"
    # the domain names the site when og:site_name is missing
    info = html("<title>Ministry denies report \u2013 Hong Kong Free Press</title>",
                url="https://hongkongfp.com/2019/06/01/x/")
    assert info.headline == "Ministry denies report"


def test_dash_inside_headline_is_kept():
    head = ('<meta property="og:title" content="Vädjar efter attackerna – kritiskt">'
            "<title>Vädjar efter attackerna – kritiskt</title>")
    assert html(head).headline == "Vädjar efter attackerna – kritiskt"


def test_agreeing_sources_win_over_a_lone_seo_title():
    head = ('<meta property="og:title" content="SEO text for social media">'
            "<title>What the court decided on Monday | Example News</title>")
    body = "<article><h1>What the court decided on Monday</h1><p>x</p></article>"
    assert html(head, body).headline == "What the court decided on Monday"


def test_jsonld_list_and_entities():
    ld = json.dumps([{"@type": "WebSite", "name": "Site"},
                     {"@type": ["NewsArticle"], "headline": "Court &amp; rights",
                      "datePublished": "2020-02-03"}])
    info = html(f'<script type="application/ld+json">{ld}</script>')
    assert info.headline == "Court & rights"
    assert info.published == dt.date(2020, 2, 3)


def test_jsonld_nested_past_the_stack_is_skipped_and_the_rest_read(caplog):
    """A block of 50,000 nested arrays (or objects) makes Python's JSON reader
    raise RecursionError: that block is left out, the page's other markup read."""
    head = ('<meta property="og:title" content="Court frees activists">'
            '<meta property="article:published_time" content="2016-05-03">')
    good = json.dumps({"@type": "NewsArticle", "headline": "Court frees activists"})
    for deep in ("[" * 50_000 + "]" * 50_000, '{"a":' * 50_000 + "1" + "}" * 50_000,
                 "[" * 50_000 + "]" * 50_000 + ";"):
        blocks = (f'<script type="application/ld+json">{deep}</script>'
                  f'<script type="application/ld+json">{good}</script>')
        info = html(head + blocks, "<p>Text.</p>")
        assert info.headline == "Court frees activists"
        assert info.published == dt.date(2016, 5, 3)
    assert "extraction failed" not in caplog.text


def test_one_pass_keeps_the_first_elements_of_each_kind():
    from archiver.dom import parse_html
    from archiver.pagemeta import FOUND_MAX, META_NAMES_MAX, collect

    metas = "".join(f'<meta name="k{i}" content="v{i}">' for i in range(META_NAMES_MAX + 500))
    body = "".join(f"<h1>H{i}</h1><time>{i}</time><article>{i}</article>"
                   f'<script type="application/ld+json">{{"n": {i}}}</script>'
                   for i in range(FOUND_MAX + 100))
    tree, _ = parse_html(f"<head>{metas}</head><body>{body}</body>".encode(), "text/html")
    assert tree is not None
    found = collect(tree, "http://127.0.0.1/x")
    assert len(found.meta) == META_NAMES_MAX and found.meta["k0"] == "v0"
    assert "k2100" not in found.meta
    for kept in (found.h1s, found.times, found.containers, found.jsonld):
        assert len(kept) == FOUND_MAX
    assert found.h1s[0].text() == "H0" and found.jsonld[-1] == {"n": FOUND_MAX - 1}


def test_collect_without_the_main_texts_boxes_reads_the_rest_alike():
    """``collect(..., containers=False)``, as a reader of headline and date
    asks, leaves out the <article>/<main> boxes only: every other value is the
    same, a <meta> refresh resolved against the <base> before it (not the one
    after)."""
    from archiver.dom import parse_html
    from archiver.pagemeta import Markup, collect

    doc = ("<html><head><title>T</title><base href='/b/'>"
           "<meta http-equiv='refresh' content='0; url=next'><base href='/late/'>"
           "<meta property='og:title' content='O'><link rel=canonical href=c>"
           "<script type='application/ld+json'>{\"@type\": \"NewsArticle\"}</script></head>"
           "<body><main><article><h1>H</h1><time datetime='2016-05-03'>3 May</time>"
           "<meta itemprop='datePublished' content='2016-05-03'></article></main>"
           "<form><input type=password></form></body></html>")
    tree, _ = parse_html(doc.encode(), "text/html")
    assert tree is not None
    whole = collect(tree, "https://example.com/a/b")
    lean = collect(tree, "https://example.com/a/b", containers=False)
    assert [el.tag for el in whole.containers] == ["main", "article"] and lean.containers == []
    assert whole.refresh == "https://example.com/b/next"

    def rest(found: Markup) -> tuple[object, ...]:
        return (found.title, found.meta, found.jsonld, [el.mem_id for el in found.h1s],
                [el.mem_id for el in found.times], found.canonical, found.refresh,
                found.password, [(el.mem_id, p, c) for el, p, c in found.dated])

    assert rest(lean) == rest(whole)
    # (the <body>'s date <meta itemprop> filed apart, for the date to weigh)
    assert whole.password and [(p, c) for _, p, c in whole.dated] == [
        ("datePublished", "2016-05-03")] and "datepublished" not in whole.meta


@pytest.mark.parametrize(("doc", "title", "canonical"), [
    # in the <head>, where pages have them; the <body> is not queried for them
    ("<head><title>A</title><link rel=canonical href=/c></head>"
     "<body><title>B</title><link rel=canonical href=/d></body>", "A", "https://example.com/c"),
    # not in the <head>: the first in the <body>, with the <base> before it
    ("<head><base href='https://b.example/x/'></head><body><svg><title>icon</title></svg>"
     "<title>B</title><link rel=canonical href=c></body>", "B", "https://b.example/x/c"),
    # a link without an address is passed over, in the <head> as in the <body>
    ("<head><title>A</title><link rel=canonical href='javascript:void(0)'></head>"
     "<body><base href=/y/><link rel=canonical href=d></body>", "A", "https://example.com/y/d"),
    # a frameset (no <body>): the whole document at once
    ("<head><title>F</title><link rel=canonical href=/f></head><frameset><frame></frameset>",
     "F", "https://example.com/f"),
])
def test_the_first_title_and_canonical_link_are_read_head_first(
        doc: str, title: str, canonical: str) -> None:
    from archiver.dom import parse_html
    from archiver.pagemeta import collect

    tree, _ = parse_html(f"<!DOCTYPE html><html>{doc}</html>".encode(), "text/html")
    assert tree is not None
    found = collect(tree, "https://example.com/a/b")
    assert (found.title, found.canonical) == (title, canonical)


def test_no_headline_on_an_empty_page():
    info = html("", "<p>hello</p>")
    assert info.headline is None and info.published is None and info.title is None
    assert not info.empty


@pytest.mark.parametrize(("body", "content_type", "kind"), [
    (b"", "text/html", "html"),
    (b" \r\n\t ", "text/html; charset=utf-8", "html"),
    (b"\n", "application/pdf", "other"),
    (b"", None, "other"),
])
def test_an_empty_body_is_said_to_be_empty(body: bytes, content_type: str | None,
                                           kind: str) -> None:
    info = extract(body, url="http://127.0.0.1/a", content_type=content_type)
    assert (info.kind, info.empty) == (kind, True)


def test_a_body_of_markup_without_text_is_not_empty() -> None:
    assert not extract(b"<html><body></body></html>", url="http://127.0.0.1/a",
                       content_type="text/html").empty


# ---------------------------------------------------------------- dates

@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ('<meta property="article:published_time" content="2016-05-03T01:00:00+08:00">',
         dt.date(2016, 5, 3)),
        ('<meta name="pubdate" content="20160503">', dt.date(2016, 5, 3)),
        ('<meta name="DC.date.issued" content="2016-05-03">', dt.date(2016, 5, 3)),
        ('<meta name="sailthru.date" content="Tue, 03 May 2016 23:10:00 -0400">',
         dt.date(2016, 5, 3)),
        ('<meta name="parsely-pub-date" content="2016-05-03T23:59:00-07:00">',
         dt.date(2016, 5, 3)),
        ('<meta itemprop="datePublished" content="2016-05-03">', dt.date(2016, 5, 3)),
        ('<meta name="article:modified_time" content="2016-05-03">', None),
        ('<meta name="pubdate" content="1990-01-01">', None),
        ('<meta name="pubdate" content="2999-01-01">', None),
    ],
)
def test_meta_dates(head, expected):
    assert html(head, url="https://example.com/story").published == expected


def test_itemprop_dates_are_read_apart_in_document_order():
    """The ``itemprop=datePublished`` values of any element but ``<meta>`` (read
    with the other ``<meta>``), the first ten in document order: read by a
    query of their own, only for a page not dated before them."""
    from archiver.dom import parse_html
    from archiver.pagemeta import collect, itemprop_dates

    spans = "".join(f'<span itemprop="datePublished">2016-05-{i:02d}</span>'
                    for i in range(1, 13))
    doc = ('<head><meta itemprop="datePublished" content="2001-01-01"></head><body>'
           '<time itemprop="datePublished" datetime="2015-01-02">x</time>'
           '<div itemprop="DatePublished">2014-01-01</div>'
           f'<p itemprop="datePublished" content="2015-03-04">y</p>{spans}</body>')
    tree, _ = parse_html(doc.encode(), "text/html")
    assert tree is not None
    assert itemprop_dates(tree) == ["2015-01-02", "2015-03-04",
                                    *(f"2016-05-{i:02d}" for i in range(1, 9))]
    assert collect(tree, "https://example.com/a").meta["datepublished"] == "2001-01-01"
    body = '<p>By Staff</p><span itemprop="datePublished">May 3, 2016</span>'
    assert html("", body, url="https://example.com/story").published == dt.date(2016, 5, 3)


def test_jsonld_date_published_not_modified():
    ld = {"@context": "https://schema.org", "@graph": [
        {"@type": "BlogPosting", "dateModified": "2021-01-01", "datePublished": "2015-06-30"}]}
    info = html(f'<script type="application/ld+json">{json.dumps(ld)}</script>')
    assert info.published == dt.date(2015, 6, 30)


def test_time_element_prefers_published_over_updated():
    body = ('<article><time class="updated" datetime="2020-01-05">Jan 5</time>'
            '<time class="published" datetime="2019-12-24">Dec 24</time></article>')
    assert html("", body, url="https://example.com/x").published == dt.date(2019, 12, 24)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/2016/05/03/story/", dt.date(2016, 5, 3)),
        ("https://example.com/news/20160503-story.html", dt.date(2016, 5, 3)),
        ("https://example.com/story-2016-05-03.html", dt.date(2016, 5, 3)),
        ("https://example.com/2016/05/story/", None),  # a month: no day is made up
        ("https://example.com/story/123456", None),
    ],
)
def test_date_from_url(url, expected):
    assert html("", "<p>text</p>", url=url).published == expected


def test_a_month_only_url_is_kept_apart_from_the_publication_date() -> None:
    """A /2024/04/ URL said the page was published on April 1st (RBB24's, of the
    25th): its month is kept for the date-mismatch check instead."""
    page = html("", "<p>text</p>", url="https://example.com/2024/04/story/")
    assert (page.published, page.url_month) == (None, dt.date(2024, 4, 1))
    dated = html("", "<p>text</p>", url="https://example.com/2024/04/25/story/")
    assert (dated.published, dated.url_month) == (dt.date(2024, 4, 25), None)


@pytest.mark.parametrize(
    ("path", "day", "has_day"),
    [
        # news sites' month-archived slugs that start with a number
        ("/2016/05/5-takeaways-from-the-deportation-ruling/", dt.date(2016, 5, 1), False),
        ("/2016/05/10-things-to-know-about-extradition/", dt.date(2016, 5, 1), False),
        ("/2016/05/03_1234/", dt.date(2016, 5, 1), False),
        ("/2016/05/3.5-million-signatures/", dt.date(2016, 5, 1), False),
        # WordPress day archives, a day as the page's file
        ("/2016/05/03/court-rules/", dt.date(2016, 5, 3), True),
        ("/2016/05/3", dt.date(2016, 5, 3), True),
        ("/2016/05/03.html", dt.date(2016, 5, 3), True),
        ("/news/2016/5/3.shtml", dt.date(2016, 5, 3), True),
        ("/2016/05/03.cms", dt.date(2016, 5, 3), True),  # any extension
        # a zero-padded day before the slug: a slug's own number has no zero
        ("/2016/05/03-council-approves-new-budget/", dt.date(2016, 5, 3), True),
        ("/2016/05/03_council_budget", dt.date(2016, 5, 3), True),
        # People's Daily (month and day in one segment), Xinhua and Zeit (/YYYY-MM/DD/)
        ("/n1/2016/0503/c1002-28320000.html", dt.date(2016, 5, 3), True),
        ("/world/2016-05/03/c_135330000.htm", dt.date(2016, 5, 3), True),
        ("/n1/2016/1399/c1002-28320000.html", None, False),
        ("/2016/02/31/story/", None, False),  # no such day, and no month made of it
    ],
)
def test_the_day_of_a_url_is_a_whole_segment(path: str, day: dt.date | None,
                                             has_day: bool) -> None:
    assert textdates.date_from_url(f"http://127.0.0.1:8000{path}") == (day, has_day)


def test_a_slug_that_starts_with_a_number_is_not_the_day() -> None:
    """/2016/05/5-takeaways-.../ was published on May 5th, /10-things-.../
    on the 10th: the slug's number was read as the day."""
    for slug in ("5-takeaways-from-the-deportation-ruling", "10-things-to-know"):
        page = html("", "<h1>Five takeaways</h1><p>The court ruled.</p>",
                    url=f"http://127.0.0.1:8000/2016/05/{slug}/")
        assert (page.published, page.url_month) == (None, dt.date(2016, 5, 1))


_LD_ARTICLE = ('{"@context": "https://schema.org", "@type": "NewsArticle",'
               ' "headline": "Court rules on extradition case",'
               ' "datePublished": "2016-05-03T10:20:00+08:00"%s}')


@pytest.mark.parametrize("block", [
    # two template parts each printing its object into one script (Article, Organization)
    _LD_ARTICLE % "" + '{"@type": "Organization", "name": "Daily Ledger"}',
    _LD_ARTICLE % "" + '\n[{"@type": "BreadcrumbList", "itemListElement": []}];',
    # a PHP or Twig loop that writes a comma after every field
    _LD_ARTICLE % ', "author": {"@type": "Person", "name": "Jane Doe",},',
    _LD_ARTICLE % ', "keywords": ["court", "extradition",]',
    # XHTML-era themes: the script's content hidden from old parsers
    "//<![CDATA[\n" + _LD_ARTICLE % "" + "\n//]]>",
    "/*<![CDATA[*/" + _LD_ARTICLE % "" + "/*]]>*/",
    # Drupal 7's inline script wrapper
    "<!--//--><![CDATA[// ><!--\n" + _LD_ARTICLE % "" + "\n//--><!]]>",
    # a title escaped with PHP's addslashes
    _LD_ARTICLE % ', "description": "Taiwan\\\'s court, \\"at last\\"", "x": "a\\\\"',
])
def test_jsonld_that_lenient_readers_accept_is_read(block: str) -> None:
    info = html(f'<script type="application/ld+json">{block}</script>', "<p>The court ruled.</p>",
                url="http://127.0.0.1:8000/news/story")
    assert info.published == dt.date(2016, 5, 3)


def test_jsonld_read_leniently_keeps_every_value_and_its_strings() -> None:
    from archiver.pagemeta import Markup, _collect_jsonld

    found = Markup()
    _collect_jsonld('{"a": "x,}", "b": [1, 2,],}{"c": "it\\\'s \\\\\\" ok"};\n//]]>', found)
    assert found.jsonld == [{"a": "x,}", "b": [1, 2]}, {"c": "it's \\\" ok"}]


@pytest.mark.parametrize("block", [
    '"\\"' * 160_000,                       # a string that never ends
    '{"a": [' + "1," * 240_000,               # commas, no closing bracket
    "/*" + "a" * 480_000,                     # a comment that never ends
    "{}" * 240_000,                           # values back to back
    '{"a": 1}' + " " * 30_000 + "x",          # took 5 s: spaces tried as the trailing ones
])
def test_jsonld_read_leniently_in_linear_time(block: str) -> None:
    from archiver.pagemeta import Markup, _collect_jsonld

    start = time.process_time()
    _collect_jsonld(block, Markup())
    assert time.process_time() - start < 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Published May 3, 2016 at 10:00", dt.date(2016, 5, 3)),
        ("3 de mayo de 2016", dt.date(2016, 5, 3)),
        ("Publié le 3 mai 2016", dt.date(2016, 5, 3)),
        ("Veröffentlicht am 3. Mai 2016", dt.date(2016, 5, 3)),
        ("Selasa, 3 Mei 2016 10:20 WIB", dt.date(2016, 5, 3)),
        ("2017年7月28日 10:15", dt.date(2017, 7, 28)),
        ("28.07.2017, 10:15 Uhr", dt.date(2017, 7, 28)),
        ("no date here", None),
        ("31 February 2016", None),
    ],
)
def test_find_date_in_text(text, expected):
    assert textdates.find_date_in_text(text) == expected


def test_byline_date_in_page():
    body = '<div class="article-meta">Publicado el 3 de mayo de 2016</div><p>x</p>'
    assert html("", body, url="https://example.com/x").published == dt.date(2016, 5, 3)


# Datelines as the news sites of the report's countries write them, and as
# CLDR's Gregorian calendars name the months (nominative and genitive; Arabic
# as Egypt, the Levant and Morocco write it; Thai with a Buddhist-era year;
# the digits of other scripts).
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Опубликовано: 12 марта 2019 г., 10:15", dt.date(2019, 3, 12)),  # Russian
        ("12 березня 2019, 10:15", dt.date(2019, 3, 12)),  # Ukrainian
        ("Data publikacji: 12 marca 2019 r.", dt.date(2019, 3, 12)),  # Polish
        ("12. března 2019 10:15", dt.date(2019, 3, 12)),  # Czech
        ("12 martie 2019, ora 10:15", dt.date(2019, 3, 12)),  # Romanian
        ("Pazartesi, 12 Mayıs 2019 10:15", dt.date(2019, 5, 12)),  # Turkish
        ("12 ARALIK 2019", dt.date(2019, 12, 12)),  # Turkish, capitals (I, not İ)
        ("12 augusti 2019 kl. 10.15", dt.date(2019, 8, 12)),  # Swedish
        ("Khamis, 12 Julai 2019", dt.date(2019, 7, 12)),  # Malay
        ("Marso 12, 2019", dt.date(2019, 3, 12)),  # Filipino
        ("12 Μαΐου 2019, 10:15", dt.date(2019, 5, 12)),  # Greek
        ("2019. március 12. 10:15", dt.date(2019, 3, 12)),  # Hungarian: year first
        ("12 մարտի 2019, 10:15", dt.date(2019, 3, 12)),  # Armenian
        ("الثلاثاء 12 مارس 2019", dt.date(2019, 3, 12)),  # Arabic (Egypt)
        ("12 تشرين الأول، 2019", dt.date(2019, 10, 12)),  # Arabic (Levant)
        ("12 شتنبر 2019", dt.date(2019, 9, 12)),  # Arabic (Morocco)
        ("Thứ ba, ngày 12 tháng 3 năm 2019", dt.date(2019, 3, 12)),  # Vietnamese
        ("12 มีนาคม 2562 เวลา 10:15 น.", dt.date(2019, 3, 12)),  # Thai, Buddhist era
        ("วันที่ 12 มี.ค. 2562", dt.date(2019, 3, 12)),  # Thai, the month abbreviated
        ("๑๒ มีนาคม ๒๕๖๒", dt.date(2019, 3, 12)),  # Thai digits
        ("ວັນທີ 12 ມີນາ 2019", dt.date(2019, 3, 12)),  # Lao
        ("ថ្ងៃទី១២ ខែមីនា ឆ្នាំ២០១៩", dt.date(2019, 3, 12)),  # Khmer, Khmer digits
        ("١٢ مارس ٢٠١٩", dt.date(2019, 3, 12)),  # Arabic-Indic digits
        ("２０１９年３月１２日", dt.date(2019, 3, 12)),  # fullwidth digits
    ],
)
def test_find_date_in_text_in_more_languages(text, expected):
    assert textdates.find_date_in_text(text) == expected


def test_no_month_name_stands_for_two_months():
    """The languages' month names share letters ("listopad" is November in Polish
    and Czech): a name read as two different months would date pages wrongly."""
    from archiver.textdates import _MONTH_NAMES, _MORE_MONTHS, named_months

    months: dict[str, set[int]] = {}
    for name, number in named_months(_MONTH_NAMES, _MORE_MONTHS):
        months.setdefault(name, set()).add(number)
    assert {name: found for name, found in months.items() if len(found) > 1} == {}


def test_a_microformat_date_in_a_title_attribute():
    """hAtom's ``<abbr class="published" title="...">``, whose text has no year
    (older WordPress and Blogger themes)."""
    body = ('<article><h1>Story</h1><div class="entry-meta">Posted on <abbr class="published" '
            'title="2019-03-12T08:00:00+00:00">12 Mar</abbr></div><p>text</p></article>')
    assert html("", body, url="https://example.com/x").published == dt.date(2019, 3, 12)


def test_teaser_dates_in_links_give_way_to_the_title_date():
    # modelled on dw.com's article pages (2023): no date in the head but the
    # title's suffix; the dated boxes with a date class are the related
    # articles' teasers, each inside its link
    head = ("<title>Ukrainische Gegenoffensive: Ziele, Chancen, Risiken | Europa | DW | "
            "28.04.2023</title>")
    teaser = ('<div class="linkList"><a href="/de/a-{n}"><h2>Teaser {n} '
              '<span class="date">{day}.04.2023</span></h2></a></div>')
    body = ("<h1>Ukrainische Gegenoffensive</h1><p>Text.</p>"
            + teaser.format(n=1, day=24) + teaser.format(n=2, day=26)
            + '<ul class="smallList"><li><strong>Datum</strong> 28.04.2023</li></ul>')
    url = "https://www.dw.com/de/ukrainische-gegenoffensive/a-65464327"
    assert html(head, body, url=url).published == dt.date(2023, 4, 28)
    # a byline outside any link still comes first, and with no title date a
    # teaser's date is better than none
    own = '<div class="article-date">27.04.2023</div>'
    assert html(head, own + body, url=url).published == dt.date(2023, 4, 27)
    assert html("<title>Ukraine</title>", body, url=url).published == dt.date(2023, 4, 24)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # modelled on rbb24.de's "technical line" under the headline (2024)
        ("Do 25.04.24 | 14:07 Uhr | Von Eva Muster", dt.date(2024, 4, 25)),
        ("5.4.24, 09:12", dt.date(2024, 4, 5)),
        ("Erschienen am 25.04.24.", dt.date(2024, 4, 25)),  # the end of a sentence
        # "as of": the page's time, often its only one (tagesschau.de writes it
        # under every article), read as its date
        ("Stand: 25.04.24.", dt.date(2024, 4, 25)),
        ("Version 1.2.24.3", None),  # a piece of a longer number
        ("31.02.24", None),  # no such day
        ("25.04.99", None),  # read as 2099: in the future
        ("04/05/24", None),  # slashes: either order, not read
    ],
)
def test_two_digit_years_in_a_byline(line, expected):
    body = f'<h1>Lunik</h1><div class="lineinfo">{line}</div><p>Text.</p>'
    assert html("<title>Lunik</title>", body,
                url="https://www.rbb24.de/kultur/beitrag/lunik.html").published == expected


# ---------------------------------------------------------------- other fields

def test_meta_refresh_and_password():
    head = '<meta http-equiv="refresh" content="0; url=/login?next=/a">'
    body = '<form><input type="text" name="u"><input type="PASSWORD" name="p"></form>'
    info = html(head, body, url="https://example.com/a/b")
    assert info.meta_refresh == "https://example.com/login?next=/a"
    assert info.has_password_field is True


def test_an_itemprop_date_is_not_a_password_field_a_canonical_or_json_ld():
    """An ``<input>``, ``<link>`` or ``<script>`` that carries
    ``itemprop=datePublished`` is read for its date only: not as a password
    field (which makes a page a login wall), a canonical link or a JSON-LD block."""
    head = ('<link itemprop="datePublished" href="/2016-05-03">'
            '<script itemprop="datePublished">{"@type": "NewsArticle", '
            '"headline": "From the script"}</script>')
    body = ('<h1>The headline</h1><form><input type="hidden" itemprop="datePublished" '
            'value="2016-05-03"></form><p>Text.</p>')
    info = html(head, body, url="https://example.com/a/b")
    assert info.has_password_field is False
    assert info.canonical is None
    assert info.headline == "The headline"

@pytest.mark.parametrize("where", [
    # Ars Technica: the account drop-down in the site header
    '<header class="site-header"><div class="dropdown" id="header-account">{form}</div>'
    "</header>",
    # Junge Welt, Morgunbladid: a Bootstrap navbar's drop-down
    '<nav class="main-nav"><ul class="navbar-nav"><li class="nav-item">'
    '<div class="dropdown-menu">{form}</div></li></ul></nav>',
    # Herald Sun: a lightbox; Il Giornale: the comments' sign-in
    '<div class="module nav-login"><div id="header-nav-login-lightbox">{form}</div></div>',
    '<section id="comments"><div class="comments__actions">{form}</div></section>',
    '<div role="dialog">{form}</div>',
])
def test_a_sign_in_box_of_the_site_is_not_a_password_form(where: str) -> None:
    """A not-found page in a site's template keeps the header's sign-in box: it
    must not make the page a login wall (it made such pages blocked, not soft-404)."""
    form = '<form id="login-form"><input name="u"><input type="password" name="p"></form>'
    body = where.format(form=form) + "<main><h1>Page not found</h1><p>Sorry.</p></main>"
    assert html("<title>Page not found</title>", body).has_password_field is False
    login = f"<main><h1>Sign in</h1>{form}</main>"  # the page's own content
    assert html("<title>Sign in</title>", login).has_password_field is True


def test_links_are_counted_on_a_page_with_no_headline() -> None:
    teasers = "".join(f'<div class="teaser"><a href="/n/{i}">Story {i}</a></div>'
                      for i in range(30))
    listing = html('<title>The Lab Post</title><meta property="og:site_name" '
                   'content="The Lab Post">', teasers)  # a title that is the site's name
    assert (listing.headline, listing.text, listing.links) == (None, "", 30)
    assert html("<title>A</title>", "<h1>Kenya deports 45</h1><a href='/x'>x</a>").links == 0


def test_blocks_are_apart_in_the_text():
    body = ("<article><h1>Kenya deports 45</h1><div>By Staff Reporter</div>"
            "<p>First paragraph.</p><p>Second</p><ul><li>one</li><li>two</li></ul>"
            "<table><tr><td>cell</td><td>next</td></tr></table>line<br>break"
            "<blockquote>quoted</blockquote><section>sec</section><figure><img src=a.png>"
            "<figcaption>caption</figcaption></figure><h2>Sub</h2>tail</article>")
    text = html("", body).text
    for joined in ("45By", "ReporterFirst", "paragraph.Second", "onetwo", "cellnext",
                   "linebreak", "quotedsec", "Subtail"):
        assert joined not in text
    assert "Kenya deports 45 By Staff Reporter First paragraph. Second one two cell next " \
        "line break quoted sec" in text
    assert text.endswith("Sub tail")
    # inline elements do not split words
    assert html("", "<p>un<b>bold</b>ed <a href='/x'>link</a>s <em>x</em>.</p>").text == \
        "unbolded links x."


def test_text_is_capped():
    body = "<p>" + "word " * 60_000 + "</p>"
    from archiver.maintext import MAX_TEXT_CHARS

    assert len(html("", body).text) == MAX_TEXT_CHARS


def test_plain_text_and_other_kinds():
    info = extract(b"Just  some\n text", url="https://e.com/a.txt", content_type="text/plain")
    assert info.kind == "other" and info.text == "Just some text"
    assert extract(b"\x89PNG\r\n", url="https://e.com/a.png", content_type="image/png") == \
        PageInfo(kind="other")


@pytest.mark.parametrize("content_type", [
    "application/json", "application/ld+json; charset=utf-8", "application/rss+xml",
    "text/csv"])  # (application/xml and text/xml are read as markup, as XHTML may be)
def test_json_and_xml_keep_their_text_to_be_compared(content_type: str) -> None:
    """A cited API answer or feed is text: replaced by another record, it drifts as
    plain text does (it stayed alive, with no text to compare)."""
    body = b'{"title": "Kenya deports 45 Taiwanese", "date": "2016-04-12"}'
    info = extract(body, url="https://api.example/records/1", content_type=content_type)
    assert info.kind == "other" and "Kenya deports 45 Taiwanese" in info.text


# ---------------------------------------------------------------- PDF

def test_pdf_metadata_and_text():
    body = make_pdf({"/Title": "Annual report on extraditions",
                     "/CreationDate": "D:20160503120000+08'00'"},
                    text="Ministry of Justice annual report")
    info = extract(body, url="https://gov.example/doc.pdf", content_type="application/pdf")
    assert info.kind == "pdf"
    assert info.headline == "Annual report on extraditions"
    assert info.published == dt.date(2016, 5, 3)
    assert "Ministry of Justice annual report" in info.text


def test_a_pdf_rendered_as_it_is_fetched_is_dated_by_its_text():
    """A court database makes its PDFs on demand: their /CreationDate is the moment
    of the request (a date-mismatch flag for every citation of them); the date
    the judgment gives of itself is its date. A PDF created today that gives no
    earlier date keeps today's."""
    now = dt.datetime.now(dt.UTC).strftime("D:%Y%m%d%H%M%SZ")
    body = make_pdf({"/Title": "Republic v. Chen and 44 others", "/CreationDate": now},
                    text="Judgment delivered at Nairobi, 13 April 2016")
    info = extract(body, url="https://kenyalaw.example/caselaw/cases/view/123",
                   content_type="application/pdf")
    assert info.published == dt.date(2016, 4, 13)
    fresh = make_pdf({"/Title": "Statement", "/CreationDate": now}, text="Statement of today")
    info = extract(fresh, url="https://gov.example/statement.pdf", content_type="application/pdf")
    assert info.published == dt.datetime.now(dt.UTC).date()


@pytest.mark.parametrize(("description", "day"), [
    # PDF 2.0 writers: XMP only, the date an element; Acrobat's attribute form
    ('<rdf:Description rdf:about=""><xmp:CreateDate>2016-05-03T07:30:00+09:00'
     "</xmp:CreateDate></rdf:Description>", dt.date(2016, 5, 3)),
    ('<rdf:Description rdf:about="" xmp:CreateDate="2016-05-02T23:30:00-05:00"/>',
     dt.date(2016, 5, 2)),
    ('<rdf:Description rdf:about="uuid:6f1b"><xmp:CreateDate>2016-05-03T00:10:00+02:00'
     "</xmp:CreateDate></rdf:Description>", dt.date(2016, 5, 3)),
    ('<rdf:Description rdf:about=""><xmp:CreateDate>2016-05-03</xmp:CreateDate>'
     "</rdf:Description>", dt.date(2016, 5, 3)),
])
def test_pdf_xmp_date_is_the_day_as_written(description: str, day: dt.date) -> None:
    """The day of XMP's CreateDate in its own time zone, as /CreationDate's
    is read, where it was the UTC day (07:30 in Tokyo on May 3rd was May 2nd)."""
    body = make_pdf({"/Title": "Annual report on extraditions"}, xmp=description)
    info = extract(body, url="http://127.0.0.1:8000/files/report.pdf",
                   content_type="application/pdf")
    assert (info.headline, info.published) == ("Annual report on extraditions", day)


def test_pdf_junk_title_falls_back_to_first_line():
    body = make_pdf({"/Title": "Microsoft Word - report.docx"},
                    text="Extradition statistics for the year")
    info = extract(body, url="https://gov.example/2019/07/02/doc.pdf", content_type=None)
    assert info.headline == "Extradition statistics for the year"
    assert info.published == dt.date(2019, 7, 2)


@pytest.mark.parametrize("title", ["Microsoft Word - Press Release 112 final.docx",
                                   "Press release 112 (final).doc", "新聞稿 0503.docx",
                                   "Untitled-1", "PowerPoint Presentation", "Presentation1"])
def test_pdf_file_names_with_spaces_and_placeholders_are_no_headline(title: str) -> None:
    """Word's and InDesign's titles when the author set none: the file name (with
    spaces, as most are) was taken for the headline."""
    body = make_pdf({"/Title": title}, text="Extradition statistics for the year")
    info = extract(body, url="https://gov.example/doc.pdf", content_type="application/pdf")
    assert info.headline == "Extradition statistics for the year"


def test_a_pdf_title_that_ends_in_an_extension_after_a_space_is_a_title() -> None:
    body = make_pdf({"/Title": "Guidelines for filing documents as .pdf"},
                    text="Extradition statistics for the year")
    info = extract(body, url="https://gov.example/doc.pdf", content_type="application/pdf")
    assert info.headline == "Guidelines for filing documents as .pdf"


def test_a_pdf_title_that_is_no_text_is_no_headline() -> None:
    """A malformed PDF's /Title that is a name, an array or a dictionary gave its
    Python form as the headline ("{'/A': 'b'}", "/Untitled")."""
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

    from archiver.pdfinfo import _pdf_title

    for value in (NameObject("/Untitled"), ArrayObject([TextStringObject("Malaysia")]),
                  DictionaryObject({NameObject("/A"): TextStringObject("b")})):
        assert _pdf_title(value) is None, value
    assert _pdf_title(TextStringObject("Annual report on extraditions")) == \
        "Annual report on extraditions"


def test_a_pdf_rendered_on_request_is_dated_by_its_url_day() -> None:
    """A court database's PDF made as it is fetched (created today), with no date
    in its text, was dated today: a false date-mismatch, though its URL has the day."""
    today = dt.datetime.now(dt.UTC).strftime("%Y%m%d")
    body = make_pdf({"/Title": "Judgment in case 123", "/CreationDate": f"D:{today}093000Z"},
                    text="The court rules on the appeal of the applicants")
    info = extract(body, url="https://court.example/judgments/2016/05/03/case-123.pdf",
                   content_type="application/pdf")
    assert info.published == dt.date(2016, 5, 3)


def test_pdf_title_of_over_500_characters_falls_back_to_first_line():
    body = make_pdf({"/Title": "Annual report " * 40}, text="Extradition statistics for 2019")
    info = extract(body, url="https://gov.example/doc.pdf", content_type="application/pdf")
    assert info.headline == "Extradition statistics for 2019"
    body = make_pdf({"/Title": "Annual report " * 30}, text="Extradition statistics for 2019")
    info = extract(body, url="https://gov.example/doc.pdf", content_type="application/pdf")
    assert info.headline == ("Annual report " * 30).strip()  # 419 characters: a title


def test_pdf_page_of_heavy_drawing_is_not_read_for_text(caplog):
    """pypdf reads drawing instructions at some 20,000 a second: a page of
    100,000 took 5 s and 180 MB. Past MAX_PAGE_CONTENT bytes its text is left."""
    from archiver.pdfinfo import MAX_PAGE_CONTENT

    light = b"0 0 m 1 1 l S\n" * 1000
    heavy = light * (MAX_PAGE_CONTENT // len(light) + 1)
    info = extract(make_pdf({"/Title": "Annual report"}, "Extradition statistics",
                            drawing=light), url="https://gov.example/a.pdf", content_type=None)
    assert "Extradition statistics" in info.text
    start = time.process_time()
    info = extract(make_pdf({"/Title": "Annual report"}, "Extradition statistics",
                            drawing=heavy), url="https://gov.example/b.pdf", content_type=None)
    assert time.process_time() - start < 1
    assert info.headline == "Annual report" and info.text == ""
    assert "https://gov.example/b.pdf: text of PDF page 1 left unread" in caplog.text
    # a heavy first page (a map, a chart) does not keep the second from being read
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for body in (make_pdf({}, "Map of the camps", drawing=heavy),
                 make_pdf({}, "Deportations rose in 2019")):
        writer.append(PdfReader(io.BytesIO(body)))
    out = io.BytesIO()
    writer.write(out)
    info = extract(out.getvalue(), url="https://gov.example/c.pdf", content_type=None)
    assert info.text == "Deportations rose in 2019"


_PDF_PROBE = textwrap.dedent("""
    import json, logging, resource, sys
    # a guard for the machine, should the ceiling under test not hold
    resource.setrlimit(resource.RLIMIT_DATA, (1536 << 20, resource.RLIM_INFINITY))
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    from archiver import pdfinfo
    from archiver.extract import extract
    from tests.pdfs import inflating_pdf
    pdfinfo.PDF_MEMORY = int(sys.argv[1]) << 20
    body = inflating_pdf({"/Title": "Annual report on detention",
                          "/CreationDate": "D:20190503120000"}, 64 << 20)
    limit = resource.getrlimit(resource.RLIMIT_DATA)
    from tests.peak import peak_kb
    base = peak_kb()
    info = extract(body, url="http://127.0.0.1/r.pdf", content_type="application/pdf")
    grew = peak_kb() - base
    print(json.dumps({"grew_mb": grew / 1024, "headline": info.headline,
                      "published": str(info.published), "text": len(info.text),
                      "limit_kept": resource.getrlimit(resource.RLIMIT_DATA) == limit}))
""")


@pytest.mark.skipif(sys.platform != "linux", reason="the ceiling is Linux's RLIMIT_DATA")
def test_pdf_reading_is_held_to_its_memory_ceiling():
    """A page whose instructions inflate to 64 MB (pypdf's own cap is 75 MB):
    under a ceiling of 16 MB the inflation fails, the text is left unread,
    the metadata is still read and memory stays near the ceiling; with the
    ceiling above it, the same page inflates in full."""
    root = Path(__file__).resolve().parent.parent
    got = {}
    for ceiling_mb in (16, 256):
        proc = subprocess.run([sys.executable, "-c", _PDF_PROBE, str(ceiling_mb)], cwd=root,
                              capture_output=True, timeout=120)
        assert proc.returncode == 0, proc.stderr.decode()[-2000:]
        got[ceiling_mb] = json.loads(proc.stdout)
    held, free = got[16], got[256]
    for run in (held, free):
        assert run["headline"] == "Annual report on detention", run
        assert run["published"] == "2019-05-03" and run["limit_kept"], run
    assert held["grew_mb"] < 40, held
    assert free["grew_mb"] > 64, free  # the probe measures: the page does take that much


def test_broken_pdf_never_raises():
    for body in (b"%PDF-1.4\n garbage", b"%PDF-", make_pdf({"/Title": "x y z"})[:300]):
        info = extract(body, url="https://e.com/x.pdf", content_type="application/pdf")
        assert info.kind == "pdf"


# ---------------------------------------------------------------- robustness

def test_pathological_pages_finish_in_bounded_time():
    deep = b"<html><body>" + b"<div>" * 100_000 + b"deep text" + b"</div>" * 100_000
    huge = b"<html><head><title>Big</title></head><body>" + b"<p>filler text</p>" * 600_000
    for body in (deep, huge):
        start = time.process_time()
        info = extract(body, url="https://e.com/", content_type="text/html")
        assert info.kind == "html"
        assert time.process_time() - start < 5.0
    assert len(huge) > 10_000_000


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=3000), st.sampled_from([None, "text/html", "application/pdf",
                                                   "text/plain", "image/png"]))
def test_extract_never_raises_on_bytes(body, content_type):
    assert isinstance(extract(body, url="https://e.com/x", content_type=content_type), PageInfo)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=500), st.text(max_size=200))
def test_extract_never_raises_on_text_in_html(head, body):
    doc = f"<html><head><title>{head}</title><meta content='{head}' name=pubdate>" \
          f"<script type='application/ld+json'>{body}</script></head><body><h1>{body}</h1>" \
          f"<time datetime='{head}'>{body}</time></body></html>"
    info = extract(doc.encode("utf-8", "surrogatepass"), url=f"https://e.com/{body[:20]}",
                   content_type="text/html")
    assert info.kind == "html"


# ---------------------------------------------------------------- corpus floors

def _corpus() -> list[dict[str, object]]:
    manifest = CORPUS / "manifest.json"
    if not manifest.is_file():
        pytest.skip(f"extraction-dev corpus not found at {CORPUS} (shared/ is not beside the repo)")
    return json.loads(manifest.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_corpus_accuracy_floors():
    entries = _corpus()
    dates_ok = dated = titles_ok = titled = 0
    for entry in entries:
        body = (CORPUS / str(entry["file"])).read_bytes()
        info = extract(body, url=str(entry.get("url") or ""), content_type="text/html")
        if entry.get("date"):
            dated += 1
            expected = dt.date.fromisoformat(str(entry["date"]))
            tolerance = int(entry.get("date_tolerance_days") or 0)  # type: ignore[call-overload]
            if info.published and abs((info.published - expected).days) <= tolerance:
                dates_ok += 1
        if entry.get("title"):
            titled += 1
            if entry.get("title_kind") == "readability-title":
                titles_ok += tn.token_f1(info.headline, str(entry["title"])) >= 0.9
            else:
                titles_ok += tn.comparable(info.headline) == tn.comparable(str(entry["title"]))
    # measured: dates 205/207 (99.0%), titles 193/228 (84.6%); floors sit just below
    assert dates_ok / dated >= 0.975, f"date accuracy {dates_ok}/{dated}"
    assert titles_ok / titled >= 0.83, f"title accuracy {titles_ok}/{titled}"


def test_without_text_everything_else_is_the_same():
    """``text=False`` (what ``archiver extract`` asks) leaves out the main text only
    (and the paywall boxes it leaves out, read with it)."""
    entries = _corpus()
    with_text = 0
    for entry in entries:
        body = (CORPUS / str(entry["file"])).read_bytes()
        url = str(entry.get("url") or "")
        full = extract(body, url=url, content_type="text/html")
        short = extract(body, url=url, content_type="text/html", text=False)
        with_text += bool(full.text)
        assert short.text == ""
        assert dataclasses.replace(full, text="", walled="") == short, entry["file"]
    assert with_text >= 0.9 * len(entries)  # the full extraction reads it (221 of 228 pages)


# ---------------------------------------------------------------- bounds

_MEMORY_PROBE = textwrap.dedent("""
    import json, resource, sys
    # a guard for the machine, should the bounds under test not hold
    resource.setrlimit(resource.RLIMIT_DATA, (1536 << 20, resource.RLIM_INFINITY))
    from archiver.extract import extract
    unit = sys.stdin.buffer.read()
    body = b"<html><head><title>T</title></head><body>" + unit * (3 * 1024 * 1024 // len(unit))
    from tests.peak import peak_kb
    base = peak_kb()
    info = extract(body, url="http://127.0.0.1/x", content_type="text/html")
    grew = peak_kb() - base
    print(json.dumps({"grew_mb": grew / 1024, "text": len(info.text)}))
""")


@pytest.mark.skipif(sys.platform != "linux", reason="the parser's ceiling is Linux's RLIMIT_DATA")
@pytest.mark.parametrize("unit", [b"<p>x</p>", b"<h1>x</h1>", b"<li>x</li>", b"x<br>\n",
                                  b"<meta name=a content=b>"])
def test_three_megabytes_of_tiny_elements_take_bounded_memory(unit: bytes) -> None:
    """The parser's ceiling, the walk's cap and the caps on what one pass keeps
    hold the whole extraction of the largest page read: 3 MB of tiny elements
    took up to 340 MB."""
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run([sys.executable, "-c", _MEMORY_PROBE], input=unit, cwd=root,
                          capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    got = json.loads(proc.stdout)
    assert got["grew_mb"] < 160, (unit, got)


@pytest.mark.parametrize(("jsonld", "paywalled"), [
    ('{"@type": "NewsArticle", "isAccessibleForFree": false}', True),
    ('{"@type": "NewsArticle", "isAccessibleForFree": "False"}', True),
    ('{"@graph": [{"@type": "WebPage"}, {"@type": "NewsArticle", "hasPart": '
     '[{"@type": "WebPageElement", "isAccessibleForFree": "false", "cssSelector": ".pw"}]}]}',
     True),
    ('{"@type": "NewsArticle", "isAccessibleForFree": true}', False),
    ('{"@type": "NewsArticle"}', False),
])
def test_a_paywall_declared_in_json_ld(jsonld: str, paywalled: bool) -> None:
    body = (f'<html><head><script type="application/ld+json">{jsonld}</script></head>'
            "<body><h1>Kenya deports 45</h1><p>Text.</p></body></html>").encode()
    info = extract(body, url="http://127.0.0.1/a", content_type="text/html")
    assert info.paywalled is paywalled


@pytest.mark.parametrize(("body", "target"), [
    (b"<html><head><script>window.location.href = '/';</script></head><body></body></html>",
     "http://127.0.0.1/"),
    (b'<script type="text/javascript">\n location.replace("/home")</script>',
     "http://127.0.0.1/home"),
    (b"<title>Moved</title><script>top.location='https://127.0.0.1/new/a'</script>",
     "https://127.0.0.1/new/a"),
    # a page with text is read, wherever a script may send it
    (b"<h1>Kenya deports 45</h1><p>Kenya deported 45 Taiwanese to China on Tuesday.</p>"
     b"<script>location.href='/'</script>", None),
    # only a script that redirects at once, not one that decides first
    (b"<script>if (!ok) { location.href = '/' }</script>", None),
    # a large page is not searched
    (b"<script>location.href='/'</script>" + b" " * 20_000, None),
])
def test_a_page_sent_on_by_script(body: bytes, target: str | None) -> None:
    info = extract(body, url="http://127.0.0.1/2016/05/01/a/", content_type="text/html")
    assert info.meta_refresh == target


@pytest.mark.parametrize(("head", "refresh"), [
    ('<meta http-equiv="refresh" content="0; url=/">', "http://127.0.0.1/"),
    ('<meta http-equiv="refresh" content="5;URL=\'/new/\'">', "http://127.0.0.1/new/"),
    # not at once: a page that goes home after half an hour unread
    ('<meta http-equiv="refresh" content="1800; url=/">', None),
    # for browsers without scripts only: a browser running scripts never acts on it
    ('<noscript><meta http-equiv="refresh" content="0; url=/"></noscript>', None),
])
def test_a_refresh_counts_when_it_is_at_once(head: str, refresh: str | None) -> None:
    body = (f"<html><head>{head}<title>Kenya deports 45</title></head><body><h1>Kenya "
            "deports 45</h1><p>Kenya deported 45 Taiwanese to China.</p></body></html>")
    info = extract(body.encode(), url="http://127.0.0.1/2016/05/01/a/", content_type="text/html")
    assert info.meta_refresh == refresh


@pytest.mark.parametrize("script", [
    'window.location.replace("/#!/2016/05/01/a");',  # a route of a script app
    'window.location.href = "https://127.0.0.1" + window.location.pathname;',  # a sum
])
def test_a_script_redirect_that_is_not_to_an_address(script: str) -> None:
    body = f"<html><head><script>{script}</script></head><body></body></html>".encode()
    info = extract(body, url="http://127.0.0.1/2016/05/01/a/", content_type="text/html")
    assert info.meta_refresh is None


def test_a_body_of_a_byte_order_mark_and_newlines_is_empty() -> None:
    info = extract(b"\xef\xbb\xbf\r\n\r\n", url="http://127.0.0.1/a", content_type="text/html")
    assert info.empty


# Pages whose <h1> is missing or only the site's logo, as many blog themes and
# older news templates make them: WordPress themes that title a post with
# ``<h2 class="entry-title">``, templates with ``<h1 class="logo">`` in the
# header and the headline in an ``<h2 class="headline">``.
_TEXT = "<p>" + "The court ordered the deportation of the group to China. " * 20 + "</p>"


def test_a_headline_marked_by_its_class_when_the_only_h1_is_the_logo():
    body = ('<header><h1 class="logo"><a href="/">The Star</a></h1></header>'
            f'<article><h2 class="headline">Kenya deports 45 Taiwanese to China</h2>{_TEXT}'
            '</article>')
    info = html("<title>Kenya deports 45 Taiwanese to China - The Star</title>", body)
    assert info.headline == "Kenya deports 45 Taiwanese to China"
    assert info.h1 == "The Star"  # the page's own <h1>, as before


def test_a_wordpress_entry_title_when_there_is_no_h1():
    body = ('<div class="post"><h2 class="entry-title">Kenya deports 45 Taiwanese to China</h2>'
            f'<div class="entry-content">{_TEXT}</div></div>')
    info = html("<title>Kenya deports 45 Taiwanese to China – Ocean Blog</title>", body)
    assert info.headline == "Kenya deports 45 Taiwanese to China"


def test_a_listing_marked_alike_does_not_take_its_first_teaser_for_a_headline():
    """A home page's teasers carry the headline classes too; the page's title
    does not confirm any of them, so none is taken for the page's headline."""
    teasers = "".join(f'<div class="teaser"><h2 class="headline"><a href="/news/{i}">Story '
                      f'number {i} of the day in the region</a></h2></div>' for i in range(30))
    info = html("<title>The Star - Breaking News, Kenya and the World</title>", teasers)
    assert info.headline == "The Star - Breaking News, Kenya and the World"


def test_a_time_element_written_in_arabic_indic_digits():
    """``<time>`` without a ``datetime``, its text in the digits Egyptian sites
    write (read by ``parse_date``, as by the byline search)."""
    body = f'<article><h1>خبر</h1><time>١٢ مارس ٢٠١٩</time>{_TEXT}</article>'
    assert html("", body, url="https://example.com/x").published == dt.date(2019, 3, 12)


# ------------------------------------------- markup of sites not read before
# Pages written by hand after the conventions named in each case.

def _page(head: str, body: str) -> bytes:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">{head}</head>'
            f"<body>{body}</body></html>").encode()


def _read(body: bytes, url: str) -> PageInfo:
    return extract(body, url=url, content_type="text/html")


def test_a_line_break_in_the_headline_is_a_space() -> None:
    """A tabloid CMS breaks its <h1> with <br>: "Storm hits coastas thousands..."."""
    info = _read(_page("<title>Storm hits coast as thousands flee | Coast News</title>",
                       '<h1 class="headline">Storm hits coast<br>as thousands flee</h1>'
                       "<p>Thousands fled.</p>"), "https://coastnews.example/weather/storm")
    assert info.headline == "Storm hits coast as thousands flee"


@pytest.mark.parametrize(("url", "headline"), [
    # Apple Newsroom: nearly every release begins with the company's name
    ("https://www.apple.example/newsroom/2019/03/apple-introduces-new-ipad-air/",
     "Apple introduces new iPad Air and iPad mini"),
    # a start-up's blog
    ("https://blog.shopwise.example/shopwise-raises-series-b",
     "Shopwise raises $40M Series B to expand into Europe"),
])
def test_a_headline_that_begins_with_the_sites_name_is_kept(url: str, headline: str) -> None:
    """It was taken for the site's name, and no headline was left."""
    info = _read(_page(f"<title>{headline} - Site</title>",
                       f'<h1 class="hero-headline">{headline}</h1><p>Text.</p>'), url)
    assert info.headline == headline


@pytest.mark.parametrize(("head", "body", "url", "day"), [
    # chinanews.com: the day in the URL as /2019/03-12/
    ("<title>新闻</title>", "<h1>新闻标题</h1><p>正文。</p>",
     "http://www.chinanews.example/gn/2019/03-12/8777401.shtml", dt.date(2019, 3, 12)),
    # a Japanese ministry's press release: the year of the era, under the title
    ("<title>風しんの追加的対策について｜厚生労働省</title>",
     '<h1>風しんの追加的対策について</h1><div><p>報道関係者各位</p></div>'
     '<p class="m-txtRight">平成31年3月12日</p><p>厚生労働省では追加的対策を実施。</p>',
     "https://www.mhlw.example/stf/houdou/0000123456.html", dt.date(2019, 3, 12)),
    ("<title>発表</title>", "<h1>発表</h1><p>令和元年5月7日</p><p>本文。</p>",
     "https://www.ministry.example/press/1.html", dt.date(2019, 5, 7)),
    # Taiwan's Ministry of Justice (thip.moj.gov.tw, cited by the report): the
    # year of the Republic of China, with or without its era, under the title
    ("<title>法務部國際及兩岸法律司-新聞稿</title>",
     "<h1>柬埔寨將國人遣送中國大陸 法務部表達嚴正關切</h1><p>發布日期：105-06-24</p>"
     "<p>柬埔寨警方於日前逮捕25名涉嫌電信詐騙之國人。</p>",
     "https://thip.moj.example.tw/news/1", dt.date(2016, 6, 24)),
    ("<title>新聞稿</title>", "<h1>新聞稿</h1><p>發布日期：105年6月24日</p><p>本文。</p>",
     "https://thip.moj.example.tw/news/2", dt.date(2016, 6, 24)),
    ("<title>新聞稿</title>", "<h1>新聞稿</h1><p>中華民國105年6月24日</p><p>本文。</p>",
     "https://www.mofa.example.tw/news/3", dt.date(2016, 6, 24)),
    # a ministry's release whose facts are a list under the title (date, source)
    ("<title>Ministry of Foreign Affairs-News</title>",
     '<div class="header">Ministry of Foreign Affairs</div><div class="page-caption">'
     "<h1>MOFA protests Armenia's deportation of ROC nationals</h1><ul class=\"info\">"
     "<li>Date:2016-09-07</li><li>Data Source:Department of European Affairs</li></ul>"
     '<div class="essay"><p>The Ministry protests the deportation.</p></div></div>',
     "https://en.mofa.example.tw/News_Content.aspx?n=1&s=2", dt.date(2016, 9, 7)),
    # ... and one whose title is an <h3> (the page has no <h1>)
    ("<title>MOFA-News</title>",
     "<div class=\"caption\"><h3>MOFA protests Armenia's deportation of ROC nationals</h3>"
     "<p>Date: 2016-09-07</p></div><p>The Ministry protests the deportation.</p>",
     "https://en.mofa.example.tw/News_Content.aspx?n=1&s=3", dt.date(2016, 9, 7)),
    # Thairath/Matichon: the two last digits of the Buddhist era's year
    ("<title>ข่าว</title>", '<h1 class="entry-title">ข่าว</h1><div class="entry-meta">'
     '<span class="date">12 มี.ค. 62 15:30 น.</span></div><p>ข่าว</p>',
     "https://www.thainews.example/news/politic/1520101", dt.date(2019, 3, 12)),
    # a Postmedia-style byline, the update before the publication
    ("<title>Mine expansion approved</title>",
     '<h1 class="story-headline">Mine expansion approved</h1><div class="story-byline">By '
     "Lisa Chen<br>Updated: March 14, 2019 9:15 a.m. | Published: March 12, 2019 5:30 p.m."
     "</div><p>Approved.</p>",
     "https://www.northernstar.example/news/mine-expansion-1.4471", dt.date(2019, 3, 12)),
    # a TV station's article with an older video's JSON-LD (uploadDate) embedded
    ('<meta property="og:type" content="article"><meta property="article:published_time" '
     'content="2019-08-22T16:40:00-07:00"><title>Evacuation orders lifted</title>',
     '<h1>Evacuation orders lifted</h1><script type="application/ld+json">{"@context":'
     '"https://schema.org","@type":"VideoObject","name":"How the fire started",'
     '"uploadDate":"2018-07-30T10:00:00-07:00"}</script><p>Residents returned.</p>',
     "https://www.kxtv.example/article/news/local/evacuations-lifted/103-8f2c1a",
     dt.date(2019, 8, 22)),
    # a small ministry's site: the release date on a line of its own under the title
    ("<title>Measles campaign launched | Ministry of Health</title>",
     "<h1>Measles campaign launched</h1><p><strong>Release date:</strong> 12 March 2019</p>"
     "<p>The Ministry of Health today launched a campaign.</p>",
     "https://www.health.example/media/press-releases/measles", dt.date(2019, 3, 12)),
    # Drupal 7's Bartik theme: "Submitted by admin on Tue, 03/05/2019" (m/d/Y)
    ("<title>Spring cleanup week | Riverdale Township</title>",
     '<h1 class="title">Spring cleanup week</h1><div class="meta submitted">Submitted by '
     "admin on Tue, 03/05/2019 - 10:15</div><p>Residents may place items at the curb.</p>",
     "https://www.riverdale.example/news/spring-cleanup-week", dt.date(2019, 3, 5)),
    # MediaNews-style meta: Parse.ly's date in UTC, Sailthru's in the paper's own zone
    ('<meta name="sailthru.date" content="Tue, 23 Apr 2019 23:45:00 -0700">'
     '<meta name="parsely-pub-date" content="2019-04-24T06:45:00Z"><title>Sharks win</title>',
     "<h1>Sharks win</h1><p>Logan Couture scored.</p>",
     "https://www.harborcity.example/sports/sharks-win", dt.date(2019, 4, 23)),
])
def test_dates_as_more_sites_write_them(head: str, body: str, url: str, day: dt.date) -> None:
    assert _read(_page(head, body), url).published == day


def test_a_line_under_the_headline_with_more_than_a_date_is_not_its_date() -> None:
    body = ("<h1>Campaign launched</h1><p>The campaign that began on 12 March 2019 in the "
            "north reached every province within a month.</p>")
    assert _read(_page("<title>Campaign launched</title>", body),
                 "https://www.health.example/about/campaign").published is None


@pytest.mark.parametrize(("body", "url", "day"), [
    # WordPress, tagDiv's Newspaper theme: today's date in the header's top bar
    ('<div class="td-header-top-menu"><div class="td_data_time"><div>Friday, March 22, 2019'
     '</div></div></div><h1 class="entry-title">Fuel queues return</h1><span class="td-post-'
     'date"><time class="entry-date td-module-date" datetime="2019-03-19T14:22:08+00:00">'
     "March 19, 2019</time></span><p>Queues returned.</p>",
     "https://lagospost.example/fuel-queues-return/", dt.date(2019, 3, 19)),
    # a Spanish paper: the day's date in the masthead, before the article's
    ('<div class="cabecera"><span class="fecha-hoy">jueves, 20 de junio de 2019</span></div>'
     '<article class="noticia"><h1>Guatemala celebra elecciones</h1><div class="fecha">16 de '
     "junio de 2019</div><p>Texto.</p></article>",
     "https://www.diario.example/internacional/elecciones", dt.date(2019, 6, 16)),
    # a custom CMS: a <time> in a "Related stories" box, before the text byline
    ('<h1>Central library reopens</h1><div class="byline">By Sam Ortiz | 9 April 2019</div>'
     '<div class="related-stories"><ul><li><a href="/x">Library to close</a> <time datetime='
     '"2017-03-30">30 March 2017</time></li></ul></div><p>Reopened.</p>',
     "https://www.valleyvoice.example/news/library-reopens", dt.date(2019, 4, 9)),
    # microdata teasers in a left rail before the article
    ('<div class="rail"><div class="teaser" itemscope itemtype="https://schema.org/'
     'NewsArticle"><a href="/x"><span itemprop="headline">Coach resigns</span></a> <span '
     'itemprop="datePublished" content="2019-02-27">Feb 27</span></div></div><h1>Senate '
     'passes budget</h1><p class="byline">By Robert Hale <time pubdate datetime="2019-03-08'
     'T06:10:00-05:00">March 8, 2019</time></p><p>Passed.</p>',
     "https://www.dailyrecorder.example/politics/senate-passes-budget", dt.date(2019, 3, 8)),
    # evergreen pages: a "latest news" sidebar, a recipe's reviews
    ('<h1 class="page-title">About us</h1><p>We are a local paper.</p><div class="col-side '
     'sidebar"><ul><li><a href="/n">Harbour dredging</a><span class="date">12 March 2019'
     "</span></li></ul></div>", "https://www.coastalherald.example/about-us", None),
    ('<main><h1>Lemon drizzle cake</h1><p>225g butter.</p><section id="comments"><div '
     'class="comment"><div class="comment-date">14 May 2018</div><p>Lovely!</p></div>'
     "</section></main>", "https://www.recipes.example/recipes/lemon-drizzle-cake", None),
    # boxes named as furniture that hold the article: Drupal's <body class="one-sidebar">,
    # VnExpress's main column "sidebar_1"
    ('<section class="sidebar_1"><span class="date">Thứ ba, 12/3/2019, 10:30 (GMT+7)</span>'
     '<h1 class="title-detail">Hà Nội lấy ý kiến</h1><p>Nội dung.</p></section>',
     "https://vnexpress.example/ha-noi-lay-y-kien-3893812.html", dt.date(2019, 3, 12)),
])
def test_dates_of_the_pages_furniture_are_not_the_articles(body: str, url: str,
                                                           day: dt.date | None) -> None:
    """Furniture gave its dates: the day's in a masthead, a related story's, a
    teaser's, a sidebar's or a comment's (on a page with no date of its own)."""
    assert _read(_page("<title>Page</title>", body), url).published == day


@pytest.mark.parametrize(("head", "body", "url", "headline"), [
    # a small ministry's hand-made template: the ministry's name in a first <h1>
    ("<title>Measles campaign launched | Ministry of Health</title>",
     '<div id="top"><h1>Ministry of Health</h1></div><div id="content"><h1>Measles campaign '
     "launched</h1><p>Release date: 12 March 2019</p><p>The campaign began.</p></div>",
     "https://www.health.gov.example/media/press-releases/measles", "Measles campaign launched"),
    # Blogger's classic template: the blog's name is the <h1>, a link home
    ("<title>Notes from Laikipia: The rains finally arrive</title>",
     '<div class="header"><h1 class="title"><a href="https://fieldnotes.blogspot.example/">'
     'Notes from Laikipia</a></h1></div><div class="post"><h3 class="post-title entry-title">'
     "The rains finally arrive</h3><div class=\"post-body\"><p>It rained.</p></div></div>",
     "https://fieldnotes.blogspot.example/2011/06/rains-finally-arrive.html",
     "The rains finally arrive"),
    # an older regional paper's CMS: its masthead, not derivable from the domain, in <h1>
    ("<title>Harbour board chairman resigns over pay row | Evening Echo</title>",
     '<div id="masthead"><h1>Evening Echo</h1></div><div id="story"><h2 class="story-head">'
     "Harbour board chairman resigns over pay row</h2><p>The chairman resigned.</p></div>",
     "https://www.echolive.example/news/harbour-board-resigns-1234.html",
     "Harbour board chairman resigns over pay row"),
    # Sphinx: the project's name in a first <h1> linking home, "¶" after the page's own
    ("<title>Evolve: Shared Mutable History — evolve extension</title>",
     '<div class="sphinxsidebar"><h1><a href="index.html">evolve extension</a></h1></div>'
     '<div class="body"><h1>Evolve: Shared Mutable History<a class="headerlink" href="#ev">'
     "¶</a></h1><p>Text.</p></div>", "https://www.mercurial.example/doc/evolve/",
     "Evolve: Shared Mutable History"),
])
def test_the_headline_under_a_site_named_h1(head: str, body: str, url: str,
                                             headline: str) -> None:
    """The site's name in a first <h1> was the headline, or the title's part that
    agreed with it was chosen and dropped as the site's name: no headline."""
    assert _read(_page(head, body), url).headline == headline


@pytest.mark.parametrize(("title", "body", "headline", "day"), [
    # Taiwan's Ministry of Justice (thip.moj.gov.tw): the title an <h2> in a box of
    # its own, the date the first line of the section after it, in the ROC's years
    ("法務部國際及兩岸法律司-新聞稿",
     '<div class="header">法務部國際及兩岸法律司</div><div class="breadcrumb">首頁 &gt; 新聞稿'
     '</div><div class="simple-text title"><h2>柬埔寨將國人遣送中國大陸 法務部表達嚴正關切</h2>'
     '</div><section class="cp"><p>發布日期：105-06-24</p><p>柬埔寨警方於日前逮捕25名涉嫌電信'
     "詐騙之國人，法務部國際及兩岸法律司已向大陸公安部表達關切，並請其儘速查明。</p></section>"
     '<div class="footer">更新日期：113-02-01</div>',
     "柬埔寨將國人遣送中國大陸 法務部表達嚴正關切", dt.date(2016, 6, 24)),
    # Taiwan's MOFA in English: an <h3> title, the <title> the site's name
    ("MOFA-News",
     "<div class=\"caption\"><h3>MOFA strongly protests Armenia's deportation of ROC "
     "nationals to mainland China</h3><p>Date: 2016-09-07</p></div><p>The Ministry of "
     "Foreign Affairs strongly protests the deportation by Armenia of 78 ROC nationals.</p>",
     "MOFA strongly protests Armenia's deportation of ROC nationals to mainland China",
     dt.date(2016, 9, 7)),
])
def test_a_release_titled_below_h1_is_read_with_its_date_line(
        title: str, body: str, headline: str, day: dt.date) -> None:
    info = _read(_page(f"<title>{title}</title>", body), "https://www.ministry.example.tw/p/1")
    assert (info.headline, info.published) == (headline, day)


@pytest.mark.parametrize("body", [
    # the logo in <h1>, the date of the day after the page's header
    '<header><h1>Daily Times</h1></header><div class="bar">Friday, 27 November 2026'
    '</div><div class="content"><h2>Court hears fraud case</h2><p>The court heard the case of '
    "the fraud suspects.</p></div>",
    '<div class="site-logo"><h1>Daily Times</h1></div><p>27 November 2026</p>'
    "<p>The court heard the case of the fraud suspects on a day it did not say.</p>",
])
def test_the_date_after_the_pages_header_is_not_the_articles(body: str) -> None:
    info = _read(_page("<title>Daily Times</title>", body), "https://dailytimes.example/court")
    assert info.published is None


def test_no_control_character_reaches_the_headline() -> None:
    """A page may write control characters (&#27;c resets a terminal the report is
    printed on); no headline, title or h1 shows them."""
    info = _read(_page("<title>Reset&#27;c Malaysia deports 32 &#1;Taiwanese</title>",
                       "<h1>Reset\x1bc\x1b7 Malaysia deports 32 &#x7f;Taiwanese&#xFFFF;</h1>"
                       "<p>Malaysia deported 32 Taiwanese.</p>"),
                 "https://news.example/2016/05/malaysia-deports")
    for value in (info.headline, info.title, info.h1):
        assert value is not None
        assert not any(ord(ch) < 32 or 0x7f <= ord(ch) <= 0x9f or ch == "\uffff" for ch in value)
    assert info.headline == "Reset c 7 Malaysia deports 32 Taiwanese"


@pytest.mark.parametrize(("name", "html", "headline", "day"), [
    # Bangkok Post: the date of the day in the page's header, the article's own
    # "PUBLISHED :" line under the headline
    ("masthead", '<title>Taiwanese held in fraud raid to be sent to China</title></head><body>'
     '<header><a href="/" class="logo">Bangkok Post</a><div class="header-date">Wednesday, '
     "March 06, 2024</div></header><h1>Taiwanese held in fraud raid to be sent to China</h1>"
     "<p>PUBLISHED : 5 Mar 2024 at 18:12</p><p>Police will hand over 25 Taiwanese arrested "
     "in a call-centre raid to China, Immigration said on Tuesday.</p>",
     "Taiwanese held in fraud raid to be sent to China", dt.date(2024, 3, 5)),
    # Inquirer.net: the header a <div id=inq_header>, its date the day's
    ("header-id", "<title>PH deports 45 Taiwanese to China | Inquirer</title></head><body>"
     '<div id="inq_header"><a href="/"><img alt="Inquirer.net"></a><div id="inq_date">'
     'Wednesday, March 6, 2024</div></div><div id="inq_content"><h1 class="entry-title">PH '
     'deports 45 Taiwanese to China</h1><div id="art_plat">By: <a href="/byline/x">Nestor '
     "Corrales</a> - Reporter<br>Philippine Daily Inquirer / 05:40 AM March 05, 2024</div>"
     "<p>MANILA, Philippines — The Bureau of Immigration deported 45 Taiwanese.</p></div>",
     "PH deports 45 Taiwanese to China", dt.date(2024, 3, 5)),
    # a ministry's release: "Published:" under the title, "Updated:" in an info box
    ("updated", "<title>Ministry condemns deportation - Ministry</title></head><body>"
     "<h1>Ministry condemns deportation</h1><p>Published: 5 March 2024</p><p>The ministry "
     "said today that it strongly condemns the deportation; more text follows here.</p>"
     '<div class="info">Updated: 6 March 2024</div>',
     "Ministry condemns deportation", dt.date(2024, 3, 5)),
    # Corriere della Sera: the publication, then the update in brackets
    ("corriere", "<title>Il Kenya espelle 45 taiwanesi</title></head><body><h1>Il Kenya "
     "espelle 45 taiwanesi</h1><p>5 marzo 2024 (modifica il 6 marzo 2024 | 09:12)</p>"
     "<p>Il governo del Kenya ha espulso 45 cittadini taiwanesi verso la Cina.</p>",
     "Il Kenya espelle 45 taiwanesi", dt.date(2024, 3, 5)),
    # Taiwan's Executive Yuan: <h1> the section's name, the release's title an <h2>
    ("section-h1", "<title>卓揆：政府全力協助肯亞案國人 | 本院新聞 | 新聞與公告 | 行政院</title>"
     '</head><body><h1 class="words_title">本院新聞</h1><h2><span>卓揆：政府全力協助肯亞案國人'
     '</span></h2><div class="date_style2"><span>發布日期：2024-03-05</span></div>'
     "<p>行政院長卓榮泰今（5）日表示，政府將全力協助肯亞案國人。</p>",
     "卓揆：政府全力協助肯亞案國人", dt.date(2024, 3, 5)),
    # Taiwan's MOFA in English: the logo in <h1>, the title an <h2>, its date a list item
    ("logo-h1", "<title>MOFA protests Kenya's deportation of Taiwanese nationals - News "
     "Releases - Ministry of Foreign Affairs, Republic of China (Taiwan)</title></head><body>"
     '<div class="header"><h1><a href="/Default.html"><img alt="Ministry of Foreign Affairs">'
     '</a></h1></div><h2 class="h3">MOFA protests Kenya\'s deportation of Taiwanese nationals'
     '</h2><ul class="list-text detail"><li>Date: 2024-03-05</li></ul><p>The government of '
     "Kenya on March 5 deported 45 Taiwanese nationals to China.</p>",
     "MOFA protests Kenya's deportation of Taiwanese nationals", dt.date(2024, 3, 5)),
    # Philippine Daily Inquirer: a byline under the title, with no class that says so
    ("byline", "<title>PH deports 45 Taiwanese to China | Inquirer</title></head><body>"
     '<h1 class="entry-title">PH deports 45 Taiwanese to China</h1><div id="art_plat">By: '
     '<a href="/byline/x">Nestor Corrales</a> - Reporter<br>Philippine Daily Inquirer / '
     '05:40 AM March 05, 2024</div><div id="article_content"><p>MANILA, Philippines — The '
     "Bureau of Immigration deported 45 Taiwanese nationals to China.</p></div>",
     "PH deports 45 Taiwanese to China", dt.date(2024, 3, 5)),
    # Taiwan's Ministry of Justice (the "cp" template of its government sites):
    # <title> "Site-Section-Title" with bare hyphens, the section's name an
    # <h2>, the release's title a <div class=title>, no heading
    ("cjk-hyphens", "<title>法務部-本部新聞稿-法務部對肯亞案之說明</title></head><body>"
     '<header><div class="logo"><a href="/"><img alt="法務部全球資訊網"></a></div></header>'
     '<main><div class="cp"><h2 class="h3">本部新聞稿</h2><div class="title">法務部對肯亞案之'
     '說明</div><div class="info"><ul><li>發布日期：2016-04-13</li><li>更新日期：2016-04-14'
     "</li></ul></div><div class=essay><p>有關肯亞政府將本國籍人民遣送至中國大陸一案，法務部"
     "說明如下。</p></div></div></main>",
     "法務部對肯亞案之說明", dt.date(2016, 4, 13)),
    # Taiwan's National Immigration Agency, same template: the section an <h2>,
    # the bilingual title the <h3> under it
    ("section-h2", "<title>內政部移民署-新聞稿-協助肯亞遣返國人家屬 Assistance to families"
     "</title></head><body><main><div class=cp><h2 class=h3>新聞稿</h2><h3 class=title>協助肯亞"
     "遣返國人家屬 Assistance to families</h3><ul class=info><li><span>發布日期：</span>"
     "2024-03-05</li><li><span>修改日期：</span>2024-03-06</li></ul><div class=essay><p>"
     "移民署今日表示，已成立專案小組協助家屬。</p></div></div></main>",
     "協助肯亞遣返國人家屬 Assistance to families", dt.date(2024, 3, 5)),
    # an older newspaper CMS: <title> "Site - Headline", the headline an <h2>
    # over its date; the last part of such a title is no section
    ("site-first", "<title>Evening Echo - Harbour board chairman resigns over pay row"
     '</title></head><body><div id="top"><a class="logo" href="/">Evening Echo</a></div>'
     '<div class="story"><h2>Harbour board chairman resigns over pay row</h2><p class="date">'
     "12 March 2019</p><p>The chairman of the harbour board resigned today.</p></div>",
     "Harbour board chairman resigns over pay row", dt.date(2019, 3, 12)),
    # BBC News Persian: one day in both calendars on the line under the headline
    ("two-calendars", "<title>بازداشت فعالان مدنی</title></head><body><main><h1>بازداشت "
     'فعالان مدنی</h1><div><span class="date">۱۲ اسفند ۱۴۰۱ - ۳ مارس ۲۰۲۳</span></div>'
     "<div><p>گزارش‌ها حاکی است که دست‌کم ده فعال مدنی بازداشت شده‌اند.</p></div></main>",
     "بازداشت فعالان مدنی", dt.date(2023, 3, 3)),
    # the European Court of Human Rights' press releases: the release's number,
    # then its date, a <br> apart, under the headline
    ("number-then-date", "<title>HUDOC - European Court of Human Rights</title></head><body>"
     "<div><h1>Extradition to China would breach Article 3, Court finds</h1><p>ECHR 089 "
     "(2023)<br>28.03.2023</p><p>In today's Chamber judgment the Court held, unanimously, "
     "that there would be a violation of Article 3.</p></div>",
     "Extradition to China would breach Article 3, Court finds", dt.date(2023, 3, 28)),
    # Taiwan's MOFA in English: <title> "Site | Section", DC.Title the site's
    # name too, as the logo's link home says; the release's title the <h1>
    ("dc-title-site", "<title>Ministry of Foreign Affairs, Republic of China (Taiwan) | News "
     'and Events</title><meta name="DC.Title" content="Ministry of Foreign Affairs, Republic '
     'of China (Taiwan)"></head><body><div class="header"><a class="logo" href="/">Ministry '
     "of Foreign Affairs, Republic of China (Taiwan)</a></div><div class=area-essay><h1>MOFA "
     "strongly condemns deportation of Taiwanese nationals to China</h1><ul class=list><li>"
     "<span>Date:2023-06-14</span></li></ul><div><p>The Ministry of Foreign Affairs strongly "
     "condemns the deportation of 18 Taiwanese nationals.</p></div></div>",
     "MOFA strongly condemns deportation of Taiwanese nationals to China", dt.date(2023, 6, 14)),
    # the same without DC.Title and <h1>: the section's <h2> over the title's <h3>
    ("section-over-title", "<title>Ministry of Foreign Affairs, Republic of China (Taiwan) | "
     'News and Events</title></head><body><div class="header"><a class="logo" href="/">'
     "Ministry of Foreign Affairs, Republic of China (Taiwan)</a></div><div class=area-essay>"
     '<h2 class="h2"><span>Press Releases</span></h2><div class="simple-text title"><h3><span>'
     "MOFA strongly condemns deportation of Taiwanese nationals to China</span></h3></div><ul "
     "class=list><li><span>Date:2023-06-14</span></li></ul><div><p>The Ministry of Foreign "
     "Affairs strongly condemns the deportation of 18 Taiwanese nationals.</p></div></div>",
     "MOFA strongly condemns deportation of Taiwanese nationals to China", dt.date(2023, 6, 14)),
    # phpBB 3.3 (prosilver): the board's name the <h1> of the banner, the topic an <h2>
    ("forum-banner", "<title>Lawyer needed for extradition hearing - Expat Legal Help Board"
     '</title></head><body><div id="page-header"><div class="headerbar" role="banner"><div '
     'class="site-description"><a class="logo" href="./index.php"></a><h1>Expat Legal Help '
     "Board</h1><p>Peer support for people facing removal</p></div></div></div><div "
     'id="page-body" role="main"><h2 class="topic-title"><a href="./viewtopic.php?t=9921">'
     'Lawyer needed for extradition hearing</a></h2><div class="post bg2"><div class=inner>'
     '<div class=postbody><h3 class=first><a href="#p40001">Lawyer needed for extradition '
     "hearing</a></h3><p class=author>by <strong>kaito</strong> » Fri Mar 03, 2023 8:15 am</p>"
     "<div class=content>My hearing is next month. Can anyone recommend a lawyer?</div></div>"
     "</div></div></div>",
     "Lawyer needed for extradition hearing", dt.date(2023, 3, 3)),
    # Spain's Ministry of the Interior: the section's label in <h1>, the release's
    # title in the <h2> under it, as the <title> gives it
    ("label-h1", "<title>Detenidos 269 integrantes de una red internacional de estafas "
     "telefónicas - Ministerio del Interior</title></head><body><h1>Prensa</h1><h2>Detenidos "
     "269 integrantes de una red internacional de estafas telefónicas</h2><p class=fecha>"
     "Madrid, 14 de diciembre de 2016</p><p>Agentes de la Policía Nacional han detenido a "
     "269 personas.</p>",
     "Detenidos 269 integrantes de una red internacional de estafas telefónicas",
     dt.date(2016, 12, 14)),
    # Malaysia's Home Ministry: the label is the start of the <title> too
    ("label-in-title", "<title>Kenyataan Media Menteri Dalam Negeri Berhubung Penghantaran "
     "Pulang Warga Asing</title></head><body><h1>Kenyataan Media</h1><h2>Kenyataan Media "
     "Menteri Dalam Negeri Berhubung Penghantaran Pulang Warga Asing</h2><p>Tarikh: 3 Mei "
     "2016</p><p>Kementerian Dalam Negeri ingin memaklumkan bahawa 20 warga asing telah "
     "dihantar pulang.</p>",
     "Kenyataan Media Menteri Dalam Negeri Berhubung Penghantaran Pulang Warga Asing",
     dt.date(2016, 5, 3)),
    # Vietnam's Ministry of Public Security: the ministry's name in a logo's <h1>
    # and first in the <title>, which is three words long
    ("name-first", "<title>Bộ Công an - Tiếp nhận đối tượng lừa đảo qua mạng viễn thông từ "
     'Campuchia</title></head><body><h1 class="site-name"><img src="/logo.png" alt=""> BỘ '
     "CÔNG AN</h1><h2>Tiếp nhận đối tượng lừa đảo qua mạng viễn thông từ Campuchia</h2><div>"
     "Ngày đăng: 03/05/2016 | 14:20</div><p>Bộ Công an đã tiếp nhận các đối tượng.</p>",
     "Tiếp nhận đối tượng lừa đảo qua mạng viễn thông từ Campuchia", dt.date(2016, 5, 3)),
    # Bernama: the logo in an <h1> of the page's <header>, the day's date beside it
    ("logo-h1-masthead", "<title>BERNAMA - Home Ministry: Taiwanese suspects sent to China "
     'under agreement</title></head><body><header><h1 class="logo"><a href="/en/"><img '
     'src="/b.png" alt="BERNAMA"></a></h1><span class="date">27/11/2026</span></header><h2>'
     "Home Ministry: Taiwanese suspects sent to China under agreement</h2><div class="
     '"text-secondary">17/05/2016 10:15 AM</div><p>KUALA LUMPUR, May 17 (Bernama) -- The Home '
     "Ministry said the suspects were handed over to China.</p>",
     "Home Ministry: Taiwanese suspects sent to China under agreement", dt.date(2016, 5, 17)),
    # VnExpress: the byline in a "header-content" box right above the <h1>, the
    # site's header with the day's date, related stories with theirs
    ("header-box-over-h1", "<title>Campuchia trục xuất nghi phạm Đài Loan về Trung Quốc"
     '</title></head><body><header class="section top-header"><a class="logo" href="/">'
     '<img alt="VnExpress" src="/logo.svg"></a><span class="time-now">Thứ sáu, 27/11/2026'
     '</span></header><section class="page-detail"><div class="sidebar-1"><div class='
     '"header-content"><ul class="breadcrumb"><li><a href="/the-gioi">Thế giới</a></li></ul>'
     '<span class="date">Thứ ba, 3/5/2016, 10:15 (GMT+7)</span></div><h1 class="title-detail">'
     "Campuchia trục xuất nghi phạm Đài Loan về Trung Quốc</h1><article><p>Cảnh sát Campuchia"
     ' bàn giao nhóm nghi phạm.</p></article><div class="box-tinlienquanv2"><h4>Tin liên quan'
     '</h4><article class="item-news"><h4><a href="/a-1.html">Đài Loan phản đối Malaysia</a>'
     '</h4><span class="time-ago">15/4/2016</span></article></div></div></section>',
     "Campuchia trục xuất nghi phạm Đài Loan về Trung Quốc", dt.date(2016, 5, 3)),
    # The Star (Malaysia): the update's date first, in Malay's two words
    ("update-first-ms", "<title>Polis hantar pulang 20 warga Taiwan</title></head><body><h1>"
     "Polis hantar pulang 20 warga Taiwan</h1><p>Dikemas kini: 5 Mei 2016 8:00 PM</p><p>"
     "Diterbitkan: 3 Mei 2016 10:15 AM</p><p>Polis menghantar pulang 20 warga Taiwan.</p>",
     "Polis hantar pulang 20 warga Taiwan", dt.date(2016, 5, 3)),
    ("update-first-en", "<title>Police send 20 home</title></head><body><h1>Police send 20 "
     "home</h1><p>Last update: May 5, 2016</p><p>Published: May 3, 2016</p><p>Police sent "
     "20 people home on Tuesday.</p>",
     "Police send 20 home", dt.date(2016, 5, 3)),
    # The Daily Nation (Kenya, UTC+3): the <time> of an instant in UTC shows its
    # readers' day, the next one
    ("utc-time-shown", "<title>Kenya deports 45 Taiwanese to China</title></head><body><h1>"
     'Kenya deports 45 Taiwanese to China</h1><time datetime="2016-05-03T21:30:00Z">'
     "Wednesday May 04 2016</time><p>Kenya deported 45 Taiwanese nationals to China on "
     "Wednesday.</p>",
     "Kenya deports 45 Taiwanese to China", dt.date(2016, 5, 4)),
    # Tuoi Tre (UTC+7): JSON-LD in UTC, the date line under the headline local
    ("utc-jsonld-shown", '<title>Campuchia trao trả nghi phạm</title><script type="applica'
     'tion/ld+json">{"@type": "NewsArticle", "headline": "Campuchia trao trả nghi phạm", '
     '"datePublished": "2016-05-02T23:30:00Z"}</script></head><body><h1>Campuchia trao trả '
     "nghi phạm</h1><div class=date>03/05/2016 06:30 GMT+7</div><p>Campuchia đã trao trả các"
     " nghi phạm.</p>",
     "Campuchia trao trả nghi phạm", dt.date(2016, 5, 3)),
    # update labels in more languages, written before the publication's date
    *((f"update-label-{i}", f"<title>Reportagem especial</title></head><body><h1>Reportagem "
       f"especial</h1><p>{label} 2019-10-15 08:00</p><p>2019-10-14 22:13</p><p>Texto da "
       "reportagem.</p>", "Reportagem especial", dt.date(2019, 10, 14))
      for i, label in enumerate(["Atualizado em", "Uppdaterad:", "Aktualizacja:",
                                 "Bijgewerkt:", "Päivitetty", "Ενημερώθηκε:", "עודכן:",
                                 "Güncelleme:", "آخر تحديث:", "Обновлено:", "Oppdatert"])),
    # The Star (Malaysia, UTC+8): the local day and its clock in two elements of
    # one box under the headline
    ("utc-clock-beside", '<title>Taiwanese suspects deported to China</title><script type='
     '"application/ld+json">{"@type": "NewsArticle", "headline": "Taiwanese suspects '
     'deported to China", "datePublished": "2016-05-02T16:15:00Z"}</script></head><body>'
     '<div class="story-wrapper"><h1 class="headline">Taiwanese suspects deported to China'
     '</h1><div class="timestamp"><p class="date">Tuesday, 03 May 2016</p><time class='
     '"timestamp">12:15 AM MYT</time></div><div id="story-body"><p>KUALA LUMPUR: Twenty '
     "Taiwanese nationals were flown to China.</p></div></div>",
     "Taiwanese suspects deported to China", dt.date(2016, 5, 3)),
    # CNN (2016): the instant in UTC is the day; the update's line, in Hong Kong's
    # time the day after, is no reader's day of publication
    ("utc-update-line", '<title>Taiwan angry after deportations</title><meta content="2016-0'
     '5-02T13:54:11Z" name="pubdate"></head><body><h1>Taiwan angry after deportations</h1><p '
     'class="update-time">Updated 0212 GMT (1012 HKT) May 3, 2016</p><p>Taiwan protested on '
     "Monday.</p>",
     "Taiwan angry after deportations", dt.date(2016, 5, 2)),
])
def test_more_sites_headlines_and_dates(name: str, html: str, headline: str,
                                        day: dt.date) -> None:
    body = f'<!DOCTYPE html><html><head><meta charset="utf-8">{html}</body></html>'.encode()
    info = extract(body, url=f"https://news.example/{name}", content_type="text/html")
    assert (info.headline, info.published) == (headline, day)
