"""form tokens are accepted once: the nonces of tokens already used

Revision ID: 0015
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "spent_form_token",
        sa.Column("nonce", sa.String(32), primary_key=True),
        sa.Column("spent_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_spent_form_token_spent_at", "spent_form_token", ["spent_at"])


def downgrade():
    op.drop_index("ix_spent_form_token_spent_at", "spent_form_token")
    op.drop_table("spent_form_token")
