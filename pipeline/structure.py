"""The structure of a plan: headings, bullets, paragraphs and tables, parsed once for every stage.

Extractors need to know where a sentence stands ("I. TÌNH HÌNH CHUNG" holds baselines,
"II. MỤC TIÊU" targets, "1. Phòng Y tế:" owns the bullets under it) and to read tables cell by
cell. Every block keeps its character span in the page text, so records built on it stay
grounded. Tolerant of OCR noise: "Il." and "III " count as roman numerals, markdown marks (#, **,
|) are skipped. Parts above the roman sections ("Phần thứ nhất" with its title on the next line,
"A. TÌNH HÌNH ...") are headings too.

Levels, outer to inner: 1 part, roman section or upper-case title line, 2 "1.", 3 "1.1.",
4 "1.1.1.", 6 "a)", 7 "-" bullet, 8 "+" bullet, 9 paragraph, 10 table row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.records import Page, TableCell
from pipeline.text import fold

_MARKUP = r"[#*_>\s]*"
ROMAN_RE = re.compile(rf"^{_MARKUP}(?P<label>[IVXl]{{1,5}})(?:\s*[.:)/]\s*|\s+)(?=\S)")
NUMBERED_RE = re.compile(rf"^{_MARKUP}(?P<label>\d{{1,2}}(?:\.\d{{1,2}}){{0,3}})(?P<close>[.)])?\s*(?=\S)")
LETTER_RE = re.compile(rf"^{_MARKUP}(?P<label>[a-zđ])\s*[).]\s+(?=\S)")
# A part above the roman sections: "Phần thứ nhất", "PHẦN II", "A. TÌNH HÌNH ..." (capital letter)
PART_RE = re.compile(
    rf"^{_MARKUP}(?P<label>(?:ph[aầ]n|PH[AẦ]N)\s+(?:th[uứ]\s+\w+|[IVX]{{1,4}}|\d{{1,2}}))\b\s*[.:\-–]?\s*",
    re.IGNORECASE,
)
CAPITAL_PART_RE = re.compile(rf"^{_MARKUP}(?P<label>[A-HĐ])\s*[.)]\s+(?=\S)")
# "-", "–", "•", "+", "*" and "- +"; glued to a word ("-Phòng") too, never to a figure ("-5%")
BULLET_RE = re.compile(r"^\s*(?:[-–—•]\s*\+|[-–—•+]|\*(?!\*))(?:\s+|(?=[^\W\d_]))(?=\S)")
MD_SEPARATOR_RE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
TERMINAL = (".", ";", ":", "!", "?", "/.", ")")
MAX_SECTION_TITLE = 400  # a longer numbered line is a paragraph that starts with a number
# The label of a table's total row ("TỔNG CỘNG", "Cộng", "Toàn huyện"), folded
# Words of a section title about the situation before the plan (baselines and results, no
# targets or tasks), folded
SITUATION_WORDS = (r"tinh hinh|thuc trang|ket qua thuc hien|danh gia ket qua|ket qua dat duoc|can cu"
                   r"|co so xay dung|dac diem")
TOTAL_ROW_RE = re.compile(r"^(?:tong cong|tong so|tong|cong|chung|toan (?:huyen|xa|tinh|thi xa|"
                          r"thanh pho|quan|phuong))\b")


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
    start: int  # span of the whole block in the page text (leading spaces excluded)
    end: int
    text: str
    kind: str  # heading | bullet | paragraph | table_row
    level: int = 9  # see the module docstring
    label: str | None = None  # "II", "1.2", "a", "A"; None for bullets, paragraphs, plain titles
    body_start: int = 0  # after the heading number or bullet mark
    headings: list[str] = field(default_factory=list)  # outer to inner heading texts
    section: str = ""  # the top heading (roman, else "1.") the block stands under
    part: str = ""  # the part heading above the sections ("Phần thứ nhất ...", "A. ...")
    cells: list[Cell] = field(default_factory=list)  # table rows only
    continues: bool = False  # the first block of a page, continuing the last page's sentence


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


@dataclass
class GridCell:
    """A cell of a table's grid as a layout found it: where it starts, what it spans, its
    text and its box (None when the source has no page image, as in a .docx)."""

    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1
    text: str = ""
    box: tuple[int, int, int, int] | None = None


def write_table(cells: list[GridCell], rows: int, columns: int,
                offset: int = 0) -> tuple[str, list[TableCell]]:
    """A table as the tab-separated rows every stage reads: a merged cell's text at its
    top-left grid position, the positions it covers empty, rows without text left out. Also
    returns each cell's place and span (offset = where the text will stand in the page)."""
    starts = {(c.row, c.col): c for c in cells}
    lines: list[str] = []
    placed: list[TableCell] = []
    pos = offset
    for r in range(rows):
        texts = [" ".join(starts[(r, c)].text.split()) if (r, c) in starts else ""
                 for c in range(columns)]
        if not any(texts):
            continue
        if lines:
            pos += 1  # the line end before this row
        for c, text in enumerate(texts):
            cell = starts.get((r, c))
            if cell is not None:
                placed.append(TableCell(len(lines), c, cell.rowspan, cell.colspan, pos,
                                        pos + len(text), cell.box))
            pos += len(text) + (1 if c < columns - 1 else 0)
        lines.append("\t".join(texts))
    return "\n".join(lines), placed


