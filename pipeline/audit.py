"""Audit findings: the places where a plan contradicts itself, its parent or its own dates.

Every finding points at the spans it is about (page, character span in the stored page text,
exact quote), so an auditor can open the sentence behind it. Two entry points:

- `audit_document(pages, extraction)` runs on one document before it is stored (the flow stores
  the findings in the same transaction);
- `audit_across(session)` compares stored documents with each other (a commune against its
  district); the flow stores its findings with `store.replace_cross_findings(..., CROSS_KINDS)`.

Kinds and the rule behind each (messages in Vietnamese, numbers in `detail`):

- weaker_than_parent: a commune's target is weaker than its district's for the same indicator
  and year: an upper bound ("< 0,5%") is weaker when higher, a lower bound or coverage ("100%")
  weaker when lower, a reduction ("giảm 0,56%") weaker when smaller. The district's allocation
  to that commune (a per-commune table row of the district plan) is preferred over the
  district-wide target; counts (hộ, người) are compared only against such an allocation, rates
  (%) against either. Commune and district are matched by the documents' facts (admin_level,
  district of the commune = locality of the district, province when both know it).
- table_total_mismatch: a table's TỔNG CỘNG / Tổng / Cộng row differs from its rows: integer
  columns must add up exactly; decimal columns must add up within rounding or, for rates, equal
  the ratio of the totals of the two count columns the rows are computed from; a rate column
  whose relation cannot be found must at least lie between its rows' extremes. Tables with
  several total rows (nested subtotals) are not checked.
- inconsistent_numbers: a sentence's figures disagree: "giảm từ 5,21% xuống 3,25%, tương đương
  từ 64 hộ xuống 40 hộ" implies two household totals that must agree within rounding; "N hộ/T
  tổng số hộ, chiếm P%" must hold; "giảm 0,56% (tương đương 82 hộ)" and "N hộ ... chiếm P%" are
  checked against the total households the document states; a table row whose rate is not the
  ratio its sibling rows follow.
- missing_dimension: a plan (Kế hoạch) with no target on one of the deprivation dimensions of
  the standard in force for its year: six from 2022 (Decree 07/2021/NĐ-CP), five before
  (Decision 59/2015/QĐ-TTg, no employment dimension).
- deadline_out_of_range: a dated deadline before the plan's issue date (or before the first day
  of its known issue month or year) or after the end of its period.
- task_without_lead: a task, or a programme project (Dự án / Tiểu dự án), whose responsibility
  records all have role `support` ("phối hợp"): nobody leads ("chủ trì") or is assigned it. A
  task whose sentence names the one body it supports ("phối hợp với Phòng Y tế ...") has that
  body as lead; "phối hợp với các cơ quan liên quan" names nobody.
- low_confidence_page: a page whose mean OCR word confidence is below LOW_CONFIDENCE_OCR (0-100)
  or whose restoration confidence is below LOW_CONFIDENCE_RESTORE (0-1).

"Rounding allows" means one unit of the last printed digit (5,21% is read as 5,20-5,22%), which
also covers figures truncated instead of rounded.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from unidecode import unidecode

from pipeline.records import DIMENSIONS, Extraction, Finding, Grounding, Page
from pipeline.spans import to_raw_span

log = logging.getLogger(__name__)

LOW_CONFIDENCE_OCR = 60.0  # mean Tesseract word confidence (0-100) below which a page is suspect
LOW_CONFIDENCE_RESTORE = 0.8  # restoration confidence (0-1) below which a page is suspect

CROSS_KINDS: set[str] = {"weaker_than_parent"}
DOCUMENT_KINDS: set[str] = {
    "table_total_mismatch", "inconsistent_numbers", "missing_dimension",
    "deadline_out_of_range", "task_without_lead", "low_confidence_page",
}

DIMENSION_NAMES_VI = {
    "employment": "việc làm",
    "health": "y tế",
    "education": "giáo dục",
    "housing": "nhà ở",
    "water_sanitation": "nước sinh hoạt và vệ sinh",
    "information": "thông tin",
}

COMMUNE_LEVELS = ("xã", "phường", "thị trấn")
DISTRICT_LEVELS = ("huyện", "thị xã", "thành phố", "quận")


# --------------------------------------------------------------------------- text helpers

@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    return "d" if ch in "đĐ" else unidecode(ch).lower()


@lru_cache(maxsize=64)
def fold(text: str) -> tuple[str, list[int]]:
    """Lower-case ASCII folding of `text` and, for each folded character, its source index.

    Matching on the folded text finds "giảm", "giam" and OCR's "gidm" alike; the index map turns
    a match back into a span of the original text. Cached: each page is folded by several
    checks. Callers must not change the returned list.
    """
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        if ch.isascii():
            out.append(ch.lower())
            index.append(i)
            continue
        for f in _fold_char(ch):
            out.append(f)
            index.append(i)
    return "".join(out), index


def _source_span(index: list[int], text_len: int, start: int, end: int) -> tuple[int, int]:
    """Span of the original text covered by folded span [start, end)."""
    if start >= len(index):
        return text_len, text_len
    src_start = index[start]
    src_end = index[end - 1] + 1 if end > start else src_start
    return src_start, src_end


def grounding_for(page: Page, start: int, end: int, document_id: int | None = None) -> Grounding:
    """A grounding on `page` for the span [start, end) of its text, raw span included."""
    start = max(0, min(start, len(page.text)))
    end = max(start, min(end, len(page.text)))
    raw_start = raw_end = None
    if page.offsets:
        raw_start, raw_end = to_raw_span(page.offsets, start, end)
    elif page.raw_text == page.text:
        raw_start, raw_end = start, end
    return Grounding(page=page.number, char_start=start, char_end=end,
                     quote=page.text[start:end], raw_char_start=raw_start,
                     raw_char_end=raw_end, document_id=document_id)


NUMBER = r"(?<![\d.,])(?:\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?)(?![\d])"


@dataclass(frozen=True)
class Number:
    """A figure as printed: its value and how many decimals it shows (for rounding tolerance)."""

    value: float
    decimals: int

    @property
    def unit(self) -> float:
        """One unit of the last printed digit."""
        return 10.0 ** -self.decimals


def parse_number(text: str) -> Number | None:
    """Read a Vietnamese figure: "14.653" is 14653, "5,21" is 5.21, "1.234,5" is 1234.5."""
    s = text.strip().replace(" ", "").replace("\u00a0", "")
    if s.endswith("%"):
        s = s[:-1]
    if not s or not re.fullmatch(r"[-+]?[\d.,]*\d[\d.,]*", s):
        return None
    sign = -1.0 if s.startswith("-") else 1.0
    s = s.lstrip("+-")
    if "," in s:
        whole, _, frac = s.rpartition(",")
        if "," in whole or not frac.isdigit():
            return None
        whole = whole.replace(".", "")
        if not whole.isdigit():
            return None
        return Number(sign * float(f"{whole}.{frac}"), len(frac))
    if "." in s:
        parts = s.split(".")
        if all(len(p) == 3 for p in parts[1:]) and parts[0] and len(parts[0]) <= 3:
            return Number(sign * float("".join(parts)), 0)  # thousands dots
        if len(parts) == 2 and parts[0] and parts[1]:
            return Number(sign * float(s), len(parts[1]))  # a decimal point (OCR, English)
        return None
    return Number(sign * float(s), 0)


def _close(a: float, b: float, tolerance: float) -> bool:
    return abs(a - b) <= tolerance + 1e-9


def _fmt(value: float, decimals: int = 2) -> str:
    """Vietnamese rendering of a number for messages: decimal comma, thousands dot."""
    text = f"{value:,.{decimals}f}".rstrip("0").rstrip(".") if decimals else f"{value:,.0f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


# --------------------------------------------------------------------------- per document

def audit_document(pages: list[Page], extraction: Extraction | None) -> list[Finding]:
    """All single-document findings for one plan, ready to store with it.

    A check that fails on unexpected input is logged and skipped: an audit must never keep a
    document from being stored.
    """
    checks = [low_confidence_pages, table_total_mismatches, inconsistent_numbers]
    findings: list[Finding] = []
    for check in checks:
        findings += _guarded(check, pages)
    if extraction is not None:
        findings += _guarded(missing_dimensions, pages, extraction)
        findings += _guarded(deadlines_out_of_range, extraction)
        findings += _guarded(tasks_without_lead, extraction)
    return findings


def _guarded(check, *args) -> list[Finding]:
    try:
        return check(*args)
    except Exception:  # noqa: BLE001 - one broken check must not lose the document
        log.exception("audit check %s failed; its findings are skipped", check.__name__)
        return []


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
            parts.append(f"độ tin cậy OCR {_fmt(page.confidence, 1)} < {_fmt(LOW_CONFIDENCE_OCR)}")
        if "restore_confidence" in reasons:
            parts.append(f"độ tin cậy phục hồi dấu {_fmt(page.restore_confidence, 2)} < "
                         f"{_fmt(LOW_CONFIDENCE_RESTORE)}")
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
        return grounding_for(page, 0, 0)
    line_end = m.start() + len(m.group(0).rstrip())
    return grounding_for(page, m.start(), min(line_end, m.start() + limit))


# ----- tables

@dataclass
class _Row:
    cells: list[str]
    start: int  # span of the line in the page text
    end: int


TOTAL_LABEL = re.compile(
    r"^(?:tong cong|tong so|tong|cong|toan (?:huyen|xa|tinh|thi xa|thanh pho|quan|phuong))\b")


def page_tables(text: str) -> list[list[_Row]]:
    """Tables of a page as rows of cells: tab-separated lines or markdown pipe tables."""
    tables: list[list[_Row]] = []
    current: list[_Row] = []
    pos = 0
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        stripped = line.strip()
        cells: list[str] | None = None
        if "\t" in line and line.count("\t") >= 2:
            cells = [c.strip() for c in line.split("\t")]
        elif stripped.startswith("|") and stripped.count("|") >= 3:
            inner = stripped.strip("|")
            if re.fullmatch(r"[\s|:\-]+", inner):
                continue  # the |---|---| separator row
            cells = [c.strip() for c in inner.split("|")]
        if cells is None:
            if stripped == "" and current:
                continue  # a blank line inside a table does not end it
            if current:
                tables.append(current)
                current = []
            continue
        while cells and cells[-1] == "":
            cells.pop()
        current.append(_Row(cells, start, end))
    if current:
        tables.append(current)
    return [t for t in tables if len(t) >= 3]


def _is_total(row: _Row) -> bool:
    labels = [c for c in row.cells if c and parse_number(c) is None]
    if not labels:
        return False
    return bool(TOTAL_LABEL.match(fold(labels[0])[0].strip(" .:*")))


def _is_index_row(row: _Row) -> bool:
    """The "A B 1 2 3 ... 10=2-8" row under a header that numbers the columns."""
    if any(re.fullmatch(r"\(?\d+\s*=\s*[\d+\-*/x() ]+\)?", c) for c in row.cells):
        return True
    nums = [parse_number(c) for c in row.cells if c]
    ints = [n.value for n in nums if n is not None and n.decimals == 0]
    return len(ints) >= 3 and all(b - a == 1 for a, b in zip(ints, ints[1:], strict=False))


def _trailing_numbers(row: _Row) -> int:
    """How many cells at the end of the row are figures."""
    count = 0
    for cell in reversed(row.cells):
        if parse_number(cell) is None:
            break
        count += 1
    return count


def _cell_number(row: _Row, j: int) -> Number | None:
    """The figure in the j-th cell from the right (1-based); '-' and blank read as zero."""
    if j > len(row.cells):
        return None
    cell = row.cells[-j]
    if cell in ("", "-", "–", "—", "x"):
        return Number(0.0, 0)
    return parse_number(cell)


def table_total_mismatches(pages: list[Page]) -> list[Finding]:
    """Total rows of tables that are not the sum (or ratio) of the rows they total."""
    findings: list[Finding] = []
    for page in pages:
        for table in page_tables(page.text):
            findings += _check_table(page, table)
    return findings


def _check_table(page: Page, table: list[_Row]) -> list[Finding]:
    totals = [r for r in table if _is_total(r) and _trailing_numbers(r) > 0]
    if len(totals) != 1:
        return []  # no total, or nested subtotals: not checked
    total = totals[0]
    width = _trailing_numbers(total)
    index_rows = [r for r in table if _is_index_row(r)]
    candidates = [r for r in table if r is not total and r not in index_rows]
    data = []
    for row in candidates:
        nums = [_cell_number(row, j) for j in range(1, width + 1)]
        if sum(n is not None for n in nums) >= max(1, math.ceil(0.8 * width)) and any(
                c and parse_number(c) is None for c in row.cells[: len(row.cells) - width]):
            data.append(row)
    total_at = table.index(total)
    before = [r for r in data if table.index(r) < total_at]
    rows = before or [r for r in data if table.index(r) > total_at]
    if len(rows) < 2:
        return []
    # hierarchical tables list sub-rows under numbered rows: either level may be what adds up
    numbered = [bool(re.fullmatch(r"\d{1,3}|[IVX]{1,5}", r.cells[0])) if r.cells else False
                for r in rows]
    groupings = [g for g in (numbered, [not n for n in numbered])
                 if 2 <= sum(g) < len(rows)]
    columns: dict[int, list[Number | None]] = {
        j: [_cell_number(r, j) for r in rows] for j in range(1, width + 1)}
    total_values = {j: _cell_number(total, j) for j in columns}
    labels = {}
    if index_rows:
        idx = index_rows[0]
        labels = {j: idx.cells[-j] for j in columns if j <= len(idx.cells)}
    integer_cols = [j for j, vals in columns.items()
                    if all(v is not None and v.decimals == 0 for v in vals)
                    and total_values[j] is not None and total_values[j].decimals == 0]
    findings = []
    for j, vals in columns.items():
        tot = total_values[j]
        if tot is None or any(v is None for v in vals):
            continue
        column_no = len(total.cells) - j + 1
        base = {"page": page.number, "column": column_no, "label": labels.get(j),
                "total": tot.value, "rows": len(rows)}
        if j in integer_cols:
            s = sum(v.value for v in vals)
            if not _close(s, tot.value, 0) and not any(
                    _close(sum(v.value for v, keep in zip(vals, group, strict=True) if keep),
                           tot.value, 0) for group in groupings):
                findings.append(_table_finding(page, total, dict(base, sum=s, check="sum"),
                                               f"tổng các dòng là {_fmt(s)}"))
            continue
        unit = max([tot.unit] + [v.unit for v in vals])
        s = sum(v.value for v in vals)
        if _close(s, tot.value, unit * len(vals) / 2):
            continue  # an additive decimal column (kinh phí ...)
        relation = _ratio_relation(columns, integer_cols, j)
        if relation is not None:
            num, den, matches = relation
            tn, td = total_values[num], total_values[den]
            if tn is not None and td is not None and td.value:
                expected = tn.value / td.value * 100
                if not _close(expected, tot.value, tot.unit):
                    findings.append(_table_finding(
                        page, total,
                        dict(base, expected=round(expected, 4), check="ratio",
                             numerator_column=len(total.cells) - num + 1,
                             denominator_column=len(total.cells) - den + 1),
                        f"tỷ lệ tính lại từ dòng tổng là {_fmt(expected)}"))
            findings += _row_ratio_mismatches(page, rows, j, num, den, total)
            continue
        lo, hi = min(v.value for v in vals), max(v.value for v in vals)
        if tot.value < lo - unit or tot.value > hi + unit:
            findings.append(_table_finding(
                page, total, dict(base, sum=s, minimum=lo, maximum=hi, check="range"),
                f"không bằng tổng các dòng ({_fmt(s)}) và nằm ngoài khoảng "
                f"{_fmt(lo)}–{_fmt(hi)} của các dòng"))
    return findings


def _ratio_relation(columns: dict[int, list[Number | None]], integer_cols: list[int],
                    rate_col: int) -> tuple[int, int, int] | None:
    """The pair of count columns (numerator, denominator) the rows' rates are computed from."""
    rates = columns[rate_col]
    best = None
    for num in integer_cols:
        for den in integer_cols:
            if num == den:
                continue
            matches = 0
            for r, n, d in zip(rates, columns[num], columns[den], strict=True):
                if d.value and _close(n.value / d.value * 100, r.value, r.unit):
                    matches += 1
            if matches >= max(2, math.ceil(2 * len(rates) / 3)) and (
                    best is None or matches > best[2]):
                best = (num, den, matches)
    return best


