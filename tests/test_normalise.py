"""What real text carries, normalised before any rule reads it (pipeline/text.normalise).

Strings written for the test in the way public sites publish documents.
"""

from __future__ import annotations

import pytest

from pipeline.text import normalise, tone_key


@pytest.mark.parametrize("raw,clean", [
    ("còn dƣới 16%", "còn dưới 16%"),  # "ƣ" (latin oi) of old fonts for ư
    ("Ðến cuối năm", "Đến cuối năm"),  # the Icelandic eth for Đ
    ("Ɖạt ５０％ kế hoạch", "Đạt 50% kế hoạch"),  # the African D, full-width digits and signs
    ("KẾ HOẠCH\\r\\nGiảm nghèo\\r\\n", "KẾ HOẠCH\nGiảm nghèo\n"),  # line ends stored literally
    ("đến năm 2020của tỉnh", "đến năm 2020 của tỉnh"),
    ("Trang thông tin xã Thạch Kimhttps://x.gov.vn/a.jpg", "Trang thông tin xã Thạch Kim https://x.gov.vn/a.jpg"),
    ("ngày 16/7/20 21 của", "ngày 16/7/2021 của"),
    ("tỷ lệ đạt95% trở lên", "tỷ lệ đạt 95% trở lên"),
    ("định hướng đếnnăm 2030", "định hướng đến năm 2030"),
    ("Quyết định vềphê duyệt", "Quyết định về phê duyệt"),
    ("trên địa bàn xãHoằng Lộc", "trên địa bàn xã Hoằng Lộc"),
    ("hội trường, nhàthờ, cáchnày", "hội trường, nhà thờ, cách này"),
    ("Quyết định số 24/2021/QĐ - TTg ngày", "Quyết định số 24/2021/QĐ-TTg ngày"),
    ("Nghị quyết số 18 – NQ/TW ngày", "Nghị quyết số 18-NQ/TW ngày"),
    ("Số:    198  /BC-UBND", "Số:    198/BC-UBND"),
    ("Số:\u00a045/KH-UBND\u200b", "Số: 45/KH-UBND"),  # a no-break space, a zero-width space
])
def test_real_text_is_normalised(raw, clean):
    assert normalise(raw) == clean


@pytest.mark.parametrize("kept", [
    "xã Chrôh Pơnan", "người Êđê", "Pleiku, Internet", "m² và CO2", "Điều 1", "cd6 hd1",
    "quốc gia, nghiêng, khuyến nông, giữa", "tiép6 hộ",
])
def test_names_words_and_ocr_misreadings_are_kept(kept):
    assert normalise(kept) == kept


def test_tone_key_compares_old_and_new_tone_placement_only():
    assert tone_key("Hoà Bình") == tone_key("HÒA BÌNH")
    assert tone_key("Thuỷ") == tone_key("thủy")
    assert tone_key("Phú Mỹ") != tone_key("Phù Mỹ")
