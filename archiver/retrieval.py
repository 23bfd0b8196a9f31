"""Reading the archive back: get and verify (the WACZ and the pywb collection
are :mod:`archiver.collection`).

Everything here reads WARC files by location (file, offset, length) as the
store recorded them; the store itself is another module's business. A file
is looked for under its final name and, while its writer still has it open,
under ``NAME.open``.

A record that cannot be read (file missing, bytes changed, gzip member cut
short, wrong record at the offset) raises :class:`RecordError`, which callers
report and skip: an auditor never sees a traceback. Reading a record for an
auditor (:func:`read_payload`, :func:`read_http_head`, :func:`copy_records`)
checks it as ``verify`` does first: its block and payload digests must match
its bytes and the digests the store recorded, else :class:`DigestError`, and
nothing is written. What is checked of one record (each fault a
:class:`~archiver.recordcheck.Problem`) is :mod:`archiver.recordcheck`'s;
this module reads the records it checks, and walks the files for ``verify``.

Revisits: a ``revisit`` record holds headers only. :func:`read_payload` takes
the location of the original response as ``original=`` (the store knows it,
from ``WARC-Refers-To``); it checks that the original is the record the
revisit refers to and that the payload digests agree.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any, BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord

from .codings import codings_to_undo, undo_codings
from .exceptions import ArchiverError
from .files import open_regular
from .models import body_codings
from .recordcheck import Problem, and_the_member, check_member
from .warc import (
    OPEN_SUFFIX,
    WARC_SUFFIX,
    RecordLocation,
)
from .warcparts import GZIP_HEADER, STORED_TRANSFER
from .warcread import MemberError, complete_record, parse_warc_head

LOGGER = logging.getLogger(__name__)

_CHUNK = 1024 * 1024
_SPOOL_MAX = 4 * 1024 * 1024


class RecordError(ArchiverError):
    """A WARC record cannot be read: missing file, corrupt or truncated bytes."""

    def __init__(self, message: str, *, filename: str | None = None,
                 offset: int | None = None) -> None:
        self.filename = filename
        self.offset = offset
        self.message = message  # without the place
        where = "" if filename is None else f"{filename}: " if offset is None \
            else f"{filename}@{offset}: "
        super().__init__(where + message)


class UndecodablePayload(RecordError):
    """A record read back intact whose payload does not decode (the server sent
    it damaged): it can be had as captured, not decoded."""


class DigestError(RecordError):
    """A record's bytes do not match its digests (or the digests the store recorded)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.kinds = tuple(p.kind for p in problems)  # block-digest, payload-digest
        super().__init__("; ".join(p.message for p in problems),
                         filename=problems[0].filename, offset=problems[0].offset)


# --------------------------------------------------------------------------
# locating and reading one record


#: Why a WARC file named by a path is not read (see :func:`in_warc_dir`).
NAMED_BY_A_PATH = "not the name of a WARC file of this archive, but a path"


def is_warc_name(name: str) -> bool:
    """Whether *name* can name a WARC file of the archive: a file name, never a path."""
    return bool(name) and name not in (".", "..") and Path(name).name == name \
        and "\\" not in name and "\x00" not in name


def in_warc_dir(warc_dir: Path, name: str) -> Path:
    """``warc_dir / name`` for a WARC file *name* as the database records one.
    A name that is a path ("../x", as a damaged or crafted database may hold)
    is a :class:`RecordError`: a file outside the archive is never read as one
    of its own."""
    if not is_warc_name(name):
        raise RecordError(NAMED_BY_A_PATH, filename=name)
    return Path(warc_dir) / name


def warc_path(warc_dir: Path, filename: str) -> Path:
    """The file holding *filename*: ``NAME``, else ``NAME.open``; RecordError if neither."""
    path = in_warc_dir(warc_dir, filename)
    if path.exists():
        return path
    open_path = path.with_name(path.name + OPEN_SUFFIX)
    if open_path.exists():
        return open_path
    raise RecordError("WARC file not found", filename=filename)


def open_warc(warc_dir: Path, filename: str) -> io.BufferedReader:
    """The file holding *filename* (:func:`warc_path`), opened for reading.

    ``NAME.open`` found, then gone when opened, is ``NAME``: its writer closed it
    meanwhile (a file is only ever renamed from ``NAME.open`` to ``NAME``), so it
    is looked for again, once, under that name."""
    path = warc_path(warc_dir, filename)
    try:
        return open_regular(path)  # (a FIFO or a device would be read for ever)
    except FileNotFoundError:
        if path.name == filename:
            raise RecordError("WARC file not found", filename=filename) from None
    try:
        return open_regular(path.with_name(filename))
    except FileNotFoundError:
        raise RecordError("WARC file not found", filename=filename) from None


