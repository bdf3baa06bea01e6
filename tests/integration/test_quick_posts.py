"""quick_posts.py takes plain comment posts before Flask, in production mode (PostgreSQL,
Redis): the answer and the stored row are the view's, and every post it cannot judge is
answered by the view, with the body intact and the rate limits counted once."""
import re

import pytest

from moderation import config, create_app
from moderation.extensions import db
from moderation.quick_posts import QuickPosts
from tests.conftest import statements_run
from tests.integration.conftest import SECRET, wait_for
from tests.integration.test_hot_paths import CHANGING, comment, engines, row
from workers.inbox import inbox_of

SAME = ("Content-Type", "Vary", "Access-Control-Allow-Origin", "Access-Control-Expose-Headers",
        "X-Content-Type-Options", "Referrer-Policy", "Content-Security-Policy", "Set-Cookie")
ORIGIN = "https://quick.example"
# What a worker (one may run beside these tests) writes: the rest is intake's.
PROCESSED = {"status", "version", "body_html", "score", "signals", "decided_at", "public_json"}


def path(thread: str) -> str:
    return f"/api/v1/sites/default/threads/{thread}/comments"


@pytest.fixture
def views(pg_app, monkeypatch):
    """Which views Flask ran, and a client that skips the lane (the view's own answer)."""
    monkeypatch.setitem(pg_app.config, "MODERATION_DEFAULT_ORIGINS", ORIGIN)
    view, calls = pg_app.view_functions["api.post_comment"], []
    monkeypatch.setitem(pg_app.view_functions, "api.post_comment",
                        lambda **kw: calls.append(kw) or view(**kw))
    lane = pg_app.wsgi_app
    assert isinstance(lane, QuickPosts)

    def view_client():
        monkeypatch.setattr(pg_app, "wsgi_app", lane.wsgi_app)
        return pg_app.test_client()
    return calls, view_client


@pytest.mark.parametrize("headers", [{}, {"Origin": ORIGIN, "User-Agent": "Quick/1.0",
                                          "Referer": "https://quick.example/story"}])
def test_the_lane_answers_and_stores_as_the_view_does(pg_app, views, headers):
    calls, view_client = views
    client = pg_app.test_client()
    data = comment()
    client.post(path("quick-same"), json=data)  # a new thread, and the site cached
    calls.clear()
    with statements_run(*engines(pg_app)) as statements:
        quick = client.post(path("quick-same"), json=data, headers=headers)
    assert calls == [] and len(statements) == 1  # the lane: the INSERT, nothing else
    slow = view_client().post(path("quick-same"), json=data, headers=headers)
    assert len(calls) == 1

    assert quick.status_code == slow.status_code == 202
    assert {h: quick.headers.get(h) for h in SAME} == {h: slow.headers.get(h) for h in SAME}
    mine, theirs = quick.get_json(), slow.get_json()
    assert mine.keys() == theirs.keys() and mine["status"] == theirs["status"] == "received"
    for answer in (mine, theirs):
        assert answer["status_url"].endswith("/" + answer["status_token"])
    assert re.sub(r"/[^/]+$", "", mine["status_url"]) == re.sub(r"/[^/]+$", "", theirs["status_url"])
    assert pg_app.test_client().get(mine["status_url"]).status_code == 200

    handed_over(pg_app, mine["id"])
    fast, careful = row(pg_app, mine["id"]), row(pg_app, theirs["id"])
    assert {k: v for k, v in fast.items() if k not in CHANGING | PROCESSED} == \
           {k: v for k, v in careful.items() if k not in CHANGING | PROCESSED}


def handed_over(app, item_id: int) -> None:
    """The item is in the inbox, or a worker (if one runs) has taken it already."""
    inbox = inbox_of(app)
    wait_for(lambda: str(item_id).encode() in inbox.redis.lrange(inbox.list, 0, -1)
             or row(app, item_id)["status"] != "received", timeout=30)


@pytest.mark.parametrize("how, status", [
    ({"data": {"author_name": "Ada", "author_email": "ada@example.org", "body": "By form."}}, 202),
    ({"json": {**comment(), "colour": "red"}}, 422),
    ({"json": {**comment(), "body": ""}}, 422),
    ({"data": b'{"body": "half', "content_type": "application/json"}, 400),
    ({"data": b'{"body": "a", "body": "b"}', "content_type": "application/json"}, 400),
    ({"json": comment(), "headers": {"Origin": "https://elsewhere.example"}}, 403),
    ({"json": {**comment(), "parent_id": 1}}, 422),
    ({"json": {**comment(), "body": "x" * 300_000}}, 413),
    ({"json": {**comment(), "body": "x" * 7000}}, 422),
    ({"json": comment(), "query_string": "x=%ff"}, 400),
])
def test_the_view_answers_what_the_lane_cannot_judge(pg_app, views, how, status):
    calls, _ = views
    client = pg_app.test_client()
    client.post(path("quick-judge"), json=comment())
    calls.clear()
    answer = client.post(path("quick-judge"), **how)
    assert answer.status_code == status, answer.get_data(as_text=True)
    assert len(calls) == (0 if "query_string" in how else 1)  # Flask refuses a bad URL first


def test_a_first_comment_and_an_unknown_site_go_to_the_view(pg_app, views):
    calls, _ = views
    client = pg_app.test_client()
    client.post(path("quick-warm"), json=comment())
    calls.clear()
    assert client.post(path("quick-brand-new"), json=comment()).status_code == 202
    assert client.post("/api/v1/sites/nowhere/threads/t/comments", json=comment()).status_code == 404
    assert client.post(path("/quick-slash"), json=comment()).status_code in (308, 404)
    assert len(calls) == 2


@pytest.fixture
def limited(pg_url, broker_url, pg_app):
    queue = pg_app.config["CELERY"]["task_default_queue"]
    app = create_app({"SQLALCHEMY_DATABASE_URI": pg_url, "EMBEDDED": False, "TESTING": True,
                      "CELERY": config.celery_settings(broker_url, queue), "SECRET_KEY": SECRET,
                      "RATELIMIT_STORAGE_URI": broker_url, "RATELIMIT_KEY_PREFIX": f"{queue}-quick",
                      "MODERATION_RATE_PER_IP": "3/minute", "MODERATION_RATE_PER_EMAIL": "off"})
    yield app
    pg_app.extensions["celery"].set_default()  # create_app made this one Celery's default
    with app.app_context():
        db.engine.dispose()


def test_each_post_counts_once_against_the_rate_limits(limited):
    client = limited.test_client()
    post = lambda **kw: client.post(path("quick-limits"), environ_base={"REMOTE_ADDR": "100.64.7.77"}, **kw)
    assert post(json=comment()).status_code == 202                   # 1: the view (new thread)
    assert post(json=comment()).status_code == 202                   # 2: the lane
    assert post(json={**comment(), "colour": "red"}).status_code == 422  # 3: lane counts, view explains
    refused = post(json=comment())                                   # 4: over the limit
    assert refused.status_code == 429 and refused.get_json()["error"]["limit"] == "per_ip"
    assert int(refused.headers["Retry-After"]) >= 1
