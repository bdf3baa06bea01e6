"""The outbox: one event row for each decision, edit or erase, written in the same
transaction as the change itself, so the two are stored together or not at all.

After the commit, the app's consumers act on what was committed (install()): in the
committing process, the page cache drops the pages that changed; in a worker, the
dispatch task hands each event to the slower consumers (webhooks, learning, mail) and
marks it dispatched (workers/outbox.py). The code that makes a change only records the
event; it does not know who reads it."""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import JSON, ForeignKey, Index, String, delete, event, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from moderation.extensions import db
from moderation.store.core import utcnow

# A session.info key: the events added in this transaction, and what of them was flushed.
ADDED, FLUSHED = "outbox_added", "outbox_flushed"


class Event(db.Model):
    __tablename__ = "outbox_event"
    __table_args__ = (
        # What the dispatch task reads: events not yet dispatched, oldest first.
        Index("ix_outbox_event_waiting", "id", postgresql_where=text("dispatched_at IS NULL"),
              sqlite_where=text("dispatched_at IS NULL")),
        Index("ix_outbox_event_created", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(40))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    # Not foreign keys: an erase deletes its items' events itself (privacy.py), and an
    # event about a thread outlives nothing it names.
    item_id: Mapped[int | None] = mapped_column(index=True)
    thread_id: Mapped[int | None]
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    dispatched_at: Mapped[datetime | None]
    # Failed dispatches so far, and the last error; after MAX_ATTEMPTS it is given up.
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(String(500), default="")


@dataclass(frozen=True)
class Committed:
    """What a consumer in the committing process is told of an event (the row itself is
    expired by the commit, and no SQL may run in the commit's aftermath)."""
    id: int
    type: str
    site_id: int
    item_id: int | None
    thread_id: int | None
    data: dict


def record(session: Session, type_: str, *, site_id: int, item_id: int | None = None,
           thread_id: int | None = None, at: datetime | None = None, **data) -> Event:
    """Add an event to the session's transaction (not committed)."""
    row = Event(type=type_, site_id=site_id, item_id=item_id, thread_id=thread_id, data=data,
                created_at=at or utcnow())
    session.add(row)
    session.info.setdefault(ADDED, []).append(row)
    return row


def waiting(session: Session, limit: int, after: int = 0) -> list[Event]:
    """Up to `limit` undispatched events with ids above `after`, oldest first, locked
    until this transaction ends (skipping any that another worker holds)."""
    return list(session.scalars(
        select(Event).where(Event.dispatched_at.is_(None), Event.id > after)
        .order_by(Event.id).limit(limit).with_for_update(skip_locked=True)))


def purge(session: Session, days: float, now: datetime | None = None) -> int:
    """Delete events dispatched more than `days` ago (not committed); returns how many."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    return session.execute(delete(Event).where(Event.dispatched_at < cutoff)).rowcount


def install(app: Flask, consumers: list[Callable[[list[Committed]], None]]) -> None:
    """After each commit of a session in this app, call every consumer with the events
    that commit stored (a consumer must not raise: the commit cannot be undone)."""
    app.extensions["outbox_consumers"] = consumers


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context) -> None:
    added = session.info.get(ADDED)
    if not added:
        return
    kept = []
    for row in added:
        if row.id is None:  # not flushed yet (added after this flush began)
            kept.append(row)
            continue
        session.info.setdefault(FLUSHED, []).append(Committed(
            row.id, row.type, row.site_id, row.item_id, row.thread_id, dict(row.data or {})))
    session.info[ADDED] = kept


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: nothing is committed until the transaction is
    events = session.info.pop(FLUSHED, None)
    session.info.pop(ADDED, None)
    if not events or not has_app_context():
        return
    for consumer in current_app.extensions.get("outbox_consumers", ()):
        consumer(events)


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop(ADDED, None)
        session.info.pop(FLUSHED, None)
