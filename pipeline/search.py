"""Phrases across every stored page: `plans search`, the web app's search box, /api/search.

Each sentence of a stored page is indexed twice as ASCII words (pipeline/sentences.py): folded,
which a query typed without accents matches ("ty le ho ngheo" finds "tỷ lệ hộ nghèo" and every
other accenting), and accent-keyed, which a query typed with any accent matches exactly ("hộ
nghèo" does not find "họ nghèo"). Words in order make a phrase; `anywhere` asks for every word
somewhere in one sentence. SQLite answers with FTS5 (ranked by bm25), PostgreSQL with its
text search over GIN indexes (ranked by ts_rank): `_Engine` is all that differs, everything
above it (filters, ranking order, facets, grounding) is one code path.

A hit is a sentence: document, page, char_start/char_end of the sentence in the stored page
text, the sentence as `quote` and the spans of the matched words in `matches`.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import Engine, Integer, and_, cast, func, literal_column, or_, select, table
from sqlalchemy import column as sql_column
from sqlalchemy.orm import Session

from pipeline import errors, queries, store
from pipeline.store import DocumentRow, PageRow, SentenceRow
from pipeline.text import accent_key, fold, has_accents, word_spans

MAX_WORDS = 16
FACETS = ("locality", "admin_level", "year", "doc_type")
_YEAR = func.coalesce(DocumentRow.issue_year,
                      cast(func.extract("year", DocumentRow.issue_date), Integer))
_FACET_COLUMNS = {"locality": DocumentRow.locality, "admin_level": DocumentRow.admin_level,
                  "year": _YEAR, "doc_type": DocumentRow.doc_type}


@dataclass(frozen=True)
class Query:
    """What was typed, as index words: `column` plain (no accents typed) or exact."""

    text: str
    words: tuple[str, ...]
    column: str  # "plain" | "exact"
    phrase: bool = True


def parse_query(text: str, anywhere: bool = False) -> Query:
    """The index words of a query; EmptyQuery when it has none."""
    spans = word_spans(text or "")[:MAX_WORDS]
    if not spans:
        raise errors.EmptyQuery(text or "")
    exact = has_accents(text)
    words = tuple(accent_key(text[a:b]) if exact else fold(text[a:b]) for a, b in spans)
    return Query(text.strip(), words, "exact" if exact else "plain", not anywhere)


@dataclass
class Results:
    """One page of hits, how many there are in all, and their counts by facet."""

    query: Query
    hits: list[dict]
    total: int
    facets: dict[str, list[tuple[object, int]]] = field(default_factory=dict)


class _Engine:
    """The only part that knows the database: which sentences match, and their score (lower
    is better), computed only for the sentences the filters leave (`among`)."""

    def __init__(self, session: Session):
        self.dialect = session.get_bind().dialect.name

    def matched(self, query: Query, among=None, scored: bool = True):
        """A subquery of the matching sentences' ids (and scores) within `among` (ids)."""
        if self.dialect == "sqlite":
            fts = table("sentence_fts", sql_column("rowid"))
            terms = [f'{query.column} : "{" ".join(query.words)}"'] if query.phrase else \
                [f"{query.column} : {w}" for w in query.words]
            score = func.bm25(literal_column("sentence_fts"))
            stmt = select(fts.c.rowid.label("id"), *([score.label("score")] if scored else []))
            stmt = stmt.where(literal_column("sentence_fts").op("MATCH")(" AND ".join(terms)))
            # "rowid + 0": FTS5 would otherwise run the match once per id of `among`
            return (stmt if among is None else stmt.where((fts.c.rowid + 0).in_(among))).subquery()
        if self.dialect == "postgresql":
            vector = func.to_tsvector(literal_column("'simple'"), getattr(SentenceRow, query.column))
            tsquery = func.to_tsquery(literal_column("'simple'"),
                                      (" <-> " if query.phrase else " & ").join(query.words))
            score = -func.ts_rank(vector, tsquery)
            stmt = select(SentenceRow.id.label("id"), *([score.label("score")] if scored else []))
            stmt = stmt.where(vector.op("@@")(tsquery))
            return (stmt if among is None else stmt.where(SentenceRow.id.in_(among))).subquery()
        raise errors.PlanError(self.dialect, vi="Cơ sở dữ liệu này chưa hỗ trợ tìm kiếm.",
                               en="Search needs SQLite or PostgreSQL.")  # pragma: no cover


def _filters(document, locality, admin_level, year, doc_type) -> list:
    where = []
    if document:
        where.append(or_(DocumentRow.file_name == document, DocumentRow.id == int(document))
                     if str(document).isdigit() else DocumentRow.file_name == document)
    if locality:
        where.append(queries.place_named(locality))
    if admin_level:
        where.append(DocumentRow.admin_level == admin_level)
    if year:
        where.append(_YEAR == int(year))
    if doc_type:
        where.append(DocumentRow.doc_type == doc_type)
    return where


