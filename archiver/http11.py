"""HTTP/1.1 exchanges for the fetcher, on the network policy's connections.

The fetcher sends one GET at a time per connection and keeps what the server
sent: the status line, the raw header lines in order, and the body still
content-encoded. That is all this module does, so it does it directly: the
request is written as one buffer, the response is parsed by ``httptools``
(llhttp, the parser of Node.js) and the connections come from the
:class:`~archiver.netpolicy.PolicyBackend` (address policy, TLS, peer
address), kept alive per origin. On the loopback farm of ``bench/``
(``bench/fetch_only.py``, 3,000 fetches), ``Fetcher.fetch`` costs 0.27-0.28 ms
of CPU a URL this way against 0.67-0.71 ms through httpcore's pool, its
HTTP/1.1 connection and h11, whose generality (HTTP/2, proxies, trace hooks,
anyio locks) the fetcher does not use.

What a response may be, as h11 allows it:

* a body delimited by ``Content-Length``, by chunked transfer coding
  (de-chunked here, as h11 does), or by the end of the connection;
* a ``1xx`` head before the real one (skipped);
* a head of at most :data:`MAX_HEAD_BYTES` (larger is a protocol error);
* a head llhttp refuses but browsers read: header lines they read past (no
  colon, no name: :func:`archiver.responsehead.read_past`), spaces before a
  colon (the name trimmed, as Chromium reads it:
  :func:`archiver.responsehead.spaced_name`; the connection is not used again
  when that line frames the body), Content-Length given twice with one value.
  It is parsed anew as they read it, once it is all here, however it comes in
  pieces, and kept as it came.

Errors are httpcore's exception types (``RemoteProtocolError``,
``ReadError``...), which the fetcher maps to httpx's as for any request.

Connections (:class:`Connections`), opened through the backend (TLS with
the context of the run, built when first needed): at most ``per_origin`` idle connections
per origin (scheme, host, port), reused while the server keeps them open
and for ``keepalive_expiry`` seconds; origins with idle connections beyond
``max_pools`` are closed least recently used first. The fetcher's politeness
(``politeness.py``) bounds the requests in flight per origin, so nothing waits
here for a connection.
"""

from __future__ import annotations

import ssl
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Any

import httpcore
import httptools

from .responsehead import final_head, final_head_here, may_read_again, read_again, unsure_framing

__all__ = ["MAX_HEAD_BYTES", "Connection", "Connections", "NoAnswer", "Response"]

#: Largest response head accepted (status line and header lines), as httpcore's h11.
MAX_HEAD_BYTES = 100 * 1024
_READ = 64 * 1024

Origin = tuple[bytes, bytes, int]  # scheme, host, port
_NO_BODY = (204, 304)
_LENGTH, _CODINGS, _SPACED, _SPACED_FRAMING = range(4)
#: Header names (lowercased) that bear on framing. llhttp takes one space
#: before the colon of the five names it knows (``Content-Length : 5``) and
#: gives the name with it: read as Chromium reads it (the name trimmed,
#: :func:`archiver.responsehead.spaced_name`).
_FRAMING_NAMES = {b"content-length": _LENGTH, b"transfer-encoding": _CODINGS,
                  b"content-length ": _SPACED_FRAMING, b"transfer-encoding ": _SPACED_FRAMING,
                  b"connection ": _SPACED, b"upgrade ": _SPACED, b"proxy-connection ": _SPACED}


class NoAnswer(httpcore.RemoteProtocolError):
    """The server closed the connection without sending a byte of a response."""


