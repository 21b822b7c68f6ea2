"""what made each document (producer), and where its file was (source_path)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05 21:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('producer', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('producer_detail', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('source_path', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_column('source_path')
        batch_op.drop_column('producer_detail')
        batch_op.drop_column('producer')
