"""Cells that spreadsheets read as data, never as formulas: the one rule of every CSV and XLSX.

Plan text and file names are untrusted. A cell that begins with = + - @ (or tab, CR, NUL) is
read by Excel, LibreOffice and Google Sheets as a formula: `=HYPERLINK("http://...")` in a plan
sentence would become a live link, `=cmd|...` a command. Following OWASP's CSV-injection
guidance, such text gets a leading apostrophe in CSV, and in XLSX is stored as a text cell with
Excel's quote-prefix flag (what Excel itself does when someone types '=...). Numbers are never
touched: -0.5 stays a number. CSV text fields are always quoted, so a separator inside a field
(`;` in a locale that splits on it) cannot start a new cell.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def safe_cell(value: Any) -> Any:
    """The value as a spreadsheet should receive it: numbers as they are, text that a
    spreadsheet would read as a formula behind an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _plain(value: Any) -> Any:
    """Python values for the csv module: missing markers (None, NaN, pandas NA) as None."""
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        return value.item()  # numpy scalars
    return value


def write_csv(rows: Iterable[Mapping[str, Any]], columns: list[str],
              target: str | Path | IO[str], *, bom: bool = True) -> None:
    """Rows as CSV: text quoted and neutralised (safe_cell), numbers bare, missing values empty.

    `target` is a path (written UTF-8 with a byte-order mark when `bom`, so spreadsheet programs
    read the accents) or an open text stream.
    """
    if isinstance(target, str | Path):
        path = Path(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
            write_csv(rows, columns, handle)
        return
    writer = csv.writer(target, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    writer.writerow([safe_cell(str(c)) for c in columns])
    for row in rows:
        cells = []
        for column in columns:
            value = _plain(row.get(column))
            if value is None:
                cells.append("")
            elif isinstance(value, bool):
                cells.append(str(value).lower())
            elif isinstance(value, int | float):
                cells.append(value)
            else:
                cells.append(safe_cell(str(value)))
        writer.writerow(cells)


def frame_csv(frame, target: str | Path | IO[str], *, bom: bool = True) -> None:
    """A pandas DataFrame through write_csv."""
    write_csv(frame.to_dict(orient="records"), [str(c) for c in frame.columns], target, bom=bom)


def xlsx_text(value: Any) -> Any:
    """Text an XLSX file can hold: the control characters XML forbids (a file name or a stray
    byte of a text file may carry them) become U+FFFD; other values pass."""
    if isinstance(value, str):
        return _XML_ILLEGAL.sub("\ufffd", value)
    return value


def xlsx_frame(frame):
    """A copy of a DataFrame whose text cells and column names xlsx_text has cleaned."""
    import pandas as pd

    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_object_dtype(out[column]) or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(xlsx_text)
    out.columns = [xlsx_text(str(c)) for c in out.columns]
    return out


def protect_sheet(worksheet) -> None:
    """Make every text cell of an openpyxl worksheet plain text: openpyxl turns a string that
    begins with '=' into a formula (and '#N/A' into an error) as it is assigned."""
    for row in worksheet.iter_rows():
        for cell in row:
            value = cell.value
            if not isinstance(value, str):
                continue
            if cell.data_type != "s":
                cell.data_type = "s"
            if safe_cell(value) != value:
                cell.quotePrefix = True
