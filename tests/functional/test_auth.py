"""Logging in: rate limit per address, lockout per username held in the database,
sessions that end after their lifetime, disabled accounts shut out at once."""
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
