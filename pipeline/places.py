"""Places: administrative levels, place-name keys and the gazetteer of official units.

Level words ("xã", "thị trấn", "TP.") are read here and nowhere else; `locality_key` is how
two spellings of one place compare ("xã Cam Thành", "CAM THÀNH", "Cam Thanh"). The gazetteer
is the package vietnamadminunits: the units before the 2025 reorganisation (province,
district, commune) for plans issued before July 2025, the merged ones (no districts) after.
"""

from __future__ import annotations

import importlib.util
import re
import sqlite3
from collections import Counter
from functools import lru_cache
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from pipeline.text import fold, strip_accents, tone_key

# Folded level word -> the admin level as records write it (ARCHITECTURE.md).
LEVELS = {
    "thi tran": "thị trấn", "thi xa": "thị xã", "thanh pho": "thành phố", "phuong": "phường",
    "xa": "xã", "huyen": "huyện", "tinh": "tỉnh", "quan": "quận",
}
LEVEL_FOLD = {v: k for k, v in LEVELS.items()}
LEVEL_ALTERNATION = "thi tran|thi xa|thanh pho|phuong|xa|huyen|tinh|quan"  # longest first
# Abbreviations written before names: "TT. Ba Tơ", "TX Hương Trà", "TP. Huế", "P. 3", "X. An Phú"
ABBREVIATIONS = {"tt": "thị trấn", "tx": "thị xã", "tp": "thành phố", "p": "phường", "x": "xã"}
COMMUNE_LEVELS = ("xã", "phường", "thị trấn")
DISTRICT_LEVELS = ("huyện", "thị xã", "thành phố", "quận")
# Rank of a level in the hierarchy: 1 province, 2 district, 3 commune.
RANK = {"tỉnh": 1, **{level: 2 for level in DISTRICT_LEVELS},
        **{level: 3 for level in COMMUNE_LEVELS}}

_WORDS = "|".join(sorted(list(LEVELS) + [k for k in ABBREVIATIONS if len(k) > 1],
                         key=len, reverse=True))
# a level word, or an abbreviation (a one-letter one only with its dot), then the name
_LEVEL_PREFIX = re.compile(rf"^(?:(?P<word>{_WORDS})\.?|(?P<letter>[px])\.)\s*(?<=[\s.])(?=\S)")


_LEVEL_WORD = re.compile(rf"(?:{LEVEL_ALTERNATION})(?=\S)")


def unglued_level(name: str) -> str:
    """A level word glued to the capital of the name after it given its space back ("XãAn
    Phong" -> "Xã An Phong": OCR of a table cell loses narrow gaps). Only where the case shows
    the seam: a level word not in capitals, then a capital; a level word in capitals, then a
    capital alone or a capitalised word ("XÃA Nông", "XÃAn Phong"; "XÃAN" cannot be told
    apart); or the "l" OCR makes of a capital I after a level word with its accents ("Xãla
    Kriêng": no Vietnamese syllable goes on so). A comma between the level word and a
    capitalised name is a speck ("Phường, Phường 2"). The level word's last letter read twice
    ("XÃãA Nông", "Xãã An Phong") is read once."""
    stripped = re.sub(r"\s+", " ", name).strip()
    m = _LEVEL_WORD.match(fold(stripped))
    word, rest = (stripped[:m.end()], stripped[m.end():]) if m else ("", "")
    if re.match(r", ?[A-ZĐ][^\W\d_]*[a-zđ][^\W\d_]*\b", strip_accents(rest)):
        return f"{word} {rest[1:].lstrip()}"  # a speck read as a comma ("Phường, Phường 2")
    if rest[:1] and rest[:1].lower() == word[-1:].lower() and (rest[1:2] == " " or (
            rest[1:2].isupper() and not rest[:1].isupper())):
        # the level word's last letter read twice ("XÃãA Nông"): no name starts in lower case
        stripped, rest = word + rest[1:].lstrip(), rest[1:].lstrip()
    ell = re.match(r"l[^\W\d_]", rest) and rest[1].islower() and strip_accents(word) != word
    glued = rest.split(" ")[0]
    capitalised = glued[:1].isupper() and (len(glued) == 1 or glued[1:].islower())
    if not m or not (ell or (capitalised if word.isupper() else rest[:1].isupper())):
        return stripped
    return f"{stripped[:m.end()]} {stripped[m.end():]}"


