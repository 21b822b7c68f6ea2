"""Quantities in plan text: figures with their units, ranges and reductions.

"0,5%" is 0.5 % (numbers.parse_number reads the figures), "từ 0,5 - 1%" is a range, "từ 5,21%
xuống 3,25%" a reduction to a level with its baseline. Works on folded text (text.fold), so the
spans it returns index the original text too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.numbers import parse_value

NUMBER = r"\d+(?:[.,]\d+)*"

# Folded unit spelling -> unit as users read it. Longest first matters in the regex below.
UNITS: dict[str, str] = {
    "%": "%",
    "phan tram": "%",
    "trieu dong/nguoi/nam": "triệu đồng/người/năm",
    "trieu dong/nguoi/thang": "triệu đồng/người/tháng",
    "trieu dong/nguoi": "triệu đồng/người",
    "trieu dong/ho/nam": "triệu đồng/hộ/năm",
    "trieu dong/nam": "triệu đồng/năm",
    "trieu dong": "triệu đồng",
    "trieu/nguoi/nam": "triệu đồng/người/năm",  # "45 triệu/người/năm": đồng left out
    "trieu/nguoi/thang": "triệu đồng/người/tháng",
    "trieu/nguoi": "triệu đồng/người",
    "tr.dong": "triệu đồng",
    "trd": "triệu đồng",
    "nghin ty dong": "nghìn tỷ đồng",
    "ty usd": "tỷ USD",
    "trieu usd": "triệu USD",
    "ty dong": "tỷ đồng",
    "ti dong": "tỷ đồng",
    "dong/nguoi/nam": "đồng/người/năm",
    "d/nguoi/nam": "đồng/người/năm",
    "nghin dong": "nghìn đồng",
    "ngan dong": "nghìn đồng",
    "dong": "đồng",
    "m2/nguoi": "m²/người",
    "m²/nguoi": "m²/người",
    "m?/nguoi": "m²/người",
    "m2": "m²",
    "m²": "m²",
    "lit/nguoi/ngay": "lít/người/ngày",
    "m3": "m³",
    "m³": "m³",
    "tan/ha": "tấn/ha",
    "ta/ha": "tạ/ha",
    "tan": "tấn",
    "ha": "ha",
    "km": "km",
    "lang": "làng",
    "ban": "bản",
    "truong": "trường",
    "tram": "trạm",
    "co so": "cơ sở",
    "doanh nghiep": "doanh nghiệp",
    "giuong benh": "giường bệnh",
    "bac si": "bác sĩ",
    "hoi nghi": "hội nghị",
    "buoi": "buổi",
    "khu dan cu": "khu dân cư",
    "hop tac xa": "hợp tác xã",
    "ho": "hộ",
    "nguoi": "người",
    "lao dong": "lao động",
    "nhan khau": "nhân khẩu",
    "khau": "khẩu",
    "can bo": "cán bộ",
    "hoc sinh": "học sinh",
    "tre": "trẻ",
    "xa": "xã",
    "thon": "thôn",
    "luot": "lượt",
    "lop": "lớp",
    "mo hinh": "mô hình",
    "can nha": "căn nhà",
    "ngoi nha": "căn nhà",
    "can": "căn nhà",
    "nha": "nhà",
    "cong trinh": "công trình",
    "du an": "dự án",
    "lan": "lần",
}

_UNIT_ALT = "|".join(
    re.escape(u).replace(r"\ ", r"\s+").replace("/", r"\s*/\s*")
    for u in sorted(UNITS, key=len, reverse=True)
    if u != "%"
)
# a unit word must end at a word boundary ("hộ" but not "hỗ" folded to "ho" ... "hotro"); "72
# triệu" with "đồng" left out ends its clause
UNIT_RE = rf"(?:\s*%|\s*(?:{_UNIT_ALT})(?![a-z0-9])|\s*(?:trieu|ty)(?=\s*(?:[;,.)]|$)))"

_Q = rf"(?P<{{name}}>{NUMBER})(?P<{{name}}_unit>{UNIT_RE})?"


def _q(name: str) -> str:
    return _Q.format(name=name)


# a figure stands alone: not glued to letters or symbols ("cd6", "¢6" are OCR noise)
_ALONE = r"(?<![^\s(\[:;\-–+'\"“])"
# "từ 5,21% xuống (còn) 3,25%" / "từ 64 hộ xuống còn 40 hộ"
REDUCE_TO_RE = re.compile(
    rf"\btu\s+{_q('base')}(?:\s*\(?(?:nam|cuoi nam|dau nam)\s+\d{{4}}\)?)?\s*,?\s+"
    rf"(?:xuong|giam\s+xuong|con)\s+(?:con\s+)?(?:duoi\s+|khong qua\s+)?{_q('val')}"
)
# "từ 0,5 - 1%", "0,3 - 0,5%", "30-40 hộ", "từ 0,5 đến 1%"
RANGE_RE = re.compile(
    rf"(?:\btu\s+)?{_ALONE}{_q('lo')}\s*(?:-|–|den)\s*{_q('hi')}"
)
SINGLE_RE = re.compile(rf"{_ALONE}{_q('val')}")
# "8/10 xã đạt chuẩn": a count out of a total (the total is not kept)
FRACTION_RE = re.compile(
    rf"{_ALONE}(?P<val>\d+)\s*/\s*(?P<total>\d+)(?P<val_unit>\s*(?:{_UNIT_ALT})(?![a-z0-9]))"
)
# "nâng từ 85% lên 90%": the level reached with its baseline (an increase to it)
INCREASE_TO_RE = re.compile(
    rf"\btu\s+{_q('base')}(?:\s*\(?(?:nam|cuoi nam|dau nam)\s+\d{{4}}\)?)?\s*,?\s+"
    rf"(?:len|tang len)\s+(?P<above>(?:tren|hon)\s+)?{_q('val')}"
)
# "giảm 1/2 số hộ nghèo", "một nửa số hộ", "2/3 số xã": a share of a count, kept as the fraction
# it is (unit "phần"), not a rate in %
SHARE_OF_COUNT_RE = re.compile(
    rf"{_ALONE}(?:(?P<num>\d+)\s*/\s*(?P<den>\d+)|(?P<half>mot nua))(?=\s+(?:tong\s+)?so\s+[a-z])"
)
SHARE_UNIT = "phần"


def canonical_unit(folded_unit: str | None) -> str | None:
    """The unit as users read it, from its folded spelling ("trieu  dong" -> "triệu đồng")."""
    if not folded_unit:
        return None
    key = re.sub(r"\s+", " ", folded_unit.strip())
    key = re.sub(r"\s*/\s*", "/", key)
    if key in ("trieu", "ty"):  # "đạt 72 triệu", "621 tỷ": the đồng left out
        return f"{'triệu' if key == 'trieu' else 'tỷ'} đồng"
    return UNITS.get(key, key or None)


@dataclass
class Quantity:
    """A figure found in text: value (and value_max/baseline), unit, its span."""

    start: int
    end: int
    value: float
    unit: str | None
    value_max: float | None = None
    baseline: float | None = None
    form: str = "single"  # single | range | reduce_to | increase_to | increase_above


def find_quantities(folded: str) -> list[Quantity]:
    """Every figure with a unit (or a range/reduction of figures) in folded text, in order.

    Reductions and ranges are taken first; single figures fill what is left. A range or
    reduction whose units are both missing is kept only when a unit follows the last figure.
    A figure that is no well-formed number ("1.234.5") is left out.
    """
    found: list[Quantity] = []
    for finder in (_reductions, _increases, _ranges, _shares, _fractions, _singles):
        for q in finder(folded):
            if all(q.end <= other.start or q.start >= other.end for other in found):
                found.append(q)
    found.sort(key=lambda q: q.start)
    return found


def _reductions(folded: str) -> list[Quantity]:
    out = []
    for m in REDUCE_TO_RE.finditer(folded):
        unit = m.group("val_unit") or m.group("base_unit")
        value, base = parse_value(m.group("val")), parse_value(m.group("base"))
        if unit and value is not None and base is not None:
            out.append(Quantity(m.start(), m.end(), value, canonical_unit(unit), baseline=base,
                                form="reduce_to"))
    return out


def _increases(folded: str) -> list[Quantity]:
    out = []
    for m in INCREASE_TO_RE.finditer(folded):
        unit = m.group("val_unit") or m.group("base_unit")
        value, base = parse_value(m.group("val")), parse_value(m.group("base"))
        if unit and value is not None and base is not None:
            out.append(Quantity(m.start(), m.end(), value, canonical_unit(unit), baseline=base,
                                form="increase_above" if m.group("above") else "increase_to"))
    return out


def _ranges(folded: str) -> list[Quantity]:
    out = []
    for m in RANGE_RE.finditer(folded):
        unit = m.group("hi_unit") or m.group("lo_unit")
        if not unit or _looks_like_date_or_code(folded, m.start(), m.end()):
            continue
        lo, hi = parse_value(m.group("lo")), parse_value(m.group("hi"))
        if lo is not None and hi is not None and hi > lo:
            out.append(Quantity(m.start(), m.end(), lo, canonical_unit(unit), value_max=hi,
                                form="range"))
    return out


def _fractions(folded: str) -> list[Quantity]:
    out = []
    for m in FRACTION_RE.finditer(folded):
        if int(m.group("val")) > int(m.group("total")):
            continue
        if re.search(r"\b(so|ngay)\s*:?\s*$", folded[max(0, m.start() - 8):m.start()]):
            continue
        out.append(Quantity(m.start(), m.end(), float(m.group("val")),
                            canonical_unit(m.group("val_unit"))))
    return out


def _shares(folded: str) -> list[Quantity]:
    out = []
    for m in SHARE_OF_COUNT_RE.finditer(folded):
        num, den = (1, 2) if m.group("half") else (int(m.group("num")), int(m.group("den")))
        if 0 < num < den:
            out.append(Quantity(m.start(), m.end(), num / den, SHARE_UNIT))
    return out


def _singles(folded: str) -> list[Quantity]:
    out = []
    for m in SINGLE_RE.finditer(folded):
        unit, value = m.group("val_unit"), parse_value(m.group("val"))
        if unit and value is not None and not _looks_like_date_or_code(folded, m.start(), m.end()):
            out.append(Quantity(m.start(), m.end(), value, canonical_unit(unit)))
    return out


def _looks_like_date_or_code(folded: str, start: int, end: int) -> bool:
    """Figures inside dates, document numbers or "Dự án 2" are not quantities."""
    before = folded[max(0, start - 12):start]
    after = folded[end:end + 2]
    if re.search(r"(\d\s*[-–]|/)\s*$", before):
        return True
    if after.startswith("/") and not re.match(r"/\s*(nguoi|ho|nam)", folded[end:end + 8]):
        return True
    return bool(re.search(r"\b(du an|so|ngay|thang|quy|khoan|dieu)\s*:?\s*$", before))
