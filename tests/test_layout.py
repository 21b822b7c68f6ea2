"""Page layout before OCR (pipeline.layout, pipeline.page_image) and the cell reading of
pipeline.scan, on pages drawn here: a ruled grid with merged cells, a two-column header,
a red stamp, a photographed page."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from pipeline import cells, columns, layout, ocr, page_image, scan
from pipeline.ocr import OcrLine, PageGeometry
from pipeline.structure import GridCell, parse_page, write_table
from tests.scans import encode, font_file

# A grid of 5 columns and 4 rows: "TT" and "Xã" span the two header rows, "Hộ nghèo" spans
# two columns over "Số hộ | Tỷ lệ"; then two data rows.
XS = [100, 170, 420, 560, 700, 840]
YS = [100, 150, 200, 250, 300]
MERGED = {(0, 0): (2, 1), (0, 1): (2, 1), (0, 2): (1, 2), (0, 4): (2, 1)}
TEXTS = {(0, 0): "TT", (0, 1): "Xã", (0, 2): "Hộ nghèo", (0, 4): "Ghi chú",
         (1, 2): "Số hộ", (1, 3): "Tỷ lệ (%)",
         (2, 0): "1", (2, 1): "Xã An Bình", (2, 2): "1.411", (2, 3): "9,92", (2, 4): "",
         (3, 0): "2", (3, 1): "Xã Phú Lộc", (3, 2): "250", (3, 3): "4,05", (3, 4): ""}


def _covered(row: int, col: int) -> bool:
    """A grid position covered by a merged cell that starts elsewhere."""
    for (r, c), (rows, cols) in MERGED.items():
        if (r, c) != (row, col) and r <= row < r + rows and c <= col < c + cols:
            return True
    return False


def draw_grid(scale: int = 2) -> np.ndarray:
    """The grid above drawn on a white page (2x: about 200 dpi), rules 2 px wide."""
    page = Image.new("L", (1000 * scale, 500 * scale), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(font_file(), 15 * scale)
    for (r, c), text in TEXTS.items():
        rows, cols = MERGED.get((r, c), (1, 1))
        x0, x1 = XS[c] * scale, XS[c + cols] * scale
        y0, y1 = YS[r] * scale, YS[r + rows] * scale
        draw.rectangle((x0, y0, x1, y1), outline=0, width=2)
        if text:
            box = draw.textbbox((0, 0), text, font=font)
            draw.text(((x0 + x1 - box[2]) / 2, (y0 + y1 - box[3]) / 2), text, font=font, fill=0)
    return np.asarray(page)


def test_ruled_table_is_found_with_its_merged_cells():
    tables = layout.find_tables(draw_grid())
    assert len(tables) == 1
    table = tables[0]
    assert (table.rows, table.columns) == (4, 5)
    spans = {(c.row, c.col): (c.rowspan, c.colspan) for c in table.cells}
    for (r, c) in [(r, c) for r in range(4) for c in range(5) if not _covered(r, c)]:
        assert spans[(r, c)] == MERGED.get((r, c), (1, 1)), (r, c)
    assert len(table.cells) == 4 * 5 - 4  # four positions covered by merged cells
    x0, y0, x1, y1 = next(c.box for c in table.cells if (c.row, c.col) == (2, 1))
    assert abs(x0 - 340) <= 6 and abs(x1 - 840) <= 6 and abs(y0 - 400) <= 6 and abs(y1 - 500) <= 6


def test_prose_and_an_underline_are_no_table():
    page = Image.new("L", (1600, 900), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(font_file(), 30)
    for i in range(10):
        draw.text((120, 80 + 60 * i), "Thực hiện đồng bộ các chính sách giảm nghèo bền vững "
                  "trên địa bàn", font=font, fill=0)
    draw.line((600, 30, 1000, 30), fill=0, width=2)  # the rule under "Độc lập - Tự do"
    assert layout.find_tables(np.asarray(page)) == []


BORDERLESS_ROWS = [("1", "Xã An Bình", "1.411", "9,92"), ("2", "Xã Phú Lộc", "250", "4,05"),
                   ("3", "Thị trấn Tân Hiệp", "38", "0,87"), ("4", "Xã Mỹ Hòa", "2.106", "12,40"),
                   ("", "Tổng cộng", "3.805", "5,31")]


def draw_borderless(scale: int = 2) -> np.ndarray:
    """A table without rules: "TT" and "Xã" beside "Hộ nghèo" over "Số hộ | Tỷ lệ (%)",
    names set left, figures right, under a line of prose."""
    page = Image.new("L", (1000 * scale, 600 * scale), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(font_file(), 15 * scale)

    def put(text: str, x: float, y: float, align: str) -> None:
        width = draw.textbbox((0, 0), text, font=font)[2] / scale
        x = {"left": x, "right": x - width, "centre": x - width / 2}[align]
        draw.text((x * scale, y * scale), text, font=font, fill=0)

    put("Giao chỉ tiêu giảm nghèo năm 2025 cho các xã, thị trấn như sau:", 100, 40, "left")
    put("TT", 130, 108, "centre")
    put("Xã, thị trấn", 190, 108, "left")
    put("Hộ nghèo đầu năm", 590, 90, "centre")
    put("Số hộ", 505, 124, "centre")
    put("Tỷ lệ (%)", 650, 124, "centre")
    for i, row in enumerate(BORDERLESS_ROWS):
        y = 160 + 32 * i
        put(row[0], 130, y, "centre")
        put(row[1], 190, y, "left")
        put(row[2], 530, y, "right")
        put(row[3], 680, y, "right")
    return np.asarray(page)


def test_borderless_table_is_found_with_its_merged_headings():
    tables = columns.find_tables(draw_borderless())
    assert len(tables) == 1
    table = tables[0]
    assert (table.rows, table.columns) == (2 + len(BORDERLESS_ROWS), 4)
    spans = {(c.row, c.col): (c.rowspan, c.colspan) for c in table.cells}
    assert spans[(0, 0)] == spans[(0, 1)] == (2, 1)  # TT, Xã beside the two heading rows
    assert spans[(0, 2)] == (1, 2) and spans[(1, 2)] == spans[(1, 3)] == (1, 1)
    assert layout.header_rows(table) == 2
    # the figures' cell: the row's height, between the name and the rate
    x0, y0, x1, y1 = next(c.box for c in table.cells if (c.row, c.col) == (2, 2))
    assert 2 * 190 < x0 < 2 * 470 and 2 * 530 < x1 < 2 * 600 and 2 * 145 < y0 < 2 * 162 < y1


def test_total_row_alone_under_column_numbers_keeps_every_column():
    """A page break leaves the total row alone under the repeated header and its row of
    column numbers; a number centred beside a figure set right draws no column with it."""
    def band(y: int, *xs: tuple[int, int]) -> columns._Band:
        return columns._Band(y, y + 12, [columns._Piece(a, y, b, y + 12) for a, b in xs])

    # as measured on a photographed page: "1 ... 9", then "Tổng cộng 68.592 6.870 10,02 ..."
    numbers = band(220, (165, 172), (245, 255), (348, 358), (431, 441), (515, 525), (604, 614),
                   (698, 708), (786, 796), (872, 881))
    figures = [(202, 288), (337, 388), (420, 463), (516, 556), (599, 641), (711, 744),
               (776, 818), (881, 914)]
    headings = [band(106, (426, 540), (579, 742), (780, 897)),  # "Hộ nghèo đầu năm" ...
                band(132, (156, 182), (202, 297), (325, 381), (414, 540), (587, 741), (769, 896))]
    found = columns._body([*headings, numbers, band(249, *figures)], 1000, 12.0)
    assert found is not None and found[0] == figures


def test_one_commune_and_the_total_row_under_column_numbers_keep_every_column():
    """A page break leaves one commune and the total row under the repeated header: the
    total row has no number in the "TT" column, and the columns of the two rows are not
    merged under their headings ("527 | 9,27" read as one cell)."""
    def band(y: int, *xs: tuple[int, int]) -> columns._Band:
        return columns._Band(y, y + 18, [columns._Piece(a, y, b, y + 18) for a, b in xs])

    # as measured on a faxed page (letter height 13): "15 Xã An Thọ 5.682 527 9,27 ..."
    numbers = band(217, (161, 168), (242, 253), (347, 358), (431, 442), (516, 527), (606, 616),
                   (701, 711), (789, 800), (875, 885))
    row = [(156, 175), (198, 283), (346, 388), (435, 464), (525, 559), (624, 643), (715, 747),
           (793, 822), (885, 918)]
    total = [(197, 285), (336, 389), (420, 464), (517, 559), (601, 643), (712, 747),
             (779, 822), (884, 919)]
    headings = [band(102, (426, 541), (579, 745), (783, 901)),  # "Hộ nghèo đầu" ...
                band(129, (151, 178), (199, 295), (325, 381), (414, 542), (588, 744),
                     (772, 901))]
    found = columns._body([*headings, numbers, band(248, *row), band(279, *total)], 1000, 13.0)
    assert found is not None and found[1] == 3 and found[0][0] == (156, 175)
    assert len(found[0]) == 9


def test_rows_whose_names_wrap_on_two_lines_are_no_column_numbers():
    """A continuation page: rows of a name on two lines beside one line of figures are twice
    a letter tall; their narrow pieces are still a row's, and keep the row-number column."""
    def band(y: int, height: int, *xs: tuple[int, int]) -> columns._Band:
        return columns._Band(y, y + height, [columns._Piece(a, y, b, y + height) for a, b in xs])

    # as measured on a scanned page (letter height 13): "12 Xã Thanh / Hòa 2.884 593 20,56 ..."
    row = [(164, 182), (205, 282), (350, 392), (439, 467), (530, 563), (620, 648), (721, 753),
           (800, 828), (892, 925)]
    rows = [band(214 + 57 * i, 40, *row) for i in range(5)]
    total = band(499, 28, (201, 288), (336, 389), (421, 464), (518, 560), (602, 643),
                 (716, 749), (782, 825), (888, 921))
    found = columns._body([*rows, total], 1000, 13.0)
    assert found is not None and found[1] == 0 and found[0][0] == (164, 182)


