"""incremental crawls: HTTP validators of pages and how a page was reused

``pages.etag`` / ``pages.last_modified`` keep the validators a server sent, for the next
incremental run's conditional request; ``pages.reused`` / ``pages.reused_from`` say that a
page of an incremental run is a copy of an earlier one (304, same content hash, or carried
over without a request). See crawler/incremental.py.

Revision ID: 0008d_incremental
Revises: 0007_merge
Create Date: 2026-12-07 04:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0008d_incremental'
down_revision = '0007_merge'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('pages') as batch:
        batch.add_column(sa.Column('etag', sa.String(length=200), nullable=True))
        batch.add_column(sa.Column('last_modified', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('reused', sa.String(length=8), nullable=True))
        batch.add_column(sa.Column('reused_from', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('pages') as batch:
        batch.drop_column('reused_from')
        batch.drop_column('reused')
        batch.drop_column('last_modified')
        batch.drop_column('etag')
