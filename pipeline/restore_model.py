"""Syllable tools, the n-gram language model and the compiled decoding kernels of restore.py.

The build script and the runtime share these helpers so that counting and decoding see the same
normalised syllables (NFC, tone on the traditional vowel: "hòa", "ủy"). The kernels are compiled
by numba when it is installed (cached on disk); without it they run as plain Python, slowly.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

try:  # compiled kernels; the pure-Python fallback gives the same results, only slower
    from numba import njit
except ImportError:  # pragma: no cover - exercised only without numba

    def njit(*args, **kwargs):  # type: ignore[no-redef]
        if args and callable(args[0]):
            return args[0]
        return lambda f: f


MODEL_DIR = Path(__file__).resolve().parents[1] / "models" / "restore"

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
GARBLE_CHARS = "0146€¢&¥‘’|!$@£§"
WORD_RE = re.compile(r"[^\W\d_][\w€¢&¥‘’|$@£§]*|[0-9€¢&¥‘’|$@£§]+[^\W\d_][\w€¢&¥‘’|$@£§]*|[€¢¥£§]\w*")


@lru_cache(maxsize=200_000)
def strip_accents(text: str) -> str:
    """Vietnamese text without any diacritic ("Đường" -> "Duong")."""
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.replace("đ", "d").replace("Đ", "D")


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


def normalise_text(text: str) -> str:
    """NFC with canonical tone placement on every word (used before counting)."""
    text = unicodedata.normalize("NFC", text)

    def fix(m: re.Match[str]) -> str:
        w = m.group(0)
        c = canonical_syllable(w)
        if c == w.lower():
            return w
        return apply_case(w, c)

    return re.sub(r"[^\W\d_]+", fix, text)


def apply_case(source: str, word: str) -> str:
    """Give `word` the case pattern of `source` (ALL CAPS, Capitalised or lower)."""
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
    quad_keys: np.ndarray  # int64 sorted 4-gram keys (empty: trigram model)
    quad_counts: np.ndarray  # float32
    total: float
    stripped: dict[str, np.ndarray]  # stripped lowercase form -> candidate ids (by frequency)
    vocab_chars: np.ndarray  # int32 [V, MAXLEN] character codes of each syllable, -1 padded
    vocab_len: np.ndarray  # int32 [V]
    char_index: dict[str, int]  # character -> code in the confusion matrices
    sub_cost: np.ndarray  # float32 [C+1, C+1] cost of source char (row) read as OCR char (col)
    del_cost: np.ndarray  # float32 [C+1] cost of a source char lost by the OCR
    ins_cost: np.ndarray  # float32 [C+1] cost of an extra OCR char
    params: dict
    # -log10 P(written lower case | syllable) and P(Title case | syllable) inside a sentence
    # (zeros for the specials, and everywhere for a model built without case counts)
    case_cost: tuple[np.ndarray, np.ndarray] = (np.zeros(0, np.float32), np.zeros(0, np.float32))

    @property
    def lm(self) -> tuple:
        """The count arrays in the order the compiled kernels take them."""
        return (self.unigram, self.unigram_followers, self.total, self.bigram_keys,
                self.bigram_counts, self.bigram_followers, self.trigram_keys, self.trigram_counts)


MAXLEN = 8
DECODER_PARAMS = {
    # < 0: stupid back-off with this log10 penalty; > 0: Witten-Bell interpolation (better on
    # the tuning laws for stripped text, 99.16% vs 99.06%, but worse on plans: see the bench)
    "backoff": -0.8,  # accent-stripped text
    "backoff_ocr": -0.8,  # OCR garble
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
    unigram = unigram + weight * domain["unigram"].astype(np.float32)
    uni_follow = lm["unigram_followers"].astype(np.float32) + domain["unigram_followers"]
    bi_keys, (bi_counts, bi_follow) = merge_counts(
        bi_keys, [bi_counts, lm["bigram_followers"]], domain["bigram_keys"],
        [domain["bigram_counts"], domain["bigram_followers"]], [weight, 1.0])
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
        quad_keys=quad_keys,
        quad_counts=quad_counts,
        total=float(unigram.sum()),
        stripped=stripped_arr,
        vocab_chars=vocab_chars,
        vocab_len=vocab_len,
        char_index=char_index,
        sub_cost=ch["sub_cost"].astype(np.float32),
        del_cost=ch["del_cost"].astype(np.float32),
        ins_cost=ch["ins_cost"].astype(np.float32),
        params={**meta["params"], **DECODER_PARAMS},
        case_cost=case_cost,
    )


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


# ---------------------------------------------------------------- compiled kernels


@njit(cache=True)
def _find(keys: np.ndarray, key: np.int64) -> int:
    i = np.searchsorted(keys, key)
    if i < len(keys) and keys[i] == key:
        return i
    return -1


@njit(cache=True)
def lm_logprob(w1: int, w2: int, w3: int, lm: tuple, backoff: float) -> float:
    """log10 P(w3 | w1 w2): Witten-Bell interpolation, or stupid back-off when backoff < 0."""
    unigram, uni_follow, total, bi_keys, bi_counts, bi_follow, tri_keys, tri_counts = lm
    i12 = _find(bi_keys, (np.int64(w1) << 16) | w2)
    c123 = 0.0
    if i12 >= 0:
        i123 = _find(tri_keys, (np.int64(w1) << 32) | (np.int64(w2) << 16) | w3)
        if i123 >= 0:
            c123 = tri_counts[i123]
    if backoff < 0.0 and c123 > 0.0:  # stupid back-off: the trigram is enough
        return np.log10(c123 / bi_counts[i12])
    i23 = _find(bi_keys, (np.int64(w2) << 16) | w3)
    c23 = bi_counts[i23] if i23 >= 0 else 0.0
    if backoff < 0.0:
        if c23 > 0.0 and unigram[w2] > 0.0:
            return np.log10(c23 / unigram[w2]) + backoff
        c3 = unigram[w3] if unigram[w3] > 0.0 else 0.5
        return np.log10(c3 / total) + 2.0 * backoff
    p = (unigram[w3] + 1.0) / (total + len(unigram))
    n2 = uni_follow[w2]
    if unigram[w2] + n2 > 0.0:
        p = (c23 + n2 * p) / (unigram[w2] + n2)
    if i12 >= 0:
        n12 = bi_follow[i12]
        p = (c123 + n12 * p) / (bi_counts[i12] + n12)
    return np.log10(p)


@njit(cache=True)
def channel_costs(token: np.ndarray, vocab_chars: np.ndarray, vocab_len: np.ndarray,
                  sub_cost: np.ndarray, del_cost: np.ndarray, ins_cost: np.ndarray,
                  max_len_diff: int) -> np.ndarray:
    """Weighted edit distance from every vocabulary syllable (source) to an OCR token."""
    n_vocab = vocab_chars.shape[0]
    m = len(token)
    out = np.full(n_vocab, np.inf, dtype=np.float32)
    prev = np.zeros(m + 1, dtype=np.float32)
    cur = np.zeros(m + 1, dtype=np.float32)
    for v in range(n_vocab):
        n = vocab_len[v]
        if n > 20 or abs(n - m) > max_len_diff:
            continue
        prev[0] = 0.0
        for j in range(1, m + 1):
            prev[j] = prev[j - 1] + ins_cost[token[j - 1]]
        for i in range(1, n + 1):
            s = vocab_chars[v, i - 1]
            cur[0] = prev[0] + del_cost[s]
            for j in range(1, m + 1):
                o = token[j - 1]
                best = prev[j - 1] + sub_cost[s, o]
                d = prev[j] + del_cost[s]
                if d < best:
                    best = d
                ins = cur[j - 1] + ins_cost[o]
                if ins < best:
                    best = ins
                cur[j] = best
            for j in range(m + 1):
                prev[j] = cur[j]
        out[v] = prev[m]
    return out


@njit(cache=True)
def lm4_logprob(w0: int, w1: int, w2: int, w3: int, lm: tuple, quad: tuple,
                backoff: float) -> float:
    """log10 P(w3 | w0 w1 w2): a 4-gram when seen, else the trigram score backed off."""
    quad_keys, quad_counts, quad_backoff = quad
    if len(quad_keys) > 0 and backoff < 0.0:
        i = _find(quad_keys, (np.int64(w0) << 48) | (np.int64(w1) << 32) | (np.int64(w2) << 16)
                  | w3)
        if i >= 0:
            tri_keys, tri_counts = lm[6], lm[7]
            j = _find(tri_keys, (np.int64(w0) << 32) | (np.int64(w1) << 16) | w2)
            if j >= 0:
                return np.log10(quad_counts[i] / tri_counts[j])
        return lm_logprob(w1, w2, w3, lm, backoff) + quad_backoff
    return lm_logprob(w1, w2, w3, lm, backoff)


@njit(cache=True)
def beam_decode(cand_start: np.ndarray, cand_ids: np.ndarray, cand_cost: np.ndarray,
                boundary_before: np.ndarray, lm: tuple, quad: tuple, backoff: float,
                channel_weight: float, beam: int) -> np.ndarray:
    """Best candidate index per position under LM score - channel_weight * channel cost.

    Positions are word tokens; boundary_before[i] closes the sentence before position i.
    A hypothesis is the last three words (a, b, c); hypotheses with equal state recombine.
    """
    n = len(cand_start) - 1
    choice = np.zeros(n, dtype=np.int64)
    if n == 0:
        return choice
    use_quad = len(quad[0]) > 0
    unigram, uni_follow, total, bi_keys, bi_counts = lm[0], lm[1], lm[2], lm[3], lm[4]
    bi_follow, tri_keys, tri_counts = lm[5], lm[6], lm[7]
    n_vocab = len(unigram)
    max_k = 1
    for i in range(n):
        k = cand_start[i + 1] - cand_start[i]
        if k > max_k:
            max_k = k
    hyp_a = np.full((n + 1, beam), BOS, dtype=np.int64)
    hyp_b = np.full((n + 1, beam), BOS, dtype=np.int64)
    hyp_c = np.full((n + 1, beam), BOS, dtype=np.int64)
    hyp_s = np.full((n + 1, beam), -np.inf)
    hyp_back = np.zeros((n + 1, beam), dtype=np.int64)
    hyp_cand = np.zeros((n + 1, beam), dtype=np.int64)
    n_hyp = np.zeros(n + 1, dtype=np.int64)
    hyp_s[0, 0] = 0.0
    n_hyp[0] = 1
    exp_s = np.empty(beam * max_k)
    exp_h = np.empty(beam * max_k, dtype=np.int64)
    exp_c = np.empty(beam * max_k, dtype=np.int64)
    for i in range(n):
        ctx_bos = i == 0
        if boundary_before[i] and i > 0:
            # close the sentence: keep only the best hypothesis, context back to BOS
            best = -np.inf
            best_h = 0
            for h in range(n_hyp[i]):
                s = hyp_s[i, h] + lm4_logprob(hyp_a[i, h], hyp_b[i, h], hyp_c[i, h], BOS, lm,
                                              quad, backoff)
                if s > best:
                    best = s
                    best_h = h
            hyp_back[i, 0], hyp_cand[i, 0] = hyp_back[i, best_h], hyp_cand[i, best_h]
            hyp_s[i, 0] = best
            n_hyp[i] = 1
            ctx_bos = True
        lo = cand_start[i]
        hi = cand_start[i + 1]
        n_exp = 0
        for h in range(n_hyp[i]):
            if ctx_bos:
                a = BOS
                b = BOS
                c0 = BOS
            else:
                a = hyp_a[i, h]
                b = hyp_b[i, h]
                c0 = hyp_c[i, h]
            fast = backoff < 0.0 and not use_quad
            fast_wb = backoff > 0.0 and not use_quad
            if fast or fast_wb:  # trigram: look the context up once per hypothesis
                i_ctx = _find(bi_keys, (np.int64(b) << 16) | c0)
                c_ctx = bi_counts[i_ctx] if i_ctx >= 0 else 0.0
                n_ctx = bi_follow[i_ctx] if i_ctx >= 0 else 0.0
                c_prev = unigram[c0]
                n_prev = uni_follow[c0]
            for c in range(lo, hi):
                w = cand_ids[c]
                if fast_wb:
                    p = (unigram[w] + 1.0) / (total + n_vocab)
                    j = _find(bi_keys, (np.int64(c0) << 16) | w)
                    if c_prev + n_prev > 0.0:
                        p = ((bi_counts[j] if j >= 0 else 0.0) + n_prev * p) / (c_prev + n_prev)
                    if i_ctx >= 0:
                        j = _find(tri_keys, (np.int64(b) << 32) | (np.int64(c0) << 16) | w)
                        p = ((tri_counts[j] if j >= 0 else 0.0) + n_ctx * p) / (c_ctx + n_ctx)
                    s = hyp_s[i, h] + np.log10(p)
                elif fast:
                    lp = 1.0
                    if i_ctx >= 0:
                        j = _find(tri_keys, (np.int64(b) << 32) | (np.int64(c0) << 16) | w)
                        if j >= 0:
                            lp = np.log10(tri_counts[j] / c_ctx)
                    if lp > 0.0:
                        j = _find(bi_keys, (np.int64(c0) << 16) | w)
                        if j >= 0 and c_prev > 0.0:
                            lp = np.log10(bi_counts[j] / c_prev) + backoff
                        else:
                            cw = unigram[w] if unigram[w] > 0.0 else 0.5
                            lp = np.log10(cw / total) + 2.0 * backoff
                    s = hyp_s[i, h] + lp
                else:
                    s = hyp_s[i, h] + lm4_logprob(a, b, c0, w, lm, quad, backoff)
                s -= channel_weight * cand_cost[c]
                exp_s[n_exp] = s
                exp_h[n_exp] = h
                exp_c[n_exp] = c
                n_exp += 1
        order = np.argsort(-exp_s[:n_exp])
        kept = 0
        for r in range(n_exp):
            e = order[r]
            h = exp_h[e]
            c = exp_c[e]
            if ctx_bos:
                nb = BOS
                nc = BOS
            else:
                nb = hyp_b[i, h] if use_quad else BOS  # trigram: recombine on two words
                nc = hyp_c[i, h]
            word = cand_ids[c]
            dup = False
            for k in range(kept):
                if (hyp_a[i + 1, k] == nb and hyp_b[i + 1, k] == nc
                        and hyp_c[i + 1, k] == word):
                    dup = True
                    break
            if dup:
                continue
            hyp_a[i + 1, kept] = nb
            hyp_b[i + 1, kept] = nc
            hyp_c[i + 1, kept] = word
            hyp_s[i + 1, kept] = exp_s[e]
            hyp_back[i + 1, kept] = h
            hyp_cand[i + 1, kept] = c - lo
            kept += 1
            if kept == beam:
                break
        n_hyp[i + 1] = kept
    best = -np.inf
    best_h = 0
    for h in range(n_hyp[n]):
        s = hyp_s[n, h] + lm4_logprob(hyp_a[n, h], hyp_b[n, h], hyp_c[n, h], BOS, lm, quad,
                                      backoff)
        if s > best:
            best = s
            best_h = h
    h = best_h
    for i in range(n, 0, -1):
        choice[i - 1] = hyp_cand[i, h]
        h = hyp_back[i, h]
    return choice
    max_k = 1
    for i in range(n):
        k = cand_start[i + 1] - cand_start[i]
        if k > max_k:
            max_k = k
    # hypothesis arrays per position: prev word, last word, score, back pointer, candidate index
    hyp_p = np.zeros((n + 1, beam), dtype=np.int64)
    hyp_l = np.zeros((n + 1, beam), dtype=np.int64)
    hyp_s = np.full((n + 1, beam), -np.inf)
    hyp_b = np.zeros((n + 1, beam), dtype=np.int64)
    hyp_c = np.zeros((n + 1, beam), dtype=np.int64)
    n_hyp = np.zeros(n + 1, dtype=np.int64)
    hyp_p[0, 0] = BOS
    hyp_l[0, 0] = BOS
    hyp_s[0, 0] = 0.0
    n_hyp[0] = 1
    exp_s = np.empty(beam * max_k)
    exp_h = np.empty(beam * max_k, dtype=np.int64)
    exp_c = np.empty(beam * max_k, dtype=np.int64)
    for i in range(n):
        # close the sentence: all hypotheses collapse to (BOS, BOS)
        if boundary_before[i] and i > 0:
            best = -np.inf
            best_h = 0
            for h in range(n_hyp[i]):
                s = hyp_s[i, h] + lm_logprob(hyp_p[i, h], hyp_l[i, h], BOS, lm, backoff)
                if s > best:
                    best = s
                    best_h = h
            # keep the best as the only context; remember which one via a self pointer
            hyp_p[i, 0], hyp_l[i, 0] = hyp_p[i, best_h], hyp_l[i, best_h]
            hyp_b[i, 0], hyp_c[i, 0] = hyp_b[i, best_h], hyp_c[i, best_h]
            hyp_s[i, 0] = best
            n_hyp[i] = 1
            ctx_bos = True
        else:
            ctx_bos = i == 0
        lo = cand_start[i]
        hi = cand_start[i + 1]
        n_exp = 0
        for h in range(n_hyp[i]):
            if ctx_bos:
                w1 = BOS
                w2 = BOS
            else:
                w1 = hyp_p[i, h]
                w2 = hyp_l[i, h]
            for c in range(lo, hi):
                s = hyp_s[i, h] + lm_logprob(w1, w2, cand_ids[c], lm, backoff)
                s -= channel_weight * cand_cost[c]
                exp_s[n_exp] = s
                exp_h[n_exp] = h
                exp_c[n_exp] = c
                n_exp += 1
        order = np.argsort(-exp_s[:n_exp])
        kept = 0
        for r in range(n_exp):
            e = order[r]
            h = exp_h[e]
            c = exp_c[e]
            last = BOS if ctx_bos else hyp_l[i, h]
            word = cand_ids[c]
            dup = False
            for k in range(kept):
                if hyp_p[i + 1, k] == last and hyp_l[i + 1, k] == word:
                    dup = True
                    break
            if dup:
                continue
            hyp_p[i + 1, kept] = last
            hyp_l[i + 1, kept] = word
            hyp_s[i + 1, kept] = exp_s[e]
            hyp_b[i + 1, kept] = h
            hyp_c[i + 1, kept] = c - lo
            kept += 1
            if kept == beam:
                break
        n_hyp[i + 1] = kept
    best = -np.inf
    best_h = 0
    for h in range(n_hyp[n]):
        s = hyp_s[n, h] + lm_logprob(hyp_p[n, h], hyp_l[n, h], BOS, lm, backoff)
        if s > best:
            best = s
            best_h = h
    h = best_h
    for i in range(n, 0, -1):
        choice[i - 1] = hyp_c[i, h]
        h = hyp_b[i, h]
    return choice




@njit(cache=True)
def local_confidence(cand_start: np.ndarray, cand_ids: np.ndarray, cand_cost: np.ndarray,
                     boundary_before: np.ndarray, choice: np.ndarray, lm: tuple,
                     backoff: float, channel_weight: float) -> np.ndarray:
    """Posterior of each chosen candidate against its rivals, neighbours held fixed."""
    n = len(cand_start) - 1
    words = np.empty(n, dtype=np.int64)
    for i in range(n):
        words[i] = cand_ids[cand_start[i] + choice[i]]
    out = np.ones(n)
    for i in range(n):
        lo = cand_start[i]
        hi = cand_start[i + 1]
        if hi - lo <= 1:
            continue
        w1 = BOS
        w2 = BOS
        if i >= 1 and not boundary_before[i]:
            w2 = words[i - 1]
            if i >= 2 and not boundary_before[i - 1]:
                w1 = words[i - 2]
        n1 = BOS
        n2 = BOS
        if i + 1 < n and not boundary_before[i + 1]:
            n1 = words[i + 1]
            if i + 2 < n and not boundary_before[i + 2]:
                n2 = words[i + 2]
        scores = np.empty(hi - lo)
        for c in range(lo, hi):
            w = cand_ids[c]
            s = lm_logprob(w1, w2, w, lm, backoff)
            s += lm_logprob(w2, w, n1, lm, backoff)
            if n1 != BOS:
                s += lm_logprob(w, n1, n2, lm, backoff)
            scores[c - lo] = s * np.log(10.0) - channel_weight * np.log(10.0) * cand_cost[c]
        top = scores.max()
        denom = 0.0
        for k in range(hi - lo):
            denom += np.exp(scores[k] - top)
        out[i] = np.exp(scores[choice[i]] - top) / denom
    return out
