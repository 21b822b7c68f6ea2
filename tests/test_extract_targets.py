"""Targets: Vietnamese numbers, comparators, indicators, tables, grounding, and the gold files."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from pipeline.extract import extract_document
from pipeline.extract.indicators import BY_CODE, INDICATORS
from pipeline.extract.quantities import find_quantities
from pipeline.extract.targets import extract_targets
from pipeline.numbers import parse_value
from pipeline.records import DocumentFacts, Page
from pipeline.text import fold

ROOT = Path(__file__).resolve().parents[1]
SHARED_PLANS = ROOT / ".." / "shared" / "plans"
GOLD = ROOT / "tests" / "fixtures" / "gold"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_extract", ROOT / "bench" / "bench_extract.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _targets(text: str, locality: str | None = "An Bình", year: int = 2024):
    page = Page(1, text, text, "plain")
    facts = DocumentFacts(locality=locality, period_start=year, period_end=year)
    return extract_targets([page], facts)


def _one(text: str):
    found = _targets("II. MỤC TIÊU\n" + text)
    assert len(found) == 1, [(t.indicator, t.value) for t in found]
    return found[0]


# --- numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "value"),
    [("0,5", 0.5), ("14.653", 14653), ("1.411", 1411), ("3,60", 3.6), ("2.850,5", 2850.5),
     ("100", 100), ("0.5", 0.5), ("1.234.567", 1234567)],
)
def test_parse_number(written, value):
    assert parse_value(written) == pytest.approx(value)


@pytest.mark.parametrize("written", ["1.2.3", "1,2,5", "1.234.5"])
def test_malformed_figures_are_no_number(written):
    """Extraction and audit once read these differently (1.2 / None); one reader now: None."""
    assert parse_value(written) is None
    assert find_quantities(fold(f"giảm {written}% hộ nghèo")) == []


def test_quantities_forms_and_units():
    qs = find_quantities(fold("giảm từ 5,21% xuống còn 3,25%, tương đương 24 hộ; từ 0,5 - 1%"))
    assert [(q.form, q.value, q.baseline, q.value_max, q.unit) for q in qs] == [
        ("reduce_to", 3.25, 5.21, None, "%"),
        ("single", 24, None, None, "hộ"),
        ("range", 0.5, None, 1.0, "%"),
    ]
    assert find_quantities(fold("tối thiểu 8 m²/người"))[0].unit == "m²/người"
    assert find_quantities(fold("tổng kinh phí 18.500 triệu đồng"))[0].value == 18500
    assert find_quantities(fold("450 trieu dong"))[0].unit == "triệu đồng"


def test_figures_that_are_not_quantities():
    text = "Quyết định số 90/QĐ-TTg ngày 18/01/2022; Dự án 2; trẻ em dưới 5 tuổi; cd6 đóng; năm 2024"
    assert find_quantities(fold(text)) == []


# --- comparators and indicators on sentences of the genre ------------------------------


@pytest.mark.parametrize(
    ("sentence", "indicator", "comparator", "value", "unit"),
    [
        ("- Tỷ lệ hộ nghèo toàn xã giảm xuống còn dưới 1,5%.", "poverty_rate", "<", 1.5, "%"),
        ("- Phấn đấu trong năm giảm 0,8% hộ nghèo.", "poverty_reduction", "reduce_by", 0.8, "%"),
        ("- Tỷ lệ hộ cận nghèo không quá 3%.", "near_poor_rate", "<=", 3, "%"),
        ("- Có ít nhất 40 hộ thoát nghèo.", "households_escaping", ">=", 40, "hộ"),
        ("- Trên 92% hộ nghèo sử dụng nước sinh hoạt hợp vệ sinh.", "domestic_water", ">", 92, "%"),
        ("- 85% hộ nghèo có nhà tiêu hợp vệ sinh.", "hygienic_latrine", "=", 85, "%"),
        ("- 100% người thuộc hộ cận nghèo được hỗ trợ mua thẻ BHYT.", "health_insurance", "=",
         100, "%"),
        ("- Tỷ lệ trẻ em dưới 5 tuổi suy dinh dưỡng thể nhẹ cân dưới 10%.",
         "malnutrition_weight", "<", 10, "%"),
        ("- Tỷ lệ suy dinh dưỡng chiều cao theo tuổi còn 14%.", "malnutrition_height", "=", 14,
         "%"),
        ("- 98% trẻ em thuộc hộ nghèo đi học đúng độ tuổi.", "school_attendance", "=", 98, "%"),
        ("- Đào tạo nghề cho tối thiểu 120 lao động nông thôn.", "vocational_training", ">=", 120,
         "lao động"),
        ("- 95% hộ nghèo được sử dụng dịch vụ viễn thông.", "telecom_use", "=", 95, "%"),
        ("- Bảo đảm diện tích nhà ở tối thiểu 8 m²/người.", "housing_area", ">=", 8, "m²/người"),
        ("- Tổng kinh phí dự kiến 1.200 triệu đồng.", "budget", "=", 1200, "triệu đồng"),
        ("- 100% cán bộ làm công tác giảm nghèo được tập huấn.", "staff_trained", "=", 100, "%"),
        ("- Có thêm 3 xã đạt chuẩn nông thôn mới.", "new_rural_communes", "increase_by", 3, "xã"),
        ("- Đến năm 2025 có 8/10 xã đạt chuẩn nông thôn mới.", "new_rural_communes", "=", 8, "xã"),
        ("- 100% hộ nghèo có nhu cầu được vay vốn Ngân hàng Chính sách xã hội.", "credit", "=",
         100, "%"),
        ("- Ty le ho ngheo giam xuong duoi 2%.", "poverty_rate", "<", 2, "%"),
        ("- Giảm tỷ lệ hộ nghèo còn 2,5% vào cuối năm.", "poverty_rate", "reduce_to", 2.5, "%"),
        ("- Số hộ nghèo giảm xuống còn 120 hộ.", "poor_households", "reduce_to", 120, "hộ"),
        ("- Giảm 50 hộ nghèo trong năm.", "poor_households_reduction", "reduce_by", 50, "hộ"),
        ("- Giảm tỷ lệ hộ nghèo từ 1,5% trở lên.", "poverty_reduction", ">=", 1.5, "%"),
        ("- Phấn đấu giảm ít nhất 50 hộ nghèo.", "poor_households_reduction", ">=", 50, "hộ"),
        ("- Thu nhập bình quân của hộ nghèo đạt 30 triệu đồng/người/năm.", "income", "=", 30,
         "triệu đồng/người/năm"),
        ("- Thu nhập của hộ nghèo tăng 1,5 lần so với năm 2021.", "income", "=", 1.5, "lần"),
        ("- Hỗ trợ phát triển sản xuất cho 40 hộ nghèo.", "production_support", "=", 40, "hộ"),
    ],
)
def test_single_targets(sentence, indicator, comparator, value, unit):
    t = _one(sentence)
    assert (t.indicator, t.comparator, t.value, t.unit) == (indicator, comparator, value, unit)
    assert t.dimension == BY_CODE[indicator].dimension


def test_reduce_to_with_baseline_and_equivalent_households():
    found = _targets(
        "II. MỤC TIÊU\nTỷ lệ hộ nghèo giảm từ 6,20% xuống còn 4,80%, tương đương giảm 35 hộ."
    )
    assert [(t.indicator, t.comparator, t.value, t.baseline) for t in found] == [
        ("poverty_rate", "reduce_to", 4.8, 6.2),
        ("poor_households_reduction", "reduce_by", 35, None),
    ]


def test_range_of_reduction_and_year():
    t = _one("- Tỷ lệ hộ nghèo giảm bình quân từ 1 - 1,5%/năm đến năm 2025.")
    assert (t.indicator, t.comparator, t.value, t.value_max) == ("poverty_reduction", "range", 1,
                                                                 1.5)
    assert t.year == "2025"
    assert t.locality == "An Bình"


def test_two_targets_in_one_sentence_get_their_own_indicator():
    found = _targets(
        "II. MỤC TIÊU\n- Giảm tỷ lệ trẻ em suy dinh dưỡng cân nặng theo tuổi xuống dưới 8% và "
        "tỷ lệ suy dinh dưỡng chiều cao theo tuổi xuống dưới 11%."
    )
    assert [(t.indicator, t.value) for t in found] == [("malnutrition_weight", 8),
                                                       ("malnutrition_height", 11)]


def test_support_rates_and_situation_figures_are_not_targets():
    text = (
        "I. TÌNH HÌNH CHUNG\n"
        "Toàn xã có 120 hộ nghèo, chiếm tỷ lệ 4,1%.\n"
        "II. NỘI DUNG\n"
        "- Hỗ trợ 100% chi phí mua thẻ bảo hiểm y tế; được miễn phí 100%.\n"
        "- Hỗ trợ 40 triệu đồng/hộ xây nhà.\n"
    )
    assert _targets(text) == []


def test_plans_numbered_without_roman_headings_still_skip_the_situation():
    text = (
        "1. Tình hình hộ nghèo\n"
        "Đầu năm toàn xã có 85 hộ nghèo, tỷ lệ 3,2%.\n"
        "2. Mục tiêu\n"
        "- Giảm 0,7% hộ nghèo.\n"
    )
    found = _targets(text)
    assert [(t.indicator, t.value) for t in found] == [("poverty_reduction", 0.7)]


def test_per_commune_table_gives_each_commune_and_the_total_its_targets():
    text = (
        "II. MỤC TIÊU\n"
        "TT\tĐơn vị\tHộ nghèo đầu năm\tTỷ lệ (%)\tSố hộ giảm\tTỷ lệ giảm (%)\t"
        "Tỷ lệ cuối năm (%)\n"
        "1\tXÃ AN BÌNH\t100\t5,00\t20\t1,00\t4,00\n"
        "2\tTT PHÚ LỘC\t50\t2,50\t10\t0,50\t2,00\n"
        "TỔNG CỘNG\t\t150\t3,75\t30\t0,75\t3,00\n"
    )
    found = _targets(text, locality="Phú Lộc")
    by_loc = {}
    for t in found:
        by_loc.setdefault(t.locality, []).append((t.indicator, t.comparator, t.value, t.baseline))
    assert by_loc["xã An Bình"] == [
        ("poor_households_reduction", "reduce_by", 20, None),
        ("poverty_reduction", "reduce_by", 1.0, None),
        ("poverty_rate", "reduce_to", 4.0, 5.0),
    ]
    assert ("poverty_rate", "reduce_to", 2.0, 2.5) in by_loc["thị trấn Phú Lộc"]
    assert ("poor_households_reduction", "reduce_by", 30, None) in by_loc["Phú Lộc"]
    page_text = "II. MỤC TIÊU\n" + text.split("\n", 1)[1]
    for t in found:
        assert t.grounding.quote == page_text[t.grounding.char_start:t.grounding.char_end]


def test_indicator_table_is_consistent():
    codes = [i.code for i in INDICATORS]
    assert len(codes) == len(set(codes))
    dims = {i.dimension for i in INDICATORS} - {None}
    assert dims == {"employment", "health", "education", "housing", "water_sanitation",
                    "information"}
    for ind in INDICATORS:
        for kw in ind.keywords:
            assert kw == fold(kw), kw  # keywords are written folded


# --- grounding -------------------------------------------------------------------------


def _plans() -> list[Path]:
    files = sorted(SHARED_PLANS.glob("*.txt")) if SHARED_PLANS.exists() else []
    return files + sorted((ROOT / "data" / "samples").glob("*.txt"))


def _params(paths: list[Path]) -> list:
    """Plans as test cases; "-blind-" plans are skipped: only the bench measures them, once."""
    blind = pytest.mark.skip(reason="blind plan: measured by bench/bench_extract.py only")
    return [pytest.param(p, id=p.stem, marks=[blind] if "-blind-" in p.stem else [])
            for p in paths]


@pytest.mark.parametrize("path", _params(_plans()))
def test_every_record_is_grounded_exactly(path):
    bench = _bench()
    pages = bench.load_pages(path)
    ex = extract_document(pages)
    records = list(ex.targets) + [r for r in ex.facts.references]
    records += list(ex.responsibilities) + list(ex.deadlines)
    for rec in records:
        g = rec.grounding
        page = pages[g.page - 1]
        assert g.quote == page.text[g.char_start:g.char_end]
        assert g.char_end > g.char_start
        if page.offsets:
            assert g.raw_char_start is not None and g.raw_char_end is not None
            assert 0 <= g.raw_char_start <= g.raw_char_end <= len(page.raw_text)
        else:
            assert g.raw_char_start is None


def test_restored_page_maps_back_to_raw_text():
    raw = "- Phan dau 100% ho ngheo co nha tieu hop ve sinh.\n"
    text = "- Phấn đấu 100% hộ nghèo có nhà tiêu hợp vệ sinh.\n"
    # a restoration that changed every accented word: offsets of equal-length words
    offsets = []
    for (r_word, t_word) in zip(raw.split(" "), text.split(" "), strict=True):
        if r_word != t_word:
            start = text.index(t_word)
            offsets.append((start, start + len(t_word), raw.index(r_word), raw.index(r_word)
                            + len(r_word)))
    page = Page(1, text, raw, "plain", text_mode="accent_stripped", offsets=offsets)
    facts = DocumentFacts(locality="X", period_start=2024, period_end=2024)
    (t,) = extract_targets([page], facts)
    assert t.indicator == "hygienic_latrine"
    g = t.grounding
    assert fold(raw[g.raw_char_start:g.raw_char_end]) == fold(g.quote)


# --- gold ------------------------------------------------------------------------------


def _gold_plans() -> list[Path]:
    return [p for p in _plans() if (GOLD / "targets" / f"{p.stem}.json").exists()]


@pytest.mark.parametrize("path", _params(_gold_plans()))
def test_targets_match_gold(path):
    bench = _bench()
    pages = bench.load_pages(path)
    ex = extract_document(pages)
    gold = json.loads((GOLD / "targets" / f"{path.stem}.json").read_text(encoding="utf-8"))
    matched, predicted, n_gold = bench.score_targets(gold, ex, pages)
    assert matched / n_gold >= 0.9, (matched, n_gold)
    assert matched / max(predicted, 1) >= 0.9, (matched, predicted)


@pytest.mark.parametrize("path", _params(_gold_plans()))
def test_gold_quotes_stand_in_their_plans(path):
    """A gold quote is the clause a reader marks in the plan: it must stand in the plan's text."""
    bench = _bench()
    pages = bench.load_pages(path, restore=False)
    for g in json.loads((GOLD / "targets" / f"{path.stem}.json").read_text(encoding="utf-8")):
        assert any(bench.quote_spans(p, g["quote"]) for p in pages), g["quote"]