def split_level(name: str) -> tuple[str | None, str]:
    """("xã", "Cam Thành") from "xã Cam Thành" (or "XãCam Thành", its space lost); (None, name)
    when no level word leads it."""
    stripped = unglued_level(name)
    m = _LEVEL_PREFIX.match(fold(stripped))
    if not m:
        return None, stripped
    key = m.group("word") or m.group("letter")
    return LEVELS.get(key) or ABBREVIATIONS[key], stripped[m.end():].strip()


def locality_key(name: str | None) -> str:
    """Accent- and case-insensitive key of a place name without its level word. The apostrophe
    of names from minority languages (Cư M'gar, Ea H'leo) counts as a space: print and OCR
    often lose it and keep the gap ("Cư M Lan")."""
    if not name:
        return ""
    return " ".join(fold(split_level(name)[1]).replace("'", " ").split())


def _dataset() -> Path | None:
    """The package's SQLite file, found without importing the package (its parser loads ~2 s
    of tables that this module does not use)."""
    spec = importlib.util.find_spec("vietnamadminunits")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - optional
        return None
    db = Path(spec.submodule_search_locations[0]) / "data" / "dataset.db"
    return db if db.exists() else None


_TABLES = ("admin_units", "admin_units_legacy")  # the units from 1 July 2025, and before


def dataset_rows(table: str, fields: list[str]) -> list[dict]:
    """Distinct rows of one table of the package's dataset, as its `database.get_data` gives
    them, read without importing the package (whose parsers load ~0.5 s of tables)."""
    if table not in _TABLES or not all(f.isidentifier() for f in fields):
        raise ValueError(f"no such table or field in the gazetteer: {table} {fields}")
    db = _dataset()
    if db is None:  # pragma: no cover - the package is a dependency
        return []
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute(f"SELECT DISTINCT {','.join(fields)} FROM [{table}]")]
    finally:
        con.close()


@lru_cache(maxsize=2)
def _gazetteer(after_2025: bool = False) -> list[tuple] | None:
    """Administrative units: (province, district, ward, the three folded, district/ward type).

    Before the 2025 reorganisation (the default): provinces, districts, communes. After it
    (from 1 July 2025) there are no districts: district is "" in every row.
    """
    if _dataset() is None:  # pragma: no cover - the package is a dependency
        return None
    if after_2025:
        fields = ["provinceShort", "wardShort", "wardType"]
        rows = [(r["provinceShort"], "", r["wardShort"], "", r["wardType"])
                for r in dataset_rows("admin_units", fields)]
    else:
        fields = ["provinceShort", "districtShort", "wardShort", "districtType", "wardType"]
        rows = [tuple(r[f] for f in fields) for r in dataset_rows("admin_units_legacy", fields)]
    out = []
    for prov, dist, ward, dtype, wtype in rows:
        if prov and ward and (dist or after_2025):
            out.append((prov, dist, ward, fold(prov), fold(dist), fold(ward), dtype, wtype))
    return out


# Cities under the central government: a "thành phố" of province rank (before 2025; Huế joined
# them in 2025, when the plans' districts went away)
CENTRAL_CITIES = ("Hà Nội", "Hồ Chí Minh", "Hải Phòng", "Đà Nẵng", "Cần Thơ")


def is_central_city(name: str) -> bool:
    """True for a city of province rank ("Hải Phòng"), not a provincial city ("Bến Tre")."""
    return name_key(name) in {name_key(c) for c in CENTRAL_CITIES}


def is_province(name: str) -> bool:
    """True when `name` is a province or centrally governed city ("Hà Nội", "Cần Thơ")."""
    rows = _gazetteer() or []
    key = fold(name)
    return any(r[3] == key for r in rows)


# Former names of provinces that plans of their time still carry (the gazetteer has the
# present ones): Thừa Thiên Huế became the city of Huế in 2025, Hà Tây joined Hà Nội in 2008.
FORMER_PROVINCES = ("Thừa Thiên Huế", "Hà Tây")


def name_key(name: str) -> str:
    """How a place name is compared: folded, a hyphen read as a space, one space between words,
    one kind of apostrophe ("Bà Rịa-Vũng Tàu", "BÀ RỊA - VŨNG TÀU" and "Ba Ria Vung Tau" agree;
    "Thừa Thiên - Huế" and "Thừa Thiên Huế"; "Hoà" and "Hòa" too)."""
    return re.sub(r"[\s\-–]+", " ", fold(name).replace("\u2019", "'")).strip()


