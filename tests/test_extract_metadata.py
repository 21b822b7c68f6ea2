"""Document facts from header, preamble and signature block; cited documents; gold files."""

from __future__ import annotations

import importlib.util
import json
from datetime import date
from pathlib import Path

import pytest

from pipeline.extract import extract_document
from pipeline.extract.metadata import extract_metadata, extract_references
from pipeline.places import localities_of
from pipeline.records import Page

ROOT = Path(__file__).resolve().parents[1]
SHARED_PLANS = ROOT / ".." / "shared" / "plans"
GOLD = ROOT / "tests" / "fixtures" / "gold"

HEADER = """ỦY BAN NHÂN DÂN
XÃ TÂN HƯNG

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc

Số: 45/KH-UBND

Tân Hưng, ngày 05 tháng 3 năm 2024

KẾ HOẠCH
Giảm nghèo bền vững trên địa bàn xã Tân Hưng
năm 2024

Căn cứ Quyết định số 90/QĐ-TTg ngày 18/01/2022 của Thủ tướng Chính phủ về phê duyệt Chương trình;
Thực hiện Kế hoạch số 30/KH-UBND ngày 20 tháng 02 năm 2024 của UBND huyện Sóc Sơn về giảm nghèo,

I. MỤC TIÊU
- 100% hộ nghèo được hỗ trợ.

TM. ỦY BAN NHÂN DÂN
KT. CHỦ TỊCH
PHÓ CHỦ TỊCH

Lê Thị Mai
"""


def _facts(text: str):
    return extract_metadata([Page(1, text, text, "plain")])


def test_header_facts():
    f = _facts(HEADER)
    assert f.doc_type == "Kế hoạch"
    assert f.number == "45/KH-UBND"
    assert f.issue_date == date(2024, 3, 5)
    assert f.place == "Tân Hưng"
    assert (f.admin_level, f.locality, f.issuer) == ("xã", "Tân Hưng", "UBND xã Tân Hưng")
    assert f.title == "Giảm nghèo bền vững trên địa bàn xã Tân Hưng năm 2024"
    assert (f.period_start, f.period_end) == (2024, 2024)
    assert not f.is_draft
    assert (f.signer, f.signer_title) == ("Lê Thị Mai", "PHÓ CHỦ TỊCH")


def test_district_and_province_are_what_the_text_states():
    f = _facts(HEADER)
    # the text names the district; it never names the province, so the fact stays unknown (the
    # official unit and its province are pipeline/places.py's, not a fact of the text)
    assert f.district == "Sóc Sơn"
    assert f.province is None


def test_blank_number_partial_date_and_draft():
    text = "DỰ THẢO\nSố:      /KH-UBND\nBa Vì, ngày    tháng 7 năm 2023\n\nKẾ HOẠCH\nVề việc X\n"
    f = _facts(text)
    assert f.number is None
    assert f.doc_type == "Kế hoạch"  # from the KẾ HOẠCH line, the number being blank
    assert (f.issue_date, f.issue_month, f.issue_year) == (None, 7, 2023)
    assert f.issue_date_text == "ngày tháng 7 năm 2023"
    assert f.is_draft


def test_accent_stripped_header():
    text = "UY BAN NHAN DAN\nHUYEN BA TO\nSo: 12/KH-UBND\nBa To, ngay 02 thang 4 nam 2024\n"
    f = _facts(text)
    assert f.number == "12/KH-UBND"
    assert f.issue_date == date(2024, 4, 2)
    assert f.place == "Ba To"


def test_scanned_number_whose_one_was_read_as_a_letter():
    # Tesseract on a fax reads the serial's 1 as I, l or |; a number with no digit stays unread
    for read, number in (("I90/KH-UBND", "190/KH-UBND"), ("2l5/KH-UBND", "215/KH-UBND"),
                         ("|08/BC-UBND", "108/BC-UBND")):
        f = _facts(f"UBND HUYỆN BA VÌ\nSố: {read}\nBa Vì, ngày 02 tháng 4 năm 2024\n")
        assert f.number == number
    assert _facts("Số: l/KH-UBND\nBa Vì, ngày 02 tháng 4 năm 2024\n").number is None


