"""The replay serves only what the archive database vouches for.

The archive is the one tests/test_web.py makes (two cycles over a loopback
site, one WARC file each); each test alters a copy of it the way a forger
would, and asks the real pywb (``ReplayServer``, over loopback) for the
altered capture directly, as anyone who knows the replay's URL can.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import shutil
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

import archiver.collection
from archiver.collection import build_collection
from archiver.web.replay import ReplayServer

from .test_replay_cache import indexed
from .test_retrieval_damage import captures
from .test_web import PAGE_2_AFTER, PAGE_2_BEFORE, Lab, _forge_in_place
from .test_web import lab as lab  # the fixture: the archive two cycles made

pytestmark = pytest.mark.slow

FORGED = b"Forty-nine people"


def ts(capture: dict[str, Any]) -> str:
    """The 14-digit timestamp of a capture in replay URLs."""
    return str(capture["fetched_at"])[:19].replace("-", "").replace(":", "").replace("T", "")


def http_date(capture: dict[str, Any]) -> str:
    when = dt.datetime.strptime(ts(capture), "%Y%m%d%H%M%S")
    return when.strftime("%a, %d %b %Y %H:%M:%S GMT")


class Asker:
    """GETs from the replay, keeping every body it was sent."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.bodies: list[bytes] = []
        self.client = httpx.Client(trust_env=False, timeout=20)

    def get(self, path: str, follow: bool = False) -> httpx.Response:
        r = self.client.get(self.base + path, follow_redirects=follow,
                            headers={"Accept-Encoding": "identity"})
        self.bodies += [h.content for h in r.history] + [r.content]
        return r

    def never_sent(self, text: bytes) -> None:
        """Assert that no body it was sent holds *text*."""
        assert not [body for body in self.bodies if text in body]

    def __enter__(self) -> Asker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()


def copy_of(lab: Lab, tmp_path: Path) -> Path:
    copy = tmp_path / "archive"
    shutil.copytree(lab.archive, copy)
    return copy


def forged_response(path: Path, url: str, when: str) -> int:
    """Append to *path* a response for *url* dated *when*, with the forged text and
    digests of its own (as warcio makes them); returns its offset."""
    body = PAGE_2_BEFORE.replace("Forty-five people", FORGED.decode()).encode()
    offset = path.stat().st_size if path.exists() else 0
    with open(path, "ab") as fh:
        writer = WARCWriter(fh, gzip=True, warc_version="WARC/1.1")
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                   protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(
            url, "response", payload=io.BytesIO(body), length=len(body),
            http_headers=headers, warc_headers_dict={"WARC-Date": when}))
    return offset


def assert_sent_on(r: httpx.Response, base: str, to: dict[str, Any], mode: str = "id_") -> None:
    """pywb's answer to a timestamp it no longer has: a redirect to the closest
    capture it still has (``redirect_to_exact``)."""
    assert r.status_code == 307, (r.status_code, r.text[:300])
    assert r.headers["location"] == f"{base}/archive/{ts(to)}{mode}/{to['url']}"


