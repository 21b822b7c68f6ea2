"""Comparison views over a real (temporary SQLite) store: rows, names, matrix and exports."""

from __future__ import annotations

import csv

import openpyxl
import pytest

from pipeline import compare, errors, numbers, store
from pipeline.records import DocumentFacts, Extraction, Grounding, Page, TargetRecord

DISTRICT_TEXT = (
    "KẾ HOẠCH giảm nghèo huyện Sông Xanh năm 2024\n"
    "Phấn đấu tỷ lệ hộ nghèo toàn huyện dưới 0,5%.\n"
    "Trên 95% hộ nghèo sử dụng nước sinh hoạt hợp vệ sinh.\n"
    "TT\tĐơn vị\tTỷ lệ giảm\n1\tCAM THÀNH\t0,64\n2\tCAM THANH\t0,47\n"
)
CAM_THANH_ACCENTED_TEXT = (
    "KẾ HOẠCH giảm nghèo xã Cam Thành năm 2024\n"
    "Tỷ lệ hộ nghèo giảm từ 0,5 - 1%.\n"
    "100% hộ nghèo, hộ cận nghèo sử dụng nước sinh hoạt hợp vệ sinh; "
    "90% hộ nghèo sử dụng nhà tiêu hợp vệ sinh.\n"
)
BINH_AN_TEXT = (
    "KẾ HOẠCH giảm nghèo xã Bình An năm 2024\n"
    "Ít nhất 92% hộ nghèo sử dụng nước sinh hoạt hợp vệ sinh.\n"
    "Năm 2023 đạt 80% hộ có nhà tiêu hợp vệ sinh; năm 2024 đạt 85% hộ có nhà tiêu.\n"
    "Giảm từ 5,21% xuống 3,25% hộ nghèo.\n"
)


def grounded(text: str, quote: str) -> Grounding:
    start = text.index(quote)
    return Grounding(page=1, char_start=start, char_end=start + len(quote), quote=quote)


def target(text, quote, indicator, comparator, value, *, unit="%", year="2024", locality=None,
           value_max=None, baseline=None, dimension=None) -> TargetRecord:
    return TargetRecord(indicator=indicator, dimension=dimension, subject="hộ nghèo",
                        comparator=comparator, value=value, value_max=value_max,
                        baseline=baseline, unit=unit, year=year, locality=locality,
                        grounding=grounded(text, quote))


def save(engine, name: str, text: str, facts: DocumentFacts, targets: list[TargetRecord]) -> int:
    pages = [Page(number=1, text=text, raw_text=text, source="plain")]
    return store.save_document(engine, sha256=name.ljust(64, "0"), file_name=f"{name}.txt",
                               pages=pages, extraction=Extraction(facts, targets=targets),
                               findings=[])


@pytest.fixture
def engine(tmp_path):
    engine = store.get_engine(f"sqlite:///{tmp_path / 'plans.db'}")
    d = DISTRICT_TEXT
    save(engine, "district", d, DocumentFacts(doc_type="Kế hoạch", admin_level="huyện",
                                              locality="Sông Xanh", province="Quảng Trị"), [
        target(d, "dưới 0,5%", "poverty_rate", "<", 0.5),
        target(d, "Trên 95% hộ nghèo sử dụng nước sinh hoạt", "domestic_water", ">", 95.0,
               dimension="water_sanitation"),
        target(d, "1\tCAM THÀNH\t0,64", "poverty_reduction", "reduce_by", 0.64,
               locality="CAM THÀNH"),
        target(d, "2\tCAM THANH\t0,47", "poverty_reduction", "reduce_by", 0.47,
               locality="CAM THANH"),
    ])
    c = CAM_THANH_ACCENTED_TEXT
    save(engine, "camthanh", c, DocumentFacts(doc_type="Kế hoạch", admin_level="xã",
                                              locality="Cam Thành", district="Sông Xanh",
                                              province="Quảng Trị"), [
        target(c, "từ 0,5 - 1%", "poverty_reduction", "range", 0.5, value_max=1.0),
        target(c, "100% hộ nghèo, hộ cận nghèo sử dụng nước sinh hoạt", "domestic_water", "=",
               100.0, dimension="water_sanitation"),
        target(c, "90% hộ nghèo sử dụng nhà tiêu", "hygienic_latrine", "=", 90.0,
               dimension="water_sanitation"),
    ])
    b = BINH_AN_TEXT
    save(engine, "binhan", b, DocumentFacts(doc_type="Kế hoạch", admin_level="xã",
                                            locality="Bình An", district="huyện Sông Xanh",
                                            province="Quảng Trị"), [
        target(b, "Ít nhất 92% hộ nghèo sử dụng nước sinh hoạt", "domestic_water", ">=", 92.0,
               dimension="water_sanitation"),
        target(b, "Năm 2023 đạt 80% hộ có nhà tiêu", "hygienic_latrine", "=", 80.0, year="2023",
               dimension="water_sanitation"),
        target(b, "năm 2024 đạt 85% hộ có nhà tiêu", "hygienic_latrine", "=", 85.0,
               dimension="water_sanitation"),
        target(b, "Giảm từ 5,21% xuống 3,25%", "poverty_rate", "reduce_to", 3.25, baseline=5.21),
    ])
    return engine


