"""The packages and indexes made of the WARC files: the WACZ that ``export``
writes and the pywb collection that ``serve`` replays.

Both are made by the maintained tools of the format, run as subprocesses of
this Python (``python -m wacz create``, ``python -m cdxj_indexer.main``), so
that the installed versions are the ones used whatever is first on PATH.
A WARC file that cannot be indexed whole (a damaged gzip member) is indexed
up to its first damaged record, and the rest of that file is left out of the
replay with a warning: past a damaged member, what looks like a record could
be a WARC stored inside a captured page.

The CDXJ index of each WARC file is kept between starts of ``serve`` in a
cache outside the archive (:func:`replay_cache_dir`:
``$XDG_CACHE_HOME/archiver/replay-index/``, by default
``~/.cache/archiver/replay-index/``, one folder per archive), so that a start
indexes only the files it has not seen: an entry serves only the file of the
same name, size, modification time and inode it was made from (with the
warning of a damaged file, given again at each start), and entries of files
that changed or went away are dropped. The cache is safe to delete at any
time (it is rebuilt at the next start); when it cannot be written, the
indexes are made as without it, with a warning.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .exceptions import ArchiverError
from .retrieval import RecordError
from .warc import WARC_SUFFIX
from .warcparts import CHUNK, file_sha256
from .warcread import whole_records

LOGGER = logging.getLogger(__name__)

_DIFFERS = ("the file differs from what was written (its SHA-256 is not the one recorded "
            "when it was closed)")

# cdxj-indexer as installed with this Python (not whichever is first on PATH)
_INDEXER = [sys.executable, "-m", "cdxj_indexer.main"]


# --------------------------------------------------------------------------
# WACZ


def _run(cmd: list[str], what: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=3600, cwd=cwd)
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
        path = warc_dir / name
        if not path.exists():
            raise RecordError("WARC file not found (only closed files can be exported)",
                              filename=name)
        paths.append(path)
    if not paths:
        raise ArchiverError("nothing to export: no closed WARC file")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".wacz-") as tmp:
        pages_file = Path(tmp) / "pages.jsonl"
        with open(pages_file, "w", encoding="utf-8") as fh:
            fh.write(json.dumps({"format": "json-pages-1.0", "id": "pages",
                                 "title": "All Pages"}) + "\n")
            for page in pages:
                fh.write(json.dumps(page, ensure_ascii=False, default=str) + "\n")
        partial = Path(tmp) / "archive.wacz"
        cmd = [sys.executable, "-m", "wacz", "create", "-o", str(partial),
               "--hash-type", "sha256", *map(str, paths)]
        if pages:  # copied as given (wacz would drop pages it cannot match to a capture)
            cmd[4:4] = ["-p", str(pages_file), "--copy-pages"]
        try:
            _run(cmd, "wacz create")
        except ArchiverError:
            if expected:  # a damaged file is what makes it fail, most often: name it
                _check_files(warc_dir, expected)
            raise
        if expected:
            _check_packed(partial, expected)
        os.replace(partial, out)


def _check_files(warc_dir: Path, expected: dict[str, str]) -> None:
    """Raise :class:`RecordError` for the first file of *expected* whose SHA-256
    is not the recorded one."""
    for name, sha256 in sorted(expected.items()):
        try:
            differs = file_sha256(warc_dir / name) != sha256
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

    Layout: ``coll_root/collections/<name>/archive/`` holds a hard link (or,
    across file systems, a symbolic link) to each closed WARC file, and
    ``indexes/`` one CDXJ index per WARC file (``<file>.cdxj``, made by
    cdxj-indexer; pywb merges every index file in the folder). Refreshing
    indexes only the files not indexed yet; index files are written under a
    temporary name and renamed into place. Also writes ``coll_root/config.yaml``
    for ``wayback``. Returns the collection directory.

    The index of a file is taken from the cache of :func:`replay_cache_dir`
    when it holds one made from this very file (same name, size, mtime and
    inode), and put there when it is made; the cache's entries of files that
    are no longer there as they were are dropped. A cache that cannot be
    written is left aside, with a warning.

    A damaged file does not stop the others: its records before the damage are
    indexed (none after it: past a damaged member, what looks like a record may
    be one stored inside a captured payload), with a warning naming the file
    and offset (given again when the index comes from the cache); a file that
    cannot be indexed at all is left out, with a warning.
    """
    warc_dir, coll_root = Path(warc_dir), Path(coll_root)
    coll = coll_root / "collections" / name
    archive_dir, index_dir = coll / "archive", coll / "indexes"
    archive_dir.mkdir(parents=True, exist_ok=True)
    index_dir.mkdir(parents=True, exist_ok=True)
    config = coll_root / "config.yaml"
    if not config.exists():
        config.write_text("# pywb configuration written by archiver\n"
                          "collections_root: collections\nframed_replay: false\n",
                          encoding="utf-8")
    cache: IndexCache | None = None
    opened = False  # the cache, when a file is to be indexed
    present: set[str] = set()
    for path in sorted(warc_dir.glob("*" + WARC_SUFFIX)):
        link = archive_dir / path.name
        if not link.exists() and not link.is_symlink():
            try:
                os.link(path, link)
            except OSError:
                link.symlink_to(path.resolve())
        key = _file_key(path)
        if key is not None:
            present.add(_entry_stem(path.name, key))
        index = index_dir / (path.name + ".cdxj")
        if index.exists():
            continue
        if not opened:
            cache, opened = IndexCache.open(warc_dir), True
        if cache is not None and key is not None and cache.restore(path.name, key, index):
            continue
        tmp = index.with_name("." + index.name + ".tmp")
        warnings: list[str] = []
        try:
            _index_file(link, tmp)
        except ArchiverError as exc:
            indexed, warning = _index_up_to_damage(link, tmp, str(exc))
            LOGGER.warning("%s", warning)
            if not indexed:
                tmp.unlink(missing_ok=True)
                continue
            warnings.append(warning)
        if cache is not None and key is not None and _file_key(path) == key:
            cache.store(path.name, key, tmp, warnings)
        os.replace(tmp, index)
    if cache is not None and present:
        cache.prune(present)
    return coll


