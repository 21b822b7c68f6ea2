"""plans search: phrases across every stored page, the same answers on SQLite and PostgreSQL.

Typed without accents a query matches any accents; typed with accents it matches those
exactly; words in order by default, every word anywhere in one sentence with `anywhere`. Each
hit is grounded: the sentence's span in the stored page text, the sentence as quote, and the
spans of the matched words inside it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from pipeline import cli, errors, queries, search, store
from pipeline.records import DocumentFacts, Extraction, Page
from pipeline.text import accent_key, fold

XA_TEXT = (
    "ỦY BAN NHÂN DÂN XÃ BÌNH MINH\n"
    "KẾ HOẠCH GIẢM NGHÈO\n"
    "Tỷ lệ hộ nghèo giảm xuống dưới 2%. Họ nghèo vì thiếu đất sản xuất.\n"
    "- 90% hộ nghèo có nhà tiêu hợp vệ sinh; hộ nghèo và hộ cận nghèo được hỗ trợ.\n"
    "Nhà văn hoá thôn được sửa chữa.\n"
)
HUYEN_TEXT = (
    "ỦY BAN NHÂN DÂN HUYỆN SÔNG XANH\n"
    "TỶ LỆ HỘ NGHÈO TOÀN HUYỆN GIẢM 1%.\n"
    "Nghèo đa chiều: hộ thiếu nước sạch. Hỗ trợ nhà văn hóa cho các thôn.\n"
)
PAGE_TWO = "Trang hai: ty le ho ngheo duoc ra soat lai moi nam.\n"


def _save(engine, name: str, pages: list[str], facts: DocumentFacts) -> int:
    return store.save_document(
        engine, sha256=name.ljust(64, "0"), file_name=f"{name}.txt",
        pages=[Page(i + 1, t, t, "plain") for i, t in enumerate(pages)],
        extraction=Extraction(facts), findings=[])


def _fill(engine) -> None:
    _save(engine, "xa", [XA_TEXT, PAGE_TWO],
          DocumentFacts(doc_type="Kế hoạch", admin_level="xã", locality="Bình Minh",
                        issue_year=2024))
    _save(engine, "huyen", [HUYEN_TEXT],
          DocumentFacts(doc_type="Báo cáo", admin_level="huyện", locality="Sông Xanh",
                        issue_year=2023))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request, tmp_path):
    if request.param == "sqlite":
        engine = store.get_engine(f"sqlite:///{tmp_path / 'plans.db'}")
    else:
        engine = store.get_engine(request.getfixturevalue("postgres_url"))
    _fill(engine)
    return engine


def _find(engine, query: str, **options) -> search.Results:
    with store.read_session(engine) as session:
        return search.search(session, query, **options)


def _quotes(results: search.Results) -> list[str]:
    return [h["quote"] for h in results.hits]


def test_typed_without_accents_finds_every_accenting(engine):
    found = _find(engine, "ty le ho ngheo")
    quotes = _quotes(found)
    assert any(q.startswith("Tỷ lệ hộ nghèo giảm") for q in quotes)
    assert any(q.startswith("TỶ LỆ HỘ NGHÈO TOÀN HUYỆN") for q in quotes)
    assert any("ty le ho ngheo duoc" in q for q in quotes)  # a page typed without accents
    assert found.total == len(quotes) == 3


def test_typed_with_accents_matches_those_accents_only(engine):
    quotes = _quotes(_find(engine, "hộ nghèo"))
    assert quotes and not any(q.startswith("Họ nghèo") for q in quotes)
    assert any("TỶ LỆ HỘ NGHÈO" in q for q in quotes)  # case aside
    assert not any("ho ngheo duoc" in q for q in quotes)  # the unaccented page is not "hộ"
    assert _quotes(_find(engine, "họ nghèo")) == ["Họ nghèo vì thiếu đất sản xuất."]


def test_where_the_tone_mark_sits_does_not_matter(engine):
    # "hoá" (old placement) and "hóa" (new) are one spelling
    assert len(_find(engine, "văn hóa").hits) == 2
    assert len(_find(engine, "văn hoá").hits) == 2


def test_phrase_by_default_words_anywhere_with_the_flag(engine):
    assert _find(engine, "ngheo ho").total == 0  # never in this order
    in_order = _find(engine, "ho ngheo ho tro")
    assert in_order.total == 0
    anywhere = _find(engine, "ho ngheo ho tro", anywhere=True)
    assert [q[:12] for q in _quotes(anywhere)] == ["90% hộ nghèo"]
    # words of two different sentences do not make a hit
    assert _find(engine, "thieu dat nha tieu", anywhere=True).total == 0


def test_every_hit_is_grounded_in_its_page_and_sentence(engine):
    found = _find(engine, "ho ngheo")
    assert found.total >= 4
    with store.read_session(engine) as session:
        for hit in found.hits:
            page = queries.query_pages(session, hit["document_id"])[hit["page"] - 1]["text"]
            assert page[hit["char_start"]:hit["char_end"]] == hit["quote"]
            assert hit["matches"]
            for start, end in hit["matches"]:
                assert hit["char_start"] <= start < end <= hit["char_end"]
                assert fold(page[start:end]).split() == ["ho", "ngheo"]


def test_hits_are_ranked_best_first(engine):
    _save(engine, "rank", ["Hộ nghèo mới được rà soát lại. Hộ nghèo và hộ nghèo mới rà soát.\n"],
          DocumentFacts(admin_level="xã", locality="Bình Minh"))
    found = _find(engine, "ho ngheo", document="rank.txt")
    scores = [h["score"] for h in found.hits]
    assert scores == sorted(scores, reverse=True) and len(scores) == 2
    # the sentence with the phrase twice ranks above the one (as long) with it once
    assert found.hits[0]["quote"] == "Hộ nghèo và hộ nghèo mới rà soát."


def test_filters_and_facets(engine):
    everywhere = _find(engine, "ngheo")
    assert sum(n for _, n in everywhere.facets["doc_type"]) == everywhere.total
    assert dict(everywhere.facets["admin_level"]).keys() == {"xã", "huyện"}
    assert dict(everywhere.facets["year"])[2023] == _find(engine, "ngheo", year=2023).total
    only = _find(engine, "ngheo", locality="song xanh")
    assert {h["document"] for h in only.hits} == {"huyen.txt"}
    assert {h["document"] for h in _find(engine, "ngheo", document="xa.txt").hits} == {"xa.txt"}
    assert _find(engine, "ngheo", admin_level="xã").total + only.total == everywhere.total
    assert len(_find(engine, "ngheo", limit=2).hits) == 2


def test_replacing_a_document_replaces_its_index(engine):
    before = _find(engine, "thieu dat san xuat").total
    assert before == 1
    _save(engine, "xa", [XA_TEXT.replace("thiếu đất sản xuất", "thiếu vốn")],
          DocumentFacts(admin_level="xã", locality="Bình Minh"))
    assert _find(engine, "thieu dat san xuat").total == 0
    assert _find(engine, "thieu von").total == 1
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:  # the FTS index agrees with its content table
            connection.execute(text("INSERT INTO sentence_fts(sentence_fts) VALUES ('integrity-check')"))


def test_queries_are_words_only(engine):
    with pytest.raises(errors.EmptyQuery):
        _find(engine, " ,;: ")
    # FTS and tsquery syntax typed by a user is read as words, never as operators
    assert _find(engine, 'ngheo" OR "x').total == 0
    assert _find(engine, "ngheo & !ho | (").total == _find(engine, "ngheo ho").total


def test_accent_keys_keep_every_mark():
    assert accent_key("hộ") != accent_key("họ") != accent_key("ho")
    assert accent_key("Đường") == accent_key("đường") == "dduwowngf"
    assert accent_key("thuỷ") == accent_key("thủy")


def test_cli_search_json_and_table(data_home):
    _fill(store.get_engine())
    runner = CliRunner()
    out = runner.invoke(cli.app, ["search", "ty le ho ngheo", "--format", "json"])
    assert out.exit_code == 0, out.output
    hits = json.loads(out.stdout)
    assert {"document", "page", "char_start", "char_end", "quote", "matches"} <= set(hits[0])
    table = runner.invoke(cli.app, ["search", "nha tieu hop ve sinh"])
    assert table.exit_code == 0 and "xa.txt" in table.stdout and "nhà tiêu hợp vệ sinh" in table.stdout
    empty = runner.invoke(cli.app, ["search", "..."])
    assert empty.exit_code == 2


def test_a_database_of_the_previous_schema_is_brought_up_to_date(tmp_path):
    """`plans migrate` on a database stored before this schema: names, units and the index."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = create_engine(url)
    config = Config()
    config.set_main_option("script_location", str(Path(store.__file__).parent / "migrations"))
    with old.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.execute(text(
            "INSERT INTO document (id, sha256, file_name, received_at, status, admin_level, "
            "locality, district, province, is_draft, pipeline_version, page_count) VALUES "
            "(1, :sha, 'cu.txt', '2024-01-01', 'processed', 'xã', 'Cao Ngọc', 'Ngọc Lặc', "
            "'Thanh Hóa', 0, '0.1.0', 1)"), {"sha": "e" * 64})
        connection.execute(text(
            "INSERT INTO page (document_id, number, raw_text, text, source, text_mode, offsets) "
            "VALUES (1, 1, :t, :t, 'plain', 'clean', '[]')"), {"t": XA_TEXT})
        connection.execute(text(
            "INSERT INTO responsibility (document_id, agency, role, task, projects, page, "
            "char_start, char_end, quote, confidence) VALUES (1, 'Công chức Văn hóa - Xã hội', "
            "'lead', 'Rà soát', '[]', 1, 0, 4, 'ỦY B', 1.0)"))
    engine = store.get_engine(url)  # migrates
    assert store.schema_revision(engine) == store.SCHEMA_REVISION
    assert [h["document"] for h in _find(engine, "nha tieu hop ve sinh").hits] == ["cu.txt"]
    with store.read_session(engine) as session:
        doc = queries.query_documents(session)[0]
        assert doc["unit_code"]["name"] == "Xã Cao Ngọc"
        assert [u["short"] for u in doc["successor"]] == ["Minh Sơn"]
        assert queries.query_responsibilities(session, locality="minh son", agency="van hoa")
