"""Storage: SQLAlchemy models, Alembic-migrated schema, one transaction per document.

SQLite (data/plans.db) is the embedded default; any SQLAlchemy URL works through PLANS_DB_URL.
Reading the records back is pipeline/queries.py's.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict
from datetime import UTC, date, datetime

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
    delete,
    func,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from pipeline import provenance, records, units
from pipeline.database import (  # noqa: F401 - the store's public face: callers use store.X
    SCHEMA_REVISION,
    data_home,
    database_url,
    get_engine,
    migrate,
    read_session,
    schema_revision,
    session_scope,
    write,
)
from pipeline.provenance import PIPELINE_VERSION  # noqa: F401 - callers name it store.X
from pipeline.sentences import page_sentences
from pipeline.text import fold


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
    unit_code: Mapped[str | None] = mapped_column(String(12), index=True)
    official_unit: Mapped[dict | None] = mapped_column(JSON)  # `unit_code` in JSON (units.py)
    successor: Mapped[list | None] = mapped_column(JSON)
    # what made this version of the document (pipeline.provenance); NULL: an older pipeline
    producer: Mapped[str | None] = mapped_column(String(16))
    producer_detail: Mapped[dict | None] = mapped_column(JSON)
    source_path: Mapped[str | None] = mapped_column(Text)  # where the file was when processed

    pages: Mapped[list[PageRow]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="PageRow.number"
    )
    references: Mapped[list[ReferenceRow]] = relationship(cascade="all, delete-orphan")
    targets: Mapped[list[TargetRow]] = relationship(cascade="all, delete-orphan")
    responsibilities: Mapped[list[ResponsibilityRow]] = relationship(cascade="all, delete-orphan")
    deadlines: Mapped[list[DeadlineRow]] = relationship(cascade="all, delete-orphan")
    findings: Mapped[list[FindingRow]] = relationship(cascade="all, delete-orphan")
    place_names: Mapped[list[PlaceNameRow]] = relationship(cascade="all, delete-orphan",
                                                           passive_deletes=True)
    sentences: Mapped[list[SentenceRow]] = relationship(cascade="all, delete-orphan",
                                                        passive_deletes=True)
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
    unit_code: Mapped[str | None] = mapped_column(String(12), index=True)
    official_unit: Mapped[dict | None] = mapped_column(JSON)
    successor: Mapped[list | None] = mapped_column(JSON)
    box: Mapped[list | None] = mapped_column(JSON)  # the table cell's box on the page image


class ResponsibilityRow(_Grounded, Base):
    __tablename__ = "responsibility"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"), index=True)
    agency: Mapped[str] = mapped_column(Text)
    agency_code: Mapped[str | None] = mapped_column(String(40), index=True)
    agency_key: Mapped[str | None] = mapped_column(Text)  # folded agency: what --agency matches
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
    agency_key: Mapped[str | None] = mapped_column(Text)
    task: Mapped[str | None] = mapped_column(Text)


class PlaceNameRow(Base):
    """A name a record's place answers to (as written, official, after 2025): --locality."""
    __tablename__ = "place_name"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int | None] = mapped_column(ForeignKey("target.id", ondelete="CASCADE"),
                                                  index=True)  # NULL: the document's place
    key: Mapped[str] = mapped_column(String(200), index=True)  # units.name_key


class SentenceRow(Base):
    """A sentence of a stored page and its words for full-text search (pipeline/search.py)."""
    __tablename__ = "sentence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"), index=True)
    page: Mapped[int] = mapped_column(Integer)
    char_start: Mapped[int] = mapped_column(Integer)
    char_end: Mapped[int] = mapped_column(Integer)
    plain: Mapped[str] = mapped_column(Text)  # folded words
    exact: Mapped[str] = mapped_column(Text)  # accent-keyed words


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


def is_stored(engine: Engine, sha256: str, producer: str | None = None) -> bool:
    """True when this exact file is stored, made by this pipeline (`producer`, default: now)."""
    with Session(engine) as session:
        row = session.scalar(select(DocumentRow.producer).where(DocumentRow.sha256 == sha256))
    return row is not None and row == (producer or provenance.producer())


