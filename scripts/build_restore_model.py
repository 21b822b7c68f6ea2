"""Build models/restore/: syllable vocabulary, trigram counts, Title-case name pairs and OCR
confusion costs.

The vocabulary also holds every syllable of the gazetteer's unit names (pipeline/places.py).
Reads ../shared/corpora (legal texts, Wikipedia, dictionary) and the domain texts (clean plans of
../shared/plans, data/samples except "-blind-" files, the genre documents of data/lm, and the real
document beginnings and target lines of ../shared/real, all with the same weight; n-gram and case
counts), and learns per-character OCR confusions from
synthetic pages typeset from corpus text, scanned and read by `tesseract -l eng`.
Reproducible: fixed seeds, sorted iteration. Run:
    .venv/bin/python scripts/build_restore_model.py [--pages 50] [--work /tmp/restore_build]
"""

from __future__ import annotations

import argparse
import json
import lzma
import os
import random
import re
import subprocess
import sys
import textwrap
import unicodedata
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from real_split import BLIND_DOCUMENTS, SEEN_DOCUMENTS, SPLIT_LINES  # noqa: E402

from pipeline.restore_model import (  # noqa: E402
    BOS,
    N_SPECIAL,
    NUM,
    TRANSPARENT,
    UNK,
    canonical_syllable,
    case_in_sentence,
    is_syllable_shape,
    save_arrays,
)
from pipeline.text import LOOKALIKE_LETTERS, strip_accents  # noqa: E402

SHARED = REPO / ".." / "shared"
CORPORA = SHARED / "corpora"
PLANS = SHARED / "plans"
REAL = SHARED / "real"  # real public documents; the bench measures them leave-one-source-out
SAMPLES = REPO / "data" / "samples"  # plans written for the project; "-blind-" ones stay unseen
LM_TEXTS = REPO / "data" / "lm"  # genre text written for the project, training text only
OUT = REPO / "models" / "restore"
FONT = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf")

LEGAL_WEIGHT = 2  # legal text is closer to plans than Wikipedia
DOMAIN_WEIGHT = 150.0  # clean plans and genre text, weighted up at load time (chosen on --dev-own)
MIN_SYLLABLE_COUNT = 3
VOWEL_PRIOR = 0.5  # prior weight of one vowel read as another (vs 50 for a correct read)
PRIOR_FLOOR = float(os.environ.get("RESTORE_PRIOR_FLOOR", "0.05"))
SMOOTHING = 4.0  # pseudo-count of the prior in the confusion estimates
MIN_TRIGRAM = 2  # weighted count; legal text counts 2, so a legal trigram seen once stays
DEV_EVERY = 25  # every 25th law of vlc2022 (sorted) is held out for tuning
# punctuation in TRANSPARENT does not end the n-gram context (chosen on the tuning laws)
TOKEN_RE = re.compile(r"[^\W\d_]+|\d+(?:[.,]\d+)*|[^\s" + re.escape(TRANSPARENT) + "]")


def dev_laws() -> list[Path]:
    """Laws held out of the counts (tuning set of the benchmark)."""
    files = sorted((CORPORA / "vlc2022").glob("*.txt.xz"))
    return files[::DEV_EVERY]


