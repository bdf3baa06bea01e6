"""moderators workplace

Notes, edits, messages to submitters, audit events, login throttling, and the review
queue's indexes.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# The queue's priority, exactly as moderation/models/workplace.py renders it per database
# (the ORDER BY must be this expression for the index to serve it).
PRIORITY = {
    "postgresql": "(EXTRACT(EPOCH FROM created_at)::float8 + COALESCE(score, 0.5) * 21600)",
    "sqlite": "((julianday(created_at) - 2440587.5) * 86400.0 + COALESCE(score, 0.5) * 21600)",
}


def upgrade():
    op.create_table(
        "item_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("moderator_id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"]),
        sa.ForeignKeyConstraint(["moderator_id"], ["moderator.id"]),
        sa.PrimaryKeyConstraint("id"))
    op.create_index("ix_item_note_item_id", "item_note", ["item_id"])
    op.create_index("ix_item_note_moderator_id", "item_note", ["moderator_id"])

    op.create_table(
        "item_edit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("moderator_id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("title_before", sa.String(length=300), nullable=False),
        sa.Column("title_after", sa.String(length=300), nullable=False),
        sa.Column("body_before", sa.Text(), nullable=False),
        sa.Column("body_after", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"]),
        sa.ForeignKeyConstraint(["moderator_id"], ["moderator.id"]),
        sa.PrimaryKeyConstraint("id"))
    op.create_index("ix_item_edit_item_id", "item_edit", ["item_id"])
    op.create_index("ix_item_edit_moderator_id", "item_edit", ["moderator_id"])

    op.create_table(
        "submitter_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["decision_id"], ["decision.id"]),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("decision_id"))
    op.create_index("ix_submitter_message_item_id", "submitter_message", ["item_id"])

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("moderator_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["moderator_id"], ["moderator.id"]),
        sa.PrimaryKeyConstraint("id"))
    op.create_index("ix_audit_event_created", "audit_event", ["created_at"])
    op.create_index("ix_audit_event_moderator_id", "audit_event", ["moderator_id"])

    op.create_table(
        "login_throttle",
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_failure_at", sa.DateTime(), nullable=True),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("username"))

    priority = sa.text(PRIORITY.get(op.get_bind().dialect.name, PRIORITY["sqlite"]))
    op.create_index("ix_item_queue_priority", "item", ["status", priority, "id"])
    op.create_index("ix_item_site_queue_priority", "item", ["site_id", "status", priority, "id"])
    op.create_index("ix_item_status_id", "item", ["status", "id"])
    op.create_index("ix_decision_created", "decision", ["created_at"])
    op.create_index("ix_decision_actor", "decision", ["actor", "created_at"])


def downgrade():
    op.drop_index("ix_decision_actor", table_name="decision")
    op.drop_index("ix_decision_created", table_name="decision")
    op.drop_index("ix_item_status_id", table_name="item")
    op.drop_index("ix_item_site_queue_priority", table_name="item")
    op.drop_index("ix_item_queue_priority", table_name="item")
    op.drop_table("login_throttle")
    op.drop_index("ix_audit_event_moderator_id", table_name="audit_event")
    op.drop_index("ix_audit_event_created", table_name="audit_event")
    op.drop_table("audit_event")
    op.drop_index("ix_submitter_message_item_id", table_name="submitter_message")
    op.drop_table("submitter_message")
    op.drop_index("ix_item_edit_moderator_id", table_name="item_edit")
    op.drop_index("ix_item_edit_item_id", table_name="item_edit")
    op.drop_table("item_edit")
    op.drop_index("ix_item_note_moderator_id", table_name="item_note")
    op.drop_index("ix_item_note_item_id", table_name="item_note")
    op.drop_table("item_note")
