"""`plans documents`, `text`, `restore`, the records, `search`, `compare`, `web`, `migrate`."""

from __future__ import annotations

import difflib
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text as RichText

from pipeline import errors, exports, queries, store
from pipeline.cli.common import (
    ADD_PLANS_HINT,
    DOCUMENT_COLUMNS,
    CompareFormat,
    Format,
    FormatOption,
    app,
    cell,
    console,
    emit,
    err_console,
    handles_errors,
    session_scope,
    with_unit_names,
)


@app.command()
@handles_errors
def documents(fmt: FormatOption = Format.table) -> None:
    """List stored documents with their facts; `outdated`: made by an older pipeline."""
    from pipeline import provenance

    producer = provenance.producer()
    with session_scope() as session:
        rows = queries.query_documents(session)
    for row in rows:
        row["outdated"] = row["producer"] != producer
    columns = DOCUMENT_COLUMNS + (["outdated"] if any(r["outdated"] for r in rows) else [])
    emit(with_unit_names(rows, fmt), fmt, columns, "Tài liệu / Documents", ADD_PLANS_HINT)
    if fmt is Format.table and any(r["outdated"] for r in rows):
        console.print("outdated: làm bởi phiên bản cũ / made by an older pipeline: "
                      "plans reprocess --outdated")


@app.command()
@handles_errors
def text(
    doc: Annotated[str, typer.Argument(help="Document id or file name.")],
    raw: Annotated[bool, typer.Option("--raw", help="The text before restoration.")] = False,
) -> None:
    """Print a stored document's text, pages separated by form feeds."""
    with session_scope() as session:
        document = queries.find_document(session, doc)
        pages = queries.query_pages(session, document.id)
    sys.stdout.write("\f".join(p["raw_text" if raw else "text"] for p in pages))
    sys.stdout.write("\n")


@app.command()
@handles_errors
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
@handles_errors
def targets(
    document: Annotated[str | None, typer.Option(help="Document id or file name.")] = None,
    locality: Annotated[str | None, typer.Option()] = None,
    indicator: Annotated[str | None, typer.Option()] = None,
    dimension: Annotated[str | None, typer.Option()] = None,
    year: Annotated[str | None, typer.Option()] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Targets with their grounding."""
    with session_scope() as session:
        rows = queries.query_targets(session, document=document, locality=locality,
                                   indicator=indicator, dimension=dimension, year=year)
    emit(with_unit_names(rows, fmt), fmt, _TARGET_COLUMNS, "Chỉ tiêu / Targets")


@app.command()
@handles_errors
def responsibilities(
    document: Annotated[str | None, typer.Option()] = None,
    agency: Annotated[str | None, typer.Option(help="Part of the name, or a sector code.")] = None,
    role: Annotated[str | None, typer.Option(help="lead | support | assigned")] = None,
    locality: Annotated[str | None, typer.Option()] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Responsibilities (agency, role, task) with their grounding."""
    with session_scope() as session:
        rows = queries.query_responsibilities(session, document=document, agency=agency,
                                            role=role, locality=locality)
    emit(rows, fmt, ["document", "agency", "agency_code", "role", "task", "projects", "page"],
          "Trách nhiệm / Responsibilities")


@app.command()
@handles_errors
def deadlines(
    document: Annotated[str | None, typer.Option()] = None,
    agency: Annotated[str | None, typer.Option()] = None,
    year: Annotated[str | None, typer.Option()] = None,
    locality: Annotated[str | None, typer.Option()] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Deadlines (dates, periods, recurrences) with their grounding."""
    with session_scope() as session:
        rows = queries.query_deadlines(session, document=document, agency=agency, year=year,
                                     locality=locality)
    emit(rows, fmt, ["document", "kind", "due_date", "period", "recurrence", "agency", "task",
                      "page"], "Thời hạn / Deadlines")


@app.command()
@handles_errors
def findings(
    document: Annotated[str | None, typer.Option()] = None,
    kind: Annotated[str | None, typer.Option()] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Audit findings and the spans they point at."""
    from pipeline.audit import KIND_LABELS

    with session_scope() as session:
        rows = queries.query_findings(session, document=document, kind=kind)
    if fmt is Format.table:  # people read the kind in Vietnamese; programs keep the code
        rows = [{**r, "kind": KIND_LABELS.get(r["kind"], r["kind"])} for r in rows]
    emit(rows, fmt, ["document", "kind", "severity", "message"], "Phát hiện / Findings")


@app.command()
@handles_errors
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

    with session_scope() as session:
        found = searching.search(session, query, anywhere=anywhere, document=document,
                                 locality=locality, admin_level=level, year=year, limit=limit,
                                 facets=False)
    if fmt is not Format.table:
        emit(found.hits, fmt, [], "")
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
@handles_errors
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
    with session_scope() as session:
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
        table.add_row(*[cell(v if v == v else None) for v in row])
    console.print(table)


@app.command()
@handles_errors
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
@handles_errors
def migrate() -> None:
    """Create the database or bring its schema to this program's version."""
    revision = store.migrate(store.get_engine())
    err_console.print(f"Cơ sở dữ liệu đã cập nhật / database at schema {revision}: "
                      f"{store.database_url()}")
