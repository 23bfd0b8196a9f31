"""The head of an HTTP/1.1 response: as received, and as browsers read it.

The fetcher (``http11.py``) parses a response with llhttp. When llhttp
refuses a head that browsers read (a header line they read past, spaces
before a colon, a length given twice with one value), the head is read again
here as they read it (:func:`read_again`) and handed to llhttp anew; the
record keeps the head as it came (:func:`final_head`).

Example::

    read_again(b"HTTP/1.1 200 OK\r\nX-Broken\r\nContent-Length: 2\r\n\r\nhi")
    # b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["STATUS_LINE", "as_browsers_read", "fields", "final_head", "final_head_here",
           "first_value", "heads", "may_read_again", "read_again", "read_past", "spaced_name",
           "unsure_framing"]

#: The blank line that ends a head (a bare LF ends a line too).
_HEAD_END = re.compile(rb"\r?\n\r?\n")
#: A status line's start, its code the group.
STATUS_LINE = re.compile(rb"HTTP/[0-9.]+[ \t]+([0-9]{3})")
#: A header name as browsers take it: a token (RFC 9110, 5.6.2).
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
#: A line end that is a bare LF.
_BARE_LF = re.compile(rb"(?<!\r)\n")
#: The fields that frame a response's body.
_FRAMING = (b"content-length", b"transfer-encoding")


def heads(data: bytes) -> Iterator[tuple[int, re.Match[bytes], int]]:
    """The heads *data* begins with, interim (1xx) ones then the final one:
    (where it starts, the blank line that ends it, its status code). Stops at
    a head not all here, or one with no status line."""
    pos = 0
    for _ in range(10_000):  # interim heads, of at most http11.MAX_HEAD_BYTES in all
        while data[pos:pos + 1] in (b"\r", b"\n"):  # empty lines before a head
            pos += 1
        end = _HEAD_END.search(data, pos)
        line = STATUS_LINE.match(data, pos)
        if end is None or line is None:
            return
        code = int(line.group(1))
        yield pos, end, code
        if not 100 <= code < 200:
            return
        pos = end.end()


def fields(lines: list[bytes]) -> Iterator[list[bytes]]:
    """The header lines of a head (its status line left out), each with the
    obs-fold lines that continue it (those that start with a space or a tab)."""
    field: list[bytes] = []
    for line in lines:
        if field and line[:1] in (b" ", b"\t"):
            field.append(line)
            continue
        if field:
            yield field
        field = [line]
    if field:
        yield field


def read_past(field: list[bytes]) -> bool:
    """Whether browsers read past this header line, with the obs-fold lines
    joined to it: it has no colon, or its name, trimmed of spaces and tabs, is
    empty or not a token. Chromium skips such a line
    (``HttpUtil::HeadersIterator::GetNext``, "skip malformed header", after
    ``AssembleRawHeaders`` joined the continuation lines), Firefox too
    (``nsHttpHeaderArray::ParseHeaderLine``: "We skip over mal-formed headers
    in the hope that we'll still be able to do something useful with the
    response"; it also skips a name with spaces before the colon, which
    Chromium trims: such a line is not read past here). curl refuses the
    answer since 7.83 ("Header without colon"); warcio, reading the record
    back, leaves the line out, as the browsers do."""
    if field[0][:1] in (b" ", b"\t"):  # continues the status line: not a header
        return False
    name, colon, _ = b" ".join(field).partition(b":")
    return not colon or _TOKEN.fullmatch(name.strip(b" \t")) is None


def spaced_name(field: list[bytes]) -> bool:
    """Whether this header line, not one read past (:func:`read_past`), has
    spaces or tabs between its name and the colon (``X-Name : v``), which
    llhttp refuses (but for one space after the five names it knows, which it
    takes, the space kept in the name: ``http11.py`` trims it).

    It is read as Chromium reads it: the name trimmed, the field kept
    (``HeadersIterator`` trims the name before it checks it is a token).
    Firefox reads past the line instead; RFC 9112, 5.1 has a proxy remove the
    whitespace before it forwards a response, which is Chromium's reading, and
    warcio reads the record's head so too. Both browsers show the page either
    way; where the line is Content-Length or Transfer-Encoding the two readings
    frame the body differently, so the connection is not used again after
    such an answer (:func:`unsure_framing`): whatever follows the body as
    read here is never taken for the next response."""
    if field[0][:1] in (b" ", b"\t"):
        return False
    name, colon, _ = field[0].partition(b":")
    return bool(colon) and name != name.rstrip(b" \t") and not read_past(field)


def as_browsers_read(head: bytes) -> bytes | None:
    """*head* (status line and header lines, without the blank line that ends
    it) as browsers read it: the lines they read past (:func:`read_past`) left
    out, and Content-Length given twice with one value (two lines of "5", or
    "5, 5") given once, as RFC 9110, 8.6 lets a recipient read it. None when
    the lengths differ or are not digits."""
    eol = b"\r\n" if b"\r\n" in head else b"\n"
    status, *lines = [line.rstrip(b"\r") for line in head.split(b"\n")]
    kept = [status]
    lengths: list[bytes] = []
    for field in fields(lines):
        if read_past(field):
            continue
        name, colon, value = field[0].partition(b":")
        if spaced_name(field):  # the name trimmed, as Chromium reads it
            name = name.rstrip(b" \t")
            field = [name + colon + value, *field[1:]]
        if len(field) == 1 and name.lower() == b"content-length":
            first = not lengths
            lengths += [part.strip() for part in value.strip().split(b",")]
            if not first:
                continue  # a later line of it: left out
            field = [name + b": " + lengths[0]]
        kept += field
    if lengths and (len(set(lengths)) != 1 or not lengths[0].isdigit()):
        return None
    return eol.join(kept)


def first_value(head: bytes, name: bytes) -> bytes | None:
    """The value of the first header line called *name* (lowercase) in *head*
    (a status line and header lines), as the fetcher took it: past the lines
    browsers read past, the name trimmed of spaces before its colon, its
    obs-fold lines joined to it; None when there is none."""
    _, *lines = head.split(b"\n")
    for field in fields([line.rstrip(b"\r") for line in lines]):
        if read_past(field):
            continue
        found, _, value = b" ".join(field).partition(b":")
        if found.rstrip(b" \t").lower() == name:
            return value
    return None


def final_head_here(data: bytes) -> bool:
    """Whether *data* holds the final head whole (past any interim ones)."""
    return any(not 100 <= code < 200 for _, _, code in heads(data))


def read_again(data: bytes) -> bytes | None:
    """*data* with its heads as browsers read them (:func:`as_browsers_read`)
    and the rest as it came; None when that changes nothing (the parser's
    refusal stands), or the final head is not all here."""
    parts: list[bytes] = []
    pos = 0
    for start, end, code in heads(data):
        head = as_browsers_read(data[start:end.start()])
        if head is None:
            return None
        parts += [data[pos:start], head]
        pos = end.start()
        if not 100 <= code < 200:
            again = b"".join(parts) + data[pos:]
            return None if again == data else again
    return None


def may_read_again(data: bytes) -> bool:
    """Whether the head the parser refused in *data*, which may not be all
    here yet, may be read once it is (:func:`read_again`): one of its lines
    that has ended is one browsers read past or one with spaces before its
    colon, or one of its lines (ended or not) gives Content-Length, which a
    later one, or its own value, may give again; or the line not ended yet
    already breaks the grammar of a name where the parser refuses it (a byte
    that is not a token's, a colon with no name before it): the parser refuses
    such a line at that byte, and its end, which may come in a later read,
    decides how browsers read it. Otherwise the refusal stands at once, with
    no wait for the rest. A final head all here may be: :func:`read_again`,
    which the reader runs next, decides."""
    if final_head_here(data):
        return True
    start = 0
    for _, end, _ in heads(data):  # interim heads, read: the head begun after them
        start = end.end()
    while data[start:start + 1] in (b"\r", b"\n"):
        start += 1
    if not STATUS_LINE.match(data, start) or _HEAD_END.search(data, start):
        return False  # no status line; or all here, and refused as browsers read it
    _, *lines = data[start:].split(b"\n")  # the status line left out
    if any(line.partition(b":")[0].strip().lower() == b"content-length" for line in lines):
        return True
    last = lines.pop() if lines else b""  # not ended yet (it may be empty)
    if last[:1] not in (b"", b" ", b"\t") \
            and _TOKEN.fullmatch(last.partition(b":")[0]) is None:
        return True
    return any(read_past(field) or spaced_name(field)
               for field in fields([line.rstrip(b"\r") for line in lines]))


def final_head(data: bytes, status: int) -> bytes | None:
    """The bytes of the head of status *status* in *data*, as received: from
    its status line to the blank line, past interim (1xx) heads, every line
    kept; a line end that is a bare LF made CRLF. None when the head is not
    found as the parser read it."""
    for start, end, code in heads(data):
        if not 100 <= code < 200:
            if code != status:
                return None
            head = data[start:end.end()]
            # a line ended by a bare LF is read (as browsers do), but a WARC
            # reader finds the payload after CRLF CRLF: only such line ends change
            if head.count(b"\n") != head.count(b"\r\n"):
                return _BARE_LF.sub(b"\r\n", head)
            return head
    return None


def unsure_framing(data: bytes) -> bool:
    """Whether the final head in *data* gives Content-Length or
    Transfer-Encoding on a line with spaces before its colon
    (:func:`spaced_name`): browsers frame such a body differently, so the
    connection is not used again after it."""
    for start, end, code in heads(data):
        if not 100 <= code < 200:
            _, *lines = data[start:end.start()].split(b"\n")
            return any(spaced_name(field)
                       and field[0].partition(b":")[0].rstrip(b" \t").lower() in _FRAMING
                       for field in fields([line.rstrip(b"\r") for line in lines]))
    return False
