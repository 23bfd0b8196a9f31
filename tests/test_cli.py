"""The command line as users run it: exit statuses, formats, get, verify, export."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import archiver.cli as cli_module
from archiver.cli import cli

from .lab import Handler, Site, news_page
from .sourcesfile import one_event_per_url, write_sources

ROOT = Path(__file__).resolve().parent.parent


def archiver(*args: str, cwd: Path | None = None, timeout: float = 120,
             env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "archiver", *args], capture_output=True,
                          timeout=timeout, cwd=cwd,
                          env=None if env is None else {**os.environ, **env})


class World:
    def __init__(self, tmp: Path) -> None:
        self.site = Site().start()
        self.article = news_page("Cambodia to deport Taiwanese suspects to China",
                                 "Cambodia will deport 25 Taiwanese to China.\n\n"
                                 "Taiwan protested the decision.", published="2016-06-24")
        self.site.page("/news/cambodia", self.article, gzip=True)
        self.site.page("/news/spain", news_page("Spain extradites 121 Taiwanese to China",
                                                "Spain extradited Taiwanese suspects.",
                                                published="2017-12-15"))
        self.urls = [self.site.url("/news/cambodia"), self.site.url("/news/spain")]
        self.sources = write_sources(tmp / "data" / "sources.yaml", [
            {"id": "2016-06-24-cambodia", "date": "2016-06-24", "country": "Cambodia",
             "count": 25, "sources": [self.urls[0]]},
            {"id": "2017-12-15-spain", "date": "2017-12-15", "country": "Spain",
             "sources": [self.urls[1]]},
        ])
        self.archive = tmp / "archive"

    def run(self, *extra: str) -> subprocess.CompletedProcess[bytes]:
        return archiver("run", "--sources", str(self.sources), "--archive", str(self.archive),
                        "--allow-private", "--per-host-delay", "0", *extra)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    w = World(tmp_path_factory.mktemp("cli"))
    proc = w.run("--format", "json")
    assert proc.returncode == 0, proc.stderr.decode()
    yield w
    w.site.stop()


def test_run_json_report_follows_the_contract(world: World) -> None:
    proc = archiver("report", "--archive", str(world.archive), "--format", "json")
    assert proc.returncode == 0
    report = json.loads(proc.stdout)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", report["checked_at"])
    assert [r["url"] for r in report["results"]] == world.urls
    r = report["results"][0]
    for key in ("event", "url", "status", "http_status", "final_url", "headline", "published",
                "flags", "reason", "first_captured", "consecutive_failures"):
        assert key in r
    assert r["status"] == "alive" and r["http_status"] == 200
    assert r["published"] == "2016-06-24"
    assert r["headline"] == "Cambodia to deport Taiwanese suspects to China"


def test_report_formats(world: World) -> None:
    for fmt in ("table", "md", "csv", "html"):
        # the table is as wide as COLUMNS says (the test runner may say 80): wide
        # enough here that a URL is not folded
        proc = archiver("report", "--archive", str(world.archive), "--format", fmt,
                        env={"COLUMNS": "200"})
        assert proc.returncode == 0, (fmt, proc.stderr)
        assert world.urls[1].encode() in proc.stdout, fmt
    rows = list(csv.DictReader(io.StringIO(
        archiver("report", "--archive", str(world.archive), "--format", "csv").stdout.decode())))
    assert {r["status"] for r in rows} == {"alive"}


def test_get_returns_the_bytes_the_server_sent(world: World, tmp_path: Path) -> None:
    sent = world.site.routes["/news/cambodia"].body
    proc = archiver("get", world.urls[0], "--archive", str(world.archive))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == sent  # still gzip, as on the wire
    out = tmp_path / "page.html"
    proc = archiver("get", world.urls[0], "--archive", str(world.archive), "--decoded",
                    "--output", str(out), "--at", "2020-01-01")
    assert proc.returncode == 0
    assert out.read_bytes() == gzip.decompress(sent)
    headers = archiver("get", world.urls[0], "--archive", str(world.archive), "--headers")
    assert headers.stdout.startswith(b"HTTP/1.1 200")
    assert b"Content-Encoding: gzip" in headers.stdout
    warc = tmp_path / "one.warc.gz"
    proc = archiver("get", world.urls[0], "--archive", str(world.archive), "--warc",
                    "--output", str(warc))
    assert proc.returncode == 0
    if shutil.which("warcio"):
        subprocess.run(["warcio", "check", str(warc)], check=True, capture_output=True)


def test_get_unknown_url_is_a_clear_error(world: World) -> None:
    proc = archiver("get", "https://example.invalid/never", "--archive", str(world.archive))
    assert proc.returncode == 2
    assert b"never captured" in proc.stderr
    assert b"Traceback" not in proc.stderr
    proc = archiver("get", world.urls[0], "--archive", str(world.archive), "--at", "yesterday")
    assert proc.returncode == 2 and b"--at" in proc.stderr
    # an empty value (a shell variable never set) is no "latest": it says so
    proc = archiver("get", world.urls[0], "--archive", str(world.archive), "--at", "")
    assert proc.returncode == 2 and b"--at" in proc.stderr and proc.stdout == b""
    proc = archiver("report", "--archive", str(world.archive), "--timeline", " ")
    assert proc.returncode == 2 and b"--timeline" in proc.stderr


@pytest.mark.parametrize("url", ["", " "])
def test_get_of_an_empty_url_says_so(world: World, url: str) -> None:
    """It said "`': never captured in this archive`", naming nothing."""
    proc = archiver("get", url, "--archive", str(world.archive))
    assert proc.returncode == 2 and proc.stdout == b"", proc.stderr
    assert b"give the URL of a capture, not an empty value" in proc.stderr, proc.stderr


def test_a_timeline_url_with_control_characters_is_not_echoed_raw(world: World) -> None:
    """The URL was echoed as given in the message: an escape sequence in it went
    to the terminal as one."""
    url = world.urls[0] + "\x1b]0;owned\x07"
    proc = archiver("report", "--archive", str(world.archive), "--timeline", url)
    assert proc.returncode == 2, proc.stderr
    assert b"\x1b" not in proc.stderr and b"\x07" not in proc.stderr, proc.stderr
    assert b"--timeline" in proc.stderr and b"not printable" in proc.stderr, proc.stderr


def test_a_report_to_an_ascii_or_latin1_standard_output(tmp_path: Path) -> None:
    """With a locale that names no encoding (ASCII), the streamed reports (table,
    json, csv) were a UnicodeEncodeError traceback where md and html, echoed by
    click, came out in UTF-8: all are UTF-8. An encoding that cannot hold the
    report is a message naming it, not a traceback."""
    headline = "馬來西亞將台灣人遣返中國"
    with Site() as site:
        site.page("/news/zh", news_page(headline, "馬來西亞遣返台灣人。Malaysia deported "
                                        "Taiwanese to China.", lang="zh"))
        sources = write_sources(tmp_path / "sources.yaml",
                                one_event_per_url([site.url("/news/zh")]))
        archive = tmp_path / "archive"
        proc = archiver("run", "--sources", str(sources), "--archive", str(archive),
                        "--allow-private", "--per-host-delay", "0")
        assert proc.returncode == 0, proc.stderr
    for fmt in ("table", "json", "csv", "md"):
        ascii_ = archiver("report", "--archive", str(archive), "--format", fmt,
                          env={"PYTHONIOENCODING": "ascii"})
        assert ascii_.returncode == 0, (fmt, ascii_.stderr)
        text = ascii_.stdout.decode("utf-8")
        assert ("—" if fmt == "table" else headline) in text, (fmt, text)
        latin = archiver("report", "--archive", str(archive), "--format", fmt,
                         env={"PYTHONIOENCODING": "latin-1"})
        assert latin.returncode == 2 and b"Traceback" not in latin.stderr, (fmt, latin.stderr)
        assert b"encoding is latin-1: set PYTHONIOENCODING=utf-8" in latin.stderr, latin.stderr


def test_control_characters_in_a_value_are_not_sent_to_the_terminal(world: World,
                                                                     tmp_path: Path) -> None:
    """Messages quoted what they were given as given: an escape sequence in an
    --event or an --archive name went to the terminal as one (click strips
    colours, not the others: a title set, a bell)."""
    sequence = "\x1b]0;owned\x07\x1b[2J"
    for args, said in ((["export", "--archive", str(world.archive), "--wacz",
                         str(tmp_path / "x.wacz"), "--event", f"a{sequence}"], "--event a"),
                       (["report", "--archive", str(tmp_path / f"a{sequence}")], "no archive at")):
        proc = archiver(*args)
        assert proc.returncode == 2, proc.stderr
        err = proc.stderr.decode()
        assert said in err and "\\x1b]0;owned\\x07" in err, err
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", err), err


def test_verify_catches_a_one_byte_change(world: World, tmp_path: Path) -> None:
    proc = archiver("verify", "--archive", str(world.archive))
    assert proc.returncode == 0, proc.stdout
    copy = tmp_path / "archive"
    shutil.copytree(world.archive, copy)
    warc = sorted((copy / "warc").glob("*.warc.gz"))[0]
    data = bytearray(warc.read_bytes())
    data[len(data) // 2] ^= 0x01
    warc.write_bytes(bytes(data))
    proc = archiver("verify", "--archive", str(copy), "--format", "json")
    assert proc.returncode == 1
    result = json.loads(proc.stdout)
    assert not result["ok"]
    assert any(p["file"] == warc.name for p in result["problems"])


def test_get_of_a_damaged_copy_exits_1(world: World, tmp_path: Path) -> None:
    copy = tmp_path / "archive"
    shutil.copytree(world.archive, copy)
    found = re.search(rb"response record (\S+)@(\d+)", archiver(
        "get", world.urls[0], "--archive", str(copy), "--headers").stderr)
    assert found, "get names the record it reads"
    warc = copy / "warc" / found.group(1).decode()
    data = bytearray(warc.read_bytes())
    data[int(found.group(2)) + 200] ^= 0xFF  # inside the record's gzip member
    warc.write_bytes(bytes(data))
    proc = archiver("get", world.urls[0], "--archive", str(copy))
    assert proc.returncode == 1, proc.stderr
    assert b"the archived copy cannot be read" in proc.stderr
    assert b"archiver verify" in proc.stderr and b"Traceback" not in proc.stderr


def test_export_wacz_validates(world: World, tmp_path: Path) -> None:
    out = tmp_path / "report.wacz"
    proc = archiver("export", "--archive", str(world.archive), "--wacz", str(out))
    assert proc.returncode == 0, proc.stderr
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        assert "datapackage.json" in names
        assert "pages/pages.jsonl" in names
        pages = z.read("pages/pages.jsonl").decode().splitlines()
        assert any(world.urls[0] in line for line in pages)
    check = subprocess.run([sys.executable, "-m", "wacz", "validate", "-f", str(out)],
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
    one = tmp_path / "event.wacz"
    proc = archiver("export", "--archive", str(world.archive), "--wacz", str(one),
                    "--event", "2017-12-15-spain")
    assert proc.returncode == 0, proc.stderr
    with zipfile.ZipFile(one) as z:
        pages = z.read("pages/pages.jsonl").decode()
        warc = z.read("archive/event-2017-12-15-spain.warc.gz")
    assert world.urls[1] in pages and world.urls[0] not in pages
    # the event's WARC opens with a warcinfo record that says what it is
    first = gzip.GzipFile(fileobj=io.BytesIO(warc)).read().split(b"\r\n\r\n", 2)
    assert b"WARC-Type: warcinfo" in first[0]
    assert b"WARC-Filename: event-2017-12-15-spain.warc.gz" in first[0]
    assert b"the records of the event 2017-12-15-spain" in first[1]


def test_second_run_revisits_and_dead_link_exits_1(world: World) -> None:
    world.site.remove("/news/spain")
    try:
        proc = world.run("--format", "json")
    finally:
        world.site.page("/news/spain", news_page("Spain extradites 121 Taiwanese to China",
                                                 "Spain extradited Taiwanese suspects.",
                                                 published="2017-12-15"))
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    status = {r["url"]: r["status"] for r in report["results"]}
    assert status == {world.urls[0]: "alive", world.urls[1]: "dead"}


@pytest.mark.parametrize("content, line, words", [
    ("events: [\n  {id: a, sources: [http://x.org/]\n", 3, "YAML"),
    ("events:\n  - id: a\n    sources:\n      - printed: x\n", 4, "url"),
    ("events:\n  - id: a\n    sources: [/relative/path]\n", 3, "absolute"),
])
def test_bad_sources_exit_2_with_file_and_line(tmp_path: Path, content: str, line: int,
                                               words: str) -> None:
    src = tmp_path / "sources.yaml"
    src.write_text(content)
    archive = tmp_path / "archive"
    proc = archiver("run", "--sources", str(src), "--archive", str(archive))
    assert proc.returncode == 2
    err = proc.stderr.decode()
    assert "Traceback" not in err
    assert f"{src}:" in err and words.lower() in err.lower()
    assert not archive.exists()  # nothing written before the input is valid


def test_bad_settings_exit_2(tmp_path: Path) -> None:
    src = write_sources(tmp_path / "sources.yaml", [
        {"id": "a", "date": None, "country": "Kenya", "sources": ["http://127.0.0.1:9/x"]}])
    (tmp_path / "archiver.toml").write_text("[fetch]\ntimeout = 5\nspeed = 3\n")
    proc = archiver("run", "--sources", str(src), "--archive", str(tmp_path / "a"))
    assert proc.returncode == 2
    assert b"archiver.toml:3" in proc.stderr and b"fetch.speed" in proc.stderr


def test_get_output_that_cannot_be_written_is_named_as_given(world: World,
                                                             tmp_path: Path) -> None:
    """It named the temporary file beside it (".page.html.4242.part"), not the path
    given to --output."""
    for output, said in ((tmp_path / "missing" / "page.html", "No such file or directory"),
                         (tmp_path, "Is a directory")):
        proc = archiver("get", world.urls[0], "--archive", str(world.archive), "-o", str(output))
        assert proc.returncode == 2 and proc.stdout == b"", proc.stderr
        err = proc.stderr.decode()
        assert f"--output {output}: cannot write the copy: {said}" in err, err
        assert ".part" not in err and "Traceback" not in err, err
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize(("option", "value"), [
    ("--timeout", "nan"), ("--timeout", "inf"), ("--timeout", "0"), ("--timeout", "1e300"),
    ("--per-host-delay", "nan"), ("--per-host-delay", "inf"), ("--per-host-delay", "-1"),
    ("--per-host-delay", "1e300"),
])
def test_non_finite_or_absurd_durations_are_refused(world: World, option: str,
                                                    value: str) -> None:
    """nan passed every comparison (a run with --timeout nan judged live pages
    timed out, exit 0); inf or 1e300 made a run wait for ever."""
    proc = archiver("run", "--sources", str(world.sources), "--archive", str(world.archive),
                    "--allow-private", option, value, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert f"{option} must be a number of seconds".encode() in proc.stderr
    assert b"Traceback" not in proc.stderr and proc.stdout == b""


def test_get_output_writes_through_links_and_pipes_never_into_the_archive(
        world: World, tmp_path: Path) -> None:
    """-o wrote a temporary file renamed over the path: a symbolic link, a pipe
    or a device became a regular file, and -o archive/archiver.db replaced the
    archive's database."""
    import stat
    import threading

    url = world.urls[1]
    sent = archiver("get", url, "--archive", str(world.archive)).stdout  # to standard output
    assert sent.startswith(b"<")
    target = tmp_path / "target.html"
    link = tmp_path / "link.html"
    link.symlink_to(target)
    assert archiver("get", url, "--archive", str(world.archive), "-o", str(link)).returncode == 0
    assert link.is_symlink() and target.read_bytes() == sent
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    proc = archiver("get", url, "--archive", str(world.archive), "-o", str(fifo))
    reader.join(30)
    assert proc.returncode == 0, proc.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode) and got == [sent]
    db = world.archive / "archiver.db"
    before = db.read_bytes()
    proc = archiver("get", url, "--archive", str(world.archive), "-o", str(db))
    assert proc.returncode == 2 and b"in the archive folder" in proc.stderr
    assert db.read_bytes() == before


