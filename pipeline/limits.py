"""How much of a machine one untrusted file may take: the limits, and the checks that keep them.

Every limit has a setting (an environment variable, read when a file is opened) and its own
typed error in pipeline/errors.py whose message says what to do. A file over a limit is too
big, never "corrupt". The checks run before the expensive step they guard: image headers
before pixels are decoded, a .docx's zip entries before python-docx inflates them, the byte
size of a text before it is decoded.

| setting                   | default | what it bounds                                          |
|---------------------------|---------|---------------------------------------------------------|
| PLANS_MAX_FILE_MB         | 200     | bytes of one file                                       |
| PLANS_MAX_PAGES           | 2000    | pages (PDF pages, TIFF frames, text pages)              |
| PLANS_MAX_PAGE_MEGAPIXELS | 100     | pixels of a page image: image files, embedded images, |
|                           |         | rendering (a big page is rendered at a lower dpi, down  |
|                           |         | to MIN_RENDER_DPI, then refused)                        |
| PLANS_MAX_UNZIPPED_MB     | 100     | bytes a .docx unpacks to (declared and actual)          |
| PLANS_MAX_ZIP_RATIO       | 200     | unpacked / packed size of any .docx entry over 1 MB     |
| PLANS_MAX_TEXT_CHARS      | 5000000 | characters of a text or .docx document                  |
| PLANS_MAX_LINE_CHARS      | 200000  | characters of one line of it                            |
| PLANS_MAX_OCR_MEMORY_MB   | 1024    | address space of each Tesseract process                 |
| PLANS_PAGE_SECONDS        | 180     | every OCR pass of one page together                     |
| PLANS_FILE_SECONDS        | 7200    | reading one file (checked page by page)                 |
"""

from __future__ import annotations

import math
import os
import time
import warnings
import zipfile
from dataclasses import dataclass, fields
from pathlib import Path

from pipeline import errors

MB = 2**20
MIN_RENDER_DPI = 100  # a page that fits the pixel limit only below this is refused
ZIP_RATIO_FLOOR = MB  # entries smaller than this unpacked are never called bombs
_ZIP_CHUNK = 1 << 16


@dataclass(frozen=True)
class Limits:
    """The limits in force; `current()` reads them from the environment."""

    file_bytes: int = 200 * MB
    pages: int = 2000
    page_pixels: int = 100_000_000
    unzipped_bytes: int = 100 * MB
    zip_ratio: float = 200.0
    text_chars: int = 5_000_000
    line_chars: int = 200_000
    ocr_memory_bytes: int = 1024 * MB
    page_seconds: float = 180.0
    file_seconds: float = 7200.0


# setting name -> (field, factor from the setting's unit to the field's)
SETTINGS = {
    "PLANS_MAX_FILE_MB": ("file_bytes", MB), "PLANS_MAX_PAGES": ("pages", 1),
    "PLANS_MAX_PAGE_MEGAPIXELS": ("page_pixels", 1_000_000),
    "PLANS_MAX_UNZIPPED_MB": ("unzipped_bytes", MB), "PLANS_MAX_ZIP_RATIO": ("zip_ratio", 1),
    "PLANS_MAX_TEXT_CHARS": ("text_chars", 1), "PLANS_MAX_LINE_CHARS": ("line_chars", 1),
    "PLANS_MAX_OCR_MEMORY_MB": ("ocr_memory_bytes", MB),
    "PLANS_PAGE_SECONDS": ("page_seconds", 1), "PLANS_FILE_SECONDS": ("file_seconds", 1),
}


def current() -> Limits:
    """The limits as the environment sets them (defaults for settings not given)."""
    types = {f.name: f.type for f in fields(Limits)}
    values = {}
    for name, (field, factor) in SETTINGS.items():
        raw = os.environ.get(name, "").strip()
        if not raw:
            continue
        try:
            number = float(raw) * factor
        except ValueError as exc:
            raise errors.BadParameter(f"{name}={raw!r}", vi=f"{name} phải là một số.",
                                      en=f"{name} must be a number.") from exc
        if not number > 0:
            raise errors.BadParameter(f"{name}={raw!r}", vi=f"{name} phải lớn hơn 0.",
                                      en=f"{name} must be above 0.")
        values[field] = number if types[field] == "float" else int(number)
    return Limits(**values)


# --- files, pages, text ----------------------------------------------------------------------


def check_file_size(name: str, size: int, limits: Limits) -> None:
    if size > limits.file_bytes:
        raise errors.FileTooLarge(f"{name}: {size / MB:.1f} MB > {limits.file_bytes / MB:g} MB")


def check_page_count(name: str, count: int, limits: Limits) -> None:
    if count > limits.pages:
        raise errors.TooManyPages(f"{name}: {count} pages > {limits.pages}")


def check_text_bytes(name: str, size: int, limits: Limits) -> None:
    """Refuse, before decoding, a text whose bytes cannot be within the character limit."""
    if size > 4 * limits.text_chars:  # no encoding spends more than 4 bytes on a character
        raise errors.TextTooLarge(f"{name}: {size / MB:.1f} MB > {limits.text_chars:,} characters")


def check_text(name: str, pages: list[str], limits: Limits) -> None:
    """Characters of a whole text document, and of its longest line."""
    total = sum(len(page) for page in pages)
    if total > limits.text_chars:
        raise errors.TextTooLarge(f"{name}: {total:,} characters > {limits.text_chars:,}")
    for number, page in enumerate(pages, start=1):
        start = 0
        while start < len(page):
            end = page.find("\n", start)
            end = len(page) if end < 0 else end
            if end - start > limits.line_chars:
                raise errors.LineTooLong(f"{name}, page {number}: a line of {end - start:,} "
                                         f"characters > {limits.line_chars:,}")
            start = end + 1


