"""A scanned page read as offices print it: tables cell by cell, the header in its two columns.

The page is fixed first where it needs it (coloured ink lifted, a photo straightened, light
flattened: pipeline.page_image), then laid out on a small copy (pipeline.layout). A page without
a table goes to Tesseract as before. On a page with ruled tables every cell is read by itself
(pipeline.ocr.read_snippets, one Tesseract run for all cells of the page), the rest of the page
is read with the tables blanked out, and the page text is rebuilt in reading order with each
table as tab-separated rows: a merged cell's text at its top-left grid position, the positions
it covers empty. That is how a typed plan's table reads, so extraction reads both alike. A
table whose grid cannot be rebuilt keeps its OCR text and is reported (status "unreadable").
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image

from pipeline import errors, layout, ocr, page_image
from pipeline.numbers import parse_value
from pipeline.records import PageTable
from pipeline.structure import GridCell, write_table

MIN_READ_SHARE = 0.6  # of the cells with ink: fewer read cells and the table is unreadable
LOW_CELL_CONFIDENCE = 85.0  # a figure read with less confidence is read again
NUMERIC_COLUMN_SHARE = 0.6  # of a column's body cells: figures make it a column of figures
FIGURE_LANG = "eng"  # Tesseract's English model reads isolated figures best (see _read_table)
WHITELIST = "0123456789.,%"  # the last try at a figure: nothing but digits and separators
CONFUSABLE_DIGITS = str.maketrans({"l": "1", "I": "1", "i": "1", "|": "1", "O": "0",
                                   "o": "0", "S": "5", "s": "5", "B": "8", "Z": "2", "G": "6",
                                   "&": "8", "g": "9", "q": "9", "A": "4", "b": "6",
                                   "T": "7", "/": ","})


@dataclass
class ScanRead:
    """A scanned page's text, its mean word confidence and the tables found on it."""

    text: str
    confidence: float | None
    tables: list[PageTable] = field(default_factory=list)


@dataclass
class _Prepared:
    picture: Image.Image | None  # the fixed full page (grey), or None: the image as it came
    sample: np.ndarray  # grey, about page_image.SAMPLE_WIDTH wide, not deskewed
    width: int  # of the full page
    dpi: int | None  # as the file declares it, or estimated for a straightened photo
    geometry: ocr.PageGeometry


@dataclass
class _ReadTable:
    """A table with the text of each cell (row, col) -> text, or why it is unreadable."""

    table: layout.TableBox
    texts: dict[tuple[int, int], str] = field(default_factory=dict)
    scores: dict[tuple[int, int], float] = field(default_factory=dict)  # lowest word confidence
    confidences: list[float] = field(default_factory=list)

    @property
    def readable(self) -> bool:
        return self.table.problem is None


def read_scan(image: bytes | Image.Image, *, lang: str = "vie", timeout: float = 180) -> ScanRead:
    """Read one scanned page; raises what ocr.ocr_image raises."""
    prepared = _prepare(image)
    source = prepared.picture if prepared.picture is not None else image
    upright_sample = _upright(Image.fromarray(prepared.sample), prepared.geometry.skew)
    if not layout.find_tables(np.asarray(upright_sample)):
        result = ocr.ocr_image(source, lang=lang, timeout=timeout, dpi=prepared.dpi,
                               geometry=prepared.geometry)
        lines = layout.header_columns(result.lines, _page_width(result, prepared))
        return ScanRead(ocr.join_lines(lines), result.confidence)
    upright = _upright(_gray(source), prepared.geometry.skew)
    pixels = np.asarray(upright)
    tables = [_read_table(pixels, t, lang, timeout) for t in layout.find_tables(pixels)]
    masked = pixels.copy()
    for read in tables:
        if read.readable:
            x0, y0, x1, y1 = read.table.box
            masked[max(0, y0 - 3):y1 + 3, max(0, x0 - 3):x1 + 3] = 255
    result = ocr.ocr_image(Image.fromarray(masked), lang=lang, timeout=timeout,
                           dpi=prepared.dpi, geometry=ocr.PageGeometry(
                               0.0, prepared.geometry.core_height))
    lines = layout.header_columns(result.lines, upright.width)
    text, page_tables = _assemble(lines, tables, upright.size)
    scores = [w[1] for w in result.words] + [c for t in tables for c in t.confidences]
    confidence = round(sum(scores) / len(scores), 2) if scores else None
    return ScanRead(text, confidence, page_tables)


