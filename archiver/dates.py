"""The original publication day of a page, from its markup, URL or byline.

In order of trust: JSON-LD ``datePublished``, ``<meta>`` tags, ``itemprop``
values, ``<time>`` elements, a full date in the URL, a date written in a
byline-like element outside any link, a full date in the title, a byline's
date inside a link (a teaser's). A month in the URL gives no day. A UTC instant is
moved to the page's own time zone when the page gives it elsewhere with an
offset. Pure; "nothing found" is None.

Example::

    choose_date(markup, tree, "https://example.com/2016/05/03/story/")
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Iterator
from itertools import islice

from selectolax.lexbor import LexborHTMLParser, LexborNode

from . import dom, textdates, titles
from . import textnorm as tn
from .headline import holds_a_logo, names_the_site_h1
from .pagemeta import Markup, first_str, is_article, itemprop_dates, iter_jsonld, text_of

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
_UPDATED = dom.MarksPattern(r"modif|updat|edited|aktualis|actualiz|revis")
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
    furniture = _Furniture(found, headed)
    dated = article or _date_meta(found) or other or _date_itemprop(tree, furniture) \
        or _date_time_elements(found, furniture)
    if dated is not None:
        day = _local_day(dated, found)
        if day == dated[0]:  # no other machine-readable date told its zone
            return _shown_day(dated, found, tree, furniture, headed) or day
        return day
    url_day, has_day = textdates.date_from_url(url)
    if url_day is not None and has_day:
        return url_day
    # (a /2016/05/ URL gives a month: no day is made up)
    own, before, teaser = _date_byline(tree, furniture)
    return own or _date_under_h1(found, tree, furniture, headed) or _date_title(found) \
        or before or teaser


#: A date said to be an update's ("Updated: 6 March 2024", "(modifica il 6 marzo
#: 2024 | 09:12)", "更新日期：113-03-06"), up to a separator or a publication's label;
#: or a date that Japanese and Chinese write before the word ("2016年5月5日 更新",
#: "2016-05-05 更新"), when no date follows it ("更新日：..." labels the next).
_UPDATE_DATE = re.compile(
    r"\d{1,4}\s*[年./-]\s*\d{1,2}\s*[月./-]\s*\d{1,2}\s*日?(?:\s*[(（][^)）]{1,3}[)）])?"
    r"(?:\s*\d{1,2}[:時时]\d{2}分?(?::\d{2})?)?\s*に?更新"
    r"(?!\s*(?:日期?|時間|时间)?\s*[:：]?\s*\d)(?:しました|済み)?|"
    r"(?:(?:last\s+)?(?:updated|modified|edited|revised)(?:\s+(?:on|at|date))?|"
    r"(?:last\s+update\b|\bupdate\s*(?=:))|last\s+reviewed(?:\s+on)?|\breviewed\s*(?=:)|"
    r"modificad[oa]|modifica(?:to)?(?:\s+il)?|aggiornat[oa](?:\s+il)?|"
    r"ultimo\s+aggiornamento|(?:[úu]ltima\s+)?actualizaci[óo]n|"
    r"actualizad[oa](?:\s+el)?|\bact\.(?=\s*\d{1,2}[./-])|mis\s+à\s+jour(?:\s+le)?|"
    r"aktualisiert(?:\s+am)?|diperbarui|(?:di)?kemas\s*kini|cập\s+nhật|"
    r"atualizad[oa](?:\s+em)?|atualização|uppdaterad|z?aktualizowan[oa]|aktualizacja|"
    r"bijgewerkt|(?:laatst\s+)?gewijzigd(?:\s+op)?|laatste\s+update|päivitetty|opdateret|"
    r"oppdatert|обновлено|оновлено|изменено|ενημερώθηκε|"
    r"güncellen(?:me|di)(?:\s+tarihi)?|güncelleme\s*(?=:)|עודכן|آخر\s+تحديث|"
    r"تم\s+التحديث|تحديث\s*(?=:)|(?:آخرین\s+)?ب(?:ه[\u200c\s]?)?روز\s?رسانی(?:\s+شده)?|"
    r"(?<![가-힣])(?:최종\s*)?(?:수정|업데이트)(?:일시|일|시간)?|imesasishwa|"
    r"թարմացվել(?:\s+է)?|ធ្វើបច្ចុប្បន្នភាព|更新(?:日期|時間|时间)?)\s*[:：՝៖]?"
    r"(?:(?!publi|pubblic|post|發布|发布|發佈|公開|公开|掲載|配信|erschienen|veröffentlicht|"
    r"diterbitkan|terbit|julkaistu|опубликовано|опубліковано|δημοσιε|פורסם|yayın|نشر|انتشار|"
    r"입력|등록|게재|(?:기사)?승인)"
    # (a short aside of its own, "Updated 0212 GMT (1012 HKT) May 3, 2016", is
    # the update's; the bracket that holds an update ends it)
    r"(?:\([^()|\n]{0,20}\)|[^|()\n])){0,40}", re.IGNORECASE)


def _without_updates(text: str) -> str:
    """*text* without the dates it says are an update's (see :data:`_UPDATE_DATE`)."""
    return _UPDATE_DATE.sub(" ", text) if _UPDATE_HINT.search(text) else text


