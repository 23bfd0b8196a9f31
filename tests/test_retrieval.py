"""Reading the archive back: payloads as captured, revisits, verify, WACZ."""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import brotli
import pytest

from archiver.collection import export_wacz
from archiver.cpupool import extract_body
from archiver.pipeline import _body
from archiver.retrieval import (
    RecordError,
    UndecodablePayload,
    copy_records,
    read_http_head,
    read_payload,
    verify_files,
    verify_records,
)
from archiver.settings import Settings, WarcSettings
from archiver.warc import RecordLocation, WarcWriter
from archiver.warcparts import file_sha256, payload_digest_of, warc_date

from .lab import Site, news_page, warc_member
from .test_warc import SOFTWARE, fetch_hop, warcio_check

HTML = news_page("Taiwan slams Malaysia over deportations",
                 "Thirty-two people were deported.\n\nOfficials protested.")


@dataclass
class Archive:
    dir: Path
    sent: dict[str, bytes]  # path -> body bytes the server sent
    locs: dict[str, tuple[RecordLocation, RecordLocation]]
    revisit: tuple[RecordLocation, RecordLocation]
    meta: RecordLocation
    site: Site

    def all_locs(self) -> list[RecordLocation]:
        return [loc for pair in self.locs.values() for loc in pair] + \
            list(self.revisit) + [self.meta]


@pytest.fixture
def archive(site: Site, tmp_path: Path) -> Archive:
    site.page("/plain", HTML)
    site.page("/gzip", HTML, gzip=True)
    site.page("/chunked", HTML, chunked=True)
    site.page("/empty", b"", content_type="text/plain")
    sent = {"/plain": HTML.encode(), "/gzip": gzip.compress(HTML.encode(), mtime=0),
            "/chunked": HTML.encode(), "/empty": b""}
    warc_dir = tmp_path / "warc"
    locs = {}
    with WarcWriter(warc_dir, WarcSettings(), SOFTWARE) as writer:
        hops = {}
        for path in sent:
            hops[path] = fetch_hop(site.url(path), tmp_path)
            locs[path] = writer.write_exchange(hops[path])
        again = fetch_hop(site.url("/plain"), tmp_path)
        digest = payload_digest_of(again.body)
        assert digest == locs["/plain"][1].payload_digest
        revisit = writer.write_revisit(
            again, refers_to_uri=hops["/plain"].url,
            refers_to_date=warc_date(hops["/plain"].started),
            refers_to_record_id=locs["/plain"][1].record_id, payload_digest=digest)
        meta = writer.write_metadata(f"urn:archiver:capture:{locs['/plain'][1].record_id[1:-1]}",
                                     {"headline": "Taiwan slams"},
                                     refers_to=locs["/plain"][1].record_id)
    return Archive(warc_dir, sent, locs, revisit, meta, site)


def payload(archive: Archive, loc: RecordLocation, decoded: bool = False,
            original: RecordLocation | None = None) -> bytes:
    out = io.BytesIO()
    n = read_payload(archive.dir, loc, out, decoded, original=original)
    assert n == len(out.getvalue())
    return out.getvalue()


def test_payloads_as_captured(archive: Archive) -> None:
    for path, body in archive.sent.items():
        assert payload(archive, archive.locs[path][1]) == body, path
    assert payload(archive, archive.locs["/gzip"][1], decoded=True) == HTML.encode()
    assert payload(archive, archive.locs["/plain"][1], decoded=True) == HTML.encode()


def _captured(site: Site, tmp_path: Path, body: bytes, encoding: str) -> RecordLocation:
    """The response record of one capture of *body*, sent as Content-Encoding *encoding*."""
    site.page("/encoded", body, headers=[("Content-Encoding", encoding)])
    with WarcWriter(tmp_path / "warc", WarcSettings(), SOFTWARE) as writer:
        _, loc = writer.write_exchange(fetch_hop(site.url("/encoded"), tmp_path))
    return loc


@pytest.mark.parametrize(("encoding", "encode"), [
    ("gzip", lambda b: gzip.compress(b[:900], mtime=0) + gzip.compress(b[900:], mtime=0)),
    ("deflate", zlib.compress),  # zlib-wrapped, as the standard says
    ("deflate", lambda b: zlib.compress(b)[2:-4]),  # raw, as many servers send it
    ("br", brotli.compress),
])
def test_decoded_payloads(site: Site, tmp_path: Path, encoding: str,
                          encode: Callable[[bytes], bytes]) -> None:
    loc = _captured(site, tmp_path, encode(HTML.encode()), encoding)
    out = io.BytesIO()
    assert read_payload(tmp_path / "warc", loc, out, decoded=True) == len(HTML.encode())
    assert out.getvalue() == HTML.encode()


