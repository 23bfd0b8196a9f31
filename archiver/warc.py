"""The WARC writer: gzip-per-record WARC/1.1 files, record locations.

Reading the files back and recovering the ones a crash left open are in
``warcread.py``; the parts a record is made of (digests, the gzip member,
header values and HTTP heads) in ``warcparts.py``.

Files are named ``{prefix}-{YYYYMMDDhhmmssffffff}-{serial:05d}.warc.gz``. A file
is written as ``NAME.warc.gz.open`` and renamed to ``NAME.warc.gz`` when it is
closed (its SHA-256 recorded by the caller first: see
:meth:`WarcWriter.close`); it starts with a ``warcinfo`` record and rolls over once it passes
``WarcSettings.max_file_bytes``. Nothing is ever rewritten: records are
appended, and only the unfinished tail of an ``.open`` file may be cut (after a
failed write, or by :func:`warcread.recover` after a crash).

Conventions (what an auditor reading the files should know):

* **Digests** are SHA-256, written the way warcio writes them:
  ``sha256:`` + base32 (``warcio check`` verifies them). The payload digest is
  computed over the entity body exactly as received: still Content-Encoded
  (gzip stays gzip), with transfer coding removed.
  :func:`warcparts.payload_digest_of` computes the same value for a body
  file, so a new body can be compared with the last capture before anything
  is written.
* **HTTP headers** are stored byte for byte as received (``Hop.raw_head``:
  spacing, folded lines, a status line without reason), in order, with two
  exceptions. A head whose lines end in a bare LF has those line ends made
  CRLF, every line kept (readers find the payload after CRLF CRLF). And the body is
  stored de-chunked, so a ``Transfer-Encoding`` header
  is kept under the name ``X-Archive-Orig-Transfer-Encoding`` (pywb's prefix
  for original headers), in its place. A record that still said ``chunked``
  over a de-chunked body would be replayed by guesswork: warcio's and pywb's
  ``ChunkedDataReader`` try to de-chunk it and corrupt any body whose first line
  happens to look like a chunk size (``tests/test_replay.py`` shows it).
* **WARC-Date** is the time the request was sent, with microseconds.
* A **truncated** body carries ``WARC-Truncated`` with WARC 1.1's word for why
  (:func:`warc_truncated`): ``length`` (the size cap), ``time`` (the total
  timeout) or ``disconnect`` (the connection broke mid-body, which the
  database calls ``error``; an earlier version wrote that word in the record).
* **Metadata** records (extracted headline and date, capture provenance) are
  JSON, filed under a ``urn:archiver:...`` target URI so that pywb never serves
  them in place of the page.

Durability: each record is built (compressed) in a temporary buffer and then
appended; on a write error the file is cut back to the start of that record and
:class:`~archiver.exceptions.StorageError` is raised. :meth:`WarcWriter.sync`
fsyncs the file; the pipeline calls it before committing database rows that
point at the records.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import logging
import os
import socket
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO

from .exceptions import StorageError
from .models import Hop
from .settings import WarcSettings
from .warcparts import (
    CHUNK,
    Digest,
    Member,
    body_is_compressed,
    check_field,
    iter_body,
    new_record_id,
    request_head,
    response_head,
    warc_date,
)

LOGGER = logging.getLogger(__name__)

WARC_VERSION = "WARC/1.1"
REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
OPEN_SUFFIX = ".open"
BROKEN_SUFFIX = ".broken"
WARC_SUFFIX = ".warc.gz"
_SPOOL_MAX = 4 * 1024 * 1024

#: The WARC-Truncated value (WARC 1.1, 5.13: length | time | disconnect |
#: unspecified) of each reason a body is cut (``Hop.truncated_reason``, the word
#: the archive database keeps).
WARC_TRUNCATED = {"length": "length", "time": "time", "error": "disconnect"}

# The low-level append, a module attribute so tests can simulate a full disk.
_os_write = os.write


@dataclass(frozen=True)
class RecordLocation:
    """Where one WARC record lives: one seek and one gzip member."""

    filename: str  # relative to the warc dir: the FINAL name (without .open)
    offset: int  # of the record's gzip member
    length: int  # compressed length of the member
    record_id: str  # "<urn:uuid:...>"
    record_type: str  # warcinfo | request | response | revisit | metadata
    block_digest: str
    payload_digest: str | None
    # what the database says the record is of (checked when given): its
    # WARC-Target-URI, and its WARC-Date (ISO 8601)
    target_uri: str | None = None
    date: str | None = None
    refers_to: str | None = None  # a revisit's WARC-Refers-To: its original's record id
    # the SHA-256 (hex) of the gzip member as written: every byte of the record
    sha256: str | None = None
    # what the database says of the HTTP response in a response or revisit record
    # (checked when given): its status code; for a response, why its body was cut
    # (the database's word, :data:`WARC_TRUNCATED`; "" when it was not: no
    # WARC-Truncated) and the body's size in bytes
    http_status: int | None = None
    truncated: str | None = None
    body_size: int | None = None
    # ... and of the exchange (checked when given; "" when absent): the address
    # connected to (WARC-IP-Address), the HTTP Content-Type and Location
    ip: str | None = None
    content_type: str | None = None
    http_location: str | None = None


# --------------------------------------------------------------------------
# small helpers


def warc_truncated(reason: str) -> str:
    """The WARC-Truncated value of a body cut for *reason* (:data:`WARC_TRUNCATED`)."""
    return WARC_TRUNCATED.get(reason, "unspecified")


def fsync_dir(directory: Path) -> None:
    """Make a rename durable (best effort: not every platform can fsync a folder)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --------------------------------------------------------------------------
