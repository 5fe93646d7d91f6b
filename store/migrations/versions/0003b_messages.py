"""messages and mailbox_stats: citizen messages seen on consultation boards, reply statistics

Revision ID: 0003b_messages
Revises: 0002
Create Date: 2026-11-22 06:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0003b_messages'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('board_url', sa.String(length=2048), nullable=False),
        sa.Column('board_kind', sa.String(length=16), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('url', sa.String(length=2048), nullable=True),
        sa.Column('submitted', sa.Date(), nullable=True),
        sa.Column('replied', sa.Date(), nullable=True),
        sa.Column('reply_unit', sa.String(length=100), nullable=True),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('raw_status', sa.String(length=40), nullable=True),
        sa.Column('has_reply_text', sa.Boolean(), nullable=True),
        sa.Column('detail_seen', sa.Boolean(), nullable=False),
        sa.Column('working_days', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['run_id'], ['runs.id']),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index('ix_messages_run_site', ['run_id', 'site_id'], unique=False)

    op.create_table(
        'mailbox_stats',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('boards', sa.Integer(), nullable=False),
        sa.Column('messages', sa.Integer(), nullable=False),
        sa.Column('in_window', sa.Integer(), nullable=False),
        sa.Column('answered', sa.Integer(), nullable=False),
        sa.Column('unanswered', sa.Integer(), nullable=False),
        sa.Column('reply_rate', sa.Float(), nullable=True),
        sa.Column('median_working_days', sa.Float(), nullable=True),
        sa.Column('p90_working_days', sa.Float(), nullable=True),
        sa.Column('oldest_unanswered', sa.Date(), nullable=True),
        sa.Column('oldest_unanswered_url', sa.String(length=2048), nullable=True),
        sa.Column('surveys', sa.Integer(), nullable=True),
        sa.Column('calendar_fallback', sa.Boolean(), nullable=False),
        sa.Column('detail', sa.JSON(), nullable=False),
        sa.Column('computed_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['run_id'], ['runs.id']),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('run_id', 'site_id'),
    )
    with op.batch_alter_table('mailbox_stats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mailbox_stats_run_id'), ['run_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('mailbox_stats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mailbox_stats_run_id'))
    op.drop_table('mailbox_stats')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index('ix_messages_run_site')
    op.drop_table('messages')
