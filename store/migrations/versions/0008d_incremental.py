"""incremental crawls: HTTP validators of pages and how a page was reused; the link cache

``pages.etag`` / ``pages.last_modified`` keep the validators a server sent, for the next
incremental run's conditional request; ``pages.reused`` / ``pages.reused_from`` say that a
page of an incremental run is a copy of an earlier one (304, same content hash, or carried
over without a request). See crawler/incremental.py.

``link_cache`` keeps the latest working verification of each link target for the cache's
time-to-live; ``link_checks.cached_from`` names the run a check was copied from. See
crawler/linkcache.py.

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
    with op.batch_alter_table('link_checks') as batch:
        batch.add_column(sa.Column('cached_from', sa.Integer(), nullable=True))
    op.create_table(
        'link_cache',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('target', sa.String(length=2048), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('outcome', sa.String(length=12), nullable=False),
        sa.Column('status', sa.Integer(), nullable=False),
        sa.Column('error_class', sa.String(length=24), nullable=True),
        sa.Column('method', sa.String(length=8), nullable=True),
        sa.Column('redirects', sa.JSON(), nullable=False),
        sa.Column('final_url', sa.String(length=2048), nullable=True),
        sa.Column('content_type', sa.String(length=200), nullable=True),
        sa.Column('elapsed_ms', sa.Integer(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('checked_at', sa.DateTime(), nullable=False),
        sa.Column('title', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('target'),
    )
    op.create_index('ix_link_cache_checked_at', 'link_cache', ['checked_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_link_cache_checked_at', table_name='link_cache')
    op.drop_table('link_cache')
    with op.batch_alter_table('link_checks') as batch:
        batch.drop_column('cached_from')
    with op.batch_alter_table('pages') as batch:
        batch.drop_column('reused_from')
        batch.drop_column('reused')
        batch.drop_column('last_modified')
        batch.drop_column('etag')
