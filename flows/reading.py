"""Reading files into pages for the flow: one OCR pool shared by every document, and a head start.

No Prefect here: `plans ingest` starts reading the first documents (Prefetch) before Prefect and
its API server are even imported, so both cores OCR while the rest of the program starts.
Files hand their page images to the pool one after another (`_turns`): the next file renders
its pages while the last pages of the one before are read, so no core idles between files; a
page is restored in the OCR thread that read it, as soon as it is read, once the restoration
model is in memory: until then (a command's first pages) the OCR threads go on with the next
pages and the file's own reader restores the pages, so no Tesseract waits for the model.
Pages go through the page cache (pipeline/page_cache.py): the same bytes are read once, also
by two processes at the same time. `stop_reading()` makes the documents being read give up
between pages (a watcher stopping, a full disk).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from pipeline import (
    errors,
    inbox,
    ingest,
    page_cache,
    progress,
    provenance,
    records,
    restore,
    scan,
    store,
)
from pipeline import limits as limits_module
from pipeline.limits import Deadline, Limits
from pipeline.pages import make_page

WORKERS = max(1, int(os.environ.get("PLANS_WORKERS") or os.cpu_count() or 1))
_IMAGE_SLOTS = threading.BoundedSemaphore(2 * WORKERS)  # page images waiting or being read
# Files being read at once: those whose pages are in the pool (at most one per image slot)
# and the one rendering the next pages; the threads that read files (tasks, read-ahead).
READERS = 2 * WORKERS + 1
_stops = 0  # how many times reading was stopped; a reading started before the last stop gives up
# Made on first use, in the process that reads (a Dask worker that only reads single pages
# never makes one): nothing of it travels with a task.
_ocr_pool: ThreadPoolExecutor | None = None
_ocr_pool_made = threading.Lock()


def ocr_pool() -> ThreadPoolExecutor:
    """This process's pool of OCR threads (one Tesseract each), made on first use."""
    global _ocr_pool
    with _ocr_pool_made:
        if _ocr_pool is None:
            _ocr_pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="ocr")
        return _ocr_pool


class _Turns:
    """Files render their pages and hand them to the OCR pool one at a time, in the order they
    asked: the next file starts as soon as the one before has handed over its last page."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._issued = self._serving = 0

    @contextlib.contextmanager
    def turn(self) -> Iterator[None]:
        with self._changed:
            ticket = self._issued
            self._issued += 1
            self._changed.wait_for(lambda: self._serving == ticket)
        try:
            yield
        finally:
            with self._changed:
                self._serving += 1
                self._changed.notify_all()


_turns = _Turns()
_model_loading = threading.Lock()
_model_ready = threading.Event()  # the restoration model is in memory


def load_restore_model() -> None:
    """The restoration model, loaded once whichever thread needs it first (the others wait
    instead of loading it again)."""
    with _model_loading:
        if restore.model_available():
            restore.load_model()
            _model_ready.set()


def load_restore_model_soon() -> None:
    """Load the restoration model in a thread of its own, while the first pages are OCR'd."""

    def load() -> None:
        try:
            load_restore_model()
        except Exception:  # noqa: BLE001 - the first page restored meets the error and says it
            pass

    threading.Thread(target=load, name="restore-model", daemon=True).start()


def stop_reading() -> None:
    """Documents being read now give up at their next page (a watcher stopping, a full disk);
    documents whose reading starts afterwards are not affected."""
    global _stops
    _stops += 1


def read_cached(path: Path, sha256: str, *, refresh: bool = False) -> list[records.Page]:
    """The pages of a file from the page cache, read (once, whoever asks meanwhile) if absent."""
    key = provenance.page_cache_key(sha256)
    return page_cache.read_through(key, sha256, lambda: read_pages_now(path), refresh=refresh)


def _read_image_page(number: int, image: bytes, limits: Limits, deadline: Deadline,
                     started: int) -> records.Page | scan.ScanRead:
    """OCR one page image (its slot freed once read), then restore its text; the OCR as read
    while the restoration model is not loaded yet (the file's reader restores it)."""
    try:
        if _stops != started:  # queued before a stop: not worth reading any more
            raise errors.ReadingStopped("")
        result = scan.read_scan(image, limits=limits, file_deadline=deadline)
    finally:
        _IMAGE_SLOTS.release()
    if not _model_ready.is_set():
        return result
    return _ocr_page(number, result)


def _ocr_page(number: int, result: scan.ScanRead) -> records.Page:
    return make_page(number, result.text, "ocr", result.confidence, result.tables)


def _abandon(reading: dict[int, Future]) -> None:
    """Drop the pages of a failed file that have not started OCR (their slots freed)."""
    for future in reading.values():
        if future.cancel():
            _IMAGE_SLOTS.release()


