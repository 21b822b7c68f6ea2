"""Cited documents: "Kế hoạch số 45/KH-UBND ngày 07/3/2024 của UBND tỉnh", once per document.

Each reference keeps its kind, number, date and issuer and points at the words that cite it.
"""

from __future__ import annotations

import re
from datetime import date

from pipeline.extract.header import DOC_TYPES, clean_phrase
from pipeline.records import Page, Reference
from pipeline.spans import ground
from pipeline.text import fold

_EXTRA_REF_KINDS = {"van ban": "Văn bản", "ket luan": "Kết luận"}
REF_KINDS = dict(DOC_TYPES, **_EXTRA_REF_KINDS, **{
    "thong tu lien tich": "Thông tư liên tịch",
    "thong tu": "Thông tư",
    "nghi dinh": "Nghị định",
    "luat": "Luật",
    "cong dien": "Công điện",
})
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
                issuer = clean_phrase(page.text[rest_start + im.start("iss"):rest_start + im.end("iss")])
                end = rest_start + im.end("iss")
            ref = Reference(kind, num, ref_date, issuer or None, ground(page, m.start(), end))
            refs.append(ref)
            earlier.append(ref)
    return refs
