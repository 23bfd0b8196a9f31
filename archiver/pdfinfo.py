"""Headline, date and text of a PDF: its metadata and first pages (pypdf).

The title comes from the Info dictionary, then XMP, unless it is a file name
or a placeholder ("Microsoft Word - report.docx", "Untitled"), else the
first line of text; the date from ``/CreationDate``, XMP, the URL or the
text (the text's first, when the PDF was created as it was fetched: a document
rendered on demand). Never raises: an unreadable PDF gives ``PageInfo(kind="pdf")``.

Example::

    info = extract_pdf(body, url="https://gov.example/2019/report.pdf")
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
from typing import Any

from . import memlimit, textdates
from . import textnorm as tn
from .maintext import MAX_TEXT_CHARS
from .models import PageInfo
from .timelimit import TimeLimitExceeded, time_limit

LOGGER = logging.getLogger(__name__)
# pypdf warns of what it repairs ("EOF marker not found") without naming the
# PDF: a damaged PDF is said once, by this module, with its URL
logging.getLogger("pypdf").setLevel(logging.ERROR)

#: PDF pages whose text is read.
PDF_TEXT_PAGES = 2
#: Bytes of a page's drawing instructions (inflated) beyond which its text is
#: not read: a page of text takes some 5-50 KB, a page of vector drawing can
#: take megabytes, which pypdf reads at some 20,000 instructions a second.
MAX_PAGE_CONTENT = 512 * 1024
#: Memory reading one PDF may take (see :mod:`archiver.memlimit`): pypdf's
#: objects for a page of 100,000 tiny drawing instructions took 180 MB.
PDF_MEMORY = 128 * 1024 * 1024
#: Seconds reading one PDF may take (see :mod:`archiver.timelimit`): a report
#: of a few MB takes well under one; a file that sends the reader round a
#: loop would take for ever.
PDF_SECONDS = 20.0


class PdfTooSlow(TimeLimitExceeded):
    """Reading one PDF ran past :data:`PDF_SECONDS`.

    Its own class: the limit of a job that ends while a PDF is being read
    (a plain :class:`TimeLimitExceeded`) is not taken for the PDF's and ends
    the job.
    """


_OFFICE_PREFIX = re.compile(r"^microsoft (?:word|powerpoint|excel)\s*-\s*", re.I)
#: A file name ("Press Release 112 final.docx", "新聞稿 0503.docx"): Word's and
#: InDesign's titles when the author set none.
_FILE_NAME = re.compile(r"^.*\S\.(?:docx?|pdf|indd|xlsx?|pptx?|rtf|odt|tex|dvi)$", re.I)
_JUNK_TITLE = re.compile(r"^(?:untitled(?:-\d+)?|document\d*|title|no title|slide \d+|"
                         r"(?:powerpoint )?presentation\d*)$", re.I)


def _pdf_title(value: Any) -> str | None:
    """A PDF's /Title unless it is a file name or a placeholder, or no text at
    all (a name, an array or a dictionary, in a malformed PDF)."""
    from pypdf.generic import NameObject  # (a str too: "/Untitled")

    if hasattr(value, "get_object"):
        value = value.get_object()
    if not isinstance(value, str) or isinstance(value, NameObject):
        return None
    title = tn.clean_value(value)
    if not title:
        return None
    title = _OFFICE_PREFIX.sub("", title)
    if _FILE_NAME.match(title) or _JUNK_TITLE.match(title) or not 3 <= len(title) <= 500:
        return None  # a title of over 500 characters is not one (as in HTML)
    return title


def extract_pdf(body: bytes, *, url: str = "") -> PageInfo:
    """Title and date from a PDF's metadata (Info, then XMP), text of its first pages."""
    try:
        with memlimit.ceiling(PDF_MEMORY), time_limit(PDF_SECONDS, PdfTooSlow):
            return _extract_pdf(body, url)
    except PdfTooSlow:
        LOGGER.warning("%s: PDF left unread: reading it took over %g s",
                       url or "a PDF", PDF_SECONDS)
        return PageInfo(kind="pdf")


