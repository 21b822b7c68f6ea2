"""Tables of files that carry their text: PDF text layers and .docx, as tab-separated rows.

A PDF's text layer gives a ruled table as loose lines, one cell after the other; PyMuPDF's
`find_tables` reads its grid (merged cells included) from the page's rules. A .docx table is
read from its XML, a cell spanning columns (w:gridSpan) or rows (w:vMerge) kept in its grid.
Either way the table reaches extraction as the rows of a typed plan (structure.write_table),
with each cell's grid place, and for a PDF its box on the page in points.
"""

from __future__ import annotations

import re

from pipeline.records import PageTable
from pipeline.structure import GridCell, write_table

MIN_RULES = 6  # vector lines and rectangles a page needs before its tables are looked for


# --- PDF text layers ---------------------------------------------------------------------------
def pdf_page_text(page) -> tuple[str, list[PageTable]]:
    """A text-layer page's text with its ruled tables as tab-separated rows where they stand,
    and the tables; plain get_text() when the page has no table."""
    import pymupdf

    if hasattr(pymupdf, "no_recommend_layout"):
        pymupdf.no_recommend_layout()  # find_tables would print an advertisement otherwise
    if len(page.get_drawings()) < MIN_RULES:
        return page.get_text("text"), []
    found = [t for t in page.find_tables().tables if t.row_count >= 2 and t.col_count >= 2]
    if not found:
        return page.get_text("text"), []
    blocks = [b for b in page.get_text("blocks") if b[6] == 0]  # text blocks in stream order
    pieces: list[str | object] = [b for b in blocks if not _inside_any(b, found)]
    for table in sorted(found, key=lambda t: t.bbox[1]):
        middle = (table.bbox[1] + table.bbox[3]) / 2
        at = next((i for i, b in enumerate(pieces) if not _is_table(b)
                   and (b[1] + b[3]) / 2 > middle), len(pieces))
        pieces.insert(at, table)
    text, tables = "", []
    size = (round(page.rect.width), round(page.rect.height))
    for piece in pieces:
        if _is_table(piece):
            if text and not text.endswith("\n"):
                text += "\n"
            body, cells = write_table(_grid(piece), piece.row_count, piece.col_count, len(text))
            box = tuple(round(v) for v in piece.bbox)
            tables.append(PageTable(box, cells, "rebuilt", size, len(text), len(text) + len(body)))
            text += body + "\n"
        else:
            text += piece[4] if piece[4].endswith("\n") else piece[4] + "\n"
    return text, tables


def _is_table(piece) -> bool:
    return hasattr(piece, "row_count")


def _inside_any(block, tables) -> bool:
    x, y = (block[0] + block[2]) / 2, (block[1] + block[3]) / 2
    return any(t.bbox[0] <= x <= t.bbox[2] and t.bbox[1] <= y <= t.bbox[3] for t in tables)


def _grid(table) -> list[GridCell]:
    """The cells of a PyMuPDF table with what they span (a covered position reads None)."""
    texts = table.extract()
    columns = _column_edges(table)
    cells = []
    for r, row in enumerate(table.rows):
        for c, box in enumerate(row.cells):
            if box is None:
                continue
            colspan = 1
            while c + colspan < len(columns) and columns[c + colspan][1] <= box[2] + 1:
                colspan += 1
            rowspan = 1
            while (r + rowspan < len(table.rows)
                   and table.rows[r + rowspan].cells[c] is None
                   and table.rows[r + rowspan].bbox[3] <= box[3] + 1):
                rowspan += 1
            text = _cell_text(texts[r][c] if r < len(texts) and c < len(texts[r]) else "")
            cells.append(GridCell(r, c, rowspan, colspan, text, tuple(round(v) for v in box)))
    return cells


def _column_edges(table) -> list[tuple[float, float]]:
    """(left, right) of each grid column, from the unmerged cells that have them."""
    edges: list[tuple[float, float] | None] = [None] * table.col_count
    for row in table.rows:
        for c, box in enumerate(row.cells):
            if box is not None and c + 1 < len(row.cells) and row.cells[c + 1] is not None:
                edges[c] = edges[c] or (box[0], box[2])
            elif box is not None and c + 1 == len(row.cells):
                edges[c] = edges[c] or (box[0], box[2])
    known = [e for e in edges if e]
    fallback = (known[-1][1], known[-1][1]) if known else (0.0, 0.0)
    return [e or fallback for e in edges]


def _cell_text(text: str | None) -> str:
    """A cell's lines as one line; a word hyphenated at a line end joined back."""
    if not text:
        return ""
    return re.sub(r"\s+", " ", re.sub(r"-\n(?=[a-zà-ỹđ])", "", text)).strip()


# --- .docx -------------------------------------------------------------------------------------
def docx_table(element, paragraph_text) -> list[GridCell]:
    """The grid of one w:tbl element: w:gridSpan widens a cell, a w:vMerge continuation is
    the cell above growing down. `paragraph_text(p)` reads one w:p."""
    from docx.oxml.ns import qn

    cells: list[GridCell] = []
    open_cells: dict[int, GridCell] = {}  # column -> the cell a vertical merge continues
    for r, row in enumerate(element.iterchildren(qn("w:tr"))):
        c = 0
        for tc in row.iterchildren(qn("w:tc")):
            props = tc.find(qn("w:tcPr"))
            span = props.find(qn("w:gridSpan")) if props is not None else None
            merge = props.find(qn("w:vMerge")) if props is not None else None
            colspan = int(span.get(qn("w:val"), 1)) if span is not None else 1
            if merge is not None and merge.get(qn("w:val")) != "restart" and c in open_cells:
                open_cells[c].rowspan += 1
            else:
                text = " ".join(p.strip() for p in (paragraph_text(p) for p in
                                                   tc.iterchildren(qn("w:p"))) if p.strip())
                cell = GridCell(r, c, 1, colspan, text)
                cells.append(cell)
                open_cells[c] = cell
            c += colspan
    return cells
