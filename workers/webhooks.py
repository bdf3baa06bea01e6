"""Webhook delivery: one HTTP POST per attempt, retried with backoff, and a beat job that
hands over whatever the outbox still holds (the broker was down, a worker died).

Deliveries recorded in a transaction are enqueued by a session hook right after that
transaction commits, whoever committed it (a moderator's request, the processing task):
enqueue only after the commit, and never from inside a domain function."""
import logging
import urllib.error
import urllib.request

from celery import shared_task
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from moderation.extensions import db
from moderation.mainsite import webhooks

log = logging.getLogger(__name__)
# Longer backoffs wait for the beat job instead: Redis redelivers long-delayed tasks
# after its visibility timeout, and the outbox is the record anyway.
RETRY_IN_TASK_MAX = 300


@shared_task(name="moderation.deliver_webhook", bind=True, acks_late=True, max_retries=None)
def deliver_webhook(self, delivery_id: int) -> str:
    # Sessions of its own: in-process mode runs this right after another session's
    # commit, inside that session's after_commit hook.
    with Session(db.engine) as session:
        attempt = webhooks.claim(session, delivery_id)
        session.commit()
    if attempt is None:
        return "skipped"
    status_code, error = post(attempt)
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


def post(attempt: webhooks.Attempt) -> tuple[int | None, str]:
    """POST the body; (status code, "") on any HTTP answer, (code or None, why) otherwise."""
    request = urllib.request.Request(attempt.url, data=attempt.body, headers=attempt.headers,
                                     method="POST")
    try:
        with urllib.request.urlopen(request, timeout=webhooks.TIMEOUT) as response:
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code} {exc.reason}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"{type(exc).__name__}: {reason}"[:500]


def enqueue(ids: list[int]) -> int:
    """Hand deliveries to the workers; those the broker cannot take stay in the outbox."""
    sent = 0
    for delivery_id in ids:
        try:
            deliver_webhook.delay(delivery_id)
            sent += 1
        except Exception as exc:  # broker down: the beat job retries from the outbox
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
