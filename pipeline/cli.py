"""`plans`: the command line of the contract in ARCHITECTURE.md (typer + rich).

Commands print tables for people and JSON/CSV for programs; errors are one sentence in
Vietnamese and English with a non-zero exit code, and a traceback only with --debug.
"""

from __future__ import annotations

import difflib
import functools
import json
import sys
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text as RichText

from pipeline import errors, exports, queries, store

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
        exports.write_csv([{k: _csv_value(row.get(k)) for k in keys} for row in rows], keys,
                          sys.stdout)
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


def _csv_value(value):
    """Numbers stay numbers (exports.write_csv leaves them bare); the rest as _cell shows it."""
    return value if isinstance(value, int | float) and not isinstance(value, bool) \
        else _cell(value)


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


@app.command()
@_handles_errors
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of plans.")],
    force: Annotated[bool, typer.Option(help="Process again files already stored.")] = False,
) -> None:
    """Process files now through the Prefect flow; exit 1 when any file failed."""
    from pipeline import inbox, progress

    files = _expand(paths)
    if not files:
        raise errors.PlanError(vi="Không có tệp nào để xử lý.", en="No files to process.")
    store.get_engine()  # fail fast on a bad PLANS_DB_URL, before Prefect starts
    from flows.server import start_temporary_server

    server = start_temporary_server()  # before Prefect is imported: it reads PREFECT_API_URL once
    from flows.reading import Prefetch

    # OCR starts while Prefect is imported and its server starts
    prefetch = Prefetch([str(p) for p in files], force=force).start()
    from flows.process import process_files

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("trang/pages"), TimeElapsedColumn(), console=err_console,
                  transient=False) as bars:
        listener = _ProgressBars(bars)
        progress.subscribe(listener)
        try:
            outcomes = process_files([str(p) for p in files], server, prefetch, force=force,
                                     debug=_options["debug"])
        finally:
            progress.unsubscribe(listener)
    folders = inbox.Folders(store.data_home()).create()
    failed = [o for o in outcomes if o.status == "failed"]
    for outcome in failed:
        name = Path(outcome.path).name
        inbox.set_aside_copy(Path(outcome.path), folders, outcome.error)
        err_console.print(f"[red]✗ {name}[/red]: {outcome.error['message_vi']} / "
                          f"{outcome.error['message_en']}"
                          + (f" ({outcome.error['detail']})" if outcome.error.get("detail") else ""),
                          highlight=False)
    stored_ids = {o.sha256 for o in outcomes if o.status in ("processed", "duplicate")}
    with _session() as session:
        rows = [r for r in queries.query_documents(session) if r["sha256"] in stored_ids]
    _emit(_with_unit_names(rows, Format.table), Format.table, _DOCUMENT_COLUMNS, "Đã lưu / Stored")
    counts = {s: sum(o.status == s for o in outcomes) for s in ("processed", "duplicate", "failed")}
    err_console.print(f"Đã xử lý / processed: {counts['processed']}, "
                      f"trùng / already stored: {counts['duplicate']}, lỗi / failed: {counts['failed']}")
    if failed:
        raise typer.Exit(1)


@app.command()
@_handles_errors
def serve(
    inbox_dir: Annotated[Path | None, typer.Option("--inbox", help="Folder to watch.")] = None,
    interval: Annotated[float, typer.Option(help="Seconds between rounds.")] = 10.0,
    once: Annotated[bool, typer.Option(help="One round, then exit.")] = False,
) -> None:
    """Keep watching the inbox: each settled file goes to processed/ or failed/."""
    store.get_engine()
    from flows.watch import serve as serve_loop

    folder = inbox_dir or store.data_home() / "inbox"
    err_console.print(f"Đang theo dõi / watching {folder} (mỗi / every {interval:g}s, Ctrl+C to stop)")

    def on_round(outcomes, exc) -> None:
        if exc is not None:
            err_console.print(f"[red]Lỗi vòng quét / round failed:[/red] {exc}")
        for outcome in outcomes:
            mark = "[red]✗[/red]" if outcome.status == "failed" else "[green]✓[/green]"
            note = f": {outcome.error['message_vi']} / {outcome.error['message_en']}" \
                if outcome.error else ""
            err_console.print(f"{mark} {Path(outcome.path).name} ({outcome.status}){note}",
                              highlight=False)

    try:
        serve_loop(str(inbox_dir) if inbox_dir else None, interval, 1 if once else None, on_round)
    except KeyboardInterrupt:
        err_console.print("Đã dừng / stopped.")


