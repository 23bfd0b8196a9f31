"""What the dashboard's pages show, as plain JSON-ready values.

Each HTML page of the dashboard renders one of these models, and its ``.json``
twin serves the same model as JSON: :func:`index_model` for ``/`` and
:func:`citation_model` for ``/citation/<id>``. They only read: the store (opened
read-only by the app) and the WARC files (through :mod:`archiver.retrieval`).

The text diff compares the main text of the first snapshot (kept in the store's
baseline) with the main text of the latest capture, extracted again from the
payload in the WARC file, so the diff always shows what is really archived.

Every capture listed is checked against the digests recorded when it was
written (:func:`capture_problem`, as ``archiver verify`` checks it; one an
earlier version wrote, without its record's SHA-256, against its file's, as
``archiver get`` checks it): a copy that differs, or whose file is missing, is
named with its file and offset and offered for no replay.
"""

from __future__ import annotations

import difflib
import functools
import json
import logging
import re
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from markupsafe import Markup

from .. import cpupool
from ..evidence import FileVerdicts, response_location, revisit_differs
from ..exceptions import ArchiverError
from ..exchange import request_key
from ..models import Baseline
from ..report import STATUS_ORDER, Tally, checked_at, citation_result
from ..report_html import COLLECTION, WorstFirst, replay_timestamp, replay_url
from ..retrieval import read_payload_start, verify_records
from ..store import Store, iso
from ..warc import RecordLocation
from ..workerproc import JobTimedOut, WorkerDied, run_apart

LOGGER = logging.getLogger(__name__)

#: Most lines of a text diff shown (the rest is summarised).
MAX_DIFF_LINES = 1500
#: Width at which long sentences are wrapped before diffing.
DIFF_WIDTH = 100
#: Most payload bytes read back to extract the latest text, and most bytes it is
#: inflated to (a cycle's ``fetch.max_decoded_bytes``, by default).
MAX_PAYLOAD_BYTES = 20 * 1024 * 1024
#: Most checks and captures listed on a citation page (the latest ones).
MAX_TIMELINE = 500

CITATION_KEYS = (
    "id", "event_id", "url", "printed", "status", "since", "rule", "reason", "http_status",
    "final_url", "headline", "published", "consecutive_failures", "first_failure_at",
    "last_checked", "active",
)
CHECK_KEYS = ("checked_at", "status", "rule", "reason", "http_status", "final_url",
              "headline", "published", "capture_id", "consecutive_failures")
CAPTURE_KEYS = ("id", "url", "fetched_at", "http_status", "content_type", "record_type",
                "payload_digest", "body_size", "truncated", "location", "warc_file",
                "warc_offset", "warc_length", "refers_to", "headline", "published")


def capture_replay(capture: dict[str, Any], replay_base: str,
                   collection: str = COLLECTION) -> str | None:
    """The framed replay URL of one capture (its URL at its own timestamp)."""
    ts = replay_timestamp(capture.get("fetched_at"))
    url = capture.get("url")
    if ts is None or not isinstance(url, str):
        return None
    if not url.lower().startswith(("http://", "https://")):
        return None
    return replay_url(replay_base, collection, ts, url)


class Index:
    """``/``'s model (:func:`index_model`): its fields but the events, and the
    events' blocks, each rendered as its citations were read and filed by its
    worst status (:class:`~archiver.report_html.WorstFirst`), written out once
    by :meth:`html_blocks` or :meth:`json_text`. Close it when done."""

    def __init__(self, head: dict[str, Any], events: WorstFirst) -> None:
        self.head = head
        self.events = events

    def html_blocks(self) -> Iterator[Markup]:
        """The events' sections, worst first (HTML: rendered by our templates)."""
        return (Markup(block) for block in self.events.blocks())  # noqa: S704

    def json_text(self) -> Iterator[str]:
        """The model as ``json.dumps(model, indent=2)`` writes it, a piece at a time."""
        head = {k: v for k, v in self.head.items() if k not in _AFTER_EVENTS}
        tail = {k: self.head[k] for k in _AFTER_EVENTS}
        yield dumps(head)[:-2] + ',\n  "events": ['  # (less its closing "\n}")
        first = True
        for piece in self.events.blocks():  # each block starts with ",\n"
            yield piece[1:] if first else piece
            first = False
        yield ("]" if first else "\n  ]") + ",\n" + dumps(tail)[2:] + "\n"

    def close(self) -> None:
        self.events.close()


