"""The detectors that read stored items, in production mode: flood counted in Redis
(database 11, keys under this run's queue name), a dead Redis holding the item for a
moderator, and a failing detector query on PostgreSQL leaving the item's transaction
usable."""
from datetime import timedelta

import psycopg
from sqlalchemy import text

from moderation import config, create_app, intake, lifecycle, processing
from moderation.extensions import db
from moderation.spam import flood, scorer
from moderation.store import Decision, Item, Site
from tests.integration.conftest import SECRET


class Calm:
    """A text model that finds nothing: what these tests look at is the stored part."""
    threshold = 0.7

    def spam_probability(self, text):
        return 0.01


def receive(body, email, ip, thread="stored-it"):
    item = intake.receive_comment(db.session, "default", thread, {
        "author_name": "Reader", "author_email": email, "body": body}, intake.Context(ip=ip))
    db.session.commit()
    return item.id


def flood_signals(item_id):
    item = db.session.get(Item, item_id)
    return {s["name"]: s for s in item.signals if s["name"].startswith("flood")}


def test_flood_is_counted_in_redis_once_per_scored_item(pg_app):
    with pg_app.app_context():
        window = flood.window_for(db.session)
        assert window is not None
        assert window.namespace == pg_app.config["CELERY"]["task_default_queue"]
        ids = [receive(f"Flood test comment {n} about the harbour", "flood@example.net",
                       f"203.0.113.{n + 1}") for n in range(6)]
        # Stored but not yet scored: Redis has not seen these, the database would count them.
        processing.process(db.session, ids[0], classifier=Calm())
        db.session.commit()
        first = flood_signals(ids[0])
        assert first["flood_email"]["detail"] == "0 other item(s) from this email in 10 min"
        for item_id in ids[1:]:
            processing.process(db.session, item_id, classifier=Calm())
            db.session.commit()
        last = flood_signals(ids[-1])
        assert last["flood_email"]["detail"] == "5 other item(s) from this email in 10 min"
        assert last["flood_email"]["weight"] == 0.3
        assert last["flood_network"]["detail"].startswith("5 other item(s) from 203.0.113.0/24")

        # Scoring the same item again (a retried task) does not count it twice.
        sample = processing.sample_of(db.session.get(Item, ids[-1]))
        again = {s.name: s for s in flood.check(sample, db.session)}
        assert again["flood_email"].detail.startswith("5 other")
        email_key = window.key("email", "flood@example.net")
        assert window.client.zcard(email_key) == 6
        assert 0 < window.client.ttl(email_key) <= (flood.WINDOW + flood.STRAGGLERS).total_seconds()

        # The window slides: an hour later none of these count.
        later = type(sample)(**{**sample.__dict__, "item_id": None,
                                "received_at": sample.received_at + timedelta(hours=1)})
        assert {s.weight for s in flood.check(later, db.session)} == {0.0}
        window.client.delete(email_key, window.key("net", "203.0.113.0/24"))
        db.session.remove()


def test_redis_down_leaves_flood_unchecked_and_holds_the_item(pg_app, pg_url):
    cut_off = create_app({"SQLALCHEMY_DATABASE_URI": pg_url, "EMBEDDED": False,
                          "CELERY": config.celery_settings("redis://127.0.0.1:1/0", "spam-cut-off"),
                          "SECRET_KEY": SECRET, "TESTING": True,
                          "MODERATION_RATE_PER_IP": "off", "MODERATION_RATE_PER_EMAIL": "off"})
    try:
        with cut_off.app_context():
            # The author has an approved item and the site auto-approves low scores:
            # only the unchecked flood detector stands between this item and approval.
            site = db.session.query(Site).filter_by(key="default").one()
            site_policy = dict(site.policy or {})
            site.policy = {**site_policy, "auto_approve": True}
            earlier = db.session.get(Item, receive("An earlier fine remark on the budget.",
                                                   "steady@example.net", "198.18.0.4"))
            lifecycle.move(db.session, earlier, "pending")
            lifecycle.move(db.session, earlier, "approved")
            db.session.commit()
            item_id = receive("Another calm remark on the budget debate.",
                              "steady@example.net", "198.18.0.4")
            processing.process(db.session, item_id, classifier=Calm())
            db.session.commit()
            db.session.expire_all()
            item = db.session.get(Item, item_id)
            signals = {s["name"]: s for s in item.signals}
            assert item.status == "pending"
            assert not signals["flood"]["checked"]
            assert "ConnectionError" in signals["flood"]["detail"]
            assert signals["history_email"]["checked"]  # the database detectors still ran
            note = db.session.query(Decision.note).filter_by(item_id=item_id).order_by(
                Decision.id.desc()).first()[0]
            assert note == "held for a moderator: a detector could not run"
            site.policy = site_policy
            db.session.commit()
            db.session.remove()
    finally:
        live = pg_app.extensions["celery"]  # create_app made the cut-off app's the default
        live.set_default()
        live.set_current()
        with cut_off.app_context():
            db.engine.dispose()


def test_a_failing_detector_query_leaves_the_transaction_usable(pg_app, pg_url):
    body = "A long enough comment about the night bus timetable to get a fingerprint."
    with pg_app.app_context():
        item_id = receive(body, "locked@example.net", "198.18.1.4")
        item = db.session.get(Item, item_id)
        # Another session holds the band table, as a migration would; this transaction
        # waits for it only briefly, so the near-duplicate query fails on the server.
        locker = psycopg.connect(pg_url.replace("+psycopg", ""))
        try:
            locker.execute("LOCK TABLE spam_fingerprint_band IN ACCESS EXCLUSIVE MODE")
            db.session.execute(text("SET LOCAL lock_timeout = '200ms'"))
            result = scorer.score(processing.sample_of(item), processing.policy_of(item),
                                  db.session, Calm())
        finally:
            locker.rollback()
            locker.close()
        found = {s.name: s for s in result.signals}
        assert not found["duplicate"].checked and "lock timeout" in found["duplicate"].detail
        assert not result.complete and found["classifier"].checked
        item.score = result.value  # the transaction still takes writes
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(Item, item_id).score == result.value
        db.session.remove()
