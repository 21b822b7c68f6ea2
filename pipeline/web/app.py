"""`plans web`: read-only pages (in Vietnamese) and a JSON API over the stored plans.

Routes are thin views: they call pipeline.store / pipeline.compare and hand the rows to a
Jinja2 template (autoescaped) or return them as JSON. Nothing from a request is ever opened
as a file; static assets come from this package's folder only, nothing from a CDN.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import sqlalchemy
from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from pipeline import compare, errors, numbers, queries, store
from pipeline.web import guard, render, search_views, tree

WEB_DIR = Path(__file__).resolve().parent
TEMPLATE_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"

TARGET_SORT_KEYS = ("document", "indicator", "dimension", "locality", "year", "value",
                    "comparator", "page", "confidence")


# ---------------------------------------------------------------- JSON schema (OpenAPI)

class _Open(BaseModel):
    """Rows keep every key the store returns; the fields below are the documented ones."""

    model_config = ConfigDict(extra="allow")


class GroundingOut(_Open):
    document_id: int | None = None
    page: int
    char_start: int
    char_end: int
    quote: str


class DocumentOut(_Open):
    id: int
    sha256: str | None = None
    document: str
    status: str | None = None
    doc_type: str | None = None
    number: str | None = None
    issue_date: date | None = None
    issuer: str | None = None
    admin_level: str | None = None
    locality: str | None = None
    district: str | None = None
    province: str | None = None
    period_start: int | None = None
    period_end: int | None = None
    text_mode: str | None = None
    page_count: int | None = None
    target_count: int | None = None
    responsibility_count: int | None = None
    deadline_count: int | None = None
    finding_count: int | None = None
    unit_code: dict | None = None  # the official unit as of the plan's date (pipeline/units.py)
    successor: list[dict] | None = None  # the unit(s) it became on 1 July 2025


class PageOut(_Open):
    number: int
    text: str
    source: str | None = None
    confidence: float | None = None
    tables: list[dict] = []  # the tables the page's layout gave: box, cells (grid place, span, box)


class DocumentTextOut(BaseModel):
    document_id: int
    document: str
    raw: bool
    pages: list[PageOut]


class TargetOut(_Open):
    id: int
    document: str
    document_id: int
    indicator: str
    dimension: str | None = None
    comparator: str | None = None
    value: float | None = None
    value_max: float | None = None
    baseline: float | None = None
    unit: str | None = None
    year: str | None = None
    locality: str | None = None
    unit_code: dict | None = None
    successor: list[dict] | None = None
    page: int
    char_start: int
    char_end: int
    quote: str


class ResponsibilityOut(_Open):
    id: int
    document: str
    document_id: int
    agency: str | None = None
    agency_code: str | None = None
    role: str | None = None
    task: str | None = None
    projects: list[str] = []
    page: int
    char_start: int
    char_end: int
    quote: str


class DeadlineOut(_Open):
    id: int
    document: str
    document_id: int
    kind: str | None = None
    due_date: date | None = None
    period: str | None = None
    recurrence: str | None = None
    agency: str | None = None
    task: str | None = None
    page: int
    char_start: int
    char_end: int
    quote: str


class FindingOut(_Open):
    id: int
    document: str | None = None
    document_id: int | None = None
    kind: str
    severity: str
    message: str
    groundings: list[GroundingOut] = []


class ErrorOut(BaseModel):
    error: str
    message: str
    detail: str = ""


# ---------------------------------------------------------------- helpers (no domain logic)

def _session(request: Request) -> Iterator[Session]:
    """One read session per request, on the engine create_app was given (never committed)."""
    with store.read_session(request.app.state.engine) as session:
        yield session


DbSession = Annotated[Session, Depends(_session)]
Names = Annotated[list[str] | None, Query()]  # a repeatable query parameter


def _clean(value: Any) -> Any:
    """NaN (pandas' missing value) becomes None so that JSON and templates see nothing."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is not None and type(value).__name__ in ("NaTType", "NAType"):
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            return value.item()  # numpy scalar -> Python
        except (ValueError, AttributeError):
            return value
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        return value.date()
    return value


def _frame_rows(frame: Any) -> list[dict]:
    """A DataFrame (or list of dicts) as plain dicts with NaN turned into None."""
    rows = frame.to_dict(orient="records") if hasattr(frame, "to_dict") else list(frame)
    return [{str(k): _clean(v) for k, v in row.items()} for row in rows]


def _document_dict(session: Session, doc_id: str) -> dict:
    """The store's facts of one document given its id or file name (404 when unknown)."""
    row = queries.find_document(session, doc_id)
    for doc in queries.query_documents(session):
        if doc["id"] == row.id:
            return doc
    raise errors.DocumentNotFound(str(doc_id))


def _year(year: str | None) -> str | None:
    return year.strip() if year and year.strip() else None


def _names(values: list[str] | None) -> list[str]:
    return [v.strip() for v in values or [] if v and v.strip()]


def _blank(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


def _target_filters(indicator, dimension, locality, year, document) -> dict:
    return {"indicator": _blank(indicator), "dimension": _blank(dimension),
            "locality": _blank(locality), "year": _year(year), "document": _blank(document)}


def _sorted(rows: list[dict], key: str | None, order: str) -> list[dict]:
    """Rows sorted on one column, missing values last, for the sortable tables."""
    if not key or key not in TARGET_SORT_KEYS:
        return rows
    present = [r for r in rows if r.get(key) is not None]
    missing = [r for r in rows if r.get(key) is None]
    present.sort(key=lambda r: (r[key] if isinstance(r[key], (int, float)) else str(r[key])),
                 reverse=order == "desc")
    return present + missing


def _anchor_href(document_id: int | None, page: int, start: int, end: int,
                 anchor: str | None = None) -> str:
    """Link to a span on its document page: a record anchor, or a span the page highlights."""
    if document_id is None:
        return ""
    if anchor:
        return f"/documents/{document_id}#{anchor}"
    return f"/documents/{document_id}?span={page}:{start}:{end}#s-{page}-{start}-{end}"


def _parse_spans(spans: list[str]) -> list[tuple[int, int, int]]:
    """`page:start:end` query values (finding links) as integers; malformed ones are ignored."""
    parsed = []
    for item in spans:
        parts = item.split(":")
        numbers = [queries.as_id(p) for p in parts]
        if len(parts) == 3 and None not in numbers:
            parsed.append((numbers[0], numbers[1], numbers[2]))
    return parsed


def _page_highlights(page: int, targets, responsibilities, deadlines, spans) -> list:
    marks = []
    for kind, rows, prefix in (("target", targets, "t"), ("deadline", deadlines, "d"),
                               ("responsibility", responsibilities, "r")):
        for row in rows:
            if row.get("page") == page:
                marks.append(render.Highlight(row["char_start"], row["char_end"], kind,
                                              f"{prefix}-{row['id']}", _title(kind, row)))
    for number, start, end in spans:
        if number == page:
            marks.append(render.Highlight(start, end, "finding", f"s-{number}-{start}-{end}",
                                          "Đoạn được dẫn tới (phát hiện kiểm tra, kết quả tìm kiếm)"))
    return marks


def _title(kind: str, row: dict) -> str:
    if kind == "target":
        return f"Chỉ tiêu: {row.get('indicator') or ''}"
    if kind == "deadline":
        return f"Thời hạn: {row.get('due_date') or row.get('period') or ''}"
    return f"Trách nhiệm: {row.get('agency') or ''}"


def _empty_database(session: Session) -> bool:
    return not queries.query_documents(session)


def _export_frame(rows: list[dict]):
    import pandas as pd

    return pd.DataFrame(rows)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


# ---------------------------------------------------------------- routes: pages

pages = APIRouter(include_in_schema=False)


def _page(request: Request, name: str, status_code: int = 200, **context) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    context.setdefault("labels", render)
    context.setdefault("fmt", render.format_number)
    context.setdefault("indicator_label", render.indicator_label)
    context.setdefault("value_text", numbers.format_value)
    return templates.TemplateResponse(request, name, context, status_code=status_code)


@pages.get("/", response_class=HTMLResponse)
def documents_page(request: Request, session: DbSession):
    """Tài liệu: every stored document with its status and facts."""
    documents = queries.query_documents(session)
    return _page(request, "documents.html", documents=documents, active="documents")


@pages.get("/documents/{doc_id}", response_class=HTMLResponse)
def document_page(request: Request, session: DbSession, doc_id: str, span: Names = None):
    """One document: its text with every record highlighted in place, and the records beside."""
    doc = _document_dict(session, doc_id)
    key = str(doc["id"])
    targets = queries.query_targets(session, document=key)
    responsibilities = queries.query_responsibilities(session, document=key)
    deadlines = queries.query_deadlines(session, document=key)
    findings = queries.query_findings(session, document=key)
    spans = _parse_spans(span or [])
    tables = queries.query_page_tables(session, doc["id"])
    shown_pages = []
    for page in queries.query_pages(session, doc["id"]):
        marks = _page_highlights(page["number"], targets, responsibilities, deadlines, spans)
        on_page = [t for t in tables if t["page"] == page["number"]]
        shown_pages.append({**page, "html": render.page_html(page["text"] or "", marks, on_page)})
    return _page(request, "document.html", doc=doc, pages=shown_pages, targets=targets,
                 responsibilities=responsibilities, deadlines=deadlines, findings=findings,
                 active="documents", anchor_href=_anchor_href)


@pages.get("/targets", response_class=HTMLResponse)
def targets_page(request: Request, session: DbSession, indicator: str | None = None,
                 dimension: str | None = None, locality: str | None = None, year: str | None = None,
                 document: str | None = None, sort: str | None = None, order: str = "asc"):
    """Chỉ tiêu: every target, filtered and sorted on the server, with CSV/XLSX export links."""
    filters = _target_filters(indicator, dimension, locality, year, document)
    rows = _sorted(queries.query_targets(session, **filters), sort, order)
    all_rows = queries.query_targets(session)
    choices = {
        "indicator": sorted({r["indicator"] for r in all_rows if r.get("indicator")}),
        "dimension": [d for d in render.DIMENSION_LABELS
                      if any(r.get("dimension") == d for r in all_rows)],
        "locality": sorted({r.get("locality") or r.get("doc_locality") for r in all_rows
                            if r.get("locality") or r.get("doc_locality")}),
        "year": sorted({str(r["year"]) for r in all_rows if r.get("year")}),
        "document": sorted({r["document"] for r in all_rows if r.get("document")}),
    }
    query = str(request.url.query)
    return _page(request, "targets.html", rows=rows, filters=filters, choices=choices,
                 sort=sort, order=order, query=query, active="targets",
                 empty=_empty_database(session), sort_keys=TARGET_SORT_KEYS)


@pages.get("/targets/export.{fmt}", response_class=Response)
def targets_export(session: DbSession, fmt: str, indicator: str | None = None,
                   dimension: str | None = None, locality: str | None = None,
                   year: str | None = None, document: str | None = None,
                   sort: str | None = None, order: str = "asc"):
    """The filtered targets table as CSV or XLSX (through compare.export_*)."""
    filters = _target_filters(indicator, dimension, locality, year, document)
    rows = _sorted(queries.query_targets(session, **filters), sort, order)
    return _export_response({"chi_tieu": _export_frame(rows)}, fmt, "chi-tieu")


@pages.get("/compare", response_class=HTMLResponse)
def compare_page(request: Request, session: DbSession, indicator: str | None = None,
                 dimension: str | None = None, locality: Names = None,
                 district: str | None = None, year: str | None = None, today: Names = None,
                 as_of: str | None = None):
    """So sánh: localities (or all communes of a district) side by side, one chart each;
    `today` names units of today's map, and `as_of` (a date from 2025-07-01) groups by them."""
    view = _comparison_views(session, _blank(indicator), _blank(dimension),
                             _names(locality) + _names(today), _blank(district), _year(year),
                             as_of=_as_of(as_of, today))
    return _page(request, "compare.html", active="compare", query=str(request.url.query),
                 empty=_empty_database(session), **view)


@pages.get("/compare/export.{fmt}", response_class=Response)
def compare_export(session: DbSession, fmt: str, indicator: str | None = None,
                   dimension: str | None = None, locality: Names = None,
                   district: str | None = None, year: str | None = None, today: Names = None,
                   as_of: str | None = None):
    """The comparison as CSV (one table) or XLSX (one sheet per indicator)."""
    view = _comparison_views(session, _blank(indicator), _blank(dimension),
                             _names(locality) + _names(today), _blank(district), _year(year),
                             as_of=_as_of(as_of, today))
    frames = {block["indicator"]: block["frame"] for block in view["blocks"]}
    return _export_response(frames, fmt, "so-sanh")


@pages.get("/findings", response_class=HTMLResponse)
def findings_page(request: Request, session: DbSession, kind: str | None = None,
                  document: str | None = None):
    """Phát hiện kiểm tra: audit findings, each linked to the spans it points at."""
    findings = queries.query_findings(session, document=_blank(document), kind=_blank(kind))
    all_kinds = sorted({f["kind"] for f in queries.query_findings(session)})
    for finding in findings:
        finding["links"] = [
            {**g, "href": _anchor_href(g.get("document_id") or finding.get("document_id"),
                                       g["page"], g["char_start"], g["char_end"])}
            for g in finding.get("groundings") or []]
    return _page(request, "findings.html", findings=findings, kinds=all_kinds, kind=kind,
                 active="findings", empty=_empty_database(session))


@pages.get("/api", response_class=HTMLResponse)
def api_page(request: Request):
    """A local list of the JSON endpoints (Swagger UI would load from a CDN, so it is off)."""
    routes = [{"path": path, "summary": (op.get("description") or op.get("summary") or "")
               .split("\n")[0], "params": [p["name"] for p in op.get("parameters", [])]}
              for path, item in request.app.openapi()["paths"].items()
              for op in [item.get("get") or {}]]
    return _page(request, "api.html", routes=routes, active="api")


def _export_response(frames: dict, fmt: str, stem: str) -> Response:
    """Write the export to a private temp file with compare.export_* and send its bytes."""
    if fmt not in ("csv", "xlsx"):
        return PlainTextResponse("Định dạng không hỗ trợ: dùng csv hoặc xlsx.", status_code=404)
    with tempfile.TemporaryDirectory(prefix="plans-web-") as tmp:
        out = Path(tmp) / f"{stem}.{fmt}"
        if fmt == "csv":
            import pandas as pd

            frame = pd.concat(list(frames.values()), ignore_index=True) if frames else \
                pd.DataFrame()
            compare.export_csv(frame, out)
            media = "text/csv; charset=utf-8"
        else:
            compare.export_xlsx(frames, out)
            media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        body = out.read_bytes()
    headers = {"Content-Disposition": f'attachment; filename="{stem}.{fmt}"'}
    return Response(body, media_type=media, headers=headers)


def _as_of(as_of: str | None, today: list[str] | None) -> date | None:
    """The map a comparison is grouped on: today's when asked, or when a unit of it is picked."""
    return compare.parse_as_of(as_of) or (compare.REORGANISATION if _names(today) else None)


def _comparison_views(session: Session, indicator: str | None, dimension: str | None,
                      localities: list[str], district: str | None, year: str | None,
                      form: bool = True, as_of: date | None = None) -> dict:
    """The comparison blocks (table rows + chart) for the chosen indicators and localities;
    with `form`, also the names the page offers to pick from (as a tree)."""
    known_localities = list(compare.known_localities(session)) if form else []
    known_indicators = list(compare.known_indicators(session)) if form or not indicator else []
    districts = sorted({d["district"] for d in queries.query_documents(session)
                        if d.get("district")}) if form else []
    chosen = {"indicator": indicator, "dimension": dimension, "localities": localities,
              "district": district, "year": year, "as_of": as_of}
    base = {"known_localities": known_localities, "known_indicators": known_indicators,
            "districts": districts, "chosen": chosen, "blocks": [],
            "tree": tree.locality_tree(session) if form else []}
    if not (localities or district or indicator or dimension):
        return base
    if indicator:
        indicators = [indicator]
    else:
        table = {code: i for i, code in enumerate(known_indicators)}
        found = {t["indicator"] for t in queries.query_targets(session, dimension=dimension)}
        indicators = sorted(found, key=lambda c: (table.get(c, len(table)), c))
    if not indicators:  # compare.comparison checks the names itself; here nothing will
        compare.check_names(session, localities=localities, as_of=as_of)
    blocks = []
    for name in indicators:
        frame = compare.comparison(session, name, localities or None, year=year,
                                   district=district, as_of=as_of)
        code = frame.attrs.get("indicator", name)
        rows = _frame_rows(frame)
        if indicator is None and all(r.get("value") is None for r in rows):
            continue
        values = [r["value"] for r in rows if r.get("value") is not None]
        differs = len(set(values)) > 1
        for row in rows:
            row["href"] = _anchor_href(row.get("document_id"), row.get("page") or 0,
                                       row.get("char_start") or 0, row.get("char_end") or 0,
                                       f"t-{row['target_id']}" if row.get("target_id") else
                                       (f"t-{row['id']}" if row.get("id") else None))
            row["mark"] = ("max" if differs and row.get("value") == max(values) else
                           "min" if differs and row.get("value") == min(values) else "")
        units = {r.get("unit") or "" for r in rows if r.get("value") is not None}
        unit = next(iter(units)) if len(units) == 1 else ""
        bars = [render.Bar(str(r.get("locality") or "?"), r.get("value"),
                           r.get("display") or numbers.format_value(r)) for r in rows]
        chart = render.bar_chart(render.indicator_label(code), bars, unit)
        blocks.append({"indicator": code, "rows": rows, "differs": differs, "chart": chart,
                       "spread": (max(values) - min(values)) if differs else None,
                       "unit": unit, "mixed_units": len(units) > 1, "frame": frame})
    base["blocks"] = blocks
    return base


# ---------------------------------------------------------------- routes: JSON API

api = APIRouter(prefix="/api", tags=["api"],
                responses={400: {"model": ErrorOut}, 404: {"model": ErrorOut}})


@api.get("/documents", response_model=list[DocumentOut])
def api_documents(session: DbSession):
    """Every stored document with its facts and record counts."""
    return queries.query_documents(session)


@api.get("/documents/{doc_id}", response_model=DocumentOut)
def api_document(session: DbSession, doc_id: str):
    """One document (by id or file name)."""
    return _document_dict(session, doc_id)


@api.get("/documents/{doc_id}/text", response_model=DocumentTextOut)
def api_document_text(session: DbSession, doc_id: str, raw: bool = False):
    """The stored page texts; the spans of every record point into `text` (raw: before
    restoration)."""
    doc = _document_dict(session, doc_id)
    tables = [] if raw else queries.query_page_tables(session, doc["id"])
    shown = []
    for page in queries.query_pages(session, doc["id"]):
        page = dict(page)
        page["text"] = page.get("raw_text") if raw else page.get("text")
        page.pop("offsets", None)
        page["tables"] = [t for t in tables if t["page"] == page["number"]]
        shown.append(page)
    return {"document_id": doc["id"], "document": doc["document"], "raw": raw, "pages": shown}


@api.get("/targets", response_model=list[TargetOut])
def api_targets(session: DbSession, indicator: str | None = None,
                dimension: str | None = None,
                locality: str | None = None, year: str | None = None,
                document: str | None = None):
    """Targets, each with its document and grounding (page, span, quote)."""
    return queries.query_targets(session, **_target_filters(indicator, dimension, locality, year,
                                                          document))


@api.get("/responsibilities", response_model=list[ResponsibilityOut])
def api_responsibilities(session: DbSession, document: str | None = None,
                         agency: str | None = None,
                         role: str | None = None, locality: str | None = None):
    """Tasks with the agency that owns them (role: lead | support | assigned)."""
    return queries.query_responsibilities(session, document=_blank(document),
                                        agency=_blank(agency), role=_blank(role),
                                        locality=_blank(locality))


@api.get("/deadlines", response_model=list[DeadlineOut])
def api_deadlines(session: DbSession, document: str | None = None, agency: str | None = None,
                  year: str | None = None):
    """Dates, periods and recurrences by which something is due."""
    return queries.query_deadlines(session, document=_blank(document), agency=_blank(agency),
                                 year=_year(year))


@api.get("/compare")
def api_compare(session: DbSession, indicator: str | None = None, dimension: str | None = None,
                locality: Names = None, district: str | None = None,
                year: str | None = None, today: Names = None,
                as_of: str | None = None) -> list[dict]:
    """One row per locality and indicator: value, comparator, baseline, year and the quote.

    Unknown indicator or locality names give HTTP 400 listing the known ones.
    """
    view = _comparison_views(session, _blank(indicator), _blank(dimension),
                             _names(locality) + _names(today), _blank(district), _year(year),
                             form=False, as_of=_as_of(as_of, today))
    if not (view["chosen"]["localities"] or district or indicator or dimension):
        known = compare.known_localities(session)
        error = errors.UnknownName(
            "", vi="Hãy cho biết chỉ tiêu (indicator), địa phương (locality) hoặc huyện "
            "(district). Các địa phương: " + ", ".join(known) + ".",
            en="Give an indicator, a locality or a district. Known localities: "
            + ", ".join(known) + ".")
        error.known = known
        raise error
    return [{k: v for k, v in row.items() if k not in ("href", "mark")}
            for block in view["blocks"] for row in block["rows"]]


@api.get("/findings", response_model=list[FindingOut])
def api_findings(session: DbSession, document: str | None = None, kind: str | None = None):
    """Audit findings with the spans they point at."""
    return queries.query_findings(session, document=_blank(document), kind=_blank(kind))


# ---------------------------------------------------------------- the application

def _error_response(request: Request, exc: errors.PlanError, status: int) -> Response:
    body = {"error": exc.code, "message": exc.message, "detail": exc.detail}
    known = getattr(exc, "known", None)
    if known:
        body["known"] = list(known)
    if _is_api(request):
        return JSONResponse(jsonable_encoder(body), status_code=status)
    return _page(request, "error.html", status_code=status, error=body, active="")


def create_app(engine: sqlalchemy.Engine,
               allowed_hosts: Sequence[str] = guard.DEFAULT_ALLOWED_HOSTS) -> FastAPI:
    """The FastAPI application over this engine: pages, JSON API, /openapi.json, /static.

    Only requests whose Host header names one of `allowed_hosts` are served ("*": any).
    """
    app = FastAPI(title="Kế hoạch giảm nghèo: API chỉ đọc",
                  description="Read-only JSON API over Vietnamese local-government plans: "
                              "documents, targets, responsibilities, deadlines, comparisons "
                              "and audit findings, each grounded in a page span.",
                  version="1", docs_url=None, redoc_url=None, openapi_url="/openapi.json")
    app.state.engine = engine
    environment = Environment(loader=FileSystemLoader(str(TEMPLATE_DIR)), autoescape=True,
                              trim_blocks=True, lstrip_blocks=True)
    app.state.templates = Jinja2Templates(env=environment)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    app.include_router(api)
    app.include_router(search_views.api)
    app.include_router(pages)
    app.include_router(search_views.pages)

    @app.exception_handler(errors.UnknownName)
    def unknown_name(request: Request, exc: errors.UnknownName) -> Response:
        return _error_response(request, exc, 400)

    @app.exception_handler(errors.DocumentNotFound)
    def not_found(request: Request, exc: errors.DocumentNotFound) -> Response:
        return _error_response(request, exc, 404)

    @app.exception_handler(errors.PlanError)
    def plan_error(request: Request, exc: errors.PlanError) -> Response:
        return _error_response(request, exc, 400 if exc.exit_code == 2 else 500)

    guard.protect(app, allowed_hosts, _error_response)
    return app
