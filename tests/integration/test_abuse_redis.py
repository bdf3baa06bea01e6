"""Intake rate limits counted in the real Redis (database 11), as production counts them:
every web process shares the counters, and a refused post stores nothing."""
import hashlib
import secrets

import pytest
import redis
from celery import current_app as current_celery
from sqlalchemy import func, select

from moderation.extensions import db
from moderation.store import Item
from tests.conftest import COMMENT, make_app

URL = "/api/v1/sites/default/threads/redis-limits/comments"


@pytest.fixture
def keep_celery():
    """The apps made here become Celery's current app; later tests need theirs back."""
    before = current_celery._get_current_object()
    yield
    before.set_default()
    before.set_current()


def test_limits_in_redis_are_shared_by_two_apps(tmp_path, broker_url, keep_celery):
    run = secrets.token_hex(4)  # fresh counters for this run, whatever Redis holds
    limits = {"MODERATION_RATE_PER_IP": "4/minute", "MODERATION_RATE_PER_EMAIL": "2/minute",
              "RATELIMIT_STORAGE_URI": broker_url, "RATELIMIT_KEY_PREFIX": f"test-{run}-"}
    uri = f"sqlite:///{tmp_path / 'redis-limits.sqlite3'}"
    first, second = make_app(uri, **limits), make_app(uri, **limits)  # two web processes
    ip = "198.51.100.20"

    def post(app, email, address=ip):
        return app.test_client().post(URL, json={**COMMENT, "author_email": email},
                                      environ_overrides={"REMOTE_ADDR": address})

    assert post(first, "ada@example.org").status_code == 202
    assert post(second, "ada@example.org").status_code == 202
    by_email = post(first, "ada@example.org")
    assert by_email.status_code == 429 and by_email.get_json()["error"]["limit"] == "per_email"
    assert 1 <= int(by_email.headers["Retry-After"]) <= 60
    # The refused post was counted against the address too: 3 of its 4.
    assert post(second, "bea@example.org").status_code == 202
    by_ip = post(first, "cy@example.org")
    assert by_ip.status_code == 429 and by_ip.get_json()["error"]["limit"] == "per_ip"
    assert post(second, "cy@example.org", address="203.0.113.20").status_code == 202
    with first.app_context():
        assert db.session.scalar(select(func.count()).select_from(Item)) == 4
        db.engine.dispose()

    keys = redis.Redis.from_url(broker_url).keys(f"LIMITS:LIMITER/test-{run}-intake/*")
    assert keys and not any(b"example" in key for key in keys)  # no email in Redis
    # ... nor a plain digest of one, which a list of addresses could be matched against
    plain = hashlib.sha256(b"ada@example.org").hexdigest()[:32].encode()
    assert not any(plain in key for key in keys)
    client = redis.Redis.from_url(broker_url)
    assert all(0 < client.ttl(key) <= 60 for key in keys)
    client.delete(*keys)
