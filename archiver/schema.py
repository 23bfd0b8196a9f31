"""The archive database's tables, and their migrations (sqlite-utils
``Migrations``, recorded in the database's ``_sqlite_migrations``).

- ``events``       one row per event of the sources file
- ``citations``    one row per (event, url): the latest status and its history counters,
                   and the URL as requested (``request_url``, m006)
- ``cycles``       one row per check cycle (``running`` until it finishes)
- ``fetches``      one row per fetch of a URL in a cycle; failures carry ``error``,
                   the kind decided from the httpx exception type
- ``captures``     one row per HTTP exchange written to a WARC (every hop), with the
                   (file, offset, length) of its request, response/revisit and metadata records
- ``baselines``    the first snapshot of each URL as requested (headline, date, main text)
                   for drift checks
- ``checks``       one row per citation per cycle: the verdict
- ``transitions``  status changes of a citation with their time
- ``warc_files``   closed WARC files with their sha256, for ``verify``, and whether
                   the database names every record in them (``rows_complete``)
- ``notifications`` what was sent, to whom, and whether it was delivered

Example::

    if not schema_is_current(conn):
        migrations().apply(sqlite_utils.Database(conn))
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils
    from sqlite_utils.migrations import Migrations

#: The migration set, as sqlite-utils records it in ``_sqlite_migrations``.
MIGRATION_SET = "archiver"


def captures_view(extra: str = "") -> str:
    """The ``captures`` view: each capture row with its URL and the files of its
    records (a request's or metadata's file is stored only when it is not the
    response's); *extra*, the columns a later migration adds (", c.name")."""
    view = """
        CREATE VIEW captures AS SELECT c.id, c.fetch_id, c.hop, u.url, c.fetched_at,
            c.http_status, c.content_type, coalesce(c.final_url, u.url) AS final_url,
            c.location, c.ip, c.body_size, c.truncated, c.record_type, c.record_id,
            c.payload_digest, c.block_digest, c.refers_to, c.warc_file, c.warc_offset,
            c.warc_length,
            CASE WHEN c.request_offset IS NULL THEN NULL
                 ELSE coalesce(c.request_file, c.warc_file) END AS request_file,
            c.request_offset, c.request_length, c.request_record_id, c.request_block_digest,
            CASE WHEN c.meta_offset IS NULL THEN NULL
                 ELSE coalesce(c.meta_file, c.warc_file) END AS meta_file,
            c.meta_offset, c.meta_length, c.meta_record_id, c.meta_block_digest,
            c.headline, c.published, c.tls_subject, c.tls_issuer, c.elapsed{extra}
            FROM capture_rows c JOIN urls u ON u.id = c.url_id"""
    return view.format(extra=extra)


def m001_initial(db: sqlite_utils.Database) -> None:
    db.executescript(
        f"""
        CREATE TABLE events (
            id TEXT PRIMARY KEY, date TEXT, country TEXT, count INTEGER,
            mechanism TEXT, reason TEXT, line INTEGER, position INTEGER
        );
        CREATE TABLE citations (
            id INTEGER PRIMARY KEY,
            event_id TEXT NOT NULL, url TEXT NOT NULL, printed TEXT, position INTEGER,
            status TEXT, since TEXT, rule TEXT, reason TEXT, http_status INTEGER,
            final_url TEXT, headline TEXT, published TEXT, flags TEXT DEFAULT '[]',
            consecutive_failures INTEGER DEFAULT 0, first_failure_at TEXT,
            last_checked TEXT, active INTEGER DEFAULT 1,
            UNIQUE (event_id, url)
        );
        CREATE TABLE cycles (
            id INTEGER PRIMARY KEY, started TEXT NOT NULL, finished TEXT,
            state TEXT NOT NULL DEFAULT 'running', sources TEXT, pid INTEGER
        );
        -- URLs are stored once; the history tables refer to them by number and
        -- are read through views that show the URL (history grows with every
        -- check, so its rows are kept small).
        CREATE TABLE urls (id INTEGER PRIMARY KEY, url TEXT NOT NULL UNIQUE);
        CREATE TABLE fetch_rows (
            id INTEGER PRIMARY KEY, cycle_id INTEGER, url_id INTEGER NOT NULL, started TEXT,
            error TEXT, error_detail TEXT, attempts INTEGER, http_status INTEGER,
            final_url TEXT, hops INTEGER, elapsed REAL
        );
        CREATE VIEW fetches AS SELECT f.id, f.cycle_id, u.url, f.started, f.error,
            f.error_detail, f.attempts, f.http_status, coalesce(f.final_url, u.url) AS final_url,
            f.hops, f.elapsed FROM fetch_rows f JOIN urls u ON u.id = f.url_id;
        CREATE TABLE capture_rows (
            id INTEGER PRIMARY KEY, fetch_id INTEGER, hop INTEGER, url_id INTEGER NOT NULL,
            fetched_at TEXT NOT NULL, http_status INTEGER, content_type TEXT,
            final_url TEXT, location TEXT, ip TEXT, body_size INTEGER, truncated TEXT,
            record_type TEXT NOT NULL, record_id TEXT NOT NULL,
            payload_digest TEXT, block_digest TEXT, refers_to INTEGER,
            warc_file TEXT NOT NULL, warc_offset INTEGER NOT NULL, warc_length INTEGER NOT NULL,
            request_file TEXT, request_offset INTEGER, request_length INTEGER,
            request_record_id TEXT, request_block_digest TEXT,
            meta_file TEXT, meta_offset INTEGER, meta_length INTEGER,
            meta_record_id TEXT, meta_block_digest TEXT,
            headline TEXT, published TEXT, tls_subject TEXT, tls_issuer TEXT, elapsed REAL
        );
        CREATE INDEX capture_rows_url ON capture_rows(url_id, fetched_at);
        CREATE INDEX capture_rows_fetch ON capture_rows(fetch_id);
        -- file names are stored once per row when the records share a file
        {captures_view()};
        CREATE TABLE baselines (
            url TEXT PRIMARY KEY, capture_id INTEGER, captured_at TEXT, final_url TEXT,
            payload_digest TEXT, headline TEXT, page BLOB
        );
        CREATE TABLE check_rows (
            id INTEGER PRIMARY KEY, cycle_id INTEGER, event_id TEXT, url_id INTEGER NOT NULL,
            checked_at TEXT, status TEXT, rule TEXT, reason TEXT, http_status INTEGER,
            final_url TEXT, headline TEXT, published TEXT, flags TEXT, fetch_id INTEGER,
            capture_id INTEGER, consecutive_failures INTEGER, first_failure_at TEXT
        );
        CREATE INDEX check_rows_citation ON check_rows(url_id, checked_at);
        CREATE INDEX check_rows_cycle ON check_rows(cycle_id);
        CREATE VIEW checks AS SELECT k.id, k.cycle_id, k.event_id, u.url, k.checked_at,
            k.status, k.rule, k.reason, k.http_status, coalesce(k.final_url, u.url) AS final_url,
            k.headline, k.published, k.flags, k.fetch_id, k.capture_id,
            k.consecutive_failures, k.first_failure_at
            FROM check_rows k JOIN urls u ON u.id = k.url_id;
        CREATE TABLE transitions (
            id INTEGER PRIMARY KEY, event_id TEXT, url TEXT, at TEXT,
            from_status TEXT, to_status TEXT, reason TEXT
        );
        CREATE TABLE warc_files (
            name TEXT PRIMARY KEY, sha256 TEXT, size INTEGER, closed_at TEXT
        );
        CREATE TABLE notifications (
            id INTEGER PRIMARY KEY, at TEXT, channel TEXT, event_id TEXT, url TEXT,
            kind TEXT, delivered INTEGER, attempts INTEGER, error TEXT
        );
        """
    )


def m002_latest_response_index(db: sqlite_utils.Database) -> None:
    """The latest full capture of a URL (what a revisit refers to), looked up for
    every fetch, is found in 10 µs whatever the history (read from every capture
    of the URL, it took 215 µs after 300 daily cycles)."""
    db.execute("CREATE INDEX capture_rows_kind ON capture_rows(url_id, record_type, fetched_at)")


def m003_record_file_index(db: sqlite_utils.Database) -> None:
    """The records of one WARC file (what the replay vouches for in a file that
    differs from its recorded SHA-256, or that a running cycle still writes) are
    found through indexes: read from every capture, a look took 18 ms at 33,000
    captures and grows with the archive's history. Request and metadata records
    name their own file only when it is not the response's (rarely)."""
    db.execute("CREATE INDEX IF NOT EXISTS capture_rows_file ON capture_rows(warc_file)")
    db.execute("CREATE INDEX IF NOT EXISTS capture_rows_request_file ON capture_rows(request_file) "
               "WHERE request_file IS NOT NULL")
    db.execute("CREATE INDEX IF NOT EXISTS capture_rows_meta_file ON capture_rows(meta_file) "
               "WHERE meta_file IS NOT NULL")


def m004_record_sha256(db: sqlite_utils.Database) -> None:
    """The SHA-256 of the response or revisit record's gzip member as written
    (``record_sha256``): a change to a WARC header that no digest covers
    (WARC-IP-Address, WARC-Truncated, WARC-Refers-To-Date) is found at its record,
    by ``verify`` and by every read of it (``get``, ``export``), where only the
    file's SHA-256 told of it. Captures written before have none."""
    db.execute("ALTER TABLE capture_rows ADD COLUMN record_sha256 TEXT")
    db.execute("DROP VIEW captures")
    db.execute(captures_view(", c.record_sha256"))


def m005_rows_complete(db: sqlite_utils.Database) -> None:
    """Whether the database names every record of a closed WARC file
    (``warc_files.rows_complete``): 1 when the cycle that wrote the file ended
    with the row of each record it wrote committed, so that ``verify`` can
    name a record that no row names (its row taken out of the database). NULL
    for a file a crashed cycle left, closed at the next start, which holds
    records whose rows were never committed, and for the files closed before
    (which of them were left by a crash is not known)."""
    db.execute("ALTER TABLE warc_files ADD COLUMN rows_complete INTEGER")


def m006_request_forms(db: sqlite_utils.Database) -> None:
    """One identity for a cited URL, the form it is requested and recorded in
    (:func:`archiver.exchange.request_key`: ``http://host/a`` for
    ``http://HOST/a#main``): each citation keeps it (``request_url``, which the
    report joins its URL's first snapshot on), and the first snapshots kept
    under another form of a URL (a ``#fragment``, a host in capitals) are kept
    under that one. When two forms of a URL each had one, the one taken first
    is kept: the page as first found; the later one was taken when the other
    form was cited again, of a page that may have changed since."""
    db.execute("ALTER TABLE citations ADD COLUMN request_url TEXT")
    _key_requests(db)
    db.execute("CREATE INDEX citations_request_url ON citations(request_url)")


def m007_request_escapes(db: sqlite_utils.Database) -> None:
    """A request's identity holds its escapes in one form, as RFC 3986 does
    (:func:`archiver.exchange.request_key`: ``/~a`` for ``/%7Ea``, ``%C3%BC``
    for ``%c3%bc``): the citations' ``request_url`` and the first snapshots
    are keyed again so (the one taken first kept, as in m006)."""
    _key_requests(db)


def _key_requests(db: sqlite_utils.Database) -> None:
    """Set each citation's ``request_url`` to its URL's request key, and keep
    each first snapshot under the key of its URL (of two under one key, the
    one taken first)."""
    from .exchange import request_key

    rows = db.execute("SELECT id, url FROM citations").fetchall()
    db.conn.executemany("UPDATE citations SET request_url = ? WHERE id = ?",
                        [(request_key(url), cid) for cid, url in rows])
    forms: dict[str, list[tuple[str, str | None]]] = {}
    moved: set[str] = set()
    for url, captured_at in db.execute("SELECT url, captured_at FROM baselines").fetchall():
        key = request_key(url)
        forms.setdefault(key, []).append((url, captured_at))
        if key != url:
            moved.add(key)
    for key in sorted(moved):
        first, *later = sorted(forms[key], key=lambda f: (_instant(f[1]), f[0] != key))
        db.conn.executemany("DELETE FROM baselines WHERE url = ?", [(u,) for u, _ in later])
        db.execute("UPDATE baselines SET url = ? WHERE url = ?", [key, first[0]])


def _instant(text: str | None) -> dt.datetime:
    """An ISO 8601 time as the store writes it, for comparing (the latest
    possible when there is none)."""
    if not text:
        return dt.datetime.max.replace(tzinfo=dt.UTC)
    when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


#: The schema's migrations, in the order they are applied.
MIGRATIONS = (m001_initial, m002_latest_response_index, m003_record_file_index,
              m004_record_sha256, m005_rows_complete, m006_request_forms,
              m007_request_escapes)
#: The migrations that a database must have to be read: the later ones add
#: indexes, columns of later captures and files, and the citations' requested
#: form (m006), which a read-only opening cannot add and can do without (an
#: archive from an earlier version is read as it is, its citations' first
#: snapshots as that version kept them; its next cycle adds them).
NEEDED_TO_READ = (m001_initial,)


def migrations() -> Migrations:
    """The migration set (sqlite-utils ``Migrations``), built when a database needs
    one: an archive whose schema is current opens without importing sqlite-utils."""
    from sqlite_utils.migrations import Migrations

    found = Migrations(MIGRATION_SET)
    for migration in MIGRATIONS:
        found()(migration)
    return found


def unknown_migrations(conn: sqlite3.Connection) -> list[str]:
    """The migrations recorded as applied that this version does not know: a
    database a newer version wrote (whose tables this one would misread)."""
    try:
        applied = [row[0] for row in conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", [MIGRATION_SET])]
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return []
        raise
    known = {m.__name__ for m in MIGRATIONS}
    return sorted(name for name in applied if name not in known)


def schema_is_current(conn: sqlite3.Connection,
                       needed: tuple[Callable[..., None], ...] = MIGRATIONS) -> bool:
    """True when every migration *needed* is recorded as applied."""
    try:
        applied = {row[0] for row in conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", [MIGRATION_SET])}
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):  # a new database
            return False
        raise
    return {m.__name__ for m in needed} <= applied
