"""Thin tasks: call one domain function by id, commit. Names are explicit and stable."""
import logging
import time
from datetime import timedelta

from celery import shared_task
from flask import Flask, current_app
from sqlalchemy.exc import InterfaceError, OperationalError

from moderation import processing, recovery
from moderation.extensions import db

from .inbox import BATCH, Inbox, inbox_of

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
    if ids and _inbox_busy():
        return 0
    return enqueue_many(ids)


def _inbox_busy() -> bool:
    """Items are waiting in the inbox: the stuck ones are most likely among them (a
    backlog), so pushing them again would only add duplicates. Make sure a drainer is
    on it; whatever is really lost is pushed by a sweep that finds the inbox empty."""
    if current_app.config["CELERY"]["task_always_eager"]:
        return False
    try:
        inbox = inbox_of(current_app)
        if not inbox.waiting():
            return False
        if inbox.nudge():
            _ring(inbox)
        return True
    except Exception:  # Redis is away: enqueue_many notices and pauses
        return False


# After a failed push, skip the broker for a few seconds: readers' requests stay fast
# while it is down, and the sweeper hands the waiting items over once it is back.
BROKER_PAUSE_SECONDS = 5.0


@shared_task(name="moderation.process_inbox", acks_late=True, autoretry_for=TRANSIENT,
             retry_backoff=2, retry_backoff_max=120, retry_jitter=True, max_retries=12)
def process_inbox() -> int:
    """Drain the inbox (workers/inbox.py) in batches; returns how many ids it took."""
    inbox = inbox_of(current_app)
    taken, ids = 0, inbox.take()
    while ids:
        taken += len(ids)
        if len(ids) == BATCH and inbox.waiting() >= BATCH:
            _ring(inbox)  # a backlog: ask another worker process to drain beside us
        _process_all(inbox, ids)
        ids = inbox.take() or inbox.quiet()
    return taken


def _process_all(inbox: Inbox, ids: list[int]) -> None:
    """The batch in one transaction; if an item in it fails, each item in its own (so
    that one bad item holds back only itself)."""
    try:
        try:
            processing.process_many(db.session, ids)
            db.session.commit()
        except TRANSIENT:  # the database is away: hand the batch back, retry later
            db.session.rollback()
            _push_back(inbox, ids)
            raise
        except Exception:
            db.session.rollback()
            log.warning("a batch of %d item(s) failed; processing them one by one", len(ids))
            _process_each(inbox, ids)
    finally:
        db.session.remove()


def _process_each(inbox: Inbox, ids: list[int]) -> None:
    for n, item_id in enumerate(ids):
        try:
            processing.process(db.session, item_id)
            db.session.commit()
        except TRANSIENT:
            db.session.rollback()
            _push_back(inbox, ids[n:])
            raise
        except Exception:  # this item only; it stays `received` for the sweeper
            db.session.rollback()
            log.exception("could not process item %s", item_id)


def _push_back(inbox: Inbox, ids: list[int]) -> None:
    try:
        inbox.push(ids)
    except Exception as exc:  # Redis is away too: the sweeper finds them in `received`
        log.warning("could not hand back %d item(s): %s", len(ids), exc)


def _ring(inbox: Inbox, app: Flask | None = None) -> None:
    # Through this app's own Celery (not whichever Celery app is current in the process).
    try:
        (app or current_app).extensions["celery"].tasks[process_inbox.name].delay()
    except Exception:
        inbox.unring()
        raise


def enqueue(item_id: int, app: Flask | None = None) -> bool:
    """Hand an item to a worker; False (and the item stays `received` for the sweeper)
    when the broker cannot take it."""
    return enqueue_many([item_id], app) == 1


def enqueue_many(ids: list[int], app: Flask | None = None) -> int:
    """Hand items to the workers: processed at once in the embedded mode, pushed to the
    inbox otherwise. Returns how many were handed over. `app` defaults to the current
    one; given, no app context is needed outside the embedded mode."""
    app = app or current_app._get_current_object()
    if not ids:
        return 0
    if app.config["CELERY"]["task_always_eager"]:  # (a dict: Celery's conf is slower to read)
        for item_id in ids:
            process_item.delay(item_id)
        return len(ids)
    state = app.extensions.setdefault("broker", {"down_until": 0.0})
    if time.monotonic() < state["down_until"]:
        return 0
    try:
        inbox = inbox_of(app)
        if inbox.push(ids):
            _ring(inbox, app)
        return len(ids)
    except Exception as exc:  # broker down: the items are already committed, nothing lost
        log.warning("could not enqueue %d item(s): %s", len(ids), exc)
        state["down_until"] = time.monotonic() + BROKER_PAUSE_SECONDS
        return 0
