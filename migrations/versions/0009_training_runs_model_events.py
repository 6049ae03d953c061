"""Model lifecycle: training runs (progress) and model events (audit).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 14:45:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "training_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("queued", "running", "succeeded", "failed", name="training_status",
                    native_enum=False, create_constraint=True, length=20),
            nullable=False,
        ),
        sa.Column("step", sa.String(length=100), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.String(length=64), nullable=True),
        sa.Column("promoted", sa.Boolean(), nullable=True),
        sa.Column("error", sa.String(length=1000), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_runs")),
    )
    op.create_table(
        "model_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=True),
        sa.Column("previous_version", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(length=1000), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_events")),
    )
    with op.batch_alter_table("model_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_model_events_action"), ["action"], unique=False)


def downgrade():
    with op.batch_alter_table("model_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_model_events_action"))
    op.drop_table("model_events")
    op.drop_table("training_runs")
