"""What a capture's row says of its records, against the records: every value
``verify`` (and the dashboard) can check is checked, a revisit's body against
its original's, and a body the server cut off says so in WARC 1.1's words."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from warcio.archiveiterator import ArchiveIterator

from archiver.models import Hop
from archiver.retrieval import verify_records
from archiver.settings import WarcSettings
from archiver.warc import WarcWriter, exchange_specs
from archiver.web.app import make_app

from .lab import Handler, Site, copy_archive, news_page
from .sourcesfile import one_event_per_url, write_sources
from .test_cli import archiver
from .test_warc import SOFTWARE

PAGE = news_page("Kenya deports 45 Taiwanese", "Kenya deported 45 Taiwanese to China.",
                 published="2016-04-12").encode()


def _cut_off(handler: Handler) -> None:
    """A head that promises more than the server sends before it closes."""
    handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                        b"Content-Length: %d\r\n\r\n" % (len(PAGE) + 5000) + PAGE)
    handler.wfile.flush()
    handler.close_connection = True


class Lab:
    """A page, a redirect to it and a page cut off, archived by two runs (the
    second writes revisits)."""

    def __init__(self, root: Path) -> None:
        self.site = Site().start()
        self.site.page("/news", PAGE)
        self.site.redirect("/moved", "/news", status=302)
        self.site.raw("/cut", _cut_off)
        self.urls = {name: self.site.url("/" + name) for name in ("news", "moved", "cut")}
        self.sources = write_sources(root / "sources.yaml",
                                     one_event_per_url(list(self.urls.values())))
        self.archive = root / "archive"
        for _ in range(2):
            archiver("run", "--sources", str(self.sources), "--archive", str(self.archive),
                     "--allow-private", "--per-host-delay", "0")

    def rows(self, archive: Path, name: str) -> dict[str, dict[str, object]]:
        """The capture rows of the URL *name* in *archive*, by record type."""
        conn = sqlite3.connect(archive / "archiver.db")
        conn.row_factory = sqlite3.Row
        try:
            return {row["record_type"]: dict(row) for row in conn.execute(
                "SELECT * FROM captures WHERE url = ? ORDER BY id", (self.urls[name],))}
        finally:
            conn.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    made = Lab(tmp_path_factory.mktemp("rows"))
    yield made
    made.site.stop()


def _edited(lab: Lab, tmp_path: Path, name: str, kind: str, column: str,
            value: object) -> tuple[Path, dict[str, object]]:
    """A copy of the archive whose *kind* row of *name* says *value* in *column*."""
    copy = copy_archive(lab.archive, tmp_path)
    row = lab.rows(copy, name)[kind]
    conn = sqlite3.connect(copy / "archiver.db")
    with conn:
        conn.execute(f"UPDATE capture_rows SET {column} = ? WHERE id = ?", (value, row["id"]))
    conn.close()
    return copy, row


def test_a_body_the_server_cut_off_is_written_truncated_disconnect(lab: Lab) -> None:
    """WARC 1.1 (5.13) defines length, time, disconnect and unspecified; a body
    the server stopped sending was written "WARC-Truncated: error". The record
    says disconnect; the database keeps its word, and the archive verifies."""
    row = lab.rows(lab.archive, "cut")["response"]
    assert row["truncated"] == "error" and lab.rows(lab.archive, "cut")["revisit"]
    with open(lab.archive / "warc" / str(row["warc_file"]), "rb") as fh:
        fh.seek(int(str(row["warc_offset"])))
        record = next(iter(ArchiveIterator(fh)))
        assert record.rec_headers.get_header("WARC-Truncated") == "disconnect"
    proc = archiver("verify", "--archive", str(lab.archive))
    assert proc.returncode == 0 and b"all digests match" in proc.stdout, proc.stdout
    proc = archiver("get", lab.urls["cut"], "--archive", str(lab.archive))
    assert proc.returncode == 0 and b"cut where the connection broke" in proc.stderr


def test_a_record_written_truncated_error_still_verifies(tmp_path: Path) -> None:
    """A record an earlier version wrote says "WARC-Truncated: error", as its row
    does; a record written now says disconnect. Both match the row; a record
    that says another reason does not."""
    hop = Hop(url="http://127.0.0.1:9/cut", method="GET", request_headers=[],
              started=dt.datetime.now(dt.UTC), status=200,
              response_headers=[("Content-Type", "text/html")], body_data=b"<p>cut",
              body_size=6, truncated=True, truncated_reason="error", ip="127.0.0.1")
    _, now = exchange_specs(hop)
    with WarcWriter(tmp_path / "warc", WarcSettings(), SOFTWARE) as writer:
        written = {word: writer.write(None, dataclasses.replace(now, headers=[
            (k, word if k == "WARC-Truncated" else v) for k, v in now.headers]))[1]
            for word in ("disconnect", "error", "length")}
    assert ("WARC-Truncated", "disconnect") in now.headers
    for word, loc in written.items():
        said = dataclasses.replace(loc, truncated="error", body_size=6, http_status=200)
        problems = verify_records(tmp_path / "warc", [said])
        assert [p.kind for p in problems] == ([] if word != "length" else ["wrong-response"]), \
            (word, problems)


@pytest.mark.parametrize("name, kind, column, value, said", [
    ("news", "response", "ip", "10.9.9.9",
     "the record's WARC-IP-Address is 127.0.0.1, not 10.9.9.9 as the archive database's ip"),
    ("news", "revisit", "ip", None,
     "WARC-IP-Address is 127.0.0.1, not absent as the archive database's ip says"),
    ("news", "response", "content_type", "application/pdf",
     "HTTP Content-Type is 'text/html; charset=utf-8', not 'application/pdf' as the archive "
     "database's content_type says"),
    ("news", "revisit", "content_type", None, "not absent as the archive database's "
                                              "content_type says"),
    ("moved", "response", "location", "/elsewhere",
     "HTTP Location is '/news', not '/elsewhere' as the archive database's location says"),
    ("cut", "revisit", "truncated", None,
     "which was cut: error; the archive database's truncated says of the revisit that it "
     "was not cut"),
    ("cut", "revisit", "truncated", "length", "that it was cut: length"),
    ("news", "revisit", "body_size", 5, "bytes, not 5 as the archive database's body_size "
                                        "says of the revisit"),
])
def test_every_value_of_a_capture_row_is_checked_against_its_record(
        lab: Lab, tmp_path: Path, name: str, kind: str, column: str, value: object,
        said: str) -> None:
    """verify compared a row's HTTP status, truncation and body size with its
    record, but a revisit's truncation and body size (which the dashboard shows
    for every capture) with nothing, nor any row's ip, Content-Type or Location:
    an edited row gave false facts while verify said all digests match."""
    copy, row = _edited(lab, tmp_path, name, kind, column, value)
    proc = archiver("verify", "--archive", str(copy))
    assert proc.returncode == 1, proc.stdout
    lines = proc.stdout.decode().splitlines()
    where = f"{row['warc_file']}@{row['warc_offset']}: wrong-response: "
    assert [line for line in lines if line.startswith(where) and said in line], lines
    assert len(lines) == 2, lines  # that problem, and the summary


def test_a_capture_row_of_another_record_type_is_named(lab: Lab, tmp_path: Path) -> None:
    copy, row = _edited(lab, tmp_path, "news", "revisit", "record_type", "response")
    proc = archiver("verify", "--archive", str(copy))
    assert proc.returncode == 1, proc.stdout
    assert f"{row['warc_file']}@{row['warc_offset']}: wrong-type: the record is a revisit " \
           "record, not a response as the archive database says".encode() in proc.stdout


def test_an_edited_original_is_named_and_not_its_revisits(lab: Lab, tmp_path: Path) -> None:
    """The revisit's row is compared with its original's once that row matches
    its record: the row edited is the one named."""
    copy, row = _edited(lab, tmp_path, "cut", "response", "truncated", "time")
    proc = archiver("verify", "--archive", str(copy))
    assert proc.returncode == 1, proc.stdout
    assert proc.stdout.decode().splitlines()[:-1] == [
        f"{row['warc_file']}@{row['warc_offset']}: wrong-response: the record says its body "
        "was cut: disconnect, the archive database that it was cut: time"]


def test_the_dashboard_names_a_revisit_whose_row_differs(lab: Lab, tmp_path: Path) -> None:
    """Each capture a citation page lists is checked as verify checks it."""
    copy, row = _edited(lab, tmp_path, "cut", "revisit", "body_size", 5)
    conn = sqlite3.connect(copy / "archiver.db")
    (cid,) = conn.execute("SELECT id FROM citations WHERE url = ?",
                          (lab.urls["cut"],)).fetchone()
    conn.close()
    app = make_app(copy, replay_base="http://replay.test:8081")
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://d") as c:
        data = c.get(f"/citation/{cid}.json").json()
    problems = {cap["id"]: cap["digest_problem"] for cap in data["captures"]}
    assert problems[row["id"]] == (
        f"{row['warc_file']}@{row['warc_offset']}: the revisit's body is its original's "
        f"(capture {lab.rows(copy, 'cut')['response']['id']}), "
        f"{lab.rows(copy, 'cut')['response']['body_size']} bytes, not 5 as the archive "
        "database's body_size says of the revisit"), problems
    assert [p for i, p in problems.items() if i != row["id"]] == [None], problems

