"""The packages and indexes made of the WARC files: the WACZ that ``export``
writes and the pywb collection that ``serve`` replays.

Both are made by the maintained tools of the format, run as subprocesses of
this Python (``wacz create``, ``python -m cdxj_indexer.main``), so
that the installed versions are the ones used whatever is first on PATH.
A WARC file that cannot be indexed whole (a damaged gzip member) is indexed
up to its first damaged record, and the rest of that file is left out of the
replay with a warning: past a damaged member, what looks like a record could
be a WARC stored inside a captured page.

The replay serves only what the archive database (``archiver.db`` beside the
``warc/`` folder, opened read-only) vouches for: a file whose SHA-256 is the
one recorded when it was closed is indexed whole; in any other file (altered,
or with no SHA-256 recorded yet), only the records the database knows, at
their recorded offset and length, whose digests match the recorded ones (a
revisit's original too; a record an earlier version wrote, without a SHA-256
of its own, only when its file, intact, vouches for it) are indexed, with a
warning naming the file, how many
records were left out and the first one's offset. WARC files without a
database beside them are indexed whole, as found.

The CDXJ index of each WARC file, with the outcome of those checks, is kept
between starts of ``serve`` in a cache outside the archive
(:mod:`archiver.replaycache`), so that a start neither indexes nor hashes the
files it has already seen.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from .exceptions import ArchiverError
from .files import kind_of
from .replaycache import IndexCache, entry_stem, file_key
from .retrieval import RecordError, in_warc_dir, is_warc_name, verify_records
from .store import Store
from .storeopen import DB_FILENAME, open_store
from .warc import WARC_SUFFIX, RecordLocation
from .warcparts import CHUNK, file_sha256
from .warcread import whole_records

LOGGER = logging.getLogger(__name__)

_DIFFERS = ("the file differs from what was written (its SHA-256 is not the one recorded "
            "when it was closed)")

# cdxj-indexer as installed with this Python (not whichever is first on PATH)
_INDEXER = [sys.executable, "-m", "cdxj_indexer.main"]
#: ``python -m wacz`` with its arguments read as a JSON list from standard input.
_WACZ = [sys.executable, "-c",
         "import json, sys; from wacz.main import main; sys.exit(main(json.load(sys.stdin)))"]


# --------------------------------------------------------------------------
# WACZ


def _run(cmd: list[str], what: str, cwd: Path | None = None,
         given: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run *cmd* (*given* on its standard input); a failure is an ArchiverError."""
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=3600, cwd=cwd,
                              input=given)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ArchiverError(f"{what} failed: {exc}") from None
    if proc.returncode != 0:
        said = (proc.stderr or proc.stdout).strip()[-500:]
        raise ArchiverError(f"{what} failed: " + "".join(
            c if c.isprintable() or c == "\n" else "?" for c in said))
    return proc


