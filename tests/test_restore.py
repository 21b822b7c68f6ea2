"""Accent restoration and English-OCR repair: each kind of damage, pass-through, offsets."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from pipeline.restore_model import MODEL_DIR
from pipeline.text import strip_accents

if not (MODEL_DIR / "meta.json").is_file():
    pytest.skip("models/restore is missing: run scripts/build_restore_model.py",
                allow_module_level=True)

from pipeline.restore import Restoration, detect_mode, load_model, restore_text  # noqa: E402
from pipeline.spans import to_raw_span  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHARED_PLANS = REPO / ".." / "shared" / "plans"
GOLD = REPO / "tests" / "fixtures" / "restore" / "plan_english_ocr_gold.tsv"

CLEAN = (
    "Thực hiện Kế hoạch số 45/KH-UBND ngày 07/3/2024 của Ủy ban nhân dân tỉnh về việc thực "
    "hiện mục tiêu giảm nghèo năm 2024.\n"
    "Phấn đấu giảm tỷ lệ hộ nghèo toàn xã xuống còn 1,5% vào ngày 30/9/2024; "
    "giao Phòng Lao động - Thương binh và Xã hội chủ trì, phối hợp với các đơn vị liên quan.\n"
)


@pytest.fixture(scope="module")
def model():
    return load_model()


def words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+", unicodedata.normalize("NFC", text))


def check_offsets(raw: str, res: Restoration) -> None:
    """Every changed segment maps back to exactly the raw token it replaced."""
    assert res.offsets == sorted(res.offsets)
    prev_end = -1
    for t_start, t_end, r_start, r_end in res.offsets:
        assert t_start >= prev_end
        prev_end = t_end
        assert to_raw_span(res.offsets, t_start, t_end) == (r_start, r_end)
        src = raw[r_start:r_end]
        new = res.text[t_start:t_end]
        assert src.strip() and "\n" not in src
        # the replacement reads as the same letters once accents and OCR damage are ignored
        assert new != src
    # text outside the changed segments is identical
    pos_t = pos_r = 0
    for t_start, t_end, r_start, r_end in res.offsets:
        assert res.text[pos_t:t_start] == raw[pos_r:r_start]
        pos_t, pos_r = t_end, r_end
    assert res.text[pos_t:] == raw[pos_r:]


def test_accent_stripped_restored(model):
    raw = "Ty le ho ngheo toan xa giam tu 5,21% xuong 3,25%, Uy ban nhan dan xa xay dung ke hoach."
    res = restore_text(raw)
    assert res.mode == "accent_stripped"
    assert res.text == (
        "Tỷ lệ hộ nghèo toàn xã giảm từ 5,21% xuống 3,25%, Ủy ban nhân dân xã xây dựng kế hoạch."
    )
    assert 0.5 < res.confidence <= 1.0
    check_offsets(raw, res)


def test_all_caps_heading_and_codes_keep_case(model):
    raw = "KE HOACH\nThuc hien chuong trinh giam ngheo nam 2024 theo Ke hoach so 45/KH-UBND\n"
    res = restore_text(raw)
    lines = res.text.splitlines()
    assert lines[0] == "KẾ HOẠCH"
    assert "45/KH-UBND" in lines[1] and "2024" in lines[1]
    assert lines[1].startswith("Thực hiện chương trình giảm nghèo năm 2024")
    check_offsets(raw, res)


def test_english_model_ocr_repaired(model):
    raw = (
        "Uy ban nhan dan xa xay dung K& hoach hanh dong thuc hién chwong trinh gidm nghéo\n"
        "nhanh va bén virng nim 2024 véi nhiing ndi dung sau: t6 chirc thuc hién\n"
        "cong tac giam nghéo, ngudi nghéo dugc tiép can cac ngudn luc.\n"
    )
    res = restore_text(raw)
    assert res.mode == "ocr_garbled"
    assert len(res.text.splitlines()) == 3
    got = words(res.text)
    for word in ("Ủy", "Kế", "hiện", "chương", "giảm", "nghèo", "bền", "vững", "năm", "với",
                 "những", "nội", "tổ", "chức", "người", "được", "tiếp", "nguồn"):
        assert word in got, word
    check_offsets(raw, res)


def test_broken_letters_and_lone_ampersand(model):
    raw = "Ké hoach 1a can ctr dé ting cap t6 chirc thyc hién, nha & cho ho ngheo va can ngheo.\n"
    res = restore_text(raw)
    got = words(res.text)
    for word in ("Kế", "là", "căn", "để", "tổ", "chức", "ở"):
        assert word in got, word
    check_offsets(raw, res)


def test_split_and_joined_tokens(model):
    raw = "Ty le ho ngheo toan xa g iam tu 5,21% trong giai doan 2021-2025.Uy ban nhan dan xa.\n"
    res = restore_text(raw)
    assert "giảm từ" in res.text
    assert "2021-2025.Ủy ban" in res.text
    check_offsets(raw, res)


def test_clean_text_unchanged(model):
    res = restore_text(CLEAN)
    assert res.text == CLEAN
    assert res.mode == "clean" and res.offsets == [] and res.confidence == 1.0
    assert detect_mode(CLEAN) == "clean"


def test_old_tone_placement_is_still_clean(model):
    old = "Uỷ ban nhân dân xã hoà giải, khoẻ mạnh, thuỷ lợi và quản lý nhà nước.\n"
    assert restore_text(old).text == old


@pytest.mark.parametrize(
    "text",
    [
        "The commune will reduce the poverty rate to 2% by 2025 and support poor households.\n",
        "Le plan prévoit une réduction de la pauvreté dans les communes rurales en 2024.\n",
        "Die Gemeinde plant eine Verringerung der Armut bis zum Jahr 2025.\n",
        "STT | Chỉ tiêu | 2023 | 2024\n1 | 64 | 40 | 3,25%\n2 | 5,21 | 1.234 | 14.653\n",
        "KẾ HOẠCH\nTHỰC HIỆN CHƯƠNG TRÌNH MỤC TIÊU QUỐC GIA GIẢM NGHÈO BỀN VỮNG\n",
        "Số: 45/KH-UBND; Nghị định 07/2021/NĐ-CP; QĐ 389/QĐ-UBND ngày 30/9/2024.\n",
        "Nguồn: UNDP Viet Nam, Multidimensional Poverty Report, https://example.org/mpi\n",
        "",
        "\n\n   \n",
    ],
)
def test_bad_input_passes_through(model, text):
    res = restore_text(text)
    assert res.text == text
    assert res.offsets == []


def test_mixed_language_passage_keeps_english(model):
    text = ("Kế hoạch giảm nghèo năm 2024 của xã.\n\n"
            "This section summarises the targets of the commune for international partners.\n")
    res = restore_text(text)
    assert res.text == text


def test_line_count_kept_on_mixed_damage(model):
    raw = ("KE HOACH\n\nThuc hien muc tieu giam ngheo\n\n"
           "Thue hién chwong trinh gidm nghéo nhanh va bén virng\n\n\n"
           "Thực hiện Kế hoạch số 45/KH-UBND.\n\nThe end.\n")
    res = restore_text(raw)
    assert res.text.count("\n") == raw.count("\n")
    assert res.text.splitlines()[-1] == "The end."
    assert "Thực hiện Kế hoạch số 45/KH-UBND." in res.text
    check_offsets(raw, res)


def test_detect_mode_per_kind(model):
    assert detect_mode("ty le ho ngheo toan xa giam manh trong nam qua nho cac chinh sach") \
        == "accent_stripped"
    assert detect_mode("Thue hién chwong trinh gidm nghéo nhanh va bén virng nim 2024 "
                       "t6 chirc dugc ngudi") == "ocr_garbled"
    assert detect_mode(CLEAN) == "clean"
    assert detect_mode("The commune will reduce poverty.") == "clean"


def test_stripped_plan_round_trip(model):
    """A stripped clean plan comes back almost exactly (when the sample plans are present)."""
    plans = sorted(SHARED_PLANS.glob("*.txt")) if SHARED_PLANS.is_dir() else []
    texts = [p.read_text(encoding="utf-8") for p in plans]
    texts = [t for t in texts if detect_mode(t) == "clean"]
    if not texts:
        pytest.skip("../shared/plans not available")
    text = texts[0][:4000]
    raw = strip_accents(text)
    res = restore_text(raw)
    assert res.text.count("\n") == raw.count("\n")
    ref, got = words(text), words(res.text)
    assert len(ref) == len(got)
    same = sum(a.lower() == b.lower() for a, b in zip(ref, got, strict=True))
    assert same / len(ref) > 0.95
    check_offsets(raw, res)


def test_real_english_ocr_plan_against_gold(model):
    """Hand-corrected lines of a real plan OCR'd with the English model."""
    plans = [p for p in sorted(SHARED_PLANS.glob("*.txt"))] if SHARED_PLANS.is_dir() else []
    garbled = [p for p in plans if detect_mode(p.read_text(encoding="utf-8")) == "ocr_garbled"]
    if not garbled or not GOLD.is_file():
        pytest.skip("the English-OCR'd sample plan or its gold annotation is not available")
    raw = garbled[0].read_text(encoding="utf-8")
    res = restore_text(raw)
    assert res.text.count("\n") == raw.count("\n")
    check_offsets(raw, res)
    out_lines = res.text.splitlines()
    ok = total = 0
    for line in GOLD.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        number, gold = line.split("\t", 1)
        ref, got = words(gold), words(out_lines[int(number) - 1])
        total += len(ref)
        ok += sum(a == b for a, b in zip(ref, got, strict=False)) if len(ref) == len(got) else 0
    assert total > 200
    assert ok / total > 0.85


