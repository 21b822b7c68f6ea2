"""Legacy Vietnamese encodings: tables, round trips, hand-checked strings, and a detector that
leaves Unicode and English alone."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from pipeline.ingest import decode_text
from pipeline.legacy_encodings import (
    TCVN3_TO_UNICODE,
    UNICODE_TO_VNI,
    detect_legacy,
    fix_legacy,
    is_vietnamese_syllable,
    syllable_share,
    tcvn3_to_unicode,
    unicode_to_tcvn3,
    unicode_to_vni,
    vni_to_unicode,
)
from tests.scans import PLAN_TEXT

SHARED_PLANS = Path(__file__).resolve().parents[1] / ".." / "shared" / "plans"

VIETNAMESE_VOWELS = "aăâeêioôơuưy"
TONES = ("", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323")
ALL_LOWER = sorted({unicodedata.normalize("NFC", v + t) for v in VIETNAMESE_VOWELS
                    for t in TONES} | {"đ"})


def to_cp1258(text: str) -> bytes:
    """Windows-1258 as Word wrote it: base letters (â, ơ ...) with the tone as a combining mark."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        decomposed = unicodedata.normalize("NFD", char)
        tones = [c for c in decomposed if c in "\u0300\u0301\u0303\u0309\u0323"]
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in tones))
        out.append(base + "".join(tones))
    return "".join(out).encode("cp1258")


# --- tables ------------------------------------------------------------------------------------
def test_tcvn3_covers_every_lowercase_vietnamese_letter_once():
    assert set(ALL_LOWER) - set("aeiouy") <= set(TCVN3_TO_UNICODE.values())
    assert len(set(TCVN3_TO_UNICODE.values())) == len(TCVN3_TO_UNICODE)  # no duplicates


def test_vni_covers_every_vietnamese_letter_in_both_cases():
    for letter in ALL_LOWER:
        if letter in "aeiouy":
            continue
        assert letter in UNICODE_TO_VNI and letter.upper() in UNICODE_TO_VNI, letter


@pytest.mark.parametrize(("code", "letter"), [
    (0xB8, "á"), (0xB5, "à"), (0xB9, "ạ"), (0xA8, "ă"), (0xBE, "ắ"), (0xC6, "ặ"), (0xA9, "â"),
    (0xCA, "ấ"), (0xD5, "ế"), (0xD6, "ệ"), (0xDD, "í"), (0xDE, "ị"), (0xE8, "ố"), (0xAC, "ơ"),
    (0xEE, "ợ"), (0xAD, "ư"), (0xF9, "ự"), (0xFE, "ỵ"), (0xAE, "đ"), (0xA7, "Đ"), (0xA6, "Ư"),
])
def test_tcvn3_table_spot_checks(code, letter):
    assert TCVN3_TO_UNICODE[code] == letter


# --- hand-checked strings -------------------------------------------------------------------------
@pytest.mark.parametrize(("mojibake", "unicode"), [
    ("KÕ ho¹ch", "Kế hoạch"),
    ("§iÒu 1", "Điều 1"),
    ("Gi¶m nghÌo bÒn v÷ng", "Giảm nghèo bền vững"),
    ("ng\xadêi nghÌo", "người nghèo"),
    ("B¸o c¸o kÕt qu¶ thùc hiÖn", "Báo cáo kết quả thực hiện"),
    ("KÕ HO¹CH", "KẾ HOẠCH"),
])
def test_tcvn3_known_strings(mojibake, unicode):
    assert tcvn3_to_unicode(mojibake) == unicode


@pytest.mark.parametrize(("mojibake", "unicode"), [
    ("Keá hoaïch", "Kế hoạch"),
    ("Ñieàu 1", "Điều 1"),
    ("Giaûm ngheøo beàn vöõng", "Giảm nghèo bền vững"),
    ("ngöôøi ngheøo", "người nghèo"),
    ("Chuû tòch Uûy ban nhaân daân", "Chủ tịch Ủy ban nhân dân"),
    ("KEÁ HOAÏCH", "KẾ HOẠCH"),
])
def test_vni_known_strings(mojibake, unicode):
    assert vni_to_unicode(mojibake) == unicode


