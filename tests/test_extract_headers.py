"""Document facts from headers as real offices and sites lay them out, for every unit name of
the gazetteer: wrapped lines, flattened two-column headers, one-line headers, old tone placement,
drafts with a blank number or day, portal copies and news pages that are no document.

Every header here is written for the test (no real document is copied): the layouts are the
ones real documents show (see ../shared/real/README.md), the names are the gazetteer's.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from datetime import date
from pathlib import Path

import pytest

from pipeline.extract.metadata import extract_metadata
from pipeline.places import _gazetteer, official_name
from pipeline.records import DocumentFacts, Page
from pipeline.text import normalise

LEVEL_WORDS = {"Huyện": ("HUYỆN", "huyện"), "Thị xã": ("THỊ XÃ", "thị xã"),
               "Thành phố": ("THÀNH PHỐ", "thành phố"), "Quận": ("QUẬN", "quận"),
               "Xã": ("XÃ", "xã"), "Phường": ("PHƯỜNG", "phường"),
               "Thị trấn": ("THỊ TRẤN", "thị trấn")}
CENTRAL = {"Hà Nội", "Hồ Chí Minh", "Hải Phòng", "Đà Nẵng", "Cần Thơ"}


def facts_of(text: str) -> DocumentFacts:
    text = normalise(text)
    return extract_metadata([Page(1, text, text, "plain")])


def layouts(unit: str, name: str) -> dict[str, str]:
    """One header in four layouts: `unit` is the level word in capitals, `name` the unit's."""
    up = name.upper()
    first, _, rest = up.partition(" ")
    wrapped = f"{first}\n{rest}" if rest else up
    p_first, _, p_rest = name.partition(" ")
    place_wrapped = f"{p_first}\n{p_rest}" if p_rest else name
    return {
        "lines": (f"ỦY BAN NHÂN DÂN\n{unit} {up}\n-------\n\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
                  f"Độc lập - Tự do - Hạnh phúc\n---------------\n\nSố: 123/KH-UBND\n\n{name}, "
                  "ngày 05 tháng 3 năm 2024\n\nKẾ HOẠCH\nThực hiện giảm nghèo năm 2024\n\n"
                  "Căn cứ Luật Tổ chức chính quyền địa phương;\n"),
        "pipes": (f"UBND {unit} {up} | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n------- | Độc lập - "
                  f"Tự do - Hạnh phúc\nSố: 45/KH-UBND | {name}, ngày 7 tháng 9 năm 2024\n\n"
                  "KẾ HOẠCH\nGiảm nghèo năm 2024\n"),
        "one line": (f"UỶ BAN NHÂN DÂN {unit} {up} Số: 2827 /KH-UBND CỘNG HÒA XÃ HỘI CHỦ NGHĨA "
                     f"VIỆT NAM Độc lập - Tự do - Hạnh phúc {name}, ngày 03 tháng 12 năm 2024 "
                     "KẾ HOẠCH GIẢM NGHÈO NĂM 2024 Căn cứ Luật ..."),
        "wrapped": (f"ỦY\nBAN NHÂN DÂN\n{unit} {wrapped}\n-------\n|\nCỘNG\nHÒA XÃ HỘI CHỦ NGHĨA "
                    f"VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n---------------\n|\nSố:\n21/KH-UBND\n|"
                    f"\n{place_wrapped}, ngày\n07 tháng 9 năm 2024\n|\nKẾ\nHOẠCH\nVỀ VIỆC GIẢM NGHÈO\n"),
    }


def _wrong(facts: DocumentFacts, want: dict) -> dict:
    got = {k: getattr(facts, k) for k in want}
    got = {k: v.isoformat() if isinstance(v, date) else v for k, v in got.items()}
    return {k: (got[k], v) for k, v in want.items() if (got[k] or "").casefold() != (v or "").casefold()}


def _units(kind: str) -> list[tuple[str, str, str]]:
    """(name, level word as the gazetteer types it, province) of every unit of one kind."""
    rows = _gazetteer() or []
    if kind == "province":
        return sorted({(r[0], "Thành phố" if r[0] in CENTRAL else "Tỉnh", r[0]) for r in rows})
    return sorted({(official_name(r[1]), r[6], r[0]) for r in rows})


@pytest.mark.skipif(_gazetteer() is None, reason="the gazetteer package is not installed")
@pytest.mark.parametrize("layout", ["lines", "pipes", "one line", "wrapped"])
def test_every_province_and_district_of_the_gazetteer(layout):
    wrong = []
    for name, level_word, province in _units("province") + _units("district"):
        unit, level = LEVEL_WORDS.get(level_word) or ("TỈNH", "tỉnh")
        want = {"admin_level": level, "locality": name}
        if level == "tỉnh" or (level == "thành phố" and name == province):
            want["province"] = province  # a provincial city bears its province's name
        else:
            want["province"] = None
        if level != "tỉnh":
            want["district"] = None
        want.update(doc_type="Kế hoạch")
        error = _wrong(facts_of(layouts(unit, name)[layout]), want)
        if error:
            wrong.append((name, error))
    assert not wrong, wrong[:10]


