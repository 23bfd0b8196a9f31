"""The original publication day of a page, from its markup, URL or byline.

In order of trust: JSON-LD ``datePublished``, ``<meta>`` tags, ``itemprop``
values, ``<time>`` elements, a full date in the URL, a date written in a
byline-like element outside any link, a full date in the title, a byline's
date inside a link (a teaser's). A month in the URL gives no day. A UTC instant is
moved to the page's own time zone when the page gives it elsewhere with an
offset. Bylines and the boxes whose dates are other pages' are read by
:mod:`archiver.bylines`, dates in text by :mod:`archiver.textdates`. Pure;
"nothing found" is None.

Example::

    choose_date(markup, tree, "https://example.com/2016/05/03/story/")
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from itertools import islice

from selectolax.lexbor import LexborHTMLParser, LexborNode

from . import bylines, dom, textdates, titles
from . import textnorm as tn
from .pagemeta import (
    META_NAMES_MAX,
    SPACED_TEXT_CHARS,
    Markup,
    first_str,
    is_article,
    itemprop_dates,
    iter_jsonld,
    text_of,
)

#: <meta> names/properties that carry the original publication date, best first.
DATE_META = (
    "article:published_time", "og:article:published_time", "og:published_time",
    "article:published", "published_time", "datepublished", "article.published",
    "parsely-pub-date", "sailthru.date", "pubdate", "publishdate", "publish-date",
    "publish_date", "publication_date", "publication-date", "date_published",
    "dc.date.issued", "dcterms.issued", "dc.date.created", "dcterms.created", "dc.date",
    "dcterms.date", "dc.created", "citation_publication_date", "citation_date",
    "citation_online_date", "originalpublicationdate", "original-publish-date",
    "article_date_original", "cxenseparse:recs:publishtime", "og:pubdate", "pdate",
    "rnews:datepublished", "vr:published_time", "bt:pubdate", "release_date",
    "created", "date_created", "displaydate", "article:post_date", "date",
    "dc.date.available", "article_date", "news_date", "content_date", "eomportal-lastupdate",
)
_DATE_META_RANK = {name: i for i, name in enumerate(DATE_META)}

# date

_PUB_CLASS = dom.MarksPattern(r"publish|pubdate|posted|date-?created|entry-date|article-?date|"
                              r"dateline|byline|timestamp|post-?date|story-?date|datum|fecha|"
                              r"tanggal|date")
#: Class, id and itemprop words of a date that is the publication's.
_PUBLISHED = dom.MarksPattern(r"publish|pubdate")


Dated = tuple[dt.date, str]  # a day and the value it was read from


def choose_date(found: Markup, tree: LexborHTMLParser, url: str, *, headed: bool = True
                ) -> dt.date | None:
    """The original publication day, or None. *headed*: the page's ``<h1>`` is its
    article's headline (not a logo's, nor a section's name)."""
    # an article's JSON-LD date first; another object's (an embedded video's
    # uploadDate, a WebPage's) after the page's meta dates
    article, other = _date_jsonld(found)
    furniture = bylines.Furniture(found, headed)
    meta = _date_metas(found, furniture)
    dated = article or _date_meta(meta) or other or _date_itemprop(tree, furniture) \
        or _date_time_elements(found, furniture)
    if dated is not None:
        day = _local_day(dated, found, meta)
        if day == dated[0]:  # no other machine-readable date told its zone
            return _shown_day(dated, found, tree, furniture, headed) or day
        return day
    url_day, has_day = textdates.date_from_url(url)
    if url_day is not None and has_day:
        return url_day
    # (a /2016/05/ URL gives a month: no day is made up)
    own, before, teaser = bylines.date_byline(tree, furniture)
    return own or _date_under_h1(found, tree, furniture, headed) or _date_title(found) \
        or before or teaser



#: Elements looked at after an ``<h1>`` for a line that is only its date.
_UNDER_H1 = 3
#: Words a line that is only a date may hold besides it ("Release date:").
_DATE_LINE_WORDS = 4


