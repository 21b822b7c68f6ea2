"""HTML pieces the templates cannot build safely: highlighted page text and bar charts.

Plan text is untrusted, so every piece of it is escaped here before it is wrapped in markup;
the templates receive `Markup` only from these functions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from pipeline import numbers
from pipeline.audit import KIND_LABELS as FINDING_LABELS
from pipeline.extract.indicators import BY_CODE, DIMENSION_LABELS

__all__ = ["DIMENSION_LABELS", "FINDING_LABELS", "bar_chart", "format_number", "highlight_text",
           "indicator_label", "mark_words", "page_html"]

ROLE_LABELS = {"lead": "Chủ trì", "support": "Phối hợp", "assigned": "Được giao"}

COMPARATOR_LABELS = {
    "<": "dưới",
    "<=": "không quá",
    "=": "đạt",
    ">=": "ít nhất",
    ">": "trên",
    "range": "trong khoảng",
    "reduce_by": "giảm",
    "reduce_to": "giảm xuống",
    "increase_by": "tăng thêm",
}

SEVERITY_LABELS = {"error": "Lỗi", "warning": "Cảnh báo", "info": "Thông tin"}

STATUS_LABELS = {"processed": "Đã xử lý", "failed": "Lỗi", "pending": "Đang chờ"}

# Kinds of highlighted spans: the CSS class and the prefix of the element id ("t-12").
KIND_PREFIX = {"target": "t", "responsibility": "r", "deadline": "d", "finding": "s"}
# When two spans cross, the kind listed first stays whole and the other is split.
KIND_PRIORITY = {"finding": 0, "target": 1, "deadline": 2, "responsibility": 3}


@dataclass
class Highlight:
    """A span of one page to mark: [start, end) in the page text, its kind and anchor id."""

    start: int
    end: int
    kind: str
    anchor: str
    title: str = ""


@dataclass
class _Node:
    start: int
    end: int
    mark: Highlight | None
    first: bool = True  # the piece of a split span that carries the anchor id
    children: list[_Node] = field(default_factory=list)


def indicator_label(code: str | None) -> str:
    """The Vietnamese name of an indicator code (the code itself when the table lacks it)."""
    indicator = BY_CODE.get(code or "")
    return indicator.label if indicator else (code or "")


def format_number(value: float | None) -> str:
    """A figure as the pages show it ("14.653", "0,5"); nothing for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return numbers.format_number(value, 4)


def _insert(siblings: list[_Node], node: _Node) -> None:
    """Insert node into a sorted list of non-crossing nodes, splitting it where it crosses."""
    for sib in siblings:
        if sib.start <= node.start and node.end <= sib.end and sib.mark is not None:
            _insert(sib.children, node)
            return
    cuts = sorted({b for sib in siblings for b in (sib.start, sib.end)
                   if node.start < b < node.end
                   and not (node.start <= sib.start and sib.end <= node.end)})
    if cuts:
        bounds = [node.start, *cuts, node.end]
        for i, (a, b) in enumerate(zip(bounds, bounds[1:], strict=False)):
            if a < b:
                _insert(siblings, _Node(a, b, node.mark, first=node.first and i == 0))
        return
    inside = [s for s in siblings if node.start <= s.start and s.end <= node.end]
    node.children = inside + node.children
    node.children.sort(key=lambda n: (n.start, -n.end))
    kept = [s for s in siblings if s not in inside]
    siblings[:] = sorted([*kept, node], key=lambda n: (n.start, -n.end))


def _render(text: str, start: int, end: int, children: list[_Node]) -> str:
    out: list[str] = []
    pos = start
    for child in children:
        out.append(str(escape(text[pos:child.start])))
        mark = child.mark
        prefix = KIND_PREFIX.get(mark.kind, "x")
        attrs = [f'class="hl hl-{prefix}{"" if child.first else " hl-cont"}"',
                 f'data-rec="{escape(mark.anchor)}"']
        if child.first:
            attrs.insert(0, f'id="{escape(mark.anchor)}"')
        if mark.title:
            attrs.append(f'title="{escape(mark.title)}"')
        inner = _render(text, child.start, child.end, child.children)
        out.append(f"<mark {' '.join(attrs)}>{inner}</mark>")
        pos = child.end
    out.append(str(escape(text[pos:end])))
    return "".join(out)


def mark_words(text: str, spans: list[tuple[int, int]]) -> Markup:
    """`text` escaped, with each (start, end) span in <mark class="hit"> (search results)."""
    out, pos = [], 0
    for start, end in sorted(spans):
        if start < pos or not 0 <= start < end <= len(text):
            continue
        out += [str(escape(text[pos:start])), f'<mark class="hit">{escape(text[start:end])}</mark>']
        pos = end
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))


def highlight_text(text: str, highlights: list[Highlight]) -> Markup:
    """The page text as HTML with each span wrapped in <mark id=anchor>, every piece escaped.

    Spans outside the text are dropped; nested spans nest; crossing spans are split so that
    the higher-priority kind (see KIND_PRIORITY) keeps its whole span under its id.
    """
    return Markup(_highlight_range(text, 0, len(text), highlights))


def _highlight_range(text: str, start: int, end: int, highlights: list[Highlight]) -> str:
    """text[start:end] as escaped HTML with the highlights that fall in it; a highlight that
    began before `start` continues here without its id (the id stays where it begins)."""
    roots: list[_Node] = []
    usable = [h for h in highlights if 0 <= h.start < h.end <= len(text)
              and h.start < end and h.end > start]
    usable.sort(key=lambda h: (KIND_PRIORITY.get(h.kind, 9), h.start, -h.end))
    seen: set[str] = set()
    for mark in usable:
        if mark.anchor in seen:
            continue
        seen.add(mark.anchor)
        node = _Node(max(mark.start, start), min(mark.end, end), mark, first=mark.start >= start)
        _insert(roots, node)
    return _render(text, start, end, roots)


