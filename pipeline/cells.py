"""What a table cell says: its readings by two OCR models, cleaned and weighed.

Tesseract's English model reads isolated figures better than its Vietnamese one (which drops
the comma of "1,21"), the Vietnamese one reads the words. A cell read by both keeps the
reading that fits: words as Vietnamese, figures cleaned of OCR slips ("l1" -> "11") and,
between two figures, the one whose decimals match its column's. Columns of figures are
recognised from their body cells (the rows below the header).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.numbers import mostly_subtracts, parse_value
from pipeline.text import fold

NUMERIC_COLUMN_SHARE = 0.6  # of a column's body cells: figures make it a column of figures
LOW_CONFIDENCE = 85.0  # a figure read with less confidence is read again
MIN_LINE_CONFIDENCE = 60.0
CONFUSABLE_DIGITS = str.maketrans({"l": "1", "I": "1", "i": "1", "|": "1", "O": "0",
                                   "o": "0", "S": "5", "s": "5", "B": "8", "Z": "2", "G": "6",
                                   "&": "8", "g": "9", "q": "9", "A": "4", "b": "6",
                                   "T": "7", "/": ","})
# A line that is only a number: "Tam Xuân II", "Phường 1" wrapped before their number
NUMBER_LINE_RE = re.compile(r"[IVX]{1,4}|\d{1,3}")
_FIGURE_RE = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?")
_JUNK = "\"'`´‘’“”_—–-:;|.,~*^"

Lines = list[tuple[str, float | None]]  # a cell's lines as read, each with its confidence
Reading = tuple[str, float]  # a cell's text and its lowest word confidence
Key = tuple[int, int]  # row, column


@dataclass
class Column:
    """What the figures of a column look like: the decimals most have (None: mixed)."""

    decimals: int | None


def reading(lines: Lines) -> Reading:
    """A cell's lines as one text, with the lowest confidence among them."""
    scores = [c for _, c in lines if c is not None]
    return join_lines([t for t, _ in lines]), min(scores) if scores else 0.0


def join_lines(lines: list[str]) -> str:
    """One cell's text: its lines joined, a word hyphenated at a line end joined back."""
    text = ""
    for line in (re.sub(r"\s+", " ", part).strip() for part in lines):
        if not line:
            continue
        if text.endswith("-") and line[:1].islower():
            text = text[:-1] + line
        else:
            text = f"{text} {line}" if text else line
    return text.replace("\t", " ")


def with_numbers(words: Lines, figures: Lines) -> Lines:
    """The page language's lines, except a line it read badly that the figures model read as
    a lone number or roman numeral (the Vietnamese model reads a lone "II" as "lli")."""
    if len(figures) != len(words):
        return words
    out = []
    for word_line, figure_line in zip(words, figures, strict=True):
        text, score = word_line
        unlike_a_word = len(text.strip()) <= 3 and not re.search(r"[^\W\d_]{2}", text)
        if NUMBER_LINE_RE.fullmatch(figure_line[0].strip()) and (
                unlike_a_word or (score or 0.0) < MIN_LINE_CONFIDENCE):
            out.append(figure_line)
        else:
            out.append(word_line)
    return out


QUOTE_MARKS = "\"'`´‘’“”„"


def stray_quotes_dropped(text: str) -> str:
    """A word cell's text without the quote mark OCR made of a speck at its start or end
    ('"Tổng cộng', "'Xã Ia Dom"): a mark with no partner in the cell quotes nothing."""
    core = text.strip()
    while core[:1] in QUOTE_MARKS and core and not any(m in core[1:] for m in QUOTE_MARKS):
        core = core[1:].lstrip()
    while core[-1:] in QUOTE_MARKS and core and not any(m in core[:-1] for m in QUOTE_MARKS):
        core = core[:-1].rstrip()
    return core


TOTAL_LABELS = {"tong cong": "Tổng cộng", "tong so": "Tổng số", "tong": "Tổng", "cong": "Cộng"}


