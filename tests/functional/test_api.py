import json

from sqlalchemy import func, select

from moderation import review
from moderation.extensions import db
from moderation.store import Item, Moderator, Site
from tests.conftest import COMMENT, post_comment


def item_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Item))


def approve(app, item_id):
    with app.app_context():
        moderator = db.session.scalar(select(Moderator)) or Moderator(
            username="m", password_hash="x", role="moderator")
        db.session.add(moderator)
        db.session.flush()
        if db.session.get(Item, item_id).status == "spam":  # the scorer may hold test text
            review.decide(db.session, item_id, "not_spam", moderator)
        review.decide(db.session, item_id, "approve", moderator)
        db.session.commit()


def test_post_json_answers_202_with_id_status_and_token(client, app):
    response = post_comment(client)
    assert response.status_code == 202
    body = response.get_json()
    assert body["status"] == "received"  # stored; a worker sanitises and scores it next
    assert body["status_token"] and body["status_url"].endswith(body["status_token"])
    status = client.get(f"/api/v1/status/{body['status_token']}").get_json()
    # The tests' in-process worker has processed it by the time the answer is read.
    assert status == {"id": body["id"], "kind": "comment", "status": "pending", "reason": None,
                      "reason_text": None,
                      "message": None}


def test_post_form_encoded(client):
    response = client.post("/api/v1/sites/default/threads/t/comments", data=COMMENT)
    assert response.status_code == 202


def test_bad_requests_name_the_problem_and_store_nothing(client, app):
    url = "/api/v1/sites/default/threads/t/comments"
    cases = [
        (client.post(url, data="{not json", content_type="application/json"), 400, None),
        (client.post(url, data="[1, 2]", content_type="application/json"), 400, None),
        (client.post(url, data="body=x", content_type="text/plain"), 415, None),
        (client.post(url, json={**COMMENT, "body": ""}), 422, "body"),
        (client.post(url, json={**COMMENT, "author_email": "nope"}), 422, "author_email"),
        (client.post(url, json={**COMMENT, "body": "x" * 5001}), 422, "body"),
        (client.post(url, json={**COMMENT, "body": "x" * 300_000}), 413, None),
        (client.post(url, json={**COMMENT, "parent_id": 999}), 422, "parent_id"),
        (client.post("/api/v1/sites/nope/threads/t/comments", json=COMMENT), 404, "site"),
        (client.post(url, data="[" * 100_000, content_type="application/json"), 400, None),
    ]
    for response, status, field in cases:
        assert response.status_code == status, response.get_data(as_text=True)
        error = response.get_json()["error"]
        assert error["message"] and error["field"] == field
    assert item_count(app) == 0


def test_reply_to_a_comment_of_another_thread_is_refused(client, app):
    parent = post_comment(client, thread="a").get_json()["id"]
    approve(app, parent)
    response = post_comment(client, thread="b", parent_id=parent)
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "parent_id"
    assert item_count(app) == 1


def test_only_approved_comments_nested_and_no_private_fields(client, app):
    top = post_comment(client, body="The first point about the timetable").get_json()["id"]
    approve(app, top)
    reply = post_comment(client, body="A reply to it", parent_id=top).get_json()["id"]
    approve(app, reply)
    post_comment(client, body="Still waiting for a moderator")
    doc = client.get("/api/v1/sites/default/threads/t1/comments").get_json()
    assert doc["count"] == 2 and doc["next"] is None
    [comment] = doc["comments"]
    assert comment["id"] == top and comment["parent_id"] is None
    assert [r["id"] for r in comment["replies"]] == [reply]
    assert comment["replies"][0]["parent_id"] == top
    text = json.dumps(doc)
    assert "ada@example.org" not in text and "127.0.0.1" not in text and "waiting" not in text
    assert set(comment) == {"id", "parent_id", "author_name", "html", "created_at", "replies"}


def test_pagination_of_top_level_comments(client, app):
    ids = [post_comment(client, body=f"Point {i}: the tram timetable looks sensible to me.").get_json()["id"] for i in range(5)]
    for item_id in ids:
        approve(app, item_id)
    first = client.get("/api/v1/sites/default/threads/t1/comments?limit=2").get_json()
    assert [c["id"] for c in first["comments"]] == ids[:2] and first["next"]
    second = client.get(f"/api/v1/sites/default/threads/t1/comments?limit=2&after={first['next']}").get_json()
    assert [c["id"] for c in second["comments"]] == ids[2:4]
    assert client.get("/api/v1/sites/default/threads/t1/comments?limit=0").status_code == 400


