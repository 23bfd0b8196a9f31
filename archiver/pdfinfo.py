"""Headline, date and text of a PDF: its metadata and first pages (pypdf).

The title comes from the Info dictionary, then XMP, unless it is a file name
or a placeholder ("Microsoft Word - report.docx", "Untitled"), else the
first line of text; the date from ``/CreationDate``, XMP, the URL or the
text (the text's first, when the PDF was created as it was fetched: a document
rendered on demand). Never raises: an unreadable PDF gives ``PageInfo(kind="pdf")``.

A PDF cut short (at the size cap: its cross-reference table and trailer lost)
is read from the part received: pypdf rebuilds the table from the objects it
finds, the catalog and the Info dictionary no trailer names are found by their
keys, and what pypdf still cannot read is taken from the bytes (an Info
dictionary or an XMP packet written uncompressed).

Example::

    info = extract_pdf(body, url="https://gov.example/2019/report.pdf")
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import logging
import re
from collections.abc import Callable, Iterable
from itertools import chain, islice
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
    cut = _is_cut(body)
    reader = _open(body + _SYNTHETIC_END if cut else body, url, cut)
    places = _Places(body)
    if reader is not None and cut:
        _mend_trailer(reader, places)
    title, published = _metadata(reader) if reader is not None else (None, None)
    if (title is None or published is None) and (reader is None or cut):
        # what pypdf could not reach: an Info dictionary or an XMP packet
        # written as plain bytes in the part received
        raw_title, raw_published = _raw_metadata(places)
        title = title if title is not None else raw_title
        published = published if published is not None else raw_published
    texts = _page_texts(reader, url) if reader is not None else []
    if cut and title is None and published is None and not any(texts):
        LOGGER.warning("%s: the PDF cannot be read (cut short: no title, date or page"
                       " text in the %d bytes received)", url or "a PDF", len(body))
    if reader is None and title is None and published is None:
        return PageInfo(kind="pdf")
    text = tn.squash(" ".join(texts), limit=MAX_TEXT_CHARS)
    if title is None and texts:
        first_line = next((line for line in map(tn.squash, texts[0].splitlines())
                           if len(line) >= 8), None)
        title = first_line[:300] if first_line else None
    if published is not None and published >= dt.date.today() - _RENDERED_DAYS:
        # made as it was fetched (a court database renders its PDFs on demand):
        # the date the document gives of itself, else its URL's, when earlier
        own = textdates.find_date_in_text(text[:3000]) if text else None
        if own is None:
            url_day, has_day = textdates.date_from_url(url)
            own = url_day if has_day else None
        if own is not None and own < published:
            published = own
    published, url_month = textdates.document_day(published, url, text, 3000)
    return PageInfo(kind="pdf", headline=title, published=published, title=title, text=text,
                    url_month=url_month)


def _open(data: bytes, url: str, cut: bool) -> Any:
    """pypdf's reader of *data*, or None when it cannot be read."""
    try:
        from pypdf import PdfReader

        reader_class = _rebuilt_reader_class() if cut else PdfReader
        return reader_class(io.BytesIO(data), strict=False)
    except Exception as exc:
        if not cut:  # a cut one is said after its bytes are searched
            LOGGER.warning("%s: the PDF cannot be read (%s)", url or "a PDF", exc)
        LOGGER.debug("unreadable PDF from %s", url, exc_info=True)
        return None


def _metadata(reader: Any) -> tuple[str | None, dt.date | None]:
    """Title and date from the Info dictionary, then from XMP."""
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
                title, published = _from_xmp(xmp, title, published)
        except Exception:
            LOGGER.debug("bad PDF XMP metadata", exc_info=True)
    return title, published


def _from_xmp(xmp: Any, title: str | None,
              published: dt.date | None) -> tuple[str | None, dt.date | None]:
    """*title* and *published*, each completed from XMP when it is None."""
    if title is None and xmp.dc_title:
        title = _pdf_title(next(iter(xmp.dc_title.values()), None))
    if published is None:
        published = textdates.parse_date(_xmp_create_date(xmp))
    return title, published


def _page_texts(reader: Any, url: str) -> list[str]:
    """The text of the first :data:`PDF_TEXT_PAGES` pages, up to the first
    that cannot be read (of a PDF cut short: the pages received)."""
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
    return texts


# ---------------------------------------------------------------- cut short
#
# A PDF cut at ``fetch.max_bytes`` has lost its end: the cross-reference table
# (where each object lies) and the trailer (which objects are the catalog and
# the Info dictionary). pypdf without them reads backwards through the whole
# file for a ``%%EOF`` and then gives up. Given an end whose ``startxref``
# points to no table, it rebuilds the table instead, by finding every
# ``N G obj`` in the bytes (and the objects inside object streams), and takes
# its trailer from any ``trailer`` or cross-reference stream it meets: a
# linearized PDF has one at its start. The catalog and the Info dictionary
# that no trailer names are found by their keys.

