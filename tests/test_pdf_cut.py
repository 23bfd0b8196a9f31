"""PDFs cut short at the size cap (archiver.pdfinfo): what the part received says.

A report PDF over ``fetch.max_bytes`` is captured up to the cap: it has lost
its cross-reference table and trailer, and often its last pages. Its
headline, date and first pages' text are read from what came.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
from pathlib import Path

import pytest

from archiver import pdfinfo
from archiver.models import PageInfo
from archiver.pdfinfo import extract_pdf

from .lab import Site
from .pdfs import layered_pdf, report_pdf
from .sourcesfile import lab_settings, write_sources

TITLE = "Report of the Special Rapporteur on torture"
PAGES = ["First page of the report on detention", "Second page on the camps",
         "Third page on deportations", "Fourth page on the courts"]
URL = "https://ohchr.example/documents/report.pdf"
INFO = (b"<< /Title (Report of the Special Rapporteur on torture)"
        b" /CreationDate (D:20190304120000+01'00') /Producer (Hand) >>")
XMP = ('<rdf:Description rdf:about="" xmp:CreateDate="2019-03-04T12:00:00+01:00">'
       '<dc:title><rdf:Alt><rdf:li xml:lang="x-default">'
       'Report of the Special Rapporteur on torture</rdf:li></rdf:Alt></dc:title>'
       '</rdf:Description>')


def _report() -> bytes:
    return report_pdf({"/Title": TITLE, "/CreationDate": "D:20190304120000Z"}, PAGES, xmp=XMP)


def _end_of_object_with(body: bytes, needle: bytes) -> int:
    """The offset just past the ``endobj`` of the object that holds *needle*."""
    return body.index(b"endobj", body.index(needle)) + len(b"endobj\n")


def test_a_pdf_cut_in_a_later_page_keeps_its_headline_date_and_first_pages(
        caplog: pytest.LogCaptureFixture) -> None:
    body = _report()
    cut = body.index(b"(Third page") + 1000  # mid-way through page 3's drawing
    with caplog.at_level(logging.WARNING):
        info = extract_pdf(body[:cut], url=URL)
    assert not caplog.records  # read: nothing to warn of
    assert info.kind == "pdf"
    assert info.headline == TITLE
    assert info.published == dt.date(2019, 3, 4)
    assert info.text == f"{PAGES[0]} {PAGES[1]}"


def test_a_pdf_cut_just_before_its_end() -> None:
    body = _report()
    info = extract_pdf(body[:-20], url=URL)  # in the trailer: no %%EOF
    assert (info.headline, info.published) == (TITLE, dt.date(2019, 3, 4))
    assert info.text == f"{PAGES[0]} {PAGES[1]}"


def test_a_pdf_cut_right_after_its_first_page() -> None:
    body = _report()
    info = extract_pdf(body[:_end_of_object_with(body, b"(First page")], url=URL)
    assert (info.headline, info.published) == (TITLE, dt.date(2019, 3, 4))
    assert info.text == PAGES[0]


def test_a_cut_pdf_whose_info_title_is_a_placeholder_is_named_by_its_xmp() -> None:
    """The XMP stream is the last object pypdf writes: its catalog names it, and
    the catalog is found although no trailer names it."""
    body = report_pdf({"/Title": "Microsoft Word - A_HRC_40_59.docx"}, PAGES, xmp=XMP)
    info = extract_pdf(body[:body.rindex(b"xref")], url=URL)
    assert (info.headline, info.published) == (TITLE, dt.date(2019, 3, 4))


LAYOUTS = [
    pytest.param({}, id="plain"),
    pytest.param({"xref_first": True}, id="trailer-first"),
    pytest.param({"object_streams": True}, id="object-streams"),
    pytest.param({"object_streams": True, "xref_first": True}, id="object-streams-linearized"),
]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_cut_pdf_of_each_layout_keeps_its_headline_date_and_first_pages(
        layout: dict[str, bool]) -> None:
    """Its catalog and Info dictionary named by a trailer at its start, or not
    named at all and found by their keys, in the bytes or in an object stream."""
    body = layered_pdf(PAGES, INFO, **layout)
    cut = body.index(b"(Third page") + 1000
    info = extract_pdf(body[:cut], url=URL)
    assert (info.headline, info.published) == (TITLE, dt.date(2019, 3, 4))
    assert info.text == f"{PAGES[0]} {PAGES[1]}"


@pytest.mark.parametrize("layout", [{"metadata_last": True},
                                    {"metadata_last": True, "object_streams": True}],
                         ids=["plain", "object-streams"])
def test_a_pdf_cut_before_its_metadata_gives_nothing_wrong(layout: dict[str, bool]) -> None:
    """pdfTeX writes the catalog and the Info dictionary after the pages: cut
    in the pages, the PDF has no headline and no date, and its URL's day is its date."""
    body = layered_pdf(PAGES, INFO, **layout)
    cut = body.index(b"(Third page") + 1000
    assert extract_pdf(body[:cut], url=URL) == PageInfo(kind="pdf")
    dated = extract_pdf(body[:cut], url="https://gov.example/2019/03/04/report.pdf")
    assert (dated.headline, dated.published) == (None, dt.date(2019, 3, 4))