def _inflate_member(warc_dir: Path, loc: RecordLocation,
                    keep: IO[bytes] | None = None,
                    problems: list[Problem] | None = None) -> IO[bytes]:
    """The uncompressed bytes of the record at *loc*, in a spooled temp file.

    *keep*, when given, receives the member's compressed bytes as they are read.
    *problems*, when given, gets a ``record-digest`` problem when the member's
    SHA-256 is not the one recorded when it was written (``loc.sha256``).
    """
    out = tempfile.SpooledTemporaryFile(max_size=_SPOOL_MAX)
    sha = hashlib.sha256() if loc.sha256 else None
    try:
        with open_warc(warc_dir, loc.filename) as fh:
            size = os.fstat(fh.fileno()).st_size
            if loc.offset >= size:
                raise RecordError(f"the file ends at {size}, before this record (cut short)",
                                  filename=loc.filename, offset=loc.offset)
            fh.seek(loc.offset)
            if fh.read(len(GZIP_HEADER)) != GZIP_HEADER:  # covered by no digest
                raise RecordError("the gzip header of the member differs from the one "
                                  "written", filename=loc.filename, offset=loc.offset)
            fh.seek(loc.offset)
            dec = zlib.decompressobj(zlib.MAX_WBITS + 16)
            left = loc.length
            while left > 0 and not dec.eof:
                data = fh.read(min(_CHUNK, left))
                if not data:
                    raise RecordError("gzip member cut short", filename=loc.filename,
                                      offset=loc.offset)
                left -= len(data)
                if keep is not None:
                    keep.write(data)
                if sha is not None:
                    sha.update(data)
                while True:  # at most _CHUNK inflated bytes at a time, however compressible
                    piece = dec.decompress(data, _CHUNK)
                    out.write(piece)
                    data = dec.unconsumed_tail
                    if dec.eof or (not data and len(piece) < _CHUNK):
                        break
            if not dec.eof:
                raise RecordError("gzip member incomplete", filename=loc.filename,
                                  offset=loc.offset)
            if left or dec.unused_data:
                raise RecordError("gzip member length differs from the recorded length",
                                  filename=loc.filename, offset=loc.offset)
            if sha is not None and problems is not None and sha.hexdigest() != loc.sha256:
                problems.append(Problem(
                    loc.filename, loc.offset, "record-digest",
                    "the record's bytes are not those written: the SHA-256 of its gzip member "
                    "differs from the one recorded (a WARC header no other digest covers, or "
                    "how it is compressed)"))
    except zlib.error as exc:
        out.close()
        raise RecordError(f"gzip member corrupt: {exc}", filename=loc.filename,
                          offset=loc.offset) from None
    except OSError as exc:
        out.close()
        raise RecordError(f"cannot read: {exc.strerror or exc}", filename=loc.filename,
                          offset=loc.offset) from None
    except RecordError:
        out.close()
        raise
    out.seek(0)
    return out


def _checked_member(warc_dir: Path, loc: RecordLocation,
                    keep: IO[bytes] | None = None) -> IO[bytes]:
    """:func:`_inflate_member`, once the record passes every check of ``verify``
    (:func:`archiver.recordcheck.check_member`).

    The checks run on the inflated copy that is then returned, so the bytes a
    caller reads are the bytes checked. Raises :class:`DigestError` (or
    :class:`RecordError`) at the first problem found.
    """
    whole: list[Problem] = []
    raw = _inflate_member(warc_dir, loc, keep, whole)
    try:
        problems = and_the_member(whole, check_member(raw, loc))
        for p in problems:
            if not p.kind.endswith("-digest"):
                raise RecordError(p.message, filename=p.filename, offset=p.offset)
        if problems:
            raise DigestError(problems)
        raw.seek(0)
    except BaseException:
        raw.close()
        raise
    return raw


