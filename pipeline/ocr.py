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
import re
import shutil
import subprocess
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import pytesseract
from PIL import Image

from pipeline import errors
from pipeline import limits as limits_module
from pipeline.legacy_encodings import syllable_share
from pipeline.limits import Deadline, Limits

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
class Budget:
    """What the OCR of one page may spend: the page's time (every Tesseract pass together),
    what is left of the file's, and each Tesseract process's memory."""

    page: Deadline
    file: Deadline | None
    memory_bytes: int

    def seconds(self) -> float:
        return self.page.within(self.file)


def page_budget(limits: Limits | None = None, file_deadline: Deadline | None = None,
                timeout: float | None = None) -> Budget:
    """A fresh budget for one page: `timeout` seconds or the page limit, within the file's."""
    limits = limits or limits_module.current()
    return Budget(Deadline(timeout or limits.page_seconds, errors.OcrTimeout, "page "),
                  file_deadline, limits.ocr_memory_bytes)


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


def ocr_image(image: bytes | Image.Image, *, lang: str = "vie", timeout: float | None = None,
              dpi: int | None = None, limits: Limits | None = None,
              file_deadline: Deadline | None = None, geometry: PageGeometry | None = None,
              budget: Budget | None = None) -> OcrResult:
    """Read one page image (encoded bytes or a PIL image) with Tesseract.

    Every Tesseract pass of the page shares `budget` (default: `timeout` seconds, the page limit
    of pipeline/limits.py, and what is left of `file_deadline`): OcrTimeout (FileTimeout) once
    spent. `geometry`: the page's skew and text size when the caller measured them already.
    PageTooLarge for an image over the pixel limit, MemoryLimitExceeded when Tesseract needs
    more memory than allowed, OcrEngineMissing when it cannot run. An image without text gives
    empty text and confidence None.
    """
    limits = limits or limits_module.current()
    budget = budget or page_budget(limits, file_deadline, timeout)
    data = image if isinstance(image, bytes) else None
    header = _open(image, full=False, limits=limits)
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
                   budget, dpi)
    result.skew = skew
    if _reads_badly(result):
        if upright is None:
            upright = _gray(_open(image))
        rotation = _detect_rotation(upright, budget, dpi)
        if rotation:
            turned = upright.rotate(-rotation, expand=True)  # PIL turns counter-clockwise
            turned_skew = estimate_skew(turned)
            if abs(turned_skew) >= MIN_SKEW_DEGREES:
                turned = rotate(turned, -turned_skew)
            second = _read(turned, lang, budget, dpi)
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


def _open(image: bytes | Image.Image, *, full: bool = True,
          limits: Limits | None = None) -> Image.Image:
    """The image decoded (full=False: only its header read, and checked against the pixel
    limit: the first thing ocr_image does)."""
    if isinstance(image, Image.Image):
        return image
    try:
        picture = limits_module.open_image(io.BytesIO(image), "page image",
                                           limits or limits_module.current())
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


def _read(image: bytes | Image.Image, lang: str, budget: Budget, dpi: int | None) -> OcrResult:
    """One Tesseract run over a temporary file; text rebuilt from blocks, paragraphs, lines."""
    arguments = ["-l", lang, *TESSERACT_CONFIG.split(), *(["--dpi", str(dpi)] if dpi else [])]
    with tempfile.TemporaryDirectory(prefix="plans-ocr-") as folder:
        if isinstance(image, bytes):
            path = Path(folder) / "page.img"
            path.write_bytes(image)
        else:  # uncompressed: PNG would spend ~0.1 s per page compressing what Tesseract unpacks
            path = Path(folder) / "page.pnm"
            (image if image.mode in ("1", "L", "RGB") else image.convert("RGB")).save(path, "PPM")
        tsv = run_tesseract(path, [*arguments, "tsv"], budget)
    return _result_from_data(_tsv_columns(tsv))


# Leptonica and the C++ runtime, out of memory, say so on stderr (Tesseract may still exit 0
# with an empty page); the dynamic loader says so when even the libraries do not fit.
_OUT_OF_MEMORY = re.compile(r"malloc fail|not made|bad_alloc|Cannot allocate memory|"
                            r"failed to map segment|out of memory", re.IGNORECASE)