@pytest.mark.skipif(_gazetteer() is None, reason="the gazetteer package is not installed")
def test_communes_under_their_district_in_a_two_unit_header():
    rows = sorted({(r[2], r[7], official_name(r[1]), r[6]) for r in _gazetteer() or []})
    wrong = []
    for commune, c_type, district, d_type in rows[::20]:
        if c_type not in LEVEL_WORDS or re.search(r"[(']", commune):
            continue
        text = (f"UBND {LEVEL_WORDS[d_type][0]} {district.upper()}\nUBND {LEVEL_WORDS[c_type][0]} "
                f"{commune.upper()}\n-------\nSố: 12/KH-UBND\n{commune}, ngày 5 tháng 3 năm "
                "2024\n\nKẾ HOẠCH\nGiảm nghèo năm 2024\n")
        want = {"admin_level": LEVEL_WORDS[c_type][1], "locality": commune,
                "district": None if district in CENTRAL else district}
        error = _wrong(facts_of(text), want)
        if error:
            wrong.append((commune, district, error))
    assert not wrong, wrong[:10]


# Headers as real documents lay them out, each written for this test.
HEADERS = [
    ("draft: blank number and day",
     "ỦY BAN NHÂN DÂN\nTỈNH HÒA BÌNH\n-------\nSố:      /KH-UBND\n\nHòa Bình, ngày     tháng 3 "
     "năm 2024\n\nDỰ THẢO\nKẾ HOẠCH\nGiảm nghèo năm 2024\n",
     dict(doc_type="Kế hoạch", number=None, issue_date=None, admin_level="tỉnh",
          locality="Hòa Bình", province="Hòa Bình")),
    ("old tone placement",
     "UỶ BAN NHÂN DÂN\nTỈNH HOÀ BÌNH\nSố: 816/QĐ-UBND\nHoà Bình, ngày 10 tháng 4 năm 2017\n"
     "QUYẾT ĐỊNH\nVề việc phê duyệt ...\n",
     dict(doc_type="Quyết định", number="816/QĐ-UBND", issue_date="2017-04-10",
          admin_level="tỉnh", locality="Hòa Bình", province="Hòa Bình")),
    ("city under the central government, three-word name",
     "ỦY BAN NHÂN DÂN\nTHÀNH PHỐ HỒ CHÍ MINH\n--------\nSố: 4249/QĐ-UBND\nThành phố Hồ Chí "
     "Minh, ngày 10 tháng 8 năm 2016\nQUYẾT ĐỊNH\n",
     dict(doc_type="Quyết định", number="4249/QĐ-UBND", issue_date="2016-08-10",
          admin_level="thành phố", locality="Hồ Chí Minh", province="Hồ Chí Minh")),
    ("flattened two columns",
     "ỦY BAN NHÂN DÂN | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nTHÀNH PHỐ HẢI PHÒNG | Độc lập - Tự "
     "do - Hạnh phúc\nSố: 55/KH-UBND | Hải Phòng, ngày 01 tháng 3 năm 2022\nKẾ HOẠCH\n",
     dict(doc_type="Kế hoạch", number="55/KH-UBND", issue_date="2022-03-01",
          admin_level="thành phố", locality="Hải Phòng", province="Hải Phòng")),
    ("one-letter syllable, type word wrapped",
     "ỦY BAN NHÂN DÂN\nHUYỆN U MINH THƯỢNG\n-------\nSố: 120/KH-UBND\nU Minh Thượng, ngày 15 "
     "tháng 6 năm 2021\nKẾ\nHOẠCH\nThực hiện giảm nghèo\n",
     dict(doc_type="Kế hoạch", number="120/KH-UBND", issue_date="2021-06-15",
          admin_level="huyện", locality="U Minh Thượng", province=None)),
    ("People's Council",
     "HỘI ĐỒNG NHÂN DÂN\nTỈNH TUYÊN QUANG\n-------\nSố: 62/NQ-HĐND\nTuyên Quang, ngày 9 tháng "
     "12 năm 2021\nNGHỊ QUYẾT\n",
     dict(doc_type="Nghị quyết", number="62/NQ-HĐND", issue_date="2021-12-09",
          admin_level="tỉnh", locality="Tuyên Quang", province="Tuyên Quang")),
    ("a department under the province",
     "UBND TỈNH NINH BÌNH | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nSỞ LAO ĐỘNG - THƯƠNG BINH VÀ "
     "XÃ HỘI | Độc lập - Tự do - Hạnh phúc\nSố: 130/KH-SLĐTBXH | Ninh Bình, ngày 20 tháng 5 "
     "năm 2022\nKẾ HOẠCH\n",
     dict(doc_type="Kế hoạch", number="130/KH-SLĐTBXH", issue_date="2022-05-20",
          admin_level="tỉnh", locality="Ninh Bình", province="Ninh Bình")),
    ("a portal's news of a plan",
     "Xã Hoằng Lộc triển khai kế hoạch giảm nghèo năm 2020\nNgày đăng: 12/03/2020 | Lượt xem: "
     "215\nNgày 10/3/2020, UBND xã Hoằng Lộc ban hành Kế hoạch số 15/KH-UBND về thực hiện giảm "
     "nghèo năm 2020.\n",
     dict(doc_type="Kế hoạch", number="15/KH-UBND", issue_date="2020-03-10", admin_level="xã",
          locality="Hoằng Lộc")),
    ("a news page is no document: nothing guessed",
     "Tin tức - Sự kiện\nCập nhật lúc 08:15 ngày 05/04/2023\nUBND huyện Mù Cang Chải tổ chức hội "
     "nghị triển khai nhiệm vụ giảm nghèo năm 2023. Năm 2022, toàn huyện giảm 7,2% hộ nghèo.\n",
     dict(doc_type=None, number=None, issue_date=None, admin_level=None, locality=None)),
    ("the posting day of a portal is not the document's",
     "Trang thông tin điện tử xã Hoằng Lộc\nThứ hai, ngày 11/11/2024\nKẾ HOẠCH Thực hiện giảm "
     "nghèo năm 2024\nCăn cứ ...\n",
     dict(doc_type="Kế hoạch", number=None, issue_date=None, admin_level="xã",
          locality="Hoằng Lộc")),
    ("a date line without its place",
     "ỦY BAN NHÂN DÂN\nXÃ TÂN HÒA\n\nSố: 15/KH-UBND\n\nNgày 05 tháng 3 năm 2024\n\nKẾ HOẠCH\n"
     "Giảm nghèo\n",
     dict(doc_type="Kế hoạch", number="15/KH-UBND", issue_date="2024-03-05", admin_level="xã",
          locality="Tân Hòa")),
    ("one-line header of a document-sharing site",
     "ỦY BAN NHÂN DÂN TỈNH GIA LAI CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc "
     "Số: 103/2005/QĐ-UB Pleiku, ngày 15 tháng 9 năm 2005 QUYẾT ĐỊNH CỦA UỶ BAN NHÂN DÂN TỈNH "
     "Về việc ...",
     dict(doc_type="Quyết định", number="103/2005/QĐ-UB", issue_date="2005-09-15",
          admin_level="tỉnh", locality="Gia Lai", province="Gia Lai")),
    ("province with a hyphen",
     "ỦY BAN NHÂN DÂN\nTỈNH BÀ RỊA-VŨNG TÀU\nSố: 12/BC-UBND\nBà Rịa, ngày 2 tháng 1 năm 2020\n"
     "BÁO CÁO\n",
     dict(doc_type="Báo cáo", number="12/BC-UBND", issue_date="2020-01-02", admin_level="tỉnh",
          locality="Bà Rịa - Vũng Tàu", province="Bà Rịa - Vũng Tàu")),
    ("type from the number's code: Đề án, Tờ trình",
     "ỦY BAN NHÂN DÂN\nHUYỆN ĐÔNG SƠN\nSố: 05/ĐA-UBND\nĐông Sơn, ngày 3 tháng 5 năm 2019\n",
     dict(doc_type="Đề án", number="05/ĐA-UBND", admin_level="huyện", locality="Đông Sơn")),
    ("party committee",
     "TỈNH ỦY QUẢNG NAM\n*\nSố: 12-NQ/TU\nQuảng Nam, ngày 3 tháng 5 năm 2019\nNGHỊ QUYẾT\n",
     dict(doc_type="Nghị quyết", number="12-NQ/TU", issue_date="2019-05-03", admin_level="tỉnh",
          locality="Quảng Nam", province="Quảng Nam")),
    ("numbered ward",
     "ỦY BAN NHÂN DÂN\nPHƯỜNG 3\nSố: 7/KH-UBND\nPhường 3, ngày 3 tháng 5 năm 2019\nKẾ HOẠCH\n",
     dict(doc_type="Kế hoạch", number="7/KH-UBND", admin_level="phường", locality="3")),
    ("dots for the day and month of a draft",
     "ỦY BAN NHÂN DÂN\nTỈNH QUẢNG NGÃI\nSố: 186/KH-UBND\nQuảng Ngãi, ngày ... tháng ... năm "
     "2024\nKẾ HOẠCH\n",
     dict(number="186/KH-UBND", issue_date=None, admin_level="tỉnh", locality="Quảng Ngãi")),
    ("former province name",
     "ỦY BAN NHÂN DÂN\nTỈNH THỪA THIÊN HUẾ\nSố: 3039/QĐ-UBND\nThừa Thiên Huế, ngày 27 tháng 12 "
     "năm 2017\nQUYẾT ĐỊNH\n",
     dict(admin_level="tỉnh", locality="Thừa Thiên Huế", province="Thừa Thiên Huế")),
    ("the province a district plan names in its title",
     "ỦY BAN NHÂN DÂN\nHUYỆN TRÀ CÚ\n\nSố: 45/KH-UBND\n\nTrà Cú, ngày 10 tháng 01 năm 2025\n\n"
     "KẾ HOẠCH\nThực hiện ... trên địa bàn huyện Trà Cú, tỉnh Trà Vinh năm 2025\n",
     dict(admin_level="huyện", locality="Trà Cú", province="Trà Vinh", district=None)),
    ("a district portal's news that a commune drew up its plan",
     "Xã Hoằng Lộc xây dựng kế hoạch giảm nghèo năm 2020\nCập nhật: 10/03/2020\nThực hiện Kế hoạch "
     "số 25/KH-UBND ngày 15/02/2020 của UBND huyện Hoằng Hóa về giảm nghèo bền vững năm 2020, UBND "
     "xã Hoằng Lộc đã xây dựng Kế hoạch số 08/KH-UBND ngày 05/3/2020 với mục tiêu giảm tỷ lệ hộ "
     "nghèo xuống còn 2,5%.",
     dict(doc_type="Kế hoạch", number="08/KH-UBND", issue_date="2020-03-05", admin_level="xã",
          locality="Hoằng Lộc", district="Hoằng Hóa")),
    ("a portal copy that starts at its title",
     "KẾ HOẠCH Phát triển kinh tế - xã hội năm 2023 xã Trường Đông\nCăn cứ Nghị quyết số "
     "05/NQ-HĐND ngày 20/12/2022 của HĐND xã Trường Đông;\nUBND xã Trường Đông xây dựng kế hoạch "
     "như sau:\nI. MỤC TIÊU\n",
     dict(doc_type="Kế hoạch", number=None, issue_date=None, admin_level="xã",
          locality="Trường Đông")),
    ("an en dash in the number",
     "ỦY BAN NHÂN DÂN\nHUYỆN U MINH THƯỢNG\nSố: 120/KH–UBND\nU Minh Thượng, ngày 15 tháng 6 năm "
     "2021\nKẾ HOẠCH\n", dict(number="120/KH-UBND")),
    ("abbreviated level words",
     "UBND TP. HỒ CHÍ MINH\nSố: 4249/QĐ-UBND\nTP. Hồ Chí Minh, ngày 10 tháng 8 năm 2016\nQUYẾT "
     "ĐỊNH\n", dict(doc_type="Quyết định", admin_level="thành phố", locality="Hồ Chí Minh",
                    province="Hồ Chí Minh", issue_date="2016-08-10")),
    ("a date with dashes",
     "ỦY BAN NHÂN DÂN\nTỈNH PHÚ YÊN\nSố: 140/KH-UBND\nPhú Yên, ngày 25-8-2016\nKẾ HOẠCH\n",
     dict(issue_date="2016-08-25")),
    ("the commune line under its district without UBND",
     "UBND HUYỆN HOẰNG HÓA\nXÃ HOẰNG LỘC\nSố: 10/KH-UBND\nHoằng Lộc, ngày 3 tháng 3 năm 2020\n"
     "KẾ HOẠCH\n", dict(admin_level="xã", locality="Hoằng Lộc", district="Hoằng Hóa")),
    ("People's Council of a city, columns flattened",
     "HỘI ĐỒNG NHÂN DÂN | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nTHÀNH PHỐ HẢI PHÒNG | Độc lập - Tự "
     "do - Hạnh phúc\n------- | ---------------\nSố: 55/NQ-HĐND | Hải Phòng, ngày 09 tháng 12 năm "
     "2022\nNGHỊ QUYẾT\nVề ...\n",
     dict(doc_type="Nghị quyết", number="55/NQ-HĐND", issue_date="2022-12-09",
          admin_level="thành phố", locality="Hải Phòng", province="Hải Phòng")),
    ("a plan attached to its decision",
     "ỦY BAN NHÂN DÂN\nTỈNH HÒA BÌNH\n-------\nKẾ HOẠCH\nThực hiện Chương trình giảm nghèo\n(Kèm "
     "theo Quyết định số 816/QĐ-UBND ngày 10 tháng 4 năm 2017 của Ủy ban nhân dân tỉnh)\n",
     dict(doc_type="Kế hoạch", number="816/QĐ-UBND", issue_date="2017-04-10", admin_level="tỉnh",
          locality="Hòa Bình", province="Hòa Bình")),
    ("a steering committee under its commune, a draft",
     "UBND XÃ TRƯỜNG ĐÔNG\nBAN CHỈ ĐẠO GIẢM NGHÈO\nSố:  /KH-BCĐ\nTrường Đông, ngày  tháng 01 năm "
     "2023\nKẾ HOẠCH\nGiảm nghèo năm 2023\n\nCăn cứ ... của UBND thị xã Hòa Thành, tỉnh Tây Ninh;\n",
     dict(doc_type="Kế hoạch", number=None, issue_date=None, admin_level="xã",
          locality="Trường Đông", district="Hòa Thành", province="Tây Ninh")),
    ("a header that cannot be read",
     "Ủy ban nhân dân\n~~ ~~~ ~~\nSố: ...../KH-UBND\n..........., ngày ... tháng ... năm ....\n"
     "KẾ HOẠCH\nGiảm nghèo\n",
     dict(doc_type="Kế hoạch", number=None, issue_date=None, admin_level=None, locality=None,
          district=None, province=None)),
    ("a draft report borrows no number from the plan it mentions",
     "ỦY BAN NHÂN DÂN\nXÃ AN PHÚ\nSố:    /BC-UBND\nAn Phú, ngày    tháng 6 năm 2023\nBÁO CÁO\n"
     "Kết quả thực hiện 6 tháng đầu năm 2023\nThực hiện chỉ đạo của huyện, UBND xã đã xây dựng Kế "
     "hoạch số 15/KH-UBND ngày 10/02/2023 về giảm nghèo.\n",
     dict(doc_type="Báo cáo", number=None, issue_date=None, admin_level="xã",
          locality="An Phú")),
    ("the national motto wrapped under the province line",
     "UBND TỈNH PHÚ YÊN\nXÃ HỘI CHỦ NGHĨA VIỆT NAM\nSố: 140/KH-UBND\nPhú Yên, ngày 25 tháng 8 "
     "năm 2016\nKẾ HOẠCH\n", dict(admin_level="tỉnh", locality="Phú Yên", province="Phú Yên")),
    ("a hyphen inside a province name",
     "ỦY BAN NHÂN DÂN\nTỈNH THỪA THIÊN - HUẾ\nSố: 2114/QĐ-UBND\nHuế, ngày 09 tháng 9 năm 2016\n"
     "QUYẾT ĐỊNH\n", dict(admin_level="tỉnh", locality="Thừa Thiên Huế",
                          province="Thừa Thiên Huế")),
    ("a title-case header line naming its province",
     "Ủy ban nhân dân huyện Bắc Hà, tỉnh Lào Cai\nSố: 198/BC-UBND\nBắc Hà, ngày 29 tháng 6 năm "
     "2012\nBÁO CÁO\n", dict(admin_level="huyện", locality="Bắc Hà", province="Lào Cai")),
    ("a form the body cites is no number of the document",
     "ỦY BAN NHÂN DÂN\nXÃ AN PHÚ\nKẾ HOẠCH\nRà soát hộ nghèo năm 2023\n\nCăn cứ Quyết định số "
     "24/2021/QĐ-TTg ngày 16/7/2021;\nI. MỤC ĐÍCH\nLập danh sách theo mẫu (kèm theo Quyết định số "
     "24/2021/QĐ-TTg).\n", dict(doc_type="Kế hoạch", number=None, issue_date=None,
                                 admin_level="xã", locality="An Phú")),
    ("no issuing unit at all",
     "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nKẾ HOẠCH\nGiảm nghèo năm "
     "2024\n\nI. MỤC TIÊU\n- Tỷ lệ hộ nghèo giảm 1%.\n",
     dict(doc_type="Kế hoạch", number=None, issue_date=None, admin_level=None, locality=None,
          province=None, district=None)),
]


