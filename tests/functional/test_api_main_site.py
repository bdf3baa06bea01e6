"""The main site's side of the API: caching that follows decisions at once, shared-cache
safety, and the admin page where a site's allowed origins are set."""
from sqlalchemy import select

from moderation.extensions import db
from moderation.store import Site
from tests.conftest import COMMENT, add_moderator, csrf_from, decide, log_in, post_comment

COMMENTS = "/api/v1/sites/default/threads/t1/comments"


def test_unpublishing_removes_a_comment_at_once_despite_caches(client, app):
    kept = post_comment(client, body="This one stays published.").get_json()["id"]
    gone = post_comment(client, body="This one will be unpublished.").get_json()["id"]
    decide(app, kept)
    decide(app, gone)
    shown = client.get(COMMENTS)
    assert [c["id"] for c in shown.get_json()["comments"]] == [kept, gone]
    counts = client.get("/api/v1/sites/default/counts?thread=t1")
    assert counts.get_json() == {"counts": {"t1": 2}}
    decide(app, gone, "reject")
    after = client.get(COMMENTS, headers={"If-None-Match": shown.headers["ETag"]})
    assert after.status_code == 200 and [c["id"] for c in after.get_json()["comments"]] == [kept]
    assert after.get_json()["count"] == 1
    recount = client.get("/api/v1/sites/default/counts?thread=t1",
                         headers={"If-None-Match": counts.headers["ETag"]})
    assert recount.status_code == 200 and recount.get_json() == {"counts": {"t1": 1}}
    assert client.get("/api/v1/sites/default/counts?thread=t1",
                      headers={"If-None-Match": recount.headers["ETag"]}).status_code == 304
    recent = client.get("/api/v1/sites/default/comments/recent").get_json()["comments"]
    assert [c["id"] for c in recent] == [kept]


def test_a_pending_comment_does_not_change_the_cached_list(client, app):
    decide(app, post_comment(client).get_json()["id"])
    first = client.get(COMMENTS)
    post_comment(client, body="Another remark, still waiting for a moderator.")
    assert client.get(COMMENTS, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304


def test_answers_vary_by_origin_for_shared_caches(client):
    for url in (COMMENTS, "/api/v1/sites/default/counts?thread=t1",
                "/api/v1/sites/default/comments/recent"):
        assert "Origin" in client.get(url).headers["Vary"]


def test_admin_sets_allowed_origins_and_they_take_effect(client, app):
    add_moderator(app, "admin", role="admin")
    log_in(client, "admin")
    page = client.get("/admin/sites").get_data(as_text=True)
    token = csrf_from(page)
    refused = client.post("/admin/sites/default", data={
        "name": "Daily Example", "allowed_origins": "https://news.example\nhttps://*.example",
        "csrf_token": token})
    assert refused.status_code == 422 and "is not an origin" in refused.get_data(as_text=True)
    with app.app_context():
        site = db.session.scalar(select(Site))
        assert (site.name, site.allowed_origins) == ("Default site", [])  # nothing half saved
    client.post("/admin/sites/default", data={
        "name": "Daily Example",
        "allowed_origins": "https://news.example/, http://localhost:8080\nhttps://news.example",
        "csrf_token": token})
    with app.app_context():
        site = db.session.scalar(select(Site))
        assert site.name == "Daily Example"
        assert site.allowed_origins == ["https://news.example", "http://localhost:8080"]
    url = "/api/v1/sites/default/threads/t/comments"
    ok = client.post(url, json=COMMENT, headers={"Origin": "http://localhost:8080"})
    assert ok.status_code == 202 and ok.headers["Access-Control-Allow-Origin"] == "http://localhost:8080"
    assert client.post(url, json=COMMENT, headers={"Origin": "http://localhost:8081"}).status_code == 403
    # A plain HTML form on a foreign page (no preflight) is refused just the same.
    assert client.post(url, data=COMMENT, headers={"Origin": "https://evil.example"}).status_code == 403
    assert client.post(url, data=COMMENT, headers={"Origin": "null"}).status_code == 403


def test_admin_creates_a_site(client, app):
    add_moderator(app, "admin", role="admin")
    log_in(client, "admin")
    token = csrf_from(client.get("/admin/sites").get_data(as_text=True))
    for key, message in [("Bad Key", "key must be"), ("default", "already a site")]:
        response = client.post("/admin/sites", data={"key": key, "name": "X", "csrf_token": token})
        assert response.status_code == 422 and message in response.get_data(as_text=True)
    client.post("/admin/sites", data={"key": "sport", "name": "Sport desk", "csrf_token": token})
    assert post_comment(client, site="sport").status_code == 202
    assert "Sport desk" in client.get("/admin/sites").get_data(as_text=True)
    no_csrf = client.post("/admin/sites", data={"key": "other", "name": "Other"})
    assert no_csrf.status_code == 403