def test_content_encoding_on_two_lines_is_one_list(site: Site, tmp_path: Path) -> None:
    """RFC 9110, 5.3: "Content-Encoding: gzip" twice is "gzip, gzip". The
    page is read (its headline found) and --decoded undoes both codings,
    where the second line was left out: a gzip stream written as decoded."""
    body = gzip.compress(gzip.compress(HTML.encode(), mtime=0), mtime=0)
    site.page("/twice", body, headers=[("Content-Encoding", "gzip"),
                                       ("Content-Encoding", "gzip")])
    hop = fetch_hop(site.url("/twice"), tmp_path)
    assert hop.codings() == "gzip, gzip"
    with WarcWriter(tmp_path / "warc", WarcSettings(), SOFTWARE) as writer:
        _, loc = writer.write_exchange(hop)
    out = io.BytesIO()
    read_payload(tmp_path / "warc", loc, out, decoded=True)
    assert out.getvalue() == HTML.encode()
    args = _body(hop, Settings())
    page = extract_body(*args) if args is not None else None
    assert page is not None and page.headline


def test_a_transfer_coding_but_chunked_is_undone_to_read_the_page(site: Site,
                                                                  tmp_path: Path) -> None:
    """Transfer-Encoding: gzip, chunked: the body is stored de-chunked, still
    gzip (as sent), under X-Archive-Orig-Transfer-Encoding; the page is read and
    --decoded undoes the gzip, where the page went unread (no headline) and
    --decoded wrote gzip bytes."""
    from .lab import Handler
    from .test_http11 import fetch_all

    packed = gzip.compress(HTML.encode(), mtime=0)

    def transfer_gzip(handler: Handler) -> None:
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                            b"Transfer-Encoding: gzip, chunked\r\n\r\n"
                            + b"%x\r\n" % len(packed) + packed + b"\r\n0\r\n\r\n")
        handler.wfile.flush()

    site.raw("/te", transfer_gzip)
    (result,) = fetch_all(tmp_path, [site.url("/te")])
    hop = result.final
    assert result.error is None and hop is not None and hop.codings() == "gzip"
    args = _body(hop, Settings())
    page = extract_body(*args) if args is not None else None
    assert page is not None and page.headline
    with WarcWriter(tmp_path / "warc", WarcSettings(), SOFTWARE) as writer:
        _, loc = writer.write_exchange(hop)
    out = io.BytesIO()
    read_payload(tmp_path / "warc", loc, out, decoded=True)
    assert out.getvalue() == HTML.encode()