# records: what each one holds, specified apart from the file it goes to


@dataclass(frozen=True)
class RecordSpec:
    """One record to build: its WARC headers (digests and length are added
    when built), then *head* (an HTTP head, or a whole block) and *body*
    (bytes, a file, or none). *payload*: the record has a payload digest
    (*payload_digest* when the caller has it). *store_body*: the body is
    already compressed, and is stored in the gzip member without deflating
    it again."""

    headers: list[tuple[str, str]]
    head: bytes
    body: bytes | Path | None = None
    payload: bool = False
    payload_digest: str | None = None
    store_body: bool = False


@dataclass(frozen=True)
class Record:
    """A record built and not yet written: its whole gzip member, and what its
    location will say of it."""

    member: bytes
    record_id: str
    record_type: str
    block_digest: str
    payload_digest: str | None


def _build(spec: RecordSpec, level: int, out: IO[bytes]) -> tuple[str, str, str, str | None]:
    """Write *spec* to *out* as one gzip member; returns its record id and type,
    block digest and payload digest. The block digest covers the head and
    body; the payload digest the body only."""
    block_d = Digest()
    block_d.update(spec.head)
    payload_digest = spec.payload_digest
    payload_d = Digest() if spec.payload and payload_digest is None else None
    length = len(spec.head)
    for buf in iter_body(spec.body):
        block_d.update(buf)
        if payload_d is not None:
            payload_d.update(buf)
        length += len(buf)
    if payload_d is not None:
        payload_digest = str(payload_d)
    block_digest = str(block_d)
    all_headers = list(spec.headers)
    if payload_digest is not None:
        all_headers.append(("WARC-Payload-Digest", payload_digest))
    all_headers.append(("WARC-Block-Digest", block_digest))
    all_headers.append(("Content-Length", str(length)))
    warc_head = (WARC_VERSION + "\r\n" + "".join(
        f"{k}: {check_field(v)}\r\n" for k, v in all_headers) + "\r\n").encode("utf-8")
    deflated = len(warc_head) + (len(spec.head) if spec.store_body else length + 4)
    member = Member(out, level, deflated)
    member.write(warc_head)
    member.write(spec.head)
    if spec.store_body:  # already compressed: deflating again only costs CPU
        member.store_from_here()
    written = len(spec.head)
    for data in iter_body(spec.body):
        member.write(data)
        written += len(data)
    if written != length:
        assert isinstance(spec.body, Path)  # bytes cannot change
        raise StorageError(f"{spec.body}: the body file changed while it was written",
                           path=spec.body)
    member.write(b"\r\n\r\n")
    member.finish()
    fields = dict(spec.headers)
    return fields["WARC-Record-ID"], fields["WARC-Type"], block_digest, payload_digest


def _info_value(value: str) -> str:
    """A warcinfo field's value on one line of UTF-8: line breaks, and what a
    file name may hold that is no text (undecodable bytes), as Python escapes."""
    text = value.encode("utf-8", "backslashreplace").decode("utf-8")
    return text.replace("\r", "\\r").replace("\n", "\\n")


def warcinfo_spec(filename: str, software: str, fields: dict[str, str]) -> RecordSpec:
    """The ``warcinfo`` record that opens the WARC file *filename*: the
    software, the format and *fields* (empty values left out), as
    ``application/warc-fields``."""
    info = {"software": software, "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/"
                          "warc-format/warc-1.1/", **fields}
    block = "".join(f"{check_field(k)}: {_info_value(str(v))}\r\n"
                    for k, v in info.items() if v).encode("utf-8")
    headers = [
        ("WARC-Type", "warcinfo"),
        ("WARC-Record-ID", new_record_id()),
        ("WARC-Date", warc_date(dt.datetime.now(dt.UTC))),
        ("WARC-Filename", filename),
        ("Content-Type", "application/warc-fields"),
    ]
    return RecordSpec(headers, block)