def iter_corpus_lines() -> list[tuple[str, int]]:
    """(line, weight) of every training line, in a fixed order; vlc lines seen in vlc2022 or
    in a held-out law are dropped (the two legal corpora overlap heavily)."""
    held = set(dev_laws())
    out: list[tuple[str, int]] = []
    seen: set[str] = set()
    for path in sorted((CORPORA / "vlc2022").glob("*.txt.xz")):
        with lzma.open(path, "rt", encoding="utf-8") as fh:
            lines = [unicodedata.normalize("NFC", ln).strip() for ln in fh]
        seen.update(lines)
        if path not in held:
            out.extend((line, LEGAL_WEIGHT) for line in lines)
    for path in sorted((CORPORA / "vlc").glob("*.txt.xz")):
        with lzma.open(path, "rt", encoding="utf-8") as fh:
            for ln in fh:
                line = unicodedata.normalize("NFC", ln).strip()
                if line and line not in seen:
                    seen.add(line)
                    out.append((line, LEGAL_WEIGHT))
    with lzma.open(CORPORA / "viwiki" / "viwiki.txt.xz", "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("=="):
                continue
            out.append((line, 1))
    return out


def tokens_of(line: str) -> list[str]:
    """Lowercase canonical tokens; numbers as '<num>', punctuation as '<s>'."""
    out = []
    for tok in TOKEN_RE.findall(unicodedata.normalize("NFC", line)):
        ch = tok[0]
        if ch.isalpha():
            out.append(canonical_syllable(tok))
        elif ch.isdigit():
            out.append("<num>")
        else:
            out.append("<s>")
    return out


def case_ids(line: str, word_id: dict[str, int]) -> tuple[list[int], list[int]]:
    """Vocabulary ids of the syllables written in lower case / Title case right after another
    word of the same sentence (restore_model.case_in_sentence, the rule restore.py applies)."""
    found: tuple[list[int], list[int]] = ([], [])
    prev_word = False
    prev_end = 0
    for m in TOKEN_RE.finditer(line):
        tok = m.group(0)
        is_word = tok[0].isalpha()
        case = case_in_sentence(tok, is_word and prev_word, line[prev_end: m.start()])
        wid = word_id.get(canonical_syllable(tok)) if case else None
        if wid is not None:
            found[case - 1].append(wid)
        prev_word = is_word
        prev_end = m.end()
    return found


def case_tables(lines: list[tuple[str, float]], vocab: list[str]) -> dict[str, np.ndarray]:
    """Weighted counts of each syllable seen in lower case / Title case inside a sentence."""
    word_id = {w: i for i, w in enumerate(vocab) if i >= N_SPECIAL}
    lower: list[int] = []
    lower_w: list[float] = []
    title: list[int] = []
    title_w: list[float] = []
    for line, weight in lines:
        lo, ti = case_ids(unicodedata.normalize("NFC", line), word_id)
        lower.extend(lo)
        lower_w.extend([weight] * len(lo))
        title.extend(ti)
        title_w.extend([weight] * len(ti))
    return {
        "case_lower": np.bincount(np.array(lower, dtype=np.int64), weights=np.array(lower_w),
                                  minlength=len(vocab)),
        "case_title": np.bincount(np.array(title, dtype=np.int64), weights=np.array(title_w),
                                  minlength=len(vocab)),
    }


def accents_intact(text: str) -> bool:
    """True when most words carry valid Vietnamese accents (not stripped, not OCR-garbled)."""
    words = re.findall(r"[^\W\d_]+", unicodedata.normalize("NFC", text))
    accented = [w for w in words if strip_accents(w) != w]
    valid = [w for w in accented if is_syllable_shape(canonical_syllable(w))]
    return bool(words) and len(valid) / len(words) >= 0.45


def _clean_texts(folder: Path) -> list[tuple[str, str]]:
    """(name, text) of a folder's .txt files whose accents are intact, minus "-blind-" ones."""
    out = []
    for path in sorted(folder.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        if "-blind-" not in path.name and accents_intact(text):
            out.append((path.name, text))
    return out


def clean_plan_texts() -> list[tuple[str, str]]:
    """The shared sample plans whose accents are intact (measured by the bench)."""
    return _clean_texts(PLANS)


def extra_plan_texts() -> list[tuple[str, str]]:
    """The project's plans in data/samples, minus the "-blind-" ones."""
    return _clean_texts(SAMPLES)


def genre_texts() -> list[tuple[str, str]]:
    """The administrative documents of the genre written for the project in data/lm."""
    return _clean_texts(LM_TEXTS)


def own_texts() -> list[tuple[str, str]]:
    """The project's own clean texts: data/samples (no "-blind-") and data/lm."""
    return extra_plan_texts() + genre_texts()


@dataclass(frozen=True)
class RealText:
    """One real text of ../shared/real as the pipeline reads it, and the address it came from."""

    source: str  # the page it was taken from: texts of one page are held out together
    name: str  # file name, or "line N" of target_sentences.txt
    text: str


def real_texts() -> list[RealText]:
    """The real document beginnings and target lines known at the split (bench/real_split.py)
    whose accents are intact, in a fixed order; none when ../shared/real is absent. Material
    added later stays out, so the model does not change with it and it stays blind. Read through
    pipeline.ingest.decode_text, as every page is before restoration."""
    from pipeline.ingest import decode_text

    gold_path = REAL / "gold.json"
    if not gold_path.is_file():
        return []
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    out = []
    for path in sorted(REAL.glob("*.txt")):
        if path.name in SEEN_DOCUMENTS | BLIND_DOCUMENTS:
            out.append(RealText(gold["urls"].get(path.name) or path.name, path.name,
                                decode_text(path.read_bytes())))
    lines = (REAL / "target_sentences.txt").read_text(encoding="utf-8").split("\n")
    for number, line in enumerate(lines, 1):
        if line.strip() and number <= SPLIT_LINES:
            out.append(RealText(gold["target_line_urls"].get(str(number)) or f"line {number}",
                                f"line {number}", decode_text(line.encode("utf-8"))))
    return [t for t in out if accents_intact(t.text)]


def place_syllables() -> set[str]:
    """Syllables of the gazetteer's unit names ("Krông Pa", "Đắk Lắk", "Pả Vi"): the place hints
    (pipeline/restore_hints.py) can only prefer a spelling the vocabulary holds, and many names
    of the highlands have no Vietnamese syllable shape or too few corpus counts to be kept."""
    from pipeline.places import official_names

    out = set()
    for kind in ("province", "district", "commune"):
        for name in official_names(kind):
            for word in name.lower().replace("-", " ").split():
                syllable = canonical_syllable(word)
                if syllable.isalpha() and 1 < len(syllable) <= 8 and (
                        is_syllable_shape(syllable) or strip_accents(syllable) != syllable):
                    out.add(syllable)  # not "bar", "ana": read as English words otherwise
    return out


# Two words written in Title case one after the other: a name ("Lý Văn Thuận", "Nậm Xé").
TITLE_WORD = r"[^\W\d_a-zđâăêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ]" \
    r"[a-zđâăêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ]+"
NAME_PAIR_RE = re.compile(rf"(?<!\w)({TITLE_WORD}) (?=({TITLE_WORD})(?!\w))")
PLACE_NAME_WEIGHT = 4  # a pair of a unit name of the gazetteer, against a corpus occurrence (2)
MIN_NAME_PAIR = 2


def name_pairs(lines: list[tuple[str, int]], vocab: list[str]) -> dict[str, np.ndarray]:
    """Weighted counts of (previous word without accents, syllable) where both are written in
    Title case, from the corpora and the gazetteer's unit names: names the n-grams, which fold
    case, know badly (restore_hints.name_hints)."""
    word_id = {w: i for i, w in enumerate(vocab) if i >= N_SPECIAL}
    counts: Counter[tuple[str, int]] = Counter()

    def add(first: str, second: str, weight: float) -> None:
        wid = word_id.get(canonical_syllable(second))
        if wid is not None:
            counts[(strip_accents(first.lower()), wid)] += weight

    for line, weight in lines:
        for first, second in NAME_PAIR_RE.findall(line):
            add(first, second, weight)
    from pipeline.places import official_names

    for kind in ("province", "district", "commune"):
        for name in sorted(set(official_names(kind))):
            words = name.replace("-", " ").split()
            for first, second in zip(words, words[1:], strict=False):
                add(first, second, PLACE_NAME_WEIGHT)
    kept = sorted((k, n) for k, n in counts.items() if n >= MIN_NAME_PAIR)
    return {"previous": np.array([k[0] for k, _ in kept], dtype="<U16"),
            "syllable": np.array([k[1] for k, _ in kept], dtype=np.int32),
            "count": np.array([n for _, n in kept], dtype=np.float32)}


def ids_of_lines(lines: list[str], word_id: dict[str, int]) -> np.ndarray:
    """One id stream with BOS BOS between sentences."""
    ids: list[int] = [BOS, BOS]
    for line in lines:
        prev_bos = True
        for tok in tokens_of(line):
            if tok == "<s>":
                if not prev_bos:
                    ids.extend((BOS, BOS))
                prev_bos = True
                continue
            ids.append(NUM if tok == "<num>" else word_id.get(tok, UNK))
            prev_bos = False
        if not prev_bos:
            ids.extend((BOS, BOS))
    return np.array(ids, dtype=np.int64)


def ngram_tables(ids: np.ndarray, weights: np.ndarray | None = None,
                 min_trigram: float = 1) -> dict[str, np.ndarray]:
    """Unigram, bigram and trigram count tables of an id stream (keys packed into int64)."""
    if weights is None:
        weights = np.ones(len(ids), dtype=np.float64)
    n_vocab = int(ids.max()) + 1 if len(ids) else N_SPECIAL
    unigram = np.bincount(ids, weights=weights, minlength=n_vocab)
    bi = (ids[:-1] << 16) | ids[1:]
    bi_keys, inv = np.unique(bi, return_inverse=True)
    bi_counts = np.bincount(inv, weights=weights[1:])
    tri = (ids[:-2] << 32) | (ids[1:-1] << 16) | ids[2:]
    tri_keys, inv = np.unique(tri, return_inverse=True)
    tri_counts = np.bincount(inv, weights=weights[2:])
    keep = tri_counts >= min_trigram
    # Witten-Bell: how many different words follow each context (before pruning)
    ctx, n_follow = np.unique(tri_keys >> 16, return_counts=True)
    bi_followers = np.zeros(len(bi_keys), dtype=np.float64)
    pos = np.searchsorted(bi_keys, ctx)
    ok = (pos < len(bi_keys)) & (bi_keys[np.minimum(pos, len(bi_keys) - 1)] == ctx)
    bi_followers[pos[ok]] = n_follow[ok]
    uni_followers = np.bincount(bi_keys >> 16, minlength=n_vocab).astype(np.float64)
    quad = (ids[:-3] << 48) | (ids[1:-2] << 32) | (ids[2:-1] << 16) | ids[3:]
    quad_keys, inv = np.unique(quad, return_inverse=True)
    quad_counts = np.bincount(inv, weights=weights[3:])
    keep4 = quad_counts >= min_trigram + 1
    return {
        "quad_keys": quad_keys[keep4],
        "quad_counts": quad_counts[keep4],
        "unigram": unigram,
        "unigram_followers": uni_followers,
        "bigram_keys": bi_keys,
        "bigram_counts": bi_counts,
        "bigram_followers": bi_followers,
        "trigram_keys": tri_keys[keep],
        "trigram_counts": tri_counts[keep],
    }


def domain_tables(texts: list[str], vocab: list[str]) -> dict[str, np.ndarray]:
    """Count tables of clean plans (added with DOMAIN_WEIGHT at load time)."""
    word_id = {w: i for i, w in enumerate(vocab)}
    lines = [line for text in texts for line in text.splitlines()]
    tables = ngram_tables(ids_of_lines(lines, word_id))
    for key in ("unigram", "unigram_followers"):
        full = np.zeros(len(vocab), dtype=np.float32)
        full[: len(tables[key])] = tables[key]
        tables[key] = full
    tables.update(case_tables([(ln, 1.0) for ln in lines], vocab))
    return {k: (v.astype(np.float32) if "keys" not in k else v) for k, v in tables.items()}


def build_lm(work: Path, with_4grams: bool = False) -> list[str]:
    """Count the corpora; write lm.npz and return the vocabulary."""
    print("reading corpora ...", flush=True)
    lines = iter_corpus_lines()
    tmp_id: dict[str, int] = {"<s>": BOS, "<unk>": UNK, "<num>": NUM}
    stream: list[int] = []
    wts: list[int] = []
    for line, weight in lines:
        toks = tokens_of(line)
        if not toks:
            continue
        seq = [BOS, BOS]
        prev_bos = True
        for tok in toks:
            if tok == "<s>":
                if not prev_bos:
                    seq.extend((BOS, BOS))
                prev_bos = True
                continue
            seq.append(tmp_id.setdefault(tok, len(tmp_id)))
            prev_bos = False
        stream.extend(seq)
        wts.extend([weight] * len(seq))
    tmp = np.array(stream, dtype=np.int64)
    weights = np.array(wts, dtype=np.float64)
    print(f"  {len(tmp):,} tokens, {len(tmp_id):,} types", flush=True)
    freq = np.bincount(tmp, weights=weights, minlength=len(tmp_id))
    dictionary = set()
    for line in (CORPORA / "dictionary" / "uvd_hongocduc_words.txt").read_text(
            encoding="utf-8").splitlines():
        for w in line.split():
            dictionary.add(canonical_syllable(w))
    names = sorted(tmp_id, key=lambda w: tmp_id[w])
    places = place_syllables()
    chosen = []
    for w in names[N_SPECIAL:]:
        f = freq[tmp_id[w]]
        if w in places:
            chosen.append(w)  # "krông", "đắk": names of units, whatever their shape or count
            continue
        if not is_syllable_shape(w) or len(w) > 8:
            continue
        if f >= MIN_SYLLABLE_COUNT or (w in dictionary and f >= 1):
            chosen.append(w)
    chosen.sort(key=lambda w: (-freq[tmp_id[w]], w))
    chosen.extend(sorted(places - set(tmp_id)))  # never met in the corpora: no counts there
    vocab = ["<s>", "<unk>", "<num>"] + chosen
    print(f"  vocabulary {len(vocab):,} syllables", flush=True)
    remap = np.full(len(tmp_id), UNK, dtype=np.int64)
    remap[BOS], remap[NUM] = BOS, NUM
    for i, w in enumerate(vocab[N_SPECIAL:], start=N_SPECIAL):
        if w in tmp_id:
            remap[tmp_id[w]] = i
    ids = remap[tmp]
    tables = ngram_tables(ids, weights, min_trigram=MIN_TRIGRAM)
    unigram = np.zeros(len(vocab), dtype=np.float64)
    unigram[: len(tables["unigram"])] = tables["unigram"]
    uni_followers = np.zeros(len(vocab), dtype=np.float64)
    uni_followers[: len(tables["unigram_followers"])] = tables["unigram_followers"]
    tri_keys = tables["trigram_keys"]
    deltas = np.diff(tri_keys, prepend=np.int64(0))
    print("  counting case and names ...", flush=True)
    cases = case_tables(lines, vocab)
    save_arrays(OUT / "names.npz", **name_pairs(lines, vocab))
    print(f"  {len(tables['bigram_keys']):,} bigrams, {len(tri_keys):,} trigrams, "
          f"{len(tables['quad_keys']):,} 4-grams", flush=True)
    save_arrays(
        OUT / "lm.npz",
        unigram=np.minimum(unigram, 2**32 - 1).astype(np.uint32),
        bigram_keys=tables["bigram_keys"],
        bigram_counts=np.minimum(tables["bigram_counts"], 2**32 - 1).astype(np.uint32),
        bigram_followers=tables["bigram_followers"].astype(np.uint32),
        unigram_followers=uni_followers.astype(np.uint32),
        case_lower=np.minimum(cases["case_lower"], 2**32 - 1).astype(np.uint32),
        case_title=np.minimum(cases["case_title"], 2**32 - 1).astype(np.uint32),
        trigram_key_deltas=deltas,
        **({"quad_key_deltas": np.diff(tables["quad_keys"], prepend=np.int64(0)),
            "quad_counts": np.minimum(tables["quad_counts"], 65535).astype(np.uint16)}
           if with_4grams else {}),
        trigram_counts=np.minimum(tables["trigram_counts"], 65535).astype(np.uint16),
    )
    return vocab


# ---------------------------------------------------------------- synthetic scans


def typeset_page(lines: list[str], png: Path, dpi: int, seed: int) -> None:
    """Typeset lines on an A4 page with Liberation Serif, render, blur and add noise."""
    import pymupdf
    from PIL import Image, ImageFilter

    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    y = 60.0
    for line in lines:
        page.insert_text((60, y), line, fontsize=12, fontname="libserif", fontfile=str(FONT))
        y += 18
    pix = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY)
    img = Image.frombytes("L", (pix.width, pix.height), pix.samples)
    rng = np.random.default_rng(seed)
    img = img.filter(ImageFilter.GaussianBlur(radius=float(rng.uniform(0.3, 1.1))))
    arr = np.asarray(img, dtype=np.float32)
    arr = arr + rng.normal(0, rng.uniform(4, 14), arr.shape)
    Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).save(png)