def test_a_record_forged_in_place_is_not_replayed(lab: Lab, tmp_path: Path) -> None:
    """Rewritten as valid gzip of the same length: only its digests tell. pywb no
    longer has it: it sends the altered capture's URLs on to the intact one."""
    copy = copy_of(lab, tmp_path)
    url = lab.urls["two"]
    altered, intact = captures(copy, url)
    assert altered["warc_file"] != intact["warc_file"]
    _forge_in_place(copy, altered, b"Forty-five people", FORGED)
    one_original, one_revisit = captures(copy, lab.urls["one"])  # in the altered file
    assert one_original["warc_file"] == altered["warc_file"]
    with ReplayServer(copy, coll_root=tmp_path / "pywb") as replay:
        with Asker(replay.url) as asker:
            for mode in ("id_", "mp_"):
                assert_sent_on(asker.get(f"/archive/{ts(altered)}{mode}/{url}"),
                               replay.url, intact, mode)
            sent_on = asker.get(f"/archive/{ts(altered)}id_/{url}", follow=True)
            assert sent_on.status_code == 200 and sent_on.content == PAGE_2_AFTER.encode()
            framed = asker.get(f"/archive/{ts(altered)}/{url}")
            assert framed.status_code == 200 and b"wb_frame" in framed.content
            assert framed.headers["memento-datetime"] == http_date(intact)
            listed = asker.get(f"/archive/cdx?url={url}")
            assert [line.split(" ")[1] for line in listed.text.splitlines()] == [ts(intact)]
            # the intact capture, and the revisit of an intact record of the altered file
            r = asker.get(f"/archive/{ts(intact)}id_/{url}")
            assert r.status_code == 200 and r.content == PAGE_2_AFTER.encode()
            r = asker.get(f"/archive/{ts(one_revisit)}id_/{lab.urls['one']}")
            assert r.status_code == 200 and b"Taiwan slams Malaysia" in r.content
            assert r.headers["memento-datetime"] == http_date(one_revisit)
    asker.never_sent(FORGED)
    (warning,) = replay.warnings
    assert warning.startswith(f"{altered['warc_file']} differs from what was written")
    assert "left out of the replay, 1 record that the archive database does not know " \
        "or whose digests are not the recorded ones," in warning
    assert f"the first at offset {altered['warc_offset']};" in warning
    assert warning.endswith("run `archiver verify`")


def test_a_record_appended_to_a_closed_file_is_not_replayed(lab: Lab, tmp_path: Path) -> None:
    """A record with digests of its own at an offset the database does not know."""
    copy = copy_of(lab, tmp_path)
    url = lab.urls["two"]
    intact = captures(copy, url)[-1]
    offset = forged_response(copy / "warc" / intact["warc_file"], url, "2030-01-01T00:00:00Z")
    with ReplayServer(copy, coll_root=tmp_path / "pywb") as replay:
        with Asker(replay.url) as asker:
            assert_sent_on(asker.get(f"/archive/20300101000000id_/{url}"), replay.url, intact)
            r = asker.get(f"/archive/20300101000000id_/{url}", follow=True)
            assert r.status_code == 200 and r.content == PAGE_2_AFTER.encode()
            listed = asker.get(f"/archive/cdx?url={url}")
            assert "20300101000000" not in listed.text and ts(intact) in listed.text
    asker.never_sent(FORGED)
    (warning,) = replay.warnings
    assert warning.startswith(f"{intact['warc_file']} differs from what was written")
    assert "left out of the replay, 1 record " in warning
    assert f"the first at offset {offset};" in warning


def test_a_warc_file_the_database_never_recorded_is_not_replayed(
        lab: Lab, tmp_path: Path) -> None:
    """A whole WARC file planted beside the archive's: no SHA-256 and no record of
    it in the database, so nothing of it is replayed."""
    copy = copy_of(lab, tmp_path)
    url = lab.urls["two"]
    intact = captures(copy, url)[-1]
    planted = copy / "warc" / "archiver-20300101000000000000-00000.warc.gz"
    forged_response(planted, url, "2030-01-01T00:00:00Z")
    with ReplayServer(copy, coll_root=tmp_path / "pywb") as replay:
        with Asker(replay.url) as asker:
            assert_sent_on(asker.get(f"/archive/20300101000000id_/{url}"), replay.url, intact)
            asker.get(f"/archive/20300101000000id_/{url}", follow=True)
    asker.never_sent(FORGED)
    (warning,) = replay.warnings
    assert warning.startswith(f"{planted.name} has no SHA-256 recorded")
    assert "left out of the replay, 1 record " in warning
    assert "the first at offset 0;" in warning


