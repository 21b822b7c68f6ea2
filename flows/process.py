"""process_documents: read (text layer or OCR), restore, extract, audit and store each file.

Two tasks per document: `read_pages` (cached by the file's SHA-256) and `finish_document`
(one database transaction). The pages of every document being read share one pool of OCR
workers (flows/reading.py), so no core idles between files.
"""

from __future__ import annotations

import os
import traceback
from dataclasses import dataclass
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from flows.reading import WORKERS, Prefetch, check_file, read_pages_now
from flows.server import TemporaryServer
from pipeline import audit, errors, inbox, progress, records, store
from pipeline.extract import extract_document

# Documents `plans ingest` started reading before the flow ran (see process_files).
_prefetch: Prefetch | None = None


def _task_runner():
    """Threads on this machine; a Dask cluster when PLANS_DASK_ADDRESS names its scheduler."""
    address = os.environ.get("PLANS_DASK_ADDRESS")
    if not address:
        return ThreadPoolTaskRunner(max_workers=WORKERS)
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError as exc:
        raise errors.PlanError(
            "pip install '.[dask]'", vi="Chưa cài prefect-dask để chạy trên cụm Dask.",
            en="prefect-dask is not installed, so the Dask cluster cannot be used.") from exc
    return DaskTaskRunner(address=address)


@dataclass
class Outcome:
    """What became of one file."""

    path: str
    status: str  # processed | duplicate | failed
    sha256: str | None = None
    document_id: int | None = None
    pages: int = 0
    error: dict | None = None


def _read_cache_key(context, parameters) -> str:
    return f"pages-{parameters['sha256']}-{store.PIPELINE_VERSION}"


def _retry_unless_plan_error(task, task_run, state) -> bool:
    return not isinstance(state.result(raise_on_failure=False), errors.PlanError)


@task(retries=2, retry_delay_seconds=1, cache_key_fn=_read_cache_key, persist_result=True,
      retry_condition_fn=_retry_unless_plan_error)
def read_pages(path: str, sha256: str) -> list[records.Page]:
    """Load and OCR a file; cached by its SHA-256, so a re-run after a failure skips the OCR."""
    prefetched = _prefetch.take(sha256) if _prefetch is not None else None
    if prefetched is not None:
        return prefetched.result()
    return read_pages_now(Path(path))


@task(cache_policy=NO_CACHE)
def finish_document(pages: list[records.Page], sha256: str, file_name: str,
                    engine_url: str) -> int:
    """Extract, audit and store one document in one transaction; returns its id."""
    if not any(p.text.strip() for p in pages):
        raise errors.NoText(file_name)
    extraction = extract_document(pages)
    findings = audit.audit_document(pages, extraction)
    return store.save_document(store.get_engine(engine_url), sha256=sha256, file_name=file_name,
                               pages=pages, extraction=extraction, findings=findings)


def _as_plan_error(exc: BaseException, debug: bool) -> errors.PlanError:
    if isinstance(exc, errors.PlanError):
        return exc
    if isinstance(exc, MemoryError):
        return errors.MemoryLimitExceeded(f"MemoryError: {exc}")
    detail = traceback.format_exc() if debug else f"{type(exc).__name__}: {exc}"
    return errors.PlanError(detail, vi="Lỗi nội bộ khi xử lý tệp; hãy báo lại kèm tệp này.",
                            en="Internal error while processing the file; please report it.")


@flow(name="process-documents", task_runner=_task_runner(), validate_parameters=False)
def process_documents(paths: list[str], engine_url: str | None = None, force: bool = False,
                      debug: bool = False) -> list[Outcome]:
    """Process files now: every file ends stored, recognised as a duplicate, or failed."""
    engine_url = engine_url or store.database_url()
    engine = store.get_engine(engine_url)
    outcomes: dict[str, Outcome] = {}
    reading: dict[str, tuple[str, object]] = {}
    seen: set[str] = set()
    for raw_path in paths:
        try:
            sha = inbox.file_sha256(Path(raw_path))
            if sha in seen or (not force and store.is_stored(engine, sha)):
                outcomes[raw_path] = Outcome(raw_path, "duplicate", sha)
                continue
            check_file(Path(raw_path))
        except Exception as exc:  # noqa: BLE001 - every failure becomes a report
            outcomes[raw_path] = Outcome(raw_path, "failed",
                                         error=_as_plan_error(exc, debug).report())
            progress.report("failed", Path(raw_path).name)
            continue
        seen.add(sha)
        reading[raw_path] = (sha, read_pages.submit(raw_path, sha))

    for raw_path, (sha, future) in reading.items():
        name, pages = Path(raw_path).name, []
        try:
            pages = future.result()
            doc_id = finish_document(pages, sha, name, engine_url)
        except Exception as exc:  # noqa: BLE001
            outcomes[raw_path] = Outcome(raw_path, "failed", sha, pages=len(pages),
                                         error=_as_plan_error(exc, debug).report())
            progress.report("failed", name)
            continue
        outcomes[raw_path] = Outcome(raw_path, "processed", sha, doc_id, len(pages))
        progress.report("stored", name, len(pages), len(pages))
    refresh_cross_findings(engine_url)
    return [outcomes[p] for p in paths]


def refresh_cross_findings(engine_url: str) -> None:
    """Recompute the findings that compare documents (a commune against its district)."""
    with store.session_scope(store.get_engine(engine_url)) as session:
        store.replace_cross_findings(session, audit.audit_across(session), audit.CROSS_KINDS)


def process_document(path: str, engine_url: str | None = None) -> Outcome:
    """One file through the flow."""
    return process_documents([path], engine_url)[0]


def process_files(paths: list[str], server: TemporaryServer | None = None,
                  prefetch: Prefetch | None = None, *, force: bool = False,
                  debug: bool = False) -> list[Outcome]:
    """Run process_documents, picking up the documents `prefetch` started reading.

    A new process pays a few seconds to import Prefect and start its server; documents read
    meanwhile make a one-shot `plans ingest` run about as fast as Tesseract alone.
    """
    global _prefetch
    if server is not None:
        server.wait()
    if prefetch is not None:
        prefetch.stop()
    _prefetch = prefetch
    try:
        return process_documents(paths, force=force, debug=debug)
    finally:
        _prefetch = None
