"""`plans`: the command line of the contract in ARCHITECTURE.md (typer + rich).

Commands print tables for people and JSON/CSV for programs; errors are one sentence in
Vietnamese and English with a non-zero exit code, and a traceback only with --debug.
"""

from __future__ import annotations

import contextlib
import csv
import difflib
import functools
import io
import json
import os
import signal
import sys
import threading
import time
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipeline import errors, faults, store

app = typer.Typer(
    help="Kế hoạch giảm nghèo -> bản ghi có dẫn chứng. Plans in, grounded records out.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
)
# Tables are for people: keep them readable when the output goes to a file or a pipe too.
console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True)
_options = {"debug": False}


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class CompareFormat(StrEnum):
    table = "table"
    csv = "csv"
    xlsx = "xlsx"


FormatOption = Annotated[Format, typer.Option("--format", "-f", help="table | json | csv")]


@app.callback()
def main(debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False) -> None:
    _options["debug"] = debug


def _handles_errors(command):
    """Turn typed errors into one clear message and their exit code."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except errors.PlanError as exc:
            if _options["debug"]:
                err_console.print_exception()
            err_console.print(f"[red]Lỗi / Error:[/red] {exc.message}", highlight=False)
            raise typer.Exit(exc.exit_code) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001
            if _options["debug"]:
                err_console.print_exception()
            fault = faults.environment_fault(exc, store.data_home())
            if fault is not None:  # the disk filled up, the database stayed locked ...
                err_console.print(f"[red]Lỗi / Error:[/red] {fault.message}", highlight=False)
                raise typer.Exit(fault.exit_code) from None
            err_console.print(
                f"[red]Lỗi nội bộ / Internal error:[/red] {type(exc).__name__}: {exc} "
                "(chạy lại với --debug để xem chi tiết / rerun with --debug for details)",
                highlight=False,
            )
            raise typer.Exit(1) from None

    return wrapper


# --- output ----------------------------------------------------------------------------------


def _jsonable(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


_ADD_PLANS_HINT = ("Thêm kế hoạch / add plans: plans ingest TỆP... "
                   "(or copy them into data/inbox and run plans serve)")


def _emit(rows: list[dict], fmt: Format, columns: list[str], title: str,
          empty_hint: str | None = None) -> None:
    """Print records as a rich table, a JSON array or CSV."""
    if fmt is Format.json:
        clean = [{k: _jsonable(v) for k, v in row.items()} for row in rows]
        sys.stdout.write(json.dumps(clean, ensure_ascii=False, indent=2) + "\n")
        return
    if fmt is Format.csv:
        keys = list(rows[0].keys()) if rows else columns
        writer = csv.DictWriter(sys.stdout, fieldnames=keys, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(row.get(k)) for k in keys})
        return
    if not rows:
        console.print(f"{title}: không có bản ghi nào / no records.")
        if empty_hint:
            console.print(empty_hint)
        return
    table = Table(title=f"{title} ({len(rows)})", show_lines=False)
    for column in columns:
        table.add_column(_SHORT_HEADERS.get(column, column), overflow="fold",
                         max_width=60 if column in ("quote", "task") else 28,
                         no_wrap=column in ("id", "page", "value", "comparator", "unit"))
    for row in rows:
        table.add_row(*[_cell(row.get(c)) for c in columns])
    console.print(table)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(_jsonable(value))


def _session():
    return store.session_scope(store.get_engine())


# --- processing --------------------------------------------------------------------------------


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

    # OCR starts while Prefect is imported and its server starts
    prefetch = Prefetch([str(p) for p in files], force=force).start()
    from flows.process import process_files

    with _stop_on_sigterm(), Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("trang/pages"), TimeElapsedColumn(), console=err_console,
            transient=False) as bars:
        listener = _ProgressBars(bars)
        progress.subscribe(listener)
        try:
            return process_files([str(p) for p in files], server, prefetch, force=force,
                                 debug=_options["debug"])
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
        with _session() as session:
            rows = [r for r in store.query_documents(session) if r["sha256"] in stored_ids]
        _emit(rows, Format.table, _DOCUMENT_COLUMNS, "Đã lưu / Stored")
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
@_handles_errors
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of plans.")],
    force: Annotated[bool, typer.Option(
        help="Read and store again files already stored (OCR included); ids are kept.")] = False,
) -> None:
    """Process files now through the Prefect flow; exit 1 when any file failed."""
    files = _expand(paths)
    if not files:
        raise errors.PlanError(vi="Không có tệp nào để xử lý.", en="No files to process.")
    _report(_process(files, force=force))


@app.command()
@_handles_errors
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
    with _session() as session:
        chosen = store.outdated_documents(session, provenance.producer(current)) \
            if outdated else []
        chosen += [store.find_document(session, name) for name in documents or []]
        plan = {doc.id: {"id": doc.id, "document": doc.file_name, "sha256": doc.sha256,
                         "changed": ", ".join(provenance.changes(doc.producer_detail, current)),
                         "file": inbox.find_original(doc.sha256, doc.source_path,
                                                     doc.file_name, processed)}
                for doc in chosen}
    rows = list(plan.values())
    _emit([{**r, "file": str(r["file"] or "không tìm thấy / not found")} for r in rows],
          Format.table, ["id", "document", "changed", "file"], "Xử lý lại / To process again")
    missing = [r for r in rows if r["file"] is None]
    if dry_run or not rows:
        return
    if len(missing) < len(rows):
        _report_reprocess(_process([r["file"] for r in rows if r["file"]], force=True), missing)
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
@_handles_errors
def serve(
    inbox_dir: Annotated[Path | None, typer.Option("--inbox", help="Folder to watch.")] = None,
    interval: Annotated[float, typer.Option(help="Seconds between rounds.")] = 10.0,
    once: Annotated[bool, typer.Option(help="One round, then exit.")] = False,
    settle: Annotated[float | None, typer.Option(
        help="Seconds a file must stay unchanged before it is taken "
             "(default: PLANS_SETTLE_SECONDS or 10).")] = None,
) -> None:
    """Keep watching the inbox: each settled file goes to processed/ or failed/."""
    store.get_engine()
    from flows.server import start_temporary_server

    server = start_temporary_server()
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

    if server is not None:
        server.wait()
    folder = inbox_dir or store.data_home() / "inbox"
    err_console.print(f"Đang theo dõi / watching {folder} (mỗi / every {interval:g}s, Ctrl+C to stop)")
    try:
        with _stop_on_sigterm():
            serve_loop(str(inbox_dir) if inbox_dir else None, interval, 1 if once else None,
                       on_round, settle_seconds=settle, server=server, on_note=on_note)
    except KeyboardInterrupt:
        err_console.print("Đã dừng / stopped.")


# --- reading -----------------------------------------------------------------------------------

_DOCUMENT_COLUMNS = ["id", "document", "number", "issue_date", "admin_level", "locality",
                     "page_count", "text_mode", "target_count", "responsibility_count",
                     "deadline_count"]
_SHORT_HEADERS = {"page_count": "pages", "target_count": "targets",
                  "responsibility_count": "resp.", "deadline_count": "deadl.",
                  "admin_level": "level", "text_mode": "text"}


@app.command()
@_handles_errors
def documents(fmt: FormatOption = Format.table) -> None:
    """List stored documents with their facts; `outdated`: made by an older pipeline."""
    from pipeline import provenance

    producer = provenance.producer()
    with _session() as session:
        rows = store.query_documents(session)
    for row in rows:
        row["outdated"] = row["producer"] != producer
    columns = _DOCUMENT_COLUMNS + (["outdated"] if any(r["outdated"] for r in rows) else [])
    _emit(rows, fmt, columns, "Tài liệu / Documents", _ADD_PLANS_HINT)
    if fmt is Format.table and any(r["outdated"] for r in rows):
        console.print("outdated: làm bởi phiên bản cũ / made by an older pipeline: "
                      "plans reprocess --outdated")


@app.command()
@_handles_errors
def text(
    doc: Annotated[str, typer.Argument(help="Document id or file name.")],
    raw: Annotated[bool, typer.Option("--raw", help="The text before restoration.")] = False,
) -> None:
    """Print a stored document's text, pages separated by form feeds."""
    with _session() as session:
        document = store.find_document(session, doc)
        pages = store.query_pages(session, document.id)
    sys.stdout.write("\f".join(p["raw_text" if raw else "text"] for p in pages))
    sys.stdout.write("\n")


