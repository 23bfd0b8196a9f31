"""The fetcher's HTTP/1.1 exchanges (``archiver/http11.py``) against a loopback server.

Each case is a response framing a server may send: what the hop keeps and
whether the connection is used again (counted by the server).
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from archiver.fetch import Fetcher, make_client
from archiver.models import FetchResult, Hop

from .lab import Handler, Site, body_of
from .test_hostile import head, settings


def fetch_all(tmp_path: Path, urls: list[str]) -> list[FetchResult]:
    s = settings()

    async def go() -> list[FetchResult]:
        async with make_client(s) as client:
            fetcher = Fetcher(client, s, tmp_path)
            return [await fetcher.fetch(url) for url in urls]

    return asyncio.run(go())


def test_interim_responses_are_skipped(site: Site, tmp_path: Path) -> None:
    def early_hints(handler: Handler) -> None:
        head(handler, ["HTTP/1.1 103 Early Hints", "Link: </style.css>; rel=preload"])
        head(handler, ["HTTP/1.1 100 Continue"])
        head(handler, ["HTTP/1.1 200 OK", "Content-Type: text/plain", "Content-Length: 5",
                       "X-Final: yes"])
        handler.wfile.write(b"hello")

    site.raw("/hints", early_hints)
    site.page("/next", "<p>next</p>")
    first, second = fetch_all(tmp_path, [site.url("/hints"), site.url("/next")])
    hop = first.final
    assert first.error is None and hop is not None
    assert hop.status == 200 and hop.reason_phrase == "OK"
    assert ("X-Final", "yes") in hop.response_headers
    assert all(k != "Link" for k, _ in hop.response_headers)
    assert body_of(hop) == b"hello"
    assert second.error is None
    assert site.connections == 1  # the connection was kept for the next request


def test_a_body_delimited_by_the_end_of_the_connection(site: Site, tmp_path: Path) -> None:
    def until_close(handler: Handler) -> None:
        head(handler, ["HTTP/1.1 200 OK", "Content-Type: text/plain"])
        handler.wfile.write(b"no length, ")
        handler.wfile.flush()
        handler.wfile.write(b"ends when the server closes")
        handler.close_connection = True

    site.raw("/eof", until_close)
    site.page("/next", "<p>next</p>")
    first, second = fetch_all(tmp_path, [site.url("/eof"), site.url("/next")])
    assert first.error is None and first.final is not None
    assert not first.final.truncated
    assert body_of(first.final) == b"no length, ends when the server closes"
    assert second.error is None
    assert site.connections == 2  # a connection that delimited a body is not reused


def test_a_short_body_is_kept_and_the_fetch_is_a_protocol_error(site: Site,
                                                                 tmp_path: Path) -> None:
    def short(handler: Handler) -> None:
        head(handler, ["HTTP/1.1 200 OK", "Content-Length: 100"])
        handler.wfile.write(b"only 20 bytes here..")
        handler.close_connection = True

    site.raw("/short", short)
    (result,) = fetch_all(tmp_path, [site.url("/short")])
    assert result.error == "protocol"
    hop = result.hops[0]
    assert hop.status == 200 and hop.truncated_reason == "error"
    assert body_of(hop) == b"only 20 bytes here.."


def test_http_1_0_and_connection_close_are_not_reused(site: Site, tmp_path: Path) -> None:
    def old(handler: Handler) -> None:
        head(handler, ["HTTP/1.0 200 OK", "Content-Length: 3"])
        handler.wfile.write(b"old")

    def closing(handler: Handler) -> None:
        head(handler, ["HTTP/1.1 200 OK", "Content-Length: 3", "Connection: close"])
        handler.wfile.write(b"bye")
        handler.close_connection = True

    site.raw("/old", old)
    site.raw("/close", closing)
    site.page("/next", "<p>next</p>")
    results = fetch_all(tmp_path, [site.url("/old"), site.url("/close"), site.url("/next")])
    assert [r.error for r in results] == [None, None, None]
    assert results[0].final is not None and results[0].final.http_version == "HTTP/1.0"
    assert body_of(results[0].final) == b"old"
    assert results[1].final is not None and body_of(results[1].final) == b"bye"
    assert site.connections == 3


def test_chunked_responses_keep_the_connection(site: Site, tmp_path: Path) -> None:
    def chunked(handler: Handler) -> None:
        head(handler, ["HTTP/1.1 200 OK", "Transfer-Encoding: chunked"])
        handler.wfile.write(b"4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\nX-Trailer: t\r\n\r\n")

    site.raw("/chunked", chunked)
    results = fetch_all(tmp_path, [site.url("/chunked")] * 3)
    assert [body_of(r.final) for r in results if r.final] == [b"Wikipedia"] * 3
    assert site.connections == 1


def test_bytes_after_a_response_spoil_the_connection(site: Site, tmp_path: Path) -> None:
    def extra(handler: Handler) -> None:
        head(handler, ["HTTP/1.1 200 OK", "Content-Length: 2"])
        handler.wfile.write(b"ok" + b"unasked bytes that are no response")
        handler.wfile.flush()

    site.raw("/extra", extra)
    site.page("/next", "<p>next</p>")
    first, second = fetch_all(tmp_path, [site.url("/extra"), site.url("/next")])
    assert first.error is None and first.final is not None
    assert body_of(first.final) == b"ok"
    assert second.error is None and second.final is not None and second.final.status == 200
    assert site.connections == 2
    # sent once, on a new connection (not read from the spoiled one and sent again)
    assert len(site.hits_for("/next")) == 1


def test_a_second_response_sent_unasked_is_not_the_first_ones(site: Site,
                                                              tmp_path: Path) -> None:
    """A 404 of three bytes followed at once by a 200 page: the exchange was the
    404, and nothing of the second message (status, reason, headers, body) is
    mixed into it."""
    def two(handler: Handler) -> None:
        head(handler, ["HTTP/1.1 404 Not Found", "Content-Type: text/plain",
                       "Content-Length: 3"])
        handler.wfile.write(b"abc" + b"HTTP/1.1 200 Fine\r\nContent-Type: text/html\r\n"
                            b"X-Second: yes\r\nContent-Length: 11\r\n\r\n<p>page</p>")
        handler.wfile.flush()

    site.raw("/two", two)
    (result,) = fetch_all(tmp_path, [site.url("/two")])
    hop = result.final
    assert hop is not None
    assert (hop.status, hop.reason_phrase) == (404, "Not Found")
    assert body_of(hop) == b"abc"
    assert all(k != "X-Second" for k, _ in hop.response_headers)
    assert hop.header("content-type") == "text/plain"


def test_responses_browsers_read_are_read(site: Site, tmp_path: Path) -> None:
    """RFC 9112 asks a client to read an obs-fold as a space, lets chunked framing
    win over Content-Length and a bare LF end a line: such answers of old
    servers were 'malformed' (unreachable, on the way to dead) and not archived."""
    def folded(handler: Handler) -> None:
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Fold: first\r\n"
                            b"  second part\r\nContent-Length: 5\r\n\r\nhello")

    def both(handler: Handler) -> None:
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 99"
                            b"\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")

    def bare_lf(handler: Handler) -> None:
        handler.wfile.write(b"HTTP/1.1 200 OK\nContent-Type: text/plain\nContent-Length: 5\n\n"
                            b"hello")

    for path, answer in (("/folded", folded), ("/both", both), ("/lf", bare_lf)):
        site.raw(path, answer)
    results = fetch_all(tmp_path, [site.url(p) for p in ("/folded", "/both", "/lf")])
    for result in results:
        assert result.error is None and result.final is not None, result.error_detail
        assert result.final.status == 200 and body_of(result.final) == b"hello"
    folded_hop = results[0].final
    assert folded_hop is not None and folded_hop.header("x-fold") is not None
    assert "second part" in folded_hop.header("x-fold")


def test_a_length_given_twice_with_one_value_is_one_length(site: Site, tmp_path: Path) -> None:
    """RFC 9110, 8.6: Content-Length on two lines with the same digits, or
    "5, 5", is one length (it was 'malformed', never archived); two lengths
    that differ are still an error. The head is kept as it came."""
    twice = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n"
             b"X-Between: y\r\nContent-Length: 5\r\n\r\n")

    def answer(head: bytes) -> Callable[[Handler], None]:
        def send(handler: Handler) -> None:
            handler.wfile.write(head + b"hello")
            handler.wfile.flush()
        return send

    site.raw("/twice", answer(twice))
    site.raw("/listed", answer(b"HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n"))
    site.raw("/differ", answer(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
                               b"Content-Length: 6\r\n\r\n"))
    site.page("/next", "<p>next</p>")
    results = fetch_all(tmp_path, [site.url(p) for p in ("/twice", "/listed", "/differ",
                                                          "/next")])
    for result in results[:2]:
        assert result.error is None and result.final is not None, result.error_detail
        assert result.final.status == 200 and body_of(result.final) == b"hello"
    assert results[0].final is not None and results[0].final.raw_head == twice
    assert results[2].error == "protocol"
    assert results[3].error is None


def test_the_record_holds_the_head_as_received(site: Site, tmp_path: Path) -> None:
    """Spacing around values, an empty value, a folded line, a status line with
    no reason: the response record's head is the bytes the server sent, but for
    the renamed Transfer-Encoding (the body is stored de-chunked). It was
    rebuilt as "name: value" lines, and the block digest vouched for bytes no
    server sent."""
    from warcio.archiveiterator import ArchiveIterator

    from archiver.settings import WarcSettings
    from archiver.warc import WarcWriter
    from archiver.warcparts import response_head

    from .test_warc import SOFTWARE, warcio_check

    sent = (b"HTTP/1.1 200\r\nContent-Type: text/plain\r\nX-Spaces:    lots of space   \r\n"
            b"X-Tab:\tv\r\nX-Empty:\r\nX-Fold: first\r\n  second part\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n")

    def odd(handler: Handler) -> None:
        handler.wfile.write(sent + b"5\r\nhello\r\n0\r\n\r\n")

    site.raw("/odd", odd)
    (result,) = fetch_all(tmp_path, [site.url("/odd")])
    hop = result.final
    assert result.error is None and hop is not None and body_of(hop) == b"hello"
    assert response_head(hop) == sent.replace(b"Transfer-Encoding",
                                              b"X-Archive-Orig-Transfer-Encoding")
    with WarcWriter(tmp_path / "warc", WarcSettings(), SOFTWARE) as writer:
        writer.write_exchange(hop)
    (path,) = (tmp_path / "warc").glob("*.warc.gz")
    assert warcio_check(path).returncode == 0
    with open(path, "rb") as fh:
        read = [(r.http_headers.get_header("X-Tab"), r.content_stream().read())
                for r in ArchiveIterator(fh) if r.rec_type == "response"]
    assert read == [("v", b"hello")]


@pytest.mark.parametrize("ending", ["close", "reset"])
def test_a_kept_connection_closed_as_the_request_goes_out_is_retried_on_a_new_one(
        monkeypatch: pytest.MonkeyPatch, ending: str) -> None:
    """A server whose keep-alive timeout closes (or resets) the connection just as
    the next request goes out, before the idle connection shows it: nothing of
    that request was answered, so it is sent again on a new connection, where it
    failed ('malformed response' for a reset, counted towards dead)."""
    from archiver import http11
    from archiver.netpolicy import PolicyBackend

    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    answer = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"
    accepted: list[int] = []

    def serve() -> None:
        listener.settimeout(10)
        with listener:
            for _ in range(2):  # bounded: two connections at most
                try:
                    conn, _ = listener.accept()
                except OSError:
                    return
                accepted.append(1)
                with conn:
                    conn.settimeout(10)
                    conn.recv(65536)
                    conn.sendall(answer)
                    if len(accepted) == 1:  # the first one closes once it has answered
                        if ending == "reset":
                            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                            struct.pack("ii", 1, 0))
                        continue
                    with contextlib.suppress(OSError):
                        conn.recv(65536)  # until the client closes

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    # the moment before the closed idle connection shows it, made lasting
    monkeypatch.setattr(http11.Connection, "readable", lambda self: False)

    async def two_requests() -> list[bytes]:
        pool = http11.Connections(PolicyBackend(allow_private=True), ssl.create_default_context,
                                  per_origin=1, keepalive_expiry=30, max_pools=4,
                                  connect_timeout=5)
        bodies = []
        try:
            for path in (b"/a", b"/b"):
                response = await pool.request(b"http", b"127.0.0.1", port, path,
                                              [(b"Host", b"127.0.0.1")])
                bodies.append(b"".join([chunk async for chunk in response]))
                await response.aclose()
                await asyncio.sleep(0.2)  # the server's close has come by now
        finally:
            await pool.aclose()
        return bodies

    assert asyncio.run(two_requests()) == [b"hello", b"hello"]
    thread.join(10)
    assert len(accepted) == 2


def test_trailers_are_bounded_and_not_kept(site: Site, tmp_path: Path) -> None:
    """Trailer fields after a chunked body are read as a head is: at most
    MAX_HEAD_BYTES, and never added to the response's headers."""
    from archiver.http11 import MAX_HEAD_BYTES

    from .test_hostile import fetch

    def trailers(handler: Handler, count: int) -> None:
        head(handler, ["HTTP/1.1 200 OK", "Content-Type: text/plain",
                       "Transfer-Encoding: chunked"])
        handler.wfile.write(b"5\r\nhello\r\n0\r\n")
        for _ in range(count):  # bounded: 8 MB at most
            handler.wfile.write(b"X-T: " + b"v" * 1000 + b"\r\n")
        handler.wfile.write(b"\r\n")
        handler.wfile.flush()

    site.raw("/few", lambda h: trailers(h, 2))
    site.raw("/endless", lambda h: trailers(h, 8000))
    few, _, _ = fetch(tmp_path, site.url("/few"))
    assert few.error is None and few.final is not None
    assert body_of(few.final) == b"hello"
    assert all(k != "X-T" for k, _ in few.final.response_headers)
    endless, _, peak = fetch(tmp_path, site.url("/endless"))
    assert endless.error == "protocol"
    assert f"trailers larger than {MAX_HEAD_BYTES} bytes" in endless.error_detail
    assert peak < 20 * MAX_HEAD_BYTES + 4_000_000, peak  # not the 8 MB sent, sixteenfold