def ocr_eng(png: Path) -> str:
    """Tesseract with the English model only (the damage we learn to undo)."""
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    out = png.with_suffix("")
    subprocess.run(["tesseract", str(png), str(out), "-l", "eng"], check=True,
                   capture_output=True, env=env)
    return out.with_suffix(".txt").read_text(encoding="utf-8")


def scan_pages(pages: list[list[str]], work: Path, prefix: str) -> list[str]:
    """OCR text of each page (cached in `work`), two tesseract processes at a time."""
    work.mkdir(parents=True, exist_ok=True)

    def one(k: int) -> str:
        png = work / f"{prefix}_{k:03d}.png"
        txt = png.with_suffix(".txt")
        if txt.exists():
            return txt.read_text(encoding="utf-8")
        dpi = 200 + (k * 37) % 101
        typeset_page(pages[k], png, dpi, seed=1000 + k)
        text = ocr_eng(png)
        png.unlink()
        return text

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(one, range(len(pages))))


def wrap_pages(paragraphs: list[str], lines_per_page: int = 40, width: int = 80) -> list[list[str]]:
    """Wrap paragraphs into lines and cut them into pages."""
    lines: list[str] = []
    for para in paragraphs:
        lines.extend(textwrap.wrap(para, width=width))
    return [lines[i: i + lines_per_page] for i in range(0, len(lines), lines_per_page)]


