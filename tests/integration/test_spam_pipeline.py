"""The whole scorer through a real worker on PostgreSQL and Redis: a campaign lands in
spam as a cluster, and moderators' verdicts train a new model version that the worker
then scores with."""

from moderation import review
from moderation.extensions import db
from moderation.spam import learning
from moderation.store import Item, Moderator, SpamModel
from tests.integration.conftest import wait_for

CAMPAIGN = ("Earn 500 dollars a day from home with our simple method, "
            "write to {name} at our office for the details")
NEW_SPAM = "Replica designer handbags {n}, factory prices, worldwide shipping, order today"
# Texts of this file's own: other tests' texts posted thirty times here would make
# their items look like part of a campaign.
HAM = ["The ferry timetable change will hurt people who work night shifts.",
       "I was at the council meeting and the budget was not discussed at all.",
       "Good reporting, but the map in the second picture is out of date.",
       "My street floods every spring, the drains have not been cleaned for years."]


def post(app, body, n, thread="spam-it"):
    client = app.test_client()
    response = client.post(f"/api/v1/sites/default/threads/{thread}/comments", json={
        "author_name": f"Reader {n}", "author_email": f"reader{n}@example.net", "body": body},
        environ_base={"REMOTE_ADDR": f"198.51.{n % 250}.{n % 7 + 1}"})
    assert response.status_code == 202, response.get_data(as_text=True)
    return response.get_json()["id"]


def processed(app, item_id):
    def check():
        with app.app_context():
            item = db.session.get(Item, item_id)
            result = item if item.status != "received" else None
            if result is not None:
                db.session.expunge(item)
            db.session.remove()
            return result
    return wait_for(check, timeout=60)


def classifier_weight(item):
    return next(s["weight"] for s in item.signals if s["name"] == "classifier")


def test_a_campaign_under_many_names_lands_in_spam_as_a_cluster(pg_app, worker):
    ids = [post(pg_app, CAMPAIGN.format(name=name), 10 + n, "campaign-it")
           for n, name in enumerate(("Mary", "John", "Lena", "Omar", "Kofi"))]
    items = [processed(pg_app, i) for i in ids]
    items = [processed(pg_app, i) for i in ids]  # re-read: later ones gather earlier ones
    assert [i.status for i in items] == ["spam"] * 5
    last = items[-1]
    duplicate = next(s for s in last.signals if s["name"] == "duplicate")
    assert all(f"#{i}" in duplicate["detail"] for i in ids[:-1])
    page = moderator_page(pg_app, ids[-1])
    assert all(f'href="/review/items/{i}"' in page for i in ids[:-1])


RELEASE = ("The harbour authority will publish its dredging plan for the east quay on "
           "Thursday, its press office said in a statement sent to the local papers.")


def test_later_copies_leave_a_regulars_pending_comment_alone(pg_app, worker):
    """The reported case through the worker on PostgreSQL (the vouching is one SQL
    statement): a regular's pending comment, then two copies of its text from other
    addresses. The copies go to spam; the regular's comment stays pending, marked."""
    earlier = processed(pg_app, post(pg_app, "The east quay car park was full again on "
                                             "Saturday, the new signs do not help.", 900))
    with pg_app.app_context():
        mod = Moderator(username="campaign-it-mod", password_hash="x")
        db.session.add(mod)
        db.session.flush()
        review.decide(db.session, earlier.id, "approve", mod)
        db.session.commit()
    legit = processed(pg_app, post(pg_app, RELEASE, 900, "release-it"))
    assert legit.status == "pending", legit.signals
    copies = [processed(pg_app, post(pg_app, RELEASE, n, "release-it")) for n in (901, 902)]
    copies = [processed(pg_app, c.id) for c in copies]  # re-read: the second gathers the first
    assert [c.status for c in copies] == ["spam", "spam"]
    legit = processed(pg_app, legit.id)
    assert legit.status == "pending"
    [mark] = [s for s in legit.signals if s["name"] == "campaign"]
    assert "its author has approved items" in mark["detail"]


def moderator_page(app, item_id):
    from tests.conftest import add_moderator, log_in
    add_moderator(app, "spam-it-admin", role="admin")
    client = app.test_client()
    log_in(client, "spam-it-admin")
    return client.get(f"/review/items/{item_id}").get_data(as_text=True)


def test_moderators_teach_the_worker_a_new_kind_of_spam(pg_app, worker):
    from workers.learning import learn_spam
    before = processed(pg_app, post(pg_app, NEW_SPAM.format(n="first"), 300))
    with pg_app.app_context():
        previous = learning.active(db.session)
        previous_id = previous.id if previous else None
        mod = Moderator(username="spam-it-mod", password_hash="x")
        db.session.add(mod)
        db.session.commit()
        mod_id = mod.id
    spam_ids = [post(pg_app, NEW_SPAM.format(n=n), 400 + n) for n in range(30)]
    ham_ids = [post(pg_app, f"{HAM[n % 4]} ({n})", 500 + n) for n in range(30)]
    statuses = {i: processed(pg_app, i).status for i in spam_ids + ham_ids}
    with pg_app.app_context():
        mod = db.session.get(Moderator, mod_id)
        for item_id, status in statuses.items():
            item = db.session.get(Item, item_id)
            if item_id in spam_ids:
                action = "spam" if item.status == "pending" else "reject"
                review.decide(db.session, item_id, action, mod, reason="spam")
            else:
                if item.status == "spam":
                    review.decide(db.session, item_id, "not_spam", mod)
                review.decide(db.session, item_id, "approve", mod)
            db.session.commit()  # as the review page does, one decision at a time
        learn_spam.delay()  # what beat runs every few minutes

    def new_version():
        with pg_app.app_context():
            row = learning.active(db.session)
            found = row.id if row is not None and row.id != previous_id and row.examples else None
            db.session.remove()
            return found
    version = wait_for(new_version, timeout=90)

    after = processed(pg_app, post(pg_app, NEW_SPAM.format(n="later"), 301))
    assert classifier_weight(after) > classifier_weight(before) + 0.2
    assert f"model v{version}" in next(s["detail"] for s in after.signals if s["name"] == "classifier")
    assert after.score > before.score

    # Roll back; the worker follows the active version back.
    with pg_app.app_context():
        parent = db.session.get(SpamModel, version).parent_id
        learning.activate(db.session, parent)
        db.session.commit()
    rolled = processed(pg_app, post(pg_app, NEW_SPAM.format(n="rolled back"), 302))
    assert classifier_weight(rolled) < classifier_weight(after)
