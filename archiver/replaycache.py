"""The cache of the replay's CDXJ indexes, kept between starts of ``serve``.

One folder per archive, outside it (:func:`replay_cache_dir`:
``$XDG_CACHE_HOME/archiver/replay-index/``, by default
``~/.cache/archiver/replay-index/``), so that a start indexes only the WARC
files it has not seen. An entry serves only the file of the same name, size,
modification time, inode and change time (``st_ctime_ns``: a file rewritten in
place and given its old mtime back still has a new one) it was made from, and
only while the archive database vouches for that file as it did then (the
SHA-256 recorded for it, or no database at all); it keeps the warnings of its
indexing, given again when it is used. Entries of files that changed or went
away are dropped. The cache is safe to delete at any time (it is rebuilt at
the next start); when it cannot be written, the indexes are made as without
it, with a warning.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

LOGGER = logging.getLogger(__name__)

#: 2: the key holds the file's ctime, and an entry names what vouched for the file; 3: a
#: record an earlier version wrote is left out of an altered file's index
_CACHE_FORMAT = 3
_STALE_TMP_SECONDS = 3600.0
_TMP_PREFIX = ".tmp-"

# what an entry is valid for: the WARC file's size, mtime_ns, inode and ctime_ns
# (not its device number, which a network file system may give anew at each mount)
FileKey = tuple[int, int, int, int]


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


def file_key(path: Path) -> FileKey | None:
    """What a cache entry of the file at *path* is valid for; None when it cannot be read."""
    try:
        return stat_key(path.stat())
    except OSError:
        return None


def stat_key(st: os.stat_result) -> FileKey:
    """The :data:`FileKey` of a file whose ``stat`` is *st*."""
    return st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns


def entry_stem(name: str, key: FileKey) -> str:
    """The name of the entry of the WARC file *name* as it is (*key*), without extension."""
    return f"{name}." + ".".join(map(str, key))


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
    mtime_ns, inode, ctime_ns): ``<stem>.cdxj``, the index, and
    ``<stem>.json``, what it was made for (file, key, cdxj-indexer version, the
    index's size, the SHA-256 the database recorded for the file when it was
    checked (null: there was no database), the warnings of its indexing). The
    ``.json`` is renamed into place last: an entry without it, or whose index
    has another size, is not used.
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

    def _meta(self, name: str, key: FileKey, sha256: str | None, index_size: int,
              warnings: list[str]) -> dict[str, Any]:
        return {"format": _CACHE_FORMAT, "indexer": _indexer_version(), "file": name,
                "size": key[0], "mtime_ns": key[1], "inode": key[2], "ctime_ns": key[3],
                "sha256": sha256, "index_size": index_size, "warnings": warnings}

    def restore(self, name: str, key: FileKey, sha256: str | None, index: Path) -> bool:
        """Put the cached index of the WARC file *name* as it is now (*key*), made
        when the database recorded *sha256* for it (None: without a database), at
        *index*, and give the warnings made with it again; False when there is no
        valid entry for it (or it cannot be read)."""
        stem = self.folder / entry_stem(name, key)
        cdxj = stem.with_name(stem.name + ".cdxj")
        try:
            meta = json.loads(stem.with_name(stem.name + ".json").read_text(encoding="utf-8"))
            if not isinstance(meta, dict):
                return False
            warnings = meta.get("warnings")
            if not isinstance(warnings, list) or not all(isinstance(w, str) for w in warnings):
                return False
            if meta != self._meta(name, key, sha256, cdxj.stat().st_size, warnings):
                return False
            _replace_with(index, _link_or_copy(cdxj))
        except (OSError, ValueError) as exc:
            LOGGER.debug("replay index cache: %s not used: %s", stem.name, exc)
            return False
        for warning in warnings:
            LOGGER.warning("%s", warning)
        return True

    def store(self, name: str, key: FileKey, sha256: str | None, index: Path,
              warnings: list[str]) -> None:
        """Keep *index*, made from the WARC file *name* as it is (*key*) while the
        database recorded *sha256* for it, with the *warnings* of its indexing. A
        cache that cannot be written is given up (one warning)."""
        if not self.writable:
            return
        stem = self.folder / entry_stem(name, key)
        try:
            meta = json.dumps(self._meta(name, key, sha256, index.stat().st_size, warnings),
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