def run_tesseract(path: Path, arguments: list[str], budget: Budget) -> str:
    """`tesseract PATH stdout ARGUMENTS` within the page's time and memory; its standard output.

    The memory limit is the process's address space, set by util-linux's prlimit.
    """
    command = ["tesseract", str(path), "stdout", *arguments]
    if shutil.which("prlimit"):
        command = ["prlimit", f"--as={budget.memory_bytes}", "--", *command]
    seconds = budget.seconds()
    try:
        done = subprocess.run(command, capture_output=True, timeout=seconds, check=False)
    except subprocess.TimeoutExpired as exc:
        budget.seconds()  # FileTimeout when it was the file's time that ran out
        raise errors.OcrTimeout(f"> {budget.page.seconds:g} s") from exc
    except FileNotFoundError as exc:
        raise errors.OcrEngineMissing(str(exc)) from exc
    stderr = done.stderr.decode("utf-8", errors="replace")
    if _OUT_OF_MEMORY.search(stderr):
        raise errors.MemoryLimitExceeded(
            f"Tesseract > {budget.memory_bytes / limits_module.MB:g} MB")
    if done.returncode != 0:
        if "traineddata" in stderr or "language" in stderr.lower():
            raise errors.OcrEngineMissing(stderr.strip()[-300:])
        raise errors.CorruptFile(f"tesseract: {stderr.strip()[-300:]}",
                                 vi="Tesseract không đọc được ảnh trang này; hãy quét lại.",
                                 en="Tesseract could not read this page image; scan it again.")
    return done.stdout.decode("utf-8", errors="replace")


_TSV_NUMBERS = ("level", "page_num", "block_num", "par_num", "line_num", "word_num", "left",
                "top", "width", "height")


def _tsv_columns(tsv: str) -> dict[str, list]:
    """Tesseract's TSV as columns (what pytesseract's Output.DICT gives): numbers as numbers."""
    lines = [line.split("\t") for line in tsv.splitlines() if line.strip()]
    if not lines:
        return {name: [] for name in (*_TSV_NUMBERS, "conf", "text")}
    header, rows = lines[0], lines[1:]
    columns: dict[str, list] = {name: [] for name in header}
    for row in rows:
        row = row + [""] * (len(header) - len(row))
        for name, value in zip(header, row, strict=False):
            columns[name].append(int(value) if name in _TSV_NUMBERS else
                                 float(value) if name == "conf" else value)
    return columns


SNIPPETS_PER_SHEET = 40  # snippets stacked on one image: fewer images, less Tesseract overhead
SNIPPET_GAP = 30  # white rows between two stacked snippets (pixels)


def read_snippets(images: list[np.ndarray], *, lang: str = "vie", budget: Budget | None = None,
                  whitelist: str | None = None) -> list[tuple[str, float | None]]:
    """Read many small grey images (the text lines of table cells) in one Tesseract run.

    They are stacked, a white gap apart, on a few sheets read as uniform blocks (--psm 6): one
    model load, and a fortieth of the per-image overhead of reading each alone (35 % faster
    on table pages, as accurate). Returns (text, mean word confidence) per image, its lines
    joined by newlines; ("", None) where nothing was read. `whitelist`: the only characters
    allowed; `budget`: the page's (a fresh page budget by default)."""
    if not images:
        return []
    arguments = ["-l", lang, "--oem", "1", "--psm", "6",
                 *(["-c", f"tessedit_char_whitelist={whitelist}"] if whitelist else []), "tsv"]
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
        data = _tsv_columns(run_tesseract(listing, arguments, budget or page_budget()))
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


def _detect_rotation(gray: Image.Image, budget: Budget, dpi: int | None) -> int:
    """Clockwise degrees (0/90/180/270) to turn the page upright, by Tesseract's OSD."""
    config = "--psm 0 -c min_characters_to_try=10" + (f" --dpi {dpi}" if dpi else "")
    small = gray
    if max(gray.size) > 2400:  # OSD works on a reduced copy just as well, and faster
        factor = max(gray.size) / 2400
        small = gray.resize((round(gray.width / factor), round(gray.height / factor)),
                            Image.Resampling.BILINEAR)
        config = config.split(" --dpi")[0]
    try:
        osd = pytesseract.image_to_osd(small, config=config, timeout=budget.seconds(),
                                       output_type=pytesseract.Output.DICT)
    except RuntimeError as exc:
        if "timeout" in str(exc).lower():
            budget.seconds()  # FileTimeout when it was the file's time that ran out
            raise errors.OcrTimeout(f"> {budget.page.seconds:g} s (orientation)") from exc
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


def engine_identity(lang: str = "vie") -> dict:
    """Tesseract's version and where its language data lives, as the page cache key needs them.

    The language files themselves are hashed by pipeline.provenance; None values when Tesseract
    is not installed (reading a scan then fails with OcrEngineMissing anyway).
    """
    try:
        version = str(pytesseract.get_tesseract_version())
        listing = subprocess.run([pytesseract.pytesseract.tesseract_cmd, "--list-langs"],
                                 capture_output=True, text=True, timeout=30).stdout
    except (pytesseract.TesseractNotFoundError, OSError, subprocess.SubprocessError):
        return {"version": None, "tessdata": None, "languages": []}
    found = re.search(r'"([^"]+)"', listing.splitlines()[0]) if listing else None
    tessdata = Path(found.group(1)) if found else None
    files = [tessdata / f"{code}.traineddata" for code in [*lang.split("+"), "osd"]] \
        if tessdata else []
    return {"version": version, "tessdata": str(tessdata) if tessdata else None,
            "languages": [str(f) for f in files if f.is_file()]}