@pytest.mark.parametrize("layout", [pytest.param(None, id="pypdf"), *LAYOUTS,
                                    pytest.param({"metadata_last": True}, id="metadata-last")])
def test_a_pdf_cut_anywhere_gives_only_what_it_says(layout: dict[str, bool] | None) -> None:
    """At every cut, the headline is the title or the first page's first line,
    never part of a string cut short; the date the document's or none; the text
    whole pages, in their order; and the title, date and pages once received."""
    body = _report() if layout is None else layered_pdf(PAGES, INFO, **layout)
    # once the object that holds the Info dictionary is in, its title and date are
    info_in = _end_of_object_with(body, b"/Type /ObjStm" if layout and layout.get(
        "object_streams") else b"/Title (Report")
    # once the second page's drawing is in, so is the text of both pages, where
    # the catalog and the page tree came before it
    pages_in = _end_of_object_with(body, b"(Second page") \
        if not (layout and layout.get("metadata_last")) else len(body) + 1
    texts = {"", PAGES[0], f"{PAGES[0]} {PAGES[1]}"}
    for cut in range(0, len(body), 71):
        info = extract_pdf(body[:cut], url=URL)
        assert info.kind == "pdf"
        assert info.headline in (None, TITLE, PAGES[0]), cut
        assert info.published in (None, dt.date(2019, 3, 4)), cut
        assert info.text in texts, cut
        if cut >= info_in:
            assert (info.headline, info.published) == (TITLE, dt.date(2019, 3, 4)), cut
        if cut >= pages_in:
            assert info.text == f"{PAGES[0]} {PAGES[1]}", cut


def _info_cut_after(title: bytes, *, tail: bytes = b"") -> bytes:
    """A PDF cut inside its Info dictionary (its first object), after /Title
    *title* and /CreationDate: a dictionary pypdf cannot read."""
    info = b"<< /Title " + title + b" /CreationDate (D:20160503093000+08'00')" + tail + \
        b" /Author (Ministry of Justice) >>"
    body = layered_pdf(PAGES, info)
    return body[:body.index(b"/Author (Ministry") + 12]


@pytest.mark.parametrize("title, expected", [
    (rb"(Report on \(alleged\) torture\r\nin \215Camp 7\216)",
     "Report on (alleged) torture in \u201cCamp 7\u201d"),
    (b"(Judgment of the Supreme \\\nCourt)", "Judgment of the Supreme Court"),
    (b"<FEFF53F07063 6297 8B70 99AC 4F86 897F 4E9E>", "台灣抗議馬來西亞"),
    (b"(\xfe\xff\x00D\x00\xe9\x00p\x00o\x00r\x00t\x00a\x00t\x00i\x00o\x00n\x00s\x00\\)\x00!)",
     "Déportations)!"),
], ids=["escapes-pdfdoc", "line-continuation", "utf16-hex", "utf16-literal"])
def test_a_cut_info_dictionary_is_read_from_its_bytes(title: bytes, expected: str) -> None:
    info = extract_pdf(_info_cut_after(title), url=URL)
    assert info.headline == expected
    assert info.published == dt.date(2016, 5, 3)


def test_a_placeholder_title_in_a_cut_info_dictionary_is_no_headline() -> None:
    info = extract_pdf(_info_cut_after(b"(Microsoft Word - A_HRC_40_59.docx)"), url=URL)
    assert info.headline is None and info.published == dt.date(2016, 5, 3)


def test_a_title_cut_short_is_no_headline() -> None:
    body = layered_pdf(PAGES, b"<< /CreationDate (D:20190304) /Title (" + TITLE.encode()
                       + b") /Producer (Hand) >>")
    info = extract_pdf(body[:body.index(b"Special Rapporteur")], url=URL)
    assert info.headline is None and info.published == dt.date(2019, 3, 4)


def test_a_cut_pdf_created_as_it_was_fetched_is_dated_by_its_text() -> None:
    """The rule for PDFs rendered on demand holds for a cut one."""
    now = dt.datetime.now(dt.UTC).strftime("D:%Y%m%d%H%M%SZ")
    body = report_pdf({"/Title": "Judgment in case 123", "/CreationDate": now},
                      ["Judgment delivered on 3 May 2016", "Second page"])
    info = extract_pdf(body[:-20], url=URL)
    assert (info.headline, info.published) == ("Judgment in case 123", dt.date(2016, 5, 3))


def _xmp_object(description: str, number: int = 1) -> bytes:
    packet = ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
              '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
              '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
              ' xmlns:xmp="http://ns.adobe.com/xap/1.0/"'
              ' xmlns:dc="http://purl.org/dc/elements/1.1/">'
              f'{description}</rdf:RDF></x:xmpmeta><?xpacket end="w"?>').encode()
    return (b"%d 0 obj\n<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n%s\n"
            b"endstream\nendobj\n" % (number, len(packet), packet))


