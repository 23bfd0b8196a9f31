"""The command line on paths that are not what they should be: a damaged archive
layout, names too long, a damaged database, read-only media, a device or a pipe
for the WACZ, a sources path no WARC header can hold. Each gives a message
naming the path and exit status 2, or is handled; none touches what is archived."""

from __future__ import annotations

import gzip
import os
import shutil
import stat
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from .lab import Site, copy_archive, news_page
from .sourcesfile import one_event_per_url, write_sources
from .test_cli import archiver


class Lab:
    def __init__(self, root: Path) -> None:
        self.site = Site().start()
        self.site.page("/news/kenya", news_page("Kenya deports 45 Taiwanese to China",
                                                "Kenya deported 45 Taiwanese to China.",
                                                published="2016-04-12"))
        self.url = self.site.url("/news/kenya")
        self.sources = write_sources(root / "sources.yaml", one_event_per_url([self.url]))
        self.archive = root / "archive"

    def run(self, *args: str, archive: Path | None = None,
            sources: Path | None = None) -> subprocess.CompletedProcess[bytes]:
        return archiver("run", "--sources", str(sources or self.sources), "--archive",
                        str(archive or self.archive), "--allow-private", "--per-host-delay",
                        "0", *args)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    made = Lab(tmp_path_factory.mktemp("paths"))
    proc = made.run()
    assert proc.returncode == 0, proc.stderr.decode()
    yield made
    made.site.stop()


def copy_of(lab: Lab, tmp_path: Path) -> Path:
    return copy_archive(lab.archive, tmp_path)


def contents(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and "-shm" not in p.name
            and "-wal" not in p.name}


def assert_refused(proc: subprocess.CompletedProcess[bytes], *said: str) -> None:
    err = proc.stderr.decode()
    assert proc.returncode == 2, (proc.returncode, err)
    assert "Traceback" not in err, err
    for part in said:
        assert part in err, (part, err)


def test_a_file_where_the_archive_has_a_folder_is_said_so(lab: Lab, tmp_path: Path) -> None:
    """A file named `warc`, or a folder named as a WARC file being written, was
    a FileExistsError or IsADirectoryError traceback with exit 1."""
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "warc").write_text("x")
    assert_refused(lab.run(archive=plain), f"{plain / 'warc'}: not a folder, where the "
                   "archive has one")  # (it said "File exists")
    (plain / "warc").unlink()
    os.mkfifo(plain / "tmp")
    assert_refused(lab.run(archive=plain), f"{plain / 'tmp'}: not a folder")
    copy = copy_of(lab, tmp_path)
    before = contents(copy)
    (copy / "warc" / "archiver-20990101000000000000-00000.warc.gz.open").mkdir()
    assert_refused(lab.run(archive=copy), ".warc.gz.open")
    assert contents(copy) == before


def test_a_path_too_long_is_said_so(lab: Lab, tmp_path: Path) -> None:
    """Python 3.11's Path.exists() raises on a name over 255 bytes: a traceback."""
    long = str(tmp_path / ("b" * 300))
    for args in (["report", "--archive", long], ["verify", "--archive", long],
                 ["get", lab.url, "--archive", long],
                 ["export", "--archive", str(lab.archive), "--wacz", long + ".wacz"]):
        assert_refused(archiver(*args), "too long")
    assert_refused(lab.run("--config", long), "too long")


def test_a_damaged_database_is_bad_input_not_a_full_disk(lab: Lab, tmp_path: Path) -> None:
    """`run` and `check` said "the archive cannot be written" with exit 3 (a full
    disk's), where `report` said it cannot be read (exit 2)."""
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    junk = bytes(range(256)) * 20
    (damaged / "archiver.db").write_bytes(junk)
    for command in ("run", "check"):
        proc = archiver(command, "--sources", str(lab.sources), "--archive", str(damaged),
                        "--allow-private")
        assert_refused(proc, "archiver.db", "not a database")
    assert (damaged / "archiver.db").read_bytes() == junk
    folder = tmp_path / "folder"
    (folder / "archiver.db").mkdir(parents=True)
    assert_refused(lab.run(archive=folder), "is a folder")


