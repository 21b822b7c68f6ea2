"""The web app and its JSON API on a temporary SQLite database filled by hand-built records."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from datetime import date
from urllib.parse import quote

import openpyxl
import pytest
from fastapi.testclient import TestClient

from pipeline import errors, records, store
from pipeline.web import create_app

DISTRICT = "Huyện Thử Nghiệm"
PROVINCE = "Tỉnh Mẫu"
HOSTILE = "<script>alert('xss')</script>"
LOCAL = "http://127.0.0.1"  # the app serves only the hosts it was told (127.0.0.1, localhost)


def _grounded(text: str, quote: str, page: int = 1) -> records.Grounding:
    start = text.index(quote)
    return records.Grounding(page=page, char_start=start, char_end=start + len(quote),
                             quote=quote)


def _commune_plan(locality: str, water: str, latrine: str, extra: str = "") -> tuple[str, dict]:
    """A small commune plan as stored page text plus its hand-built records."""
    water_quote = f"{water}% hộ nghèo, hộ cận nghèo sử dụng nước sinh hoạt hợp vệ sinh"
    latrine_quote = f"{latrine}% hộ nghèo, hộ cận nghèo sử dụng nhà tiêu hợp vệ sinh"
    poverty_quote = "giảm tỷ lệ hộ nghèo xuống dưới 2%"
    task_quote = ("Công chức Lao động - TB&XH chủ trì, phối hợp các ban ngành tổ chức rà soát "
                  "hộ nghèo")
    due_quote = "trước ngày 15/12/2024"
    text = (f"KẾ HOẠCH\nThực hiện mục tiêu giảm nghèo xã {locality} năm 2024\n\nI. MỤC TIÊU\n"
            f"- Phấn đấu {poverty_quote}.\n"
            f"- Chiều thiếu hụt về nước sinh hoạt và vệ sinh: {water_quote}; {latrine_quote}.\n"
            f"{extra}\nII. TỔ CHỨC THỰC HIỆN\n- {task_quote}, báo cáo UBND xã {due_quote}.\n")
    number = lambda s: float(s.replace(",", "."))  # noqa: E731
    targets = [
        records.TargetRecord("poverty_rate", None, "hộ nghèo", "<", 2.0, None, None, "%",
                             "2024", locality, _grounded(text, poverty_quote)),
        records.TargetRecord("domestic_water", "water_sanitation", "hộ nghèo, hộ cận nghèo", "=",
                             number(water), None, None, "%", "2024", locality,
                             _grounded(text, water_quote)),
        records.TargetRecord("hygienic_latrine", "water_sanitation", "hộ nghèo, hộ cận nghèo", "=",
                             number(latrine), None, None, "%", "2024", locality,
                             _grounded(text, latrine_quote)),
    ]
    responsibilities = [records.ResponsibilityRecord(
        "Công chức Lao động - TB&XH", "LDTBXH", "lead", "tổ chức rà soát hộ nghèo", [],
        _grounded(text, task_quote))]
    deadlines = [records.DeadlineRecord("by_date", date(2024, 12, 15), None, None,
                                        "Công chức Lao động - TB&XH", "báo cáo UBND xã",
                                        _grounded(text, due_quote))]
    return text, {"targets": targets, "responsibilities": responsibilities,
                  "deadlines": deadlines}


def _save(engine, name: str, locality: str, admin_level: str, text: str, found: dict,
          findings: list[records.Finding] | None = None) -> int:
    facts = records.DocumentFacts(doc_type="Kế hoạch", number="12/KH-UBND",
                                  issue_date=date(2024, 3, 1), issuer=f"UBND {locality}",
                                  admin_level=admin_level, locality=locality,
                                  district=DISTRICT, province=PROVINCE, period_start=2024,
                                  period_end=2024, title=f"Giảm nghèo {locality} năm 2024")
    page = records.Page(number=1, text=text, raw_text=text, source="plain")
    return store.save_document(
        engine, sha256=hashlib.sha256(name.encode()).hexdigest(), file_name=name, pages=[page],
        extraction=records.Extraction(facts=facts, **found), findings=findings or [])


@pytest.fixture()
def empty_client(tmp_path):
    engine = store.get_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with TestClient(create_app(engine), base_url=LOCAL) as client:
        yield client


@pytest.fixture()
def filled(tmp_path):
    """Two communes of one district (one plan carrying hostile markup) and a finding."""
    engine = store.get_engine(f"sqlite:///{tmp_path / 'plans.db'}")
    text_a, found_a = _commune_plan("An Bình", "100", "90")
    text_b, found_b = _commune_plan("Tân Lập", "95", "92", extra=f"Ghi chú: {HOSTILE}\n")
    hostile_quote = "Ghi chú: " + HOSTILE
    found_b["targets"].append(records.TargetRecord(
        "poor_households", None, "hộ nghèo", "<", 40.0, None, None, "hộ", "2024", "Tân Lập",
        _grounded(text_b, hostile_quote)))
    ids = {"a": _save(engine, "ke-hoach-an-binh.txt", "An Bình", "xã", text_a, found_a)}
    finding_quote = found_b["targets"][2].grounding.quote
    finding = records.Finding(kind="weaker_than_district", severity="warning",
                              message="Chỉ tiêu nhà tiêu hợp vệ sinh thấp hơn của huyện.",
                              groundings=[_grounded(text_b, finding_quote)])
    ids["b"] = _save(engine, "ke-hoach-tan-lap.txt", "Tân Lập", "xã", text_b, found_b,
                     [finding])
    with TestClient(create_app(engine), base_url=LOCAL) as client:
        yield client, ids, {"a": text_a, "b": text_b}


# ---------------------------------------------------------------- empty database

@pytest.mark.parametrize("path", ["/", "/targets", "/compare", "/findings"])
def test_empty_database_pages_say_how_to_add_plans(empty_client, path):
    response = empty_client.get(path)
    assert response.status_code == 200
    assert 'id="empty-database"' in response.text
    assert "plans ingest" in response.text
    assert "data/inbox" in response.text and "plans serve" in response.text


def test_empty_database_api_returns_empty_lists(empty_client):
    for path in ("/api/documents", "/api/targets", "/api/responsibilities", "/api/deadlines",
                 "/api/findings"):
        response = empty_client.get(path)
        assert response.status_code == 200, path
        assert response.json() == [], path


# ---------------------------------------------------------------- JSON API

def test_api_documents_lists_facts_and_counts(filled):
    client, ids, _ = filled
    documents = client.get("/api/documents").json()
    assert [d["document"] for d in documents] == ["ke-hoach-an-binh.txt", "ke-hoach-tan-lap.txt"]
    second = documents[1]
    assert second["id"] == ids["b"]
    assert second["locality"] == "Tân Lập" and second["district"] == DISTRICT
    assert second["issue_date"] == "2024-03-01"
    assert second["target_count"] == 4 and second["finding_count"] == 1


def test_api_document_by_id_and_by_name(filled):
    client, ids, _ = filled
    by_id = client.get(f"/api/documents/{ids['a']}").json()
    by_name = client.get("/api/documents/ke-hoach-an-binh.txt").json()
    assert by_id == by_name
    assert by_id["locality"] == "An Bình"


def test_api_unknown_document_is_404_with_message(filled):
    client, _, _ = filled
    response = client.get("/api/documents/9999")
    assert response.status_code == 404
    assert response.json()["error"] == "document_not_found"
    assert "plans documents" in response.json()["message"]


def test_api_document_text_matches_spans(filled):
    client, ids, texts = filled
    body = client.get(f"/api/documents/{ids['a']}/text").json()
    assert body["document_id"] == ids["a"] and body["raw"] is False
    assert body["pages"][0]["text"] == texts["a"]
    for target in client.get("/api/targets", params={"document": str(ids["a"])}).json():
        page_text = body["pages"][target["page"] - 1]["text"]
        assert page_text[target["char_start"]:target["char_end"]] == target["quote"]
    raw = client.get(f"/api/documents/{ids['a']}/text", params={"raw": "true"}).json()
    assert raw["raw"] is True and raw["pages"][0]["text"] == texts["a"]


def test_api_targets_filters(filled):
    client, ids, _ = filled
    everything = client.get("/api/targets").json()
    assert len(everything) == 7
    water = client.get("/api/targets", params={"dimension": "water_sanitation"}).json()
    assert {t["indicator"] for t in water} == {"domestic_water", "hygienic_latrine"} and len(water) == 4
    latrine = client.get("/api/targets", params={"indicator": "hygienic_latrine",
                                                 "locality": "Tân Lập"}).json()
    assert len(latrine) == 1 and latrine[0]["value"] == 92.0
    assert latrine[0]["document"] == "ke-hoach-tan-lap.txt"
    assert client.get("/api/targets", params={"year": "2023"}).json() == []
    assert len(client.get("/api/targets", params={"year": "2024"}).json()) == 7
    by_doc = client.get("/api/targets", params={"document": "ke-hoach-an-binh.txt"}).json()
    assert {t["document_id"] for t in by_doc} == {ids["a"]} and len(by_doc) == 3


def test_api_responsibilities_and_deadlines(filled):
    client, ids, _ = filled
    tasks = client.get("/api/responsibilities", params={"role": "lead"}).json()
    assert len(tasks) == 2 and tasks[0]["agency_code"] == "LDTBXH"
    assert client.get("/api/responsibilities", params={"role": "support"}).json() == []
    deadlines = client.get("/api/deadlines", params={"document": str(ids["b"])}).json()
    assert len(deadlines) == 1
    assert deadlines[0]["due_date"] == "2024-12-15" and deadlines[0]["kind"] == "by_date"
    assert deadlines[0]["quote"] == "trước ngày 15/12/2024"


def test_api_findings_keep_their_spans(filled):
    client, ids, texts = filled
    findings = client.get("/api/findings").json()
    assert len(findings) == 1
    finding = findings[0]
    assert finding["document_id"] == ids["b"] and finding["severity"] == "warning"
    span = finding["groundings"][0]
    assert texts["b"][span["char_start"]:span["char_end"]] == span["quote"]
    assert client.get("/api/findings", params={"kind": "no_such_kind"}).json() == []


def test_api_compare_two_communes(filled):
    client, _, _ = filled
    response = client.get("/api/compare", params=[("indicator", "domestic_water"),
                                                   ("locality", "An Bình"),
                                                   ("locality", "Tân Lập")])
    assert response.status_code == 200, response.text
    rows = response.json()
    values = {r["locality"]: r["value"] for r in rows}
    assert values == {"An Bình": 100.0, "Tân Lập": 95.0}
    assert all("nước sinh hoạt hợp vệ sinh" in r["quote"] for r in rows)


def test_api_compare_all_communes_of_a_district(filled):
    client, _, _ = filled
    rows = client.get("/api/compare", params={"indicator": "hygienic_latrine",
                                              "district": DISTRICT}).json()
    assert {r["locality"]: r["value"] for r in rows} == {"An Bình": 90.0, "Tân Lập": 92.0}


def test_api_compare_unknown_indicator_lists_known_ones(filled):
    client, _, _ = filled
    response = client.get("/api/compare", params={"indicator": "no_such_indicator",
                                                  "locality": "An Bình"})
    assert response.status_code == 400
    text = response.text
    assert "no_such_indicator" in text
    assert "domestic_water" in text and "hygienic_latrine" in text


def test_api_compare_unknown_locality_lists_known_ones(filled):
    client, _, _ = filled
    response = client.get("/api/compare", params={"indicator": "hygienic_latrine",
                                                  "locality": "Xã Không Có"})
    assert response.status_code == 400
    assert "Xã Không Có" in response.text
    assert "An Bình" in response.text and "Tân Lập" in response.text


def test_api_compare_without_any_choice_is_400_listing_localities(filled):
    client, _, _ = filled
    response = client.get("/api/compare")
    assert response.status_code == 400
    assert response.json()["known"] == ["An Bình", "Tân Lập"]


def test_openapi_schema_lists_every_endpoint_and_docs_are_local(filled):
    client, _, _ = filled
    schema = client.get("/openapi.json").json()
    for path in ("/api/documents", "/api/documents/{doc_id}", "/api/documents/{doc_id}/text",
                 "/api/targets", "/api/responsibilities", "/api/deadlines", "/api/compare",
                 "/api/findings"):
        assert "get" in schema["paths"][path], path
    assert "/" not in schema["paths"]  # pages are not part of the API
    assert client.get("/docs").status_code == 404  # Swagger UI would load from a CDN
    listing = client.get("/api")
    assert listing.status_code == 200 and "/api/targets" in listing.text


# ---------------------------------------------------------------- pages

def test_documents_page_shows_status_and_facts(filled):
    client, ids, _ = filled
    page = client.get("/").text
    assert f'href="/documents/{ids["a"]}"' in page
    assert "ke-hoach-tan-lap.txt" in page and "Đã xử lý" in page and DISTRICT in page


def test_document_page_highlights_every_record_in_place(filled):
    client, ids, _ = filled
    page = client.get(f"/documents/{ids['a']}").text
    targets = client.get("/api/targets", params={"document": str(ids["a"])}).json()
    for target in targets:
        mark = re.search(rf'<mark id="t-{target["id"]}" class="hl hl-t"[^>]*>(.*?)</mark>', page)
        assert mark, target
        assert mark.group(1) == target["quote"].replace("&", "&amp;")
        assert f'href="#t-{target["id"]}"' in page  # the list beside the text
    task = client.get("/api/responsibilities", params={"document": str(ids["a"])}).json()[0]
    deadline = client.get("/api/deadlines", params={"document": str(ids["a"])}).json()[0]
    assert f'id="r-{task["id"]}" class="hl hl-r"' in page
    assert f'id="d-{deadline["id"]}" class="hl hl-d"' in page


def test_hostile_plan_text_is_escaped_everywhere(filled):
    client, ids, _ = filled
    for path in (f"/documents/{ids['b']}", "/targets", "/compare?locality=Tân Lập",
                 f"/targets?document={ids['b']}"):
        page = client.get(path).text
        assert "<script>alert" not in page, path
    page = client.get(f"/documents/{ids['b']}").text
    assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in page
    assert client.get("/targets").text.count("&lt;script&gt;") >= 1


def test_pages_load_nothing_from_other_hosts(filled):
    client, ids, _ = filled
    for path in ("/", f"/documents/{ids['a']}", "/targets", "/findings",
                 "/compare?locality=An Bình&locality=Tân Lập"):
        response = client.get(path)
        assert not re.search(r'(src|href)="(https?:)?//', response.text), path
        assert "default-src 'self'" in response.headers["content-security-policy"]
    assert client.get("/static/app.css").status_code == 200
    assert client.get("/static/app.js").status_code == 200


def test_app_is_read_only_and_serves_no_other_files(filled):
    client, ids, _ = filled
    assert client.post("/api/targets").status_code == 405
    assert client.delete(f"/api/documents/{ids['a']}").status_code == 405
    assert client.post("/static/app.css").status_code == 405
    for path in ("/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2fapp.py",
                 "/static//etc/passwd"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "create_app" not in response.text


def test_targets_page_filters_and_sorts_on_the_server(filled):
    client, _, _ = filled
    page = client.get("/targets", params={"dimension": "water_sanitation", "sort": "value",
                                          "order": "desc"}).text
    cell = r'<td class="num" data-value="[^"]*">([^<]*)</td>'
    assert re.findall(cell, page) == ["100%", "95%", "92%", "90%"]
    ascending = client.get("/targets", params={"dimension": "water_sanitation",
                                               "sort": "value", "order": "asc"}).text
    assert re.findall(cell, ascending) == ["90%", "92%", "95%", "100%"]
    assert "poverty_rate" not in re.sub(r"<select.*?</select>", "", page, flags=re.S)


def test_target_export_csv_and_xlsx(filled):
    client, _, _ = filled
    response = client.get("/targets/export.csv", params={"indicator": "hygienic_latrine"})
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 2
    assert any("nhà tiêu hợp vệ sinh" in value for value in rows[0].values())
    response = client.get("/targets/export.xlsx", params={"dimension": "water_sanitation"})
    assert response.status_code == 200 and response.content[:2] == b"PK"
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    cells = [str(c.value) for sheet in book.worksheets for row in sheet.iter_rows()
             for c in row if c.value is not None]
    assert any("nước sinh hoạt hợp vệ sinh" in c for c in cells)
    assert client.get("/targets/export.exe").status_code == 404


def test_compare_page_side_by_side_with_chart_and_differences(filled):
    client, ids, _ = filled
    page = client.get("/compare", params=[("locality", "An Bình"), ("locality", "Tân Lập"),
                                          ("dimension", "water_sanitation")]).text
    assert page.count("<svg") == 2  # one chart per indicator: water source and latrine
    assert 'id="ind-domestic_water"' in page and 'id="ind-hygienic_latrine"' in page
    assert "diff-max" in page and "diff-min" in page  # 100 vs 95, 92 vs 90
    targets = client.get("/api/targets", params={"indicator": "hygienic_latrine",
                                                 "locality": "An Bình"}).json()
    assert f'href="/documents/{ids["a"]}#t-{targets[0]["id"]}"' in page
    form = client.get("/compare").text
    assert 'value="An Bình"' in form and DISTRICT in form


def test_compare_page_unknown_locality_shows_known_names(filled):
    client, _, _ = filled
    response = client.get("/compare", params={"locality": "Xã Không Có"})
    assert response.status_code == 400
    assert 'id="error-message"' in response.text
    assert "An Bình" in response.text and "Tân Lập" in response.text


def test_compare_export_xlsx_has_a_sheet_per_indicator(filled):
    client, _, _ = filled
    response = client.get("/compare/export.xlsx", params=[("locality", "An Bình"),
                                                          ("locality", "Tân Lập"),
                                                          ("dimension", "water_sanitation")])
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert len(book.worksheets) >= 2


def test_findings_link_to_the_span_on_the_document_page(filled):
    client, ids, _ = filled
    page = client.get("/findings").text
    links = re.findall(r'<a class="source" href="([^"]+)"', page)
    assert len(links) == 1
    href = links[0].replace("&amp;", "&")
    path, anchor = href.split("#")
    assert path.startswith(f"/documents/{ids['b']}?span=")
    document = client.get(path).text
    quote = client.get("/api/findings").json()[0]["groundings"][0]["quote"]
    mark = re.search(rf'<mark id="{anchor}" class="hl hl-s"[^>]*>(.*?)</mark>', document,
                     flags=re.S)
    assert mark
    assert re.sub(r"<[^>]+>", "", mark.group(1)) == quote


def test_unknown_document_page_is_404_in_vietnamese(filled):
    client, _, _ = filled
    response = client.get("/documents/khong-co.txt")
    assert response.status_code == 404
    assert "Không tìm thấy tài liệu" in response.text


def test_compare_page_one_dimension_compares_every_locality(filled):
    client, _, _ = filled
    page = client.get("/compare", params={"dimension": "water_sanitation"}).text
    block = page.split('id="ind-hygienic_latrine"', 1)[1].split("</section>", 1)[0]
    assert "An Bình" in block and "Tân Lập" in block
    assert "≥" not in block and "90%" in block and "92%" in block


def test_document_page_ignores_malformed_span_parameters(filled):
    client, ids, _ = filled
    response = client.get(f"/documents/{ids['a']}",
                          params=[("span", "1:abc:9"), ("span", "../../etc"),
                                  ("span", "1:5:999999")])
    assert response.status_code == 200
    assert 'id="s-' not in response.text


def test_plans_web_on_a_stale_schema_says_to_migrate(tmp_path, monkeypatch):
    from sqlalchemy import text
    from typer.testing import CliRunner

    from pipeline.cli import app

    url = f"sqlite:///{tmp_path / 'plans.db'}"
    monkeypatch.setenv("PLANS_DB_URL", url)
    with store.get_engine(url).begin() as connection:
        connection.execute(text("update alembic_version set version_num = '0000'"))
    result = CliRunner().invoke(app, ["web", "--port", "1"])
    assert result.exit_code == errors.SchemaOutdated.exit_code
    assert "plans migrate" in result.output
    fresh = f"sqlite:///{tmp_path / 'new.db'}"
    monkeypatch.setenv("PLANS_DB_URL", fresh)
    result = CliRunner().invoke(app, ["migrate"])
    assert result.exit_code == 0, result.output
    assert store.schema_revision(store.get_engine(fresh, readonly=True)) == store.SCHEMA_REVISION


# ---------------------------------------------------------------- hostile requests

# every parameter of every route; the document routes are given an existing id below
HOSTILE_ROUTES = {
    "/": [], "/targets": ["indicator", "dimension", "locality", "year", "document", "sort", "order"],
    "/targets/export.csv": ["indicator", "locality", "year", "document", "sort", "order"],
    "/targets/export.xlsx": ["dimension", "locality", "year", "document"],
    "/compare": ["indicator", "dimension", "locality", "district", "year"],
    "/compare/export.csv": ["indicator", "dimension", "locality", "district", "year"],
    "/compare/export.xlsx": ["indicator", "locality", "district", "year"],
    "/findings": ["kind", "document"],
    "/api/documents": [],
    "/api/targets": ["indicator", "dimension", "locality", "year", "document"],
    "/api/responsibilities": ["document", "agency", "role", "locality"],
    "/api/deadlines": ["document", "agency", "year"],
    "/api/compare": ["indicator", "dimension", "locality", "district", "year"],
    "/api/findings": ["document", "kind"],
    "/documents/{a}": ["span"], "/api/documents/{a}/text": ["raw"],
}
HOSTILE_VALUES = [
    "abc", "²", "99999999999999999999999", "-1", "%", "_", "' OR '1'='1",
    "1; DROP TABLE target; --", "../../etc/passwd", "1:2:99999999999999999999999", "²:1:1",
    "%00", "%ff%fe", "%c0%ae%c0%ae", "x" * 50_000,
]


def _said_why(response) -> bool:
    """A 400 or 404 explains itself: a JSON message or the error page's sentence."""
    if response.headers["content-type"].startswith("application/json"):
        return bool(response.json().get("message"))
    return 'id="error-message"' in response.text


