"""Privacy on PostgreSQL: the IP purge through its partial index, and an erasure with
PostgreSQL's foreign-key checks and row locks."""
import secrets
from datetime import timedelta

from sqlalchemy import select, text

from moderation import privacy
from moderation.extensions import db
from moderation.store import Item, Thread, utcnow
from tests.conftest import make_item


def test_purge_cuts_old_addresses_once_through_the_partial_index(pg_app):
    from workers.privacy import purge_ips, purge_ips_task
    now = utcnow()
    old = [make_item(pg_app, created_at=now - timedelta(days=45, minutes=n)) for n in range(3)]
    recent = make_item(pg_app, created_at=now - timedelta(days=2))
    with pg_app.app_context():
        purge_ips_task.run()  # what beat runs; commits per batch
        assert purge_ips(30) == 0  # idempotent
        found = dict(db.session.execute(select(Item.id, Item.ip).where(
            Item.id.in_([*old, recent]))).all())
        assert [found[i] for i in old] == ["192.0.2.0/24"] * 3 and found[recent] == "192.0.2.7"
        # The purge's query is served by ix_item_full_ip_created (the planner may prefer
        # a scan on a table this small, so forbid that to see the index can be used).
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        due = select(Item.id).where(Item.ip != Item.ip_prefix, Item.created_at < now).limit(10)
        plan = "\n".join(db.session.scalars(text("EXPLAIN " + str(due.compile(
            db.engine, compile_kwargs={"literal_binds": True})))))
        assert "ix_item_full_ip_created" in plan, plan
        db.session.rollback()
        db.session.remove()


def test_erase_on_postgresql_keeps_others_replies_and_thread_counts(pg_app):
    run = secrets.token_hex(3)
    ada, bea, thread = f"ada-{run}@example.org", f"bea-{run}@example.org", f"privacy-{run}"
    a = make_item(pg_app, status="approved", thread=thread, author_email=ada)
    b = make_item(pg_app, status="approved", thread=thread, author_email=bea, parent_id=a)
    c = make_item(pg_app, status="pending", thread=thread, author_email=ada.upper(), parent_id=b)
    with pg_app.app_context():
        row = db.session.scalar(select(Thread).where(Thread.key == thread))
        assert row.approved_count == 2
        revision = row.revision
        erased = privacy.erase(db.session, ada)
        db.session.commit()
        assert sorted(erased.item_ids) == [a, c] and erased.moved_replies == 1
        row = db.session.scalar(select(Thread).where(Thread.key == thread))
        assert row.approved_count == 1 and row.revision > revision
        assert db.session.get(Item, b).parent_id is None
        assert db.session.scalars(select(Item.id).where(Item.id.in_([a, b, c]))).all() == [b]
        db.session.remove()
