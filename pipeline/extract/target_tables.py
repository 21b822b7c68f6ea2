"""Targets in tables: per-locality tables of poverty figures and tables of indicators.

A row per locality ("Xã | Hộ nghèo đầu năm | Chỉ tiêu giảm nghèo | Hộ nghèo cuối năm"): columns
whose header says "giảm" give reductions, columns of the end of the year / the plan give levels
with the current column as baseline (unless every year they name is before the plan), the
total row gives the plan's own locality. A table of indicators ("Chỉ tiêu | Đơn vị tính | Kế
hoạch 2024") gives one target per planned value. The grounding of a table target is its cell.
"""

from __future__ import annotations

import re

from pipeline.extract.indicators import BY_CODE
from pipeline.extract.nlp import find_mentions
from pipeline.extract.quantities import Quantity, canonical_unit
from pipeline.extract.target_rules import (
    GIAM_RE,
    LEVEL_TO_REDUCTION,
    UNIT_NAMES,
    TargetContext,
    best_indicator,
    only_past_years,
    poverty_code,
    subject_of,
)
from pipeline.numbers import mostly_subtracts, parse_value
from pipeline.places import DISTRICT_LEVELS, commune_spelling, split_level
from pipeline.records import Page, TargetRecord
from pipeline.spans import ground
from pipeline.structure import Block, Table, is_total_label
from pipeline.text import fold


def _is_number(s: str) -> bool:
    """A cell holding one unsigned figure ("1.411", "9,92")."""
    return bool(re.fullmatch(r"\d+(?:[.,]\d+)*", s.strip())) and parse_value(s) is not None


def _is_index_row(row: Block) -> bool:
    cells = [c.text for c in row.cells if c.text]
    return bool(cells) and all(len(c) <= 7 and re.fullmatch(r"[A-Za-z0-9=+\-()]+", c) for c in cells)


def _name_col(headers: list[list[str]], width: int) -> int:
    for c in range(width):
        for h in headers:
            if c < len(h) and re.search(r"don vi|dia phuong|xa,|ten|phuong|^xa", fold(h[c])):
                return c
    return 1 if width > 1 else 0


def table_targets(pages: dict[int, Page], table: Table, ctx: TargetContext) -> list[TargetRecord]:
    rows = table.rows
    width = max(len(r.cells) for r in rows)
    header_rows: list[Block] = []
    data_rows: list[Block] = []
    for r in rows:
        nums = sum(_is_number(c.text) for c in r.cells)
        has_name = any(len(re.sub(r"[^\w]", "", c.text)) >= 3 and not _is_number(c.text)
                       for c in r.cells)
        if _is_index_row(r):
            continue
        if nums >= 2 and has_name:
            data_rows.append(r)
        elif not data_rows:
            header_rows.append(r)
    if not header_rows or not data_rows:
        return []
    headers: list[list[str]] = []
    raw_prev: list[str] = [""] * width
    for r_i, h in enumerate(header_rows):
        raw = [h.cells[c].text if c < len(h.cells) else "" for c in range(width)]
        filled, last = [], ""
        for c in range(width):
            if raw[c]:
                last = raw[c]
            elif r_i and raw_prev[c]:
                last = ""  # a new column opened above: a span of this row cannot reach it
            filled.append(raw[c] or last)
        headers.append(filled)
        raw_prev = [raw[c] or raw_prev[c] for c in range(width)]
    desc = [fold(" | ".join(h[c] for h in headers)) for c in range(width)]
    if any(re.search(r"don vi tinh|\bdvt\b", d) for d in desc):
        return _indicator_rows_targets(pages, data_rows, desc, ctx)
    if not any("ngheo" in d for d in desc):
        return []
    name_col = _name_col([[h.cells[c].text if c < len(h.cells) else "" for c in range(width)]
                          for h in header_rows], width)

    def kind(d: str) -> str:
        if re.search(r"dan so|tong so ho|so ho dan|theo nhom|\btt\b|stt", d) and "giam" not in d:
            return "skip"
        if re.search(r"(?<!moi )thoat ngheo", d.split("|")[-1]):
            return "escape"
        # "Chỉ tiêu giảm nghèo năm 2024 | Số hộ": the households to take out of poverty
        if (GIAM_RE.search(d) or re.search(r"\bgiam\b", d.split("|")[-1])
                or re.search(r"chi tieu giam (?:ngheo|ho ngheo)", d)):
            return "reduce"
        past_year = only_past_years(d, ctx.facts.period_start)
        if re.search(r"ke hoach|chi tieu|muc tieu|du kien", d) and not past_year:
            return "level"
        if re.search(r"cuoi nam", d) and not past_year:
            return "level"
        if "ngheo" in d or "ty le" in d or "%" in d or "dau nam" in d:
            return "base"
        return "skip"

    kinds = [kind(d) if c != name_col else "name" for c, d in enumerate(desc)]
    _reductions_by_arithmetic(kinds, desc, data_rows)
    if not any(k in ("reduce", "level", "escape") for k in kinds):
        return []

    def is_pct(d: str) -> bool:
        return "ty le" in d or "%" in d or "ti le" in d

    def is_near(d: str) -> bool:
        return "can ngheo" in d

    def base_col(pct: bool, near: bool) -> int | None:
        for c, k in enumerate(kinds):
            if k == "base" and is_pct(desc[c]) == pct and is_near(desc[c]) == near:
                return c
        return None

    out: list[TargetRecord] = []
    for r in data_rows:
        cells = r.cells
        name = cells[name_col].text if name_col < len(cells) else ""
        locality = _row_locality(name, ctx)
        for c, k in enumerate(kinds):
            if k not in ("reduce", "level", "escape") or c >= len(cells) or not _is_number(
                cells[c].text
            ):
                continue
            d = desc[c]
            pct, near = is_pct(d), is_near(d)
            value = parse_value(cells[c].text)
            baseline = None
            if k == "escape":
                code, comparator = "households_escaping", "="
            elif k == "level":
                bc = base_col(pct, near)
                if bc is not None and bc < len(cells) and _is_number(cells[bc].text):
                    baseline = parse_value(cells[bc].text)
                code = ("near_poor_rate" if near else "poverty_rate") if pct else (
                    "near_poor_households" if near else "poor_households")
                comparator = "reduce_to"
            else:
                code = ("near_poor_reduction" if near else "poverty_reduction") if pct else (
                    "near_poor_households_reduction" if near else "poor_households_reduction")
                comparator = "reduce_by"
            ym = re.search(r"\b(20\d\d)\b", d)
            cell = cells[c]
            out.append(TargetRecord(
                indicator=code, dimension=None,
                subject="hộ cận nghèo" if near else "hộ nghèo",
                comparator=comparator, value=value, value_max=None, baseline=baseline,
                unit="%" if pct else "hộ", year=ym.group(1) if ym else ctx.year,
                locality=locality, grounding=ground(pages[r.page], cell.start, cell.end),
                confidence=0.9,
            ))
    return out