def test_issuer_from_preamble_when_header_is_missing():
    text = ("KẾ HOẠCH\nThực hiện giảm nghèo năm 2024\n\nỦy ban nhân dân xã Phong Phú xây dựng "
            "Kế hoạch thực hiện như sau:\n")
    f = _facts(text)
    assert (f.admin_level, f.locality, f.issuer) == ("xã", "Phong Phú", "UBND xã Phong Phú")
    assert f.period_start == 2024


def test_references_kind_number_date_issuer():
    refs = extract_references([Page(1, HEADER, HEADER, "plain")])
    assert [(r.kind, r.number, r.date) for r in refs] == [
        ("Quyết định", "90/QĐ-TTg", date(2022, 1, 18)),
        ("Kế hoạch", "30/KH-UBND", date(2024, 2, 20)),
    ]
    assert refs[0].issuer == "Thủ tướng Chính phủ"
    assert refs[1].issuer == "UBND huyện Sóc Sơn"
    for r in refs:
        assert r.grounding.quote == HEADER[r.grounding.char_start:r.grounding.char_end]


def test_reference_without_date_and_several_in_one_sentence():
    text = ("theo Thông tư số 14/2022/TT- BTTTT của Bộ Thông tin và Truyền thông; Công văn số "
            "613/SLĐTBXH-BTXH ngày 19/01/2024 về việc sửa đổi Kế hoạch số 155/KH-LĐTBXH và Báo "
            "cáo số 27/BC-SLĐTBXH ngày 17/01/2024.")
    refs = extract_references([Page(1, text, text, "plain")])
    assert [r.number for r in refs] == ["14/2022/TT-BTTTT", "613/SLĐTBXH-BTXH", "155/KH-LĐTBXH",
                                        "27/BC-SLĐTBXH"]
    assert refs[0].date is None and refs[3].date == date(2024, 1, 17)


def test_district_plan_located_by_its_commune_table():
    assert localities_of(["Ba Vì", "Ba Tiêu", "Ba Ngạc", "TỔNG CỘNG"]) == ("Ba Tơ", "Quảng Ngãi")
    assert localities_of(["Hợp Tiến"]) is None  # too few names to decide


# --- gold ------------------------------------------------------------------------------


