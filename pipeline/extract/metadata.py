"""Document facts: type, number, date, place, issuer, locality, period, signer, references.

The header (extract/header.py), the issuing unit ("ỦY BAN NHÂN DÂN / XÃ TÂN HƯNG", or the
preamble "Ủy ban nhân dân xã X ban hành Kế hoạch ...", the title "... trên địa bàn xã X", a
portal's banner "Trang thông tin điện tử xã X"), the signature block (TM. ỦY BAN NHÂN DÂN /
CHỦ TỊCH / name) and the cited documents (extract/references.py). Place names are the longest
official unit name standing after the level word ("Quảng Nam", not "Quảng"), else the words in
capitals. District and province are what the text says: a fact it does not state stays
unknown (the official unit of the plan is the job of pipeline/places.py).
"""

from __future__ import annotations

import re
from collections import Counter

from pipeline.extract.header import clean_phrase, first_headline, read_header
from pipeline.extract.references import extract_references
from pipeline.places import (
    ABBREVIATIONS,
    COMMUNE_LEVELS,
    DISTRICT_LEVELS,
    LEVEL_ALTERNATION,
    LEVEL_FOLD,
    LEVELS,
    RANK,
    is_central_city,
    is_province,
    official_name_at,
)
from pipeline.records import DocumentFacts, Page
from pipeline.text import fold

__all__ = ["extract_metadata", "extract_references"]

_UBND = r"(?:uy\s*ban\s*nh[a-z]n\s*d[a-z]n|ubnd|hoi\s*dong\s*nh[a-z]n\s*d[a-z]n|hdnd)"
# A party committee heads its own documents: "TỈNH ỦY QUẢNG NAM", "HUYỆN ỦY X", "ĐẢNG ỦY XÃ Y"
_PARTY_RE = re.compile(
    rf"(?m)^[#*\s|]*(?:(?P<short>tinh|huyen|thanh|thi|quan)\s*uy|dang\s*uy\s+(?P<level>{LEVEL_ALTERNATION}))"
    r"\s+(?=\S)")
_PARTY_LEVELS = {"tinh": "tỉnh", "huyen": "huyện", "thanh": "thành phố", "thi": "thị xã",
                 "quan": "quận"}
# What may follow the unit's name on a header line: nothing, a rule, the other column
_HEADER_REST_RE = re.compile(
    rf"\s*(?:$|\||[-_–—*]{{2,}}|\s{{2,}}|cong\s+hoa|doc\s+lap|so\s*:|,\s*(?:{LEVEL_ALTERNATION})\b)")
# A level word of a header, or its abbreviation ("TP. HỒ CHÍ MINH", "TX HƯƠNG TRÀ"), then a name
_HEAD_LEVEL = rf"(?P<lv>(?:{LEVEL_ALTERNATION})\s+|t[pxt]\b\.?\s*)(?=\S)"
_UNIT_RE = re.compile(rf"[#*\s|]*{_UBND}\s+{_HEAD_LEVEL}")
# a line that starts with a level word (not the national motto wrapped: "XÃ HỘI CHỦ NGHĨA ...")
_LEVEL_LINE_RE = re.compile(rf"[#*\s|]*(?!xa\s+hoi\b){_HEAD_LEVEL}")
# An agency heading the document with its unit: "SỞ ... / TỈNH X", "PHÒNG LĐ-TB&XH HUYỆN Y"
_AGENCY_HEAD_RE = re.compile(
    r"(?m)^[#*\s|]*(?P<agency>(?:so|phong|ban|chi cuc|hoi|trung tam|dang bo|cong an|benh vien)\b"
    rf"[^\n]{{0,80}}?)(?:\s*\n[#*\s|]*|\s+)(?!xa\s+hoi\b){_HEAD_LEVEL}")
# (the unit nearest the verb: "Thực hiện Kế hoạch của UBND huyện, UBND xã xây dựng Kế hoạch")
_PREAMBLE_RE = re.compile(
    rf"{_UBND}\s+({LEVEL_ALTERNATION})\b(?P<rest>(?:(?!{_UBND})[^\n;]){{0,60}}?)\s*(?:vua\s+)?"
    r"(?:ban\s+hanh|"
    r"xay\s+dung|xa[yv]\s+dung|trien\s+khai)\s+(?:ke\s+hoach|k.\s+hoach)")
