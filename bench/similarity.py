"""Time the snapshot comparison (``archiver.similarity.text_similarity``).

A re-check whose page changed compares its main text with the first
snapshot's. Prints the CPU time of one comparison (best of ``--rounds``) for:

- each page of the extraction-dev corpus against itself with one word
  changed and an "Updated" line added (the usual case: a page edited a
  little), as the main text ``archiver.extract`` reads from it;
- two texts of 500,000 characters that differ only at the end (the cap:
  only the first ``MAX_CHARS`` characters are read).

Usage::

    python bench/similarity.py [--corpus PATH] [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extraction import DEFAULT_CORPUS, load_corpus  # noqa: E402 - bench/, beside this script

from archiver.extract import extract  # noqa: E402
from archiver.similarity import MAX_CHARS, text_similarity  # noqa: E402


def best_of(rounds: int, a: str, b: str) -> float:
    """CPU seconds of ``text_similarity(a, b)``, best of *rounds*."""
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        text_similarity(a, b)
        best = min(best, time.process_time() - start)
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--rounds", type=int, default=5)
    ns = ap.parse_args()
    pairs = []
    for entry in load_corpus(ns.corpus):
        text = extract(entry["body"], url=entry.get("url") or "", content_type="text/html").text
        if text:
            words = text.split(" ")
            words[len(words) // 2] = "changed"
            pairs.append((text, " ".join(words) + " Updated 5 minutes ago"))
    times = [best_of(ns.rounds, a, b) for a, b in pairs]
    sizes = [len(a) for a, _ in pairs]
    print(f"corpus: {len(pairs)} main texts, {statistics.median(sizes):,.0f} characters"
          f" (median), {max(sizes):,} at most")
    print(f"  one comparison: median {statistics.median(times) * 1e3:.3f} ms,"
          f" 90th percentile {statistics.quantiles(times, n=10)[-1] * 1e3:.3f} ms,"
          f" slowest {max(times) * 1e3:.3f} ms")
    huge = ("Taiwan condemned the deportation of its nationals to China. " * 9000)[:500_000]
    seconds = best_of(ns.rounds, huge, huge[:-10] + "a new tail")
    print(f"two texts of {len(huge):,} characters (MAX_CHARS {MAX_CHARS:,}):"
          f" {seconds * 1e3:.3f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