def is_table_line(line: str) -> bool:
    """A tab-separated row (two tabs or more) or a markdown pipe row."""
    stripped = line.strip()
    if line.count("\t") >= 2:
        return True
    return stripped.startswith("|") and stripped.count("|") >= 3


def is_total_label(text: str) -> bool:
    """The label of a table's total row ("TỔNG CỘNG", "Cộng:", "Toàn xã")."""
    return bool(TOTAL_ROW_RE.match(fold(text).strip(" .:*")))


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


def _upper_share(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    return sum(c.isupper() for c in letters) / len(letters) if letters else 0.0


def is_upper_title(line: str) -> bool:
    """An unnumbered title in capitals ("NHIỆM VỤ VÀ GIẢI PHÁP", "PHÒNG Y TẾ")."""
    letters = [c for c in line if c.isalpha()]
    if len(letters) < 4 or "\t" in line or any(c.isdigit() for c in line):
        return False
    return _upper_share(line) >= 0.85 and len(line.split()) <= 14


def is_part_heading(text: str) -> bool:
    """A part heading ("Phần thứ hai ...", "B. MỤC TIÊU ..."), one tier above roman sections."""
    line = text.strip()
    m = PART_RE.match(line)
    if m and len(line) < 200:
        return True
    m = CAPITAL_PART_RE.match(line)
    return bool(m) and _upper_share(line[m.end():]) > 0.6


@dataclass
class _Marker:
    kind: str  # heading | bullet | table_row
    level: int
    label: str | None
    end: int  # where the text after the marker starts, in the line


def classify_line(line: str) -> _Marker | None:
    """The marker a line opens a block with (heading number, bullet, table row), or None."""
    if is_table_line(line):
        return _Marker("table_row", 10, None, 0)
    if is_part_heading(line):
        m = PART_RE.match(line.strip()) or CAPITAL_PART_RE.match(line.strip())
        lead = len(line) - len(line.lstrip())
        return _Marker("heading", 1, m.group("label").strip(), lead + m.end())
    m = ROMAN_RE.match(line)
    if m and line[m.end()].isupper() and _upper_share(line[m.end():]) > 0.6:
        return _Marker("heading", 1, m.group("label").replace("l", "I"), m.end())
    m = NUMBERED_RE.match(line)
    if m and _numbered_heading(line, m):
        return _Marker("heading", 2 + m.group("label").count("."), m.group("label"), m.end())
    m = LETTER_RE.match(line)
    if m:
        return _Marker("heading", 6, m.group("label"), m.end())
    m = BULLET_RE.match(line)
    if m:
        return _Marker("bullet", 8 if "+" in m.group(0) else 7, None, m.end())
    if is_upper_title(line.strip(" .*:#")):
        return _Marker("heading", 1, None, len(line) - len(line.lstrip(" .*#")))
    return None


def _numbered_heading(line: str, m: re.Match) -> bool:
    """ "1. Mục tiêu", "2.3 Công chức ...", "1 Mục tiêu" (the dot lost) open headings;
    "14.653 hộ ...", "64 hộ xuống ...", "1. 100% số hộ ..." (a figure after the number) do not."""
    close = m.group("close")
    after = line[m.end("close") if close else m.end("label"):]
    body = after.lstrip()
    if not body or body[0].isdigit():
        return False
    if close:
        return True
    if not after[:1].isspace():
        return False  # "14.653", "1.5%": a figure
    return "." in m.group("label") or body[0].isupper()


def _continues_after_gap(text: str, current: Block, line: str) -> bool:
    """A line after a blank line that goes on with the sentence a page or column gap cut."""
    first = line.lstrip()[:1]
    return first.islower() and not text[current.start:current.end].rstrip("* ").endswith(TERMINAL)


def _bare_part(text: str) -> bool:
    m = PART_RE.match(text.strip())
    return bool(m) and not text.strip()[m.end():].strip()


def _joins(text: str, current: Block | None, line: str, marker: _Marker | None,
           after_blank: bool, width: int) -> bool:
    """Whether `line` goes on with the block above it instead of opening one."""
    if current is None:
        return False
    if current.kind == "table_row":  # a pipe row wrapped over lines ("... | Phòng Y tế |\n31/3 |")
        row = text[current.start:current.end]
        return (marker is None and not after_blank and row.startswith("|")
                and ("|" in line or not row.endswith("|")))
    if current.kind == "heading" and _bare_part(text[current.start:current.end]):
        return marker is None or (marker.kind == "heading" and marker.label is None)
    if marker is not None:
        return False
    if after_blank:
        return _continues_after_gap(text, current, line)
    if current.kind == "heading":  # a heading wraps in lower case, mid-phrase or at the margin
        last_line = text[text.rfind("\n", 0, current.end) + 1:current.end]
        return (line.lstrip()[:1].islower() or _unfinished(last_line)
                or len(last_line) >= 0.85 * width >= 40)
    return True


_GOES_ON = re.compile(r"(?:[,\-–]|\b(?:va|cua|cac|voi|cho|trong|tren|ve|de|hoac|la|tai|theo))\s*$")


def _unfinished(text: str) -> bool:
    """A line that stops in mid-phrase ("... chính quyền,", "... của"): the next line goes on."""
    return bool(_GOES_ON.search(fold(text)))


def _line_width(text: str) -> int:
    """The width the page's text is wrapped at (its longer lines); 0 for unwrapped text."""
    lengths = sorted(len(line.rstrip()) for line in text.splitlines() if line.strip())
    if len(lengths) < 5:
        return 0
    width = lengths[int(0.9 * (len(lengths) - 1))]
    return width if width <= 120 else 0  # lines of a paragraph each: no wrapping to read


def parse_page(page: Page) -> list[Block]:
    """The blocks of one page (headings, sections and parts are filled by parse_structure)."""
    text = page.text
    blocks: list[Block] = []
    current: Block | None = None
    after_blank = False
    pos = 0
    width = _line_width(text)
    for raw_line in text.splitlines(keepends=True):
        line = raw_line.rstrip("\r\n")
        start = pos + len(line) - len(line.lstrip())
        end = pos + len(line.rstrip())
        pos += len(raw_line)
        if not line.strip():
            after_blank = True
            continue
        if MD_SEPARATOR_RE.match(line):
            current = None
            continue
        marker = classify_line(line)
        if _joins(text, current, line, marker, after_blank, width):
            current.end = end
            current.text = text[current.start:end]
            if current.kind == "table_row":
                current.cells = _cells(current.text, current.start)
        elif marker is not None and marker.kind == "table_row":
            current = Block(page.number, start, end, text[start:end], "table_row", 10,
                            body_start=start, cells=_cells(line, pos - len(raw_line)))
            blocks.append(current)
        else:
            kind, level, label = ("paragraph", 9, None) if marker is None else (
                marker.kind, marker.level, marker.label)
            body = pos - len(raw_line) + marker.end if marker else start
            if kind == "heading":  # a heading's text starts after its markdown marks
                start = pos - len(raw_line) + len(line) - len(line.lstrip("#*_> \t"))
            current = Block(page.number, start, end, text[start:end], kind, level, label, body)
            current.continues = not blocks and marker is None and line.lstrip()[:1].islower()
            blocks.append(current)
        after_blank = False
    return blocks


def _title(block: Block) -> str:
    return " ".join(block.text.split()).strip("*#").strip()


def _is_section_heading(block: Block, level: int) -> bool:
    return (block.kind == "heading" and block.level == level and block.label is not None
            and len(block.text) < MAX_SECTION_TITLE)


def _set_sections(blocks: list[Block], level: int) -> None:
    """Fill Block.section from the last numbered heading of `level`, and Block.part."""
    section = part = ""
    for b in blocks:
        if _is_section_heading(b, level):
            section = _title(b)
            if level == 1 and is_part_heading(b.text):
                part = section
        b.section = section
        b.part = part


def _set_headings(blocks: list[Block]) -> None:
    """Fill Block.headings: the texts of the numbered headings above each block."""
    open_heads: list[tuple[int, str]] = []
    for b in blocks:
        if b.kind == "heading" and b.label is not None and len(b.text) < MAX_SECTION_TITLE:
            open_heads = [(lvl, h) for lvl, h in open_heads if lvl < b.level]
            b.headings = [h for _, h in open_heads]
            open_heads.append((b.level, b.text.strip().strip("*#").strip()))
        else:
            b.headings = [h for _, h in open_heads]


def parse_structure(pages: list[Page]) -> Structure:
    """Blocks of every page (headings carried across pages) and the tables they form."""
    blocks = [b for page in pages for b in parse_page(page)]
    _set_headings(blocks)
    has_sections = any(_is_section_heading(b, 1) for b in blocks)
    # plans numbered "1.", "2." at the top: those headings are the sections
    _set_sections(blocks, 1 if has_sections else 2)
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
