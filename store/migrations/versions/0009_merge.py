"""Join the governance (issue 16) and security posture (issue 17) revisions.

Both branches added tables beside each other on top of ``0007_merge``; neither touches the
other's tables, so the merge itself changes nothing.

Revision ID: 0009_merge
Revises: 0008b_governance, 0008c_security
"""

revision = "0009_merge"
down_revision = ("0008b_governance", "0008c_security")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