HEADERS += [
    ("a department heading its own document",
     "SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI\nTỈNH NINH BÌNH\n-------\nSố: 130/KH-SLĐTBXH\nNinh Bình, "
     "ngày 20 tháng 5 năm 2022\nKẾ HOẠCH\n",
     dict(doc_type="Kế hoạch", number="130/KH-SLĐTBXH", issue_date="2022-05-20",
          admin_level="tỉnh", locality="Ninh Bình", province="Ninh Bình")),
    ("a steering committee of a district",
     "BAN CHỈ ĐẠO CÁC CHƯƠNG TRÌNH MTQG HUYỆN U MINH THƯỢNG\nSố: 12/KH-BCĐ\nU Minh Thượng, ngày 3 "
     "tháng 3 năm 2021\nKẾ HOẠCH\n", dict(admin_level="huyện", locality="U Minh Thượng")),
    ("an official letter",
     "ỦY BAN NHÂN DÂN\nHUYỆN BẮC HÀ\nSố: 123/UBND-VX\nV/v triển khai rà soát hộ nghèo\nBắc Hà, ngày "
     "2 tháng 3 năm 2012\n", dict(doc_type="Công văn", number="123/UBND-VX")),
    ("a dot inside the number", "ỦY BAN NHÂN DÂN\nTỈNH PHÚ YÊN\nSố: 140/KH.UBND\nPhú Yên, ngày 25 "
     "tháng 8 năm 2016\nKẾ HOẠCH\n", dict(number="140/KH.UBND")),
]


