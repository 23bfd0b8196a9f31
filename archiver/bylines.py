"""Dates written for readers: bylines, and the boxes whose dates are not the page's.

A byline-like element (class or id says date, byline, posted, meta, ...) in
the boxes of the ``<h1>`` first, then anywhere outside links; its date read
without those said to be an update's ("Updated: 6 March 2024"). A date in
the page's furniture (related stories, rails, comments, tickers, the
masthead's date of the day, a ``<header>`` that does not hold the
headline) is another page's or the day's: :class:`Furniture` tells.
:mod:`archiver.dates` weighs what these find against the page's metadata.

Example::

    furniture = Furniture(markup)
    day, before, teaser = date_byline(tree, furniture)
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterator

from selectolax.lexbor import LexborHTMLParser, LexborNode

from . import dom, textdates
from . import textnorm as tn
from .headline import holds_a_logo, names_the_site_h1
from .pagemeta import SPACED_TEXT_CHARS, Markup, text_of

#: Class and id words of a date that is an update's.
UPDATED_MARKS = dom.MarksPattern(r"modif|updat|edited|aktualis|actualiz|revis")


#: A date said to be an update's ("Updated: 6 March 2024", "(modifica il 6 marzo
#: 2024 | 09:12)", "更新日期：113-03-06"), up to a separator or a publication's label;
#: or a date that Japanese and Chinese write before the word ("2016年5月5日 更新",
#: "2016-05-05 更新"), when no date follows it ("更新日：..." labels the next).
_UPDATE_DATE = tn.LazyPattern(
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


def without_updates(text: str) -> str:
    """*text* without the dates it says are an update's (see :data:`_UPDATE_DATE`)."""
    return _UPDATE_DATE.sub(" ", text) if _UPDATE_HINT.search(text) else text


#: A word every label of :data:`_UPDATE_DATE` holds: searched first, for 8 µs
#: where the substitution takes 14 µs over a byline of 80 characters with none
#: (and for an eighth of that in one in ASCII, searched in lower case as written).
_UPDATE_HINT = dom.MarksPattern(r"updat|modif|edited|revised|reviewed|aggiorna|actualiz|act\.|"
                                r"mis\s+à|aktualisiert|diperbarui|kemas|cập|atualiz|"
                                r"uppdater|aktualiz|bijgewerkt|gewijzigd|päivitetty|opdateret|"
                                r"oppdatert|обновлено|оновлено|изменено|ενημερώθηκε|güncel|עודכן|"
                                r"تحديث|روز\s?رسانی|수정|업데이트|imesasishwa|թարմաց|"
                                r"ធ្វើបច្ចុប្បន្នភាព|更新")


def date_near_headline(h1s: list[LexborNode], furniture: Furniture,
                        texts: list[str] | None = None, *, body: bool = True
                        ) -> dt.date | None:
    """The date of a byline (as :func:`date_byline` reads one) in the boxes of
    the first of *h1s*, from its own up to :data:`_NEAR_LEVELS` levels up, the
    nearest first (``<body>`` too when *body*): where a page shows its readers
    the day of its article, read without going over the whole page, and before
    a date of the day in a top bar or a list of news in a column beside it."""
    inner: LexborNode | None = None  # the box read before, a child of the next
    counted = 0  # its bylines counted against _BYLINES_READ, none dated outside links
    for box in _boxes_of(h1s[0] if h1s else None, body):
        day, _, _, counted = _byline_date_in(box, furniture, texts, inner=inner,
                                             counted=counted)
        if day is not None or counted >= _BYLINES_READ:
            return day
        inner = box
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


#: Boxes of the ``<h1>`` read by :func:`date_near_headline`, the nearest first.
_NEAR_LEVELS = 3


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


class Furniture:
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
        # what is known of the boxes met, by mem_id (the dates of a page share boxes)
        self._marks: dict[int, str] = {}  # their class and id
        self._named_at: dict[int, bool] = {}  # named as furniture
        self._header_at: dict[int, bool] = {}  # the page's header

    def _headline_boxes(self) -> set[int]:
        if self._headed is None:
            self._headed = {a.mem_id for h1 in self.h1s for a in dom.ancestors(h1)}
        return self._headed

    def _marks_of(self, el: LexborNode) -> str:
        """``dom.marks`` of *el*, read once."""
        mem_id = el.mem_id
        marks = self._marks.get(mem_id)
        if marks is None:
            marks = self._marks[mem_id] = dom.marks(el.attributes)
        return marks

    def _named(self, el: LexborNode) -> bool:
        mem_id = el.mem_id
        named = self._named_at.get(mem_id)
        if named is None:
            marks = self._marks_of(el)
            named = self._named_at[mem_id] = bool(marks) and _FURNITURE.search(marks) \
                and mem_id not in self._headline_boxes()
        return named

    def _page_header(self, box: LexborNode, tid: int) -> bool:
        """True when *box* (of tag id *tid*) is a header that does not hold the
        ``<h1>``, nor is the top of the article (:meth:`_over_headline`)."""
        mem_id = box.mem_id
        header = self._header_at.get(mem_id)
        if header is None:
            header = self._header_at[mem_id] = \
                (tid == _HEADER or _HEADER_MARKS.search(self._marks_of(box))) \
                and mem_id not in self._headline_boxes() and not self._over_headline(box)
        return header

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
            if self._page_header(above, tid):
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
    return _BYLINE_MARKS.search(marks) and not UPDATED_MARKS.search(marks)


