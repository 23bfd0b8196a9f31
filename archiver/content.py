"""Response bodies: undo Content-Encoding, find the charset, tell PDFs apart.

Everything here is pure and never raises on bad input: a body that cannot be
decoded is returned as it came, a charset that cannot be found is a sensible
default. The WARC keeps the raw bytes; these helpers only prepare a copy for
extraction.

Example::

    body, truncated = decode_content(raw, "gzip", limit=20 * 1024 * 1024)
    charset = sniff_charset(body, "text/html; charset=big5")   # -> "cp950"
    text = decode_text(body, charset)
"""

from __future__ import annotations

import codecs
import functools
import logging
import re
from collections.abc import Callable, Iterable
from typing import IO, Any

from .deflate import ERRORS as _INFLATE_ERRORS
from .deflate import codec as _codec

LOGGER = logging.getLogger(__name__)

#: Bytes of input handed to a decompressor at a time.
_CHUNK = 16 * 1024
#: Bytes looked at for a <meta charset> declaration.
META_SCAN_BYTES = 4096
#: Bytes used to check a declared charset and to run the detector on.
SAMPLE_BYTES = 64 * 1024
DETECTOR_BYTES = 32 * 1024



def _load_google_brotli() -> Any:
    """Google's brotli extension (``_brotli``), which bounds its output buffer.

    brotlipy (a pywb dependency) installs a package also called ``brotli``
    that shadows Google's module and whose own C part is also called
    ``_brotli``; so the extension is looked up on the path directly.
    """
    import importlib.machinery
    import importlib.util

    try:
        spec = importlib.machinery.PathFinder.find_spec("_brotli")
        if spec is None or spec.loader is None:
            return None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except Exception:  # pragma: no cover - depends on the installed binding
        return None
    return module if hasattr(module, "Decompressor") else None


def _load_any_brotli() -> Any:
    try:
        import brotli
    except ImportError:  # pragma: no cover
        return None
    return brotli


@functools.cache
def _brotli() -> tuple[Any, Any]:
    """Google's brotli extension, else any ``brotli`` module: loaded for the
    first brotli body (a request never asks for brotli, and loading the
    extension took about 1 ms of every start)."""
    google = _load_google_brotli()
    return google, None if google is not None else _load_any_brotli()


# --------------------------------------------------------------------------
# Content-Encoding


class _Output:
    """Collects decoded bytes up to a limit."""

    def __init__(self, limit: int) -> None:
        self.limit = max(0, limit)
        self.parts: list[bytes] = []
        self.size = 0
        self.truncated = False

    @property
    def room(self) -> int:
        return self.limit - self.size

    def add(self, data: bytes) -> None:
        if not data:
            return
        if len(data) > self.room:
            data = data[: self.room]
            self.truncated = True
        self.parts.append(data)
        self.size += len(data)

    def value(self) -> bytes:
        return b"".join(self.parts)


def _chunks(data: bytes) -> Iterable[bytes]:
    for start in range(0, len(data), _CHUNK):
        yield data[start : start + _CHUNK]


def _inflate(data: bytes, wbits: int, out: _Output) -> bool:
    """zlib/gzip/raw deflate into *out*; True when the stream was well formed.

    Concatenated gzip members are all inflated, as browsers and curl do.
    """
    pending = data
    while pending:
        decomp = _codec.decompressobj(wbits)
        try:
            for chunk in _chunks(pending):
                buf = chunk
                while buf:
                    if out.room <= 0:
                        out.truncated = True
                        return True
                    out.add(decomp.decompress(buf, out.room))
                    buf = decomp.unconsumed_tail
                    if decomp.eof:
                        break
                if decomp.eof:
                    break
            if not decomp.eof:
                out.add(decomp.flush())
                return False  # stream ended early: truncated download
        except _INFLATE_ERRORS:
            return False
        pending = decomp.unused_data
        if wbits != 31 or not pending.lstrip(b"\0"):
            return True
        pending = pending.lstrip(b"\0")
    return True


def _gunzip(data: bytes, out: _Output) -> bool:
    return _inflate(data, 31, out)


def _zlib_wrapped(data: bytes) -> bool:
    """True when *data* begins with a zlib header (HTTP "deflate" is meant to be
    zlib-wrapped; many servers send it raw)."""
    return len(data) >= 2 and (data[0] & 0x0F) == 8 and ((data[0] << 8) | data[1]) % 31 == 0


