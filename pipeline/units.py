"""Official administrative units of a plan and its rows, and what became of them in 2025.

A plan names its place as written ("xã Tân Thành", "TÂN THÀNH", a row of a district's table).
`resolve_document` finds the one official unit those words can mean among the units of the
plan's time (the 63 provinces, their districts and communes before 1 July 2025; the 34
provinces and their communes after), using what the text states: the level, the district and
province when it names them, the district whose commune table it holds, the issuers of the
documents it cites. A name that fits several units stays unresolved (None), never guessed.
`successors` are the units a unit became on 1 July 2025: a commune split between several new
ones lists them all, a district every new commune its communes went to, a province the new
province.

The gazetteer is the package vietnamadminunits: its dataset read once, on first use, through
`places.dataset_rows` (the rows of its `database.get_data`); the package itself is imported
only for `convert_address`, when successors are asked for.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache

from pipeline.places import (
    COMMUNE_LEVELS,
    DISTRICT_LEVELS,
    dataset_rows,
    locality_key,
    split_level,
)
from pipeline.records import DocumentFacts
from pipeline.text import accent_key, fold

BEFORE_2025, FROM_2025 = "before_2025", "from_2025"
REORGANISATION = date(2025, 7, 1)
# Sub-units of a commune, never localities of their own: the words that name them, accents
# kept (text.accent_key), since "Ban" (a board) and "Tổ" (a team) are not "Bản" and "Tổ 5"
VILLAGE_WORDS = ("tổ dân phố", "khu phố", "thôn", "bản", "ấp", "khối", "xóm", "buôn", "làng",
                 "sóc", "khóm", "plei", "bon", "tổ")
_VILLAGE_KEYS = [tuple(accent_key(w) for w in words.split()) for words in VILLAGE_WORDS]
_RANKS = {"tỉnh": ("province",), **{lvl: ("district",) for lvl in DISTRICT_LEVELS},
          **{lvl: ("commune",) for lvl in COMMUNE_LEVELS},
          "thành phố": ("province", "district"), "đặc khu": ("commune",)}


@dataclass(frozen=True)
class Unit:
    """One official unit: its code, level word, official name and the units above it."""

    code: str
    level: str  # xã, phường, thị trấn, đặc khu, huyện, quận, thị xã, thành phố, tỉnh
    rank: str  # commune | district | province
    name: str  # "Xã Tân Hòa"
    short: str  # "Tân Hòa"
    era: str  # BEFORE_2025 | FROM_2025
    district: str | None = None
    district_code: str | None = None
    province: str | None = None
    province_code: str | None = None
    keys: tuple[str, str, str] = field(default=("", "", ""), compare=False, repr=False)
    # the name as written when it is a unit merged into this one before 2025 (the package's
    # aliases: "Nguyễn Trung Trực" went into "Trúc Bạch")
    merged_from: str | None = field(default=None, compare=False)

    @property
    def full_name(self) -> str:
        return ", ".join(p for p in (self.name, self.district, self.province) if p)

    def as_dict(self) -> dict:
        """The record's `unit_code` (and each item of `successor`)."""
        return {"code": self.code, "level": self.level, "rank": self.rank, "name": self.name,
                "short": self.short, "full_name": self.full_name, "era": self.era,
                "district": self.district, "district_code": self.district_code,
                "province": self.province, "province_code": self.province_code,
                "merged_from": self.merged_from}


def name_key(name: str | None) -> str:
    """How names compare: folded, level word and extra spaces gone ("Phường 03" -> "3")."""
    if not name:
        return ""
    name = re.sub(r"\s*\([^)]*\)\s*$", "", name)  # the package's "X (Thị trấn)" beside "X (Xã)"
    bare = " ".join(locality_key(name).replace("-", " ").split())
    return re.sub(r"\b0+(\d)", r"\1", bare)


