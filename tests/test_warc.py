"""The WARC writer: records from real loopback fetches, checked by warcio and cdxj-indexer."""

from __future__ import annotations

import datetime as dt
import errno
import gzip
import io
import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from warcio.archiveiterator import ArchiveIterator

from archiver import warc as warc_mod
from archiver import warcparts
from archiver.exceptions import StorageError
from archiver.models import Hop
from archiver.settings import WarcSettings
from archiver.warc import RecordLocation, WarcWriter
from archiver.warcparts import payload_digest_of
from archiver.warcread import recover

from .lab import Site, news_page

SOFTWARE = "archiver/0.1 (tests)"


# --------------------------------------------------------------------------
# helpers shared with test_retrieval and test_replay


def fetch_hop(url: str, tmp: Path, *, cap: int | None = None,
              headers: dict[str, str] | None = None) -> Hop:
    """GET *url* over loopback and return the exchange as a Hop with raw body bytes.

    The body is read with ``iter_raw()``: de-chunked, still Content-Encoded.
    *cap* stops reading after that many bytes and marks the hop truncated.
    """
    started = dt.datetime.now(dt.UTC)
    body_path = tmp / f"body-{random.getrandbits(64):016x}"
    with httpx.Client(trust_env=False, timeout=10) as client:
        req_headers = {"User-Agent": SOFTWARE, "Accept-Encoding": "gzip"}
        req_headers.update(headers or {})
        with client.stream("GET", url, headers=req_headers) as resp:
            size = 0
            truncated = False
            with open(body_path, "wb") as out:
                for chunk in resp.iter_raw():
                    if cap is not None and size + len(chunk) > cap:
                        out.write(chunk[:cap - size])
                        size = cap
                        truncated = True
                        break
                    out.write(chunk)
                    size += len(chunk)
            sent = [(k.decode("latin-1"), v.decode("latin-1"))
                    for k, v in resp.request.headers.raw]
            return Hop(
                url=url, method="GET", request_headers=sent, started=started,
                status=resp.status_code, reason_phrase=resp.reason_phrase,
                http_version=resp.http_version,
                response_headers=[(k.decode("latin-1"), v.decode("latin-1"))
                                  for k, v in resp.headers.raw],
                body_path=body_path, body_size=size, truncated=truncated,
                truncated_reason="length" if truncated else None, ip="127.0.0.1",
                port=httpx.URL(url).port, elapsed=0.01)


def warcio_check(*paths: Path) -> subprocess.CompletedProcess[str]:
    """Run the ``warcio check -v`` command line on *paths*."""
    return subprocess.run([sys.executable, "-m", "warcio.cli", "check", "-v",
                           *map(str, paths)], capture_output=True, text=True, timeout=60)


def cdxj_index(*paths: Path) -> list[dict[str, str]]:
    """Index *paths* with the ``cdxj-indexer`` command; the JSON blocks of its lines."""
    exe = shutil.which("cdxj-indexer")
    cmd = [exe] if exe else [sys.executable, "-m", "cdxj_indexer.main"]
    proc = subprocess.run([*cmd, *map(str, paths)], capture_output=True, text=True,
                          timeout=60, check=True)
    return [json.loads(line.split(" ", 2)[2]) for line in proc.stdout.splitlines() if line]


def serve_samples(site: Site) -> dict[str, bytes]:
    """Put the sample pages on *site*; returns path -> the body bytes the server sends."""
    html = news_page("Taiwan slams Malaysia over deportations",
                     "Thirty-two people were deported.\n\nOfficials protested.")
    site.page("/plain", html)
    site.page("/gzip", html, gzip=True)
    site.page("/chunked", html + "<!-- chunked -->", chunked=True)
    site.page("/empty", b"", content_type="text/plain")
    site.page("/big", "x" * 20000, content_type="text/plain")
    return {"/plain": html.encode(), "/gzip": gzip.compress(html.encode(), mtime=0),
            "/chunked": (html + "<!-- chunked -->").encode(), "/empty": b"",
            "/big": b"x" * 5000}


@pytest.fixture
def settings() -> WarcSettings:
    return WarcSettings()


