"""links(run_id, site_id) index: the rules read a site's links of a run

Without it ``WHERE run_id = ? AND site_id = ?`` walks every link of the run through
``ix_links_run_target`` once per site and rule (1.46 M rows for a 50,000-page crawl).

Revision ID: 0005_links_run_site
Revises: 0004_merge
Create Date: 2026-11-22 09:30:00
"""
from alembic import op

revision = '0005_links_run_site'
down_revision = '0004_merge'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_links_run_site', 'links', ['run_id', 'site_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_links_run_site', table_name='links')