def build(spec: RecordSpec, level: int) -> Record:
    """*spec* built in memory, gzip *level* (for a body in memory, or none): in
    a worker process, say, for the parent to :meth:`WarcWriter.write`."""
    out = io.BytesIO()
    record_id, record_type, block_digest, payload_digest = _build(spec, level, out)
    return Record(out.getvalue(), record_id, record_type, block_digest, payload_digest)


def _common(hop: Hop) -> list[tuple[str, str]]:
    """The headers the records of *hop* share; ``ValueError`` without a response."""
    if hop.status is None:
        raise ValueError(f"{hop.url}: no response to archive")
    common = [("WARC-Target-URI", check_field(hop.url)), ("WARC-Date", warc_date(hop.started))]
    if hop.ip:
        common.append(("WARC-IP-Address", hop.ip))
    return common


def _request_spec(hop: Hop, common: list[tuple[str, str]], concurrent_to: str) -> RecordSpec:
    return RecordSpec([("WARC-Type", "request"), ("WARC-Record-ID", new_record_id()), *common,
                       ("WARC-Concurrent-To", concurrent_to),
                       ("Content-Type", "application/http; msgtype=request")],
                      request_head(hop))


def exchange_specs(hop: Hop, *, payload_digest: str | None = None,
                   ) -> tuple[RecordSpec, RecordSpec]:
    """*hop* as a ``request`` and a ``response`` record.

    The body is ``hop.body`` (a file is streamed; none: an empty body). A hop
    without a response (``status is None``) has nothing to archive:
    ``ValueError``. *payload_digest*: the body's :func:`payload_digest_of`,
    when the caller already has it. A body sent compressed
    (``Content-Encoding``) is stored in the gzip member as it is, not
    deflated a second time.
    """
    common = _common(hop)
    response_id = new_record_id()
    headers = [("WARC-Type", "response"), ("WARC-Record-ID", response_id), *common,
               ("Content-Type", "application/http; msgtype=response")]
    if hop.truncated:
        headers.append(("WARC-Truncated", warc_truncated(hop.truncated_reason or "length")))
    return (_request_spec(hop, common, response_id),
            RecordSpec(headers, response_head(hop), hop.body, payload=True,
                       payload_digest=payload_digest, store_body=body_is_compressed(hop)))


def revisit_specs(hop: Hop, *, refers_to_uri: str, refers_to_date: str,
                  refers_to_record_id: str, payload_digest: str, with_request: bool = True,
                  ) -> tuple[RecordSpec | None, RecordSpec]:
    """*hop* as a ``request`` and an identical-payload-digest ``revisit``.

    The revisit holds the new status line and headers, no body; the body is
    the one of the record *refers_to_record_id* (captured at
    *refers_to_date*, its WARC-Date, from *refers_to_uri*). ``ValueError``
    for a hop without a response, as for :func:`exchange_specs`.
    *with_request* False gives the revisit alone (request None): a re-check
    of an unchanged page sends the request its capture sent.
    """
    common = _common(hop)
    revisit_id = new_record_id()
    revisit = RecordSpec([("WARC-Type", "revisit"), ("WARC-Record-ID", revisit_id), *common,
                          ("WARC-Profile", REVISIT_PROFILE),
                          ("WARC-Refers-To-Target-URI", check_field(refers_to_uri)),
                          ("WARC-Refers-To-Date", check_field(refers_to_date)),
                          ("WARC-Refers-To", check_field(refers_to_record_id)),
                          ("Content-Type", "application/http; msgtype=response")],
                         response_head(hop), payload_digest=payload_digest)
    return (_request_spec(hop, common, revisit_id) if with_request else None), revisit


