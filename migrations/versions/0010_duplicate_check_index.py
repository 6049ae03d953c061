"""Duplicate check: index comments by thread, address and the start of the text.

A spam wave posts from one address into one thread; without this index the duplicate
check filtered every comment of that address by its full text, slower with each post.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 17:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_comments_duplicate_check",
        "comments",
        ["thread_id", "ip_hash", sa.text("substr(body, 1, 64)")],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_comments_duplicate_check", table_name="comments")
