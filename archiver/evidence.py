"""What auditors ask of the archive: one capture, a verification, a package.

This module joins the store (which capture, where) with :mod:`archiver.retrieval`
(reading WARC records by location). It only reads ``archive/``; a WACZ is
written where the user asks.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from . import SOFTWARE
from .collection import export_wacz
from .exceptions import InputError, NotArchivedError
from .recordcheck import Problem
from .replaycache import stat_key
from .retrieval import (
    NAMED_BY_A_PATH,
    RecordError,
    check_records,
    copy_records,
    in_warc_dir,
    is_warc_name,
    read_http_head,
    read_payload,
    unnamed_records,
    verify_files,
    verify_records,
)
from .store import Store, parse_iso
from .warc import OPEN_SUFFIX, WARC_SUFFIX, RecordLocation, build, warcinfo_spec
from .warcparts import file_sha256

LOGGER = logging.getLogger(__name__)


def response_location(row: dict[str, Any]) -> RecordLocation:
    """Where the response or revisit record of the capture *row* is, and what the
    row says of it (checked by reading it): a revisit's body and whether it was
    cut are its original's, checked with the original's row (see
    :func:`revisit_differs`)."""
    response = row["record_type"] == "response"

    def said(column: str) -> str | None:  # "" for a value the row says is absent
        return (row[column] or "") if column in row else None

    return RecordLocation(row["warc_file"], int(row["warc_offset"]), int(row["warc_length"]),
                          row["record_id"], row["record_type"], row["block_digest"] or "",
                          row["payload_digest"], row.get("url"), row.get("fetched_at"),
                          row.get("refers_record"), row.get("record_sha256"),
                          http_status=row.get("http_status"),
                          truncated=said("truncated") if response else None,
                          body_size=row.get("body_size") if response else None,
                          ip=said("ip"), content_type=said("content_type"),
                          http_location=said("location"))


def revisit_differs(revisit: dict[str, Any], original: dict[str, Any]) -> list[str]:
    """How what the capture row *revisit* says of its body (whether and why it was
    cut, its size) differs from what its *original*'s row says, which that
    original's record is checked against: a revisit's body is its original's
    (a revisit is written only for the same payload, cut at the same limit)."""
    said: list[str] = []
    cut, was = revisit.get("truncated") or "", original.get("truncated") or ""
    if cut != was:
        said.append(f"the revisit's body is its original's (capture {original['id']}), "
                    f"which was {'cut: ' + was if was else 'not cut'}; the archive "
                    "database's truncated says of the revisit that it was "
                    f"{'cut: ' + cut if cut else 'not cut'}")
    if revisit.get("body_size") != original.get("body_size"):
        said.append(f"the revisit's body is its original's (capture {original['id']}), "
                    f"{original.get('body_size')} bytes, not {revisit.get('body_size')} "
                    "as the archive database's body_size says of the revisit")
    return said


def request_location(row: dict[str, Any]) -> RecordLocation | None:
    if not row.get("request_file"):
        return None
    return RecordLocation(row["request_file"], int(row["request_offset"]),
                          int(row["request_length"]), row["request_record_id"], "request",
                          row["request_block_digest"] or "", None, row.get("url"),
                          row.get("fetched_at"))


def metadata_location(row: dict[str, Any]) -> RecordLocation | None:
    if not row.get("meta_file"):
        return None
    return RecordLocation(row["meta_file"], int(row["meta_offset"]), int(row["meta_length"]),
                          row["meta_record_id"], "metadata", row["meta_block_digest"] or "",
                          None)


@dataclass
class Capture:
    """One capture of a URL, with the original response when it is a revisit."""

    row: dict[str, Any]
    original: dict[str, Any] | None
    # the SHA-256 recorded for the closed WARC file of each record read without one of
    # its own (see :func:`_sealed`)
    recorded: dict[str, str | None] = field(default_factory=dict)

    @property
    def location(self) -> RecordLocation:
        return response_location(self.row)

    @property
    def original_location(self) -> RecordLocation | None:
        return response_location(self.original) if self.original else None

    @property
    def when(self) -> str:
        return str(self.row["fetched_at"])


def find_capture(store: Store, url: str, at: dt.datetime | None = None) -> Capture:
    """The capture of *url* closest to *at* (the latest made when *at* is None:
    the one with the highest id, whatever the clock said when it was made)."""
    # also under the URL as it was requested ("HTTP://Example.org/./a" is
    # "http://example.org/a", "/ü" is "/%C3%BC", no fragment)
    rows = store.captures_of_cited(url)
    if not rows:  # the copy of another URL is never handed over for this one
        other = url[:-1] if url.endswith("/") else url + "/"
        hint = f"; {other} was captured: ask for it by that URL" \
            if store.captures_of(other) else ""
        raise NotArchivedError(url, f"{url}: never captured in this archive{hint}")
    if at is None:
        row = rows[-1]  # (in the order they were made)
    else:
        def distance(r: dict[str, Any]) -> float:
            try:
                when = parse_iso(r["fetched_at"])
                if when is None or when.tzinfo is None:
                    raise ValueError
            except (ValueError, TypeError):  # a damaged (or altered) database
                raise RecordError(f"the archive database dates capture {r['id']} "
                                  f"{r['fetched_at']!r}, which is not a time") from None
            return abs((when - at).total_seconds())
        row = min(rows, key=distance)
    found = Capture(row, _original_of(store, row) if row["record_type"] == "revisit" else None)
    for loc in (found.location, found.original_location):
        if loc is not None and loc.sha256 is None:
            found.recorded[loc.filename] = store.recorded_sha256(loc.filename)
    return found


def _original_of(store: Store, revisit: dict[str, Any]) -> dict[str, Any]:
    """The capture row of *revisit*'s original; RecordError when the database
    does not hold it (a damaged archive)."""
    original = store.capture(int(revisit["refers_to"])) if revisit["refers_to"] else None
    if original is None:
        raise RecordError(f"the revisit of {revisit['url']} at {revisit['fetched_at']} refers "
                          "to a response the archive database does not hold",
                          filename=revisit["warc_file"], offset=int(revisit["warc_offset"]))
    return original


def _sealed(archive: Path, capture: Capture) -> None:
    """Refuse a record written before its SHA-256 was recorded (by an earlier
    version) whose file is not the one written: only the file's SHA-256 covers
    its WARC headers that no digest covers."""
    for loc in (capture.location, capture.original_location):
        if loc is not None and loc.sha256 is None:
            _file_as_written(archive / "warc", loc.filename, capture.recorded.get(loc.filename))


def write_payload(archive: Path, capture: Capture, out: BinaryIO, decoded: bool = False) -> int:
    _sealed(archive, capture)
    return read_payload(archive / "warc", capture.location, out, decoded,
                        original=capture.original_location)


def http_head(archive: Path, capture: Capture) -> bytes:
    """The capture's HTTP status line and headers, as stored (its bytes); a
    revisit's original is checked too (what ``get`` says of the body is its)."""
    _sealed(archive, capture)
    if capture.original_location is not None:
        check_records(archive / "warc", [capture.original_location])
    return read_http_head(archive / "warc", capture.location)


