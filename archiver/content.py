"""Response bodies: find the charset, tell HTML, PDFs and XML or JSON documents apart.

Everything here is pure and never raises on bad input: a charset that cannot
be found is a sensible default, bytes that do not decode are replaced. They
read a body whose Content-Encoding is undone (:mod:`archiver.codings`); the
WARC keeps the raw bytes, these helpers only prepare a copy for extraction.

Example::

    charset = sniff_charset(body, "text/html; charset=big5")   # -> "cp950"
    text = decode_text(body, charset)
"""

from __future__ import annotations

import codecs
import logging
import re
from typing import Literal

LOGGER = logging.getLogger(__name__)

#: Bytes looked at for a <meta charset> declaration.
META_SCAN_BYTES = 4096
#: Bytes used to check a declared charset and to run the detector on.
SAMPLE_BYTES = 64 * 1024
DETECTOR_BYTES = 32 * 1024


# --------------------------------------------------------------------------
# charsets

#: Declared names mapped to the superset browsers actually use.
_SUPERSETS: dict[str, str] = {
    "big5": "cp950",
    "big5-tw": "cp950",
    "csbig5": "cp950",
    "x-x-big5": "cp950",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "cp936": "gb18030",
    "x-gbk": "gb18030",
    "hz": "gb18030",
    "latin_1": "cp1252",
    "iso8859-1": "cp1252",
    "iso-8859-1": "cp1252",
    "ascii": "cp1252",
    "us-ascii": "cp1252",
    "iso8859-9": "cp1254",
    "latin5": "cp1254",
    "tis-620": "cp874",
    "iso8859-11": "cp874",
    "euc_kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "shift_jis": "cp932",
    "x-sjis": "cp932",
    "utf-16": "utf-8",  # a <meta> that says utf-16 in an ASCII-compatible page
    "utf-16-le": "utf-8",
    "utf-16-be": "utf-8",
    "utf_16": "utf-8",
    "utf_16_le": "utf-8",
    "utf_16_be": "utf-8",
    "x-user-defined": "cp1252",
}

#: Other readings to try when the chosen superset still fails on a page.
_ALTERNATIVES: dict[str, tuple[str, ...]] = {
    "cp950": ("big5hkscs",),
}

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([\w.:+-]+)""", re.I)
_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,400}?charset\s*=\s*["']?\s*([\w.:+-]+)""", re.I | re.S
)


def normalize_charset(name: str | None) -> str | None:
    """A Python codec name for a declared *name*, widened to the browser superset.

    ``None`` when the name is unknown.
    """
    if not name:
        return None
    cleaned = name.strip().strip("\"'").lower()
    if cleaned in _SUPERSETS:
        return _SUPERSETS[cleaned]
    try:
        canonical = codecs.lookup(cleaned).name
    except LookupError:
        return None
    if canonical in _SUPERSETS:
        return _SUPERSETS[canonical]
    return {"utf_8": "utf-8", "mbcs": "cp1252"}.get(canonical, canonical)


def _bom_charset(body: bytes) -> str | None:
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    return None


