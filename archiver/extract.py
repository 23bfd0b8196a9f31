"""Headline, publication date and main text of a captured page: pure, no I/O.

``extract(body, url=..., content_type=...)`` takes a response body (its
Content-Encoding already undone, see :mod:`archiver.content`) and returns a
:class:`~archiver.models.PageInfo`. It never raises: a page it cannot read
gives a ``PageInfo`` with what could be learned (at worst, nothing).

This module composes the stages, each in its own module:

- :mod:`archiver.content`: is it HTML, a PDF or something else; its charset;
- :mod:`archiver.pagemeta`: one pass over the parsed HTML (meta, JSON-LD,
  title, h1, time elements, links);
- :mod:`archiver.headline` and :mod:`archiver.dates`: the headline and the
  original publication day chosen from what the markup offers;
- :mod:`archiver.maintext`: the main text, boilerplate removed;
- :mod:`archiver.pdfinfo`: PDFs (metadata and the first pages' text).

Example::

    info = extract(body, url="https://thediplomat.com/2016/05/...", content_type="text/html")
    info.headline, info.published
"""

from __future__ import annotations

import logging
from typing import Any

from lxml import etree

from . import textnorm as tn
from .content import decode_text, is_html, is_pdf, media_type, sniff_charset
from .dates import choose_date
from .headline import article_h1, choose_headline
from .maintext import MAX_TEXT_CHARS, main_text
from .models import PageInfo
from .pagemeta import collect, text_of
from .pdfinfo import extract_pdf

__all__ = ["MAX_HTML_BYTES", "extract", "parse_html"]

LOGGER = logging.getLogger(__name__)

#: Bytes of HTML given to the parser (the rest of a huge page is ignored).
MAX_HTML_BYTES = 3 * 1024 * 1024

_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True,
                               recover=True, default_doctype=False, encoding="utf-8")


def extract(body: bytes, *, url: str, content_type: str | None = None) -> PageInfo:
    """What a response body says: kind, headline, date, title, main text, links.

    *body* is the decoded payload (Content-Encoding undone), *url* the URL it
    was served from (resolves relative links, and may carry a date). Never
    raises and never does I/O.
    """
    try:
        if not isinstance(body, bytes | bytearray | memoryview):
            return PageInfo()
        body = bytes(body)
        if is_pdf(body, content_type):
            return extract_pdf(body, url=url)
        if is_html(body, content_type):
            return _extract_html(body, url, content_type)
        return _extract_other(body, content_type)
    except Exception:  # defensive: a page must never stop a capture
        LOGGER.exception("extraction failed for %s", url)
        return PageInfo()


def _extract_other(body: bytes, content_type: str | None) -> PageInfo:
    """Plain text keeps its text (for drift); other media give nothing."""
    if not media_type(content_type).startswith("text/"):
        return PageInfo(kind="other")
    charset = sniff_charset(body[:MAX_HTML_BYTES], content_type)
    text = tn.squash(decode_text(body[:MAX_HTML_BYTES], charset))[:MAX_TEXT_CHARS]
    return PageInfo(kind="other", text=text, charset=charset)


def parse_html(body: bytes, content_type: str | None = None) -> tuple[Any, str]:
    """The lxml root of *body* (None when there is no document) and its charset."""
    head = body[:MAX_HTML_BYTES]
    charset = sniff_charset(head, content_type)
    if charset == "utf-8":
        data = head  # libxml2 reads UTF-8 itself, replacing bad bytes
    else:
        data = decode_text(head, charset).encode("utf-8", "replace")
    if not data.strip():
        return None, charset
    try:
        root = etree.fromstring(data, parser=_PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return None, charset
    if root is None or not isinstance(root.tag, str):
        return None, charset
    return root, charset


def _extract_html(body: bytes, url: str, content_type: str | None) -> PageInfo:
    root, charset = parse_html(body, content_type)
    if root is None:
        return PageInfo(kind="html", charset=charset)
    found = collect(root, url)
    meta = found.meta
    og_type = meta.get("og:type")
    h1_el = article_h1(found.h1s)
    h1_text = tn.clean_value(text_of(h1_el)) if h1_el is not None else None
    if h1_text is None and found.h1s:
        h1_text = tn.clean_value(text_of(found.h1s[0]))
    headline = choose_headline(found, h1_text, url)
    published = choose_date(found, root, url)
    text = main_text(root)
    lang = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang") \
        or meta.get("content-language") or meta.get("og:locale") or meta.get("language")
    return PageInfo(
        kind="html",
        headline=headline,
        published=published,
        title=tn.clean_value(found.title),
        h1=h1_text,
        text=text,
        lang=tn.clean_value(lang),
        charset=charset,
        canonical=found.canonical,
        meta_refresh=found.refresh,
        og_type=tn.clean_value(og_type),
        link_count=found.link_count,
        has_password_field=found.password,
    )
