"""Vietnamese numbers and quantities: decimal comma, thousands dot, ranges and reductions.

"0,5%" is 0.5, "14.653" is 14653, "từ 0,5 - 1%" is a range, "từ 5,21% xuống 3,25%" a
reduction to a level with its baseline. Works on folded text (see nlp.fold), so the spans it
returns index the original text too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NUMBER = r"\d+(?:[.,]\d+)*"

# Folded unit spelling -> unit as users read it. Longest first matters in the regex below.
UNITS: dict[str, str] = {
    "%": "%",
    "trieu dong/nguoi/nam": "triệu đồng/người/năm",
    "trieu dong/nguoi/thang": "triệu đồng/người/tháng",
    "trieu dong/nguoi": "triệu đồng/người",
    "trieu dong/ho/nam": "triệu đồng/hộ/năm",
    "trieu dong": "triệu đồng",
    "ty dong": "tỷ đồng",
    "nghin dong": "nghìn đồng",
    "ngan dong": "nghìn đồng",
    "dong": "đồng",
    "m2/nguoi": "m²/người",
    "m²/nguoi": "m²/người",
    "m?/nguoi": "m²/người",
    "ho": "hộ",
    "nguoi": "người",
    "lao dong": "lao động",
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
# a unit word must end at a word boundary ("hộ" but not "hỗ" folded to "ho" ... "hotro")
UNIT_RE = rf"(?:\s*%|\s*(?:{_UNIT_ALT})(?![a-z0-9]))"

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


def parse_number(text: str) -> float:
    """A Vietnamese number as written: dot groups thousands, comma marks decimals."""
    s = text.strip()
    if "," in s and "." in s:  # 1.234,5
        return float(s.replace(".", "").replace(",", "."))
    if "," in s:
        head, _, tail = s.partition(",")
        return float(f"{head}.{tail.replace(',', '')}")
    if "." in s:
        parts = s.split(".")
        if all(len(p) == 3 for p in parts[1:]):
            return float("".join(parts))  # 14.653
        return float(".".join(parts[:2]))  # English-style decimal point, e.g. OCR of "0.5"
    return float(s)


def canonical_unit(folded_unit: str | None) -> str | None:
    """The unit as users read it, from its folded spelling ("trieu  dong" -> "triệu đồng")."""
    if not folded_unit:
        return None
    key = re.sub(r"\s+", " ", folded_unit.strip())
    key = re.sub(r"\s*/\s*", "/", key)
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
    form: str = "single"  # single | range | reduce_to


def find_quantities(folded: str) -> list[Quantity]:
    """Every figure with a unit (or a range/reduction of figures) in folded text, in order.

    Reductions and ranges are taken first; single figures fill what is left. A range or
    reduction whose units are both missing is kept only when a unit follows the last figure.
    """
    taken: list[tuple[int, int]] = []
    found: list[Quantity] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    for m in REDUCE_TO_RE.finditer(folded):
        unit = m.group("val_unit") or m.group("base_unit")
        if not unit:
            continue
        if not free(m.start(), m.end()):
            continue
        found.append(
            Quantity(m.start(), m.end(), parse_number(m.group("val")), canonical_unit(unit),
                     baseline=parse_number(m.group("base")), form="reduce_to")
        )
        taken.append((m.start(), m.end()))
    for m in RANGE_RE.finditer(folded):
        unit = m.group("hi_unit") or m.group("lo_unit")
        if not unit or not free(m.start(), m.end()):
            continue
        if _looks_like_date_or_code(folded, m.start(), m.end()):
            continue
        lo, hi = parse_number(m.group("lo")), parse_number(m.group("hi"))
        if hi <= lo:
            continue
        found.append(Quantity(m.start(), m.end(), lo, canonical_unit(unit), value_max=hi,
                              form="range"))
        taken.append((m.start(), m.end()))
    for m in FRACTION_RE.finditer(folded):
        if not free(m.start(), m.end()) or int(m.group("val")) > int(m.group("total")):
            continue
        if re.search(r"\b(so|ngay)\s*:?\s*$", folded[max(0, m.start() - 8):m.start()]):
            continue
        found.append(Quantity(m.start(), m.end(), float(m.group("val")),
                              canonical_unit(m.group("val_unit"))))
        taken.append((m.start(), m.end()))
    for m in SINGLE_RE.finditer(folded):
        unit = m.group("val_unit")
        if not unit or not free(m.start(), m.end()):
            continue
        if _looks_like_date_or_code(folded, m.start(), m.end()):
            continue
        found.append(Quantity(m.start(), m.end(), parse_number(m.group("val")),
                              canonical_unit(unit)))
        taken.append((m.start(), m.end()))
    found.sort(key=lambda q: q.start)
    return found


def _looks_like_date_or_code(folded: str, start: int, end: int) -> bool:
    """Figures inside dates, document numbers or "Dự án 2" are not quantities."""
    before = folded[max(0, start - 12):start]
    after = folded[end:end + 2]
    if re.search(r"(\d\s*[-–]|/)\s*$", before):
        return True
    if after.startswith("/") and not re.match(r"/\s*(nguoi|ho|nam)", folded[end:end + 8]):
        return True
    return bool(re.search(r"\b(du an|so|ngay|thang|quy|khoan|dieu)\s*:?\s*$", before))
