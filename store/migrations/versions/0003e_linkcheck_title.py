"""link_checks.title: the <title> of GET-verified HTML targets (for link.hijacked)

Revision ID: 0003e_linkcheck_title
Revises: 0002
Create Date: 2026-11-22 08:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0003e_linkcheck_title'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('link_checks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('link_checks', schema=None) as batch_op:
        batch_op.drop_column('title')
