"""Synthetic scans for tests and benchmarks: Vietnamese text typeset on A4, rasterised, degraded.

Deterministic (seeded), so a failing OCR test fails the same way twice. Used by tests/test_ocr.py,
tests/test_ingest.py and bench/bench_ocr.py.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pymupdf
from PIL import Image, ImageFilter

A4 = (595.0, 842.0)  # points
MARGINS = (85.0, 57.0, 57.0, 57.0)  # left 30 mm, top/right/bottom 20 mm, as decrees ask
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf",
)
FONT_SIZE = 13.0


def font_file() -> str:
    """A serif font with Vietnamese glyphs (Times-like, as plans are typed)."""
    for candidate in FONT_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    raise FileNotFoundError("no font with Vietnamese glyphs (install fonts-liberation2)")


def _text_rect() -> pymupdf.Rect:
    left, top, right, bottom = MARGINS
    return pymupdf.Rect(left, top, A4[0] - right, A4[1] - bottom)


def _typeset(page: pymupdf.Page, text: str, fontsize: float = FONT_SIZE) -> float:
    """Write text into the page's text area; returns the unused height (< 0: it did not fit)."""
    return page.insert_textbox(_text_rect(), text, fontsize=fontsize, fontname="serif",
                               fontfile=font_file(), lineheight=1.3)


def clean_plan_text(text: str) -> str:
    """A plan text as it would be typed: markdown marks dropped (table rows as spaced cells),
    blank lines collapsed."""
    lines = []
    for line in text.splitlines():
        line = line.strip()
        if re.fullmatch(r"\|[-:| ]+\|", line):  # markdown table rule
            continue
        if line.startswith("|") and line.endswith("|"):  # markdown table row: cells apart
            line = "    ".join(cell.strip() for cell in line.strip("|").split("|"))
        line = re.sub(r"^#+\s*", "", line).replace("**", "").replace("\t", " ")
        line = re.sub(r"\s+", " ", line)
        if line:
            lines.append(line)
    return "\n".join(lines)


def paginate(text: str, chars_per_page: int | None = None,
             fontsize: float = FONT_SIZE) -> list[str]:
    """Split text into pages at line ends: by a character budget, or (None) by what fits on A4."""
    pages: list[list[str]] = [[]]
    scratch = pymupdf.open()
    for line in text.split("\n"):
        candidate = "\n".join(pages[-1] + [line])
        if chars_per_page is not None:
            fits = len(candidate) <= chars_per_page
        else:
            page = scratch.new_page(width=A4[0], height=A4[1])
            fits = _typeset(page, candidate, fontsize) >= 0
            scratch.delete_page(-1)
        if fits or not pages[-1]:
            pages[-1].append(line)
        else:
            pages.append([line])
    scratch.close()
    return ["\n".join(lines) for lines in pages if lines]


def text_pdf(texts: list[str], path: Path | None = None, fontsize: float = FONT_SIZE) -> bytes:
    """A PDF with a real text layer, one text per page; written to `path` when given."""
    document = pymupdf.open()
    for text in texts:
        page = document.new_page(width=A4[0], height=A4[1])
        _typeset(page, text, fontsize)
    data = document.tobytes(garbage=3, deflate=True)
    document.close()
    if path is not None:
        Path(path).write_bytes(data)
    return data


def render_pages(texts: list[str], dpi: int = 300, fontsize: float = FONT_SIZE) -> list[Image.Image]:
    """Typeset each text on an A4 page and rasterise it to a grayscale image at `dpi`."""
    document = pymupdf.open()
    images = []
    for text in texts:
        page = document.new_page(width=A4[0], height=A4[1])
        if _typeset(page, text, fontsize) < 0:
            raise ValueError("text does not fit on one page; paginate() it first")
        pixmap = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY)
        image = Image.frombytes("L", (pixmap.width, pixmap.height), pixmap.samples)
        image.info["dpi"] = (dpi, dpi)
        images.append(image)
    document.close()
    return images


def degrade(image: Image.Image, *, skew: float = 0.0, blur: float = 0.0, noise: float = 0.0,
            jpeg_quality: int | None = None, rotate: int = 0, seed: int = 0) -> Image.Image:
    """Make a clean page look scanned.

    skew: degrees counter-clockwise (small, a sheet laid askew); rotate: 0/90/180/270 degrees
    counter-clockwise (a page fed sideways or upside down); blur: Gaussian radius in pixels;
    noise: standard deviation of Gaussian pixel noise (0-255 scale); jpeg_quality: JPEG round trip.
    """
    dpi = image.info.get("dpi")
    out = image.convert("L")
    if skew:
        out = out.rotate(skew, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
    if blur:
        out = out.filter(ImageFilter.GaussianBlur(blur))
    if noise:
        rng = np.random.default_rng(seed)
        pixels = np.asarray(out, dtype=np.float32)
        pixels = pixels + rng.normal(0.0, noise, pixels.shape)
        out = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "L")
    if rotate % 360:
        out = out.rotate(rotate % 360, expand=True)
    if jpeg_quality:
        buffer = io.BytesIO()
        out.save(buffer, format="JPEG", quality=jpeg_quality)
        out = Image.open(io.BytesIO(buffer.getvalue()))
        out.load()
    if dpi:
        out.info["dpi"] = dpi
    return out