def _row_ratio_mismatches(page: Page, rows: list[_Row], rate: int, num: int, den: int,
                          total: _Row) -> list[Finding]:
    """Rows whose rate is not the ratio that the other rows of the table follow."""
    findings = []
    for row in rows:
        r, n, d = (_cell_number(row, j) for j in (rate, num, den))
        if r is None or n is None or d is None or not d.value:
            continue
        expected = n.value / d.value * 100
        if _close(expected, r.value, r.unit):
            continue
        label = next((c for c in row.cells if c and parse_number(c) is None), "")
        detail = {"page": page.number, "row": label, "column": len(total.cells) - rate + 1,
                  "value": r.value, "expected": round(expected, 4),
                  "numerator": n.value, "denominator": d.value, "check": "table_row_ratio"}
        message = (f"Dòng '{label}' của bảng ghi tỷ lệ {_fmt(r.value)}% nhưng "
                   f"{_fmt(n.value, 0)}/{_fmt(d.value, 0)} = {_fmt(expected)}%.")
        findings.append(Finding("inconsistent_numbers", "warning", message,
                                [grounding_for(page, row.start, row.end)], detail))
    return findings


def _table_finding(page: Page, total: _Row, detail: dict, why: str) -> Finding:
    label = detail.get("label")
    column = f"cột {detail['column']}" + (f" ({label})" if label else "")
    message = (f"Dòng tổng của bảng (trang {page.number}), {column}: ghi "
               f"{_fmt(detail['total'])} nhưng {why}.")
    return Finding("table_total_mismatch", "warning", message,
                   [grounding_for(page, total.start, total.end)], detail)