def _make_unwritable(folder: Path) -> None:
    """The folder made read-only as media are: by its mode for another user than
    root, by the immutable attribute for root (whom modes do not stop)."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return
    if shutil.which("chattr") is None:
        pytest.skip("root is stopped by the immutable attribute only, and chattr is absent")
    done = subprocess.run(["chattr", "+i", str(folder)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"this file system has no immutable attribute: {done.stderr.decode()}")


def _make_writable(folder: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(folder)], capture_output=True)
    folder.chmod(0o755)


def test_an_archive_on_read_only_media_is_read(lab: Lab, tmp_path: Path) -> None:
    """Reading a database in WAL mode creates archiver.db-shm beside it: on
    read-only media the report, verify and get said the archive was "not set up
    yet, or not an archiver archive's"."""
    copy = copy_of(lab, tmp_path)
    for name in ("archiver.db-shm", "archiver.db-wal"):
        (copy / name).unlink(missing_ok=True)
    _make_unwritable(copy)
    try:
        report = archiver("report", "--archive", str(copy), "--format", "json")
        verify = archiver("verify", "--archive", str(copy))
        got = archiver("get", lab.url, "--archive", str(copy))
    finally:
        _make_writable(copy)
    assert report.returncode == 0 and lab.url.encode() in report.stdout, report.stderr
    assert verify.returncode == 0, verify.stderr
    assert got.returncode == 0 and b"Kenya deported 45" in got.stdout, got.stderr
    assert not (copy / "archiver.db-shm").exists()


def test_the_wacz_is_written_into_a_pipe_and_through_a_link(lab: Lab, tmp_path: Path) -> None:
    """`export --wacz` renamed its package over whatever the path was: a device
    (/dev/null itself) or a pipe became a plain file."""
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    read: list[bytes] = []
    reader = threading.Thread(target=lambda: read.append(pipe.read_bytes()), daemon=True)
    reader.start()
    proc = archiver("export", "--archive", str(lab.archive), "--wacz", str(pipe))
    reader.join(30)
    assert proc.returncode == 0, proc.stderr
    assert stat.S_ISFIFO(pipe.lstat().st_mode)
    (packed,) = read
    assert packed[:2] == b"PK"
    link = tmp_path / "report.wacz"
    link.symlink_to("target.wacz")
    proc = archiver("export", "--archive", str(lab.archive), "--wacz", str(link))
    assert proc.returncode == 0, proc.stderr
    assert link.is_symlink()
    with zipfile.ZipFile(tmp_path / "target.wacz") as wacz:
        assert "datapackage.json" in wacz.namelist()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".wacz-")]


def test_a_sources_path_no_warc_header_can_hold_is_written_escaped(lab: Lab,
                                                                  tmp_path: Path) -> None:
    """The sources path goes into each WARC file's warcinfo record: a line break
    in it raised inside the cycle, and the live citation was reported
    unreachable ("archiver failed on this URL")."""
    odd = tmp_path / "sour\nces.yaml"
    shutil.copy(lab.sources, odd)
    archive = tmp_path / "archive"
    proc = lab.run("--format", "csv", archive=archive, sources=odd)
    assert proc.returncode == 0, proc.stderr
    assert b",alive," in proc.stdout and b"Traceback" not in proc.stderr
    (warc,) = (archive / "warc").glob("*.warc.gz")
    with gzip.open(warc) as fh:
        first = fh.read(2000)
    assert b"sources: " + str(tmp_path).encode() + b"/sour\\nces.yaml\r\n" in first


