"""The learning loop on SQLite: a moderator's decision becomes a training example (the
outbox's dispatch, run in-process after each commit), a batch makes a new active
version, workers pick it up, an admin can roll it back."""
from sqlalchemy import select

from moderation import intake, processing, review
from moderation.spam import learning
from moderation.spam.classifier import Classifier
from moderation.store import Moderator, SpamModel, TrainingExample

SPAM = ["check out my channel http://bit.ly/abc and subscribe",
        "free gift cards, click http://free-cards.example.com now",
        "win money fast, visit www.cashnow.biz", "earn $500 a day from home http://earn.example.net"]
HAM = ["this song is so good, I listen to it every morning", "the chorus gave me chills",
       "her voice is amazing in this live version", "the dog steals the show in the video"]
NEW_SPAM = "replica watches {n}, best prices, order today from our shop"


def small_model(session):
    """A tiny stored version, so these tests need not train the full default model."""
    model = Classifier.train(SPAM + HAM, [True] * 4 + [False] * 4)
    model.threshold = 0.6
    row = SpamModel(data=model.dumps(), threshold=model.threshold, note="test")
    session.add(row)
    session.flush()
    learning.activate(session, row.id)
    return row


def moderator(session):
    mod = Moderator(username="mod", password_hash="x")
    session.add(mod)
    session.flush()
    return mod


def received(session, body, n=0):
    # A new author each time: one author sending sixty items would be a flood.
    item = intake.receive_comment(session, "default", "t", {
        "author_name": f"Ann {n}", "author_email": f"ann{n}@example.org", "body": body},
        intake.Context(ip=f"198.51.100.{n}"))
    session.flush()
    processing.process(session, item.id)
    return item


def test_spam_verdicts_become_examples_other_rejections_do_not(session):
    small_model(session)
    mod = moderator(session)
    items = [received(session, f"text number {n} about the election") for n in range(4)]
    review.decide(session, items[0].id, "spam", mod)
    review.decide(session, items[1].id, "approve", mod)
    review.decide(session, items[2].id, "reject", mod, reason="spam")
    review.decide(session, items[3].id, "reject", mod, reason="off_topic")
    session.commit()
    examples = session.scalars(select(TrainingExample).order_by(TrainingExample.id)).all()
    assert [(e.item_id, e.is_spam, e.actor) for e in examples] == [
        (items[0].id, True, "mod"), (items[1].id, False, "mod"), (items[2].id, True, "mod")]
    assert all(e.model_id is None for e in examples)


def test_decisions_train_a_new_active_version_that_scores_the_new_spam_higher(session):
    base = small_model(session)
    mod = moderator(session)
    probe = NEW_SPAM.format(n="x")
    before = learning.active_classifier(session).spam_probability(probe)
    for n in range(30):
        spam = received(session, NEW_SPAM.format(n=n), n)
        review.decide(session, spam.id, "spam" if spam.status == "pending" else "reject",
                      mod, reason="spam")
        ham = received(session, f"{HAM[n % 4]} ({n})", 100 + n)
        if ham.status == "spam":
            review.decide(session, ham.id, "not_spam", mod)
        review.decide(session, ham.id, "approve", mod)
        session.commit()
    assert learning.waiting_examples(session) >= 60

    version = learning.train(session)

    assert version.parent_id == base.id and version.is_active and version.examples >= 60
    assert learning.waiting_examples(session) == 0 and learning.train(session) is None
    model = learning.active_classifier(session)
    assert model.version == version.id and model.threshold == base.threshold
    assert model.spam_probability(probe) > max(0.5, before + 0.2)
    assert model.spam_probability(HAM[0]) < 0.5
    # A rollback: the workers' cached model follows the active version back.
    learning.activate(session, base.id)
    assert learning.active_classifier(session).spam_probability(probe) == before


def test_without_a_stored_version_the_shipped_model_scores_and_the_first_batch_stores_it(session):
    from moderation.spam.classifier import default_classifier
    assert learning.active_classifier(session) is default_classifier()
    item = received(session, "A calm remark about the tram line.")
    review.decide(session, item.id, "approve", moderator(session))
    session.commit()
    version = learning.train(session)
    rows = learning.versions(session)
    assert [r.id for r in rows] == [version.id, version.parent_id]
    assert rows[-1].note == "trained from the shipped corpora" and not rows[-1].is_active


def test_activate_unknown_version_raises(session):
    import pytest
    with pytest.raises(LookupError):
        learning.activate(session, 999)
