"""Admins manage moderator accounts in the UI, and read every action on the audit page."""
from datetime import date, timedelta

from moderation.extensions import db
from moderation.store import Moderator
from tests.conftest import add_moderator, csrf_from, log_in, make_item


def admin_client(app):
    add_moderator(app, "root", role="admin")
    client = app.test_client()
    log_in(client, "root")
    return client, csrf_from(client.get("/admin/accounts").get_data(as_text=True))


def moderator_id(app, username):
    from sqlalchemy import select
    with app.app_context():
        return db.session.scalar(select(Moderator.id).where(Moderator.username == username))


def test_admin_creates_a_moderator_who_can_then_log_in(app):
    client, token = admin_client(app)
    response = client.post("/admin/accounts", data={
        "username": "carol", "password": "a long enough password", "role": "moderator",
        "csrf_token": token}, follow_redirects=True)
    assert "Created moderator carol" in response.get_data(as_text=True)
    carol = app.test_client()
    assert log_in(carol, "carol", "a long enough password").status_code == 302


def test_bad_accounts_are_refused_and_nothing_is_stored(app):
    client, token = admin_client(app)
    for data, words in (({"username": "dan", "password": "short", "role": "moderator"}, "at least 10"),
                        ({"username": "root", "password": "x" * 12, "role": "moderator"}, "is taken"),
                        ({"username": "dan", "password": "x" * 12, "role": "owner"}, "role must be"),
                        ({"username": "  ", "password": "x" * 12, "role": "moderator"}, "1-80 characters"),
                        ({"username": "dan", "password": "x" * 12, "role": "moderator"}, "too easy to guess"),
                        ({"username": "dan", "password": "password123!", "role": "moderator"}, "too easy to guess"),
                        ({"username": "ROOT", "password": "a long enough password", "role": "moderator"}, "is taken"),
                        ({"username": "ｒｏｏｔ", "password": "a long enough password", "role": "moderator"}, "is taken"),
                        ({"username": "da\u202en", "password": "a long enough password", "role": "moderator"}, "U+202E"),
                        ({"username": "d\u200ban", "password": "a long enough password", "role": "moderator"}, "U+200B"),
                        ({"username": "d\u3164an", "password": "a long enough password", "role": "moderator"}, "U+3164")):
        response = client.post("/admin/accounts", data={**data, "csrf_token": token})
        assert response.status_code == 422 and words in response.get_data(as_text=True), words
    assert moderator_id(app, "dan") is None


def test_an_admin_sets_a_password_and_the_moderators_sessions_end(app):
    client, token = admin_client(app)
    add_moderator(app, "hal")
    hal = app.test_client()
    log_in(hal, "hal")
    url = f"/admin/accounts/{moderator_id(app, 'hal')}/password"
    weak = client.post(url, data={"password": "hal12345678", "csrf_token": token})
    assert weak.status_code == 422 and "too easy to guess" in weak.get_data(as_text=True)
    assert hal.get("/review/").status_code == 200
    done = client.post(url, data={"password": "plum orbit candle fjord", "csrf_token": token},
                       follow_redirects=True)
    assert "New password set for hal" in done.get_data(as_text=True)
    assert hal.get("/review/").status_code == 302
    assert log_in(app.test_client(), "hal").status_code == 401
    assert log_in(app.test_client(), "hal", "plum orbit candle fjord").status_code == 302
    own = client.post(f"/admin/accounts/{moderator_id(app, 'root')}/password",
                      data={"password": "plum orbit candle fjord", "csrf_token": token})
    assert own.status_code == 422 and "your password page" in own.get_data(as_text=True)


def test_disabling_ends_the_session_and_blocks_login(app):
    client, token = admin_client(app)
    add_moderator(app, "erin")
    erin = app.test_client()
    log_in(erin, "erin")
    assert erin.get("/review/").status_code == 200
    client.post(f"/admin/accounts/{moderator_id(app, 'erin')}", data={"active": "0", "csrf_token": token})
    assert erin.get("/review/").status_code == 302
    assert log_in(app.test_client(), "erin").status_code == 401
    client.post(f"/admin/accounts/{moderator_id(app, 'erin')}", data={"active": "1", "csrf_token": token})
    assert log_in(app.test_client(), "erin").status_code == 302


def test_re_roling_ends_the_session_and_the_next_login_has_the_new_role(app):
    client, token = admin_client(app)
    add_moderator(app, "fay")
    fay = app.test_client()
    log_in(fay, "fay")
    assert fay.get("/admin/accounts").status_code == 403
    client.post(f"/admin/accounts/{moderator_id(app, 'fay')}", data={"role": "admin", "csrf_token": token})
    assert "/login" in fay.get("/admin/accounts").headers["Location"]
    log_in(fay, "fay")
    assert fay.get("/admin/accounts").status_code == 200


def test_admins_cannot_lock_themselves_out(app):
    client, token = admin_client(app)
    me = moderator_id(app, "root")
    for data in ({"active": "0"}, {"role": "moderator"}):
        response = client.post(f"/admin/accounts/{me}", data={**data, "csrf_token": token})
        assert response.status_code == 422
        assert "cannot change your own role or disable your own account" in response.get_data(as_text=True)
    bad = client.post(f"/admin/accounts/{me}", data={"active": "maybe", "csrf_token": token})
    assert bad.status_code == 422 and "active must be 1 or 0" in bad.get_data(as_text=True)
    assert client.post("/admin/accounts/999", data={"active": "0", "csrf_token": token}).status_code == 404


def test_audit_lists_every_kind_of_action_and_filters(app):
    client, token = admin_client(app)
    add_moderator(app, "gus")
    gus = app.test_client()
    log_in(app.test_client(), "gus", "wrong password!")
    log_in(gus, "gus")
    item_id = make_item(app)
    gus_token = csrf_from(gus.get(f"/review/items/{item_id}").get_data(as_text=True))
    gus.post(f"/review/items/{item_id}/edit", data={"body": "Tidied", "csrf_token": gus_token})
    gus.post(f"/review/items/{item_id}/decide", data={"action": "approve", "csrf_token": gus_token})
    client.post(f"/admin/accounts/{moderator_id(app, 'gus')}", data={"role": "admin", "csrf_token": token})

    page = client.get("/admin/audit").get_data(as_text=True)
    for words in ("login failed", "login", "edit", "changed body", "pending → approved",
                  "role changed", "gus: moderator -&gt; admin"):
        assert words in page, words
    only_gus = client.get("/admin/audit?moderator=gus").get_data(as_text=True)
    assert "pending → approved" in only_gus and "role changed" not in only_gus
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    assert "Nothing recorded" in client.get(f"/admin/audit?since={tomorrow}").get_data(as_text=True)
    assert "pending → approved" in client.get(
        f"/admin/audit?until={tomorrow}").get_data(as_text=True)
    bad = client.get("/admin/audit?since=yesterday")
    assert bad.status_code == 400 and "since must be a date" in bad.get_data(as_text=True)
