"""The fetcher over real HTTP on loopback: hops, raw bodies, retries, politeness."""

from __future__ import annotations

import asyncio
import gzip
import socket
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from archiver import fetch as fetch_module
from archiver.exchange import FetchStats, parse_retry_after
from archiver.fetch import (
    Fetcher,
    make_client,
)
from archiver.fetcherrors import classify_error
from archiver.models import FetchResult
from archiver.politeness import Politeness
from archiver.settings import FetchSettings

from .lab import Handler, Route, Site, body_of, news_page

T = TypeVar("T")


def lab_settings(**overrides: Any) -> FetchSettings:
    """Settings for loopback tests: private targets allowed, short limits."""
    values: dict[str, Any] = {"allow_private": True, "timeout": 2.0, "connect_timeout": 1.0,
                              "per_host_delay": 0.0, "retries": 1, "backoff": 0.05}
    values.update(overrides)
    return FetchSettings(**values)


def with_fetcher(tmp_path: Path, settings: FetchSettings,
                 fn: Callable[[Fetcher], Awaitable[T]]) -> T:
    async def go() -> T:
        async with make_client(settings) as client:
            return await fn(Fetcher(client, settings, tmp_path))
    return asyncio.run(go())


def fetch(tmp_path: Path, url: str, **overrides: Any) -> FetchResult:
    return with_fetcher(tmp_path, lab_settings(**overrides), lambda f: f.fetch(url))


# --------------------------------------------------------------------------
# the happy path


def test_redirect_chain_is_recorded_hop_by_hop(site: Site, tmp_path: Path) -> None:
    html = news_page("Taiwan slams Malaysia", "Thirty-two were deported.")
    site.page("/article", html, gzip=True)
    site.redirect("/old", "/moved", status=301)
    site.redirect("/moved", site.url("/article"), status=302)
    result = fetch(tmp_path, site.url("/old"))
    assert result.error is None
    assert [h.status for h in result.hops] == [301, 302, 200]
    assert [h.url for h in result.hops] == [site.url("/old"), site.url("/moved"),
                                            site.url("/article")]
    final = result.final
    assert final is not None and final.url == result.final_url == site.url("/article")
    assert final.reason_phrase == "OK" and final.http_version == "HTTP/1.1"
    assert final.ip == "127.0.0.1" and final.port == site.port
    assert final.tls is None
    assert result.attempts == 1
    # raw body, still gzip; a page this small is kept in memory, not in a file
    assert final.body_path is None and final.body_data is not None
    raw = final.body_data
    assert raw[:2] == b"\x1f\x8b" and final.body_size == len(raw)
    assert gzip.decompress(raw).decode() == html
    assert ("Content-Encoding", "gzip") in final.response_headers
    # request headers as sent, in order, with our User-Agent
    names = [k.lower() for k, _ in final.request_headers]
    assert names[0] == "host" and "user-agent" in names
    assert dict((k.lower(), v) for k, v in final.request_headers)["user-agent"] == \
        FetchSettings().user_agent
    hit = site.hits_for("/article")[0]
    assert hit.headers["User-Agent"] == FetchSettings().user_agent
    assert all(h.started.tzinfo is not None and h.elapsed >= 0 for h in result.hops)


def test_raw_headers_keep_case_order_and_repeats(site: Site, tmp_path: Path) -> None:
    site.page("/h", "<p>x</p>", headers=[("X-Custom", "One"), ("set-cookie", "a=1"),
                                         ("Set-Cookie", "b=2")])
    result = fetch(tmp_path, site.url("/h"))
    headers = result.hops[0].response_headers
    assert ("X-Custom", "One") in headers
    assert [v for k, v in headers if k.lower() == "set-cookie"] == ["a=1", "b=2"]
    assert ("set-cookie", "a=1") in headers  # case as sent


def test_chunked_body_is_dechunked(site: Site, tmp_path: Path) -> None:
    body = b"<html>" + b"x" * 5000 + b"</html>"
    site.page("/c", body, chunked=True)
    result = fetch(tmp_path, site.url("/c"))
    final = result.final
    assert final is not None and body_of(final) == body


