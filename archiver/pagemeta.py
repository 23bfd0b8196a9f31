"""What a page says about itself in its markup, gathered in one pass.

``collect(tree, url)`` runs one CSS query over a parsed document
(:func:`archiver.dom.parse_html`) and returns a :class:`Markup`:
the ``<title>``, ``<meta>`` values, parsed JSON-LD blocks, ``<h1>`` and
``<time>`` elements, the canonical and meta-refresh targets and whether
there is a password field. The headline and date choosers
(:mod:`archiver.headline`, :mod:`archiver.dates`) read from it; the
``itemprop=datePublished`` values, which few pages need to be dated,
:func:`itemprop_dates` reads when asked. Pure, no I/O; "nothing found" is
None.

Example::

    markup = collect(tree, "https://example.com/news/story")
    markup.meta.get("og:title"), markup.canonical
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

from . import dom
from . import textnorm as tn

#: Bytes of one JSON-LD block parsed.
MAX_JSONLD_CHARS = 500_000
#: JSON-LD holds control characters in strings often enough: read them.
_JSON = json.JSONDecoder(strict=False)

ARTICLE_TYPES = frozenset({
    "article", "newsarticle", "reportagenews", "blogposting", "analysisnewsarticle",
    "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "scholarlyarticle",
    "techarticle", "report", "liveblogposting", "socialmediaposting", "posting",
    "askpublicnewsarticle", "satiricalarticle", "advertisercontentarticle",
    "medicalscholarlyarticle",
    "discussionforumposting", "govermentdocument", "creativework", "pressrelease",
})


@dataclass
class Markup:
    """What one pass over the document collected."""

    title: str | None = None
    meta: dict[str, str] = field(default_factory=dict)
    jsonld: list[Any] = field(default_factory=list)
    h1s: list[LexborNode] = field(default_factory=list)
    times: list[LexborNode] = field(default_factory=list)
    containers: list[LexborNode] = field(default_factory=list)  # <article>, <main>, if asked
    #: A date's ``<meta itemprop>`` in the <body> (element, itemprop, content),
    #: not in :attr:`meta`: a "most read" teaser's microdata dates another
    #: article, which :mod:`archiver.dates` tells by the page's furniture.
    dated: list[tuple[LexborNode, str, str]] = field(default_factory=list)
    canonical: str | None = None
    refresh: str | None = None
    password: bool = False


# --------------------------------------------------------------------------
# one pass over the document

#: The elements collect() reads, in one CSS query (document order). Each
#: selector costs the query a test of every element of the page, the one of
#: any element by its ``itemprop`` as much as two by name: the
#: ``itemprop=datePublished`` values are left to :func:`itemprop_dates`, for
#: the few pages not dated before, and the ``<base>`` before a ``<meta>``
#: refresh, which few pages have, to :func:`_base_at`.
_WANTED = "meta, script[type*=\"ld+json\" i], h1, time, input[type=password i]"
#: The boxes of the main text, queried with them when asked for.
_CONTAINERS_WANTED = f"{_WANTED}, article, main"
#: The elements of which collect() reads the first (with the <base> before
#: them): the <title> and the canonical link, which a page has in its <head>.
#: Queried in the <head>, then in the <body> only when not found there, they
#: cost the query over the whole page two selectors fewer.
_FIRST = "base[href], title, link[rel~=canonical i]"
_META, _SCRIPT, _H1, _TIME, _LINK, _TITLE, _INPUT, _BASE = (
    dom.tag_id(name) for name in ("meta", "script", "h1", "time", "link", "title", "input",
                                  "base"))
_CONTAINERS = dom.tag_ids("article", "main")
_SVG = dom.tag_ids("svg")
_NOSCRIPT = dom.tag_ids("noscript")
_HEAD = dom.tag_ids("head")
#: ``itemprop=datePublished`` elements read by :func:`itemprop_dates`.
_ITEMPROP_DATES_MAX = 10
#: ``<h1>``, ``<time>``, ``<article>``/``<main>`` elements and JSON-LD blocks
#: kept, each (the first in the document); a real page has a handful.
FOUND_MAX = 200
#: Distinct ``<meta>`` names kept (the first in the document).
META_NAMES_MAX = 2000


def text_of(el: LexborNode, raw: str | None = None) -> str:
    """All text inside *el*, read as a browser shows it: a space where a line
    breaks, at a ``<br>`` ("Storm hits coast<br>as thousands flee") and
    around a block (``<div>``, ``<p>``, ``<li>``...: "<div>Storm hits
    coast</div><div>as thousands flee</div>"), and none between inline
    elements side by side, which a browser writes together
    ("<span>Bundes</span><span>regierung</span>", "<a>Apple</a><span>'s
    profits</span>", "<span>03</span><span>.05.</span><span>2016</span>"):
    their text keeps the spaces it writes.

    A box of more than :data:`SPACED_TEXT_CHARS` characters spaces its lines
    (``<br>``) only: it is no heading or date line, and what it shows is no
    shorter than all its text as written (*raw*, ``el.text()``, when the
    caller has it).
    """
    if raw is None:
        raw = el.text()
    first = el.child
    if first is None or (first.tag == "-text" and first.next is None):
        return raw
    if len(raw) > SPACED_TEXT_CHARS:
        if el.css_first("br") is None:
            return raw
        return "".join(" " if node.tag == "br" else node.text_content or ""
                       for node in el.traverse(include_text=True)
                       if node.tag in ("br", "-text"))
    out: list[str] = []
    _spaced_text(el, out)
    return "".join(out)


#: Characters of an element past which :func:`text_of` adds no space but at a <br>.
SPACED_TEXT_CHARS = 2000
#: Elements shown as blocks of their own (or lines, cells and rules), whose
#: text a space sets apart; any other element is inline, written on with the
#: text beside it.
_BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "caption", "dd", "details", "div", "dl",
    "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4",
    "h5", "h6", "header", "hgroup", "hr", "legend", "li", "main", "menu", "nav", "ol", "p",
    "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
    "ul"})
#: Nodes whose text no one reads.
_UNREAD_TAGS = frozenset({"-comment", "script", "style", "template"})


def _spaced_text(node: LexborNode, out: list[str]) -> None:
    """Appends to *out* the text of *node*'s children, spaced as :func:`text_of` says."""
    for child in node.iter(include_text=True):
        tag = child.tag
        if tag == "-text":
            out.append(child.text_content or "")
        elif tag in _UNREAD_TAGS:
            continue
        elif tag == "br":
            out.append(" ")
        elif tag in _BLOCK_TAGS:
            out.append(" ")
            _spaced_text(child, out)
            out.append(" ")
        else:
            _spaced_text(child, out)


def absolute(base: str, href: str | None) -> str | None:
    href = tn.squash(href)
    if not href or href.startswith(("javascript:", "data:", "mailto:")):
        return None
    if _PLAIN_URL.fullmatch(href) and base.isascii() and "[" not in base and "]" not in base:
        return href  # what urljoin gives (at a fifth of its cost)
    try:
        return urljoin(base, href)
    except ValueError:
        return None


#: An address that ``urljoin`` gives back as it is, whatever the base (one it
#: can read: in ASCII, no IPv6 brackets): absolute http(s), the scheme in lower
#: case, a host of ASCII letters, digits, dots and hyphens (which it does not
#: check), no ``;`` in the path (no parameters to split off), no fragment and no
#: empty query (which it would drop), no white space (which it would remove).
_PLAIN_URL = re.compile(r"https?://[a-zA-Z0-9.-]+(?::[0-9]*)?(?:/[^\s;?#]*)?(?:\?[^\s#]+)?")


_REFRESH_URL = re.compile(r"""^\s*(\d*)(?:\.\d*)?\s*[;,]?\s*(?:url\s*=\s*)?["']?([^"']*)""", re.I)
#: A refresh later than this many seconds is no redirect (a page that reloads
#: itself, or goes home after half an hour unread).
REFRESH_AT_ONCE_SECONDS = 10


def refresh_target(content: str | None, base: str) -> str | None:
    """Where a refresh (``<meta http-equiv=refresh>``'s content, or the HTTP
    ``Refresh`` header) of a page at *base* sends the browser at once, absolute;
    None for a reload, a later refresh or none."""
    m = _REFRESH_URL.match(content) if content else None
    if m and m.group(2).strip() and int(m.group(1) or 0) <= REFRESH_AT_ONCE_SECONDS:
        return absolute(base, m.group(2))
    return None


def collect(tree: LexborHTMLParser, url: str, *, containers: bool = True) -> Markup:
    """What the markup of *tree* says, from one CSS query over the document
    (and one over its <head> for the elements read once). A date's ``<meta
    itemprop>`` in the <body> is filed apart (:attr:`Markup.dated`). Without
    *containers*, ``Markup.containers`` stays empty (the main text's boxes:
    a reader of the headline and date only needs none)."""
    found = Markup()
    root = tree.root
    if root is None:
        return found
    meta = found.meta
    setdefault = meta.setdefault
    for el in root.css(_CONTAINERS_WANTED if containers else _WANTED):
        tid = el.tag_id
        if tid == _META:  # <meta itemprop> is read with the other <meta> values
            # most of the elements read: their names and content are read here
            # (and http-equiv, rare, in _collect_equiv); the other elements'
            # attributes are not read
            get = el.attributes.get
            content = get("content")
            if content is None:
                continue
            equiv = get("http-equiv")
            if equiv and _collect_equiv(equiv, content, found, url, el, root):
                continue
            if len(meta) >= META_NAMES_MAX:
                continue
            prop = get("itemprop")
            if prop and "date" in prop.lower():
                parent = el.parent
                if parent is None or parent.tag_id not in _HEAD:
                    if len(found.dated) < FOUND_MAX:
                        found.dated.append((el, prop, content))
                    prop = None
            for key in (get("property"), get("name"), prop):
                if key:
                    for name in key.lower().split():
                        setdefault(name, content)
        elif tid in _CONTAINERS:
            if len(found.containers) < FOUND_MAX:
                found.containers.append(el)
        elif tid == _TIME:
            if len(found.times) < FOUND_MAX:
                found.times.append(el)
        elif tid == _SCRIPT:  # JSON-LD
            if len(found.jsonld) < FOUND_MAX:
                raw = el.text()
                if raw:
                    _collect_jsonld(raw, found)
        elif tid == _H1:
            if len(found.h1s) < FOUND_MAX:
                found.h1s.append(el)
        elif tid == _INPUT:  # type=password
            found.password = found.password or not _in_furniture(el)
    _collect_first(tree, root, found, url)
    return found


def _collect_first(tree: LexborHTMLParser, root: LexborNode, found: Markup, url: str) -> None:
    """The <title> and the canonical link: the first of each in the document
    (a <title> not in an <svg>; a link with an address), read in the <head>,
    then in the <body> if needed. The whole document is queried at once when
    <html> holds other elements than its <head> and <body> (a frameset)."""
    head, body = tree.head, tree.body
    kids = [el.mem_id for el in root.iter() if el.is_element_node]
    parts = [head, body] if head is not None and body is not None \
        and kids == [head.mem_id, body.mem_id] else [root]
    base = url
    for part in parts:
        for el in part.css(_FIRST):
            tid = el.tag_id
            if tid == _TITLE:
                if found.title is None and not _in_svg(el):
                    found.title = text_of(el)
            elif tid == _LINK:  # rel=canonical
                if found.canonical is None:
                    found.canonical = absolute(base, el.attributes.get("href"))
            else:  # <base>
                base = _base(url, el, base)
        if found.title is not None and found.canonical is not None:
            return


def _base_at(root: LexborNode, el: LexborNode, url: str) -> str:
    """The base URL at the ``<meta http-equiv>`` *el* of the page at *url*
    (under *root*): after the ``<base href>`` elements before it."""
    base = url
    for other in root.css("base[href], meta[http-equiv]"):
        if other.mem_id == el.mem_id:
            break
        if other.tag_id == _BASE:
            base = _base(url, other, base)
    return base


def _base(url: str, el: LexborNode, base: str) -> str:
    """The base URL after the ``<base>`` *el* of the page at *url* (*base* before it)."""
    href = el.attributes.get("href")
    return (absolute(url, href) or url) if href else base


def itemprop_dates(tree: LexborHTMLParser,
                   skip: Callable[[LexborNode], bool] | None = None) -> list[str]:
    """The values of the first elements whose ``itemprop`` is ``datePublished``
    (``<meta>`` aside: :func:`collect` reads them), in document order: their
    ``datetime`` or ``content``, else their text. Read before the tree is
    changed (:func:`archiver.maintext.main_text`). *skip*: elements left out."""
    root = tree.root
    if root is None:
        return []
    values: list[str] = []
    for el in root.css("[itemprop=datePublished]"):
        if el.tag_id == _META or (skip is not None and skip(el)):
            continue
        get = el.attributes.get  # (the query matches the value exactly, case and all)
        values.append(get("datetime") or get("content") or text_of(el))
        if len(values) >= _ITEMPROP_DATES_MAX:
            break
    return values


#: Where a password field is the site's own sign-in box, not the page's content:
#: in a header, a menu, a drop-down, a dialog or lightbox, a sidebar or widget,
#: or the comments (a not-found page in a site's template has them too).
_FURNITURE_TAGS = dom.tag_ids("header", "nav", "footer", "aside", "dialog", "menu")
_FURNITURE_ROLES = frozenset({"banner", "navigation", "complementary", "dialog", "menu"})
_FURNITURE_MARKS = dom.MarksPattern(
    "header|nav|menu|dropdown|dialog|modal|popup|lightbox|overlay|flyout|sidebar|widget|"
    "comment")


def _in_furniture(el: LexborNode) -> bool:
    for above in dom.ancestors(el):
        if above.tag_id in _FURNITURE_TAGS:
            return True
        attrs = above.attributes
        role = attrs.get("role")
        if (role and role.lower() in _FURNITURE_ROLES) or \
                _FURNITURE_MARKS.search(dom.marks(attrs)):
            return True
    return False


def _in_svg(el: LexborNode) -> bool:
    parent = el.parent
    if parent is not None and parent.tag_id in _HEAD:
        return False
    return dom.has_ancestor(el, _SVG)


def _collect_equiv(equiv: str, content: str, found: Markup, url: str,
                   el: LexborNode, root: LexborNode) -> bool:
    """Read a ``<meta http-equiv>`` with *content* of the page at *url* (whose
    root element is *root*); False when it is read as the other ``<meta>`` are
    (by its names)."""
    equiv = equiv.lower()
    if equiv == "refresh" and content and found.refresh is None:
        # not in <noscript> (a browser running scripts ignores it)
        if not dom.has_ancestor(el, _NOSCRIPT):
            found.refresh = refresh_target(content, _base_at(root, el, url))
        return True
    if equiv == "content-language" and content:
        found.meta.setdefault("content-language", content)
        return True
    return False


def _collect_jsonld(raw: str, found: Markup) -> None:
    raw = raw.strip()
    if not raw or len(raw) > MAX_JSONLD_CHARS:
        return
    if raw.startswith("<!--"):
        raw = raw[4:].rsplit("-->", 1)[0].strip()
    if raw.startswith("<![CDATA["):
        raw = raw[9:].rsplit("]]>", 1)[0]
    try:
        data = _JSON.decode(raw)
    except RecursionError:  # nested deeper than Python's stack: not a description
        return
    except ValueError:
        found.jsonld.extend(_lenient_jsonld(raw))
        return
    found.jsonld.append(data)


#: What may come before a block's JSON: script comments (``//<![CDATA[``,
#: ``/*<![CDATA[*/``) and the markers they hide.
_JSONLD_HEAD = re.compile(r"(?:\s+|//[^\n]*|/\*(?:[^*]|\*(?!/))*+\*/|<!--|<!\[CDATA\[)*+")
#: A JSON string (its end, or the block's, always found: never a second try
#: from each quote), or a comma before a closing bracket.
_JSONLD_TOKENS = re.compile(r'"(?:[^"\\]++|\\.?)*+(?:"|\Z)|,(\s*[}\]])', re.S)
#: What may come between two values written back to back.
_JSONLD_GAP = re.compile(r"[\s;,]*+")
#: Values read from one block written as several.
_JSONLD_VALUES_MAX = 20


def _lenient_token(m: re.Match[str]) -> str:
    closer = m.group(1)
    if closer is not None:
        return closer
    text = m.group(0)
    if "\\'" in text:  # PHP's addslashes: \' is no JSON escape
        text = re.sub(r"\\(.)", lambda e: "'" if e.group(1) == "'" else e.group(0), text)
    return text


def _lenient_jsonld(raw: str) -> list[Any]:
    """The values of a block that is not JSON but that lenient readers (a
    browser's script, search engines) accept: two objects back to back, a
    comma before ``}`` or ``]``, a ``//<![CDATA[ ... //]]>`` wrapper, a
    trailing semicolon, ``\\'`` for an apostrophe. Linear in the block's
    length; what cannot be read ends the list."""
    text = _JSONLD_TOKENS.sub(_lenient_token, raw)
    values: list[Any] = []
    pos = _JSONLD_HEAD.match(text).end()  # type: ignore[union-attr]  # always matches
    while len(values) < _JSONLD_VALUES_MAX and text.startswith(("{", "["), pos):
        try:
            value, pos = _JSON.raw_decode(text, pos)
        except (ValueError, RecursionError):
            break
        values.append(value)
        pos = _JSONLD_GAP.match(text, pos).end()  # type: ignore[union-attr]
    return values


def iter_jsonld(data: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Every JSON-LD object in *data*: lists, ``@graph`` and nested values."""
    if depth > 6:
        return
    if isinstance(data, list):
        for item in data[:200]:
            yield from iter_jsonld(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        graph = data.get("@graph")
        if graph is not None:
            yield from iter_jsonld(graph, depth + 1)
        main = data.get("mainEntity") or data.get("mainEntityOfPage")
        if isinstance(main, dict | list):
            yield from iter_jsonld(main, depth + 1)


def jsonld_types(obj: dict[str, Any]) -> set[str]:
    value = obj.get("@type")
    values = value if isinstance(value, list) else [value]
    return {v.rsplit("/", 1)[-1].lower() for v in values if isinstance(v, str)}


def is_article(obj: dict[str, Any]) -> bool:
    return bool(jsonld_types(obj) & ARTICLE_TYPES)


def _false(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.strip().lower() in ("false", "no"))


#: A script that sends the browser elsewhere at once: ``location = "/"``,
#: ``window.location.href = '/'``, ``location.replace("/")``; the address a
#: whole string (``"https://" + host`` is not read).
_SCRIPT_REDIRECT = re.compile(
    rb"""<script[^>]*>\s*(?:(?:window|document|top|self)\.)?location(?:\.href)?\s*=\s*"""
    rb"""["']([^"'<>]{1,300})["']\s*(?:;|<|\n|$)|<script[^>]*>\s*"""
    rb"""(?:(?:window|document|top|self)\.)?location\.(?:replace|assign)\(\s*"""
    rb"""["']([^"'<>]{1,300})["']\s*\)""", re.IGNORECASE)
#: Pages up to this size are searched for a script that redirects (a page
#: that only redirects is small).
SCRIPT_REDIRECT_BYTES = 16 * 1024


def script_redirect(body: bytes, url: str) -> str | None:
    """Where a small page with a script that redirects at once sends the browser
    (absolute; None when it does not, or is larger than :data:`SCRIPT_REDIRECT_BYTES`)."""
    if len(body) > SCRIPT_REDIRECT_BYTES:
        return None
    found = _SCRIPT_REDIRECT.search(body)
    if found is None:
        return None
    target = (found.group(1) or found.group(2)).decode("utf-8", "replace")
    if "#" in target:  # a route of a script app ("/#!/2016/05/01/a"): not where it goes
        return None
    return absolute(url, target)


def is_paywalled(jsonld: list[Any]) -> bool:
    """True when the page's JSON-LD says its content is not free: the
    ``isAccessibleForFree: false`` that search engines ask paywalled pages
    to carry, on the page's object or on one of its parts (``hasPart``)."""
    for obj in iter_jsonld(jsonld):
        if _false(obj.get("isAccessibleForFree")):
            return True
        parts = obj.get("hasPart")
        for part in parts[:20] if isinstance(parts, list) else [parts]:
            if isinstance(part, dict) and _false(part.get("isAccessibleForFree")):
                return True
    return False


def first_str(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        for item in value:
            if isinstance(item, str):
                return item
            if isinstance(item, dict) and isinstance(item.get("@value"), str):
                return str(item["@value"])
    if isinstance(value, dict) and isinstance(value.get("@value"), str):
        return str(value["@value"])
    return None
