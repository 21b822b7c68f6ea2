"""The section tree of a plan page: headings (I., 1., a), -, +), paragraphs and tables.

Extractors need to know where a sentence stands ("I. TÌNH HÌNH CHUNG" holds baselines,
"II. MỤC TIÊU" targets) and to read tables cell by cell. Every block keeps its character span
in the page text, so records built on it stay grounded. Tolerant of OCR noise: "Il." and
"III " count as roman numerals, markdown marks (#, **, |) are skipped. Parts above the roman
sections ("Phần thứ nhất" with its title on the next line, "A. TÌNH HÌNH ...") are headings too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.records import Page

_MARKUP = r"[#*_>\s]*"
ROMAN_RE = re.compile(rf"^{_MARKUP}(?P<label>[IVXl]{{1,5}})(?:\s*[.:)]\s*|\s+)(?=\S)")
NUMBERED_RE = re.compile(rf"^{_MARKUP}(?P<label>\d{{1,2}}(?:\.\d{{1,2}}){{0,3}})(?:\.|\)|\s)\s*(?=\S)")
LETTER_RE = re.compile(rf"^{_MARKUP}(?P<label>[a-zđ])\s*[).]\s+(?=\S)")
# A part above the roman sections: "Phần thứ nhất", "PHẦN II", "A. TÌNH HÌNH ..." (capital letter)
PART_RE = re.compile(
    rf"^{_MARKUP}(?P<label>(?:ph[aầ]n|PH[AẦ]N)\s+(?:th[uứ]\s+\w+|[IVX]{{1,4}}|\d{{1,2}}))\b\s*[.:\-–]?\s*",
    re.IGNORECASE,
)
CAPITAL_PART_RE = re.compile(rf"^{_MARKUP}(?P<label>[A-HĐ])\s*[.)]\s+(?=\S)")
BULLET_RE = re.compile(r"^\s*(?:[-–•]\s*\+|[-–•+*])\s+(?=\S)")
MD_SEPARATOR_RE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


@dataclass
class Cell:
    """One table cell: its text (stripped) and span in the page text."""

    text: str
    start: int
    end: int


@dataclass
class Block:
    """A heading, bullet, paragraph or table row with its span and the headings above it."""

    page: int
    start: int
    end: int
    text: str
    kind: str  # heading | bullet | paragraph | table_row
    level: int = 0  # heading depth: 1 roman, 2 "1.", 3 "1.1."/"a)"; 0 otherwise
    label: str | None = None
    headings: list[str] = field(default_factory=list)  # outer to inner heading texts
    section: str = ""  # the top heading (roman, else "1.") the block stands under
    part: str = ""  # the part heading above the sections ("Phần thứ nhất ...", "A. ...")
    cells: list[Cell] = field(default_factory=list)  # table rows only


@dataclass
class Table:
    """Consecutive table rows; a table may run over a page break (each row keeps its page)."""

    page: int
    rows: list[Block]

    @property
    def start(self) -> int:
        return self.rows[0].start

    @property
    def end(self) -> int:
        return self.rows[-1].end


@dataclass
class Structure:
    """All blocks of a document in reading order, and its tables."""

    blocks: list[Block]
    tables: list[Table]


def _is_table_line(line: str) -> bool:
    stripped = line.strip()
    if line.count("\t") >= 2:
        return True
    return stripped.startswith("|") and stripped.count("|") >= 3


def _cells(line: str, offset: int) -> list[Cell]:
    """Cells of a tab-separated or markdown row, with page offsets."""
    cells: list[Cell] = []
    if "\t" in line:
        pos = 0
        for part in line.split("\t"):
            lead = len(part) - len(part.lstrip())
            text = part.strip()
            cells.append(Cell(text, offset + pos + lead, offset + pos + lead + len(text)))
            pos += len(part) + 1
        return cells
    body_start = line.index("|") + 1
    body_end = line.rstrip().rfind("|")
    pos = body_start
    for part in line[body_start:body_end].split("|"):
        lead = len(part) - len(part.lstrip())
        text = part.strip().strip("*").strip()
        inner = part.strip()
        skip = inner.find(text) if text else 0
        cells.append(Cell(text, offset + pos + lead + skip, offset + pos + lead + skip + len(text)))
        pos += len(part) + 1
    return cells


def _mostly_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) / len(letters) > 0.6


def is_part_heading(text: str) -> bool:
    """A part heading ("Phần thứ hai ...", "B. MỤC TIÊU ..."), one tier above roman sections."""
    line = text.strip()
    m = PART_RE.match(line)
    if m and len(line) < 200:
        return True
    m = CAPITAL_PART_RE.match(line)
    return bool(m) and _mostly_upper(line[m.end():])


def _heading(line: str) -> tuple[int, str] | None:
    """(level, label) when the line opens a heading."""
    if is_part_heading(line):
        m = PART_RE.match(line.strip()) or CAPITAL_PART_RE.match(line.strip())
        return 1, m.group("label").strip() if m else ""
    m = ROMAN_RE.match(line)
    if m:
        rest = line[m.end():]
        letters = [c for c in rest if c.isalpha()]
        if letters and sum(c.isupper() for c in letters) / len(letters) > 0.6:
            return 1, m.group("label").replace("l", "I")
    m = NUMBERED_RE.match(line)
    if m and len(line) < 400:
        if re.match(r"^\s*\d{1,3}(?:[.,]\d+)+", line):  # "14.653 hộ ..." is a figure
            return None
        label = m.group("label")
        after = line[m.end():m.end() + 1]
        closed = bool(re.match(rf"^{_MARKUP}{re.escape(label)}[.)]", line))
        if not closed and not after.isupper():  # "64 hộ xuống còn ..." wraps a sentence
            return None
        return min(label.count(".") + 2, 4), label
    m = LETTER_RE.match(line)
    if m:
        return 3, m.group("label")
    return None


def parse_page(page: Page, headings: list[str] | None = None) -> list[Block]:
    """Blocks of one page; `headings` carries the open headings over from the previous page."""
    text = page.text
    open_heads: list[tuple[int, str]] = []
    for i, h in enumerate(headings or []):
        open_heads.append((i + 1, h))
    blocks: list[Block] = []
    current: Block | None = None
    pos = 0
    for raw_line in text.splitlines(keepends=True):
        line = raw_line.rstrip("\r\n")
        start, end = pos, pos + len(line)
        pos += len(raw_line)
        if not line.strip():
            current = None
            continue
        if MD_SEPARATOR_RE.match(line):
            current = None
            continue
        heads = [h for _, h in open_heads]
        if _is_table_line(line):
            blocks.append(Block(page.number, start, end, line, "table_row",
                                headings=heads, cells=_cells(line, start)))
            current = None
            continue
        head = _heading(line)
        if head:
            level, label = head
            open_heads = [(lvl, h) for lvl, h in open_heads if lvl < level]
            lead = len(line) - len(line.lstrip("#*_> \t"))
            title = line[lead:].strip().strip("*").strip()
            open_heads.append((level, title))
            current = Block(page.number, start + lead, end, line[lead:], "heading", level,
                            label, [h for _, h in open_heads[:-1]])
            blocks.append(current)
            continue
        if BULLET_RE.match(line):
            current = Block(page.number, start, end, line, "bullet", headings=heads)
            blocks.append(current)
            continue
        wraps_heading = (
            current is not None and current.kind == "heading" and line.lstrip()[:1].islower()
        ) or (  # "Phần thứ nhất" alone on its line: the next line is its title
            current is not None and current.kind == "heading"
            and _bare_part(text[current.start:current.end])
        )
        if current is not None and (current.kind in ("paragraph", "bullet") or wraps_heading):
            # a wrapped line continues the block it belongs to
            current.end = end
            current.text = text[current.start:end]
            continue
        current = Block(page.number, start, end, line, "paragraph", headings=heads)
        blocks.append(current)
    return blocks


def _bare_part(text: str) -> bool:
    m = PART_RE.match(text.strip())
    return bool(m) and not text.strip()[m.end():].strip()


def _set_sections(
    blocks: list[Block], section: str, level: int = 1, part: str = ""
) -> tuple[str, str]:
    """Fill Block.section from the last heading of `level` and Block.part; returns both."""
    for b in blocks:
        if b.kind == "heading" and b.level == level:
            section = " ".join(b.text.split()).strip("*#").strip()
            if level == 1 and is_part_heading(b.text):
                part = section
        b.section = section
        b.part = part
    return section, part


def parse_structure(pages: list[Page]) -> Structure:
    """Blocks of every page (headings carried across pages) and the tables they form."""
    blocks: list[Block] = []
    heads: list[str] = []
    section = part = ""
    for page in pages:
        page_blocks = parse_page(page, heads)
        section, part = _set_sections(page_blocks, section, part=part)
        blocks.extend(page_blocks)
        for b in page_blocks:
            if b.kind == "heading":
                heads = b.headings + [b.text.strip().strip("*").strip()]
    if not any(b.kind == "heading" and b.level == 1 for b in blocks):
        # plans numbered "1.", "2." at the top: those headings are the sections
        _set_sections(blocks, "", level=2)
    tables: list[Table] = []
    run: list[Block] = []
    for b in blocks + [None]:  # type: ignore[list-item]
        if b is not None and b.kind == "table_row" and (not run or _adjacent(run[-1], b)):
            run.append(b)
            continue
        if len(run) >= 2:
            tables.append(Table(run[0].page, run))
        run = [b] if b is not None and b.kind == "table_row" else []
    return Structure(blocks, tables)


def _adjacent(a: Block, b: Block) -> bool:
    """Consecutive rows form one table, also across a page break (rows keep their page)."""
    return b.page in (a.page, a.page + 1)


def section_of(block: Block) -> str:
    """The roman-numbered heading text a block stands under ("" before the first one)."""
    return block.section
