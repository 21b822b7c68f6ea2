"""Borderless tables: columns of figures that align with no rules between them.

Offices print many per-commune tables without rules, and a fax or a photo can lose the rules of
a ruled one. Such a table is found from the ink alone, before any OCR, so a page without one
costs nothing more: text lines are the page's rows of ink, a line that splits into three or more
pieces at gaps far wider than a word space is a table row, several such rows one under another
whose pieces stand in the same columns (figures set right or centred, names set left) are a
table. The header above the figures is cut into its cells (a heading over two columns spans
them; the headings under it are a second header row), and the table is handed on as a
layout.TableBox, so its cells are read exactly as a ruled table's are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from pipeline import layout

COLUMN_GAP = 1.6  # letter heights: a wider gap between two pieces of a line separates columns
HEADING_GAP = 1.0  # letter heights: the same in the header (headings stand closer than figures)
ROW_COLUMN_GAP = 1.2  # letter heights: the same in a found table's rows (a word space is ~0.45)
JOIN_GAP = 1.0  # letter heights: a line this close to a table row is part of the row
ROW_GAP = 3.0  # letter heights: a wider gap between two rows ends the table
SPECK = 6  # analysis pixels (about half a letter's height): a smaller mark is no piece of a line
MIN_BODY_ROWS = 3
MIN_COLUMNS = 3
MIN_PIECES = 3  # pieces of a line that can be a table row
COLUMN_SHARE = 0.25  # of the body rows: a column is where this share of them has ink
ALIGN_TOLERANCE = 0.6  # letter heights: pieces of a column end (or start, or centre) this close
MIN_ALIGNED = 2  # columns aligned as figures or names are
OUTER_REACH = 6.0  # letter heights: a heading column beside the figures' columns is this near
MAX_HEADING_LINES = 6  # lines of headings above the first row of figures
SUBHEADING_GAP = 3.0  # letter heights: headings under a heading at most this far below it
HEADING_LINE_GAP = 2.0  # letter heights: the widest gap between two lines of the header


@dataclass
class _Piece:
    x0: int
    y0: int
    x1: int
    y1: int


@dataclass
class _Band:
    """A line of the page (a table row may hold two lines of a wrapped name): its pieces."""

    y0: int
    y1: int
    pieces: list[_Piece]


def find_tables(gray: np.ndarray, ruled: Sequence[layout.TableBox] = (),
                page: layout.PageInk | None = None) -> list[layout.TableBox]:
    """The borderless tables of an upright grayscale page, cells in page pixels (the ruled
    tables' areas left out); `page`: its ink when the caller has it."""
    height, width = gray.shape
    page = page or layout.page_ink(gray)
    factor = page.factor
    mask, glyph = _letters(page, [_scale_box(t.box, factor) for t in ruled])
    if mask is None:
        return []
    bands = _bands(mask, glyph)
    tables = []
    for start, end in _runs(bands, glyph):
        table = _table(mask, bands[start:end], _headings(bands[:start], bands[start], glyph),
                       glyph)
        if table is not None:
            tables.append(layout.scaled(table, 1 / factor, (width, height)))
    return tables


def _scale_box(box: tuple[int, int, int, int], factor: float) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = box
    return round(x0 * factor), round(y0 * factor), round(x1 * factor), round(y1 * factor)


def _letters(page: layout.PageInk, ruled: list[tuple[int, int, int, int]]
             ) -> tuple[np.ndarray | None, float]:
    """The page's letters and figures (rules, stamps, specks left out) and a letter's height."""
    ink = cv2.bitwise_and(page.ink, cv2.bitwise_not(cv2.bitwise_or(page.horizontal,
                                                                   page.vertical)))
    for x0, y0, x1, y1 in ruled:
        ink[max(0, y0 - 4):y1 + 4, max(0, x0 - 4):x1 + 4] = 0
    count, labels, stats = layout.components(ink)
    heights = stats[1:, 3][(stats[1:, 3] >= 4) & (stats[1:, 4] >= 8)]
    if heights.size < 20:
        return None, 0.0
    glyph = float(np.median(heights))
    keep = np.zeros(count, np.uint8)
    height, width = ink.shape
    ok = ((stats[:, 4] >= max(4, 0.05 * glyph ** 2)) & (stats[:, 3] <= 3.5 * glyph)
          & (stats[:, 2] <= 6 * glyph)  # a fax's specks, a stamp, a signature left out
          & (stats[:, 0] > 0) & (stats[:, 1] > 0)  # and the edges of a photographed page
          & (stats[:, 0] + stats[:, 2] < width) & (stats[:, 1] + stats[:, 3] < height))
    ok[0] = False
    keep[ok] = 255
    return keep[labels], glyph


def _pieces(mask: np.ndarray, x_gap: float, y0: int, y1: int) -> list[_Piece]:
    """The pieces of a strip of ink split at gaps wider than x_gap (specks left out)."""
    cols = np.flatnonzero(mask[y0:y1].any(axis=0))
    if cols.size == 0:
        return []
    cols = _specks_dropped(mask, cols, y0, y1)
    if cols.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(cols) > x_gap)
    starts = np.concatenate(([cols[0]], cols[breaks + 1]))
    ends = np.concatenate((cols[breaks], [cols[-1]])) + 1
    out = []
    for a, b in zip(starts, ends, strict=True):
        rows = np.flatnonzero(mask[y0:y1, a:b].any(axis=1))
        if b - a >= SPECK or rows[-1] - rows[0] + 1 >= SPECK:  # a speck is no piece
            out.append(_Piece(int(a), y0 + int(rows[0]), int(b), y0 + int(rows[-1]) + 1))
    return out