def write_records(archive: Path, capture: Capture, out: BinaryIO) -> int:
    """The raw WARC records of a capture: request, response or revisit (and its original),
    metadata."""
    _sealed(archive, capture)
    locs = [loc for loc in (request_location(capture.row), capture.location,
                            capture.original_location, metadata_location(capture.row))
            if loc is not None]
    return copy_records(archive / "warc", locs, out)


@dataclass
class VerifyResult:
    records: int
    files: int
    problems: list[Problem]
    #: the files whose every record was looked for among the database's rows
    #: (those a cycle closed whole, since archiver notes it: ``rows_complete``)
    matched: int = 0


def verify_archive(store: Store, archive: Path) -> VerifyResult:
    """Recompute every record's digests and every closed file's sha256 against the store,
    check what each row says of its records (of a revisit's body, what its
    original's row says: :func:`revisit_differs`), and look for the records no
    row names in the files a cycle closed whole.

    The records are read as the database lists them, one at a time, and the
    rows of one file at a time: memory does not grow with the archive's
    history (only with the problems found and the records of one file)."""
    warc_dir = archive / "warc"
    records = 0
    orphans: list[Problem] = []
    # a revisit's row that says of its body what its original's row does not,
    # with where that original is
    unlike: list[tuple[tuple[str, int], Problem]] = []

    def each_location() -> Iterator[RecordLocation]:
        nonlocal records
        for row in store.all_captures():
            if row["record_type"] == "revisit" and row["refers_record"] is None:
                orphans.append(Problem(
                    row["warc_file"], int(row["warc_offset"]), "missing-original",
                    f"the revisit of {row['url']} at {row['fetched_at']} refers to capture "
                    f"{row['refers_to']}, which the archive database does not hold (its row "
                    "taken out?): its payload cannot be read"))
            elif row["record_type"] == "revisit":
                original = {"id": row["refers_to"], "truncated": row["refers_truncated"],
                            "body_size": row["refers_body_size"]}
                unlike.extend(((row["refers_file"], int(row["refers_offset"])),
                               Problem(row["warc_file"], int(row["warc_offset"]),
                                       "wrong-response", message))
                              for message in revisit_differs(row, original))
            for loc in (request_location(row), response_location(row), metadata_location(row)):
                if loc is not None:
                    records += 1
                    yield loc

    problems = verify_records(warc_dir, each_location()) + orphans
    # (compared with its original's row only once that row matches its record,
    # and the revisit refers to that original)
    damaged = {(p.filename, p.offset) for p in problems}
    misled = {(p.filename, p.offset) for p in problems if p.kind == "wrong-original"}
    problems += [p for original, p in unlike
                 if original not in damaged and (p.filename, p.offset) not in misled]
    closed = store.warc_files()
    files = {name: row["sha256"] for name, row in closed.items()}
    found = verify_files(warc_dir, files, lambda name: _offsets_in(store, name))
    # a record that no row names, in a file as written whose every record had
    # one (a changed file's first such record is named by verify_files)
    said = {p.filename for p in found}
    whole = [name for name, row in sorted(closed.items())
             if row.get("rows_complete") and name not in said]
    for name in whole:
        found += unnamed_records(warc_dir, name, _spans_in(store, name))
    named = {p.filename for p in problems if p.offset is not None}
    found = [_see_records(p) if p.kind == "changed" and p.offset is None
             and p.filename in named else p for p in found]
    if any(p.kind == "unrecorded" for p in found):  # closed by a running cycle meanwhile?
        recorded = store.warc_files()  # (a cycle records a file, then renames it)
        found = [p for p in found if p.kind != "unrecorded" or p.filename not in recorded]
    return VerifyResult(records=records, files=len(files), problems=problems + found,
                        matched=len(whole))