def export_wacz(warc_dir: Path, warc_files: list[str], pages: list[dict[str, Any]],
                out: Path, *, expected: dict[str, str] | None = None) -> None:
    """Package *warc_files* (closed files in *warc_dir*) and *pages* as a WACZ at *out*.

    *pages* are WACZ page entries: ``{"url": ..., "ts": "2026-11-25T14:00:00Z",
    "title": ...}`` (``id`` and other keys allowed; ``url`` and ``ts`` required),
    written to ``pages/pages.jsonl`` as given. Built by the ``wacz create``
    command (indexes, datapackage with sha256 of each file); written to a
    temporary file beside *out* and renamed into place. *expected* maps file
    names to their recorded SHA-256 (hex): a file packed with another hash (in
    the package's own datapackage, so the files are read once) is a
    :class:`RecordError`, and nothing is written.
    """
    warc_dir, out = Path(warc_dir), Path(out)
    for page in pages:
        if not page.get("url") or not page.get("ts"):
            raise ArchiverError(f"a WACZ page needs a url and a ts: {page!r}")
    paths = []
    for name in warc_files:
        path = in_warc_dir(warc_dir, name)
        if not path.exists():
            raise RecordError("WARC file not found (only closed files can be exported)",
                              filename=name)
        if not path.is_file():  # a FIFO or a device: wacz would read it for ever
            raise RecordError(f"not a regular file but {kind_of(path.stat().st_mode)}",
                              filename=name)
        paths.append(path)
    if not paths:
        raise ArchiverError("nothing to export: no closed WARC file")
    if out.is_symlink():  # written through: the link stays, its target is replaced
        out = out.resolve()
    # a device or a pipe (/dev/stdout, a fifo) is written into, never replaced
    through = out.exists() and not out.is_file() and not out.is_dir()
    if not through:
        out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=None if through else out.parent,
                                     prefix=".wacz-") as tmp:
        pages_file = Path(tmp) / "pages.jsonl"
        with open(pages_file, "w", encoding="utf-8") as fh:
            fh.write(json.dumps({"format": "json-pages-1.0", "id": "pages",
                                 "title": "All Pages"}) + "\n")
            for page in pages:
                fh.write(json.dumps(page, ensure_ascii=False, default=str) + "\n")
        partial = Path(tmp) / "archive.wacz"
        args = ["create", "-o", str(partial), "--hash-type", "sha256", *map(str, paths)]
        if pages:  # copied as given (wacz would drop pages it cannot match to a capture)
            args[1:1] = ["-p", str(pages_file), "--copy-pages"]
        try:
            # the arguments on standard input: an archive of many files would
            # outgrow what a command line holds (ARG_MAX)
            _run(_WACZ, "wacz create", given=json.dumps(args))
        except ArchiverError:
            if expected:  # a damaged file is what makes it fail, most often: name it
                _check_files(warc_dir, expected)
            raise
        if expected:
            _check_packed(partial, expected)
        if through:
            with open(partial, "rb") as packed, open(out, "wb") as sink:
                shutil.copyfileobj(packed, sink)
        else:
            os.replace(partial, out)


def _check_files(warc_dir: Path, expected: dict[str, str]) -> None:
    """Raise :class:`RecordError` for the first file of *expected* whose SHA-256
    is not the recorded one."""
    for name, sha256 in sorted(expected.items()):
        try:
            differs = file_sha256(in_warc_dir(warc_dir, name)) != sha256
        except OSError as exc:  # a folder or a file that cannot be read in its place
            raise RecordError(f"cannot read: {exc.strerror or exc}", filename=name) from None
        if differs:
            raise RecordError(_DIFFERS, filename=name)


def _check_packed(wacz: Path, expected: dict[str, str]) -> None:
    """Raise :class:`RecordError` for the first WARC file in *wacz* whose
    hash in its ``datapackage.json`` is not the *expected* SHA-256."""
    with zipfile.ZipFile(wacz) as z:
        resources = json.loads(z.read("datapackage.json"))["resources"]
    packed = {r["path"].rsplit("/", 1)[-1]: r["hash"] for r in resources
              if r["path"].startswith("archive/")}
    for name, sha256 in sorted(expected.items()):
        if packed.get(name) != f"sha256:{sha256}":
            raise RecordError(_DIFFERS, filename=name)


# --------------------------------------------------------------------------
# the pywb collection


def pywb_config(coll_root: Path) -> dict[str, Any]:
    """The custom configuration for pywb's ``FrontEndApp`` serving *coll_root*."""
    return {"collections_root": str(Path(coll_root).resolve() / "collections"),
            "framed_replay": False}


