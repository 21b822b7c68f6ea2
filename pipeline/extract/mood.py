"""Whether a sentence sets a figure (a target) or reports it (a result, an estimate, a baseline).

Plans mix both: "Phấn đấu giảm tỷ lệ hộ nghèo xuống dưới 3%" sets a target, "Năm 2023 thu nhập
bình quân đạt 73,1 triệu đồng, bằng 94,2% kế hoạch" reports a result and its achievement ratio.
The cues, read on the folded sentence (accents only where folding would confuse, as "đã" with
"đa chiều"):
- an achievement ratio ("đạt / bằng X% (so với) kế hoạch / chỉ tiêu"), unless the sentence sets
  it ("phấn đấu ... đạt 100% kế hoạch"): the ratio and the figures it rates are results;
- words that report: "ước", "kết quả", "đã", "hiện có / hiện còn", "tính đến", "đến nay",
  "sau N năm", "so với cùng kỳ", "báo cáo ... cho thấy", "giảm được", "được kéo giảm";
- words that set: "phấn đấu", "mục tiêu", "chỉ tiêu", "kế hoạch", "đề ra", "quyết tâm",
  "dự kiến", "định hướng", "phải", "cần", "đến (cuối) năm YYYY", "vào năm YYYY".
The nearest cue before a figure decides (words that set a figure just after it, "trên 3% mục
tiêu", count too); with no cue a figure is a target, as bullets of a plan's target section are.
A level stated "từ đầu năm 2022 là 49,98%" is a baseline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_REPORTS = re.compile(
    r"\b(?:uoc(?:\s+tinh|\s+thuc\s+hien|\s+dat|\s+den)?|ket\s+qua|hien\s+(?:co|con|nay|dang|da)|"
    r"tinh\s+den|den\s+nay|sau\s+\d+\s+nam|qua\s+\d+\s+nam|so\s+voi\s+cung\s+ky|cho\s+thay|"
    r"giam\s+duoc|tang\s+duoc|duoc\s+keo\s+giam|bao\s+cao\s+cua|theo\s+bao\s+cao|"
    r"thong\s+ke|nam\s+qua|trong\s+nhung\s+nam\s+qua|vua\s+qua)\b")
_SETS = re.compile(
    r"\b(?:phan\s+dau|muc\s+tieu|chi\s+tieu|ke\s+hoach|de\s+ra|dat\s+ra|quyet\s+tam|du\s+kien|"
    r"dinh\s+huong|phai|can\s+dat|yeu\s+cau|(?:den|vao|trong)\s+(?:cuoi\s+)?nam\s+20\d\d|"
    r"den\s+het\s+nam\s+20\d\d|giai\s+doan\s+20\d\d)\b")
# on the lower-case original: "đã" (not "đa chiều"), "hiện" (not "thực hiện", "hiện đại")
_PAST = re.compile(r"(?<!\w)đã(?!\w)|(?<!thực )(?<!\w)hiện(?!\w)(?! (?:đại|thực|tượng))")
# "có 1.068 hộ nghèo": a count held, reported unless the sentence sets it (outside a target
# section only: there, "toàn xã có 95% hộ ..." is the target)
_HAS_BEFORE = re.compile(r"\b(?:co|con)\s*$")
_ACHIEVED_BEFORE = re.compile(r"\b(?:dat|bang|vuot|hoan\s+thanh)\s*(?:duoc\s*)?$")
_ACHIEVED_AFTER = re.compile(r"^\s*(?:so\s+voi\s+)?(?:ke\s+hoach|chi\s+tieu|kh\b|nghi\s+quyet)")
_NAMES_TARGET_AFTER = re.compile(r"^\s*(?:\S+\s+){0,1}(?:muc\s+tieu|chi\s+tieu)\b")
_BASELINE_BEFORE = re.compile(r"\btu\s+(?:dau\s+|cuoi\s+)?nam\s+20\d\d\s+(?:la\s+)?$")
_SENTENCE_BREAK = re.compile(r"\.\s+(?=\S)|\n\s*\n|\n\s*[-+•]")


@dataclass(frozen=True)
class Figure:
    """Where a figure stands in the folded text, and its value."""

    start: int
    end: int
    value: float


def sentence_bounds(folded: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around [start, end): between full stops, blank lines and bullets."""
    left = 0
    for m in _SENTENCE_BREAK.finditer(folded, 0, start):
        left = m.end()
    right = _SENTENCE_BREAK.search(folded, end)
    return left, right.start() if right else len(folded)