_CELL_RE = re.compile(
    r"^\s*(?P<op><=|>=|≤|≥|<|>|khong duoi|khong thap hon|khong vuot qua|khong qua|duoi|tren"
    r"|toi thieu|it nhat|toi da)?\s*"
    r"(?P<num>\d+(?:[.,]\d+)*)\s*(?P<pct>%)?\s*(?P<more>tro len)?\s*$"
)
_CELL_OPS = {"<=": "<=", "≤": "<=", "toi da": "<=", "khong qua": "<=", "khong vuot qua": "<=",
             "khong duoi": ">=", "khong thap hon": ">=", ">=": ">=", "≥": ">=",
             "toi thieu": ">=", "it nhat": ">=", "<": "<", "duoi": "<", ">": ">", "tren": ">"}


def _indicator_rows_targets(
    pages: dict[int, Page], data_rows: list[Block], desc: list[str], ctx: TargetContext
) -> list[TargetRecord]:
    """A table of indicators ("Chỉ tiêu | Đơn vị tính | Kế hoạch 2024"): one target per value."""
    unit_col = next(c for c, d in enumerate(desc) if re.search(r"don vi tinh|\bdvt\b", d))
    name_col = next((c for c, d in enumerate(desc)
                     if re.search(r"chi tieu|noi dung|ten|muc tieu", d) and c != unit_col), 1)
    past_words = re.compile(r"thuc hien|\buoc\b|hien trang|co so|nam truoc|dau ky")

    def is_past(d: str) -> bool:
        """A past column: its words say so, or every year it names is before the plan."""
        return bool(past_words.search(d)) or only_past_years(d, ctx.facts.period_start)

    planned = re.compile(r"20\d\d|ke hoach|chi tieu|muc tieu|phan dau|giai doan|nam")
    value_cols = [c for c, d in enumerate(desc) if c not in (unit_col, name_col)
                  and planned.search(d) and not is_past(d) and not re.search(r"\btt\b|stt", d)]
    base_col = next((c for c, d in enumerate(desc) if is_past(d)), None)
    out: list[TargetRecord] = []
    for r in data_rows:
        cells = r.cells
        if max(name_col, unit_col) >= len(cells) or not cells[name_col].text:
            continue
        name = cells[name_col].text
        fname = fold(name)
        mentions = find_mentions(name)
        unit = _table_unit(cells[unit_col].text)
        baseline = None
        if base_col is not None and base_col < len(cells):
            bm = _CELL_RE.match(fold(cells[base_col].text))
            baseline = parse_value(bm.group("num")) if bm else None
        for c in value_cols:
            if c >= len(cells):
                continue
            m = _CELL_RE.match(fold(cells[c].text))
            if not m:
                continue
            cell_unit = "%" if m.group("pct") else unit
            if m.group("op"):
                comparator = _CELL_OPS[m.group("op")]
            elif m.group("more"):
                comparator = ">="
            elif re.search(r"\bduoi\s*$", fname):
                comparator = "<"
            elif GIAM_RE.search(fname) and not re.search(r"xuong|con\b", fname):
                comparator = "reduce_by"
            else:
                comparator = "reduce_to" if baseline is not None and GIAM_RE.search(fname) else "="
            value = parse_value(m.group("num"))
            if value is None:
                continue
            q = Quantity(cells[c].start, cells[c].end, value, cell_unit)
            code = best_indicator(mentions, 0, len(name), 0)
            if cell_unit and ("đồng" in cell_unit):
                code = code if code in ("credit", "income") else "budget"
            else:
                code = poverty_code(q, comparator, fname, code)
            if comparator == "reduce_by" and code in LEVEL_TO_REDUCTION:
                code = LEVEL_TO_REDUCTION[code]
            code = code or "other"
            ym = re.search(r"(20\d\d)\s*[-–]\s*(20\d\d)|(20\d\d)", desc[c])
            year = (f"{ym.group(1)}-{ym.group(2)}" if ym and ym.group(1) else
                    ym.group(3) if ym else ctx.year)
            ind = BY_CODE.get(code)
            out.append(TargetRecord(
                indicator=code, dimension=ind.dimension if ind else None,
                subject=subject_of(mentions, 0, len(name), 0), comparator=comparator,
                value=q.value, value_max=None,
                baseline=baseline if comparator == "reduce_to" else None, unit=cell_unit,
                year=year, locality=ctx.facts.locality,
                grounding=ground(pages[r.page], cells[c].start, cells[c].end),
                confidence=0.8 if code != "other" else 0.5,
            ))
    return out