# "Trang thông tin điện tử xã Thạch Kim", "Cổng thông tin điện tử huyện X": a portal's banner
_BANNER_RE = re.compile(rf"(?:trang|cong)\s+thong\s+tin\s+dien\s+tu\s+(?:cua\s+)?({LEVEL_ALTERNATION})\s+")
_SIGN_TITLES = ("pho chu tich", "chu tich", "giam doc", "pho giam doc", "truong phong",
                "truong ban", "bi thu", "pho bi thu", "chanh van phong")
_NAME_STOP_WORDS = ("về", "ban", "xây", "năm", "giai", "thực", "trên", "kế", "ubnd", "ủy", "uỷ",
                    "huyện", "tỉnh", "xã", "quận", "phường", "như", "để", "theo", "và", "giảm",
                    "ngày", "số", "triển", "thị", "của", "tại", "từ", "đến")
_NAME_STOP = set(_NAME_STOP_WORDS)
_NAME_STOP_FOLDED = {fold(w) for w in _NAME_STOP_WORDS}
_WORD_RE = re.compile(r"[ \t]*([^\W\d_]+)")


def _stops_name(word: str) -> bool:
    """Words that end a place name; accent-stripped words compare folded."""
    if word.isascii():
        return fold(word) in _NAME_STOP_FOLDED
    return word.lower() in _NAME_STOP


def _name_after(text: str, pos: int, level: str | None = None,
                max_words: int = 4) -> tuple[str, int] | None:
    """The place name starting at `pos` and its end: the longest official name of that level in
    its official spelling ("QUẢNG\nNAM" -> "Quảng Nam"), else the capitalised words ("Tân Hưng",
    "Phong Phú")."""
    start = pos + len(text[pos:]) - len(text[pos:].lstrip(" \t"))
    official = official_name_at(text, start, level)
    if official and text[start:start + 1].isupper():
        return official
    numbered = re.match(r"\d{1,2}\b", text[start:start + 3])
    if numbered and level in ("phường", "quận"):  # "Phường 3", "Quận 1"
        return numbered.group(0), start + numbered.end()
    words: list[str] = []
    i = pos
    while len(words) < max_words:
        m = _WORD_RE.match(text, i)
        if not m or not m.group(1)[0].isupper() or _stops_name(m.group(1)):
            break
        if fold(text[m.start(1):m.start(1) + 9]) in ("thanh pho",):
            break
        if re.match(r"cong\s+hoa\s+xa\s+hoi|doc\s+lap\s*[-–]", fold(text[m.start(1):m.start(1) + 20])):
            break  # the national motto of a joined header line, not a commune "Cộng Hòa"
        if words and words[0].isupper() and len(words[0]) > 1 and not m.group(1).isupper():
            break  # "THẠCH ĐÀ Độc lập": an upper-case name ends where the case changes
        words.append(m.group(1))
        i = m.end()
    if not words:
        return None
    return " ".join(words), i


def _title_case(name: str) -> str:
    return " ".join(w[:1].upper() + w[1:].lower() for w in name.split())


def _as_written(name: str) -> str:
    return _title_case(name) if name.isupper() else name


def extract_metadata(pages: list[Page]) -> DocumentFacts:
    """Facts about the document itself, from its header, preamble and signature block."""
    facts = DocumentFacts()
    if not pages:
        return facts
    # markdown emphasis and heading marks of web copies ("**ỦY BAN NHÂN DÂN**") read as spaces
    head_text = re.sub(r"[*#]", " ", pages[0].text[:4000])
    read_header(facts, head_text)
    _issuer(facts, pages, head_text)
    _period(facts, pages)
    for page in reversed(pages):  # an appendix may follow the signature
        _signature(facts, page)
        if facts.signer_title:
            break
    own = fold(facts.number or "")
    facts.references = [r for r in extract_references(pages) if fold(r.number or "") != own]
    return facts


