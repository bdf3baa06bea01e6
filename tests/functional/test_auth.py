"""Logging in: rate limit per address, lockout per username held in the database,
sessions that end after their lifetime, disabled accounts shut out at once."""
from moderation.extensions import db
from tests.conftest import add_moderator, csrf_from, log_in, make_app


def test_repeated_failures_lock_the_username_even_for_the_right_password(client, app):
    add_moderator(app)
    for _ in range(4):
        assert log_in(client, password="wrong password!").status_code == 401
    fifth = log_in(client, password="wrong password!")
    assert fifth.status_code == 429
    assert "too many failed logins for this account" in fifth.get_data(as_text=True)
    right = log_in(client)
    assert right.status_code == 429 and client.get("/review/").status_code == 302


def test_the_lockout_holds_in_another_process_on_the_same_database(tmp_path):
    uri = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    first, second = make_app(uri), make_app(uri)
    add_moderator(first)
    for _ in range(5):
        log_in(first.test_client(), password="wrong password!")
    assert log_in(second.test_client()).status_code == 429


def test_a_good_login_clears_earlier_failures(client, app):
    add_moderator(app)
    for _ in range(4):
        log_in(client, password="wrong password!")
    assert log_in(client).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/review/").get_data(as_text=True))})
    for _ in range(4):
        assert log_in(client, password="wrong password!").status_code == 401


def test_login_posts_are_rate_limited_per_address(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'rate.sqlite3'}", MODERATION_LOGIN_RATE="3 per minute")
    add_moderator(app)
    client = app.test_client()
    codes = [log_in(client, username=f"nobody{i}", password="x").status_code for i in range(4)]
    assert codes == [401, 401, 401, 429]
    assert "too many requests" in log_in(client).get_data(as_text=True)
    assert client.get("/login").status_code == 200  # reading the form is not limited


def test_sessions_end_after_their_lifetime(client, app):
    add_moderator(app)
    log_in(client)
    assert client.get("/review/").status_code == 200
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
    with client.session_transaction() as session:
        session["login_at"] -= lifetime + 1
    response = client.get("/review/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_session_lifetime_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("MODERATION_SESSION_HOURS", "2")
    app = make_app(f"sqlite:///{tmp_path / 'env.sqlite3'}")
    assert app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() == 7200
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_a_copied_session_cookie_stops_working_after_logout(client, app):
    add_moderator(app)
    log_in(client)
    cookie = client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    assert thief.get("/review/").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/review/").get_data(as_text=True))})
    response = thief.get("/review/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "Moderator login" in thief.get("/review/", follow_redirects=True).get_data(as_text=True)


def test_a_moderator_changes_their_password_and_their_other_sessions_end(client, app):
    add_moderator(app)
    log_in(client)
    other = app.test_client()
    log_in(other)
    page = client.get("/account/password")
    assert page.status_code == 200
    token = csrf_from(page.get_data(as_text=True))

    def change(current, new, confirm=None):
        return client.post("/account/password", data={
            "current_password": current, "new_password": new,
            "confirm": new if confirm is None else confirm, "csrf_token": token})
    for current, new, words in (("wrong one entirely", "plum orbit candle fjord", "current password is wrong"),
                                ("correct horse battery", "qwertyuiop", "too easy to guess"),
                                ("correct horse battery", "short", "at least 10")):
        response = change(current, new)
        assert response.status_code == 422 and words in response.get_data(as_text=True)
    assert change("correct horse battery", "plum orbit candle fjord", "other").status_code == 422
    assert other.get("/review/").status_code == 200  # nothing changed yet
    done = change("correct horse battery", "plum orbit candle fjord")
    assert done.status_code == 303
    assert client.get("/review/").status_code == 200  # this session goes on
    assert other.get("/review/").status_code == 302
    assert log_in(app.test_client()).status_code == 401
    assert log_in(app.test_client(), password="plum orbit candle fjord").status_code == 302


def test_a_lockout_from_another_network_leaves_the_owners_network_alone(app):
    add_moderator(app, "editor", role="admin")
    stranger = app.test_client()
    stranger.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    codes = [log_in(stranger, "editor", "wrong password!").status_code for _ in range(6)]
    assert codes == [401, 401, 401, 401, 429, 429]
    neighbour = app.test_client()  # the same /24 as the stranger: locked too
    neighbour.environ_base["REMOTE_ADDR"] = "203.0.113.200"
    assert log_in(neighbour, "editor").status_code == 429
    newsroom = app.test_client()
    newsroom.environ_base["REMOTE_ADDR"] = "198.51.100.20"
    assert log_in(newsroom, "editor").status_code == 302
    assert newsroom.get("/admin/accounts").status_code == 200


def test_ipv6_clients_are_counted_per_64():
    from moderation import lockout
    assert lockout.network("2001:db8:1:2:aaaa::1") == lockout.network("2001:db8:1:2:bbbb::9") \
        == "2001:db8:1:2::/64"
    assert lockout.network("2001:db8:1:3::1") != lockout.network("2001:db8:1:2::1")
    assert lockout.network("192.0.2.77") == "192.0.2.0/24"


def test_locked_attempts_check_no_password(app):
    """Past the limit an attempt is refused before its password is looked at: the right
    password gets the same answer as a wrong one, and no failure is recorded for it."""
    from sqlalchemy import func, select

    from moderation.store import AuditEvent
    add_moderator(app)
    client = app.test_client()
    for _ in range(5):
        log_in(client, password="wrong password!")
    assert log_in(client).status_code == 429
    assert log_in(client, password="another wrong one").status_code == 429
    with app.app_context():
        failed = db.session.scalar(select(func.count()).where(AuditEvent.action == "login_failed"))
    assert failed == 5
