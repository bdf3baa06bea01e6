"""The public API's fast paths on PostgreSQL: a comment stored in one statement is the
same row the careful ORM path stores, and a cached comment page never outlives a change
made in another process (thread_news over Redis), nor one made while Redis was away."""
import itertools
import random

import pytest
from sqlalchemy import select

from moderation import config, create_app, processing
from moderation.extensions import db
from moderation.store import Item, Thread
from tests.conftest import COMMENT, decide, statements_run
from tests.integration.conftest import SECRET, wait_for

CHANGING = {"id", "created_at", "thread_id", "parent_id"}
_posted = itertools.count()


def comment(**fields) -> dict:
    """A comment of its own: this database is shared with the pipeline's tests, whose
    duplicate and flood detectors would otherwise see these posts as a campaign."""
    n = next(_posted)
    words = random.Random(n).sample(WORDS, 12)
    return {**COMMENT, "author_email": f"hot{n}@example.org",
            "body": " ".join(words).capitalize() + ".", **fields}


WORDS = ("tram bridge council budget river school library market station harbour winter "
         "summer parking cycle lane mayor vote schedule delay museum concert theatre garden "
         "festival bakery hospital clinic teacher pupil match stadium season weather storm "
         "flood road repair tunnel ferry island village county election report").split()


def engines(app):
    with app.app_context():
        return db.engine, app.extensions["autocommit"]


def row(app, item_id: int) -> dict:
    with app.app_context():
        item = db.session.get(Item, item_id)
        values = {c.key: getattr(item, c.key) for c in Item.__table__.columns}
        db.session.remove()
    return values


def approve(app, item_id: int) -> None:
    """Route the item as a worker would (none may run in these tests; a no-op once it
    is routed), then approve it as a moderator does."""
    with app.app_context():
        processing.process(db.session, item_id)
        db.session.commit()
        db.session.remove()
    decide(app, item_id)


def test_a_comment_stored_in_one_statement_is_the_row_the_orm_stores(pg_app):
    client = pg_app.test_client()
    path = "/api/v1/sites/default/threads/hot-row/comments"
    data = comment()
    first = client.post(path, json=data).get_json()["id"]  # new thread: the ORM path
    with statements_run(*engines(pg_app)) as statements:
        second = client.post(path, json=data).get_json()["id"]
    assert len(statements) == 1  # the INSERT ... SELECT, nothing else
    orm, fast = row(pg_app, first), row(pg_app, second)
    assert {k: v for k, v in fast.items() if k not in CHANGING} == \
           {k: v for k, v in orm.items() if k not in CHANGING}
    assert fast["thread_id"] == orm["thread_id"] and fast["status"] == "received"


def test_replies_take_the_fast_path_only_under_a_published_parent(pg_app):
    client = pg_app.test_client()
    path = "/api/v1/sites/default/threads/hot-reply/comments"
    parent = client.post(path, json=comment()).get_json()["id"]
    refused = client.post(path, json=comment(parent_id=parent))
    assert refused.status_code == 422 and refused.get_json()["error"]["field"] == "parent_id"
    approve(pg_app, parent)
    with statements_run(*engines(pg_app)) as statements:
        reply = client.post(path, json=comment(parent_id=parent))
    assert reply.status_code == 202 and len(statements) == 1
    assert row(pg_app, reply.get_json()["id"])["parent_id"] == parent


def test_a_closed_thread_refuses_new_comments(pg_app):
    client = pg_app.test_client()
    path = "/api/v1/sites/default/threads/hot-closed/comments"
    client.post(path, json=comment())
    with pg_app.app_context():
        db.session.scalar(select(Thread).where(Thread.key == "hot-closed")).is_open = False
        db.session.commit()
    assert client.post(path, json=comment()).status_code == 409


@pytest.fixture
def other_process(pg_url, broker_url, pg_app):
    """A second app, as another web process or worker would be (its own caches)."""
    queue = pg_app.config["CELERY"]["task_default_queue"]  # the worker's

    def make(broker=broker_url, queue=queue):
        return create_app({"SQLALCHEMY_DATABASE_URI": pg_url,
                           "CELERY": config.celery_settings(broker, queue), "EMBEDDED": False,
                           "SECRET_KEY": SECRET, "TESTING": True,
                           "MODERATION_RATE_PER_IP": "off", "MODERATION_RATE_PER_EMAIL": "off"})
    made = []
    yield lambda **kw: made.append(make(**kw)) or made[-1]
    pg_app.extensions["celery"].set_default()  # create_app made the last one Celery's default
    for app in made:
        with app.app_context():
            db.engine.dispose()


def comment_ids(client, thread: str) -> list[int]:
    doc = client.get(f"/api/v1/sites/default/threads/{thread}/comments").get_json()
    return [c["id"] for c in doc["comments"]]


