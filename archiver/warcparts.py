"""The parts of a WARC record: digests, the gzip member, header values, HTTP heads.

The writer (``warc.py``) builds its records from them:

* **Digests** are SHA-256, written the way warcio writes them: ``sha256:`` +
  base32 (:class:`Digest`). :func:`payload_digest_of` gives the payload
  digest a response record would get for a body (its bytes, or the file
  holding them), so a new body can be compared with the last capture before
  anything is written; :func:`file_sha256` is the hex SHA-256 of a file (what
  the archive records of each closed WARC file, and what ``archiver verify``
  checks it against).
* **The gzip member** of one record (:class:`Member`): deflated with a
  window sized for the bytes it will deflate (:func:`_window_bits`), then,
  for a body sent compressed (:func:`body_is_compressed`), in stored blocks.
* **Header values and heads**: :func:`warc_date` (UTC, with microseconds),
  :func:`new_record_id`, and the HTTP heads as stored in a record
  (:func:`response_head`, :func:`request_head`).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import struct
import uuid
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from . import deflate
from .files import open_regular
from .models import Hop

DIGEST_ALGORITHM = "sha256"
ORIG_HEADER_PREFIX = "X-Archive-Orig-"
#: The stored name of a response's Transfer-Encoding (lower case), which the
#: record's de-chunked payload no longer carries.
STORED_TRANSFER = ORIG_HEADER_PREFIX.lower() + "transfer-encoding"
CHUNK = 1024 * 1024


#: The digest's constructor itself (``hashlib.new`` looks it up by name each time).
_NEW_DIGEST = getattr(hashlib, DIGEST_ALGORITHM)


class Digest:
    """A running digest that prints the way warcio prints it."""

    def __init__(self) -> None:
        self._h = _NEW_DIGEST()

    def update(self, data: bytes) -> None:
        self._h.update(data)

    def __str__(self) -> str:
        return f"{DIGEST_ALGORITHM}:{base64.b32encode(self._h.digest()).decode('ascii')}"


def _window_bits(size: int) -> int:
    """The smallest deflate window (9 to 15 bits) that covers *size* bytes.

    A window bigger than the data compresses it no better, and the memory a
    compressor sets up grows with its window and hash table: in a loop that
    makes and drops one per record, zlib's defaults cost 37 us for a 1 KB
    head against 7-9 us at this size (within a cycle, where freed memory is
    reused at once, the difference is smaller). That is zlib's, for levels 5
    to 9; ISA-L's compressor (levels 1 to 4, see :mod:`archiver.deflate`)
    costs the same at any window.
    """
    return min(15, max(9, (size - 1).bit_length()))


#: The header of every gzip member the writer writes: deflate, no flags, no
#: time, no extra field, OS unknown. Readers check it: these ten bytes are
#: covered by no digest.
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"


class Member:
    """One gzip member written to *out*: deflated at *level* (with a window
    sized for the *size* bytes it will deflate), then, from
    :meth:`store_from_here` on, in stored blocks.

    The deflated part is flushed with ``Z_SYNC_FLUSH`` (byte aligned, no final
    block); stored blocks follow, written here, and an empty final stored
    block ends the stream. Any gzip reader reads the member as one.
    """

    _HEADER = GZIP_HEADER
    _LAST_BLOCK = b"\x01\x00\x00\xff\xff"  # final, stored, empty
    _STORED_MAX = 0xFFFF

    def __init__(self, out: IO[bytes], level: int, size: int) -> None:
        self.out = out
        self.crc = 0
        self.size = 0
        wbits = _window_bits(size)
        self._deflate: Any = deflate.compressobj(level, -wbits, min(8, wbits - 7))
        out.write(self._HEADER)

    def write(self, data: bytes) -> None:
        self.crc = deflate.codec.crc32(data, self.crc)  # ISA-L's: a third of zlib's time
        self.size += len(data)
        if self._deflate is not None:
            self.out.write(self._deflate.compress(data))
            return
        view = memoryview(data)
        for start in range(0, len(view), self._STORED_MAX):
            block = view[start : start + self._STORED_MAX]
            self.out.write(struct.pack("<BHH", 0, len(block), len(block) ^ 0xFFFF))
            self.out.write(block)

    def store_from_here(self) -> None:
        if self._deflate is not None:
            self.out.write(self._deflate.flush(zlib.Z_SYNC_FLUSH))
            self._deflate = None

    def finish(self) -> None:
        if self._deflate is not None:
            self.out.write(self._deflate.flush(zlib.Z_FINISH))
        else:
            self.out.write(self._LAST_BLOCK)
        self.out.write(struct.pack("<II", self.crc & 0xFFFFFFFF, self.size & 0xFFFFFFFF))


#: Content-Encodings whose bytes deflate cannot make smaller.
COMPRESSED_ENCODINGS = frozenset({"gzip", "x-gzip", "br", "deflate", "zstd", "compress"})


def body_is_compressed(hop: Hop) -> bool:
    """True when *hop*'s body is sent compressed (so the WARC stores it as it is)."""
    encoding = (hop.codings() or "").strip().lower()
    return bool(encoding) and encoding.split(",")[-1].strip() in COMPRESSED_ENCODINGS


