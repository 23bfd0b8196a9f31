"""Parsing: the body checks made before the parser sees the bytes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from archiver import dom


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