def test_etag_304_and_change_after_a_decision(client, app):
    url = "/api/v1/sites/default/threads/t1/comments"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, max-age=0, s-maxage=5"
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    # A weak tag matches too (RFC 9110: If-None-Match compares weakly), as does "*".
    assert client.get(url, headers={"If-None-Match": f"W/{etag}"}).status_code == 304
    assert client.get(url, headers={"If-None-Match": f'"other", {etag}'}).status_code == 304
    assert client.get(url, headers={"If-None-Match": "*"}).status_code == 304
    item_id = post_comment(client).get_json()["id"]
    approve(app, item_id)
    fresh = client.get(url, headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.get_json()["count"] == 1


def test_cors_only_for_allowed_origins(client, app):
    with app.app_context():
        db.session.scalar(select(Site)).allowed_origins = ["https://news.example"]
        db.session.commit()
    url = "/api/v1/sites/default/threads/t/comments"
    ok = client.get(url, headers={"Origin": "https://news.example"})
    assert ok.headers["Access-Control-Allow-Origin"] == "https://news.example"
    preflight = client.options(url, headers={"Origin": "https://news.example",
                                             "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 204 and "POST" in preflight.headers["Access-Control-Allow-Methods"]
    other = client.get(url, headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    refused = client.post(url, json=COMMENT, headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403 and "evil.example" in refused.get_json()["error"]["message"]
    assert item_count(app) == 0
    accepted = client.post(url, json=COMMENT, headers={"Origin": "https://news.example"})
    assert accepted.status_code == 202
    assert accepted.headers["Access-Control-Allow-Origin"] == "https://news.example"
    invalid = client.post(url, json={}, headers={"Origin": "https://news.example"})
    assert invalid.status_code == 422 and invalid.headers["Access-Control-Allow-Origin"]


def test_form_token_tells_a_page_whether_it_may_post(client, app):
    with app.app_context():
        db.session.scalar(select(Site)).allowed_origins = ["https://news.example"]
        db.session.commit()
    url = "/api/v1/sites/default/form-token"
    allowed = client.get(url, headers={"Origin": "https://news.example"})
    assert allowed.get_json()["may_post"] is True and allowed.get_json()["refusal"] is None
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://news.example"
    other = client.get(url, headers={"Origin": "https://evil.example"})
    assert other.get_json()["may_post"] is False
    assert "https://evil.example is not one of the sites allowed" in other.get_json()["refusal"]
    assert other.headers["Access-Control-Allow-Origin"] == "*"  # so its widget can say so
    assert other.get_json()["limits"] == {"body": 5000, "author_name": 80, "author_email": 254}
    assert other.get_json()["mail"] is False  # the tests' app sends no mail


def test_counts_and_recent(client, app):
    item_id = post_comment(client, thread="a").get_json()["id"]
    approve(app, item_id)
    counts = client.get("/api/v1/sites/default/counts?thread=a&thread=b").get_json()
    assert counts == {"counts": {"a": 1, "b": 0}}
    recent = client.get("/api/v1/sites/default/comments/recent?limit=5").get_json()["comments"]
    assert [c["id"] for c in recent] == [item_id] and "author_email" not in recent[0]


def test_bad_status_token_is_404(client):
    response = client.get("/api/v1/status/forged.token")
    assert response.status_code == 404 and response.get_json()["error"]["field"] == "token"


def test_form_token_marks_the_time_the_form_was_served(client, app):
    token = client.get("/api/v1/sites/default/form-token").get_json()["token"]
    body = post_comment(client, form_token=token).get_json()
    with app.app_context():
        item = db.session.get(Item, body["id"])
        assert item.form_served_at is not None
        assert any(s["name"] == "too_fast" for s in item.signals)


def test_a_form_token_is_accepted_once(client, app):
    """A bot that fetches one token and posts many times gets the form time once: the
    later posts count as sent without a valid token. Each token is a different one."""
    url = "/api/v1/sites/default/form-token"
    token = client.get(url).get_json()["token"]
    assert client.get(url).get_json()["token"] != token
    first = post_comment(client, form_token=token).get_json()["id"]
    again = post_comment(client, form_token=token, body="The same token again.").get_json()["id"]
    with app.app_context():
        served = {i: db.session.get(Item, i).form_served_at for i in (first, again)}
        signal = [s for s in db.session.get(Item, again).signals if s["name"] == "form_time"]
    assert served[first] is not None and served[again] is None
    assert "no valid signed form time" in signal[0]["detail"]


def test_a_refused_post_spends_no_form_token(client, app):
    token = client.get("/api/v1/sites/default/form-token").get_json()["token"]
    assert post_comment(client, form_token=token, body="").status_code == 422
    item_id = post_comment(client, form_token=token).get_json()["id"]
    with app.app_context():
        assert db.session.get(Item, item_id).form_served_at is not None
