"""The editors' HTML report and the JUnit XML report."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html.parser
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from archiver.models import Citation, Event, PageInfo, Sources
from archiver.report import build_report
from archiver.report_html import group_by_event, render_html, render_junit, replay_link
from archiver.storeopen import open_store

SCRIPT = "<script>document.title='pwned'</script>"


def result(event: str, url: str, status: str, **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "event": event, "url": url, "status": status, "http_status": 200,
        "final_url": url, "headline": f"Headline of {url}", "published": "2016-05-03",
        "flags": [], "reason": f"reason for {status}", "first_captured": "2026-11-25T13:59:58Z",
        "snapshot_at": "2026-11-25T13:59:58Z", "consecutive_failures": 0, "printed": None,
        "since": "2026-11-25T14:00:00Z",
        "rule": status, "event_date": "2016-05-01", "event_country": "Malaysia",
    }
    base.update(extra)
    return base


def sample() -> dict[str, Any]:
    return {"checked_at": "2026-11-25T14:00:00Z", "results": [
        result("e-alive", "https://a.example/1", "alive"),
        result("e-mixed", "https://b.example/alive", "alive"),
        result("e-mixed", "https://b.example/blocked", "blocked", http_status=403),
        result("e-mixed", "https://b.example/dead", "dead", http_status=404),
        result("e-mixed", "https://b.example/moved", "moved"),
        result("e-mixed", "https://b.example/soft", "soft-404"),
        result("e-mixed", "https://b.example/unreach", "unreachable", http_status=None),
        result("e-mixed", "https://b.example/drift", "drifted"),
        result("e-blocked", "https://c.example/1", "blocked", http_status=429),
    ]}


class Collector(html.parser.HTMLParser):
    """Tags, attributes and text of a page, and whether its tags balance."""

    VOID = {"meta", "link", "br", "img", "input", "hr"}

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}> with {self.stack[-3:]}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> Collector:
    c = Collector()
    c.feed(page)
    c.close()
    return c


def test_script_in_headline_and_reason_is_escaped() -> None:
    report = sample()
    report["results"][3]["headline"] = SCRIPT
    report["results"][3]["reason"] = 'HTTP 404 <img src=x onerror="alert(1)">'
    report["results"][3]["url"] = 'https://b.example/dead?q="><script>alert(2)</script>'
    page = render_html(report)
    assert "<script" not in page.lower()
    assert "<img" not in page.lower()
    parsed = parse(page)
    assert not any(tag in {"script", "img", "iframe", "object"} for tag, _ in parsed.tags)
    text = "".join(parsed.text)
    assert SCRIPT in text  # shown to the reader as text
    assert 'onerror="alert(1)"' in text


def test_page_is_self_contained_phone_ready_and_scriptless() -> None:
    page = render_html(sample())
    parsed = parse(page)
    assert parsed.errors == [] and parsed.stack == []
    metas = [a for t, a in parsed.tags if t == "meta"]
    assert {"name": "viewport", "content": "width=device-width, initial-scale=1"} in metas
    for tag, attrs in parsed.tags:
        assert tag not in {"link", "script", "img", "iframe"}
        assert "src" not in attrs
        assert not any(k.startswith("on") for k in attrs)
    assert "@media (max-width" in page
    # the inline stylesheet is allowed by its hash, and nothing else is
    csp = next(a["content"] for a in metas if a.get("http-equiv") == "Content-Security-Policy")
    assert csp is not None and "default-src 'none'" in csp and "script-src" not in csp
    css = re.search(r"<style>(.*?)</style>", page, re.S)
    assert css is not None
    digest = base64.b64encode(hashlib.sha256(css.group(1).encode()).digest()).decode()
    assert f"'sha256-{digest}'" in csp


def test_broken_first_within_and_across_events() -> None:
    groups = group_by_event(sample())
    assert [g["event"] for g in groups] == ["e-mixed", "e-blocked", "e-alive"]
    assert [r["status"] for r in groups[0]["results"]] == [
        "dead", "soft-404", "drifted", "moved", "blocked", "unreachable", "alive"]
    page = render_html(sample())
    order = [page.index(f'id="event-{e}"') for e in ("e-mixed", "e-blocked", "e-alive")]
    assert order == sorted(order)
    cards = re.findall(r'<article class="citation s-([a-z0-9-]+)">', page)
    assert cards[:7] == ["dead", "soft-404", "drifted", "moved", "blocked", "unreachable",
                         "alive"]


def test_event_facts_and_citation_details_are_shown() -> None:
    report = sample()
    for r in report["results"]:
        r.update(event_count=32, event_mechanism="deportation")
    report["results"][3].update(flags=["date-mismatch"], baseline_headline="Then it said this",
                                since="2026-11-20T08:00:00Z", printed="https://b.example/de ad")
    page = render_html(report)
    section = page[page.index('id="event-e-mixed"'):page.index('id="event-e-blocked"')]
    for text in ("2016-05-01", "Malaysia", "32 people", "deportation", "7 citations",
                 "date-mismatch", "Then it said this", "Headline of https://b.example/dead",
                 "since 2026-11-20 08:00 UTC", "HTTP 404", "reason for dead",
                 "https://b.example/de ad"):
        assert text in section, text


def test_replacement_link_to_our_copy_uses_the_given_base() -> None:
    page = render_html(sample(), replay_base="http://dash.example:9000/")
    assert ('href="http://dash.example:9000/archive/20261125135958/https://b.example/dead"'
            in page)
    assert replay_link(None, "https://x.example/", "http://h") is None
    assert replay_link("2026-11-25T13:59:58Z", "javascript:alert(1)", "http://h") is None
    never = sample()
    never["results"] = [result("e", "https://n.example/", "dead", first_captured=None,
                               snapshot_at=None)]
    assert "none archived" in render_html(never)
    # captured, but only ever as an error page: no snapshot to offer
    error_page = sample()
    error_page["results"] = [result("e", "https://n.example/", "dead", snapshot_at=None)]
    assert "none archived" in render_html(error_page)


def test_empty_report_renders() -> None:
    page = render_html({"checked_at": None, "results": []})
    assert "No citation has been checked yet." in page
    root = ET.fromstring(render_junit({"checked_at": None, "results": []}))
    assert root.get("tests") == "0"


def test_junit_is_valid_xml_with_failures_and_skips() -> None:
    report = sample()
    report["results"][3]["headline"] = SCRIPT + " & \x00\x1b control"
    report["results"][3]["reason"] = 'HTTP 404 "quoted" <b> & \x07'
    xml = render_junit(report)
    root = ET.fromstring(xml.encode("utf-8"))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("9", "2", "3")
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert set(suites) == {"e-alive", "e-mixed", "e-blocked"}
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert len(cases) == 9
    dead = cases["https://b.example/dead"]
    failure = dead.find("failure")
    assert failure is not None and failure.get("type") == "dead"
    assert failure.get("message") == 'dead: HTTP 404 "quoted" <b> & '
    assert SCRIPT in (failure.text or "")
    assert cases["https://b.example/soft"].find("failure") is not None
    for url in ("https://b.example/blocked", "https://b.example/unreach", "https://c.example/1"):
        assert cases[url].find("skipped") is not None and cases[url].find("failure") is None
    for url in ("https://b.example/alive", "https://b.example/moved", "https://b.example/drift"):
        assert cases[url].find("skipped") is None and cases[url].find("failure") is None
    assert suites["e-mixed"].get("failures") == "2" and suites["e-mixed"].get("tests") == "7"


def test_baseline_headline_is_read_from_the_store(tmp_path: Path) -> None:
    store = open_store(tmp_path / "archive")
    try:
        url = "https://news.example/a"
        event = Event(id="e1", date=dt.date(2016, 5, 1), country="Kenya", count=45,
                      mechanism="deportation", citations=(Citation("e1", url),))
        store.sync_sources(Sources(path=tmp_path / "s.yaml", events=(event,)))
        when = dt.datetime(2026, 11, 25, 14, 0, tzinfo=dt.UTC)
        with store.transaction():
            store.set_baseline(url, None, when, url, None,
                               PageInfo(kind="html", headline="The headline " + SCRIPT))
            store.record_check({
                "cycle_id": 1, "event_id": "e1", "url": url, "checked_at": "2026-11-26T14:00:00Z",
                "status": "drifted", "rule": "headline-changed", "reason": "rewritten",
                "http_status": 200, "final_url": url, "headline": "Another story",
                "published": None, "flags": "[]", "consecutive_failures": 0})
        page = render_html(build_report(store), store=store)
    finally:
        store.close()
    assert "The headline &lt;script&gt;" in page
    assert "Another story" in page
    assert "45 people" in page and "deportation" in page and "Kenya" in page
    assert "<script" not in page


def test_each_broken_status_says_what_to_do() -> None:
    """The report tells an editor the action, not only the state: a moved link is
    updated to its new address, a blocked or unreachable one is left as it is
    for now, a dead one is replaced by an archived copy; an alive one needs
    nothing. The copies are told apart: ours are replays on this machine's
    dashboard, to check a page, not to cite."""
    from archiver.report import advice, render_md

    moved = advice("moved", "moved", "https://a.example/old", "https://a.example/new", True)
    assert moved == "Update the link to the page's new address: https://a.example/new"
    # the cited fragment goes with it, as a browser keeps it across the redirect
    assert advice("moved", "moved", "https://a.example/old#p4", "https://a.example/new",
                  True) == "Update the link to the page's new address: https://a.example/new#p4"
    # a temporary hop after the permanent ones: not the final URL, which may change again
    hopped = advice("moved", "moved-then-temporary", "https://a.example/old",
                    "https://a.example/new/today", True) or ""
    assert "https://a.example/new/today" not in hopped and "named in the reason" in hopped
    # to cite: a public copy (ours are replays on this machine), the event's package named
    assert advice("dead", "http-404", "u", "u", True, "e-7") == (
        "The page is gone: cite a public archived copy (the Wayback Machine's, or this "
        "archive's, published with `archiver export --wacz FILE --event e-7`) instead.")
    assert "find where the page went" in (advice("soft-404", "error-title", "u", "u", True)
                                          or "")
    assert "check that it still says what the report cites it for" in (
        advice("drifted", "text-replaced", "u", "u", True) or "")
    assert "nothing to change if it loads" in (advice("blocked", "http-403", "u", "u", True)
                                               or "")
    assert "paywall" in (advice("blocked", "paywall", "u", "u", True) or "")
    assert "Nothing to change yet" in (advice("unreachable", "timeout", "u", "u", True) or "")
    assert advice("alive", "alive", "u", "u", True) is None

    report = sample()
    for r in report["results"]:
        r["advice"] = advice(r["status"], r["rule"], r["url"], r["final_url"], True)
    md = render_md(report)
    assert md.count("**to do:**") == 7  # every citation but the two alive ones
    assert "on `archiver serve`, on the machine that keeps the archive" in md
    # the command to run as a code span, not backslash-escaped backticks
    assert "published with `archiver export --wacz FILE --event ID`) instead." in md
    page = render_html(report)
    assert page.count("<dt>To do</dt>") == 7
    assert "not to cite" in page

    # the same page asked for in another form (a #fragment, the host in capitals) is
    # not "now at" another address
    report = {"checked_at": "2026-11-25T14:00:00Z", "results": [
        result("e", "https://b.example/a#main", "drifted", final_url="https://b.example/a"),
        result("e", "https://B.example/c", "drifted", final_url="https://b.example/c"),
        result("e", "https://b.example/old", "moved", final_url="https://b.example/new")]}
    assert render_md(report).count("now at:") == 1
    assert render_html(report).count("<dt>Now at</dt>") == 1