def _specks_dropped(mask: np.ndarray, cols: np.ndarray, y0: int, y1: int) -> np.ndarray:
    """The inked columns of a strip without those of a speck standing alone (a fax's speckle
    between a row number and the name beside it must not join them into one piece): a run of
    inked columns narrower and shorter than SPECK, farther than SPECK from other ink."""
    breaks = np.flatnonzero(np.diff(cols) > 1)
    starts = np.concatenate(([0], breaks + 1))
    ends = np.concatenate((breaks + 1, [cols.size]))
    keep = np.ones(cols.size, bool)
    for a, b in zip(starts, ends, strict=True):
        x0, x1 = cols[a], cols[b - 1] + 1
        if x1 - x0 >= SPECK:
            continue
        before = cols[a] - cols[a - 1] if a else 10**9
        after = cols[b] - cols[b - 1] if b < cols.size else 10**9
        rows = np.flatnonzero(mask[y0:y1, x0:x1].any(axis=1))
        if rows[-1] - rows[0] + 1 < SPECK and min(before, after) > SPECK:
            keep[a:b] = False
    return cols[keep]


def _bands(mask: np.ndarray, glyph: float) -> list[_Band]:
    """The page's lines, a line of a few pieces joined to the table row it touches (a name
    wrapped on two lines beside figures set in the middle of the row)."""
    bands = [_Band(a, b, _pieces(mask, COLUMN_GAP * glyph, a, b))
             for a, b in layout.line_runs(mask, glyph)]
    i = 0
    while i < len(bands):
        band = bands[i]
        if len(band.pieces) < MIN_PIECES:
            near = [j for j in (i - 1, i + 1) if 0 <= j < len(bands)
                    and len(bands[j].pieces) >= MIN_PIECES
                    and _gap(band, bands[j]) <= JOIN_GAP * glyph
                    and _left_aligned(band, bands[j], glyph)]
            if near:
                j = min(near, key=lambda k: _gap(band, bands[k]))
                y0, y1 = min(band.y0, bands[j].y0), max(band.y1, bands[j].y1)
                bands[min(i, j)] = _Band(y0, y1, _pieces(mask, COLUMN_GAP * glyph, y0, y1))
                del bands[max(i, j)]
                i = max(0, i - 1)
                continue
        i += 1
    return bands