def _deflate(data: bytes, out: _Output) -> bool:
    """HTTP "deflate" is meant to be zlib-wrapped; many servers send it raw."""
    if _zlib_wrapped(data):
        probe = _Output(out.limit)
        if _inflate(data, 15, probe) or probe.size:
            out.add(probe.value())
            out.truncated = out.truncated or probe.truncated
            return True
    return _inflate(data, -15, out)


def _unbrotli(data: bytes, out: _Output) -> bool:
    google, other = _brotli()
    if google is not None:
        decomp: Any = google.Decompressor()
        try:
            for chunk in _chunks(data):
                out.add(decomp.process(chunk, output_buffer_limit=max(1, out.room)))
                while not decomp.can_accept_more_data():
                    if out.room <= 0:
                        out.truncated = True
                        return True
                    out.add(decomp.process(b"", output_buffer_limit=max(1, out.room)))
                if out.room <= 0 and not decomp.is_finished():
                    out.truncated = True
                    return True
            return bool(decomp.is_finished())
        except Exception:  # brotli.error and friends: corrupt stream
            return False
    if other is None:  # pragma: no cover
        return False
    # Fallback binding without an output bound: feed tiny pieces and stop
    # as soon as the limit is reached, so one call can only overshoot a little.
    decomp = other.Decompressor()
    try:
        for start in range(0, len(data), 64):
            out.add(decomp.decompress(data[start : start + 64]))
            if out.room <= 0:
                out.truncated = True
                return True
        return True
    except Exception:
        return False


def _identity(data: bytes, out: _Output) -> bool:
    out.add(data)
    return True


_DECODERS: dict[str, Callable[[bytes, _Output], bool]] = {
    "gzip": _gunzip,
    "x-gzip": _gunzip,
    "deflate": _deflate,
    "x-deflate": _deflate,
    "br": _unbrotli,
    "identity": _identity,
    "none": _identity,
    "": _identity,
}


def decode_content(raw: bytes, content_encoding: str | None, limit: int) -> tuple[bytes, bool]:
    """Undo the Content-Encoding of *raw*, inflating at most *limit* bytes.

    Encodings listed in the header (``"gzip, br"``) are undone last first.
    Returns ``(body, truncated)``; *truncated* is True when the limit cut
    the body. An unknown encoding or a stream corrupt from its first byte
    gives the raw bytes back (cut at *limit*); a stream corrupt later gives
    what was decoded before the damage. Never raises.
    """
    try:
        limit = max(0, int(limit))
        codings = [c.strip().lower() for c in (content_encoding or "").split(",")]
        codings = [c for c in codings if c not in ("", "identity", "none")]
        data = bytes(raw)
        truncated = False
        for coding in reversed(codings):
            decoder = _DECODERS.get(coding)
            if decoder is None:
                LOGGER.debug("unknown content-encoding %r: left as is", coding)
                break
            out = _Output(limit)
            ok = decoder(data, out)
            if out.size == 0 and not ok:
                LOGGER.debug("content-encoding %r: nothing decoded, raw bytes kept", coding)
                break
            data, truncated = out.value(), truncated or out.truncated
            if not ok:
                LOGGER.debug("content-encoding %r: stream damaged, partial body kept", coding)
        if len(data) > limit:
            return data[:limit], True
        return data, truncated
    except Exception:  # pragma: no cover - defensive: never raise
        LOGGER.exception("decode_content failed")
        return bytes(raw[: max(0, limit)]) if isinstance(raw, bytes | bytearray) else b"", False


class DamagedEncoding(ValueError):
    """A Content-Encoded body that does not decode to its end (damaged, or cut
    short); *decoded* is how many bytes it gave before."""

    def __init__(self, message: str, decoded: int) -> None:
        super().__init__(message)
        self.decoded = decoded


#: Content-Encodings :func:`undo_encoding` undoes.
STREAM_CODINGS = frozenset({"gzip", "x-gzip", "deflate", "x-deflate", "br",
                            "identity", "none", ""})


