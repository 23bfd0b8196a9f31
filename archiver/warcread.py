"""Reading WARC files back: gzip members, record heads, crash recovery.

Reads the gzip members the writer (``warc.py``) appends, one record each
(shared with retrieval and recovery): :func:`read_member` decompresses the
member at an offset, :func:`parse_warc_head` parses a record's WARC headers,
:func:`complete_record_end` finds where a complete record ends
(:func:`complete_record` with its headers too),
:func:`whole_records` how far a file holds complete records.

:func:`recover` closes the ``*.warc.gz.open`` files a crash left behind: each
is cut back to the end of its last complete record (a complete gzip member
holding a complete WARC record) and renamed to its final name;
:func:`prepare_archive` does so before a cycle. A file's SHA-256 is recorded
before it is renamed (:func:`vouch_for` as a cycle closes one,
:func:`record_closing` as the recovery does): a file under its final name has
its SHA-256 recorded, whenever the process dies. :func:`record_closed_files`
records those an earlier version left closed without one.
"""

from __future__ import annotations

import contextlib
import logging
import os
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING

from .exceptions import StorageError
from .warc import BROKEN_SUFFIX, OPEN_SUFFIX, WARC_SUFFIX, fsync_dir
from .warcparts import CHUNK, file_sha256

if TYPE_CHECKING:
    from .store import Store

LOGGER = logging.getLogger(__name__)


class MemberError(Exception):
    """A gzip member at this offset is absent, corrupt or incomplete."""


def read_member(fh: IO[bytes], offset: int, *, keep: int | None = None) -> tuple[int, int, bytes]:
    """Decompress the gzip member at *offset*: (compressed length, uncompressed length, data).

    *data* is the first *keep* uncompressed bytes (all when None). Raises
    :class:`MemberError` when the member is cut short or corrupt (gzip checks
    its CRC and length).
    """
    fh.seek(offset)
    dec = zlib.decompressobj(zlib.MAX_WBITS + 16)
    consumed = total = kept_len = 0
    kept: list[bytes] = []
    while not dec.eof:
        data = fh.read(CHUNK)
        if not data:
            raise MemberError(f"gzip member at {offset} is cut short")
        try:
            out = dec.decompress(data)
        except zlib.error as exc:
            raise MemberError(f"gzip member at {offset} is corrupt: {exc}") from None
        consumed += len(data) - len(dec.unused_data)
        total += len(out)
        if keep is None or kept_len < keep:
            piece = out if keep is None else out[:keep - kept_len]
            kept.append(piece)
            kept_len += len(piece)
    return consumed, total, b"".join(kept)


def parse_warc_head(data: bytes) -> tuple[dict[str, str], int]:
    """WARC headers (names lower-cased) and the header block's length."""
    end = data.find(b"\r\n\r\n")
    if not data.startswith(b"WARC/") or end < 0:
        raise MemberError("not a WARC record header")
    headers: dict[str, str] = {}
    for line in data[:end].split(b"\r\n")[1:]:
        name, sep, value = line.partition(b":")
        if not sep:
            raise MemberError(f"bad WARC header line {line[:80]!r}")
        headers.setdefault(name.decode("utf-8", "replace").strip().lower(),
                           value.decode("utf-8", "replace").strip())
    return headers, end + 4


def complete_record_end(fh: IO[bytes], offset: int) -> int:
    """End offset of the complete WARC record in the gzip member at *offset*."""
    return complete_record(fh, offset)[0]


def complete_record(fh: IO[bytes], offset: int) -> tuple[int, dict[str, str]]:
    """End offset and WARC headers of the complete record in the gzip member at *offset*."""
    consumed, total, head = read_member(fh, offset, keep=64 * 1024)
    headers, head_len = parse_warc_head(head)
    try:
        content_length = int(headers["content-length"])
    except (KeyError, ValueError):
        raise MemberError(f"record at {offset} has no valid Content-Length") from None
    if total != head_len + content_length + 4:
        raise MemberError(f"record at {offset} is {total} bytes, its headers say "
                          f"{head_len + content_length + 4}")
    return offset + consumed, headers


def whole_records(fh: IO[bytes], size: int) -> tuple[int, int, str | None]:
    """Read *fh*'s gzip members from its start up to *size*: the end offset of the
    last complete WARC record, the number of complete records, and what is
    wrong with the member after them (None when every member is whole)."""
    end = records = 0
    while end < size:
        try:
            end = complete_record_end(fh, end)
        except MemberError as exc:
            return end, records, str(exc)
        records += 1
    return end, records, None