@pytest.fixture
def session(engine):
    with store.session_scope(engine) as s:
        yield s


def test_comparison_gives_one_row_per_locality_with_its_quote(session):
    frame = compare.comparison(session, "domestic_water")
    assert list(frame.columns[:16]) == [
        "locality", "admin_level", "district", "province", "value", "value_max", "comparator",
        "baseline", "unit", "year", "quote", "document", "page", "char_start", "char_end",
        "target_id"]
    rows = {r["locality"]: r for r in frame.to_dict("records")}
    assert set(rows) == {"Sông Xanh", "Cam Thành", "Bình An"}
    assert list(frame["locality"])[0] == "Sông Xanh"  # the district before its communes
    assert rows["Bình An"]["value"] == 92.0 and rows["Bình An"]["comparator"] == ">="
    assert rows["Bình An"]["display"] == "≥ 92%"
    assert rows["Cam Thành"]["admin_level"] == "xã"
    assert rows["Cam Thành"]["district"] == "Sông Xanh"
    texts = {"district.txt": DISTRICT_TEXT, "camthanh.txt": CAM_THANH_ACCENTED_TEXT,
             "binhan.txt": BINH_AN_TEXT}
    for r in rows.values():
        text = texts[r["document"]]
        assert text[r["char_start"]:r["char_end"]] == r["quote"]
        assert r["target_id"] > 0 and r["page"] == 1


def test_per_commune_rows_of_a_district_plan_are_their_communes(session):
    frame = compare.comparison(session, "poverty_reduction")
    rows = {r["locality"]: r for r in frame.to_dict("records")}
    # "CAM THÀNH" (district table) and "Cam Thành" (own plan) are one commune; "CAM THANH" is
    # another commune, told apart by its accents
    assert set(rows) == {"Cam Thành", "Cam Thanh"}
    assert rows["Cam Thanh"]["district"] == "Sông Xanh"
    assert rows["Cam Thanh"]["display"] == "giảm 0,47%"


def test_names_match_without_accents_case_or_level_word(session):
    frame = compare.comparison(session, "domestic_water", ["xa binh an", "CAM THÀNH"])
    assert list(frame["locality"]) == ["Bình An", "Cam Thành"]
    # exact spelling wins where two places differ only by accents
    frame = compare.comparison(session, "poverty_reduction", ["cam thanh"])
    assert list(frame["locality"]) == ["Cam Thanh"]


def test_indicator_names_match_code_label_or_keyword(session):
    assert compare.resolve_indicator(session, "domestic water") == "domestic_water"
    assert compare.resolve_indicator(session, "nuoc sinh hoat") == "domestic_water"
    assert compare.resolve_indicator(session, "Nhà tiêu hợp vệ sinh") == "hygienic_latrine"


def test_requested_locality_without_a_target_still_gets_a_row(session):
    frame = compare.comparison(session, "hygienic_latrine", ["Cam Thành", "Sông Xanh"])
    rows = {r["locality"]: r for r in frame.to_dict("records")}
    assert rows["Cam Thành"]["value"] == 90.0
    assert rows["Sông Xanh"]["display"] == "—"


def test_latest_year_by_default_and_the_asked_year_on_request(session):
    latest = compare.comparison(session, "hygienic_latrine", ["Bình An"])
    assert latest["value"].tolist() == [85.0]
    earlier = compare.comparison(session, "hygienic_latrine", ["Bình An"], year="2023")
    assert earlier["value"].tolist() == [80.0]


def test_district_filter_keeps_the_district_and_its_communes(session, engine):
    save(engine, "other", "KẾ HOẠCH xã Núi\n100% nước sinh hoạt.\n",
         DocumentFacts(admin_level="xã", locality="Núi", district="Khác"),
         [target("KẾ HOẠCH xã Núi\n100% nước sinh hoạt.\n", "100% nước sinh hoạt",
                 "domestic_water", "=", 100.0)])
    frame = compare.comparison(session, "domestic_water", district="huyện Sông Xanh")
    assert set(frame["locality"]) == {"Sông Xanh", "Cam Thành", "Bình An"}
    assert "Núi" in set(compare.comparison(session, "domestic_water")["locality"])