def village_name(name: str | None) -> str | None:
    """The name of a village, hamlet or residential group without its word ("Mường A" of "Bản
    Mường A", "5" of "Tổ dân phố 5"); None when `name` is not one."""
    words = (name or "").split()
    keys = [accent_key(w) for w in words]
    for village in _VILLAGE_KEYS:
        rest = words[len(village):]
        if tuple(keys[:len(village)]) == village and rest and (
                village != (accent_key("tổ"),) or rest[0][:1].isdigit()):
            return " ".join(rest)
    return None


def is_village(name: str | None) -> bool:
    """A village, hamlet or residential group ("Thôn 3", "Bản Mường A", "Khối 7", "Tổ dân phố 5")."""
    return village_name(name) is not None


# --------------------------------------------------------------------------- the gazetteer

@dataclass
class _Gazetteer:
    by_key: dict[tuple[str, str], dict[str, list[Unit]]] = field(default_factory=dict)
    by_code: dict[tuple[str, str], dict[str, Unit]] = field(default_factory=dict)
    by_package_key: dict[tuple[str, str], Unit] = field(default_factory=dict)  # new communes
    aliases: dict[tuple[str, str], dict[str, list[Unit]]] = field(default_factory=dict)
    communes_of: dict[str, list[Unit]] = field(default_factory=dict)  # old district code ->

    def add(self, unit: Unit) -> None:
        if unit.code in self.by_code.setdefault((unit.era, unit.rank), {}):
            return
        self.by_code[(unit.era, unit.rank)][unit.code] = unit
        self.by_key.setdefault((unit.era, unit.rank), {}).setdefault(
            name_key(unit.short), []).append(unit)

    def alias(self, unit: Unit, aliases: str | None) -> None:
        """Names of units merged into `unit` before 2025 (the package's keys: "caman")."""
        for alias in json.loads(aliases or "[]"):
            bucket = self.aliases.setdefault((unit.era, unit.rank), {}).setdefault(alias, [])
            if unit not in bucket:
                bucket.append(unit)

    def unit(self, era: str, rank: str, code: str | None) -> Unit | None:
        return self.by_code.get((era, rank), {}).get(code or "")


def _level(full: str, short: str) -> str:
    word = full[: len(full) - len(short)].strip().lower() if full.endswith(short) else ""
    return "thành phố" if word == "thủ đô" else word or "tỉnh"


@lru_cache(maxsize=1)
def _gazetteer() -> _Gazetteer:
    """Every unit before and after the reorganisation, read once from the package's dataset."""
    g = _Gazetteer()
    legacy = dataset_rows("admin_units_legacy", [
        "province", "district", "ward", "provinceShort", "districtShort", "wardShort",
        "districtType", "wardType", "provinceCode", "districtCode", "wardCode", "provinceKey",
        "districtKey", "wardKey", "districtAlias", "wardAlias"])
    for r in legacy:
        province = Unit(r["provinceCode"], _level(r["province"], r["provinceShort"]), "province",
                        r["province"], r["provinceShort"], BEFORE_2025,
                        keys=(r["provinceKey"], "", ""))
        g.add(province)
        district = Unit(r["districtCode"], r["districtType"].lower(), "district", r["district"],
                        r["districtShort"], BEFORE_2025, province=r["province"],
                        province_code=r["provinceCode"], keys=(r["provinceKey"], r["districtKey"], ""))
        g.add(district)
        g.alias(district, r["districtAlias"])
        if r["wardCode"]:
            commune = Unit(r["wardCode"], (r["wardType"] or "xã").lower(), "commune", r["ward"],
                           r["wardShort"], BEFORE_2025, r["district"], r["districtCode"],
                           r["province"], r["provinceCode"],
                           keys=(r["provinceKey"], r["districtKey"], r["wardKey"]))
            g.add(commune)
            g.alias(commune, r["wardAlias"])
            g.communes_of.setdefault(r["districtCode"], []).append(commune)
    current = dataset_rows("admin_units", ["province", "ward", "provinceShort", "wardShort",
                                           "wardType", "provinceCode", "wardCode",
                                           "provinceKey", "wardKey"])
    for r in current:
        g.add(Unit(r["provinceCode"], _level(r["province"], r["provinceShort"]), "province",
                   r["province"], r["provinceShort"], FROM_2025, keys=(r["provinceKey"], "", "")))
        commune = Unit(r["wardCode"], r["wardType"].lower(), "commune", r["ward"], r["wardShort"],
                       FROM_2025, province=r["province"], province_code=r["provinceCode"],
                       keys=(r["provinceKey"], "", r["wardKey"]))
        g.add(commune)
        g.by_package_key[(r["provinceKey"], r["wardKey"])] = commune
    return g


