"""An item goes from POST to pending through a real worker, is approved, and appears in
the comments JSON; all on PostgreSQL and Redis."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from moderation import review
from moderation.extensions import db
from moderation.store import Item, Moderator
from tests.integration.conftest import wait_for

# An address and a network of its own: the database is shared with the other integration
# tests, whose posts from 127.0.0.1 would otherwise count as this reader's flood and history.
COMMENT = {"author_name": "Ada", "author_email": "ada.pipeline@example.org",
           "body": "The tram will help commuters from the east side a lot."}
READER = {"REMOTE_ADDR": "198.51.100.23"}


def status_of(app, item_id):
    with app.app_context():
        item = db.session.get(Item, item_id)
        status = item.status
        db.session.remove()
        return status


def test_post_process_approve_publish(pg_app, worker):
    client = pg_app.test_client()
    response = client.post("/api/v1/sites/default/threads/it-1/comments", json=COMMENT,
                           environ_base=READER)
    assert response.status_code == 202
    body = response.get_json()
    assert body["status"] == "received"  # stored, committed, handed to the worker
    wait_for(lambda: status_of(pg_app, body["id"]) != "received")
    assert status_of(pg_app, body["id"]) == "pending"
    with pg_app.app_context():
        item = db.session.get(Item, body["id"])
        assert item.body_html and item.score is not None and item.signals
        moderator = Moderator(username="it-mod", password_hash="x")
        db.session.add(moderator)
        db.session.flush()
        review.decide(db.session, item.id, "approve", moderator, version=item.version)
        db.session.commit()
    doc = client.get("/api/v1/sites/default/threads/it-1/comments").get_json()
    assert [c["id"] for c in doc["comments"]] == [body["id"]]
    assert doc["comments"][0]["html"].startswith("<p>The tram")
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_waking_the_worker_twice_changes_nothing(pg_app, worker):
    client = pg_app.test_client()
    item_id = client.post("/api/v1/sites/default/threads/it-2/comments", json=COMMENT).get_json()["id"]
    wait_for(lambda: status_of(pg_app, item_id) != "received")
    wake = pg_app.extensions["celery"].tasks["moderation.process_received"]
    wake.delay()
    wake.delay()
    with pg_app.app_context():
        before = db.session.get(Item, item_id)
        decisions_before = len(before.decisions)
        db.session.remove()
    # The solo worker takes tasks in order: once a later item is processed, the two
    # wake-ups before it have run too.
    later = client.post("/api/v1/sites/default/threads/it-2/comments", json=COMMENT).get_json()["id"]
    wait_for(lambda: status_of(pg_app, later) != "received")
    with pg_app.app_context():
        after = db.session.get(Item, item_id)
        assert len(after.decisions) == decisions_before == 1
        db.session.remove()


def test_migrations_match_the_models_on_postgresql(pg_app):
    with pg_app.app_context():
        with db.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert diff == []
