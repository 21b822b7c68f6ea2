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


_TONE_MARKS = {"\u0300": "2", "\u0301": "1", "\u0309": "3", "\u0303": "4", "\u0323": "5"}


def tone_key(text: str) -> str:
    """`text` in lower case with each syllable's tone mark moved to its end, so that the old and
    the new placement of a tone compare equal ("Hoà" and "Hòa", "THUỶ" and "thủy") while the
    accents themselves still count ("Phú" is not "Phù")."""
    out, tones = [], []
    for ch in unicodedata.normalize("NFD", text.lower()) + " ":
        if ch in _TONE_MARKS:
            tones.append(_TONE_MARKS[ch])
        elif unicodedata.category(ch)[0] in "LMN":
            out.append(ch)
        else:  # a syllable ends: its tone goes after it
            out.extend(tones)
            tones = []
            out.append(ch)
    return unicodedata.normalize("NFC", "".join(out[:-1]))


# Letters of old Vietnamese fonts that Unicode conversions left as look-alike code points:
# "ƣ" (latin oi) for ư, the Icelandic eth or the African D for Đ/đ; PDF ligatures and the
# full-width digits and signs of East Asian fonts ("５０％").
BROKEN_FONT_LETTERS = str.maketrans({
    "ƣ": "ư", "Ƣ": "Ư", "Ð": "Đ", "ð": "đ", "Ɖ": "Đ", "ɖ": "đ", "ﬁ": "fi", "ﬂ": "fl",
    **{chr(0xFF01 + i): chr(0x21 + i) for i in range(94)},
})
# Spaces that web pages write otherwise (no-break, thin, ideographic) and invisible marks (zero
# width, soft hyphen, byte-order mark) that split words for the rules
_INVISIBLE = str.maketrans({"\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u3000": " ",
                            "\u200b": None, "\u200c": None, "\u200d": None, "\u00ad": None,
                            "\ufeff": None})
# C0 controls and DEL, but tab, line feed, form feed (a page break) and carriage return
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0e-\x1f\x7f]")
# Line ends a site stored as the four characters "\r\n" (or "\n"), several on a page
_LITERAL_LINE_END = re.compile(r"(?:\\r\\n|\\n|\\r)[ \t]*")
# A figure glued to the word after it ("2020của", "2025đạt"), a web address glued to a word
_GLUED_FIGURE = re.compile(r"(?<![\w/.,])((?:19|20)\d\d)(?=[^\W\d_]{2,})")
_GLUED_ADDRESS = re.compile(r"(?<=[^\W\d_])(?=https?://)")
# A year cut by a space inside a date ("16/7/20 21")
_CUT_YEAR = re.compile(r"(\b\d{1,2}/\d{1,2}/(?:19|20)) (\d\d)\b")
# A figure glued after a word with Vietnamese letters ("đạt95%": a line end that was lost)
_WORD_THEN_FIGURE = re.compile(r"[^\W\d_]+(?=\d{2}|\d\s*%)")
# Spaces inside a document number: "24/2021/QĐ - TTg", "18 – NQ/TW", "1031 /QĐ-UBND"
_NUMBER_SPACES = re.compile(
    r"\b(\d+)\s*/\s*((?:\d{4}\s*/\s*)?[A-ZĐ][A-Za-zĐđ&]*)\s*[-–]\s*(?=[A-ZĐ])"
    r"|\b(\d+)\s*[-–]\s*([A-ZĐ]{2,5})\s*/\s*(?=[A-ZĐ]{2,5}\b)")
# Vietnamese words glued where a line end was lost ("vềphê duyệt", "đếnnăm"): a syllable has one
# group of vowels, so a word of letters with two is cut where the second syllable's onset starts
_VOWEL_GROUP = re.compile(r"[aăâeêioôơuưyáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ]+")
_FINALS = ("ch", "ng", "nh", "c", "m", "n", "p", "t", "")
_ONSETS = ("ngh", "ch", "gh", "gi", "kh", "ng", "nh", "ph", "qu", "th", "tr", "b", "c", "d", "đ",
           "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "")
_GLUED_WORD = re.compile(r"[^\W\d_]{4,}")


def _syllables(word: str) -> list[str]:
    """A word of glued syllables cut into its syllables (itself when it is one, or when the cut
    is unsure): the final consonants a syllable may end with, the onsets one may start with, and
    the rule that -p, -t, -c, -ch end only syllables of the sắc or nặng tone."""
    low = word.lower()
    groups = list(_VOWEL_GROUP.finditer(low))
    if len(groups) < 2:
        return [word]
    first, second = groups[0], groups[1]
    cluster = low[first.end():second.start()]
    tones = set(unicodedata.normalize("NFD", first.group(0)))
    for onset in sorted((o for o in _ONSETS if cluster.endswith(o)), key=len, reverse=True):
        final = cluster[:len(cluster) - len(onset)]
        if final not in _FINALS or not (final or onset):
            continue
        if final in ("p", "t", "c", "ch") and not tones & {"\u0301", "\u0323"}:
            continue
        cut = first.end() + len(final)
        head, rest = word[:cut], word[cut:]
        if head.isascii() or len(head) < 2 or len(rest) < 2 or not (
                word[0].islower() or (head[-1].islower() and rest[0].isupper())):
            return [word]  # a name ("Pơnan", "Êđê"), an OCR misreading: kept whole
        return [head, *_syllables(rest)]
    return [word]


def _unglue(m: re.Match) -> str:
    word = m.group(0)
    return word if word.isascii() else " ".join(_syllables(word))


def normalise(text: str) -> str:
    """What every stage may assume of a page's text: NFC, one kind of line end, no control
    characters but tab and form feed (a NUL, which PostgreSQL refuses, is dropped), the letters
    of old fonts read as the letters they show, figures, addresses and words not glued to words,
    document numbers without spaces inside."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\v", "\n")
    text = unicodedata.normalize("NFC", _CONTROL_CHARACTERS.sub("", text))
    text = text.translate(_INVISIBLE)
    if "\\r\\n" in text or len(_LITERAL_LINE_END.findall(text)) >= 2:
        text = _LITERAL_LINE_END.sub("\n", text)  # "\r\n" is never text; a lone "\n" may be
    text = text.translate(BROKEN_FONT_LETTERS)
    text = _GLUED_FIGURE.sub(r"\1 ", text)
    text = _GLUED_ADDRESS.sub(" ", text)
    text = _WORD_THEN_FIGURE.sub(lambda m: m.group(0) if m.group(0).isascii() else m.group(0) + " ",
                                 text)
    text = _GLUED_WORD.sub(_unglue, text)
    text = _NUMBER_SPACES.sub(_number_without_spaces, text)
    return _CUT_YEAR.sub(r"\1\2", text)


def _number_without_spaces(m: re.Match) -> str:
    if m.group(1):
        return m.group(1) + "/" + re.sub(r"\s+", "", m.group(2)) + "-"
    return f"{m.group(3)}-{m.group(4)}/"


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