def build_collection(warc_dir: Path, coll_root: Path, name: str = "archive") -> Path:
    """Make or refresh a pywb collection of the closed WARC files in *warc_dir*.

    Layout: ``coll_root/collections/<name>/archive/`` holds a symbolic link to
    each closed WARC file (a hard link would give the file a new ctime at each
    start, and the cache keys on it), ``indexes/`` one CDXJ index per WARC
    file (``<file>.cdxj``, made by cdxj-indexer; pywb merges every index file
    in the folder) and ``.made/`` what each index was made from. Refreshing
    indexes only the files not indexed yet, those that changed since they were
    (another size, mtime, inode or ctime), and those indexed before the
    database had their SHA-256 (:func:`recorded_since`); index files are
    written under a temporary name and renamed into place. Also writes
    ``coll_root/config.yaml`` for ``wayback``. Returns the collection directory.

    What is indexed is what the archive database beside *warc_dir* vouches for
    (:class:`Voucher`): a file with the SHA-256 recorded for it whole, any
    other only its records that verify, with a warning. A database that cannot
    be read vouches for nothing: the files not indexed yet are left out, with
    one warning. Without a database, every file is indexed whole.

    The index of a file is taken from the cache of
    :func:`archiver.replaycache.replay_cache_dir` when it holds one made from
    this very file (same name, size, mtime, inode and ctime) while the database
    recorded the same SHA-256 for it (or there was none), and put there when it
    is made (not when the database has no SHA-256 for the file yet); the
    cache's entries of files that are no longer there as they were are
    dropped. A cache that cannot be written is left aside, with a warning.

    A damaged file does not stop the others: its records before the damage are
    indexed (none after it: past a damaged member, what looks like a record may
    be one stored inside a captured payload), with a warning naming the file
    and offset (given again when the index comes from the cache); a file that
    cannot be indexed at all is left out, with a warning.
    """
    warc_dir, coll_root = Path(warc_dir), Path(coll_root)
    coll = coll_root / "collections" / name
    archive_dir, index_dir, made_dir = coll / "archive", coll / "indexes", coll / _MADE_DIR
    for folder in (archive_dir, index_dir, made_dir):
        folder.mkdir(parents=True, exist_ok=True)
    config = coll_root / "config.yaml"
    if not config.exists():
        config.write_text("# pywb configuration written by archiver\n"
                          "collections_root: collections\nframed_replay: false\n",
                          encoding="utf-8")
    cache: IndexCache | None = None
    opened = False  # the cache and the database, when a file is to be indexed
    voucher: Voucher | None = None
    present: set[str] = set()
    try:
        for path in sorted(p for p in warc_dir.glob("*" + WARC_SUFFIX) if p.is_file()):
            link = archive_dir / path.name  # (a FIFO or a device, read for ever, is left out)
            if not link.exists() and not link.is_symlink():
                link.symlink_to(path.resolve())
            key = file_key(path)
            stem = entry_stem(path.name, key) if key is not None else ""
            if stem:
                present.add(stem)
            index = index_dir / (path.name + ".cdxj")
            # what the index was made from: the file's key, and whether the
            # database had the file's SHA-256 then
            made = made_dir / (path.name + _MADE)
            unrecorded = made_dir / (path.name + _UNRECORDED)
            current = index.exists() and (not stem or _read(made) == stem)
            if current and not unrecorded.exists():
                continue
            if not opened:
                cache, voucher, opened = IndexCache.open(warc_dir), Voucher.open(warc_dir), True
            if current and (voucher is None or voucher.sha256(path.name) is None):
                continue
            if voucher is not None and voucher.store is None:
                index.unlink(missing_ok=True)  # the database cannot be read (said once)
                continue
            sha256 = voucher.sha256(path.name) if voucher is not None else None
            settled = voucher is None or sha256 is not None
            if settled and cache is not None and key is not None and \
                    cache.restore(path.name, key, sha256, index):
                unrecorded.unlink(missing_ok=True)
                made.write_text(stem, encoding="utf-8")
                continue
            tmp = index.with_name("." + index.name + ".tmp")
            intact = voucher is not None and voucher.intact(path)
            warnings = _index_whole_or_up_to_damage(link, tmp, scan=not intact)
            if warnings is None:
                index.unlink(missing_ok=True)
                continue
            if voucher is not None and not intact:
                warning = voucher.keep_vouched(path, tmp, damaged=bool(warnings))
                if warning is not None:
                    LOGGER.warning("%s", warning)
                    warnings.append(warning)
            if settled and cache is not None and key is not None and file_key(path) == key:
                cache.store(path.name, key, sha256, tmp, warnings)
            if settled:
                unrecorded.unlink(missing_ok=True)
            else:
                unrecorded.touch()
            os.replace(tmp, index)
            made.write_text(stem, encoding="utf-8")
    finally:
        if voucher is not None:
            voucher.close()
    if cache is not None and present:
        cache.prune(present)
    return coll


