"""Headline, publication date and main text of a captured page: pure, no I/O.

``extract(body, url=..., content_type=...)`` takes a response body (its
Content-Encoding already undone, see :mod:`archiver.codings`) and returns a
:class:`~archiver.models.PageInfo`. It never raises: a page it cannot read
gives a ``PageInfo`` with what could be learned (at worst, nothing).

This module composes the stages, each in its own module:

- :mod:`archiver.content`: is it HTML, a PDF or something else; its charset;
- :mod:`archiver.dom`: parsing (Lexbor, through selectolax);
- :mod:`archiver.pagemeta`: one query over the parsed HTML (meta, JSON-LD,
  title, h1, time elements);
- :mod:`archiver.headline` and :mod:`archiver.dates`: the headline and the
  original publication day chosen from what the markup offers;
- :mod:`archiver.maintext`: the main text, boilerplate removed;
- :mod:`archiver.pdfinfo`: PDFs (metadata and the first pages' text);
- :mod:`archiver.datadocs`: XML and JSON documents (feeds, API answers): their
  words, not their markup, and a feed's title and date.

Example::

    info = extract(body, url="https://thediplomat.com/2016/05/...", content_type="text/html")
    info.headline, info.published

The main text is what a snapshot comparison reads (drift); a caller that
only wants the headline and the date (``archiver extract``) passes
``text=False`` and the walk over the page's elements is not made.
"""

from __future__ import annotations

import dataclasses
import logging
import re

from . import textdates
from . import textnorm as tn
from .content import data_kind, decode_text, is_html, is_pdf, is_text, media_type, sniff_charset
from .datadocs import read_document
from .dates import choose_date, dated_heading, section_heading
from .dom import MAX_HTML_BYTES, parse_html
from .headline import (
    article_h1,
    choose_headline,
    marked_headline,
    names_the_site,
    names_the_site_h1,
    title_heading,
)
from .maintext import MAX_TEXT_CHARS, main_container, main_text, teasers
from .models import PageInfo
from .pagemeta import collect, is_paywalled, script_redirect
from .pdfinfo import extract_pdf
from .titles import after_section, names_a_section_h1

__all__ = ["MAX_HTML_BYTES", "extract", "parse_html"]

#: A body with nothing to read: whitespace (as ``bytes.isspace`` counts it),
#: after a UTF-8 byte-order mark or not.
_BLANK = re.compile(rb"(?:\xef\xbb\xbf)?[ \t\n\r\x0b\x0c]*")

LOGGER = logging.getLogger(__name__)

#: Characters kept of the ``<noscript>`` text of a page with no headline.
NOSCRIPT_CHARS = 300


def extract(body: bytes, *, url: str, content_type: str | None = None,
            text: bool = True) -> PageInfo:
    """What a response body says: kind, headline, date, title, main text.

    *body* is the decoded payload (Content-Encoding undone), *url* the URL it
    was served from (resolves relative links, and may carry a date). With
    *text* false, an HTML page's main text is not read (``PageInfo.text`` is
    empty, and so is ``PageInfo.teasers``, which judges it; everything else
    is the same). Never raises and never does I/O.
    """
    try:
        if not isinstance(body, bytes | bytearray | memoryview):
            return PageInfo()
        body = bytes(body)
        if _BLANK.fullmatch(body):  # stops at the first other byte, copies nothing
            return PageInfo(kind="html" if is_html(body, content_type) else "other",
                            empty=True)
        if is_pdf(body, content_type):
            return _shown_clean(extract_pdf(body, url=url))
        kind = data_kind(body, content_type)
        document = read_document(body, content_type, kind) if kind else None
        if document is not None:
            return _shown_clean(document)
        if is_html(body, content_type):
            return _shown_clean(_extract_html(body, url, content_type, text))
        return _extract_other(body, content_type, url)
    except Exception:  # defensive: a page must never stop a capture
        LOGGER.exception("extraction failed for %s", url)
        return PageInfo()


#: Control characters (C0 and C1, DEL) and the non-characters U+FFFE and U+FFFF,
#: which a page's markup may hold (``&#27;``) but no headline shows: written to a
#: terminal, "ESC c" resets it.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


def _shown_clean(page: PageInfo) -> PageInfo:
    """*page* with no control character, nor one that shows nothing (a soft
    hyphen), in what reports show of it (headline, title, h1)."""
    def clean(value: str | None) -> str | None:
        if not value:
            return value
        shown = tn.without_invisible(value)  # a soft hyphen, a zero-width space
        if not _CONTROLS.search(shown):
            return shown if shown == value else tn.squash(shown) or None
        return tn.squash(_CONTROLS.sub(" ", shown)) or None

    headline, title, h1 = clean(page.headline), clean(page.title), clean(page.h1)
    if (headline, title, h1) == (page.headline, page.title, page.h1):
        return page
    return dataclasses.replace(page, headline=headline, title=title, h1=h1)


