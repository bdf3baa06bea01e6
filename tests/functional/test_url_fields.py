"""Every URL field of every kind goes through the links detector with the text: the
site's blocked domains, shorteners and the link count see a deal's link, a tip's source
URL and a URL in a column's author bio, and the signal names the field."""
import re

from sqlalchemy import select

from moderation.extensions import db
from moderation.store import Item
from tests.conftest import csrf_from, set_policy

BASE = {"author_name": "Reader", "author_email": "reader@example.org",
        "body": "Half price on winter tyres at the garage by the station this week."}
DEAL = {**BASE, "title": "Winter tyres", "merchant": "Station Garage", "price": "49.00"}


def submit(client, kind, **fields):
    page = client.get(f"/submit/{kind}").get_data(as_text=True)
    token = re.search(r'name="form_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(f"/submit/{kind}", data={**fields, "csrf_token": csrf_from(page),
                                                     "form_token": token})
    assert response.status_code == 303, response.get_data(as_text=True)


def last_item(app):
    with app.app_context():
        item = db.session.scalars(select(Item).order_by(Item.id.desc()).limit(1)).one()
        db.session.expunge(item)
        return item


def signal(item, name):
    return next((s for s in item.signals if s["name"] == name), None)


def test_a_deal_linking_a_blocked_domain_goes_to_spam_naming_the_field(app, client):
    set_policy(app, blocked_domains=["tyre-scam.example"])
    submit(client, "deal", **DEAL, link="https://shop.tyre-scam.example/offer?id=7")
    blocked = last_item(app)
    assert blocked.status == "spam"
    assert signal(blocked, "blocked_domain")["detail"] == "shop.tyre-scam.example (in the link field)"
    submit(client, "deal", **{**DEAL, "author_email": "garage@example.org",
                               "body": "Our garage fits winter tyres at cost until Friday."},
           link="https://station-garage.example/tyres")
    allowed = last_item(app)
    assert allowed.status == "pending", allowed.signals
    assert signal(allowed, "blocked_domain") is None
    assert signal(allowed, "links")["detail"] == "1 link(s) to 1 domain(s)"


def test_a_tips_source_url_and_a_columns_bio_are_checked_like_the_text(app, client):
    set_policy(app, blocked_domains=["pills.example"])
    submit(client, "news", **BASE, title="Tyres", source_url="https://bit.ly/3xYz")
    tip = last_item(app)
    assert signal(tip, "link_shortener")["detail"] == "bit.ly (in the source url field)"
    submit(client, "column", **{**BASE, "body": "A column on tyres, see www.pills.example too."},
           title="On tyres", author_bio="Writes about cars at http://pills.example/about")
    column = last_item(app)
    assert column.status == "spam"
    assert signal(column, "blocked_domain")["detail"] == \
        "pills.example (in the text and the author bio field)"
