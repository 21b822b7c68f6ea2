"""The store: one transaction per document, one row per file hash, same code on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import InternalError, OperationalError

from pipeline import errors, queries, records, store


def _extraction(locality: str = "Xã Mẫu") -> records.Extraction:
    quote = "tỷ lệ hộ nghèo giảm xuống dưới 1,5%"
    g = records.Grounding(page=1, char_start=10, char_end=10 + len(quote), quote=quote)
    facts = records.DocumentFacts(
        doc_type="Kế hoạch", number="12/KH-UBND", issue_date=date(2024, 3, 5),
        admin_level="xã", locality=locality,
        references=[records.Reference("Kế hoạch", "45/KH-UBND", date(2024, 3, 1), "UBND tỉnh")],
    )
    target = records.TargetRecord("poverty_rate", None, "hộ nghèo", "<", 1.5, None, None, "%",
                                  "2024", None, g)
    resp = records.ResponsibilityRecord("Công chức Lao động - TB&XH", "LDTBXH", "lead",
                                        "Tham mưu", ["Dự án 4"], g)
    deadline = records.DeadlineRecord("by_date", date(2024, 9, 30), None, None,
                                      "Công chức Lao động - TB&XH", "Báo cáo", g)
    return records.Extraction(facts, [target], [resp], [deadline])


def _page() -> records.Page:
    text = "Mục tiêu: tỷ lệ hộ nghèo giảm xuống dưới 1,5% năm 2024."
    return records.Page(1, text, text, "plain")


def _count(engine, model) -> int:
    with store.session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(model))


def _exercise(engine) -> None:
    finding = records.Finding("missing_dimension", "warning", "Thiếu chiều nhà ở",
                              [records.Grounding(1, 0, 4, "Mục ")])
    store.save_document(engine, sha256="a" * 64, file_name="kế hoạch xã.txt",
                                 pages=[_page()], extraction=_extraction(), findings=[finding])
    # the same file again replaces, never duplicates
    store.save_document(engine, sha256="a" * 64, file_name="kế hoạch xã.txt",
                                pages=[_page()], extraction=_extraction(), findings=[finding])
    assert _count(engine, store.DocumentRow) == 1
    assert _count(engine, store.TargetRow) == 1
    assert _count(engine, store.FindingRow) == 1
    with store.session_scope(engine) as session:
        rows = queries.query_targets(session, locality="mẫu")
        assert [(r["value"], r["comparator"], r["document"]) for r in rows] == [
            (1.5, "<", "kế hoạch xã.txt")]
        assert queries.query_responsibilities(session, agency="LDTBXH")[0]["projects"] == ["Dự án 4"]
        assert queries.query_deadlines(session, year=2024)[0]["due_date"] == date(2024, 9, 30)
        assert queries.find_document(session, "kế hoạch xã.txt").number == "12/KH-UBND"
        with pytest.raises(errors.DocumentNotFound):
            queries.find_document(session, "không có.pdf")
        docs = queries.query_documents(session)
        assert docs[0]["target_count"] == 1 and docs[0]["finding_count"] == 1
        # what a user types is matched as typed: no LIKE wildcards, no id a database overflows on
        for pattern in ("%", "_", "m_u", "%mẫu"):
            assert queries.query_targets(session, locality=pattern) == [], pattern
            assert queries.query_responsibilities(session, locality=pattern) == [], pattern
        assert queries.query_targets(session, year="20_4") == []
        for bad_id in ("99999999999999999999999", "²", "١", "-1"):
            assert queries.query_targets(session, document=bad_id) == [], bad_id
            with pytest.raises(errors.DocumentNotFound):
                queries.find_document(session, bad_id)
        with pytest.raises(errors.BadParameter, match="2024"):
            queries.query_deadlines(session, year="abc")


def test_sqlite_store_roundtrip(data_home):
    _exercise(store.get_engine())


@pytest.mark.postgres
def test_postgres_store_roundtrip(postgres_url):
    _exercise(store.get_engine(postgres_url))


def test_failed_write_leaves_nothing_half_stored(data_home):
    engine = store.get_engine()
    store.save_document(engine, sha256="b" * 64, file_name="cũ.txt", pages=[_page()],
                        extraction=_extraction("Cũ"), findings=[])
    broken = _extraction("Mới")
    broken.targets[0].grounding = None  # fails while building rows, after the delete of the old
    with pytest.raises(AttributeError):
        store.save_document(engine, sha256="b" * 64, file_name="cũ.txt", pages=[_page()],
                            extraction=broken, findings=[])
    with store.session_scope(engine) as session:
        docs = queries.query_documents(session)
        assert [d["locality"] for d in docs] == ["Cũ"]  # the old version survives whole
        assert len(queries.query_targets(session)) == 1


def test_cross_findings_are_replaced(data_home):
    engine = store.get_engine()
    finding = records.Finding("weaker_than_parent", "warning", "yếu hơn",
                              [records.Grounding(1, 0, 3, "abc", document_id=None)])
    for _ in range(2):
        with store.session_scope(engine) as session:
            store.replace_cross_findings(session, [finding], {"weaker_than_parent"})
    with store.session_scope(engine) as session:
        assert len(queries.query_findings(session, kind="weaker_than_parent")) == 1


def test_unreachable_database_is_a_clear_error():
    with pytest.raises(errors.DatabaseUnreachable) as caught:
        store.get_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert "PLANS_DB_URL" in caught.value.message


def test_schema_revision_is_the_newest_migration(tmp_path):
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(Path(store.__file__).parent / "migrations"))
    assert ScriptDirectory.from_config(config).get_current_head() == store.SCHEMA_REVISION
    engine = store.get_engine(f"sqlite:///{tmp_path / 'new.db'}")
    assert store.schema_revision(engine) == store.SCHEMA_REVISION


def _reader_refuses_writes(url: str) -> None:
    store.get_engine(url)  # created and migrated by a writer
    reader = store.get_engine(url, readonly=True)
    with store.read_session(reader) as session:
        assert queries.query_documents(session) == []
        with pytest.raises((OperationalError, InternalError)):  # "readonly database" / "read-only"
            session.execute(text("delete from document"))
            session.flush()


def test_web_engine_on_sqlite_is_read_only(tmp_path):
    _reader_refuses_writes(f"sqlite:///{tmp_path / 'plans.db'}")


@pytest.mark.postgres
def test_web_engine_on_postgres_is_read_only(postgres_url):
    _reader_refuses_writes(postgres_url)


def test_web_engine_never_migrates_and_says_what_to_run(tmp_path):
    url = f"sqlite:///{tmp_path / 'plans.db'}"
    with pytest.raises(errors.SchemaOutdated):  # no database yet: none is created
        store.get_engine(url, readonly=True)
    assert not (tmp_path / "plans.db").exists()
    engine = store.get_engine(url)
    with engine.begin() as connection:  # a database a newer program will find behind
        connection.execute(text("update alembic_version set version_num = '0000'"))
    with pytest.raises(errors.SchemaOutdated) as caught:
        store.get_engine(url, readonly=True)
    assert "plans migrate" in caught.value.message and "plans ingest" in caught.value.message
    with engine.connect() as connection:
        assert connection.execute(text("select version_num from alembic_version")).scalar() == "0000"
