"""OCR: a page image -> text with word confidences; the only module that talks to Tesseract.

One Tesseract pass per upright page: text layout and word confidences come from the same
`image_to_data` call. Skew and text size are measured cheaply (projection profile on a small
binarised copy); skew is corrected before OCR, and a page whose text is large is read at a
reduced scale (Tesseract's recogniser sees every text line at a fixed height of a few dozen
pixels, so pixels beyond that only slow its layout analysis down). Orientation detection (OSD)
runs only when the first pass reads badly.
"""

from __future__ import annotations

import io
import os
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import pytesseract
from PIL import Image

from pipeline import errors
from pipeline.legacy_encodings import syllable_share

# One Tesseract thread per process: pages already run in parallel, one process per worker,
# and Tesseract's own OpenMP threads would fight over the cores (several times slower).
os.environ["OMP_THREAD_LIMIT"] = "1"
cv2.setNumThreads(1)

TESSERACT_CONFIG = "--oem 1 --psm 3"
MIN_SKEW_DEGREES = 0.5  # below this, deskewing costs more than it gains
# Text whose line cores (about the x-height) are taller than this many pixels is scaled down to
# it. Tesseract's 'vie' recogniser reads every line at a height of 36 px, and a line is about
# 2.6 cores high, so 17 px keeps lines above that with a fifth to spare. Checked on law text
# (not plans) typeset at 9-14 pt, 200 and 300 dpi: character error rate 0.256 % against
# 0.259 % at full scale; bench/bench_ocr.py reports the CER of plans read this way.
TARGET_CORE_HEIGHT = 17.0
MIN_SCALE = 0.5  # never below half the scan's resolution
MAX_SCALE_TO_BOTHER = 0.9  # a smaller saving does not pay for decoding and resizing the page
MAX_SKEW_DEGREES = 6.0  # the range the skew search covers
MAX_SKEW_POINTS = 50_000  # dark pixels sampled for the profiles: ~3 dark pixels per sheared row
LOW_CONFIDENCE = 55.0  # a first pass below this (or reading as non-Vietnamese) triggers OSD
MIN_SYLLABLE_SHARE = 0.6


@dataclass
class OcrLine:
    """A line of text as Tesseract laid it out: its words, box and paragraph."""

    text: str
    box: tuple[int, int, int, int]  # x0, y0, x1, y1
    paragraph: int  # index of its paragraph in reading order
    words: list[tuple[str, tuple[int, int, int, int]]] = field(default_factory=list)


@dataclass
class OcrResult:
    """What Tesseract read on one page; word boxes are in the deskewed/rotated image."""

    text: str
    confidence: float | None  # mean word confidence 0-100; None when no text was found
    words: list[tuple[str, float, tuple[int, int, int, int]]] = field(default_factory=list)
    rotation: int = 0  # degrees (clockwise) the page was turned before reading
    skew: float = 0.0  # degrees of skew measured (and corrected when above MIN_SKEW_DEGREES)
    scale: float = 1.0  # the page was read at this scale; word boxes are given at full scale
    lines: list[OcrLine] = field(default_factory=list)  # boxes at full scale, like words


@dataclass
class PageGeometry:
    """What the cheap look at a page image found before OCR."""

    skew: float  # degrees, counter-clockwise positive; turning by -skew fixes it
    core_height: float | None  # pixels (full image): median height of the text lines' dense core


def check_engine(lang: str = "vie") -> None:
    """Make sure Tesseract and its language model are installed; raise OcrEngineMissing if not."""
    try:
        pytesseract.get_tesseract_version()
        languages = pytesseract.get_languages(config="")
    except (pytesseract.TesseractNotFoundError, OSError) as exc:
        raise errors.OcrEngineMissing(str(exc) or "tesseract not found") from exc
    missing = [code for code in lang.split("+") if code not in languages]
    if missing:
        raise errors.OcrEngineMissing(f"language model missing: {', '.join(missing)}")


