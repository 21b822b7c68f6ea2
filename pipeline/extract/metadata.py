"""Document facts: type, number, date, place, issuer, locality, period, signer, references.

Reads the header (Số:, place and date line, KẾ HOẠCH + title), the preamble (issuer named in
"Ủy ban nhân dân xã X ban hành / xây dựng ..."), the signature block (TM. ỦY BAN NHÂN DÂN /
CHỦ TỊCH / name) and every cited document ("Kế hoạch số 45/KH-UBND ngày 07/3/2024 của ...").
Patterns run on folded text (text.fold) so they survive missing accents; values are cut from
the original text. District and province come from the text, checked and completed with the
gazetteer (places.complete_from_gazetteer).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

from pipeline.places import (
    LEVEL_ALTERNATION,
    LEVEL_FOLD,
    LEVELS,
    RANK,
    complete_from_gazetteer,
    is_province,
)
from pipeline.records import DocumentFacts, Page, Reference
from pipeline.spans import ground
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
}
_EXTRA_REF_KINDS = {"van ban": "Văn bản", "ket luan": "Kết luận"}
REF_KINDS = dict(DOC_TYPES, **_EXTRA_REF_KINDS, **{
    "thong tu lien tich": "Thông tư liên tịch",
    "thong tu": "Thông tư",
    "nghi dinh": "Nghị định",
    "luat": "Luật",
    "cong dien": "Công điện",
})
CODE_TYPES = {"KH": "Kế hoạch", "QD": "Quyết định", "BC": "Báo cáo", "NQ": "Nghị quyết",
              "TTr": "Tờ trình", "TB": "Thông báo", "CT": "Chỉ thị", "HD": "Hướng dẫn"}
_UBND = r"(?:uy\s*ban\s*nh[a-z]n\s*d[a-z]n|ubnd)"
_DATE_LINE_RE = re.compile(
    r"(?m)^[#*\s]*(?P<place>[^\n,]{2,40}),\s*ngay\s*(?:(?P<d>\d{1,2})?\s*(?:\.{2,}|…)?\s*thang\s*"
    r"(?P<m>\d{1,2})?\s*(?:\.{2,}|…)?\s*nam\s*|(?P<d2>\d{1,2})\s*/\s*(?P<m2>\d{1,2})\s*/\s*)"
    r"(?P<y>\d{4})"
)
# The same date line anywhere on a header line, when the two header columns are joined on one
# line ("Số: 7/KH-UBND      Đông Sơn, ngày 9 tháng 4 năm 2024"): the place is the words
# (single-spaced, up to six) right before the comma.
_DATE_ANYWHERE_RE = re.compile(
    r"(?<!\S)(?P<place>[^\s,][^\s,]*(?: [^\s,]+){0,5}),\s*ngay\s*(?:(?P<d>\d{1,2})?\s*"
    r"(?:\.{2,}|…)?\s*thang\s*(?P<m>\d{1,2})?\s*(?:\.{2,}|…)?\s*nam\s*"
    r"|(?P<d2>\d{1,2})\s*/\s*(?P<m2>\d{1,2})\s*/\s*)(?P<y>\d{4})"
)
# Header words a joined line may leave before the place ("... Hạnh phúc Đông Sơn, ngày ...")
_HEADER_TAIL_RE = re.compile(
    r"\S*/\S*|hanh phuc|viet nam|nhan dan|\b(?:xa|huyen|tinh|phuong|quan) [^\s]+ [^\s]+\s{2,}"
)
_NUMBER_RE = re.compile(r"(?m)^[#*\s]*so\s*[:.]?\s*(?P<num>[0-9]*\s*/\s*[0-9]{0,4}/?\s*[a-z0-9đ\-–&]+)")
_REF_RE = re.compile(
    r"\b(?P<kind>thong tu lien tich|" + "|".join(sorted(REF_KINDS, key=len, reverse=True)) + r")"
    r"\s+(?:so\s*:?\s*)?(?P<num>\d+[a-z]?(?:\s*/\s*\d{4})?\s*/\s*[a-z0-9đ]+(?:\s*[-–]\s*[a-z0-9đ&]+)*)"
    r"(?=(?P<rest>[^\n;]{0,200}))"
)
_REF_DATE_RE = re.compile(
    r"^\s*,?\s*ngay\s*(?:(?P<d>\d{1,2})\s*/\s*(?P<m>\d{1,2})\s*/\s*(?P<y>\d{4})"
    r"|(?P<d2>\d{1,2})\s*thang\s*(?P<m2>\d{1,2})\s*nam\s*(?P<y2>\d{4}))"
)
_REF_ISSUER_RE = re.compile(
    r"^\s*,?\s*cua\s+(?P<iss>.+?)"
    r"(?=\s+(?:ve|quy dinh|huong dan|ban hanh|phe duyet|giao|dieu chinh)\b|[;,.()]|$)"
)
_SIGN_TITLES = ("pho chu tich", "chu tich", "giam doc", "pho giam doc", "truong phong",
                "truong ban", "bi thu", "pho bi thu", "chanh van phong")




def _clean(s: str) -> str:
    return re.sub(r"\s+", " ", s.replace("*", "").replace("#", "")).strip(" .:;,-")


_NAME_STOP_WORDS = ("về", "ban", "xây", "năm", "giai", "thực", "trên", "kế", "ubnd", "ủy", "uỷ",
                    "huyện", "tỉnh", "xã", "quận", "phường", "như", "để", "theo", "và", "giảm",
                    "ngày", "số", "triển", "thị", "của", "tại", "từ", "đến")
_NAME_STOP = set(_NAME_STOP_WORDS)
_NAME_STOP_FOLDED = {fold(w) for w in _NAME_STOP_WORDS}


def _stops_name(word: str) -> bool:
    """Words that end a place name; accent-stripped words compare folded."""
    if word.isascii():
        return fold(word) in _NAME_STOP_FOLDED
    return word.lower() in _NAME_STOP


_WORD_RE = re.compile(r"[ \t]*([^\W\d_]+)")


def _name_after(text: str, pos: int, max_words: int = 4) -> tuple[str, int] | None:
    """The capitalised place name starting at `pos` ("Tân Hưng", "Phong Phú"), and its end."""
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


def extract_metadata(pages: list[Page]) -> DocumentFacts:
    """Facts about the document itself, from its header, preamble and signature block."""
    facts = DocumentFacts()
    if not pages:
        return facts
    first = pages[0]
    head_text = first.text[:4000]
    head = fold(head_text)
    _header(facts, first, head_text, head)
    _issuer(facts, pages, head_text, head)
    _period(facts, pages)
    for page in reversed(pages):  # an appendix may follow the signature
        _signature(facts, page)
        if facts.signer_title:
            break
    own = fold(facts.number or "")
    facts.references = [r for r in extract_references(pages) if fold(r.number or "") != own]
    complete_from_gazetteer(facts)
    return facts


def _header(facts: DocumentFacts, page: Page, text: str, folded: str) -> None:
    m = _NUMBER_RE.search(folded)
    if m:
        raw = re.sub(r"\s+", "", text[m.start("num"):m.end("num")])
        number = raw if re.match(r"\d", raw) else None
        facts.number = number
        code = re.search(r"/([A-Za-zĐđ]+)", raw)
        if code:
            facts.doc_type = CODE_TYPES.get(fold(code.group(1)).upper()) or facts.doc_type
    head_end = re.search(r"\n\s*(?:can cu|thuc hien)\b", folded)
    header_end = head_end.start() if head_end else min(len(folded), 2000)
    # a date line in the header; else one after other text on a joined header line; else
    # a date line anywhere (never "..., ngày 18/01/2022" of a cited decision when the header has it)
    m = (_DATE_LINE_RE.search(folded, 0, header_end)
         or _DATE_ANYWHERE_RE.search(folded, 0, header_end) or _DATE_LINE_RE.search(folded))
    if m:
        place = _clean(text[m.start("place"):m.end("place")])
        if "/" in place:  # "Số: 12/KH-UBND Thạch Đà" when OCR joins the two header columns
            place = _clean(re.split(r"\S*/\S*", place)[-1])
        tail = list(_HEADER_TAIL_RE.finditer(fold(place)))
        if tail:  # "Hạnh phúc Đông Sơn": keep what follows the header words
            place = _clean(place[tail[-1].end():]).lstrip("-– ").strip()
        if place and len(place.split()) <= 5:
            facts.place = place
        facts.issue_date_text = _clean(text[m.start("place"):m.end("y")]).split(",", 1)[-1].strip()
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
    facts.is_draft = bool(re.search(r"(?m)^[#*\s]*du\s*thao\b", folded)) or "(du thao)" in folded
    # doc type line ("KẾ HOẠCH") and the title lines under it
    lines = text.split("\n")
    for i, raw_line in enumerate(lines):
        line = _clean(raw_line)
        key = fold(line)
        head_type = next((k for k in DOC_TYPES if key == k or key.startswith(k + " ")), None)
        if head_type and _mostly_upper(line) and len(line.split()) <= 6:
            facts.doc_type = DOC_TYPES[head_type]  # "KẾ HOẠCH" or "KẾ HOẠCH HÀNH ĐỘNG"
            title_parts = []
            for next_line in lines[i + 1:]:
                t = _clean(next_line)
                if not t:
                    if title_parts:
                        break
                    continue
                if re.match(r"^(can cu|thuc hien|uy ban|ubnd)\b", fold(t)) and title_parts:
                    break
                title_parts.append(t)
                if len(title_parts) >= 3 or t.endswith("."):
                    break
            if title_parts:
                facts.title = " ".join(title_parts).rstrip(".")
            break
    if facts.doc_type is None and facts.number:
        facts.doc_type = CODE_TYPES.get(facts.number.split("/")[-1].split("-")[0])


def _mostly_upper(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) / len(letters) > 0.7


def _issuer(facts: DocumentFacts, pages: list[Page], text: str, folded: str) -> None:
    """Issuer, admin level and locality from the header line or the preamble sentence."""
    level = name = None
    parent: tuple[str, str | None] | None = None
    agency: str | None = None
    # 1. header line "ỦY BAN NHÂN DÂN XÃ TÂN HƯNG" / "UBND HUYỆN BA TƠ" in the first lines;
    # two lines ("UBND HUYỆN X" over "UBND XÃ Y", "UBND TỈNH X" over "SỞ ..."): the lower issues
    top = folded[:600]
    m = re.search(rf"(?m)^[#*\s]*{_UBND}\s+({LEVEL_ALTERNATION})\s+(?=\S)", top)
    if m:
        below = _line_below(text, folded, m.end())
        if below is not None:
            b_start, b_fold = below
            mb = re.match(rf"[#*\s]*{_UBND}\s+({LEVEL_ALTERNATION})\s+(?=\S)", b_fold)
            if mb and RANK[LEVELS[mb.group(1)]] > RANK[LEVELS[m.group(1)]]:
                got = _name_after(text, m.end(), 4)
                parent = (LEVELS[m.group(1)], _upper_name(got[0]) if got else None)
                m = re.compile(rf"[#*\s]*{_UBND}\s+({LEVEL_ALTERNATION})\s+(?=\S)").match(
                    folded, b_start)
            elif re.match(r"[#*\s]*(so|phong|ban|chi cuc)\s+\S", b_fold) and _mostly_upper(
                text[b_start:b_start + len(b_fold)]
            ):
                agency = _clean(text[b_start:b_start + len(b_fold)]).lstrip("#* ")
    if m is None and re.search(rf"(?m)^[#*\s]*{_UBND}", top):
        # two header columns joined by OCR: "ỦY BAN NHÂN DÂN  CỘNG HÒA ..." / "XÃ AN BÌNH  Độc lập"
        m = re.search(rf"(?m)^[#*\s]*({LEVEL_ALTERNATION})\s+(?=\S)", top)
        if m and not text[m.start(1):m.end(1)].isupper():
            m = None
    if m:
        level = LEVELS[m.group(1)]
        got = _name_after(text, m.end(), 4)
        if got:
            name = _title_case(got[0]) if got[0].isupper() else got[0]
    # 2. preamble: "Ủy ban nhân dân xã X ban hành / xây dựng Kế hoạch ..."
    if level is None:
        body = fold(text)
        for m in re.finditer(
            rf"{_UBND}\s+({LEVEL_ALTERNATION})\b(?P<rest>[^\n]{{0,60}}?)\s*(?:ban\s+hanh|xay\s+dung|"
            r"xa[yv]\s+dung|trien\s+khai)\s+(?:ke\s+hoach|k.\s+hoach)", body
        ):
            level = LEVELS[m.group(1)]
            got = _name_after(text, m.start("rest"), 4)
            name = got[0] if got else None
            break
    # 3. the title says where: "... trên địa bàn thành phố Bà Rịa năm 2024"
    if facts.title and (name is None):
        tf = fold(facts.title)
        for m in re.finditer(rf"\b({LEVEL_ALTERNATION})\s+", tf):
            lv = LEVELS[m.group(1)]
            got = _name_after(facts.title, m.end(), 4)
            if got and (level is None or lv == level):
                level, name = lv, got[0]
                break
    # 4. the place line names the locality when nothing else does
    if name is None and level is not None and facts.place:
        doc = fold(" ".join(p.text for p in pages))
        if re.search(rf"\b{re.escape(LEVEL_FOLD[level])}\s+{re.escape(fold(facts.place))}\b", doc):
            name = facts.place
    # 2b. the preamble names the issuer one level down from the header: the header was the parent
    pre = _preamble_unit(text)
    if pre and level and RANK[pre[0]] > RANK[level] and pre[1]:
        parent = parent or (level, name)
        level, name = pre
    facts.admin_level = level
    facts.locality = name
    if level:
        facts.issuer = f"UBND {level}" + (f" {name}" if name else "")
    if agency:
        facts.issuer = agency[:1] + agency[1:].lower()  # "SỞ LAO ĐỘNG ..." -> "Sở lao động ..."
    # district / province named in the text: "huyện Sóc Sơn", "tỉnh Hà Tĩnh"
    alltext = " ".join(p.text for p in pages)
    allfold = fold(alltext)
    for lvl_key, attr in (("huyen", "district"), ("tinh", "province")):
        names = Counter()
        spellings = {"huyen": ("huyện", "huyen"), "tinh": ("tỉnh", "tinh")}[lvl_key]
        for m in re.finditer(rf"\b{lvl_key}\s+(?=\S)", allfold):
            if alltext[m.start():m.start() + len(lvl_key)].lower() not in spellings:
                continue  # "tình hình" folds to "tinh hinh" too
            got = _name_after(alltext, m.end(), 3)
            if got:
                names[_title_case(got[0]) if got[0].isupper() else got[0]] += 1
        if names:
            best = names.most_common(1)[0][0]
            if attr == "district" and level in ("huyện", "thị xã", "thành phố", "quận", "tỉnh"):
                continue
            setattr(facts, attr, best)
    if level == "tỉnh" or (level == "thành phố" and name and is_province(name)):
        facts.province = name or facts.province
    if parent and parent[1]:  # the unit above the issuer, named in the header
        p_level, p_name = parent
        if p_level == "tỉnh" or (p_level == "thành phố" and is_province(p_name)):
            facts.province = p_name
        elif p_level in ("huyện", "thị xã", "thành phố", "quận") and RANK.get(level or "", 0) > 2:
            facts.district = p_name


def _upper_name(name: str) -> str:
    return _title_case(name) if name.isupper() else name


def _line_below(text: str, folded: str, pos: int) -> tuple[int, str] | None:
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


def _preamble_unit(text: str) -> tuple[str, str | None] | None:
    """(level, name) of "Ủy ban nhân dân phường Y ban hành Kế hoạch ..." in the preamble.

    Only before the first section heading ("I.", "1."): the body may name other units' plans.
    """
    first_heading = re.search(r"(?m)^[#*\s]*(?:I|1)\.\s", text)
    text = text[:first_heading.start()] if first_heading else text
    body = fold(text)
    m = re.search(
        rf"{_UBND}\s+({LEVEL_ALTERNATION})\b(?P<rest>[^\n]{{0,60}}?)\s*(?:ban\s+hanh|xay\s+dung|"
        r"xa[yv]\s+dung|trien\s+khai)\s+(?:ke\s+hoach|k.\s+hoach)", body
    )
    if not m:
        return None
    got = _name_after(text, m.start("rest"), 4)
    return LEVELS[m.group(1)], (got[0] if got else None)


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
    lines = [_clean(line) for line in page.text.splitlines()]
    lines = [line for line in lines if line]
    tail = lines[-40:]  # the block may stand above an appendix table
    title_idx = None
    for i, line in enumerate(tail):
        f = fold(line)
        f = re.sub(r"^(kt|tm|tl|tuq|q)\.\s*", "", f)
        if f in _SIGN_TITLES and _mostly_upper(line):
            title_idx = i
    if title_idx is None:
        return
    title = re.sub(r"^(?:KT|TM|TL|TUQ|Q)\.\s*", "", tail[title_idx])
    facts.signer_title = title
    for line in tail[title_idx + 1:]:
        words = line.split()
        if 2 <= len(words) <= 5 and all(w[:1].isupper() for w in words) and not _mostly_upper(
            line
        ) and not re.search(r"\d", line):
            facts.signer = line
            break


def extract_references(pages: list[Page]) -> list[Reference]:
    """Every cited document (kind, number, date, issuer), once per number, grounded."""
    refs: list[Reference] = []
    by_number: dict[str, list[Reference]] = {}
    for page in pages:
        folded = fold(page.text)
        for m in _REF_RE.finditer(folded):
            num = re.sub(r"\s+", "", page.text[m.start("num"):m.end("num")]).replace("–", "-")
            if "/" not in num:
                continue
            key = fold(num)
            kind = REF_KINDS[re.sub(r"\s+", " ", m.group("kind"))]
            rest_f = m.group("rest")
            rest_start = m.start("rest")
            ref_date = None
            end = m.end("num")
            dm = _REF_DATE_RE.match(rest_f)
            if dm:
                d = dm.group("d") or dm.group("d2")
                mo = dm.group("m") or dm.group("m2")
                y = dm.group("y") or dm.group("y2")
                try:
                    ref_date = date(int(y), int(mo), int(d))
                except ValueError:
                    ref_date = None
                end = rest_start + dm.end()
                rest_f = rest_f[dm.end():]
                rest_start += dm.end()
            # one entry per document: a number cited again without a date or with the same
            # one is the same document; an earlier dateless mention takes the date
            earlier = by_number.setdefault(key, [])
            if earlier and (ref_date is None or any(r.date == ref_date for r in earlier)):
                continue
            dateless = [r for r in earlier if r.date is None]
            if dateless:
                dateless[0].date = ref_date
                continue
            issuer = None
            im = _REF_ISSUER_RE.match(rest_f)
            if im:
                issuer = _clean(page.text[rest_start + im.start("iss"):rest_start + im.end("iss")])
                end = rest_start + im.end("iss")
            ref = Reference(kind, num, ref_date, issuer or None, ground(page, m.start(), end))
            refs.append(ref)
            earlier.append(ref)
    return refs
