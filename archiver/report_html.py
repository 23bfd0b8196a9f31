"""The editors' HTML report and the JUnit XML report, over :func:`report.build_report`.

``render_html(report)`` gives one self-contained HTML file: inline CSS (allowed
by a hash in the page's own Content-Security-Policy, which also forbids every
script), no external resource, readable on a phone. Citations are grouped by
event, the events with the worst citations first and, inside an event, broken
citations first (dead, soft-404, drifted, moved, blocked, unreachable, alive).
Each citation shows its status, since when, the reason, the headline of the
first snapshot and of the latest check, its flags, and the replacements to
offer: our own archived copy of the first snapshot (a replay link
``{replay_base}/{coll}/{ts}/{url}`` on the ``archiver serve`` dashboard; none
for a link never found alive, whose only capture is its error page) and, when
:func:`wayback.add_wayback` found one, the Wayback Machine's copy closest to
our first capture.

``write_html(store, out)`` writes the same page straight from the store, one
event's results in memory at a time (:class:`WorstFirst`).

Everything that comes from a page or a server (headline, reason, URLs) is
escaped by Jinja's autoescape; links are only ever ``http(s)``.

``render_junit(report)`` gives JUnit XML for CI: one ``testsuite`` per event,
one ``testcase`` per citation; ``dead`` and ``soft-404`` are failures,
``blocked`` and ``unreachable`` are skipped (not evidence either way).
``write_junit(store, out)`` writes the same document straight from the store,
one event's results in memory at a time.

The results may carry extra keys that :func:`build_report` does not (yet) fill:
``baseline_headline``, ``event_count``, ``event_mechanism`` and ``wayback``.
Pass ``store=`` to have the first three read from the store when absent.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import jinja2
from markupsafe import Markup

from .models import BROKEN
from .report import (
    DEFAULT_BASE_URL,
    STATUS_ORDER,
    Tally,
    broken_count,
    counts,
    same_request,
    unchecked_note,
)

if TYPE_CHECKING:
    from .store import Store

WEB_DIR = Path(__file__).parent / "web"
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"
STYLESHEET = STATIC_DIR / "style.css"

#: The pywb collection name under which ``archiver serve`` replays the archive.
COLLECTION = "archive"
SKIPPED = frozenset({"blocked", "unreachable"})
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# --------------------------------------------------------------------------
# Jinja environment (shared with the dashboard)

def safe_href(url: object) -> str:
    """*url* when it is an http(s) URL, else ``#`` (no ``javascript:`` links)."""
    if isinstance(url, str) and url.strip().lower().startswith(("http://", "https://")):
        return url.strip()
    return "#"


def day(value: object) -> str:
    """An ISO timestamp shortened for people: ``2026-11-25 14:00 UTC``."""
    if not isinstance(value, str) or not value:
        return ""
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC)
    return when.strftime("%Y-%m-%d %H:%M UTC")


def replay_timestamp(value: str | None) -> str | None:
    """``YYYYMMDDhhmmss`` (UTC) of an ISO timestamp, as pywb and Wayback URLs use."""
    if not value:
        return None
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S")


def replay_url(base: str, collection: str, timestamp: str, url: str) -> str:
    """``{base}/{collection}/{timestamp}/{url}``: pywb's framed replay of a capture."""
    return f"{base.rstrip('/')}/{collection}/{timestamp}/{url}"


def replay_link(when: str | None, url: str, base: str,
                collection: str = COLLECTION) -> str | None:
    """Replay link of *url* at about *when* (a result's ``snapshot_at``: its
    first snapshot), or ``None`` when there is none."""
    ts = replay_timestamp(when)
    if ts is None or safe_href(url) == "#":
        return None
    return replay_url(base, collection, ts, url)