def align_lines(source: list[str], ocr_text: str) -> list[tuple[str, str]]:
    """Pair every source line with the OCR line that reads most like it."""
    from rapidfuzz import fuzz

    ocr_lines = [ln.strip() for ln in ocr_text.splitlines() if ln.strip()]
    pairs = []
    j = 0
    for src in source:
        key = strip_accents(src).lower()
        best, best_k = 0.0, -1
        for k in range(j, min(j + 4, len(ocr_lines))):
            score = fuzz.ratio(key, strip_accents(ocr_lines[k]).lower())
            if score > best:
                best, best_k = score, k
        if best_k >= 0 and best >= 60:
            pairs.append((src, ocr_lines[best_k]))
            j = best_k + 1
    return pairs


def learn_channel(work: Path, n_pages: int, vocab: list[str], vowel_prior: float = VOWEL_PRIOR,
                  smoothing: float = SMOOTHING) -> tuple[list[str], dict]:
    """Per-character confusion costs from synthetic English-model OCR of corpus text."""
    from rapidfuzz.distance import Levenshtein

    rng = random.Random(7)
    pool: list[str] = []
    held = set(dev_laws())
    for path in sorted((CORPORA / "vlc2022").glob("*.txt.xz")):
        if path in held:
            continue
        with lzma.open(path, "rt", encoding="utf-8") as fh:
            pool.extend(ln.strip() for ln in fh if len(ln.strip()) > 60)
    rng.shuffle(pool)
    pages = wrap_pages([unicodedata.normalize("NFC", p) for p in pool[: n_pages * 16]])
    pages = pages[:n_pages]
    print(f"OCR of {len(pages)} synthetic pages ...", flush=True)
    texts = scan_pages(pages, work / "scans", "corpus")
    pair_counts: Counter[tuple[str, str]] = Counter()
    ins_counts: Counter[str] = Counter()
    src_counts: Counter[str] = Counter()
    ocr_char_counts: Counter[str] = Counter()
    for page, text in zip(pages, texts, strict=True):
        for src, ocr in align_lines(page, text):
            s = normalise_for_channel(src)
            o = normalise_for_channel(ocr)
            ocr_char_counts.update(o)
            matched_s = set()
            for op in Levenshtein.opcodes(s, o):
                if op.tag == "equal" or op.tag == "replace":
                    for a, b in zip(range(op.src_start, op.src_end),
                                    range(op.dest_start, op.dest_end), strict=False):
                        pair_counts[(s[a], o[b])] += 1
                        matched_s.add(a)
                    extra = (op.dest_end - op.dest_start) - (op.src_end - op.src_start)
                    if extra > 0:
                        for b in range(op.dest_end - extra, op.dest_end):
                            ins_counts[o[b]] += 1
                elif op.tag == "delete":
                    for a in range(op.src_start, op.src_end):
                        pair_counts[(s[a], "")] += 1
                        matched_s.add(a)
                elif op.tag == "insert":
                    for b in range(op.dest_start, op.dest_end):
                        ins_counts[o[b]] += 1
            src_counts.update(s)
    letters = sorted({ch for w in vocab[N_SPECIAL:] for ch in w})
    extra = sorted(ch for ch, n in ocr_char_counts.items() if n >= 3 and ch not in letters
                   and not ch.isspace())
    chars = letters + [ch for ch in "0123456789€¢&¥‘’|!$@£§" if ch not in letters and
                       ch not in extra] + extra
    chars = list(dict.fromkeys(chars))
    n = len(chars) + 1  # last code: any other character
    index = {c: i for i, c in enumerate(chars)}
    sub = np.zeros((n, n))
    dele = np.zeros(n)
    ins = np.zeros(n)
    for (a, b), c in pair_counts.items():
        ia = index.get(a, n - 1)
        if b == "":
            dele[ia] += c
        else:
            sub[ia, index.get(b, n - 1)] += c
    for b, c in ins_counts.items():
        ins[index.get(b, n - 1)] += c
    sub_cost, del_cost, ins_cost = smooth_costs(chars, sub, dele, ins, vowel_prior, smoothing)
    save_arrays(OUT / "channel.npz", sub_cost=sub_cost.astype(np.float32),
                del_cost=del_cost.astype(np.float32), ins_cost=ins_cost.astype(np.float32))
    top = sorted(((c, a, b) for (a, b), c in pair_counts.items() if a != b), reverse=True)[:25]
    print("  most frequent confusions:", ", ".join(f"{a}->{b or '∅'} {c}" for c, a, b in top))
    return chars, {"pairs": sum(pair_counts.values())}