def _date_under_h1(found: Markup, tree: LexborHTMLParser, furniture: bylines.Furniture,
                   headed: bool = True, texts: list[str] | None = None) -> dt.date | None:
    """The date of a line that says only that, among the elements that follow an
    ``<h1>`` (first the first ``<h2>``/``<h3>`` of a page with no ``<h1>`` that
    heads its article, not *headed*): a press release's "Release date: 12 March
    2019", a ministry's right-aligned "平成31年3月12日", an item of a list of facts
    ("Date:2016-09-07", then "Data Source: ..."), with no class that names a date."""
    heads = found.h1s[:3]
    if not heads or not headed:
        first = tree.css_first("h2, h3")
        heads = [first, *heads] if first is not None else heads
    for head in heads:
        day = _date_after(head, furniture, texts=texts)
        if day is not None:
            return day
    return None


def dated_heading(tree: LexborHTMLParser, found: Markup) -> str | None:
    """The text of the page's first ``<h2>``/``<h3>`` when a line that is only a
    date follows it: a release's title, on a page whose ``<h1>``, if any, holds
    the logo or the section's name, and whose ``<title>`` names the site
    ("MOFA-News"). For a page with no ``<h1>`` that heads its article."""
    for head, text, section in _first_headings(tree, found.title):
        if section:
            continue  # the section's name over the release's title ("新聞稿")
        nearer: list[LexborNode] = []
        if _date_after(head, bylines.Furniture(found, headed=False), nearer) is None:
            return None
        if nearer:  # "<h2>Press Releases</h2><div><h3>Title</h3></div><ul><li>Date:..."
            text = tn.squash(text_of(nearer[-1])) or text
        return text or None
    return None


def section_heading(tree: LexborHTMLParser, title: str) -> str | None:
    """The text of the first of the page's first ``<h2>``/``<h3>`` that names a
    section of the site, as a part of its *title* between others does."""
    return next((text for _, text, section in _first_headings(tree, title) if section), None)


def _first_headings(tree: LexborHTMLParser, title: str | None
                    ) -> Iterator[tuple[LexborNode, str, bool]]:
    """The page's first :data:`_HEADINGS` ``<h2>``/``<h3>``: each, its text, and
    whether that names a section of the site, as a part of *title* between
    others does."""
    for head in islice(tree.css("h2, h3"), _HEADINGS):
        text = tn.squash(text_of(head))
        yield head, text, bool(text) and titles.names_a_section(text, title, last=False)


#: Headings read by :func:`dated_heading` and :func:`section_heading`.
_HEADINGS = 3


def _date_after(head: LexborNode, furniture: bylines.Furniture,
                headings: list[LexborNode] | None = None,
                texts: list[str] | None = None) -> dt.date | None:
    """The date of the first line that is only a date among the :data:`_UNDER_H1`
    elements that follow *head* in the document (past the end of the box that
    holds it, when it is alone there: ``<div class=title><h2>..</h2></div>``).
    *headings*, when given, gets the headings met before that line."""
    seen, el, climbs = 0, head.next, 0
    while seen < _UNDER_H1:
        if el is None:  # the box of the heading ends: on after it, unless it is
            # the page's own header (a logo in <h1>, the date of the day after it)
            parent = head.parent if climbs == 0 else None
            if parent is None or parent.tag in _NOT_CLIMBED \
                    or _MASTHEAD.search(dom.marks(parent.attributes)):
                return None
            climbs, head, el = 1, parent, parent.next
            continue
        if el.tag != "-text":
            seen += 1
            lines = _lines(el)
            for line in lines:
                day = _date_line(line, furniture, texts)
                if day is not None:
                    return day
            if headings is not None:
                headings.extend(line for line in lines if line.tag in _HEADING_TAGS)
        el = el.next
    return None


_HEADING_TAGS = frozenset({"h2", "h3", "h4"})
#: Boxes of a heading past whose end no date line is looked for.
_NOT_CLIMBED = frozenset({"body", "html", "article", "main", "header", "nav", "a"})
#: Class and id words of the page's header, its logo or brand.
_MASTHEAD = dom.MarksPattern(r"logo|brand|masthead|header|site-?(?:name|title)|navbar|banner")


