"""Audit findings: each kind found where it should be, and silent where the plan is sound."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pipeline import audit, numbers
from pipeline.audit import document, figures, tables
from pipeline.records import (
    DIMENSIONS,
    DeadlineRecord,
    DocumentFacts,
    Extraction,
    Grounding,
    Page,
    ResponsibilityRecord,
    TargetRecord,
)
from pipeline.text import fold

SHARED_PLANS = Path(__file__).resolve().parents[1] / ".." / "shared" / "plans"


def page(text: str, number: int = 1, **kw) -> Page:
    return Page(number=number, text=text, raw_text=kw.pop("raw_text", text), source="plain", **kw)


def grounding_at(p: Page, quote: str) -> Grounding:
    start = p.text.index(quote)
    return Grounding(p.number, start, start + len(quote), quote)


def kinds(findings) -> list[str]:
    return [f.kind for f in findings]


def assert_grounded(finding, pages) -> None:
    """Every grounding quotes exactly the text at its span."""
    by_number = {p.number: p for p in pages}
    assert finding.groundings, finding
    for g in finding.groundings:
        assert by_number[g.page].text[g.char_start:g.char_end] == g.quote


# --------------------------------------------------------------------------- numbers

def test_parse_number_reads_vietnamese_figures():
    assert numbers.parse_number("14.653") == numbers.Number(14653.0, 0)
    assert numbers.parse_number("5,21") == numbers.Number(5.21, 2)
    assert numbers.parse_number("1.234,5") == numbers.Number(1234.5, 1)
    assert numbers.parse_number("3.25") == numbers.Number(3.25, 2)  # an OCR'd decimal point
    assert numbers.parse_number("0,5%").value == 0.5
    assert numbers.parse_number("CAM AN") is None
    assert numbers.parse_number("10=2-8") is None


def test_fold_maps_back_to_source_positions():
    text = "Tỷ lệ hộ nghèo giảm"
    folded = fold(text)  # one fold for every stage: the same length, so positions carry over
    assert folded == "ty le ho ngheo giam"
    start = folded.index("ngheo")
    assert text[start: start + 5] == "nghèo"


# --------------------------------------------------------------------------- tables

TABLE = (
    "Chỉ tiêu giảm nghèo của các xã như sau:\n\n"
    "TT\tĐơn vị\tDân số (hộ)\tHộ nghèo\tTỷ lệ (%)\tHộ giảm\n"
    "A\tB\t1\t2\t3\t4\n"
    "1\tXã Một\t1.000\t50\t5,00\t10\n"
    "2\tXã Hai\t2.000\t40\t2,00\t8\n"
    "3\tXã Ba\t500\t10\t2,00\t2\n"
    "TỔNG CỘNG\t\t3.500\t{poor}\t{rate}\t20\n\n"
    "Đoạn văn sau bảng.\n"
)


def test_table_total_that_adds_up_gives_no_finding():
    p = page(TABLE.format(poor="100", rate="2,86"))
    assert tables.table_total_mismatches([p]) == []


def test_table_total_count_mismatch_is_found_on_the_total_row():
    p = page(TABLE.format(poor="110", rate="3,14"))
    findings = tables.table_total_mismatches([p])
    assert kinds(findings) == ["table_total_mismatch"]
    f = findings[0]
    assert f.detail["check"] == "sum"
    assert f.detail["sum"] == 100 and f.detail["total"] == 110
    assert f.detail["column"] == 4 and f.detail["label"] == "2"
    assert f.groundings[0].quote.startswith("TỔNG CỘNG")
    assert_grounded(f, [p])


def test_table_total_rate_is_checked_as_a_ratio_of_totals():
    # 100 / 3.500 = 2,857%: "2,86" is right, "4,00" (an average of the rows' rates) is wrong
    p = page(TABLE.format(poor="100", rate="4,00"))
    findings = tables.table_total_mismatches([p])
    assert kinds(findings) == ["table_total_mismatch"]
    assert findings[0].detail["check"] == "ratio"
    assert findings[0].detail["expected"] == pytest.approx(2.857, abs=0.001)


def test_table_row_rate_that_breaks_the_pattern_is_inconsistent():
    text = TABLE.format(poor="100", rate="2,86").replace("2.000\t40\t2,00", "2.000\t40\t3,00")
    p = page(text)
    findings = tables.table_total_mismatches([p])
    assert kinds(findings) == ["inconsistent_numbers"]
    assert findings[0].detail["row"] == "Xã Hai"
    assert findings[0].detail["expected"] == pytest.approx(2.0)


def test_markdown_table_with_total_row_is_checked():
    text = ("| TT | Đơn vị | Số hộ |\n|---|---|---|\n| 1 | Thôn A | 12 |\n| 2 | Thôn B | 30 |\n"
            "| | Tổng | 43 |\n")
    findings = tables.table_total_mismatches([page(text)])
    assert kinds(findings) == ["table_total_mismatch"]
    assert findings[0].detail["sum"] == 42


def test_table_without_total_row_is_not_checked():
    text = "TT\tĐơn vị\tSố hộ\n1\tThôn A\t12\n2\tThôn B\t30\n3\tThôn C\t7\n"
    assert tables.table_total_mismatches([page(text)]) == []


# --------------------------------------------------------------------------- sentences

def test_reduction_restated_in_households_that_agrees_is_silent():
    text = ("Tỷ lệ hộ nghèo toàn xã giảm từ 5,21% xuống 3,25%, tương đương giảm từ 64 hộ "
            "xuống còn 40 hộ.")
    assert figures.inconsistent_numbers([page(text)]) == []


def test_reduction_restated_in_households_that_disagrees_is_found():
    text = ("Tỷ lệ hộ nghèo toàn xã giảm từ 5,21% xuống 3,75%, tương đương giảm từ 64 hộ "
            "xuống còn 40 hộ.")
    p = page(text)
    findings = figures.inconsistent_numbers([p])
    assert kinds(findings) == ["inconsistent_numbers"]
    d = findings[0].detail
    assert d["implied_total_from"] == pytest.approx(1228.4, abs=0.1)
    assert d["implied_total_to"] == pytest.approx(1066.7, abs=0.1)
    assert findings[0].groundings[0].quote.startswith("5,21% xuống 3,75%")
    assert_grounded(findings[0], [p])


def test_reduction_pair_is_read_on_accent_stripped_ocr_text():
    text = "Ty le ho ngheo giam tir 5,21% xudng 3,75%, twong dwong giam tir\n64 ho xudng con 40 ho"
    assert kinds(figures.inconsistent_numbers([page(text)])) == ["inconsistent_numbers"]


def test_two_different_subjects_side_by_side_are_not_compared():
    text = ("Tỷ lệ hộ nghèo giảm từ 5,21% xuống 3,75% và hộ cận nghèo giảm từ 64 hộ xuống "
            "còn 40 hộ.")
    assert figures.inconsistent_numbers([page(text)]) == []


def test_reduction_in_households_against_the_documents_total():
    intro = "Toàn huyện có:\n- 14.653 hộ, trong đó 609 hộ nghèo/14.653 tổng số hộ, chiếm tỷ lệ 4,16%.\n"
    good = page(intro + "Phấn đấu trong năm giảm 0,56% hộ nghèo (tương đương 82 hộ nghèo).")
    assert figures.inconsistent_numbers([good]) == []
    bad = page(intro + "Phấn đấu trong năm giảm 0,56% hộ nghèo (tương đương 120 hộ nghèo).")
    findings = figures.inconsistent_numbers([bad])
    assert kinds(findings) == ["inconsistent_numbers"]
    assert findings[0].detail["check"] == "rate_equivalent"
    assert findings[0].detail["total"] == 14653
    assert_grounded(findings[0], [bad])


def test_reduction_in_households_without_a_stated_total_is_not_judged():
    text = "Phấn đấu trong năm giảm 0,56% hộ nghèo (tương đương 120 hộ nghèo)."
    assert figures.inconsistent_numbers([page(text)]) == []


def test_count_over_total_with_wrong_share_is_found():
    text = "- 609 hộ nghèo/14.653 tổng số hộ, chiếm tỷ lệ 5,16%."
    findings = figures.inconsistent_numbers([page(text)])
    assert kinds(findings) == ["inconsistent_numbers"]
    assert findings[0].detail["expected_rate"] == pytest.approx(4.156, abs=0.001)


def test_sample_plans_raise_no_number_findings():
    """The real plans' tables and sentences add up: no false alarm on them."""
    if not SHARED_PLANS.is_dir():
        pytest.skip("../shared/plans is absent")
    for path in sorted(SHARED_PLANS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        pages = [page(text)]
        assert tables.table_total_mismatches(pages) == [], path.name
        assert figures.inconsistent_numbers(pages) == [], path.name


def test_sample_table_with_a_changed_cell_is_caught():
    if not SHARED_PLANS.is_dir():
        pytest.skip("../shared/plans is absent")
    for path in sorted(SHARED_PLANS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        found = tables.table_rows([page(text)])
        totals = [r for t in found for r in t if tables.is_total_row(r)]
        if not totals:
            continue
        row = totals[0]
        cells = row.cells
        j = next(i for i in range(len(cells) - 1, -1, -1)
                 if numbers.parse_number(cells[i]) and numbers.parse_number(cells[i]).decimals == 0)
        changed = list(cells)
        changed[j] = str(int(numbers.parse_number(cells[j]).value) + 1)
        line = text[row.start:row.end]
        mutated = text.replace(line, "\t".join(changed))
        findings = tables.table_total_mismatches([page(mutated)])
        assert "table_total_mismatch" in kinds(findings), path.name
        return
    pytest.skip("no sample plan holds a table with a total row")


# --------------------------------------------------------------------------- extraction checks

def target(dimension, p: Page, quote: str, **kw) -> TargetRecord:
    fields = dict(indicator="x", dimension=dimension, subject=None, comparator="=", value=100.0,
                  value_max=None, baseline=None, unit="%", year="2024", locality=None)
    fields.update(kw)
    return TargetRecord(grounding=grounding_at(p, quote), **fields)


PLAN_TEXT = ("KẾ HOẠCH\nI. MỤC TIÊU\n2. Mục tiêu cụ thể\n- Việc làm 100%.\n- Y tế 100%.\n"
             "- Giáo dục 95%.\n- Nhà ở 70%.\n- Nước 100%.\n- Thông tin 90%.\n")


def test_plan_with_all_six_dimensions_has_none_missing():
    p = page(PLAN_TEXT)
    quotes = ["Việc làm", "Y tế", "Giáo dục", "Nhà ở", "Nước", "Thông tin"]
    targets = [target(d, p, q) for d, q in zip(DIMENSIONS, quotes, strict=True)]
    extraction = Extraction(DocumentFacts(doc_type="Kế hoạch"), targets=targets)
    assert document.missing_dimensions([p], extraction) == []


def test_plan_missing_two_dimensions_gets_one_finding_each():
    p = page(PLAN_TEXT)
    targets = [target("employment", p, "Việc làm"), target("health", p, "Y tế"),
               target("water_sanitation", p, "Nước"), target("information", p, "Thông tin")]
    extraction = Extraction(DocumentFacts(doc_type="Kế hoạch"), targets=targets)
    findings = document.missing_dimensions([p], extraction)
    assert kinds(findings) == ["missing_dimension", "missing_dimension"]
    assert [f.detail["dimension"] for f in findings] == ["education", "housing"]
    assert findings[0].groundings[0].quote == "Mục tiêu cụ thể"
    assert "giáo dục" in findings[0].message


def test_a_report_is_not_held_to_the_six_dimensions():
    p = page(PLAN_TEXT)
    extraction = Extraction(DocumentFacts(doc_type="Báo cáo"))
    assert document.missing_dimensions([p], extraction) == []


DEADLINE_TEXT = "Báo cáo trước ngày 15/01/2024. Hoàn thành trước 30/9/2024. Tổng kết 31/3/2026."


def deadline(p: Page, quote: str, due: date) -> DeadlineRecord:
    return DeadlineRecord(kind="by_date", due_date=due, period=None, recurrence=None,
                          agency="Công chức LĐ-TB&XH", task="báo cáo",
                          grounding=grounding_at(p, quote))


def test_deadlines_outside_the_plans_window_are_found():
    p = page(DEADLINE_TEXT)
    facts = DocumentFacts(doc_type="Kế hoạch", issue_date=date(2024, 3, 15), period_start=2024,
                          period_end=2024)
    extraction = Extraction(facts, deadlines=[
        deadline(p, "15/01/2024", date(2024, 1, 15)),
        deadline(p, "30/9/2024", date(2024, 9, 30)),
        deadline(p, "31/3/2026", date(2026, 3, 31)),
    ])
    findings = document.deadlines_out_of_range(extraction)
    assert kinds(findings) == ["deadline_out_of_range"] * 2
    assert [f.detail["side"] for f in findings] == ["before_issue", "after_period"]
    assert findings[0].groundings[0].quote == "15/01/2024"
    assert_grounded(findings[1], [p])


def test_partial_issue_date_bounds_deadlines_by_its_month():
    p = page(DEADLINE_TEXT)
    facts = DocumentFacts(issue_year=2024, issue_month=3, issue_date=None)
    inside = Extraction(facts, deadlines=[deadline(p, "30/9/2024", date(2024, 9, 30))])
    assert document.deadlines_out_of_range(inside) == []
    before = Extraction(facts, deadlines=[deadline(p, "15/01/2024", date(2024, 1, 15))])
    assert kinds(document.deadlines_out_of_range(before)) == ["deadline_out_of_range"]


def test_deadlines_without_known_window_are_not_judged():
    p = page(DEADLINE_TEXT)
    extraction = Extraction(DocumentFacts(), deadlines=[deadline(p, "31/3/2026",
                                                                 date(2026, 3, 31))])
    assert document.deadlines_out_of_range(extraction) == []


RESP_TEXT = ("1. Phòng Lao động: Chủ trì triển khai Dự án 4.\n"
             "2. Phòng Y tế: Phối hợp tổ chức khám chữa bệnh.\n"
             "3. Hội Nông dân: Phối hợp thực hiện Dự án 2.\n"
             "4. Phòng Kinh tế: Phối hợp thực hiện Dự án 4.\n")


def responsibility(p: Page, quote: str, agency: str, role: str, task: str,
                   projects=()) -> ResponsibilityRecord:
    return ResponsibilityRecord(agency=agency, agency_code=None, role=role, task=task,
                                projects=list(projects), grounding=grounding_at(p, quote))


def test_tasks_and_projects_with_only_support_roles_are_found():
    p = page(RESP_TEXT)
    records = [
        responsibility(p, "Chủ trì triển khai Dự án 4", "Phòng Lao động", "lead",
                       "triển khai Dự án 4", ["Dự án 4"]),
        responsibility(p, "Phối hợp tổ chức khám chữa bệnh", "Phòng Y tế", "support",
                       "tổ chức khám chữa bệnh"),
        responsibility(p, "Phối hợp thực hiện Dự án 2", "Hội Nông dân", "support",
                       "thực hiện Dự án 2", ["Dự án 2"]),
        responsibility(p, "Phối hợp thực hiện Dự án 4", "Phòng Kinh tế", "support",
                       "thực hiện Dự án 4", ["Dự án 4"]),
    ]
    findings = document.tasks_without_lead(Extraction(DocumentFacts(), responsibilities=records))
    scopes = sorted((f.detail["scope"], f.detail.get("project") or f.detail["task"])
                    for f in findings)
    # Dự án 4 has a lead (Phòng Lao động); Dự án 2 and the health task do not
    assert ("project", "Dự án 2") in scopes
    assert ("project", "Dự án 4") not in scopes
    assert ("task", "tổ chức khám chữa bệnh") in scopes
    assert all(f.kind == "task_without_lead" for f in findings)
    for f in findings:
        assert_grounded(f, [p])


def test_task_shared_by_a_lead_and_a_supporter_is_fine():
    p = page(RESP_TEXT)
    records = [
        responsibility(p, "Chủ trì triển khai Dự án 4", "Phòng Lao động", "lead", "Dự án 4"),
        responsibility(p, "Phối hợp thực hiện Dự án 4", "Phòng Kinh tế", "support", "dự án 4."),
        responsibility(p, "Phòng Y tế", "Phòng Y tế", "assigned", "khám chữa bệnh"),
    ]
    assert document.tasks_without_lead(Extraction(DocumentFacts(), responsibilities=records)) == []


# --------------------------------------------------------------------------- pages

def test_low_confidence_pages_are_found_and_trusted_ones_are_not():
    pages = [
        Page(1, "Trang rõ ràng\nnội dung", "Trang rõ ràng\nnội dung", "ocr", confidence=91.0),
        Page(2, "\n  Trang mờ khó đọc\nx", "\n  Trang mờ khó đọc\nx", "ocr", confidence=42.5),
        Page(3, "Trang phục hồi dấu", "Trang phuc hoi dau", "plain",
             offsets=[(6, 18, 6, 18)], restore_confidence=0.55),
        Page(4, "Trang phục hồi tốt", "Trang phuc hoi tot", "plain",
             offsets=[(6, 18, 6, 18)], restore_confidence=0.95),
    ]
    findings = document.low_confidence_pages(pages)
    assert [f.detail["page"] for f in findings] == [2, 3]
    assert findings[0].detail["ocr_confidence"] == 42.5
    assert "restore_confidence" in findings[1].detail
    assert findings[0].groundings[0].quote == "Trang mờ khó đọc"
    assert findings[1].groundings[0].raw_char_start is not None
    for f in findings:
        assert_grounded(f, pages)


def test_audit_document_runs_every_document_check():
    p = page(PLAN_TEXT + "\n" + TABLE.format(poor="110", rate="3,14"), confidence=30.0)
    extraction = Extraction(DocumentFacts(doc_type="Kế hoạch"))
    found = set(kinds(audit.audit_document([p], extraction)))
    assert {"table_total_mismatch", "missing_dimension", "low_confidence_page"} <= found
    assert found <= audit.DOCUMENT_KINDS
    assert audit.audit_document([p], None)  # no extraction: page checks still run


# --------------------------------------------------------------------------- across documents

def doc(id_, level, locality, district=None, province="Quảng Trị"):
    return {"id": id_, "admin_level": level, "locality": locality, "district": district,
            "province": province, "document": f"doc{id_}.txt"}


def row(id_, document_id, indicator, comparator, value, unit="%", year="2024", locality=None,
        value_max=None):
    return {"id": id_, "document_id": document_id, "indicator": indicator,
            "comparator": comparator, "value": value, "value_max": value_max, "unit": unit,
            "year": year, "locality": locality, "page": 1, "char_start": 0, "char_end": 5,
            "quote": f"quote {id_}", "baseline": None}


DOCS = [doc(1, "huyện", "Sông Xanh"), doc(2, "xã", "Bình An", district="huyện Sông Xanh"),
        doc(3, "xã", "Bình Yên", district="Sông Xanh"), doc(4, "xã", "Khác", district="Núi Đỏ")]


def test_commune_poverty_bound_higher_than_districts_is_weaker():
    targets = [row(1, 1, "poverty_rate", "<", 0.5), row(2, 2, "poverty_rate", "<", 1.0),
               row(3, 3, "poverty_rate", "<", 0.4), row(4, 4, "poverty_rate", "<", 3.0)]
    findings = audit.weaker_than_parent(DOCS, targets)
    assert kinds(findings) == ["weaker_than_parent"]
    f = findings[0]
    assert f.detail["commune"] == "Bình An" and f.detail["district"] == "Sông Xanh"
    assert f.detail["direction"] == "lower_is_better"
    assert (f.detail["commune_value"], f.detail["district_value"]) == (1.0, 0.5)
    assert [g.document_id for g in f.groundings] == [2, 1]
    assert [g.quote for g in f.groundings] == ["quote 2", "quote 1"]
    assert "< 1%" in f.message and "< 0,5%" in f.message


def test_coverage_target_lower_than_districts_is_weaker():
    targets = [row(1, 1, "hygienic_latrine", "=", 90.0), row(2, 2, "hygienic_latrine", "=", 80.0),
               row(3, 3, "hygienic_latrine", "=", 95.0)]
    findings = audit.weaker_than_parent(DOCS, targets)
    assert [f.detail["commune"] for f in findings] == ["Bình An"]
    assert findings[0].detail["direction"] == "higher_is_better"


def test_smaller_reduction_is_weaker_and_other_years_are_not_compared():
    targets = [row(1, 1, "poverty_reduction", "reduce_by", 0.56),
               row(2, 2, "poverty_reduction", "reduce_by", 0.3),
               row(3, 3, "poverty_reduction", "reduce_by", 0.3, year="2023")]
    findings = audit.weaker_than_parent(DOCS, targets)
    assert [f.detail["commune"] for f in findings] == ["Bình An"]
    assert findings[0].detail["family"] == "reduction"


def test_household_counts_compare_only_with_the_districts_allocation():
    targets = [row(1, 1, "poor_households_reduction", "reduce_by", 82, unit="hộ"),
               row(5, 1, "poor_households_reduction", "reduce_by", 14, unit="hộ",
                   locality="BÌNH AN"),
               row(2, 2, "poor_households_reduction", "reduce_by", 10, unit="hộ"),
               row(3, 3, "poor_households_reduction", "reduce_by", 5, unit="hộ")]
    findings = audit.weaker_than_parent(DOCS, targets)
    # Bình An commits 10 of the 14 the district gave it; Bình Yên has no allocation row and
    # 5 households cannot be compared with the district's 82
    assert [f.detail["commune"] for f in findings] == ["Bình An"]
    assert findings[0].detail["basis"] == "allocation"
    assert findings[0].detail["district_value"] == 14


def test_equal_or_stronger_commune_targets_give_nothing():
    targets = [row(1, 1, "poverty_rate", "<", 0.5), row(2, 2, "poverty_rate", "<=", 0.5),
               row(3, 3, "domestic_water", ">=", 100.0), row(4, 1, "domestic_water", "=", 95.0)]
    assert audit.weaker_than_parent(DOCS, targets) == []


def test_support_task_naming_the_body_it_supports_has_a_lead():
    text = ("Phối hợp với Phòng Lao động - Thương binh và Xã hội tổ chức ký kết chương trình.\n"
            "Phối hợp với các cơ quan, đơn vị liên quan đôn đốc, kiểm tra.\n")
    p = page(text)
    records = [
        responsibility(p, "Phối hợp với Phòng Lao động - Thương binh và Xã hội tổ chức ký kết",
                       "UBMTTQ", "support",
                       "Phối hợp với Phòng Lao động - Thương binh và Xã hội tổ chức ký kết"),
        responsibility(p, "Phối hợp với các cơ quan, đơn vị liên quan đôn đốc, kiểm tra",
                       "Phòng LĐTBXH", "support",
                       "Phối hợp với các cơ quan, đơn vị liên quan đôn đốc, kiểm tra"),
    ]
    assert document.named_partner(records[0].task).startswith("Phòng Lao động")
    assert document.named_partner(records[1].task) is None
    findings = document.tasks_without_lead(Extraction(DocumentFacts(), responsibilities=records))
    assert [f.detail["task"] for f in findings] == [records[1].task]


def test_plans_before_2022_are_held_to_the_five_dimension_standard():
    p = page(PLAN_TEXT)
    targets = [target("health", p, "Y tế"), target("education", p, "Giáo dục"),
               target("housing", p, "Nhà ở"), target("water_sanitation", p, "Nước"),
               target("information", p, "Thông tin")]
    old = Extraction(DocumentFacts(doc_type="Kế hoạch", period_end=2019), targets=targets)
    assert document.missing_dimensions([p], old) == []
    new = Extraction(DocumentFacts(doc_type="Kế hoạch", period_end=2024), targets=targets)
    findings = document.missing_dimensions([p], new)
    assert [f.detail["dimension"] for f in findings] == ["employment"]
    assert findings[0].detail["standard"] == "07/2021/NĐ-CP"


def test_audit_across_reads_the_store_and_its_findings_round_trip(tmp_path):
    from pipeline import queries, store

    engine = store.get_engine(f"sqlite:///{tmp_path / 'plans.db'}")
    district_text = "Tỷ lệ hộ nghèo toàn huyện dưới 0,5% năm 2024."
    commune_text = "Tỷ lệ hộ nghèo toàn xã dưới 1,2% năm 2024."

    def save(name, text, facts, quote, value):
        p = page(text)
        t = TargetRecord(indicator="poverty_rate", dimension=None, subject="hộ nghèo",
                         comparator="<", value=value, value_max=None, baseline=None, unit="%",
                         year="2024", locality=None, grounding=grounding_at(p, quote))
        return store.save_document(engine, sha256=name * 64, file_name=f"{name}.txt", pages=[p],
                                   extraction=Extraction(facts, targets=[t]), findings=[])

    district_id = save("a", district_text, DocumentFacts(admin_level="huyện", locality="Sông Xanh"),
                       "dưới 0,5%", 0.5)
    commune_id = save("b", commune_text, DocumentFacts(admin_level="xã", locality="Bình An",
                                                       district="Sông Xanh"), "dưới 1,2%", 1.2)
    with store.session_scope(engine) as session:
        findings = audit.audit_across(session)
        assert kinds(findings) == ["weaker_than_parent"]
        store.replace_cross_findings(session, findings, audit.CROSS_KINDS)
    with store.session_scope(engine) as session:
        stored = queries.query_findings(session, kind="weaker_than_parent")
        assert len(stored) == 1 and stored[0]["document_id"] is None
        groundings = stored[0]["groundings"]
        assert [g["document_id"] for g in groundings] == [commune_id, district_id]
        assert [g["quote"] for g in groundings] == ["dưới 1,2%", "dưới 0,5%"]
        store.replace_cross_findings(session, audit.audit_across(session), audit.CROSS_KINDS)
    with store.session_scope(engine) as session:  # recomputing replaces, never duplicates
        assert len(queries.query_findings(session, kind="weaker_than_parent")) == 1


def test_hierarchical_table_adds_up_at_its_numbered_level():
    text = ("TT\tĐơn vị\tSố hộ nghèo\n1\tXã Một\t10\n-\tThôn 1\t4\n-\tThôn 2\t6\n"
            "2\tXã Hai\t5\nTổng cộng\t\t15\n")
    assert tables.table_total_mismatches([page(text)]) == []
    wrong = text.replace("Tổng cộng\t\t15", "Tổng cộng\t\t16")
    assert kinds(tables.table_total_mismatches([page(wrong)])) == ["table_total_mismatch"]