# --- reading -----------------------------------------------------------------------------------

_DOCUMENT_COLUMNS = ["id", "document", "number", "issue_date", "admin_level", "locality",
                     "official_name", "successor_names", "page_count", "text_mode",
                     "target_count", "responsibility_count", "deadline_count"]
_SHORT_HEADERS = {"page_count": "pages", "target_count": "targets",
                  "responsibility_count": "resp.", "deadline_count": "deadl.",
                  "admin_level": "level", "text_mode": "text",
                  "official_name": "đơn vị / official unit", "successor_names": "sau 1/7/2025"}


def _with_unit_names(rows: list[dict], fmt: Format) -> list[dict]:
    """For tables: the official unit with its district and province, and its successors."""
    if fmt is not Format.table:
        return rows
    def after(units: list[dict] | None) -> str:
        names = [u["name"] for u in units or []]
        more = f" … (+{len(names) - 3})" if len(names) > 3 else ""
        return ", ".join(names[:3]) + more + (f" ({units[0]['province']})" if units else "")

    return [{**r, "official_name": (r.get("unit_code") or {}).get("full_name"),
             "successor_names": after(r.get("successor"))} for r in rows]


@app.command()
@_handles_errors
def documents(fmt: FormatOption = Format.table) -> None:
    """List stored documents with their facts."""
    with _session() as session:
        rows = queries.query_documents(session)
    _emit(_with_unit_names(rows, fmt), fmt, _DOCUMENT_COLUMNS, "Tài liệu / Documents",
          _ADD_PLANS_HINT)