# --------------------------------------------------------------------------- finding a unit

def era_of(facts: DocumentFacts) -> str | None:
    """Which units a plan names: those before 1 July 2025 or after; None when undated."""
    when = facts.issue_date
    if when is None and facts.issue_year:
        when = date(facts.issue_year, facts.issue_month or 1, 1)
    if when is None and facts.period_start:
        when = date(facts.period_start, 1, 1) if facts.period_start >= 2026 else None
    if when is None:
        return None
    return FROM_2025 if when >= REORGANISATION else BEFORE_2025


def find(name: str | None, level: str | None = None, *, era: str = BEFORE_2025,
         within: Unit | None = None, district: str | None = None, province: str | None = None,
         hints: frozenset[str] = frozenset(), ranks: tuple[str, ...] | None = None) -> Unit | None:
    """The one unit `name` can mean, narrowed by what else is known; None if none or several."""
    if not name:
        return None
    written_level, bare = split_level(name)
    level = written_level or level
    key = name_key(bare)
    if not key:
        return None
    g = _gazetteer()
    for rank in ranks or _RANKS.get(level or "", ("commune", "district", "province")):
        found = _narrow(g.by_key.get((era, rank), {}).get(key, []), level, within, district,
                        province)
        merged = [replace(u, merged_from=bare) for u in _narrow(  # merged before 2025
            g.aliases.get((era, rank), {}).get(key.replace(" ", ""), []), None, within,
            district, province)]
        if found and merged and not _spelt(found, bare):
            return None  # "Tân Thanh": Tân Thành, or a Tân Thanh merged into another?
        found = found or merged
        chosen = _one(found, bare, hints)
        if chosen is not None or len(found) > 1:
            return chosen
    return None


def _narrow(found: list[Unit], level, within, district, province) -> list[Unit]:
    """Keep the units of the written level, inside `within`, in the district/province named."""
    found = list(found)
    if level and any(u.level == level for u in found):
        found = [u for u in found if u.level == level]
    if within is not None:
        found = [u for u in found if u.era == within.era and within.code == (
            u.code if u.rank == within.rank else getattr(u, f"{within.rank}_code", None))]
    for stated, attr in ((district, "district"), (province, "province")):
        key = name_key(stated)
        if key and found:
            found = [u for u in found if getattr(u, attr) is None
                     or name_key(getattr(u, attr)) == key]
    return found


def _spelt(found: list[Unit], written: str) -> list[Unit]:
    """The units whose name is spelt as written, accents and all (case aside)."""
    return [u for u in found if re.sub(r"\s*\(.*$", "", u.short).casefold()
            == " ".join(written.split()).casefold()]


def _one(found: list[Unit], written: str, hints: frozenset[str]) -> Unit | None:
    """The unit meant: the only one, else the only one spelt as written, else the only one
    whose district or province the text names elsewhere."""
    if len(found) == 1:
        return found[0]
    if not found:
        return None
    exact = _spelt(found, written)
    if len(exact) == 1:
        return exact[0]
    hinted = [u for u in (exact or found)
              if name_key(u.district) in hints or name_key(u.province) in hints]
    return hinted[0] if len(hinted) == 1 else None