def test_restated_shares_equivalents_and_parts():
    text = (
        "II. MỤC TIÊU\n"
        "- Số hộ nghèo giảm 45 hộ, còn 230 hộ (chiếm 2,8%).\n"
        "- Giảm 0,5% hộ cận nghèo, tương ứng 60 hộ.\n"
        "- Tỷ lệ lao động qua đào tạo đạt 70%, trong đó có bằng cấp, chứng chỉ đạt 30%.\n"
        "- Tỷ lệ hộ nghèo giảm 2% so với năm 2023 (từ 5,5% xuống còn 3,5%).\n"
    )
    got = [(t.indicator, t.comparator, t.value, t.unit, t.year) for t in _targets(text)]
    assert got == [
        ("poor_households_reduction", "reduce_by", 45, "hộ", "2024"),
        ("poor_households", "reduce_to", 230, "hộ", "2024"),
        ("poverty_rate", "reduce_to", 2.8, "%", "2024"),
        ("near_poor_reduction", "reduce_by", 0.5, "%", "2024"),
        ("near_poor_households_reduction", "reduce_by", 60, "hộ", "2024"),
        ("vocational_training", "=", 70, "%", "2024"),
        ("vocational_training", "=", 30, "%", "2024"),
        ("poverty_reduction", "reduce_by", 2, "%", "2024"),
        ("poverty_rate", "reduce_to", 3.5, "%", "2024"),
    ]


