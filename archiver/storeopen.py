"""Opening the archive database: connected, checked and migrated before a
:class:`~archiver.store.Store` is handed out.

:func:`open_store` opens ``archiver.db`` in the archive folder (creating the
folder and the database when needed) and migrates it to the latest schema
(:mod:`archiver.schema`), in WAL mode so that readers (``serve``,
``report``) work while a cycle runs. ``readonly=True`` writes nothing, and
refuses a database not set up yet: in a folder that cannot be written, a
database with no write-ahead log left to read is opened as immutable
(:func:`_connect_readonly`). Either way, a database a newer version of
archiver set up is refused before anything is read from it.

Failures are domain exceptions, never a bare ``sqlite3`` error: a database
that is damaged, not an archiver archive's, or of a newer version is an
:class:`~archiver.exceptions.InputError`; one that is locked, full or cannot
be written is a :class:`~archiver.exceptions.StorageError`.

Part of the store: with ``store.py`` (the rows, read and written) and
``schema.py`` (the tables and their migrations), the only modules that speak
SQL.

Example::

    store = open_store(Path("archive"), readonly=True)
"""

from __future__ import annotations

import errno
import os
import sqlite3
import stat
from pathlib import Path

from .exceptions import InputError, StorageError
from .files import kind_of
from .schema import NEEDED_TO_READ, migrations, schema_is_current, unknown_migrations
from .store import Store

DB_FILENAME = "archiver.db"


def _connect_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection to the database at *path*.

    Reading a database in WAL mode creates ``archiver.db-shm`` beside it: in a
    folder that cannot be written (read-only media, a copy handed to an
    auditor) and with no write-ahead log left to read, the database is opened
    as immutable, which needs no such file.
    """
    uri = path.resolve().as_uri()  # quoted: a ? # or % in a folder name is part of the name
    try:
        conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=30)
        conn.execute("SELECT 1 FROM sqlite_master LIMIT 1")
        return conn
    except sqlite3.OperationalError:
        folder = path.parent
        if os.access(folder, os.W_OK):
            raise
        wal = path.with_name(path.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise sqlite3.OperationalError(
                f"its folder {folder} cannot be written, which reading it needs while "
                f"{wal.name} holds changes not yet in it; copy the archive to a folder "
                "that can be written") from None
        return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, timeout=30)


def _refuse_newer(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse a database a newer version of archiver set up: nothing is read
    from it or written to it."""
    unknown = unknown_migrations(conn)
    if unknown:
        conn.close()
        raise InputError(f"{path} was set up by a newer version of archiver (its schema "
                         f"has steps this one does not know: {', '.join(unknown)}); use "
                         "that version")


def _refuse_not_a_file(path: Path) -> None:
    """Refuse a folder, a FIFO or a device where the database goes: SQLite would
    wait on a FIFO for ever, and call the others a disk I/O error."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:  # not there (made), or said as it is opened
        if exc.errno == errno.ELOOP:
            raise InputError(f"{path} is a link that leads to no file (a loop), where the "
                             "archive database goes") from None
        return
    if not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else kind_of(mode)
        raise InputError(f"{path} is {kind}, where the archive database goes")


def open_store(archive: Path, *, readonly: bool = False) -> Store:
    """Open (creating when needed) the archive's database, migrated to the latest schema."""
    path = archive / DB_FILENAME
    _refuse_not_a_file(path)
    if readonly:
        if not path.exists():
            raise StorageError(f"no archive database at {path}", path=path)
        try:
            conn = _connect_readonly(path)
            conn.execute("PRAGMA recursive_triggers = ON")  # as sqlite-utils sets it
            if not schema_is_current(conn, NEEDED_TO_READ):
                raise sqlite3.DatabaseError("not set up yet (its first run may be setting it "
                                            "up now), or not an archiver archive's")
            _refuse_newer(conn, path)
        except (sqlite3.DatabaseError, OSError) as exc:  # a folder in its place, say
            raise InputError(f"cannot read the archive database {path}: {exc}") from exc
        return Store(conn, path)
    try:
        archive.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=30)
        current = schema_is_current(conn)
        _refuse_newer(conn, path)
        names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        if not current and names and "_sqlite_migrations" not in names:  # not to be added to
            raise InputError(f"{path} is a database, but not an archiver archive's")
        conn.execute("PRAGMA recursive_triggers = ON")
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            with conn:
                conn.execute("PRAGMA journal_mode = wal")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        store = Store(conn, path)
        if not current:
            migrations().apply(store.db)
        return store
    except sqlite3.OperationalError as exc:  # locked, full, not writable
        if path.is_dir():
            raise InputError(f"{path} is a folder, where the archive database goes") from exc
        raise StorageError(f"cannot open the archive database {path}: {exc}", path=path) from exc
    except sqlite3.DatabaseError as exc:  # "file is not a database", "disk image is malformed"
        raise InputError(f"cannot read the archive database {path}: {exc} (damaged, or not "
                         "an archiver archive's)") from exc
    except (FileExistsError, NotADirectoryError) as exc:  # a file where a folder goes
        raise InputError(f"--archive {archive}: not a folder ({exc.strerror})") from exc
    except OSError as exc:
        raise StorageError(f"cannot create the archive at {archive}: {exc}", path=archive) from exc
