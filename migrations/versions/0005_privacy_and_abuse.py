"""privacy and abuse

Indexes for the privacy work: the IP purge reads items still holding a full address by
age (a partial index, so it stays as small as the retention period), and erasing an
email's items finds their replies and fingerprint bands (and PostgreSQL checks those
foreign keys on every deleted item) without scanning the tables.

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

FULL_IP = sa.text("ip <> ip_prefix")


def upgrade():
    op.create_index("ix_item_full_ip_created", "item", ["created_at"],
                    postgresql_where=FULL_IP, sqlite_where=FULL_IP)
    op.create_index("ix_item_parent_id", "item", ["parent_id"])
    op.create_index("ix_spam_fingerprint_band_item_id", "spam_fingerprint_band", ["item_id"])


def downgrade():
    op.drop_index("ix_spam_fingerprint_band_item_id", table_name="spam_fingerprint_band")
    op.drop_index("ix_item_parent_id", table_name="item")
    op.drop_index("ix_item_full_ip_created", table_name="item")
