"""Table arithmetic: total rows that are not the sum (or the ratio) of the rows they total.

Integer columns must add up exactly; decimal columns must add up within rounding or, for
rates, equal the ratio of the totals of the two count columns the rows are computed from; a
rate column whose relation cannot be found must at least lie between its rows' extremes.
Tables with several total rows (nested subtotals) are not checked. A row whose rate is not the
ratio its sibling rows follow is an `inconsistent_numbers` finding.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from pipeline.numbers import Number, format_number, parse_number, within
from pipeline.records import Finding, Page
from pipeline.spans import ground
from pipeline.structure import Table, is_total_label, parse_structure


@dataclass
class Row:
    """A table row as the checks read it: cell texts (trailing blanks dropped) and its line."""

    cells: list[str]
    page: Page
    start: int
    end: int


def table_rows(pages: list[Page]) -> list[list[Row]]:
    """The tables of a document (three rows or more) as rows of cell texts."""
    by_number = {page.number: page for page in pages}
    return [_rows(table, by_number) for table in parse_structure(pages).tables
            if len(table.rows) >= 3]


def _rows(table: Table, pages: dict[int, Page]) -> list[Row]:
    rows = []
    for block in table.rows:
        cells = [cell.text for cell in block.cells]
        while cells and cells[-1] == "":
            cells.pop()
        rows.append(Row(cells, pages[block.page], block.start, block.end))
    return rows


def is_total_row(row: Row) -> bool:
    """A row whose first label says it totals the others ("TỔNG CỘNG", "Toàn xã")."""
    labels = [c for c in row.cells if c and parse_number(c) is None]
    return bool(labels) and is_total_label(labels[0])


def _is_index_row(row: Row) -> bool:
    """The "A B 1 2 3 ... 10=2-8" row under a header that numbers the columns."""
    if any(re.fullmatch(r"\(?\d+\s*=\s*[\d+\-*/x() ]+\)?", c) for c in row.cells):
        return True
    nums = [parse_number(c) for c in row.cells if c]
    ints = [n.value for n in nums if n is not None and n.decimals == 0]
    return len(ints) >= 3 and all(b - a == 1 for a, b in zip(ints, ints[1:], strict=False))


def _trailing_numbers(row: Row) -> int:
    """How many cells at the end of the row are figures."""
    count = 0
    for cell in reversed(row.cells):
        if parse_number(cell) is None:
            break
        count += 1
    return count


def _cell_number(row: Row, j: int) -> Number | None:
    """The figure in the j-th cell from the right (1-based); '-' and blank read as zero."""
    if j > len(row.cells):
        return None
    cell = row.cells[-j]
    if cell in ("", "-", "–", "—", "x"):
        return Number(0.0, 0)
    return parse_number(cell)


def unreadable_tables(pages: list[Page]) -> list[Finding]:
    """Tables a page's layout found but whose grid could not be rebuilt: their rows may be
    missing from the records (the page keeps their OCR text)."""
    findings = []
    for page in pages:
        for table in page.tables:
            if table.status != "unreadable":
                continue
            box = list(table.box) if table.box else None
            where = f" (vùng {box[0]},{box[1]}–{box[2]},{box[3]} px)" if box else ""
            message = (f"Trang {page.number}: không dựng lại được bảng{where}; văn bản OCR của "
                       f"bảng được giữ nguyên nhưng các chỉ tiêu trong bảng có thể bị thiếu, cần "
                       f"đối chiếu với bản gốc.")
            grounding = ground(page, table.char_start, table.char_end)
            grounding.box = tuple(box) if box else None
            findings.append(Finding("unreadable_table", "warning", message, [grounding],
                                    {"page": page.number, "box": box,
                                     "image_size": list(table.image_size or ()) or None}))
    return findings


def table_total_mismatches(pages: list[Page]) -> list[Finding]:
    """Total rows of tables that are not the sum (or ratio) of the rows they total."""
    findings: list[Finding] = []
    for table in table_rows(pages):
        findings += _check_table(table)
    return findings


@dataclass
class _Columns:
    """The figure columns of a table, numbered from the right (1 = last column)."""

    total: Row
    rows: list[Row]
    values: dict[int, list[Number | None]]
    totals: dict[int, Number | None]
    labels: dict[int, str]  # the index row's label of each column ("1", "10=2-8")
    integers: list[int]  # columns of counts: whole numbers in every row and the total
    groupings: list[list[bool]]  # for hierarchical tables: which rows a level adds up


def _check_table(table: list[Row]) -> list[Finding]:
    columns = _columns(table)
    if columns is None:
        return []
    findings = []
    for j, vals in columns.values.items():
        tot = columns.totals[j]
        if tot is None or any(v is None for v in vals):
            continue
        base = {"page": columns.total.page.number, "column": len(columns.total.cells) - j + 1,
                "label": columns.labels.get(j), "total": tot.value, "rows": len(columns.rows)}
        if j in columns.integers:
            findings += _sum_mismatch(columns, vals, tot, base)
        else:
            findings += _decimal_mismatch(columns, j, vals, tot, base)
    return findings


def _columns(table: list[Row]) -> _Columns | None:
    """The table's one total row and the data rows it totals, or None when not checkable."""
    totals = [r for r in table if is_total_row(r) and _trailing_numbers(r) > 0]
    if len(totals) != 1:
        return None  # no total, or nested subtotals: not checked
    total = totals[0]
    width = _trailing_numbers(total)
    index_rows = [r for r in table if _is_index_row(r)]
    data = []
    for row in table:
        if row is total or row in index_rows:
            continue
        nums = [_cell_number(row, j) for j in range(1, width + 1)]
        if sum(n is not None for n in nums) >= max(1, math.ceil(0.8 * width)) and any(
                c and parse_number(c) is None for c in row.cells[: len(row.cells) - width]):
            data.append(row)
    total_at = table.index(total)
    rows = [r for r in data if table.index(r) < total_at] or [
        r for r in data if table.index(r) > total_at]
    if len(rows) < 2:
        return None
    # hierarchical tables list sub-rows under numbered rows: either level may be what adds up
    numbered = [bool(re.fullmatch(r"\d{1,3}|[IVX]{1,5}", r.cells[0])) if r.cells else False
                for r in rows]
    groupings = [g for g in (numbered, [not n for n in numbered]) if 2 <= sum(g) < len(rows)]
    values = {j: [_cell_number(r, j) for r in rows] for j in range(1, width + 1)}
    total_values = {j: _cell_number(total, j) for j in values}
    labels = {}
    if index_rows:
        labels = {j: index_rows[0].cells[-j] for j in values if j <= len(index_rows[0].cells)}
    integers = [j for j, vals in values.items()
                if all(v is not None and v.decimals == 0 for v in vals)
                and total_values[j] is not None and total_values[j].decimals == 0]
    return _Columns(total, rows, values, total_values, labels, integers, groupings)