def test_table_over_a_page_break_and_households_escaping_column():
    p1 = ("II. MỤC TIÊU\n"
          "TT\tĐơn vị\tHộ nghèo đầu năm\tChỉ tiêu giao năm 2024 - Số hộ thoát nghèo\n"
          "1\tXã An Bình\t100\t12\n")
    p2 = "2\tXã Phú Lộc\t80\t9\n"
    pages = [Page(1, p1, p1, "plain"), Page(2, p2, p2, "plain")]
    facts = DocumentFacts(locality="X", period_start=2024, period_end=2024)
    found = extract_targets(pages, facts)
    assert [(t.indicator, t.value, t.locality, t.grounding.page) for t in found] == [
        ("households_escaping", 12, "xã An Bình", 1),
        ("households_escaping", 9, "xã Phú Lộc", 2),
    ]
    for t in found:
        text = pages[t.grounding.page - 1].text
        assert t.grounding.quote == text[t.grounding.char_start:t.grounding.char_end]


def test_saved_spacy_model_matches_the_indicator_tables():
    """models/spacy_plans must be rebuilt (make models) whenever indicators.py changes."""
    import runpy

    from pipeline.extract.nlp import find_mentions, load_pipeline

    build = runpy.run_path(str(ROOT / "scripts" / "build_spacy_model.py"))
    ruler = load_pipeline().get_pipe("span_ruler")
    saved = sorted((p["label"], str(p["pattern"])) for p in ruler.patterns)
    wanted = sorted((p["label"], str(p["pattern"])) for p in build["patterns"]())
    assert saved == wanted
    # accent-insensitive: the same span with and without accents
    with_accents = [(m.label, m.key) for m in find_mentions("tỷ lệ hộ nghèo, nhà tiêu")]
    without = [(m.label, m.key) for m in find_mentions("ty le ho ngheo, nha tieu")]
    assert ("IND", "poverty_rate") in with_accents and with_accents == without


