"""The backend's connections: asyncio streams, their events, other event loops."""

from __future__ import annotations

import asyncio
import socket
import threading
from typing import Any

import httpcore
import pytest

from archiver.netpolicy import AsyncioStream, PolicyBackend, connection_observer


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    def on_connect_start(self, host: str) -> None:
        self.events.append(("start", host))

    def on_connect(self, host: str, stream: httpcore.AsyncNetworkStream) -> None:
        self.events.append(("connect", stream.get_extra_info("server_addr")[:2]))

    def on_connect_error(self, host: str, exc: BaseException) -> None:
        self.events.append(("error", type(exc).__name__))

    def on_tls_start(self) -> None:
        self.events.append(("tls", None))

    def on_tls_done(self) -> None:
        self.events.append(("tls-done", None))


class Peer:
    """A loopback TCP server that runs *script* on the one connection it accepts."""

    def __init__(self, script: Any) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.port = self.listener.getsockname()[1]
        self.received = b""

        def run() -> None:
            conn, _ = self.listener.accept()
            with conn:
                script(conn, self)

        self.thread = threading.Thread(target=run, daemon=True)

    def __enter__(self) -> Peer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.thread.join(5)
        self.listener.close()


def test_stream_reads_writes_and_sees_the_end(tmp_path: Any) -> None:
    def script(conn: socket.socket, peer: Peer) -> None:
        peer.received = conn.recv(100)
        conn.sendall(b"hello world")
        conn.shutdown(socket.SHUT_WR)
        conn.recv(1)  # until the client closes

    async def go(port: int) -> tuple[list[bytes], bool, bool, Any]:
        stream = await PolicyBackend(allow_private=True).connect_tcp("127.0.0.1", port,
                                                                     timeout=2.0)
        assert isinstance(stream, AsyncioStream)
        await stream.write(b"ping", timeout=1.0)
        parts = [await stream.read(5, timeout=2.0)]
        readable_before = stream.get_extra_info("is_readable")
        while part := await stream.read(5, timeout=2.0):
            parts.append(part)
        readable_at_end = stream.get_extra_info("is_readable")
        addr = stream.get_extra_info("server_addr")
        await stream.aclose()
        return parts, readable_before, readable_at_end, addr

    with Peer(script) as peer:
        parts, before, at_end, addr = asyncio.run(go(peer.port))
    assert peer.received == b"ping"
    assert b"".join(parts) == b"hello world" and all(len(p) <= 5 for p in parts)
    assert before is True and at_end is True
    assert addr[:2] == ("127.0.0.1", peer.port)


def test_idle_stream_is_readable_only_once_the_server_closed() -> None:
    closed = threading.Event()

    def script(conn: socket.socket, peer: Peer) -> None:
        closed.wait(5)

    async def go(port: int) -> tuple[bool, bool]:
        stream = await PolicyBackend(allow_private=True).connect_tcp("127.0.0.1", port,
                                                                     timeout=2.0)
        quiet = stream.get_extra_info("is_readable")
        closed.set()
        for _ in range(200):
            if stream.get_extra_info("is_readable"):
                break
            await asyncio.sleep(0.01)
        readable = stream.get_extra_info("is_readable")
        await stream.aclose()
        return quiet, readable

    with Peer(script) as peer:
        assert asyncio.run(go(peer.port)) == (False, True)


def test_read_timeout_is_httpcore_read_timeout() -> None:
    done = threading.Event()

    def script(conn: socket.socket, peer: Peer) -> None:
        done.wait(5)

    async def go(port: int) -> None:
        stream = await PolicyBackend(allow_private=True).connect_tcp("127.0.0.1", port,
                                                                     timeout=2.0)
        try:
            with pytest.raises(httpcore.ReadTimeout):
                await stream.read(100, timeout=0.1)
        finally:
            await stream.aclose()
            done.set()

    with Peer(script) as peer:
        asyncio.run(go(peer.port))


def test_reset_connection_is_a_read_error() -> None:
    def script(conn: socket.socket, peer: Peer) -> None:
        conn.recv(10)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")

    async def go(port: int) -> None:
        stream = await PolicyBackend(allow_private=True).connect_tcp("127.0.0.1", port,
                                                                     timeout=2.0)
        await stream.write(b"x")
        try:
            with pytest.raises(httpcore.ReadError) as info:
                while await stream.read(100, timeout=2.0):
                    pass
            assert isinstance(info.value.__cause__, OSError)
        finally:
            await stream.aclose()

    with Peer(script) as peer:
        asyncio.run(go(peer.port))


def test_observer_hears_connections_of_its_own_task_only() -> None:
    def script(conn: socket.socket, peer: Peer) -> None:
        conn.recv(1)

    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    backend = PolicyBackend(allow_private=True)

    async def go(port: int) -> tuple[list[tuple[str, Any]], list[tuple[str, Any]]]:
        mine, other = Recorder(), Recorder()

        async def unobserved() -> None:
            connection_observer.set(other)
            connection_observer.set(None)
            with pytest.raises(httpcore.ConnectError):
                await backend.connect_tcp("127.0.0.1", closed_port, timeout=1.0)

        token = connection_observer.set(mine)
        try:
            stream = await backend.connect_tcp("127.0.0.1", port, timeout=2.0)
            await stream.aclose()
            with pytest.raises(httpcore.ConnectError):
                await backend.connect_tcp("127.0.0.1", closed_port, timeout=1.0)
            await asyncio.create_task(unobserved())  # a copy of the context, then None
        finally:
            connection_observer.reset(token)
        return mine.events, other.events

    with Peer(script) as peer:
        mine, other = asyncio.run(go(peer.port))
    assert mine == [("start", "127.0.0.1"), ("connect", ("127.0.0.1", peer.port)),
                    ("start", "127.0.0.1"), ("error", "ConnectError")]
    assert other == []


def test_a_given_inner_backend_is_used_and_observed() -> None:
    def script(conn: socket.socket, peer: Peer) -> None:
        peer.received = conn.recv(10)
        conn.sendall(b"pong")

    async def go(port: int) -> tuple[bytes, list[tuple[str, Any]]]:
        recorder = Recorder()
        connection_observer.set(recorder)
        backend = PolicyBackend(allow_private=True, inner=httpcore.AnyIOBackend())
        stream = await backend.connect_tcp("127.0.0.1", port, timeout=2.0)
        assert not isinstance(stream, AsyncioStream)
        await stream.write(b"ping")
        data = await stream.read(10, timeout=2.0)
        await stream.aclose()
        return data, recorder.events

    with Peer(script) as peer:
        data, events = asyncio.run(go(peer.port))
    assert data == b"pong" and peer.received == b"ping"
    assert events == [("start", "127.0.0.1"), ("connect", ("127.0.0.1", peer.port))]