def _issuer(facts: DocumentFacts, pages: list[Page], text: str) -> None:
    """Issuer, admin level and locality; then the district and province the text names."""
    folded = fold(text)
    level, name, parent, agency = _header_unit(text, folded)
    if level is None:
        level, name = _preamble_unit(text, whole=True) or (None, None)
    if name is None:
        level, name = _named_elsewhere(facts, pages, text, level)
    pre = _preamble_unit(text)  # the preamble names the issuer one level below the header's
    if pre and level and RANK[pre[0]] > RANK[level] and pre[1]:
        parent = parent or (level, name)
        level, name = pre
    facts.admin_level, facts.locality = level, name
    if level:
        facts.issuer = _issuer_name(_body(folded), level, name)
    if agency:  # "SỞ LAO ĐỘNG ..." -> "Sở lao động ...", the unit's name as written
        facts.issuer = agency[:1] + agency[1:].lower() if agency.isupper() else agency
    _district_and_province(facts, pages, parent)


def _issuer_name(body: str, level: str, name: str | None) -> str:
    """ "UBND xã Tân Hưng", "HĐND tỉnh Bình Định", "Tỉnh ủy Quảng Nam", "Đảng ủy xã X"."""
    if body == "Đảng ủy" and level in _PARTY_NAMES:
        return _PARTY_NAMES[level] + (f" {name}" if name else "")
    return f"{body} {level}" + (f" {name}" if name else "")


_PARTY_NAMES = {"tỉnh": "Tỉnh ủy", "huyện": "Huyện ủy", "thành phố": "Thành ủy",
                "thị xã": "Thị ủy", "quận": "Quận ủy"}


def _body(folded: str) -> str:
    """The kind of body that issues: People's Council (HĐND), party committee, else UBND."""
    if re.match(r"[#*\s|]*(?:hoi\s*dong\s*nhan\s*dan|hdnd)\b", folded):
        return "HĐND"
    m = _PARTY_RE.match(folded)
    return "Đảng ủy" if m else "UBND"


def _header_unit(text: str, folded: str):
    """(level, name, parent unit, agency) of the header's issuing unit ("ỦY BAN NHÂN DÂN / XÃ
    TÂN HƯNG", "UBND TP. HỒ CHÍ MINH"); of two units ("UBND HUYỆN X" over "UBND XÃ Y" or "XÃ Y",
    "UBND TỈNH X" over "SỞ ..."), the lower one issues."""
    parent: tuple[str, str | None] | None = None
    agency: str | None = None
    top = folded[:600]
    m = re.search(rf"(?m)^[#*\s|]*{_UBND}\s+{_HEAD_LEVEL}", top)
    if m:
        below = _line_below(folded, m.end())
        if below is not None:
            b_start, b_fold = below
            b_text = text[b_start:b_start + len(b_fold)]
            mb = _UNIT_RE.match(b_fold) or (
                _LEVEL_LINE_RE.match(b_fold) if _mostly_upper(b_text) else None)
            if mb and RANK[_level(mb)] > RANK[_level(m)]:
                got = _name_after(text, m.end(), _level(m))
                parent = (_level(m), _as_written(got[0]) if got else None)
                m = _UNIT_RE.match(folded, b_start) or _LEVEL_LINE_RE.match(folded, b_start)
            elif re.match(r"[#*\s|]*(so|phong|ban|chi cuc)\s+\S", b_fold) and _mostly_upper(b_text):
                agency = clean_phrase(b_text).lstrip("#* ")
    if m is None and re.search(rf"(?m)^[#*\s|]*{_UBND}", top):
        # two header columns joined by OCR: "ỦY BAN NHÂN DÂN  CỘNG HÒA ..." / "XÃ AN BÌNH  Độc lập"
        m = re.search(rf"(?m)^[#*\s|]*(?!xa\s+hoi\b){_HEAD_LEVEL}", top)
        if m and not text[m.start("lv"):m.end("lv")].isupper():
            m = None
    if m is None:
        level, name = _party_unit(text, top)
        if level is None:
            level, name, agency = _agency_unit(text, top)
        return level, name, parent, agency
    level = _level(m)
    got = _name_after(text, m.end(), level)
    if not _reads_as_header(text, folded, m.start("lv"), got):
        return None, None, None, None  # "UBND huyện X tổ chức hội nghị ...": a sentence
    return level, (_as_written(got[0]) if got else None), parent, agency