def test_extract_document_runs_every_extractor():
    path = ROOT / "data" / "samples" / "kh-xa-targets-01.txt"
    text = path.read_text(encoding="utf-8")
    ex = extract_document([Page(1, text, text, "plain")])
    assert ex.facts.locality == "Thạch Đà"
    assert ex.targets and all(t.locality == "Thạch Đà" for t in ex.targets)
    assert ex.responsibilities, "responsibilities come from extract/responsibilities.py"
    assert ex.deadlines, "deadlines come from extract/deadlines.py"


def test_table_of_indicators_with_unit_column():
    text = (
        "PHỤ LỤC: CÁC CHỈ TIÊU GIẢM NGHÈO NĂM 2024\n"
        "| TT | Chỉ tiêu | Đơn vị tính | Thực hiện 2023 | Kế hoạch 2024 |\n"
        "|---|---|---|---|---|\n"
        "| 1 | Tỷ lệ hộ nghèo | % | 3,20 | 2,50 |\n"
        "| 2 | Số hộ nghèo giảm | Hộ | 40 | 35 |\n"
        "| 3 | Tỷ lệ người dân tham gia BHYT | % | 92 | ≥ 95 |\n"
        "| 4 | Kinh phí thực hiện | Triệu đồng | 800 | 1.200 |\n"
    )
    got = [(t.indicator, t.comparator, t.value, t.unit, t.year, t.baseline)
           for t in _targets(text)]
    assert got == [
        ("poverty_rate", "=", 2.5, "%", "2024", None),
        ("poor_households_reduction", "reduce_by", 35, "hộ", "2024", None),
        ("health_insurance", ">=", 95, "%", "2024", None),
        ("budget", "=", 1200, "triệu đồng", "2024", None),
    ]


