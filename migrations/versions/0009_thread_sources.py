"""threads confirmed by an approved post or the main site; site API keys

A thread's URL and title used to come from its first post, approved or not. From now on
a post only proposes them (kept with the item) and the first approved comment or the
main site sets them, so the URL and title of threads with no approved comment are
cleared: nobody vouched for them. Sites get an API key (its SHA-256) for the main site's
machine calls, such as registering a thread.

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("site", sa.Column("api_key_hash", sa.String(64), nullable=True))
    thread = sa.table("thread", sa.column("url", sa.String), sa.column("title", sa.String),
                      sa.column("approved_count", sa.Integer))
    op.execute(thread.update().where(thread.c.approved_count == 0).values(url="", title=""))


def downgrade():
    op.drop_column("site", "api_key_hash")
