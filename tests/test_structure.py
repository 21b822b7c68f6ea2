"""Section tree of plan pages: headings, bullets, wrapped paragraphs, tables with cell spans."""

from __future__ import annotations

from pipeline.records import Page
from pipeline.structure import parse_structure, section_of

PLAN = (
    "KẾ HOẠCH\n"
    "Thực hiện giảm nghèo năm 2024\n"
    "\n"
    "I. TÌNH HÌNH CHUNG\n"
    "14.653 hộ, trong đó 609 hộ nghèo.\n"
    "\n"
    "II. MỤC TIÊU\n"
    "1. Mục tiêu chung\n"
    "Giảm nghèo bền vững, hạn chế tái nghèo và phát sinh\n"
    "nghèo trên địa bàn.\n"
    "2. Mục tiêu cụ thể\n"
    "a) Tỷ lệ hộ nghèo giảm 1,5%.\n"
    "- 100% cán bộ được tập huấn;\n"
    "+ Tiểu dự án 1 thuộc Dự án 3\n"
    "- + Tiểu dự án 2 thuộc Dự án 4\n"
    "TT\tĐơn vị\tHộ nghèo\tTỷ lệ (%)\n"
    "1\tXÃ AN BÌNH\t120\t4,50\n"
    "TỔNG CỘNG\t\t120\t4,50\n"
)


def _blocks():
    page = Page(1, PLAN, PLAN, "plain")
    return page, parse_structure([page])


def test_headings_levels_and_sections():
    _, st = _blocks()
    heads = [(b.level, b.label, b.text) for b in st.blocks if b.kind == "heading"]
    assert (1, "I", "I. TÌNH HÌNH CHUNG") in heads
    assert (1, "II", "II. MỤC TIÊU") in heads
    assert (2, "1", "1. Mục tiêu chung") in heads
    # "a)" sits below "1.1.1." (level 6): the walker of responsibilities needs it deeper than
    # "1.1." and reads the same blocks
    assert (6, "a", "a) Tỷ lệ hộ nghèo giảm 1,5%.") in heads
    bullet = next(b for b in st.blocks if b.text.startswith("- 100%"))
    assert section_of(bullet) == "II. MỤC TIÊU"
    assert bullet.headings[-2:] == ["2. Mục tiêu cụ thể", "a) Tỷ lệ hộ nghèo giảm 1,5%."]


def test_figure_at_line_start_is_not_a_heading():
    _, st = _blocks()
    block = next(b for b in st.blocks if "14.653" in b.text)
    assert block.kind == "paragraph"
    assert section_of(block) == "I. TÌNH HÌNH CHUNG"


def test_wrapped_lines_join_their_paragraph_and_spans_are_exact():
    page, st = _blocks()
    para = next(b for b in st.blocks if b.text.startswith("Giảm nghèo bền vững"))
    assert para.text.endswith("nghèo trên địa bàn.")
    for b in st.blocks:
        assert page.text[b.start:b.end] == b.text


def test_bullets_and_plus_items():
    _, st = _blocks()
    kinds = {b.text[:8]: b.kind for b in st.blocks}
    assert kinds["+ Tiểu d"] == "bullet"
    assert kinds["- + Tiểu"] == "bullet"


def test_tab_table_cells_keep_offsets():
    page, st = _blocks()
    assert len(st.tables) == 1
    rows = st.tables[0].rows
    assert [c.text for c in rows[1].cells] == ["1", "XÃ AN BÌNH", "120", "4,50"]
    assert rows[2].cells[1].text == ""
    for row in rows:
        for cell in row.cells:
            assert page.text[cell.start:cell.end] == cell.text


def test_markdown_table_and_separator():
    text = (
        "II. MỤC TIÊU\n"
        "| TT | Xã | Số hộ nghèo giảm |\n"
        "|---|---|---|\n"
        "| 1 | **Ba Vì** | 85 |\n"
        "| | TỔNG CỘNG | 85 |\n"
    )
    page = Page(1, text, text, "plain")
    st = parse_structure([page])
    assert len(st.tables) == 1
    rows = st.tables[0].rows
    assert len(rows) == 3  # the separator row is not a row
    assert [c.text for c in rows[1].cells] == ["1", "Ba Vì", "85"]
    for row in rows:
        for cell in row.cells:
            assert page.text[cell.start:cell.end] == cell.text


def test_ocr_roman_numerals_and_markdown_marks():
    text = "Il. MUC TIEU\nnoi dung\n#### **III. TỔ CHỨC THỰC HIỆN**\n- Phòng Y tế\n"
    st = parse_structure([Page(1, text, text, "plain")])
    heads = [b for b in st.blocks if b.kind == "heading" and b.level == 1]
    assert [h.label for h in heads] == ["II", "III"]
    assert section_of(st.blocks[-1]).startswith("III. TỔ CHỨC")


def test_sections_carry_across_pages():
    p1 = Page(1, "II. MỤC TIÊU\n- 100% hộ nghèo\n", "", "plain")
    p2 = Page(2, "- 90% hộ cận nghèo\n", "", "plain")
    st = parse_structure([p1, p2])
    last = st.blocks[-1]
    assert last.page == 2 and section_of(last) == "II. MỤC TIÊU"


def test_part_headings_above_roman_sections():
    text = ("Phần thứ nhất\nKẾT QUẢ THỰC HIỆN NĂM 2023\nCuối năm có 120 hộ nghèo.\n"
            "Phần thứ hai\nMỤC TIÊU NĂM 2024\nI. CHỈ TIÊU\nGiảm 20 hộ nghèo.\n"
            "A. TÌNH HÌNH CHUNG\nCó 50 hộ cận nghèo.\nB. Tổ chức họp dân.\n")
    page = Page(1, text, text, "plain")
    st = parse_structure([page])
    first = next(b for b in st.blocks if b.text.startswith("Cuối năm"))
    assert first.part == "Phần thứ nhất KẾT QUẢ THỰC HIỆN NĂM 2023" == first.section
    target = next(b for b in st.blocks if b.text.startswith("Giảm 20"))
    assert (target.part, target.section) == ("Phần thứ hai MỤC TIÊU NĂM 2024", "I. CHỈ TIÊU")
    near = next(b for b in st.blocks if b.text.startswith("Có 50"))
    assert near.part == "A. TÌNH HÌNH CHUNG"
    lower = next(b for b in st.blocks if "B. Tổ chức" in b.text)
    assert lower.kind != "heading"  # a capital letter before a sentence is not a part
    assert lower.part == "A. TÌNH HÌNH CHUNG"
    for b in st.blocks:
        assert page.text[b.start:b.end] == b.text
