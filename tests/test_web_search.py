"""The web app's search (page, box on every page, /api/search), the locality tree, today's map.

Plans written for this test: two communes of one district before 2025, the commune they became
after it (2026), one with villages; a sentence carries hostile markup.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date

import pytest
from fastapi.testclient import TestClient

from pipeline import records, store
from pipeline.web import create_app

HOSTILE = "<img src=x onerror=alert(1)>"


def _plan(engine, name: str, text: str, facts: records.DocumentFacts, rows: list[tuple]) -> None:
    targets = []
    for quote, value, locality in rows:
        start = text.index(quote)
        targets.append(records.TargetRecord(
            "poverty_rate", None, "hộ nghèo", "<", value, None, None, "%", "2024", locality,
            records.Grounding(1, start, start + len(quote), quote)))
    store.save_document(engine, sha256=hashlib.sha256(name.encode()).hexdigest(),
                        file_name=name, pages=[records.Page(1, text, text, "plain")],
                        extraction=records.Extraction(facts, targets=targets), findings=[])


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    engine = store.get_engine(f"sqlite:///{tmp_path_factory.mktemp('web') / 'plans.db'}")
    a = ("KẾ HOẠCH GIẢM NGHÈO XÃ CAM TUYỀN\nTỷ lệ hộ nghèo dưới 3%. Hỗ trợ nhà tiêu hợp vệ sinh "
         f"cho hộ nghèo. {HOSTILE} nhà tiêu hợp vệ sinh.\n")
    _plan(engine, "cam-tuyen-2024.txt", a, records.DocumentFacts(
        doc_type="Kế hoạch", admin_level="xã", locality="Cam Tuyền", district="Cam Lộ",
        province="Quảng Trị", issue_date=date(2024, 3, 1)), [("dưới 3%", 3.0, "Cam Tuyền")])
    b = "KẾ HOẠCH GIẢM NGHÈO XÃ CAM HIẾU\nTỷ lệ hộ nghèo dưới 2%.\n"
    _plan(engine, "cam-hieu-2024.txt", b, records.DocumentFacts(
        doc_type="Kế hoạch", admin_level="xã", locality="Cam Hiếu", district="Cam Lộ",
        province="Quảng Trị", issue_date=date(2024, 3, 2)), [("dưới 2%", 2.0, "Cam Hiếu")])
    c = "KẾ HOẠCH GIẢM NGHÈO XÃ HIẾU GIANG\nTỷ lệ hộ nghèo dưới 1,5%.\n"
    _plan(engine, "hieu-giang-2026.txt", c, records.DocumentFacts(
        doc_type="Kế hoạch", admin_level="xã", locality="Hiếu Giang", province="Quảng Trị",
        issue_date=date(2026, 1, 10)), [("dưới 1,5%", 1.5, "Hiếu Giang")])
    d = "BÁO CÁO XÃ CAO NGỌC\nThôn Quang Minh: hộ nghèo dưới 4%. Bản Trò A: hộ nghèo dưới 5%.\n"
    _plan(engine, "cao-ngoc-2024.txt", d, records.DocumentFacts(
        doc_type="Báo cáo", admin_level="xã", locality="Cao Ngọc", district="Ngọc Lặc",
        province="Thanh Hóa", issue_date=date(2024, 5, 1)),
        [("dưới 4%", 4.0, "Thôn Quang Minh"), ("dưới 5%", 5.0, "Bản Trò A")])
    with TestClient(create_app(store.get_engine(engine.url.render_as_string(False),
                                                readonly=True)),
                    base_url="http://127.0.0.1") as c:
        yield c


@pytest.mark.parametrize("path", ["/", "/targets", "/compare", "/findings", "/search"])
def test_a_search_box_on_every_page(client, path):
    page = client.get(path).text
    assert re.search(r'<form class="top-search" method="get" action="/search"', page)
    assert 'name="q"' in page


def test_search_page_highlights_the_words_escapes_the_plan_and_links_the_sentence(client):
    page = client.get("/search", params={"q": "nha tieu hop ve sinh"}).text
    assert page.count('<mark class="hit">nhà tiêu hợp vệ sinh</mark>') == 2
    assert HOSTILE not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    links = re.findall(r'<a class="hit-source" href="([^"]+)"', page)
    assert links and all(link.startswith("/documents/") and "?span=1:" in link for link in links)
    document = client.get(links[0].replace("&amp;", "&")).text
    anchor = links[0].split("#")[1]
    assert f'id="{anchor}"' in document  # the document page marks the sentence


def test_search_facets_count_and_narrow(client):
    page = client.get("/search", params={"q": "ho ngheo"}).text
    for title in ("Địa phương", "Cấp", "Năm ban hành", "Loại văn bản"):
        assert title in page
    found = client.get("/api/search", params={"q": "ho ngheo"}).json()
    by_type = dict(found["facets"]["doc_type"])
    assert by_type["Báo cáo"] + by_type["Kế hoạch"] == found["total"]
    narrowed = client.get("/api/search", params={"q": "ho ngheo", "doc_type": "Báo cáo"}).json()
    assert narrowed["total"] == by_type["Báo cáo"]
    assert {h["document"] for h in narrowed["hits"]} == {"cao-ngoc-2024.txt"}
    facet_link = re.search(r'href="(/search\?[^"]*doc_type=B[^"]*)"', page).group(1)
    assert "Báo cáo" in client.get(facet_link.replace("&amp;", "&")).text


def test_search_api_modes_and_errors(client):
    exact = client.get("/api/search", params={"q": "hộ nghèo"}).json()
    assert exact["mode"].startswith("exact") and exact["total"] > 0
    assert client.get("/api/search", params={"q": "họ nghèo"}).json()["total"] == 0
    bad = client.get("/api/search", params={"q": "?!"})
    assert bad.status_code == 400 and bad.json()["error"] == "empty_query"
    assert "Hãy nhập" in client.get("/search", params={"q": "?!"}).text


def test_findings_show_their_kind_in_vietnamese(client):
    from pipeline.audit import CROSS_KINDS, DOCUMENT_KINDS, KIND_LABELS

    assert set(KIND_LABELS) == CROSS_KINDS | DOCUMENT_KINDS
    assert KIND_LABELS["missing_dimension"] == "Thiếu chiều thiếu hụt"


def test_locality_tree_old_and_new_map_villages_under_their_commune(client):
    page = client.get("/compare").text
    tree = page[page.index('id="places"'):page.index("</fieldset>")]
    assert "Trước 1/7/2025" in tree and "Từ 1/7/2025" in tree
    old = tree[tree.index('id="tree-old"'):tree.index('id="tree-new"')]
    # province -> district -> commune, and the villages inside their commune
    assert old.index("Tỉnh Quảng Trị") < old.index("Huyện Cam Lộ") < old.index("Xã Cam Tuyền")
    commune = old[old.index("Xã Cao Ngọc"):]
    assert "Thôn Quang Minh" in commune and "Bản Trò A" in commune
    new = tree[tree.index('id="tree-new"'):]
    assert re.search(r'name="today" value="Hiếu Giang \(Quảng Trị\)"', new)
    assert "← " in new and "Cam Tuyền" in new
    # the filter box matches names with and without accents: both spellings are on the node
    assert re.search(r'data-names="[^"]*hieu giang[^"]*hiếu giang', new)


def test_compare_on_todays_map_groups_the_old_communes_under_their_new_one(client):
    page = client.get("/compare", params={"today": "Hiếu Giang (Quảng Trị)",
                                          "indicator": "poverty_rate"}).text
    rows = re.findall(r"<tr[^>]*>\s*<td>([^<]*)</td><td>([^<]*)</td>", page)
    assert ("Hiếu Giang (Quảng Trị)", "Cam Tuyền") in rows
    assert ("Hiếu Giang (Quảng Trị)", "Cam Hiếu") in rows
    assert ("Hiếu Giang (Quảng Trị)", "Hiếu Giang") in rows  # the 2026 plan of the new commune
    api = client.get("/api/compare", params={"locality": "Hiếu Giang", "as_of": "2025-07-01",
                                             "indicator": "poverty_rate"}).json()
    assert sorted(r["locality"] for r in api) == ["Cam Hiếu", "Cam Tuyền", "Hiếu Giang"]
    assert {r["today"] for r in api} == {"Hiếu Giang (Quảng Trị)"}
    # on the old map, the name is only the new commune's own plan
    old = client.get("/api/compare", params={"locality": "Hiếu Giang",
                                             "indicator": "poverty_rate"}).json()
    assert [r["locality"] for r in old] == ["Hiếu Giang"]
    assert client.get("/api/compare", params={"locality": "x", "as_of": "hôm qua"}).status_code == 400


def test_documents_show_their_official_unit_and_what_it_became(client):
    listing = client.get("/").text
    assert "Xã Cam Tuyền, Huyện Cam Lộ, Tỉnh Quảng Trị" in listing and "→ Xã Hiếu Giang" in listing
    doc = next(d for d in client.get("/api/documents").json()
               if d["document"] == "cam-tuyen-2024.txt")
    page = client.get(f"/documents/{doc['id']}").text
    assert re.search(r'id="official-unit">Xã Cam Tuyền, Huyện Cam Lộ, Tỉnh Quảng Trị', page)
    assert re.search(r'id="successor">Xã Hiếu Giang \(Tỉnh Quảng Trị\)', page)
