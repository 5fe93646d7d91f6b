"""page_facts, identity_values, site_facts: what the derive step reads on stored pages

Footer identifiers with their values and carriers, a publish date per page and the CMS
family per site, stored for the rules (which no longer recompute them) and for export.

Revision ID: 0006a_page_facts
Revises: 0005_links_run_site
Create Date: 2026-12-07 00:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0006a_page_facts'
down_revision = '0005_links_run_site'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'page_facts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('page_id', sa.Integer(), nullable=False),
        sa.Column('url', sa.String(length=2048), nullable=False),
        sa.Column('title', sa.Text(), nullable=True),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('content', sa.Boolean(), nullable=False),
        sa.Column('excluded', sa.String(length=16), nullable=True),
        sa.Column('date', sa.Date(), nullable=True),
        sa.Column('date_source', sa.String(length=16), nullable=True),
        sa.Column('column', sa.String(length=200), nullable=True),
        sa.Column('items', sa.JSON(), nullable=False),
        sa.Column('codes', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['page_id'], ['pages.id']),
        sa.ForeignKeyConstraint(['run_id'], ['runs.id']),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('page_id'),
    )
    with op.batch_alter_table('page_facts', schema=None) as batch_op:
        batch_op.create_index('ix_page_facts_run_site', ['run_id', 'site_id'], unique=False)

    op.create_table(
        'identity_values',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('item', sa.String(length=16), nullable=False),
        sa.Column('value', sa.String(length=200), nullable=False),
        sa.Column('carrier', sa.String(length=16), nullable=False),
        sa.Column('pages', sa.Integer(), nullable=False),
        sa.Column('page_url', sa.String(length=2048), nullable=False),
        sa.Column('source_url', sa.String(length=2048), nullable=True),
        sa.Column('sample', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['run_id'], ['runs.id']),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('identity_values', schema=None) as batch_op:
        batch_op.create_index('ix_identity_values_run_site', ['run_id', 'site_id'],
                              unique=False)

    op.create_table(
        'site_facts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('cms', sa.String(length=16), nullable=True),
        sa.Column('pages', sa.Integer(), nullable=False),
        sa.Column('content_pages', sa.Integer(), nullable=False),
        sa.Column('dated_pages', sa.Integer(), nullable=False),
        sa.Column('shown', sa.JSON(), nullable=False),
        sa.Column('derived_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['run_id'], ['runs.id']),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('run_id', 'site_id'),
    )
    with op.batch_alter_table('site_facts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_site_facts_run_id'), ['run_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('site_facts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_site_facts_run_id'))
    op.drop_table('site_facts')
    with op.batch_alter_table('identity_values', schema=None) as batch_op:
        batch_op.drop_index('ix_identity_values_run_site')
    op.drop_table('identity_values')
    with op.batch_alter_table('page_facts', schema=None) as batch_op:
        batch_op.drop_index('ix_page_facts_run_site')
    op.drop_table('page_facts')
