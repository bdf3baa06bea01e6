import pytest
from sqlalchemy import func, select

from moderation import intake
from moderation.store import Item, Thread

GOOD = {"author_name": "Ada", "author_email": "Ada@Example.org", "body": "Hello there"}


def count_items(session):
    return session.scalar(select(func.count()).select_from(Item))


def test_comment_is_received_with_raw_body_and_context(session):
    ctx = intake.Context(ip="203.0.113.9", user_agent="UA", referrer="https://news.example/a")
    item = intake.receive_comment(session, "default", "article-1",
                                  {**GOOD, "body": "  <b>raw</b> & kept  "}, ctx)
    session.flush()
    assert item.status == "received"
    assert item.body_raw == "<b>raw</b> & kept"
    assert item.author_email == "Ada@example.org"
    assert (item.ip, item.user_agent, item.referrer) == ("203.0.113.9", "UA", "https://news.example/a")
    assert item.thread.key == "article-1"


@pytest.mark.parametrize("data,field", [
    ({**GOOD, "body": ""}, "body"),
    ({**GOOD, "body": "   "}, "body"),
    ({k: v for k, v in GOOD.items() if k != "author_name"}, "author_name"),
    ({**GOOD, "author_email": "not-an-email"}, "author_email"),
    ({**GOOD, "author_name": "x" * 81}, "author_name"),
    ({**GOOD, "body": "x" * 5001}, "body"),
    ({**GOOD, "author_name": "Eve\r\nBcc: all@example.org"}, "author_name"),
    ({**GOOD, "body": "nul\x00byte"}, "body"),
    ({**GOOD, "body": ["a", "list"]}, "body"),
    ({**GOOD, "thread_url": "javascript:alert(1)"}, "thread_url"),
    ({**GOOD, "parent_id": "abc"}, "parent_id"),
    ({**GOOD, "parent_id": 1.5}, "parent_id"),
])
def test_bad_comment_fields_are_named_and_nothing_is_stored(session, data, field):
    with pytest.raises(intake.IntakeError) as caught:
        intake.receive_comment(session, "default", "t", data, intake.Context())
    # The message names the field in the reader's words, or by its name where a reader
    # could not have typed the value (a list, a parent id).
    named = {"body": "Your comment", "author_name": "Your name"}.get(field, field)
    assert caught.value.field == field
    assert named in caught.value.message or field in caught.value.message
    session.rollback()
    assert count_items(session) == 0


def test_every_bad_field_is_reported(session):
    with pytest.raises(intake.IntakeError) as caught:
        intake.receive_submission(session, "default", "deal", {"author_name": "A"}, intake.Context())
    assert set(caught.value.errors) == {"author_email", "title", "body", "merchant", "link"}


def test_unknown_site_and_kind_are_404(session):
    with pytest.raises(intake.IntakeError) as caught:
        intake.receive_comment(session, "nope", "t", GOOD, intake.Context())
    assert (caught.value.status, caught.value.field) == (404, "site")
    with pytest.raises(intake.IntakeError) as caught:
        intake.receive_submission(session, "default", "poem", GOOD, intake.Context())
    assert (caught.value.status, caught.value.field) == (404, "kind")


def test_parent_must_be_a_published_comment_of_the_same_thread(session):
    parent = intake.receive_comment(session, "default", "a", GOOD, intake.Context())
    session.flush()
    parent.status = "approved"  # test set-up only; the product moves status via lifecycle
    with pytest.raises(intake.IntakeError) as caught:
        intake.receive_comment(session, "default", "b", {**GOOD, "parent_id": parent.id}, intake.Context())
    assert caught.value.field == "parent_id"
    reply = intake.receive_comment(session, "default", "a", {**GOOD, "parent_id": str(parent.id)},
                                   intake.Context())
    assert reply.parent_id == parent.id


def test_first_comment_creates_the_thread_once_and_only_proposes_its_title(session):
    first = intake.receive_comment(session, "default", "x", {**GOOD, "thread_title": "Tram"},
                                   intake.Context())
    intake.receive_comment(session, "default", "x", GOOD, intake.Context())
    session.flush()
    threads = session.scalars(select(Thread)).all()
    assert [(t.key, t.title) for t in threads] == [("x", "")]  # until a comment is approved
    assert first.fields == {"thread_title": "Tram"}


def test_submission_kinds_keep_their_fields(session):
    data = {**GOOD, "title": "50% off trams", "merchant": "City Transit",
            "link": "https://transit.example/deal", "price": "19.99", "expires_on": "2027-01-31"}
    item = intake.receive_submission(session, "default", "deal", data, intake.Context())
    assert item.fields == {"merchant": "City Transit", "link": "https://transit.example/deal",
                           "price": "19.99", "expires_on": "2027-01-31"}
    with pytest.raises(intake.IntakeError) as caught:
        intake.receive_submission(session, "default", "deal", {**data, "expires_on": "31/01/2027"},
                                  intake.Context())
    assert caught.value.field == "expires_on"
