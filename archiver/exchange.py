"""Values of one exchange: what the fetcher reads of one request and its answer.

The fetcher (``fetch.py``) uses them for each hop of each try:

* :func:`parse_url` — ``httpx.URL(url)``, made directly when *url* is plain;
  :func:`requested_form`, :func:`request_form` and :func:`request_key` — a
  URL as it is requested and recorded, the identity of a cited URL;
  :func:`port_of` and :func:`origin_of` — the port a URL connects to (its own,
  or its scheme's default) and its origin (scheme, host, port);
* :func:`parse_retry_after` — seconds asked by a ``Retry-After`` header
  (delta-seconds or HTTP-date);
* :func:`tls_info` — version, cipher, certificate subject and issuer of a
  TLS connection;
* :class:`FetchStats` — what the network did, to tell a dead site from an
  offline machine, fed by :class:`Trace`, the connection events of one
  request (a :class:`~archiver.netpolicy.ConnectionObserver`).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import ssl
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import httpcore
import httpx
from httpx._urlparse import ParseResult

from .addresses import parse_host_address
from .netpolicy import ForbiddenAddress, ResolutionError


def latin1_pairs(pairs: list[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in pairs]


def parse_retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds asked by a ``Retry-After`` header (delta-seconds or HTTP-date)."""
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # not "²", which str.isdigit accepts
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


def tls_info(ssl_object: Any) -> dict[str, str] | None:
    """Version, cipher, certificate subject and issuer of a TLS connection."""
    if not isinstance(ssl_object, ssl.SSLObject | ssl.SSLSocket):
        return None
    cipher = ssl_object.cipher()
    info = {"version": ssl_object.version() or "", "cipher": cipher[0] if cipher else "",
            "subject": "", "issuer": ""}
    names = _decode_der(ssl_object.getpeercert(binary_form=True))
    if not names:
        cert: Any = ssl_object.getpeercert() or {}
        for key in ("subject", "issuer"):
            rdns = cert.get(key, ())
            names[key] = ",".join(f"{pair[0]}={pair[1]}" for rdn in rdns for pair in rdn)
    info.update(names)
    return info


def _decode_der(der: bytes | None) -> dict[str, str]:
    """Subject and issuer of a DER certificate (unverified connections)."""
    if not der:
        return {}
    try:
        from cryptography import x509
    except ImportError:  # pragma: no cover - cryptography is optional
        return {}
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        return {}
    return {"subject": cert.subject.rfc4514_string(), "issuer": cert.issuer.rfc4514_string()}


#: A URL that httpx's parser returns as it is: http(s), a lowercase ASCII host
#: name or dotted-quad, no user, a port other than the default, a path and
#: query of characters that need no escaping (no ``%``), no fragment.
_PLAIN_URL = re.compile(
    r"(https?)://([a-z0-9-]+(?:\.[a-z0-9-]+)*)(?::([1-9][0-9]{0,4}))?"
    r"(/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*)(?:\?([A-Za-z0-9\-._~!$&'()*+,;=:@/?]*))?")
_DIGITS_AND_DOTS = re.compile(r"[0-9.]+")
_DOTTED_QUAD = re.compile(r"(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?:\.|$)){4}")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def parse_url(url: str) -> httpx.URL:
    """``httpx.URL(url)``, made directly when *url* is plain (:data:`_PLAIN_URL`).

    httpx checks and normalizes every character of a URL (some 30-70 µs a
    URL); a cited URL is most often already in the form it would give.
    Raises what ``httpx.URL`` raises.
    """
    m = _PLAIN_URL.fullmatch(url) if len(url) <= 2048 else None
    if m is not None:
        scheme, host, port_text, path, query = m.groups()
        port = int(port_text) if port_text else None
        if "/." not in path and port != _DEFAULT_PORTS[scheme] and (port or 0) <= 65535 \
                and (not _DIGITS_AND_DOTS.fullmatch(host) or _DOTTED_QUAD.fullmatch(host)):
            parsed = httpx.URL.__new__(httpx.URL)
            # httpx 0.28's own representation (the version pinned in pyproject.toml)
            parsed._uri_reference = ParseResult(scheme, "", host, port, path, query, None)
            return parsed
    return httpx.URL(url)


def requested_form(url: str) -> str | None:
    """*url* as the fetcher requests and records it: httpx's normal form (scheme
    and host in lower case, no default port, no dot segments, characters
    outside ASCII escaped) without the fragment, which is never sent; None when
    httpx cannot read it."""
    try:
        parsed = parse_url(url)
        return str(parsed.copy_with(fragment=None) if "#" in url else parsed)
    except (httpx.InvalidURL, TypeError, ValueError):
        return None


