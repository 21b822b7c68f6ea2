"""What every `plans` command shares: the typer app, error handling, tables, JSON and CSV.

Commands print tables for people and JSON/CSV for programs; errors are one sentence in
Vietnamese and English with a non-zero exit code, and a traceback only with --debug.
"""

from __future__ import annotations

import functools
import json
import sys
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from pipeline import errors, exports, faults, store

app = typer.Typer(
    help="Kế hoạch giảm nghèo -> bản ghi có dẫn chứng. Plans in, grounded records out.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
)
# Tables are for people: keep them readable when the output goes to a file or a pipe too.
console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True)
options = {"debug": False, "finished": False}


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
    options["debug"] = debug


def handles_errors(command):
    """Turn typed errors into one clear message and their exit code."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except errors.PlanError as exc:
            if options["debug"]:
                err_console.print_exception()
            err_console.print(f"[red]Lỗi / Error:[/red] {exc.message}", highlight=False)
            raise typer.Exit(exc.exit_code) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001
            if options["debug"]:
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


def jsonable(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


ADD_PLANS_HINT = ("Thêm kế hoạch / add plans: plans ingest TỆP... "
                   "(or copy them into data/inbox and run plans serve)")


def emit(rows: list[dict], fmt: Format, columns: list[str], title: str,
          empty_hint: str | None = None) -> None:
    """Print records as a rich table, a JSON array or CSV."""
    if fmt is Format.json:
        clean = [{k: jsonable(v) for k, v in row.items()} for row in rows]
        sys.stdout.write(json.dumps(clean, ensure_ascii=False, indent=2) + "\n")
        return
    if fmt is Format.csv:
        keys = list(rows[0].keys()) if rows else columns
        exports.write_csv([{k: csv_value(row.get(k)) for k in keys} for row in rows], keys,
                          sys.stdout)
        return
    if not rows:
        console.print(f"{title}: không có bản ghi nào / no records.")
        if empty_hint:
            console.print(empty_hint)
        return
    table = Table(title=f"{title} ({len(rows)})", show_lines=False)
    for column in columns:
        table.add_column(SHORT_HEADERS.get(column, column), overflow="fold",
                         max_width=60 if column in ("quote", "task") else 28,
                         no_wrap=column in ("id", "page", "value", "comparator", "unit"))
    for row in rows:
        table.add_row(*[cell(row.get(c)) for c in columns])
    console.print(table)


def csv_value(value):
    """Numbers stay numbers (exports.write_csv leaves them bare); the rest as cell shows it."""
    return value if isinstance(value, int | float) and not isinstance(value, bool) \
        else cell(value)


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(jsonable(value))


def session_scope():
    return store.session_scope(store.get_engine())



DOCUMENT_COLUMNS = ["id", "document", "number", "issue_date", "admin_level", "locality",
                     "official_name", "successor_names", "page_count", "text_mode",
                     "target_count", "responsibility_count", "deadline_count"]
SHORT_HEADERS = {"page_count": "pages", "target_count": "targets",
                  "responsibility_count": "resp.", "deadline_count": "deadl.",
                  "admin_level": "level", "text_mode": "text",
                  "official_name": "đơn vị / official unit", "successor_names": "sau 1/7/2025"}


def with_unit_names(rows: list[dict], fmt: Format) -> list[dict]:
    """For tables: the official unit with its district and province, and its successors."""
    if fmt is not Format.table:
        return rows
    def after(units: list[dict] | None) -> str:
        names = [u["name"] for u in units or []]
        more = f" … (+{len(names) - 3})" if len(names) > 3 else ""
        return ", ".join(names[:3]) + more + (f" ({units[0]['province']})" if units else "")

    return [{**r, "official_name": (r.get("unit_code") or {}).get("full_name"),
             "successor_names": after(r.get("successor"))} for r in rows]
