"""PDFs built with pypdf, for the tests and for ``bench/hostile.py``."""

from __future__ import annotations

import io
import struct
from typing import Any

#: An XMP packet around one ``rdf:Description``, the namespaces of xmp: and dc: declared.
XMP_PACKET = (
    '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
    ' xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
    "{description}</rdf:RDF></x:xmpmeta><?xpacket end=\"w\"?>")


def make_pdf(metadata: dict[str, str], text: str | None = None, *,
             drawing: bytes = b"", xmp: str | None = None) -> bytes:
    """A one-page PDF with *metadata*, *text* drawn on the page after *drawing*
    (raw drawing instructions), and *xmp* (an ``rdf:Description`` element) as
    its XMP metadata stream."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject

    writer = PdfWriter()
    pdf_page = writer.add_blank_page(width=612, height=792)
    if text is not None:
        pdf_page[NameObject("/Resources")] = _fonts(writer._add_object(_helvetica()))
        stream = DecodedStreamObject()
        stream.set_data(drawing + f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1"))
        pdf_page[NameObject("/Contents")] = writer._add_object(stream)
        pdf_page.compress_content_streams()
    writer.add_metadata(metadata)
    _add_xmp(writer, xmp)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def inflating_pdf(metadata: dict[str, str], inflated: int) -> bytes:
    """A one-page PDF with *metadata* whose page's drawing instructions are
    *inflated* bytes of spaces, stored deflated (a few hundred KB)."""
    import zlib

    from pypdf import PdfWriter
    from pypdf.generic import NameObject, NumberObject, StreamObject

    deflate = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    data = b"".join(deflate.compress(chunk) for _ in range(inflated >> 20)) + deflate.flush()
    writer = PdfWriter()
    pdf_page = writer.add_blank_page(width=612, height=792)
    stream = StreamObject()
    stream._data = data  # already deflated: written as it is
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    stream[NameObject("/Length")] = NumberObject(len(data))
    pdf_page[NameObject("/Contents")] = writer._add_object(stream)
    writer.add_metadata(metadata)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def report_pdf(metadata: dict[str, str], pages: list[str], *, xmp: str | None = None,
               page_bytes: int = 3000) -> bytes:
    """A PDF of several pages as pypdf writes it: the Info dictionary first, each
    page followed by its drawing instructions (the line of *pages* it shows,
    then lines drawn to fill some *page_bytes*, uncompressed), the XMP stream
    (*xmp*, an ``rdf:Description`` element) after the pages, the
    cross-reference table and trailer last."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject

    writer = PdfWriter()
    font = writer._add_object(_helvetica())
    for line in pages:
        pdf_page = writer.add_blank_page(width=612, height=792)
        pdf_page[NameObject("/Resources")] = _fonts(font)
        stream = DecodedStreamObject()
        stream.set_data(_drawing(line, page_bytes))
        pdf_page[NameObject("/Contents")] = writer._add_object(stream)
    writer.add_metadata(metadata)
    _add_xmp(writer, xmp)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _helvetica() -> Any:
    """A font dictionary: Helvetica, one of the standard fonts (not embedded)."""
    from pypdf.generic import DictionaryObject, NameObject

    return DictionaryObject({NameObject("/Type"): NameObject("/Font"),
                             NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})


def _fonts(font: Any) -> Any:
    """A page's resources: the font object *font* as /F1."""
    from pypdf.generic import DictionaryObject, NameObject

    return DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})


def _add_xmp(writer: Any, xmp: str | None) -> None:
    """*xmp* (an ``rdf:Description`` element), when given, as the XMP metadata
    stream of the document *writer* writes."""
    from pypdf.generic import DecodedStreamObject, NameObject

    if xmp is None:
        return
    packet = DecodedStreamObject()
    packet.set_data(XMP_PACKET.format(description=xmp).encode())
    packet[NameObject("/Type")] = NameObject("/Metadata")
    packet[NameObject("/Subtype")] = NameObject("/XML")
    writer._root_object[NameObject("/Metadata")] = writer._add_object(packet)