def test_a_transfer_coding_not_ending_in_chunked_lasts_until_close(site: Site,
                                                                  tmp_path: Path) -> None:
    """RFC 9112, 6.3: such a body is delimited by the end of the connection."""
    def gzip_coded(handler: Handler) -> None:
        head(handler, ["HTTP/1.1 200 OK", "Content-Type: text/plain",
                       "Transfer-Encoding: gzip"])
        handler.wfile.write(b"\x1f\x8b transfer-coded bytes")
        handler.wfile.flush()
        handler.close_connection = True

    site.raw("/te", gzip_coded)
    (result,) = fetch_all(tmp_path, [site.url("/te")])
    assert result.error is None and result.final is not None
    assert body_of(result.final) == b"\x1f\x8b transfer-coded bytes"


def test_a_header_line_browsers_read_past_is_kept_but_not_read(site: Site,
                                                               tmp_path: Path) -> None:
    """Chromium and Firefox skip a header line with no colon, or whose name is
    empty or not a token, and show the page; llhttp refused the whole answer
    ('malformed', never archived, on the way to dead). The record holds the
    head as it came, that line included; the headers read leave it out."""
    from warcio.archiveiterator import ArchiveIterator

    from archiver.settings import WarcSettings
    from archiver.warc import WarcWriter

    from .test_warc import SOFTWARE, warcio_check

    page = b"<html><head><title>Read</title></head><body><p>hello</p></body></html>"
    heads = {
        "/no-colon": b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Broken-Line\r\n"
                     b"Content-Length: %d\r\n\r\n",
        # an obs-fold line continues the line it follows: both are read past
        "/folded": b"HTTP/1.1 200 OK\r\nX-Broken-Line\r\n  still broken\r\n"
                   b"Content-Type: text/html\r\nContent-Length: %d\r\n\r\n",
        "/not-a-name": b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX Broken: y\r\n"
                       b": no name\r\n<html>\r\nContent-Length: %d\r\n\r\n",
        "/bare-lf": b"HTTP/1.1 200 OK\nContent-Type: text/html\nX-Broken-Line\n"
                    b"Content-Length: %d\n\n",
        "/hints": b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
                  b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Broken-Line\r\n"
                  b"Content-Length: %d\r\n\r\n",
        # with a length given twice as well
        "/twice": b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nX-Broken-Line\r\n"
                  b"Content-Type: text/html\r\nContent-Length: 70\r\n\r\n",
    }
    assert len(page) == 70

    def answer(sent: bytes) -> Callable[[Handler], None]:
        def send(handler: Handler) -> None:
            handler.wfile.write(sent % len(page) + page)
            handler.wfile.flush()
        return send

    def in_two(handler: Handler) -> None:  # the rest of the head comes later
        sent = heads["/no-colon"] % len(page) + page
        handler.wfile.write(sent[:sent.index(b"Line\r\n") + 6])
        handler.wfile.flush()
        time.sleep(0.3)
        handler.wfile.write(sent[sent.index(b"Line\r\n") + 6:])
        handler.wfile.flush()

    for path, sent in heads.items():
        site.raw(path, answer(sent))
    site.raw("/in-two", in_two)
    heads["/in-two"] = heads["/no-colon"]
    site.page("/next", "<p>next</p>")
    paths = [*heads, "/next"]
    results = dict(zip(paths, fetch_all(tmp_path, [site.url(p) for p in paths]), strict=True))
    for path in heads:
        result = results[path]
        hop = result.final
        assert result.error is None and hop is not None, (path, result.error_detail)
        assert hop.status == 200 and body_of(hop) == page, path
        assert hop.header("content-type") == "text/html", path
        assert [k for k, _ in hop.response_headers] == \
            (["Content-Length", "Content-Type"] if path == "/twice"
             else ["Content-Type", "Content-Length"]), (path, hop.response_headers)
        sent = heads[path] % len(page)
        if path == "/bare-lf":  # its line ends made CRLF
            sent = sent.replace(b"\n", b"\r\n")
        assert hop.raw_head == sent[sent.index(b"HTTP/1.1 200"):], path
    assert results["/next"].error is None
    hop = results["/no-colon"].final
    assert hop is not None
    with WarcWriter(tmp_path / "warc", WarcSettings(), SOFTWARE) as writer:
        writer.write_exchange(hop)
    (path,) = (tmp_path / "warc").glob("*.warc.gz")
    assert warcio_check(path).returncode == 0
    assert heads["/no-colon"] % len(page) + page in gzip.decompress(path.read_bytes())
    with open(path, "rb") as fh:
        read = [(r.http_headers.get_header("X-Broken-Line"),
                 r.http_headers.get_header("Content-Type"), r.content_stream().read())
                for r in ArchiveIterator(fh) if r.rec_type == "response"]
    assert read == [(None, "text/html", page)]


