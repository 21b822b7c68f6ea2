"""pipeline/limits.py: each limit refuses with its own typed error, before the expensive step,
and the hostile files of issue 14 stay within memory and time when read in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pipeline import errors, limits, ocr
from pipeline.ingest import open_document
from tests import hostile
from tests.scans import PLAN_TEXT, encode, font_file, render_pages, write_image_pdf

ROOT = Path(__file__).resolve().parents[1]
SETTINGS_TO_ERRORS = {
    "PLANS_MAX_FILE_MB": errors.FileTooLarge, "PLANS_MAX_PAGES": errors.TooManyPages,
    "PLANS_MAX_PAGE_MEGAPIXELS": errors.PageTooLarge,
    "PLANS_MAX_UNZIPPED_MB": errors.ArchiveTooLarge, "PLANS_MAX_ZIP_RATIO": errors.CompressionTooHigh,
    "PLANS_MAX_TEXT_CHARS": errors.TextTooLarge, "PLANS_MAX_LINE_CHARS": errors.LineTooLong,
    "PLANS_MAX_OCR_MEMORY_MB": errors.MemoryLimitExceeded,
    "PLANS_PAGE_SECONDS": errors.OcrTimeout, "PLANS_FILE_SECONDS": errors.FileTimeout,
}


def test_every_setting_has_a_typed_error_that_names_it(monkeypatch):
    assert set(SETTINGS_TO_ERRORS) == set(limits.SETTINGS)
    for setting, error in SETTINGS_TO_ERRORS.items():
        assert issubclass(error, errors.TooLarge) and error.code != errors.TooLarge.code
        assert setting in error.vi and setting in error.en  # what to do, in both languages
        assert "hỏng" not in error.vi and "corrupt" not in error.en
        monkeypatch.setenv(setting, "3")
    current = limits.current()
    assert current.file_bytes == 3 * limits.MB and current.page_pixels == 3_000_000
    assert current.page_seconds == 3.0 and current.pages == 3
    monkeypatch.setenv("PLANS_MAX_PAGES", "nhiều")
    with pytest.raises(errors.BadParameter, match="PLANS_MAX_PAGES"):
        limits.current()


@pytest.mark.parametrize("side", [13_000, 20_000])
@pytest.mark.parametrize("make", [hostile.png_bomb, hostile.tiff_bomb])
def test_image_bombs_are_too_large_not_corrupt(tmp_path, make, side):
    path = make(tmp_path / f"bom{side}.{'png' if make is hostile.png_bomb else 'tif'}", side)
    assert path.stat().st_size < 100_000
    with pytest.raises(errors.PageTooLarge) as raised:
        open_document(path)
    assert "Mpx" in raised.value.detail and "PLANS_MAX_PAGE_MEGAPIXELS" in raised.value.message


def test_page_image_bytes_over_the_limit_are_refused_before_ocr(tmp_path):
    data = hostile.png_bomb(tmp_path / "trang.png", 13_000).read_bytes()
    with pytest.raises(errors.PageTooLarge):
        ocr.ocr_image(data)


@pytest.mark.parametrize("side", [20_000, 40_000])
def test_pdf_embedding_a_huge_image_is_refused_without_decoding_it(tmp_path, side):
    path = hostile.pdf_with_image(tmp_path / f"anh-{side}.pdf", side)
    assert path.stat().st_size < 300_000
    source = open_document(path)
    started = time.monotonic()
    with pytest.raises(errors.PageTooLarge, match=f"{side} x {side}"):
        list(source.pages())
    assert time.monotonic() - started < 5  # decoding 1.6 Gpx would take far longer


def test_pdf_page_of_many_images_counts_them_together(tmp_path):
    path = hostile.pdf_with_image(tmp_path / "nhieu-anh.pdf", 6_000, count=4)  # 4 x 36 Mpx
    with pytest.raises(errors.PageTooLarge, match="4 images, 144 Mpx"):
        list(open_document(path).pages())


def test_big_pdf_pages_are_rendered_within_the_pixel_limit_or_refused(tmp_path):
    with pytest.raises(errors.PageTooLarge, match="200 x 200 in"):
        list(open_document(hostile.pdf_big_page(tmp_path / "200in.pdf", 200)).pages())
    small = limits.Limits(page_pixels=4_000_000)  # the same rule as 100 inches at 100 Mpx
    [page] = list(open_document(hostile.pdf_big_page(tmp_path / "20in.pdf", 20),
                                limits=small).pages())
    import io

    from PIL import Image

    with Image.open(io.BytesIO(page.image)) as image:
        assert image.width * image.height <= small.page_pixels
        assert image.width == 2000  # 20 inches at the 100 dpi that fit, not at 300


def test_text_layer_page_with_a_huge_image_keeps_its_text(tmp_path):
    """An oversized image is refused only when the page has to be read from it."""
    import pymupdf

    path = hostile.pdf_with_image(tmp_path / "scan.pdf", 20_000)
    document = pymupdf.open(path)
    document[0].insert_textbox(pymupdf.Rect(50, 50, 550, 800), PLAN_TEXT, fontsize=10,
                               fontname="serif", fontfile=font_file())
    document.save(tmp_path / "with-text.pdf")
    [page] = list(open_document(tmp_path / "with-text.pdf").pages())
    assert page.source == "text-layer" and "giảm nghèo" in page.text


def test_docx_zip_bombs_are_refused_before_python_docx(tmp_path, monkeypatch):
    import docx

    def never(*_args, **_kwargs):
        raise AssertionError("python-docx must not open a zip bomb")

    bomb = hostile.docx_bomb(tmp_path / "bom.docx", 100_000_000)
    assert bomb.stat().st_size < 1_000_000  # a few hundred KB inflating to 100 MB
    monkeypatch.setattr(docx, "Document", never)
    with pytest.raises(errors.CompressionTooHigh, match="document.xml"):
        open_document(bomb)
    monkeypatch.setenv("PLANS_MAX_ZIP_RATIO", "100000")
    monkeypatch.setenv("PLANS_MAX_UNZIPPED_MB", "50")
    with pytest.raises(errors.ArchiveTooLarge):
        open_document(bomb)
    liar = hostile.lying_docx(tmp_path / "gia.docx", 5_000_000, declared=1_000)
    with pytest.raises(errors.CorruptFile):  # inflates past what its header says
        open_document(liar)


def test_docx_within_the_limits_is_read(tmp_path):
    path = hostile.docx_bomb(tmp_path / "ke-hoach.docx", 200_000)
    [page] = list(open_document(path).pages())
    assert page.text.startswith("Kế hoạch giảm nghèo năm 2024.")


def test_long_texts_and_lines_are_refused(tmp_path, monkeypatch):
    started = time.monotonic()
    with pytest.raises(errors.TextTooLarge):
        open_document(hostile.long_line_text(tmp_path / "mot-dong.txt", 50_000_000))
    assert time.monotonic() - started < 5  # refused by its size, before decoding
    (tmp_path / "mot-dong.txt").unlink()
    with pytest.raises(errors.LineTooLong):
        open_document(hostile.long_line_text(tmp_path / "dong-dai.txt", 400_000))
    monkeypatch.setenv("PLANS_MAX_TEXT_CHARS", "1000")
    (tmp_path / "dai.txt").write_text((PLAN_TEXT + "\n") * 3, encoding="utf-8")
    with pytest.raises(errors.TextTooLarge):
        open_document(tmp_path / "dai.txt")


def test_page_count_limit_and_blank_pages(tmp_path):
    assert open_document(hostile.blank_pdf(tmp_path / "2000.pdf", 2000)).page_count == 2000
    with pytest.raises(errors.TooManyPages, match="3000 pages"):
        open_document(hostile.blank_pdf(tmp_path / "3000.pdf", 3000))


def test_file_size_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("PLANS_MAX_FILE_MB", "0.001")
    (tmp_path / "ke-hoach.txt").write_text(PLAN_TEXT, encoding="utf-8")
    with pytest.raises(errors.FileTooLarge, match="MB"):
        open_document(tmp_path / "ke-hoach.txt")


@pytest.fixture(scope="module")
def page_png() -> bytes:
    return encode(render_pages([PLAN_TEXT], dpi=200)[0])


def test_tesseract_memory_limit_is_typed(page_png, monkeypatch):
    monkeypatch.setenv("PLANS_MAX_OCR_MEMORY_MB", "40")
    with pytest.raises(errors.MemoryLimitExceeded, match="40 MB"):
        ocr.ocr_image(page_png)


def test_every_tesseract_pass_of_a_page_shares_its_time(monkeypatch, tmp_path):
    """Three passes of 0.3 s within a 0.5 s page: the second gets what is left, then none."""
    given: list[float] = []

    def slow_tesseract(command, *, timeout, **_options):
        given.append(timeout)
        if timeout < 0.3:
            time.sleep(timeout)
            raise subprocess.TimeoutExpired(command, timeout)
        time.sleep(0.3)
        return subprocess.CompletedProcess(command, 0, b"", b"")

    monkeypatch.setattr(ocr.subprocess, "run", slow_tesseract)
    budget = ocr.Budget(limits.Deadline(0.5, errors.OcrTimeout, "page "), None, limits.MB)
    ocr.run_tesseract(tmp_path / "page.png", [], budget)
    with pytest.raises(errors.OcrTimeout):
        ocr.run_tesseract(tmp_path / "page.png", [], budget)
    with pytest.raises(errors.OcrTimeout):
        ocr.run_tesseract(tmp_path / "page.png", [], budget)
    assert len(given) == 2 and given[0] > 0.45 and given[1] < 0.25
    file_budget = ocr.Budget(limits.Deadline(10, errors.OcrTimeout),
                             limits.Deadline(0.2, errors.FileTimeout), limits.MB)
    with pytest.raises(errors.FileTimeout):  # the file's time ran out first: said so
        ocr.run_tesseract(tmp_path / "page.png", [], file_budget)


def test_page_time_limit_through_ocr(page_png, monkeypatch):
    monkeypatch.setenv("PLANS_PAGE_SECONDS", "0.05")
    with pytest.raises(errors.OcrTimeout, match="0.05 s"):
        ocr.ocr_image(page_png)


def test_file_time_limit_stops_reading(tmp_path, monkeypatch):
    from flows.reading import read_pages_now

    pages = render_pages([PLAN_TEXT] * 3, dpi=200)
    path = write_image_pdf(pages, tmp_path / "ba-trang.pdf", dpi=200)
    monkeypatch.setenv("PLANS_FILE_SECONDS", "0.3")
    with pytest.raises(errors.FileTimeout, match="ba-trang.pdf"):
        read_pages_now(path)


# --- the hostile files, end to end, in a subprocess whose memory is measured ----------------

_MEASURE = textwrap.dedent("""
    import json, os, sys, time
    from pathlib import Path
    from flows.reading import read_pages_now
    from pipeline import errors
    from pipeline.extract import extract_document

    for name in sys.argv[1:]:
        pid = os.fork()
        if pid == 0:  # one child per file: its peak memory is its own
            started = time.monotonic()
            try:
                extract_document(read_pages_now(Path(name)))
                outcome = "read"
            except errors.PlanError as exc:
                outcome = exc.code
            except BaseException as exc:
                outcome = "internal: " + repr(exc)
            print(json.dumps([Path(name).name, outcome, time.monotonic() - started]), flush=True)
            os._exit(0)
        _, _, usage = os.wait4(pid, 0)
        print(json.dumps(["rss", usage.ru_maxrss * 1024]), flush=True)