def template_environment() -> jinja2.Environment:
    """Jinja with autoescape on for every template, and the filters above."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
                             autoescape=True, undefined=jinja2.ChainableUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["safe_href"] = safe_href
    env.filters["day"] = day
    env.filters["replay_link"] = replay_link
    env.tests["same_request"] = same_request
    return env


_ENV: jinja2.Environment | None = None


def environment() -> jinja2.Environment:
    global _ENV
    if _ENV is None:
        _ENV = template_environment()
    return _ENV


# --------------------------------------------------------------------------
# the model: results grouped by event

def enrich(report: dict[str, Any], store: Store | None) -> dict[str, Any]:
    """Fill ``baseline_headline``, ``event_count`` and ``event_mechanism`` from *store*.

    Only keys that are absent are filled; the report is changed in place.
    """
    if store is None:
        return report
    events = {e["id"]: e for e in store.events()}
    for r in report.get("results", []):
        event = events.get(r.get("event", ""))
        if event is not None:
            r.setdefault("event_count", event.get("count"))
            r.setdefault("event_mechanism", event.get("mechanism"))
            r.setdefault("event_date", event.get("date"))
            r.setdefault("event_country", event.get("country"))
        if "baseline_headline" not in r:  # the stored headline: the page stays deflated
            r["baseline_headline"] = store.baseline_headline(r["url"])
    return report


def _rank(status: str) -> int:
    return STATUS_ORDER.get(status, 99)


def _group_of(r: dict[str, Any]) -> dict[str, Any]:
    """An event's group, its results to come, from one of its results."""
    return {"event": r["event"], "date": r.get("event_date"),
            "country": r.get("event_country"), "count": r.get("event_count"),
            "mechanism": r.get("event_mechanism"), "results": []}


def _rank_results(group: dict[str, Any]) -> None:
    group["results"].sort(key=lambda r: _rank(r["status"]))
    group["worst"] = group["results"][0]["status"]


