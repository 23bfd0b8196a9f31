"""Content-Encoding (archiver.codings), charset sniffing and body kinds (archiver.content)."""

from __future__ import annotations

import codecs
import gzip
import io
import random
import time
import zlib
from pathlib import Path

import brotli
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archiver.codings import decode_content
from archiver.content import (
    decode_text,
    is_html,
    is_pdf,
    normalize_charset,
    sniff_charset,
)

PAGES = Path(__file__).parent / "pages"
TEXT = ("Taipei protested after 32 Taiwanese were deported. " * 200).encode()
MB = 1024 * 1024


def raw_deflate(data: bytes) -> bytes:
    comp = zlib.compressobj(wbits=-15)
    return comp.compress(data) + comp.flush()


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("GZIP", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", raw_deflate),
        ("br", brotli.compress),
        ("identity", lambda d: d),
        (None, lambda d: d),
        ("gzip, br", lambda d: brotli.compress(gzip.compress(d))),
        ("deflate,gzip", lambda d: gzip.compress(zlib.compress(d))),
    ],
)
def test_decode_content_round_trip(encoding, encode):
    body, truncated = decode_content(encode(TEXT), encoding, 10 * MB)
    assert body == TEXT
    assert truncated is False


def test_concatenated_gzip_members_are_all_inflated():
    raw = gzip.compress(b"first ") + gzip.compress(b"second")
    assert decode_content(raw, "gzip", MB) == (b"first second", False)


def test_gzip_members_larger_than_a_piece_of_input_are_all_inflated():
    """A member may end in any piece of the input the inflater is fed: the rest
    of the body after it is the next member's, whatever its size (NUL padding
    between members skipped)."""
    rng = random.Random(7)
    first = bytes(rng.getrandbits(8) for _ in range(40_000))  # does not compress
    second = b"<h1>The headline</h1>" + bytes(rng.getrandbits(8) for _ in range(30_000))
    raw = gzip.compress(first) + b"\0" * 3 + gzip.compress(second) + gzip.compress(b"end")
    assert decode_content(raw, "gzip", 10 * MB) == (first + second + b"end", False)
    # a member cut short still ends the body, marked as not well formed
    body, truncated = decode_content(gzip.compress(first) + gzip.compress(second)[:-9],
                                     "gzip", 10 * MB)
    assert body.startswith(first + b"<h1>The headline</h1>") and truncated is False


def test_limit_truncates_plain_and_encoded_bodies():
    assert decode_content(TEXT, None, 100) == (TEXT[:100], True)
    body, truncated = decode_content(gzip.compress(TEXT), "gzip", 100)
    assert (body, truncated) == (TEXT[:100], True)


@pytest.mark.parametrize("encoding", ["gzip", "br", "deflate"])
def test_bomb_inflates_only_up_to_the_limit(encoding):
    zeros = b"\0" * (64 * MB)
    compress = {"gzip": lambda d: gzip.compress(d, compresslevel=1),
                "br": lambda d: brotli.compress(d, quality=4),
                "deflate": lambda d: zlib.compress(d, 1)}[encoding]
    bomb = compress(zeros)
    assert len(bomb) < 1 * MB  # a real bomb: tiny on the wire
    del zeros
    start = time.process_time()
    body, truncated = decode_content(bomb, encoding, 2 * MB)
    assert truncated is True
    assert len(body) == 2 * MB and body.count(0) == 2 * MB
    assert time.process_time() - start < 2.0


def test_corrupt_gzip_gives_raw_bytes_back():
    garbage = b"this is not gzip at all"
    assert decode_content(garbage, "gzip", MB) == (garbage, False)


def test_truncated_gzip_gives_what_was_decoded():
    compressed = gzip.compress(TEXT)
    body, _ = decode_content(compressed[: len(compressed) // 2], "gzip", MB)
    assert 0 < len(body) < len(TEXT)
    assert TEXT.startswith(body)


def test_corrupt_brotli_and_unknown_encoding_never_raise():
    assert decode_content(b"\xff\xfe garbage", "br", MB)[0] == b"\xff\xfe garbage"
    assert decode_content(b"abc", "zstd", MB) == (b"abc", False)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000), st.sampled_from(["gzip", "br", "deflate", "gzip, br", "x", None]),
       st.integers(min_value=0, max_value=5000))