def _see_records(problem: Problem) -> Problem:
    """*problem*, a file whose SHA-256 changed, pointing at the records of it
    named above, where the file alone told of no record that differs."""
    sha, _, _ = problem.message.partition("; ")
    return Problem(problem.filename, None, problem.kind,
                   f"{sha}; the records of it named above are not those written")


def _spans_in(store: Store, name: str) -> set[tuple[int, int]]:
    """The (offset, length) of the records the database names in the WARC file *name*."""
    return {(loc.offset, loc.length) for row in store.captures_in_file(name)
            for loc in (request_location(row), response_location(row), metadata_location(row))
            if loc is not None and loc.filename == name}


def _offsets_in(store: Store, name: str) -> set[int]:
    """The offsets of the records the database names in the WARC file *name*."""
    return {offset for offset, _ in _spans_in(store, name)}


class DamagedArchiveError(RecordError):
    """What would be exported differs from what was archived (see ``verify``)."""


@dataclass
class Exported:
    """What ``export`` packed: its pages, and the captures left out because the
    WARC file holding them is still open (being written by a running cycle, or
    left by one that stopped, until the next start closes it)."""

    pages: int
    left_open: int = 0


def export_archive(store: Store, archive: Path, out: Path,
                   event: str | None = None) -> Exported:
    """A WACZ of the archive (or of one event's citations).

    Only what was archived is packed (a package hashes what it holds: altered
    records would get fresh, valid hashes): the whole archive's closed files,
    which must have the SHA-256 recorded when they were closed, with a page
    for each cited URL that has a capture in them (a capture in a file still
    open is left out, and counted); one event's records, which must match
    their digests. Else :class:`DamagedArchiveError`, and nothing is written.
    """
    try:
        return _export(store, archive, out, event)
    except RecordError as exc:
        raise DamagedArchiveError(f"not exported: {exc}; `archiver verify` lists every "
                                  "problem") from None