def test_export_refuses_outputs_it_cannot_write_without_a_traceback(
        world: World, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.write_text("x")
    (tmp_path / "folder.wacz").mkdir()
    for out in (str(tmp_path / "folder.wacz"), str(plain / "x.wacz"), "",
                str(world.archive / "warc" / "x.wacz")):
        proc = archiver("export", "--archive", str(world.archive), "--wacz", out)
        assert proc.returncode == 2, (out, proc.stderr)
        assert b"--wacz" in proc.stderr and b"Traceback" not in proc.stderr
    assert not (world.archive / "warc" / "x.wacz").exists()


def test_export_names_a_warc_file_it_cannot_read(world: World, tmp_path: Path) -> None:
    copy = tmp_path / "archive"
    shutil.copytree(world.archive, copy)
    warc = sorted((copy / "warc").glob("*.warc.gz"))[0]
    warc.unlink()
    warc.mkdir()  # a folder where the file was
    proc = archiver("export", "--archive", str(copy), "--wacz", str(tmp_path / "out.wacz"))
    assert proc.returncode == 1, proc.stderr
    assert warc.name.encode() in proc.stderr and b"Traceback" not in proc.stderr


@pytest.mark.parametrize("name", ["what?now", "issue#7", "100%done"])
def test_an_archive_folder_named_with_uri_characters_is_read(world: World, tmp_path: Path,
                                                            name: str) -> None:
    """The read-only commands opened the database as an unquoted URI: 'what?now'
    read an empty database at 'what' (and created that file)."""
    copy = tmp_path / name
    shutil.copytree(world.archive, copy)
    proc = archiver("report", "--archive", str(copy), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)["results"]) == 2
    assert archiver("verify", "--archive", str(copy)).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # no stray file


