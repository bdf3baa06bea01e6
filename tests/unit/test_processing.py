from datetime import timedelta

from sqlalchemy import select

from moderation import intake, processing
from moderation.models import Decision, Site


class Fixed:
    def __init__(self, p):
        self.p = p

    def spam_probability(self, text):
        return self.p


def receive(session, body="A calm and reasonable comment.", **ctx):
    item = intake.receive_comment(session, "default", "t", {
        "author_name": "Ada", "author_email": "ada@example.org", "body": body}, intake.Context(**ctx))
    session.flush()
    return item


def test_received_item_is_sanitised_scored_and_routed(session):
    item = receive(session, body="hi <script>x</script> https://news-site.org")
    processing.process(session, item.id, Fixed(0.05))
    assert item.status == "pending"
    assert "<script" not in item.body_html and 'rel="nofollow ugc noopener"' in item.body_html
    assert item.body_raw == "hi <script>x</script> https://news-site.org"
    assert 0 <= item.score < 0.7
    assert {s["name"] for s in item.signals} >= {"links", "classifier", "form_time"}


def test_processing_twice_changes_nothing(session):
    item = receive(session)
    processing.process(session, item.id, Fixed(0.05))
    session.commit()
    html, score, version = item.body_html, item.score, item.version
    processing.process(session, item.id, Fixed(0.99))
    session.commit()
    assert (item.status, item.body_html, item.score, item.version) == ("pending", html, score, version)
    assert len(session.scalars(select(Decision)).all()) == 1


def test_honeypot_sends_item_to_spam(session):
    item = receive(session, honeypot="http://buy.example")
    processing.process(session, item.id, Fixed(0.05))
    assert item.status == "spam"
    assert item.decisions[-1].actor == "system"


def test_exact_duplicate_under_another_name_is_flagged(session):
    first = receive(session, body="Great deals on watches at our store today!")
    second = intake.receive_comment(session, "default", "t2", {
        "author_name": "Bob", "author_email": "bob@example.org",
        "body": "great deals on   WATCHES at our store today!"}, intake.Context())
    session.flush()
    processing.process(session, second.id, Fixed(0.05))
    duplicate = [s for s in second.signals if s["name"] == "duplicate"]
    assert duplicate and f"#{first.id}" in duplicate[0]["detail"]


def test_a_detector_failure_holds_the_item_for_a_moderator(session):
    class Broken:
        def spam_probability(self, text):
            raise RuntimeError("no model")
    site = session.scalar(select(Site))
    site.policy = {"auto_approve": True, "auto_approve_below": 0.99}
    item = receive(session)
    processing.process(session, item.id, Broken())
    assert item.status == "pending"
    assert "could not run" in item.decisions[-1].note


def test_auto_approve_only_for_authors_with_approved_items(session):
    site = session.scalar(select(Site))
    site.policy = {"auto_approve": True, "auto_approve_below": 0.5}
    served = timedelta(minutes=1)
    first = receive(session)
    first.form_served_at = first.created_at - served
    processing.process(session, first.id, Fixed(0.0))
    assert first.status == "pending"  # no history yet
    from moderation import lifecycle
    lifecycle.move(session, first, "approved")
    second = receive(session, body="Another calm remark on the topic.")
    second.form_served_at = second.created_at - served
    processing.process(session, second.id, Fixed(0.0))
    assert second.status == "approved"