# --------------------------------------------------------------------------
# tests


def test_exchanges_pass_warcio_check_and_index(site: Site, tmp_path: Path,
                                               settings: WarcSettings) -> None:
    expected = serve_samples(site)
    warc_dir = tmp_path / "warc"
    locs: dict[str, tuple[RecordLocation, RecordLocation]] = {}
    with WarcWriter(warc_dir, settings, SOFTWARE, {"operator": "Lab"}) as writer:
        for path in expected:
            hop = fetch_hop(site.url(path), tmp_path, cap=5000 if path == "/big" else None)
            locs[path] = writer.write_exchange(hop)
            writer.sync()
            assert locs[path][1].payload_digest == payload_digest_of(hop.body_path)
        open_name = writer.current_file
        assert open_name is not None
        assert (warc_dir / (open_name + ".open")).exists()
    files = sorted(warc_dir.iterdir())
    assert [f.name for f in files] == [open_name]
    assert not list(warc_dir.glob("*.open"))
    check = warcio_check(*files)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count("digest pass") == 1 + 2 * len(expected)

    with open(files[0], "rb") as fh:
        records = []
        for rec in ArchiveIterator(fh):
            records.append((rec.rec_type, rec.rec_headers, rec.http_headers,
                            rec.raw_stream.read()))
    assert records[0][0] == "warcinfo"
    assert b"software: archiver/0.1 (tests)" in records[0][3]
    assert b"operator: Lab" in records[0][3]
    assert records[0][1].protocol == "WARC/1.1"
    bodies = {rh.get_header("WARC-Target-URI"): body for t, rh, _, body in records
              if t == "response"}
    for path, body in expected.items():
        assert bodies[site.url(path)] == body, path
    for t, rh, hh, _ in records:
        if t == "response":
            date = rh.get_header("WARC-Date")
            assert len(date) == len("2026-01-01T00:00:00.000000Z")
            assert rh.get_header("WARC-IP-Address") == "127.0.0.1"
            assert rh.get_header("WARC-Payload-Digest").startswith("sha256:")
        if t == "request":
            assert hh.protocol == "GET"
    resp_by_url = {rh.get_header("WARC-Target-URI"): (rh, hh) for t, rh, hh, _ in records
                   if t == "response"}
    # chunked: stored de-chunked, the original header kept under its pywb name
    hh = resp_by_url[site.url("/chunked")][1]
    assert hh.get_header("Transfer-Encoding") is None
    assert hh.get_header("X-Archive-Orig-Transfer-Encoding") == "chunked"
    assert resp_by_url[site.url("/gzip")][1].get_header("Content-Encoding") == "gzip"
    assert resp_by_url[site.url("/big")][0].get_header("WARC-Truncated") == "length"
    assert resp_by_url[site.url("/plain")][0].get_header("WARC-Truncated") is None
    # request and response are linked
    for req, resp in locs.values():
        req_rh = next(rh for t, rh, _, _ in records
                      if rh.get_header("WARC-Record-ID") == req.record_id)
        assert req_rh.get_header("WARC-Concurrent-To") == resp.record_id
        assert req.filename == resp.filename == open_name

    index = cdxj_index(*files)
    by_url = {(e["url"], e.get("mime")) for e in index}
    for path in expected:
        assert any(u == site.url(path) for u, _ in by_url), path
    # offsets and lengths from the writer are what the indexer sees
    offsets = {(int(e["offset"]), int(e["length"])) for e in index}
    for _req, resp in locs.values():
        assert (resp.offset, resp.length) in offsets