def _left_aligned(line: _Band, row: _Band, glyph: float) -> bool:
    """Every piece of the line starts where a piece of the row starts (a name set left and
    wrapped), unlike a heading centred above the row."""
    starts = sorted(q.x0 for q in row.pieces)
    return all(any(abs(p.x0 - x) <= 0.5 * glyph
                   # and ends before the row's next piece: a line of prose under the table,
                   # indented where the names start, runs on over the figures
                   and p.x1 <= next((y for y in starts if y > x + 0.5 * glyph), 10**9)
                   for x in starts) for p in line.pieces)


def _gap(a: _Band, b: _Band) -> int:
    return max(a.y0, b.y0) - min(a.y1, b.y1)


def _runs(bands: list[_Band], glyph: float) -> list[tuple[int, int]]:
    """Runs of lines one under another that each split into several pieces (start, end)."""
    runs: list[tuple[int, int]] = []
    start = None
    for i, band in enumerate(bands + [_Band(10**9, 10**9, [])]):
        row_like = len(band.pieces) >= MIN_PIECES
        if row_like and start is not None and band.y0 - bands[i - 1].y1 <= ROW_GAP * glyph:
            continue
        if start is not None and i - start >= MIN_BODY_ROWS:
            runs.append((start, i))
        start = i if row_like else None
    return runs


def _headings(above: list[_Band], top: _Band, glyph: float) -> list[_Band]:
    """Lines of headings right above a run of table rows that split into fewer pieces (a
    heading over several columns, headings on two lines): close under one another, no line of
    prose among them."""
    left = min(p.x0 for p in top.pieces) - glyph
    right = max(p.x1 for p in top.pieces) + glyph
    out: list[_Band] = []
    for band in reversed(above[-MAX_HEADING_LINES:]):
        below = out[0] if out else top
        if (band.y0 >= below.y0 or below.y0 - band.y1 > HEADING_LINE_GAP * glyph
                or any(p.x0 < left or p.x1 > right or p.x1 - p.x0 > 0.5 * (right - left)
                       for p in band.pieces)):
            break
        out.insert(0, band)
    return out