def test_get_finds_a_url_spelled_as_the_sources_file_spells_it(lab: Lab,
                                                              tmp_path: Path) -> None:
    """A capture is kept under the URL as requested ("http://127.0.0.1:…/news/kenya");
    asked for as cited ("HTTP://127.0.0.1:…/./news/kenya"), it was "never captured"."""
    spelled = lab.url.replace("http://", "HTTP://").replace("/news/", "/./news/")
    sources = write_sources(tmp_path / "sources.yaml", one_event_per_url([spelled]))
    archive = tmp_path / "archive"
    assert lab.run(archive=archive, sources=sources).returncode == 0
    got = archiver("get", spelled, "--archive", str(archive))
    assert got.returncode == 0, got.stderr
    assert b"Kenya deported 45" in got.stdout
    other = archiver("get", lab.url.replace("127.0.0.1", "localhost"), "--archive",
                     str(archive))
    assert other.returncode == 2 and b"never captured" in other.stderr


def test_a_folder_where_the_lock_file_goes_is_said_so_and_nothing_left(lab: Lab,
                                                                      tmp_path: Path) -> None:
    """It was "cannot be written" (exit 3, a full disk's), and left
    archiver.lock.<pid>.tmp in the archive."""
    copy = copy_of(lab, tmp_path)
    before = contents(copy)
    (copy / "archiver.lock").mkdir()
    assert_refused(lab.run(archive=copy), "archiver.lock is a folder")
    assert contents(copy) == before
    assert not list(copy.glob("archiver.lock.*"))


@pytest.mark.parametrize("both", [("--headers", "--warc"), ("--headers", "--decoded"),
                                  ("--warc", "--decoded")])
def test_get_refuses_two_things_to_write(lab: Lab, both: tuple[str, str]) -> None:
    """`get --headers --warc` wrote the headers and left --warc aside, silently."""
    assert_refused(archiver("get", lab.url, "--archive", str(lab.archive), *both),
                   " and ".join(both))


def test_a_damaged_pdf_is_said_so_with_its_url(tmp_path: Path) -> None:
    """pypdf's own warning ("EOF marker not found") came out bare, naming no file."""
    pdf = tmp_path / "bad.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    proc = archiver("extract", str(pdf), "--url", "http://127.0.0.1/report.pdf",
                    "--format", "json")
    assert proc.returncode == 0, proc.stderr
    err = proc.stderr.decode()
    assert "EOF marker not found" not in err, err
    assert "http://127.0.0.1/report.pdf: the PDF cannot be read" in err, err


@pytest.mark.parametrize("inner", ["tmp", "warc", "tmp/deeper"])
def test_an_archive_inside_another_is_refused(lab: Lab, tmp_path: Path, inner: str) -> None:
    """An archive made in another's tmp/ was emptied by the other's next cycle
    (which clears tmp/); one in warc/ put a database among the WARC files."""
    copy = copy_of(lab, tmp_path)
    before = contents(copy)
    assert_refused(lab.run(archive=copy / inner), "inside the archive")
    assert contents(copy) == before
    assert not (copy / inner / "archiver.db").exists()


def test_serve_on_one_port_for_both_is_said_so(lab: Lab) -> None:
    """It said the port was "in use by another program": its own replay's."""
    proc = archiver("serve", "--archive", str(lab.archive), "--port", "18831",
                    "--replay-port", "18831", timeout=30)
    assert_refused(proc, "--port and --replay-port are both 18831")


@pytest.mark.parametrize("host", ["", " "])
def test_serve_on_an_empty_host_is_refused(lab: Lab, host: str) -> None:
    """`--host ""` (a variable left empty) served the dashboard and the replay on
    every interface of the machine, where 127.0.0.1 is the default."""
    proc = archiver("serve", "--archive", str(lab.archive), "--host", host, "--port", "18832",
                    timeout=30)
    assert_refused(proc, "--host: give an address to listen on")


