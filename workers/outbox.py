"""Dispatching the outbox: each event stored with a decision, an edit or an erase is
handed to the consumers that run in a worker (webhooks, learning), then marked
dispatched, in one transaction per batch; the committing process has already told its
own consumers (store/outbox.py). A consumer that fails on an event leaves it for the
next dispatch, up to MAX_ATTEMPTS times."""
import logging

from celery import shared_task
from flask import current_app

from moderation.extensions import db
from moderation.store import outbox, utcnow

log = logging.getLogger(__name__)
BATCH = 100
MAX_ATTEMPTS = 5


@shared_task(name="moderation.dispatch_events", acks_late=True)
def dispatch_events() -> int:
    """One pass over the waiting events, a batch at a time (an event that fails waits
    for the next pass); returns how many were handled."""
    consumers = current_app.extensions["outbox_dispatch"]
    handled = last = 0
    try:
        while events := outbox.waiting(db.session, BATCH, after=last):
            for event in events:
                _dispatch(event, consumers)
            db.session.commit()
            handled, last = handled + len(events), events[-1].id
    finally:
        db.session.remove()
    return handled


def _dispatch(event: outbox.Event, consumers) -> None:
    try:
        with db.session.begin_nested():
            for consume in consumers:
                consume(db.session, event)
    except Exception as exc:
        event.attempts += 1
        event.error = f"{type(exc).__name__}: {exc}"[:500]
        log.exception("outbox event %s (%s) failed, attempt %d", event.id, event.type,
                      event.attempts)
        if event.attempts < MAX_ATTEMPTS:
            return
    event.dispatched_at = utcnow()