def save_document(engine: Engine, **document) -> int:
    """Store a document and everything derived from it in one transaction; returns its id."""
    return store_document(engine, **document)[0]


def store_document(
    engine: Engine,
    *,
    sha256: str,
    file_name: str,
    pages: list[records.Page],
    extraction: records.Extraction | None,
    findings: list[records.Finding],
    status: str = "processed",
    force: bool = True,
    source_path: str | None = None,
) -> tuple[int, str]:
    """Store a document in one transaction; returns (id, "created" | "updated" | "unchanged").

    A document already stored under the same SHA-256 keeps its id, file name and received_at:
    it is updated in place, and every record equal to one stored before keeps its id, so links
    into the web app and exports survive re-processing. Unless `force`, a document already made
    by this pipeline is left as it is ("unchanged": a second process storing the same bytes).
    Waits for other writers (database.write).
    """
    detail = provenance.producer_detail()
    made_by = provenance.producer(detail)
    facts = extraction.facts if extraction else records.DocumentFacts()
    place, target_places = units.record_places(facts, extraction.targets if extraction else [])

    def work(session: Session) -> tuple[int, str]:
        doc = session.scalar(select(DocumentRow).where(DocumentRow.sha256 == sha256))
        if doc is not None and not force and doc.producer == made_by:
            return doc.id, "unchanged"
        action = "updated" if doc is not None else "created"
        if doc is None:
            doc = DocumentRow(sha256=sha256, file_name=file_name,
                              received_at=datetime.now(UTC).replace(tzinfo=None))
            session.add(doc)
        _fill_document(doc, pages, extraction, status=status, producer=made_by, detail=detail,
                       source_path=source_path, place=place.columns)
        if doc.id is not None:  # its place names point at targets that may go: renamed below
            session.execute(delete(PlaceNameRow).where(PlaceNameRow.document_id == doc.id))
            session.expire(doc, ["place_names"])
        for name, rows in _child_rows(pages, extraction, target_places).items():
            setattr(doc, name, _keep_equal_rows(getattr(doc, name), rows))
        session.flush()
        fresh = [_finding_row(f, doc.id) for f in findings]
        doc.findings = _keep_equal_rows(doc.findings, fresh)
        doc.place_names = [PlaceNameRow(target_id=row.id if row else None, key=key)
                           for row, p in [(None, place), *zip(doc.targets, target_places,
                                                              strict=True)]
                           for key in sorted(p.names)]
        session.flush()
        return doc.id, action

    return write(engine, work)


def _fill_document(doc: DocumentRow, pages: list[records.Page],
                   extraction: records.Extraction | None, **fields) -> None:
    facts = extraction.facts if extraction else records.DocumentFacts()
    ocr_conf = [p.confidence for p in pages if p.confidence is not None]
    modes = [p.text_mode for p in pages]
    for name in ("doc_type", "number", "issue_date", "issue_date_text", "issue_year",
                 "issue_month", "place", "issuer", "admin_level", "locality", "district",
                 "province", "period_start", "period_end", "is_draft", "signer", "signer_title",
                 "title"):
        setattr(doc, name, getattr(facts, name))
    doc.text_mode = max(set(modes), key=modes.count) if modes else None
    doc.ocr_confidence = sum(ocr_conf) / len(ocr_conf) if ocr_conf else None
    doc.pipeline_version, doc.page_count = provenance.PIPELINE_VERSION, len(pages)
    doc.status, doc.producer, doc.producer_detail = fields["status"], fields["producer"], \
        fields["detail"]
    doc.source_path = fields["source_path"] or doc.source_path
    for name, value in fields["place"].items():
        setattr(doc, name, value)


