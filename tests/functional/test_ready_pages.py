"""ready_pages.py answers repeated comment reads before Flask: the same answer the view
gives, no query, and the view whenever the lane cannot judge the request."""
import pytest

from moderation.extensions import db
from tests.conftest import decide, post_comment, statements_run

SAME = ("Content-Type", "ETag", "Cache-Control", "Access-Control-Allow-Origin",
        "Access-Control-Expose-Headers", "X-Content-Type-Options", "Referrer-Policy")
PATH = "/api/v1/sites/default/threads/lane/comments"


@pytest.fixture
def thread(app, client):
    app.config["MODERATION_DEFAULT_ORIGINS"] = "https://news.example"
    for _ in range(2):
        decide(app, post_comment(client, thread="lane").get_json()["id"])


def engine_of(app):
    with app.app_context():
        return db.engine


@pytest.mark.parametrize("query, headers", [
    ("", {}),
    ("?limit=1", {}),
    ("?limit=200&after=1", {}),
    ("", {"Origin": "https://news.example"}),
])
def test_the_lane_answers_as_the_view_does_without_a_query(app, client, thread, query, headers):
    built = client.get(PATH + query, headers=headers)  # the view builds the page
    view, calls = app.view_functions["api.comments"], []
    app.view_functions["api.comments"] = lambda **kw: calls.append(kw) or view(**kw)
    with statements_run(engine_of(app)) as queries:
        ready = client.get(PATH + query, headers=headers)
    assert len(queries) == 0 and calls == []
    assert ready.status_code == built.status_code == 200
    assert ready.data == built.data
    assert {h: ready.headers.get(h) for h in SAME} == {h: built.headers.get(h) for h in SAME}
    assert "Origin" in ready.headers["Vary"]
    with statements_run(engine_of(app)) as queries:
        again = client.get(PATH + query, headers={**headers, "If-None-Match": ready.headers["ETag"]})
    assert again.status_code == 304 and again.headers["ETag"] == ready.headers["ETag"]
    assert len(queries) == 0 and calls == []


@pytest.mark.parametrize("query, headers, status", [
    ("?limit=0", {}, 400),
    ("?limit=abc", {}, 400),
    ("?limit=1&limit=2", {}, 200),
    ("", {"Origin": "https://elsewhere.example"}, 200),
    ("", {"If-None-Match": "*"}, 304),
])
def test_the_view_answers_what_the_lane_cannot_judge(app, client, thread, query, headers, status):
    client.get(PATH)
    client.get(PATH + "?limit=1")
    view, calls = app.view_functions["api.comments"], []
    app.view_functions["api.comments"] = lambda **kw: calls.append(kw) or view(**kw)
    answer = client.get(PATH + query, headers=headers)
    assert answer.status_code == status and len(calls) == 1
    assert "Access-Control-Allow-Origin" not in answer.headers
    client.get(PATH)
    assert len(calls) == 1  # and the lane the plain read after it


def test_a_decision_shows_at_once(app, client, thread):
    first = client.get(PATH).get_json()
    client.get(PATH)
    decide(app, post_comment(client, thread="lane").get_json()["id"])
    assert client.get(PATH).get_json()["count"] == first["count"] + 1


def test_a_comment_without_prepared_fields_is_shown_the_same(app, client, thread):
    from sqlalchemy import update

    from moderation.store import Item
    prepared = client.get(PATH).get_json()
    with app.app_context():
        db.session.execute(update(Item).values(public_json=None))
        db.session.commit()
    app.extensions["page_cache"].drop_all()
    assert client.get(PATH).get_json() == prepared


def test_the_lane_goes_on_serving_after_its_copy_of_the_site_expires(app, client, thread):
    client.get(PATH)
    app.extensions["site_cache"].sites.clear()  # as after MODERATION_SITE_CACHE_SECONDS
    client.get(PATH)  # the view answers, and fetches the site again
    view, calls = app.view_functions["api.comments"], []
    app.view_functions["api.comments"] = lambda **kw: calls.append(kw) or view(**kw)
    assert client.get(PATH).status_code == 200 and calls == []


def test_pages_are_not_trusted_unchecked_when_other_processes_share_the_database(tmp_path):
    from tests.conftest import make_app
    embedded = make_app(f"sqlite:///{tmp_path / 'e.sqlite3'}")
    shared = make_app(f"sqlite:///{tmp_path / 's.sqlite3'}", EMBEDDED=False)  # no broker
    assert embedded.extensions["thread_news"].trusted()
    assert not shared.extensions["thread_news"].trusted()
