"""Retention (run by beat; see config.celery_settings): full IP addresses older than
MODERATION_IP_DAYS are cut to their network, a batch per transaction; idempotency keys
and long-dispatched outbox events are deleted."""
from datetime import timedelta

from celery import shared_task
from flask import current_app

from moderation import idempotency, privacy
from moderation.extensions import db
from moderation.store import outbox, utcnow

OUTBOX_DAYS = 7  # dispatched events kept this long, to look into what was sent


def purge_ips(days: float) -> int:
    """Cut every address older than `days`, committing each batch so no transaction
    holds many rows; returns how many items changed. Shared with the CLI."""
    before = utcnow() - timedelta(days=days)
    total = 0
    while changed := privacy.truncate_ips(db.session, before):
        db.session.commit()
        total += changed
    db.session.commit()
    return total


@shared_task(name="moderation.purge_ips", acks_late=True)
def purge_ips_task() -> int:
    try:
        return purge_ips(current_app.config["MODERATION_IP_DAYS"])
    finally:
        db.session.remove()


@shared_task(name="moderation.purge_expired", acks_late=True)
def purge_expired() -> int:
    """Delete idempotency keys past their day and outbox events dispatched more than
    OUTBOX_DAYS ago; returns how many rows went."""
    try:
        count = idempotency.purge(db.session) + outbox.purge(db.session, OUTBOX_DAYS)
        db.session.commit()
        return count
    finally:
        db.session.remove()