# One decision laid out as different sites print it: tabs, markdown, the right column first,
# a markdown table, a number and place on one line, a department under its province.
_DECISION = dict(doc_type="Quyết định", number="816/QĐ-UBND", issue_date="2017-04-10",
                 admin_level="tỉnh", locality="Hòa Bình", province="Hòa Bình")
HEADERS += [
    ("columns joined by tabs",
     "ỦY BAN NHÂN DÂN\tCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nTỈNH HÒA BÌNH\tĐộc lập - Tự do - "
     "Hạnh phúc\nSố: 816/QĐ-UBND\tHòa Bình, ngày 10 tháng 4 năm 2017\n\nQUYẾT ĐỊNH\n", _DECISION),
    ("markdown bold and italics",
     "**ỦY BAN NHÂN DÂN**\n**TỈNH HÒA BÌNH**\n--------\nSố: 816/QĐ-UBND\n**CỘNG HÒA XÃ HỘI CHỦ "
     "NGHĨA VIỆT NAM**\n**Độc lập - Tự do - Hạnh phúc**\n*Hòa Bình, ngày 10 tháng 4 năm 2017*\n\n"
     "**QUYẾT ĐỊNH**\n", _DECISION),
    ("the right column first",
     "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nỦY BAN NHÂN DÂN\nTỈNH HÒA "
     "BÌNH\nSố: 816/QĐ-UBND\nHòa Bình, ngày 10 tháng 4 năm 2017\nQUYẾT ĐỊNH\n", _DECISION),
    ("number and place on one line",
     "ỦY BAN NHÂN DÂN TỈNH HÒA BÌNH\n-------\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - "
     "Hạnh phúc\nSố: 816/QĐ-UBND Hòa Bình, ngày 10 tháng 4 năm 2017\nQUYẾT ĐỊNH\n", _DECISION),
    ("a markdown table",
     "| ỦY BAN NHÂN DÂN TỈNH HÒA BÌNH ------- | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - "
     "Hạnh phúc --------------- |\n|---|---|\n| Số: 816/QĐ-UBND | Hòa Bình, ngày 10 tháng 4 năm "
     "2017 |\n\nQUYẾT ĐỊNH\n", _DECISION),
    ("a department under its province, one space between the columns",
     "UBND TỈNH HÒA BÌNH CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nSỞ LAO ĐỘNG-TB&XH Độc lập - Tự do - "
     "Hạnh phúc\nSố: 816/QĐ-SLĐTBXH Hòa Bình, ngày 10 tháng 4 năm 2017\nQUYẾT ĐỊNH\n",
     dict(_DECISION, number="816/QĐ-SLĐTBXH")),
]


