"""merge the page-facts (issue 11) and issued-notices (issue 13) branches

Revision ID: 0007_merge
Revises: 0006a_page_facts, 0006b_issued_notices
Create Date: 2026-12-07 02:30:00
"""

revision = "0007_merge"
down_revision = ("0006a_page_facts", "0006b_issued_notices")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