def test_decomposed_input_maps_back_to_raw(model):
    raw = unicodedata.normalize("NFD", "Kế hoạch giảm nghèo.\n\n") + "ty le ho ngheo toan xa giam"
    res = restore_text(raw)
    assert res.text.endswith("tỷ lệ hộ nghèo toàn xã giảm")
    assert res.text.startswith(raw[:10])  # the clean (decomposed) part is left as it was
    check_offsets(raw, res)


def test_legal_references_units_and_acronyms(model):
    raw = ("Theo diém b khoan 1 Diéu 5 Nghi dinh 07/2021/ND-CP, nha & dién tich 8m?/ngudi,\n"
           "dat 100ha, HDND xa va Phong LDTBXH huyén t6 chirc thuc hién 6 cac thon.\n")
    res = restore_text(raw)
    assert res.mode == "ocr_garbled"
    text = res.text
    for kept in ("điểm b khoản 1", "07/2021/NĐ-CP", "8m?", "100ha"):
        assert kept in text, kept
    for word in ("HĐND", "LĐTBXH", "nhà ở", "tổ chức", "ở các thôn"):
        assert word in text, word
    check_offsets(raw, res)


def test_model_is_loaded_once(model):
    assert load_model() is model
    assert len(model.vocab) > 5000


def test_list_item_after_d_is_d_with_stroke(model):
    raw = ("Cac noi dung ho tro gom:\na) Ho tro y te;\nb) Ho tro giao duc;\nc) Ho tro nha o;\n"
           "d) Ho tro nuoc sinh hoat;\nd) Ho tro thong tin.\nHo ngheo theo diem d) tren.\n")
    res = restore_text(raw)
    lines = res.text.splitlines()
    assert lines[4].startswith("d) Hỗ trợ nước sinh hoạt")
    assert lines[5].startswith("đ) Hỗ trợ thông tin")
    assert lines[6] == "Hộ nghèo theo điểm d) trên."
    check_offsets(raw, res)


