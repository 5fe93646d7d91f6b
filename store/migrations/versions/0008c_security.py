"""site_security, attachments, personal_data, article_texts, site_posture (issue 17)

Network facts of each site's homepage (HTTPS, certificate, security headers, IPv6), the
attachments fetched after the crawl with their compressed bodies, and what the derive step
reads for the content-safety rules: masked personal numbers, article text fingerprints
(kept across runs for recycled posts), scripts and libraries, private addresses and the
care-mode entrance.

Revision ID: 0008c_security
Revises: 0007_merge
Create Date: 2026-12-07 03:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0008c_security'
down_revision = '0007_merge'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'site_security',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('checked_at', sa.DateTime(), nullable=False),
        sa.Column('https_url', sa.String(length=2048), nullable=True),
        sa.Column('https_ok', sa.Boolean(), nullable=True),
        sa.Column('https_status', sa.Integer(), nullable=False),
        sa.Column('https_error', sa.String(length=40), nullable=True),
        sa.Column('http_upgrades', sa.Boolean(), nullable=True),
        sa.Column('cert_error', sa.String(length=24), nullable=True),
        sa.Column('cert_detail', sa.String(length=300), nullable=True),
        sa.Column('cert_subject', sa.String(length=300), nullable=True),
        sa.Column('cert_issuer', sa.String(length=300), nullable=True),
        sa.Column('cert_names', sa.JSON(), nullable=False),
        sa.Column('cert_not_before', sa.DateTime(), nullable=True),
        sa.Column('cert_not_after', sa.DateTime(), nullable=True),
        sa.Column('headers_url', sa.String(length=2048), nullable=True),
        sa.Column('headers', sa.JSON(), nullable=True),
        sa.Column('meta_csp', sa.Boolean(), nullable=False),
        sa.Column('mixed', sa.JSON(), nullable=False),
        sa.Column('ipv6', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['run_id'], ['runs.id']),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('run_id', 'site_id'),
    )
    with op.batch_alter_table('site_security', schema=None) as batch_op:
        batch_op.create_index('ix_site_security_run_id', ['run_id'], unique=False)
    op.create_table(
        'attachments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('url', sa.String(length=2048), nullable=False),
        sa.Column('page_url', sa.String(length=2048), nullable=True),
        sa.Column('anchor', sa.String(length=500), nullable=True),
        sa.Column('status', sa.Integer(), nullable=False),
        sa.Column('content_type', sa.String(length=200), nullable=True),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha1', sa.String(length=40), nullable=True),
        sa.Column('error', sa.String(length=40), nullable=True),
        sa.Column('stored', sa.Boolean(), nullable=False),
        sa.Column('fetched_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['run_id'], ['runs.id']),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('run_id', 'url'),
    )
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_index('ix_attachments_run_site', ['run_id', 'site_id'], unique=False)
    op.create_table(
        'attachment_snapshots',
        sa.Column('attachment_id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('body', sa.LargeBinary(), nullable=False),
        sa.Column('compression', sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(['attachment_id'], ['attachments.id']),
        sa.ForeignKeyConstraint(['run_id'], ['runs.id']),
        sa.PrimaryKeyConstraint('attachment_id'),
    )
    with op.batch_alter_table('attachment_snapshots', schema=None) as batch_op:
        batch_op.create_index('ix_attachment_snapshots_run_id', ['run_id'], unique=False)
    op.create_table(
        'personal_data',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('url', sa.String(length=2048), nullable=False),
        sa.Column('source', sa.String(length=2048), nullable=True),
        sa.Column('where', sa.String(length=12), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('masked', sa.String(length=40), nullable=False),
        sa.Column('location', sa.String(length=120), nullable=False),
        sa.Column('label', sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(['run_id'], ['runs.id']),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('personal_data', schema=None) as batch_op:
        batch_op.create_index('ix_personal_data_run_site', ['run_id', 'site_id'], unique=False)
    op.create_table(
        'article_texts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('page_id', sa.Integer(), nullable=True),
        sa.Column('url', sa.String(length=2048), nullable=False),
        sa.Column('key', sa.String(length=2048), nullable=False),
        sa.Column('title', sa.String(length=500), nullable=True),
        sa.Column('date', sa.Date(), nullable=True),
        sa.Column('date_source', sa.String(length=16), nullable=True),
        sa.Column('text_hash', sa.String(length=40), nullable=False),
        sa.Column('text_len', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['page_id'], ['pages.id']),
        sa.ForeignKeyConstraint(['run_id'], ['runs.id']),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('article_texts', schema=None) as batch_op:
        batch_op.create_index('ix_article_texts_run_site', ['run_id', 'site_id'], unique=False)
    with op.batch_alter_table('article_texts', schema=None) as batch_op:
        batch_op.create_index('ix_article_texts_site_hash', ['site_id', 'text_hash'], unique=False)
    op.create_table(
        'site_posture',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('scripts', sa.JSON(), nullable=False),
        sa.Column('private', sa.JSON(), nullable=False),
        sa.Column('care', sa.String(length=300), nullable=True),
        sa.Column('care_checked', sa.Boolean(), nullable=False),
        sa.Column('attachments', sa.JSON(), nullable=False),
        sa.Column('derived_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['run_id'], ['runs.id']),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('run_id', 'site_id'),
    )
    with op.batch_alter_table('site_posture', schema=None) as batch_op:
        batch_op.create_index('ix_site_posture_run_id', ['run_id'], unique=False)


def downgrade() -> None:
    op.drop_table('site_posture')
    op.drop_table('article_texts')
    op.drop_table('personal_data')
    op.drop_table('attachment_snapshots')
    op.drop_table('attachments')
    op.drop_table('site_security')
