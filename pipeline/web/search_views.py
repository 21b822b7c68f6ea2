"""Search in the web app: the /search page (results, highlighted words, facets) and /api/search.

Thin views over pipeline.search: every request is one search (a page of hits, the total, the
counts by facet). Matched words are marked by render.mark_words, which escapes the plan's text.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from pipeline import errors, search, store
from pipeline.web import render

PAGE_SIZE = 20
FACET_TITLES = {"locality": "Địa phương", "admin_level": "Cấp", "year": "Năm ban hành",
                "doc_type": "Loại văn bản"}


def _session(request: Request):
    with store.read_session(request.app.state.engine) as session:
        yield session


DbSession = Annotated[Session, Depends(_session)]


class Filters(BaseModel):
    """What a search asks for besides its words (every one optional)."""

    document: str | None = None
    locality: str | None = None
    admin_level: str | None = None
    year: int | None = None
    doc_type: str | None = None


def _filters(document, locality, admin_level, year, doc_type) -> Filters:
    def blank(value):
        return value.strip() if isinstance(value, str) and value.strip() else None

    return Filters(document=blank(document), locality=blank(locality),
                   admin_level=blank(admin_level), year=year, doc_type=blank(doc_type))


def _link(document_id: int, page: int, start: int, end: int) -> str:
    """The sentence in its plan, highlighted and scrolled to (the document page's ?span=)."""
    return f"/documents/{document_id}?span={page}:{start}:{end}#s-{page}-{start}-{end}"


pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["api"])


@pages.get("/search", response_class=HTMLResponse)
def search_page(request: Request, session: DbSession, q: str = "", anywhere: bool = False,
                document: str | None = None, locality: str | None = None,
                admin_level: str | None = None, year: Annotated[int | None, Query()] = None,
                doc_type: str | None = None, page: Annotated[int, Query(ge=1)] = 1):
    """Tìm kiếm: sentences of every stored plan holding the words, facets to narrow them."""
    chosen = _filters(document, locality, admin_level, year, doc_type)
    context = {"q": q, "anywhere": anywhere, "chosen": chosen.model_dump(), "active": "search",
               "titles": FACET_TITLES, "labels": render, "results": None, "message": None}
    if q.strip():
        try:
            results = search.search(session, q, anywhere=anywhere, limit=PAGE_SIZE,
                                    offset=(page - 1) * PAGE_SIZE, **chosen.model_dump())
        except errors.EmptyQuery as exc:
            context["message"] = exc.message
        else:
            for hit in results.hits:
                relative = [(a - hit["char_start"], b - hit["char_start"])
                            for a, b in hit["matches"]]
                hit["html"] = render.mark_words(hit["quote"], relative)
                first = hit["matches"][0] if hit["matches"] else (hit["char_start"],
                                                                   hit["char_end"])
                hit["href"] = _link(hit["document_id"], hit["page"], *first)
            context.update(results=results, page=page, pages=-(-results.total // PAGE_SIZE),
                           query_with=_query_maker(q, anywhere, chosen))
    templates = request.app.state.templates
    return templates.TemplateResponse(request, "search.html", context)


def _query_maker(q: str, anywhere: bool, chosen: Filters):
    """A function giving this search's URL with one parameter changed (None drops it)."""
    base = {"q": q, **({"anywhere": "1"} if anywhere else {}),
            **{k: v for k, v in chosen.model_dump().items() if v is not None}}

    def query_with(**changes) -> str:
        params = {**base, **changes}
        return "/search?" + urlencode({k: v for k, v in params.items() if v is not None})

    return query_with


class HitOut(BaseModel):
    document: str
    document_id: int
    page: int
    char_start: int
    char_end: int
    quote: str
    matches: list[list[int]]
    score: float
    locality: str | None = None
    admin_level: str | None = None
    year: int | None = None
    doc_type: str | None = None
    unit_code: dict | None = None
    successor: list[dict] | None = None


class SearchOut(BaseModel):
    query: str
    mode: str
    total: int
    hits: list[HitOut]
    facets: dict[str, list[tuple[str | int, int]]]


@api.get("/search", response_model=SearchOut)
def api_search(session: DbSession, q: str, anywhere: bool = False, document: str | None = None,
               locality: str | None = None, admin_level: str | None = None,
               year: int | None = None, doc_type: str | None = None,
               limit: Annotated[int, Query(ge=1, le=500)] = 50,
               offset: Annotated[int, Query(ge=0)] = 0):
    """Sentences holding the words (typed without accents: any accents; with accents: those
    exactly), best first, each grounded; `anywhere` for every word anywhere in a sentence;
    facets count the hits by locality, level, year and document type."""
    chosen = _filters(document, locality, admin_level, year, doc_type)
    found = search.search(session, q, anywhere=anywhere, limit=limit, offset=offset,
                          **chosen.model_dump())
    mode = ("exact" if found.query.column == "exact" else "any accents") + (
        ", phrase" if found.query.phrase else ", words anywhere in a sentence")
    return {"query": found.query.text, "mode": mode, "total": found.total, "hits": found.hits,
            "facets": found.facets}