def read_pages_now(path: Path) -> list[records.Page]:
    """Every page of a file as stored text: text layers as they are, images OCR'd, restored;
    within the limits of pipeline/limits.py (the file's time checked page by page, from its
    turn to hand pages to the OCR pool on)."""
    started = _stops
    limits = limits_module.current()
    source = ingest.open_document(path, limits=limits)
    name, total = path.name, source.page_count
    progress.report("document", name, 0, total)
    done, lock = itertools.count(1), threading.Lock()

    def page_done(_future=None) -> None:
        with lock:
            progress.report("page", name, next(done), total)

    pages: dict[int, records.Page] = {}
    given: list[ingest.PageInput] = []  # pages with their text: no OCR
    reading: dict[int, Future] = {}
    try:
        with _turns.turn():
            deadline = Deadline(limits.file_seconds, errors.FileTimeout, f"{path.name}: ")
            for page_input in source.pages():
                if _stops != started:
                    raise errors.ReadingStopped(name)
                deadline.remaining()
                if page_input.text is not None:  # restored once the turn is passed on
                    given.append(page_input)
                    continue
                _IMAGE_SLOTS.acquire()  # bounded: wait while enough page images are queued
                future = ocr_pool().submit(_read_image_page, page_input.number,
                                           page_input.image, limits, deadline, started)
                future.add_done_callback(page_done)
                reading[page_input.number] = future
        if given or reading:
            load_restore_model()  # at hand already, or loaded here while the pages are OCR'd
        for page_input in given:
            deadline.remaining()
            pages[page_input.number] = make_page(page_input.number, page_input.text,
                                                 page_input.source, tables=page_input.tables)
            page_done()
        for number, future in reading.items():
            try:
                page = future.result(timeout=deadline.remaining())
            except TimeoutError as exc:
                raise errors.FileTimeout(f"{name}: > {limits.file_seconds:g} s") from exc
            if isinstance(page, scan.ScanRead):  # read before the model was loaded
                page = _ocr_page(number, page)
            pages[number] = page
    except BaseException:
        _abandon(reading)
        raise
    return [pages[n] for n in sorted(pages)]


def read_one_page(path: str | Path, number: int) -> records.Page:
    """One page of a file, read (OCR'd in this thread) and restored where this runs: the pages
    of a big scan spread over the workers of a cluster, each reading its own from the file."""
    path, limits = Path(path), limits_module.current()
    page_input = ingest.open_document(path, limits=limits).page(number)
    if page_input.text is not None:
        return make_page(number, page_input.text, page_input.source, tables=page_input.tables)
    deadline = Deadline(limits.file_seconds, errors.FileTimeout, f"{path.name}: ")
    result = scan.read_scan(page_input.image, limits=limits, file_deadline=deadline)
    return make_page(number, result.text, "ocr", result.confidence, result.tables)


def check_file(path: Path) -> int:
    """Typed errors (empty, corrupt, encrypted ...) up front, before any task starts; the
    file's number of pages."""
    return ingest.open_document(path).page_count


class Prefetch:
    """Documents read ahead, keyed by SHA-256, until the flow takes over (`stop`)."""

    def __init__(self, paths: list[str], *, force: bool = False) -> None:
        self.paths, self.force = paths, force
        self.stopped = threading.Event()
        self._started: dict[str, Future] = {}
        self._lock = threading.Lock()

    def start(self) -> Prefetch:
        """Start reading; the restoration model loads meanwhile, beside the first pages' OCR."""
        load_restore_model_soon()
        threading.Thread(target=self._run, name="prefetch", daemon=True).start()
        return self

    def stop(self) -> None:
        """Start no further documents; those already started finish in the background."""
        self.stopped.set()

    def take(self, sha256: str) -> Future | None:
        """The reading of this file, if it was started ahead; each is handed out once."""
        with self._lock:
            return self._started.pop(sha256, None)

    def _run(self) -> None:
        engine = store.get_engine()
        producer = provenance.producer()
        starter = ThreadPoolExecutor(READERS, thread_name_prefix="prefetch")
        running: list[Future] = []
        for raw_path in self.paths:
            while sum(not f.done() for f in running) >= READERS and not self.stopped.is_set():
                self.stopped.wait(0.2)
            if self.stopped.is_set():
                break
            try:
                sha = inbox.file_sha256(Path(raw_path))
                if sha in self._started or (not self.force
                                            and store.is_stored(engine, sha, producer)):
                    continue
                check_file(Path(raw_path))
            except Exception:  # noqa: BLE001 - the flow meets the same error and reports it
                continue
            with self._lock:
                if self.stopped.is_set():
                    break
                self._started[sha] = starter.submit(read_cached, Path(raw_path), sha,
                                                    refresh=self.force)
                running.append(self._started[sha])
        starter.shutdown(wait=False)
