"""process_documents: load, OCR pages in parallel, restore, extract, audit and store each file.

Pages of all files in a batch share one pool of OCR workers, so no core idles between files.
"""

from __future__ import annotations

import os
import threading
import traceback
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass, field
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner

from pipeline import audit, errors, inbox, ingest, ocr, progress, records, store
from pipeline.extract import extract_document
from pipeline.pages import make_page

WORKERS = max(1, int(os.environ.get("PLANS_WORKERS") or os.cpu_count() or 1))


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


@dataclass
class _Pending:
    path: Path
    sha256: str
    total: int
    pages: dict[int, records.Page] = field(default_factory=dict)
    error: errors.PlanError | None = None


# Pages OCR'd while Prefect's temporary server was starting, by (file SHA-256, page number).
_PREFETCHED: dict[tuple[str, int], Future] = {}


def _cache_key(context, parameters) -> str:
    return f"ocr-{parameters['sha256']}-{parameters['number']}-{store.PIPELINE_VERSION}"


@task(retries=2, retry_delay_seconds=1, cache_key_fn=_cache_key, persist_result=True,
      retry_condition_fn=lambda t, r, s: not isinstance(s.result(raise_on_failure=False),
                                                        errors.PlanError))
def ocr_page(image: bytes, sha256: str, number: int) -> ocr.OcrResult:
    """OCR one page image; cached by (file SHA-256, page) so a re-run skips finished pages."""
    prefetched = _PREFETCHED.pop((sha256, number), None)
    if prefetched is not None:
        return prefetched.result()
    return ocr.ocr_image(image)


@task(cache_policy=NO_CACHE)
def finish_document(pending: _Pending, engine_url: str) -> int:
    """Extract, audit and store one document whose pages are all done; returns its id."""
    pages = [pending.pages[n] for n in sorted(pending.pages)]
    if not any(p.text.strip() for p in pages):
        raise errors.NoText(pending.path.name)
    extraction = extract_document(pages)
    findings = audit.audit_document(pages, extraction)
    return store.save_document(
        store.get_engine(engine_url), sha256=pending.sha256, file_name=pending.path.name,
        pages=pages, extraction=extraction, findings=findings,
    )


def _page_jobs(pending: list[_Pending], sources: dict[str, ingest.DocumentSource]
               ) -> Iterator[tuple[_Pending, ingest.PageInput]]:
    for item in pending:
        try:
            for page_input in sources[item.sha256].pages():
                yield item, page_input
        except errors.PlanError as exc:
            item.error = exc


def _as_plan_error(exc: BaseException, debug: bool) -> errors.PlanError:
    if isinstance(exc, errors.PlanError):
        return exc
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
    pending: list[_Pending] = []
    sources: dict[str, ingest.DocumentSource] = {}
    for raw_path in paths:
        path = Path(raw_path)
        try:
            sha = inbox.file_sha256(path)
            if not force and store.is_stored(engine, sha):
                outcomes[raw_path] = Outcome(raw_path, "duplicate", sha)
                continue
            source = ingest.open_document(path)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a report
            err = _as_plan_error(exc, debug)
            outcomes[raw_path] = Outcome(raw_path, "failed", error=err.report())
            progress.report("failed", path.name)
            continue
        if sha in sources:
            outcomes[raw_path] = Outcome(raw_path, "duplicate", sha)
            continue
        sources[sha] = source
        pending.append(_Pending(path, sha, source.page_count))
        progress.report("document", path.name, 0, source.page_count)

    window: list = []
    owners: dict[int, tuple[_Pending, int]] = {}
    jobs = _page_jobs(pending, sources)

    def collect(future) -> None:
        item, number = owners.pop(id(future))
        try:
            result = future.result()
            item.pages[number] = make_page(number, result.text, "ocr", result.confidence)
        except Exception as exc:  # noqa: BLE001
            item.error = item.error or _as_plan_error(exc, debug)
            item.pages[number] = records.Page(number, "", "", "ocr")
        progress.report("page", item.path.name, len(item.pages), item.total)

    for item, page_input in jobs:
        if page_input.text is not None:
            item.pages[page_input.number] = make_page(page_input.number, page_input.text,
                                                      page_input.source)
            progress.report("page", item.path.name, len(item.pages), item.total)
            continue
        future = ocr_page.submit(page_input.image, item.sha256, page_input.number)
        owners[id(future)] = (item, page_input.number)
        window.append(future)
        if len(window) >= 2 * WORKERS:  # bounded: only a few page images in memory at once
            done = next(as_completed(window))
            window.remove(done)
            collect(done)
    for done in as_completed(window):
        collect(done)

    for item in pending:
        key = str(item.path)
        if item.error is None:
            try:
                doc_id = finish_document(item, engine_url)
                outcomes[key] = Outcome(key, "processed", item.sha256, doc_id, len(item.pages))
                progress.report("stored", item.path.name, len(item.pages), item.total)
                continue
            except Exception as exc:  # noqa: BLE001
                item.error = _as_plan_error(exc, debug)
        outcomes[key] = Outcome(key, "failed", item.sha256, pages=len(item.pages),
                                error=item.error.report())
        progress.report("failed", item.path.name)
    refresh_cross_findings(engine_url)
    return [outcomes[p] for p in paths if p in outcomes]


