"""When things are due: dates, periods and recurrences in the task sections of a plan.

Three kinds (records.DEADLINE_KINDS):
- by_date: "trước 30/9/2024", "xong trước ngày 15/03/2024", "chậm nhất ngày 20 tháng 12 năm 2024";
- period: "vào quý IV/2019", "trong năm 2024", "6 tháng đầu năm", "vào cuối năm 2024", "trong
  tháng 3/2024"; due_date is the period's last day ("quý IV/2019" -> 2019-12-31);
- recurring: "hàng tháng, hàng quý" (one record each), "định kỳ hàng năm", "định kỳ 6 tháng",
  "hằng năm"; due_date is None.
Recurrence vocabulary: weekly | monthly | quarterly | biannual (every six months) | yearly.
A period or date without a year ("cuối năm", "trước ngày 20/12") takes the plan's year (the first
"năm YYYY" of the title or date line). The owner is the agency of the enclosing responsibility
block or of the sentence (responsibilities.walk); objectives ("Mục tiêu"), target indicators
("Chỉ tiêu cụ thể"), scope and budget sections are skipped, since a year there is a target
horizon, not a due date.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from pipeline.extract.responsibilities import walk
from pipeline.records import DeadlineRecord, Page
from pipeline.spans import ground
from pipeline.structure import Structure
from pipeline.text import fold_ocr

RECURRENCES = ("weekly", "monthly", "quarterly", "biannual", "yearly")


def _wrapped(pattern: str) -> re.Pattern:
    """Compile with every space as any run of whitespace: OCR'd and hard-wrapped text breaks
    lines anywhere ("định\nkỳ 6 tháng", "trước ngày\n30/9")."""
    return re.compile(pattern.replace(" ", r"\s+"))


_BEFORE = r"(?:(?:xong|hoan thanh)\s+)?(?:tr[uwy]\w{0,2}c|cham nhat(?:\s+(?:la|vao))?|" \
          r"han cuoi(?:\s+la)?|khong (?:qua|muon hon))\s+"
_DAY = r"(?:(?:het\s+)?ng[a-z]y\s+)?"
_NUMERIC_DATE = r"(?P<d>\d{1,2})\s*[/.-]\s*(?P<m>\d{1,2})(?:\s*[/.-]\s*(?P<y>\d{4}))?(?!\s*[/.-]?\d)"
_WORDED_DATE = r"(?P<d2>\d{1,2})\s+th[a-z]ng\s+(?P<m2>\d{1,2})(?:\s+n[a-z]{1,2}m\s+(?P<y2>\d{4}))?"
BY_DATE = _wrapped(r"\b" + _BEFORE + _DAY + r"(?:" + _WORDED_DATE + "|" + _NUMERIC_DATE + r")")

_ROMAN_QUARTER = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_YEAR = r"(?:\s*(?:/|-|n[a-z]{1,2}m)\s*(?P<y>\d{4}))?"
QUARTER = _wrapped(r"\b(?:(?:vao|trong|truoc|den|het|den het|cuoi|dau)\s+)?qu[yi]\s+"
                     r"(?P<q>iv|i{1,3}|[1-4])\b" + _YEAR)
MONTH = _wrapped(r"\b(?:vao|trong|den|den het|cuoi|het)\s+th[a-z]ng\s+(?P<m>\d{1,2})\b" + _YEAR)
HALF = _wrapped(r"\b6 th[a-z]ng\s+(?P<h>dau|cuoi)\s+n[a-z]{1,2}m(?:\s+(?P<y>\d{4}))?")
YEAR = _wrapped(r"\b(?:vao cuoi|den cuoi|den het|trong ca|vao|trong|den|cuoi|het)\s+"
                  r"n[a-z]{1,2}m(?:\s+(?P<y>\d{4}))?\b(?!\s*(?:hoc|tai chinh))")
RECURRING = _wrapped(
    r"\b(?:dinh ky\s+)?(?:(?P<every>h[a-z]ng|moi)\s+(?P<unit>tuan|th[a-z]ng|quy|n[a-z]{1,2}m)\b"
    r"|dinh ky\s+(?P<six>6|sau)\s+th[a-z]ng|(?P<six2>6|sau) th[a-z]ng (?:mot|1) lan)"
)
_RANGE_OR_HORIZON = _wrapped(r"(?:\btu\s+(?:n[a-z]{1,2}m\s+)?\d{4}\s*$|\b(?:giai doan|thoi ky|"
                               r"tam nhin|dinh huong)\b)")
_MORE_RECURRENCES = _wrapped(r"\s*(?:,|va)\s*(?:h[a-z]ng\s+|moi\s+)?(?P<unit>(?:ca\s+)?"
                               r"n[a-z]{1,2}m|6 th[a-z]ng|quy|th[a-z]ng|tuan)\b(?!\s+\d)")
_UNITS = {"tuan": "weekly", "quy": "quarterly"}
_CLAUSE_END = re.compile(r"[.;](?=\s|$)|\n\s*\n")
_DOC_YEAR = re.compile(r"\bn[a-z]{1,2}m\s+((?:19|20)\d\d)\b")


def plan_year(pages: list[Page]) -> int | None:
    """The plan's own year: the first "năm YYYY" of its opening lines (title or date line)."""
    if not pages:
        return None
    head = fold_ocr("\n".join(pages[0].text.splitlines()[:25]))
    m = _DOC_YEAR.search(head)
    return int(m.group(1)) if m else None