def test_locations_are_single_gzip_members(site: Site, tmp_path: Path,
                                           settings: WarcSettings) -> None:
    site.page("/a", news_page("A", "alpha"))
    with WarcWriter(tmp_path, settings, SOFTWARE) as writer:
        req, resp = writer.write_exchange(fetch_hop(site.url("/a"), tmp_path))
        meta = writer.write_metadata(f"urn:archiver:capture:{resp.record_id[1:-1]}",
                                     {"headline": "A", "published": "2016-05-03"},
                                     concurrent_to=resp.record_id)
    data = (tmp_path / resp.filename).read_bytes()
    for loc in (req, resp, meta):
        member = gzip.decompress(data[loc.offset:loc.offset + loc.length])
        assert member.startswith(b"WARC/1.1\r\n")
        assert loc.record_id.encode() in member
    meta_member = gzip.decompress(data[meta.offset:meta.offset + meta.length])
    head, _, block = meta_member.partition(b"\r\n\r\n")
    assert b"Content-Type: application/json" in head
    assert b"WARC-Target-URI: urn:archiver:capture:" in head
    assert json.loads(block.rstrip(b"\r\n")) == {"headline": "A", "published": "2016-05-03"}
    assert warcio_check(tmp_path / resp.filename).returncode == 0


def test_compressed_bodies_are_stored_not_deflated_again(site: Site, tmp_path: Path,
                                                         settings: WarcSettings) -> None:
    rng = random.Random(7)
    words = ["police", "deported", "nationals", "court", "minister", "protest", "embassy"]
    text = news_page("Stored as sent", "\n\n".join(
        " ".join(rng.choice(words) + str(rng.randrange(1000)) for _ in range(60))
        for _ in range(40)))
    site.page("/gz", text, gzip=True)
    site.page("/plain", text)
    with WarcWriter(tmp_path, settings, SOFTWARE) as writer:
        gz_hop = fetch_hop(site.url("/gz"), tmp_path)
        _, gz = writer.write_exchange(gz_hop, payload_digest=payload_digest_of(gz_hop.body_path))
        plain_hop = fetch_hop(site.url("/plain"), tmp_path)
        _, plain = writer.write_exchange(plain_hop)
    data = (tmp_path / gz.filename).read_bytes()
    sent = gz_hop.body_path.read_bytes() if gz_hop.body_path else b""
    gz_member = data[gz.offset:gz.offset + gz.length]
    # the gzip-encoded body sits in the member byte for byte (stored blocks) ...
    assert len(sent) > 1000 and sent in gz_member
    # ... and the member is one gzip member whose record holds that body
    record = gzip.decompress(gz_member)
    assert record.startswith(b"WARC/1.1\r\n") and record.endswith(sent + b"\r\n\r\n")
    assert gz.payload_digest == payload_digest_of(gz_hop.body_path)
    # a body sent as it is is deflated: its member is far smaller than the body
    assert plain.length < plain_hop.body_size / 3
    check = warcio_check(tmp_path / gz.filename)
    assert check.returncode == 0 and check.stdout.count("digest pass") == 5, check.stdout


def _hop_with(body: bytes, encoding: str | None, tmp: Path, *, in_file: bool) -> Hop:
    headers = [("Content-Type", "text/html; charset=utf-8")]
    if encoding:
        headers.append(("Content-Encoding", encoding))
    hop = Hop(url="http://127.0.0.1:9/big", method="GET",
              request_headers=[("Host", "127.0.0.1:9")], started=dt.datetime.now(dt.UTC),
              status=200, reason_phrase="OK", http_version="HTTP/1.1",
              response_headers=headers, body_size=len(body))
    if in_file:
        path = tmp / f"body-{encoding}-{len(body)}"
        path.write_bytes(body)
        hop.body_path = path
    else:
        hop.body_data = body
    return hop


