"""Content-Encoding undone: gzip, deflate and brotli, bounded or strict.

:func:`decode_content` prepares a body for extraction: it never raises, stops
at a limit of decoded bytes, and hands back a body that cannot be decoded as
it came. :func:`undo_encoding` is for a copy handed to a person (``archiver
get --decoded``): it streams, and raises :class:`DamagedEncoding` when the
stream is damaged or cut short. The WARC always keeps the bytes as sent.

Example::

    body, truncated = decode_content(raw, "gzip", limit=20 * 1024 * 1024)
    written = undo_encoding(src, "br, gzip", out)
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from .deflate import ERRORS as _INFLATE_ERRORS
from .deflate import codec as _codec

LOGGER = logging.getLogger(__name__)

#: Bytes of input handed to a decompressor at a time.
_CHUNK = 16 * 1024
#: Most bytes :func:`undo_encoding` takes from the brotli decoder at a time.
_OUTPUT_STEP = 1024 * 1024

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


#: The first byte that is not NUL padding between gzip members.
_NOT_NUL = re.compile(rb"[^\0]")


def _inflate(data: bytes, wbits: int, out: _Output) -> bool:
    """zlib/gzip/raw deflate into *out*; True when the stream was well formed.

    Concatenated gzip members are all inflated, as browsers and curl do: each
    starts where the one before ended, in the same piece of input or a later one.
    """
    view = memoryview(data)
    pos = 0  # where the member being inflated began; then, the input read so far
    while pos < len(data):
        decomp = _codec.decompressobj(wbits)
        try:
            while not decomp.eof and pos < len(data):
                buf: bytes | memoryview = view[pos : pos + _CHUNK]
                pos += len(buf)
                while buf:
                    if out.room <= 0:
                        out.truncated = True
                        return True
                    out.add(decomp.decompress(buf, out.room))
                    buf = decomp.unconsumed_tail
                    if decomp.eof:
                        break
            if not decomp.eof:
                out.add(decomp.flush())
                return False  # stream ended early: truncated download
        except _INFLATE_ERRORS:
            return False
        pos -= len(decomp.unused_data)  # the rest of the last piece read is the next member's
        if wbits != 31:
            return True
        found = _NOT_NUL.search(data, pos)
        if found is None:
            return True
        pos = found.start()
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
    undoing = _Undoing(coding)
    while chunk := src.read(_CHUNK):
        for piece in undoing.feed(chunk):
            if out is not None:
                out.write(piece)
    undoing.end()
    return undoing.total


def undo_codings(chunks: Iterable[bytes], encoding: str) -> Iterator[bytes]:
    """The bytes of *chunks* with every coding of *encoding* undone, the last
    applied first ("gzip, br": brotli, then gzip), streamed: memory stays a
    few chunks whatever the codings. As strict as :func:`undo_encoding`
    (:class:`DamagedEncoding` where the body turns out damaged or cut short);
    ``ValueError``, before anything is read, for a coding not in
    :data:`STREAM_CODINGS`."""
    pieces: Iterator[bytes] = iter(chunks)
    for coding in codings_to_undo(encoding):
        pieces = _undone(pieces, coding)
    return pieces


def codings_to_undo(encoding: str) -> list[str]:
    """The codings of *encoding* ("gzip, br") to undo, in the order they are
    undone (the last applied first), ``identity`` left out; ``ValueError`` for
    a coding not in :data:`STREAM_CODINGS`."""
    codings = [c.strip().lower() for c in reversed(encoding.split(","))]
    codings = [c for c in codings if c not in ("", "identity", "none")]
    for coding in codings:
        if coding not in STREAM_CODINGS:
            raise ValueError(f"cannot undo Content-Encoding {coding!r}")
    return codings


def _undone(chunks: Iterator[bytes], coding: str) -> Iterator[bytes]:
    undoing = _Undoing(coding)
    for chunk in chunks:
        yield from undoing.feed(chunk)
    undoing.end()


class _Undoing:
    """One coding of :data:`STREAM_CODINGS` undone, a chunk at a time, strictly."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self.total = 0  # bytes decoded
        self._gzip = coding in ("gzip", "x-gzip")
        self._brotli = coding == "br"
        self._identity = coding in ("identity", "none", "")
        self._decomp: Any = None  # made at the first bytes (deflate's wrapping is seen there)
        self._finished = self._identity

    def feed(self, chunk: bytes) -> Iterator[bytes]:
        """The bytes *chunk* decodes to, in pieces of at most a megabyte (16 KB
        of brotli can give gigabytes, of gzip 16 MB)."""
        try:
            for piece in self._decode(chunk):
                if piece:
                    self.total += len(piece)
                    yield piece
        except Exception as exc:  # zlib.error, brotli.error: a damaged stream
            raise DamagedEncoding(f"the {self.coding} stream is damaged after {self.total} "
                                  f"decoded bytes ({exc})", self.total) from None

    def _decode(self, chunk: bytes) -> Iterator[bytes]:
        if self._identity:
            yield chunk
            return
        if self._brotli:
            if self._decomp is None:  # Google's module: brotli is a dependency
                self._decomp = _brotli()[0].Decompressor()
            if not self._finished:
                piece = self._decomp.process(chunk, output_buffer_limit=_OUTPUT_STEP)
                yield piece
                while piece and not self._decomp.is_finished():  # what the chunk holds
                    piece = self._decomp.process(b"", output_buffer_limit=_OUTPUT_STEP)
                    yield piece
                self._finished = bool(self._decomp.is_finished())
            return
        while chunk:
            if self._finished:
                if not self._gzip:
                    return  # after a deflate stream's end: ignored
                chunk = chunk.lstrip(b"\0")
                if not chunk:
                    return
                self._decomp, self._finished = None, False  # another gzip member
            if self._decomp is None:
                wbits = 31 if self._gzip else 15 if _zlib_wrapped(chunk) else -15
                self._decomp = _codec.decompressobj(wbits)
            decomp = self._decomp
            piece = decomp.decompress(chunk, _OUTPUT_STEP)
            yield piece
            # what the chunk holds, a step at a time (a chunk can inflate a thousandfold)
            while not decomp.eof and (decomp.unconsumed_tail or len(piece) == _OUTPUT_STEP):
                piece = decomp.decompress(decomp.unconsumed_tail, _OUTPUT_STEP)
                yield piece
            self._finished = decomp.eof
            chunk = decomp.unused_data if self._finished else b""

    def end(self) -> None:
        """The body ended: :class:`DamagedEncoding` when its coding did not."""
        if not self._finished and self._decomp is not None:  # (no bytes at all: nothing)
            raise DamagedEncoding(f"the {self.coding} stream is cut short after {self.total} "
                                  "decoded bytes", self.total)
