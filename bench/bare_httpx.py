"""The bare HTTP client: fetch a list of URLs with httpx and throw the bodies away.

The reference for what the fetch alone costs: one ``httpx.AsyncClient``
(HTTP/1.1, the same ``Accept-Encoding`` as archiver), at most ``--concurrency``
requests in flight and ``--per-host`` per origin, redirects followed, every
body read raw (still gzip-encoded) and discarded. No WARC, no extraction, no
database.

The connection pool is httpx's default (100 connections, 20 kept alive),
what a user of httpx gets. httpcore's pool walks its connections on every
request and release (encode/httpcore#1035), so a pool that keeps many
alive costs more: on the farm's 1,000 citations at 64 in flight, one after
the other, 1.9-3.5 ms of CPU a URL with 100/20 (2.6, 3.1), 200/20, 64/20,
64/32, 64/64, 48/48, 32/32, 20/20 or 8/8, differences within the machine's
noise; 4.4 ms with 96/96; 10-12 ms with 128/128, 200/200 or no limit (the
128/128 this loop used before).

    python bench/bare_httpx.py URLS.txt --concurrency 32 --per-host 4
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import urllib.parse

import httpx


async def fetch_all(urls: list[str], concurrency: int, per_host: int, timeout: float,
                    max_connections: int = 100, keepalive: int = 20) -> dict[str, int]:
    transport = httpx.AsyncHTTPTransport(limits=httpx.Limits(
        max_connections=max_connections, max_keepalive_connections=keepalive), retries=0)
    counts: dict[str, int] = {"ok": 0, "error": 0, "bytes": 0}
    hosts: dict[str, asyncio.Semaphore] = {}
    queue = iter(urls)

    async with httpx.AsyncClient(transport=transport, timeout=timeout, trust_env=False,
                                 follow_redirects=True, max_redirects=10,
                                 headers={"Accept-Encoding": "gzip, deflate"}) as client:

        async def one(url: str) -> None:
            origin = urllib.parse.urlsplit(url).netloc
            sem = hosts.setdefault(origin, asyncio.Semaphore(per_host))
            async with sem:
                try:
                    async with client.stream("GET", url) as response:
                        async for chunk in response.aiter_raw():
                            counts["bytes"] += len(chunk)
                    counts["ok"] += 1
                except httpx.HTTPError:
                    counts["error"] += 1

        async def worker() -> None:
            for url in queue:
                await one(url)

        await asyncio.gather(*(worker() for _ in range(min(concurrency, len(urls)) or 1)))
    return counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("urls", type=argparse.FileType("r"))
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--per-host", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--max-connections", type=int, default=100,
                    help="Connections in httpx's pool (default: httpx's, 100).")
    ap.add_argument("--keepalive", type=int, default=20,
                    help="Idle connections the pool keeps (default: httpx's, 20).")
    args = ap.parse_args(argv)
    urls = [line.strip() for line in args.urls if line.strip()]
    t0 = time.perf_counter()
    counts = asyncio.run(fetch_all(urls, args.concurrency, args.per_host, args.timeout,
                                     args.max_connections, args.keepalive))
    counts["seconds"] = round(time.perf_counter() - t0, 3)  # type: ignore[assignment]
    json.dump(counts, sys.stdout)
    return 0 if counts["error"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
