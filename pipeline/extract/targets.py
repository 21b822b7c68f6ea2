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
- Tables: see target_tables.py (per-locality tables and tables of indicators).
- A figure the sentence reports rather than sets (a result, an estimate, an achievement ratio:
  "đạt 73,1 triệu đồng, bằng 94,2% kế hoạch", "Ước ... là 0,47%") is not a target: mood.py.
The grounding of a prose target is its clause; of a table target, its cell.
"""

from __future__ import annotations

import re

from pipeline.extract.indicators import BY_CODE
from pipeline.extract.mood import (
    ABBREVIATION_DOT,
    Figure,
    read_mood,
    sentence_bounds,
    sentence_mood,
)
from pipeline.extract.nlp import find_mentions
from pipeline.extract.quantities import SHARE_UNIT, Quantity, find_quantities
from pipeline.extract.target_rules import (
    CLAUSE_BREAK_RE,
    COUNTERPART,
    GIAM_RE,
    LABOUR_EXPORT_RE,
    LEVEL_TO_REDUCTION,
    POVERTY_FAMILY,
    REDUCTION_TO_LEVEL,
    SITUATION_BEFORE_RE,
    SUPPORT_AFTER_RE,
    SUPPORT_BEFORE_RE,
    TARGET_SECTION_RE,
    TargetContext,
    best_indicator,
    bound_before,
    doc_year,
    in_situation,
    poverty_code,
    subject_of,
    year_in,
)
from pipeline.extract.target_tables import table_targets
from pipeline.records import DocumentFacts, Page, TargetRecord
from pipeline.spans import ground
from pipeline.structure import Block, Structure, parse_structure
from pipeline.text import fold

# "0,56% (tương đương 82 hộ)", "tương ứng với giảm 60 hộ": the same target said again
RESTATES_RE = re.compile(r"(tuong\s*duong|tuong\s*ung)\s*(voi\s*)?(giam\s*)?$")


def extract_targets(
    pages: list[Page], facts: DocumentFacts | None = None, structure: Structure | None = None
) -> list[TargetRecord]:
    """All targets of a document, in reading order."""
    facts = facts or DocumentFacts()
    structure = structure or parse_structure(pages)
    ctx = TargetContext(facts, doc_year(facts))
    by_number = {p.number: p for p in pages}
    out: list[TargetRecord] = []
    for block in structure.blocks:
        if block.kind == "table_row":
            continue
        if in_situation(block, facts.period_start):
            continue
        out.extend(_block_targets(by_number[block.page], block, ctx))
    for table in structure.tables:
        if in_situation(table.rows[0], facts.period_start):
            continue
        out.extend(table_targets(by_number, table, ctx))
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



def _parenthesis_parent(folded: str, quantities: list[Quantity], k: int) -> int | None:
    """The figure whose parenthesis figure k stands in ("giảm từ 52,9% (trong đó: tỷ lệ hộ
    nghèo là 38,2%; ...)": 38,2% details 52,9%), or None."""
    depth, pos = 0, quantities[k].start
    while pos > 0:
        pos -= 1
        if folded[pos] == ")":
            depth += 1
        elif folded[pos] == "(":
            if depth == 0:
                break
            depth -= 1
        elif folded[pos] in ".\n":
            return None
    else:
        return None
    before = [j for j in range(k) if quantities[j].end <= pos]
    # right after the figure, or after its bound ("tăng từ 3% trở lên (để đạt 84% trở lên)")
    return before[-1] if before and re.fullmatch(
        r"\s*(?:tro\s+(?:len|xuong))?\s*", folded[quantities[before[-1]].end:pos]) else None


# Words of their own that a figure in a list may have: then it does not continue the list's verb
_OWN_VERB = re.compile(r"\b(?:dat|giam|tang|co|con|duoi|tren|toi|it nhat|khong|xuong|tu|ho tro|"
                       r"dao tao|giai quyet|xay dung|xay moi|sua chua|to chuc|tap huan|cap|"
                       r"trien khai|dua)\b")
_SETS_AGAIN = re.compile(r"\b(?:phan dau|muc tieu|chi tieu|ke hoach|den nam|vao nam)\b")


def _elliptical(gap: str) -> bool:
    """The figure after `gap` is said in the same breath as the one before ("có 1.068 hộ nghèo,
    chiếm 22,11%; 111 hộ cận nghèo"): no verb or target word of its own between them."""
    gap = ABBREVIATION_DOT.sub(" ", re.sub(r"\bchiem(?:\s+ty\s+le)?\b", " ", gap))
    return len(gap) <= 60 and "." not in gap and not _OWN_VERB.search(gap) and not (
        _SETS_AGAIN.search(gap))