def test_a_record_forged_while_the_replay_runs_is_checked_again(
        lab: Lab, tmp_path: Path) -> None:
    """The refresh looks at the files' ctimes too, before every request: a record
    forged in place (mtime given back) after the replay started is not served
    at the very next request."""
    copy = copy_of(lab, tmp_path)
    url = lab.urls["two"]
    altered, intact = captures(copy, url)
    warc = copy / "warc" / altered["warc_file"]
    with ReplayServer(copy, coll_root=tmp_path / "pywb") as replay:
        assert replay.warnings == []
        with Asker(replay.url) as asker:
            r = asker.get(f"/archive/{ts(altered)}id_/{url}")
            assert r.status_code == 200 and r.content == PAGE_2_BEFORE.encode()
            before = warc.stat()
            _forge_in_place(copy, altered, b"Forty-five people", FORGED)
            os.utime(warc, ns=(before.st_atime_ns, before.st_mtime_ns))
            assert_sent_on(asker.get(f"/archive/{ts(altered)}id_/{url}"), replay.url, intact)
            r = asker.get(f"/archive/{ts(intact)}id_/{url}")
            assert r.status_code == 200 and r.content == PAGE_2_AFTER.encode()
        log = replay.log_tail(5000)
    asker.never_sent(FORGED)
    assert f"{altered['warc_file']} differs from what was written" in log
    assert f"the first at offset {altered['warc_offset']};" in log


