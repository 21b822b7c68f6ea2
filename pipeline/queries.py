"""Queries over the store: the records as plain dicts keyed like the CLI's JSON contract.

Every view (CLI, web app, comparison, exports) renders what these return; every filter folds
case and accents in SQL (indexed columns written with each record), never in Python.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from pipeline import errors, units
from pipeline.store import (
    DeadlineRow,
    DocumentRow,
    FindingRow,
    PageRow,
    PageTableRow,
    PlaceNameRow,
    ResponsibilityRow,
    TargetRow,
)
from pipeline.text import fold

_DOCUMENT_FIELDS = (
    "id", "sha256", "received_at", "status", "doc_type", "number", "issue_date",
    "issue_date_text", "place", "issuer", "admin_level", "locality", "district", "province",
    "period_start", "period_end", "is_draft", "signer", "signer_title", "title", "text_mode",
    "ocr_confidence", "page_count", "pipeline_version", "producer",
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
        row = {"document": doc.file_name, **_row_dict(doc, _DOCUMENT_FIELDS),
               "unit_code": doc.official_unit, "successor": doc.successor}
        for key in ("target_count", "responsibility_count", "deadline_count", "finding_count"):
            row[key] = counts.get(doc.id, {}).get(key, 0)
        out.append(row)
    return out


def outdated_documents(session: Session, producer: str) -> list[DocumentRow]:
    """Documents made by another pipeline than `producer` (an older one, as a rule)."""
    stmt = select(DocumentRow).where(or_(DocumentRow.producer.is_(None),
                                         DocumentRow.producer != producer))
    return list(session.scalars(stmt.order_by(DocumentRow.id)))


def document_places(session: Session) -> list[dict]:
    """Every document's id and place facts: what the cross-document audit matches on."""
    stmt = select(DocumentRow.id, DocumentRow.admin_level, DocumentRow.locality,
                  DocumentRow.district, DocumentRow.province)
    return [dict(row._mapping) for row in session.execute(stmt)]


def find_document(session: Session, id_or_name: str | int) -> DocumentRow:
    """A document by id, file name or SHA-256 prefix; raises DocumentNotFound."""
    key = str(id_or_name).strip()
    conditions = [DocumentRow.file_name == key, DocumentRow.file_name == Path(key).name]
    if (doc_id := as_id(key)) is not None:
        conditions.append(DocumentRow.id == doc_id)
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
        own = row if isinstance(row, TargetRow) else doc  # the place the record is for
        item.update(unit_code=own.official_unit, successor=own.successor)
        out.append(item)
    return out


def as_id(text: str | int) -> int | None:
    """A row id typed by a user, or None: ASCII digits only ("²" is a digit to Python) and
    within the 64-bit integers every database stores."""
    text = str(text).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        return None
    return int(text)


def year_number(year: str | int) -> int:
    """A year typed by a user (2024), or errors.BadParameter saying what a year looks like."""
    text = str(year).strip()
    if not (text.isascii() and text.isdigit() and len(text) == 4):
        raise errors.BadParameter(f"year={text[:40]!r}", vi="Năm phải có dạng 2024.",
                                  en="A year looks like 2024.")
    return int(text)


def _document_filter(document: str | None) -> list:
    if not document:
        return []
    conditions = [DocumentRow.file_name == document]
    if (doc_id := as_id(document)) is not None:
        conditions.append(DocumentRow.id == doc_id)
    return [or_(*conditions)]


def _like(column, text: str, *, ignore_case: bool = True):
    """`column` contains `text` as typed: % and _ match themselves, not any characters (LIKE
    escaping by SQLAlchemy's autoescape). The one LIKE of the store; every filter uses it."""
    if ignore_case:
        return func.lower(column).contains(text.lower(), autoescape=True)
    return column.contains(text, autoescape=True)


def place_named(locality: str, model=DocumentRow):
    """Records (targets, or documents) whose place answers to `locality` as written, by its
    official name or by its name after 2025, any case and accents (the indexed place_name)."""
    named = select(PlaceNameRow.target_id if model is TargetRow else PlaceNameRow.document_id)
    named = named.where(PlaceNameRow.key == units.name_key(locality))
    if model is TargetRow:
        return TargetRow.id.in_(named)
    return DocumentRow.id.in_(named.where(PlaceNameRow.target_id.is_(None)))


def _agency(model, agency: str):
    """Part of the agency's name, any case and accents, or its sector code ("LDTBXH")."""
    wanted = model.agency_key.contains(fold(agency.strip()), autoescape=True)
    if model is ResponsibilityRow:
        return or_(wanted, func.upper(model.agency_code) == agency.strip().upper())
    return wanted


def query_targets(session: Session, *, document=None, locality=None, indicator=None,
                  dimension=None, year=None, document_ids=None) -> list[dict]:
    where = _document_filter(document)
    if document_ids is not None:
        where.append(TargetRow.document_id.in_(list(document_ids)))
    if locality:
        where.append(place_named(locality, TargetRow))
    if indicator:
        where.append(TargetRow.indicator == indicator)
    if dimension:
        where.append(TargetRow.dimension == dimension)
    if year:
        where.append(_like(TargetRow.year, str(year), ignore_case=False))
    fields = ("indicator", "dimension", "subject", "comparator", "value", "value_max",
              "baseline", "unit", "year", "locality", "box")
    return _with_document(session, TargetRow, fields, *where)


def query_responsibilities(session: Session, *, document=None, agency=None, role=None,
                           locality=None) -> list[dict]:
    where = _document_filter(document)
    if role:
        where.append(ResponsibilityRow.role == role)
    if locality:
        where.append(place_named(locality))
    if agency:
        where.append(_agency(ResponsibilityRow, agency))
    fields = ("agency", "agency_code", "role", "task", "projects")
    return _with_document(session, ResponsibilityRow, fields, *where)


def query_deadlines(session: Session, *, document=None, agency=None, year=None,
                    locality=None) -> list[dict]:
    where = _document_filter(document)
    if year:
        where.append(or_(func.extract("year", DeadlineRow.due_date) == year_number(year),
                         _like(DeadlineRow.period, str(year), ignore_case=False)))
    if locality:
        where.append(place_named(locality))
    if agency:
        where.append(_agency(DeadlineRow, agency))
    fields = ("kind", "due_date", "period", "recurrence", "agency", "task")
    return _with_document(session, DeadlineRow, fields, *where)


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
