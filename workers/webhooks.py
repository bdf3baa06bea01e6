"""Webhook delivery: one HTTP POST per attempt (mainsite/posting.py), retried with
backoff, and a beat job that hands over whatever is due again (the broker was down, a
worker died, a backoff ran out). Deliveries added in a transaction (by the outbox
consumer, or an admin's "send again") are handed to a worker right after that
transaction commits (workers.after_commit)."""
from celery import shared_task
from flask import current_app
from sqlalchemy.orm import Session

from moderation.extensions import db
from moderation.mainsite import posting, webhooks

# Longer backoffs wait for the beat job instead: Redis redelivers long-delayed tasks
# after its visibility timeout, and the delivery rows are the record anyway.
RETRY_IN_TASK_MAX = 300


@shared_task(name="moderation.deliver_webhook", bind=True, acks_late=True, max_retries=None)
def deliver_webhook(self, delivery_id: int) -> str:
    # Sessions of its own: a test's in-process Celery runs this right after another
    # session's commit, inside that session's after_commit hook.
    with Session(db.engine) as session:
        attempt = webhooks.claim(session, delivery_id)
        session.commit()
    if attempt is None:
        return "skipped"
    status_code, error = posting.post(attempt.url, attempt.body, attempt.headers,
                                      webhooks.TIMEOUT,
                                      current_app.config["MODERATION_WEBHOOK_PRIVATE"])
    with Session(db.engine) as session:
        delay = webhooks.finish(session, delivery_id, status_code, error)
        session.commit()
    if delay is None:
        return "done"
    if not self.request.is_eager and delay <= RETRY_IN_TASK_MAX:
        raise self.retry(countdown=delay)
    return "waiting"


@shared_task(name="moderation.redeliver_webhooks", acks_late=True)
def redeliver_webhooks() -> int:
    from workers import hand_over
    with Session(db.engine) as session:
        ids = webhooks.due(session)
    return hand_over(deliver_webhook, ids)