def test_hostile_parameters_get_400_or_404_with_a_message_never_500(filled):
    client, ids, _ = filled
    wrong = []
    for route, names in HOSTILE_ROUTES.items():
        path = route.format(a=ids["a"])
        for name in names:
            for value in HOSTILE_VALUES:
                raw = value if value.startswith("%") else quote(value)
                response = client.get(f"{path}?{name}={raw}")
                if response.status_code not in (200, 400, 404) or (
                        response.status_code != 200 and not _said_why(response)):
                    wrong.append((path, name, value[:20], response.status_code))
    assert not wrong
    assert client.get("/api/deadlines?year=abc").json()["error"] == "bad_parameter"
    assert client.get("/api/documents/1/text?raw=abc").status_code == 400
    assert client.get("/api/targets?locality=%ff").json()["error"] == "bad_parameter"


@pytest.mark.parametrize("path", [
    "/documents/99999999999999999999999", "/api/documents/99999999999999999999999",
    "/documents/²", "/api/documents/²/text", "/documents/-1", "/documents/..%2f..%2fetc%2fpasswd",
    "/api/documents/'%20OR%201=1%20--", "/documents/%e2%80%ae"])
def test_hostile_document_ids_are_404(filled, path):
    response = filled[0].get(path)
    assert response.status_code == 404 and _said_why(response)


