"""Moderation queue: undo links a decision to its reversal; keyset index on status and id.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 14:45:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("moderation_decisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reverted_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_moderation_decisions_reverted_by_id_moderation_decisions"),
            "moderation_decisions",
            ["reverted_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.create_index("ix_comments_status_id", ["status", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index("ix_comments_status_id")
    with op.batch_alter_table("moderation_decisions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_moderation_decisions_reverted_by_id_moderation_decisions"),
            type_="foreignkey",
        )
        batch_op.drop_column("reverted_by_id")
