"""Checking one WARC record read back: is it the record the archive database
names, and do its bytes match its digests?

:func:`check_member` reads a record inflated from its gzip member (the
reading is :mod:`archiver.retrieval`'s) and returns what is wrong with it,
each a :class:`Problem`, where a record without fault gives ``[]``:

* the record there is not the one recorded (``wrong-record``), or is of
  another URL, dated otherwise, or a revisit of another original than the
  database says (``wrong-target``, ``wrong-date``, ``wrong-original``);
* its digest headers are not the digests recorded, or its block and payload
  do not match them (``block-digest``, ``payload-digest``);
* its head does not parse, or its length is not its Content-Length
  (``unreadable``);
* it is of another type than the database says (``wrong-type``);
* what the database says of a response's or revisit's exchange is not what
  the record says (``wrong-response``): its HTTP status, Content-Type and
  Location, the address connected to (WARC-IP-Address), and a response's
  truncation and body size (a revisit's body is its original's: see
  :func:`archiver.evidence.revisit_differs`).

Both ``get`` and ``verify`` check a record so: ``get`` writes nothing from a
record with a problem, ``verify`` names every problem it finds. A member whose
SHA-256 is not the one recorded when it was written (checked as it is
inflated) counts only when nothing here tells what changed
(:func:`and_the_member`). Nothing here opens a file.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import IO, Any

from .responsehead import STATUS_LINE, first_value
from .store import parse_iso
from .warc import RecordLocation, warc_truncated
from .warcread import MemberError, parse_warc_head

#: Bytes of a record's block hashed at a time.
_CHUNK = 1024 * 1024
#: The white space of a header value (an obs-fold line break included).
_SPACES = re.compile(r"[ \t\r\n]+")


@dataclass(frozen=True)
class Problem:
    """One thing ``verify`` found wrong."""

    filename: str
    offset: int | None  # None for a whole-file problem
    kind: str  # missing | unreadable | wrong-record | block-digest | payload-digest
    #            | wrong-response | changed | unrecorded | unnamed | ...
    message: str


def _new_digest(stored: str) -> tuple[Any, str] | None:
    algo, sep, value = stored.partition(":")
    if not sep:
        return None
    try:
        return hashlib.new(algo.lower()), value
    except ValueError:
        return None


def _digest_matches(h: Any, value: str) -> bool:
    import base64

    raw = h.digest()
    return value in (base64.b32encode(raw).decode(), base64.b32encode(raw).decode().rstrip("="),
                     raw.hex(), raw.hex().upper(), base64.b64encode(raw).decode())


def and_the_member(whole: list[Problem], found: list[Problem]) -> list[Problem]:
    """*found*, and the member's own problem (*whole*: its SHA-256 differs) when
    nothing else tells what changed: a digest that fails says it better."""
    return found if any(p.kind.endswith("-digest") for p in found) else found + whole


def _same_time(warc_date: str | None, iso: str) -> bool:
    """True when *warc_date* (a WARC-Date) is the instant *iso* (ISO 8601) is."""
    try:
        return warc_date is not None and parse_iso(warc_date) == parse_iso(iso)
    except ValueError:
        return False


def check_member(raw: IO[bytes], loc: RecordLocation) -> list[Problem]:
    """What is wrong with the record at *loc*, inflated in *raw* (read from its start)."""
    def problem(kind: str, message: str) -> list[Problem]:
        return [Problem(loc.filename, loc.offset, kind, message)]

    head = raw.read(64 * 1024)
    try:
        headers, head_len = parse_warc_head(head)
    except MemberError as exc:
        return problem("unreadable", str(exc))
    if headers.get("warc-record-id") != loc.record_id:
        return problem("wrong-record", f"record {headers.get('warc-record-id')} is there, "
                                       f"not {loc.record_id}")
    found: list[Problem] = []
    target = headers.get("warc-target-uri")
    if loc.target_uri is not None and target != loc.target_uri:
        found += problem("wrong-target", f"the record is of {target}, not of "
                                         f"{loc.target_uri} as the archive database says")
    if loc.date is not None and not _same_time(headers.get("warc-date"), loc.date):
        found += problem("wrong-date", f"the record is dated {headers.get('warc-date')}, "
                                       f"not {loc.date} as the archive database says")
    if loc.refers_to is not None and headers.get("warc-refers-to") != loc.refers_to:
        found += problem("wrong-original", f"the revisit refers to "
                                           f"{headers.get('warc-refers-to')}, not to "
                                           f"{loc.refers_to} as the archive database says")
    if headers.get("warc-type") != loc.record_type:
        found += problem("wrong-type", f"the record is a {headers.get('warc-type')} record, "
                                       f"not a {loc.record_type} as the archive database says")
    stored_block = headers.get("warc-block-digest", "")
    if stored_block != loc.block_digest:
        found += problem("block-digest", "the block digest in the record differs from "
                                         "the recorded one")
    stored_payload = headers.get("warc-payload-digest")
    if loc.payload_digest is not None and stored_payload != loc.payload_digest:
        found += problem("payload-digest", "the payload digest in the record differs "
                                           "from the recorded one")
    try:
        length = int(headers.get("content-length", ""))
    except ValueError:
        return found + problem("unreadable", "no valid Content-Length")
    block_h = _new_digest(stored_block)
    payload_h = _new_digest(stored_payload) if (
        stored_payload and headers.get("warc-type") in ("response", "resource")) else None
    raw.seek(head_len)
    left = length
    http_head = b""
    in_body = headers.get("warc-type") == "resource"
    first = b""  # the block's first piece: the HTTP head of a response or revisit
    while left > 0:
        buf = raw.read(min(_CHUNK, left))
        if not buf:
            break
        if not first:
            first = buf
        left -= len(buf)
        if block_h:
            block_h[0].update(buf)
        if payload_h:
            if not in_body:
                http_head += buf
                end = http_head.find(b"\r\n\r\n")
                if end >= 0:
                    in_body = True
                    payload_h[0].update(http_head[end + 4:])
                    http_head = b""
                else:  # keep only what may start a CRLFCRLF cut by the chunk boundary
                    http_head = http_head[-3:]
            else:
                payload_h[0].update(buf)
    if left > 0 or raw.read(4) != b"\r\n\r\n" or raw.read(1):
        return found + problem("unreadable", "the record's length differs from its "
                                             "Content-Length")
    if block_h is None or not _digest_matches(*block_h):
        found += problem("block-digest", "the block digest does not match the bytes")
    if payload_h is not None and not _digest_matches(*payload_h):
        found += problem("payload-digest", "the payload digest does not match the bytes")
    if headers.get("warc-type") in ("response", "revisit"):
        found += [Problem(loc.filename, loc.offset, "wrong-response", message)
                  for message in _response_differs(loc, headers, first, length)]
    return found


def _response_differs(loc: RecordLocation, headers: dict[str, str], first: bytes,
                      length: int) -> list[str]:
    """How the response or revisit record at *loc* (its WARC *headers*, its
    block's first piece *first* and its *length*) differs from what the
    database says of it: status code, why the body was cut, the body's size
    (what ``get`` tells of a capture), the address connected to, the
    Content-Type and Location (what the dashboard shows of a capture)."""
    said: list[str] = []
    line = STATUS_LINE.match(first)
    status = int(line.group(1)) if line else None
    if loc.http_status is not None and status != loc.http_status:
        said.append(f"the record's HTTP status is {status}, not {loc.http_status} as the "
                    "archive database says")
    ip = headers.get("warc-ip-address", "")
    if loc.ip is not None and ip != loc.ip:
        said.append(f"the record's WARC-IP-Address is {ip or 'absent'}, not "
                    f"{loc.ip or 'absent'} as the archive database's ip says")
    end = first.find(b"\r\n\r\n")
    for column, name, said_value in (("content_type", b"content-type", loc.content_type),
                                     ("location", b"location", loc.http_location)):
        if said_value is None:
            continue
        value = first_value(first[:end], name) if end >= 0 else None
        text = _folded("" if value is None else value.decode("latin-1"))
        if text != _folded(said_value):
            said.append(f"the record's HTTP {name.decode().title()} is {_shown(text)}, not "
                        f"{_shown(said_value)} as the archive database's {column} says")
    cut = headers.get("warc-truncated", "")
    # (the database's word for a connection broken mid-body is "error", which an
    # earlier version wrote in the record too: WARC 1.1's is "disconnect")
    if loc.truncated is not None and cut != loc.truncated \
            and not (loc.truncated and cut == warc_truncated(loc.truncated)):
        said.append(f"the record says its body was {'cut: ' + cut if cut else 'not cut'}, "
                    f"the archive database that it was "
                    f"{'cut: ' + loc.truncated if loc.truncated else 'not cut'}")
    size = length - end - 4 if end >= 0 else None
    if loc.body_size is not None and size != loc.body_size:
        said.append(f"the record's body is {size} bytes, not {loc.body_size} as the "
                    "archive database says")
    return said


def _shown(value: str) -> str:
    return repr(value) if value else "absent"


def _folded(value: str) -> str:
    """*value* with each run of spaces, tabs and line ends one space, none at
    either end: a header value as the fetcher read it, and as the head holds it
    (folded over lines, spaces around it)."""
    return _SPACES.sub(" ", value).strip(" ")