# --------------------------------------------------------------------------- successors

@lru_cache(maxsize=4096)
def successors(unit: Unit) -> tuple[Unit, ...]:
    """The units `unit` became on 1 July 2025 (itself for a unit of the new map)."""
    if unit.era == FROM_2025:
        return (unit,)
    if unit.rank == "province":
        return _converted(unit.name)
    if unit.rank == "commune":
        return _commune_successors(unit)
    communes = _gazetteer().communes_of.get(unit.code, [])
    found: dict[str, Unit] = {}
    for commune in communes:
        for new in _commune_successors(commune):
            found.setdefault(new.code, new)
    return tuple(found.values()) or _converted(f"{unit.name}, {unit.province}")


def _converted(address: str) -> tuple[Unit, ...]:
    from vietnamadminunits import convert_address

    new = convert_address(address)
    g = _gazetteer()
    unit = g.unit(FROM_2025, "commune", new.ward_code) or g.unit(FROM_2025, "province",
                                                                    new.province_code)
    return (unit,) if unit else ()


def _commune_successors(unit: Unit) -> tuple[Unit, ...]:
    """The package's conversion, and every other new commune a split commune went to."""
    main = _converted(unit.full_name)
    if not main or main[0].rank != "commune":
        return main
    from vietnamadminunits.converter import converter_2025  # its table of split communes

    g = _gazetteer()
    province_key = main[0].keys[0]
    split = converter_2025.DICT_PROVINCE_WARD_DIVIDED.get(province_key, {}).get(
        "_".join(unit.keys), [])
    others = [g.by_package_key.get((province_key, part["newWardKey"])) for part in split]
    found = {u.code: u for u in [*main, *others] if u is not None}
    return tuple(found.values())


# --------------------------------------------------------------------------- a plan's places

@dataclass
class Places:
    """A document's unit and, for each target, the unit of the place it is set for."""

    unit: Unit | None
    targets: list[Unit | None]


def _hints(facts: DocumentFacts) -> frozenset[str]:
    """Folded names of provinces and districts the plan's issuers name ("UBND tỉnh An Giang")."""
    found = set()
    texts = [facts.issuer or ""] + [r.issuer or "" for r in facts.references]
    for text in texts:
        for m in re.finditer(r"\b(?:tinh|huyen|thi xa|thanh pho)\s+([a-z ]+)", fold(text)):
            found.update(" ".join(m.group(1).split()[:n]) for n in (1, 2, 3, 4))
    return frozenset(found)


def resolve_document(facts: DocumentFacts, target_localities: list[str | None]) -> Places:
    """The official unit of a plan and of each of its targets (None where not certain)."""
    eras = [era_of(facts)] if era_of(facts) else [BEFORE_2025, FROM_2025]
    for era in eras:
        unit = _document_unit(facts, target_localities, era)
        if unit is not None or era == eras[-1]:
            rows = [_target_unit(t, facts, unit, era) for t in target_localities]
            return Places(unit, _one_spelling_per_unit(target_localities, rows, unit))
    raise AssertionError("unreachable")  # pragma: no cover


def _one_spelling_per_unit(names: list[str | None], rows: list[Unit | None],
                           unit: Unit | None) -> list[Unit | None]:
    """Two rows spelt differently ("Tân Thành", "Tân Thanh") are two places: the unit goes to
    the row spelt as the unit is, the other stays unresolved (a commune merged away, a typo)."""
    spellings: dict[str, set[str]] = {}
    for name, row in zip(names, rows, strict=True):
        if name and row is not None and row != unit and row.merged_from is None:
            spellings.setdefault(row.code, set()).add(" ".join(split_level(name)[1].split()).casefold())
    return [None if name and row is not None and len(spellings.get(row.code, ())) > 1
            and not _spelt([row], split_level(name)[1]) else row
            for name, row in zip(names, rows, strict=True)]