def test_relative_and_absolute_locations(site: Site, tmp_path: Path) -> None:
    site.page("/dir/target", "<p>t</p>")
    site.redirect("/dir/start", "target", status=307)
    site.redirect("/a", f"//127.0.0.1:{site.port}/dir/start", status=308)
    result = fetch(tmp_path, site.url("/a"))
    assert result.error is None
    assert [h.url for h in result.hops][-1] == site.url("/dir/target")


def test_a_location_not_in_utf_8_is_followed_as_sent(site: Site, tmp_path: Path) -> None:
    """A byte that is not UTF-8 in Location (latin-1 "ü") is sent on
    percent-encoded, as browsers do, where it became U+FFFD ("%EF%BF%BD"): a
    page that is there was reported dead."""
    def moved(handler: Handler) -> None:
        handler.wfile.write(b"HTTP/1.1 302 Found\r\nLocation: /c/plain\xfc\r\n"
                            b"Content-Length: 0\r\n\r\n")

    site.raw("/moved", moved)
    site.page("/c/plain%FC", "<p>here</p>")
    result = fetch(tmp_path, site.url("/moved"))
    assert result.error is None and result.final is not None
    assert result.final.status == 200 and result.final.url == site.url("/c/plain%FC")


@pytest.mark.parametrize("location, path", [
    (b"/new\tpa\r\nge", "/newpage"),  # tabs and line breaks dropped (not ending the header)
    (b"/\\127.0.0.1:{port}/target", "/target"),  # a backslash is a slash: another authority
    (b"\\dir\\target#a\\b", "/dir/target"),  # ... in the path (a fragment is not sent)
    (b"/ctl\x01x", "/ctl%01x"),  # other controls percent-encoded
])
def test_a_location_is_read_as_browsers_read_it(site: Site, tmp_path: Path, location: bytes,
                                                 path: str) -> None:
    """The redirect a browser follows is followed to where it goes (the WHATWG
    URL parser): a page that readers reach was reported dead ("bad Location"),
    or a backslash was sent in the request line."""
    value = location.replace(b"\r\n", b"").replace(b"{port}", str(site.port).encode())

    def moved(handler: Handler) -> None:
        handler.wfile.write(b"HTTP/1.1 301 Moved Permanently\r\nLocation: " + value
                            + b"\r\nContent-Length: 0\r\n\r\n")

    site.raw("/moved", moved)
    site.page(path, "<p>here</p>")
    result = fetch(tmp_path, site.url("/moved"))
    assert result.error is None and result.final is not None, result.error_detail
    assert result.final.status == 200 and result.final.url == site.url(path)


def test_ipv6_site(tmp_path: Path) -> None:
    with Site("::1", socket.AF_INET6) as v6:
        v6.page("/", "<p>six</p>")
        result = fetch(tmp_path, v6.url("/"))
        assert result.error is None and result.final is not None
        assert result.final.ip == "::1" and result.final.port == v6.port


def test_size_cap_truncates(site: Site, tmp_path: Path) -> None:
    site.page("/big", b"a" * 300_000, content_type="text/plain")
    result = fetch(tmp_path, site.url("/big"), max_bytes=100_000)
    final = result.final
    assert result.error is None and final is not None
    assert final.truncated and final.truncated_reason == "length"
    assert final.body_size == 100_000
    assert len(body_of(final)) == 100_000


def test_big_body_goes_to_a_file_small_stays_in_memory(site: Site, tmp_path: Path) -> None:
    big = bytes((i * 31 + 7) % 251 for i in range(fetch_module.SPILL_BYTES + 1))
    site.page("/big", big, content_type="application/octet-stream", chunked=True)
    site.page("/small", big[:fetch_module.SPILL_BYTES], content_type="application/octet-stream")
    spilled = fetch(tmp_path, site.url("/big")).final
    assert spilled is not None and spilled.body_data is None
    assert spilled.body_path is not None and spilled.body_path.parent == tmp_path
    assert spilled.body_path.read_bytes() == big and spilled.body_size == len(big)
    kept = fetch(tmp_path, site.url("/small")).final
    assert kept is not None and kept.body_path is None
    assert kept.body_data == big[:fetch_module.SPILL_BYTES]
    assert [p.name for p in tmp_path.iterdir()] == [spilled.body_path.name]


