"""The data the cycle hands to worker processes survives pickling."""

from __future__ import annotations

import datetime as dt
import pickle
from pathlib import Path

from archiver.models import Citation, Event, Hop


def test_events_and_citations_round_trip() -> None:
    cits = (Citation("e1", "http://127.0.0.1:9/a", "http://127.0.0.1:9/a?utm=x", 4),
            Citation("e1", "http://127.0.0.1:9/b"))
    event = Event("e1", dt.date(2019, 4, 12), "Kenya", 45, "deported", "fraud", cits, 3)
    back = pickle.loads(pickle.dumps([event, cits[0]], protocol=pickle.HIGHEST_PROTOCOL))
    # an event goes to a worker without its citations (a job names its own)
    assert back == [Event("e1", dt.date(2019, 4, 12), "Kenya", 45, "deported", "fraud", (), 3),
                    cits[0]]
    assert back[1].printed == "http://127.0.0.1:9/a?utm=x"


def test_hop_pickles_without_its_body_in_memory(tmp_path: Path) -> None:
    """A job carries the body explicitly; the hop goes without it."""
    started = dt.datetime(2026, 11, 25, 14, 0, tzinfo=dt.UTC)
    hop = Hop(url="http://127.0.0.1:9/a", method="GET", request_headers=[("Host", "x")],
              started=started, status=200, response_headers=[("Content-Encoding", "gzip")],
              body_data=b"\x1f\x8b" + b"x" * 1000, body_size=1002, ip="127.0.0.1", port=9,
              tls={"version": "TLSv1.3"}, elapsed=0.25)
    data = pickle.dumps(hop, protocol=pickle.HIGHEST_PROTOCOL)
    assert b"x" * 1000 not in data
    back = pickle.loads(data)
    assert back.body_data is None and hop.body_data is not None
    assert back == Hop(**{**hop.__dict__, "body_data": None})
    on_disk = Hop(url="http://127.0.0.1:9/b", method="GET", request_headers=[],
                  started=started, body_path=tmp_path / "body")
    assert pickle.loads(pickle.dumps(on_disk)).body_path == tmp_path / "body"