def test_unknown_locality_lists_the_known_ones(session):
    with pytest.raises(errors.UnknownName) as info:
        compare.comparison(session, "domestic_water", ["Hà Nội"])
    message = info.value.message
    assert "Hà Nội" in message
    for name in ("Bình An", "Cam Thành", "Sông Xanh"):
        assert name in message
    assert "Known localities" in message and "Các địa phương đã biết" in message
    assert info.value.exit_code == 2
    assert "Bình An" in info.value.known


def test_unknown_indicator_lists_the_known_codes(session):
    with pytest.raises(errors.UnknownName) as info:
        compare.check_names(session, "rain_fall")
    message = info.value.message
    assert "rain_fall" in message and "domestic_water" in message
    assert "Unknown indicator" in message
    with pytest.raises(errors.UnknownName):
        compare.check_names(session, indicators=["rain_fall"], localities=["Bình An"])
    compare.check_names(session, "nước sinh hoạt", ["binh an"])  # known names pass
    compare.check_names(session, indicators=["poverty_rate"], localities=[])


def test_known_names(session):
    assert compare.known_localities(session)[:1] == ["Sông Xanh"]
    assert {"Bình An", "Cam Thành", "Cam Thanh"} <= set(compare.known_localities(session))
    indicators = compare.known_indicators(session)
    assert indicators[:4] == ["hygienic_latrine", "domestic_water", "poverty_rate",
                              "poverty_reduction"] or set(indicators[:4]) == {
        "hygienic_latrine", "domestic_water", "poverty_rate", "poverty_reduction"}
    assert "housing_area" in indicators  # from the indicator table, without data yet


def test_empty_database_says_how_to_add_plans(tmp_path):
    engine = store.get_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with store.session_scope(engine) as session:
        assert compare.known_localities(session) == []
        frame = compare.comparison(session, "domestic_water")
        assert frame.empty and "quote" in frame.columns
        assert compare.matrix(session).empty
        with pytest.raises(errors.UnknownName) as info:
            compare.check_names(session, localities=["Cam Thành"])
        assert "plans ingest" in info.value.message


def test_matrix_holds_formatted_values_and_parallel_quotes(session):
    frame = compare.matrix(session)
    assert list(frame.columns[:2]) == ["indicator", "indicator_label"]
    assert list(frame.columns[2:]) == ["Sông Xanh", "Bình An", "Cam Thanh", "Cam Thành"]
    by_code = frame.set_index("indicator")
    assert by_code.loc["poverty_rate", "Sông Xanh"] == "< 0,5%"
    assert by_code.loc["poverty_rate", "Bình An"] == "từ 5,21% xuống 3,25%"
    assert by_code.loc["domestic_water", "Cam Thành"] == "100%"
    assert by_code.loc["hygienic_latrine", "Sông Xanh"] == ""
    quotes = compare.matrix_quotes(frame).set_index("indicator")
    assert quotes.loc["poverty_rate", "Sông Xanh"] == "dưới 0,5%"
    assert quotes.shape == by_code.shape
    g = frame.attrs["groundings"]["domestic_water"]["Bình An"]
    assert BINH_AN_TEXT[g["char_start"]:g["char_end"]] == g["quote"]
    only = compare.matrix(session, ["binh an"])
    assert list(only.columns[2:]) == ["Bình An"]


@pytest.mark.parametrize(("row", "text"), [
    ({"comparator": "<", "value": 0.5, "unit": "%"}, "< 0,5%"),
    ({"comparator": "range", "value": 0.5, "value_max": 1.0, "unit": "%"}, "0,5–1%"),
    ({"comparator": "reduce_by", "value": 0.56, "unit": "%"}, "giảm 0,56%"),
    ({"comparator": "reduce_to", "value": 3.25, "baseline": 5.21, "unit": "%"},
     "từ 5,21% xuống 3,25%"),
    ({"comparator": "=", "value": 14653.0, "unit": "hộ"}, "14.653 hộ"),
    ({"comparator": ">=", "value": 8.0, "unit": "m²/người"}, "≥ 8 m²/người"),
    ({"comparator": "=", "value": 383.0, "unit": "triệu đồng"}, "383 triệu đồng"),
    ({"comparator": "=", "value": float("nan"), "unit": "%"}, "—"),
])
def test_format_value_writes_vietnamese_numbers(row, text):
    assert numbers.format_value(row) == text


