"""process_documents: read (text layer or OCR), restore, extract, audit and store each file.

Two tasks per document: `read_pages` (through the page cache, keyed on the file's SHA-256 and
what reads it) and `finish_document` (one database transaction). The pages of every document
being read share one pool of OCR workers (flows/reading.py), so no core idles between files.
On a Dask cluster (PLANS_DASK_ADDRESS) every page is a `read_page` task of its own, read where
it lands, and `finish_document` runs on a worker too: the client only hands out paths.
Nothing is persisted through Prefect's result storage: its records name their own
deserialiser (pickle included), so a file written there could run code.

Every file ends stored, recognised as stored already, failed (the file's fault: it gets a
report) or postponed (the machine's fault: database busy, disk full ...; it is tried again).
"""

from __future__ import annotations

import logging
import os
import traceback
from dataclasses import dataclass
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from flows.reading import READERS, Prefetch, check_file, read_cached, read_one_page, stop_reading
from flows.server import TemporaryServer
from pipeline import audit, errors, faults, inbox, page_cache, progress, provenance, records, store
from pipeline.extract import extract_document

log = logging.getLogger(__name__)

# Documents `plans ingest` started reading before the flow ran (see process_files).
_prefetch: Prefetch | None = None


def task_runner():
    """Threads on this machine; a Dask cluster when PLANS_DASK_ADDRESS names its scheduler."""
    address = os.environ.get("PLANS_DASK_ADDRESS")
    if not address:
        return ThreadPoolTaskRunner(max_workers=READERS)
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
    status: str  # processed | duplicate | failed | postponed
    sha256: str | None = None
    document_id: int | None = None
    pages: int = 0
    error: dict | None = None
    created: bool = False  # this run stored the document for the first time
    exit_code: int = 0  # the error's, for a command that stops on it


def _retry_unless_plan_error(task, task_run, state) -> bool:
    return not isinstance(state.result(raise_on_failure=False), errors.PlanError)


def read_document(path: str, sha256: str, refresh: bool = False) -> list[records.Page]:
    """Load and OCR a file once: the page cache keeps its pages for a re-run or another process."""
    prefetched = _prefetch.take(sha256) if _prefetch is not None else None
    if prefetched is not None:
        return prefetched.result()
    return read_cached(Path(path), sha256, refresh=refresh)


def store_pages(pages: list[records.Page], sha256: str, path: str, engine_url: str,
                force: bool = False) -> tuple[int, str]:
    """Extract, audit and store one document in one transaction: (id, what the store did)."""
    name = Path(path).name
    if not any(p.text.strip() for p in pages):
        raise errors.NoText(name)
    extraction = extract_document(pages)
    findings = audit.audit_document(pages, extraction)
    faults.check_free_space(store.data_home())
    return store.store_document(store.get_engine(engine_url), sha256=sha256, file_name=name,
                                pages=pages, extraction=extraction, findings=findings,
                                force=force, source_path=str(Path(path).resolve()))


# The tasks wrap module-level functions of other names: a task sent to a Dask worker is
# pickled with its function, which then travels by reference (module and name), never by value
# with the module globals it reads (the read-ahead and its locks).
_READING = {"retries": 2, "retry_delay_seconds": 1, "cache_policy": NO_CACHE,
            "persist_result": False, "retry_condition_fn": _retry_unless_plan_error}
read_pages = task(name="read-pages", **_READING)(read_document)
read_page = task(name="read-page", **_READING)(read_one_page)
finish_document = task(name="finish-document", cache_policy=NO_CACHE,
                       persist_result=False)(store_pages)


def _as_plan_error(exc: BaseException, debug: bool, path: str | None = None) -> errors.PlanError:
    """The typed error of a failure: the file's, the machine's, or ours (internal)."""
    if isinstance(exc, errors.PlanError):
        return exc
    if isinstance(exc, MemoryError):
        return errors.MemoryLimitExceeded(f"MemoryError: {exc}")
    if isinstance(exc, FileNotFoundError) and path and not Path(path).exists():
        return errors.FileVanished(Path(path).name)
    fault = faults.environment_fault(exc, store.data_home())
    if fault is not None:
        return fault
    detail = traceback.format_exc() if debug else f"{type(exc).__name__}: {exc}"
    return errors.PlanError(detail, vi="Lỗi nội bộ khi xử lý tệp; hãy báo lại kèm tệp này.",
                            en="Internal error while processing the file; please report it.")


def _not_done(path: str, error: errors.PlanError, sha: str | None = None,
              pages: int = 0) -> Outcome:
    """A failed file (its fault: set aside) or a postponed one (the machine's: tried again)."""
    progress.report("failed", Path(path).name)
    status = "failed" if error.blames_file else "postponed"
    return Outcome(path, status, sha, pages=pages, error=error.report(),
                   exit_code=error.exit_code)