def metadata_spec(target_uri: str, fields: dict[str, object], *,
                  concurrent_to: str | None = None, refers_to: str | None = None) -> RecordSpec:
    """A JSON ``metadata`` record about a capture.

    *target_uri* should be a ``urn:`` (e.g. ``urn:archiver:capture:<id>``):
    a metadata record filed under the page's own URL would be served by
    pywb instead of the page.
    """
    # one line: json's C encoder does not indent (indenting tripled the cost)
    block = json.dumps(fields, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")
    headers = [("WARC-Type", "metadata"), ("WARC-Record-ID", new_record_id()),
               ("WARC-Target-URI", check_field(target_uri)),
               ("WARC-Date", warc_date(dt.datetime.now(dt.UTC)))]
    if concurrent_to:
        headers.append(("WARC-Concurrent-To", check_field(concurrent_to)))
    if refers_to:
        headers.append(("WARC-Refers-To", check_field(refers_to)))
    headers.append(("Content-Type", "application/json"))
    return RecordSpec(headers, block)


# --------------------------------------------------------------------------
# the writer


class WarcWriter:
    """Append WARC records to rolling ``.warc.gz`` files in *directory*.

    Use as a context manager, or call :meth:`close`. Not thread-safe: one
    writer per archive, held under the archive lock.
    """

    def __init__(self, directory: Path, settings: WarcSettings, software: str,
                 operator_info: dict[str, str] | None = None,
                 on_open: Callable[[str], None] | None = None,
                 on_close: Callable[[str], None] | None = None) -> None:
        self.directory = Path(directory)
        self.on_open = on_open  # told the final name of each file opened, before it is written
        # told the final name of each file as it is closed: synced, still NAME.open,
        # renamed once it returns (see close)
        self.on_close = on_close
        self.settings = settings
        self.software = software
        self.operator_info = dict(operator_info or {})
        self.directory.mkdir(parents=True, exist_ok=True)
        self._fd: int | None = None
        self._name: str | None = None
        self._size = 0
        self._serial = 0
        self.closed_files: list[str] = []

    # -- files --------------------------------------------------------------
    @property
    def current_file(self) -> str | None:
        """Final name of the file being written, if one is open."""
        return self._name

    def _open_path(self) -> Path:
        assert self._name is not None
        return self.directory / (self._name + OPEN_SUFFIX)

    def _open_new(self) -> None:
        for _ in range(1000):
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S%f")
            name = f"{self.settings.prefix}-{stamp}-{self._serial:05d}{WARC_SUFFIX}"
            self._serial += 1
            if (self.directory / name).exists():
                continue
            try:
                fd = os.open(self.directory / (name + OPEN_SUFFIX),
                             os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                             0o644)
            except FileExistsError:
                continue
            except OSError as exc:
                raise StorageError(f"cannot create a WARC file in {self.directory}: "
                                   f"{exc.strerror or exc}", path=self.directory) from exc
            self._fd, self._name, self._size = fd, name, 0
            break
        else:  # pragma: no cover - a thousand name clashes
            raise StorageError("no free WARC file name", path=self.directory)
        if self.on_open is not None:
            self.on_open(name)
        self._write_warcinfo()

    def _ensure_file(self) -> None:
        if self._fd is not None and self._size >= self.settings.max_file_bytes:
            self.close()
        if self._fd is None:
            self._open_new()

    def _write_warcinfo(self) -> RecordLocation:
        assert self._name is not None
        return self._write(warcinfo_spec(self._name, self.software, {
            "hostname": socket.gethostname(), **self.operator_info}))

    # -- records ------------------------------------------------------------
    def _write(self, spec: RecordSpec) -> RecordLocation:
        """Build *spec* in a buffer (in memory, or a temporary file for a body
        in a file) and append it."""
        if not isinstance(spec.body, Path):
            return self._put(build(spec, self.settings.compression_level))
        try:
            with tempfile.SpooledTemporaryFile(max_size=_SPOOL_MAX) as buf_fh:
                record_id, record_type, block_digest, payload_digest = _build(
                    spec, self.settings.compression_level, buf_fh)
                buf_fh.seek(0)
                offset, member_len, sha = self._append(iter(lambda: buf_fh.read(CHUNK), b""))
        except OSError as exc:
            raise StorageError(f"cannot buffer a WARC record: {exc.strerror or exc}",
                               path=self._open_path()) from exc
        assert self._name is not None
        return RecordLocation(self._name, offset, member_len, record_id, record_type,
                              block_digest, payload_digest, sha256=sha)

    def write(self, first: RecordSpec | Record | None, second: RecordSpec | Record,
              ) -> tuple[RecordLocation | None, RecordLocation]:
        """Write *first* (if any) and *second* to one file: both, or neither.

        Each is a :class:`RecordSpec`, built here, or a :class:`Record` that
        :func:`build` made elsewhere.
        """
        self._ensure_file()
        if first is None:
            return None, self._put(second)
        written = self._put(first)
        with self._pair(written):
            return written, self._put(second)

    def _put(self, item: RecordSpec | Record) -> RecordLocation:
        if isinstance(item, RecordSpec):
            return self._write(item)
        offset, member_len, sha = self._append(iter((item.member,)))
        assert self._name is not None
        return RecordLocation(self._name, offset, member_len, item.record_id, item.record_type,
                              item.block_digest, item.payload_digest, sha256=sha)

    def _append(self, chunks: Iterator[bytes]) -> tuple[int, int, str]:
        """Append one record's member, in *chunks*; on failure cut the file back and
        raise. Returns its offset, its length and its SHA-256 (hex)."""
        assert self._fd is not None
        start = self._size
        total = 0
        sha = hashlib.sha256()
        try:
            for data in chunks:
                sha.update(data)
                view = memoryview(data)
                while view:
                    n = _os_write(self._fd, view)
                    view = view[n:]
                    total += n
        except OSError as exc:
            path = self._open_path()
            try:
                os.ftruncate(self._fd, start)
                os.lseek(self._fd, start, os.SEEK_SET)
            except OSError:  # pragma: no cover - the cut itself failed
                LOGGER.error("%s: could not cut back to %d after a failed write", path, start)
            raise StorageError(f"{path}: cannot write WARC record: {exc.strerror or exc}",
                               path=path) from exc
        self._size = start + total
        return start, total, sha.hexdigest()

    @contextlib.contextmanager
    def _pair(self, first: RecordLocation) -> Iterator[None]:
        """Cut the first record of a pair back off when the second cannot be written."""
        try:
            yield
        except StorageError:
            if self._fd is not None and self._size == first.offset + first.length:
                try:
                    os.ftruncate(self._fd, first.offset)
                    os.lseek(self._fd, first.offset, os.SEEK_SET)
                    self._size = first.offset
                except OSError:  # pragma: no cover - the cut itself failed
                    LOGGER.error("%s: could not cut an unpaired request record",
                                 self._open_path())
            raise

    def write_exchange(self, hop: Hop, *, payload_digest: str | None = None,
                       ) -> tuple[RecordLocation, RecordLocation]:
        """Write *hop* as a ``request`` and a ``response`` record (see
        :func:`exchange_specs`). Returns (request, response)."""
        request, response = self.write(*exchange_specs(hop, payload_digest=payload_digest))
        assert request is not None
        return request, response

    def write_revisit(self, hop: Hop, *, refers_to_uri: str, refers_to_date: str,
                      refers_to_record_id: str, payload_digest: str,
                      with_request: bool = True,
                      ) -> tuple[RecordLocation | None, RecordLocation]:
        """Write *hop* as a ``request`` and an identical-payload-digest ``revisit``
        (see :func:`revisit_specs`). Returns (request or None, revisit)."""
        return self.write(*revisit_specs(
            hop, refers_to_uri=refers_to_uri, refers_to_date=refers_to_date,
            refers_to_record_id=refers_to_record_id, payload_digest=payload_digest,
            with_request=with_request))

    def write_metadata(self, target_uri: str, fields: dict[str, object], *,
                       concurrent_to: str | None = None,
                       refers_to: str | None = None) -> RecordLocation:
        """Write a JSON ``metadata`` record about a capture (see :func:`metadata_spec`)."""
        return self.write(None, metadata_spec(target_uri, fields,
                                                    concurrent_to=concurrent_to,
                                                    refers_to=refers_to))[1]

    # -- durability -----------------------------------------------------------
    def sync(self) -> None:
        """Flush the open file to disk (fsync)."""
        if self._fd is not None:
            try:
                os.fsync(self._fd)
            except OSError as exc:
                raise StorageError(f"{self._open_path()}: cannot sync: {exc.strerror or exc}",
                                   path=self._open_path()) from exc

    def close(self) -> None:
        """Sync and close the file; tell :attr:`on_close`, then rename ``NAME.open``
        to ``NAME``. Idempotent.

        :attr:`on_close` records the file's SHA-256 before the rename: a file
        found under its final name is one whose SHA-256 is recorded, whenever the
        process dies. When it raises, the file stays ``NAME.open`` (the next
        start's recovery closes it) and the error propagates.
        """
        if self._fd is None:
            return
        open_path = self._open_path()
        assert self._name is not None
        name = self._name
        final = self.directory / name
        try:
            self.sync()
        finally:
            os.close(self._fd)
            self._fd, self._name, self._size = None, None, 0
        if self.on_close is not None:
            self.on_close(name)
        try:
            os.rename(open_path, final)
        except OSError as exc:
            raise StorageError(f"{open_path}: cannot rename to {final.name}: "
                               f"{exc.strerror or exc}", path=open_path) from exc
        fsync_dir(self.directory)
        self.closed_files.append(name)

    def __enter__(self) -> WarcWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
