"""Moderation mode and admin-managed lists (trusted, blocked, watched).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 14:45:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

MODES = ("flagged_only", "premoderate_all", "premoderate_first", "shadow")
KINDS = (
    "trusted_email", "blocked_email", "blocked_ip", "blocked_word", "blocked_domain",
    "watched_word", "watched_domain",
)


def upgrade():
    op.create_table(
        "policy_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "mode",
            sa.Enum(*MODES, name="moderation_mode", native_enum=False, create_constraint=True,
                    length=20),
            nullable=False,
        ),
        sa.Column("lists_version", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=254), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_settings")),
    )
    op.create_table(
        "list_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(*KINDS, name="list_kind", native_enum=False, create_constraint=True,
                    length=20),
            nullable=False,
        ),
        sa.Column("value", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_entries")),
        sa.UniqueConstraint("kind", "value", name=op.f("uq_list_entries_kind")),
    )


def downgrade():
    op.drop_table("list_entries")
    op.drop_table("policy_settings")
