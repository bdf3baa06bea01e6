import re

from sqlalchemy import select

from moderation.extensions import db
from moderation.store import Item
from tests.conftest import csrf_from

NEWS = {"author_name": "Tipster", "author_email": "tip@example.org", "title": "Bridge closed",
        "body": "The old bridge is closed for repairs.", "source_url": "https://city.example/notice"}


def items(app):
    with app.app_context():
        return db.session.scalars(select(Item)).all()


def test_chooser_lists_every_kind(client):
    page = client.get("/submit").get_data(as_text=True)
    for kind in ("news", "deal", "column", "press_release"):
        assert f"/submit/{kind}" in page


def test_news_tip_flow_with_csrf(client, app):
    page = client.get("/submit/news").get_data(as_text=True)
    assert 'name="source_url"' in page and 'name="website"' in page
    token = re.search(r'name="form_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/submit/news", data={**NEWS, "csrf_token": csrf_from(page), "form_token": token})
    assert response.status_code == 303
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Bridge closed" in thanks
    status_link = re.search(r'class="status-link" href="([^"]+)"', thanks).group(1)
    status = client.get(status_link.replace("http://localhost", "")).get_data(as_text=True)
    assert "waiting for an editor" in status
    [item] = items(app)
    assert (item.kind, item.status, item.fields) == ("news", "pending", {"source_url": NEWS["source_url"]})
    assert item.form_served_at is not None


def test_missing_csrf_token_is_403_and_stores_nothing(client, app):
    response = client.post("/submit/news", data=NEWS)
    assert response.status_code == 403
    assert "form" in response.get_data(as_text=True).lower()
    assert items(app) == []


def test_errors_appear_next_to_their_fields(client, app):
    page = client.get("/submit/deal").get_data(as_text=True)
    response = client.post("/submit/deal", data={
        "csrf_token": csrf_from(page), "author_name": "A", "author_email": "bad",
        "title": "Deal", "body": "Cheap", "merchant": "Shop", "link": "ftp://x", "price": "free"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for field, words in [("author_email", "not a valid email"), ("link", "http or https"),
                         ("price", "amount")]:
        assert re.search(rf'id="{field}-error">[^<]*{words}', html), field
    assert 'value="Shop"' in html  # what the reader typed is kept
    assert items(app) == []


def test_unknown_kind_and_site(client):
    assert client.get("/submit/poem").status_code == 404
    assert client.get("/submit/news?site=nope").status_code == 404


def test_press_release_fields(client, app):
    page = client.get("/submit/press_release").get_data(as_text=True)
    response = client.post("/submit/press_release", data={
        **NEWS, "csrf_token": csrf_from(page), "organisation": "Acme", "media_contact": "press@acme.example",
        "release_date": "2026-12-01", "embargo_until": "2026-12-01T09:00"})
    assert response.status_code == 303
    assert items(app)[0].fields["embargo_until"] == "2026-12-01T09:00"
