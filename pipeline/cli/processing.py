"""`plans ingest`, `reprocess` and `serve`: files through the Prefect flow, with progress.

Prefect and the OCR pool are imported only here, and only when a command runs, so that the
other commands start fast.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pipeline import errors, faults, queries, store
from pipeline.cli.common import (
    DOCUMENT_COLUMNS,
    Format,
    app,
    emit,
    err_console,
    handles_errors,
    options,
    session_scope,
    with_unit_names,
)


def _expand(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        elif path.exists():
            files.append(path)
        else:
            raise errors.PlanError(str(path), vi="Không tìm thấy tệp.", en="File not found.")
    return files


class _ProgressBars:
    """One bar per document, advanced page by page from pipeline.progress events."""

    def __init__(self, progress: Progress):
        self.progress = progress
        self.bars: dict[str, int] = {}

    def __call__(self, event: str, name: str, done: int, total: int) -> None:
        if event == "document":
            self.bars[name] = self.progress.add_task(name[:40], total=total or None)
        elif name in self.bars:
            bar = self.bars[name]
            if event == "page":
                self.progress.update(bar, completed=done)
            elif event == "stored":
                self.progress.update(bar, completed=total, description=f"[green]{name[:38]}")
            elif event == "failed":
                self.progress.update(bar, description=f"[red]{name[:38]}")


@contextlib.contextmanager
def _stop_on_sigterm():
    """SIGTERM stops a command as Ctrl+C does: claims go back, the Prefect server is stopped."""
    def stop(_signum, _frame):
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _process(files: list[Path], *, force: bool) -> list:
    """Run the flow over files with progress bars; the outcomes of the files, in order."""
    from pipeline import progress

    store.get_engine()  # fail fast on a bad PLANS_DB_URL, before Prefect starts
    faults.check_free_space(store.data_home())  # a full disk stops here, before anything starts
    from flows.server import start_temporary_server

    server = start_temporary_server()  # before Prefect is imported: it reads PREFECT_API_URL once
    from flows.reading import Prefetch, stop_reading

    # OCR starts while Prefect is imported and its server starts (here, unless a Dask cluster
    # reads the pages: then the client reads nothing)
    prefetch = None if os.environ.get("PLANS_DASK_ADDRESS") \
        else Prefetch([str(p) for p in files], force=force).start()
    from flows.process import process_files

    with _stop_on_sigterm(), Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("trang/pages"), TimeElapsedColumn(), console=err_console,
            transient=False) as bars:
        listener = _ProgressBars(bars)
        progress.subscribe(listener)
        try:
            return process_files([str(p) for p in files], server, prefetch, force=force,
                                 debug=options["debug"])
        except BaseException:
            stop_reading()  # stopped (SIGTERM, Ctrl+C) or failed: reading ahead is wasted
            raise
        finally:
            progress.unsubscribe(listener)


def _error_line(outcome) -> str:
    error = outcome.error
    return (f"{error['message_vi']} / {error['message_en']}"
            + (f" ({error['detail']})" if error.get("detail") else ""))


def _report(outcomes: list) -> None:
    """Failures set aside with their reports, postponed files named, the stored table, counts.

    Exit 1 when a file failed; a failure of the machine (database busy, disk full) exits with
    its own code, and its files are not set aside: nothing is wrong with them.
    """
    from pipeline import inbox

    folders = inbox.Folders(store.data_home())
    for outcome in outcomes:
        name = Path(outcome.path).name
        if outcome.status == "failed":
            try:
                folders.create()
                inbox.set_aside_copy(Path(outcome.path), folders, outcome.error)
            except OSError as exc:
                err_console.print(f"[yellow]{name}: không chép được vào failed/ / "
                                  f"not copied to failed/: {exc}[/yellow]", highlight=False)
            err_console.print(f"[red]✗ {name}[/red]: {_error_line(outcome)}", highlight=False)
        elif outcome.status == "postponed":
            err_console.print(f"[yellow]⏸ {name}[/yellow]: {_error_line(outcome)}",
                              highlight=False)
    stored_ids = {o.sha256 for o in outcomes if o.status in ("processed", "duplicate")}
    if stored_ids:
        with session_scope() as session:
            rows = [r for r in queries.query_documents(session) if r["sha256"] in stored_ids]
        emit(with_unit_names(rows, Format.table), Format.table, DOCUMENT_COLUMNS, "Đã lưu / Stored")
    counts = {s: sum(o.status == s for o in outcomes)
              for s in ("processed", "duplicate", "failed", "postponed")}
    err_console.print(f"Đã xử lý / processed: {counts['processed']}, "
                      f"trùng / already stored: {counts['duplicate']}, lỗi / failed: {counts['failed']}"
                      + (f", chưa xử lý / postponed: {counts['postponed']}"
                         if counts["postponed"] else ""))
    postponed = [o for o in outcomes if o.status == "postponed"]
    if postponed:
        raise typer.Exit(postponed[0].exit_code)
    if counts["failed"]:
        raise typer.Exit(1)


@app.command()
@handles_errors
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of plans.")],
    force: Annotated[bool, typer.Option(
        help="Read and store again files already stored (OCR included); ids are kept.")] = False,
) -> None:
    """Process files now through the Prefect flow; exit 1 when any file failed."""
    files = _expand(paths)
    if not files:
        raise errors.PlanError(vi="Không có tệp nào để xử lý.", en="No files to process.")
    outcomes = _process(files, force=force)
    options["finished"] = True  # nothing left running: the process may leave at once
    _report(outcomes)


@app.command()
@handles_errors
def reprocess(
    documents: Annotated[list[str] | None, typer.Argument(
        help="Documents (id or file name) to process again.")] = None,
    outdated: Annotated[bool, typer.Option(
        "--outdated", help="Every document made by an older pipeline or model.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only list them.")] = False,
) -> None:
    """Process stored documents again from their files (ids kept), e.g. after a model rebuild."""
    from pipeline import inbox, provenance

    if not documents and not outdated:
        raise errors.PlanError(vi="Hãy nêu tài liệu cần xử lý lại, hoặc dùng --outdated.",
                               en="Name the documents to process again, or use --outdated.")
    current = provenance.producer_detail()
    processed = inbox.Folders(store.data_home()).processed
    with session_scope() as session:
        chosen = queries.outdated_documents(session, provenance.producer(current)) \
            if outdated else []
        chosen += [queries.find_document(session, name) for name in documents or []]
        plan = {doc.id: {"id": doc.id, "document": doc.file_name, "sha256": doc.sha256,
                         "changed": ", ".join(provenance.changes(doc.producer_detail, current)),
                         "file": inbox.find_original(doc.sha256, doc.source_path,
                                                     doc.file_name, processed)}
                for doc in chosen}
    rows = list(plan.values())
    emit([{**r, "file": str(r["file"] or "không tìm thấy / not found")} for r in rows],
          Format.table, ["id", "document", "changed", "file"], "Xử lý lại / To process again")
    missing = [r for r in rows if r["file"] is None]
    if dry_run or not rows:
        return
    if len(missing) < len(rows):
        outcomes = _process([r["file"] for r in rows if r["file"]], force=True)
        options["finished"] = True
        _report_reprocess(outcomes, missing)
    if missing:
        err_console.print("Không tìm thấy tệp gốc / original file not found: "
                          + ", ".join(r["document"] for r in missing)
                          + " (plans ingest --force TỆP / FILE)", highlight=False)
        raise typer.Exit(1)


def _report_reprocess(outcomes: list, missing: list) -> None:
    try:
        _report(outcomes)
    except typer.Exit:
        if not missing:
            raise


@app.command()
@handles_errors
def serve(
    inbox_dir: Annotated[Path | None, typer.Option("--inbox", help="Folder to watch.")] = None,
    interval: Annotated[float | None, typer.Option(
        help="Seconds between rounds (default: 2; 0.5 with --deploy, whose rounds only claim "
             "files and read the outcomes workers wrote).")] = None,
    once: Annotated[bool, typer.Option(help="One round, then exit.")] = False,
    settle: Annotated[float | None, typer.Option(
        help="Seconds a file must stay unchanged before it is taken "
             "(default: PLANS_SETTLE_SECONDS or 10).")] = None,
    deploy: Annotated[bool, typer.Option(
        "--deploy", help="Submit each file as a flow run for `plans worker`s on any machine "
                         "(PREFECT_API_URL; the inbox a folder they all mount at one path).")] = False,
) -> None:
    """Keep watching the inbox: each settled file goes to processed/ or failed/."""
    store.get_engine()
    dispatcher = server = None
    if deploy:
        from flows import deploy as deployment

        deployment.api_url()
        deployment.check_deployment()
        dispatcher = deployment.Dispatcher()
        interval = 0.5 if interval is None else interval
        # workers on other machines get absolute paths inside the shared inbox
        inbox_dir = (inbox_dir or store.data_home() / "inbox").resolve()
    else:
        from flows.server import start_temporary_server

        server = start_temporary_server()
        interval = 2.0 if interval is None else interval
    from flows.watch import serve as serve_loop


    def on_round(outcomes, exc) -> None:
        if exc is not None:
            err_console.print(f"[red]Lỗi vòng quét / round failed:[/red] {exc}")
        for outcome in outcomes:
            mark = {"failed": "[red]✗[/red]", "postponed": "[yellow]⏸[/yellow]"}.get(
                outcome.status, "[green]✓[/green]")
            note = f": {outcome.error['message_vi']} / {outcome.error['message_en']}" \
                if outcome.error else ""
            err_console.print(f"{mark} {Path(outcome.path).name} ({outcome.status}){note}",
                              highlight=False)

    def on_note(message: str) -> None:
        err_console.print(message, highlight=False)

    if not deploy:  # this process reads the files: load the models now (while Prefect's
        from flows.warm import warm_up  # server starts), not when the first file arrives

        warm_up()
    if server is not None:
        server.wait()
    folder = inbox_dir or store.data_home() / "inbox"
    err_console.print(f"Đang theo dõi / watching {folder} (mỗi / every {interval:g}s, Ctrl+C to stop)")
    try:
        with _stop_on_sigterm():
            serve_loop(str(inbox_dir) if inbox_dir else None, interval, 1 if once else None,
                       on_round, settle_seconds=settle, server=server, on_note=on_note,
                       dispatcher=dispatcher)
    except KeyboardInterrupt:
        err_console.print("Đã dừng / stopped.")