@pytest.mark.parametrize("in_file", [False, True], ids=["in memory", "in a file"])
def test_big_bodies_are_whole_and_deflated_with_a_full_window(tmp_path: Path,
                                                              settings: WarcSettings,
                                                              in_file: bool) -> None:
    """A compressed body longer than one stored block (64 KiB) is stored in
    several; a plain body is deflated as well as gzip does at the same level
    (a compressor sized for small records would deflate it far worse)."""
    rng = random.Random(11)
    words = [f"{rng.choice(['police', 'court', 'embassy', 'nationals'])}{rng.randrange(5000)}"
             for _ in range(60_000)]
    plain = " ".join(words).encode()  # about 600 KB of text with long repeats
    sent_gz = gzip.compress(plain)
    assert len(sent_gz) > 2 * 0xFFFF
    with WarcWriter(tmp_path, settings, SOFTWARE) as writer:
        gz_hop = _hop_with(sent_gz, "gzip", tmp_path, in_file=in_file)
        _, gz = writer.write_exchange(gz_hop)
        plain_hop = _hop_with(plain, None, tmp_path, in_file=in_file)
        _, pl = writer.write_exchange(plain_hop)
    data = (tmp_path / gz.filename).read_bytes()
    gz_record = gzip.decompress(data[gz.offset:gz.offset + gz.length])
    assert gz_record.endswith(b"\r\n\r\n" + sent_gz + b"\r\n\r\n")
    plain_record = gzip.decompress(data[pl.offset:pl.offset + pl.length])
    assert plain_record.endswith(b"\r\n\r\n" + plain + b"\r\n\r\n")
    as_gzip = len(gzip.compress(plain, compresslevel=settings.compression_level))
    assert pl.length < as_gzip * 1.05, (pl.length, as_gzip)
    assert gz.payload_digest == payload_digest_of(sent_gz)
    check = warcio_check(tmp_path / gz.filename)
    assert check.returncode == 0 and check.stdout.count("digest pass") == 5, check.stdout


def test_every_level_writes_records_gzip_reads_and_9_is_smallest(tmp_path: Path) -> None:
    """Levels 1 to 4 are deflated by ISA-L, 5 to 9 by zlib (archiver.deflate):
    whichever, a record is a gzip member any reader reads, and a higher level
    gives no larger a record."""
    plain = news_page("Kenya deports 45 Chinese nationals",
                      " ".join(f"Nairobi court hearing {i} on the deportation of nationals."
                               for i in range(3000))).encode()
    lengths = {}
    for level in range(1, 10):
        folder = tmp_path / str(level)
        folder.mkdir()
        with WarcWriter(folder, WarcSettings(compression_level=level), SOFTWARE) as writer:
            _, loc = writer.write_exchange(_hop_with(plain, None, folder, in_file=False))
        data = (folder / loc.filename).read_bytes()
        record = gzip.decompress(data[loc.offset:loc.offset + loc.length])
        assert record.endswith(b"\r\n\r\n" + plain + b"\r\n\r\n")
        lengths[level] = loc.length
    assert lengths[9] < lengths[3] <= lengths[1] * 1.01, lengths
    assert lengths[3] < len(gzip.compress(plain, compresslevel=3)) * 1.05, lengths


def test_levels_1_to_4_are_deflated_by_isal_and_5_to_9_by_zlib() -> None:
    pytest.importorskip("isal", reason="ISA-L is a dependency; without it zlib does all")
    import zlib

    from archiver import deflate

    data = b"Kenya deports 45 Chinese nationals. " * 400
    for level in range(1, 10):
        comp = deflate.compressobj(level, -15, 8)
        assert type(comp).__module__.startswith("isal") == (level <= 4), level
        assert zlib.decompress(comp.compress(data) + comp.flush(zlib.Z_FINISH), -15) == data


@pytest.mark.parametrize(("size", "bits"), [(0, 9), (1, 9), (512, 9), (513, 10), (4096, 12),
                                            (4097, 13), (32768, 15), (10**9, 15)])
def test_window_covers_the_data(size: int, bits: int) -> None:
    assert warcparts._window_bits(size) == bits


def test_no_response_writes_nothing(tmp_path: Path, settings: WarcSettings) -> None:
    hop = Hop(url="http://127.0.0.1:9/", method="GET", request_headers=[],
              started=dt.datetime.now(dt.UTC))
    with WarcWriter(tmp_path, settings, SOFTWARE) as writer, pytest.raises(ValueError):
        writer.write_exchange(hop)
    assert list(tmp_path.iterdir()) == []


