"""Fast-layer fixtures: a fresh app and a fresh SQLite database for every test, Celery
tasks executed in-process (Celery's own testing setting, task_always_eager: a wake-up
then works the queue before the request returns), CSRF switched on."""
import os
import re
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import event

from moderation import config, create_app
from moderation.extensions import db
from moderation.sites import ensure_default


@contextmanager
def statements_run(*engines):
    """The SQL statements the engines run inside the block, as a growing list."""
    executed = []

    def record(_connection, _cursor, statement, *_rest):
        executed.append(statement)
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield executed
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)


def pytest_configure(config):
    # One model cache for every app and process the tests start (workers, `flask serve`
    # in a folder of its own inherit it): the toxicity model trained from the shipped
    # data is built once per checkout (~15 s of CPU), then loaded (~0.1 s).
    os.environ.setdefault("MODERATION_MODEL_CACHE",
                          str(Path(__file__).resolve().parent.parent / "instance" / "model-cache"))


@pytest.fixture(scope="session", autouse=True)
def toxicity_model():
    """Build (or load) the default toxicity model before any test waits on a worker."""
    from moderation.toxicity import default
    return default.default_detector(Path(os.environ["MODERATION_MODEL_CACHE"]))


def in_process_celery(queue: str = "moderation") -> dict:
    return {**config.celery_settings("memory://", queue), "task_always_eager": True}


def make_app(database_uri: str, **overrides):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_uri,
                      "CELERY": in_process_celery(), "SECRET_KEY": "test-secret",
                      # Tests post freely; test_abuse.py opts in to the intake limits.
                      "MODERATION_RATE_PER_IP": "off", "MODERATION_RATE_PER_EMAIL": "off",
                      **overrides})
    with app.app_context():
        db.create_all()
        ensure_default(db.session)
        db.session.commit()
    return app


@pytest.fixture
def app(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'test.sqlite3'}")
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def smtp():
    """A real SMTP server (aiosmtpd) on a free port; `smtp.settings` are the app's MAIL_*."""
    from tests.smtp import SMTPServer
    server = SMTPServer()
    yield server
    server.stop()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    with app.app_context():
        yield db.session


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or \
        re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def add_moderator(app, username="mod", password="correct horse battery", role="moderator"):
    from moderation.accounts import create_moderator
    with app.app_context():
        create_moderator(db.session, username, password, role)
        db.session.commit()
    return username, password


def log_in(client, username="mod", password="correct horse battery"):
    page = client.get("/login").get_data(as_text=True)
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_from(page)})


COMMENT = {"author_name": "Ada Reader", "author_email": "ada@example.org",
           "body": "A thoughtful remark about the tram line."}


def set_policy(app, site="default", **policy):
    """Merge `policy` into a site's policy (committed); the process's site cache forgets."""
    from sqlalchemy import select

    from moderation.store import Site
    with app.app_context():
        row = db.session.scalar(select(Site).where(Site.key == site))
        row.policy = {**(row.policy or {}), **policy}
        db.session.commit()
    app.extensions["site_cache"].forget()


def post_comment(client, thread="t1", site="default", **fields):
    return client.post(f"/api/v1/sites/{site}/threads/{thread}/comments",
                       json={**COMMENT, **fields})


def decide(app, item_id, action="approve", username="decider", reason=""):
    """A moderator's decision on an item, as the review queue makes it (committed).
    Approving an item the scorer held as spam first marks it not-spam, as a moderator would;
    a rejection without a reason is one for "other"."""
    from sqlalchemy import select

    from moderation import review
    from moderation.store import Item, Moderator
    with app.app_context():
        moderator = db.session.scalar(select(Moderator).where(Moderator.username == username))
        if moderator is None:
            moderator = Moderator(username=username, password_hash="x", role="moderator")
            db.session.add(moderator)
            db.session.flush()
        if action == "approve" and db.session.get(Item, item_id).status == "spam":
            review.decide(db.session, item_id, "not_spam", moderator)
        review.decide(db.session, item_id, action, moderator,
                      reason=reason or ("other" if action == "reject" else ""))
        db.session.commit()


class Receiver:
    """A real HTTP server on 127.0.0.1 that records what it is sent (webhook tests).
    It answers each request with the next status in `statuses` (200 once they run out)."""

    def __init__(self, statuses=()):
        import http.server
        import threading
        self.requests, self.statuses = [], list(statuses)
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append((dict(self.headers), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.stop()


def make_item(app, *, kind="comment", status="pending", score=0.1, site="default", thread=None,
              author_email="ada@example.org", ip_prefix="192.0.2.0/24", title="",
              body="A thoughtful remark.", created_at=None, parent_id=None):
    """An item stored directly in `status` (through lifecycle, with its Decision), for
    review tests that need exact scores, sites, kinds and times. Returns its id."""
    from datetime import datetime

    from sqlalchemy import select

    from moderation import lifecycle
    from moderation.store import Item, Site, Thread
    with app.app_context():
        site_row = db.session.scalar(select(Site).where(Site.key == site))
        if site_row is None:
            site_row = Site(key=site, name=site, allowed_origins=[], policy={})
            db.session.add(site_row)
            db.session.flush()
        thread_row = None
        if thread is not None:
            thread_row = db.session.scalar(select(Thread).where(
                Thread.site_id == site_row.id, Thread.key == thread))
            if thread_row is None:
                thread_row = Thread(site_id=site_row.id, key=thread, title=f"Article {thread}")
                db.session.add(thread_row)
                db.session.flush()
        item = Item(site_id=site_row.id, kind=kind, thread_id=thread_row.id if thread_row else None,
                    parent_id=parent_id, title=title, body_raw=body, body_html=f"<p>{body}</p>",
                    author_name="Ada Reader", author_email=author_email, ip="192.0.2.7",
                    ip_prefix=ip_prefix, score=score, signals=[],
                    created_at=created_at or datetime(2026, 1, 1, 12, 0))
        db.session.add(item)
        db.session.flush()
        if status != "received":
            first = "pending" if status in ("approved", "rejected") else status
            lifecycle.move(db.session, item, first)
            if status != first:
                lifecycle.move(db.session, item, status)
        db.session.commit()
        return item.id
