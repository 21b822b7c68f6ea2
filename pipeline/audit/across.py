"""Checks across documents: a commune's targets against its district's.

weaker_than_parent: a commune's target is weaker than its district's for the same indicator and
year: an upper bound ("< 0,5%") is weaker when higher, a lower bound or coverage ("100%") weaker
when lower, a reduction ("giảm 0,56%") weaker when smaller. The district's allocation to that
commune (a per-commune table row of the district plan) is preferred over the district-wide
target; counts (hộ, người) are compared only against such an allocation, rates (%) against
either. Commune and district are matched by the documents' facts (admin_level, district of the
commune = locality of the district, province when both know it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy.orm import Session

from pipeline import queries, store
from pipeline.numbers import format_value
from pipeline.places import COMMUNE_LEVELS, DISTRICT_LEVELS, locality_key
from pipeline.records import Finding, Grounding

CROSS_KINDS: set[str] = {"weaker_than_parent"}  # the kinds this module writes
LOWER_IS_BETTER = {"poverty_rate", "poor_households", "near_poor_rate", "near_poor_households",
                   "new_poor_rate", "new_poor_households", "malnutrition_weight",
                   "malnutrition_height", "nutrition", "low_birth_weight"}
AMOUNT_WORDS = ("reduction", "escaping", "giam")
LOWER_IS_BETTER_WORDS = ("poverty", "poor", "ngheo", "malnutrition", "stunting", "underweight",
                         "wasting", "suy_dinh_duong", "dropout", "out_of_school", "deprivation",
                         "thieu_hut", "unemployment")


def lower_is_better(indicator: str, comparators: Iterable[str] = ()) -> bool:
    """Whether a lower level is the stronger commitment for this indicator."""
    comparators = set(comparators)
    if comparators & {"<", "<=", "reduce_to"}:
        return True
    if comparators & {">", ">="}:
        return False
    code = indicator.lower()
    if code in LOWER_IS_BETTER:
        return True
    if any(word in code for word in AMOUNT_WORDS):
        return False  # an amount achieved (hộ thoát nghèo, giảm ...): more is stronger
    return any(word in code for word in LOWER_IS_BETTER_WORDS)


def _commitment(target: dict, lower_better: bool) -> tuple[str, float] | None:
    """(family, figure) a target commits to: ('level', bound), ('reduction' or 'increase',
    amount)."""
    comparator = target.get("comparator")
    value, value_max = target.get("value"), target.get("value_max")
    indicator = (target.get("indicator") or "").lower()
    if comparator == "reduce_by" or any(word in indicator for word in AMOUNT_WORDS[:2]):
        return ("reduction", value) if value is not None else None
    if comparator == "increase_by":  # "tăng thêm 20 thôn": an amount, more is stronger
        return ("increase", value) if value is not None else None
    if comparator == "range":
        if value is None:
            return None
        figure = value_max if (lower_better and value_max is not None) else value
        return "level", figure
    if value is None:
        return None
    return "level", value


def _is_rate(target: dict) -> bool:
    return (target.get("unit") or "").strip() == "%"


def _target_grounding(target: dict) -> Grounding:
    return Grounding(page=target.get("page") or 0, char_start=target.get("char_start") or 0,
                     char_end=target.get("char_end") or 0, quote=target.get("quote") or "",
                     raw_char_start=target.get("raw_char_start"),
                     raw_char_end=target.get("raw_char_end"),
                     document_id=target.get("document_id"))


def weaker_than_parent(documents: list[dict], targets: list[dict]) -> list[Finding]:
    """Commune targets weaker than their district's, from plain store rows (testable alone)."""
    district_docs: dict[str, list[dict]] = defaultdict(list)
    for d in documents:
        if (d.get("admin_level") or "") in DISTRICT_LEVELS and d.get("locality"):
            district_docs[locality_key(d["locality"])].append(d)
    by_doc: dict[int, list[dict]] = defaultdict(list)
    for t in targets:
        by_doc[t["document_id"]].append(t)

    findings = []
    for commune_doc in documents:
        if (commune_doc.get("admin_level") or "") not in COMMUNE_LEVELS:
            continue
        parents = [p for p in district_docs.get(locality_key(commune_doc.get("district")), [])
                   if not (p.get("province") and commune_doc.get("province")
                           and locality_key(p["province"]) != locality_key(
                               commune_doc["province"]))]
        if not parents:
            continue
        commune_key = locality_key(commune_doc.get("locality"))
        for target in by_doc.get(commune_doc["id"], []):
            own = target.get("locality")
            if own and locality_key(own) != commune_key:
                continue  # a village's row inside the commune plan
            for parent in parents:
                finding = _compare_with_parent(target, commune_doc, parent,
                                               by_doc.get(parent["id"], []), commune_key)
                if finding:
                    findings.append(finding)
    return findings


