"""merge the columns, messages and link-title branches

Revision ID: 0004_merge
Revises: 0003a_columns, 0003b_messages, 0003e_linkcheck_title
Create Date: 2026-11-22 07:15:00
"""

revision = "0004_merge"
down_revision = ("0003a_columns", "0003b_messages", "0003e_linkcheck_title")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
