"""Fast-layer fixtures: a fresh app and a fresh SQLite database for every test, Celery
tasks executed in-process, CSRF switched on."""
import re

import pytest

from moderation import config, create_app
from moderation.extensions import db
from moderation.sites import ensure_default


def make_app(database_uri: str, broker_url: str = "", **overrides):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_uri,
                      "CELERY": config.celery_settings(broker_url),
                      "EMBEDDED": not broker_url, "SECRET_KEY": "test-secret", **overrides})
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


def post_comment(client, thread="t1", site="default", **fields):
    return client.post(f"/api/v1/sites/{site}/threads/{thread}/comments",
                       json={**COMMENT, **fields})
