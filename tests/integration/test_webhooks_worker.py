"""Webhooks on PostgreSQL, Redis and a real worker: a decision is delivered by the worker,
retried with backoff after a failure; with the broker down, the decision still commits,
its event waits in the outbox and beat's dispatch hands it over once the broker is back."""
import json

from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from moderation import review
from moderation.extensions import db
from moderation.mainsite import webhooks
from moderation.store import (
    Event,
    Item,
    Moderator,
    Site,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from tests.conftest import Receiver
from tests.integration.conftest import SECRET, production_app, wait_for

COMMENT = {"author_name": "Wes", "author_email": "wes@example.org",
           "body": "The new timetable works well for night shifts."}
SLOW = 120  # waits, not speed checks: the worker's first item may train the spam model


def pending_comment(app, thread):
    """A comment posted through the API and processed by the worker to `pending`."""
    item_id = app.test_client().post(f"/api/v1/sites/default/threads/{thread}/comments",
                                     json=COMMENT).get_json()["id"]

    def processed():
        with app.app_context():
            status = db.session.get(Item, item_id).status
            db.session.remove()
            return status != "received"
    wait_for(processed, timeout=SLOW)
    return item_id


def approve(app, item_id, username):
    with app.app_context():
        moderator = db.session.scalar(select(Moderator).where(Moderator.username == username))
        if moderator is None:
            moderator = Moderator(username=username, password_hash="x")
            db.session.add(moderator)
            db.session.flush()
        item = db.session.get(Item, item_id)
        if item.status == "spam":
            review.decide(db.session, item_id, "not_spam", moderator)
        review.decide(db.session, item_id, "approve", moderator)
        db.session.commit()
        db.session.remove()


def add_endpoint(app, url):
    with app.app_context():
        site = db.session.scalar(select(Site).where(Site.key == "default"))
        endpoint = webhooks.add_endpoint(db.session, site, url, ["item.approved"])
        db.session.commit()
        secret = endpoint.secret
        db.session.remove()
        return secret


def delivery_of(app, item_id):
    with app.app_context():
        delivery = db.session.scalars(
            select(WebhookDelivery).join(WebhookDelivery.event)
            .where(WebhookEvent.item_id == item_id).order_by(WebhookDelivery.id.desc())).first()
        # None until the outbox's dispatch has made the delivery (just after the decision)
        state = delivery and (delivery.event.item_id, delivery.status, delivery.attempts,
                              delivery.last_error)
        db.session.remove()
        return state


def test_worker_delivers_and_retries_after_a_failure(pg_app, worker):
    receiver = Receiver(statuses=[503])
    try:
        secret = add_endpoint(pg_app, receiver.url)
        item_id = pending_comment(pg_app, "hooks-1")
        approve(pg_app, item_id, "hook-mod")
        wait_for(lambda: (delivery_of(pg_app, item_id) or (0, ""))[1] == "delivered", timeout=SLOW)
        assert delivery_of(pg_app, item_id) == (item_id, "delivered", 2, "")
        assert len(receiver.requests) == 2
        headers, body = receiver.requests[-1]
        Webhook(secret).verify(body, headers)  # raises unless signed with the secret
        assert json.loads(body)["item"]["id"] == item_id
    finally:
        receiver.stop()
        with pg_app.app_context():
            for endpoint in db.session.scalars(select(WebhookEndpoint)):
                endpoint.is_active = False
            db.session.commit()
            db.session.remove()


def test_broker_down_keeps_the_delivery_in_the_outbox(pg_app, pg_url, worker):
    receiver = Receiver()
    try:
        add_endpoint(pg_app, receiver.url)
        item_id = pending_comment(pg_app, "hooks-2")
        # A web process whose broker is down: the moderator's decision still commits,
        # and the request does no HTTP call of its own.
        cut_off = production_app({"DATABASE_URL": pg_url, "SECRET_KEY": SECRET,
                                  "CELERY_BROKER_URL": "redis://127.0.0.1:1/0"})
        try:
            approve(cut_off, item_id, "hook-mod-2")
        finally:
            live = pg_app.extensions["celery"]  # back to the live broker for later tasks
            live.set_default()
            live.set_current()
            with cut_off.app_context():
                db.engine.dispose()
        with pg_app.app_context():
            waiting = db.session.scalars(select(Event).where(
                Event.item_id == item_id, Event.dispatched_at.is_(None))).all()
            assert "approved" in [e.data["to"] for e in waiting]
            db.session.remove()
        assert receiver.requests == []
        pg_app.extensions["celery"].tasks["moderation.dispatch_events"].delay()  # as beat does
        wait_for(lambda: (delivery_of(pg_app, item_id) or (0, ""))[1] == "delivered", timeout=SLOW)
        [(headers, body)] = receiver.requests
        assert json.loads(body)["item"]["id"] == item_id
    finally:
        receiver.stop()
