"""PDFs built with pypdf, for the tests and for ``bench/hostile.py``."""

from __future__ import annotations

import io


def make_pdf(metadata: dict[str, str], text: str | None = None, *,
             drawing: bytes = b"") -> bytes:
    """A one-page PDF with *metadata*, *text* drawn on the page after *drawing*
    (raw drawing instructions)."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    pdf_page = writer.add_blank_page(width=612, height=792)
    if text is not None:
        font = DictionaryObject({NameObject("/Type"): NameObject("/Font"),
                                 NameObject("/Subtype"): NameObject("/Type1"),
                                 NameObject("/BaseFont"): NameObject("/Helvetica")})
        pdf_page[NameObject("/Resources")] = DictionaryObject({
            NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})})
        stream = DecodedStreamObject()
        stream.set_data(drawing + f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1"))
        pdf_page[NameObject("/Contents")] = writer._add_object(stream)
        pdf_page.compress_content_streams()
    writer.add_metadata(metadata)
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
