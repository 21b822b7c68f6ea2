"""Restoration hints: the gazetteer's spelling of a place after its level word, and a document
that restores a recurring stripped phrase the same way everywhere (its own cache)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.restore_model import MODEL_DIR, load_model_from
from pipeline.text import strip_accents

REPO = Path(__file__).resolve().parents[1]

if not (MODEL_DIR / "meta.json").is_file():
    pytest.skip("models/restore is missing: run scripts/build_restore_model.py",
                allow_module_level=True)

from pipeline.restore import load_model, restore_text  # noqa: E402
from pipeline.restore_hints import (  # noqa: E402
    agreement_hints,
    disagreeing_sentences,
    name_hints,
    place_hints,
    unsure_word_hints,
)

# A made-up plan of a made-up village whose name recurs.
PLAN = """KẾ HOẠCH
Giảm nghèo bền vững thôn Bản Lầu năm 2025

Ban phát triển thôn Bản Lầu do ông Hoàng Văn Kiên làm trưởng ban.

Ông Hoàng Văn Kiên chủ trì rà soát hộ nghèo, hộ cận nghèo của thôn Bản Lầu.

Hằng tháng, ông Kiên báo cáo Ủy ban nhân dân xã kết quả thực hiện.

Chi hội Phụ nữ thôn Bản Lầu phối hợp với ông Kiên vận động các hộ tham gia mô hình nuôi dê.
"""


@pytest.fixture(scope="module")
def model():
    return load_model()


def _preferred(hint, model) -> set[str]:
    ids, costs, other = hint
    return {model.vocab[i] for i, c in zip(ids, costs, strict=True) if c < other}


def test_place_after_level_word_prefers_the_gazetteer(model):
    words = "Uy ban nhan dan xa Pa Vi ban hanh ke hoach".split()
    hints = place_hints(words, [False] * len(words), model.word_id, 3.0)
    assert sorted(hints) == [4, 5, 6]
    assert [_preferred(hints[k], model) for k in (4, 5, 6)] == [{"xã"}, {"pả"}, {"vi"}]


def test_no_place_hint_without_a_capitalised_name_or_across_a_sentence(model):
    lower = "o xa ha noi".split()
    assert place_hints(lower, [False] * 4, model.word_id, 3.0) == {}
    split = "ve xa . Pa Vi".replace(" .", "").split()  # "về xã. Pả Vi": a boundary before Pa
    assert place_hints(split, [False, False, True, False], model.word_id, 3.0) == {}


def test_level_word_and_name_restored_together(model):
    out = restore_text("UBND xa Pa Vi va huyen Ba To bao cao ket qua giam ngheo.").text
    assert "xã Pả Vi" in out and "huyện Ba Tơ" in out


def test_highland_names_are_in_the_inventory(model):
    """Unit names without the shape of a Kinh syllable ("Krông", "Đắk") are candidates: the
    place hint can only prefer a spelling the vocabulary holds."""
    out = restore_text("Uy ban nhan dan huyen Krong Pa va tinh Dak Lak bao cao ket qua.").text
    assert "huyện Krông Pa" in out and "tỉnh Đắk Lắk" in out


def test_name_inside_a_title_case_pair_prefers_the_corpora_names(model):
    """After a Title-case "Văn" (a middle name) the corpora write "Thuận", not "Thuấn"; lower
    case words and a pair across a sentence get no name hint."""
    words = "Chu tri cuoc hop ong Ly Van Thuan".split()
    bounds = [False] * len(words)
    hints = name_hints(words, bounds, model.names, 1.0)
    assert 7 in hints and "thuận" in _preferred(hints[7], model)
    ids, costs, other = hints[7]
    cost = dict(zip(ids.tolist(), costs.tolist(), strict=True))
    assert cost[model.word_id["thuận"]] < cost.get(model.word_id["thuấn"], other)
    assert name_hints("ong ly van thuan".split(), [False] * 4, model.names, 1.0) == {}
    assert 7 not in name_hints(words, bounds[:7] + [True], model.names, 1.0)


def test_agreement_prefers_the_documents_usual_reading(model):
    """Three confident "Bản Lầu" and one doubtful "Bản Lẩu": only the doubtful sentence is
    decoded again, and there the usual reading costs nothing while the other costs more."""
    ban, lau, lau_wrong = (model.word_id[w] for w in ("bản", "lầu", "lẩu"))
    words = ["thon", "Ban", "Lau", "giam", "ngheo"]
    bounds = [False, False, False, True, False]  # "thôn Bản Lầu. Giảm nghèo"
    good = (words, bounds, [0, ban, lau, 0, 0], [1.0, 0.9, 0.9, 1.0, 1.0])
    doubtful = (words, bounds, [0, ban, lau_wrong, 0, 0], [1.0, 0.9, 0.4, 1.0, 1.0])
    paragraphs = [good, good, doubtful, good]
    hints = agreement_hints(paragraphs, weight=2.0)
    again = [disagreeing_sentences(h, p[1], p[2]) for h, p in zip(hints, paragraphs, strict=True)]
    assert again == [[], [], [(0, 3)], []]
    ids, costs, other = hints[2][2]
    cost = dict(zip(ids.tolist(), costs.tolist(), strict=True))
    assert cost[lau] == 0.0 < cost.get(lau_wrong, other)
    assert 3 not in hints[2] and 4 not in hints[2]  # read alike everywhere: no hint


def test_recurring_name_restored_the_same_everywhere(model, monkeypatch):
    # the corpora's names know "Bản Lầu" (a commune of Lào Cai): without them, as for a village
    # they do not name, the first pass disagrees with itself and the cache alone must fix it
    monkeypatch.setitem(model.params, "name_weight", 0.0)
    stripped = strip_accents(PLAN)
    found = re.compile(r"thôn (Bản \w+)")
    with_cache = found.findall(restore_text(stripped, model=model).text)
    assert with_cache == ["Bản Lầu"] * 4
    monkeypatch.setitem(model.params, "cache_weight", 0.0)
    without = found.findall(restore_text(stripped, model=model).text)
    assert len(without) == 4 and len(set(without)) > 1  # the first pass alone disagrees


def test_names_of_the_corpora_make_the_first_pass_agree(model, monkeypatch):
    monkeypatch.setitem(model.params, "cache_weight", 0.0)
    found = re.findall(r"thôn (Bản \w+)", restore_text(strip_accents(PLAN), model=model).text)
    assert found == ["Bản Lầu"] * 4


def test_clean_text_is_untouched_by_the_hints(model):
    assert restore_text(PLAN, model=model).text == PLAN


def test_unsure_word_prefers_the_documents_other_readings(model):
    """"ho" read "hộ" with confidence twice and "họ" once without it: only the unsure one gets
    a hint, where "hộ" costs nothing; a confident reading, and a word read alike everywhere,
    get none."""
    ho_household, ho_they = model.word_id["hộ"], model.word_id["họ"]
    words, bounds = ["ho", "ngheo"], [False, False]
    confident = (words, bounds, [ho_household, 9], [0.95, 0.99])
    unsure = (words, bounds, [ho_they, 9], [0.4, 0.5])
    hints = unsure_word_hints([confident, confident, unsure], weight=2.0, limit=0.6)
    assert hints[0] == hints[1] == {}
    assert list(hints[2]) == [0]  # "ngheo" was read alike everywhere
    ids, costs, other = hints[2][0]
    cost = dict(zip(ids.tolist(), costs.tolist(), strict=True))
    assert cost[ho_household] == 0.0 < cost.get(ho_they, other)
    assert unsure_word_hints([confident, unsure], weight=2.0, limit=0.3) == [{}, {}]
    assert unsure_word_hints([confident, unsure], weight=0.0, limit=0.6) == [{}, {}]


def test_held_out_plan_reads_its_unsure_words_as_elsewhere(model, monkeypatch):
    """A plan of the project's own against livestock disease (data/lm) held out of the domain
    counts, as `--dev-own` measures it: the document's readings of its unsure words ("lợn",
    "hộ") leave fewer syllables wrong."""
    import sys

    sys.path.insert(0, str(REPO / "scripts"))
    sys.path.insert(0, str(REPO / "bench"))
    import build_restore_model as build
    from bench_restore import accuracy

    own = build.own_texts()
    name = "kh-huyen-phong-chong-dich-benh-gia-suc-54.txt"
    text = dict(own)[name]
    others = [t for n, t in own if n != name]
    held_out = load_model_from(MODEL_DIR, domain=build.domain_tables(others, model.vocab))
    stripped = strip_accents(text)
    with_hints = accuracy(text, restore_text(stripped, model=held_out).text)
    monkeypatch.setitem(held_out.params, "unsure_weight", 0.0)
    without = accuracy(text, restore_text(stripped, model=held_out).text)
    assert with_hints[1] == without[1] and with_hints[0] > without[0]