def undo_encoding(src: IO[bytes], content_encoding: str | None,
                  out: IO[bytes] | None) -> int:
    """Write *src* with its Content-Encoding undone to *out* (None: decode and
    count only); returns the bytes decoded. Streams: memory stays a chunk.

    Unlike :func:`decode_content`, which keeps what it can of a page for
    reading, this is strict: :class:`DamagedEncoding` when the body is damaged
    anywhere or ends before its encoding does (an empty body is empty);
    ``ValueError`` for an encoding
    not in :data:`STREAM_CODINGS` (a list such as ``"gzip, br"`` included).
    Concatenated gzip members are all decoded; zero bytes after the last
    member, and anything after the end of a deflate or brotli stream, are
    ignored, as browsers do.
    """
    coding = (content_encoding or "").strip().lower()
    if coding not in STREAM_CODINGS:
        raise ValueError(f"cannot undo Content-Encoding {content_encoding!r}")
    total = 0

    def emit(data: bytes) -> None:
        nonlocal total
        if data:
            total += len(data)
            if out is not None:
                out.write(data)

    gzip = coding in ("gzip", "x-gzip")
    brotli = coding == "br"
    decomp: Any = None  # made at the first bytes (deflate's wrapping is seen there)
    finished = coding in ("identity", "none", "")
    try:
        while chunk := src.read(_CHUNK):
            if coding in ("identity", "none", ""):
                emit(chunk)
                continue
            if brotli:
                if decomp is None:  # Google's module: brotli is a dependency
                    decomp = _brotli()[0].Decompressor()
                if not finished:
                    emit(decomp.process(chunk))
                    finished = bool(decomp.is_finished())
                continue
            while chunk:
                if finished:
                    if not gzip:
                        break  # after a deflate stream's end: ignored
                    chunk = chunk.lstrip(b"\0")
                    if not chunk:
                        break
                    decomp, finished = None, False  # another gzip member
                if decomp is None:
                    wbits = 31 if gzip else 15 if _zlib_wrapped(chunk) else -15
                    decomp = _codec.decompressobj(wbits)
                emit(decomp.decompress(chunk))
                finished = decomp.eof
                chunk = decomp.unused_data if finished else b""
    except (OSError, ValueError):  # reading or writing failed: not the stream's doing
        raise
    except Exception as exc:  # zlib.error, brotli.error: a damaged stream
        raise DamagedEncoding(f"the {coding} stream is damaged after {total} decoded bytes "
                              f"({exc})", total) from None
    if not finished and decomp is not None:  # (no bytes at all: nothing to decode)
        raise DamagedEncoding(f"the {coding} stream is cut short after {total} decoded bytes",
                              total)
    return total


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


def _clean_sample(body: bytes) -> bytes:
    """The first bytes of *body*, cut before a possibly split character."""
    sample = body[:SAMPLE_BYTES]
    if len(body) > SAMPLE_BYTES:
        cut = max(sample.rfind(b"\n"), sample.rfind(b" "), sample.rfind(b">"))
        if cut > len(sample) // 2:
            sample = sample[: cut + 1]
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
    the first 4 KB, then a detector on a bounded sample. A declared charset
    that reads the bytes badly (declared UTF-8, bytes in Big5) is overruled.
    Never raises; the last resort is ``cp1252``, as browsers do.
    """
    try:
        bom = _bom_charset(body)
        if bom:
            return bom
        sample = _clean_sample(body)
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
        if utf8_errors == 0:
            return "utf-8"
        detected = _detect(sample)
        if detected:
            detected, _ = _best_of(sample, detected)
            return detected
    except Exception:  # pragma: no cover - defensive: never raise
        LOGGER.exception("sniff_charset failed")
    return "cp1252"


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
    """True when *body* is a PDF: ``%PDF-`` near its start, or a PDF media type."""
    if b"%PDF-" in body[:1024]:
        return True
    return media_type(content_type) in _PDF_TYPES and not looks_like_html(body)


def looks_like_html(body: bytes) -> bool:
    """True when the first bytes of *body* look like an HTML document."""
    head = body[:2048]
    bom = _bom_charset(head)
    if bom and bom != "utf-8":
        head = head.decode(bom, "ignore").encode("utf-8", "ignore")
    head = head.lstrip(codecs.BOM_UTF8)
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


def is_html(body: bytes, content_type: str | None) -> bool:
    """True when *body* should be read as HTML (declared, or sniffed when undeclared)."""
    mtype = media_type(content_type)
    if mtype in _HTML_TYPES:
        return _PDF_START.match(body) is None
    if mtype in ("", "text/plain", "application/octet-stream", "application/x-unknown",
                 "unknown/unknown"):
        return looks_like_html(body)
    return False