@app.command()
@_handles_errors
def text(
    doc: Annotated[str, typer.Argument(help="Document id or file name.")],
    raw: Annotated[bool, typer.Option("--raw", help="The text before restoration.")] = False,
) -> None:
    """Print a stored document's text, pages separated by form feeds."""
    with _session() as session:
        document = queries.find_document(session, doc)
        pages = queries.query_pages(session, document.id)
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
                   "year", "locality", "successor_names", "page", "quote"]


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
        rows = queries.query_targets(session, document=document, locality=locality,
                                   indicator=indicator, dimension=dimension, year=year)
    _emit(_with_unit_names(rows, fmt), fmt, _TARGET_COLUMNS, "Chỉ tiêu / Targets")


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
        rows = queries.query_responsibilities(session, document=document, agency=agency,
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
        rows = queries.query_deadlines(session, document=document, agency=agency, year=year,
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
    from pipeline.audit import KIND_LABELS

    with _session() as session:
        rows = queries.query_findings(session, document=document, kind=kind)
    if fmt is Format.table:  # people read the kind in Vietnamese; programs keep the code
        rows = [{**r, "kind": KIND_LABELS.get(r["kind"], r["kind"])} for r in rows]
    _emit(rows, fmt, ["document", "kind", "severity", "message"], "Phát hiện / Findings")


@app.command()
@_handles_errors
def search(
    query: Annotated[str, typer.Argument(help="Words or a phrase; without accents it matches "
                                              "any accents, with accents exactly those.")],
    document: Annotated[str | None, typer.Option(help="Document id or file name.")] = None,
    locality: Annotated[str | None, typer.Option(help="The plan's place (any of its names).")] = None,
    level: Annotated[str | None, typer.Option(help="xã | phường | huyện | tỉnh ...")] = None,
    year: Annotated[str | None, typer.Option(help="Year the plan was issued.")] = None,
    anywhere: Annotated[bool, typer.Option(
        "--anywhere", "-a", help="Every word anywhere in one sentence, not the phrase.")] = False,
    limit: Annotated[int, typer.Option(help="Most hits shown (best first).")] = 50,
    fmt: FormatOption = Format.table,
) -> None:
    """Phrases across every stored page, best first, each hit grounded in its sentence."""
    from pipeline import search as searching

    with _session() as session:
        found = searching.search(session, query, anywhere=anywhere, document=document,
                                 locality=locality, admin_level=level, year=year, limit=limit,
                                 facets=False)
    if fmt is not Format.table:
        _emit(found.hits, fmt, [], "")
        return
    if not found.hits:
        console.print(f"Không tìm thấy “{query}” / no sentence holds it.")
        return
    table = Table(title=f"Tìm / Search “{query}”: {found.total} câu / sentences"
                        + (f" (hiện / showing {len(found.hits)})" if found.total > len(found.hits)
                           else ""))
    for name in ("document", "page", "char_start", "quote"):
        table.add_column(name, overflow="fold", max_width=90 if name == "quote" else 28)
    for hit in found.hits:
        quote = RichText(hit["quote"])
        for start, end in hit["matches"]:
            quote.stylize("bold yellow", start - hit["char_start"], end - hit["char_start"])
        table.add_row(hit["document"], str(hit["page"]), str(hit["char_start"]), quote)
    console.print(table)


@app.command()
@_handles_errors
def compare(
    indicator: Annotated[str | None, typer.Option(help="Indicator code; none: the matrix.")] = None,
    locality: Annotated[list[str] | None, typer.Option(help="Repeat for each locality.")] = None,
    district: Annotated[str | None, typer.Option(help="All communes of this district.")] = None,
    year: Annotated[str | None, typer.Option()] = None,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="A date (YYYY-MM-DD); from 2025-07-01 on, localities are grouped by "
                        "the units they became (today's map).")] = None,
    fmt: Annotated[CompareFormat, typer.Option("--format", "-f")] = CompareFormat.table,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="File for csv/xlsx.")] = None,
) -> None:
    """Localities side by side: one indicator, or the indicator x locality matrix."""
    from pipeline import compare as comparing

    when = comparing.parse_as_of(as_of)
    with _session() as session:
        comparing.check_names(session, indicator, locality, as_of=when)
        if indicator:
            frame = comparing.comparison(session, indicator, locality, year=year,
                                         district=district, as_of=when)
            views = {indicator: frame}
        else:
            frame = comparing.matrix(session, locality, district=district, as_of=when)
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
            exports.frame_csv(frame, sys.stdout)
        return
    if frame.empty:
        console.print("Không có dữ liệu để so sánh / nothing to compare.")
        return
    if indicator:  # on screen: the value as written and its source; files keep every column
        shown = ["locality", "admin_level", "district", "display", "year", "document", "page",
                 "quote"]
        if when is not None and when >= comparing.REORGANISATION:
            shown.insert(0, "today")
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
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    allowed_host: Annotated[list[str] | None, typer.Option(
        "--allowed-host", help="A host name the app answers to (repeat; '*' for any). "
        "Default: 127.0.0.1, localhost and the --host address.")] = None,
) -> None:
    """The web app and its JSON API (read-only)."""
    import uvicorn

    from pipeline.web.app import create_app
    from pipeline.web.guard import DEFAULT_ALLOWED_HOSTS

    engine = store.get_engine(readonly=True)  # never migrates: a stale schema says so first
    hosts = list(DEFAULT_ALLOWED_HOSTS) + list(allowed_host or [])
    listening = f"[{host}]" if ":" in host else host  # an IPv6 address, as a Host header has it
    if host not in ("0.0.0.0", "::", "") and listening not in hosts:
        hosts.append(listening)
    err_console.print(f"http://{host}:{port}/  (Ctrl+C to stop; "
                      f"tên máy được phục vụ / hosts served: {', '.join(hosts)})")
    uvicorn.run(create_app(engine, hosts), host=host, port=port, log_level="warning")


@app.command()
@_handles_errors
def migrate() -> None:
    """Create the database or bring its schema to this program's version."""
    revision = store.migrate(store.get_engine())
    err_console.print(f"Cơ sở dữ liệu đã cập nhật / database at schema {revision}: "
                      f"{store.database_url()}")


if __name__ == "__main__":
    app()