def ocr_image(image: bytes | Image.Image, *, lang: str = "vie", timeout: float = 180,
              dpi: int | None = None, geometry: PageGeometry | None = None) -> OcrResult:
    """Read one page image (encoded bytes or a PIL image) with Tesseract.

    `geometry`: the page's skew and text size when the caller measured them already.
    Raises OcrTimeout when one Tesseract run exceeds `timeout` seconds and OcrEngineMissing when
    Tesseract cannot run. An image without text gives empty text and confidence None.
    """
    data = image if isinstance(image, bytes) else None
    header = _open(image, full=False)
    if dpi is None:
        dpi = declared_dpi(header)
    if geometry is None:
        geometry = measure_page(_skew_sample(image), full_width=header.width)
    skew, scale = geometry.skew, reading_scale(geometry.core_height)
    upright: Image.Image | None = None  # the full-size grayscale page, decoded only if needed
    if abs(skew) >= MIN_SKEW_DEGREES:
        upright = rotate(_gray(_open(image)), -skew)
    elif scale < 1.0 or (data is not None and not _tesseract_reads_as_is(data)):
        upright = _gray(_open(image))
    if scale < 1.0:
        upright = upright.resize((round(upright.width * scale), round(upright.height * scale)),
                                 Image.Resampling.BILINEAR)
        dpi = round(dpi * scale) if dpi else None
    result = _read(upright if upright is not None else (data or _gray(_open(image))), lang,
                   timeout, dpi)
    result.skew = skew
    if _reads_badly(result):
        if upright is None:
            upright = _gray(_open(image))
        rotation = _detect_rotation(upright, timeout, dpi)
        if rotation:
            turned = upright.rotate(-rotation, expand=True)  # PIL turns counter-clockwise
            turned_skew = estimate_skew(turned)
            if abs(turned_skew) >= MIN_SKEW_DEGREES:
                turned = rotate(turned, -turned_skew)
            second = _read(turned, lang, timeout, dpi)
            if (second.confidence or 0) > (result.confidence or 0):
                second.rotation, second.skew = rotation, turned_skew
                result = second
    if scale < 1.0:
        result.scale = scale
        result.words = [(word, confidence, tuple(round(v / scale) for v in box))
                        for word, confidence, box in result.words]
        for line in result.lines:
            line.box = tuple(round(v / scale) for v in line.box)
            line.words = [(w, tuple(round(v / scale) for v in b)) for w, b in line.words]
    return result


def _gray(picture: Image.Image) -> Image.Image:
    return picture if picture.mode == "L" else picture.convert("L")


def _tesseract_reads_as_is(data: bytes) -> bool:
    """PNG/JPEG in a plain mode: hand the bytes to Tesseract without decoding them here."""
    picture = _open(data, full=False)
    return picture.format in ("PNG", "JPEG") and picture.mode in ("1", "L", "RGB")