#: Items of a list of facts read as lines of their own.
_LIST_ITEMS = 6


def _lines(el: LexborNode) -> list[LexborNode]:
    """*el* as lines: a list's items (``<ul>``, ``<ol>``, ``<dl>``), a box's first
    elements (``<section><p>發布日期：105-06-24</p><p>...``), else itself."""
    if el.tag in ("ul", "ol", "dl"):
        return list(islice((c for c in el.iter() if c.tag in ("li", "dt", "dd")), _LIST_ITEMS))
    if el.tag in ("div", "section", "header"):
        return [el, *islice((c for c in el.iter() if c.tag != "-text"), 2)]
    return [el]


def _date_line(el: LexborNode, furniture: bylines.Furniture,
               texts: list[str] | None = None) -> dt.date | None:
    """The date of *el* when it is a line that says only that, or a byline that
    ends with it ("By: Nestor Corrales - Reporter / 05:40 AM March 05, 2024").
    *texts*, when given, gets the line's text when it has a date."""
    if el.tag == "a":
        return None
    raw = el.text()
    if len(raw) > max(_LINE_RAW_CHARS, SPACED_TEXT_CHARS):  # (as shown, longer still)
        return None  # a box of text, not a line (read no further)
    if textdates.DIGIT.search(raw) is None:  # (a date is read from digits: see textdates)
        return None
    raw = text_of(el, raw)
    if len(raw) > _LINE_RAW_CHARS:
        return None
    text = bylines.without_updates(tn.squash(raw))
    if not text or len(text) > _LINE_CHARS or furniture.holds(el):
        return None
    day = None
    if _BYLINE_START.match(text):  # its links are its writers'
        days = textdates.find_dates_in_text(text, limit=2)
        day = days[0] if len(set(days)) == 1 else None
    # (not a link's: a teaser dates another article)
    elif len(text) <= 80 and el.css_first("a") is None:
        days = textdates.find_dates_in_text(text, limit=2)
        # one day, maybe in two calendars ("۱۲ اسفند ۱۴۰۱ - ۳ مارس ۲۰۲۳")
        if len(set(days)) == 1 and _only_a_date(text):
            day = days[0]
    if day is not None and texts is not None:
        texts.append(text)
    return day


#: Characters of an element's text, spaces included, past which it is no line of
#: :func:`_date_line` (which keeps :data:`_LINE_CHARS` once spaces are squashed).
_LINE_RAW_CHARS = 2000
#: Characters of a line that :func:`_date_line` reads (a byline; other lines
#: that are only a date hold at most 80).
_LINE_CHARS = 160


#: The start of a byline: "By", "By:", "Por", "Par", "Von", "Oleh", 記者, 作者.
_BYLINE_START = re.compile(r"\s*(?:by|por|par|von|oleh|記者|记者|作者)\b\s*[:：]?", re.IGNORECASE)


def _only_a_date(text: str) -> bool:
    """True when *text*, its date taken out, has at most :data:`_DATE_LINE_WORDS`
    words (punctuation left between them is none: "ECHR 089 (2023) 28.03.2023")."""
    rest = _DATE_WORDS.sub(" ", text)
    return sum(1 for word in rest.split() if not _PUNCTUATION.fullmatch(word)) \
        <= _DATE_LINE_WORDS


_PUNCTUATION = re.compile(r"[\W_]+")


#: What a written date is made of: digits, the era and date signs of CJK
#: writing, and the month names (as :mod:`textdates` reads them).
_DATE_WORDS = tn.LazyPattern(
    rf"\d+|[年月日號号]|{textdates.MONTH_NAMES}|平成|令和|昭和|民國|民国|元|ዓ\.?ም", re.IGNORECASE)


def _local_day(dated: Dated, found: Markup, meta: dict[str, str]) -> dt.date:
    """The day in the page's own time zone when *dated* was written in UTC.

    A page that gives the same instant elsewhere with a non-zero offset
    (JSON-LD in UTC, ``article:published_time`` at -08:00) is dated by the
    day its own readers saw.
    """
    day, raw = dated
    instant = textdates.parse_datetime(raw)
    if instant is None or instant.utcoffset() != dt.timedelta(0):
        return day
    for value in _dates_as_written(found, meta):
        other = textdates.parse_datetime(value)
        if other is not None and other.utcoffset() not in (None, dt.timedelta(0)) \
                and abs((other - instant).total_seconds()) <= 60:
            return other.date()
    return day