@contextlib.contextmanager
def open_record(warc_dir: Path, loc: RecordLocation) -> Iterator[ArcWarcRecord]:
    """The warcio record at *loc* (a context manager; the record streams from a temp file).

    Raises :class:`RecordError` when the bytes there are not the recorded record,
    :class:`DigestError` when they do not match their digests.
    """
    raw = _checked_member(warc_dir, loc)
    try:
        try:
            record = next(iter(ArchiveIterator(raw, ensure_http_headers=False)))
        except (ArchiveLoadFailed, StopIteration, ValueError) as exc:
            raise RecordError(f"not a WARC record: {exc}", filename=loc.filename,
                              offset=loc.offset) from None
        yield record  # its WARC-Record-ID was checked with the digests, on these bytes
    finally:
        raw.close()


#: Bytes of an HTTP head read back, at most (the fetcher takes 100 KiB).
_MAX_HTTP_HEAD = 256 * 1024


def read_http_head(warc_dir: Path, loc: RecordLocation) -> bytes:
    """The status line and header lines of a response or revisit record, as stored:
    its bytes, up to and with the blank line that ends them."""
    raw = _checked_member(warc_dir, loc)
    try:
        headers, head_len = parse_warc_head(raw.read(64 * 1024))
        raw.seek(head_len)
        block = raw.read(_MAX_HTTP_HEAD)
    except MemberError as exc:
        raise RecordError(str(exc), filename=loc.filename, offset=loc.offset) from None
    finally:
        raw.close()
    end = block.find(b"\r\n\r\n")
    if headers.get("warc-type") not in ("response", "revisit") or end < 0:
        raise RecordError(f"a {loc.record_type} record has no HTTP head",
                          filename=loc.filename, offset=loc.offset)
    return block[:end + 4]


def _copy(src: IO[bytes] | Any, out: IO[bytes]) -> int:
    total = 0
    while True:
        buf = src.read(_CHUNK)
        if not buf:
            return total
        out.write(buf)
        total += len(buf)


def _payload_location(warc_dir: Path, loc: RecordLocation,
                      original: RecordLocation | None) -> RecordLocation:
    """The record holding the payload of the record at *loc*: itself, or for a
    revisit its *original*, once checked to be the response the revisit names."""
    if loc.record_type != "revisit":
        return loc
    if original is None:
        raise RecordError("a revisit has no payload of its own: the original response "
                          "is needed", filename=loc.filename, offset=loc.offset)
    with open_record(warc_dir, loc) as record:
        refers_to = record.rec_headers.get_header("WARC-Refers-To")
        digest = record.rec_headers.get_header("WARC-Payload-Digest")
    if refers_to and refers_to != original.record_id:
        raise RecordError(f"revisit refers to {refers_to}, not {original.record_id}",
                          filename=loc.filename, offset=loc.offset)
    if digest and original.payload_digest and digest != original.payload_digest:
        raise RecordError("revisit and original payload digests differ",
                          filename=loc.filename, offset=loc.offset)
    return original


@contextlib.contextmanager
def _response_record(warc_dir: Path, loc: RecordLocation, original: RecordLocation | None
                     ) -> Iterator[tuple[Any, str]]:
    """The response record whose payload *loc* (a revisit's: *original*) has,
    checked (:func:`open_record`), and the codings its payload carries (``""``
    for none); :class:`RecordError` for a record of another type."""
    loc = _payload_location(warc_dir, loc, original)
    with open_record(warc_dir, loc) as record:
        if record.rec_type != "response":
            raise RecordError(f"a {record.rec_type} record has no HTTP payload",
                              filename=loc.filename, offset=loc.offset)
        yield record, body_codings(record.http_headers.headers if record.http_headers else [],
                                   transfer=STORED_TRANSFER) or ""


def read_payload_start(warc_dir: Path, loc: RecordLocation, limit: int, *,
                       original: RecordLocation | None = None) -> tuple[bytes, str]:
    """The first *limit* bytes of the HTTP payload of the record at *loc*, as
    captured (still Content-Encoded), and the codings they carry (``"gzip"``;
    ``""`` for none), checked as :func:`read_payload` checks them: what a
    page's extraction reads (:func:`archiver.cpupool.extract_body`, which
    inflates no further than its limit: a body of a few hundred KB may inflate
    to gigabytes, and one cut short still gives what it holds)."""
    with _response_record(warc_dir, loc, original) as (record, encoding):
        pieces, left = [], max(0, limit)
        while left:
            piece = record.raw_stream.read(min(left, _CHUNK))
            if not piece:
                break
            pieces.append(piece)
            left -= len(piece)
        return b"".join(pieces), encoding


