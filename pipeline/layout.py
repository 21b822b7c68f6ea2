"""Page layout before OCR: ruled tables (their cells, merged cells) and the two-column header.

Offices print per-commune targets in ruled tables whose header cells span rows and columns;
Tesseract's page layout analysis reads such a table as scraps. Here the rules are found by
morphology on a reduced copy of the page (a few milliseconds), the grid they draw is rebuilt
with its merged cells, and each cell gets its box on the full page, so that OCR can read it
alone. The header block's two columns (issuer and number | motto, place and date) are put
back in reading order from the page reading's word boxes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from pipeline import page_image
from pipeline.ocr import OcrLine

cv2.setNumThreads(1)  # pages already run in parallel, one per core

ANALYSIS_WIDTH = 1000  # pixels: rules and cells are found on a copy this wide
MIN_RULE_SHARE = 0.6  # share of a cell edge the rule must cover to separate two cells
MIN_TABLE_WIDTH = 0.25  # share of the page width
MIN_ROWS, MIN_COLUMNS = 2, 2


@dataclass
class CellBox:
    """One cell of a table: its place in the grid and its box in page pixels."""

    row: int
    col: int
    rowspan: int
    colspan: int
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 on the page image (x1, y1 exclusive)


@dataclass
class TableBox:
    """A table found on the page: its outline, its grid size and its cells."""

    box: tuple[int, int, int, int]
    rows: int
    columns: int
    cells: list[CellBox] = field(default_factory=list)
    problem: str | None = None  # why the grid could not be rebuilt (the table is then unreadable)
    ruled: bool = True  # False: found from aligned columns alone (pipeline.columns)


def ink_mask(gray: np.ndarray) -> np.ndarray:
    """Dark marks against their local background (uneven light does not matter), 255 = ink."""
    block = max(15, (gray.shape[1] // 40) | 1)
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV,
                                 block, 12)


def components(mask: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """The 8-connected marks of a binary image: their count (the background included), labels
    and stats, as cv2.connectedComponentsWithStats gives them. Labelled in 16 bits where the
    count fits: OpenCV sums the stats of 32-bit labels five times slower (~12 ms a page)."""
    fits = mask.size < 1 << 16 or cv2.connectedComponents(
        mask, connectivity=8, ltype=cv2.CV_32S)[0] < 1 << 16
    count, labels, stats, _ = cv2.connectedComponentsWithStats(
        mask, connectivity=8, ltype=cv2.CV_16U if fits else cv2.CV_32S)
    return count, labels, stats


@dataclass
class PageInk:
    """A page's copy about ANALYSIS_WIDTH wide, its ink and its rules: what both table
    finders start from (made once for the two)."""

    factor: float  # of the page's size
    ink: np.ndarray
    horizontal: np.ndarray
    vertical: np.ndarray


def page_ink(gray: np.ndarray) -> PageInk:
    height, width = gray.shape
    factor = min(1.0, ANALYSIS_WIDTH / width)
    small = gray if factor == 1.0 else cv2.resize(gray, (round(width * factor),
                                                         round(height * factor)),
                                                  interpolation=cv2.INTER_AREA)
    ink = ink_mask(small)
    return PageInk(factor, ink, *find_rules(ink))


def find_tables(gray: np.ndarray, page: PageInk | None = None) -> list[TableBox]:
    """The ruled tables of an upright grayscale page (numpy uint8), cells in page pixels;
    `page`: its ink when the caller has it."""
    page = page or page_ink(gray)
    tables = []
    for region in _regions(page.horizontal, page.vertical):
        table = _grid(page.horizontal, page.vertical, region)
        if table is not None:
            tables.append(scaled(table, 1 / page.factor, (gray.shape[1], gray.shape[0])))
    return tables


def find_rules(ink: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical rules: ink runs far longer than any letter."""
    h, w = ink.shape
    long_h = cv2.getStructuringElement(cv2.MORPH_RECT, (max(20, w // 30), 1))
    long_v = cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(15, h // 70)))
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, long_h)
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, long_v)
    # close the small gaps a scan leaves in a rule
    horizontal = cv2.dilate(horizontal, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 3)))
    vertical = cv2.dilate(vertical, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 5)))
    return horizontal, vertical