def test_decode_content_never_raises(raw, encoding, limit):
    body, truncated = decode_content(raw, encoding, limit)
    assert isinstance(body, bytes) and isinstance(truncated, bool)
    assert len(body) <= max(limit, 0)


def _streams() -> list[tuple[str, bytes, str]]:
    """(name, body, Content-Encoding): well formed, cut short, corrupted."""
    gz = gzip.compress(TEXT)
    bad_crc = bytearray(gz)
    bad_crc[-6] ^= 0xFF
    flipped = bytearray(gz)
    flipped[len(gz) // 2] ^= 0x55
    return [
        ("gzip", gz, "gzip"),
        ("two members", gz + gzip.compress(b"tail"), "gzip"),
        ("members and zero padding", gz + b"\0" * 64 + gzip.compress(b"tail"), "gzip"),
        ("trailing garbage", gz + b"garbage", "gzip"),
        ("cut short", gz[: len(gz) // 3], "gzip"),
        ("bad checksum", bytes(bad_crc), "gzip"),
        ("flipped bits", bytes(flipped), "gzip"),
        ("zlib deflate", zlib.compress(TEXT), "deflate"),
        ("raw deflate", raw_deflate(TEXT), "deflate"),
        ("raw deflate cut short", raw_deflate(TEXT)[:200], "deflate"),
        ("not compressed", TEXT[:500], "gzip"),
    ]


@pytest.mark.parametrize(("name", "raw", "encoding"), _streams(), ids=[s[0] for s in _streams()])
@pytest.mark.parametrize("limit", [MB, 1000])
def test_isal_and_zlib_decode_alike(monkeypatch, name, raw, encoding, limit):
    """content inflates with ISA-L when installed: every stream, good or bad,
    must come out as zlib gives it."""
    isal_zlib = pytest.importorskip("isal.isal_zlib")  # the codec is optional
    import archiver.codings as codings

    results = []
    for codec in (zlib, isal_zlib):
        monkeypatch.setattr(codings, "_codec", codec)
        monkeypatch.setattr(codings, "_INFLATE_ERRORS", (zlib.error, codec.error))
        results.append(decode_content(raw, encoding, limit))
    assert results[0] == results[1], name


# ---------------------------------------------------------------- charsets

def test_bom_wins_over_declarations():
    body = codecs.BOM_UTF8 + "<meta charset=big5><p>café</p>".encode()
    assert sniff_charset(body, "text/html; charset=iso-8859-1") == "utf-8"
    assert decode_text(body, "utf-8").startswith("<meta")
    body16 = codecs.BOM_UTF16_LE + "<p>héllo</p>".encode("utf-16-le")
    assert sniff_charset(body16, None) == "utf-16-le"


def test_header_then_meta_charset():
    latin = "<p>caf\u00e9 \u2019</p>".encode("cp1252")
    assert sniff_charset(latin, "text/html; charset=ISO-8859-1") == "cp1252"
    assert sniff_charset(b'<meta charset="windows-1252">' + latin, None) == "cp1252"
    equiv = b'<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
    assert sniff_charset(equiv + "<p>外交部</p>".encode("gb2312"), None) == "gb18030"


@pytest.mark.parametrize(
    ("declared", "expected"),
    [("big5", "cp950"), ("BIG5", "cp950"), ("gb2312", "gb18030"), ("GBK", "gb18030"),
     ("iso-8859-1", "cp1252"), ("latin1", "cp1252"), ("us-ascii", "cp1252"),
     ("utf8", "utf-8"), ("UTF-8", "utf-8"), ("shift_jis", "cp932"), ("euc-kr", "cp949"),
     ("no-such-charset", None)],
)
def test_normalize_charset(declared, expected):
    assert normalize_charset(declared) == expected


def test_big5_page_uses_the_cp950_superset():
    body = (PAGES / "big5-taiwan.html").read_bytes()
    charset = sniff_charset(body, "text/html")
    assert charset == "cp950"
    text = decode_text(body, charset)
    assert "外交部今天表示" in text and "碁銹" in text and "\ufffd" not in text


def test_wrong_declared_charset_is_overruled():
    body = (PAGES / "wrong-charset-big5.html").read_bytes()
    assert b'charset="utf-8"' in body
    charset = sniff_charset(body, "text/html; charset=utf-8")
    assert charset != "utf-8"
    assert "立法院今天三讀通過" in decode_text(body, charset)


def test_legacy_declaration_on_utf8_bytes_reads_utf8():
    body = "<meta charset=iso-8859-1><p>Überraschung für Zürich – “quoted”</p>".encode()
    assert sniff_charset(body, None) == "utf-8"


def test_undeclared_legacy_bytes_use_the_detector():
    text = "<html><body><p>" + "外交部今天表示，馬來西亞政府將台灣籍嫌犯遣送至中國大陸。" * 20
    body = text.encode("cp950")
    charset = sniff_charset(body, "text/html")
    assert "外交部今天表示" in decode_text(body, charset)


#: A page whose first 64 KB are ASCII: the inline stylesheet a theme writes
#: before the title (Russian regional news sites on old PHP CMSes, served in
#: windows-1251 with no charset said), then the article.
_BIG_HEAD = ("<!doctype html><html><head><style>" + "a{color:red}\n" * 6000 + "</style>"
             "<title>Суд вынес решение - Лента</title></head><body><article>"
             "<h1>Суд вынес решение</h1><div class=\"date\">3 мая 2016</div>"
             "<p>Суд в Москве вынес решение по делу об экстрадиции.</p></article></body></html>")


@pytest.mark.parametrize(("encoding", "content_type"), [
    ("cp1251", "text/html"),
    ("cp1251", "text/html; charset=utf-8"),  # declared UTF-8, read badly: overruled
    ("utf-8", "text/html"),
    ("utf-8", "text/html; charset=windows-1251"),  # declared legacy, valid UTF-8
])
def test_a_page_whose_first_64_kb_are_ascii_is_read_by_what_follows(
        encoding: str, content_type: str) -> None:
    body = _BIG_HEAD.encode(encoding)
    assert len(body) > 70_000 and body[:65_536].isascii()
    charset = sniff_charset(body, content_type)
    assert "Суд в Москве вынес решение" in decode_text(body, charset)


def test_an_undeclared_legacy_page_with_a_long_ascii_head_is_extracted() -> None:
    from archiver.extract import extract

    info = extract(_BIG_HEAD.encode("cp1251"), url="http://127.0.0.1:8000/news/story",
                   content_type="text/html")
    assert (info.headline, str(info.published)) == ("Суд вынес решение", "2016-05-03")


def test_a_long_ascii_page_is_utf8_and_sniffed_in_bounded_time() -> None:
    body = b"<html><p>" + b"plain text " * 1_000_000 + "<p>Zürich</p>".encode()
    start = time.process_time()
    for _ in range(10):
        assert sniff_charset(body, None) == "utf-8"
    assert time.process_time() - start < 1


def test_undeclared_ascii_is_utf8():
    assert sniff_charset(b"<html><p>plain</p></html>", None) == "utf-8"


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=3000), st.one_of(st.none(), st.text(max_size=40)))
def test_sniff_charset_never_raises(body, content_type):
    charset = sniff_charset(body, content_type)
    assert isinstance(decode_text(body, charset), str)


@pytest.mark.parametrize(("codec", "declared"), [
    ("utf-16-le", "text/plain; charset=utf-16le"), ("utf-16-le", "text/html; charset=UTF-16"),
    ("utf-16-be", "text/plain; charset=utf-16be"), ("utf-16-be", "text/plain; charset=utf-16"),
    ("utf-16-le", "text/plain; charset=UTF16"),
])
def test_a_utf16_header_is_honoured_without_a_byte_order_mark(codec: str, declared: str) -> None:
    """A header's UTF-16 was mapped to UTF-8 (the WHATWG rule for <meta>), and the
    text decoded full of NULs ("S\x00t\x00a\x00...")."""
    text = "Statement on the deportation of nationals, 3 May 2016."
    body = text.encode(codec)
    charset = sniff_charset(body, declared)
    assert charset == codec and decode_text(body, charset) == text
    # a <meta> that says UTF-16 in a page of ASCII bytes is still UTF-8
    assert sniff_charset(b"<html><meta charset=utf-16><p>plain</p>", None) == "utf-8"


# ---------------------------------------------------------------- kinds

def test_is_pdf_and_is_html():
    assert is_pdf(b"%PDF-1.7\n...", None)
    assert is_pdf(b"\n\n%PDF-1.4", "application/octet-stream")
    assert is_pdf(b"binary", "application/pdf")
    assert not is_pdf(b"<html><body>Not found</body></html>", "application/pdf")
    assert not is_pdf(b"<html></html>", "text/html")
    assert is_html(b"<!DOCTYPE html><html></html>", None)
    assert is_html(b"  <!-- c --><html>", "application/octet-stream")
    assert is_html(b"anything", "text/html; charset=utf-8")
    assert not is_html(b"\x89PNG....", "image/png")
    assert not is_html(b"just words", "text/plain")


@pytest.mark.parametrize("declared", ["application/pdf", "image/jpeg", "application/zip"])
def test_an_html_page_served_as_another_kind_is_read_as_html(declared: str) -> None:
    """A site naming the type by the URL's extension served its "Page not found"
    page as application/pdf or image/jpeg: read as nothing (no title, no text),
    the citation was alive."""
    page = b"<!DOCTYPE html><html><head><title>Page not found</title></head><body></body></html>"
    assert is_html(page, declared) and not is_pdf(page, declared)
    assert not is_html(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", declared)


def test_an_html_page_that_quotes_the_pdf_signature_is_html() -> None:
    """A page about PDF versions with "%PDF-1.7" in its first KB was read as a
    PDF, and lost its headline and date."""
    page = (b"<!DOCTYPE html><html><head><title>What %PDF-1.7 means</title></head>"
            b"<body><h1>PDF versions</h1></body></html>")
    assert not is_pdf(page, "text/html") and is_html(page, "text/html")
    assert not is_pdf(page, None) and is_html(page, None)
    assert is_pdf(b"\x00\x01junk%PDF-1.4\n", None)  # a few bytes of junk before it: a PDF
    # a PHP framework's error block before a PDF served as one: still a PDF
    warned = (b'<div style="border:1px solid #990000"><h4>A PHP Error was encountered</h4>'
              b"<p>Severity: Notice</p></div>%PDF-1.4\n%...")
    assert is_pdf(warned, "application/pdf")  # (extract asks is_pdf first)


def test_html_sniffing_skips_comments_one_by_one():
    """Undeclared bodies are sniffed after their leading comments, in time
    that grows with their number (it once doubled with each comment more)."""
    many = b"<!--a-->" * 250  # within the 2 KB sniffed
    start = time.process_time()
    assert not is_html(many + b"x", None)
    assert not is_html(many + b"x", "text/plain")
    assert is_pdf(many + b"x", "application/pdf")  # declared, and not HTML-looking
    assert time.process_time() - start < 1
    assert is_html(b"<!--a-->" * 200 + b"\n<P>x", None)
    assert is_html(b" <!-- one -->\n <!--two-->\t<!doctype html>", "unknown/unknown")
    assert is_html(b"<!-- never closed <html", None)  # "<html" anywhere counts
    assert not is_html(b"<!-- never closed <div>", None)
    assert not is_html(b"<!--x--> text <div>", None)


# ------------------------------------------------------------- undo_encoding

def test_undo_encoding_streams_and_is_strict() -> None:
    import brotli

    from archiver.codings import DamagedEncoding, undo_encoding

    body = ("Kenya deported 45 Taiwanese to China. " * 4000).encode()
    out = io.BytesIO()
    assert undo_encoding(io.BytesIO(gzip.compress(body) + b"\0" * 8), "GZIP", out) == len(body)
    assert out.getvalue() == body
    assert undo_encoding(io.BytesIO(b""), "gzip", None) == 0  # an empty body is empty
    assert undo_encoding(io.BytesIO(body), "identity", None) == len(body)
    with pytest.raises(DamagedEncoding, match="br stream is cut short") as info:
        undo_encoding(io.BytesIO(brotli.compress(body)[:-5]), "br", None)
    assert 0 <= info.value.decoded < len(body)
    with pytest.raises(ValueError, match="cannot undo Content-Encoding 'gzip, br'"):
        undo_encoding(io.BytesIO(body), "gzip, br", None)
    with pytest.raises(ValueError, match="compress"):
        undo_encoding(io.BytesIO(body), "compress", None)


def test_undo_codings_undoes_a_list_last_first_and_streams() -> None:
    """What the replay serves of a body coded twice: every coding undone, the
    last applied first, as strictly as undo_encoding."""
    import brotli

    from archiver.codings import DamagedEncoding, undo_codings

    body = ("Kenya deported 45 Taiwanese to China. " * 4000).encode()
    coded = brotli.compress(gzip.compress(body))
    chunks = [coded[i:i + 1000] for i in range(0, len(coded), 1000)]
    assert b"".join(undo_codings(chunks, "gzip, br")) == body
    assert b"".join(undo_codings([body], " identity ")) == body
    with pytest.raises(DamagedEncoding, match="br stream is cut short"):
        b"".join(undo_codings([coded[:-5]], "gzip, br"))
    with pytest.raises(ValueError, match="compress"):
        undo_codings([coded], "compress, br")  # before anything is read


@pytest.mark.parametrize("encoding, compress", [
    ("gzip", lambda d: gzip.compress(d, compresslevel=9)),
    ("deflate", lambda d: zlib.compress(d, 9)),
    ("gzip, gzip", lambda d: gzip.compress(gzip.compress(d, 9), 9)),
])
def test_undo_codings_gives_a_bomb_a_megabyte_at_a_time(encoding: str, compress) -> None:
    """A chunk of 64 KB of gzip can inflate to 64 MB: it is given in pieces of
    at most a megabyte (it was given whole, as get --decoded and the replay
    read it), and all of it is given."""
    from archiver.codings import undo_codings

    coded = compress(b"\0" * (96 * MB))
    pieces = [len(p) for p in undo_codings([coded], encoding)]
    assert max(pieces) <= MB and sum(pieces) == 96 * MB


def test_undo_encoding_lets_a_write_error_through() -> None:
    """A full disk or a closed pipe is no damage to the stream."""
    from archiver.codings import DamagedEncoding, undo_encoding

    class Full(io.RawIOBase):
        def writable(self) -> bool:
            return True

        def write(self, b: object) -> int:
            raise OSError(28, "No space left on device")

    for coding, body in (("gzip", gzip.compress(b"x" * 1000)), ("identity", b"x" * 10)):
        with pytest.raises(OSError) as info:
            undo_encoding(io.BytesIO(body), coding, Full())
        assert not isinstance(info.value, DamagedEncoding)


def test_undo_encoding_holds_a_bounded_piece_of_a_brotli_bomb() -> None:
    """A few KB of brotli that decode to 128 MB: each step of the decoder gives a
    megabyte or two (the limit is the decoder's hint), so memory stays small
    whatever one input chunk expands to."""
    import tracemalloc

    import brotli

    from archiver.codings import undo_encoding

    bomb = brotli.compress(b"\0" * (128 << 20), quality=5)
    assert len(bomb) < 16 * 1024  # one input chunk holds it all

    class Counting(io.RawIOBase):
        def __init__(self) -> None:
            self.size = self.largest = 0

        def writable(self) -> bool:
            return True

        def write(self, b: object) -> int:
            n = len(b)  # type: ignore[arg-type]
            self.size += n
            self.largest = max(self.largest, n)
            return n

    sink = Counting()
    tracemalloc.start()
    try:
        assert undo_encoding(io.BytesIO(bomb), "br", sink) == 128 << 20
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sink.size == 128 << 20 and sink.largest <= 4 << 20, sink.largest
    assert peak < 16 << 20, peak


def test_a_stray_byte_after_a_long_ascii_head_leaves_an_undeclared_page_utf8() -> None:
    """No charset declared, 80 KB of inline style, then a Latin-1 "©" pasted
    into UTF-8 text: one bad spot among many good characters is UTF-8 still (it
    was handed to the detector, which read the page as a Japanese codepage).
    Legacy text, which has no good UTF-8 character, is not."""
    head = b"<html><head><style>" + b"a{color:red}" * 7000 + b"</style></head><body>"
    page = (head + b"<p>\xa9 2016</p><h1>" + "Müller gewinnt Wahl in Köln".encode()
            + b"</h1><p>" + "Straße über Bäume. ".encode() * 5 + b"</p>")
    assert sniff_charset(page, None) == "utf-8"
    tail = (head + b"<!-- \xa9 2016 Verlag --><h1>" + "Müller gewinnt Wahl in Köln".encode()
            + "</h1><p>äöü Text.</p></body></html>".encode())  # a short sample: the page's end
    assert sniff_charset(tail, None) == "utf-8"
    assert sniff_charset(head + "<h1>Суд вынес решение</h1>".encode("cp1251"), None) \
        == "cp1251"
    short = (b"<html><body><p>" + "Caf\u00e9 cr\u00e8me".encode("cp1252")
             + b" etc.</p></body></html>")
    assert sniff_charset(short, None) != "utf-8"  # (which legacy one: the detector's guess)