def _child_rows(pages: list[records.Page], extraction: records.Extraction | None,
                target_places: list[units.RecordPlace]) -> dict:
    """The rows of a document's pages, sentences and records, unsaved."""
    facts = extraction.facts if extraction else records.DocumentFacts()
    rows = {
        "pages": [PageRow(number=p.number, raw_text=p.raw_text, text=p.text, source=p.source,
                          confidence=p.confidence, text_mode=p.text_mode,
                          offsets=[list(o) for o in p.offsets],
                          restore_confidence=p.restore_confidence) for p in pages],
        "sentences": [SentenceRow(**vars(s)) for p in pages for s in page_sentences(p)],
        "references": [ReferenceRow(kind=r.kind, number=r.number, date=r.date, issuer=r.issuer,
                                    **(_reference_grounding(r.grounding)))
                       for r in facts.references],
        "page_tables": [_page_table_row(p.number, i, t) for p in pages
                        for i, t in enumerate(p.tables)],
        "targets": [], "responsibilities": [], "deadlines": [],
    }
    if extraction:
        rows["targets"] = [
            TargetRow(indicator=t.indicator, dimension=t.dimension, subject=t.subject,
                      comparator=t.comparator, value=t.value, value_max=t.value_max,
                      baseline=t.baseline, unit=t.unit, year=t.year, locality=t.locality,
                      confidence=t.confidence, box=_box(t.grounding.box),
                      **_grounding_columns(t.grounding), **target_place.columns)
            for t, target_place in zip(extraction.targets, target_places, strict=True)]
        rows["responsibilities"] = [
            ResponsibilityRow(agency=r.agency, agency_code=r.agency_code, role=r.role,
                              task=r.task, projects=list(r.projects), confidence=r.confidence,
                              agency_key=fold(r.agency), **_grounding_columns(r.grounding))
            for r in extraction.responsibilities]
        rows["deadlines"] = [
            DeadlineRow(kind=d.kind, due_date=d.due_date, period=d.period,
                        recurrence=d.recurrence, agency=d.agency, task=d.task,
                        agency_key=fold(d.agency) if d.agency else None,
                        confidence=d.confidence, **_grounding_columns(d.grounding))
            for d in extraction.deadlines]
    return rows


def _content(row) -> str:
    """A row's values apart from its ids, comparable between a stored row and an unsaved one."""
    values = [getattr(row, c.key) for c in row.__table__.columns
              if c.key not in ("id", "document_id")]
    return json.dumps(values, sort_keys=True, default=str)


def _keep_equal_rows(stored: list, fresh: list) -> list:
    """The fresh rows, each replaced by an equal stored row when there is one (its id kept)."""
    waiting: dict[str, list] = defaultdict(list)
    for row in stored:
        waiting[_content(row)].append(row)
    return [waiting[key].pop(0) if waiting.get(key) else row
            for row, key in ((row, _content(row)) for row in fresh)]


def record_source(engine: Engine, sha256: str, path: str) -> None:
    """Remember where a stored file now lives (processed/), for `plans reprocess`."""
    def work(session: Session) -> None:
        doc = session.scalar(select(DocumentRow).where(DocumentRow.sha256 == sha256))
        if doc is not None:
            doc.source_path = path

    write(engine, work)


def delete_document(engine: Engine, document_id: int) -> None:
    """Remove a document and everything derived from it (a file that changed while read)."""
    def work(session: Session) -> None:
        doc = session.get(DocumentRow, document_id)
        if doc is not None:
            session.delete(doc)

    write(engine, work)


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


def lock_cross_findings(session: Session) -> None:
    """Make refreshes of the cross-document findings take turns (two batches finishing at once
    on PostgreSQL would otherwise both replace the same findings and store them twice; SQLite's
    write transactions already take turns)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(0x706C616E7378)))


def cross_findings(session: Session, kinds: set[str]) -> list[tuple[int, dict]]:
    """(id, detail) of the stored cross-document findings of these kinds."""
    stmt = select(FindingRow.id, FindingRow.detail).where(FindingRow.document_id.is_(None),
                                                          FindingRow.kind.in_(kinds))
    return [(row.id, row.detail or {}) for row in session.execute(stmt)]


def replace_some_cross_findings(session: Session, stale: list[int],
                                findings: list[records.Finding]) -> None:
    """Delete the cross-document findings `stale` (ids) and add `findings` in their place."""
    for start in range(0, len(stale), 500):
        session.execute(delete(FindingRow).where(FindingRow.id.in_(stale[start:start + 500])))
    session.add_all(_finding_row(f, None) for f in findings)


# --- reading ---------------------------------------------------------------------------------
