"""The targets of ``bench/run.py`` over every run kept in ``bench/results/``.

One line per run (its commit, quick or full, and each target's figure at
1,000 and, in full runs, 10,000 citations), then each target's range over
those runs and in how many it was met. Reads the JSON files only; starts
nothing.

    python bench/summary.py                      # every run in bench/results/
    python bench/summary.py --since 888e9e9      # the runs from that commit's on
    python bench/summary.py bench/results/2026-11-26-quick-*.json
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"

Run = dict[str, Any]


@dataclass(frozen=True)
class Target:
    name: str
    bound: float
    at_least: bool  # else at most
    read: Callable[[Run, str], float | None]  # (run, size) -> figure

    def met(self, value: float) -> bool:
        return value >= self.bound if self.at_least else value <= self.bound


def _mode(run: Run, mode: str, size: str) -> dict[str, Any]:
    found: dict[str, Any] = run.get("modes", {}).get(mode, {}).get(size, {})
    return found


def _ratio(mode: str, key: str) -> Callable[[Run, str], float | None]:
    return lambda run, size: _mode(run, mode, size).get("ratios", {}).get(key)


def _cpu(after_startup: bool) -> Callable[[Run, str], float | None]:
    key = "cpu_ms_per_url_after_startup" if after_startup else "cpu_ms_per_url"
    return lambda run, size: _mode(run, "0ms", size).get("archiver_capture", {}).get(key)


def _cpu_vs_bare(run: Run, size: str) -> float | None:
    """CPU per capture (start-up excluded) over the bare httpx loop's CPU per URL,
    side by side in the run at 0 ms (computed for runs that did not print it)."""
    mode = _mode(run, "0ms", size)
    ours = mode.get("archiver_capture", {}).get("cpu_ms_per_url_after_startup")
    bare = mode.get("bare_httpx", {}).get("cpu_ms_per_url")
    return round(ours / bare, 2) if ours and bare else None


def _rss(run: Run, size: str) -> float | None:
    if size != "10000":
        return None
    rss = [_mode(run, m, "10000").get("archiver_capture", {}).get("peak_rss_mb")
           for m in ("0ms", "50ms")]
    found = [r for r in rss if r is not None]
    return max(found) if found else None


def _rss_ratio(run: Run, size: str) -> float | None:
    if size != "10000":
        return None
    ratios = []
    for mode in ("0ms", "50ms"):
        big = _mode(run, mode, "10000").get("archiver_capture", {}).get("peak_rss_mb")
        small = _mode(run, mode, "1000").get("archiver_capture", {}).get("peak_rss_mb")
        if big and small:
            ratios.append(big / small)
    return round(max(ratios), 3) if ratios else None


def _big(run: Run, size: str) -> float | None:
    if size != "1000":
        return None
    found = [float(v["peak_rss_mb"]) for v in (run.get("big_response") or {}).values()
             if isinstance(v, dict) and v.get("peak_rss_mb") is not None]
    return max(found) if found else None


TARGETS = (
    Target("50 ms: capture / sequential wget", 20.0, True, _ratio("50ms", "capture_vs_wget_seq")),
    Target("50 ms: capture / bare httpx", 0.8, True, _ratio("50ms", "capture_vs_bare_httpx")),
    Target("0 ms: re-check speed-up", 1.5, True, _ratio("0ms", "recheck_speedup")),
    Target("50 ms: re-check speed-up", 1.5, True, _ratio("50ms", "recheck_speedup")),
    Target("0 ms: CPU ms per capture", 3.0, False, _cpu(False)),
    Target("0 ms: CPU ms per capture, start-up excluded", 3.0, False, _cpu(True)),
    # the same budget side by side: 3 ms where the bare httpx loop spends 1.3
    Target("0 ms: the same over bare httpx's CPU per URL", round(3.0 / 1.3, 2), False,
           _cpu_vs_bare),
    Target("peak RSS MB at 10,000", 200.0, False, _rss),
    Target("peak RSS 10,000 / 1,000", 1.15, False, _rss_ratio),
    Target("1 GB response: peak RSS MB", 200.0, False, _big),
)
SIZES = ("1000", "10000")


def commit(path: Path, run: Run) -> str:
    """The commit a run measured: its ``code``, or for a run of an exported tree
    (``--code``, recorded as the folder) the commit its file is named after."""
    code = str(run.get("code", ""))
    if re.fullmatch(r"[0-9a-f]{7,40}", code):
        return code
    named = re.search(r"-([0-9a-f]{7,40})(?:-[a-z0-9]+)?$", path.stem)
    return named.group(1) if named else code or "?"


def load(paths: list[Path]) -> list[tuple[Path, Run]]:
    runs = []
    for path in paths:
        try:
            runs.append((path, json.loads(path.read_text())))
        except (OSError, ValueError) as exc:
            print(f"{path}: cannot read: {exc}", file=sys.stderr)
    return sorted(runs, key=lambda pr: str(pr[1].get("date", "")))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*", type=Path, help="result files (default: all)")
    ap.add_argument("--since", help="only the runs from the first one of this commit on")
    args = ap.parse_args(argv)
    runs = load(args.files or sorted(RESULTS.glob("*.json")))
    if args.since:
        first = next((i for i, (p, r) in enumerate(runs)
                      if commit(p, r).startswith(args.since)), None)
        if first is None:
            print(f"no run of commit {args.since}", file=sys.stderr)
            return 2
        runs = runs[first:]
    if not runs:
        print("no runs", file=sys.stderr)
        return 2
    for target in TARGETS:
        sign = ">=" if target.at_least else "<="
        print(f"\n{target.name} (target {sign} {target.bound:g})")
        for size in SIZES:
            values = []
            for path, run in runs:
                value = target.read(run, size)
                if value is None:
                    continue
                values.append(value)
                mark = "" if target.met(value) else "   missed"
                print(f"  {size:>6}  {commit(path, run):>9}  {path.name:<38} {value:>8g}{mark}")
            if values:
                met = sum(target.met(v) for v in values)
                print(f"  {size:>6}  range {min(values):g}-{max(values):g}, "
                      f"met in {met} of {len(values)} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
