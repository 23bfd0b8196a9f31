"""Which addresses may be fetched, and the resolver that enforces it.

Three layers, each usable alone:

* :func:`is_forbidden` — pure: the name of the rule that forbids an IP
  address (``"loopback"``, ``"private"``, ``"ipv4-mapped loopback"``, ...) or
  ``None`` for a public address.
* :func:`parse_host_address` — pure: a URL host read the way the C resolver
  reads it (``127.1``, ``2130706433``, ``0x7f000001``, ``0177.0.0.1``), so a
  literal host is classified before any connection is attempted.
* :class:`PolicyBackend` — an ``httpcore.AsyncNetworkBackend`` that resolves a
  host name once, checks every address it resolved to, and connects to the
  checked address itself. DNS rebinding cannot swap the address between the
  check and the connection. TLS still uses the host name: httpcore passes
  ``server_hostname`` (the URL host) to ``start_tls``, so SNI and certificate
  checking are unaffected.

Names under ``localhost`` (RFC 6761) are answered locally with the loopback
addresses and never sent to a DNS server.

Exceptions::

    NetPolicyError
    ├── ForbiddenAddress    the target address is refused (.host, .address, .rule)
    └── ResolutionError     the host name does not resolve (.host)
        └── ResolutionTimeout   the resolver did not answer in time

They are not httpx exceptions, so httpx lets them through unchanged and
``fetch.py`` classifies them by type ("policy", "dns", "timeout").
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
import typing
from collections.abc import Callable, Iterable, Sequence

import anyio
import anyio.to_thread
import httpcore
import httpx

LOGGER = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: A policy: given the resolved address and the port, the rule that forbids
#: it, or ``None`` to allow it.
AddressPolicy = Callable[[IPAddress, int], "str | None"]

#: A resolver: host name and port to the addresses it resolves to (blocking;
#: run in a worker thread). Raises ``OSError`` (``socket.gaierror``) on failure.
Resolver = Callable[[str, int], Sequence[IPAddress]]

ALLOWED_SCHEMES = frozenset({"http", "https"})


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
# the pure classifier

_V4_RULES: tuple[tuple[str, str], ...] = (
    ("0.0.0.0/8", "unspecified"),
    ("127.0.0.0/8", "loopback"),
    ("10.0.0.0/8", "private"),
    ("172.16.0.0/12", "private"),
    ("192.168.0.0/16", "private"),
    ("100.64.0.0/10", "cgnat"),
    ("169.254.0.0/16", "link-local"),
    ("192.0.0.0/24", "ietf-protocol"),
    ("192.0.2.0/24", "documentation"),
    ("198.51.100.0/24", "documentation"),
    ("203.0.113.0/24", "documentation"),
    ("198.18.0.0/15", "benchmarking"),
    ("192.88.99.0/24", "reserved"),
    ("224.0.0.0/4", "multicast"),
    ("255.255.255.255/32", "broadcast"),
    ("240.0.0.0/4", "reserved"),
)

_V6_RULES: tuple[tuple[str, str], ...] = (
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("64:ff9b:1::/48", "nat64-local"),
    ("100::/64", "discard"),
    ("2001:db8::/32", "documentation"),
    ("3fff::/20", "documentation"),
    ("fc00::/7", "unique-local"),
    ("fe80::/10", "link-local"),
    ("fec0::/10", "site-local"),
    ("ff00::/8", "multicast"),
)

_V4_NETS = tuple((ipaddress.IPv4Network(n), rule) for n, rule in _V4_RULES)
_V6_NETS = tuple((ipaddress.IPv6Network(n), rule) for n, rule in _V6_RULES)
_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")
_COMPATIBLE = ipaddress.IPv6Network("::/96")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")
_TEREDO = ipaddress.IPv6Network("2001::/32")


def _forbidden_v4(ip: ipaddress.IPv4Address) -> str | None:
    for net, rule in _V4_NETS:
        if ip in net:
            return rule
    return None if ip.is_global else "reserved"


def _embedded_v4(ip: ipaddress.IPv6Address) -> tuple[str, ipaddress.IPv4Address] | None:
    """The IPv4 address an IPv6 transition form carries, with the form's name."""
    value = int(ip)
    if ip in _MAPPED:
        return "ipv4-mapped", ipaddress.IPv4Address(value & 0xFFFFFFFF)
    if ip in _NAT64:
        return "nat64", ipaddress.IPv4Address(value & 0xFFFFFFFF)
    if ip in _COMPATIBLE and value > 1:
        return "ipv4-compatible", ipaddress.IPv4Address(value & 0xFFFFFFFF)
    if ip in _SIX_TO_FOUR:
        return "6to4", ipaddress.IPv4Address((value >> 80) & 0xFFFFFFFF)
    if ip in _TEREDO and ip.teredo is not None:
        return "teredo", ip.teredo[1]
    return None


