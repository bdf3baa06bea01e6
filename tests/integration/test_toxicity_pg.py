"""Toxicity on PostgreSQL with a real worker: the worker scores a comment and keeps the
words behind the score; a nudged comment leaves nothing behind but the nudge; the queue
sorted by toxicity pages through every item (the tuple keyset, then the items never
scored) on PostgreSQL's ordering of NULLs."""
from sqlalchemy import func, select

from moderation import review
from moderation.extensions import db
from moderation.store import Item, Nudge, Thread
from tests.conftest import make_item
from tests.integration.conftest import wait_for

TOXIC = "Only an idiot would vote for this tram, you moron."


def url(thread):
    return f"/api/v1/sites/default/threads/{thread}/comments"


def reader(n):
    return {"author_name": f"Reader {n}", "author_email": f"tox{n}@example.net"}


def test_the_worker_scores_a_comment_and_keeps_its_words(pg_app, worker):
    client = pg_app.test_client()
    response = client.post(url("tox-it"), json={**reader(1), "body": TOXIC, "nudged": "1"})
    assert response.status_code == 202
    item_id = response.get_json()["id"]

    def scored():
        with pg_app.app_context():
            item = db.session.get(Item, item_id)
            found = (item.status, item.toxicity, item.toxic_spans, item.body_raw,
                     [s for s in item.signals if s["name"] == "toxicity"])
            db.session.remove()
            return found if found[0] != "received" else None
    status, toxicity, spans, body, [signal] = wait_for(scored, timeout=60)
    assert status == "pending" and toxicity >= 0.75 and signal["weight"] == 0
    assert {body[s:e] for s, e in spans} >= {"idiot", "moron"}


def test_a_nudged_comment_stores_nothing_but_the_nudge(pg_app):
    client = pg_app.test_client()
    with pg_app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Nudge))
    response = client.post(url("tox-nudge-it"), json={**reader(2), "body": TOXIC})
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "nudge"
    with pg_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Nudge)) == before + 1
        assert db.session.scalar(select(Thread).where(Thread.key == "tox-nudge-it")) is None
        db.session.remove()


def test_the_toxicity_sort_pages_through_every_item(pg_app):
    ids = [make_item(pg_app, site="tox-queue", body=f"item {n}") for n in range(13)]
    with pg_app.app_context():
        for n, item_id in enumerate(ids[:10]):  # three are never scored
            db.session.get(Item, item_id).toxicity = (n * 7 % 10) / 10
        db.session.commit()
        filters = review.Filters(site="tox-queue", sort="toxicity")
        seen, cursor = [], None
        while True:
            page = review.queue(db.session, filters, limit=4, after=cursor)
            seen += [(item.toxicity, item.id) for item in page.items]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        db.session.remove()
    scored = sorted([s for s in seen if s[0] is not None], reverse=True)
    assert seen == scored + sorted([s for s in seen if s[0] is None], key=lambda s: -s[1])
    assert sorted(i for _, i in seen) == sorted(ids)