def refresh_cross_findings(engine_url: str) -> None:
    """Recompute the findings that compare documents (a commune against its district)."""
    with store.session_scope(store.get_engine(engine_url)) as session:
        store.replace_cross_findings(session, audit.audit_across(session), audit.CROSS_KINDS)


def process_document(path: str, engine_url: str | None = None) -> Outcome:
    """One file through the flow."""
    return process_documents([path], engine_url)[0]


def _start_prefect_server() -> threading.Event:
    """Start Prefect's temporary API server in the background; the event is set once it is up."""
    ready = threading.Event()
    if os.environ.get("PREFECT_API_URL"):
        ready.set()  # a real Prefect server: nothing to start
        return ready

    def start() -> None:
        try:
            from prefect.server.api.server import SubprocessASGIServer

            SubprocessASGIServer().start()  # the instance the flow's client will reuse
        finally:
            ready.set()

    threading.Thread(target=start, name="prefect-server", daemon=True).start()
    return ready


def _prefetch_until(ready: threading.Event, paths: list[str], pool: ThreadPoolExecutor,
                    force: bool) -> None:
    """OCR the first pages of the batch until Prefect is ready; the flow's tasks pick them up."""
    in_flight: set[Future] = set()
    engine = store.get_engine()
    for raw_path in paths:
        try:
            sha = inbox.file_sha256(Path(raw_path))
            if not force and store.is_stored(engine, sha):
                continue
            pages = ingest.open_document(Path(raw_path)).pages()
            for page_input in pages:
                if ready.is_set():
                    return
                if page_input.image is None:
                    continue
                future = pool.submit(ocr.ocr_image, page_input.image)
                _PREFETCHED[(sha, page_input.number)] = future
                in_flight.add(future)
                while len(in_flight) >= WORKERS and not ready.is_set():
                    _done, in_flight = wait_futures(in_flight, timeout=0.2,
                                                   return_when=FIRST_COMPLETED)
        except Exception:  # noqa: BLE001 - the flow meets the same error and reports it
            continue


def process_files(paths: list[str], *, force: bool = False, debug: bool = False) -> list[Outcome]:
    """Run process_documents, using the seconds Prefect's temporary server takes to start.

    A new process pays several seconds for that server; meanwhile the first pages are OCR'd
    so a one-shot `plans ingest` runs about as fast as Tesseract alone.
    """
    ready = _start_prefect_server()
    with ThreadPoolExecutor(WORKERS, thread_name_prefix="ocr-prefetch") as pool:
        _prefetch_until(ready, paths, pool, force)
        ready.wait()
        try:
            return process_documents(paths, force=force, debug=debug)
        finally:
            _PREFETCHED.clear()
