"""The resolver that enforces which addresses may be fetched.

The network policy has three layers, each usable alone. The two pure ones,
:func:`~archiver.addresses.is_forbidden` and
:func:`~archiver.addresses.parse_host_address`, are in ``addresses.py``; the
third is here:

* :class:`PolicyBackend` — an ``httpcore.AsyncNetworkBackend`` that resolves a
  host name once, checks every address it resolved to, and connects to the
  checked address itself. DNS rebinding cannot swap the address between the
  check and the connection. TLS still uses the host name: httpcore passes
  ``server_hostname`` (the URL host) to ``start_tls``, so SNI and certificate
  checking are unaffected.

Names under ``localhost`` (RFC 6761) are answered locally with the loopback
addresses and never sent to a DNS server.

On asyncio the backend's connections are asyncio transports read through a
small protocol (:class:`AsyncioStream`), without anyio's per-call cancel
scopes and socket look-ups; on other event loops it uses httpcore's anyio
backend. A :class:`ConnectionObserver` set in :data:`connection_observer`
hears of every connection the backend opens for the current task (the
fetcher counts them, to tell an offline machine from dead sites).

Exceptions::

    NetPolicyError
    ├── ForbiddenAddress    the target address is refused (.host, .address, .rule)
    └── ResolutionError     the host name does not resolve (.host)
        └── ResolutionTimeout   the resolver did not answer in time

They are not httpx exceptions, so httpx lets them through unchanged and
``fetcherrors.py`` classifies them by type ("policy", "dns", "timeout").
"""

from __future__ import annotations

import asyncio
import contextvars
import ipaddress
import logging
import socket
import ssl
import time
import typing
from collections import deque
from collections.abc import Callable, Iterable, Sequence

import anyio
import anyio.to_thread
import httpcore

from .addresses import IPAddress, is_forbidden, is_localhost_name, parse_host_address

LOGGER = logging.getLogger(__name__)

#: A policy: given the resolved address and the port, the rule that forbids
#: it, or ``None`` to allow it.
AddressPolicy = Callable[[IPAddress, int], "str | None"]

#: A resolver: host name and port to the addresses it resolves to (blocking;
#: run in a worker thread). Raises ``OSError`` (``socket.gaierror``) on failure.
Resolver = Callable[[str, int], Sequence[IPAddress]]


class NetPolicyError(Exception):
    """Base of the network-policy errors raised by :class:`PolicyBackend`."""

    def __init__(self, message: str, *, host: str) -> None:
        self.host = host
        super().__init__(message)


class ForbiddenAddress(NetPolicyError):
    """The host resolves to an address the policy refuses."""

    def __init__(self, host: str, address: str, rule: str) -> None:
        self.address = address
        self.rule = rule
        super().__init__(f"{host} resolves to {address} ({rule}): refused by the network policy",
                         host=host)


class ResolutionError(NetPolicyError):
    """The host name does not resolve (the cause is the ``socket.gaierror``)."""


class ResolutionTimeout(ResolutionError):
    """The resolver did not answer within the connect timeout."""


# --------------------------------------------------------------------------
# the resolver and the network backend


def system_resolver(host: str, port: int) -> list[IPAddress]:
    """Resolve *host* with ``getaddrinfo`` (blocking), answering localhost names locally."""
    if is_localhost_name(host):
        return [ipaddress.IPv4Address("127.0.0.1"), ipaddress.IPv6Address("::1")]
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    out: list[IPAddress] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if ip not in out:
            out.append(ip)
    return out


def default_policy(allow_private: bool) -> AddressPolicy:
    """The policy of the settings: everything, or public addresses only."""
    def policy(ip: IPAddress, port: int) -> str | None:
        return None if allow_private else is_forbidden(str(ip))
    return policy


class ConnectionObserver(typing.Protocol):
    """What the backend reports about the connections it opens."""

    def on_connect_start(self, host: str) -> None:
        """A TCP connection to *host* is about to be attempted (before resolution)."""

    def on_connect(self, host: str, stream: httpcore.AsyncNetworkStream) -> None:
        """The TCP connection to *host* is established."""

    def on_connect_error(self, host: str, exc: BaseException) -> None:
        """Resolving, the policy or the TCP connection to *host* failed."""

    def on_tls_start(self) -> None:
        """The TLS handshake starts."""

    def on_tls_done(self) -> None:
        """The TLS handshake succeeded."""


#: The observer of the connections opened by the current task (or None).
connection_observer: contextvars.ContextVar[ConnectionObserver | None] = \
    contextvars.ContextVar("connection_observer", default=None)

_HIGH_WATER = 256 * 1024  # received bytes buffered before reading pauses


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


