"""Notifications (reply subscriptions, sent replies, held events, digests) and import keys.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 14:50:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reply_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("unsubscribed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comments.id"],
            name=op.f("fk_reply_subscriptions_comment_id_comments"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reply_subscriptions")),
        sa.UniqueConstraint("comment_id", name=op.f("uq_reply_subscriptions_comment_id")),
    )
    op.create_table(
        "reply_notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reply_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reply_id"], ["comments.id"],
            name=op.f("fk_reply_notifications_reply_id_comments"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reply_notifications")),
        sa.UniqueConstraint("reply_id", name=op.f("uq_reply_notifications_reply_id")),
    )
    op.create_table(
        "notification_digests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("window", sa.String(length=40), nullable=False),
        sa.Column("held_count", sa.Integer(), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_digests")),
        sa.UniqueConstraint("window", name=op.f("uq_notification_digests_window")),
    )
    op.create_table(
        "held_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("digest_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comments.id"],
            name=op.f("fk_held_events_comment_id_comments"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["digest_id"], ["notification_digests.id"],
            name=op.f("fk_held_events_digest_id_notification_digests"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_held_events")),
    )
    with op.batch_alter_table("held_events") as batch_op:
        batch_op.create_index(batch_op.f("ix_held_events_comment_id"), ["comment_id"])
        batch_op.create_index(batch_op.f("ix_held_events_digest_id"), ["digest_id"])
    op.create_table(
        "import_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comments.id"],
            name=op.f("fk_import_keys_comment_id_comments"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_keys")),
        sa.UniqueConstraint("key", name=op.f("uq_import_keys_key")),
    )
    with op.batch_alter_table("import_keys") as batch_op:
        batch_op.create_index(batch_op.f("ix_import_keys_comment_id"), ["comment_id"])


def downgrade():
    op.drop_table("import_keys")
    op.drop_table("held_events")
    op.drop_table("notification_digests")
    op.drop_table("reply_notifications")
    op.drop_table("reply_subscriptions")
