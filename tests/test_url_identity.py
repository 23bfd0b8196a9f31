"""One identity for a cited URL: the form it is requested and recorded in.

``http://HOST/story#main`` and ``http://host/story`` are one request (the
fragment is never sent, a host name is case-blind): one fetch a cycle, one
first snapshot to measure drift against, whatever form each citation is
written in; each citation keeps its own URL in its checks and in the report.
And ``first_captured`` is when the URL was first captured at all, which for a
redirect's target is the capture of that hop, before anyone cited it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from archiver.extract import extract
from archiver.models import CycleSummary
from archiver.pipeline import run_cycle
from archiver.report import build_report, seconds
from archiver.sources import load_sources
from archiver.store import iso, page_blob
from archiver.storeopen import open_store
from archiver.timeline import render_timeline, timeline

from .lab import Site, news_page
from .sourcesfile import lab_settings, write_sources

FIRST = news_page("Malaysia deports 32 Taiwanese to China",
                  "Malaysian police deported 32 Taiwanese nationals to China on Friday."
                  "\n\nThe suspects had been detained in a raid on a villa in Kuala Lumpur.")
#: the same address, another article: the page has drifted
LATER = news_page("Garden festival opens in the city park",
                  "Thousands of visitors came to see the tulips and the roses.\n\n"
                  "The festival runs until the end of the month.")


class Clock:
    """The time the archive is told, a week a cycle (a millisecond a reading):
    two cycles never share a second, so the report's times tell them apart."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 2, 1, 3, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(milliseconds=1)
        return self.now

    def next_week(self) -> None:
        self.now += dt.timedelta(days=7)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock()
    for module in ("archiver.store", "archiver.fetch", "archiver.pipeline"):
        monkeypatch.setattr(f"{module}.now_utc", c)
    return c


@pytest.fixture
def site() -> Iterator[Site]:
    with Site() as s:
        s.page("/story", FIRST)
        yield s


def cycle(tmp_path: Path, clock: Clock, events: list[dict[str, Any]]) -> CycleSummary:
    sources = write_sources(tmp_path / "sources.yaml", events)
    clock.next_week()
    return asyncio.run(run_cycle(load_sources(sources), archive=tmp_path / "archive",
                                 settings=lab_settings()))


def event(event_id: str, *urls: str) -> dict[str, Any]:
    return {"id": event_id, "date": "2016-05-01", "country": "Malaysia", "sources": list(urls)}