def _safe_date(year: int | None, month: int, day: int | None = None) -> date | None:
    if year is None or not 1 <= month <= 12:
        return None
    last = calendar.monthrange(year, month)[1]
    day = last if day is None else day
    if not 1 <= day <= last:
        return None
    return date(year, month, day)


def _recurrence(m: re.Match) -> str:
    if m.group("six") or m.group("six2"):
        return "biannual"
    return _recurrence_of_unit(m.group("unit"))


def _recurrence_of_unit(unit: str) -> str:
    if unit in _UNITS:
        return _UNITS[unit]
    if unit.startswith("ca "):
        return "yearly"
    return "monthly" if unit.startswith("th") else "yearly"


def _find(folded: str, start: int, end: int, year: int | None):
    """(kind, due_date, recurrence, match start, match end) of each expression in folded[start:end]."""
    found = []
    taken: list[tuple[int, int]] = []

    def free(m: re.Match) -> bool:
        return all(m.end() <= a or m.start() >= b for a, b in taken)

    for m in BY_DATE.finditer(folded, start, end):
        d, mo, y = (m.group("d") or m.group("d2"), m.group("m") or m.group("m2"),
                    m.group("y") or m.group("y2"))
        due = _safe_date(int(y) if y else year, int(mo), int(d))
        if due:
            found.append(("by_date", due, None, m.start(), m.end()))
            taken.append(m.span())
    for m in RECURRING.finditer(folded, start, end):
        if free(m):
            found.append(("recurring", None, _recurrence(m), m.start(), m.end()))
            taken.append(m.span())
            # "định kỳ hàng quý, 6 tháng và cả năm": the list goes on without repeating "hàng"
            pos = m.end()
            while more := _MORE_RECURRENCES.match(folded, pos, end):
                unit = more.group("unit")
                recurrence = "biannual" if unit.startswith("6") else _recurrence_of_unit(unit)
                found.append(("recurring", None, recurrence, more.start("unit"), more.end()))
                taken.append((more.start("unit"), more.end()))
                pos = more.end()
    for m in QUARTER.finditer(folded, start, end):
        if free(m):
            y = int(m.group("y")) if m.group("y") else year
            found.append(("period", _safe_date(y, 3 * _ROMAN_QUARTER[m.group("q")]), None,
                          m.start(), m.end()))
            taken.append(m.span())
    for m in HALF.finditer(folded, start, end):
        if free(m):
            y = int(m.group("y")) if m.group("y") else year
            found.append(("period", _safe_date(y, 6 if m.group("h") == "dau" else 12), None,
                          m.start(), m.end()))
            taken.append(m.span())
    for m in MONTH.finditer(folded, start, end):
        if free(m):
            y = int(m.group("y")) if m.group("y") else year
            found.append(("period", _safe_date(y, int(m.group("m"))), None, m.start(), m.end()))
            taken.append(m.span())
    for m in YEAR.finditer(folded, start, end):
        if free(m):
            y = int(m.group("y")) if m.group("y") else year
            if _RANGE_OR_HORIZON.search(folded, max(start, m.start() - 40), m.start()):
                continue  # "thời kỳ từ năm 2011 đến năm 2020", "định hướng đến năm 2030"
            if y and (m.group("y") or re.match(r"\s*[,.;)]|\s*$|\s+(?:va|de|bao|phai)\b",
                                               folded[m.end():m.end() + 8])):
                found.append(("period", _safe_date(y, 12), None, m.start(), m.end()))
                taken.append(m.span())
    return sorted(found, key=lambda item: item[3])