def test_a_folder_taken_for_an_archive_keeps_its_own_tmp(lab: Lab, tmp_path: Path) -> None:
    """The start of a cycle removes the bodies a crashed cycle left in tmp/, and
    nothing else: it emptied tmp/ whole, recursively, and a folder named as
    --archive that held the user's own tmp/ lost it without a word."""
    folder = tmp_path / "project"
    (folder / "tmp" / "src").mkdir(parents=True)
    (folder / "tmp" / "thesis-draft.txt").write_text("three years of work")
    (folder / "tmp" / "src" / "main.c").write_text("int main(void) { return 0; }")
    left = folder / "tmp" / "hop-1a2b3c.body"  # what a killed cycle leaves
    left.write_bytes(b"<html>half a body")
    proc = lab.run(archive=folder)
    assert proc.returncode == 0, proc.stderr.decode()
    assert (folder / "tmp" / "thesis-draft.txt").read_text() == "three years of work"
    assert (folder / "tmp" / "src" / "main.c").exists()
    assert not left.exists()


def test_a_database_a_newer_version_set_up_is_refused(lab: Lab, tmp_path: Path) -> None:
    """A schema step this version does not know: every command refuses the
    archive (exit 2) before reading or writing it, where `report` gave a
    KeyError traceback and `run` fetched, wrote a WARC file and exited 3."""
    import sqlite3

    archive = copy_of(lab, tmp_path)
    with sqlite3.connect(archive / "archiver.db") as conn:
        conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                     "SELECT migration_set, 'm999_from_the_future', applied_at "
                     "FROM _sqlite_migrations LIMIT 1")
    conn.close()
    before = contents(archive)
    hits = len(lab.site.hits)
    for args in (["report", "--archive", str(archive)], ["verify", "--archive", str(archive)]):
        proc = archiver(*args)
        assert proc.returncode == 2, proc.stderr.decode()
        assert b"newer version of archiver" in proc.stderr and b"Traceback" not in proc.stderr
    proc = lab.run(archive=archive)
    assert proc.returncode == 2 and b"m999_from_the_future" in proc.stderr, proc.stderr
    assert len(lab.site.hits) == hits  # nothing fetched
    assert contents(archive) == before


def test_a_settings_link_that_loops_is_named_as_such(tmp_path: Path) -> None:
    """`--config loop` where loop links to itself: exit 2, the file named, and
    not "settings file not found", which sent the user looking for a file."""
    loop = tmp_path / "loop.toml"
    loop.symlink_to(loop.name)
    sources = write_sources(tmp_path / "sources.yaml", one_event_per_url(
        ["http://127.0.0.1:9/news/1"]))
    proc = archiver("run", "--sources", str(sources), "--archive", str(tmp_path / "a"),
                    "--config", str(loop))
    err = proc.stderr.decode()
    assert proc.returncode == 2 and "loop.toml" in err
    assert "a link that leads to no file" in err and "not found" not in err
    assert not (tmp_path / "a").exists()


