"""The public API on PostgreSQL: replies and closed threads, retried posts with an
Idempotency-Key (at once, from two connections), a post after the database cut its
pooled connections, and a cached comment page that never outlives a change made in
another process (announced over Redis), nor one made while Redis was away."""
import itertools
import random

import pytest
from sqlalchemy import func, select

from moderation import processing
from moderation.extensions import db
from moderation.store import Item, Thread
from tests.conftest import COMMENT, decide, statements_run
from tests.integration.conftest import SECRET, production_app, wait_for

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


def engine(app):
    with app.app_context():
        return db.engine


def database_name(app) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"].rsplit("/", 1)[1]


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


def test_a_reply_is_taken_only_under_a_published_parent(pg_app):
    client = pg_app.test_client()
    path = "/api/v1/sites/default/threads/hot-reply/comments"
    parent = client.post(path, json=comment()).get_json()["id"]
    refused = client.post(path, json=comment(parent_id=parent))
    assert refused.status_code == 422 and refused.get_json()["error"]["field"] == "parent_id"
    approve(pg_app, parent)
    reply = client.post(path, json=comment(parent_id=parent))
    assert reply.status_code == 202
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
        return production_app({"DATABASE_URL": pg_url, "CELERY_BROKER_URL": broker,
                               "SECRET_KEY": SECRET, "MODERATION_TASK_QUEUE": queue})
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
    wait_for(reader.extensions["announcements"].trusted, timeout=10)
    comment_ids(client, "hot-news")
    with statements_run(engine(reader)) as statements:
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
    assert not reader.extensions["announcements"].trusted()
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


def test_a_post_survives_the_database_cutting_its_pooled_connections(pg_app, other_process):
    """As after a database restart: the pool notices (pre-ping) and the post is stored
    once; no INSERT is ever sent twice."""
    from tests.integration.conftest import pg_connect
    app = other_process()
    client = app.test_client()
    path = "/api/v1/sites/default/threads/hot-cut/comments"
    assert client.post(path, json=comment()).status_code == 202
    with app.app_context():
        pooled = [db.engine.raw_connection() for _ in range(db.engine.pool.checkedin())]
        pids = [p.driver_connection.info.backend_pid for p in pooled]
        for p in pooled:
            p.close()
    admin, _ = pg_connect()
    with admin:
        for pid in pids:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    data = comment()
    answer = client.post(path, json=data)
    assert answer.status_code == 202
    assert row(app, answer.get_json()["id"])["body_raw"] == data["body"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(Item.body_raw == data["body"])) == 1


def test_a_retried_post_returns_the_first_answer_and_stores_nothing(pg_app):
    client = pg_app.test_client()
    path = "/api/v1/sites/default/threads/hot-retry/comments"
    data, key = comment(), {"Idempotency-Key": "retry-4b1d6c2e"}
    first = client.post(path, json=data, headers=key)
    again = client.post(path, json=data, headers=key)
    assert first.status_code == again.status_code == 202
    assert again.get_json() == first.get_json()
    other = client.post(path, json=comment(), headers=key)
    assert other.status_code == 422 and other.get_json()["error"]["field"] == "Idempotency-Key"
    with pg_app.app_context():
        assert db.session.scalar(select(func.count()).where(Item.body_raw == data["body"])) == 1


def test_the_same_key_from_two_connections_at_once_stores_one_comment(pg_app, other_process):
    """Two web processes take the same retried post at the same moment: the key's unique
    row lets one commit, and the other answers with that one's answer."""
    from concurrent.futures import ThreadPoolExecutor
    apps = [other_process(), other_process()]
    path = "/api/v1/sites/default/threads/hot-race/comments"
    apps[0].test_client().post(path, json=comment())  # the thread exists
    for n in range(5):
        data, key = comment(), {"Idempotency-Key": f"race-{n}-{random.random()}"}
        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(lambda app: app.test_client().post(path, json=data, headers=key),
                                    apps))
        assert [a.status_code for a in answers] == [202, 202]
        assert answers[0].get_json() == answers[1].get_json()
        with pg_app.app_context():
            assert db.session.scalar(select(func.count()).where(Item.body_raw == data["body"])) == 1


def test_one_form_token_at_once_from_two_connections_times_one_post(pg_app, other_process):
    """A bot sends one token with two posts at the same moment: the spent token's row
    makes the second wait, then count as sent without one; neither post fails."""
    from concurrent.futures import ThreadPoolExecutor
    apps = [other_process(), other_process()]
    path = "/api/v1/sites/default/threads/hot-token/comments"
    token = apps[0].test_client().get("/api/v1/sites/default/form-token").get_json()["token"]
    posts = [comment(form_token=token), comment(form_token=token)]
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda pair: pair[0].test_client().post(path, json=pair[1]),
                                zip(apps, posts)))
    assert [a.status_code for a in answers] == [202, 202]
    with pg_app.app_context():
        timed = [db.session.get(Item, a.get_json()["id"]).form_served_at for a in answers]
    assert sorted(t is None for t in timed) == [False, True]


def test_workers_skip_rows_another_worker_holds(pg_app, other_process):
    """The queue is the item table: a batch claim skips a locked row instead of waiting
    for it, and the row is claimed once its lock goes (as when a worker is killed)."""
    from tests.integration.conftest import QUEUE, pg_connect
    from workers.tasks import process_received
    app = other_process(queue=f"{QUEUE}-claim")  # its wake-ups reach no running worker
    client = app.test_client()
    path = "/api/v1/sites/default/threads/hot-claim/comments"
    held, free = (client.post(path, json=comment()).get_json()["id"] for _ in range(2))
    other, _ = pg_connect(database_name(app))
    with other.transaction():
        other.execute("SELECT id FROM item WHERE id = %s FOR UPDATE", (held,))
        with app.app_context():
            claimed = processing.claim(db.session, 1000)
            assert free in claimed and held not in claimed
            db.session.rollback()
            assert process_received.run() >= 1  # what a wake-up runs; it does not wait
        assert row(app, held)["status"] == "received" and row(app, free)["status"] != "received"
    with app.app_context():
        assert process_received.run() >= 1
    assert row(app, held)["status"] != "received"
