"""Audit findings: the places where a plan contradicts itself, its parent or its own dates.

Every finding points at the spans it is about (page, character span in the stored page text,
exact quote), so an auditor can open the sentence behind it. Two entry points:

- `audit_document(pages, extraction)` runs on one document before it is stored (the flow stores
  the findings in the same transaction);
- `audit_across(session)` compares stored documents with each other (a commune against its
  district); the flow refreshes them with `refresh_across(session, changed_ids)`, which
  recomputes only the communes the changed documents touch.

One module per kind of check: `document` (pages, dimensions, dates, leads), `tables` (total
rows, tables that could not be rebuilt), `figures` (figures of one sentence), `across` (a
commune against its district).
"""

from __future__ import annotations

import logging

from pipeline.audit.across import CROSS_KINDS, audit_across, refresh_across, weaker_than_parent
from pipeline.audit.document import (
    deadlines_out_of_range,
    low_confidence_pages,
    missing_dimensions,
    tasks_without_lead,
)
from pipeline.audit.figures import inconsistent_numbers
from pipeline.audit.tables import table_total_mismatches, unreadable_tables
from pipeline.records import Extraction, Finding, Page

log = logging.getLogger(__name__)

DOCUMENT_KINDS: set[str] = {
    "table_total_mismatch", "inconsistent_numbers", "missing_dimension",
    "deadline_out_of_range", "task_without_lead", "low_confidence_page", "unreadable_table",
}

# What each kind is called in Vietnamese, for people (the web app, the CLI's tables)
KIND_LABELS: dict[str, str] = {
    "table_total_mismatch": "Dòng tổng không khớp với các dòng",
    "inconsistent_numbers": "Số liệu không nhất quán",
    "missing_dimension": "Thiếu chiều thiếu hụt",
    "deadline_out_of_range": "Thời hạn nằm ngoài giai đoạn kế hoạch",
    "task_without_lead": "Nhiệm vụ không có cơ quan chủ trì",
    "low_confidence_page": "Trang nhận dạng chữ kém tin cậy",
    "unreadable_table": "Bảng quét không dựng lại được",
    "weaker_than_parent": "Chỉ tiêu thấp hơn chỉ tiêu cấp trên",
}

__all__ = ["CROSS_KINDS", "DOCUMENT_KINDS", "KIND_LABELS", "audit_across", "audit_document",
           "refresh_across", "weaker_than_parent"]


def audit_document(pages: list[Page], extraction: Extraction | None) -> list[Finding]:
    """All single-document findings for one plan, ready to store with it.

    A check that fails on unexpected input is logged and skipped: an audit must never keep a
    document from being stored.
    """
    findings: list[Finding] = []
    for check in (low_confidence_pages, table_total_mismatches, inconsistent_numbers,
                  unreadable_tables):
        findings += _guarded(check, pages)
    if extraction is not None:
        findings += _guarded(missing_dimensions, pages, extraction)
        findings += _guarded(deadlines_out_of_range, extraction)
        findings += _guarded(tasks_without_lead, extraction)
    return findings


def _guarded(check, *args) -> list[Finding]:
    try:
        return check(*args)
    except Exception:  # noqa: BLE001 - one broken check must not lose the document
        log.exception("audit check %s failed; its findings are skipped", check.__name__)
        return []
