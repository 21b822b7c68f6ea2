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
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image

from pipeline import cells, columns, errors, layout, ocr, page_image, places
from pipeline import limits as limits_module
from pipeline.limits import Deadline, Limits
from pipeline.records import PageTable
from pipeline.structure import GridCell, write_table

MIN_READ_SHARE = 0.6  # of the cells with ink: fewer read cells and the table is unreadable
FIGURE_LANG = "eng"  # Tesseract's English model reads isolated figures best (pipeline.cells)
WHITELIST = "0123456789.,%"  # the last try at a figure: nothing but digits and separators

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
    disputed: set[tuple[int, int]] = field(default_factory=set)  # figures read two ways
    readings: dict[tuple[int, int], list[str]] = field(default_factory=dict)  # of a figure
    prose: bool = False  # no table after all: lines side by side without a column of figures

    @property
    def readable(self) -> bool:
        return self.table.problem is None and not self.prose


def read_scan(image: bytes | Image.Image, *, lang: str = "vie", limits: Limits | None = None,
              file_deadline: Deadline | None = None) -> ScanRead:
    """Read one scanned page; raises what ocr.ocr_image raises. Every Tesseract run of the page
    (cells, page, rotation) shares one page budget within the file's deadline."""
    limits = limits or limits_module.current()
    budget = ocr.page_budget(limits, file_deadline)
    prepared = _prepare(image, limits)
    source = prepared.picture if prepared.picture is not None else image
    upright_sample = _upright(Image.fromarray(prepared.sample), prepared.geometry.skew)
    found = _find_tables(np.asarray(upright_sample))
    if not found:
        result = ocr.ocr_image(source, lang=lang, limits=limits, dpi=prepared.dpi,
                               geometry=prepared.geometry, budget=budget)
        lines = layout.header_columns(result.lines, _page_width(result, prepared))
        return ScanRead(ocr.join_lines(lines), result.confidence)
    upright = _upright(_gray(source), prepared.geometry.skew)
    pixels = np.asarray(upright)
    geometry = ocr.PageGeometry(0.0, prepared.geometry.core_height)
    factor = upright.width / upright_sample.width  # the tables are found on the small copy
    found = [layout.scaled(table, factor, upright.size) for table in found]
    tables, result = _read_tables(pixels, found, lang, budget, prepared.dpi, geometry)
    lines = layout.header_columns(result.lines, upright.width)
    text, page_tables = _assemble(lines, tables, upright.size)
    scores = [w[1] for w in result.words] + [c for t in tables for c in t.confidences]
    confidence = round(sum(scores) / len(scores), 2) if scores else None
    return ScanRead(text, confidence, page_tables)


def _find_tables(gray: np.ndarray) -> list[layout.TableBox]:
    """The page's ruled tables, then its borderless ones (columns of figures without rules);
    found on the page's small copy (both finders work at that size), once."""
    page = layout.page_ink(gray)
    ruled = layout.find_tables(gray, page)
    return ruled + columns.find_tables(gray, ruled, page)


# --- preparing the page ------------------------------------------------------------------------
def _open(image: bytes | Image.Image, *, lazy: bool = False,
          limits: Limits | None = None) -> Image.Image:
    """The page image decoded (lazy: only its header read); PageTooLarge over the pixel limit."""
    if isinstance(image, Image.Image):
        return image
    try:
        picture = limits_module.open_image(io.BytesIO(image), "page image",
                                           limits or limits_module.current())
        if not lazy:
            picture.load()
    except (OSError, SyntaxError, ValueError) as exc:
        raise errors.CorruptFile(f"page image: {exc}") from exc
    return picture


def _prepare(image: bytes | Image.Image, limits: Limits | None = None) -> _Prepared:
    """Decide and apply the page's fixes; measure its skew and text size on a small copy
    (a large JPEG is decoded at half size for it: the full page is decoded only when needed)."""
    picture = _open(image, lazy=True, limits=limits)
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
        full = _open(image, limits=limits) if picture.width != width else picture
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


# --- reading the tables ------------------------------------------------------------------------
CellKey = tuple[int, int, int]  # table, row, column