def test_csv_export_keeps_accents_and_quotes(session, tmp_path):
    frame = compare.comparison(session, "domestic_water")
    path = compare.export_csv(frame, tmp_path / "out" / "so-sanh.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert {r["locality"] for r in rows} == {"Sông Xanh", "Cam Thành", "Bình An"}
    assert all(r["quote"] for r in rows)


def test_xlsx_export_formats_sheets_and_links_every_value_to_its_quote(session, tmp_path):
    views = {"domestic_water": compare.comparison(session, "domestic_water"),
             "matrix": compare.matrix(session)}
    path = compare.export_xlsx(views, tmp_path / "so-sanh.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["domestic_water", "matrix", compare.NOTES_SHEET]
    notes = book[compare.NOTES_SHEET]
    note_header = [c.value for c in notes[1]]
    notes_by_row = {r: {h: notes.cell(row=r, column=i + 1).value
                        for i, h in enumerate(note_header)}
                    for r in range(2, notes.max_row + 1)}

    def follow(cell) -> dict:
        assert cell.hyperlink is not None, cell.coordinate
        sheet, ref = cell.hyperlink.location.split("!")
        assert sheet.strip("'") == compare.NOTES_SHEET
        return notes_by_row[int(ref.lstrip("A"))]

    for ws in (book["domestic_water"], book["matrix"]):
        assert ws.freeze_panes == "A2"
        assert all(c.font.bold for c in ws[1])
        assert ws.column_dimensions["A"].width >= 6

    ws = book["domestic_water"]
    header = [c.value for c in ws[1]]
    value_col, quote_col = header.index("value") + 1, header.index("quote") + 1
    assert quote_col == header.index("comparator") + 5  # the quote sits in the row, too
    for r in range(2, ws.max_row + 1):
        value, quote = ws.cell(r, value_col), ws.cell(r, quote_col).value
        assert isinstance(value.value, int | float) and value.number_format == "#,##0.00"
        note = follow(value)
        assert note["quote"] == quote and quote in value.comment.text
        assert note["document"].endswith(".txt") and note["page"] == 1

    ws = book["matrix"]
    header = [c.value for c in ws[1]]
    frame = views["matrix"]
    linked = 0
    for r in range(2, ws.max_row + 1):
        code = ws.cell(r, 1).value
        for c in range(3, len(header) + 1):
            cell = ws.cell(r, c)
            if not cell.value:
                continue
            expected = frame.attrs["quotes"][code][header[c - 1]]
            note = follow(cell)
            assert note["quote"] == expected and expected in cell.comment.text
            assert note["locality"] == header[c - 1] and note["indicator"] == code
            linked += 1
    assert linked == sum(len(v) for v in frame.attrs["quotes"].values()) > 0


def test_same_name_in_two_districts_stays_two_places(session, engine):
    text = "KẾ HOẠCH xã Bình An\nÍt nhất 50% hộ nghèo dùng nước sinh hoạt.\n"
    save(engine, "binhan2", text, DocumentFacts(admin_level="xã", locality="Bình An",
                                                district="Núi Đỏ"),
         [target(text, "Ít nhất 50% hộ nghèo dùng nước sinh hoạt", "domestic_water", ">=", 50.0)])
    known = compare.known_localities(session)
    assert "Bình An (Sông Xanh)" in known and "Bình An (Núi Đỏ)" in known
    frame = compare.comparison(session, "domestic_water", ["binh an"])
    assert sorted(frame["value"]) == [50.0, 92.0]
    frame = compare.comparison(session, "domestic_water", ["Bình An (Núi Đỏ)"])
    assert frame["value"].tolist() == [50.0]


def test_commune_plan_without_its_district_joins_the_districts_table_row(tmp_path):
    engine = store.get_engine(f"sqlite:///{tmp_path / 'p.db'}")
    d = DISTRICT_TEXT
    save(engine, "district", d, DocumentFacts(admin_level="huyện", locality="Sông Xanh"), [
        target(d, "1\tCAM THÀNH\t0,64", "poverty_reduction", "reduce_by", 0.64,
               locality="CAM THÀNH")])
    c = CAM_THANH_ACCENTED_TEXT
    save(engine, "camthanh", c, DocumentFacts(admin_level="xã", locality="Cam Thành"), [
        target(c, "100% hộ nghèo, hộ cận nghèo sử dụng nước sinh hoạt", "domestic_water", "=",
               100.0)])
    with store.session_scope(engine) as session:
        assert compare.known_localities(session) == ["Sông Xanh", "Cam Thành"]
        frame = compare.matrix(session)
        assert list(frame.columns[2:]) == ["Cam Thành"]  # the district sets none of its own
        row = frame.set_index("indicator")
        assert row.loc["poverty_reduction", "Cam Thành"] == "giảm 0,64%"
        assert row.loc["domestic_water", "Cam Thành"] == "100%"
