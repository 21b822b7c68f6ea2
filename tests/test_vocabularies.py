"""Every record the extractors produce speaks the fixed vocabularies of ARCHITECTURE.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import records
from pipeline.extract import extract_document
from pipeline.pages import make_page

# plans named "-blind-" are measured by the benches only, so nobody reads extractor output on them
SAMPLES = sorted(p for p in (Path(__file__).resolve().parents[1] / "data" / "samples").glob("*.txt")
                 if "-blind-" not in p.stem)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_records_use_the_contract_vocabularies(sample):
    pages = [make_page(n, text, "plain") for n, text in
             enumerate(sample.read_text(encoding="utf-8").split("\f"), start=1)]
    extraction = extract_document(pages)
    assert extraction.targets and extraction.responsibilities
    for target in extraction.targets:
        assert target.comparator in records.COMPARATORS
        assert target.dimension in (*records.DIMENSIONS, None)
    for responsibility in extraction.responsibilities:
        assert responsibility.role in records.ROLES
    for deadline in extraction.deadlines:
        assert deadline.kind in records.DEADLINE_KINDS
    for page in pages:
        assert page.text_mode in records.TEXT_MODES and page.source in records.PAGE_SOURCES
