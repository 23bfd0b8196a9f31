"""The main text of a page: the article's words without the page's furniture.

The container is the ``<article>``/``<main>`` with most paragraphs (else
``<body>``); scripts, navigation, headers, footers, forms and media are
removed, then boxes whose class, id, role or style names boilerplate
(comments, related links, share buttons, ads, hidden elements). Pure.

Example::

    text = main_text(root)  # changes the tree: run it last
"""

from __future__ import annotations

import functools
import re
from typing import Any

from lxml import etree

from . import textnorm as tn

#: Characters of main text kept.
MAX_TEXT_CHARS = 100_000

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
_MARK_SPLIT = re.compile(r"[\s_]+")
_BOILER_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "dialog",
                           "search", "menu", "menubar", "alert"})
_KEEP_TAGS = frozenset({"article", "main", "body", "html"})


@functools.lru_cache(maxsize=4096)
def _boiler_marks(marks: str) -> bool:
    """True when class and id words (lower case) name a boilerplate box."""
    return any(part in marks for part in _BOILER_PARTS) or \
        not _BOILER_WORDS.isdisjoint(_MARK_SPLIT.split(marks))


def _is_boilerplate(el: Any) -> bool:
    get = el.get
    cls, ident = get("class"), get("id")
    if (cls or ident) and _boiler_marks(f"{cls or ''} {ident or ''}".lower()):
        if el.tag in _KEEP_TAGS or get("itemprop") == "articleBody":
            return False
        # a wrapper of the article itself (class "post has-share-buttons") stays
        return el.find(".//h1") is None and el.find(".//article") is None
    if get("hidden") is not None or get("aria-hidden") == "true":
        return el.tag not in _KEEP_TAGS
    role = get("role")
    if role and role.lower() in _BOILER_ROLES:
        return el.tag not in _KEEP_TAGS
    style = get("style")
    if style and "none" in style and "display:none" in style.replace(" ", "").lower():
        return el.tag not in _KEEP_TAGS
    return False


def _drop(el: Any) -> None:
    """Remove *el* but keep the text that follows it."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail and tail.strip():
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + " " + tail
        else:
            parent.text = (parent.text or "") + " " + tail
    parent.remove(el)


def _main_container(body: Any) -> Any:
    """The element that holds the article: the <article>/<main> with most paragraphs.

    ``<body>`` when there is none, or when it has almost no paragraphs (a
    listing page with many small <article> teasers).
    """
    best, best_count = body, 0
    for candidate in body.iter("article", "main"):
        count = sum(1 for _ in candidate.iter("p"))
        if count > best_count:
            best, best_count = candidate, count
    if best is body or best_count < 2:
        return body
    return best


#: Elements that hold boxes (widgets, related links, comments).
_BOX_TAGS = ("div", "section", "ul", "ol", "aside", "table", "td", "span", "p", "li", "dl")


def main_text(root: Any) -> str:
    """The page's main text: boilerplate removed, whitespace squashed, capped.

    Changes the tree (boilerplate elements are removed), so it runs last.
    """
    body = root.find("body")
    if body is None:
        body = root
    container = _main_container(body)
    etree.strip_elements(container, *_DROP_TAGS, with_tail=False)
    for el in [el for el in container.iter(*_BOX_TAGS) if _is_boilerplate(el)]:
        _drop(el)
    text = etree.tostring(container, method="text", encoding=str, with_tail=False)
    return tn.squash(text[: MAX_TEXT_CHARS * 2])[:MAX_TEXT_CHARS]
