"""Hostile files for the limit tests, generated small on disk: a zip or PNG bomb is a few KB
that announces (and would inflate to) hundreds of megabytes or gigabytes.

Everything is streamed through zlib, so making a 40,000 px image never holds its pixels.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import pymupdf

_CHUNK = 1 << 20


def _deflate(chunks: Iterator[bytes]) -> bytes:
    compressor = zlib.compressobj(9)
    out = [compressor.compress(chunk) for chunk in chunks]
    out.append(compressor.flush())
    return b"".join(out)


def _zeros(total: int) -> Iterator[bytes]:
    block = bytes(min(total, _CHUNK))
    while total > 0:
        yield block[:total]
        total -= len(block)


def png_bomb(path: Path, side: int) -> Path:
    """A 1-bit black square `side` px wide: each row a filter byte and side/8 zero bytes."""
    row = bytes(1 + (side + 7) // 8)

    def rows() -> Iterator[bytes]:
        per_chunk = max(1, _CHUNK // len(row))
        for start in range(0, side, per_chunk):
            yield row * min(per_chunk, side - start)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1-bit gray
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                     + chunk(b"IDAT", _deflate(rows())) + chunk(b"IEND", b""))
    return path


def tiff_bomb(path: Path, side: int) -> Path:
    """A 1-bit TIFF square `side` px wide in one deflated strip."""
    strip = _deflate(_zeros(side * ((side + 7) // 8)))
    tags = [(256, 4, side), (257, 4, side), (258, 3, 1), (259, 3, 8), (262, 3, 1),
            (273, 4, 0), (277, 3, 1), (278, 4, side), (279, 4, len(strip))]
    ifd_size = 2 + 12 * len(tags) + 4
    data_offset = 8 + ifd_size
    ifd = struct.pack("<H", len(tags))
    for tag, kind, value in tags:
        value = data_offset if tag == 273 else value
        packed = struct.pack("<HHI", tag, kind, 1)
        ifd += packed + (struct.pack("<HH", value, 0) if kind == 3 else struct.pack("<I", value))
    ifd += struct.pack("<I", 0)
    path.write_bytes(b"II*\x00" + struct.pack("<I", 8) + ifd + strip)
    return path


def pdf_bytes(objects: list[bytes]) -> bytes:
    """A PDF of these objects, numbered from 1 (1: catalog), with a correct cross-reference
    table: for files that PyMuPDF refuses to write."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def _write_pdf(path: Path, objects: list[bytes]) -> Path:
    path.write_bytes(pdf_bytes(objects))
    return path


def pdf_with_image(path: Path, side: int, page_points: tuple[float, float] = (595, 842),
                   count: int = 1) -> Path:
    """One page whose only content is `count` 1-bit `side` x `side` px images in a row
    covering it (a scan)."""
    width, height = page_points
    pixels = _deflate(_zeros(side * ((side + 7) // 8)))
    strip = width / count
    content = b" ".join(b"q %g 0 0 %g %g 0 cm /Im%d Do Q" % (strip, height, i * strip, i)
                        for i in range(count))
    names = b" ".join(b"/Im%d %d 0 R" % (i, 5 + i) for i in range(count))
    image = (b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /BitsPerComponent 1 "
             b"/ColorSpace /DeviceGray /Filter /FlateDecode /Length %d >>\nstream\n"
             % (side, side, len(pixels)) + pixels + b"\nendstream")
    return _write_pdf(path, [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %g %g] /Resources << /XObject "
        b"<< %s >> >> /Contents 4 0 R >>" % (width, height, names),
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        *[image] * count,
    ])


def pdf_big_page(path: Path, inches: float) -> Path:
    """A scanned page `inches` square: a 200 px image stretched over it."""
    return pdf_with_image(path, 200, (inches * 72, inches * 72))


def blank_pdf(path: Path, pages: int) -> Path:
    document = pymupdf.open()
    for _ in range(pages):
        document.new_page(width=595, height=842)
    document.save(path, garbage=0, deflate=True)
    document.close()
    return path


_DOCX_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/'
              b'main"><w:body>')
_DOCX_TAIL = b"</w:body></w:document>"
_DOCX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
        'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
        '"application/xml"/><Override PartName="/word/document.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="word/document.xml"/></Relationships>'),
}


def docx_bomb(path: Path, inflated: int, paragraph: str = "Kế hoạch giảm nghèo năm 2024.") -> Path:
    """A .docx whose word/document.xml repeats one paragraph until it is `inflated` bytes."""
    body = f"<w:p><w:r><w:t>{paragraph}</w:t></w:r></w:p>".encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in _DOCX_PARTS.items():
            archive.writestr(name, text)
        with archive.open("word/document.xml", "w", force_zip64=inflated > 2**31) as part:
            part.write(_DOCX_HEAD)
            written = len(_DOCX_HEAD) + len(_DOCX_TAIL)
            block = body * max(1, _CHUNK // len(body))
            while written + len(block) <= inflated:
                part.write(block)
                written += len(block)
            part.write(body * ((inflated - written) // len(body)))
            part.write(_DOCX_TAIL)
    return path


def lying_docx(path: Path, inflated: int, declared: int) -> Path:
    """A .docx whose document.xml header declares `declared` bytes but inflates to `inflated`."""
    docx_bomb(path, inflated)
    data = bytearray(path.read_bytes())
    name = b"word/document.xml"
    for signature, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            name_at = start + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at:name_at + len(name)] == name:
                data[start + size_at:start + size_at + 4] = struct.pack("<I", declared)
            start += 4
    path.write_bytes(bytes(data))
    return path


def long_line_text(path: Path, size: int) -> Path:
    """`size` bytes of plan text on one line (no line break anywhere)."""
    sentence = b"Phan dau giam ty le ho ngheo xuong duoi 1,5% trong nam 2024; "
    with path.open("wb") as handle:
        block = sentence * (_CHUNK // len(sentence))
        written = 0
        while written + len(block) <= size:
            handle.write(block)
            written += len(block)
        rest = sentence * (1 + (size - written) // len(sentence))
        handle.write(rest[: size - written])
    return path