def test_circular_and_department_acronyms_get_their_d_stroke(model):
    raw = ("Can cu Thong tu so 07/2021/TT-BLDTBXH ngay 18/7/2021 cua Bo Lao dong - Thuong binh "
           "va Xa hoi;\nNoi nhan: Phong LD-TB&XH huyen; Phong GDDT huyen.\n")
    res = restore_text(raw)
    assert res.mode == "accent_stripped"
    for word in ("07/2021/TT-BLĐTBXH", "Phòng LĐ-TB&XH", "Phòng GDĐT", "Thông tư số"):
        assert word in res.text, word
    check_offsets(raw, res)


def test_party_and_programme_acronyms_get_their_d_stroke(model):
    raw = ("Thuc hien Nghi quyet so 15-NQ/DU ngay 10/01/2024 cua Dang uy xa va Nghi quyet so "
           "01-NQ/DH cua Dai hoi Dang bo xa; tang thu can doi NSDP.\nNoi nhan: VPDP nong thon "
           "moi tinh; Ban Chi dao XDGN huyen; LDVP.\n")
    res = restore_text(raw)
    for word in ("15-NQ/ĐU", "01-NQ/ĐH", "NSĐP", "VPĐP", "XĐGN", "LĐVP", "Đảng ủy"):
        assert word in res.text, word
    check_offsets(raw, res)