def _all_recorded(store: Store, warc_dir: Path, recorded: dict[str, str]) -> set[str]:
    """Refuse an archive with a closed WARC file whose SHA-256 is not recorded
    but that holds captures the database names: the package would leave them
    out. Returns the files recorded since *recorded* was read (by a running
    cycle closing them), which are not packed."""
    since: set[str] = set()
    for path in sorted(warc_dir.glob(f"*{WARC_SUFFIX}")):
        if path.name not in recorded and store.file_has_records(path.name):
            if store.recorded_sha256(path.name) is not None:
                since.add(path.name)
                continue
            raise RecordError("the WARC file holds captures, but its SHA-256 was never "
                              "recorded (its row taken out of the database?)",
                              filename=path.name)
    return since


def _packed_and_open(warc_dir: Path, recorded: dict[str, str]) -> tuple[dict[str, str], set[str]]:
    """The recorded WARC files to pack, with their SHA-256 (those found under
    their final name, and those found under no name, which the packer names as
    missing), and the names of the files still open (``NAME.open``: recorded as
    their cycle closes them, before the rename, or not yet)."""
    packed: dict[str, str] = {}
    still_open = {path.name[:-len(OPEN_SUFFIX)]
                  for path in warc_dir.glob(f"*{WARC_SUFFIX}{OPEN_SUFFIX}")}
    for name, sha in recorded.items():
        if not in_warc_dir(warc_dir, name).exists() \
                and (warc_dir / (name + OPEN_SUFFIX)).exists():
            still_open.add(name)
        else:  # (renamed since the look above: closed, packed)
            packed[name] = sha
            still_open.discard(name)
    return packed, still_open


def _file_as_written(warc_dir: Path, name: str, expected: str | None) -> None:
    """Refuse a closed WARC file that is not the one written: its SHA-256 differs
    from the one recorded when it was closed (*expected*), or none was. A file
    still open, whose SHA-256 is recorded when it is closed, is left to its
    records' digests."""
    path = in_warc_dir(warc_dir, name)
    if not path.exists():
        return  # still open (NAME.open), or missing: copy_records says which
    problem = _not_as_written(path, expected)
    if problem is not None:
        raise RecordError(problem, filename=name)


def _not_as_written(path: Path, expected: str | None) -> str | None:
    """What makes the closed WARC file *path* not the one written (see
    :func:`_file_as_written`); None when it is."""
    if expected is None:
        return "the WARC file is closed, but its SHA-256 was never recorded"
    try:
        if file_sha256(path) != expected:
            return f"the file's SHA-256 is not {expected}, recorded when it was closed: " \
                "it is not the file written"
    except OSError as exc:
        return f"the file cannot be read: {exc.strerror or exc}"
    return None


class FileVerdicts:
    """Whether each closed WARC file is the one written (:func:`_file_as_written`),
    for a process that reads captures again and again (the dashboard): a file
    is hashed once for as long as it stays as it is, its verdict kept by name
    with the file's size, mtime, inode and ctime (as the replay's cache keys
    its indexes) and the SHA-256 recorded for it. A file written to in place
    (its ctime changes, whatever mtime is given back) is hashed again before
    its next verdict; hashing a file once for the whole process would vouch
    for it after it changed. One ``stat`` a file a look; the verdicts, one a
    file, are bounded by the archive's files. Safe across threads (two threads
    may hash one file at once; the verdict is the same)."""

    def __init__(self) -> None:
        self._verdicts: dict[str, tuple[tuple[int, int, int, int], str | None, str | None]] = {}
        self._lock = threading.Lock()

    def problem(self, warc_dir: Path, name: str, expected: str | None) -> str | None:
        """What makes the closed WARC file *name* not the one written (*expected*:
        the SHA-256 recorded when it was closed); None when it is that file, or
        is not closed (still open, or missing: reading its records says which)."""
        if not is_warc_name(name):
            return NAMED_BY_A_PATH
        path = warc_dir / name
        try:
            key = stat_key(path.stat())  # before the hash: a change while hashing is seen next
        except FileNotFoundError:
            return None
        except OSError as exc:
            return f"the file cannot be read: {exc.strerror or exc}"
        with self._lock:
            known = self._verdicts.get(name)
        if known is not None and known[:2] == (key, expected):
            return known[2]
        found = _not_as_written(path, expected)
        with self._lock:
            self._verdicts[name] = (key, expected, found)
        return found


