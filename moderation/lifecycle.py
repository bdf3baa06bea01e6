"""The item state machine. TRANSITIONS is the whole policy; move() is the only code in
the product that assigns Item.status. It writes the Decision and one outbox event in the
same transaction, and knows nothing of who acts on the event (store/outbox.py)."""
from sqlalchemy import update
from sqlalchemy.orm import Session

from moderation import threads
from moderation.store import Decision, Item, Moderator, Thread, outbox, utcnow

TRANSITIONS: dict[str, frozenset[str]] = {
    "received": frozenset({"pending", "spam", "approved"}),
    "pending": frozenset({"approved", "rejected", "spam"}),
    "spam": frozenset({"pending", "rejected"}),
    "approved": frozenset({"rejected"}),
    "rejected": frozenset({"approved"}),
}
STATUSES = tuple(TRANSITIONS)
REASONS = ("spam", "abuse", "off_topic", "duplicate", "legal", "other")


class TransitionError(ValueError):
    """A move the state machine does not allow, or one based on a stale version."""


def allowed(item: Item) -> frozenset[str]:
    return TRANSITIONS[item.status]


def move(session: Session, item: Item, to: str, *, moderator: Moderator | None = None,
         actor: str | None = None, reason: str = "", note: str = "",
         expected_version: int | None = None) -> Decision:
    """Move item to status `to`, bump its version, add the Decision row and the outbox
    event `item.status_changed` (not committed). The actor is the moderator, else
    `actor` (e.g. "import"), else "system".

    Raises TransitionError when `to` is not allowed from the current status, or when
    expected_version is given and the item has moved on since (someone decided first).
    """
    if expected_version is not None and expected_version != item.version:
        raise TransitionError(
            f"item {item.id} changed since you opened it (now {item.status})")
    if to not in TRANSITIONS[item.status]:
        raise TransitionError(f"cannot move item {item.id} from {item.status} to {to}")
    if reason and reason not in REASONS:
        raise TransitionError(f"unknown reason code {reason!r}")
    actor = moderator.username if moderator else (actor or "system")
    decision = Decision(item=item, from_status=item.status, to_status=to,
                        moderator_id=moderator.id if moderator else None, actor=actor,
                        reason=reason, note=note, created_at=utcnow())
    session.add(decision)
    if item.thread_id is not None and "approved" in (item.status, to):
        # The thread's published page changes: its revision is the page's ETag.
        delta = 1 if to == "approved" else -1
        session.execute(update(Thread).where(Thread.id == item.thread_id).values(
            revision=Thread.revision + 1, approved_count=Thread.approved_count + delta))
        if to == "approved":
            threads.adopt(item.thread, item)
    if item.id is None:  # a new item: the event names it
        session.flush()
    outbox.record(session, "item.status_changed", site_id=item.site_id, item_id=item.id,
                  thread_id=item.thread_id, at=decision.created_at,
                  **{"from": item.status, "to": to, "reason": reason, "actor": actor,
                     "moderator_id": moderator.id if moderator else None})
    item.status = to
    item.version += 1
    item.decided_at = decision.created_at
    return decision
