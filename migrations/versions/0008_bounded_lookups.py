"""bounded look-ups for the spam detectors

Composite indexes, so each of the detectors' look-ups (by author and by network, recent
or by status; the same text in the last days) reads a bounded range of one index, and a
flood costs each of its items no more than the tenth copy did. They replace the
single-column indexes on author_email, ip_prefix and body_hash.

Revision ID: 0008
Revises: 0007
"""
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

NEW = {"ix_item_author_email_created": ["author_email", "created_at"],
       "ix_item_author_email_status": ["author_email", "status"],
       "ix_item_ip_prefix_created": ["ip_prefix", "created_at"],
       "ix_item_ip_prefix_status": ["ip_prefix", "status"],
       "ix_item_body_hash_created": ["body_hash", "created_at"]}
OLD = {"ix_item_author_email": ["author_email"], "ix_item_ip_prefix": ["ip_prefix"],
       "ix_item_body_hash": ["body_hash"]}


def upgrade():
    for name, columns in NEW.items():
        op.create_index(name, "item", columns)
    for name in OLD:
        op.drop_index(name, table_name="item")


def downgrade():
    for name, columns in OLD.items():
        op.create_index(name, "item", columns)
    for name in NEW:
        op.drop_index(name, table_name="item")