def _export(store: Store, archive: Path, out: Path, event: str | None) -> Exported:
    warc_dir = archive / "warc"
    citations = store.citations(active_only=False)
    if event is not None:
        citations = [c for c in citations if c["event_id"] == event]
        if not citations:
            raise InputError(f"--event {event}: no such event in the archive")
    recorded = {name: row["sha256"] for name, row in store.warc_files().items()}
    packed: dict[str, str] = {}
    left: set[str] = set()  # the files of captures left out: still open
    if event is None:  # the whole archive: its closed files, as they are
        packed, left = _packed_and_open(warc_dir, recorded)
        left |= _all_recorded(store, warc_dir, recorded)

    def in_package(row: dict[str, Any]) -> bool:
        """Whether the response (and a revisit's original) of *row* is packed."""
        if event is not None:  # one event's records are copied, open files' too
            return True
        if row["warc_file"] not in packed:
            return False
        original = store.capture(int(row["refers_to"])) \
            if row["record_type"] == "revisit" and row["refers_to"] else None
        return original is None or original["warc_file"] in packed

    urls = list(dict.fromkeys(c["url"] for c in citations))
    pages: list[dict[str, Any]] = []
    captures: list[dict[str, Any]] = []
    for url in urls:
        rows = store.captures_of_cited(url)
        first = next((row for row in rows if in_package(row)), None)
        if first is None:
            continue
        # the title of the page as captured at ts: the headline of the last
        # hop of that first fetch, wherever it redirected (not the citation's
        # latest headline)
        landed = max(store.captures_of_fetches({int(first["fetch_id"])}) or [first],
                     key=lambda r: r["hop"] or 0)
        # the URL as its records hold it (WARC-Target-URI, and so the index:
        # "/na%C3%AFve", no "#fragment"), which a replay looks the page up by;
        # the form the sources file cites beside it, when it is another
        page = {"url": first["url"], "ts": first["fetched_at"],
                "title": landed["headline"] or url}
        pages.append(page if first["url"] == url else {**page, "cited": url})
        if event is not None:  # every hop of every fetch of the URL
            captures += store.captures_of_fetches({int(r["fetch_id"]) for r in rows})
    left_open = sum(1 for name in sorted(left) for row in store.captures_in_file(name)
                    if row["warc_file"] == name)
    if not pages:
        raise InputError("nothing to export: no capture in the archive"
                         + (f" for event {event}" if event else "")
                         + (f" but {left_open} in WARC files still open (the next run "
                            "closes them)" if left_open else ""))
    if event is None:
        export_wacz(warc_dir, sorted(packed), pages, out, expected=packed)
        return Exported(len(pages), left_open)
    # one event: copy just its records into a new WARC, then package that
    with tempfile.TemporaryDirectory(prefix="archiver-export-") as tmp:
        name = f"event-{event}.warc.gz"
        seen: set[str] = set()
        files_checked: set[str] = set()
        with open(Path(tmp) / name, "wb") as fh:
            # what the file is: the records of one event, copied as they were
            fh.write(build(warcinfo_spec(name, SOFTWARE, {
                "description": f"the records of the event {event}, copied byte for byte "
                               "from an archiver archive"}), 6).member)
            for row in captures:
                locs = [request_location(row), response_location(row), metadata_location(row)]
                if row["record_type"] == "revisit":
                    locs.insert(1, response_location(_original_of(store, row)))
                todo = [loc for loc in locs if loc is not None and loc.record_id not in seen]
                seen.update(loc.record_id for loc in todo)
                for loc in todo:  # the whole file as written: WARC headers no digest covers
                    if loc.filename not in files_checked:
                        # (a running cycle records a file, then closes it: asked again)
                        _file_as_written(warc_dir, loc.filename, recorded.get(loc.filename)
                                         or store.recorded_sha256(loc.filename))
                        files_checked.add(loc.filename)
                copy_records(warc_dir, todo, fh)  # checks each record's digests first
        export_wacz(Path(tmp), [name], pages, out)
    return Exported(len(pages))


__all__ = [
    "Capture", "DamagedArchiveError", "Exported", "FileVerdicts", "RecordError", "VerifyResult",
    "export_archive",
    "find_capture", "http_head", "revisit_differs", "verify_archive", "write_payload",
    "write_records",
]
