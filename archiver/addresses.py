"""Which addresses may be fetched: the pure layers of the network policy.

Two layers, each usable alone, with no I/O (the third, the resolver that
enforces them, is :class:`~archiver.netpolicy.PolicyBackend` in
``netpolicy.py``):

* :func:`is_forbidden` — pure: the name of the rule that forbids an IP
  address (``"loopback"``, ``"private"``, ``"ipv4-mapped loopback"``, ...) or
  ``None`` for a public address.
* :func:`parse_host_address` — pure: a URL host read the way the C resolver
  reads it (``127.1``, ``2130706433``, ``0x7f000001``, ``0177.0.0.1``), so a
  literal host is classified before any connection is attempted.

:func:`check_url` says why a URL may not be fetched (scheme, credentials,
host); :func:`is_localhost_name` tells the names under ``localhost`` (RFC
6761), which the resolver answers locally.
"""

from __future__ import annotations

import ipaddress
import typing

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

ALLOWED_SCHEMES = frozenset({"http", "https"})


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
_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")  # RFC 2765, for stateless translators
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
    if ip in _TRANSLATED:
        return "ipv4-translated", ipaddress.IPv4Address(value & 0xFFFFFFFF)
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
        if form in ("ipv4-compatible", "ipv4-translated"):
            return form  # never a public target on the Internet
        return None
    # outside 2000::/3 all that is left is unallocated (Python may still call
    # some of it global: 5f00::/16, SRv6, in 3.11)
    return None if ip.is_global and not ip.is_reserved else "reserved"


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
    return check_parsed_url(parsed)


def check_parsed_url(parsed: httpx.URL) -> str | None:
    """:func:`check_url` for a URL already parsed."""
    if parsed.scheme not in ALLOWED_SCHEMES:
        return f"unsupported scheme {parsed.scheme!r}" if parsed.scheme else "not an absolute URL"
    if parsed.userinfo:
        return "credentials in the URL are refused"
    try:
        host, port = parsed.host, parsed.port
    except (UnicodeError, ValueError) as exc:  # an xn-- label that is not punycode, say
        return f"invalid host name: {exc}"
    if not host:
        return "no host in the URL"
    if port is not None and not 0 < port < 65536:
        return f"port {port} is out of range"
    return None
