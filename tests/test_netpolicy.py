"""The network policy: the pure address classifier, literal hosts, the backend.

Private and public addresses appear here only as plain values given to the
pure functions; the only connections made are to loopback test servers.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket

import httpcore
import pytest
from hypothesis import given
from hypothesis import strategies as st

from archiver.addresses import check_url, is_forbidden, is_localhost_name, parse_host_address
from archiver.netpolicy import (
    ForbiddenAddress,
    PolicyBackend,
    ResolutionError,
    ResolutionTimeout,
    system_resolver,
)

from .lab import Site

FORBIDDEN = [
    ("127.0.0.1", "loopback"),
    ("127.255.0.9", "loopback"),
    ("10.1.2.3", "private"),
    ("172.16.0.1", "private"),
    ("172.31.255.255", "private"),
    ("192.168.1.1", "private"),
    ("100.64.0.1", "cgnat"),
    ("100.127.255.254", "cgnat"),
    ("169.254.169.254", "link-local"),
    ("0.0.0.0", "unspecified"),
    ("0.1.2.3", "unspecified"),
    ("224.0.0.1", "multicast"),
    ("239.255.255.250", "multicast"),
    ("240.0.0.1", "reserved"),
    ("255.255.255.255", "broadcast"),
    ("192.0.2.10", "documentation"),
    ("198.51.100.7", "documentation"),
    ("203.0.113.99", "documentation"),
    ("198.18.0.1", "benchmarking"),
    ("192.0.0.8", "ietf-protocol"),
    ("::1", "loopback"),
    ("::", "unspecified"),
    ("[::1]", "loopback"),
    ("fe80::1", "link-local"),
    ("fe80::1%eth0", "link-local"),
    ("fec0::1", "site-local"),
    ("fc00::1", "unique-local"),
    ("fd12:3456::1", "unique-local"),
    ("ff02::1", "multicast"),
    ("2001:db8::1", "documentation"),
    ("100::1", "discard"),
    ("::ffff:127.0.0.1", "ipv4-mapped loopback"),
    ("::ffff:7f00:1", "ipv4-mapped loopback"),
    ("::ffff:10.0.0.1", "ipv4-mapped private"),
    ("::ffff:169.254.169.254", "ipv4-mapped link-local"),
    ("::127.0.0.1", "ipv4-compatible loopback"),
    ("::8.8.8.8", "ipv4-compatible"),
    ("64:ff9b::127.0.0.1", "nat64 loopback"),
    ("64:ff9b::192.168.0.1", "nat64 private"),
    ("64:ff9b:1::1", "nat64-local"),
    ("2002:7f00:1::", "6to4 loopback"),
    ("2002:a9fe:a9fe::1", "6to4 link-local"),
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", "teredo loopback"),
    ("::ffff:0:7f00:1", "ipv4-translated loopback"),  # RFC 2765 form, which 3.11 calls global
    ("::ffff:0:a00:1", "ipv4-translated private"),
    ("::ffff:0:808:808", "ipv4-translated"),
    ("5f00::1", "reserved"),  # SRv6 (RFC 9602), which 3.11 calls global
    ("not-an-ip", "not-an-address"),
]

PUBLIC = ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111",
          "2a00:1450:4001:80b::200e", "::ffff:8.8.8.8", "64:ff9b::8.8.8.8", "2002:808:808::1"]


@pytest.mark.parametrize(("address", "rule"), FORBIDDEN)
def test_forbidden_addresses(address: str, rule: str) -> None:
    assert is_forbidden(address) == rule


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses(address: str) -> None:
    assert is_forbidden(address) is None


@given(st.ip_addresses(v=4))
def test_classifier_is_at_least_as_strict_as_is_global_v4(ip: ipaddress.IPv4Address) -> None:
    rule = is_forbidden(str(ip))
    if not ip.is_global:
        assert rule is not None
    elif rule is not None:  # special-purpose blocks older Pythons still call global
        assert rule in {"ietf-protocol", "reserved", "benchmarking", "multicast"}


@given(st.ip_addresses(v=6))
def test_classifier_is_at_least_as_strict_as_is_global_v6(ip: ipaddress.IPv6Address) -> None:
    if not ip.is_global:
        assert is_forbidden(str(ip)) is not None


@given(st.ip_addresses(v=4))
def test_ipv4_mapped_follows_ipv4(ip: ipaddress.IPv4Address) -> None:
    inner = is_forbidden(str(ip))
    mapped = is_forbidden(f"::ffff:{ip}")
    assert mapped == (None if inner is None else f"ipv4-mapped {inner}")


@pytest.mark.parametrize(("host", "expected"), [
    ("127.0.0.1", "127.0.0.1"),
    ("127.1", "127.0.0.1"),
    ("127.0.1", "127.0.0.1"),
    ("2130706433", "127.0.0.1"),
    ("0x7f000001", "127.0.0.1"),
    ("0X7F000001", "127.0.0.1"),
    ("0177.0.0.1", "127.0.0.1"),
    ("017700000001", "127.0.0.1"),
    ("0x7f.1", "127.0.0.1"),
    ("127.0.0.1.", "127.0.0.1"),
    ("10.1", "10.0.0.1"),
    ("[::1]", "::1"),
    ("::ffff:127.0.0.1", "::ffff:7f00:1"),
    ("fe80::1%eth0", "fe80::1"),
])
def test_parse_literal_hosts(host: str, expected: str) -> None:
    assert str(parse_host_address(host)) == expected


@pytest.mark.parametrize("host", ["example.com", "256.1", "1.2.3.4.5", "08.0.0.1", "0x",
                                  "1e3", "", "127..1", "localhost", "xn--bcher-kva.localhost"])
def test_parse_host_names(host: str) -> None:
    assert parse_host_address(host) is None


@given(st.lists(st.integers(0, 255), min_size=4, max_size=4),
       st.sampled_from(["{}", "0{:o}", "0x{:x}"]))
def test_parse_agrees_with_inet_aton(octets: list[int], fmt: str) -> None:
    host = ".".join(fmt.format(o) if o else "0" for o in octets)
    expected = socket.inet_ntoa(socket.inet_aton(host))
    assert str(parse_host_address(host)) == expected


def test_localhost_names() -> None:
    assert is_localhost_name("localhost")
    assert is_localhost_name("LocalHost.")
    assert is_localhost_name("xn--bcher-kva.localhost")
    assert not is_localhost_name("localhost.example.com")
    assert [str(a) for a in system_resolver("a.b.localhost", 80)] == ["127.0.0.1", "::1"]


@pytest.mark.parametrize(("url", "ok"), [
    ("http://example.com/", True),
    ("https://example.com/a?b=c", True),
    ("ftp://example.com/", False),
    ("file:///etc/passwd", False),
    ("javascript:alert(1)", False),
    ("http://user:pass@example.com/", False),
    ("http://user@example.com/", False),
    ("/relative/path", False),
    ("http:///nohost", False),
])
def test_check_url(url: str, ok: bool) -> None:
    assert (check_url(url) is None) is ok


# --------------------------------------------------------------------------
# the backend, against loopback servers


def test_backend_refuses_loopback_without_connecting(site: Site) -> None:
    backend = PolicyBackend(allow_private=False)

    async def go() -> None:
        for host in ["127.0.0.1", "localhost", "127.1", "2130706433", "0x7f000001"]:
            with pytest.raises(ForbiddenAddress) as info:
                await backend.connect_tcp(host, site.port, timeout=1.0)
            assert info.value.rule == "loopback"
            assert info.value.address == "127.0.0.1"

    asyncio.run(go())
    assert site.connections == 0


def test_backend_connects_to_the_checked_address(site: Site) -> None:
    asked: list[str] = []

    def resolver(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        asked.append(host)
        return [ipaddress.IPv4Address("127.0.0.1")]

    backend = PolicyBackend(allow_private=True, resolver=resolver)

    async def go() -> tuple[str, int]:
        stream = await backend.connect_tcp("news.invalid", site.port, timeout=1.0)
        try:
            addr = stream.get_extra_info("server_addr")
            return str(addr[0]), int(addr[1])
        finally:
            await stream.aclose()

    assert asyncio.run(go()) == ("127.0.0.1", site.port)
    assert asked == ["news.invalid"]  # resolved exactly once


def test_backend_checks_every_resolved_address(site: Site) -> None:
    def resolver(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        # the first answer looks public (a plain value, never connected to)
        return [ipaddress.IPv4Address("93.184.216.34"), ipaddress.IPv4Address("127.0.0.1")]

    backend = PolicyBackend(allow_private=False, resolver=resolver)
    with pytest.raises(ForbiddenAddress):
        asyncio.run(backend.connect_tcp("rebind.invalid", site.port, timeout=1.0))
    assert site.connections == 0


def test_backend_resolution_errors() -> None:
    def failing(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        raise socket.gaierror(socket.EAI_NONAME, "no such name")

    def slow(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        import time
        time.sleep(1.0)
        return []

    with pytest.raises(ResolutionError) as info:
        asyncio.run(PolicyBackend(resolver=failing).connect_tcp("x.invalid", 80, timeout=1.0))
    assert isinstance(info.value.__cause__, socket.gaierror)
    with pytest.raises(ResolutionTimeout):
        asyncio.run(PolicyBackend(resolver=slow).connect_tcp("x.invalid", 80, timeout=0.2))


def test_backend_refused_is_a_connect_error_with_the_os_cause() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with pytest.raises(httpcore.ConnectError) as info:
        asyncio.run(PolicyBackend(allow_private=True).connect_tcp("127.0.0.1", port, timeout=1.0))
    chain = []
    exc: BaseException | None = info.value
    while exc is not None:
        chain.append(exc)
        exc = exc.__cause__
    assert any(isinstance(e, ConnectionRefusedError) for e in chain)


def test_backend_refuses_unix_sockets() -> None:
    with pytest.raises(ForbiddenAddress):
        asyncio.run(PolicyBackend(allow_private=True).connect_unix_socket("/tmp/x.sock"))
