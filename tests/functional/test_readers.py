"""Verified readers and reply notices, with a real SMTP server (aiosmtpd): the link in the
mail verifies the address, the widget's request then yields a reader token, and only a
post with that token counts as a verified reader's; a reply to a comment whose author
asked to be told is mailed with a one-click unsubscribe that works."""
import re

import pytest
from sqlalchemy import select

from moderation.extensions import db
from moderation.store import Item, Mail
from tests.conftest import decide, make_app, post_comment

SITE = "/api/v1/sites/default"


@pytest.fixture
def app(tmp_path, smtp):
    app = make_app(f"sqlite:///{tmp_path / 'readers.sqlite3'}", **smtp.settings,
                   MODERATION_PUBLIC_URL="http://desk.example")
    yield app
    with app.app_context():
        db.engine.dispose()


def link_in(message) -> str:
    return re.search(r"http://desk\.example(/\S+)", message.get_content()).group(1)


def test_a_reader_verifies_their_address_and_posts_as_a_verified_reader(app, client, smtp):
    started = client.post(f"{SITE}/readers/verification", json={"email": "ada@example.org"})
    assert started.status_code == 202
    request_id = started.get_json()["request"]
    waiting = client.get(f"{SITE}/readers/token", query_string={"request": request_id})
    assert waiting.status_code == 202 and waiting.get_json() == {"status": "waiting"}
    [message] = smtp.inbox.to("ada@example.org")
    assert "Confirm your email address" in message["Subject"]
    page = client.get(link_in(message))
    assert page.status_code == 200 and "ada@example.org" in page.get_data(as_text=True)
    token = client.get(f"{SITE}/readers/token", query_string={"request": request_id}).get_json()
    assert token["status"] == "verified" and token["reader_token"]

    verified = post_comment(client, reader_token=token["reader_token"]).get_json()["id"]
    typed = post_comment(client, body="The same address, typed by someone else.").get_json()["id"]
    other = post_comment(client, author_email="eve@example.org", body="Someone else's token.",
                         reader_token=token["reader_token"]).get_json()["id"]
    with app.app_context():
        flags = {i: db.session.get(Item, i).verified_reader for i in (verified, typed, other)}
    assert flags == {verified: True, typed: False, other: False}


def test_verification_links_and_requests_are_checked(app, client):
    assert client.get("/verify/forged").status_code == 404
    assert client.get(f"{SITE}/readers/token", query_string={"request": "nope"}).status_code == 404
    bad = client.post(f"{SITE}/readers/verification", json={"email": "not an address"})
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "email"


def test_without_mail_verification_says_it_is_not_available(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'nomail.sqlite3'}")
    answer = app.test_client().post(f"{SITE}/readers/verification", json={"email": "a@example.org"})
    assert answer.status_code == 409 and "sends no mail" in answer.get_json()["error"]["message"]


def test_a_published_reply_is_mailed_to_an_author_who_asked_with_a_working_unsubscribe(app, client, smtp):
    parent = post_comment(client, thread="t", notify_replies=True).get_json()["id"]
    decide(app, parent)
    quiet = post_comment(client, thread="t", author_email="bea@example.org",
                         body="Bea did not ask to be told.").get_json()["id"]
    decide(app, quiet)
    reply = post_comment(client, thread="t", parent_id=parent, author_name="Cy",
                         author_email="cy@example.org", body="I disagree, politely.").get_json()["id"]
    assert smtp.inbox.to("ada@example.org") == []  # not before the reply is published
    decide(app, reply)
    [notice] = smtp.inbox.to("ada@example.org")
    assert notice["Subject"] == "Cy replied to your comment"
    assert notice["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = re.search(r"<http://desk\.example(/unsubscribe/[^>]+)>", notice["List-Unsubscribe"]).group(1)
    assert "I disagree" not in notice.get_content()  # the text stays on the page
    decide(app, post_comment(client, thread="t", parent_id=quiet, author_email="dee@example.org",
                             body="A reply to Bea.").get_json()["id"])
    assert smtp.inbox.to("bea@example.org") == []

    assert client.get(unsubscribe).status_code == 200  # asks first: a prefetch changes nothing
    decide(app, post_comment(client, thread="t", parent_id=parent, author_email="eve@example.org",
                             body="Another reply.").get_json()["id"])
    assert len(smtp.inbox.to("ada@example.org")) == 2
    assert client.post(unsubscribe, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    decide(app, post_comment(client, thread="t", parent_id=parent, author_email="fay@example.org",
                             body="A third reply.").get_json()["id"])
    assert len(smtp.inbox.to("ada@example.org")) == 2
    with app.app_context():
        assert db.session.scalar(select(Item.notify_replies).where(Item.id == parent)) is False
        assert {m.kind for m in db.session.scalars(select(Mail))} == {"reply"}