#: A day written with a two-digit year, day first, as German, Dutch, Nordic,
#: Polish, Russian or Turkish bylines write it ("Do 25.04.24 | 14:07 Uhr"):
#: dots only (with slashes, "04/05/24" is either order), and not a piece of a
#: longer number or version ("1.2.3.4").
_SHORT_YEAR = re.compile(r"(?<![\d.])([0-3]?\d)\.([01]?\d)\.(\d\d)(?!\d|\.\d)")


def date_byline(tree: LexborHTMLParser, furniture: Furniture
                 ) -> tuple[dt.date | None, dt.date | None, dt.date | None]:
    """A date written in a byline-like element (class or id says date/byline):
    the first outside any link, in the boxes of the ``<h1>`` first
    (:func:`date_near_headline`), then in the whole page; the first before
    those boxes (a date of the day in a top bar, of a list of news in a left
    column); and the first inside a link (a teaser's, which dates another
    article). :func:`choose_date` tries the title before the last two."""
    root = tree.root
    if root is None:
        return None, None, None
    near = date_near_headline(furniture.h1s, furniture, body=False)
    if near is not None:
        return near, None, None
    # (the outermost of those boxes, if any)
    boxes = list(_boxes_of(furniture.h1s[0] if furniture.h1s else None, body=False))
    return _byline_date_in(root, furniture, head=boxes[-1] if boxes else None)[:3]


#: Bylines (byline-like elements with some text) read before a search gives up.
_BYLINES_READ = 60
#: Characters of a byline's text past which it is a box of text, no byline.
_BYLINE_CHARS = 400
#: Elements whose text :func:`~archiver.pagemeta.text_of` does not read.
_UNREAD = "script, style, template"
#: The elements a byline may be: named by a class or an id.
_NAMED = "[class], [id]"


def _byline_date_in(box: LexborNode, furniture: Furniture, texts: list[str] | None = None,
                    head: LexborNode | None = None, *, inner: LexborNode | None = None,
                    counted: int = 0
                    ) -> tuple[dt.date | None, dt.date | None, dt.date | None, int]:
    """:func:`date_byline` over the elements in *box*: the first date outside
    any link (not before *head*, when given), the first before *head*, the
    first in a link, and the bylines read without a date outside links;
    *texts*, when given, gets the text of the byline whose date it returns
    first. *inner*: a child of *box* read so before (without *head*), whose
    *counted* bylines had no such date: it is not read again."""
    checked = 0
    teaser: dt.date | None = None
    before: dt.date | None = None
    for el in box.css(_NAMED) if inner is None else _named_around(box, inner):
        if el is None:  # the elements of *inner*, read before
            checked += counted
            if checked >= _BYLINES_READ:
                break
            continue
        if el.tag_id not in _BYLINE_IDS:
            continue
        if not _byline_marks(dom.marks(el.attributes)):
            continue
        raw = el.text()
        if len(raw) > _BYLINE_CHARS and (len(raw) > SPACED_TEXT_CHARS
                                         or el.css_first(_UNREAD) is None):
            continue  # a box of text: as text_of reads it, no shorter (it adds
            # spaces, and leaves out only the text of scripts, styles, templates)
        text = text_of(el, raw)
        if not text or len(text) > _BYLINE_CHARS:
            continue
        if textdates.DIGIT.search(text) is None:  # no date written (most bylines name a writer)
            day = _titled_date(el)
        else:
            # the earliest when it names several: "Updated: March 14, 2019 | Published:
            # March 12, 2019" (a page is updated after it is published); none said
            # to be an update's ("Updated: 6 March 2024" alone is no publication date)
            text = without_updates(tn.squash(text))
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
                return day, before, teaser, checked
        checked += 1
        if checked >= _BYLINES_READ:
            break
    return None, before, teaser, checked


def _named_around(box: LexborNode, inner: LexborNode) -> Iterator[LexborNode | None]:
    """The elements of *box* named by a class or an id, itself first, in
    document order, with one None in place of those of its child *inner*: as
    ``box.css(_NAMED)`` lists them (once for each of its two selectors that
    one matches)."""
    attrs = box.attributes
    for _ in range(("class" in attrs) + ("id" in attrs)):
        yield box
    for child in box.iter():
        if child.mem_id == inner.mem_id:
            yield None
        elif child.is_element_node:
            yield from child.css(_NAMED)


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