def recover(directory: Path,
            record: Callable[[str, Path], None] | None = None) -> list[str]:
    """Close the ``*.warc.gz.open`` files a crash left behind in *directory*.

    Each is cut back to the end of its last complete record (a complete gzip
    member holding a complete WARC record) and renamed to its final name;
    *record*, when given, is told its final name and its path before the
    rename (to record its SHA-256: a crash between the two leaves it
    ``NAME.open``, closed again at the next start). A file with no complete
    record is renamed to ``NAME.warc.gz.broken`` (kept for inspection, never
    indexed) or, when empty, removed. Returns one message per file.
    """
    messages: list[str] = []
    directory = Path(directory)
    for open_path in sorted(directory.glob("*" + WARC_SUFFIX + OPEN_SUFFIX)):
        final = open_path.with_name(open_path.name[: -len(OPEN_SUFFIX)])
        size = open_path.stat().st_size
        with open(open_path, "rb") as fh:
            end, records, _ = whole_records(fh, size)
        if records == 0:
            if size == 0:
                open_path.unlink()
                messages.append(f"{open_path.name}: empty, removed")
            else:
                broken = open_path.with_name(final.name + BROKEN_SUFFIX)
                os.rename(open_path, broken)
                messages.append(f"{open_path.name}: no complete record in {size} bytes, "
                                f"renamed to {broken.name}")
            continue
        if final.exists():
            broken = open_path.with_name(final.name + BROKEN_SUFFIX)
            os.rename(open_path, broken)
            messages.append(f"{open_path.name}: {final.name} already exists, "
                            f"renamed to {broken.name}")
            continue
        if end < size:
            with open(open_path, "r+b") as fh:
                fh.truncate(end)
                fh.flush()
                os.fsync(fh.fileno())
            messages.append(f"{open_path.name}: kept {records} complete records, cut "
                            f"{size - end} bytes of an incomplete record, closed as {final.name}")
        else:
            messages.append(f"{open_path.name}: {records} complete records, "
                            f"closed as {final.name}")
        if record is not None:
            record(final.name, open_path)
        os.rename(open_path, final)
    fsync_dir(directory)
    return messages  # the caller logs them


# --------------------------------------------------------------------------
# the archive's folders, before and after a cycle

#: The names of the bodies the fetcher spills to ``tmp/`` (``tempfile.mkstemp``).
TEMP_BODY_PREFIX, TEMP_BODY_SUFFIX = "hop-", ".body"


def archive_paths(archive: Path) -> dict[str, Path]:
    return {"warc": archive / "warc", "tmp": archive / "tmp"}


def prepare_archive(archive: Path, store: Store | None = None) -> list[str]:
    """Recover what a crashed process left behind. Call with the archive lock held.

    With *store*, each WARC file a crashed cycle left open has its SHA-256
    recorded before it is renamed to its final name (see :func:`record_closing`)."""
    paths = archive_paths(archive)
    paths["warc"].mkdir(parents=True, exist_ok=True)
    messages = recover(paths["warc"], None if store is None else
                       lambda name, path: record_closing(store, name, path))
    paths["tmp"].mkdir(parents=True, exist_ok=True)
    # the bodies a crashed cycle left (the fetcher's "hop-*.body"), and nothing
    # else: a folder taken for an archive may hold the user's own tmp/
    for left in paths["tmp"].glob(f"{TEMP_BODY_PREFIX}*{TEMP_BODY_SUFFIX}"):
        with contextlib.suppress(OSError):
            if left.is_file() and not left.is_symlink():
                left.unlink()
    return messages


def record_closed_files(store: Store, warc_dir: Path) -> None:
    """Record the sha256 of every closed WARC file not yet recorded (for ``verify``)
    that a cycle opened (:meth:`Store.note_warc_file`) or that holds records of
    the archive's captures: the files a crashed cycle left, closed by an
    earlier version of archiver, which renamed a file before it recorded it. A
    file put there by anything else is never vouched for: ``verify`` and the
    replay keep calling it unrecorded."""
    known, opened = store.warc_files(), store.opened_warc_files()
    for path in sorted(warc_dir.glob("*.warc.gz")):
        if path.name in known or (
                path.name not in opened and not store.file_has_records(path.name)):
            continue
        record_warc_file(store, path)


def record_warc_file(store: Store, path: Path, name: str | None = None) -> None:
    """Record the sha256 and size of the WARC file *path* (under the name *name*,
    its own by default), which a cycle wrote."""
    store.record_warc_file(name or path.name, file_sha256(path), path.stat().st_size)


def record_closing(store: Store, name: str, path: Path) -> None:
    """Record the SHA-256 of the WARC file *name*, still at *path* (``NAME.open``)
    as a crashed cycle left it, before it is renamed: when a cycle opened it or
    it holds records of the archive's captures, and none is recorded yet (a
    file recorded by the cycle that closed it, which stopped before the rename,
    keeps the SHA-256 it had when it was written)."""
    if store.recorded_sha256(name) is not None:
        return
    if name in store.opened_warc_files() or store.file_has_records(name):
        record_warc_file(store, path, name)


def vouch_for(store: Store, path: Path) -> None:
    """Record the SHA-256 of the WARC file *path* (its final name) as a cycle closes
    it, before it is renamed: it is read as ``NAME.open``. ``verify`` vouches for
    it even if the cycle never ends, and no file is found under its final name
    without its SHA-256 recorded, whenever the process dies. A file that cannot
    be read is a :class:`StorageError` (it stays ``NAME.open``, for the next
    start to close and record)."""
    open_path = path.with_name(path.name + OPEN_SUFFIX)
    try:
        record_warc_file(store, open_path, path.name)
    except OSError as exc:
        raise StorageError(f"{open_path}: cannot be read to record its SHA-256: "
                           f"{exc.strerror or exc}", path=open_path) from exc
