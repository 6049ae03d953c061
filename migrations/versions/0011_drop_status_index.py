"""Drop the index on comments.status alone: ix_comments_status_id (status, id) serves it.

Every INSERT and every decision (a status change, which can never be a HOT update)
wrote both.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 15:00:00

"""
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index("ix_comments_status")


def downgrade():
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.create_index("ix_comments_status", ["status"], unique=False)