def _read_tables(pixels: np.ndarray, found: list[layout.TableBox], lang: str, budget: ocr.Budget,
                 dpi: int | None, geometry: ocr.PageGeometry
                 ) -> tuple[list[_ReadTable], ocr.OcrResult]:
    """Every cell read alone, and the rest of the page with the tables blanked out, in three
    or four Tesseract runs for the whole page:
    1. every cell with the English model, which reads isolated figures best;
    2. the cells that did not read as clean figures of their column (words, headers,
       doubtful figures) in the page's language;
    3. the page with its tables blanked out;
    4. rarely, the figures neither run could read, digits only.
    (Cell images stacked below the page for one run with it were lost by Tesseract's page
    layout analysis: read apart they need --psm 6.) A table whose cells mostly cannot be read
    is left to the page reading (unreadable)."""
    reads = [_ReadTable(table) for table in found]
    images: dict[CellKey, layout.CellImage] = {}
    words: set[CellKey] = set()  # header cells and names: no figures to read in them
    for i, read in enumerate(reads):
        if read.readable:
            table_images = layout.cell_images(pixels, read.table)
            text_columns = layout.text_columns(table_images, read.table)
            header = layout.header_rows(read.table)
            for c in (c for c in table_images if c.lines):
                images[(i, c.cell.row, c.cell.col)] = c
                if c.cell.row < header or c.cell.col in text_columns:
                    words.add((i, c.cell.row, c.cell.col))
    # with the figures: the short lines of word cells, a lone number the page language
    # misreads ("Xã Tam Xuân" over "II")
    short = {key: layout.CellImage(image.cell, [line if _short(line) else _BLANK
                                                for line in image.lines])
             for key, image in images.items() if key in words and len(image.lines) > 1}
    read_first = _read_cells({**{k: v for k, v in images.items() if k not in words},
                              **{k: v for k, v in short.items()
                                 if any(line is not _BLANK for line in v.lines)}},
                             FIGURE_LANG, budget)
    first_lines = {k: v for k, v in read_first.items() if k not in words}
    numbers = {k: v for k, v in read_first.items() if k in words}
    first = {key: cells.reading(lines) for key, lines in first_lines.items()}
    plans = {i: _columns(read.table, i, first, words) for i, read in enumerate(reads)
             if read.readable}
    for i, read in enumerate(reads):
        # columns found without rules but no figures in them (the recipients beside the
        # signature): no table, the page reading reads those lines, and their cells are not
        # read again
        read.prose = read.readable and not read.table.ruled and not plans[i][1]
    images = {key: image for key, image in images.items() if reads[key[0]].readable}
    again = [key for key in images if key in words
             or key[1] not in plans[key[0]][0]
             or cells.doubtful(first[key], plans[key[0]][1].get(key[2]))]
    # a lone number the figures model read stands in for a word cell's or a header's line;
    # in a column of figures the two readings are weighed instead (cells.choose)
    lone = {**{k: v for k, v in first_lines.items() if k[1] not in plans[k[0]][0]}, **numbers}
    second_lines = {key: cells.with_numbers(lines, lone.get(key, []))
                    for key, lines in
                    _read_cells({key: images[key] for key in again}, lang, budget).items()}
    for i, read in enumerate(reads):
        if read.readable:
            _settle(read, i, images, first, second_lines, plans[i])
    _last_try(reads, images, plans, budget)
    for i, read in enumerate(reads):
        if read.readable:
            _mend_rows(read, plans[i])
    result = ocr.ocr_image(Image.fromarray(_masked(pixels, reads)), lang=lang, budget=budget,
                           dpi=dpi, geometry=geometry)
    return [read for read in reads if not read.prose], result


UNREAD = "cells could not be read"


def _masked(pixels: np.ndarray, reads: list[_ReadTable]) -> np.ndarray:
    """The page with its readable tables blanked out (their cells are read alone) in the
    paper's own grey: a white patch on grey paper makes Tesseract's global threshold take the
    paper for ink, and the page then reads as nothing."""
    masked = pixels.copy()
    paper = int(np.percentile(pixels[::7, ::7], 90))
    for read in reads:
        if read.readable:
            x0, y0, x1, y1 = read.table.box
            masked[max(0, y0 - 3):y1 + 3, max(0, x0 - 3):x1 + 3] = paper
    return masked


_BLANK = np.full((1, 1), 255, np.uint8)  # a line not to read (its place kept)


def _short(line: np.ndarray) -> bool:
    """A line of one or two characters ("I", "II", "3")."""
    return line.shape[1] - 2 * layout.CELL_PAD <= 2.5 * layout.TARGET_GLYPH_HEIGHT


def _read_cells(images: dict[CellKey, layout.CellImage], lang: str, budget: ocr.Budget,
                whitelist: str | None = None) -> dict[CellKey, cells.Lines]:
    """Every line of the given cells read in one Tesseract run (_BLANK lines are not)."""
    lines = [line for cell in images.values() for line in cell.lines if line is not _BLANK]
    results = iter(ocr.read_snippets(lines, lang=lang, budget=budget, whitelist=whitelist))
    return {key: [("", None) if line is _BLANK else next(results) for line in cell.lines]
            for key, cell in images.items()}


def _columns(table: layout.TableBox, index: int, readings: dict[CellKey, cells.Reading],
             words: set[CellKey]) -> tuple[set[int], dict[int, cells.Column]]:
    """A table's body rows and its columns of figures, from the figures model's readings
    (the cells left to the page language count as words)."""
    own = {(r, c): v for (i, r, c), v in readings.items() if i == index}
    own.update({(r, c): ("word", 0.0) for (i, r, c) in words if i == index})
    body = cells.body_rows(table.rows, table.columns, own)
    return set(body), cells.figure_columns(body, table.columns, own)


