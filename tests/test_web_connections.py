"""``archiver serve``: the dashboard's connections, over real sockets on 127.0.0.1.

A connection past the cap is answered 503 in the form its request asks for (a
HEAD's answer has no body), and a client that sends its request head a byte at
a time is dropped once it has taken longer than the time a head is given, so
that such clients cannot hold every slot.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from archiver.web import app as web_app
from archiver.web.app import DashboardServer

from .lab import Site, answer_until
from .test_web import PAGE_1, PAGE_2_BEFORE, Lab


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with Site() as site:
        site.page("/news/1", PAGE_1)
        site.page("/news/2", PAGE_2_BEFORE)
        yield Lab.first_cycle(tmp_path_factory.mktemp("connections"), site).archive


def _port(server: DashboardServer) -> int:
    return int(server.url.rsplit(":", 1)[1])


def _exchange(port: int, request: bytes) -> bytes:
    """What the server sends back to *request*, to the end of the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
    return answer


def test_a_head_request_past_the_cap_is_answered_without_a_body(archive: Path) -> None:
    """The answer past the cap was written before the request was read: a HEAD
    got a body, which a client then reads as the start of its next answer."""
    with DashboardServer(archive, port=0, replay_port=0, connections=2) as server:
        held = [socket.create_connection(("127.0.0.1", _port(server)), timeout=10)
                for _ in range(2)]
        try:
            assert answer_until(server.url, 503).status_code == 503
            head = _exchange(_port(server), b"HEAD /index.json HTTP/1.1\r\n"
                             b"Host: 127.0.0.1\r\nConnection: close\r\n\r\n")
            status, _, rest = head.partition(b"\r\n")
            assert status == b"HTTP/1.1 503 Service Unavailable", head
            fields, _, body = rest.partition(b"\r\n\r\n")
            assert b"Retry-After: 5" in fields and body == b"", head
            get = _exchange(_port(server), b"GET /index.json HTTP/1.1\r\n"
                            b"Host: 127.0.0.1\r\nConnection: close\r\n\r\n")
            assert get.endswith(b"\r\n\r\nToo many connections; try again later."), get
        finally:
            for sock in held:
                sock.close()


def test_a_connection_past_the_cap_that_says_nothing_is_answered_in_time(
        archive: Path) -> None:
    """Its request is waited for a moment, not for as long as it keeps silent."""
    with DashboardServer(archive, port=0, replay_port=0, connections=1) as server:
        with socket.create_connection(("127.0.0.1", _port(server)), timeout=10):
            assert answer_until(server.url, 503).status_code == 503
            started = time.monotonic()
            with socket.create_connection(("127.0.0.1", _port(server)), timeout=10) as silent:
                answer = b""
                while chunk := silent.recv(4096):
                    answer += chunk
            assert answer.startswith(b"HTTP/1.1 503 "), answer
            assert time.monotonic() - started < 5


def test_clients_sending_their_request_head_a_byte_at_a_time_are_dropped(
        archive: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """64 clients that each sent a byte of their request head a little more
    often than the idle timeout held every slot for as long as they went on:
    the dashboard answered everyone else 503."""
    monkeypatch.setattr(web_app, "HEAD_SECONDS", 1.0, raising=False)
    request = (b"GET /index.json HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: "
               + b"p" * 400 + b"\r\n\r\n")
    with DashboardServer(archive, port=0, replay_port=0, idle_seconds=2.0) as server:
        slow = [socket.create_connection(("127.0.0.1", _port(server)), timeout=10)
                for _ in range(web_app.CONNECTIONS)]
        stop = threading.Event()
        dropped: set[int] = set()

        def drip() -> None:
            """A byte to each slow client every 0.2 s, for up to 30 s."""
            deadline = time.monotonic() + 30
            for at in range(len(request)):
                if stop.is_set() or time.monotonic() > deadline:
                    return
                for i, sock in enumerate(slow):
                    if i not in dropped:
                        try:
                            sock.sendall(request[at:at + 1])
                        except OSError:
                            dropped.add(i)
                time.sleep(0.2)

        dripping = threading.Thread(target=drip, daemon=True)
        dripping.start()
        try:
            assert answer_until(server.url, 503).status_code == 503  # every slot held
            started = time.monotonic()
            assert answer_until(server.url, 200).status_code == 200
            assert time.monotonic() - started < 8
            for sock in slow:  # each closed by the server, unanswered
                sock.settimeout(10)
                try:
                    rest = sock.recv(4096)
                except ConnectionResetError:  # closed with bytes of ours unread
                    rest = b""
                assert rest == b""
        finally:
            stop.set()
            dripping.join(10)
            for sock in slow:
                sock.close()