def test_borderless_table_reads_as_the_rows_of_a_typed_table():
    page = Image.fromarray(draw_borderless())
    page.info["dpi"] = (200, 200)
    read = scan.read_scan(encode(page))
    assert [t.status for t in read.tables] == ["rebuilt"]
    table = read.tables[0]
    rows = read.text[table.char_start:table.char_end].split("\n")
    assert rows[0].split("\t")[:3] == ["TT", "Xã, thị trấn", "Hộ nghèo đầu năm"]
    assert rows[1].split("\t") == ["", "", "Số hộ", "Tỷ lệ (%)"]
    assert [row.split("\t") for row in rows[2:]] == [list(r) for r in BORDERLESS_ROWS]
    assert read.text.startswith("Giao chỉ tiêu giảm nghèo")  # the prose above kept


def test_prose_and_figures_in_sentences_are_no_borderless_table():
    page = Image.new("L", (1600, 900), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(font_file(), 30)
    for i in range(10):
        draw.text((120, 80 + 60 * i), f"Xã {i + 1} giảm {30 + 7 * i} hộ nghèo, tỷ lệ còn "
                  f"{i + 2},{i}5% vào cuối năm 2025", font=font, fill=0)
    assert columns.find_tables(np.asarray(page)) == []


def test_each_cell_is_read_alone_and_figures_stay_exact():
    grid = draw_grid()
    table = layout.find_tables(grid)[0]
    reads, page = scan._read_tables(grid, [table], "vie", ocr.page_budget(timeout=60), 200,
                                    PageGeometry(0.0, None))
    read = reads[0]
    assert read.readable and page.text == ""  # the page holds nothing but the table
    assert read.texts[(2, 2)] == "1.411" and read.texts[(2, 3)] == "9,92"
    assert read.texts[(3, 1)] == "Xã Phú Lộc" and read.texts[(0, 2)] == "Hộ nghèo"
    assert (2, 4) not in read.texts  # an empty cell stays empty


def test_a_rebuilt_table_reads_as_the_rows_of_a_typed_table():
    cells = [GridCell(r, c, *MERGED.get((r, c), (1, 1)), text=t) for (r, c), t in TEXTS.items()]
    text, placed = write_table(cells, 4, 5)
    assert text.split("\n")[0] == "TT\tXã\tHộ nghèo\t\tGhi chú"
    assert text.split("\n")[1] == "\t\tSố hộ\tTỷ lệ (%)\t"
    from pipeline.records import Page

    blocks = parse_page(Page(1, text, text, "ocr"))
    assert [len(b.cells) for b in blocks] == [5, 5, 5, 5]
    by_place = {(c.row, c.col): c for c in placed}
    cell = by_place[(2, 2)]
    assert text[cell.char_start:cell.char_end] == "1.411"
    assert (by_place[(0, 2)].rowspan, by_place[(0, 2)].colspan) == (1, 2)


@pytest.mark.parametrize("read, column, expected", [
    ("1. 733", cells.Column(0), "1.733"),
    ("l1", None, "11"),
    ("2/13", cells.Column(2), "2,13"),
    ("\"6,35", None, "6,35"),
    ("1,117", cells.Column(0), "1.117"),  # a count column: the comma is a thousands dot
    ("1,117", cells.Column(3), "1,117"),
    ("2 836", cells.Column(0), "2.836"),
    ("Xã An Bình", None, None),
    ("-", None, None),
])
def test_figures_read_by_ocr_are_cleaned(read, column, expected):
    assert cells.figure_text(read, column) == expected


@pytest.mark.parametrize("read, expected", [
    ("Xã la Dom", "Xã Ia Dom"),  # "Ia" (Jrai names) read with a lower-case l
    ("Xã Ia Kriêng", "Xã Ia Kriêng"),
    ("Thị trấn Lộc Thắng", "Thị trấn Lộc Thắng"),
    ("la hộ nghèo đầu năm", "la hộ nghèo đầu năm"),  # not a name: left as read
])
def test_capital_i_read_as_l_in_a_name_is_given_back(read, expected):
    assert cells.capitals_kept(read) == expected


@pytest.mark.parametrize("read, expected", [
    ('"Tổng cộng', "Tổng cộng"),  # a speck read as a quote mark before the total row's name
    ("Thị trấn Bắc Sơn'", "Thị trấn Bắc Sơn"),
    ("Xã Ea H'leo", "Xã Ea H'leo"),  # an apostrophe inside a name is part of it
    ('Chương trình "Vì người nghèo"', 'Chương trình "Vì người nghèo"'),  # a pair quotes
])
def test_stray_quote_mark_around_a_cell_is_dropped(read, expected):
    assert cells.stray_quotes_dropped(read) == expected


@pytest.mark.parametrize("first, second, expected", [
    (("3", 7.6), ("311", 86.4), True),  # a pair of ones lost by one reading
    (("vaul", 0.0), ("71", 82.2), True),  # one reading makes no figure at all
    (("ll", 62.0), ("11", 95.6), False),  # the same figure once its slips are undone
    (("ll", 62.0), ("1", 79.3), False),  # one of two ones lost: the longer one is right
    (("1.411", 91.0), None, False),  # read once: nothing disputed
    (("1.411", 70.0), ("1411", 90.0), False),  # the same value, its thousands dot lost
    (("5,92", 70.0), ("592", 90.0), False),  # only one fits the column: no dispute
])
def test_two_readings_making_different_figures_are_disputed(first, second, expected):
    column = cells.Column(2 if "," in first[0] else 0)
    assert cells.disagree(first, second, column) is expected
    assert not cells.disagree(first, second, None)  # a word cell: words are not weighed so


@pytest.mark.parametrize("first, second, expected", [
    (("311", 60.0), ("31", 90.0), "311"),  # a doubled digit kept beats a surer reading
    (("71", 90.0), ("711", 60.0), "711"),
    (("3.215", 95.0), ("3.216", 70.0), "3.215"),  # otherwise the surer reading
])
def test_reading_that_kept_a_doubled_digit_is_chosen(first, second, expected):
    assert cells.choose(first, second, cells.Column(0))[0] == expected


# households at the start, the reduction, at the end; rates the same: start - reduction = end
_ARITHMETIC_ROWS = [("1.036", "223", "21,53", "44", "4,25", "179", "17,28"),
                    ("1.532", "248", "16,19", "45", "2,94", "203", "13,25"),
                    ("6.652", "974", "14,64", "190", "2,86", "784", "11,78"),
                    ("740", "73", "9,86", "12", "1,62", "61", "8,24")]
_ARITHMETIC_COLUMNS = {c: cells.Column(0 if c % 2 else 2) for c in range(1, 7)} | {
    0: cells.Column(0)}


def _arithmetic_readings(rows: list[tuple[str, ...]]) -> dict:
    return {(r, c): (text, 90.0) for r, row in enumerate(rows) for c, text in enumerate(row)}


def test_row_arithmetic_of_a_table_is_found_from_its_rows():
    relations = cells.row_relations([0, 1, 2, 3], _ARITHMETIC_COLUMNS,
                                    _arithmetic_readings(_ARITHMETIC_ROWS))
    assert {(1, 3, 5), (2, 4, 6)} <= set(relations)
    assert all(0 not in relation for relation in relations)  # the population: in none
    ends = ("179", "311", "85", "60")
    unrelated = [row[:5] + (end, row[6]) for row, end in zip(_ARITHMETIC_ROWS, ends, strict=True)]
    assert (1, 3, 5) not in cells.row_relations([0, 1, 2, 3], _ARITHMETIC_COLUMNS,
                                                _arithmetic_readings(unrelated))  # 1 row of 4


@pytest.mark.parametrize("column, read, others, expected", [
    (5, "71", [], "711"),  # a doubled digit lost by every reading: the arithmetic gives it
    (3, "48", ["43"], "43"),  # the other reading that makes the row hold
    (3, "48", [], None),  # no reading of it holds: left as read
    (5, "718", [], None),  # not a lost doubled digit either
    (6, "1/78", [], "11,78"),  # a "1" read as a slash beside the comma
    (6, "1/87", [], None),  # nor a slash for a "1"
])
def test_row_whose_arithmetic_fails_is_mended_from_its_readings(column, read, others, expected):
    texts = dict(enumerate(("2.000", "754", "20,00", "43", "8,22", "711", "11,78")))
    relations = [(1, 3, 5), (1, 5, 3), (2, 4, 6), (2, 6, 4)]
    mended = cells.repaired(texts | {column: read}, {column: [read, *others]}, relations,
                            _ARITHMETIC_COLUMNS)
    assert mended == ({column: expected} if expected else {})
    assert cells.repaired(texts, {}, relations, _ARITHMETIC_COLUMNS) == {}  # it holds


@pytest.mark.parametrize("read, others, expected", [
    ("11,11", [], None),  # 13,94 - 2,82 = 11,12: printed rates agree to their rounding only
    ("14,11", ["11,11"], "11,11"),  # a misread rate: the reading within the rounding, as read
    ("14,11", ["1111"], "11,11"),  # and one that lost its comma
    ("14,11", ["11,14"], None),  # three hundredths off: no reading holds
])
def test_rates_of_a_row_hold_to_their_rounding(read, others, expected):
    texts = dict(enumerate(("2.000", "754", "13,94", "43", "2,82", "711", read)))
    relations = [(1, 3, 5), (1, 5, 3), (2, 4, 6), (2, 6, 4)]
    mended = cells.repaired(texts, {6: [read, *others]}, relations, _ARITHMETIC_COLUMNS)
    assert mended == ({6: expected} if expected else {})
    def rate(text: str) -> float:
        return float(text.replace(",", "."))

    # every row's end rate one hundredth above start - reduction: the relation still holds
    rounded = [(*row[:6], f"{rate(row[2]) - rate(row[4]) + 0.01:.2f}".replace(".", ","))
               for row in _ARITHMETIC_ROWS]
    assert (2, 4, 6) in cells.row_relations([0, 1, 2, 3], _ARITHMETIC_COLUMNS,
                                            _arithmetic_readings(rounded))


def test_row_of_column_numbers_is_no_body_row():
    """Its figures ("5" in a column of rates) would be read again as doubtful on every page."""
    header = {(0, c): ("word", 0.0) for c in range(5)}
    numbers = {(1, c): (str(c + 1), 95.0) for c in range(5)} | {(1, 1): ("word", 0.0)}
    body = {(2, 0): ("1", 95.0), (2, 1): ("Xã An Bình", 90.0), (2, 2): ("1.411", 95.0),
            (2, 3): ("116", 95.0), (2, 4): ("8,22", 95.0)}
    assert cells.body_rows(3, 5, header | numbers | body) == [2]
    assert cells.body_rows(3, 5, header | body) == [2]
    assert not cells.column_numbers(["1", "Xã An Bình", "1.411", "116", "8,22"])


@pytest.mark.parametrize("figure, decimals, expected", [
    ("211", 2, "2,11"),  # a rate over 100 in a column of "9,92"-style rates
    ("1178", 2, "11,78"),
    ("455%", 1, "45,5%"),
    ("45%", 1, None),  # a whole rate may be printed without decimals: kept as read
    ("100", 2, None),
    ("2,1", 2, None),  # a comma read: not this slip
    ("7", 2, None),  # too short to have lost a comma
    ("211", 0, None),  # a column of whole numbers
    ("211", None, None),  # mixed decimals: nothing to go by
])
def test_decimal_comma_lost_in_a_column_of_rates_is_put_back(figure, decimals, expected):
    assert cells.comma_restored(figure, cells.Column(decimals)) == expected


def test_name_cell_is_cleaned_as_names_are_written():
    assert scan._name_cleaned("'XãAn Phong") == "Xã An Phong"
    assert scan._name_cleaned("Xãla Kriêng") == "Xã Ia Kriêng"  # and "Ia" read "la"
    assert scan._name_cleaned("Xã, thị trấn") == "Xã, thị trấn"  # a header, not a name
    assert scan._name_cleaned('"Tống cộng') == "Tổng cộng"  # the total row's label
    assert scan._name_cleaned("TỐNG CỘNG") == "TỔNG CỘNG"
    assert scan._name_cleaned("Xã Tông") == "Xã Tông"  # a name, not the label


def _line(text: str, x0: int, y0: int, paragraph: int) -> OcrLine:
    words, x = [], x0
    for word in text.split():
        words.append((word, (x, y0, x + 14 * len(word), y0 + 30)))
        x += 14 * len(word) + 10
    return OcrLine(text, (x0, y0, x - 10, y0 + 30), paragraph, words)


def test_two_column_header_reads_left_column_then_right():
    # as Tesseract may give it: one line across both columns, then lines in pairs
    lines = [
        OcrLine("ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", (160, 100, 1500, 130), 0,
                _line("ỦY BAN NHÂN DÂN", 160, 100, 0).words
                + _line("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 760, 100, 0).words),
        _line("HUYỆN TIÊN YÊN", 175, 140, 1), _line("Độc lập - Tự do - Hạnh phúc", 860, 140, 1),
        _line("Số: 160/KH-UBND", 170, 190, 2),
        _line("Tiên Yên, ngày 01 tháng 4 năm 2024", 800, 190, 2),
        _line("KẾ HOẠCH", 700, 290, 3),
        _line("Thực hiện mục tiêu giảm nghèo bền vững năm 2024", 200, 330, 4),
    ]
    texts = [line.text for line in layout.header_columns(lines, 1654)]
    assert texts == ["ỦY BAN NHÂN DÂN", "HUYỆN TIÊN YÊN", "Số: 160/KH-UBND",
                     "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                     "Tiên Yên, ngày 01 tháng 4 năm 2024", "KẾ HOẠCH",
                     "Thực hiện mục tiêu giảm nghèo bền vững năm 2024"]


def test_single_column_page_keeps_its_order():
    lines = [_line("KẾ HOẠCH", 700, 100, 0), _line("Thực hiện mục tiêu", 200, 150, 1),
             _line("Căn cứ Quyết định số 90/QĐ-TTg", 200, 200, 2)]
    assert layout.header_columns(lines, 1654) == lines


def test_red_stamp_is_lifted_and_black_text_under_it_stays():
    page = np.full((200, 400, 3), 245, np.uint8)
    cv2.putText(page, "CHU TICH", (40, 110), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (20, 20, 20), 4)
    cv2.circle(page, (200, 100), 80, (211, 33, 45), 6)  # RGB red ring across the words
    sample, _ = page_image.sample_of(Image.fromarray(page))
    fixes = page_image.inspect(sample)
    assert fixes.colour
    gray = page_image.lift_colour(page)
    ring_only = (gray[20:24, 195:205])  # the ring's top, away from the words
    assert ring_only.min() > 200
    assert gray[95:110, 40:300].min() < 60  # the black words are still black


def test_fax_speckle_is_cleared_and_strokes_and_dots_stay():
    page = np.full((60, 60), 255, np.uint8)
    for y, x in ((10, 10), (10, 13), (12, 11), (13, 14)):  # four lone specks side by side
        page[y, x] = 0
    page[40:42, 40] = 0  # a dot of two pixels
    page[30, 20], page[31, 21] = 0, 0  # a diagonal hairline
    page[20:24, 45:50] = 0  # a stroke
    clean = page_image.despeckled(page)
    assert clean[8:16, 8:16].min() == 255
    assert clean[40:42, 40].max() == 0 and clean[30, 20] == 0 and clean[31, 21] == 0
    assert clean[20:24, 45:50].max() == 0
    # softened for Tesseract, the four specks would have made a mark the size of a dash
    fixed, _ = page_image.apply(Image.fromarray(page), page_image.Fixes(bilevel=True), 1.0)
    assert np.asarray(fixed)[8:16, 8:16].min() > 200


def test_photographed_page_is_found_and_straightened():
    page = np.full((1100, 800), 235, np.uint8)
    for i in range(14):
        cv2.putText(page, "Ke hoach giam ngheo ben vung nam 2024", (60, 90 + 70 * i),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.9, 30, 2)
    desk = np.full((1300, 1000), 70, np.uint8)
    corners = np.float32([[130, 90], [880, 140], [900, 1230], [80, 1180]])
    matrix = cv2.getPerspectiveTransform(np.float32([[0, 0], [800, 0], [800, 1100], [0, 1100]]),
                                         corners)
    warped = cv2.warpPerspective(page, matrix, (1000, 1300))
    mask = cv2.warpPerspective(np.full_like(page, 255), matrix, (1000, 1300))
    photo = np.where(mask > 127, warped, desk).astype(np.uint8)
    found = page_image.page_outline(photo)
    assert found is not None
    assert np.abs(found - corners).max() < 15
    fixed, dpi = page_image.apply(Image.fromarray(photo), page_image.inspect(photo), 1.0)
    assert abs(fixed.width / fixed.height - 800 / 1100) < 0.04
    assert dpi is not None
    assert np.asarray(fixed)[:, :20].mean() > 150  # no desk left at the edge


def test_flat_scan_needs_no_fix():
    page = np.full((1100, 800), 240, np.uint8)
    cv2.putText(page, "Ke hoach", (60, 90), cv2.FONT_HERSHEY_SIMPLEX, 0.9, 30, 2)
    assert not page_image.inspect(page).any


def test_uneven_light_is_flattened():
    _, xx = np.mgrid[0:1000, 0:800].astype(np.float32)
    page = np.full((1000, 800), 240, np.uint8)
    for i in range(12):
        cv2.putText(page, "giam ngheo ben vung", (40, 80 + 75 * i), cv2.FONT_HERSHEY_SIMPLEX,
                    1.0, 20, 2)
    page = (page * (0.55 + 0.45 * xx / 800)).astype(np.uint8)  # light falls off to the left
    assert page_image.inspect(page).light
    flat = page_image.flatten_light(page)
    paper = flat[flat > 150]
    assert paper.std() < 12


def test_specks_around_a_figure_are_left_out_of_its_line_and_its_comma_kept():
    """A fax strews specks around a cell's figure: they neither widen its line image nor add
    a line of their own, while the figure's decimal comma stays."""
    page = Image.new("L", (400, 120), 255)
    draw = ImageDraw.Draw(page)
    draw.text((150, 45), "11,26", font=ImageFont.truetype(font_file(), 30), fill=0)
    gray = np.asarray(page).copy()
    clean_ink = layout.ink_mask(gray)
    for x, y in [(20, 20), (360, 30), (40, 100), (300, 105), (200, 10)]:
        gray[y:y + 2, x:x + 3] = 0  # specks of 6 pixels, far from the figure
    ink = layout.ink_mask(gray)
    glyph = layout._glyph_height(clean_ink)
    clean, _ = layout._cell_lines(np.asarray(page), clean_ink, 4, glyph)
    specked, _ = layout._cell_lines(gray, ink, 4, glyph)
    assert len(specked) == len(clean) == 1
    assert np.array_equal(specked[0], clean[0])  # the comma in both, no speck in either


def test_marks_are_counted_as_opencv_counts_them_in_16_or_32_bits():
    """layout.components labels in 16 bits where the marks fit, in 32 bits where they do
    not (a page of specks), and gives OpenCV's own labels and stats either way."""
    page = np.zeros((300, 400), np.uint8)
    cv2.putText(page, "1.411 9,92", (20, 150), cv2.FONT_HERSHEY_SIMPLEX, 2.0, 255, 3)
    specks = np.zeros((600, 600), np.uint8)
    specks[::2, ::2] = 255  # 90,000 single-pixel marks: more than 16-bit labels hold
    for mask in (page, specks):
        count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        got = layout.components(mask)
        assert got[0] == count and (got[1] == labels).all() and (got[2] == stats).all()
    assert layout.components(specks)[0] == 90_001


def test_a_speck_between_a_row_number_and_its_name_does_not_join_them():
    """A fax's speckle between "1" and "Thị trấn Khâm Đức" made one piece of both, and the row
    went into the table's header."""
    mask = np.zeros((20, 200), np.uint8)
    mask[3:17, 10:18] = 255  # the row number
    mask[8:11, 28:31] = 255  # a speck, 10 px from each
    mask[3:17, 41:120] = 255  # the name
    pieces = columns._pieces(mask, 16.8, 0, 20)
    assert [(p.x0, p.x1) for p in pieces] == [(10, 18), (41, 120)]
    mask[8:11, 28:31] = 0
    mask[3:17, 26:33] = 255  # a letter-sized mark there is ink: it joins them
    assert len(columns._pieces(mask, 16.8, 0, 20)) == 1


def test_prose_under_a_table_indented_like_its_names_is_no_wrapped_name():
    """A name wrapped on a second line stays inside its column; a line of prose under the total
    row, indented where the names start, runs on over the figures and is not joined to it."""
    def band(y: int, *xs: tuple[int, int]) -> columns._Band:
        return columns._Band(y, y + 14, [columns._Piece(a, y, b, y + 14) for a, b in xs])

    total = band(700, (199, 285), (336, 389), (420, 464), (517, 559), (601, 643), (712, 747))
    wrapped = band(716, (199, 270))  # "Khâm Đức" under "Thị trấn"
    prose = band(724, (201, 880))  # "Ủy ban nhân dân các xã, thị trấn căn cứ ..."
    assert columns._left_aligned(wrapped, total, 14.0)
    assert not columns._left_aligned(prose, total, 14.0)


def test_the_row_numbers_column_gets_no_digits_only_reading(monkeypatch):
    """A row number nothing read ("TT": 1, 2, _, 4, 5) costs no last Tesseract run; an unread
    figure of the plan does."""
    assert cells.counts_rows(["1", "2", None, "4", "5"])
    assert not cells.counts_rows(["5.340", "1.411", "2.836", "1.117"])
    assert not cells.counts_rows(["1", None, None, "4"])  # too few to tell
    read = scan._ReadTable(layout.TableBox((0, 0, 100, 100), 6, 3))
    read.texts = {(r, 0): str(r) for r in (1, 2, 4, 5)} | {
        (r, 2): f"{1000 + 37 * r:,}".replace(",", ".") for r in (1, 2, 3, 5)}
    image = layout.CellImage(layout.CellBox(0, 0, 1, 1, (0, 0, 10, 10)), [np.zeros((1, 1))])
    images = {(0, r, c): image for r in range(1, 6) for c in (0, 2)}
    plans = {0: ({1, 2, 3, 4, 5}, {0: cells.Column(0), 2: cells.Column(0)})}
    asked = []
    monkeypatch.setattr(scan, "_read_cells", lambda left, *a: asked.extend(left) or {})
    scan._last_try([read], images, plans, ocr.page_budget(timeout=10))
    assert asked == [(0, 4, 2)]