def test_archive_paths_that_cannot_be_archives_are_bad_input(world: World,
                                                              tmp_path: Path) -> None:
    """Exit 2 (bad input), not 3 (the archive cannot be written), and nothing is
    added to a database that is not an archive's."""
    import sqlite3

    plain = tmp_path / "plain"
    plain.write_text("x")
    for archive in (plain, plain / "sub"):
        proc = archiver("run", "--sources", str(world.sources), "--archive", str(archive),
                        "--allow-private")
        assert proc.returncode == 2 and b"not a folder" in proc.stderr, proc.stderr
    folder_db = tmp_path / "folder-db"
    (folder_db / "archiver.db").mkdir(parents=True)
    for args in (["report"], ["verify"], ["get", world.urls[0]]):
        proc = archiver(*args, "--archive", str(folder_db))
        assert proc.returncode == 2 and b"Traceback" not in proc.stderr, (args, proc.stderr)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    db = sqlite3.connect(foreign / "archiver.db")
    db.execute("CREATE TABLE notes (body TEXT)")
    db.commit()
    db.close()
    before = (foreign / "archiver.db").read_bytes()
    proc = archiver("run", "--sources", str(world.sources), "--archive", str(foreign),
                    "--allow-private")
    assert proc.returncode == 2 and b"not an archiver archive" in proc.stderr, proc.stderr
    assert (foreign / "archiver.db").read_bytes() == before
    assert not (foreign / "warc").exists()


