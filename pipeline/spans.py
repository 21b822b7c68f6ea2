"""Groundings: spans of stored page text, mapped back to the raw text they came from.

Every record and finding points at its sentence through `ground`; restoration keeps offsets so
that the span survives it.
"""

from __future__ import annotations

from bisect import bisect_right

from pipeline.records import Grounding, Page

Offsets = list[tuple[int, int, int, int]]  # (text_start, text_end, raw_start, raw_end), sorted


def to_raw_offset(offsets: Offsets, pos: int, *, end: bool = False) -> int:
    """Raw-text position of `pos` in the restored text; inside a changed segment, its edge."""
    if not offsets:
        return pos
    i = bisect_right([seg[0] for seg in offsets], pos) - 1
    if i < 0:
        return pos  # before the first change: identical prefix
    t_start, t_end, r_start, r_end = offsets[i]
    if pos >= t_end:
        return r_end + (pos - t_end)  # unchanged text after segment i
    if pos == t_start:
        return r_start
    return r_end if end else r_start


def to_raw_span(offsets: Offsets, start: int, end: int) -> tuple[int, int]:
    """Raw span covering the restored span [start, end)."""
    return to_raw_offset(offsets, start), to_raw_offset(offsets, end, end=True)


def ground(page: Page, start: int, end: int, document_id: int | None = None) -> Grounding:
    """The grounding of page.text[start:end]: page, span, quote and, on a restored page, the
    span of the raw text it came from. Out-of-range spans are clamped to the text."""
    start = max(0, min(start, len(page.text)))
    end = max(start, min(end, len(page.text)))
    raw_start = raw_end = None
    if page.offsets:
        raw_start, raw_end = to_raw_span(page.offsets, start, end)
    return Grounding(page.number, start, end, page.text[start:end], raw_start, raw_end,
                     document_id, cell_box(page, start, end))


def cell_box(page: Page, start: int, end: int) -> tuple[int, int, int, int] | None:
    """The box on the page image of the table cell a span lies in (None outside tables)."""
    for table in page.tables:
        if table.char_start <= start and end <= table.char_end:
            for cell in table.cells:
                if cell.box is not None and cell.char_start <= start and end <= cell.char_end \
                        and cell.char_end > cell.char_start:
                    return tuple(cell.box)
    return None
