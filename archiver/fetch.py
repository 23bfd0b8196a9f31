"""Fetch a URL hop by hop, keeping exactly what the server sent.

``make_client`` builds the one ``httpx.AsyncClient`` of a run (HTTP/1.1, no
environment proxies, no automatic redirects, the network policy of
``netpolicy.py`` installed); the fetcher builds its requests with it and
sends them on the connections of ``http11.py``, kept alive per origin. ``Fetcher.fetch`` follows
redirects itself so that every hop is recorded (request headers as sent, raw
response headers, peer address, TLS details) and keeps each body, undecoded:
in memory while it is small, streamed to a temporary file beyond
:data:`SPILL_BYTES`.

Decisions, in one place:

* **Time.** ``settings.timeout`` bounds one request (one hop of one try):
  connect, response head and body together. When the head arrived and the
  body was still coming at the limit, the hop is kept, cut
  (``truncated_reason="time"``) and the fetch is NOT an error: the status is
  known and the bytes received are evidence. Without a head, it is a
  ``"timeout"`` error. Waiting for a politeness slot does not count.
* **Size.** A body is cut at ``settings.max_bytes`` (``"length"``).
* **Broken bodies.** A connection reset or invalid chunking after the head
  keeps the hop and its partial body (``truncated_reason="error"``, written
  ``WARC-Truncated: disconnect`` in its record) and the fetch ends with error
  ``"protocol"``.
* **Retries.** Timeouts, connection failures (refused included: one refusal
  may be transient), 5xx, and 429/503 whose ``Retry-After`` is at most
  ``settings.max_retry_after`` are tried again, up to ``settings.retries``
  tries, waiting ``backoff`` x 1, 2, 4 ... (or the Retry-After). A longer
  Retry-After is not waited for: the response is returned with
  ``result.retry_after`` set. Only the last try's hops are returned; the body
  files of discarded tries are deleted.
* **Errors** are classified by exception type, never by message text
  (:func:`fetcherrors.classify_error`).
* **Politeness.** At most ``concurrency`` requests in flight, at most
  ``per_host_concurrency`` per origin (scheme, host, port), and
  ``per_host_delay`` seconds between the starts of two requests to one origin
  (every try and every redirect hop counts): :class:`politeness.Politeness`.
  A soft-404 probe (:meth:`Fetcher.fetch_probe`) goes before the requests its
  origin has queued: pages of the site that answered wait for it.
* **Connections.** Each origin keeps at most ``per_host_concurrency`` idle
  connections, alive 5 s between requests (:class:`http11.Connections`). A
  request sent on a kept-alive connection that the server had already closed
  (no response head) is sent once more, at once, on a new connection: the
  server never saw it, so it is not a try.
* **Event loop.** The fetcher runs on asyncio (``asyncio.run``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import ssl
import tempfile
import time
from collections.abc import AsyncIterable, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import httpcore
import httpx
from httpx._transports.default import map_httpcore_exceptions

from .addresses import check_parsed_url
from .exceptions import StorageError
from .exchange import (
    FetchStats,
    Trace,
    latin1_pairs,
    origin_of,
    parse_retry_after,
    parse_url,
    port_of,
    tls_info,
)
from .fetcherrors import classify_error
from .http11 import Connections
from .models import FetchResult, Hop
from .netpolicy import (
    AddressPolicy,
    NetPolicyError,
    PolicyBackend,
    Resolver,
    connection_observer,
    system_resolver,
)
from .politeness import Politeness
from .settings import FetchSettings
from .store import now_utc
from .warcread import TEMP_BODY_PREFIX, TEMP_BODY_SUFFIX

LOGGER = logging.getLogger(__name__)

ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
ACCEPT_ENCODING = "gzip, deflate"

#: A body is kept in memory up to this size (a news page, gzip-encoded, is
#: some 10-100 KB), in a file beyond it: a file per page costs some 0.15 ms
#: of CPU to create, read back and delete.
SPILL_BYTES = 512 * 1024


#: Errors of a request sent on a kept-alive connection that the server had
#: already closed (no response head): sent again once on a new connection.
_STALE = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)


class AttemptTimeout(TimeoutError):
    """No response head within the total time of one request."""


class _PolicyTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport on a :class:`PolicyBackend`, and beside it the
    connections the fetcher sends its requests on (:class:`http11.Connections`).

    The TLS context is built at the first https connection: loading the
    system's CA store takes some 40 ms, spent for nothing on a run of plain
    http URLs.
    """

    def __init__(self, settings: FetchSettings, backend: PolicyBackend,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self._verify = settings.verify_tls
        self._ssl_context = ssl_context
        self._backend = backend
        # httpx builds a context and a pool here; both are replaced at the first
        # request (see handle_async_request), so a bare context stands in.
        super().__init__(verify=ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT), trust_env=False,
                         http1=True, http2=False)
        self._pool_ready = False
        self.connections = Connections(
            backend, self.ssl_context, per_origin=settings.per_host_concurrency,
            keepalive_expiry=5.0, max_pools=max(128, 4 * settings.concurrency),
            connect_timeout=min(settings.connect_timeout, settings.timeout))

    def ssl_context(self) -> ssl.SSLContext:
        """The TLS context of the run (built on first use)."""
        if self._ssl_context is None:
            self._ssl_context = httpx.create_ssl_context(verify=self._verify, trust_env=False)
        return self._ssl_context

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self._pool_ready:
            # httpx has no parameter for the network backend: its request path
            # calls ``self._pool.handle_async_request`` and ``self._pool.aclose``.
            self._pool = httpcore.AsyncConnectionPool(
                ssl_context=self.ssl_context(), http1=True, http2=False,
                network_backend=self._backend)
            self._pool_ready = True
        return await super().handle_async_request(request)

    # httpx's pool, when no request went through it, holds nothing to close;
    # closing it would import anyio's asyncio backend, some 20 ms of a run
    async def aclose(self) -> None:
        await self.connections.aclose()
        if self._pool_ready:
            await super().aclose()

    async def __aexit__(self, *args: Any) -> None:
        await self.aclose()  # httpx's and httpcore's __aexit__ only close


