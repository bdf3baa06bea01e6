"""The learning loop's task: apply moderators' waiting verdicts as a new model version
(run by beat; see config.celery_settings)."""
from celery import shared_task

from moderation.extensions import db
from moderation.spam import learning


@shared_task(name="moderation.learn_spam", acks_late=True)
def learn_spam() -> int | None:
    """Returns the new active version's id, or None when no verdict was waiting."""
    try:
        row = learning.train(db.session)
        db.session.commit()
        return row.id if row else None
    finally:
        db.session.remove()