def header_charset(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header, as declared (not mapped)."""
    if not content_type:
        return None
    m = _HEADER_CHARSET.search(content_type)
    return m.group(1) if m else None


def meta_charset(body: bytes) -> str | None:
    """The charset of the first ``<meta charset>`` / ``http-equiv`` in the head."""
    m = _META_CHARSET.search(body[:META_SCAN_BYTES])
    return m.group(1).decode("ascii", "replace") if m else None


def _clean_sample(body: bytes, start: int = 0) -> bytes:
    """The bytes of *body* from *start*, cut before a possibly split character."""
    end = start + SAMPLE_BYTES
    if len(body) > end:  # (searched in place: one copy of the sample, not two)
        cut = max(body.rfind(b"\n", start, end), body.rfind(b" ", start, end),
                  body.rfind(b">", start, end))
        if cut - start > SAMPLE_BYTES // 2:
            end = cut + 1
    return body[start:end]


_NON_ASCII = re.compile(rb"[\x80-\xff]")
#: Bytes checked at a time for the first non-ASCII one.
_ASCII_STEP = 8192


def _telling_sample(body: bytes) -> bytes:
    """The sample to judge *body*'s charset by: its first bytes, or, when
    they are all ASCII (a long inline style or script first), the bytes from
    its first non-ASCII one, which every ASCII-compatible charset reads alike
    before it."""
    sample = _clean_sample(body)
    if len(body) <= len(sample) or not sample.isascii():
        return sample
    for pos in range(len(sample), len(body), _ASCII_STEP):
        chunk = body[pos:pos + _ASCII_STEP]
        if not chunk.isascii():
            found = _NON_ASCII.search(chunk)
            assert found is not None  # a byte past ASCII is in the chunk
            return _clean_sample(body, pos + found.start())
    return sample


def decode_errors(sample: bytes, charset: str) -> int:
    """How many bad spots reading *sample* as *charset* gives (huge if unknown)."""
    try:
        sample.decode(charset)  # the common case, and the fastest: no bad spot
        return 0
    except LookupError:
        return len(sample) + 1
    except ValueError:
        pass
    try:
        text = sample.decode(charset, errors="replace")
    except (LookupError, ValueError):
        return len(sample) + 1
    errors = text.count("\ufffd")
    if errors and charset in ("utf-8", "utf_8"):
        errors -= sample.count(b"\xef\xbf\xbd")  # literal replacement characters
    return errors


def _tolerable(errors: int, sample: bytes) -> bool:
    """A few bad bytes happen on real pages (a pasted character); many do not."""
    return errors <= 2 or errors * 1000 < len(sample)


def _mostly_utf8(sample: bytes, errors: int) -> bool:
    """Whether *sample*, read as UTF-8 with *errors* bad spots (a stray byte of
    another charset pasted in), is UTF-8 all the same: a bad spot or two among
    many good characters past ASCII (legacy text read as UTF-8 has no good one)."""
    if errors > 2:  # (two or fewer are always tolerable: see _tolerable)
        return False
    text = sample.decode("utf-8", errors="replace")
    good = len(text.encode("utf-8")) - len(text) - 2 * text.count("\ufffd")
    return good >= 3 * errors  # bytes past ASCII in good characters


def _detect(sample: bytes) -> str | None:
    """The charset-normalizer guess for *sample*, mapped to a codec name."""
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(sample[:DETECTOR_BYTES]).best()
    except Exception:  # pragma: no cover - detector failure is not fatal
        return None
    if best is None:
        return None
    return normalize_charset(best.encoding)


def _best_of(sample: bytes, charset: str) -> tuple[str, int]:
    """*charset* or one of its alternatives, whichever reads *sample* best."""
    best, best_errors = charset, decode_errors(sample, charset)
    for alt in _ALTERNATIVES.get(charset, ()):
        if best_errors == 0:
            break
        errors = decode_errors(sample, alt)
        if errors < best_errors:
            best, best_errors = alt, errors
    return best, best_errors


def sniff_charset(body: bytes, content_type: str | None) -> str:
    """The charset to decode *body* with, as a Python codec name.

    Order: byte-order mark, the HTTP header's charset, a ``<meta>`` charset in
    the first 4 KB, then a detector on a bounded sample (the first 64 KB, or
    64 KB from the first non-ASCII byte when those are ASCII). A declared charset
    that reads the bytes badly (declared UTF-8, bytes in Big5) is overruled.
    Never raises; the last resort is ``cp1252``, as browsers do.
    """
    try:
        bom = _bom_charset(body)
        if bom:
            return bom
        utf16 = _utf16(body, header_charset(content_type))
        if utf16:
            return utf16
        sample = _telling_sample(body)
        utf8_errors = decode_errors(sample, "utf-8")
        declared = [header_charset(content_type), meta_charset(body)]
        for name in declared:
            charset = normalize_charset(name)
            if charset is None:
                continue
            if charset == "utf-8":
                if _tolerable(utf8_errors, sample):
                    return "utf-8"
                continue
            # A page declared as a legacy charset whose bytes are valid UTF-8
            # (with some non-ASCII) is UTF-8: legacy text almost never is.
            if utf8_errors == 0 and not sample.isascii():
                return "utf-8"
            charset, errors = _best_of(sample, charset)
            if _tolerable(errors, sample):
                return charset
            LOGGER.debug("declared charset %s reads badly (%d errors)", charset, errors)
        if utf8_errors == 0 or _mostly_utf8(sample, utf8_errors):
            return "utf-8"
        detected = _detect(sample)
        if detected:
            detected, _ = _best_of(sample, detected)
            return detected
    except Exception:  # pragma: no cover - defensive: never raise
        LOGGER.exception("sniff_charset failed")
    return "cp1252"


def _utf16(body: bytes, declared: str | None) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` when the HTTP header says UTF-16 and the
    bytes, without a byte-order mark, are: every other byte NUL, as UTF-16
    writes text mostly in ASCII (a ``<meta>`` that says UTF-16 in a page of
    ASCII bytes is read as UTF-8, as browsers do; the header is honoured)."""
    try:
        if not declared or not codecs.lookup(declared.strip()).name.startswith("utf-16"):
            return None
    except LookupError:  # no charset Python knows ("UTF16" is one it knows)
        return None
    sample = body[:1024]
    half = len(sample) // 2
    if half < 2:
        return None
    if sample[1::2].count(0) * 10 >= half * 9:  # "<\0h\0" ...
        return "utf-16-le"
    if sample[0::2].count(0) * 10 >= half * 9:  # "\0<\0h" ...
        return "utf-16-be"
    return None


def decode_text(body: bytes, charset: str) -> str:
    """*body* as text in *charset* (bad bytes replaced, BOM removed). Never raises."""
    try:
        text = body.decode(charset, errors="replace")
    except (LookupError, ValueError):
        text = body.decode("cp1252", errors="replace")
    return text[1:] if text.startswith("\ufeff") else text


# --------------------------------------------------------------------------
# kinds of body

_PDF_TYPES = ("application/pdf", "application/x-pdf", "application/acrobat")
_HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xhtml", "text/xml",
               "application/xml")
