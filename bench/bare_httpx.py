"""The bare HTTP client: fetch a list of URLs with httpx and throw the bodies away.

The reference for what the fetch alone costs: one ``httpx.AsyncClient``
(HTTP/1.1, the same ``Accept-Encoding`` as archiver), at most ``--concurrency``
requests in flight and ``--per-host`` per origin, redirects followed, every
body read raw (still gzip-encoded) and discarded. No WARC, no extraction, no
database.

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


async def fetch_all(urls: list[str], concurrency: int, per_host: int,
                    timeout: float) -> dict[str, int]:
    limits = httpx.Limits(max_connections=concurrency * 2,
                          max_keepalive_connections=concurrency * 2)
    transport = httpx.AsyncHTTPTransport(limits=limits, retries=0)
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
    args = ap.parse_args(argv)
    urls = [line.strip() for line in args.urls if line.strip()]
    t0 = time.perf_counter()
    counts = asyncio.run(fetch_all(urls, args.concurrency, args.per_host, args.timeout))
    counts["seconds"] = round(time.perf_counter() - t0, 3)  # type: ignore[assignment]
    json.dump(counts, sys.stdout)
    return 0 if counts["error"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
