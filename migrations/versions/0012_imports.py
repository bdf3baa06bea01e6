"""imports

Where imported items came from (import_record): the source's own id per site, so a
second run of an import stores nothing twice and a reply finds a parent stored by an
earlier run. An erased item leaves its row behind (item_id set to NULL), so the import
does not bring it back.

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "import_record",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("site.id"), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("source_id", sa.String(200), nullable=False),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("item.id", ondelete="SET NULL"),
                  nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("source_id", "site_id", "source"),
    )
    op.create_index("ix_import_record_item_id", "import_record", ["item_id"])


def downgrade():
    op.drop_index("ix_import_record_item_id", table_name="import_record")
    op.drop_table("import_record")
