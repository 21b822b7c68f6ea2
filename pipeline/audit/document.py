"""Checks of one plan against itself: its pages, its dimensions, its dates, its leads.

- low_confidence_page: a page whose mean OCR word confidence is below LOW_CONFIDENCE_OCR (0-100)
  or whose restoration confidence is below LOW_CONFIDENCE_RESTORE (0-1).
- missing_dimension: a plan (Kế hoạch) with no target on one of the deprivation dimensions of
  the standard in force for its year: six from 2022 (Decree 07/2021/NĐ-CP), five before
  (Decision 59/2015/QĐ-TTg, no employment dimension).
- deadline_out_of_range: a dated deadline before the plan's issue date (or before the first day
  of its known issue month or year) or after the end of its period.
- task_without_lead: a task, or a programme project (Dự án / Tiểu dự án), whose responsibility
  records all have role `support` ("phối hợp"): nobody leads ("chủ trì") or is assigned it. A
  task whose sentence names the one body it supports ("phối hợp với Phòng Y tế ...") has that
  body as lead; "phối hợp với các cơ quan liên quan" names nobody.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date

from pipeline.extract.indicators import DIMENSION_LABELS
from pipeline.numbers import format_number
from pipeline.records import DIMENSIONS, Extraction, Finding, Grounding, Page
from pipeline.spans import ground
from pipeline.text import fold

LOW_CONFIDENCE_OCR = 60.0  # mean Tesseract word confidence (0-100) below which a page is suspect
LOW_CONFIDENCE_RESTORE = 0.8  # restoration confidence (0-1) below which a page is suspect


def low_confidence_pages(pages: list[Page]) -> list[Finding]:
    """Pages whose OCR or restoration confidence is too low to trust their records."""
    findings = []
    for page in pages:
        reasons = {}
        if page.confidence is not None and page.confidence < LOW_CONFIDENCE_OCR:
            reasons["ocr_confidence"] = page.confidence
        if page.restore_confidence is not None and page.restore_confidence < LOW_CONFIDENCE_RESTORE:
            reasons["restore_confidence"] = page.restore_confidence
        if not reasons:
            continue
        parts = []
        if "ocr_confidence" in reasons:
            parts.append(f"độ tin cậy OCR {format_number(page.confidence, 1)} < "
                         f"{format_number(LOW_CONFIDENCE_OCR, 2)}")
        if "restore_confidence" in reasons:
            parts.append(f"độ tin cậy phục hồi dấu {format_number(page.restore_confidence, 2)} < "
                         f"{format_number(LOW_CONFIDENCE_RESTORE, 2)}")
        message = (f"Trang {page.number} có {' và '.join(parts)}; cần đối chiếu với bản gốc "
                   f"trước khi dùng các số liệu của trang này.")
        detail = dict(reasons, page=page.number, ocr_threshold=LOW_CONFIDENCE_OCR,
                      restore_threshold=LOW_CONFIDENCE_RESTORE)
        findings.append(Finding("low_confidence_page", "warning", message,
                                [_first_line(page)], detail))
    return findings


def _first_line(page: Page, limit: int = 120) -> Grounding:
    """The page's first non-blank line (at most `limit` characters), to anchor a page finding."""
    m = re.search(r"\S[^\n]*", page.text)
    if not m:
        return ground(page, 0, 0)
    line_end = m.start() + len(m.group(0).rstrip())
    return ground(page, m.start(), min(line_end, m.start() + limit))

def _is_plan(extraction: Extraction) -> bool:
    doc_type = extraction.facts.doc_type
    return doc_type is None or "ke hoach" in fold(doc_type)


def _objectives_grounding(pages: list[Page]) -> list[Grounding]:
    """The "Mục tiêu cụ thể" heading (or the first "Mục tiêu"), where missing targets belong."""
    for pattern in (r"muc\s+tieu\s+cu\s+the", r"muc\s+tieu"):
        for page in pages:
            m = re.search(pattern, fold(page.text))
            if m:
                return [ground(page, m.start(), m.end())]
    return []


def plan_year(extraction: Extraction) -> int | None:
    """The year a plan is about: its period's end, else its issue year, else its targets'."""
    facts = extraction.facts
    for year in (facts.period_end, facts.period_start, facts.issue_year,
                 facts.issue_date.year if facts.issue_date else None):
        if year:
            return year
    years = [int(y) for t in extraction.targets for y in re.findall(r"\d{4}", t.year or "")]
    return max(years) if years else None


def poverty_standard(year: int | None) -> tuple[str, tuple[str, ...]]:
    """The multidimensional poverty standard in force for a plan year, and its dimensions.

    Decree 07/2021/NĐ-CP (2022-2025) has six dimensions; Decision 59/2015/QĐ-TTg (2016-2021)
    had five, without employment.
    """
    if year is not None and year <= 2021:
        return "59/2015/QĐ-TTg", tuple(d for d in DIMENSIONS if d != "employment")
    return "07/2021/NĐ-CP", DIMENSIONS