#: Bytes at the end of a PDF in which its ``%%EOF`` is looked for.
_END_BYTES = 1024
#: The end given to a PDF cut short: ``startxref 0`` points to no table.
_SYNTHETIC_END = b"\nstartxref\n0\n%%EOF\n"
#: Places looked at, at most, for each of the catalog, the Info dictionary and
#: the XMP packet (a file may repeat such keys in every page).
_MAX_CANDIDATES = 64
#: Objects in object streams read, at most, looking for the catalog and Info.
_MAX_STREAM_OBJECTS = 4096
#: Bytes of an object read, at most, for the raw Info dictionary; of an XMP packet.
_MAX_INFO_BYTES = 64 * 1024
_MAX_XMP_BYTES = 1024 * 1024

_CATALOG = re.compile(rb"/Type\s*/Catalog(?![A-Za-z0-9#])")
#: Keys of an Info dictionary that no other dictionary with none of
#: :data:`_NOT_INFO_KEYS` carries (an outline item has a /Title, an annotation a
#: /CreationDate and a /Subtype).
_INFO_KEYS = ("/Producer", "/CreationDate")
#: Keys no Info dictionary has: a typed object's, a page tree node's, a stream's.
_NOT_INFO_KEYS = ("/Type", "/Subtype", "/Parent", "/Kids", "/Length")


def _key_pattern(keys: tuple[str, ...]) -> re.Pattern[bytes]:
    """Any of the dictionary *keys*, as written in a PDF's bytes."""
    names = "|".join(key.lstrip("/") for key in keys)
    return re.compile(rb"/(?:" + names.encode() + rb")(?![A-Za-z0-9#])")


_INFO_KEY, _NOT_INFO_KEY = _key_pattern(_INFO_KEYS), _key_pattern(_NOT_INFO_KEYS)
_OBJ_HEAD = re.compile(rb"(?<![0-9])([0-9]{1,10})[ \t\r\n\f\x00]+([0-9]{1,5})[ \t\r\n\f\x00]+obj$")
_XMP_START = re.compile(rb"<x:x[am]pmeta[ \t\r\n>]")
_XMP_END = re.compile(rb"</x:x[am]pmeta>")
_VALUE = {key: re.compile(rb"/" + key.encode() + rb"(?![A-Za-z0-9#])[ \t\r\n\f\x00]*(?=[(<])")
          for key in ("Title", "CreationDate")}


@functools.cache
def _rebuilt_reader_class() -> Any:
    """pypdf's reader, for a PDF cut short, whose cross-reference table it
    rebuilt: an object the table lacks is not in the part received, where
    pypdf would search the whole file for it again (a quarter of a second in
    50 MB) for each page past the cut that the page tree names; and the
    object the cut falls in, which cannot be read, is missing too, where
    pypdf's error would lose every page (its page tree is read whole)."""
    from pypdf import PdfReader
    from pypdf.generic import IndirectObject, PdfObject

    class RebuiltReader(PdfReader):
        def get_object(self, indirect_reference: int | IndirectObject) -> PdfObject | None:
            if isinstance(indirect_reference, int):
                indirect_reference = IndirectObject(indirect_reference, 0, self)
            number, generation = indirect_reference.idnum, indirect_reference.generation
            if number not in self.xref.get(generation, {}) \
                    and not (generation == 0 and number in self.xref_objStm) \
                    and (generation, number) not in self.resolved_objects:
                return None
            try:
                return super().get_object(indirect_reference)
            except MemoryError:  # past PDF_MEMORY: the reading ends
                raise
            except Exception:
                LOGGER.debug("object %d of a cut PDF unreadable", number, exc_info=True)
                return None

    return RebuiltReader


def _is_cut(body: bytes) -> bool:
    """True when *body* does not end with a PDF's ``%%EOF``."""
    return b"%%EOF" not in body[-_END_BYTES:]


def _object_head(body: bytes, pos: int) -> tuple[int, int, int] | None:
    """Number, generation and the end of the ``N G obj`` of the object that
    holds the byte at *pos* as part of its dictionary; None when it is in a
    stream, between objects, or too far past its object's start."""
    head = body.rfind(b"obj", max(0, pos - _MAX_INFO_BYTES), pos)
    if head < 0 or body[max(0, head - 3):head] == b"end":
        return None
    m = _OBJ_HEAD.search(body, max(0, head - 40), head + 3)
    if m is None or body.find(b"stream", head, pos) >= 0:
        return None
    return int(m.group(1)), int(m.group(2)), head + 3


def _candidates(pattern: re.Pattern[bytes], body: bytes) -> list[int]:
    """Where *pattern* is found in *body*: the first :data:`_MAX_CANDIDATES`."""
    found: list[int] = []
    for m in pattern.finditer(body):
        found.append(m.start())
        if len(found) == _MAX_CANDIDATES:
            break
    return found


