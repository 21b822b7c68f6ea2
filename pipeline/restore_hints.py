"""Hints the restoration decoder weighs beside its n-grams, for words the n-grams know badly.

Inside a name (two words in Title case, "Lý Van Thuan", "Nam Xe") the syllables the corpora and
the gazetteer write after the previous word are preferred: the n-grams fold case, so a middle
name "Văn" reads there like "văn" before "hóa".

A place named after its level word ("xa Pa Vi", "huyen Ba To") is a unit of the gazetteer, and
its spelling there ("xã Pả Vi", "huyện Ba Tơ") is a far better guess than the commonest syllables
with the same letters: the n-grams have seen few of the ten thousand communes. A hint is a set
of vocabulary ids per word position with their extra costs, and the extra cost of every other
candidate there (a soft preference: the n-grams can still overrule it).

A plan also repeats itself: its communes, programmes and phrases ("hộ cận nghèo", "hằng quý")
come back page after page. A second pass weighs, at each word, how the first pass restored the
same two stripped words elsewhere in the document (a cache model of the document's own
bigrams, each occurrence weighted by its confidence), so that a phrase restored confidently in
one place is restored the same way where its context was weak. Where the first pass was unsure
of a word itself, the document's other readings of that word weigh too ("ho" is "hộ" all
through a plan of households, where the trigrams of one sentence lean to "họ").
"""

from __future__ import annotations

from bisect import bisect_right
from functools import lru_cache

import numpy as np

from pipeline.restore_model import RestoreModel, canonical_syllable
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
    ("ubnd",): ((), ("commune", "district", "province")),  # "UBND Ba Chẽ", "UBND Hải Hậu"
}
LEVEL_FIRST = {words[0] for words in LEVELS}
MAX_NAME = 4  # syllables of the longest unit name looked up
Hint = tuple[np.ndarray, np.ndarray, float]  # (sorted ids, their extra costs, others' cost)


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


def place_hints(words: list[str], boundary: list[bool], word_id: dict[str, int],
                cost: float) -> dict[int, Hint]:
    """Position -> the ids the gazetteer allows there, for every unit named after its level
    word; the level word itself then reads as the level ("xa" -> "xã", "tinh" -> "tỉnh")."""
    hints: dict[int, Hint] = {}
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
            hints[i + k] = _prefer({word_id.get(syllable, -1)}, cost)
        n, spellings = name
        for k in range(n):
            ids = {word_id[s[k]] for s in spellings if s[k] in word_id}
            if ids:
                hints[i + length + k] = _prefer(ids, cost)
    return hints


def stripped_hints(words: list[str], boundary: list[bool], model: RestoreModel) -> dict[int, Hint]:
    """Every hint of one accent-stripped paragraph: names, then places (which win)."""
    hints = name_hints(words, boundary, model.names, float(model.params["name_weight"]))
    return hints | place_hints(words, boundary, model.word_id, float(model.params["hint_cost"]))


MIN_NAME_COUNT = 4.0  # weighted Title-case pairs after a word before its hint is trusted


def name_hints(words: list[str], boundary: list[bool],
               names: dict[str, tuple[np.ndarray, np.ndarray]], weight: float) -> dict[int, Hint]:
    """Position -> the syllables the corpora and the gazetteer write in Title case after the
    previous word (also in Title case), for every Title-case word inside a name; the other
    candidates there cost `weight` more (seen or not: the counts of names are too thin to rank)."""
    hints: dict[int, Hint] = {}
    if weight <= 0 or not names:
        return hints
    for i in range(1, len(words)):
        if boundary[i] or not (_title(words[i]) and _title(words[i - 1])):
            continue
        seen = names.get(_bare(words[i - 1]))
        if seen is None:
            continue
        ids, counts = seen
        total = float(counts.sum())
        if total < MIN_NAME_COUNT:
            continue
        hints[i] = ids, np.zeros(len(ids), dtype=np.float32), weight
    return hints


def _title(word: str) -> bool:
    return len(word) > 1 and word[0].isupper() and word[1:].islower()


def _prefer(ids: set[int], cost: float) -> Hint:
    return np.array(sorted(ids), dtype=np.int64), np.zeros(len(ids), dtype=np.float32), cost


# ---------------------------------------------------------------- the document's own cache
# A first-pass paragraph as the cache reads it: (decoder tokens, sentence boundary before each,
# chosen id of each, confidence of each).
FirstPass = tuple[list[str], list[bool], list[int], list[float]]


def _bare_words(paragraphs: list[FirstPass]) -> list[list[str]]:
    """Each paragraph's words without case or accents (a document repeats its words: each once)."""
    memo: dict[str, str] = {}
    return [[memo.get(w) or memo.setdefault(w, _bare(w)) for w in words]
            for words, *_ in paragraphs]


def _bigram_keys(bare: list[str], boundary: list[bool], i: int) -> list[tuple[str, str, int]]:
    """The stripped bigrams position i belongs to, and which side of each it is."""
    keys = []
    if i > 0 and not boundary[i]:
        keys.append((bare[i - 1], bare[i], 1))
    if i + 1 < len(bare) and not boundary[i + 1]:
        keys.append((bare[i], bare[i + 1], 0))
    return keys


