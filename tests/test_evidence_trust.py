"""What the archive vouches for, against what was put beside it or lost from it:
a WARC file no cycle wrote is never recorded as the archive's, a capture whose
original is lost is archived in full again, and a row altered in the database
is said, not a crash."""

from __future__ import annotations

import gzip
import io
import json
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from .lab import Site, copy_archive, news_page
from .sourcesfile import one_event_per_url, write_sources
from .test_cli import archiver

FORGED = b"<html><head><title>FORGED</title></head><body><h1>FORGED</h1></body></html>"


class Lab:
    def __init__(self, root: Path) -> None:
        self.site = Site().start()
        for i in (1, 2):
            self.site.page(f"/news/{i}", news_page(f"Kenya deports {40 + i} Taiwanese",
                                                   f"Kenya deported {40 + i} Taiwanese.",
                                                   published="2016-04-12"))
        self.urls = [self.site.url("/news/1"), self.site.url("/news/2")]
        self.sources = write_sources(root / "sources.yaml", one_event_per_url(self.urls))
        self.archive = root / "archive"

    def run(self, archive: Path) -> subprocess.CompletedProcess[bytes]:
        return archiver("run", "--sources", str(self.sources), "--archive", str(archive),
                        "--allow-private", "--per-host-delay", "0")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    made = Lab(tmp_path_factory.mktemp("trust"))
    assert made.run(made.archive).returncode == 0
    yield made
    made.site.stop()


def copy_of(lab: Lab, tmp_path: Path) -> Path:
    return copy_archive(lab.archive, tmp_path)


def plant(path: Path, url: str) -> None:
    """A valid WARC file with a forged response for *url*, as warcio writes one."""
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True, warc_version="WARC/1.1")
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")],
                                protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(
            url, "response", payload=io.BytesIO(FORGED), http_headers=http,
            warc_headers_dict={"WARC-Date": "2026-11-27T02:59:14Z"}))


def recorded(archive: Path) -> set[str]:
    conn = sqlite3.connect(archive / "archiver.db")
    try:
        return {row[0] for row in conn.execute(
            "SELECT name FROM warc_files WHERE sha256 IS NOT NULL")}
    finally:
        conn.close()


def test_a_warc_file_no_cycle_wrote_is_not_recorded_by_the_next_cycle(
        lab: Lab, tmp_path: Path) -> None:
    """Each cycle recorded the SHA-256 of every WARC file it found unrecorded: a
    file planted beside the archive's was, after one run, vouched for by
    `verify`, replayed and exported."""
    copy = copy_of(lab, tmp_path)
    planted = copy / "warc" / "archiver-20261127025914000000-00000.warc.gz"
    plant(planted, lab.urls[0])
    assert archiver("verify", "--archive", str(copy)).returncode == 1
    assert lab.run(copy).returncode == 0
    assert planted.name not in recorded(copy)
    proc = archiver("verify", "--archive", str(copy))
    assert proc.returncode == 1 and planted.name.encode() in proc.stdout + proc.stderr
    assert len(recorded(copy)) == 2  # the two cycles' own files


def test_a_capture_whose_original_is_lost_is_archived_in_full_again(
        lab: Lab, tmp_path: Path) -> None:
    """An unchanged page was written as a revisit of its latest full capture even
    when that capture's file was gone: the bytes just fetched were thrown away,
    and `get` could give nothing ever after."""
    copy = copy_of(lab, tmp_path)
    (first,) = (copy / "warc").glob("*.warc.gz")
    first.unlink()
    proc = lab.run(copy)
    assert proc.returncode == 0, proc.stderr
    assert f"{first.name}, which holds earlier captures, is missing".encode() in proc.stderr
    for url in lab.urls:
        got = archiver("get", url, "--archive", str(copy))
        assert got.returncode == 0, got.stderr
        assert b"Kenya deported" in got.stdout
    conn = sqlite3.connect(copy / "archiver.db")
    kinds = [row[0] for row in conn.execute(
        "SELECT record_type FROM capture_rows WHERE warc_file != ? ORDER BY id", (first.name,))]
    conn.close()
    assert kinds and set(kinds) == {"response"}, kinds