# ----- figures that contradict each other in a sentence

_EQUIV = r"(?:t\w{1,3}ng\s+d\w{1,3}ng|tuong\s+ung|tuc\s+la|\()"
_DOWN = r"(?:x\w{2,4}ng|den|->|→)"
REDUCE_PAIR = re.compile(
    rf"(?P<r1>{NUMBER})\s*%\s*{_DOWN}\s+(?:con\s+)?(?P<r2>{NUMBER})\s*%"
    rf"(?P<gap>[^%\d]{{0,80}}?)"
    rf"(?P<n1>{NUMBER})\s*(?:h\w|nguoi)\b[^%\d]{{0,30}}?{_DOWN}\s+(?:con\s+)?"
    rf"(?P<n2>{NUMBER})\s*(?:h\w|nguoi)\b")
RATE_EQUIV_COUNT = re.compile(
    rf"(?P<rate>{NUMBER})\s*%(?P<gap>[^%\d]{{0,60}}?)t\w{{1,3}}ng\s+d\w{{1,3}}ng\s*:?\s*"
    rf"(?P<count>{NUMBER})\s*(?:ho|nguoi)\b")
COUNT_OF_TOTAL = re.compile(
    rf"(?P<count>{NUMBER})\s*ho\b[^%\d/.;\n]{{0,40}}/\s*(?P<base>{NUMBER})\s*(?:tong\s+so\s+)?ho"
    rf"[^%\d]{{0,30}}?chiem\s+(?:ty\s+le\s+)?(?P<rate>{NUMBER})\s*%")
