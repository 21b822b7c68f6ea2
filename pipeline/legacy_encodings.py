"""Vietnamese legacy font encodings (TCVN3/ABC, VNI) and a syllable check to detect them.

Before Unicode, Vietnamese documents were typed with 8-bit fonts (.VnTime for TCVN3, VNI-Times
for VNI); read as Windows-1252 such text is mojibake ("KÕ ho¹ch", "Keá hoaïch"). The tables below
are written from the published charset definitions (TCVN 5712:1993 VN3 and VNI for Windows); the
detector converts only when the result is clearly more Vietnamese than the input.
"""

from __future__ import annotations

import re
import unicodedata

# Tone marks in the order TCVN3 lays them out: huyền, hỏi, ngã, sắc, nặng.
_GRAVE, _HOOK, _TILDE, _ACUTE, _DOT = "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"
_TONES = (_GRAVE, _HOOK, _TILDE, _ACUTE, _DOT)


def _toned(base: str, tone: str) -> str:
    return unicodedata.normalize("NFC", base + tone)


# --- TCVN3 (ABC) -----------------------------------------------------------------------------
# Each lowercase vowel: (byte of the toneless letter or None for ASCII, bytes of its five toned
# forms in the order grave, hook, tilde, acute, dot).
_TCVN3_VOWELS: dict[str, tuple[int | None, tuple[int, int, int, int, int]]] = {
    "a": (None, (0xB5, 0xB6, 0xB7, 0xB8, 0xB9)),
    "ă": (0xA8, (0xBB, 0xBC, 0xBD, 0xBE, 0xC6)),
    "â": (0xA9, (0xC7, 0xC8, 0xC9, 0xCA, 0xCB)),
    "e": (None, (0xCC, 0xCE, 0xCF, 0xD0, 0xD1)),
    "ê": (0xAA, (0xD2, 0xD3, 0xD4, 0xD5, 0xD6)),
    "i": (None, (0xD7, 0xD8, 0xDC, 0xDD, 0xDE)),
    "o": (None, (0xDF, 0xE1, 0xE2, 0xE3, 0xE4)),
    "ô": (0xAB, (0xE5, 0xE6, 0xE7, 0xE8, 0xE9)),
    "ơ": (0xAC, (0xEA, 0xEB, 0xEC, 0xED, 0xEE)),
    "u": (None, (0xEF, 0xF1, 0xF2, 0xF3, 0xF4)),
    "ư": (0xAD, (0xF5, 0xF6, 0xF7, 0xF8, 0xF9)),
    "y": (None, (0xFA, 0xFB, 0xFC, 0xFD, 0xFE)),
}
_TCVN3_OTHERS = {0xAE: "đ", 0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư",
                 0xA7: "Đ"}


def _build_tcvn3() -> dict[int, str]:
    table = dict(_TCVN3_OTHERS)
    for base, (plain, toned) in _TCVN3_VOWELS.items():
        if plain is not None:
            table[plain] = base
        for tone, code in zip(_TONES, toned, strict=True):
            table[code] = _toned(base, tone)
    return table


TCVN3_TO_UNICODE: dict[int, str] = _build_tcvn3()
# TCVN3 has no capital letters with tone marks (typists switched to the .VnTimeH font, whose
# lowercase codes draw capitals); encoding therefore writes them with the lowercase codes.
UNICODE_TO_TCVN3: dict[str, int] = {char: code for code, char in TCVN3_TO_UNICODE.items()}

# --- VNI for Windows -------------------------------------------------------------------------
# A letter is written as its base letter followed by one mark byte (VNI-Times draws the mark
# over the previous glyph). Marks as Windows-1252 characters, lowercase; capitals use the
# uppercase form of the same character.
_VNI_TONE_MARKS = {_ACUTE: "ù", _GRAVE: "ø", _HOOK: "û", _TILDE: "õ", _DOT: "ï"}
_VNI_CIRCUMFLEX = "â"
_VNI_CIRCUMFLEX_TONED = {_ACUTE: "á", _GRAVE: "à", _HOOK: "å", _TILDE: "ã", _DOT: "ä"}
_VNI_BREVE = "ê"
_VNI_BREVE_TONED = {_ACUTE: "é", _GRAVE: "è", _HOOK: "ú", _TILDE: "ü", _DOT: "ë"}
# Letters that VNI writes with one byte of their own.
_VNI_SINGLE = {"ơ": "ô", "ư": "ö", "đ": "ñ", "í": "í", "ì": "ì", "ỉ": "æ", "ĩ": "ó", "ị": "ò",
               "ỵ": "î"}


