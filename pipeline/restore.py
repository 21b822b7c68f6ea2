"""Restore Vietnamese accents and repair English-model OCR before extraction.

A noisy-channel decoder: candidate syllables per token (same letters without accents, or learned
OCR confusions), a syllable trigram language model, beam search. Each paragraph is first
classified as clean, accent-stripped or OCR-garbled; clean text is never touched, and every
changed token keeps a map back to its raw span (pipeline/spans.py reads it). Accent-stripped
text also weighs hints (pipeline/restore_hints.py): the gazetteer's places, and a second pass
with the document's own first-pass readings where the document disagrees with itself.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from pipeline import errors
from pipeline.decoder import beam_decode, channel_costs, local_confidence
from pipeline.restore_hints import Hint, disagreeing_sentences, second_pass_hints, stripped_hints
from pipeline.restore_model import (
    BOS,
    MAXLEN,
    MODEL_DIR,
    NUM,
    TRANSPARENT,
    UNK,
    RestoreModel,
    apply_case,
    canonical_syllable,
    case_in_sentence,
    encode_chars,
    load_model_from,
)
from pipeline.text import LOOKALIKE_TRANSLATION, strip_accents

MODES = ("clean", "accent_stripped", "ocr_garbled")
JUNK = "0123456789€¢&¥‘’|!$@£§"
_W = r"[^\W\d_]"
_J = r"[0-9€¢&¥‘’|$@£§]"
TOKEN_RE = re.compile(
    rf"(?P<word>{_W}(?:{_W}|{_J})*|{_J}+{_W}(?:{_W}|{_J})*|\d*[€¢¥£§]{_J}*|(?<!\S)[&@]+(?!\w))"
    r"|(?P<num>\d+(?:[.,]\d+)*)"
    r"|(?P<punct>[^\s])"
)
VOWEL_OR_JUNK = set("aeiouyw&") | set(JUNK)
# Administrative acronyms spelled with Đ, which lose it when accents are stripped or misread.
ACRONYMS_WITH_D = {
    "HDND": "HĐND", "LDTBXH": "LĐTBXH", "SLDTBXH": "SLĐTBXH", "PLDTBXH": "PLĐTBXH",
    "QD": "QĐ", "ND": "NĐ", "BCD": "BCĐ", "DBKK": "ĐBKK", "DVT": "ĐVT", "HDTV": "HĐTV",
    "TLD": "TLĐ", "LDLD": "LĐLĐ", "DTN": "ĐTN", "HDQT": "HĐQT", "LD": "LĐ",
    "BLDTBXH": "BLĐTBXH", "BGDDT": "BGDĐT", "SGDDT": "SGDĐT", "PGDDT": "PGDĐT", "GDDT": "GDĐT",
    "DBQH": "ĐBQH", "DVHC": "ĐVHC",  # then Đảng ủy, Đại hội, ngân sách địa phương, văn phòng
    "DU": "ĐU", "DH": "ĐH", "NSDP": "NSĐP", "VPDP": "VPĐP", "XDGN": "XĐGN", "LDVP": "LĐVP",
}
CAPITAL_D_AS_P = 1.5  # channel cost of reading "Đ" as "P" (rare in lowercase training pairs)
GARBLE_NEAR = 6.6  # channel cost (nats) under which a non-syllable reads as damaged Vietnamese
UNIT_RE = re.compile(r"^(?:\d{2,}|[235789])\D")
ROMAN_RE = re.compile(r"^(?:I[IlVX]+|[VX]I*|Il)$")
PARAGRAPH_RE = re.compile(r"\n[ \t]*\n")
MIN_TOKENS_FOR_OWN_MODE = 8


@dataclass
class Restoration:
    """Restored text, its dominant damage mode and the map back to the raw text."""

    text: str
    mode: str
    offsets: list[tuple[int, int, int, int]] = field(default_factory=list)
    confidence: float = 1.0


@dataclass(slots=True)
class _Token:
    start: int
    end: int
    kind: str  # word | num | punct
    text: str


@lru_cache(maxsize=1)
def load_model() -> RestoreModel:
    """The restoration model from models/restore (loaded once per process)."""
    if not model_available():
        raise errors.ModelMissing(str(MODEL_DIR))
    return load_model_from(MODEL_DIR)


def model_available(directory: Path = MODEL_DIR) -> bool:
    """True when the model files exist (tests and the flow skip restoration otherwise)."""
    return (directory / "meta.json").is_file() and (directory / "lm.npz").is_file()


def _tokens(text: str) -> list[_Token]:
    return [_Token(m.start(), m.end(), m.lastgroup or "punct", m.group(0))
            for m in TOKEN_RE.finditer(text)]


def _has_junk(word: str) -> bool:
    return any(ch in JUNK for ch in word)


def _is_code(word: str, model: RestoreModel) -> bool:
    """Acronyms and codes ("UBND", "QH14", "KH") that no restoration may touch."""
    letters = [ch for ch in word if ch.isalpha()]
    if ROMAN_RE.match(word):
        return True  # "II", "Il", "IV": heading numbers
    if UNIT_RE.match(word):
        return True  # "8m", "100ha", "5kg": a number with its unit
    if any(ch.isdigit() for ch in word):  # "QH14" is a code, "b6" / "B6" / "¢6" broken letters
        return (len(letters) >= 2 and not any(ch.islower() for ch in letters)) or len(word) > 7
    return len(letters) >= 2 and all(ch.isupper() for ch in letters) and \
        strip_accents(word.lower()) not in model.stripped


def _features(words: list[str], model: RestoreModel) -> tuple[int, float, float, float]:
    """(n, accented-valid share, garble share, Vietnamese-looking share) of word tokens."""
    return _shares(_feature_counts(words, model))


def _shares(counts: tuple[int, int, int, int]) -> tuple[int, float, float, float]:
    n, dia, garble, viet = counts
    if n == 0:
        return 0, 0.0, 0.0, 0.0
    return n, dia / n, garble / n, viet / n


def _feature_counts(words: list[str], model: RestoreModel) -> tuple[int, int, int, int]:
    """(n, accented-valid, garble, Vietnamese-looking) counts of word tokens.

    A token that is no syllable counts as garble only when a syllable lies within a few OCR
    edits of it ("dugc", "t6", "hién"); English or French words ("poverty", "prévoit") do not.
    """
    decoder = _decoder(model)
    n = dia = garble = viet = 0
    for w in words:
        kind = decoder.kinds.get(w)
        if kind is None:
            kind = decoder.kinds[w] = _token_kind(w, model, decoder)
        if kind == "skip":
            continue
        n += 1
        dia += kind == "accented"
        viet += kind in ("accented", "syllable")
        garble += kind == "garble"
    return n, dia, garble, viet


def _token_kind(w: str, model: RestoreModel, decoder: _Decoder) -> str:
    """skip (code, list letter) | accented | syllable | garble | other."""
    if _is_code(w, model):
        return "skip"  # acronym, code or heading number
    junk = _has_junk(w)
    lw = w.lower() if junk else canonical_syllable(w)
    bare = strip_accents(lw)
    if len(lw) == 1 and bare not in VOWEL_OR_JUNK:
        return "skip"  # list letter
    if not junk and lw in model.word_id:
        return "accented" if bare != lw else "syllable"
    if not junk and bare == lw and bare in model.stripped:
        return "syllable"
    if len(lw) <= MAXLEN + 1 and decoder.best_garble_cost(w) <= GARBLE_NEAR:
        return "garble"
    return "other"


def _classify(n: int, dia: float, garble: float, viet: float) -> str:
    if n == 0 or viet + garble < 0.6:
        return "clean"  # nothing to do, or not Vietnamese
    if dia >= 0.4 and garble < 0.08:
        return "clean"
    if garble >= 0.08 and viet + garble >= 0.7:
        return "ocr_garbled"
    if viet >= 0.75:
        return "accent_stripped"
    return "clean"


def detect_mode(text: str) -> str:
    """Dominant damage of a whole text: clean, accent_stripped or ocr_garbled."""
    model = load_model()
    words = [t.text for t in _tokens(unicodedata.normalize("NFC", text)) if t.kind == "word"]
    return _classify(*_features(words, model))


class _Decoder:
    """Candidate generation (cached per token type) and beam decoding for one model."""

    def __init__(self, model: RestoreModel) -> None:
        self.model = model
        self.params = model.params
        self.lm = model.lm
        self.quad = (model.quad_keys, model.quad_counts)
        self.no_quad = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
        self.garble_cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.stripped_cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.best_cost: dict[str, float] = {}
        self.kinds: dict[str, str] = {}  # token -> kind, for mode detection
        self.case_table = np.stack(model.case_cost) if len(model.case_cost[0]) else None
        self.unk_pair = (np.array([UNK], dtype=np.int64), np.zeros(1, dtype=np.float32))
        self.num_pair = (np.array([NUM], dtype=np.int64), np.zeros(1, dtype=np.float32))
        o_id = model.word_id.get("ở", NUM)
        self.num6_pair = (np.array([NUM, o_id], dtype=np.int64),
                          np.array([0.0, 1.5], dtype=np.float32))

    def stripped_candidates(self, word: str) -> tuple[np.ndarray, np.ndarray]:
        hit = self.stripped_cache.get(word)
        if hit is not None:
            return hit
        m = self.model
        lw = canonical_syllable(word)
        bare = strip_accents(lw)
        if _is_code(word, m) or _has_junk(word):
            pair = self.unk_pair
        elif lw != bare:  # already accented: keep it
            wid = m.word_id.get(lw, UNK)
            pair = (np.array([wid], dtype=np.int64), np.zeros(1, dtype=np.float32))
        else:
            ids = m.stripped.get(bare)
            if ids is None:
                pair = self.unk_pair
            else:
                ids = ids[: self.params["max_candidates"]].astype(np.int64)
                pair = (ids, np.zeros(len(ids), dtype=np.float32))
        self.stripped_cache[word] = pair
        return pair

    def garble_candidates(self, word: str, loose: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Candidates by OCR channel cost; `loose`: a lone letter inside a sentence ("b tri")."""
        key = word + "\t" if loose else word  # case matters: "ND" is a code, "nd" a word
        lw = unicodedata.normalize("NFC", word).lower()
        hit = self.garble_cache.get(key)
        if hit is not None:
            return hit
        m = self.model
        if _is_code(word, m) or (len(lw) == 1 and not loose
                                 and strip_accents(lw) not in VOWEL_OR_JUNK):
            pair = self.unk_pair  # codes, and list letters "b", "đ" with nothing to read
            self.best_cost.setdefault(key, float("inf"))
        elif set(lw) <= set("&@¢") and "ở" in m.word_id:
            # a lone "&", "@" or "¢" is how the English model reads "ở"
            pair = (np.array([m.word_id["ở"], UNK], dtype=np.int64),
                    np.array([0.5, self.params["unk_cost"]], dtype=np.float32))
            self.best_cost[key] = 0.5
        else:
            costs = self._costs(lw)
            if word[:1] == "P" and len(lw) > 1:  # the English model reads a capital Đ as P
                costs = np.minimum(costs, self._costs("đ" + lw[1:]) + CAPITAL_D_AS_P)
            k = int(self.params["max_candidates"])
            order = np.argpartition(costs, k)[:k] if len(costs) > k else np.arange(len(costs))
            order = order[np.argsort(costs[order], kind="stable")]
            best = float(costs[order[0]])
            order = order[costs[order] <= best + float(self.params["cost_margin"])]
            order = order[np.isfinite(costs[order])]
            ids = np.concatenate([order.astype(np.int64), [UNK]])
            unk = float(self.params["unk_cost"])
            if not any(ch.isalpha() for ch in lw) or lw == "&":
                unk += 6.0  # junk alone is a broken letter, not a foreign word
            cost = np.concatenate([costs[order], [unk]]).astype(np.float32)
            pair = (ids, cost)
            self.best_cost[key] = best
        self.garble_cache[key] = pair
        return pair

    def best_garble_cost(self, word: str) -> float:
        """Channel cost of the syllable the OCR most likely damaged into `word`."""
        self.garble_candidates(word)
        return self.best_cost[word]

    def _costs(self, lw: str) -> np.ndarray:
        m = self.model
        codes = encode_chars(lw, m.char_index)
        return channel_costs(codes, m.vocab_chars, m.vocab_len, m.vocab_order, m.vocab_shared,
                             m.sub_cost, m.del_cost, m.ins_cost, 3 if len(codes) > 3 else 2)

    def _word_candidates(self, w: str, mode: str) -> tuple[np.ndarray, np.ndarray]:
        if w == "<num>":
            return self.num_pair
        if w == "<num6>":
            return self.num6_pair
        if w.startswith("<loose>"):
            return self.garble_candidates(w[7:], loose=True)
        if mode == "ocr_garbled":
            return self.garble_candidates(w)
        return self.stripped_candidates(w)

    def _candidates(self, words: list[str], mode: str, cases: list[int] | None,
                    case_scale: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(where each word's candidates start, their ids, their costs), the case feature of
        words with a choice added to all at once: numpy per word cost more than the search."""
        pairs = [self._word_candidates(w, mode) for w in words]
        lengths = np.array([len(ids) for ids, _ in pairs], dtype=np.int64)
        cand_start = np.zeros(len(words) + 1, dtype=np.int64)
        np.cumsum(lengths, out=cand_start[1:])
        cand_ids = np.concatenate([ids for ids, _ in pairs]).astype(np.int64)
        cand_cost = np.concatenate([costs for _, costs in pairs]).astype(np.float32)
        if cases is not None:
            word_case = np.where(lengths > 1, np.array(cases, dtype=np.int64), 0)
            cand_case = np.repeat(word_case, lengths)
            hit = np.flatnonzero(cand_case)
            cand_cost[hit] = cand_cost[hit] + case_scale * self.case_table[cand_case[hit] - 1,
                                                                           cand_ids[hit]]
        return cand_start, cand_ids, cand_cost

    def decode(self, words: list[tuple[str, bool]], mode: str, cases: list[int] | None = None,
               hints: dict[int, Hint] | None = None) -> tuple[list[int], list[float]]:
        """Chosen vocabulary id per word (UNK keeps the source) and a confidence for each.

        `cases`: per word, 1 when written in lower case inside a sentence, 2 in Title case,
        0 otherwise; the case then weighs for the syllables usually written that way.
        `hints`: per position, the ids preferred there (restore_hints); the others cost more.
        """
        if not words:
            return [], []
        ocr = mode == "ocr_garbled"
        cw = float(self.params["channel_weight"]) if ocr else 1.0
        case_weight = float(self.params["case_weight"])
        use_case = case_weight > 0 and cases is not None and len(self.model.case_cost[0]) > 0
        cand_start, cand_ids, cand_cost = self._candidates(
            [w for w, _ in words], mode, cases if use_case else None, case_weight / cw)
        boundary = np.array([bnd for _, bnd in words], dtype=np.bool_)
        if hints:
            self._apply_hints(hints, cand_start, cand_ids, cand_cost, cw)
        if not ocr and not use_case and not hints:
            cw = 0.0  # accent-stripped candidates carry no channel cost
        lm = self.lm
        backoff = float(self.params["backoff_ocr" if mode == "ocr_garbled" else "backoff"])
        quad = self.quad if self.params["order"] >= 4 else self.no_quad
        quad = (quad[0], quad[1], float(self.params["quad_backoff"]))
        beam = int(self.params["beam_ocr" if mode == "ocr_garbled" else "beam"])
        choice = beam_decode(cand_start, cand_ids, cand_cost, boundary, lm, quad, backoff, cw,
                             beam)
        conf = local_confidence(cand_start, cand_ids, cand_cost, boundary, choice, lm, backoff,
                                cw)
        return cand_ids[cand_start[:-1] + choice].tolist(), conf.tolist()

    @staticmethod
    def _apply_hints(hints: dict[int, Hint], cand_start: np.ndarray, cand_ids: np.ndarray,
                     cand_cost: np.ndarray, cw: float) -> None:
        """Each hinted position's candidates cost the hint's extra (log10 units), when the hint
        names one of them at least."""
        for pos, (ids, costs, other) in hints.items():
            lo, hi = cand_start[pos], cand_start[pos + 1]
            if hi - lo <= 1:
                continue
            here = cand_ids[lo:hi]
            at = np.minimum(np.searchsorted(ids, here), len(ids) - 1)
            named = ids[at] == here
            if named.any():
                cand_cost[lo:hi] += np.where(named, costs[at], other) / cw


_DECODERS: dict[int, tuple[RestoreModel, _Decoder]] = {}
# Entries cached per decoder before its caches start over: garbled OCR brings endless new words
# and a watcher runs for weeks. Measured ~2.8 KB an entry (80 candidates of garbled words), so
# at most ~110 MB; a plan has a few thousand distinct words, so the caches still serve it whole.
MAX_CACHED_WORDS = 40_000


def _decoder(model: RestoreModel) -> _Decoder:
    """One decoder (and its candidate caches, bounded) per loaded model."""
    hit = _DECODERS.get(id(model))
    if hit is None or hit[0] is not model:
        hit = (model, _Decoder(model))
        _DECODERS[id(model)] = hit
    decoder = hit[1]
    caches = (decoder.garble_cache, decoder.stripped_cache, decoder.best_cost, decoder.kinds)
    if sum(len(c) for c in caches) > MAX_CACHED_WORDS:
        for cache in caches:
            cache.clear()
    return decoder


def _fits(word: str, model: RestoreModel) -> bool:
    return strip_accents(word.lower().translate(LOOKALIKE_TRANSLATION)) in model.stripped


def _merge_fragments(tokens: list[_Token], text: str, model: RestoreModel) -> list[_Token]:
    """Join words the OCR or the typist split ("g iam" -> "giam") when only the join fits."""
    out: list[_Token] = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if i + 1 < len(tokens) and t.kind == "word" and tokens[i + 1].kind == "word":
            nxt = tokens[i + 1]
            gap = text[t.end: nxt.start]
            joined = t.text + nxt.text
            # the cheap length tests first: almost no pair of words passes them
            if (gap == " " and len(joined) <= 8 and min(len(t.text), len(nxt.text)) <= 2
                    and not _is_code(t.text, model) and not _is_code(nxt.text, model)
                    and (not _fits(t.text, model) or not _fits(nxt.text, model))
                    and _fits(joined, model)):
                out.append(_Token(t.start, nxt.end, "word", joined))
                i += 2
                continue
        out.append(t)
        i += 1
    return out


def _between_words(tokens: list[_Token], k: int, text: str) -> bool:
    """True when token k stands alone between words (or at a line edge next to one)."""
    prev_ok = k == 0 or (tokens[k - 1].kind == "word"
                         and text[tokens[k - 1].end: tokens[k].start] in (" ", "\n"))
    next_ok = k == len(tokens) - 1 or (tokens[k + 1].kind == "word"
                                       and text[tokens[k].end: tokens[k + 1].start] in (" ", "\n"))
    has_word = (k > 0 and tokens[k - 1].kind == "word") or (
        k < len(tokens) - 1 and tokens[k + 1].kind == "word")
    return prev_ok and next_ok and has_word


LETTER_NOUNS = {"diem", "muc", "tiet", "khoan", "phan", "nhom", "loai", "so", "va", "hoac"}


def _names_a_letter(tokens: list[_Token], k: int) -> bool:
    """True for "điểm b khoản 1": a letter that labels a list item, not a broken syllable."""
    def bare(j: int) -> str:
        if 0 <= j < len(tokens) and tokens[j].kind == "word":
            return strip_accents(tokens[j].text.lower().translate(LOOKALIKE_TRANSLATION))
        return ""
    return bare(k - 1) in LETTER_NOUNS or bare(k + 1) in LETTER_NOUNS


def _case_inside_sentence(tokens: list[_Token], k: int, text: str) -> int:
    """restore_model.case_in_sentence for token k: the rule the build counted case with."""
    after_word = k > 0 and tokens[k].kind == "word" and tokens[k - 1].kind == "word"
    gap = text[tokens[k - 1].end: tokens[k].start] if k else ""
    return case_in_sentence(tokens[k].text, after_word, gap)


def _in_document_code(tokens: list[_Token], k: int) -> bool:
    """An upper-case word glued by "/" or "-" to what comes before ("2209-KL/TU", "45/KH-UBND"):
    part of a document number, never a syllable to restore ("TU" is not "từ")."""
    t = tokens[k]
    if t.kind != "word" or not t.text.isupper() or k < 2:
        return False
    sep, prev = tokens[k - 1], tokens[k - 2]
    return sep.text in "/-" and sep.end == t.start and prev.end == sep.start


def _fixed_reading(tokens: list[_Token], k: int, text: str) -> str | None:
    """Words with one reading whatever the n-grams say: "Số:" opening a document number, and
    "đ" (đồng) written after an amount ("42.600.000đ/người", "15 tr.đ")."""
    t = tokens[k]
    nxt = tokens[k + 1] if k + 1 < len(tokens) else None
    if t.text.lower() == "so" and nxt is not None and nxt.text == ":" and nxt.start == t.end:
        return apply_case(t.text, "số")
    if t.text != "d" or k == 0:
        return None
    prev = tokens[k - 1]
    ends_phrase = nxt is None or nxt.kind != "word" or text[t.end: nxt.start] != " "
    after_amount = prev.kind == "num" and text[prev.end: t.start] in ("", " ") and ends_phrase
    after_million = (prev.text == "." and prev.end == t.start and k >= 2
                     and tokens[k - 2].text.lower() == "tr" and tokens[k - 2].end == prev.start)
    return "đ" if after_amount or after_million else None


@dataclass
class _Paragraph:
    """One paragraph to restore: its tokens, what the decoder reads and what it chose."""

    tokens: list[_Token]
    mode: str
    words: list[tuple[str, bool]]  # decoder token, sentence boundary before it
    cases: list[int]
    hints: dict[int, Hint]
    chosen: list[int] = field(default_factory=list)
    conf: list[float] = field(default_factory=list)


def _read_paragraph(text: str, tokens: list[_Token], mode: str, model: RestoreModel) -> _Paragraph:
    """Decode one paragraph's tokens (its place names hinted by the gazetteer)."""
    tokens = _merge_fragments(tokens, text, model)
    words: list[tuple[str, bool]] = []
    texts: list[str] = []  # each word as written, for the hints
    cases: list[int] = []
    pending_boundary = False
    for k, t in enumerate(tokens):
        if t.kind == "punct":
            pending_boundary = pending_boundary or t.text not in TRANSPARENT  # as in the counts
            continue
        cases.append(_case_inside_sentence(tokens, k, text))
        word = t.text
        if t.kind == "num":
            word = "<num>"
            if mode == "ocr_garbled" and t.text in ("6", "0") and _between_words(tokens, k, text):
                word = "<num6>"  # the English model reads "ở" as a lone 6
        elif (mode == "ocr_garbled" and len(word) == 1 and word.isalpha()
              and word.islower() and k < len(tokens) - 1 and tokens[k + 1].kind == "word"
              and text[t.end: tokens[k + 1].start] == " "
              and (k == 0 or tokens[k - 1].text != "(")
              and not _names_a_letter(tokens, k)):
            word = "<loose>" + word  # a syllable whose vowel the OCR lost ("b tri")
        words.append((word, pending_boundary))
        texts.append(t.text)
        pending_boundary = False
    hints = stripped_hints(texts, [b for _, b in words], model) if mode == "accent_stripped" else {}
    para = _Paragraph(tokens, mode, words, cases, hints)
    para.chosen, para.conf = _decoder(model).decode(words, mode, cases, hints)
    return para


def _agree_with_document(paragraphs: list[_Paragraph], model: RestoreModel) -> None:
    """Decode again, with the document's cache of its own first-pass bigrams, the accent-
    stripped sentences that restored some stripped bigram unlike the rest of the document, or
    a word the first pass was unsure of unlike the document's other places."""
    stripped = [p for p in paragraphs if p.mode == "accent_stripped"]
    weight = float(model.params["cache_weight"])
    if not stripped or weight <= 0:
        return
    first = [([w for w, _ in p.words], [b for _, b in p.words], p.chosen, p.conf) for p in stripped]
    for para, (_, bounds, _, _), hints in zip(stripped, first,
                                              second_pass_hints(first, model.params), strict=True):
        for start, end in disagreeing_sentences(hints, bounds, para.chosen):
            span = {k - start: h for k, h in (hints | para.hints).items() if start <= k < end}
            chosen, conf = _decoder(model).decode(para.words[start:end], para.mode,
                                                  para.cases[start:end], span)
            para.chosen[start:end], para.conf[start:end] = chosen, conf


def _emit_paragraph(text: str, para: _Paragraph, model: RestoreModel,
                    pieces: list[tuple[int, int, str, float]]) -> None:
    """Append (start, end, replacement, confidence) of the paragraph's changed tokens."""
    tokens = para.tokens
    kept = [k for k, t in enumerate(tokens) if t.kind != "punct"]
    for k, wid, c in zip(kept, para.chosen, para.conf, strict=True):
        t = tokens[k]
        fixed = _fixed_reading(tokens, k, text)
        if fixed is not None:
            if fixed != t.text:
                pieces.append((t.start, t.end, fixed, 1.0))
            continue
        is_code = _in_document_code(tokens, k)
        if (wid == UNK or is_code) and t.text in ACRONYMS_WITH_D and t.text != ACRONYMS_WITH_D[t.text]:
            pieces.append((t.start, t.end, ACRONYMS_WITH_D[t.text], 1.0))
            continue
        if wid in (UNK, BOS, NUM) or is_code:
            continue
        new = apply_case(t.text, model.vocab[wid])
        if new != t.text:
            pieces.append((t.start, t.end, new, c))


def _list_letter_d(text: str, groups: list[list[_Token]]) -> list[tuple[int, int, str, float]]:
    """Items "a) b) c) d) đ)": a "d)" that follows a "d)" item lost its stroke ("đ)")."""
    out = []
    last = ""
    for group in groups:
        for k, t in enumerate(group):
            if (t.kind != "word" or len(t.text) != 1 or k + 1 >= len(group)
                    or group[k + 1].text != ")" or text[:t.start].rstrip(" \t")[-1:] not in ("", "\n")):
                continue
            letter = t.text.lower()
            if letter == "d" and last == "d":
                out.append((t.start, t.end, "đ" if t.text == "d" else "Đ", 1.0))
                letter = "đ"
            last = letter
    return out


def _paragraph_spans(raw: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for m in PARAGRAPH_RE.finditer(raw):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, len(raw)))
    return spans


def _nfc_with_positions(raw: str) -> tuple[str, list[int] | None]:
    """NFC text and, when that changed it, the raw position of every NFC position."""
    norm = unicodedata.normalize("NFC", raw)
    if norm == raw:
        return raw, None
    parts: list[str] = []
    raw_pos: list[int] = []
    start = 0
    for i in range(1, len(raw) + 1):
        if i == len(raw) or not unicodedata.combining(raw[i]):
            cluster = unicodedata.normalize("NFC", raw[start:i])
            parts.append(cluster)
            raw_pos.extend([start] * len(cluster))
            start = i
    raw_pos.append(len(raw))
    return "".join(parts), raw_pos


def restore_text(raw: str, model: RestoreModel | None = None) -> Restoration:
    """Restore accents / repair OCR paragraph by paragraph; clean paragraphs stay as they are."""
    model = model or load_model()
    if not raw.strip():
        return Restoration(raw, "clean", [], 1.0)
    norm, raw_pos = _nfc_with_positions(raw)
    tokens = _tokens(norm)
    groups: list[list[_Token]] = []
    k = 0
    for _start, end in _paragraph_spans(norm):
        group = []
        while k < len(tokens) and tokens[k].start < end:
            group.append(tokens[k])
            k += 1
        groups.append(group)
    counts = [_feature_counts([t.text for t in g if t.kind == "word"], model) for g in groups]
    doc_mode = _classify(*_shares(tuple(map(sum, zip(*counts, strict=True)))))
    pieces: list[tuple[int, int, str, float]] = []
    restored_groups: list[list[_Token]] = []
    paragraphs: list[_Paragraph] = []
    mode_weight = {m: 0 for m in MODES}
    for group, count in zip(groups, counts, strict=True):
        n, dia, garble, viet = _shares(count)
        mode = _classify(n, dia, garble, viet)
        if n < MIN_TOKENS_FOR_OWN_MODE and mode != doc_mode and viet + garble >= 0.6:
            if not (mode == "clean" and dia >= 0.4 and garble == 0):
                mode = doc_mode
        if doc_mode == "ocr_garbled" and viet + garble >= 0.6:
            mode = doc_mode  # the OCR decoder also reads stripped and intact words
        mode_weight[mode] += n
        if mode != "clean":
            paragraphs.append(_read_paragraph(norm, group, mode, model))
            restored_groups.append(group)
    _agree_with_document(paragraphs, model)
    for para in paragraphs:
        _emit_paragraph(norm, para, model, pieces)
    pieces.extend(_list_letter_d(norm, restored_groups))
    pieces.sort()
    if not pieces:
        dominant = max(MODES, key=lambda m: (mode_weight[m], m == "clean"))
        return Restoration(raw, dominant, [], 1.0)
    out, offsets, pos, shift = [], [], 0, 0
    if raw_pos is not None:  # decomposed input: positions back on the raw text
        pieces = [(raw_pos[a], raw_pos[b], new, c) for a, b, new, c in pieces]
    for r_start, r_end, new, _ in pieces:
        if r_start < pos:
            continue  # never overlap an earlier change
        out.append(raw[pos:r_start])
        t_start = r_start + shift
        out.append(new)
        offsets.append((t_start, t_start + len(new), r_start, r_end))
        shift += len(new) - (r_end - r_start)
        pos = r_end
    out.append(raw[pos:])
    dominant = max(MODES, key=lambda m: (mode_weight[m], m == "clean"))
    confidence = float(np.mean([p[3] for p in pieces]))
    return Restoration("".join(out), dominant, offsets, round(confidence, 4))
