"""spam learning: model versions, moderators' training examples, near-duplicate
fingerprints

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "spam_model",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("examples", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["spam_model.id"]),
        sa.PrimaryKeyConstraint("id"))
    op.create_index("ix_spam_model_is_active", "spam_model", ["is_active"])

    op.create_table(
        "spam_example",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("is_spam", sa.Boolean(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"]),
        sa.ForeignKeyConstraint(["model_id"], ["spam_model.id"]),
        sa.PrimaryKeyConstraint("id"))
    op.create_index("ix_spam_example_item_id", "spam_example", ["item_id"])
    op.create_index("ix_spam_example_model_id", "spam_example", ["model_id"])

    op.create_table(
        "spam_fingerprint",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"]),
        sa.PrimaryKeyConstraint("item_id"))
    op.create_index("ix_spam_fingerprint_created_at", "spam_fingerprint", ["created_at"])

    op.create_table(
        "spam_fingerprint_band",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"]),
        sa.PrimaryKeyConstraint("id"))
    op.create_index("ix_spam_fingerprint_band_key", "spam_fingerprint_band", ["key", "item_id"])


def downgrade():
    op.drop_index("ix_spam_fingerprint_band_key", table_name="spam_fingerprint_band")
    op.drop_table("spam_fingerprint_band")
    op.drop_index("ix_spam_fingerprint_created_at", table_name="spam_fingerprint")
    op.drop_table("spam_fingerprint")
    op.drop_index("ix_spam_example_model_id", table_name="spam_example")
    op.drop_index("ix_spam_example_item_id", table_name="spam_example")
    op.drop_table("spam_example")
    op.drop_index("ix_spam_model_is_active", table_name="spam_model")
    op.drop_table("spam_model")