class _Client(httpx.AsyncClient):
    """The client of :func:`make_client`, which knows its one transport."""

    def __init__(self, transport: _PolicyTransport, **kwargs: Any) -> None:
        super().__init__(transport=transport, **kwargs)
        self.policy_transport = transport


_HTTPX_LOGGER = logging.getLogger("httpx")


def make_client(settings: FetchSettings, *, policy: AddressPolicy | None = None,
                resolver: Resolver = system_resolver,
                ssl_context: ssl.SSLContext | None = None) -> httpx.AsyncClient:
    """The client of a run: HTTP/1.1, no env proxies, no redirects, network policy.

    *policy* replaces the policy of ``settings.allow_private`` (tests use it
    to allow exactly one loopback port); *resolver* replaces ``getaddrinfo``;
    *ssl_context* replaces the one built from ``settings.verify_tls`` (to
    trust a private CA).
    """
    backend = PolicyBackend(settings.allow_private, policy=policy, resolver=resolver)
    timeout = httpx.Timeout(settings.timeout,
                            connect=min(settings.connect_timeout, settings.timeout))
    return _Client(
        _PolicyTransport(settings, backend, ssl_context),
        headers={"User-Agent": settings.user_agent, "Accept": ACCEPT,
                 "Accept-Encoding": ACCEPT_ENCODING},
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
        http1=True,
        http2=False,
    )


# --------------------------------------------------------------------------
# the fetcher


def _location_text(location: str) -> str:
    """A Location header (its bytes, as latin-1 text) as a URL to join: UTF-8
    as such, and bytes that are not UTF-8 percent-encoded as sent ("/c/plain\\xfc"
    is "/c/plain%FC", not the replacement character's "%EF%BF%BD"); then read
    as browsers read it (:func:`_as_browsers_read`)."""
    raw = location.encode("latin-1")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = "".join(chr(b) if b < 0x80 else f"%{b:02X}" for b in raw)
    return _as_browsers_read(text)


