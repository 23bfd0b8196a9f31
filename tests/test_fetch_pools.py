"""Connections of the fetcher: kept alive per origin, bounded, closed at the end."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

from archiver.fetch import Fetcher, make_client
from archiver.http11 import Connections
from archiver.models import FetchResult

from .lab import Handler, Site, body_of
from .test_fetch import lab_settings, with_fetcher


def _pools(fetcher: Fetcher) -> Connections:
    pool = fetcher.client.policy_transport.connections  # type: ignore[attr-defined]
    assert isinstance(pool, Connections)
    return pool


def test_connections_are_kept_alive_per_origin_across_interleaved_hosts(tmp_path: Path) -> None:
    with Site() as a, Site() as b, Site() as c:
        sites = (a, b, c)
        for s in sites:
            for i in range(4):
                s.page(f"/p{i}", f"<p>{i}</p>")
        urls = [s.url(f"/p{i}") for i in range(4) for s in sites]  # a b c a b c ...

        async def go(f: Fetcher) -> tuple[list[FetchResult], int]:
            results = [await f.fetch(u) for u in urls]
            return results, f.stats.connections

        results, connections = with_fetcher(tmp_path, lab_settings(), go)
        assert [r.final.status for r in results if r.final] == [200] * 12
        assert connections == 3
        assert [s.connections for s in sites] == [1, 1, 1]
        # the peer is recorded on every hop, also on a reused connection
        assert {(r.final.ip, r.final.port) for r in results if r.final} == \
            {("127.0.0.1", s.port) for s in sites}


def test_idle_origin_pools_are_bounded_and_all_closed_at_the_end(tmp_path: Path) -> None:
    settings = lab_settings()
    with Site() as a, Site() as b, Site() as c, Site() as d:
        sites = (a, b, c, d)
        for s in sites:
            s.page("/", "<p>x</p>")

        async def go() -> tuple[list[int], list[int], int]:
            async with make_client(settings) as client:
                fetcher = Fetcher(client, settings, tmp_path)
                pools = _pools(fetcher)
                pools._max_pools = 2
                sizes = []
                for s in sites:
                    result = await fetcher.fetch(s.url("/"))
                    assert result.error is None
                    sizes.append(len(pools))
                conns = [len(pools.connections)]
                # an origin whose pool was closed gets a new connection
                await fetcher.fetch(a.url("/"))
                conns.append(len(pools.connections))
            return sizes, conns, len(pools)

        sizes, conns, after = asyncio.run(go())
        assert sizes == [1, 2, 2, 2]
        assert conns == [2, 2]
        assert after == 0
        assert a.connections == 2 and b.connections == c.connections == d.connections == 1


def test_pool_keeps_an_origin_that_is_in_use(tmp_path: Path) -> None:
    settings = lab_settings(concurrency=4)
    release = threading.Event()

    def slow(handler: Handler) -> None:
        release.wait(5)
        handler.send_response_only(200)
        handler.send_header("Content-Length", "2")
        handler.end_headers()
        handler.wfile.write(b"ok")

    with Site() as a, Site() as b, Site() as c:
        a.raw("/slow", slow)
        b.page("/", "b")
        c.page("/", "c")

        async def go() -> tuple[FetchResult, list[int]]:
            async with make_client(settings) as client:
                fetcher = Fetcher(client, settings, tmp_path)
                pools = _pools(fetcher)
                pools._max_pools = 1
                busy = asyncio.create_task(fetcher.fetch(a.url("/slow")))
                while not a.hits:
                    await asyncio.sleep(0.01)
                sizes = []
                for s in (b, c):
                    assert (await fetcher.fetch(s.url("/"))).error is None
                    sizes.append(len(pools))
                release.set()
                return await busy, sizes

        slow_result, sizes = asyncio.run(go())
        assert slow_result.error is None and slow_result.final is not None
        assert slow_result.final.status == 200
        assert sizes == [2, 2]  # the busy origin's pool is never closed under it


def test_a_request_on_a_connection_the_server_dropped_is_sent_again(
        site: Site, tmp_path: Path) -> None:
    dropped: list[Any] = []

    def drop_once(handler: Handler) -> None:
        if not dropped:
            dropped.append(handler.client_address)
            handler.close_connection = True  # read the request, answer nothing
            return
        handler.send_response_only(200)
        handler.send_header("Content-Length", "4")
        handler.end_headers()
        handler.wfile.write(b"done")

    site.page("/first", "<p>1</p>")
    site.raw("/second", drop_once)

    async def go(f: Fetcher) -> list[FetchResult]:
        return [await f.fetch(site.url("/first")), await f.fetch(site.url("/second"))]

    first, second = with_fetcher(tmp_path, lab_settings(), go)
    assert first.error is None
    assert second.error is None, second.error_detail
    assert second.final is not None and second.final.status == 200
    assert len(second.hops) == 1 and second.attempts == 1
    assert body_of(second.final) == b"done"
    assert len(site.hits_for("/second")) == 2
    assert site.connections == 2  # the kept-alive one, then a new one


def test_a_fresh_connection_that_breaks_is_not_sent_again(site: Site, tmp_path: Path) -> None:
    def drop(handler: Handler) -> None:
        handler.close_connection = True

    site.raw("/drop", drop)
    result = with_fetcher(tmp_path, lab_settings(), lambda f: f.fetch(site.url("/drop")))
    # a failed connection (retried as one when retries allow: here one try)
    assert result.error == "connect"
    assert len(site.hits_for("/drop")) == 1


def test_pools_unused_past_the_keepalive_are_closed(tmp_path: Path) -> None:
    settings = lab_settings()
    with Site() as a, Site() as b:
        a.page("/", "a")
        b.page("/", "b")

        async def go() -> tuple[int, int, int]:
            async with make_client(settings) as client:
                fetcher = Fetcher(client, settings, tmp_path)
                pools = _pools(fetcher)
                pools._idle_expiry = 0.2
                pools._next_sweep = 0.0
                assert (await fetcher.fetch(a.url("/"))).error is None
                both = len(pools)
                await asyncio.sleep(0.3)
                assert (await fetcher.fetch(b.url("/"))).error is None  # sweeps a's pool
                after_sweep = len(pools)
                assert (await fetcher.fetch(a.url("/"))).error is None
                return both, after_sweep, len(pools)

        assert asyncio.run(go()) == (1, 1, 2)
        assert a.connections == 2 and b.connections == 1
