"""Webhook delivery: one HTTP POST per attempt (mainsite/posting.py), retried with
backoff, and a beat job that hands over whatever is due again (the broker was down, a
worker died, a backoff ran out).

Deliveries added in a transaction (by the outbox consumer, or an admin's "send again")
are enqueued by a session hook right after that transaction commits: enqueue only after
the commit, and never from inside a domain function."""
import logging

from celery import shared_task
from flask import current_app
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from moderation.extensions import db
from moderation.mainsite import posting, webhooks

log = logging.getLogger(__name__)
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
    with Session(db.engine) as session:
        ids = webhooks.due(session)
    return enqueue(ids)


def enqueue(ids: list[int]) -> int:
    """Hand deliveries to the workers; those the broker cannot take stay due."""
    sent = 0
    for delivery_id in ids:
        try:
            deliver_webhook.delay(delivery_id)
            sent += 1
        except Exception as exc:  # broker down: the beat job retries from the rows
            log.warning("could not enqueue webhook delivery %s: %s", delivery_id, exc)
            break
    return sent


def _after_commit(session) -> None:
    added = session.info.pop(webhooks.NEW_DELIVERIES, [])
    # Deliveries of a rolled-back transaction have no identity any more: skip them.
    ids = [state.identity[0] for state in map(inspect, added) if state.has_identity]
    if ids:
        enqueue(ids)


def install() -> None:
    """Enqueue new deliveries after every commit of the app's sessions (once a process)."""
    if not event.contains(db.session, "after_commit", _after_commit):
        event.listen(db.session, "after_commit", _after_commit)
