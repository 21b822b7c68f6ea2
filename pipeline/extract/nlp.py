"""The spaCy pipeline of the extractors: syllable tokens, accent-insensitive keyword spans.

models/spacy_plans is a blank Vietnamese pipeline (no pyvi) with a SpanRuler whose token
patterns match the folded form (lowercase, accents removed) held in each token's NORM. Build it
with `python scripts/build_spacy_model.py` (`make models`); it is loaded once per process.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from pipeline import errors
from pipeline.text import fold

MODEL_DIR = Path(str(resources.files("pipeline") / "models" / "spacy_plans"))  # package data
SPANS_KEY = "plans"
_TOKEN_RE = re.compile(r"\w+|[^\w\s]")


def syllables(text: str) -> list[tuple[str, int, int]]:
    """Syllable and punctuation tokens with their character offsets."""
    return [(m.group(), m.start(), m.end()) for m in _TOKEN_RE.finditer(text)]


def pattern_tokens(folded_phrase: str) -> list[dict]:
    """A SpanRuler token pattern matching a folded phrase on token NORMs."""
    return [{"NORM": tok} for tok, _, _ in syllables(folded_phrase)]


@dataclass
class Mention:
    """A keyword span found by the pipeline: label ("IND", "SUBJ"), id, characters."""

    label: str
    key: str
    start: int
    end: int


@lru_cache(maxsize=1)
def load_pipeline():
    """The saved pipeline, shipped in the package (models/ in a checkout)."""
    import spacy

    if not (MODEL_DIR / "config.cfg").exists():
        raise errors.ModelMissing(str(MODEL_DIR))
    return spacy.load(MODEL_DIR)


def make_doc(text: str):
    """A Doc of syllable tokens whose NORM is the folded syllable."""
    from spacy.tokens import Doc

    nlp = load_pipeline()
    toks = syllables(text)
    words = [t for t, _, _ in toks]
    spaces = [
        (toks[i + 1][1] > toks[i][2]) if i + 1 < len(toks) else False for i in range(len(toks))
    ]
    doc = Doc(nlp.vocab, words=words, spaces=spaces)
    for tok in doc:
        tok.norm_ = fold(tok.text)
    return doc, toks


def find_mentions(text: str) -> list[Mention]:
    """Indicator and subject keyword spans in `text` (character offsets into `text`)."""
    nlp = load_pipeline()
    doc, toks = make_doc(text)
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    out = []
    for span in doc.spans.get(SPANS_KEY, []):
        label, _, key = span.label_.partition(":")
        start = toks[span.start][1]
        end = toks[span.end - 1][2]
        out.append(Mention(label, key, start, end))
    out.sort(key=lambda m: (m.start, -m.end))
    return out