#: What the URL parser of browsers (WHATWG URL) drops: C0 controls and spaces
#: at either end, tabs and line breaks anywhere.
_URL_EDGES = "".join(map(chr, range(0x21)))
_TAB_OR_NEWLINE = str.maketrans("", "", "\t\n\r")
_CONTROL = re.compile("[\x00-\x1f\x7f]")


def _as_browsers_read(text: str) -> str:
    """A URL as the WHATWG URL parser reads it in an http(s) document: C0
    controls and spaces trimmed, tabs and line breaks removed, a backslash
    before the query a slash ("/\\host/a" is "//host/a"), the other controls
    percent-encoded. A redirect browsers follow is followed to where they go."""
    text = text.strip(_URL_EDGES).translate(_TAB_OR_NEWLINE)
    ends = [i for i in (text.find("?"), text.find("#")) if i >= 0]
    cut = min(ends) if ends else len(text)
    if "\\" in text[:cut]:
        text = text[:cut].replace("\\", "/") + text[cut:]
    return _CONTROL.sub(lambda m: f"%{ord(m.group()):02X}", text)


@dataclass(slots=True)
class _Reply:
    """The head and the raw body of one response (from http11 or httpx)."""

    status: int
    reason_phrase: bytes
    http_version: bytes
    network_stream: Any  # peer address and TLS details; None when unknown
    headers: list[tuple[bytes, bytes]]
    request: httpx.Request | None  # None: sent as the fetcher built it
    chunks: AsyncIterable[bytes]
    aclose: Callable[[], Awaitable[None]]
    raw_head: bytes | None = None  # the head as received, when known


