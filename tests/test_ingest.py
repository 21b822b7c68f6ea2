"""Ingest: type sniffing, text layer vs scan per PDF page, images, docx, text, and bad input.

No OCR here (tests/test_ocr.py reads the images); these tests check what ingest hands on.
"""

from __future__ import annotations

import io
import tracemalloc
import zipfile

import pymupdf
import pytest
from PIL import Image

from pipeline import errors
from pipeline.ingest import PageInput, open_document, sniff_type, text_layer_problem
from pipeline.legacy_encodings import unicode_to_tcvn3
from pipeline.limits import Limits
from tests.hostile import pdf_bytes
from tests.scans import (
    A4,
    PLAN_TEXT,
    degrade,
    encode,
    font_file,
    normalise_whitespace,
    render_pages,
    text_pdf,
    write_image_pdf,
    write_tiff,
)
from tests.test_legacy_encodings import to_cp1258

SHORT = "KẾ HOẠCH\nThực hiện mục tiêu giảm nghèo bền vững năm 2025 trên địa bàn xã."


@pytest.fixture(scope="module")
def page_image() -> Image.Image:
    """One page of plan text at 200 dpi, lightly degraded (rendering once keeps tests fast)."""
    return degrade(render_pages([PLAN_TEXT], dpi=200)[0], blur=0.5)


def pages_of(path) -> list[PageInput]:
    return list(open_document(path).pages())


def image_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size


# --- PDF ---------------------------------------------------------------------------------------------
def test_pdf_text_layer_kept(tmp_path):
    path = tmp_path / "plan.pdf"
    text_pdf([PLAN_TEXT, SHORT], path)
    pages = pages_of(path)
    assert [p.source for p in pages] == ["text-layer", "text-layer"]
    assert [p.number for p in pages] == [1, 2]
    assert normalise_whitespace(pages[0].text) == normalise_whitespace(PLAN_TEXT)
    assert pages[0].image is None


def test_scanned_pdf_uses_embedded_image(tmp_path, page_image):
    path = write_image_pdf([page_image], tmp_path / "scan.pdf", dpi=200)
    [page] = pages_of(path)
    assert page.source == "ocr" and page.text is None
    assert image_size(page.image) == page_image.size  # the embedded image, not a rendering