COUNT_SHARE = re.compile(
    rf"(?P<count>{NUMBER})\s*ho\b[^%\d/.;\n]{{0,40}}?chiem\s+(?:ty\s+le\s+)?(?P<rate>{NUMBER})\s*%")
TOTAL_HOUSEHOLDS = (
    re.compile(rf"/\s*(?P<n>{NUMBER})\s*tong\s+so\s+ho\b"),
    re.compile(rf"tong\s+so\s+(?:ho|ho\s+gia\s+dinh)\b\s*(?:la|:|co|toan\s+\w+)?\s*(?P<n>{NUMBER})"
               rf"\s*ho\b"),
    re.compile(rf"toan\s+(?:xa|huyen|phuong|thi\s+tran|thi\s+xa|thanh\s+pho|quan)\s+co\s*:?"
               rf"[\s\-–•+]*(?P<n>{NUMBER})\s*ho\b(?!\s*(?:ngheo|can))"),
)


def document_total_households(pages: list[Page]) -> float | None:
    """The total number of households the document states, when it states one."""
    found: Counter[float] = Counter()
    for page in pages:
        folded, _ = fold(page.text)
        for pattern in TOTAL_HOUSEHOLDS:
            for m in pattern.finditer(folded):
                n = parse_number(m.group("n"))
                if n is not None and n.decimals == 0 and n.value >= 10:
                    found[n.value] += 1
    if not found:
        return None
    return found.most_common(1)[0][0]