def _build_vni() -> dict[str, str]:
    """Unicode letter -> VNI sequence (as Windows-1252 text), both cases."""
    lower: dict[str, str] = dict(_VNI_SINGLE)
    for base in "aeouy":
        for tone, mark in _VNI_TONE_MARKS.items():
            lower.setdefault(_toned(base, tone), base + mark)
    for base in "aeo":  # circumflex: â ê ô
        lower[_toned(base, "\u0302")] = base + _VNI_CIRCUMFLEX
        for tone, mark in _VNI_CIRCUMFLEX_TONED.items():
            lower[_toned(_toned(base, "\u0302"), tone)] = base + mark
    lower["ă"] = "a" + _VNI_BREVE
    for tone, mark in _VNI_BREVE_TONED.items():
        lower[_toned("ă", tone)] = "a" + mark
    for base, single in (("ơ", "ô"), ("ư", "ö")):  # horn letters carry tone marks after them
        for tone, mark in _VNI_TONE_MARKS.items():
            lower[_toned(base, tone)] = single + mark
    table = dict(lower)
    for char, seq in lower.items():
        table[char.upper()] = seq.upper()
    return table


UNICODE_TO_VNI: dict[str, str] = _build_vni()
VNI_TO_UNICODE: dict[str, str] = {}
for _char, _seq in UNICODE_TO_VNI.items():
    VNI_TO_UNICODE.setdefault(_seq, _char)
    if len(_seq) == 2:  # a capital base with a lowercase mark (and back) happens in real files
        VNI_TO_UNICODE.setdefault(_seq[0] + _seq[1].swapcase(), _char)
_VNI_BASES = set("aeouyAEOUYôöÔÖ")
_VNI_MARK_CHARS = {seq[1] for seq in VNI_TO_UNICODE if len(seq) == 2}


# --- conversions -------------------------------------------------------------------------------
def tcvn3_to_unicode(text: str) -> str:
    """Convert TCVN3 mojibake (the 8-bit bytes read as Latin-1/cp1252) to Unicode NFC.

    Words written in capitals (ASCII letters all upper case) get their toned letters in
    capitals too, as the .VnTimeH font would have drawn them.
    """
    converted = "".join(TCVN3_TO_UNICODE.get(ord(c), c) if 0xA0 < ord(c) < 0x100 else c
                        for c in text)

    lines = []
    for line in converted.split("\n"):
        ascii_letters = [c for c in line if c.isascii() and c.isalpha()]
        if len(ascii_letters) >= 3 and all(c.isupper() for c in ascii_letters):
            lines.append(line.upper())
        else:
            lines.append(_capitalise_words(line))
    converted = "\n".join(lines)
    return unicodedata.normalize("NFC", converted)


def _capitalise_words(line: str) -> str:
    """Upper-case words whose ASCII letters are capitals (a one-letter word needs a neighbour)."""
    parts = re.split(r"(\w+)", line)
    caps = []
    for part in parts:
        ascii_letters = [c for c in part if c.isascii() and c.isalpha()]
        caps.append(len(ascii_letters) if ascii_letters and all(c.isupper() for c in
                                                                 ascii_letters) else 0)
    words = list(range(1, len(parts), 2))
    for pos, i in enumerate(words):
        if not caps[i] or parts[i].isascii():
            continue
        neighbours = [caps[words[j]] for j in (pos - 1, pos + 1) if 0 <= j < len(words)]
        if caps[i] >= 2 or any(n >= 2 for n in neighbours):
            parts[i] = parts[i].upper()
    return "".join(parts)


def unicode_to_tcvn3(text: str) -> bytes:
    """Encode Unicode as TCVN3 bytes (capitals with tone marks fall back to lowercase codes)."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        if char.isascii():
            out.append(ord(char))
        elif char in UNICODE_TO_TCVN3:
            out.append(UNICODE_TO_TCVN3[char])
        elif char.lower() in UNICODE_TO_TCVN3:
            out.append(UNICODE_TO_TCVN3[char.lower()])
        else:
            out += char.encode("cp1252", errors="replace")
    return bytes(out)


def vni_to_unicode(text: str) -> str:
    """Convert VNI mojibake (the 8-bit bytes read as cp1252) to Unicode NFC."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char in _VNI_BASES and i + 1 < n and text[i + 1] in _VNI_MARK_CHARS:
            pair = text[i:i + 2]
            if pair in VNI_TO_UNICODE:
                out.append(VNI_TO_UNICODE[pair])
                i += 2
                continue
        if len(char) == 1 and char in VNI_TO_UNICODE:
            out.append(VNI_TO_UNICODE[char])
        else:
            out.append(char)
        i += 1
    return unicodedata.normalize("NFC", "".join(out))


