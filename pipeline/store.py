"""Storage: SQLAlchemy models, Alembic-migrated schema, one transaction per document, queries.

SQLite (data/plans.db) is the embedded default; any SQLAlchemy URL works through PLANS_DB_URL.
Queries return plain dicts keyed like the CLI's JSON contract so every view can render them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    create_engine,
    delete,
    event,
    func,
    inspect,
    or_,
    select,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from pipeline import errors, records
from pipeline.text import fold

PIPELINE_VERSION = "0.1.0"


class Base(DeclarativeBase):
    pass


class DocumentRow(Base):
    __tablename__ = "document"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    file_name: Mapped[str] = mapped_column(String(500))
    received_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(20))
    doc_type: Mapped[str | None] = mapped_column(String(100))
    number: Mapped[str | None] = mapped_column(String(100))
    issue_date: Mapped[date | None] = mapped_column(Date)
    issue_date_text: Mapped[str | None] = mapped_column(String(200))
    issue_year: Mapped[int | None] = mapped_column(Integer)
    issue_month: Mapped[int | None] = mapped_column(Integer)
    place: Mapped[str | None] = mapped_column(String(200))
    issuer: Mapped[str | None] = mapped_column(String(300))
    admin_level: Mapped[str | None] = mapped_column(String(30))
    locality: Mapped[str | None] = mapped_column(String(200), index=True)
    district: Mapped[str | None] = mapped_column(String(200))
    province: Mapped[str | None] = mapped_column(String(200))
    period_start: Mapped[int | None] = mapped_column(Integer)
    period_end: Mapped[int | None] = mapped_column(Integer)
    is_draft: Mapped[bool] = mapped_column(Boolean, default=False)
    signer: Mapped[str | None] = mapped_column(String(200))
    signer_title: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(Text)
    text_mode: Mapped[str | None] = mapped_column(String(20))
    ocr_confidence: Mapped[float | None] = mapped_column(Float)
    pipeline_version: Mapped[str] = mapped_column(String(20))
    page_count: Mapped[int] = mapped_column(Integer, default=0)

    pages: Mapped[list[PageRow]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="PageRow.number"
    )
    references: Mapped[list[ReferenceRow]] = relationship(cascade="all, delete-orphan")
    targets: Mapped[list[TargetRow]] = relationship(cascade="all, delete-orphan")
    responsibilities: Mapped[list[ResponsibilityRow]] = relationship(cascade="all, delete-orphan")
    deadlines: Mapped[list[DeadlineRow]] = relationship(cascade="all, delete-orphan")
    findings: Mapped[list[FindingRow]] = relationship(cascade="all, delete-orphan")
    page_tables: Mapped[list[PageTableRow]] = relationship(cascade="all, delete-orphan")


class PageRow(Base):
    __tablename__ = "page"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    raw_text: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(20))
    confidence: Mapped[float | None] = mapped_column(Float)
    text_mode: Mapped[str] = mapped_column(String(20))
    offsets: Mapped[list] = mapped_column(JSON, default=list)
    restore_confidence: Mapped[float | None] = mapped_column(Float)

    document: Mapped[DocumentRow] = relationship(back_populates="pages")


class PageTableRow(Base):
    """A table found on a page's layout: its box, its cells (grid place, span, box)."""

    __tablename__ = "page_table"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"), index=True)
    page: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)  # order on the page
    status: Mapped[str] = mapped_column(String(20))  # rebuilt | unreadable
    box: Mapped[list | None] = mapped_column(JSON)
    image_size: Mapped[list | None] = mapped_column(JSON)
    char_start: Mapped[int] = mapped_column(Integer)
    char_end: Mapped[int] = mapped_column(Integer)
    cells: Mapped[list] = mapped_column(JSON, default=list)


class _Grounded:
    """Columns every extracted record carries: where it stands in the stored text."""

    page: Mapped[int] = mapped_column(Integer)
    char_start: Mapped[int] = mapped_column(Integer)
    char_end: Mapped[int] = mapped_column(Integer)
    quote: Mapped[str] = mapped_column(Text)
    raw_char_start: Mapped[int | None] = mapped_column(Integer)
    raw_char_end: Mapped[int | None] = mapped_column(Integer)
    confidence: Mapped[float] = mapped_column(Float, default=1.0)