def _shown_day(dated: Dated, found: Markup, tree: LexborHTMLParser, furniture: bylines.Furniture,
               headed: bool) -> dt.date | None:
    """The day the page shows its readers for *dated*, an instant in UTC, when it
    is the day before or after it in a time zone (UTC-12 to UTC+14) that the
    instant can be in: "2016-05-02T23:30:00Z" shown "03/05/2016 06:30 GMT+7".
    Read from the text of the ``<time>`` element of that instant, else from a
    byline near the headline or the date line under it; None when they show no
    other day."""
    day, raw = dated
    instant = textdates.parse_datetime(raw)
    if instant is None or instant.utcoffset() != dt.timedelta(0) \
            or instant.time() == dt.time(0):  # (midnight sharp: a day without its time)
        return None
    one = dt.timedelta(days=1)
    possible = {d for d, ok in ((day + one, instant.hour >= 10), (day - one, instant.hour < 12))
                if ok}
    if not possible:
        return None

    def shown() -> Iterator[tuple[dt.date | None, str | None]]:
        # the <time> of that instant: its text shows it (no time of day needed)
        for el in found.times[:20]:
            if textdates.parse_datetime(el.attributes.get("datetime") or "") == instant:
                written = bylines.without_updates(tn.squash(text_of(el)))
                yield textdates.find_date_in_text(written), None
        # a line near the headline shows it when it gives its time of day too, as
        # the instant is in a time zone ("03/05/2016 06:30 GMT+7"): a print
        # edition's, an event's or a correction's day gives none
        texts: list[str] = []
        yield bylines.date_near_headline(found.h1s, furniture, texts), texts[-1] if texts else ""
        texts = []
        yield _date_under_h1(found, tree, furniture, headed, texts), texts[-1] if texts else ""

    for seen, text in shown():
        if seen == day:
            return None
        if seen in possible and (text is None or _at_the_instant(text, seen, instant)):
            return seen
    return None


#: A time of day: "06:30", "6.30", "10h15", "12:15 AM", "12:30 p.m.".
_TIME_OF_DAY = re.compile(r"(?<![\d:.])([01]?\d|2[0-3])[:.h]([0-5]\d)(?![\d:])"
                          r"(?:\s*([ap])\.?\s?m\b\.?)?", re.IGNORECASE)


def _at_the_instant(text: str, day: dt.date, instant: dt.datetime) -> bool:
    """True when *text* gives a time of day that is *instant* on *day* in a time
    zone (UTC-12 to UTC+14, in quarters of an hour)."""
    utc = instant.replace(tzinfo=None, second=0, microsecond=0)
    for m in _TIME_OF_DAY.finditer(text):
        hour, minute = int(m.group(1)), int(m.group(2))
        if m.group(3):  # 12-hour clock
            if hour > 12:
                continue
            hour = hour % 12 + (12 if m.group(3).lower() == "p" else 0)
        offset = (dt.datetime.combine(day, dt.time(hour, minute)) - utc).total_seconds()
        if -12 * 3600 <= offset <= 14 * 3600 and offset % 900 == 0:
            return True
    return False




def _dates_as_written(found: Markup, meta: dict[str, str]) -> Iterator[str]:
    """The page's dates as written (*meta*: its ``<meta>`` values, as
    :func:`_date_metas` gives them), in the order :func:`_local_day` tries them
    (read as it asks: the first with an offset usually ends it)."""
    for name, written in meta.items():
        if name in _DATE_META_RANK:
            yield written
    for el in found.times[:20]:
        yield el.attributes.get("datetime") or ""
    for data in found.jsonld:
        for obj in iter_jsonld(data):
            for k in ("datePublished", "dateCreated"):
                if isinstance(v := obj.get(k), str):
                    yield v