def _implied_total(count: float, rate: Number) -> tuple[float, float]:
    """Range of totals for which `count` households are `rate` percent, within rounding."""
    lo_rate, hi_rate = rate.value - rate.unit, rate.value + rate.unit
    hi = count * 100 / lo_rate if lo_rate > 0 else math.inf
    return count * 100 / hi_rate, hi


def inconsistent_numbers(pages: list[Page]) -> list[Finding]:
    """Sentences whose percentages and household counts imply different totals."""
    findings: list[Finding] = []
    total_households = document_total_households(pages)
    for page in pages:
        folded, index = fold(page.text)
        covered: list[tuple[int, int]] = []

        def ground(m: re.Match, page=page, index=index) -> Grounding:
            return grounding_for(page, *_source_span(index, len(page.text), m.start(), m.end()))

        for m in REDUCE_PAIR.finditer(folded):
            if not re.search(_EQUIV, m.group("gap")):
                continue  # two statements side by side, not one restated
            covered.append((m.start(), m.end()))
            r1, r2 = parse_number(m.group("r1")), parse_number(m.group("r2"))
            n1, n2 = parse_number(m.group("n1")), parse_number(m.group("n2"))
            if None in (r1, r2, n1, n2) or r1.value <= 0 or r2.value <= 0:
                continue
            lo1, hi1 = _implied_total(n1.value, r1)
            lo2, hi2 = _implied_total(n2.value, r2)
            if lo1 <= hi2 and lo2 <= hi1:
                continue
            t1, t2 = n1.value * 100 / r1.value, n2.value * 100 / r2.value
            message = (f"Số liệu không khớp: {_fmt(r1.value)}% tương ứng {_fmt(n1.value, 0)} hộ "
                       f"cho tổng khoảng {_fmt(t1, 0)} hộ, còn {_fmt(r2.value)}% tương ứng "
                       f"{_fmt(n2.value, 0)} hộ cho tổng khoảng {_fmt(t2, 0)} hộ.")
            detail = {"check": "reduce_pair", "rate_from": r1.value, "rate_to": r2.value,
                      "count_from": n1.value, "count_to": n2.value,
                      "implied_total_from": round(t1, 1), "implied_total_to": round(t2, 1),
                      "implied_range_from": [round(lo1, 1), round(hi1, 1)],
                      "implied_range_to": [round(lo2, 1), round(hi2, 1)]}
            findings.append(Finding("inconsistent_numbers", "warning", message, [ground(m)],
                                    detail))

        def overlaps(m: re.Match, covered=covered) -> bool:
            return any(m.start() < e and s < m.end() for s, e in covered)

        for m in COUNT_OF_TOTAL.finditer(folded):
            covered.append((m.start(), m.end()))
            count, base = parse_number(m.group("count")), parse_number(m.group("base"))
            rate = parse_number(m.group("rate"))
            if None in (count, base, rate) or not base.value:
                continue
            expected = count.value / base.value * 100
            if _close(expected, rate.value, rate.unit):
                continue
            message = (f"Số liệu không khớp: {_fmt(count.value, 0)}/{_fmt(base.value, 0)} hộ là "
                       f"{_fmt(expected)}%, không phải {_fmt(rate.value)}%.")
            findings.append(Finding("inconsistent_numbers", "warning", message, [ground(m)], {
                "check": "count_of_total", "count": count.value, "total": base.value,
                "rate": rate.value, "expected_rate": round(expected, 4)}))

        if total_households is None:
            continue
        share_checks = [(m, "rate_equivalent") for m in RATE_EQUIV_COUNT.finditer(folded)]
        share_checks += [(m, "count_share") for m in COUNT_SHARE.finditer(folded)]
        for m, check in share_checks:
            if overlaps(m):
                continue
            count, rate = parse_number(m.group("count")), parse_number(m.group("rate"))
            if count is None or rate is None or count.value == total_households:
                continue
            sentence_tail = re.split(r"[.;\n]", folded[m.end(): m.end() + 60], maxsplit=1)[0]
            if check == "count_share" and re.search(r"ngheo|tren|so voi|cua", sentence_tail):
                continue  # a share of another base (của số hộ nghèo ...)
            expected = count.value / total_households * 100
            if _close(expected, rate.value, rate.unit):
                continue
            message = (f"Số liệu không khớp: {_fmt(count.value, 0)} hộ trên tổng số "
                       f"{_fmt(total_households, 0)} hộ của địa phương là {_fmt(expected)}%, "
                       f"không phải {_fmt(rate.value)}%.")
            findings.append(Finding("inconsistent_numbers", "warning", message, [ground(m)], {
                "check": check, "count": count.value, "total": total_households,
                "rate": rate.value, "expected_rate": round(expected, 4)}))
    return findings


