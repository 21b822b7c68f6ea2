"""Turn a page's raw text (text layer, plain text or OCR) into the stored Page.

Restoration runs only where the text needs it; the raw text is kept beside the result.
"""

from __future__ import annotations

from pipeline import records
from pipeline.restore import restore_text
from pipeline.text import normalise


def make_page(number: int, raw_text: str, source: str, confidence: float | None = None) -> records.Page:
    """A Page whose `text` is the restored text and `raw_text` what the source gave."""
    raw = normalise(raw_text)
    restoration = restore_text(raw)
    return records.Page(
        number=number, text=restoration.text, raw_text=raw, source=source,
        confidence=confidence, text_mode=restoration.mode, offsets=list(restoration.offsets),
        restore_confidence=restoration.confidence if restoration.offsets else None,
    )