def is_forbidden(address: str) -> str | None:
    """The rule that forbids fetching from *address*, or ``None`` when public.

    *address* is an IP address string (IPv4, or IPv6 with or without brackets
    and zone). A string that is not an IP address is forbidden as
    ``"not-an-address"``: the caller must resolve names first.

    >>> is_forbidden("127.0.0.1"), is_forbidden("::ffff:10.0.0.1"), is_forbidden("8.8.8.8")
    ('loopback', 'ipv4-mapped private', None)
    """
    text = address.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return "not-an-address"
    if isinstance(ip, ipaddress.IPv4Address):
        return _forbidden_v4(ip)
    if ip.scope_id:
        ip = ipaddress.IPv6Address(text.split("%", 1)[0])
    for net, rule in _V6_NETS:
        if ip in net:
            return rule
    embedded = _embedded_v4(ip)
    if embedded is not None:
        form, v4 = embedded
        inner = _forbidden_v4(v4)
        if inner is not None:
            return f"{form} {inner}"
        if form == "ipv4-compatible":
            return "ipv4-compatible"  # deprecated form: never a real public target
        return None
    return None if ip.is_global else "reserved"


# --------------------------------------------------------------------------
# literal hosts


def _inet_aton_part(part: str) -> int | None:
    if not part:
        return None
    try:
        if part[:2].lower() == "0x":
            return int(part[2:], 16) if len(part) > 2 else None
        if len(part) > 1 and part[0] == "0":
            return int(part[1:], 8)
        if part.isdigit():
            return int(part, 10)
    except ValueError:
        return None
    return None


def parse_host_address(host: str) -> IPAddress | None:
    """The IP address a literal URL host denotes, or ``None`` for a host name.

    IPv4 is read as ``inet_aton`` reads it: one to four dot-separated parts,
    each decimal, octal (leading ``0``) or hexadecimal (``0x``); the last part
    fills the remaining bytes (``127.1`` is 127.0.0.1, ``2130706433`` and
    ``0x7f000001`` are too). One trailing dot is ignored. IPv6 may be given
    with brackets and a zone.
    """
    text = host.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if ":" in text:
        try:
            return ipaddress.IPv6Address(text.split("%", 1)[0])
        except ValueError:
            return None
    if text.endswith("."):
        text = text[:-1]
    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    values = [_inet_aton_part(p) for p in parts]
    if any(v is None for v in values):
        return None
    nums = typing.cast(list[int], values)
    *head, last = nums
    if any(v > 0xFF for v in head) or last >= 1 << (8 * (5 - len(nums))):
        return None
    value = 0
    for v in head:
        value = value << 8 | v
    value = value << (8 * (5 - len(nums))) | last
    return ipaddress.IPv4Address(value)


def is_localhost_name(host: str) -> bool:
    """True for ``localhost`` and names under it (RFC 6761 section 6.3)."""
    name = host.lower().rstrip(".")
    return name == "localhost" or name.endswith(".localhost")


def check_url(url: str) -> str | None:
    """Why *url* may not be fetched (``None`` when it may): scheme, credentials, host."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        return f"unparsable URL: {exc}"
    if parsed.scheme not in ALLOWED_SCHEMES:
        return f"unsupported scheme {parsed.scheme!r}" if parsed.scheme else "not an absolute URL"
    if parsed.userinfo:
        return "credentials in the URL are refused"
    if not parsed.host:
        return "no host in the URL"
    return None


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
        self.inner = inner if inner is not None else httpcore.AnyIOBackend()

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
                return await self.inner.connect_tcp(
                    str(ip), port, timeout=remaining, local_address=local_address,
                    socket_options=socket_options)
            except httpcore.ConnectTimeout:
                raise
            except httpcore.ConnectError as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise ForbiddenAddress(path, path, "unix-socket")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)