def _level(m: re.Match) -> str:
    """The admin level a match's "lv" group names ("huyen", "tp." -> "huyện", "thành phố")."""
    word = re.sub(r"\s+", " ", m.group("lv")).rstrip(". ")
    return LEVELS.get(word) or ABBREVIATIONS[word]


def _reads_as_header(text: str, folded: str, level_at: int, got: tuple[str, int] | None) -> bool:
    """A header names its unit in capitals, or alone on its line; a sentence goes on after it."""
    if text[level_at:level_at + 1].isupper():
        return True
    end = got[1] if got else level_at
    line_end = folded.find("\n", end)
    return bool(_HEADER_REST_RE.match(folded[end:len(folded) if line_end < 0 else line_end]))


def _agency_unit(text: str, top: str) -> tuple[str | None, str | None, str | None]:
    """(level, name, agency) of an agency that heads its own document with its unit ("SỞ LAO
    ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI / TỈNH NINH BÌNH", "BAN CHỈ ĐẠO ... HUYỆN X")."""
    m = _AGENCY_HEAD_RE.search(top)
    if m is None or not _mostly_upper(text[m.start("agency"):m.end("lv")]):
        return None, None, None
    level = _level(m)
    got = _name_after(text, m.end(), level)
    if not got:
        return None, None, None
    agency = clean_phrase(text[m.start("agency"):m.end("agency")])
    agency = agency[:1] + agency[1:].lower() if agency.isupper() else agency
    return level, _as_written(got[0]), f"{agency} {level} {_as_written(got[0])}"


def _party_unit(text: str, top: str) -> tuple[str | None, str | None]:
    """(level, name) of a party committee heading its document ("TỈNH ỦY QUẢNG NAM")."""
    m = _PARTY_RE.search(top)
    if m is None or not text[m.start():m.end()].strip(" #*\n").isupper():
        return None, None
    level = LEVELS[m.group("level")] if m.group("level") else _PARTY_LEVELS[m.group("short")]
    got = _name_after(text, m.end(), level)
    return (level, _as_written(got[0])) if got else (None, None)


def _named_elsewhere(facts: DocumentFacts, pages: list[Page], text: str,
                     level: str | None) -> tuple[str | None, str | None]:
    """A unit the header does not name: the title ("... trên địa bàn thành phố Bà Rịa"), the
    area of the preamble ("... trên địa bàn xã Vinh Hà"), the headline of a copy without header
    ("Kết quả ... năm 2020 của xã X, huyện Y"), the portal's banner, the place line."""
    for source in (facts.title or "", _first_sentence_of_issuing(text)):
        found = _level_and_name(source, level)
        if found:
            return found
    found = _headline_unit(text, level)  # whose the copy is, said by its headline, before
    if found:  # whose portal printed it
        return found
    m = _BANNER_RE.search(fold(text[:400]))
    if m and level in (None, LEVELS[m.group(1)]):
        got = _name_after(text, m.end(), LEVELS[m.group(1)])
        if got:
            return LEVELS[m.group(1)], _as_written(got[0])
    if facts.place:
        doc = fold(" ".join(p.text for p in pages))
        place = re.escape(fold(facts.place))
        if level is not None:
            if re.search(rf"\b{re.escape(LEVEL_FOLD[level])}\s+{place}\b", doc):
                return level, facts.place
        elif re.search(rf"(?m)^[#*\s|]*{_UBND}(?:\s*$|\s*\||\t|\s+cong\s+hoa)", fold(text[:300])):
            # "ỦY BAN NHÂN DÂN" over no unit line: the place line names where the issuer sits,
            # at the one level the text gives that name ("thành phố Hải Phòng")
            levels = {LEVELS[m.group(1)] for m in re.finditer(
                rf"\b({LEVEL_ALTERNATION})\s+{place}\b", doc)}
            if len(levels) == 1:
                return levels.pop(), facts.place
    return level, None