# The issuer's unit line lost, copies that start at their headline or title, titles wrapped over
# blank lines, and the type a copy without header gives itself (round 2 of issue 13).
HEADERS += [
    ("the issuer over no unit line: the place line names the city the body names",
     "ỦY BAN NHÂN DÂN | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM |\nSố: 31/KH-UBND | Đà Nẵng, ngày 4 tháng "
     "5 năm 2023 |\nThực hiện Nghị quyết của Thành ủy về xây dựng thành phố Đà Nẵng đến năm 2030;\n",
     dict(doc_type="Kế hoạch", admin_level="thành phố", locality="Đà Nẵng", province="Đà Nẵng")),
    ("the issuer over no unit line: a district the body names",
     "ỦY BAN NHÂN DÂN\nSố: 30/KH-UBND\nLộc Hà, ngày 2 tháng 3 năm 2022\nKẾ HOẠCH\nGiảm nghèo năm "
     "2022\nCăn cứ Nghị quyết của Hội đồng nhân dân huyện Lộc Hà;\n",
     dict(admin_level="huyện", locality="Lộc Hà", district=None)),
    ("the issuer over no unit line: a place the body names at two levels is not guessed",
     "ỦY BAN NHÂN DÂN | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM |\nSố: 8/KH-UBND | Hà Tĩnh, ngày 4 tháng 1 "
     "năm 2023 |\nCăn cứ Kế hoạch của UBND tỉnh Hà Tĩnh về giảm nghèo trên địa bàn thành phố Hà "
     "Tĩnh;\n", dict(admin_level=None, locality=None, province="Hà Tĩnh")),
    ("the issuer over no unit line: a place the body never names with a level",
     "ỦY BAN NHÂN DÂN | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM |\nSố: 9/KH-UBND | Đồng Xoài, ngày 4 tháng "
     "1 năm 2023 |\nCăn cứ Quyết định số 90/QĐ-TTg ngày 18/01/2022 của Thủ tướng Chính phủ;\n",
     dict(admin_level=None, locality=None)),
    ("a copy that starts at its headline: the unit after 'của'",
     "Báo cáo tổng kết công tác giảm nghèo năm 2022 của xã Tân Lập, huyện Đan Phượng, thành phố Hà "
     "Nội\n\nI. KẾT QUẢ ĐẠT ĐƯỢC\n1. Hộ nghèo\nToàn xã còn 12 hộ nghèo.\n",
     dict(admin_level="xã", locality="Tân Lập", district="Đan Phượng", province="Hà Nội")),
    ("a copy that starts at its headline: 'trên địa bàn' a district",
     "Kết quả rà soát hộ nghèo cuối năm 2023 trên địa bàn huyện Mường Tè\n\nThực hiện chỉ đạo của "
     "tỉnh, các xã đã hoàn thành rà soát.\n", dict(admin_level="huyện", locality="Mường Tè")),
    ("a headline naming no unit after 'của' gives no unit",
     "Hiệu quả từ nguồn vốn của Ngân hàng Chính sách xã hội\n\nNăm 2023, huyện Mường Tè giải "
     "ngân 50 tỷ đồng.\n", dict(admin_level=None, locality=None)),
    ("a copy printed as one line: the cited issuer is no headline",
     "Căn cứ Quyết định số 12/QĐ-UBND ngày 5/1/2023 của UBND tỉnh Lai Châu; UBND xã xây dựng kế "
     "hoạch như sau: I. MỤC TIÊU ...", dict(admin_level="xã", locality=None, doc_type="Kế hoạch")),
    ("a title wrapped over blank lines keeps its unit",
     "KẾ HOẠCH\n\nHỗ trợ nhà ở cho hộ nghèo, hộ cận nghèo\n\nvà hộ có hoàn cảnh khó khăn năm 2024\n\n"
     "trên địa bàn xã Phú Mỹ\n\nThực hiện Kế hoạch của UBND huyện, Ủy ban nhân dân xã xây dựng Kế "
     "hoạch như sau:\n", dict(doc_type="Kế hoạch", admin_level="xã", locality="Phú Mỹ")),
    ("a title ends at a blank line before a capitalised line",
     "KẾ HOẠCH\n\nGiảm nghèo năm 2024\n\nTrên địa bàn xã có 40 hộ nghèo.\n",
     dict(doc_type="Kế hoạch", admin_level=None, locality=None)),
    ("a report without header says what it is before its first section",
     "Tình hình thực hiện nhiệm vụ năm 2023 và kế hoạch năm 2024 của xã Tam Thanh\n\nThực hiện "
     "Nghị quyết của HĐND xã về Kế hoạch phát triển kinh tế - xã hội năm 2023, UBND xã báo cáo "
     "kết quả thực hiện như sau:\n\nPHẦN THỨ NHẤT\nI. KINH TẾ\n- Chăn nuôi: lập kế hoạch tiêm "
     "phòng đợt 2.\n", dict(doc_type="Báo cáo", admin_level="xã", locality="Tam Thanh")),
    ("a plan without header says what it is before its first section",
     "Ủy ban nhân dân xã xây dựng Kế hoạch giảm nghèo năm 2024 như sau:\n\nI. MỤC TIÊU\nBáo cáo "
     "kết quả về UBND huyện trước ngày 15/12.\n", dict(doc_type="Kế hoạch")),
    ("a type word inside a section is an activity of the body",
     "Tình hình sản xuất nông nghiệp năm 2023\n\nI. TRỒNG TRỌT\nCác hợp tác xã đã lập kế hoạch "
     "sản xuất vụ đông; UBND xã ban hành kế hoạch phòng chống dịch.\n", dict(doc_type=None)),
]