#: The keys of ``/``'s model after ``events`` (its JSON keeps the order).
_AFTER_EVENTS = ("unchecked", "replay_base", "collection")


def dumps(value: Any) -> str:
    """A page's model as its ``.json`` twin writes it (and the index, in pieces)."""
    return json.dumps(value, ensure_ascii=False, indent=2, default=str)


def json_event(group: dict[str, Any]) -> str:
    """One event of ``/index.json``'s ``events``, as an item of that list (after
    ``",\n"``): indented as ``json.dumps`` indents the whole model."""
    return ",\n" + "\n".join("    " + line for line in dumps(group).split("\n"))


def index_model(store: Store, replay_base: str, collection: str = COLLECTION,
                statuses: frozenset[str] = frozenset(), event: str | None = None,
                render: Callable[[dict[str, Any]], str] = json_event) -> Index | None:
    """``/``: the checked citations, grouped by event, worst first; only those
    of *statuses* when given, and of *event* when given (``counts`` and
    ``total`` are the whole archive's, ``shown`` the citations listed).
    None when *event* is no event of the sources.

    The citations are read once, in sources order; each event's is rendered by
    *render* (:func:`json_event`, or ``report_html.event_renderer``'s) as its citations
    end and kept, by its worst status, in a temporary file, so that one
    event's citations are held at a time whatever the archive's size."""
    whole = Tally()
    unchecked: list[dict[str, Any]] = []
    found = event is None

    def shown() -> Iterator[dict[str, Any]]:
        nonlocal found
        for c in store.iter_citations():
            listed = event is None or c["event_id"] == event
            found = found or listed
            if not c["status"]:
                whole.unchecked += 1
                if listed and not statuses:
                    unchecked.append({"id": c["id"], "event": c["event_id"], "url": c["url"],
                                      "href": f"/citation/{c['id']}"})
                continue
            whole.count(c["status"])
            if listed and (not statuses or c["status"] in statuses):
                r = citation_result(c)
                r["id"], r["href"] = c["id"], f"/citation/{c['id']}"
                yield r

    events = WorstFirst(render)
    try:
        shown_tally = events.read(shown())
    except BaseException:
        events.close()
        raise
    if not found:
        events.close()
        return None
    return Index({
        "checked_at": checked_at(store),
        "counts": whole.counts(),
        "total": whole.results,
        "shown": shown_tally.results,
        "filter": {"status": sorted(statuses, key=lambda s: STATUS_ORDER.get(s, 99)),
                   "event": event},
        "unchecked": unchecked,
        "replay_base": replay_base,
        "collection": collection,
    }, events)


def _citation_row(store: Store, citation_id: int) -> dict[str, Any] | None:
    return next(store.iter_citations(active_only=False, citation_id=citation_id), None)


def capture_problem(store: Store, warc_dir: Path, capture: dict[str, Any],
                    seen: dict[tuple[str, int], str | None] | None = None,
                    files: FileVerdicts | None = None) -> str | None:
    """What is wrong with a capture's archived copy, as ``file@offset: problem``;
    None when its record (and a revisit's original) matches the recorded digests.

    A record an earlier version wrote, without a SHA-256 of its own, is
    vouched for by its file's, as ``get`` vouches for it: its WARC headers
    that no digest covers are covered by nothing else. *files* keeps the
    verdict of each file while it stays as it is (the dashboard's, kept for
    the process: a multi-GB file is not hashed at every request).

    *seen* keeps the answers already found, by record: revisits of one page
    share their original. A revisit whose row says of its body (whether it was
    cut, its size) what its original's does not is named too, as ``verify``
    names it (:func:`archiver.evidence.revisit_differs`).
    """
    if not capture.get("warc_file"):
        return None  # no record was written for it
    rows = [capture]
    if capture.get("record_type") == "revisit" and capture.get("refers_to"):
        original = store.capture(int(capture["refers_to"]))
        if original is not None and original.get("warc_file"):
            rows.append(original)
    seen = {} if seen is None else seen
    files = FileVerdicts() if files is None else files
    for row in rows:
        loc = response_location(row)
        key = (loc.filename, loc.offset)
        if key not in seen:
            problems = verify_records(warc_dir, [loc])
            seen[key] = None if not problems else \
                f"{problems[0].filename}@{problems[0].offset}: {problems[0].message}"
            if seen[key] is None and loc.sha256 is None:
                seen[key] = _file_problem(store, warc_dir, loc, files)
        if seen[key] is not None:
            return seen[key]
    differs = revisit_differs(capture, rows[1]) if len(rows) > 1 else []
    return f"{capture['warc_file']}@{capture['warc_offset']}: {differs[0]}" if differs else None