class _Receiver(asyncio.Protocol):
    """Buffers what a transport receives, for :class:`AsyncioStream`."""

    def __init__(self) -> None:
        self.chunks: deque[bytes] = deque()
        self.size = 0
        self.eof = False
        self.error: BaseException | None = None
        self.transport: asyncio.Transport | None = None
        self.reading_paused = False
        self.writing_paused = False
        self._waiter: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = typing.cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.chunks.append(data)
        self.size += len(data)
        if self.size > _HIGH_WATER and not self.reading_paused and self.transport is not None:
            self.reading_paused = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool | None:
        self.eof = True
        self._wake()
        return None  # the transport closes itself

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        if exc is not None and self.error is None:
            self.error = exc
        self._wake()

    def pause_writing(self) -> None:
        self.writing_paused = True

    def resume_writing(self) -> None:
        self.writing_paused = False
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def wait(self, timeout: float | None) -> None:
        """Until something is received, the writing resumes, or *timeout* (TimeoutError)."""
        loop = asyncio.get_running_loop()
        waiter = self._waiter = loop.create_future()
        timer = None if timeout is None else loop.call_later(timeout, _expire, waiter)
        try:
            await waiter
        finally:
            self._waiter = None
            if timer is not None:
                timer.cancel()


class AsyncioStream(httpcore.AsyncNetworkStream):
    """An httpcore network stream on an asyncio transport.

    Reads return what the transport already received (no system call per
    read); ``get_extra_info("is_readable")``, httpcore's check of an idle
    kept-alive connection, is answered from that buffer: data or an end of
    stream arrived. Exceptions are httpcore's (``ReadError`` ...), with the
    ``OSError`` or ``ssl.SSLError`` as their cause.
    """

    def __init__(self, transport: asyncio.Transport, receiver: _Receiver) -> None:
        self._transport = transport
        self._receiver = receiver
        self._peer: typing.Any = transport.get_extra_info("peername")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        rx = self._receiver
        while not rx.chunks:
            if rx.eof:
                if rx.error is not None:
                    raise httpcore.ReadError(str(rx.error) or type(rx.error).__name__) \
                        from rx.error
                return b""
            try:
                await rx.wait(timeout)
            except TimeoutError as exc:
                raise httpcore.ReadTimeout("read timed out") from exc
        chunk = rx.chunks.popleft()
        if len(chunk) > max_bytes:
            rx.chunks.appendleft(chunk[max_bytes:])
            chunk = chunk[:max_bytes]
        rx.size -= len(chunk)
        if rx.reading_paused and rx.size <= _HIGH_WATER // 4:
            rx.reading_paused = False
            self._transport.resume_reading()
        return chunk

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        rx = self._receiver
        if rx.error is not None or self._transport.is_closing():
            raise httpcore.WriteError("the connection is closed") from rx.error
        self._transport.write(buffer)
        while rx.writing_paused:
            if rx.error is not None or self._transport.is_closing():
                raise httpcore.WriteError("the connection is closed") from rx.error
            try:
                await rx.wait(timeout)
            except TimeoutError as exc:
                raise httpcore.WriteTimeout("write timed out") from exc

    async def aclose(self) -> None:
        transport = self._transport
        if transport.get_extra_info("ssl_object") is not None:
            transport.abort()  # no TLS close_notify exchange: the connection just ends
        else:
            transport.close()

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        observer = connection_observer.get()
        if observer is not None:
            observer.on_tls_start()
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                tls = await loop.start_tls(self._transport, self._receiver, ssl_context,
                                           server_hostname=server_hostname)
        except TimeoutError as exc:
            self._transport.abort()
            raise httpcore.ConnectTimeout("TLS handshake timed out") from exc
        except (OSError, ssl.SSLError, EOFError) as exc:
            self._transport.abort()
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        except BaseException:
            self._transport.abort()
            raise
        if tls is None:  # pragma: no cover - only when the transport closed meanwhile
            raise httpcore.ConnectError("the connection closed during the TLS handshake")
        stream = AsyncioStream(tls, self._receiver)
        self._receiver.transport = tls
        if observer is not None:
            observer.on_tls_done()
        return stream

    def get_extra_info(self, info: str) -> typing.Any:
        if info == "is_readable":
            rx = self._receiver
            return bool(rx.chunks) or rx.eof
        if info == "server_addr":
            return self._peer
        if info == "ssl_object":
            return self._transport.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._transport.get_extra_info("sockname")
        if info == "socket":
            return self._transport.get_extra_info("socket")
        return None


async def connect_asyncio(host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
                          ) -> AsyncioStream:
    """A TCP connection to the IP address *host* as an :class:`AsyncioStream`."""
    loop = asyncio.get_running_loop()
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setblocking(False)
        for option in socket_options or ():
            sock.setsockopt(*option)
        if local_address is not None:
            sock.bind((local_address, 0))
        async with asyncio.timeout(timeout):
            await loop.sock_connect(sock, (host, port))
        transport, receiver = await loop.create_connection(_Receiver, sock=sock)
    except TimeoutError as exc:
        sock.close()
        raise httpcore.ConnectTimeout(f"{host}:{port}: connect timed out") from exc
    except OSError as exc:
        sock.close()
        raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
    except BaseException:
        sock.close()
        raise
    return AsyncioStream(transport, receiver)


