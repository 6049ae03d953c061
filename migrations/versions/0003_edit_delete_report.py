"""Authors edit and delete their comments; readers report them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 13:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("deleted", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.alter_column("deleted", server_default=None)
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("ip_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "reason",
            sa.Enum("spam", "medical_misinformation", "abusive", "other", name="report_reason",
                    native_enum=False, create_constraint=True, length=30),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["comment_id"], ["comments.id"],
                                name=op.f("fk_reports_comment_id_comments"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint("comment_id", "ip_hash", name=op.f("uq_reports_comment_id")),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reports_comment_id"), ["comment_id"], unique=False)


def downgrade():
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reports_comment_id"))
    op.drop_table("reports")
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_column("deleted")
        batch_op.drop_column("edited_at")