def agreement_hints(paragraphs: list[FirstPass], weight: float) -> list[dict[int, Hint]]:
    """Per paragraph, hints where some word was restored unlike the same stripped bigram
    elsewhere in the document. Only positions whose bigrams were read more than one way get a
    hint: the rest agree already."""
    keys = []
    counts: dict[tuple[str, str, int], dict[int, float]] = {}
    for b, (_, boundary, chosen, conf) in zip(_bare_words(paragraphs), paragraphs, strict=True):
        keys.append([_bigram_keys(b, boundary, i) for i in range(len(b))])
        for i, position_keys in enumerate(keys[-1]):
            for key in position_keys:
                seen = counts.setdefault(key, {})
                seen[chosen[i]] = seen.get(chosen[i], 0.0) + conf[i]
    read_two_ways = {key for key, seen in counts.items() if len(seen) > 1}
    out: list[dict[int, Hint]] = []
    for paragraph_keys, (_, _, chosen, conf) in zip(keys, paragraphs, strict=True):
        hints: dict[int, Hint] = {}
        for i, position_keys in enumerate(paragraph_keys):
            if not position_keys or (position_keys[0] not in read_two_ways
                                     and position_keys[-1] not in read_two_ways):
                continue  # every occurrence of its bigrams was read alike
            elsewhere = _elsewhere(counts, position_keys, chosen[i], conf[i])
            if elsewhere:
                hints[i] = _cache_hint(elsewhere, weight)
        out.append(hints)
    return out


def second_pass_hints(paragraphs: list[FirstPass], params: dict) -> list[dict[int, Hint]]:
    """Per paragraph, the hints of the document's second pass: its other readings of the
    stripped bigrams (agreement_hints), and of the words the first pass was unsure of."""
    unsure = unsure_word_hints(paragraphs, float(params["unsure_weight"]),
                               float(params["unsure_conf"]))
    bigrams = agreement_hints(paragraphs, float(params["cache_weight"]))
    return [u | b for u, b in zip(unsure, bigrams, strict=True)]


def unsure_word_hints(paragraphs: list[FirstPass], weight: float, limit: float
                      ) -> list[dict[int, Hint]]:
    """Per paragraph, hints where the first pass was unsure (confidence under `limit`) of a
    word the document reads another way elsewhere: how the document restored the same
    stripped word at its other places, each weighted by its confidence ("ho" is "hộ" all
    through a plan of households, "bo" is "bò" all through one of cattle)."""
    if weight <= 0:
        return [{} for _ in paragraphs]
    bare_words = _bare_words(paragraphs)
    counts: dict[str, dict[int, float]] = {}
    for b, (_, _, chosen, conf) in zip(bare_words, paragraphs, strict=True):
        for word, wid, c in zip(b, chosen, conf, strict=True):
            seen = counts.setdefault(word, {})
            seen[wid] = seen.get(wid, 0.0) + c
    out: list[dict[int, Hint]] = []
    for b, (_, _, chosen, conf) in zip(bare_words, paragraphs, strict=True):
        hints: dict[int, Hint] = {}
        for i, word in enumerate(b):
            if conf[i] >= limit or len(counts[word]) < 2 or word.startswith("<"):
                continue
            elsewhere = _elsewhere(counts, [word], chosen[i], conf[i])
            if elsewhere:
                hints[i] = _cache_hint(elsewhere, weight)
        out.append(hints)
    return out


def disagreeing_sentences(hints: dict[int, Hint], boundary: list[bool],
                          chosen: list[int]) -> list[tuple[int, int]]:
    """(start, end) of the sentences where a hint prefers another reading than the chosen one:
    sentences decode independently, so only these need decoding again."""
    starts = [i for i, b in enumerate(boundary) if b or i == 0] + [len(boundary)]
    spans: list[tuple[int, int]] = []
    for i, (ids, costs, other) in sorted(hints.items()):
        own = costs[ids == chosen[i]]
        if (own[0] if len(own) else other) <= costs.min():
            continue  # the chosen reading is the document's usual one already
        k = bisect_right(starts, i) - 1
        if not spans or spans[-1][0] != starts[k]:
            spans.append((starts[k], starts[k + 1]))
    return spans


def _elsewhere(counts: dict, keys: list, own: int, own_conf: float) -> dict[int, float]:
    """Weighted restorations of the same stripped bigrams (or word) at the document's other
    places."""
    total: dict[int, float] = {}
    for key in keys:
        for wid, c in counts[key].items():
            c -= own_conf if wid == own else 0.0
            if c > 1e-6:
                total[wid] = total.get(wid, 0.0) + c
    return total


def _cache_hint(elsewhere: dict[int, float], weight: float) -> Hint:
    """Extra cost weight * log10((N + 1) / (n_w + 1)): none for the document's usual reading."""
    ids = np.array(sorted(elsewhere), dtype=np.int64)
    n = np.array([elsewhere[int(i)] for i in ids], dtype=np.float32)
    total = float(n.sum()) + 1.0
    costs = (weight * np.log10(total / (n + 1.0))).astype(np.float32)
    return ids, costs, weight * float(np.log10(total))