def _continues_list(gap: str) -> bool:
    """The figure after `gap` goes on with the verb of the figure before: only its subject and
    "và", ",", ";" or "(trong đó" between ("giảm 5.238 hộ, tỷ lệ khoảng 37,96%", "giảm tỷ lệ
    hộ nghèo 1,5%/năm; hộ cận nghèo 1%/năm")."""
    gap = ABBREVIATION_DOT.sub(" ", re.sub(r"\(\s*trong\s+do\s*:?", ",", gap))
    if len(gap) > 45 or re.search(r"[:.]", gap) or _OWN_VERB.search(gap):
        return False
    if ";" in gap:  # a new clause goes on only with a subject of its own before the figure (not
        # an object after its verb: "; đào tạo nghề cho 1.200 lao động")
        rest = gap.rsplit(";", 1)[1]
        return bool(re.search(r"[a-z]", rest)) and not re.search(r"\b(?:cho|tai|o|voi|den)\s*$", rest)
    return bool(re.search(r"\bva\b|,|\bty le\b", gap))


def _comparator(
    q: Quantity, before: str, after: str, clause_before: str, sentence_before: str = ""
) -> str:
    # a line may end anywhere ("tối\nthiểu", "trở\nlên"): the words are read across it
    before, after, clause_before, sentence_before = (
        re.sub(r"\s+", " ", s) for s in (before, after, clause_before, sentence_before))
    if q.form == "reduce_to":
        return "reduce_to"
    if q.form == "range":
        return "range"
    if q.form == "increase_to":  # "nâng từ 85% lên 90%": the level, its baseline kept
        return "="
    if q.form == "increase_above":  # "từ 85% lên trên 90%"
        return ">"
    b = before.rstrip()
    # "tối thiểu mỗi nhà 10 triệu đồng": the bound stands before a per-unit phrase
    bound = bound_before(b) or bound_before(re.sub(r"\b(?:cho\s+)?moi\s+[a-z]+\s*$", "", b))
    if bound:
        return bound
    if re.match(r"^\s*(?:(?:ke hoach|chi tieu|du toan|so voi \S+(?: \S+)?)\s+)?tro len\b", after):
        return ">="
    if re.match(r"^\s*tro xuong", after):
        return "<="
    if re.search(r"\bxuong\s*(con)?\s*$", b):
        return "reduce_to"
    if re.search(r"\bcon\s*(lai)?\s*$", b):  # "giảm ... còn 2%": the level reached
        return "reduce_to" if GIAM_RE.search(sentence_before or clause_before) else "="
    if re.search(r"\bcon\s+lai\b[^;]*\bla\s*$", b):  # "tỷ lệ còn lại đến cuối năm là 1,52%"
        return "reduce_to"
    if re.search(r"\bthem\s*$", b) or (re.search(r"\btang\s*$", b) and q.unit not in (
            "%", "lần", SHARE_UNIT)) or (q.unit == "%" and re.search(r"\btang\s*$", b) and re.search(
            r"\bt[iy] le\b", clause_before)):
        return "increase_by"  # "tăng thêm 20 thôn", "có thêm 2 xã", "tỷ lệ ... tăng 5%" (points);
        # a growth rate "GDP tăng 7%" is the level of growth, "="
    if GIAM_RE.search(clause_before) and not re.search(r"\bxuong\b", clause_before):
        return "reduce_by"
    if q.unit == "%" and re.search(r"\b(?:ty le|chi tieu|muc) giam ngheo\b", clause_before):
        return "reduce_by"  # "chỉ tiêu giảm nghèo bình quân ... là 1%/năm"
    if q.unit == "nhà" and re.search(r"\bxoa\b", clause_before):
        return "reduce_by"  # "xóa 40 nhà tạm"
    return "="


# Words before a figure that bound it, negated forms first ("không dưới" is >=, not <).

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
        code = poverty_code(q, comparator, clause, code)
    if code is None and tight is None and wide is None and q.unit in ("%", "hộ") and (
            comparator == "reduce_by" or GIAM_RE.search(clause)):
        code = poverty_code(q, comparator, clause + " ho ngheo", None)  # "giảm 10,18%": poverty
    if code is None and prev is not None and prev_code in POVERTY_FAMILY and "ngheo" not in clause:
        # "(giảm 2,1% so với đầu năm)", "đến cuối năm còn dưới 7%": the same subject goes on
        code = poverty_code(q, comparator, prev[2] + " " + clause, None)
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



