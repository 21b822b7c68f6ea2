"""places and search: folded names, official units and successors, sentences indexed for search

Adds the folded names every name filter matches (the place_name table for --locality, the
responsibility and deadline agency_key columns for --agency), each document's and target's
official unit (unit_code, official_unit) and its units after 1 July 2025 (successor), and the
sentence table with its full-text index: an FTS5 table kept by triggers on SQLite, GIN indexes
over to_tsvector('simple', ...) on PostgreSQL, where pg_trgm also indexes the agency filters
when the extension can be created. Stored documents are brought up to date in the same
transaction.

Revision ID: 0002
Revises: 0001
"""

import logging

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

SQLITE_FTS = [
    "CREATE VIRTUAL TABLE sentence_fts USING fts5(plain, exact, content='sentence', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER sentence_fts_insert AFTER INSERT ON sentence BEGIN "
    "INSERT INTO sentence_fts(rowid, plain, exact) VALUES (new.id, new.plain, new.exact); END",
    "CREATE TRIGGER sentence_fts_delete AFTER DELETE ON sentence BEGIN "
    "INSERT INTO sentence_fts(sentence_fts, rowid, plain, exact) "
    "VALUES ('delete', old.id, old.plain, old.exact); END",
]
POSTGRES_FTS = [
    "CREATE INDEX ix_sentence_plain_fts ON sentence USING gin (to_tsvector('simple', plain))",
    "CREATE INDEX ix_sentence_exact_fts ON sentence USING gin (to_tsvector('simple', exact))",
]
POSTGRES_TRIGRAM = [
    "CREATE INDEX ix_responsibility_agency_trgm ON responsibility USING gin (agency_key gin_trgm_ops)",
    "CREATE INDEX ix_deadline_agency_trgm ON deadline USING gin (agency_key gin_trgm_ops)",
]


def _place_columns() -> list:
    return [sa.Column('unit_code', sa.String(length=12), nullable=True),
            sa.Column('official_unit', sa.JSON(), nullable=True),
            sa.Column('successor', sa.JSON(), nullable=True)]


def upgrade() -> None:
    for table in ('document', 'target'):
        for column in _place_columns():
            op.add_column(table, column)
        op.create_index(f'ix_{table}_unit_code', table, ['unit_code'])
    op.add_column('responsibility', sa.Column('agency_key', sa.Text(), nullable=True))
    op.add_column('deadline', sa.Column('agency_key', sa.Text(), nullable=True))
    op.create_table(
        'place_name',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('target_id', sa.Integer(), nullable=True),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['document_id'], ['document.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['target_id'], ['target.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'))
    for column in ('document_id', 'target_id', 'key'):
        op.create_index(f'ix_place_name_{column}', 'place_name', [column])
    op.create_table(
        'sentence',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('page', sa.Integer(), nullable=False),
        sa.Column('char_start', sa.Integer(), nullable=False),
        sa.Column('char_end', sa.Integer(), nullable=False),
        sa.Column('plain', sa.Text(), nullable=False),
        sa.Column('exact', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['document_id'], ['document.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_sentence_document_id', 'sentence', ['document_id'])
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        for statement in SQLITE_FTS:
            op.execute(statement)
    elif bind.dialect.name == 'postgresql':
        for statement in POSTGRES_FTS:
            op.execute(statement)
        _trigram_indexes(bind)
    _bring_stored_documents_up_to_date(bind)


def _trigram_indexes(bind) -> None:
    """pg_trgm indexes the substring filters; without the right to create it they scan."""
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError as exc:
        log.warning("pg_trgm not available (%s): agency filters will not be indexed",
                    str(exc.orig).strip())
        return
    for statement in POSTGRES_TRIGRAM:
        bind.exec_driver_sql(statement)


def _bring_stored_documents_up_to_date(bind) -> None:
    """Units, place names, folded agencies and sentences of documents stored before."""
    from pipeline import records, units
    from pipeline.sentences import page_sentences
    from pipeline.text import fold

    meta = sa.MetaData()
    tables = {name: sa.Table(name, meta, autoload_with=bind)
              for name in ('document', 'target', 'page', 'reference', 'responsibility',
                           'deadline', 'place_name', 'sentence')}
    doc_t, target_t = tables['document'], tables['target']
    for table in (tables['responsibility'], tables['deadline']):
        for row in bind.execute(sa.select(table.c.id, table.c.agency)).all():
            if row.agency:
                bind.execute(table.update().where(table.c.id == row.id)
                             .values(agency_key=fold(row.agency)))
    for doc in bind.execute(sa.select(doc_t)).mappings().all():
        references = [records.Reference(r.kind, r.number, r.date, r.issuer) for r in bind.execute(
            sa.select(tables['reference']).where(tables['reference'].c.document_id == doc['id']))]
        fields = ('admin_level', 'locality', 'district', 'province', 'issuer', 'issue_date',
                  'issue_year', 'issue_month', 'period_start')
        facts = records.DocumentFacts(**{k: doc[k] for k in fields}, references=references)
        targets = bind.execute(sa.select(target_t.c.id, target_t.c.locality)
                               .where(target_t.c.document_id == doc['id'])
                               .order_by(target_t.c.id)).all()
        place, target_places = units.record_places(facts, targets)
        bind.execute(doc_t.update().where(doc_t.c.id == doc['id']).values(**place.columns))
        names = [{'document_id': doc['id'], 'target_id': None, 'key': k} for k in place.names]
        for target, target_place in zip(targets, target_places, strict=True):
            bind.execute(target_t.update().where(target_t.c.id == target.id)
                         .values(**target_place.columns))
            names += [{'document_id': doc['id'], 'target_id': target.id, 'key': k}
                      for k in target_place.names]
        if names:
            bind.execute(tables['place_name'].insert(), names)
        pages = bind.execute(sa.select(tables['page']).where(
            tables['page'].c.document_id == doc['id'])).all()
        sentences = [{'document_id': doc['id'], **vars(s)} for p in pages
                     for s in page_sentences(records.Page(p.number, p.text, p.raw_text, p.source))]
        if sentences:
            bind.execute(tables['sentence'].insert(), sentences)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        op.execute("DROP TRIGGER IF EXISTS sentence_fts_delete")
        op.execute("DROP TRIGGER IF EXISTS sentence_fts_insert")
        op.execute("DROP TABLE IF EXISTS sentence_fts")
    op.drop_table('sentence')
    op.drop_table('place_name')
    with op.batch_alter_table('deadline') as batch_op:
        batch_op.drop_column('agency_key')
    with op.batch_alter_table('responsibility') as batch_op:
        batch_op.drop_column('agency_key')
    for table in ('target', 'document'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_index(f'ix_{table}_unit_code')
            for column in _place_columns():
                batch_op.drop_column(column.name)