# ----- extraction-based checks

def _is_plan(extraction: Extraction) -> bool:
    doc_type = extraction.facts.doc_type
    return doc_type is None or "ke hoach" in fold(doc_type)[0]


_OBJECTIVES = re.compile(r"muc\s+tieu\s+cu\s+the|chi\s+tieu|muc\s+tieu")


def _objectives_grounding(pages: list[Page]) -> list[Grounding]:
    """The "Mục tiêu cụ thể" heading (or the first "Mục tiêu"), where missing targets belong."""
    for pattern in (r"muc\s+tieu\s+cu\s+the", r"muc\s+tieu"):
        for page in pages:
            folded, index = fold(page.text)
            m = re.search(pattern, folded)
            if m:
                return [grounding_for(page, *_source_span(index, len(page.text),
                                                          m.start(), m.end()))]
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
                   f"{DIMENSION_NAMES_VI[dim]} ({dim}) của chuẩn nghèo đa chiều theo {standard}.")
        findings.append(Finding("missing_dimension", "info", message, list(anchor), {
            "dimension": dim, "dimension_vi": DIMENSION_NAMES_VI[dim], "standard": standard,
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
    return re.sub(r"\s+", " ", fold(task)[0]).strip(" .;:-–")


_PARTNER = re.compile(r"phoi\s+hop\s+(?:chat\s+che\s+)?(?:voi|cung)\s+(?P<partner>[^,;.()]{3,80})")
_GENERIC_PARTNER = re.compile(r"^(?:cac|nhung|mot\s+so|co\s+quan\s+lien\s+quan|don\s+vi\s+lien)")


def named_partner(text: str) -> str | None:
    """The agency a "phối hợp với X" sentence supports, when X is one named body.

    "Phối hợp với Phòng Lao động - TB&XH tổ chức ..." names its lead; "phối hợp với các cơ
    quan, đơn vị liên quan ..." does not (a generic plural is nobody in particular).
    """
    folded, index = fold(text)
    m = _PARTNER.search(folded)
    if not m or _GENERIC_PARTNER.match(m.group("partner")):
        return None
    start, end = _source_span(index, len(text), m.start("partner"), m.end("partner"))
    return text[start:end].strip()


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


# --------------------------------------------------------------------------- across documents

_LEVEL_PREFIX = re.compile(
    r"^(?:xa|phuong|thi\s+tran|tt\.?|huyen|quan|thi\s+xa|tx\.?|thanh\s+pho|tp\.?|tinh)\s+")


def locality_key(name: str | None) -> str:
    """Accent-insensitive key of a place name without its level word ("xã Cam Thành" -> ...)."""
    if not name:
        return ""
    key = re.sub(r"\s+", " ", fold(name)[0]).strip()
    return _LEVEL_PREFIX.sub("", key).strip()


LOWER_IS_BETTER = {"poverty_rate", "poor_households", "near_poor_rate", "near_poor_households",
                   "new_poor_rate", "new_poor_households", "malnutrition_weight",
                   "malnutrition_height", "nutrition"}
AMOUNT_WORDS = ("reduction", "escaping", "giam")
LOWER_IS_BETTER_WORDS = ("poverty", "poor", "ngheo", "malnutrition", "stunting", "underweight",
                         "wasting", "suy_dinh_duong", "dropout", "out_of_school", "deprivation",
                         "thieu_hut", "unemployment")


def lower_is_better(indicator: str, comparators: Iterable[str] = ()) -> bool:
    """Whether a lower level is the stronger commitment for this indicator."""
    comparators = set(comparators)
    if comparators & {"<", "<=", "reduce_to"}:
        return True
    if comparators & {">", ">="}:
        return False
    code = indicator.lower()
    if code in LOWER_IS_BETTER:
        return True
    if any(word in code for word in AMOUNT_WORDS):
        return False  # an amount achieved (hộ thoát nghèo, giảm ...): more is stronger
    return any(word in code for word in LOWER_IS_BETTER_WORDS)


def _commitment(target: dict, lower_better: bool) -> tuple[str, float] | None:
    """(family, figure) a target commits to: ('level', bound) or ('reduction', amount)."""
    comparator = target.get("comparator")
    value, value_max = target.get("value"), target.get("value_max")
    indicator = (target.get("indicator") or "").lower()
    if comparator == "reduce_by" or any(word in indicator for word in AMOUNT_WORDS[:2]):
        return ("reduction", value) if value is not None else None
    if comparator == "range":
        if value is None:
            return None
        figure = value_max if (lower_better and value_max is not None) else value
        return "level", figure
    if value is None:
        return None
    return "level", value


def _is_rate(target: dict) -> bool:
    return (target.get("unit") or "").strip() == "%"


def _target_grounding(target: dict) -> Grounding:
    return Grounding(page=target.get("page") or 0, char_start=target.get("char_start") or 0,
                     char_end=target.get("char_end") or 0, quote=target.get("quote") or "",
                     raw_char_start=target.get("raw_char_start"),
                     raw_char_end=target.get("raw_char_end"),
                     document_id=target.get("document_id"))


def weaker_than_parent(documents: list[dict], targets: list[dict]) -> list[Finding]:
    """Commune targets weaker than their district's, from plain store rows (testable alone)."""
    district_docs: dict[str, list[dict]] = defaultdict(list)
    for d in documents:
        if (d.get("admin_level") or "") in DISTRICT_LEVELS and d.get("locality"):
            district_docs[locality_key(d["locality"])].append(d)
    by_doc: dict[int, list[dict]] = defaultdict(list)
    for t in targets:
        by_doc[t["document_id"]].append(t)

    findings = []
    for commune_doc in documents:
        if (commune_doc.get("admin_level") or "") not in COMMUNE_LEVELS:
            continue
        parents = [p for p in district_docs.get(locality_key(commune_doc.get("district")), [])
                   if not (p.get("province") and commune_doc.get("province")
                           and locality_key(p["province"]) != locality_key(
                               commune_doc["province"]))]
        if not parents:
            continue
        commune_key = locality_key(commune_doc.get("locality"))
        for target in by_doc.get(commune_doc["id"], []):
            own = target.get("locality")
            if own and locality_key(own) != commune_key:
                continue  # a village's row inside the commune plan
            for parent in parents:
                finding = _compare_with_parent(target, commune_doc, parent,
                                               by_doc.get(parent["id"], []), commune_key)
                if finding:
                    findings.append(finding)
    return findings


def _compare_with_parent(target: dict, commune_doc: dict, parent: dict,
                         parent_targets: list[dict], commune_key: str) -> Finding | None:
    same = [p for p in parent_targets
            if p.get("indicator") == target.get("indicator") and p.get("year") == target.get("year")
            and target.get("year")]
    allocated = [p for p in same
                 if p.get("locality") and locality_key(p["locality"]) == commune_key]
    district_wide = [p for p in same if not p.get("locality")
                     or locality_key(p["locality"]) == locality_key(parent.get("locality"))]
    candidates = [(p, "allocation") for p in allocated] or [
        (p, "district") for p in district_wide if _is_rate(p) and _is_rate(target)]
    for parent_target, basis in candidates:
        if (target.get("unit") or None) != (parent_target.get("unit") or None):
            continue
        comparators = {target.get("comparator"), parent_target.get("comparator")}
        lower_better = lower_is_better(target["indicator"], comparators - {None})
        mine = _commitment(target, lower_better)
        theirs = _commitment(parent_target, lower_better)
        if mine is None or theirs is None or mine[0] != theirs[0]:
            continue
        family, a = mine
        b = theirs[1]
        if family == "reduction":
            weaker, direction = a < b - 1e-9, "higher_is_better"
        elif lower_better:
            weaker, direction = a > b + 1e-9, "lower_is_better"
        else:
            weaker, direction = a < b - 1e-9, "higher_is_better"
        if not weaker:
            continue
        from pipeline.compare import format_value  # noqa: PLC0415 - avoid an import cycle

        commune_name = commune_doc.get("locality") or "?"
        district_name = parent.get("locality") or "?"
        whose = ("chỉ tiêu huyện giao cho xã" if basis == "allocation"
                 else f"chỉ tiêu của {parent.get('admin_level') or ''} {district_name}".strip())
        message = (f"Chỉ tiêu {target['indicator']} năm {target.get('year')} của "
                   f"{commune_doc.get('admin_level') or ''} {commune_name} "
                   f"({format_value(target)}) yếu hơn {whose} ({format_value(parent_target)}).")
        detail = {"indicator": target["indicator"], "year": target.get("year"),
                  "family": family, "direction": direction, "basis": basis,
                  "commune": commune_name, "district": district_name,
                  "commune_value": a, "district_value": b,
                  "commune_comparator": target.get("comparator"),
                  "district_comparator": parent_target.get("comparator"),
                  "unit": target.get("unit"),
                  "commune_document_id": commune_doc["id"], "district_document_id": parent["id"],
                  "commune_target_id": target.get("id"),
                  "district_target_id": parent_target.get("id")}
        return Finding("weaker_than_parent", "warning", " ".join(message.split()),
                       [_target_grounding(target), _target_grounding(parent_target)], detail)
    return None


def audit_across(session) -> list[Finding]:
    """Cross-document findings over everything stored (they replace those of CROSS_KINDS)."""
    from pipeline import store  # noqa: PLC0415 - store imports this module's callers

    return weaker_than_parent(store.query_documents(session), store.query_targets(session))