def test_low_resolution_scan_is_rendered_at_300_dpi(tmp_path, page_image):
    small = page_image.resize((page_image.width // 2, page_image.height // 2))  # 100 dpi
    path = write_image_pdf([small], tmp_path / "scan100.pdf", dpi=100)
    [page] = pages_of(path)
    width, height = image_size(page.image)
    assert abs(width - round(A4[0] / 72 * 300)) <= 2 and abs(height - round(A4[1] / 72 * 300)) <= 2


def test_mixed_pdf_decided_per_page(tmp_path, page_image):
    scan = write_image_pdf([page_image], tmp_path / "scan.pdf", dpi=200)
    typed = tmp_path / "typed.pdf"
    text_pdf([PLAN_TEXT], typed)
    mixed = pymupdf.open(typed)
    mixed.insert_pdf(pymupdf.open(scan))
    mixed.insert_pdf(pymupdf.open(typed))
    mixed.save(tmp_path / "mixed.pdf")
    pages = pages_of(tmp_path / "mixed.pdf")
    assert [p.source for p in pages] == ["text-layer", "ocr", "text-layer"]
    assert pages[1].image is not None and pages[0].text and pages[2].text


@pytest.mark.parametrize("garbage", [
    "(cid:12)(cid:45)(cid:3)(cid:88) " * 30,
    "\ufffd\ufffd\ufffd \ufffd\ufffd tr\ufffdn \ufffd\ufffd\ufffd " * 20,
    "Xkcd qwrtz plmkj brvst zxq wrtkl mnbvc sdfgh jklpq trwzx " * 6,
    "@#%& 1234 ^^ ;; ++ == || 5678 ~~ aa " * 20,
])
def test_garbage_text_layer_means_ocr(tmp_path, page_image, garbage):
    document = pymupdf.open()
    page = document.new_page(width=A4[0], height=A4[1])
    page.insert_image(page.rect, stream=encode(page_image))
    page.insert_textbox(page.rect + (40, 40, -40, -40), garbage, fontsize=10, render_mode=3)
    document.save(tmp_path / "garbage.pdf")
    [result] = pages_of(tmp_path / "garbage.pdf")
    assert result.source == "ocr" and result.image is not None


def test_invisible_good_text_layer_over_scan_is_kept(tmp_path, page_image):
    """An already OCR'd scan (image + invisible text) keeps its text: no second OCR."""
    document = pymupdf.open()
    page = document.new_page(width=A4[0], height=A4[1])
    page.insert_image(page.rect, stream=encode(page_image))
    page.insert_textbox(page.rect + (60, 60, -60, -60), PLAN_TEXT, fontsize=9,
                        fontname="serif", fontfile=font_file(), render_mode=3)
    document.save(tmp_path / "ocred.pdf")
    [result] = pages_of(tmp_path / "ocred.pdf")
    assert result.source == "text-layer" and "giảm nghèo" in result.text


def test_tcvn3_text_layer_is_converted(tmp_path):
    """A PDF typed in .VnTime gives TCVN3 mojibake as its text layer; ingest converts it."""
    document = pymupdf.open()
    page = document.new_page(width=A4[0], height=A4[1])
    legacy = unicode_to_tcvn3(SHORT + "\nBáo cáo kết quả thực hiện kế hoạch.").decode("cp1252")
    page.insert_textbox(page.rect + (60, 60, -60, -60), legacy, fontsize=11)
    document.save(tmp_path / "tcvn3.pdf")
    [result] = pages_of(tmp_path / "tcvn3.pdf")
    assert result.source == "text-layer"
    assert "giảm nghèo bền vững" in result.text and "Báo cáo kết quả" in result.text


def test_text_layer_problem_rules():
    assert text_layer_problem(PLAN_TEXT, has_images=True) is None
    assert text_layer_problem("", has_images=True) == "no text"
    assert text_layer_problem("", has_images=False) is None
    assert text_layer_problem("(cid:3)" * 40, has_images=True) is not None
    figures = "TT\tXã\tSố hộ nghèo\tTỷ lệ (%)\n" + "\n".join(
        f"{i}\tXã số {i}\t{100 + 7 * i}\t{1.3 * i:.2f}".replace(".", ",") for i in range(1, 30))
    assert text_layer_problem(figures, has_images=True) is None  # a table of figures is text


# --- images -------------------------------------------------------------------------------------------
def test_multi_page_tiff(tmp_path, page_image):
    second = degrade(render_pages([SHORT], dpi=200)[0])
    path = write_tiff([page_image, second, page_image], tmp_path / "scan.tiff", dpi=200)
    source = open_document(path)
    assert source.kind == "image" and source.page_count == 3
    pages = list(source.pages())
    assert [p.number for p in pages] == [1, 2, 3]
    assert all(p.source == "ocr" and p.text is None for p in pages)
    assert image_size(pages[1].image) == second.size
    with Image.open(io.BytesIO(pages[0].image)) as frame:
        assert frame.format == "PNG" and round(frame.info["dpi"][0]) == 200


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_png_and_jpg_pass_through(tmp_path, page_image, fmt):
    path = tmp_path / f"scan.{'png' if fmt == 'PNG' else 'jpg'}"
    path.write_bytes(encode(page_image, fmt))
    assert sniff_type(path) == "image"
    [page] = pages_of(path)
    assert page.source == "ocr" and page.image == path.read_bytes()


def test_rgba_png_is_flattened(tmp_path):
    image = Image.new("RGBA", (400, 300), (0, 0, 0, 0))
    path = tmp_path / "alpha.png"
    image.save(path)
    [page] = pages_of(path)
    with Image.open(io.BytesIO(page.image)) as flat:
        assert flat.mode == "RGB" and flat.getpixel((10, 10)) == (255, 255, 255)


# --- docx and text ----------------------------------------------------------------------------------
def test_docx_paragraphs_tables_and_page_breaks(tmp_path):
    import docx
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    document.add_paragraph("KẾ HOẠCH")
    document.add_paragraph("Thực hiện mục tiêu giảm nghèo năm 2025")
    table = document.add_table(rows=2, cols=3)
    for row, values in zip(table.rows, [("TT", "Chỉ tiêu", "Năm 2025"),
                                       ("1", "Tỷ lệ hộ nghèo", "2,10%")], strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    document.add_paragraph("Sau bảng").add_run().add_break(WD_BREAK.PAGE)
    document.add_paragraph("III. TỔ CHỨC THỰC HIỆN")
    path = tmp_path / "kế hoạch.docx"
    document.save(path)
    assert sniff_type(path) == "docx"
    pages = pages_of(path)
    assert [p.source for p in pages] == ["docx", "docx"]
    lines = pages[0].text.split("\n")
    assert lines[:2] == ["KẾ HOẠCH", "Thực hiện mục tiêu giảm nghèo năm 2025"]
    assert "TT\tChỉ tiêu\tNăm 2025" in lines and "1\tTỷ lệ hộ nghèo\t2,10%" in lines
    assert lines.index("1\tTỷ lệ hộ nghèo\t2,10%") < lines.index("Sau bảng")
    assert pages[1].text.strip() == "III. TỔ CHỨC THỰC HIỆN"


def test_plain_text_split_on_form_feeds(tmp_path):
    path = tmp_path / "plan.txt"
    path.write_bytes(("Trang một\nKế hoạch\fTrang hai\fTrang ba").encode("utf-16"))
    pages = pages_of(path)
    assert [p.text for p in pages] == ["Trang một\nKế hoạch", "Trang hai", "Trang ba"]
    assert all(p.source == "plain" for p in pages)


def test_plain_tcvn3_file(tmp_path):
    path = tmp_path / "vntime.txt"
    path.write_bytes(unicode_to_tcvn3("Kế hoạch giảm nghèo bền vững\nBáo cáo kết quả"))
    [page] = pages_of(path)
    assert page.text == "Kế hoạch giảm nghèo bền vững\nBáo cáo kết quả"


def test_vietnamese_file_name_with_spaces(tmp_path):
    path = tmp_path / "Kế hoạch giảm nghèo xã Bình Yên 2025 (bản chính).pdf"
    text_pdf([SHORT], path)
    [page] = pages_of(path)
    assert "giảm nghèo" in page.text


# --- bad input ----------------------------------------------------------------------------------------
def test_empty_file(tmp_path):
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    with pytest.raises(errors.EmptyFile):
        open_document(path)
    blank = tmp_path / "blank.txt"
    blank.write_bytes(b"  \n\n ")
    with pytest.raises(errors.EmptyFile):
        open_document(blank)


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_truncated_pdf(tmp_path, cut):
    data = text_pdf([PLAN_TEXT, SHORT])
    path = tmp_path / "truncated.pdf"
    path.write_bytes(data[: int(len(data) * cut)])
    with pytest.raises(errors.CorruptFile):
        open_document(path)


def test_corrupt_pdf(tmp_path):
    path = tmp_path / "corrupt.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n")
    with pytest.raises(errors.CorruptFile):
        open_document(path)


def test_password_protected_pdf(tmp_path):
    document = pymupdf.open(stream=text_pdf([SHORT]), filetype="pdf")
    path = tmp_path / "locked.pdf"
    document.save(path, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="mat-khau",
                  owner_pw="chu-so-huu")
    with pytest.raises(errors.EncryptedPdf) as raised:
        open_document(path)
    assert "qpdf" in raised.value.message


def test_pdf_encrypted_without_a_user_password_is_read(tmp_path):
    """Only an owner password (printing, copying restricted): it opens, its text is kept."""
    document = pymupdf.open(stream=text_pdf([SHORT]), filetype="pdf")
    path = tmp_path / "owner-only.pdf"
    document.save(path, encryption=pymupdf.PDF_ENCRYPT_AES_256, owner_pw="chu-so-huu",
                  permissions=pymupdf.PDF_PERM_PRINT)
    [page] = pages_of(path)
    assert "giảm nghèo" in page.text


def test_pdf_with_a_broken_cross_reference_table_is_repaired(tmp_path):
    data = bytearray(text_pdf([PLAN_TEXT, SHORT]))
    xref = data.rindex(b"xref\n")
    for offset in range(xref + 5, len(data) - 1):
        if data[offset:offset + 1].isdigit() and data[offset - 1:offset] in (b"\n", b" "):
            data[offset:offset + 1] = b"9"  # every offset of the table now points elsewhere
    path = tmp_path / "xref.pdf"
    path.write_bytes(bytes(data))
    pages = pages_of(path)
    assert len(pages) == 2 and "giảm nghèo" in pages[1].text


def test_random_bytes_named_txt(tmp_path):
    import random

    path = tmp_path / "ke-hoach.txt"
    path.write_bytes(random.Random(7).randbytes(20_000))
    with pytest.raises(errors.UnsupportedType):
        open_document(path)


def test_nul_and_other_controls_inside_text_are_dropped(tmp_path):
    path = tmp_path / "nul.txt"
    path.write_bytes(f"Kế hoạch\x00 giảm nghèo\x01\n{PLAN_TEXT}\x00\x00".encode() + bytes(3))
    [page] = pages_of(path)
    assert page.text == f"Kế hoạch giảm nghèo\n{PLAN_TEXT}".strip("\n")
    from pipeline.pages import make_page

    stored = make_page(1, "Tỷ lệ\x00 hộ nghèo\x1b dưới 2%", "plain")
    assert "\x00" not in stored.raw_text and "\x00" not in stored.text


def test_mixed_utf8_and_windows_1258_lines_are_each_decoded(tmp_path):
    lines = ["KẾ HOẠCH giảm nghèo năm 2024", "Phấn đấu giảm tỷ lệ hộ nghèo xuống dưới 1,5%.",
             "Huy động nguồn lực thực hiện các chương trình.", "Đảm bảo 100% hộ nghèo có BHYT."]
    data = b"\n".join(to_cp1258(line) if i % 2 else line.encode("utf-8")
                      for i, line in enumerate(lines))
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # really mixed
    path = tmp_path / "tron.txt"
    path.write_bytes(data)
    [page] = pages_of(path)
    assert page.text.split("\n") == lines


def test_mixed_utf8_and_tcvn3_lines_are_each_decoded(tmp_path):
    unicode_line, legacy_line = "Kế hoạch giảm nghèo năm 2024", "Báo cáo kết quả thực hiện"
    path = tmp_path / "tron-tcvn3.txt"
    path.write_bytes(unicode_line.encode() + b"\n" + unicode_to_tcvn3(legacy_line))
    [page] = pages_of(path)
    assert page.text == unicode_line + "\n" + legacy_line


def _zero_page_pdf() -> bytes:
    """A well-formed PDF whose page tree is empty (pymupdf refuses to save one)."""
    return pdf_bytes([b"<< /Type /Catalog /Pages 2 0 R >>",
                      b"<< /Type /Pages /Kids [] /Count 0 >>"])


def test_pdf_with_zero_pages(tmp_path):
    path = tmp_path / "zero.pdf"
    path.write_bytes(_zero_page_pdf())
    with pytest.raises(errors.NoPages):
        open_document(path)


@pytest.mark.parametrize("content", [
    b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8,
    "zip",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500),  # old .doc (OLE2)
])
def test_unsupported_type_named_pdf(tmp_path, content):
    path = tmp_path / "ke-hoach.pdf"
    if content == "zip":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("readme.txt", "not a plan")
    else:
        path.write_bytes(content)
    with pytest.raises(errors.UnsupportedType):
        open_document(path)


def test_broken_image(tmp_path, page_image):
    data = encode(page_image)
    path = tmp_path / "broken.png"
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(errors.CorruptFile):
        open_document(path)


def test_too_large(tmp_path):
    path = tmp_path / "plan.pdf"
    text_pdf([SHORT] * 5, path)
    with pytest.raises(errors.TooLarge):
        open_document(path, limits=Limits(pages=4))
    with pytest.raises(errors.TooLarge):
        open_document(path, limits=Limits(file_bytes=100))


# --- streaming ----------------------------------------------------------------------------------------
def _peak_while_iterating(path) -> tuple[int, int]:
    source = open_document(path)
    tracemalloc.start()
    try:
        count = 0
        for page in source.pages():
            assert page.text and page.source == "text-layer"
            count += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return count, peak


def test_200_page_pdf_is_streamed(tmp_path):
    """Peak memory while reading 200 pages stays that of a few pages, not of the document."""
    page_text = "\n".join([PLAN_TEXT] * 2)[:3800]
    long_pdf, short_pdf = tmp_path / "long.pdf", tmp_path / "short.pdf"
    text_pdf([page_text] * 200, long_pdf, fontsize=8)
    text_pdf([page_text] * 10, short_pdf, fontsize=8)
    count, peak_long = _peak_while_iterating(long_pdf)
    assert count == 200
    _, peak_short = _peak_while_iterating(short_pdf)
    all_text_size = 200 * len(page_text) * 2  # UCS-2 strings: what holding every page would cost
    # half of it: uncollected garbage of a few pages varies between runs; holding all would not fit
    assert peak_long < peak_short + all_text_size / 2
    assert peak_long < 8 * 2**20