def _columns(bands: list[_Band], width: int) -> list[tuple[int, int]]:
    """Where the columns' ink stands: x ranges inked in COLUMN_SHARE of the rows at least."""
    cover = np.zeros(width + 1, np.int32)
    for band in bands:
        for p in band.pieces:
            cover[p.x0:p.x1] += 1
    on = cover >= max(min(2, len(bands)), COLUMN_SHARE * len(bands))
    edges = np.flatnonzero(np.diff(np.concatenate(([0], on.astype(np.int8), [0]))))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _span(piece: _Piece, columns: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The first and last column a piece stands in (None: between columns)."""
    inside = [i for i, (a, b) in enumerate(columns) if piece.x0 < b and piece.x1 > a]
    return (inside[0], inside[-1]) if inside else None


def _fits(band: _Band, columns: list[tuple[int, int]]) -> bool:
    """A body row: each piece in one column, most columns with a piece."""
    spans = [_span(p, columns) for p in band.pieces]
    return (all(s is not None and s[0] == s[1] for s in spans)
            and len({s[0] for s in spans}) >= max(MIN_PIECES, len(columns) // 2))


def _aligned(body: list[_Band], columns: list[tuple[int, int]], glyph: float) -> int:
    """How many columns have their pieces set alike: right, left or centred."""
    count = 0
    for i in range(len(columns)):
        pieces = [p for band in body for p in band.pieces if _span(p, columns) == (i, i)]
        if len(pieces) < MIN_BODY_ROWS:
            continue
        for edge in (lambda p: p.x1, lambda p: p.x0, lambda p: (p.x0 + p.x1) / 2):
            values = np.array([edge(p) for p in pieces], float)
            if np.percentile(np.abs(values - np.median(values)), 80) <= ALIGN_TOLERANCE * glyph:
                count += 1
                break
    return count


def _table(mask: np.ndarray, run: list[_Band], headings: list[_Band],
           glyph: float) -> layout.TableBox | None:
    """A run of lines as a table: body rows below the header, or None (not a table). Its
    rows are cut again at narrower gaps than the page's lines were: a row number set close to
    the name beside it (a narrow "TT" column) is still a column of its own."""
    run = [_Band(b.y0, b.y1, _pieces(mask, ROW_COLUMN_GAP * glyph, b.y0, b.y1)) for b in run]
    found = _body(run, mask.shape[1], glyph)
    if found is None:
        return None
    columns, first = found
    run = headings + run
    first += len(headings)
    body = run[first:]
    while not _fits(body[-1], columns):
        body.pop()
    columns = _outer_columns(mask, columns, run[:first], glyph)
    cuts = _cuts(columns, run)
    while first and _index_row(run[first - 1], cuts, glyph):
        first -= 1
        body.insert(0, run[first])
    header = _header_cells(mask, run[:first], columns, cuts, glyph)
    placed = _header_rows(header, len(columns)) if header else None
    if len(body) < MIN_BODY_ROWS or _aligned(body, columns, glyph) < MIN_ALIGNED:
        # a few rows (the end of a table a page break cut) under a header of merged headings
        if placed is None or max(r + s for r, s in placed) < 2:
            return None
    return _grid(header, placed, body, columns, cuts, glyph)


def _index_row(band: _Band, cuts: list[int], glyph: float) -> bool:
    """The row of column numbers under a header ("1 2 3 ... 9"), centred in their columns:
    short marks, one in each column (it is read as a row, not as headings)."""
    inside = [next((i for i in range(len(cuts) - 1) if cuts[i] <= p.x0 and p.x1 <= cuts[i + 1]),
                   None) for p in band.pieces]
    return (all(p.x1 - p.x0 <= 2.5 * glyph for p in band.pieces) and None not in inside
            and len(set(inside)) == len(inside) >= 0.8 * (len(cuts) - 1))


def _body(run: list[_Band], width: int,
          glyph: float) -> tuple[list[tuple[int, int]], int] | None:
    """The columns of the run's body and the line it starts at: the tail of the run whose
    lines (nearly all) stand in the same columns, starting with one that does; of those, the
    one with most columns (headings over two columns merge them), then the longest. A last
    line alone (its stray marks would make columns) only when no longer tail will do. A line
    of column numbers must stand in the columns but does not draw them."""
    best: tuple[list[tuple[int, int]], int] | None = None
    for start in range(len(run)):
        tail = run[start:]
        lines = [b for b in tail if not _marks_only(b, glyph)] or tail
        columns = _columns(lines, width)
        if len(lines) == 2:  # where a column needs ink in both
            columns = _first_line_outer(columns, tail[0])
        if (len(columns) >= MIN_COLUMNS and _fits(tail[0], columns)
                and sum(_fits(b, columns) for b in tail) >= 0.8 * len(tail)
                and (best is None or (len(columns) > len(best[0]) and len(tail) > 1))):
            best = columns, start
    return best


def _first_line_outer(columns: list[tuple[int, int]], first: _Band) -> list[tuple[int, int]]:
    """The columns with one more on either side where the first line has a piece alone
    outside them: under a page break, one commune beside the total row, which has no number
    in the "TT" column (two lines draw a column only where both have ink, _columns)."""
    if not columns:
        return columns
    left = [p for p in first.pieces if p.x1 <= columns[0][0]]
    right = [p for p in first.pieces if p.x0 >= columns[-1][1]]
    return ([(left[0].x0, left[0].x1)] if len(left) == 1 else []) + columns + (
        [(right[0].x0, right[0].x1)] if len(right) == 1 else [])


def _marks_only(band: _Band, glyph: float) -> bool:
    """A line of short marks only (the column numbers "1 2 3 ... 9" under a header): centred
    in their columns, they would narrow the figures' columns to where both overlap. Short by
    the page's letter height: a row whose names wrap on two lines is twice as tall."""
    return all(p.x1 - p.x0 <= 2.5 * glyph for p in band.pieces)


def _outer_columns(mask: np.ndarray, columns: list[tuple[int, int]], header: list[_Band],
                   glyph: float) -> list[tuple[int, int]]:
    """A column with a heading but no figures in the rows found (the "TT" column beside a
    total row alone under a page's repeated header), left or right of the others."""
    near = OUTER_REACH * glyph
    pieces = [p for band in header for p in _pieces(mask, HEADING_GAP * glyph, band.y0, band.y1)
              if max(p.x1 - p.x0, p.y1 - p.y0) >= 0.5 * glyph and p.y1 - p.y0 <= 2 * glyph
              and 0 < p.x0 and p.x1 < mask.shape[1]]  # a heading, not a speck or the page edge
    left = [p for p in pieces if columns[0][0] - near < p.x0 and p.x1 < columns[0][0]]
    right = [p for p in pieces if p.x0 > columns[-1][1] and p.x1 < columns[-1][1] + near]
    out = list(columns)
    if left:
        out.insert(0, (min(p.x0 for p in left), max(p.x1 for p in left)))
    if right:
        out.append((min(p.x0 for p in right), max(p.x1 for p in right)))
    return out


def _cuts(columns: list[tuple[int, int]], run: list[_Band]) -> list[int]:
    """Column edges: the table's left edge, the middle of each gap, its right edge."""
    left = min(p.x0 for band in run for p in band.pieces)
    right = max(p.x1 for band in run for p in band.pieces)
    middles = [(columns[i][1] + columns[i + 1][0]) // 2 for i in range(len(columns) - 1)]
    return [max(0, left - 4), *middles, right + 4]


@dataclass
class _HeaderCell:
    first: int  # column
    last: int
    x0: int
    y0: int
    x1: int
    y1: int


def _header_cells(mask: np.ndarray, bands: list[_Band], columns: list[tuple[int, int]],
                  cuts: list[int], glyph: float) -> list[_HeaderCell]:
    """The header's cells: its lines cut at wide gaps, a heading over the figures of several
    columns spanning them, a line centred under a heading joined to it (one heading on two
    lines)."""
    pieces: list[_Piece] = []
    for band in bands:
        for chunk in band.pieces:
            sub = mask[:, chunk.x0:chunk.x1]
            for a, b in layout.line_runs(sub[band.y0:band.y1], glyph):
                pieces += [_Piece(p.x0 + chunk.x0, p.y0, p.x1 + chunk.x0, p.y1)
                           for p in _pieces(sub, HEADING_GAP * glyph, band.y0 + a, band.y0 + b)
                           if max(p.x1 - p.x0, p.y1 - p.y0) >= 0.5 * glyph]  # not a speck
    cells: list[_HeaderCell] = []
    for piece in sorted(pieces, key=lambda p: p.y0):
        above = next((c for c in reversed(cells) if _continues(piece, c, glyph)), None)
        if above is not None:
            above.x0, above.x1 = min(above.x0, piece.x0), max(above.x1, piece.x1)
            above.y1 = max(above.y1, piece.y1)
            continue
        first, last = _span(piece, columns) or _nearest(piece, cuts)
        cells.append(_HeaderCell(first, last, piece.x0, piece.y0, piece.x1, piece.y1))
    for cell in cells:
        _spread(cell, cells, glyph)
    return cells


def _spread(cell: _HeaderCell, cells: list[_HeaderCell], glyph: float) -> None:
    """A heading centred over headings (the nearest on its left and right, any under it)
    spans their columns."""
    centre = (cell.x0 + cell.x1) / 2
    reach = (cell.x1 - cell.x0) / 2 + glyph
    under = [c for c in cells if 0 < c.y0 - cell.y1 <= SUBHEADING_GAP * glyph
             and c.x0 < cell.x1 + reach and c.x1 > cell.x0 - reach]
    left = [c for c in under if (c.x0 + c.x1) / 2 < centre]
    right = [c for c in under if (c.x0 + c.x1) / 2 >= centre]
    if not left or not right:
        return
    chosen = [max(left, key=lambda c: c.x1), min(right, key=lambda c: c.x0)]
    chosen += [c for c in under if cell.x0 <= (c.x0 + c.x1) / 2 <= cell.x1]
    cell.first = min([cell.first] + [c.first for c in chosen])
    cell.last = max([cell.last] + [c.last for c in chosen])


def _continues(piece: _Piece, cell: _HeaderCell, glyph: float) -> bool:
    """A line of the heading above: just under it, centred under it, not wider."""
    return (0 <= piece.y0 - cell.y1 <= 1.2 * glyph and piece.x0 >= cell.x0 - glyph
            and piece.x1 <= cell.x1 + glyph
            and abs((piece.x0 + piece.x1) - (cell.x0 + cell.x1)) / 2 <= 0.12 * (cell.x1 - cell.x0) + glyph)


def _nearest(piece: _Piece, cuts: list[int]) -> tuple[int, int]:
    centre = (piece.x0 + piece.x1) / 2
    i = max(0, min(len(cuts) - 2, int(np.searchsorted(cuts, centre)) - 1))
    return i, i


def _header_rows(cells: list[_HeaderCell], count: int) -> list[tuple[int, int]] | None:
    """(row, rowspan) of each header cell: its rank among the cells over its columns, the
    lowest cell of a column reaching down to the body; None if they do not tile a grid."""
    stacks = {c: sorted((i for i, cell in enumerate(cells) if cell.first <= c <= cell.last),
                        key=lambda i: cells[i].y0) for c in range(count)}
    rows = max((len(s) for s in stacks.values()), default=0)
    placed = []
    for i, cell in enumerate(cells):
        ranks = {stacks[c].index(i) for c in range(cell.first, cell.last + 1)}
        lasts = {stacks[c][-1] == i for c in range(cell.first, cell.last + 1)}
        if len(ranks) > 1 or len(lasts) > 1:
            return None
        row = ranks.pop()
        placed.append((row, rows - row if lasts.pop() else 1))
    seen = np.zeros((rows, count), np.int32)
    for cell, (row, span) in zip(cells, placed, strict=True):
        seen[row:row + span, cell.first:cell.last + 1] += 1
    return placed if rows and (seen == 1).all() else None


def _grid(header: list[_HeaderCell], placed: list[tuple[int, int]] | None, body: list[_Band],
          columns: list[tuple[int, int]], cuts: list[int], glyph: float) -> layout.TableBox:
    """The table's cells in analysis pixels: the header rows, then one row per body line."""
    count = len(columns)
    pad = max(2, round(0.4 * glyph))
    if header and placed is None:  # a header that does not tile: one row, a cell per column
        top, bottom = min(c.y0 for c in header), max(c.y1 for c in header)
        header = [_HeaderCell(c, c, cuts[c], top, cuts[c + 1], bottom) for c in range(count)]
        placed = [(0, 1)] * count
    placed = placed or []
    rows = max((r + s for r, s in placed), default=0)
    top = min([c.y0 for c in header] + [body[0].y0]) - pad
    bounds = [(body[i - 1].y1 + body[i].y0) // 2 if i else body[0].y0 - pad
              for i in range(len(body))] + [body[-1].y1 + pad]
    # a heading's own ink, not the column's cut: headings stand wider than their figures
    out = [layout.CellBox(row, c.first, span, c.last - c.first + 1,
                          (max(cuts[0], c.x0 - pad), max(top, c.y0 - pad), min(cuts[-1], c.x1 + pad),
                           min(bounds[0], c.y1 + pad) if row + span < rows else bounds[0]))
           for c, (row, span) in zip(header, placed, strict=True)]
    for r in range(len(body)):
        out += [layout.CellBox(rows + r, c, 1, 1, (cuts[c], bounds[r], cuts[c + 1], bounds[r + 1]))
                for c in range(count)]
    out.sort(key=lambda c: (c.row, c.col))
    return layout.TableBox((cuts[0], top, cuts[-1], bounds[-1]), rows + len(body), count, out,
                           ruled=False)
