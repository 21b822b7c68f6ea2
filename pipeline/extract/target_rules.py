"""The rules of the genre that both readers of targets apply (prose: targets.py, tables:
target_tables.py): situation sections, the poverty indicators by unit and verb, bounds before a
figure, the indicator and subject keywords nearest a figure, the year a target is for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.extract.indicators import PRIORITY, SUBJECTS
from pipeline.extract.mood import FULL_STOP
from pipeline.extract.nlp import Mention
from pipeline.extract.quantities import UNITS, Quantity
from pipeline.records import DocumentFacts
from pipeline.structure import SITUATION_WORDS, Block
from pipeline.text import fold

SITUATION_RE = re.compile(SITUATION_WORDS + r"|^\W*(?:[ivxlc]+|\d+)?\W*danh gia\b")
# "KẾT QUẢ GIẢM NGHÈO NĂM 2023" in a 2024 plan: results of a year before the plan
RESULTS_RE = re.compile(r"\bket qua\b")
TARGET_SECTION_RE = re.compile(r"muc tieu|chi tieu")

SUPPORT_AFTER_RE = re.compile(
    r"^\s*(chi phi|kinh phi|muc(?!\s+tieu)|gia tri|lai suat|so tien|tien|muc dong|menh gia|gia the"
    r"|hoc phi|vien phi|phi\b)"
)
SUPPORT_BEFORE_RE = re.compile(r"(mien phi|ho tro|chi tra|dong)\s*$")
SITUATION_BEFORE_RE = re.compile(r"(chiem|chiem ty le|chiem ti le|hien co|con lai)\s*$")
CLAUSE_BREAK_RE = re.compile(rf";|{FULL_STOP}|:\s+|\n\s*[-+•]|,\s*(?=trong do\b)")
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
class TargetContext:
    facts: DocumentFacts
    year: str | None


def is_situation(section: str, plan_start: int | None = None) -> bool:
    """A section of the current situation (baselines), unless it also announces targets.

    "TÌNH HÌNH ...", "THỰC TRẠNG ...", "ĐÁNH GIÁ ...", and "KẾT QUẢ ..." about years before
    the plan ("KẾT QUẢ GIẢM NGHÈO NĂM 2023" in a 2024 plan).
    """
    f = fold(section)
    if TARGET_SECTION_RE.search(f):
        return False
    if SITUATION_RE.search(f):
        return True
    return bool(RESULTS_RE.search(f)) and only_past_years(f, plan_start)


def in_situation(block: Block, plan_start: int | None) -> bool:
    """Under a situation section, or a situation part ("Phần thứ nhất: KẾT QUẢ ...") whose own
    section does not announce targets."""
    if is_situation(block.section, plan_start):
        return True
    if not block.part or block.part == block.section:
        return False
    return is_situation(block.part, plan_start) and not TARGET_SECTION_RE.search(
        fold(block.section))


def only_past_years(folded: str, plan_start: int | None) -> bool:
    """True when `folded` names years and all of them fall before the plan starts."""
    years = [int(y) for y in re.findall(r"\b(20\d\d)\b", folded)]
    return bool(years and plan_start) and max(years) < plan_start




def doc_year(facts: DocumentFacts) -> str | None:
    if facts.period_start and facts.period_end and facts.period_start != facts.period_end:
        return f"{facts.period_start}-{facts.period_end}"
    if facts.period_start:
        return str(facts.period_start)
    return str(facts.issue_year) if facts.issue_year else None


def best_indicator(mentions: list[Mention], lo: int, hi: int, anchor: int) -> str | None:
    cands = [m for m in mentions if m.label == "IND" and m.start >= lo and m.end <= hi]
    if not cands:
        return None
    best = min(cands, key=lambda m: (PRIORITY.get(m.key, 999), abs(m.start - anchor)))
    return best.key


def subject_of(mentions: list[Mention], lo: int, hi: int, anchor: int) -> str | None:
    cands = [m for m in mentions if m.label == "SUBJ" and m.start >= lo and m.end <= hi]
    if not cands:
        return None
    after = [m for m in cands if m.start >= anchor]
    pool = after or cands
    first = min(pool, key=lambda m: (abs(m.start - anchor), -(m.end - m.start)))
    return SUBJECTS.get(first.key, first.key)



BOUNDS_BEFORE = (
    (r"tren duoi|xap xi", "="),  # "trên dưới 100 hộ": about, no bound
    (r"khong (?:duoi|thap hon|it hon|kem hon)", ">="),
    (r"khong (?:vuot qua|vuot|qua|cao hon|hon|nhieu hon|lon hon)", "<="),
    (r"toi da|nhieu nhat|cao nhat", "<="),
    (r"toi thieu|it nhat|thap nhat|tu|dat (?:va|hoac) vuot", ">="),
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



def poverty_code(q: Quantity, comparator: str, clause: str, code: str | None) -> str | None:
    """Poverty indicators from unit, verb and subject when no keyword decided otherwise."""
    near = "can ngheo" in clause and "ho ngheo" not in clause.replace("ho can ngheo", "")
    if code in ("near_poor_rate",):
        near = True
    if code not in (None, "poverty_rate", "near_poor_rate"):
        return code
    if "ngheo" not in clause and code is None:
        return None
    reducing = comparator == "reduce_by" or (
        comparator in ("range", ">=", ">")
        and (GIAM_RE.search(clause) or re.search(r"\b(?:ty le|chi tieu|muc) giam ngheo\b", clause))
        and not re.search(r"\bxuong\b", clause)
    )  # "giảm từ 1,5% trở lên", "giảm ít nhất 50 hộ", "tỷ lệ giảm nghèo trên 3%": amounts
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



def year_in(folded_clause: str) -> str | None:
    """The year a target is for; "so với năm 2023" names the baseline year, not it."""
    for m in re.finditer(r"\b(?:den |cuoi |trong )?nam\s+(20\d\d)\b", folded_clause):
        if not re.search(r"(so voi|tu)\s*$", folded_clause[:m.start()]):
            return m.group(1)
    return None


