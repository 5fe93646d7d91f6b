"""closed_probes, site_entries, annual_reports, disclosure_items, mail_log (issue 16)

Closed (关停) sites probed at crawl time; the links, annual reports and 信息公开 catalogue
items the derive step reads for the disclosure and cluster rules; and the e-mail digests
sent after ``govmon nightly``. New tables only: nothing existing changes.

Revision ID: 0008b_governance
Revises: 0007_merge
Create Date: 2026-12-08 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0008b_governance'
down_revision = '0007_merge'
branch_labels = None
depends_on = None


def _keys(*extra: sa.Constraint) -> list[sa.Constraint]:
    return [sa.ForeignKeyConstraint(['run_id'], ['runs.id']), *extra,
            sa.PrimaryKeyConstraint('id')]


def _site() -> list[sa.Column]:
    return [sa.Column('id', sa.Integer(), nullable=False),
            sa.Column('run_id', sa.Integer(), nullable=False),
            sa.Column('site_id', sa.Integer(), nullable=False)]


def _index(table: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(f'ix_{table}_run_site', ['run_id', 'site_id'], unique=False)




def upgrade() -> None:
    op.create_table(
        'closed_probes', *_site(),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('url', sa.String(length=2048), nullable=False),
        sa.Column('status', sa.Integer(), nullable=False),
        sa.Column('error', sa.String(length=24), nullable=True),
        sa.Column('final_url', sa.String(length=2048), nullable=True),
        sa.Column('redirects', sa.JSON(), nullable=False),
        sa.Column('title', sa.Text(), nullable=True),
        sa.Column('text_chars', sa.Integer(), nullable=False),
        sa.Column('notice', sa.Boolean(), nullable=False),
        sa.Column('code', sa.String(length=32), nullable=True),
        sa.Column('elapsed_ms', sa.Integer(), nullable=True),
        *_keys(sa.ForeignKeyConstraint(['site_id'], ['sites.id'])),
    )
    _index('closed_probes')
    op.create_table(
        'site_entries', *_site(),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('label', sa.String(length=200), nullable=False),
        sa.Column('target', sa.String(length=2048), nullable=False),
        sa.Column('page_url', sa.String(length=2048), nullable=False),
        sa.Column('on_home', sa.Boolean(), nullable=False),
        sa.Column('pages', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=True),
        sa.Column('row_date', sa.Date(), nullable=True),
        sa.Column('attachment', sa.Boolean(), nullable=False),
        *_keys(sa.ForeignKeyConstraint(['site_id'], ['sites.id'])),
    )
    _index('site_entries')
    op.create_table(
        'annual_reports', *_site(),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('title', sa.Text(), nullable=False),
        sa.Column('url', sa.String(length=2048), nullable=False),
        sa.Column('source_url', sa.String(length=2048), nullable=True),
        sa.Column('published', sa.Date(), nullable=True),
        sa.Column('date_source', sa.String(length=16), nullable=True),
        sa.Column('sections', sa.JSON(), nullable=True),
        sa.Column('attachment', sa.Boolean(), nullable=False),
        sa.Column('column', sa.String(length=200), nullable=True),
        *_keys(sa.ForeignKeyConstraint(['site_id'], ['sites.id'])),
    )
    _index('annual_reports')
    op.create_table(
        'disclosure_items', *_site(),
        sa.Column('page_id', sa.Integer(), nullable=False),
        sa.Column('url', sa.String(length=2048), nullable=False),
        sa.Column('title', sa.Text(), nullable=True),
        sa.Column('index_no', sa.String(length=200), nullable=True),
        sa.Column('doc_no', sa.String(length=200), nullable=True),
        sa.Column('written', sa.Date(), nullable=True),
        sa.Column('published', sa.Date(), nullable=True),
        sa.Column('published_source', sa.String(length=16), nullable=True),
        sa.Column('labels', sa.JSON(), nullable=False),
        sa.Column('empty', sa.JSON(), nullable=False),
        *_keys(sa.ForeignKeyConstraint(['site_id'], ['sites.id']),
               sa.ForeignKeyConstraint(['page_id'], ['pages.id'])),
    )
    _index('disclosure_items')
    op.create_table(
        'mail_log',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('recipient', sa.String(length=320), nullable=False),
        sa.Column('sites', sa.JSON(), nullable=False),
        sa.Column('subject', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('message_id', sa.String(length=255), nullable=True),
        sa.Column('path', sa.String(length=2048), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        *_keys(),
    )
    with op.batch_alter_table('mail_log', schema=None) as batch_op:
        batch_op.create_index('ix_mail_log_run', ['run_id'], unique=False)


def downgrade() -> None:
    for table in ('mail_log', 'disclosure_items', 'annual_reports', 'site_entries',
                  'closed_probes'):
        op.drop_table(table)