@pytest.mark.parametrize(("damage", "words"), [
    (lambda z: z[: len(z) // 2], "cut short after"),
    (lambda z: z[:40] + bytes([z[40] ^ 0xFF]) + z[41:], "damaged after"),
    (lambda z: b"not gzip at all" + z, "damaged after 0 decoded bytes"),
])
def test_a_payload_sent_damaged_is_not_decoded_in_part(
        site: Site, tmp_path: Path, damage: Callable[[bytes], bytes], words: str) -> None:
    """The server sent a damaged gzip body: the capture keeps it as sent, and
    --decoded refuses, writing nothing, where it would give a readable part."""
    sent = damage(gzip.compress(HTML.encode() * 20, mtime=0))
    loc = _captured(site, tmp_path, sent, "gzip")
    raw = io.BytesIO()
    read_payload(tmp_path / "warc", loc, raw)
    assert raw.getvalue() == sent
    out = io.BytesIO()
    with pytest.raises(UndecodablePayload, match=words) as info:
        read_payload(tmp_path / "warc", loc, out, decoded=True)
    assert "without --decoded it is written as captured" in str(info.value)
    assert out.getvalue() == b""


def test_read_while_file_still_open(site: Site, tmp_path: Path) -> None:
    site.page("/a", HTML)
    writer = WarcWriter(tmp_path, WarcSettings(), SOFTWARE)
    _, resp = writer.write_exchange(fetch_hop(site.url("/a"), tmp_path))
    writer.sync()
    assert not (tmp_path / resp.filename).exists()
    out = io.BytesIO()
    read_payload(tmp_path, resp, out)
    assert out.getvalue() == HTML.encode()
    writer.close()


def test_a_file_closed_as_it_is_read_is_read_under_its_final_name(
        site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A record was looked for as NAME (absent), then NAME.open (there); its
    writer renamed the file to NAME before it was opened: verify and get said
    the record unreadable. The file is looked for again under its final name."""
    from archiver import retrieval

    site.page("/a", HTML)
    writer = WarcWriter(tmp_path, WarcSettings(), SOFTWARE)
    _, resp = writer.write_exchange(fetch_hop(site.url("/a"), tmp_path))
    writer.sync()
    found = retrieval.warc_path

    def then_closed(warc_dir: Path, filename: str) -> Path:
        path = found(warc_dir, filename)
        if path.name.endswith(".open"):
            writer.close()  # the writer closes the file just now
        return path

    monkeypatch.setattr(retrieval, "warc_path", then_closed)
    assert verify_records(tmp_path, [resp]) == []
    assert (tmp_path / resp.filename).exists()
    out = io.BytesIO()
    read_payload(tmp_path, resp, out)
    assert out.getvalue() == HTML.encode()


def test_http_head(archive: Archive) -> None:
    head = read_http_head(archive.dir, archive.locs["/gzip"][1])
    assert head.startswith(b"HTTP/1.1 200 OK\r\n") and head.endswith(b"\r\n\r\n")
    assert b"\r\nContent-Encoding: gzip\r\n" in head
    head = read_http_head(archive.dir, archive.revisit[1])
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    head = read_http_head(archive.dir, archive.locs["/chunked"][1])
    assert b"\r\nX-Archive-Orig-Transfer-Encoding: chunked\r\n" in head


def test_revisit_payload_needs_its_original(archive: Archive) -> None:
    original = archive.locs["/plain"][1]
    assert payload(archive, archive.revisit[1], original=original) == HTML.encode()
    with pytest.raises(RecordError):
        payload(archive, archive.revisit[1])
    with pytest.raises(RecordError, match="refers to"):
        payload(archive, archive.revisit[1], original=archive.locs["/gzip"][1])


def test_unchanged_recheck_is_small(archive: Archive) -> None:
    """Request + revisit (gzip) of an unchanged page: under 2 KB per citation."""
    req, rev = archive.revisit
    assert rev.record_type == "revisit"
    assert rev.payload_digest == archive.locs["/plain"][1].payload_digest
    assert req.length + rev.length < 2048, (req.length, rev.length)
    full = sum(loc.length for loc in archive.locs["/plain"])
    assert req.length + rev.length < full


def test_copy_records_is_a_valid_warc(archive: Archive, tmp_path: Path) -> None:
    out = tmp_path / "one.warc.gz"
    with open(out, "wb") as fh:
        copy_records(archive.dir, archive.locs["/gzip"], fh)
    check = warcio_check(out)
    assert check.returncode == 0 and check.stdout.count("digest pass") == 2, check.stdout


def test_corrupt_or_cut_records_raise_record_error(archive: Archive) -> None:
    loc = archive.locs["/plain"][1]
    path = archive.dir / loc.filename
    data = bytearray(path.read_bytes())
    data[loc.offset + loc.length // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(RecordError):
        payload(archive, loc)
    path.write_bytes(bytes(data[:loc.offset + 10]))
    with pytest.raises(RecordError):
        payload(archive, loc)
    path.unlink()
    with pytest.raises(RecordError, match="not found") as missing:
        payload(archive, loc)
    # a whole-file problem names the file alone, no offset
    assert str(missing.value) == f"{loc.filename}: WARC file not found"
    shifted = RecordLocation(loc.filename, 0, 10, loc.record_id, "response", "", None)
    with pytest.raises(RecordError):
        payload(archive, shifted)


def test_a_location_holding_another_intact_record_is_refused(archive: Archive) -> None:
    """The database's row points at a whole record whose digests hold, but whose
    WARC-Record-ID is not the one recorded: nothing is read from it."""
    plain, gzipped = archive.locs["/plain"][1], archive.locs["/gzip"][1]
    swapped = RecordLocation(gzipped.filename, gzipped.offset, gzipped.length,
                             plain.record_id, "response", gzipped.block_digest,
                             gzipped.payload_digest)
    with pytest.raises(RecordError, match=f"is there, not {plain.record_id}") as info:
        payload(archive, swapped)
    assert (info.value.filename, info.value.offset) == (gzipped.filename, gzipped.offset)
    assert [p.kind for p in verify_records(archive.dir, [swapped])] == ["wrong-record"]


def test_verify_clean_archive(archive: Archive) -> None:
    assert verify_records(archive.dir, archive.all_locs()) == []
    names = {p.name: file_sha256(p) for p in archive.dir.glob("*.warc.gz")}
    assert verify_files(archive.dir, names) == []


@pytest.mark.parametrize("where", ["header", "body", "last-record"])
def test_verify_catches_one_flipped_byte(archive: Archive, where: str) -> None:
    recorded = {p.name: file_sha256(p) for p in archive.dir.glob("*.warc.gz")}
    target = {"header": archive.locs["/plain"][1], "body": archive.locs["/gzip"][1],
              "last-record": archive.meta}[where]
    path = archive.dir / target.filename
    data = bytearray(path.read_bytes())
    pos = {"header": target.offset + 12,  # the first deflated bytes: the WARC header
           "body": target.offset + target.length - 40,
           "last-record": len(data) - 1}[where]  # the gzip trailer of the last record
    data[pos] ^= 0x20
    path.write_bytes(bytes(data))
    problems = verify_records(archive.dir, archive.all_locs())
    assert [(p.filename, p.offset) for p in problems] == [(target.filename, target.offset)]
    file_problems = verify_files(archive.dir, recorded)
    assert [p.kind for p in file_problems] == ["changed"]


@pytest.mark.parametrize("where", ["record", "warcinfo"])
def test_a_changed_gzip_header_is_found_with_its_offset(archive: Archive, where: str) -> None:
    """The ten bytes of a member's gzip header (here its time) are covered by no
    digest: they must be the writer's, for a listed record (get refuses it) and
    for the warcinfo record no database row names (verify still says where)."""
    recorded = {p.name: file_sha256(p) for p in archive.dir.glob("*.warc.gz")}
    loc = archive.locs["/plain"][1]
    path = archive.dir / loc.filename
    offset = loc.offset if where == "record" else 0
    data = bytearray(path.read_bytes())
    data[offset + 4] ^= 0x01  # MTIME
    path.write_bytes(bytes(data))
    problems = verify_records(archive.dir, archive.all_locs())
    if where == "record":
        assert [(p.filename, p.offset, p.kind) for p in problems] == \
            [(loc.filename, loc.offset, "unreadable")]
        assert "gzip header" in problems[0].message
        with pytest.raises(RecordError, match="gzip header"):
            payload(archive, loc)
    else:
        assert problems == []
    (changed,) = verify_files(archive.dir, recorded)
    assert (changed.kind, changed.offset) == ("changed", offset)
    assert "the gzip header of the member there differs" in changed.message


def test_verify_catches_digest_mismatch_without_gzip_damage(archive: Archive) -> None:
    """A record re-written with a different body (valid gzip) fails its digest."""
    loc = archive.locs["/plain"][1]
    path = archive.dir / loc.filename
    data = path.read_bytes()
    member = gzip.decompress(data[loc.offset:loc.offset + loc.length])
    forged = member.replace(b"Thirty-two", b"Thirty-one")
    assert forged != member
    new_member = warc_member(forged)
    path.write_bytes(data[:loc.offset] + new_member + data[loc.offset + loc.length:])
    moved = RecordLocation(loc.filename, loc.offset, len(new_member), loc.record_id,
                           loc.record_type, loc.block_digest, loc.payload_digest)
    kinds = {p.kind for p in verify_records(archive.dir, [moved])}
    assert kinds == {"block-digest", "payload-digest"}


def test_verify_files_missing_and_unrecorded(archive: Archive) -> None:
    (name,) = [p.name for p in archive.dir.glob("*.warc.gz")]
    problems = verify_files(archive.dir, {name: file_sha256(archive.dir / name),
                                          "gone.warc.gz": "00"})
    assert [(p.filename, p.kind) for p in problems] == [("gone.warc.gz", "missing")]
    problems = verify_files(archive.dir, {})
    assert [(p.filename, p.kind) for p in problems] == [(name, "unrecorded")]


def test_export_wacz_validates(archive: Archive, tmp_path: Path) -> None:
    names = [p.name for p in archive.dir.glob("*.warc.gz")]
    out = tmp_path / "out" / "archive.wacz"
    pages = [{"url": archive.site.url("/plain"), "ts": "2026-11-25T14:00:00Z",
              "title": "Taiwan slams Malaysia over deportations"},
             {"url": archive.site.url("/gzip"), "ts": "2026-11-25T14:00:01Z", "title": "gz"}]
    export_wacz(archive.dir, names, pages, out)
    proc = subprocess.run([sys.executable, "-m", "wacz", "validate", "-f", str(out)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with zipfile.ZipFile(out) as z:
        members = set(z.namelist())
        assert {f"archive/{n}" for n in names} <= members
        assert any(m.startswith("indexes/index.cdx") for m in members)
        assert "datapackage.json" in members
        lines = z.read("pages/pages.jsonl").decode().splitlines()
        urls = {json.loads(line).get("url") for line in lines[1:]}
        assert urls == {p["url"] for p in pages}
        datapackage = json.loads(z.read("datapackage.json"))
        assert all(r["hash"].startswith("sha256:") for r in datapackage["resources"])
        assert z.read(f"archive/{names[0]}") == (archive.dir / names[0]).read_bytes()
    assert [p.name for p in out.parent.iterdir()] == ["archive.wacz"]  # no temp left


def test_encodings_applied_one_over_another_are_undone(site: Site, tmp_path: Path) -> None:
    loc = _captured(site, tmp_path, gzip.compress(brotli.compress(HTML.encode())), "br, gzip")
    out = io.BytesIO()
    assert read_payload(tmp_path / "warc", loc, out, decoded=True) == len(HTML.encode())
    assert out.getvalue() == HTML.encode()
    # the inner one damaged: nothing written
    cut = brotli.compress(HTML.encode())[:-4]
    loc = _captured(site, tmp_path, gzip.compress(cut), "br, gzip")
    out = io.BytesIO()
    with pytest.raises(UndecodablePayload, match="br stream is cut short"):
        read_payload(tmp_path / "warc", loc, out, decoded=True)
    assert out.getvalue() == b""


def test_an_encoding_it_cannot_undo_is_said_so(site: Site, tmp_path: Path) -> None:
    loc = _captured(site, tmp_path, zlib.compress(HTML.encode()), "compress")
    out = io.BytesIO()
    with pytest.raises(UndecodablePayload, match="cannot undo Content-Encoding 'compress'"):
        read_payload(tmp_path / "warc", loc, out, decoded=True)
    assert out.getvalue() == b""


_MANY_FILES = r'''
import io, json, sys
from pathlib import Path
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter
from archiver.collection import export_wacz

warc_dir, out, count = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
names = []
for i in range(count):
    name = f"archiver-a-long-name-as-a-cycle-gives-its-files-{i:05d}.warc.gz"
    with open(warc_dir / name, "wb") as fh:
        writer = WARCWriter(fh, gzip=True, warc_version="WARC/1.1")
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/plain")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(
            f"http://127.0.0.1:9/{i}", "response", payload=io.BytesIO(b"x"), http_headers=http))
    names.append(name)
export_wacz(warc_dir, names, [{"url": "http://127.0.0.1:9/0", "ts": "2026-11-25T14:00:00Z"}],
            out)
'''


def test_an_archive_of_more_files_than_a_command_line_holds_is_exported(
        tmp_path: Path) -> None:
    """The WARC files' paths go to ``wacz create`` on its standard input: 1,500 of
    them are some 160 KB of paths, more than the 128 KB a command line holds
    under a 512 KB stack ("Argument list too long"; the default 8 MB stack
    allows 2 MB, which years of hourly cycles outgrow)."""
    import resource

    warc_dir = tmp_path / ("warc-" + "d" * 40)
    warc_dir.mkdir()
    out = tmp_path / "many.wacz"

    def small_stack() -> None:
        resource.setrlimit(resource.RLIMIT_STACK, (512 * 1024, resource.RLIM_INFINITY))

    proc = subprocess.run([sys.executable, "-c", _MANY_FILES, str(warc_dir), str(out), "1500"],
                          capture_output=True, text=True, timeout=600, preexec_fn=small_stack)
    assert proc.returncode == 0, proc.stderr[-2000:]
    with zipfile.ZipFile(out) as z:
        packed = [n for n in z.namelist() if n.startswith("archive/")]
    assert len(packed) == 1500