HEADERS += [
    ("the issuer over no unit line, columns joined by spaces",
     "ỦY BAN NHÂN DÂN    CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nSố: 31/KH-UBND"
     "    Đà Nẵng, ngày 4 tháng 5 năm 2023\nCăn cứ Nghị quyết của Thành ủy về phát triển thành phố Đà "
     "Nẵng;\n", dict(admin_level="thành phố", locality="Đà Nẵng")),
    ("a headline under a portal's banner and posting time",
     "Cổng thông tin điện tử\nThứ Ba, 12/03/2024 - 08:15\nBáo cáo kết quả giảm nghèo năm 2023 của xã "
     "Tân Lập, huyện Đan Phượng\n\nI. KẾT QUẢ\n", dict(admin_level="xã", locality="Tân Lập")),
    ("a headline under a posting line with counters",
     "Ngày đăng: 12/03/2020 | Lượt xem: 215\nTình hình thực hiện giảm nghèo năm 2019 trên địa bàn "
     "huyện Mường Tè\n\nNăm 2019, toàn huyện giảm 612 hộ nghèo.\n",
     dict(admin_level="huyện", locality="Mường Tè")),
    ("a type word after a verb of the title is its object",
     "ỦY BAN NHÂN DÂN TỈNH PHÚ THỌ | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM | Số: 12/KH-UBND | Phú Thọ, "
     "ngày 5 tháng 3 năm 2023 | TRIỂN KHAI CHƯƠNG TRÌNH GIẢM NGHÈO NĂM 2023 Căn cứ Luật ...",
     dict(doc_type="Kế hoạch", number="12/KH-UBND", admin_level="tỉnh", locality="Phú Thọ")),
    ("a title-cased copy: type line and title in Title Case",
     "Kế Hoạch\n\nHỗ Trợ Nhà Ở Cho Hộ Nghèo Năm 2024\n\nTrên Địa Bàn Xã Phú Mỹ\n\nThực hiện Kế hoạch "
     "của UBND huyện, UBND xã xây dựng Kế hoạch như sau:\n",
     dict(doc_type="Kế hoạch", admin_level="xã", locality="Phú Mỹ")),
    ("a type word alone on a line of wrapped text is no type line",
     "ỦY BAN NHÂN DÂN\nXÃ AN PHÚ\nSố: 5/KH-UBND\nAn Phú, ngày 3 tháng 3 năm 2024\nCác thôn gửi\nbáo cáo"
     "\nvề UBND xã trước ngày 15/12.\n", dict(doc_type="Kế hoạch", number="5/KH-UBND")),
]