def read_payload(warc_dir: Path, loc: RecordLocation, out: BinaryIO, decoded: bool = False,
                 *, original: RecordLocation | None = None) -> int:
    """Write the HTTP payload of the record at *loc* to *out*; returns the bytes written.

    Raw (the default): exactly the bytes captured, still Content-Encoded.
    *decoded*: with the Content-Encoding (gzip, deflate, br) undone. For a
    revisit, *original* is the response it refers to (required). Nothing is
    written unless the record read (the revisit and its original) matches its
    digests, nor when *decoded* and the payload does not decode to its end
    (:func:`archiver.codings.undo_codings`: decoded once to check, then again
    to write).
    """
    with _response_record(warc_dir, loc, original) as (record, encoding):
        if not decoded:
            return _copy(record.raw_stream, out)
        try:
            todo = codings_to_undo(encoding)
        except ValueError:
            raise UndecodablePayload(
                f"the payload cannot be decoded: archiver cannot undo Content-Encoding "
                f"{encoding!r}; without --decoded it is written as captured",
                filename=loc.filename, offset=loc.offset) from None
        if not todo:  # nothing to undo
            return _copy(record.raw_stream, out)
        # Undone twice (to check it decodes to its end, then to write) rather than
        # into a spool: a captured body, capped, may inflate to more than a disk holds.
        with tempfile.SpooledTemporaryFile(max_size=_SPOOL_MAX) as payload:
            _copy(record.raw_stream, payload)

            def undone() -> Iterator[bytes]:
                payload.seek(0)
                return undo_codings(iter(lambda: payload.read(_CHUNK), b""), encoding)

            try:
                for _ in undone():
                    pass
            except ValueError as exc:
                raise UndecodablePayload(
                    f"the payload cannot be decoded: {exc}; without --decoded it is "
                    "written as captured", filename=loc.filename, offset=loc.offset) from None
            total = 0
            for piece in undone():
                out.write(piece)
                total += len(piece)
            return total


def check_records(warc_dir: Path, locs: Iterable[RecordLocation]) -> None:
    """Check each record at *locs* as :func:`copy_records` does, keeping nothing:
    :class:`RecordError` or :class:`DigestError` at the first problem."""
    for loc in locs:
        _checked_member(warc_dir, loc).close()


def copy_records(warc_dir: Path, locs: Iterable[RecordLocation], out: BinaryIO) -> int:
    """Write the stored (gzip) bytes of each record at *locs* to *out*: a valid WARC.

    Every record is checked (digests included) before anything is written; the
    bytes written are the compressed bytes that were checked.
    """
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_MAX) as kept:
        for loc in locs:
            _checked_member(warc_dir, loc, keep=kept).close()
        kept.seek(0)
        return _copy(kept, out)


# --------------------------------------------------------------------------
# verify


def _verify_one(warc_dir: Path, loc: RecordLocation) -> list[Problem]:
    whole: list[Problem] = []
    try:
        raw = _inflate_member(warc_dir, loc, problems=whole)
    except RecordError as exc:
        return [Problem(loc.filename, loc.offset, "unreadable", exc.message)]
    with raw:
        return and_the_member(whole, check_member(raw, loc))


def verify_records(warc_dir: Path, expected: Iterable[RecordLocation]) -> list[Problem]:
    """Recompute the block and payload digests of each record and compare with the stored ones.

    Checks that the record at each location is the recorded one, that its
    digest headers are the recorded digests, and that the bytes match them.
    (A revisit's payload digest names its original's payload: it is compared
    with the recorded value, and checked by verifying the original.)
    """
    problems: list[Problem] = []
    for loc in expected:
        problems += _verify_one(Path(warc_dir), loc)
    return problems