# --- preparing the page ------------------------------------------------------------------------
def _open(image: bytes | Image.Image, *, lazy: bool = False) -> Image.Image:
    """The page image decoded (lazy: only its header read)."""
    if isinstance(image, Image.Image):
        return image
    try:
        picture = Image.open(io.BytesIO(image))
        if not lazy:
            picture.load()
    except (OSError, SyntaxError, ValueError) as exc:
        raise errors.CorruptFile(f"page image: {exc}") from exc
    return picture


def _prepare(image: bytes | Image.Image) -> _Prepared:
    """Decide and apply the page's fixes; measure its skew and text size on a small copy
    (a large JPEG is decoded at half size for it: the full page is decoded only when needed)."""
    picture = _open(image, lazy=True)
    width, declared = picture.width, ocr.declared_dpi(picture)
    if picture.format == "JPEG" and picture.width >= 2 * page_image.SAMPLE_WIDTH:
        picture.draft(picture.mode, (picture.width // 2, picture.height // 2))
    try:
        picture.load()
    except (OSError, SyntaxError, ValueError) as exc:
        raise errors.CorruptFile(f"page image: {exc}") from exc
    sample, _ = page_image.sample_of(picture)
    factor = sample.shape[1] / width
    fixes = page_image.inspect(sample, picture)
    fixed, dpi = None, None
    if fixes.any:
        full = _open(image) if picture.width != width else picture
        fixed, dpi = page_image.apply(full, fixes, factor)
        sample, _ = page_image.sample_of(fixed)
        width = fixed.width
    elif sample.ndim == 3:
        sample = cv2.cvtColor(sample, cv2.COLOR_RGB2GRAY)
    geometry = ocr.measure_page(Image.fromarray(sample), full_width=width)
    return _Prepared(fixed, sample, width, dpi or declared, geometry)


def _gray(image: bytes | Image.Image) -> Image.Image:
    picture = _open(image)
    return picture if picture.mode == "L" else picture.convert("L")


def _upright(gray: Image.Image, skew: float) -> Image.Image:
    return ocr.rotate(gray, -skew) if abs(skew) >= ocr.MIN_SKEW_DEGREES else gray


def _page_width(result: ocr.OcrResult, prepared: _Prepared) -> int:
    return max([prepared.width] + [line.box[2] for line in result.lines])


# --- reading a table ---------------------------------------------------------------------------
def _read_table(pixels: np.ndarray, table: layout.TableBox, lang: str,
                timeout: float) -> _ReadTable:
    """Each cell read alone, twice where needed: Tesseract's English model reads figures
    better than its Vietnamese one ("1,21" where 'vie' drops the comma), so every cell is read
    with 'eng' first and the cells that are not clean figures of their column again with
    `lang`; between two figures the one that fits its column wins."""
    read = _ReadTable(table)
    if table.problem is not None:
        return read
    cells = [c for c in layout.cell_images(pixels, table) if c.lines]
    first = _read_cells(cells, FIGURE_LANG, timeout)
    columns = _figure_columns(table, first)
    body = set(_body_rows(table, first))
    again = [c for c in cells if c.cell.row not in body or _doubtful(c, first, columns)]
    second = _read_cells(again, lang, timeout)
    for cell in cells:
        key = (cell.cell.row, cell.cell.col)
        column = columns.get(key[1]) if key[0] in body else None
        choice = _choose(first.get(key), second.get(key), column)
        if choice is not None and choice[0]:
            read.texts[key], read.scores[key] = choice
    # a cell of a column of figures that neither reading made a figure: digits only, once more
    last = [c for c in cells if c.cell.col in columns and c.cell.row in body
            and figure_text(read.texts.get((c.cell.row, c.cell.col), ""),
                            columns[c.cell.col]) is None]
    for key, reading in _read_cells(last, FIGURE_LANG, timeout, WHITELIST).items():
        figure = figure_text(reading[0], columns[key[1]])
        if figure is not None:
            read.texts[key], read.scores[key] = figure, reading[1]
    read.confidences = [score for _, score in {**first, **second}.values()]
    if cells and len(read.texts) < MIN_READ_SHARE * len(cells):
        table.problem = "cells could not be read"
    return read


Reading = tuple[str, float]  # a cell's text and its lowest word confidence


def _read_cells(cells: list[layout.CellImage], lang: str, timeout: float,
                whitelist: str | None = None) -> dict[tuple[int, int], Reading]:
    images = [line for cell in cells for line in cell.lines]
    results = iter(ocr.read_snippets(images, psm=7, lang=lang, timeout=timeout,
                                     whitelist=whitelist))
    out = {}
    for cell in cells:
        parts = [next(results) for _ in cell.lines]
        scores = [c for _, c in parts if c is not None]
        out[(cell.cell.row, cell.cell.col)] = (_join_cell_lines([t for t, _ in parts]),
                                               min(scores) if scores else 0.0)
    return out


def _join_cell_lines(lines: list[str]) -> str:
    """One cell's text: its lines joined, a word hyphenated at a line end joined back."""
    text = ""
    for line in (re.sub(r"\s+", " ", part).strip() for part in lines):
        if not line:
            continue
        if text.endswith("-") and line[:1].islower():
            text = text[:-1] + line
        else:
            text = f"{text} {line}" if text else line
    return text.replace("\t", " ")


@dataclass
class _Column:
    """What the figures of a column look like: decimals most of them have (None: mixed)."""

    decimals: int | None


def _figure_columns(table: layout.TableBox,
                    readings: dict[tuple[int, int], Reading]) -> dict[int, _Column]:
    """The columns of figures (most of their body cells read as figures)."""
    body = _body_rows(table, readings)
    out = {}
    for col in range(table.columns):
        texts = [readings[(r, col)][0] for r in body if (r, col) in readings]
        figures = [f for f in (figure_text(t) for t in texts) if f is not None]
        if texts and len(figures) >= NUMERIC_COLUMN_SHARE * len(texts):
            out[col] = _Column(_usual_decimals(figures))
    return out


def _body_rows(table: layout.TableBox, readings: dict[tuple[int, int], Reading]) -> list[int]:
    """Rows below the header: from the first row with two figures or more and a name."""
    for row in range(table.rows):
        texts = [readings.get((row, c), ("", 0.0))[0] for c in range(table.columns)]
        figures = sum(figure_text(t) is not None for t in texts)
        if figures >= 2 and any(len(t) >= 3 and figure_text(t) is None for t in texts):
            return list(range(row, table.rows))
    return []


def _doubtful(cell: layout.CellImage, readings: dict[tuple[int, int], Reading],
              columns: dict[int, _Column]) -> bool:
    """A cell to read again with the page's language: not a clean figure of its column."""
    text, score = readings[(cell.cell.row, cell.cell.col)]
    figure = figure_text(text, columns.get(cell.cell.col))
    if figure is None:
        return True
    column = columns.get(cell.cell.col)
    return score < LOW_CELL_CONFIDENCE or (column is not None and not _fits(figure, column))


def _choose(first: Reading | None, second: Reading | None,
            column: _Column | None) -> Reading | None:
    """The better of two readings of a cell (figures model first, page language second):
    words as the page language read them; between figures, one that fits its column over one
    that does not, else the surer one."""
    if not (first and first[0]):
        return _as_figure(second, column) if second and second[0] else None
    if not (second and second[0]):
        return _as_figure(first, column)
    a, b = _as_figure(first, column), _as_figure(second, column)
    fa, fb = figure_text(a[0], column), figure_text(b[0], column)
    if fa is None or fb is None:
        return a if fb is None and fa is not None and column is not None else b
    if column is not None and _fits(fa, column) != _fits(fb, column):
        return a if _fits(fa, column) else b
    return a if a[1] >= b[1] else b


def _as_figure(reading: Reading, column: _Column | None) -> Reading:
    """In a column of figures, a reading that is a figure in its clean form."""
    if column is None:
        return reading
    figure = figure_text(reading[0], column)
    return (figure, reading[1]) if figure is not None else reading


_FIGURE_RE = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?")
_JUNK = "\"'`´‘’“”_—–-:;|.,~*^"


def figure_text(text: str, column: _Column | None = None) -> str | None:
    """A cell read as a figure, OCR slips undone ("1. 733" -> "1.733", "l1" -> "11",
    "2/13" -> "2,13", marks around it dropped); in a column of whole numbers a comma or a
    space before three digits is the thousands dot ("1,117" -> "1.117"). None when it is not
    a figure."""
    squeezed = re.sub(r"(?<=\d) (?=\d{3}\b)", ".", text.strip())
    core = re.sub(r"\s+", "", squeezed).strip(_JUNK)
    percent = core.endswith("%")
    core = core.rstrip("%")
    if not _FIGURE_RE.fullmatch(core):
        core = core.translate(CONFUSABLE_DIGITS)
    if column is not None and column.decimals == 0 and re.fullmatch(r"\d{1,3}(?:,\d{3})+", core):
        core = core.replace(",", ".")
    if not core or not _FIGURE_RE.fullmatch(core) or parse_value(core) is None:
        return None
    return core + ("%" if percent else "")


def _decimals(text: str) -> int:
    return len(text.rstrip("%").split(",")[1]) if "," in text else 0


def _fits(figure: str, column: _Column) -> bool:
    return column.decimals is None or _decimals(figure) == column.decimals


def _usual_decimals(values: list[str]) -> int | None:
    """The number of decimals most figures of a column have, when most agree."""
    if not values:
        return None
    counts: dict[int, int] = {}
    for v in values:
        counts[_decimals(v)] = counts.get(_decimals(v), 0) + 1
    best = max(counts, key=counts.get)
    return best if counts[best] >= 0.7 * len(values) else None


# --- the page text -----------------------------------------------------------------------------
def _assemble(lines: list[ocr.OcrLine], tables: list[_ReadTable],
              size: tuple[int, int]) -> tuple[str, list[PageTable]]:
    """Page text with each readable table as tab-separated rows where it stands on the page."""
    blocks: list[list[ocr.OcrLine] | _ReadTable] = []
    for line in lines:
        if blocks and isinstance(blocks[-1], list) and blocks[-1][-1].paragraph == line.paragraph:
            blocks[-1].append(line)
        else:
            blocks.append([line])
    for read in sorted((t for t in tables if t.readable), key=lambda t: t.table.box[1]):
        middle = (read.table.box[1] + read.table.box[3]) / 2
        at = next((i for i, b in enumerate(blocks) if isinstance(b, list)
                   and (b[0].box[1] + b[0].box[3]) / 2 > middle), len(blocks))
        blocks.insert(at, read)
    parts: list[str] = []
    page_tables: list[PageTable] = []
    offset = 0
    for block in blocks:
        if parts:
            parts.append("\n\n")
            offset += 2
        if isinstance(block, list):
            piece = "\n".join(line.text for line in block)
        else:
            piece, page_table = _table_text(block, offset, size)
            page_tables.append(page_table)
        parts.append(piece)
        offset += len(piece)
    text = "".join(parts)
    for read in tables:
        if not read.readable:
            page_tables.append(_unreadable(read, lines, text, size))
    return text, page_tables


def _table_text(read: _ReadTable, offset: int, size: tuple[int, int]) -> tuple[str, PageTable]:
    """The table's rows, cells joined by tabs, and where each cell's text stands."""
    table = read.table
    grid = [GridCell(c.row, c.col, c.rowspan, c.colspan, read.texts.get((c.row, c.col), ""),
                     c.box) for c in table.cells]
    body, cells = write_table(grid, table.rows, table.columns, offset)
    return body, PageTable(table.box, cells, "rebuilt", size, offset, offset + len(body))


def _unreadable(read: _ReadTable, lines: list[ocr.OcrLine], text: str,
                size: tuple[int, int]) -> PageTable:
    """An unreadable table: its box, and the span of the OCR text read inside it."""
    x0, y0, x1, y1 = read.table.box
    inside = [line.text for line in lines
              if y0 <= (line.box[1] + line.box[3]) / 2 <= y1 and line.box[0] < x1
              and line.box[2] > x0]
    start = text.find(inside[0]) if inside else -1
    end = text.find(inside[-1], max(start, 0)) + len(inside[-1]) if inside else -1
    if start < 0 or end < start:
        start = end = 0
    return PageTable(read.table.box, [], "unreadable", size, start, end)
