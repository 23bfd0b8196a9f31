"""Replay through pywb, in-process: captured pages come back byte for byte.

pywb's ``FrontEndApp`` is a WSGI app, called with werkzeug's test client in a
child process.
``/<coll>/<timestamp>id_/<url>`` is pywb's "original content" mode: no
rewriting. For a gzip response pywb sends the stored gzip bytes as they are
when the client accepts gzip, and undoes the Content-Encoding when it does
not; both are checked.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archiver.collection import build_collection, pywb_config
from archiver.settings import WarcSettings
from archiver.warc import RecordLocation, WarcWriter
from archiver.warcparts import payload_digest_of, warc_date

from .lab import Site, news_page
from .test_warc import SOFTWARE, fetch_hop

pytestmark = pytest.mark.slow

HTML = news_page("Taiwan slams Malaysia over deportations",
                 "Thirty-two people were deported.\n\nOfficials protested.")
# A text body whose first line looks like a chunk size ("abc" is hex).
HEXLIKE = b"abc\r\nThis line and the one above are the whole document.\r\n"


# pywb's frontendapp module runs gevent's monkey.patch_all() on import, which
# breaks the threads of the loopback sites: pywb runs in a child process.
_REPLAYER = """
import base64, json, sys
from pywb.apps.frontendapp import FrontEndApp
from werkzeug.test import Client
job = json.load(sys.stdin)
client = Client(FrontEndApp(custom_config=job["config"]))
out = []
for path, headers in job["requests"]:
    resp = client.get(path, headers=headers)
    out.append({"status": resp.status_code, "headers": dict(resp.headers),
                "body": base64.b64encode(resp.get_data()).decode()})
