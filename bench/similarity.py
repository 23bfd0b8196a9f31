"""Time the snapshot comparison (``archiver.similarity.text_similarity``).

A re-check whose page changed compares its main text with the first
snapshot's. Prints the CPU time of one comparison (best of ``--rounds``) for:

- each page of the extraction-dev corpus against itself with one word
  changed and an "Updated" line added (the usual case: a page edited a
  little), as the main text ``archiver.extract`` reads from it;
- two texts of 500,000 characters that differ only at the end (the cap:
  only the first ``MAX_CHARS`` characters are read).

With ``--thresholds``, instead: the two scores of the drift check
(``text_similarity`` and ``text_kept``, after ``strip_volatile``) for each
page of 80 words or more against itself edited (one word changed, an
"Updated" line, 100 words of another page added or removed, a correction,
other articles' text added, its end cut) and for 400 pairs of different
pages: what the thresholds of ``archiver.likeness`` are set by.

Usage::

    python bench/similarity.py [--corpus PATH] [--rounds N] [--thresholds]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extraction import DEFAULT_CORPUS, load_corpus  # noqa: E402 - bench/, beside this script

from archiver.extract import extract  # noqa: E402
from archiver.similarity import (  # noqa: E402
    MAX_CHARS,
    strip_volatile,
    text_scores,
    text_similarity,
)


def best_of(rounds: int, a: str, b: str) -> float:
    """CPU seconds of ``text_similarity(a, b)``, best of *rounds*."""
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        text_similarity(a, b)
        best = min(best, time.process_time() - start)
    return best


def edits(text: str, others: list[str], rng: random.Random) -> Iterator[tuple[str, str, str]]:
    """(name, before, after) of *text* edited in the ways a page is edited, with
    the words of *others* (other pages than *text*)."""
    others = [other for other in others if other is not text]
    words = text.split()
    typo = words[:]
    typo[len(words) // 2] += "x"
    sidebar = " ".join(rng.choice(others).split()[:100])
    yield "one word changed", text, " ".join(typo)
    yield "an Updated line", text, "Updated: 5 minutes ago\n" + text
    yield "100 words added", text, f"{text}\n{sidebar}"
    yield "100 words removed", f"{text}\n{sidebar}", text
    yield "a correction", text, text + "\nCorrection: an earlier version of this article " \
        "misstated the date of the hearing, which was on Tuesday."
    yield "3 times as long", text, "\n".join([text, rng.choice(others), rng.choice(others)])
    for cut in (40, 58, 70):
        yield f"last {cut} % cut", text, " ".join(words[: len(words) * (100 - cut) // 100])


def thresholds(corpus: Path) -> None:
    """Print the scores the drift thresholds are set by (see the module docstring)."""
    texts = []
    for entry in load_corpus(corpus):
        text = extract(entry["body"], url=entry.get("url") or "", content_type="text/html").text
        if len(text.split()) >= 80:
            texts.append(strip_volatile(text))
    rng = random.Random(7)
    scores: dict[str, list[tuple[float, float]]] = {}
    for text in texts:
        for name, before, after in edits(text, texts, rng):
            # scored as the drift check scores them: volatile lines left out of both
            scores.setdefault(name, []).append(
                text_scores(strip_volatile(before), strip_volatile(after)))
    for _ in range(400):
        a, b = rng.sample(texts, 2)
        scores.setdefault("different articles", []).append(text_scores(a, b))
    print(f"{len(texts)} main texts of 80 words or more; min / median / max of each score")
    print(f"{'edit':<20} {'text_similarity':>20} {'text_kept':>20}")
    for name, pairs in scores.items():
        cols = []
        for values in zip(*pairs, strict=True):
            cols.append(f"{min(values):.2f} / {statistics.median(values):.2f} / "
                        f"{max(values):.2f}")
        print(f"{name:<20} {cols[0]:>20} {cols[1]:>20}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--thresholds", action="store_true",
                    help="print the scores the drift thresholds are set by")
    ns = ap.parse_args()
    if ns.thresholds:
        thresholds(ns.corpus)
        return 0
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
