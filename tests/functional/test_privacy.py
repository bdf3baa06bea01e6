"""Privacy: full IP addresses cut to their network after MODERATION_IP_DAYS (domain
function, beat task, CLI), and an admin's export and erasure of everything one email
address submitted, with thread counts and cached pages kept right."""
import json
import re
from datetime import timedelta

from sqlalchemy import func, select

from moderation import config, privacy, review
from moderation.extensions import db
from moderation.store import (
    AuditEvent,
    Decision,
    Fingerprint,
    Item,
    Moderator,
    Note,
    SubmitterMessage,
    Thread,
    TrainingExample,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    utcnow,
)
from tests.conftest import add_moderator, csrf_from, decide, log_in, make_item, post_comment


def ips(app) -> dict[int, str]:
    with app.app_context():
        return dict(db.session.execute(select(Item.id, Item.ip)).all())


def test_truncate_cuts_old_addresses_to_their_network_in_batches_once(app):
    now = utcnow()
    old = [make_item(app, created_at=now - timedelta(days=31 + n)) for n in range(3)]
    recent = make_item(app, created_at=now - timedelta(days=29))
    with app.app_context():
        before = now - timedelta(days=30)
        assert privacy.truncate_ips(db.session, before, batch=2) == 2
        assert privacy.truncate_ips(db.session, before, batch=2) == 1
        assert privacy.truncate_ips(db.session, before, batch=2) == 0
        db.session.commit()
    found = ips(app)
    assert [found[i] for i in old] == ["192.0.2.0/24"] * 3
    assert found[recent] == "192.0.2.7"
    with app.app_context():  # the network stays for the flood and history checks
        assert set(db.session.scalars(select(Item.ip_prefix))) == {"192.0.2.0/24"}


def test_beat_runs_the_purge_task_with_the_configured_period(tmp_path):
    from tests.conftest import make_app
    from workers.privacy import purge_ips_task
    schedule = config.celery_settings("")["beat_schedule"]
    assert any(entry["task"] == "moderation.purge_ips" for entry in schedule.values())
    app = make_app(f"sqlite:///{tmp_path / 'p.sqlite3'}", MODERATION_IP_DAYS=7)
    assert "moderation.purge_ips" in app.extensions["celery"].tasks
    eight_days = make_item(app, created_at=utcnow() - timedelta(days=8))
    six_days = make_item(app, created_at=utcnow() - timedelta(days=6))
    with app.app_context():
        assert purge_ips_task.delay().get() == 1
    assert ips(app) == {eight_days: "192.0.2.0/24", six_days: "192.0.2.7"}


def test_cli_purge_for_the_embedded_mode(app, runner):
    item_id = make_item(app, created_at=utcnow() - timedelta(days=40))
    result = runner.invoke(args=["purge-ips"])
    assert result.exit_code == 0 and "cut 1 address(es) older than 30 days" in result.output
    assert ips(app)[item_id] == "192.0.2.0/24"
    assert "cut 0 address" in runner.invoke(args=["purge-ips", "--days", "1"]).output


def admin_client(app, client):
    add_moderator(app, "root", role="admin")
    log_in(client, "root")
    return csrf_from(client.get("/admin/privacy").get_data(as_text=True))


def test_export_downloads_everything_sent_with_the_email_and_is_audited(app, client):
    ada = make_item(app, status="rejected", author_email="Ada@Example.org", title="Tip")
    make_item(app, author_email="bea@example.org", body="Not Ada's.")
    token = admin_client(app, client)
    with app.app_context():
        db.session.add(Note(item_id=ada, moderator_id=1, actor="root", body="seen before",
                            created_at=utcnow()))
        db.session.commit()
    response = client.post("/admin/privacy/export", data={"email": " ada@example.ORG",
                                                          "csrf_token": token})
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    doc = json.loads(response.data)
    assert doc["count"] == 1 and [i["id"] for i in doc["items"]] == [ada]
    item = doc["items"][0]
    assert (item["body"], item["ip"], item["author_email"]) == \
        ("A thoughtful remark.", "192.0.2.7", "Ada@Example.org")
    assert [d["to"] for d in item["decisions"]] == ["pending", "rejected"]
    assert item["notes"] == [{"body": "seen before", "at": item["notes"][0]["at"]}]
    assert "Not Ada's" not in response.get_data(as_text=True)
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "privacy_export"))
        assert event.actor == "root" and event.detail == "a***@example.ORG: 1 item(s)"


