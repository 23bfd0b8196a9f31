"""Markup built to exhaust HTML parsers, for the tests and ``bench/hostile.py``."""

from __future__ import annotations

#: Bold left open in every paragraph, each with other attributes (so the
#: standard's cap of three identical entries does not apply): every paragraph
#: rebuilds all the bold elements open before it. 56 KB; unbounded, Lexbor
#: takes some 4 GB and 10 seconds on it.
REBUILT_BOLD = b"".join(b"<p><b %d>x" % i for i in range(3300))
