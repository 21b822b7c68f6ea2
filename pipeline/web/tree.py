"""The comparison's locality picker: a tree of the places with plans, on both maps.

Before 1 July 2025: province -> district -> commune -> village (villages, hamlets and
residential groups are sub-units of their commune, never localities of their own); after it:
province -> commune, the units the stored places became (ticking one selects every place that
became it). Places whose unit the text did not settle sit under "Chưa xác định đơn vị".
Each node carries the names a filter box may match, lower-cased with and without accents, so
the page can filter as the user types without folding text itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline import compare
from pipeline.places import split_level
from pipeline.text import fold
from pipeline.units import is_village


@dataclass
class Node:
    """One line of the tree: a place users can tick (value) or a group (value None)."""

    id: str
    label: str
    value: str | None = None
    param: str = "locality"  # the query parameter its checkbox sets: locality | today
    note: str = ""
    names: set[str] = field(default_factory=set)
    children: dict[str, Node] = field(default_factory=dict)

    def child(self, key: str, label: str) -> Node:
        if key not in self.children:
            self.children[key] = Node(f"{self.id}-{len(self.children)}", label)
        return self.children[key]

    def search_text(self) -> str:
        """Every name of this node, lower case, with and without accents ("|"-joined)."""
        names = {self.label, *self.names} - {""}
        return "|".join(sorted({n.lower() for n in names} | {fold(n) for n in names}))

    @property
    def size(self) -> int:
        """How many nodes are below this one."""
        return sum(1 + c.size for c in self.children.values())

    def holds(self, values: list[str]) -> bool:
        """Whether a node below this one is among the chosen (its branch opens)."""
        return any(c.value in values or c.holds(values) for c in self.children.values())

    def sorted_children(self) -> list[Node]:
        return sorted(self.children.values(), key=lambda n: (fold(_short(n.label)), n.label))


def _short(name: str | None) -> str:
    return split_level(name or "")[1]


def locality_tree(session) -> list[Node]:
    """The three roots: before the reorganisation, after it, and places not settled."""
    before = Node("old", "Trước 1/7/2025 (tỉnh → huyện → xã → thôn)")
    after = Node("new", "Từ 1/7/2025 (tỉnh → xã), đơn vị mà các địa phương trở thành")
    unknown = Node("unk", "Chưa xác định đơn vị")
    for label, place in compare.known_places(session):
        unit = place.unit or {}
        leaf = _place_leaf(before, after, unknown, place, unit)
        leaf.value = label  # its names: as written, official, and what it became
        leaf.names = {label, place.name, unit.get("name") or "",
                      *(u["short"] for u in place.successor if unit.get("rank") == "commune")}
        for new in place.successor if unit.get("rank") == "commune" else []:
            _successor_leaf(after, new, label)
        if place.successor and unit.get("rank") in ("district", "province"):
            province = after.child(f"p{place.today['code']}", place.today["name"])
            province.note = ", ".join(filter(None, [province.note, f"← {unit.get('name')}"]))
    return [root for root in (before, after, unknown) if root.children]


def _place_leaf(before: Node, after: Node, unknown: Node, place, unit: dict) -> Node:
    """The node a stored place gets, under its province, district and commune."""
    village = unit.get("rank") == "commune" and (is_village(place.name)
                                                 or place.admin_level == "thôn")
    if not unit:
        top = unknown.child(f"p{place.province or '?'}", place.province or "(không rõ tỉnh)")
        if place.district and place.rank == 2:
            top = top.child(f"d{place.district}", f"{place.district}")
        return top.child(f"x{place.key}", place.name)
    root = before if unit.get("era") == "before_2025" else after
    if unit["rank"] == "province":
        return root.child(f"p{unit['code']}", unit["name"])
    province = root.child(f"p{unit['province_code']}", unit["province"])
    if unit["rank"] == "district":
        return province.child(f"d{unit['code']}", unit["name"])
    parent = province.child(f"d{unit['district_code']}", unit["district"]) \
        if unit.get("district_code") else province
    commune = parent.child(f"c{unit['code']}", unit["name"])
    if village:
        return commune.child(f"v{place.key}", place.name)
    if fold(place.name) != fold(_short(unit["name"])):
        commune.note = f"ghi trong kế hoạch: {place.name}"
    return commune


def _successor_leaf(after: Node, new: dict, predecessor: str) -> None:
    province = after.child(f"p{new['province_code']}", new["province"])
    commune = province.child(f"c{new['code']}", new["name"])
    commune.value = f"{new['short']} ({_short(new['province'])})"
    commune.param = "today"
    commune.names |= {new["short"], predecessor}
    notes = [n for n in commune.note.removeprefix("← ").split(", ") if n]
    if predecessor not in notes:
        commune.note = "← " + ", ".join([*notes, predecessor])