#: A PDF created this recently (up to the moment it is read) may have been made
#: for the request: its creation date is no publication date.
_RENDERED_DAYS = dt.timedelta(days=1)


def _extract_pdf(body: bytes, url: str) -> PageInfo:
    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(body), strict=False)
    except Exception as exc:
        LOGGER.warning("%s: the PDF cannot be read (%s)", url or "a PDF", exc)
        LOGGER.debug("unreadable PDF from %s", url, exc_info=True)
        return PageInfo(kind="pdf")
    title: str | None = None
    published: dt.date | None = None
    info: Any = None
    try:
        info = reader.metadata
    except Exception:
        LOGGER.debug("no PDF info dictionary", exc_info=True)
    if info is not None:
        try:
            title = _pdf_title(info.get("/Title"))
            published = textdates.parse_date(_pdf_date(info.get("/CreationDate")))
        except Exception:
            LOGGER.debug("bad PDF info dictionary", exc_info=True)
    if title is None or published is None:
        try:
            xmp = reader.xmp_metadata
            if xmp is not None:
                if title is None and xmp.dc_title:
                    title = _pdf_title(next(iter(xmp.dc_title.values()), None))
                if published is None:
                    published = textdates.parse_date(_xmp_create_date(xmp))
        except Exception:
            LOGGER.debug("bad PDF XMP metadata", exc_info=True)
    texts: list[str] = []
    try:
        for number, page in enumerate(reader.pages[:PDF_TEXT_PAGES], 1):
            contents = page.get_contents()
            size = len(contents.get_data()) if contents is not None else 0
            if size > MAX_PAGE_CONTENT:
                LOGGER.warning("%s: text of PDF page %d left unread (%d bytes of drawing)",
                               url or "a PDF", number, size)
                continue
            texts.append(page.extract_text() or "")
    except Exception:  # MemoryError included: past PDF_MEMORY
        LOGGER.debug("PDF text unreadable", exc_info=True)
    text = tn.squash(" ".join(texts), limit=MAX_TEXT_CHARS)
    if title is None and texts:
        first_line = next((line for line in map(tn.squash, texts[0].splitlines())
                           if len(line) >= 8), None)
        title = first_line[:300] if first_line else None
    url_day, has_day = textdates.date_from_url(url)
    if published is not None and published >= dt.date.today() - _RENDERED_DAYS:
        # made as it was fetched (a court database renders its PDFs on demand):
        # the date the document gives of itself, else its URL's, when earlier
        own = textdates.find_date_in_text(text[:3000]) if text else None
        if own is None and has_day:
            own = url_day
        if own is not None and own < published:
            published = own
    published, url_month = textdates.document_day(published, url, text, 3000)
    return PageInfo(kind="pdf", headline=title, published=published, title=title, text=text,
                    url_month=url_month)


_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_XMP = "http://ns.adobe.com/xap/1.0/"


def _xmp_create_date(xmp: Any) -> str | None:
    """``xmp:CreateDate`` as written (``2016-05-03T07:30:00+09:00``): pypdf's
    ``xmp_create_date`` is the UTC time, whose day is not always the one the
    document gives."""
    for desc in xmp.rdf_root.getElementsByTagNameNS(_RDF, "Description"):
        value = desc.getAttributeNS(_XMP, "CreateDate")
        if value:
            return str(value)
        for element in desc.getElementsByTagNameNS(_XMP, "CreateDate"):
            return "".join(node.data for node in element.childNodes
                           if node.nodeType == node.TEXT_NODE)
    return None


def _pdf_date(value: Any) -> str | None:
    """``D:20160503120000+08'00'`` -> ``20160503``."""
    if not value:
        return None
    m = re.match(r"^\s*(?:D:)?((?:19|20)\d{6})", str(value))
    return m.group(1) if m else None