def report(tmp_path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    store = open_store(tmp_path / "archive", readonly=True)
    try:
        return {(r["event"], r["url"]): r for r in build_report(store)["results"]}
    finally:
        store.close()


def forms(site: Site) -> list[tuple[str, str]]:
    """(a URL as first cited, the same URL written otherwise)."""
    return [(site.url("/story"), site.url("/story") + "#main"),
            (f"http://localhost:{site.port}/story", f"http://LOCALHOST:{site.port}/story")]


@pytest.mark.parametrize("which", [0, 1], ids=["fragment", "host-in-capitals"])
def test_a_drifted_page_cited_again_in_another_form_is_drifted(
        site: Site, clock: Clock, tmp_path: Path, which: int) -> None:
    cited, other = forms(site)[which]
    cycle(tmp_path, clock, [event("e1", cited)])
    first = report(tmp_path)[("e1", cited)]
    site.page("/story", LATER)
    summary = cycle(tmp_path, clock, [event("e1", cited), event("e2", other)])
    results = report(tmp_path)
    again = results[("e2", other)]  # the citation keeps its URL as written
    assert again["status"] == "drifted", again["reason"]
    assert "first snapshot, nothing to compare yet" not in again["reason"]
    assert results[("e1", cited)]["status"] == "drifted"
    # measured against the page as first found, in the first cycle
    assert again["snapshot_at"] == again["first_captured"] == first["snapshot_at"]
    assert again["baseline_headline"] == "Malaysia deports 32 Taiwanese to China"
    # one fetch for both citations, each check under its own URL
    assert summary.fetched == 1 and len(site.hits_for("/story")) == 2
    store = open_store(tmp_path / "archive", readonly=True)
    try:
        checks = {(c["event_id"], c["url"]): c["status"]
                  for c in store.checks_of_cycle(summary.cycle_id)}
        baselines = store.conn.execute("SELECT count(*) FROM baselines").fetchone()[0]
        history = timeline(store, other)
    finally:
        store.close()
    assert checks == {("e1", cited): "drifted", ("e2", other): "drifted"}
    assert baselines == 1
    # the timeline of either form is the URL's: both citations, each with its checks
    assert [(c["event_id"], c["url"]) for c in history["citations"]] == [
        ("e2", other), ("e1", cited)]
    assert sorted((e["event_id"], e["status"]) for e in history["entries"]
                  if e["kind"] == "check") == [
        ("e1", "alive"), ("e1", "drifted"), ("e2", "drifted")]
    assert seconds(history["first_captured"]) == first["first_captured"]


def test_one_fetch_for_every_form_of_a_url_in_a_cycle(site: Site, clock: Clock,
                                                        tmp_path: Path) -> None:
    url = site.url("/story")
    written = [url, url + "#main", url.replace("http://", "HTTP://") + "#top",
               f"http://localhost:{site.port}/story", f"http://LocalHost:{site.port}/story#x"]
    summary = cycle(tmp_path, clock, [event(f"e{i}", u) for i, u in enumerate(written)])
    # two hosts (127.0.0.1 and localhost): two requests, whatever the spelling
    assert summary.fetched == 2 and len(site.hits_for("/story")) == 2
    results = report(tmp_path)
    assert [results[(f"e{i}", u)]["status"] for i, u in enumerate(written)] == ["alive"] * 5
    assert len({results[(f"e{i}", u)]["snapshot_at"] for i, u in enumerate(written[:3])}) == 1


def test_a_site_root_with_and_without_its_slash_is_one_url(site: Site, clock: Clock,
                                                           tmp_path: Path) -> None:
    """``http://host:port`` and ``http://host:port/`` are both requested as
    ``GET /``: one fetch a cycle and one first snapshot, so the root's drift is
    told for both (the form without the slash was 'alive, first snapshot' when
    cited after the page had changed)."""
    site.page("/", FIRST)
    bare = site.url("/").rstrip("/")
    cycle(tmp_path, clock, [event("e1", bare + "/")])
    site.page("/", LATER)
    summary = cycle(tmp_path, clock, [event("e1", bare + "/"), event("e2", bare),
                                      event("e3", bare + "#top")])
    assert summary.fetched == 1 and len(site.hits_for("/")) == 2
    results = report(tmp_path)
    assert [results[(e, u)]["status"] for e, u in (
        ("e1", bare + "/"), ("e2", bare), ("e3", bare + "#top"))] == ["drifted"] * 3


def _as_an_earlier_version_left_it(archive: Path, *changes: tuple[str, tuple[Any, ...]]
                                   ) -> None:
    """Make *archive* what the version before one URL identity left: the
    citations without their requested form, then the *changes* (SQL and its
    parameters) that put the first snapshots where that version kept them:
    under the URL as cited, with its #fragment."""
    conn = sqlite3.connect(archive / "archiver.db")
    with conn:
        conn.execute("DROP INDEX citations_request_url")
        conn.execute("ALTER TABLE citations DROP COLUMN request_url")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm006_request_forms'")
        for sql, params in changes:
            conn.execute(sql, params)
    conn.close()


def test_an_earlier_versions_archive_keeps_its_first_snapshots_and_their_drift(
        site: Site, clock: Clock, tmp_path: Path) -> None:
    """That version, when a drifted page was cited again with a #fragment, took
    a second first snapshot, of the drifted page: the first one stays."""
    url = site.url("/story")
    cycle(tmp_path, clock, [event("e1", url)])
    first = report(tmp_path)[("e1", url)]
    site.page("/story", LATER)
    clock.next_week()
    later = extract(LATER.encode(), url=url, content_type="text/html; charset=utf-8")
    _as_an_earlier_version_left_it(tmp_path / "archive", (
        "INSERT INTO baselines (url, captured_at, final_url, headline, page) VALUES (?,?,?,?,?)",
        (url + "#main", iso(clock()), url, later.headline, page_blob(later))))
    reader = open_store(tmp_path / "archive", readonly=True)  # read as it is
    try:
        assert [c["url"] for c in reader.citations()] == [url]
        assert reader.baseline_headline(url + "#main") == "Malaysia deports 32 Taiwanese to China"
    finally:
        reader.close()
    summary = cycle(tmp_path, clock, [event("e1", url), event("e2", url + "#main")])
    results = report(tmp_path)
    assert results[("e2", url + "#main")]["status"] == "drifted"
    assert results[("e2", url + "#main")]["snapshot_at"] == first["snapshot_at"]
    assert results[("e1", url)]["status"] == "drifted"
    assert summary.fetched == 1
    assert _baselines(tmp_path) == [(url, "Malaysia deports 32 Taiwanese to China")]


def test_an_earlier_versions_first_snapshot_under_a_fragment_is_the_urls(
        site: Site, clock: Clock, tmp_path: Path) -> None:
    """A URL only ever cited with a #fragment had its first snapshot kept under
    that form: after the upgrade, it is still the page drift is measured against."""
    url = site.url("/story")
    cycle(tmp_path, clock, [event("e1", url + "#main")])
    _as_an_earlier_version_left_it(tmp_path / "archive", (
        "UPDATE baselines SET url = ? WHERE url = ?", (url + "#main", url)))
    site.page("/story", LATER)
    cycle(tmp_path, clock, [event("e1", url + "#main")])
    result = report(tmp_path)[("e1", url + "#main")]
    assert result["status"] == "drifted", result["reason"]
    assert _baselines(tmp_path) == [(url, "Malaysia deports 32 Taiwanese to China")]


def _baselines(tmp_path: Path) -> list[tuple[str, str]]:
    store = open_store(tmp_path / "archive", readonly=True)
    try:
        return [(str(u), str(h)) for u, h in
                store.conn.execute("SELECT url, headline FROM baselines ORDER BY url")]
    finally:
        store.close()


def test_first_captured_of_a_redirect_target_is_its_capture_as_that_hop(
        site: Site, clock: Clock, tmp_path: Path) -> None:
    """The editor follows a 'moved' and cites the page where it went: that page
    was captured a week before, as the redirect's second hop."""
    old, new = site.url("/old"), site.url("/new")
    site.page("/old", FIRST)
    cycle(tmp_path, clock, [event("e1", old)])
    site.remove("/old")
    site.redirect("/old", "/new", status=301)
    site.page("/new", FIRST)
    cycle(tmp_path, clock, [event("e1", old)])
    assert report(tmp_path)[("e1", old)]["status"] == "moved"
    store = open_store(tmp_path / "archive", readonly=True)
    try:
        (as_hop,) = store.captures_of(new)
    finally:
        store.close()
    cycle(tmp_path, clock, [event("e1", new)])
    result = report(tmp_path)[("e1", new)]
    assert result["first_captured"] == as_hop["fetched_at"].split(".")[0] + "Z"
    assert result["first_captured"] < result["snapshot_at"]  # cited (and kept) a week later
    store = open_store(tmp_path / "archive", readonly=True)
    try:
        assert timeline(store, new)["first_captured"] == as_hop["fetched_at"]
        text = render_timeline(store, new, "table")
    finally:
        store.close()
    assert f"first captured {as_hop['fetched_at']}\n" in text
    assert text.index(f"{as_hop['fetched_at']}  capture") > text.index("first captured")


def test_an_escaped_unreserved_character_is_the_character() -> None:
    """RFC 3986 6.2.2.2: ``%7E`` is ``~`` (and 6.2.2.1: ``%7e`` is ``%7E``);
    an escaped reserved character is not the character (``%2F`` is no ``/``)."""
    from archiver.exchange import request_form, request_key

    assert request_key("http://h/%7Ea/story") == request_key("http://h/~a/story") \
        == request_key("http://h/%7ea/story") == "http://h/~a/story"
    assert request_key("http://h/%41?q=%2d%5f") == request_key("http://h/A?q=-_")
    assert request_key("http://h/%c3%bc") == request_key("http://h/ü") == "http://h/%C3%BC"
    assert request_key("http://h/a%2Fb") != request_key("http://h/a/b")
    assert request_key("http://h/a?x=%26") != request_key("http://h/a?x=&")
    # asked for as cited
    assert request_form("http://h/%7Ea/story") == "http://h/%7Ea/story"


def test_a_url_cited_with_an_escaped_tilde_and_with_the_tilde_is_one(
        site: Site, clock: Clock, tmp_path: Path) -> None:
    """``/%7Ea`` and ``/~a`` were two URLs: two fetches a cycle, two first
    snapshots, and the one cited after the page changed was 'alive, first
    snapshot' instead of drifted."""
    escaped, plain = site.url("/%7Ea/story"), site.url("/~a/story")
    for path in ("/%7Ea/story", "/~a/story"):
        site.page(path, FIRST)
    cycle(tmp_path, clock, [event("e1", escaped)])
    for path in ("/%7Ea/story", "/~a/story"):
        site.page(path, LATER)
    summary = cycle(tmp_path, clock, [event("e1", escaped), event("e2", plain)])
    assert summary.fetched == 1
    # asked for as first cited, never as the other form
    assert len(site.hits_for("/%7Ea/story")) == 2 and site.hits_for("/~a/story") == []
    results = report(tmp_path)
    assert results[("e2", plain)]["status"] == "drifted", results[("e2", plain)]["reason"]
    assert results[("e1", escaped)]["status"] == "drifted"
    assert _baselines(tmp_path) == [(site.url("/~a/story"),
                                     "Malaysia deports 32 Taiwanese to China")]


@pytest.mark.parametrize("asked", ["/~a/story", "/%7Ea/story", "/%7ea/story"])
def test_get_finds_the_capture_of_a_url_by_any_form_of_its_escapes(
        site: Site, clock: Clock, tmp_path: Path, asked: str) -> None:
    """A capture is kept under the URL as requested (``/%7Ea``, as cited):
    ``archiver get`` of ``/~a`` did not find it."""
    from archiver.evidence import find_capture

    site.page("/%7Ea/story", FIRST)
    # the other form cited too: its checks are kept under it, its capture is not
    cycle(tmp_path, clock, [event("e1", site.url("/%7Ea/story")),
                            event("e2", site.url("/~a/story"))])
    store = open_store(tmp_path / "archive", readonly=True)
    try:
        found = find_capture(store, site.url(asked))
        assert found.row["url"] == site.url("/%7Ea/story")
    finally:
        store.close()


def test_an_earlier_versions_first_snapshot_under_an_escaped_tilde_is_the_urls(
        site: Site, clock: Clock, tmp_path: Path) -> None:
    """That version kept the first snapshot under ``/%7Ea`` and each citation's
    request under its escapes: after the upgrade (m007), a citation of ``/~a``
    is measured against it, and the report joins it."""
    escaped, plain = site.url("/%7Ea/story"), site.url("/~a/story")
    site.page("/%7Ea/story", FIRST)
    cycle(tmp_path, clock, [event("e1", escaped)])
    conn = sqlite3.connect(tmp_path / "archive" / "archiver.db")
    with conn:
        conn.execute("UPDATE baselines SET url = ?", (escaped,))
        conn.execute("UPDATE citations SET request_url = url")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm007_request_escapes'")
    conn.close()
    site.page("/%7Ea/story", LATER)
    cycle(tmp_path, clock, [event("e1", escaped), event("e2", plain)])
    results = report(tmp_path)
    assert results[("e2", plain)]["status"] == "drifted", results[("e2", plain)]["reason"]
    assert results[("e1", escaped)]["baseline_headline"] == \
        "Malaysia deports 32 Taiwanese to China"
    assert _baselines(tmp_path) == [(plain, "Malaysia deports 32 Taiwanese to China")]