# --- pixels ------------------------------------------------------------------------------------


def check_pixels(where: str, width: int, height: int, limits: Limits) -> None:
    pixels = int(width) * int(height)
    if pixels > limits.page_pixels:
        raise errors.PageTooLarge(f"{where}: {width} x {height} px = {pixels / 1e6:.0f} Mpx "
                                  f"> {limits.page_pixels / 1e6:g} Mpx")


def check_image_pixels(where: str, sizes: list[tuple[int, int]], limits: Limits) -> None:
    """The images of one PDF page together (rendering decodes them all)."""
    if len(sizes) == 1:
        check_pixels(f"{where}, image", *sizes[0], limits)
    pixels = sum(int(w) * int(h) for w, h in sizes)
    if pixels > limits.page_pixels:
        raise errors.PageTooLarge(f"{where}: {len(sizes)} images, {pixels / 1e6:.0f} Mpx "
                                  f"> {limits.page_pixels / 1e6:g} Mpx")


def open_image(source, where: str, limits: Limits):
    """Pillow's Image.open of a file, path or bytes stream, refused (PageTooLarge) when the
    header announces more pixels than the limit; Pillow's own decompression-bomb warning and
    error are this same refusal, never an internal error."""
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = limits.page_pixels  # Pillow's own bomb check follows the setting
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(source)
    except Image.DecompressionBombError as exc:  # more than twice MAX_IMAGE_PIXELS
        raise errors.PageTooLarge(f"{where}: more than {2 * limits.page_pixels / 1e6:g} Mpx "
                                  f"> {limits.page_pixels / 1e6:g} Mpx") from exc
    check_pixels(where, image.width, image.height, limits)
    return image


def render_dpi(width_inches: float, height_inches: float, wanted_dpi: float, where: str,
               limits: Limits) -> float:
    """The resolution to render a page at: `wanted_dpi`, or less so that the page stays within
    the pixel limit; PageTooLarge when that would be below MIN_RENDER_DPI."""
    area = max(width_inches * height_inches, 1e-6)
    fitting = math.sqrt(limits.page_pixels / area)
    if fitting >= wanted_dpi:
        return wanted_dpi
    if fitting < MIN_RENDER_DPI:
        raise errors.PageTooLarge(
            f"{where}: {width_inches:.0f} x {height_inches:.0f} in, "
            f"{area * MIN_RENDER_DPI ** 2 / 1e6:.0f} Mpx at {MIN_RENDER_DPI} dpi "
            f"> {limits.page_pixels / 1e6:g} Mpx")
    return math.floor(fitting)


# --- zip-based files (.docx) -------------------------------------------------------------------


def check_zip(path: Path, limits: Limits) -> None:
    """Every entry's declared size and ratio, then the bytes it really inflates to, streamed
    and counted with a cap: a zip bomb is refused before anything holds its contents."""
    name = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            declared = sum(entry.file_size for entry in entries)
            if declared > limits.unzipped_bytes:
                raise errors.ArchiveTooLarge(f"{name}: {declared / MB:.0f} MB unpacked "
                                             f"> {limits.unzipped_bytes / MB:g} MB")
            for entry in entries:
                _check_ratio(name, entry.filename, entry.file_size, entry.compress_size, limits)
            inflated = 0
            for entry in entries:
                inflated += _inflate_counted(archive, entry, limits.unzipped_bytes - inflated,
                                             name)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError,
            ValueError, OSError) as exc:
        raise errors.CorruptFile(f"{name}: {exc}") from exc


def _check_ratio(name: str, entry: str, unpacked: int, packed: int, limits: Limits) -> None:
    if unpacked > ZIP_RATIO_FLOOR and unpacked > limits.zip_ratio * max(packed, 1):
        raise errors.CompressionTooHigh(f"{name}: {entry} unpacks {unpacked / max(packed, 1):.0f}"
                                        f" times its size > {limits.zip_ratio:g}")


def _inflate_counted(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, allowed: int,
                     name: str) -> int:
    """Inflate one entry in chunks, counting; stops as soon as it passes `allowed` bytes or
    the ratio limit (an entry whose header lies about its size)."""
    count = 0
    with archive.open(entry) as stream:
        while chunk := stream.read(_ZIP_CHUNK):
            count += len(chunk)
            if count > allowed:
                raise errors.ArchiveTooLarge(f"{name}: {entry.filename} unpacks past the limit")
    if count != entry.file_size:
        raise errors.CorruptFile(f"{name}: {entry.filename} is {count} bytes, "
                                 f"its header says {entry.file_size}")
    return count


# --- time --------------------------------------------------------------------------------------


class Deadline:
    """A budget of wall time shared by several steps; `remaining()` raises the typed error
    given once it is spent."""

    def __init__(self, seconds: float, error: type[errors.PlanError], what: str = ""):
        self.seconds, self.error, self.what = seconds, error, what
        self.started = time.monotonic()

    def remaining(self) -> float:
        left = self.seconds - (time.monotonic() - self.started)
        if left <= 0:
            raise self.error(f"{self.what}> {self.seconds:g} s".strip())
        return left

    def within(self, other: Deadline | None) -> float:
        """Seconds left of this budget and of `other` (the file's), whichever ends first."""
        left = self.remaining()
        return min(left, other.remaining()) if other is not None else left