# --------------------------------------------------------------------------
# the cache of the indexes, between starts of serve

_CACHE_FORMAT = 1
_STALE_TMP_SECONDS = 3600.0
_TMP_PREFIX = ".tmp-"

# what an entry is valid for: the WARC file's size, mtime_ns and inode (not its
# device number, which a network file system may give anew at each mount)
FileKey = tuple[int, int, int]


def replay_cache_dir(warc_dir: Path) -> Path:
    """The folder of the cached CDXJ indexes of the WARC files in *warc_dir*:
    ``$XDG_CACHE_HOME/archiver/replay-index/<sha256 of the folder's resolved
    path>`` (``~/.cache`` when ``XDG_CACHE_HOME`` is unset or not absolute).
    Raises :class:`RuntimeError` when there is no home folder to put it in
    (one that does not exist is not made: ``HOME=/nonexistent`` means none)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(base):
        root = Path(base)
    else:
        home = Path.home()
        if not home.is_dir():
            raise RuntimeError(f"no home folder at {home}")
        root = home / ".cache"
    digest = hashlib.sha256(os.fsencode(Path(warc_dir).resolve())).hexdigest()
    return root / "archiver" / "replay-index" / digest


def _file_key(path: Path) -> FileKey | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns, st.st_ino


def _entry_stem(name: str, key: FileKey) -> str:
    return f"{name}.{key[0]}.{key[1]}.{key[2]}"


@functools.cache
def _indexer_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cdxj-indexer")
    except PackageNotFoundError:
        return "unknown"


def _replace_with(dst: Path, fill: Callable[[Path], None]) -> None:
    """Make *dst* whole or not at all: *fill* a temporary file beside it, then rename."""
    fd, name = tempfile.mkstemp(dir=dst.parent, prefix=_TMP_PREFIX, suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        fill(tmp)
        os.replace(tmp, dst)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _link_or_copy(src: Path) -> Callable[[Path], None]:
    def fill(tmp: Path) -> None:
        tmp.unlink()
        try:
            os.link(src, tmp)  # nothing writes into an index once it is in place
        except OSError:
            shutil.copyfile(src, tmp)
    return fill


class IndexCache:
    """The CDXJ indexes of one archive's WARC files, kept in *folder* between starts.

    An entry is two files named after the WARC file and its key (size,
    mtime_ns, inode): ``<stem>.cdxj``, the index, and ``<stem>.json``, what it
    was made for (file, key, cdxj-indexer version, the index's size, the
    warnings of a damaged file). The ``.json`` is renamed into place last: an
    entry without it, or whose index has another size, is not used.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.writable = True

    @classmethod
    def open(cls, warc_dir: Path) -> IndexCache | None:
        """The cache of *warc_dir*'s indexes, its folder made; None (with a
        warning) when it cannot be."""
        try:
            folder = replay_cache_dir(warc_dir)
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        except (OSError, RuntimeError) as exc:
            _unusable(exc)
            return None
        return cls(folder)

    def _meta(self, name: str, key: FileKey, index_size: int,
              warnings: list[str]) -> dict[str, Any]:
        return {"format": _CACHE_FORMAT, "indexer": _indexer_version(), "file": name,
                "size": key[0], "mtime_ns": key[1], "inode": key[2],
                "index_size": index_size, "warnings": warnings}

    def restore(self, name: str, key: FileKey, index: Path) -> bool:
        """Put the cached index of the WARC file *name* as it is now (*key*) at
        *index*, and give the warnings made with it again; False when there is
        no valid entry for it (or it cannot be read)."""
        stem = self.folder / _entry_stem(name, key)
        cdxj = stem.with_name(stem.name + ".cdxj")
        try:
            meta = json.loads(stem.with_name(stem.name + ".json").read_text(encoding="utf-8"))
            if not isinstance(meta, dict):
                return False
            warnings = meta.get("warnings")
            if not isinstance(warnings, list) or not all(isinstance(w, str) for w in warnings):
                return False
            if meta != self._meta(name, key, cdxj.stat().st_size, warnings):
                return False
            _replace_with(index, _link_or_copy(cdxj))
        except (OSError, ValueError) as exc:
            LOGGER.debug("replay index cache: %s not used: %s", stem.name, exc)
            return False
        for warning in warnings:
            LOGGER.warning("%s", warning)
        return True

    def store(self, name: str, key: FileKey, index: Path, warnings: list[str]) -> None:
        """Keep *index*, made from the WARC file *name* as it is (*key*), with the
        *warnings* of its indexing. A cache that cannot be written is given up
        (one warning)."""
        if not self.writable:
            return
        stem = self.folder / _entry_stem(name, key)
        try:
            meta = json.dumps(self._meta(name, key, index.stat().st_size, warnings),
                              ensure_ascii=False)

            def write_meta(tmp: Path) -> None:
                tmp.write_text(meta + "\n", encoding="utf-8")

            _replace_with(stem.with_name(stem.name + ".cdxj"), _link_or_copy(index))
            _replace_with(stem.with_name(stem.name + ".json"), write_meta)
        except OSError as exc:
            self.writable = False
            _unusable(exc)

    def prune(self, present: set[str]) -> None:
        """Drop the entries whose stem is not in *present* (files that changed or
        went away), and temporary files a crash left behind."""
        now = time.time()
        try:
            with os.scandir(self.folder) as it:
                found = list(it)
        except OSError as exc:
            LOGGER.debug("replay index cache: cannot list %s: %s", self.folder, exc)
            return
        for entry in found:
            stem, dot, ext = entry.name.rpartition(".")
            try:
                if entry.name.startswith(_TMP_PREFIX):
                    stale = now - entry.stat().st_mtime > _STALE_TMP_SECONDS
                else:
                    stale = not dot or ext not in ("cdxj", "json") or stem not in present
                if stale:
                    os.unlink(entry.path)
            except OSError as exc:  # a read-only cache: its stale entries stay
                LOGGER.debug("replay index cache: cannot drop %s: %s", entry.name, exc)


def _unusable(exc: OSError | RuntimeError) -> None:
    """The one warning line of a cache that cannot be made or written."""
    what = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    if isinstance(exc, OSError) and exc.filename:
        what = f"{exc.filename}: {what}"
    LOGGER.warning("the cache of the replay's indexes cannot be used (%s): the WARC "
                   "files are indexed for this start only", what)


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


def _index_up_to_damage(path: Path, out: Path, error: str) -> tuple[bool, str]:
    """After cdxj-indexer failed on *path* (with *error*): index into *out* the
    records before its first damaged member. Returns whether anything was
    indexed (else the file is left out of the replay) and the warning that says
    which, for the caller to log."""
    try:
        damage = _damage_offset(path)
    except OSError as exc:
        damage = None
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
                key, sep, fields = line.rstrip("\n").partition(" {")
                if not sep:
                    continue
                entry = json.loads("{" + fields)
                entry["filename"] = path.name
                fh.write(f"{key} {json.dumps(entry)}\n")
    finally:
        raw.unlink(missing_ok=True)