def _regions(horizontal: np.ndarray, vertical: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Boxes of connected rule networks wide enough to be tables."""
    joined = cv2.bitwise_or(horizontal, vertical)
    count, _, stats = components(joined)
    out = []
    for i in range(1, count):
        x, y, w, h, _ = stats[i]
        if w >= MIN_TABLE_WIDTH * joined.shape[1] and h >= 12:
            out.append((int(x), int(y), int(x + w), int(y + h)))
    return out


def _positions(profile: np.ndarray, min_share: float) -> list[int]:
    """Centres of the runs where `profile` (share of a line covered) reaches min_share."""
    on = profile >= min_share
    edges = np.flatnonzero(np.diff(np.concatenate(([0], on.astype(np.int8), [0]))))
    return [int((a + b - 1) // 2) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _grid(horizontal: np.ndarray, vertical: np.ndarray,
          region: tuple[int, int, int, int]) -> TableBox | None:
    x0, y0, x1, y1 = region
    h_part = horizontal[y0:y1, x0:x1] > 0
    v_part = vertical[y0:y1, x0:x1] > 0
    # a row line is a rule over some cells at least; merged cells leave gaps in the others
    ys = _positions(h_part.mean(axis=1), 0.08)
    xs = _positions(v_part.mean(axis=0), 0.08)
    table = TableBox((x0, y0, x1, y1), max(0, len(ys) - 1), max(0, len(xs) - 1))
    if len(ys) - 1 < MIN_ROWS or len(xs) - 1 < MIN_COLUMNS:
        if len(ys) >= 2 and len(xs) >= 2:
            table.problem = "too few rows or columns"
            return table
        return None
    table.cells = _cells(h_part, v_part, ys, xs)
    table.cells = [CellBox(c.row, c.col, c.rowspan, c.colspan,
                           (c.box[0] + x0, c.box[1] + y0, c.box[2] + x0, c.box[3] + y0))
                   for c in table.cells]
    if not _covers_grid(table):
        table.problem = "merged cells that are not rectangles"
    return table


def _edge_ruled(mask: np.ndarray, fixed: int, start: int, end: int, axis: int) -> bool:
    """Whether a rule runs along [start, end) at `fixed` (a row for axis 0, a column for 1)."""
    lo, hi = max(0, fixed - 2), fixed + 3
    band = mask[lo:hi, start:end] if axis == 0 else mask[start:end, lo:hi]
    if band.size == 0:
        return False
    covered = band.any(axis=axis)
    return covered.mean() >= MIN_RULE_SHARE


def _cells(h_part: np.ndarray, v_part: np.ndarray, ys: list[int], xs: list[int]) -> list[CellBox]:
    """Elementary cells joined where no rule separates them (merged cells)."""
    rows, cols = len(ys) - 1, len(xs) - 1
    parent = list(range(rows * cols))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a: int, b: int) -> None:
        parent[find(a)] = find(b)

    for r in range(rows):
        for c in range(cols):
            pad_y = max(1, (ys[r + 1] - ys[r]) // 5)
            pad_x = max(1, (xs[c + 1] - xs[c]) // 5)
            if c + 1 < cols and not _edge_ruled(v_part, xs[c + 1], ys[r] + pad_y,
                                                ys[r + 1] - pad_y, 1):
                union(r * cols + c, r * cols + c + 1)
            if r + 1 < rows and not _edge_ruled(h_part, ys[r + 1], xs[c] + pad_x,
                                                xs[c + 1] - pad_x, 0):
                union(r * cols + c, (r + 1) * cols + c)
    groups: dict[int, list[tuple[int, int]]] = {}
    for r in range(rows):
        for c in range(cols):
            groups.setdefault(find(r * cols + c), []).append((r, c))
    cells = []
    for members in groups.values():
        r0 = min(r for r, _ in members)
        c0 = min(c for _, c in members)
        r1 = max(r for r, _ in members) + 1
        c1 = max(c for _, c in members) + 1
        cells.append(CellBox(r0, c0, r1 - r0, c1 - c0, (xs[c0], ys[r0], xs[c1], ys[r1])))
    cells.sort(key=lambda c: (c.row, c.col))
    return cells


def _covers_grid(table: TableBox) -> bool:
    """Every grid position belongs to exactly one cell."""
    seen = np.zeros((table.rows, table.columns), dtype=np.int32)
    for c in table.cells:
        seen[c.row:c.row + c.rowspan, c.col:c.col + c.colspan] += 1
    return bool((seen == 1).all())


def scaled(table: TableBox, factor: float, size: tuple[int, int]) -> TableBox:
    width, height = size

    def box(b: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        return (max(0, round(b[0] * factor)), max(0, round(b[1] * factor)),
                min(width, round(b[2] * factor)), min(height, round(b[3] * factor)))

    return TableBox(box(table.box), table.rows, table.columns,
                    [CellBox(c.row, c.col, c.rowspan, c.colspan, box(c.box)) for c in table.cells],
                    table.problem, table.ruled)


# --- cells as images for OCR -------------------------------------------------------------------
TARGET_GLYPH_HEIGHT = 22.0  # pixels: cell text is scaled to letters this tall (200 dpi text as it is)
BILEVEL_SMOOTHING = 1.2  # Gaussian sigma (pixels) for black-and-white scans; checked on faxes
CELL_PAD = 20  # white border around a cell's text: Tesseract reads a glyph at the edge badly


@dataclass
class CellImage:
    """A cell's text cut out for OCR, one grey image per text line on white (rules, specks and
    the paper around the letters removed, scaled to TARGET_GLYPH_HEIGHT); no lines for an
    empty cell. Grey, not binarised: Tesseract's own thresholding reads blurred figures better."""

    cell: CellBox
    lines: list[np.ndarray] = field(default_factory=list)
    left_gap: int = 0  # paper between the cell's left edge and its text (pixels)
    right_gap: int = 0  # and between its text and the right edge