def _file_problem(store: Store, warc_dir: Path, loc: RecordLocation,
                  files: FileVerdicts) -> str | None:
    """What makes the file of *loc*, a record without a SHA-256 of its own, not
    the file written, as ``file@offset: problem``; None when it is that file."""
    problem = files.problem(warc_dir, loc.filename, store.recorded_sha256(loc.filename))
    if problem is None:
        return None
    return (f"{loc.filename}@{loc.offset}: {problem} (a capture an earlier version wrote, "
            "with no SHA-256 of its record: its file's vouches for it)")


def replay_problem(store: Store, warc_dir: Path, url: str, timestamp: str,
                   files: FileVerdicts | None = None) -> str | None:
    """What is wrong with the capture of *url* taken at *timestamp* (14 digits), the
    one a replay link names; None when it matches its digests or is not one of ours.

    *url* as the link writes it, the cited form (``HTTP://HOST/./a``): found
    under the form it was requested in, which the store keys captures by."""
    seen: dict[tuple[str, int], str | None] = {}
    files = FileVerdicts() if files is None else files  # one for all its captures
    for row in store.captures_of_cited(url):
        if replay_timestamp(row.get("fetched_at")) == timestamp:
            problem = capture_problem(store, warc_dir, row, seen, files)
            if problem is not None:
                return problem
    return None


def capture_text(store: Store, warc_dir: Path, capture: dict[str, Any]) -> str | None:
    """The main text of a capture's payload, extracted again from the WARC file.

    ``None`` when the capture is not a 2xx response, or cannot be read.
    """
    status = capture.get("http_status")
    if not isinstance(status, int) or not 200 <= status < 300:
        return None
    original: RecordLocation | None = None
    if capture.get("record_type") == "revisit":
        ref = store.capture(int(capture["refers_to"])) if capture.get("refers_to") else None
        if ref is None:
            return None
        original = response_location(ref)
    try:
        # what a cycle's extraction reads: the body cut at the bound, inflated
        # no further (a few hundred KB of gzip can inflate to gigabytes)
        raw, codings = read_payload_start(warc_dir, response_location(capture),
                                          MAX_PAYLOAD_BYTES, original=original)
    except (ArchiverError, OSError, ValueError) as exc:
        LOGGER.warning("cannot read capture %s: %s", capture.get("id"), exc)
        return None
    content_type = capture.get("content_type")
    # in a process of its own, stopped past the limit a cycle sets (a request
    # thread cannot be stopped; a page a cycle left unread would hold it)
    # (cpupool.extract_body: a cycle's extraction, *raw* inflated to the same bound)
    reading = functools.partial(
        cpupool.extract_body, raw, codings or None,
        content_type if isinstance(content_type, str) else None, str(capture["url"]),
        MAX_PAYLOAD_BYTES)
    try:
        page = run_apart(reading, (), cpupool.JOB_SECONDS)
    except (JobTimedOut, WorkerDied):
        LOGGER.warning("capture %s: page left unread: its extraction ran past %g s or failed",
                       capture.get("id"), cpupool.JOB_SECONDS)
        return None
    return page.text if page is not None else None


_SENTENCE_END = re.compile(r"(?<=[.!?\u2026\u3002\uff01\uff1f])\s*(?=[^\s.!?,;:)\]\"'\u2026])")


def diff_lines(text: str, width: int = DIFF_WIDTH) -> list[str]:
    """*text* cut into sentences, each wrapped at *width*: what a diff compares."""
    out: list[str] = []
    for paragraph in text.splitlines():
        for sentence in _SENTENCE_END.split(paragraph):
            sentence = sentence.strip()
            if sentence:
                out.extend(textwrap.wrap(sentence, width, break_long_words=True) or [""])
    return out


def text_diff(before: str, after: str) -> list[dict[str, str]]:
    """A unified diff of two texts, line by line, as ``{"kind", "text"}`` items.

    ``kind`` is ``add``, ``del``, ``hunk`` or ``same``. Bounded to
    :data:`MAX_DIFF_LINES` items.
    """
    lines: list[dict[str, str]] = []
    diff = difflib.unified_diff(diff_lines(before), diff_lines(after), "first snapshot",
                                "latest capture", lineterm="", n=1)
    for i, line in enumerate(diff):
        if i < 2:
            continue  # the ---/+++ file header
        if len(lines) >= MAX_DIFF_LINES:
            lines.append({"kind": "hunk", "text": "… (diff cut short)"})
            break
        if line.startswith("@@"):
            kind = "hunk"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "del"
        else:
            kind = "same"
        lines.append({"kind": kind, "text": line})
    return lines


