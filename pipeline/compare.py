"""Localities side by side: comparison rows, the indicator x locality matrix, CSV/XLSX exports.

Pure functions over the store's query results. The locality of a target is the target's own
locality when set (a per-commune row of a district plan), else its document's locality. Names
typed by users match accent- and case-insensitively ("cam thanh" finds "Cam Thành", "xã X"
finds "X"); unknown names raise errors.UnknownName listing the known ones.

The matrix is a DataFrame with the columns indicator, indicator_label and one column of
formatted values per locality; its `attrs` hold, as plain dicts keyed [indicator][locality],
the quotes ("quotes") and the full groundings ("groundings"); `matrix_quotes(frame)` gives the
quotes as a parallel DataFrame.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path

import pandas as pd

from pipeline import errors, exports, queries
from pipeline.extract.indicators import INDICATORS
from pipeline.numbers import format_value
from pipeline.places import COMMUNE_LEVELS, DISTRICT_LEVELS, split_level
from pipeline.text import fold
from pipeline.units import is_village

COMPARISON_COLUMNS = [
    "locality", "admin_level", "district", "province", "value", "value_max", "comparator",
    "baseline", "unit", "year", "quote", "document", "page", "char_start", "char_end",
    "target_id", "document_id", "indicator", "display", "today", "today_province",
]
REORGANISATION = date(2025, 7, 1)  # from this date on, places are grouped by today's units
NOTES_SHEET = "Nguồn"
EMPTY_HINT_VI = "Chưa có kế hoạch nào; hãy thêm bằng lệnh: plans ingest ĐƯỜNG_DẪN"
EMPTY_HINT_EN = "No plans stored yet; add some with: plans ingest PATH"

LEVEL_ORDER = {"tỉnh": 0, **{lvl: 1 for lvl in DISTRICT_LEVELS},
               **{lvl: 2 for lvl in COMMUNE_LEVELS}}


# --------------------------------------------------------------------------- names

def indicator_labels() -> dict[str, str]:
    """Vietnamese label of each indicator code of the table."""
    return {ind.code: ind.label for ind in INDICATORS}


def _all_targets(session, **filters) -> list[dict]:
    return queries.query_targets(session, **filters)


def known_indicators(session) -> list[str]:
    """Indicator codes: those with stored targets first (table order), then the rest of the table."""
    table = [ind.code for ind in INDICATORS]
    order = {code: i for i, code in enumerate(table)}
    stored = {t["indicator"] for t in _all_targets(session) if t.get("indicator")}
    with_data = sorted(stored, key=lambda c: (order.get(c, len(order)), c))
    return with_data + [c for c in table if c not in stored]


def _squash(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", fold(text)).strip(" .")


def display_name(name: str) -> str:
    """A locality name as shown: table rows in capitals ("CAM THÀNH") become "Cam Thành"."""
    name = re.sub(r"\s+", " ", name).strip()
    return name.title() if name.isupper() else name


def resolve_indicator(session, name: str) -> str:
    """The indicator code a user means by a code, a label or a keyword; else UnknownName."""
    codes = known_indicators(session)
    labels = indicator_labels()
    wanted = _squash(name)
    for code in codes:
        if wanted in (_squash(code), _squash(labels.get(code, ""))):
            return code
    keyword_hits = [ind.code for ind in INDICATORS
                    if any(_squash(k) == wanted for k in ind.keywords)]
    if keyword_hits:
        return keyword_hits[0]
    stored = {t["indicator"] for t in _all_targets(session)}
    listing = ", ".join(f"{c} ({labels[c]})" if c in labels else c for c in codes)
    with_data = ", ".join(c for c in codes if c in stored) or "—"
    error = errors.UnknownName(
        name,
        vi=f"Không có chỉ tiêu '{name}'. Chỉ tiêu có dữ liệu: {with_data}. "
           f"Các mã đã biết: {listing}.",
        en=f"Unknown indicator '{name}'. Indicators with data: {with_data}. "
           f"Known codes: {listing}.")
    error.known = codes
    raise error


class Locality:
    """A place targets are set for: name, level, and the district and province it lies in;
    its official unit and the units it became in 2025 when they are known (pipeline/units.py)."""

    __slots__ = ("name", "admin_level", "district", "province", "unit", "successor")

    def __init__(self, name: str, admin_level: str | None, district: str | None,
                 province: str | None, unit: dict | None = None, successor: list | None = None):
        self.name, self.admin_level = name, admin_level
        self.district, self.province = district, province
        self.unit, self.successor = unit, successor or []

    @property
    def today(self) -> dict | None:
        """The unit of today's map its records are grouped under: the new commune a commune
        (or a village's commune) became, first the one the package converts it to when it
        was split; the new province of a district or province."""
        if not self.successor:
            return None
        first = self.successor[0]
        if (self.unit or {}).get("rank") == "commune" or first.get("rank") == "province":
            return first
        return {"code": first.get("province_code"), "name": first.get("province"),
                "short": split_level(first.get("province") or "")[1], "rank": "province"}

    def names(self) -> set[str]:
        """Folded names of today's units it answers to: every new commune a commune went to,
        the new province of a district or province."""
        if (self.unit or {}).get("rank") == "commune":
            return {_squash(u.get("short") or "") for u in self.successor} - {""}
        return {_squash(self.today["short"])} if self.today else set()

    @property
    def rank(self) -> int:
        """0 province, 1 district level, 2 commune level (and places of unknown level)."""
        return LEVEL_ORDER.get(self.admin_level or "", 2)

    @property
    def key(self) -> tuple[str, int, str]:
        """Identity: name (case-folded, accents kept: Cam Thanh is not Cam Thành), level rank,
        and the unit it lies in (district for communes, province for districts)."""
        within = self.district if self.rank == 2 else self.province if self.rank == 1 else None
        return self.name.casefold(), self.rank, _squash(split_level(within or "")[1])


def locality_of(target: Mapping) -> Locality:
    """The target's own locality when set (per-commune tables), else its document's."""
    doc_level = target.get("doc_admin_level")
    own = target.get("locality")
    doc_name = target.get("doc_locality")
    if own and (not doc_name or own.casefold() != doc_name.casefold()):
        level, name = split_level(own)
        if doc_level in DISTRICT_LEVELS:
            district = doc_name
        elif doc_level in COMMUNE_LEVELS:
            district = target.get("doc_district")
            level = level or "thôn"
        else:
            district = target.get("doc_district")
        unit = target.get("unit_code") or {}
        if level is None and unit.get("rank") == "commune" and not is_village(own):
            level = unit.get("level")  # a commune table's row: the level its unit has
        return Locality(display_name(name), level, district, target.get("doc_province"),
                        target.get("unit_code"), target.get("successor"))
    if not doc_name:
        return Locality(f"không rõ ({target.get('document')})", doc_level, None, None)
    level, name = split_level(doc_name)
    return Locality(display_name(name), doc_level or level, target.get("doc_district"),
                    target.get("doc_province"), target.get("unit_code"),
                    target.get("successor"))


def _localities(session) -> dict[tuple, Locality]:
    """Every known place by key; a place whose district is unknown is filed under the one
    same-named place of its level that knows it (alias keys map to that place).
    Memoised on the session: one request asks for it several times over the same data."""
    if "plans_localities" in session.info:
        return session.info["plans_localities"]
    found: dict[tuple, Locality] = {}
    for doc in queries.query_documents(session):
        if doc.get("locality"):
            place = locality_of({"doc_locality": doc["locality"],
                                 "doc_admin_level": doc.get("admin_level"),
                                 "doc_district": doc.get("district"),
                                 "doc_province": doc.get("province"),
                                 "unit_code": doc.get("unit_code"),
                                 "successor": doc.get("successor")})
            found.setdefault(place.key, place)
    for target in _all_targets(session):
        place = locality_of(target)
        found.setdefault(place.key, place)
    for key in list(found):
        if key[2]:
            continue
        twins = [p for k, p in found.items() if k[:2] == key[:2] and k[2]]
        if len(twins) == 1:
            found[key] = twins[0]
    session.info["plans_localities"] = found
    return found


def _unique(places: dict[tuple, Locality]) -> list[Locality]:
    return list({id(p): p for p in places.values()}.values())


def _labels(places: Iterable[Locality]) -> dict[tuple, str]:
    """Each place's name as shown, qualified by level, then by district or province, when
    another place has the same name ("Tân Hòa (huyện)", "Tân Hòa (Châu Thành)")."""
    places = list({p.key: p for p in places}.values())
    by_name: dict[str, list[Locality]] = {}
    for p in places:
        by_name.setdefault(p.name.casefold(), []).append(p)
    labels = {}
    for group in by_name.values():
        for p in group:
            if len(group) == 1:
                labels[p.key] = p.name
                continue
            same_level = [q for q in group if q.admin_level == p.admin_level]
            within = p.district if p.rank == 2 else p.province
            within = split_level(within)[1] if within else None
            if p.admin_level and len(same_level) == 1:
                labels[p.key] = f"{p.name} ({p.admin_level})"
            elif within:
                labels[p.key] = f"{p.name} ({within})"
            else:
                labels[p.key] = f"{p.name} ({p.admin_level or '?'})"
    return labels


def _sort_key(place: Locality, as_of: date | None = None) -> tuple:
    """Province, then district (the district itself before its communes), then name; on
    today's map (`as_of` from 1 July 2025) today's province and unit first."""
    if place.admin_level in DISTRICT_LEVELS or not place.district:
        group = place.name
    else:
        group = split_level(place.district)[1]
    today: tuple = ()
    if as_of is not None and as_of >= REORGANISATION:
        unit = place.today or {}
        province = unit.get("province") or (unit.get("name") if unit.get("rank") == "province"
                                             else None)
        today = (_squash(split_level(province or "~")[1]),
                 unit.get("rank") != "province", fold(unit.get("short") or ""))
    return (*today, _squash(split_level(place.province or "")[1]), _squash(group),
            LEVEL_ORDER.get(place.admin_level or "", 2), fold(place.name), place.name)


def parse_as_of(text: str | None) -> date | None:
    """The date a comparison's map is taken at ("2025-07-01"); None when not given."""
    if not text or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise errors.UnknownName(text, vi="Ngày phải có dạng NĂM-THÁNG-NGÀY, ví dụ 2025-07-01.",
                                 en="A date is written YYYY-MM-DD, e.g. 2025-07-01.") from None


def today_province(place: Locality) -> str | None:
    """The short name of the province of today's map a place lies in."""
    unit = place.today or {}
    name = unit.get("name") if unit.get("rank") == "province" else unit.get("province")
    return split_level(name)[1] if name else None


def today_label(place: Locality) -> str | None:
    """How today's map names a place's unit: "Tân Hòa (Vĩnh Long)", "Thái Nguyên"."""
    unit = place.today
    if unit is None:
        return None
    if unit.get("rank") == "province":
        return unit.get("short") or unit.get("name")
    return f"{unit.get('short')} ({split_level(unit.get('province') or '')[1]})"


def known_localities(session) -> list[str]:
    """Every locality with a stored plan or target, as names users can type."""
    return [label for label, _ in known_places(session)]


def known_places(session) -> list[tuple[str, Locality]]:
    """Every locality with a stored plan or target and the name users can type for it."""
    places = sorted(_unique(_localities(session)), key=_sort_key)
    labels = _labels(places)
    return [(labels[p.key], p) for p in places]


def resolve_localities(session, names: Iterable[str],
                       places: dict[tuple, Locality] | None = None,
                       as_of: date | None = None) -> list[tuple]:
    """Keys of the localities users mean; exact spelling first, then without accents or case.

    "xã Tân Hòa", "Tân Hòa (xã)" and "Tân Hòa (Châu Thành)" narrow by level or district. A
    name of today's map ("Tân Hòa") means the places that became that unit: when no place
    is so named, and always on today's map (`as_of` from 1 July 2025).
    """
    places = places if places is not None else _localities(session)
    unique = sorted(_unique(places), key=_sort_key)
    labels = _labels(unique)
    keys: list[tuple] = []
    for raw in names:
        by_label = [p for p in unique if labels[p.key].casefold() == raw.strip().casefold()]
        hinted = re.search(r"\((.*?)\)\s*$", raw)
        level, bare = split_level(re.sub(r"\((.*?)\)\s*$", "", raw).strip())
        within = None
        if hinted:
            hint = hinted.group(1).strip()
            if hint.casefold() in LEVEL_ORDER:
                level = hint.casefold()
            else:
                within = _squash(split_level(hint)[1])
        candidates = [p for p in unique
                      if (level is None or p.rank == LEVEL_ORDER.get(level, 2))
                      and (within is None or _squash(split_level(
                          (p.district if p.rank == 2 else p.province) or "")[1]) == within)]
        exact = [p for p in candidates if p.name.casefold() == bare.casefold()]
        found = by_label or exact or [p for p in candidates if _squash(p.name) == _squash(bare)]
        if not found or (as_of is not None and as_of >= REORGANISATION):
            found += [p for p in unique if _squash(bare) in p.names() and p not in found
                      and within in (None, _squash(today_province(p) or ""))]
        if not found:
            _unknown_locality(raw, [labels[p.key] for p in unique])
        keys += [p.key for p in found if p.key not in keys]
    return keys


def _unknown_locality(name: str, known: list[str]) -> None:
    if not known:
        error = errors.UnknownName(name, vi=f"Không có địa phương '{name}'. {EMPTY_HINT_VI}.",
                                   en=f"Unknown locality '{name}'. {EMPTY_HINT_EN}.")
    else:
        listing = ", ".join(known)
        error = errors.UnknownName(
            name, vi=f"Không có địa phương '{name}'. Các địa phương đã biết: {listing}.",
            en=f"Unknown locality '{name}'. Known localities: {listing}.")
    error.known = known
    raise error


def check_names(session, indicator: str | None = None, localities: Iterable[str] | None = None,
                *, indicators: Iterable[str] | None = None, as_of: date | None = None) -> None:
    """Raise errors.UnknownName (listing the known names) for any name nothing matches."""
    for name in ([indicator] if indicator else []) + list(indicators or []):
        resolve_indicator(session, name)
    if localities:
        resolve_localities(session, localities, as_of=as_of)


# --------------------------------------------------------------------------- views

def _year_rank(year) -> int:
    years = [int(y) for y in re.findall(r"\d{4}", str(year or ""))]
    return max(years) if years else 0


def _best(targets: list[dict], year=None) -> dict:
    """The target that speaks for a locality: the requested or latest year, first in the text."""
    def rank(t: dict) -> tuple:
        exact = year is not None and str(t.get("year") or "") == str(year)
        return (not exact, -_year_rank(t.get("year")), t.get("value") is None,
                -(t.get("confidence") or 0), t.get("document_id") or 0, t.get("page") or 0,
                t.get("char_start") or 0)
    return min(targets, key=rank)


def _district_matches(place: Locality, district: str) -> bool:
    level, bare = split_level(district)
    wanted = _squash(bare)
    if place.district and _squash(split_level(place.district)[1]) == wanted:
        return True
    return (place.admin_level in DISTRICT_LEVELS or level is not None
            and place.admin_level == level) and _squash(place.name) == wanted


def _grouped(session, targets: list[dict], localities, district,
             places: dict, as_of: date | None = None) -> tuple[dict, list | None]:
    """Targets by locality key, keeping only the localities and district asked for."""
    wanted = resolve_localities(session, localities, places, as_of) if localities else None
    groups: dict[tuple, tuple[Locality, list[dict]]] = {}
    for target in targets:
        place = places.get(locality_of(target).key) or locality_of(target)
        if wanted is not None and place.key not in wanted:
            continue
        if district and not _district_matches(place, district):
            continue
        groups.setdefault(place.key, (place, []))[1].append(target)
    return groups, wanted


def comparison(session, indicator: str, localities: list[str] | None = None, *, year=None,
               district: str | None = None, as_of: date | None = None) -> pd.DataFrame:
    """One row per locality for one indicator: value, comparator, baseline, year, source quote;
    `today` names the unit of today's map it became, and on today's map (`as_of`) rows are
    grouped by it."""
    code = resolve_indicator(session, indicator)
    targets = [t for t in _all_targets(session, indicator=code)
               if year is None or str(year) in str(t.get("year") or "")]
    all_places = _localities(session)
    groups, wanted = _grouped(session, targets, localities or None, district, all_places, as_of)
    for key in wanted or []:  # a locality asked for by name shows even without a target
        groups.setdefault(key, (all_places[key], []))
    labels = _labels(_unique(all_places) + [p for p, _ in groups.values()])
    rows = []
    for key, (place, found) in sorted(groups.items(),
                                      key=lambda kv: _sort_key(kv[1][0], as_of)):
        today = place.today or {}
        row = {"locality": labels.get(key, place.name), "admin_level": place.admin_level,
               "district": place.district, "province": place.province, "indicator": code,
               "today": today_label(place),
               "today_province": split_level(today.get("province") or today.get("name")
                                             or "")[1] or None}
        if found:
            t = _best(found, year)
            row.update({k: t.get(k) for k in ("value", "value_max", "comparator", "baseline",
                                               "unit", "year", "quote", "document", "page",
                                               "char_start", "char_end", "document_id")})
            row["target_id"] = t.get("id")
        row["display"] = format_value(row)
        rows.append(row)
    frame = pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
    for column in ("value", "value_max", "baseline"):
        frame[column] = frame[column].astype("float64")
    for column in ("page", "char_start", "char_end", "target_id", "document_id"):
        frame[column] = frame[column].astype("Int64")
    frame.attrs["indicator"] = code
    frame.attrs["label"] = indicator_labels().get(code, code)
    return frame


def matrix(session, localities: list[str] | None = None, *,
           district: str | None = None, as_of: date | None = None) -> pd.DataFrame:
    """Indicator x locality: formatted values, quotes and groundings in `attrs` (see module);
    on today's map (`as_of`) the columns are grouped by today's units and named after them
    ("Tân Hòa (Vĩnh Long) ← An Phú")."""
    targets = _all_targets(session)
    all_places = _localities(session)
    groups, wanted = _grouped(session, targets, localities or None, district, all_places, as_of)
    places = [place for place, _ in groups.values()]
    places += [all_places[k] for k in wanted or [] if k not in groups]
    places.sort(key=lambda p: _sort_key(p, as_of))
    labels = _labels(_unique(all_places) + places)
    if as_of is not None and as_of >= REORGANISATION:
        labels = {**labels, **{p.key: f"{today_label(p)} ← {labels.get(p.key, p.name)}"
                               for p in places if today_label(p)}}
    columns = [labels.get(p.key, p.name) for p in places]
    table_order = {code: i for i, code in enumerate(ind.code for ind in INDICATORS)}
    codes = sorted({t["indicator"] for _, found in groups.values() for t in found},
                   key=lambda c: (table_order.get(c, len(table_order)), c))
    names = indicator_labels()
    values: dict[str, dict[str, str]] = {c: {} for c in codes}
    quotes: dict[str, dict[str, str]] = {c: {} for c in codes}
    groundings: dict[str, dict[str, dict]] = {c: {} for c in codes}
    for place in places:
        column = labels.get(place.key, place.name)
        found = groups.get(place.key, (place, []))[1]
        by_code: dict[str, list[dict]] = {}
        for t in found:
            by_code.setdefault(t["indicator"], []).append(t)
        for code, ts in by_code.items():
            t = _best(ts)
            values[code][column] = format_value(t)
            quotes[code][column] = t.get("quote") or ""
            groundings[code][column] = {
                "document": t.get("document"), "document_id": t.get("document_id"),
                "page": t.get("page"), "char_start": t.get("char_start"),
                "char_end": t.get("char_end"), "quote": t.get("quote") or "",
                "target_id": t.get("id"), "year": t.get("year"), "display": format_value(t)}
    rows = [{"indicator": c, "indicator_label": names.get(c, c),
             **{col: values[c].get(col, "") for col in columns}} for c in codes]
    frame = pd.DataFrame(rows, columns=["indicator", "indicator_label", *columns])
    frame.attrs["quotes"] = quotes
    frame.attrs["groundings"] = groundings
    frame.attrs["localities"] = columns
    return frame


def matrix_quotes(frame: pd.DataFrame) -> pd.DataFrame:
    """The quotes behind a matrix's cells, as a frame parallel to it."""
    quotes = frame.attrs.get("quotes", {})
    localities = frame.attrs.get("localities", list(frame.columns[2:]))
    rows = [{"indicator": code, "indicator_label": label,
             **{col: quotes.get(code, {}).get(col, "") for col in localities}}
            for code, label in zip(frame["indicator"], frame["indicator_label"], strict=True)]
    return pd.DataFrame(rows, columns=["indicator", "indicator_label", *localities])


# --------------------------------------------------------------------------- exports

def export_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """The frame as UTF-8 CSV with a byte-order mark, so spreadsheet programs read the accents;
    no cell a spreadsheet would run as a formula (pipeline.exports)."""
    path = Path(path)
    exports.frame_csv(frame, path)
    return path


_INTEGER_COLUMNS = {"page", "char_start", "char_end", "target_id", "document_id", "id",
                    "raw_char_start", "raw_char_end"}
_DECIMAL_COLUMNS = {"value", "value_max", "baseline", "confidence"}
_WIDE_COLUMNS = {"quote": 80, "task": 60, "message": 60}


def _sheet_title(name: str, taken: set[str]) -> str:
    title = re.sub(r"[\[\]:*?/\\]", "-", str(name)).strip("'").replace("'", "’") or "Sheet"
    title = title[:31]
    base, n = title, 2
    while title.casefold() in taken:
        suffix = f"~{n}"
        title = base[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(title.casefold())
    return title


def export_xlsx(views: Mapping[str, pd.DataFrame], path: str | Path,
                notes: str | None = NOTES_SHEET) -> Path:
    """One formatted sheet per view; every value cell links to its quote on the notes sheet.

    Comparison views keep their quote column beside the value; matrix cells carry the quote as
    a cell comment. With `notes` (a sheet name), each value cell also hyperlinks to its row on
    that sheet: sheet, cell, indicator, locality, value, document, page, span and quote.
    """
    from openpyxl.comments import Comment  # noqa: PLC0415
    from openpyxl.styles import Alignment, Font, PatternFill  # noqa: PLC0415
    from openpyxl.utils import get_column_letter  # noqa: PLC0415
    from openpyxl.worksheet.hyperlink import Hyperlink  # noqa: PLC0415

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    notes_title = _sheet_title(notes, taken) if notes else None
    note_rows: list[list] = []
    link_font = Font(color="0563C1", underline="single")

    def link(cell, sheet: str, indicator, locality, value_text: str, g: Mapping) -> None:
        quote = g.get("quote") or ""
        if not quote:
            return
        where = (f"{g.get('document')}, trang {g.get('page')}, "
                 f"ký tự {g.get('char_start')}–{g.get('char_end')}")
        comment = Comment(exports.xlsx_text(f"{quote}\n— {where}"), "plans")
        comment.width, comment.height = 420, 160
        cell.comment = comment
        if notes_title is None:
            return
        note_rows.append([len(note_rows) + 1, sheet, cell.coordinate, indicator, locality,
                          value_text, g.get("document"), g.get("page"), g.get("char_start"),
                          g.get("char_end"), quote])
        target_row = len(note_rows) + 1
        cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{notes_title}'!A{target_row}",
                                   tooltip="Mở trích dẫn nguồn / open the source quote")
        cell.font = link_font

    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in views.items():
            title = _sheet_title(name, taken)
            out = exports.xlsx_frame(frame)
            out.to_excel(writer, sheet_name=title, index=False)
            ws = writer.sheets[title]
            exports.protect_sheet(ws)
            _format_sheet(ws, out, Font, PatternFill, Alignment, get_column_letter)
            columns = list(frame.columns)  # the names the groundings are keyed by
            if "groundings" in frame.attrs:  # a matrix
                groundings = frame.attrs["groundings"]
                for r, code in enumerate(out["indicator"], start=2):
                    for c, column in enumerate(columns, start=1):
                        g = groundings.get(code, {}).get(column)
                        if g:
                            link(ws.cell(row=r, column=c), title, code, column,
                                 g.get("display") or "", g)
            elif "quote" in columns:
                value_column = "value" if "value" in columns else (
                    "display" if "display" in columns else "quote")
                c = columns.index(value_column) + 1
                for r, record in enumerate(out.to_dict("records"), start=2):
                    g = {k: _plain(record.get(k)) for k in
                         ("quote", "document", "page", "char_start", "char_end")}
                    value_text = record.get("display") or format_value(record)
                    link(ws.cell(row=r, column=c), title, _plain(record.get("indicator")),
                         _plain(record.get("locality")), value_text, g)
        if notes_title is not None:
            header = ["#", "sheet", "cell", "indicator", "locality", "value", "document",
                      "page", "char_start", "char_end", "quote"]
            notes_frame = exports.xlsx_frame(pd.DataFrame(note_rows, columns=header))
            notes_frame.to_excel(writer, sheet_name=notes_title, index=False)
            ws = writer.sheets[notes_title]
            exports.protect_sheet(ws)
            _format_sheet(ws, notes_frame, Font, PatternFill, Alignment, get_column_letter)
            for r, row in enumerate(note_rows, start=2):  # each note links back to its cell
                cell = ws.cell(row=r, column=3)
                cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{row[1]}'!{row[2]}")
                cell.font = link_font
    return path


def _plain(value):
    """None for pandas' missing markers, plain Python numbers otherwise."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def _format_sheet(ws, frame: pd.DataFrame, Font, PatternFill, Alignment,  # noqa: N803
                  get_column_letter) -> None:
    """Bold shaded header, frozen header row, filters, column widths and number formats."""
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in ws[1]:
        cell.font = header_font
        cell.fill = header_fill
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    ws.freeze_panes = "A2"
    if ws.max_row >= 1 and ws.max_column >= 1:
        ws.auto_filter.ref = ws.dimensions
    for c, column in enumerate(frame.columns, start=1):
        letter = get_column_letter(c)
        texts = [str(column)] + [str(v) for v in frame[column].head(500) if _plain(v) is not None]
        width = min(max(len(t) for t in texts) + 2, _WIDE_COLUMNS.get(str(column), 40))
        ws.column_dimensions[letter].width = max(width, 6)
        number_format = ("#,##0.00" if column in _DECIMAL_COLUMNS else
                         "0" if column in _INTEGER_COLUMNS else None)
        wrap = str(column) in _WIDE_COLUMNS
        for r in range(2, ws.max_row + 1):
            cell = ws.cell(row=r, column=c)
            if number_format and isinstance(cell.value, int | float):
                cell.number_format = number_format
            if wrap:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