def _sum_mismatch(columns: _Columns, vals: list[Number], tot: Number, base: dict) -> list[Finding]:
    """A count column whose rows (or one level of them) do not add up to its total."""
    s = sum(v.value for v in vals)
    if within(s, tot.value, 0) or any(
            within(sum(v.value for v, keep in zip(vals, group, strict=True) if keep), tot.value, 0)
            for group in columns.groupings):
        return []
    return [_table_finding(columns.total, dict(base, sum=s, check="sum"),
                           f"tổng các dòng là {format_number(s, 2)}")]


def _decimal_mismatch(columns: _Columns, j: int, vals: list[Number], tot: Number,
                      base: dict) -> list[Finding]:
    """A decimal column: additive (kinh phí), a rate of two count columns, or within its rows."""
    unit = max([tot.unit] + [v.unit for v in vals])
    s = sum(v.value for v in vals)
    if within(s, tot.value, unit * len(vals) / 2):
        return []  # an additive decimal column (kinh phí ...)
    relation = _ratio_relation(columns.values, columns.integers, j)
    total = columns.total
    if relation is not None:
        num, den, _ = relation
        findings = []
        tn, td = columns.totals[num], columns.totals[den]
        if tn is not None and td is not None and td.value:
            expected = tn.value / td.value * 100
            if not within(expected, tot.value, tot.unit):
                findings.append(_table_finding(
                    total, dict(base, expected=round(expected, 4), check="ratio",
                                numerator_column=len(total.cells) - num + 1,
                                denominator_column=len(total.cells) - den + 1),
                    f"tỷ lệ tính lại từ dòng tổng là {format_number(expected, 2)}"))
        return findings + _row_ratio_mismatches(columns.rows, j, num, den, total)
    lo, hi = min(v.value for v in vals), max(v.value for v in vals)
    if lo - unit <= tot.value <= hi + unit:
        return []
    return [_table_finding(
        total, dict(base, sum=s, minimum=lo, maximum=hi, check="range"),
        f"không bằng tổng các dòng ({format_number(s, 2)}) và nằm ngoài khoảng "
        f"{format_number(lo, 2)}–{format_number(hi, 2)} của các dòng")]


def _ratio_relation(columns: dict[int, list[Number | None]], integer_cols: list[int],
                    rate_col: int) -> tuple[int, int, int] | None:
    """The pair of count columns (numerator, denominator) the rows' rates are computed from."""
    rates = columns[rate_col]
    best = None
    for num in integer_cols:
        for den in integer_cols:
            if num == den:
                continue
            matches = 0
            for r, n, d in zip(rates, columns[num], columns[den], strict=True):
                if d.value and within(n.value / d.value * 100, r.value, r.unit):
                    matches += 1
            if matches >= max(2, math.ceil(2 * len(rates) / 3)) and (
                    best is None or matches > best[2]):
                best = (num, den, matches)
    return best


def _row_ratio_mismatches(rows: list[Row], rate: int, num: int, den: int,
                          total: Row) -> list[Finding]:
    """Rows whose rate is not the ratio that the other rows of the table follow."""
    findings = []
    for row in rows:
        r, n, d = (_cell_number(row, j) for j in (rate, num, den))
        if r is None or n is None or d is None or not d.value:
            continue
        expected = n.value / d.value * 100
        if within(expected, r.value, r.unit):
            continue
        label = next((c for c in row.cells if c and parse_number(c) is None), "")
        detail = {"page": row.page.number, "row": label, "column": len(total.cells) - rate + 1,
                  "value": r.value, "expected": round(expected, 4),
                  "numerator": n.value, "denominator": d.value, "check": "table_row_ratio"}
        message = (f"Dòng '{label}' của bảng ghi tỷ lệ {format_number(r.value, 2)}% nhưng "
                   f"{format_number(n.value, 0)}/{format_number(d.value, 0)} = "
                   f"{format_number(expected, 2)}%.")
        findings.append(Finding("inconsistent_numbers", "warning", message,
                                [ground(row.page, row.start, row.end)], detail))
    return findings


def _table_finding(total: Row, detail: dict, why: str) -> Finding:
    label = detail.get("label")
    column = f"cột {detail['column']}" + (f" ({label})" if label else "")
    message = (f"Dòng tổng của bảng (trang {total.page.number}), {column}: ghi "
               f"{format_number(detail['total'], 2)} nhưng {why}.")
    return Finding("table_total_mismatch", "warning", message,
                   [ground(total.page, total.start, total.end)], detail)