def request_form(url: str) -> str:
    """The URL the fetcher requests for the cited *url*: its :func:`requested_form`
    (with the path ``/`` when it has none: ``http://host`` and ``http://host/``
    are both requested as ``GET /``), or *url* itself when httpx cannot read it.
    Its escapes are the ones cited: ``/%7Ea`` is asked for as ``/%7Ea``."""
    form = requested_form(url)
    if form is None:
        return url
    scheme, sep, rest = form.partition("://")
    if not sep:
        return form
    # in the requested form, "/" or "?" ends the authority (not in it: escaped)
    end = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
    if end == len(rest) or rest[end] == "?":  # no path written
        return f"{scheme}://{rest[:end]}/{rest[end:]}"
    return form


#: A percent escape, and the characters RFC 3986 calls unreserved (2.3), whose
#: escapes are the characters themselves (6.2.2.2: ``%7E`` is ``~``).
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _unescaped(match: re.Match[str]) -> str:
    code = int(match.group(1), 16)
    return chr(code) if code in _UNRESERVED else "%" + match.group(1).upper()


@lru_cache(maxsize=4096)  # asked of each URL a few times a cycle (the sources, the store)
def request_key(url: str) -> str:
    """The one identity of a cited URL: the URL requested for it
    (:func:`request_form`) with its escapes in one form, as RFC 3986 holds them
    equivalent (6.2.2.1, 6.2.2.2): an unreserved character's escape as the
    character (``%7E`` as ``~``, ``%41`` as ``A``), the others' hexadecimal
    digits in capitals (``%c3%bc`` as ``%C3%BC``). ``http://HOST/a#b`` and
    ``http://host/a``, ``http://host/%7Ea`` and ``http://host/~a`` are one
    request: one fetch a cycle, one first snapshot, one history."""
    form = request_form(url)
    return _ESCAPE.sub(_unescaped, form) if "%" in form else form


def port_of(url: httpx.URL) -> int:
    """The port *url* connects to: its own, or its scheme's default."""
    return url.port or _DEFAULT_PORTS.get(url.scheme, 80)


def origin_of(url: httpx.URL) -> tuple[str, str, int]:
    return url.scheme, url.host, port_of(url)


@dataclass
class FetchStats:
    """What the network did, to tell a dead site from an offline machine.

    ``looked_up``: distinct host names sent to the resolver; ``resolved``:
    those that resolved; ``forbidden``: those whose addresses the network
    policy refused (no connection was tried: they say nothing of the
    network); ``connections``: TCP connections that succeeded.
    """

    looked_up: set[str] = field(default_factory=set)
    resolved: set[str] = field(default_factory=set)
    forbidden: set[str] = field(default_factory=set)
    connections: int = 0

    @property
    def offline(self) -> bool:
        """True when the machine looks offline rather than the sites dead."""
        tried = self.looked_up - self.forbidden if self.forbidden else self.looked_up
        if len(tried) >= 3 and not self.resolved & tried:
            return True
        return bool(tried) and self.connections == 0


class Trace:
    """Connection events of one request (a :class:`ConnectionObserver`)."""

    __slots__ = ("host", "stats", "peer", "connecting", "tls_started", "tls_done")

    def __init__(self, host: str, stats: FetchStats) -> None:
        self.host = host
        self.stats = stats
        self.peer: Any = None  # (ip, port, ...) of the connection this request opened
        self.connecting = False  # this request opened a connection (none was reused)
        self.tls_started = False
        self.tls_done = False

    def _named(self) -> bool:
        return parse_host_address(self.host) is None

    def on_connect_start(self, host: str) -> None:
        self.connecting = True
        if self._named():
            self.stats.looked_up.add(self.host)

    def on_connect(self, host: str, stream: httpcore.AsyncNetworkStream) -> None:
        self.stats.connections += 1
        self.peer = stream.get_extra_info("server_addr")
        if self._named():
            self.stats.resolved.add(self.host)

    def on_connect_error(self, host: str, exc: BaseException) -> None:
        if self._named() and not isinstance(exc, ResolutionError):
            self.stats.resolved.add(self.host)
            if isinstance(exc, ForbiddenAddress):
                self.stats.forbidden.add(self.host)

    def on_tls_start(self) -> None:
        self.tls_started = True

    def on_tls_done(self) -> None:
        self.tls_done = True