def _settle(read: _ReadTable, index: int, images: dict[CellKey, layout.CellImage],
            first: dict[CellKey, cells.Reading], second_lines: dict[CellKey, cells.Lines],
            plan: tuple[set[int], dict[int, cells.Column]]) -> None:
    """Each cell's text: the better of its readings (cells.choose)."""
    body, columns = plan
    for key in (k for k in images if k[0] == index):
        column = columns.get(key[2]) if key[1] in body else None
        second = cells.reading(second_lines[key]) if key in second_lines else None
        choice = cells.choose(first.get(key), second, column)
        if column is not None:
            read.readings[key[1:]] = [r[0] for r in (first.get(key), second) if r and r[0]]
        if cells.disagree(first.get(key), second, column):
            read.disputed.add(key[1:])
        if choice is not None and choice[0]:
            text = choice[0] if column is not None else _name_cleaned(choice[0])
            read.texts[key[1:]], read.scores[key[1:]] = text, choice[1]
        read.confidences += [r[1] for r in (first.get(key), second) if r and r[1]]
    inked = sum(1 for k in images if k[0] == index)
    if inked and len(read.texts) < MIN_READ_SHARE * inked:
        read.table.problem = UNREAD


def _name_cleaned(text: str) -> str:
    """A word cell as a name is written: no stray quote mark, capitals and the space after
    the level word kept ("XãAn Phong" -> "Xã An Phong"), the total row's label spelt right."""
    return cells.total_label(
        cells.capitals_kept(places.unglued_level(cells.stray_quotes_dropped(text))))


def _last_try(reads: list[_ReadTable], images: dict[CellKey, layout.CellImage],
              plans: dict[int, tuple[set[int], dict[int, cells.Column]]], budget: ocr.Budget) -> None:
    """A cell of a column of figures that no reading made a fitting figure, or that its two
    readings disputed: read again with digits only, and that reading kept if it fits; a
    figure still without the column's decimals gets its comma back (cells.comma_restored).
    Not the row numbers' column: its figures are the rows' places, worth no Tesseract run."""
    left = {}
    counters = {(i, col) for i, read in enumerate(reads) if read.readable
                for col in plans[i][1] if cells.counts_rows(
                    [cells.figure_text(read.texts.get((row, col), "")) for row in sorted(plans[i][0])])}
    for key, image in images.items():
        read = reads[key[0]]
        body, columns = plans[key[0]]
        column = columns.get(key[2])
        if not read.readable or column is None or key[1] not in body or (key[0], key[2]) in counters:
            continue
        figure = cells.figure_text(read.texts.get(key[1:], ""), column)
        if figure is None or not cells.fits(figure, column) or key[1:] in read.disputed:
            left[key] = image
    for key, lines in _read_cells(left, FIGURE_LANG, budget, WHITELIST).items():
        read, column = reads[key[0]], plans[key[0]][1][key[2]]
        text, score = cells.reading(lines)
        read.readings.setdefault(key[1:], []).append(text)
        figure = cells.figure_text(text, column)
        current = cells.figure_text(read.texts.get(key[1:], ""), column)
        if key[1:] in read.disputed and current is not None and cells.fits(current, column):
            # a fitting figure already chosen: a surer one, or one that kept a doubled digit
            better = figure is not None and cells.fits(figure, column) and (
                score >= read.scores.get(key[1:], 0.0) or cells.doubled_lost(figure, current))
        else:
            better = figure is not None and (current is None or cells.fits(figure, column))
        if better:
            read.texts[key[1:]], read.scores[key[1:]] = figure, score
        final = cells.figure_text(read.texts.get(key[1:], ""), column)
        restored = cells.comma_restored(final, column) if final and not cells.fits(
            final, column) else None
        if restored:  # every reading lost the decimal comma the column's figures all have
            read.texts[key[1:]] = restored


def _mend_rows(read: _ReadTable, plan: tuple[set[int], dict[int, cells.Column]]) -> None:
    """Rows whose arithmetic (start - reduction = end, found from the table's own rows)
    fails, mended from their cells' other readings (cells.repaired)."""
    body, columns = plan
    scored = {key: (text, 100.0) for key, text in read.texts.items()}
    relations = cells.row_relations(sorted(body), columns, scored)
    for row in sorted(body) if relations else ():
        texts = {c: t for (r, c), t in read.texts.items() if r == row}
        alternatives = {c: v for (r, c), v in read.readings.items() if r == row}
        for col, text in cells.repaired(texts, alternatives, relations, columns).items():
            read.texts[(row, col)] = text


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
