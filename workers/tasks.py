"""Thin tasks: call one domain function by id, commit. Names are explicit and stable."""
import logging
import time
from datetime import timedelta

from celery import shared_task
from flask import current_app
from sqlalchemy.exc import OperationalError, InterfaceError

from moderation import processing, recovery
from moderation.extensions import db

log = logging.getLogger(__name__)
TRANSIENT = (OperationalError, InterfaceError, ConnectionError, TimeoutError)


@shared_task(name="moderation.process_item", acks_late=True, autoretry_for=TRANSIENT,
             retry_backoff=2, retry_backoff_max=120, retry_jitter=True, max_retries=12)
def process_item(item_id: int) -> None:
    try:
        processing.process(db.session, item_id)
        db.session.commit()
    finally:
        db.session.remove()


@shared_task(name="moderation.requeue_stuck", acks_late=True)
def requeue_stuck() -> int:
    after = timedelta(seconds=current_app.config["MODERATION_STUCK_AFTER_SECONDS"])
    ids = recovery.stuck_items(db.session, after)
    db.session.remove()
    return enqueue_many(ids)


# After a failed publish, skip the broker for a few seconds: readers' requests stay fast
# while it is down, and the sweeper hands the waiting items over once it is back.
BROKER_PAUSE_SECONDS = 5.0


def enqueue(item_id: int) -> bool:
    """Hand an item to a worker; False (and the item stays `received` for the sweeper)
    when the broker cannot take it."""
    state = current_app.extensions.setdefault("broker", {"down_until": 0.0})
    if time.monotonic() < state["down_until"]:
        return False
    try:
        process_item.delay(item_id)
        return True
    except Exception as exc:  # broker down: the item is already committed, nothing lost
        log.warning("could not enqueue item %s: %s", item_id, exc)
        state["down_until"] = time.monotonic() + BROKER_PAUSE_SECONDS
        return False


def enqueue_many(ids: list[int]) -> int:
    return sum(enqueue(i) for i in ids)