def _clause(folded: str, start: int, end: int, at: int) -> tuple[int, int]:
    """The clause of [start, end) around position `at`: between ". " / ";" boundaries."""
    left = start
    for m in _CLAUSE_END.finditer(folded, start, at):
        left = m.end()
    right = _CLAUSE_END.search(folded, at, end)
    return left, (right.start() if right else end)


_BARE_DATE = re.compile(r"\b(?P<d>\d{1,2})\s*[/.-]\s*(?P<m>\d{1,2})\s*[/.-]\s*(?P<y>\d{4})\b")
_BARE_MONTH = re.compile(r"\bth[a-z]ng\s+(?P<m>\d{1,2})\s*(?:/|-|n[a-z]{1,2}m)\s*(?P<y>\d{4})\b")
_BARE_YEAR = re.compile(r"\bn[a-z]{1,2}m\s+(?P<y>\d{4})\b")


def _table_deadlines(page: Page, folded: str, item, year: int | None) -> list[DeadlineRecord]:
    """The "thời gian" cell of an assignment-table row: bare dates and periods count there."""
    start, end = item.time_cell
    found = _find(folded, start, end, year)
    if not found:
        for pattern, kind in ((_BARE_DATE, "by_date"), (_BARE_MONTH, "period"),
                              (_BARE_YEAR, "period")):
            m = pattern.search(folded, start, end)
            if m:
                day = int(m.group("d")) if kind == "by_date" else None
                month = int(m.group("m")) if "m" in pattern.groupindex else 12
                due = _safe_date(int(m.group("y")), month, day)
                found = [(kind, due, None, m.start(), m.end())]
                break
    task = item.record.task if item.record else None
    records = []
    for kind, due, recurrence, m_start, m_end in found:
        records.append(DeadlineRecord(
            kind=kind, due_date=due, period=re.sub(r"\s+", " ", page.text[m_start:m_end]).strip(),
            recurrence=recurrence, agency=item.owner, task=task,
            grounding=ground(page, start, end),
            confidence=0.8 if due or recurrence else 0.4))
    return records


def extract_deadlines(pages: list[Page], structure: Structure | None = None) -> list[DeadlineRecord]:
    """Every deadline of the plan's task sections with its owner and the clause it stands in."""
    year = plan_year(pages)
    records: list[DeadlineRecord] = []
    folded_pages = {page.number: fold_ocr(page.text) for page in pages}
    for item in walk(pages, structure):
        para = item.block
        if item.excluded or para.kind == "table_row" and item.time_cell is None:
            continue
        page = item.page
        folded = folded_pages[page.number]
        if para.kind == "table_row":
            records += _table_deadlines(page, folded, item, year)
            continue
        for kind, due, recurrence, m_start, m_end in _find(folded, para.body_start, para.end,
                                                           year):
            left, right = _clause(folded, para.body_start, para.end, m_start)
            while left < right and page.text[left] in " \t\r\n-+*":
                left += 1
            while right > left and page.text[right - 1] in " \t\r\n":
                right -= 1
            confidence = {"by_date": 0.9, "period": 0.75, "recurring": 0.8}[kind]
            if due is None and kind != "recurring":
                confidence = 0.4
            if item.owner is None:
                confidence *= 0.8
            records.append(DeadlineRecord(
                kind=kind, due_date=due,
                period=re.sub(r"\s+", " ", page.text[m_start:m_end]).strip(),
                recurrence=recurrence, agency=item.owner,
                task=re.sub(r"\s+", " ", page.text[left:right]).strip(),
                grounding=ground(page, left, right),
                confidence=round(confidence, 2)))
    return records