def fans_out_pages() -> bool:
    """On a Dask cluster every page is a task of its own, so the pages of one big scan are read
    by every worker; on one machine the OCR pool of flows/reading.py spreads them."""
    return bool(os.environ.get("PLANS_DASK_ADDRESS"))


class _Ready:
    """Pages already at hand (the page cache had them)."""

    def __init__(self, pages: list[records.Page]) -> None:
        self.pages = pages

    def result(self) -> list[records.Page]:
        return self.pages


class _PageTasks:
    """The pages of one file, each read by a task of its own; kept in the page cache once all
    are read, so that a re-run reads none of them again."""

    def __init__(self, sha256: str, futures: list) -> None:
        self.sha256, self.futures = sha256, futures

    def result(self) -> list[records.Page]:
        pages = [future.result() for future in self.futures]
        page_cache.save(provenance.page_cache_key(self.sha256), self.sha256, pages)
        return pages


def _start_reading(path: str, sha256: str, page_count: int, force: bool):
    """Submit the reading of one file: one task here, a task per page on a cluster (with the
    file's absolute path: a worker's working folder is not ours)."""
    if not fans_out_pages():
        return read_pages.submit(path, sha256, force)
    cached = None if force else page_cache.load(provenance.page_cache_key(sha256))
    if cached is not None:
        return _Ready(cached)
    where = os.path.abspath(path)
    return _PageTasks(sha256, [read_page.submit(where, n) for n in range(1, page_count + 1)])


@flow(name="process-documents", task_runner=task_runner(), validate_parameters=False,
      persist_result=False)
def process_documents(paths: list[str], engine_url: str | None = None, force: bool = False,
                      debug: bool = False) -> list[Outcome]:
    """Process files now: each ends stored, already stored, failed or postponed.

    A full disk stops the batch: the files not yet stored are postponed, not failed.
    """
    engine_url = engine_url or store.database_url()
    engine = store.get_engine(engine_url)
    producer = provenance.producer()
    outcomes: dict[str, Outcome] = {}
    reading: dict[str, tuple[str, object]] = {}
    seen: set[str] = set()
    for raw_path in paths:
        try:
            faults.check_free_space(store.data_home())
            sha = inbox.file_sha256(Path(raw_path))
            if sha in seen or (not force and store.is_stored(engine, sha, producer)):
                outcomes[raw_path] = Outcome(raw_path, "duplicate", sha)
                continue
            page_count = check_file(Path(raw_path))
            seen.add(sha)
            reading[raw_path] = (sha, _start_reading(raw_path, sha, page_count, force))
        except Exception as exc:  # noqa: BLE001 - every failure becomes a report
            outcomes[raw_path] = _not_done(raw_path, _as_plan_error(exc, debug, raw_path))

    stopped: errors.PlanError | None = None
    for raw_path, (sha, future) in reading.items():
        name, pages = Path(raw_path).name, []
        if stopped is not None:
            outcomes[raw_path] = _not_done(raw_path, stopped, sha)
            continue
        try:
            pages = future.result()
            if fans_out_pages():  # extraction and storage on a worker too, not in the client
                doc_id, action = finish_document.submit(
                    pages, sha, os.path.abspath(raw_path), engine_url, force).result()
            else:
                doc_id, action = finish_document(pages, sha, raw_path, engine_url, force)
        except Exception as exc:  # noqa: BLE001
            error = _as_plan_error(exc, debug, raw_path)
            outcomes[raw_path] = _not_done(raw_path, error, sha, len(pages))
            if isinstance(error, errors.StorageFull):
                stopped = error
                stop_reading()
            continue
        status = "duplicate" if action == "unchanged" else "processed"
        outcomes[raw_path] = Outcome(raw_path, status, sha, doc_id, len(pages),
                                     created=action == "created")
        progress.report("stored", name, len(pages), len(pages))
    changed = [o.document_id for o in outcomes.values() if o.status == "processed"]
    if changed and stopped is None:
        refresh_cross_findings(engine_url, changed)
    return [outcomes[p] for p in paths]


def refresh_cross_findings(engine_url: str, document_ids: list[int] | None = None) -> None:
    """Recompute the findings that compare documents (a commune against its district).

    With `document_ids`, only the communes those documents touch are recomputed (as commune or
    as district); a failure here never undoes the documents just stored: it is logged.
    """
    engine = store.get_engine(engine_url)
    try:
        store.write(engine, lambda session: audit.refresh_across(session, document_ids))
    except errors.PlanError as exc:
        log.warning("cross-document findings not refreshed: %s", exc.message)


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