#: The first tag of an HTML document (after spaces and comments).
_HTML_TAG = re.compile(rb"<(?:!doctype\s+html|html|head|body|meta|title|div|p\b)", re.I)
_SPACES = re.compile(rb"\s*")


_PDF_START = re.compile(rb"\s*%PDF-")


def media_type(content_type: str | None) -> str:
    """The lower-case media type of a Content-Type header ("" when none)."""
    if not content_type:
        return ""
    return content_type.split(";", 1)[0].strip().lower()


def is_pdf(body: bytes, content_type: str | None) -> bool:
    """True when *body* is a PDF: it starts with ``%PDF-``; or has it in its first
    KB (after some junk, as readers allow: a PHP framework's error block) and
    is declared a PDF or does not look like HTML (a page about PDF versions
    that quotes "%PDF-1.7"); or is declared a PDF and does not look like HTML
    (an error page served under the PDF's type)."""
    if _PDF_START.match(body):
        return True
    declared = media_type(content_type) in _PDF_TYPES
    if b"%PDF-" in body[:1024]:  # after a framework's warning, or quoted by a page
        return declared or not looks_like_html(body)
    return declared and not looks_like_html(body)


def _head(body: bytes) -> bytes:
    """The first 2 KB of *body*, as UTF-8 when a byte-order mark says UTF-16 or
    UTF-32, without the mark."""
    head = body[:2048]
    bom = _bom_charset(head)
    if bom and bom != "utf-8":
        head = head.decode(bom, "ignore").encode("utf-8", "ignore")
    return head.lstrip(codecs.BOM_UTF8)


def looks_like_html(body: bytes) -> bool:
    """True when the first bytes of *body* look like an HTML document."""
    head = _head(body)
    return _starts_with_html_tag(head) or b"<html" in head.lower()


def _starts_with_html_tag(head: bytes) -> bool:
    """True when *head*, after spaces and comments, starts with an HTML tag.

    Comments are skipped one by one (a regular expression with a repeated
    lazy group would try every way of splitting them, twice the work for each
    comment more: 24 of them took seconds).
    """
    pos = _SPACES.match(head).end()  # type: ignore[union-attr]  # \s* always matches
    while head.startswith(b"<!--", pos):
        end = head.find(b"-->", pos + 4)
        if end < 0:
            return False
        pos = _SPACES.match(head, end + 3).end()  # type: ignore[union-attr]
    return _HTML_TAG.match(head, pos) is not None


#: Media types outside ``text/`` that are text: JSON, XML, scripts.
_TEXT_APPLICATIONS = frozenset({"application/json", "application/xml", "application/javascript",
                                "application/x-javascript", "application/ecmascript"})