def _bench():
    spec = importlib.util.spec_from_file_location("bench_extract", ROOT / "bench" / "bench_extract.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _gold_plans() -> list[Path]:
    files = sorted(SHARED_PLANS.glob("*.txt")) if SHARED_PLANS.exists() else []
    files += sorted((ROOT / "data" / "samples").glob("*.txt"))
    return [p for p in files if (GOLD / "facts" / f"{p.stem}.json").exists()]


def _params(paths: list[Path]) -> list:
    """Plans as test cases; "-blind-" plans are skipped: only the bench measures them, once."""
    blind = pytest.mark.skip(reason="blind plan: measured by bench/bench_extract.py only")
    return [pytest.param(p, id=p.stem, marks=[blind] if "-blind-" in p.stem else [])
            for p in paths]


@pytest.mark.parametrize("path", _params(_gold_plans()))
def test_facts_match_gold(path):
    bench = _bench()
    ex = extract_document(bench.load_pages(path))
    gold = json.loads((GOLD / "facts" / f"{path.stem}.json").read_text(encoding="utf-8"))
    right, items, wrong, _, _ = bench.score_facts(gold, ex)
    assert right / items >= 0.9, wrong


def test_header_columns_joined_by_ocr():
    text = ("ỦY BAN NHÂN DÂN        CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
            "XÃ PHONG PHÚ        Độc lập - Tự do - Hạnh phúc\n"
            "Số: 08/KH-UBND     Phong Phú, ngày 10 tháng 01 năm 2024\n\nKẾ HOẠCH\nGiảm nghèo\n")
    f = _facts(text)
    assert (f.admin_level, f.locality) == ("xã", "Phong Phú")
    assert f.number == "08/KH-UBND"
    assert f.place == "Phong Phú"
    assert f.issue_date == date(2024, 1, 10)


def test_signature_before_an_appendix_page():
    body = "KẾ HOẠCH\nGiảm nghèo năm 2024\n\nTM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH\n\nĐỗ Văn An\n"
    appendix = "PHỤ LỤC\nTT\tXã\tHộ nghèo\n1\tAn Bình\t20\n"
    f = extract_metadata([Page(1, body, body, "plain"), Page(2, appendix, appendix, "plain")])
    assert (f.signer, f.signer_title) == ("Đỗ Văn An", "CHỦ TỊCH")


def test_city_under_central_government_is_its_own_province():
    f = _facts("ỦY BAN NHÂN DÂN\nTHÀNH PHỐ CẦN THƠ\n\nKẾ HOẠCH\nGiảm nghèo năm 2024\n")
    assert (f.admin_level, f.locality, f.province) == ("thành phố", "Cần Thơ", "Cần Thơ")


def test_same_number_cited_twice_is_one_reference_unless_dates_differ():
    text = ("Căn cứ Kế hoạch số 45/KH-UBND của UBND tỉnh; thực hiện Kế hoạch số 45/KH-UBND ngày "
            "07/3/2024 của UBND tỉnh; Kế hoạch số 45/KH-UBND ngày 02/02/2023 của UBND huyện.")
    refs = extract_references([Page(1, text, text, "plain")])
    assert [(r.number, r.date) for r in refs] == [("45/KH-UBND", date(2024, 3, 7)),
                                                  ("45/KH-UBND", date(2023, 2, 2))]


def test_numeric_date_line_action_plan_and_acting_signer():
    text = ("Số: 7/KH-UBND\nThạch Đà, ngày 03/6/2024\n\nKẾ HOẠCH HÀNH ĐỘNG\nGiảm nghèo năm 2024\n\n"
            "TM. ỦY BAN NHÂN DÂN\nQ. CHỦ TỊCH\n\nVũ Minh Đức\n")
    f = _facts(text)
    assert f.issue_date == date(2024, 6, 3)
    assert f.doc_type == "Kế hoạch"
    assert f.title == "Giảm nghèo năm 2024"
    assert (f.signer, f.signer_title) == ("Vũ Minh Đức", "CHỦ TỊCH")


def test_plans_after_the_2025_reorganisation_state_no_district():
    text = ("ỦY BAN NHÂN DÂN\nXÃ TIẾN THẮNG\nSố: 5/KH-UBND\nTiến Thắng, ngày 10 tháng 9 năm 2025\n\n"
            "KẾ HOẠCH\nGiảm nghèo năm 2025\n")
    f = _facts(text)
    assert (f.locality, f.district, f.province) == ("Tiến Thắng", None, None)  # none is stated


@pytest.mark.parametrize(
    ("title", "period"),
    [("Thực hiện Chương trình giai đoạn 2021-2025", (2021, 2025)),
     ("Thực hiện Chương trình giai đoạn 2021-2025 năm 2024", (2024, 2024)),
     ("Giảm nghèo năm 2023", (2023, 2023)),
     ("Giảm nghèo bền vững", (2022, 2022))],
)
def test_period_from_title(title, period):
    f = _facts(f"Số: 1/KH-UBND\nAn Bình, ngày 02 tháng 3 năm 2022\n\nKẾ HOẠCH\n{title}\n")
    assert (f.period_start, f.period_end) == period


def test_the_plan_is_not_its_own_reference():
    text = ("Số: 9/KH-UBND\nAn Bình, ngày 02 tháng 3 năm 2024\n\nKẾ HOẠCH\nGiảm nghèo năm 2024\n\n"
            "Căn cứ Kế hoạch số 3/KH-UBND ngày 10/01/2024 của UBND huyện (bản chính);\n\n"
            "PHỤ LỤC\n(Kèm theo Kế hoạch số 9/KH-UBND ngày 02/3/2024 của UBND xã)\n")
    f = _facts(text)
    assert [(r.number, r.issuer) for r in f.references] == [("3/KH-UBND", "UBND huyện")]


TWO_LINE_HEADER = """UBND HUYỆN TIÊN DU
UBND XÃ PHÚ LÂM

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc

Số: 7/KH-UBND

Phú Lâm, ngày 3 tháng 3 năm 2024

KẾ HOẠCH
Giảm nghèo năm 2024

Ủy ban nhân dân xã Phú Lâm ban hành Kế hoạch như sau:
"""


def test_two_line_header_the_lower_unit_issues_and_the_upper_is_its_district():
    f = _facts(TWO_LINE_HEADER)
    assert (f.issuer, f.admin_level, f.locality) == ("UBND xã Phú Lâm", "xã", "Phú Lâm")
    assert f.district == "Tiên Du"


def test_preamble_names_the_issuer_below_a_parent_header():
    f = _facts(TWO_LINE_HEADER.replace("UBND XÃ PHÚ LÂM\n", ""))
    assert (f.issuer, f.admin_level, f.locality, f.district) == (
        "UBND xã Phú Lâm", "xã", "Phú Lâm", "Tiên Du")


def test_department_under_the_province_header_is_the_issuer():
    text = ("UBND TỈNH QUẢNG TRỊ\nSỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI\n\nSố: 9/KH-SLĐTBXH\n\n"
            "Đông Hà, ngày 3 tháng 3 năm 2024\n\nKẾ HOẠCH\nGiảm nghèo năm 2024\n")
    f = _facts(text)
    assert f.issuer.startswith("Sở lao động")
    assert (f.admin_level, f.province) == ("tỉnh", "Quảng Trị")


def test_a_commune_named_in_the_body_of_a_district_plan_is_not_the_issuer():
    text = ("ỦY BAN NHÂN DÂN\nHUYỆN TIÊN DU\n\nSố: 8/KH-UBND\n\nTiên Du, ngày 3 tháng 3 năm 2024\n\n"
            "KẾ HOẠCH\nGiảm nghèo năm 2024\n\nI. NHIỆM VỤ\n"
            "Ủy ban nhân dân xã Phú Lâm xây dựng kế hoạch của xã.\n")
    f = _facts(text)
    assert (f.issuer, f.admin_level, f.locality) == ("UBND huyện Tiên Du", "huyện", "Tiên Du")


def test_date_and_place_after_a_long_run_of_spaces_on_a_joined_header_line():
    text = ("ỦY BAN NHÂN DÂN                    CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
            "HUYỆN ĐÔNG SƠN                  Độc lập - Tự do - Hạnh phúc\n\n"
            "Số: 7/KH-UBND                          Đông Sơn, ngày 9 tháng 4 năm 2024\n\n"
            "KẾ HOẠCH\nGiảm nghèo năm 2024\n")
    f = _facts(text)
    assert f.place == "Đông Sơn"
    assert f.issue_date == date(2024, 4, 9)
    assert f.issuer == "UBND huyện Đông Sơn"


def test_whole_header_on_one_line_and_a_cited_date_below_it():
    text = ("ỦY BAN NHÂN DÂN XÃ AN PHÚ CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - "
            "Hạnh phúc An Phú, ngày 12 tháng 5 năm 2024\nSố: 9/KH-UBND\nKẾ HOẠCH\nGiảm nghèo\n"
            "Căn cứ Quyết định số 90/QĐ-TTg, ngày 18/01/2022;\n")
    f = _facts(text)
    assert f.place == "An Phú"
    assert f.issue_date == date(2024, 5, 12)
    assert f.issuer == "UBND xã An Phú"


def test_a_commune_named_cong_hoa_keeps_its_name():
    text = ("ỦY BAN NHÂN DÂN\nXÃ CỘNG HÒA\n\nSố: 9/KH-UBND\n"
            "Cộng Hòa, ngày 12 tháng 5 năm 2024\nKẾ HOẠCH\nGiảm nghèo\n")
    f = _facts(text)
    assert (f.issuer, f.place) == ("UBND xã Cộng Hòa", "Cộng Hòa")