print(json.dumps(out))
"""


@dataclass
class Replayed:
    status: int
    headers: dict[str, str]
    body: bytes


def replay(coll_root: Path, requests: list[tuple[str, dict[str, str]]]) -> list[Replayed]:
    """GET each (path, headers) from pywb serving *coll_root*."""
    job = json.dumps({"config": pywb_config(coll_root), "requests": requests})
    proc = subprocess.run([sys.executable, "-c", _REPLAYER], input=job, capture_output=True,
                          text=True, timeout=60, cwd=coll_root)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return [Replayed(r["status"], r["headers"], base64.b64decode(r["body"]))
            for r in json.loads(proc.stdout.strip().splitlines()[-1])]


def _ts(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S")


def test_pywb_replays_captures_byte_for_byte(site: Site, tmp_path: Path) -> None:
    site.page("/plain", HTML)
    site.page("/gzip", HTML, gzip=True)
    site.page("/chunked", HTML, chunked=True)
    site.page("/hexlike", HEXLIKE, content_type="text/plain", chunked=True)
    site.page("/empty", b"", content_type="text/plain")
    sent = {"/plain": HTML.encode(), "/gzip": gzip.compress(HTML.encode(), mtime=0),
            "/chunked": HTML.encode(), "/hexlike": HEXLIKE, "/empty": b""}
    warc_dir = tmp_path / "warc"
    base = dt.datetime(2026, 11, 25, 14, 0, 0, tzinfo=dt.UTC)
    stamps: dict[str, str] = {}
    locs: dict[str, RecordLocation] = {}
    with WarcWriter(warc_dir, WarcSettings(), SOFTWARE) as writer:
        for i, path in enumerate(sent):
            hop = fetch_hop(site.url(path), tmp_path)
            hop.started = base + dt.timedelta(minutes=i)
            stamps[path] = _ts(hop.started)
            locs[path] = writer.write_exchange(hop)[1]
        # a re-check a day later finds the same payload: a revisit record
        again = fetch_hop(site.url("/plain"), tmp_path)
        again.started = base + dt.timedelta(days=1)
        digest = payload_digest_of(again.body)
        assert digest == locs["/plain"].payload_digest
        writer.write_revisit(again, refers_to_uri=site.url("/plain"),
                             refers_to_date=warc_date(base),
                             refers_to_record_id=locs["/plain"].record_id,
                             payload_digest=digest)
    coll = build_collection(warc_dir, tmp_path / "pywb")
    index = b"".join(p.read_bytes() for p in (coll / "indexes").glob("*.cdxj"))
    assert b'"mime": "warc/revisit"' in index
    accept_gzip = {"Accept-Encoding": "gzip"}
    paths = list(sent)
    results = replay(tmp_path / "pywb", [
        *((f"/archive/{stamps[p]}id_/{site.url(p)}", accept_gzip) for p in paths),
        # a client that does not accept gzip gets the Content-Encoding undone
        (f"/archive/{stamps['/gzip']}id_/{site.url('/gzip')}", {"Accept-Encoding": "identity"}),
        # the revisit replays as the original page, with the re-check's date
        (f"/archive/{_ts(again.started)}id_/{site.url('/plain')}", {}),
    ])
    for path, got in zip(paths, results, strict=False):
        assert got.status == 200, (path, got.status)
        assert got.body == sent[path], path
    identity, revisit = results[len(paths):]
    assert identity.body == HTML.encode()
    assert revisit.status == 200
    assert revisit.body == HTML.encode()
    assert revisit.headers.get("Memento-Datetime", "").startswith("Thu, 26 Nov 2026")

    # refreshing indexes only the new file and leaves the old index as it was
    before = {p.name: p.stat().st_mtime_ns for p in (coll / "indexes").iterdir()}
    with WarcWriter(warc_dir, WarcSettings(), SOFTWARE) as writer:
        hop = fetch_hop(site.url("/plain"), tmp_path)
        writer.write_exchange(hop)
    build_collection(warc_dir, tmp_path / "pywb")
    after = {p.name: p.stat().st_mtime_ns for p in (coll / "indexes").iterdir()}
    assert len(after) == len(before) + 1
    assert all(after[name] == mtime for name, mtime in before.items())
    assert len(list((coll / "archive").iterdir())) == 2


def test_chunked_header_over_dechunked_body_replays_wrong(tmp_path: Path) -> None:
    """Why warc.py renames Transfer-Encoding: the other convention corrupts replay.

    A record that keeps ``Transfer-Encoding: chunked`` over a de-chunked body
    makes pywb guess: a body whose first line looks like a chunk size loses it.
    """
    warc_dir = tmp_path / "warc"
    warc_dir.mkdir()
    url = "http://example.test/hexlike"
    with open(warc_dir / "keep-te.warc.gz", "wb") as fh:
        writer = WARCWriter(fh, gzip=True, warc_version="WARC/1.1")
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/plain"),
                                              ("Transfer-Encoding", "chunked")],
                                   protocol="HTTP/1.1")
        record = writer.create_warc_record(url, "response", payload=io.BytesIO(HEXLIKE),
                                           length=len(HEXLIKE), http_headers=headers,
                                           warc_headers_dict={"WARC-Date":
                                                              "2026-11-25T14:00:00Z"})
        writer.write_record(record)
    build_collection(warc_dir, tmp_path / "pywb")
    (got,) = replay(tmp_path / "pywb", [(f"/archive/20261125140000id_/{url}", {})])
    assert got.status == 200
    assert got.body != HEXLIKE
    assert got.body == HEXLIKE[len(b"abc\r\n"):]  # the first line was taken as a chunk size


# pywb keeps the listing of a collection's index folder while the folder's
# stat is the same, compared in whole seconds: run in a child, as above.
_LISTER = """
import io, json, os, sys
from pathlib import Path
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter
from pywb.warcserver.index.aggregator import CacheDirectoryIndexSource
from archiver.web.replay import Refresher

root = Path(sys.argv[1])
warc = root / "warc"
warc.mkdir()

def write(name):
    with open(warc / name, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        head = StatusAndHeaders("200 OK", [("Content-Type", "text/plain")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(
            "http://127.0.0.1:9/" + name, "response", payload=io.BytesIO(b"x"),
            http_headers=head))

write("a.warc.gz")
refresher = Refresher(warc, root / "pywb")
refresher.refresh(force=True)
indexes = root / "pywb" / "collections" / refresher.name / "indexes"
source = CacheDirectoryIndexSource(base_prefix=str(indexes))

def listed():
    return sorted(name for name, _ in source._load_files_single_dir(str(indexes)))

before = listed()
write("b.warc.gz")  # within the second of that look, as a cycle's new file may be
rebuilt = refresher.refresh()
print(json.dumps({"before": before, "rebuilt": rebuilt, "after": listed()}))
"""


def test_pywb_reads_the_index_folder_again_after_a_refresh(tmp_path: Path) -> None:
    """A WARC file closed in the same second as pywb's last look at the index
    folder was indexed, and pywb went on answering from its old listing: the
    page captured since was "not found" until the folder changed again."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(Path(__file__).resolve().parents[1]), os.environ.get("PYTHONPATH"))
        if p)}
    proc = subprocess.run([sys.executable, "-c", _LISTER, str(tmp_path)], capture_output=True,
                          text=True, timeout=60, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert seen["before"] == ["a.warc.gz.cdxj"] and seen["rebuilt"] is True
    assert seen["after"] == ["a.warc.gz.cdxj", "b.warc.gz.cdxj"]