class Connection:
    """One HTTP/1.1 connection: one exchange at a time, kept alive between them.

    The parser's callbacks (``on_status`` ... ``on_message_complete``) fill
    the current exchange's head and queue its body chunks.
    """

    __slots__ = ("stream", "origin", "idle_since", "closed", "_parser", "_reason", "_headers",
                 "_chunks", "_head_done", "_complete", "_begun", "_reusable", "_until_close",
                 "_status", "_error", "_trailer_bytes", "raw_head", "answered")

    def __init__(self, stream: httpcore.AsyncNetworkStream, origin: Origin) -> None:
        self.stream = stream
        self.origin = origin
        self.idle_since = 0.0
        self.closed = False
        self._start(None)

    def _start(self, parser: Any) -> None:
        """The state of a new exchange read by *parser* (None: no exchange)."""
        self._parser = parser
        self._reason = b""
        self._headers: list[tuple[bytes, bytes]] = []
        self._chunks: deque[bytes] = deque()
        self._head_done = False
        self._complete = False
        self._begun = False
        self._reusable = False
        self._until_close = False
        self._status = 0
        self._error: httpcore.RemoteProtocolError | None = None
        self._trailer_bytes = 0
        self.raw_head: bytes | None = None
        self.answered = False  # a byte of the response came

    def idle(self) -> None:
        """Kept for a next request: nothing of the last exchange is held."""
        self.idle_since = time.monotonic()
        self._start(None)

    # -- parser callbacks

    def on_message_begin(self) -> None:
        if self._begun:  # bytes after the response: the connection is not reused
            self._reusable = False
        self._begun = True

    # Bytes after the end of the response (a second message the server sent
    # unasked) are not this exchange's: once it is complete, nothing is kept.

    def on_status(self, reason: bytes) -> None:
        if not self._complete:
            self._reason += reason

    def on_header(self, name: bytes, value: bytes) -> None:
        if self._complete:
            return
        if self._head_done:  # a trailer field, after a chunked body: not kept, but bounded
            self._trailer_bytes += len(name) + len(value) + 4
            if self._trailer_bytes > MAX_HEAD_BYTES:
                raise httpcore.RemoteProtocolError(
                    f"response trailers larger than {MAX_HEAD_BYTES} bytes")
            return
        self._headers.append((name, value))

    def on_headers_complete(self) -> None:
        if self._complete:
            return
        parser = self._parser
        status = parser.get_status_code()
        if 100 <= status < 200:  # an interim head (100 Continue, 103 Early Hints): skipped
            self._reason = b""
            self._headers = []
            self._begun = False
            return
        self._status = status
        self._head_done = True
        self._reusable = parser.should_keep_alive()
        if status not in _NO_BODY:
            self._until_close = self._lasts_until_close()

    def _lasts_until_close(self) -> bool:
        """Whether the body lasts until the server closes the connection (RFC
        9112, 6.3): no length, or a transfer coding that does not end in chunked."""
        length = codings = None
        spaced = -1
        kind_of = _FRAMING_NAMES.get
        for name, value in self._headers:
            kind = kind_of(name.lower())
            if kind is None:
                continue
            if kind == _LENGTH:
                length = value
            elif kind == _CODINGS:
                codings = value if codings is None else codings + b"," + value
            else:
                spaced = max(spaced, kind)
        if spaced >= 0:  # names given with a space before their colon (rare)
            self._headers = [(name.rstrip(b" "), value) for name, value in self._headers]
            if spaced == _SPACED_FRAMING:
                self._reusable = False  # see spaced_name: browsers differ on the body's end
            return self._lasts_until_close()
        chunked = codings is not None and \
            codings.rsplit(b",", 1)[-1].strip().lower() == b"chunked"
        return not chunked and (length is None or codings is not None)

    def on_body(self, body: bytes) -> None:
        if not self._complete:
            self._chunks.append(body)

    def on_message_complete(self) -> None:
        if self._head_done:
            self._complete = True

    # -- the exchange

    def _feed(self, data: bytes) -> None:
        """Parse *data*. A broken body is raised once the chunks before it are read."""
        try:
            self._parser.feed_data(data)
        except (httptools.HttpParserError, httptools.HttpParserUpgrade) as exc:
            if self._complete:  # garbage after a complete response
                self._reusable = False
                return
            if isinstance(exc, httptools.HttpParserUpgrade):
                error = httpcore.RemoteProtocolError("unexpected protocol upgrade")
            elif isinstance(exc.__context__, httpcore.RemoteProtocolError):  # from a callback
                error = exc.__context__
            else:
                error = httpcore.RemoteProtocolError(str(exc) or type(exc).__name__)
            error.__cause__ = exc
            if not self._head_done:
                raise error from exc
            self._error = error

    async def send(self, request: bytes) -> None:
        """Write *request* and read up to the end of the response head."""
        self._start(self._parser_of_browsers())
        stream = self.stream
        await stream.write(request)
        received: list[bytes] = []
        size = 0
        refused: httpcore.RemoteProtocolError | None = None  # until the head is read again
        while not self._head_done:
            data = await stream.read(_READ)
            if not data:
                if size:
                    raise refused or httpcore.RemoteProtocolError(
                        "the server closed the connection in the middle of the response head")
                raise NoAnswer("Server disconnected without sending a response.")
            received.append(data)
            size += len(data)
            self.answered = True
            if refused is None:
                try:
                    self._feed(data)
                except httpcore.RemoteProtocolError as exc:
                    if not may_read_again(b"".join(received)):
                        raise
                    refused = exc
            if refused is not None and final_head_here(whole := b"".join(received)):
                # a head browsers read (a line they read past, spaces before a colon,
                # a length given twice with one value) is parsed anew as they read
                # it, once it is all here; it is kept as it came
                again = read_again(whole)
                if again is None:
                    raise refused
                refused = None
                self._start(self._parser_of_browsers())
                self.answered = True
                self._feed(again)
                if unsure_framing(whole):  # see spaced_name: browsers differ on its end
                    self._reusable = False
            if not self._head_done and size > MAX_HEAD_BYTES:
                raise httpcore.RemoteProtocolError(
                    f"response head larger than {MAX_HEAD_BYTES} bytes")
        self.raw_head = final_head(received[0] if len(received) == 1 else b"".join(received),
                                   self._status)

    def _parser_of_browsers(self) -> Any:
        """A response parser for this connection that reads what browsers read
        (RFC 9112 asks clients to): header lines that break the grammar (obs-fold,
        stray bytes), Content-Length beside chunked (the chunks frame the body),
        a bare LF ending a line."""
        parser = httptools.HttpResponseParser(self)
        parser.set_dangerous_leniencies(lenient_headers=True, lenient_chunked_length=True,
                                        lenient_optional_cr_before_lf=True)
        return parser

    async def next_chunk(self) -> bytes | None:
        """The next piece of the body as received (de-chunked), or None at its end."""
        chunks = self._chunks
        while not chunks:
            if self._complete:
                return None
            if self._error is not None:
                raise self._error
            data = await self.stream.read(_READ)
            if not data:
                if self._until_close:  # a body delimited by the end of the connection
                    self._complete = True
                    self._reusable = False
                    return None
                raise httpcore.RemoteProtocolError(
                    "peer closed connection without sending complete message body")
            self._feed(data)
        return chunks.popleft()

    @property
    def reusable(self) -> bool:
        """The last exchange ended cleanly and the server keeps the connection open."""
        return self._complete and self._reusable and not self.closed

    def readable(self) -> bool:
        """Something arrived while idle (data, or the server closing): not reusable."""
        return bool(self.stream.get_extra_info("is_readable"))

    async def aclose(self) -> None:
        if not self.closed:
            self.closed = True
            await self.stream.aclose()