def test_privacy_pages_need_an_admin_and_a_csrf_token(app, client):
    make_item(app)
    assert client.get("/admin/privacy").status_code == 302
    add_moderator(app)
    log_in(client)
    token = csrf_from(client.get("/review/").get_data(as_text=True))
    for path in ("/admin/privacy", "/admin/privacy/export", "/admin/privacy/erase"):
        method = client.get if path == "/admin/privacy" else client.post
        assert method(path, data={"email": "ada@example.org", "confirm": "yes",
                                  "csrf_token": token}).status_code == 403
    client.post("/logout", data={"csrf_token": token})
    admin_client(app, client)
    refused = client.post("/admin/privacy/erase", data={"email": "ada@example.org",
                                                         "confirm": "yes"})
    assert refused.status_code == 403 and "csrf" in refused.get_data(as_text=True).lower()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Item)) == 1


def thread_page(client):
    response = client.get("/api/v1/sites/default/threads/t1/comments")
    return response.headers["ETag"], response.get_json()


def test_erase_asks_first_then_deletes_everything_and_keeps_others_replies(app, client):
    with app.app_context():  # webhooks too: their outbox rows hang off the items
        db.session.add(WebhookEndpoint(site_id=1, url="http://127.0.0.1:1/hook",
                                       events=["item.approved"], secret="s"))
        db.session.commit()

    def comment(email, parent=None):
        fields = {"author_email": email, "body": f"Remark by {email} on the tram line."}
        item_id = post_comment(client, **fields, **({"parent_id": parent} if parent else {})) \
            .get_json()["id"]
        decide(app, item_id)
        return item_id

    a = comment("ada@example.org")
    b = comment("bea@example.org", a)
    c = comment("ada@example.org", b)
    d = comment("bea@example.org", c)
    news = make_item(app, kind="news", status="pending", author_email="ADA@example.org")
    with app.app_context():
        moderator = db.session.scalar(select(Moderator))
        review.decide(db.session, news, "reject", moderator, reason="other", message="Not for us, sorry.")
        db.session.add(Note(item_id=news, moderator_id=moderator.id, actor="x", body="n",
                            created_at=utcnow()))
        db.session.commit()
    etag, page = thread_page(client)  # cached now
    assert page["count"] == 4 and [n["id"] for n in page["comments"]] == [a]

    token = admin_client(app, client)
    confirm = client.post("/admin/privacy/erase", data={"email": "ada@example.org",
                                                        "csrf_token": token})
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "3 item(s) found" in html
    assert 'name="confirm" value="yes"' in html and 'name="csrf_token"' in html
    assert thread_page(client)[1]["count"] == 4  # nothing deleted before confirming

    done = client.post("/admin/privacy/erase", data={"email": "ada@example.org", "confirm": "yes",
                                                     "csrf_token": csrf_from(html)})
    assert done.status_code == 303
    assert "Erased 3 item(s)" in client.get(done.headers["Location"]).get_data(as_text=True)

    new_etag, page = thread_page(client)
    assert new_etag != etag and page["count"] == 2
    # b lost its parent a: top level now; d lost c: it moves up to b.
    assert [(n["id"], n["parent_id"]) for n in page["comments"]] == [(b, None)]
    assert [(r["id"], r["parent_id"]) for r in page["comments"][0]["replies"]] == [(d, b)]
    assert "ada@" not in json.dumps(page)
    assert client.get("/api/v1/sites/default/counts?thread=t1").get_json() == {"counts": {"t1": 2}}
    with app.app_context():
        assert db.session.scalar(select(Thread.approved_count)) == 2
        assert set(db.session.scalars(select(Item.id))) == {b, d}
        for model in (Decision, TrainingExample, Fingerprint, WebhookEvent, Note,
                      SubmitterMessage):
            item_ids = set(db.session.scalars(select(model.item_id)))
            assert item_ids <= {b, d}, model.__name__
        assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == \
            db.session.scalar(select(func.count()).select_from(WebhookEvent)) == 2
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "privacy_erase"))
        assert event.detail.startswith("a***@example.org: 3 item(s) erased")
        assert "ada@example.org" not in event.detail
    assert "privacy erase" in client.get("/admin/audit").get_data(as_text=True)


def test_erasing_an_unknown_or_bad_address(app, client):
    token = admin_client(app, client)
    page = client.post("/admin/privacy/erase", data={"email": "nobody@example.org",
                                                     "csrf_token": token})
    assert "No item was sent with this address" in page.get_data(as_text=True)
    bad = client.post("/admin/privacy/export", data={"email": "not an address", "csrf_token": token})
    assert bad.status_code == 422 and "Enter the email address" in bad.get_data(as_text=True)
    with app.app_context():
        assert privacy.erase(db.session, "nobody@example.org").item_ids == []
    assert re.search(r'href="/admin/privacy"', client.get("/review/").get_data(as_text=True))
