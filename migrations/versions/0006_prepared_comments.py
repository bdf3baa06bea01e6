"""prepared comments

A published comment's public fields as ready JSON (embed.public_fields), written when it
is approved, so reading a thread costs the database no work per comment.

Revision ID: 0006
Revises: 0005
"""
import json

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("item", sa.Column("public_json", sa.Text(), nullable=True))
    item = sa.table("item", sa.column("id", sa.Integer), sa.column("kind", sa.String),
                    sa.column("status", sa.String), sa.column("author_name", sa.String),
                    sa.column("body_html", sa.Text), sa.column("created_at", sa.DateTime),
                    sa.column("public_json", sa.Text))
    connection = op.get_bind()
    rows = connection.execute(sa.select(item.c.id, item.c.author_name, item.c.body_html,
                                        item.c.created_at)
                              .where(item.c.kind == "comment", item.c.status == "approved")).all()
    for row in rows:  # as embed.public_fields() writes it, frozen here as of this revision
        fields = json.dumps({"author_name": row.author_name, "html": row.body_html or "",
                             "created_at": row.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")},
                            separators=(",", ":"))[1:-1]
        connection.execute(item.update().where(item.c.id == row.id).values(public_json=fields))


def downgrade():
    op.drop_column("item", "public_json")