def _index_whole_or_up_to_damage(link: Path, tmp: Path, scan: bool = True) -> list[str] | None:
    """Index the WARC file *link* into *tmp*: whole, else up to its first damaged
    member. Returns the warnings given (one for a damaged file); None when
    nothing could be indexed.

    With *scan* (a file not known to be as written), its members are read for
    damage first: cdxj-indexer does not always stop at a damaged member (warcio
    may read one whose gzip magic is broken as an uncompressed record, and index
    its bytes as a URL)."""
    damage, error = None, ""
    try:
        damage = _damage_offset(link) if scan else None
        if damage is None:
            _index_file(link, tmp)
            return []
    except (ArchiverError, OSError) as exc:
        error = str(exc)
    indexed, warning = _index_up_to_damage(link, tmp, error, damage)
    LOGGER.warning("%s", warning)
    if not indexed:
        tmp.unlink(missing_ok=True)
        return None
    return [warning]


# --------------------------------------------------------------------------
# what the archive database vouches for

# in the collection's .made/, for each index: the key of the file it was made
# from; and, for an index made while the database had no SHA-256 for its file, a mark
_MADE_DIR = ".made"
_MADE = ".key"
_UNRECORDED = ".unrecorded"


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, ValueError):
        return ""


def recorded_since(warc_dir: Path, coll_root: Path, name: str = "archive") -> bool:
    """True when a file of the collection was indexed while the database had no
    SHA-256 for it (a file a running cycle closed and records at its end) and it
    has one now: its index is to be made again (:func:`build_collection`). Cheap
    while there is no such file: one listing of a folder."""
    made_dir = Path(coll_root) / "collections" / name / _MADE_DIR
    try:
        waiting = [p.name[:-len(_UNRECORDED)] for p in made_dir.glob("*" + _UNRECORDED)]
    except OSError:
        return False
    if not waiting:
        return False
    voucher = Voucher.open(Path(warc_dir), quiet=True)
    if voucher is None:
        return False
    try:
        return any(voucher.sha256(n) is not None for n in waiting)
    finally:
        voucher.close()


def _records(n: int) -> str:
    return f"{n} record" + "s" * (n != 1)