def group_by_event(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Events with their results, worst first at both levels (stable otherwise)."""
    groups: dict[str, dict[str, Any]] = {}
    for r in report.get("results", []):
        g = groups.get(r["event"])
        if g is None:
            g = groups[r["event"]] = _group_of(r)
        g["results"].append(r)
    ordered = list(groups.values())
    for g in ordered:
        _rank_results(g)
    ordered.sort(key=lambda g: _rank(g["worst"]))
    return ordered


def by_event(results: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """The results of each event in turn, for *results* in sources order (an
    event's citations together): one event's in memory at a time."""
    rows: list[dict[str, Any]] = []
    for r in results:
        if rows and rows[0]["event"] != r["event"]:
            yield rows
            rows = []
        rows.append(r)
    if rows:
        yield rows


#: Characters of an event's blocks kept in memory, for each worst status, before
#: they go to a temporary file.
SPOOLED = 1 << 20


class WorstFirst:
    """:func:`group_by_event`'s order for results read one at a time, in sources
    order (an event's citations together): each event's block, rendered as its
    results end, is filed by its worst status in a temporary file of its own
    (in memory up to :data:`SPOOLED` characters), and the files are read back
    worst first. One event's results are held at a time, whatever the report's
    size; the counts (:meth:`read`'s tally) are known before the first block
    is written out."""

    def __init__(self, render: Callable[[dict[str, Any]], str]) -> None:
        self.render = render
        self.files: dict[int, Any] = {}

    def read(self, results: Iterable[dict[str, Any] | None]) -> Tally:
        """File the blocks of *results* (None: a citation not checked yet); their tally."""
        tally = Tally()
        for rows in by_event(tally.checked(results)):
            self._file(dict(_group_of(rows[0]), results=rows))
        return tally

    def _file(self, group: dict[str, Any]) -> None:
        _rank_results(group)
        rank = _rank(group["worst"])
        fh = self.files.get(rank)
        if fh is None:
            fh = self.files[rank] = tempfile.SpooledTemporaryFile(  # noqa: SIM115
                max_size=SPOOLED, mode="w+", encoding="utf-8", newline="")
        fh.write(self.render(group))

    def blocks(self) -> Iterator[str]:
        """The blocks, worst first, a piece at a time (each file closed once read)."""
        for rank in sorted(self.files):
            fh = self.files.pop(rank)
            try:
                fh.seek(0)
                while piece := fh.read(1 << 16):
                    yield piece
            finally:
                fh.close()

    def close(self) -> None:
        for fh in self.files.values():
            fh.close()
        self.files.clear()


# --------------------------------------------------------------------------
# HTML

def stylesheet() -> str:
    return STYLESHEET.read_text(encoding="utf-8")


def style_hash(css: str) -> str:
    """The CSP source expression allowing exactly this inline stylesheet."""
    digest = hashlib.sha256(css.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def render_html(report: dict[str, Any], *, replay_base: str = DEFAULT_BASE_URL,
                collection: str = COLLECTION, title: str = "Citation check",
                store: Store | None = None) -> str:
    """The report as one self-contained HTML page (see the module docstring)."""
    enrich(report, store)
    event = event_renderer(replay_base, collection)
    return "".join(_page(
        (event(group) for group in group_by_event(report)), checked=report["checked_at"],
        tally=counts(report), total=len(report.get("results", [])),
        broken=broken_count(report), unchecked=unchecked_note(report),
        replay_base=replay_base, collection=collection, title=title))


def write_html(store: Store, out: TextIO, *, replay_base: str = DEFAULT_BASE_URL,
               collection: str = COLLECTION, title: str = "Citation check") -> dict[str, int]:
    """Write what ``render_html(build_report(store))`` returns, one event's results
    in memory at a time (:class:`WorstFirst`); returns the counts by status."""
    from .report import checked_at, iter_citation_results

    events = WorstFirst(event_renderer(replay_base, collection))
    try:
        tally = events.read(iter_citation_results(store))
        out.writelines(_page(
            events.blocks(), checked=checked_at(store), tally=tally.counts(),
            total=tally.results, broken=tally.among(BROKEN),
            unchecked=unchecked_note({"unchecked": tally.unchecked}),
            replay_base=replay_base, collection=collection, title=title))
    finally:
        events.close()
    return tally.counts()


def event_renderer(replay_base: str, collection: str, *, linked: bool = False
                   ) -> Callable[[dict[str, Any]], str]:
    """The HTML of one event's results (a group of :func:`group_by_event`): the
    report's section, or the dashboard's (*linked*: its heading and citations
    link to their own pages)."""
    macro = environment().get_template("_macros.html").module.event_section  # type: ignore[attr-defined]

    def render(group: dict[str, Any]) -> str:
        return str(macro(group, replay_base, collection, linked))

    return render


def _page(blocks: Iterable[str], *, checked: str | None, tally: dict[str, int], total: int,
          broken: int, unchecked: str | None, replay_base: str, collection: str,
          title: str) -> Iterator[str]:
    """The page around the events' *blocks* (HTML already escaped), a piece at a time."""
    css = stylesheet()
    csp = (f"default-src 'none'; style-src {style_hash(css)}; img-src data:;"
           " base-uri 'none'; form-action 'none'")
    template = environment().get_template("report.html")
    return template.generate(
        blocks=(Markup(block) for block in blocks),  # noqa: S704 - rendered by our templates
        checked_at=checked, counts=list(tally.items()), total=total, broken=broken,
        unchecked=unchecked, replay_base=replay_base, collection=collection, title=title,
        css=Markup(css), csp=csp,  # noqa: S704 - our own stylesheet, not page data
    )


# --------------------------------------------------------------------------
# JUnit XML

def _x(value: object) -> str:
    """Text safe for XML 1.0 (characters XML cannot carry are dropped)."""
    return _XML_INVALID.sub("", "" if value is None else str(value))


def _details(r: dict[str, Any]) -> str:
    lines = [
        f"url: {r.get('url')}",
        f"status: {r.get('status')} (HTTP {r.get('http_status') or '-'})",
        f"since: {r.get('since') or '-'}",
        f"final url: {r.get('final_url') or '-'}",
        f"headline: {r.get('headline') or '-'}",
        f"flags: {' '.join(r.get('flags') or []) or '-'}",
        f"first captured: {r.get('first_captured') or 'never'}",
        f"reason: {r.get('reason') or '-'}",
    ]
    return "\n".join(_x(line) for line in lines)


def render_junit(report: dict[str, Any]) -> str:
    """JUnit XML: one testsuite per event, one testcase per citation."""
    results = report.get("results", [])
    root = _junit_root(len(results), sum(1 for r in results if r["status"] in BROKEN),
                       sum(1 for r in results if r["status"] in SKIPPED))
    by_event: dict[str, list[dict[str, Any]]] = {}
    for r in results:
        by_event.setdefault(r["event"], []).append(r)
    for event, rows in by_event.items():
        root.append(_junit_suite(event, rows, report.get("checked_at")))
    ET.indent(root)
    return _XML_DECLARATION + ET.tostring(root, encoding="unicode") + "\n"


def write_junit(store: Store, out: TextIO) -> dict[str, int]:
    """Write what ``render_junit(build_report(store))`` returns, one event's
    results in memory at a time: each event's testsuite is written, as its
    results end, to a temporary file (in memory up to :data:`SPOOLED`
    characters), which is copied out once the totals the first element
    carries are known. Returns the counts by status."""
    from .report import checked_at, iter_citation_results

    stamp = checked_at(store)
    tally = Tally()
    with tempfile.SpooledTemporaryFile(max_size=SPOOLED, mode="w+", encoding="utf-8",
                                       newline="") as suites:
        for rows in by_event(tally.checked(iter_citation_results(store))):
            suites.write(_indented_suite(rows, stamp))
        root = ET.tostring(_junit_root(tally.results, tally.among(BROKEN),
                                       tally.among(SKIPPED)), encoding="unicode")
        out.write(_XML_DECLARATION)
        if not tally.results:  # no suite: the element is written empty, as ET writes it
            out.write(root + "\n")
            return tally.counts()
        out.write(root.removesuffix(" />") + ">")
        suites.seek(0)
        while piece := suites.read(1 << 16):
            out.write(piece)
        out.write("\n</testsuites>\n")
    return tally.counts()


_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


def _junit_root(tests: int, failures: int, skipped: int) -> ET.Element:
    return ET.Element("testsuites", {
        "name": "archiver citations", "tests": str(tests), "failures": str(failures),
        "errors": "0", "skipped": str(skipped),
    })


def _indented_suite(rows: list[dict[str, Any]], checked: str | None) -> str:
    """One event's testsuite as it stands in the whole document (indented as
    ``ET.indent`` indents a child of the root, after its line break)."""
    suite = _junit_suite(rows[0]["event"], rows, checked)
    ET.indent(suite, level=1)
    return "\n  " + ET.tostring(suite, encoding="unicode")


def _junit_suite(event: str, rows: list[dict[str, Any]], checked: str | None) -> ET.Element:
    """One event's testsuite: a testcase per citation."""
    suite = ET.Element("testsuite", {
        "name": _x(event), "tests": str(len(rows)),
        "failures": str(sum(1 for r in rows if r["status"] in BROKEN)),
        "errors": "0",
        "skipped": str(sum(1 for r in rows if r["status"] in SKIPPED)),
        "timestamp": _x(checked or ""),
    })
    for r in rows:
        case = ET.SubElement(suite, "testcase", {
            "classname": _x(event), "name": _x(r["url"]), "time": "0",
        })
        message = _x(f"{r['status']}: {r.get('reason') or ''}")
        if r["status"] in BROKEN:
            failure = ET.SubElement(case, "failure",
                                    {"type": _x(r["status"]), "message": message})
            failure.text = _details(r)
        elif r["status"] in SKIPPED:
            ET.SubElement(case, "skipped", {"message": message})
        out = ET.SubElement(case, "system-out")
        out.text = _details(r)
    return suite
