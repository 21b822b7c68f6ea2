"""tables found on page layouts; the cell box of a table target

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 20:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'page_table',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('page', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('box', sa.JSON(), nullable=True),
        sa.Column('image_size', sa.JSON(), nullable=True),
        sa.Column('char_start', sa.Integer(), nullable=False),
        sa.Column('char_end', sa.Integer(), nullable=False),
        sa.Column('cells', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['document_id'], ['document.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('page_table', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_page_table_document_id'), ['document_id'],
                              unique=False)
    with op.batch_alter_table('target', schema=None) as batch_op:
        batch_op.add_column(sa.Column('box', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('target', schema=None) as batch_op:
        batch_op.drop_column('box')
    with op.batch_alter_table('page_table', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_page_table_document_id'))
    op.drop_table('page_table')
