"""The moderators' side: the queue, and decisions that go through lifecycle."""
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import lifecycle
from .models import Item, Moderator, Site

ACTIONS = {"approve": "approved", "reject": "rejected", "spam": "spam", "not_spam": "pending"}
PAGE_SIZE = 50


@dataclass(frozen=True)
class Filters:
    status: str = "pending"
    kind: str | None = None
    site: str | None = None


def queue(session: Session, filters: Filters, limit: int = PAGE_SIZE,
          after: int | None = None) -> list[Item]:
    """Items of one status, oldest first, after item id `after` (keyset paging)."""
    query = select(Item).where(Item.status == filters.status)
    if filters.kind:
        query = query.where(Item.kind == filters.kind)
    if filters.site:
        query = query.join(Site).where(Site.key == filters.site)
    if after is not None:
        query = query.where(Item.id > after)
    return list(session.scalars(query.order_by(Item.id).limit(limit)))


def counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(Item.status, func.count()).group_by(Item.status))
    found = dict(rows.all())
    return {status: found.get(status, 0) for status in lifecycle.STATUSES}


def decide(session: Session, item_id: int, action: str, moderator: Moderator, *,
           version: int | None = None, reason: str = "", note: str = "") -> Item:
    """Apply a moderator's action to the item under a row lock (not committed).
    Raises LookupError for a missing item and lifecycle.TransitionError for an action
    the item's status does not allow or a stale version."""
    if action not in ACTIONS:
        raise lifecycle.TransitionError(f"unknown action {action!r}")
    item = session.get(Item, item_id, with_for_update=True, populate_existing=True)
    if item is None:
        raise LookupError(f"no item {item_id}")
    if action == "reject" and not reason:
        reason = "other"
    lifecycle.move(session, item, ACTIONS[action], moderator=moderator, reason=reason,
                   note=note.strip(), expected_version=version)
    return item
