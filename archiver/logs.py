"""Log handlers for the command line (library modules only create loggers).

``text``: ``2026-11-25T14:00:00Z INFO fetch https://... status=200 bytes=48211 time=0.214s``
``json``: one JSON object per line with ``time``, ``level``, ``logger``, ``message``
and the structured fields a record carries (``url``, ``http_status``, ``bytes``,
``seconds``, ``error``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from typing import Any

STRUCTURED = ("url", "http_status", "bytes", "seconds", "error", "event", "status")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC)
            .isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in STRUCTURED:
            if hasattr(record, key):
                data[key] = getattr(record, key)
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return dt.datetime.fromtimestamp(record.created, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


#: Libraries whose warnings belong in archiver's log (the scheduler says when
#: a cycle was skipped or missed), in the same format; their chatter below
#: warnings does not.
LIBRARY_LOGGERS = ("apscheduler",)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes each record to ``sys.stderr`` as it is then: while a progress bar
    is drawn on a terminal, the bar's stand-in, which prints the line above the
    bar (the stream taken at the start wrote it onto the bar's line)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def setup_logging(fmt: str = "text", level: int = logging.WARNING) -> None:
    """Send archiver's log records to stderr, as text or JSON lines, and the
    warnings of :data:`LIBRARY_LOGGERS` with them."""
    handler = _StderrHandler()
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(message)s"))
    root = logging.getLogger("archiver")
    root.handlers[:] = [handler]
    root.setLevel(max(logging.DEBUG, level))
    root.propagate = False
    for name in LIBRARY_LOGGERS:
        library = logging.getLogger(name)
        library.handlers[:] = [handler]
        library.setLevel(max(logging.WARNING, level))
        library.propagate = False