def _document_unit(facts: DocumentFacts, names: list[str | None], era: str) -> Unit | None:
    hints = _hints(facts)
    province = find(facts.province, "tỉnh", era=era, ranks=("province",)) \
        if facts.province else None
    district = find(facts.district, None, era=era, within=province, ranks=("district",)) \
        if facts.district and era == BEFORE_2025 else None
    unit = find(facts.locality, facts.admin_level, era=era, within=district or province,
                district=facts.district if district is None else None,
                province=facts.province if province is None else None, hints=hints)
    if unit is None and facts.locality is None and facts.admin_level in DISTRICT_LEVELS:
        unit = _district_of_communes([n for n in names if n], era)
    return unit


def _district_of_communes(names: list[str], era: str) -> Unit | None:
    """The district holding most of these commune names (at least 3 and 60% of them)."""
    if era != BEFORE_2025:
        return None
    g = _gazetteer()
    votes: Counter = Counter()
    known = 0
    for name in {name_key(n) for n in names}:
        districts = {u.district_code for u in g.by_key.get((era, "commune"), {}).get(name, [])}
        known += bool(districts)
        votes.update(districts)
    if not votes:
        return None
    (code, count), = votes.most_common(1)
    return g.unit(era, "district", code) if count >= 3 and count >= 0.6 * known else None


def _target_unit(locality: str | None, facts: DocumentFacts, unit: Unit | None,
                 era: str) -> Unit | None:
    """A row's own unit: the plan's when it names the plan's place or a village of it; a
    commune (or district) inside the plan's unit otherwise."""
    if not locality or name_key(locality) == name_key(facts.locality) and (
            split_level(locality)[0] in (None, facts.admin_level)):
        return unit
    if is_village(locality):
        return unit if unit is not None and unit.rank == "commune" else None
    if unit is not None and unit.rank == "commune":
        return unit  # a place inside a commune is one of its villages
    level = split_level(locality)[0]
    if unit is not None:
        ranks = ("commune",) if unit.rank == "district" else ("district", "commune")
        return find(locality, level, era=era, within=unit, ranks=ranks)
    return find(locality, level, era=era, district=facts.district, province=facts.province,
                hints=_hints(facts), ranks=("commune",))


# --------------------------------------------------------------------------- stored records

@dataclass
class RecordPlace:
    """What a stored record keeps of its place: columns, and the names --locality matches
    (folded by name_key: the indexed place_name rows)."""

    columns: dict
    names: set[str]


def _record_place(written: str | None, unit: Unit | None, also: set[str] = frozenset()) -> RecordPlace:
    after = successors(unit) if unit is not None else ()
    village = village_name(written)  # "Thôn Tân Tiến" also answers to "Tân Tiến"
    names = {name_key(written), *also, *([name_key(village)] if village and not
                                         village.isdigit() else [])}
    if unit is not None:  # a district's successors are many communes: not its names
        names |= {name_key(unit.short), *(name_key(u.short) for u in after
                                          if unit.rank != "district")}
    columns = {"unit_code": unit.code if unit is not None else None,
               "official_unit": unit.as_dict() if unit is not None else None,
               "successor": [u.as_dict() for u in after] if unit is not None else None}
    return RecordPlace(columns, {n for n in names if n})


def record_places(facts: DocumentFacts, targets: list) -> tuple[RecordPlace, list[RecordPlace]]:
    """The document's place and each target's (a village's names include its commune's)."""
    localities = [t.locality for t in targets]
    if not facts.locality and not any(localities):
        return _record_place(None, None), [_record_place(None, None) for _ in targets]
    places = resolve_document(facts, localities)
    document = _record_place(facts.locality, places.unit)
    out = []
    own = name_key(facts.locality)
    for locality, unit in zip(localities, places.targets, strict=True):
        same = unit == places.unit and (unit is not None or name_key(locality) in ("", own))
        out.append(_record_place(locality, unit, document.names if same else set()))
    return document, out