def _locate_change(warc_dir: Path, name: str, known: set[int] | None = None
                   ) -> tuple[int | None, str]:
    """Where a file whose SHA-256 changed differs from what the writer wrote, as far
    as the file itself tells: the first member whose gzip header is not the
    writer's, that is not one whole record, or whose record does not match its own
    digests (the warcinfo record too, which no database row names); with *known*
    (the offsets of the file's records that the database names), the first
    record there that it does not name, or the first it names past the file's end."""
    offset = 0
    with open_warc(warc_dir, name) as fh:
        size = os.fstat(fh.fileno()).st_size
        while offset < size:
            if known is not None and offset and offset not in known:
                return offset, "the record there is not one the archive database names " \
                    "(added to the file, or its row taken out of the database)"
            fh.seek(offset)
            if fh.read(len(GZIP_HEADER)) != GZIP_HEADER:
                return offset, "the gzip header of the member there differs from the one written"
            try:
                end, head = complete_record(fh, offset)  # (one read of the member)
            except MemberError as exc:
                return offset, f"the member there is not one whole record ({exc})"
            own = RecordLocation(name, offset, end - offset, head.get("warc-record-id", ""),
                                 head.get("warc-type", ""), head.get("warc-block-digest", ""),
                                 head.get("warc-payload-digest"))
            if any(p.kind.endswith("-digest") for p in _verify_one(warc_dir, own)):
                return offset, "the record there does not match its own digests"
            offset = end
    beyond = sorted(o for o in known or () if o >= size)
    if beyond:
        return beyond[0], f"the file ends at {size}, before the record the archive " \
            "database names there (cut short)"
    return None, "every record in it is whole and matches its digests: the change is in " \
        "bytes no record digest covers (a WARC header such as WARC-IP-Address or " \
        "WARC-Refers-To-Date, or how the records are compressed), or the recorded SHA-256 " \
        "is not the one written"


def unnamed_records(warc_dir: Path, name: str, named: Iterable[tuple[int, int]]
                    ) -> list[Problem]:
    """The records of the closed WARC file *name* that the database does not
    name, *named* being the (offset, length) of those it does: every record
    but the warcinfo that opens the file, for a file whose every record has a
    row (``warc_files.rows_complete``). Only the bytes between the named
    records are read (one record a gap, normally: none)."""
    problems: list[Problem] = []
    try:
        with open_warc(warc_dir, name) as fh:
            size = os.fstat(fh.fileno()).st_size
            at = 0
            for offset, length in [*sorted(named), (size, 0)]:
                while at < offset:
                    try:
                        end, head = complete_record(fh, at)
                    except MemberError as exc:
                        problems.append(Problem(name, at, "unnamed", (
                            f"{offset - at} bytes no row of the archive database names, "
                            f"which are not one whole record ({exc})")))
                        break
                    if at or head.get("warc-type") != "warcinfo":
                        problems.append(Problem(name, at, "unnamed", (
                            f"a {head.get('warc-type')} record of "
                            f"{head.get('warc-target-uri')} dated {head.get('warc-date')} "
                            "that no row of the archive database names (its row taken "
                            "out of the database?)")))
                    at = end
                at = max(at, offset + length)
    except RecordError as exc:
        problems.append(Problem(name, None, "missing", str(exc)))
    except OSError as exc:
        problems.append(Problem(name, None, "unreadable", f"cannot read: {exc.strerror}"))
    return problems


def verify_files(warc_dir: Path, expected: dict[str, str],
                 known: Callable[[str], set[int]] | None = None) -> list[Problem]:
    """Compare each closed WARC file's SHA-256 with the recorded one (*expected*: name -> hex).

    *known*: the offsets of a file's records that the database names, asked for
    a changed file to say where it differs (see :func:`_locate_change`).

    Reports files missing, changed, and closed ``*.warc.gz`` files that were
    never recorded. Files still open (``.open``) and crash leftovers
    (``.broken``) are not closed files and are not reported; but a file whose
    SHA-256 is recorded is checked under ``NAME.open`` while it is found so:
    its writer records it, then renames it (a cycle that stopped in between
    left it so, for the next start to rename).
    """
    warc_dir = Path(warc_dir)
    problems: list[Problem] = []
    for name, sha in sorted(expected.items()):
        if not is_warc_name(name):
            problems.append(Problem(name, None, "unreadable", NAMED_BY_A_PATH))
            continue
        try:
            with open_warc(warc_dir, name) as fh:
                now = hashlib.file_digest(fh, "sha256").hexdigest()
        except RecordError:
            problems.append(Problem(name, None, "missing", "recorded WARC file is missing"))
            continue
        except OSError as exc:
            problems.append(Problem(name, None, "unreadable", f"cannot read: {exc.strerror}"))
            continue
        if now.lower() != sha.lower():
            offset, where = _locate_change(warc_dir, name, None if known is None else known(name))
            problems.append(Problem(name, offset, "changed", f"sha256 is {now}, {sha} was "
                                    f"recorded when it was closed; {where}"))
    for path in sorted(warc_dir.glob("*" + WARC_SUFFIX)):
        if path.name not in expected:
            problems.append(Problem(path.name, None, "unrecorded",
                                    "WARC file not recorded in the archive database"))
    return problems
