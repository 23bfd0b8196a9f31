"""XML and JSON documents (feeds, API answers): their words, and a feed's title
and date. Pure, no I/O.

A cited feed or API answer is compared with its first snapshot by its text,
as a page is (:mod:`archiver.likeness`); that text must be what the document
says, not its markup: kept tags and keys would count as text still there when
every story in it has been replaced. So:

- the text of an XML document (RSS, Atom, any XML) is its text nodes, one
  space between each two, and the words of the HTML a node holds escaped (an
  RSS ``<description>``, a CDATA section);
- the text of a JSON document is its string values (not its keys, numbers or
  booleans), one space between each two, HTML in them read the same way;
- a feed's headline is its own title (RSS ``channel/title``, Atom
  ``feed/title``: it stays when an item is added), its date the day of its
  earliest dated item (RSS ``pubDate`` or ``dc:date``, Atom ``published`` or
  ``updated``): the story it has carried longest, which a feed that gains
  items keeps. Other XML and JSON give neither.

XML is parsed by libxml2 (lxml) without loading a DTD, resolving entities or
using the network (``resolve_entities=False, no_network=True``), with its
limits on depth and node size kept (``huge_tree=False``) and under a memory
ceiling (:mod:`archiver.memlimit`): an entity that expands a billion times is
left unexpanded, an external one unread. A body that is not well-formed is
read again with bare ``&`` and HTML's named entities (``&nbsp;``) repaired,
then in libxml2's recovery mode (a feed cut at the size read gives what it
has). Only the first :data:`~archiver.dom.MAX_HTML_BYTES` are read.

Example::

    page = read_document(body, "application/rss+xml", "xml")
    page.headline, page.published, page.text  # None when not XML at all
"""

from __future__ import annotations

import datetime as dt
import html
import json
import logging
import re
from collections.abc import Iterable, Iterator
from html.entities import html5
from typing import TYPE_CHECKING, Any, Literal

from . import memlimit
from . import textnorm as tn
from .content import decode_text, header_charset, sniff_charset
from .dom import MAX_HTML_BYTES, PARSE_MEMORY
from .maintext import MAX_TEXT_CHARS
from .models import PageInfo
from .textdates import parse_date

if TYPE_CHECKING:
    from lxml import etree

__all__ = ["read_document"]

LOGGER = logging.getLogger(__name__)

#: The encoding an XML declaration names.
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([\w.:+-]{1,40})""")
#: An HTML tag in a text node or a string (an end tag, a comment without ``<``
#: or ``>`` in it): ``[^<>]`` stops at the next ``<``, so a run of ``<`` costs
#: one pass, not one per ``<``.
_TAG = re.compile(r"</?[A-Za-z!][^<>]*>")
#: An ``&`` that starts no reference, and a named reference.
_BARE_AMP = re.compile(r"&(?!#[0-9]{1,8};|#[xX][0-9a-fA-F]{1,8};|[A-Za-z][\w.-]{0,40};)")
_NAMED = re.compile(r"&([A-Za-z][A-Za-z0-9]{1,31});")
_XML_NAMED = frozenset({"amp", "lt", "gt", "quot", "apos"})
#: Characters of text gathered before it is squashed and cut: a little more
#: than the cap, since squashing takes spaces out.
_GATHER = MAX_TEXT_CHARS + MAX_TEXT_CHARS // 4


def read_document(body: bytes, content_type: str | None,
                  kind: Literal["xml", "json"]) -> PageInfo | None:
    """The page an XML or JSON document (*kind*, as
    :func:`archiver.content.data_kind` told) makes; None when *body* does not
    parse as one, or is an XHTML page (the caller reads it as it would have
    otherwise: as HTML or as text)."""
    head = body[:MAX_HTML_BYTES]
    if kind == "json":
        return _read_json(head, content_type)
    return _read_xml(head, content_type)


# --------------------------------------------------------------------------
# JSON

def _read_json(body: bytes, content_type: str | None) -> PageInfo | None:
    charset = sniff_charset(body, content_type)
    try:
        with memlimit.ceiling(PARSE_MEMORY):
            value = json.loads(decode_text(body, charset))
            text = _joined(_strings(value))
    except (ValueError, RecursionError, MemoryError):  # not JSON, nested past the stack
        return None
    return PageInfo(kind="other", text=text, charset=charset)


def _strings(value: Any) -> Iterator[str]:
    """The string values in *value* (keys left out), in document order; a
    stack, not recursion: the parser accepts deeper nesting than a walk could."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))


# --------------------------------------------------------------------------
# XML

