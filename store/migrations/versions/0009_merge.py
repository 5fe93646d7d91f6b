"""Join the governance (issue 16), security posture (issue 17) and incremental crawl
(issue 15) revisions.

All three branches added tables or columns beside each other on top of ``0007_merge``;
none touches another's, so the merge itself changes nothing.

Revision ID: 0009_merge
Revises: 0008b_governance, 0008c_security, 0008d_incremental
"""

revision = "0009_merge"
down_revision = ("0008b_governance", "0008c_security", "0008d_incremental")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