def test_redirect_loop_and_too_many(site: Site, tmp_path: Path) -> None:
    site.redirect("/l1", "/l2")
    site.redirect("/l2", "/l1")
    loop = fetch(tmp_path, site.url("/l1"))
    assert loop.error == "redirect-loop" and len(loop.hops) == 2
    for i in range(6):
        site.redirect(f"/r{i}", f"/r{i + 1}")
    site.page("/r6", "<p>end</p>")
    assert fetch(tmp_path, site.url("/r0"), max_hops=6).error is None
    too_many = fetch(tmp_path, site.url("/r0"), max_hops=5)
    assert too_many.error == "too-many-redirects" and len(too_many.hops) == 6


def test_cookie_check_redirect_is_not_a_loop(site: Site, tmp_path: Path) -> None:
    def gate(handler: Handler) -> None:
        if "seen=1" in handler.headers.get("Cookie", ""):
            body = b"<p>welcome back</p>"
            handler.send_response_only(200)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
            return
        handler.send_response_only(302)
        handler.send_header("Location", "/setcookie")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    site.raw("/gate", gate)
    site.route("/setcookie", Route(302, [("Set-Cookie", "seen=1; Path=/"),
                                         ("Location", "/gate")], b""))
    result = fetch(tmp_path, site.url("/gate"))
    assert result.error is None
    assert [h.status for h in result.hops] == [302, 302, 200]


def test_bad_redirect_targets(site: Site, tmp_path: Path) -> None:
    site.redirect("/ftp", "ftp://example.com/file")
    site.redirect("/creds", f"http://user:pw@127.0.0.1:{site.port}/")
    ftp = fetch(tmp_path, site.url("/ftp"))
    assert ftp.error == "invalid-url" and ftp.hops[0].status == 301
    assert fetch(tmp_path, site.url("/creds")).error == "invalid-url"


@pytest.mark.parametrize("url", ["ftp://example.com/", "file:///etc/passwd",
                                 "http://user:pw@example.com/", "not a url", "http:///x"])
def test_invalid_urls_make_no_request(url: str, tmp_path: Path) -> None:
    result = fetch(tmp_path, url)
    assert result.error == "invalid-url" and result.hops == [] and result.attempts == 0


def test_redirect_to_an_internal_origin_is_refused(tmp_path: Path) -> None:
    """The "public" origin may be fetched; its redirect into the internal one may not."""
    with Site() as public, Site() as internal:
        internal.page("/admin", "<p>secret</p>")
        public.redirect("/go", internal.url("/admin"))
        settings = lab_settings(allow_private=False)

        def policy(ip: Any, port: int) -> str | None:
            return None if port == public.port else "internal"

        async def go() -> FetchResult:
            async with make_client(settings, policy=policy) as client:
                return await Fetcher(client, settings, tmp_path).fetch(public.url("/go"))

        result = asyncio.run(go())
        assert result.error == "policy" and "internal" in result.error_detail
        assert [h.status for h in result.hops] == [301, None]
        assert public.connections == 1
        assert internal.connections == 0


def test_stats_count_connections(site: Site, tmp_path: Path) -> None:
    site.page("/", "<p>x</p>")

    async def go(f: Fetcher) -> FetchStats:
        await f.fetch(site.url("/"))
        await f.fetch(f"http://localhost:{site.port}/")
        return f.stats

    stats = with_fetcher(tmp_path, lab_settings(), go)
    assert stats.connections >= 2  # one per origin at least
    assert stats.looked_up == {"localhost"} and stats.resolved == {"localhost"}
    assert not stats.offline