def total_label(text: str) -> str:
    """The total row's label as it is written, whatever tone marks OCR gave it ("Tống cộng"
    for "Tổng cộng"): these words are the label of every total row, and of nothing else."""
    label = TOTAL_LABELS.get(fold(text.strip()))
    if label is None:
        return text
    return label.upper() if text.isupper() else label


def capitals_kept(text: str) -> str:
    """A name in title case ("Xã Ia Dom") with the capital I that OCR read as a lower-case l
    given back: in a name every syllable is capitalised, and only "I" looks like "l"."""
    words = text.split(" ")
    lettered = [w for w in words if w[:1].isalpha()]
    if len(lettered) < 2 or sum(w[:1].isupper() for w in lettered) < 2 / 3 * len(lettered):
        return text
    return " ".join("I" + w[1:] if w[:1] == "l" and w[1:2].isalpha() and w[1:2].islower()
                    else w for w in words)


def figure_text(text: str, column: Column | None = None) -> str | None:
    """A cell read as a figure, OCR slips undone ("1. 733" -> "1.733", "l1" -> "11",
    "2/13" -> "2,13", marks around it dropped); in a column of whole numbers a comma or a
    space before three digits is the thousands dot ("1,117" -> "1.117"). None when it is not
    a figure."""
    squeezed = re.sub(r"(?<=\d) (?=\d{3}\b)", ".", text.strip())
    core = re.sub(r"\s+", "", squeezed).strip(_JUNK)
    percent = core.endswith("%")
    core = core.rstrip("%")
    if not _FIGURE_RE.fullmatch(core):
        core = core.translate(CONFUSABLE_DIGITS)
    if column is not None and column.decimals == 0 and re.fullmatch(r"\d{1,3}(?:,\d{3})+", core):
        core = core.replace(",", ".")
    if not core or not _FIGURE_RE.fullmatch(core) or parse_value(core) is None:
        return None
    return core + ("%" if percent else "")


def decimals(text: str) -> int:
    return len(text.rstrip("%").split(",")[1]) if "," in text else 0


def fits(figure: str, column: Column) -> bool:
    return column.decimals is None or decimals(figure) == column.decimals


def comma_restored(figure: str, column: Column) -> str | None:
    """A figure of a column printed with k decimals, read with none ("211" for "2,11": a fax
    or a photo loses a thin comma, and no rate is over 100): the comma put back before its
    last k digits. None when the figure is not such a reading; a figure of 100 or less may be
    a whole rate printed so ("100", "45%") and is kept as read."""
    digits = figure.rstrip("%")
    if not column.decimals or not digits.isdigit() or len(digits) <= column.decimals:
        return None
    if int(digits) <= 100:
        return None
    k = column.decimals
    return f"{digits[:-k]},{digits[-k:]}" + ("%" if figure.endswith("%") else "")


def usual_decimals(values: list[str]) -> int | None:
    """The number of decimals most figures of a column have, when most agree."""
    if not values:
        return None
    counts: dict[int, int] = {}
    for v in values:
        counts[decimals(v)] = counts.get(decimals(v), 0) + 1
    best = max(counts, key=counts.get)
    return best if counts[best] >= 0.7 * len(values) else None


def body_rows(rows: int, columns: int, readings: dict[Key, Reading]) -> list[int]:
    """Rows below the header: from the first row with two figures or more and a name that
    is not the row of column numbers some offices print under the header ("1 2 3 ... 9")."""
    for row in range(rows):
        texts = [readings.get((row, c), ("", 0.0))[0] for c in range(columns)]
        figures = sum(figure_text(t) is not None for t in texts)
        if (figures >= 2 and any(len(t) >= 3 and figure_text(t) is None for t in texts)
                and not column_numbers(texts)):
            return list(range(row, rows))
    return []