def normalise_for_channel(text: str) -> str:
    """Lowercase NFC with canonical tones, as the decoder sees tokens."""
    return unicodedata.normalize("NFC", text).lower()


def smooth_costs(chars: list[str], sub: np.ndarray, dele: np.ndarray, ins: np.ndarray,
                 vowel_prior: float, smoothing: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """-log probabilities with a prior that prefers the same base letter (and broken letters)."""
    n = len(chars) + 1
    prior = np.full((n, n), 0.02)
    for i, a in enumerate(chars):
        base_a = strip_accents(a)
        for j, b in enumerate(chars):
            base_b = strip_accents(LOOKALIKE_LETTERS.get(b, b))
            if a == b:
                prior[i, j] = 50.0
            elif base_a == base_b and base_a.isalpha():
                prior[i, j] = 3.0
            elif b in LOOKALIKE_LETTERS:
                prior[i, j] = 0.3 if base_b == base_a else 0.05
            elif base_a in "aeiouy" and base_b in "aeiouyw":
                prior[i, j] = vowel_prior  # real scans swap vowels more than synthetic ones
    prior_del = np.full(n, 0.5)
    alpha = smoothing
    prior = prior / prior.sum(axis=1, keepdims=True)
    total = sub.sum(axis=1) + dele
    p_sub = (sub + alpha * prior * 0.95) / (total[:, None] + alpha)
    # a floor from the prior alone, so that confusions real scans make more often than the
    # synthetic ones (ă read as i) stay reachable for frequent letters too
    p_sub = (1 - PRIOR_FLOOR) * p_sub + PRIOR_FLOOR * 0.95 * prior
    p_del = (dele + alpha * 0.05 * prior_del / prior_del) / (total + alpha)
    ins_total = ins.sum() + 1.0
    all_chars = sub.sum() + dele.sum() + ins.sum() + 1.0
    p_ins = (ins + 0.5) / (ins_total + 0.5 * n) * (ins_total / all_chars)
    return -np.log(p_sub), -np.log(p_del), -np.log(p_ins)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=50, help="synthetic pages for confusions")
    parser.add_argument("--work", type=Path, default=Path("/tmp/restore_build"))
    parser.add_argument("--skip-lm", action="store_true", help="reuse the stored vocabulary")
    parser.add_argument("--vowel-prior", type=float, default=VOWEL_PRIOR)
    parser.add_argument("--with-4grams", action="store_true",
                        help="also store 4-gram counts (measured: no gain on the tuning laws)")
    parser.add_argument("--smoothing", type=float, default=SMOOTHING)
    args = parser.parse_args()
    if not CORPORA.is_dir():
        sys.exit(f"corpora not found at {CORPORA}")
    OUT.mkdir(parents=True, exist_ok=True)
    if args.skip_lm:
        vocab = json.loads((OUT / "meta.json").read_text(encoding="utf-8"))["vocab"]
    else:
        vocab = build_lm(args.work, args.with_4grams)
    plans = clean_plan_texts() + own_texts()
    real = real_texts()
    print("clean plans for domain counts:", [name for name, _ in plans],
          f"and {len(real)} real texts", flush=True)
    domain = [t for _, t in plans] + [t.text for t in real]
    save_arrays(OUT / "domain.npz", **domain_tables(domain, vocab))
    chars, stats = learn_channel(args.work, args.pages, vocab, args.vowel_prior, args.smoothing)
    params = {
        "domain_weight": DOMAIN_WEIGHT,
        "backoff": -0.6,
        "channel_weight": 0.8,
        "unk_cost": 6.0,
        "max_candidates": 80,
        "beam": 8,
        "dev_laws": [p.name for p in dev_laws()],
        "domain_plans": len(plans),
        "domain_real_texts": len(real),
    }
    meta = {"vocab": vocab, "chars": chars, "params": params}
    (OUT / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=0) + "\n",
                                   encoding="utf-8")
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"wrote {OUT} ({total / 1e6:.1f} MB), channel pairs {stats['pairs']:,}")


if __name__ == "__main__":
    main()