def test_case_inside_sentence_feeds_the_decoder(model):
    from pipeline.restore import _case_inside_sentence, _tokens

    text = "UBND xa Pa Vi, huyen\nMeo Vac va TINH"
    tokens = _tokens(text)
    cases = {t.text: _case_inside_sentence(tokens, k, text) for k, t in enumerate(tokens)}
    assert cases == {"UBND": 0, "xa": 1, "Pa": 2, "Vi": 2, ",": 0, "huyen": 0, "Meo": 0,
                     "Vac": 2, "va": 1, "TINH": 0}
    cost_lower, cost_title = model.case_cost
    name, word = model.word_id["nguyễn"], model.word_id["nguyên"]
    assert cost_title[name] < cost_lower[name]  # a surname: mostly written Title case
    assert cost_lower[word] < cost_title[word]
    assert cost_lower[0] == cost_title[0] == 0.0  # specials carry no case cost


def test_genre_texts_feed_the_domain_counts():
    import sys

    sys.path.insert(0, str(REPO / "scripts"))
    import build_restore_model as build

    genre = build.genre_texts()
    assert len(genre) >= 15
    names = [name for name, _ in build.own_texts()]
    assert not any("-blind-" in name for name in names)
    sample_localities = ("Đức Hợp", "Long Khánh", "Cao Ngọc", "Cam Lộ", "Kim Động")
    for name, text in genre:
        assert not any(place in text for place in sample_localities), name


def test_document_number_and_dong_have_one_reading(model):
    raw = ("UY BAN NHAN DAN HUYEN TAN KY So: 214 /BC-UBND CONG HOA XA HOI CHU NGHIA\n"
           "Thu nhap binh quan dat 42.600.000d/nguoi/nam, muc ho tro 50.000 d/thang; "
           "theo diem d khoan 2, moi 5 d nguoi.\n")
    res = restore_text(raw)
    assert "Số: 214 /BC-UBND" in res.text
    assert "42.600.000đ/người/năm" in res.text and "50.000 đ/tháng" in res.text
    assert "điểm d khoản 2" in res.text and "5 d người" in res.text
    check_offsets(raw, res)


def test_genre_texts_name_no_unit_of_the_real_documents():
    """data/lm is written for the project: it names no commune or district that a real document
    of ../shared/real comes from (they are measured leave-one-source-out)."""
    import json
    import sys

    gold = REPO / ".." / "shared" / "real" / "gold.json"
    if not gold.is_file():
        pytest.skip("../shared/real not available")
    sys.path.insert(0, str(REPO / "scripts"))
    import build_restore_model as build

    facts = json.loads(gold.read_text(encoding="utf-8"))["facts"].values()
    units = {f[key] for f in facts for key in ("locality", "district")
             if f.get(key) and f.get("admin_level") != "tỉnh"}
    assert len(units) >= 5
    for name, text in build.genre_texts():
        assert not [unit for unit in units if unit in text], name


def test_stored_domain_counts_are_those_of_the_texts():
    """models/restore/domain.npz holds the counts the build makes of today's domain texts (the
    shared plans, data/samples, data/lm, ../shared/real): a text changed without `make models`
    fails here."""
    import sys

    import numpy as np

    if not (REPO / ".." / "shared" / "real" / "gold.json").is_file():
        pytest.skip("../shared/real not available")
    sys.path.insert(0, str(REPO / "scripts"))
    import build_restore_model as build

    texts = [t for _, t in build.clean_plan_texts() + build.own_texts()]
    texts += [t.text for t in build.real_texts()]
    want = build.domain_tables(texts, load_model().vocab)
    stored = np.load(MODEL_DIR / "domain.npz")
    assert sorted(stored.files) == sorted(want)
    for key, array in want.items():
        assert np.array_equal(stored[key], array), f"{key}: run `make models`"
