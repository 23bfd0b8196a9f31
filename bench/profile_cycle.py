"""Run one ``archiver`` command in this process, optionally with proposed fixes applied.

For profiling (``pyinstrument`` or ``py-spy`` wrap this script) and for
"what if" figures: ``--what-if NAME`` swaps in, for this process only, the
change proposed for a hot spot in a module this benchmark does not own, so
its effect can be measured before the module's owner makes it. The CPU
seconds of the command are printed on stderr at the end.

    pyinstrument -o prof.txt bench/profile_cycle.py -- run --allow-private \\
        --sources /tmp/archiver-farm/sources-1000.yaml --archive /tmp/a --format json
    python bench/profile_cycle.py --what-if fold,squash -- run ...

What-ifs:

* ``fold``: ``consistency._fold`` returns ``text.lower()`` for ASCII text
  (NFKD and casefold change nothing else there) and skips the per-character
  loop when the text has no combining mark.
* ``squash``: ``textnorm.squash`` with ``str.split`` instead of ``re.sub``.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

def fast_fold(text: str) -> str:
    """Same result as ``consistency._fold``; no per-character Python loop unless marks."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    if not any(unicodedata.combining(ch) for ch in set(decomposed)):
        return decomposed.casefold()
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def fast_squash(text: str | None) -> str:
    """``textnorm.squash`` without a regular expression."""
    if not text:
        return ""
    return " ".join(text.replace("\u200b", "").split())


def apply(names: list[str]) -> None:
    for name in names:
        if name == "fold":
            from archiver import consistency
            consistency._fold = fast_fold  # type: ignore[attr-defined]
        elif name == "squash":
            from archiver import textnorm
            textnorm.squash = fast_squash
        elif name:
            raise SystemExit(f"unknown what-if: {name}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--what-if", default="", help="Comma-separated: fold, squash.")
    ap.add_argument("args", nargs=argparse.REMAINDER, help="-- then the archiver arguments")
    ns = ap.parse_args()
    args = ns.args[1:] if ns.args[:1] == ["--"] else ns.args
    apply(ns.what_if.split(","))
    from archiver.cli import cli

    t0 = time.perf_counter()
    code = 0
    try:
        cli.main(args=args, prog_name="archiver", standalone_mode=False)
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        ru = resource.getrusage(resource.RUSAGE_SELF)
        print(f"what-if={ns.what_if or '-'} wall={time.perf_counter() - t0:.2f}s "
              f"cpu={ru.ru_utime + ru.ru_stime:.2f}s maxrss={ru.ru_maxrss / 1024:.0f}MB",
              file=sys.stderr)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
