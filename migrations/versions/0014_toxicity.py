"""toxicity: the score and highlighted words of each item, model versions, moderators'
verdicts as training examples, and readers' nudges

Items processed before this revision keep no toxicity score (NULL): they do not appear
in the queue sorted by toxicity, and nothing scores them again.

Revision ID: 0014
Revises: 0013
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("item", sa.Column("toxicity", sa.Float(), nullable=True))
    op.add_column("item", sa.Column("toxic_spans", sa.JSON(), nullable=True))
    op.create_index("ix_item_status_toxicity", "item", ["status", "toxicity", "id"])
    op.create_index("ix_item_site_status_toxicity", "item", ["site_id", "status", "toxicity", "id"])

    op.create_table(
        "toxicity_model",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("examples", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["toxicity_model.id"]),
        sa.PrimaryKeyConstraint("id"))
    op.create_index("ix_toxicity_model_is_active", "toxicity_model", ["is_active"])

    op.create_table(
        "toxicity_example",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("is_toxic", sa.Boolean(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"]),
        sa.ForeignKeyConstraint(["model_id"], ["toxicity_model.id"]),
        sa.PrimaryKeyConstraint("id"))
    op.create_index("ix_toxicity_example_item_id", "toxicity_example", ["item_id"])
    op.create_index("ix_toxicity_example_model_id", "toxicity_example", ["model_id"])

    op.create_table(
        "toxicity_nudge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("reader", sa.String(length=64), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"]),
        sa.PrimaryKeyConstraint("id"))
    op.create_index("ix_toxicity_nudge_reader", "toxicity_nudge", ["reader", "created_at"])
    op.create_index("ix_toxicity_nudge_site_created", "toxicity_nudge", ["site_id", "created_at"])


def downgrade():
    op.drop_index("ix_toxicity_nudge_site_created", table_name="toxicity_nudge")
    op.drop_index("ix_toxicity_nudge_reader", table_name="toxicity_nudge")
    op.drop_table("toxicity_nudge")
    op.drop_index("ix_toxicity_example_model_id", table_name="toxicity_example")
    op.drop_index("ix_toxicity_example_item_id", table_name="toxicity_example")
    op.drop_table("toxicity_example")
    op.drop_index("ix_toxicity_model_is_active", table_name="toxicity_model")
    op.drop_table("toxicity_model")
    op.drop_index("ix_item_site_status_toxicity", table_name="item")
    op.drop_index("ix_item_status_toxicity", table_name="item")
    op.drop_column("item", "toxic_spans")
    op.drop_column("item", "toxicity")
