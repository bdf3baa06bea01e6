"""Finding items that were stored but never processed (the broker was down, or a worker
died before acknowledging), so the sweeper can hand them over again."""
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation.store import Item, utcnow

STUCK_AFTER = timedelta(minutes=2)


def stuck_items(session: Session, older_than: timedelta = STUCK_AFTER, limit: int = 1000) -> list[int]:
    """Ids of items still `received` after older_than, oldest first."""
    cutoff = utcnow() - older_than
    return list(session.scalars(select(Item.id).where(
        Item.status == "received", Item.created_at <= cutoff).order_by(Item.id).limit(limit)))