def test_names_the_policy_refuses_do_not_look_offline(site: Site, tmp_path: Path) -> None:
    """A name that resolves to a refused address (localhost, without
    --allow-private) was never dialled: the run is not told the network looks
    down, where the reason to give is the policy's."""
    site.page("/", "<p>x</p>")

    async def go(f: Fetcher) -> tuple[FetchStats, str | None]:
        result = await f.fetch(f"http://localhost:{site.port}/")
        return f.stats, result.error

    stats, error = with_fetcher(tmp_path, lab_settings(allow_private=False), go)
    assert error == "policy" and site.connections == 0
    assert stats.looked_up == {"localhost"} and stats.forbidden == {"localhost"}
    assert not stats.offline


def test_offline_rule() -> None:
    assert not FetchStats(looked_up={"a", "b", "c"}, resolved={"a", "b", "c"},
                          forbidden={"a", "b", "c"}).offline
    assert FetchStats(looked_up={"a", "b", "c"}, resolved={"a"}, forbidden={"a"}).offline
    assert FetchStats(looked_up={"a", "b", "c"}).offline
    assert not FetchStats(looked_up={"a", "b", "c"}, resolved={"a"}, connections=1).offline
    assert FetchStats(looked_up={"a"}, resolved={"a"}).offline
    assert not FetchStats().offline


