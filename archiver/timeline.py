"""The history of one cited URL: ``archiver report --timeline URL``.

Everything the archive knows about a citation, in time order:

* every **check** (time, status, HTTP status, reason, the event citing it);
* every **capture** (time, WARC record type ``response`` or ``revisit``,
  WARC file and offset, HTTP status) of the URL and of the final hop of its
  redirect chains;
* every **transition** of its status (time, from → to, reason).

Formats: ``table`` (plain text, also ``text``), ``md``, ``json`` and ``csv``.
The URL may be given as checked (in any of its forms: the citations of
``http://host/a`` and of ``http://HOST/a#main`` are of one URL) or as printed
in the report; an unknown URL is an :class:`~archiver.exceptions.InputError`
naming it. Reads only.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from .exceptions import InputError
from .report import citation_rows, csv_cell, md_text
from .store import Store

FORMATS = ("table", "text", "md", "json", "csv")
_ORDER = {"capture": 0, "check": 1, "transition": 2}


def _citations_of(store: Store, url: str) -> list[dict[str, Any]]:
    """The citations of *url* as checked, in any form of it (``http://HOST/a#b``
    is ``http://host/a``: one URL requested, with one first snapshot), those
    written as *url* first; when there is none, as printed."""
    wanted = url.strip()
    found = [dict(r) for r in store.iter_citations(active_only=False, url=wanted)]
    if found:
        return sorted(found, key=lambda r: r["url"] != wanted)  # (a stable sort)
    return [dict(r) for r in citation_rows(store, active_only=False)
            if r["printed"] == wanted]


def timeline(store: Store, url: str) -> dict[str, Any]:
    """The timeline of *url* as data (what every format renders)."""
    citations = _citations_of(store, url)
    if not citations:
        raise InputError(f"{url}: not a cited URL of this archive (check the sources file "
                         "and the spelling, or run `archiver run` first)")
    checked_url = citations[0]["url"]
    entries: list[dict[str, Any]] = []
    extra_captures: set[int] = set()
    for c in citations:
        for row in store.checks_of(c["event_id"], c["url"]):
            entries.append({
                "time": row["checked_at"], "kind": "check", "event_id": c["event_id"],
                "status": row["status"], "http_status": row["http_status"],
                "reason": row["reason"], "cycle": row["cycle_id"],
            })
            if row["capture_id"]:
                extra_captures.add(int(row["capture_id"]))
        for row in store.transitions_of(c["event_id"], c["url"]):
            entries.append({
                "time": row["at"], "kind": "transition", "event_id": c["event_id"],
                "from_status": row["from_status"], "to_status": row["to_status"],
                "reason": row["reason"],
            })
    captures = store.captures_of_cited(checked_url)
    capture_ids = {int(r["id"]) for r in captures}
    for cid in sorted(extra_captures - capture_ids):
        extra = store.capture(cid)
        if extra is not None:
            captures.append(extra)
    for row in captures:
        entries.append({
            "time": row["fetched_at"], "kind": "capture", "url": row["url"],
            "record_type": row["record_type"], "http_status": row["http_status"],
            "warc_file": row["warc_file"], "warc_offset": row["warc_offset"],
            "payload_digest": row["payload_digest"],
        })
    entries.sort(key=lambda e: (str(e["time"] or ""), _ORDER[e["kind"]]))
    return {
        "url": checked_url,
        "citations": [{"event_id": c["event_id"], "url": c["url"], "printed": c["printed"],
                       "status": c["status"], "since": c["since"],
                       "active": bool(c["active"])} for c in citations],
        # as the report gives it: the URL's earliest capture (a redirect's later hop too)
        "first_captured": citations[0]["first_captured"],
        "entries": entries,
    }


def _describe(e: dict[str, Any]) -> str:
    if e["kind"] == "check":
        http = f" HTTP {e['http_status']}" if e["http_status"] is not None else ""
        return f"{e['status']}{http} [{e['event_id']}]: {e['reason'] or ''}".rstrip(": ")
    if e["kind"] == "capture":
        http = f"HTTP {e['http_status']} " if e["http_status"] is not None else ""
        target = f" of {e['url']}" if e.get("url") else ""
        return f"{e['record_type']}{target} {http}in {e['warc_file']} @{e['warc_offset']}"
    return (f"{e['from_status'] or '(new)'} -> {e['to_status']} [{e['event_id']}]: "
            f"{e['reason'] or ''}").rstrip(": ")


def _as_written(citation: dict[str, Any], data: dict[str, Any]) -> str:
    """`` as <url>`` for a citation written otherwise than the timeline's URL."""
    return "" if citation["url"] == data["url"] else f" as {citation['url']}"


def _text(data: dict[str, Any]) -> str:
    lines = [f"Timeline of {data['url']}"]
    for c in data["citations"]:
        lines.append(f"  cited by {c['event_id']}{_as_written(c, data)}: "
                     f"{c['status'] or 'not checked'} since {c['since'] or '-'}"
                     + ("" if c["active"] else " (no longer cited)"))
    lines.append(f"  first captured {data['first_captured'] or '-'}")
    lines.append("")
    for e in data["entries"]:
        lines.append(f"{e['time']}  {e['kind']:<10}  {_describe(e)}")
    if not data["entries"]:
        lines.append("(no check or capture yet)")
    return "\n".join(lines) + "\n"


def _md(data: dict[str, Any]) -> str:
    lines = [f"# Timeline of <{data['url']}>", ""]
    for c in data["citations"]:
        lines.append(f"- cited by `{c['event_id']}`{md_text(_as_written(c, data))}: "
                     f"**{c['status'] or 'not checked'}** since {c['since'] or '-'}"
                     + ("" if c["active"] else " (no longer cited)"))
    lines += [f"- first captured: {data['first_captured'] or '-'}", "",
              "| time | kind | what |", "|---|---|---|"]
    for e in data["entries"]:
        lines.append(f"| {md_text(e['time'])} | {e['kind']} | {md_text(_describe(e))} |")
    return "\n".join(lines) + "\n"


def _csv(data: dict[str, Any]) -> str:
    out = io.StringIO()
    cols = ["time", "kind", "event_id", "status", "from_status", "to_status", "http_status",
            "reason", "record_type", "url", "warc_file", "warc_offset"]
    writer = csv.DictWriter(out, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for e in data["entries"]:
        writer.writerow({k: csv_cell(v) for k, v in e.items()})
    return out.getvalue()


def render_timeline(store: Store, url: str, fmt: str) -> str:
    """The timeline of *url* rendered as *fmt* (table/text, md, json or csv)."""
    if fmt not in FORMATS:
        shown = ", ".join(f for f in FORMATS if f != "text")  # (the table's other name)
        raise InputError(f"--timeline is available as {shown}, not {fmt}")
    data = timeline(store, url)
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if fmt == "md":
        return _md(data)
    if fmt == "csv":
        return _csv(data)
    return _text(data)
