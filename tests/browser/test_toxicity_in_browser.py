"""Toxicity in a real browser: the item page marks the words behind the score; the
widget on the main site's page asks the reader to reconsider a toxic comment, shows
the words, and posts it once when they post anyway; a site that turned the nudge off
stores it at once."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from moderation.extensions import db
from moderation.store import Item, Nudge, Site, Thread
from tests.browser.test_embed import POSTED, ArticleServer, fill_and_post
from tests.conftest import add_moderator, post_comment

TOXIC = "You are an idiot and a moron, and everyone knows it."


@pytest.fixture
def article(live):
    server = ArticleServer(live.url, "tram-line")
    with live.app.app_context():
        site = db.session.scalar(select(Site).where(Site.key == "default"))
        site.allowed_origins = [server.origin]
        db.session.commit()
    yield server
    server.stop()


def comments_of(app, thread):
    with app.app_context():
        return list(db.session.scalars(select(Item.body_raw).join(Thread)
                                       .where(Thread.key == thread)))


def test_the_item_page_marks_the_words_behind_the_score(page, live):
    add_moderator(live.app)
    client = live.app.test_client()
    answer = post_comment(client, body="<i>Hey</i> you idiot, read it again.", nudged="1")
    item_id = answer.get_json()["id"]
    page.goto(f"{live.url}/login")
    page.fill("input[name=username]", "mod")
    page.fill("input[name=password]", "correct horse battery")
    page.click("button[type=submit]")
    page.goto(f"{live.url}/review/items/{item_id}")
    raw = page.locator("pre.raw")
    expect(raw).to_have_text("<i>Hey</i> you idiot, read it again.")  # text, not markup
    expect(raw.locator("mark")).to_have_text(["idiot"])
    expect(page.locator("#toxicity .likely-reject")).to_have_text("likely reject")
    expect(page.locator(".toxic-words mark")).to_have_text(["idiot"])


def test_the_widget_nudges_then_posts_anyway_once(page, live, article):
    page.goto(article.url)
    fill_and_post(page, TOXIC)
    nudge = page.locator(".moderation-nudge")
    expect(nudge).to_be_visible(timeout=POSTED)
    expect(nudge).to_contain_text("may come across as uncivil")
    expect(nudge.locator("mark")).to_have_text(["idiot", "moron"])
    assert comments_of(live.app, "tram-line") == []  # nothing stored yet
    nudge.get_by_role("button", name="Post anyway").click()
    expect(page.get_by_role("status")).to_contain_text("awaiting moderation", timeout=POSTED)
    expect(nudge).to_be_hidden()
    assert comments_of(live.app, "tram-line") == [TOXIC]
    with live.app.app_context():
        assert [n.outcome for n in db.session.scalars(select(Nudge))] == ["posted"]


def test_a_site_without_the_nudge_stores_the_comment_at_once(page, live, article):
    with live.app.app_context():
        db.session.scalar(select(Site).where(Site.key == "default")).policy = \
            {"toxicity_nudge": False}
        db.session.commit()
    live.app.extensions["site_cache"].forget()
    page.goto(article.url)
    fill_and_post(page, TOXIC)
    expect(page.get_by_role("status")).to_contain_text("awaiting moderation", timeout=POSTED)
    expect(page.locator(".moderation-nudge")).to_be_hidden()
    assert comments_of(live.app, "tram-line") == [TOXIC]