#: A word every label of :data:`_UPDATE_DATE` holds: searched first, for 8 µs
#: where the substitution takes 14 µs over a byline of 80 characters with none.
_UPDATE_HINT = re.compile(r"updat|modif|edited|revised|reviewed|aggiorna|actualiz|act\.|"
                          r"mis\s+à|aktualisiert|diperbarui|kemas|cập|atualiz|"
                          r"uppdater|aktualiz|bijgewerkt|gewijzigd|päivitetty|opdateret|"
                          r"oppdatert|обновлено|оновлено|изменено|ενημερώθηκε|güncel|עודכן|"
                          r"تحديث|روز\s?رسانی|수정|업데이트|imesasishwa|թարմաց|"
                          r"ធ្វើបច្ចុប្បន្នភាព|更新", re.IGNORECASE)


#: Elements looked at after an ``<h1>`` for a line that is only its date.
_UNDER_H1 = 3
#: Words a line that is only a date may hold besides it ("Release date:").
_DATE_LINE_WORDS = 4


def _date_under_h1(found: Markup, tree: LexborHTMLParser, furniture: _Furniture,
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
        if _date_after(head, _Furniture(found, headed=False), nearer) is None:
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


def _date_after(head: LexborNode, furniture: _Furniture,
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


def _date_line(el: LexborNode, furniture: _Furniture,
               texts: list[str] | None = None) -> dt.date | None:
    """The date of *el* when it is a line that says only that, or a byline that
    ends with it ("By: Nestor Corrales - Reporter / 05:40 AM March 05, 2024").
    *texts*, when given, gets the line's text when it has a date."""
    raw = text_of(el)
    if len(raw) > _LINE_RAW_CHARS:  # a box of text, not a line (read no further)
        return None
    text = _without_updates(tn.squash(raw))
    if not text or el.tag == "a" or furniture.holds(el):
        return None
    day = None
    if _BYLINE_START.match(text) and len(text) <= 160:  # its links are its writers'
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
#: :func:`_date_line` (which keeps 160 once spaces are squashed).
_LINE_RAW_CHARS = 2000


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
_DATE_WORDS = re.compile(
    rf"\d+|[年月日號号]|{textdates.MONTH_NAMES}|平成|令和|昭和|民國|民国|元|ዓ\.?ም", re.IGNORECASE)


def _local_day(dated: Dated, found: Markup) -> dt.date:
    """The day in the page's own time zone when *dated* was written in UTC.

    A page that gives the same instant elsewhere with a non-zero offset
    (JSON-LD in UTC, ``article:published_time`` at -08:00) is dated by the
    day its own readers saw.
    """
    day, raw = dated
    instant = textdates.parse_datetime(raw)
    if instant is None or instant.utcoffset() != dt.timedelta(0):
        return day
    for value in _dates_as_written(found):
        other = textdates.parse_datetime(value)
        if other is not None and other.utcoffset() not in (None, dt.timedelta(0)) \
                and abs((other - instant).total_seconds()) <= 60:
            return other.date()
    return day


def _shown_day(dated: Dated, found: Markup, tree: LexborHTMLParser, furniture: _Furniture,
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
                yield textdates.find_date_in_text(_without_updates(tn.squash(text_of(el)))), None
        # a line near the headline shows it when it gives its time of day too, as
        # the instant is in a time zone ("03/05/2016 06:30 GMT+7"): a print
        # edition's, an event's or a correction's day gives none
        texts: list[str] = []
        yield _date_near_headline(found.h1s, furniture, texts), texts[-1] if texts else ""
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


def _date_near_headline(h1s: list[LexborNode], furniture: _Furniture,
                        texts: list[str] | None = None, *, body: bool = True
                        ) -> dt.date | None:
    """The date of a byline (as :func:`_date_byline` reads one) in the boxes of
    the first of *h1s*, from its own up to :data:`_NEAR_LEVELS` levels up, the
    nearest first (``<body>`` too when *body*): where a page shows its readers
    the day of its article, read without going over the whole page, and before
    a date of the day in a top bar or a list of news in a column beside it."""
    for box in _boxes_of(h1s[0] if h1s else None, body):
        day = _byline_date_in(box, furniture, texts)[0]
        if day is not None:
            return day
    return None


def _boxes_of(head: LexborNode | None, body: bool = True) -> Iterator[LexborNode]:
    """The boxes of *head*, from its parent up to :data:`_NEAR_LEVELS` levels up
    (``<body>`` too when *body*, and no further)."""
    box = head
    for _ in range(_NEAR_LEVELS if box is not None else 0):
        box = box.parent if box is not None else None
        if box is None or not box.is_element_node or box.tag == "html" \
                or (box.tag == "body" and not body):
            return
        yield box
        if box.tag == "body":
            return


#: Boxes of the ``<h1>`` read by :func:`_date_near_headline`, the nearest first.
_NEAR_LEVELS = 3


def _dates_as_written(found: Markup) -> Iterator[str]:
    """The page's dates as written, in the order :func:`_local_day` tries them
    (read as it asks: the first with an offset usually ends it)."""
    for name, written in found.meta.items():
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


def _date_meta(found: Markup) -> Dated | None:
    ranked = sorted((_DATE_META_RANK[k], v) for k, v in found.meta.items()
                    if k in _DATE_META_RANK)
    for _, value in ranked:
        day = textdates.parse_date(value)
        if day is not None:
            return day, value
    page = found.meta.get("parsely-page")
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


def _date_itemprop(tree: LexborHTMLParser, furniture: _Furniture) -> Dated | None:
    for value in itemprop_dates(tree, skip=furniture.holds):
        day = textdates.parse_date(tn.squash(value))
        if day is not None:
            return day, value
    return None


def _date_time_elements(found: Markup, furniture: _Furniture) -> Dated | None:
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
        if _UPDATED.search(marks) and not _PUBLISHED.search(own):
            continue
        score = 0
        if "pubdate" in attrs or _PUB_CLASS.search(marks):
            score += 2
        above = {a.tag_id for a in dom.ancestors(el)}
        if not above.isdisjoint(_ARTICLE):
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
_LINK = dom.tag_ids("a")
#: Boxes whose dates are other articles' or the day's: related stories,
#: sidebars and rails, comments and reviews (a Disqus thread), tickers, "most
#: read" lists, lists of news (1C-Bitrix's "news-list"), "see also", "read also"
#: and "more news" boxes, the links to the previous and next posts, the
#: masthead's date of today ("fecha-hoy", a theme's "header-top" bar).
_FURNITURE = dom.MarksPattern(
    r"(?:^|[\s_-])(?:related|sidebar|rail|comments?|reviews?|ticker|breaking|most-?read|"
    r"mostread|popular|trending|recommended|teasers?|widget|newsfeed|news-feed|latest|"
    r"masthead|topbar|top-bar|top_bar|header-top|header-date|current-date|today|hoy|"
    r"news-?list|see-also|read-also|also-read|more-news|similar-news|other-news|"
    r"post-navigation|disqus)(?:$|[\s_-])")
#: Ancestors looked at for furniture.
_FURNITURE_DEPTH = 12
_TOP = dom.tag_ids("body", "html")
_HEADER = dom.tag_id("header")
_FOOTER = dom.tag_id("footer")
#: Class and id words of a box that is the page's header (``<div id=inq_header>``),
#: or its top bar, named by a word of its own ("top", "head", "topline"; not
#: "top-story", "headline" or "article-head").
_HEADER_MARKS = dom.MarksPattern(r"(?:^|[\s_-])(?:site-?)?header(?:$|[\s_-])|"
                                 r"(?:^|\s)(?:top|head|top-?line)(?:$|\s)")


class _Furniture:
    """Whether a date is in the page's furniture: in an aside, a footer,
    navigation, a link, or a box named as furniture (:data:`_FURNITURE`) below
    the article or main element that holds it, if any. A box that holds the
    page's ``<h1>`` is the article's, whatever its name (a Drupal body of class
    "one-sidebar", a main column named "sidebar_1"), and so are ``<body>`` and
    ``<html>``. Without *headed* the page's ``<h1>`` heads no article: one that
    is the site's logo does not make the boxes that hold it the article's.
    A header box just above the ``<h1>`` (VnExpress's "header-content" with
    the byline) is the article's too, and so is a ``<footer>`` in the article
    or main element that holds the ``<h1>`` (a WordPress entry's footer, with
    its "Published" date)."""

    def __init__(self, found: Markup, headed: bool = True) -> None:
        self.h1s = found.h1s[:3] if headed else [
            h1 for h1 in found.h1s[:3] if not names_the_site_h1([h1])]
        self._headed: set[int] | None = None
        self._near: set[int] | None = None  # the boxes of the <h1>s, 3 levels up

    def _headline_boxes(self) -> set[int]:
        if self._headed is None:
            self._headed = {a.mem_id for h1 in self.h1s for a in dom.ancestors(h1)}
        return self._headed

    def _named(self, el: LexborNode) -> bool:
        marks = dom.marks(el.attributes)
        return bool(marks) and _FURNITURE.search(marks) \
            and el.mem_id not in self._headline_boxes()

    def holds(self, el: LexborNode) -> bool:
        if self._named(el):
            return True
        header = False  # in a <header> that does not hold the <h1>: the page's own, if
        # no <article> or <main> holds it (the masthead's date of the day)
        for depth, above in enumerate(dom.ancestors(el)):
            tid = above.tag_id
            if tid in _TOP:
                return header
            if tid in _ARTICLE or depth >= _FURNITURE_DEPTH:
                return False
            if tid in dom.ASIDE_IDS or tid in _LINK or self._named(above):
                if tid == _FOOTER and not self._named(above) and self._articles_own(above):
                    continue  # the entry's footer, its byline (WordPress's "posted-on")
                return True
            if (tid == _HEADER or _HEADER_MARKS.search(dom.marks(above.attributes))) \
                    and above.mem_id not in self._headline_boxes() \
                    and not self._over_headline(above):
                header = True
        return False

    def _articles_own(self, box: LexborNode) -> bool:
        """True when the nearest ``<article>`` or ``<main>`` that holds *box*
        holds the ``<h1>`` too."""
        for above in dom.ancestors(box):
            if above.tag_id in _ARTICLE:
                return above.mem_id in self._headline_boxes()
        return False

    def _over_headline(self, box: LexborNode) -> bool:
        """True when *box* is the top of the article, no page header: it holds
        no link to the home page (the site's logo) and either sits in one of
        the boxes of an ``<h1>`` (:data:`_NEAR_LEVELS` levels up, not
        ``<body>``: a "news-detail" box with its "top" byline over a "title"
        box that holds the ``<h1>``) or comes right before the ``<h1>`` (a
        header over the headline of a simple page). A "top" bar beside the
        box of the ``<h1>`` in ``<body>`` is the page's."""
        if not self.h1s:
            return False
        if self._near is None:
            self._near = {above.mem_id for h1 in self.h1s for above in _boxes_of(h1, body=False)}
        near = any(above.mem_id in self._near for above in dom.ancestors(box))
        if not near:
            after = box.next
            while after is not None and not after.is_element_node:
                after = after.next
            near = after is not None and any(after.mem_id == h1.mem_id for h1 in self.h1s)
        return near and not holds_a_logo(box)


_BYLINE_TAGS = ("div", "span", "p", "small", "li", "header", "abbr", "em", "strong", "b",
                "font", "td", "time", "dd", "h4", "h5", "h6")
_BYLINE_IDS = dom.tag_ids(*_BYLINE_TAGS)
_BYLINE_MARKS = dom.MarksPattern(r"date|publish|byline|posted|time|meta|datum|fecha|tanggal|"
                                 r"dateline|info|author|credit|tarih|data|fecha|datetime")


@functools.lru_cache(maxsize=4096)
def _byline_marks(marks: str) -> bool:
    return _BYLINE_MARKS.search(marks) and not _UPDATED.search(marks)


#: A day written with a two-digit year, day first, as German, Dutch, Nordic,
#: Polish, Russian or Turkish bylines write it ("Do 25.04.24 | 14:07 Uhr"):
#: dots only (with slashes, "04/05/24" is either order), and not a piece of a
#: longer number or version ("1.2.3.4").
_SHORT_YEAR = re.compile(r"(?<![\d.])([0-3]?\d)\.([01]?\d)\.(\d\d)(?!\d|\.\d)")


def _date_byline(tree: LexborHTMLParser, furniture: _Furniture
                 ) -> tuple[dt.date | None, dt.date | None, dt.date | None]:
    """A date written in a byline-like element (class or id says date/byline):
    the first outside any link, in the boxes of the ``<h1>`` first
    (:func:`_date_near_headline`), then in the whole page; the first before
    those boxes (a date of the day in a top bar, of a list of news in a left
    column); and the first inside a link (a teaser's, which dates another
    article). :func:`choose_date` tries the title before the last two."""
    root = tree.root
    if root is None:
        return None, None, None
    near = _date_near_headline(furniture.h1s, furniture, body=False)
    if near is not None:
        return near, None, None
    # (the outermost of those boxes, if any)
    boxes = list(_boxes_of(furniture.h1s[0] if furniture.h1s else None, body=False))
    return _byline_date_in(root, furniture, head=boxes[-1] if boxes else None)


def _byline_date_in(box: LexborNode, furniture: _Furniture, texts: list[str] | None = None,
                    head: LexborNode | None = None
                    ) -> tuple[dt.date | None, dt.date | None, dt.date | None]:
    """:func:`_date_byline` over the elements in *box*: the first date outside
    any link (not before *head*, when given), the first before *head*, the
    first in a link; *texts*, when given, gets the text of the byline whose
    date it returns first."""
    checked = 0
    teaser: dt.date | None = None
    before: dt.date | None = None
    for el in box.css("[class], [id]"):
        if el.tag_id not in _BYLINE_IDS:
            continue
        if not _byline_marks(dom.marks(el.attributes)):
            continue
        text = text_of(el)
        if not text or len(text) > 400:
            continue
        text = tn.squash(text)
        # the earliest when it names several: "Updated: March 14, 2019 | Published:
        # March 12, 2019" (a page is updated after it is published); none said
        # to be an update's ("Updated: 6 March 2024" alone is no publication date)
        text = _without_updates(text)
        days = textdates.find_dates_in_text(text, limit=4)
        day = min(days) if days else _short_year_date(text) or _titled_date(el)
        if day is not None:
            if dom.has_ancestor(el, _LINK):
                teaser = teaser or day
            elif head is not None and _precedes(el, head):
                if before is None and not furniture.holds(el):
                    before = day
            elif not furniture.holds(el):
                if texts is not None:  # with its box's, which may hold its clock
                    # ("<span class=date>Tuesday, 03 May 2016</span> <span>12:15 AM MYT")
                    # (read with spaces between elements: "2016</p><time>12:15")
                    own = tn.squash(el.text(separator=" "))
                    holder = el.parent
                    around = tn.squash(holder.text(separator=" ")) if holder is not None else ""
                    texts.append(around if own in around and len(around) <= 300 else own)
                return day, before, teaser
        checked += 1
        if checked >= 60:
            break
    return None, before, teaser


def _precedes(el: LexborNode, other: LexborNode) -> bool:
    """True when *el* ends before *other* starts in the document."""
    path: dict[int, int] = {}  # an ancestor of *other*: its child that holds *other*
    child = other
    for above in dom.ancestors(other):
        path[above.mem_id] = child.mem_id
        child = above
    node = el
    for above in dom.ancestors(el):
        target = path.get(above.mem_id)
        if target is not None:
            sibling = node.next
            while sibling is not None:
                if sibling.mem_id == target:
                    return True
                sibling = sibling.next
            return False
        node = above
    return False


def _titled_date(el: LexborNode) -> dt.date | None:
    """The date in the ``title`` of a byline element whose text has none: the
    microformats' ``<abbr class="published" title="2008-04-12T10:00:00Z">12
    April</abbr>`` (hAtom, still in blog and CMS themes)."""
    title = el.attributes.get("title")
    return textdates.parse_date(title) if title else None


def _short_year_date(text: str) -> dt.date | None:
    """The first plausible ``dd.mm.yy`` day in *text* (a year of this century)."""
    for m in _SHORT_YEAR.finditer(text):
        try:
            day = dt.date(2000 + int(m.group(3)), int(m.group(2)), int(m.group(1)))
        except ValueError:
            continue
        if textdates.plausible(day):
            return day
    return None


def _date_title(found: Markup) -> dt.date | None:
    """A full date written in the page's ``<title>`` or ``og:title``
    ("... | Europa | DW | 28.04.2023", "... - 07.12.2017 - LA NACION")."""
    for title in (found.title, found.meta.get("og:title")):
        if title:
            day = textdates.find_date_in_text(tn.squash(title))
            if day is not None:
                return day
    return None