@app.command()
@_handles_errors
def restore(
    file: Annotated[Path, typer.Argument(help="A text file.")],
    diff: Annotated[bool, typer.Option("--diff", help="Show changed lines only.")] = False,
) -> None:
    """Print the restored text of a text file (same number of lines as the input)."""
    from pipeline.ingest import decode_text
    from pipeline.restore import restore_text

    if not file.is_file():
        raise errors.PlanError(str(file), vi="Không tìm thấy tệp.", en="File not found.")
    raw = decode_text(file.read_bytes())
    restored = restore_text(raw).text
    if not diff:
        sys.stdout.write(restored)
        return
    lines = difflib.unified_diff(raw.splitlines(), restored.splitlines(), "raw", "restored",
                                 lineterm="", n=0)
    sys.stdout.write("\n".join(lines) + "\n")


_TARGET_COLUMNS = ["document", "indicator", "comparator", "value", "value_max", "baseline", "unit",
                   "year", "locality", "page", "quote"]


@app.command()
@_handles_errors
def targets(
    document: Annotated[str | None, typer.Option(help="Document id or file name.")] = None,
    locality: Annotated[str | None, typer.Option()] = None,
    indicator: Annotated[str | None, typer.Option()] = None,
    dimension: Annotated[str | None, typer.Option()] = None,
    year: Annotated[str | None, typer.Option()] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Targets with their grounding."""
    with _session() as session:
        rows = store.query_targets(session, document=document, locality=locality,
                                   indicator=indicator, dimension=dimension, year=year)
    _emit(rows, fmt, _TARGET_COLUMNS, "Chỉ tiêu / Targets")


@app.command()
@_handles_errors
def responsibilities(
    document: Annotated[str | None, typer.Option()] = None,
    agency: Annotated[str | None, typer.Option(help="Part of the name, or a sector code.")] = None,
    role: Annotated[str | None, typer.Option(help="lead | support | assigned")] = None,
    locality: Annotated[str | None, typer.Option()] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Responsibilities (agency, role, task) with their grounding."""
    with _session() as session:
        rows = store.query_responsibilities(session, document=document, agency=agency,
                                            role=role, locality=locality)
    _emit(rows, fmt, ["document", "agency", "agency_code", "role", "task", "projects", "page"],
          "Trách nhiệm / Responsibilities")


@app.command()
@_handles_errors
def deadlines(
    document: Annotated[str | None, typer.Option()] = None,
    agency: Annotated[str | None, typer.Option()] = None,
    year: Annotated[str | None, typer.Option()] = None,
    locality: Annotated[str | None, typer.Option()] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Deadlines (dates, periods, recurrences) with their grounding."""
    with _session() as session:
        rows = store.query_deadlines(session, document=document, agency=agency, year=year,
                                     locality=locality)
    _emit(rows, fmt, ["document", "kind", "due_date", "period", "recurrence", "agency", "task",
                      "page"], "Thời hạn / Deadlines")


@app.command()
@_handles_errors
def findings(
    document: Annotated[str | None, typer.Option()] = None,
    kind: Annotated[str | None, typer.Option()] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Audit findings and the spans they point at."""
    with _session() as session:
        rows = store.query_findings(session, document=document, kind=kind)
    _emit(rows, fmt, ["document", "kind", "severity", "message"], "Phát hiện / Findings")


@app.command()
@_handles_errors
def compare(
    indicator: Annotated[str | None, typer.Option(help="Indicator code; none: the matrix.")] = None,
    locality: Annotated[list[str] | None, typer.Option(help="Repeat for each locality.")] = None,
    district: Annotated[str | None, typer.Option(help="All communes of this district.")] = None,
    year: Annotated[str | None, typer.Option()] = None,
    fmt: Annotated[CompareFormat, typer.Option("--format", "-f")] = CompareFormat.table,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="File for csv/xlsx.")] = None,
) -> None:
    """Localities side by side: one indicator, or the indicator x locality matrix."""
    from pipeline import compare as comparing

    with _session() as session:
        comparing.check_names(session, indicator, locality)
        if indicator:
            frame = comparing.comparison(session, indicator, locality, year=year,
                                         district=district)
            views = {indicator: frame}
        else:
            frame = comparing.matrix(session, locality, district=district)
            views = {"matrix": frame}
    if fmt is CompareFormat.xlsx:
        if out is None:
            raise errors.PlanError(vi="Cần --out cho xlsx.", en="--out is required for xlsx.")
        comparing.export_xlsx(views, out)
        err_console.print(f"Đã ghi / written: {out}")
        return
    if fmt is CompareFormat.csv:
        if out:
            comparing.export_csv(frame, out)
            err_console.print(f"Đã ghi / written: {out}")
        else:
            buffer = io.StringIO()
            frame.to_csv(buffer, index=False)
            sys.stdout.write(buffer.getvalue())
        return
    if frame.empty:
        console.print("Không có dữ liệu để so sánh / nothing to compare.")
        return
    if indicator:  # on screen: the value as written and its source; files keep every column
        shown = ["locality", "admin_level", "district", "display", "year", "document", "page",
                 "quote"]
        frame = frame[[c for c in shown if c in frame.columns]]
    table = Table(title=f"So sánh / Comparison: {indicator or 'matrix'}")
    for column in frame.columns:
        table.add_column(str(column), overflow="fold", max_width=50)
    for row in frame.itertuples(index=False):
        table.add_row(*[_cell(v if v == v else None) for v in row])
    console.print(table)