def page_html(text: str, highlights: list[Highlight], tables: list[dict]) -> Markup:
    """A page as HTML: its text highlighted, and each table the page's layout rebuilt (a
    scan's, a text-layer PDF's, a .docx's) drawn as a table, merged cells merged, the cells
    a record points into marked. `tables`: the store's page tables of this page."""
    shown = sorted((t for t in tables if t.get("status") == "rebuilt" and t.get("cells")
                    and 0 <= t["char_start"] < t["char_end"] <= len(text)),
                   key=lambda t: t["char_start"])
    out, pos = [], 0
    for table in shown:
        if table["char_start"] < pos:
            continue
        out.append(_highlight_range(text, pos, table["char_start"], highlights))
        out.append(_table_html(text, table, highlights))
        pos = table["char_end"]
    out.append(_highlight_range(text, pos, len(text), highlights))
    return Markup("".join(out))


def _table_html(text: str, table: dict, highlights: list[Highlight]) -> str:
    """One table: a row per grid row, each cell's text highlighted as in the page text."""
    rows: dict[int, list[dict]] = {}
    for cell in table["cells"]:
        rows.setdefault(cell["row"], []).append(cell)
    header_rows = _header_rows(text, rows)
    parts = [f'<table class="page-table" data-start="{table["char_start"]}">']
    for number in sorted(rows):
        parts.append("<tr>")
        for cell in sorted(rows[number], key=lambda c: c["col"]):
            start, end = cell["char_start"], cell["char_end"]
            tag = "th" if number in header_rows else "td"
            attrs = []
            if cell.get("rowspan", 1) > 1:
                attrs.append(f'rowspan="{int(cell["rowspan"])}"')
            if cell.get("colspan", 1) > 1:
                attrs.append(f'colspan="{int(cell["colspan"])}"')
            kinds = {h.kind for h in highlights if h.start < end and h.end > start and start < end}
            classes = ["cell-" + KIND_PREFIX.get(k, "x") for k in sorted(kinds)]
            if numbers.parse_value(text[start:end]) is not None:
                classes.append("num")
            if classes:
                attrs.append(f'class="{" ".join(classes)}"')
            if cell.get("box"):
                attrs.append(f'data-box="{",".join(str(int(v)) for v in cell["box"])}"')
            inner = _highlight_range(text, start, end, highlights) if start < end else ""
            parts.append(f"<{tag}{' ' if attrs else ''}{' '.join(attrs)}>{inner}</{tag}>")
        parts.append("</tr>")
    parts.append("</table>")
    return "".join(parts)


def _header_rows(text: str, rows: dict[int, list[dict]]) -> set[int]:
    """The rows above the first row that holds two figures or more."""
    header = set()
    for number in sorted(rows):
        figures = sum(numbers.parse_value(text[c["char_start"]:c["char_end"]]) is not None
                      for c in rows[number] if c["char_end"] > c["char_start"])
        if figures >= 2:
            break
        header.add(number)
    return header if len(header) < len(rows) else set()


# ---------------------------------------------------------------- bar chart (inline SVG)

BAR_COLOURS = ("#1f6f8b", "#e07a1f", "#4c956c", "#8c3b9e", "#c0392b", "#6c757d")


@dataclass
class Bar:
    """One bar: a label (locality), its value and, for the tooltip, how it is written."""

    label: str
    value: float | None
    text: str = ""


def bar_chart(title: str, bars: list[Bar], unit: str = "") -> Markup:
    """A horizontal bar chart as inline SVG, sized from its rows; missing values are noted.

    Each bar is labelled with its text (the value as the plan states it); bars of different
    units are drawn on one scale only when `unit` is given, otherwise a note says so.
    """
    label_width, bar_width, row_height, top = 190, 260, 26, 28
    height = top + row_height * max(len(bars), 1) + (22 if not unit else 8)
    width = label_width + bar_width + 150
    values = [b.value for b in bars if b.value is not None and not math.isnan(b.value)]
    peak = max((abs(v) for v in values), default=0.0) or 1.0
    suffix = f" {unit}" if unit and unit != "%" else (unit or "")
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}">',
        f'<text x="0" y="16" class="chart-title">{escape(title)}</text>',
    ]
    for i, bar in enumerate(bars):
        y = top + i * row_height
        label = bar.label if len(bar.label) <= 28 else bar.label[:27] + "…"
        parts.append(f'<text x="{label_width - 8}" y="{y + 16}" text-anchor="end" '
                     f'class="chart-label">{escape(label)}</text>')
        if bar.value is None or math.isnan(bar.value):
            parts.append(f'<text x="{label_width}" y="{y + 16}" class="chart-missing">'
                         "không có chỉ tiêu</text>")
            continue
        length = max(abs(bar.value) / peak * bar_width, 1.0)
        colour = BAR_COLOURS[i % len(BAR_COLOURS)]
        tooltip = bar.text or format_number(bar.value) + suffix
        parts.append(f'<rect x="{label_width}" y="{y + 4}" width="{length:.1f}" height="16" '
                     f'fill="{colour}"><title>{escape(bar.label)}: {escape(tooltip)}'
                     "</title></rect>")
        parts.append(f'<text x="{label_width + length + 6:.1f}" y="{y + 16}" '
                     f'class="chart-value">{escape(tooltip)}</text>')
    if not unit and len(values) > 1:
        parts.append(f'<text x="{label_width}" y="{height - 2}" class="chart-missing">'
                     "đơn vị khác nhau: độ dài thanh không so sánh trực tiếp được</text>")
    parts.append("</svg>")
    return Markup("".join(parts))
