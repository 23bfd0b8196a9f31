"""Peak RSS, CPU and wall time of archiver's cycles, two copies of the code side by side.

For each latency mode and each size of ``bench/farm.py``'s farm, against one
nginx: ``archiver run`` from an empty archive (the capture), then again on
the same archive (the re-check), exactly as ``bench/run.py`` runs them and
measured the same way (its ``measure``: peak RSS from ``/usr/bin/time -f %M``,
the largest of the process and of the worker processes it waited for; CPU of
the whole tree from ``os.wait4``). Each copy of the code (``--code``, any
number, e.g. ``git archive`` of two commits) runs in turn, ``--repeat``
times, in the order A B B A ..., so that a slow moment of a shared machine
falls on both; the median of each figure is reported, with the 10,000 /
1,000 ratio of peak RSS (the target of ``bench/run.py``).

    git archive main archiver | tar -x -C /tmp/old
    python bench/peak_rss.py --code /tmp/old --code . --repeat 3
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # noqa: E402
from farm import Farm, Nginx  # noqa: E402

FIGURES = ("peak_rss_mb", "cpu_ms_per_url", "wall_s")


def cycle_pair(code: Path, sources: Path, archive: Path, n: int,
               nginx: Nginx) -> dict[str, dict[str, Any]]:
    """The capture and the re-check of *n* citations by the code at *code*."""
    run.CODE = code
    shutil.rmtree(archive, ignore_errors=True)
    out = {}
    for name in ("capture", "recheck"):
        res = run.measure([run.archiver_cmd(sources, archive)], nginx=nginx)
        if any(rc not in (0, 1) for rc in res["exit"]):
            raise SystemExit(f"{code}: archiver exited {res['exit']} ({name}, {n})")
        out[name] = run.per_url(res, n)
    shutil.rmtree(archive, ignore_errors=True)
    return out


def summarize(runs: dict[str, list[dict[str, Any]]], codes: list[Path], sizes: list[int],
              modes: list[str]) -> None:
    """Print the medians of *runs*, the ratio of peak RSS, and each code's
    medians against the first code's."""
    table: dict[str, dict[str, float]] = {}
    print(f"{'mode':5} {'size':>6} {'cycle':8} {'code':30} "
          + " ".join(f"{f:>15}" for f in FIGURES))
    for key, pairs in runs.items():
        mode, n, code = key.split("|")
        for name in ("capture", "recheck"):
            med = {f: round(statistics.median(p[name][f] for p in pairs), 3) for f in FIGURES}
            table[f"{mode}|{n}|{code}|{name}"] = med
            print(f"{mode:5} {n:>6} {name:8} {str(code)[-30:]:30} "
                  + " ".join(f"{med[f]:>15}" for f in FIGURES))
    print("\npeak RSS, 10,000 / 1,000 (the larger of capture and re-check at each size):")
    small, big = min(sizes), max(sizes)
    for mode in modes:
        for code in codes:
            peaks = {n: max(table[f"{mode}|{n}|{code}|{c}"]["peak_rss_mb"]
                            for c in ("capture", "recheck")) for n in (small, big)}
            print(f"  {mode:5} {str(code)[-30:]:30} {peaks[small]:6.1f} -> {peaks[big]:6.1f} MB"
                  f"  {peaks[big] / peaks[small]:.3f}x")
    print(f"\nmedians against the first code's ({codes[0]}):")
    for key, med in table.items():
        mode, n, code, name = key.split("|")
        if code != str(codes[0]):
            first = table[f"{mode}|{n}|{codes[0]}|{name}"]
            print(f"  {mode:5} {n:>6} {name:8} {code[-30:]:30} " + " ".join(
                f"{f} {med[f] / first[f]:.3f}x" for f in FIGURES))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--code", type=Path, action="append", required=True,
                    help="A folder holding the archiver package (give it twice or more).")
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000])
    ap.add_argument("--modes", nargs="+", choices=["0ms", "50ms"], default=["0ms", "50ms"])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--per-host", type=int, default=4)
    ap.add_argument("--farm-dir", type=Path,
                    default=Path(tempfile.gettempdir()) / "archiver-farm")
    ap.add_argument("--output", type=Path, default=None, help="Write every run as JSON here.")
    args = ap.parse_args(argv)
    codes = [c.resolve() for c in args.code]
    for code in codes:
        run.compile_code(code)
    farm = Farm(args.farm_dir)
    farm.generate(citations=max(args.sizes), sizes=tuple(sorted(set(args.sizes))))
    (farm.root / "archiver.toml").write_text(
        f"[fetch]\nper_host_delay = 0\nconcurrency = {args.concurrency}\n"
        f"per_host_concurrency = {args.per_host}\n")
    work = Path(tempfile.mkdtemp(prefix="archiver-rss-"))
    runs: dict[str, list[dict[str, Any]]] = {}
    try:
        for mode in args.modes:
            with Nginx(farm, 0.05 if mode == "50ms" else 0.0) as nginx:
                for n in args.sizes:
                    for r in range(args.repeat):
                        order = codes if r % 2 == 0 else codes[::-1]
                        for code in order:
                            print(f"  [{mode} {n}] {code} ({r + 1}/{args.repeat}) ...",
                                  file=sys.stderr, flush=True)
                            pair = cycle_pair(code, farm.sources(n), work / "archive", n, nginx)
                            runs.setdefault(f"{mode}|{n}|{code}", []).append(pair)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    summarize(runs, codes, args.sizes, args.modes)
    if args.output:
        args.output.write_text(json.dumps(runs, indent=1, default=str) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