class _ObservedStream(httpcore.AsyncNetworkStream):
    """Another backend's stream, reporting its TLS handshake to the observer."""

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        observer = connection_observer.get()
        if observer is not None:
            observer.on_tls_start()
        stream = await self._inner.start_tls(ssl_context, server_hostname, timeout)
        if observer is not None:
            observer.on_tls_done()
        return _ObservedStream(stream)

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


def _on_asyncio() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class PolicyBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that connects only where the policy allows.

    ``connect_tcp`` resolves the host once (in a worker thread, within the
    connect timeout), refuses the connection when ANY resolved address is
    forbidden, and then connects to the checked addresses in turn (the first
    that accepts wins). ``get_extra_info("server_addr")`` on the returned
    stream is the address actually connected to.
    """

    def __init__(self, allow_private: bool = False, *, policy: AddressPolicy | None = None,
                 resolver: Resolver = system_resolver,
                 inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.policy = policy if policy is not None else default_policy(allow_private)
        self.resolver = resolver
        #: None: asyncio streams on asyncio, httpcore's anyio backend elsewhere
        self.inner = inner
        self._anyio = httpcore.AnyIOBackend()

    async def resolve(self, host: str, port: int, timeout: float | None) -> list[IPAddress]:
        """The addresses of *host*: a literal is parsed, a name is looked up once."""
        literal = parse_host_address(host)
        if literal is not None:
            return [literal]
        try:
            with anyio.fail_after(timeout):
                found = await anyio.to_thread.run_sync(
                    self.resolver, host, port, abandon_on_cancel=True)
        except TimeoutError as exc:
            raise ResolutionTimeout(f"{host}: name resolution timed out", host=host) from exc
        except (OSError, UnicodeError) as exc:
            raise ResolutionError(f"{host}: name does not resolve", host=host) from exc
        addresses = list(found)
        if not addresses:
            raise ResolutionError(f"{host}: name resolved to no address", host=host)
        return addresses

    def check(self, host: str, addresses: Iterable[IPAddress], port: int) -> None:
        """Raise :class:`ForbiddenAddress` if any address is forbidden."""
        for ip in addresses:
            rule = self.policy(ip, port)
            if rule is not None:
                LOGGER.info("refused %s:%s -> %s (%s)", host, port, ip, rule)
                raise ForbiddenAddress(host, str(ip), rule)

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        observer = connection_observer.get()
        if observer is None:
            return await self._connect(host, port, timeout, local_address, socket_options)
        observer.on_connect_start(host)
        try:
            stream = await self._connect(host, port, timeout, local_address, socket_options)
        except BaseException as exc:
            observer.on_connect_error(host, exc)
            raise
        observer.on_connect(host, stream)
        return stream

    async def _connect(self, host: str, port: int, timeout: float | None,
                       local_address: str | None,
                       socket_options: Iterable[httpcore.SOCKET_OPTION] | None,
                       ) -> httpcore.AsyncNetworkStream:
        started = time.monotonic()
        addresses = await self.resolve(host, port, timeout)
        self.check(host, addresses, port)
        last: Exception | None = None
        for ip in addresses:
            elapsed = time.monotonic() - started
            remaining = None if timeout is None else max(0.0, timeout - elapsed)
            if remaining is not None and remaining <= 0:
                raise httpcore.ConnectTimeout(f"{host}: connect timed out")
            try:
                return await self._connect_address(str(ip), port, remaining, local_address,
                                                   socket_options)
            except httpcore.ConnectTimeout:
                raise
            except httpcore.ConnectError as exc:
                last = exc
        assert last is not None
        raise last

    async def _connect_address(self, ip: str, port: int, timeout: float | None,
                               local_address: str | None,
                               socket_options: Iterable[httpcore.SOCKET_OPTION] | None,
                               ) -> httpcore.AsyncNetworkStream:
        if self.inner is None and _on_asyncio():
            return await connect_asyncio(ip, port, timeout=timeout,
                                         local_address=local_address,
                                         socket_options=socket_options)
        inner = self.inner if self.inner is not None else self._anyio
        stream = await inner.connect_tcp(ip, port, timeout=timeout,
                                         local_address=local_address,
                                         socket_options=socket_options)
        return _ObservedStream(stream)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise ForbiddenAddress(path, path, "unix-socket")

    async def sleep(self, seconds: float) -> None:
        if self.inner is None and _on_asyncio():
            await asyncio.sleep(seconds)
        else:
            await (self.inner or self._anyio).sleep(seconds)
