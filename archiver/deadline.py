"""One deadline for a whole network exchange (a notification's delivery
attempt, :mod:`archiver.notify`), where a timeout limits each wait only.

:class:`Deadline` is the time left; a :class:`DeadlineSocket` waits in each
receive and send only for that; :func:`lookup` looks a host's name up within
it, and :class:`LookedUp`, an httpcore network backend, connects to the
addresses so found. ``socket.getaddrinfo`` cannot be interrupted and a
resolver may never answer: each lookup runs in a thread of its own, which a
waiter past the deadline leaves to end by itself (asyncio's executor, which
httpx's lookups ran in, is waited for when its event loop closes: the
attempt ended only when the resolver answered). At most :data:`LOOKUPS` run
at once; past them, a lookup fails at once.

Example::

    deadline = Deadline(10.0, "webhook")
    addresses = lookup("hooks.example.org", 443, deadline)  # or TimeoutError
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import ipaddress
import socket
import threading
import time
from collections.abc import Iterable
from typing import Any

import httpcore


class Deadline:
    """The end of an exchange, *seconds* after its start; *channel* names it."""

    def __init__(self, seconds: float, channel: str) -> None:
        self.seconds = seconds
        self.channel = channel
        self.end = time.monotonic() + seconds

    @property
    def passed(self) -> bool:
        return time.monotonic() >= self.end

    def expired(self) -> TimeoutError:
        return TimeoutError(f"the {self.channel} attempt took longer than notify.timeout "
                            f"({self.seconds:g} s)")

    def left(self) -> float:
        """Seconds left; raises TimeoutError when none are."""
        left = self.end - time.monotonic()
        if left <= 0:
            raise self.expired()
        return left


#: Name lookups that may run at once; past them (earlier ones that a resolver
#: never answered, each left to its thread) an attempt fails at once.
LOOKUPS = 8
_lookups = threading.BoundedSemaphore(LOOKUPS)


def _start_lookup(host: str, port: int) -> concurrent.futures.Future[list[Any]]:
    """``socket.getaddrinfo`` of *host* for a TCP connection to *port*, in a
    thread of its own: getaddrinfo cannot be interrupted, and a resolver that
    never answers would hold whoever waits on it (a thread that is given up on
    ends when the lookup does; asyncio's executor is waited for when its event
    loop closes). An address is read at once, in this thread."""
    answer: concurrent.futures.Future[list[Any]] = concurrent.futures.Future()
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    else:
        answer.set_result(socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM))
        return answer
    if not _lookups.acquire(blocking=False):
        raise OSError(f"{host}: {LOOKUPS} earlier name lookups have not ended")
    answer.set_running_or_notify_cancel()  # (a waiter that gives up cannot cancel it)

    def look_up() -> None:
        try:
            answer.set_result(socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM))
        except BaseException as exc:  # (handed to the waiter)
            answer.set_exception(exc)
        finally:
            _lookups.release()

    threading.Thread(target=look_up, name="name-lookup", daemon=True).start()
    return answer


def lookup(host: str, port: int, deadline: Deadline) -> list[Any]:
    """The addresses of *host* (:func:`_start_lookup`), waited for until *deadline*."""
    try:
        return _start_lookup(host, port).result(timeout=deadline.left())
    except concurrent.futures.TimeoutError:
        raise deadline.expired() from None


class LookedUp(httpcore.AsyncNetworkBackend):
    """httpcore's connections, to the addresses of the host looked up under the
    attempt's deadline (:func:`_start_lookup`), in turn."""

    def __init__(self, deadline: Deadline) -> None:
        self.deadline = deadline
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
                          ) -> httpcore.AsyncNetworkStream:
        try:
            found = await asyncio.wait_for(asyncio.wrap_future(_start_lookup(host, port)),
                                           self.deadline.left())
        except TimeoutError:
            raise self.deadline.expired() from None
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        error: Exception | None = None
        for _, _, _, _, address in found:
            try:
                return await self.inner.connect_tcp(str(address[0]), port, timeout=timeout,
                                                    local_address=local_address,
                                                    socket_options=socket_options)
            except httpcore.ConnectError as exc:
                error = exc
        raise error or httpcore.ConnectError(f"{host}: no address to connect to")

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
                                  ) -> httpcore.AsyncNetworkStream:
        return await self.inner.connect_unix_socket(path, timeout, socket_options)

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class DeadlineSocket(socket.socket):
    """A socket whose every receive and send waits only for the time left to
    its attempt (:attr:`deadline`), and raises TimeoutError when none is."""

    deadline: Deadline

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        self.settimeout(self.deadline.left())
        return super().recv(bufsize, flags)

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        self.settimeout(self.deadline.left())
        return super().recv_into(buffer, nbytes, flags)

    def send(self, data: Any, flags: int = 0) -> int:
        self.settimeout(self.deadline.left())
        return super().send(data, flags)

    def sendall(self, data: Any, flags: int = 0) -> None:
        self.settimeout(self.deadline.left())
        super().sendall(data, flags)