def _asgi_get(app, raw_path: bytes, query: bytes, host: bytes = b"127.0.0.1") -> tuple[int, bytes]:
    """One GET straight into the ASGI app: query strings longer than any HTTP client sends."""
    import asyncio
    from urllib.parse import unquote

    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": unquote(raw_path.decode()), "raw_path": raw_path,
             "query_string": query, "root_path": "", "headers": [(b"host", host)],
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000)}
    asyncio.run(app(scope, receive, send))
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], body


@pytest.mark.parametrize("size", [100_000, 1_000_000])
def test_huge_query_strings_are_refused_with_a_message(filled, size):
    app = filled[0].app
    for path in (b"/api/targets", b"/targets", b"/compare/export.csv"):
        status, body = _asgi_get(app, path, b"locality=" + b"a" * size)
        assert status == 400 and "bad_parameter" in body.decode() or "Tham số" in body.decode()
    status, _ = _asgi_get(app, b"/api/documents/" + b"a" * size, b"")
    assert status == 400


def test_like_metacharacters_match_themselves(filled):
    client, _, _ = filled
    assert len(client.get("/api/targets", params={"locality": "An Bình"}).json()) == 3
    for pattern in ("%", "_", "An%", "A_ Bình", "%Bình", "An B_nh"):
        assert client.get("/api/targets", params={"locality": pattern}).json() == [], pattern
        assert client.get("/api/responsibilities", params={"locality": pattern}).json() == []
    assert client.get("/api/targets", params={"year": "20_4"}).json() == []
    assert client.get("/api/deadlines", params={"year": "2024"}).json()


