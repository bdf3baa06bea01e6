"""Webhooks, in-process worker: an admin registers an endpoint, decisions are delivered
to a real HTTP receiver on 127.0.0.1, signed as Standard Webhooks and verified with the
`standardwebhooks` package as a CMS developer would; failures are logged and retried;
private addresses are refused unless MODERATION_WEBHOOK_PRIVATE allows them."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from moderation import review
from moderation.extensions import db
from moderation.mainsite import webhooks
from moderation.store import Moderator, WebhookDelivery, WebhookEndpoint, WebhookEvent, utcnow
from tests.conftest import (
    Receiver,
    add_moderator,
    csrf_from,
    decide,
    log_in,
    make_app,
    post_comment,
)


@pytest.fixture
def app(tmp_path):
    """The receivers listen on 127.0.0.1: allowed here as for an intranet CMS."""
    app = make_app(f"sqlite:///{tmp_path / 'hooks.sqlite3'}", MODERATION_WEBHOOK_PRIVATE=True)
    yield app
    with app.app_context():
        db.engine.dispose()


def verified(secret: str, headers: dict, body: bytes) -> bool:
    try:
        Webhook(secret).verify(body, headers)
    except WebhookVerificationError:
        return False
    return True

SUBMISSION = {"author_name": "Pat Tipster", "author_email": "pat@example.org",
              "title": "Bridge closed <b>tonight</b>", "body": "The old bridge closes at 10pm."}


def add_endpoint(app, client, url, events=("item.approved", "item.rejected"), site="default"):
    if client.get("/admin/webhooks").status_code != 200:
        add_moderator(app, "admin", role="admin")
        log_in(client, "admin")
    page = client.get("/admin/webhooks").get_data(as_text=True)
    return client.post("/admin/webhooks", data={"site": site, "url": url, "events": list(events),
                                                "csrf_token": csrf_from(page)})


def deliveries(app):
    with app.app_context():
        return [(d.event.type, d.status, d.attempts, d.last_error)
                for d in db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))]


def the_endpoint(app):
    with app.app_context():
        endpoint = db.session.scalar(select(WebhookEndpoint))
        db.session.expunge(endpoint)
        return endpoint


def test_approval_is_delivered_signed_without_private_fields(app, client, receiver):
    assert add_endpoint(app, client, receiver.url).status_code == 303
    secret = the_endpoint(app).secret
    item_id = post_comment(client, thread="story-1").get_json()["id"]
    assert receiver.requests == []  # item.received was not subscribed
    decide(app, item_id, "approve")
    [(headers, body)] = receiver.requests
    assert headers["X-Moderation-Event"] == "item.approved"
    assert verified(secret, headers, body)
    assert not verified(webhooks.new_secret(), headers, body)
    assert not verified(secret, headers, body.replace(b"approved", b"rejected"))
    event = json.loads(body)
    assert event["type"] == "item.approved" and event["site"] == "default"
    assert event["item"]["id"] == item_id and event["item"]["status"] == "approved"
    assert event["item"]["thread"]["key"] == "story-1"
    assert event["item"]["html"].startswith("<p>A thoughtful remark")
    assert "ada@example.org" not in body.decode() and "127.0.0.1" not in body.decode()
    assert headers["webhook-id"] == f"msg_{event['id']}"
    assert deliveries(app) == [("item.approved", "delivered", 1, "")]
    log = client.get("/admin/webhooks").get_data(as_text=True)
    assert "item.approved" in log and "delivered (200)" in log


def test_failure_is_logged_and_retried_with_backoff(app, client):
    receiver = Receiver(statuses=[500])
    try:
        add_endpoint(app, client, receiver.url)
        item_id = post_comment(client).get_json()["id"]
        decide(app, item_id, "approve")
        assert deliveries(app) == [("item.approved", "pending", 1, "HTTP 500")]
        page = client.get("/admin/webhooks?status=pending").get_data(as_text=True)
        assert "HTTP 500" in page
        with app.app_context():
            # Not due yet: the beat job leaves it alone during the backoff.
            assert webhooks.due(db.session) == []
            assert webhooks.due(db.session, utcnow() + timedelta(seconds=webhooks.BACKOFF[0] + 1))
            db.session.execute(update(WebhookDelivery).values(next_attempt_at=utcnow()))
            db.session.commit()
            from workers.webhooks import redeliver_webhooks
            assert redeliver_webhooks() == 1  # what beat runs every minute
        assert deliveries(app) == [("item.approved", "delivered", 2, "")]
        assert len(receiver.requests) == 2
        (first, body), (again, body_again) = receiver.requests
        assert body == body_again and first["webhook-id"] == again["webhook-id"]  # one message
    finally:
        receiver.stop()


def test_a_dead_endpoint_is_given_up_after_the_last_attempt(app, client):
    add_endpoint(app, client, "http://127.0.0.1:9/nothing-listens-here")
    item_id = post_comment(client).get_json()["id"]
    decide(app, item_id, "approve")
    from workers.webhooks import deliver_webhook
    with app.app_context():
        delivery_id = db.session.scalar(select(WebhookDelivery.id))
        for _ in range(webhooks.MAX_ATTEMPTS - 1):
            db.session.execute(update(WebhookDelivery).values(next_attempt_at=utcnow()))
            db.session.commit()
            deliver_webhook.delay(delivery_id)
    [(_, status, attempts, error)] = deliveries(app)
    assert (status, attempts) == ("failed", webhooks.MAX_ATTEMPTS)
    assert "Connection refused" in error or "URLError" in error
    page = client.get("/admin/webhooks?status=failed").get_data(as_text=True)
    assert "Send again" in page
    form = csrf_from(page)
    client.post(f"/admin/webhooks/deliveries/{delivery_id}/retry", data={"csrf_token": form})
    assert deliveries(app)[0][1:3] == ("pending", 1)  # tried again at once, failed again


def test_rotation_signs_with_both_secrets_until_it_ends(app, client, receiver):
    add_endpoint(app, client, receiver.url, events=("item.rejected",))
    old = the_endpoint(app)
    page = client.get("/admin/webhooks").get_data(as_text=True)
    client.post(f"/admin/webhooks/{old.id}", data={"action": "rotate", "csrf_token": csrf_from(page)})
    new = the_endpoint(app)
    assert new.secret != old.secret and new.previous_secret == old.secret
    first = post_comment(client).get_json()["id"]
    decide(app, first, "reject")
    headers, body = receiver.requests[-1]
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert verified(old.secret, headers, body) and verified(new.secret, headers, body)
    client.post(f"/admin/webhooks/{old.id}", data={"action": "end-rotation", "csrf_token": csrf_from(page)})
    second = post_comment(client, body="Another remark on the tram line.").get_json()["id"]
    decide(app, second, "reject")
    headers, body = receiver.requests[-1]
    assert json.loads(body)["item"]["id"] == second
    assert verified(new.secret, headers, body) and not verified(old.secret, headers, body)


def test_received_event_and_submissions(app, client, receiver):
    add_endpoint(app, client, receiver.url, events=("item.received", "item.approved"))
    page = client.get("/submit/news").get_data(as_text=True)
    client.post("/submit/news", data={**SUBMISSION, "csrf_token": csrf_from(page)})
    [(headers, body)] = receiver.requests
    event = json.loads(body)
    assert event["type"] == "item.received" and event["item"]["kind"] == "news"
    assert event["item"]["status"] in ("pending", "spam")
    assert event["item"]["title"] == SUBMISSION["title"]  # data, escaped by whoever shows it


def test_disabled_endpoint_gets_nothing_and_no_endpoint_means_no_outbox(app, client, receiver):
    item_id = post_comment(client).get_json()["id"]
    decide(app, item_id, "approve")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WebhookEvent)) == 0
    add_endpoint(app, client, receiver.url)
    endpoint = the_endpoint(app)
    page = client.get("/admin/webhooks").get_data(as_text=True)
    client.post(f"/admin/webhooks/{endpoint.id}", data={"action": "disable", "csrf_token": csrf_from(page)})
    decide(app, item_id, "reject")
    assert receiver.requests == [] and deliveries(app) == []


def test_bad_endpoints_are_refused_and_nothing_is_stored(app, client):
    cases = [("ftp://cms.example/hook", ("item.approved",), "url must be an http or https URL"),
             ("https://cms.example/hook", (), "choose one or more of"),
             ("https://cms.example/hook", ("item.deleted",), "choose one or more of")]
    for url, events, message in cases:
        response = add_endpoint(app, client, url, events)
        assert response.status_code == 422 and message in response.get_data(as_text=True)
    response = add_endpoint(app, client, "https://cms.example/hook", site="nope")
    assert response.status_code == 422 and "no site" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WebhookEndpoint)) == 0


def test_webhook_pages_are_for_admins_only(app, client):
    add_moderator(app, "mod")
    assert client.get("/admin/webhooks").status_code == 302  # to the login page
    log_in(client, "mod")
    assert client.get("/admin/webhooks").status_code == 403
    assert client.get("/admin/sites").status_code == 403


def test_a_rolled_back_decision_sends_nothing(app, client, receiver):
    add_endpoint(app, client, receiver.url)
    item_id = post_comment(client).get_json()["id"]
    with app.app_context():
        moderator = db.session.scalar(select(Moderator))
        review.decide(db.session, item_id, "reject", moderator, reason="other")
        db.session.rollback()  # e.g. the moderator's request failed after the decision
        db.session.commit()
    assert receiver.requests == [] and deliveries(app) == []


def test_consumers_hear_of_a_decision_only_when_its_transaction_commits(app, client):
    """SQLAlchemy calls after_commit when a savepoint is released, too: the outbox's
    consumers (page cache, dispatch, and from there deliveries) must wait for the real
    commit, or a worker looks for rows no other connection can see yet."""
    item_id = post_comment(client).get_json()["id"]
    heard = []
    app.extensions["outbox_consumers"].append(lambda events: heard.extend(e.type for e in events))
    with app.app_context():
        moderator = Moderator(username="m", password_hash="x", role="moderator")
        db.session.add(moderator)
        with db.session.begin_nested():
            review.decide(db.session, item_id, "reject", moderator, reason="other")
        assert heard == []  # the savepoint is released, nothing is committed
        db.session.commit()
    assert heard == ["item.status_changed"]


@pytest.mark.parametrize("address, public", [
    ("93.184.216.34", True), ("2606:2800:220:1:248:1893:25c8:1946", True),
    ("127.0.0.1", False), ("10.1.2.3", False), ("172.16.0.9", False), ("192.168.1.1", False),
    ("169.254.169.254", False), ("100.64.0.1", False), ("0.0.0.0", False), ("224.0.0.1", False),
    ("::1", False), ("fe80::1", False), ("fd00:ec2::254", False), ("::ffff:127.0.0.1", False),
    ("::ffff:10.0.0.1", False)])
def test_only_public_addresses_count_as_public(address, public):
    from moderation.mainsite import posting
    assert posting.is_public(address) is public


def test_private_and_local_targets_are_refused_at_delivery_time(tmp_path, receiver):
    """The default: a hostname is resolved when the delivery is made, and a target on
    loopback (here `localhost`, which no check of the URL's text would catch) is refused
    without a connection."""
    app = make_app(f"sqlite:///{tmp_path / 'ssrf.sqlite3'}")
    client = app.test_client()
    port = receiver.server.server_port
    assert add_endpoint(app, client, f"http://localhost:{port}/hook").status_code == 303
    decide(app, post_comment(client).get_json()["id"], "approve")
    [(_, status, attempts, error)] = deliveries(app)
    assert (status, attempts) == ("pending", 1) and receiver.requests == []
    assert error.startswith("refused: localhost resolves to a private or local address")
    assert "MODERATION_WEBHOOK_PRIVATE=1" in error


def test_redirects_are_not_followed_and_only_the_status_is_kept(app, client):
    receiver = Receiver(statuses=[302])
    try:
        add_endpoint(app, client, receiver.url)
        decide(app, post_comment(client).get_json()["id"], "approve")
        assert len(receiver.requests) == 1
        [(_, status, attempts, error)] = deliveries(app)
        assert (status, attempts, error) == ("pending", 1, "HTTP 302 (redirects are not followed)")
    finally:
        receiver.stop()
