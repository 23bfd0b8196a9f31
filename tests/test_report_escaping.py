"""What came from a page stays text in every report format.

A headline is written by whoever controls the cited page, and reasons quote
headlines. In the Markdown report it must not become a link an editor might
follow as "the replacement", emphasis or raw HTML; in the CSV report it must
not start a spreadsheet formula; in the terminal table it must not be read as
rich markup (which dropped bracketed words and crashed on a stray closing tag).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest

from archiver.models import Citation, Event, PageInfo, Sources
from archiver.report import RENDERERS, build_report, csv_cell, md_text, render_table
from archiver.store import Store
from archiver.storeopen import open_store
from archiver.timeline import render_timeline

URL = "https://news.example/2016/05/story"
URL2 = "https://news.example/2016/05/other-story"
HOSTILE = ("[Use this archived copy instead](http://phish.invalid/) **URGENT** `code` "
           "<script>alert(1)</script> a|b ~~gone~~ [/bold] [VIDEO]")
FORMULA = "=cmd|' /C calc'!A0"


def _store(tmp_path: Path) -> Store:
    store = open_store(tmp_path / "archive")
    event = Event(id="e-1", date=dt.date(2016, 5, 1), country="Kenya [*]", count=3,
                  citations=(Citation("e-1", URL), Citation("e-1", URL2)))
    store.sync_sources(Sources(path=tmp_path / "s.yaml", events=(event,)))
    with store.transaction():
        store.set_baseline(URL, None, dt.datetime(2026, 11, 25, tzinfo=dt.UTC), URL, None,
                           PageInfo(kind="html", headline=FORMULA))
        store.record_check({
            "cycle_id": 1, "event_id": "e-1", "url": URL,
            "checked_at": "2026-11-25T14:00:01Z", "status": "drifted", "rule": "r",
            "reason": f"the headline changed from '{FORMULA}' to '{HOSTILE}'",
            "http_status": 200, "final_url": URL, "headline": HOSTILE,
            "published": "2016-05-02", "flags": "[]", "consecutive_failures": 0})
        store.record_check({
            "cycle_id": 1, "event_id": "e-1", "url": URL2,
            "checked_at": "2026-11-25T14:00:02Z", "status": "alive", "rule": "r",
            "reason": "200 OK", "http_status": 200, "final_url": URL2, "headline": FORMULA,
            "published": "2016-05-02", "flags": "[]", "consecutive_failures": 0})
    return store


@pytest.fixture
def store(tmp_path: Path):
    s = _store(tmp_path)
    yield s
    s.close()


def test_markdown_shows_page_text_as_text(store: Store) -> None:
    md = RENDERERS["md"](build_report(store))
    assert "](http" not in md.replace("\\](http", "")  # no link syntax left whole
    assert "<script>" not in md and "**URGENT**" not in md and "`code`" not in md
    assert md_text(HOSTILE) in md
    assert "## e-1 — Kenya \\[\\*\\]" in md
    # one line per item: a newline in page text cannot start a heading or an item
    assert md_text("a\n# heading\n- item") == "a # heading - item"


def test_markdown_escapes_undo_to_the_text() -> None:
    """What an escaped cell shows, once Markdown's backslash escapes are undone,
    is the text itself (on one line)."""
    import re

    for text in (HOSTILE, FORMULA, "plain words, 32 people", "a\\b & c"):
        assert re.sub(r"\\(.)", r"\1", md_text(text)) == text


def test_timeline_markdown_and_csv_are_escaped(store: Store) -> None:
    md = render_timeline(store, URL, "md")
    assert "<script>" not in md and md_text(HOSTILE) in md
    rows = list(csv.DictReader(io.StringIO(render_timeline(store, URL, "csv"))))
    reasons = [r["reason"] for r in rows if r["reason"]]
    assert reasons and all(not r.startswith(("=", "+", "-", "@")) for r in reasons)


def test_csv_never_starts_a_formula(store: Store) -> None:
    rows = {r["url"]: r for r in csv.DictReader(io.StringIO(
        RENDERERS["csv"](build_report(store))))}
    assert rows[URL]["headline"] == HOSTILE  # starts with "[": left as it is
    assert rows[URL2]["headline"] == "'" + FORMULA  # shown as text, not run
    assert rows[URL]["status"] == "drifted" and rows[URL]["http_status"] == "200"
    assert csv_cell(FORMULA) == "'" + FORMULA
    assert [csv_cell(v) for v in ("+1", "-1", "@x", "\tx", "ok", 5, None)] == \
        ["'+1", "'-1", "'@x", "'\tx", "ok", 5, None]


def test_the_terminal_table_prints_brackets_as_written(store: Store) -> None:
    table = render_table(build_report(store), width=400)
    assert "[/bold] [VIDEO]" in table and "[Use this archived copy instead]" in table


@pytest.mark.parametrize("width", [20, 35, 59])
def test_a_narrow_terminal_shows_every_status_and_event(store: Store, width: int) -> None:
    """Six columns in 20 were 2 characters each and blank: three lines a
    citation instead, each at most the terminal's width."""
    report = build_report(store)
    table = render_table(report, width=width)
    lines = table.splitlines()
    assert max(len(line) for line in lines) <= width
    joined = "".join(line.strip() for line in lines)
    for r in report["results"]:
        assert r["status"] in joined and r["event"] in joined
        assert r["url"] in joined  # folded over lines, whole
    assert "[/bold] [VIDEO]" in joined  # as written, not markup


def test_markdown_names_an_unchanged_headline_once(tmp_path: Path) -> None:
    store = _store(tmp_path)
    try:
        with store.transaction():  # URL2's first snapshot had the headline it has now
            store.set_baseline(URL2, None, dt.datetime(2026, 11, 25, tzinfo=dt.UTC), URL2,
                               None, PageInfo(kind="html", headline=FORMULA))
        md = RENDERERS["md"](build_report(store))
    finally:
        store.close()
    unchanged, drifted = md.split(f"<{URL2}>")[1], md.split(f"<{URL}>")[1].split("<http")[0]
    assert f"  - headline: {md_text(FORMULA)} (as first captured)" in unchanged
    assert "headline then:" not in unchanged
    assert f"  - headline then: {md_text(FORMULA)}; now: {md_text(HOSTILE)}" in drifted


def test_markdown_says_what_the_html_says_and_writes_no_url_as_markup(
        store: Store, tmp_path: Path) -> None:
    """The citation as printed and the URL it moved to, as the HTML report gives
    them; a URL from elsewhere (an archive's API) that could not be one link is
    written as text, not as an autolink that markup follows."""
    report = build_report(store)
    result = report["results"][0]
    result.update(printed="https://news.example/2016/05/sto ry", status="moved",
                  final_url="https://news.example/2016/05/story-moved",
                  wayback={"url": 'http://w/web/"><script>alert(1)</script>\n- injected'})
    md = RENDERERS["md"](report)
    assert "  - as printed: https://news.example/2016/05/sto ry" in md
    assert "  - now at: <https://news.example/2016/05/story-moved>" in md
    assert "<script>" not in md and "\n- injected" not in md
    assert r"\<script\>" in md