def _table_unit(text: str) -> str | None:
    """The unit written in a table's unit column ("%", "Hộ", "Triệu đồng", "m2/người")."""
    f = fold(text).strip()
    if not f:
        return None
    return canonical_unit(f) if canonical_unit(f) in UNIT_NAMES else text.strip().lower()


def _row_locality(name: str, ctx: TargetContext) -> str | None:
    """The locality a table row is about; the total row is the plan's own locality. In a
    district's plan a commune whose accents OCR garbled gets its gazetteer spelling."""
    if not name.strip() or is_total_label(name):
        return ctx.facts.locality
    level, rest = split_level(name)
    if rest.isupper():
        rest = " ".join(w[:1] + w[1:].lower() for w in rest.split())
    if ctx.facts.admin_level in DISTRICT_LEVELS:  # a district's table: its communes' rows
        rest = commune_spelling(rest, ctx.facts.locality, ctx.facts.province)
    return f"{level} {rest}" if level else rest


def _reductions_by_arithmetic(kinds: list[str], desc: list[str], rows: list[Block]) -> None:
    """A column of the poor (not said to be a reduction: its heading misread, "Chỉ tiên giảm
    nghèo") that the rows' arithmetic makes one: start - it = end (a "base" column minus it
    gives a "level" column of the same unit) in most rows. A figure of rates may differ by the
    rounding (0,01)."""
    if "reduce" in kinds:
        return

    def number(row: Block, c: int) -> float | None:
        text = row.cells[c].text if c < len(row.cells) else ""
        return parse_value(text) if _is_number(text) else None

    def pct(c: int) -> tuple[bool, bool]:  # a rate, of the near-poor
        return ("ty le" in desc[c] or "%" in desc[c] or "ti le" in desc[c],
                "can ngheo" in desc[c])

    bases = [c for c, k in enumerate(kinds) if k == "base"]
    levels = [c for c, k in enumerate(kinds) if k == "level"]
    for b in bases:
        for a in (c for c in bases if c < b and pct(c) == pct(b)):
            for e in (c for c in levels if c > b and pct(c) == pct(b)):
                tolerance = 0.011 if pct(b)[0] else 1e-6
                if mostly_subtracts([(number(r, a), number(r, b), number(r, e)) for r in rows],
                                    tolerance):
                    kinds[b] = "reduce"