def _in_pieces(pieces: list[bytes]) -> Callable[[Handler], None]:
    """A server that writes *pieces* apart, as a slow or proxied one may."""
    def send(handler: Handler) -> None:
        for i, piece in enumerate(pieces):
            if i:
                time.sleep(0.2)
            handler.wfile.write(piece)
            handler.wfile.flush()
    return send


def _record_of(hop: Hop, tmp_path: Path) -> tuple[bytes, list[tuple[str, str]], bytes]:
    """*hop* written as a WARC record, checked by warcio: the record's bytes
    (decompressed), and its HTTP headers and payload as warcio reads them."""
    from warcio.archiveiterator import ArchiveIterator

    from archiver.settings import WarcSettings
    from archiver.warc import WarcWriter

    from .test_warc import SOFTWARE, warcio_check

    folder = tmp_path / f"warc-{hop.url.rsplit('/', 1)[1]}"
    with WarcWriter(folder, WarcSettings(), SOFTWARE) as writer:
        writer.write_exchange(hop)
    (path,) = folder.glob("*.warc.gz")
    checked = warcio_check(path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    with open(path, "rb") as fh:
        (read,) = [(r.http_headers.headers, r.content_stream().read())
                   for r in ArchiveIterator(fh) if r.rec_type == "response"]
    return gzip.decompress(path.read_bytes()), *read


BROKEN_LINES = [b"X Broken: v", b"X@Y: v", b": v"]


def test_a_head_that_comes_in_pieces_is_read_as_it_is_read_whole(site: Site,
                                                                  tmp_path: Path) -> None:
    """A header line browsers read past, written in two pieces split inside it
    (llhttp refuses at its bad byte, before the line has ended) or just before
    its line end: the rest of the head is waited for and the answer read as
    when it comes in one piece. It was 'malformed' ("Invalid header token"),
    never archived, on the way to dead; sent whole it was read."""
    page = b"<html><head><title>Read</title></head><body><p>hello</p></body></html>"
    cases: dict[str, tuple[bytes, int]] = {}  # path -> (head, where it is cut)
    for i, line in enumerate(BROKEN_LINES):
        for eol in (b"\r\n", b"\n"):
            sent = (b"HTTP/1.1 200 OK" + eol + b"Content-Type: text/html" + eol + line + eol
                    + b"Content-Length: %d" % len(page) + eol + eol)
            at = sent.index(line)
            cases[f"/inside-{i}-{len(eol)}"] = (sent, at + max(1, line.index(b":")))
            cases[f"/before-end-{i}-{len(eol)}"] = (sent, at + len(line))
    cases["/whole"] = (cases["/inside-0-2"][0], len(cases["/inside-0-2"][0]))
    for path, (sent, cut) in cases.items():
        whole = sent + page
        site.raw(path, _in_pieces([whole[:cut], whole[cut:]]))
    site.page("/next", "<p>next</p>")
    paths = [*cases, "/next"]
    results = dict(zip(paths, fetch_all(tmp_path, [site.url(p) for p in paths]), strict=True))
    for path, (sent, _) in cases.items():
        result = results[path]
        hop = result.final
        assert result.error is None and hop is not None, (path, result.error_detail)
        assert hop.status == 200 and body_of(hop) == page, path
        assert [k for k, _ in hop.response_headers] == ["Content-Type", "Content-Length"], path
        assert hop.raw_head == sent.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"), path
    assert results["/next"].error is None
    record, headers, payload = _record_of(results["/inside-1-2"].final, tmp_path)
    assert cases["/inside-1-2"][0] + page in record and payload == page
    assert ("Content-Type", "text/html") in headers


def test_spaces_before_a_colon_are_trimmed_as_chromium_reads_them(site: Site,
                                                                   tmp_path: Path) -> None:
    """'X-Broken : v' (a space or a tab before the colon) is the header
    X-Broken, as Chromium and warcio read it (Firefox reads past the line;
    either way browsers show the page): it was 'malformed', never archived, on
    the way to dead. The record keeps the line as it came. When the line frames
    the body (Content-Length, Transfer-Encoding), the connection is not used
    again: what may follow the body as read here is never taken for the next
    answer."""
    page = b"<html><head><title>Read</title></head><body><p>hello</p></body></html>"
    heads = {
        "/space": b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Broken : v\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(page),
        "/tab": b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Broken\t: v\r\n"
                b"Content-Length: %d\r\n\r\n" % len(page),
        "/length": b"HTTP/1.1 200 OK\r\nContent-Type \t: text/html\r\nContent-Length : %d"
                   b"\r\n\r\n" % len(page),
        "/chunked": b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                    b"Transfer-Encoding : chunked\r\n\r\n",
        # llhttp takes this one itself, the name with its space
        "/length-alone": b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length : %d"
                         b"\r\n\r\n" % len(page),
    }
    # cut before the colon: llhttp refuses the space; the colon, that says it
    # is no line to read past, comes later
    cut = heads["/space"].index(b"Broken ") + 7
    site.raw("/space", _in_pieces([heads["/space"][:cut], heads["/space"][cut:] + page]))
    site.raw("/tab", _in_pieces([heads["/tab"] + page]))
    cut = heads["/length"].index(b"Length ") + 7
    site.raw("/length", _in_pieces([heads["/length"][:cut], heads["/length"][cut:] + page]))
    site.raw("/chunked", _in_pieces([heads["/chunked"]
                                     + b"%x\r\n" % len(page) + page + b"\r\n0\r\n\r\n"]))
    site.raw("/length-alone", _in_pieces([heads["/length-alone"] + page]))
    site.page("/next", "<p>next</p>")
    paths = ["/space", "/tab", "/next", "/length", "/next", "/chunked", "/next",
             "/length-alone", "/next"]
    results = fetch_all(tmp_path, [site.url(p) for p in paths])
    for path, result in zip(paths, results, strict=True):
        hop = result.final
        assert result.error is None and hop is not None, (path, result.error_detail)
        assert hop.status == 200, path
        if path == "/next":
            continue
        assert body_of(hop) == page and hop.header("content-type") == "text/html", path
        assert hop.raw_head == heads[path], path
        assert all(k == k.strip() for k, _ in hop.response_headers), path
    assert results[0].final is not None and results[0].final.header("x-broken") == "v"
    assert results[1].final is not None and results[1].final.header("x-broken") == "v"
    assert results[7].final is not None
    assert results[7].final.header("content-length") == str(len(page))
    # one connection for /space, /tab and /next; a new one after each framing line
    assert site.connections == 4
    record, headers, payload = _record_of(results[3].final, tmp_path)
    assert heads["/length"] + page in record and payload == page
    assert ("Content-Length", str(len(page))) in headers
    record, headers, payload = _record_of(results[5].final, tmp_path)
    assert payload == page
    assert heads["/chunked"].replace(b"Transfer-Encoding", b"X-Archive-Orig-Transfer-Encoding") \
        + page in record


def test_a_bare_lf_head_keeps_every_line_in_the_record(site: Site, tmp_path: Path) -> None:
    """A head with bare-LF line ends is stored with every line as it came, its
    line ends made CRLF (WARC readers find the payload after CRLF CRLF). It was
    rebuilt from the fields read: a line browsers read past, the second line of
    a length given twice were gone from the record, which then held a head no
    server sent."""
    page = b"<html><head><title>Read</title></head><body><p>hello</p></body></html>"
    length = b"Content-Length: %d" % len(page)
    heads = {
        "/no-colon": b"HTTP/1.1 200 OK\nContent-Type: text/html\nX-Broken-Line\n" + length
                     + b"\n\n",
        "/twice": b"HTTP/1.1 200 OK\nContent-Type: text/html\n" + length + b"\n" + length
                  + b"\n\n",
        "/folded": b"HTTP/1.1 200 OK\nContent-Type: text/html\nX-Folded: a\n  b\n" + length
                   + b"\n\n",
        # one bare LF in a head of CRLF line ends
        "/mixed": b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Broken-Line\n" + length
                  + b"\r\n\r\n",
        "/spaces": b"HTTP/1.1 200 OK\nContent-Type:  text/html \nX-Empty:\n" + length + b"\n\n",
    }
    for path, sent in heads.items():
        site.raw(path, _in_pieces([sent + page]))
    results = dict(zip(heads, fetch_all(tmp_path, [site.url(p) for p in heads]), strict=True))
    for path, sent in heads.items():
        result = results[path]
        hop = result.final
        assert result.error is None and hop is not None, (path, result.error_detail)
        assert hop.status == 200 and body_of(hop) == page, path
        stored = sent.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        assert hop.raw_head == stored, path
        record, headers, payload = _record_of(hop, tmp_path)
        assert stored + page in record and payload == page, path
        assert headers[0] == ("Content-Type", "text/html"), path
    assert results["/spaces"].final is not None
    assert results["/spaces"].final.raw_head == heads["/spaces"].replace(b"\n", b"\r\n")


def test_heads_browsers_read_are_alive_and_archived_as_they_came(site: Site,
                                                                 tmp_path: Path) -> None:
    """Through a whole cycle: a line read past that comes in two pieces, spaces
    before a colon, a bare-LF head with a line read past are each 'alive' (they
    were 'unreachable', a malformed answer, or archived without that line), and
    the response record holds each head as it came (bare LF ends made CRLF)."""
    from archiver.pipeline import run_cycle
    from archiver.sources import load_sources
    from archiver.storeopen import open_store

    from .sourcesfile import lab_settings, one_event_per_url, write_sources
    from .test_warc import warcio_check

    page = (b"<html><head><title>Taiwanese deported from Kenya</title></head><body><article>"
            b"<h1>Taiwanese deported from Kenya</h1><p>" + b"The story. " * 40
            + b"</p></article></body></html>")
    length = b"Content-Length: %d" % len(page)
    heads = {
        "/pieces": b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX@Y: v\r\n" + length
                   + b"\r\n\r\n",
        "/spaced": b"HTTP/1.1 200 OK\r\nContent-Type : text/html\r\n" + length + b"\r\n\r\n",
        "/bare-lf": b"HTTP/1.1 200 OK\nContent-Type: text/html\nX-Broken-Line\n" + length
                    + b"\n" + length + b"\n\n",
    }
    cut = heads["/pieces"].index(b"@") + 1
    site.raw("/pieces", _in_pieces([heads["/pieces"][:cut], heads["/pieces"][cut:] + page]))
    site.raw("/spaced", _in_pieces([heads["/spaced"] + page]))
    site.raw("/bare-lf", _in_pieces([heads["/bare-lf"] + page]))
    urls = [site.url(p) for p in heads]
    src = write_sources(tmp_path / "sources.yaml", one_event_per_url(urls))
    archive = tmp_path / "archive"
    summary = asyncio.run(run_cycle(load_sources(src), archive=archive,
                                    settings=lab_settings()))
    store = open_store(archive)
    try:
        statuses = {c["url"]: c["status"] for c in store.checks_of_cycle(summary.cycle_id)}
        responses = {r["url"] for r in store.all_captures() if r["record_type"] == "response"}
    finally:
        store.close()
    assert statuses == dict.fromkeys(urls, "alive")
    assert responses == set(urls)
    (warc,) = (archive / "warc").glob("*.warc.gz")
    assert warcio_check(warc).returncode == 0
    stored = gzip.decompress(warc.read_bytes())
    for sent in heads.values():
        assert sent.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") + page in stored