def search(session: Session, text: str, *, anywhere: bool = False, document=None,
           locality: str | None = None, admin_level: str | None = None, year=None,
           doc_type: str | None = None, limit: int = 50, offset: int = 0,
           facets: bool = True) -> Results:
    """The sentences that hold `text`, best first, each grounded; counts by facet."""
    query = parse_query(text, anywhere)
    if year is not None and not str(year).strip().isdigit():
        raise errors.UnknownName(str(year), vi=f"Năm không hợp lệ: {year}.",
                                 en=f"Not a year: {year}.")
    where = _filters(document, locality, admin_level, year, doc_type)
    among = select(SentenceRow.id).join(DocumentRow, DocumentRow.id == SentenceRow.document_id) \
        .where(*where) if where else None
    engine = _Engine(session)
    with ThreadPoolExecutor(max_workers=1) as pool:  # counting beside ranking: two cores
        counting = pool.submit(_counts_apart, session, engine.matched(query, among, False), facets)
        best = engine.matched(query, among)
        ranked = session.execute(select(best.c.id, best.c.score)
                                 .order_by(best.c.score, best.c.id)
                                 .limit(max(0, limit)).offset(max(0, offset))).all()
        total, counted = counting.result()
    rows = []
    if ranked:
        found = {s.id: (s, d) for s, d in session.execute(
            select(SentenceRow, DocumentRow).join(DocumentRow)
            .where(SentenceRow.id.in_([i for i, _ in ranked])))}
        rows = [(*found[i], score) for i, score in ranked]
    return Results(query, _grounded(session, rows, query), total, counted)


def _counts_apart(session: Session, matched, facets: bool) -> tuple[int, dict]:
    """_counts on a connection of its own, while the session's ranks (a third less time on
    two cores, measured interleaved); it sees what is committed, as every reader here does.
    In the session itself when the session is tied to one connection."""
    bind = session.get_bind()
    if not isinstance(bind, Engine) or bind.dialect.name == "sqlite" and \
            bind.url.database in (None, "", ":memory:"):
        return _counts(session, matched, facets)
    with store.read_session(bind) as own:
        return _counts(own, matched, facets)


def _counts(session: Session, matched, facets: bool) -> tuple[int, dict]:
    """The number of hits, and the hits per locality, level, year and document type (the
    facets, most first, as Datasette shows them): one pass, counted per document."""
    if not facets:
        return session.scalar(select(func.count()).select_from(matched)) or 0, {}
    counted = (select(SentenceRow.document_id.label("doc"), func.count().label("hits"))
               .join(matched, matched.c.id == SentenceRow.id)
               .group_by(SentenceRow.document_id).subquery())
    per_document = session.execute(
        select(DocumentRow.id, *_FACET_COLUMNS.values(), counted.c.hits)
        .join(counted, counted.c.doc == DocumentRow.id)).all()
    total = sum(row[-1] for row in per_document)
    out: dict[str, dict[object, int]] = {name: {} for name in FACETS}
    for _, *values, count in per_document:
        for name, value in zip(FACETS, values, strict=True):
            if value is not None:
                out[name][value] = out[name].get(value, 0) + count
    return total, {name: sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
                   for name, counts in out.items()}


def _grounded(session: Session, rows, query: Query) -> list[dict]:
    """Hits with their sentence (from the stored page text) and the spans of the words."""
    wanted = {(s.document_id, s.page) for s, _, _ in rows}
    texts = {}
    if wanted:
        pages = session.execute(select(PageRow.document_id, PageRow.number, PageRow.text).where(
            or_(*[and_(PageRow.document_id == d, PageRow.number == p) for d, p in wanted])))
        texts = {(d, p): t for d, p, t in pages}
    hits = []
    for sentence, doc, score in rows:
        page_text = texts.get((sentence.document_id, sentence.page), "")
        quote = page_text[sentence.char_start:sentence.char_end]
        hits.append({
            "document": doc.file_name, "document_id": doc.id, "page": sentence.page,
            "char_start": sentence.char_start, "char_end": sentence.char_end, "quote": quote,
            "matches": [[sentence.char_start + a, sentence.char_start + b]
                        for a, b in match_spans(quote, query)],
            "score": round(-float(score), 6), "locality": doc.locality,
            "admin_level": doc.admin_level, "doc_type": doc.doc_type,
            "year": doc.issue_year or (doc.issue_date.year if doc.issue_date else None),
            "unit_code": doc.official_unit, "successor": doc.successor})
    return hits


def match_spans(sentence: str, query: Query) -> list[tuple[int, int]]:
    """Where the query's words stand in a sentence: each run of the phrase, or each word."""
    spans = word_spans(sentence)
    key = accent_key if query.column == "exact" else fold
    words = [key(sentence[a:b]) for a, b in spans]
    n = len(query.words)
    if not query.phrase:
        wanted = set(query.words)
        return [span for span, word in zip(spans, words, strict=True) if word in wanted]
    return [(spans[i][0], spans[i + n - 1][1]) for i in range(len(words) - n + 1)
            if tuple(words[i:i + n]) == query.words]
