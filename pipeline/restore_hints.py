"""Hints the restoration decoder weighs beside its n-grams, for words the n-grams know badly.

A place named after its level word ("xa Pa Vi", "huyen Ba To") is a unit of the gazetteer, and
its spelling there ("xã Pả Vi", "huyện Ba Tơ") is a far better guess than the commonest syllables
with the same letters: the n-grams have seen few of the ten thousand communes. A hint is a set
of vocabulary ids per word position; the decoder makes every other candidate of that position
costlier (a soft preference: the n-grams can still overrule it).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from pipeline.restore_model import canonical_syllable
from pipeline.text import strip_accents

# Level words without accents -> (their accented syllables, the gazetteer kinds they name).
LEVELS: dict[tuple[str, ...], tuple[tuple[str, ...], tuple[str, ...]]] = {
    ("xa",): (("xã",), ("commune",)),
    ("phuong",): (("phường",), ("commune",)),
    ("thi", "tran"): (("thị", "trấn"), ("commune",)),
    ("huyen",): (("huyện",), ("district",)),
    ("quan",): (("quận",), ("district",)),
    ("thi", "xa"): (("thị", "xã"), ("district",)),
    ("thanh", "pho"): (("thành", "phố"), ("district", "province")),
    ("tinh",): (("tỉnh",), ("province",)),
}
LEVEL_FIRST = {words[0] for words in LEVELS}
MAX_NAME = 4  # syllables of the longest unit name looked up


def _bare(word: str) -> str:
    return strip_accents(word.lower())


@lru_cache(maxsize=4)
def _spellings(kind: str) -> dict[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """Unit names of one gazetteer kind: syllables without accents -> the accented spellings."""
    from pipeline.places import official_names  # the gazetteer loads only when a name is met

    table: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
    for name in official_names(kind):
        syllables = tuple(canonical_syllable(s) for s in name.lower().replace("-", " ").split())
        if syllables and all(s.isalpha() for s in syllables):
            table.setdefault(tuple(_bare(s) for s in syllables), set()).add(syllables)
    return {k: tuple(sorted(v)) for k, v in table.items()}


def _level_at(bare: list[str], boundary: list[bool], i: int) -> tuple[int, tuple] | None:
    """(length, LEVELS entry) of the level word that starts at position i, if any."""
    for length in (2, 1):
        words = tuple(bare[i: i + length])
        if len(words) == length and words in LEVELS and not any(boundary[i + 1: i + length]):
            return length, LEVELS[words]
    return None


def _name_after(words: list[str], bare: list[str], boundary: list[bool], start: int,
                kinds: tuple[str, ...]) -> tuple[int, tuple[tuple[str, ...], ...]] | None:
    """(syllables, spellings) of the longest unit name written with capitals at `start`."""
    for n in range(min(MAX_NAME, len(words) - start), 0, -1):
        span = range(start, start + n)
        if any(boundary[j] or not words[j][:1].isupper() for j in span):
            continue
        key = tuple(bare[j] for j in span)
        found = tuple(s for kind in kinds for s in _spellings(kind).get(key, ()))
        if found:
            return n, found
    return None


def place_hints(words: list[str], boundary: list[bool],
                word_id: dict[str, int]) -> dict[int, np.ndarray]:
    """Position -> the ids the gazetteer allows there, for every unit named after its level
    word; the level word itself then reads as the level ("xa" -> "xã", "tinh" -> "tỉnh")."""
    hints: dict[int, np.ndarray] = {}
    # only short words (level words) and capitalised ones (names) are read without accents
    bare = [_bare(w) if len(w) <= 6 or w[:1].isupper() else "" for w in words]
    for i, b in enumerate(bare):
        level = _level_at(bare, boundary, i) if b in LEVEL_FIRST else None
        if level is None or i + level[0] >= len(words) or boundary[i + level[0]]:
            continue
        length, (accented, kinds) = level
        name = _name_after(words, bare, boundary, i + length, kinds)
        if name is None:
            continue
        for k, syllable in enumerate(accented):
            hints[i + k] = np.array([word_id.get(syllable, -1)], dtype=np.int64)
        n, spellings = name
        for k in range(n):
            ids = {word_id[s[k]] for s in spellings if s[k] in word_id}
            if ids:
                hints[i + length + k] = np.array(sorted(ids), dtype=np.int64)
    return hints