class Voucher:
    """What the archive database vouches for (read-only): the SHA-256 of each
    closed WARC file, and where each record is with its digests.

    *store* None: the database is there but cannot be read; it vouches for nothing.
    """

    def __init__(self, warc_dir: Path, store: Store | None) -> None:
        self.warc_dir = warc_dir
        self.store = store
        self._sha256: dict[str, str] = {}
        self._sound: dict[tuple[str, int], bool] = {}  # by record: revisits share originals
        self._intact: dict[str, bool] = {}  # by file name
        if store is not None:
            self._sha256 = {n: str(r["sha256"]).lower()
                            for n, r in store.warc_files().items() if r.get("sha256")}

    @classmethod
    def open(cls, warc_dir: Path, quiet: bool = False) -> Voucher | None:
        """The voucher of the database beside *warc_dir*, opened read-only; None
        when there is no database (a folder of bare WARC files). A database that
        cannot be read is said in a warning (unless *quiet*)."""
        archive = Path(warc_dir).parent
        if not (archive / DB_FILENAME).exists():
            return None
        store: Store | None = None
        try:
            store = open_store(archive, readonly=True)
            return cls(Path(warc_dir), store)
        except (ArchiverError, sqlite3.Error) as exc:
            if store is not None:
                store.close()
            if not quiet:
                LOGGER.warning("the archive database %s cannot be read (%s): no WARC file "
                               "is indexed for the replay until it can be; run `archiver "
                               "verify`", archive / DB_FILENAME, exc)
            return cls(Path(warc_dir), None)

    def close(self) -> None:
        if self.store is not None:
            self.store.close()

    def sha256(self, name: str) -> str | None:
        """The SHA-256 (hex) recorded for the WARC file *name* when it was closed."""
        return self._sha256.get(name)

    def intact(self, path: Path) -> bool:
        """Whether the WARC file *path* has the SHA-256 recorded for it (hashed once)."""
        if path.name not in self._intact:
            recorded, now = self.sha256(path.name), None
            if recorded is not None:
                try:
                    now = file_sha256(path)
                except OSError as exc:
                    LOGGER.debug("%s: cannot be hashed: %s", path.name, exc)
            self._intact[path.name] = recorded is not None and now == recorded
        return self._intact[path.name]

    def _verifies(self, loc: RecordLocation) -> bool:
        key = (loc.filename, loc.offset)
        if key not in self._sound:
            self._sound[key] = not verify_records(self.warc_dir, [loc])
        return self._sound[key]

    def _sealed(self, loc: RecordLocation, name: str) -> bool:
        """Whether what no digest of the response or revisit at *loc* covers (its
        WARC headers) is vouched for, when the file *name* it is read from is not
        as written: by its record's SHA-256, or, for one an earlier version wrote,
        by its own file's (another file, intact), never by the file *name*."""
        return loc.sha256 is not None or loc.record_type not in ("response", "revisit") \
            or (loc.filename != name and is_warc_name(loc.filename)
                and self.intact(self.warc_dir / loc.filename))

    def known(self, name: str) -> dict[int, tuple[RecordLocation, RecordLocation | None]]:
        """The records of the WARC file *name* that the database knows, by offset:
        each with, for a revisit, its original (a revisit without one is left out)."""
        from .evidence import metadata_location, request_location, response_location

        assert self.store is not None
        found: dict[int, tuple[RecordLocation, RecordLocation | None]] = {}
        for row in self.store.captures_in_file(name):
            for loc in (request_location(row), metadata_location(row)):
                if loc is not None and loc.filename == name:
                    found[loc.offset] = (loc, None)
            if row["warc_file"] != name:
                continue
            loc = response_location(row)
            if loc.record_type != "revisit":
                found[loc.offset] = (loc, None)
                continue
            original = self.store.capture(int(row["refers_to"])) if row["refers_to"] else None
            if original is not None and original.get("warc_file"):
                found[loc.offset] = (loc, response_location(original))
        return found

    def keep_vouched(self, path: Path, index: Path, damaged: bool = False) -> str | None:
        """Leave in the CDXJ *index* of the WARC file *path*, which does not have
        its recorded SHA-256 (:meth:`intact`), only what the database vouches
        for: the lines of the records it knows (:meth:`known`), at their recorded
        offset and length, that match their recorded digests (a revisit: its
        original too). Returns the warning to give (None when nothing is to be
        said); *damaged*: a warning of damage was given for the file already."""
        name = path.name
        recorded = self.sha256(name)
        known = self.known(name)
        left_out: set[int] = set()
        kept = index.with_name(index.name + ".kept")
        try:
            with open(index, encoding="utf-8") as lines, \
                    open(kept, "w", encoding="utf-8") as out:
                for line in lines:
                    # not the line of a record at a place: vouched for by none
                    try:
                        fields = _cdxj_fields(line)
                        if fields is None:
                            continue
                        offset, length = int(fields[1]["offset"]), int(fields[1]["length"])
                    except (KeyError, TypeError, ValueError):
                        continue
                    found = known.get(offset)
                    if found is not None and found[0].length == length and all(
                            self._verifies(loc) and self._sealed(loc, name)
                            for loc in found if loc is not None):
                        out.write(line)
                    else:
                        left_out.add(offset)
            os.replace(kept, index)
        finally:
            kept.unlink(missing_ok=True)
        if recorded is None:
            said = f"{name} has no SHA-256 recorded in the archive database (a running " \
                "cycle records it when it ends)"
        else:
            said = f"{name} differs from what was written (its SHA-256 is not the one " \
                "recorded when it was closed)"
        if left_out:
            return (f"{said}: left out of the replay, {_records(len(left_out))} that the "
                    "archive database does not know or whose digests are not the recorded "
                    f"ones, the first at offset {min(left_out)}; run `archiver verify`")
        if recorded is None or damaged:
            return None
        return (f"{said}, yet every record indexed matches the archive database: it is "
                "replayed whole; run `archiver verify`")