HEADERS += [
    ("a copy titled by its own type, number and date",
     "Kế hoạch số 45/KH-UBND ngày 12/3/2024 của UBND huyện Mường Tè về thực hiện giảm nghèo năm "
     "2024\n\nCăn cứ Quyết định số 90/QĐ-TTg ngày 18/01/2022 của Thủ tướng Chính phủ;\n",
     dict(doc_type="Kế hoạch", number="45/KH-UBND", issue_date="2024-03-12", admin_level="huyện",
          locality="Mường Tè")),
    ("a copy titled by its identification under a district portal's banner",
     "Cổng thông tin điện tử huyện Bảo Thắng\nThứ Hai, 22/01/2024 - 09:00\nQuyết định số 120/QĐ-UBND "
     "ngày 15 tháng 01 năm 2024 của UBND tỉnh Lào Cai ban hành Kế hoạch giảm nghèo\n",
     dict(doc_type="Quyết định", number="120/QĐ-UBND", issue_date="2024-01-15",
          admin_level="tỉnh", locality="Lào Cai")),
    ("a headline that cites another act is no identification",
     "Triển khai Kế hoạch số 45/KH-UBND của UBND huyện về giảm nghèo\nNgày 15/3, xã tổ chức hội "
     "nghị triển khai.\n", dict(number=None, issue_date=None)),
]


