"""The SQLite state: the rows of the archive database, read and written (the
tables and their migrations are in schema.py; opening the database, read-only
or to write, checked and migrated, is :func:`archiver.storeopen.open_store`).
This module and those two are the only ones that speak SQL.

Writes happen in short transactions; WAL mode lets readers (``serve``,
``report``) work while a cycle runs. WARC records are synced to disk *before*
the rows that point at them are committed (see pipeline.py), so no row ever
points at bytes that are not in a WARC.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import deflate
from .exceptions import StorageError
from .models import Baseline, FailureHistory, PageInfo, Sources
from .schema import m006_request_forms, schema_is_current

if TYPE_CHECKING:
    import sqlite_utils


#: The ids of the captures with a record in one WARC file (three ``?``: its
#: name), each part by its index (m003): the view's request_file and meta_file
#: are computed, and a condition on them reads every capture.
_IN_FILE = ("SELECT id FROM capture_rows WHERE warc_file = ? UNION SELECT id FROM capture_rows"
            " WHERE request_file = ? UNION SELECT id FROM capture_rows WHERE meta_file = ?")


#: The first snapshot of a URL in either of two forms (the form requested, then
#: the form cited: two ``?``, :func:`_forms`): an archive an earlier version
#: wrote, read as it is, keeps it under the form cited. The earlier one is the
#: page as first found.
_FORMS = "url IN (?, ?) ORDER BY captured_at IS NULL, captured_at LIMIT 1"


def _forms(url: str) -> tuple[str, str]:
    return _request_key(url), url


def _request_key(url: str) -> str:
    """:func:`archiver.exchange.request_key` (httpx, which it needs, is not
    loaded to read a report)."""
    from .exchange import request_key as key

    return key(url)


def _sources_name(sources: Path) -> str:
    """How a cycle names its sources file: its absolute path (``report --sources
    FILE`` compares it with FILE)."""
    return os.path.abspath(sources).encode("utf-8", "surrogateescape").decode(
        "utf-8", "replace")


def _same_file(recorded: str, sources: Path) -> bool:
    """True when the sources file a cycle *recorded* is *sources*: the same file
    by another path (a symbolic link), or, when the recorded path is no longer
    there, a file of the same name (its folder moved or renamed since; another
    file, when the recorded one was deleted, has its own name)."""
    try:
        return os.path.samefile(recorded, sources)
    except OSError:
        return recorded == _sources_name(sources) or (
            not os.path.exists(recorded)
            and os.path.basename(recorded) == os.path.basename(_sources_name(sources)))


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso(ts: dt.datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, to the second (microseconds kept when present)."""
    if ts is None:
        return None
    ts = ts.astimezone(dt.UTC)
    return ts.isoformat().replace("+00:00", "Z")