class ReferenceRow(Base):
    __tablename__ = "reference"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(100))
    number: Mapped[str | None] = mapped_column(String(100))
    date: Mapped[date | None] = mapped_column(Date)
    issuer: Mapped[str | None] = mapped_column(String(300))
    page: Mapped[int | None] = mapped_column(Integer)
    char_start: Mapped[int | None] = mapped_column(Integer)
    char_end: Mapped[int | None] = mapped_column(Integer)
    quote: Mapped[str | None] = mapped_column(Text)


class TargetRow(_Grounded, Base):
    __tablename__ = "target"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"), index=True)
    indicator: Mapped[str] = mapped_column(String(60), index=True)
    dimension: Mapped[str | None] = mapped_column(String(30))
    subject: Mapped[str | None] = mapped_column(String(200))
    comparator: Mapped[str] = mapped_column(String(12))
    value: Mapped[float | None] = mapped_column(Float)
    value_max: Mapped[float | None] = mapped_column(Float)
    baseline: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(40))
    year: Mapped[str | None] = mapped_column(String(20))
    locality: Mapped[str | None] = mapped_column(String(200))
    box: Mapped[list | None] = mapped_column(JSON)  # the table cell's box on the page image


class ResponsibilityRow(_Grounded, Base):
    __tablename__ = "responsibility"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"), index=True)
    agency: Mapped[str] = mapped_column(Text)
    agency_code: Mapped[str | None] = mapped_column(String(40), index=True)
    role: Mapped[str] = mapped_column(String(12))
    task: Mapped[str] = mapped_column(Text)
    projects: Mapped[list] = mapped_column(JSON, default=list)


class DeadlineRow(_Grounded, Base):
    __tablename__ = "deadline"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    due_date: Mapped[date | None] = mapped_column(Date)
    period: Mapped[str | None] = mapped_column(String(100))
    recurrence: Mapped[str | None] = mapped_column(String(20))
    agency: Mapped[str | None] = mapped_column(Text)
    task: Mapped[str | None] = mapped_column(Text)