def is_text(content_type: str | None) -> bool:
    """True when *content_type* names text: ``text/*``, JSON or XML (``+json``,
    ``+xml`` too), a script."""
    kind = media_type(content_type)
    return kind.startswith("text/") or kind in _TEXT_APPLICATIONS \
        or kind.endswith(("+json", "+xml"))


_UNDECLARED = frozenset({"", "text/plain", "application/octet-stream", "application/x-unknown",
                         "unknown/unknown"})
_JSON_TYPES = frozenset({"application/json", "text/json", "application/x-json", "text/x-json"})
#: Root elements of an HTML document (an XHTML page served as XML is HTML).
_HTML_ROOTS = frozenset({"html", "head", "body", "meta", "title", "div", "p"})
#: Root elements of a feed (their local names): RSS 2.0, Atom, RSS 1.0 (``rdf:RDF``).
_FEED_ROOTS = frozenset({"rss", "feed", "rdf"})
_ROOT = re.compile(rb"<([A-Za-z_][\w.:-]{0,100})")
_SUBSET_END = re.compile(rb"\]\s*>")


def root_element(head: bytes) -> str | None:
    """The lower-case name of the first element in *head* (a document's first
    bytes), past the XML declaration, processing instructions, comments and a
    doctype; None when *head* does not show one."""
    pos = _SPACES.match(head).end()  # type: ignore[union-attr]  # \s* always matches
    while head.startswith(b"<!", pos) or head.startswith(b"<?", pos):
        if head.startswith(b"<?", pos):
            end = head.find(b"?>", pos + 2)
            end = end + 2 if end >= 0 else -1
        elif head.startswith(b"<!--", pos):
            end = head.find(b"-->", pos + 4)
            end = end + 3 if end >= 0 else -1
        else:  # <!DOCTYPE name [internal subset]>
            end = head.find(b">", pos)
            subset = head.find(b"[", pos, end if end >= 0 else len(head))
            if subset >= 0:
                found = _SUBSET_END.search(head, subset)
                end = found.end() if found else -1
            elif end >= 0:
                end += 1
        if end < 0:
            return None
        pos = _SPACES.match(head, end).end()  # type: ignore[union-attr]
    m = _ROOT.match(head, pos)
    return m.group(1).decode("ascii").lower() if m else None


def data_kind(body: bytes, content_type: str | None) -> Literal["xml", "json"] | None:
    """``"xml"`` or ``"json"`` when *body* should be read as an XML or JSON
    document (a feed, an API's answer) rather than as HTML or plain text.

    JSON: a JSON media type (``+json`` too), or an undeclared one (none, plain
    text, octet-stream) and a body that starts with ``{`` or ``[``. XML: an XML
    media type (``text/xml``, ``application/xml``, ``+xml`` but XHTML's) whose
    root element is no HTML one, or an undeclared one and a body that starts
    with an XML declaration or an ``<rss>``/``<feed>`` root. A page with an
    ``<html>`` root served as XML is HTML. (The reader may still find the
    body is not what it looks like: see :mod:`archiver.datadocs`.)
    """
    mtype = media_type(content_type)
    xml_type = mtype in ("text/xml", "application/xml") \
        or (mtype.endswith("+xml") and mtype not in _HTML_TYPES)
    json_type = mtype in _JSON_TYPES or mtype.endswith("+json")
    undeclared = mtype in _UNDECLARED
    if not (xml_type or json_type or undeclared):
        return None
    head = _head(body)
    if json_type or (undeclared and head.lstrip()[:1] in (b"{", b"[")):
        return "json"
    root = root_element(head)
    local = root.rpartition(":")[2] if root is not None else None
    if root in _HTML_ROOTS or local == "html":
        return None
    if xml_type:
        return "xml" if root is not None or not looks_like_html(body) else None
    if local in _FEED_ROOTS or (root is not None and head.lstrip().startswith(b"<?xml")):
        return "xml"
    return None


def is_html(body: bytes, content_type: str | None) -> bool:
    """True when *body* should be read as HTML: declared, or sniffed when the
    type is none, plain text, or no text at all (an error page served as
    ``application/pdf`` or ``image/jpeg`` by a site that names the type by the
    URL's extension)."""
    mtype = media_type(content_type)
    if mtype in _HTML_TYPES:
        return _PDF_START.match(body) is None
    if mtype in _UNDECLARED or not is_text(content_type):
        return looks_like_html(body)
    return False
