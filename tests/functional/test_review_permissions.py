"""Who reaches what: nobody logged out reaches a review page, moderators no admin page."""
import pytest

from tests.conftest import add_moderator, csrf_from, log_in, make_item

REVIEW_GETS = ("/review/", "/review/?status=spam", "/review/items/1", "/review/changes?since=0")
REVIEW_POSTS = ("/review/decide", "/review/items/1/decide", "/review/items/1/edit",
                "/review/items/1/notes")
ADMIN_PAGES = ("/admin/accounts", "/admin/audit")


@pytest.mark.parametrize("path", REVIEW_GETS + ADMIN_PAGES)
def test_logged_out_people_are_sent_to_login_or_refused(client, app, path):
    make_item(app)
    response = client.get(path)
    if path.startswith("/review/changes"):
        assert response.status_code == 401 and "log in" in response.get_json()["error"]
    else:
        assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("path", REVIEW_POSTS)
def test_logged_out_posts_change_nothing(client, app, path):
    from moderation.extensions import db
    from moderation.store import Item
    item_id = make_item(app)
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(path, data={"action": "approve", "items": f"{item_id}:2", "version": 2,
                                       "body": "edited", "note": "n", "csrf_token": token})
    assert response.status_code in (302, 401)
    with app.app_context():
        item = db.session.get(Item, item_id)
        assert (item.status, item.body_html) == ("pending", "<p>A thoughtful remark.</p>")


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_moderators_cannot_reach_admin_pages(client, app, path):
    add_moderator(app)
    log_in(client)
    response = client.get(path)
    assert response.status_code == 403 and "this page is for admins" in response.get_data(as_text=True)
    token = csrf_from(client.get("/review/").get_data(as_text=True))
    created = client.post("/admin/accounts", data={"username": "eve", "password": "x" * 12,
                                                   "role": "admin", "csrf_token": token})
    assert created.status_code == 403
    assert "Accounts" not in client.get("/review/").get_data(as_text=True)


def test_admins_reach_admin_pages(client, app):
    add_moderator(app, "root", role="admin")
    log_in(client, "root")
    for path in ADMIN_PAGES:
        assert client.get(path).status_code == 200
