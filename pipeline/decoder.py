"""The compiled kernels of restoration: n-gram scores, OCR channel costs, beam search.

Compiled by numba (cached on disk) when it is installed; without it they run as plain Python,
slowly, with the same results. `lm` is RestoreModel.lm: (unigram, unigram followers, total,
bigram keys, bigram counts, bigram followers, trigram keys, trigram counts); n-gram keys pack
the word ids 16 bits each, and `lm` ends with hash indexes of the bigram and trigram keys
(build_index): one probe finds an n-gram where a binary search over a million keys took twenty
scattered reads, and n-gram lookups are most of decoding. A negative `backoff` is stupid back-off
with that log10 penalty, a positive one Witten-Bell interpolation.
"""

from __future__ import annotations

import numpy as np

try:  # compiled kernels; the pure-Python fallback gives the same results, only slower
    from numba import njit
except ImportError:  # pragma: no cover - exercised only without numba

    def njit(*args, **kwargs):  # type: ignore[no-redef]
        if args and callable(args[0]):
            return args[0]
        return lambda f: f


BOS = 0  # the sentence boundary's word id (restore_model.BOS)


_GOLDEN = 0x9E3779B97F4A7C15  # Fibonacci hashing: spreads packed ids over the slots


@njit(cache=True)
def _slot(key: np.int64, mask: int) -> int:
    h = np.uint64(key) * np.uint64(_GOLDEN)
    return np.int64((h ^ (h >> np.uint64(29))) & np.uint64(mask))


@njit(cache=True)
def build_index(keys: np.ndarray) -> np.ndarray:
    """Open-addressing hash slots (index into `keys`, -1 empty) at most half full."""
    size = 1
    while size < 2 * len(keys):
        size *= 2
    slots = np.full(size, -1, dtype=np.int32)
    mask = size - 1
    for i in range(len(keys)):
        s = _slot(keys[i], mask)
        while slots[s] >= 0:
            s = (s + 1) & mask
        slots[s] = i
    return slots


@njit(cache=True)
def _find(keys: np.ndarray, slots: np.ndarray, key: np.int64) -> int:
    """Index of `key` in `keys` (-1 when absent) through its hash slots."""
    mask = len(slots) - 1
    s = _slot(key, mask)
    while True:
        i = slots[s]
        if i < 0 or keys[i] == key:
            return i
        s = (s + 1) & mask


@njit(cache=True)
def _search(keys: np.ndarray, key: np.int64) -> int:
    """Index of `key` in the sorted `keys` (-1 when absent): the 4-gram table has no index."""
    i = np.searchsorted(keys, key)
    if i < len(keys) and keys[i] == key:
        return i
    return -1


@njit(cache=True)
def score_words(w1: int, w2: int, words: np.ndarray, lm: tuple, backoff: float,
                out: np.ndarray) -> None:
    """out[k] = log10 P(words[k] | w1 w2) for every k. The context (w1, w2) is looked up once
    for them all: the beam search scores every candidate of a position after each hypothesis."""
    unigram, uni_follow, total, bi_keys, bi_counts, bi_follow, tri_keys, tri_counts, bi_slots, \
        tri_slots = lm
    i12 = _find(bi_keys, bi_slots, (np.int64(w1) << 16) | w2)
    c12 = bi_counts[i12] if i12 >= 0 else 0.0
    n12 = bi_follow[i12] if i12 >= 0 else 0.0
    c2 = unigram[w2]
    n2 = uni_follow[w2]
    for k in range(len(words)):
        w3 = words[k]
        c123 = 0.0
        if i12 >= 0:
            j = _find(tri_keys, tri_slots, (np.int64(w1) << 32) | (np.int64(w2) << 16) | w3)
            if j >= 0:
                c123 = tri_counts[j]
        if backoff < 0.0 and c123 > 0.0:  # stupid back-off: the longest n-gram seen
            out[k] = np.log10(c123 / c12)
            continue
        j = _find(bi_keys, bi_slots, (np.int64(w2) << 16) | w3)
        c23 = bi_counts[j] if j >= 0 else 0.0
        if backoff < 0.0:
            if c23 > 0.0 and c2 > 0.0:
                out[k] = np.log10(c23 / c2) + backoff
            else:
                c3 = unigram[w3] if unigram[w3] > 0.0 else 0.5
                out[k] = np.log10(c3 / total) + 2.0 * backoff
            continue
        p = (unigram[w3] + 1.0) / (total + len(unigram))  # Witten-Bell interpolation
        if c2 + n2 > 0.0:
            p = (c23 + n2 * p) / (c2 + n2)
        if i12 >= 0:
            p = (c123 + n12 * p) / (c12 + n12)
        out[k] = np.log10(p)