def header_rows(table: TableBox) -> int:
    """How many rows the table's header takes: the rows its merged top cells ("Hộ nghèo
    đầu năm" over "Số hộ | Tỷ lệ") reach down to; one row when nothing is merged."""
    reach = [c.row + c.rowspan for c in table.cells
             if c.row <= 2 and (c.rowspan > 1 or c.colspan > 1)]
    return max(reach, default=1)


def text_columns(images: list[CellImage], table: TableBox) -> set[int]:
    """Columns whose body text sits at the left of its cells (names): figures are set right
    or centred. Told from the images before any OCR."""
    first = header_rows(table)
    gaps: dict[int, list[tuple[int, int]]] = {}
    for image in images:
        if image.lines and image.cell.row >= first and image.cell.colspan == 1:
            gaps.setdefault(image.cell.col, []).append((image.left_gap, image.right_gap))
    out = set()
    for col, pairs in gaps.items():
        left = float(np.median([a for a, _ in pairs]))
        right = float(np.median([b for _, b in pairs]))
        if left < 0.5 * right:
            out.add(col)
    return out


def cell_images(gray: np.ndarray, table: TableBox) -> list[CellImage]:
    """Every cell of a ruled table as its own small images, ready for OCR."""
    x0, y0, x1, y1 = table.box
    x0, y0 = max(0, x0 - 4), max(0, y0 - 4)
    x1, y1 = min(gray.shape[1], x1 + 4), min(gray.shape[0], y1 + 4)
    region = gray[y0:y1, x0:x1]
    single = [c.box[3] - c.box[1] for c in table.cells if c.rowspan == 1] or [40]
    row_height = float(np.median(single))
    ink = cv2.adaptiveThreshold(region, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV,
                                max(15, int(row_height * 0.7)) | 1, 12)
    glyph = _glyph_height(ink)
    # a rule is longer than any letter: three letters' height across, nearly two down
    # (a rule a fax broke at a dropped scan line is closed first)
    rules = cv2.bitwise_or(
        cv2.morphologyEx(cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((1, 5), np.uint8)),
                         cv2.MORPH_OPEN, cv2.getStructuringElement(
                             cv2.MORPH_RECT, (max(15, int(3 * glyph)), 1))),
        cv2.morphologyEx(cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((5, 1), np.uint8)),
                         cv2.MORPH_OPEN, cv2.getStructuringElement(
                             cv2.MORPH_RECT, (1, max(15, int(min(1.8 * glyph, 0.8 * row_height)))))))
    rules = cv2.dilate(rules, np.ones((3, 3), np.uint8))
    rules = cv2.bitwise_and(rules, _edge_bands(table, (x0, y0), ink.shape, glyph))
    text_ink = cv2.bitwise_and(ink, cv2.bitwise_not(rules))
    # fax specks go, the dot of "1.733" (a tenth of a digit's height, squared) stays
    min_area = int(np.clip(round(0.013 * glyph ** 2), 4, 16))
    if page_image.bilevel_pixels(region):  # a fax: soften the stair-stepped edges before scaling them up
        region = cv2.GaussianBlur(region, (0, 0), BILEVEL_SMOOTHING)  # (page_image does it too)
    out = []
    for cell in table.cells:
        cx0, cy0, cx1, cy1 = (cell.box[0] - x0, cell.box[1] - y0, cell.box[2] - x0,
                              cell.box[3] - y0)
        cell_ink = text_ink[cy0:cy1, cx0:cx1].copy()
        margin = max(2, round(0.15 * glyph))  # the rule's ragged edge, not the text near it
        cell_ink[:margin], cell_ink[-margin:], cell_ink[:, :margin], cell_ink[:, -margin:] = 0, 0, 0, 0
        lines, (left, right) = _cell_lines(region[cy0:cy1, cx0:cx1], cell_ink, min_area, glyph)
        out.append(CellImage(cell, lines, left, right))
    return out