def _date_jsonld(found: Markup) -> tuple[Dated | None, Dated | None]:
    """The first date of an article object in the page's JSON-LD, else None and
    the first date of any other object."""
    fallback: Dated | None = None
    for data in found.jsonld:
        for obj in iter_jsonld(data):
            for key in ("datePublished", "dateCreated", "uploadDate"):
                value = obj.get(key)
                if value is None:  # the common case: no such key
                    continue
                raw = first_str(value)
                day = textdates.parse_date(raw)
                if day is None or raw is None:
                    continue
                if is_article(obj):
                    return (day, raw), None
                if fallback is None:
                    fallback = day, raw
    return None, fallback


def _date_metas(found: Markup, furniture: bylines.Furniture) -> dict[str, str]:
    """The page's ``<meta>`` values (:attr:`Markup.meta`), with those of a
    date's ``<meta itemprop>`` in the <body> after them, when no other value has
    its name and it is not in the page's furniture (:class:`bylines.Furniture`):
    the microdata of a "most read" rail's teaser dates another article."""
    if not found.dated:
        return found.meta
    meta = dict(found.meta)
    for el, prop, content in found.dated:
        names = [n for n in prop.lower().split() if n in _DATE_META_RANK and n not in meta]
        if names and len(meta) < META_NAMES_MAX and not furniture.holds(el):
            meta.update(dict.fromkeys(names, content))
    return meta


def _date_meta(meta: dict[str, str]) -> Dated | None:
    """The best-ranked date of the page's ``<meta>`` values *meta*."""
    ranked = sorted((_DATE_META_RANK[k], v) for k, v in meta.items()
                    if k in _DATE_META_RANK)
    for _, value in ranked:
        day = textdates.parse_date(value)
        if day is not None:
            return day, value
    page = meta.get("parsely-page")
    if page:
        try:
            info = json.loads(page)
        except ValueError:
            info = None
        if isinstance(info, dict):
            raw = first_str(info.get("pub_date"))
            day = textdates.parse_date(raw)
            if day is not None and raw is not None:
                return day, raw
    return None


def _date_itemprop(tree: LexborHTMLParser, furniture: bylines.Furniture) -> Dated | None:
    for value in itemprop_dates(tree, skip=furniture.holds):
        day = textdates.parse_date(tn.squash(value))
        if day is not None:
            return day, value
    return None


def _date_time_elements(found: Markup, furniture: bylines.Furniture) -> Dated | None:
    scored: list[tuple[int, int, dt.date, str]] = []
    for index, el in enumerate(found.times[:50]):
        attrs = el.attributes
        value = attrs.get("datetime") or attrs.get("content") or text_of(el)
        day = textdates.parse_date(tn.squash(value))
        if day is None:
            continue
        own = f"{dom.marks(attrs)} {attrs.get('itemprop') or ''}"
        marks = own
        parent = el.parent
        if parent is not None and parent.is_element_node:
            marks += f" {dom.marks(parent.attributes)}"
        # an update's, unless it says it is the publication's too (WordPress's
        # <time class="entry-date published updated"> of a post never modified)
        if bylines.UPDATED_MARKS.search(marks) and not _PUBLISHED.search(own):
            continue
        score = 0
        if "pubdate" in attrs or _PUB_CLASS.search(marks):
            score += 2
        if dom.has_ancestor(el, _ARTICLE):
            score += 1
        if furniture.holds(el):
            score -= 3
        scored.append((-score, index, day, value))
    if not scored:
        return None
    scored.sort()
    if scored[0][0] > 0:  # only times in asides, footers and navigation
        return None
    return scored[0][2], scored[0][3]


_ARTICLE = dom.tag_ids("article", "main")



def _date_title(found: Markup) -> dt.date | None:
    """A full date written in the page's ``<title>`` or ``og:title``
    ("... | Europa | DW | 28.04.2023", "... - 07.12.2017 - LA NACION")."""
    for title in (found.title, found.meta.get("og:title")):
        if title:
            day = textdates.find_date_in_text(tn.squash(title))
            if day is not None:
                return day
    return None