def _diff_model(store: Store, warc_dir: Path, baseline: Baseline | None,
                captures: list[dict[str, Any]], problems: dict[int, str | None],
                ) -> dict[str, Any]:
    latest = captures[-1] if captures else None
    answered = latest is not None and isinstance(latest.get("http_status"), int) \
        and 200 <= latest["http_status"] < 300
    model: dict[str, Any] = {
        "baseline_captured_at": iso(baseline.captured_at) if baseline else None,
        "latest_capture_id": latest["id"] if latest else None,
        "latest_captured_at": latest["fetched_at"] if latest else None,
        "available": False, "identical": False, "lines": [],
    }
    if baseline is None or latest is None:
        model["note"] = "no first snapshot" if baseline is None else "no capture"
        return model
    if not answered:  # a dead page's 404, say: no text to set against the first snapshot
        model["note"] = f"the latest capture is HTTP {latest.get('http_status')}, not a page"
        return model
    problem = problems.get(int(latest["id"]))
    if problem is not None:
        model["note"] = (f"the latest capture does not match what was recorded when it was "
                         f"written ({problem}); `archiver verify` lists what is wrong")
        return model
    after = capture_text(store, warc_dir, latest)
    if after is None:
        model["note"] = "the latest capture could not be read back"
        return model
    lines = text_diff(baseline.page.text, after)
    model.update(available=True, identical=not lines, lines=lines)
    return model


def citation_model(store: Store, warc_dir: Path, citation_id: int, replay_base: str,
                   collection: str = COLLECTION,
                   files: FileVerdicts | None = None) -> dict[str, Any] | None:
    """``/citation/<id>``: one citation, its timeline of checks and captures, its diff."""
    files = FileVerdicts() if files is None else files  # one for all its captures
    row = _citation_row(store, citation_id)
    if row is None:
        return None
    url = row["url"]
    citation = {k: row.get(k) for k in CITATION_KEYS}
    citation["flags"] = json.loads(row.get("flags") or "[]")
    event = store.event(row["event_id"])
    baseline = store.baseline(url)
    checks = store.checks_of(row["event_id"], url)[-MAX_TIMELINE:]
    capture_rows: dict[int, dict[str, Any]] = {}
    for c in store.captures_of_cited(url):
        capture_rows[int(c["id"])] = c
    for check in checks:
        cid = check.get("capture_id")
        if cid is not None and int(cid) not in capture_rows:
            cap = store.capture(int(cid))
            if cap is not None:
                capture_rows[int(cid)] = cap
    # in the order they were made (not by their dates: see Store.captures_of_cited)
    ordered = sorted(capture_rows.values(), key=lambda c: int(c["id"]))
    ordered = ordered[-MAX_TIMELINE:]
    captures = []
    seen: dict[tuple[str, int], str | None] = {}
    problems: dict[int, str | None] = {}
    for c in ordered:
        item = {k: c.get(k) for k in CAPTURE_KEYS}
        problem = problems[int(c["id"])] = capture_problem(store, warc_dir, c, seen, files)
        item["digest_problem"] = problem
        item["replay"] = None if problem else capture_replay(c, replay_base, collection)
        captures.append(item)
    landed = row["final_url"] or url  # recorded as requested: no #fragment
    final_captures = [c for c in ordered if c["url"] in (landed, request_key(landed))] or ordered
    return {
        "citation": citation,
        "event": event,
        "baseline": None if baseline is None else {
            "captured_at": iso(baseline.captured_at),
            "final_url": baseline.final_url,
            "headline": baseline.page.headline,
            "published": baseline.page.published.isoformat()
            if baseline.page.published else None,
            "payload_digest": baseline.payload_digest,
        },
        "checks": [{k: c.get(k) for k in CHECK_KEYS}
                   | {"flags": json.loads(c.get("flags") or "[]")} for c in checks],
        "transitions": [{k: t.get(k) for k in ("at", "from_status", "to_status", "reason")}
                        for t in store.transitions_of(row["event_id"], url)],
        "captures": captures,
        "first_replay": captures[0]["replay"] if captures else None,
        "first_problem": captures[0]["digest_problem"] if captures else None,
        "diff": _diff_model(store, warc_dir, baseline, final_captures, problems),
        "replay_base": replay_base,
        "collection": collection,
    }