def _drawing(line: str, size: int) -> bytes:
    """A page's drawing instructions: *line* shown, then strokes up to some *size* bytes."""
    text = f"BT /F1 12 Tf 72 720 Td ({line}) Tj ET\n".encode("latin-1")
    stroke = b"72 100 m 540 100 l S\n"
    return text + stroke * max(0, (size - len(text)) // len(stroke))


_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def layered_pdf(pages: list[str], info: bytes, *, xmp: str | None = None,
                object_streams: bool = False, xref_first: bool = False,
                metadata_last: bool = False, page_bytes: int = 3000) -> bytes:
    """A PDF written byte by byte, laid out as other producers lay theirs out.

    *info* is the Info dictionary as written (``<< /Title (...) >>``), *pages*
    the line each page shows (see :func:`report_pdf`), *xmp* an XMP stream's
    ``rdf:Description``. With *object_streams* (PDF 1.5, as Acrobat, Word and
    pdfTeX write) the catalog, the page tree, the pages and the Info
    dictionary are inside one compressed object stream and the
    cross-reference table is a stream; with *xref_first* that table and its
    trailer come first, before the objects (as a linearized PDF names its
    catalog and Info at its start); with *metadata_last* the catalog, the
    Info dictionary and the XMP stream (or the object stream) come after the
    pages (as pdfTeX writes them). Objects: 1 the cross-reference stream,
    2 the catalog, 3 the page tree, 4 Info, 5 the font, 6 XMP, then each page
    and its drawing, then the object stream.
    """
    import zlib

    count = len(pages)
    size = 8 + 2 * count
    objstm = 7 + 2 * count
    dicts: dict[int, bytes] = {
        2: b"<< /Type /Catalog /Pages 3 0 R" + (b" /Metadata 6 0 R" if xmp else b"") + b" >>",
        3: b"<< /Type /Pages /Count %d /Kids [%s] >>"
           % (count, b" ".join(b"%d 0 R" % (7 + 2 * i) for i in range(count))),
        4: info, 5: _FONT}
    streams: dict[int, tuple[bytes, bytes]] = {}
    for i, line in enumerate(pages):
        dicts[7 + 2 * i] = (b"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 612 792]"
                            b" /Resources << /Font << /F1 5 0 R >> >> /Contents %d 0 R >>"
                            % (8 + 2 * i))
        streams[8 + 2 * i] = (b"", _drawing(line, page_bytes))
    if xmp is not None:
        streams[6] = (b"/Type /Metadata /Subtype /XML ",
                      XMP_PACKET.format(description=xmp).encode())
    in_stream: list[int] = []
    if object_streams:
        in_stream = sorted(dicts)
        heads, bodies, at = [], [], 0
        for number in in_stream:
            heads.append(b"%d %d" % (number, at))
            bodies.append(dicts[number] + b"\n")
            at += len(bodies[-1])
        head = b" ".join(heads) + b"\n"
        data = zlib.compress(head + b"".join(bodies))
        streams[objstm] = (b"/Type /ObjStm /N %d /First %d /Filter /FlateDecode "
                           % (len(in_stream), len(head)), data)
        dicts = {}

    def written(number: int) -> bytes:
        if number in streams:
            extra, data = streams[number]
            body = b"<< %s/Length %d >>\nstream\n%s\nendstream" % (extra, len(data), data)
        else:
            body = dicts[number]
        return b"%d 0 obj\n%s\nendobj\n" % (number, body)

    meta = [objstm] if object_streams else [2, 4]
    meta += [6] if xmp is not None else []
    pages_part = [] if object_streams else [3, 5]
    for i in range(count):
        pages_part += [8 + 2 * i] if object_streams else [7 + 2 * i, 8 + 2 * i]
    order = pages_part + meta if metadata_last else meta + pages_part
    trailer = b"/Size %d /Root 2 0 R /Info 4 0 R" % size

    def table(offsets: dict[int, int]) -> bytes:
        if object_streams:
            rows = []
            for number in range(size):
                if number in in_stream:
                    rows.append(struct.pack(">BIH", 2, objstm, in_stream.index(number)))
                elif number in offsets:
                    rows.append(struct.pack(">BIH", 1, offsets[number], 0))
                else:
                    rows.append(struct.pack(">BIH", 0, 0, 65535))
            data = b"".join(rows)
            return (b"1 0 obj\n<< /Type /XRef %s /W [1 4 2] /Length %d >>\nstream\n%s"
                    b"\nendstream\nendobj\n" % (trailer, len(data), data))
        lines = [b"%010d %05d %s \n" % ((offsets[n], 0, b"n") if n in offsets
                                          else (0, 65535, b"f")) for n in range(size)]
        return b"xref\n0 %d\n%strailer\n<< %s >>\n" % (size, b"".join(lines), trailer)

    def assemble(offsets: dict[int, int]) -> tuple[bytes, dict[int, int]]:
        out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
        found: dict[int, int] = {}
        xref_at = len(out)
        if xref_first:
            out += table(offsets)
        for number in order:
            found[number] = len(out)
            out += written(number)
        if not xref_first:
            xref_at = len(out)
            out += table(offsets)
        if object_streams:
            found[1] = xref_at
        out += b"startxref\n%d\n%%%%EOF\n" % xref_at
        return bytes(out), found

    # offsets are written at a fixed width: a second pass puts in the first's
    offsets = assemble({})[1]
    body, again = assemble(offsets)
    assert again == offsets
    return body