# Where the next item of a list begins after a figure: a new measure after a comma
_NEXT_ITEM_RE = re.compile(r"\s*[,;]\s*(?:va\s+)?(?:ty le|ti le|so|tong|thu nhap|muc|toc do)\b")
# "còn 63 nhà tạm ... quyết tâm xóa hết số nhà tạm này": the plan sets the whole stock to go
_ELIMINATES_RE = re.compile(
    r"\b(?:phan dau|quyet tam|muc tieu|ke hoach|chi tieu)\b[^.;]*\b(?:xoa|giai quyet|xu ly)\s+"
    r"(?:het|toan bo|dut diem)\b")
_FORWARD_SECTION_RE = re.compile(r"muc tieu|chi tieu|phuong huong|nhiem vu|ke hoach")


def _moods(text: str, folded: str, quantities: list[Quantity], block: Block,
           ctx: TargetContext) -> list[str]:
    """Per figure: "set" (a target), "reported" (a result, an estimate, a baseline) or
    "eliminated" (a stock the sentence sets to clear). A figure with no cue of its own takes the
    mood its sentence's cues give; a figure in a parenthesis takes the mood of the figure it
    details; one said in the same breath as a result is a result too."""
    report = ctx.facts.doc_type == "Báo cáo"  # a report of results: its targets are announced
    section = fold(block.section)
    in_targets = bool(TARGET_SECTION_RE.search(section) or (
        report and _FORWARD_SECTION_RE.search(section)))
    figures = [Figure(q.start, q.end, q.value) for q in quantities]
    # the plan's first year tells a past frame from a planned one; a page that is no document
    # (a news page) has none, whatever years it names
    plan_start = ctx.facts.period_start if ctx.facts.doc_type else None
    sentences = [sentence_bounds(folded, q.start, q.end) for q in quantities]
    readings = []
    for i in range(len(quantities)):
        story = any(r.reported and r.by == "cue" and quantities[j].end <= sentences[i][0]
                    for j, r in enumerate(readings))
        readings.append(read_mood(text, folded, figures, i, plan_start=plan_start,
                                  in_target_section=in_targets, reports_by_default=report,
                                  story_reported=story and not in_targets))
    moods: list[str] = []
    for i, q in enumerate(quantities):
        before = folded[max(quantities[i - 1].end if i else 0, q.start - 40):q.start]
        restates = bool(RESTATES_RE.search(before) or SITUATION_BEFORE_RE.search(before))
        parent = _parenthesis_parent(folded, quantities, i)
        reported = readings[i].reported
        if readings[i].by == "default" and not in_targets:
            told = sentence_mood([r for j, r in enumerate(readings) if sentences[j] == sentences[i]
                                  and _parenthesis_parent(folded, quantities, j) is None])
            reported = reported if told is None else told
        reported = reported or (parent is not None and moods[parent] == "reported") or (
            i > 0 and moods[i - 1] == "reported" and (
                restates or _elliptical(folded[quantities[i - 1].end:q.start])))
        if reported and re.search(r"\bcon\s*$", before) and _ELIMINATES_RE.search(
                folded[q.end:sentences[i][1]]):
            moods.append("eliminated")
        else:
            moods.append("reported" if reported else "set")
    return moods


_COMMA_RE = re.compile(r"[,;]")


_PLACE_UNITS = ("xã", "thôn", "bản", "làng", "trường", "trạm", "khu dân cư", "cơ sở")


def _where_done(q: Quantity, before: str) -> bool:
    """ "lắp đặt loa truyền thanh tại 05 bản", "tổ chức tại 3 xã": where a task is done, not an
    objective."""
    return q.unit in _PLACE_UNITS and bool(re.search(r"\b(?:tai|o)\s*(?:cac\s*)?$", before))


def _names_a_place(q: Quantity, text: str) -> bool:
    """ "2\tBản Trò A", "3 Xã Phú Lộc": a row number before a place's name, no count of places."""
    unit_at = re.search(r"[^\W\d_]", text[q.start:q.end])
    if q.unit not in _PLACE_UNITS or unit_at is None:
        return False
    word_at = q.start + unit_at.start()
    return text[word_at].isupper() and bool(re.match(r"\S+\s+[A-ZĐÀ-Ỹ]", text[word_at:q.end + 20]))


