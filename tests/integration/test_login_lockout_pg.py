"""Parallel wrong passwords against PostgreSQL: every attempt is counted before its
password is checked, atomically, so none of them fails with a 500 and no more passwords
are checked than the limit allows."""
import secrets
import threading

import pytest
from sqlalchemy import func, select

from moderation import accounts
from moderation.extensions import db
from moderation.store import AuditEvent
from tests.conftest import csrf_from

pytestmark = pytest.mark.integration


def test_parallel_wrong_passwords_check_at_most_the_limit(pg_app):
    username = f"admin-{secrets.token_hex(3)}"
    with pg_app.app_context():
        accounts.create_moderator(db.session, username, "plum orbit candle fjord", "admin")
        db.session.commit()
    limit = pg_app.config["MODERATION_LOGIN_MAX_FAILURES"]
    clients = []
    for i in range(9):
        client = pg_app.test_client()
        client.environ_base["REMOTE_ADDR"] = "203.0.113.50"
        clients.append((client, csrf_from(client.get("/login").get_data(as_text=True))))
    start = threading.Barrier(len(clients))
    codes = []

    def attempt(client, token, n):
        start.wait()
        response = client.post("/login", data={"username": username, "csrf_token": token,
                                               "password": f"wrong password {n}!"})
        codes.append(response.status_code)
    threads = [threading.Thread(target=attempt, args=(c, t, n)) for n, (c, t) in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(codes) == 9 and set(codes) <= {401, 429}, codes
    assert codes.count(429) >= 9 - limit
    with pg_app.app_context():
        checked = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "login_failed", AuditEvent.actor == username))
        db.session.remove()
    assert checked <= limit
    # Locked for that network, not for the owner's.
    owner = pg_app.test_client()
    owner.environ_base["REMOTE_ADDR"] = "198.51.100.20"
    response = owner.post("/login", data={
        "username": username, "password": "plum orbit candle fjord",
        "csrf_token": csrf_from(owner.get("/login").get_data(as_text=True))})
    assert response.status_code == 302
