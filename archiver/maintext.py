"""The main text of a page: the article's words without the page's furniture.

The container is the ``<article>``/``<main>`` with most paragraphs (else
``<body>``); scripts, navigation, headers, footers, forms and media are
removed, then boxes whose class, id, role or style names boilerplate
(comments, related links, share buttons, ads, hidden elements), but for
those whose names sites also give the article ("widget", "paywall",
"sidebar") when they hold most of its text. Pure.

Example::

    text = main_text(tree, markup)  # changes the tree: run it last
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from itertools import islice

from selectolax.lexbor import LexborHTMLParser, LexborNode

from . import dom
from . import textnorm as tn
from .pagemeta import Markup

#: Characters of text, little of it in links, that make boxes named as furniture
#: the article's (see :class:`_Share`).
ARTICLE_CHARS = 1000
#: Characters of main text kept.
MAX_TEXT_CHARS = 40_000  # as much as the snapshot comparison reads (similarity.MAX_CHARS)
#: Elements of the container walked (boxes judged, blocks set apart): a news
#: page has a few thousand. Past them the text is read as it stands, and the
#: walk's memory stays bounded (3 MB of ``x<br>`` are 600,000 blocks).
MAX_WALKED = 50_000

_DROP_TAGS = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form",
              "iframe", "svg", "template", "button", "select", "textarea", "object", "embed",
              "figure", "menu", "dialog", "canvas", "video", "audio", "map", "link", "meta")
#: Class/id fragments of boilerplate boxes (matched as substrings, lower case).
_BOILER_PARTS = ("comment", "related", "sidebar", "newsletter", "share", "social", "promo",
                 "advert", "cookie", "mostread", "most-read", "popular", "widget",
                 "breadcrumb", "subscri", "recommend", "teaser", "banner", "sponsor",
                 "outbrain", "taboola", "paywall", "trending", "readmore", "read-more",
                 "more-stories", "navigation", "menu", "footer", "masthead", "consent",
                 "signup", "toolbar")
#: Class/id words of boilerplate boxes (matched as whole words).
_BOILER_WORDS = frozenset({"ad", "ads", "adslot", "ad-slot", "adunit", "dfp", "gpt-ad", "tag",
                           "tags", "nav", "modal", "popup", "hidden", "print-only"})
_BOILER_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "dialog",
                           "search", "menu", "menubar", "alert"})
_KEEP_TAGS = frozenset({"article", "main", "body", "html"})


#: A part anywhere ("js-share-bar"), searched for as a trie.
_BOILER_PART = re.compile(tn.trie(_BOILER_PARTS))


@functools.lru_cache(maxsize=4096)
def _boiler_marks(marks: str) -> bool:
    """True when class and id words name a boilerplate box.

    A part anywhere ("js-share-bar"), or a word between spaces/underscores
    ("ad_slot", "top ad"): no word holds either, so a word is one of the
    pieces *marks* splits into at them.
    """
    marks = marks.lower()
    if _BOILER_PART.search(marks) is not None:
        return True
    return not _BOILER_WORDS.isdisjoint(marks.replace("_", " ").split())


def _is_boilerplate(el: LexborNode, tid: int, attrs: dict[str, str | None],
                    guarded: set[int], share: _Share | None = None) -> bool:
    """True when the box *el* (tag id *tid*, attributes *attrs*) is not part of the text.

    *guarded* holds the elements that contain the article's ``<h1>`` or an
    ``<article>``: a wrapper of the article itself (class "post
    has-share-buttons") stays; so do boxes named as furniture that *share*
    finds holding the article.
    """
    get = attrs.get
    cls, ident = get("class"), get("id")
    if cls or ident:
        # no boilerplate part or word holds a space: class and id are judged
        # apart, and a class shared by many boxes is judged once
        if (cls and _boiler_marks(cls)) or (ident and _boiler_marks(ident)):
            if tid in _KEEP_IDS or get("itemprop") == "articleBody" or el.mem_id in guarded:
                return False
            return share is None or not _ambiguous(cls, ident) \
                or not share.holds_the_article(el, cls)
        if len(attrs) == 1:  # the common case: a class and nothing else
            return False
    if "hidden" in attrs or get("aria-hidden") == "true":
        return tid not in _KEEP_IDS
    role = get("role")
    if role and role.lower() in _BOILER_ROLES:
        return tid not in _KEEP_IDS
    style = get("style")
    if style and "none" in style and "display:none" in style.replace(" ", "").lower():
        return tid not in _KEEP_IDS
    return False


def _guarded(container: LexborNode, holders: Iterable[LexborNode]) -> set[int]:
    """``mem_id`` of the elements in *container* that hold one of *holders*.

    A holder inside a dropped element (an ``<h1>`` in a ``<header>``) holds
    nothing: it goes with the element.
    """
    guarded: set[int] = set()
    leads_nowhere: set[int] = set()  # walked through before, to no guarded end
    stop = container.mem_id
    for holder in holders:
        chain: list[int] = []
        for above in dom.ancestors(holder):
            mem_id = above.mem_id
            if mem_id == stop or mem_id in guarded:  # from a guarded one up, the way is clear
                guarded.update(chain)
                break
            if above.tag_id in _DROP_IDS or mem_id in leads_nowhere:
                leads_nowhere.update(chain)
                break
            chain.append(mem_id)
        else:  # up to <html>: the holder is not in the container
            leads_nowhere.update(chain)
    return guarded


def _main_container(body: LexborNode, candidates: list[LexborNode]) -> LexborNode:
    """The element that holds the article: the <article>/<main> with most paragraphs.

    ``<body>`` when there is none, or when it has almost no paragraphs (a
    listing page with many small <article> teasers).
    """
    best, best_count = body, 0
    for candidate in candidates:
        count = len(candidate.css("p"))
        if count > best_count:
            best, best_count = candidate, count
    if best is body or best_count < 2:
        return body
    return best


#: Elements removed with everything in them.
_DROP_IDS = dom.tag_ids(*_DROP_TAGS)
#: Elements that hold boxes (widgets, related links, comments).
_BOX_IDS = dom.tag_ids("div", "section", "ul", "ol", "aside", "table", "td", "span", "p", "li",
                       "dl")
_KEEP_IDS = dom.tag_ids(*_KEEP_TAGS)
_ARTICLE = dom.tag_id("article")
#: Elements whose text is set apart from the text around them.
_BLOCK_IDS = dom.tag_ids(
    "p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "tr", "br", "hr",
    "article", "section", "blockquote", "figcaption", "ul", "ol", "dl", "dt", "dd", "pre",
    "table", "caption", "main", "address", "details", "summary", "fieldset", "legend",
    "header", "footer", "nav", "aside", "form", "figure", "center")

#: What the main-text walk does with an element, by tag id: drop it; set it
#: apart (a block); judge it as a box; both of the last two.
_DROP, _BLOCK, _BOX, _BLOCK_BOX = 1, 2, 3, 4
_KINDS: dict[int, int] = {
    **{tid: _BLOCK for tid in _BLOCK_IDS},
    **{tid: _BOX for tid in _BOX_IDS},
    **{tid: _BLOCK_BOX for tid in _BLOCK_IDS & _BOX_IDS},
    **{tid: _DROP for tid in _DROP_IDS},
}


#: _KINDS as a list indexed by tag id (standard tags; others have none).
_KIND_OF: list[int | None] = [_KINDS.get(i) for i in range(max(_KINDS) + 1)]


_FORM = dom.tag_id("form")


@functools.lru_cache(maxsize=4096)
def _ambiguous(cls: str | None, ident: str | None) -> bool:
    return _AMBIGUOUS.search(f"{cls} {ident}")


#: Furniture names that sites also give to the article's own boxes ("article
#: widget", "sidebar-grid__container", "paywall" paragraphs, "hasBanners",
#: "subscriber-only"): a box so named is judged by the text it holds.
_AMBIGUOUS = dom.MarksPattern("paywall|widget|sidebar|banner|subscri")
#: Class words of the article's own text, whatever else the class says.
_ARTICLE_MARKS = dom.MarksPattern(r"(?:article|story|entry|post)[-_]?(?:body|content|text)\b|"
                                  r"\barticlebody\b|\btext[-_]body\b")


class _Share:
    """Whether boxes named as furniture hold the article after all: a body in class
    "article-body ... container-widget-content", paragraphs of class "paywall"
    (a paywalled text), the article's parts in "sidebar-grid__container" boxes.
    Judged once a class: its boxes hold the article when their text, little of
    it in links, is at least :data:`ARTICLE_CHARS` long and 40% of the
    container's (measured when first needed, without what was dropped by then).
    """

    def __init__(self, container: LexborNode) -> None:
        self.container = container
        self.total = -1
        self.judged: dict[str, bool] = {}

    def holds_the_article(self, el: LexborNode, cls: str | None) -> bool:
        key = cls or f"#{el.mem_id}"
        found = self.judged.get(key)
        if found is None:
            if cls and _ARTICLE_MARKS.search(cls):
                self.judged[key] = True
                return True
            own = len(el.text())
            if own < 200:  # a button, a line: not its class's measure
                return False
            boxes = self.container.css(f'[class="{_css_string(cls)}"]') if cls else [el]
            mem_id = el.mem_id  # its own text is measured already
            held = sum(own if box.mem_id == mem_id else len(box.text()) for box in boxes)
            if held >= ARTICLE_CHARS and self.total < 0:
                self.total = len(self.container.text())
            found = held >= ARTICLE_CHARS and 10 * held >= 4 * self.total and \
                3 * sum(len(a.text()) for box in boxes for a in box.css("a")) < held
            self.judged[key] = found
        return found


#: Class/id names of the box that ends a text cut for readers who do not pay.
_WALL_MARKS = dom.MarksPattern("paywall|subscri|regwall|piano-|premium")
#: Characters kept of the text of such a box.
WALL_TEXT_CHARS = 300


def _walled(attrs: dict[str, str | None]) -> bool:
    """True when the class or id of a box names a paywall."""
    cls, ident = attrs.get("class"), attrs.get("id")
    return bool(cls and _WALL_MARKS.search(cls)) or bool(ident and _WALL_MARKS.search(ident))


def _holds(el: LexborNode, inner: Iterable[LexborNode]) -> bool:
    """True when *el* is an ancestor of one of *inner*."""
    mem_id = el.mem_id
    return any(a.mem_id == mem_id for node in inner for a in dom.ancestors(node))


def _css_string(value: str) -> str:
    """*value* inside a double-quoted CSS string."""
    return "".join(f"\\{ord(ch):x} " if ch in '"\\' or ch < " " else ch for ch in value)


def _empty(el: LexborNode) -> None:
    """Take everything out of *el*, which stays in its place.

    A dropped element keeps its place until the blocks around it are set
    apart (they look at it); what is inside it goes now, so the walk does
    not go down into it.
    """
    for child in el.iter(include_text=True):
        child.decompose(recursive=False)


#: ``<article>`` teasers that, holding most of the main text between them and
#: none of them half of it, make a page a listing (a home or section page).
LISTING_TEASERS = 5


def main_container(tree: LexborHTMLParser, markup: Markup) -> LexborNode | None:
    """The element that holds the page's main text (None for a page with no
    ``<body>`` or root): see :func:`_main_container`."""
    body = tree.body or tree.root
    return None if body is None else _main_container(body, markup.containers)


def teasers(markup: Markup, container: LexborNode) -> int:
    """How many ``<article>`` teasers the page lists in *container*, the
    element of its main text (:func:`main_container`): :data:`LISTING_TEASERS`
    or more when the container is no ``<article>`` itself and they hold most
    of its text, none of them half of it, a fifth of it or more in links (a
    home or section page, whose words are its teasers'); else 0 (an article,
    with or without teasers of others or comments). Read before
    :func:`main_text` changes the tree."""
    if sum(el.tag_id == _ARTICLE for el in markup.containers) < LISTING_TEASERS:
        return 0  # (most pages: no query)
    if container.tag_id == _ARTICLE:
        return 0
    tops = [el for el in container.css("article") if not dom.has_ancestor(el, _ARTICLES)]
    if len(tops) < LISTING_TEASERS:
        return 0
    total = len(container.text())
    sizes = [len(el.text()) for el in tops]
    if 2 * max(sizes) >= total or 2 * sum(sizes) < total:
        return 0
    # a teaser links to its story (its headline, most often): a fifth of their
    # words or more are links' (comments, also <article>s, have a few links)
    linked = sum(len(a.text()) for el in tops for a in el.css("a[href]"))
    return len(tops) if 5 * linked >= sum(sizes) else 0


_ARTICLES = dom.tag_ids("article")


def main_text(tree: LexborHTMLParser, markup: Markup, walls: list[str] | None = None,
              container: LexborNode | None = None) -> str:
    """The page's main text: boilerplate removed, blocks apart, whitespace squashed, capped.

    *markup* gives the page's ``<article>``, ``<main>`` and ``<h1>`` elements;
    *container*, the element that holds the text, when the caller has it
    (:func:`main_container`). *walls*, when given, gets the text of each box
    left out that is named as a paywall (:data:`WALL_TEXT_CHARS` of it at most).
    Changes the tree (boilerplate elements are removed), so it runs last.
    """
    if container is None:
        container = main_container(tree, markup)
        if container is None:
            return ""
    guarded = _guarded(container, [*markup.h1s, *(el for el in markup.containers
                                                   if el.tag_id == _ARTICLE)])
    drops: list[LexborNode] = []
    blocks: list[LexborNode] = []
    text = _Share(container)
    kind_of = _KIND_OF
    last_kind = len(kind_of)
    for el in islice(container.traverse(), MAX_WALKED):
        tid = el.tag_id
        if tid >= last_kind:
            continue
        kind = kind_of[tid]
        if kind is None:
            continue
        if kind == _DROP:
            if tid == _FORM and _holds(el, markup.h1s):  # ASP.NET's page-wide <form>
                blocks.append(el)
                continue
            drops.append(el)
            _empty(el)
            continue
        if kind != _BOX:
            blocks.append(el)
            if kind == _BLOCK:
                continue
        # one call for all the attributes: fewer than el.attrs, len() and a
        # get() that raises inside when there is no class
        attrs = el.attributes
        if not attrs:
            continue
        if len(attrs) == 1:  # most boxes: judged by the class alone
            cls = attrs.get("class")
            if cls is not None and not _boiler_marks(cls):
                continue
        if _is_boilerplate(el, tid, attrs, guarded, text):
            if walls is not None and _walled(attrs):
                walls.append(el.text()[:WALL_TEXT_CHARS])
            drops.append(el)
            _empty(el)
    for el in blocks:  # "Kenya deports 45</h1><div>By Staff" must not give "45By"
        # whitespace already there is enough; a block before this one adds its own
        before = el.prev
        if before is not None and not before.is_empty_text_node \
                and before.tag_id not in _BLOCK_IDS:
            el.insert_before("\n")
        after = el.next
        if after is not None and not after.is_empty_text_node:
            el.insert_after("\n")
    for el in drops:
        el.decompose(recursive=False)  # out of the tree, its text with it
    return tn.squash(container.text()[: MAX_TEXT_CHARS * 2], limit=MAX_TEXT_CHARS)