@njit(cache=True)
def lm_logprob(w1: int, w2: int, w3: int, lm: tuple, backoff: float) -> float:
    """log10 P(w3 | w1 w2)."""
    out = np.empty(1)
    score_words(w1, w2, np.full(1, w3, dtype=np.int64), lm, backoff, out)
    return out[0]


@njit(cache=True)
def lm4_logprob(w0: int, w1: int, w2: int, w3: int, lm: tuple, quad: tuple,
                backoff: float) -> float:
    """log10 P(w3 | w0 w1 w2): a 4-gram when seen, else the trigram score backed off."""
    quad_keys, quad_counts, quad_backoff = quad
    if len(quad_keys) > 0 and backoff < 0.0:
        i = _search(quad_keys, (np.int64(w0) << 48) | (np.int64(w1) << 32) | (np.int64(w2) << 16)
                  | w3)
        if i >= 0:
            tri_keys, tri_counts, tri_slots = lm[6], lm[7], lm[9]
            j = _find(tri_keys, tri_slots, (np.int64(w0) << 32) | (np.int64(w1) << 16) | w2)
            if j >= 0:
                return np.log10(quad_counts[i] / tri_counts[j])
        return lm_logprob(w1, w2, w3, lm, backoff) + quad_backoff
    return lm_logprob(w1, w2, w3, lm, backoff)


MAX_SOURCE_LEN = 20  # longer vocabulary entries (and the specials) are never OCR sources