def _damage_offset(path: Path) -> tuple[int, str] | None:
    """The offset of the first gzip member of *path* that is not one complete WARC
    record, and what is wrong there; None when every member is whole."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        end, _, error = whole_records(fh, size)
    return None if error is None else (end, error)


def _index_file(path: Path, out: Path) -> None:
    """The sorted CDXJ index of the WARC file *path* in *out*, naming the file without
    its folder: cdxj-indexer in this process (a process of its own for each file
    took some 0.3 s a file to start, and a serve of a year of cycles, minutes)."""
    from cdxj_indexer.main import write_cdx_index

    try:
        write_cdx_index(str(out), [str(path)], {"sort": True, "dir_root": str(path.parent)})
    except Exception as exc:  # a damaged file: warcio's, zlib's or gzip's errors
        raise ArchiverError(f"cdxj-indexer failed: {type(exc).__name__}: {exc}") from exc


def _index_up_to_damage(path: Path, out: Path, error: str,
                        damage: tuple[int, str] | None = None) -> tuple[bool, str]:
    """After cdxj-indexer failed on *path* (with *error*), or its first damaged
    member was found (*damage*: offset, what; looked for when not given): index
    into *out* the records before it. Returns whether anything was indexed
    (else the file is left out of the replay) and the warning that says which,
    for the caller to log."""
    if damage is None:
        try:
            damage = _damage_offset(path)
        except OSError as exc:
            error = f"cannot read: {exc.strerror or exc}"
    if damage is None:
        last = error.strip().splitlines()[-1:] or [error]
        error = "".join(c if c.isprintable() else "?" for c in last[0][-300:])
        return False, (f"{path.name} cannot be indexed for the replay ({error}): it is "
                       "left out; run `archiver verify`")
    end, what = damage
    try:
        _index_prefix(path, end, out)
    except (ArchiverError, OSError, ValueError) as exc:
        return False, (f"{path.name} is damaged at offset {end} ({what}) and cannot be "
                       f"indexed ({exc}): it is left out of the replay; run `archiver verify`")
    return True, (f"{path.name} is damaged at offset {end} ({what}): only its records "
                  "before that offset are replayed; run `archiver verify`")


def _cdxj_fields(line: str) -> tuple[str, dict[str, Any]] | None:
    """The key (SURT and timestamp) and the JSON fields of a CDXJ index line;
    None for a line without fields (:class:`ValueError` for fields that are not JSON)."""
    key, sep, fields = line.rstrip("\n").partition(" {")
    if not sep:
        return None
    entry: dict[str, Any] = json.loads("{" + fields)
    return key, entry


def _index_prefix(path: Path, end: int, out: Path) -> None:
    """The sorted CDXJ index of the first *end* bytes of *path* (whole records), in *out*.

    cdxj-indexer reads them from its standard input (nothing is copied on disk),
    and the index lines are given back the file's name.
    """
    raw = out.with_name(out.name + ".raw")
    try:
        with open(path, "rb") as src, tempfile.TemporaryFile() as err:
            proc = subprocess.Popen([*_INDEXER, "-s", "-o", str(raw), "-"],
                                    stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                    stderr=err)
            assert proc.stdin is not None
            try:
                with proc.stdin:
                    left = end
                    while left > 0:
                        buf = src.read(min(CHUNK, left))
                        if not buf:
                            break
                        proc.stdin.write(buf)
                        left -= len(buf)
            except BrokenPipeError:
                pass  # the indexer stopped: its status says why
            try:
                status = proc.wait(timeout=3600)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                raise ArchiverError("cdxj-indexer failed: timed out") from None
            if status != 0:
                err.seek(0)
                message = err.read().decode("utf-8", "replace").strip()[-500:]
                raise ArchiverError(f"cdxj-indexer failed: {message}")
        with open(raw, encoding="utf-8") as lines, open(out, "w", encoding="utf-8") as fh:
            for line in lines:
                fields = _cdxj_fields(line)
                if fields is None:
                    continue
                key, entry = fields
                entry["filename"] = path.name
                fh.write(f"{key} {json.dumps(entry)}\n")
    finally:
        raw.unlink(missing_ok=True)
