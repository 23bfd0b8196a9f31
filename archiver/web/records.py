"""The stored records as the replay hands them to pywb.

pywb reads the record it replays with warcio's loader. This one
(:class:`RecordLoader`, in the replay's child process: :func:`replay_app`)
reads two things as the captured page's browser read them, where pywb would
serve what no server sent:

* a status line with no reason phrase (``HTTP/1.1 200``): pywb makes up the
  reason ``None`` that WSGI wants (``HTTP/1.1 200 None``). Its reason is read
  as empty (``"200 "``), and :class:`archiver.web.replay.Guard` sends the
  status as it came: ``HTTP/1.1 200``, as warcio writes such a status line.
* a body with more than one coding (``Content-Encoding: gzip, br``, two
  Content-Encoding lines, or a transfer coding beside chunked: the body is
  stored de-chunked, the coding left on it). pywb undoes one
  Content-Encoding at most, and served such a body still coded, under no
  Content-Encoding: no browser could read it. It is replayed decoded, every
  coding undone (:func:`archiver.codings.undo_codings`), its Content-Encoding
  and Content-Length lines renamed ``X-Archive-Orig-...``, as pywb renames
  those of a body it decodes itself.

Decoded rather than the stored bytes under the header as sent: in its frame
pywb rewrites the page (its links sent into the archive, its scripts
wrapped), which it cannot do to coded bytes, and a replay that served them
as they came would send a browser to the live web; the replay shows the
evidence, it does not hand it over: ``archiver get`` gives the bytes as sent,
which the record's digests vouch for, and the codings undone are named in
the headers replayed.
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterator
from typing import Any

from warcio.recordloader import ArcWarcRecord, ArcWarcRecordLoader
from warcio.statusandheaders import StatusAndHeaders

from ..codings import DamagedEncoding, undo_codings
from ..models import body_codings
from ..warcparts import ORIG_HEADER_PREFIX, STORED_TRANSFER

__all__ = ["RecordLoader", "replay_app"]

_CHUNK = 64 * 1024
_CODE = re.compile(r"[0-9]{3}")


class RecordLoader(ArcWarcRecordLoader):  # type: ignore[misc]
    """warcio's loader, with the two readings above."""

    def parse_record_stream(self, stream: Any, *args: Any, **kwargs: Any) -> ArcWarcRecord:
        record = super().parse_record_stream(stream, *args, **kwargs)
        headers = record.http_headers
        if headers is not None and record.rec_type in ("response", "revisit"):
            keep_no_reason(headers)
            decode_codings(record)
        return record


def keep_no_reason(headers: StatusAndHeaders) -> None:
    """A status line with no reason phrase has an empty one (``"200 "``), where
    pywb would add ``None``."""
    if headers.protocol and _CODE.fullmatch(headers.statusline):
        headers.statusline += " "


def decode_codings(record: ArcWarcRecord) -> None:
    """A body with more than one coding, each one archiver undoes, is read
    decoded, its Content-Encoding and Content-Length renamed (see above). A
    body with one Content-Encoding is left to pywb, and so is one with a
    coding archiver cannot undo."""
    headers = record.http_headers
    codings = body_codings(headers.headers, transfer=STORED_TRANSFER)
    sent = [value for name, value in headers.headers if name.lower() == "content-encoding"]
    if codings is None or (sent == [codings] and "," not in codings):
        return
    try:
        pieces = undo_codings(_chunks(record.raw_stream), codings)
    except ValueError:  # a coding archiver cannot undo
        return
    headers.headers = [(ORIG_HEADER_PREFIX + name if name.lower() in
                        ("content-encoding", "content-length") else name, value)
                       for name, value in headers.headers]
    target = record.rec_headers.get_header("WARC-Target-URI") if record.rec_headers else None
    record.raw_stream = io.BufferedReader(_Decoded(pieces, record.raw_stream, target), _CHUNK)


def _chunks(stream: Any) -> Iterator[bytes]:
    while chunk := stream.read(_CHUNK):
        yield chunk


class _Decoded(io.RawIOBase):
    """The decoded body, read as a stream; a body damaged or cut short (cut at
    fetch.max_bytes) ends where its decoding stops, with a line in the log."""

    def __init__(self, pieces: Iterator[bytes], raw: Any, url: str | None) -> None:
        super().__init__()
        self._pieces = pieces
        self._raw = raw
        self._url = url
        self._left = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._left:
            try:
                self._left = next(self._pieces)
            except StopIteration:
                return 0
            except DamagedEncoding as exc:
                print(f"replay: {self._url}: {exc}; replayed up to there", file=sys.stderr,
                      flush=True)
                self._pieces = iter(())
                return 0
        size = min(len(buffer), len(self._left))
        buffer[:size] = self._left[:size]
        self._left = self._left[size:]
        return size

    def close(self) -> None:
        if not self.closed:
            try:
                self._raw.close()
            finally:
                super().close()


def replay_app(config_file: str, custom_config: dict[str, Any]) -> Any:
    """pywb's front end, its rewriter reading records with :class:`RecordLoader`.
    To be called in the replay's child, after gevent's ``monkey.patch_all()``."""
    from pywb.apps.frontendapp import FrontEndApp
    from pywb.apps.rewriterapp import RewriterApp

    class Rewriter(RewriterApp):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.loader = RecordLoader()

    class FrontEnd(FrontEndApp):  # type: ignore[misc]
        REWRITER_APP_CLS = Rewriter

    return FrontEnd(config_file=config_file, custom_config=custom_config)