def official_name(name: str) -> str:
    """A gazetteer name without its disambiguation ("Cai Lậy (Huyện)" -> "Cai Lậy")."""
    return re.sub(r"\s*\([^)]*\)$", "", name)


@lru_cache(maxsize=4)
def _names(kind: str) -> dict[str, tuple[tuple[str, str], ...]]:
    """First word of a name key -> (key, official spelling) of the units of one kind (province |
    district | commune), before and after the 2025 reorganisation, longest first."""
    names: set[str] = set(FORMER_PROVINCES) if kind == "province" else set()
    for after in (False, True):
        for row in _gazetteer(after) or []:
            name = {"province": row[0], "district": row[1], "commune": row[2]}[kind]
            if name:
                names.add(official_name(name))
    by_first: dict[str, list[tuple[str, str]]] = {}
    for name in sorted(names):
        key = name_key(name)
        by_first.setdefault(key.split(" ")[0], []).append((key, name))
    return {k: tuple(sorted(v, key=lambda kv: len(kv[0]), reverse=True))
            for k, v in by_first.items()}


def official_names(kind: str) -> list[str]:
    """Every official name of one kind of unit (province | district | commune), both eras."""
    return [name for names in _names(kind).values() for _, name in names]


KIND_OF_LEVEL = {"tỉnh": "province", **{lvl: "district" for lvl in DISTRICT_LEVELS},
                 **{lvl: "commune" for lvl in COMMUNE_LEVELS}}


def _keyed_window(text: str, pos: int, width: int = 60) -> tuple[str, list[int]]:
    """name_key of text[pos:pos + width] and, for each of its characters, the offset after it
    in `text` (the key drops characters, so positions are mapped back through this list)."""
    out: list[str] = []
    ends: list[int] = []
    for i, ch in enumerate(fold(text[pos:pos + width]).replace("\u2019", "'")):
        if ch.isspace() or ch in "-–":
            if not out or out[-1] == " ":
                continue
            ch = " "
        out.append(ch)
        ends.append(pos + i + 1)
    return "".join(out), ends


def official_name_at(text: str, pos: int, level: str | None) -> tuple[str, int] | None:
    """The longest official unit name of this level standing at `pos`, in its official spelling
    ("QUẢNG\nNAM" -> "Quảng Nam", "HOÀ BÌNH" -> "Hòa Bình"), and where it ends in `text`; None
    when no gazetteer name stands there. Line breaks, spaces around hyphens and old tone
    placement do not matter."""
    kinds = [KIND_OF_LEVEL[level]] if level in KIND_OF_LEVEL else ["province", "district"]
    if level == "thành phố":
        kinds.append("province")  # a city under the central government
    window, ends = _keyed_window(text, pos)
    first = re.match(r"[a-z0-9']+", window)
    if not first:
        return None
    best_key, spellings = "", set()
    for kind in kinds:
        for key, name in _names(kind).get(first.group(0), ()):
            if len(key) < len(best_key):
                break
            if window.startswith(key) and not window[len(key):len(key) + 1].isalnum():
                if len(key) > len(best_key):
                    best_key, spellings = key, set()
                spellings.add(name)
    if not best_key:
        return None
    end = ends[len(best_key) - 1]
    by_accents = {tone_key(name_key_spaced(n)): n for n in sorted(spellings, reverse=True)}
    written = name_key_spaced(text[pos:end])
    found = by_accents.get(tone_key(written))
    if found:
        return found, end
    if strip_accents(written) != written:  # spelt otherwise ("Mù Cang Chải"): as written
        return written if not written.isupper() else _title_case(written), end
    # accents stripped: the official spelling, unless two names fold alike ("Phú Mỹ", "Phù Mỹ")
    return (next(iter(by_accents.values())), end) if len(by_accents) == 1 else None


def _title_case(name: str) -> str:
    return re.sub(r"\w+", lambda m: m.group(0)[:1].upper() + m.group(0)[1:].lower(), name)


def name_key_spaced(name: str) -> str:
    """A name with a hyphen read as a space and one space between words (case and accents
    kept)."""
    return re.sub(r"[\s\-–]+", " ", name.replace("\u2019", "'")).strip()


def unit_name_at(text: str, pos: int, level: str | None) -> tuple[str, int] | None:
    """The longest official unit name of this level standing at `pos` ("Quảng Nam", not
    "Quảng"), as written (whitespace made single spaces), and where it ends; None when no
    gazetteer name stands there."""
    found = official_name_at(text, pos, level)
    if found is None:
        return None
    return re.sub(r"\s+", " ", text[pos:found[1]]), found[1]