def test_a_cut_original_is_archived_in_full_again(lab: Lab, tmp_path: Path) -> None:
    copy = copy_of(lab, tmp_path)
    (first,) = (copy / "warc").glob("*.warc.gz")
    with open(first, "r+b") as fh:
        fh.truncate(first.stat().st_size // 3)
    proc = lab.run(copy)
    assert proc.returncode == 0, proc.stderr
    assert b"is shorter than they are" in proc.stderr
    conn = sqlite3.connect(copy / "archiver.db")
    kinds = {row[0] for row in conn.execute(
        "SELECT record_type FROM capture_rows WHERE warc_file != ?", (first.name,))}
    conn.close()
    assert "response" in kinds


def test_a_file_listed_without_its_hash_is_said_not_a_crash(lab: Lab, tmp_path: Path) -> None:
    """`verify` raised AttributeError on a warc_files row whose sha256 is NULL."""
    copy = copy_of(lab, tmp_path)
    conn = sqlite3.connect(copy / "archiver.db")
    with conn:
        conn.execute("UPDATE warc_files SET sha256 = NULL")
    conn.close()
    proc = archiver("verify", "--archive", str(copy))
    assert proc.returncode == 1, proc.stderr
    assert b"Traceback" not in proc.stderr
    assert b"unrecorded" in proc.stdout + proc.stderr


def test_a_file_a_cycle_opened_is_recorded_though_no_row_names_its_records(
        lab: Lab, tmp_path: Path) -> None:
    """A cycle stopped by a full disk leaves a file whose records no committed row
    names: the cycle noted the file when it opened it, and the next cycle, which
    closes it, records its SHA-256 (a file put there by anything else has no note)."""
    copy = copy_of(lab, tmp_path)
    left = copy / "warc" / "archiver-20261127025914000000-00000.warc.gz"
    plant(left, lab.urls[0])  # written as a cycle would, its rows never committed
    conn = sqlite3.connect(copy / "archiver.db")
    with conn:
        conn.execute("INSERT INTO warc_files (name) VALUES (?)", (left.name,))
    conn.close()
    assert lab.run(copy).returncode == 0
    assert left.name in recorded(copy)
    proc = archiver("verify", "--archive", str(copy))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_get_output_dash_is_standard_output(lab: Lab, tmp_path: Path) -> None:
    """`get -o -` wrote a file named "-"."""
    proc = archiver("get", lab.urls[0], "--archive", str(lab.archive), "-o", "-",
                    cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert b"Kenya deported 41" in proc.stdout
    assert not (tmp_path / "-").exists()


@pytest.mark.parametrize("edit", ["url", "time"])
def test_a_row_re_pointed_in_the_database_is_not_handed_over(lab: Lab, tmp_path: Path,
                                                             edit: str) -> None:
    """`get` and `verify` trusted the row's URL and time: a response re-pointed to
    another URL was handed over as that URL's copy, and one re-dated as a copy
    taken then; `verify` said all was well."""
    copy = copy_of(lab, tmp_path)
    conn = sqlite3.connect(copy / "archiver.db")
    with conn:
        one, two = (conn.execute("SELECT id FROM urls WHERE url = ?", (u,)).fetchone()[0]
                    for u in lab.urls)
        if edit == "url":  # the response of news/2 said to be news/1's, of 2030
            conn.execute("UPDATE capture_rows SET url_id = ?, fetched_at = "
                         "'2030-01-01T00:00:00Z' WHERE url_id = ? AND record_type = "
                         "'response'", (one, two))
        else:
            conn.execute("UPDATE capture_rows SET fetched_at = '2019-03-12T00:00:00Z' "
                         "WHERE url_id = ? AND record_type = 'response'", (one,))
    conn.close()
    # the capture closest to 2030: the re-pointed one (the latest is the last made)
    at = ["--at", "2030-01-01"] if edit == "url" else []
    got = archiver("get", lab.urls[0], "--archive", str(copy), *at)
    assert got.returncode == 1 and got.stdout == b"", got.stderr
    said = b"is of" if edit == "url" else b"is dated"
    assert said in got.stderr and b"as the archive database says" in got.stderr, got.stderr
    proc = archiver("verify", "--archive", str(copy))
    assert proc.returncode == 1 and said in proc.stdout + proc.stderr


def test_an_altered_copy_of_an_escaped_url_is_refused_by_the_dashboard(
        tmp_path: Path) -> None:
    """The dashboard's link to a capture answers 409 when the copy is altered; for
    a URL with escapes ("/unicode/%E4%B8%AD%E6%96%87") the route decoded them,
    found no capture of "/unicode/中文", and sent the link on to the replay."""
    import threading

    import httpx
    from werkzeug.serving import make_server

    from archiver.web.app import make_app

    from .test_web import _forge_in_place

    path = "/unicode/%E4%B8%AD%E6%96%87"
    with Site() as site:
        site.page(path, news_page("Kenya deports 45 Taiwanese",
                                  "Forty-five people were deported on Tuesday."))
        url = site.url(path)
        sources = write_sources(tmp_path / "sources.yaml", one_event_per_url([url]))
        archive = tmp_path / "archive"
        proc = archiver("run", "--sources", str(sources), "--archive", str(archive),
                        "--allow-private", "--per-host-delay", "0")
        assert proc.returncode == 0, proc.stderr
    conn = sqlite3.connect(archive / "archiver.db")
    conn.row_factory = sqlite3.Row
    row = dict(conn.execute("SELECT * FROM captures WHERE record_type = 'response'").fetchone())
    conn.close()
    assert row["url"] == url
    _forge_in_place(archive, row, b"Forty-five people", b"Forty-nine people")
    stamp = "".join(ch for ch in row["fetched_at"][:19] if ch.isdigit())
    server = make_server("127.0.0.1", 0, make_app(archive, replay_base="http://replay.test"),
                         threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        answer = httpx.get(f"http://127.0.0.1:{server.server_port}/archive/{stamp}/{url}",
                           timeout=30)
    finally:
        server.shutdown()
        thread.join(10)
    assert answer.status_code == 409, (answer.status_code, answer.headers.get("location"))
    assert row["warc_file"] in answer.text


def test_a_revisit_re_pointed_in_the_database_is_said_by_verify(lab: Lab,
                                                               tmp_path: Path) -> None:
    """`get` refused a revisit whose original in the database is not the record
    its WARC-Refers-To names, while `verify` said all was well."""
    copy = copy_of(lab, tmp_path)
    assert lab.run(copy).returncode == 0  # the unchanged pages: revisits
    conn = sqlite3.connect(copy / "archiver.db")
    with conn:
        revisit, original = conn.execute(
            "SELECT id, refers_to FROM capture_rows WHERE record_type = 'revisit' "
            "ORDER BY id LIMIT 1").fetchone()
        other = conn.execute("SELECT id FROM capture_rows WHERE record_type = 'response' "
                             "AND id != ? ORDER BY id LIMIT 1", (original,)).fetchone()[0]
        conn.execute("UPDATE capture_rows SET refers_to = ? WHERE id = ?", (other, revisit))
    conn.close()
    proc = archiver("verify", "--archive", str(copy))
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1 and b"the revisit refers to" in out, out


def test_verify_says_where_a_changed_file_differs(lab: Lab, tmp_path: Path) -> None:
    """A whole record appended to a closed file, and a file cut at a record's
    start, were both "the change is in how they are compressed", with no offset."""
    copy = copy_of(lab, tmp_path)
    (path,) = (copy / "warc").glob("*.warc.gz")
    size = path.stat().st_size
    extra = tmp_path / "extra.warc.gz"
    plant(extra, lab.urls[0])
    with open(path, "ab") as fh:
        fh.write(extra.read_bytes())
    proc = archiver("verify", "--archive", str(copy), "--format", "json")
    assert proc.returncode == 1
    assert f"{path.name}@{size}".encode() in proc.stdout or \
        f'"offset": {size}'.encode() in proc.stdout, proc.stdout
    assert b"not one the archive database names" in proc.stdout
    conn = sqlite3.connect(copy / "archiver.db")
    last = conn.execute("SELECT max(warc_offset) FROM capture_rows WHERE warc_file = ?",
                        (path.name,)).fetchone()[0]
    conn.close()
    with open(path, "r+b") as fh:
        fh.truncate(last)
    proc = archiver("verify", "--archive", str(copy), "--format", "json")
    assert proc.returncode == 1 and b"cut short" in proc.stdout, proc.stdout


def test_get_says_a_body_was_cut_at_the_size_cap(tmp_path: Path) -> None:
    """Only --headers showed (by the Content-Length) that the payload handed over
    is not the whole body."""
    with Site() as site:
        site.page("/big", news_page("Kenya deports 45 Taiwanese", "Deported. " * 2000))
        url = site.url("/big")
        sources = write_sources(tmp_path / "sources.yaml", one_event_per_url([url]))
        config = tmp_path / "archiver.toml"
        config.write_text("[fetch]\nmax_bytes = 5000\n", encoding="utf-8")
        archive = tmp_path / "archive"
        proc = archiver("run", "--sources", str(sources), "--archive", str(archive),
                        "--config", str(config), "--allow-private", "--per-host-delay", "0")
        assert proc.returncode == 0, proc.stderr
    got = archiver("get", url, "--archive", str(archive))
    assert got.returncode == 0 and len(got.stdout) == 5000, got.stderr
    assert b"the body was cut at the size cap, after 5000 bytes" in got.stderr, got.stderr


def test_verify_reads_the_records_as_the_database_lists_them(
        lab: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    """verify checks each record as its row comes from the database, never holding
    every location at once: its memory does not grow with the archive's history
    (97,485 records: 136 MB peak before, 35 MB after)."""
    from archiver import retrieval
    from archiver.evidence import verify_archive
    from archiver.storeopen import open_store

    seen: list[str] = []
    check_one = retrieval._verify_one

    def logged(warc_dir: Path, loc: object) -> object:
        seen.append("record")
        return check_one(warc_dir, loc)  # type: ignore[arg-type]

    monkeypatch.setattr(retrieval, "_verify_one", logged)
    store = open_store(lab.archive, readonly=True)
    rows = store.all_captures

    def listed() -> Iterator[dict[str, object]]:
        for row in rows():
            seen.append("row")
            yield row

    monkeypatch.setattr(store, "all_captures", listed)
    try:
        result = verify_archive(store, lab.archive)
    finally:
        store.close()
    assert result.problems == [] and result.records == seen.count("record") >= 6
    assert seen.count("row") >= 2
    assert seen.index("record") < len(seen) - 1 - seen[::-1].index("row")  # before the last row


def _verify_json(archive: Path) -> tuple[int, dict[str, object]]:
    proc = archiver("verify", "--archive", str(archive), "--format", "json")
    assert b"Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def _edit_capture_row(archive: Path, url: str, sql: str, *values: object
                      ) -> dict[str, object]:
    """Run *sql* with *values* and the id of the first capture row of *url* in
    *archive*'s database; the row as it was."""
    conn = sqlite3.connect(archive / "archiver.db")
    conn.row_factory = sqlite3.Row
    with conn:
        row = dict(conn.execute("SELECT * FROM captures WHERE url = ?", (url,)).fetchone())
        conn.execute(sql, (*values, row["id"]))
    conn.close()
    return row


def test_a_capture_row_taken_out_of_the_database_is_named_by_verify(
        lab: Lab, tmp_path: Path) -> None:
    """A capture's row deleted from the database, its WARC file as written: the
    record stayed in the file, the file's SHA-256 still matched, and verify said
    all was well (exit 0). Each of its records (request, response, metadata) is
    now named with its file, offset, URL and date."""
    copy = copy_of(lab, tmp_path)
    row = _edit_capture_row(copy, lab.urls[1], "DELETE FROM capture_rows WHERE id = ?")
    assert row["record_type"] == "response" and row["meta_offset"] is not None
    proc = archiver("verify", "--archive", str(copy))
    assert proc.returncode == 1, proc.stdout
    lines = [x for x in proc.stdout.decode().splitlines() if ": unnamed: " in x]
    offsets = sorted(int(row[k]) for k in ("request_offset", "warc_offset", "meta_offset"))
    assert [x.split(": ", 1)[0] for x in lines] == \
        [f"{row['warc_file']}@{offset}" for offset in offsets], lines
    (response,) = [x for x in lines if x.startswith(f"{row['warc_file']}@{row['warc_offset']}:")]
    assert f"a response record of {lab.urls[1]} dated {row['fetched_at']}" in response
    assert "no row of the archive database names" in response
    code, found = _verify_json(copy)
    assert code == 1 and found["ok"] is False and found["files_matched_to_rows"] == 1
    assert [(p["file"], p["offset"]) for p in found["problems"]  # type: ignore[union-attr]
            if p["kind"] == "unnamed"] == [(row["warc_file"], o) for o in offsets]


def test_a_file_whose_cycle_failed_before_its_rows_were_committed_is_no_finding(
        lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cycle that fails as it commits its rows (a full disk, say) closes its
    WARC file with records no row names: not a finding of verify, which says the
    file was not looked through, where a cycle that ends looks through its own."""
    import asyncio

    from archiver.exceptions import StorageError
    from archiver.pipeline import run_cycle
    from archiver.sources import load_sources
    from archiver.store import Store

    from .sourcesfile import lab_settings

    copy = copy_of(lab, tmp_path)

    def full(store: Store, row: dict[str, object]) -> int:
        raise sqlite3.OperationalError("database or disk is full")

    with monkeypatch.context() as patched:
        patched.setattr(Store, "insert_capture", full)
        with pytest.raises(StorageError):
            asyncio.run(run_cycle(load_sources(lab.sources), archive=copy,
                                  settings=lab_settings()))
    assert len(recorded(copy)) == 2  # its file, closed and recorded, rows never committed
    code, found = _verify_json(copy)
    assert code == 0 and found["problems"] == [], found
    assert (found["files"], found["files_matched_to_rows"]) == (2, 1)
    text = archiver("verify", "--archive", str(copy)).stdout.decode()
    assert "note: 1 of the WARC files were not looked through" in text, text
    assert lab.run(copy).returncode == 0  # a cycle that ends: its file is looked through
    code, found = _verify_json(copy)
    assert code == 0 and (found["files"], found["files_matched_to_rows"]) == (3, 2), found


def test_a_file_of_a_cycle_that_met_a_defect_after_writing_is_no_finding(
        lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A defect met on a URL after its records were written (its citations are
    then "internal-error") leaves them without rows, though the cycle ends: its
    file is not looked through for records no row names (no false finding)."""
    import asyncio

    from archiver import pipeline
    from archiver.sources import load_sources

    from .sourcesfile import lab_settings

    copy = copy_of(lab, tmp_path)
    status_of, calls = pipeline.http_status_of, []

    def failing_once(result: object) -> object:
        calls.append(result)
        if len(calls) == 1:  # the first URL's, just after its records were written
            raise RuntimeError("a defect")
        return status_of(result)  # type: ignore[arg-type]

    with monkeypatch.context() as patched:
        patched.setattr(pipeline, "http_status_of", failing_once)
        summary = asyncio.run(pipeline.run_cycle(load_sources(lab.sources), archive=copy,
                                                 settings=lab_settings()))
    assert summary.counts.get("unreachable") == 1, summary.counts
    code, found = _verify_json(copy)
    assert code == 0 and found["problems"] == [], found
    assert (found["files"], found["files_matched_to_rows"]) == (2, 1)


def test_an_archive_from_before_the_note_verifies_cleanly_and_is_then_upgraded(
        lab: Lab, tmp_path: Path) -> None:
    """An archive written before archiver noted which files have a row for every
    record (no m005): its files are not looked through (which of them a crash
    left is not known) and it verifies cleanly, saying so; the next cycle adds
    the note for its own file, whose records are then looked through."""
    copy = copy_of(lab, tmp_path)
    conn = sqlite3.connect(copy / "archiver.db")
    with conn:
        conn.execute("ALTER TABLE warc_files DROP COLUMN rows_complete")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm005_rows_complete'")
    conn.close()
    code, found = _verify_json(copy)
    assert code == 0 and (found["files"], found["files_matched_to_rows"]) == (1, 0), found
    assert lab.run(copy).returncode == 0
    code, found = _verify_json(copy)
    assert code == 0 and (found["files"], found["files_matched_to_rows"]) == (2, 1), found
    conn = sqlite3.connect(copy / "archiver.db")
    with conn:
        name, offset = conn.execute(
            "SELECT name, (SELECT warc_offset FROM capture_rows WHERE warc_file = name"
            " ORDER BY id DESC LIMIT 1) FROM warc_files WHERE rows_complete = 1").fetchone()
        conn.execute("DELETE FROM capture_rows WHERE warc_file = ? AND warc_offset = ?",
                     (name, offset))
    conn.close()
    code, found = _verify_json(copy)
    assert code == 1 and [(p["file"], p["offset"], p["kind"])  # type: ignore[index]
                          for p in found["problems"]] == [(name, offset, "unnamed")], found


#: ``archiver`` killed (``os._exit``) just before (``before``) or just after
#: (``after``) it renames a WARC file from ``NAME.open`` to ``NAME``: as a
#: cycle closes it, or as the next start closes one a crash left.
DYING = """
import os, sys
when, rename = sys.argv.pop(1), os.rename

def dying(src, dst, *args, **kwargs):
    closing = str(src).endswith(".warc.gz.open") and str(dst).endswith(".warc.gz")
    if closing and when == "before":
        os._exit(9)
    rename(src, dst, *args, **kwargs)
    if closing and when == "after":
        os._exit(9)

os.rename = dying
from archiver.cli import cli
cli()
"""


def run_dying(when: str, *args: str) -> None:
    proc = subprocess.run([sys.executable, "-c", DYING, when, *args], capture_output=True,
                          timeout=120)
    assert proc.returncode == 9, proc.stderr


def with_a_third_page(lab: Lab, tmp_path: Path) -> tuple[Path, list[str], tuple[str, ...]]:
    """A copy of the lab's archive, the lab's URLs and a third, and the arguments of
    a run over the three into the copy."""
    copy = copy_of(lab, tmp_path)
    lab.site.page("/news/3", news_page("Kenya deports 43 Taiwanese", "Kenya deported 43.",
                                       published="2016-04-12"))
    urls = [*lab.urls, lab.site.url("/news/3")]
    sources = write_sources(tmp_path / "sources.yaml", one_event_per_url(urls))
    return copy, urls, ("run", "--sources", str(sources), "--archive", str(copy),
                        "--allow-private", "--per-host-delay", "0")


def packed(wacz: Path) -> tuple[set[str], set[str]]:
    """The URLs of the pages of *wacz*, and those of the captures its index holds."""
    with zipfile.ZipFile(wacz) as z:
        pages = [json.loads(x) for x in z.read("pages/pages.jsonl").decode().splitlines()[1:]]
        index = gzip.decompress(z.read("indexes/index.cdx.gz")).decode().splitlines()
    return {p["url"] for p in pages}, {json.loads(x.split(" ", 2)[2])["url"] for x in index}


def test_export_lists_no_page_whose_capture_is_in_a_file_still_open(
        lab: Lab, tmp_path: Path) -> None:
    """export listed a page for each capture the database holds, those in a WARC
    file still open (a running cycle's, or one a killed cycle left) too, which it
    does not pack: pages with nothing to replay, in a package that validates.
    They are left out, and counted."""
    copy, urls, run = with_a_third_page(lab, tmp_path)
    run_dying("before", *run)
    assert list((copy / "warc").glob("*.warc.gz.open"))
    out = tmp_path / "out.wacz"
    proc = archiver("export", "--archive", str(copy), "--wacz", str(out))
    assert proc.returncode == 0, proc.stderr
    pages, indexed = packed(out)
    assert pages == set(lab.urls) and pages <= indexed, (pages, indexed)  # not /news/3
    assert b"note: 3 captures left out: the WARC files holding them are still open" \
        in proc.stderr, proc.stderr
    assert archiver(*run).returncode == 0  # the next start closes the file
    proc = archiver("export", "--archive", str(copy), "--wacz", str(out))
    assert proc.returncode == 0 and b"left out" not in proc.stderr, proc.stderr
    pages, indexed = packed(out)
    assert pages == set(urls) and pages <= indexed, (pages, indexed)


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_cycle_killed_as_it_closes_a_warc_file_leaves_an_archive_that_verifies(
        lab: Lab, tmp_path: Path, when: str) -> None:
    """A cycle renamed its WARC file into place, then recorded its SHA-256: killed
    in between, it left a closed file with none recorded, which verify called
    "a WARC file that no cycle wrote" (exit 1) and export refused, until the
    next run. Its SHA-256 is now recorded before the rename; a file killed
    before it (recorded, still NAME.open) is checked under that name."""
    copy, urls, run = with_a_third_page(lab, tmp_path)
    run_dying(when, *run)
    assert len(list((copy / "warc").glob("*.warc.gz"))) == 1 + (when == "after")
    proc = archiver("verify", "--archive", str(copy))
    assert proc.returncode == 0 and b"all digests match" in proc.stdout, proc.stdout
    out = tmp_path / "out.wacz"
    proc = archiver("export", "--archive", str(copy), "--wacz", str(out))
    assert proc.returncode == 0, proc.stderr
    assert packed(out)[0] == (set(urls) if when == "after" else set(lab.urls))
    for url in urls:
        assert archiver("get", url, "--archive", str(copy)).returncode == 0, url
    assert archiver(*run).returncode == 0  # the next start closes the file
    assert not list((copy / "warc").glob("*.open"))
    code, found = _verify_json(copy)
    # (the cycle killed after its last check is closed, and a new one writes its own file)
    assert code == 0 and found["files"] == 3, found


def test_a_start_killed_as_it_closes_a_file_a_crash_left_leaves_an_archive_that_verifies(
        lab: Lab, tmp_path: Path) -> None:
    """The next start closes the file a crashed cycle left open: renamed first,
    then recorded, a kill in between left a closed file verify called
    unrecorded. Its SHA-256 is now recorded before the rename."""
    copy = copy_of(lab, tmp_path)
    (closed,) = (copy / "warc").glob("*.warc.gz")
    closed.rename(closed.with_name(closed.name + ".open"))  # as its cycle left it
    conn = sqlite3.connect(copy / "archiver.db")
    with conn:
        conn.execute("UPDATE warc_files SET sha256 = NULL, rows_complete = NULL")
    conn.close()
    assert archiver("verify", "--archive", str(copy)).returncode == 0
    run_dying("after", "run", "--sources", str(lab.sources), "--archive", str(copy),
              "--allow-private", "--per-host-delay", "0")
    assert closed.exists() and closed.name in recorded(copy)
    proc = archiver("verify", "--archive", str(copy))
    assert proc.returncode == 0, proc.stdout


@pytest.mark.parametrize("column, value, said", [
    ("http_status", 404, b"the record's HTTP status is 200, not 404"),
    ("truncated", "length", b"the record says its body was not cut"),
    ("body_size", 5, b"bytes, not 5 as the archive database says"),
])
def test_what_get_says_of_a_capture_is_checked_against_its_record(
        lab: Lab, tmp_path: Path, column: str, value: object, said: bytes) -> None:
    """get printed the HTTP status, and whether and where the body was cut, from
    the capture's row, which verify never compared with the record: an edited
    row showed an auditor wrong facts while verify said all digests match."""
    copy = copy_of(lab, tmp_path)
    row = _edit_capture_row(copy, lab.urls[0],
                            f"UPDATE capture_rows SET {column} = ? WHERE id = ?", value)
    proc = archiver("verify", "--archive", str(copy))
    assert proc.returncode == 1, proc.stdout
    assert f"{row['warc_file']}@{row['warc_offset']}: wrong-response: ".encode() in proc.stdout
    assert said in proc.stdout, proc.stdout
    for extra in ([], ["--headers"], ["--warc"]):
        proc = archiver("get", lab.urls[0], "--archive", str(copy), *extra)
        assert proc.returncode == 1 and proc.stdout == b"", (extra, proc.stderr)
        assert said in proc.stderr and b"HTTP 404" not in proc.stderr, proc.stderr
    proc = archiver("get", lab.urls[0], "--archive", str(lab.archive))
    assert proc.returncode == 0 and b": HTTP 200, response record" in proc.stderr