# --- situation sections, past columns, bounds, support levels (genre rules) -------------


@pytest.mark.parametrize(
    ("sentence", "comparator"),
    [
        ("- Tỷ lệ lao động có việc làm không dưới 85%.", ">="),
        ("- Tỷ lệ lao động có việc làm không thấp hơn 85%.", ">="),
        ("- Tỷ lệ lao động có việc làm tối thiểu 85%.", ">="),
        ("- Tỷ lệ lao động có việc làm ít nhất 85%.", ">="),
        ("- Tỷ lệ lao động có việc làm từ 85% trở lên.", ">="),
        ("- Tỷ lệ lao động có việc làm đạt 85% trở lên.", ">="),
        ("- Tỷ lệ lao động có việc làm trên 85%.", ">"),
        ("- Tỷ lệ lao động có việc làm cao hơn 85%.", ">"),
        ("- Tỷ lệ lao động có việc làm không vượt quá 85%.", "<="),
        ("- Tỷ lệ lao động có việc làm không quá 85%.", "<="),
        ("- Tỷ lệ lao động có việc làm tối đa 85%.", "<="),
        ("- Tỷ lệ lao động có việc làm dưới 85%.", "<"),
        ("- Tỷ lệ lao động có việc làm thấp hơn 85%.", "<"),
        ("- Tỷ lệ lao động có việc làm đạt 85%.", "="),
        ("- Ty le lao dong co viec lam khong duoi 85%.", ">="),
    ],
)
def test_bound_words_before_and_after_a_figure(sentence, comparator):
    t = _one(sentence)
    assert (t.indicator, t.value, t.comparator) == ("employment", 85, comparator)