def _edge_bands(table: TableBox, origin: tuple[int, int], shape: tuple[int, ...],
                glyph: float) -> np.ndarray:
    """Where rules can be: bands along the cells' edges (bold figures that touch each other
    make long strokes too, but in the middle of their cell)."""
    bands = np.zeros(shape[:2], np.uint8)
    width = max(3, round(0.4 * glyph))
    for cell in table.cells:
        x0, y0 = cell.box[0] - origin[0], cell.box[1] - origin[1]
        x1, y1 = cell.box[2] - origin[0], cell.box[3] - origin[1]
        bands[max(0, y0 - width):y0 + width, x0:x1] = 255
        bands[max(0, y1 - width):y1 + width, x0:x1] = 255
        bands[y0:y1, max(0, x0 - width):x0 + width] = 255
        bands[y0:y1, max(0, x1 - width):x1 + width] = 255
    return bands


def _glyph_height(ink: np.ndarray) -> float:
    """The usual height of a letter or digit in a table: the median height of its marks."""
    count, _, stats = components(ink)
    heights = stats[1:, 3][(stats[1:, 3] >= 6) & (stats[1:, 4] >= 12)]
    return float(np.median(heights)) if heights.size else 20.0


def _cell_lines(gray: np.ndarray, ink: np.ndarray, min_area: int,
                table_glyph: float) -> tuple[list[np.ndarray], tuple[int, int]]:
    """The text lines of one cell as images ([] for an empty cell), and the paper left and
    right of its text."""
    count, labels, stats = components(ink)
    h, w = ink.shape
    keep = [i for i in range(1, count) if stats[i, 4] >= min_area
            and stats[i, 2] < 0.9 * w and stats[i, 3] < 0.9 * h
            and not _rule_scrap(stats[i], w, h)]
    if not keep or sum(int(stats[i, 4]) for i in keep) < 4 * min_area:
        return [], (0, 0)
    keep = _near_letters(keep, stats, labels, table_glyph)
    gaps = (min(int(stats[i, 0]) for i in keep),
            w - max(int(stats[i, 0] + stats[i, 2]) for i in keep))
    heights = [int(stats[i, 3]) for i in keep]
    # the cell's own letters, unless they are cut (a fax's dropped scan line): the table's
    glyph = max(float(np.median([v for v in heights if v >= 0.4 * max(heights)])),
                0.8 * table_glyph)
    lookup = np.zeros(count, dtype=np.uint8)
    lookup[keep] = 255
    mask = lookup[labels]
    scale = float(np.clip(TARGET_GLYPH_HEIGHT / max(glyph, 1.0), 0.6, 2.5))
    kept_gray = np.where(cv2.dilate(mask, np.ones((3, 3), np.uint8)) > 0, gray, 255)
    kept_gray = kept_gray.astype(np.uint8)
    out = []
    runs = line_runs(mask, glyph)
    inked = [int(np.count_nonzero(mask[top:bottom])) for top, bottom in runs]
    for (top, bottom), amount in zip(runs, inked, strict=True):
        cols = np.flatnonzero(mask[top:bottom].any(axis=0))
        if cols.size == 0 or amount < 0.03 * max(inked):
            continue  # a stray mark on a line of its own, not a line of text ("I" is more)
        crop = kept_gray[max(0, top - 2):bottom + 2, max(0, cols[0] - 2):cols[-1] + 3]
        if abs(scale - 1.0) > 0.15:  # near enough: Tesseract scales lines itself
            crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        out.append(cv2.copyMakeBorder(crop, CELL_PAD, CELL_PAD, CELL_PAD, CELL_PAD,
                                      cv2.BORDER_CONSTANT, value=255))
    return out, gaps


