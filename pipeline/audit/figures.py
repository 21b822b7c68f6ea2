"""Figures that contradict each other within a sentence.

"giảm từ 5,21% xuống 3,25%, tương đương từ 64 hộ xuống 40 hộ" implies two household totals
that must agree within rounding; "N hộ/T tổng số hộ, chiếm P%" must hold; "giảm 0,56%
(tương đương 82 hộ)" and "N hộ ... chiếm P%" are checked against the total households the
document states. Rounding allows one unit of the last printed digit (5,21% is 5,20-5,22%).
"""

from __future__ import annotations

import math
import re
from collections import Counter

from pipeline.numbers import FIGURE, Number, format_number, parse_number, within
from pipeline.records import Finding, Page
from pipeline.spans import ground
from pipeline.text import fold

_EQUIV = r"(?:t\w{1,3}ng\s+d\w{1,3}ng|tuong\s+ung|tuc\s+la|\()"
_DOWN = r"(?:x\w{2,4}ng|den|->|→)"
REDUCE_PAIR = re.compile(
    rf"(?P<r1>{FIGURE})\s*%\s*{_DOWN}\s+(?:con\s+)?(?P<r2>{FIGURE})\s*%"
    rf"(?P<gap>[^%\d]{{0,80}}?)"
    rf"(?P<n1>{FIGURE})\s*(?:h\w|nguoi)\b[^%\d]{{0,30}}?{_DOWN}\s+(?:con\s+)?"
    rf"(?P<n2>{FIGURE})\s*(?:h\w|nguoi)\b")
RATE_EQUIV_COUNT = re.compile(
    rf"(?P<rate>{FIGURE})\s*%(?P<gap>[^%\d]{{0,60}}?)t\w{{1,3}}ng\s+d\w{{1,3}}ng\s*:?\s*"
    rf"(?P<count>{FIGURE})\s*(?:ho|nguoi)\b")
COUNT_OF_TOTAL = re.compile(
    rf"(?P<count>{FIGURE})\s*ho\b[^%\d/.;\n]{{0,40}}/\s*(?P<base>{FIGURE})\s*(?:tong\s+so\s+)?ho"
    rf"[^%\d]{{0,30}}?chiem\s+(?:ty\s+le\s+)?(?P<rate>{FIGURE})\s*%")
COUNT_SHARE = re.compile(
    rf"(?P<count>{FIGURE})\s*ho\b[^%\d/.;\n]{{0,40}}?chiem\s+(?:ty\s+le\s+)?(?P<rate>{FIGURE})\s*%")
TOTAL_HOUSEHOLDS = (
    re.compile(rf"/\s*(?P<n>{FIGURE})\s*tong\s+so\s+ho\b"),
    re.compile(rf"tong\s+so\s+(?:ho|ho\s+gia\s+dinh)\b\s*(?:la|:|co|toan\s+\w+)?\s*(?P<n>{FIGURE})"
               rf"\s*ho\b"),
    re.compile(rf"toan\s+(?:xa|huyen|phuong|thi\s+tran|thi\s+xa|thanh\s+pho|quan)\s+co\s*:?"
               rf"[\s\-–•+]*(?P<n>{FIGURE})\s*ho\b(?!\s*(?:ngheo|can))"),
)


def document_total_households(pages: list[Page]) -> float | None:
    """The total number of households the document states, when it states one."""
    found: Counter[float] = Counter()
    for page in pages:
        folded = fold(page.text)
        for pattern in TOTAL_HOUSEHOLDS:
            for m in pattern.finditer(folded):
                n = parse_number(m.group("n"))
                if n is not None and n.decimals == 0 and n.value >= 10:
                    found[n.value] += 1
    if not found:
        return None
    return found.most_common(1)[0][0]


def _implied_total(count: float, rate: Number) -> tuple[float, float]:
    """Range of totals for which `count` households are `rate` percent, within rounding."""
    lo_rate, hi_rate = rate.value - rate.unit, rate.value + rate.unit
    hi = count * 100 / lo_rate if lo_rate > 0 else math.inf
    return count * 100 / hi_rate, hi


def _implied_total(count: float, rate: Number) -> tuple[float, float]:
    """Range of totals for which `count` households are `rate` percent, within rounding."""
    lo_rate, hi_rate = rate.value - rate.unit, rate.value + rate.unit
    hi = count * 100 / lo_rate if lo_rate > 0 else math.inf
    return count * 100 / hi_rate, hi


def inconsistent_numbers(pages: list[Page]) -> list[Finding]:
    """Sentences whose percentages and household counts imply different totals."""
    findings: list[Finding] = []
    total_households = document_total_households(pages)
    for page in pages:
        folded = fold(page.text)
        covered: list[tuple[int, int]] = []  # spans the first two checks read
        findings += _reduce_pairs(page, folded, covered)
        findings += _counts_of_total(page, folded, covered)
        if total_households is not None:
            findings += _shares_of_total(page, folded, covered, total_households)
    return findings


