"""Comments keep their body rendered to sanitised HTML.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 13:00:00

"""
import sqlalchemy as sa
from alembic import op

from service.rendering import render_comment

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

comments = sa.table(
    "comments", sa.column("id", sa.Integer), sa.column("body", sa.Text),
    sa.column("body_html", sa.Text),
)


def upgrade():
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body_html", sa.Text(), nullable=False, server_default=""))
    connection = op.get_bind()
    rows = connection.execute(sa.select(comments.c.id, comments.c.body)).all()
    for comment_id, body in rows:
        connection.execute(
            comments.update().where(comments.c.id == comment_id).values(body_html=render_comment(body))
        )
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.alter_column("body_html", server_default=None)


def downgrade():
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_column("body_html")