def _label_start(folded: str, t_lo: int) -> int:
    """ "Thu nhập bình quân đầu người/năm đến năm 2025: 60 triệu đồng": a clause that follows a
    label's colon reads the label too (its line start); else where it starts."""
    if re.search(r":\s*$", folded[max(0, t_lo - 3):t_lo]):
        return folded.rfind("\n", 0, t_lo) + 1
    return t_lo


def _own_subject(folded: str, t_lo: int, start: int, clause: str) -> str:
    """The clause from the last comma before the figure when that part names its own poverty
    subject ("tỷ lệ hộ nghèo, hộ cận nghèo giảm 7 - 8%": the near-poor; "Số hộ khá tăng, số hộ
    nghèo dưới 0,68%": no rise in poverty)."""
    commas = [m.end() for m in _COMMA_RE.finditer(folded, t_lo, start)]
    if commas and "ngheo" in folded[commas[-1]:start]:
        return clause[commas[-1] - t_lo:]
    return clause


# a clause that only moves the same measure to another time: "...; đến năm 2030 đạt 50%",
# ", năm 2025 là 3%", "; giai đoạn 2026-2030 trên 60%"
_NEW_HORIZON_ONLY = re.compile(
    r"^\W*(?:va\s+)?(?:du\s+kien\s+)?(?:(?:den|vao|trong|cuoi|den\s+cuoi|den\s+het)\s+)?"
    r"(?:nam\s+20\d\d|giai\s+doan\s+20\d\d\s*[-–]\s*20\d\d)\s*[,:]?\s*"
    r"(?:(?:dat|la|con|giam|tang|len|xuong|phan\s+dau)\s+(?:con\s+|xuong\s+|len\s+)?)?"
    r"(?:(?:toi\s+thieu|toi\s+da|tren|duoi|it\s+nhat|khong\s+qua|tu)\s*)?$")


def _carried_on(code: str, q: Quantity, i: int, folded: str, quantities: list[Quantity],
                codes: dict[int, str], prev: tuple[Quantity, str, str] | None,
                prev_code: str | None) -> str:
    """A figure that names no indicator of its own goes on with the one it details ("giảm từ
    1-2% (còn dưới 16%)", "58,9% (66/112 thôn)") or the list it continues ("xóa 40 nhà tạm và
    năm 2023 là 23 nhà", "Minh Hóa 6,5-7,2%; Tuyên Hóa 4,5-5,0%")."""
    if code != "other":
        return code
    parent = _parenthesis_parent(folded, quantities, i)
    source = codes.get(parent) if parent is not None else None
    gap = folded[prev[0].end:q.start] if prev is not None else ""
    if source is None and prev_code and (_elliptical(gap) and re.search(
            r"[a-z]", re.split(r"[;,]", gap)[-1]) or _NEW_HORIZON_ONLY.match(re.split(r"[;,]", gap)[-1])):
        source = prev_code  # "; Tuyên Hóa 4,5%", "; đến năm 2030 đạt 50%"; not "; 100% hộ ... được"
    if source is None or source == "other":
        return code
    earlier = quantities[parent] if parent is not None else prev[0] if prev else None
    if earlier is not None and (earlier.unit == "%") != (q.unit == "%") and source in COUNTERPART:
        return COUNTERPART[source]
    return source


def _said_again(folded: str, offset: int, earlier: TargetRecord, code: str, comparator: str,
                q: Quantity) -> bool:
    """The same target said again in other words ("... xuống còn 24,91% hoặc tỷ lệ hộ nghèo
    giảm còn 24,91%"): one record."""
    same = (earlier.indicator, earlier.comparator, earlier.value, earlier.unit) == (
        code, comparator, q.value, q.unit)
    between = folded[max(0, earlier.grounding.char_start - offset):q.start]
    return same and bool(re.search(r"\bhoac\b", between)) and "." not in between


