"""Processing received items: the queue is the item table, and a task works it until it
is empty. Intake commits an item as `received`, then wakes the workers (workers.wake);
beat wakes them every MODERATION_WAKE_SECONDS too, so an item whose wake-up was lost
(the broker was down, a worker was killed) waits seconds, not forever."""
import logging

from celery import shared_task
from sqlalchemy.exc import InterfaceError, OperationalError

from moderation import processing
from moderation.extensions import db

log = logging.getLogger(__name__)
TRANSIENT = (OperationalError, InterfaceError, ConnectionError, TimeoutError)
BATCH = 50  # items per transaction


@shared_task(name="moderation.process_received", acks_late=True)
def process_received() -> int:
    """Claim received items a batch at a time (rows another worker holds are skipped)
    and process each batch in one transaction, until none is left. Returns how many
    items this call handled. The database being away ends the call: the next wake-up
    tries again."""
    handled = 0
    try:
        while ids := processing.claim(db.session, BATCH):
            _process_batch(ids)
            handled += len(ids)
    except TRANSIENT as exc:
        db.session.rollback()
        log.warning("processing stopped, the database is away: %s", exc)
    finally:
        db.session.remove()
    return handled


def _process_batch(ids: list[int]) -> None:
    """The claimed batch in one transaction; if an item in it fails, each item in its
    own, and one that fails alone is held for a moderator (processing.hold)."""
    try:
        processing.process_many(db.session, ids)
        db.session.commit()
        return
    except TRANSIENT:
        raise
    except Exception:
        db.session.rollback()
        log.warning("a batch of %d item(s) failed; processing them one by one", len(ids))
    for item_id in ids:
        try:
            processing.process(db.session, item_id)
            db.session.commit()
        except TRANSIENT:
            raise
        except Exception as exc:
            db.session.rollback()
            log.exception("could not process item %s; holding it for a moderator", item_id)
            processing.hold(db.session, item_id, exc)
            db.session.commit()