@lru_cache(maxsize=1)
def _communes_by_district() -> dict[str, list[tuple[str, str]]]:
    """name_key of a district -> (name_key of its province, official name) of its communes,
    before 2025 (the gazetteer read once, not once per district)."""
    out: dict[str, list[tuple[str, str]]] = {}
    for prov, dist, ward, *_ in _gazetteer() or []:
        out.setdefault(name_key(official_name(dist)), []).append(
            (name_key(prov), official_name(ward)))
    return out


@lru_cache(maxsize=32)
def _communes_of(district: str, province: str) -> dict[str, set[str]]:
    """name_key -> official spellings of the communes of a district (before 2025, when plans
    still had districts), of any district so named when the province is not known."""
    out: dict[str, set[str]] = {}
    for prov, ward in _communes_by_district().get(district, []):
        if province in ("", prov):
            out.setdefault(name_key(ward), set()).add(ward)
    return out


MIN_FUZZY_KEY = 5  # letters: a shorter name one letter away from a commune may be another
# Glyphs OCR takes for one another in a name, the gaps and apostrophes it loses and the specks
# it reads as points (no commune's name has one): a name compared by its shape ("CưN¡" and
# "Cư Ni", "Ea PaI" and "Ea Pal", "Chơm" and "Ch'ơm", "Đặt: Blô" and "Đăk Blô" one apart)
_SHAPES = str.maketrans({"l": "i", "j": "i", "1": "i", "|": "i", "!": "i", "¡": "i",
                         " ": None, "'": None, ".": None, ",": None, ":": None, ";": None})


def _shape(key: str) -> str:
    return key.translate(_SHAPES)


def _misread_commune(key: str, communes: dict[str, set[str]]) -> str | None:
    """The one commune of the district a misread name can be (its key), or None. Plausible are
    the communes of the same shape, and those one letter away as read or by shape; the name is
    corrected only when exactly one commune is plausible, and a short name only by its shape
    (one letter off, it may be another place)."""
    shape = _shape(key)
    bare = key.replace(" ", "").replace("'", "")
    same = {k for k in communes if _shape(k) == shape}
    near = {k for k in communes
            if Levenshtein.distance(k.replace(" ", "").replace("'", ""), bare, score_cutoff=1) <= 1
            or Levenshtein.distance(_shape(k), shape, score_cutoff=1) <= 1}
    numbered = [k for k in same if re.search(r"\d", k)]
    if len(same) == 1 and numbered and not re.search(r"\d", key):
        # a commune's number read as the letter it looks like ("Phường I" for "Phường 1"):
        # the one commune of that shape, not another number one letter away ("Phường 2")
        return numbered[0]
    plausible = same | near
    if len(plausible) != 1 or not (same or len(shape) >= MIN_FUZZY_KEY):
        return None
    return plausible.pop()


def commune_spelling(name: str, district: str | None, province: str | None = None) -> str:
    """A commune named in its district's plan, spelt as the gazetteer does when the name folds
    like exactly one commune of that district but its accents differ ("Chiến Thăng" read for
    "Chiến Thắng": OCR drops and swaps tone marks), or, folding like none, can be only one of
    them (`_misread_commune`: "Cốc Đài" read for "Cốc Pài", "CưN¡" for "Cư Ni"); else as
    written. A name that fits two communes equally stays as written."""
    if not district:
        return name
    communes = _communes_of(name_key(split_level(district)[1]),
                            name_key(split_level(province or "")[1]))
    key = name_key(name)
    spellings = communes.get(key, set())
    if not spellings:
        misread = _misread_commune(key, communes)
        spellings = communes[misread] if misread else set()
    if len(spellings) != 1:
        return name
    official = next(iter(spellings))
    return name if tone_key(official) == tone_key(name_key_spaced(name)) else official


def localities_of(names: list[str]) -> tuple[str, str] | None:
    """(district, province) holding most of these commune names (at least 3 and 60%)."""
    rows = _gazetteer()
    if not rows or not names:
        return None
    votes: Counter = Counter()
    found_names = 0
    for n in names:
        k = locality_key(n)
        found = {(r[1], r[0]) for r in rows if r[5] == k}
        if found:
            found_names += 1
            votes.update(found)
    if not votes:
        return None
    (best, count), = votes.most_common(1)
    if count >= 3 and count >= 0.6 * found_names:
        return best
    return None
