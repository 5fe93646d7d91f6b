"""site_columns and column_items: columns (栏目) and their dated items, per run

Revision ID: 0003a_columns
Revises: 0002
Create Date: 2026-11-22 07:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0003a_columns'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'site_columns',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('parent_id', sa.Integer(), nullable=True),
        sa.Column('url', sa.String(length=2048), nullable=False),
        sa.Column('urls', sa.JSON(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('parent_name', sa.String(length=200), nullable=True),
        sa.Column('level', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('category', sa.String(length=24), nullable=True),
        sa.Column('update_class', sa.String(length=12), nullable=False),
        sa.Column('pages', sa.Integer(), nullable=False),
        sa.Column('items', sa.Integer(), nullable=False),
        sa.Column('dated', sa.Integer(), nullable=False),
        sa.Column('newest', sa.Date(), nullable=True),
        sa.Column('newest_source', sa.String(length=16), nullable=True),
        sa.Column('paging', sa.String(length=12), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['parent_id'], ['site_columns.id'], ),
        sa.ForeignKeyConstraint(['run_id'], ['runs.id'], ),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('site_columns', schema=None) as batch_op:
        batch_op.create_index('ix_site_columns_run_site', ['run_id', 'site_id'], unique=False)

    op.create_table(
        'column_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('column_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=500), nullable=False),
        sa.Column('url', sa.String(length=2048), nullable=False),
        sa.Column('date', sa.Date(), nullable=True),
        sa.Column('date_source', sa.String(length=16), nullable=True),
        sa.Column('pinned', sa.Boolean(), nullable=False),
        sa.Column('page_url', sa.String(length=2048), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['column_id'], ['site_columns.id'], ),
        sa.ForeignKeyConstraint(['run_id'], ['runs.id'], ),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('column_items', schema=None) as batch_op:
        batch_op.create_index('ix_column_items_run_column', ['run_id', 'column_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('column_items', schema=None) as batch_op:
        batch_op.drop_index('ix_column_items_run_column')
    op.drop_table('column_items')
    with op.batch_alter_table('site_columns', schema=None) as batch_op:
        batch_op.drop_index('ix_site_columns_run_site')
    op.drop_table('site_columns')
