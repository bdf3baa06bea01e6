"""Closing threads a site wants closed some days after their first comment (run by
beat every MODERATION_SWEEP_SECONDS; policy key close_after_days)."""
from celery import shared_task
from sqlalchemy import select

from moderation import threads
from moderation.community import policy as community_policy
from moderation.extensions import db
from moderation.store import Site


@shared_task(name="moderation.close_threads", acks_late=True)
def close_threads() -> int:
    """Returns how many threads it closed."""
    closed = 0
    try:
        for site in db.session.scalars(select(Site)).all():
            days = float(community_policy.of(site.policy)["close_after_days"] or 0)
            if days > 0:
                closed += threads.close_old(db.session, site.id, days)
                db.session.commit()
    finally:
        db.session.remove()
    return closed