@pytest.mark.parametrize(
    "heading",
    ["I. KẾT QUẢ THỰC HIỆN CÔNG TÁC GIẢM NGHÈO NĂM 2023", "I. KẾT QUẢ GIẢM NGHÈO 2021 - 2023",
     "I. ĐÁNH GIÁ CÔNG TÁC GIẢM NGHÈO", "I. TÌNH HÌNH HỘ NGHÈO", "I. THỰC TRẠNG HỘ NGHÈO"],
)
def test_situation_headings_give_baselines_not_targets(heading):
    text = (f"{heading}\nToàn xã giảm 0,9% hộ nghèo; 90% hộ nghèo có nhà tiêu hợp vệ sinh.\n"
            "II. MỤC TIÊU\n- Giảm 0,6% hộ nghèo.\n")
    found = _targets(text, year=2024)
    assert [(t.indicator, t.value) for t in found] == [("poverty_reduction", 0.6)]


def test_results_heading_of_the_plan_year_is_not_a_situation():
    text = "I. KẾT QUẢ CẦN ĐẠT NĂM 2024\n- Giảm 0,6% hộ nghèo.\n"
    assert [(t.indicator, t.value) for t in _targets(text, year=2024)] == [
        ("poverty_reduction", 0.6)]


def test_table_column_of_a_year_before_the_plan_is_the_baseline():
    text = (
        "II. CHỈ TIÊU\n"
        "TT\tĐơn vị\tTỷ lệ hộ nghèo cuối năm 2023 (%)\tTỷ lệ giảm (%)\t"
        "Tỷ lệ hộ nghèo cuối năm 2025 (%)\n"
        "1\tXÃ NAM SƠN\t6,40\t2,10\t4,30\n"
    )
    page = Page(1, text, text, "plain")
    facts = DocumentFacts(locality="Bắc Sơn", period_start=2024, period_end=2025)
    found = [(t.indicator, t.comparator, t.value, t.baseline)
             for t in extract_targets([page], facts)]
    assert found == [("poverty_reduction", "reduce_by", 2.1, None),
                     ("poverty_rate", "reduce_to", 4.3, 6.4)]


def test_indicator_table_column_of_a_past_year_is_not_a_target():
    text = (
        "II. CHỈ TIÊU\n"
        "TT\tChỉ tiêu\tĐơn vị tính\tNăm 2023\tNăm 2024\n"
        "1\tTỷ lệ hộ nghèo có nhà tiêu hợp vệ sinh\t%\t70\t80\n"
    )
    found = _targets(text, year=2024)
    assert [(t.indicator, t.value) for t in found] == [("hygienic_latrine", 80)]


