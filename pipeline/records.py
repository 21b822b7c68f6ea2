"""The records every stage hands to the next: pages in, grounded facts out.

Plain dataclasses so that a test can build them by hand; `store.py` maps them to tables.
Field names follow the contract in ARCHITECTURE.md (they are the JSON keys of the CLI).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

TEXT_MODES = ("clean", "accent_stripped", "ocr_garbled")
PAGE_SOURCES = ("text-layer", "ocr", "plain", "docx")
COMPARATORS = ("<", "<=", "=", ">=", ">", "range", "reduce_by", "reduce_to", "increase_by")
DIMENSIONS = ("employment", "health", "education", "housing", "water_sanitation", "information")
ROLES = ("lead", "support", "assigned")
DEADLINE_KINDS = ("by_date", "period", "recurring")


Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels of the page image (points for a PDF)


@dataclass
class TableCell:
    """A cell of a table found on a page: its place in the grid, its text span, its box."""

    row: int
    col: int
    rowspan: int
    colspan: int
    char_start: int  # span of the cell's text in the page text (empty cell: start == end)
    char_end: int
    box: Box | None = None


@dataclass
class PageTable:
    """A table of one page as the page was read: where it stands and how its cells lie.

    `status` is "rebuilt" (its rows are in the page text as tab-separated lines) or
    "unreadable" (its grid could not be rebuilt: the page keeps the table's OCR text).
    """

    box: Box | None
    cells: list[TableCell] = field(default_factory=list)
    status: str = "rebuilt"
    image_size: tuple[int, int] | None = None  # width, height the boxes are measured in
    char_start: int = 0  # span of the table's text in the page text
    char_end: int = 0


@dataclass
class Page:
    """One page of a document: the text records point into, and where it came from."""

    number: int  # 1-based
    text: str  # final text (restored where restoration ran); spans point here
    raw_text: str  # text before restoration (equal to text when nothing changed)
    source: str  # one of PAGE_SOURCES
    confidence: float | None = None  # mean OCR word confidence 0-100, None when not OCR'd
    text_mode: str = "clean"  # one of TEXT_MODES, as detected on the raw text
    offsets: list[tuple[int, int, int, int]] = field(default_factory=list)
    # offsets: (text_start, text_end, raw_start, raw_end) for each changed segment of `text`;
    # empty when text == raw_text. restore.to_raw_span() reads it.
    restore_confidence: float | None = None
    tables: list[PageTable] = field(default_factory=list)  # tables found on the page's layout


@dataclass
class Grounding:
    """Where a record stands: page, span in the stored page text, the exact quote."""

    page: int
    char_start: int
    char_end: int
    quote: str
    raw_char_start: int | None = None  # span in the page's raw text, when it was restored
    raw_char_end: int | None = None
    document_id: int | None = None  # set only when a finding points into another document
    box: Box | None = None  # the table cell's box on the page image, for a record read from one


@dataclass
class Reference:
    """A document the plan cites ("Kế hoạch số 45/KH-UBND ngày 07/3/2024 của UBND tỉnh")."""

    kind: str  # Kế hoạch, Quyết định, Nghị quyết, Công văn, Báo cáo, Thông tư, Nghị định ...
    number: str | None
    date: date | None
    issuer: str | None
    grounding: Grounding | None = None


@dataclass
class DocumentFacts:
    """What the header and signature block say about the document itself."""

    doc_type: str | None = None  # Kế hoạch, Quyết định, Báo cáo ...
    number: str | None = None  # "498/KH-UBND"; None when left blank ("Số: /KH-UBND")
    issue_date: date | None = None  # full date when known
    issue_date_text: str | None = None  # as written, also partial: "ngày tháng 3 năm 2024"
    issue_year: int | None = None
    issue_month: int | None = None
    place: str | None = None  # "Tân An" in "Tân An, ngày 01 tháng 4 năm 2024"
    issuer: str | None = None  # "UBND xã Tân Hòa"
    admin_level: str | None = None  # xã | phường | thị trấn | huyện | thị xã | thành phố | tỉnh
    locality: str | None = None
    district: str | None = None
    province: str | None = None
    period_start: int | None = None  # years
    period_end: int | None = None
    is_draft: bool = False
    signer: str | None = None
    signer_title: str | None = None
    title: str | None = None
    references: list[Reference] = field(default_factory=list)


@dataclass
class TargetRecord:
    """One quantitative objective ("giảm tỷ lệ hộ nghèo xuống dưới 0,5%")."""

    indicator: str  # a code of extract/indicators.py
    dimension: str | None  # one of DIMENSIONS or None
    subject: str | None  # hộ nghèo, hộ cận nghèo, trẻ em dưới 5 tuổi ...
    comparator: str  # one of COMPARATORS
    value: float | None
    value_max: float | None
    baseline: float | None
    unit: str | None  # %, hộ, người, m²/người, triệu đồng ...
    year: str | None  # "2024" or "2022-2025"
    locality: str | None
    grounding: Grounding
    confidence: float = 1.0


@dataclass
class ResponsibilityRecord:
    """One task bullet with the agency that owns it."""

    agency: str  # as written
    agency_code: str | None  # sector code of extract/agencies.py ("LDTBXH")
    role: str  # one of ROLES
    task: str
    projects: list[str]  # ["Dự án 4", "Tiểu dự án 1 thuộc Dự án 6"]
    grounding: Grounding
    confidence: float = 1.0


@dataclass
class DeadlineRecord:
    """A date, period or recurrence by which something is due."""

    kind: str  # one of DEADLINE_KINDS
    due_date: date | None  # by_date: the date; period: its last day
    period: str | None  # "quý IV/2019", "năm 2024"
    recurrence: str | None  # monthly | quarterly | biannual | yearly | weekly
    agency: str | None
    task: str | None
    grounding: Grounding
    confidence: float = 1.0


@dataclass
class Extraction:
    """Everything extracted from one document."""

    facts: DocumentFacts
    targets: list[TargetRecord] = field(default_factory=list)
    responsibilities: list[ResponsibilityRecord] = field(default_factory=list)
    deadlines: list[DeadlineRecord] = field(default_factory=list)


@dataclass
class Finding:
    """An audit observation with the spans it points at."""

    kind: str
    severity: str  # info | warning | error
    message: str  # Vietnamese, for users
    groundings: list[Grounding] = field(default_factory=list)
    detail: dict = field(default_factory=dict)
