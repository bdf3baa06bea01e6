"""The detectors that read stored items, on PostgreSQL: flood counted from the stored
items (a retried item is not counted twice, the window slides), and a failing detector
query leaving the item's transaction usable."""
from datetime import timedelta

import psycopg
from sqlalchemy import text

from moderation import intake, processing
from moderation.extensions import db
from moderation.spam import flood, scorer
from moderation.store import Item


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


def test_flood_is_counted_from_the_stored_items(pg_app):
    with pg_app.app_context():
        ids = [receive(f"Flood test comment {n} about the harbour", "flood@example.net",
                       f"203.0.113.{n + 1}") for n in range(6)]
        processing.process(db.session, ids[0], classifier=Calm())
        db.session.commit()
        first = flood_signals(ids[0])  # the five stored after it arrived do not count
        assert first["flood_email"]["detail"] == "0 other item(s) from this email in 10 min"
        for item_id in ids[1:]:
            processing.process(db.session, item_id, classifier=Calm())
            db.session.commit()
        last = flood_signals(ids[-1])
        assert last["flood_email"]["detail"] == "5 other item(s) from this email in 10 min"
        assert last["flood_email"]["weight"] == 0.3
        assert last["flood_network"]["detail"].startswith("5 other item(s) from 203.0.113.0/24")

        # Scoring the same item again (a retried task) counts the same.
        sample = processing.sample_of(db.session.get(Item, ids[-1]))
        again = {s.name: s for s in flood.check(sample, db.session)}
        assert again["flood_email"].detail.startswith("5 other")
        # The window slides: an hour later none of these count.
        later = type(sample)(**{**sample.__dict__, "item_id": None,
                                "received_at": sample.received_at + timedelta(hours=1)})
        assert {s.weight for s in flood.check(later, db.session)} == {0.0}
        db.session.remove()


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
