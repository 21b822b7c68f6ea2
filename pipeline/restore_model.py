"""Syllable tools and the files of the restoration model (n-gram counts, OCR channel costs).

The build script and the runtime share these helpers so that counting and decoding see the same
normalised syllables (NFC, tone on the traditional vowel: "hòa", "ủy"). The decoding kernels
that read the model are in pipeline/decoder.py.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from pipeline.decoder import build_index, prefix_order
from pipeline.text import strip_accents

# models/ ships inside the package (pipeline/models links to it in a checkout), so an installed
# copy finds its model where a checkout does
MODEL_DIR = Path(str(resources.files("pipeline") / "models" / "restore"))

BOS = 0  # sentence boundary
UNK = 1  # any word that is not a Vietnamese syllable
NUM = 2  # any number
N_SPECIAL = 3
TRANSPARENT = '-–,“”"()/'  # punctuation that does not end the n-gram context (in counts and decoding)
SHIFT = 16
# ids < 2**16; n-gram keys pack 2, 3 or 4 ids into one int64 (16 bits each)

TONE_MARKS = {"\u0300": 1, "\u0301": 2, "\u0309": 3, "\u0303": 4, "\u0323": 5}
TONE_CHARS = {v: k for k, v in TONE_MARKS.items()}
VOWELS = "aăâeêioôơuưy"
HAT_VOWELS = "ăâêôơư"
INITIALS = (
    "ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|b|c|d|đ|g|h|k|l|m|n|p|r|s|t|v|x"
)
SYLLABLE_SHAPE = re.compile(
    rf"^(?:{INITIALS})?([{VOWELS}]{{1,3}})(?:ch|ng|nh|c|m|n|p|t)?$"
)


@lru_cache(maxsize=200_000)
def split_tone(syllable: str) -> tuple[str, int]:
    """(toneless syllable keeping hats/horns, tone number 0-5) of a lowercase syllable."""
    decomposed = unicodedata.normalize("NFD", syllable)
    tone = 0
    kept = []
    for ch in decomposed:
        if ch in TONE_MARKS:
            tone = TONE_MARKS[ch]
        else:
            kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept)), tone


def _tone_position(toneless: str) -> int:
    """Index of the vowel that carries the tone (traditional placement: hòa, thủy, quý)."""
    start = 0
    if toneless.startswith("qu") or (toneless.startswith("gi") and len(toneless) > 2
                                      and toneless[2] in VOWELS):
        start = 2
    idx = [i for i in range(start, len(toneless)) if toneless[i] in VOWELS]
    if not idx:
        idx = [i for i, ch in enumerate(toneless) if ch in VOWELS]
        if not idx:
            return -1
    for i in idx:
        if toneless[i] in HAT_VOWELS:
            hats = [j for j in idx if toneless[j] in HAT_VOWELS]
            return hats[-1]  # ươ -> ơ
    final = idx[-1] + 1 < len(toneless)
    if len(idx) == 1:
        return idx[0]
    if len(idx) == 2:
        return idx[1] if final else idx[0]
    return idx[1]


@lru_cache(maxsize=400_000)
def canonical_syllable(word: str) -> str:
    """NFC lowercase syllable with the tone mark on the traditional vowel ("hoà" -> "hòa")."""
    word = unicodedata.normalize("NFC", word.lower())
    toneless, tone = split_tone(word)
    if tone == 0:
        return toneless
    pos = _tone_position(toneless)
    if pos < 0:
        return word
    marked = unicodedata.normalize("NFC", toneless[pos] + TONE_CHARS[tone])
    return toneless[:pos] + marked + toneless[pos + 1:]


def is_syllable_shape(word: str) -> bool:
    """True if a lowercase canonical word has the shape of a Vietnamese syllable."""
    toneless, _ = split_tone(word)
    return SYLLABLE_SHAPE.match(toneless) is not None


def case_in_sentence(word: str, after_word: bool, gap: str) -> int:
    """1: a lower-case word right after another word, 2: a Title-case one ("xã Pa Vi"), 0: its
    case says nothing (sentence start, ALL CAPS, single letter). Counted by the build, asked
    of the input by restore.py: one rule for both."""
    if not after_word or len(word) < 2 or gap.strip(" \t"):
        return 0
    if word.islower():
        return 1
    if word[0].isupper() and word[1:].islower():
        return 2
    return 0


def apply_case(source: str, word: str) -> str:
    """Give `word` the case pattern of `source` (ALL CAPS, Capitalised or lower)."""
    if source.islower():
        return word  # most words: no capital letter at all
    letters = [ch for ch in source if ch.isalpha()]
    if len(letters) >= 2 and all(ch.isupper() for ch in letters):
        return word.upper()
    if letters and source[0].isupper() or (source[:1] and not source[0].isalpha()
                                           and len(letters) == 1 and letters[0].isupper()):
        return word[:1].upper() + word[1:]
    return word


# ---------------------------------------------------------------- model files


@dataclass
class RestoreModel:
    """Vocabulary, n-gram counts and channel costs, all as numpy arrays."""

    vocab: list[str]  # id -> canonical syllable (ids < N_SPECIAL are specials)
    word_id: dict[str, int]
    unigram: np.ndarray  # float32 counts per id
    unigram_followers: np.ndarray  # float32 number of different words seen after each id
    bigram_keys: np.ndarray  # int64 sorted (w1 << SHIFT | w2)
    bigram_counts: np.ndarray  # float32
    bigram_followers: np.ndarray  # float32 number of different words seen after each bigram
    trigram_keys: np.ndarray  # int64 sorted
    trigram_counts: np.ndarray  # float32
    bigram_slots: np.ndarray  # int32 hash index of bigram_keys (decoder.build_index)
    trigram_slots: np.ndarray  # int32 hash index of trigram_keys
    quad_keys: np.ndarray  # int64 sorted 4-gram keys (empty: trigram model)
    quad_counts: np.ndarray  # float32
    total: float
    stripped: dict[str, np.ndarray]  # stripped lowercase form -> candidate ids (by frequency)
    vocab_chars: np.ndarray  # int32 [V, MAXLEN] character codes of each syllable, -1 padded
    vocab_len: np.ndarray  # int32 [V]
    vocab_order: np.ndarray  # int32 syllable ids in character order (decoder.prefix_order)
    vocab_shared: np.ndarray  # int32 leading characters shared with the previous in that order
    char_index: dict[str, int]  # character -> code in the confusion matrices
    sub_cost: np.ndarray  # float32 [C+1, C+1] cost of source char (row) read as OCR char (col)
    del_cost: np.ndarray  # float32 [C+1] cost of a source char lost by the OCR
    ins_cost: np.ndarray  # float32 [C+1] cost of an extra OCR char
    params: dict
    # -log10 P(written lower case | syllable) and P(Title case | syllable) inside a sentence
    # (zeros for the specials, and everywhere for a model built without case counts)
    case_cost: tuple[np.ndarray, np.ndarray] = (np.zeros(0, np.float32), np.zeros(0, np.float32))
    # previous word of a Title-case pair, without accents -> (ids of the syllables seen after it
    # in Title case, sorted; their weighted counts): restore_hints.name_hints
    names: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    @property
    def lm(self) -> tuple:
        """The count arrays in the order the compiled kernels take them."""
        return (self.unigram, self.unigram_followers, self.total, self.bigram_keys,
                self.bigram_counts, self.bigram_followers, self.trigram_keys, self.trigram_counts,
                self.bigram_slots, self.trigram_slots)


MAXLEN = 8
DECODER_PARAMS = {
    # < 0: stupid back-off with this log10 penalty; > 0: Witten-Bell interpolation (chosen on
    # --dev-own and --dev-real once the domain's type counts weighed as its token counts)
    "backoff": 1.0,  # accent-stripped text
    "backoff_ocr": -0.8,  # OCR garble (Witten-Bell: 98.66 % on the tuning laws vs 98.52 %, but the
    # real English-OCR'd plan (b') lost 1 syllable of 1,238: not adopted)
    "channel_weight": 0.45,  # log10 LM units per nat of OCR channel cost
    "unk_cost": 17.0,  # channel cost of keeping a token that is not a syllable
    "cost_margin": 9.0,  # candidates costlier than the best + margin are dropped
    "max_candidates": 80,
    "beam": 12,  # hypotheses kept per token on accent-stripped text (chosen on --dev-own)
    "beam_ocr": 16,  # and on OCR garble (wider candidate lists)
    "order": 3,  # 4: also use 4-gram counts (built with --with-4grams; did not help on dev)
    "quad_backoff": -0.3,  # log10 penalty when the 4-gram is unseen
    "case_weight": 1.0,  # weight of log10 P(case | syllable) for words inside a sentence
    "case_prior": 2.0,  # pseudo-count of the overall case rate in that estimate
    # restore_hints, chosen on --dev-own: the extra log10 cost of a candidate that a place hint
    # does not name, and the weight of the document's own bigram cache (0: no second pass)
    "hint_cost": 3.0,
    "cache_weight": 2.0,
    # the extra log10 cost, inside a name, of a syllable the corpora and the gazetteer never
    # write in Title case after the previous word (restore_hints.name_hints; 0: no hint; chosen
    # on --dev-own: 1, 2, 3 gave 616, 612, 613 errors, seen real the same)
    "name_weight": 2.0,
    # the weight of the document's other readings of a stripped word where the first pass was
    # unsure of it (confidence under unsure_conf; restore_hints.unsure_word_hints; 0: none;
    # chosen on --dev-own: 0.8/1, 0.8/2, 0.6/2, 0.6/3, 0.5/1.5, 0.4/2 gave 605, 621, 597, 597,
    # 597, 598 errors against 607 without; seen real 90 -> 88 at 0.6/2)
    "unsure_weight": 2.0,
    "unsure_conf": 0.6,
}


def encode_chars(word: str, char_index: dict[str, int]) -> np.ndarray:
    """Character codes of a word; unknown characters share the last code."""
    unknown = len(char_index)
    return np.array([char_index.get(ch, unknown) for ch in word], dtype=np.int32)


def save_arrays(path: Path, **arrays: np.ndarray) -> None:
    """Write arrays compressed (no pickles)."""
    np.savez_compressed(path, **arrays)


def merge_counts(keys: np.ndarray, columns: list[np.ndarray], extra_keys: np.ndarray,
                 extra_columns: list[np.ndarray], weights: list[float]
                 ) -> tuple[np.ndarray, list[np.ndarray]]:
    """Add weighted extra columns into a sorted key table (union of keys)."""
    if len(extra_keys) == 0:
        return keys, columns
    uniq, inverse = np.unique(np.concatenate([keys, extra_keys]), return_inverse=True)
    out = []
    for col, extra, weight in zip(columns, extra_columns, weights, strict=True):
        summed = np.zeros(len(uniq), dtype=np.float32)
        np.add.at(summed, inverse, np.concatenate([col.astype(np.float32),
                                                   extra.astype(np.float32) * weight]))
        out.append(summed)
    return uniq, out


def load_model_from(directory: Path, domain: dict | None = None,
                    domain_weight: float | None = None) -> RestoreModel:
    """Load a model directory; `domain` replaces the stored domain counts and `domain_weight`
    the stored weight (held-out benchmarks and tuning)."""
    meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    vocab = meta["vocab"]
    lm = np.load(directory / "lm.npz")
    unigram = lm["unigram"].astype(np.float32)
    bi_keys, bi_counts = lm["bigram_keys"], lm["bigram_counts"].astype(np.float32)
    tri_keys = np.cumsum(lm["trigram_key_deltas"].astype(np.int64))
    tri_counts = lm["trigram_counts"].astype(np.float32)
    if domain is None:
        dom = np.load(directory / "domain.npz")
        domain = {k: dom[k] for k in dom.files}
    weight = float(meta["params"]["domain_weight"] if domain_weight is None else domain_weight)
    # the domain's type counts (different followers of a context) weigh as its token counts:
    # a context's Witten-Bell back-off mass then means the same in domain and corpus text
    unigram = unigram + weight * domain["unigram"].astype(np.float32)
    uni_follow = (lm["unigram_followers"].astype(np.float32)
                  + weight * domain["unigram_followers"].astype(np.float32))
    bi_keys, (bi_counts, bi_follow) = merge_counts(
        bi_keys, [bi_counts, lm["bigram_followers"]], domain["bigram_keys"],
        [domain["bigram_counts"], domain["bigram_followers"]], [weight, weight])
    tri_keys, (tri_counts,) = merge_counts(tri_keys, [tri_counts], domain["trigram_keys"],
                                           [domain["trigram_counts"]], [weight])
    if "quad_key_deltas" in lm.files:
        quad_keys = np.cumsum(lm["quad_key_deltas"].astype(np.int64))
        quad_counts = lm["quad_counts"].astype(np.float32)
        if "quad_keys" in domain:
            quad_keys, (quad_counts,) = merge_counts(quad_keys, [quad_counts],
                                                     domain["quad_keys"],
                                                     [domain["quad_counts"]], [weight])
    else:
        quad_keys = np.zeros(0, dtype=np.int64)
        quad_counts = np.zeros(0, dtype=np.float32)
    case_cost = case_costs(lm, domain, weight, len(vocab))
    ch = np.load(directory / "channel.npz")
    chars = meta["chars"]
    char_index = {c: i for i, c in enumerate(chars)}
    vocab_chars = np.full((len(vocab), MAXLEN), -1, dtype=np.int32)
    vocab_len = np.zeros(len(vocab), dtype=np.int32)
    for i, w in enumerate(vocab):
        if i < N_SPECIAL or len(w) > MAXLEN:
            vocab_len[i] = 99  # never a candidate
            continue
        codes = encode_chars(w, char_index)
        vocab_chars[i, : len(codes)] = codes
        vocab_len[i] = len(codes)
    order, shared = prefix_order(vocab_chars, vocab_len)
    stripped: dict[str, list[int]] = {}
    for i in range(N_SPECIAL, len(vocab)):
        stripped.setdefault(strip_accents(vocab[i]), []).append(i)
    stripped_arr = {
        k: np.array(sorted(v, key=lambda j: -unigram[j]), dtype=np.int32)
        for k, v in stripped.items()
    }
    return RestoreModel(
        vocab=vocab,
        word_id={w: i for i, w in enumerate(vocab)},
        unigram=unigram,
        unigram_followers=uni_follow,
        bigram_keys=bi_keys,
        bigram_counts=bi_counts,
        bigram_followers=bi_follow,
        trigram_keys=tri_keys,
        trigram_counts=tri_counts,
        bigram_slots=build_index(bi_keys),
        trigram_slots=build_index(tri_keys),
        quad_keys=quad_keys,
        quad_counts=quad_counts,
        total=float(unigram.sum()),
        stripped=stripped_arr,
        vocab_chars=vocab_chars,
        vocab_len=vocab_len,
        vocab_order=order,
        vocab_shared=shared,
        char_index=char_index,
        sub_cost=ch["sub_cost"].astype(np.float32),
        del_cost=ch["del_cost"].astype(np.float32),
        ins_cost=ch["ins_cost"].astype(np.float32),
        params={**meta["params"], **DECODER_PARAMS},
        case_cost=case_cost,
        names=name_table(directory / "names.npz"),
    )


def name_table(path: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The Title-case pairs of the build (names.npz) grouped by their previous word; empty for
    a model built without them."""
    if not path.is_file():
        return {}
    pairs = np.load(path)
    previous, ids, counts = pairs["previous"], pairs["syllable"], pairs["count"]
    starts = np.flatnonzero(np.r_[True, previous[1:] != previous[:-1]])
    ends = np.r_[starts[1:], len(previous)]
    return {str(previous[a]): (ids[a:b].astype(np.int64), counts[a:b])
            for a, b in zip(starts.tolist(), ends.tolist(), strict=True)}


def case_costs(lm, domain: dict, weight: float, n_vocab: int) -> tuple[np.ndarray, np.ndarray]:
    """(-log10 P(lower | syllable), -log10 P(Title | syllable)), smoothed towards the overall
    rate; all zeros when the model has no case counts."""
    if "case_lower" not in lm.files:
        zeros = np.zeros(n_vocab, dtype=np.float32)
        return zeros, zeros
    lower = lm["case_lower"].astype(np.float64)
    title = lm["case_title"].astype(np.float64)
    if "case_lower" in domain:
        lower = lower + weight * domain["case_lower"].astype(np.float64)
        title = title + weight * domain["case_title"].astype(np.float64)
    prior = float(DECODER_PARAMS["case_prior"])
    p_title = title.sum() / max(title.sum() + lower.sum(), 1.0)
    total = lower + title + prior
    cost_lower = -np.log10((lower + prior * (1 - p_title)) / total)
    cost_title = -np.log10((title + prior * p_title) / total)
    cost_lower[:N_SPECIAL] = 0.0
    cost_title[:N_SPECIAL] = 0.0
    return cost_lower.astype(np.float32), cost_title.astype(np.float32)
