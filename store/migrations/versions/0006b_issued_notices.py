"""issued notices (文号 kept per site and period), evidence screenshots, and site-relative
finding fingerprints

Two new tables (``issued_notices``, ``evidence_shots``; see store/models.py) and a data
migration: fingerprints of in-site URLs are now built from the site and the URL relative
to it (``store.fingerprints.SubjectKeys``), so a site moved to another port, scheme or host
alias keeps its open problems. A stored finding does not keep its subject, so a stored
fingerprint is rewritten only where the finding proves what its subject was: the old hash
of (site code, rule, candidate) equals the stored one for the candidate its URL (links,
hidden links, hijacks, pages, guides, boards) or its URL's column key (columns). Any other
finding (e.g. a citizen message seen on a board page) keeps its old fingerprint: on the
first check after the upgrade it shows once as fixed and again as new (a documented
one-time effect; README "Upgrading").

Revision ID: 0006b_issued_notices
Revises: 0005_links_run_site
Create Date: 2026-12-07 09:00:00
"""
import hashlib

import sqlalchemy as sa
from alembic import op

revision = '0006b_issued_notices'
down_revision = '0005_links_run_site'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'issued_notices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=16), nullable=False),
        sa.Column('system', sa.String(length=64), nullable=False),
        sa.Column('prefix', sa.String(length=40), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('doc_no', sa.String(length=80), nullable=False),
        sa.Column('notice_date', sa.Date(), nullable=False),
        sa.Column('issued_at', sa.DateTime(), nullable=False),
        sa.Column('rendered_at', sa.DateTime(), nullable=False),
        sa.Column('files', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('prefix', 'year', 'number'),
        sa.UniqueConstraint('site_id', 'period', 'system'),
    )
    op.create_table(
        'evidence_shots',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('page_url', sa.String(length=2048), nullable=True),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('outlined', sa.Boolean(), nullable=False),
        sa.Column('caption', sa.Text(), nullable=True),
        sa.Column('png', sa.LargeBinary(), nullable=True),
        sa.Column('width', sa.Integer(), nullable=False),
        sa.Column('height', sa.Integer(), nullable=False),
        sa.Column('cache_key', sa.String(length=64), nullable=True),
        sa.Column('elapsed_ms', sa.Integer(), nullable=False),
        sa.Column('taken_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['run_id'], ['runs.id']),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('run_id', 'fingerprint'),
    )
    op.create_index('ix_evidence_shots_cache', 'evidence_shots', ['cache_key'], unique=False)
    _refingerprint()


def _old(code: str, rule: str, subject: str) -> str:
    """The fingerprint as checks.runner built it before this revision."""
    return hashlib.sha1(f"{code}\x1f{rule}\x1f{subject}".encode()).hexdigest()


def _refingerprint() -> None:
    from parse.urls import column_key
    from store.fingerprints import SubjectKeys, fingerprint

    conn = op.get_bind()
    sites = conn.execute(sa.text("SELECT id, code, url, scope FROM sites")).all()
    if not sites:
        return

    class _Site:  # what SubjectKeys reads of a Site row
        def __init__(self, row: sa.Row) -> None:
            self.code, self.url = row.code, row.url
            scope = row.scope
            if isinstance(scope, str):
                import json

                scope = json.loads(scope or "{}")
            self.scope = scope or {}

    keys = SubjectKeys([_Site(r) for r in sites])
    codes = {r.id: r.code for r in sites}
    rows = conn.execute(sa.text("SELECT id, run_id, site_id, rule, url, fingerprint "
                                "FROM findings WHERE url LIKE 'http%'")).all()
    taken = {(r.run_id, r.fingerprint) for r in rows}  # (run, fingerprint) is unique
    memo: dict[str, str] = {}
    for row in rows:
        code = codes.get(row.site_id)
        if code is None:
            continue
        if row.fingerprint not in memo:
            memo[row.fingerprint] = row.fingerprint
            for candidate in dict.fromkeys((row.url, column_key(row.url))):
                if _old(code, row.rule, candidate) == row.fingerprint:
                    memo[row.fingerprint] = fingerprint(code, row.rule,
                                                        keys.key(code, candidate))
                    break
        new = memo[row.fingerprint]
        if new != row.fingerprint and (row.run_id, new) not in taken:
            taken.add((row.run_id, new))
            conn.execute(sa.text("UPDATE findings SET fingerprint = :fp WHERE id = :id"),
                         {"fp": new, "id": row.id})


def downgrade() -> None:
    # Fingerprints stay in the site-relative form: the old ones cannot be rebuilt (the
    # port or host they held is not stored), and the older code only compares them.
    op.drop_index('ix_evidence_shots_cache', table_name='evidence_shots')
    op.drop_table('evidence_shots')
    op.drop_table('issued_notices')
