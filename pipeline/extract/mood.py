"""Whether a sentence sets a figure (a target) or reports it (a result, an estimate, a baseline).

Plans mix both, news about plans even more: "Phấn đấu giảm tỷ lệ hộ nghèo xuống dưới 3%" sets a
target, "Năm 2023 thu nhập bình quân đạt 73,1 triệu đồng, bằng 94,2% kế hoạch" reports a result
and its achievement ratio. The cues, read on the folded sentence (accents only where folding
would confuse, as "đã" with "đa chiều"), strongest first:
- words that set: "phấn đấu", "mục tiêu", "chỉ tiêu", "kế hoạch", "đề ra", "quyết tâm", "dự
  kiến", "định hướng", "phải", "cần đạt", "sẽ", "hướng tới", "được giao" (a target assigned,
  whatever the tense of its assignment), a purpose "để / nhằm nâng, đạt, giảm ..."; and words
  that report: "ước", "kết quả", "đã", "hiện có / hiện còn", "tính đến", "đến nay", "lũy kế",
  "tính chung", "sau N năm", "so với cùng kỳ", "theo báo cáo", "giảm được", "nhờ đó", an
  evaluation of what happened ("đáng chú ý", "đáng ghi nhận") ... The nearest of these before a
  figure decides (a word that sets just after it, "trên 3% mục tiêu", counts too); a plan only
  named ("bằng 94,2% kế hoạch", "vượt chỉ tiêu được giao") sets nothing, a result only named as
  the basis of a decision ("căn cứ kết quả khảo sát") reports nothing.
- an achievement ratio ("đạt / bằng / vượt X% (so với) kế hoạch / dự toán / chỉ tiêu"): the
  ratio and every figure it rates are results, unless the sentence sets them;
- a figure that a result clause follows ("giảm 1,5%/năm, vượt mục tiêu đề ra");
- with no such word: a frame of time already past ("Năm 2022, ...", "Tính riêng năm 2022, ...",
  "Giai đoạn 2016-2020, ...", "Trong 6 tháng đầu năm ...", a year before the plan), a change
  against a past level ("tăng 4,8% so với cuối năm 2021") or said with its degree ("giảm mạnh"),
  or a figure just short of a round one ("gần 2.000 lao động") reports; a horizon ("đến năm
  2025", or right after the figure) sets; a count held ("toàn xã có 125 hộ nghèo", "còn 63 nhà
  tạm") reports outside a section of targets;
- a figure with no cue of its own takes the mood its sentence's cues agree on (one account:
  "Tỷ lệ hộ nghèo giảm xuống 9%; thu nhập đạt 50 triệu đồng; huyện có 3 xã đạt chuẩn" reports
  throughout), outside a section of targets;
- else a figure is a target, as the bullets of a plan's target section are, unless the document
  reports by default (a Báo cáo outside its sections of targets).
A level stated "từ đầu năm 2022 là 49,98%" is a baseline, so is a year's level before the plan or
before the horizon of its sentence ("(năm 2020 là 5,2%)").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_REPORTS = re.compile(
    r"\b(?:uoc(?:\s+tinh|\s+thuc\s+hien|\s+dat|\s+den)?|ket\s+qua|hien\s+(?:co|con|nay|dang|da)|"
    r"tinh\s+den|den\s+nay|sau\s+\d+\s+nam|qua\s+\d+\s+nam|so\s+voi\s+cung\s+ky|cho\s+thay|"
    r"giam\s+duoc|tang\s+duoc|dat\s+duoc|duoc\s+keo\s+giam|bao\s+cao\s+cua|theo\s+bao\s+cao|"
    r"thong\s+ke|nam\s+qua|trong\s+nhung\s+nam\s+qua|vua\s+qua|thoi\s+gian\s+qua|luy\s+ke|"
    r"tinh\s+chung|ket\s+thuc\s+nam|nho\s+do|nho\s+vay|qua\s+do|nhu\s+vay|giai\s+ngan|"
    r"(?:\d+|sau|chin|bay|nam)\s+thang\s+dau\s+nam|qua\s+ra\s+soat|so\s+lieu|vua|"
    r"thuc\s+hien\s+(?:dat|duoc)|nhiem\s+ky\s+qua|sau\s+khi|tu\s+khi|den\s+thoi\s+diem|"
    r"du\s+kien\s+(?:ca\s+nam|den\s+(?:het|cuoi)\s+nam|nam\s+nay)|"
    r"truoc\s+(?:day|do)|dang\s+(?:chu\s+y|ghi\s+nhan|mung|khich\s+le))\b")
# "căn cứ kết quả khảo sát, ...": a result named as the basis of what is decided reports nothing
_BASIS_BEFORE = re.compile(r"\b(?:can\s+cu(?:\s+vao)?|tren\s+co\s+so|dua\s+(?:tren|vao)|tu)\s*$")
_SETS = re.compile(
    r"\b(?:phan\s+dau|muc\s+tieu|chi\s+tieu|ke\s+hoach|de\s+ra|dat\s+ra|quyet\s+tam|"
    r"dinh\s+huong|phai|can\s+dat|yeu\s+cau|se|huong\s+toi|tien\s+toi|"
    r"giao\s+chi\s+tieu|chi\s+tieu\s+giao|duoc\s+giao|"
    r"(?:de|nham)\s+(?:nang|dua|tang|giam|keo\s+giam|dat))\b")
# A horizon, or a plan's "dự kiến": sets a figure when no stronger word decided ("Đến năm 2025,
# tỷ lệ ... đạt 95%", "kinh phí dự kiến 450 triệu đồng"; "dự kiến cả năm tăng 5% so với năm
# trước" is an estimate)
_HORIZON = re.compile(
    r"\b(?:(?:den|vao|trong)\s+(?:cuoi\s+)?nam\s+20\d\d|den\s+het\s+nam\s+20\d\d|du\s+kien|"
    r"giai\s+doan\s+20\d\d\s*[-–]\s*20\d\d|hang\s+nam|moi\s+nam)\b")
# on the lower-case original: "đã" (not "đa chiều"), "hiện" (not "thực hiện", "hiện đại")
_PAST = re.compile(r"(?<!\w)đã(?!\w)|(?<!thực )(?<!\w)hiện(?!\w)(?! (?:đại|thực|tượng))")
# "có 1.068 hộ nghèo", "còn 63 nhà tạm": a count held (outside a target section only: there,
# "toàn xã có 95% hộ ..." is the target)
_HAS_BEFORE = re.compile(r"\b(?:co|con)\s*$")
_ACHIEVED_BEFORE = re.compile(r"\b(?:dat|bang|vuot|hoan\s+thanh)\s*(?:duoc\s*)?(?:muc\s*)?$")
_ACHIEVED_AFTER = re.compile(
    r"^\s*(?:so\s+voi\s+)?(?:ke\s+hoach|chi\s+tieu|kh\b|nghi\s+quyet|du\s+toan|cung\s+ky|"
    r"nam\s+truoc|muc\s+tieu)")
_NAMES_TARGET_AFTER = re.compile(r"^\s*(?:[^\s,;.]+\s+){0,1}(?:muc\s+tieu|chi\s+tieu)\b")
# a result clause after the figure: "giảm 1,5%/năm, vượt mục tiêu Nghị quyết đề ra"
_RESULT_AFTER = re.compile(
    r"^[^.;]{0,40}?\b(?:vuot|hoan\s+thanh(?:\s+vuot)?|dat)\s+(?:muc\s+)?(?:muc\s+tieu|ke\s+hoach|"
    r"chi\s+tieu)\b")
_BASELINE_BEFORE = re.compile(r"\btu\s+(?:dau\s+|cuoi\s+)?nam\s+20\d\d\s+(?:la\s+)?$")
# A frame of time the sentence opens with: "Năm 2022, ...", "Giai đoạn 2016 - 2020, ...",
# "Trong 6 tháng đầu năm, ...", after a dateline "(QNO) –" or "Theo đó,"
_FRAME = re.compile(
    r"^\W*(?:\([^)]{1,20}\)\s*[-–]?\s*)?(?:theo\s+do\s*,?\s*)?(?:(?:chi\s+)?tinh\s+rieng\s+|rieng\s+)?"
    r"(?:(?:trong|ca|het|den\s+het|den\s+cuoi|cuoi|ket\s+thuc|binh\s+quan)\s+)?"
    r"(?:nam\s+(?P<year>(?:19|20)\d\d)|"
    r"(?:giai\s+doan|nhiem\s+ky)\s+(?:19|20)\d\d\s*[-–]\s*(?P<end>(?:19|20)\d\d)|"
    r"(?:\d+|sau|chin)\s+thang\s+(?:dau\s+)?nam(?:\s+(?P<months_year>(?:19|20)\d\d))?)\s*,")
# a change against a past level: "tăng 4,8% so với cuối năm 2021", "so với năm trước"
_AGAINST_PAST = re.compile(
    r"\bso\s+voi\s+(?:cung\s+ky|ky\s+truoc|nam\s+truoc|thang\s+truoc|dau\s+(?:nam|ky)\b|"
    r"(?:dau\s+|cuoi\s+)?nam\s+(?P<year>(?:19|20)\d\d))")
# a place as the subject of what it did or has: "Toàn huyện giảm ...", "cả nước đạt ..."
_WHOLE_UNIT_SUBJECT = re.compile(
    r"\b(?:toan\s+(?:tinh|huyen|xa|thi\s+xa|thanh\s+pho|quoc|vung)|ca\s+(?:nuoc|tinh|huyen|xa))\b"
    r"[^,;]{0,40}$")
# a bullet or a numbered item of a list ("- ", "+ ", "a) ", "2. ")
_BULLET = re.compile(r"^\s*(?:[-+•*]|[a-zđ]\)|\d+(?:\.\d+)*[.)])\s")
# the level a change is measured against: "tăng 5% so với 85% năm 2022"
_COMPARED_TO_BEFORE = re.compile(r"\bso\s+voi\s+(?:muc\s+)?$")
# a definition of the standard: "hộ nghèo là hộ có thu nhập bình quân ... từ 1,5 triệu đồng trở xuống"
_DEFINES = re.compile(r"\b(?:la\s+ho\s+(?:co|dap\s+ung)|chuan\s+ngheo\s+(?:moi\s+)?(?:la|quy\s+dinh)|"
                      r"muc\s+chuan\s+(?:ngheo|can\s+ngheo))\b")
# "(năm 2020 là 5%)": the level of a year before the one the sentence sets
_YEAR_LEVEL_BEFORE = re.compile(r"\bnam\s+(?P<year>(?:19|20)\d\d)\s+(?:la|dat|chi\s+con|con)\s*$")
_HORIZON_WORD_BEFORE = re.compile(r"\b(?:den|vao|cuoi|het|toi)\s*$")
_HORIZON_YEAR = re.compile(r"\b(?:den|vao|toi)\s+(?:het\s+|cuoi\s+)?nam\s+((?:19|20)\d\d)\b")
# a full stop that ends a sentence, not the dot of a unit's abbreviation ("TP. Đồng Hới", "TX. Ba
# Đồn", "TT. Phú Lộc", "P. 3", "Q. 1")
FULL_STOP = r"(?<!\btp)(?<!\btx)(?<!\btt)(?<!\bths)(?<!\bq)(?<!\bp)\.\s+(?=\S)"
ABBREVIATION_DOT = re.compile(r"\b(?:tp|tx|tt|ths|q|p)\.")
_SENTENCE_BREAK = re.compile(rf"{FULL_STOP}|\n\s*\n|\n\s*[-+•]")


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
    after = folded[figure.end:figure.end + 40]
    return bool(_ACHIEVED_BEFORE.search(folded[max(0, figure.start - 20):figure.start])
                and _ACHIEVED_AFTER.match(after)
                and not re.match(r"^\s*(?:so\s+voi\s+)?\S+\s+\S+\s+tro\s+len", after))
    # "đạt 100% chỉ tiêu trở lên" bounds a target, no result reaches "trở lên"


# "kết quả thực hiện các chỉ tiêu", "bằng 94,2% kế hoạch": a plan named, not a figure set
# ("vượt mục tiêu X" still names the target X)
_NOT_SETTING = {
    "ke": re.compile(r"(?:ket\s+qua|thuc\s+hien|so\s+voi|bang|dat|vuot|hoan\s+thanh)(?:\s+cac)?"
                     r"\s*(?:\d+(?:[.,]\d+)?\s*%\s*)?$"),
    "chi": re.compile(r"(?:ket\s+qua|thuc\s+hien|so\s+voi|bang|dat|vuot|hoan\s+thanh)(?:\s+cac)?"
                      r"\s*(?:\d+(?:[.,]\d+)?\s*%\s*)?$"),
    "muc": re.compile(r"(?:ket\s+qua|thuc\s+hien)(?:\s+cac)?\s*$"),
    # "vượt chỉ tiêu được giao": the target named by the result that passed it
    "duoc": re.compile(r"(?:ket\s+qua|thuc\s+hien|so\s+voi|bang|dat|vuot|hoan\s+thanh)(?:\s+cac)?"
                       r"\s*(?:\d+(?:[.,]\d+)?\s*%\s*)?(?:chi\s+tieu|ke\s+hoach|muc\s+tieu|nhiem\s+vu)"
                       r"\s*$"),
}
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


def _last(pattern: re.Pattern, text: str) -> int:
    """End of the last match of `pattern` in `text`, -1 when none."""
    end = -1
    for m in pattern.finditer(text):
        end = m.end()
    return end


def _last_report(text: str) -> int:
    """End of the last word that reports, not counting a result named as a basis ("căn cứ kết
    quả rà soát")."""
    end = -1
    for m in _REPORTS.finditer(text):
        if m.group(0).startswith("ket") and _BASIS_BEFORE.search(text[max(0, m.start() - 20):m.start()]):
            continue
        end = m.end()
    return end


def _last_setting(text: str) -> int:
    """End of the last word that sets a figure, not counting plans only named."""
    end = -1
    for m in _SETS.finditer(text):
        guard = _NOT_SETTING.get(m.group(0).split()[0])
        if guard and guard.search(text[max(0, m.start() - 30):m.start()]):
            continue
        end = m.end()
    return end


def _horizon(text: str, sentence: str, plan_start: int | None) -> int:
    """End of the last horizon ("đến năm 2025") in `text` that is not before the plan (or, in a
    text without a plan, before another year of the sentence); -1 when none."""
    years = [int(y) for y in _YEAR.findall(sentence)]
    now = plan_start or (max(years) if years else None)
    end = -1
    for m in _HORIZON.finditer(text):
        year = _YEAR.search(m.group(0))
        if year and now and int(year.group(0)) < now and not m.group(0).startswith("giai"):
            continue
        end = m.end()
    return end


def _past_frame(sentence: str, plan_start: int | None) -> bool:
    """The sentence opens with a time already past: "Năm 2022, ...", "Giai đoạn 2016 - 2020,
    ...", "Trong 6 tháng đầu năm, ..." (a year of the plan or after it is no past)."""
    m = _FRAME.match(sentence)
    if not m:
        return False
    year = m.group("year") or m.group("end") or m.group("months_year")
    return not (year and plan_start and int(year) >= plan_start)


def _past_level(before: str, sentence: str, plan_start: int | None) -> bool:
    """ "năm 2020 là 5%" of a year before the plan, or, in a text without a plan, before the
    horizon the sentence sets ("... (năm 2020 là 5,2%)" beside "đến năm 2025"); a level at a
    horizon ("đến năm 2025 đạt 85%") or one of a plan's years ("năm 2024 đạt 85%, năm 2025 đạt
    90%") is no past."""
    m = _YEAR_LEVEL_BEFORE.search(before[-20:])
    if not m or _HORIZON_WORD_BEFORE.search(before[:max(0, len(before) - 20) + m.start()]):
        return False
    year = int(m.group("year"))
    if plan_start:
        return year < plan_start
    horizons = [int(h.group(1)) for h in _HORIZON_YEAR.finditer(sentence)]
    return bool(horizons) and year < max(horizons)


def _against_past(clause: str, plan_start: int | None) -> bool:
    """A change measured against a past level ("so với cùng kỳ", "so với cuối năm 2021")."""
    for m in _AGAINST_PAST.finditer(clause):
        if not (m.group("year") and plan_start and int(m.group("year")) >= plan_start - 1):
            return True
    return False


@dataclass(frozen=True)
class Reading:
    """How a figure reads: reported (a result, estimate, baseline) or set (a target), and what
    decided it: a cue of its own sentence ("cue": a word, a frame, a count held, a list), what it
    is ("baseline": a starting level, a definition), or only the default ("default")."""

    reported: bool
    by: str


_SET, _REPORTED = Reading(False, "cue"), Reading(True, "cue")
# a baseline or a definition reports a figure but says nothing of the sentence's mood
_BASELINE = Reading(True, "baseline")
# "gần 2.000 lao động": a figure that fell just short of a round one was measured, not set
_NEARLY_BEFORE = re.compile(r"\bgan\s*$")
# "giảm mạnh", "tăng đáng kể": how much a change was, said of one that happened
_DEGREE_OF_CHANGE = re.compile(r"\b(?:tang|giam)\s+(?:manh|sau|dang\s+ke|ro\s+ret|vuot\s+bac)\b")


def read_mood(text: str, folded: str, figures: list[Figure], k: int, *,
              in_target_section: bool = False, plan_start: int | None = None,
              reports_by_default: bool = False, story_reported: bool = False) -> Reading:
    """Whether figure k is reported (a result, estimate or baseline) rather than set.

    `text` is the original of `folded` (same length), for the cues folding would confuse;
    `story_reported`: an earlier sentence of the paragraph reported, so one with no cue of its
    own goes on telling ("Năm 2023, huyện giảm 450 hộ nghèo. Tỷ lệ hộ nghèo còn 3,2%.").
    """
    figure = figures[k]
    s_lo, s_hi = sentence_bounds(folded, figure.start, figure.end)
    sentence = folded[s_lo:s_hi]
    before = folded[s_lo:figure.start]
    after = folded[figure.end:s_hi]
    if _BASELINE_BEFORE.search(before[-30:]) or (
            re.search(r"\btu\s*$", before) and re.search(r"\bxuong\b", after)):
        return _BASELINE  # "từ đầu năm 2022 là 49,98%", "giảm từ 52,9% (...) xuống còn 36,91%"
    if _NAMES_TARGET_AFTER.match(after[:24]) and not is_achievement_ratio(folded, figure):
        return _SET  # "trên 3% mục tiêu kế hoạch": the figure is the target
    if _COMPARED_TO_BEFORE.search(before[-16:]) or _DEFINES.search(before) or _past_level(
            before, sentence, plan_start):
        return _BASELINE  # "so với 85%", "hộ nghèo là hộ có thu nhập ... từ 1,5 triệu đồng",
        # "(năm 2020 là 5%)": a baseline or a definition, no target
    sets = _last_setting(before)
    reports = max(_last_report(before), _last(_PAST, text[s_lo:figure.start].lower()))
    if reports > sets:
        return _REPORTED
    ratios = [f for f in figures if s_lo <= f.start < s_hi and is_achievement_ratio(folded, f)]
    if ratios and (sets < 0 or is_achievement_ratio(folded, figure) and figure.value > 100):
        return _REPORTED  # the ratio and every figure it rates report a result
    if sets >= 0:
        return _SET
    if _RESULT_AFTER.match(after) or (not in_target_section and _past_frame(sentence, plan_start)):
        return _REPORTED
    listed = in_target_section or bool(_BULLET.match(sentence))  # a plan's list sets by default
    clause_end = re.search(r"[;]", after)
    clause_after = after[:clause_end.start()] if clause_end else after
    clause_before = before.rsplit(";", 1)[-1]
    if not listed and (_against_past(clause_after, plan_start) or _against_past(before, plan_start)
                       or _NEARLY_BEFORE.search(before[-8:]) or _DEGREE_OF_CHANGE.search(before)):
        return _REPORTED  # "tăng 4,8% so với cuối năm 2021", "So với năm 2015, ... giảm 3%"
    if _horizon(before, sentence, plan_start) >= 0 or listed or _horizon(
            re.split(r"[,;(]", after, maxsplit=1)[0], sentence, plan_start) >= 0:
        return _SET  # "đến năm 2025, ... 3%", "giảm còn 3% vào cuối năm 2025", a plan's list
    if _HAS_BEFORE.search(before[-12:]) and not re.search(r"\b(?:xuong|giam)\b", clause_before):
        return _REPORTED  # "toàn xã có 125 hộ nghèo", "còn 63 nhà tạm" (not "giảm ... còn 2%")
    if _WHOLE_UNIT_SUBJECT.search(before):
        return _REPORTED  # "toàn tỉnh giảm 2.150 hộ nghèo": news tells what a place did
    return Reading(reports_by_default or story_reported, "default")


def sentence_mood(readings: list[Reading]) -> bool | None:
    """The mood a sentence's own cues give it: reported when some figure reports by a cue and
    none is set by one, set in the opposite case, None when mixed or uncued. A figure with no
    cue of its own takes it ("Tỷ lệ hộ nghèo giảm xuống 9%; thu nhập đạt 50 triệu đồng; huyện có
    3 xã đạt chuẩn": one account of results)."""
    cued = {r.reported for r in readings if r.by == "cue"}
    return cued.pop() if len(cued) == 1 else None