class _Places:
    """The bytes of a PDF (*body*), and where the keys of its catalog and of its
    Info dictionary are in them: each searched for once, when first asked
    (a body of up to 50 MB, which :func:`_mend_trailer` and
    :func:`_raw_metadata` both look in)."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    @functools.cached_property
    def catalog(self) -> list[int]:
        return _candidates(_CATALOG, self.body)

    @functools.cached_property
    def info(self) -> list[int]:
        return _candidates(_INFO_KEY, self.body)


def _is_info(obj: Any) -> bool:
    """True for a dictionary that is an Info dictionary by its keys."""
    from pypdf.generic import DictionaryObject

    return isinstance(obj, DictionaryObject) and any(key in obj for key in _INFO_KEYS) \
        and not any(key in obj for key in _NOT_INFO_KEYS)


def _is_catalog(obj: Any) -> bool:
    from pypdf.generic import DictionaryObject

    return isinstance(obj, DictionaryObject) and obj.get("/Type") == "/Catalog"


def _mend_trailer(reader: Any, places: _Places) -> None:
    """Name the catalog and the Info dictionary in the trailer pypdf rebuilt
    from a PDF cut short, where no trailer it found named them: the last
    written in the bytes (a later revision's, where the file was updated),
    else one written in an object stream (pypdf's rebuilt table lists them)."""
    from pypdf.generic import NameObject

    body = places.body
    for key, test, searched in (("/Root", _is_catalog, "catalog"), ("/Info", _is_info, "info")):
        if key in reader.trailer:
            continue
        places_of_key: list[int] = getattr(places, searched)  # (searched for when asked)
        written = (found[:2] for pos in reversed(places_of_key)
                   if (found := _object_head(body, pos)) is not None)
        streamed = ((number, 0) for number in islice(reader.xref_objStm, _MAX_STREAM_OBJECTS))
        ref = _first_object(reader, chain(written, streamed), test)
        if ref is not None:
            reader.trailer[NameObject(key)] = ref


def _first_object(reader: Any, refs: Iterable[tuple[int, int]],
                  test: Callable[[Any], bool]) -> Any:
    """A reference to the first of the objects *refs* (number, generation) of
    *reader* that *test* holds true; None when none is."""
    from pypdf.generic import IndirectObject

    for number, generation in refs:
        ref = IndirectObject(number, generation, reader)
        try:
            if test(ref.get_object()):
                return ref
        except Exception:
            LOGGER.debug("object %d of a cut PDF unreadable", number, exc_info=True)
    return None


def _raw_metadata(places: _Places) -> tuple[str | None, dt.date | None]:
    """Title and date of a PDF that pypdf could not read them from, from the
    bytes: an Info dictionary written uncompressed, then an XMP packet."""
    body = places.body
    title: str | None = None
    published: dt.date | None = None
    for pos in places.info:
        found = _object_head(body, pos)
        if found is None:
            continue
        start = found[2]
        end = min(x for x in (body.find(b"endobj", start, start + _MAX_INFO_BYTES),
                              body.find(b"stream", start, start + _MAX_INFO_BYTES),
                              min(len(body), start + _MAX_INFO_BYTES)) if x >= 0)
        span = body[start:end]
        if _NOT_INFO_KEY.search(span):
            continue
        title = _pdf_title(_raw_string(span, "Title"))
        published = textdates.parse_date(_pdf_date(_raw_string(span, "CreationDate")))
        break
    if title is None or published is None:
        xmp = _raw_xmp(body)
        if xmp is not None:
            title, published = _from_xmp(xmp, title, published)
    return title, published


def _raw_string(span: bytes, key: str) -> str | None:
    """The text of the string after */key* in *span* (the bytes of one
    dictionary): its escapes undone, UTF-16BE (after FE FF), UTF-8 (after its
    mark) or PDFDocEncoding, as pypdf decodes it; None when it has none."""
    from pypdf.generic import (
        TextStringObject,
        read_hex_string_from_stream,
        read_string_from_stream,
    )

    m = _VALUE[key].search(span)
    if m is None or span[m.end():m.end() + 2] == b"<<":
        return None
    stream = io.BytesIO(span)
    stream.seek(m.end())
    try:
        if span[m.end():m.end() + 1] == b"(":
            value = read_string_from_stream(stream)
        else:
            value = read_hex_string_from_stream(stream)
    except Exception:  # a string that runs past the bytes received
        return None
    return str(value) if isinstance(value, TextStringObject) else None


def _raw_xmp(body: bytes) -> Any:
    """The first XMP packet written uncompressed in *body* that describes a
    document, not an image (a photograph's packet, in its JPEG data, says ``image/jpeg``
    or carries EXIF or TIFF properties), parsed by pypdf."""
    from pypdf.generic import DecodedStreamObject
    from pypdf.xmp import XmpInformation

    for pos in _candidates(_XMP_START, body):
        m = _XMP_END.search(body, pos, pos + _MAX_XMP_BYTES)
        if m is None:
            continue
        data = body[pos:m.end()]
        if b"ns.adobe.com/exif/" in data or b"ns.adobe.com/tiff/" in data:
            continue
        stream = DecodedStreamObject()
        stream.set_data(data)
        try:
            xmp = XmpInformation(stream)
            kind = xmp.dc_format
        except Exception:
            LOGGER.debug("bad XMP packet in a PDF", exc_info=True)
            continue
        if kind and "pdf" not in str(kind).lower():
            continue
        return xmp
    return None


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
