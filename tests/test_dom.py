"""Parsing: the body checks made before the parser sees the bytes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archiver import dom

from .hostile_pages import REBUILT_BOLD

ROOT = Path(__file__).resolve().parent.parent


@given(st.binary(max_size=300))
def test_lt_count_is_the_count_of_lt_bytes(data: bytes):
    assert dom._count_lt(data) == data.count(b"<")


def test_blank_bodies_have_no_tree():
    for body in (b"", b" \t\r\n\x0b\x0c"):
        tree, _ = dom.parse_html(body, "text/html")
        assert tree is None
    tree, _ = dom.parse_html(b" \n<p>x</p>\n", "text/html")
    assert tree is not None and tree.body is not None and tree.body.text() == "x\n"


def test_many_tags_go_through_the_depth_cap():
    deep = b"<div>" * 20_000 + b"text" + b"</div>" * 20_000
    tree, _ = dom.parse_html(deep, "text/html")
    assert tree is not None and tree.body is not None
    depth = 0
    node = tree.body
    while node is not None and node.first_child is not None and node.first_child.tag == "div":
        node = node.first_child
        depth += 1
    assert depth <= dom.MAX_DEPTH and "text" in tree.body.text()


def test_the_depth_cap_reads_tags_left_unclosed_in_linear_time():
    """3 MB of "<a " and no ">": each "<" once searched to the end for its ">"."""
    start = time.process_time()
    assert dom.cap_depth(b"<a " * 1_000_000) == b"<a " * 1_000_000
    deep = b"<div>" * 300 + b"<a " * 100_000
    capped = dom.cap_depth(deep)
    assert capped.count(b"<div>") == dom.MAX_DEPTH and capped.endswith(b"<a " * 100_000)
    assert time.process_time() - start < 5


def test_the_depth_cap_holds_little_more_than_the_document():
    """Every tag cut once took a span in a list and a piece of the document
    (260 MB for 3 MB of "<a>"); what is kept is now built as it goes."""
    data = b"<a>" * 100_000
    tracemalloc.start()
    try:
        capped = dom.cap_depth(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert capped == b"<a>" * dom.MAX_DEPTH
    assert peak < 3 * len(data), peak


def test_stray_end_tags_do_not_hide_nesting_from_the_depth_cap():
    """An end tag of an element that is not open is ignored by the parser; the
    cap once counted it as a closing, so "<article></svg>" nested without bound."""
    tree, _ = dom.parse_html(b"<body>" + b"<article></svg>" * 20_000 + b"end", "text/html")
    assert tree is not None and tree.body is not None
    depth, node = 0, tree.body
    while node is not None and node.last_child is not None and node.last_child.tag == "article":
        node = node.last_child
        depth += 1
    assert depth == dom.MAX_DEPTH and "end" in tree.body.text()


def test_stray_end_tags_under_a_full_stack_cost_no_search():
    """End tags of elements not open, under the deepest stack the cap keeps,
    cost what they cost under an empty stack: each one was looked for in the
    stack of 256 names (5.5 times as long, 2.2 s for 3 MB). Compared side by
    side, best of three each, so that the machine's speed does not count."""
    strays = b"</x>" * 250_000
    deep = b"<body>" + b"<div>" * dom.MAX_DEPTH + strays
    flat = b"<body>" + b"<div></div>" * dom.MAX_DEPTH + strays

    def best(data: bytes) -> float:
        seconds = []
        for _ in range(3):
            start = time.process_time()
            assert dom.cap_depth(data) == data  # nothing nested deeper than the cap
            seconds.append(time.process_time() - start)
        return min(seconds)

    flat_s, deep_s = best(flat), best(deep)
    assert deep_s < 2.5 * flat_s, (deep_s, flat_s)


_REBUILT = b"<html><body>" + REBUILT_BOLD

_PROBE = textwrap.dedent("""
    import json, logging, resource, sys, time
    # a guard for the machine, should the ceiling under test not hold
    resource.setrlimit(resource.RLIMIT_DATA, (1536 << 20, resource.RLIM_INFINITY))
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    from archiver import dom
    from tests.peak import peak_kb
    base = peak_kb()
    start = time.process_time()
    tree, _ = dom.parse_html(sys.stdin.buffer.read(), "text/html", url="http://127.0.0.1/bold")
    seconds = time.process_time() - start
    grew = peak_kb() - base
    after, _ = dom.parse_html(b"<title>Next</title><p>fine", "text/html")
    print(json.dumps({"parsed": tree is not None, "seconds": seconds, "grew_mb": grew / 1024,
                      "next": after.css_first("title").text() if after else None,
                      "limit_after": resource.getrlimit(resource.RLIMIT_DATA)[0] >> 20}))
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"),
                    reason="the parser's memory ceiling is Linux's RLIMIT_DATA")
def test_a_page_built_to_exhaust_the_parser_is_left_unread_within_bounds() -> None:
    proc = subprocess.run([sys.executable, "-c", _PROBE], input=_REBUILT, cwd=ROOT,
                          capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    got = json.loads(proc.stdout)
    assert got["parsed"] is False
    assert got["grew_mb"] < dom.PARSE_MEMORY / 1024 / 1024 + 32, got
    assert got["seconds"] < 5, got
    assert got["next"] == "Next" and got["limit_after"] == 1536  # the guard's limit is back
    assert "http://127.0.0.1/bold: HTML left unread" in proc.stderr.decode()


def test_a_data_table_of_three_megabytes_is_parsed() -> None:
    """The ceiling leaves room for big real pages: 3 MB of a table of numbers."""
    row = b"<tr><td>1</td><td>2</td><td>3</td></tr>"
    body = b"<html><body><table>" + row * (3 * 1024 * 1024 // len(row))
    tree, _ = dom.parse_html(body, "text/html")
    assert tree is not None and tree.body is not None
    assert len(tree.css("td")) > 200_000


# ------------------------------------------------- class and id name patterns

_NAME_CHARS = st.sampled_from(list("abcdeklmnoprstuvwxyzABDEKLMNOST-_ 19") +
                              ["\u017f", "\u212a", "\u0130", "\u0131", "\u00e9", "\u00c9"])
_SOURCES = ("paywall|widget|sidebar|banner|subscri",
            r"(?:article|story|entry|post)[-_]?(?:body|content|text)\b|\btext[-_]body\b",
            r"logo|brand|site-?(?:title|name)|masthead|navbar", "modif|updat|edited|revis")


@given(st.lists(_NAME_CHARS, max_size=40).map("".join), st.sampled_from(_SOURCES))
def test_marks_pattern_finds_what_the_case_insensitive_pattern_finds(name: str, source: str):
    """Lower-casing an ASCII name changes no match; other names (the long s
    and the Kelvin sign match "s" and "k" case-insensitively) keep re.I."""
    assert dom.MarksPattern(source).search(name) == \
        (re.search(source, name, re.IGNORECASE) is not None)


def test_a_marks_pattern_is_written_in_lower_case():
    assert dom.MarksPattern("logo").search("Site-LOGO")
    with pytest.raises(ValueError):
        dom.MarksPattern(r"\Wlogo")
