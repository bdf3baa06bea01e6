"""community tools: reports and reporters, author standing, email verification; items'
report state, verified authors and reply notices; threads' first comment time

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "report",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("item.id"), nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("reporter_key", sa.String(64), nullable=False),
        sa.Column("email_hash", sa.String(64), nullable=False),
        sa.Column("ip_prefix", sa.String(45), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_report_item_open", "report", ["item_id", "outcome"])
    op.create_index("ix_report_reporter_key", "report", ["reporter_key"])
    op.create_table(
        "reporter",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("upheld", sa.Integer(), nullable=False),
        sa.Column("dismissed", sa.Integer(), nullable=False),
    )
    op.create_table(
        "standing",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("site.id"), nullable=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("network", sa.String(45), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("until", sa.DateTime(), nullable=True),
        sa.Column("reason", sa.String(300), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("ended_by", sa.String(80), nullable=False),
    )
    op.create_index("ix_standing_email", "standing", ["email"])
    op.create_index("ix_standing_network", "standing", ["network"])
    op.create_table(
        "verification",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("site.id"), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("verified_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("request_hash"),
    )
    with op.batch_alter_table("item") as batch:
        batch.add_column(sa.Column("report_weight", sa.Float(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("reported_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("hidden", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("verified_reader", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("notify_replies", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.create_index("ix_item_reported_at", ["reported_at"])
    with op.batch_alter_table("thread") as batch:
        batch.add_column(sa.Column("first_comment_at", sa.DateTime(), nullable=True))
    thread = sa.table("thread", sa.column("id", sa.Integer), sa.column("first_comment_at", sa.DateTime))
    item = sa.table("item", sa.column("thread_id", sa.Integer), sa.column("created_at", sa.DateTime))
    op.execute(thread.update().values(first_comment_at=sa.select(sa.func.min(item.c.created_at))
                                      .where(item.c.thread_id == thread.c.id).scalar_subquery()))


def downgrade():
    with op.batch_alter_table("thread") as batch:
        batch.drop_column("first_comment_at")
    with op.batch_alter_table("item") as batch:
        batch.drop_index("ix_item_reported_at")
        for column in ("notify_replies", "verified_reader", "hidden", "reported_at", "report_weight"):
            batch.drop_column(column)
    for table in ("verification", "standing", "reporter", "report"):
        op.drop_table(table)
