"""Audit records of GDPR erasures (privacy_erasures).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 15:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "privacy_erasures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("email_hash", sa.String(length=64), nullable=False),
        sa.Column("comments", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_erasures")),
    )
    with op.batch_alter_table("privacy_erasures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_privacy_erasures_email_hash"), ["email_hash"], unique=False
        )


def downgrade():
    with op.batch_alter_table("privacy_erasures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_privacy_erasures_email_hash"))
    op.drop_table("privacy_erasures")
