"""The fast paths of restoration decoding give exactly what the plain computations give.

Hash look-ups against a binary search of the sorted keys, the prefix-sharing edit distances
against the whole table computed for every syllable, the partial ranking of expansions against
a full sort, the case feature added at once against the per-word sum.
"""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.restore_model import MODEL_DIR

if not (MODEL_DIR / "meta.json").is_file():
    pytest.skip("models/restore is missing: run scripts/build_restore_model.py",
                allow_module_level=True)

from pipeline.decoder import (  # noqa: E402
    _find,
    _search,
    _top_order,
    build_index,
    channel_costs,
)
from pipeline.restore import _decoder, load_model  # noqa: E402
from pipeline.restore_model import encode_chars  # noqa: E402


@pytest.fixture(scope="module")
def model():
    return load_model()


def test_hash_index_finds_what_the_sorted_search_finds(model):
    rng = np.random.default_rng(13)
    for keys, slots in ((model.bigram_keys, model.bigram_slots),
                        (model.trigram_keys, model.trigram_slots)):
        present = keys[rng.integers(0, len(keys), 3000)]
        near = present + rng.integers(-2, 3, len(present))  # mostly absent neighbours
        for key in np.concatenate([present, near, keys[:1], keys[-1:], [0, keys[-1] + 1]]):
            assert _find(keys, slots, np.int64(key)) == _search(keys, np.int64(key))


def test_hash_index_of_a_small_table_with_collisions():
    keys = np.sort(np.unique(np.random.default_rng(5).integers(0, 1 << 40, 1000)))
    slots = build_index(keys)
    assert len(slots) >= 2 * len(keys) and (slots >= 0).sum() == len(keys)
    assert sorted(slots[slots >= 0].tolist()) == list(range(len(keys)))
    for i, key in enumerate(keys):
        assert _find(keys, slots, key) == i
        assert _find(keys, slots, np.int64(key + 1)) == _search(keys, np.int64(key + 1))


def plain_channel_costs(token: np.ndarray, model, max_len_diff: int) -> np.ndarray:
    """The whole edit-distance table of every syllable at once, in float32 like the kernel."""
    n_vocab, width = model.vocab_chars.shape
    m = len(token)
    rows = np.zeros((n_vocab, m + 1), dtype=np.float32)
    for j in range(1, m + 1):
        rows[:, j] = rows[:, j - 1] + model.ins_cost[token[j - 1]]
    out = np.full(n_vocab, np.inf, dtype=np.float32)
    lengths = model.vocab_len
    wanted = (lengths <= 20) & (np.abs(lengths - m) <= max_len_diff)
    for i in range(1, width + 1):
        s = model.vocab_chars[:, i - 1]
        cur = np.empty_like(rows)
        cur[:, 0] = rows[:, 0] + model.del_cost[s]
        for j in range(1, m + 1):
            o = token[j - 1]
            cur[:, j] = np.minimum(np.minimum(rows[:, j - 1] + model.sub_cost[s, o],
                                              rows[:, j] + model.del_cost[s]),
                                   cur[:, j - 1] + model.ins_cost[o])
        rows = cur
        done = wanted & (lengths == i)
        out[done] = rows[done, m]
    return out


@pytest.mark.parametrize("token", ["dugc", "t6", "hién", "ngh¢o", "x", "nguoi", "PhAt", "zzzzzzz"])
def test_prefix_shared_channel_costs_equal_the_plain_table(model, token):
    codes = encode_chars(token.lower(), model.char_index)
    max_len_diff = 3 if len(codes) > 3 else 2
    fast = channel_costs(codes, model.vocab_chars, model.vocab_len, model.vocab_order,
                         model.vocab_shared, model.sub_cost, model.del_cost, model.ins_cost,
                         max_len_diff)
    np.testing.assert_array_equal(fast, plain_channel_costs(codes, model, max_len_diff))
    assert np.isfinite(fast).sum() > 100  # the comparison covered real candidates


def test_partial_ranking_is_the_start_of_the_full_sort():
    rng = np.random.default_rng(7)
    for n in (60, 500, 1300):
        scores = rng.normal(-20.0, 5.0, n)
        top = _top_order(scores, n, 48)
        assert top.tolist() == np.argsort(-scores)[:48].tolist()
    tied = np.round(rng.normal(-20.0, 5.0, 500))  # ties among the best: left to the full sort
    assert len(_top_order(tied, 500, 48)) == 0


def test_case_feature_added_at_once_equals_the_sum_per_word(model):
    decoder = _decoder(model)
    words = ["ty", "le", "ho", "ngheo", "Xa", "Pa", "Vi", "<num>", "giam", "con"]
    cases = [0, 1, 1, 1, 2, 2, 2, 0, 1, 1]
    scale = 1.0 / 0.45
    start, ids, costs = decoder._candidates(words, "ocr_garbled", cases, scale)
    for i, word in enumerate(words):
        w_ids, w_costs = decoder._word_candidates(word, "ocr_garbled")
        if cases[i] and len(w_ids) > 1:
            w_costs = w_costs + scale * model.case_cost[cases[i] - 1][w_ids]
        np.testing.assert_array_equal(ids[start[i]:start[i + 1]], w_ids)
        np.testing.assert_array_equal(costs[start[i]:start[i + 1]], w_costs)
