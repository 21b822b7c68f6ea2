"""Extraction entry point: document facts, targets, responsibilities and deadlines.

`extract_document(pages)` runs on the stored page texts (restored where restoration ran) and
returns one records.Extraction; every record is grounded in a span of a page's text.
"""

from __future__ import annotations

from pipeline.records import Extraction, Page
from pipeline.structure import parse_structure


def extract_document(pages: list[Page]) -> Extraction:
    """Every record of one document, each grounded in its page text."""
    from pipeline.extract.metadata import extract_metadata, localities_of
    from pipeline.extract.targets import _row_locality, extract_targets

    facts = extract_metadata(pages)
    structure = parse_structure(pages)
    if facts.locality is None and facts.admin_level not in (None, "xã", "phường", "thị trấn"):
        # a district plan that never names itself: its per-commune table tells where it is
        names = []
        for table in structure.tables:
            for row in table.rows:
                for cell in row.cells[:3]:
                    if cell.text and not cell.text[:1].isdigit() and len(cell.text) > 3:
                        names.append(cell.text)
        found = localities_of(names)
        if found:
            facts.locality = found[0]
            facts.province = facts.province or found[1]
            facts.issuer = facts.issuer if facts.issuer.endswith(found[0]) else (
                f"{facts.issuer} {found[0]}")
    del _row_locality
    targets = extract_targets(pages, facts, structure)
    responsibilities = []
    deadlines = []
    try:
        from pipeline.extract.responsibilities import extract_responsibilities

        responsibilities = extract_responsibilities(pages)
    except ImportError:  # the module is written in parallel; absent only during development
        responsibilities = []
    try:
        from pipeline.extract.deadlines import extract_deadlines

        deadlines = extract_deadlines(pages)
    except ImportError:
        deadlines = []
    return Extraction(facts, targets, responsibilities, deadlines)


__all__ = ["extract_document"]
