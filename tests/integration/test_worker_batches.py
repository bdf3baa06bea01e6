"""A worker claims received items in batches and processes each batch in one
transaction (processing.process_many, workers.tasks.process_received), on PostgreSQL:
every item is routed as if it had been processed alone and in order, and an item that
fails holds back only itself, and is held for a moderator rather than tried forever."""
import random

from sqlalchemy import select, update

from moderation import intake, processing
from moderation.extensions import db
from moderation.store import Decision, Item
from workers import tasks


class Calm:
    """A classifier that finds nothing: the stored detectors decide."""
    version = None

    def spam_probability(self, text):
        return 0.05


def posts(app, tag: str) -> list[int]:
    """A small campaign (one text under three names) between ordinary comments, all
    of this test's own words (other tests' items must not look like duplicates)."""
    rng = random.Random(tag)
    words = "river quay ferry lantern orchard granary mill weir lock towpath barge".split()
    campaign = f"Cheap {tag} watches at our shop, {' '.join(rng.sample(words, 6))}, order today"
    bodies = [" ".join(rng.sample(words, 8)).capitalize() + f" {tag} {n}." for n in range(3)]
    with app.app_context():  # stored, not enqueued: no worker may take them first
        items = [intake.receive_comment(
            db.session, "default", f"batch-{tag}",
            {"author_name": f"Reader {n}", "author_email": f"{tag}{n}@example.net", "body": body},
            intake.Context(ip=f"10.{len(tag)}.{ord(tag[0])}.{n + 1}", user_agent="test"))
            for n, body in enumerate([bodies[0], campaign, bodies[1], campaign, campaign, bodies[2]])]
        db.session.commit()
        ids = [item.id for item in items]
        db.session.remove()
    return ids


def outcome(app, ids: list[int]) -> list[tuple]:
    with app.app_context():
        items = db.session.scalars(select(Item).where(Item.id.in_(ids)).order_by(Item.id)).all()
        result = [(i.status, i.score, sorted((s["name"], s["weight"]) for s in i.signals))
                  for i in items]
        db.session.remove()
    return result


def test_a_batch_routes_each_item_as_one_at_a_time_would(pg_app):
    one_by_one, batched = posts(pg_app, "single"), posts(pg_app, "batched")
    with pg_app.app_context():
        for item_id in one_by_one:
            processing.process(db.session, item_id, Calm())
            db.session.commit()
        processed = processing.process_many(db.session, batched, Calm())
        db.session.commit()
        assert [i.id for i in processed] == sorted(batched)
        assert processing.process_many(db.session, batched, Calm()) == []  # twice: nothing
        db.session.remove()

    single, batch = outcome(pg_app, one_by_one), outcome(pg_app, batched)
    assert batch == single
    # The campaign's later copies saw the earlier ones within the same transaction.
    assert [status for status, _, _ in batch].count("spam") >= 2
    assert any(("duplicate", 0.8) in signals for _, _, signals in batch)


def test_an_item_that_fails_holds_back_only_itself(pg_app):
    ids = posts(pg_app, "poison")
    bad = ids[2]
    with pg_app.app_context():  # a kind no allow-list knows: sanitising raises for it
        db.session.execute(update(Item).where(Item.id == bad).values(
            kind="no-such-kind", body_raw="<b>odd</b> & kept"))
        db.session.commit()
        tasks._process_batch(ids)
        statuses = dict(db.session.execute(select(Item.id, Item.status).where(Item.id.in_(ids))).all())
        decisions = db.session.execute(select(Decision.item_id, Decision.note)
                                       .where(Decision.item_id.in_(ids))).all()
        shown = db.session.get(Item, bad).body_html
        db.session.remove()
    assert all(status not in ("received",) for status in statuses.values())
    assert statuses[bad] == "pending"  # held for a moderator, not tried on every wake-up
    assert sorted(item_id for item_id, _ in decisions) == sorted(ids)
    [note] = [note for item_id, note in decisions if item_id == bad]
    assert note.startswith("held for a moderator: processing failed (KeyError")
    assert shown == "<p>&lt;b&gt;odd&lt;/b&gt; &amp; kept</p>"  # escaped, never run