def _compare_with_parent(target: dict, commune_doc: dict, parent: dict,
                         parent_targets: list[dict], commune_key: str) -> Finding | None:
    same = [p for p in parent_targets
            if p.get("indicator") == target.get("indicator") and p.get("year") == target.get("year")
            and target.get("year")]
    allocated = [p for p in same
                 if p.get("locality") and locality_key(p["locality"]) == commune_key]
    district_wide = [p for p in same if not p.get("locality")
                     or locality_key(p["locality"]) == locality_key(parent.get("locality"))]
    candidates = [(p, "allocation") for p in allocated] or [
        (p, "district") for p in district_wide if _is_rate(p) and _is_rate(target)]
    for parent_target, basis in candidates:
        if (target.get("unit") or None) != (parent_target.get("unit") or None):
            continue
        comparators = {target.get("comparator"), parent_target.get("comparator")}
        lower_better = lower_is_better(target["indicator"], comparators - {None})
        mine = _commitment(target, lower_better)
        theirs = _commitment(parent_target, lower_better)
        if mine is None or theirs is None or mine[0] != theirs[0]:
            continue
        family, a = mine
        b = theirs[1]
        if family in ("reduction", "increase"):
            weaker, direction = a < b - 1e-9, "higher_is_better"
        elif lower_better:
            weaker, direction = a > b + 1e-9, "lower_is_better"
        else:
            weaker, direction = a < b - 1e-9, "higher_is_better"
        if not weaker:
            continue
        commune_name = commune_doc.get("locality") or "?"
        district_name = parent.get("locality") or "?"
        whose = ("chỉ tiêu huyện giao cho xã" if basis == "allocation"
                 else f"chỉ tiêu của {parent.get('admin_level') or ''} {district_name}".strip())
        message = (f"Chỉ tiêu {target['indicator']} năm {target.get('year')} của "
                   f"{commune_doc.get('admin_level') or ''} {commune_name} "
                   f"({format_value(target)}) yếu hơn {whose} ({format_value(parent_target)}).")
        detail = {"indicator": target["indicator"], "year": target.get("year"),
                  "family": family, "direction": direction, "basis": basis,
                  "commune": commune_name, "district": district_name,
                  "commune_value": a, "district_value": b,
                  "commune_comparator": target.get("comparator"),
                  "district_comparator": parent_target.get("comparator"),
                  "unit": target.get("unit"),
                  "commune_document_id": commune_doc["id"], "district_document_id": parent["id"],
                  "commune_target_id": target.get("id"),
                  "district_target_id": parent_target.get("id")}
        return Finding("weaker_than_parent", "warning", " ".join(message.split()),
                       [_target_grounding(target), _target_grounding(parent_target)], detail)
    return None


def audit_across(session: Session) -> list[Finding]:
    """Cross-document findings over everything stored (they replace those of CROSS_KINDS)."""
    return weaker_than_parent(queries.query_documents(session), queries.query_targets(session))


def refresh_across(session: Session, changed: Iterable[int] | None = None) -> int:
    """Recompute the cross-document findings the `changed` documents touch (all when None).

    A changed commune is compared again with its districts; a changed district with each of
    its communes; a commune whose finding pointed at a changed district is redone too (the
    district's facts may have changed). Only the targets of those documents are loaded, so
    storing one file no longer reloads every stored target. Returns the findings written.
    """
    store.lock_cross_findings(session)
    stored = store.cross_findings(session, CROSS_KINDS)
    if changed is None:
        findings = audit_across(session)
        store.replace_some_cross_findings(session, [i for i, _ in stored], findings)
        return len(findings)
    changed = set(changed)
    places = queries.document_places(session)
    communes = _communes_touched(places, changed) | {
        d.get("commune_document_id") for _, d in stored
        if d.get("district_document_id") in changed or d.get("commune_document_id") in changed}
    communes.discard(None)
    districts = {locality_key(p["district"]) for p in places if p["id"] in communes}
    involved = communes | {p["id"] for p in places
                           if (p["admin_level"] or "") in DISTRICT_LEVELS and p["locality"]
                           and locality_key(p["locality"]) in districts}
    documents = [p for p in places if p["id"] in involved]
    findings = weaker_than_parent(documents, queries.query_targets(session, document_ids=involved))
    stale = [i for i, d in stored if d.get("commune_document_id") in communes]
    store.replace_some_cross_findings(session, stale, findings)
    return len(findings)


def _communes_touched(places: list[dict], changed: set[int]) -> set[int]:
    """Communes among `changed`, and the communes of the districts among `changed`."""
    districts = {locality_key(p["locality"]) for p in places if p["id"] in changed
                 and (p["admin_level"] or "") in DISTRICT_LEVELS and p["locality"]}
    return {p["id"] for p in places if (p["admin_level"] or "") in COMMUNE_LEVELS
            and (p["id"] in changed or locality_key(p["district"]) in districts)}
