"""Turn a page's raw text (text layer, plain text or OCR) into the stored Page.

Restoration runs only where the text needs it; the raw text is kept beside the result. The
tables the page's layout gave (scans, text-layer PDFs, .docx) are placed on the final text:
each cell's span is where its tab-separated row stands in it.
"""

from __future__ import annotations

from pipeline import records
from pipeline.restore import restore_text
from pipeline.structure import Block, parse_page
from pipeline.text import normalise


def make_page(number: int, raw_text: str, source: str, confidence: float | None = None,
              tables: list[records.PageTable] | None = None) -> records.Page:
    """A Page whose `text` is the restored text and `raw_text` what the source gave."""
    raw = normalise(raw_text)
    restoration = restore_text(raw)
    page = records.Page(
        number=number, text=restoration.text, raw_text=raw, source=source,
        confidence=confidence, text_mode=restoration.mode, offsets=list(restoration.offsets),
        restore_confidence=restoration.confidence if restoration.offsets else None,
    )
    if tables:
        page.tables = place_tables(page, tables, raw_text)
    return page


def table_runs(page: records.Page) -> list[list[Block]]:
    """The tab-separated or pipe tables of one page's text, each as its rows."""
    runs: list[list[Block]] = []
    previous: Block | None = None
    for block in parse_page(page):
        if block.kind == "table_row":
            if (previous is None or previous.kind != "table_row"
                    or "\n\n" in page.text[previous.end:block.start]):
                runs.append([])
            runs[-1].append(block)
        previous = block
    return runs


def place_tables(page: records.Page, tables: list[records.PageTable],
                 given: str) -> list[records.PageTable]:
    """The tables with their spans in page.text: a rebuilt table is the k-th run of table rows
    of the page; an unreadable one keeps the span of its OCR text, found again in page.text."""
    runs = iter(table_runs(page))
    for table in sorted(tables, key=lambda t: t.char_start):
        if table.status == "rebuilt":
            run = next(runs, None)
            if run is None:
                table.status, table.cells = "unreadable", []
                continue
            table.char_start, table.char_end = run[0].start, run[-1].end
            for cell in table.cells:
                row = run[cell.row].cells if cell.row < len(run) else []
                if cell.col < len(row):
                    cell.char_start, cell.char_end = row[cell.col].start, row[cell.col].end
                else:
                    cell.char_start = cell.char_end = table.char_start
        elif given != page.text:
            table.char_start, table.char_end = _span_in_text(page, given, table.char_start,
                                                             table.char_end)
    return tables


def _span_in_text(page: records.Page, given: str, start: int, end: int) -> tuple[int, int]:
    """Where a span of the text as given stands in page.text: through the restoration's
    offsets when normalising changed nothing, else found again by its quote ((0, 0) if lost)."""
    if normalise(given) != page.raw_text:
        quote = given[start:end]
        found = page.text.find(quote) if quote else -1
        return (found, found + len(quote)) if found >= 0 else (0, 0)

    def at(position: int, is_end: bool) -> int:
        shift = 0
        for text_start, text_end, raw_start, raw_end in page.offsets:
            if raw_end <= position:
                shift = text_end - raw_end
            elif raw_start < position:  # inside a restored word: the whole word
                return text_end if is_end else text_start
            else:
                break
        return position + shift

    return at(start, False), at(end, True)
