"""Approved submissions for the CMS: the JSON list with its keyset cursor, and the Atom
feed, checked with a real feed parser."""
import json

import feedparser

from moderation.extensions import db
from moderation.store import Item
from tests.conftest import csrf_from, decide

DEAL = {"author_name": "Dee Dealer", "author_email": "dee@example.org",
        "title": "Half-price <script>alert(1)</script> tram passes & more",
        "body": "Passes are half price this week: <b>bold</b> <script>x()</script>",
        "merchant": "City Transit", "link": "https://transit.example/deal", "price": "19.99"}
NEWS = {"author_name": "Nia News", "author_email": "nia@example.org",
        "title": "Water main burst", "body": "Main street is flooded near the bakery.",
        "source_url": "https://photos.example/flood"}


def submit(client, kind, fields):
    page = client.get(f"/submit/{kind}").get_data(as_text=True)
    response = client.post(f"/submit/{kind}", data={**fields, "csrf_token": csrf_from(page)})
    assert response.status_code in (200, 302, 303), response.get_data(as_text=True)
    with client.application.app_context():
        return db.session.query(Item.id).order_by(Item.id.desc()).first()[0]


def test_only_approved_submissions_with_their_fields_and_no_private_data(client, app):
    deal = submit(client, "deal", DEAL)
    news = submit(client, "news", NEWS)
    waiting = submit(client, "news", {**NEWS, "title": "Still waiting", "body": "Not yet decided."})
    decide(app, deal)
    decide(app, news)
    response = client.get("/api/v1/sites/default/submissions")
    assert response.status_code == 200 and "max-age=0" in response.headers["Cache-Control"]
    doc = response.get_json()
    assert [s["id"] for s in doc["submissions"]] == [deal, news] and doc["next"] is None
    first = doc["submissions"][0]
    assert first["kind"] == "deal" and first["title"] == DEAL["title"]
    assert first["fields"] == {"merchant": "City Transit", "link": "https://transit.example/deal",
                               "price": "19.99"}
    assert "<script" not in first["html"] and "<b>bold</b>" in first["html"]
    assert first["approved_at"]
    text = json.dumps(doc)
    assert "dee@example.org" not in text and "127.0.0.1" not in text
    assert waiting not in [s["id"] for s in doc["submissions"]]
    only_news = client.get("/api/v1/sites/default/submissions?kind=news").get_json()
    assert [s["id"] for s in only_news["submissions"]] == [news]


def test_keyset_paging_never_misses_or_repeats(client, app):
    ids = [submit(client, "news", {**NEWS, "title": f"Story {i}", "body": f"Report number {i} about the flood."})
           for i in range(5)]
    for item_id in ids[:3]:
        decide(app, item_id)
    first = client.get("/api/v1/sites/default/submissions?limit=2").get_json()
    assert [s["id"] for s in first["submissions"]] == ids[:2] and first["next"]
    for item_id in ids[3:]:  # approved while the CMS is between pages
        decide(app, item_id)
    seen = [s["id"] for s in first["submissions"]]
    cursor = first["next"]
    while cursor:
        page = client.get(f"/api/v1/sites/default/submissions?limit=2&cursor={cursor}").get_json()
        seen += [s["id"] for s in page["submissions"]]
        cursor = page["next"]
    assert seen == ids
    later = client.get("/api/v1/sites/default/submissions?since=2999-01-01T00:00:00Z").get_json()
    assert later == {"submissions": [], "next": None}


def test_bad_queries_name_the_parameter(client):
    for query, field in [("kind=comment", "kind"), ("kind=recipe", "kind"),
                         ("since=yesterday", "since"), ("cursor=%%%", "cursor"),
                         ("cursor=bm9wZQ", "cursor"), ("limit=1000", "limit")]:
        response = client.get(f"/api/v1/sites/default/submissions?{query}")
        assert response.status_code == 400, query
        assert response.get_json()["error"]["field"] == field
    assert client.get("/api/v1/sites/nope/submissions").status_code == 404
    assert client.get("/feeds/default/submissions.atom?kind=recipe").status_code == 400
    assert client.get("/feeds/nope/submissions.atom").status_code == 404


def test_etag_and_304_change_when_an_item_is_decided(client, app):
    url = "/api/v1/sites/default/submissions"
    etag = client.get(url).headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    decide(app, submit(client, "news", NEWS))
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 200


def test_atom_feed_is_valid_and_escapes_reader_text(client, app):
    deal = submit(client, "deal", DEAL)
    news = submit(client, "news", NEWS)
    decide(app, news)
    decide(app, deal)
    response = client.get("/feeds/default/submissions.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.data)
    assert feed.bozo == 0, feed.bozo_exception
    assert feed.version == "atom10"
    assert feed.feed.title == "Default site: approved reader submissions"
    assert [e.title for e in feed.entries] == [DEAL["title"], NEWS["title"]]  # newest approval first
    deal_entry = feed.entries[0]
    assert deal_entry.id == f"urn:moderation:default:item:{deal}"
    assert deal_entry.author == "Dee Dealer"
    assert [t.term for t in deal_entry.tags] == ["deal"]
    assert "<b>bold</b>" in deal_entry.content[0].value and "<script" not in deal_entry.content[0].value
    assert any(link.href == "https://transit.example/deal" for link in deal_entry.links)
    assert b"dee@example.org" not in response.data
    assert b"<script>" not in response.data  # the title is escaped XML text
    only_news = feedparser.parse(client.get("/feeds/default/submissions.atom?kind=news").data)
    assert [e.title for e in only_news.entries] == [NEWS["title"]]
    etag = response.headers["ETag"]
    assert client.get("/feeds/default/submissions.atom", headers={"If-None-Match": etag}).status_code == 304


def test_empty_feed_is_still_valid(client):
    feed = feedparser.parse(client.get("/feeds/default/submissions.atom").data)
    assert feed.bozo == 0 and feed.entries == [] and feed.feed.updated
