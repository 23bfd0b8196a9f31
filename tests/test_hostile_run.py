"""Hostile servers through the whole command: every citation gets a status and a reason,
the run ends within its time limits, memory stays bounded, and what was captured is valid.

The fetch-level behaviour of each server is tested in test_hostile.py; here the
same kinds of servers go through `archiver run` (fetch → WARC → extract →
classify → store) in one run, as a user would meet them.
"""

from __future__ import annotations

import gzip
import json
import shutil
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import brotli

from .hostile_pages import REBUILT_BOLD
from .lab import Handler, Site, closed_port, news_page, write_slowly
from .sourcesfile import write_sources


def _raw(text: bytes) -> object:
    def handler(h: Handler) -> None:
        h.wfile.write(text)
        h.wfile.flush()
    return handler


def _never_ending(h: Handler) -> None:
    h.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html><body>")
    end = time.monotonic() + 20
    try:
        while time.monotonic() < end:  # bounded: the client gives up long before
            h.wfile.write(b"<p>more</p>" * 1000)
    except OSError:
        pass


def _drip(h: Handler) -> None:
    write_slowly(h, [b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"]
                 + [b"<p>x</p>"] * 8, interval=1.0)


def _bad_chunks(h: Handler) -> None:
    h.wfile.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                  b"Content-Type: text/html\r\n\r\nzz\r\nhello\r\n0\r\n\r\n")
    h.wfile.flush()


def _reset(h: Handler) -> None:
    h.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\nContent-Type: text/html\r\n"
                  b"\r\n<html><body>" + b"a" * 1000)
    h.wfile.flush()
    time.sleep(0.1)
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.rfile.close()  # drop the file objects so that close() really closes: an RST
    h.wfile.close()
    h.connection.close()


MEASURE = ("import resource, subprocess, sys\n"
           "p = subprocess.run(sys.argv[2:], stdout=open(sys.argv[1], 'wb'))\n"
           "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
           "sys.exit(p.returncode)\n")


def run_measured(cmd: list[str], out: Path) -> tuple[int, str, str, int]:
    """Run *cmd*; its exit status, stdout, stderr, and peak RSS in KB (its own process only)."""
    proc = subprocess.run([sys.executable, "-c", MEASURE, str(out), *cmd],
                          capture_output=True, text=True, timeout=180)
    peak = int(proc.stdout.strip().splitlines()[-1])
    return proc.returncode, out.read_text(encoding="utf-8"), proc.stderr, peak