def parse_iso(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


#: The fields of a page that hold a date (kept as ISO 8601 text).
_PAGE_DATES = ("published", "url_month")


def page_blob(page: PageInfo) -> bytes:
    """A page as the baselines table keeps it, deflated: its fields but the
    text as one line of JSON, a newline, then the text in UTF-8 (JSON-escaping
    a long text cost more than deflating it)."""
    data = {k: getattr(page, k) for k in PageInfo.__dataclass_fields__ if k != "text"}
    for key in _PAGE_DATES:
        if data[key] is not None:
            data[key] = data[key].isoformat()
    head = json.dumps(data, ensure_ascii=False).encode("utf-8")
    blob: bytes = deflate.codec.compress(head + b"\n" + page.text.encode("utf-8"), 1)
    return blob


def page_from_blob(blob: bytes) -> PageInfo:
    """The page :func:`page_blob` kept; also reads the older form, the whole
    page as one JSON object (which has no raw newline: JSON escapes it)."""
    raw: bytes = deflate.codec.decompress(blob)
    head, newline, text = raw.partition(b"\n")
    data = json.loads(head)
    if newline:
        data["text"] = text.decode("utf-8")
    for key in _PAGE_DATES:
        if data.get(key):
            data[key] = dt.date.fromisoformat(data[key])
    known = set(PageInfo.__dataclass_fields__)
    return PageInfo(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True)
class StoredBaseline:
    r"""A first snapshot as the baselines table keeps it (the page deflated):
    cheap to read and to hand to a worker process, which :meth:`load`\ s it."""

    url: str
    final_url: str
    captured_at: str | None
    payload_digest: str | None
    blob: bytes

    def load(self) -> Baseline:
        return Baseline(url=self.url, final_url=self.final_url,
                        captured_at=parse_iso(self.captured_at) or now_utc(),
                        payload_digest=self.payload_digest,
                        page=page_from_blob(self.blob))


class Store:
    """The archive's database. Open with :func:`archiver.storeopen.open_store`."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._url_ids: dict[str, int] = {}
        self._db: sqlite_utils.Database | None = None
        self._keyed: bool | None = None

    @property
    def request_column(self) -> str:
        """The column of a citation (``c``) that holds its URL as requested:
        ``c.request_url``; ``c.url`` in an archive an earlier version wrote,
        read as it is (:data:`~archiver.schema.NEEDED_TO_READ`), whose first
        snapshots are kept under the URL as cited."""
        if self._keyed is None:
            self._keyed = schema_is_current(self.conn, (m006_request_forms,))
        return "c.request_url" if self._keyed else "c.url"

    @property
    def db(self) -> sqlite_utils.Database:
        """The connection wrapped by sqlite-utils (made on first use)."""
        if self._db is None:
            self._db = _database(self.conn)
        return self._db

    @contextmanager
    def transaction(self) -> Iterator[None]:
        try:
            with self.conn:
                yield
        except BaseException as exc:
            self._url_ids.clear()  # ids handed out inside a rolled-back transaction
            if isinstance(exc, sqlite3.OperationalError):
                raise StorageError(f"database write failed: {exc}", path=self.path) from exc
            raise

    def close(self) -> None:
        self.conn.close()

    def _query(self, sql: str, params: Sequence[Any] = ()) -> Iterator[dict[str, Any]]:
        """The rows of a SELECT as dicts (``Database.query`` wraps each query in a
        savepoint: two statements more per lookup, several per URL in a cycle)."""
        cur = self.conn.execute(sql, params)
        names = [d[0] for d in cur.description]
        return (dict(zip(names, row, strict=True)) for row in cur)

    # -- sources --------------------------------------------------------------
    def sync_sources(self, sources: Sources) -> None:
        """Record the events and citations; citations no longer listed become
        inactive, and one listed again starts its count of failures again."""
        with self.transaction():
            uncited = set(self.conn.execute(
                "SELECT event_id, url FROM citations WHERE active = 0"))
            self.conn.execute("UPDATE citations SET active = 0")
            place = 0  # the citation's place in the file, across its events
            for pos, event in enumerate(sources.events):
                self.conn.execute(
                    "INSERT INTO events (id, date, country, count, mechanism, reason, line,"
                    " position) VALUES (?,?,?,?,?,?,?,?)"
                    " ON CONFLICT(id) DO UPDATE SET date=excluded.date,"
                    " country=excluded.country, count=excluded.count, mechanism=excluded.mechanism,"
                    " reason=excluded.reason, line=excluded.line, position=excluded.position",
                    (event.id, event.date.isoformat() if event.date else None, event.country,
                     event.count, event.mechanism, event.reason, event.line, pos),
                )
                for c in event.citations:
                    place += 1
                    self.conn.execute(
                        "INSERT INTO citations (event_id, url, request_url, printed, position,"
                        " active) VALUES (?,?,?,?,?,1) ON CONFLICT(event_id, url) DO UPDATE SET"
                        " request_url=excluded.request_url, printed=excluded.printed,"
                        " position=excluded.position, active=1",
                        (c.event_id, c.url, _request_key(c.url), c.printed, place),
                    )
                    if (c.event_id, c.url) in uncited:
                        # cited again: failures of the checks before it left the file
                        # (months ago, maybe) do not count towards dead now
                        self.conn.execute(
                            "UPDATE citations SET consecutive_failures = 0,"
                            " first_failure_at = NULL WHERE event_id = ? AND url = ?",
                            (c.event_id, c.url))

    def event(self, event_id: str) -> dict[str, Any] | None:
        rows = list(self._query("SELECT * FROM events WHERE id = ?", [event_id]))
        return rows[0] if rows else None

    def events(self) -> list[dict[str, Any]]:
        return list(self._query("SELECT * FROM events ORDER BY position"))

    def citations(self, active_only: bool = True) -> list[dict[str, Any]]:
        return list(self.iter_citations(active_only))

    def iter_citations(self, active_only: bool = True, citation_id: int | None = None,
                       url: str | None = None) -> Iterator[dict[str, Any]]:
        """The rows of :meth:`citations` (only *citation_id*'s when given, only
        those of *url* in any of its forms when given), one at a time, with their
        event's fields (``event_*``), their URL's first snapshot's time and
        headline (``baseline_at``, ``baseline_headline``; None without one) and
        when their URL was first captured at all (``first_captured``: its
        earliest capture, as the first hop or as a later one of a redirect,
        under the form requested or the form cited; else its first snapshot's
        time). The first snapshot of a URL is the one of the form requested:
        ``http://host/a`` for ``http://HOST/a#main`` too.
        """
        key = self.request_column
        conditions: list[str] = []
        params: list[Any] = []
        if active_only:
            conditions.append("c.active = 1")
        if citation_id is not None:
            conditions.append("c.id = ?")
            params.append(citation_id)
        if url is not None:
            conditions.append(f"{key} = ?")
            params.append(_request_key(url) if key == "c.request_url" else url)
        where = " AND ".join(conditions)
        yield from self._query(
            "SELECT c.*, e.date AS event_date, e.country AS event_country, e.count AS event_count,"
            " e.mechanism AS event_mechanism, e.reason AS event_reason,"
            " b.captured_at AS baseline_at, b.headline AS baseline_headline,"
            " coalesce((SELECT min(r.fetched_at) FROM capture_rows r WHERE r.url_id IN"
            f" (SELECT u.id FROM urls u WHERE u.url IN ({key}, c.url))), b.captured_at)"
            " AS first_captured"
            " FROM citations c JOIN events e ON e.id = c.event_id"
            f" LEFT JOIN baselines b ON b.url = {key}" + (" WHERE " + where if where else "")
            + " ORDER BY c.position", params)

    def last_checked(self) -> str | None:
        """When the latest check of an active, checked citation ran (one query, not a
        pass over the citations)."""
        row = self.conn.execute(
            "SELECT max(c.last_checked) FROM citations c JOIN events e ON e.id = c.event_id"
            " WHERE c.active = 1 AND c.status IS NOT NULL AND c.status != ''").fetchone()
        return str(row[0]) if row and row[0] else None

    # -- cycles ---------------------------------------------------------------
    def start_cycle(self, sources: Path, pid: int) -> int:
        named = _sources_name(sources)
        with self.transaction():
            cur = self.conn.execute("INSERT INTO cycles (started, state, sources, pid) "
                                    "VALUES (?, 'running', ?, ?)", (iso(now_utc()), named, pid))
        return int(cur.lastrowid or 0)

    def unfinished_cycle(self, sources: Path) -> int | None:
        """The cycle a stop or a crash left unfinished, to be resumed by a cycle
        of *sources* (None when there is none). One that checked another
        sources file (:func:`_same_file`) is no longer resumed: it is recorded
        as superseded."""
        rows = list(self._query(
            "SELECT id, sources FROM cycles WHERE state IN ('running', 'interrupted')"
            " ORDER BY id DESC LIMIT 1"))
        if not rows:
            return None
        if rows[0]["sources"] is not None and not _same_file(rows[0]["sources"], sources):
            with self.transaction():
                self.conn.execute("UPDATE cycles SET state = 'superseded'"
                                  " WHERE state IN ('running', 'interrupted')")
            return None
        return int(rows[0]["id"])

    def last_cycle(self) -> dict[str, Any] | None:
        """The latest cycle (of a worker or of ``run``), whatever its state."""
        rows = list(self._query("SELECT * FROM cycles ORDER BY id DESC LIMIT 1"))
        return rows[0] if rows else None

    def finish_cycle(self, cycle_id: int, state: str = "finished") -> None:
        with self.transaction():
            self.conn.execute("UPDATE cycles SET finished = ?, state = ? WHERE id = ?",
                              (iso(now_utc()), state, cycle_id))
            if state == "finished":
                self.conn.execute(
                    "UPDATE cycles SET state = 'superseded'"
                    " WHERE state IN ('running', 'interrupted') AND id < ?",
                    (cycle_id,))

    def checks_of_cycle(self, cycle_id: int) -> list[dict[str, Any]]:
        """The verdicts of cycle *cycle_id*, in the order they were given: event_id,
        url, status, reason, http_status."""
        return list(self._query(
            "SELECT event_id, url, status, reason, http_status FROM checks"
            " WHERE cycle_id = ? ORDER BY id", [cycle_id]))

    # -- captures -------------------------------------------------------------
    def url_id(self, url: str) -> int:
        """The number of *url* in the ``urls`` table (added when new)."""
        found = self._url_ids.get(url)
        if found is not None:
            return found
        row = self.conn.execute("SELECT id FROM urls WHERE url = ?", (url,)).fetchone()
        if row is None:
            cur = self.conn.execute("INSERT INTO urls (url) VALUES (?)", (url,))
            found = int(cur.lastrowid or 0)
        else:
            found = int(row[0])
        if len(self._url_ids) > 4096:  # bounded: a cache of the URLs in hand, not the table
            self._url_ids.clear()
        self._url_ids[url] = found
        return found

    def _insert_row(self, table: str, row: dict[str, Any]) -> int:
        """Insert *row* (with ``url``) into a history table (with ``url_id``)."""
        data = dict(row)
        url = data.pop("url")
        data["url_id"] = self.url_id(url)
        if data.get("final_url") == url:
            data["final_url"] = None  # the view shows the URL again
        cols = list(data)
        cur = self.conn.execute(
            f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
            [data[c] for c in cols])
        return int(cur.lastrowid or 0)

    def insert_fetch(self, row: dict[str, Any]) -> int:
        return self._insert_row("fetch_rows", row)

    def insert_capture(self, row: dict[str, Any]) -> int:
        data = dict(row)
        for col in ("request_file", "meta_file"):
            if data.get(col) == data.get("warc_file"):
                data[col] = None  # the view shows warc_file again
        return self._insert_row("capture_rows", data)

    def last_response(self, url: str) -> dict[str, Any] | None:
        """The latest full ``response`` capture of *url* (what a revisit refers to):
        its id, url, fetched_at, record_id, payload_digest, truncated and where it is.

        The latest made, by its id: not by ``fetched_at``, which a clock set
        wrong (then put right) dates ahead of the captures made after it."""
        rows = list(self._query(
            "SELECT id, url, fetched_at, record_id, payload_digest, truncated, warc_file,"
            " warc_offset, warc_length FROM captures"
            " WHERE url = ? AND record_type = 'response'"
            " ORDER BY id DESC LIMIT 1", [url]))
        return rows[0] if rows else None

    def captures_of(self, url: str) -> list[dict[str, Any]]:
        return list(self._query(
            "SELECT * FROM captures WHERE url = ? ORDER BY id", [url]))

    def captures_of_cited(self, url: str) -> list[dict[str, Any]]:
        """The captures of the cited *url*, as the sources file writes it: kept
        under the URL as it was requested (``/%C3%BC`` for ``/ü``, without
        ``#fragment``; :func:`archiver.exchange.requested_form`), under
        *url* itself (a fragment was recorded before it was left out), or
        under another form of its request (``/%7Ea`` for ``/~a``:
        :func:`archiver.exchange.request_key`). In the
        order they were made (by id: a clock set wrong, then put right, dates
        some ahead of those made after them)."""
        key = _request_key(url)
        urls = list(dict.fromkeys((url, key)))
        found = self._captures_under(urls)
        if found or "://" not in key:
            return found
        # kept under another form of its escapes ("/%7Ea" for "/~a"), of the same origin
        origin = "/".join(key.split("/", 3)[:3]) + "/"
        forms = [u for (u,) in self.conn.execute(
            "SELECT url FROM urls WHERE url >= ? AND url < ?", (origin, origin + "\U0010ffff"))
            if "%" in u and u not in urls and _request_key(u) == key]
        return self._captures_under(forms) if forms else []

    def _captures_under(self, urls: list[str]) -> list[dict[str, Any]]:
        marks = ", ".join("?" for _ in urls)
        return list(self._query(
            f"SELECT * FROM captures WHERE url IN ({marks}) ORDER BY id", urls))

    def captures_of_fetches(self, fetch_ids: set[int]) -> list[dict[str, Any]]:
        ids = sorted(fetch_ids)
        if not ids:
            return []
        marks = ", ".join("?" for _ in ids)
        return list(self._query(
            f"SELECT * FROM captures WHERE fetch_id IN ({marks}) ORDER BY id", ids))

    def capture(self, capture_id: int) -> dict[str, Any] | None:
        rows = list(self._query("SELECT * FROM captures WHERE id = ?", [capture_id]))
        return rows[0] if rows else None

    def all_captures(self) -> Iterator[dict[str, Any]]:
        """Every capture, with ``refers_record``: the record id of a revisit's
        original, where that record is (``refers_file``, ``refers_offset``) and
        what its row says of its body, which is the revisit's
        (``refers_truncated``, ``refers_body_size``)."""
        yield from self._query(
            "SELECT c.*, o.record_id AS refers_record, o.warc_file AS refers_file,"
            " o.warc_offset AS refers_offset, o.truncated AS refers_truncated,"
            " o.body_size AS refers_body_size FROM captures c "
            "LEFT JOIN capture_rows o ON o.id = c.refers_to ORDER BY c.id")

    # -- baselines ------------------------------------------------------------
    def baseline(self, url: str) -> Baseline | None:
        stored = self.baseline_stored(url)
        return stored.load() if stored is not None else None

    def baseline_stored(self, url: str) -> StoredBaseline | None:
        """The first snapshot of *url* (in any of its forms) as stored: its page
        still deflated."""
        row = self.conn.execute(
            "SELECT url, final_url, captured_at, payload_digest, page FROM baselines"
            f" WHERE {_FORMS}", _forms(url)).fetchone()
        if row is None:
            return None
        return StoredBaseline(url=row[0], final_url=row[1], captured_at=row[2],
                              payload_digest=row[3], blob=row[4])

    def set_baseline(self, url: str, capture_id: int | None, captured_at: dt.datetime,
                     final_url: str, payload_digest: str | None, page: PageInfo,
                     blob: bytes | None = None) -> None:
        """Keep *page* as the first snapshot of *url*, under the form it is
        requested in (*blob*: its :func:`page_blob`, when already made); a first
        snapshot kept already stays."""
        self.conn.execute(
            "INSERT OR IGNORE INTO baselines (url, capture_id, captured_at, final_url,"
            " payload_digest, headline, page) VALUES (?,?,?,?,?,?,?)",
            (_request_key(url), capture_id, iso(captured_at), final_url, payload_digest,
             page.headline, blob if blob is not None else page_blob(page)))

    def baseline_headline(self, url: str) -> str | None:
        """The headline of the first snapshot of *url* (without reading its text)."""
        row = self.conn.execute(f"SELECT headline FROM baselines WHERE {_FORMS}",
                                _forms(url)).fetchone()
        return str(row[0]) if row and row[0] is not None else None

    # -- checks ---------------------------------------------------------------
    def failure_history(self, event_id: str, url: str) -> FailureHistory:
        c = self.conn.execute(
            "SELECT consecutive_failures, first_failure_at FROM citations"
            " WHERE event_id = ? AND url = ?", (event_id, url)).fetchone()
        if not c:
            return FailureHistory()
        return FailureHistory(int(c[0] or 0), parse_iso(c[1]))

    def record_check(self, row: dict[str, Any]) -> str | None:
        """Insert a check and update its citation; returns the previous status."""
        prev = self.conn.execute(
            "SELECT status, since FROM citations WHERE event_id = ? AND url = ?",
            (row["event_id"], row["url"])).fetchone()
        prev_status = prev[0] if prev else None
        self._insert_row("check_rows", row)
        since = prev[1] if prev and prev_status == row["status"] else row["checked_at"]
        self.conn.execute(
            "UPDATE citations SET status=?, since=?, rule=?, reason=?, http_status=?,"
            " final_url=?, headline=?, published=?, flags=?, consecutive_failures=?,"
            " first_failure_at=?, last_checked=? WHERE event_id=? AND url=?",
            (row["status"], since, row["rule"], row["reason"], row["http_status"],
             row["final_url"], row["headline"], row["published"], row["flags"],
             row["consecutive_failures"], row.get("first_failure_at"), row["checked_at"],
             row["event_id"], row["url"]))
        if prev_status != row["status"]:
            self.conn.execute(
                "INSERT INTO transitions (event_id, url, at, from_status, to_status, reason)"
                " VALUES (?,?,?,?,?,?)",
                (row["event_id"], row["url"], row["checked_at"], prev_status, row["status"],
                 row["reason"]))
        return prev_status

    def checks_of(self, event_id: str, url: str) -> list[dict[str, Any]]:
        return list(self._query(
            "SELECT * FROM checks WHERE event_id = ? AND url = ? ORDER BY checked_at, id",
            [event_id, url]))

    def transitions_of(self, event_id: str, url: str) -> list[dict[str, Any]]:
        return list(self._query(
            "SELECT * FROM transitions WHERE event_id = ? AND url = ? ORDER BY at, id",
            [event_id, url]))

    # -- files ----------------------------------------------------------------
    def record_warc_file(self, name: str, sha256: str, size: int) -> None:
        with self.transaction():
            self.conn.execute(
                "INSERT OR REPLACE INTO warc_files (name, sha256, size, closed_at)"
                " VALUES (?,?,?,?)", (name, sha256, size, iso(now_utc())))

    def mark_rows_complete(self, names: Iterable[str]) -> None:
        """Note that the database names every record of the closed WARC files
        *names* (their cycle ended with every row it wrote committed):
        ``verify`` then names a record of theirs that no row names."""
        with self.transaction():
            self.conn.executemany(
                "UPDATE warc_files SET rows_complete = 1 WHERE name = ? AND sha256 IS NOT NULL",
                [(name,) for name in names])

    def captures_in_file(self, name: str) -> list[dict[str, Any]]:
        """The captures with a record (request, response or revisit, metadata) in
        the WARC file *name*."""
        return list(self._query(f"SELECT * FROM captures WHERE id IN ({_IN_FILE})",
                                [name] * 3))

    def file_has_records(self, name: str) -> bool:
        """True when a capture has a record in the WARC file *name*."""
        found: int = self.conn.execute(f"SELECT EXISTS ({_IN_FILE})", [name] * 3).fetchone()[0]
        return found == 1

    def note_warc_file(self, name: str) -> None:
        """Note that a cycle opened the WARC file *name* (its SHA-256 is recorded
        when it is closed): a file of the archive's, where one put beside them
        has no row."""
        sql = "INSERT OR IGNORE INTO warc_files (name) VALUES (?)"
        if self.conn.in_transaction:  # (committed with the rest)
            self.conn.execute(sql, (name,))
        else:
            with self.transaction():
                self.conn.execute(sql, (name,))

    def opened_warc_files(self) -> set[str]:
        """The WARC files a cycle opened whose SHA-256 is not recorded yet."""
        return {r[0] for r in self.conn.execute(
            "SELECT name FROM warc_files WHERE sha256 IS NULL")}

    def recorded_sha256(self, name: str) -> str | None:
        """The SHA-256 recorded for the WARC file *name* when it was closed (None:
        not closed, or never recorded)."""
        row = self.conn.execute("SELECT sha256 FROM warc_files WHERE name = ?",
                                (name,)).fetchone()
        return str(row[0]) if row and row[0] is not None else None

    def warc_files(self) -> dict[str, dict[str, Any]]:
        """The closed WARC files with the SHA-256 recorded for each."""
        return {r["name"]: r for r in self._query(
            "SELECT * FROM warc_files WHERE sha256 IS NOT NULL")}

    def record_notification(self, row: dict[str, Any]) -> None:
        with self.transaction():
            self.db.table("notifications").insert(row)

    def notifications(self) -> list[dict[str, Any]]:
        """Every row of the ``notifications`` table (hand-overs and attempts), oldest first."""
        return list(self._query("SELECT * FROM notifications ORDER BY id"))

    def transitions_to(self, statuses: Iterable[str]) -> list[dict[str, Any]]:
        wanted = sorted(statuses)
        marks = ", ".join("?" for _ in wanted)
        return list(self._query(
            f"SELECT * FROM transitions WHERE to_status IN ({marks}) ORDER BY id", wanted))

    def cycle(self, cycle_id: int) -> dict[str, Any] | None:
        rows = list(self._query("SELECT * FROM cycles WHERE id = ?", [cycle_id]))
        return rows[0] if rows else None

    def integrity(self) -> str:
        return str(self.conn.execute("PRAGMA integrity_check").fetchone()[0])


def _database(conn: sqlite3.Connection) -> sqlite_utils.Database:
    """*conn* wrapped by sqlite-utils, without its plugins: no code from another
    installed package prepares the connection to the evidence (and finding
    plugins reads the metadata of every installed package, 20 ms a start)."""
    import sqlite_utils

    return sqlite_utils.Database(conn, execute_plugins=False)