_PHOTO = ('<rdf:Description rdf:about="" xmp:CreateDate="2011-07-01">'
          '<dc:format>image/jpeg</dc:format><dc:title><rdf:Alt>'
          '<rdf:li xml:lang="x-default">Harbour at dawn</rdf:li></rdf:Alt></dc:title>'
          '</rdf:Description>')


def test_an_xmp_packet_is_read_from_the_bytes_of_a_pdf_cut_before_its_catalog() -> None:
    """No catalog names it (its catalog is past the cut): a photograph's packet
    (image/jpeg) is passed over, the document's is read."""
    body = (b"%PDF-1.6\n%\xe2\xe3\xcf\xd3\n" + _xmp_object(_PHOTO, 7) + _xmp_object(XMP, 8)
            + b"9 0 obj\n<< /Type /Page /Contents 10 0 R >>\nendobj\n10 0 obj\n<< /Len")
    info = extract_pdf(body, url=URL)
    assert (info.headline, info.published) == (TITLE, dt.date(2019, 3, 4))
    photo_only = extract_pdf(b"%PDF-1.6\n" + _xmp_object(_PHOTO) + b"2 0 obj\n<<", url=URL)
    assert photo_only == PageInfo(kind="pdf")


def test_garbage_that_starts_like_a_pdf_gives_a_pdf_of_nothing(
        caplog: pytest.LogCaptureFixture) -> None:
    noise = random.Random(7).randbytes(200_000)
    bodies = [b"%PDF-", b"%PDF-1.4\n" + noise, b"%PDF-1.7\n1 0 obj\n<< /Title (Unterminated",
              b"%PDF-1.4\n" + b"1 0 obj\n" * 5000, b"%PDF-1.4\n" + b"<x:xmpmeta>" * 5000,
              b"%PDF-1.4\n1 0 obj\n" + b"/Type /Catalog /Producer (x) " * 5000,
              b"%PDF-1.4\n" + noise.replace(b"\x00", b" obj "),
              b"%PDF-1.5\n2 0 obj\n<< /Type /ObjStm /N 3 /First 9 /Length 5 >>\nstream\n1 0 2",
              b"%PDF-1.4\ntrailer\n<< /Root 1 0 R /Info 1 0 R >>\n1 0 obj\n<< /Producer "]
    with caplog.at_level(logging.DEBUG, logger="archiver"):
        for body in bodies:
            assert extract_pdf(body, url=URL) == PageInfo(kind="pdf"), body[:60]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING and r.exc_info]
    said = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(said) == len(bodies)  # once each, with its URL
    assert all(m.startswith(f"{URL}: the PDF cannot be read (cut short") for m in said), said


def test_a_cut_pdf_is_not_searched_again_for_each_page_past_the_cut(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The page tree names 3,000 pages, 1,501 of them past the cut: pypdf looked
    for each through the whole 1.8 MB received (16 s in all; a quarter of a
    second each in 50 MB), past the time a PDF may take."""
    monkeypatch.setattr(pdfinfo, "PDF_SECONDS", 2.0)
    lines = [f"Page {n} of the annual report" for n in range(1, 3001)]
    body = layered_pdf(lines, INFO, page_bytes=1000)
    info = extract_pdf(body[:body.index(b"(Page 1500 of")], url=URL)
    assert (info.headline, info.published) == (TITLE, dt.date(2019, 3, 4))
    assert info.text == "Page 1 of the annual report Page 2 of the annual report"


def test_a_pdf_over_the_size_cap_is_captured_cut_with_its_headline(tmp_path: Path) -> None:
    from archiver.pipeline import run_cycle
    from archiver.sources import load_sources
    from archiver.storeopen import open_store

    body = report_pdf({"/Title": TITLE, "/CreationDate": "D:20190304120000Z"},
                      PAGES + [f"Annex page {n}" for n in range(40)], xmp=XMP)
    settings = lab_settings()
    settings.fetch.max_bytes = 20_000
    assert len(body) > 4 * settings.fetch.max_bytes
    with Site() as site:
        site.page("/A_HRC_40_59.pdf", body, content_type="application/pdf")
        url = site.url("/A_HRC_40_59.pdf")
        sources = write_sources(tmp_path / "sources.yaml", [
            {"id": "2019-03-04-torture", "date": "2019-03-04", "country": "Kenya",
             "sources": [url]}])
        asyncio.run(run_cycle(load_sources(sources), archive=tmp_path / "archive",
                              settings=settings))
    store = open_store(tmp_path / "archive")
    try:
        row = next(r for r in store.all_captures() if r["url"] == url)
    finally:
        store.close()
    assert row["truncated"] == "length" and row["body_size"] == 20_000
    assert row["headline"] == TITLE
    assert row["published"] == "2019-03-04"