LETTER_AREA = 0.1  # of a letter's height squared: a smaller mark is a dot, a comma, a speck
SPECK_REACH = 0.6  # letter heights: a small mark farther than this from any letter is a speck


def _near_letters(keep: list[int], stats: np.ndarray, labels: np.ndarray,
                  glyph: float) -> list[int]:
    """The kept marks without the specks a fax strews around a figure: a small mark far from
    every letter. (A decimal dot, a comma, a tone mark touch their letters' reach; a speck
    kept would widen the cell's line or add one, and Tesseract reads and pays for both.)"""
    letters = [i for i in keep if stats[i, 4] >= LETTER_AREA * glyph ** 2]
    small = [i for i in keep if stats[i, 4] < LETTER_AREA * glyph ** 2]
    if not letters or not small:
        return keep
    reach = max(1, round(SPECK_REACH * glyph))
    lookup = np.zeros(len(stats), dtype=np.uint8)
    lookup[letters] = 255
    near = cv2.dilate(lookup[labels], np.ones((2 * reach + 1, 2 * reach + 1), np.uint8))
    touching = np.unique(labels[(near > 0) & (labels > 0)])
    return letters + [i for i in small if i in set(touching.tolist())]


def _rule_scrap(stat: np.ndarray, width: int, height: int) -> bool:
    """A thin sliver along the cell's edge: what is left of a rule, not a letter."""
    x, y, w, h = (int(v) for v in stat[:4])
    at_edge = x <= 2 or y <= 2 or x + w >= width - 2 or y + h >= height - 2
    return at_edge and (w <= 3 or h <= 3) and max(w, h) >= 6


def line_runs(mask: np.ndarray, glyph: float) -> list[tuple[int, int]]:
    """Row ranges of a cell's text lines. Runs of inked rows as tall as a letter are line
    bodies; a short run (a diacritic above, a dot or descender below) joins the nearer body."""
    rows = mask.any(axis=1)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], rows.astype(np.int8), [0]))))
    runs: list[list[int]] = []
    for a, b in zip(edges[::2], edges[1::2], strict=True):
        # a line cut by a scan line the fax dropped: a hair-thin gap, one line's height in all
        if runs and a - runs[-1][1] <= 2 and b - runs[-1][0] <= 2.0 * glyph:
            runs[-1][1] = int(b)
        else:
            runs.append([int(a), int(b)])
    bodies = [r for r in runs if r[1] - r[0] >= 0.55 * glyph]
    if not bodies:
        return [(runs[0][0], runs[-1][1])] if runs else []
    core = [tuple(b) for b in bodies]  # where each body's letters are, before marks join it
    for run in runs:
        if run in bodies:
            continue
        above = [i for i, (_, end) in enumerate(core) if end <= run[0]]
        below = [i for i, (start, _) in enumerate(core) if start >= run[1]]
        gap_up = run[0] - core[above[-1]][1] if above else None
        gap_down = core[below[0]][0] - run[1] if below else None
        if gap_down is not None and (gap_up is None or gap_down <= gap_up):
            bodies[below[0]][0] = min(bodies[below[0]][0], run[0])
        elif above:
            bodies[above[-1]][1] = max(bodies[above[-1]][1], run[1])
    return [(a, b) for a, b in bodies]


# --- the two-column header block ---------------------------------------------------------------
HEADER_GAP = 0.04  # of the page width: a wider gap between two words splits a line in two
COLUMN_CENTRE_TOLERANCE = 0.18  # of a column's width: a header line is centred in its column


