"""Extraction entry point: document facts, targets, responsibilities and deadlines.

`extract_document(pages)` runs on the stored page texts (restored where restoration ran) and
returns one records.Extraction; every record is grounded in a span of a page's text.
"""

from __future__ import annotations

from pipeline.extract.deadlines import extract_deadlines
from pipeline.extract.metadata import extract_metadata
from pipeline.extract.responsibilities import extract_responsibilities
from pipeline.extract.targets import extract_targets
from pipeline.places import COMMUNE_LEVELS, localities_of
from pipeline.records import DocumentFacts, Extraction, Page
from pipeline.structure import Structure, parse_structure


def extract_document(pages: list[Page]) -> Extraction:
    """Every record of one document, each grounded in its page text."""
    facts = extract_metadata(pages)
    structure = parse_structure(pages)
    _locate_by_tables(facts, structure)
    return Extraction(
        facts=facts,
        targets=extract_targets(pages, facts, structure),
        responsibilities=extract_responsibilities(pages, structure),
        deadlines=extract_deadlines(pages, structure),
    )


def _locate_by_tables(facts: DocumentFacts, structure: Structure) -> None:
    """A district plan that never names itself: its per-commune table tells where it is."""
    if facts.locality is not None or facts.admin_level in (None, *COMMUNE_LEVELS):
        return
    names = [cell.text for table in structure.tables for row in table.rows
             for cell in row.cells[:3]
             if cell.text and not cell.text[:1].isdigit() and len(cell.text) > 3]
    found = localities_of(names)
    if found:
        facts.locality = found[0]
        facts.province = facts.province or found[1]
        facts.issuer = f"UBND {facts.admin_level} {found[0]}"


__all__ = ["extract_document"]