def column_numbers(texts: list[str]) -> bool:
    """A row whose figures are the numbers of their columns (1, 2, 3 ... in three columns or
    more, a word cell among them left aside)."""
    figures = [(c, figure_text(t)) for c, t in enumerate(texts) if figure_text(t) is not None]
    return (len(figures) >= 3 and all(f.isdigit() for _, f in figures)
            and len({int(f) - c for c, f in figures}) == 1)


def figure_columns(body: list[int], columns: int,
                   readings: dict[Key, Reading]) -> dict[int, Column]:
    """The columns of figures (most of their body cells read as figures)."""
    out = {}
    for col in range(columns):
        texts = [readings[(r, col)][0] for r in body if (r, col) in readings]
        figures = [f for f in (figure_text(t) for t in texts) if f is not None]
        if texts and len(figures) >= NUMERIC_COLUMN_SHARE * len(texts):
            out[col] = Column(usual_decimals(figures))
    return out


def counts_rows(figures: list[str | None]) -> bool:
    """A column of row numbers ("TT", "STT": 1, 2, 3 ... down the body), told by its figures
    in the body's order (None where unread): most read ones are the one above plus one."""
    values = [parse_value(f) if f else None for f in figures]
    pairs = [(a, b) for a, b in zip(values, values[1:], strict=False)
             if a is not None and b is not None]
    return len(pairs) >= 2 and sum(b - a == 1 for a, b in pairs) >= 0.8 * len(pairs)


def doubtful(first: Reading, column: Column | None) -> bool:
    """A cell the figures model did not read as a clean, sure figure of its column."""
    figure = figure_text(first[0], column)
    if figure is None:
        return True
    return first[1] < LOW_CONFIDENCE or (column is not None and not fits(figure, column))


def disagree(first: Reading | None, second: Reading | None, column: Column | None) -> bool:
    """Two readings of a cell of figures that neither settles: one makes no figure, or both
    make figures that fit the column but differ in value (not by a doubled digit one lost,
    nor by a thousands dot: "1411" is "1.411")."""
    if column is None or not (first and first[0]) or not (second and second[0]):
        return False
    a, b = figure_text(first[0], column), figure_text(second[0], column)
    if a is None or b is None:
        return True
    if not (fits(a, column) and fits(b, column)) or parse_value(a) == parse_value(b):
        return False
    return not (doubled_lost(a, b) or doubled_lost(b, a))


def doubled_lost(long: str, short: str) -> bool:
    """`short` is `long` with one of two like digits side by side dropped ("711" read "71",
    "11" read "1"): OCR merges a pair of narrow glyphs far more often than it invents one."""
    return len(long) == len(short) + 1 and any(
        long[i] == long[i + 1] and long[:i] + long[i + 1:] == short for i in range(len(long) - 1))


def choose(first: Reading | None, second: Reading | None,
           column: Column | None) -> Reading | None:
    """The better of two readings of a cell (figures model first, page language second):
    words as the page language read them; between figures, one that fits its column over one
    that does not, then one that kept a doubled digit the other lost, else the surer one."""
    if not (first and first[0]):
        return as_figure(second, column) if second and second[0] else None
    if not (second and second[0]):
        return as_figure(first, column)
    a, b = as_figure(first, column), as_figure(second, column)
    fa, fb = figure_text(a[0], column), figure_text(b[0], column)
    if fa is None or fb is None:
        return a if fb is None and fa is not None and column is not None else b
    if column is not None and fits(fa, column) != fits(fb, column):
        return a if fits(fa, column) else b
    if doubled_lost(fa, fb) or doubled_lost(fb, fa):
        return a if len(fa) > len(fb) else b
    return a if a[1] >= b[1] else b


def as_figure(reading: Reading, column: Column | None) -> Reading:
    """In a column of figures, a reading that is a figure in its clean form."""
    if column is None:
        return reading
    figure = figure_text(reading[0], column)
    return (figure, reading[1]) if figure is not None else reading


