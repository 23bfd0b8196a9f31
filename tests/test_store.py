"""The store: the stored form of a first snapshot's page (the baselines table), and
the lookups a cycle makes for every URL."""

from __future__ import annotations

import datetime as dt
import io
import json
import sqlite3
import zlib
from pathlib import Path

import pytest

from archiver.models import PageInfo
from archiver.store import Store, iso, page_blob, page_from_blob
from archiver.storeopen import open_store

PAGES = [
    PageInfo(kind="html", headline="Kenya deports 45 Taiwanese", published=dt.date(2019, 4, 12),
             title="Kenya deports 45 Taiwanese | News", h1="Kenya deports 45 Taiwanese",
             text="First paragraph.\nSecond paragraph, with a \"quote\" and a tab\t.\n\n"
                  "Third: 台灣 — 45 人遭遣返。\u2028 after a line separator",
             lang="en", charset="utf-8", canonical="https://example.org/a",
             meta_refresh=None, og_type="article", has_password_field=False),
    PageInfo(kind="pdf", headline=None, published=None, text=""),
    PageInfo(kind="html", headline="Only a headline\nwith a newline", text="\n\nleading newlines"),
    # the month of a /2016/05/ URL, for a page without a date of its own
    PageInfo(kind="html", headline="Taiwan slams Malaysia", text="Deported.",
             url_month=dt.date(2016, 5, 1), walled="Subscribe to read", links=12,
             paywalled=True),
]


def test_every_field_of_a_page_is_kept() -> None:
    """A page with every field set otherwise than by default comes back whole (a
    field added to PageInfo that the blob cannot hold fails here)."""
    page = PageInfo(kind="html", headline="h", published=dt.date(2016, 5, 3), title="t",
                    h1="h1", text="x\ny", lang="en", charset="utf-8",
                    canonical="https://example.org/c", meta_refresh="https://example.org/r",
                    og_type="article", has_password_field=True, paywalled=True,
                    walled="Subscribe", links=3, noscript="Enable JavaScript", teasers=12,
                    url_month=dt.date(2016, 5, 1),
                    empty=True)
    default = PageInfo()
    unset = [k for k in PageInfo.__dataclass_fields__ if getattr(page, k) == getattr(default, k)]
    assert unset == []
    assert page_from_blob(page_blob(page)) == page


@pytest.mark.parametrize("page", PAGES)
def test_page_blob_round_trip(page):
    assert page_from_blob(page_blob(page)) == page


@pytest.mark.parametrize("page", PAGES)
def test_page_blob_is_plain_zlib(page):
    """Any zlib reads the stored page back (ISA-L writes the same format)."""
    raw = zlib.decompress(page_blob(page))
    head, _, text = raw.partition(b"\n")
    assert json.loads(head)["headline"] == page.headline
    assert text.decode("utf-8") == page.text


@pytest.mark.parametrize("page", PAGES)
def test_older_blobs_still_read(page):
    """Baselines stored before the text was kept apart: one JSON object."""
    data = {k: getattr(page, k) for k in PageInfo.__dataclass_fields__}
    for key in ("published", "url_month"):
        if data[key] is not None:
            data[key] = data[key].isoformat()
    old = zlib.compress(json.dumps(data, ensure_ascii=False).encode("utf-8"), 1)
    assert b"\n" not in zlib.decompress(old)
    assert page_from_blob(old) == page


def _capture(store: Store, url: str, day: int, kind: str, digest: str) -> int:
    return store.insert_capture({
        "url": url, "fetch_id": None, "hop": 0, "fetched_at": f"2026-01-{day:02d}T00:00:00Z",
        "record_type": kind, "record_id": f"<urn:uuid:{kind}-{day}>", "payload_digest": digest,
        "warc_file": "a.warc.gz", "warc_offset": day, "warc_length": 1})