def test_rollover_and_names(site: Site, tmp_path: Path) -> None:
    site.page("/big", "y" * 3000, content_type="text/plain")
    settings = WarcSettings(prefix="lab", max_file_bytes=1024)
    with WarcWriter(tmp_path, settings, SOFTWARE) as writer:
        locs = [writer.write_exchange(fetch_hop(site.url("/big"), tmp_path))[1]
                for _ in range(3)]
    names = sorted(p.name for p in tmp_path.glob("*.warc.gz"))
    assert len(names) == 3
    assert [loc.filename for loc in locs] == names
    for name in names:
        assert name.startswith("lab-") and name.endswith(".warc.gz")
        stamp, serial = name[len("lab-"):-len(".warc.gz")].split("-")
        assert len(stamp) == 20 and stamp.isdigit() and len(serial) == 5
    for name in names:  # every file starts with its own warcinfo
        with open(tmp_path / name, "rb") as fh:
            first = next(iter(ArchiveIterator(fh)))
            assert first.rec_type == "warcinfo"
            assert first.rec_headers.get_header("WARC-Filename") == name
    assert warcio_check(*(tmp_path / n for n in names)).returncode == 0


def test_close_is_idempotent(tmp_path: Path, settings: WarcSettings) -> None:
    writer = WarcWriter(tmp_path, settings, SOFTWARE)
    loc = writer.write_metadata("urn:archiver:test", {"n": 1})
    writer.close()
    writer.close()
    assert (tmp_path / loc.filename).exists()
    assert not (tmp_path / (loc.filename + ".open")).exists()