Relation = tuple[int, int, int]  # columns a, b, c with a - b = c in the table's rows


def _value(reading: Reading | None, column: Column) -> float | None:
    figure = figure_text(reading[0], column) if reading and reading[0] else None
    return parse_value(figure) if figure is not None and fits(figure, column) else None


def row_relations(body: list[int], columns: dict[int, Column],
                  readings: dict[Key, Reading]) -> list[Relation]:
    """The columns of figures one row's arithmetic ties together (start - reduction = end:
    households at the start of the year, the target, at the end), found from the table's own
    rows: exact in most rows where the three figures were read."""
    values = {(r, c): _value(readings.get((r, c)), column) for r in body
              for c, column in columns.items()}
    out = []
    for a in columns:
        for b in columns:
            for c in columns:
                if len({a, b, c}) < 3:
                    continue
                if mostly_subtracts([(values[(r, a)], values[(r, b)], values[(r, c)])
                                     for r in body], _rounding(columns, (a, b, c))):
                    out.append((a, b, c))
    return out


def _figure_of(value: float, column: Column) -> str:
    """A value written as the column writes its figures ("1.411", "9,27")."""
    places = column.decimals or 0
    text = f"{value:,.{places}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def _implied(relation: Relation, column: int, values: dict[int, float]) -> float:
    a, b, c = relation
    if column == a:
        return values[b] + values[c]
    return values[a] - (values[c] if column == b else values[b])


def _rounding(columns: dict[int, Column], relation: Relation) -> float:
    """How far a row's start - part = end may miss: figures printed with k decimals are each
    rounded, so rates miss by up to one unit of their last decimal ("13,94 - 2,82 = 11,11")."""
    places = max((columns[c].decimals or 0) for c in relation)
    return 10.0 ** -places + 1e-6 if places else 1e-6


def repaired(texts: dict[int, str], readings: dict[int, list[str]], relations: list[Relation],
             columns: dict[int, Column]) -> dict[int, str]:
    """A row's figures whose arithmetic fails, mended where exactly one figure can be read so
    that it holds: by another reading of its cell, or by the value the others imply when that
    is the reading with a doubled digit put back ("71" read for "711" by every reading) or a
    "1" the slash stood for ("1/78" for "11,78": "/" is read as a comma first). The
    changed cells (column -> text); none when the row holds or no single mend fits."""
    values = {c: _value((t, 0.0), columns[c]) for c, t in texts.items() if c in columns}
    broken = [r for r in relations if None not in (values.get(k) for k in r)
              and abs(values[r[0]] - values[r[1]] - values[r[2]]) > _rounding(columns, r)]
    if not broken:
        return {}
    mends: dict[int, str] = {}
    for col in {k for r in broken for k in r}:
        ties = [r for r in relations if col in r and None not in (values.get(k) for k in r)]
        wanted = {round(_implied(r, col, values), 6) for r in ties}
        if len(wanted) != 1:
            continue
        value = wanted.pop()
        digits = re.sub(r"\D", "", _figure_of(value, columns[col]))
        rounding = max(_rounding(columns, r) for r in ties)
        for text in [*readings.get(col, []), texts[col]]:
            figure = figure_text(text, columns[col])
            if figure is not None and not fits(figure, columns[col]):
                figure = comma_restored(figure, columns[col]) or figure  # "1111" for "11,11"
            if figure is None or not fits(figure, columns[col]):
                continue
            off = abs((parse_value(figure) or 0.0) - value)
            if 1e-6 < off <= rounding:
                mends[col] = figure  # as read: the rates of a row agree to their rounding only
                break
            if (off < 1e-6
                    or doubled_lost(digits, re.sub(r"\D", "", figure))
                    or digits == re.sub(r"\D", "", text.replace("/", "1"))):
                mends[col] = _figure_of(value, columns[col])
                break
    return mends if len(mends) == 1 else {}
