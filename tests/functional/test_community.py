"""Community tools through the API and the desk: readers' reports and the reported queue,
author standing enforced at intake, closed threads, the commenter's outcome."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from moderation import threads
from moderation.extensions import db
from moderation.store import AuditEvent, Item, Standing, Thread, utcnow
from tests.conftest import (
    COMMENT,
    add_moderator,
    csrf_from,
    decide,
    log_in,
    make_app,
    post_comment,
    set_policy,
)

FLAGS = "/api/v1/sites/default/comments/{}/flags"


def published(app, client, thread="t1", **fields) -> int:
    item_id = post_comment(client, thread=thread, **fields).get_json()["id"]
    decide(app, item_id)
    return item_id


def page(client, thread="t1") -> dict:
    return client.get(f"/api/v1/sites/default/threads/{thread}/comments").get_json()


def item(app, item_id) -> Item:
    with app.app_context():
        found = db.session.get(Item, item_id)
        db.session.expunge(found)
        return found


def report(client, item_id, reader, reason="abuse", **extra):
    return client.post(FLAGS.format(item_id), json={"reason": reason, "reader": reader, **extra})


def test_reports_reach_the_threshold_and_a_moderator_keeps_the_comment(app, client):
    set_policy(app, hide_reported=True)
    comment = published(app, client)
    assert report(client, comment, "reader-a").status_code == 202
    assert item(app, comment).reported_at is None  # one new reporter weighs 0.5 of 1.0
    again = report(client, comment, "reader-a", reason="spam")
    assert again.status_code == 409 and "already reported" in again.get_json()["error"]["message"]
    assert report(client, comment, "reader-b").status_code == 202
    assert item(app, comment).reported_at is not None
    assert page(client)["comments"] == [] and page(client)["count"] == 0  # hidden meanwhile

    add_moderator(app)
    log_in(client)
    queue = client.get("/review/?status=reported").get_data(as_text=True)
    assert f'data-id="{comment}"' in queue and "reported (1.0)" in queue
    shown = client.get(f"/review/items/{comment}").get_data(as_text=True)
    assert "Readers' reports" in shown and "50%" in shown  # each reporter's accuracy
    kept = client.post(f"/review/items/{comment}/reports",
                       data={"action": "keep", "csrf_token": csrf_from(shown)})
    assert kept.status_code == 303
    assert item(app, comment).reported_at is None
    assert [c["id"] for c in page(client)["comments"]] == [comment] and page(client)["count"] == 1
    # Both reports were dismissed: their reporters weigh 1/3 now, and two such reports
    # no longer reach the threshold on the next comment.
    other = published(app, client, body="A second remark, also fine.")
    report(client, other, "reader-a")
    report(client, other, "reader-b")
    assert item(app, other).reported_at is None and item(app, other).report_weight == pytest.approx(2 / 3)


def test_a_moderator_removes_a_reported_comment_and_its_reporters_gain(app, client):
    comment = published(app, client)
    for reader in ("r1", "r2"):
        report(client, comment, reader, reason="other", note="Personal attack on a neighbour")
    assert [c["id"] for c in page(client)["comments"]] == [comment]  # visible: the default
    add_moderator(app)
    log_in(client)
    shown = client.get(f"/review/items/{comment}").get_data(as_text=True)
    removed = client.post(f"/review/items/{comment}/reports", data={
        "action": "remove", "reason": "abuse", "csrf_token": csrf_from(shown)})
    assert removed.status_code == 303
    gone = item(app, comment)
    assert gone.status == "rejected" and gone.reported_at is None
    assert page(client)["comments"] == [] and page(client)["count"] == 0
    later = published(app, client, body="Another remark.")
    report(client, later, "r1")
    assert item(app, later).report_weight == pytest.approx(2 / 3)  # (1 upheld + 1) / (1 + 2)


def test_reports_are_checked(app, client):
    pending = post_comment(client).get_json()["id"]
    assert report(client, pending, "x").status_code == 404  # not published
    comment = published(app, client, thread="t2")
    bad = report(client, comment, "x", reason="boring")
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "reason"
    no_note = report(client, comment, "x", reason="other")
    assert no_note.status_code == 422 and no_note.get_json()["error"]["field"] == "note"
    assert client.post(FLAGS.format(comment), json={"reason": "spam", "x": 1}).status_code == 422


def test_reports_are_rate_limited_like_posts(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'r.sqlite3'}", MODERATION_RATE_PER_IP="2/minute")
    client = app.test_client()
    comment = post_comment(client).get_json()["id"]
    decide(app, comment)
    assert report(client, comment, "a").status_code == 202
    assert report(client, comment, "b").status_code == 429


def standing_row(app, **values):
    with app.app_context():
        db.session.add(Standing(created_by="chief", created_at=utcnow(), **values))
        db.session.commit()


def test_a_banned_or_suspended_author_is_refused_with_why_and_until_when(app, client):
    standing_row(app, email="ada@example.org", kind="ban", reason="repeated abuse")
    refused = post_comment(client)
    assert refused.status_code == 403
    message = refused.get_json()["error"]["message"]
    assert message == "Posting from your email address is not allowed: repeated abuse"
    assert post_comment(client, author_email="ADA+x@Example.org").status_code == 403  # folded
    assert post_comment(client, author_email="bea@example.org").status_code == 202
    until = utcnow() + timedelta(days=2)
    standing_row(app, network="192.0.2.0/24", kind="suspend", until=until, reason="a flood")
    suspended = client.post("/api/v1/sites/default/threads/t/comments",
                            json={**COMMENT, "author_email": "cy@example.org"},
                            environ_overrides={"REMOTE_ADDR": "192.0.2.77"})
    assert suspended.status_code == 403
    assert f"suspended until {until:%Y-%m-%d %H:%M} UTC: a flood" in suspended.get_json()["error"]["message"]
    with app.app_context():  # the suspension runs out by itself
        db.session.execute(update(Standing).where(Standing.kind == "suspend")
                           .values(until=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    after = client.post("/api/v1/sites/default/threads/t/comments",
                        json={**COMMENT, "author_email": "cy@example.org"},
                        environ_overrides={"REMOTE_ADDR": "192.0.2.77"})
    assert after.status_code == 202


def test_standing_is_set_from_the_item_page_and_audited(app, client):
    comment = post_comment(client).get_json()["id"]
    add_moderator(app)
    log_in(client)
    shown = client.get(f"/review/items/{comment}").get_data(as_text=True)
    client.post(f"/review/items/{comment}/standing", data={
        "kind": "premoderate", "by": "email", "reason": "", "csrf_token": csrf_from(shown)})
    with app.app_context():
        [row] = db.session.scalars(select(Standing)).all()
        assert (row.kind, row.email, row.network, row.created_by) == ("premoderate", "ada@example.org", "", "mod")
        assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action.like("standing_%"))) \
            == "standing_premoderate"
    shown = client.get(f"/review/items/{comment}").get_data(as_text=True)
    assert "always pre-moderate" in shown and "<strong>premoderate</strong>" in shown
    bad = client.post(f"/review/items/{comment}/standing", data={
        "kind": "suspend", "by": "email", "csrf_token": csrf_from(shown)}, follow_redirects=True)
    assert "a suspension needs an end time" in bad.get_data(as_text=True)


def test_a_closed_thread_refuses_posts_and_says_so(app, client):
    published(app, client)
    with app.app_context():
        thread = db.session.scalar(select(Thread).where(Thread.key == "t1"))
        assert threads.close(db.session, thread, "mod")
        db.session.commit()
    assert page(client)["closed"] is True
    refused = post_comment(client)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["message"] == "comments on this article are closed"
    with app.app_context():
        threads.reopen(db.session, db.session.scalar(select(Thread).where(Thread.key == "t1")), "mod")
        db.session.commit()
    assert page(client)["closed"] is False and post_comment(client).status_code == 202


def test_a_site_closes_threads_some_days_after_their_first_comment(app, client):
    set_policy(app, close_after_days=3)
    published(app, client, thread="old")
    published(app, client, thread="new")
    with app.app_context():
        db.session.execute(update(Thread).where(Thread.key == "old")
                           .values(first_comment_at=utcnow() - timedelta(days=4)))
        db.session.commit()
    from workers.threads import close_threads
    with app.app_context():
        assert close_threads() == 1  # what beat runs
    assert page(client, "old")["closed"] is True and page(client, "new")["closed"] is False


def test_the_commenter_sees_the_reason_and_the_editors_message(app, client):
    answer = post_comment(client).get_json()
    add_moderator(app)
    log_in(client)
    shown = client.get(f"/review/items/{answer['id']}").get_data(as_text=True)
    client.post(f"/review/items/{answer['id']}/decide", data={
        "action": "reject", "reason": "off_topic", "message": "Please keep to the tram line.",
        "version": str(item(app, answer["id"]).version), "csrf_token": csrf_from(shown)})
    status = client.get(f"/api/v1/status/{answer['status_token']}").get_json()
    assert (status["status"], status["reason"], status["message"]) == \
        ("rejected", "off_topic", "Please keep to the tram line.")


def test_a_rejection_needs_a_reason(app, client):
    comment = post_comment(client).get_json()["id"]
    add_moderator(app)
    log_in(client)
    shown = client.get(f"/review/items/{comment}").get_data(as_text=True)
    refused = client.post(f"/review/items/{comment}/decide", data={
        "action": "reject", "version": str(item(app, comment).version),
        "csrf_token": csrf_from(shown)})
    assert refused.status_code == 422 and "choose the reason" in refused.get_data(as_text=True)
    assert item(app, comment).status == "pending"
    assert '<option value="" selected disabled>choose…</option>' in shown