def _skew_sample(image: bytes | Image.Image) -> Image.Image:
    """A grayscale copy of about 1000 px width for skew estimation, decoded as cheaply as can be
    (a JPEG decodes straight at a quarter or half size)."""
    picture = _open(image, full=False)
    if isinstance(image, bytes) and picture.format == "JPEG" and picture.width > 2000:
        picture.draft("L", (picture.width // 2, picture.height // 2))
    try:
        picture.load()
    except (OSError, SyntaxError, ValueError) as exc:
        raise errors.CorruptFile(f"page image: {exc}") from exc
    return _gray(picture)


def _open(image: bytes | Image.Image, *, full: bool = True) -> Image.Image:
    """The image decoded (full=False: only its header read)."""
    if isinstance(image, Image.Image):
        return image
    try:
        picture = Image.open(io.BytesIO(image))
        if full:
            picture.load()
    except (OSError, SyntaxError, ValueError) as exc:
        raise errors.CorruptFile(f"page image: {exc}") from exc
    return picture


def declared_dpi(picture: Image.Image) -> int | None:
    dpi = picture.info.get("dpi")
    try:
        value = round(float(dpi[0])) if dpi else None
    except (TypeError, ValueError):
        return None
    # 72/96 dpi is what software writes when it does not know; let Tesseract estimate instead
    return value if value and value >= 100 else None


def _read(image: bytes | Image.Image, lang: str, timeout: float, dpi: int | None) -> OcrResult:
    """One Tesseract run over a temporary file; text rebuilt from blocks, paragraphs, lines."""
    config = TESSERACT_CONFIG + (f" --dpi {dpi}" if dpi else "")
    with tempfile.TemporaryDirectory(prefix="plans-ocr-") as folder:
        if isinstance(image, bytes):
            path = Path(folder) / "page.img"
            path.write_bytes(image)
        else:  # uncompressed: PNG would spend ~0.1 s per page compressing what Tesseract unpacks
            path = Path(folder) / "page.pnm"
            (image if image.mode in ("1", "L", "RGB") else image.convert("RGB")).save(path, "PPM")
        try:
            data = pytesseract.image_to_data(str(path), lang=lang, config=config,
                                             timeout=timeout, output_type=pytesseract.Output.DICT)
        except RuntimeError as exc:
            if "timeout" in str(exc).lower():
                raise errors.OcrTimeout(f"> {timeout:g} s") from exc
            raise
        except pytesseract.TesseractNotFoundError as exc:
            raise errors.OcrEngineMissing(str(exc)) from exc
        except pytesseract.TesseractError as exc:
            if "traineddata" in str(exc) or "language" in str(exc).lower():
                raise errors.OcrEngineMissing(str(exc)) from exc
            raise
    return _result_from_data(data)


SNIPPETS_PER_SHEET = 40  # snippets stacked on one image: fewer images, less Tesseract overhead
SNIPPET_GAP = 30  # white rows between two stacked snippets (pixels)


def read_snippets(images: list[np.ndarray], *, lang: str = "vie", timeout: float = 180,
                  whitelist: str | None = None) -> list[tuple[str, float | None]]:
    """Read many small grey images (the text lines of table cells) in one Tesseract run.

    They are stacked, a white gap apart, on a few sheets read as uniform blocks (--psm 6): one
    model load, and a fortieth of the per-image overhead of reading each alone (35 % faster
    on table pages, as accurate). Returns (text, mean word confidence) per image, its lines
    joined by newlines; ("", None) where nothing was read. `whitelist`: the only characters
    allowed."""
    if not images:
        return []
    config = "--oem 1 --psm 6" + (f" -c tessedit_char_whitelist={whitelist}" if whitelist else "")
    sheets = [_stack(images[i:i + SNIPPETS_PER_SHEET])
              for i in range(0, len(images), SNIPPETS_PER_SHEET)]
    with tempfile.TemporaryDirectory(prefix="plans-cells-") as folder:
        names = []
        for i, (pixels, _) in enumerate(sheets):
            path = Path(folder) / f"{i:04d}.pgm"
            Image.fromarray(pixels).save(path, "PPM")
            names.append(str(path))
        listing = Path(folder) / "sheets.txt"
        listing.write_text("\n".join(names) + "\n", encoding="utf-8")
        try:
            data = pytesseract.image_to_data(str(listing), lang=lang, config=config,
                                             timeout=timeout, output_type=pytesseract.Output.DICT)
        except RuntimeError as exc:
            if "timeout" in str(exc).lower():
                raise errors.OcrTimeout(f"> {timeout:g} s") from exc
            raise
        except pytesseract.TesseractNotFoundError as exc:
            raise errors.OcrEngineMissing(str(exc)) from exc
    lines: dict[int, dict[tuple, list[str]]] = {}
    confidences: dict[int, list[float]] = {}
    for i, token in enumerate(data["text"]):
        token, confidence = (token or "").strip(), float(data["conf"][i])
        if confidence < 0 or not token:
            continue
        sheet = int(data["page_num"][i]) - 1
        middle = data["top"][i] + data["height"][i] / 2
        spans = sheets[sheet][1]
        k = next((k for k, (top, bottom) in enumerate(spans)
                  if top - SNIPPET_GAP / 2 <= middle < bottom + SNIPPET_GAP / 2), None)
        if k is None:
            continue
        snippet = sheet * SNIPPETS_PER_SHEET + k
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        lines.setdefault(snippet, {}).setdefault(key, []).append(token)
        confidences.setdefault(snippet, []).append(confidence)
    out: list[tuple[str, float | None]] = []
    for snippet in range(len(images)):
        text = "\n".join(" ".join(words) for words in lines.get(snippet, {}).values())
        scores = confidences.get(snippet)
        out.append((unicodedata.normalize("NFC", text),
                    round(sum(scores) / len(scores), 2) if scores else None))
    return out


def _stack(images: list[np.ndarray]) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Images stacked top to bottom, left-aligned, SNIPPET_GAP apart; their row spans."""
    width = max(image.shape[1] for image in images)
    parts, spans, y = [], [], 0
    for image in images:
        parts.append(cv2.copyMakeBorder(image, 0, SNIPPET_GAP, 0, width - image.shape[1],
                                        cv2.BORDER_CONSTANT, value=255))
        spans.append((y, y + image.shape[0]))
        y += image.shape[0] + SNIPPET_GAP
    return np.vstack(parts), spans


def _result_from_data(data: dict) -> OcrResult:
    """Words with confidences, and the page text: lines joined by newlines, paragraphs by a
    blank line, as Tesseract's own text output lays them out."""
    words: list[tuple[str, float, tuple[int, int, int, int]]] = []
    lines: list[OcrLine] = []
    last_paragraph = last_line = None
    paragraph_index = -1
    for i, token in enumerate(data["text"]):
        confidence = float(data["conf"][i])
        token = (token or "").strip()
        if confidence < 0 or not token:
            continue
        paragraph = (data.get("page_num", [1] * (i + 1))[i], data["block_num"][i],
                     data["par_num"][i])
        line = paragraph + (data["line_num"][i],)
        if paragraph != last_paragraph:
            paragraph_index += 1
            last_paragraph, last_line = paragraph, None
        left, top = data["left"][i], data["top"][i]
        box = (left, top, data["width"][i], data["height"][i])
        corners = (left, top, left + box[2], top + box[3])
        if line != last_line:
            lines.append(OcrLine("", corners, paragraph_index))
            last_line = line
        current = lines[-1]
        current.words.append((token, corners))
        current.box = (min(current.box[0], corners[0]), min(current.box[1], corners[1]),
                       max(current.box[2], corners[2]), max(current.box[3], corners[3]))
        words.append((token, confidence, box))
    if not _has_text(words):
        return OcrResult("", None, [])
    for line in lines:
        line.text = unicodedata.normalize("NFC", " ".join(w for w, _ in line.words))
    text = join_lines(lines)
    confidence = sum(w[1] for w in words) / len(words)
    return OcrResult(text, round(confidence, 2), words, lines=lines)


def join_lines(lines: list[OcrLine]) -> str:
    """Page text from laid-out lines: newlines within a paragraph, a blank line between."""
    out: list[str] = []
    for i, line in enumerate(lines):
        if i:
            out.append("\n\n" if line.paragraph != lines[i - 1].paragraph else "\n")
        out.append(line.text)
    return "".join(out)


def _has_text(words: list) -> bool:
    """Tesseract reads specks on a blank page as a few low-confidence symbols: that is no text."""
    alnum = sum(sum(c.isalnum() for c in w[0]) for w in words)
    confident = [w for w in words if w[1] >= 50 and any(c.isalnum() for c in w[0])]
    return alnum >= 3 and len(confident) >= 1


def _reads_badly(result: OcrResult) -> bool:
    if result.confidence is None:
        return False  # nothing on the page at all: turning it will not help
    if result.confidence < LOW_CONFIDENCE:
        return True
    share = syllable_share(result.text)
    return share is not None and share < MIN_SYLLABLE_SHARE and len(result.words) >= 5


def _detect_rotation(gray: Image.Image, timeout: float, dpi: int | None) -> int:
    """Clockwise degrees (0/90/180/270) to turn the page upright, by Tesseract's OSD."""
    config = "--psm 0 -c min_characters_to_try=10" + (f" --dpi {dpi}" if dpi else "")
    small = gray
    if max(gray.size) > 2400:  # OSD works on a reduced copy just as well, and faster
        factor = max(gray.size) / 2400
        small = gray.resize((round(gray.width / factor), round(gray.height / factor)),
                            Image.Resampling.BILINEAR)
        config = config.split(" --dpi")[0]
    try:
        osd = pytesseract.image_to_osd(small, config=config, timeout=timeout,
                                       output_type=pytesseract.Output.DICT)
    except RuntimeError as exc:
        if "timeout" in str(exc).lower():
            raise errors.OcrTimeout(f"orientation > {timeout:g} s") from exc
        raise
    except pytesseract.TesseractError:
        return 0  # too few characters to decide: leave the page as it is
    return int(osd.get("rotate", 0)) % 360


def rotate(gray: Image.Image, degrees: float) -> Image.Image:
    """Turn a grey page by `degrees` (counter-clockwise, as PIL does), the canvas grown to hold
    it and the corners filled with white (OpenCV: three times faster than PIL's rotate)."""
    pixels = np.asarray(gray if gray.mode == "L" else gray.convert("L"))
    h, w = pixels.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    width, height = round(h * sin + w * cos), round(h * cos + w * sin)
    matrix[0, 2] += width / 2 - w / 2
    matrix[1, 2] += height / 2 - h / 2
    turned = cv2.warpAffine(pixels, matrix, (width, height), flags=cv2.INTER_CUBIC,
                            borderMode=cv2.BORDER_CONSTANT, borderValue=255)
    return Image.fromarray(turned, "L")


def reading_scale(core_height: float | None) -> float:
    """The scale to read a page at: text cores brought down to TARGET_CORE_HEIGHT, never up."""
    if not core_height:
        return 1.0
    scale = max(MIN_SCALE, TARGET_CORE_HEIGHT / core_height)
    return round(scale, 3) if scale <= MAX_SCALE_TO_BOTHER else 1.0


def estimate_skew(gray: Image.Image) -> float:
    """Skew of the text lines in degrees, counter-clockwise positive; turning by -skew fixes it."""
    return measure_page(gray).skew


def measure_page(gray: Image.Image, full_width: int | None = None) -> PageGeometry:
    """Skew and text size of a page from a grayscale copy (any size; `full_width` is the width
    of the image the core height should be given in).

    Projection profile: on a 1000-1400 px binarised copy, shear the dark pixels' rows by each
    candidate angle and keep the angle whose row histogram is sharpest, coarse then fine; the
    rows of that histogram that are at least a fifth as dark as the darkest tenth are the cores
    of the text lines, and their median run is the core height.
    """
    width = 1000
    if gray.width > 1.4 * width:  # a copy of 1000-1400 px (a JPEG decoded at half size) will do
        small = gray.resize((width, max(1, round(gray.height * width / gray.width))),
                            Image.Resampling.BILINEAR)
    else:
        small = gray
    pixels = np.asarray(small, dtype=np.uint8)
    if pixels.size == 0:
        return PageGeometry(0.0, None)
    threshold = min(128, int(pixels.mean()) - 30)
    ys, xs = np.nonzero(pixels < threshold)
    if len(ys) < 200:
        return PageGeometry(0.0, None)
    if len(ys) > MAX_SKEW_POINTS:  # every k-th dark pixel in reading order: spread over the page
        step = -(-len(ys) // MAX_SKEW_POINTS)
        ys, xs = ys[::step], xs[::step]
    xs = xs.astype(np.float64) - pixels.shape[1] / 2
    ys = ys.astype(np.float64)

    def row_histogram(angle: float) -> np.ndarray:
        shifted = ys - xs * np.tan(np.radians(angle))
        return np.bincount((shifted - shifted.min()).astype(np.int64))

    def sharpness(angle: float) -> float:
        return float(np.sum(row_histogram(angle).astype(np.float64) ** 2))

    coarse = np.arange(-MAX_SKEW_DEGREES, MAX_SKEW_DEGREES + 1e-9, 0.5)
    best = max(coarse, key=sharpness)
    fine = np.arange(best - 0.5, best + 0.5 + 1e-9, 0.1)
    best = max(fine, key=sharpness)
    # image rows grow downwards, so the shear that flattens lines rising to the right (a page
    # turned counter-clockwise) has the opposite sign of the page's turn
    skew = round(float(-best), 2) if abs(best) > 1e-9 else 0.0
    core = _core_height(row_histogram(best))
    factor = (full_width or gray.width) / small.width
    return PageGeometry(skew, round(core * factor, 1) if core else None)


def _core_height(histogram: np.ndarray, min_lines: int = 5) -> float | None:
    """Median height (rows) of the runs of dark rows; None with fewer than `min_lines` lines."""
    inked = histogram[histogram > 0]
    if inked.size == 0:
        return None
    dark = histogram > 0.2 * np.percentile(inked, 90)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], dark.astype(np.int8), [0]))))
    runs = edges[1::2] - edges[::2]
    runs = runs[runs >= 2]  # a single row is a rule or a speck, not a line of text
    return float(np.median(runs)) if runs.size >= min_lines else None