def unicode_to_vni(text: str) -> bytes:
    """Encode Unicode as VNI for Windows bytes."""
    out: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        out.append(UNICODE_TO_VNI.get(char, char))
    return "".join(out).encode("cp1252", errors="replace")


# --- Vietnamese syllables ------------------------------------------------------------------
_INITIALS = ("ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|b|c|d|đ|g|h|k|l|m|n|p|r|s|t|v|x")
_NUCLEI = ("uyê|uya|uyu|iêu|yêu|oai|oay|oao|oeo|uây|uôi|ươi|ươu|"
           "ai|ao|au|ay|âu|ây|eo|êu|ia|iê|iu|oa|oă|oe|oi|ôi|ơi|oo|ua|uâ|uê|ui|uô|uơ|uy|"
           "ưa|ưi|ưu|ươ|yê|a|ă|â|e|ê|i|o|ô|ơ|u|ư|y")
_FINALS = "ch|nh|ng|c|m|n|p|t"
_SYLLABLE = re.compile(rf"(?:{_INITIALS})?(?:{_NUCLEI})(?:{_FINALS})?")
_TONE_SET = set(_TONES)
_VIET_LETTERS = set("ăâêôơưđĂÂÊÔƠƯĐ")


def is_vietnamese_syllable(word: str) -> bool:
    """True when `word` has the shape of one Vietnamese syllable (at most one tone mark)."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    if sum(1 for c in decomposed if c in _TONE_SET) > 1:
        return False
    toneless = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_SET))
    return _SYLLABLE.fullmatch(toneless) is not None


_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_TOKEN_EDGES = ".,;:!?()[]{}\"'«»“”‘’…-–—/*"


def syllable_share(text: str) -> float | None:
    """Share of the alphabetic words of `text` that are Vietnamese syllables (None: no words)."""
    words = _WORD.findall(text)
    if not words:
        return None
    return sum(1 for w in words if is_vietnamese_syllable(w)) / len(words)


def _is_vietnamese_letter(char: str) -> bool:
    if char in _VIET_LETTERS:
        return True
    if ord(char) < 0x100:
        return False
    decomposed = unicodedata.normalize("NFD", char)
    return decomposed[0].isascii() and decomposed[0].isalpha() and len(decomposed) > 1


def _suspect_tokens(text: str) -> list[str]:
    """Whitespace tokens holding Latin-1 high characters: where legacy mojibake would show."""
    tokens = []
    for token in text.split():
        if any(0xA0 <= ord(c) < 0x100 or c in "\u0152\u0153\u0160\u0161\u0178\u017d\u017e"
               for c in token):
            stripped = token.strip(_TOKEN_EDGES)
            if stripped:
                tokens.append(stripped)
    return tokens


def _token_score(tokens: list[str]) -> float:
    if not tokens:
        return 0.0
    good = 0
    for token in tokens:
        words = _WORD.findall(token)
        # a whole token must be one syllable: mojibake splits words at symbol characters
        if len(words) == 1 and words[0] == token and is_vietnamese_syllable(token):
            good += 1
    return good / len(tokens)


def detect_legacy(text: str) -> str | None:
    """Name the legacy encoding ("tcvn3" or "vni") that `text` is mojibake of, else None.

    Fires only when the text has almost no real Vietnamese letters, a fair number of Latin-1
    symbols, and converting makes most of those words valid Vietnamese syllables.
    """
    suspects = _suspect_tokens(text)
    if len(suspects) < 3:
        return None
    viet = sum(1 for c in text if _is_vietnamese_letter(c))
    if viet > len(suspects):  # genuine Unicode Vietnamese (đ, ư, ạ ... beyond Latin-1)
        return None
    before = _token_score(suspects)
    best, best_score = None, before
    for name, convert in (("tcvn3", tcvn3_to_unicode), ("vni", vni_to_unicode)):
        score = _token_score(_suspect_tokens_converted(suspects, convert))
        if score > best_score:
            best, best_score = name, score
    if best is not None and best_score >= 0.6 and best_score >= before + 0.25:
        return best
    return None


def _suspect_tokens_converted(tokens: list[str], convert) -> list[str]:
    return [convert(t).strip(_TOKEN_EDGES) or t for t in tokens]


def fix_legacy(text: str) -> tuple[str, str | None]:
    """Return (text in Unicode NFC, name of the legacy encoding converted or None)."""
    text = unicodedata.normalize("NFC", text)
    encoding = detect_legacy(text)
    if encoding == "tcvn3":
        return tcvn3_to_unicode(text), encoding
    if encoding == "vni":
        return vni_to_unicode(text), encoding
    return unicodedata.normalize("NFC", text), None
