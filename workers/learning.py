"""The learning loops' tasks: apply moderators' waiting verdicts as a new model version,
one task per model (run by beat; see config.celery_settings)."""
from celery import shared_task

from moderation.extensions import db
from moderation.spam import learning
from moderation.toxicity import learning as toxicity_learning


@shared_task(name="moderation.learn_spam", acks_late=True)
def learn_spam() -> int | None:
    """Returns the new active version's id, or None when no verdict was waiting."""
    try:
        row = learning.train(db.session)
        db.session.commit()
        return row.id if row else None
    finally:
        db.session.remove()


@shared_task(name="moderation.learn_toxicity", acks_late=True)
def learn_toxicity() -> int | None:
    """Returns the new active toxicity version's id, or None when nothing was waiting."""
    try:
        row = toxicity_learning.train(db.session)
        db.session.commit()
        return row.id if row else None
    finally:
        db.session.remove()