def test_parse_retry_after() -> None:
    import datetime as dt
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert parse_retry_after("5") == 5.0
    assert parse_retry_after(" 120 ") == 120.0
    assert parse_retry_after("Thu, 01 Jan 2026 00:00:30 GMT", now) == 30.0
    assert parse_retry_after("Wed, 31 Dec 2025 00:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
    # digits to str.isdigit, not to float(): a server's "²" made the fetch raise
    for odd in ("\u00b2", "\u00b3\u00b9", "\u0661\u0662", "\uff15"):
        assert parse_retry_after(odd) is None, odd


def test_classify_error_by_type() -> None:
    import ssl
    cert = ssl.SSLCertVerificationError(1, "certificate verify failed")
    cert.verify_message = "self-signed certificate"
    wrapped = httpx.ConnectError("x")
    wrapped.__cause__ = cert
    assert classify_error(wrapped) == ("tls", "invalid certificate: self-signed certificate")
    refused = httpx.ConnectError("whatever the text says")
    refused.__cause__ = OSError("All connection attempts failed")
    refused.__cause__.__cause__ = ConnectionRefusedError(111, "timed out")  # text is ignored
    assert classify_error(refused)[0] == "refused"
    assert classify_error(httpx.ReadTimeout("refused"))[0] == "timeout"
    assert classify_error(httpx.RemoteProtocolError("timeout"))[0] == "protocol"
    assert classify_error(httpx.ReadError("x"))[0] == "protocol"
    assert classify_error(httpx.ConnectError("x"))[0] == "connect"
    assert classify_error(httpx.ConnectError("x"), during_tls=True)[0] == "tls"


def test_politeness_prunes_idle_origins() -> None:
    async def go() -> int:
        gate = Politeness(8, 2, 0.0, prune_at=16)
        for i in range(1000):
            async with gate.slot(("http", f"host{i}.example", 80)):
                pass
        return len(gate)

    assert asyncio.run(go()) <= 32


def test_politeness_waits_between_starts() -> None:
    async def go() -> list[float]:
        gate = Politeness(8, 4, 0.2)
        starts: list[float] = []

        async def one() -> None:
            async with gate.slot(("http", "a", 80)):
                starts.append(time.monotonic())

        await asyncio.gather(*(one() for _ in range(4)))
        return starts

    starts = asyncio.run(go())
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert all(g >= 0.19 for g in gaps), gaps


def test_politeness_serves_an_urgent_request_before_the_ones_queued() -> None:
    """One request at a time to the origin, 0.1 s apart: an urgent request (a
    soft-404 probe) queued behind three others starts next, and so does one
    that comes while the next of the others sits out the delay; the limits hold."""
    delay = 0.1

    async def go() -> tuple[list[str], list[float], int]:
        gate = Politeness(8, 1, delay)
        origin = ("http", "a", 80)
        order: list[str] = []
        starts: list[float] = []
        flight = {"now": 0, "peak": 0}
        tasks: list[asyncio.Task[None]] = []

        async def one(name: str, urgent: bool = False) -> None:
            async with gate.slot(origin, urgent=urgent):
                starts.append(time.monotonic())
                order.append(name)
                flight["now"] += 1
                flight["peak"] = max(flight["peak"], flight["now"])
                if name == "n0":  # in flight while the others queue
                    tasks.extend(asyncio.create_task(one(f"n{i}")) for i in (1, 2, 3))
                    tasks.append(asyncio.create_task(one("u1", urgent=True)))
                    await asyncio.sleep(0)  # each of them queued first
                await asyncio.sleep(0)
                flight["now"] -= 1
            if name == "u1":  # n1 has the origin's turn now, and waits out the delay
                tasks.append(asyncio.create_task(one("u2", urgent=True)))

        await one("n0")
        while not all(t.done() for t in tasks):
            await asyncio.gather(*tasks)
        return order, starts, flight["peak"]

    order, starts, peak = asyncio.run(go())
    assert order == ["n0", "u1", "u2", "n1", "n2", "n3"], order
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert all(g >= delay - 0.001 for g in gaps), gaps
    assert peak == 1


# --------------------------------------------------------------------------
# retries


def _respond(handler: Handler, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
    handler.send_response_only(status)
    for k, v in headers:
        handler.send_header(k, v)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def flaky(fail: list[tuple[int, list[tuple[str, str]]]]) -> Callable[[Handler], None]:
    """A handler answering the given failures in turn, then 200."""
    calls = iter(fail)

    def handle(handler: Handler) -> None:
        status, headers = next(calls, (200, []))
        _respond(handler, status, headers, b"<p>%d</p>" % status)
    return handle


def test_5xx_is_retried_and_only_the_last_try_is_kept(site: Site, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch_module, "SPILL_BYTES", 0)  # every body in a file
    site.raw("/f", flaky([(500, []), (502, [])]))
    result = fetch(tmp_path, site.url("/f"), retries=3, backoff=0.05)
    assert result.attempts == 3 and result.error is None
    assert len(result.hops) == 1 and result.hops[0].status == 200
    assert [p.name for p in tmp_path.iterdir()] == [result.hops[0].body_path.name]  # type: ignore[union-attr]


def test_persistent_5xx_returns_the_last_answer(site: Site, tmp_path: Path) -> None:
    site.page("/down", "<p>down</p>", status=500)
    started = time.monotonic()
    result = fetch(tmp_path, site.url("/down"), retries=3, backoff=0.1)
    assert result.attempts == 3 and result.error is None
    assert result.final is not None and result.final.status == 500
    assert time.monotonic() - started >= 0.1 + 0.2  # backoff 1x, 2x
    assert len(site.hits_for("/down")) == 3


def test_retry_after_is_waited_for(site: Site, tmp_path: Path) -> None:
    site.raw("/r", flaky([(429, [("Retry-After", "1")])]))
    started = time.monotonic()
    result = fetch(tmp_path, site.url("/r"), retries=3, max_retry_after=2.0)
    assert result.attempts == 2 and result.final is not None and result.final.status == 200
    assert result.retry_after is None
    hits = site.hits_for("/r")
    assert hits[1].time - hits[0].time >= 0.95
    assert time.monotonic() - started < 2.5


def test_long_retry_after_is_reported_not_waited(site: Site, tmp_path: Path) -> None:
    site.page("/busy", "<p>busy</p>", status=503, headers=[("Retry-After", "3600")])
    started = time.monotonic()
    result = fetch(tmp_path, site.url("/busy"), retries=3)
    assert time.monotonic() - started < 1.0
    assert result.attempts == 1 and result.retry_after == 3600.0
    assert result.final is not None and result.final.status == 503


def test_429_without_retry_after_is_not_retried(site: Site, tmp_path: Path) -> None:
    site.page("/limited", "<p>no</p>", status=429)
    result = fetch(tmp_path, site.url("/limited"), retries=3)
    assert result.attempts == 1 and result.final is not None and result.final.status == 429


def test_404_is_final(site: Site, tmp_path: Path) -> None:
    result = fetch(tmp_path, site.url("/missing"), retries=3)
    assert result.attempts == 1 and result.final is not None and result.final.status == 404


def test_a_connection_closed_without_an_answer_is_retried(site: Site, tmp_path: Path) -> None:
    """A server that accepts and closes without a byte failed the connection, as a
    refusal does (README: connection failures are retried); it is not a malformed
    answer, which is not retried."""
    asked: list[float] = []

    def hang_up_twice(handler: Handler) -> None:
        asked.append(time.monotonic())
        if len(asked) <= 2:
            handler.close_connection = True  # nothing written: the server hangs up
            return
        body = b"<p>answered</p>"
        handler.send_response_only(200)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    site.raw("/hangup", hang_up_twice)
    result = fetch(tmp_path, site.url("/hangup"), retries=3, backoff=0.05)
    assert len(asked) == 3 and result.attempts == 3
    assert result.error is None and result.final is not None and result.final.status == 200
    site.raw("/never", lambda handler: setattr(handler, "close_connection", True))
    result = fetch(tmp_path, site.url("/never"), retries=2, backoff=0.05)
    assert (result.error, result.attempts) == ("connect", 2)
    assert result.error_detail == "the server closed the connection without answering"


def test_refused_is_retried(tmp_path: Path) -> None:
    from .lab import closed_port
    result = fetch(tmp_path, f"http://127.0.0.1:{closed_port()}/", retries=2, backoff=0.05)
    assert result.error == "refused" and result.attempts == 2
    assert result.hops[0].status is None


# --------------------------------------------------------------------------
# politeness, measured at the servers


def test_per_origin_delay_and_concurrency_hold(tmp_path: Path) -> None:
    import threading
    in_flight: dict[int, int] = {}
    peak: dict[int, int] = {}
    overall = {"now": 0, "peak": 0}
    lock = threading.Lock()

    def slow(handler: Handler) -> None:
        port = int(handler.server.server_address[1])
        with lock:
            in_flight[port] = in_flight.get(port, 0) + 1
            peak[port] = max(peak.get(port, 0), in_flight[port])
            overall["now"] += 1
            overall["peak"] = max(overall["peak"], overall["now"])
        time.sleep(0.4)
        with lock:
            in_flight[port] -= 1
            overall["now"] -= 1
        _respond(handler, 200, [("Content-Type", "text/html")], b"<p>ok</p>")

    with Site() as a, Site() as b:
        for s in (a, b):
            for i in range(5):
                s.raw(f"/p{i}", slow)
        urls = [s.url(f"/p{i}") for i in range(5) for s in (a, b)]
        settings = lab_settings(concurrency=4, per_host_concurrency=2, per_host_delay=0.15)

        async def go(f: Fetcher) -> list[FetchResult]:
            return list(await asyncio.gather(*(f.fetch(u) for u in urls)))

        results = with_fetcher(tmp_path, settings, go)
        assert all(r.error is None for r in results)
        for s in (a, b):
            times = sorted(h.time for h in s.hits)
            gaps = [y - x for x, y in zip(times, times[1:], strict=False)]
            assert len(times) == 5
            assert min(gaps) >= 0.15 - 0.03, gaps
            assert peak[s.port] == 2  # the per-origin limit is reached, never exceeded
        assert overall["peak"] >= 3  # both origins in flight at once


def test_a_redirect_that_adds_an_empty_query_is_followed_not_a_loop(site: Site,
                                                                   tmp_path: Path) -> None:
    """`/e` sent on to `/e?`: the empty query was dropped, the same request sent
    again, and the chain called a redirect loop (dead)."""
    site.redirect("/e", "/e?")
    site.page("/e?", "<p>the page</p>")
    result = fetch(tmp_path, site.url("/e"))
    assert result.error is None, result.error_detail
    assert [h.url for h in result.hops] == [site.url("/e"), site.url("/e") + "?"]
    assert body_of(result.final) == b"<p>the page</p>"