def test_the_latest_full_capture_is_found_through_an_index(tmp_path: Path) -> None:
    url = "http://127.0.0.1:9/a"
    store = open_store(tmp_path)
    try:
        with store.transaction():
            first = _capture(store, url, 1, "response", "sha256:A")
            for day in range(2, 28):  # a month of unchanged re-checks
                _capture(store, url, day, "revisit", "sha256:A")
            _capture(store, "http://127.0.0.1:9/b", 28, "response", "sha256:B")
        ran: list[str] = []
        store.conn.set_trace_callback(ran.append)  # the statement as run, values bound
        last = store.last_response(url)
        store.conn.set_trace_callback(None)
        (query,) = [q for q in ran if "record_type = 'response'" in q]
        plan = " ".join(str(row) for row in store.conn.execute("EXPLAIN QUERY PLAN " + query))
    finally:
        store.close()
    assert last is not None and last["id"] == first and last["payload_digest"] == "sha256:A"
    assert "capture_rows_kind" in plan


def test_an_archive_made_before_the_index_gets_it_when_opened(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    store.conn.execute("DROP INDEX capture_rows_kind")
    store.conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm002_latest_response_index'")
    store.conn.commit()
    store.close()
    store = open_store(tmp_path)
    try:
        names = {r[0] for r in store.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index'")}
    finally:
        store.close()
    assert "capture_rows_kind" in names


def test_no_sqlite_utils_plugin_prepares_the_archive_connection(tmp_path: Path) -> None:
    import sqlite3

    import sqlite_utils
    from sqlite_utils.plugins import pm

    class Plugin:  # a sqlite-utils plugin, as another installed package could ship one
        @sqlite_utils.hookimpl
        def prepare_connection(self, conn: sqlite3.Connection) -> None:
            conn.create_function("planted", 0, lambda: "by a plugin")

    plugin = Plugin()
    pm.register(plugin, name="planted-function")
    try:
        # the plugin is live: a default sqlite-utils Database runs it
        probe = sqlite_utils.Database(sqlite3.connect(":memory:"))
        try:
            assert probe.execute("SELECT planted()").fetchone()[0] == "by a plugin"
        finally:
            probe.close()
        for readonly in (False, True):
            store = open_store(tmp_path / "archive", readonly=readonly)
            try:
                with pytest.raises(sqlite3.OperationalError, match="no such function"):
                    store.conn.execute("SELECT planted()")
            finally:
                store.close()
    finally:
        pm.unregister(name="planted-function")


def test_an_archive_whose_schema_is_current_opens_without_sqlite_utils(tmp_path: Path) -> None:
    """Importing sqlite-utils takes some 40 ms: a start that finds nothing to
    migrate reads and writes rows without it."""
    import subprocess
    import sys
    import textwrap

    open_store(tmp_path / "archive").close()  # created and migrated
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from archiver.storeopen import open_store
        for readonly in (False, True):
            store = open_store(Path({str(tmp_path / "archive")!r}), readonly=readonly)
            store.url_id("http://127.0.0.1/a") if not readonly else None
            store.last_response("http://127.0.0.1/a")
            store.close()
        print("sqlite_utils" in sys.modules)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr


def test_an_archive_without_the_later_indexes_is_read_as_it_is(tmp_path: Path) -> None:
    """An archive of an earlier version (without the migrations that add indexes)
    was "not set up yet" to every reading command until a cycle ran: reading
    cannot add the indexes, and can do without them."""
    store = open_store(tmp_path)
    for index in ("capture_rows_kind", "capture_rows_file", "capture_rows_request_file",
                  "capture_rows_meta_file"):
        store.conn.execute(f"DROP INDEX {index}")
    for name in ("m002_latest_response_index", "m003_record_file_index"):
        store.conn.execute("DELETE FROM _sqlite_migrations WHERE name = ?", [name])
    store.conn.commit()
    store.close()
    reader = open_store(tmp_path, readonly=True)
    try:
        assert reader.citations() == []
    finally:
        reader.close()
    open_store(tmp_path).close()  # writing brings them
    conn = sqlite3.connect(tmp_path / "archiver.db")
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    conn.close()
    assert {"capture_rows_kind", "capture_rows_file"} <= names


def test_an_archive_without_record_digests_is_read_and_then_migrated(tmp_path: Path) -> None:
    """An archive of a version before m004 (no ``record_sha256``) is read as it
    is: its captures have no member digest to check; the next writer adds the
    column, and the earlier captures stay readable."""
    from archiver.evidence import find_capture, verify_archive, write_payload
    from archiver.settings import WarcSettings
    from archiver.warc import WarcWriter
    from archiver.warcparts import file_sha256

    from .test_warc import SOFTWARE, _hop_with

    store = open_store(tmp_path)
    hop = _hop_with(b"<html><h1>Kenya deports 45</h1></html>", None, tmp_path, in_file=False)
    with WarcWriter(tmp_path / "warc", WarcSettings(), SOFTWARE) as writer:
        request, response = writer.write_exchange(hop)
    assert response.sha256 is not None and len(response.sha256) == 64
    warc = tmp_path / "warc" / response.filename
    store.record_warc_file(response.filename, file_sha256(warc), warc.stat().st_size)
    with store.transaction():
        store.insert_capture({
            "url": hop.url, "fetched_at": iso(hop.started), "http_status": 200,
            "content_type": hop.header("content-type"),
            "record_type": "response", "record_id": response.record_id,
            "block_digest": response.block_digest, "payload_digest": response.payload_digest,
            "warc_file": response.filename, "warc_offset": response.offset,
            "warc_length": response.length})
    view = store.conn.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'captures'").fetchone()[0]
    store.conn.execute("DROP VIEW captures")
    store.conn.execute("ALTER TABLE capture_rows DROP COLUMN record_sha256")
    store.conn.execute(view.replace(", c.record_sha256", ""))
    store.conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm004_record_sha256'")
    store.conn.commit()
    store.close()

    for readonly in (True, False):  # as it is; then migrated by a writer
        reader = open_store(tmp_path, readonly=readonly)
        try:
            capture = find_capture(reader, hop.url)
            assert capture.location.sha256 is None
            assert verify_archive(reader, tmp_path).problems == []
            out = io.BytesIO()
            write_payload(tmp_path, capture, out)
            assert out.getvalue() == hop.body_data
        finally:
            reader.close()
    conn = sqlite3.connect(tmp_path / "archiver.db")
    columns = {r[1] for r in conn.execute("PRAGMA table_info(capture_rows)")}
    conn.close()
    assert "record_sha256" in columns


def test_an_earlier_versions_first_snapshots_are_kept_under_the_url_requested(
        tmp_path: Path) -> None:
    """An earlier version kept a first snapshot under each form a URL was cited
    in (``#main``, a host in capitals). Read as it is, each citation finds its
    own; the next writer keeps one a URL, the one taken first (the page as
    first found), under the form requested, and each citation's requested form."""
    a, b, c = "http://127.0.0.1:9/a", "http://localhost:9/b", "http://127.0.0.1:9/c"
    store = open_store(tmp_path)
    kept = [(a + "#main", 1, "first"), (a, 9, "cited again"), ("http://LOCALHOST:9/b", 2, "b"),
            (c, 3, "c"), (c + "#x", 8, "c again")]
    with store.transaction():
        store.conn.execute("DROP INDEX citations_request_url")
        store.conn.execute("ALTER TABLE citations DROP COLUMN request_url")
        store.conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm006_request_forms'")
        for url, day, headline in kept:
            store.conn.execute(
                "INSERT INTO baselines (url, captured_at, final_url, headline, page)"
                " VALUES (?,?,?,?,?)", (url, f"2026-01-{day:02d}T00:00:00.5Z", url, headline,
                                        page_blob(PageInfo(kind="html", headline=headline))))
        store.conn.execute("INSERT INTO events (id, position) VALUES ('e', 0)")
        for pos, url in enumerate((a + "#main", a, "http://LOCALHOST:9/b", c + "#x")):
            store.conn.execute("INSERT INTO citations (event_id, url, position) VALUES (?,?,?)",
                               ("e", url, pos))
    store.close()

    def headlines(s: Store) -> list[str]:
        return [r["baseline_headline"] for r in s.iter_citations()]

    reader = open_store(tmp_path, readonly=True)
    try:
        assert headlines(reader) == ["first", "cited again", "b", "c again"]
        # the earlier of its form's and its own
        assert reader.baseline_headline(c + "#x") == "c"
    finally:
        reader.close()
    store = open_store(tmp_path)
    try:
        assert headlines(store) == ["first", "first", "b", "c"]
        rows = store.conn.execute("SELECT url, headline FROM baselines ORDER BY url").fetchall()
        requested = [r[0] for r in store.conn.execute(
            "SELECT request_url FROM citations ORDER BY position")]
        assert _first_captured(store, a + "#main") == "2026-01-01T00:00:00.5Z"  # no capture
    finally:
        store.close()
    assert rows == [(a, "first"), (c, "c"), (b, "b")]
    assert requested == [a, a, b, c]


def test_the_report_finds_first_snapshots_and_first_captures_through_indexes(
        tmp_path: Path) -> None:
    """Each citation's first snapshot and first capture are looked up by index,
    whatever the number of citations and captures (no pass over a table a row)."""
    store = open_store(tmp_path)
    try:
        ran: list[str] = []
        store.conn.set_trace_callback(ran.append)
        list(store.iter_citations())
        store.conn.set_trace_callback(None)
        plan = [str(r[3]) for r in store.conn.execute("EXPLAIN QUERY PLAN " + ran[-1])]
    finally:
        store.close()
    assert [p for p in plan if p.startswith("SCAN")] == ["SCAN c"], plan
    assert any("INDEX sqlite_autoindex_baselines_1" in p for p in plan), plan
    assert any("INDEX capture_rows_url" in p for p in plan), plan


def _first_captured(store: Store, url: str) -> str | None:
    """The ``first_captured`` of the citation of *url*, as the report reads it."""
    return {r["url"]: r["first_captured"]
            for r in store.iter_citations(active_only=False)}[url]


def test_first_captured_is_the_earliest_capture_in_either_form(tmp_path: Path) -> None:
    """A URL first captured as the later hop of a redirect, and one whose
    captures an earlier version recorded with the #fragment cited."""
    a = "http://127.0.0.1:9/a"
    never = "http://127.0.0.1:9/never"
    store = open_store(tmp_path)
    try:
        with store.transaction():
            _capture(store, a, 5, "response", "sha256:A")
            _capture(store, a + "#main", 3, "response", "sha256:A")
            store.set_baseline(a + "#main", None, dt.datetime(2026, 1, 7, tzinfo=dt.UTC), a,
                               None, PAGES[0])
            store.conn.execute("INSERT INTO events (id, position) VALUES ('e', 0)")
            for pos, url in enumerate((a, a + "#main", never)):
                store.conn.execute("INSERT INTO citations (event_id, url, request_url, position)"
                                   " VALUES ('e', ?, ?, ?)", (url, url.partition("#")[0], pos))
        assert _first_captured(store, a) == "2026-01-05T00:00:00Z"
        assert _first_captured(store, a + "#main") == "2026-01-03T00:00:00Z"
        assert _first_captured(store, never) is None
        assert store.baseline_headline(a) == PAGES[0].headline  # kept under the form requested
    finally:
        store.close()


def test_citations_keep_the_order_of_the_file_however_many_an_event_has(
        tmp_path: Path) -> None:
    """An event of more than 1,000 citations: its 1,001st was placed with the
    next event's first (positions were event * 1000 + citation)."""
    from archiver.sources import parse_sources

    lines = ["events:", "  - id: big", "    sources:"]
    lines += [f"      - http://127.0.0.1:9/big/{i}" for i in range(1002)]
    lines += ["  - id: small", "    sources:", "      - http://127.0.0.1:9/small/0",
              "      - http://127.0.0.1:9/small/1"]
    sources = parse_sources("\n".join(lines) + "\n", tmp_path / "sources.yaml")
    store = open_store(tmp_path / "archive")
    try:
        store.sync_sources(sources)
        order = [(r["event_id"], r["url"].rsplit("/", 1)[1]) for r in store.iter_citations()]
    finally:
        store.close()
    assert order == [("big", str(i)) for i in range(1002)] + [("small", "0"), ("small", "1")]


def test_a_citation_cited_again_starts_its_failures_again(tmp_path: Path) -> None:
    """Two failed checks, the citation taken out of the sources file, put back
    months later: its next failure was the third "in a row" over a span long
    past the 72 hours, dead at once. One still cited keeps its count."""
    from archiver.sources import parse_sources

    def sources(*paths: str) -> object:
        lines = ["events:", "  - id: e-1", "    sources:"]
        lines += [f"      - http://127.0.0.1:9{p}" for p in paths]
        return parse_sources("\n".join(lines) + "\n", tmp_path / "sources.yaml")

    store = open_store(tmp_path / "archive")
    try:
        store.sync_sources(sources("/gone", "/kept"))  # type: ignore[arg-type]
        with store.transaction():
            for path in ("/gone", "/kept"):
                store.record_check({
                    "cycle_id": 1, "event_id": "e-1", "url": f"http://127.0.0.1:9{path}",
                    "checked_at": "2026-01-05T03:00:00Z", "status": "unreachable",
                    "rule": "timeout", "reason": "timeout", "http_status": None,
                    "final_url": None, "headline": None, "published": None, "flags": "[]",
                    "consecutive_failures": 2, "first_failure_at": "2026-01-04T03:00:00Z"})
        store.sync_sources(sources("/kept"))  # type: ignore[arg-type]
        store.sync_sources(sources("/gone", "/kept"))  # type: ignore[arg-type]
        gone = store.failure_history("e-1", "http://127.0.0.1:9/gone")
        kept = store.failure_history("e-1", "http://127.0.0.1:9/kept")
    finally:
        store.close()
    assert (gone.consecutive_failures, gone.first_failure_at) == (0, None)
    assert kept.consecutive_failures == 2 and kept.first_failure_at is not None


def test_a_stopped_cycle_is_resumed_by_its_sources_file_by_any_path(tmp_path: Path) -> None:
    """Reached through a symbolic link, or after its folder was renamed, the same
    sources file was taken for another: the stopped cycle was superseded, and
    every page fetched again."""
    proj = tmp_path / "proj"
    proj.mkdir()
    sources = proj / "sources.yaml"
    sources.write_text("events: []\n")
    (tmp_path / "link").symlink_to(proj)
    other = tmp_path / "other.yaml"
    other.write_text("events: []\n")
    store = open_store(tmp_path / "archive")
    try:
        first = store.start_cycle(sources, 1)
        assert store.unfinished_cycle(tmp_path / "link" / "sources.yaml") == first
        proj.rename(tmp_path / "renamed")  # the recorded path is no longer there
        assert store.unfinished_cycle(tmp_path / "renamed" / "sources.yaml") == first
        (tmp_path / "renamed").rename(proj)
        gone = tmp_path / "gone.yaml"  # a cycle of a file deleted since, and another run
        store.finish_cycle(first)
        second = store.start_cycle(gone, 1)
        assert store.unfinished_cycle(other) is None  # another file (by name, gone.yaml gone)
        assert store.unfinished_cycle(gone) is None  # superseded
        third = store.start_cycle(sources, 1)
        assert second != third and store.unfinished_cycle(other) is None  # another file, there
        assert store.unfinished_cycle(sources) is None  # superseded
    finally:
        store.close()
