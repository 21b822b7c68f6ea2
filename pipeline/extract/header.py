"""The header of a document: its type, number, place and date, title, draft mark.

Read line by line first ("Số: 45/KH-UBND", "Tân Hưng, ngày 05 tháng 3 năm 2024", "KẾ HOẠCH" over
its title), then, for what is still unknown, on the flattened header (the text before "Căn cứ"
with its line ends, column pipes and rules turned into single spaces), since real headers wrap
anywhere ("Quảng Nam, ngày\\n13 tháng 7", "QUY CHẾ LÀM\\nVIỆC") or stand on one line. A copy
without a header (a portal page) may still say which document it is ("Ngày 14/9/2021, UBND
thành phố ban hành Kế hoạch số 105/KH-UBND"); a date of publication is never taken for one.
Patterns run on folded text (text.fold) so they survive missing accents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from pipeline.records import DocumentFacts
from pipeline.text import fold

DOC_TYPES = {
    "ke hoach": "Kế hoạch",
    "quyet dinh": "Quyết định",
    "bao cao": "Báo cáo",
    "cong van": "Công văn",
    "to trinh": "Tờ trình",
    "nghi quyet": "Nghị quyết",
    "thong bao": "Thông báo",
    "chuong trinh": "Chương trình",
    "huong dan": "Hướng dẫn",
    "chi thi": "Chỉ thị",
    "de an": "Đề án",
    "quy che": "Quy chế",
    "quy dinh": "Quy định",
    "bien ban": "Biên bản",
    "de cuong": "Đề cương",
    "cong dien": "Công điện",
}
# The type code of a number ("45/KH-UBND", "12-NQ/TU"), folded and in capitals
CODE_TYPES = {"KH": "Kế hoạch", "QD": "Quyết định", "BC": "Báo cáo", "NQ": "Nghị quyết",
              "TTR": "Tờ trình", "TB": "Thông báo", "CT": "Chỉ thị", "HD": "Hướng dẫn",
              "DA": "Đề án", "CTR": "Chương trình", "QC": "Quy chế", "BB": "Biên bản",
              "CD": "Công điện"}
_TYPE_ALTERNATION = "|".join(sorted(DOC_TYPES, key=len, reverse=True))
_DATE = (r"ngay\s*(?:(?P<d>\d{1,2})?\s*(?:\.{2,}|…)?\s*thang\s*(?P<m>\d{1,2})?\s*(?:\.{2,}|…)?\s*"
         r"nam\s*|(?P<d2>\d{1,2})\s*[/.-]\s*(?P<m2>\d{1,2})\s*[/.-]\s*)(?P<y>\d{4})")
_DATE_LINE_RE = re.compile(rf"(?m)^[#*\s|]*(?P<place>[^\n,]{{2,40}}),\s*{_DATE}")
# The same date line anywhere on a header line, when the two header columns are joined on one
# line ("Số: 7/KH-UBND      Đông Sơn, ngày 9 tháng 4 năm 2024"): the place is the words
# (single-spaced, up to six) right before the comma.
_LONE_DATE_RE = re.compile(rf"(?m)^[#*\s|]*(?P<place>){_DATE}[\s|]*$")
_WEEKDAY_RE = re.compile(r"\b(?:thu\s+(?:hai|ba|tu|nam|sau|bay|[2-7])|chu\s+nhat)\b")
_DATE_ANYWHERE_RE = re.compile(rf"(?<!\S)(?P<place>[^\s,][^\s,]*(?: [^\s,]+){{0,5}}),\s*{_DATE}")
# Header words a joined line may leave before the place ("... Hạnh phúc Đông Sơn, ngày ...")
_HEADER_TAIL_RE = re.compile(
    r"\S*/\S*|hanh phuc|viet nam|nhan dan|\b(?:xa|huyen|tinh|phuong|quan) [^\s]+ [^\s]+\s{2,}"
)
# "45/KH-UBND", "21/2022/NQ-HĐND", "  /KH-UBND" (a draft), and a party's "12-NQ/TU"
_NUMBER = (r"(?P<num>[0-9]+\s*-\s*[a-z]{2,5}\s*/\s*[a-z0-9đ\-–&]+"
           r"|(?:[0-9il|]*[0-9][0-9il|]*)?\s*/\s*[0-9]{0,4}/?\s*[a-z0-9đ\-–&]+(?:\.[a-z0-9đ\-–&]+)*)")
_NUMBER_RE = re.compile(rf"(?m)^[#*\s|]*so\s*[:.]?\s*{_NUMBER}")
_FLAT_NUMBER_RE = re.compile(rf"\bso\s*[:.]?\s*{_NUMBER}")
_HEADER_END_RE = re.compile(r"(?:^|\n)\s*(?:can cu|thuc hien|kinh gui)\b|\n\s*(?:i|1)\s*[.)]\s")
# "<issuer> (vừa) ban hành Kế hoạch số 105/KH-UBND", "ban hành kèm theo Quyết định số: 59/QĐ-UBND
# ngày 22 tháng 7 năm 2021": the act that issued the very document
_ISSUED_RE = re.compile(
    rf"(?:\b(?:vua\s+|da\s+)?(?:ban\s+hanh|xay\s+dung)\s+(?:kem\s+theo\s+)?|\(\s*kem\s+theo\s+)"
    rf"(?P<type>{_TYPE_ALTERNATION})\b"
    rf"(?:\s+so\s*[:.]?\s*{_NUMBER})?(?P<rest>.{{0,24}})")
# where the body starts: the legal bases, the first section (the title and its "(kèm theo ...)"
# stand before it)
_BODY_START_RE = re.compile(r"(?:^|\n)\s*(?:can cu|kinh gui)\b|\n\s*(?:i|1)\s*[.)]\s")
_OWN_NUMBER_RE = re.compile(r"(?m)^[#*\s|]*so\s*[:.]|\|\s*so\s*:")
_ISSUED_DATE_RE = re.compile(rf"\W*{_DATE}")
_DATE_BEFORE_RE = re.compile(rf"\b{_DATE}\s*,?\s*[^.;]{{0,60}}$")
# "Căn cứ lập kế hoạch", "xây dựng Kế hoạch": a copy without its header says what it is
_SAYS_TYPE_RE = re.compile(rf"\b(?:ban\s+hanh|xay\s+dung|lap|trien\s+khai)\s+(?P<type>{_TYPE_ALTERNATION})\b")
# "UBND xã báo cáo kết quả ... như sau:": a report announcing itself with the verb
_REPORTS_ITSELF_RE = re.compile(
    r"\bbao\s+cao\s+(?:ket\s+qua|tinh\s+hinh|danh\s+gia|so\s+ket|tong\s+ket|cong\s+tac|viec|ve)\b")
# the sentence by which a document announces what follows ("... xây dựng Kế hoạch ... như sau:")
_ANNOUNCEMENT_RE = re.compile(r"[^.;:\n]{0,400}\bnhu\s+sau\s*:")
# the first section of the body: "I. ...", "1. ...", "PHẦN THỨ NHẤT", "Phần I"; a section of
# legal bases ("I. CĂN CỨ LẬP KẾ HOẠCH") still belongs to the preamble
_FIRST_SECTION_RE = re.compile(
    r"\n\s*(?:(?:[ivx]{1,4}|1)\s*[.)]\s(?!\W*can\s+cu\b)|phan\s+(?:thu\s+nhat|i|1)\b)")


@dataclass
class _Flat:
    """The header with every run of line ends, pipes and rules as one space."""

    text: str
    folded: str

    @classmethod
    def of(cls, text: str) -> _Flat:
        flat = re.sub(r"(?:[\s|]|[-_–—=]{3,})+", " ", text).strip()
        return cls(flat, fold(flat))


def clean_phrase(s: str) -> str:
    """A phrase of a header without markdown marks, runs of spaces or edge punctuation."""
    return re.sub(r"\s+", " ", s.replace("*", "").replace("#", "")).strip(" .:;,-|")


def _mostly_upper(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) / len(letters) > 0.7


def read_header(facts: DocumentFacts, text: str) -> None:
    """Fill type, number, place, date, title and draft mark from the start of the first page."""
    folded = fold(text)
    end = _HEADER_END_RE.search(folded)
    head = text[:end.start() if end else min(len(text), 2000)]
    _number(facts, text, folded, len(head))
    _date(facts, text, folded, len(head))
    facts.is_draft = bool(re.search(r"(?m)^[#*\s|]*du\s*thao\b", folded)) or "(du thao)" in folded
    _type_and_title(facts, text)
    flat = _Flat.of(head)
    if facts.doc_type is None:
        _flat_type_and_title(facts, flat)
    if facts.number is None:
        _flat_number(facts, flat)
    if facts.issue_year is None:
        _flat_date(facts, flat)
    if facts.doc_type is None or facts.number is None or facts.issue_year is None:
        _headline_act(facts, text)
    if facts.doc_type is None or facts.number is None or facts.issue_year is None:
        # a header with its own "Số:" line (a draft's is blank) has no number to borrow
        body = _BODY_START_RE.search(folded)
        _issuing_act(facts, text[:3000], own_number=bool(_OWN_NUMBER_RE.search(fold(head))),
                     head_end=body.start() if body else 1200)
    if facts.doc_type is None and facts.number:
        code = re.match(r"\d+-([^/]+)/", facts.number) or re.search(r"/([^/\d][^/-]*)", facts.number)
        facts.doc_type = CODE_TYPES.get(fold(code.group(1)).upper()) if code else None
    if facts.doc_type is None:
        facts.doc_type = _type_said_in_preamble(folded[:3000])
    if facts.doc_type is None and facts.number and re.search(r"(?m)^[#*\s|]*v/v\b", fold(head)):
        facts.doc_type = "Công văn"  # "Số: 123/UBND-VX" over "V/v ...": an official letter


def _type_said_in_preamble(folded: str) -> str | None:
    """A copy without its header says what it is before its first section: in the sentence
    that announces what follows ("UBND xã báo cáo kết quả ... như sau:", "xây dựng Kế hoạch ...
    như sau:"), else by the verb that makes it ("ban hành Kế hoạch"); a type named inside a
    section ("lập kế hoạch tiêm phòng") is an activity of the body, not the document."""
    first = _FIRST_SECTION_RE.search(folded)
    preamble = folded[:first.start() if first else len(folded)]
    for sentence in (*[m.group(0) for m in _ANNOUNCEMENT_RE.finditer(preamble)], preamble):
        made = _SAYS_TYPE_RE.search(sentence)
        if made:
            return DOC_TYPES[re.sub(r"\s+", " ", made.group("type"))]
        if _REPORTS_ITSELF_RE.search(sentence):
            return "Báo cáo"
    return None


def _set_number(facts: DocumentFacts, raw: str, with_type: bool = True) -> None:
    """The number as written without spaces; its code ("KH", "BC") says the type unless a type
    line said it already (`with_type` False)."""
    raw = re.sub(r"\s+", "", raw).replace("–", "-")
    serial = re.match(r"[0-9Il|]*", raw).group(0)  # a scan's "I90/KH", "l90/KH": OCR's 1 as a letter
    if re.search(r"\d", serial):
        raw = re.sub(r"[Il|]", "1", serial) + raw[len(serial):]
    facts.number = raw if re.match(r"\d", raw) else None
    code = re.match(r"\d+-([A-Za-zĐđ]+)/", raw) or re.search(r"/([A-Za-zĐđ]+)", raw)
    if code and with_type:
        facts.doc_type = CODE_TYPES.get(fold(code.group(1)).upper()) or facts.doc_type


def _number(facts: DocumentFacts, text: str, folded: str, header_end: int) -> None:
    """The "Số: ..." line of the header (a line of the body starting with "số" is no header)."""
    m = _NUMBER_RE.search(folded, 0, max(header_end, 600))
    if m:
        _set_number(facts, text[m.start("num"):m.end("num")])


def _flat_number(facts: DocumentFacts, flat: _Flat) -> None:
    """ "... Hạnh phúc | Số: 45/KH-UBND | Hưng Yên, ngày ...": the header's number on a joined line,
    not one its title cites ("Triển khai Quyết định số 90/QĐ-TTg"), unless the document is
    attached to that act ("kèm theo Quyết định số: 59/QĐ-UBND"). The type word decides the type."""
    for m in _FLAT_NUMBER_RE.finditer(flat.folded, 0, 500):
        before = flat.folded[max(0, m.start() - 40):m.start()]
        cites = re.search(rf"\b(?:{_TYPE_ALTERNATION}|nghi dinh|thong tu|luat|ke hoach lien tich)"
                          r"\s*$", before)
        if cites and not re.search(r"kem\s+theo\s+\S+(?:\s+\S+)?\s*$", before):
            continue
        _set_number(facts, flat.text[m.start("num"):m.end("num")], with_type=facts.doc_type is None)
        return


def _set_date(facts: DocumentFacts, m: re.Match, text: str) -> None:
    facts.issue_date_text = clean_phrase(text[m.start("place"):m.end("y")]).split(",", 1)[-1].strip()
    y = int(m.group("y"))
    mo_s, d_s = m.group("m") or m.group("m2"), m.group("d") or m.group("d2")
    mo = int(mo_s) if mo_s else None
    d = int(d_s) if d_s else None
    facts.issue_year = y
    facts.issue_month = mo if mo and 1 <= mo <= 12 else None
    if d and facts.issue_month:
        try:
            facts.issue_date = date(y, facts.issue_month, d)
        except ValueError:
            facts.issue_date = None


def _place(text: str, m: re.Match) -> str | None:
    place = clean_phrase(text[m.start("place"):m.end("place")])
    if "/" in place:  # "Số: 12/KH-UBND Thạch Đà" when OCR joins the two header columns
        place = clean_phrase(re.split(r"\S*/\S*", place)[-1])
    tail = list(_HEADER_TAIL_RE.finditer(fold(place)))
    if tail:  # "Hạnh phúc Đông Sơn": keep what follows the header words
        place = clean_phrase(place[tail[-1].end():]).lstrip("-– ").strip()
    return place if place and len(place.split()) <= 5 else None


def _date(facts: DocumentFacts, text: str, folded: str, header_end: int) -> None:
    """A date line in the header; else one after other text on a joined header line; else a
    date line anywhere (never "..., ngày 18/01/2022" of a cited decision when the header has it)."""
    m = (_dated_place(_DATE_LINE_RE, folded, 0, header_end)
         or _dated_place(_DATE_ANYWHERE_RE, folded, 0, header_end)
         or _dated_place(_DATE_LINE_RE, folded, 0, len(folded)))
    if m is None and _NUMBER_RE.search(folded, 0, header_end):
        m = _LONE_DATE_RE.search(folded, 0, header_end)  # "Số: 15/KH-UBND" ... "Ngày 05 tháng 3 năm 2024"
    if m:
        facts.place = _place(text, m)
        _set_date(facts, m, text)


def _dated_place(pattern: re.Pattern, folded: str, lo: int, hi: int) -> re.Match | None:
    """The first "<place>, ngày ..." whose place is no weekday: "Thứ hai, ngày 11/11/2024" is
    when a portal posted the page, not where and when the document was signed."""
    for m in pattern.finditer(folded, lo, hi):
        if not _WEEKDAY_RE.search(m.group("place")):
            return m
    return None


def _flat_date(facts: DocumentFacts, flat: _Flat) -> None:
    m = _dated_place(_DATE_ANYWHERE_RE, flat.folded, 0, len(flat.folded))
    if m:
        facts.place = facts.place or _upper_words_before(flat.text, m.end("place"))
        _set_date(facts, m, flat.text)


def _upper_words_before(text: str, end: int, at_most: int = 4) -> str | None:
    """The capitalised words right before `end` ("... Hạnh phúc Quảng Nam" -> "Quảng Nam")."""
    words = text[:end].split(" ")
    taken: list[str] = []
    for word in reversed(words):
        if not word[:1].isupper() or len(taken) == at_most or fold(word) in ("phuc", "nam)"):
            break
        taken.insert(0, word)
    place = clean_phrase(" ".join(taken))
    return place or None


def _type_and_title(facts: DocumentFacts, text: str) -> None:
    """The type line ("KẾ HOẠCH", "KẾ HOẠCH HÀNH ĐỘNG") and the title lines under it."""
    lines = text.split("\n")
    for i, raw_line in enumerate(lines):
        line = clean_phrase(raw_line)
        key = fold(line)
        head_type = next((k for k in DOC_TYPES if key == k or key.startswith(k + " ")), None)
        # in capitals, with its kind ("KẾ HOẠCH HÀNH ĐỘNG"), or alone in Title Case ("Kế Hoạch" of
        # a title-cased copy; "kế hoạch" alone is a line of wrapped text)
        if not (head_type and len(line.split()) <= 6 and (
                _mostly_upper(line) or key == head_type and _case_style(line) == "title")):
            continue
        facts.doc_type = DOC_TYPES[head_type]
        title_parts: list[str] = []
        following, last = lines[i + 1:], ""
        for j, next_line in enumerate(following):
            t = clean_phrase(next_line)
            if not t:
                if title_parts and not _title_goes_on(last, following[j + 1:]):
                    break
                continue
            if re.match(r"^(can cu|thuc hien|uy ban|ubnd)\b", fold(t)) and title_parts:
                break
            title_parts.append(t)
            last = next_line
            if len(title_parts) >= 3 or t.endswith("."):
                break
        if title_parts:
            facts.title = " ".join(title_parts).rstrip(".")
        return


def _title_goes_on(last: str, rest: list[str]) -> bool:
    """A title wrapped over lines with blank lines between them (web copies double line ends):
    the next line goes on with it when it starts in lower case, when the last one ended on a
    comma, or when both are written in capitals or both in Title Case."""
    nxt = next((clean_phrase(line) for line in rest if clean_phrase(line)), "")
    if not nxt:
        return False
    style = _case_style(clean_phrase(last))
    return nxt[:1].islower() or last.rstrip(" *").endswith((",", " và", "-")) or (
        style != "sentence" and _case_style(nxt) == style)


def _case_style(line: str) -> str:
    """ "upper" (KẾ HOẠCH GIẢM NGHÈO), "title" (Rà Soát Hộ Nghèo) or "sentence"."""
    if _mostly_upper(line):
        return "upper"
    words = [w for w in re.findall(r"[^\W\d_]+", line)]
    return "title" if len(words) > 1 and all(w[:1].isupper() for w in words) else "sentence"


# a verb or preposition of a title before a type word makes that word its object
_OBJECT_BEFORE_RE = re.compile(
    r"\b(?:trien\s+khai|thuc\s+hien|ban\s+hanh|phe\s+duyet|sua\s+doi|bo\s+sung|xay\s+dung|ve|cua|"
    r"theo|tai)\s*$")


def _flat_type_and_title(facts: DocumentFacts, flat: _Flat) -> None:
    """A type word in capitals anywhere in the flattened header, the capitals after it its title."""
    for m in re.finditer(rf"\b(?P<type>{_TYPE_ALTERNATION})\b", flat.folded):
        written = flat.text[m.start():m.end()]
        if not written.isupper() or _OBJECT_BEFORE_RE.search(flat.folded[max(0, m.start() - 20):m.start()]):
            continue  # "TRIỂN KHAI CHƯƠNG TRÌNH ...": the object of a title, not the type
        facts.doc_type = DOC_TYPES[m.group("type")]
        title = re.match(r"[^a-zà-ỹđ]*(?:[^\W\d_]*[A-ZÀ-ỸĐ][^\W\d_]*[^a-zà-ỹđ]*)*",
                         flat.text[m.end():])
        words = clean_phrase(title.group(0) if title else "").split()
        while words and not words[-1][:1].isupper():
            words.pop()
        if words and not facts.title:
            facts.title = _title_of(" ".join(words))
        return


def _title_of(capitals: str) -> str:
    """A title written in capitals, as the line-based reader gives it (first letter capital)."""
    return capitals[:1] + capitals[1:].lower() if capitals.isupper() else capitals


def _issuing_act(facts: DocumentFacts, text: str, own_number: bool = False,
                 head_end: int = 600) -> None:
    """ "ban hành Kế hoạch số 105/KH-UBND" with its date after or before: the document itself;
    "(Ban hành) kèm theo Quyết định số 59/QĐ-UBND": the decision that issued it. An act of
    another type than the document's ("đã xây dựng Kế hoạch số ..." in a Báo cáo) is another
    document."""
    folded = fold(text)
    for m in _ISSUED_RE.finditer(folded):
        if not m.group("num"):
            continue
        act_type = DOC_TYPES[re.sub(r"\s+", " ", m.group("type"))]
        attached = "kem theo" in m.group(0)
        if attached and m.start() > head_end:
            continue  # "(kèm theo Quyết định số ...)" in the body names a form, not the document
        if facts.doc_type not in (None, act_type) and not attached:
            continue
        if own_number and not attached:
            return
        facts.doc_type = facts.doc_type or act_type
        number = re.sub(r"\s+", "", text[m.start("num"):m.end("num")])
        if facts.number is None:
            _set_number(facts, number, with_type=False)
        if facts.issue_year is None and fold(number) == fold(facts.number or ""):
            after = _ISSUED_DATE_RE.match(folded, m.end("num"))
            before = _DATE_BEFORE_RE.search(folded, max(0, m.start() - 80), m.start())
            if after or before:
                _set_act_date(facts, after or before)
        return


def _set_act_date(facts: DocumentFacts, found: re.Match) -> None:
    """The date of the act a sentence names ("... số 45/KH-UBND ngày 12/3/2024")."""
    y, mo = int(found.group("y")), found.group("m") or found.group("m2")
    d = found.group("d") or found.group("d2")
    facts.issue_year, facts.issue_month = y, int(mo) if mo else None
    try:
        facts.issue_date = date(y, int(mo), int(d)) if mo and d else None
    except ValueError:
        facts.issue_date = None


# a copy titled by its own identification: "Kế hoạch số 45/KH-UBND ngày 12/3/2024 của UBND ..."
_HEADLINE_ACT_RE = re.compile(rf"[#*\s|]*(?P<type>{_TYPE_ALTERNATION})\s+so\s*[:.]?\s*{_NUMBER}")


# what a portal prints above a copy: its banner, the posting day and time, counters
_PAGE_CHROME_RE = re.compile(
    r"[#*\s|]*(?:(?:trang|cong)\s+thong\s+tin\s+dien\s+tu\b[^\n]{0,60}$|(?:thu\s+(?:hai|ba|tu|nam|sau|"
    r"bay|[2-7])|chu\s+nhat|ngay\s+dang|cap\s+nhat|dang\s+luc|luot\s+xem)\b|[\d\s/:.,\-–|]+$)")


def first_headline(text: str) -> str:
    """The first line of a text that is not a portal's banner, posting time or counters."""
    return next((line for line in text.split("\n") if line.strip() and not _PAGE_CHROME_RE.match(
        fold(line))), "")


def _headline_act(facts: DocumentFacts, text: str) -> None:
    """A copy whose headline is the document's type, number and date (a portal's list of
    documents titles each copy so): they are the document's own."""
    headline = first_headline(text)
    folded = fold(headline)
    m = _HEADLINE_ACT_RE.match(folded)
    if m is None:
        return
    facts.doc_type = facts.doc_type or DOC_TYPES[re.sub(r"\s+", " ", m.group("type"))]
    if facts.number is None:
        _set_number(facts, headline[m.start("num"):m.end("num")], with_type=False)
    found = _ISSUED_DATE_RE.match(folded, m.end("num"))
    if facts.issue_year is None and found:
        _set_act_date(facts, found)