def _extract_other(body: bytes, content_type: str | None, url: str = "") -> PageInfo:
    """Text keeps its text (for drift); other media give nothing. (A JSON or XML
    document that parses is read by :mod:`archiver.datadocs`: here only one that
    does not.) A plain-text document (``text/plain``: a statement, a transcript)
    has its first line as headline (:func:`_plain_headline`) and the day its URL
    gives, else the first date in its first :data:`PLAIN_DATE_CHARS` characters."""
    if not is_text(content_type):
        return PageInfo(kind="other")
    charset = sniff_charset(body[:MAX_HTML_BYTES], content_type)
    decoded = decode_text(body[:MAX_HTML_BYTES], charset)
    text = tn.squash(decoded, limit=MAX_TEXT_CHARS)
    if media_type(content_type) != "text/plain" or not text:
        return PageInfo(kind="other", text=text, charset=charset)
    headline = _plain_headline(decoded)
    published, url_month = textdates.document_day(None, url, text, PLAIN_DATE_CHARS)
    return PageInfo(kind="other", headline=headline, title=headline, published=published,
                    text=text, charset=charset, url_month=url_month)


#: Characters of a plain-text document in which its date is looked for: its
#: top, where a statement or a transcript gives it (a date further on is most
#: often one of the events it tells).
PLAIN_DATE_CHARS = 1000
#: Lengths a plain-text document's first line has when it is a title.
_PLAIN_TITLE = range(8, 301)


def _plain_headline(decoded: str) -> str | None:
    """The first line with words of a plain-text document, when it reads as a
    title: 8 to 300 characters, with letters, not a date alone, and more text
    after it (a document of one line is a message, "404 page not found", not
    a title)."""
    lines = decoded[:10_000].splitlines()
    for i, line in enumerate(lines):
        line = tn.squash(line)
        if not line:
            continue
        if not any(rest.strip() for rest in lines[i + 1:]):
            return None
        if len(line) not in _PLAIN_TITLE or not any(ch.isalpha() for ch in line):
            return None
        if textdates.find_date_in_text(line) is not None and \
                len(re.sub(r"[\W\d_]+", "", line)) <= 12:  # "3 May 2016", "Posted: 2016-05-03"
            return None
        return line
    return None


def _extract_html(body: bytes, url: str, content_type: str | None, with_text: bool
                  ) -> PageInfo:
    tree, charset = parse_html(body, content_type, url=url)
    if tree is None:
        return PageInfo(kind="html", charset=charset)
    found = collect(tree, url, containers=with_text)  # (the main text's boxes)
    meta = found.meta
    h1_text, qualified = article_h1(found.h1s, (found.title, meta.get("og:title")))
    # an <h1> that names the page's section, as the <title> does after the
    # headline ("Headline | 本院新聞 | 行政院" with <h1>本院新聞</h1>), heads nothing;
    # the last part of "Site - Headline" is the headline
    section = h1_text if qualified and h1_text is not None \
        and names_a_section_h1(h1_text, found.title) else None
    if section:
        qualified = False
    # the headline as shown: the article's <h1>, else an element marked as such,
    # else the first <h2>/<h3> when a date line follows it (a ministry's release
    # under a logo's <h1>), else an <h1> that is not a section's name, else what
    # the <title> says after the section a heading names ("法務部-本部新聞稿-...")
    shown = h1_text if qualified else marked_headline(tree, found) or dated_heading(tree, found)
    if qualified and h1_text:  # a section's label in <h1> over the headline the <title> gives
        shown = title_heading(tree, found.title, h1_text) or shown
    if shown is None and found.title:
        cut = section or section_heading(tree, found.title)
        shown = after_section(found.title, cut) if cut else None
    if shown is None and not section and not names_the_site_h1(found.h1s):
        shown = h1_text  # an <h1> that qualified as no article's, but names no site
    headline = choose_headline(found, shown, url)
    if qualified and headline and shown and headline != shown \
            and names_the_site(tree, headline, url):  # DC.Title and <title>, as the logo says
        headline = shown
    published = choose_date(found, tree, url, headed=qualified)
    url_month = textdates.date_from_url(url)[0] if published is None else None
    root_attrs = tree.root.attributes if tree.root is not None else {}
    lang = root_attrs.get("lang") or root_attrs.get("xml:lang") \
        or meta.get("content-language") or meta.get("og:locale") or meta.get("language")
    # a listing (a home page's teasers) or a shell drawn by scripts: told apart
    # by their links, counted before main_text drops boxes
    links = 0 if headline else len(tree.css("a[href]"))
    # and what it shows a client that runs no script (a firewall's script check)
    noscript = "" if headline else tn.squash(
        " ".join(el.text(separator=" ") for el in tree.css("noscript")[:5]), limit=NOSCRIPT_CHARS)
    container = main_container(tree, found) if with_text else None
    # the teasers of a listing, read with the text they judge
    listed = teasers(found, container) if container is not None else 0
    walls: list[str] = []
    text = main_text(tree, found, walls, container) if container is not None \
        else ""  # (changes the tree: last)
    # a page with nothing to read that sends the browser on by script, as
    # <meta http-equiv=refresh> would
    refresh = found.refresh or (None if text else script_redirect(body, url))
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
        meta_refresh=refresh,
        og_type=tn.clean_value(meta.get("og:type")),
        has_password_field=found.password,
        paywalled=is_paywalled(found.jsonld),
        walled=tn.squash(" ".join(walls)),
        links=links,
        noscript=noscript,
        teasers=listed,
        url_month=url_month,
    )