def prefix_order(vocab_chars: np.ndarray, vocab_len: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ids of the syllables channel_costs reads, in character order; the number of leading
    characters each shares with the one before). Sorted, syllables share the edit-distance rows
    of their common prefix: "nghi", "nghiem", "nghiep" compute the rows of "ngh" once."""
    ids = np.flatnonzero(vocab_len <= MAX_SOURCE_LEN)
    rows = vocab_chars[ids]
    ids = ids[np.lexsort(rows.T[::-1])]
    rows = vocab_chars[ids]
    same = np.cumprod(rows[1:] == rows[:-1], axis=1).sum(axis=1)
    shared = np.concatenate([[0], np.minimum(same, np.minimum(vocab_len[ids[1:]],
                                                              vocab_len[ids[:-1]]))])
    return ids.astype(np.int32), shared.astype(np.int32)


@njit(cache=True)
def channel_costs(token: np.ndarray, vocab_chars: np.ndarray, vocab_len: np.ndarray,
                  order: np.ndarray, shared: np.ndarray, sub_cost: np.ndarray,
                  del_cost: np.ndarray, ins_cost: np.ndarray, max_len_diff: int) -> np.ndarray:
    """Weighted edit distance from every vocabulary syllable (source) to an OCR token.

    `order`, `shared`: prefix_order's; row d of `rows` holds the distances after the first d
    characters of the current syllable, valid up to depth `valid` for the next one.
    """
    m = len(token)
    out = np.full(vocab_chars.shape[0], np.inf, dtype=np.float32)
    rows = np.zeros((vocab_chars.shape[1] + 1, m + 1), dtype=np.float32)
    for j in range(1, m + 1):
        rows[0, j] = rows[0, j - 1] + ins_cost[token[j - 1]]
    valid = 0
    for k in range(len(order)):
        v = order[k]
        n = vocab_len[v]
        valid = min(valid, shared[k])
        if abs(n - m) > max_len_diff:
            continue
        for i in range(valid + 1, n + 1):
            _edit_row(rows[i - 1], rows[i], vocab_chars[v, i - 1], token, sub_cost, del_cost,
                      ins_cost)
        valid = n
        out[v] = rows[n, m]
    return out


@njit(cache=True)
def _edit_row(prev: np.ndarray, cur: np.ndarray, s: int, token: np.ndarray,
              sub_cost: np.ndarray, del_cost: np.ndarray, ins_cost: np.ndarray) -> None:
    """The next row of the edit-distance table once source character `s` is read."""
    cur[0] = prev[0] + del_cost[s]
    for j in range(1, len(token) + 1):
        o = token[j - 1]
        best = prev[j - 1] + sub_cost[s, o]
        d = prev[j] + del_cost[s]
        if d < best:
            best = d
        ins = cur[j - 1] + ins_cost[o]
        if ins < best:
            best = ins
        cur[j] = best


# ---------------------------------------------------------------- beam search
# A hypothesis at position i is its last three words (a, b, c), its score, its back pointer
# and the candidate it chose; `hyps` holds them as arrays [position, slot]:
# (a, b, c, score, back, cand, count per position). Hypotheses with equal state recombine.


@njit(cache=True)
def beam_decode(cand_start: np.ndarray, cand_ids: np.ndarray, cand_cost: np.ndarray,
                boundary_before: np.ndarray, lm: tuple, quad: tuple, backoff: float,
                channel_weight: float, beam: int) -> np.ndarray:
    """Best candidate index per position under LM score - channel_weight * channel cost.

    Positions are word tokens; cand_start[i]:cand_start[i + 1] are position i's candidates;
    boundary_before[i] closes the sentence before position i.
    """
    n = len(cand_start) - 1
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    max_k = 1
    for i in range(n):
        max_k = max(max_k, cand_start[i + 1] - cand_start[i])
    hyps = (np.full((n + 1, beam), BOS, dtype=np.int64), np.full((n + 1, beam), BOS, dtype=np.int64),
            np.full((n + 1, beam), BOS, dtype=np.int64), np.full((n + 1, beam), -np.inf),
            np.zeros((n + 1, beam), dtype=np.int64), np.zeros((n + 1, beam), dtype=np.int64),
            np.zeros(n + 1, dtype=np.int64))
    hyps[3][0, 0] = 0.0  # one empty hypothesis before the first word
    hyps[6][0] = 1
    expansions = (np.empty(beam * max_k), np.empty(beam * max_k, dtype=np.int64),
                  np.empty(beam * max_k, dtype=np.int64), np.empty(max_k))
    for i in range(n):
        at_start = i == 0
        if boundary_before[i] and i > 0:
            _close_sentence(hyps, i, lm, quad, backoff)
            at_start = True
        n_exp = _expand(hyps, i, at_start, cand_start, cand_ids, cand_cost, lm, quad, backoff,
                        channel_weight, expansions)
        _prune(hyps, i, at_start, n_exp, expansions, cand_start[i], cand_ids, len(quad[0]) > 0,
               beam)
    return _backtrack(hyps, n, lm, quad, backoff)


@njit(cache=True)
def _best_ending(hyps: tuple, i: int, lm: tuple, quad: tuple, backoff: float) -> tuple:
    """(score, slot) of the hypothesis at position i that best ends a sentence there."""
    hyp_a, hyp_b, hyp_c, hyp_s, _, _, n_hyp = hyps
    best = -np.inf
    best_h = 0
    for h in range(n_hyp[i]):
        s = hyp_s[i, h] + lm4_logprob(hyp_a[i, h], hyp_b[i, h], hyp_c[i, h], BOS, lm, quad,
                                      backoff)
        if s > best:
            best = s
            best_h = h
    return best, best_h


@njit(cache=True)
def _close_sentence(hyps: tuple, i: int, lm: tuple, quad: tuple, backoff: float) -> None:
    """Keep only the hypothesis that best ends the sentence; the next one starts afresh."""
    best, best_h = _best_ending(hyps, i, lm, quad, backoff)
    _, _, _, hyp_s, hyp_back, hyp_cand, n_hyp = hyps
    hyp_back[i, 0], hyp_cand[i, 0] = hyp_back[i, best_h], hyp_cand[i, best_h]
    hyp_s[i, 0] = best
    n_hyp[i] = 1


@njit(cache=True)
def _expand(hyps: tuple, i: int, at_start: bool, cand_start: np.ndarray, cand_ids: np.ndarray,
            cand_cost: np.ndarray, lm: tuple, quad: tuple, backoff: float,
            channel_weight: float, expansions: tuple) -> int:
    """Score every candidate of position i after every hypothesis; returns their number."""
    hyp_a, hyp_b, hyp_c, hyp_s, _, _, n_hyp = hyps
    exp_s, exp_h, exp_c, scores = expansions
    lo, hi = cand_start[i], cand_start[i + 1]
    n_exp = 0
    for h in range(n_hyp[i]):
        a, b, c0 = (BOS, BOS, BOS) if at_start else (hyp_a[i, h], hyp_b[i, h], hyp_c[i, h])
        if len(quad[0]) == 0:
            score_words(b, c0, cand_ids[lo:hi], lm, backoff, scores)
        else:
            for c in range(lo, hi):
                scores[c - lo] = lm4_logprob(a, b, c0, cand_ids[c], lm, quad, backoff)
        for c in range(lo, hi):
            exp_s[n_exp] = hyp_s[i, h] + scores[c - lo] - channel_weight * cand_cost[c]
            exp_h[n_exp] = h
            exp_c[n_exp] = c
            n_exp += 1
    return n_exp


@njit(cache=True)
def _prune(hyps: tuple, i: int, at_start: bool, n_exp: int, expansions: tuple, first: int,
           cand_ids: np.ndarray, use_quad: bool, beam: int) -> None:
    """The best `beam` expansions of distinct state become the hypotheses of position i + 1.

    OCR positions have a thousand expansions and a beam of 16: the best few are ranked first
    (_top_order), and all of them only when those few do not settle the beam.
    """
    exp_s = expansions[0]
    if n_exp > TOP_FIRST * beam:
        top = _top_order(exp_s, n_exp, TOP_FIRST * beam)
        if _keep(hyps, i, at_start, top, expansions, first, cand_ids, use_quad, beam) == beam:
            return
    order = np.argsort(-exp_s[:n_exp])
    _keep(hyps, i, at_start, order, expansions, first, cand_ids, use_quad, beam)


TOP_FIRST = 4  # expansions ranked first per hypothesis kept (recombination drops some)


@njit(cache=True)
def _top_order(exp_s: np.ndarray, n_exp: int, k: int) -> np.ndarray:
    """The k best expansions, best first, as np.argsort(-exp_s) would begin; empty when two of
    them score the same (their order would then be argsort's to choose)."""
    scores = exp_s[:n_exp]
    kth = np.partition(scores, n_exp - k)[n_exp - k]
    idx = np.flatnonzero(scores >= kth)
    order = idx[np.argsort(-scores[idx])]
    for r in range(1, len(order)):
        if scores[order[r]] == scores[order[r - 1]]:
            return order[:0]
    return order


@njit(cache=True)
def _keep(hyps: tuple, i: int, at_start: bool, order: np.ndarray, expansions: tuple,
          first: int, cand_ids: np.ndarray, use_quad: bool, beam: int) -> int:
    """Expansions in `order` of a state not yet kept become hypotheses; returns their number."""
    hyp_a, hyp_b, hyp_c, hyp_s, hyp_back, hyp_cand, n_hyp = hyps
    exp_s, exp_h, exp_c, _ = expansions
    kept = 0
    for r in range(len(order)):
        e = order[r]
        h = exp_h[e]
        c = exp_c[e]
        if at_start:
            nb, nc = BOS, BOS
        else:
            nb = hyp_b[i, h] if use_quad else BOS  # trigram: recombine on two words
            nc = hyp_c[i, h]
        word = cand_ids[c]
        if _seen(hyps, i + 1, kept, nb, nc, word):
            continue
        hyp_a[i + 1, kept], hyp_b[i + 1, kept], hyp_c[i + 1, kept] = nb, nc, word
        hyp_s[i + 1, kept] = exp_s[e]
        hyp_back[i + 1, kept] = h
        hyp_cand[i + 1, kept] = c - first
        kept += 1
        if kept == beam:
            break
    n_hyp[i + 1] = kept
    return kept


@njit(cache=True)
def _seen(hyps: tuple, i: int, kept: int, a: int, b: int, c: int) -> bool:
    """Whether a kept hypothesis of position i already has this state."""
    hyp_a, hyp_b, hyp_c, _, _, _, _ = hyps
    for k in range(kept):
        if hyp_a[i, k] == a and hyp_b[i, k] == b and hyp_c[i, k] == c:
            return True
    return False


@njit(cache=True)
def _backtrack(hyps: tuple, n: int, lm: tuple, quad: tuple, backoff: float) -> np.ndarray:
    """The candidate chosen at each position on the path of the best final hypothesis."""
    _, h = _best_ending(hyps, n, lm, quad, backoff)
    _, _, _, _, hyp_back, hyp_cand, _ = hyps
    choice = np.zeros(n, dtype=np.int64)
    for i in range(n, 0, -1):
        choice[i - 1] = hyp_cand[i, h]
        h = hyp_back[i, h]
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
    following = np.empty(1, dtype=np.int64)  # one word scored after a context, no allocation
    one = np.empty(1)
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
        score_words(w1, w2, cand_ids[lo:hi], lm, backoff, scores)  # P(w | w1 w2), all at once
        for c in range(lo, hi):
            w = cand_ids[c]
            following[0] = n1
            score_words(w2, w, following, lm, backoff, one)
            s = scores[c - lo] + one[0]
            if n1 != BOS:
                following[0] = n2
                score_words(w, n1, following, lm, backoff, one)
                s += one[0]
            scores[c - lo] = s * np.log(10.0) - channel_weight * np.log(10.0) * cand_cost[c]
        top = scores.max()
        denom = 0.0
        for k in range(hi - lo):
            denom += np.exp(scores[k] - top)
        out[i] = np.exp(scores[choice[i]] - top) / denom
    return out