def _finding(page: Page, m: re.Match, message: str, detail: dict) -> Finding:
    return Finding("inconsistent_numbers", "warning", message,
                   [ground(page, m.start(), m.end())], detail)


def _reduce_pairs(page: Page, folded: str, covered: list) -> list[Finding]:
    """ "từ 5,21% xuống 3,25%, tương đương từ 64 hộ xuống 40 hộ": both pairs, one total."""
    findings = []
    for m in REDUCE_PAIR.finditer(folded):
        if not re.search(_EQUIV, m.group("gap")):
            continue  # two statements side by side, not one restated
        covered.append((m.start(), m.end()))
        r1, r2 = parse_number(m.group("r1")), parse_number(m.group("r2"))
        n1, n2 = parse_number(m.group("n1")), parse_number(m.group("n2"))
        if None in (r1, r2, n1, n2) or r1.value <= 0 or r2.value <= 0:
            continue
        lo1, hi1 = _implied_total(n1.value, r1)
        lo2, hi2 = _implied_total(n2.value, r2)
        if lo1 <= hi2 and lo2 <= hi1:
            continue
        t1, t2 = n1.value * 100 / r1.value, n2.value * 100 / r2.value
        message = (f"Số liệu không khớp: {format_number(r1.value, 2)}% tương ứng "
                   f"{format_number(n1.value, 0)} hộ cho tổng khoảng {format_number(t1, 0)} hộ, "
                   f"còn {format_number(r2.value, 2)}% tương ứng {format_number(n2.value, 0)} hộ "
                   f"cho tổng khoảng {format_number(t2, 0)} hộ.")
        findings.append(_finding(page, m, message, {
            "check": "reduce_pair", "rate_from": r1.value, "rate_to": r2.value,
            "count_from": n1.value, "count_to": n2.value,
            "implied_total_from": round(t1, 1), "implied_total_to": round(t2, 1),
            "implied_range_from": [round(lo1, 1), round(hi1, 1)],
            "implied_range_to": [round(lo2, 1), round(hi2, 1)]}))
    return findings


def _counts_of_total(page: Page, folded: str, covered: list) -> list[Finding]:
    """ "N hộ/T tổng số hộ, chiếm P%": P must be N/T."""
    findings = []
    for m in COUNT_OF_TOTAL.finditer(folded):
        covered.append((m.start(), m.end()))
        count, base = parse_number(m.group("count")), parse_number(m.group("base"))
        rate = parse_number(m.group("rate"))
        if None in (count, base, rate) or not base.value:
            continue
        expected = count.value / base.value * 100
        if within(expected, rate.value, rate.unit):
            continue
        message = (f"Số liệu không khớp: {format_number(count.value, 0)}/"
                   f"{format_number(base.value, 0)} hộ là {format_number(expected, 2)}%, "
                   f"không phải {format_number(rate.value, 2)}%.")
        findings.append(_finding(page, m, message, {
            "check": "count_of_total", "count": count.value, "total": base.value,
            "rate": rate.value, "expected_rate": round(expected, 4)}))
    return findings


def _shares_of_total(page: Page, folded: str, covered: list,
                     total_households: float) -> list[Finding]:
    """ "giảm 0,56% (tương đương 82 hộ)", "N hộ ... chiếm P%" against the stated total."""
    share_checks = [(m, "rate_equivalent") for m in RATE_EQUIV_COUNT.finditer(folded)]
    share_checks += [(m, "count_share") for m in COUNT_SHARE.finditer(folded)]
    findings = []
    for m, check in share_checks:
        if any(m.start() < e and s < m.end() for s, e in covered):
            continue
        count, rate = parse_number(m.group("count")), parse_number(m.group("rate"))
        if count is None or rate is None or count.value == total_households:
            continue
        sentence_tail = re.split(r"[.;\n]", folded[m.end(): m.end() + 60], maxsplit=1)[0]
        if check == "count_share" and re.search(r"ngheo|tren|so voi|cua", sentence_tail):
            continue  # a share of another base (của số hộ nghèo ...)
        expected = count.value / total_households * 100
        if within(expected, rate.value, rate.unit):
            continue
        message = (f"Số liệu không khớp: {format_number(count.value, 0)} hộ trên tổng số "
                   f"{format_number(total_households, 0)} hộ của địa phương là "
                   f"{format_number(expected, 2)}%, không phải {format_number(rate.value, 2)}%.")
        findings.append(_finding(page, m, message, {
            "check": check, "count": count.value, "total": total_households,
            "rate": rate.value, "expected_rate": round(expected, 4)}))
    return findings
