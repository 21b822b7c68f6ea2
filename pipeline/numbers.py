"""Vietnamese numbers, read and written: decimal comma, thousands dot.

"14.653" is 14653, "5,21" is 5.21, "1.234,5" is 1234.5; an OCR'd or English decimal point
("3.25") is read as one when its groups cannot be thousands. A figure keeps how many decimals it
was printed with, so checks can allow for its rounding. Every stage reads and writes numbers
through this module.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

_FIGURE = re.compile(r"[-+]?[\d.,]*\d[\d.,]*")
COMPARATOR_SIGNS = {"<": "< ", "<=": "≤ ", ">": "> ", ">=": "≥ ", "=": ""}


@dataclass(frozen=True)
class Number:
    """A figure as printed: its value and how many decimals it shows."""

    value: float
    decimals: int

    @property
    def unit(self) -> float:
        """One unit of the last printed digit (the rounding a check must allow)."""
        return 10.0 ** -self.decimals


def parse_number(text: str) -> Number | None:
    """A Vietnamese figure, or None when the text is not one well-formed number.

    "1.234.5" and "1,2,3" are None: no grouping of thousands or decimals makes them one figure.
    """
    s = text.strip().replace(" ", "").replace("\u00a0", "").removesuffix("%")
    if not _FIGURE.fullmatch(s):
        return None
    sign = -1.0 if s.startswith("-") else 1.0
    s = s.lstrip("+-")
    if "," in s:
        whole, _, frac = s.rpartition(",")
        whole = whole.replace(".", "")
        if not whole.isdigit() or not frac.isdigit():
            return None
        return Number(sign * float(f"{whole}.{frac}"), len(frac))
    if "." in s:
        parts = s.split(".")
        if all(len(p) == 3 for p in parts[1:]) and 1 <= len(parts[0]) <= 3:
            return Number(sign * float("".join(parts)), 0)  # thousands dots
        if len(parts) == 2 and parts[0] and parts[1]:
            return Number(sign * float(s), len(parts[1]))  # a decimal point (OCR, English)
        return None
    return Number(sign * float(s), 0)


def parse_value(text: str) -> float | None:
    """The value of a figure, or None (see parse_number)."""
    number = parse_number(text)
    return number.value if number else None


def format_number(value: float, decimals: int = 3) -> str:
    """A number as Vietnamese readers write it ("14.653", "0,5"), at most `decimals` decimals."""
    if decimals == 0 or abs(value - round(value)) < 1e-9:
        text = f"{round(value):,d}"
    else:
        text = f"{value:,.{decimals}f}".rstrip("0").rstrip(".")
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def _float(value) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else value


def _with_unit(text: str, unit: str | None) -> str:
    if not unit:
        return text
    return f"{text}{unit}" if unit.strip() == "%" else f"{text} {unit.strip()}"


def format_value(row: Mapping) -> str:
    """A target as an auditor reads it: "< 0,5%", "0,5–1%", "giảm 0,56%", "từ 5,21% xuống 3,25%",
    "tăng thêm 20 thôn", "giảm 1/2"."""
    get = row.get
    comparator = get("comparator") or "="
    value, value_max = _float(get("value")), _float(get("value_max"))
    baseline = _float(get("baseline"))
    unit = get("unit") if isinstance(get("unit"), str) else None
    if value is None:
        return "—"
    v = format_number(value)
    if unit == "phần":  # a share of a count ("giảm 1/2 số hộ nghèo"): the fraction as written
        v, unit = str(Fraction(value).limit_denominator(100)), None
    if comparator == "range" or (comparator == "reduce_by" and value_max is not None):
        span = f"{v}–{format_number(value_max)}" if value_max is not None else v
        text = _with_unit(span, unit)
        return f"giảm {text}" if comparator == "reduce_by" else text
    if comparator == "reduce_by":
        return f"giảm {_with_unit(v, unit)}"
    if comparator == "increase_by":
        return f"tăng thêm {_with_unit(v, unit)}"
    if comparator == "reduce_to":
        if baseline is not None:
            return f"từ {_with_unit(format_number(baseline), unit)} xuống {_with_unit(v, unit)}"
        return f"xuống {_with_unit(v, unit)}"
    return COMPARATOR_SIGNS.get(comparator, "") + _with_unit(v, unit)


# A well-formed figure in folded text: "14.653", "5,21", "1.234,5", "0.5" (not "1.2.3")
FIGURE = r"(?<![\d.,])(?:\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?)(?![\d])"


def within(a: float, b: float, tolerance: float) -> bool:
    """Whether two figures agree within `tolerance` (the rounding their printing allows)."""
    return abs(a - b) <= tolerance + 1e-9


MIN_SUBTRACTION_SHARE = 0.6  # of the rows with all three figures: a relation of the table


def mostly_subtracts(rows: list[tuple[float | None, float | None, float | None]],
                     tolerance: float = 1e-6) -> bool:
    """start - part = end in at least two rows and most of those with all three figures (a
    table's own arithmetic: households at the start of the year, the reduction, at the end)."""
    full = [t for t in rows if None not in t and t[1]]
    held = sum(abs(x - y - z) <= tolerance for x, y, z in full)
    return held >= 2 and held >= MIN_SUBTRACTION_SHARE * len(full)