class Response:
    """The head of a response and its body, read with ``async for``.

    ``aclose`` gives the connection back for the next request when the body
    was read to its end, and closes it otherwise.
    """

    __slots__ = ("status", "reason_phrase", "http_version", "headers", "raw_head",
                 "network_stream", "_conn", "_owner")

    def __init__(self, conn: Connection, owner: Connections) -> None:
        parser = conn._parser
        self.status: int = conn._status
        self.reason_phrase: bytes = conn._reason
        self.http_version: bytes = b"HTTP/" + parser.get_http_version().encode("ascii")
        self.headers: list[tuple[bytes, bytes]] = conn._headers
        self.raw_head: bytes | None = conn.raw_head
        self.network_stream = conn.stream
        self._conn: Connection | None = conn
        self._owner = owner

    def __aiter__(self) -> Response:
        return self

    async def __anext__(self) -> bytes:
        conn = self._conn
        if conn is None:
            raise StopAsyncIteration
        chunk = await conn.next_chunk()
        if chunk is None:
            raise StopAsyncIteration
        return chunk

    async def aclose(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            await self._owner._release(conn)


class _Origin:
    __slots__ = ("idle", "active", "used")

    def __init__(self) -> None:
        self.idle: list[Connection] = []
        self.active: set[Connection] = set()
        self.used = 0.0


class Connections:
    """Connections kept alive per origin, opened through *backend*.

    ``len()`` is the number of origins with connections (idle or in use);
    :meth:`aclose` closes them all.
    """

    def __init__(self, backend: httpcore.AsyncNetworkBackend,
                 ssl_context: Callable[[], ssl.SSLContext], *,
                 per_origin: int, keepalive_expiry: float, max_pools: int,
                 connect_timeout: float | None) -> None:
        self._backend = backend
        self._ssl_context = ssl_context  # called at the first https connection
        self._per_origin = max(1, per_origin)
        self._idle_expiry = keepalive_expiry
        self._max_pools = max(1, max_pools)
        self._connect_timeout = connect_timeout
        # origin -> its connections, least recently used first
        self._origins: OrderedDict[Origin, _Origin] = OrderedDict()
        self._next_sweep = time.monotonic() + keepalive_expiry
        self._closed = False

    def __len__(self) -> int:
        return len(self._origins)

    @property
    def connections(self) -> list[Connection]:
        return [c for o in self._origins.values() for c in (*o.idle, *o.active)]

    async def request(self, scheme: bytes, host: bytes, port: int, target: bytes,
                      headers: list[tuple[bytes, bytes]]) -> Response:
        """Send ``GET target`` with *headers* (Host included) and read the response head."""
        if self._closed:
            raise RuntimeError("the connections are closed")
        origin = (scheme, host, port)
        now = time.monotonic()
        entry = self._origins.pop(origin, None)
        if entry is None:
            entry = _Origin()
        self._origins[origin] = entry  # most recently used last
        entry.used = now
        if len(self._origins) > self._max_pools or now >= self._next_sweep:
            await self._close_idle(now, keep=origin)
        conn = await self._idle_connection(entry, now)
        reused = conn is not None
        if conn is None:
            conn = await self._connect(origin)
        entry.active.add(conn)
        request = b"".join((b"GET ", target, b" HTTP/1.1\r\n",
                            *(b"%s: %s\r\n" % pair for pair in headers), b"\r\n"))
        while True:
            try:
                await conn.send(request)
                return Response(conn, self)
            except (NoAnswer, httpcore.ReadError, httpcore.WriteError):
                entry.active.discard(conn)
                await conn.aclose()
                if not reused or conn.answered:
                    self._forget_if_empty(origin, entry)
                    raise
                # a kept-alive connection the server closed as the request went out
                # (its keep-alive timeout): nothing was answered, so the GET is sent
                # again, once, on a new connection, as browsers do
                reused = False
                try:
                    conn = await self._connect(origin)
                except BaseException:
                    self._forget_if_empty(origin, entry)
                    raise
                entry.active.add(conn)
            except BaseException:
                entry.active.discard(conn)
                await conn.aclose()
                self._forget_if_empty(origin, entry)
                raise

    async def _idle_connection(self, entry: _Origin, now: float) -> Connection | None:
        while entry.idle:
            conn = entry.idle.pop()
            if now - conn.idle_since < self._idle_expiry and not conn.readable():
                return conn
            await conn.aclose()
        return None

    async def _connect(self, origin: Origin) -> Connection:
        scheme, host, port = origin
        name = host.decode("ascii")
        stream = await self._backend.connect_tcp(name, port, timeout=self._connect_timeout)
        if scheme == b"https":
            context = self._ssl_context()
            context.set_alpn_protocols(["http/1.1"])
            try:
                stream = await stream.start_tls(context, server_hostname=name,
                                                timeout=self._connect_timeout)
            except BaseException:
                await stream.aclose()
                raise
        return Connection(stream, origin)

    async def _release(self, conn: Connection) -> None:
        origin = conn.origin
        entry = self._origins.get(origin)
        if entry is not None:
            entry.active.discard(conn)
        if entry is None or self._closed or not conn.reusable \
                or len(entry.idle) >= self._per_origin:
            await conn.aclose()
            if entry is not None:
                self._forget_if_empty(origin, entry)
            return
        conn.idle()
        entry.idle.append(conn)

    def _forget_if_empty(self, origin: Origin, entry: _Origin) -> None:
        if not entry.idle and not entry.active and self._origins.get(origin) is entry:
            del self._origins[origin]

    async def _close_idle(self, now: float, keep: Origin) -> None:
        """Close origins beyond the bound, and those unused past the keep-alive,
        that have no request in flight."""
        self._next_sweep = now + self._idle_expiry
        excess = len(self._origins) - self._max_pools
        closing: list[Connection] = []
        for origin, entry in list(self._origins.items()):
            if origin == keep or entry.active:
                continue
            if excess > 0 or now - entry.used >= self._idle_expiry:
                del self._origins[origin]
                closing.extend(entry.idle)
                excess -= 1
            else:  # within the bound and not expired: the rest is more recent
                break
        for conn in closing:
            await conn.aclose()

    async def aclose(self) -> None:
        self._closed = True
        conns = self.connections
        self._origins.clear()
        for conn in conns:
            await conn.aclose()
