"""The parsed HTML tree: parsing with Lexbor, and small helpers on its nodes.

HTML is parsed by Lexbor (through selectolax) the way a browser parses it
(HTML5 tree construction, so misnested and unclosed tags give the tree a
browser would build). Lexbor is several times faster than libxml2 on real
pages, and its CSS selectors run in C. Only the first :data:`MAX_HTML_BYTES`
of a body are parsed.

Tag names are compared by Lexbor's numeric tag ids (:func:`tag_ids`), which
are constants for every standard HTML tag: a set lookup on an ``int`` is the
cheapest test a Python walk over a tree can make.

Example::

    tree, charset = parse_html(body, "text/html; charset=big5")
    tree.root.css_first("h1").text()
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

from selectolax.lexbor import LexborDocumentOptions, LexborHTMLParser, LexborNode, create_tag

from . import memlimit
from .content import decode_text, sniff_charset

LOGGER = logging.getLogger(__name__)

#: Bytes of HTML given to the parser (the rest of a huge page is ignored).
MAX_HTML_BYTES = 3 * 1024 * 1024

#: No DOM mutation events: they serve scripts and forms, not reading.
_OPTIONS = LexborDocumentOptions.WO_EVENTS
#: Elements nested deeper than this are read as siblings (browsers cap depth too:
#: the HTML5 tree builder checks scopes by walking the stack of open elements,
#: so 100,000 nested ``<div>`` cost it quadratic time).
MAX_DEPTH = 256
#: Pages with fewer ``<`` than this are parsed as they are: even at the worst
#: nesting they parse in well under a second.
_DEPTH_CHECK_TAGS = 10_000
#: Memory the parser may take for one document. A news page of 3 MB takes
#: under 16 MB, 3 MB of a data table (``<td>1</td>``...) some 90 MB. What
#: needs more is built to exhaust parsers (formatting elements left open with
#: distinct attributes, rebuilt in every paragraph: 56 KB of them take 4 GB;
#: or 600,000 ``x<br>``) and is left unread. See :mod:`archiver.memlimit`.
PARSE_MEMORY = 128 * 1024 * 1024


def parse_html(body: bytes, content_type: str | None = None, *, url: str = ""
               ) -> tuple[LexborHTMLParser | None, str]:
    """The parsed document of *body* (None when there is none) and its charset.

    The charset is sniffed by :func:`archiver.content.sniff_charset`; UTF-8
    bytes go to the parser as they are (bad bytes become U+FFFD), other
    charsets are decoded first. A document that would take the parser more
    memory than :data:`PARSE_MEMORY` has none (a warning names *url*).
    """
    head = body[:MAX_HTML_BYTES]
    charset = sniff_charset(head, content_type)
    if charset == "utf-8":
        data = head
    else:
        data = decode_text(head, charset).encode("utf-8", "replace")
    if not data or data.isspace():  # what strip() would leave empty, without the copy
        return None, charset
    if _count_lt(data) > _DEPTH_CHECK_TAGS:
        data = cap_depth(data)
    try:
        with memlimit.ceiling(PARSE_MEMORY):
            tree = LexborHTMLParser(data, options=_OPTIONS)
    except Exception:  # the parser recovers from any markup, but not from no memory
        LOGGER.warning("%s: HTML left unread: the parser needed more than %d MB or failed",
                       url or "a document", PARSE_MEMORY >> 20)
        return None, charset
    if tree.root is None:
        return None, charset
    return tree, charset


def _count_lt(data: bytes) -> int:
    """``data.count(b"<")``, a quarter faster: deleting a byte scans with memchr."""
    return len(data) - len(data.replace(b"<", b""))


_TAG = re.compile(rb"<(/?)([a-zA-Z][a-zA-Z0-9]{0,15})\b[^>]*?(/?)>")
#: Elements without content, or whose end tag may be left out (the parser
#: closes them): they never deepen the tree much, so they are not counted.
_UNCOUNTED = frozenset(
    b"area base br col embed hr img input link meta source track wbr param keygen frame "
    b"p li dt dd option optgroup tr td th tbody thead tfoot colgroup caption rb rp rt rtc "
    b"html head body".split())
#: HTML elements that ``/>`` does not close (``<div/>`` opens a div).
_NOT_SELF_CLOSING = frozenset(
    b"div span section article main aside nav header footer ul ol dl table form "
    b"blockquote figure figcaption address details summary fieldset center font a b i u s "
    b"em strong small big code pre q sub sup label button select textarea object "
    b"h1 h2 h3 h4 h5 h6".split())


def cap_depth(data: bytes, limit: int = MAX_DEPTH) -> bytes:
    """*data* without the start and end tags of elements nested deeper than *limit*.

    An approximation made on the bytes, before parsing: an end tag closes the
    elements opened after its own start tag (as the parser does) and is
    ignored when none is open; elements whose end tag may be left out are not
    counted. The text of the removed elements stays, in their parent.
    """
    stack: list[bytes] = []  # names of the open elements (at most *limit*)
    open_count: dict[bytes, int] = {}  # of each name in stack: a stray end tag costs no search
    skipped: dict[bytes, int] = {}
    kept = bytearray()  # what precedes the last cut (a list of cuts could hold millions)
    view = memoryview(data)
    pos = cuts = 0
    # no tag ends after the last ">": a search for one from every "<" past it
    # would read to the end each time (3 MB of "<a " would take hours)
    for m in _TAG.finditer(data, 0, data.rfind(b">") + 1):
        name = m.group(2).lower()
        if name in _UNCOUNTED:
            continue
        if m.group(1):  # an end tag
            if skipped.get(name):
                skipped[name] -= 1
                kept += view[pos:m.start()]
                pos = m.end()
                cuts += 1
            elif open_count.get(name):
                while True:
                    closed = stack.pop()
                    open_count[closed] -= 1
                    if closed == name:
                        break
            # else a stray end tag, which the parser ignores too
        elif m.group(3) and name not in _NOT_SELF_CLOSING:
            continue  # <path/> in SVG
        elif len(stack) >= limit:
            skipped[name] = skipped.get(name, 0) + 1
            kept += view[pos:m.start()]
            pos = m.end()
            cuts += 1
        else:
            stack.append(name)
            open_count[name] = open_count.get(name, 0) + 1
    if not cuts:
        return data
    kept += view[pos:]
    LOGGER.debug("%d tags nested deeper than %d left out", cuts, limit)
    return bytes(kept)


def tag_ids(*names: str) -> frozenset[int]:
    """Lexbor's ids of the standard HTML tags *names*."""
    return frozenset(create_tag(name).tag_id for name in names)


