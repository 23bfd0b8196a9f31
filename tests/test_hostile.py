"""A hostile-server lab on loopback: every fetch ends, in bounded time and memory.

Each server misbehaves on purpose (drips, never ends, floods, lies about its
framing, resets, speaks the wrong protocol). Every raw handler is a bounded
loop that also stops when the client hangs up. The SSRF cases count the
connections their servers receive: zero without ``allow_private``.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from archiver.fetch import Fetcher, make_client
from archiver.models import FetchResult
from archiver.settings import FetchSettings

from .lab import Handler, Site, TLSSite, body_of, closed_port, make_certificate, write_slowly

TIMEOUT = 2.0
MB = 1024 * 1024


def settings(**overrides: Any) -> FetchSettings:
    values: dict[str, Any] = {"allow_private": True, "timeout": TIMEOUT, "connect_timeout": 1.0,
                              "per_host_delay": 0.0, "retries": 1, "max_bytes": MB}
    values.update(overrides)
    return FetchSettings(**values)


def fetch(tmp_path: Path, url: str, **overrides: Any) -> tuple[FetchResult, float, int]:
    """(result, wall seconds, peak traced memory in bytes) of one fetch."""
    s = settings(**overrides)

    async def go() -> FetchResult:
        async with make_client(s) as client:
            return await Fetcher(client, s, tmp_path).fetch(url)

    tracemalloc.start()
    started = time.monotonic()
    try:
        result = asyncio.run(go())
    finally:
        wall = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return result, wall, peak


def head(handler: Handler, lines: list[str]) -> None:
    handler.wfile.write("".join(line + "\r\n" for line in lines).encode("latin-1") + b"\r\n")
    handler.wfile.flush()


# --------------------------------------------------------------------------
# time


def test_slow_drip_body_is_cut_at_the_time_limit(site: Site, tmp_path: Path) -> None:
    def drip(handler: Handler) -> None:
        head(handler, ["HTTP/1.1 200 OK", "Content-Type: text/html", "Content-Length: 100"])
        write_slowly(handler, [b"x"] * 10, 1.0)

    site.raw("/drip", drip)
    result, wall, _ = fetch(tmp_path, site.url("/drip"))
    final = result.final
    assert result.error is None and final is not None and final.status == 200
    assert final.truncated and final.truncated_reason == "time"
    assert 1 <= final.body_size <= 3
    assert TIMEOUT - 0.1 <= wall < TIMEOUT + 1.0


def test_slow_drip_head_is_a_timeout(site: Site, tmp_path: Path) -> None:
    def drip(handler: Handler) -> None:
        write_slowly(handler, [bytes([c]) for c in b"HTTP/1.1 200 OK\r\nX-Slow: yes"], 0.5)

    site.raw("/head", drip)
    result, wall, _ = fetch(tmp_path, site.url("/head"))
    assert result.error == "timeout" and result.final is None
    assert result.hops[0].ip == "127.0.0.1"
    assert wall < TIMEOUT + 1.0


def test_never_ending_response_stops_at_the_limit(site: Site, tmp_path: Path) -> None:
    def forever(handler: Handler) -> None:
        head(handler, ["HTTP/1.1 200 OK", "Content-Type: text/html",
                       "Transfer-Encoding: chunked"])
        chunk = b"%x\r\n%s\r\n" % (10_000, b"y" * 10_000)
        write_slowly(handler, [chunk] * 200, 0.02)  # 200 x 0.02 s outlasts the limit

    site.raw("/forever", forever)
    result, wall, peak = fetch(tmp_path, site.url("/forever"), max_bytes=50 * MB)
    final = result.final
    assert result.error is None and final is not None
    assert final.truncated and final.truncated_reason == "time"
    assert final.body_size > 10_000
    assert wall < TIMEOUT + 1.0
    assert peak < 5 * MB


def test_body_far_over_the_cap_is_captured_up_to_the_cap(site: Site, tmp_path: Path) -> None:
    block = bytes(range(256)) * 256  # 64 KiB

    def flood(handler: Handler) -> None:
        total = 24 * MB
        head(handler, ["HTTP/1.1 200 OK", "Content-Type: application/octet-stream",
                       f"Content-Length: {total}"])
        write_slowly(handler, [block] * (total // len(block)), 0.0)

    site.raw("/flood", flood)
    result, wall, peak = fetch(tmp_path, site.url("/flood"), max_bytes=MB)
    final = result.final
    assert result.error is None and final is not None and final.body_path is not None
    assert final.truncated and final.truncated_reason == "length"
    assert final.body_size == MB == final.body_path.stat().st_size
    assert final.body_path.read_bytes()[:len(block)] == block
    assert wall < TIMEOUT
    assert peak < 4 * MB


# --------------------------------------------------------------------------
# redirects


def test_redirect_loop(site: Site, tmp_path: Path) -> None:
    site.redirect("/a", "/b")
    site.redirect("/b", "/c")
    site.redirect("/c", "/a")
    result, wall, _ = fetch(tmp_path, site.url("/a"))
    assert result.error == "redirect-loop" and len(result.hops) == 3
    assert wall < 1.0


def test_overlong_chain(site: Site, tmp_path: Path) -> None:
    for i in range(15):
        site.redirect(f"/hop{i}", f"/hop{i + 1}", status=302)
    site.page("/hop15", "<p>end</p>")
    result, _, _ = fetch(tmp_path, site.url("/hop0"), max_hops=10)
    assert result.error == "too-many-redirects"
    assert len(result.hops) == 11 and all(h.status == 302 for h in result.hops)
    assert not site.hits_for("/hop11")


# --------------------------------------------------------------------------
# framing and protocol


def test_invalid_chunked_encoding(site: Site, tmp_path: Path) -> None:
    def bad(handler: Handler) -> None:
        head(handler, ["HTTP/1.1 200 OK", "Content-Type: text/html",
                       "Transfer-Encoding: chunked"])
        handler.wfile.write(b"5\r\nhello\r\nZZZ-not-hex\r\nxxxx\r\n0\r\n\r\n")

    site.raw("/chunk", bad)
    result, wall, _ = fetch(tmp_path, site.url("/chunk"))
    assert result.error == "protocol"
    assert result.hops[0].status == 200 and result.hops[0].truncated_reason == "error"
    assert wall < 1.5


def test_oversized_header(site: Site, tmp_path: Path) -> None:
    # httpcore refuses a response head over 100 KiB; this one line is 150 KB
    def big(handler: Handler) -> None:
        head(handler, ["HTTP/1.1 200 OK", "X-Huge: " + "h" * 150_000, "Content-Length: 0"])

    site.raw("/big", big)
    result, _, _ = fetch(tmp_path, site.url("/big"))
    assert result.error == "protocol" and result.final is None


@pytest.mark.parametrize("status_line", ["HTTP/1.1 abc Broken", "SPDY/9 200 OK",
                                         "\x00\x01\x02 garbage"])
def test_malformed_status_line(site: Site, tmp_path: Path, status_line: str) -> None:
    site.raw("/bad", lambda h: head(h, [status_line, "Content-Length: 0"]))
    result, _, _ = fetch(tmp_path, site.url("/bad"))
    assert result.error == "protocol" and result.final is None


def test_missing_and_wrong_content_type_are_stored(site: Site, tmp_path: Path) -> None:
    body = b"%PDF-1.4 not really html"
    def untyped(handler: Handler) -> None:
        head(handler, ["HTTP/1.1 200 OK", f"Content-Length: {len(body)}"])
        handler.wfile.write(body)

    site.raw("/none", untyped)
    site.page("/wrong", body, content_type="image/png")
    for path in ("/none", "/wrong"):
        result, _, _ = fetch(tmp_path, site.url(path))
        final = result.final
        assert result.error is None and final is not None and body_of(final) == body


def test_binary_garbage_served_as_html_is_stored_exactly(site: Site, tmp_path: Path) -> None:
    garbage = bytes((i * 7919 + 13) % 256 for i in range(200_000))
    site.page("/bin", garbage, content_type="text/html; charset=utf-8")
    result, _, _ = fetch(tmp_path, site.url("/bin"))
    final = result.final
    assert result.error is None and final is not None and body_of(final) == garbage


def test_connection_reset_mid_body(site: Site, tmp_path: Path) -> None:
    def reset(handler: Handler) -> None:
        head(handler, ["HTTP/1.1 200 OK", "Content-Type: text/html", "Content-Length: 100000"])
        handler.wfile.write(b"r" * 3000)
        handler.wfile.flush()
        time.sleep(0.1)
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                      struct.pack("ii", 1, 0))
        handler.rfile.close()  # drop the file objects so that close() really
        handler.wfile.close()  # closes the socket: with linger 0, an RST
        handler.connection.close()

    site.raw("/reset", reset)
    result, wall, _ = fetch(tmp_path, site.url("/reset"))
    assert result.error == "protocol"
    hop = result.hops[0]
    assert hop.status == 200 and hop.truncated and hop.body_size <= 3000
    assert wall < 1.5


def test_connection_refused(tmp_path: Path) -> None:
    result, wall, _ = fetch(tmp_path, f"http://127.0.0.1:{closed_port()}/")
    assert result.error == "refused" and result.hops[0].status is None
    assert wall < 1.0


# --------------------------------------------------------------------------
# TLS


def test_self_signed_certificate_is_reported(tmp_path: Path) -> None:
    cert, key = make_certificate()
    with TLSSite(cert, key) as site:
        site.page("/", "<p>secure?</p>")
        result, _, _ = fetch(tmp_path, site.url("/"))
        assert result.error == "tls"
        assert "certificate" in result.error_detail and "self-signed" in result.error_detail
        assert not site.hits  # no request was sent over the untrusted connection
        unverified, _, _ = fetch(tmp_path, site.url("/"), verify_tls=False)
        final = unverified.final
        assert unverified.error is None and final is not None and final.tls is not None
        assert final.tls["version"].startswith("TLS") and final.tls["cipher"]
        assert "CN=localhost" in final.tls["subject"] == final.tls["issuer"]
        assert final.ip == "127.0.0.1" and final.port == site.port


def test_trusted_certificate_hostname_mismatch_and_sni(tmp_path: Path) -> None:
    import ssl
    cert, key = make_certificate(("news.localhost",), ips=())
    s = settings()
    trust = ssl.create_default_context(cadata=cert.decode())

    async def go(url: str) -> FetchResult:
        async with make_client(s, ssl_context=trust) as client:
            return await Fetcher(client, s, tmp_path).fetch(url)

    with TLSSite(cert, key) as site:
        site.page("/", "<p>ok</p>")
        good = asyncio.run(go(f"https://news.localhost:{site.port}/"))
        assert good.error is None and good.final is not None
        assert good.final.ip in ("127.0.0.1", "::1")
        assert site.sni == ["news.localhost"]  # SNI carries the host name, not the IP
        wrong = asyncio.run(go(site.url("/")))
        assert wrong.error == "tls" and "invalid certificate" in wrong.error_detail
        assert "mismatch" in wrong.error_detail.lower()


def test_expired_certificate(tmp_path: Path) -> None:
    import ssl
    cert, key = make_certificate(expired=True)
    s = settings()

    async def go(url: str) -> FetchResult:
        async with make_client(s, ssl_context=ssl.create_default_context(
                cadata=cert.decode())) as client:
            return await Fetcher(client, s, tmp_path).fetch(url)

    with TLSSite(cert, key) as site:
        result = asyncio.run(go(site.url("/")))
    assert result.error == "tls" and "expired" in result.error_detail


def test_plain_http_fetched_as_https(site: Site, tmp_path: Path) -> None:
    site.page("/", "<p>plain</p>")
    result, wall, _ = fetch(tmp_path, site.url("/").replace("http://", "https://"))
    assert result.error == "tls" and "handshake" in result.error_detail
    assert wall < 1.5


def test_garbage_instead_of_a_handshake(tmp_path: Path) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]

    async def serve_garbage() -> None:
        loop = asyncio.get_running_loop()
        listener.setblocking(False)
        conn, _ = await loop.sock_accept(listener)
        await loop.sock_sendall(conn, b"\x15\x03\x03\x00\x02\xff\xff" + b"\x00" * 64)
        await asyncio.sleep(0.2)
        conn.close()

    s = settings()

    async def go() -> FetchResult:
        server = asyncio.create_task(serve_garbage())
        async with make_client(s) as client:
            result = await Fetcher(client, s, tmp_path).fetch(f"https://127.0.0.1:{port}/")
        await asyncio.wait_for(server, 2.0)
        return result

    try:
        result = asyncio.run(go())
    finally:
        listener.close()
    assert result.error in ("tls", "protocol") and result.error_detail


# --------------------------------------------------------------------------
# host names


def test_idn_host_is_sent_as_punycode(site: Site, tmp_path: Path) -> None:
    """``*.localhost`` is answered locally with loopback (RFC 6761): no DNS query."""
    site.page("/", "<p>Bücher</p>")
    result, _, _ = fetch(tmp_path, f"http://bücher.localhost:{site.port}/")
    assert result.error is None and result.final is not None
    assert result.final.url == f"http://xn--bcher-kva.localhost:{site.port}/"
    assert site.hits[0].headers["Host"] == f"xn--bcher-kva.localhost:{site.port}"
    refused, _, _ = fetch(tmp_path, f"http://bücher.localhost:{site.port}/",
                          allow_private=False)
    assert refused.error == "policy"
    assert site.connections == 1


# --------------------------------------------------------------------------
# SSRF end to end


def test_loopback_forms_are_refused_without_connecting(tmp_path: Path) -> None:
    with Site() as v4, Site("::1", socket.AF_INET6) as v6:
        v4.page("/", "<p>internal</p>")
        v6.page("/", "<p>internal</p>")
        p = v4.port
        urls = [f"http://127.0.0.1:{p}/", f"http://localhost:{p}/", f"http://127.1:{p}/",
                f"http://2130706433:{p}/", f"http://0x7f000001:{p}/",
                f"http://[::ffff:127.0.0.1]:{p}/", f"http://[::1]:{v6.port}/"]
        for url in urls:
            result, wall, _ = fetch(tmp_path, url, allow_private=False)
            assert result.error == "policy", (url, result.error, result.error_detail)
            assert "loopback" in result.error_detail
            assert wall < 1.0
        assert v4.connections == 0 and v6.connections == 0
        for url in urls:
            allowed, _, _ = fetch(tmp_path, url, allow_private=True)
            assert allowed.error is None, (url, allowed.error_detail)
            assert allowed.final is not None and allowed.final.status == 200
        assert v4.connections + v6.connections == len(urls)


def test_octal_literal_is_refused(tmp_path: Path) -> None:
    # httpx rejects 0177.0.0.1 itself; either way it must never connect
    with Site() as v4:
        result, _, _ = fetch(tmp_path, f"http://0177.0.0.1:{v4.port}/", allow_private=False)
        assert result.error in ("invalid-url", "policy")
        assert v4.connections == 0