def _block_targets(page: Page, block: Block, ctx: TargetContext) -> list[TargetRecord]:
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
    moods = _moods(text, folded, quantities, block, ctx)
    # " - Hộ có nhà tiêu ...": a bullet inside a line starts a clause of its own
    inline = [m.start() for m in re.finditer(r"\s[-–+]\s+(?=[A-ZĐÀ-Ỹ])", text)]
    codes: dict[int, str] = {}
    prev_own_code: str | None = None
    for i, q in enumerate(quantities):
        lo = quantities[i - 1].end if i else 0
        hi = quantities[i + 1].start if i + 1 < len(quantities) else len(folded)
        before = folded[max(lo, q.start - 40):q.start]
        after = folded[q.end:min(hi, q.end + 40)]
        if moods[i] == "reported" or _is_support_rate(q, before, after) or _where_done(
                q, before) or _names_a_place(q, text):
            continue
        share_of_prev = False
        if SITUATION_BEFORE_RE.search(before):
            # "(chiếm 2,8%)" right after a target restates it as a share; elsewhere a situation
            if prev is None or prev_own_code == "other" or q.start - prev[0].end > 30:
                continue
            share_of_prev = True
        c_lo, c_hi = _clause_bounds(folded, q.start, q.end, 0, len(folded))
        c_lo = max([c_lo, *(b + 1 for b in inline if b < q.start)])
        c_hi = min([c_hi, *(b for b in inline if b >= q.end)])
        t_lo, t_hi = max(c_lo, lo), min(c_hi, hi)
        next_item = _NEXT_ITEM_RE.search(folded, q.end, t_hi)
        if next_item:  # "..., tỷ lệ hộ cận nghèo là 12%": the next figure's subject begins
            t_hi = next_item.start()
        clause = folded[t_lo:t_hi]
        inherited = prev is not None and (share_of_prev or RESTATES_RE.search(before))
        if inherited and prev is not None:
            comparator = prev[1] if q.form == "single" else _comparator(q, before, after, "")
            if q.form == "single" and re.search(r"\bgiam\s*$", before):
                comparator = "reduce_by"
            clause = prev[2] + " " + clause
        elif moods[i] == "eliminated":
            comparator = "reduce_by"  # "còn 63 nhà tạm ..., quyết tâm xóa hết": all of the stock
        else:
            s_lo = sentence_bounds(folded, q.start, q.end)[0]
            comparator = _comparator(q, before, after, folded[t_lo:q.start],
                                     folded[min(s_lo, c_lo):q.start])
            if comparator == "=" and prev is not None and _continues_list(
                    folded[prev[0].end:q.start]) and prev[1] in (
                        "reduce_by", "reduce_to", "increase_by"):
                comparator = prev[1]  # "giảm 0,35% tỷ lệ hộ nghèo và 0,2% tỷ lệ hộ cận nghèo"
        tight = best_indicator(mentions, t_lo, t_hi, q.start) or best_indicator(
            mentions, _label_start(folded, t_lo), t_hi, q.start)
        if LABOUR_EXPORT_RE.search(folded[t_lo:t_hi]) and q.unit in ("người", "lao động"):
            tight = "job_connection"
        # the wider window looks back over the sentence, forward only to the end of the figure's
        # item: the next bullet, or the ';' before the next figure's item (a ';' between the
        # groups of one subject, "100% người thuộc hộ nghèo; hộ mới thoát nghèo ... được cấp thẻ
        # BHYT", goes on)
        item_end = min([hi, *(b for b in inline if b >= q.end), *(
            [c_hi] if folded[c_hi:c_hi + 1] == ";" and i + 1 < len(quantities) else [])])
        wide = None if inherited else best_indicator(
            mentions, max(lo, c_lo - 400), item_end, q.start)
        code = _resolve_indicator(q, comparator, _own_subject(folded, t_lo, q.start, clause), tight,
                                  wide, prev if inherited or prev_code in POVERTY_FAMILY else None,
                                  prev_code, inherited)
        prev_own_code = code  # a share restates only a figure that named its indicator itself
        code = _carried_on(code, q, i, folded, quantities, codes, prev, prev_code)
        codes[i] = code
        if code == "housing_area":
            if q.unit == "m²/người" and comparator == "=" and re.search(
                r"toi\s+thieu|tro\s+len", folded[t_lo:t_hi]
            ):
                comparator = ">="
            elif q.unit == "%" and comparator == ">=":
                comparator = "="  # "80% hộ ... diện tích tối thiểu 8m²": the bound is on the area
        prev_code = code
        prev = (q, comparator, clause)
        subject = None if code == "budget" else subject_of(mentions, t_lo, t_hi, q.start)
        year = year_in(folded[q.end:t_hi]) or year_in(folded[t_lo:q.start]) or ctx.year
        g_lo = t_lo + len(folded[t_lo:t_hi]) - len(folded[t_lo:t_hi].lstrip(" -+•*\t\n"))
        g_hi = t_hi - (len(folded[t_lo:t_hi]) - len(folded[t_lo:t_hi].rstrip(" .,;:\t\n")))
        if g_hi <= g_lo:
            g_lo, g_hi = q.start, q.end
        if any(_said_again(folded, block.start, t, code, comparator, q) for t in out):
            continue
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