def _parser(recover: bool) -> etree.XMLParser:
    from lxml import etree  # (a few MB, loaded by the first XML document read)

    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                           load_dtd=False, dtd_validation=False, recover=recover,
                           remove_comments=True, remove_pis=True, encoding="utf-8")


def _read_xml(body: bytes, content_type: str | None) -> PageInfo | None:
    declared = header_charset(content_type)
    if not declared:
        found = _XML_ENCODING.match(body)
        declared = found.group(1).decode("ascii") if found else None
    charset = sniff_charset(body, f"text/xml; charset={declared}" if declared else None)
    source = decode_text(body, charset)
    from lxml import etree

    try:
        with memlimit.ceiling(PARSE_MEMORY):
            root = _parse(source)
            if root is None or _local(root) == "html":  # XHTML after 2 KB of comments
                return None
            headline, published = _feed_heading(root)
            text = _joined(_text_nodes(root))
    except (MemoryError, RecursionError, ValueError, etree.Error):
        LOGGER.debug("XML left unread", exc_info=True)
        return None
    return PageInfo(kind="other", headline=headline, title=headline, published=published,
                    text=text, charset=charset)


def _parse(source: str) -> Any:
    """The root element of the XML *source*, or None (strictly parsed, else
    with its entities repaired, in recovery mode)."""
    from lxml import etree

    data = source.encode("utf-8", "replace")  # (the parser is told UTF-8, whatever is declared)
    try:
        return etree.fromstring(data, _parser(recover=False))
    except etree.XMLSyntaxError:
        pass
    try:
        return etree.fromstring(_repaired(source).encode("utf-8", "replace"),
                                _parser(recover=True))
    except etree.XMLSyntaxError:  # nothing recoverable
        return None


def _repaired(source: str) -> str:
    """*source* with a bare ``&`` escaped and HTML's named entities, which XML
    does not define (``&nbsp;``), made the characters they stand for."""
    source = _BARE_AMP.sub("&amp;", source)

    def named(m: re.Match[str]) -> str:
        name = m.group(1)
        if name in _XML_NAMED:
            return m.group(0)
        char = html5.get(name + ";")
        return html.escape(char) if char else m.group(0)

    return _NAMED.sub(named, source)


def _text_nodes(root: Any) -> Iterator[str]:
    """The text of every element under *root*, and the text after it, in
    document order (an unexpanded entity's name is not text)."""
    for node in root.iter():
        if isinstance(node.tag, str) and node.text:
            yield node.text
        if node is not root and node.tail:
            yield node.tail


def _local(node: Any) -> str:
    tag = node.tag
    return tag.rpartition("}")[2].lower() if isinstance(tag, str) else ""


def _children(node: Any, name: str) -> Iterator[Any]:
    return (child for child in node if _local(child) == name)


def _child_text(node: Any, *names: str) -> str | None:
    for name in names:
        for child in _children(node, name):
            value = _words(" ".join(_text_nodes(child)))
            if value:
                return value
    return None


def _feed_heading(root: Any) -> tuple[str | None, dt.date | None]:
    """(title, day of the earliest dated item) of an RSS or Atom feed; (None,
    None) for other XML."""
    kind = _local(root)
    if kind == "feed":  # Atom
        head, items, dates = root, _children(root, "entry"), ("published", "updated")
    elif kind in ("rss", "rdf"):  # RSS 2.0: items in the channel; RSS 1.0: beside it
        head = next(_children(root, "channel"), None)
        if head is None:
            return None, None
        items = _children(head if kind == "rss" else root, "item")
        dates = ("pubdate", "date")
    else:
        return None, None
    days = [day for day in (parse_date(_child_text(item, *dates)) for item in items) if day]
    return tn.clean_value(_child_text(head, "title")), min(days, default=None)


# --------------------------------------------------------------------------
# words

def _words(text: str) -> str:
    """*text* without the HTML tags and character references a feed's or an
    API's text may hold escaped (``&lt;p&gt;`` in RSS, a CDATA section)."""
    if "<" in text and _TAG.search(text):
        text = html.unescape(_TAG.sub(" ", text))
    return text


def _joined(parts: Iterable[str]) -> str:
    """*parts* as words, one space between each two, squashed and capped."""
    kept: list[str] = []
    size = 0
    for part in parts:
        if part.isspace():
            continue
        words = _words(part)
        kept.append(words)
        size += len(words) + 1
        if size > _GATHER:
            break
    return tn.squash(" ".join(kept), limit=MAX_TEXT_CHARS)