def _with_stdout(stdout: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    """The command with its standard output closed, a full device, or a pipe whose
    reader is gone."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        with open("/dev/full", "wb") as full:
            return subprocess.run(
                [sys.executable, "-m", "archiver", *args], stderr=subprocess.PIPE,
                stdout={"full": full.fileno(), "gone": write_end}.get(stdout),
                preexec_fn=(lambda: os.close(1)) if stdout == "closed" else None,
                timeout=120)
    finally:
        os.close(write_end)


@pytest.mark.parametrize("stdout", ["closed", "full", "gone"])
def test_standard_output_that_cannot_be_written_is_said_so(lab: Lab, tmp_path: Path,
                                                          stdout: str) -> None:
    """A report to a closed standard output (`>&-`) was a traceback (json, csv,
    table; md and html said nothing, exit 0), to a full device "the archive cannot
    be written" with exit 3, to a reader gone a bare "Broken pipe" or nothing
    (table: exit 1); --help and --version to a closed or full one were
    tracebacks, to a reader gone click's exit 1 without a word. A run with
    standard output closed is refused before anything is fetched."""
    copy = copy_of(lab, tmp_path)
    before = contents(copy)
    said = "standard output is closed" if stdout == "closed" else "standard output"
    for args in (["report", "--format", "json"], ["report", "--format", "csv"],
                 ["report", "--format", "table"], ["report", "--format", "md"],
                 ["verify"], ["get", lab.url]):
        assert_refused(_with_stdout(stdout, *args, "--archive", str(copy)), said)
    for args in (["--help"], ["--version"], ["report", "--help"]):
        assert_refused(_with_stdout(stdout, *args), said)
    assert contents(copy) == before
    if stdout == "closed":
        assert_refused(_with_stdout(stdout, "run", "--sources", str(lab.sources), "--archive",
                                    str(copy), "--allow-private"), said)
        assert contents(copy) == before


def test_a_fifo_where_the_database_goes_is_never_opened(lab: Lab, tmp_path: Path) -> None:
    """A FIFO where archiver.db goes made report, verify and get wait for ever (run
    said "disk I/O error", exit 3)."""
    db_fifo = copy_of(lab, tmp_path / "db")
    (db_fifo / "archiver.db").unlink()
    os.mkfifo(db_fifo / "archiver.db")
    for args in (["report"], ["verify"], ["get", lab.url]):
        assert_refused(archiver(*args, "--archive", str(db_fifo), timeout=60),
                       "archiver.db is a pipe (FIFO), where the archive database goes")
    assert_refused(lab.run(archive=db_fifo), "is a pipe (FIFO)")
    looped = copy_of(lab, tmp_path / "loop")
    (looped / "archiver.db").unlink()
    (looped / "archiver.db").symlink_to("archiver.db")  # (run: "unable to open", exit 3)
    assert_refused(lab.run(archive=looped), "archiver.db is a link that leads to no file")


def test_a_fifo_or_a_device_in_a_warc_files_place_is_never_read(lab: Lab,
                                                                 tmp_path: Path) -> None:
    """A FIFO or /dev/zero in a WARC file's place made verify and export read it
    for ever, and get wait on the FIFO."""
    for name, make in (("fifo", os.mkfifo), ("zero", lambda p: p.symlink_to("/dev/zero"))):
        copy = copy_of(lab, tmp_path / name)
        warc = sorted((copy / "warc").glob("*.warc.gz"))[0]
        warc.unlink()
        make(warc)
        for args in (["verify"], ["get", lab.url],
                     ["export", "--wacz", str(tmp_path / f"{name}.wacz")]):
            proc = archiver(*args, "--archive", str(copy), timeout=60)
            out = (proc.stdout + proc.stderr).decode()
            assert proc.returncode == 1, (args, proc.returncode, out)
            assert f"{warc.name}" in out and "not a regular file but" in out, (args, out)
            assert "Traceback" not in out, out
        assert not (tmp_path / f"{name}.wacz").exists()


def test_a_warc_file_named_by_a_path_in_the_database_is_never_read(lab: Lab,
                                                                    tmp_path: Path) -> None:
    """A damaged or crafted database that names its WARC file "../x" (where an
    intact copy of that file lies, outside the archive) had verify vouch for
    that file and get serve its records as the archive's own."""
    import sqlite3

    copy = copy_of(lab, tmp_path / "copy")
    warc = sorted((copy / "warc").glob("*.warc.gz"))[0]
    outside = copy.parent / "outside.warc.gz"
    shutil.move(warc, outside)
    crafted = "../../outside.warc.gz"
    assert (copy / "warc" / crafted).resolve() == outside.resolve()
    db = sqlite3.connect(copy / "archiver.db")
    with db:
        for table, column in (("warc_files", "name"), ("capture_rows", "warc_file")):
            db.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?",  # noqa: S608
                       (crafted, warc.name))
    db.close()
    for args in (["verify"], ["get", lab.url],
                 ["export", "--wacz", str(tmp_path / "out.wacz")]):
        proc = archiver(*args, "--archive", str(copy), timeout=60)
        out = (proc.stdout + proc.stderr).decode()
        assert proc.returncode == 1, (args, proc.returncode, out)
        assert crafted in out and "but a path" in out, (args, out)
        assert "Traceback" not in out, out
    assert not (tmp_path / "out.wacz").exists()