def iter_body(body: bytes | Path | None) -> Iterator[bytes]:
    """The chunks of *body*: bytes as they are, a file read in chunks."""
    if body is None:
        return
    if isinstance(body, bytes):
        if body:
            yield body
        return
    with open_regular(body) as fh:  # (a FIFO or a device in a WARC file's place)
        while True:
            buf = fh.read(CHUNK)
            if not buf:
                return
            yield buf


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of the file at *path*, streamed (what the archive records of
    each closed WARC file, and what ``archiver verify`` checks it against)."""
    h = hashlib.sha256()
    for buf in iter_body(path):
        h.update(buf)
    return h.hexdigest()


def payload_digest_of(body: bytes | Path | None) -> str:
    """The payload digest a response record would get for *body* (its bytes, or
    the file holding them; *None*: an empty body). Streams a file; never loads
    it whole.
    """
    d = Digest()
    for buf in iter_body(body):
        d.update(buf)
    return str(d)


def warc_date(when: dt.datetime) -> str:
    """A WARC/1.1 date: UTC, with microseconds (``2026-11-25T14:00:00.123456Z``)."""
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC).replace(tzinfo=None)
    return when.isoformat(timespec="microseconds") + "Z"


def new_record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


def _encode_header(text: str) -> bytes:
    """Header text back to the bytes it came from (latin-1, else UTF-8)."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def check_field(value: str) -> str:
    if "\r" in value or "\n" in value:  # a header injection, never a valid value
        raise ValueError(f"line break in a WARC header value: {value!r}")
    return value


#: The start of a Transfer-Encoding header line of a head.
_TRANSFER_ENCODING = re.compile(rb"^(?=transfer-encoding[ \t]*:)", re.IGNORECASE | re.MULTILINE)


def response_head(hop: Hop) -> bytes:
    """Status line and headers of *hop*'s response, as stored in the record:
    the bytes received, but for the name of Transfer-Encoding (the body is
    stored de-chunked); rebuilt from the parsed fields when they are not known."""
    if hop.raw_head is not None:
        return _TRANSFER_ENCODING.sub(ORIG_HEADER_PREFIX.encode("ascii"), hop.raw_head)
    lines = [_encode_header(f"{hop.http_version} {hop.status} {hop.reason_phrase}")]
    for name, value in hop.response_headers:  # the raw headers, in order
        if name.lower() == "transfer-encoding":
            name = ORIG_HEADER_PREFIX + name
        lines.append(_encode_header(name) + b": " + _encode_header(value))
    return b"\r\n".join(lines) + b"\r\n\r\n"


def request_head(hop: Hop) -> bytes:
    """Request line and headers of *hop*, as sent."""
    parts = urlsplit(hop.url)
    target = parts.path or "/"
    if parts.query or hop.url.partition("#")[0].endswith("?"):  # "/a?" is sent as such
        target += "?" + parts.query
    # every request is sent as HTTP/1.1 (HTTP/2 is off), whatever the answer says
    lines = [f"{hop.method} {target} HTTP/1.1".encode("latin-1")]
    for name, value in hop.request_headers:
        lines.append(_encode_header(name) + b": " + _encode_header(value))
    return b"\r\n".join(lines) + b"\r\n\r\n"