def test_a_cached_page_is_dropped_when_another_process_approves(pg_app, other_process):
    reader, moderator_side = other_process(), other_process()
    client = reader.test_client()
    path = "/api/v1/sites/default/threads/hot-news/comments"
    first, second = (client.post(path, json=comment()).get_json()["id"] for _ in range(2))
    approve(moderator_side, first)
    assert comment_ids(client, "hot-news") == [first]
    wait_for(reader.extensions["thread_news"].trusted, timeout=10)
    comment_ids(client, "hot-news")
    with statements_run(*engines(reader)) as statements:
        assert comment_ids(client, "hot-news") == [first]
    assert len(statements) == 0  # served from memory

    approve(moderator_side, second)  # in another process: only Redis tells the reader
    wait_for(lambda: comment_ids(client, "hot-news") == [first, second], timeout=5)


def test_without_redis_a_cached_page_is_checked_against_the_database(pg_app, other_process):
    reader = other_process(broker="redis://127.0.0.1:9/0")  # nothing listens there
    moderator_side = other_process()
    client = reader.test_client()
    path = "/api/v1/sites/default/threads/hot-deaf/comments"
    first, second = (client.post(path, json=comment()).get_json()["id"] for _ in range(2))
    approve(moderator_side, first)
    assert comment_ids(client, "hot-deaf") == [first]
    assert not reader.extensions["thread_news"].trusted()
    approve(moderator_side, second)
    assert comment_ids(client, "hot-deaf") == [first, second]  # at once, no wait


def test_postgresql_writes_the_page_with_replies_nested(pg_app):
    client = pg_app.test_client()
    path = "/api/v1/sites/default/threads/hot-tree/comments"
    top = client.post(path, json=comment(body="Top <b>level</b> \u00e9")).get_json()["id"]
    approve(pg_app, top)
    reply = client.post(path, json=comment(parent_id=top)).get_json()["id"]
    approve(pg_app, reply)
    deeper = client.post(path, json=comment(parent_id=reply)).get_json()["id"]
    approve(pg_app, deeper)
    second = client.post(path, json=comment()).get_json()["id"]
    approve(pg_app, second)
    doc = client.get(path + "?limit=1").get_json()
    assert doc["count"] == 4 and doc["next"] == str(top)
    [first] = doc["comments"]
    assert first["id"] == top and first["parent_id"] is None
    assert first["html"] == "<p>Top <b>level</b> \u00e9</p>"
    assert first["author_name"] == COMMENT["author_name"]
    assert len(first["created_at"]) == 20 and first["created_at"].endswith("Z")
    assert first["replies"][0]["id"] == reply
    assert first["replies"][0]["replies"][0]["id"] == deeper
    assert first["replies"][0]["replies"][0]["replies"] == []
    assert [c["id"] for c in client.get(f"{path}?after={top}").get_json()["comments"]] == [second]


def test_the_sweeper_adds_no_duplicates_to_a_waiting_inbox(pg_app, other_process):
    from datetime import timedelta

    from moderation.store import utcnow
    from workers.inbox import inbox_of
    from workers.tasks import requeue_stuck
    app = other_process(queue=f"{pg_app.config['CELERY']['task_default_queue']}-sweep")
    client = app.test_client()  # its own inbox, which no worker drains
    path = "/api/v1/sites/default/threads/hot-sweep/comments"
    with app.app_context():
        inbox = inbox_of(app)
        stuck = client.post(path, json=comment()).get_json()["id"]
        inbox.take(10_000)  # as if a worker took it and died: only the database knows
        db.session.get(Item, stuck).created_at = utcnow() - timedelta(hours=1)
        db.session.commit()
        inbox.redis.rpush(inbox.list, 0)  # a backlog: someone else's item still in line
        inbox.redis.delete(inbox.bell)
        assert requeue_stuck() == 0
        assert inbox.take(10_000) == [0]  # nothing added, and the backlog was rung for
        assert requeue_stuck() >= 1  # an empty inbox: the stuck item goes back in line
        assert stuck in inbox.take(10_000)
        inbox.redis.delete(inbox.bell, app.config["CELERY"]["task_default_queue"])


def test_a_post_survives_the_database_cutting_its_pooled_connections(pg_app, other_process):
    from tests.integration.conftest import pg_connect
    app = other_process()
    client = app.test_client()
    path = "/api/v1/sites/default/threads/hot-cut/comments"
    for _ in range(2):  # the thread, then a post on the fast path: a pooled connection
        assert client.post(path, json=comment()).status_code == 202
    engine = app.extensions["autocommit"]
    pooled = [engine.raw_connection() for _ in range(engine.pool.checkedin())]
    pids = [p.driver_connection.info.backend_pid for p in pooled]
    for p in pooled:
        p.close()
    admin, _ = pg_connect()
    with admin:  # as a database restart does to them
        for pid in pids:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    view, calls = app.view_functions["api.post_comment"], []
    app.view_functions["api.post_comment"] = lambda **kw: calls.append(kw) or view(**kw)
    answer = client.post(path, json=comment())
    assert answer.status_code == 202 and calls == []  # the fast path's own second try
    assert row(app, answer.get_json()["id"])["status"] == "received"
