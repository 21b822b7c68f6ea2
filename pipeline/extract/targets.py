"""Targets: every quantitative objective of a plan, from bullets, prose and tables.

A target is a figure with a unit (%, hộ, người, m²/người, triệu đồng ...) that the plan sets
for a subject group. Decisions, applied the same way to every plan:
- Figures under a situation section ("TÌNH HÌNH", "THỰC TRẠNG", "KẾT QUẢ ... NĂM TRƯỚC") are
  baselines, not targets: they are skipped. So are shares of a situation ("chiếm tỷ lệ 4,16%").
  So are figures under a situation part ("Phần thứ nhất: KẾT QUẢ ...", "A. TÌNH HÌNH ...")
  unless their own section announces targets.
- Workers sent abroad under contract ("đi làm việc ở nước ngoài") are labour export
  (job_connection), also as a part ("trong đó") of a jobs figure.
- Support rates are not targets: "hỗ trợ 100% chi phí / mệnh giá thẻ BHYT", "miễn phí 100%",
  "40 triệu đồng/hộ".
- Bounds before a figure, negated forms first (BOUNDS_BEFORE): "không dưới / không thấp hơn /
  tối thiểu / ít nhất / từ ... (trở lên)" >=, "không quá / không vượt quá / tối đa" <=,
  "dưới / thấp hơn" <, "trên / hơn" >.
- "giảm từ A xuống B" -> reduce_to (value B, baseline A); "giảm X" -> reduce_by; "từ A - B" ->
  range; "xuống (còn) dưới X" -> "<"; "xuống còn X" without a baseline -> reduce_to.
- Poverty figures: a rate in % is poverty_rate (level) or poverty_reduction (amount); a count
  in hộ is poor_households or poor_households_reduction (same for near-poor).
- m²/người is housing_area (">=" under "tối thiểu" / "trở lên"); money is budget (credit
  or income when the clause says so; "triệu đồng/người/năm" and "lần" are income).
- A figure restating the previous one ("tương đương 82 hộ", "(chiếm 2,8%)") takes its
  indicator as a count or a share; a part of it ("trong đó ... 30%") takes the same indicator.
- Tables of indicators ("Chỉ tiêu | Đơn vị tính | Kế hoạch 2024") give one target per planned
  value; columns of past results ("Thực hiện 2023") are not targets.
- Tables with a row per locality: columns whose header says "giảm" give reductions, columns
  of the end of the year / the plan ("cuối năm", "kế hoạch", "chỉ tiêu") give levels with the
  current column as baseline, unless every year they name is before the plan ("cuối năm 2023"
  in a 2024-2025 plan: a baseline); columns of the current situation are baselines only. The total
  row (TỔNG CỘNG) gives the targets of the plan's own locality.
The grounding of a prose target is its clause; of a table target, its cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.extract.indicators import BY_CODE, PRIORITY, SUBJECTS
from pipeline.extract.nlp import Mention, find_mentions
from pipeline.extract.quantities import UNITS, Quantity, canonical_unit, find_quantities
from pipeline.numbers import parse_value
from pipeline.places import split_level
from pipeline.records import DocumentFacts, Page, TargetRecord
from pipeline.spans import ground
from pipeline.structure import SITUATION_WORDS, Block, Structure, Table, is_total_label, parse_structure
from pipeline.text import fold

SITUATION_RE = re.compile(SITUATION_WORDS + r"|^\W*(?:[ivxlc]+|\d+)?\W*danh gia\b")
# "KẾT QUẢ GIẢM NGHÈO NĂM 2023" in a 2024 plan: results of a year before the plan
RESULTS_RE = re.compile(r"\bket qua\b")
TARGET_SECTION_RE = re.compile(r"muc tieu|chi tieu")

SUPPORT_AFTER_RE = re.compile(
    r"^\s*(chi phi|kinh phi|muc|gia tri|lai suat|so tien|tien|muc dong|menh gia|gia the"
    r"|hoc phi|vien phi|phi\b)"
)
SUPPORT_BEFORE_RE = re.compile(r"(mien phi|ho tro|chi tra|dong)\s*$")
SITUATION_BEFORE_RE = re.compile(r"(chiem|chiem ty le|chiem ti le|hien co|con lai)\s*$")
CLAUSE_BREAK_RE = re.compile(r";|\.\s+(?=\S)|:\s+|\n\s*[-+•]|,\s*(?=trong do\b)")
# "giảm" the verb; not giảm nghèo, giám sát, giám đốc, miễn giảm học phí, giảm thiểu ...
GIAM_RE = re.compile(
    r"(?<!mien, )(?<!mien )\bgiam\b(?!\s+(?:ngheo|sat|doc|hoc phi|thieu|dinh|thue|tru|nhe))"
)
# "đưa 120 người đi làm việc ở nước ngoài theo hợp đồng": labour export (Dự án 4), which the
# indicator list files under job_connection ("xuất khẩu lao động"), not employment at home
LABOUR_EXPORT_RE = re.compile(
    r"lam viec (?:o|tai) nuoc ngoai|lao dong (?:o |di )?nuoc ngoai|xuat khau lao dong"
)
# The same poverty target said as a share or as a count ("0,56% (tương đương 82 hộ)")
COUNTERPART = {
    "poverty_rate": "poor_households", "poverty_reduction": "poor_households_reduction",
    "near_poor_rate": "near_poor_households",
    "near_poor_reduction": "near_poor_households_reduction",
    "new_poor_rate": "new_poor_households",
}
COUNTERPART.update({v: k for k, v in list(COUNTERPART.items())})
# A level indicator with a reduction amount is the reduction indicator, and back
LEVEL_TO_REDUCTION = {
    "poverty_rate": "poverty_reduction", "poor_households": "poor_households_reduction",
    "near_poor_rate": "near_poor_reduction",
    "near_poor_households": "near_poor_households_reduction",
}
REDUCTION_TO_LEVEL = {v: k for k, v in LEVEL_TO_REDUCTION.items()}
POVERTY_FAMILY = {"poverty_rate", "poverty_reduction", "poor_households",
                  "poor_households_reduction", "near_poor_rate", "near_poor_reduction",
                  "near_poor_households", "near_poor_households_reduction", "new_poor_rate",
                  "new_poor_households", "households_escaping"}
UNIT_NAMES = set(UNITS.values())


@dataclass
class _Context:
    facts: DocumentFacts
    year: str | None


def _is_situation(section: str, plan_start: int | None = None) -> bool:
    """A section of the current situation (baselines), unless it also announces targets.

    "TÌNH HÌNH ...", "THỰC TRẠNG ...", "ĐÁNH GIÁ ...", and "KẾT QUẢ ..." about years before
    the plan ("KẾT QUẢ GIẢM NGHÈO NĂM 2023" in a 2024 plan).
    """
    f = fold(section)
    if TARGET_SECTION_RE.search(f):
        return False
    if SITUATION_RE.search(f):
        return True
    return bool(RESULTS_RE.search(f)) and _only_past_years(f, plan_start)


def _in_situation(block: Block, plan_start: int | None) -> bool:
    """Under a situation section, or a situation part ("Phần thứ nhất: KẾT QUẢ ...") whose own
    section does not announce targets."""
    if _is_situation(block.section, plan_start):
        return True
    if not block.part or block.part == block.section:
        return False
    return _is_situation(block.part, plan_start) and not TARGET_SECTION_RE.search(
        fold(block.section))


def _only_past_years(folded: str, plan_start: int | None) -> bool:
    """True when `folded` names years and all of them fall before the plan starts."""
    years = [int(y) for y in re.findall(r"\b(20\d\d)\b", folded)]
    return bool(years and plan_start) and max(years) < plan_start




def _doc_year(facts: DocumentFacts) -> str | None:
    if facts.period_start and facts.period_end and facts.period_start != facts.period_end:
        return f"{facts.period_start}-{facts.period_end}"
    if facts.period_start:
        return str(facts.period_start)
    return str(facts.issue_year) if facts.issue_year else None


def extract_targets(
    pages: list[Page], facts: DocumentFacts | None = None, structure: Structure | None = None
) -> list[TargetRecord]:
    """All targets of a document, in reading order."""
    facts = facts or DocumentFacts()
    structure = structure or parse_structure(pages)
    ctx = _Context(facts, _doc_year(facts))
    by_number = {p.number: p for p in pages}
    out: list[TargetRecord] = []
    for block in structure.blocks:
        if block.kind == "table_row":
            continue
        if _in_situation(block, facts.period_start):
            continue
        out.extend(_block_targets(by_number[block.page], block, ctx))
    for table in structure.tables:
        if _in_situation(table.rows[0], facts.period_start):
            continue
        out.extend(_table_targets(by_number, table, ctx))
    out.sort(key=lambda t: (t.grounding.page, t.grounding.char_start))
    return out


# --- prose -----------------------------------------------------------------------------


def _clause_bounds(folded: str, start: int, end: int, lo: int, hi: int) -> tuple[int, int]:
    """The clause around [start, end) within [lo, hi): cut at ';', sentence ends, bullets."""
    left = lo
    for m in CLAUSE_BREAK_RE.finditer(folded, lo, start):
        left = m.end()
    right = hi
    m = CLAUSE_BREAK_RE.search(folded, end, hi)
    if m:
        right = m.start()
    return left, right


def _best_indicator(mentions: list[Mention], lo: int, hi: int, anchor: int) -> str | None:
    cands = [m for m in mentions if m.label == "IND" and m.start >= lo and m.end <= hi]
    if not cands:
        return None
    best = min(cands, key=lambda m: (PRIORITY.get(m.key, 999), abs(m.start - anchor)))
    return best.key


def _subject(mentions: list[Mention], lo: int, hi: int, anchor: int) -> str | None:
    cands = [m for m in mentions if m.label == "SUBJ" and m.start >= lo and m.end <= hi]
    if not cands:
        return None
    after = [m for m in cands if m.start >= anchor]
    pool = after or cands
    first = min(pool, key=lambda m: (abs(m.start - anchor), -(m.end - m.start)))
    return SUBJECTS.get(first.key, first.key)


def _comparator(
    q: Quantity, before: str, after: str, clause_before: str, sentence_before: str = ""
) -> str:
    if q.form == "reduce_to":
        return "reduce_to"
    if q.form == "range":
        return "range"
    b = before.rstrip()
    bound = bound_before(b)
    if bound:
        return bound
    if re.match(r"^\s*tro len\b", after):
        return ">="
    if re.match(r"^\s*tro xuong", after):
        return "<="
    if re.search(r"\bxuong\s*(con)?\s*$", b):
        return "reduce_to"
    if re.search(r"\bcon\s*(lai)?\s*$", b):  # "giảm ... còn 2%": the level reached
        return "reduce_to" if GIAM_RE.search(sentence_before or clause_before) else "="
    if GIAM_RE.search(clause_before) and not re.search(r"\bxuong\b", clause_before):
        return "reduce_by"
    return "="


# Words before a figure that bound it, negated forms first ("không dưới" is >=, not <).
BOUNDS_BEFORE = (
    (r"khong (?:duoi|thap hon|it hon|kem hon)", ">="),
    (r"khong (?:vuot qua|vuot|qua|cao hon|hon|nhieu hon|lon hon)", "<="),
    (r"toi da|nhieu nhat|cao nhat", "<="),
    (r"toi thieu|it nhat|thap nhat|tu", ">="),
    (r"duoi|thap hon|it hon|nho hon|chua den", "<"),
    (r"tren|hon|vuot|cao hon|nhieu hon|lon hon", ">"),
)


def bound_before(folded_before: str) -> str | None:
    """The comparator that the words just before a figure set ("không dưới" -> ">="), if any."""
    b = folded_before.rstrip()
    for words, comparator in BOUNDS_BEFORE:
        if re.search(rf"\b(?:{words})\s*$", b):
            return comparator
    return None


def _poverty_code(q: Quantity, comparator: str, clause: str, code: str | None) -> str | None:
    """Poverty indicators from unit, verb and subject when no keyword decided otherwise."""
    near = "can ngheo" in clause and "ho ngheo" not in clause.replace("ho can ngheo", "")
    if code in ("near_poor_rate",):
        near = True
    if code not in (None, "poverty_rate", "near_poor_rate"):
        return code
    if "ngheo" not in clause and code is None:
        return None
    reducing = comparator == "reduce_by" or (
        comparator in ("range", ">=", ">") and GIAM_RE.search(clause)
        and not re.search(r"\bxuong\b", clause)
    )  # "giảm từ 1,5% trở lên", "giảm ít nhất 50 hộ": amounts of reduction
    increasing = re.search(r"\b(tang|phat sinh|tai ngheo)\b", clause) and not reducing
    if q.unit == "%":
        if increasing:
            return "new_poor_rate"
        if reducing:
            return "near_poor_reduction" if near else "poverty_reduction"
        if code or comparator in ("reduce_to", "<", "<=") or "ty le" in clause:
            return "near_poor_rate" if near else "poverty_rate"
        return None
    if q.unit == "hộ":
        if increasing:
            return "new_poor_households"
        if re.search(r"(?<!moi )thoat ngheo", clause) and not reducing:
            return "households_escaping"
        if reducing:
            return "near_poor_households_reduction" if near else "poor_households_reduction"
        return "near_poor_households" if near else "poor_households"
    return code


def _is_support_rate(q: Quantity, before: str, after: str) -> bool:
    """Support levels are not objectives: "hỗ trợ 100% chi phí", "miễn phí 100%", "40 triệu/hộ"."""
    if SUPPORT_AFTER_RE.match(after):
        return True
    if q.unit == "%" and SUPPORT_BEFORE_RE.search(before) and re.match(r"^\s*([.;,)]|$)", after):
        return True
    return bool(q.unit and "đồng" in q.unit and re.match(r"^\s*/", after))


def _resolve_indicator(
    q: Quantity, comparator: str, clause: str, tight: str | None, wide: str | None,
    prev: tuple[Quantity, str, str] | None, prev_code: str | None, inherited: bool,
) -> str:
    """The indicator of one figure: keywords of its clause first (then of its sentence), the
    unit (m², money), the poverty family by unit and verb, and what the previous figure said
    when this one restates or continues it."""
    code = tight or wide
    if q.unit == "m²/người":
        code = "housing_area"
    elif q.unit and "đồng" in q.unit or q.unit == "lần":
        if tight in ("credit", "income"):
            code = tight
        else:
            code = "income" if "/" in (q.unit or "") or q.unit == "lần" else "budget"
    else:
        code = _poverty_code(q, comparator, clause, code)
    if code is None and prev is not None and prev_code in POVERTY_FAMILY and "ngheo" not in clause:
        # "(giảm 2,1% so với đầu năm)", "đến cuối năm còn dưới 7%": the same subject goes on
        code = _poverty_code(q, comparator, prev[2] + " " + clause, None)
    if inherited and prev is not None and prev_code in COUNTERPART and code in (
        None, "other", *POVERTY_FAMILY
    ) and (prev[0].unit == "%") != (q.unit == "%"):
        code = COUNTERPART[prev_code]  # "0,56% hộ nghèo (tương đương 82 hộ)"
    if comparator == "reduce_by" and code in LEVEL_TO_REDUCTION:
        code = LEVEL_TO_REDUCTION[code]
    elif comparator in (">=", ">") and code in LEVEL_TO_REDUCTION and GIAM_RE.search(clause) \
            and not re.search(r"\bxuong\b", clause):
        code = LEVEL_TO_REDUCTION[code]
    elif comparator in ("reduce_to", "<", "<=") and code in REDUCTION_TO_LEVEL:
        code = REDUCTION_TO_LEVEL[code]
    if code is None and prev_code and re.match(r"^\W*trong do\b", clause):
        code = prev_code  # "..., trong đó có chứng chỉ đạt 30%": a part of the same figure
    return code or "other"


def _block_targets(page: Page, block: Block, ctx: _Context) -> list[TargetRecord]:
    """Targets of one paragraph, bullet or heading: one per figure with a unit."""
    text = page.text[block.start:block.end]
    folded = fold(text)
    quantities = find_quantities(folded)
    if not quantities:
        return []
    mentions = find_mentions(text)
    out: list[TargetRecord] = []
    prev: tuple[Quantity, str, str] | None = None  # quantity, comparator, clause of the last one
    prev_code: str | None = None
    for i, q in enumerate(quantities):
        lo = quantities[i - 1].end if i else 0
        hi = quantities[i + 1].start if i + 1 < len(quantities) else len(folded)
        before = folded[max(lo, q.start - 40):q.start]
        after = folded[q.end:min(hi, q.end + 40)]
        if _is_support_rate(q, before, after):
            continue
        share_of_prev = False
        if SITUATION_BEFORE_RE.search(before):
            # "(chiếm 2,8%)" right after a target restates it as a share; elsewhere a situation
            if prev is None or prev_code == "other" or q.start - prev[0].end > 30:
                continue
            share_of_prev = True
        c_lo, c_hi = _clause_bounds(folded, q.start, q.end, 0, len(folded))
        t_lo, t_hi = max(c_lo, lo), min(c_hi, hi)
        clause = folded[t_lo:t_hi]
        inherited = prev is not None and (share_of_prev or re.search(
            r"(tuong\s*duong|tuong\s*ung)\s*(voi\s*)?(giam\s*)?$", before))
        if inherited and prev is not None:
            comparator = prev[1] if q.form == "single" else _comparator(q, before, after, "")
            if q.form == "single" and re.search(r"\bgiam\s*$", before):
                comparator = "reduce_by"
            clause = prev[2] + " " + clause
        else:
            comparator = _comparator(q, before, after, folded[t_lo:q.start],
                                     folded[c_lo:q.start])
        tight = _best_indicator(mentions, t_lo, t_hi, q.start)
        if LABOUR_EXPORT_RE.search(folded[t_lo:t_hi]) and q.unit in ("người", "lao động"):
            tight = "job_connection"
        wide = None if inherited else _best_indicator(mentions, max(lo, c_lo - 400), hi, q.start)
        code = _resolve_indicator(q, comparator, clause, tight, wide,
                                  prev if inherited or prev_code in POVERTY_FAMILY else None,
                                  prev_code, inherited)
        if code == "housing_area":
            if q.unit == "m²/người" and comparator == "=" and re.search(
                r"toi thieu|tro len", folded[t_lo:t_hi]
            ):
                comparator = ">="
            elif q.unit == "%" and comparator == ">=":
                comparator = "="  # "80% hộ ... diện tích tối thiểu 8m²": the bound is on the area
        prev_code = code
        prev = (q, comparator, clause)
        subject = None if code == "budget" else _subject(mentions, t_lo, t_hi, q.start)
        year = _year_in(folded[q.end:t_hi]) or _year_in(folded[t_lo:q.start]) or ctx.year
        g_lo = t_lo + len(folded[t_lo:t_hi]) - len(folded[t_lo:t_hi].lstrip(" -+•*\t\n"))
        g_hi = t_hi - (len(folded[t_lo:t_hi]) - len(folded[t_lo:t_hi].rstrip(" .,;:\t\n")))
        if g_hi <= g_lo:
            g_lo, g_hi = q.start, q.end
        ind = BY_CODE.get(code)
        out.append(TargetRecord(
            indicator=code,
            dimension=ind.dimension if ind else None,
            subject=subject,
            comparator=comparator,
            value=q.value,
            value_max=q.value_max,
            baseline=q.baseline,
            unit=q.unit,
            year=year,
            locality=ctx.facts.locality,
            grounding=ground(page, block.start + g_lo, block.start + g_hi),
            confidence=(0.6 if code == "other" else 0.85) * (1.0 if page.text_mode == "clean" else 0.85),
        ))
    return out


def _year_in(folded_clause: str) -> str | None:
    """The year a target is for; "so với năm 2023" names the baseline year, not it."""
    for m in re.finditer(r"\b(?:den |cuoi |trong )?nam\s+(20\d\d)\b", folded_clause):
        if not re.search(r"(so voi|tu)\s*$", folded_clause[:m.start()]):
            return m.group(1)
    return None


# --- tables ----------------------------------------------------------------------------


def _is_number(s: str) -> bool:
    """A cell holding one unsigned figure ("1.411", "9,92")."""
    return bool(re.fullmatch(r"\d+(?:[.,]\d+)*", s.strip())) and parse_value(s) is not None


def _is_index_row(row: Block) -> bool:
    cells = [c.text for c in row.cells if c.text]
    return bool(cells) and all(len(c) <= 7 and re.fullmatch(r"[A-Za-z0-9=+\-()]+", c) for c in cells)


def _name_col(headers: list[list[str]], width: int) -> int:
    for c in range(width):
        for h in headers:
            if c < len(h) and re.search(r"don vi|dia phuong|xa,|ten|phuong|^xa", fold(h[c])):
                return c
    return 1 if width > 1 else 0


def _table_targets(pages: dict[int, Page], table: Table, ctx: _Context) -> list[TargetRecord]:
    rows = table.rows
    width = max(len(r.cells) for r in rows)
    header_rows: list[Block] = []
    data_rows: list[Block] = []
    for r in rows:
        nums = sum(_is_number(c.text) for c in r.cells)
        has_name = any(len(re.sub(r"[^\w]", "", c.text)) >= 3 and not _is_number(c.text)
                       for c in r.cells)
        if _is_index_row(r):
            continue
        if nums >= 2 and has_name:
            data_rows.append(r)
        elif not data_rows:
            header_rows.append(r)
    if not header_rows or not data_rows:
        return []
    headers: list[list[str]] = []
    raw_prev: list[str] = [""] * width
    for r_i, h in enumerate(header_rows):
        raw = [h.cells[c].text if c < len(h.cells) else "" for c in range(width)]
        filled, last = [], ""
        for c in range(width):
            if raw[c]:
                last = raw[c]
            elif r_i and raw_prev[c]:
                last = ""  # a new column opened above: a span of this row cannot reach it
            filled.append(raw[c] or last)
        headers.append(filled)
        raw_prev = [raw[c] or raw_prev[c] for c in range(width)]
    desc = [fold(" | ".join(h[c] for h in headers)) for c in range(width)]
    if any(re.search(r"don vi tinh|\bdvt\b", d) for d in desc):
        return _indicator_rows_targets(pages, data_rows, desc, ctx)
    if not any("ngheo" in d for d in desc):
        return []
    name_col = _name_col([[h.cells[c].text if c < len(h.cells) else "" for c in range(width)]
                          for h in header_rows], width)

    def kind(d: str) -> str:
        if re.search(r"dan so|tong so ho|so ho dan|theo nhom|\btt\b|stt", d) and "giam" not in d:
            return "skip"
        if re.search(r"(?<!moi )thoat ngheo", d.split("|")[-1]):
            return "escape"
        if GIAM_RE.search(d) or re.search(r"\bgiam\b", d.split("|")[-1]):
            return "reduce"
        past_year = _only_past_years(d, ctx.facts.period_start)
        if re.search(r"ke hoach|chi tieu|muc tieu|du kien", d) and not past_year:
            return "level"
        if re.search(r"cuoi nam", d) and not past_year:
            return "level"
        if "ngheo" in d or "ty le" in d or "%" in d or "dau nam" in d:
            return "base"
        return "skip"

    kinds = [kind(d) if c != name_col else "name" for c, d in enumerate(desc)]
    if not any(k in ("reduce", "level", "escape") for k in kinds):
        return []

    def is_pct(d: str) -> bool:
        return "ty le" in d or "%" in d or "ti le" in d

    def is_near(d: str) -> bool:
        return "can ngheo" in d

    def base_col(pct: bool, near: bool) -> int | None:
        for c, k in enumerate(kinds):
            if k == "base" and is_pct(desc[c]) == pct and is_near(desc[c]) == near:
                return c
        return None

    out: list[TargetRecord] = []
    for r in data_rows:
        cells = r.cells
        name = cells[name_col].text if name_col < len(cells) else ""
        locality = _row_locality(name, ctx)
        for c, k in enumerate(kinds):
            if k not in ("reduce", "level", "escape") or c >= len(cells) or not _is_number(
                cells[c].text
            ):
                continue
            d = desc[c]
            pct, near = is_pct(d), is_near(d)
            value = parse_value(cells[c].text)
            baseline = None
            if k == "escape":
                code, comparator = "households_escaping", "="
            elif k == "level":
                bc = base_col(pct, near)
                if bc is not None and bc < len(cells) and _is_number(cells[bc].text):
                    baseline = parse_value(cells[bc].text)
                code = ("near_poor_rate" if near else "poverty_rate") if pct else (
                    "near_poor_households" if near else "poor_households")
                comparator = "reduce_to"
            else:
                code = ("near_poor_reduction" if near else "poverty_reduction") if pct else (
                    "near_poor_households_reduction" if near else "poor_households_reduction")
                comparator = "reduce_by"
            ym = re.search(r"\b(20\d\d)\b", d)
            cell = cells[c]
            out.append(TargetRecord(
                indicator=code, dimension=None,
                subject="hộ cận nghèo" if near else "hộ nghèo",
                comparator=comparator, value=value, value_max=None, baseline=baseline,
                unit="%" if pct else "hộ", year=ym.group(1) if ym else ctx.year,
                locality=locality, grounding=ground(pages[r.page], cell.start, cell.end),
                confidence=0.9,
            ))
    return out


_CELL_RE = re.compile(
    r"^\s*(?P<op><=|>=|≤|≥|<|>|khong duoi|khong thap hon|khong vuot qua|khong qua|duoi|tren"
    r"|toi thieu|it nhat|toi da)?\s*"
    r"(?P<num>\d+(?:[.,]\d+)*)\s*(?P<pct>%)?\s*(?P<more>tro len)?\s*$"
)
_CELL_OPS = {"<=": "<=", "≤": "<=", "toi da": "<=", "khong qua": "<=", "khong vuot qua": "<=",
             "khong duoi": ">=", "khong thap hon": ">=", ">=": ">=", "≥": ">=",
             "toi thieu": ">=", "it nhat": ">=", "<": "<", "duoi": "<", ">": ">", "tren": ">"}


def _indicator_rows_targets(
    pages: dict[int, Page], data_rows: list[Block], desc: list[str], ctx: _Context
) -> list[TargetRecord]:
    """A table of indicators ("Chỉ tiêu | Đơn vị tính | Kế hoạch 2024"): one target per value."""
    unit_col = next(c for c, d in enumerate(desc) if re.search(r"don vi tinh|\bdvt\b", d))
    name_col = next((c for c, d in enumerate(desc)
                     if re.search(r"chi tieu|noi dung|ten|muc tieu", d) and c != unit_col), 1)
    past_words = re.compile(r"thuc hien|\buoc\b|hien trang|co so|nam truoc|dau ky")

    def is_past(d: str) -> bool:
        """A past column: its words say so, or every year it names is before the plan."""
        return bool(past_words.search(d)) or _only_past_years(d, ctx.facts.period_start)

    planned = re.compile(r"20\d\d|ke hoach|chi tieu|muc tieu|phan dau|giai doan|nam")
    value_cols = [c for c, d in enumerate(desc) if c not in (unit_col, name_col)
                  and planned.search(d) and not is_past(d) and not re.search(r"\btt\b|stt", d)]
    base_col = next((c for c, d in enumerate(desc) if is_past(d)), None)
    out: list[TargetRecord] = []
    for r in data_rows:
        cells = r.cells
        if max(name_col, unit_col) >= len(cells) or not cells[name_col].text:
            continue
        name = cells[name_col].text
        fname = fold(name)
        mentions = find_mentions(name)
        unit = _table_unit(cells[unit_col].text)
        baseline = None
        if base_col is not None and base_col < len(cells):
            bm = _CELL_RE.match(fold(cells[base_col].text))
            baseline = parse_value(bm.group("num")) if bm else None
        for c in value_cols:
            if c >= len(cells):
                continue
            m = _CELL_RE.match(fold(cells[c].text))
            if not m:
                continue
            cell_unit = "%" if m.group("pct") else unit
            if m.group("op"):
                comparator = _CELL_OPS[m.group("op")]
            elif m.group("more"):
                comparator = ">="
            elif re.search(r"\bduoi\s*$", fname):
                comparator = "<"
            elif GIAM_RE.search(fname) and not re.search(r"xuong|con\b", fname):
                comparator = "reduce_by"
            else:
                comparator = "reduce_to" if baseline is not None and GIAM_RE.search(fname) else "="
            value = parse_value(m.group("num"))
            if value is None:
                continue
            q = Quantity(cells[c].start, cells[c].end, value, cell_unit)
            code = _best_indicator(mentions, 0, len(name), 0)
            if cell_unit and ("đồng" in cell_unit):
                code = code if code in ("credit", "income") else "budget"
            else:
                code = _poverty_code(q, comparator, fname, code)
            if comparator == "reduce_by" and code in LEVEL_TO_REDUCTION:
                code = LEVEL_TO_REDUCTION[code]
            code = code or "other"
            ym = re.search(r"(20\d\d)\s*[-–]\s*(20\d\d)|(20\d\d)", desc[c])
            year = (f"{ym.group(1)}-{ym.group(2)}" if ym and ym.group(1) else
                    ym.group(3) if ym else ctx.year)
            ind = BY_CODE.get(code)
            out.append(TargetRecord(
                indicator=code, dimension=ind.dimension if ind else None,
                subject=_subject(mentions, 0, len(name), 0), comparator=comparator,
                value=q.value, value_max=None,
                baseline=baseline if comparator == "reduce_to" else None, unit=cell_unit,
                year=year, locality=ctx.facts.locality,
                grounding=ground(pages[r.page], cells[c].start, cells[c].end),
                confidence=0.8 if code != "other" else 0.5,
            ))
    return out


def _table_unit(text: str) -> str | None:
    """The unit written in a table's unit column ("%", "Hộ", "Triệu đồng", "m2/người")."""
    f = fold(text).strip()
    if not f:
        return None
    return canonical_unit(f) if canonical_unit(f) in UNIT_NAMES else text.strip().lower()


def _row_locality(name: str, ctx: _Context) -> str | None:
    """The locality a table row is about; the total row is the plan's own locality."""
    if not name.strip() or is_total_label(name):
        return ctx.facts.locality
    level, rest = split_level(name)
    if rest.isupper():
        rest = " ".join(w[:1] + w[1:].lower() for w in rest.split())
    return f"{level} {rest}" if level else rest