def test_hostile_lab_through_the_whole_run(tmp_path: Path) -> None:
    site = Site().start()
    try:
        gzip_bomb = gzip.compress(b"<html><body>" + b" " * 200_000_000, 9)
        br_bomb = brotli.compress(b"<p>" + b"a" * 200_000_000, quality=5)
        nested = b"<html><head><title>Deep</title></head><body>" + b"<div>" * 200_000 \
            + b"deep" + b"</div>" * 200_000 + b"</body></html>"
        routes = {
            "/drip": ("raw", _drip),
            "/never-ends": ("raw", _never_ending),
            "/huge": ("page", b"<html><body>" + b"x" * 3_000_000 + b"</body></html>"),
            "/gzip-bomb": ("bomb", (gzip_bomb, "gzip")),
            "/br-bomb": ("bomb", (br_bomb, "br")),
            "/bad-chunks": ("raw", _bad_chunks),
            "/huge-header": ("raw", _raw(b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 200_000
                                        + b"\r\nContent-Length: 2\r\n\r\nok")),
            "/bad-status": ("raw", _raw(b"HTTP/1.1 OK\r\n\r\n")),
            "/no-type": ("raw", _raw(b"HTTP/1.1 200 OK\r\nContent-Length: 44\r\n\r\n"
                                     b"<html><head><title>Typeless</title></head>")),
            "/garbage": ("page", bytes(range(256)) * 400),
            "/nested": ("page", nested),
            # bold left open in every paragraph, rebuilt in each: 4 GB to parse unbounded
            "/rebuilt": ("page", b"<html><head><title>Bold</title></head><body>"
                         + REBUILT_BOLD),
            "/wrong-charset": ("page", news_page("台灣人遭遣返中國", "馬來西亞將台灣人遣返中國。")
                               .encode("big5", "replace")),
            "/reset": ("raw", _reset),
            # costly for naive readers: comments before any tag (sniffed as
            # HTML or not), a title of 30,000 parts, tags that never end
            "/comments": ("text", b"<!--a-->" * 250 + b"x"),
            "/many-parts": ("page", b"<title>Headline" + b" - x" * 30_000 + b"</title>"),
            "/unended": ("page", b"<html><body>" + b"<a " * 500_000),
            "/loop-a": ("redirect", "/loop-b"),
            "/loop-b": ("redirect", "/loop-a"),
        }
        for i in range(14):
            routes[f"/chain/{i}"] = ("redirect", f"/chain/{i + 1}")
        for path, (kind, value) in routes.items():
            if kind == "text":
                site.page(path, value, content_type="text/plain")  # type: ignore[arg-type]
            elif kind == "raw":
                site.raw(path, value)  # type: ignore[arg-type]
            elif kind == "page":
                site.page(path, value)  # type: ignore[arg-type]
            elif kind == "redirect":
                site.redirect(path, value, 302)  # type: ignore[arg-type]
            else:
                body, enc = value  # type: ignore[misc]
                site.page(path, body, headers=[("Content-Encoding", enc)])
        site.page("/fine", news_page("Malaysia deports Taiwanese", "A normal page."))
        cited = [p for p in routes if not p.startswith("/chain/") and p != "/loop-b"]
        cited += ["/chain/0", "/fine"]
        urls = [site.url(p) for p in cited] + [f"http://127.0.0.1:{closed_port()}/refused"]
        src = write_sources(tmp_path / "sources.yaml", [
            {"id": f"e{i}", "date": "2016-05-01", "country": "Malaysia", "sources": [u]}
            for i, u in enumerate(urls)])
        (tmp_path / "archiver.toml").write_text(
            "[fetch]\nmax_bytes = 2000000\nmax_decoded_bytes = 5000000\nretries = 1\n"
            "timeout = 3\nper_host_delay = 0\nconcurrency = 8\nper_host_concurrency = 8\n")
        archive = tmp_path / "archive"
        t0 = time.monotonic()
        code, stdout, stderr, peak_kb = run_measured(
            [sys.executable, "-m", "archiver", "run", "--sources", str(src), "--archive",
             str(archive), "--allow-private", "--format", "json"], tmp_path / "report.json")
        elapsed = time.monotonic() - t0
    finally:
        site.stop()
    assert "Traceback" not in stderr, stderr[-3000:]
    assert code in (0, 1), stderr[-2000:]
    report = json.loads(stdout)
    got = {r["url"].split("/", 3)[-1]: r for r in report["results"]}
    assert len(got) == len(urls)
    for r in report["results"]:
        assert r["status"] and r["reason"], r
    status = {k: v["status"] for k, v in got.items()}
    assert status["fine"] == "alive"
    assert status["loop-a"] == "dead" and status["chain/0"] == "dead"
    assert status["refused"] == "dead"
    assert status["bad-chunks"] == "unreachable" and status["huge-header"] == "unreachable"
    assert status["gzip-bomb"] in ("alive", "soft-404")  # captured; inflation was capped
    assert status["huge"] == "alive" and status["nested"] in ("alive", "soft-404")
    assert status["rebuilt"] in ("alive", "soft-404"), got["rebuilt"]  # captured, left unread
    assert "rebuilt: HTML left unread" in stderr
    assert status["comments"] == "alive" and status["many-parts"] in ("alive", "soft-404")
    assert status["unended"] in ("alive", "soft-404")
    assert "cut at 2000000 bytes" in got["huge"]["reason"]
    assert "cut at 2000000 bytes" in got["never-ends"]["reason"]  # the cap comes first
    # a body still arriving at the time limit, or broken mid-body: not a page, not dead
    for slow in ("drip", "reset"):
        assert status[slow] == "unreachable", got[slow]
    assert "time limit" in got["drip"]["reason"]
    assert got["wrong-charset"]["headline"] == "台灣人遭遣返中國"
    # bounded time: each slow server costs at most about one timeout
    assert elapsed < 60, elapsed
    # bounded memory: 200 MB bombs inflated at most 5 MB, 3 MB body cut at 2 MB,
    # the parser held to its ceiling. The budget: this run without /rebuilt peaks
    # near 100 MB; the parse of /rebuilt may map 128 MB (dom.PARSE_MEMORY) above
    # what the process has mapped when it starts, and reuse freed heap besides, so
    # the peak varies with the order the pages arrive in (175-251 MB seen).
    # Unbounded, that parse took the run to 1.88 GB.
    assert peak_kb < 320_000, peak_kb
    conn_rows = subprocess.run([sys.executable, "-m", "archiver", "verify", "--archive",
                                str(archive)], capture_output=True, text=True, timeout=120)
    assert conn_rows.returncode == 0, conn_rows.stdout
    if shutil.which("warcio"):
        for w in (archive / "warc").glob("*.warc.gz"):
            subprocess.run(["warcio", "check", str(w)], check=True, capture_output=True)