def test_arguments_that_are_not_utf8_are_a_message(world: World, tmp_path: Path) -> None:
    """Bytes that are not UTF-8 in a URL given to get, or in the sources file's
    folder name, crashed when they reached the database."""
    proc = subprocess.run([sys.executable, "-m", "archiver", "get",
                           os.fsencode(world.urls[0]) + b"\xff", "--archive",
                           str(world.archive)], capture_output=True, timeout=60)
    assert proc.returncode == 2 and b"not printable UTF-8" in proc.stderr, proc.stderr
    folder = tmp_path / os.fsdecode(b"sources-\xff")
    folder.mkdir()
    sources = folder / "sources.yaml"
    shutil.copy(world.sources, sources)
    proc = archiver("run", "--sources", str(sources), "--archive", str(tmp_path / "a"),
                    "--allow-private", "--per-host-delay", "0", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)["results"]) == 2


def test_extract_reads_a_saved_page_and_refuses_what_is_not_one(tmp_path: Path) -> None:
    import resource

    page = tmp_path / "page.html"
    page.write_text(news_page("Kenya deports 45 Taiwanese to China", "Kenya deported 45.",
                              published="2016-04-12"), encoding="utf-8")
    proc = archiver("extract", str(page), "--url", "https://news.invalid/a", "--format",
                    "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert (data["headline"], data["published"]) == ("Kenya deports 45 Taiwanese to China",
                                                     "2016-04-12")
    huge = tmp_path / "huge.html"
    with open(huge, "wb") as fh:
        fh.truncate(51 * 1024 * 1024)  # sparse: nothing is written
    for path, said in (("/dev/zero", b"not a file"), (str(huge), b"larger than 50 MB"),
                       (str(tmp_path / "missing.html"), b"cannot read"),
                       (str(tmp_path), b"not a file")):
        # under a 2 GB address-space limit: were /dev/zero read, it fails, not the machine
        proc = subprocess.run(
            [sys.executable, "-m", "archiver", "extract", path, "--url", "https://news.invalid/a"],
            capture_output=True, timeout=60, preexec_fn=lambda: resource.setrlimit(
                resource.RLIMIT_AS, (2 << 30, 2 << 30)))
        assert proc.returncode == 2 and said in proc.stderr, (path, proc.stderr)
        assert b"Traceback" not in proc.stderr



