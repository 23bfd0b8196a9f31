"""A full disk during a run: a clear error, valid WARCs, a consistent store, and recovery.

The archive lives on a small tmpfs mounted by the test (root only); the pages
are incompressible so the WARC outgrows it in the middle of the run.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from .lab import Site, news_page
from .sourcesfile import one_event_per_url, write_sources


def _mount_tmpfs(path: Path, size: str) -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    path.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True)
    return proc.returncode == 0


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mnt = tmp_path / "disk"
    if not _mount_tmpfs(mnt, "1200k"):
        pytest.skip("mounting a small tmpfs needs root and the mount command")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "archiver", *args], capture_output=True,
                          text=True, timeout=120)


def test_full_disk_stops_cleanly_and_the_next_run_recovers(small_disk: Path,
                                                           tmp_path: Path) -> None:
    with Site() as site:
        urls = []
        for i in range(12):
            filler = os.urandom(60_000).hex()  # 120 KB of text that gzip cannot shrink much
            site.page(f"/news/{i}", news_page(f"Story {i} about Taiwan", filler))
            urls.append(site.url(f"/news/{i}"))
        src = write_sources(tmp_path / "sources.yaml", one_event_per_url(urls))
        archive = small_disk / "archive"
        args = ("run", "--sources", str(src), "--archive", str(archive), "--allow-private",
                "--per-host-delay", "0", "--format", "json")
        proc = run(*args)
        assert proc.returncode == 3, proc.stdout + proc.stderr
        assert "Traceback" not in proc.stderr
        assert "cannot be written" in proc.stderr

        # every WARC is valid up to its last complete record; the store is consistent
        for w in (archive / "warc").glob("*.warc.gz*"):
            assert not w.name.endswith(".open")
            if w.name.endswith(".warc.gz") and shutil.which("warcio"):
                subprocess.run(["warcio", "check", str(w)], check=True, capture_output=True)
        conn = sqlite3.connect(archive / "archiver.db")
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = conn.execute("SELECT warc_file, warc_offset, warc_length FROM captures").fetchall()
        conn.close()
        for name, offset, length in rows:
            path = archive / "warc" / name
            assert path.exists() and offset + length <= path.stat().st_size

        # more room: the next run finishes the job and everything verifies
        subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
        proc = run(*args)
        assert proc.returncode == 0, proc.stderr
        verify = run("verify", "--archive", str(archive))
        assert verify.returncode == 0, verify.stdout


def test_a_full_tmp_folder_is_the_archives_failure_not_the_links(tmp_path: Path) -> None:
    """Bodies over 512 KB are spooled to archive/tmp: a full disk there stops the run
    with exit 3 (it made the live pages unreachable, and dead after three runs)."""
    archive = tmp_path / "archive"
    with Site() as site:
        urls = []
        for i in range(6):
            site.page(f"/big/{i}", news_page(f"Long story {i} about Taiwan",
                                             os.urandom(400_000).hex()))  # 800 KB
            urls.append(site.url(f"/big/{i}"))
        src = write_sources(tmp_path / "sources.yaml", one_event_per_url(urls))
        args = ("run", "--sources", str(src), "--archive", str(archive), "--allow-private",
                "--per-host-delay", "0", "--format", "json")
        first = run(*args)
        assert first.returncode == 0, first.stderr
        if not _mount_tmpfs(archive / "tmp", "300k"):
            pytest.skip("mounting a small tmpfs needs root and the mount command")
        try:
            proc = run(*args)
        finally:
            subprocess.run(["umount", "-l", str(archive / "tmp")], capture_output=True)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "cannot write a response body" in proc.stderr and "Traceback" not in proc.stderr
    report = run("report", "--archive", str(archive), "--format", "json")
    statuses = {r["status"] for r in json.loads(report.stdout)["results"]}
    assert statuses == {"alive"}  # no check was recorded against the links
    assert not list((archive / "warc").glob("*.open"))  # the others stopped, then it closed
    assert run("verify", "--archive", str(archive)).returncode == 0


def test_a_worker_stops_on_a_full_disk_without_a_traceback(small_disk: Path,
                                                           tmp_path: Path) -> None:
    """Its scheduler shut down as the failed cycle ended, and the job's cancellation
    was logged as a failure with a traceback before the one-line error."""
    with Site() as site:
        urls = []
        for i in range(12):
            site.page(f"/news/{i}", news_page(f"Story {i} about Taiwan", os.urandom(60_000).hex()))
            urls.append(site.url(f"/news/{i}"))
        src = write_sources(tmp_path / "sources.yaml", one_event_per_url(urls))
        (tmp_path / "archiver.toml").write_text(
            '[schedule]\ncron = "* * * * * *"\njitter = 0\n[fetch]\nper_host_delay = 0\n')
        proc = subprocess.run(
            [sys.executable, "-m", "archiver", "worker", "--sources", str(src), "--archive",
             str(small_disk / "archive"), "--allow-private"],
            capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3, proc.stderr[-2000:]
    assert "cannot be written" in proc.stderr
    assert "Traceback" not in proc.stderr and "raised an exception" not in proc.stderr
