"""What a cycle stopped short leaves is whole and vouched for.

* ``kill -9`` after WARC files rolled over: ``verify`` vouches for every file
  the cycle closed (it called them "unrecorded" until a cycle ended), and
  every result the progress printed is in the report (it printed results
  whose rows were still waiting for their commit);
* ``kill -9`` of the run that closed a crashed run's file: the same;
* a run stopped because the WARC cannot be written (a file-size limit): the
  captures whose records were written whole are kept;
* SIGHUP (the terminal closed) stops ``run`` as Ctrl-C does.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator

from .lab import Site, killed_at_end, news_page
from .sourcesfile import one_event_per_url, write_sources
from .test_schedule import wait_for, write_settings

_LINE = re.compile(r"^\[\d+/\d+\]\s+\S+\s+\S+\s+(\S+)", re.M)


def archiver(*args: str) -> list[str]:
    return [sys.executable, "-m", "archiver", *args]


def run_args(sources: Path, archive: Path) -> list[str]:
    return archiver("run", "--sources", str(sources), "--archive", str(archive),
                    "--allow-private", "--per-host-delay", "0", "--format", "json")


@contextlib.contextmanager
def running(args: list[str], **popen: Any) -> Iterator[subprocess.Popen[Any]]:
    """*args* as a process, killed on the way out if it still runs."""
    with killed_at_end(subprocess.Popen(args, **popen)) as proc:
        yield proc


def printed(err: Path) -> list[str]:
    """The URLs the progress told as checked (plain lines: stderr is a file)."""
    return _LINE.findall(err.read_text(encoding="utf-8", errors="replace"))


def reported(archive: Path) -> set[str]:
    proc = subprocess.run(archiver("report", "--archive", str(archive), "--format", "json"),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode in (0, 1), proc.stderr
    return {r["url"] for r in json.loads(proc.stdout)["results"]}


def verify(archive: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(archiver("verify", "--archive", str(archive)), capture_output=True,
                          text=True, timeout=60)


def closed(archive: Path) -> list[Path]:
    return sorted((archive / "warc").glob("*.warc.gz"))


def responses_in(paths: list[Path]) -> set[str]:
    found = set()
    for path in paths:
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response":
                    found.add(record.rec_headers.get_header("WARC-Target-URI"))
    return found


def slow_site(site: Site, count: int) -> list[str]:
    urls = []
    for i in range(count):
        site.page(f"/news/{i}", news_page(f"Story {i} about deportations to China",
                                          os.urandom(3000).hex()), delay=0.05)
        urls.append(site.url(f"/news/{i}"))
    return urls


def test_after_kill_9_every_closed_file_is_vouched_for_and_every_result_shown_kept(
        tmp_path: Path) -> None:
    with Site() as site:
        urls = slow_site(site, 120)
        sources = write_sources(tmp_path / "sources.yaml", one_event_per_url(urls))
        # files roll over every few captures; two requests at a time
        write_settings(sources, "[warc]\nmax_file_bytes = 20000\n[fetch]\n"
                                "concurrency = 2\nper_host_concurrency = 2\n")
        archive, err = tmp_path / "archive", tmp_path / "err.log"
        for round_ in range(2):
            before = len(site.hits)
            with open(err, "w", encoding="utf-8") as fh, \
                    running(run_args(sources, archive), stdout=subprocess.DEVNULL,
                            stderr=fh) as proc:
                # the second run closes what the first left open before it fetches
                def rolled(hits: int = before + 25, files: int = 2 * (round_ + 1)) -> bool:
                    return len(site.hits) >= hits and len(closed(archive)) >= files

                try:
                    assert wait_for(rolled, 60, interval=0.02)
                    assert wait_for(lambda: len(printed(err)) >= 3, 30, interval=0.02)
                finally:
                    proc.send_signal(signal.SIGKILL)
                    proc.wait(timeout=10)
            check = verify(archive)
            assert check.returncode == 0, check.stdout + check.stderr
            assert "unrecorded" not in check.stdout
            shown = printed(err)
            assert shown and set(shown) <= reported(archive), round_


def test_a_run_stopped_by_a_write_failure_keeps_what_it_wrote_whole(tmp_path: Path) -> None:
    with Site() as site:
        urls = []
        for i in range(30):
            site.page(f"/news/{i}", news_page(f"Story {i} about Taiwan", os.urandom(100_000).hex()))
            urls.append(site.url(f"/news/{i}"))
        sources = write_sources(tmp_path / "sources.yaml", one_event_per_url(urls))
        write_settings(sources, "[fetch]\nconcurrency = 2\n")
        archive = tmp_path / "archive"

        def small_files() -> None:  # no file grows past 2 MB (Python ignores SIGXFSZ):
            # the WARC file stops the run, the database has room
            resource.setrlimit(resource.RLIMIT_FSIZE, (2_000_000, 2_000_000))

        proc = subprocess.run(run_args(sources, archive), capture_output=True, text=True,
                              timeout=120, preexec_fn=small_files)
        assert proc.returncode == 3, proc.stderr
        assert "cannot be written" in proc.stderr and "Traceback" not in proc.stderr
        whole = responses_in(closed(archive))
        assert len(whole) >= 3
        assert whole <= reported(archive)
        assert set(_LINE.findall(proc.stderr)) <= reported(archive)
        assert verify(archive).returncode == 0


def test_sighup_stops_run_as_ctrl_c_does(tmp_path: Path) -> None:
    with Site() as site:
        urls = slow_site(site, 60)
        sources = write_sources(tmp_path / "sources.yaml", one_event_per_url(urls))
        write_settings(sources, "[fetch]\nconcurrency = 2\nper_host_concurrency = 2\n")
        archive = tmp_path / "archive"
        with running(run_args(sources, archive), stdout=subprocess.DEVNULL,
                     stderr=subprocess.PIPE, text=True) as proc:
            assert wait_for(lambda: len(site.hits) >= 10, 60, interval=0.02)
            proc.send_signal(signal.SIGHUP)
            _, stderr = proc.communicate(timeout=60)
        assert proc.returncode == 130, stderr
        assert "citations checked and kept" in stderr
        assert not list((archive / "warc").glob("*.open"))
        kept = reported(archive)
        said = re.search(r"interrupted: (\d+) citations checked and kept", stderr)
        assert said is not None and int(said.group(1)) == len(kept)
        assert 0 < len(kept) < len(urls)  # (the server's hits count the probes too)
        assert verify(archive).returncode == 0


def test_sigterm_while_the_report_is_written_is_an_interrupt(tmp_path: Path) -> None:
    """After the cycle, while the report is written (to a pipe nobody reads yet),
    SIGTERM stops the command as Ctrl-C does: exit 130 and a message, where it
    was killed with no word (143)."""
    with Site() as site:
        urls = []
        for i in range(300):
            site.page(f"/n/{i}", news_page(f"Story {i} about deportations to China, told at "
                                           "length so that the report is long", "Text."))
            urls.append(site.url(f"/n/{i}"))
        sources = write_sources(tmp_path / "sources.yaml", one_event_per_url(urls))
        archive = tmp_path / "archive"
        with running(run_args(sources, archive), stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE) as proc:
            # every page fetched, then the report fills the pipe and the write waits
            assert wait_for(lambda: len(site.hits) >= len(urls), 120, interval=0.05)
            time.sleep(3.0)
            assert proc.poll() is None  # (a report of 300 results outgrows the pipe)
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (proc.returncode, err[-2000:])
    assert b"interrupted" in err and b"Traceback" not in err
    assert out.startswith(b"{") and b"\"results\"" in out  # (cut where it was stopped)