def test_only_the_configured_hosts_are_served(filled, tmp_path):
    client, _, _ = filled
    assert client.get("/api/documents").status_code == 200
    assert client.get("/api/documents", headers={"host": "localhost:8000"}).status_code == 200
    for host in ("evil.example", "evil.example:8000", "127.0.0.1.evil.example", "localhost.",
                 "0.0.0.0"):
        response = client.get("/api/documents", headers={"host": host})
        assert response.status_code == 400, host
        assert "tân lập" not in response.text.lower()
    named = create_app(store.get_engine(f"sqlite:///{tmp_path / 'named.db'}"), ["plans.lan"])
    with TestClient(named, base_url="http://plans.lan") as other:
        assert other.get("/api/documents").status_code == 200
        assert other.get("/api/documents", headers={"host": "127.0.0.1"}).status_code == 400


def test_plans_web_serves_its_host_and_the_allowed_ones(tmp_path, monkeypatch):
    import uvicorn
    from typer.testing import CliRunner

    from pipeline.cli import app

    monkeypatch.setenv("PLANS_DB_URL", f"sqlite:///{tmp_path / 'plans.db'}")
    store.get_engine()
    started = {}
    monkeypatch.setattr(uvicorn, "run", lambda asgi, **options: started.update(app=asgi, **options))
    result = CliRunner().invoke(app, ["web", "--host", "10.1.2.3", "--allowed-host", "plans.lan"])
    assert result.exit_code == 0, result.output
    assert "plans.lan" in result.output
    with TestClient(started["app"]) as client:
        for host, status in (("127.0.0.1", 200), ("localhost", 200), ("10.1.2.3:8000", 200),
                             ("plans.lan", 200), ("evil.example", 400)):
            assert client.get("/api/documents", headers={"host": host}).status_code == status
    assert CliRunner().invoke(app, ["web", "--host", "::1"]).exit_code == 0
    with TestClient(started["app"]) as client:
        assert client.get("/api/documents", headers={"host": "[::1]:8000"}).status_code == 200
        assert client.get("/api/documents", headers={"host": "plans.lan"}).status_code == 400


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"])
@pytest.mark.parametrize("path", ["/", "/targets", "/api/targets", "/api/documents/1",
                                  "/targets/export.csv", "/static/app.css"])
