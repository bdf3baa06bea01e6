from sqlalchemy import select

from moderation.extensions import db
from moderation.store import Decision, Item
from tests.conftest import add_moderator, csrf_from, log_in, post_comment


def test_review_pages_need_login(client):
    for path in ("/review/", "/review/items/1"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post("/review/items/1/decide", data={"action": "approve"}).status_code in (302, 403)


def test_wrong_password_is_refused(client, app):
    add_moderator(app)
    response = log_in(client, password="wrong password!")
    assert response.status_code == 401 and "Wrong username or password" in response.get_data(as_text=True)


def test_queue_item_page_and_approve(client, app):
    add_moderator(app)
    item_id = post_comment(client, body="Hello <b>moderators</b>").get_json()["id"]
    assert log_in(client).status_code == 302
    queue = client.get("/review/").get_data(as_text=True)
    assert f'data-id="{item_id}"' in queue
    page = client.get(f"/review/items/{item_id}").get_data(as_text=True)
    assert "Hello &lt;b&gt;moderators&lt;/b&gt;" in page  # raw, escaped
    assert "Hello <b>moderators</b>" in page  # sanitised, rendered
    assert "Why this score" in page and "ada@example.org" in page
    response = client.post(f"/review/items/{item_id}/decide", data={
        "action": "approve", "version": "2", "csrf_token": csrf_from(page)})
    assert response.status_code == 303
    with app.app_context():
        item = db.session.get(Item, item_id)
        assert item.status == "approved"
        decision = db.session.scalars(select(Decision).order_by(Decision.id.desc())).first()
        assert (decision.actor, decision.from_status, decision.to_status) == ("mod", "pending", "approved")
    doc = client.get("/api/v1/sites/default/threads/t1/comments").get_json()
    assert doc["comments"][0]["html"] == "<p>Hello <b>moderators</b></p>"


def test_stale_action_is_refused_with_a_message(client, app):
    add_moderator(app)
    item_id = post_comment(client).get_json()["id"]
    log_in(client)
    page = client.get(f"/review/items/{item_id}").get_data(as_text=True)
    token = csrf_from(page)
    client.post(f"/review/items/{item_id}/decide", data={"action": "spam", "version": "2", "csrf_token": token})
    response = client.post(f"/review/items/{item_id}/decide",
                           data={"action": "approve", "version": "2", "csrf_token": token},
                           follow_redirects=True)
    assert "changed since you opened it" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Item, item_id).status == "spam"


def test_reject_records_reason_and_status_page_shows_it(client, app):
    add_moderator(app)
    body = post_comment(client).get_json()
    log_in(client)
    page = client.get(f"/review/items/{body['id']}").get_data(as_text=True)
    client.post(f"/review/items/{body['id']}/decide", data={
        "action": "reject", "reason": "off_topic", "version": "2", "csrf_token": csrf_from(page)})
    status = client.get(f"/status/{body['status_token']}").get_data(as_text=True)
    assert "not published" in status and "off topic" in status


def test_queue_filters_by_kind_and_status(client, app):
    add_moderator(app)
    comment = post_comment(client).get_json()["id"]
    log_in(client)
    assert f'data-id="{comment}"' not in client.get("/review/?kind=news").get_data(as_text=True)
    assert f'data-id="{comment}"' not in client.get("/review/?status=approved").get_data(as_text=True)
    assert client.get("/review/?status=bogus").status_code == 400


def test_the_same_action_sent_again_is_taken_as_done_once(client, app):
    """What review.js does with a held action it could not confirm: it sends it again.
    The copy changes nothing; someone else's action from that version is still refused."""
    from tests.conftest import make_item
    add_moderator(app)
    add_moderator(app, "other", role="moderator")
    item_id = make_item(app)
    log_in(client)
    token = csrf_from(client.get("/review/").get_data(as_text=True))
    form = {"action": "approve", "items": f"{item_id}:2", "csrf_token": token}
    first = client.post("/review/decide", data=form).get_json()["results"]
    again = client.post("/review/decide", data=form).get_json()["results"]
    assert first == again == [{"id": item_id, "ok": True, "status": "approved", "version": 3}]
    spam = client.post("/review/decide", data={**form, "action": "reject", "reason": "spam"}).get_json()["results"]
    assert spam[0]["ok"] is False and "changed since you opened it" in spam[0]["error"]
    other = app.test_client()
    log_in(other, "other")
    theirs = other.post("/review/decide", data={
        **form, "csrf_token": csrf_from(other.get("/review/").get_data(as_text=True))})
    assert theirs.get_json()["results"][0]["ok"] is False
    with app.app_context():
        assert db.session.query(Decision).filter_by(item_id=item_id).count() == 2