def header_columns(lines: list[OcrLine], width: int) -> list[OcrLine]:
    """The lines in reading order with the header block read as two columns: the issuer and
    number (left) before the national motto, place and date (right), not interleaved."""
    pieces = [piece for line in lines for piece in _split_at_gaps(line, width)]
    order = sorted(range(len(pieces)), key=lambda i: pieces[i].box[1])
    start = _first_two_column_row(pieces, order[:8])
    if start is None:
        return lines
    left_i, right_i = start
    columns: list[list[int]] = [[left_i], [right_i]]
    height = float(np.median([p.box[3] - p.box[1] for p in pieces]))
    bottom = max(pieces[left_i].box[3], pieces[right_i].box[3])
    for i in order[order.index(min(start, key=lambda k: pieces[k].box[1])):]:
        if i in start:
            continue
        piece = pieces[i]
        if piece.box[1] < pieces[left_i].box[1] - height:
            continue  # above the header block (a mark like "KHẨN")
        side = _column_of(piece, [[pieces[k] for k in column] for column in columns])
        if side is None or piece.box[1] - bottom > 1.6 * height:
            break
        columns[side].append(i)
        bottom = max(bottom, piece.box[3])
    if min(len(c) for c in columns) < 2:
        return lines
    header = set(columns[0]) | set(columns[1])
    out: list[OcrLine] = []
    first = min(header)
    out += [pieces[i] for i in range(first) if i not in header]
    for paragraph, column in ((-2, columns[0]), (-1, columns[1])):
        for i in sorted(column, key=lambda k: pieces[k].box[1]):
            out.append(OcrLine(pieces[i].text, pieces[i].box, paragraph, pieces[i].words))
    out += [pieces[i] for i in range(first, len(pieces)) if i not in header]
    return out


def _split_at_gaps(line: OcrLine, width: int) -> list[OcrLine]:
    """A line cut where a gap wider than HEADER_GAP separates its words (two columns read as
    one line)."""
    words = sorted(line.words, key=lambda w: w[1][0])
    groups: list[list[tuple[str, tuple[int, int, int, int]]]] = [[]]
    for word in words:
        if groups[-1] and word[1][0] - groups[-1][-1][1][2] > HEADER_GAP * width:
            groups.append([])
        groups[-1].append(word)
    if len(groups) == 1:
        return [line]
    out = []
    for group in groups:
        box = (min(b[0] for _, b in group), min(b[1] for _, b in group),
               max(b[2] for _, b in group), max(b[3] for _, b in group))
        out.append(OcrLine(" ".join(w for w, _ in group), box, line.paragraph, group))
    return out


def _first_two_column_row(pieces: list[OcrLine], first: list[int]) -> tuple[int, int] | None:
    """Two pieces side by side at the top of the page: the header's first row."""
    for a in first:
        for b in first:
            pa, pb = pieces[a], pieces[b]
            overlap = min(pa.box[3], pb.box[3]) - max(pa.box[1], pb.box[1])
            if pa.box[2] < pb.box[0] and overlap > 0.4 * min(pa.box[3] - pa.box[1],
                                                               pb.box[3] - pb.box[1]):
                return a, b
    return None


def _column_of(piece: OcrLine, columns: list[list[OcrLine]]) -> int | None:
    """Which header column a line belongs to: centred in it, or aligned on its left edge."""
    centre = (piece.box[0] + piece.box[2]) / 2
    for side, column in enumerate(columns):
        x0 = min(p.box[0] for p in column)
        x1 = max(p.box[2] for p in column)
        column_centre = (x0 + x1) / 2
        if piece.box[0] >= x1 or piece.box[2] <= x0:
            continue
        tolerance = 0.03 * (x1 - x0) + 4
        left_aligned = len(column) >= 2 and max(p.box[0] for p in column) - x0 <= tolerance
        if abs(centre - column_centre) <= COLUMN_CENTRE_TOLERANCE * (x1 - x0) or (
                left_aligned and abs(piece.box[0] - x0) <= tolerance):
            if side == 0 and piece.box[2] > min(p.box[0] for p in columns[1]):
                continue
            if side == 1 and piece.box[0] < max(p.box[2] for p in columns[0]):
                continue
            return side
    return None
