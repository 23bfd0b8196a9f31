"""The fetch layer alone: ``Fetcher.fetch`` over a URL list, bodies deleted.

Uses servers that are already running (the farm of ``farm.py``); starts
nothing. Fetches every URL of the list once with archiver's ``Fetcher``
(the client of ``make_client``, politeness included, per-host delay 0) or,
with ``--bare``, with the bare httpx loop of ``bare_httpx.py``, and prints
the CPU seconds (user + system) of the fetch loop and per URL. Imports are
not counted. ``--reps`` alternates both clients, so their figures come from
the same minutes of a shared machine.

    python bench/fetch_only.py /tmp/archiver-farm/urls-1000.txt --reps 3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def _cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


async def fetch_with_archiver(urls: list[str], concurrency: int, per_host: int) -> dict[str, int]:
    from archiver.fetch import Fetcher, discard, make_client
    from archiver.settings import FetchSettings

    settings = FetchSettings(allow_private=True, concurrency=concurrency,
                             per_host_concurrency=per_host, per_host_delay=0.0, retries=1,
                             timeout=30.0)
    counts = {"ok": 0, "error": 0, "bytes": 0}
    queue = iter(urls)
    with tempfile.TemporaryDirectory(prefix="fetch-only-") as tmp:
        async with make_client(settings) as client:
            fetcher = Fetcher(client, settings, Path(tmp))

            async def worker() -> None:
                for url in queue:
                    result = await fetcher.fetch(url)
                    if result.error is None:
                        counts["ok"] += 1
                    else:
                        counts["error"] += 1
                    counts["bytes"] += sum(h.body_size for h in result.hops)
                    discard(result)

            await asyncio.gather(*(worker() for _ in range(min(concurrency, len(urls)) or 1)))
            counts["connections"] = fetcher.stats.connections
    return counts


def one(mode: str, urls_file: str, concurrency: int, per_host: int,
        passes: int = 1) -> dict[str, float]:
    urls = [line.strip() for line in Path(urls_file).read_text().splitlines() if line.strip()]
    urls = urls * max(1, min(passes, 10))
    if mode == "bare":
        sys.path.insert(0, str(REPO / "bench"))
        from bare_httpx import fetch_all
        coro = fetch_all(urls, concurrency, per_host, 30.0)
    else:
        import archiver.fetch  # noqa: F401 - imported before the clock starts
        coro = fetch_with_archiver(urls, concurrency, per_host)
    c0, t0 = _cpu(), time.perf_counter()
    counts = asyncio.run(coro)
    cpu, wall = _cpu() - c0, time.perf_counter() - t0
    return {"mode": mode, "urls": len(urls), **counts, "cpu_s": round(cpu, 3),  # type: ignore[dict-item]
            "wall_s": round(wall, 3), "cpu_ms_per_url": round(1000 * cpu / max(1, len(urls)), 3)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("urls")
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--per-host", type=int, default=4)
    ap.add_argument("--bare", action="store_true", help="only the bare httpx loop, once")
    ap.add_argument("--archiver", action="store_true", help="only Fetcher.fetch, once")
    ap.add_argument("--reps", type=int, default=1, help="alternate both clients this many times")
    ap.add_argument("--passes", type=int, default=1, help="fetch the list this many times (<= 10)")
    args = ap.parse_args(argv)
    if args.bare or args.archiver:
        mode = "bare" if args.bare else "archiver"
        print(json.dumps(one(mode, args.urls, args.concurrency, args.per_host, args.passes)))
        return 0
    rows: list[dict[str, float]] = []
    for _ in range(max(1, min(args.reps, 20))):
        for mode in ("bare", "archiver"):
            out = subprocess.run(
                [sys.executable, __file__, args.urls, f"--{mode}",
                 "--concurrency", str(args.concurrency), "--per-host", str(args.per_host),
                 "--passes", str(args.passes)],
                check=True, capture_output=True, text=True, timeout=600)
            row = json.loads(out.stdout)
            rows.append(row)
            print(json.dumps(row), flush=True)
    for mode in ("bare", "archiver"):
        per = sorted(r["cpu_ms_per_url"] for r in rows if r["mode"] == mode)
        print(f"{mode}: median {per[len(per) // 2]:.3f} ms CPU per URL ({per})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