@pytest.mark.parametrize(("url", "said"), [
    ("", "empty URL"), ("   ", "a space"), ("not a url", "a space"),
    ("news/1.html", "not an absolute URL"), ("ftp://news.invalid/a", "ftp"),
    ("http://[::1/a", "malformed URL"), ("http://news.invalid:99999/a", "malformed URL"),
    ("http://news.invalid/\x1b[31m", "control character")])
def test_extract_refuses_a_url_that_is_none(tmp_path: Path, url: str, said: str) -> None:
    """The page's URL was taken as given, whatever it was (an empty value, a
    relative path, a control character): the page was read as if fetched from it."""
    page = tmp_path / "page.html"
    page.write_text(news_page("Kenya deports 45 Taiwanese to China", "Kenya deported 45.",
                              published="2016-04-12"), encoding="utf-8")
    proc = archiver("extract", str(page), "--url", url, "--format", "json")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert b"Traceback" not in proc.stderr and proc.stdout == b""
    assert f"--url {url!r}: ".encode() in proc.stderr and said.encode() in proc.stderr, \
        proc.stderr


def test_extract_reads_a_statement_saved_as_text(tmp_path: Path) -> None:
    """A ``.txt`` file is read as plain text: its first line and the date at its top."""
    saved = tmp_path / "statement.txt"
    saved.write_text("Statement on the deportation of 32 Taiwanese from Malaysia\n\n"
                     "3 May 2016\n\nThe Ministry has learnt that on 30 April ...\n",
                     encoding="utf-8")
    proc = archiver("extract", str(saved), "--url", "https://gov.invalid/st", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert (data["headline"], data["published"]) == (
        "Statement on the deportation of 32 Taiwanese from Malaysia", "2016-05-03")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_run_keeps_what_it_checked(tmp_path: Path, sig: signal.Signals) -> None:
    """Ctrl-C (or SIGTERM) stops run as it stops the worker: the requests in flight
    end, what was checked is kept, exit 130 (it was "Aborted!" with exit 1, read as
    broken links, and checks already shown were lost); the next run goes on."""
    from .test_schedule import news_site

    with Site() as site:
        urls = news_site(site, 40, delay=0.2)
        sources = write_sources(tmp_path / "sources.yaml", one_event_per_url(urls))
        (tmp_path / "archiver.toml").write_text("[fetch]\nper_host_concurrency = 2\n")
        args = [sys.executable, "-m", "archiver", "run", "--sources", str(sources),
                "--archive", str(tmp_path / "archive"), "--allow-private",
                "--per-host-delay", "0", "--format", "json"]
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while len(site.hits) < 8 and time.monotonic() < deadline:  # eight pages served
            time.sleep(0.02)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, err
        assert b"interrupted:" in err and b"Traceback" not in err and out == b""
        kept = int(err.split(b"interrupted: ")[1].split()[0])
        assert 1 <= kept < 40
        fetched_before = {p for p in site.routes if site.hits_for(p)}
        second = subprocess.run(args, capture_output=True, timeout=120)
        assert second.returncode == 0, second.stderr
        assert len(json.loads(second.stdout)["results"]) == 40
        again = [p for p in fetched_before if len(site.hits_for(p)) > 1]
        assert len(again) <= len(fetched_before) - kept  # only those not kept are fetched again



def test_a_run_of_another_sources_file_does_not_resume_the_stopped_cycle(
        tmp_path: Path) -> None:
    """A run of b.yaml resumed the cycle a stopped run of a.yaml left: the cycle
    still named a.yaml, and `report --sources b.yaml` warned that the report was
    of a.yaml's citations when it listed b.yaml's."""
    from .test_schedule import news_site

    with Site() as site:
        urls = news_site(site, 20, delay=0.2)
        first = write_sources(tmp_path / "a.yaml", one_event_per_url(urls[:17]))
        other = write_sources(tmp_path / "b.yaml", one_event_per_url(urls[17:]))
        (tmp_path / "archiver.toml").write_text("[fetch]\nper_host_concurrency = 2\n")
        archive = tmp_path / "archive"

        def args(sources: Path) -> list[str]:
            return [sys.executable, "-m", "archiver", "run", "--sources", str(sources),
                    "--archive", str(archive), "--allow-private", "--per-host-delay", "0"]

        proc = subprocess.Popen(args(first), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while len(site.hits) < 6 and time.monotonic() < deadline:
            time.sleep(0.02)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, err
        second = subprocess.run(args(other), capture_output=True, timeout=120)
        assert second.returncode == 0, second.stderr
    with sqlite3.connect(archive / "archiver.db") as db:
        cycles = db.execute("SELECT state, sources FROM cycles ORDER BY id").fetchall()
    assert cycles == [("superseded", str(first)), ("finished", str(other))]
    report = archiver("report", "--archive", str(archive), "--sources", str(other),
                      "--format", "json")
    assert report.returncode == 0 and b"warning" not in report.stderr, report.stderr
    assert sorted(r["url"] for r in json.loads(report.stdout)["results"]) == sorted(urls[17:])
    report = archiver("report", "--archive", str(archive), "--sources", str(first))
    assert b"not " in report.stderr and str(other).encode() in report.stderr, report.stderr


def test_ctrl_c_once_every_request_is_in_flight_is_still_an_interruption(
        tmp_path: Path) -> None:
    """Ctrl-C that came when every request of the cycle was already in flight let
    the cycle end complete, and the run exited 0 (or 1) as if nobody had stopped
    it; it is 130, and the cycle is complete (the next run starts a new one)."""
    import dataclasses

    from .test_schedule import news_site

    with Site() as site:
        urls = news_site(site, 3, delay=1.0)
        site.fallback = dataclasses.replace(site.fallback, delay=1.0)  # robots.txt, the probe
        sources = write_sources(tmp_path / "sources.yaml", one_event_per_url(urls))
        args = [sys.executable, "-m", "archiver", "run", "--sources", str(sources),
                "--archive", str(tmp_path / "archive"), "--allow-private",
                "--per-host-delay", "0"]
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        pages = {u[len(site.origin):] for u in urls}
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # the three pages and the probe asked for
            paths = {h.path for h in list(site.hits)}
            if pages <= paths and paths - pages - {"/robots.txt"}:
                break
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, err
        assert b"interrupted after the last check: the cycle is complete (3 citations" in err
        assert b"Traceback" not in err and out == b""
        report = subprocess.run([sys.executable, "-m", "archiver", "report", "--archive",
                                 str(tmp_path / "archive"), "--format", "json"],
                                capture_output=True, timeout=60)
        assert [r["status"] for r in json.loads(report.stdout)["results"]] == ["alive"] * 3


def test_a_database_not_set_up_yet_is_said_so(tmp_path: Path) -> None:
    """A report read while a first run creates the database said "no such table",
    as if it were damaged."""
    import sqlite3

    (tmp_path / "archive").mkdir()
    sqlite3.connect(tmp_path / "archive" / "archiver.db").close()  # created, still empty
    proc = archiver("report", "--archive", str(tmp_path / "archive"))
    assert proc.returncode == 2 and b"not set up yet" in proc.stderr, proc.stderr
    assert b"no such table" not in proc.stderr



@pytest.mark.parametrize("moment", ["parse_args", "invoke"])
def test_ctrl_c_while_the_command_line_is_read_is_an_interruption(
        monkeypatch: pytest.MonkeyPatch, moment: str) -> None:
    """A Ctrl-C that comes while click reads the command line, before the
    command's own handling, was click's "Aborted!" with exit 1 (a loaded
    machine made the process test below meet it now and then)."""
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(click.Group if moment == "parse_args" else click.Command,
                        moment, interrupted)
    result = CliRunner().invoke(cli, ["report", "--archive", "nowhere"])
    assert result.exit_code == 130, result.output
    assert "interrupted" in result.output and "Aborted" not in result.output


def _before_the_projects_code(err: bytes) -> bool:
    """True when *err* is a traceback none of whose frames is in the package."""
    package = str(Path(cli_module.__file__).resolve().parent)
    frames = re.findall(rb'^  File "([^"]+)"', err, re.MULTILINE)
    return b"Traceback" in err and not any(
        os.path.realpath(f.decode(errors="replace")).startswith(package + os.sep)
        for f in frames)


@pytest.mark.parametrize("after", [0.05, 0.15, 0.3, 0.6])
@pytest.mark.parametrize("launcher", ["python -m archiver", "the archiver script"])
def test_ctrl_c_at_any_moment_of_the_start_is_no_traceback(tmp_path: Path, after: float,
                                                           launcher: str) -> None:
    """Before the cycle sets its handler (imports, reading the sources, opening
    the archive) Ctrl-C gave a KeyboardInterrupt traceback or click's "Aborted!"
    with exit 1 (broken links, to a script)."""
    from .test_schedule import news_site

    command = [sys.executable, "-m", "archiver"]
    if launcher == "the archiver script":
        script = Path(sys.executable).parent / "archiver"
        if not script.exists():
            pytest.skip("the archiver command is installed beside this Python by pip only")
        command = [str(script)]
    with Site() as site:
        urls = news_site(site, 10, delay=0.3)
        sources = write_sources(tmp_path / "sources.yaml", one_event_per_url(urls))
        for attempt in range(6):
            archive = tmp_path / f"archive{attempt}"
            proc = subprocess.Popen(
                [*command, "run", "--sources", str(sources), "--archive", str(archive),
                 "--allow-private", "--per-host-delay", "0"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            time.sleep(after + 0.1 * attempt)
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=60)
            # Python's own start-up (its init_* steps: importing `site`, setting
            # up the standard streams, before any module of the project is read)
            # reports an interrupt as a fatal error with exit 1, and its import
            # system, while it finds and loads the package's first module for
            # the launcher, as a traceback of the launcher's import line alone.
            # Both moments come before the project's first line runs, out of its
            # reach: interrupt a little later.
            if not err.startswith(b"Fatal Python error: init_") \
                    and not _before_the_projects_code(err):
                break
        else:
            pytest.fail(f"Python's own start-up took longer than {after + 0.5:.2f} s six times")
    # -2: the signal came before Python set its own handler (nothing had run)
    assert proc.returncode in (130, -signal.SIGINT), (proc.returncode, err)
    assert b"Traceback" not in err and b"Aborted" not in err, err


def test_every_command_has_help_and_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    runner = CliRunner()
    for name in cli.commands:  # type: ignore[attr-defined]
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0, name
        assert "Example:" in result.output, name
        assert f"archiver {name}" in readme, name


def test_damaged_database_is_a_message_not_a_traceback(world: World, tmp_path: Path) -> None:
    copy = tmp_path / "archive"
    shutil.copytree(world.archive, copy)
    db = copy / "archiver.db"
    db.write_bytes(b"this is not a database" * 100)
    for args in (["report", "--format", "json"], ["verify"], ["get", world.urls[0]]):
        proc = archiver(*args, "--archive", str(copy))
        assert proc.returncode == 2, (args, proc.stderr)
        assert b"Traceback" not in proc.stderr
        assert b"database" in proc.stderr


def test_only_a_page_once_found_alive_is_offered_as_a_replacement(tmp_path: Path) -> None:
    """A link dead from its first check has only its error page archived: the
    editors' report offers no archived copy of it (the page was never seen).
    A link that dies later is offered its first snapshot."""
    with Site() as site:
        site.page("/gone", "<html><title>Error response</title><h1>404</h1></html>",
                  status=404)
        site.page("/story", news_page("Kenya deports 45 Taiwanese to China",
                                      "Kenya deported 45 Taiwanese to China."))
        urls = {p: site.url(f"/{p}") for p in ("gone", "story")}
        sources = write_sources(tmp_path / "sources.yaml", [
            {"id": "e", "date": "2016-04-12", "country": "Kenya",
             "sources": [urls["gone"], urls["story"]]}])
        archive = tmp_path / "archive"
        common = ("--sources", str(sources), "--archive", str(archive), "--allow-private",
                  "--per-host-delay", "0")
        assert archiver("run", *common, "--format", "json").returncode == 1
        site.remove("/story")
        proc = archiver("run", *common, "--format", "json")
    assert proc.returncode == 1, proc.stderr
    results = {r["url"].rsplit("/", 1)[1]: r for r in json.loads(proc.stdout)["results"]}
    assert results["gone"]["first_captured"] is not None  # its error page was captured
    assert results["gone"]["snapshot_at"] is None
    # the error page's title is not the cited page's headline
    assert (results["gone"]["headline"], results["gone"]["published"]) == (None, None)
    assert results["story"]["snapshot_at"] == results["story"]["first_captured"]
    # what to do: no first snapshot to offer for the link dead from the start
    assert results["gone"]["advice"] == ("The page is gone: cite another archive's copy (it "
                                         "was never captured alive here).")
    assert results["story"]["advice"] == (
        "The page is gone: cite a public archived copy (the Wayback Machine's, or this "
        "archive's, published with `archiver export --wacz FILE --event e`) instead.")
    md = archiver("report", "--archive", str(archive), "--format", "md").stdout.decode()
    gone, story = (md.split(f"<{urls[p]}>", 1)[1].split("\n- ", 1)[0]
                   for p in ("gone", "story"))
    assert "archived copy" not in gone
    stamp = re.sub(r"\D", "", results["story"]["snapshot_at"])
    assert f"archived copies: our archived copy <http://127.0.0.1:8080/archive/{stamp}/" in story
    assert "**to do:** The page is gone: cite a public archived copy" in story
    html = archiver("report", "--archive", str(archive), "--format", "html").stdout.decode()
    assert html.count("our archived copy") == 1
    assert html.count("<dt>To do</dt>") == 2


def test_wacz_pages_are_titled_as_captured_at_their_time(tmp_path: Path) -> None:
    """pages.jsonl names the first capture of each URL: its title is that
    capture's headline, not the headline a later check found."""
    with Site() as site:
        url, old = site.url("/story"), site.url("/old-story")
        site.page("/story", news_page("Kenya deports 45 Taiwanese to China",
                                      "Kenya deported 45 Taiwanese to China."))
        site.redirect("/old-story", "/story", 301)  # titled by the page it lands on
        sources = write_sources(tmp_path / "sources.yaml", [
            {"id": "e", "date": "2016-04-12", "country": "Kenya", "sources": [url, old]}])
        archive = tmp_path / "archive"
        common = ("--sources", str(sources), "--archive", str(archive), "--allow-private",
                  "--per-host-delay", "0")
        assert archiver("run", *common).returncode == 0
        site.page("/story", news_page("Weather: a sunny week ahead in Nairobi",
                                      "Forecasters expect sun all week."))
        archiver("run", *common)
    out = tmp_path / "a.wacz"
    assert archiver("export", "--archive", str(archive), "--wacz", str(out)).returncode == 0
    with zipfile.ZipFile(out) as z:
        lines = z.read("pages/pages.jsonl").decode().splitlines()
    titles = {p["url"]: p["title"] for p in map(json.loads, lines[1:])}
    assert titles == {url: "Kenya deports 45 Taiwanese to China",
                      old: "Kenya deports 45 Taiwanese to China"}
    # get hands over the copy of the URL asked for, never that of a near one
    near = archiver("get", url + "/", "--archive", str(archive))
    assert near.returncode == 2 and near.stdout == b""
    assert f"{url}/: never captured in this archive; {url} was captured".encode() \
        in near.stderr


def test_a_warc_left_open_by_a_crash_is_recovered_and_said_once(world: World,
                                                                 tmp_path: Path) -> None:
    copy = tmp_path / "archive"
    shutil.copytree(world.archive, copy)
    warc = sorted((copy / "warc").glob("*.warc.gz"))[-1]
    left_open = warc.with_name(warc.name + ".open")
    warc.rename(left_open)
    with open(left_open, "ab") as fh:
        fh.write(gzip.compress(b"WARC/1.1\r\nWARC-Type: resp")[:20])  # a record cut short
    proc = archiver("run", "--sources", str(world.sources), "--archive", str(copy),
                    "--allow-private", "--per-host-delay", "0", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.decode().count(f"closed as {warc.name}") == 1, proc.stderr
    assert warc.exists() and not left_open.exists()


@pytest.mark.parametrize(("report", "flagged"), [
    ({}, False),  # no subject given: Taiwan, the report's
    ({"subject": "Taiwan"}, False),
    ({"subject": "Uyghurs"}, True),
    ({"subject": ""}, True),  # none: only the event's country counts
])
def test_the_reports_subject_decides_the_topic_flag(tmp_path: Path, report: dict[str, str],
                                                    flagged: bool) -> None:
    """A page that names the report's subject but not the event's country."""
    with Site() as site:
        site.page("/story", news_page("Taipei protests as Taiwanese are sent to China",
                                      "The foreign ministry in Taipei protested.",
                                      published="2016-04-13"))
        sources = write_sources(tmp_path / "sources.yaml", [
            {"id": "e", "date": "2016-04-12", "country": "Kenya",
             "sources": [site.url("/story")]}], **report)
        proc = archiver("run", "--sources", str(sources), "--archive", str(tmp_path / "a"),
                        "--allow-private", "--per-host-delay", "0", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    (result,) = json.loads(proc.stdout)["results"]
    assert result["status"] == "alive"
    assert ("topic-mismatch" in result["flags"]) is flagged


def test_an_empty_answer_is_a_soft_404_from_the_first_check(tmp_path: Path) -> None:
    """An empty 200 (nothing sent, only whitespace, or gzip of nothing) is no
    cited page, on the first check as on later ones; a page of markup with no
    text (drawn by its scripts) is not judged empty."""
    with Site() as site:
        site.page("/nothing", b"")
        site.page("/blank", b" \n\n ")
        site.page("/gzipped", b"", gzip=True)
        site.page("/app", b"<html><head></head><body><div id=root></div></body></html>")
        urls = [site.url(f"/{p}") for p in ("nothing", "blank", "gzipped", "app")]
        sources = write_sources(tmp_path / "sources.yaml", [
            {"id": "e", "date": "2016-04-12", "country": "Kenya", "sources": urls}])
        common = ("--sources", str(sources), "--archive", str(tmp_path / "a"),
                  "--allow-private", "--per-host-delay", "0", "--format", "json")
        runs = [archiver("run", *common) for _ in range(2)]
    for proc in runs:
        assert proc.returncode == 1, proc.stderr
        got = {r["url"].rsplit("/", 1)[1]: r for r in json.loads(proc.stdout)["results"]}
        assert {name: r["status"] for name, r in got.items()} == {
            "nothing": "soft-404", "blank": "soft-404", "gzipped": "soft-404", "app": "alive"}
        assert "(rule: empty-body)" in got["nothing"]["reason"]
        assert got["app"]["flags"] == ["no-date", "no-headline"]


def test_get_headers_writes_the_head_as_captured(tmp_path: Path) -> None:
    """--headers writes the bytes of the status line and headers the server sent:
    it printed warcio's reading of them (latin-1 "é" as UTF-8, a folded line
    joined, the spacing around values gone, LF line ends)."""
    head = (b"HTTP/1.1 200 \r\nContent-Type:text/plain\r\nX-Latin: caf\xe9 cr\xe8me\r\n"
            b"X-Folded: first\r\n  second\r\nX-Odd:    lots   of   space   \r\n"
            b"Content-Length: 5\r\n\r\n")

    def odd(handler: Handler) -> None:
        handler.wfile.write(head + b"hello")
        handler.wfile.flush()

    with Site() as site:
        site.raw("/odd", odd)
        url = site.url("/odd")
        sources = write_sources(tmp_path / "sources.yaml", one_event_per_url([url]))
        archive = tmp_path / "archive"
        proc = archiver("run", "--sources", str(sources), "--archive", str(archive),
                        "--allow-private", "--per-host-delay", "0")
        assert proc.returncode == 0, proc.stderr
    proc = archiver("get", url, "--archive", str(archive), "--headers")
    assert proc.returncode == 0 and proc.stdout == head, proc.stdout


def test_report_names_another_sources_file_than_the_one_checked(tmp_path: Path) -> None:
    """`report --sources FILE` lists what the archive's latest cycle checked: when
    that was another file (a scratch check on the same archive), it says so
    rather than pass the other file's citations off as FILE's."""
    with Site() as site:
        site.page("/story", news_page("Kenya deports 45 Taiwanese to China",
                                      "Kenya deported 45 Taiwanese to China."))
        main = write_sources(tmp_path / "sources.yaml", [
            {"id": "e", "date": "2016-04-12", "country": "Kenya",
             "sources": [site.url("/story")]}])
        scratch = write_sources(tmp_path / "try.yaml", [
            {"id": "t", "date": "2016-04-12", "country": "Kenya",
             "sources": [site.url("/story?try")]}])
        archive = tmp_path / "archive"
        common = ("--archive", str(archive), "--allow-private", "--per-host-delay", "0")
        assert archiver("run", "--sources", str(main), *common).returncode == 0
        # the file named as typed, from its own folder
        assert archiver("check", "--sources", scratch.name, *common,
                        cwd=tmp_path).returncode == 0
    told = archiver("report", "--sources", str(main), "--archive", str(archive),
                    "--format", "json")
    assert told.returncode == 0
    assert [r["event"] for r in json.loads(told.stdout)["results"]] == ["t"]
    assert f"latest cycle checked {scratch}, not {main}" in told.stderr.decode()
    same = archiver("report", "--sources", str(scratch), "--archive", str(archive))
    assert same.returncode == 0 and b"warning" not in same.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / scratch.name).write_bytes(main.read_bytes())  # another file, same name
    other = archiver("report", "--sources", scratch.name, "--archive", str(archive),
                     cwd=elsewhere)
    assert b"warning: the archive's latest cycle checked" in other.stderr
    unnamed = archiver("report", "--archive", str(archive))
    assert unnamed.returncode == 0 and b"warning" not in unnamed.stderr
