"""Accent folding and text normalisation: the one place these ideas live.

Every stage matches its rules on a *folded* copy of the text: lower case, accents removed, and
exactly as long as the original, so a match in the folded copy is a span of the original too.
`fold_ocr` also reads the letters an OCR engine that did not know Vietnamese writes as digits
or symbols ("C0ng chwc" -> "cong chuc"). `strip_accents` keeps case and is what the
restoration model is counted on.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from unidecode import unidecode

# OCR look-alikes: the letter a digit or symbol looks like inside a word ("C0ng", "x4", "K€").
# The restoration model's channel prior is built from this table (scripts/build_restore_model.py);
# fold_ocr reads two of them by where they stand (see there).
LOOKALIKE_LETTERS: dict[str, str] = {
    "0": "o", "6": "o", "4": "a", "1": "l", "€": "e", "¢": "c", "&": "a", "¥": "y", "‘": "",
    "’": "", "|": "l", "!": "i", "$": "s", "@": "a", "£": "e", "§": "s",
}
# str.translate table of the same: "1" -> "l", "‘" -> "" (used on single words)
LOOKALIKE_TRANSLATION = str.maketrans(LOOKALIKE_LETTERS)


@lru_cache(maxsize=200_000)
def strip_accents(text: str) -> str:
    """Vietnamese text without any diacritic, case kept ("Đường" -> "Duong")."""
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.replace("đ", "d").replace("Đ", "D")


@lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    low = ch.lower()
    if len(low) != 1:
        low = ch
    if low.isascii():
        return low
    out = unidecode(low)
    if len(out) == 1:
        return out.lower()
    if unicodedata.combining(ch):
        return " "  # a stray combining mark; keep the length
    return low


def fold(text: str) -> str:
    """Lower case, accents removed, SAME LENGTH as `text`, so that spans index both."""
    return "".join(_fold_char(ch) for ch in text)


def fold_ocr(text: str) -> str:
    """`fold`, also undoing the commonest OCR confusions of Vietnamese letters (same length).

    "w" (no Vietnamese word has it) is read as "ư" -> "u"; a digit or symbol of
    LOOKALIKE_LETTERS glued to a letter ("C0ng", "x4") as the letter it stands for; "&" only
    between two lower-case letters ("ng&y"), so that "TB&XH" keeps it; a "1" that ends a word
    as "i" ("hd1", "vo1": hội, với), elsewhere as "l" ("1én", "1am": lên, làm); "¢", which looks
    like c, as the e it mostly stands for ("hi¢u", "ngh¢o", "t¢": hiệu, nghèo, tế).
    """
    out = list(fold(text))
    for i, ch in enumerate(text):
        if ch in "wW":
            out[i] = "u"
            continue
        letter = LOOKALIKE_LETTERS.get(ch)
        if not letter:
            continue
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        glued = before.isalpha() or (after.isalpha() and after.islower())
        if ch == "&":
            glued = before.isalpha() and before.islower() and after.isalpha()
        if glued and not before.isdigit() and not after.isdigit():
            out[i] = _reading(ch, before, after, letter)
    return "".join(out)


def _reading(ch: str, before: str, after: str, letter: str) -> str:
    """The letter a look-alike glued to a word stands for, by where it stands."""
    if ch == "1" and before.isalpha() and not after.isalpha():
        return "i"
    if ch == "¢":
        return "e"
    return letter


# Letters of old Vietnamese fonts that Unicode conversions left as look-alike code points:
# "ƣ" (latin oi) for ư, the Icelandic eth for Đ/đ.
BROKEN_FONT_LETTERS = str.maketrans({"ƣ": "ư", "Ƣ": "Ư", "Ð": "Đ", "ð": "đ"})
# Line ends a site stored as the four characters "\r\n" (or "\n"), several on a page
_LITERAL_LINE_END = re.compile(r"(?:\\r\\n|\\n|\\r)[ \t]*")
# A figure glued to the word after it ("2020của", "2025đạt"), a web address glued to a word
_GLUED_FIGURE = re.compile(r"(?<![\w/.,])((?:19|20)\d\d)(?=[^\W\d_]{2,})")
_GLUED_ADDRESS = re.compile(r"(?<=[^\W\d_])(?=https?://)")
# A year cut by a space inside a date ("16/7/20 21")
_CUT_YEAR = re.compile(r"(\b\d{1,2}/\d{1,2}/(?:19|20)) (\d\d)\b")


def normalise(text: str) -> str:
    """What every stage may assume of a page's text: NFC, one kind of line end, the letters of
    old fonts read as the letters they show, figures and addresses not glued to words."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    if len(_LITERAL_LINE_END.findall(text)) >= 2:
        text = _LITERAL_LINE_END.sub("\n", text)
    text = text.translate(BROKEN_FONT_LETTERS)
    text = _GLUED_FIGURE.sub(r"\1 ", text)
    text = _GLUED_ADDRESS.sub(" ", text)
    return _CUT_YEAR.sub(r"\1\2", text)


# --- words, as search indexes and queries see them ----------------------------------------

_WORD = re.compile(r"[a-z0-9]+")
# Vietnamese tone marks (combining, after NFD) and the Telex letter each is typed with
_TONE_LETTERS = {"\u0300": "f", "\u0301": "s", "\u0309": "r", "\u0303": "x", "\u0323": "j"}
_BREVE_OR_HORN = ("\u0306", "\u031b")  # ă; ơ, ư
_CIRCUMFLEX = "\u0302"  # â, ê, ô


def word_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the words of `text` (letters and digits, accents and case aside)."""
    return [m.span() for m in _WORD.finditer(fold(text))]


def has_accents(text: str) -> bool:
    """True when `text` carries any Vietnamese diacritic (including đ)."""
    return strip_accents(text) != text


@lru_cache(maxsize=200_000)
def accent_key(word: str) -> str:
    """A word in ASCII that keeps its accents, Telex-style ("hộ" -> "hooj", "nghèo" ->
    "ngheof"): case aside, and where the tone mark sits aside ("hoà" and "hòa" -> "hoaf")."""
    letters: list[str] = []
    tones: list[str] = []
    for ch in unicodedata.normalize("NFD", word.lower()):
        if ch in _TONE_LETTERS:
            tones.append(_TONE_LETTERS[ch])
        elif ch == _CIRCUMFLEX and letters:
            letters.append(letters[-1])
        elif ch in _BREVE_OR_HORN:
            letters.append("w")
        elif ch == "đ":
            letters.append("dd")
        elif not unicodedata.combining(ch):
            letters.append(_fold_char(ch))
    return "".join(letters) + "".join(tones)
