"""the outbox, idempotency keys, Standard Webhooks secrets

One event row per decision, edit or erase (store/outbox.py); the first answers to posts
sent with an Idempotency-Key; every comment's public fields prepared with its HTML (not
only approved ones'); webhook secrets remade in the Standard Webhooks form (`whsec_` and
base64), since receivers now verify the `webhook-signature` header with them.

Revision ID: 0007
Revises: 0006
"""
import base64
import json
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "outbox_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("site.id"), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("thread_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("dispatched_at", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("error", sa.String(500), nullable=False, server_default=""),
    )
    op.create_index("ix_outbox_event_item_id", "outbox_event", ["item_id"])
    op.create_index("ix_outbox_event_created", "outbox_event", ["created_at"])
    op.create_index("ix_outbox_event_waiting", "outbox_event", ["id"],
                    postgresql_where=sa.text("dispatched_at IS NULL"),
                    sqlite_where=sa.text("dispatched_at IS NULL"))
    op.create_table(
        "idempotency_key",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("site.id"), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("item.id"), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("site_id", "key"),
    )
    op.create_index("ix_idempotency_key_item_id", "idempotency_key", ["item_id"])
    op.create_index("ix_idempotency_key_created_at", "idempotency_key", ["created_at"])
    connection = op.get_bind()
    item = sa.table("item", sa.column("id", sa.Integer), sa.column("kind", sa.String),
                    sa.column("author_name", sa.String), sa.column("body_html", sa.Text),
                    sa.column("created_at", sa.DateTime), sa.column("public_json", sa.Text))
    rows = connection.execute(sa.select(item.c.id, item.c.author_name, item.c.body_html,
                                        item.c.created_at)
                              .where(item.c.kind == "comment", item.c.body_html.is_not(None),
                                     item.c.public_json.is_(None))).all()
    for row in rows:  # as Item.show() writes them, frozen here as of this revision
        fields = json.dumps({"author_name": row.author_name, "html": row.body_html,
                             "created_at": row.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")},
                            separators=(",", ":"))[1:-1]
        connection.execute(item.update().where(item.c.id == row.id).values(public_json=fields))
    endpoint = sa.table("webhook_endpoint", sa.column("id", sa.Integer),
                        sa.column("secret", sa.String), sa.column("previous_secret", sa.String))
    for (endpoint_id,) in connection.execute(sa.select(endpoint.c.id)).all():
        secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
        connection.execute(endpoint.update().where(endpoint.c.id == endpoint_id)
                           .values(secret=secret, previous_secret=None))


def downgrade():
    op.drop_table("idempotency_key")
    op.drop_table("outbox_event")
