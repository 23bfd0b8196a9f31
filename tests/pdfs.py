"""PDFs built with pypdf, for the tests and for ``bench/hostile.py``."""

from __future__ import annotations

import io

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
    if xmp is not None:
        packet = DecodedStreamObject()
        packet.set_data(XMP_PACKET.format(description=xmp).encode())
        packet[NameObject("/Type")] = NameObject("/Metadata")
        packet[NameObject("/Subtype")] = NameObject("/XML")
        writer._root_object[NameObject("/Metadata")] = writer._add_object(packet)
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