""")
HOSTILE_FILES = {  # name: (how to make it, the outcome expected)
    "png-13000.png": (lambda p: hostile.png_bomb(p, 13_000), "page_too_large"),
    "png-20000.png": (lambda p: hostile.png_bomb(p, 20_000), "page_too_large"),
    "tiff-13000.tif": (lambda p: hostile.tiff_bomb(p, 13_000), "page_too_large"),
    "tiff-20000.tif": (lambda p: hostile.tiff_bomb(p, 20_000), "page_too_large"),
    "page-100in.pdf": (lambda p: hostile.pdf_big_page(p, 100), "read"),
    "page-200in.pdf": (lambda p: hostile.pdf_big_page(p, 200), "page_too_large"),
    "image-20000.pdf": (lambda p: hostile.pdf_with_image(p, 20_000), "page_too_large"),
    "image-40000.pdf": (lambda p: hostile.pdf_with_image(p, 40_000), "page_too_large"),
    "bomb-100mb.docx": (lambda p: hostile.docx_bomb(p, 100_000_000), "compression_too_high"),
    "blank-2000.pdf": (lambda p: hostile.blank_pdf(p, 2000), "read"),
    "blank-3000.pdf": (lambda p: hostile.blank_pdf(p, 3000), "too_many_pages"),
    "one-line-50mb.txt": (lambda p: hostile.long_line_text(p, 50_000_000), "text_too_large"),
}
MAX_RSS = 1.5 * 2**30
MAX_SECONDS = 120  # the slowest, a 100-inch page read at 100 dpi, takes about 10 s


def test_hostile_files_stay_within_memory_and_time(tmp_path):
    paths = []
    for name, (make, _) in HOSTILE_FILES.items():
        paths.append(make(tmp_path / name))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", _MEASURE, *map(str, paths)], env=env,
                          capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("[")]
    results = {}
    for (name, outcome, seconds), (_, rss) in zip(lines[::2], lines[1::2], strict=True):
        results[name] = (outcome, seconds, rss)
    (tmp_path / "one-line-50mb.txt").unlink()
    report = "\n".join(f"{n}: {o} {s:.1f} s {r / 2**20:.0f} MB" for n, (o, s, r) in results.items())
    print(report)  # pytest -s shows the measurements
    for name, (_, expected) in HOSTILE_FILES.items():
        outcome, seconds, rss = results[name]
        assert outcome == expected, report
        assert rss < MAX_RSS and seconds < MAX_SECONDS, report