@pytest.mark.parametrize(
    "sentence",
    ["- Hỗ trợ 100% mệnh giá thẻ bảo hiểm y tế cho người thuộc hộ cận nghèo.",
     "- Hỗ trợ 70% chi phí khám chữa bệnh cho người thuộc hộ nghèo.",
     "- Miễn 100% học phí cho học sinh thuộc hộ nghèo."],
)
def test_support_levels_are_not_targets(sentence):
    assert _targets("II. NỘI DUNG\n" + sentence) == []


def test_figures_under_a_results_part_are_baselines():
    text = ("Phần thứ nhất\nKẾT QUẢ THỰC HIỆN NĂM 2023\n"
            "Đầu năm toàn xã có 410 hộ nghèo, chiếm 20,5%; trong năm giảm 35 hộ nghèo.\n"
            "I. Tồn tại\nTỷ lệ hộ nghèo còn 18,75%.\n"
            "Phần thứ hai\nMỤC TIÊU NĂM 2024\nI. Chỉ tiêu\nTỷ lệ hộ nghèo giảm 2%.\n")
    found = _targets(text)
    assert [(t.indicator, t.value) for t in found] == [("poverty_reduction", 2.0)]


def test_figures_under_a_lettered_situation_part_are_baselines():
    text = ("A. TÌNH HÌNH HỘ NGHÈO CUỐI NĂM 2023\n"
            "Toàn huyện có 3.100 hộ nghèo, chiếm 6,2%; giải quyết việc làm cho 900 lao động.\n"
            "B. MỤC TIÊU NĂM 2024\nI. CHỈ TIÊU CỤ THỂ\n1. Giải quyết việc làm cho 1.000 lao động.\n")
    found = _targets(text)
    assert [(t.indicator, t.value) for t in found] == [("employment", 1000.0)]


def test_workers_sent_abroad_under_contract_are_labour_export_not_jobs_at_home():
    found = _targets("II. MỤC TIÊU\nGiải quyết việc làm cho 1.500 lao động, trong đó đưa 45 người "
                     "đi làm việc ở nước ngoài theo hợp đồng.\n")
    assert [(t.indicator, t.value) for t in found] == [("employment", 1500.0),
                                                      ("job_connection", 45.0)]


def test_reduction_column_whose_heading_ocr_misread_is_found_by_its_arithmetic():
    """A per-commune table whose "Chỉ tiêu giảm nghèo" heading OCR read "Chỉ tiên": start -
    that column = end in every row makes it the reduction (its targets were lost)."""
    text = (
        "II. MỤC TIÊU\n"
        "TT\tĐơn vị\tHộ nghèo đầu năm\tHộ nghèo đầu năm\tChỉ tiên giảm nghèo năm 2024\t"
        "Chỉ tiên giảm nghèo năm 2024\tHộ nghèo cuối năm\tHộ nghèo cuối năm\n"
        "\t\tSố hộ\tTỷ lệ (%)\tSố hộ\tTỷ lệ (%)\tSố hộ\tTỷ lệ (%)\n"
        "1\tXã An Bình\t100\t5,00\t20\t1,00\t80\t4,00\n"
        "2\tXã Phú Lộc\t50\t2,50\t10\t0,50\t40\t2,00\n"
        "3\tXã Tân Hòa\t60\t3,00\t12\t0,60\t48\t2,40\n"
    )
    found = _targets(text, locality="Phú Lộc")
    reductions = {(t.locality, t.indicator, t.value) for t in found
                  if t.comparator == "reduce_by"}
    assert ("xã An Bình", "poor_households_reduction", 20) in reductions
    assert ("xã Tân Hòa", "poverty_reduction", 0.6) in reductions
    # a column whose figures do not subtract so stays what its heading says
    broken = text.replace("\t20\t1,00\t", "\t25\t1,50\t").replace("\t10\t0,50\t", "\t7\t0,90\t")
    broken = broken.replace("\t12\t0,60\t", "\t3\t0,10\t")
    assert not [t for t in _targets(broken, locality="Phú Lộc") if t.comparator == "reduce_by"]