def counting(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[str]:
    """The file names *module*.*name* (a function of a path) is called on."""
    calls: list[str] = []
    real: Callable[..., Any] = getattr(module, name)

    def counted(path: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(Path(path).name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_a_cached_start_is_not_fooled_by_a_forgery_that_keeps_the_mtime(
        lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """The cache's key holds the file's ctime: a file rewritten in place with its
    size, inode and mtime kept is checked again, and the warning of that check
    is given again at each start; a warm start hashes nothing."""
    import cdxj_indexer.main

    copy = copy_of(lab, tmp_path)
    url = lab.urls["two"]
    altered, intact = captures(copy, url)
    hashed = counting(monkeypatch, archiver.collection, "file_sha256")
    indexer = counting(monkeypatch, cdxj_indexer.main, "write_cdx_index")
    build_collection(copy / "warc", tmp_path / "start-1")  # the cache of the intact files
    cold = sorted(hashed)
    hashed.clear()
    warc = copy / "warc" / altered["warc_file"]
    before = warc.stat()
    _forge_in_place(copy, altered, b"Forty-five people", FORGED)
    os.utime(warc, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = warc.stat()
    assert (after.st_size, after.st_ino, after.st_mtime_ns) == \
        (before.st_size, before.st_ino, before.st_mtime_ns)
    with ReplayServer(copy, coll_root=tmp_path / "start-2") as replay:
        with Asker(replay.url) as asker:
            assert_sent_on(asker.get(f"/archive/{ts(altered)}id_/{url}"), replay.url, intact)
            r = asker.get(f"/archive/{ts(intact)}id_/{url}")
            assert r.status_code == 200 and r.content == PAGE_2_AFTER.encode()
    asker.never_sent(FORGED)
    (warning,) = replay.warnings
    assert warning.startswith(f"{altered['warc_file']} differs from what was written")
    # a warm start: both indexes, and the warning, from the cache
    indexer.clear()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="archiver"):
        coll = build_collection(copy / "warc", tmp_path / "start-3")
    assert [r.getMessage() for r in caplog.records if r.name.startswith("archiver")] == \
        [warning]
    assert hashed == [] and indexer == []
    in_altered = [e for e in indexed(coll) if e["filename"] == altered["warc_file"]]
    assert in_altered and int(altered["warc_offset"]) not in \
        {int(e["offset"]) for e in in_altered}
    assert cold == sorted(p.name for p in (copy / "warc").glob("*.warc.gz"))


def test_a_file_indexed_before_its_hash_was_recorded_is_indexed_again_once_it_is(
        lab: Lab, tmp_path: Path) -> None:
    """A running cycle renames a full WARC file closed, commits the rows of its
    last records a moment later, and records its SHA-256 when the cycle ends.
    A replay that indexed the file in between left those records out; once the
    SHA-256 is recorded, the next request finds them."""
    copy = copy_of(lab, tmp_path)
    url = lab.urls["two"]
    first, latest = captures(copy, url)
    db = sqlite3.connect(copy / "archiver.db")
    try:
        file_row = db.execute("SELECT * FROM warc_files WHERE name = ?",
                              [latest["warc_file"]]).fetchone()
        capture_row = db.execute("SELECT * FROM capture_rows WHERE id = ?",
                                 [latest["id"]]).fetchone()
        with db:
            db.execute("DELETE FROM warc_files WHERE name = ?", [latest["warc_file"]])
            db.execute("DELETE FROM capture_rows WHERE id = ?", [latest["id"]])
        with ReplayServer(copy, coll_root=tmp_path / "pywb") as replay:
            with Asker(replay.url) as asker:
                assert_sent_on(asker.get(f"/archive/{ts(latest)}id_/{url}"), replay.url, first)
                with db:
                    marks = ", ".join("?" * len(capture_row))
                    db.execute(f"INSERT INTO capture_rows VALUES ({marks})", capture_row)
                    db.execute(f"INSERT INTO warc_files VALUES ({', '.join('?' * len(file_row))})",
                               file_row)
                deadline = time.monotonic() + 20
                while True:
                    r = asker.get(f"/archive/{ts(latest)}id_/{url}")
                    if r.status_code == 200 or time.monotonic() > deadline:
                        break
                    time.sleep(0.3)
                assert r.status_code == 200 and r.content == PAGE_2_AFTER.encode()
    finally:
        db.close()
    (warning,) = replay.warnings
    assert warning.startswith(f"{latest['warc_file']} has no SHA-256 recorded")
    assert f"the first at offset {latest['warc_offset']};" in warning


def test_a_database_that_cannot_be_read_vouches_for_nothing(
        lab: Lab, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    copy = copy_of(lab, tmp_path)
    for extra in ("-wal", "-shm"):
        (copy / f"archiver.db{extra}").unlink(missing_ok=True)
    (copy / "archiver.db").write_bytes(b"not a database" * 100)
    with caplog.at_level(logging.WARNING, logger="archiver"):
        coll = build_collection(copy / "warc", tmp_path / "pywb")
    assert indexed(coll) == []
    (warned,) = [r.getMessage() for r in caplog.records if r.name.startswith("archiver")]
    assert "archiver.db cannot be read" in warned and warned.endswith("`archiver verify`")


def test_the_records_of_one_file_are_found_through_indexes(lab: Lab, tmp_path: Path) -> None:
    """What the database knows of a file that differs from its SHA-256 (or that a
    running cycle still writes) was read from every capture of the archive, at
    each rebuild of the replay's index; a request record written to another
    file than its response is found by that file too."""
    from archiver.collection import Voucher

    copy = copy_of(lab, tmp_path)
    first, second = sorted(p.name for p in (copy / "warc").glob("*.warc.gz"))[:2]
    conn = sqlite3.connect(copy / "archiver.db")
    with conn:  # one request record of the second file, as if written to the first
        moved = conn.execute("SELECT id, request_offset FROM capture_rows WHERE warc_file = ? "
                             "AND request_offset IS NOT NULL", (second,)).fetchone()
        conn.execute("UPDATE capture_rows SET request_file = ? WHERE id = ?", (first, moved[0]))
    conn.close()
    voucher = Voucher.open(copy / "warc")
    assert voucher is not None and voucher.store is not None
    try:
        ran: list[str] = []
        voucher.store.conn.set_trace_callback(ran.append)
        known = {name: voucher.known(name) for name in (first, second)}
        voucher.store.conn.set_trace_callback(None)
        plans = [" ".join(str(row) for row in voucher.store.conn.execute(
            "EXPLAIN QUERY PLAN " + query)) for query in ran if "capture_rows" in query]
        everything = voucher.store.conn.execute(
            "SELECT warc_file, request_file, meta_file, warc_offset, request_offset, "
            "meta_offset, record_type, refers_to FROM captures").fetchall()
    finally:
        voucher.close()
    for name in (first, second):  # what a reading of every capture finds
        expected = set()
        for warc, request, meta, offset, request_offset, meta_offset, kind, refers in everything:
            if warc == name and (kind != "revisit" or refers):
                expected.add(offset)
            if request == name:
                expected.add(request_offset)
            if meta == name:
                expected.add(meta_offset)
        assert set(known[name]) == expected, name
    assert moved[1] in known[first] and moved[1] not in known[second]
    assert len(plans) == 2 and all("SCAN capture_rows" not in plan for plan in plans), plans
    assert all("capture_rows_file" in plan and "capture_rows_request_file" in plan
               for plan in plans), plans