# --- round trips of real Vietnamese text ----------------------------------------------------------
def _real_texts() -> list[str]:
    texts = [PLAN_TEXT]
    for name in ("000", "001", "004"):
        found = sorted(SHARED_PLANS.glob(f"{name}_*.txt")) if SHARED_PLANS.is_dir() else []
        if found:
            texts.append(found[0].read_text(encoding="utf-8")[:6000])
    return texts


def _tcvn3_expected(text: str) -> str:
    """TCVN3 cannot hold capitals with tone marks outside all-caps words: those come back lower."""
    return tcvn3_to_unicode(unicode_to_tcvn3(text).decode("cp1252"))


@pytest.mark.parametrize("text", _real_texts())
def test_vni_round_trip(text):
    text = unicodedata.normalize("NFC", text)
    assert vni_to_unicode(unicode_to_vni(text).decode("cp1252")) == text


@pytest.mark.parametrize("text", _real_texts())
def test_tcvn3_round_trip(text):
    text = unicodedata.normalize("NFC", text)
    back = _tcvn3_expected(text)
    assert back.lower() == text.lower()
    # every line that has no sentence-case capital with a tone mark comes back exactly
    lines_equal = [a == b for a, b in zip(back.split("\n"), text.split("\n"), strict=True)]
    assert sum(lines_equal) >= 0.8 * len(lines_equal)


# --- detection --------------------------------------------------------------------------------------
def test_detects_tcvn3_and_vni():
    assert detect_legacy(unicode_to_tcvn3(PLAN_TEXT).decode("cp1252")) == "tcvn3"
    assert detect_legacy(unicode_to_vni(PLAN_TEXT).decode("cp1252")) == "vni"


@pytest.mark.parametrize("text", [
    PLAN_TEXT,
    unicodedata.normalize("NFD", PLAN_TEXT),
    "The committee approved the plan on 5 March; the report is due in December.",
    "Le café où nous étions à Paris était très agréable, déjà vu, naïve résumé.",
    "Grüße aus München: schöne Straße, Äpfel und Öl für die Übung.",
    "Ông Nguyễn Văn An, Chủ tịch UBND xã, ký ngày 05/3/2025.",
])
def test_detector_leaves_unicode_and_english_alone(text):
    fixed, encoding = fix_legacy(text)
    assert encoding is None
    assert fixed == unicodedata.normalize("NFC", text)


# --- decode_text over bytes ------------------------------------------------------------------------
@pytest.mark.parametrize("encode", [
    lambda t: t.encode("utf-8"),
    lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"),
    lambda t: t.encode("utf-16"),  # with BOM
    lambda t: b"\xfe\xff" + t.encode("utf-16-be"),
    lambda t: t.encode("utf-16-le"),  # no BOM
    lambda t: t.encode("utf-16-be"),  # no BOM
    lambda t: unicodedata.normalize("NFD", t).encode("utf-8"),
    to_cp1258,
    lambda t: unicode_to_vni(t),
], ids=["utf8", "utf8-bom", "utf16-bom", "utf16be-bom", "utf16le", "utf16be", "nfd", "cp1258",
        "vni"])
def test_decode_text_each_encoding(encode):
    decoded = decode_text(encode(PLAN_TEXT))
    assert decoded == PLAN_TEXT
    assert unicodedata.is_normalized("NFC", decoded)


def test_decode_text_tcvn3_bytes():
    decoded = decode_text(unicode_to_tcvn3(PLAN_TEXT))
    assert decoded.lower() == PLAN_TEXT.lower()
    assert "Kế hoạch như sau" in decoded and "KẾ HOẠCH" in decoded


def test_decode_text_plain_english_and_latin1():
    assert decode_text(b"Plain English text, nothing else.") == "Plain English text, nothing else."
    assert decode_text("café déjà vu".encode("cp1252")) == "café déjà vu"


def test_syllable_checks():
    assert is_vietnamese_syllable("nghiêng") and is_vietnamese_syllable("Người")
    assert is_vietnamese_syllable("khuyến") and is_vietnamese_syllable("quốc")
    assert not is_vietnamese_syllable("strength") and not is_vietnamese_syllable("ho¹ch")
    assert not is_vietnamese_syllable("hoáạ")  # two tone marks
    assert syllable_share(PLAN_TEXT) > 0.9
    assert syllable_share("Strong brown foxes jumped quickly over lazy dogs") < 0.5
