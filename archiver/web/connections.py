"""The dashboard's connections: the answer to those past its cap, and the time a
request's head is given.

A connection past the cap (:data:`archiver.web.app.CONNECTIONS`) is handed to
one thread, the :class:`Refuser`, which reads the start of its request for up
to :data:`REFUSE_WAIT` seconds, answers it 503 (without a body when it is a
HEAD: its answer has none) and closes it, reading what the client still sends
for a moment first, so that the close does not reset the connection before the
client has read the answer. However many connections come past the cap, they
take that one thread and a bounded number of sockets (:data:`REFUSING`); one
more is closed unanswered.

A served connection's request head (its request line and header fields) must
have come whole within a given time of its first byte (:class:`HeadReader`):
a client that sends it a byte at a time, each within the idle timeout, held
its thread and slot for as long as it went on.
"""

from __future__ import annotations

import logging
import selectors
import socket
import threading
import time
from typing import Any

LOGGER = logging.getLogger(__name__)

#: The answer to a connection past the cap: its head, then its body (not for a HEAD).
BUSY_HEAD = (b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\n"
             b"Content-Type: text/plain; charset=utf-8\r\nContent-Length: 38\r\n"
             b"Connection: close\r\n\r\n")
BUSY_BODY = b"Too many connections; try again later."
#: Seconds a connection past the cap is given to say its request's method
#: (not said by then: answered as a GET).
REFUSE_WAIT = 1.0
#: Seconds the rest of its request is read, once answered, before it is closed.
LINGER = 1.0
#: Connections past the cap being answered at once; one more is closed unanswered.
REFUSING = 256


class _Refused:
    """A connection past the cap: the start of its request, and until when it is kept."""

    __slots__ = ("answered", "deadline", "start")

    def __init__(self, deadline: float) -> None:
        self.start = b""
        self.deadline = deadline
        self.answered = False


class Refuser:
    """Answers the connections past the cap, in a thread of its own (see the module)."""

    def __init__(self) -> None:
        self._selector = selectors.DefaultSelector()
        self._lock = threading.Lock()
        self._waker, self._wake = socket.socketpair()
        self._waker.setblocking(False)
        self._wake.setblocking(False)
        self._selector.register(self._waker, selectors.EVENT_READ, None)
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="dashboard-refuser", daemon=True)
        self._thread.start()

    def refuse(self, sock: socket.socket) -> None:
        """Answer *sock* 503 and close it (this thread returns at once)."""
        with self._lock:
            if self._stopping or len(self._selector.get_map()) > REFUSING:
                _close(sock)
                return
            try:
                sock.setblocking(False)
                self._selector.register(sock, selectors.EVENT_READ,
                                        _Refused(time.monotonic() + REFUSE_WAIT))
            except (OSError, ValueError):
                _close(sock)
                return
        self._poke()

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
        self._poke()
        self._thread.join(5)

    def _poke(self) -> None:
        try:
            self._wake.send(b"\0")
        except OSError:
            pass  # its buffer is full: the thread wakes for those bytes already

    def _run(self) -> None:
        try:
            while True:
                with self._lock:
                    if self._stopping:
                        break
                    waiting: list[tuple[Any, _Refused]] = [
                        (key.fileobj, key.data) for key in self._selector.get_map().values()
                        if key.data is not None]
                now = time.monotonic()
                for sock, refused in waiting:
                    if refused.deadline <= now:
                        self._past_deadline(sock, refused)
                soonest = min((r.deadline for _, r in waiting), default=now + 60)
                for key, _ in self._selector.select(max(0.0, soonest - time.monotonic())):
                    if key.data is None:
                        _drain(self._waker)
                    else:
                        self._readable(key.fileobj, key.data)  # type: ignore[arg-type]
        finally:
            with self._lock:
                self._stopping = True
                for key in list(self._selector.get_map().values()):
                    _close(key.fileobj)  # type: ignore[arg-type]
                self._selector.close()
                _close(self._wake)

    def _readable(self, sock: socket.socket, refused: _Refused) -> None:
        try:
            data = sock.recv(4096)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:  # the client is gone, or has sent all it had
            if not refused.answered:
                self._answer(sock, refused)
            self._forget(sock)
            return
        if not refused.answered:
            refused.start = (refused.start + data)[:16]
            if b" " in refused.start or len(refused.start) >= 16:
                self._answer(sock, refused)

    def _past_deadline(self, sock: socket.socket, refused: _Refused) -> None:
        if refused.answered:
            self._forget(sock)
        else:
            self._answer(sock, refused)

    def _answer(self, sock: Any, refused: _Refused) -> None:
        """The 503, for the method the request names (none named yet: a GET's)."""
        head = refused.start.split(b" ", 1)[0] == b"HEAD"
        refused.answered = True
        refused.deadline = time.monotonic() + LINGER
        try:
            sock.send(BUSY_HEAD if head else BUSY_HEAD + BUSY_BODY)  # fits any send buffer
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            self._forget(sock)

    def _forget(self, sock: socket.socket) -> None:
        with self._lock:
            try:
                self._selector.unregister(sock)
            except (KeyError, ValueError):
                pass
        _close(sock)


def _drain(sock: socket.socket) -> None:
    try:
        while sock.recv(4096):
            pass
    except OSError:
        pass


def _close(sock: socket.socket) -> None:
    try:
        sock.close()
    except OSError:
        pass


class HeadReader(socket.SocketIO):
    """The reads of a served connection: while a request's head is read
    (:meth:`head`, until :meth:`body`), each waits no longer than is left of
    *head_seconds* from the head's first byte, nor than *idle_seconds*; the
    head not whole by then is a :class:`TimeoutError` (the connection is
    closed). Before its first byte, and after the head, a read waits up to
    *idle_seconds*."""

    def __init__(self, sock: socket.socket, idle_seconds: float | None,
                 head_seconds: float) -> None:
        super().__init__(sock, "rb")
        self._connection = sock
        self.idle_seconds = idle_seconds
        self.head_seconds = head_seconds
        self._reading_head = True
        self._deadline: float | None = None

    def head(self) -> None:
        """A request's head is read next."""
        self._reading_head, self._deadline = True, None
        self._connection.settimeout(self.idle_seconds)

    def body(self) -> None:
        """The head has been read."""
        if self._reading_head:
            self._reading_head, self._deadline = False, None
            self._connection.settimeout(self.idle_seconds)

    def readinto(self, b: Any) -> int:
        if self._reading_head and self._deadline is not None:
            left = self._deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"the request's head took over {self.head_seconds:g} s")
            self._connection.settimeout(left if self.idle_seconds is None
                                   else min(left, self.idle_seconds))
        got = super().readinto(b)
        if self._reading_head and self._deadline is None and got:
            self._deadline = time.monotonic() + self.head_seconds
        return got or 0
