"""The Wayback Machine lookup, against a stand-in availability API on loopback.

The stand-in answers the way https://archive.org/wayback/available does: the
closest snapshot under ``archived_snapshots.closest`` (status as a string,
``available`` true), or an empty ``archived_snapshots`` when there is none.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse
from collections.abc import Iterator

import httpx
import pytest

from archiver.report_html import render_html
from archiver.settings import WaybackSettings
from archiver.wayback import add_wayback, closest, parse_availability, wayback_timestamp

from .lab import Handler, Site

KNOWN = "https://thediplomat.com/2016/05/taiwan-slams-malaysia/"
SNAP_TS = "20160504101112"


def _answer(handler: Handler, status: int, body: bytes,
            content_type: str = "application/json") -> None:
    handler.send_response_only(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def availability_api(handler: Handler) -> None:
    """Answers like the real availability API."""
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(handler.path).query)
    url = query.get("url", [""])[0]
    if url == KNOWN:
        data = {"url": url, "timestamp": query.get("timestamp", [""])[0],
                "archived_snapshots": {"closest": {
                    "status": "200", "available": True, "timestamp": SNAP_TS,
                    "url": f"http://web.archive.org/web/{SNAP_TS}/{url}"}}}
    elif url.endswith("/captured-404"):
        data = {"url": url, "archived_snapshots": {"closest": {
            "status": "404", "available": True, "timestamp": SNAP_TS,
            "url": f"http://web.archive.org/web/{SNAP_TS}/{url}"}}}
    elif url.endswith("/hostile"):
        data = {"url": url, "archived_snapshots": {"closest": {
            "status": "200", "available": True, "timestamp": SNAP_TS,
            "url": "javascript:alert(1)"}}}
    elif url.endswith("/bad-json"):
        _answer(handler, 200, b"{not json")
        return
    elif url.endswith("/server-error"):
        _answer(handler, 503, b"busy", "text/plain")
        return
    else:
        data = {"url": url, "archived_snapshots": {}}
    _answer(handler, 200, json.dumps(data).encode())


@pytest.fixture
def api() -> Iterator[Site]:
    with Site() as site:
        site.raw("/wayback/available", availability_api)
        yield site


def settings_for(site: Site, enabled: bool = True) -> WaybackSettings:
    return WaybackSettings(enabled=enabled, endpoint=site.url("/wayback/available"),
                           timeout=5.0)


WHEN = dt.datetime(2016, 5, 3, 12, 0, 1, tzinfo=dt.UTC)


def test_closest_snapshot_is_found_near_the_first_capture(api: Site) -> None:
    snap = closest(KNOWN, WHEN, settings_for(api))
    assert snap == {
        "url": f"http://web.archive.org/web/{SNAP_TS}/{KNOWN}", "timestamp": SNAP_TS,
        "status": "200", "available": True, "captured_at": "2016-05-04T10:11:12Z",
    }
    hits = [h for h in api.hits if h.path.startswith("/wayback/")]
    assert len(hits) == 1
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(hits[0].path).query)
    assert query == {"url": [KNOWN], "timestamp": ["20160503120001"]}


def test_no_snapshot_gives_none(api: Site) -> None:
    assert closest("https://example.org/never-archived", WHEN, settings_for(api)) is None


def test_disabled_lookup_sends_nothing(api: Site) -> None:
    assert closest(KNOWN, WHEN, settings_for(api, enabled=False)) is None
    report = {"checked_at": None, "results": [{"url": KNOWN, "event": "e"}]}
    add_wayback(report, settings_for(api, enabled=False))
    assert "wayback" not in report["results"][0]
    assert api.hits == []


def test_default_settings_are_off() -> None:
    assert WaybackSettings().enabled is False


@pytest.mark.parametrize("path", ["/bad-json", "/server-error", "/captured-404", "/hostile"])
def test_unusable_answers_give_none(api: Site, path: str) -> None:
    assert closest("https://example.org" + path, WHEN, settings_for(api)) is None
    assert len(api.hits) == 1  # it did ask


def test_unreachable_endpoint_gives_none() -> None:
    with Site() as site:
        endpoint = site.url("/wayback/available")
    # the site is stopped: its port now refuses connections
    settings = WaybackSettings(enabled=True, endpoint=endpoint, timeout=2.0)
    assert closest(KNOWN, WHEN, settings) is None


def test_timeout_gives_none(api: Site) -> None:
    def slow(handler: Handler) -> None:
        import time
        time.sleep(1.5)
        availability_api(handler)

    api.raw("/slow", slow)
    settings = WaybackSettings(enabled=True, endpoint=api.url("/slow"), timeout=0.3)
    assert closest(KNOWN, WHEN, settings) is None


def _dripped(handler: Handler, head: bytes, body: bytes) -> None:
    """*head* a byte every 0.2 s when it is given whole, then *body* so."""
    import time
    if head:
        handler.wfile.write(head)
        handler.wfile.flush()
    for byte in body:
        handler.wfile.write(bytes([byte]))
        handler.wfile.flush()
        time.sleep(0.2)


@pytest.mark.parametrize("head, body", [
    # the body a byte at a time: each read waited the timeout at most, but a
    # byte before each wait ran out held a lookup (and the report) for minutes
    (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n",
     b" " * 60),
    # the status line and headers so: httpx waited for them a read at a time
    (b"", b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" * 4),
])
def test_an_answer_given_a_byte_at_a_time_is_given_up_at_the_timeout(
        api: Site, head: bytes, body: bytes) -> None:
    import time
    api.raw("/drip", lambda handler: _dripped(handler, head, body))
    settings = WaybackSettings(enabled=True, endpoint=api.url("/drip"), timeout=0.5)
    start = time.monotonic()
    assert closest(KNOWN, WHEN, settings) is None
    assert time.monotonic() - start < 2.0


def test_a_report_stops_looking_up_after_lookups_failed_in_a_row(api: Site) -> None:
    """An endpoint that is down would cost the timeout for every URL of the
    report: after three failures in a row the others are not asked."""
    report = {"checked_at": None,
              "results": [{"url": f"https://example.org/{i}/server-error", "event": "e"}
                          for i in range(6)]}
    add_wayback(report, settings_for(api))
    assert [r["wayback"] for r in report["results"]] == [None] * 6
    assert len([h for h in api.hits if h.path.startswith("/wayback/")]) == 3
    # an answer of no snapshot is no failure: every URL is asked
    api.hits.clear()
    report = {"checked_at": None,
              "results": [{"url": f"https://example.org/{i}/none", "event": "e"}
                          for i in range(6)]}
    add_wayback(report, settings_for(api))
    assert len([h for h in api.hits if h.path.startswith("/wayback/")]) == 6


def test_client_is_used_when_given(api: Site) -> None:
    seen: list[str] = []

    def record(request: httpx.Request) -> None:
        seen.append(str(request.url))

    with httpx.Client(event_hooks={"request": [record]}) as client:
        assert closest(KNOWN, WHEN, settings_for(api), client) is not None
        assert not client.is_closed
    assert len(seen) == 1 and seen[0].startswith(api.url("/wayback/available"))


@pytest.mark.parametrize("data", [
    None, [], {"archived_snapshots": []}, {"archived_snapshots": {"closest": None}},
    {"archived_snapshots": {"closest": {"available": False, "status": "200",
                                        "timestamp": SNAP_TS, "url": "http://w/x"}}},
    {"archived_snapshots": {"closest": {"available": True, "status": "200",
                                        "timestamp": "2016", "url": "http://w/x"}}},
    # a URL no report can write as one link: markup and a new line after it
    *({"archived_snapshots": {"closest": {"available": True, "status": "200",
                                          "timestamp": SNAP_TS, "url": url}}}
      for url in ('http://w/web/"><script>alert(1)</script>\n- injected item',
                  "http://w/web/x> [click me](javascript:alert(1)) <b>bold</b> | cell",
                  "http://w/web/a b")),
])
def test_parse_rejects_malformed_shapes(data: object) -> None:
    assert parse_availability(data) is None


def test_timestamp_is_utc() -> None:
    tz = dt.timezone(dt.timedelta(hours=8))
    assert wayback_timestamp(dt.datetime(2016, 5, 3, 8, 0, 0, tzinfo=tz)) == "20160503000000"
    assert wayback_timestamp(dt.datetime(2016, 5, 3, 8, 0, 0)) == "20160503080000"


def test_add_wayback_fills_the_report_and_the_html(api: Site) -> None:
    report = {"checked_at": "2026-11-25T14:00:00Z", "results": [
        {"event": "a", "url": KNOWN, "status": "dead", "first_captured": "2016-05-03T12:00:01Z",
         "flags": [], "reason": "HTTP 404", "headline": None},
        {"event": "b", "url": KNOWN, "status": "dead", "first_captured": "2016-05-03T12:00:01Z",
         "flags": [], "reason": "HTTP 404", "headline": None},
        {"event": "b", "url": "https://example.org/none", "status": "alive",
         "first_captured": None, "flags": [], "reason": "ok", "headline": "H"},
    ]}
    add_wayback(report, settings_for(api))
    assert report["results"][0]["wayback"]["timestamp"] == SNAP_TS
    assert report["results"][1]["wayback"] == report["results"][0]["wayback"]
    assert report["results"][2]["wayback"] is None
    assert len(api.hits) == 2  # one lookup per distinct URL
    html = render_html(report)
    assert f'href="http://web.archive.org/web/{SNAP_TS}/{KNOWN}"' in html
    assert "Wayback Machine copy" in html