def tag_id(name: str) -> int:
    """Lexbor's id of the standard HTML tag *name*."""
    return create_tag(name).tag_id


#: Elements beside the article: asides, menus and footers (a date or a
#: headline in them is another page's or the site's).
ASIDE_IDS = tag_ids("aside", "footer", "nav")


def ancestors(node: LexborNode) -> Iterator[LexborNode]:
    """The element's parent, its parent's parent, ... up to ``<html>``."""
    parent = node.parent
    while parent is not None and parent.is_element_node:
        yield parent
        parent = parent.parent


def has_ancestor(node: LexborNode, ids: frozenset[int]) -> bool:
    """True when an ancestor of *node* has one of the tag *ids*."""
    return any(a.tag_id in ids for a in ancestors(node))


def marks(attrs: dict[str, str | None]) -> str:
    """The class and id of an element as one string: ``"post-meta byline"``."""
    return f"{attrs.get('class') or ''} {attrs.get('id') or ''}"


class MarksPattern:
    """A regular expression searched in class and id names (or short text, a
    byline), case ignored.

    With ``re.IGNORECASE`` the regex engine tries the pattern at every
    character (it has no quick scan for the letters a match can start with),
    four times as slow: a name in ASCII, as nearly all are, is lower-cased
    and searched with the pattern as written (in lower case), which finds
    the same; other names with the case-insensitive pattern.
    """

    __slots__ = ("_any_case", "_lower")

    def __init__(self, source: str) -> None:
        if source != source.lower():  # \W or \S would change meaning too
            raise ValueError(f"marks pattern not in lower case: {source!r}")
        self._lower = re.compile(source)
        self._any_case = re.compile(source, re.IGNORECASE)

    def search(self, text: str) -> bool:
        """True when the pattern is found in *text*, case ignored."""
        if text.isascii():
            return self._lower.search(text.lower()) is not None
        return self._any_case.search(text) is not None