def test_other_methods_are_405(filled, method, path):
    assert filled[0].request(method, path).status_code == 405


@pytest.mark.parametrize("path", [
    "/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2fapp.py", "/static/%2e%2e%2fapp.py",
    "/static/..%5capp.py", "/static/%252e%252e/app.py", "/static//etc/passwd",
    "/static/%2fetc%2fpasswd", "/static/%c0%ae%c0%ae/app.py", "/static/....//app.py",
    "/static/app.css%00.py", "/static/..;/app.py", "/../pipeline/web/app.py",
    "/targets/export.%2e%2e%2fapp.py", "/documents/..%2f..%2f..%2fetc%2fpasswd",
])
def test_path_traversal_variants_serve_no_file(filled, path):
    response = filled[0].get(path)
    assert response.status_code in (400, 404), path
    assert "create_app" not in response.text and "root:" not in response.text


def test_real_server_refuses_foreign_hosts_and_huge_requests(filled):
    """Through uvicorn as `plans web` runs it: the Host header and the request line as sent."""
    import http.client
    import socket
    import threading
    import time

    import uvicorn

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = create_app(filled[0].app.state.engine)  # its own app: the test client keeps its own
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                          log_level="critical", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)

    def get(target: str, host: str) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            connection.putrequest("GET", target, skip_host=True)
            connection.putheader("Host", host)
            connection.endheaders()
            return connection.getresponse().status
        finally:
            connection.close()

    try:
        assert get("/api/documents", f"127.0.0.1:{port}") == 200
        assert get("/api/documents", f"localhost:{port}") == 200
        assert get("/api/documents", "attacker.example") == 400
        for size in (100_000, 1_000_000):
            assert get("/api/targets?locality=" + "a" * size, f"127.0.0.1:{port}") == 400
        assert get("/api/targets?locality=%ff%fe", f"127.0.0.1:{port}") == 400
    finally:
        server.should_exit = True
        thread.join(timeout=10)