# "... của xã X, huyện Y", "... trên địa bàn huyện X", "... tại UBND xã X": whose the text is
_WHOSE_RE = re.compile(rf"\b(?:cua|tren\s+dia\s+ban|tai)\s+(?:{_UBND}\s+)?({LEVEL_ALTERNATION})\s+")


def _headline_unit(text: str, level: str | None) -> tuple[str, str] | None:
    """A copy without header starts at its headline; the unit whose document it is follows
    "của", "trên địa bàn" or "tại" there (the first of a chain "xã X, huyện Y, tỉnh Z")."""
    headline = first_headline(text)
    if re.match(rf"[#*\s|]*(?:{_UBND}|cong\s+hoa|so\s*:|can\s+cu|thuc\s+hien)", fold(headline)):
        return None  # a header line or the legal bases, no headline
    # a headline ends with its line (a text printed as one line: where its first sentence does)
    end = re.search(r"[.;:]\s|\s(?:can\s+cu|[ivx]+\.)\s", fold(headline))
    headline = headline[:end.start() if end else 300]
    for m in _WHOSE_RE.finditer(fold(headline)):
        lv = LEVELS[m.group(1)]
        got = _name_after(headline, m.end(), lv)
        if got and level in (None, lv):
            return lv, _as_written(got[0])
    return None


def _level_and_name(source: str, level: str | None) -> tuple[str, str] | None:
    """The first "<level> <Name>" of a phrase whose level agrees with what is known."""
    for m in re.finditer(rf"\b({LEVEL_ALTERNATION})\s+", fold(source)):
        lv = LEVELS[m.group(1)]
        got = _name_after(source, m.end(), lv)
        if got and (level is None or lv == level):
            return lv, _as_written(got[0])
    return None


def _first_sentence_of_issuing(text: str) -> str:
    """The preamble's sentence "Ủy ban nhân dân xã ban hành Kế hoạch ... trên địa bàn xã X"."""
    m = _PREAMBLE_RE.search(fold(text))
    if not m:
        return ""
    end = re.compile(r"[.:;\n]").search(text, m.end())
    return text[m.end():end.start() if end else len(text)]


def _district_and_province(facts: DocumentFacts, pages: list[Page],
                           parent: tuple[str, str | None] | None) -> None:
    """The district and province the text names ("huyện Sóc Sơn", "thị xã Hương Thủy", "tỉnh Hà
    Tĩnh", "thành phố Hà Nội"), the unit above the issuer in the header, a province that is its
    own locality (the units a text names are those of the text, whose own level may be unknown;
    a unit it does not name stays unknown)."""
    level, name = facts.admin_level, facts.locality
    named = _units_named(" ".join(p.text for p in pages))
    if level in COMMUNE_LEVELS or level is None:
        facts.district = _most_named(named, lambda lv, n: lv in DISTRICT_LEVELS and not (
            lv == "thành phố" and is_central_city(n)))
    facts.province = _most_named(named, lambda lv, n: lv == "tỉnh" or (
        lv == "thành phố" and is_central_city(n)))
    if level == "tỉnh" or (level == "thành phố" and name and is_province(name)):
        facts.province = name or facts.province
    if parent and parent[1]:  # the unit above the issuer, named in the header
        p_level, p_name = parent
        if p_level == "tỉnh" or (p_level == "thành phố" and is_province(p_name)):
            facts.province = p_name  # a provincial city bears its province's name
        if p_level in DISTRICT_LEVELS and not is_central_city(p_name) and RANK.get(
                level or "", 0) > 2:
            facts.district = p_name


_SPELLED = {"huyen": ("huyện",), "tinh": ("tỉnh",), "thi xa": ("thị xã",), "quan": ("quận",),
            "thanh pho": ("thành phố",)}


