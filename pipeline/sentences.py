"""Sentences of a page and the words a search index holds for each.

A page is cut into the blocks `structure` reads (paragraphs with their wrapped lines joined,
bullets, headings, table rows), and blocks into sentences at a full stop, question or
exclamation mark followed by a capital. Each sentence is indexed twice, as words separated by
spaces: `plain` (folded: what a query typed without accents matches) and `exact` (accents kept
in ASCII, see text.accent_key: what a query typed with accents matches). Both are ASCII words,
so SQLite FTS5 and PostgreSQL's text search split them alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.records import Page
from pipeline.structure import parse_page
from pipeline.text import accent_key, fold, word_spans

MAX_SENTENCE = 600  # characters; a longer run without a full stop is cut at a space
# A full stop (or ? !) then spaces, then a capital, a digit or an opening mark; not after a
# short abbreviation in capitals ("TP. Huế", "TT. Tân Phú", "ThS. Lê")
_END = re.compile(r"(?<=[.!?…])\s+(?=\S)")
_OPENS = "\"“(['-–"
_ABBREVIATION = re.compile(r"(?:\b[A-ZĐ]{1,3}|\bThS|\bTh\.S)[.]$")


@dataclass(frozen=True)
class Sentence:
    """A sentence of a page: its span in the page text and its words for the index."""

    page: int
    char_start: int
    char_end: int
    plain: str
    exact: str


def sentence_spans(page: Page) -> list[tuple[int, int]]:
    """(start, end) of every sentence of the page, in reading order."""
    text = page.text
    spans: list[tuple[int, int]] = []
    for block in parse_page(page):
        start = block.body_start if block.kind in ("heading", "bullet") else block.start
        start = max(block.start, min(start, block.end))
        spans += _split(text, start, block.end)
    return [(a, b) for a, b in spans if word_spans(text[a:b])]


def _split(text: str, start: int, end: int) -> list[tuple[int, int]]:
    pieces: list[tuple[int, int]] = []
    cut = start
    for m in _END.finditer(text, start, end):
        after = text[m.end():m.end() + 1]
        if not (after.isupper() or after.isdigit() or after in _OPENS) or \
                _ABBREVIATION.search(text[max(cut, m.start() - 5):m.start()]):
            continue
        pieces.append((cut, m.start()))
        cut = m.end()
    pieces.append((cut, end))
    out = []
    for a, b in pieces:
        while b - a > MAX_SENTENCE:
            space = text.rfind(" ", a + MAX_SENTENCE // 2, a + MAX_SENTENCE)
            stop = space if space > a else a + MAX_SENTENCE
            out.append((a, stop))
            a = stop + 1 if space > a else stop
        out.append((a, b))
    return [(a, b) for a, b in out if b > a]


def index_words(text: str) -> tuple[str, str]:
    """(plain, exact): the words of a piece of text, folded and accent-keyed."""
    folded = fold(text)
    spans = word_spans(text)
    plain = " ".join(folded[a:b] for a, b in spans)
    exact = " ".join(accent_key(text[a:b]) for a, b in spans)
    return plain, exact


def page_sentences(page: Page) -> list[Sentence]:
    """Every sentence of a page with its index words."""
    out = []
    for a, b in sentence_spans(page):
        plain, exact = index_words(page.text[a:b])
        out.append(Sentence(page.number, a, b, plain, exact))
    return out
