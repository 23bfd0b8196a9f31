"""The check report: one model, several renderers.

:func:`build_report` reads the store into the contract's model (section 4 of
the contract): ``{"checked_at": ..., "results": [...]}`` with one result per
(event, url) pair. Renderers turn that model into ``json``, ``table``, ``md``
and ``csv`` (``html`` and ``junit`` live in :mod:`archiver.report_html`).

:func:`write_report` writes every report straight from the store, a few
results at a time, byte for byte what the renderers print for the same
state: the memory it needs does not grow with the number of citations.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TextIO

from .models import BROKEN
from .store import Store

RESULT_KEYS = (
    "event", "url", "status", "http_status", "final_url", "headline", "published",
    "flags", "reason", "first_captured", "consecutive_failures",
)
#: Where ``archiver serve`` replays the archive by default: the base of the
#: reports' links to our archived copies.
DEFAULT_BASE_URL = "http://127.0.0.1:8080"
#: Order in which statuses are listed: what editors must fix first.
STATUS_ORDER = {"dead": 0, "soft-404": 1, "drifted": 2, "moved": 3, "blocked": 4,
                "unreachable": 5, "alive": 6}


def seconds(ts: str | None) -> str | None:
    """``2026-11-25T14:00:00.123456Z`` → ``2026-11-25T14:00:00Z`` (the report's precision)."""
    if not ts:
        return None
    head, dot, _ = ts.partition(".")
    return head + "Z" if dot else ts


def citation_rows(store: Store, active_only: bool = True) -> Iterable[Mapping[str, Any]]:
    """The citations with their events, in sources order (what ``Store.citations``
    returns), one row at a time."""
    return store.iter_citations(active_only=active_only)


def citation_result(c: Mapping[str, Any]) -> dict[str, Any]:
    """The result of one checked citation row (of :meth:`Store.iter_citations`)."""
    return {
        "event": c["event_id"],
        "url": c["url"],
        "status": c["status"],
        "http_status": c["http_status"],
        "final_url": c["final_url"] or c["url"],
        "headline": c["headline"],
        "published": c["published"],
        "flags": json.loads(c["flags"] or "[]"),
        "reason": c["reason"] or "",
        # the URL's earliest capture (a redirect's later hop too), computed with the row
        "first_captured": seconds(c["first_captured"]),
        # the first snapshot: the page as first found alive (None when it never
        # was: a link dead from the start has only its error page archived,
        # which is no replacement for it)
        "snapshot_at": seconds(c["baseline_at"]),
        "consecutive_failures": int(c["consecutive_failures"] or 0),
        "printed": c["printed"],
        "since": seconds(c["since"]),
        "rule": c["rule"],
        "event_date": c["event_date"],
        "event_country": c["event_country"],
        "event_count": c["event_count"],
        "event_mechanism": c["event_mechanism"],
        "baseline_headline": c["baseline_headline"],
        "advice": advice(c["status"], c["rule"], c["url"], c["final_url"],
                         c["baseline_at"] is not None, c["event_id"]),
    }


def advice(status: str | None, rule: str | None, url: str, final_url: str | None,
           snapshot: bool, event: str = "ID") -> str | None:
    """What an editor should do about a citation of *status* (None: nothing).
    *snapshot*: the page was once found alive, so its first snapshot is an
    archived copy to offer instead; our own copies are replays on this
    machine, so what a report cites is a public copy: the Wayback Machine's,
    or the *event*'s package, published."""
    public = ("a public archived copy (the Wayback Machine's, or this archive's, "
              f"published with `archiver export --wacz FILE --event {event}`)")
    copy = f"cite {public} instead" if snapshot else \
        "cite another archive's copy (it was never captured alive here)"
    if status == "dead":
        return f"The page is gone: {copy}."
    if status == "soft-404":
        return ("The link now lands on an error, home or section page: find where the "
                f"page went, or {copy}.")
    if status == "drifted":
        return ("The page changed after its first snapshot: check that it still says what "
                f"the report cites it for; if not, cite {public} of the first snapshot.")
    if status == "moved":
        if rule == "moved-then-temporary":  # the final URL is only where it is today
            return ("Update the link to the page's new address: the permanent redirect's "
                    "target, named in the reason (not the final URL, which the site sends "
                    "it on to by a temporary redirect).")
        if final_url and not same_request(final_url, url):
            return f"Update the link to the page's new address: {_with_fragment(final_url, url)}"
        return "Update the link to the page's new address (see the reason)."
    if status == "blocked":
        if rule == "paywall":
            return (f"The text is now behind a paywall: where readers need it, cite {public} "
                    "of the first snapshot.")
        return ("The site refuses this checker, which is no sign the page is gone: open the "
                "link in a browser; nothing to change if it loads.")
    if status == "unreachable":
        if rule == "network-policy":
            return ("Not checked: its address is on a private network, which the network "
                    "policy refuses.")
        if rule == "network-down":
            return "Nothing to change: this check could not reach the network."
        return ("Nothing to change yet: a failure that may pass. It counts as dead only "
                "after failing over successive checks (the reason says how many).")
    return None


def same_request(a: str, b: str) -> bool:
    """True when URLs *a* and *b* are one request (a ``#fragment``, a host in
    capitals, a root without its slash: :func:`archiver.exchange.request_key`)."""
    if a == b:
        return True
    from .exchange import request_key  # httpx: only for URLs written differently

    return request_key(a) == request_key(b)


def _with_fragment(target: str, cited: str) -> str:
    """*target* with the ``#fragment`` of *cited* when it has none of its own (a
    browser keeps it across a redirect that names none, RFC 9110, 10.2.2)."""
    fragment = cited.partition("#")[2]
    return f"{target}#{fragment}" if fragment and "#" not in target else target


def checked_at(store: Store) -> str | None:
    """When the latest check of a reported citation ran (the report's ``checked_at``)."""
    return seconds(store.last_checked())


def iter_citation_results(store: Store) -> Iterator[dict[str, Any] | None]:
    """Each citation's result (see :func:`build_report`), in sources order, one
    at a time; None for a citation not checked yet."""
    for c in citation_rows(store):
        yield citation_result(c) if c["status"] else None


def iter_results(store: Store) -> Iterator[dict[str, Any]]:
    """The results of :func:`build_report`, one at a time."""
    return (r for r in iter_citation_results(store) if r is not None)


def build_report(store: Store) -> dict[str, Any]:
    """The latest state of every checked citation, in sources order, and how many
    citations have no check yet (``unchecked``: the human formats say so; the
    JSON report, whose keys the contract fixes, leaves it out)."""
    results, unchecked = [], 0
    for r in iter_citation_results(store):
        if r is not None:
            results.append(r)
        else:
            unchecked += 1
    return {"checked_at": checked_at(store), "results": results, "unchecked": unchecked}


def unchecked_note(report: dict[str, Any]) -> str | None:
    """A sentence on the citations not checked yet, if any (None when there are none)."""
    n = int(report.get("unchecked") or 0)
    if not n:
        return None
    them = "them" if n != 1 else "it"
    return (f"{n} citation{'s' if n != 1 else ''} not checked yet (a cycle stopped before "
            f"{them}, or is still running): the next `archiver run` or `archiver check` "
            f"checks {them}.")


def broken_count(report: dict[str, Any]) -> int:
    return sum(1 for r in report["results"] if r["status"] in BROKEN)


def counts(report: dict[str, Any]) -> dict[str, int]:
    tally: dict[str, int] = {}
    for r in report["results"]:
        _count(tally, r["status"])
    return _ordered(tally)


class Tally:
    """The results read, by status, and the citations not checked yet (what the
    reports written as they read the store say above or below their rows)."""

    def __init__(self) -> None:
        self.by_status: dict[str, int] = {}
        self.results = 0
        self.unchecked = 0

    def checked(self, results: Iterable[dict[str, Any] | None]) -> Iterator[dict[str, Any]]:
        """The results of *results* (None: a citation not checked yet), counted."""
        for result in results:
            if result is None:
                self.unchecked += 1
                continue
            self.count(result["status"])
            yield result

    def count(self, status: str) -> None:
        """Count one result of *status*."""
        self.results += 1
        _count(self.by_status, status)

    def counts(self) -> dict[str, int]:
        """Counts by status, in :data:`STATUS_ORDER`."""
        return _ordered(self.by_status)

    def among(self, statuses: frozenset[str]) -> int:
        """How many results have one of *statuses*."""
        return sum(n for status, n in self.by_status.items() if status in statuses)


def _count(tally: dict[str, int], status: str) -> None:
    tally[status] = tally.get(status, 0) + 1


def _ordered(tally: dict[str, int]) -> dict[str, int]:
    """Counts by status, in :data:`STATUS_ORDER`."""
    return dict(sorted(tally.items(), key=lambda kv: STATUS_ORDER.get(kv[0], 99)))


_ENCODER = json.JSONEncoder(ensure_ascii=False)


def _indented(value: Any, level: int = 0) -> str:
    """``json.dumps(value, indent=2, ensure_ascii=False)``, byte for byte, for
    dicts with string keys, lists, strings, numbers, booleans and None (json's
    own indenting encoder is written in Python and took half the time of
    writing a report; this one leaves each string and number to json's C
    code). Anything else goes to ``json.dumps``."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    kind = type(value)
    if kind is str:
        return _ENCODER.encode(value)
    if kind is int:
        return int.__repr__(value)
    if kind is dict and all(type(k) is str for k in value):
        if not value:
            return "{}"
        pad = "\n" + "  " * (level + 1)
        return "{" + ",".join(pad + _ENCODER.encode(k) + ": " + _indented(v, level + 1)
                              for k, v in value.items()) + "\n" + "  " * level + "}"
    if kind is list:
        if not value:
            return "[]"
        pad = "\n" + "  " * (level + 1)
        return "[" + ",".join(pad + _indented(v, level + 1) for v in value) + "\n" \
            + "  " * level + "]"
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return text.replace("\n", "\n" + "  " * level) if level else text


def render_json(report: dict[str, Any]) -> str:
    shown = {"checked_at": report.get("checked_at"), "results": report["results"]}
    return json.dumps(shown, indent=2, ensure_ascii=False) + "\n"


def render_csv(report: dict[str, Any]) -> str:
    buf = io.StringIO()
    _write_csv(report["results"], buf)
    return buf.getvalue()


def _write_csv(results: Iterable[dict[str, Any]], out: TextIO) -> dict[str, int]:
    """Write *results* as csv to *out*; returns the counts by status."""
    tally: dict[str, int] = {}
    keys = [*RESULT_KEYS, "since", "printed"]
    writer = csv.DictWriter(out, fieldnames=keys, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for r in results:
        _count(tally, r["status"])
        writer.writerow({k: csv_cell(v) for k, v in r.items()} | {"flags": " ".join(r["flags"])})
    return _ordered(tally)


#: Characters Markdown (CommonMark, GitHub's tables) may read as markup inside a line.
_MD_MARKUP = re.compile(r"([\\`*_\[\]<>|~&])")
#: What a spreadsheet reads as the start of a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def md_text(value: object) -> str:
    """*value* as literal Markdown text on one line: what came from a page (a
    headline, a reason quoting it) cannot become a link, emphasis, HTML or a
    table cell boundary."""
    text = "" if value is None else str(value)
    return _MD_MARKUP.sub(r"\\\1", " ".join(text.split()))


def _md_advice(text: str) -> str:
    """An :func:`advice` in Markdown: its commands (between backticks) as code
    spans, the rest literal text (a moved page's address comes from its server)."""
    parts = " ".join(text.split()).split("`")
    if len(parts) % 2 == 0:  # a backtick not closed: all of it literal
        return md_text(text)
    return "".join(f"`{part}`" if i % 2 else _MD_MARKUP.sub(r"\\\1", part)
                   for i, part in enumerate(parts))


#: What a URL may hold to be written as a Markdown autolink (``<url>``).
_AUTOLINK = re.compile(r"https?://[^\s<>\x00-\x1f\x7f-\x9f`\\]+", re.IGNORECASE)


def md_url(url: str) -> str:
    """*url* as a Markdown autolink (``<http://...>``) when it can be one, else as
    literal text (:func:`md_text`): a URL from elsewhere (a redirect, an archive's
    API) cannot close the link and write markup after it."""
    return f"<{url}>" if _AUTOLINK.fullmatch(url) else md_text(url)


def csv_cell(value: object) -> object:
    """*value* as a CSV cell a spreadsheet shows as text: a string that would start
    a formula (``=cmd|...``) is given a leading apostrophe, as OWASP advises."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def render_md(report: dict[str, Any], replay_base: str = DEFAULT_BASE_URL) -> str:
    """Markdown for editors: events with broken citations first, what to fix and with what."""
    from .report_html import group_by_event

    return "".join([
        _md_head(report["checked_at"], len(report["results"]), counts(report),
                 int(report.get("unchecked") or 0)),
        *(_md_event(group, replay_base) for group in group_by_event(report)),
        COPIES_NOTE + "\n"])


def write_md(store: Store, out: TextIO, replay_base: str = DEFAULT_BASE_URL) -> dict[str, int]:
    """Write what ``render_md(build_report(store))`` returns, one event's results
    in memory at a time (:class:`~archiver.report_html.WorstFirst`); returns
    the counts by status."""
    from .report_html import WorstFirst

    events = WorstFirst(lambda group: _md_event(group, replay_base))
    try:
        tally = events.read(iter_citation_results(store))
        out.write(_md_head(checked_at(store), tally.results, tally.counts(), tally.unchecked))
        out.writelines(events.blocks())
    finally:
        events.close()
    out.write(COPIES_NOTE + "\n")
    return tally.counts()


def _md_head(checked: str | None, total: int, tally: dict[str, int], unchecked: int) -> str:
    lines = [f"# Citation check — {checked or 'never checked'}", ""]
    summary = ", ".join(f"{n} {s}" for s, n in tally.items())
    lines += [f"{total} citations: {summary or 'none'}.", ""]
    note = unchecked_note({"unchecked": unchecked})
    if note:
        lines += [note, ""]
    return "\n".join(lines) + "\n"


def _md_event(group: dict[str, Any], replay_base: str) -> str:
    """The Markdown of one event's results (a group of ``group_by_event``)."""
    from .report_html import replay_link

    lines: list[str] = []
    rows = group["results"]
    first = rows[0]
    facts = ", ".join(str(x) for x in (first.get("event_count"),
                                       first.get("event_mechanism")) if x)
    lines.append(f"## {md_text(first['event'])} — {md_text(first.get('event_country'))}"
                 f" {first.get('event_date') or '(no date)'}"
                 + (f" ({md_text(facts)})" if facts else ""))
    lines.append("")
    for r in rows:
        lines.append(f"- **{r['status']}** since {r.get('since') or '?'}: {md_url(r['url'])}")
        lines.append(f"  - {md_text(r['reason'])}")
        if r.get("advice"):
            lines.append(f"  - **to do:** {_md_advice(str(r['advice']))}")
        if r.get("printed") and r["printed"] != r["url"]:
            lines.append(f"  - as printed: {md_text(r['printed'])}")
        if r.get("final_url") and not same_request(r["final_url"], r["url"]):
            lines.append(f"  - now at: {md_url(r['final_url'])}")
        then, now = r.get("baseline_headline"), r.get("headline")
        if then and then == now:
            lines.append(f"  - headline: {md_text(now)} (as first captured)")
        elif then or now:
            lines.append(f"  - headline then: {md_text(then) or '—'}; now: "
                         f"{md_text(now) or '—'}")
        if r["flags"]:
            lines.append(f"  - flags: {', '.join(r['flags'])}")
        copies = []
        link = replay_link(r.get("snapshot_at"), r["url"], replay_base)
        if link:
            copies.append(f"our archived copy {md_url(link)} (on `archiver serve`)")
        wb = r.get("wayback")
        if isinstance(wb, dict) and wb.get("url"):
            copies.append(f"Wayback Machine {md_url(str(wb['url']))}")
        if copies and r["status"] != "alive":
            lines.append(f"  - archived copies: {'; '.join(copies)}")
    lines.append("")
    return "\n".join(lines) + "\n"


#: Where the report's archived copies are, and which of them to cite.
COPIES_NOTE = (
    "Our archived copies are replay links on `archiver serve`, on the machine that keeps "
    "the archive: to check a page as first captured, not to cite. To cite a copy, use a "
    "public one: the Wayback Machine's (listed when `[wayback] enabled = true` in "
    "archiver.toml), or publish the event's own package (`archiver export --wacz FILE "
    "--event ID`).")


def render_table(report: dict[str, Any], width: int | None = None) -> str:
    """The terminal table of *report* (:mod:`archiver.report_table`), as text."""
    from .report_table import render_table as render

    return render(report, width)


def write_html(store: Store, out: TextIO) -> dict[str, int]:
    """Write what ``render_html(build_report(store))`` returns, one event's
    results in memory at a time (:mod:`archiver.report_html`); returns the
    counts by status."""
    from .report_html import write_html as write

    return write(store, out)


def write_junit(store: Store, out: TextIO) -> dict[str, int]:
    """Write what ``render_junit(build_report(store))`` returns, one event's
    results in memory at a time (:mod:`archiver.report_html`); returns the
    counts by status."""
    from .report_html import write_junit as write

    return write(store, out)


def write_table(store: Store, out: TextIO) -> dict[str, int]:
    """Write what ``render_table(build_report(store))`` returns, a few rows at a
    time (:mod:`archiver.report_table`); returns the counts by status."""
    from .report_table import write_table as write

    return write(store, out)


RENDERERS = {"json": render_json, "csv": render_csv, "md": render_md, "table": render_table}


# --------------------------------------------------------------------------
# written as read: json and csv

def write_json(store: Store, out: TextIO) -> dict[str, int]:
    """Write what ``render_json(build_report(store))`` returns; returns the counts by status."""
    tally: dict[str, int] = {}
    out.write('{\n  "checked_at": ' + json.dumps(checked_at(store), ensure_ascii=False)
              + ',\n  "results": [')
    separator = "\n    "
    for result in iter_results(store):
        _count(tally, result["status"])
        out.write(separator + _indented(result, 2))
        separator = ",\n    "
    out.write("\n  ]\n}\n" if tally else "]\n}\n")
    return _ordered(tally)


def write_csv(store: Store, out: TextIO) -> dict[str, int]:
    """Write what ``render_csv(build_report(store))`` returns; returns the counts by status."""
    return _write_csv(iter_results(store), out)


#: The formats :func:`write_report` writes as it reads the store.
STREAMED = {"json": write_json, "csv": write_csv, "table": write_table, "md": write_md,
            "html": write_html, "junit": write_junit}


def write_report(store: Store, fmt: str, out: TextIO) -> dict[str, int]:
    """Write the report of *store* in *fmt* to *out*; returns the number of results by status.

    Every format is written a few results at a time (``md``, ``html`` and
    ``junit``, one event's).
    """
    writer = STREAMED.get(fmt)
    if writer is not None:
        return writer(store, out)
    report = build_report(store)
    out.write(RENDERERS[fmt](report))
    return counts(report)