def _units_named(text: str) -> Counter:
    """(level, name) -> how often the text names it after a district or province level word.
    The word must be spelt with its accents ("tình hình", "cơ quan" fold alike) unless the whole
    text lacks them; "quận", "thị xã", "thành phố" only before a name of the gazetteer."""
    folded = fold(text)
    stripped = sum(not c.isascii() for c in text) < 0.01 * max(1, len(text))
    named: Counter = Counter()
    for m in re.finditer(r"\b(huyen|tinh|thi xa|quan|thanh pho)\s+(?=\S)", folded):
        written = text[m.start():m.end(1)].lower()
        if written not in _SPELLED[m.group(1)] and not (stripped and written == m.group(1)):
            continue
        level = LEVELS[m.group(1)]
        if level in ("huyện", "tỉnh"):
            got = _name_after(text, m.end(), level, 3)
        else:
            got = official_name_at(text, m.end(), level)
        if got:
            named[(level, _as_written(got[0]))] += 1
    return named


def _most_named(named: Counter, wanted) -> str | None:
    """The name most often named among the units `wanted(level, name)` accepts."""
    counts: Counter = Counter()
    for (level, name), n in named.items():
        if wanted(level, name):
            counts[name] += n
    return counts.most_common(1)[0][0] if counts else None


def _mostly_upper(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) / len(letters) > 0.7


def _line_below(folded: str, pos: int) -> tuple[int, str] | None:
    """(start, folded text) of the next non-empty line after `pos`, if it follows at once."""
    nl = folded.find("\n", pos)
    if nl < 0:
        return None
    rest = folded[nl + 1:]
    if rest.startswith("\n") or not rest.strip():
        return None  # a blank line ends the header block
    end = rest.find("\n")
    line = rest if end < 0 else rest[:end]
    return nl + 1, line


def _preamble_unit(text: str, whole: bool = False) -> tuple[str, str | None] | None:
    """(level, name) of "Ủy ban nhân dân phường Y ban hành Kế hoạch ..." in the preamble.

    Only before the first section heading ("I.", "1.") unless `whole`: the body may name other
    units' plans.
    """
    if not whole:
        first_heading = re.search(r"(?m)^[#*\s|]*(?:I|1)\.\s", text)
        text = text[:first_heading.start()] if first_heading else text
    m = _PREAMBLE_RE.search(fold(text))
    if not m:
        return None
    level = LEVELS[m.group(1)]
    got = _name_after(text, m.start("rest"), level)
    return level, (got[0] if got else None)


def _period(facts: DocumentFacts, pages: list[Page]) -> None:
    """Plan period from the title ("giai đoạn 2021-2025", "năm 2024"), else the issue year.

    A yearly plan of a multi-year programme ("... giai đoạn 2021-2025 năm 2024") is for its
    year; without any year in the title, the issue year, else the year the preamble names most.
    """
    f = fold(facts.title or "")
    span = re.search(r"giai\s*doan\s*(\d{4})\s*[-–]\s*(\d{4})", f)
    year = re.search(r"\bn[a-z]m\s*(\d{4})\b", f)
    if year and (not span or span.end() <= year.start()):
        facts.period_start = facts.period_end = int(year.group(1))
    elif span:
        facts.period_start, facts.period_end = int(span.group(1)), int(span.group(2))
    elif facts.issue_year:
        facts.period_start = facts.period_end = facts.issue_year
    elif pages:
        years = Counter(re.findall(r"\bn[a-z]m\s+(20\d\d)\b", fold(pages[0].text[:3000])))
        if years:
            facts.period_start = facts.period_end = int(years.most_common(1)[0][0])


def _signature(facts: DocumentFacts, page: Page) -> None:
    """Signer and title from the signature block at the end of the last page."""
    lines = [clean_phrase(line) for line in page.text.splitlines()]
    lines = [line for line in lines if line]
    tail = lines[-40:]  # the block may stand above an appendix table
    title_idx = None
    for i, line in enumerate(tail):
        f = re.sub(r"^(kt|tm|tl|tuq|q)\.\s*", "", fold(line))
        if f in _SIGN_TITLES and _mostly_upper(line):
            title_idx = i
    if title_idx is None:
        return
    facts.signer_title = re.sub(r"^(?:KT|TM|TL|TUQ|Q)\.\s*", "", tail[title_idx])
    for line in tail[title_idx + 1:]:
        words = line.split()
        if 2 <= len(words) <= 5 and all(w[:1].isupper() for w in words) and not _mostly_upper(
                line) and not re.search(r"\d", line):
            facts.signer = line
            break
