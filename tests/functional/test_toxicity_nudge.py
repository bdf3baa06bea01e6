"""The reader nudge: a comment or submission scoring at or above the site's nudge
threshold is answered with the words behind it and not stored; sent again (changed or
not) with `nudged` it is stored once; a site can turn it off; every nudge is counted
with what the reader did next."""
from datetime import timedelta

from sqlalchemy import func, select

from moderation.extensions import db
from moderation.store import Item, Nudge, Thread, utcnow
from moderation.toxicity import nudge
from tests.conftest import add_moderator, csrf_from, log_in, post_comment, set_policy

TOXIC = "You are an idiot and a moron."
URL = "/api/v1/sites/default/threads/t1/comments"
READER = {"author_name": "Ada Reader", "author_email": "ada@example.org"}


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def outcomes(app):
    with app.app_context():
        return [n.outcome for n in db.session.scalars(select(Nudge).order_by(Nudge.id))]


def test_a_toxic_comment_is_answered_with_its_words_and_not_stored(app, client):
    body = "  😀 " + TOXIC  # an emoji is two UTF-16 units; leading spaces are sent too
    response = client.post(URL, json={**READER, "body": body})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "nudge" and error["field"] == "body"
    assert "change it" in error["message"]
    by_word = {w["word"]: w for w in error["words"]}
    assert {"idiot", "moron"} <= set(by_word)
    utf16 = body.encode("utf-16-le")
    for word, w in by_word.items():  # offsets as JavaScript indexes the body it sent
        assert utf16[2 * w["start"]:2 * w["end"]].decode("utf-16-le") == word
    assert count(app, Item) == count(app, Thread) == 0 and outcomes(app) == [None]


def test_posting_anyway_stores_it_once_and_counts_posted(app, client):
    key = {"Idempotency-Key": "comment-1"}  # the widget keeps the key for the same text
    assert client.post(URL, json={**READER, "body": TOXIC}, headers=key).status_code == 422
    again = client.post(URL, json={**READER, "body": TOXIC, "nudged": "1"}, headers=key)
    assert again.status_code == 202
    retried = client.post(URL, json={**READER, "body": TOXIC, "nudged": "1"}, headers=key)
    assert retried.get_json() == again.get_json()  # a lost answer's retry stores nothing
    assert count(app, Item) == 1 and outcomes(app) == ["posted"]
    with app.app_context():
        row = db.session.scalar(select(Nudge))
        assert row.item_id == again.get_json()["id"] and row.score >= 0.75


def test_a_nudge_spends_neither_the_form_token_nor_a_thread(app, client):
    """The nudged post is rolled back whole: the same form token times the post sent
    anyway, and a new thread is not kept for a comment that was not stored."""
    token = client.get("/api/v1/sites/default/form-token").get_json()["token"]
    assert client.post(URL, json={**READER, "body": TOXIC, "form_token": token}).status_code == 422
    assert count(app, Thread) == 0
    sent = client.post(URL, json={**READER, "body": TOXIC, "form_token": token, "nudged": "1"})
    with app.app_context():
        assert db.session.get(Item, sent.get_json()["id"]).form_served_at is not None


def test_an_edited_resend_counts_as_edited(app, client):
    assert client.post(URL, json={**READER, "body": TOXIC}).status_code == 422
    kinder = client.post(URL, json={**READER, "body": "I disagree with you.", "nudged": "1"})
    assert kinder.status_code == 202 and outcomes(app) == ["edited"]


def test_a_civil_comment_and_a_site_without_nudges_are_stored_at_once(app, client):
    assert post_comment(client).status_code == 202
    set_policy(app, toxicity_nudge=False)
    assert client.post(URL, json={**READER, "body": TOXIC}).status_code == 202
    assert count(app, Item) == 2 and count(app, Nudge) == 0


def test_nudged_takes_only_one_or_nothing(client):
    response = client.post(URL, json={**READER, "body": "Fine.", "nudged": "yes"})
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "nudged"


def test_the_share_of_edited_texts_is_shown_to_admins(app, client):
    for reader in ("a", "b", "c", "d"):
        sender = {"author_name": reader, "author_email": f"{reader}@example.org"}
        assert client.post(URL, json={**sender, "body": TOXIC}).status_code == 422
    client.post(URL, json={"author_name": "a", "author_email": "a@example.org",
                           "body": "I disagree.", "nudged": "1"})
    client.post(URL, json={"author_name": "b", "author_email": "b@example.org",
                           "body": TOXIC, "nudged": "1"})
    with app.app_context():  # c gave up an hour ago; d is still thinking
        c = db.session.scalars(select(Nudge).order_by(Nudge.id)).all()[2]
        c.created_at = utcnow() - timedelta(hours=2)
        db.session.commit()
        tally = nudge.tally(db.session)
    [site] = tally.values()
    assert site == {"nudged": 4, "edited": 1, "posted": 1, "abandoned": 1, "waiting": 1,
                    "edited_share": 0.333}
    add_moderator(app, "boss", role="admin")
    log_in(client, "boss")
    page = client.get("/admin/policy").get_data(as_text=True)
    assert "4 nudge(s)" in page and "33 % edited their text" in page


def test_the_submission_form_asks_once_then_sends(app, client):
    page = client.get("/submit/news").get_data(as_text=True)
    form = {"csrf_token": csrf_from(page), **READER, "title": "Council vote",
            "body": "<b>The councillor</b> is an idiot.", "form_token": ""}
    asked = client.post("/submit/news", data=form)
    html = asked.get_data(as_text=True)
    assert asked.status_code == 422 and "may come across as uncivil" in html
    assert "&lt;b&gt;The councillor&lt;/b&gt; is an <mark>idiot</mark>." in html
    assert 'name="nudged" type="hidden" value="1"' in html and "Send anyway" in html
    assert count(app, Item) == 0
    sent = client.post("/submit/news", data={**form, "nudged": "1"})
    assert sent.status_code == 303 and count(app, Item) == 1 and outcomes(app) == ["posted"]