@pytest.mark.parametrize("text,want", [h[1:] for h in HEADERS], ids=[h[0] for h in HEADERS])
def test_real_header_layouts(text, want):
    assert not _wrong(facts_of(text), want)


# --- the seen real documents as other sites would print them --------------------------------

REAL = Path(__file__).resolve().parents[1] / ".." / "shared" / "real"


def _perturbations() -> dict:
    """Ways web copies differ from one another; each keeps the facts of the document."""
    def one_line(t):
        return re.sub(r"\s*\n\s*", " ", t[:700]) + t[700:]

    def markdown(t):
        lines = t.split("\n")
        return "\n".join(f"**{line.strip()}**" if i < 12 and line.strip() else line
                         for i, line in enumerate(lines))

    def title_case(t):
        lines = t.split("\n")
        return "\n".join(line.title() if i < 8 and line.isupper() else line
                         for i, line in enumerate(lines))

    return {
        "one line": one_line, "markdown": markdown, "title case": title_case,
        "no rules or pipes": lambda t: re.sub(r"[-_–]{3,}|\|", " ", t),
        "old font letters": lambda t: t.replace("Đ", "Ð").replace("ư", "ƣ").replace("Ư", "Ƣ"),
        "a portal's banner": lambda t: "Cổng thông tin điện tử\nThứ Hai, 15/03/2021 - 09:12\n" + t,
        "blank lines": lambda t: t.replace("\n", "\n\n"),
        "literal line ends": lambda t: t.replace("\n", "\\r\\n"),
        "tabs for pipes": lambda t: t.replace("|", "\t"),
        "spaces for line ends": lambda t: re.sub(r"\n", "    ", t[:500], count=6) + t[500:],
        "no-break spaces": lambda t: t.replace(" ", "\u00a0", 40),
        "zero-width spaces": lambda t: t.replace("Số:", "Số:\u200b").replace("ngày", "\u200bngày"),
        "decomposed accents": lambda t: unicodedata.normalize("NFD", t),
    }


@pytest.mark.skipif(not (REAL / "gold.json").is_file(), reason="../shared/real is absent")
def test_seen_real_documents_keep_their_facts_as_other_sites_print_them():
    """The seen parts only (a blind part is measured by bench/bench_real.py, never here)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    import bench_real
    from real_split import is_blind_document

    from pipeline.extract import extract_document
    from pipeline.ingest import decode_text

    gold = json.loads((REAL / "gold.json").read_text(encoding="utf-8"))["facts"]
    wrong = []
    for name in sorted(n for n in gold if not is_blind_document(n)):
        text = decode_text((REAL / name).read_bytes())
        for way, perturb in _perturbations().items():
            pages = bench_real.read_pages(perturb(text).encode("utf-8"))
            right = bench_real.score_facts(gold[name], extract_document(pages).facts)
            wrong += [(name, way, field) for field, ok in right.items() if not ok]
    assert not wrong, wrong