def test_disk_full_keeps_file_valid(site: Site, tmp_path: Path, settings: WarcSettings,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    site.page("/a", random.randbytes(50000), content_type="application/octet-stream")
    writer = WarcWriter(tmp_path, settings, SOFTWARE)
    first = writer.write_exchange(fetch_hop(site.url("/a"), tmp_path))[1]
    real_write = warc_mod._os_write
    budget = [3000]

    def full_disk(fd: int, data: memoryview) -> int:
        if budget[0] <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        n = real_write(fd, data[:budget[0]])
        budget[0] -= n
        return n

    monkeypatch.setattr(warc_mod, "_os_write", full_disk)
    with pytest.raises(StorageError) as info:
        writer.write_exchange(fetch_hop(site.url("/a"), tmp_path))
    assert first.filename in str(info.value)
    assert info.value.path is not None and info.value.path.name == first.filename + ".open"
    monkeypatch.setattr(warc_mod, "_os_write", real_write)
    writer.close()
    path = tmp_path / first.filename
    assert path.stat().st_size == first.offset + first.length  # the partial pair was cut
    assert warcio_check(path).returncode == 0


def test_write_record_buffer_order(tmp_path: Path, settings: WarcSettings) -> None:
    """Records are complete gzip members appended one after another."""
    with WarcWriter(tmp_path, settings, SOFTWARE) as writer:
        a = writer.write_metadata("urn:archiver:a", {"a": 1})
        b = writer.write_metadata("urn:archiver:b", {"b": 2})
    assert b.offset == a.offset + a.length
    size = (tmp_path / a.filename).stat().st_size
    assert size == b.offset + b.length
    raw = (tmp_path / a.filename).read_bytes()
    with gzip.GzipFile(fileobj=io.BytesIO(raw)) as gz:
        assert gz.read().count(b"WARC/1.1\r\n") == 3  # warcinfo + 2


def test_recover_cuts_back_to_last_complete_record(site: Site, tmp_path: Path,
                                                   settings: WarcSettings) -> None:
    """A crash (kill -9) leaves NAME.open cut anywhere: recovery keeps every complete record."""
    site.page("/a", random.randbytes(3000), content_type="application/octet-stream")
    site.page("/b", news_page("B", "beta"), gzip=True)
    src = tmp_path / "src"
    writer = WarcWriter(src, settings, SOFTWARE)
    locs = [loc for path in ("/a", "/b", "/a")
            for loc in writer.write_exchange(fetch_hop(site.url(path), tmp_path))]
    writer.sync()
    assert writer.current_file is not None
    open_file = src / (writer.current_file + ".open")
    data = open_file.read_bytes()
    ends = [locs[0].offset] + [loc.offset + loc.length for loc in locs]  # warcinfo, then pairs
    assert ends[-1] == len(data)
    rng = random.Random(7)
    cuts = sorted({rng.randrange(1, len(data)) for _ in range(12)}
                  | {ends[0] - 1, ends[0], ends[2], ends[2] + 1, len(data) - 1})
    for n, cut in enumerate(cuts):
        crash = tmp_path / f"crash{n}"
        crash.mkdir()
        (crash / open_file.name).write_bytes(data[:cut])
        messages = recover(crash)
        assert len(messages) == 1
        kept_end = max((e for e in ends if e <= cut), default=0)
        if kept_end == 0:
            assert not list(crash.glob("*.warc.gz"))
            assert list(crash.glob("*.broken"))
            continue
        final = crash / open_file.name[:-len(".open")]
        assert final.read_bytes() == data[:kept_end], (cut, kept_end)
        check = warcio_check(final)
        assert check.returncode == 0, check.stdout
        assert not list(crash.glob("*.open"))
    writer.close()


def test_recover_leaves_closed_files_alone(tmp_path: Path, settings: WarcSettings) -> None:
    with WarcWriter(tmp_path, settings, SOFTWARE) as writer:
        loc = writer.write_metadata("urn:archiver:a", {"a": 1})
    before = (tmp_path / loc.filename).read_bytes()
    (tmp_path / "empty.warc.gz.open").write_bytes(b"")
    messages = recover(tmp_path)
    assert messages == ["empty.warc.gz.open: empty, removed"]
    assert (tmp_path / loc.filename).read_bytes() == before


def test_digests_are_printed_as_warcio_prints_them() -> None:
    from warcio.utils import Digester

    body = b"Taiwan protested on Tuesday." * 100
    ours = warcparts.Digest()
    theirs = Digester(warcparts.DIGEST_ALGORITHM)
    ours.update(body)
    theirs.update(body)
    assert str(ours) == str(theirs) == payload_digest_of(body)


def test_the_request_record_has_the_request_line_as_sent() -> None:
    """Requests go out as HTTP/1.1 whatever version the server answers in."""
    from archiver.warcparts import request_head, response_head

    hop = Hop(url="http://127.0.0.1:9/a?q=1", method="GET",
              request_headers=[("Host", "127.0.0.1:9")], started=dt.datetime.now(dt.UTC),
              status=200, reason_phrase="OK", http_version="HTTP/1.0")
    assert request_head(hop).split(b"\r\n")[0] == b"GET /a?q=1 HTTP/1.1"
    for url, line in (("http://127.0.0.1:9/a?", b"GET /a? HTTP/1.1"),  # an empty query
                      ("http://127.0.0.1:9/?", b"GET /? HTTP/1.1"),
                      ("http://127.0.0.1:9", b"GET / HTTP/1.1")):
        asked = Hop(url=url, method="GET", request_headers=[], started=hop.started)
        assert request_head(asked).split(b"\r\n")[0] == line, url
    assert response_head(hop).startswith(b"HTTP/1.0 200 OK\r\n")  # the answer as it came


def test_a_file_is_told_closed_before_it_is_renamed(tmp_path: Path,
                                                    settings: WarcSettings) -> None:
    """The writer renamed a file to its final name, then told on_close (which
    records its SHA-256): a process that died in between left a closed file
    with none recorded. on_close is told while the file is still NAME.open, and
    a file it cannot vouch for stays so (the next start closes it)."""
    told: list[tuple[str, bool, bool]] = []

    def closing(name: str) -> None:
        told.append((name, (tmp_path / (name + ".open")).exists(), (tmp_path / name).exists()))

    with WarcWriter(tmp_path, settings, SOFTWARE, on_close=closing) as writer:
        loc = writer.write_metadata("urn:archiver:a", {"a": 1})
    assert told == [(loc.filename, True, False)]
    assert (tmp_path / loc.filename).exists() and writer.closed_files == [loc.filename]

    def failing(name: str) -> None:
        raise StorageError("cannot be read to record its SHA-256")

    writer = WarcWriter(tmp_path, settings, SOFTWARE, on_close=failing)
    other = writer.write_metadata("urn:archiver:b", {"b": 2})
    with pytest.raises(StorageError):
        writer.close()
    assert (tmp_path / (other.filename + ".open")).exists()
    assert not (tmp_path / other.filename).exists() and writer.closed_files == []
    assert writer.current_file is None
    writer.close()  # closed already: nothing more