def is_achievement_ratio(folded: str, figure: Figure) -> bool:
    """ "đạt 117,5% kế hoạch", "bằng 94,2% so với kế hoạch": how far a result went."""
    return bool(_ACHIEVED_BEFORE.search(folded[max(0, figure.start - 20):figure.start])
                and _ACHIEVED_AFTER.match(folded[figure.end:figure.end + 24]))


# "kết quả thực hiện các chỉ tiêu", "bằng 94,2% kế hoạch": a plan named, not a figure set
# ("vượt mục tiêu X" still names the target X); "ước đến năm 2020": an estimate's horizon
_NOT_SETTING = {
    "ke": re.compile(r"(?:ket\s+qua|thuc\s+hien|so\s+voi|bang|dat|vuot)(?:\s+cac)?\s*$"),
    "chi": re.compile(r"(?:ket\s+qua|thuc\s+hien|so\s+voi|bang|dat|vuot)(?:\s+cac)?\s*$"),
    "muc": re.compile(r"(?:ket\s+qua|thuc\s+hien)(?:\s+cac)?\s*$"),
    "den": re.compile(r"\b(?:uoc|tinh|ke\s+tu)\s*$"),
    "vao": re.compile(r"\b(?:uoc|tinh)\s*$"),
}
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


def _last(pattern: re.Pattern, text: str) -> int:
    """End of the last match of `pattern` in `text`, -1 when none."""
    end = -1
    for m in pattern.finditer(text):
        end = m.end()
    return end


def _last_setting(text: str, sentence: str, plan_start: int | None) -> int:
    """End of the last word that sets a figure, not counting plans only named, estimates'
    horizons, nor a horizon year before the plan (or before a later year of the sentence)."""
    years = [int(y) for y in _YEAR.findall(sentence)]
    now = plan_start or (max(years) if years else None)
    end = -1
    for m in _SETS.finditer(text):
        guard = _NOT_SETTING.get(m.group(0).split()[0])
        if guard and guard.search(text[max(0, m.start() - 24):m.start()]):
            continue
        year = _YEAR.search(m.group(0))
        if year and now and m.group(0).split()[0] in ("den", "vao", "trong") and int(
                year.group(0)) < now:
            continue
        end = m.end()
    return end


def is_reported(text: str, folded: str, figures: list[Figure], k: int, *,
                in_target_section: bool = False, plan_start: int | None = None) -> bool:
    """Whether figure k is reported (a result, estimate or baseline) rather than set.

    `text` is the original of `folded` (same length), for the cues folding would confuse.
    """
    figure = figures[k]
    s_lo, s_hi = sentence_bounds(folded, figure.start, figure.end)
    before = folded[s_lo:figure.start]
    if _BASELINE_BEFORE.search(before[-30:]) or (
            re.search(r"\btu\s*$", before) and re.search(r"\bxuong\b", folded[figure.end:s_hi])):
        return True  # "từ đầu năm 2022 là 49,98%", "giảm từ 52,9% (...) xuống còn 36,91%"
    sets = _last_setting(before, folded[s_lo:s_hi], plan_start)
    if (not in_target_section and sets < 0 and _HAS_BEFORE.search(before[-12:])
            and not re.search(r"\b(?:xuong|giam)\b", before)):
        return True
    if _NAMES_TARGET_AFTER.match(folded[figure.end:figure.end + 24]):
        return False  # "trên 3% mục tiêu kế hoạch": the figure is the target
    reports = max(_last(_REPORTS, before), _last(_PAST, text[s_lo:figure.start].lower()))
    ratios = [f for f in figures if s_lo <= f.start < s_hi and is_achievement_ratio(folded, f)]
    if ratios and sets < 0:
        return True  # the ratio and every figure it rates report a result
    if is_achievement_ratio(folded, figure) and (sets < 0 or figure.value > 100):
        return True
    return reports > sets
