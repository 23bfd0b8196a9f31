"""Pages built to make a reader spend far more than their size, through ``extract()``.

Each page runs in a child process of its own, so that its peak memory is its
own: the script prints the CPU seconds of the extraction, the peak RSS the
child reached beyond what it had before, and what came out. The pages are
those of the table in ``bench/README.md`` ("Hostile pages"); before the
bounds each took seconds to hours, or gigabytes.

Usage::

    python bench/hostile.py [--only NAME] [--json] [--code DIR] [--timeout S]

``--code`` imports archiver from another folder (an older checkout), for a
side-by-side comparison.

Not a test: the tests that hold these bounds are in ``tests/``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.hostile_pages import REBUILT_BOLD  # noqa: E402
from tests.pdfs import make_pdf  # noqa: E402

MB = 1024 * 1024


def pages() -> dict[str, tuple[bytes, str | None]]:
    """Name -> (body, Content-Type) of each hostile page."""
    three_mb = 3 * MB
    return {
        "bold left open in every paragraph (56 KB)":
            (b"<html><body>" + REBUILT_BOLD, "text/html"),
        "250 comments before any tag, untyped (2 KB)": (b"<!--a-->" * 250 + b"x", None),
        "'<a ' and no '>' (3 MB)": (b"<html><body>" + b"<a " * (three_mb // 3), "text/html"),
        "<article></svg> x 40,000 (0.6 MB)":
            (b"<body>" + b"<article></svg>" * 40_000, "text/html"),
        "3,000 <article> under 3,000 <div> (0.1 MB)":
            (b"<html><body><main><p>a</p><p>b</p></main>" + b"<div>" * 3000
             + b"<article>x</article>" * 3000, "text/html"),
        "title of 50,000 parts (0.2 MB)":
            (b"<title>Headline" + b" - x" * 50_000 + b"</title>", "text/html"),
        "JSON-LD of 50,000 nested arrays (0.1 MB)":
            (b'<title>T</title><script type="application/ld+json">' + b"[" * 50_000
             + b"]" * 50_000 + b"</script>", "text/html"),
        "3 MB of x<br>": (b"<html><body>" + b"x<br>\n" * (three_mb // 6), "text/html"),
        "3 MB of <p>x</p>": (b"<html><body>" + b"<p>x</p>" * (three_mb // 8), "text/html"),
        "3 MB of <h1>x</h1>": (b"<html><body>" + b"<h1>x</h1>" * (three_mb // 10), "text/html"),
        "PDF page of 100,000 drawing instructions (10 KB)":
            (make_pdf({}, "A", drawing=b"BT /F1 12 Tf 72 712 Td (A) Tj ET\n" * 100_000),
             "application/pdf"),
    }


_CHILD = textwrap.dedent("""
    import json, logging, sys, time
    logging.disable(logging.CRITICAL)
    sys.path[:0] = [sys.argv[1], sys.argv[3]]  # archiver from --code; tests from here
    from archiver.extract import extract
    from tests.peak import peak_kb
    content_type = sys.argv[2] or None
    body = sys.stdin.buffer.read()
    base = peak_kb()
    start = time.process_time()
    info = extract(body, url="http://127.0.0.1/page", content_type=content_type)
    seconds = time.process_time() - start
    grew = peak_kb() - base
    print(json.dumps({"seconds": seconds, "grew_mb": grew / 1024, "kind": info.kind,
                      "headline": info.headline, "text_chars": len(info.text or "")}))
""")


def measure(body: bytes, content_type: str | None, timeout: float,
            code: Path = ROOT) -> dict[str, object]:
    """CPU seconds and peak RSS growth of one extraction, in a child process."""
    try:
        proc = subprocess.run(
            [sys.executable, "-c", _CHILD, str(code), content_type or "", str(ROOT)], input=body,
            capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"over {timeout:.0f} s"}
    if proc.returncode != 0:
        return {"error": proc.stderr.decode(errors="replace").strip().splitlines()[-1:]}
    result: dict[str, object] = json.loads(proc.stdout)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--only", help="only the pages whose name holds this")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--timeout", type=float, default=120.0,
                        help="seconds a page may take before it is reported as too slow")
    parser.add_argument("--code", type=Path, default=ROOT,
                        help="import archiver from this folder (default: this checkout)")
    args = parser.parse_args(argv)
    results = {}
    for name, (body, content_type) in pages().items():
        if args.only and args.only not in name:
            continue
        results[name] = measure(body, content_type, args.timeout, args.code)
        if not args.json:
            got = results[name]
            if "error" in got:
                print(f"{name:52} {got['error']}")
            else:
                print(f"{name:52} {got['seconds']:6.2f} s  +{got['grew_mb']:6.1f} MB  "
                      f"{got['kind']}, {got['text_chars']} characters of text")
    if args.json:
        print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