class Fetcher:
    """Fetches URLs hop by hop, politely; bodies too big for memory go to files
    under *tmpdir*.

    The caller owns *client* (see :func:`make_client`) and the body files of
    the returned hops.
    """

    def __init__(self, client: httpx.AsyncClient, settings: FetchSettings, tmpdir: Path,
                 stop: asyncio.Event | None = None) -> None:
        self.client = client
        # The client of make_client has no auth, no redirects to follow, no
        # event hooks and one transport: requests go straight to its connections.
        self._connections = client.policy_transport.connections \
            if isinstance(client, _Client) else None
        self._client_raw: list[tuple[bytes, bytes]] = []  # see _hop_headers
        self._client_text: list[tuple[str, str]] = []
        self.settings = settings
        self.tmpdir = Path(tmpdir)
        self.stats = FetchStats()
        self.politeness = Politeness(settings.concurrency, settings.per_host_concurrency,
                                     settings.per_host_delay, stop=stop)

    async def fetch(self, url: str, *, retries: int | None = None,
                    stoppable: bool = True, urgent: bool = False) -> FetchResult:
        """Fetch *url*, following redirects, retrying per the settings; *urgent*,
        each request goes before those queued for its origin that are not.

        Raises :class:`~archiver.politeness.Stopped` when the stop event (see :class:`Politeness`)
        is set before its first request, or before a retry, is made (unless
        not *stoppable*); the redirects of a request made are followed.
        """
        try:
            parsed = parse_url(url)
        except (httpx.InvalidURL, TypeError, ValueError) as exc:
            return FetchResult(url, error="invalid-url", error_detail=f"unparsable URL: {exc}",
                               attempts=0)
        reason = check_parsed_url(parsed)
        if reason is not None:
            return FetchResult(url, error="invalid-url", error_detail=reason, attempts=0)
        if "#" in url:  # a fragment is never sent: not part of the URL requested, nor recorded
            parsed = parsed.copy_with(fragment=None)
        tries = max(1, retries if retries is not None else self.settings.retries)
        attempt = 0
        while True:
            attempt += 1
            result = await self._attempt(url, parsed, stoppable, urgent)
            result.attempts = attempt
            wait = self._retry_wait(result, attempt)
            if wait is None or attempt >= tries:
                return result
            LOGGER.info("retrying %s in %.1fs (%s)", url, wait,
                        result.error or (result.final.status if result.final else ""))
            discard(result)
            # no backoff to sit out, nor one cut short by a stop: no retry comes
            await self.politeness.pause(wait, stoppable)

    async def fetch_probe(self, url: str) -> FetchResult:
        """One try at *url* (a soft-404 probe): no retries. Part of the work on
        a URL whose page was fetched: made even when the cycle is stopping, and
        before the requests queued for its origin (the pages of that site that
        answered wait for it)."""
        return await self.fetch(url, retries=1, stoppable=False, urgent=True)

    def _retry_wait(self, result: FetchResult, attempt: int) -> float | None:
        """Seconds to wait before the next try, or None when it is final."""
        backoff = float(self.settings.backoff * 2 ** (attempt - 1))
        if result.error in ("timeout", "connect", "refused"):
            return backoff
        final = result.final
        if result.error is not None or final is None or final.status is None:
            return None
        status = final.status
        asked = parse_retry_after(final.header("retry-after"))
        if status in (429, 503) and asked is not None:
            if asked > self.settings.max_retry_after:
                result.retry_after = asked
                return None
            return asked
        if 500 <= status < 600:
            return backoff
        return None

    async def _attempt(self, url: str, parsed: httpx.URL, stoppable: bool = False,
                       urgent: bool = False) -> FetchResult:
        """One try: the whole redirect chain from *url* (*parsed*); the first
        request is *stoppable*, every one *urgent* (see :meth:`fetch`)."""
        result = FetchResult(url)
        seen: set[tuple[str, str | None]] = set()
        current = parsed
        while True:
            hop, exc, during_tls = await self._exchange(current, stoppable and not result.hops,
                                                        urgent)
            result.hops.append(hop)
            seen.add((str(current), _cookie(hop.request_headers)))
            if exc is not None:
                result.error, result.error_detail = classify_error(exc, during_tls=during_tls)
                return result
            location = hop.location
            if not hop.is_redirect or location is None:
                return result
            try:
                where = _location_text(location)
                target = current.join(where)
                if where.endswith("?") and not target.query and "#" not in where:
                    # an empty query is part of the URL ("/a" sent on to "/a?"),
                    # which join drops: the request it asks for would be this one
                    target = httpx.URL(str(target) + "?")
                if "#" in where:
                    target = target.copy_with(fragment=None)
            except (httpx.InvalidURL, ValueError) as err:
                result.error, result.error_detail = "invalid-url", f"bad Location: {err}"
                return result
            reason = check_parsed_url(target)
            if reason is not None:
                result.error = "invalid-url"
                result.error_detail = f"redirect to {target}: {reason}"
                return result
            # A URL revisited with new cookies is a cookie check, not a loop.
            next_cookie = self.client.build_request("GET", target).headers.get("cookie") \
                if self.client.cookies else None
            if (str(target), next_cookie) in seen:
                result.error = "redirect-loop"
                result.error_detail = f"redirect loop: {target} repeats"
                return result
            if len(result.hops) > self.settings.max_hops:
                result.error = "too-many-redirects"
                result.error_detail = f"more than {self.settings.max_hops} redirects"
                return result
            current = target

    async def _exchange(self, url: httpx.URL, stoppable: bool = False, urgent: bool = False
                        ) -> tuple[Hop, BaseException | None, bool]:
        async with self.politeness.slot(origin_of(url), stoppable=stoppable, urgent=urgent):
            trace = Trace(url.host, self.stats)
            hop, exc = await self._request(url, trace)
            if exc is not None and hop.status is None and not trace.connecting \
                    and isinstance(exc, _STALE):
                # A kept-alive connection the server had closed: the request
                # never reached it, so it is sent again on a new connection.
                trace = Trace(url.host, self.stats)
                hop, exc = await self._request(url, trace)
            return hop, exc, trace.tls_started and not trace.tls_done

    async def _request(self, url: httpx.URL, trace: Trace) -> tuple[Hop, BaseException | None]:
        """One request, bounded in time and size: (hop, error or None)."""
        headers, request = self._request_headers(url)
        hop = Hop(url=str(url), method="GET", request_headers=self._hop_headers(headers),
                  started=now_utc())
        t0 = time.monotonic()
        reply: _Reply | None = None
        error: BaseException | None = None
        deadline = asyncio.timeout(self.settings.timeout)
        observing = connection_observer.set(trace)
        try:
            try:
                with map_httpcore_exceptions():  # httpx's exceptions, as client.send raises
                    async with deadline:
                        reply = await self._send(url, headers, request)
                        self._record_head(hop, reply, request)
                        await self._read_body(hop, reply.chunks)
            except TimeoutError:
                if not deadline.expired():
                    raise
                if reply is None:
                    error = AttemptTimeout(f"no response within {self.settings.timeout}s")
                else:
                    hop.truncated, hop.truncated_reason = True, "time"
        except StorageError:  # the archive's, not the link's
            raise
        except Exception as exc:  # noqa: BLE001 - every failure becomes a classified result
            if not isinstance(exc, httpx.HTTPError | OSError | NetPolicyError):
                LOGGER.warning("unexpected %s fetching %s", type(exc).__name__, url,
                               exc_info=True)
            error = exc
            if reply is not None:
                hop.truncated, hop.truncated_reason = True, "error"
        finally:
            if reply is not None:
                # gives the connection back, or closes it (no waiting either way)
                with map_httpcore_exceptions():
                    await reply.aclose()
            connection_observer.reset(observing)
            hop.elapsed = time.monotonic() - t0
        if hop.ip is None and isinstance(trace.peer, tuple) and len(trace.peer) >= 2:
            hop.ip, hop.port = str(trace.peer[0]), int(trace.peer[1])
        return hop, error

    def _request_headers(self, url: httpx.URL
                         ) -> tuple[list[tuple[bytes, bytes]], httpx.Request | None]:
        """The headers of a GET of *url*, and the httpx request when one was built.

        For the client of :func:`make_client` with no cookie to send, they are
        what ``client.build_request`` gives, made directly: ``Host``, then the
        client's headers. Otherwise ``build_request`` makes them.
        """
        if self._connections is not None and not self.client.cookies:
            return [(b"Host", url.netloc), *self.client.headers.raw], None
        request = self.client.build_request("GET", url)
        return request.headers.raw, request

    def _hop_headers(self, raw: list[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
        """*raw* as text; the client's headers after ``Host`` are decoded once."""
        if raw[1:] != self._client_raw:
            self._client_raw = raw[1:]
            self._client_text = latin1_pairs(self._client_raw)
        return [(raw[0][0].decode("latin-1"), raw[0][1].decode("latin-1")), *self._client_text]

    async def _send(self, url: httpx.URL, headers: list[tuple[bytes, bytes]],
                    request: httpx.Request | None) -> _Reply:
        """``client.send(request, stream=True)``; for the client of :func:`make_client`,
        straight to its connections (``http11.py``), without the client's and the
        transport's generic layers (httpcore's exceptions are left to the caller to map)."""
        connections = self._connections
        if connections is None:
            assert request is not None
            response = await self.client.send(request, stream=True)
            if "set-cookie" in response.headers:  # what httpx took into the jar
                _drop_unsendable_cookies(self.client.cookies)
            ext = response.extensions
            return _Reply(response.status_code, _bytes(ext.get("reason_phrase", b"")),
                          _bytes(ext.get("http_version", b"HTTP/1.1")),
                          ext.get("network_stream"), response.headers.raw, response.request,
                          response.aiter_raw(), response.aclose)
        if self.client.is_closed:
            raise RuntimeError("Cannot send a request, as the client has been closed.")
        core = await connections.request(url.raw_scheme, url.raw_host, port_of(url), url.raw_path,
                                         headers)
        raw = core.headers
        reply = _Reply(core.status, core.reason_phrase, core.http_version, core.network_stream,
                       raw, request, core, core.aclose, core.raw_head)
        if any(k.lower() == b"set-cookie" for k, _ in raw):
            self.client.cookies.extract_cookies(httpx.Response(
                core.status, headers=raw,
                request=request or httpx.Request("GET", url, headers=headers)))
            _drop_unsendable_cookies(self.client.cookies)
        if _HTTPX_LOGGER.isEnabledFor(logging.INFO):  # the line httpx logs for each request
            _HTTPX_LOGGER.info('HTTP Request: %s %s "%s %d %s"', "GET", url,
                               reply.http_version.decode("ascii", "ignore"), core.status,
                               reply.reason_phrase.decode("ascii", "ignore"))
        return reply

    def _record_head(self, hop: Hop, reply: _Reply, request: httpx.Request | None) -> None:
        hop.status = reply.status
        hop.reason_phrase = reply.reason_phrase.decode("latin-1")
        hop.http_version = reply.http_version.decode("ascii", errors="ignore")
        hop.response_headers = latin1_pairs(reply.headers)
        hop.raw_head = reply.raw_head
        if reply.request is not request and reply.request is not None:
            # the headers as sent, when the client changed them
            hop.request_headers = latin1_pairs(reply.request.headers.raw)
        self._record_peer(hop, reply.network_stream)

    def _record_peer(self, hop: Hop, stream: Any) -> None:
        if stream is None:
            return
        addr = stream.get_extra_info("server_addr")
        if isinstance(addr, tuple) and len(addr) >= 2:
            hop.ip, hop.port = str(addr[0]), int(addr[1])
        if hop.url.startswith("https:"):
            hop.tls = tls_info(stream.get_extra_info("ssl_object"))

    async def _read_body(self, hop: Hop, chunks: AsyncIterable[bytes]) -> None:
        """Keep the raw (still encoded) body, up to the size cap: in memory while it
        is at most :data:`SPILL_BYTES`, in a file once it grows past them."""
        cap = self.settings.max_bytes
        held = bytearray()
        fh: BinaryIO | None = None
        try:
            async for chunk in chunks:  # as received, never re-buffered
                room = cap - hop.body_size
                if len(chunk) > room:
                    chunk = chunk[:room]
                    hop.truncated, hop.truncated_reason = True, "length"
                if fh is None and len(held) + len(chunk) > SPILL_BYTES:
                    with self._spooling():
                        fd, name = tempfile.mkstemp(prefix=TEMP_BODY_PREFIX,
                                                    suffix=TEMP_BODY_SUFFIX, dir=self.tmpdir)
                        hop.body_path = Path(name)
                        fh = os.fdopen(fd, "wb")
                        fh.write(held)
                    held = bytearray()
                if fh is not None:
                    with self._spooling():
                        fh.write(chunk)
                else:
                    held += chunk
                hop.body_size += len(chunk)
                if hop.truncated:
                    return
        finally:
            if fh is not None:
                with self._spooling():
                    fh.close()
            else:
                hop.body_data = bytes(held)

    @contextlib.contextmanager
    def _spooling(self) -> Iterator[None]:
        """A body written to the archive's tmp folder: a full disk there is the
        archive's failure (StorageError), not the link's."""
        try:
            yield
        except OSError as exc:
            raise StorageError(f"cannot write a response body in {self.tmpdir}: "
                               f"{exc.strerror or exc}", path=self.tmpdir) from exc


def _bytes(value: Any) -> bytes:
    """An httpx response extension as bytes (transports give bytes or str)."""
    return value if isinstance(value, bytes) else str(value).encode("latin-1", "replace")


def _drop_unsendable_cookies(cookies: httpx.Cookies) -> None:
    """Forget the cookies httpx cannot send back: a ``Cookie`` header is ASCII, and
    a name or value set in other bytes (``sid=caf\xe9``) made every later request
    to that host fail to be built."""
    for cookie in list(cookies.jar):
        if not (cookie.name + (cookie.value or "")).isascii():
            cookies.jar.clear(cookie.domain, cookie.path, cookie.name)


def _cookie(headers: list[tuple[str, str]]) -> str | None:
    for k, v in headers:
        if k.lower() == "cookie":
            return v
    return None


def discard(result: FetchResult) -> None:
    """Drop the bodies of *result* (a try that is not kept, or a fetch written to
    the WARC): the bytes held, and the files (one that cannot be deleted stays
    in the tmp folder, which the next run empties)."""
    for hop in result.hops:
        hop.body_data = None
        if hop.body_path is not None:
            with contextlib.suppress(OSError):
                hop.body_path.unlink(missing_ok=True)
            hop.body_path = None