def encode(image: Image.Image, fmt: str = "PNG", *, jpeg_quality: int = 85) -> bytes:
    """Image file bytes (PNG or JPEG) with the image's resolution recorded."""
    buffer = io.BytesIO()
    options: dict = {}
    if image.info.get("dpi"):
        options["dpi"] = tuple(round(float(v)) for v in image.info["dpi"])
    if fmt.upper() in ("JPEG", "JPG"):
        image.save(buffer, format="JPEG", quality=jpeg_quality, **options)
    else:
        image.save(buffer, format="PNG", compress_level=3, **options)
    return buffer.getvalue()


def write_image_pdf(images: list[Image.Image], path: Path, *, dpi: int | None = None,
                    jpeg_quality: int | None = None) -> Path:
    """An image-only PDF (a scan): one image per page, page size from the image's resolution."""
    document = pymupdf.open()
    for image in images:
        resolution = dpi or round(float((image.info.get("dpi") or (300, 300))[0]))
        width, height = image.width * 72 / resolution, image.height * 72 / resolution
        page = document.new_page(width=width, height=height)
        data = encode(image, "JPEG" if jpeg_quality else "PNG", jpeg_quality=jpeg_quality or 85)
        page.insert_image(page.rect, stream=data)
    document.save(str(path), garbage=3, deflate=True)
    document.close()
    return Path(path)


def write_tiff(images: list[Image.Image], path: Path, *, dpi: int | None = None) -> Path:
    """A (multi-page) TIFF, one frame per image, deflate-compressed."""
    resolution = dpi or round(float((images[0].info.get("dpi") or (300, 300))[0]))
    first, rest = images[0], images[1:]
    first.save(str(path), format="TIFF", save_all=True, append_images=rest,
               compression="tiff_deflate", dpi=(resolution, resolution))
    return Path(path)


# A page of plan text in the genre's own words, written for these tests (not from any sample).
PLAN_TEXT = "\n".join([
    "ỦY BAN NHÂN DÂN XÃ AN BÌNH",
    "KẾ HOẠCH",
    "Thực hiện mục tiêu giảm nghèo bền vững năm 2025",
    "Căn cứ Nghị quyết số 24/NQ-HĐND ngày 15/12/2024 của Hội đồng nhân dân xã về "
    "nhiệm vụ phát triển kinh tế - xã hội năm 2025, Ủy ban nhân dân xã ban hành Kế "
    "hoạch như sau:",
    "I. MỤC ĐÍCH, YÊU CẦU",
    "1. Mục tiêu chung",
    "Thực hiện đồng bộ, hiệu quả các chính sách giảm nghèo; hỗ trợ người nghèo, hộ "
    "nghèo vượt lên mức sống tối thiểu, tiếp cận các dịch vụ xã hội cơ bản theo chuẩn"
    " nghèo đa chiều.",
    "2. Chỉ tiêu cụ thể",
    "- Giảm tỷ lệ hộ nghèo từ 3,25% xuống còn 2,10%, tương ứng giảm 18 hộ nghèo.",
    "- Phấn đấu 100% người thuộc hộ nghèo, hộ cận nghèo được cấp thẻ bảo hiểm y tế.",
    "- Hỗ trợ xây mới, sửa chữa 12 căn nhà ở cho hộ nghèo, hộ có hoàn cảnh khó khăn.",
    "- Tạo việc làm mới cho ít nhất 150 lao động; tỷ lệ lao động qua đào tạo đạt 68%.",
    "II. NHIỆM VỤ VÀ GIẢI PHÁP",
    "1. Đẩy mạnh công tác tuyên truyền, nâng cao nhận thức của người dân về giảm nghèo.",
    "2. Thực hiện đầy đủ, kịp thời các chính sách hỗ trợ về tín dụng, y tế, giáo dục "
    "và nhà ở.",
    "III. TỔ CHỨC THỰC HIỆN",
    "1. Công chức Lao động - Thương binh và Xã hội chủ trì, phối hợp với các ban, "
    "ngành, đoàn thể triển khai thực hiện Kế hoạch; tổng hợp, báo cáo kết quả trước "
    "ngày 15/12/2025.",
    "2. Mặt trận Tổ quốc và các đoàn thể phối hợp vận động nguồn lực hỗ trợ hộ nghèo.",
])


def normalise_whitespace(text: str) -> str:
    return " ".join(text.split())


def character_error_rate(reference: str, hypothesis: str) -> float:
    """Levenshtein distance / reference length, after collapsing whitespace."""
    from rapidfuzz.distance import Levenshtein

    ref, hyp = normalise_whitespace(reference), normalise_whitespace(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return Levenshtein.distance(ref, hyp) / len(ref)