def missing_dimensions(pages: list[Page], extraction: Extraction) -> list[Finding]:
    """One finding per deprivation dimension of the standard in force with no target."""
    if not _is_plan(extraction):
        return []
    standard, dimensions = poverty_standard(plan_year(extraction))
    present = {t.dimension for t in extraction.targets if t.dimension}
    missing = [d for d in dimensions if d not in present]
    if not missing:
        return []
    anchor = _objectives_grounding(pages)
    findings = []
    for dim in missing:
        message = (f"Kế hoạch không đặt chỉ tiêu nào cho chiều thiếu hụt "
                   f"{DIMENSION_LABELS[dim].lower()} ({dim}) của chuẩn nghèo đa chiều theo {standard}.")
        findings.append(Finding("missing_dimension", "info", message, list(anchor), {
            "dimension": dim, "dimension_vi": DIMENSION_LABELS[dim].lower(), "standard": standard,
            "dimensions_present": sorted(present), "target_count": len(extraction.targets)}))
    return findings


def plan_window(extraction: Extraction) -> tuple[date | None, date | None]:
    """Earliest and latest dates a deadline of this plan may fall on (None when unknown)."""
    facts = extraction.facts
    earliest = facts.issue_date
    if earliest is None and facts.issue_year:
        earliest = date(facts.issue_year, facts.issue_month or 1, 1)
    latest = date(facts.period_end, 12, 31) if facts.period_end else None
    return earliest, latest


def deadlines_out_of_range(extraction: Extraction) -> list[Finding]:
    """Deadlines dated before the plan was issued or after its period ends."""
    earliest, latest = plan_window(extraction)
    findings = []
    for deadline in extraction.deadlines:
        due = deadline.due_date
        if due is None:
            continue
        if earliest is not None and due < earliest:
            where, bound = "trước ngày ban hành kế hoạch", earliest
        elif latest is not None and due > latest:
            where, bound = "sau khi kết thúc thời kỳ của kế hoạch", latest
        else:
            continue
        message = (f"Thời hạn {due:%d/%m/%Y} nằm {where} ({bound:%d/%m/%Y}).")
        detail = {"due_date": due.isoformat(), "bound": bound.isoformat(),
                  "side": "before_issue" if bound is earliest else "after_period",
                  "issue_date": extraction.facts.issue_date.isoformat()
                  if extraction.facts.issue_date else None,
                  "period_end": extraction.facts.period_end, "agency": deadline.agency,
                  "task": deadline.task}
        findings.append(Finding("deadline_out_of_range", "warning", message,
                                [deadline.grounding], detail))
    return findings


def _task_key(task: str) -> str:
    return re.sub(r"\s+", " ", fold(task)).strip(" .;:-–")


_PARTNER = re.compile(r"phoi\s+hop\s+(?:chat\s+che\s+)?(?:voi|cung)\s+(?P<partner>[^,;.()]{3,80})")
_GENERIC_PARTNER = re.compile(r"^(?:cac|nhung|mot\s+so|co\s+quan\s+lien\s+quan|don\s+vi\s+lien)")


def named_partner(text: str) -> str | None:
    """The agency a "phối hợp với X" sentence supports, when X is one named body.

    "Phối hợp với Phòng Lao động - TB&XH tổ chức ..." names its lead; "phối hợp với các cơ
    quan, đơn vị liên quan ..." does not (a generic plural is nobody in particular).
    """
    m = _PARTNER.search(fold(text))
    if not m or _GENERIC_PARTNER.match(m.group("partner")):
        return None
    return text[m.start("partner"):m.end("partner")].strip()


def tasks_without_lead(extraction: Extraction) -> list[Finding]:
    """Tasks and programme projects that only supporting agencies are named for.

    A task (records grouped by task text) lacks a lead when every record has role `support`
    and none of them names the one body it supports ("phối hợp với Phòng X" names X as lead).
    A project (Dự án / Tiểu dự án) lacks a lead when every record naming it is `support`.
    """
    findings = []
    by_task: dict[str, list] = defaultdict(list)
    by_project: dict[str, list] = defaultdict(list)
    project_names: dict[str, str] = {}
    for record in extraction.responsibilities:
        if record.task and record.task.strip():
            by_task[_task_key(record.task)].append(record)
        for project in record.projects or []:
            key = _task_key(project)
            by_project[key].append(record)
            project_names.setdefault(key, project)
    for records in by_task.values():
        if any(r.role != "support" for r in records):
            continue
        if any(named_partner(r.task) or named_partner(r.grounding.quote) for r in records):
            continue  # the sentence names the agency it supports: that one leads
        agencies = sorted({r.agency for r in records})
        task = records[0].task.strip()
        short = task if len(task) <= 120 else task[:117] + "..."
        message = (f"Nhiệm vụ \"{short}\" chỉ có cơ quan phối hợp "
                   f"({', '.join(agencies)}), không có cơ quan chủ trì.")
        findings.append(Finding("task_without_lead", "warning", message,
                                [r.grounding for r in records],
                                {"scope": "task", "task": task, "support_agencies": agencies}))
    for key, records in by_project.items():
        if any(r.role != "support" for r in records):
            continue
        agencies = sorted({r.agency for r in records})
        name = project_names[key]
        message = (f"{name} chỉ có cơ quan phối hợp ({', '.join(agencies)}), "
                   f"không có cơ quan chủ trì.")
        findings.append(Finding("task_without_lead", "warning", message,
                                [r.grounding for r in records],
                                {"scope": "project", "project": name,
                                 "support_agencies": agencies}))
    return findings

