"""Progress of a cycle: a bar on a terminal, one plain line per citation when piped."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from archiver.models import CheckOutcome
from archiver.progress import Progress

from .lab import Handler, Site, news_page
from .sourcesfile import write_sources


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _outcome(i: int) -> CheckOutcome:
    return CheckOutcome("e1", f"http://127.0.0.1/news/{i}", "alive", "200 OK", 200, None)


def test_piped_progress_prints_one_line_per_citation() -> None:
    out = io.StringIO()
    with Progress(out) as progress:
        progress.update("start", None, 2)
        progress.update("result", _outcome(1))
        progress.update("result", _outcome(2))
    assert out.getvalue().splitlines() == [
        "[1/2] alive       200 http://127.0.0.1/news/1",
        "[2/2] alive       200 http://127.0.0.1/news/2",
    ]


def test_a_terminal_gets_a_bar_not_lines() -> None:
    out = _Terminal()
    with Progress(out) as progress:
        progress.update("start", None, 2)
        progress.update("result", _outcome(1))
        assert progress._bar is not None
        progress._bar.refresh()
        drawn = out.getvalue()
        progress.update("result", _outcome(2))
    assert "checking" in drawn and "1/2" in drawn, drawn
    assert "[1/2] alive" not in out.getvalue()  # no plain lines on a terminal


class _Gone(io.StringIO):
    """A stream whose reader went away: a closed pipe (EPIPE) or terminal (EIO)."""

    def __init__(self, tty: bool, error: OSError) -> None:
        super().__init__()
        self.tty = tty
        self.error = error
        self.gone = False

    def isatty(self) -> bool:
        return self.tty

    def write(self, text: str) -> int:
        if self.gone:
            raise self.error
        return super().write(text)


@pytest.mark.parametrize("tty", [False, True])
@pytest.mark.parametrize("error", [BrokenPipeError(32, "Broken pipe"),
                                   OSError(5, "Input/output error")])
def test_a_stream_that_cannot_be_written_ends_progress_not_the_cycle(
        tty: bool, error: OSError) -> None:
    """Neither the error nor rich's way with a broken pipe (standard output put
    in /dev/null, and exit 1) reaches the cycle."""
    out = _Gone(tty, error)
    with Progress(out) as progress:
        progress.update("start", None, 3)
        progress.update("result", _outcome(1))
        if progress._bar is not None:
            progress._bar.refresh()
        drawn = out.getvalue()
        out.gone = True
        progress.update("result", _outcome(2))  # raised into the cycle
        progress.update("result", _outcome(3))
    assert out.getvalue() == drawn
    if not tty or not isinstance(error, BrokenPipeError):  # rich quiets a broken pipe itself
        assert progress.gone


def test_a_run_whose_standard_error_is_closed_still_reports(tmp_path: Path) -> None:
    """`archiver run --format json 2>&1 >r.json | head -1`: the progress lines
    cannot be written once the reader has gone; the cycle ran on, its report was
    written and its exit status was the citations' (it was 1, as for a dead
    link, with no report)."""
    with Site() as site:
        urls = [site.url(f"/news/{i}") for i in range(3)]
        for i in range(3):
            site.page(f"/news/{i}", news_page(
                f"Taiwanese deported from Kenya, part {i}", "Kenya deported them.",
                published="2016-04-12"))
        sources = write_sources(tmp_path / "sources.yaml", [
            {"id": "2016-04-12-kenya", "date": "2016-04-12", "country": "Kenya",
             "sources": urls}])
        read, write = os.pipe()
        os.close(read)  # nobody reads standard error
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "archiver", "run", "--sources", str(sources),
                 "--archive", str(tmp_path / "archive"), "--allow-private",
                 "--per-host-delay", "0", "--format", "json"],
                stdout=subprocess.PIPE, stderr=write, timeout=120)
        finally:
            os.close(write)
    assert proc.returncode == 0
    report = json.loads(proc.stdout)
    assert [r["status"] for r in report["results"]] == ["alive"] * 3


def test_a_run_stopped_with_standard_error_closed_exits_as_stopped(tmp_path: Path) -> None:
    """A closed terminal: SIGHUP stops the cycle, and its note on standard error
    cannot be written; the exit status is still a stop's, 130 (it was 1, a
    failure's, as the note's write failed)."""
    asked = threading.Event()

    def slow(handler: Handler) -> None:
        asked.set()
        time.sleep(1.5)
        body = news_page("Taiwanese deported from Kenya", "Kenya deported them.").encode()
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                            b"Content-Length: %d\r\n\r\n%s" % (len(body), body))

    with Site() as site:
        site.raw("/news/slow", slow)
        sources = write_sources(tmp_path / "sources.yaml", [
            {"id": "2016-04-12-kenya", "date": "2016-04-12", "country": "Kenya",
             "sources": [site.url("/news/slow")]}])
        read, write = os.pipe()
        os.close(read)
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", "archiver", "run", "--sources", str(sources),
                 "--archive", str(tmp_path / "archive"), "--allow-private",
                 "--per-host-delay", "0", "--format", "json"],
                stdout=subprocess.PIPE, stderr=write)
        finally:
            os.close(write)
        try:
            assert asked.wait(60)
            proc.send_signal(signal.SIGHUP)
            assert proc.wait(60) == 130
        finally:
            proc.kill()
            proc.communicate()