@app.command()
@_handles_errors
def web(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
) -> None:
    """The web app and its JSON API (read-only)."""
    import uvicorn

    from pipeline.web.app import create_app

    engine = store.get_engine(readonly=True)  # never migrates: a stale schema says so first
    err_console.print(f"http://{host}:{port}/  (Ctrl+C to stop)")
    uvicorn.run(create_app(engine), host=host, port=port, log_level="warning")


@app.command()
@_handles_errors
def migrate() -> None:
    """Create the database or bring its schema to this program's version."""
    revision = store.migrate(store.get_engine())
    err_console.print(f"Cơ sở dữ liệu đã cập nhật / database at schema {revision}: "
                      f"{store.database_url()}")


EXIT_GRACE_SECONDS = 30.0


def run() -> None:
    """The `plans` program: the app, with a deadline on the interpreter's own shutdown.

    Prefect's exit handlers wait for its API server without a limit (on a full disk they waited
    for good); past EXIT_GRACE_SECONDS the process leaves anyway with the command's exit code.
    """
    try:
        app()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        threading.Thread(target=_leave_after, args=(EXIT_GRACE_SECONDS, code), daemon=True,
                         name="exit-deadline").start()
        raise


def _leave_after(seconds: float, code: int) -> None:
    time.sleep(seconds)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
