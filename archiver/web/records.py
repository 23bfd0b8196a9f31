"""The stored records as the replay hands them to pywb.

pywb reads the record it replays with warcio's loader. This one
(:class:`RecordLoader`, in the replay's child process: :func:`replay_app`)
reads what pywb would serve as no server sent it:

* a status line with no reason phrase (``HTTP/1.1 200``): pywb makes up the
  reason ``None`` that WSGI wants (``HTTP/1.1 200 None``). Its reason is read
  as empty (``"200 "``), and :class:`archiver.web.replay.Guard` sends the
  status as it came: ``HTTP/1.1 200``, as warcio writes such a status line.
"""

from __future__ import annotations

import re
from typing import Any

from warcio.recordloader import ArcWarcRecord, ArcWarcRecordLoader
from warcio.statusandheaders import StatusAndHeaders

__all__ = ["RecordLoader", "replay_app"]

_CODE = re.compile(r"[0-9]{3}")


class RecordLoader(ArcWarcRecordLoader):  # type: ignore[misc]
    """warcio's loader, with the reading above."""

    def parse_record_stream(self, stream: Any, *args: Any, **kwargs: Any) -> ArcWarcRecord:
        record = super().parse_record_stream(stream, *args, **kwargs)
        headers = record.http_headers
        if headers is not None and record.rec_type in ("response", "revisit"):
            keep_no_reason(headers)
        return record


def keep_no_reason(headers: StatusAndHeaders) -> None:
    """A status line with no reason phrase has an empty one (``"200 "``), where
    pywb would add ``None``."""
    if headers.protocol and _CODE.fullmatch(headers.statusline):
        headers.statusline += " "


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