class FindingRow(Base):
    __tablename__ = "finding"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # NULL for cross-document findings (they point into several documents through groundings)
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("document.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40), index=True)
    severity: Mapped[str] = mapped_column(String(10))
    message: Mapped[str] = mapped_column(Text)
    groundings: Mapped[list] = mapped_column(JSON, default=list)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


# --- engine and sessions -------------------------------------------------------------------


def data_home() -> Path:
    """The data folder: $PLANS_HOME or ./data."""
    return Path(os.environ.get("PLANS_HOME") or "data").resolve()


def database_url() -> str:
    return os.environ.get("PLANS_DB_URL") or f"sqlite:///{data_home() / 'plans.db'}"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL and a busy timeout, so a reader or a second writer waits instead of failing."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_reader_pragmas(dbapi_connection, _record) -> None:
    """A reader waits for writers and may not write, whatever a bug asks of it."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


_ENGINES: dict[tuple[str, bool], Engine] = {}


def get_engine(url: str | None = None, *, readonly: bool = False) -> Engine:
    """An engine on the migrated database; one per URL, mode and process.

    `readonly`: the web app's engine. It never migrates, opens SQLite with mode=ro and runs
    every PostgreSQL transaction read-only; a database whose schema is missing or behind
    raises SchemaOutdated.
    """
    url = url or database_url()
    if (url, readonly) in _ENGINES:
        return _ENGINES[(url, readonly)]
    engine = _reader(url) if readonly else _writer(url)
    try:
        revision = schema_revision(engine) if readonly else migrate(engine)
    except OperationalError as exc:
        if readonly and engine.dialect.name == "sqlite":
            raise errors.SchemaOutdated(str(exc.orig)) from exc
        raise errors.DatabaseUnreachable(str(exc.orig)) from exc
    if revision != SCHEMA_REVISION:
        raise errors.SchemaOutdated(f"schema {revision or 'none'}, this program needs {SCHEMA_REVISION}")
    _ENGINES[(url, readonly)] = engine
    return engine


def _writer(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _reader(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if not path.is_file():
            raise errors.SchemaOutdated(f"{path}: no database yet")
        engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
        event.listen(engine, "connect", _sqlite_reader_pragmas)
        return engine
    if url.startswith("postgresql"):
        return create_engine(url, connect_args={"options": "-c default_transaction_read_only=on"})
    return create_engine(url)


SCHEMA_REVISION = "0002"  # the newest revision in pipeline/migrations (a test keeps them equal)


def migrate(engine: Engine) -> str | None:
    """Bring the schema to the newest Alembic revision; returns the revision it is at."""
    if schema_revision(engine) == SCHEMA_REVISION:
        return SCHEMA_REVISION
    from alembic import command  # loaded only when a migration is due
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return schema_revision(engine)


def schema_revision(engine: Engine) -> str | None:
    """The Alembic revision the database is at; None for a new database."""
    if not inspect(engine).has_table("alembic_version"):
        return None
    with engine.connect() as connection:
        return connection.execute(text("select version_num from alembic_version")).scalar()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A session that only reads: whatever happens in it is rolled back, never committed."""
    with Session(engine) as session:
        try:
            yield session
        finally:
            session.rollback()


# --- writing ---------------------------------------------------------------------------------


def _grounding_columns(g: records.Grounding) -> dict:
    return {
        "page": g.page, "char_start": g.char_start, "char_end": g.char_end, "quote": g.quote,
        "raw_char_start": g.raw_char_start, "raw_char_end": g.raw_char_end,
    }


def _finding_row(finding: records.Finding, document_id: int | None) -> FindingRow:
    return FindingRow(
        document_id=document_id, kind=finding.kind, severity=finding.severity,
        message=finding.message, groundings=[asdict(g) for g in finding.groundings],
        detail=_jsonable(finding.detail),
    )


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def is_stored(engine: Engine, sha256: str, pipeline_version: str = PIPELINE_VERSION) -> bool:
    """True when this exact file was already processed by this pipeline version."""
    with Session(engine) as session:
        row = session.scalar(select(DocumentRow).where(DocumentRow.sha256 == sha256))
        return row is not None and row.pipeline_version == pipeline_version


def save_document(
    engine: Engine,
    *,
    sha256: str,
    file_name: str,
    pages: list[records.Page],
    extraction: records.Extraction | None,
    findings: list[records.Finding],
    status: str = "processed",
    pipeline_version: str = PIPELINE_VERSION,
) -> int:
    """Store a document and everything derived from it in one transaction; returns its id.

    A document already stored under the same SHA-256 is replaced whole (keeping received_at).
    """
    facts = extraction.facts if extraction else records.DocumentFacts()
    with session_scope(engine) as session:
        old = session.scalar(select(DocumentRow).where(DocumentRow.sha256 == sha256))
        received_at = old.received_at if old else datetime.now(UTC).replace(tzinfo=None)
        if old is not None:
            session.delete(old)
            session.flush()
        ocr_conf = [p.confidence for p in pages if p.confidence is not None]
        modes = [p.text_mode for p in pages]
        doc = DocumentRow(
            sha256=sha256, file_name=file_name, received_at=received_at, status=status,
            doc_type=facts.doc_type, number=facts.number, issue_date=facts.issue_date,
            issue_date_text=facts.issue_date_text, issue_year=facts.issue_year,
            issue_month=facts.issue_month, place=facts.place, issuer=facts.issuer,
            admin_level=facts.admin_level, locality=facts.locality, district=facts.district,
            province=facts.province, period_start=facts.period_start,
            period_end=facts.period_end, is_draft=facts.is_draft, signer=facts.signer,
            signer_title=facts.signer_title, title=facts.title,
            text_mode=max(set(modes), key=modes.count) if modes else None,
            ocr_confidence=sum(ocr_conf) / len(ocr_conf) if ocr_conf else None,
            pipeline_version=pipeline_version, page_count=len(pages),
        )
        doc.pages = [
            PageRow(number=p.number, raw_text=p.raw_text, text=p.text, source=p.source,
                    confidence=p.confidence, text_mode=p.text_mode,
                    offsets=[list(o) for o in p.offsets], restore_confidence=p.restore_confidence)
            for p in pages
        ]
        doc.references = [
            ReferenceRow(kind=r.kind, number=r.number, date=r.date, issuer=r.issuer,
                         **(_reference_grounding(r.grounding)))
            for r in facts.references
        ]
        if extraction:
            doc.targets = [
                TargetRow(indicator=t.indicator, dimension=t.dimension, subject=t.subject,
                          comparator=t.comparator, value=t.value, value_max=t.value_max,
                          baseline=t.baseline, unit=t.unit, year=t.year, locality=t.locality,
                          confidence=t.confidence, box=_box(t.grounding.box),
                          **_grounding_columns(t.grounding))
                for t in extraction.targets
            ]
            doc.responsibilities = [
                ResponsibilityRow(agency=r.agency, agency_code=r.agency_code, role=r.role,
                                  task=r.task, projects=list(r.projects), confidence=r.confidence,
                                  **_grounding_columns(r.grounding))
                for r in extraction.responsibilities
            ]
            doc.deadlines = [
                DeadlineRow(kind=d.kind, due_date=d.due_date, period=d.period,
                            recurrence=d.recurrence, agency=d.agency, task=d.task,
                            confidence=d.confidence, **_grounding_columns(d.grounding))
                for d in extraction.deadlines
            ]
        doc.page_tables = [_page_table_row(p.number, i, t) for p in pages
                           for i, t in enumerate(p.tables)]
        session.add(doc)
        session.flush()
        session.add_all(_finding_row(f, doc.id) for f in findings)
        return doc.id


def _box(box) -> list[int] | None:
    return [int(v) for v in box] if box is not None else None


def _page_table_row(page: int, position: int, table: records.PageTable) -> PageTableRow:
    cells = [{"row": c.row, "col": c.col, "rowspan": c.rowspan, "colspan": c.colspan,
              "char_start": c.char_start, "char_end": c.char_end, "box": _box(c.box)}
             for c in table.cells]
    return PageTableRow(page=page, position=position, status=table.status, box=_box(table.box),
                        image_size=_box(table.image_size), char_start=table.char_start,
                        char_end=table.char_end, cells=cells)


def _reference_grounding(g: records.Grounding | None) -> dict:
    if g is None:
        return {}
    return {"page": g.page, "char_start": g.char_start, "char_end": g.char_end, "quote": g.quote}


def replace_cross_findings(session: Session, findings: list[records.Finding], kinds: set[str]) -> None:
    """Replace the cross-document findings of these kinds (they are recomputed as a whole)."""
    session.execute(
        delete(FindingRow).where(FindingRow.document_id.is_(None), FindingRow.kind.in_(kinds))
    )
    session.add_all(_finding_row(f, None) for f in findings)


# --- reading ---------------------------------------------------------------------------------

_DOCUMENT_FIELDS = (
    "id", "sha256", "received_at", "status", "doc_type", "number", "issue_date",
    "issue_date_text", "place", "issuer", "admin_level", "locality", "district", "province",
    "period_start", "period_end", "is_draft", "signer", "signer_title", "title", "text_mode",
    "ocr_confidence", "page_count", "pipeline_version",
)
_GROUNDING_FIELDS = (
    "page", "char_start", "char_end", "quote", "raw_char_start", "raw_char_end", "confidence",
)


def _row_dict(row, fields: tuple[str, ...]) -> dict:
    return {name: getattr(row, name) for name in fields}


def query_documents(session: Session) -> list[dict]:
    counts = {}
    for model, key in ((TargetRow, "target_count"), (ResponsibilityRow, "responsibility_count"),
                       (DeadlineRow, "deadline_count"), (FindingRow, "finding_count")):
        stmt = select(model.document_id, func.count()).group_by(model.document_id)
        for doc_id, n in session.execute(stmt):
            counts.setdefault(doc_id, {})[key] = n
    out = []
    for doc in session.scalars(select(DocumentRow).order_by(DocumentRow.id)):
        row = {"document": doc.file_name, **_row_dict(doc, _DOCUMENT_FIELDS)}
        for key in ("target_count", "responsibility_count", "deadline_count", "finding_count"):
            row[key] = counts.get(doc.id, {}).get(key, 0)
        out.append(row)
    return out


def find_document(session: Session, id_or_name: str | int) -> DocumentRow:
    """A document by id, file name or SHA-256 prefix; raises DocumentNotFound."""
    key = str(id_or_name).strip()
    conditions = [DocumentRow.file_name == key, DocumentRow.file_name == Path(key).name]
    if key.isdigit():
        conditions.append(DocumentRow.id == int(key))
    if len(key) >= 8 and all(c in "0123456789abcdef" for c in key.lower()):
        conditions.append(DocumentRow.sha256.startswith(key.lower()))
    doc = session.scalars(select(DocumentRow).where(or_(*conditions))).first()
    if doc is None:
        raise errors.DocumentNotFound(key)
    return doc


def query_pages(session: Session, document_id: int) -> list[dict]:
    rows = session.scalars(
        select(PageRow).where(PageRow.document_id == document_id).order_by(PageRow.number)
    )
    fields = ("number", "text", "raw_text", "source", "confidence", "text_mode", "offsets",
              "restore_confidence")
    return [_row_dict(r, fields) for r in rows]


def query_page_tables(session: Session, document_id: int) -> list[dict]:
    """The tables found on a document's pages, page by page, with their cells."""
    rows = session.scalars(select(PageTableRow).where(PageTableRow.document_id == document_id)
                           .order_by(PageTableRow.page, PageTableRow.position))
    fields = ("page", "position", "status", "box", "image_size", "char_start", "char_end", "cells")
    return [_row_dict(r, fields) for r in rows]


def _with_document(session: Session, model, fields: tuple[str, ...], *where) -> list[dict]:
    stmt = (
        select(model, DocumentRow)
        .join(DocumentRow, model.document_id == DocumentRow.id)
        .where(*where)
        .order_by(DocumentRow.id, model.page, model.char_start, model.id)
    )
    out = []
    for row, doc in session.execute(stmt):
        item = {"id": row.id, "document": doc.file_name, "document_id": doc.id,
                **_row_dict(row, fields + _GROUNDING_FIELDS)}
        item.update(doc_admin_level=doc.admin_level, doc_locality=doc.locality,
                    doc_district=doc.district, doc_province=doc.province)
        out.append(item)
    return out


def _document_filter(document: str | None) -> list:
    if not document:
        return []
    conditions = [DocumentRow.file_name == document]
    if str(document).isdigit():
        conditions.append(DocumentRow.id == int(document))
    return [or_(*conditions)]


def _like(column, text: str):
    return func.lower(column).contains(text.lower())


def query_targets(session: Session, *, document=None, locality=None, indicator=None,
                  dimension=None, year=None) -> list[dict]:
    where = _document_filter(document)
    if locality:
        where.append(or_(_like(TargetRow.locality, locality),
                         (TargetRow.locality.is_(None)) & _like(DocumentRow.locality, locality)))
    if indicator:
        where.append(TargetRow.indicator == indicator)
    if dimension:
        where.append(TargetRow.dimension == dimension)
    if year:
        where.append(TargetRow.year.contains(str(year)))
    fields = ("indicator", "dimension", "subject", "comparator", "value", "value_max",
              "baseline", "unit", "year", "locality", "box")
    return _with_document(session, TargetRow, fields, *where)


def query_responsibilities(session: Session, *, document=None, agency=None, role=None,
                           locality=None) -> list[dict]:
    where = _document_filter(document)
    if role:
        where.append(ResponsibilityRow.role == role)
    if locality:
        where.append(_like(DocumentRow.locality, locality))
    fields = ("agency", "agency_code", "role", "task", "projects")
    rows = _with_document(session, ResponsibilityRow, fields, *where)
    if agency:  # accent- and case-insensitive, which SQL cannot do portably
        wanted = fold(agency)
        rows = [r for r in rows if wanted in fold(r["agency"] or "")
                or (r["agency_code"] or "").upper() == agency.upper()]
    return rows


def query_deadlines(session: Session, *, document=None, agency=None, year=None,
                    locality=None) -> list[dict]:
    where = _document_filter(document)
    if year:
        where.append(or_(func.extract("year", DeadlineRow.due_date) == int(year),
                         DeadlineRow.period.contains(str(year))))
    if locality:
        where.append(_like(DocumentRow.locality, locality))
    fields = ("kind", "due_date", "period", "recurrence", "agency", "task")
    rows = _with_document(session, DeadlineRow, fields, *where)
    if agency:
        rows = [r for r in rows if fold(agency) in fold(r["agency"] or "")]
    return rows


def query_findings(session: Session, *, document=None, kind=None) -> list[dict]:
    stmt = select(FindingRow, DocumentRow).outerjoin(
        DocumentRow, FindingRow.document_id == DocumentRow.id
    )
    if document:
        doc = find_document(session, document)
        stmt = stmt.where(FindingRow.document_id == doc.id)
    if kind:
        stmt = stmt.where(FindingRow.kind == kind)
    out = []
    for row, doc in session.execute(stmt.order_by(FindingRow.id)):
        out.append({
            "id": row.id, "document": doc.file_name if doc else None,
            "document_id": row.document_id, "kind": row.kind, "severity": row.severity,
            "message": row.message, "groundings": row.groundings, "detail": row.detail,
        })
    return out
